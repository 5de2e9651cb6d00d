"""What a run shows a person: figures/*.png and a short report.md.

Figures are drawn on ``matplotlib.figure.Figure`` objects made here (no
pyplot state, no display needed) with the functions of
:mod:`geoinv.plotting`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from . import plotting
from .evaluation import FIT_THRESHOLD, data_misfit, simulate_valid

__all__ = ["write_figures", "write_report", "example_indices"]

SPLITS = ("test_id", "test_ood")
SPLIT_TITLES = {"test_id": "in distribution (ID)", "test_ood": "out of distribution (OOD)"}


def example_indices(rms, n):
    """Indices of ``n`` soundings spread over the misfit distribution.

    The soundings at evenly spaced quantiles of the RMS misfit (best fit
    first, worst last), so a figure shows typical and bad cases alike.
    """
    if n <= 0 or len(rms) == 0:
        return np.array([], dtype=int)
    order = np.argsort(rms, kind="stable")
    picks = np.linspace(0, len(rms) - 1, min(n, len(rms))).round().astype(int)
    return order[picks]


def _save(fig, path):
    fig.savefig(path, dpi=110, bbox_inches="tight")


def write_figures(result, scenario, folder):
    """Draw the run's figures into ``folder`` (created).

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    space, forward = scenario.space, scenario.forward
    written = []

    fig = Figure(figsize=(6, 4))
    plotting.plot_history(result.history, ax=fig.add_subplot())
    written.append(folder / "loss.png")
    _save(fig, written[-1])

    fig = Figure(figsize=(12, 3.6 * int(np.ceil(space.n_params / 3))))
    plotting.plot_predicted_vs_true(
        {s: result.datasets[s].models for s in SPLITS}, {s: result.predictions[s] for s in SPLITS},
        space.names, space.units, space.log, bounds=(space.low, space.high), fig=fig,
        std={s: result.std[s] for s in SPLITS} if result.std else None)
    written.append(folder / "predicted_vs_true.png")
    _save(fig, written[-1])

    fig = Figure(figsize=(7, 4))
    plotting.plot_metric_summary(result.metrics, metric="median_rel_err", ax=fig.add_subplot())
    written.append(folder / "metrics_summary.png")
    _save(fig, written[-1])

    misfits = {}
    for split in SPLITS:
        ds = result.datasets[split]
        misfits[split], _ = data_misfit(ds.data, simulate_valid(forward, result.predictions[split]),
                                        ds.sigma)
    fig = Figure(figsize=(6, 4))
    plotting.plot_misfit_histogram(misfits, ax=fig.add_subplot(), target=FIT_THRESHOLD)
    written.append(folder / "misfit.png")
    _save(fig, written[-1])

    n_examples = scenario.config["report"]["n_examples"]
    for split in SPLITS if n_examples > 0 else ():
        ds = result.datasets[split]
        idx = example_indices(misfits[split], n_examples)
        pred = result.predictions[split][idx]
        fig = Figure(figsize=(10, 3.2 * len(idx)))
        plotting.plot_examples(
            forward, ds.models[idx], pred, ds.data[idx], simulate_valid(forward, pred),
            sigma=ds.sigma[idx],
            titles=[f"{SPLIT_TITLES[split]} #{i}: RMS misfit {misfits[split][i]:.2f}" for i in idx],
            fig=fig)
        if split in result.members and _layered(forward, space):
            _draw_model_bands(fig, result.members[split][:, idx], forward.n_layers)
        written.append(folder / f"reconstructions_{split}.png")
        _save(fig, written[-1])
    return written


def _layered(forward, space):
    """Whether models are [rho_1..rho_N, h_1..h_(N-1)] of an N-layer earth."""
    n = getattr(forward, "n_layers", None)
    return isinstance(n, (int, np.integer)) and list(space.names) == (
        [f"rho_{i}" for i in range(1, n + 1)] + [f"h_{i}" for i in range(1, n)])


def _draw_model_bands(fig, members, n_layers):
    """Shade the ensemble's band on the model panel of each example row.

    ``members``: (K, n_examples, n_params); row i of ``fig`` is a sub-figure
    drawn by the forward model's ``plot_example``; its layered-model panel is
    the Axes with a depth axis (as :func:`geoinv.plotting.plot_layered_model`
    labels it).  Rows without one are left alone.
    """
    for i, sub in enumerate(fig.subfigs):
        depth_axes = [ax for ax in sub.axes if ax.get_ylabel() == "Depth (m)"]
        if not depth_axes:
            continue
        ax = depth_axes[0]
        plotting.plot_layered_model_band(members[:, i, :n_layers], members[:, i, n_layers:],
                                         ax=ax, depth_max=ax.get_ylim()[0])
        if i == 0:
            ax.legend(loc="best", fontsize="small")


