"""Gravity anomaly of simple bodies along a surface profile.

Conventions (stated once, used by everything in this module and by
:mod:`geoinv.forward.magnetic`)
---------------------------------------------------------------
* Axes: ``x`` (m) runs along the profile, ``y`` (m) is horizontal and
  perpendicular to it, ``z`` (m) points **down**; the surface is ``z = 0``.
  The stations lie on the surface at ``(x, 0, 0)``.  Two-dimensional bodies
  (the horizontal cylinder) are infinitely long along ``y``; the prism is
  centred on the profile, ``y`` from ``-length/2`` to ``length/2``.
* Datum: the vertical attraction ``g_z`` (mGal, 1 mGal = 1e-5 m/s**2), counted
  **positive down**, so that a body denser than its host (``drho > 0``)
  gives a positive anomaly and a lighter one (``drho < 0``) a negative one.
* ``drho`` (kg/m**3) is the density contrast of the body with its host, and
  may have either sign; positions ``x0`` may be negative; every length of
  the body (depths, radius, width) must be positive.
* Gravitational constant ``G = 6.67430e-11`` m**3 / (kg s**2) (CODATA 2018).

Bodies and parameters (a model vector is one row of ``models``)
---------------------------------------------------------------
``"sphere"``    ``[x0, depth, radius, drho]``: centre at ``(x0, 0, depth)``;
                rule ``radius < depth`` (the sphere stays below the surface).
``"cylinder"``  ``[x0, depth, radius, drho]``: infinite horizontal cylinder
                along ``y``, axis at ``(x0, depth)``; rule ``radius < depth``.
``"prism"``     ``[x0, width, top, bottom, drho]``: right rectangular prism,
                ``x`` from ``x0 - width/2`` to ``x0 + width/2``, ``y`` over the
                survey's ``length``, ``z`` from ``top`` to ``bottom``; rules
                ``top > 0`` and ``bottom > top``.

Formulas
--------
Sphere: outside a sphere of uniform density its attraction is that of a
point mass ``M = 4/3 pi radius**3 drho`` at its centre (Newton's shell
theorem), so ``g_z = G M depth / r**3`` with ``r**2 = (x - x0)**2 + depth**2``
(e.g. Blakely 1995, *Potential Theory in Gravity and Magnetic Applications*,
ch. 7; Telford et al. 1990, *Applied Geophysics*, sec. 2.7).

Cylinder: likewise a line mass of ``lambda = pi radius**2 drho`` per metre,
``g_z = 2 G lambda depth / r**2``.

Prism: the closed form of Nagy (1966, Geophysics 31, 362-371) and Plouff
(1976, Geophysics 41, 727-741), in the notation of Nagy, Papp and Benedek
(2000, Journal of Geodesy 74, 552-560): with ``(u, v, w)`` the coordinates of
a prism corner relative to the station (``w`` positive down) and
``r = sqrt(u**2 + v**2 + w**2)``,

    g_z = G drho sum_corners s [ w arctan(u v / (w r)) - u ln(v + r) - v ln(u + r) ],

``s = +1`` or ``-1`` as the corner has an even or odd number of lower
bounds.  Because the station is on the prism's plane of symmetry
(``v = -length/2 .. length/2``) the two ``v`` corners are summed in closed
form, leaving four terms per station.  Every logarithm ``ln(a + r)`` is
evaluated as ``ln(b**2 / (r - a))`` when ``a < 0`` (``b**2 = r**2 - a**2``),
which avoids the cancellation of ``a + r`` far from the prism; ``w >= top > 0``
keeps the arctangent regular.

The plain functions (:func:`sphere_gz`, :func:`cylinder_gz`, :func:`prism_gz`)
take the parameters as arrays, shape (n_samples,), and are vectorised over
both samples and stations; :class:`Gravity` holds the profile.
"""

from __future__ import annotations

import numpy as np

