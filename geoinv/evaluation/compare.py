"""The network, LM and network -> LM side by side, scored against the truth.

:func:`compare_methods` inverts the same synthetic soundings with the three
methods of :mod:`geoinv.inversion.refine` (``network``, ``lm`` from a generic
start, and ``network_lm``, the network's answer refined by damped least
squares) and scores each against the true models.

Metrics layout (compatible with ``metrics.csv``: ``split, quantity, metric,
value``): the method is appended to the metric name after ``@``
(:func:`geoinv.evaluation.metrics.metric_key`), e.g.
``test_id, data, fraction_rms_le_1.2@network_lm, 0.98`` or
``test_ood, rho_2, median_rel_err@lm, 0.4``.  RMS misfits are in the error
space of each datum (log10 for apparent resistivity;
:mod:`geoinv.prior.noise`).  Both LM methods stop at RMS 1
(``COMPARE_LM_DEFAULTS``): the comparison measures the cost of fitting the
data to the noise.  Wall times are returned in a
separate frame of the same layout, because they change from run to run and
``metrics.csv`` is byte-identical between runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..inversion.least_squares import damped_least_squares
from ..inversion.misfit import data_misfit, simulate_valid
from ..inversion.refine import (COMPARE_LM_DEFAULTS, METHODS, fitted_outside_box,
                                invert_from_generic_start)
from ..prior.model_space import as_generator
from .metrics import METRIC_COLUMNS, metric_key, misfit_metrics, parameter_metrics

__all__ = ["MethodResult", "Comparison", "compare_methods"]


@dataclass
class MethodResult:
    """What one method gave on one set of soundings.

    Attributes
    ----------
    models : ndarray, shape (n_soundings, n_params)
        Physical units.
    rms : ndarray, shape (n_soundings,)
        RMS data misfit in the error space of each datum (log10 for apparent
        resistivity), in standard deviations; NaN if unphysical.
    forward_calls : ndarray of int, shape (n_soundings,)
        Simulated models (0 for the network alone).
    seconds : float
        Wall time of the method (the network's pass included for
        ``network_lm``; the misfit check of ``network`` excluded).
    lsq : geoinv.inversion.least_squares.LSQResult or None
    """

    models: np.ndarray
    rms: np.ndarray
    forward_calls: np.ndarray
    seconds: float
    lsq: object = None


@dataclass
class Comparison:
    """Result of :func:`compare_methods` on one split.

    Attributes
    ----------
    split : str
    metrics : pandas.DataFrame
        ``split, quantity, metric, value`` with ``@method`` in the metric.
    timing : pandas.DataFrame
        Same layout; ``wall_seconds@method`` and ``ms_per_sounding@method``
        (quantity ``all``).  Not reproducible between runs.
    results : dict of str to MethodResult
    """

    split: str
    metrics: pd.DataFrame
    timing: pd.DataFrame
    results: dict

    @property
    def misfits(self):
        """``{method: rms (n_soundings,)}``, for :func:`geoinv.viz.plotting.plot_misfit_by_method`."""
        return {m: r.rms for m, r in self.results.items()}


def compare_methods(forward, space, inversion, dataset, split, *, methods=METHODS, rng=None,
                    **lm_options):
    """Run network, LM from a generic start and network -> LM on one data set.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
    space : geoinv.ModelSpace
        Prior box (the network's training box).
    inversion : geoinv.NetworkInversion
        Trained on ``space`` with ``forward``.
    dataset : geoinv.prior.dataset.Dataset
        Soundings with their true models (``models``, ``data``, ``sigma``).
    split : str
        Label of the rows, e.g. ``"test_id"`` or ``"test_ood"``.
    methods : sequence of str
        A subset of ``METHODS``.
    rng : numpy.random.Generator or int or None
        Restart draws; each LM method gets its own stream (derived from
        ``rng`` by the method's position in ``METHODS``), so its result does
        not depend on which other methods run.
    **lm_options
        Keyword arguments of
        :func:`geoinv.inversion.least_squares.damped_least_squares`, shared
        by both LM methods (default ``COMPARE_LM_DEFAULTS``: to RMS 1).

    Returns
    -------
    Comparison
        Per method (``@method`` in the metric name):

        * per parameter: ``median_rel_err``, ``rmse_log10`` (or
          ``median_abs_err``, ``rmse``), ``fraction_in_box``;
        * ``data``: ``median_rms_misfit``, ``mean_rms_misfit``,
          ``fraction_rms_le_1.2``, ``median_rel_misfit``,
          ``fraction_unphysical``, and ``fraction_fit_outside_box`` (fitted
          to RMS <= 1.2 by a model outside the prior box: OOD evidence);
        * ``all``: ``forward_calls_total``, ``forward_calls_per_sounding``
          (mean), ``mean_iterations``, ``mean_starts``.

    Raises
    ------
    ValueError
        If a method is unknown or the shapes disagree.
    """
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise ValueError(f"methods must be names from {', '.join(METHODS)}; got {list(methods)}")
    if inversion.space.n_params != space.n_params or forward.n_params != space.n_params:
        raise ValueError("forward, space and inversion disagree on the number of parameters")
    rng = as_generator(rng)
    seeds = dict(zip(METHODS, rng.integers(0, 2**63, size=len(METHODS))))
    options = {**COMPARE_LM_DEFAULTS, **lm_options}
    log_mask = forward.data_log_mask
    n = len(dataset)

    results = {}
    network_models, network_seconds = None, 0.0
    if "network" in methods or "network_lm" in methods:
        t0 = time.perf_counter()
        network_models = inversion.predict(dataset.data)
        network_seconds = time.perf_counter() - t0
    for method in methods:
        if method == "network":
            rms = data_misfit(dataset.data, simulate_valid(forward, network_models),
                              dataset.sigma, log_mask)[0]
            results[method] = MethodResult(network_models, rms, np.zeros(n, dtype=np.int64),
                                           network_seconds)
            continue
        t0 = time.perf_counter()
        if method == "lm":
            lsq = invert_from_generic_start(forward, space, dataset.data, dataset.sigma,
                                            rng=seeds[method], **options)
            seconds = time.perf_counter() - t0
        else:   # network_lm: geoinv.inversion.refine.refine, with this forward and space
            lsq = damped_least_squares(forward, space, dataset.data, dataset.sigma,
                                       network_models, rng=seeds[method], **options)
            seconds = time.perf_counter() - t0 + network_seconds
        results[method] = MethodResult(lsq.models, lsq.rms, lsq.forward_calls, seconds, lsq)

    rows, timing = [], []
    for method, res in results.items():
        predicted = res.lsq.predicted if res.lsq is not None else None
        rel = (data_misfit(dataset.data, predicted, dataset.sigma, log_mask)[1]
               if predicted is not None
               else _relative_misfit(forward, dataset, res.models))
        outside_fit = fitted_outside_box(space, res.models, res.rms)
        method_rows = parameter_metrics(dataset.models, res.models, space)
        method_rows += misfit_metrics(res.rms, rel)
        method_rows += [
            ("data", "fraction_fit_outside_box", float(np.mean(outside_fit))),
            ("all", "forward_calls_total", float(res.forward_calls.sum())),
            ("all", "forward_calls_per_sounding", float(res.forward_calls.mean()) if n else 0.0),
            ("all", "mean_iterations", float(res.lsq.iterations.mean()) if res.lsq else 0.0),
            ("all", "mean_starts", float(res.lsq.starts.mean()) if res.lsq else 0.0),
        ]
        rows += [(split, q, metric_key(m, method), v) for q, m, v in method_rows]
        timing += [(split, "all", metric_key("wall_seconds", method), res.seconds),
                   (split, "all", metric_key("ms_per_sounding", method),
                    1e3 * res.seconds / max(n, 1))]
    return Comparison(split, pd.DataFrame(rows, columns=METRIC_COLUMNS),
                      pd.DataFrame(timing, columns=METRIC_COLUMNS), results)


def _relative_misfit(forward, dataset, models):
    return data_misfit(dataset.data, simulate_valid(forward, models), dataset.sigma,
                       forward.data_log_mask)[1]
