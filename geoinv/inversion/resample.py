"""Resampling a field sounding onto a network's grid (one network, many surveys).

A VES network is trained on one list of AB/2, an MT network on one list of
periods, a profile network on one list of stations.  A sounding whose own
positions cover the network's grid is interpolated onto it: log10 apparent
resistivity against log10 AB/2 (or period), phase against log10 period,
profile data against x.  The standard deviations (in the error space: decades
for apparent resistivity) are interpolated the same way, never reduced.
A sounding measured on the network's own grid (the survey it was trained
for, a stepped MN's repeated AB/2 included) goes in as it is.  Otherwise
repeated positions (a stepped MN repeats AB/2) are first merged by their
inverse-variance mean.  The network's grid must lie within the sounding's
range: a network cannot see data it was not given, so a grid point outside
it is refused naming the uncovered positions.
"""

from __future__ import annotations

import numpy as np

__all__ = ["resample", "GRID_AXES"]

GRID_AXES = {"ves": ("ab2", "ab2", "AB/2", "m", True), "mt": ("period", "periods", "period", "s", True),
             "gravity": ("x", "x", "x", "m", False), "magnetic": ("x", "x", "x", "m", False),
             "self_potential": ("x", "x", "x", "m", False),
             "refraction": ("x", "offsets", "offset", "m", False)}
"""method -> (survey geometry name, forward setting, label, unit, resampled in log10)."""


def _grid(forward):
    axis = GRID_AXES[forward.kind]
    return np.asarray(forward.settings()[axis[1]], dtype=np.float64), axis


def _same_positions(position, grid):
    """True if a sounding's positions are the network's grid, repeats and order included."""
    return position.shape == grid.shape and np.allclose(position, grid, rtol=1e-9, atol=0.0)


def _merge_repeats(position, values, sigma, log_columns):
    """Merge repeated positions by their inverse-variance mean (error space)."""
    unique, inverse = np.unique(position, return_inverse=True)
    if len(unique) == len(position):
        order = np.argsort(position, kind="stable")
        return position[order], values[order], sigma[order]
    g = np.where(log_columns, np.log10(np.abs(values)), values)
    w = 1.0 / sigma**2
    shape = (len(unique), values.shape[1])
    wsum, gsum = np.zeros(shape), np.zeros(shape)
    np.add.at(wsum, inverse, w)
    np.add.at(gsum, inverse, w * g)
    mean = gsum / wsum
    return unique, np.where(log_columns, 10.0**mean, mean), 1.0 / np.sqrt(wsum)


def resample(sounding, forward):
    """A sounding's data and errors on the network's grid.

    Parameters
    ----------
    sounding : geoinv.io.Survey
        One sounding (``sounding.n_soundings == 1``).
    forward : geoinv.forward.ForwardModel
        The network's forward model: its grid (AB/2, periods or stations)
        and its data order.

    Returns
    -------
    data : ndarray, shape (forward.n_data,)
        Physical units, in the forward model's order.
    sigma : ndarray, shape (forward.n_data,)
        Standard deviations in the error space (decades on
        ``forward.data_log_mask`` columns).

    Raises
    ------
    ValueError
        If the survey's method is not the network's, a VES array differs,
        or grid points lie outside the sounding's range (named).
    """
    if sounding.method != forward.kind:
        raise ValueError(f"the survey holds {sounding.method} data but the network inverts "
                         f"{forward.kind} data")
    grid, (name, _, label, unit, log_axis) = _grid(forward)
    if forward.kind == "ves":
        trained = forward.settings().get("array", "schlumberger")
        if (sounding.array or "schlumberger") != trained:
            raise ValueError(f"the sounding was measured with a {sounding.array} array but "
                             f"the network was trained on a {trained} array")
    quantities = sounding.quantities
    position = np.asarray(sounding.geometry[name], dtype=np.float64)
    values = np.stack([sounding.values[q] for q in quantities], axis=1)    # (rows, quantities)
    sigma = np.asarray(sounding.sigma_vector()).reshape(len(quantities), -1).T
    n_per = forward.n_data // len(quantities)
    log_columns = np.asarray(forward.data_log_mask, dtype=bool).reshape(len(quantities),
                                                                         n_per)[:, 0]
    if not _same_positions(position, grid):      # else: the survey it was trained for
        position, values, sigma = _merge_repeats(position, values, sigma, log_columns)
    if _same_positions(position, grid):
        data, err = values, sigma
    else:
        tol = 1e-9 * np.max(np.abs(position))
        outside = (grid < position[0] - tol) | (grid > position[-1] + tol)
        if outside.any():
            shown = ", ".join(f"{v:.4g}" for v in grid[outside][:6])
            more = f" and {outside.sum() - 6} more" if outside.sum() > 6 else ""
            raise ValueError(
                f"sounding {sounding.sounding_ids[0]}: the network's {label} {shown}{more} {unit} "
                f"lie outside the sounding's {position[0]:.4g} to {position[-1]:.4g} {unit}; "
                "train a network for this survey (geoinv invert DATA --scenario S.toml)")
        x_new, x_old = (np.log10(grid), np.log10(position)) if log_axis else (grid, position)
        data = np.empty((len(grid), len(quantities)))
        err = np.empty_like(data)
        for j, is_log in enumerate(log_columns):
            g = np.log10(values[:, j]) if is_log else values[:, j]
            g_new = np.interp(x_new, x_old, g)
            data[:, j] = 10.0**g_new if is_log else g_new
            err[:, j] = np.interp(x_new, x_old, sigma[:, j])
    return data.T.ravel(), err.T.ravel()
