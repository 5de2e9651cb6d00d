"""Anomaly profiles above a cross-section of the buried body: gravity, magnetics, SP.

The anomaly along the profile is drawn on top (observed data as black
markers with error bars, the response of the predicted model as a red
line), the cross-section below it on the same x axis (z down, m) with the
true body in black and the predicted one in red (:mod:`geoinv.viz.style`).
Axes and parameters follow :mod:`geoinv.forward.gravity` (x along the
profile, z down).  Every function draws on the Figure it is given and
returns it.
"""

from __future__ import annotations

import numpy as np

from .style import _OBS_KW, _PRED_KW, _TRUE_KW, _style_ax

__all__ = ["body_outline", "section_depth", "plot_anomaly_over_body", "plot_body_example",
           "plot_self_potential_example"]


def body_outline(body, model, depth_max):
    """The cross-section of a body in the (x, z) plane, for drawing.

    Parameters
    ----------
    body : {"sphere", "cylinder", "prism", "dike", "thin_dike"}
        The body of a :class:`~geoinv.forward.Gravity` or
        :class:`~geoinv.forward.Magnetic` model.
    model : array_like, shape (n_params,)
        Its model vector: ``[x0, depth, radius, ...]`` (sphere, cylinder),
        ``[x0, width, top, bottom, drho]`` (prism), ``[x0, depth, width, dip,
        chi]`` (dike) or ``[x0, depth, dip, chi_t]`` (thin dike); m, degrees.
    depth_max : float
        Depth (m) the infinitely deep dikes are drawn to (a little beyond);
        unused for the closed bodies.

    Returns
    -------
    (xs, zs) : tuple of ndarray
        A closed polygon for the sphere, cylinder and prism, an open one
        (sides and top) for the dike and a line for the thin dike (m, z
        down).

    Examples
    --------
    >>> xs, zs = body_outline("prism", [0.0, 10.0, 5.0, 15.0, 300.0], 20.0)
    >>> xs.tolist(), zs.tolist()
    ([-5.0, 5.0, 5.0, -5.0, -5.0], [5.0, 5.0, 15.0, 15.0, 5.0])
    """
    model = np.asarray(model, dtype=np.float64)
    if body == "prism":
        x0, width, top, bottom, _ = model
        xs = x0 + 0.5 * width * np.array([-1, 1, 1, -1, -1])
        return xs, np.array([top, top, bottom, bottom, top])
    if body in ("sphere", "cylinder"):
        x0, depth, radius = model[:3]
        t = np.linspace(0.0, 2.0 * np.pi, 121)
        return x0 + abs(radius) * np.cos(t), depth + abs(radius) * np.sin(t)
    x0, depth, dip = model[0], model[1], model[-2]
    half = 0.5 * model[2] if body == "dike" else 0.0
    down = np.exp(1j * np.radians(dip))
    reach = max(depth_max - depth, 0.0) * 1.1 / max(abs(down.imag), 1e-3)
    left, right = x0 - half + 1j * depth, x0 + half + 1j * depth
    if body == "thin_dike":
        corners = np.array([left, left + reach * down])
    else:
        corners = np.array([left + reach * down, left, right, right + reach * down])
    return corners.real, corners.imag


def section_depth(body, models, x):
    """Depth (m) at the bottom of a cross-section showing every body in ``models``.

    1.25 x the deepest point of the closed bodies (10 m if none is below
    0); for the dikes, which reach infinite depth, 4 x the deepest top but
    at least 15 % of the profile's length and 10 m.

    Parameters
    ----------
    body : str
        As :func:`body_outline`.
    models : sequence of array_like, shape (n_params,)
    x : ndarray, shape (n_stations,)
        Station positions (m).

    Returns
    -------
    float
    """
    models = [np.asarray(m, dtype=np.float64) for m in models]
    if body in ("dike", "thin_dike"):
        return max(4.0 * max(m[1] for m in models), 0.15 * np.ptp(x), 10.0)
    if body == "prism":
        deepest = max(max(m[2], m[3]) for m in models)
    else:
        deepest = max(m[1] + abs(m[2]) for m in models)
    return 1.25 * deepest if deepest > 0 else 10.0


