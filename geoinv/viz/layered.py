"""Layered earths drawn against depth: a model as steps, an ensemble as a band.

Layers are numbered top-down and a layered model vector is
``[rho_1 .. rho_N, h_1 .. h_(N-1)]`` (ohm.m, m), the last layer a
half-space; depth axes increase downward, linear or logarithmic (soundings
resolve layers in proportion to their depth, so their figures use a log
depth axis that starts a little above the shallowest interface:
:func:`log_depth_top`).  Models drawn on one Axes share one bottom: every
half-space reaches the deepest bottom drawn.  Every function draws on the
Axes it is given, creates a figure only when it is given none, and returns
it.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_choice
from .style import (DEPTH_LABEL, RESISTIVITY_LABEL, _PRED_KW, _get_ax, _readable_log_ticks,
                    _style_ax)

__all__ = ["layer_steps", "models_depth_max", "log_depth_top", "plot_layered_model",
           "plot_layered_model_band"]

_LAYERED_GID = "layered_model"
"""gid of the step lines of :func:`plot_layered_model` (their half-spaces follow the bottom)."""


def _check_layered(rho, thickness):
    rho = np.asarray(rho, dtype=float)
    thickness = np.asarray(thickness, dtype=float)
    if rho.ndim != 1 or rho.size < 1:
        raise ValueError(f"rho must have shape (n_layers,); got {rho.shape}")
    if thickness.shape != (rho.size - 1,):
        raise ValueError(
            f"thickness must have shape ({rho.size - 1},) for {rho.size} resistivities; "
            f"got {thickness.shape}"
        )
    problems = [f"rho_{i + 1} = {v:g}" for i, v in enumerate(rho)
                if not (np.isfinite(v) and v > 0)]
    problems += [f"h_{i + 1} = {v:g}" for i, v in enumerate(thickness)
                 if not (np.isfinite(v) and v > 0)]
    if problems:
        raise ValueError(
            "layered model values must be finite and > 0; offending: " + ", ".join(problems)
        )
    return rho, thickness


def layer_steps(values, thickness, depth_max):
    """Vertices of one layered model drawn as steps against depth.

    Parameters
    ----------
    values : array_like, shape (n_layers,)
        A property of each layer, top-down (resistivity, velocity, ...).
    thickness : array_like, shape (n_layers - 1,)
        Thicknesses of the upper layers, top-down (m).
    depth_max : float
        Depth (m) where the drawn half-space stops.

    Returns
    -------
    x, z : ndarray, shape (2 n_layers,)
        ``x = [p_1, p_1, p_2, p_2, ..., p_N, p_N]`` and
        ``z = [0, z_1, z_1, z_2, ..., z_(N-1), depth_max]`` with
        ``z_i = h_1 + ... + h_i`` (m, positive down).

    Examples
    --------
    >>> x, z = layer_steps([100.0, 10.0], [5.0], 20.0)
    >>> x.tolist(), z.tolist()
    ([100.0, 100.0, 10.0, 10.0], [0.0, 5.0, 5.0, 20.0])
    """
    boundaries = np.concatenate([[0.0], np.cumsum(thickness), [depth_max]])
    return np.repeat(np.asarray(values, dtype=float), 2), np.repeat(boundaries, 2)[1:-1]


def models_depth_max(thicknesses, default, factor=1.5):
    """Common bottom of the depth axis for several layered models drawn together.

    Parameters
    ----------
    thicknesses : sequence of array_like, shape (n_layers - 1,)
        Layer thicknesses (m) of each model; models holding a NaN or an
        infinite thickness are left out.
    default : float
        Depth (m) when no model has an interface below 0.
    factor : float
        Multiple of the deepest last interface (1.5 on a linear depth axis;
        3 on a log axis gives the half-space about half a decade).

    Returns
    -------
    float
        ``factor`` x the deepest last interface (m).
    """
    totals = [np.sum(h) for h in thicknesses if np.isfinite(h).all()]
    return factor * max(totals) if totals and max(totals) > 0 else default


def log_depth_top(thicknesses, depth_max):
    """Top of a log depth axis: a round depth about half a decade above the first interface.

    A log axis cannot start at 0; it starts at the largest 1-2-5 step at or
    above a third of the shallowest first interface, so the top layer fills
    0.5 to 0.9 decade of the axis.

    Parameters
    ----------
    thicknesses : sequence of array_like, shape (n_layers - 1,)
        Layer thicknesses (m) of the models drawn; non-finite or
        non-positive ones are left out.
    depth_max : float
        Bottom of the axis (m): with no interface to go by (half-spaces
        only), the top is 1/100 of it.

    Returns
    -------
    float
        Depth (m) > 0.

    Examples
    --------
    >>> log_depth_top([[5.0, 20.0], [0.5, 3.0]], 40.0), log_depth_top([[]], 40.0)
    (0.1, 0.4)
    >>> log_depth_top([[2.0, 20.0]], 40.0), log_depth_top([[400.0, 600.0]], 2000.0)
    (0.5, 100.0)
    """
    firsts = [float(np.asarray(h, dtype=float)[0]) for h in thicknesses
              if np.size(h) and np.isfinite(h).all() and np.asarray(h, dtype=float)[0] > 0]
    if not firsts:
        return float(depth_max) / 100.0
    third = min(firsts) / 3.0
    power = 10.0 ** np.floor(np.log10(third))
    step = max(s for s in (1.0, 2.0, 5.0) if s * power <= third * (1 + 1e-12))
    return float(step * power)


def _extend_half_spaces(ax, bottom):
    """Let every step line of plot_layered_model on ``ax`` reach ``bottom``."""
    for line in ax.lines:
        if line.get_gid() == _LAYERED_GID:
            z = np.array(line.get_ydata(), dtype=float)
            if z[-1] < bottom:
                z[-1] = bottom
                line.set_ydata(z)


def plot_layered_model(rho, thickness, ax=None, depth_max=None, depth_scale="linear",
                       depth_top=None, **line_kw):
    """Step plot of resistivity against depth (depth increasing downward).

    Parameters
    ----------
    rho : array_like, shape (n_layers,)
        Layer resistivities, top-down (ohm.m).
    thickness : array_like, shape (n_layers - 1,)
        Thicknesses of the upper layers, top-down (m); the last layer is a
        half-space.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created if None.
    depth_max : float, optional
        Depth (m) at which the drawn half-space stops.  Must exceed the total
        thickness of the upper layers.  Default: 1.5 x that total (10 m for a
        uniform half-space).  Models drawn on one Axes share the deepest
        bottom: a shallower model's half-space is drawn down to it, and
        earlier models' half-spaces are extended to a deeper new one.
    depth_scale : {"linear", "log"}
        Depth axis from 0 (linear) or from ``depth_top`` (log).
    depth_top : float, optional
        Top of a log depth axis (m); default :func:`log_depth_top` of this
        model (or the shallower top already shown on ``ax``).
    **line_kw
        Passed to ``Axes.plot`` (e.g. ``label``, ``color``, ``linestyle``,
        ``linewidth``).

    Returns
    -------
    ax : matplotlib.axes.Axes
        The drawn line (``gid="layered_model"`` unless given another) has x
        data ``[rho_1, rho_1, rho_2, rho_2, ..., rho_N, rho_N]`` and y data
        ``[0, z_1, z_1, z_2, ..., z_(N-1), bottom]`` with ``z_i = h_1 + ... +
        h_i`` and ``bottom`` the deeper of ``depth_max`` and the bottom
        already shown.  x axis logarithmic, y axis inverted from ``bottom``
        to 0 (linear) or ``depth_top`` (log).

    Raises
    ------
    ValueError
        If shapes disagree, a value is not finite and positive,
        ``depth_max`` does not reach below the last interface or
        ``depth_scale`` is unknown.
    """
    rho, thickness = _check_layered(rho, thickness)
    check_choice(depth_scale, "depth_scale", ("linear", "log"))
    interfaces = np.cumsum(thickness)
    total = interfaces[-1] if interfaces.size else 0.0
    if depth_max is None:
        depth_max = 1.5 * total if total > 0 else 10.0
    elif not depth_max > total:
        raise ValueError(
            f"depth_max = {depth_max:g} m must exceed the depth of the last interface "
            f"({total:g} m)"
        )
    ax = _get_ax(ax, (3.6, 4.5))
    # Keep the deepest range already shown, so a second model stays visible.
    reuse = ax.yaxis_inverted() and len(ax.lines) > 0
    bottom = max(depth_max, ax.get_ylim()[0]) if reuse else depth_max

    kw = {"linewidth": 2.0, "gid": _LAYERED_GID}
    kw.update(line_kw)
    _extend_half_spaces(ax, bottom)
    ax.plot(*layer_steps(rho, thickness, bottom), **kw)

    ax.set_xscale("log")
    if depth_scale == "log":
        top = depth_top if depth_top is not None else log_depth_top([thickness], depth_max)
        if reuse and ax.get_yscale() == "log":
            top = min(top, ax.get_ylim()[1])
        ax.set_yscale("log")
        ax.set_ylim(bottom, top)
        _readable_log_ticks(ax.yaxis, plain=True)
    else:
        ax.set_ylim(bottom, 0.0)
    _readable_log_ticks(ax.xaxis)
    ax.set_xlabel(RESISTIVITY_LABEL)
    ax.set_ylabel(DEPTH_LABEL)
    _style_ax(ax)
    return ax


def plot_layered_model_band(rho, thickness, ax=None, depth_max=None, n_sigma=2.0,
                            n_depths=400, quantiles=None, **fill_kw):
    """Shaded band of an ensemble (or posterior sample) of layered models against depth.

    At every depth z the members' resistivities rho_i(z) are taken in log10;
    the band spans 10**(mean -/+ n_sigma * std) of them (std with ddof = 1),
    the spread of the ensemble of models in the same declared scale as its
    parameters, or, with ``quantiles``, the given quantiles of rho_i(z) (a
    credible interval of posterior samples).  Draw the ensemble mean or the
    true model on top with :func:`plot_layered_model`.

    Parameters
    ----------
    rho : array_like, shape (n_members, n_layers)
        Layer resistivities of each member, top-down (ohm.m).
    thickness : array_like, shape (n_members, n_layers - 1)
        Thicknesses (m); the last layer is a half-space.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created if None.
    depth_max : float, optional
        Depth (m) the band reaches; default the current bottom of ``ax`` if
        it already shows a model, else 1.5 x the deepest interface.
    n_sigma : float, optional
        Half-width of the band in standard deviations.
    n_depths : int, optional
        Depths sampled between 0 and ``depth_max`` (log-spaced below the
        top of a log depth axis).
    quantiles : (float, float), optional
        Lower and upper quantile of the band instead of the mean +/- sigma,
        e.g. ``(0.05, 0.95)``.
    **fill_kw
        Passed to ``Axes.fill_betweenx`` (``color``, ``alpha``, ``label``).

    Returns
    -------
    ax : matplotlib.axes.Axes
        The band is a PolyCollection with ``gid="model_band"``.

    Raises
    ------
    ValueError
        If shapes disagree or a value is not finite and positive.
    """
    rho = np.atleast_2d(np.asarray(rho, dtype=float))
    thickness = np.asarray(thickness, dtype=float).reshape(rho.shape[0], -1)
    for r, h in zip(rho, thickness):
        _check_layered(r, h)
    interfaces = np.cumsum(thickness, axis=1)
    ax = _get_ax(ax, (3.6, 4.5))
    if depth_max is None:
        deepest = interfaces.max() if interfaces.size else 0.0
        depth_max = 1.5 * deepest if deepest > 0 else 10.0
        if ax.yaxis_inverted() and len(ax.lines) > 0:
            depth_max = ax.get_ylim()[0]
    if ax.get_yscale() == "log" and ax.yaxis_inverted():
        top = ax.get_ylim()[1]
        z = np.r_[0.0, np.geomspace(top / 10.0, depth_max, n_depths - 1)]
    else:
        z = np.linspace(0.0, depth_max, n_depths)
    layer = (z[None, :, None] > interfaces[:, None, :]).sum(axis=2)   # (K, n_depths)
    log_rho = np.log10(np.take_along_axis(rho, layer, axis=1))
    if quantiles is not None:
        low, high = np.quantile(log_rho, quantiles, axis=0)
        label = f"{100 * (quantiles[1] - quantiles[0]):g} % interval"
    else:
        centre = log_rho.mean(axis=0)
        spread = log_rho.std(axis=0, ddof=1) if rho.shape[0] > 1 else np.zeros_like(centre)
        low, high = centre - n_sigma * spread, centre + n_sigma * spread
        label = rf"ensemble $\pm${n_sigma:g}$\sigma$"
    kw = {"color": _PRED_KW["color"], "alpha": 0.2, "linewidth": 0, "label": label}
    kw.update(fill_kw)
    ax.fill_betweenx(z, 10 ** low, 10 ** high, gid="model_band", **kw)
    ax.set_xscale("log")
    if not ax.yaxis_inverted():
        ax.set_ylim(depth_max, 0.0)
    ax.set_xlabel(RESISTIVITY_LABEL)
    ax.set_ylabel(DEPTH_LABEL)
    _style_ax(ax)
    return ax
