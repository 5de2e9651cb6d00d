"""What a run shows a person: figures/*.png and a short report.md.

Figures are drawn on ``matplotlib.figure.Figure`` objects made here (no
pyplot state, no display needed) with the functions of
:mod:`geoinv.plotting`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..viz import plotting
from ..viz.plotting import METHOD_LABELS, plot_misfit_by_method
from ..viz.sections import plot_profile_sections
from ..evaluation.metrics import (FIT_FRACTION, FIT_THRESHOLD, data_misfit, metric_key,
                                  simulate_valid)

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

    if result.comparisons:
        fig = Figure(figsize=(7, 4.2))
        plot_misfit_by_method({s: c.misfits for s, c in result.comparisons.items()},
                              ax=fig.add_subplot())
        written.append(folder / "misfit_by_method.png")
        _save(fig, written[-1])
    if result.profile is not None:
        profile, _, inverted = result.profile
        fig = Figure(figsize=(11, 10))
        plot_profile_sections(profile.x, {"true": profile.models, **inverted.models},
                              forward.n_layers, misfits=inverted.rms, fig=fig)
        written.append(folder / "profile_sections.png")
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
        f"- noise: {_noise_text(cfg['noise'])}",
        "- samples: " + ", ".join(f"{k} {v}" for k, v in cfg["samples"].items()),
        f"- network: {scenario.forward.n_data}-{cfg['network']['hidden']}-{scenario.space.n_params}"
        f" ({cfg['network']['hidden_activation']} hidden, {cfg['network']['output_activation']} output"
        f", {cfg['network'].get('dtype', 'float64')})"
        + (f"; ensemble of {cfg['network']['ensemble']} networks from different seeds"
           if cfg["network"].get("ensemble", 1) > 1 else ""),
        "- training: " + ", ".join(f"{k} {v}" for k, v in cfg["training"].items()),
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
        _markdown_table(m[(m["quantity"] == "data") & ~m["metric"].str.contains("@")
                          & m["split"].isin(SPLITS)].pivot(index="metric", columns="split",
                                                           values="value")),
        "",
        f"RMS misfit is normalised by the noise standard deviation (1 = fits to the noise); "
        f"a sounding counts as fitted when it is <= {FIT_THRESHOLD:g}.",
        "",
        *_uncertainty_section(m, scenario.space.names),
        *_ood_section(m, cfg),
        *_comparison_section(result, scenario.space.names),
        *_profile_section(result, cfg),
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


def _noise_text(noise):
    """'2 % relative, floor 0' plus any per-group levels."""
    text = f"{100 * noise['relative']:g} % relative, floor {noise['absolute']:g}"
    for group, levels in noise.items():
        if isinstance(levels, dict):
            parts = [f"{100 * levels['relative']:g} % relative" if "relative" in levels else "",
                     f"floor {levels['absolute']:g}" if "absolute" in levels else ""]
            text += f"; {group}: " + ", ".join(p for p in parts if p)
    return text


def _ood_section(m, cfg):
    """Per-split flagged fractions, the threshold and the ROC AUC."""
    ood = m[m["quantity"] == "ood"].set_index(["split", "metric"])["value"]
    if ood.empty:
        return []
    rows = [f"| {SPLIT_TITLES[s]} | {ood[s, 'fraction_flagged']:.1%} | "
            f"{ood[s, 'median_score']:.3g} |" for s in SPLITS]
    return [
        "## OOD detection per sounding",
        "",
        "| split | flagged as OOD | median score |",
        "|---|---|---|",
        *rows,
        "",
        f"ROC AUC separating the OOD from the ID test soundings: "
        f"**{ood['test_ood', 'roc_auc_vs_test_id']:.3f}**. Score: components "
        f"{', '.join(cfg['ood']['components'])}, each as a tail probability on the ID "
        f"validation set, combined as -sum log10 p; threshold "
        f"{ood['validation', 'threshold']:.3g} (flags {cfg['ood']['alpha']:.0%} of ID "
        "validation soundings).",
        "",
    ]


def _comparison_section(result, names):
    """Network alone, LM from a generic start and network -> LM, per split."""
    if not result.comparisons:
        return []
    m = result.metrics.set_index(["split", "quantity", "metric"])["value"]
    timing = result.timing.set_index(["split", "metric"])["value"]
    head = ("| split | method | fitted (RMS <= 1.2) | median RMS | forward calls per sounding "
            "| ms per sounding | " + " | ".join(names) + " |")
    lines = ["## Network, LM and network -> LM", "", head, "|" + "---|" * (6 + len(names))]
    for split, comparison in result.comparisons.items():
        for method in comparison.results:
            errs = [m.get((split, n, metric_key("median_rel_err", method)), np.nan)
                    for n in names]
            lines.append(
                f"| {split} | {METHOD_LABELS[method]} "
                f"| {m[split, 'data', metric_key(FIT_FRACTION, method)]:.1%} "
                f"| {m[split, 'data', metric_key('median_rms_misfit', method)]:.3g} "
                f"| {m[split, 'all', metric_key('forward_calls_per_sounding', method)]:.1f} "
                f"| {timing[split, metric_key('ms_per_sounding', method)]:.3g} | "
                + " | ".join(f"{e:.3g}" for e in errs) + " |")
    lines += ["", "Parameter columns: median relative error (median absolute error is in "
              "metrics.csv for linear parameters whose box contains 0). A forward call is one "
              "simulated model.", ""]
    return lines


def _profile_section(result, cfg):
    """Fit and errors along the synthetic profile."""
    if result.profile is None:
        return []
    _, _, inverted = result.profile
    p = cfg["profile"]
    lines = ["## Profile", "",
             f"{p['n_positions']} soundings along {p['length']:g} m ({p['shape']} lateral change); "
             "see figures/profile_sections.png and profile.csv.", ""]
    for method, rms in inverted.rms.items():
        lines.append(f"- {METHOD_LABELS[method]}: median RMS misfit {np.nanmedian(rms):.3g}, "
                     f"fitted (RMS <= {FIT_THRESHOLD:g}) {np.mean(rms <= FIT_THRESHOLD):.1%}")
    return lines + [""]


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