def _draw_anomaly(ax, xs, order, data_obs, data_pred, sigma, *, marker_size, line_width,
                  markers_on_top):
    """Observed data (with error bars) and the predicted response along the profile.

    Without ``sigma`` the observed markers are drawn under the response line
    unless ``markers_on_top`` (``Axes.errorbar`` puts its markers above).
    Returns whether the predicted response could be drawn (it is None or
    holds NaN when the predicted model is unphysical).
    """
    obs = np.asarray(data_obs, dtype=float)[order]
    if sigma is None and not markers_on_top:
        ax.plot(xs, obs, "o", ms=marker_size, color=_OBS_KW["color"], label=_OBS_KW["label"])
    else:
        err = None if sigma is None else np.broadcast_to(np.asarray(sigma, dtype=float),
                                                         np.shape(order))[order]
        ax.errorbar(xs, obs, yerr=err, ms=marker_size, **_OBS_KW)
    drawn = data_pred is not None and np.isfinite(data_pred).all()
    if drawn:
        ax.plot(xs, np.asarray(data_pred, dtype=float)[order], "-", color=_PRED_KW["color"],
                linewidth=line_width, label="response of predicted model")
    return drawn


def plot_anomaly_over_body(fig, x, model_true, model_pred, data_obs, data_pred, *, outline,
                           depth_max, data_label, sigma=None, title=None, legend=True):
    """Draw an anomaly profile above a cross-section of the body (shared x axis).

    Parameters
    ----------
    fig : matplotlib Figure or SubFigure
        Empty figure to draw in.
    x : ndarray, shape (n_stations,)
        Station positions (m).
    model_true : ndarray, shape (n_params,), or None
    model_pred : ndarray, shape (n_params,)
    data_obs : ndarray, shape (n_stations,)
        Observed anomaly, drawn as markers (with ``sigma`` as error bars).
    data_pred : ndarray, shape (n_stations,) or None
        Response of ``model_pred``, drawn as a red line (NaN when the
        prediction is unphysical: then a note says so).
    outline : callable
        ``outline(model, depth_max) -> (xs, zs)``, the body's cross-section.
    depth_max : float
        Depth (m) at the bottom of the section.
    data_label : str
        Label of the data axis, with the unit.
    sigma : ndarray, shape (n_stations,), optional
    title : str, optional
    legend : bool

    Returns
    -------
    fig
    """
    order = np.argsort(x)
    xs = np.asarray(x, dtype=float)[order]
    ax_d, ax_s = fig.subplots(2, 1, sharex=True, height_ratios=[1.0, 1.0])
    drawn = _draw_anomaly(ax_d, xs, order, data_obs, data_pred, sigma, marker_size=3.5,
                          line_width=1.8, markers_on_top=False)
    ax_d.set_ylabel(data_label)
    ax_d.axhline(0.0, color="0.6", linewidth=0.6)
    if not drawn:
        ax_d.text(0.01, 0.95, "predicted model unphysical: no response", transform=ax_d.transAxes,
                  ha="left", va="top", fontsize="small", color=_PRED_KW["color"])

    span = xs[-1] - xs[0] if xs.size > 1 else max(1.0, abs(xs[0]))
    if model_true is not None:
        ax_s.plot(*outline(model_true, depth_max), color=_TRUE_KW["color"],
                  linewidth=_TRUE_KW["linewidth"], label="true body")
    ax_s.plot(*outline(model_pred, depth_max), color=_PRED_KW["color"],
              linestyle=_PRED_KW["linestyle"], linewidth=_PRED_KW["linewidth"],
              label="predicted body")
    ax_s.plot(xs, np.zeros_like(xs), "v", color="0.35", ms=3, clip_on=False, label="stations")
    ax_s.set_xlim(xs[0] - 0.03 * span, xs[-1] + 0.03 * span)
    ax_s.set_xlabel("x along profile (m)")
    ax_s.set_ylabel("depth z (m)")
    # Near true scale where the panel is tall enough: then the depth axis
    # shows as much as an equal aspect would (estimated from the figure's
    # size, before layout); otherwise it is stretched to depth_max.
    root = fig.figure
    width_in = fig.bbox.width / root.dpi - 1.2             # less the y-axis labels
    height_in = (fig.bbox.height / root.dpi - 1.2) / 2.0   # less title, x labels, gaps
    equal_depth = 1.06 * span * height_in / width_in if width_in > 0 else 0.0
    ax_s.set_ylim(max(depth_max, equal_depth), 0.0)
    for ax in (ax_d, ax_s):
        _style_ax(ax)
    if legend:
        handles = ax_d.get_legend_handles_labels()[0] + [
            h for h in ax_s.get_legend_handles_labels()[0] if h.get_label() != "stations"]
        ax_d.legend(handles=handles, loc="best", ncols=2, fontsize="x-small", framealpha=0.85)
    if title is not None:
        fig.suptitle(title, fontsize="medium")
    return fig


