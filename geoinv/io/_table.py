"""Text tables with a header row, read line by line so every error names its place.

A table is a header row and data rows, cells separated by commas (or
semicolons, tabs, or runs of blanks when the header holds no comma).  Blank
lines are skipped; lines starting with ``#`` are comments, and comments of the
form ``# key: value`` are kept (:func:`geoinv.io.Survey.write_csv` stores the
survey's method, array, component and error source that way).  Line numbers
are 1-based and count every physical line of the file, as an editor shows
them.

Header cells are matched to canonical column names through an alias table
(case-insensitive, a unit in parentheses or brackets split off and checked:
``"AB/2 (m)"`` is ``ab2`` in m).  Nothing here knows a geophysical method; the
readers in :mod:`geoinv.io.ves`, :mod:`geoinv.io.mt` and
:mod:`geoinv.io.profiles` say which columns they accept.
"""

from __future__ import annotations

import csv
import math
import os
import re
from dataclasses import dataclass, field

import numpy as np

__all__ = ["SurveyFileError", "Table", "read_lines", "parse_table", "unit_key", "split_unit",
           "splitter"]


class SurveyFileError(ValueError):
    """A field data file that cannot be read, with the place that is wrong.

    The message is one line: ``"<file>, line <n>, column '<name>': <problem>"``
    (line and column left out where they do not apply).

    Attributes
    ----------
    path : str
        The file as the caller named it.
    line : int or None
        1-based line number in the file.
    column : str or None
        The column as spelled in the file's header.
    problem : str
        What is wrong, without the place.
    """

    def __init__(self, path, problem, line=None, column=None):
        self.path, self.problem, self.line, self.column = str(path), problem, line, column
        where = self.path
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {problem}")


def read_lines(source):
    """Return ``(name, lines)`` of a path or an open text stream.

    Parameters
    ----------
    source : str, os.PathLike or text stream
        A file path, or any object with ``read()`` returning str (its
        ``name`` attribute, if any, names it in messages).

    Returns
    -------
    name : str
    lines : list of str
        The file's lines without line endings.
    """
    if hasattr(source, "read"):
        name = str(getattr(source, "name", "<stream>"))
        text = source.read()
    else:
        name = os.fspath(source)
        try:
            with open(name, encoding="utf-8-sig", errors="replace") as stream:
                text = stream.read()
        except OSError as error:
            raise SurveyFileError(name, f"cannot be read ({error.strerror or error})") from None
    return name, text.splitlines()


def unit_key(unit):
    """A unit spelled for comparison: lower case, no blanks, dots, dashes or underscores.

    >>> unit_key("Ohm m") == unit_key("ohm.m") == unit_key("ohm-m")
    True
    """
    return re.sub(r"[\s.\-_\u00b7*]", "", unit.lower())


_UNIT = re.compile(r"^(.*?)\s*[\(\[]\s*([^\)\]]*)\s*[\)\]]\s*$")


def split_unit(cell):
    """``"AB/2 (m)"`` -> ``("ab/2", "m")``; no unit -> ``(name, None)``."""
    match = _UNIT.match(cell.strip())
    if match:
        return match.group(1).strip().lower(), match.group(2).strip()
    return cell.strip().lower(), None


def _comment(line):
    """``(key, value)`` of a ``# key: value`` comment, else None."""
    match = re.match(r"^\s*#\s*([A-Za-z_]+)\s*:\s*(.*?)\s*$", line)
    return (match.group(1).lower(), match.group(2)) if match else None


def splitter(header_line):
    """A function splitting a line into cells, chosen from the header line."""
    for delimiter in (",", ";", "\t"):
        if delimiter in header_line:
            return lambda line, d=delimiter: [c.strip() for c in next(csv.reader([line], delimiter=d))]
    return lambda line: line.split()


