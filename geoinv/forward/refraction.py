"""Seismic refraction: first-arrival times over flat layers.

Conventions (stated once, used by everything in this module)
------------------------------------------------------------
* Layers are numbered top-down, 1 .. N; layer N is a half-space.  A model
  vector is ``[v_1 .. v_N, h_1 .. h_(N-1)]``: P-wave velocities (m/s), then
  thicknesses (m), like the other layered models.  Batches have samples on
  axis 0.
* Velocities must increase strictly downwards, ``v_1 < v_2 < ... < v_N``.
  A model with ``v_(k+1) <= v_k`` (a low-velocity layer) has no head wave
  from the top of layer k + 1 and is rejected: :meth:`Refraction.simulate`
  raises ``ValueError`` naming the rows ("have velocities that do not
  increase downwards (v_2 <= v_1)"), the dataset sampler redraws such
  models and the evaluation counts such predictions as unphysical.
* Source and geophones lie on the surface; ``offsets`` are source-geophone
  distances x (m), positive.  The data are first-arrival times t (s), the
  earliest of the direct wave and the head waves, with no time delay at the
  source (t -> 0 as x -> 0).

Method
------
Snell's law with slowness ``p = 1 / v_k`` along the top of layer k gives the
textbook travel-time lines (e.g. Telford, Geldart & Sheriff 1990, Applied
Geophysics, sec. 4.3; Lowrie 2007, Fundamentals of Geophysics, sec. 3.6)::

    direct wave        t_1(x) = x / v_1,
    head wave, k >= 2  t_k(x) = x / v_k + tau_k,
    intercept time     tau_k  = sum_(j<k) 2 h_j sqrt(1/v_j**2 - 1/v_k**2)
                              = sum_(j<k) 2 h_j cos(i_jk) / v_j,  sin(i_jk) = v_j / v_k,
    critical distance  xc_k   = sum_(j<k) 2 h_j tan(i_jk),

and the first arrival is ``t(x) = min_k t_k(x)``: continuous, piecewise
linear, with slope ``1 / v_k`` on the branch of layer k.  Two layers:
``tau_2 = 2 h cos(i_c) / v_1`` and the crossover distance, where the head
wave overtakes the direct wave, is ``2 h sqrt((v_2 + v_1) / (v_2 - v_1))``.

Offsets before the critical distance.  A head wave exists only at
``x >= xc_k``.  Its line ``t_k`` is nevertheless used at every offset,
because before ``xc_k`` it is always later than the branch above it:
``f(p) = p x + sum_(j<k) 2 h_j sqrt(1/v_j**2 - p**2)`` is concave in p,
``f(1/v_(k-1)) = t_(k-1)(x)``, ``f(1/v_k) = t_k(x)`` and
``f'(1/v_k) = x - xc_k``; for ``x <= xc_k`` f decreases on
``[1/v_k, 1/v_(k-1)]``, so ``t_(k-1)(x) < t_k(x)``.  By induction the
minimum over the extended lines equals the minimum over the arrivals that
exist, so no masking is needed (tests/test_refraction.py checks both).

Hidden layers.  A layer that is thin or only slightly faster than the one
above may never give the first arrival (a *blind* layer): its head wave is
overtaken by the next one before it overtakes the branch above.  Such
models are valid and simulated exactly; the layer still delays the deeper
head waves through ``tau_k``, but its velocity shows in no slope of the
data, so an inversion cannot resolve it.  (The other "hidden layer", a
velocity inversion, is rejected as above.)
"""

from __future__ import annotations

import numpy as np

from ._geometry import check_layers, magnitude_rules, short_labels, survey_vector
from .base import LayeredForward, format_rows

__all__ = [
    "Refraction",
    "intercept_times",
    "critical_distances",
    "travel_time_branches",
    "first_arrival_times",
]


# --------------------------------------------------------------------------
# Input checks and kernels
# --------------------------------------------------------------------------

def _check_layers(velocities, thickness):
    """check_layers, plus velocities increasing strictly downwards in every row."""
    velocities, thickness, single = check_layers(velocities, thickness, "velocities")
    bad = (np.diff(velocities, axis=1) <= 0).any(axis=1)
    if bad.any():
        raise ValueError(
            f"velocities must increase strictly downwards; bad rows {format_rows(np.flatnonzero(bad))}"
        )
    return velocities, thickness, single


def _intercepts(slowness, thickness):
    """tau, shape (n_samples, n_layers): 0 for the direct wave, then tau_k.

    Equal neighbouring velocities are allowed here (the limits used by
    ``Refraction.data_bounds``): a negative ``1/v_j**2 - 1/v_k**2`` from
    rounding is clipped to 0.
    """
    n_samples, n_layers = slowness.shape
    tau = np.zeros((n_samples, n_layers))
    for k in range(1, n_layers):
        cosines = np.sqrt(np.maximum(slowness[:, :k] ** 2 - slowness[:, k:k + 1] ** 2, 0.0))
        tau[:, k] = 2.0 * np.einsum("ij,ij->i", thickness[:, :k], cosines)
    return tau


