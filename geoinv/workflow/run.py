"""One scenario end to end: sample, simulate, train, evaluate, report.

``run_scenario`` is what ``geoinv run`` calls.  It writes everything into a
temporary folder beside the output folder and renames it into place only when
the run has succeeded, so a failed run leaves nothing half-written and a
previous run's output is replaced only by a complete new one.

Random streams: the scenario seed feeds a ``numpy.random.SeedSequence``
spawned into independent streams (training set, validation set, ID test set,
OOD test set, initial weights, shuffling), so changing one sample count does
not change the other draws, and the same scenario and seed give the same
numbers.  An ensemble (``[network] ensemble = K`` > 1) spawns the weights
and shuffling streams again into K member streams; K = 1 trains the single
network exactly as without the option.
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from ..prior.dataset import make_dataset
from ..inversion.ensemble import EnsembleInversion, mean_and_std
from ..evaluation.metrics import data_misfit, evaluate, misfit_metrics, parameter_metrics, simulate_valid
from ..evaluation.compare import compare_methods
from ..inversion.network_inversion import NetworkInversion
from ..inversion.ood import OODDetector, roc_auc
from ..inversion.profile import invert_profile, profile_models, simulate_profile
from .scenario import dump_toml
from .output import MANIFEST, commit_output, discard_output
from .output import prepare_output as _prepare_output

__all__ = ["RunResult", "run_scenario", "prepare_output", "RUN_MARKER"]

RUN_MARKER = MANIFEST
"""A folder holding this file (the manifest of the files geoinv wrote, with
their hashes) is a geoinv run folder."""

STREAMS = ("train", "validation", "test_id", "test_ood", "weights", "shuffle", "refine",
           "profile", "profile_refine")
"""Independent random streams of a run; new ones are only ever appended, so
that the draws of the existing ones stay the same."""


@dataclass
class RunResult:
    """What a run computed (also written to its folder).

    Attributes
    ----------
    inversion : geoinv.NetworkInversion or geoinv.ensemble.EnsembleInversion
    metrics : pandas.DataFrame
        Long format ``split, quantity, metric, value``.
    history : pandas.DataFrame
        One row per epoch; with an ensemble, one block per member and a
        ``member`` column (1..K).
    datasets : dict of str -> geoinv.dataset.Dataset
    predictions : dict of str -> ndarray, shape (n_samples, n_params)
        The ensemble mean for an ensemble.
    seconds : dict of str -> float
        Wall time of each stage.
    out : Path or None
    std : dict of str -> ndarray, shape (n_samples, n_params)
        Ensembles only: the members' spread in the declared scale.
    members : dict of str -> ndarray, shape (K, n_samples, n_params)
        Ensembles only: every member's prediction (physical units).
    ood : dict of str -> geoinv.ood.OODResult
        Per test split, the detector's flags and scores (``[ood] detect``).
    comparisons : dict of str -> geoinv.hybrid.Comparison
        Per test split, network vs LM vs network -> LM (``[refine] compare``).
    profile : tuple (Profile, Dataset, ProfileInversion) or None
        The synthetic profile and its inversions (``[profile]``).
    timing : pandas.DataFrame or None
        Wall times of the methods compared (not reproducible, so not in
        metrics.csv).
    """

    inversion: NetworkInversion | EnsembleInversion
    metrics: pd.DataFrame
    history: pd.DataFrame
    datasets: dict
    predictions: dict
    seconds: dict = field(default_factory=dict)
    out: Path | None = None
    std: dict = field(default_factory=dict)
    members: dict = field(default_factory=dict)
    ood: dict = field(default_factory=dict)
    comparisons: dict = field(default_factory=dict)
    profile: tuple | None = None
    timing: pd.DataFrame | None = None


def simulate_and_train(scenario, progress=None):
    """The computing part of a run, without writing anything.

    Parameters
    ----------
    scenario : geoinv.scenario.Scenario
    progress : callable or None
        Training progress callback (see ``geoinv.training``).

    Returns
    -------
    RunResult
    """
    cfg = scenario.config
    streams = dict(zip(STREAMS, (np.random.default_rng(s) for s in
                                 np.random.SeedSequence(cfg["seed"]).spawn(len(STREAMS)))))
    seconds = {}
    t0 = time.perf_counter()
    samples = cfg["samples"]
    datasets = {}
    for split in ("train", "validation", "test_id"):
        datasets[split] = make_dataset(scenario.forward, scenario.space, samples[split],
                                       scenario.noise, streams[split], method=samples["method"])
    datasets["test_ood"] = make_dataset(scenario.forward, scenario.space, samples["test_ood"],
                                        scenario.noise, streams["test_ood"],
                                        ood_shell=cfg["ood"]["shell"])
    seconds["simulate"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    net = cfg["network"]
    k = net.get("ensemble", 1)
    options = dict(hidden=net["hidden_activation"], output=net["output_activation"],
                   rng=streams["weights"], train_data=datasets["train"].data, scenario=cfg,
                   dtype=net.get("dtype", "float64"))
    if k == 1:
        inversion = NetworkInversion.create(scenario.forward, scenario.space, net["hidden"],
                                            **options)
    else:
        inversion = EnsembleInversion.create(scenario.forward, scenario.space, net["hidden"], k,
                                             **options)
    fitted = inversion.fit(datasets["train"], datasets["validation"],
                           scenario.trainer(progress=progress), rng=streams["shuffle"],
                           noise=scenario.injected_noise)
    history = fitted.to_frame() if k == 1 else inversion.history_frame()
    seconds["train"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    predictions, std, members, frames = {}, {}, {}, []
    for split in ("test_id", "test_ood"):
        ds = datasets[split]
        if k == 1:
            predictions[split] = inversion.predict(ds.data)
        else:
            members[split] = inversion.predict_members(ds.data)
            predictions[split], std[split] = mean_and_std(members[split], scenario.space.log)
        frames.append(evaluate(scenario.forward, scenario.space, ds.models,
                               predictions[split], ds.data, ds.sigma, split,
                               std=std.get(split)))
    seconds["evaluate"] = time.perf_counter() - t0
    result = RunResult(inversion, None, history, datasets, predictions, seconds, std=std,
                       members=members)
    frames += _beyond_the_network(scenario, result, streams)
    result.metrics = pd.concat(frames, ignore_index=True)
    return result


def _beyond_the_network(scenario, result, streams):
    """OOD detection, classical refinement and the profile; metric frames.

    Fills ``result.ood``, ``result.comparisons``, ``result.timing`` and
    ``result.profile`` as the scenario's ``[ood]``, ``[refine]`` and
    ``[profile]`` sections ask.
    """
    cfg, forward, space = scenario.config, scenario.forward, scenario.space
    inversion, datasets, seconds = result.inversion, result.datasets, result.seconds
    lm_options = {k: cfg["refine"][k] for k in ("widen", "n_restarts", "max_iter")}
    frames = []
    if cfg["ood"]["detect"]:
        t0 = time.perf_counter()
        detector = OODDetector(components=tuple(cfg["ood"]["components"]), k=cfg["ood"]["k"],
                               alpha=cfg["ood"]["alpha"], widen=cfg["refine"]["widen"])
        inversion.ood_detector = detector.fit(inversion, datasets["train"], datasets["validation"])
        result.ood = {s: detector.predict(datasets[s].data, datasets[s].sigma)
                      for s in ("test_id", "test_ood")}
        frames.append(_ood_frame(detector, result.ood))
        seconds["ood_detection"] = time.perf_counter() - t0
    if cfg["refine"]["compare"]:
        t0 = time.perf_counter()
        result.comparisons = {
            s: compare_methods(forward, space, inversion, datasets[s], s, rng=streams["refine"],
                               **lm_options)
            for s in ("test_id", "test_ood")}
        frames += [c.metrics for c in result.comparisons.values()]
        result.timing = pd.concat([c.timing for c in result.comparisons.values()],
                                  ignore_index=True)
        seconds["compare_methods"] = time.perf_counter() - t0
    if "profile" in cfg:
        t0 = time.perf_counter()
        p = cfg["profile"]
        profile = profile_models(space.names, p["model"], p["n_positions"], p["length"],
                                 log=space.log, shape=p["shape"])
        line = simulate_profile(forward, profile, scenario.noise, streams["profile"])
        inverted = invert_profile(inversion, line.data, line.sigma, rng=streams["profile_refine"],
                                  **lm_options)
        result.profile = (profile, line, inverted)
        rows = [("all", "n_samples", float(len(line)))]
        for method, models in inverted.models.items():
            rel = data_misfit(line.data, simulate_valid(forward, models), line.sigma)[1]
            method_rows = parameter_metrics(line.models, models, space)
            method_rows += misfit_metrics(inverted.rms[method], rel)
            rows += [(q, f"{m}@{method}", v) for q, m, v in method_rows]
        frames.append(pd.DataFrame([("profile", *r) for r in rows],
                                   columns=["split", "quantity", "metric", "value"]))
        seconds["profile"] = time.perf_counter() - t0
    return frames


def _ood_frame(detector, results):
    """OOD-detection rows: threshold, flagged fractions, median scores, ROC AUC."""
    rows = [("validation", "ood", "threshold", detector.threshold_)]
    for split, res in results.items():
        rows.append((split, "ood", "fraction_flagged", float(np.mean(res.flags))))
        rows.append((split, "ood", "median_score", float(np.median(res.scores))))
    rows.append(("test_ood", "ood", "roc_auc_vs_test_id",
                 roc_auc(results["test_id"].scores, results["test_ood"].scores)))
    return pd.DataFrame(rows, columns=["split", "quantity", "metric", "value"])


def prepare_output(out):
    """Check that ``out`` can receive a run; return where to write it.

    ``out`` must be missing, an empty folder or an earlier run's folder
    whose files are as geoinv wrote them (it is then replaced when the new
    run succeeds); see ``geoinv.workflow.output``.

    Returns
    -------
    geoinv.workflow.output.Staging
        Write into its ``folder``; then ``commit_output`` or
        ``discard_output``.

    Raises
    ------
    OSError
        If ``out`` is a file, a non-empty folder that is not an intact run
        folder, or cannot be written (one line, naming the file).
    """
    return _prepare_output(out)


def versions():
    """Versions of Python, geoinv and its dependencies, for the run record."""
    info = {"python": platform.python_version(), "platform": platform.platform()}
    for name in ("geoinv", "numpy", "scipy", "pandas", "matplotlib"):
        try:
            info[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            info[name] = "not installed"
    return info


def write_outputs(result, scenario, folder):
    """Write metrics, history, network, scenario, versions, report and figures."""
    from .report import write_figures, write_report

    folder = Path(folder)
    result.metrics.to_csv(folder / "metrics.csv", index=False, float_format="%.10g")
    result.history.to_csv(folder / "history.csv", index=False, float_format="%.10g")
    result.inversion.save(folder / "network.npz")
    (folder / "scenario.toml").write_text(dump_toml(scenario.config), encoding="utf-8")
    (folder / "versions.json").write_text(json.dumps(versions(), indent=2) + "\n", encoding="utf-8")
    _predictions_frame(result, scenario).to_csv(folder / "predictions.csv", index=False,
                                                float_format="%.10g")
    if result.profile is not None:
        _profile_frame(result, scenario).to_csv(folder / "profile.csv", index=False,
                                                float_format="%.10g")
    write_figures(result, scenario, folder / "figures")
    write_report(result, scenario, folder / "report.md")


def _predictions_frame(result, scenario):
    names = scenario.space.names
    frames = []
    for split, pred in result.predictions.items():
        ds = result.datasets[split]
        rms, _ = data_misfit(ds.data, simulate_valid(scenario.forward, pred), ds.sigma)
        frame = pd.DataFrame({"split": split, "sample": np.arange(len(pred))})
        for j, name in enumerate(names):
            frame[f"true_{name}"] = ds.models[:, j]
            frame[f"pred_{name}"] = pred[:, j]
            if split in result.std:   # ensembles: spread in the declared scale
                frame[f"std_{name}"] = result.std[split][:, j]
        frame["rms_misfit"] = rms
        if split in result.ood:
            frame["ood_score"] = result.ood[split].scores
            frame["ood_flag"] = result.ood[split].flags
        if split in result.comparisons:
            refined = result.comparisons[split].results["network_lm"]
            for j, name in enumerate(names):
                frame[f"refined_{name}"] = refined.models[:, j]
            frame["refined_rms_misfit"] = refined.rms
            frame["refined_forward_calls"] = refined.forward_calls
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _profile_frame(result, scenario):
    """One row per profile position: true, network and refined models, misfits."""
    profile, line, inverted = result.profile
    frame = pd.DataFrame({"x": profile.x})
    for label, models in (("true", profile.models), *inverted.models.items()):
        for j, name in enumerate(scenario.space.names):
            frame[f"{label}_{name}"] = models[:, j]
    for method, rms in inverted.rms.items():
        frame[f"rms_misfit_{method}"] = rms
    return frame


def run_scenario(scenario, out, progress=None):
    """Run a scenario and write its results into ``out``.

    Parameters
    ----------
    scenario : geoinv.scenario.Scenario
    out : str or Path
        Output folder; created, or replaced if it holds an earlier run.
    progress : callable or None
        Training progress callback.

    Returns
    -------
    RunResult
    """
    out = Path(out)
    staging = None
    try:
        staging = prepare_output(out)
        t0 = time.perf_counter()
        result = simulate_and_train(scenario, progress=progress)
        result.seconds["total_compute"] = time.perf_counter() - t0
        write_outputs(result, scenario, staging.folder)
        commit_output(staging)
    except BaseException:
        discard_output(staging)
        raise
    result.out = out
    return result
