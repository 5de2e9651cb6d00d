"""Throughput and accuracy of geoinv.forward.VES (a script, not a test).

Configuration (the issue's target): ideal Schlumberger, three-layer models,
30 AB/2 log-spaced from 1 to 1000 m, batches of 2000 soundings.  Models are
drawn log-uniformly from the box of scenarios/ves_3layer.toml (rho 1-1000
ohm.m, h 1-50 m), so layer contrasts reach 1000.

Prints soundings per second with 1 and with ``THREADS`` threads, and the
largest relative error of the (lagged) forward model against

* direct quadrature of the Hankel integral (independent of the package;
  tests/data/make_ves_reference.py) on a subset of the soundings,
* the unlagged Key (2012) filter on every sounding (isolates the
  interpolation of the lagged convolution),
* the unlagged Anderson (1982) 801-point filter on every sounding (a second
  filter; its own error, ~5e-6 on this box, dominates that number).

Then the same throughput on the box's OOD shell (rho 10**-1.5..10**4.5 ohm.m,
h 10**-0.85..10**2.55 m) and over the range promised 1e-6 (rho 1e-2..1e6
ohm.m, h 0.1..1e4 m), where models with a descending contrast above 1e3 go
along the complex ray (geoinv/forward/_contour.py), with the share of such
models, and the largest relative error against the frozen ray-quadrature sets
of tests/data/ves_reference.npz (ideal, finite MN = AB/10, Wenner).

Then the cost per model of the widened box (the OOD shell box, i.e. the
ves_3layer box widened by 0.5 box widths: what posterior sampling of OOD and
field soundings and least squares over a widened box simulate) and of its
steep models alone (the complex ray), as ratios to the in-box cost measured
in the same run, batch by batch in alternation, with the load average; for
batches of 2000 and of 4 models (one sounding's four MCMC chains).

With ``--baseline DIR`` (another checkout, e.g. the main branch) it also
times that checkout's VES against this one in the same process, batch by
batch in alternation (so machine load hits both alike), and prints the
median ratio of their times: the way to tell a 5 % change on a shared
machine.  Pin BLAS to one thread for it (``OPENBLAS_NUM_THREADS=1``).

Usage::

    python benchmarks/bench_ves.py [--batches 40] [--quadrature 20] [--seed 0] [--baseline DIR]
"""

import argparse
import importlib.util
import os
import statistics
import time
from pathlib import Path

import numpy as np
from _timing import log_uniform_layered, models_per_second

import geoinv.forward.ves as ves_module
from geoinv.forward import VES
from geoinv.forward._contour import ContourOperator
from geoinv.forward.ves import apparent_resistivity_schlumberger

ROOT = Path(__file__).resolve().parents[1]
AB2 = np.geomspace(1.0, 1000.0, 30)
BATCH = 2000
RHO_BOX, H_BOX = (1.0, 1000.0), (1.0, 50.0)
WIDER_BOXES = {
    "OOD shell box": ((10**-1.5, 10**4.5), (10**-0.85, 10**2.55)),
    "promised range": ((1e-2, 1e6), (0.1, 1e4)),
}


