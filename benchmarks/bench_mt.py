"""Throughput and accuracy of geoinv.forward.MT1D (a script, not a test).

Configuration (the issue's target, >= 300,000 soundings/s): three-layer
models, 30 periods log-spaced from 1e-3 to 1e3 s, batches of 2000 soundings.
Models are drawn log-uniformly from the box of scenarios/mt_3layer.toml
(rho 1-1000 ohm.m, h 100-5000 m), so layer contrasts reach 1000.

Prints soundings per second with 1 and with ``THREADS`` threads, and the
largest deviation of rho_a (relative) and phase (degrees) from an independent
per-model computation: the textbook tanh form of the impedance recursion in
complex arithmetic (valid here: |k h| stays below ~700, so tanh does not
overflow).

Usage::

    python benchmarks/bench_mt.py [--batches 40] [--seed 0]
"""

import argparse

import numpy as np
from _timing import log_uniform_layered, models_per_second

import geoinv.forward.mt as mt_module
from geoinv.forward import MT1D

PERIODS = np.geomspace(1e-3, 1e3, 30)
BATCH = 2000
RHO_BOX, H_BOX = (1.0, 1000.0), (100.0, 5000.0)


def tanh_recursion(periods, rho, thickness):
    """Z = E_x / H_y of one model by the textbook tanh recursion (complex)."""
    omega = 2 * np.pi / periods
    iwm = 1j * omega * mt_module.MU_0
    z = np.sqrt(iwm * rho[-1])
    for j in range(len(rho) - 2, -1, -1):
        intrinsic = np.sqrt(iwm * rho[j])
        th = np.tanh(np.sqrt(iwm / rho[j]) * thickness[j])
        z = intrinsic * (z + intrinsic * th) / (intrinsic + z * th)
    return z


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=40, help="timed batches of 2000")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)

    mt = MT1D(PERIODS, 3)
    batches = [log_uniform_layered(BATCH, rng, RHO_BOX, H_BOX) for _ in range(args.batches)]
    threads = mt_module.THREADS
    print(f"MT1D, 3 layers, {PERIODS.size} periods from 1e-3 to 1e3 s, batches of {BATCH}")
    for n_threads in sorted({1, threads}):
        mt_module.THREADS = n_threads
        median, overall = models_per_second(mt, batches)
        print(f"  threads={n_threads}: {median:12,.0f} soundings/s (median batch), "
              f"{overall:12,.0f} overall")
    mt_module.THREADS = threads

    models = batches[0]
    data = mt.simulate(models)
    rho_a, phase = data[:, :PERIODS.size], data[:, PERIODS.size:]
    z = np.array([tanh_recursion(PERIODS, m[:3], m[3:]) for m in models])
    omega = 2 * np.pi / PERIODS
    rho_ref = np.abs(z) ** 2 / (omega * mt_module.MU_0)
    phase_ref = np.degrees(np.angle(z))
    print(f"against the tanh recursion, {BATCH} soundings x {PERIODS.size} periods:")
    print(f"  max relative error of rho_a: {np.max(np.abs(rho_a / rho_ref - 1)):.2e}")
    print(f"  max error of the phase:      {np.max(np.abs(phase - phase_ref)):.2e} deg")


if __name__ == "__main__":
    main()
