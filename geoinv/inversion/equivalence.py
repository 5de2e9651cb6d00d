"""Equivalence: what a layered sounding does and does not determine.

Dar Zarrouk quantities
----------------------
For layer ``i`` of a layered earth ``[rho_1 .. rho_N, h_1 .. h_(N-1)]``
above the half-space (Maillet 1947)::

    S_i = h_i / rho_i   longitudinal conductance (S),
    T_i = h_i * rho_i   transverse resistance (ohm.m^2).

A thin layer more conductive than its neighbours is seen by a sounding only
through ``S_i`` (current flows along it), a thin resistive one only through
``T_i`` (current crosses it): models with the same ``S_2`` (H- and A-type
middle layers) or the same ``T_2`` (K- and Q-type) give nearly the same data,
the *principle of equivalence*.  In log10 the valley of constant ``S`` is
the line ``log h - log rho = const``, which is why the posterior of
(rho_2, h_2) is long and thin while ``S_2`` or ``T_2`` is narrow.

Equivalence limits
------------------
The models *equivalent* to the best one are those whose misfit stays within ::

    chi2(m) <= chi2_min + Delta,   Delta = chi-square quantile of M dof at ``level``,

``M`` the number of parameters (``Delta = 9.24`` for M = 5 at 90 %).  For
Gaussian errors and a model that is linear near the minimum this is the
likelihood-ratio joint confidence region of all M parameters (Press et al.,
Numerical Recipes, sec. 15.6), whatever the number of data N: it does not
depend on how well the best model fits, unlike an IPI2Win-style relative
bound ``phi <= (1 + eps) phi_min`` (which widens with a poor fit), nor on N
and on sigma being exactly right, unlike an absolute bound
``chi2 <= chi-square quantile of N dof`` (which, for N = 30, leaves some
well-fitted soundings with no equivalent model at all).  A sounding fitted
to the noise has ``chi2_min ~ N - M``.

The *equivalence limits* of a parameter are the smallest and largest value
it takes in that region: here among the posterior draws inside the bound,
then pushed outwards along that parameter alone by bisection (12 halvings
of the way to the edge of the search box) while the bound holds.  Every
limit is attained by a model inside the bound, so the limits are an inner
estimate of the region's extent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2 as chi2_distribution

from .._checks import check_float
from .likelihood import chi_square

__all__ = ["layer_count", "layered", "dar_zarrouk", "dar_zarrouk_names", "dar_zarrouk_frame",
           "resolved_is_conductance", "equivalence_bound", "EquivalenceLimits",
           "equivalence_limits"]

_BISECTIONS = 12


def layer_count(n_params, names=None):
    """Number of layers N of a layered model vector ``[rho_1..rho_N, h_1..h_(N-1)]``.

    Parameters
    ----------
    n_params : int
        ``2 N - 1``.
    names : sequence of str, optional
        Parameter names, checked to be ``rho_1 .. rho_N, h_1 .. h_(N-1)``.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``n_params`` is even or the names are not those of a layered model.
    """
    if n_params % 2 == 0:
        raise ValueError(f"a layered model has 2 N - 1 parameters; got {n_params}")
    n = (n_params + 1) // 2
    expected = [f"rho_{i}" for i in range(1, n + 1)] + [f"h_{i}" for i in range(1, n)]
    if names is not None and list(names) != expected:
        raise ValueError(f"Dar Zarrouk quantities need a layered model [{', '.join(expected)}]; "
                         f"got [{', '.join(names)}]")
    return n


def layered(names):
    """Number of layers N if ``names`` are those of a layered model, else None.

    >>> layered(["rho_1", "rho_2", "h_1"]), layered(["x0", "z", "R"])
    (2, None)
    """
    try:
        return layer_count(len(names), names)
    except ValueError:
        return None


def resolved_is_conductance(s_low, s_high, t_low, t_high):
    """Whether S_i (rather than T_i) is what the data resolve: its interval is no wider.

    The one rule by which a layer's Dar Zarrouk parameter is named from
    intervals alone (no truth needed): a conductive thin layer is seen
    through S = h / rho, a resistive one through T = h rho, and the one the
    data fix has the narrower interval in decades.

    Parameters
    ----------
    s_low, s_high, t_low, t_high : array_like, broadcastable
        Interval bounds of S_i (S) and T_i (ohm.m^2), > 0; an unresolved
        bound may be 0 or inf.

    Returns
    -------
    ndarray of bool

    >>> resolved_is_conductance([0.1, 0.1], [0.12, 1.0], [10.0, 10.0], [100.0, 11.0]).tolist()
    [True, False]
    """
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):   # unresolved: inf
        return (np.log10(s_high) - np.log10(s_low)) <= (np.log10(t_high) - np.log10(t_low))


def dar_zarrouk(models):
    """Conductance S_i and transverse resistance T_i of every layer above the half-space.

    Parameters
    ----------
    models : array_like, shape (..., 2 N - 1)
        Layered models ``[rho_1 .. rho_N, h_1 .. h_(N-1)]`` (ohm.m, m).

    Returns
    -------
    S : ndarray, shape (..., N - 1)
        ``h_i / rho_i`` (S).
    T : ndarray, shape (..., N - 1)
        ``h_i * rho_i`` (ohm.m^2).

    Examples
    --------
    >>> S, T = dar_zarrouk([100.0, 10.0, 1000.0, 5.0, 20.0])
    >>> S.tolist(), T.tolist()
    ([0.05, 2.0], [500.0, 200.0])
    """
    models = np.asarray(models, dtype=np.float64)
    n = layer_count(models.shape[-1])
    rho, h = models[..., :n - 1], models[..., n:]
    return h / rho, h * rho


def dar_zarrouk_names(n_layers):
    """Names ``(["S_1", ...], ["T_1", ...])`` of the layers above the half-space."""
    return ([f"S_{i}" for i in range(1, n_layers)], [f"T_{i}" for i in range(1, n_layers)])


def dar_zarrouk_frame(posterior, level=0.9):
    """Posterior median and central interval of every S_i and T_i, one row per sounding.

    Parameters
    ----------
    posterior : geoinv.inversion.posterior.PosteriorResult
        Of a layered model (names ``rho_1 .. rho_N, h_1 .. h_(N-1)``).
    level : float in (0, 1)

    Returns
    -------
    pandas.DataFrame
        Columns ``S_1_median, S_1_low_90, S_1_high_90, ..., T_1_median, ...``
        (S for conductances, ohm.m^2 for transverse resistances).
    """
    level = check_float(level, "level", 0.0, 1.0, low_open=True, high_open=True)
    n = layer_count(len(posterior.names), posterior.names)
    S, T = dar_zarrouk(posterior.samples)
    pct = f"{100 * level:g}"
    columns = {}
    for values, names in zip((S, T), dar_zarrouk_names(n)):
        low, median, high = np.quantile(values, [(1 - level) / 2, 0.5, (1 + level) / 2], axis=1)
        for j, name in enumerate(names):
            columns[f"{name}_median"] = median[:, j]
            columns[f"{name}_low_{pct}"] = low[:, j]
            columns[f"{name}_high_{pct}"] = high[:, j]
    return pd.DataFrame(columns)


def equivalence_bound(n_params, level=0.9):
    """``Delta`` of the bound ``chi2 <= chi2_min + Delta`` (see the module docstring).

    Parameters
    ----------
    n_params : int
        Number of model parameters M (the degrees of freedom).
    level : float in (0, 1)

    Returns
    -------
    float

    Examples
    --------
    >>> round(equivalence_bound(5, 0.9), 2), round(equivalence_bound(1, 0.6827), 2)
    (9.24, 1.0)
    """
    level = check_float(level, "level", 0.0, 1.0, low_open=True, high_open=True)
    return float(chi2_distribution.ppf(level, n_params))


@dataclass
class EquivalenceLimits:
    """Per-parameter range of the models equivalent to the best one.

    Attributes
    ----------
    low, high : ndarray, shape (n_soundings, n_params)
        Equivalence limits, physical units.
    chi2_min : ndarray, shape (n_soundings,)
        Smallest misfit found (the draws' or the given reference's).
    bound : ndarray, shape (n_soundings,)
        ``chi2_min + Delta``.
    n_equivalent : ndarray of int, shape (n_soundings,)
        Posterior draws inside the bound.
    names : list of str
    """

    low: np.ndarray
    high: np.ndarray
    chi2_min: np.ndarray
    bound: np.ndarray
    n_equivalent: np.ndarray
    names: list

    def to_frame(self):
        """``{name}_equiv_low``, ``{name}_equiv_high`` per parameter, one row per sounding."""
        columns = {}
        for j, name in enumerate(self.names):
            columns[f"{name}_equiv_low"] = self.low[:, j]
            columns[f"{name}_equiv_high"] = self.high[:, j]
        columns["chi2_min"] = self.chi2_min
        columns["chi2_bound"] = self.bound
        return pd.DataFrame(columns)


def equivalence_limits(posterior, forward=None, data=None, sigma=None, *, level=0.9,
                       reference_chi2=None, data_scale="auto"):
    """Equivalence limits of every parameter from the posterior draws (and a search).

    Parameters
    ----------
    posterior : geoinv.inversion.posterior.PosteriorResult
    forward : geoinv.forward.ForwardModel, optional
        With ``data`` and ``sigma``: push each limit outwards by bisection
        (``2 n_params (12 + 1)`` forward calls per sounding); without them
        the limits are those of the draws.
    data : array_like, shape (n_soundings, n_data), optional
    sigma : array_like, broadcastable to ``data``, optional
        The data and errors the posterior was sampled with.
    level : float in (0, 1)
        Of the chi-square quantile (90 % by default).
    reference_chi2 : array_like, shape (n_soundings,), optional
        Misfit of a model known to fit well (e.g. the LM solution,
        ``chi_square(forward, data, sigma, lsq.predicted)``): ``chi2_min`` is
        the smaller of it and the draws' minimum.
    data_scale : {"auto", "log", "linear"}

    Returns
    -------
    EquivalenceLimits

    Raises
    ------
    ValueError
        If ``forward`` is given without ``data`` and ``sigma``.
    """
    if forward is not None and (data is None or sigma is None):
        raise ValueError("equivalence_limits: with forward, give the data and sigma the "
                         "posterior was sampled with")
    samples, chi2 = posterior.samples, posterior.chi2
    n, _, p = samples.shape
    chi2_min = chi2.min(axis=1)
    if reference_chi2 is not None:
        chi2_min = np.minimum(chi2_min, np.asarray(reference_chi2, dtype=np.float64))
    bound = chi2_min + equivalence_bound(p, level)
    inside = chi2 <= bound[:, None]
    inside[np.arange(n), chi2.argmin(axis=1)] = True          # never empty
    x = _declared(samples, posterior.log)
    x_in = np.where(inside[:, :, None], x, np.nan)
    extremes = [np.nanargmin(x_in, axis=1), np.nanargmax(x_in, axis=1)]      # (n, p) each
    limits = [np.take_along_axis(x, e[:, :, None], axis=1) for e in extremes]   # (n, p, p)
    if forward is not None:
        edges = (_declared(posterior.low, posterior.log), _declared(posterior.high, posterior.log))
        limits = [_push(forward, data, sigma, data_scale, start, edge, bound, posterior.log)
                  for start, edge in zip(limits, edges)]
    j = np.arange(p)
    low, high = (_physical(limit[:, j, j], posterior.log) for limit in limits)
    return EquivalenceLimits(low, high, chi2_min, bound, inside.sum(axis=1),
                             list(posterior.names))


def _declared(models, log):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(log, np.log10(np.where(log, models, 1.0)), models)


def _physical(values, log):
    return np.where(log, 10.0 ** np.where(log, values, 0.0), values)


def _push(forward, data, sigma, data_scale, start, edge, bound, log):
    """Move model j of ``start`` (n, p, p) along parameter j towards ``edge`` while chi2 <= bound.

    Model ``start[i, j]`` is inside the bound; returns the same array with
    coordinate ``j`` of model ``j`` moved as far as bisection finds.
    """
    n, p, _ = start.shape
    data = np.asarray(data, dtype=np.float64)
    sigma = np.broadcast_to(np.asarray(sigma, dtype=np.float64), data.shape)
    rows = np.repeat(np.arange(n), p)
    diag = np.arange(p)
    from_x = start[:, diag, diag]                          # (n, p): coordinate being pushed
    good = np.zeros((n, p))                                # fraction of the way known to hold
    bad = np.ones((n, p))                                  # fraction known to fail (or the edge)

    def holds(t):
        trial = start.copy()
        trial[:, diag, diag] = from_x + t * (edge - from_x)
        models = _physical(trial.reshape(n * p, p), log)
        ok = forward.valid_rows(models)
        predicted = np.full((n * p, forward.n_data), np.nan)
        if ok.any():
            predicted[ok] = forward.simulate(models[ok])
        c = chi_square(forward, data[rows], sigma[rows], predicted, data_scale=data_scale)
        return (c <= np.repeat(bound, p)).reshape(n, p)

    at_edge = holds(np.ones((n, p)))
    for _ in range(_BISECTIONS):
        t = 0.5 * (good + bad)
        ok = holds(t)
        good, bad = np.where(ok, t, good), np.where(ok, bad, t)
    t = np.where(at_edge, 1.0, good)
    out = start.copy()
    out[:, diag, diag] = from_x + t * (edge - from_x)
    return out
