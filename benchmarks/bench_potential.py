"""Throughput of geoinv.forward.Gravity and Magnetic (a script, not a test).

Configuration: 41 stations from -200 to 200 m (the shipped potential-field
scenarios), batches of 2000 models drawn uniformly from the prior boxes of
scenarios/gravity_sphere.toml, gravity_prism.toml and magnetic_dike.toml
(the sphere and cylinder share one box; the thin dike uses the dike's box
with chi_t = chi * width).  Each body is timed over ``--batches`` batches
after one warm-up batch; the median batch gives the models per second.

Usage::

    python benchmarks/bench_potential.py [--batches 30] [--seed 0]
"""

import argparse

import numpy as np
from _timing import models_per_second

from geoinv.forward import Gravity, Magnetic

X = np.linspace(-200.0, 200.0, 41)
BATCH = 2000
FIELD = dict(inclination=60.0, declination=0.0, azimuth=0.0)

CASES = {
    # name: (forward model, low, high): near the shipped scenarios' boxes, with the sphere
    # radius kept below the smallest depth so that every uniform draw is physical
    "gravity sphere": (Gravity(X, "sphere"), [-50, 20, 5, 100], [50, 100, 19.9, 1000]),
    "gravity cylinder": (Gravity(X, "cylinder"), [-50, 20, 5, 100], [50, 100, 19.9, 1000]),
    "gravity prism": (Gravity(X, "prism", length=200.0), [-50, 10, 5, 30, 100],
                      [50, 80, 25, 80, 1000]),
    "magnetic sphere": (Magnetic(X, "sphere", **FIELD), [-50, 20, 5, 0.005],
                        [50, 100, 19.9, 0.05]),
    "magnetic dike": (Magnetic(X, "dike", **FIELD), [-50, 5, 5, 30, 0.005],
                      [50, 30, 40, 150, 0.05]),
    "magnetic thin dike": (Magnetic(X, "thin_dike", **FIELD), [-50, 5, 30, 0.025],
                           [50, 30, 150, 2.0]),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    print(f"{X.size} stations, batches of {BATCH} models, {args.batches} batches per body")
    print(f"{'body':<20} {'models/s (median batch)':>24} {'models/s (overall)':>20}")
    for name, (forward, low, high) in CASES.items():
        batches = [rng.uniform(low, high, (BATCH, len(low))) for _ in range(args.batches)]
        assert all(forward.valid_rows(b).all() for b in batches)
        median, overall = models_per_second(forward, batches)
        print(f"{name:<20} {median:>24,.0f} {overall:>20,.0f}")


if __name__ == "__main__":
    main()
