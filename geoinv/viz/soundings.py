"""Soundings beside their layered models: VES, MT and refraction examples.

A sounding curve (apparent resistivity against AB/2 or period, first-arrival
time against offset) is drawn beside the layered models that explain it:
observed data as black markers with error bars, the response of the
predicted model as a red line, the true model solid black and the predicted
one dashed red (:mod:`geoinv.viz.style`).  Models are
``[p_1 .. p_N, h_1 .. h_(N-1)]`` top-down (p: rho in ohm.m or v in m/s;
h in m); depth axes increase downward.  Every function draws on the Axes or
Figure it is given, creates a figure only when it is given none, and
returns what it drew on.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_choice
from ..forward.refraction import intercept_times
from .layered import layer_steps, models_depth_max, plot_layered_model
from .style import (_OBS_KW, _PRED_KW, _TRUE_KW, _get_ax, _prepare_figure, _readable_log_ticks,
                    _style_ax)

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
    sigma : float or array_like, shape (n_data,), optional
        Standard deviation of ``rho_a`` (ohm.m), drawn as error bars
        (``style="data"`` only).
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
        sigma = np.broadcast_to(np.asarray(sigma, dtype=float), ab2.shape)
        if (sigma < 0).any():
            raise ValueError("sigma must be >= 0")

    ax = _get_ax(ax, (5.0, 3.8))
    ax.set_xscale("log")
    ax.set_yscale("log")
    if style == "data":
        opts = dict(marker="o", markersize=4.5, linestyle="none", color="black",
                    label="observed")
        opts.update(kw)
        if sigma is not None:
            opts.setdefault("elinewidth", 0.8)
            opts.setdefault("capsize", 2)
            # On a log axis a lower bar reaching rho_a <= sigma would run off to
            # zero; clip it just above zero so the bar stays drawable.
            lower = np.minimum(sigma, 0.999 * np.abs(rho_a))
            ax.errorbar(ab2, rho_a, yerr=np.vstack([lower, sigma]), **opts)
        else:
            ax.plot(ab2, rho_a, **opts)
    else:
        opts = dict(linestyle="-", linewidth=1.8, color="#d62728", label="simulated")
        opts.update(kw)
        ax.plot(ab2, rho_a, **opts)
    ax.set_xlabel("AB/2 (m)")
    ax.set_ylabel("Apparent resistivity (ohm.m)")
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



def plot_ves_reconstruction(ab2, model_true, model_pred, data_obs, data_pred, n_layers,
                            sigma=None, title=None, fig=None, axes=None, legend=True):
    """Show one VES inversion: layered models (left) and soundings (right).

    Parameters
    ----------
    ab2 : array_like, shape (n_data,)
        AB/2 spacings (m).
    model_true : array_like, shape (2 * n_layers - 1,) or None
        True model ``[rho_1..rho_N, h_1..h_(N-1)]`` (ohm.m, m); None for
        field data, then only the prediction is drawn.
    model_pred : array_like, shape (2 * n_layers - 1,)
        Model predicted by the network.
    data_obs : array_like, shape (n_data,)
        Observed (noisy) apparent resistivities (ohm.m), drawn as markers.
    data_pred : array_like, shape (n_data,) or None
        Response of ``model_pred`` re-simulated by the forward model (ohm.m),
        drawn as a line.
    n_layers : int
        Number of layers N.
    sigma : float or array_like, shape (n_data,), optional
        Noise standard deviation of ``data_obs`` (ohm.m), drawn as error bars.
    title : str, optional
        Figure (or sub-figure) title.
    fig : matplotlib.figure.Figure or SubFigure, optional
        Empty figure to draw in (ignored if ``axes`` is given); created if
        None and ``axes`` is None.  A Figure without a layout engine is
        switched to constrained layout.
    axes : pair of matplotlib.axes.Axes, optional
        (model axes, sounding axes) to draw on.
    legend : bool, optional
        Draw a legend in each panel.

    Returns
    -------
    fig : matplotlib.figure.Figure or SubFigure
        The figure holding the two panels.  Both models share one depth range
        (1.5 x the deeper of their last interfaces).
    """
    models = _true_and_predicted(model_true, model_pred, n_layers)
    if axes is not None:
        ax_model, ax_data = axes
        fig = ax_model.figure  # the (Sub)Figure holding the Axes
    else:
        fig = _prepare_figure(fig, (8.5, 3.8))
        ax_model, ax_data = fig.subplots(1, 2, width_ratios=[1, 1.25])
    _draw_models(ax_model, models, default_depth=10.0)

    plot_sounding(ab2, data_obs, ax=ax_data, sigma=sigma, style="data", label="observed")
    if data_pred is not None:
        plot_sounding(ab2, data_pred, ax=ax_data, style="model", color=_PRED_KW["color"],
                      label="response of predicted model")
    ax_data.set_title("Sounding", fontsize="medium")
    return _finish(fig, (ax_model, ax_data) if legend else (), title)


def _true_and_predicted(model_true, model_pred, n_layers):
    """[(rho, h, line style)] of the true model (if given) and the predicted one."""
    rho_p, h_p = _split_model(model_pred, n_layers, "model_pred")
    models = [] if model_true is None else [
        (*_split_model(model_true, n_layers, "model_true"), _TRUE_KW)]
    return models + [(rho_p, h_p, _PRED_KW)]


def _draw_models(ax, models, default_depth):
    """Draw layered models on one depth range (1.5 x the deeper last interface)."""
    depth_max = models_depth_max([h for _, h, _ in models], default_depth)
    for rho, h, style in models:
        plot_layered_model(rho, h, ax=ax, depth_max=depth_max, **style)
    ax.set_title("Layered model", fontsize="medium")


def _finish(fig, legend_axes, title):
    """Legends on ``legend_axes`` and the (sub)figure's title, if any."""
    for ax in legend_axes:
        ax.legend(loc="best", fontsize="small")
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
        One sub-figure per example, each with two Axes; the legend is drawn
        in the first row only.
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
        if i > 0:  # panel titles once, at the top of the grid
            for ax in sub.axes:
                ax.set_title("")
    return fig


