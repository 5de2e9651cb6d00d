"""Network, classical and hybrid inversion side by side.

Three methods invert the same soundings:

``network``
    The trained BP network alone: one forward pass, no forward call.
``lm``
    Damped least squares (:func:`geoinv.lsq.levenberg_marquardt`) from a
    generic start (:func:`generic_start`).
``network_lm``
    Damped least squares started from the network's prediction
    (:func:`refine`): the network supplies the starting model, LM makes it
    fit the data.

Both LM methods share every setting: the search box (the prior box widened
by ``widen`` box widths of the declared scale on each side, so that a model
of an OOD sounding can leave the training box), the target RMS misfit 1,
and ``n_restarts`` batched restarts for soundings still above RMS 1.2 (local
minima).  Their forward-call counts are therefore comparable; the unit is
one simulated model (see :mod:`geoinv.lsq`).

A model that fits the data (RMS <= 1.2) but lies outside the prior box is
itself evidence that the sounding was OOD; :func:`compare_methods` reports
the fraction of such soundings as ``fraction_fit_outside_box``.

Metrics layout (compatible with ``metrics.csv``: ``split, quantity, metric,
value``): the method is appended to the metric name after ``@``, e.g.
``test_id, data, fraction_rms_le_1.2@network_lm, 0.98`` or
``test_ood, rho_2, median_rel_err@lm, 0.4``.  Wall times are returned in a
separate frame of the same layout, because they change from run to run and
``metrics.csv`` is byte-identical between runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..evaluation.metrics import (FIT_THRESHOLD, data_misfit, misfit_metrics, parameter_metrics,
                         simulate_valid)
from .least_squares import levenberg_marquardt, search_bounds
from ..prior.model_space import as_generator

__all__ = ["METHODS", "METHOD_LABELS", "generic_start", "refine", "invert_from_generic_start",
           "fitted_outside_box", "MethodResult", "Comparison", "compare_methods", "plot_misfit_by_method"]

METHODS = ("network", "lm", "network_lm")
"""Methods compared by :func:`compare_methods`, in this order."""

METHOD_LABELS = {"network": "network", "lm": "LM (generic start)", "network_lm": "network -> LM"}
"""Readable name of each method (figure legends)."""

LM_DEFAULTS = dict(widen=0.5, n_restarts=10, target_rms=1.0, restart_rms=FIT_THRESHOLD)
"""Settings both LM methods use unless told otherwise."""


def generic_start(forward, space, data, widen=LM_DEFAULTS["widen"]):
    """A starting model that knows nothing but the data's level.

    Every parameter starts at the centre of the prior box in the declared
    scale, except parameters that have the unit of some data columns (the
    resistivities of a VES, whose data are apparent resistivities in ohm.m):
    those start at the mean of those data in their scale (the geometric mean
    for log10-scaled data), clipped to the search box.  For a VES this is a
    half-space at the data's mean apparent resistivity, with the
    thicknesses at the box centre.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
    space : geoinv.ModelSpace
    data : array_like, shape (n_soundings, n_data)
        Observed data, physical units.
    widen : float
        Search box widening (box widths) the start is clipped to.

    Returns
    -------
    m0 : ndarray, shape (n_soundings, n_params)
        Physical units.
    """
    data = np.atleast_2d(np.asarray(data, dtype=np.float64))
    centre = 0.5 * (space.scaled_low + space.scaled_high)
    x0 = np.broadcast_to(centre, (len(data), space.n_params)).copy()
    units = np.asarray(forward.data_units)
    log_data = forward.data_log_mask
    u_low, u_high = search_bounds(space, widen, forward.positive)
    x_low = space.scaled_low + u_low * (space.scaled_high - space.scaled_low)
    x_high = space.scaled_low + u_high * (space.scaled_high - space.scaled_low)
    for j, unit in enumerate(space.units):
        cols = units == unit
        if not cols.any():
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            if log_data[cols].all():                 # geometric mean, as log10
                level = np.mean(np.log10(data[:, cols]), axis=1)
                level = level if space.log[j] else 10.0**level
            else:                                    # arithmetic mean
                level = np.mean(data[:, cols], axis=1)
                level = np.log10(np.where(level > 0, level, np.nan)) if space.log[j] else level
        x0[:, j] = np.clip(np.where(np.isfinite(level), level, centre[j]), x_low[j], x_high[j])
    return space.from_scale(x0)


def refine(inversion, data, sigma, *, models=None, rng=None, **lm_options):
    """Network -> LM: damped least squares started from the network's prediction.

    Parameters
    ----------
    inversion : geoinv.NetworkInversion
        Trained; supplies the forward model and the prior box.
    data : array_like, shape (n_soundings, n_data)
        Observed data, physical units.
    sigma : array_like, shape (n_soundings, n_data)
        Noise standard deviations, data units.
    models : array_like, shape (n_soundings, n_params), optional
        The network's predictions, if already computed.
    rng : numpy.random.Generator or int or None
        Draws the restart models.
    **lm_options
        Keyword arguments of :func:`geoinv.lsq.levenberg_marquardt`;
        defaults ``LM_DEFAULTS`` (widen 0.5, 10 restarts, target RMS 1).

    Returns
    -------
    geoinv.lsq.LSQResult
    """
    if models is None:
        models = inversion.predict(np.atleast_2d(data))
    options = {**LM_DEFAULTS, **lm_options}
    return levenberg_marquardt(inversion.forward, inversion.space, data, sigma, models, rng=rng,
                               **options)


def invert_from_generic_start(forward, space, data, sigma, *, rng=None, **lm_options):
    """Classical LM from :func:`generic_start`, same settings as :func:`refine`.

    Returns
    -------
    geoinv.lsq.LSQResult
    """
    options = {**LM_DEFAULTS, **lm_options}
    m0 = generic_start(forward, space, data, widen=options["widen"])
    return levenberg_marquardt(forward, space, data, sigma, m0, rng=rng, **options)


def fitted_outside_box(space, models, rms, fit_rms=FIT_THRESHOLD):
    """Soundings fitted by a model outside the prior box: evidence of OOD.

    Parameters
    ----------
    space : geoinv.ModelSpace
        The training box.
    models : array_like, shape (n_soundings, n_params)
        Refined models, physical units.
    rms : array_like, shape (n_soundings,)
        Their RMS misfits (noise standard deviations).
    fit_rms : float
        Misfit counted as a fit.

    Returns
    -------
    ndarray of bool, shape (n_soundings,)
    """
    return (np.asarray(rms) <= fit_rms) & ~space.contains(models)


@dataclass
class MethodResult:
    """What one method gave on one set of soundings.

    Attributes
    ----------
    models : ndarray, shape (n_soundings, n_params)
        Physical units.
    rms : ndarray, shape (n_soundings,)
        RMS data misfit (noise standard deviations); NaN if unphysical.
    forward_calls : ndarray of int, shape (n_soundings,)
        Simulated models (0 for the network alone).
    seconds : float
        Wall time of the method (the network's pass included for
        ``network_lm``; the misfit check of ``network`` excluded).
    lsq : geoinv.lsq.LSQResult or None
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
        """``{method: rms (n_soundings,)}``, for :func:`plot_misfit_by_method`."""
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
    dataset : geoinv.dataset.Dataset
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
        Keyword arguments of :func:`geoinv.lsq.levenberg_marquardt`, shared
        by both LM methods (default ``LM_DEFAULTS``).

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
    options = {**LM_DEFAULTS, **lm_options}
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
                              dataset.sigma)[0]
            results[method] = MethodResult(network_models, rms, np.zeros(n, dtype=np.int64),
                                           network_seconds)
            continue
        t0 = time.perf_counter()
        if method == "lm":
            lsq = invert_from_generic_start(forward, space, dataset.data, dataset.sigma,
                                            rng=seeds[method], **options)
            seconds = time.perf_counter() - t0
        else:
            lsq = levenberg_marquardt(forward, space, dataset.data, dataset.sigma,
                                      network_models, rng=seeds[method], **options)
            seconds = time.perf_counter() - t0 + network_seconds
        results[method] = MethodResult(lsq.models, lsq.rms, lsq.forward_calls, seconds, lsq)

    rows, timing = [], []
    for method, res in results.items():
        predicted = res.lsq.predicted if res.lsq is not None else None
        rel = (data_misfit(dataset.data, predicted, dataset.sigma)[1] if predicted is not None
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
        rows += [(split, q, f"{m}@{method}", v) for q, m, v in method_rows]
        timing += [(split, "all", f"wall_seconds@{method}", res.seconds),
                   (split, "all", f"ms_per_sounding@{method}", 1e3 * res.seconds / max(n, 1))]
    columns = ["split", "quantity", "metric", "value"]
    return Comparison(split, pd.DataFrame(rows, columns=columns),
                      pd.DataFrame(timing, columns=columns), results)


def _relative_misfit(forward, dataset, models):
    return data_misfit(dataset.data, simulate_valid(forward, models), dataset.sigma)[1]


_METHOD_COLORS = {"network": "#7f7f7f", "lm": "#ff7f0e", "network_lm": "#2ca02c"}
_SPLIT_STYLES = {"test_id": "-", "test_ood": "--"}


def plot_misfit_by_method(misfits, ax=None, target=FIT_THRESHOLD):
    """Cumulative distributions of the RMS misfit, by method and split.

    Parameters
    ----------
    misfits : dict of str to dict of str to array_like
        ``{split: {method: rms (n_soundings,)}}``, e.g.
        ``{c.split: c.misfits for c in comparisons}``.  Non-finite misfits
        (unphysical models) count as not fitted: the curves end below 1.
    ax : matplotlib.axes.Axes, optional
        Drawn on; a new figure is made if None.
    target : float
        Fit threshold drawn as a vertical dashed line.

    Returns
    -------
    matplotlib.axes.Axes
        One curve per (split, method): colour = method, line style = split
        (solid ID, dashed OOD), the legend giving the fraction fitted.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
    positive = [np.asarray(v, dtype=float) for by in misfits.values() for v in by.values()]
    finite = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in positive] + [[target]])
    lo, hi = finite.min() / 1.2, finite.max() * 1.2
    extra_styles = iter([":", "-."])
    for split, by_method in misfits.items():
        style = _SPLIT_STYLES.get(split) or next(extra_styles, "-")
        for method, rms in by_method.items():
            rms = np.asarray(rms, dtype=float)
            values = np.sort(np.where(np.isfinite(rms), rms, np.inf))
            share = np.arange(1, values.size + 1) / values.size
            shown = np.isfinite(values)
            fitted = np.mean(rms <= target) if rms.size else np.nan
            ax.step(np.r_[lo, values[shown]], np.r_[0.0, share[shown]], where="post",
                    color=_METHOD_COLORS.get(method, None), linestyle=style,
                    label=f"{split}, {METHOD_LABELS.get(method, method)}: "
                          f"{100 * fitted:.1f} % <= {target:g}")
    ax.axvline(target, color="black", linestyle="--", linewidth=1.0, gid="target")
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("RMS data misfit (noise standard deviations)")
    ax.set_ylabel("Fraction of soundings with misfit <= x")
    ax.grid(True, color="0.88", linewidth=0.6)
    ax.legend(loc="lower right", fontsize="small", frameon=False)
    return ax
