"""One vocabulary for input checks, shared by every module.

Each check takes the value and the name the user knows it by (an argument
name such as ``"batch_size"``, or a scenario field such as
``"[training] batch_size"``), returns the value converted to its plain
Python or numpy type, and raises ``ValueError`` with one line naming that
field and what is wrong::

    >>> check_int(0, "batch_size", minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: batch_size must be an integer >= 1; got 0

Booleans are never numbers here: ``True`` is refused where an integer or a
float is asked for (a TOML ``true`` in a count is a mistake, not 1).
Array checks name the offending rows with :func:`format_rows`.
"""

from __future__ import annotations

import math
import operator

import numpy as np

__all__ = ["format_rows", "check_int", "check_float", "check_bool", "check_choice",
           "check_rows"]


def format_rows(rows, limit=10):
    """Row indices as a short readable list, e.g. ``'3, 17, 42'``.

    Parameters
    ----------
    rows : sequence of int
        Offending row indices.
    limit : int, optional
        At most this many indices are spelled out; the rest are counted
        (``'0, 1, ... and 40 more'``).

    Returns
    -------
    str

    Examples
    --------
    >>> format_rows(range(12), limit=3)
    '0, 1, 2 and 9 more'
    """
    rows = [int(r) for r in rows]
    text = ", ".join(str(r) for r in rows[:limit])
    if len(rows) > limit:
        text += f" and {len(rows) - limit} more"
    return text


def check_int(value, name, minimum=None, *, maximum=None, allow_none=False):
    """Return ``value`` as an int in [minimum, maximum], else raise ValueError.

    Parameters
    ----------
    value : object
        Any integer type (numpy integers included); not a bool, not a float.
    name : str
        What the message calls the value.
    minimum, maximum : int or None, optional
        Inclusive bounds (None: unbounded).
    allow_none : bool, optional
        Accept and return None.

    Returns
    -------
    int or None

    Examples
    --------
    >>> check_int(3, "n_hidden", 1)
    3
    >>> check_int(True, "n_hidden", 1)
    Traceback (most recent call last):
    ...
    ValueError: n_hidden must be an integer >= 1; got True
    """
    if value is None and allow_none:
        return None
    try:
        number = None if isinstance(value, (bool, np.bool_)) else operator.index(value)
    except TypeError:
        number = None
    ok = (number is not None and (minimum is None or number >= minimum)
          and (maximum is None or number <= maximum))
    if not ok:
        if minimum is not None and maximum is not None:
            where = f" in [{minimum}, {maximum}]"
        elif minimum is not None:
            where = f" >= {minimum}"
        elif maximum is not None:
            where = f" <= {maximum}"
        else:
            where = ""
        raise ValueError(f"{name} must be an integer{where}"
                         f"{' or None' if allow_none else ''}; got {value!r}")
    return number


def check_float(value, name, low=-math.inf, high=math.inf, *, low_open=False, high_open=False,
                allow_none=False):
    """Return ``value`` as a finite float in the interval, else raise ValueError.

    Parameters
    ----------
    value : object
        A real number (int or float, numpy scalars included); not a bool,
        not a string.
    name : str
        What the message calls the value.
    low, high : float, optional
        Bounds of the interval; closed unless ``low_open``/``high_open``.
    low_open, high_open : bool, optional
        Exclude the bound itself.
    allow_none : bool, optional
        Accept and return None.

    Returns
    -------
    float or None

    Examples
    --------
    >>> check_float(0.9, "momentum", 0.0, 1.0, high_open=True)
    0.9
    >>> check_float(0, "learning_rate", 0.0, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: learning_rate must be a number > 0.0; got 0
    """
    if value is None and allow_none:
        return None
    try:
        x = float(value)
        ok = (not isinstance(value, (str, bytes, bool, np.bool_)) and math.isfinite(x)
              and (low < x if low_open else low <= x)
              and (x < high if high_open else x <= high))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        if high == math.inf and low == -math.inf:
            where = "finite"
        elif high == math.inf:
            where = f"{'>' if low_open else '>='} {low}"
        elif low == -math.inf:
            where = f"{'<' if high_open else '<='} {high}"
        else:
            where = f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        noun = "a finite number" if where == "finite" else f"a number {where}"
        raise ValueError(f"{name} must be {noun}{' or None' if allow_none else ''}; "
                         f"got {value!r}")
    return x


def check_bool(value, name):
    """Return ``value`` if it is a bool, else raise ValueError.

    Examples
    --------
    >>> check_bool(1, "restore_best")
    Traceback (most recent call last):
    ...
    ValueError: restore_best must be True or False; got 1
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def check_choice(value, name, choices):
    """Return ``value`` if it is one of ``choices``, else raise ValueError.

    Parameters
    ----------
    value : object
    name : str
        What the message calls the value (e.g. ``"trainer"``).
    choices : iterable of str
        The valid values, listed in the message in this order.

    Examples
    --------
    >>> check_choice("rprop", "trainer", ("gd", "adam"))
    Traceback (most recent call last):
    ...
    ValueError: trainer must be one of gd, adam; got 'rprop'
    """
    choices = tuple(choices)
    try:
        ok = value in choices
    except TypeError:        # unhashable or incomparable
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {', '.join(map(str, choices))}; got {value!r}")
    return value


def check_rows(A, name, width=None, *, width_name=None, dtype=np.float64, allow_empty=False):
    """Return ``A`` as a finite 2-D array (samples in rows), else raise ValueError.

    Parameters
    ----------
    A : array_like, shape (n_samples, width)
    name : str
        What the message calls the array (e.g. ``"data"``).
    width : int or None, optional
        Required number of columns.
    width_name : str or None, optional
        Where the width comes from, for the message (e.g. ``"n_in"``).
    dtype : numpy dtype, optional
    allow_empty : bool, optional
        Accept zero rows.

    Returns
    -------
    ndarray, shape (n_samples, width)

    Raises
    ------
    ValueError
        On a wrong shape (with a hint for a single 1-D sample), no rows, or
        rows holding NaN or infinite values (named).
    """
    try:
        A = np.asarray(A, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of numbers") from None
    if A.ndim != 2 or (width is not None and A.shape[1] != width):
        want = f"(n_samples, {width})" if width is not None else "(n_samples, n_columns)"
        match = f" to match {width_name}={width}" if width_name else ""
        hint = " (for one sample use A.reshape(1, -1))" if A.ndim == 1 else ""
        raise ValueError(f"{name} must have shape {want}{match}; got shape {A.shape}{hint}")
    if A.shape[0] == 0 and not allow_empty:
        raise ValueError(f"{name} has no samples (shape {A.shape})")
    bad = ~np.isfinite(A).all(axis=1)
    if bad.any():
        raise ValueError(
            f"{name} holds NaN or infinite values in rows {format_rows(np.flatnonzero(bad))}")
    return A