def plot_ves_example(forward, fig, model_true, model_pred, data_obs, data_pred, sigma=None,
                     title=None, legend=True):
    """One VES inversion example: :func:`plot_ves_reconstruction` of ``forward``'s survey.

    Parameters
    ----------
    forward : geoinv.forward.VES
    fig, model_true, model_pred, data_obs, data_pred, sigma, title, legend
        As :func:`geoinv.viz.plot_example`.

    Returns
    -------
    fig
    """
    return plot_ves_reconstruction(forward.ab2, model_true, model_pred, data_obs, data_pred,
                                   forward.n_layers, sigma=sigma, title=title, fig=fig,
                                   legend=legend)


def plot_mt_example(forward, fig, model_true, model_pred, data_obs, data_pred, sigma=None,
                    title=None, legend=True):
    """One MT inversion example: layered models beside the sounding curves.

    Left: the models against depth (:func:`plot_layered_model`).  Right:
    apparent resistivity against period on log-log axes (top) and phase
    against period (bottom, 0-90 degrees); the observed data as markers with
    error bars ``sigma``, the response of the predicted model as a line.

    Parameters
    ----------
    forward : geoinv.forward.MT1D
        Its periods (s) and number of layers.
    fig, model_true, model_pred, data_obs, data_pred, sigma, title, legend
        As :func:`geoinv.viz.plot_example`; the data are
        ``[rho_a (ohm.m) per period, phase (degrees) per period]``.

    Returns
    -------
    fig
    """
    periods, m = forward.periods, forward.periods.size
    data_obs = np.asarray(data_obs, dtype=np.float64)
    data_pred = None if data_pred is None else np.asarray(data_pred, dtype=np.float64)
    if sigma is not None:
        sigma = np.broadcast_to(np.asarray(sigma, dtype=np.float64), (2 * m,))
    models = _true_and_predicted(model_true, model_pred, forward.n_layers)
    axes = fig.subplot_mosaic([["model", "rho_a"], ["model", "phase"]], width_ratios=[1, 1.35])
    ax_model, ax_rho, ax_phase = axes["model"], axes["rho_a"], axes["phase"]
    _draw_models(ax_model, models, default_depth=1000.0)

    order = np.argsort(periods)
    t = periods[order]
    obs_kw = dict(label="observed", markersize=3.5)
    pred_kw = dict(color=_PRED_KW["color"], label="response of predicted model")
    plot_sounding(t, data_obs[:m][order], ax=ax_rho, style="data",
                  sigma=None if sigma is None else sigma[:m][order], **obs_kw)
    if data_pred is not None and np.isfinite(data_pred).all():
        plot_sounding(t, data_pred[:m][order], ax=ax_rho, style="model", **pred_kw)
    ax_rho.set_xlabel("")
    ax_rho.set_ylabel("App. resistivity\n(ohm.m)")
    ax_rho.tick_params(labelbottom=False)
    ax_rho.set_title("Sounding", fontsize="medium")

    ax_phase.sharex(ax_rho)
    ax_phase.axhline(45.0, color="0.6", linestyle=":", linewidth=1.0, gid="half_space")
    yerr = None if sigma is None else sigma[m:][order]
    ax_phase.errorbar(t, data_obs[m:][order], yerr=yerr, marker="o", linestyle="none",
                      color="black", elinewidth=0.8, capsize=2, **obs_kw)
    if data_pred is not None and np.isfinite(data_pred).all():
        ax_phase.plot(t, data_pred[m:][order], linestyle="-", linewidth=1.8, **pred_kw)
    ax_phase.set_xscale("log")
    ax_phase.set_ylim(0.0, 90.0)
    ax_phase.set_yticks([0, 15, 30, 45, 60, 75, 90])
    ax_phase.set_xlabel("Period (s)")
    ax_phase.set_ylabel("Phase (deg)")
    _style_ax(ax_phase)
    return _finish(fig, (ax_model, ax_rho) if legend else (), title)


