"""Checks, labels and layer geometry shared by the forward models."""

from __future__ import annotations

import numbers

import numpy as np

from .._checks import format_rows

__all__ = ["survey_vector", "check_numbers", "check_layers", "short_labels", "layer_names",
           "interface_depths", "MAGNITUDE_LIMIT", "magnitude_rules"]

MAGNITUDE_LIMIT = 1e100
"""Largest |parameter| (in its own unit) the closed-form forward models accept,
and 1 / MAGNITUDE_LIMIT the smallest value of a parameter that must be > 0.
Within these bounds no square, cube or quotient in their formulas over- or
underflows a double (sweeps in tests/forward/test_edges.py); beyond them
(e.g. h = 1e-300 m, where an SP anomaly K / h**2 is infinite) the models are
refused naming the rows, never answered with inf or NaN."""


def survey_vector(values, name, unit="m", positive=False, distinct=False):
    """Return a survey coordinate vector as 1-D float64, or raise naming ``name``.

    Parameters
    ----------
    values : array_like, shape (n,)
        Station positions, offsets, spacings or periods.
    name : str
        The argument's name, used in error messages.
    unit : str
        Its unit, used in error messages.
    positive : bool
        Require every value > 0.
    distinct : bool
        Reject repeated values.

    Returns
    -------
    ndarray, shape (n,)

    Raises
    ------
    ValueError
        If ``values`` is empty, not 1-D, not numeric (a string or a bool is
        named with its position, see :func:`check_numbers`), holds NaN, infinite or
        (with ``positive``) non-positive entries (their indices are named),
        or (with ``distinct``) repeats a value.
    """
    check_numbers(values, name, unit)
    try:
        array = np.atleast_1d(np.asarray(values, dtype=np.float64))
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 1-D sequence of numbers ({unit}); got {values!r}") from None
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence ({unit}); got shape {np.shape(values)}")
    ok = np.isfinite(array)
    if positive:
        ok &= array > 0
    if not ok.all():
        bad = ~ok
        raise ValueError(
            f"{name} must be {'positive and ' if positive else ''}finite ({unit}); bad entries at "
            f"index {format_rows(np.flatnonzero(bad))}: {array[bad][:10].tolist()}"
        )
    if distinct:
        unique, counts = np.unique(array, return_counts=True)
        if (counts > 1).any():
            raise ValueError(f"{name} holds duplicate values: {unique[counts > 1][:10].tolist()}")
    return array


def check_numbers(values, name, unit=None):
    """Raise ValueError if ``values`` holds a string, a bool or another non-number.

    numpy would read ``"10"`` as 10.0 and ``True`` as 1.0; in a survey
    geometry either is a mistake (a quoted number in a scenario file, a
    misplaced flag), so it is named instead of converted.

    Parameters
    ----------
    values : object
        A number, or a (nested) sequence or array of numbers.
    name : str
        The field's name, used in the message.
    unit : str or None
        Its unit, used in the message.

    Raises
    ------
    ValueError
        Naming the field, the offending value and its position (flat index).

    Examples
    --------
    >>> check_numbers([1.0, 2.0, 5.0, "abc"], "ab2", "m")
    Traceback (most recent call last):
    ...
    ValueError: ab2 must be numbers (m); got 'abc' at position 3
    """
    scalar = isinstance(values, (str, bytes, bool, np.bool_, numbers.Number)) or values is None
    if scalar:
        items = [values]
    elif isinstance(values, (list, tuple)):
        items = _flatten(values)             # the user's own objects: True stays a bool
    else:
        try:
            array = np.asarray(values)       # arrays, Series, ranges
        except (TypeError, ValueError):      # ragged: left to the shape checks
            return
        if array.dtype.kind in "iuf":
            return
        items = list(array.ravel()) if array.dtype.kind == "O" else array.ravel().tolist()
    for position, item in enumerate(items):
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, (numbers.Real, np.number)) \
                or isinstance(item, np.complexfloating):
            where = "" if scalar else f" at position {position}"
            unit_text = f" ({unit})" if unit else ""
            raise ValueError(f"{name} must be numbers{unit_text}; got {item!r}{where}")


def _flatten(values):
    """Elements of nested lists and tuples (and arrays inside them), in order."""
    out = []
    for item in values:
        if isinstance(item, (list, tuple)):
            out.extend(_flatten(item))
        elif isinstance(item, np.ndarray):
            out.extend(list(item.ravel()) if item.dtype.kind == "O" else item.ravel().tolist())
        else:
            out.append(item)
    return out


