"""``geoinv invert``: from a field file to an interpreted model, written as a run.

:func:`invert_file` reads the survey, takes a trained network (``network``:
a saved ``network.npz``) or trains one for the survey (``scenario``: its
``[forward]`` geometry and, with ``[noise] from_survey``, its errors come
from the data file), inverts every sounding (network, OOD check, network ->
LM, linearised uncertainty and, unless ``posterior=False``, the posterior
with its equivalence limits: :func:`geoinv.inversion.field.invert_survey`)
and :func:`write_inversion` writes, into one output folder written as
atomically as ``geoinv run``'s:

- ``models.csv``: one row per sounding (network and refined models, their
  RMS misfits in the error space, OOD score and flag, standard deviations
  in the declared scale, forward calls; with the posterior, each
  parameter's median and 90 % credible interval, S_i and T_i of a layered
  model, the equivalence limits and the convergence);
- ``fit.csv``: one row per datum (observed, sigma with its space, each
  model's prediction);
- ``report.md`` and ``figures/`` (each sounding's data and fits beside its
  models, ``sounding_<id>.png``; for several soundings, the stitched
  section with the OOD-flagged soundings marked; with the posterior of a
  VES or MT sounding, ``posterior_<id>.png``: model fan, equivalence
  valley, band of simulated curves over the data);
- with ``scenario``: the trained ``network.npz``, the resolved
  ``scenario.toml`` and the network's ``metrics.csv`` on its own ID / OOD
  test sets.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..forward import LayeredForward
from ..inversion.equivalence import equivalence_bound, resolved_is_conductance
from ..inversion.field import POSTERIOR_LEVEL, invert_survey
from ..inversion.posterior import POSTERIOR_DEFAULTS
from .report import _markdown_table

__all__ = ["invert_file", "write_inversion", "sounding_lines"]

METHOD_TITLES = {"network": "network", "network_lm": "network -> LM"}


def invert_file(data, *, network=None, scenario=None, overrides=(), refine=True,
                target_rms=None, posterior=True, posterior_options=None, progress=None,
                seed=0):
    """Invert a field data file with a saved network or one trained for it.

    Parameters
    ----------
    data : str or Path
        The field file (any format :func:`geoinv.read_survey` reads).
    network : str or Path, optional
        A ``network.npz`` written by ``geoinv run`` or ``NetworkInversion.save``.
    scenario : str or Path, optional
        A scenario to train a network for this survey with; its geometry
        (and, with ``[noise] from_survey = true``, its noise) comes from
        ``data`` unless it names its own ``[forward] survey``.
    overrides : iterable of str
        ``section.key=value`` settings for the scenario.
    refine : bool
        Refine by damped least squares (default).
    target_rms : float or None
        Stop the refinement at this misfit; None: the least-squares minimum.
    posterior : bool
        Sample the posterior of every sounding (default).
    posterior_options : dict, optional
        Keyword arguments of ``sample_posterior`` (``n_steps``,
        ``max_steps``, ``n_chains``, ``thin``...); they override those of
        the scenario's ``[posterior]`` section, whose ``seed`` (if any)
        seeds the sampling.  Default ``POSTERIOR_DEFAULTS``.
    progress : callable or None
        Training progress callback.
    seed : int
        Restart draws of the refinement, then of the posterior (with a
        scenario: its own seed).

    Returns
    -------
    result : geoinv.inversion.field.SurveyInversion
    trained : geoinv.workflow.run.RunResult or None
        The training run, with ``scenario``.
    """
    from ..io import read_survey

    survey = read_survey(data)
    trained = None
    options = {}
    if network is not None:
        from ..inversion import load

        inversion = load(network)
    else:
        from .run import simulate_and_train
        from .scenario import load_scenario

        doc_overrides = list(overrides) + ["refine.compare=false"]
        scenario = load_scenario(scenario, overrides=doc_overrides, survey=data)
        trained = simulate_and_train(scenario, progress=progress)
        inversion, seed = trained.inversion, scenario.seed
        section = getattr(scenario, "posterior", None)      # [posterior], if the scenario has one
        if section is not None:
            options = dict(section.sampler_options)
            if getattr(section, "seed", None) is not None:
                options["rng"] = section.seed
    result = invert_survey(inversion, survey, refine=refine, target_rms=target_rms,
                           posterior=posterior,
                           posterior_options={**options, **(posterior_options or {})},
                           rng=np.random.default_rng(seed))
    return result, trained


def sounding_lines(result):
    """One terminal line per sounding: models' misfits, OOD verdict, refined model.

    A sounding whose posterior has not converged says so at the end of its line.
    """
    lines = []
    frame = result.to_frame()
    for _, row in frame.iterrows():
        ood = "OOD" if row["ood_flag"] else "ID"
        score = "" if np.isnan(row["ood_score"]) else f" (score {row['ood_score']:.2g})"
        text = f"  {row['sounding']}: network RMS {row['network_rms']:.2f}"
        if "network_lm_rms" in row:
            model = ", ".join(f"{n} {row[f'network_lm_{n}']:.3g}" for n in result.names)
            text += f", network -> LM RMS {row['network_lm_rms']:.2f}"
        else:
            model = ", ".join(f"{n} {row[f'network_{n}']:.3g}" for n in result.names)
        text = f"{text}, {ood}{score}: {model}"
        if "posterior_converged" in row and not row["posterior_converged"]:
            text += (f"; posterior NOT converged (R-hat {row['r_hat_max']:.3g}, "
                     f"ESS {row['ess_min']:.0f})")
        lines.append(text)
    return lines


def write_inversion(result, folder, trained=None, source=None):
    """Write models.csv, fit.csv, report.md and figures/ (plus the training run's files)."""
    folder = Path(folder)
    csv = dict(index=False, float_format="%.10g")
    result.to_frame().to_csv(folder / "models.csv", **csv)
    result.fit_frame().to_csv(folder / "fit.csv", **csv)
    figures = folder / "figures"
    figures.mkdir()
    for sid in result.sounding_ids:
        fig = Figure(figsize=(11, 4.2))
        result.plot(sid, fig=fig)
        fig.savefig(figures / f"sounding_{_file_name(sid)}.png", dpi=110, bbox_inches="tight")
        if _draws_posterior(result):
            fig = Figure(figsize=(13.0, 4.8))
            result.plot_posterior(sid, fig=fig)
            fig.savefig(figures / f"posterior_{_file_name(sid)}.png", dpi=110,
                        bbox_inches="tight")
    forward = result.forwards[0]
    if len(result.sounding_ids) > 1 and isinstance(forward, LayeredForward):
        from ..viz import plot_survey_section

        x = result.to_frame()["x"].to_numpy()
        if not np.isfinite(x).all():
            x = np.arange(len(x), dtype=float)
        fig = Figure(figsize=(11, 4.0 + 3.0 * len(result.models)))
        plot_survey_section(x, result.models, forward.n_layers, flags=result.ood_flags, fig=fig)
        fig.savefig(figures / "section.png", dpi=110, bbox_inches="tight")
    if trained is not None:
        from .run import write_training

        write_training(trained, folder)
    (folder / "report.md").write_text(_report(result, trained, source, folder), encoding="utf-8")


def _draws_posterior(result):
    """A posterior figure per sounding: layered VES and MT soundings with a posterior."""
    return result.posterior is not None and result.layered and \
        result.forwards[0].kind in ("ves", "mt")


def _file_name(sounding_id):
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in str(sounding_id))


