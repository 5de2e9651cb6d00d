"""The stages of a run: each computes one step and returns everything it adds.

A stage is a function ``stage(context) -> StageResult``.  It reads what the
earlier stages produced from ``context`` (the scenario, the random streams,
and the products of earlier stages: ``datasets``, ``inversion``, ...) and
returns, without changing anything it was given:

- ``products``: named results for the later stages and for the caller;
- ``metrics``: its rows of ``metrics.csv`` (``split, quantity, metric, value``);
- ``columns``: per test split, its columns of ``predictions.csv``;
- ``files``: extra tables written as CSV (e.g. ``profile.csv``);
- ``figures``: file name -> a function drawing the figure on a blank
  ``matplotlib.figure.Figure`` (drawn only when the run is written);
- ``report``: its section of ``report.md`` (Markdown lines);
- ``summary``: its lines of the command-line summary.

:data:`STAGES` lists them in order; a stage that does not apply to a
scenario (no ``[profile]``, ``[ood] detect = false``...) says so through
its ``applies`` predicate.  Adding a stage to a run is writing one function
and one entry of :data:`STAGES`.

The random streams are spawned from the scenario seed (``STREAMS``; new ones
are only ever appended), so the draws of one stage do not depend on which
other stages run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from ..evaluation.calibration import (convergence_rows, ensemble_calibration,
                                      linearised_calibration, posterior_calibration)
from ..evaluation.compare import compare_methods
from ..evaluation.metrics import (FIT_FRACTION, FIT_THRESHOLD, METRIC_COLUMNS, data_misfit,
                                  detection_metrics, evaluate, metric_key, misfit_metrics,
                                  parameter_metrics, simulate_valid)
from ..inversion import NetworkInversion, OODDetector
from ..inversion.equivalence import dar_zarrouk_frame, layered
from ..inversion.posterior import (POSTERIOR_BATCH, PosteriorResult, chains_for,
                                   sample_posterior)
from ..inversion.profile import invert_profile, profile_models, simulate_profile
from ..inversion.refine import refine
from ..prior.dataset import make_dataset
from . import report
from .sections import ScenarioError

__all__ = ["StageResult", "Stage", "STAGES", "STREAMS", "SPLITS", "random_streams"]

STREAMS = ("train", "validation", "test_id", "test_ood", "weights", "shuffle", "refine",
           "profile", "profile_refine", "posterior")
"""Independent random streams of a run; new ones are only ever appended, so
that the draws of the existing ones stay the same."""

SPLITS = ("test_id", "test_ood")
"""The test sets every evaluation reports separately: in and out of distribution."""


def random_streams(seed):
    """One numpy Generator per name of :data:`STREAMS`, spawned from ``seed``."""
    seeds = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return dict(zip(STREAMS, (np.random.default_rng(s) for s in seeds)))


@dataclass
class StageResult:
    """What one stage adds to a run (see the module docstring)."""

    products: dict = field(default_factory=dict)
    metrics: list = field(default_factory=list)
    columns: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    report: list = field(default_factory=list)
    summary: list = field(default_factory=list)


@dataclass(frozen=True)
class Stage:
    """A named step of a run: ``run(context) -> StageResult`` when ``applies(scenario)``."""

    name: str
    run: Callable
    applies: Callable = lambda scenario: True


def _frame(rows):
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)


# -- simulate --------------------------------------------------------------------
def simulate(context):
    """Draw and simulate the training, validation and ID / OOD test sets."""
    scenario, streams = context["scenario"], context["streams"]
    samples = scenario.samples
    datasets = {}
    for split in ("train", "validation", "test_id"):
        datasets[split] = make_dataset(scenario.forward, scenario.space, getattr(samples, split),
                                       scenario.noise, streams[split], method=samples.method)
    datasets["test_ood"] = make_dataset(scenario.forward, scenario.space, samples.test_ood,
                                        scenario.noise, streams["test_ood"],
                                        ood_shell=scenario.ood.shell)
    return StageResult(products={"datasets": datasets})


# -- train -----------------------------------------------------------------------
def train(context):
    """Build the network(s) with scalers from the prior box and train them."""
    scenario, streams, datasets = context["scenario"], context["streams"], context["datasets"]
    net = scenario.network
    inversion = NetworkInversion.create(
        scenario.forward, scenario.space, net.hidden, net.ensemble,
        hidden_activation=net.hidden_activation, output_activation=net.output_activation,
        rng=streams["weights"], train_data=datasets["train"].data, scenario=scenario.config,
        dtype=net.dtype)
    inversion.fit(datasets["train"], datasets["validation"],
                  scenario.trainer(progress=context.get("progress")), rng=streams["shuffle"],
                  noise=scenario.injected_noise)
    history = inversion.history_frame()
    failed = [h for h in inversion.histories_ if h.stop_reason in ("diverged", "no_progress")]
    if failed:     # the best weights are kept, but nothing a user could use was learnt
        where = f"{scenario.path}: " if scenario.path else ""
        raise ScenarioError(f"{where}[training] {failed[0].warning()}")
    warnings = [w for w in (h.warning() for h in inversion.histories_) if w]

    def draw_loss(fig):
        from ..viz import plotting

        plotting.plot_history(history, ax=fig.add_subplot())

    return StageResult(products={"inversion": inversion, "history": history},
                       figures={"loss.png": ((6, 4), draw_loss)},
                       report=["## Training", "", *report.training_summary(history),
                               *(f"- **warning:** {w}" for w in warnings), ""],
                       summary=[f"  warning: {w}" for w in warnings])


# -- evaluate the network on the test sets ------------------------------------
def evaluate_network(context):
    """The network's answers on the ID and OOD test sets, against the truth."""
    scenario, datasets, inversion = context["scenario"], context["datasets"], context["inversion"]
    forward, space = scenario.forward, scenario.space
    ensemble = inversion.n_members > 1
    predictions, std, members, frames, columns, misfits = {}, {}, {}, [], {}, {}
    for split in SPLITS:
        ds = datasets[split]
        predictions[split], spread = inversion.predict(ds.data, return_std=True)
        if ensemble:        # the members' spread (declared scale) and every member
            std[split], members[split] = spread, inversion.predict_members(ds.data)
        frames.append(evaluate(forward, space, ds.models, predictions[split], ds.data, ds.sigma,
                               split, std=std.get(split)))
        misfits[split], _ = data_misfit(ds.data, simulate_valid(forward, predictions[split]),
                                        ds.sigma, forward.data_log_mask)
        frame = pd.DataFrame({"split": split, "sample": np.arange(len(ds))})
        for j, name in enumerate(space.names):
            frame[f"true_{name}"] = ds.models[:, j]
            frame[f"pred_{name}"] = predictions[split][:, j]
            if ensemble:     # spread in the declared scale
                frame[f"std_{name}"] = std[split][:, j]
        frame["rms_misfit"] = misfits[split]
        columns[split] = frame
    metrics = pd.concat(frames, ignore_index=True)
    summary = _network_summary(metrics)
    return StageResult(
        products={"predictions": predictions, "std": std, "members": members,
                  "misfits": misfits},
        metrics=frames, columns=columns,
        figures=report.network_figures(scenario, datasets, predictions, std, members, misfits,
                                       metrics),
        report=report.network_section(metrics, space.names), summary=summary)


