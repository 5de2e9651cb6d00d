"""What a run shows a person: figures/*.png and a short report.md.

The stages of a run (:mod:`geoinv.workflow.stages`) each contribute a section
of the report and the figures they call for; this module holds the text of
those sections and draws the figures on ``matplotlib.figure.Figure`` objects
(no pyplot state, no display needed) with the functions of :mod:`geoinv.viz`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .. import viz
from ..viz import METHOD_LABELS, plot_misfit_by_method, plot_profile_sections
from ..evaluation.metrics import FIT_FRACTION, FIT_THRESHOLD, metric_key, simulate_valid

__all__ = ["write_figures", "write_report", "header", "example_indices", "training_summary",
           "network_figures", "reconstruction_figures", "network_section", "ood_section",
           "comparison_figures", "comparison_section", "profile_figures", "profile_section",
           "posterior_figures", "posterior_section", "reconstruction_inputs"]

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


def write_figures(figures, folder):
    """Draw the figures of a run into ``folder`` (created).

    Parameters
    ----------
    figures : dict of str to (tuple, callable)
        File name -> ``((width, height) in inches, draw)``; ``draw(fig)``
        draws on a blank :class:`matplotlib.figure.Figure` of that size.
    folder : Path

    Returns
    -------
    list of Path
        The files written, in the order given.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (size, draw) in figures.items():
        fig = Figure(figsize=size)
        draw(fig)
        fig.savefig(folder / name, dpi=110, bbox_inches="tight")
        written.append(folder / name)
    return written


def network_figures(scenario, datasets, predictions, std, members, misfits, metrics):
    """The network's figures: predicted vs true, error summary, misfits, examples."""
    space = scenario.space
    figures = {}

    def predicted_vs_true(fig):
        viz.plot_predicted_vs_true(
            {s: datasets[s].models for s in SPLITS}, {s: predictions[s] for s in SPLITS},
            space.names, space.units, space.log, bounds=(space.low, space.high), fig=fig,
            std={s: std[s] for s in SPLITS} if std else None)

    rows = int(np.ceil(space.n_params / 3))
    columns = int(np.ceil(space.n_params / rows))
    figures["predicted_vs_true.png"] = ((4.0 * columns, 3.6 * rows + 0.4), predicted_vs_true)
    figures["metrics_summary.png"] = ((7, 4.2), lambda fig: viz.plot_metric_summary(
        metrics, metric="median_rel_err", ax=fig.add_subplot()))
    figures["misfit.png"] = ((6.5, 4), lambda fig: viz.plot_misfit_histogram(
        misfits, ax=fig.add_subplot(), target=FIT_THRESHOLD))
    bands = {"ensemble": members} if members else None
    figures.update(reconstruction_figures(scenario, datasets, predictions, misfits, bands=bands))
    return figures


def reconstruction_figures(scenario, datasets, predictions, misfits, refined=None, bands=None):
    """``reconstructions_<split>.png``: examples spread over the network's misfit.

    Each row draws the true model, the network's and (when ``refined`` is
    given) the network -> LM model with their responses, and any ``bands``
    (ensemble members, posterior samples) beneath.  A later stage returns
    the same file names to replace the network-only figures.

    Parameters
    ----------
    scenario : geoinv.workflow.scenario.Scenario
    datasets : dict of str to Dataset
    predictions : dict of str to ndarray, shape (n_soundings, n_params)
        The network's models per test split.
    misfits : dict of str to ndarray, shape (n_soundings,)
        The network's RMS misfits: the examples are picked along them.
    refined : dict of str to MethodResult, optional
        network -> LM per split (``.models``, ``.rms``).
    bands : dict of str to dict of str to ndarray, shape (n_members, n_soundings, n_params)
        ``{label: {split: members}}``, e.g. ``{"ensemble": members}``.

    Returns
    -------
    dict
        File name -> ``((width, height), draw)``.
    """
    forward, n_examples = scenario.forward, scenario.report.n_examples
    figures = {}
    for split in SPLITS if n_examples > 0 else ():
        idx = example_indices(misfits[split], n_examples)
        models = {"network": predictions[split][idx]}
        rms = {"network": np.asarray(misfits[split])[idx]}
        if refined is not None:
            models["network_lm"] = refined[split].models[idx]
            rms["network_lm"] = refined[split].rms[idx]
        split_bands = {label: b[split][:, idx] for label, b in (bands or {}).items()
                       if b.get(split) is not None}
        height = viz.examples_height(forward, datasets[split].models[idx], models, 10.0)
        figures[f"reconstructions_{split}.png"] = (
            (10, height),
            _examples_drawer(forward, datasets[split], idx, models, rms, split, split_bands))
    return figures