def plot_refraction_example(forward, fig, model_true, model_pred, data_obs, data_pred,
                            sigma=None, title=None, legend=True):
    """One refraction inversion example: travel times beside the velocity-depth model.

    Left: observed first arrivals as markers with their noise as error
    bars, the response of the predicted model as a line and its travel-time
    branches as thin dotted lines (also where they are not first arrivals),
    times in ms.  Right: the velocity models as steps against depth.

    Parameters
    ----------
    forward : geoinv.forward.Refraction
        Its offsets (m) and number of layers.
    fig, model_true, model_pred, data_obs, data_pred, sigma, title, legend
        As :func:`geoinv.viz.plot_example`; models are
        ``[v_1 .. v_N, h_1 .. h_(N-1)]`` (m/s, m), data in s.

    Returns
    -------
    fig
    """
    n = forward.n_layers
    ax_t, ax_v = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.5, 1]})
    order = np.argsort(forward.offsets)
    x = forward.offsets[order]
    ms = 1e3
    x_line = np.linspace(0.0, x[-1], 200)
    model_pred = np.asarray(model_pred, dtype=np.float64)
    predicted_ok = bool(forward.valid_rows(model_pred)[0])
    if predicted_ok:
        tau = intercept_times(model_pred[:n], model_pred[n:])
        for k in range(n):
            ax_t.plot(x_line, ms * (x_line / model_pred[k] + tau[k]), ":",
                      color=_PRED_KW["color"], linewidth=0.8,
                      label="branches (predicted)" if k == 0 else None)
    yerr = None if sigma is None else ms * np.asarray(sigma)[order]
    ax_t.errorbar(x, ms * np.asarray(data_obs)[order], yerr=yerr, ms=3.5, **_OBS_KW)
    if data_pred is not None and np.isfinite(data_pred).all():
        ax_t.plot(np.r_[0.0, x], ms * np.r_[0.0, np.asarray(data_pred)[order]], "-",
                  color=_PRED_KW["color"], linewidth=1.6, label="response of predicted model")
    shown = [np.asarray(data_obs, dtype=np.float64)]
    if data_pred is not None:
        shown.append(np.asarray(data_pred, dtype=np.float64))
    t_top = 1.15 * ms * np.nanmax(np.concatenate(shown))
    ax_t.set_xlim(0.0, 1.02 * x[-1])
    ax_t.set_ylim(0.0, t_top)
    ax_t.set_xlabel("Offset (m)")
    ax_t.set_ylabel("First-arrival time (ms)")
    ax_t.set_title("Travel times", fontsize="medium")

    models = _true_and_predicted(model_true, model_pred, n)
    depth_max = models_depth_max([h for v, h, _ in models if np.isfinite(v).all()], 10.0)
    for v, h, style in models:
        ax_v.plot(*layer_steps(v, h, depth_max), **style)
    ax_v.set_ylim(depth_max, 0.0)
    ax_v.set_xlabel("Velocity (m/s)")
    ax_v.set_ylabel("Depth (m)")
    ax_v.set_title("Velocity model", fontsize="medium")
    for ax in (ax_t, ax_v):
        _style_ax(ax)
    if not predicted_ok:
        ax_v.text(0.5, 0.02, "predicted model unphysical", transform=ax_v.transAxes,
                  ha="center", va="bottom", fontsize="small", color=_PRED_KW["color"])
    return _finish(fig, (ax_t, ax_v) if legend else (), title)