def _network_summary(metrics):
    m = metrics
    fit = m[(m["quantity"] == "data") & (m["metric"] == "median_rms_misfit")]
    err = m[m["metric"] == "median_rel_err"].groupby("split")["value"].median()
    return [f"  {row['split']:9s} median relative parameter error {err[row['split']]:.3f}, "
            f"median RMS data misfit {row['value']:.2f}" for _, row in fit.iterrows()]


# -- OOD detection ---------------------------------------------------------------
def detect_ood(context):
    """Fit the per-sounding OOD detector; flag and score the test soundings."""
    scenario, datasets, inversion = context["scenario"], context["datasets"], context["inversion"]
    cfg = scenario.ood
    detector = OODDetector(components=tuple(cfg.components), k=cfg.k, alpha=cfg.alpha,
                           widen=scenario.refine.widen)
    inversion.ood_detector = detector.fit(inversion, datasets["train"], datasets["validation"])
    results = {s: detector.predict(datasets[s].data, datasets[s].sigma) for s in SPLITS}
    metrics = detection_metrics(detector.threshold_, {s: r.scores for s, r in results.items()})
    columns = {s: pd.DataFrame({"ood_score": r.scores, "ood_flag": r.flags})
               for s, r in results.items()}
    value = metrics.set_index(["split", "metric"])["value"]
    summary = [f"  OOD detector flags {value['test_id', 'fraction_flagged']:.1%} of test_id and "
               f"{value['test_ood', 'fraction_flagged']:.1%} of test_ood soundings "
               f"(ROC AUC {value['test_ood', 'roc_auc_vs_test_id']:.3f})"]
    return StageResult(products={"ood": results}, metrics=[metrics], columns=columns,
                       report=report.ood_section(metrics, cfg), summary=summary)


