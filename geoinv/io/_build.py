"""Steps every table reader shares: pick columns, group rows into soundings, place them."""

from __future__ import annotations

import math
import os

import numpy as np

__all__ = ["pick_one", "sounding_rows", "positions", "default_id", "check_distinct", "errors_column"]

SOUNDING_ALIASES = {"sounding": "sounding", "station": "sounding", "site": "sounding",
                    "profile": "sounding", "line": "sounding", "x": "x", "y": "y"}
"""Header spellings of the sounding id and its position, shared by all tables."""


def default_id(path):
    """Sounding id of a file without a sounding column: its name without extension."""
    stem = os.path.splitext(os.path.basename(path))[0]
    return stem if stem and not stem.startswith("<") else "1"


def pick_one(table, names, what, required=True):
    """The one column of ``names`` the table has (None if optional and absent).

    Raises at the header if two are given, or none while ``required``.
    """
    present = [n for n in names if table.has(n)]
    if len(present) > 1:
        spelled = " and ".join(repr(table.spelled[n]) for n in present)
        raise table.error(f"give {what} once: {spelled} both given")
    if not present:
        if required:
            raise table.error(f"missing column {' or '.join(names)} ({what})")
        return None
    return present[0]


def sounding_rows(table, default):
    """Sounding id per row and the row order that groups them.

    Returns
    -------
    ids : ndarray of str, shape (n_rows,)
    order : ndarray of int, shape (n_rows,)
        A stable permutation putting each sounding's rows together, soundings
        in the order of their first row (rows within a sounding keep file
        order).
    """
    if table.has("sounding"):
        ids = np.array(table.text("sounding"), dtype=object)
        for i, cell in enumerate(ids):
            if cell == "":
                raise table.error("empty sounding id", i, "sounding")
    else:
        ids = np.array([default] * len(table), dtype=object)
    first = {}
    for i, s in enumerate(ids):
        first.setdefault(s, i)
    order = np.array(sorted(range(len(ids)), key=lambda i: (first[ids[i]], i)), dtype=int)
    return ids, order


def positions(table, ids, x=None, y=None):
    """x, y (m) of each sounding from the ``x``/``y`` columns or the options.

    A sounding's rows must agree on its position (an empty cell is unknown,
    NaN).  The options place a file without position columns; they apply
    to a single sounding only.
    """
    result = {s: [math.nan, math.nan] for s in dict.fromkeys(ids)}
    for k, (name, option) in enumerate((("x", x), ("y", y))):
        if table.has(name):
            if option is not None:
                raise table.error(f"{name} is given both as a column and as an option")
            values = table.numbers(name, allow_empty=True)
            seen = {}
            for i, (s, v) in enumerate(zip(ids, values)):
                if s in seen:
                    j = seen[s]
                    if not (values[j] == v or (math.isnan(values[j]) and math.isnan(v))):
                        raise table.error(f"{name} of sounding {s!r} changes within the sounding "
                                          f"(line {table.lines[j]} has {values[j]:g})", i, name)
                else:
                    seen[s] = i
                    result[s][k] = float(v)
        elif option is not None:
            if len(result) != 1:
                raise table.error(f"option {name}= places one sounding; the file has "
                                  f"{len(result)} (give an {name} column instead)")
            for s in result:
                result[s][k] = float(option)
    return {s: tuple(v) for s, v in result.items()}


def check_distinct(table, rows, values, column, what):
    """Raise at the second of two rows (indices ``rows``) with the same value."""
    seen = {}
    for i in rows:
        key = values[i]
        if key in seen:
            raise table.error(f"duplicate {what}: {key:g} already on line {table.lines[seen[key]]}",
                              i, column)
        seen[key] = i


def errors_column(table, name):
    """Column ``name`` of standard deviations: > 0, and a relative error below 1.

    A ``rel_err`` of 1 or more is most likely a percentage; errors that
    large belong in decades (``log10_sigma``/``log10_rho_a_sigma``).
    """
    values = table.numbers(name, positive=True)
    if name == "rel_err":
        big = np.flatnonzero(values >= 1.0)
        if big.size:
            raise table.error(f"rel_err is a fraction (0.05 is 5 %) and must be < 1; got "
                              f"{values[big[0]]:g} (for errors this large give them in decades)",
                              big[0], name)
    return values