from .. import _checks
from ._geometry import check_numbers, magnitude_rules, survey_vector
from .base import ForwardModel, format_rows, moved_to_viz

__all__ = ["Gravity", "sphere_gz", "cylinder_gz", "prism_gz", "G", "SI_TO_MGAL", "BODIES"]

G = 6.67430e-11
"""Gravitational constant (m**3 / (kg s**2)), CODATA 2018."""

SI_TO_MGAL = 1e5
"""mGal per m/s**2."""

BODIES = ("sphere", "cylinder", "prism")
"""Bodies understood by :class:`Gravity`."""

_PARAMETERS = {
    "sphere": (["x0", "depth", "radius", "drho"], ["m", "m", "m", "kg/m^3"]),
    "cylinder": (["x0", "depth", "radius", "drho"], ["m", "m", "m", "kg/m^3"]),
    "prism": (["x0", "width", "top", "bottom", "drho"], ["m", "m", "m", "m", "kg/m^3"]),
}
_POSITIVE = {
    "sphere": [False, True, True, False],
    "cylinder": [False, True, True, False],
    "prism": [False, True, True, True, False],
}


# --------------------------------------------------------------------------
# Input checks shared with geoinv.forward.magnetic
# --------------------------------------------------------------------------

def check_choice(value, name, choices):
    """Return ``value`` lower-cased if it is one of ``choices``; raise naming ``name``."""
    return _checks.check_choice(value.lower() if isinstance(value, str) else value, name, choices)


def check_parameters(names, values, positive=(), rules=()):
    """Broadcast body parameters to 1-D float64 arrays and check them.

    Parameters
    ----------
    names : sequence of str
        Parameter names, for the messages.
    values : sequence of array_like
        One scalar or array, shape (n_samples,), per name.
    positive : sequence of str
        Names of the parameters that must be > 0.
    rules : sequence of callable
        Each takes the dict {name: array} and returns ``(bad, problem)``.

    Returns
    -------
    dict of {str: ndarray, shape (n_samples,)}

    Raises
    ------
    ValueError
        Naming the parameter and the rows: shapes that do not broadcast to
        one dimension, NaN or infinite values, non-positive values of a
        positive parameter, or a broken rule.
    """
    for name, value in zip(names, values):
        check_numbers(value, name)
    try:
        arrays = np.broadcast_arrays(*[np.atleast_1d(np.asarray(v, dtype=np.float64))
                                       for v in values])
    except ValueError:
        shapes = ", ".join(f"{n} {np.shape(v)}" for n, v in zip(names, values))
        raise ValueError(f"parameters must broadcast to shape (n_samples,); got {shapes}") from None
    if arrays[0].ndim != 1:
        raise ValueError(f"parameters must be scalars or 1-D arrays; got shape {arrays[0].shape}")
    params = {n: a.astype(np.float64, copy=True) for n, a in zip(names, arrays)}
    for name, array in params.items():
        bad = ~np.isfinite(array)
        if bad.any():
            raise ValueError(f"{name} holds NaN or infinite values in rows "
                             f"{format_rows(np.flatnonzero(bad))}")
    for name in positive:
        bad = ~(params[name] > 0)
        if bad.any():
            raise ValueError(f"{name} must be > 0; rows {format_rows(np.flatnonzero(bad))}")
    for rule in rules:
        bad, problem = rule(params)
        if bad.any():
            raise ValueError(f"rows {format_rows(np.flatnonzero(bad))} {problem}")
    return params


def _radius_rule(kind):
    def rule(p):
        problem = f"have a {kind} reaching above the surface (radius >= depth)"
        return p["radius"] >= p["depth"], problem
    return rule


def _prism_rule(p):
    return p["bottom"] <= p["top"], "have a prism whose bottom is not below its top (bottom <= top)"


# --------------------------------------------------------------------------
# Kernels: (n_samples,) parameters and (n_stations,) stations -> (n_samples, n_stations)
# --------------------------------------------------------------------------

