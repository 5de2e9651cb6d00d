"""Soundings beside their layered models: VES and MT examples.

A sounding curve (apparent resistivity against AB/2 or period) is drawn
beside the layered models that explain it: observed data as black markers
with error bars, each model's response as a line in the model's colour; the
true model solid black, the network's dashed red, network -> LM solid green
(:func:`geoinv.viz.style.model_style`), an ensemble or posterior band shaded
beneath.  Models are ``[rho_1 .. rho_N, h_1 .. h_(N-1)]`` top-down (ohm.m,
m), drawn as steps against depth on a log axis (soundings resolve a layer
in proportion to its depth), all half-spaces down to one common bottom.
Legends sit above their panels, never over the data.  Every function draws
on the Axes or Figure it is given, creates a figure only when it is given
none, and returns what it drew on.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MultipleLocator

from .._checks import check_choice
from ._entries import band_entries, error_bars, model_entries
from .layered import log_depth_top, models_depth_max, plot_layered_model, plot_layered_model_band
from .style import (AB2_LABEL, APPARENT_RESISTIVITY_LABEL, PERIOD_LABEL, PHASE_LABEL,
                    _get_ax, _legend_above, _prepare_figure, _readable_log_ticks, _style_ax)
from .traveltimes import plot_refraction_example  # noqa: F401  (a sounding figure, too)

__all__ = ["plot_sounding", "plot_ves_reconstruction", "plot_ves_reconstructions",
           "plot_ves_example", "plot_mt_example", "plot_refraction_example"]


def plot_sounding(ab2, rho_a, ax=None, sigma=None, style="data", **kw):
    """Plot a Schlumberger sounding curve on log-log axes.

    Parameters
    ----------
    ab2 : array_like, shape (n_data,)
        Half current-electrode spacings AB/2 (m), > 0.
    rho_a : array_like, shape (n_data,)
        Apparent resistivities (ohm.m).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created if None.
    sigma : float or array_like, shape (n_data,) or (2, n_data), optional
        Standard deviation of ``rho_a`` (ohm.m), or the lower and upper
        error-bar lengths, drawn as error bars (``style="data"`` only).
    style : {"data", "model"}
        ``"data"``: observed data as markers; ``"model"``: a simulated
        response as a line.
    **kw
        Passed to ``Axes.plot`` / ``Axes.errorbar`` (``label``, ``color``,
        ``marker``, ...).

    Returns
    -------
    ax : matplotlib.axes.Axes
        Both axes logarithmic.  The drawn Line2D holds ``ab2`` and ``rho_a``
        as its x and y data.

    Raises
    ------
    ValueError
        If shapes disagree, ``ab2`` is not positive, ``sigma`` is negative or
        ``style`` is unknown.
    """
    ab2 = np.asarray(ab2, dtype=float)
    rho_a = np.asarray(rho_a, dtype=float)
    if ab2.ndim != 1 or rho_a.shape != ab2.shape:
        raise ValueError(
            f"ab2 and rho_a must both have shape (n_data,); got {ab2.shape} and {rho_a.shape}"
        )
    bad = np.flatnonzero(~(ab2 > 0))
    if bad.size:
        raise ValueError(f"ab2 must be > 0 (m); offending indices {', '.join(map(str, bad))}")
    check_choice(style, "style", ("data", "model"))
    if sigma is not None:
        if style != "data":
            raise ValueError("sigma (error bars) is only drawn with style='data'")
        sigma = error_bars(sigma, ab2.size)
        if (sigma < 0).any():
            raise ValueError("sigma must be >= 0")

    ax = _get_ax(ax, (5.0, 3.8))
    ax.set_xscale("log")
    ax.set_yscale("log")
    if style == "data":
        opts = dict(marker="o", markersize=4.5, linestyle="none", color="black",
                    label="observed", zorder=3)
        opts.update(kw)
        if sigma is not None:
            opts.setdefault("elinewidth", 0.8)
            opts.setdefault("capsize", 2)
            # On a log axis a lower bar reaching rho_a <= sigma would run off to
            # zero; clip it just above zero so the bar stays drawable.
            lower = np.minimum(sigma[0], 0.999 * np.abs(rho_a))
            ax.errorbar(ab2, rho_a, yerr=np.vstack([lower, sigma[1]]), **opts)
        else:
            ax.plot(ab2, rho_a, **opts)
    else:
        opts = dict(linestyle="-", linewidth=1.8, color="#d62728", label="simulated")
        opts.update(kw)
        ax.plot(ab2, rho_a, **opts)
    ax.set_xlabel(AB2_LABEL)
    ax.set_ylabel(APPARENT_RESISTIVITY_LABEL)
    _readable_log_ticks(ax.xaxis)
    _readable_log_ticks(ax.yaxis)
    _style_ax(ax)
    return ax


def _split_model(model, n_layers, what):
    model = np.asarray(model, dtype=float)
    if model.shape != (2 * n_layers - 1,):
        raise ValueError(
            f"{what} must have shape ({2 * n_layers - 1},) = [rho_1..rho_{n_layers}, "
            f"h_1..h_{n_layers - 1}] for {n_layers} layers; got {model.shape}"
        )
    return model[:n_layers], model[n_layers:]


def _physical(model):
    return bool(np.isfinite(model).all() and (model > 0).all())


def _draw_layered_models(ax, entries, n_layers, bands=None, default_depth=10.0):
    """Draw layered models on one log depth range, bands beneath, unphysical ones noted.

    The range runs from :func:`~geoinv.viz.layered.log_depth_top` to 3 x
    the deepest last interface of the drawable models (half a decade of
    half-space); every half-space reaches its bottom.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    entries : list of geoinv.viz._entries.Entry
        Models ``[rho_1 .. rho_N, h_1 .. h_(N-1)]`` with their styles.
    n_layers : int
    bands : dict of str to ndarray, shape (n_members, 2 n_layers - 1), optional
        Members shaded as a band (``"ensemble"``: +/- 2 sigma,
        ``"posterior..."``: 5-95 %).
    default_depth : float
        Bottom (m) when no model has an interface.

    Returns
    -------
    ax
    """
    for e in entries:
        _split_model(e.model, n_layers, {"true": "model_true", "predicted": "model_pred"}.get(
            e.key, f"model_pred[{e.key!r}]"))
    drawable = [e for e in entries if _physical(e.model)]
    thicknesses = [e.model[n_layers:] for e in drawable]
    bottom = models_depth_max(thicknesses, default_depth, factor=3.0)
    top = log_depth_top(thicknesses, bottom)
    ax.set_yscale("log")
    ax.set_ylim(bottom, top)
    for _, members, kw in band_entries(bands):
        members = members[[_physical(m) for m in members]]
        if len(members):
            plot_layered_model_band(members[:, :n_layers], members[:, n_layers:], ax=ax,
                                    depth_max=bottom, **kw)
    for e in drawable:
        plot_layered_model(e.model[:n_layers], e.model[n_layers:], ax=ax, depth_max=bottom,
                           depth_scale="log", depth_top=top, **e.style)
    unphysical = [e.label for e in entries if not _physical(e.model)]
    if unphysical:
        ax.text(0.5, 0.02, f"{', '.join(unphysical)}: unphysical model", transform=ax.transAxes,
                ha="center", va="bottom", fontsize="small", color="#d62728")
    return ax


def _draw_responses(ax, x, entries, order=slice(None), part=slice(None), **kw):
    """Each entry's response (where finite) as a line in its model's colour."""
    for e in entries:
        if e.has_response:
            ax.plot(x, e.response[part][order], color=e.style["color"],
                    linestyle="-", linewidth=1.6, label=e.response_label, **kw)


def _legends(pairs, legend):
    """Each panel's legend above it (``pairs``: Axes and legend columns)."""
    if legend:
        for ax, ncols in pairs:
            _legend_above(ax, ncols=ncols)


