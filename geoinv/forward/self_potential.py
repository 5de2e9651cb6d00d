"""Self-potential (SP) anomaly of a polarised body along a surface profile.

Conventions (stated once, used by everything in this module)
------------------------------------------------------------
* The profile runs along x (m) on the surface z = 0, across the strike of a
  two-dimensional body (horizontal cylinder) or over the centre of a
  three-dimensional one (sphere, vertical cylinder).  Depth z is positive
  downwards.
* A model vector is ``[K, h, x0, theta]``:

  - ``K``: electric dipole moment, the amplitude factor of the body, in
    mV.m^(2q - 1) so that V is in mV: mV.m^2 for the sphere, mV.m for the
    horizontal cylinder, mV for the vertical cylinder.  Either sign.
  - ``h`` (m): depth of the centre of the sphere or of the axis of the
    horizontal cylinder, or of the top of the vertical cylinder; > 0.
  - ``x0`` (m): horizontal position of the body on the profile.
  - ``theta`` (degrees): polarisation angle, measured from the +x axis
    (the horizontal, in the direction of increasing x) towards the
    surface (counter-clockwise with z drawn downwards, x to the right).

* The data are the anomaly V (mV) at each station x::

      V(x) = K ((x - x0) cos(theta) + h sin(theta)) / ((x - x0)**2 + h**2)**q,

  with shape factor q = 1.5 (sphere), 1.0 (horizontal cylinder), 0.5
  (semi-infinite vertical cylinder).  It is the field of a dipole at
  (x0, h) whose moment points along ``sign(K) (cos(theta), sin(theta))``
  (x, upwards): V is positive where the observer lies on the side the
  moment points to.
* Sign and symmetry.  With ``theta = 90`` the moment is vertical and the
  anomaly is symmetric about x0, its extremum ``K / h**(2q - 1)`` at x0:
  negative for ``K < 0``, the usual case over sulphide ore bodies, whose
  upper end is the negative pole.  ``theta = 0`` (horizontal moment) gives
  an anomaly antisymmetric about x0, zero at x0.  ``theta -> 180 - theta``
  mirrors the anomaly about x0; ``theta -> -theta`` mirrors it and flips
  its sign.  ``(K, theta)`` and ``(-K, theta + 180)`` give the same
  anomaly: a prior box should keep K to one sign (or theta to a half-turn).

Sources
-------
Yungul (1950), "Interpretation of spontaneous polarization anomalies caused
by spheroidal orebodies", Geophysics 15(2), 237-246 (the sphere);
Bhattacharya & Roy (1981), Geophysical Prospecting 29 (sphere and cylinders
with one shape factor q).  The single formula above, with K and theta as
written, is the one used by, e.g., Essa (2011), J. Geophys. Eng. 8, 434-446,
and
Mehanee, Essa, Soliman & Diab (2023), Sci. Rep. 13, 13548,
doi:10.1038/s41598-023-39672-8, with theta the angle of the polarisation
axis from the horizontal.
"""

from __future__ import annotations

import numpy as np

from ._geometry import magnitude_rules, short_labels, survey_vector
from .base import ForwardModel, format_rows

__all__ = ["SelfPotential", "SHAPE_FACTORS", "sp_anomaly"]

SHAPE_FACTORS = {"sphere": 1.5, "horizontal_cylinder": 1.0, "vertical_cylinder": 0.5}
"""Shape factor q of each body."""

K_UNITS = {"sphere": "mV.m^2", "horizontal_cylinder": "mV.m", "vertical_cylinder": "mV"}
"""Unit of K per body: mV.m^(2q - 1), so that V is in mV."""


def _check_body(body):
    try:
        return body, SHAPE_FACTORS[body]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown body {body!r}; choose one of {', '.join(SHAPE_FACTORS)}"
        ) from None


def _anomaly(x, K, h, x0, theta, q):
    """V, shape (n_samples, n_x), from checked 1-D parameter arrays (theta in degrees)."""
    dx = x - x0[:, np.newaxis]
    r2 = dx * dx
    r2 += (h * h)[:, np.newaxis]
    angle = np.deg2rad(theta)
    V = dx * np.cos(angle)[:, np.newaxis]
    V += (h * np.sin(angle))[:, np.newaxis]
    V *= K[:, np.newaxis]
    if q == 1.5:
        V /= r2 * np.sqrt(r2)
    elif q == 1.0:
        V /= r2
    elif q == 0.5:
        V /= np.sqrt(r2)
    else:
        V /= r2**q
    return V


