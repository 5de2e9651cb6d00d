"""The prior box of model space, and sampling inside and outside it.

A model space is a list of named parameters, each with a unit, bounds and a
scale (``log`` means log10).  Training models are drawn inside the box,
uniformly in the declared scale (or by Latin hypercube).  Out-of-distribution
(OOD) models are drawn from a *shell* around the box: the box widened on each
side, in the declared scale, by ``shell`` times its width, minus the box
itself.  A parameter with ``scale = "log"`` and bounds 1..1000 and a shell of
0.5 therefore has OOD values in 10**-1.5..1 and 1000..10**4.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from .._checks import format_rows

__all__ = ["Parameter", "ModelSpace", "as_generator"]

SAMPLING_METHODS = ("uniform", "lhs")


def as_generator(rng):
    """Return a numpy Generator from a Generator, an int seed or None."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


@dataclass(frozen=True)
class Parameter:
    """One model parameter of the prior box.

    Parameters
    ----------
    name : str
        Name, e.g. ``"rho_1"``.
    unit : str
        Unit, e.g. ``"ohm.m"``.
    low, high : float
        Bounds of the prior box in physical units, ``low < high``;
        both > 0 for a log parameter.
    log : bool
        True to sample and scale in log10, False for linear.
    """

    name: str
    unit: str
    low: float
    high: float
    log: bool = True

    def __post_init__(self):
        if not (np.isfinite(self.low) and np.isfinite(self.high)):
            raise ValueError(f"parameter {self.name}: bounds must be finite")
        if not self.low < self.high:
            raise ValueError(
                f"parameter {self.name}: low ({self.low}) must be < high ({self.high})"
            )
        if self.log and self.low <= 0:
            raise ValueError(
                f"parameter {self.name}: a log-scale parameter needs low > 0, got {self.low}"
            )