@dataclass
class Table:
    """The cells of a text table, with their line numbers.

    Attributes
    ----------
    path : str
        The file, for messages.
    columns : dict of str -> int
        Canonical column name -> position in the row.
    spelled : dict of str -> str
        Canonical column name -> the header cell as written in the file.
    rows : list of list of str
        Data cells, one list per data row.
    lines : list of int
        The 1-based line number of each data row.
    header_line : int
        Line number of the header row (0 for a file without one).
    meta : dict of str -> list of str
        ``# key: value`` comments, the values of each key in file order.
    extra : list of str
        Header cells the caller declared as known but unused (e.g. raw
        voltages beside an apparent resistivity), as written.
    units : dict of str -> str
        Canonical column name -> the unit its header cell gives, if any.
    """

    path: str
    columns: dict
    spelled: dict
    rows: list
    lines: list
    header_line: int
    meta: dict = field(default_factory=dict)
    extra: list = field(default_factory=list)
    units: dict = field(default_factory=dict)

    def __len__(self):
        return len(self.rows)

    def has(self, name):
        """True if the canonical column ``name`` is present."""
        return name in self.columns

    def error(self, problem, row=None, column=None):
        """A :class:`SurveyFileError` at data row ``row`` (index) and ``column``."""
        line = self.header_line if row is None else self.lines[row]
        return SurveyFileError(self.path, problem, line=line or None,
                               column=None if column is None else self.spelled.get(column, column))

    def text(self, name):
        """The cells of column ``name`` as stripped strings."""
        j = self.columns[name]
        return [row[j] for row in self.rows]

    def numbers(self, name, *, positive=False, allow_empty=False):
        """Column ``name`` as float64, raising at the first bad cell.

        Parameters
        ----------
        name : str
            Canonical column name.
        positive : bool, optional
            Require every value > 0.
        allow_empty : bool, optional
            Read an empty cell as NaN (e.g. an unknown position); otherwise
            an empty cell is an error.

        Returns
        -------
        ndarray, shape (n_rows,)
        """
        values = np.empty(len(self.rows))
        for i, cell in enumerate(self.text(name)):
            if cell == "" and allow_empty:
                values[i] = math.nan
                continue
            if cell == "":
                raise self.error("empty cell; a number is needed", i, name)
            try:
                value = float(cell.replace("D", "E").replace("d", "e"))
            except ValueError:
                raise self.error(f"{cell!r} is not a number", i, name) from None
            if not math.isfinite(value):
                raise self.error(f"{cell!r} is not a finite number", i, name)
            if positive and value <= 0:
                raise self.error(f"{name} must be > 0; got {cell}", i, name)
            values[i] = value
        return values


def parse_table(path, lines, aliases, *, units=None, unused=(), header=True, names=None):
    """Split a file's lines into a :class:`Table`.

    Parameters
    ----------
    path : str
        The file, for messages.
    lines : list of str
        Its lines.
    aliases : dict of str -> str
        Header spelling (lower case, unit removed) -> canonical name.
    units : dict of str -> tuple of str, optional
        Canonical name -> accepted units (as :func:`unit_key` spells them);
        a header unit outside these is an error.
    unused : iterable of str, optional
        Header spellings that are known but not used (kept in ``extra``).
    header : bool, optional
        False for a file of numbers only; then ``names`` gives the columns.
    names : dict of int -> list of str, optional
        Column names of a file without header, by the number of cells in
        its first row (e.g. ``{2: ["ab2", "rho_a"], 3: ["ab2", "mn2", "rho_a"]}``).

    Returns
    -------
    Table

    Raises
    ------
    SurveyFileError
        Empty file, unknown or repeated header cells (the known names are
        listed), a unit that is not the column's unit, or a row with the
        wrong number of cells.
    """
    units = units or {}
    unused = {u.lower() for u in unused}
    meta, body = {}, []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            pair = _comment(stripped)
            if pair is not None:
                meta.setdefault(pair[0], []).append(pair[1])
            continue
        body.append((number, line))
    if not body:
        raise SurveyFileError(path, "the file is empty (no header, no data)")

    if header:
        header_line, text = body.pop(0)
        split = splitter(text)
        cells = split(text)
        columns, spelled, extra, given_units = {}, {}, [], {}
        for j, cell in enumerate(cells):
            key, unit = split_unit(cell)
            if key in unused:
                extra.append(cell)
                continue
            name = aliases.get(key)
            if name is None:
                known = ", ".join(sorted(set(aliases.values())))
                raise SurveyFileError(path, f"unknown column; known columns: {known}",
                                      line=header_line, column=cell)
            if name in columns:
                raise SurveyFileError(path, f"column {name} is given twice (also as "
                                      f"{spelled[name]!r})", line=header_line, column=cell)
            if unit is not None and name in units and unit_key(unit) not in units[name]:
                raise SurveyFileError(path, f"unit {unit!r} is not the unit of {name} "
                                      f"({units[name][0]})", line=header_line, column=cell)
            columns[name], spelled[name] = j, cell
            if unit is not None:
                given_units[name] = unit
        width = len(cells)
    else:
        header_line = 0
        split = splitter(body[0][1])
        width = len(split(body[0][1]))
        if width not in names:
            layouts = "; ".join(f"{n}: {' '.join(cols)}" for n, cols in names.items())
            raise SurveyFileError(path, f"{width} numbers per line; expected one of ({layouts})",
                                  line=body[0][0])
        chosen = names[width]
        columns = {name: j for j, name in enumerate(chosen)}
        spelled = {name: name for name in chosen}
        extra, given_units = [], {}

    if not body:
        raise SurveyFileError(path, "no data rows after the header", line=header_line)
    rows, numbers = [], []
    for number, line in body:
        cells = split(line)
        if len(cells) != width:
            raise SurveyFileError(path, f"{len(cells)} cells, but the header has {width}"
                                  if header else f"{len(cells)} numbers, expected {width}",
                                  line=number)
        rows.append(cells)
        numbers.append(number)
    return Table(path, columns, spelled, rows, numbers, header_line, meta, extra, given_units)
