"""Are the uncertainties right?  Coverage of credible intervals on synthetic tests.

On a synthetic test set the true models are known, so an uncertainty
method can be checked: its central 90 % intervals should contain the truth
for about 90 % of the soundings (*coverage*), and among calibrated methods
the narrower intervals are the more informative (*width*).  Three methods
give intervals, each named by its ``@method`` suffix:

``@posterior``
    The 5 % and 95 % quantiles of the posterior draws
    (:func:`geoinv.inversion.posterior.sample_posterior`).
``@ensemble``
    The members' spread as a Gaussian in the declared scale: mean +-
    1.645 std of K networks' predictions (``z = 1.645`` for 90 %).
``@linearised``
    The linearised covariance ``(J^T W J)^-1`` at the LM solution in the
    declared scale (:func:`geoinv.inversion.posterior.linearised_covariance`),
    mean +- 1.645 sd.

Quantities: every model parameter and, for a layered model
``[rho_1 .. rho_N, h_1 .. h_(N-1)]``, the Dar Zarrouk conductances
``S_1 .. S_(N-1)`` and transverse resistances ``T_1 .. T_(N-1)``
(:mod:`geoinv.inversion.equivalence`), and ``DZ_1 .. DZ_(N-1)``: per
sounding, whichever of ``S_i`` and ``T_i`` has the narrower interval -- the
one the data resolve (S of a conductive layer, T of a resistive one), chosen
from the intervals alone as a user without the truth would.  For the ensemble each member's S and
T are computed; for the linearised covariance they follow by the delta
method (``log10 S = log10 h - log10 rho`` is linear in the log parameters).

How well the sampler did is summarised by :func:`convergence_rows`.

Metric rows, in the layout of ``metrics.csv`` (``split, quantity, metric,
value``), with ``L = 100 level`` (90 by default):

``coverage_L@method``
    Fraction of soundings whose true value lies inside the interval
    (bounds included); 0.9 is calibrated, below is over-confident.
``median_width_L@method``
    Median width of the interval in the declared scale: decades for log
    parameters and always for S and T, the unit for linear parameters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from .._checks import check_float
from ..inversion.equivalence import (dar_zarrouk, dar_zarrouk_names, layered,
                                     resolved_is_conductance)
from ..inversion.likelihood import linearised_covariance
from .metrics import declared_scale

__all__ = ["interval_rows", "posterior_calibration", "ensemble_calibration",
           "linearised_calibration", "gaussian_intervals", "convergence_rows"]

_COLUMNS = ["split", "quantity", "metric", "value"]


def interval_rows(true, low, high, names, log, method, level=0.9):
    """Coverage and median width of intervals, one pair of rows per quantity.

    Parameters
    ----------
    true, low, high : array_like, shape (n_soundings, n_quantities)
        True values and interval bounds, physical units.
    names : sequence of str
        Quantity names (columns).
    log : array_like of bool, shape (n_quantities,)
        Widths in decades where True, in the unit otherwise.
    method : str
        Suffix of the metric names, e.g. ``"posterior"``.
    level : float in (0, 1)
        Names the metrics (``coverage_90`` for 0.9).

    Returns
    -------
    list of (quantity, metric, value)

    Examples
    --------
    >>> rows = interval_rows([[1.0], [5.0]], [[0.5], [1.0]], [[2.0], [2.0]], ["rho_1"], [True],
    ...                      "posterior")
    >>> [(q, m, round(v, 3)) for q, m, v in rows]
    [('rho_1', 'coverage_90@posterior', 0.5), ('rho_1', 'median_width_90@posterior', 0.452)]
    """
    true, low, high = (np.asarray(a, dtype=np.float64) for a in (true, low, high))
    log = np.broadcast_to(np.asarray(log, dtype=bool), (true.shape[1],))
    inside = (low <= true) & (true <= high)
    width = declared_scale(high, log) - declared_scale(low, log)
    pct = f"{100 * level:g}"
    rows = []
    for j, name in enumerate(names):
        rows.append((name, f"coverage_{pct}@{method}", float(np.mean(inside[:, j]))))
        rows.append((name, f"median_width_{pct}@{method}", float(np.median(width[:, j]))))
    return rows


def _frame(rows, split):
    return pd.DataFrame([(split, q, m, v) for q, m, v in rows], columns=_COLUMNS)


def posterior_calibration(posterior, true_models, split, level=0.9):
    """``coverage_L@posterior`` and ``median_width_L@posterior`` rows of one split.

    Parameters
    ----------
    posterior : geoinv.inversion.posterior.PosteriorResult
    true_models : array_like, shape (n_soundings, n_params)
        Physical units.
    split : str
        E.g. ``"test_id"``.
    level : float in (0, 1)

    Returns
    -------
    pandas.DataFrame
        ``split, quantity, metric, value``; quantities: the parameters, then
        S_i and T_i for a layered model.
    """
    level = check_float(level, "level", 0.0, 1.0, low_open=True, high_open=True)
    true = np.asarray(true_models, dtype=np.float64)
    q = [(1 - level) / 2, (1 + level) / 2]
    low, high = np.quantile(posterior.samples, q, axis=1)
    rows = interval_rows(true, low, high, posterior.names, posterior.log, "posterior", level)
    n_layers = layered(posterior.names)
    if n_layers is not None and n_layers > 1:
        bounds = [np.quantile(derived, q, axis=1) for derived in dar_zarrouk(posterior.samples)]
        rows += _dar_zarrouk_rows(true, bounds, n_layers, "posterior", level)
    return _frame(rows, split)


def _dar_zarrouk_rows(true_models, bounds, n_layers, method, level):
    """Rows of S_i, T_i and DZ_i (the narrower of the two per sounding).

    ``bounds``: ``[(S_low, S_high), (T_low, T_high)]``, each (n_soundings, N - 1).
    """
    truths = dar_zarrouk(true_models)
    rows = []
    for (low, high), truth, names in zip(bounds, truths, dar_zarrouk_names(n_layers)):
        rows += interval_rows(truth, low, high, names, True, method, level)
    (s_low, s_high), (t_low, t_high) = bounds
    use_s = resolved_is_conductance(s_low, s_high, t_low, t_high)
    pick = lambda a, b: np.where(use_s, a, b)        # noqa: E731
    return rows + interval_rows(pick(*truths), pick(s_low, t_low), pick(s_high, t_high),
                                [f"DZ_{i}" for i in range(1, n_layers)], True, method, level)


def gaussian_intervals(centre, sd, log, level=0.9):
    """Intervals ``centre +- z sd`` in the declared scale, back in physical units.

    Parameters
    ----------
    centre : array_like, shape (n, q)
        Declared scale (log10 where ``log``).
    sd : array_like, shape (n, q)
        Standard deviation in the declared scale.
    log : array_like of bool, shape (q,)
    level : float in (0, 1)

    Returns
    -------
    low, high : ndarray, shape (n, q)
        Physical units.
    """
    z = norm.ppf((1 + level) / 2)
    log = np.asarray(log, dtype=bool)
    low, high = centre - z * np.asarray(sd), centre + z * np.asarray(sd)
    with np.errstate(over="ignore"):       # an unresolved direction: an infinite interval
        return (np.where(log, 10.0 ** np.where(log, low, 0.0), low),
                np.where(log, 10.0 ** np.where(log, high, 0.0), high))


def ensemble_calibration(members, true_models, space, split, level=0.9):
    """``coverage_L@ensemble`` and ``median_width_L@ensemble`` rows of one split.

    Parameters
    ----------
    members : array_like, shape (K, n_soundings, n_params)
        Every member's prediction (``EnsembleInversion.predict_members``),
        physical units; K >= 2.
    true_models : array_like, shape (n_soundings, n_params)
    space : geoinv.ModelSpace
    split : str
    level : float in (0, 1)

    Returns
    -------
    pandas.DataFrame
    """
    level = check_float(level, "level", 0.0, 1.0, low_open=True, high_open=True)
    members = np.asarray(members, dtype=np.float64)
    if members.ndim != 3 or members.shape[0] < 2:
        raise ValueError(f"members must have shape (K >= 2, n_soundings, n_params); "
                         f"got {members.shape}")
    true = np.asarray(true_models, dtype=np.float64)
    x = declared_scale(members, space.log)
    low, high = gaussian_intervals(x.mean(axis=0), x.std(axis=0, ddof=1), space.log, level)
    rows = interval_rows(true, low, high, space.names, space.log, "ensemble", level)
    n_layers = layered(space.names)
    if n_layers is not None and n_layers > 1:
        bounds = []
        for derived in dar_zarrouk(members):
            x = np.log10(derived)
            bounds.append(gaussian_intervals(x.mean(axis=0), x.std(axis=0, ddof=1), True, level))
        rows += _dar_zarrouk_rows(true, bounds, n_layers, "ensemble", level)
    return _frame(rows, split)


def linearised_calibration(forward, space, data, sigma, models, true_models, split, level=0.9,
                           *, data_scale="auto"):
    """``coverage_L@linearised`` and ``median_width_L@linearised`` rows of one split.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
    space : geoinv.ModelSpace
    data : array_like, shape (n_soundings, n_data)
    sigma : array_like, broadcastable to ``data``
    models : array_like, shape (n_soundings, n_params)
        Where to linearise: the LM solutions (e.g. network -> LM), physical
        units.
    true_models : array_like, shape (n_soundings, n_params)
    split : str
    level : float in (0, 1)
    data_scale : {"auto", "log", "linear"}

    Returns
    -------
    pandas.DataFrame
    """
    level = check_float(level, "level", 0.0, 1.0, low_open=True, high_open=True)
    models = np.asarray(models, dtype=np.float64)
    true = np.asarray(true_models, dtype=np.float64)
    cov = linearised_covariance(forward, space, data, sigma, models, data_scale=data_scale)
    sd = np.sqrt(np.einsum("nii->ni", cov))
    low, high = gaussian_intervals(declared_scale(models, space.log), sd, space.log, level)
    rows = interval_rows(true, low, high, space.names, space.log, "linearised", level)
    n_layers = layered(space.names)
    if n_layers is not None and n_layers > 1:
        n = n_layers
        # d log10(h / rho) and d log10(h rho) per unit of the declared scale
        dlog = np.where(space.log, 1.0, 1.0 / (np.log(10.0) * models))         # (n_s, p)
        bounds = []
        for sign, derived in zip((-1.0, 1.0), dar_zarrouk(models)):
            grad = np.zeros((len(models), n - 1, space.n_params))
            layer = np.arange(n - 1)
            grad[:, layer, layer] = sign * dlog[:, :n - 1]
            grad[:, layer, n + layer] = dlog[:, n:]
            var = np.einsum("nkp,npq,nkq->nk", grad, cov, grad)
            bounds.append(gaussian_intervals(np.log10(derived), np.sqrt(var), True, level))
        rows += _dar_zarrouk_rows(true, bounds, n, "linearised", level)
    return _frame(rows, split)


def convergence_rows(posterior, split):
    """How the sampling went, as ``metrics.csv`` rows (quantity ``all``).

    Parameters
    ----------
    posterior : geoinv.inversion.posterior.PosteriorResult
    split : str

    Returns
    -------
    pandas.DataFrame
        ``n_soundings@posterior``, ``fraction_converged@posterior`` (split
        R-hat < ``max_r_hat`` and ESS >= ``target_ess`` for every
        parameter), ``median_min_ess@posterior``,
        ``median_max_r_hat@posterior``, ``mean_steps@posterior``,
        ``forward_calls_per_sounding@posterior`` (mean) and
        ``mean_acceptance@posterior``.
    """
    rows = [
        ("all", "n_soundings", float(len(posterior))),
        ("all", "fraction_converged", float(np.mean(posterior.converged))),
        ("all", "median_min_ess", float(np.median(posterior.ess.min(axis=1)))),
        ("all", "median_max_r_hat", float(np.median(posterior.r_hat.max(axis=1)))),
        ("all", "mean_steps", float(np.mean(posterior.steps))),
        ("all", "forward_calls_per_sounding", float(np.mean(posterior.forward_calls))),
        ("all", "mean_acceptance", float(np.mean(posterior.acceptance))),
    ]
    return _frame([(q, f"{m}@posterior", v) for q, m, v in rows], split)
