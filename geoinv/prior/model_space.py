"""The prior box of model space, its coordinates, and sampling inside and outside it.

A model space is a list of named parameters, each with a unit, bounds and a
scale (``log`` means log10).  Three coordinates describe a model:

physical units
    what the forward model takes (ohm.m, m, ...);
the declared scale
    log10 of the log parameters, the others as they are
    (:func:`declared_scale`, :meth:`ModelSpace.to_scale`);
unit coordinates ``u``
    the declared scale normalised by the box,
    ``u = (to_scale(m) - scaled_low) / (scaled_high - scaled_low)``, so that
    the prior box is ``0 <= u <= 1`` for every parameter
    (:meth:`ModelSpace.to_unit`, :meth:`ModelSpace.from_unit`).

Distances beyond the prior box are measured in *box widths* of the declared
scale: the box widened by ``w`` box widths on each side is
``-w <= u <= 1 + w`` (:meth:`ModelSpace.widened`), and a model lies
:meth:`ModelSpace.widths_beyond` the box.  The scenario keys ``[ood] shell``
(where OOD test models are drawn) and ``[refine] widen`` (how far damped
least squares may search) are both such box widths.

Training models are drawn inside the box, uniformly in the declared scale
(or by Latin hypercube).  Out-of-distribution (OOD) models are drawn from the
*shell* around the box: the box widened by ``shell`` box widths, minus the
box itself.  A parameter with ``scale = "log"`` and bounds 1..1000 and a
shell of 0.5 therefore has OOD values in 10**-1.5..1 and 1000..10**4.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from .._checks import check_int, format_rows

__all__ = ["Parameter", "ModelSpace", "as_generator", "spawn", "declared_scale",
           "from_declared_scale"]

SAMPLING_METHODS = ("uniform", "lhs")


def as_generator(rng):
    """Return a numpy Generator from a Generator, an int seed or None."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


def spawn(rng, k):
    """K independent generators derived from ``rng`` (a Generator, a seed or None).

    ``Generator.spawn`` where numpy has it (>= 1.25), else K seeds drawn
    from ``rng``.

    Parameters
    ----------
    rng : numpy.random.Generator or int or None
    k : int
        Number of streams, >= 0.

    Returns
    -------
    list of numpy.random.Generator
    """
    rng = np.random.default_rng(rng)
    if hasattr(rng, "spawn"):
        return rng.spawn(k)
    return [np.random.default_rng(s) for s in rng.integers(2**63, size=k)]