def _rms_text(rms):
    """'RMS misfit 0.97 (network), 1.02 (network -> LM)'; NaN reads 'unphysical'."""
    parts = [("unphysical" if not np.isfinite(v) else f"{v:.2f}")
             + ("" if len(rms) == 1 else f" ({METHOD_LABELS.get(k, k)})") for k, v in rms.items()]
    return "RMS misfit " + ", ".join(parts)


def _examples_drawer(forward, ds, idx, models, rms, split, bands):
    def draw(fig):
        responses = {k: simulate_valid(forward, m) for k, m in models.items()}
        titles = [f"{SPLIT_TITLES[split]} #{i}: " + _rms_text({k: v[j] for k, v in rms.items()})
                  for j, i in enumerate(idx)]
        # sigma is in the error space (decades on log columns): exact bars in data
        # units, d 10**(-/+ sigma), symmetric on the log axes they are drawn on
        bars = np.array([viz.error_bar_lengths(d, s, forward.data_log_mask)
                         for d, s in zip(ds.data[idx], ds.sigma[idx])])
        viz.plot_examples(forward, ds.models[idx], models, ds.data[idx], responses,
                          sigma=bars, titles=titles, fig=fig, bands=bands or None)
    return draw


def comparison_figures(comparisons, scenario=None, datasets=None, members=None):
    """Cumulative misfit of network, LM and network -> LM; examples with network -> LM.

    With the scenario and the test sets, the reconstructions are drawn again
    with the network -> LM model beside the network's (same soundings, same
    file names as :func:`network_figures`, which they replace).
    """
    figures = {"misfit_by_method.png": ((10, 4.8), lambda fig: plot_misfit_by_method(
        {s: c.misfits for s, c in comparisons.items()}, fig=fig))}
    if scenario is not None and datasets is not None:
        network = {s: c.results.get("network") for s, c in comparisons.items()}
        refined = {s: c.results.get("network_lm") for s, c in comparisons.items()}
        if all(r is not None for r in (*network.values(), *refined.values())):
            figures.update(reconstruction_figures(
                scenario, datasets, {s: r.models for s, r in network.items()},
                {s: r.rms for s, r in network.items()}, refined=refined,
                bands={"ensemble": members} if members else None))
    return figures


def profile_figures(forward, line_models, inverted, line=None, detector=None):
    """The stitched sections of the synthetic profile, OOD-flagged soundings marked.

    ``line`` (the simulated soundings) and a fitted ``detector`` give the
    flags, scored with the profile's own network and network -> LM models.
    """
    def draw(fig):
        flags = None
        if line is not None and detector is not None:
            flags = detector.flag(line.data, line.sigma, models=inverted.models["network"],
                                  refined=inverted.models["network_lm"])
        plot_profile_sections(line_models.x, {"true": line_models.models, **inverted.models},
                              forward.n_layers, misfits=inverted.rms, fig=fig,
                              depth_scale="auto", flags=flags)

    return {"profile_sections.png": ((11, 10), draw)}


_BAND_DRAWS = 200      # posterior draws shaded in a reconstruction band