def plot_body_example(forward, fig, model_true, model_pred, data_obs, data_pred, sigma=None,
                      title=None, legend=True):
    """One gravity or magnetic inversion example: anomaly above the bodies.

    :func:`plot_anomaly_over_body` with the body's outline
    (:func:`body_outline`; dikes drawn open at the bottom: they reach
    infinite depth) and a section deep enough for the true and predicted
    bodies (:func:`section_depth`).

    Parameters
    ----------
    forward : geoinv.forward.Gravity or geoinv.forward.Magnetic
        Its stations ``x`` (m), ``body`` and data label and unit.
    fig, model_true, model_pred, data_obs, data_pred, sigma, title, legend
        As :func:`geoinv.viz.plot_example`.

    Returns
    -------
    fig
    """
    models = [m for m in (model_true, model_pred) if m is not None]
    quantity = forward.data_names[0].split("@", 1)[0]
    return plot_anomaly_over_body(
        fig, forward.x, model_true, model_pred, data_obs, data_pred, sigma=sigma,
        outline=lambda model, depth_max: body_outline(forward.body, model, depth_max),
        depth_max=section_depth(forward.body, models, forward.x),
        data_label=f"{quantity} ({forward.data_units[0]})", title=title, legend=legend)


def plot_self_potential_example(forward, fig, model_true, model_pred, data_obs, data_pred,
                                sigma=None, title=None, legend=True):
    """One SP inversion example: anomaly profile above the polarised bodies.

    Each body is a marker at (x0, h), depth downwards, with an arrow along
    its dipole moment, ``sign(K) (cos(theta), sin(theta))`` (drawn at its
    true angle whatever the axes' aspect).

    Parameters
    ----------
    forward : geoinv.forward.SelfPotential
        Its stations ``x`` (m) and ``body``.
    fig, model_true, model_pred, data_obs, data_pred, sigma, title, legend
        As :func:`geoinv.viz.plot_example`; models are ``[K, h, x0, theta]``.

    Returns
    -------
    fig
    """
    ax_v, ax_z = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1.3, 1]})
    order = np.argsort(forward.x)
    x = forward.x[order]
    ax_v.axhline(0.0, color="0.6", linewidth=0.8)
    _draw_anomaly(ax_v, x, order, data_obs, data_pred, sigma, marker_size=3, line_width=1.6,
                  markers_on_top=True)
    ax_v.set_ylabel("SP anomaly (mV)")
    ax_v.set_title(f"SP profile ({forward.body.replace('_', ' ')})", fontsize="medium")

    bodies = [(np.asarray(model_pred, dtype=np.float64), _PRED_KW["color"], "X", "predicted")]
    if model_true is not None:
        bodies.insert(0, (np.asarray(model_true, dtype=np.float64), _TRUE_KW["color"], "o",
                          "true"))
    depths = [b[0][1] for b in bodies if np.isfinite(b[0][1])]
    depth_max = 1.8 * max(max(depths), 1.0)     # room below for a downward arrow
    for model, color, marker, label in bodies:
        K, h, x0, theta = model
        ax_z.plot(x0, h, marker, color=color, ms=8, mfc="none" if marker == "o" else color,
                  mew=2, label=f"{label}: h = {h:.3g} m, \u03b8 = {theta:.0f}\u00b0")
        angle = np.deg2rad(theta)
        direction = np.sign(K) * np.array([np.cos(angle), np.sin(angle)])
        if np.any(direction):
            ax_z.annotate("", xy=(x0, h), xycoords="data",
                          xytext=tuple(18 * direction), textcoords="offset points",
                          arrowprops=dict(arrowstyle="<-", color=color, lw=1.6))
    ax_z.axhline(0.0, color="0.4", linewidth=1.0)
    ax_z.set_ylim(depth_max, -0.25 * depth_max)   # room above for an upward arrow
    span = x[-1] - x[0] if x.size > 1 else 1.0
    ax_z.set_xlim(x[0] - 0.03 * span, x[-1] + 0.03 * span)
    ax_z.set_xlabel("Position x (m)")
    ax_z.set_ylabel("Depth (m)")
    ax_z.set_title("Cross-section (arrow: dipole moment)", fontsize="medium")
    for ax in (ax_v, ax_z):
        _style_ax(ax)
    if legend:
        ax_v.legend(loc="best", fontsize="small")
    ax_z.legend(loc="best", fontsize="x-small")
    if title is not None:
        fig.suptitle(title)
    return fig
