"""Throughput of geoinv.forward.Refraction and SelfPotential (a script, not a test).

Configuration: the shipped scenarios' geometries, batches of 2000 models.

* Refraction: 3 layers, 24 offsets from 5 to 235 m; models drawn
  log-uniformly from the box of scenarios/refraction_3layer.toml (v_1
  300-1000, v_2 1000-2500, v_3 2500-5000 m/s, h 2-20 m).
* SelfPotential: 41 stations from -100 to 100 m, each body; K, h, x0,
  theta uniform in the box of scenarios/sp_sphere.toml.

Prints models per second (median over batches, and overall) for each,
timing ``simulate`` (input checks included).

Usage::

    python benchmarks/bench_refraction_sp.py [--batches 50] [--seed 0]
"""

import argparse

import numpy as np
from _timing import models_per_second

from geoinv.forward import Refraction, SelfPotential

BATCH = 2000
OFFSETS = np.linspace(5.0, 235.0, 24)
STATIONS = np.linspace(-100.0, 100.0, 41)


def refraction_models(n, rng):
    """[v_1, v_2, v_3, h_1, h_2], log-uniform in the refraction_3layer box."""
    low = np.array([300.0, 1000.0, 2500.0, 2.0, 2.0])
    high = np.array([1000.0, 2500.0, 5000.0, 20.0, 20.0])
    return low * (high / low) ** rng.uniform(size=(n, 5))


def sp_models(n, rng):
    """[K, h, x0, theta], uniform in the sp_sphere box."""
    low = np.array([-1.0e5, 10.0, -30.0, 10.0])
    high = np.array([-1.0e4, 30.0, 30.0, 170.0])
    return low + (high - low) * rng.uniform(size=(n, 4))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)

    cases = [("Refraction, 3 layers, 24 offsets", Refraction(OFFSETS, 3), refraction_models)]
    for body in ("sphere", "horizontal_cylinder", "vertical_cylinder"):
        cases.append((f"SelfPotential {body}, 41 stations", SelfPotential(STATIONS, body),
                      sp_models))
    print(f"batches of {BATCH} models, {args.batches} batches each")
    print(f"{'forward model':<45} {'median batch':>14} {'overall':>14}  (models/s)")
    for label, forward, draw in cases:
        batches = [draw(BATCH, rng) for _ in range(args.batches)]
        median, overall = models_per_second(forward, batches)
        print(f"{label:<45} {median:>14,.0f} {overall:>14,.0f}")


if __name__ == "__main__":
    main()
