"""Slow fault cases of ``geoinv run``: signals at many moments, SIGKILL, hostile folders.

    python benchmarks/bench_faults.py [--quick]

Runs ``python -m geoinv.workflow.cli run`` in fresh processes, as a user (or
``timeout``, a batch scheduler, a closed terminal) would, and counts:

cases
    processes started.
tracebacks
    a ``Traceback`` on stderr, or more than one stderr line on a failure.
wrong exit codes
    not 0 (run completed), 2 (bad input) or 128 + N (signal N) as expected.
half-written
    after the process ended (and after the next run's clean-up, for
    SIGKILL): an output folder that is neither the complete earlier run nor a
    complete new run, or a temporary/backup folder of geoinv's left behind.
lost
    an earlier run, or a user's file, that is gone or changed.

All four are expected to be 0.  The fast cases of each class are in
tests/workflow/test_output.py and test_resources.py.

Signals are sent at fixed delays after the start (up to the end of the run,
to hit the moment the output is swapped) but never before geoinv's handlers
are installed: the interpreter's own start (~0.1 s, no geoinv code yet) keeps
Python's default handlers.  The script prints when the handlers came up.
"""

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geoinv.workflow.output import (OutputError, discard_output, prepare_output,  # noqa: E402
                                    verify_run)

SCENARIO = """
name = "faults"
seed = 3
[forward]
kind = "ves"
n_layers = 2
ab2 = { start = 1.0, stop = 100.0, num = 8 }
[prior]
rho = { low = 10.0, high = 1000.0 }
h = { low = 1.0, high = 20.0 }
[samples]
train = 300
validation = 60
test_id = 30
test_ood = 30
[network]
hidden = 6
[refine]
n_restarts = 1
max_iter = 10
[training]
max_epochs = 150
patience = 150
[report]
n_examples = 1
"""

ABSURD = [("train = 300", "train = 1000000000"), ("hidden = 6", "hidden = 10000000"),
          ("n_layers = 2", "n_layers = 100000"), ("num = 8 }", "num = 100000000 }"),
          ("hidden = 6", "hidden = 6\nensemble = 1000000"),
          ("n_restarts = 1", "n_restarts = 1000000"), ("n_examples = 1", "n_examples = 1000"),
          ("max_epochs = 150", "max_epochs = 1000000000000"),
          ("[report]", "[profile]\nn_positions = 1000000000\n[profile.model]\nrho = 10.0\n"
                       "h_1 = 5.0\n[report]")]
BAD_NAMES = ['""', '"../up"', '"/abs"', '"a/b"', '".."', '".hidden"', '"ctl\\u0001"']


class Counts:
    def __init__(self):
        self.n = dict(cases=0, tracebacks=0, wrong_exit=0, half_written=0, lost=0)
        self.notes = []

    def bad(self, key, note):
        self.n[key] += 1
        self.notes.append(f"{key}: {note}")


def snapshot(folder):
    folder = Path(folder)
    if not folder.is_dir():
        return None
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent):
    return [p.name for p in Path(parent).iterdir()
            if p.name.startswith((".geoinv-tmp-", ".geoinv-old-"))]