def posterior_figures(scenario, datasets, context, posteriors, shown, starts):
    """Reconstructions with posterior bands, and ``posterior_<split>.png`` for layered models.

    Parameters
    ----------
    scenario : geoinv.workflow.scenario.Scenario
    datasets : dict of str to Dataset
    context : dict
        The run so far (``comparisons``, ``predictions``, ``misfits``, ``members``).
    posteriors : dict of str to (ndarray, PosteriorResult)
        Per split, the sampled sounding indices and their posterior.
    shown : dict of str to ndarray of int
        The reconstructions' soundings per split (among the sampled ones).
    starts : dict of str to ndarray, shape (n_sampled, n_params)
        The network -> LM models the chains started from.

    Returns
    -------
    dict
        File name -> ``((width, height), draw)``.
    """
    figures = {}
    predictions, misfits, refined = reconstruction_inputs(context)
    bands = {"posterior": {}}
    for split, (idx, post) in posteriors.items():
        band = np.full((_BAND_DRAWS, len(datasets[split]), post.samples.shape[2]), np.nan)
        rows = np.searchsorted(idx, shown[split])
        draws = np.linspace(0, post.samples.shape[1] - 1, _BAND_DRAWS).round().astype(int)
        band[:, shown[split]] = post.samples[rows][:, draws].transpose(1, 0, 2)
        bands["posterior"][split] = band
    if context.get("members"):
        bands["ensemble"] = context["members"]
    figures.update(reconstruction_figures(scenario, datasets, predictions, misfits,
                                          refined=refined, bands=bands))
    n_figures = scenario.posterior.n_figures
    if scenario.forward.kind not in ("ves", "mt") or n_figures == 0:
        return figures
    for split, (idx, post) in posteriors.items():
        pick = (shown[split] if len(shown[split]) else idx)[:n_figures]
        rows = np.searchsorted(idx, pick)
        ds = datasets[split]
        panels = [(pick[k], post.samples[r], ds.models[pick[k]],
                   predictions[split][pick[k]], starts[split][r], ds.data[pick[k]],
                   ds.sigma[pick[k]]) for k, r in enumerate(rows)]
        figures[f"posterior_{split}.png"] = (
            (15, 4.8 * len(panels)),
            _posterior_drawer(scenario.forward, panels, split, post.low, post.high))
    return figures


def reconstruction_inputs(context):
    """The network's models, misfits and network -> LM results the reconstructions draw.

    From the method comparison when the run made one (whose reconstructions
    a later stage redraws), else the network's own evaluation; the examples
    are picked along these misfits (:func:`example_indices`).

    Returns
    -------
    predictions, misfits : dict of str to ndarray
        Per test split.
    refined : dict of str to MethodResult, or None
    """
    comparisons = context.get("comparisons")
    if comparisons is None:
        return context["predictions"], context["misfits"], None
    return ({s: c.results["network"].models for s, c in comparisons.items()},
            {s: c.results["network"].rms for s, c in comparisons.items()},
            {s: c.results["network_lm"] for s, c in comparisons.items()})


def _posterior_drawer(forward, panels, split, low, high):
    """One row per sounding: model fan | equivalence valley | simulated data band."""
    def draw(fig):
        fig.set_layout_engine("constrained")
        for sub, (i, samples, truth, network, refined, data, sigma) in zip(
                fig.subfigures(len(panels), 1, squeeze=False)[:, 0], panels):
            draws = samples[np.linspace(0, len(samples) - 1, 200).round().astype(int)]
            viz.plot_sounding_posterior(
                forward, data, sigma, samples, simulate_valid(forward, draws),
                models={"network": network, "network_lm": refined}, truth=truth,
                box=(low, high), fig=sub, title=f"{SPLIT_TITLES[split]} #{i}: posterior", rng=0)
    return draw


