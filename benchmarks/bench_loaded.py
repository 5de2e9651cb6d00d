"""Wall time of the main job on an idle machine and beside one busy process.

    python benchmarks/bench_loaded.py [SCENARIO.toml] [--repeats N]

Runs ``geoinv run`` on the scenario (default scenarios/ves_3layer.toml) in a
fresh process, alternating: alone, then with one competing process that
keeps one core busy (a pure-Python loop, as another user's job would), N
times each, and prints the median wall times and their ratio.  Target
(issue #11): the loaded run within 1.5x of the idle one on 2 cores.  Training
runs BLAS on one thread and the forward models on GEOINV_THREADS (default 2
for VES), so a second process costs at most its own share of the machine.
"""

import argparse
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def spin(stop):
    """Keep one core busy until ``stop`` is set."""
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF


def one_run(scenario):
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "geoinv", "run", str(scenario), "--out",
                        str(Path(tmp) / "out"), "--quiet"], check=True, capture_output=True)
        return time.perf_counter() - t0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "ves_3layer.toml"))
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    idle, loaded = [], []
    for _ in range(args.repeats):
        idle.append(one_run(args.scenario))
        stop = multiprocessing.Event()
        busy = multiprocessing.Process(target=spin, args=(stop,), daemon=True)
        busy.start()
        try:
            loaded.append(one_run(args.scenario))
        finally:
            stop.set()
            busy.join()
    a, b = statistics.median(idle), statistics.median(loaded)
    print(f"{Path(args.scenario).name}: idle {a:.1f} s ({', '.join(f'{t:.1f}' for t in idle)}), "
          f"beside one busy process {b:.1f} s ({', '.join(f'{t:.1f}' for t in loaded)}); "
          f"ratio {b / a:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