def _reference_module():
    path = ROOT / "tests" / "data" / "make_ves_reference.py"
    spec = importlib.util.spec_from_file_location("make_ves_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _baseline_ves(directory):
    """VES class of another checkout, imported as the package ``geoinv_baseline``."""
    import shutil
    import sys
    import tempfile

    target = Path(tempfile.mkdtemp(prefix="bench_ves_")) / "geoinv_baseline"
    shutil.copytree(Path(directory) / "geoinv", target)
    sys.path.insert(0, str(target.parent))
    module = importlib.import_module("geoinv_baseline.forward.ves")
    return module


def paired_time_ratio(baseline, current, batches, repeats=6):
    """Median over batches of (baseline time / current time), timed in alternation."""
    ratios = []
    baseline.simulate(batches[0])
    current.simulate(batches[0])
    for repeat in range(repeats):
        for models in batches:
            pair = (baseline, current) if repeat % 2 == 0 else (current, baseline)
            seconds = {}
            for forward in pair:
                start = time.perf_counter()
                forward.simulate(models)
                seconds[id(forward)] = time.perf_counter() - start
            ratios.append(seconds[id(baseline)] / seconds[id(current)])
    return float(np.median(ratios)), float(np.quantile(ratios, 0.25)), float(np.quantile(ratios, 0.75))


def widened_costs(ves, rng, n_batches, batch=BATCH, repeats=3):
    """Median seconds per model: in the box, the widened box, its steep models alone."""
    wide_box = WIDER_BOXES["OOD shell box"]
    inside = [log_uniform_layered(batch, rng, RHO_BOX, H_BOX) for _ in range(n_batches)]
    wide = [log_uniform_layered(batch, rng, *wide_box) for _ in range(n_batches)]
    pool = log_uniform_layered(5 * batch * n_batches, rng, *wide_box)   # ~24 % steep
    pool = pool[ves_module.descending_contrast(pool[:, :3]) > ves_module.FILTER_CONTRAST]
    steep = [pool[k * batch:(k + 1) * batch] for k in range(n_batches)]
    ray = ContourOperator(AB2)
    jobs = {"in the box": lambda m: ves.simulate(m), "widened": lambda m: ves.simulate(m),
            "ray alone": lambda m: ray(m[:, :3], m[:, 3:], ves_module.THREADS)}
    sets = {"in the box": inside, "widened": wide, "ray alone": steep}
    for name, job in jobs.items():
        job(sets[name][0])                              # warm-up: grids, caches
    seconds = {name: [] for name in jobs}
    for _ in range(repeats):
        for k in range(n_batches):
            for name, job in jobs.items():
                start = time.perf_counter()
                job(sets[name][k])
                seconds[name].append((time.perf_counter() - start) / batch)
    share = np.mean([np.mean(ves_module.descending_contrast(m[:, :3]) > ves_module.FILTER_CONTRAST)
                     for m in wide])
    return {name: statistics.median(times) for name, times in seconds.items()}, share


def max_relative_error(got, expected):
    return float(np.max(np.abs(got / expected - 1.0)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=40, help="timed batches of 2000")
    parser.add_argument("--quadrature", type=int, default=20,
                        help="soundings checked against direct quadrature")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--baseline", default=None,
                        help="another checkout to compare throughput with (same process)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)

    ves = VES(AB2, 3)
    batches = [log_uniform_layered(BATCH, rng, RHO_BOX, H_BOX) for _ in range(args.batches)]
    threads = ves_module.THREADS
    print(f"VES ideal Schlumberger, 3 layers, {AB2.size} AB/2 from 1 to 1000 m, "
          f"batches of {BATCH}; filter {ves.hankel_filter}, "
          f"{ves._operator.blocks[0][1].size} lam points per sounding")
    for n_threads in sorted({1, threads}):
        ves_module.THREADS = n_threads
        median, overall = models_per_second(ves, batches)
        print(f"  threads={n_threads}: {median:12,.0f} soundings/s (median batch), "
              f"{overall:12,.0f} overall")
    ves_module.THREADS = threads

    if args.baseline:
        baseline_module = _baseline_ves(args.baseline)
        for n_threads in sorted({1, threads}):
            ves_module.THREADS = baseline_module.THREADS = n_threads
            median, low, high = paired_time_ratio(baseline_module.VES(AB2, 3), ves,
                                                  batches[:10])
            print(f"  baseline {args.baseline}, threads={n_threads}: baseline time / this time "
                  f"= {median:.3f} (quartiles {low:.3f}..{high:.3f}); this throughput is "
                  f"{median:.0%} of the baseline's")
        ves_module.THREADS = threads

    models = batches[0]
    rho_a = ves.simulate(models)
    rho, thickness = models[:, :3], models[:, 3:]
    start = time.perf_counter()
    direct = apparent_resistivity_schlumberger(AB2, rho, thickness, lagged=False)
    direct_rate = BATCH / (time.perf_counter() - start)
    anderson = apparent_resistivity_schlumberger(AB2, rho, thickness, lagged=False,
                                                 hankel_filter="anderson_801")
    reference = _reference_module()
    subset = rng.choice(BATCH, size=min(args.quadrature, BATCH), replace=False)
    quadrature = np.array([reference.quadrature_schlumberger(AB2, m[:3], m[3:])
                           for m in models[subset]])

    print(f"max relative error of the lagged filter, {BATCH} soundings x {AB2.size} AB/2:")
    print(f"  vs direct quadrature ({subset.size} soundings): "
          f"{max_relative_error(rho_a[subset], quadrature):.2e}")
    print(f"  vs unlagged Key (2012) filter:            {max_relative_error(rho_a, direct):.2e}"
          f"   (unlagged: {direct_rate:,.0f} soundings/s)")
    print(f"  vs unlagged Anderson (1982) 801 filter:   {max_relative_error(rho_a, anderson):.2e}")
    print(f"  unlagged Key vs quadrature:               "
          f"{max_relative_error(direct[subset], quadrature):.2e}")

    for label, (rho_box, h_box) in WIDER_BOXES.items():
        wide = [log_uniform_layered(BATCH, rng, rho_box, h_box) for _ in range(max(2, args.batches // 4))]
        steep = np.mean([np.mean(ves_module.descending_contrast(m[:, :3]) > ves_module.FILTER_CONTRAST)
                         for m in wide])
        median, _ = models_per_second(ves, wide)
        print(f"{label}: {median:12,.0f} soundings/s (threads={threads}), "
              f"{steep:.0%} of the models along the complex ray")

    for batch in (BATCH, 4):
        n_batches = max(2, args.batches // 4) if batch == BATCH else 200
        costs, share = widened_costs(ves, rng, n_batches, batch)
        base = costs["in the box"]
        print(f"cost per model, batches of {batch} (threads={threads}, load average "
              f"{os.getloadavg()[0]:.2f}): in the box {1e6 * base:.2f} us; widened by 0.5 box "
              f"widths {1e6 * costs['widened']:.2f} us = {costs['widened'] / base:.1f}x "
              f"({share:.0%} along the ray); ray path alone {1e6 * costs['ray alone']:.2f} us "
              f"= {costs['ray alone'] / base:.1f}x")

    with np.load(ROOT / "tests" / "data" / "ves_reference.npz") as frozen:
        ab2 = frozen["survey_ab2"]
        print("max relative error against the frozen ray quadrature (tests/data):")
        for name in ("id", "ood", "extreme"):
            errors = []
            for array, kwargs in (("ideal", {}), ("finite", {"mn2": 0.1 * ab2}),
                                  ("wenner", {"array": "wenner"})):
                rho_a = VES(ab2, 3, **kwargs).simulate(frozen[f"survey_{name}_models"])
                errors.append(f"{array} {max_relative_error(rho_a, frozen[f'survey_{name}_{array}']):.1e}")
            print(f"  {name:8s} " + ", ".join(errors))


if __name__ == "__main__":
    main()
