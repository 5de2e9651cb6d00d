"""Classical inversion: batched damped least squares (Levenberg-Marquardt).

Many soundings are inverted together, as one vectorised computation: every
array carries the soundings on axis 0, the normal equations of all active
soundings are solved as one ``(n, p, p)`` stack, each sounding has its own
damping ``mu``, and a sounding leaves the active set as soon as it has
converged or stopped, so it costs no further forward calls.

The problem
-----------
For one sounding with observed data ``d`` (n_data,) and standard deviations
``sigma`` (n_data,) in the error space of each datum (decades on log
columns, data units elsewhere: the convention of :mod:`geoinv.prior.noise`),
find the model ``m`` inside the search box minimising ::

    phi(m) = 1/2 r^T r,   r = W_d (g(d) - g(f(m))),   W_d = diag(1 / sigma),

where ``g`` is log10 on the forward model's ``data_log_mask`` columns (the
default ``data_scale="auto"``: the residual is taken in the error space, so
``sigma`` weights it directly) and the identity elsewhere.  The reported
misfit is the one minimised, ``rms = sqrt(mean(r**2)) = sqrt(2 phi /
n_data)``, in the error space of each datum (log10 for apparent resistivity;
:func:`geoinv.inversion.misfit.rms_misfit`).  ``data_scale="log"`` or
``"linear"`` takes the residual in another space; ``sigma`` is then carried
into it to first order (``sigma_log10 = sigma / (ln 10 |d|)`` and back) and
``rms`` is in that space.

Parameters: the declared scale
-------------------------------
The unknowns are the unit coordinates of the model space
(:meth:`geoinv.ModelSpace.to_unit`): the declared scale (log10 for log
parameters) normalised by the width of the prior box::

    u = (to_scale(m) - scaled_low) / (scaled_high - scaled_low),

so the prior (training) box is ``0 <= u <= 1`` for every parameter and one
damping ``mu`` means the same for all of them.  The *search box* is the prior
box widened by ``widen`` box widths on each side, ``-widen <= u <= 1 + widen``
(:meth:`geoinv.ModelSpace.widened`; ``widen=0`` keeps the prior bounds; a
positive ``widen`` lets a model of an out-of-distribution sounding leave the
training box).  Linear parameters
never go below ``space.lower_limit`` nor, if the forward model declares them
positive, below 0.

Bounds are enforced by projection with an active set: a parameter sitting on
a bound whose descent direction points out of the box is frozen for that
step, the other parameters take the damped Gauss-Newton step, and the trial
model is clipped to the box.  Every returned model therefore lies inside the
search box (bounds included).

Iteration (Nielsen 1999; Madsen, Nielsen & Tingleff 2004, Alg. 3.16)
--------------------------------------------------------------------
With ``J = d r / d u`` up to sign (``J = W_d d g(f) / d u``), ``(n_data, p)``::

    (J^T J + mu I) du = J^T r,           trial u' = clip(u + du),
    gain  rho = (phi(u) - phi(u')) / (du^T J^T r - 1/2 |J du|^2),
    accept if phi(u') < phi(u):  mu <- mu * max(1/3, 1 - (2 rho - 1)^3), nu <- 2
    reject otherwise:            mu <- mu * nu,  nu <- 2 nu.

``mu`` starts at ``mu0 * max(diag(J^T J))`` per sounding.  A sounding stops
when

* a target is set (``target_rms``) and its RMS misfit is <= the target
  (status ``CONVERGED``),
* it has done ``max_iter`` iterations (``MAX_ITER``),
* or it stalls (``STALLED``): an accepted step lowered phi by less than
  ``ftol * phi``, or the step was shorter than ``xtol`` (in box widths), or
  ``mu`` exceeded ``1e12`` times its start.

Target misfit
-------------
By default (``target_rms=None``, or 0) there is no target: every sounding
iterates to the least-squares minimum (it ends ``STALLED`` there, by
``ftol``/``xtol``), so the answer does not depend on where LM started as
long as it falls into the same valley.  Stopping at a target misfit instead
(``target_rms=1``: chi-square = n_data; ``target_rms="chi2"``: chi-square =
n_data - n_params, its expected value at the minimum for Gaussian errors)
saves iterations but leaves the model wherever the path first reached the
target, which depends on the start.

Restarts
--------
A sounding can end in a local minimum (in a three-layer VES the middle layer
often vanishes or takes the wrong side of its equivalence valley).  With
``n_restarts > 0`` the soundings whose misfit is still above ``restart_rms``
(``FIT_THRESHOLD`` = 1.2 by default), or whose start was unphysical, are run again, as one
batch, from models drawn uniformly in the search box (``rng``); each keeps
its lowest-misfit model, and its counts add up over all runs.

Jacobian
--------
If the forward model has a method ``jacobian(models)`` returning
``d data / d models`` in physical units, shape ``(n, n_data, n_params)``, it
is used (chain rule to ``u`` and ``g``).  Otherwise the Jacobian is a
one-sided finite difference with step ``fd_step`` box widths, computed for
all soundings that need it as ONE batched ``simulate`` call of
``n_soundings * n_params`` models per iteration (the step flips sign where
``+fd_step`` would leave the search box or make a model unphysical).

Forward-call unit
-----------------
``forward_calls`` counts simulated *models*: each row passed to
``forward.simulate`` counts one, whatever the batch it travelled in.  A
sounding costs 1 (its start) + 1 per iteration (the trial model) +
``n_params`` per finite-difference Jacobian (one after every accepted step,
and one at the start).  Calls of an analytic ``jacobian`` are counted
separately in ``jacobian_calls`` (one per model).  Trial models the forward
model rejects as unphysical are not simulated and not counted; the step is
rejected.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .._checks import check_choice, check_float, check_int, format_rows
from ..prior.model_space import as_generator
from ..prior.noise import LN10, sigma_to_data_space, sigma_to_error_space
from .misfit import FIT_THRESHOLD, rms_misfit

__all__ = [
    "LSQResult",
    "damped_least_squares",
    "levenberg_marquardt",
    "search_bounds",
    "weighted_jacobian",
    "rms_misfit",
    "CONVERGED",
    "MAX_ITER",
    "STALLED",
    "UNPHYSICAL_START",
    "STATUS_NAMES",
]

CONVERGED, MAX_ITER, STALLED, UNPHYSICAL_START = 0, 1, 2, 3
STATUS_NAMES = {CONVERGED: "converged", MAX_ITER: "max_iter", STALLED: "stalled",
                UNPHYSICAL_START: "unphysical_start"}
"""Meaning of :attr:`LSQResult.status`."""

_LN10 = LN10
_MU_GROWTH_LIMIT = 1e12   # mu beyond this times its start: the sounding has stalled
_LIMIT_MARGIN = 1e-9      # box widths kept above a strict physical lower limit
_MU_FLOOR = 1e-12         # smallest mu relative to max(diag(J^T J))


@dataclass
class LSQResult:
    """Per-sounding outcome of :func:`damped_least_squares`.

    Attributes
    ----------
    models : ndarray, shape (n_soundings, n_params)
        Final models, physical units, inside the search box.
    predicted : ndarray, shape (n_soundings, n_data)
        Their simulated data (NaN rows for an unphysical start).  A start
        whose residual is not finite (data <= 0 on a log10 column) is
        reported as ``UNPHYSICAL_START`` too, with its data and misfit.
    rms : ndarray, shape (n_soundings,)
        RMS misfit ``sqrt(mean(r**2))`` of the final models, the one
        minimised, in the error space of each datum (log10 for apparent
        resistivity), in standard deviations (1 = fits to the errors).
    iterations : ndarray of int, shape (n_soundings,)
        LM iterations (solve + trial model) done for each sounding.
    forward_calls : ndarray of int, shape (n_soundings,)
        Models simulated for each sounding (see the module docstring).
    jacobian_calls : ndarray of int, shape (n_soundings,)
        Analytic Jacobians evaluated (0 with finite differences).
    status : ndarray of int, shape (n_soundings,)
        ``CONVERGED`` (0), ``MAX_ITER`` (1), ``STALLED`` (2) or
        ``UNPHYSICAL_START`` (3) of the run that gave the kept model; see
        ``STATUS_NAMES``.
    starts : ndarray of int, shape (n_soundings,)
        LM runs made for each sounding (1 + its restarts).  ``iterations``,
        ``forward_calls`` and ``jacobian_calls`` add up all of its runs.
    """

    models: np.ndarray
    predicted: np.ndarray
    rms: np.ndarray
    iterations: np.ndarray
    forward_calls: np.ndarray
    jacobian_calls: np.ndarray
    status: np.ndarray
    starts: np.ndarray | None = None

    def __post_init__(self):
        if self.starts is None:
            self.starts = np.ones(len(self.models), dtype=np.int64)

    @property
    def converged(self):
        """Boolean mask, shape (n_soundings,): the target misfit was reached.

        All False without a target (the default): soundings then end
        ``STALLED``, at the least-squares minimum to ``ftol``/``xtol``.
        """
        return self.status == CONVERGED

    def __len__(self):
        return len(self.models)


def search_bounds(space, widen=0.0, positive=None):
    """Search box in unit coordinates ``u`` (prior box = [0, 1] per parameter).

    Parameters
    ----------
    space : geoinv.ModelSpace
    widen : float or array_like, shape (n_params,)
        Box widths of the declared scale added on each side of the prior
        box, >= 0 (:meth:`geoinv.ModelSpace.widened`).  ``0.5`` on a log10
        box 1..1000 ohm.m searches 10**-1.5..10**4.5 ohm.m.
    positive : array_like of bool, shape (n_params,), optional
        Parameters that must stay > 0 (``forward.positive``); only matters for
        linear parameters.

    Returns
    -------
    u_low, u_high : ndarray, shape (n_params,)
        The widened box, its lower bounds raised to keep linear parameters
        above ``space.lower_limit`` (and 0 where ``positive``).

    Raises
    ------
    ValueError
        If ``widen`` is negative or not finite.
    """
    u_low, u_high = space.widened(widen, unit=True)
    limit = np.where(space.log, -np.inf, space.lower_limit)
    if positive is not None:
        limit = np.where(~space.log & np.asarray(positive, dtype=bool), np.maximum(limit, 0.0),
                         limit)
    finite = np.isfinite(limit)
    u_limit = np.where(finite, space.scaled_to_unit(np.where(finite, limit, 0.0)) + _LIMIT_MARGIN,
                       -np.inf)
    return np.maximum(u_low, u_limit), u_high


class _Problem:
    """What the iteration needs to know: maps between u and m, residuals, J."""

    def __init__(self, forward, space, data, sigma, log_data, fd_step, use_analytic):
        self.forward = forward
        self.space = space
        self.width = space.scaled_high - space.scaled_low
        self.log_data = log_data
        self.fd_step = fd_step
        self.use_analytic = use_analytic
        self.data = data
        self.sigma = sigma
        # residual space: g(d) and its standard deviation s (W_d = 1 / s).  sigma
        # is in the forward model's error space; where data_scale asks for
        # another space it is carried there to first order.
        safe = np.where(log_data, np.abs(data), 1.0)
        self.g_obs = np.where(log_data, np.log10(np.where(log_data, safe, 1.0)), data)
        error_log = forward.data_log_mask
        s = sigma_to_error_space(sigma, data, log_data & ~error_log)
        self.s = sigma_to_data_space(s, data, error_log & ~log_data)

    def subset(self, rows):
        """The same problem restricted to the soundings ``rows``."""
        sub = object.__new__(_Problem)
        sub.__dict__.update(self.__dict__)
        for name in ("data", "sigma", "g_obs", "s"):
            setattr(sub, name, getattr(self, name)[rows])
        return sub

    def models(self, u):
        return self.space.from_unit(u)

    def g(self, predicted):
        """g(f): log10 on log columns; non-positive values there give NaN."""
        with np.errstate(divide="ignore", invalid="ignore"):
            logged = np.log10(np.where(predicted > 0, predicted, np.nan))
        return np.where(self.log_data, logged, predicted)

    def residual(self, rows, predicted):
        """Weighted residual r = W_d (g(d) - g(f)), (len(rows), n_data)."""
        return (self.g_obs[rows] - self.g(predicted)) / self.s[rows]


def _rms(r):
    """RMS of weighted residuals, per sounding: sqrt(mean(r**2)) = sqrt(2 phi / n_data)."""
    return np.sqrt(np.mean(r**2, axis=1))


def _resolve_target(target_rms, n_data, n_params):
    """The target RMS as a number: 0 for none (to the minimum), the chi-square rule for "chi2"."""
    if target_rms is None:
        return 0.0
    if isinstance(target_rms, str):
        if target_rms != "chi2":
            raise ValueError(f"target_rms must be None, a number >= 0 or 'chi2'; got "
                             f"{target_rms!r}")
        return float(np.sqrt(max(n_data - n_params, 0) / n_data))
    return check_float(target_rms, "target_rms", 0.0)


def damped_least_squares(forward, space, data, sigma, m0, *, widen=0.0, target_rms=None,
                         max_iter=50, n_restarts=0, restart_rms=FIT_THRESHOLD, rng=None,
                         data_scale="auto", jacobian="auto", fd_step=1e-5, mu0=1e-3, ftol=1e-8,
                         xtol=1e-8):
    """Damped least-squares (Levenberg-Marquardt) inversion of a batch of soundings.

    See the module docstring for the objective, the scale of the unknowns,
    the bounds, the damping update, the stopping rules and the unit of
    ``forward_calls``.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
        ``simulate(models)``; optionally ``jacobian(models)`` returning
        ``d data / d models``, shape (n, n_data, n_params), physical units.
    space : geoinv.ModelSpace
        Prior box; fixes the scale of each parameter and, with ``widen``, the
        search box.
    data : array_like, shape (n_soundings, n_data)
        Observed data, physical units; > 0 on log-scaled columns.
    sigma : array_like, shape (n_soundings, n_data) or broadcastable
        Standard deviation of each datum in its error space (decades on the
        forward model's log10 columns, data units elsewhere), > 0.
    m0 : array_like, shape (n_soundings, n_params) or (n_params,)
        Starting models, physical units; clipped into the search box.
    widen : float or array_like, shape (n_params,)
        Widening of the search box beyond the prior box, in box widths of
        the declared scale, on each side (0: the prior bounds).
    target_rms : None, float or "chi2"
        None or 0 (default): no target, iterate to the least-squares
        minimum.  A number: stop a sounding once its RMS misfit is <= it
        (chi-square <= n_data target_rms**2).  ``"chi2"``: stop at
        chi-square <= n_data - n_params (RMS ``sqrt((n_data - n_params) /
        n_data)``).  See "Target misfit" in the module docstring.
    max_iter : int
        Maximum number of iterations per sounding and run.
    n_restarts : int
        Restarts for soundings whose best RMS misfit is still above
        ``restart_rms`` after a run (a local minimum: in a three-layer VES
        the middle layer often vanishes).  Each restart is one batched run
        over those soundings, from models drawn uniformly (in ``u``) in the
        search box; the model of lowest misfit is kept.
    restart_rms : float
        Misfit above which a sounding is restarted (default
        ``FIT_THRESHOLD`` = 1.2, :mod:`geoinv.inversion.misfit`).
    rng : numpy.random.Generator or int or None
        Draws the restart models (only used if ``n_restarts > 0``).
    data_scale : {"auto", "log", "linear"}
        Residual space: ``"auto"`` takes log10 on ``forward.data_log_mask``
        columns, ``"log"`` on all, ``"linear"`` on none.
    jacobian : {"auto", "fd", "analytic"}
        ``"auto"`` uses ``forward.jacobian`` if it exists, else finite
        differences.
    fd_step : float
        Finite-difference step in box widths of the declared scale (1e-5 on
        a 3-decade box changes rho by 7e-5 relative: truncation error ~1e-5
        relative, round-off ~1e-12).
    mu0 : float
        Initial damping relative to ``max(diag(J^T J))``.
    ftol : float
        Stall when an accepted step lowers phi by less than ``ftol * phi``
        (the default 1e-8 places the minimum to ~1e-4 of a standard
        deviation of each well-resolved parameter; 1e-3, the setting of
        the method comparison, stops much earlier).
    xtol : float
        Stall when the step is shorter than ``xtol * (|u| + xtol)``.

    Returns
    -------
    LSQResult

    Raises
    ------
    ValueError
        Naming the bad argument and rows: wrong shapes, non-finite data,
        ``sigma <= 0``, data <= 0 on a log column, a bad setting.

    Examples
    --------
    >>> import numpy as np
    >>> from geoinv import ModelSpace, Parameter
    >>> from geoinv.forward import VES
    >>> ves = VES(np.geomspace(1, 300, 20), n_layers=2)
    >>> space = ModelSpace([Parameter("rho_1", "ohm.m", 1, 1000),
    ...                     Parameter("rho_2", "ohm.m", 1, 1000), Parameter("h_1", "m", 1, 50)])
    >>> d = ves.simulate([[100.0, 10.0, 5.0]])
    >>> sigma = 0.01                      # decades on rho_a (2.3 %)
    >>> res = damped_least_squares(ves, space, d, sigma, [[50.0, 50.0, 10.0]],
    ...                            target_rms=1e-3)
    >>> res.models.round(3).tolist(), bool(res.converged[0])
    ([[100.0, 10.0, 5.0]], True)
    >>> best = damped_least_squares(ves, space, d, sigma, [[50.0, 50.0, 10.0]])  # to the minimum
    >>> best.models.round(6).tolist(), bool(best.rms[0] < 1e-6)
    ([[100.0, 10.0, 5.0]], True)
    """
    data, sigma, u0, log_data = _check_inputs(forward, space, data, sigma, m0, data_scale)
    target_rms = _resolve_target(target_rms, forward.n_data, forward.n_params)
    for name, value in (("restart_rms", restart_rms), ("ftol", ftol), ("xtol", xtol)):
        check_float(value, name, 0.0)
    for name, value in (("fd_step", fd_step), ("mu0", mu0)):
        check_float(value, name, 0.0, low_open=True)
    check_int(max_iter, "max_iter", 0)
    check_int(n_restarts, "n_restarts", 0)
    check_choice(jacobian, "jacobian", ("auto", "fd", "analytic"))
    has_analytic = callable(getattr(forward, "jacobian", None))
    if jacobian == "analytic" and not has_analytic:
        raise ValueError(f"jacobian='analytic' but {type(forward).__name__} has no jacobian method")
    use_analytic = has_analytic and jacobian != "fd"

    u_low, u_high = search_bounds(space, widen, forward.positive)
    prob = _Problem(forward, space, data, sigma, log_data, fd_step, use_analytic)
    settings = dict(target_rms=target_rms, max_iter=max_iter, mu0=mu0, ftol=ftol, xtol=xtol)
    rows = np.arange(len(data))
    result = _lm_run(prob, rows, np.clip(u0, u_low, u_high), u_low, u_high, **settings)
    if n_restarts:
        rng = as_generator(rng)
    for _ in range(n_restarts):
        again = np.flatnonzero(~(result.rms <= restart_rms))      # NaN: unphysical start
        if not again.size:
            break
        u_start = u_low + rng.random((again.size, len(u_low))) * (u_high - u_low)
        rerun = _lm_run(prob, again, u_start, u_low, u_high, **settings)
        old = result.rms[again]
        better = (rerun.rms < old) | (np.isnan(old) & ~np.isnan(rerun.rms))
        for name in ("iterations", "forward_calls", "jacobian_calls", "starts"):
            getattr(result, name)[again] += getattr(rerun, name)
        keep = again[better]
        for name in ("models", "predicted", "rms", "status"):
            getattr(result, name)[keep] = getattr(rerun, name)[better]
    return result


def levenberg_marquardt(*args, **kwargs):
    """Deprecated name of :func:`damped_least_squares` (kept through 0.2, removed in 0.3).

    Renamed because ``geoinv.nn.training.LevenbergMarquardt`` trains network
    weights, while this function inverts earth models.
    """
    warnings.warn("geoinv.levenberg_marquardt is now geoinv.damped_least_squares; the old name "
                  "goes in 0.3", DeprecationWarning, stacklevel=2)
    return damped_least_squares(*args, **kwargs)


def _lm_run(prob, rows, u0, u_low, u_high, *, target_rms, max_iter, mu0, ftol, xtol):
    """One LM run for the soundings ``rows`` of ``prob`` from ``u0`` (inside the box).

    Returns an LSQResult over ``rows`` (in that order).
    """
    prob = prob.subset(rows)
    forward, data = prob.forward, prob.data
    n, p = u0.shape

    out_u = u0.copy()
    out_pred = np.full(data.shape, np.nan)
    out_rms = np.full(n, np.nan)
    iterations = np.zeros(n, dtype=np.int64)
    calls = np.zeros(n, dtype=np.int64)
    jac_calls = np.zeros(n, dtype=np.int64)
    status = np.full(n, MAX_ITER, dtype=np.int64)

    # -- start: simulate every physical starting model (one call) -------------
    ok = forward.valid_rows(prob.models(u0))
    status[~ok] = UNPHYSICAL_START
    rows = np.flatnonzero(ok)
    u = u0[rows]
    F = forward.simulate(prob.models(u)) if rows.size else np.empty((0, data.shape[1]))
    calls[rows] += 1
    r = prob.residual(rows, F)
    phi = 0.5 * np.sum(r**2, axis=1)
    rms = _rms(r)
    J = np.empty((rows.size, data.shape[1], p))
    need_J = np.ones(rows.size, dtype=bool)
    mu = np.full(rows.size, np.nan)
    nu = np.full(rows.size, 2.0)
    mu_start = np.full(rows.size, np.nan)

    def retire(keep_mask, code_of_leaving):
        """Write leaving soundings to the outputs, keep the rest."""
        nonlocal rows, u, F, r, phi, rms, J, need_J, mu, nu, mu_start
        leaving = ~keep_mask
        idx = rows[leaving]
        out_u[idx], out_pred[idx], out_rms[idx] = u[leaving], F[leaving], rms[leaving]
        status[idx] = code_of_leaving[leaving]
        rows, u, F, r, phi, rms, J = (a[keep_mask] for a in (rows, u, F, r, phi, rms, J))
        need_J, mu, nu, mu_start = (a[keep_mask] for a in (need_J, mu, nu, mu_start))

    # a start whose residual is not finite (e.g. data <= 0 on a log column)
    # cannot be iterated from: reported like an unphysical start
    finite = np.isfinite(phi)
    code = np.where(~finite, UNPHYSICAL_START,
                    np.where(rms <= target_rms, CONVERGED, MAX_ITER))
    retire(finite & (rms > target_rms) & (max_iter > 0), code)

    eye = np.eye(p)
    while rows.size:
        # -- Jacobian where the model moved: ONE batched call --------------------
        if need_J.any():
            k = np.flatnonzero(need_J)
            J[k] = _jacobian(prob, rows[k], u[k], F[k], u_low, u_high, calls, jac_calls)
            need_J[:] = False
        A = J.transpose(0, 2, 1) @ J                      # (n, p, p)
        g = np.einsum("nij,ni->nj", J, r)                  # J^T r, descent direction
        fresh = np.isnan(mu)
        if fresh.any():
            mu[fresh] = mu0 * np.maximum(np.einsum("nii->ni", A[fresh]).max(axis=1), 1e-300)
            mu_start[fresh] = mu[fresh]

        # -- active set: freeze parameters on a bound that pull outward ----------
        free = ~(((u <= u_low) & (g < 0)) | ((u >= u_high) & (g > 0)))
        both = free[:, :, None] & free[:, None, :]
        A_free = np.where(both, A, 0.0) + (~free)[:, :, None] * eye
        g_free = np.where(free, g, 0.0)
        # mu is kept >= 1e-12 max(diag): A + mu I stays safely positive definite
        diag_max = np.einsum("nii->ni", A_free).max(axis=1)
        mu = np.maximum(mu, np.maximum(_MU_FLOOR * diag_max, 1e-300))
        du = np.linalg.solve(A_free + mu[:, None, None] * eye, g_free[:, :, None])[:, :, 0]
        u_trial = np.clip(u + du, u_low, u_high)
        du = u_trial - u
        Jdu = np.einsum("nij,nj->ni", J, du)
        predicted_gain = np.einsum("ni,ni->n", du, g) - 0.5 * np.sum(Jdu**2, axis=1)

        # -- trial models: ONE batched call --------------------------------------
        m_trial = prob.models(u_trial)
        valid = forward.valid_rows(m_trial)
        F_trial = np.full(F.shape, np.nan)
        if valid.any():
            F_trial[valid] = forward.simulate(m_trial[valid])
        calls[rows[valid]] += 1
        iterations[rows] += 1
        r_trial = prob.residual(rows, F_trial)
        phi_trial = 0.5 * np.sum(r_trial**2, axis=1)
        accept = valid & np.isfinite(phi_trial) & (phi_trial < phi)

        # -- damping update (Nielsen) --------------------------------------------
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = np.where(predicted_gain > 0, (phi - phi_trial) / predicted_gain, 0.0)
        small_gain = accept & (phi - phi_trial < ftol * phi)
        mu = np.where(accept, mu * np.maximum(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3), mu * nu)
        nu = np.where(accept, 2.0, 2.0 * nu)
        u = np.where(accept[:, None], u_trial, u)
        F = np.where(accept[:, None], F_trial, F)
        r = np.where(accept[:, None], r_trial, r)
        phi = np.where(accept, phi_trial, phi)
        rms = np.where(accept, _rms(r), rms)
        need_J = accept.copy()

        # -- who stops ---------------------------------------------------------------
        step = np.sqrt(np.sum(du**2, axis=1))
        tiny_step = step <= xtol * (np.sqrt(np.sum(u**2, axis=1)) + xtol)
        stalled = small_gain | tiny_step | (mu > _MU_GROWTH_LIMIT * mu_start)
        done_iter = iterations[rows] >= max_iter
        code = np.where(rms <= target_rms, CONVERGED,
                        np.where(stalled, STALLED, MAX_ITER))
        retire(~((rms <= target_rms) | stalled | done_iter), code)

    models = prob.models(out_u)
    return LSQResult(models, out_pred, out_rms, iterations, calls, jac_calls, status)


def weighted_jacobian(forward, space, data, sigma, models, *, data_scale="auto", fd_step=1e-5,
                      jacobian="auto"):
    """The weighted Jacobian ``J = W_d d g(f) / d u`` that the iteration uses.

    Useful to judge resolution: the linearised model covariance in box widths
    is ``inv(J^T J)`` (:func:`geoinv.inversion.uncertainty.linearised_uncertainty`
    gives it in the declared scale).

    Parameters
    ----------
    forward, space, data, sigma, data_scale, fd_step, jacobian
        As in :func:`damped_least_squares`.
    models : array_like, shape (n_soundings, n_params)
        Where to evaluate J, physical units.

    Returns
    -------
    J : ndarray, shape (n_soundings, n_data, n_params)
        Per unit of ``u`` (one box width of the declared scale).
    """
    data, sigma, u, log_data = _check_inputs(forward, space, data, sigma, models, data_scale)
    use_analytic = callable(getattr(forward, "jacobian", None)) and jacobian != "fd"
    prob = _Problem(forward, space, data, sigma, log_data, fd_step, use_analytic)
    rows = np.arange(len(u))
    F = forward.simulate(prob.models(u))
    dummy = np.zeros(len(u), dtype=np.int64)
    return _jacobian(prob, rows, u, F, np.full(u.shape[1], -np.inf), np.full(u.shape[1], np.inf),
                     dummy, dummy.copy())


def _jacobian(prob, rows, u, F, u_low, u_high, calls, jac_calls):
    """Weighted Jacobian (len(rows), n_data, p) at u with data F; counts calls."""
    m, p = u.shape
    if prob.use_analytic:
        models = prob.models(u)
        dF_dm = np.asarray(prob.forward.jacobian(models), dtype=np.float64)
        jac_calls[rows] += 1
        dm_du = prob.width * np.where(prob.space.log, _LN10 * models, 1.0)      # (m, p)
        with np.errstate(divide="ignore", invalid="ignore"):
            dg_dF = np.where(prob.log_data, 1.0 / (_LN10 * F), 1.0)             # (m, n_data)
            J = dF_dm * dm_du[:, None, :] * (dg_dF / prob.s[rows])[:, :, None]
        return np.where(np.isfinite(J), J, 0.0)          # no information: zero entry

    h = np.full((m, p), prob.fd_step)
    h = np.where(u + h > u_high, -h, h)                 # stay inside the search box
    U = u[:, None, :] + h[:, :, None] * np.eye(p)       # (m, p, p): row j perturbs u_j
    models = prob.models(U.reshape(m * p, p))
    ok = prob.forward.valid_rows(models).reshape(m, p)
    if not ok.all():                                    # try the other side where unphysical
        h = np.where(ok, h, -h)
        U = u[:, None, :] + h[:, :, None] * np.eye(p)
        models = prob.models(U.reshape(m * p, p))
        ok = prob.forward.valid_rows(models).reshape(m, p)
    Fp = np.full((m * p, F.shape[1]), np.nan)
    flat_ok = ok.ravel()
    if flat_ok.any():
        Fp[flat_ok] = prob.forward.simulate(models[flat_ok])
    calls[rows] += ok.sum(axis=1)
    dg = (prob.g(Fp).reshape(m, p, -1) - prob.g(F)[:, None, :]) / h[:, :, None]
    dg = np.where(ok[:, :, None] & np.isfinite(dg), dg, 0.0)   # no information: zero entry
    return (dg / prob.s[rows][:, None, :]).transpose(0, 2, 1)


def _check_inputs(forward, space, data, sigma, m0, data_scale):
    """Shapes, finiteness and signs; returns data, sigma, u0, log mask."""
    if space.n_params != forward.n_params:
        raise ValueError(f"space has {space.n_params} parameters but {type(forward).__name__} "
                         f"has {forward.n_params}")
    data = np.asarray(data, dtype=np.float64)
    if data.ndim == 1:
        data = data[np.newaxis, :]
    if data.ndim != 2 or data.shape[1] != forward.n_data:
        raise ValueError(f"data must have shape (n_soundings, {forward.n_data}); "
                         f"got {np.shape(data)}")
    try:
        sigma = np.broadcast_to(np.asarray(sigma, dtype=np.float64), data.shape).copy()
    except ValueError:
        raise ValueError(f"sigma of shape {np.shape(sigma)} does not broadcast to data "
                         f"{data.shape}") from None
    m0 = np.asarray(m0, dtype=np.float64)
    if m0.ndim == 1:
        m0 = np.broadcast_to(m0, (len(data), m0.size))
    if m0.shape != (len(data), forward.n_params):
        raise ValueError(f"m0 must have shape ({len(data)}, {forward.n_params}) "
                         f"(one model per sounding); got {m0.shape}")
    if data_scale == "auto":
        log_data = forward.data_log_mask
    elif data_scale in ("log", "linear"):
        log_data = np.full(forward.n_data, data_scale == "log")
    else:
        raise ValueError(f"data_scale must be 'auto', 'log' or 'linear', got {data_scale!r}")
    checks = [
        (~np.isfinite(data).all(axis=1), "data", "hold NaN or infinite values"),
        (~(np.isfinite(sigma) & (sigma > 0)).all(axis=1), "sigma", "must be finite and > 0"),
        ((data[:, log_data] <= 0).any(axis=1), "data",
         "are <= 0 on a log10-scaled column (use data_scale='linear')"),
        (~np.isfinite(m0).all(axis=1), "m0", "hold NaN or infinite values"),
        ((m0[:, space.log] <= 0).any(axis=1), "m0", "are <= 0 on a log parameter"),
    ]
    for bad, name, problem in checks:
        if bad.any():
            raise ValueError(f"{name} rows {format_rows(np.flatnonzero(bad))} {problem}")
    return data, sigma, space.to_unit(m0), log_data
