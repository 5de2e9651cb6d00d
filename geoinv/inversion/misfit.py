"""How well a model explains the data: the RMS misfit and what counts as a fit.

Every inversion method here is judged by the same per-sounding misfit of the
data simulated from its model, in the error space of each datum (log10 for
apparent resistivity; the convention of :mod:`geoinv.prior.noise`),

    rms = sqrt(mean(((g(d_obs) - g(d_pred)) / sigma)**2))    (1 = fits to the errors),

with ``g = log10`` on the forward model's ``data_log_mask`` columns (and
``sigma`` in decades there) and ``g`` the identity elsewhere (``sigma`` in
the data's unit).  A sounding counts as fitted when ``rms <=
FIT_THRESHOLD``.  Damped least squares minimises and reports it, restarts
above the threshold, the OOD detector scores it, and
:mod:`geoinv.evaluation` summarises it; all of them use these functions.
Models the forward model rejects as unphysical are not simulated
(:func:`simulate_valid` gives NaN rows).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..prior.noise import as_log_mask, to_error_space

__all__ = ["FIT_THRESHOLD", "rms_misfit", "data_misfit", "simulate_valid"]

FIT_THRESHOLD = 1.2
"""An RMS misfit at or below this counts as fitting the data to the noise."""


def rms_misfit(data, predicted, sigma, log_mask=None):
    """RMS misfit in standard deviations, per sounding, in each datum's error space.

    Parameters
    ----------
    data, predicted : ndarray, shape (n_soundings, n_data)
        Observed and predicted data, physical units.
    sigma : ndarray, shape (n_soundings, n_data) or broadcastable
        Standard deviations in the error space of each datum (decades on log
        columns, data units elsewhere).
    log_mask : array_like of bool, shape (n_data,), or a forward model
        Columns whose error space is log10 (``forward.data_log_mask``; a
        forward model may be passed itself).  Omitting it treats every
        column as linear and warns (DeprecationWarning; required from 0.3):
        pass ``False`` for data without log columns.

    Returns
    -------
    rms : ndarray, shape (n_soundings,)
        ``sqrt(mean(((g(data) - g(predicted)) / sigma)**2, axis=1))`` with
        ``g = log10`` on log columns; NaN where a sigma is not > 0, a
        predicted row is NaN, or a log-column value is <= 0.

    Examples
    --------
    A prediction one sigma (0.01 decade) off on every datum has RMS 1:

    >>> d = np.array([[100.0, 10.0]])
    >>> round(float(rms_misfit(d, d * 10**0.01, 0.01, log_mask=True)[0]), 12)
    1.0
    """
    log = _log_mask(log_mask, np.shape(data)[-1], "rms_misfit")
    if log.any():
        data, predicted = to_error_space(data, log), to_error_space(predicted, log)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(sigma > 0, (data - predicted) / sigma, np.nan)
        return np.sqrt(np.mean(r**2, axis=1))


def data_misfit(data_obs, data_pred, sigma, log_mask=None):
    """Per-sounding misfits between observed and predicted data.

    Parameters
    ----------
    data_obs, data_pred : array_like, shape (n_samples, n_data)
        Physical units.
    sigma : array_like, shape (n_samples, n_data)
        Standard deviations in each datum's error space.
    log_mask : array_like of bool, shape (n_data,), or a forward model
        As in :func:`rms_misfit`.

    Returns
    -------
    rms : ndarray, shape (n_samples,)
        :func:`rms_misfit`, in the error space of each datum (log10 for
        apparent resistivity); NaN where a sigma is 0.
    rel : ndarray, shape (n_samples,)
        Mean relative misfit |d_pred - d_obs| / |d_obs| (linear, whatever
        the error space).
    """
    data_obs = np.asarray(data_obs, dtype=np.float64)
    data_pred = np.asarray(data_pred, dtype=np.float64)
    sigma = np.asarray(sigma, dtype=np.float64)
    log = _log_mask(log_mask, data_obs.shape[-1], "data_misfit")
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.mean(np.abs(data_pred - data_obs) / np.abs(data_obs), axis=1)
    return rms_misfit(data_obs, data_pred, sigma, log), rel


def _log_mask(log_mask, n_data, caller):
    """The mask of log columns; warns when it was not given."""
    if log_mask is None:
        warnings.warn(f"{caller} without log_mask treats every data column as linear; pass "
                      "log_mask=forward.data_log_mask (or False): it is required from 0.3",
                      DeprecationWarning, stacklevel=3)
    return as_log_mask(log_mask, n_data)


def simulate_valid(forward, models):
    """Simulate the models the forward model accepts; NaN rows for the rest.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
    models : array_like, shape (n_samples, n_params)

    Returns
    -------
    data : ndarray, shape (n_samples, n_data)
    """
    models = np.atleast_2d(np.asarray(models, dtype=np.float64))
    ok = forward.valid_rows(models)
    data = np.full((len(models), forward.n_data), np.nan)
    if ok.any():
        data[ok] = forward.simulate(models[ok])
    return data
