"""Magnetotelluric soundings as tables: apparent resistivity and phase per period.

CSV (comma, semicolon, tab or blank separated, one header row)
--------------------------------------------------------------
============================ ==============================================
column                       meaning
============================ ==============================================
``period`` or ``frequency``  period T (s) or frequency f = 1/T (Hz), > 0
``rho_a`` or ``log10_rho_a`` apparent resistivity (ohm.m, > 0) or its log10
``phase``                    impedance phase (deg), in [-180, 180]
one of (optional)            ``rel_err`` (fraction), ``rho_a_sigma``
                             (ohm.m) or ``log10_rho_a_sigma`` (decades): the
                             error of rho_a
``phase_sigma`` (optional)   error of the phase (deg)
``sounding``, ``x``, ``y``   sounding id and position (m), optional
============================ ==============================================

The column names of the espresso Coompana file (``freq(Hz) rho(ohm.m)
err_rho phase(deg) err_phase``, blank separated) are accepted as aliases.

Errors not in the file
----------------------
Apparent resistivity and phase of one period come from one impedance Z; an
error |dZ| gives ``rel_err(rho_a) = 2 |dZ| / |Z|`` and
``phase_sigma = |dZ| / |Z|`` (radians).  So a file with only one of the two
errors gets the other from it, ``phase_sigma = degrees(rel_err / 2)``
(5 % <-> 1.43 deg), and a file with neither gets 5 % and 1.43 deg.  The
error source says which.

Rules (one-line errors naming line and column): periods (frequencies) and
apparent resistivities > 0, no period twice within a sounding, errors > 0,
``rel_err`` < 1 (a fraction, not a percentage).
The periods may come in any order (most files list decreasing frequency).
The convention (``e^{+i omega t}``, phase in degrees, 45 over a
half-space) is that of :mod:`geoinv.forward.mt`.
"""

from __future__ import annotations


import numpy as np

from ._build import errors_column, SOUNDING_ALIASES, check_distinct, default_id, pick_one, positions, sounding_rows
from ._table import parse_table, read_lines
from .errors import mt_errors
from .survey import Survey

__all__ = ["read_mt_csv", "MT_COLUMNS", "COMPONENTS"]

COMPONENTS = ("xy", "yx", "det")
"""MT impedance components a survey can hold (see :mod:`geoinv.io.survey`)."""

MT_COLUMNS = {
    "period": "period", "frequency": "frequency", "freq": "frequency",
    "rho_a": "rho_a", "rhoa": "rho_a", "rho": "rho_a", "app. res.": "rho_a",
    "log10_rho_a": "log10_rho_a",
    "phase": "phase", "phs": "phase",
    "rel_err": "rel_err",
    "rho_a_sigma": "rho_a_sigma", "err_rho": "rho_a_sigma",
    "log10_rho_a_sigma": "log10_rho_a_sigma",
    "phase_sigma": "phase_sigma", "err_phase": "phase_sigma",
    **SOUNDING_ALIASES,
}
"""Header spelling (lower case, unit removed) -> column."""

_UNITS = {"period": ("s",), "frequency": ("hz",), "rho_a": ("ohmm",), "rho_a_sigma": ("ohmm",),
          "phase": ("deg", "degrees", "\u00b0"), "phase_sigma": ("deg", "degrees", "\u00b0"),
          "rel_err": ("fraction",), "x": ("m",), "y": ("m",)}


def read_mt_csv(source, *, component=None, x=None, y=None, sounding=None):
    """Read an MT table with a header row into a :class:`~geoinv.io.Survey`.

    Parameters
    ----------
    source : str, os.PathLike or text stream
        The file (columns in the module docstring).
    component : {"xy", "yx", "det"} or None, optional
        Which impedance the values come from, when the file does not say
        (a ``# component: det`` comment line says it); None: unknown.
    x, y : float, optional
        Position (m) of a single sounding whose file has no x/y columns.
    sounding : str, optional
        Id of a file without a sounding column (default: the file name).

    Returns
    -------
    Survey
        ``method="mt"``; geometry ``period`` (s, 1/f when the file gives
        frequencies); values ``rho_a`` (ohm.m) and ``phase`` (deg).

    Raises
    ------
    SurveyFileError
        A ValueError whose one-line message names the file, line and column.

    Examples
    --------
    >>> import io
    >>> text = "frequency,rho_a,phase,rel_err\\n10,100,45,0.1\\n1,50,60,0.1\\n"
    >>> survey = read_mt_csv(io.StringIO(text))
    >>> survey.period, survey.sigma_in("phase", "linear").round(3)
    (array([0.1, 1. ]), array([2.865, 2.865]))
    """
    path, lines = read_lines(source)
    table = parse_table(path, lines, MT_COLUMNS, units=_UNITS)
    meta = {k: v[-1] for k, v in table.meta.items()}
    if meta.get("method", "mt") != "mt":
        raise table.error(f"the file says method {meta['method']!r}, not mt")
    component = component if component is not None else meta.get("component")
    if component is not None and component not in COMPONENTS:
        raise ValueError(f"component must be one of {', '.join(COMPONENTS)} or None; "
                         f"got {component!r}")
    notes = list(table.meta.get("note", []))

    t_name = pick_one(table, ("period", "frequency"), "the period (s) or frequency (Hz)")
    period = table.numbers(t_name, positive=True)
    if t_name == "frequency":
        period = 1.0 / period
    rho_name = pick_one(table, ("rho_a", "log10_rho_a"), "the apparent resistivity")
    if rho_name == "rho_a":
        rho_a = table.numbers("rho_a", positive=True)
    else:
        rho_a = 10.0 ** table.numbers("log10_rho_a")
    phase = table.numbers(pick_one(table, ("phase",), "the phase (deg)"))
    bad = np.flatnonzero(np.abs(phase) > 180.0)
    if bad.size:
        raise table.error(f"phase {phase[bad[0]]:g} deg is outside [-180, 180]", bad[0], "phase")

    err_name = pick_one(table, ("rel_err", "rho_a_sigma", "log10_rho_a_sigma"),
                        "the error of rho_a", required=False)
    phase_sigma = table.numbers("phase_sigma", positive=True) if table.has("phase_sigma") else None
    rho_sigma = None if err_name is None else errors_column(table, err_name)
    rho_space = {"rel_err": "relative", "rho_a_sigma": "linear",
                 "log10_rho_a_sigma": "log10", None: "relative"}[err_name]
    sigma, space, source = mt_errors(rho_a, rho_sigma, rho_space, phase_sigma)
    if rho_sigma is not None and phase_sigma is not None:
        source = meta.get("error_source", source)

    ids, order = sounding_rows(table, sounding or default_id(table.path))
    for s in dict.fromkeys(ids):
        check_distinct(table, np.flatnonzero(ids == s), period, t_name,
                       "period" if t_name == "period" else "frequency")
    places = positions(table, ids, x, y)
    return Survey(method="mt", geometry={"period": period[order]},
                  values={"rho_a": rho_a[order], "phase": phase[order]},
                  sigma={q: v[order] for q, v in sigma.items()}, sigma_space=space,
                  error_source=source, sounding=ids[order], positions=places,
                  component=component, source=table.path, notes=tuple(notes))
