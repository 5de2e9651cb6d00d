"""Vertical electrical soundings: CSV tables and whitespace ``.ves`` files.

CSV (comma, semicolon, tab or blank separated, one header row)
--------------------------------------------------------------
======================= ===================================================
column                  meaning
======================= ===================================================
``ab2``                 AB/2 (m), half the current-electrode spacing
``mn2`` (optional)      MN/2 (m), half the potential-electrode spacing; may
                        step up along the sounding (segments of constant
                        MN/2); absent: ideal Schlumberger (MN -> 0)
``rho_a``               apparent resistivity (ohm.m), > 0; or
``log10_rho_a``         its log10
one of (optional)       ``sigma`` (ohm.m), ``rel_err`` (fraction, 0.05 is
                        5 %) or ``log10_sigma`` (decades); absent: the
                        default, 5 % relative (0.0217 decades)
``sounding`` (optional) sounding id (several soundings in one file)
``x``, ``y`` (optional) position of the sounding (m)
======================= ===================================================

Header cells are matched without regard to case, with a unit in
parentheses checked (``"AB/2 (m)"``, ``"App. Res. (Ohm m)"``), so the
field sheets of the Myanmar soundings (SimPEG research, columns
``AB/2 (m), MN/2 (m), K, V (mV), I (mA), V/I, App. Res. (Ohm m)``) read as
they are; their raw columns K, V, I and V/I are not used (a note says so).

Rules, each a one-line error naming line and column: AB/2 and MN/2 > 0,
MN/2 < AB/2; within a sounding AB/2 increases strictly along each segment
of constant MN/2 (a new MN/2 may restart lower: the overlapping segments
of a field sheet); no (AB/2, MN/2) pair twice; errors > 0, ``rel_err`` < 1
(a fraction, not a percentage; give larger errors in decades).

``.ves`` files (pyGIMLi's layout)
---------------------------------
Numbers only, separated by blanks: ``AB/2 MN/2 rho_a`` per line, or
``AB/2 rho_a`` (ideal Schlumberger); ``#`` starts a comment line.

Array
-----
``array=None`` (default) calls a sounding Wenner when MN/2 = AB/2 / 3 on
every row (AB = 3 a), Schlumberger otherwise; a finite-MN Schlumberger
forward model reproduces a Wenner sounding exactly, so the choice only
names it.
"""

from __future__ import annotations


import numpy as np

from ._build import errors_column, SOUNDING_ALIASES, default_id, pick_one, positions, sounding_rows
from ._table import parse_table, read_lines
from .errors import DEFAULT_REL_ERR, default_rho_a_source
from .survey import Survey

__all__ = ["read_ves_csv", "read_ves_file", "VES_COLUMNS"]

VES_COLUMNS = {
    "ab2": "ab2", "ab/2": "ab2",
    "mn2": "mn2", "mn/2": "mn2",
    "rho_a": "rho_a", "rhoa": "rho_a", "app. res.": "rho_a", "app.res.": "rho_a",
    "apparent_resistivity": "rho_a",
    "log10_rho_a": "log10_rho_a",
    "sigma": "sigma", "rho_a_sigma": "sigma",
    "rel_err": "rel_err",
    "log10_sigma": "log10_sigma", "log10_rho_a_sigma": "log10_sigma",
    **SOUNDING_ALIASES,
}
"""Header spelling (lower case, unit removed) -> column."""

_UNITS = {"ab2": ("m",), "mn2": ("m",), "x": ("m",), "y": ("m",), "rho_a": ("ohmm",),
          "sigma": ("ohmm",), "log10_sigma": ("decades", "decade"), "rel_err": ("fraction",)}
_RAW = ("k", "v", "i", "v/i")     # field-sheet columns beside the apparent resistivity
_ARRAYS = ("schlumberger", "wenner")
_WENNER_TOL = 1e-6                # relative: MN/2 = AB/2 / 3 to this precision is Wenner


def read_ves_csv(source, *, array=None, x=None, y=None, sounding=None):
    """Read a VES table with a header row into a :class:`~geoinv.io.Survey`.

    Parameters
    ----------
    source : str, os.PathLike or text stream
        The file (columns in the module docstring).
    array : {"schlumberger", "wenner"} or None, optional
        Electrode array; None: Wenner if MN/2 = AB/2 / 3 throughout, else
        Schlumberger (see the module docstring).
    x, y : float, optional
        Position (m) of a single sounding whose file has no x/y columns.
    sounding : str, optional
        Id of a file without a sounding column (default: the file name
        without extension).

    Returns
    -------
    Survey
        ``method="ves"``; geometry ``ab2`` (and ``mn2`` if given, m);
        values ``rho_a`` (ohm.m); errors as the file gives them (space
        ``linear``, ``relative`` or ``log10``) or the default 5 % relative.

    Raises
    ------
    SurveyFileError
        A ValueError whose one-line message names the file, line and column.
    """
    path, lines = read_lines(source)
    table = parse_table(path, lines, VES_COLUMNS, units=_UNITS, unused=_RAW)
    return _survey(table, array, x, y, sounding)