def posterior_section(metrics, scenario, seconds, counts, chains):
    """Coverage and width of the credible intervals per method, and the sampling's cost.

    Parameters
    ----------
    metrics : pandas.DataFrame
        The posterior stage's ``metrics.csv`` rows.
    scenario : geoinv.workflow.scenario.Scenario
    seconds : dict of str to float
        Sampling wall time per split.
    counts : dict of str to int
        Soundings sampled per split (calibration ones and reconstructions).
    chains : dict of str to int
        Chains per sounding of each split.
    """
    posteriors_chains = " or ".join(map(str, sorted(set(chains.values()))))
    cfg = scenario.posterior
    pct = f"{100 * cfg.level:g}"
    m = metrics.set_index(["split", "quantity", "metric"])["value"]
    quantities = list(dict.fromkeys(q for q in metrics["quantity"] if q != "all"))
    methods = [k for k in ("posterior", "linearised", "ensemble")
               if (metrics["metric"] == f"coverage_{pct}@{k}").any()]
    head = "| split | quantity | " + " | ".join(
        f"coverage {k} | width {k}" for k in methods) + " |"
    lines = [f"## Posterior: are the {pct} % intervals right?", "",
             f"The posterior of the first {cfg.n_soundings} soundings of each test split was "
             "sampled (DE-MCz chains from network -> LM; "
             f"{posteriors_chains} chains, rounds of {cfg.n_steps} steps up to "
             f"{cfg.resolved_max_steps}, converged when "
             + ("rank-normalised" if cfg.diagnostics == "rank" else "split")
             + " R-hat < 1.01 and ESS >= 200 for every parameter). Prior: "
             "uniform in the declared scale on the prior box (test_id) or on the box widened "
             f"by the OOD shell, {scenario.ood.shell:g} box widths (test_ood); likelihood: "
             "Gaussian in each datum's error space.", "",
             f"Coverage: the share of soundings whose true value lies in the central {pct} % "
             f"interval ({cfg.level:g} is calibrated, less is over-confident); width: its "
             "median width in decades for log parameters and for S, T (the unit for linear "
             "ones). S_i = h_i / rho_i and T_i = h_i rho_i are the Dar Zarrouk conductance and "
             "transverse resistance of layer i; DZ_i is, per sounding, whichever of the two has "
             "the narrower interval: the one the data resolve. "
             "@linearised: +/- 1.645 sd of the linearised covariance at network -> LM "
             "(to the least-squares minimum, where the chains start too)"
             + ("; @ensemble: the members' mean +/- 1.645 sd" if "ensemble" in methods else "")
             + ".", "", head, "|---|---|" + "---|---|" * len(methods)]
    for split in SPLITS:
        for q in quantities:
            cells = [f"{m.get((split, q, f'coverage_{pct}@{k}'), np.nan):.2f} | "
                     f"{m.get((split, q, f'median_width_{pct}@{k}'), np.nan):.3g}"
                     for k in methods]
            lines.append(f"| {split} | {q} | " + " | ".join(cells) + " |")
    lines += ["", "| split | soundings | converged | median min ESS | median max R-hat "
              "| mean steps | forward calls per sounding | s per sounding |",
              "|---|---|---|---|---|---|---|---|"]
    for split in SPLITS:
        g = lambda k: m[split, "all", f"{k}@posterior"]     # noqa: E731
        lines.append(f"| {split} | {g('n_soundings'):.0f} | {g('fraction_converged'):.0%} "
                     f"| {g('median_min_ess'):.0f} | {g('median_max_r_hat'):.3f} "
                     f"| {g('mean_steps'):.0f} | {g('forward_calls_per_sounding'):.0f} "
                     f"| {seconds[split] / counts[split]:.2f} |")
    lines += ["", "Intervals of unconverged soundings are reported too (predictions.csv "
              "`post_converged` = 0); the per-sounding medians and intervals are the "
              "`post_*` columns of predictions.csv.", ""]
    return lines


def _markdown_table(frame):
    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join([frame.index.name or ""] + cols) + " |",
             "|" + "---|" * (len(cols) + 1)]
    for idx, row in frame.iterrows():
        lines.append("| " + " | ".join([str(idx)] + [f"{v:.4g}" for v in row.values]) + " |")
    return "\n".join(lines)


