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
        space.names, space.units, space.log, bounds=(space.low, space.high), fig=fig)
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
        written.append(folder / f"reconstructions_{split}.png")
        _save(fig, written[-1])
    return written


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
    best = hist.loc[hist["val_loss"].idxmin()] if hist["val_loss"].notna().any() else hist.iloc[-1]
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
        f" ({cfg['network']['hidden_activation']} hidden, {cfg['network']['output_activation']} output)",
        f"- training: " + ", ".join(f"{k} {v}" for k, v in cfg["training"].items()),
        f"- seed: {cfg['seed']}",
        "",
        "## Training",
        "",
        f"{len(hist)} epochs; best validation loss {best['val_loss']:.4g} at epoch {int(best['epoch'])} "
        f"(training loss {best['train_loss']:.4g}); weights restored to that epoch.",
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


def _pivot(m, metric, names):
    """Parameters (in model-vector order) x splits table of one metric."""
    metrics = (metric,) if isinstance(metric, str) else metric
    sub = m[m["metric"].isin(metrics)]
    table = sub.pivot(index="quantity", columns="split", values="value").reindex(names)
    table.index.name = "parameter"
    return table
