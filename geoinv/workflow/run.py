"""One scenario end to end: the stages in order, then everything written at once.

``run_scenario`` is what ``geoinv run`` calls.  :func:`simulate_and_train`
walks :data:`geoinv.workflow.stages.STAGES` (simulate, train, evaluate, OOD
detection, method comparison, profile), each stage returning what it adds;
:func:`write_outputs` writes the tables, the network, the figures and the
report they returned.  Everything is written into a temporary folder beside
the output folder and renamed into place only when the run has succeeded, so
a failed run leaves nothing half-written and a previous run's output is
replaced only by a complete new one.

Random streams: the scenario seed feeds a ``numpy.random.SeedSequence``
spawned into independent streams (``stages.STREAMS``), so changing one sample
count does not change the other draws, and the same scenario and seed give
the same numbers.  An ensemble (``[network] ensemble = K`` > 1) spawns the
weights and shuffling streams again into K member streams; K = 1 trains the
single network exactly as without the option.
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pandas as pd

from . import report
from .output import MANIFEST, commit_output, discard_output
from .output import prepare_output as _prepare_output
from .scenario import dump_toml
from .stages import STAGES, STREAMS, random_streams

__all__ = ["RunResult", "run_scenario", "simulate_and_train", "prepare_output", "RUN_MARKER",
           "STREAMS"]

RUN_MARKER = MANIFEST
"""A folder holding this file (the manifest of the files geoinv wrote, with
their hashes) is a geoinv run folder."""


@dataclass
class RunResult:
    """What a run computed: the result of each stage, in order.

    Attributes
    ----------
    scenario : geoinv.workflow.scenario.Scenario
    stages : dict of str to geoinv.workflow.stages.StageResult
        Stage name -> what it returned, in the order the stages ran.
    seconds : dict of str to float
        Wall time of each stage (and ``total_compute``).
    out : Path or None
        Where the run was written.
    """

    scenario: object
    stages: dict
    seconds: dict = field(default_factory=dict)
    out: Path | None = None

    def __getattr__(self, name):
        """The products of the stages (``inversion``, ``datasets``, ``history``, ...)."""
        for stage in self.__dict__.get("stages", {}).values():
            if name in stage.products:
                return stage.products[name]
        raise AttributeError(f"no stage of this run produced {name!r}")

    @property
    def metrics(self):
        """All stages' rows of ``metrics.csv``: ``split, quantity, metric, value``."""
        return pd.concat([f for s in self.stages.values() for f in s.metrics],
                         ignore_index=True)

    @property
    def predictions_frame(self):
        """``predictions.csv``: one row per test sounding, each stage's columns."""
        frames = []
        for split in dict.fromkeys(k for s in self.stages.values() for k in s.columns):
            parts = [s.columns[split] for s in self.stages.values() if split in s.columns]
            frames.append(pd.concat(parts, axis=1))
        return pd.concat(frames, ignore_index=True)

    @property
    def summary(self):
        """The command-line summary lines of every stage."""
        return [line for s in self.stages.values() for line in s.summary]


def simulate_and_train(scenario, progress=None):
    """The computing part of a run, without writing anything.

    Parameters
    ----------
    scenario : geoinv.workflow.scenario.Scenario
    progress : callable or None
        Training progress callback (see :mod:`geoinv.nn.training`).

    Returns
    -------
    RunResult
    """
    context = {"scenario": scenario, "streams": random_streams(scenario.seed),
               "progress": progress}
    results, seconds = {}, {}
    for stage in STAGES:
        if not stage.applies(scenario):
            continue
        t0 = time.perf_counter()
        results[stage.name] = result = stage.run(context)
        context.update(result.products)
        seconds[stage.name] = time.perf_counter() - t0
    return RunResult(scenario, results, seconds)


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


def write_training(result, folder):
    """Write what a trained network needs to be used again and judged.

    ``metrics.csv``, ``history.csv``, ``network.npz``, the resolved
    ``scenario.toml`` and ``versions.json``.
    """
    folder = Path(folder)
    csv = dict(index=False, float_format="%.10g")
    result.metrics.to_csv(folder / "metrics.csv", **csv)
    result.history.to_csv(folder / "history.csv", **csv)
    result.inversion.save(folder / "network.npz")
    (folder / "scenario.toml").write_text(dump_toml(result.scenario.config), encoding="utf-8")
    (folder / "versions.json").write_text(json.dumps(versions(), indent=2) + "\n", encoding="utf-8")


def write_outputs(result, scenario, folder):
    """Write metrics, history, network, scenario, versions, tables, figures and report."""
    folder = Path(folder)
    csv = dict(index=False, float_format="%.10g")
    write_training(result, folder)
    result.predictions_frame.to_csv(folder / "predictions.csv", **csv)
    for stage in result.stages.values():
        for name, table in stage.files.items():
            table.to_csv(folder / name, **csv)
    figures = {name: spec for stage in result.stages.values()
               for name, spec in stage.figures.items()}
    report.write_figures(figures, folder / "figures")
    lines = report.header(scenario) + [line for s in result.stages.values() for line in s.report]
    report.write_report(lines, result.seconds, folder / "report.md")


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
    def compute_and_write(folder):
        t0 = time.perf_counter()
        result = simulate_and_train(scenario, progress=progress)
        result.seconds["total_compute"] = time.perf_counter() - t0
        write_outputs(result, scenario, folder)
        return result

    result = write_folder(out, compute_and_write)
    result.out = Path(out)
    return result


def write_folder(out, write):
    """Call ``write(folder)`` on a fresh staging folder, then put it in place as ``out``.

    ``out`` is checked before ``write`` runs (:func:`prepare_output`); it is
    replaced only when ``write`` returned, atomically, so a failure or an
    interrupt leaves nothing half-written (see ``geoinv.workflow.output``).
    Returns what ``write`` returned.
    """
    staging = None
    try:
        staging = prepare_output(Path(out))
        value = write(staging.folder)
        commit_output(staging)
    except BaseException:
        discard_output(staging)
        raise
    return value
