"""The misfit of a sounding in its data's error space, and its linearisation.

One convention for every method that weighs data by their errors, the same
as :mod:`geoinv.inversion.least_squares`: the residual of datum ``i`` is ::

    r_i = (g(d_i) - g(f_i(m))) / s_i,

with ``g = log10`` on the columns of ``forward.data_log_mask`` (apparent
resistivities, whose errors are relative) and the identity elsewhere
(phases), and ``s_i = sigma_i`` the standard deviation given in that error
space (decades on log columns; :mod:`geoinv.prior.noise` states the
convention).  Then

* ``chi2 = sum r_i**2`` is twice the objective ``phi`` that damped least
  squares minimise, and ``-chi2 / 2`` the Gaussian log-likelihood the
  posterior samples (:mod:`geoinv.inversion.posterior`);
* ``(J^T J)^-1`` with ``J = d r / d u`` at a least-squares solution is the
  linearised (Laplace) posterior covariance.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_choice, check_float
from .least_squares import weighted_jacobian

__all__ = ["error_space", "chi_square", "linearised_covariance", "log_data_mask"]

_LN10 = np.log(10.0)


def error_space(forward, data, sigma, *, data_scale="auto"):
    """The data and their standard deviations in the space the misfit is measured in.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
        Its ``data_log_mask`` marks the columns measured in log10.
    data : array_like, shape (..., n_data)
        Observed data, physical units; > 0 on log columns.
    sigma : array_like, broadcastable to ``data``
        Standard deviations in the error space (decades on log columns), > 0.
    data_scale : {"auto", "log", "linear"}
        As in :func:`geoinv.inversion.least_squares.levenberg_marquardt`.

    Returns
    -------
    g_obs : ndarray, shape of ``data``
        log10 of the data on log columns, the data elsewhere.
    s : ndarray, shape of ``data``
        ``sigma`` as given (decades on log columns).
    log_data : ndarray of bool, shape (n_data,)
    """
    log_data = log_data_mask(forward, data_scale)
    data = np.asarray(data, dtype=np.float64)
    sigma = np.broadcast_to(np.asarray(sigma, dtype=np.float64), data.shape)
    safe = np.where(log_data, np.abs(data), 1.0)
    g_obs = np.where(log_data, np.log10(np.where(log_data, safe, 1.0)), data)
    return g_obs, np.array(sigma), log_data


def chi_square(forward, data, sigma, predicted, *, data_scale="auto"):
    """Weighted misfit ``chi2 = sum(((g(d) - g(f)) / s)**2)`` of predicted data.

    The same misfit as the damped least squares minimise (``chi2 = 2 phi``,
    :mod:`geoinv.inversion.least_squares`); the log-likelihood of the
    posterior is ``-chi2 / 2``.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
    data : array_like, shape (n_soundings, n_data)
    sigma : array_like, broadcastable to ``data``
    predicted : array_like, shape (n_soundings, n_data) or (n_soundings, k, n_data)
        Simulated data of one or ``k`` models per sounding.
    data_scale : {"auto", "log", "linear"}

    Returns
    -------
    chi2 : ndarray, shape (n_soundings,) or (n_soundings, k)
        ``inf`` where a predicted datum is not finite or <= 0 on a log column.

    Examples
    --------
    >>> import numpy as np
    >>> from geoinv.forward import VES
    >>> ves = VES(np.geomspace(1, 100, 10), n_layers=2)
    >>> d = ves.simulate([[100.0, 10.0, 5.0]])
    >>> sigma = np.log10(1.02)                  # a 2 % error, in decades (error space)
    >>> round(float(chi_square(ves, d, sigma, 1.02 * d)[0]), 3)   # 1 sigma off: 1 per datum
    10.0
    """
    g_obs, s, log_data = error_space(forward, data, sigma, data_scale=data_scale)
    predicted = np.asarray(predicted, dtype=np.float64)
    if predicted.ndim == 3:
        g_obs, s = g_obs[:, None, :], s[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(log_data, np.log10(np.where(predicted > 0, predicted, np.nan)), predicted)
        chi2 = np.sum(((g_obs - g) / s) ** 2, axis=-1)
    return np.where(np.isfinite(chi2), chi2, np.inf)


def linearised_covariance(forward, space, data, sigma, models, *, damping=0.0,
                          data_scale="auto"):
    """Linearised posterior covariance ``(J^T J + damping I)^-1`` in the declared scale.

    ``J`` is the weighted Jacobian of the least-squares misfit
    (:func:`least_squares.weighted_jacobian`, per box width of the declared
    scale), so with ``damping = 0`` this is the classical covariance
    ``(G^T C_d^-1 G)^-1`` of the model at a least-squares solution, mapped
    to the declared scale (decades for log parameters).  ``damping > 0``
    adds a Gaussian prior of ``1 / sqrt(damping)`` box widths on every
    parameter; without it a direction the data do not see has an infinite
    (here: huge) variance.

    Parameters
    ----------
    forward, space, data, sigma
        As in :func:`sample_posterior`.
    models : array_like, shape (n_soundings, n_params)
        Where to linearise (e.g. the LM solutions), physical units.
    damping : float
        >= 0, per squared box width.
    data_scale : {"auto", "log", "linear"}

    Returns
    -------
    cov : ndarray, shape (n_soundings, n_params, n_params)
        Declared scale (log10 units for log parameters).
    """
    damping = check_float(damping, "damping", 0.0)
    J = weighted_jacobian(forward, space, data, sigma, models, data_scale=data_scale)
    A = J.transpose(0, 2, 1) @ J + damping * np.eye(space.n_params)
    # eigen-decomposition: a singular J^T J gives a huge, not a failing, variance
    values, vectors = np.linalg.eigh(A)
    values = np.maximum(values, 1e-12 * np.maximum(values[:, -1:], 1e-300))
    cov_u = (vectors / values[:, None, :]) @ vectors.transpose(0, 2, 1)
    width = space.scaled_high - space.scaled_low
    return cov_u * width[:, None] * width[None, :]


def log_data_mask(forward, data_scale="auto"):
    """Columns whose residual is taken in log10, shape (n_data,).

    ``"auto"``: ``forward.data_log_mask``; ``"log"``: all; ``"linear"``: none.
    """
    check_choice(data_scale, "data_scale", ("auto", "log", "linear"))
    if data_scale == "auto":
        return forward.data_log_mask
    return np.full(forward.n_data, data_scale == "log")