def check_layers(values, thickness, name="rho"):
    """Return (values, thickness, single) of layered models as 2-D float64 arrays.

    Parameters
    ----------
    values : array_like, shape (n_samples, n_layers) or (n_layers,)
        A per-layer property (resistivity, velocity), > 0.
    thickness : array_like, shape (n_samples, n_layers - 1) or (n_layers - 1,)
        Layer thicknesses (m), > 0.
    name : str
        Name of the per-layer property, used in error messages.

    Returns
    -------
    values, thickness : ndarray, 2-D
    single : bool
        Whether the input was one model (1-D).

    Raises
    ------
    ValueError
        On inconsistent shapes, or naming the rows with non-positive or
        non-finite entries.
    """
    values = np.asarray(values, dtype=np.float64)
    thickness = np.asarray(thickness, dtype=np.float64)
    single = values.ndim == 1
    values, thickness = np.atleast_2d(values), np.atleast_2d(thickness)
    if thickness.size == 0:
        thickness = thickness.reshape(values.shape[0], 0)
    if (values.ndim != 2 or thickness.ndim != 2 or values.shape[1] < 1
            or thickness.shape != (values.shape[0], values.shape[1] - 1)):
        raise ValueError(
            f"{name} must have shape (n_samples, n_layers) and thickness "
            f"(n_samples, n_layers - 1); got {np.shape(values)} and {np.shape(thickness)}"
        )
    for label, array in ((name, values), ("thickness", thickness)):
        bad = ~(np.isfinite(array) & (array > 0)).all(axis=1)
        if bad.any():
            raise ValueError(
                f"{label} must be positive and finite; bad rows {format_rows(np.flatnonzero(bad))}"
            )
    return values, thickness, single


def short_labels(values):
    """Short text for numbers, e.g. '1.5': 4 significant digits, more if needed.

    Equal values get equal labels; different values get different labels.
    """
    values = np.asarray(values, dtype=np.float64)
    distinct = np.unique(values)
    for digits in range(4, 18):
        labels = {v: f"{v:.{digits}g}" for v in distinct}
        if len(set(labels.values())) == distinct.size:
            break
    return [labels[v] for v in values]


def layer_names(symbol, n_layers):
    """Parameter names of an N-layer model, ``[p_1 .. p_N, h_1 .. h_(N-1)]``.

    Parameters
    ----------
    symbol : str
        Symbol of the per-layer property, e.g. ``"rho"`` or ``"v"``.
    n_layers : int
        Number of layers N, the half-space included.

    Returns
    -------
    list of str, length 2 N - 1

    Examples
    --------
    >>> layer_names("rho", 3)
    ['rho_1', 'rho_2', 'rho_3', 'h_1', 'h_2']
    """
    return ([f"{symbol}_{i}" for i in range(1, n_layers + 1)]
            + [f"h_{i}" for i in range(1, n_layers)])


def interface_depths(models, n_layers):
    """Depth of the bottom of each layer but the half-space.

    Parameters
    ----------
    models : array_like, shape (n_positions, 2 n_layers - 1)
        ``[rho_1 .. rho_N, h_1 .. h_(N-1)]`` (ohm.m, m), or any per-layer
        property in place of rho.
    n_layers : int

    Returns
    -------
    ndarray, shape (n_positions, n_layers - 1)
        Depths (m), positive down.

    Raises
    ------
    ValueError
        If ``models`` does not have ``2 n_layers - 1`` columns.

    Examples
    --------
    >>> interface_depths([[100.0, 10.0, 1000.0, 2.0, 3.0]], 3).tolist()
    [[2.0, 5.0]]
    """
    models = np.atleast_2d(np.asarray(models, dtype=np.float64))
    if models.shape[1] != 2 * n_layers - 1:
        raise ValueError(f"models must have {2 * n_layers - 1} columns for {n_layers} layers "
                         f"(rho_1..rho_{n_layers}, h_1..h_{n_layers - 1}); "
                         f"got {models.shape[1]}")
    return np.cumsum(models[:, n_layers:], axis=1)


def magnitude_rules(models, names, positive):
    """``(bad, problem)`` for a ``physical_rules`` list: values beyond MAGNITUDE_LIMIT.

    Parameters
    ----------
    models : ndarray, shape (n_samples, n_params)
        Finite models.
    names : list of str
        Parameter names, for the message.
    positive : ndarray of bool, shape (n_params,)
        Which parameters must be > 0 (they must also be >= 1 / MAGNITUDE_LIMIT).

    Returns
    -------
    list of (ndarray of bool, str)
        One pair: the offending rows and a phrase naming the parameters.

    Examples
    --------
    >>> bad, problem = magnitude_rules(np.array([[1.0, 2.0], [1e-300, 3.0]]), ["h", "x0"],
    ...                                np.array([True, False]))[0]
    >>> bad.tolist(), problem
    ([False, True], 'have h beyond the computable range (|value| <= 1e+100, and >= 1e-100 where it must be > 0)')
    """
    with np.errstate(invalid="ignore"):
        off = (np.abs(models) > MAGNITUDE_LIMIT) | (positive & (models < 1.0 / MAGNITUDE_LIMIT)
                                                     & (models > 0))
    columns = [name for name, hit in zip(names, off.any(axis=0)) if hit]
    problem = (f"have {', '.join(columns) or 'values'} beyond the computable range "
               f"(|value| <= {MAGNITUDE_LIMIT:g}, and >= {1.0 / MAGNITUDE_LIMIT:g} where it "
               f"must be > 0)")
    return [(off.any(axis=1), problem)]
