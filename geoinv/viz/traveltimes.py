"""Refraction examples: first-arrival times beside the velocity-depth models.

Travel times against offset are read on linear axes (the branches are
straight lines whose slopes are slownesses), and so is depth: a refraction
survey resolves interfaces in metres, not in proportion to their depth.
Observed arrivals are black markers with error bars, each model's response
a line in the model's colour (:func:`geoinv.viz.style.model_style`); the
travel-time branches of the model kept (network -> LM when given, else the
prediction) are thin dotted lines.  Models are ``[v_1 .. v_N, h_1 ..
h_(N-1)]`` (m/s, m), every half-space drawn down to one common bottom.
"""

from __future__ import annotations

import numpy as np

from ..forward.refraction import intercept_times
from ._entries import error_bars, model_entries
from .layered import layer_steps, models_depth_max
from .style import (DEPTH_LABEL, OFFSET_LABEL, TRAVEL_TIME_LABEL, VELOCITY_LABEL, _OBS_KW,
                    _legend_above, _style_ax)

__all__ = ["plot_refraction_example"]

_MS = 1e3   # s -> ms


def plot_refraction_example(forward, fig, model_true, model_pred, data_obs, data_pred,
                            sigma=None, title=None, legend=True, bands=None):
    """One refraction inversion example: travel times beside the velocity-depth model.

    Left: observed first arrivals as markers with their noise as error
    bars, each model's response as a line, and the travel-time branches of
    the model kept as thin dotted lines (also where they are not first
    arrivals), times in ms.  Right: the velocity models as steps against a
    linear depth axis.

    Parameters
    ----------
    forward : geoinv.forward.Refraction
        Its offsets (m) and number of layers.
    fig, model_true, model_pred, data_obs, data_pred, sigma, title, legend
        As :func:`geoinv.viz.plot_example`; models are
        ``[v_1 .. v_N, h_1 .. h_(N-1)]`` (m/s, m), data in s.
    bands : dict, optional
        Accepted for a common signature; velocity bands are not drawn.

    Returns
    -------
    fig
    """
    n = forward.n_layers
    ax_t, ax_v = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.5, 1]})
    order = np.argsort(forward.offsets)
    x = forward.offsets[order]
    entries = model_entries(model_true, model_pred, data_pred)
    predicted = [e for e in entries if e.key != "true"]
    valid = {e.key: bool(forward.valid_rows(e.model)[0]) for e in entries}

    kept = next((e for e in reversed(predicted) if valid[e.key]), None)
    if kept is not None:
        x_line = np.linspace(0.0, x[-1], 200)
        tau = intercept_times(kept.model[:n], kept.model[n:])
        for k in range(n):
            ax_t.plot(x_line, _MS * (x_line / kept.model[k] + tau[k]), ":",
                      color=kept.style["color"], linewidth=0.8,
                      label=f"branches ({kept.label})" if k == 0 else None)
    bars = error_bars(sigma, forward.offsets.size)
    yerr = None if bars is None else _MS * bars[:, order]
    data_obs = np.asarray(data_obs, dtype=np.float64)
    ax_t.errorbar(x, _MS * data_obs[order], yerr=yerr, ms=3.5, zorder=3, **_OBS_KW)
    shown = [data_obs]
    for e in predicted:
        if e.has_response:
            ax_t.plot(np.r_[0.0, x], _MS * np.r_[0.0, e.response[order]],
                      color=e.style["color"], linestyle="-", linewidth=1.6,
                      label=e.response_label)
            shown.append(e.response)
    t_top = 1.15 * _MS * np.nanmax(np.concatenate(shown))
    ax_t.set_xlim(0.0, 1.02 * x[-1])
    ax_t.set_ylim(0.0, t_top)
    ax_t.set_xlabel(OFFSET_LABEL)
    ax_t.set_ylabel(TRAVEL_TIME_LABEL)

    drawable = [e for e in entries if np.isfinite(e.model).all() and (e.model > 0).all()]
    depth_max = models_depth_max([e.model[n:] for e in drawable], 10.0)
    for e in drawable:
        ax_v.plot(*layer_steps(e.model[:n], e.model[n:], depth_max), **e.style)
    ax_v.set_ylim(depth_max, 0.0)
    ax_v.set_xlabel(VELOCITY_LABEL)
    ax_v.set_ylabel(DEPTH_LABEL)
    for ax in (ax_t, ax_v):
        _style_ax(ax)
    unphysical = [e.label for e in predicted if not valid[e.key]]
    if unphysical:
        ax_v.text(0.5, 0.02, f"{', '.join(unphysical)} model unphysical",
                  transform=ax_v.transAxes, ha="center", va="bottom", fontsize="small",
                  color="#d62728")
    if legend:
        _legend_above(ax_t, ncols=2)
        _legend_above(ax_v, ncols=1)
    if title is not None:
        fig.suptitle(title)
    return fig