class ModelSpace:
    """A box in model space with the scale of each axis.

    Parameters
    ----------
    parameters : sequence of Parameter
        In the column order of the forward model's model vector.
    lower_limit : array_like of float, shape (n_params,), optional
        Physical limits that OOD draws of *linear* parameters must stay
        strictly above (e.g. 0 for a thickness); default -inf.

    Attributes
    ----------
    names, units : list of str
    low, high : ndarray, shape (n_params,)
        Bounds in physical units.
    log : ndarray of bool, shape (n_params,)
    """

    def __init__(self, parameters, lower_limit=None):
        self.parameters = list(parameters)
        if not self.parameters:
            raise ValueError("a model space needs at least one parameter")
        self.names = [p.name for p in self.parameters]
        self.units = [p.unit for p in self.parameters]
        self.low = np.array([p.low for p in self.parameters], dtype=np.float64)
        self.high = np.array([p.high for p in self.parameters], dtype=np.float64)
        self.log = np.array([p.log for p in self.parameters], dtype=bool)
        if lower_limit is None:
            lower_limit = np.full(self.n_params, -np.inf)
        self.lower_limit = np.asarray(lower_limit, dtype=np.float64)

    @property
    def n_params(self):
        return len(self.parameters)

    # -- the declared scale: log10 for log parameters, identity otherwise ----
    def to_scale(self, models):
        """Models in the declared scale (log10 where ``log``), shape kept."""
        models = np.asarray(models, dtype=np.float64)
        return np.where(self.log, np.log10(np.where(self.log, models, 1.0)), models)

    def from_scale(self, values):
        """Inverse of :meth:`to_scale`."""
        values = np.asarray(values, dtype=np.float64)
        return np.where(self.log, 10.0 ** np.where(self.log, values, 0.0), values)

    @property
    def scaled_low(self):
        return self.to_scale(self.low)

    @property
    def scaled_high(self):
        return self.to_scale(self.high)

    def contains(self, models):
        """Whether each model lies inside the box (bounds included).

        Parameters
        ----------
        models : array_like, shape (n_samples, n_params)

        Returns
        -------
        ndarray of bool, shape (n_samples,)
        """
        models = np.atleast_2d(np.asarray(models, dtype=np.float64))
        return ((models >= self.low) & (models <= self.high)).all(axis=1)

    # -- sampling ------------------------------------------------------------
    def _unit_samples(self, n, rng, method):
        if method == "uniform":
            return rng.random((n, self.n_params))
        if method == "lhs":
            return qmc.LatinHypercube(d=self.n_params, rng=rng).random(n)
        raise ValueError(
            f"unknown sampling method {method!r}; choose one of {', '.join(SAMPLING_METHODS)}"
        )

    def sample(self, n, rng=None, method="uniform"):
        """Draw models inside the box, uniform in the declared scale.

        Parameters
        ----------
        n : int
            Number of models, >= 0.
        rng : numpy.random.Generator or int or None
            Source of randomness (a seed is turned into a Generator).
        method : {"uniform", "lhs"}
            Independent uniform draws, or a Latin hypercube
            (scipy.stats.qmc), which spreads small samples more evenly.

        Returns
        -------
        models : ndarray, shape (n, n_params)
            Physical units.
        """
        n = _check_count(n)
        rng = as_generator(rng)
        lo, hi = self.scaled_low, self.scaled_high
        u = self._unit_samples(n, rng, method)
        return self.from_scale(lo + u * (hi - lo))

    def shell_bounds(self, shell):
        """Outer bounds (declared scale) of the OOD shell of relative width ``shell``."""
        if not shell > 0:
            raise ValueError(f"the OOD shell width must be > 0, got {shell}")
        lo, hi = self.scaled_low, self.scaled_high
        width = hi - lo
        outer_lo = lo - shell * width
        outer_hi = hi + shell * width
        limit = np.where(self.log, -np.inf, self.lower_limit)
        outer_lo = np.maximum(outer_lo, limit)
        return outer_lo, outer_hi

    def sample_ood(self, n, rng=None, shell=0.5):
        """Draw models from the shell outside the box (out of distribution).

        Uniform in the declared scale over the box widened by ``shell`` times
        its width on every side, rejecting draws that fall inside the box, so
        every returned model has at least one parameter outside its bounds.

        Parameters
        ----------
        n : int
            Number of models, >= 0.
        rng : numpy.random.Generator or int or None
        shell : float
            Width of the shell on each side as a fraction of the box width in
            the declared scale, > 0.

        Returns
        -------
        models : ndarray, shape (n, n_params)
            Physical units; linear parameters stay strictly above
            ``lower_limit``.
        """
        n = _check_count(n)
        rng = as_generator(rng)
        outer_lo, outer_hi = self.shell_bounds(shell)
        limit = np.where(self.log, -np.inf, self.lower_limit)
        out = np.empty((0, self.n_params))
        while len(out) < n:
            m = n - len(out)
            u = rng.random((2 * m + 16, self.n_params))
            values = outer_lo + u * (outer_hi - outer_lo)
            models = self.from_scale(values)
            keep = ~self.contains(models) & (values > limit).all(axis=1)
            out = np.vstack([out, models[keep][:m]])
        return out

    def check_models(self, models, name="models"):
        """Raise ValueError naming rows outside the box (for ID data sets)."""
        models = np.atleast_2d(np.asarray(models, dtype=np.float64))
        outside = ~self.contains(models)
        if outside.any():
            raise ValueError(
                f"{name} rows {format_rows(np.flatnonzero(outside))} lie outside the prior box"
            )
        return models

    def to_dict(self):
        """Plain-Python description (for saving); see :meth:`from_dict`."""
        return {
            "parameters": [
                {"name": p.name, "unit": p.unit, "low": p.low, "high": p.high, "log": p.log}
                for p in self.parameters
            ],
            "lower_limit": [float(v) for v in self.lower_limit],
        }

    @classmethod
    def from_dict(cls, d):
        return cls([Parameter(**p) for p in d["parameters"]], lower_limit=d["lower_limit"])

    def __repr__(self):
        body = ", ".join(
            f"{p.name} [{p.low:g}, {p.high:g}] {p.unit}{' log' if p.log else ''}"
            for p in self.parameters
        )
        return f"ModelSpace({body})"


def _check_count(n):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"the number of samples must be a whole number >= 0, got {n!r}")
    return int(n)