def plot_ves_reconstruction(ab2, model_true, model_pred, data_obs, data_pred, n_layers,
                            sigma=None, title=None, fig=None, axes=None, legend=True,
                            bands=None):
    """Show one VES inversion: layered models (left) and soundings (right).

    Parameters
    ----------
    ab2 : array_like, shape (n_data,)
        AB/2 spacings (m).
    model_true : array_like, shape (2 * n_layers - 1,) or None
        True model ``[rho_1..rho_N, h_1..h_(N-1)]`` (ohm.m, m); None for
        field data, then only the predictions are drawn.
    model_pred : array_like, shape (2 * n_layers - 1,), or dict of str to it
        Model predicted by the network ("predicted"), or several by label,
        e.g. ``{"network": ..., "network_lm": ...}``.
    data_obs : array_like, shape (n_data,)
        Observed (noisy) apparent resistivities (ohm.m), drawn as markers.
    data_pred : array_like, shape (n_data,) or None, or dict of str to it
        Responses of the predicted models (ohm.m), drawn as lines.
    n_layers : int
        Number of layers N.
    sigma : float or array_like, shape (n_data,) or (2, n_data), optional
        Noise standard deviation of ``data_obs`` (ohm.m), or lower and upper
        error-bar lengths.
    title : str, optional
        Figure (or sub-figure) title.
    fig : matplotlib.figure.Figure or SubFigure, optional
        Empty figure to draw in (ignored if ``axes`` is given); created if
        None and ``axes`` is None.  A Figure without a layout engine is
        switched to constrained layout.
    axes : pair of matplotlib.axes.Axes, optional
        (model axes, sounding axes) to draw on.
    legend : bool, optional
        Draw a legend above each panel.
    bands : dict of str to array_like, shape (n_members, 2 * n_layers - 1), optional
        Models shaded as a band under the lines (ensemble members,
        posterior samples).

    Returns
    -------
    fig : matplotlib.figure.Figure or SubFigure
        The figure holding the two panels.  The models share one log depth
        range (down to 3 x the deepest last interface).
    """
    entries = model_entries(model_true, model_pred, data_pred)
    if axes is not None:
        ax_model, ax_data = axes
        fig = ax_model.figure  # the (Sub)Figure holding the Axes
    else:
        fig = _prepare_figure(fig, (8.5, 3.8))
        ax_model, ax_data = fig.subplots(1, 2, width_ratios=[1, 1.25])
    _draw_layered_models(ax_model, entries, n_layers, bands=bands)

    plot_sounding(ab2, data_obs, ax=ax_data, sigma=sigma, style="data", label="observed")
    ab2 = np.asarray(ab2, dtype=float)
    _draw_responses(ax_data, ab2, entries)
    _readable_log_ticks(ax_data.yaxis)
    _legends(((ax_model, 2), (ax_data, 2)), legend)
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_ves_reconstructions(ab2, models_true, models_pred, data_obs, data_pred, n_layers,
                             titles=None, sigma=None, fig=None):
    """Show several VES inversions, one row (model | sounding) per example.

    Parameters
    ----------
    ab2 : array_like, shape (n_data,)
        AB/2 spacings (m), shared by all examples.
    models_true : array_like, shape (n_examples, 2 * n_layers - 1), or None
        True models (ohm.m, m); None for field data.
    models_pred : array_like, shape (n_examples, 2 * n_layers - 1)
        Predicted models.
    data_obs : array_like, shape (n_examples, n_data)
        Observed apparent resistivities (ohm.m).
    data_pred : array_like, shape (n_examples, n_data), or None
        Re-simulated responses of the predicted models (ohm.m).
    n_layers : int
        Number of layers N.
    titles : sequence of str, length n_examples, optional
        One title per row, e.g. ``"test ID #12"``.
    sigma : float or array_like, shape (n_data,) or (n_examples, n_data), optional
        Noise standard deviation of ``data_obs`` (ohm.m).
    fig : matplotlib.figure.Figure, optional
        Empty figure to draw in; created if None.  A Figure without a layout
        engine is switched to constrained layout.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One sub-figure per example, each with two Axes; the legends are
        drawn in the first row only.
    """
    models_pred = np.atleast_2d(np.asarray(models_pred, dtype=float))
    data_obs = np.atleast_2d(np.asarray(data_obs, dtype=float))
    n = models_pred.shape[0]
    rows = {"data_obs": data_obs}
    if models_true is not None:
        rows["models_true"] = models_true = np.atleast_2d(np.asarray(models_true, dtype=float))
    if data_pred is not None:
        rows["data_pred"] = data_pred = np.atleast_2d(np.asarray(data_pred, dtype=float))
    if sigma is not None and np.ndim(sigma) == 2:
        rows["sigma"] = sigma = np.asarray(sigma, dtype=float)
    for name, array in rows.items():
        if array.shape[0] != n:
            raise ValueError(f"{name} has {array.shape[0]} rows; models_pred has {n}")
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles needs {n} entries; got {len(titles)}")

    fig = _prepare_figure(fig, (8.5, 3.0 * n))
    subfigs = np.atleast_1d(fig.subfigures(n, 1))
    for i, sub in enumerate(subfigs):
        plot_ves_reconstruction(
            ab2,
            None if models_true is None else models_true[i],
            models_pred[i],
            data_obs[i],
            None if data_pred is None else data_pred[i],
            n_layers,
            sigma=sigma[i] if (sigma is not None and np.ndim(sigma) == 2) else sigma,
            title=None if titles is None else titles[i],
            fig=sub,
            legend=(i == 0),
        )
    return fig


