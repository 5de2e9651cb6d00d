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
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from .dataset import make_dataset
from .ensemble import EnsembleInversion, mean_and_std
from .evaluation import data_misfit, evaluate, simulate_valid
from .inverter import NetworkInversion
from .scenario import dump_toml

__all__ = ["RunResult", "run_scenario", "prepare_output", "RUN_MARKER"]

RUN_MARKER = "scenario.toml"
"""A folder holding this file (with metrics.csv) is a geoinv run folder."""

STREAMS = ("train", "validation", "test_id", "test_ood", "weights", "shuffle")


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
    return RunResult(inversion, pd.concat(frames, ignore_index=True), history,
                     datasets, predictions, seconds, std=std, members=members)


def prepare_output(out):
    """Check that ``out`` can receive a run; return a fresh temporary folder.

    An existing ``out`` must be empty or an earlier run's folder (it is then
    replaced when the new run succeeds).  The temporary folder is made beside
    ``out`` so the final rename stays on one file system.

    Raises
    ------
    OSError
        If ``out`` is a file, a non-empty folder that is not a run folder, or
        its parent cannot be written.
    """
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise OSError(f"output {out} exists and is not a folder")
        contents = list(out.iterdir())
        if contents and not (out / RUN_MARKER).exists():
            raise OSError(f"output folder {out} is not empty and holds no earlier geoinv run; "
                          "choose another --out")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    except OSError as err:
        raise OSError(f"cannot write the output folder {out}: {err.strerror or err}") from None


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
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


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
    tmp = prepare_output(out)
    try:
        t0 = time.perf_counter()
        result = simulate_and_train(scenario, progress=progress)
        result.seconds["total_compute"] = time.perf_counter() - t0
        write_outputs(result, scenario, tmp)
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result.out = out
    return result
