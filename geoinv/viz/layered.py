"""Layered earths drawn against depth: a model as steps, an ensemble as a band.

Layers are numbered top-down and a layered model vector is
``[rho_1 .. rho_N, h_1 .. h_(N-1)]`` (ohm.m, m), the last layer a
half-space; depth axes increase downward.  Every function draws on the Axes
it is given, creates a figure only when it is given none, and returns it.
"""

from __future__ import annotations

import numpy as np

from .style import _PRED_KW, _get_ax, _readable_log_ticks, _style_ax

__all__ = ["layer_steps", "models_depth_max", "plot_layered_model", "plot_layered_model_band"]


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


def models_depth_max(thicknesses, default):
    """Common bottom of the depth axis for several layered models drawn together.

    Parameters
    ----------
    thicknesses : sequence of array_like, shape (n_layers - 1,)
        Layer thicknesses (m) of each model; models holding a NaN or an
        infinite thickness are left out.
    default : float
        Depth (m) when no model has an interface below 0.

    Returns
    -------
    float
        1.5 x the deepest last interface (m).
    """
    totals = [np.sum(h) for h in thicknesses if np.isfinite(h).all()]
    return 1.5 * max(totals) if totals and max(totals) > 0 else default


def plot_layered_model(rho, thickness, ax=None, depth_max=None, **line_kw):
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
        uniform half-space).  To compare models on one Axes, pass them the
        same ``depth_max``.
    **line_kw
        Passed to ``Axes.plot`` (e.g. ``label``, ``color``, ``linestyle``,
        ``linewidth``).

    Returns
    -------
    ax : matplotlib.axes.Axes
        The drawn line has x data ``[rho_1, rho_1, rho_2, rho_2, ..., rho_N,
        rho_N]`` and y data ``[0, z_1, z_1, z_2, ..., z_(N-1), depth_max]``
        with ``z_i = h_1 + ... + h_i``.  x axis logarithmic, y axis inverted
        from ``depth_max`` (or a deeper earlier one on the same Axes) to 0.

    Raises
    ------
    ValueError
        If shapes disagree, a value is not finite and positive, or
        ``depth_max`` does not reach below the last interface.
    """
    rho, thickness = _check_layered(rho, thickness)
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

    kw = {"linewidth": 2.0}
    kw.update(line_kw)
    ax.plot(*layer_steps(rho, thickness, depth_max), **kw)

    ax.set_xscale("log")
    ax.set_ylim(bottom, 0.0)
    _readable_log_ticks(ax.xaxis)
    ax.set_xlabel("Resistivity (ohm.m)")
    ax.set_ylabel("Depth (m)")
    _style_ax(ax)
    return ax


def plot_layered_model_band(rho, thickness, ax=None, depth_max=None, n_sigma=2.0,
                            n_depths=400, **fill_kw):
    """Shaded band of an ensemble of layered models against depth.

    At every depth z the members' resistivities rho_i(z) are taken in log10;
    the band spans 10**(mean -/+ n_sigma * std) of them (std with ddof = 1),
    the spread of the ensemble of models in the same declared scale as its
    parameters.  Draw the ensemble mean or the true model on top with
    :func:`plot_layered_model`.

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
        Depths sampled between 0 and ``depth_max``.
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
    z = np.linspace(0.0, depth_max, n_depths)
    layer = (z[None, :, None] > interfaces[:, None, :]).sum(axis=2)   # (K, n_depths)
    log_rho = np.log10(np.take_along_axis(rho, layer, axis=1))
    centre = log_rho.mean(axis=0)
    spread = log_rho.std(axis=0, ddof=1) if rho.shape[0] > 1 else np.zeros_like(centre)
    kw = {"color": _PRED_KW["color"], "alpha": 0.2, "linewidth": 0,
          "label": f"ensemble +/- {n_sigma:g} sigma"}
    kw.update(fill_kw)
    ax.fill_betweenx(z, 10 ** (centre - n_sigma * spread), 10 ** (centre + n_sigma * spread),
                     gid="model_band", **kw)
    ax.set_xscale("log")
    if not ax.yaxis_inverted():
        ax.set_ylim(depth_max, 0.0)
    ax.set_xlabel("Resistivity (ohm.m)")
    ax.set_ylabel("Depth (m)")
    _style_ax(ax)
    return ax