def plot_ves_example(forward, fig, model_true, model_pred, data_obs, data_pred, sigma=None,
                     title=None, legend=True, bands=None):
    """One VES inversion example: :func:`plot_ves_reconstruction` of ``forward``'s survey.

    Parameters
    ----------
    forward : geoinv.forward.VES
    fig, model_true, model_pred, data_obs, data_pred, sigma, title, legend, bands
        As :func:`geoinv.viz.plot_example`.

    Returns
    -------
    fig
    """
    return plot_ves_reconstruction(forward.ab2, model_true, model_pred, data_obs, data_pred,
                                   forward.n_layers, sigma=sigma, title=title, fig=fig,
                                   legend=legend, bands=bands)


def phase_limits(values):
    """Phase axis limits: 0-90 degrees, widened to cover every value drawn.

    Parameters
    ----------
    values : array_like
        Phases drawn (deg): data, data -/+ error bars, responses; NaN ignored.

    Returns
    -------
    (low, high) : tuple of float
        ``(0.0, 90.0)`` if every value lies inside, else padded by 5 % of
        the range beyond the extreme values.

    Examples
    --------
    >>> phase_limits([10.0, 80.0]), phase_limits([-10.0, 80.0])
    ((0.0, 90.0), (-15.0, 90.0))
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    low = min(0.0, float(values.min())) if values.size else 0.0
    high = max(90.0, float(values.max())) if values.size else 90.0
    pad = 0.05 * (high - low)
    return (low - pad if low < 0.0 else 0.0, high + pad if high > 90.0 else 90.0)


def plot_mt_example(forward, fig, model_true, model_pred, data_obs, data_pred, sigma=None,
                    title=None, legend=True, bands=None):
    """One MT inversion example: layered models beside the sounding curves.

    Left: the models against depth on a log axis (plain depths, no offset
    factor).  Right: apparent resistivity against period on log-log axes
    (top) and phase against period (bottom, a linear axis from 0 to 90
    degrees widened to cover every datum and its error bar); the observed
    data as markers with error bars ``sigma``, each model's response as a
    line in its colour.

    Parameters
    ----------
    forward : geoinv.forward.MT1D
        Its periods (s) and number of layers.
    fig, model_true, model_pred, data_obs, data_pred, sigma, title, legend, bands
        As :func:`geoinv.viz.plot_example`; the data are
        ``[rho_a (ohm.m) per period, phase (degrees) per period]``.

    Returns
    -------
    fig
    """
    periods, m = forward.periods, forward.periods.size
    data_obs = np.asarray(data_obs, dtype=np.float64)
    bars = error_bars(sigma, 2 * m)
    entries = model_entries(model_true, model_pred, data_pred)
    axes = fig.subplot_mosaic([["model", "rho_a"], ["model", "phase"]], width_ratios=[1, 1.35])
    ax_model, ax_rho, ax_phase = axes["model"], axes["rho_a"], axes["phase"]
    _draw_layered_models(ax_model, entries, forward.n_layers, bands=bands, default_depth=1000.0)

    order = np.argsort(periods)
    t = periods[order]
    obs_kw = dict(label="observed", markersize=3.5)
    plot_sounding(t, data_obs[:m][order], ax=ax_rho, style="data",
                  sigma=None if bars is None else bars[:, :m][:, order], **obs_kw)
    _draw_responses(ax_rho, t, entries, order, slice(0, m))
    _readable_log_ticks(ax_rho.yaxis)
    ax_rho.set_xlabel("")
    ax_rho.set_ylabel(r"$\rho_a$ ($\Omega\cdot$m)")
    ax_rho.tick_params(labelbottom=False)

    ax_phase.sharex(ax_rho)
    ax_phase.axhline(45.0, color="0.6", linestyle=":", linewidth=1.0, gid="half_space")
    phase = data_obs[m:][order]
    yerr = None if bars is None else bars[:, m:][:, order]
    ax_phase.errorbar(t, phase, yerr=yerr, marker="o", linestyle="none", color="black",
                      elinewidth=0.8, capsize=2, zorder=3, **obs_kw)
    _draw_responses(ax_phase, t, entries, order, slice(m, 2 * m))
    shown = [phase] + ([] if yerr is None else [phase - yerr[0], phase + yerr[1]])
    shown += [e.response[m:] for e in entries if e.has_response]
    low, high = phase_limits(np.concatenate(shown))
    ax_phase.set_xscale("log")
    ax_phase.set_ylim(low, high)
    ax_phase.yaxis.set_major_locator(MultipleLocator(15.0 if high - low <= 120 else 30.0))
    ax_phase.set_xlabel(PERIOD_LABEL)
    ax_phase.set_ylabel(PHASE_LABEL)
    _style_ax(ax_phase)
    _legends(((ax_model, 2), (ax_rho, 2)), legend)
    if title is not None:
        fig.suptitle(title)
    return fig