def declared_scale(models, log):
    """Models in their declared scale: log10 of the log columns, others as they are.

    Parameters
    ----------
    models : array_like, shape (..., n_params)
        Physical units (log columns > 0; others give NaN there).
    log : array_like of bool, shape (n_params,)

    Returns
    -------
    ndarray, shape (..., n_params)
    """
    models = np.asarray(models, dtype=np.float64)
    log = np.asarray(log, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(log, np.log10(np.where(log, models, 1.0)), models)


def from_declared_scale(values, log):
    """Inverse of :func:`declared_scale`: 10**values on the log columns.

    Parameters
    ----------
    values : array_like, shape (..., n_params)
        Declared scale (log10 for log columns).
    log : array_like of bool, shape (n_params,)

    Returns
    -------
    ndarray, shape (..., n_params)
        Physical units.
    """
    values = np.asarray(values, dtype=np.float64)
    log = np.asarray(log, dtype=bool)
    with np.errstate(over="ignore"):    # beyond 1e308: inf, refused by the forward model
        return np.where(log, 10.0 ** np.where(log, values, 0.0), values)


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
        return declared_scale(models, self.log)

    def from_scale(self, values):
        """Inverse of :meth:`to_scale`."""
        return from_declared_scale(values, self.log)

    @property
    def scaled_low(self):
        """Lower bounds in the declared scale, shape (n_params,)."""
        return self.to_scale(self.low)

    @property
    def scaled_high(self):
        """Upper bounds in the declared scale, shape (n_params,)."""
        return self.to_scale(self.high)

    # -- unit coordinates: the prior box is [0, 1] per parameter ---------------
    def scaled_to_unit(self, values):
        """Declared-scale values -> unit coordinates ``u`` (the box is [0, 1]).

        Parameters
        ----------
        values : array_like, shape (..., n_params)
            Declared scale (log10 for log parameters).

        Returns
        -------
        ndarray, shape (..., n_params)
            ``(values - scaled_low) / (scaled_high - scaled_low)``.
        """
        return (values - self.scaled_low) / (self.scaled_high - self.scaled_low)

    def unit_to_scaled(self, u):
        """Unit coordinates -> declared scale: ``scaled_low + u * box width``."""
        return self.scaled_low + u * (self.scaled_high - self.scaled_low)

    def to_unit(self, models):
        """Models (physical units) -> unit coordinates ``u``.

        Parameters
        ----------
        models : array_like, shape (..., n_params)

        Returns
        -------
        ndarray, shape (..., n_params)
            0 at the lower and 1 at the upper bound of each parameter, linear
            in the declared scale.

        Examples
        --------
        >>> space = ModelSpace([Parameter("rho_1", "ohm.m", 1, 1000),
        ...                     Parameter("h_1", "m", 0, 10, log=False)])
        >>> space.to_unit([[10.0, 5.0]]).round(12).tolist()
        [[0.333333333333, 0.5]]
        """
        return self.scaled_to_unit(self.to_scale(models))

    def from_unit(self, u):
        """Unit coordinates -> models in physical units (inverse of :meth:`to_unit`)."""
        return self.from_scale(self.unit_to_scaled(u))

    # -- box widths beyond the prior box -----------------------------------------
    def widened(self, widen, unit=False):
        """The prior box widened by ``widen`` box widths on each side.

        Parameters
        ----------
        widen : float or array_like, shape (n_params,)
            Box widths of the declared scale added below and above, >= 0.
            ``0.5`` on a log10 box 1..1000 ohm.m gives 10**-1.5..10**4.5 ohm.m.
        unit : bool, optional
            Return the bounds in unit coordinates (``-widen, 1 + widen``)
            instead of the declared scale.

        Returns
        -------
        low, high : ndarray, shape (n_params,)
            Declared scale (or unit coordinates).  Physical limits
            (``lower_limit``) are not applied.

        Raises
        ------
        ValueError
            If ``widen`` is negative or not finite.
        """
        widen = np.broadcast_to(np.asarray(widen, dtype=np.float64), (self.n_params,))
        if not (np.isfinite(widen) & (widen >= 0)).all():
            raise ValueError(f"widen must be finite and >= 0, got {widen.tolist()}")
        if unit:
            return -widen.copy(), 1.0 + widen
        lo, hi = self.scaled_low, self.scaled_high
        width = hi - lo
        return lo - widen * width, hi + widen * width

    def widths_beyond(self, models):
        """How many box widths each parameter lies beyond the prior box.

        Parameters
        ----------
        models : array_like, shape (n_samples, n_params)
            Physical units.

        Returns
        -------
        ndarray, shape (n_samples, n_params)
            0 inside the bounds; 0.5 half a box width (declared scale) below
            the lower or above the upper bound.
        """
        u = self.to_unit(np.atleast_2d(models))
        return np.maximum(0.0, np.maximum(-u, u - 1.0))

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
        n = check_int(n, "n", 0)
        rng = as_generator(rng)
        return self.from_unit(self._unit_samples(n, rng, method))

    def shell_bounds(self, shell):
        """Outer bounds (declared scale) of the OOD shell ``shell`` box widths wide.

        The box :meth:`widened` by ``shell``, its lower bounds raised to
        ``lower_limit`` for linear parameters.
        """
        if not shell > 0:
            raise ValueError(f"the OOD shell width must be > 0, got {shell}")
        outer_lo, outer_hi = self.widened(shell)
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
            Width of the shell on each side in box widths of the declared
            scale, > 0.

        Returns
        -------
        models : ndarray, shape (n, n_params)
            Physical units; linear parameters stay strictly above
            ``lower_limit``.
        """
        n = check_int(n, "n", 0)
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
