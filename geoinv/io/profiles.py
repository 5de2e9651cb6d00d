"""Profiles: gravity, magnetic, self-potential and refraction data along x.

CSV (comma, semicolon, tab or blank separated, one header row)
--------------------------------------------------------------
======================= ===================================================
column                  meaning
======================= ===================================================
``x``                   station position along the profile (m); for
                        refraction the source-geophone offset (m, > 0)
one datum column        ``g_z`` (mGal, gravity), ``dT`` (nT, total-field
                        magnetic anomaly), ``sp`` (mV, self-potential) or
                        ``t`` (s, first-arrival time): the forward models'
                        datum names; the column picks the method
``sigma`` (optional)    standard deviation, in the datum's unit; absent:
                        the default of :data:`geoinv.io.errors.DEFAULT_SIGMA`
                        (0.01 mGal, 2 nT, 2 mV, 1 ms: the noise levels of
                        the shipped scenarios)
``profile`` (optional)  profile id (several profiles in one file; also
                        ``sounding`` or ``line``)
======================= ===================================================

Rules (one-line errors naming line and column): no station twice within a
profile; offsets > 0 for refraction; sigma > 0.  Stations may come in any
order.
"""

from __future__ import annotations

import numpy as np

from ._build import default_id, check_distinct, pick_one, sounding_rows
from ._table import parse_table, read_lines, unit_key
from .errors import DEFAULT_SIGMA
from .survey import UNITS, Survey

__all__ = ["read_profile_csv", "PROFILE_COLUMNS", "DATUM_METHODS"]

DATUM_METHODS = {"g_z": "gravity", "dT": "magnetic", "sp": "self_potential", "t": "refraction"}
"""Datum column -> method (the forward model's ``kind``)."""

PROFILE_COLUMNS = {
    "x": "x", "g_z": "g_z", "gz": "g_z", "dt": "dT", "sp": "sp", "t": "t", "sigma": "sigma",
    "profile": "sounding", "sounding": "sounding", "line": "sounding",
}
"""Header spelling (lower case, unit removed) -> column."""

_UNITS = {"x": ("m",), "g_z": ("mgal",), "dT": ("nt",), "sp": ("mv",), "t": ("s",)}


def read_profile_csv(source, *, sounding=None):
    """Read a profile table into a :class:`~geoinv.io.Survey`.

    Parameters
    ----------
    source : str, os.PathLike or text stream
        The file (columns in the module docstring).
    sounding : str, optional
        Id of a file without a profile column (default: the file name).

    Returns
    -------
    Survey
        ``method`` from the datum column (``gravity``, ``magnetic``,
        ``self_potential`` or ``refraction``); geometry ``x`` (m); values
        under the datum's name; linear errors.

    Raises
    ------
    SurveyFileError
        A ValueError whose one-line message names the file, line and column.

    Examples
    --------
    >>> import io
    >>> survey = read_profile_csv(io.StringIO("x,g_z\\n-10,0.12\\n0,0.31\\n10,0.12\\n"))
    >>> survey.method, survey.g_z, survey.sigma_linear()
    ('gravity', array([0.12, 0.31, 0.12]), array([0.01, 0.01, 0.01]))
    """
    path, lines = read_lines(source)
    table = parse_table(path, lines, PROFILE_COLUMNS, units=_UNITS)
    datum = pick_one(table, tuple(DATUM_METHODS), "the datum (g_z, dT, sp or t)")
    method = DATUM_METHODS[datum]
    meta = {k: v[-1] for k, v in table.meta.items()}
    if meta.get("method", method) != method:
        raise table.error(f"the file says method {meta['method']!r}, but its datum column "
                          f"{table.spelled[datum]!r} is {method}")
    if table.has("sigma"):
        given = table.units.get("sigma")
        if given is not None and unit_key(given) not in _UNITS[datum]:
            raise table.error(f"unit {given!r} is not the unit of {datum} ({UNITS[datum]})",
                              column="sigma")
        sigma = table.numbers("sigma", positive=True)
        source = meta.get("error_source", "file")
    else:
        sigma = np.full(len(table), DEFAULT_SIGMA[datum])
        source = f"default: {DEFAULT_SIGMA[datum]:g} {UNITS[datum]} on {datum}"
    x = table.numbers(pick_one(table, ("x",), "the station position (m)"),
                      positive=method == "refraction")
    values = table.numbers(datum)
    ids, order = sounding_rows(table, sounding or default_id(table.path))
    for s in dict.fromkeys(ids):
        check_distinct(table, np.flatnonzero(ids == s), x, "x",
                       "offset" if method == "refraction" else "station")
    return Survey(method=method, geometry={"x": x[order]}, values={datum: values[order]},
                  sigma={datum: sigma[order]}, sigma_space={datum: "linear"},
                  error_source=source, sounding=ids[order], source=table.path,
                  notes=tuple(table.meta.get("note", [])))