def _markdown_table(frame):
    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join([frame.index.name or ""] + cols) + " |",
             "|" + "---|" * (len(cols) + 1)]
    for idx, row in frame.iterrows():
        lines.append("| " + " | ".join([str(idx)] + [f"{v:.4g}" for v in row.values]) + " |")
    return "\n".join(lines)


def write_report(result, scenario, path):
    """Write a short human-readable summary of the run (Markdown)."""
    cfg = scenario.config
    m = result.metrics
    hist = result.history
    lines = [f"# geoinv run: {cfg['name']}", ""]
    if cfg["description"]:
        lines += [cfg["description"], ""]
    lines += [
        f"- forward model: `{scenario.forward!r}`",
        f"- prior box: {scenario.space!r}",
        f"- OOD shell: {cfg['ood']['shell']:g} of the box width on each side (declared scale)",
        f"- noise: {100 * cfg['noise']['relative']:g} % relative, floor {cfg['noise']['absolute']:g}",
        f"- samples: " + ", ".join(f"{k} {v}" for k, v in cfg["samples"].items()),
        f"- network: {scenario.forward.n_data}-{cfg['network']['hidden']}-{scenario.space.n_params}"
        f" ({cfg['network']['hidden_activation']} hidden, {cfg['network']['output_activation']} output"
        f", {cfg['network'].get('dtype', 'float64')})"
        + (f"; ensemble of {cfg['network']['ensemble']} networks from different seeds"
           if cfg["network"].get("ensemble", 1) > 1 else ""),
        f"- training: " + ", ".join(f"{k} {v}" for k, v in cfg["training"].items()),
        f"- seed: {cfg['seed']}",
        "",
        "## Training",
        "",
        *_training_summary(hist),
        "",
        "## Parameters: median relative error",
        "",
        _markdown_table(_pivot(m, "median_rel_err", scenario.space.names)),
        "",
        "## Parameters: RMSE of log10 (log parameters) or RMSE (linear)",
        "",
        _markdown_table(_pivot(m, ("rmse_log10", "rmse"), scenario.space.names)),
        "",
        "## Data misfit of the re-simulated predictions",
        "",
        _markdown_table(m[m["quantity"] == "data"].pivot(index="metric", columns="split",
                                                         values="value")),
        "",
        f"RMS misfit is normalised by the noise standard deviation (1 = fits to the noise); "
        f"a sounding counts as fitted when it is <= {FIT_THRESHOLD:g}.",
        "",
        *_uncertainty_section(m, scenario.space.names),
        "## Wall time (s)",
        "",
        ", ".join(f"{k} {v:.2f}" for k, v in result.seconds.items()),
        "",
        "## Figures",
        "",
    ]
    for png in sorted((Path(path).parent / "figures").glob("*.png")):
        lines.append(f"![{png.stem}](figures/{png.name})")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _training_summary(hist):
    """Lines on the training run (one per member for an ensemble)."""
    groups = hist.groupby("member") if "member" in hist.columns else [(None, hist)]
    lines = []
    for member, h in groups:
        best = h.loc[h["val_loss"].idxmin()] if h["val_loss"].notna().any() else h.iloc[-1]
        who = f"- member {member}: " if member is not None else ""
        lines.append(f"{who}{len(h)} epochs; best validation loss {best['val_loss']:.4g} at epoch "
                     f"{int(best['epoch'])} (training loss {best['train_loss']:.4g}); weights "
                     "restored to that epoch.")
    return lines


def _uncertainty_section(m, names):
    """The ensemble's coverage table, or nothing for a single network."""
    if not (m["metric"] == "coverage_2sigma").any():
        return []
    return [
        "## Ensemble uncertainty: coverage of the +/- 2 sigma band",
        "",
        _markdown_table(_pivot(m, "coverage_2sigma", names)),
        "",
        "Share of test models whose true value lies within the ensemble mean +/- 2 standard "
        "deviations of the members (declared scale: log10 for log parameters); a calibrated "
        "Gaussian spread would give 0.95.",
        "",
        "Median spread sigma (decades for log parameters, the unit for linear ones):",
        "",
        _markdown_table(_pivot(m, ("median_std_log10", "median_std"), names)),
        "",
    ]


def _pivot(m, metric, names):
    """Parameters (in model-vector order) x splits table of one metric."""
    metrics = (metric,) if isinstance(metric, str) else metric
    sub = m[m["metric"].isin(metrics)]
    table = sub.pivot(index="quantity", columns="split", values="value").reindex(names)
    table.index.name = "parameter"
    return table
