"""Figures of profiles: stitched layered-earth sections and misfits along the line.

Every function draws on the Axes or Figure it is given, creates one only when
given none, returns it, and never calls ``plt.show()``.  Depth increases
downward, on a linear or (for thin shallow layers) a log axis; colour is
resistivity on a log scale, its colour bar in ohm.m with log ticks; layers
are numbered top-down and a model is ``[rho_1 .. rho_N, h_1 .. h_(N-1)]``
(ohm.m, m).  Soundings flagged as out of distribution are marked along the
top of the section with a red triangle.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import FixedLocator, FuncFormatter

from .._checks import check_choice
from ..forward import interface_depths
from .layered import log_depth_top
from .style import (_GRID_KW, DEPTH_LABEL, METHOD_LABELS, POSITION_LABEL, RESISTIVITY_LABEL,
                    _get_ax, _new_figure, _plain_number, _readable_log_ticks, model_style)

__all__ = ["plot_section", "plot_profile_sections", "position_edges", "layered_section",
           "section_depth_scale", "resistivity_colorbar", "mark_flags"]

_CMAP = "viridis"
_FLAG_Y = 0.95                 # height of the OOD marks, in axes fraction
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
    if n_layers < 2:
        return 1.0
    bottoms = interface_depths(models, n_layers)[:, -1]
    return 1.3 * float(np.nanmax(bottoms))


def section_depth_scale(models, n_layers, depth_max, depth_scale="auto"):
    """Resolve ``"auto"``: a log depth axis when the top layer is thin.

    Parameters
    ----------
    models : ndarray, shape (n_positions, 2 n_layers - 1)
    n_layers : int
    depth_max : float
        Bottom of the section (m).
    depth_scale : {"auto", "linear", "log"}
        ``"auto"`` is ``"log"`` when the shallowest first interface lies
        above 1/20 of ``depth_max`` (a linear axis would show the top layer
        as a sliver), else ``"linear"``.

    Returns
    -------
    str
        ``"linear"`` or ``"log"``.
    """
    check_choice(depth_scale, "depth_scale", ("auto", "linear", "log"))
    if depth_scale != "auto":
        return depth_scale
    if n_layers < 2:
        return "linear"
    first = np.asarray(models, dtype=float)[:, n_layers]
    first = first[np.isfinite(first) & (first > 0)]
    return "log" if first.size and first.min() < depth_max / 20.0 else "linear"


def resistivity_colorbar(fig, mappable, ax, vmin, vmax, **kw):
    """Colour bar of log10 resistivity labelled in ohm.m at log ticks.

    Parameters
    ----------
    fig : matplotlib Figure or SubFigure
    mappable : the QuadMesh of a section (values log10 ohm.m)
    ax : Axes or list of Axes the colour bar takes room from
    vmin, vmax : float
        Colour limits (log10 ohm.m).
    **kw
        Passed to ``Figure.colorbar``.

    Returns
    -------
    matplotlib.colorbar.Colorbar
        Major ticks at the powers of ten (and the 1-2-5 steps when the range
        spans less than 2.5 decades) labelled in ohm.m, minor ticks at 2-9
        times each power.
    """
    cbar = fig.colorbar(mappable, ax=ax, label=RESISTIVITY_LABEL, **kw)
    k = np.arange(np.floor(vmin) - 1, np.ceil(vmax) + 1)
    decades = k[(k >= vmin - 1e-9) & (k <= vmax + 1e-9)]
    if decades.size >= 2 and vmax - vmin >= 2.5:
        major = decades
    else:
        major = np.log10((np.array([1.0, 2.0, 5.0])[:, None] * 10.0 ** k).ravel())
        major = np.sort(major[(major >= vmin - 1e-9) & (major <= vmax + 1e-9)])
    minor = np.log10((np.arange(2.0, 10.0)[:, None] * 10.0 ** k).ravel())
    minor = minor[(minor >= vmin) & (minor <= vmax)]
    cbar.ax.yaxis.set_major_locator(FixedLocator(major))
    cbar.ax.yaxis.set_minor_locator(FixedLocator(minor))
    cbar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, pos: _plain_number(10.0 ** v)))
    return cbar


def mark_flags(ax, x, flags, label="flagged OOD"):
    """Mark the positions flagged as out of distribution along the top of ``ax``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        A section (x along the profile).
    x : ndarray, shape (n_positions,)
    flags : array_like of bool, shape (n_positions,)
    label : str

    Returns
    -------
    matplotlib.lines.Line2D or None
        Red downward triangles just inside the top edge (y = 0.95 of the
        axes height, ``gid="ood_flags"``), or None if nothing is flagged.
    """
    flags = np.asarray(flags, dtype=bool)
    if flags.shape != np.shape(x):
        raise ValueError(f"flags must have shape {np.shape(x)} (one per position); "
                         f"got {flags.shape}")
    if not flags.any():
        return None
    (line,) = ax.plot(np.asarray(x)[flags], np.full(flags.sum(), _FLAG_Y), "v", color="#d62728",
                      ms=6, mec="white", mew=0.6, transform=ax.get_xaxis_transform(),
                      clip_on=False, zorder=5, gid="ood_flags", label=label)
    return line


def plot_section(x, models, n_layers, ax=None, depth_max=None, vmin=None, vmax=None,
                 cmap=_CMAP, interfaces=None, title=None, depth_scale="linear", flags=None,
                 depth_top=None):
    """Stitched 1D layered models as a 2D resistivity section.

    Parameters
    ----------
    x : array_like, shape (n_positions,)
        Sounding positions along the profile (m), increasing.
    models : array_like, shape (n_positions, 2 n_layers - 1)
        Layered models, ``[rho_1 .. rho_N, h_1 .. h_(N-1)]`` (ohm.m, m);
        a row holding NaN is left blank.
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
    depth_scale : {"linear", "log", "auto"}
        Depth axis; ``"auto"`` as :func:`section_depth_scale`.  A log axis
        starts at :func:`~geoinv.viz.layered.log_depth_top` of the
        shallowest first layer.
    flags : array_like of bool, shape (n_positions,), optional
        Soundings flagged as OOD, marked along the top (:func:`mark_flags`).
    depth_top : float, optional
        Top of a log depth axis (m), to share it between sections.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.collections[0]`` is the QuadMesh of log10 rho (for a colour
        bar: :func:`resistivity_colorbar`).
    """
    x = np.asarray(x, dtype=np.float64)
    models = np.atleast_2d(np.asarray(models, dtype=np.float64))
    if models.shape[0] != x.size:
        raise ValueError(f"models has {models.shape[0]} rows but x has {x.size} positions")
    ax = _get_ax(ax, (8.0, 3.0))
    if depth_max is None:
        depth_max = _default_depth_max(models, n_layers)
    depth_scale = section_depth_scale(models, n_layers, depth_max, depth_scale)
    if depth_scale == "log":
        top = depth_top or log_depth_top([m[n_layers:] for m in models], depth_max)
        z_edges = np.geomspace(top, depth_max, _N_DEPTH + 1)
        z_mid = np.sqrt(z_edges[1:] * z_edges[:-1])
    else:
        top = 0.0
        z_edges = np.linspace(0.0, depth_max, _N_DEPTH + 1)
        z_mid = 0.5 * (z_edges[1:] + z_edges[:-1])
    image = layered_section(models, n_layers, z_mid)
    log_rho = np.log10(models[:, :n_layers])
    vmin = float(np.nanmin(log_rho)) if vmin is None else vmin
    vmax = float(np.nanmax(log_rho)) if vmax is None else vmax
    ax.pcolormesh(position_edges(x), z_edges, np.ma.masked_invalid(image), cmap=cmap,
                  vmin=vmin, vmax=vmax, shading="flat", rasterized=True)
    if interfaces is not None:
        for depth in interface_depths(interfaces, n_layers).T:
            ax.plot(x, depth, color="white", linestyle="--", linewidth=1.0)
    if depth_scale == "log":
        ax.set_yscale("log")
    ax.set_ylim(depth_max, top)
    if depth_scale == "log":
        _readable_log_ticks(ax.yaxis, plain=True)
    ax.set_xlim(position_edges(x)[[0, -1]])
    ax.set_ylabel(DEPTH_LABEL)
    ax.set_xlabel(POSITION_LABEL)
    if flags is not None:
        mark_flags(ax, x, flags)
    if title:
        ax.set_title(title, loc="left", fontsize="medium")
    return ax


def plot_profile_sections(x, sections, n_layers, misfits=None, fig=None, depth_max=None,
                          true="true", target=1.2, cmap=_CMAP, depth_scale="linear",
                          flags=None):
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
    depth_scale : {"linear", "log", "auto"}
        Depth axis of every section (``"auto"``: :func:`section_depth_scale`
        of the reference section).
    flags : array_like of bool, shape (n_positions,), optional
        Soundings flagged as out of distribution, marked along the top of
        every recovered section and in the misfit panel.

    Returns
    -------
    matplotlib.figure.Figure
        Axes: one per section, then the misfit panel; one shared colour bar
        in ohm.m with log ticks.
    """
    if not sections:
        raise ValueError("sections is empty: give at least one {label: models}")
    x = np.asarray(x, dtype=np.float64)
    sections = {k: np.atleast_2d(np.asarray(v, dtype=np.float64)) for k, v in sections.items()}
    reference = sections.get(true) if true is not None else None
    first = reference if reference is not None else next(iter(sections.values()))
    if depth_max is None:
        depth_max = _default_depth_max(first, n_layers)
    depth_scale = section_depth_scale(first, n_layers, depth_max, depth_scale)
    top = log_depth_top([m[n_layers:] for v in sections.values() for m in v], depth_max)
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
                     cmap=cmap, interfaces=overlay, title=METHOD_LABELS.get(label, label),
                     depth_scale=depth_scale, depth_top=top,
                     flags=flags if (true is None or label != true) else None)
        ax.set_xlabel("")
    # the colour bar takes its room from every panel, misfit included, so that
    # the sections and the misfit panel keep one common x scale
    resistivity_colorbar(fig, axes[0].collections[0], list(axes), vmin, vmax, shrink=0.9)
    if misfits is not None:
        ax = axes[-1]
        for i, (label, rms) in enumerate(misfits.items()):
            ax.plot(x, np.asarray(rms, dtype=float), marker=".", markersize=3, linewidth=0.8,
                    label=METHOD_LABELS.get(label, label),
                    color=model_style(label, i)["color"])
        ax.axhline(target, color="black", linestyle="--", linewidth=1.0, gid="target")
        ax.set_yscale("log")
        _readable_log_ticks(ax.yaxis, plain=True)
        ax.set_ylabel("RMS misfit")
        if flags is not None and np.any(flags):
            for xf in x[np.asarray(flags, dtype=bool)]:
                ax.axvspan(xf - 0.5 * _step(x), xf + 0.5 * _step(x), color="#d62728",
                           alpha=0.12, linewidth=0, gid="ood_flags")
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize="small", frameon=False,
                  ncol=len(misfits), borderaxespad=0.1)
        ax.grid(True, **_GRID_KW)
    axes[-1].set_xlabel(POSITION_LABEL)
    if flags is not None:
        flags = np.asarray(flags, dtype=bool)
        axes[0].set_title(f"\u25bc flagged OOD: {flags.sum()} of {flags.size} soundings",
                          loc="right", fontsize="small", color="#d62728")
    return fig


def _step(x):
    return float(np.median(np.diff(x))) if len(x) > 1 else 1.0