def _sphere(x, x0, depth, radius, drho):
    mass = (4.0 / 3.0 * np.pi) * radius**3 * drho
    dx = x - x0[:, np.newaxis]
    z = depth[:, np.newaxis]
    r2 = dx * dx + z * z
    return (G * SI_TO_MGAL) * (mass * depth)[:, np.newaxis] / (r2 * np.sqrt(r2))


def _cylinder(x, x0, depth, radius, drho):
    line_density = np.pi * radius**2 * drho
    dx = x - x0[:, np.newaxis]
    z = depth[:, np.newaxis]
    return (2.0 * G * SI_TO_MGAL) * (line_density * depth)[:, np.newaxis] / (dx * dx + z * z)


def _log_a_plus_r(a, r, b2):
    """``ln(a + r)`` with ``r = sqrt(a**2 + b2)``, ``b2 > 0``, without cancellation."""
    log_sum = np.log(np.abs(a) + r)
    return np.where(a >= 0, log_sum, np.log(b2) - log_sum)


def _prism_corner(u, w, half_length):
    """Nagy's corner term summed over ``v = +-half_length``, for corners (u, w).

    ``u`` and ``w`` broadcast to (n_samples, n_stations); ``w > 0``.
    """
    u2, w2, h2 = u * u, w * w, half_length * half_length
    r = np.sqrt(u2 + w2 + h2)
    # v = +h minus v = -h of [w arctan(uv/(wr)) - u ln(v + r) - v ln(u + r)];
    # ln(h + r) - ln(-h + r) = 2 ln(h + r) - ln(u**2 + w**2).
    return (2.0 * w * np.arctan(u * half_length / (w * r))
            - u * (2.0 * np.log(half_length + r) - np.log(u2 + w2))
            - 2.0 * half_length * _log_a_plus_r(u, r, h2 + w2))


def _prism(x, x0, width, top, bottom, drho, length):
    h = 0.5 * length
    west = (x0 - 0.5 * width)[:, np.newaxis] - x
    east = (x0 + 0.5 * width)[:, np.newaxis] - x
    top, bottom = top[:, np.newaxis], bottom[:, np.newaxis]
    total = (_prism_corner(east, bottom, h) - _prism_corner(west, bottom, h)
             - _prism_corner(east, top, h) + _prism_corner(west, top, h))
    return (G * SI_TO_MGAL) * drho[:, np.newaxis] * total


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------

def _output(result, single):
    return result[0] if single else result


def sphere_gz(x, x0, depth, radius, drho):
    """Vertical attraction of homogeneous spheres along a surface profile.

    Parameters
    ----------
    x : array_like, shape (n_stations,)
        Station positions along the profile (m), at the surface z = 0.
    x0, depth, radius, drho : float or array_like, shape (n_samples,)
        Horizontal position of the centre (m), depth of the centre (m, > 0),
        radius (m, > 0, < depth) and density contrast (kg/m^3, any sign).

    Returns
    -------
    g_z : ndarray, shape (n_samples, n_stations), or (n_stations,) if all
        parameters are scalars
        Vertical attraction (mGal), positive down.

    Raises
    ------
    ValueError
        If ``x`` is not finite, a parameter is not finite, ``depth`` or
        ``radius`` is not positive, or ``radius >= depth`` (naming the rows).

    Examples
    --------
    A 10 m sphere of +1000 kg/m^3 centred 20 m deep: 0.0699 mGal above it.

    >>> float(sphere_gz([0.0], 0.0, 20.0, 10.0, 1000.0)[0].round(4))
    0.0699
    """
    x = survey_vector(x, "x", distinct=True)
    single = all(np.ndim(v) == 0 for v in (x0, depth, radius, drho))
    p = check_parameters(["x0", "depth", "radius", "drho"], [x0, depth, radius, drho],
                         positive=["depth", "radius"], rules=[_radius_rule("sphere")])
    return _output(_sphere(x, p["x0"], p["depth"], p["radius"], p["drho"]), single)