def _report(result, trained, source, folder):
    survey = result.survey
    frame = result.to_frame().set_index("sounding")
    lines = [f"# geoinv invert: {source or survey.source or 'survey'}", "",
             f"- survey: {survey.describe()}",
             f"- errors: {survey.error_source}",
             "- network: " + ("trained for this survey (see scenario.toml, metrics.csv)"
                              if trained is not None else "a saved network"),
             "- refinement: " + ("damped least squares to the least-squares minimum"
                                 if result.target_rms is None else
                                 f"damped least squares to RMS {result.target_rms:g}")
             + ", fitting each sounding's own data and geometry",
             "- misfit: RMS in the error space of each datum (log10 for apparent resistivity), "
             "normalised by the standard deviations (1 = fits to the noise)",
             f"- {time.strftime('%Y-%m-%d')}, {result.seconds:.2f} s", ""]
    for note in survey.notes:
        lines.append(f"- note: {note}")
    lines += ["", "## Models", ""]
    methods = list(result.models)
    columns = [f"{m}_{n}" for m in methods for n in result.names]
    table = frame[[*columns, *(f"{m}_rms" for m in methods), "ood_score"]].copy()
    table["ood_flag"] = frame["ood_flag"].astype(float)
    lines += [_markdown_table(table), ""]
    if "network_lm" in result.models:
        lines += ["## Linearised uncertainty at the refined model", "",
                  "Standard deviations in the declared scale (decades for log parameters), "
                  "from the Jacobian at the refined model and the data errors; they hold "
                  "where the misfit is close to linear in the parameters.", "",
                  _markdown_table(frame[[f"std_{n}" for n in result.names]]), ""]
    if result.posterior is not None:
        lines += _posterior_section(result, frame, survey)
    flagged = [s for s, f in zip(result.sounding_ids, result.ood_flags) if f]
    if flagged:
        lines += ["## Out of distribution", "",
                  f"The OOD detector flags {', '.join(map(str, flagged))}: these soundings lie "
                  "outside what the network was trained on; trust their network -> LM model "
                  "only where its misfit is near 1, and widen the prior box to retrain.", ""]
    lines += ["## Figures", ""]
    names = ["section"] + [f"{kind}_{_file_name(sid)}" for sid in result.sounding_ids
                           for kind in ("sounding", "posterior")]
    for name in names:
        if (folder / "figures" / f"{name}.png").exists():
            lines.append(f"![{name}](figures/{name}.png)")
    return "\n".join(lines) + "\n"