# -- network, LM and network -> LM -------------------------------------------------
def compare(context):
    """Invert the test sets with the network, LM and network -> LM, side by side."""
    scenario, datasets, inversion = context["scenario"], context["datasets"], context["inversion"]
    comparisons = {
        s: compare_methods(scenario.forward, scenario.space, inversion, datasets[s], s,
                           rng=context["streams"]["refine"], **scenario.refine.lm_options)
        for s in SPLITS}
    frames = [c.metrics for c in comparisons.values()]
    timing = pd.concat([c.timing for c in comparisons.values()], ignore_index=True)
    columns = {}
    for split, c in comparisons.items():
        refined = c.results["network_lm"]
        frame = pd.DataFrame({f"refined_{name}": refined.models[:, j]
                              for j, name in enumerate(scenario.space.names)})
        frame["refined_rms_misfit"] = refined.rms
        frame["refined_forward_calls"] = refined.forward_calls
        columns[split] = frame
    value = pd.concat(frames).set_index(["split", "quantity", "metric"])["value"]
    summary = [f"  network -> LM fits {value[s, 'data', metric_key(FIT_FRACTION, 'network_lm')]:.1%}"
               f" of {s} to RMS <= {FIT_THRESHOLD:g} (network alone "
               f"{value[s, 'data', metric_key(FIT_FRACTION, 'network')]:.1%})"
               for s in comparisons]
    return StageResult(products={"comparisons": comparisons, "timing": timing}, metrics=frames,
                       columns=columns,
                       figures=report.comparison_figures(comparisons, scenario, datasets,
                                                         context.get("members")),
                       report=report.comparison_section(comparisons, pd.concat(frames), timing,
                                                        scenario.space.names),
                       summary=summary)


# -- a synthetic profile ---------------------------------------------------------
def profile(context):
    """Invert a synthetic line of soundings by the network and by network -> LM."""
    scenario, streams, inversion = context["scenario"], context["streams"], context["inversion"]
    forward, space, p = scenario.forward, scenario.space, scenario.profile
    line_models = profile_models(space.names, p["model"], p["n_positions"], p["length"],
                                 log=space.log, shape=p["shape"])
    line = simulate_profile(forward, line_models, scenario.noise, streams["profile"])
    inverted = invert_profile(inversion, line.data, line.sigma, rng=streams["profile_refine"],
                              **scenario.refine.lm_options)
    rows = [("all", "n_samples", float(len(line)))]
    for method, models in inverted.models.items():
        rel = data_misfit(line.data, simulate_valid(forward, models), line.sigma,
                          forward.data_log_mask)[1]
        method_rows = parameter_metrics(line.models, models, space)
        method_rows += misfit_metrics(inverted.rms[method], rel)
        rows += [(q, metric_key(m, method), v) for q, m, v in method_rows]
    table = pd.DataFrame({"x": line_models.x})
    for label, models in (("true", line_models.models), *inverted.models.items()):
        for j, name in enumerate(space.names):
            table[f"{label}_{name}"] = models[:, j]
    for method, rms in inverted.rms.items():
        table[f"rms_misfit_{method}"] = rms
    return StageResult(products={"profile": (line_models, line, inverted)},
                       metrics=[_frame([("profile", *r) for r in rows])],
                       files={"profile.csv": table},
                       figures=report.profile_figures(forward, line_models, inverted, line,
                                                      inversion.ood_detector),
                       report=report.profile_section(inverted, p))