def sp_anomaly(x, K, h, x0, theta, body="sphere"):
    """SP anomaly of polarised bodies along a profile.

    Parameters
    ----------
    x : array_like, shape (n_x,)
        Station positions (m), any order.
    K : float or array_like, shape (n_samples,)
        Electric dipole moment, mV.m^(2q - 1) (see the module docstring).
    h : float or array_like, shape (n_samples,)
        Depth (m), > 0.
    x0 : float or array_like, shape (n_samples,)
        Horizontal position of the body (m).
    theta : float or array_like, shape (n_samples,)
        Polarisation angle (degrees) from the +x axis towards the surface.
    body : {"sphere", "horizontal_cylinder", "vertical_cylinder"}
        Shape factor q = 1.5, 1.0 or 0.5.

    Returns
    -------
    V : ndarray, shape (n_samples, n_x), or (n_x,) if all parameters are scalars
        Anomaly (mV).

    Raises
    ------
    ValueError
        If ``x`` is not finite, ``body`` is unknown, the parameters do not
        have one common length, or a parameter is not finite or ``h <= 0``
        (naming the rows).

    Examples
    --------
    A vertically polarised sphere 10 m deep: V(x0) = K / h**2.

    >>> sp_anomaly([0.0, 10.0], K=-5000.0, h=10.0, x0=0.0, theta=90.0).round(3)
    array([-50.   , -17.678])
    """
    x = survey_vector(x, "x")
    _, q = _check_body(body)
    params = [np.asarray(p, dtype=np.float64) for p in (K, h, x0, theta)]
    single = all(p.ndim == 0 for p in params)
    try:
        params = np.broadcast_arrays(*[np.atleast_1d(p) for p in params])
    except ValueError:
        raise ValueError(
            "K, h, x0 and theta must be scalars or 1-D arrays of one length; got shapes "
            f"{', '.join(str(np.shape(p)) for p in (K, h, x0, theta))}"
        ) from None
    K, h, x0, theta = params
    if K.ndim != 1:
        raise ValueError("K, h, x0 and theta must be scalars or 1-D arrays")
    bad = ~np.isfinite(np.stack(params)).all(axis=0)
    if bad.any():
        raise ValueError(f"parameters must be finite; bad rows {format_rows(np.flatnonzero(bad))}")
    bad = h <= 0
    if bad.any():
        raise ValueError(f"h must be > 0; bad rows {format_rows(np.flatnonzero(bad))}")
    V = _anomaly(x, K, h, x0, theta, q)
    return V[0] if single else V


class SelfPotential(ForwardModel):
    """SP anomaly profile of a sphere or cylinder.

    Model vector ``[K, h, x0, theta]`` (mV.m^(2q-1), m, m, degrees); data:
    the anomaly (mV) at each station.  Conventions and sources are in the
    module docstring.

    Parameters
    ----------
    x : array_like, shape (n_x,)
        Station positions along the profile (m), finite, distinct, any order.
    body : {"sphere", "horizontal_cylinder", "vertical_cylinder"}
        The body; sets the shape factor q (1.5, 1.0, 0.5) and K's unit.

    Raises
    ------
    ValueError
        Naming the field: ``x`` empty, not finite or repeated; ``body``
        unknown.

    Examples
    --------
    >>> sp = SelfPotential([-20.0, 0.0, 20.0], body="horizontal_cylinder")
    >>> sp.parameter_names, sp.parameter_units[0], sp.data_names[0]
    (['K', 'h', 'x0', 'theta'], 'mV.m', 'sp@x=-20m')
    >>> sp.simulate([[-2000.0, 10.0, 0.0, 90.0]]).round(2)
    array([[ -40., -200.,  -40.]])
    """

    kind = "self_potential"
    data_log = False
    """SP anomalies take both signs: they enter the network linearly."""

    def __init__(self, x, body="sphere"):
        x = survey_vector(x, "x").copy()
        body, q = _check_body(body)
        labels = short_labels(x)
        if len(set(labels)) != len(labels):
            raise ValueError("x holds duplicate stations; give each station once")
        x.setflags(write=False)
        self.x = x
        self.body = body
        self.q = q
        self.parameter_names = ["K", "h", "x0", "theta"]
        self.parameter_units = [K_UNITS[body], "m", "m", "deg"]
        self.data_names = [f"sp@x={label}m" for label in labels]
        self.data_units = ["mV"] * x.size

    @property
    def positive(self):
        """Only the depth h must be > 0; K, x0 and theta take any sign."""
        return np.array([False, True, False, False])

    def physical_rules(self, models):
        """Magnitudes within MAGNITUDE_LIMIT (``_geometry.magnitude_rules``): for
        h = 1e-300 m the anomaly K / h**(2q - 1) is not a finite double."""
        return magnitude_rules(models, self.parameter_names, self.positive)

    def _simulate(self, models):
        return _anomaly(self.x, models[:, 0], models[:, 1], models[:, 2], models[:, 3], self.q)

    def settings(self):
        """Keyword arguments that rebuild this forward model."""
        return {"x": self.x.tolist(), "body": self.body}
