"""Measurement noise: Gaussian with a relative part and an absolute floor.

The standard deviation of datum d is

    sigma = sqrt((relative * |d|)**2 + absolute**2),

computed from the noise-free data when noise is added, and kept with the data
set so that misfits can be normalised by it (an RMS misfit of 1 means the data
are fitted to the noise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model_space import as_generator

__all__ = ["GaussianNoise"]


@dataclass(frozen=True)
class GaussianNoise:
    """Independent Gaussian noise, relative to each datum plus a floor.

    Parameters
    ----------
    relative : float or array_like, shape (n_data,)
        Standard deviation as a fraction of |d| (0.02 is 2 %), >= 0; an array
        gives each data column its own level (e.g. apparent resistivity and
        phase of a magnetotelluric sounding).
    absolute : float or array_like, shape (n_data,)
        Standard-deviation floor in the data's own unit, >= 0.
    """

    relative: float = 0.0
    absolute: float = 0.0

    def __post_init__(self):
        for field in ("relative", "absolute"):
            value = np.asarray(getattr(self, field), dtype=np.float64)
            if not (np.isfinite(value) & (value >= 0)).all():
                raise ValueError(f"noise {field} must be finite and >= 0, got {value}")

    def sigma(self, data):
        """Standard deviation of each datum.

        Parameters
        ----------
        data : array_like, shape (n_samples, n_data)

        Returns
        -------
        sigma : ndarray, shape (n_samples, n_data)
            In the data's unit.
        """
        data = np.asarray(data, dtype=np.float64)
        return np.hypot(self.relative * np.abs(data), self.absolute)

    def add(self, data, rng=None):
        """Return noisy data and their standard deviations.

        Parameters
        ----------
        data : array_like, shape (n_samples, n_data)
            Noise-free data.
        rng : numpy.random.Generator or int or None

        Returns
        -------
        noisy : ndarray, shape (n_samples, n_data)
        sigma : ndarray, shape (n_samples, n_data)
        """
        rng = as_generator(rng)
        data = np.asarray(data, dtype=np.float64)
        sigma = self.sigma(data)
        return data + sigma * rng.standard_normal(data.shape), sigma