# -- posterior sampling of test soundings and the calibration of its intervals ----
def posterior(context):
    """Sample test soundings' posteriors from network -> LM; how often do intervals hold the truth?

    Per split, the first ``[posterior] n_soundings`` test soundings (a random
    sample of the split: the calibration rows are theirs) and the
    reconstructions drawn (for their posterior bands), each from its
    network -> LM model refined to the least-squares minimum.  The prior is uniform
    on the box the split's models came from: the prior box for ``test_id``,
    the box widened by the OOD shell for ``test_ood``.
    """
    scenario, datasets, inversion = context["scenario"], context["datasets"], context["inversion"]
    cfg, forward, space = scenario.posterior, scenario.forward, scenario.space
    rng = (context["streams"]["posterior"] if cfg.seed is None
           else np.random.default_rng(cfg.seed))
    n_examples = scenario.report.n_examples
    _, misfits, _ = report.reconstruction_inputs(context)     # the examples drawn
    posteriors, metrics, columns, starts, shown, seconds = {}, [], {}, {}, {}, {}
    for split in SPLITS:
        ds = datasets[split]
        n = min(cfg.n_soundings, len(ds))
        shown[split] = report.example_indices(misfits[split], n_examples)
        idx = np.union1d(np.arange(n), shown[split])      # the first n come first
        # network -> LM to the least-squares minimum (the comparison stops at RMS 1): the
        # chains' start and the point of the linearised covariance, as in geoinv invert
        start = refine(inversion, ds.data[idx], ds.sigma[idx], rng=rng,
                       **scenario.refine.lm_options).models
        note = getattr(context.get("progress"), "note", None)
        if note is not None:
            note(f"posterior: sampling {len(idx)} {split} soundings (up to "
                 f"{cfg.resolved_max_steps} steps)")
        t0 = time.perf_counter()
        options = cfg.sampler_options
        if options["n_chains"] is None:     # one count for every batch (they are joined)
            options["n_chains"] = chains_for(len(idx))
        post = _sample_batches(forward, space, ds.data[idx], ds.sigma[idx], start, rng,
                               widen=0.0 if split == "test_id" else scenario.ood.shell,
                               **options)
        seconds[split] = time.perf_counter() - t0
        posteriors[split], starts[split] = (idx, post), start
        first = post.subset(slice(0, n))
        truth = ds.models[:n]
        metrics += [posterior_calibration(first, truth, split, cfg.level),
                    convergence_rows(first, split),
                    linearised_calibration(forward, space, ds.data[:n], ds.sigma[:n], start[:n],
                                           truth, split, cfg.level)]
        if context.get("members"):
            metrics.append(ensemble_calibration(context["members"][split][:, :n], truth, space,
                                                split, cfg.level))
        columns[split] = _posterior_columns(post, idx, len(ds), cfg.level)
    frame = pd.concat(metrics, ignore_index=True)
    return StageResult(
        products={"posteriors": posteriors},
        metrics=metrics, columns=columns,
        figures=report.posterior_figures(scenario, datasets, context, posteriors, shown,
                                         starts),
        report=report.posterior_section(frame, scenario, seconds,
                                        {s: len(p) for s, (_, p) in posteriors.items()},
                                        {s: p.n_chains for s, (_, p) in posteriors.items()}),
        summary=_posterior_summary(frame, space.names, cfg.level))


def _sample_batches(forward, space, data, sigma, start, rng, **options):
    """sample_posterior in batches of POSTERIOR_BATCH soundings (memory), joined."""
    parts = [sample_posterior(forward, space, data[i:i + POSTERIOR_BATCH],
                              sigma[i:i + POSTERIOR_BATCH], start[i:i + POSTERIOR_BATCH],
                              rng=rng, **options)
             for i in range(0, len(data), POSTERIOR_BATCH)]
    return PosteriorResult.concatenate(parts)


def _posterior_columns(post, idx, n_rows, level):
    """predictions.csv columns ``post_<name>_median/_low_L/_high_L``; NaN where not sampled."""
    frame = post.to_frame(level)
    if layered(post.names):      # S_i, T_i of a layered model
        frame = pd.concat([frame, dar_zarrouk_frame(post, level)], axis=1)
    keep = [c for c in frame.columns if c.rsplit("_", 1)[-1] in ("median", f"{100 * level:g}")]
    keep += ["converged"]
    out = pd.DataFrame(index=np.arange(n_rows), columns=[f"post_{c}" for c in keep],
                       dtype=float)
    for c in keep:
        out.loc[idx, f"post_{c}"] = frame[c].to_numpy(dtype=float)
    return out


def _posterior_summary(frame, names, level):
    m = frame.set_index(["split", "quantity", "metric"])["value"]
    pct = f"{100 * level:g}"
    lines = []
    for split in SPLITS:
        cover = [m[split, q, f"coverage_{pct}@posterior"] for q in names]
        lines.append(f"  posterior {split:9s} {pct} % intervals hold the truth for "
                     f"{min(cover):.0%}-{max(cover):.0%} of soundings (per parameter), "
                     f"{m[split, 'all', 'fraction_converged@posterior']:.0%} converged")
        layer = 2 if (split, "DZ_2", f"median_width_{pct}@posterior") in m.index else 1
        if (split, f"DZ_{layer}", f"median_width_{pct}@posterior") in m.index:
            width = lambda q: m[split, q, f"median_width_{pct}@posterior"]   # noqa: E731
            lines.append(f"  {'':19s} S_{layer} or T_{layer} (the one resolved) "
                         f"{width(f'DZ_{layer}'):.2g} decades wide, rho_{layer} "
                         f"{width(f'rho_{layer}'):.2g}, h_{layer} {width(f'h_{layer}'):.2g}")
    return lines


STAGES = (
    Stage("simulate", simulate),
    Stage("train", train),
    Stage("evaluate", evaluate_network),
    Stage("ood_detection", detect_ood, lambda scenario: scenario.ood.detect),
    Stage("compare_methods", compare, lambda scenario: scenario.refine.compare),
    Stage("profile", profile, lambda scenario: scenario.profile is not None),
    Stage("posterior", posterior, lambda scenario: scenario.posterior is not None),
)
"""The stages of ``geoinv run``, in order."""
