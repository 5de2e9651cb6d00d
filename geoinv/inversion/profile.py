"""Synthetic profiles: a line of soundings over a laterally varying layered earth.

A profile is ``n_positions`` soundings at positions ``x`` (m) along a line of
length ``length``; each position has its own layered model, and stitching
the 1D models side by side gives a 2D section.  The true models vary along
the line as a *profile specification* says: every parameter is either a
constant or goes from a ``start`` value (x = 0) to an ``end`` value
(x = length), interpolated in log10 (geometrically) for log parameters, e.g.
a middle layer thickening from 2 to 40 m::

    spec = {"rho": [200.0, 20.0, 500.0],               # rho_1 .. rho_3 (ohm.m), constant
            "h_1": {"start": 3.0, "end": 12.0},         # top of layer 2 dips
            "h_2": {"start": 2.0, "end": 40.0}}         # layer 2 thickens

A group key (``rho``, ``h``: the name up to ``_<number>``) sets all its
members, with one value for all or a list of one value per member;
per-parameter keys override it.  ``shape`` chooses how start goes to end:
``"linear"`` (straight, a constant dip), ``"smooth"`` (half a cosine, flat at
both ends) or ``"bump"`` (start at both ends, end in the middle: a lens).

Conventions: layers top-down, a model ``[rho_1 .. rho_N, h_1 .. h_(N-1)]``
(ohm.m, m), depth positive downward (m), positions in m.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .._checks import check_float, check_int
from ..prior.dataset import Dataset
from ..prior.model_space import as_generator, declared_scale, from_declared_scale
from .misfit import data_misfit, simulate_valid
from .refine import refine
from ..forward import interface_depths  # noqa: F401  (moved in 0.2; importable from here too)

__all__ = ["PROFILE_SHAPES", "EXAMPLE_PROFILE", "Profile", "profile_models", "simulate_profile",
           "ProfileInversion", "invert_profile", "interface_depths", "layered_section"]

PROFILE_SHAPES = ("linear", "smooth", "bump")
"""How a parameter goes from its start to its end value along the line."""

EXAMPLE_PROFILE = {
    "rho": [200.0, 20.0, 500.0],
    "h_1": {"start": 3.0, "end": 12.0},
    "h_2": {"start": 2.0, "end": 40.0},
}
"""A three-layer H-type earth whose conductive middle layer dips and thickens."""


@dataclass
class Profile:
    """True models along a line.

    Attributes
    ----------
    x : ndarray, shape (n_positions,)
        Position of each sounding along the line (m).
    models : ndarray, shape (n_positions, n_params)
        True model at each position, physical units.
    names : list of str
        Parameter names (columns of ``models``).
    """

    x: np.ndarray
    models: np.ndarray
    names: list


def _group(name):
    match = re.fullmatch(r"(.+)_\d+", name)
    return match.group(1) if match else None


def _ramp(t, shape):
    if shape == "linear":
        return t
    if shape == "smooth":
        return 0.5 * (1.0 - np.cos(np.pi * t))
    if shape == "bump":
        return 0.5 * (1.0 - np.cos(2.0 * np.pi * t))
    raise ValueError(f"profile shape must be one of {', '.join(PROFILE_SHAPES)}; got {shape!r}")


def profile_models(names, spec, n_positions, length, *, log=True, shape="linear"):
    """Build the true models along a line from a profile specification.

    Parameters
    ----------
    names : sequence of str
        Parameter names in model-vector order (``space.names``).
    spec : dict
        ``{name or group: value}``; a value is a number (constant), a table
        ``{"start": a, "end": b}``, or for a group a list of those, one per
        member.  Every parameter must be set.  See the module docstring.
    n_positions : int
        Number of soundings, >= 2.
    length : float
        Length of the line (m), > 0; positions are ``linspace(0, length, n)``.
    log : bool or array_like of bool, shape (n_params,)
        Interpolate in log10 (``space.log``); start and end must then be > 0.
    shape : {"linear", "smooth", "bump"}

    Returns
    -------
    Profile

    Raises
    ------
    ValueError
        Naming the key: an unknown name, a parameter left unset, a list of
        the wrong length, a malformed value, non-positive log values, or a
        bad ``n_positions``/``length``/``shape``.

    Examples
    --------
    >>> p = profile_models(["rho_1", "rho_2", "h_1"],
    ...                    {"rho": [100.0, 10.0], "h_1": {"start": 1.0, "end": 100.0}}, 3, 20.0)
    >>> p.x.tolist(), p.models[:, 2].round(6).tolist()
    ([0.0, 10.0, 20.0], [1.0, 10.0, 100.0])
    """
    names = list(names)
    check_int(n_positions, "n_positions", 2)
    check_float(length, "length (m)", 0.0, low_open=True)
    t = _ramp(np.linspace(0.0, 1.0, n_positions), shape)
    log = np.broadcast_to(np.asarray(log, dtype=bool), (len(names),))

    groups = {}
    for j, name in enumerate(names):
        groups.setdefault(_group(name), []).append(j)
    values = [None] * len(names)
    for key, value in spec.items():                  # groups first, then names override
        if key in names or key not in groups or key is None:
            continue
        members = groups[key]
        items = value if isinstance(value, (list, tuple)) else [value] * len(members)
        if len(items) != len(members):
            raise ValueError(f"profile {key}: give one value or {len(members)} values "
                             f"({', '.join(names[j] for j in members)}); got {len(items)}")
        for j, item in zip(members, items):
            values[j] = (f"{key}[{members.index(j)}]", item)
    for key, value in spec.items():
        if key in names:
            values[names.index(key)] = (key, value)
        elif key not in groups:
            raise ValueError(f"profile {key}: unknown parameter or group; parameters are "
                             f"{', '.join(names)}")
    unset = [names[j] for j, v in enumerate(values) if v is None]
    if unset:
        raise ValueError(f"profile: no value for {', '.join(unset)}")

    models = np.empty((n_positions, len(names)))
    for j, (where, value) in enumerate(values):
        start, end = _start_end(value, where)
        if log[j] and not (start > 0 and end > 0):
            raise ValueError(f"profile {where}: values must be > 0 for a log parameter; "
                             f"got start={start}, end={end}")
        a, b = declared_scale([start, end], log[j])      # interpolate in the declared scale
        models[:, j] = from_declared_scale(a + t * (b - a), log[j])
    return Profile(np.linspace(0.0, float(length), n_positions), models, names)


def _start_end(value, where):
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"start", "end"})
        if unknown or not {"start", "end"} <= set(value):
            raise ValueError(f"profile {where}: a varying value needs exactly start and end; "
                             f"got keys {sorted(value)}")
        start, end = value["start"], value["end"]
    else:
        start = end = value
    try:
        if isinstance(start, (bool, str, np.bool_)) or isinstance(end, (bool, str, np.bool_)):
            raise TypeError
        start, end = float(start), float(end)
    except (TypeError, ValueError):
        raise ValueError(f"profile {where}: expected a number or {{start, end}}; "
                         f"got {value!r}") from None
    if not (np.isfinite(start) and np.isfinite(end)):
        raise ValueError(f"profile {where}: values must be finite; got {value!r}")
    return start, end


def simulate_profile(forward, profile, noise, rng=None):
    """Simulate the soundings of a profile and add noise.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
    profile : Profile
    noise : geoinv.prior.noise.GaussianNoise
    rng : numpy.random.Generator or int or None

    Returns
    -------
    geoinv.prior.dataset.Dataset
        One row per position, in the order of ``profile.x``.
    """
    rng = as_generator(rng)
    clean = forward.simulate(profile.models)
    data, sigma = noise.add(clean, rng, log_mask=forward.data_log_mask)
    return Dataset(profile.models.copy(), data, clean, sigma)


@dataclass
class ProfileInversion:
    """Models and misfits of every method along a profile.

    Attributes
    ----------
    models : dict of str to ndarray, shape (n_positions, n_params)
        ``"network"`` and ``"network_lm"``.
    rms : dict of str to ndarray, shape (n_positions,)
        RMS data misfit of each, in the error space of each datum (log10 for
        apparent resistivity), in standard deviations.
    lsq : geoinv.inversion.least_squares.LSQResult
        The refinement (forward calls, iterations, status).
    """

    models: dict
    rms: dict
    lsq: object


def invert_profile(inversion, data, sigma, *, rng=None, **lm_options):
    """Invert every sounding of a profile by the network and by network -> LM.

    Parameters
    ----------
    inversion : geoinv.NetworkInversion
    data, sigma : array_like, shape (n_positions, n_data)
    rng : numpy.random.Generator or int or None
        Restart draws of the refinement.
    **lm_options
        Passed to :func:`geoinv.inversion.refine.refine`.

    Returns
    -------
    ProfileInversion
    """
    network = inversion.predict(data)
    rms_network = data_misfit(data, simulate_valid(inversion.forward, network), sigma,
                              inversion.forward.data_log_mask)[0]
    lsq = refine(inversion, data, sigma, models=network, rng=rng, **lm_options)
    return ProfileInversion({"network": network, "network_lm": lsq.models},
                            {"network": rms_network, "network_lm": lsq.rms}, lsq)


def __getattr__(name):
    """``layered_section`` moved to :mod:`geoinv.viz.sections` in 0.2; importable here until 0.3.

    Looked up on first use, so that this module does not import the drawing
    package (which imports the packages below it: a cycle at import time).
    """
    if name == "layered_section":
        from ..viz.sections import layered_section

        return layered_section
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
