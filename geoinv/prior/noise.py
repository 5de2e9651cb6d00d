"""Measurement errors: the error space of each datum, its noise and its sigma.

The convention (stated here once; misfits, damped least squares, the OOD
detector and the metrics refer to it)
----------------------------------------------------------------------
Error space
    Every datum has one.  It is log10 on the columns the forward model works
    in log10 (``forward.data_log_mask``: apparent resistivities of VES and
    MT, values that span decades) and linear, in the datum's own unit, on
    all other columns (MT phase in deg, g_z in mGal, dT in nT, sp in mV,
    t in s).  :func:`to_error_space` maps data into it: ``g(d) = log10(d)``
    on log columns, ``g(d) = d`` elsewhere.
Standard deviations
    are given IN the error space: decades on log columns, data units
    elsewhere.  :attr:`geoinv.prior.dataset.Dataset.sigma`, the ``sigma`` of
    every misfit and of damped least squares, and ``Survey.sigma_vector()``
    of the field-data readers hold them so.  A standard deviation in data
    units (or a relative error) goes into decades by the first-order
    (delta-method) rule of :mod:`geoinv.io.errors`,

        sigma_log10 = sigma / (ln 10 * |d|) = rel_err / ln 10

    (5 % is 0.0217 decades), and back by ``sigma = sigma_log10 ln 10 |d|``:
    :func:`sigma_to_error_space`, :func:`sigma_to_data_space`.
Noise
    is Gaussian in the error space: on log columns
    ``log10(d_noisy) = log10(d) + s z`` with ``z ~ N(0, 1)``, i.e.
    log-normal, so even a 0.4-decade error never makes a datum
    non-positive; elsewhere ``d_noisy = d + s z`` (:func:`add_noise`).
RMS misfit
    "in the error space of each datum (log10 for apparent resistivity)",

        rms = sqrt(mean(((g(d_obs) - g(d_pred)) / sigma)**2)),

    1 = the data are fitted to their errors
    (:func:`geoinv.inversion.misfit.rms_misfit`).

:class:`GaussianNoise` is an error model: an error level
``sigma = sqrt((relative |d|)**2 + absolute**2)`` in data units, taken into
decades on log columns by the rule above, or per-datum standard deviations
given directly in the error space (:meth:`GaussianNoise.from_sigma`, e.g. a
survey's errors driving the training noise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import format_rows
from .model_space import as_generator

__all__ = ["GaussianNoise", "LN10", "as_log_mask", "to_error_space", "sigma_to_error_space",
           "sigma_to_data_space", "add_noise"]

LN10 = float(np.log(10.0))
"""ln 10: d log10(d) = dd / (ln 10 * d)."""


def as_log_mask(log_mask, n_data):
    """The error space of each column as a boolean mask, shape (n_data,).

    Parameters
    ----------
    log_mask : bool, array_like of bool, shape (n_data,), a forward model, or None
        True where a column's error space is log10.  A forward model gives
        its ``data_log_mask``; None and False mean every column is linear.
    n_data : int

    Returns
    -------
    ndarray of bool, shape (n_data,)
    """
    if log_mask is None:
        log_mask = False
    mask = getattr(log_mask, "data_log_mask", log_mask)
    try:
        return np.broadcast_to(np.asarray(mask, dtype=bool), (n_data,)).copy()
    except ValueError:
        raise ValueError(f"log_mask of shape {np.shape(mask)} does not match {n_data} data "
                         "columns") from None


def to_error_space(data, log_mask):
    """Data in their error space: log10 on log columns, unchanged elsewhere.

    Parameters
    ----------
    data : array_like, shape (..., n_data)
    log_mask : see :func:`as_log_mask`

    Returns
    -------
    ndarray, shape (..., n_data)
        NaN where a log column holds a value <= 0 (or NaN).

    Examples
    --------
    >>> to_error_space([[100.0, 45.0]], [True, False]).tolist()
    [[2.0, 45.0]]
    """
    data = np.asarray(data, dtype=np.float64)
    log = as_log_mask(log_mask, data.shape[-1])
    if not log.any():
        return data
    out = data.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        values = out[..., log]
        out[..., log] = np.log10(np.where(values > 0, values, np.nan))
    return out


def sigma_to_error_space(sigma, data, log_mask):
    """Standard deviations in data units -> the error space (first order).

    ``sigma / (ln 10 |d|)`` decades on log columns; unchanged elsewhere.

    Parameters
    ----------
    sigma : array_like, broadcastable to ``data``
        Data units.
    data : array_like, shape (..., n_data)
        The values the sigmas belong to.
    log_mask : see :func:`as_log_mask`

    Returns
    -------
    ndarray, shape of ``data``

    Examples
    --------
    5 % of 100 ohm.m is 0.0217 decades:

    >>> sigma_to_error_space([[5.0]], [[100.0]], True).round(4).tolist()
    [[0.0217]]
    """
    data = np.asarray(data, dtype=np.float64)
    sigma = np.broadcast_to(np.asarray(sigma, dtype=np.float64), data.shape).copy()
    log = as_log_mask(log_mask, data.shape[-1])
    if log.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            sigma[..., log] = sigma[..., log] / (LN10 * np.abs(data[..., log]))
    return sigma


def sigma_to_data_space(sigma, data, log_mask):
    """Standard deviations in the error space -> data units (first order).

    ``sigma ln 10 |d|`` on log columns (the inverse of
    :func:`sigma_to_error_space`), unchanged elsewhere: e.g. for error bars
    drawn on linear axes.

    Parameters
    ----------
    sigma : array_like, broadcastable to ``data``
        Error space (decades on log columns).
    data : array_like, shape (..., n_data)
    log_mask : see :func:`as_log_mask`

    Returns
    -------
    ndarray, shape of ``data``
    """
    data = np.asarray(data, dtype=np.float64)
    sigma = np.broadcast_to(np.asarray(sigma, dtype=np.float64), data.shape).copy()
    log = as_log_mask(log_mask, data.shape[-1])
    if log.any():
        sigma[..., log] = sigma[..., log] * LN10 * np.abs(data[..., log])
    return sigma


def add_noise(clean, sigma, rng, log_mask):
    """Noisy data: Gaussian noise of ``sigma`` in each datum's error space.

    One standard normal ``z`` per datum (a single ``rng.standard_normal``
    call of the data's shape); ``d + sigma z`` on linear columns and
    ``d 10**(sigma z)`` (log-normal) on log columns.

    Parameters
    ----------
    clean : array_like, shape (n_samples, n_data)
        Noise-free data; > 0 on log columns.
    sigma : array_like, shape (n_samples, n_data)
        Standard deviations in the error space.
    rng : numpy.random.Generator
    log_mask : see :func:`as_log_mask`

    Returns
    -------
    ndarray, shape (n_samples, n_data)
        Positive on log columns.
    """
    clean = np.asarray(clean, dtype=np.float64)
    z = rng.standard_normal(clean.shape)
    noisy = clean + sigma * z
    log = as_log_mask(log_mask, clean.shape[-1])
    if log.any():
        noisy[..., log] = clean[..., log] * 10.0 ** (sigma[..., log] * z[..., log])
    return noisy


@dataclass(frozen=True)
class GaussianNoise:
    """Independent Gaussian noise in each datum's error space (module docstring).

    Parameters
    ----------
    relative : float or array_like, shape (n_data,)
        Standard deviation as a fraction of |d| (0.02 is 2 %), >= 0; an array
        gives each data column its own level (e.g. apparent resistivity and
        phase of a magnetotelluric sounding).  On log columns it becomes
        ``relative / ln 10`` decades.
    absolute : float or array_like, shape (n_data,)
        Standard-deviation floor in the data's own unit, >= 0; combined with
        the relative part as ``sqrt((relative |d|)**2 + absolute**2)``.
    error_sigma : array_like, shape (n_data,) or (n_samples, n_data), optional
        Standard deviations given directly in the error space (decades on
        log columns); use :meth:`from_sigma`.  Excludes ``relative`` and
        ``absolute``.

    Examples
    --------
    2 % on an apparent resistivity is 0.0087 decades, 1.5 deg on a phase
    stays 1.5 deg:

    >>> noise = GaussianNoise(relative=[0.02, 0.0], absolute=[0.0, 1.5])
    >>> noise.sigma([[100.0, 45.0]], log_mask=[True, False]).round(4).tolist()
    [[0.0087, 1.5]]
    """

    relative: float = 0.0
    absolute: float = 0.0
    error_sigma: object = None

    def __post_init__(self):
        for field in ("relative", "absolute"):
            value = np.asarray(getattr(self, field), dtype=np.float64)
            if not (np.isfinite(value) & (value >= 0)).all():
                raise ValueError(f"noise {field} must be finite and >= 0, got {value}")
        if self.error_sigma is not None:
            value = np.asarray(self.error_sigma, dtype=np.float64)
            if value.ndim not in (1, 2) or not (np.isfinite(value) & (value >= 0)).all():
                raise ValueError("noise error_sigma must be finite, >= 0 and of shape (n_data,) "
                                 f"or (n_samples, n_data); got shape {value.shape}")
            if np.any(self.relative) or np.any(self.absolute):
                raise ValueError("give either error_sigma or relative/absolute noise, not both")

    @classmethod
    def from_sigma(cls, sigma):
        """Noise of per-datum standard deviations given in the error space.

        Parameters
        ----------
        sigma : array_like, shape (n_data,) or (n_samples, n_data)
            Decades on log columns, data units elsewhere (as
            ``Survey.sigma_vector()`` gives them); one row is broadcast over
            the samples.

        Returns
        -------
        GaussianNoise

        Examples
        --------
        A survey's 0.4-decade errors on rho_a drive the training noise:

        >>> noise = GaussianNoise.from_sigma([0.4, 0.4, 2.0])
        >>> noise.sigma(np.ones((2, 3)), log_mask=[True, True, False]).tolist()
        [[0.4, 0.4, 2.0], [0.4, 0.4, 2.0]]
        """
        return cls(error_sigma=np.array(sigma, dtype=np.float64))

    def sigma(self, data, log_mask=None):
        """Standard deviation of each datum, in its error space.

        Parameters
        ----------
        data : array_like, shape (n_samples, n_data)
            Noise-free data (the relative part scales with them).
        log_mask : bool, array_like of bool, shape (n_data,), a forward model, or None
            Columns whose error space is log10 (see :func:`as_log_mask`;
            None: every column linear).

        Returns
        -------
        sigma : ndarray, shape (n_samples, n_data)
            Decades on log columns, the data's unit elsewhere.
        """
        data = np.asarray(data, dtype=np.float64)
        if self.error_sigma is not None:
            try:
                return np.broadcast_to(self.error_sigma, data.shape).copy()
            except ValueError:
                raise ValueError(f"noise error_sigma of shape {np.shape(self.error_sigma)} does "
                                 f"not match data of shape {data.shape}") from None
        sigma = np.hypot(self.relative * np.abs(data), self.absolute)
        return sigma_to_error_space(sigma, data, log_mask)

    def add(self, data, rng=None, log_mask=None):
        """Return noisy data and their standard deviations.

        Parameters
        ----------
        data : array_like, shape (n_samples, n_data)
            Noise-free data; > 0 on log columns.
        rng : numpy.random.Generator or int or None
        log_mask : bool, array_like of bool, shape (n_data,), a forward model, or None
            Columns whose error space is log10 (None: every column linear).

        Returns
        -------
        noisy : ndarray, shape (n_samples, n_data)
        sigma : ndarray, shape (n_samples, n_data)
            In the error space (:meth:`sigma`).

        Raises
        ------
        ValueError
            If a log column holds a value <= 0, naming the rows.
        """
        rng = as_generator(rng)
        data = np.asarray(data, dtype=np.float64)
        log = as_log_mask(log_mask, data.shape[-1])
        bad = ~(np.atleast_2d(data)[:, log] > 0).all(axis=1)
        if bad.any():
            raise ValueError(f"noise-free data rows {format_rows(np.flatnonzero(bad))} are <= 0 "
                             "on a log10 column; noise there is log-normal and needs positive "
                             "values")
        sigma = self.sigma(data, log)
        return add_noise(data, sigma, rng, log), sigma