def _interval(median, low, high):
    return f"{median:.3g} [{low:.3g}, {high:.3g}]"


def _text_table(rows):
    """A markdown table of text cells, one dict per row (its keys: the columns)."""
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def _posterior_section(result, frame, survey):
    """The report's Posterior section: prior, likelihood, sampler, intervals, S/T, limits."""
    post, settings = result.posterior, result.posterior_settings
    options = {**POSTERIOR_DEFAULTS, **settings["options"]}
    if "max_steps" not in settings["options"] and \
            options["n_steps"] != POSTERIOR_DEFAULTS["n_steps"]:
        options["max_steps"] = 4 * options["n_steps"]        # sample_posterior's own default
    pct = f"{100 * POSTERIOR_LEVEL:g}"
    widen = settings["widen"]
    box = [{"parameter": n, "unit": u, "scale": "log10" if lg else "linear",
            "prior box": f"{lo:.4g} to {hi:.4g}", "prior support (search box)":
            f"{slo:.4g} to {shi:.4g}"}
           for n, u, lg, lo, hi, slo, shi in zip(result.names, result.units, result.log,
                                                 settings["prior_low"], settings["prior_high"],
                                                 post.low, post.high)]
    lines = ["## Posterior", "",
             f"- prior: uniform in the declared scale (log10 where marked) on the prior box "
             f"widened by {np.ravel(widen)[0] if np.size(widen) == 1 else list(widen)} box "
             "widths on each side: the search box of the refinement, so that a sounding unlike "
             "the training set can have its posterior outside the box the network was "
             "trained on",
             "- likelihood: Gaussian in the error space of each datum, "
             "exp(-chi2 / 2) with chi2 = sum(((g(d) - g(f(m))) / sigma)^2), g = log10 on "
             "apparent resistivity (sigma in decades), the identity elsewhere (phase in "
             f"degrees); sigma: {survey.error_source}",
             f"- sampler: DE-MCz, {post.n_chains} chains per sounding started from the "
             f"{'network -> LM' if 'network_lm' in result.models else 'network'} model, rounds "
             f"of {options['n_steps']} steps up to {options['max_steps']}, every "
             f"{options['thin']}-th state kept, the first half of each chain burn-in",
             f"- convergence: split R-hat < {post.max_r_hat:g} and effective sample size >= "
             f"{post.target_ess:g} for every parameter; {int(post.converged.sum())} of "
             f"{len(post)} soundings converged",
             f"- intervals: central {pct} % credible intervals, physical units",
             f"- {settings['seconds']['sampling']:.1f} s sampling, "
             f"{settings['seconds']['equivalence']:.2f} s equivalence limits", "",
             _text_table(box), ""]
    unconverged = [(sid, row) for sid, row in frame.iterrows() if not row["posterior_converged"]]
    if unconverged:
        lines += ["**Warning: not converged**: " + ", ".join(
            f"{sid} (R-hat {row['r_hat_max']:.3g}, ESS {row['ess_min']:.0f} after "
            f"{row['posterior_steps']:.0f} steps)" for sid, row in unconverged)
            + ". Their intervals may be too narrow or misplaced: sample longer "
            "([posterior] n_steps, max_steps).", ""]
    lines += [f"### Medians and {pct} % credible intervals", ""]
    rows = [{"sounding": sid, **{f"{n} ({u})": _interval(row[f"{n}_median"],
                                                          row[f"{n}_low_{pct}"],
                                                          row[f"{n}_high_{pct}"])
                                 for n, u in zip(result.names, result.units)},
             "R-hat": f"{row['r_hat_max']:.3f}", "ESS": f"{row['ess_min']:.0f}",
             "converged": "yes" if row["posterior_converged"] else "**no**"}
            for sid, row in frame.iterrows()]
    lines += [_text_table(rows), ""]
    if result.layered:
        lines += _dar_zarrouk_lines(result, frame, pct)
    if result.equivalence is not None:
        delta = equivalence_bound(len(result.names), POSTERIOR_LEVEL)
        lines += ["### Equivalence limits", "",
                  f"The range of each parameter among the models whose misfit stays within "
                  f"chi2 <= chi2_min + {delta:.2f} (the chi-square {pct} % quantile of "
                  f"{len(result.names)} degrees of freedom: the joint {pct} % confidence "
                  "region), from the posterior draws pushed outwards along each parameter; "
                  "physical units.", ""]
        rows = [{"sounding": sid, **{n: f"{row[f'{n}_equiv_low']:.3g} to "
                                        f"{row[f'{n}_equiv_high']:.3g}" for n in result.names},
                 "chi2_min": f"{row['chi2_min']:.3g}"} for sid, row in frame.iterrows()]
        lines += [_text_table(rows), ""]
    return lines