def read_ves_file(source, *, array=None, x=None, y=None, sounding=None):
    """Read a whitespace ``.ves`` file (``AB/2 MN/2 rho_a`` or ``AB/2 rho_a`` per line).

    Parameters and return value as :func:`read_ves_csv`; the file has no
    errors, so the survey carries the default (5 % relative on rho_a).

    Examples
    --------
    >>> import io
    >>> survey = read_ves_file(io.StringIO("1.0 0.3 151.35\\n1.3 0.3 179.752\\n"))
    >>> survey.ab2, survey.mn2, survey.rho_a
    (array([1. , 1.3]), array([0.3, 0.3]), array([151.35 , 179.752]))
    >>> survey.error_source
    'default: 5 % relative on rho_a (0.0217 decades)'
    """
    path, lines = read_lines(source)
    table = parse_table(path, lines, {}, header=False,
                        names={2: ["ab2", "rho_a"], 3: ["ab2", "mn2", "rho_a"]})
    return _survey(table, array, x, y, sounding)


def _survey(table, array, x, y, sounding):
    meta = {k: v[-1] for k, v in table.meta.items()}
    if meta.get("method", "ves") != "ves":
        raise table.error(f"the file says method {meta['method']!r}, not ves")
    array = array if array is not None else meta.get("array")
    if array is not None and array not in _ARRAYS:
        raise ValueError(f"array must be one of {', '.join(_ARRAYS)} or None; got {array!r}")

    ab2 = table.numbers(pick_one(table, ("ab2",), "AB/2 (m)"), positive=True)
    mn2 = table.numbers("mn2", positive=True) if table.has("mn2") else None
    rho_name = pick_one(table, ("rho_a", "log10_rho_a"), "the apparent resistivity")
    if rho_name == "rho_a":
        rho_a = table.numbers("rho_a", positive=True)
    else:
        rho_a = 10.0 ** table.numbers("log10_rho_a")
    err_name = pick_one(table, ("sigma", "rel_err", "log10_sigma"), "the error", required=False)
    notes = list(table.meta.get("note", []))
    if err_name is None:
        sigma = np.full(len(table), DEFAULT_REL_ERR)
        space = "relative"
        source = default_rho_a_source()
    else:
        sigma = errors_column(table, err_name)
        space = {"sigma": "linear", "rel_err": "relative", "log10_sigma": "log10"}[err_name]
        source = meta.get("error_source", "file")
    if table.extra:
        notes.append(f"columns {', '.join(table.extra)} not used (rho_a taken from "
                     f"{table.spelled[rho_name]!r})")

    ids, order = sounding_rows(table, sounding or default_id(table.path))
    _check_spacings(table, ids, ab2, mn2)
    array = _array_of(table, array, ab2, mn2)
    places = positions(table, ids, x, y)
    geometry = {"ab2": ab2[order]}
    if mn2 is not None:
        geometry["mn2"] = mn2[order]
    return Survey(method="ves", geometry=geometry, values={"rho_a": rho_a[order]},
                  sigma={"rho_a": sigma[order]}, sigma_space={"rho_a": space},
                  error_source=source, sounding=ids[order], positions=places, array=array,
                  source=table.path, notes=tuple(notes))


def _check_spacings(table, ids, ab2, mn2):
    """MN/2 < AB/2; AB/2 increasing within each MN/2 segment; no pair twice."""
    if mn2 is not None:
        bad = np.flatnonzero(mn2 >= ab2)
        if bad.size:
            i = bad[0]
            raise table.error(f"MN/2 = {mn2[i]:g} m is not smaller than AB/2 = {ab2[i]:g} m",
                              i, "mn2")
    last, seen = {}, {}
    for i, s in enumerate(ids):
        m = None if mn2 is None else mn2[i]
        pair = (s, ab2[i], m)
        if pair in seen:
            at = f" with MN/2 = {m:g} m" if m is not None else ""
            raise table.error(f"duplicate spacing: AB/2 = {ab2[i]:g} m{at} already on line "
                              f"{table.lines[seen[pair]]} (sounding {s!r})", i, "ab2")
        seen[pair] = i
        j = last.get(s)
        if j is not None and (mn2 is None or mn2[j] == m) and ab2[i] <= ab2[j]:
            segment = f" at MN/2 = {m:g} m" if m is not None else ""
            raise table.error(f"AB/2 does not increase{segment}: {ab2[i]:g} m after {ab2[j]:g} m "
                              f"on line {table.lines[j]} (sounding {s!r})", i, "ab2")
        last[s] = i


def _array_of(table, array, ab2, mn2):
    """The electrode array: as given, checked against MN/2, or told from it."""
    wenner = mn2 is not None and np.abs(mn2 - ab2 / 3.0) <= _WENNER_TOL * ab2
    if array == "wenner" and mn2 is not None and not wenner.all():
        i = int(np.flatnonzero(~wenner)[0])
        raise table.error(f"a Wenner sounding has MN/2 = AB/2 / 3 = {ab2[i] / 3:g} m; "
                          f"got {mn2[i]:g} m", i, "mn2")
    if array is not None:
        return array
    return "wenner" if mn2 is not None and wenner.all() else "schlumberger"
