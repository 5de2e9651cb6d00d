"""How well a model explains the data: the RMS misfit and what counts as a fit.

Every inversion method here is judged by the same per-sounding misfit of the
data simulated from its model,

    rms = sqrt(mean(((d_obs - d_pred) / sigma)**2))     (1 = fits to the noise),

and a sounding counts as fitted when ``rms <= FIT_THRESHOLD``.  Damped least
squares stops on it, restarts above the threshold, the OOD detector scores
it, and :mod:`geoinv.evaluation` summarises it; all of them use these
functions.  Models the forward model rejects as unphysical are not simulated
(:func:`simulate_valid` gives NaN rows).
"""

from __future__ import annotations

import numpy as np

__all__ = ["FIT_THRESHOLD", "rms_misfit", "data_misfit", "simulate_valid"]

FIT_THRESHOLD = 1.2
"""An RMS misfit at or below this counts as fitting the data to the noise."""


def rms_misfit(data, predicted, sigma):
    """RMS misfit in noise standard deviations, per sounding.

    Parameters
    ----------
    data, predicted, sigma : ndarray, shape (n_soundings, n_data)
        Observed data, predicted data and the noise standard deviations
        (data units).

    Returns
    -------
    rms : ndarray, shape (n_soundings,)
        ``sqrt(mean(((data - predicted) / sigma)**2, axis=1))``; NaN where a
        sigma is not > 0 or a predicted row is NaN.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(sigma > 0, (data - predicted) / sigma, np.nan)
        return np.sqrt(np.mean(r**2, axis=1))


def data_misfit(data_obs, data_pred, sigma):
    """Per-sounding misfits between observed and predicted data.

    Parameters
    ----------
    data_obs, data_pred, sigma : array_like, shape (n_samples, n_data)

    Returns
    -------
    rms : ndarray, shape (n_samples,)
        :func:`rms_misfit` (NaN where a sigma is 0).
    rel : ndarray, shape (n_samples,)
        Mean relative misfit |d_pred - d_obs| / |d_obs|.
    """
    data_obs = np.asarray(data_obs, dtype=np.float64)
    data_pred = np.asarray(data_pred, dtype=np.float64)
    sigma = np.asarray(sigma, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.mean(np.abs(data_pred - data_obs) / np.abs(data_obs), axis=1)
    return rms_misfit(data_obs, data_pred, sigma), rel


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
