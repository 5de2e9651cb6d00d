"""Network -> LM: refine the network's answer by damped least squares.

The network inverts a sounding in one forward pass but does not fit its data
to the noise; damped least squares (LM,
:func:`geoinv.inversion.least_squares.damped_least_squares`) fits them but
needs a starting model and many forward calls.  :func:`refine` starts LM
from the network's prediction: the network supplies the start, LM makes it
fit the data.  Three methods invert a sounding, named in ``metrics.csv`` by
the suffix ``@method`` (see :func:`geoinv.evaluation.compare_methods`):

``network``
    The trained BP network alone: one forward pass, no forward call.
``lm``
    LM from a generic start (:func:`generic_start`), which knows nothing
    but the data's level (:func:`invert_from_generic_start`).
``network_lm``
    LM from the network's prediction (:func:`refine`).

Both LM methods share every setting (``LM_DEFAULTS``): the search box (the
prior box widened by ``widen`` box widths of the declared scale on each
side, so that a model of an OOD sounding can leave the training box), no
target misfit (LM iterates to the least-squares minimum, so the answer does
not depend on the start within one valley; a target, e.g. ``target_rms=1``
or ``"chi2"``, is an option), and ``n_restarts`` batched restarts for
soundings still above ``FIT_THRESHOLD`` (RMS 1.2; local minima).  The misfit
is the RMS in the error space of each datum (log10 for apparent
resistivity), :mod:`geoinv.inversion.misfit`.

The method comparison of ``geoinv run``
(:func:`geoinv.evaluation.compare_methods`) measures what it costs to fit
synthetic soundings to the noise, so it stops each LM at RMS 1
(``COMPARE_LM_DEFAULTS``: target 1, ``ftol`` 1e-3); both LM methods still
share every setting, so their forward-call counts are comparable; the unit
is one simulated model (see :mod:`geoinv.inversion.least_squares`).

A model that fits the data (RMS <= 1.2) but lies outside the prior box is
itself evidence that the sounding was OOD (:func:`fitted_outside_box`).
"""

from __future__ import annotations

import numpy as np

from .least_squares import damped_least_squares, search_bounds
from .misfit import FIT_THRESHOLD

__all__ = ["METHODS", "LM_DEFAULTS", "COMPARE_LM_DEFAULTS", "generic_start", "refine", "invert_from_generic_start",
           "fitted_outside_box"]

METHODS = ("network", "lm", "network_lm")
"""Inversion methods, in the order :func:`geoinv.evaluation.compare_methods` runs them."""

LM_DEFAULTS = dict(widen=0.5, n_restarts=10, target_rms=None, restart_rms=FIT_THRESHOLD)
"""Settings both LM methods use unless told otherwise: to the least-squares minimum."""

COMPARE_LM_DEFAULTS = {**LM_DEFAULTS, "target_rms": 1.0, "ftol": 1e-3}
"""Settings of the method comparison: stop at RMS 1 (the cost of a fit to the noise)."""


def generic_start(forward, space, data, widen=LM_DEFAULTS["widen"]):
    """A starting model that knows nothing but the data's level.

    Every parameter starts at the centre of the prior box in the declared
    scale (unit coordinate 0.5), except parameters that have the unit of some data columns (the
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
        Box widths beyond the prior box of the search box the start is
        clipped to.

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
    x_low, x_high = space.unit_to_scaled(u_low), space.unit_to_scaled(u_high)
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
        Standard deviations in each datum's error space (decades on log
        columns; :mod:`geoinv.prior.noise`).
    models : array_like, shape (n_soundings, n_params), optional
        The network's predictions, if already computed.
    rng : numpy.random.Generator or int or None
        Draws the restart models.
    **lm_options
        Keyword arguments of
        :func:`geoinv.inversion.least_squares.damped_least_squares`;
        defaults ``LM_DEFAULTS`` (widen 0.5, 10 restarts, to the
        least-squares minimum; ``target_rms=1`` or ``"chi2"`` stops at a
        target misfit instead).

    Returns
    -------
    geoinv.inversion.least_squares.LSQResult
    """
    if models is None:
        models = inversion.predict(np.atleast_2d(data))
    options = {**LM_DEFAULTS, **lm_options}
    return damped_least_squares(inversion.forward, inversion.space, data, sigma, models, rng=rng,
                                **options)


def invert_from_generic_start(forward, space, data, sigma, *, rng=None, **lm_options):
    """Classical LM from :func:`generic_start`, same settings as :func:`refine`.

    Returns
    -------
    geoinv.inversion.least_squares.LSQResult
    """
    options = {**LM_DEFAULTS, **lm_options}
    m0 = generic_start(forward, space, data, widen=options["widen"])
    return damped_least_squares(forward, space, data, sigma, m0, rng=rng, **options)


def fitted_outside_box(space, models, rms, fit_rms=FIT_THRESHOLD):
    """Soundings fitted by a model outside the prior box: evidence of OOD.

    Parameters
    ----------
    space : geoinv.ModelSpace
        The training box.
    models : array_like, shape (n_soundings, n_params)
        Refined models, physical units.
    rms : array_like, shape (n_soundings,)
        Their RMS misfits (standard deviations, in each datum's error space).
    fit_rms : float
        Misfit counted as a fit.

    Returns
    -------
    ndarray of bool, shape (n_soundings,)
    """
    return (np.asarray(rms) <= fit_rms) & ~space.contains(models)