def cylinder_gz(x, x0, depth, radius, drho):
    """Vertical attraction of infinite horizontal cylinders (along y).

    Parameters
    ----------
    x : array_like, shape (n_stations,)
        Station positions along the profile (m), at the surface z = 0.
    x0, depth, radius, drho : float or array_like, shape (n_samples,)
        Horizontal position of the axis (m), depth of the axis (m, > 0),
        radius (m, > 0, < depth) and density contrast (kg/m^3, any sign).

    Returns
    -------
    g_z : ndarray, shape (n_samples, n_stations) or (n_stations,)
        Vertical attraction (mGal), positive down.

    Raises
    ------
    ValueError
        As :func:`sphere_gz`.

    Examples
    --------
    >>> float(cylinder_gz([0.0], 0.0, 20.0, 10.0, 1000.0)[0].round(4))
    0.2097
    """
    x = survey_vector(x, "x", distinct=True)
    single = all(np.ndim(v) == 0 for v in (x0, depth, radius, drho))
    p = check_parameters(["x0", "depth", "radius", "drho"], [x0, depth, radius, drho],
                         positive=["depth", "radius"], rules=[_radius_rule("cylinder")])
    return _output(_cylinder(x, p["x0"], p["depth"], p["radius"], p["drho"]), single)


def prism_gz(x, x0, width, top, bottom, drho, length):
    """Vertical attraction of right rectangular prisms across their centre.

    Parameters
    ----------
    x : array_like, shape (n_stations,)
        Station positions along the profile (m), at the surface z = 0.
    x0, width : float or array_like, shape (n_samples,)
        Horizontal position of the centre (m) and extent along the profile
        (m, > 0).
    top, bottom : float or array_like, shape (n_samples,)
        Depth of the top (m, > 0) and of the bottom (m, > top).
    drho : float or array_like, shape (n_samples,)
        Density contrast (kg/m^3, any sign).
    length : float
        Extent perpendicular to the profile (m, > 0); the prism runs from
        ``y = -length/2`` to ``length/2``.

    Returns
    -------
    g_z : ndarray, shape (n_samples, n_stations) or (n_stations,)
        Vertical attraction (mGal), positive down.

    Raises
    ------
    ValueError
        If ``x`` or a parameter is not finite, a length is not positive, or
        ``bottom <= top`` (naming the rows).

    Examples
    --------
    A 1 km square, 10 m thick slab of +1000 kg/m^3 is nearly a Bouguer slab,
    2 pi G drho t = 0.419 mGal, less 0.9 t_mid / (width / 2) = 1.8 %
    for its finite size:

    >>> float(prism_gz([0.0], 0.0, 1000.0, 5.0, 15.0, 1000.0, length=1000.0)[0].round(3))
    0.412
    """
    x = survey_vector(x, "x", distinct=True)
    length = _check_length(length, required=True)
    single = all(np.ndim(v) == 0 for v in (x0, width, top, bottom, drho))
    p = check_parameters(["x0", "width", "top", "bottom", "drho"], [x0, width, top, bottom, drho],
                         positive=["width", "top", "bottom"], rules=[_prism_rule])
    return _output(_prism(x, p["x0"], p["width"], p["top"], p["bottom"], p["drho"], length),
                   single)


def _check_length(length, required):
    if length is None:
        if required:
            raise ValueError("length (m) is required for body='prism': the prism's extent "
                             "perpendicular to the profile")
        return None
    return _checks.check_float(length, "length (m)", 0.0, low_open=True)


# --------------------------------------------------------------------------
# Forward-model class
# --------------------------------------------------------------------------