def _first_arrivals(offsets, slowness, thickness):
    """min_k (x / v_k + tau_k), shape (n_samples, n_offsets); one pass per layer."""
    tau = _intercepts(slowness, thickness)
    times = np.multiply.outer(slowness[:, 0], offsets)
    branch = np.empty_like(times)
    for k in range(1, slowness.shape[1]):
        np.multiply.outer(slowness[:, k], offsets, out=branch)
        branch += tau[:, k:k + 1]
        np.minimum(times, branch, out=times)
    return times


def intercept_times(velocities, thickness):
    """Intercept times of the direct wave (0) and the head waves.

    Parameters
    ----------
    velocities : array_like, shape (n_samples, n_layers) or (n_layers,)
        Layer velocities (m/s), top-down, strictly increasing.
    thickness : array_like, shape (n_samples, n_layers - 1) or (n_layers - 1,)
        Layer thicknesses (m), top-down.

    Returns
    -------
    tau : ndarray, shape (n_samples, n_layers) or (n_layers,)
        ``tau[..., k - 1]`` is the time (s) at which the line of branch k
        meets x = 0; ``tau[..., 0] = 0`` (direct wave).

    Raises
    ------
    ValueError
        If shapes do not match, a value is not positive and finite, or the
        velocities do not increase (the message names the rows).

    Examples
    --------
    500 m/s over 2000 m/s, 10 m: tau = 2 h cos(i_c) / v_1.

    >>> intercept_times([500.0, 2000.0], [10.0]).round(6)
    array([0.     , 0.03873])
    """
    velocities, thickness, single = _check_layers(velocities, thickness)
    tau = _intercepts(1.0 / velocities, thickness)
    return tau[0] if single else tau


def critical_distances(velocities, thickness):
    """Offsets beyond which each head wave exists.

    Parameters
    ----------
    velocities, thickness : array_like
        As in :func:`intercept_times`.

    Returns
    -------
    xc : ndarray, shape (n_samples, n_layers) or (n_layers,)
        ``xc[..., k - 1] = sum_(j<k) 2 h_j tan(i_jk)`` (m); 0 for the
        direct wave.

    Raises
    ------
    ValueError
        As :func:`intercept_times`.

    Examples
    --------
    >>> critical_distances([500.0, 2000.0], [10.0]).round(4)
    array([0.   , 5.164])
    """
    velocities, thickness, single = _check_layers(velocities, thickness)
    n_samples, n_layers = velocities.shape
    xc = np.zeros((n_samples, n_layers))
    for k in range(1, n_layers):
        sine = velocities[:, :k] / velocities[:, k:k + 1]
        xc[:, k] = 2.0 * np.sum(thickness[:, :k] * sine / np.sqrt(1.0 - sine**2), axis=1)
    return xc[0] if single else xc


def travel_time_branches(offsets, velocities, thickness):
    """Travel-time lines of the direct wave and of every head wave.

    Each head-wave line is given at every offset, also before its critical
    distance, where that wave does not exist (it is later than the branch
    above it there; see the module docstring).

    Parameters
    ----------
    offsets : array_like, shape (n_offsets,)
        Source-geophone distances (m), positive.
    velocities, thickness : array_like
        As in :func:`intercept_times`.

    Returns
    -------
    times : ndarray, shape (n_samples, n_layers, n_offsets) or (n_layers, n_offsets)
        ``times[..., k - 1, :] = x / v_k + tau_k`` (s).

    Raises
    ------
    ValueError
        As :func:`intercept_times`, or if an offset is not positive and finite.
    """
    offsets = survey_vector(offsets, "offsets", positive=True)
    velocities, thickness, single = _check_layers(velocities, thickness)
    slowness = 1.0 / velocities
    tau = _intercepts(slowness, thickness)
    times = slowness[:, :, np.newaxis] * offsets + tau[:, :, np.newaxis]
    return times[0] if single else times


def first_arrival_times(offsets, velocities, thickness):
    """First-arrival times of layered earths.

    Parameters
    ----------
    offsets : array_like, shape (n_offsets,)
        Source-geophone distances (m), positive, any order.
    velocities : array_like, shape (n_samples, n_layers) or (n_layers,)
        Layer velocities (m/s), top-down, strictly increasing.
    thickness : array_like, shape (n_samples, n_layers - 1) or (n_layers - 1,)
        Layer thicknesses (m), top-down.

    Returns
    -------
    t : ndarray, shape (n_samples, n_offsets) or (n_offsets,)
        Earliest of the direct wave and the head waves (s).

    Raises
    ------
    ValueError
        As :func:`travel_time_branches`.

    Examples
    --------
    Crossover at 2 h sqrt((v_2 + v_1) / (v_2 - v_1)) = 25.8 m: direct wave
    before, head wave after.

    >>> first_arrival_times([10.0, 25.0, 100.0], [500.0, 2000.0], [10.0]).round(5)
    array([0.02   , 0.05   , 0.08873])
    """
    offsets = survey_vector(offsets, "offsets", positive=True)
    velocities, thickness, single = _check_layers(velocities, thickness)
    times = _first_arrivals(offsets, 1.0 / velocities, thickness)
    return times[0] if single else times