def handlers_installed(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            mask = next(int(line.split()[1], 16) for line in f if line.startswith("SigCgt"))
    except (OSError, StopIteration):
        return sys.platform != "linux"
    return bool(mask & (1 << (signal.SIGTERM - 1)))


def start(args, cwd):
    env = dict(os.environ, MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen([sys.executable, "-m", "geoinv.workflow.cli", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=cwd)


def complete_run(folder):
    try:
        verify_run(folder)
        return True
    except (OutputError, OSError):
        return False


def judge(counts, label, proc, expected, err, out, before):
    """Count what went wrong in one case."""
    counts.n["cases"] += 1
    lines = err.strip().splitlines()
    killed = proc.returncode == -signal.SIGKILL   # prints nothing, by nature
    if "Traceback" in err or (proc.returncode != 0 and not killed and len(lines) != 1):
        counts.bad("tracebacks", f"{label}: {err.strip()[-200:]!r}")
    if proc.returncode not in expected:
        counts.bad("wrong_exit", f"{label}: exit {proc.returncode}, expected {expected}")
    after = snapshot(out)
    if leftovers(out.parent):
        counts.bad("half_written", f"{label}: left {leftovers(out.parent)}")
    if after is not None and after != before and not complete_run(out):
        counts.bad("half_written", f"{label}: {out} is neither the earlier nor a complete run")
    if before is not None and after != before and not complete_run(out):
        counts.bad("lost", f"{label}: the earlier run is gone")


def signal_case(counts, work, earlier, signum, delay, with_earlier, kill=False):
    case = Path(tempfile.mkdtemp(dir=work))
    (case / "s.toml").write_text(SCENARIO)
    out = case / "out"
    if with_earlier:
        shutil.copytree(earlier, out)
    before = snapshot(out)
    t0 = time.perf_counter()
    proc = start(["run", "s.toml", "--out", "out", "--quiet"], case)
    while not handlers_installed(proc.pid) and proc.poll() is None:
        time.sleep(0.002)
    ready = time.perf_counter() - t0
    time.sleep(max(0.0, delay - ready))
    if proc.poll() is None:
        proc.send_signal(signum)
    _, err = proc.communicate()
    label = f"{signal.Signals(signum).name} at {delay:.2f} s ({'earlier run' if with_earlier else 'new'})"
    if kill:   # the next run's first step repairs what SIGKILL left
        discard_output(prepare_output(out))
        judge(counts, label, proc, {-signal.SIGKILL, 0}, "", out, before)
    else:
        judge(counts, label, proc, {0, 128 + signum}, err, out, before)
    shutil.rmtree(case)
    return ready


def input_case(counts, work, text, expected, prepare=None):
    """A bad scenario or a foreign output folder: exit 2, one line, nothing touched."""
    case = Path(tempfile.mkdtemp(dir=work))
    (case / "s.toml").write_text(text)
    out = case / "out"
    if prepare:
        prepare(out)
    before = snapshot(out)
    proc = start(["run", "s.toml", "--out", "out", "--quiet"], case)
    _, err = proc.communicate()
    judge(counts, f"input {text[-60:]!r}", proc, expected, err, out, before)
    if snapshot(out) != before:
        counts.bad("lost", f"{case}: the folder changed")
    shutil.rmtree(case)


FOREIGN = [
    lambda out: (out.mkdir(), (out / "scenario.toml").write_text("mine"),
                 (out / "metrics.csv").write_text("mine")),
    lambda out: (out.mkdir(), (out / ".hidden").write_text("mine")),
    lambda out: (out.mkdir(), (out / "sub").mkdir()),
    lambda out: (out.mkdir(), (out / ".geoinv-run.json").write_text("not json")),
    lambda out: out.write_text("a file, not a folder"),
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer signal timings")
    args = parser.parse_args(argv)
    counts = Counts()
    work = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    try:
        (work / "s.toml").write_text(SCENARIO)
        t0 = time.perf_counter()
        proc = start(["run", "s.toml", "--out", "earlier", "--quiet"], work)
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"the reference run failed: {err}")
        length = time.perf_counter() - t0
        earlier = work / "earlier"
        print(f"one uninterrupted run takes {length:.1f} s")

        delays = [0.1, 0.3, 0.5, 1.0, 2.0] + [f * length for f in (0.5, 0.8, 0.95, 1.0, 1.05)]
        if not args.quick:
            rng = random.Random(0)
            delays += [rng.uniform(0.6 * length, 1.1 * length) for _ in range(6)]
        ready = []
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            for delay in delays:
                for with_earlier in (True, False) if not args.quick else (True,):
                    ready.append(signal_case(counts, work, earlier, signum, delay, with_earlier))
        for delay in delays[::2]:
            signal_case(counts, work, earlier, signal.SIGKILL, delay, True, kill=True)
        for old, new in ABSURD:
            assert old in SCENARIO, old
            input_case(counts, work, SCENARIO.replace(old, new), {2})
        input_case(counts, work, "a = " + "[" * 50_000 + "]" * 50_000 + "\n", {2})
        for name in BAD_NAMES:
            input_case(counts, work, SCENARIO.replace('name = "faults"', f"name = {name}"), {2})
        for prepare in FOREIGN:
            input_case(counts, work, SCENARIO, {2}, prepare)
        print(f"geoinv's handlers were installed {min(ready):.2f}-{max(ready):.2f} s after "
              "the start (signals are sent from then on)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for note in counts.notes:
        print("  " + note)
    n = counts.n
    print(f"cases {n['cases']}, tracebacks {n['tracebacks']}, wrong exit codes "
          f"{n['wrong_exit']}, half-written {n['half_written']}, lost {n['lost']}")
    return 0 if not counts.notes else 1


if __name__ == "__main__":
    sys.exit(main())
