"""``geoinv invert``: from a field file to an interpreted model, written as a run.

:func:`invert_file` reads the survey, takes a trained network (``network``:
a saved ``network.npz``) or trains one for the survey (``scenario``: its
``[forward]`` geometry and, with ``[noise] from_survey``, its errors come
from the data file), inverts every sounding (network, OOD check, network ->
LM, linearised uncertainty: :func:`geoinv.inversion.field.invert_survey`)
and :func:`write_inversion` writes, into one output folder written as
atomically as ``geoinv run``'s:

- ``models.csv``: one row per sounding (network and refined models, their
  RMS misfits in the error space, OOD score and flag, standard deviations
  in the declared scale, forward calls);
- ``fit.csv``: one row per datum (observed, sigma with its space, each
  model's prediction);
- ``report.md`` and ``figures/`` (each sounding's data and fits beside its
  models; for several soundings, the stitched section with the
  OOD-flagged soundings marked);
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
from ..inversion.field import invert_survey
from .report import _markdown_table

__all__ = ["invert_file", "write_inversion", "sounding_lines"]

METHOD_TITLES = {"network": "network", "network_lm": "network -> LM"}


def invert_file(data, *, network=None, scenario=None, overrides=(), refine=True,
                target_rms=None, progress=None, seed=0):
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
    progress : callable or None
        Training progress callback.
    seed : int
        Restart draws of the refinement (with a scenario: its own seed).

    Returns
    -------
    result : geoinv.inversion.field.SurveyInversion
    trained : geoinv.workflow.run.RunResult or None
        The training run, with ``scenario``.
    """
    from ..io import read_survey

    survey = read_survey(data)
    trained = None
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
    result = invert_survey(inversion, survey, refine=refine, target_rms=target_rms,
                           rng=np.random.default_rng(seed))
    return result, trained


def sounding_lines(result):
    """One terminal line per sounding: models' misfits, OOD verdict, refined model."""
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
        lines.append(f"{text}, {ood}{score}: {model}")
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
    flagged = [s for s, f in zip(result.sounding_ids, result.ood_flags) if f]
    if flagged:
        lines += ["## Out of distribution", "",
                  f"The OOD detector flags {', '.join(map(str, flagged))}: these soundings lie "
                  "outside what the network was trained on; trust their network -> LM model "
                  "only where its misfit is near 1, and widen the prior box to retrain.", ""]
    lines += ["## Figures", ""]
    for png in sorted((folder / "figures").glob("*.png")):
        lines.append(f"![{png.stem}](figures/{png.name})")
    return "\n".join(lines) + "\n"
