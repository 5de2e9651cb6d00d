"""Anomaly profiles above a cross-section of the buried body: gravity, magnetics, SP.

The anomaly along the profile is drawn on top (observed data as black
markers with error bars, each model's response as a line in its colour),
the cross-section below it on the same x axis (z down, m) at true scale
(equal aspect: a sphere stays round, a dip keeps its angle), the true body
solid black, the network's dashed red, network -> LM solid green
(:func:`geoinv.viz.style.model_style`).  The body's physical property
(density contrast drho, susceptibility chi, SP polarisation K) of every
model is written above the cross-section.  Axes and parameters follow
:mod:`geoinv.forward.gravity` (x along the profile, z down).  Every
function draws on the Figure it is given and returns it.
"""

from __future__ import annotations

import numpy as np

from ._entries import error_bars, model_entries
from .style import (DEPTH_LABEL, POSITION_LABEL, _OBS_KW, _legend_above, _style_ax, tex_symbol,
                    tex_unit)

__all__ = ["body_outline", "section_depth", "section_rows", "property_text",
           "plot_anomaly_over_body", "plot_body_example", "plot_self_potential_example"]

_PROPERTIES = ("drho", "chi", "chi_t", "K")
"""The physical property among a body's parameters, written above its section."""


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


def section_rows(fig, span, depth_range, data_height=1.6):
    """Height ratios of the anomaly and section panels of a true-scale section.

    The section panel gets a little more than the height its x range needs
    at equal aspect (``width x depth_range / span``, estimated from the
    figure's size before layout), so that the equal aspect shortens the
    section rather than narrowing it (the two panels stay aligned on x);
    the anomaly panel gets the rest, at least ``data_height``.

    Parameters
    ----------
    fig : matplotlib Figure or SubFigure
    span : float
        x range of the section (m).
    depth_range : float
        Depth range shown (m).
    data_height : float
        Least height of the anomaly panel (inches).

    Returns
    -------
    [data, section] : list of float
        Height ratios for ``fig.subplots(2, 1, height_ratios=...)``.
    """
    root = fig.figure
    width = max(fig.bbox.width / root.dpi - 1.3, 1.0)      # less the y-axis labels
    height = max(fig.bbox.height / root.dpi - 1.6, 1.0)    # less title, legend, x labels
    section = 1.15 * width * depth_range / span + 0.1
    return [max(height - section, data_height), section]


def _number(value):
    """A property value in a few characters: 600, 0.0201, 9180, -18000."""
    return f"{value:.0f}" if 1e3 <= abs(value) < 1e7 else f"{value:.3g}"


def property_text(names, units, entries):
    """One line naming each model's physical property, e.g. drho: true 600, network 550.

    Parameters
    ----------
    names, units : sequence of str
        The body's parameter names and units (the property is ``drho``,
        ``chi``, ``chi_t`` or ``K``).
    entries : list of geoinv.viz._entries.Entry

    Returns
    -------
    str or None
        Mathtext, or None when the body has no such parameter.
    """
    j = next((i for i, n in enumerate(names) if n in _PROPERTIES), None)
    if j is None:
        return None
    values = ", ".join(f"{e.label} {_number(e.model[j])}" for e in entries)
    return f"{tex_symbol(names[j])} ({tex_unit(units[j])}): {values}"


def _draw_anomaly(ax, xs, order, data_obs, entries, sigma, *, marker_size, line_width):
    """Observed data (with error bars) and each model's response along the profile.

    Returns the labels of the predicted models whose response could not be
    drawn (None or NaN: an unphysical model).
    """
    obs = np.asarray(data_obs, dtype=float)[order]
    bars = error_bars(sigma, np.size(order))
    ax.errorbar(xs, obs, yerr=None if bars is None else bars[:, order], ms=marker_size,
                zorder=3, **_OBS_KW)
    missing = []
    for e in entries:
        if e.key == "true":
            continue
        if e.has_response:
            ax.plot(xs, e.response[order], color=e.style["color"],
                    linestyle="-", linewidth=line_width,
                    label=e.response_label)
        else:
            missing.append(e.label)
    return missing


def _body_label(entry):
    return f"{entry.label} body"


