"""Total-field magnetic anomaly of simple bodies along a surface profile.

Conventions (the axes are those of :mod:`geoinv.forward.gravity`)
-----------------------------------------------------------------
* Axes: ``x`` (m) along the profile, ``y`` horizontal and perpendicular to
  it, ``z`` (m) **down**; stations at ``(x, 0, 0)`` on the surface.  The
  profile points along ``azimuth`` (degrees clockwise from north), so
  (x, y, z) is right-handed: ``y`` points to ``azimuth + 90``.
* Inducing (main) field: intensity ``field`` F (nT), ``inclination`` I
  (degrees, positive down, -90..90) and ``declination`` D (degrees east of
  north).  Its unit vector in profile axes is
  ``f = (cos I cos(D - azimuth), cos I sin(D - azimuth), sin I)``.
* Magnetisation: induced only, ``mu0 M = chi F f`` with ``chi`` the
  susceptibility contrast (SI, either sign); no remanence, no
  self-demagnetisation (valid for ``|chi| << 1``).
* Datum: the total-field anomaly ``dT = f . dB`` (nT), the projection of the
  body's field on the main-field direction: the change of ``|F + dB|`` to
  first order, valid when ``|dB| << F``.
* Two-dimensional bodies (the dikes) are infinitely long along ``y`` (their
  strike is perpendicular to the profile) and extend to infinite depth.

Bodies and parameters (a model vector is one row of ``models``)
---------------------------------------------------------------
``"sphere"``     ``[x0, depth, radius, chi]`` (m, m, m, SI): centre at
                 ``(x0, 0, depth)``; rule ``radius < depth``.
``"dike"``       ``[x0, depth, width, dip, chi]`` (m, m, m, degrees, SI): a
                 thick dike whose top, at ``depth``, runs from
                 ``x0 - width/2`` to ``x0 + width/2`` (``width`` is the
                 horizontal width); its sides go down at ``dip`` degrees from
                 the +x axis, 0 < dip < 180 (90 vertical, < 90 dipping
                 towards +x); no bottom.
``"thin_dike"``  ``[x0, depth, dip, chi_t]`` (m, m, degrees, m): the limit of
                 the dike for a small thickness; its top edge is at
                 ``(x0, depth)`` and only ``chi_t`` = chi times the true
                 thickness ``t = width sin(dip)`` (m) is determined.

Formulas
--------
Sphere: a uniformly magnetised sphere has, outside, the field of a dipole
of moment ``M V`` at its centre (e.g. Blakely 1995, *Potential Theory in
Gravity and Magnetic Applications*, ch. 4-5), so with ``r`` the vector from
the centre to the station, ``r = |r|``, ``V = 4/3 pi radius**3``::

    dT = chi F V / (4 pi r**3) (3 (f . r / r)**2 - 1).

Thick dike: the field of a uniformly magnetised 2D body equals that of
"magnetic charge" ``M . n`` on its faces (Poisson; the line-integral method
of Talwani and Heirtzler 1964 and Won and Bevis 1987, also Blakely 1995,
sec. 9.2).  A face from ``P1`` to ``P2`` with unit tangent ``t`` and
``zeta = P - station`` written as complex numbers ``x + i z`` gives::

    dB_x + i dB_z = -(chi F / 2 pi) (f . n) t [ln|zeta2 / zeta1| - i angle(zeta2 / zeta1)],

``angle`` the angle the face subtends at the station, in (-pi, pi).  The two
sides run to infinity down-dip; their charges are opposite, so their
divergent logarithms cancel and each side keeps the finite part
``t [-ln|zeta_P| - i angle(t / zeta_P)]``.  For a vertical dike this is the
classical thick-dike anomaly (Telford, Geldart and Sheriff 1990, *Applied
Geophysics*, sec. 3.7, with k_cgs = chi / 4 pi); at the pole it reduces to
``dT = chi F theta / (2 pi)``, ``theta`` the angle the top subtends.

Thin dike: a sheet of 2D line dipoles of moment ``chi F t f / mu0`` per unit
area from the top edge ``zeta_A`` down-dip (direction ``t``); integrating the
2D dipole field ``(mu0 / 2 pi) conj(m) / conj(zeta)**2`` gives::

    dB_x + i dB_z = (chi_t F / 2 pi) conj(f) t / conj(zeta_A),

the anomaly of the thick dike divided by its width, times ``sin(dip)``, as
the width tends to zero (tests/test_magnetic.py).  In every case
``dT = f_x dB_x + f_z dB_z`` (the ``f_y`` part drives no external field
of an infinitely long body).

The plain functions (:func:`sphere_total_field`, :func:`dike_total_field`,
:func:`thin_dike_total_field`) take the parameters as arrays, shape
(n_samples,), and are vectorised over samples and stations;
:class:`Magnetic` holds the profile and the inducing field.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_float
from ._geometry import magnitude_rules, survey_vector
from .base import ForwardModel, moved_to_viz
from .gravity import check_choice, check_parameters, station_labels

__all__ = ["Magnetic", "sphere_total_field", "dike_total_field", "thin_dike_total_field",
           "field_direction", "BODIES"]

BODIES = ("sphere", "dike", "thin_dike")
"""Bodies understood by :class:`Magnetic`."""

_PARAMETERS = {
    "sphere": (["x0", "depth", "radius", "chi"], ["m", "m", "m", "SI"]),
    "dike": (["x0", "depth", "width", "dip", "chi"], ["m", "m", "m", "deg", "SI"]),
    "thin_dike": (["x0", "depth", "dip", "chi_t"], ["m", "m", "deg", "m"]),
}
_POSITIVE = {
    "sphere": [False, True, True, False],
    "dike": [False, True, True, True, False],
    "thin_dike": [False, True, True, False],
}


# --------------------------------------------------------------------------
# Survey checks
# --------------------------------------------------------------------------

def _check_angle(value, name, low, high):
    return check_float(value, f"{name} (degrees)", low, high)


def _check_field(value):
    return check_float(value, "field (nT)", 0.0, low_open=True)


def field_direction(inclination, declination, azimuth):
    """Unit vector of the inducing field in profile axes (x, y, z down).

    Parameters
    ----------
    inclination : float
        Degrees below the horizontal, in [-90, 90].
    declination : float
        Degrees east of north, in [-360, 360].
    azimuth : float
        Direction of the profile's +x axis, degrees clockwise from north, in
        [-360, 360].

    Returns
    -------
    ndarray, shape (3,)
        ``(cos I cos(D - azimuth), cos I sin(D - azimuth), sin I)``.

    Raises
    ------
    ValueError
        Naming the angle that is not finite or out of range.

    Examples
    --------
    >>> field_direction(90.0, 0.0, 0.0).round(12)
    array([0., 0., 1.])
    """
    inc = np.radians(_check_angle(inclination, "inclination", -90.0, 90.0))
    dec = np.radians(_check_angle(declination, "declination", -360.0, 360.0))
    azi = np.radians(_check_angle(azimuth, "azimuth", -360.0, 360.0))
    return np.array([np.cos(inc) * np.cos(dec - azi), np.cos(inc) * np.sin(dec - azi),
                     np.sin(inc)])


def _radius_rule(p):
    return p["radius"] >= p["depth"], "have a sphere reaching above the surface (radius >= depth)"


def _dip_rule(p):
    return p["dip"] >= 180.0, "have dip >= 180 degrees (dip must lie in (0, 180))"


# --------------------------------------------------------------------------
# Kernels: (n_samples,) parameters, (n_stations,) stations -> (n_samples, n_stations)
# --------------------------------------------------------------------------

def _sphere(x, f, field, x0, depth, radius, chi):
    dx = x - x0[:, np.newaxis]
    z = depth[:, np.newaxis]
    r2 = dx * dx + z * z
    cos2 = (f[0] * dx - f[2] * z) ** 2 / r2        # (f . r / r)**2, r = station - centre
    scale = (field / 3.0) * chi * radius**3        # chi F V / (4 pi)
    return scale[:, np.newaxis] * (3.0 * cos2 - 1.0) / (r2 * np.sqrt(r2))


def _down_dip(dip):
    """Unit down-dip vector as a complex number x + i z, shape (n_samples, 1)."""
    return np.exp(1j * np.radians(dip))[:, np.newaxis]


def _dike(x, f, field, x0, depth, width, dip, chi):
    fc = f[0] + 1j * f[2]
    t = _down_dip(dip)
    zeta_a = ((x0 - 0.5 * width)[:, np.newaxis] - x) + 1j * depth[:, np.newaxis]
    zeta_b = zeta_a + width[:, np.newaxis]
    # Charges f . n: top face (n = -z), left side (n = i t), right side (n = -i t).
    sigma_top = -f[2]
    sigma_left = np.real(np.conj(fc) * 1j * t)
    top = np.log(np.abs(zeta_b) / np.abs(zeta_a)) - 1j * np.angle(zeta_b * np.conj(zeta_a))
    sides = t * (np.log(np.abs(zeta_b) / np.abs(zeta_a))
                 - 1j * (np.angle(t * np.conj(zeta_a)) - np.angle(t * np.conj(zeta_b))))
    b = -(field / (2.0 * np.pi)) * chi[:, np.newaxis] * (sigma_top * top + sigma_left * sides)
    return np.real(np.conj(fc) * b)


def _thin_dike(x, f, field, x0, depth, dip, chi_t):
    fc = f[0] + 1j * f[2]
    zeta_a = (x0[:, np.newaxis] - x) + 1j * depth[:, np.newaxis]
    b = (field / (2.0 * np.pi)) * chi_t[:, np.newaxis] * np.conj(fc) * _down_dip(dip) \
        / np.conj(zeta_a)
    return np.real(np.conj(fc) * b)


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------

def _run(kernel, x, names, values, positive, rules, inclination, declination, azimuth, field):
    x = survey_vector(x, "x", distinct=True)
    f = field_direction(inclination, declination, azimuth)
    field = _check_field(field)
    single = all(np.ndim(v) == 0 for v in values)
    p = check_parameters(names, values, positive=positive, rules=rules)
    result = kernel(x, f, field, *p.values())
    return result[0] if single else result


def sphere_total_field(x, x0, depth, radius, chi, *, inclination, declination, azimuth,
                       field=50000.0):
    """Total-field anomaly of induced spheres along a surface profile.

    Parameters
    ----------
    x : array_like, shape (n_stations,)
        Station positions along the profile (m), at the surface z = 0.
    x0, depth, radius, chi : float or array_like, shape (n_samples,)
        Horizontal position of the centre (m), depth of the centre (m, > 0),
        radius (m, > 0, < depth) and susceptibility contrast (SI, any sign).
    inclination, declination, azimuth : float
        Inducing-field inclination and declination and profile azimuth
        (degrees; see :func:`field_direction`).
    field : float, optional
        Inducing-field intensity (nT).

    Returns
    -------
    dT : ndarray, shape (n_samples, n_stations), or (n_stations,) if all
        parameters are scalars
        Total-field anomaly (nT).

    Raises
    ------
    ValueError
        Naming the field or the rows: ``x`` not finite, an angle out of
        range, ``field`` not positive, a parameter not finite, ``depth`` or
        ``radius`` not positive, ``radius >= depth``.

    Examples
    --------
    At the pole, above a 10 m sphere 20 m deep: 2 chi F radius**3 / (3 depth**3).

    >>> float(sphere_total_field([0.0], 0.0, 20.0, 10.0, 0.01, inclination=90.0,
    ...                          declination=0.0, azimuth=0.0)[0].round(3))
    41.667
    """
    return _run(_sphere, x, ["x0", "depth", "radius", "chi"], [x0, depth, radius, chi],
                ["depth", "radius"], [_radius_rule], inclination, declination, azimuth, field)


def dike_total_field(x, x0, depth, width, dip, chi, *, inclination, declination, azimuth,
                     field=50000.0):
    """Total-field anomaly of thick, infinitely deep 2D dikes.

    Parameters
    ----------
    x : array_like, shape (n_stations,)
        Station positions along the profile (m), at the surface z = 0.
    x0, depth, width : float or array_like, shape (n_samples,)
        Centre of the top (m), depth of the top (m, > 0) and horizontal width
        (m, > 0).
    dip : float or array_like, shape (n_samples,)
        Dip of the sides from the +x axis (degrees, 0 < dip < 180).
    chi : float or array_like, shape (n_samples,)
        Susceptibility contrast (SI, any sign).
    inclination, declination, azimuth, field
        As in :func:`sphere_total_field`.

    Returns
    -------
    dT : ndarray, shape (n_samples, n_stations) or (n_stations,)
        Total-field anomaly (nT).

    Raises
    ------
    ValueError
        As :func:`sphere_total_field`, and for ``dip`` outside (0, 180).

    Examples
    --------
    Vertical dike at the pole: chi F theta / (2 pi), theta = 2 arctan(5 / 10)
    above the centre of a 10 m wide top 10 m deep.

    >>> float(dike_total_field([0.0], 0.0, 10.0, 10.0, 90.0, 0.01, inclination=90.0,
    ...                        declination=0.0, azimuth=0.0)[0].round(3))
    73.792
    """
    return _run(_dike, x, ["x0", "depth", "width", "dip", "chi"], [x0, depth, width, dip, chi],
                ["depth", "width", "dip"], [_dip_rule], inclination, declination, azimuth, field)


def thin_dike_total_field(x, x0, depth, dip, chi_t, *, inclination, declination, azimuth,
                          field=50000.0):
    """Total-field anomaly of thin, infinitely deep 2D dikes.

    Parameters
    ----------
    x : array_like, shape (n_stations,)
        Station positions along the profile (m), at the surface z = 0.
    x0, depth : float or array_like, shape (n_samples,)
        Position (m) and depth (m, > 0) of the top edge.
    dip : float or array_like, shape (n_samples,)
        Dip from the +x axis (degrees, 0 < dip < 180).
    chi_t : float or array_like, shape (n_samples,)
        Susceptibility contrast times true thickness (m; SI times m).
    inclination, declination, azimuth, field
        As in :func:`sphere_total_field`.

    Returns
    -------
    dT : ndarray, shape (n_samples, n_stations) or (n_stations,)
        Total-field anomaly (nT).

    Raises
    ------
    ValueError
        As :func:`dike_total_field`.

    Examples
    --------
    Vertical sheet at the pole, above its top: chi_t F / (2 pi depth).

    >>> float(thin_dike_total_field([0.0], 0.0, 10.0, 90.0, 0.1, inclination=90.0,
    ...                             declination=0.0, azimuth=0.0)[0].round(3))
    79.577
    """
    return _run(_thin_dike, x, ["x0", "depth", "dip", "chi_t"], [x0, depth, dip, chi_t],
                ["depth", "dip"], [_dip_rule], inclination, declination, azimuth, field)


# --------------------------------------------------------------------------
# Forward-model class
# --------------------------------------------------------------------------

class Magnetic(ForwardModel):
    """Total-field magnetic anomaly (nT) of one body along a surface profile.

    Conventions, bodies, parameters and formulas are in the module
    docstring (x along the profile, z down, induced magnetisation only).

    Parameters
    ----------
    x : array_like, shape (n_stations,)
        Station positions along the profile (m), finite and distinct.
    body : {"sphere", "dike", "thin_dike"}
        The body; it fixes the model vector:

        - ``"sphere"``: ``[x0, depth, radius, chi]`` (m, m, m, SI),
          radius < depth;
        - ``"dike"``: ``[x0, depth, width, dip, chi]`` (m, m, m, degrees, SI),
          0 < dip < 180;
        - ``"thin_dike"``: ``[x0, depth, dip, chi_t]`` (m, m, degrees, m).
    inclination : float
        Inclination of the inducing field (degrees, positive down, in
        [-90, 90]).
    declination : float
        Declination of the inducing field (degrees east of north, in
        [-360, 360]).
    azimuth : float
        Azimuth of the profile's +x direction (degrees clockwise from north,
        in [-360, 360]); 2D bodies strike at ``azimuth + 90``.
    field : float, optional
        Intensity of the inducing field (nT), > 0.

    Raises
    ------
    ValueError
        Naming the field: ``x`` empty, not finite or with duplicates;
        unknown ``body``; an angle not finite or out of range; ``field`` not
        positive.

    Examples
    --------
    >>> mag = Magnetic([-20.0, 0.0, 20.0], body="sphere", inclination=90.0,
    ...                declination=0.0, azimuth=0.0)
    >>> mag.parameter_names, mag.data_names[0]
    (['x0', 'depth', 'radius', 'chi'], 'dT@x=-20m')
    >>> mag.simulate([[0.0, 20.0, 10.0, 0.01]]).round(2)
    array([[ 3.68, 41.67,  3.68]])
    """

    kind = "magnetic"
    data_log = False

    def __init__(self, x, body="sphere", *, inclination, declination, azimuth, field=50000.0):
        x = survey_vector(x, "x", distinct=True).copy()
        body = check_choice(body, "body", BODIES)
        self.direction = field_direction(inclination, declination, azimuth)
        self.direction.setflags(write=False)
        x.setflags(write=False)
        self.x = x
        self.body = body
        self.inclination = float(inclination)
        self.declination = float(declination)
        self.azimuth = float(azimuth)
        self.field = _check_field(field)
        self.parameter_names = list(_PARAMETERS[body][0])
        self.parameter_units = list(_PARAMETERS[body][1])
        self.data_names = [f"dT@{label}" for label in station_labels(x)]
        self.data_units = ["nT"] * x.size

    @property
    def positive(self):
        """x0 and the susceptibility may be negative; lengths and dip must be > 0."""
        return np.array(_POSITIVE[self.body])

    def physical_rules(self, models):
        """radius < depth (sphere); dip < 180 degrees (dikes); magnitudes within
        MAGNITUDE_LIMIT (``_geometry.magnitude_rules``)."""
        params = dict(zip(self.parameter_names, models.T))
        rule = _radius_rule(params) if self.body == "sphere" else _dip_rule(params)
        return [rule] + magnitude_rules(models, self.parameter_names, self.positive)

    def _simulate(self, models):
        kernel = {"sphere": _sphere, "dike": _dike, "thin_dike": _thin_dike}[self.body]
        return kernel(self.x, self.direction, self.field, *models.T)

    def settings(self):
        """Keyword arguments that rebuild this forward model."""
        return {"x": self.x.tolist(), "body": self.body, "inclination": self.inclination,
                "declination": self.declination, "azimuth": self.azimuth, "field": self.field}

    def outline(self, model, depth_max):
        """Deprecated: use :func:`geoinv.viz.body_outline` (``body`` first)."""
        return moved_to_viz("Magnetic.outline", "body_outline")(self.body, model, depth_max)
