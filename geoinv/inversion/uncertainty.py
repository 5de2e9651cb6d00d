"""Linearised uncertainty of a least-squares model: standard deviations and correlations.

At the solution ``m`` of damped least squares
(:func:`geoinv.inversion.least_squares.damped_least_squares`) the data
misfit is, to second order, a quadratic bowl in the parameters.  With the
weighted Jacobian ``J = W_d d g(f) / d x`` (``W_d = diag(1 / sigma)``, ``g``
and ``sigma`` in the error space of each datum, :mod:`geoinv.prior.noise`)
taken with respect to the parameters in their declared scale ``x``
(log10 for log parameters, the unit for linear ones), the covariance of
``x`` for Gaussian data errors is ::

    C = (J^T J)^-1 = (G^T W_d^2 G)^-1,     G = d g(f) / d x,

its square-rooted diagonal the parameter standard deviations (decades for
log parameters) and ``C_ij / (s_i s_j)`` their correlations.  It is exact for
a problem linear in ``x`` (in the error space); for a VES it describes the
bowl near the minimum, not the far ends of an equivalence valley (in log10,
a correlation near +1 between the resistivity and the thickness of a thin
conductive layer says that only their ratio, the conductance h/rho, is
resolved; near -1 for a thin resistive layer, only their product h*rho).  No prior, no
damping: an unresolved parameter gets a large standard deviation.
"""

from __future__ import annotations

import numpy as np

from .least_squares import weighted_jacobian

__all__ = ["linearised_uncertainty"]

_RCOND = 1e-14      # eigenvalues below this times the largest: J^T J is singular


def linearised_uncertainty(forward, space, data, sigma, models, *, data_scale="auto",
                           jacobian="auto", fd_step=1e-5):
    """Parameter standard deviations and correlations from ``C = (J^T W^2 J)^-1``.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
    space : geoinv.ModelSpace
        Fixes the declared scale of each parameter.
    data : array_like, shape (n_soundings, n_data)
        Observed data, physical units (only their sign and, for
        ``data_scale`` other than ``"auto"``, their size matter).
    sigma : array_like, shape (n_soundings, n_data) or broadcastable
        Standard deviations in each datum's error space (decades on log
        columns), > 0.
    models : array_like, shape (n_soundings, n_params)
        Where to linearise (the least-squares solutions), physical units.
    data_scale, jacobian, fd_step
        As in :func:`geoinv.inversion.least_squares.damped_least_squares`.

    Returns
    -------
    std : ndarray, shape (n_soundings, n_params)
        Standard deviation of each parameter in its declared scale (decades
        for log parameters, the unit for linear ones).  NaN for a sounding
        whose ``J^T J`` is singular (a parameter without any sensitivity).
    corr : ndarray, shape (n_soundings, n_params, n_params)
        Correlation matrices (ones on the diagonal); NaN where ``std`` is.

    Examples
    --------
    Two data of one parameter, each 0.1 decade: the mean is known to
    0.1 / sqrt(2) decades.

    >>> import numpy as np
    >>> from geoinv import ModelSpace, Parameter
    >>> from geoinv.forward import ForwardModel
    >>> class Twice(ForwardModel):
    ...     parameter_names, parameter_units = ["rho"], ["ohm.m"]
    ...     data_names, data_units = ["d_1", "d_2"], ["ohm.m", "ohm.m"]
    ...     def _simulate(self, models):
    ...         return np.repeat(models, 2, axis=1)
    >>> space = ModelSpace([Parameter("rho", "ohm.m", 1, 1000)])
    >>> std, corr = linearised_uncertainty(Twice(), space, [[100.0, 100.0]], 0.1, [[100.0]])
    >>> round(float(std[0, 0]), 6), corr[0].tolist()
    (0.070711, [[1.0]])
    """
    J = weighted_jacobian(forward, space, data, sigma, models, data_scale=data_scale,
                          fd_step=fd_step, jacobian=jacobian)
    width = space.scaled_high - space.scaled_low            # du = dx / width
    J = J / width                                           # per unit of the declared scale
    A = J.transpose(0, 2, 1) @ J                            # (n, p, p)
    lam, V = np.linalg.eigh(A)
    singular = ~(lam[:, :1] > _RCOND * lam[:, -1:]).all(axis=1) | ~(lam[:, -1] > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_lam = np.where(singular[:, None], np.nan, 1.0 / lam)
    cov = (V * inv_lam[:, None, :]) @ V.transpose(0, 2, 1)
    std = np.sqrt(np.einsum("nii->ni", cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov / (std[:, :, None] * std[:, None, :])
    idx = np.arange(A.shape[1])
    corr[:, idx, idx] = np.where(singular[:, None], np.nan, 1.0)
    return std, corr