def header(scenario):
    """The report's first lines: what was run."""
    cfg = scenario.config
    net = scenario.network
    lines = [f"# geoinv run: {scenario.name}", ""]
    if scenario.description:
        lines += [scenario.description, ""]
    return lines + [
        f"- forward model: `{scenario.forward!r}`",
        f"- prior box: {scenario.space!r}",
        f"- OOD shell: {scenario.ood.shell:g} of the box width on each side (declared scale)",
        f"- noise: {_noise_text(cfg['noise'])}",
        "- samples: " + ", ".join(f"{k} {v}" for k, v in cfg["samples"].items()),
        f"- network: {scenario.forward.n_data}-{net.hidden}-{scenario.space.n_params}"
        f" ({net.hidden_activation} hidden, {net.output_activation} output, {net.dtype})"
        + (f"; ensemble of {net.ensemble} networks from different seeds"
           if net.ensemble > 1 else ""),
        "- training: " + ", ".join(f"{k} {v}" for k, v in cfg["training"].items()),
        f"- seed: {scenario.seed}",
        "",
    ]


def write_report(lines, seconds, path):
    """Write report.md: the given lines, the wall times and every figure.

    Parameters
    ----------
    lines : list of str
        The header and each stage's section, in order.
    seconds : dict of str to float
        Wall time of each stage.
    path : Path
        report.md; its figures are those in ``figures/`` beside it.
    """
    lines = [*lines, "## Wall time (s)", "",
             ", ".join(f"{k} {v:.2f}" for k, v in seconds.items()), "", "## Figures", ""]
    for png in sorted((Path(path).parent / "figures").glob("*.png")):
        lines.append(f"![{png.stem}](figures/{png.name})")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def network_section(metrics, names):
    """Parameter errors, data misfit and (ensembles) uncertainty of the network."""
    m = metrics
    return [
        "## Parameters: median relative error",
        "",
        _markdown_table(_pivot(m, "median_rel_err", names)),
        "",
        "## Parameters: RMSE of log10 (log parameters) or RMSE (linear)",
        "",
        _markdown_table(_pivot(m, ("rmse_log10", "rmse"), names)),
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
        *_uncertainty_section(m, names),
    ]


def _noise_text(noise):
    """'2 % relative, floor 0' plus any per-group levels (or the survey's own errors)."""
    if noise.get("from_survey"):
        return "the survey's own errors, per datum ([noise] from_survey; see [forward] survey)"
    text = f"{100 * noise['relative']:g} % relative, floor {noise['absolute']:g}"
    for group, levels in noise.items():
        if isinstance(levels, dict):
            parts = [f"{100 * levels['relative']:g} % relative" if "relative" in levels else "",
                     f"floor {levels['absolute']:g}" if "absolute" in levels else ""]
            text += f"; {group}: " + ", ".join(p for p in parts if p)
    return text


def ood_section(m, cfg):
    """Per-split flagged fractions, the threshold and the ROC AUC (``cfg``: OODSection)."""
    ood = m[m["quantity"] == "ood"].set_index(["split", "metric"])["value"]
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
        f"{', '.join(cfg.components)}, each as a tail probability on the ID "
        f"validation set, combined as -sum log10 p; threshold "
        f"{ood['validation', 'threshold']:.3g} (flags {cfg.alpha:.0%} of ID "
        "validation soundings).",
        "",
    ]


def comparison_section(comparisons, metrics, timing, names):
    """Network alone, LM from a generic start and network -> LM, per split."""
    m = metrics.set_index(["split", "quantity", "metric"])["value"]
    timing = timing.set_index(["split", "metric"])["value"]
    head = ("| split | method | fitted (RMS <= 1.2) | median RMS | forward calls per sounding "
            "| ms per sounding | " + " | ".join(names) + " |")
    lines = ["## Network, LM and network -> LM", "", head, "|" + "---|" * (6 + len(names))]
    for split, comparison in comparisons.items():
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


def profile_section(inverted, p):
    """Fit and errors along the synthetic profile (``p``: the resolved [profile])."""
    lines = ["## Profile", "",
             f"{p['n_positions']} soundings along {p['length']:g} m ({p['shape']} lateral change); "
             "see figures/profile_sections.png and profile.csv.", ""]
    for method, rms in inverted.rms.items():
        lines.append(f"- {METHOD_LABELS[method]}: median RMS misfit {np.nanmedian(rms):.3g}, "
                     f"fitted (RMS <= {FIT_THRESHOLD:g}) {np.mean(rms <= FIT_THRESHOLD):.1%}")
    return lines + [""]


def training_summary(hist):
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