def station_labels(x):
    """Short labels such as ``'x=-12.5m'``: 4 significant digits, more if needed."""
    for digits in range(4, 18):
        labels = [f"x={v:.{digits}g}m" for v in x]
        if len(set(labels)) == len(labels):
            return labels
    return [f"x={v!r}m" for v in x]


class Gravity(ForwardModel):
    """Gravity anomaly g_z (mGal) of one body along a surface profile.

    Conventions, bodies, parameters and formulas are in the module
    docstring: x along the profile, z down, g_z positive down (a denser
    body gives a positive anomaly).

    Parameters
    ----------
    x : array_like, shape (n_stations,)
        Station positions along the profile (m), finite and distinct, at
        the surface z = 0.
    body : {"sphere", "cylinder", "prism"}
        The body; it fixes the model vector:

        - ``"sphere"``, ``"cylinder"``: ``[x0, depth, radius, drho]``
          (m, m, m, kg/m^3); depth of the centre (axis); radius < depth.
        - ``"prism"``: ``[x0, width, top, bottom, drho]`` (m, m, m, m,
          kg/m^3); top > 0, bottom > top.
    length : float, optional
        Prism only (required there): extent of the prism perpendicular to
        the profile (m); the profile crosses its centre.

    Raises
    ------
    ValueError
        Naming the field: ``x`` empty, not finite or with duplicate
        stations; unknown ``body``; ``length`` missing, not positive or
        given for a body other than the prism.

    Examples
    --------
    >>> grav = Gravity([-20.0, 0.0, 20.0], body="sphere")
    >>> grav.parameter_names, grav.data_names[0]
    (['x0', 'depth', 'radius', 'drho'], 'g_z@x=-20m')
    >>> grav.simulate([[0.0, 20.0, 10.0, 1000.0]]).round(4)
    array([[0.0247, 0.0699, 0.0247]])
    """

    kind = "gravity"
    data_log = False

    def __init__(self, x, body="sphere", length=None):
        x = survey_vector(x, "x", distinct=True).copy()
        body = check_choice(body, "body", BODIES)
        if body != "prism" and length is not None:
            raise ValueError(f"length is used by body='prism' only; got length={length!r} "
                             f"with body={body!r}")
        length = _check_length(length, required=body == "prism")
        x.setflags(write=False)
        self.x = x
        self.body = body
        self.length = length
        self.parameter_names = list(_PARAMETERS[body][0])
        self.parameter_units = list(_PARAMETERS[body][1])
        self.data_names = [f"g_z@{label}" for label in station_labels(x)]
        self.data_units = ["mGal"] * x.size

    @property
    def positive(self):
        """x0 and drho may be negative; every length must be > 0."""
        return np.array(_POSITIVE[self.body])

    def physical_rules(self, models):
        """radius < depth (sphere, cylinder); bottom > top (prism); magnitudes
        within MAGNITUDE_LIMIT (``_geometry.magnitude_rules``)."""
        params = dict(zip(self.parameter_names, models.T))
        limits = magnitude_rules(models, self.parameter_names, self.positive)
        if self.body == "prism":
            return [_prism_rule(params)] + limits
        return [_radius_rule(self.body)(params)] + limits

    def _simulate(self, models):
        m = models.T
        if self.body == "sphere":
            return _sphere(self.x, *m)
        if self.body == "cylinder":
            return _cylinder(self.x, *m)
        return _prism(self.x, *m, self.length)

    def settings(self):
        """Keyword arguments that rebuild this forward model."""
        return {"x": self.x.tolist(), "body": self.body, "length": self.length}

    def outline(self, model, depth_max=None):
        """Deprecated: use :func:`geoinv.viz.body_outline` (``body`` first)."""
        return moved_to_viz("Gravity.outline", "body_outline")(self.body, model, depth_max)


def __getattr__(name):
    if name == "plot_profile_example":      # moved to geoinv.viz in 0.2
        return moved_to_viz("geoinv.forward.gravity.plot_profile_example",
                            "plot_anomaly_over_body")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