def plot_anomaly_over_body(fig, x, model_true, model_pred, data_obs, data_pred, *, outline,
                           depth_max, data_label, sigma=None, title=None, legend=True,
                           property_line=None):
    """Draw an anomaly profile above a true-scale cross-section of the body (shared x axis).

    Parameters
    ----------
    fig : matplotlib Figure or SubFigure
        Empty figure to draw in.
    x : ndarray, shape (n_stations,)
        Station positions (m).
    model_true : ndarray, shape (n_params,), or None
    model_pred : ndarray, shape (n_params,), or dict of str to it
        One prediction, or several by label (``"network"``, ``"network_lm"``).
    data_obs : ndarray, shape (n_stations,)
        Observed anomaly, drawn as markers (with ``sigma`` as error bars).
    data_pred : ndarray, shape (n_stations,) or None, or dict of str to it
        Responses of the predictions (NaN when a prediction is unphysical:
        then a note says so).
    outline : callable
        ``outline(model, depth_max) -> (xs, zs)``, the body's cross-section.
    depth_max : float
        Depth (m) at the bottom of the section.
    data_label : str
        Label of the data axis, with the unit.
    sigma : ndarray, shape (n_stations,) or (2, n_stations), optional
    title : str, optional
    legend : bool
    property_line : callable, optional
        ``property_line(entries) -> str`` written above the section.

    Returns
    -------
    fig
        Two Axes: the anomaly and the section (equal aspect, depth from 0
        down to at least ``depth_max``).
    """
    entries = model_entries(model_true, model_pred, data_pred)
    order = np.argsort(x)
    xs = np.asarray(x, dtype=float)[order]
    span = xs[-1] - xs[0] if xs.size > 1 else max(1.0, abs(xs[0]))
    x_lim = (xs[0] - 0.03 * span, xs[-1] + 0.03 * span)
    ax_d, ax_s = fig.subplots(2, 1, sharex=True,
                              height_ratios=section_rows(fig, 1.06 * span, depth_max))
    missing = _draw_anomaly(ax_d, xs, order, data_obs, entries, sigma, marker_size=3.5,
                            line_width=1.8)
    ax_d.set_ylabel(data_label)
    ax_d.axhline(0.0, color="0.6", linewidth=0.6)
    if missing:
        ax_d.text(0.01, 0.95, f"{', '.join(missing)} model unphysical: no response",
                  transform=ax_d.transAxes, ha="left", va="top", fontsize="small",
                  color="#d62728")

    for e in entries:
        ax_s.plot(*outline(e.model, depth_max), color=e.style["color"],
                  linestyle=e.style["linestyle"], linewidth=e.style["linewidth"],
                  label="true body" if e.key == "true" else _body_label(e))
    ax_s.plot(xs, np.zeros_like(xs), "v", color="0.35", ms=3, clip_on=False, label="stations")
    ax_s.set_xlim(*x_lim)
    ax_s.set_ylim(depth_max, 0.0)
    ax_s.set_aspect("equal", adjustable="box", anchor="N")
    ax_s.set_xlabel(POSITION_LABEL)
    ax_s.set_ylabel(DEPTH_LABEL)
    if property_line is not None:
        text = property_line(entries)
        if text:
            ax_s.set_title(text, loc="left", fontsize="small")
    for ax in (ax_d, ax_s):
        _style_ax(ax)
    if legend:
        handles = ax_d.get_legend_handles_labels()[0] + [
            h for h in ax_s.get_legend_handles_labels()[0] if h.get_label() != "stations"]
        _legend_above(ax_d, handles, ncols=3)
    if title is not None:
        fig.suptitle(title, fontsize="medium")
    return fig


def _data_label(forward):
    quantity = forward.data_names[0].split("@", 1)[0]
    return f"{tex_symbol(quantity)} ({tex_unit(forward.data_units[0])})"


def plot_body_example(forward, fig, model_true, model_pred, data_obs, data_pred, sigma=None,
                      title=None, legend=True, bands=None):
    """One gravity or magnetic inversion example: anomaly above the bodies.

    :func:`plot_anomaly_over_body` with the body's outline
    (:func:`body_outline`; dikes drawn open at the bottom: they reach
    infinite depth), a section deep enough for every body drawn
    (:func:`section_depth`) and the density contrast or susceptibility of
    each model above it.

    Parameters
    ----------
    forward : geoinv.forward.Gravity or geoinv.forward.Magnetic
        Its stations ``x`` (m), ``body`` and data label and unit.
    fig, model_true, model_pred, data_obs, data_pred, sigma, title, legend
        As :func:`geoinv.viz.plot_example`.
    bands : dict, optional
        Accepted for a common signature; not drawn.

    Returns
    -------
    fig
    """
    models = [e.model for e in model_entries(model_true, model_pred, None)]
    return plot_anomaly_over_body(
        fig, forward.x, model_true, model_pred, data_obs, data_pred, sigma=sigma,
        outline=lambda model, depth_max: body_outline(forward.body, model, depth_max),
        depth_max=section_depth(forward.body, models, forward.x),
        data_label=_data_label(forward), title=title, legend=legend,
        property_line=lambda entries: property_text(forward.parameter_names,
                                                    forward.parameter_units, entries))


