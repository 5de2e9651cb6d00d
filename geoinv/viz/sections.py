"""Figures of profiles: stitched layered-earth sections and misfits along the line.

Every function draws on the Axes or Figure it is given, creates one only when
given none, returns it, and never calls ``plt.show()``.  Depth increases
downward; colour is log10 resistivity (ohm.m); layers are numbered top-down
and a model is ``[rho_1 .. rho_N, h_1 .. h_(N-1)]`` (ohm.m, m).
"""

from __future__ import annotations

import numpy as np

from ..forward import interface_depths
from .style import _GRID_KW, METHOD_LABELS, _get_ax, _new_figure

__all__ = ["plot_section", "plot_profile_sections", "position_edges", "layered_section"]

_CMAP = "viridis"
_N_DEPTH = 300                 # depth samples of a section: staircase <= depth_max / 300


def position_edges(x):
    """Cell edges around sounding positions: midpoints, ends mirrored.

    Parameters
    ----------
    x : array_like, shape (n_positions,)
        Increasing positions (m).

    Returns
    -------
    ndarray, shape (n_positions + 1,)
    """
    x = np.asarray(x, dtype=np.float64)
    if x.size == 1:
        return np.array([x[0] - 0.5, x[0] + 0.5])
    mid = 0.5 * (x[1:] + x[:-1])
    return np.concatenate([[x[0] - (mid[0] - x[0])], mid, [x[-1] + (x[-1] - mid[-1])]])


def layered_section(models, n_layers, depth):
    """log10 resistivity of the stitched layered models on a depth grid.

    Parameters
    ----------
    models : array_like, shape (n_positions, 2 n_layers - 1)
        ``[rho_1 .. rho_N, h_1 .. h_(N-1)]`` (ohm.m, m).
    n_layers : int
    depth : array_like, shape (n_depth,)
        Depths (m, positive down) where the section is sampled.

    Returns
    -------
    ndarray, shape (n_depth, n_positions)
        log10 rho (ohm.m) of the layer holding each depth (a depth exactly
        on an interface belongs to the layer below).
    """
    models = np.atleast_2d(np.asarray(models, dtype=np.float64))
    bottoms = interface_depths(models, n_layers)                   # (n, N - 1)
    depth = np.asarray(depth, dtype=np.float64)
    layer = (depth[:, None, None] >= bottoms[None, :, :]).sum(axis=2)   # (n_depth, n)
    return np.log10(np.take_along_axis(models[:, :n_layers].T, layer, axis=0))


def _default_depth_max(models, n_layers):
    return 1.3 * float(np.max(interface_depths(models, n_layers)[:, -1])) if n_layers > 1 else 1.0


def plot_section(x, models, n_layers, ax=None, depth_max=None, vmin=None, vmax=None,
                 cmap=_CMAP, interfaces=None, title=None):
    """Stitched 1D layered models as a 2D resistivity section.

    Parameters
    ----------
    x : array_like, shape (n_positions,)
        Sounding positions along the profile (m), increasing.
    models : array_like, shape (n_positions, 2 n_layers - 1)
        Layered models, ``[rho_1 .. rho_N, h_1 .. h_(N-1)]`` (ohm.m, m).
    n_layers : int
    ax : matplotlib.axes.Axes, optional
    depth_max : float, optional
        Bottom of the section (m); default 1.3 times the deepest interface.
    vmin, vmax : float, optional
        Colour limits in log10 ohm.m; default the range of the models.
    cmap : str
    interfaces : array_like, shape (n_positions, 2 n_layers - 1), optional
        Models (e.g. the true ones) whose interfaces are drawn as white
        dashed lines over the section.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.collections[0]`` is the QuadMesh (for a colour bar).
    """
    x = np.asarray(x, dtype=np.float64)
    models = np.atleast_2d(np.asarray(models, dtype=np.float64))
    if models.shape[0] != x.size:
        raise ValueError(f"models has {models.shape[0]} rows but x has {x.size} positions")
    ax = _get_ax(ax, (8.0, 3.0))
    if depth_max is None:
        depth_max = _default_depth_max(models, n_layers)
    z_edges = np.linspace(0.0, depth_max, _N_DEPTH + 1)
    image = layered_section(models, n_layers, 0.5 * (z_edges[1:] + z_edges[:-1]))
    log_rho = np.log10(models[:, :n_layers])
    vmin = float(log_rho.min()) if vmin is None else vmin
    vmax = float(log_rho.max()) if vmax is None else vmax
    ax.pcolormesh(position_edges(x), z_edges, image, cmap=cmap, vmin=vmin, vmax=vmax,
                  shading="flat", rasterized=True)
    if interfaces is not None:
        for depth in interface_depths(interfaces, n_layers).T:
            ax.plot(x, depth, color="white", linestyle="--", linewidth=1.0)
    ax.set_ylim(depth_max, 0.0)
    ax.set_xlim(position_edges(x)[[0, -1]])
    ax.set_ylabel("Depth (m)")
    ax.set_xlabel("Position along profile (m)")
    if title:
        ax.set_title(title, loc="left", fontsize="medium")
    return ax


