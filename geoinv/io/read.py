"""``read_survey``: one entry point that picks the reader from the file."""

from __future__ import annotations

import io
import os

from ._table import SurveyFileError, read_lines, split_unit, splitter
from .edi import read_edi
from .mt import read_mt_csv
from .profiles import DATUM_METHODS, PROFILE_COLUMNS, read_profile_csv
from .survey import METHODS, Survey
from .ves import VES_COLUMNS, read_ves_csv, read_ves_file

__all__ = ["read_survey"]

_READERS = {"ves": read_ves_csv, "mt": read_mt_csv, "edi": read_edi,
            **{method: read_profile_csv for method in DATUM_METHODS.values()}}


def _kind(path, lines):
    """``"edi"``, ``"ves_file"``, or the method a table's header names."""
    body = [(n, line) for n, line in enumerate(lines, start=1)
            if line.strip() and not line.lstrip().startswith("#")]
    if not body:
        raise SurveyFileError(path, "the file is empty (no header, no data)")
    first = body[0][1].strip()
    if first.upper().startswith(">HEAD") or path.lower().endswith(".edi"):
        return "edi"
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#") and stripped[1:].strip().lower().startswith("method:"):
            method = stripped.split(":", 1)[1].strip()
            if method in METHODS:
                return method
    cells = splitter(first)(first)
    try:
        [float(c) for c in cells]
        return "ves_file"
    except ValueError:
        pass
    names = {split_unit(c)[0] for c in cells}
    if names & {k for k, v in VES_COLUMNS.items() if v == "ab2"}:
        return "ves"
    if names & {"period", "frequency", "freq"}:
        return "mt"
    datum = names & {k for k, v in PROFILE_COLUMNS.items() if v in DATUM_METHODS}
    if datum:
        return DATUM_METHODS[PROFILE_COLUMNS[datum.pop()]]
    raise SurveyFileError(path, "cannot tell the method from the header: no ab2, period or "
                          "frequency, g_z, dT, sp or t column (or give method=)", line=body[0][0])


def read_survey(source, *, method=None, **options):
    """Read a field data file (or several) into one :class:`~geoinv.io.Survey`.

    The reader is chosen from the file:

    ============================================ ==========================
    file                                         reader
    ============================================ ==========================
    ``.edi``, or starting with ``>HEAD``         :func:`read_edi`
    numbers only (pyGIMLi ``.ves``)              :func:`read_ves_file`
    header with ``ab2`` (or ``AB/2``)            :func:`read_ves_csv`
    header with ``period`` or ``frequency``      :func:`read_mt_csv`
    header with ``g_z``, ``dT``, ``sp`` or ``t`` :func:`read_profile_csv`
    a ``# method: <name>`` comment line          that method's reader
    ============================================ ==========================

    Parameters
    ----------
    source : str, os.PathLike, text stream, or a list of them
        The file; a list reads each (e.g. one EDI file per site) and joins
        their soundings (:meth:`Survey.concat`).
    method : {"ves", "mt", "edi", "gravity", "magnetic", "self_potential", "refraction"}, optional
        Skip the detection.
    **options
        Passed to the reader: ``array``, ``x``, ``y``, ``sounding`` (VES);
        ``component``, ``x``, ``y``, ``sounding`` (MT tables);
        ``component``, ``use``, ``z_unit``, ``rho_error``, ``x``, ``y``,
        ``sounding`` (EDI); ``sounding`` (profiles).

    Returns
    -------
    Survey

    Raises
    ------
    SurveyFileError
        A ValueError with one line naming the file, line and column.
    TypeError
        An option the chosen reader does not take.

    Examples
    --------
    >>> import io
    >>> survey = read_survey(io.StringIO("ab2,rho_a,rel_err\\n1,100,0.03\\n10,60,0.03\\n"))
    >>> survey.method, survey.ab2, survey.sigma_log10().round(4)
    ('ves', array([ 1., 10.]), array([0.013, 0.013]))
    """
    if isinstance(source, (list, tuple)):
        return Survey.concat(read_survey(s, method=method, **options) for s in source)
    if method is None:
        if hasattr(source, "read"):
            text = source.read()
            stream = io.StringIO(text)
            stream.name = getattr(source, "name", "<stream>")
            path, lines, source = stream.name, text.splitlines(), stream
        else:
            path, lines = read_lines(source)
        method = _kind(os.fspath(path), lines)
    if method == "ves_file":
        return read_ves_file(source, **options)
    try:
        reader = _READERS[method]
    except KeyError:
        raise ValueError(f"method must be one of {', '.join(_READERS)}; got {method!r}") from None
    return reader(source, **options)
