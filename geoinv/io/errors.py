"""Standard deviations of field data: the spaces they come in, defaults, the MT rule.

Spaces
------
A standard deviation is kept in the space its file gives it:

* ``"linear"``: in the value's own unit (ohm.m, deg, mGal, ...);
* ``"relative"``: a fraction of the value (0.05 is 5 %);
* ``"log10"``: in decades of the value (positive values only).

:func:`convert_sigma` goes from one to another to first order (the delta
method): ``sigma_log10 = sigma / (ln 10 * value) = rel_err / ln 10``, and
back.  5 % is 0.0217 decades (``log10(1.05) = 0.0212`` is the exact
upper half-width; the first-order value is the one used everywhere).
Only apparent resistivity (``LOG_QUANTITIES``) may be relative or log10;
phases and profile data take both signs or sit near zero.

Defaults
--------
A file without errors gets these, and the survey's ``error_source`` says
so: 5 % on apparent resistivity (VES and MT), 1.43 deg on MT phase, and for
profiles the noise levels of the shipped scenarios.

MT: one impedance, two errors
-----------------------------
Apparent resistivity and phase of a period come from one impedance Z; an
error |dZ| gives ``rel_err(rho_a) = 2 |dZ| / |Z|`` and ``phase_sigma =
|dZ| / |Z|`` radians.  A file with only one of the two errors gets the
other from it (:func:`mt_errors`).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["SPACES", "LOG_QUANTITIES", "DEFAULT_REL_ERR", "DEFAULT_PHASE_SIGMA", "DEFAULT_SIGMA",
           "convert_sigma", "phase_sigma_from_rel_err", "rel_err_from_phase_sigma", "mt_errors",
           "default_rho_a_source"]

SPACES = ("linear", "relative", "log10")
"""Spaces a standard deviation can be given in."""

DEFAULT_REL_ERR = 0.05
"""Standard deviation of apparent resistivity (VES and MT) when a file gives
none: 5 % of the value, i.e. 0.05 / ln 10 = 0.0217 decades."""

DEFAULT_PHASE_SIGMA = math.degrees(DEFAULT_REL_ERR / 2.0)
"""Standard deviation of an MT phase when a file gives none (deg): 1.43, the
phase error that goes with a 5 % error on rho_a when both come from one
impedance error (``rho_a`` error = 2 |dZ|/|Z|, phase error = |dZ|/|Z| rad)."""

DEFAULT_SIGMA = {"g_z": 0.01, "dT": 2.0, "sp": 2.0, "t": 0.001}
"""Standard deviation of profile data when a file gives none, in the datum's
unit (mGal, nT, mV, s): the noise levels of the shipped scenarios."""

LOG_QUANTITIES = ("rho_a",)
"""Quantities that span decades: their errors may be relative or log10."""


def convert_sigma(sigma, values, from_space, to_space):
    """Express standard deviations in another space (first order).

    Parameters
    ----------
    sigma : array_like, shape (n,)
        Standard deviations in ``from_space``.
    values : array_like, shape (n,)
        The values they belong to (linear, in their unit); must be > 0 for
        ``"log10"`` and non-zero for ``"relative"``.
    from_space, to_space : {"linear", "relative", "log10"}

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    5 % of 100 ohm.m is 5 ohm.m and 0.0217 decades:

    >>> convert_sigma([5.0], [100.0], "linear", "log10").round(4)
    array([0.0217])
    >>> convert_sigma([0.05 / np.log(10)], [100.0], "log10", "linear").round(12)
    array([5.])
    """
    sigma = np.asarray(sigma, dtype=np.float64)
    for space in (from_space, to_space):
        if space not in SPACES:
            raise ValueError(f"sigma space must be one of {', '.join(SPACES)}; got {space!r}")
    if from_space == to_space:
        return sigma.copy()
    values = np.asarray(values, dtype=np.float64)
    if "log10" in (from_space, to_space) and not (values > 0).all():
        raise ValueError("a log10 standard deviation needs positive values")
    if "relative" in (from_space, to_space) and (values == 0).any():
        raise ValueError("a relative standard deviation needs non-zero values")
    if from_space == "linear":
        relative = sigma / np.abs(values)
    elif from_space == "log10":
        relative = sigma * np.log(10.0)
    else:
        relative = sigma
    if to_space == "linear":
        return relative * np.abs(values)
    if to_space == "log10":
        return relative / np.log(10.0)
    return relative


def phase_sigma_from_rel_err(rel_err):
    """Phase error (deg) that goes with a relative rho_a error from the same impedance.

    ``rho_a ~ |Z|**2`` doubles the relative error of ``|Z|``, the phase error
    in radians equals it: ``phase_sigma = degrees(rel_err / 2)``.

    >>> round(float(phase_sigma_from_rel_err(0.05)), 4)
    1.4324
    """
    return np.degrees(np.asarray(rel_err, dtype=np.float64) / 2.0)


def rel_err_from_phase_sigma(phase_sigma):
    """Relative rho_a error that goes with a phase error (deg); the inverse of the above."""
    return 2.0 * np.radians(np.asarray(phase_sigma, dtype=np.float64))


def default_rho_a_source():
    """Error-source text of the default on apparent resistivity."""
    return (f"default: {100 * DEFAULT_REL_ERR:g} % relative on rho_a "
            f"({DEFAULT_REL_ERR / math.log(10):.4f} decades)")


def mt_errors(rho_a, rho_sigma=None, rho_space="relative", phase_sigma=None):
    """Errors of rho_a and phase, their spaces and the error-source text.

    Parameters
    ----------
    rho_a : ndarray, shape (n,)
        Apparent resistivities (ohm.m).
    rho_sigma : ndarray, shape (n,), optional
        Their errors from the file, in ``rho_space``.
    rho_space : {"linear", "relative", "log10"}
    phase_sigma : ndarray, shape (n,), optional
        Phase errors from the file (deg).

    Returns
    -------
    sigma : dict
        ``rho_a`` and ``phase`` errors; a missing one derived from the other
        (:func:`phase_sigma_from_rel_err`), both missing: the defaults.
    space : dict
    source : str
        ``"file"``, or what was derived or defaulted.
    """
    if rho_sigma is not None:
        if phase_sigma is not None:
            source = "file"
        else:
            relative = convert_sigma(rho_sigma, rho_a, rho_space, "relative")
            phase_sigma = phase_sigma_from_rel_err(relative)
            source = ("file (rho_a); phase: derived from the rho_a error, "
                      "phase_sigma = degrees(rel_err / 2)")
    elif phase_sigma is not None:
        rho_sigma, rho_space = rel_err_from_phase_sigma(phase_sigma), "relative"
        source = "file (phase); rho_a: derived from the phase error, rel_err = 2 radians(phase_sigma)"
    else:
        rho_sigma = np.full(len(rho_a), DEFAULT_REL_ERR)
        rho_space = "relative"
        phase_sigma = phase_sigma_from_rel_err(rho_sigma)
        source = f"{default_rho_a_source()}, {DEFAULT_PHASE_SIGMA:.2f} deg on phase"
    return ({"rho_a": rho_sigma, "phase": phase_sigma},
            {"rho_a": rho_space, "phase": "linear"}, source)