def plot_profile_sections(x, sections, n_layers, misfits=None, fig=None, depth_max=None,
                          true="true", target=1.2, cmap=_CMAP):
    """True and recovered sections stacked, with the misfit along the line.

    Parameters
    ----------
    x : array_like, shape (n_positions,)
        Sounding positions (m).
    sections : dict of str to array_like, shape (n_positions, 2 n_layers - 1)
        Layered models per label, drawn top to bottom in this order, e.g.
        ``{"true": ..., "network": ..., "network_lm": ...}``; labels that are
        method names are written out (``METHOD_LABELS``).
    n_layers : int
    misfits : dict of str to array_like, shape (n_positions,), optional
        RMS misfit per method (noise standard deviations), drawn in a panel
        under the sections on a log axis.
    fig : matplotlib.figure.Figure, optional
        Filled; a new figure is made if None.
    depth_max : float, optional
        Bottom of every section (m); default from the ``true`` section (or
        the first one).
    true : str or None
        Label of the true models, whose interfaces are drawn over the other
        sections as white dashed lines; None for none.
    target : float
        Fit threshold drawn in the misfit panel.
    cmap : str

    Returns
    -------
    matplotlib.figure.Figure
        Axes: one per section, then the misfit panel; one shared colour bar.
    """
    if not sections:
        raise ValueError("sections is empty: give at least one {label: models}")
    x = np.asarray(x, dtype=np.float64)
    sections = {k: np.atleast_2d(np.asarray(v, dtype=np.float64)) for k, v in sections.items()}
    reference = sections.get(true) if true is not None else None
    first = reference if reference is not None else next(iter(sections.values()))
    if depth_max is None:
        depth_max = _default_depth_max(first, n_layers)
    log_rho = np.concatenate([np.log10(m[:, :n_layers]).ravel() for m in sections.values()])
    vmin, vmax = float(np.nanmin(log_rho)), float(np.nanmax(log_rho))

    n_rows = len(sections) + (misfits is not None)
    ratios = [1.0] * len(sections) + ([0.6] if misfits is not None else [])
    if fig is None:
        fig = _new_figure((8.5, 1.9 * sum(ratios) + 0.8))
    axes = fig.subplots(n_rows, 1, sharex=True, gridspec_kw={"height_ratios": ratios},
                        squeeze=False)[:, 0]
    for ax, (label, models) in zip(axes, sections.items()):
        overlay = reference if (reference is not None and label != true) else None
        plot_section(x, models, n_layers, ax=ax, depth_max=depth_max, vmin=vmin, vmax=vmax,
                     cmap=cmap, interfaces=overlay, title=METHOD_LABELS.get(label, label))
        ax.set_xlabel("")
    # the colour bar takes its room from every panel, misfit included, so that
    # the sections and the misfit panel keep one common x scale
    fig.colorbar(axes[0].collections[0], ax=list(axes), label="log10 resistivity (ohm.m)",
                 shrink=0.9)
    if misfits is not None:
        ax = axes[-1]
        for label, rms in misfits.items():
            ax.plot(x, np.asarray(rms, dtype=float), marker=".", markersize=3, linewidth=0.8,
                    label=METHOD_LABELS.get(label, label))
        ax.axhline(target, color="black", linestyle="--", linewidth=1.0, gid="target")
        ax.set_yscale("log")
        ax.set_ylabel("RMS misfit")
        ax.legend(loc="best", fontsize="small", frameon=False, ncol=len(misfits))
        ax.grid(True, **_GRID_KW)
    axes[-1].set_xlabel("Position along profile (m)")
    return fig