def sp_section_depth(models):
    """Bottom (m) of an SP cross-section: room below the deepest body for its arrow.

    Parameters
    ----------
    models : sequence of array_like, shape (4,)
        ``[K, h, x0, theta]``; non-finite depths are left out.

    Returns
    -------
    float
        1.8 x the deepest h (at least 1 m).
    """
    depths = [m[1] for m in models if np.isfinite(m[1])]
    return 1.8 * max(max(depths, default=1.0), 1.0)


def plot_self_potential_example(forward, fig, model_true, model_pred, data_obs, data_pred,
                                sigma=None, title=None, legend=True, bands=None):
    """One SP inversion example: anomaly profile above the polarised bodies.

    Each body is a marker at (x0, h), depth downwards, with an arrow along
    its dipole moment, ``sign(K) (cos(theta), sin(theta))``, on a section
    at true scale (equal aspect); K of every model is written above it.

    Parameters
    ----------
    forward : geoinv.forward.SelfPotential
        Its stations ``x`` (m) and ``body``.
    fig, model_true, model_pred, data_obs, data_pred, sigma, title, legend
        As :func:`geoinv.viz.plot_example`; models are ``[K, h, x0, theta]``.
    bands : dict, optional
        Accepted for a common signature; not drawn.

    Returns
    -------
    fig
    """
    entries = model_entries(model_true, model_pred, data_pred)
    order = np.argsort(forward.x)
    x = forward.x[order]
    span = x[-1] - x[0] if x.size > 1 else 1.0
    depth_max = sp_section_depth([e.model for e in entries])
    ax_v, ax_z = fig.subplots(2, 1, sharex=True,
                              height_ratios=section_rows(fig, 1.06 * span, 1.25 * depth_max))
    ax_v.axhline(0.0, color="0.6", linewidth=0.8)
    missing = _draw_anomaly(ax_v, x, order, data_obs, entries, sigma, marker_size=3,
                            line_width=1.6)
    if missing:
        ax_v.text(0.01, 0.95, f"{', '.join(missing)} model unphysical: no response",
                  transform=ax_v.transAxes, ha="left", va="top", fontsize="small",
                  color="#d62728")
    ax_v.set_ylabel("SP anomaly (mV)")

    for e in entries:
        K, h, x0, theta = e.model
        true = e.key == "true"
        ax_z.plot(x0, h, "o" if true else "X", color=e.style["color"], ms=9 if true else 7,
                  mfc="none" if true else e.style["color"], mew=2, zorder=4 if true else 3,
                  label=f"{e.label}: h = {h:.3g} m, $\\theta$ = {theta:.0f}°")
        angle = np.deg2rad(theta)
        direction = np.sign(K) * np.array([np.cos(angle), np.sin(angle)])
        if np.any(direction):
            ax_z.annotate("", xy=(x0, h), xycoords="data",
                          xytext=tuple(18 * direction), textcoords="offset points",
                          arrowprops=dict(arrowstyle="<-", color=e.style["color"], lw=1.6))
    ax_z.axhline(0.0, color="0.4", linewidth=1.0)
    ax_z.set_ylim(depth_max, -0.25 * depth_max)   # room above for an upward arrow
    ax_z.set_xlim(x[0] - 0.03 * span, x[-1] + 0.03 * span)
    ax_z.set_aspect("equal", adjustable="box", anchor="N")
    ax_z.set_xlabel(POSITION_LABEL)
    ax_z.set_ylabel(DEPTH_LABEL)
    ax_z.set_title(property_text(forward.parameter_names, forward.parameter_units, entries)
                   + f"  ({forward.body.replace('_', ' ')}; arrow: dipole moment)", loc="left",
                   fontsize="small")
    for ax in (ax_v, ax_z):
        _style_ax(ax)
    if legend:
        handles = ax_v.get_legend_handles_labels()[0] + ax_z.get_legend_handles_labels()[0]
        _legend_above(ax_v, handles, ncols=2)
    if title is not None:
        fig.suptitle(title)
    return fig