def _dar_zarrouk_lines(result, frame, pct):
    """S_i, T_i per sounding and layer, and which one the data fix (the narrower interval)."""
    n = (len(result.names) + 1) // 2
    rows = []
    for sid, row in frame.iterrows():
        for i in range(1, n):
            width = {q: np.log10(row[f"{q}_high_{pct}"] / row[f"{q}_low_{pct}"])
                     for q in (f"S_{i}", f"T_{i}", f"rho_{i}", f"h_{i}")}
            fixed = f"S_{i}" if resolved_is_conductance(
                *(row[f"{q}_{i}_{k}_{pct}"] for q in "ST" for k in ("low", "high"))) else f"T_{i}"
            rows.append({"sounding": sid, "layer": i,
                         "S (S)": _interval(*(row[f"S_{i}_{k}"] for k in
                                              ("median", f"low_{pct}", f"high_{pct}"))),
                         "T (ohm.m^2)": _interval(*(row[f"T_{i}_{k}"] for k in
                                                    ("median", f"low_{pct}", f"high_{pct}"))),
                         "widths S / T / rho / h (decades)": " / ".join(
                             f"{w:.2f}" for w in width.values()),
                         "fixed by the data": fixed})
    return ["### Dar Zarrouk parameters", "",
            "Conductance S_i = h_i / rho_i (S) and transverse resistance T_i = h_i rho_i "
            "(ohm.m^2) of every layer above the half-space, with their medians and "
            f"{pct} % intervals.  A thin layer more conductive than its neighbours is seen "
            "only through S_i, a resistive one only through T_i (the principle of "
            "equivalence): the column 'fixed by the data' names the one with the narrower "
            "posterior interval (widths: log10(high / low), decades); where both rho_i and h_i are "
            "much wider than it, only that combination is resolved.", "",
            _text_table(rows), ""]
