"""Helpers shared by the throughput benchmarks (scripts, not tests)."""

import statistics
import time

import numpy as np


def models_per_second(forward, batches):
    """Time ``forward.simulate`` on each batch after one warm-up call.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
    batches : list of ndarray, each (batch_size, n_params)

    Returns
    -------
    (median, overall) : tuple of float
        Models per second of the median batch, and over all batches.
    """
    forward.simulate(batches[0])                 # warm-up: thread pool, caches
    times = []
    for models in batches:
        start = time.perf_counter()
        forward.simulate(models)
        times.append(time.perf_counter() - start)
    size = len(batches[0])
    return size / statistics.median(times), size * len(batches) / sum(times)


def log_uniform_layered(n, rng, rho_box, h_box, n_layers=3):
    """Layered models [rho_1..rho_N, h_1..h_(N-1)], log-uniform in the boxes."""
    rho = 10 ** rng.uniform(*np.log10(rho_box), (n, n_layers))
    h = 10 ** rng.uniform(*np.log10(h_box), (n, n_layers - 1))
    return np.hstack([rho, h])