# --------------------------------------------------------------------------
# Forward-model class
# --------------------------------------------------------------------------

class Refraction(LayeredForward):
    """Seismic refraction first arrivals over an N-layer earth.

    Model vector ``[v_1 .. v_N, h_1 .. h_(N-1)]`` (m/s, m; top-down, last
    layer a half-space, velocities strictly increasing downwards); data:
    first-arrival time (s) at each source-geophone offset.  Conventions and
    method are in the module docstring.

    Parameters
    ----------
    offsets : array_like, shape (n_offsets,)
        Source-geophone distances (m), positive and finite, distinct, any
        order.
    n_layers : int
        Number of layers N >= 1, the half-space included.

    Raises
    ------
    ValueError
        Naming the field: ``offsets`` not positive and finite, empty or
        repeated; ``n_layers`` not an integer >= 1.

    Examples
    --------
    >>> refraction = Refraction([10.0, 50.0, 100.0], n_layers=2)
    >>> refraction.parameter_names, refraction.data_names[0]
    (['v_1', 'v_2', 'h_1'], 't@x=10m')
    >>> refraction.simulate([[500.0, 2000.0, 10.0]]).round(5)
    array([[0.02   , 0.06373, 0.08873]])
    """

    kind = "refraction"
    layer_symbol = "v"
    layer_unit = "m/s"
    data_log = False
    """Times enter the network linearly: they are positive but span less
    than a decade per offset, and the noise of picked times is absolute."""

    def __init__(self, offsets, n_layers):
        offsets = survey_vector(offsets, "offsets", positive=True).copy()
        super().__init__(n_layers)
        labels = short_labels(offsets)
        if len(set(labels)) != len(labels):
            raise ValueError("offsets holds duplicate values; give each offset once")
        offsets.setflags(write=False)
        self.offsets = offsets
        self.data_names = [f"t@x={label}m" for label in labels]
        self.data_units = ["s"] * offsets.size

    def physical_rules(self, models):
        """Velocities must increase strictly downwards, one rule per interface;
        magnitudes within MAGNITUDE_LIMIT (``_geometry.magnitude_rules``)."""
        return [(models[:, k + 1] <= models[:, k],
                 f"have velocities that do not increase downwards (v_{k + 2} <= v_{k + 1})")
                for k in range(self.n_layers - 1)] + magnitude_rules(
                    models, self.parameter_names, self.positive)

    def _simulate(self, models):
        n = self.n_layers
        return _first_arrivals(self.offsets, 1.0 / models[:, :n], models[:, n:])

    def settings(self):
        """Keyword arguments that rebuild this forward model."""
        return {"offsets": self.offsets.tolist(), "n_layers": self.n_layers}

    def data_bounds(self, low, high):
        """Earliest and latest first arrivals a prior box allows, per offset.

        The first arrival is the least travel time over all ray paths, so it
        can only decrease when a velocity grows, and it can only grow with a
        thickness (thickening layer j replaces faster rock below it by slower
        rock, the velocities increasing downwards).  The bounds are therefore
        the first arrivals of two corner models: thicknesses at ``low`` and
        each velocity at the largest value a physical model in the box can
        have, ``v_k <= min(high_k .. high_N)``; and thicknesses at ``high``
        with ``v_k >= max(low_1 .. low_k)``.  These corners may have equal
        neighbouring velocities (limits of physical models); their times are
        the limits of the physical ones.

        Parameters
        ----------
        low, high : array_like, shape (n_params,)
            Lower and upper bounds of the prior box (m/s for v, m for h).

        Returns
        -------
        (data_low, data_high) : tuple of ndarray, shape (n_data,)
            Bounds of the first-arrival times (s).
        """
        low, high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
        if low.shape != (self.n_params,) or high.shape != (self.n_params,):
            raise ValueError(
                f"low and high must have shape ({self.n_params},); got {low.shape} and {high.shape}"
            )
        n = self.n_layers
        fastest = np.minimum.accumulate(high[:n][::-1])[::-1]
        slowest = np.maximum.accumulate(low[:n])
        t_low = _first_arrivals(self.offsets, 1.0 / fastest[np.newaxis], low[np.newaxis, n:])
        t_high = _first_arrivals(self.offsets, 1.0 / slowest[np.newaxis], high[np.newaxis, n:])
        return t_low[0], t_high[0]
