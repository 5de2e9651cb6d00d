"""Figures of field data: one sounding's fit beside its models, a survey's section.

What ``geoinv invert`` draws for observed data (no true model): the data
with their error bars and each fitted model's response on the method's
natural axes (log-log for VES and MT apparent resistivity, phase on a
linear axis, travel times and anomalies against position), beside the
models themselves (steps on a log depth axis for VES and MT, a linear one
for refraction, a true-scale section for bodies); and for a survey of many
soundings, the stitched section of each method with the soundings flagged
as out of distribution marked along the top; and, with a posterior, each
sounding's posterior beside its data (:func:`plot_sounding_posterior`).

Errors arrive in their error space (:mod:`geoinv.io.errors`): decades for the
columns the forward model scales in log10 (``forward.data_log_mask``,
apparent resistivities), data units for the others; :func:`error_bar_lengths`
turns them into the lower and upper bar lengths drawn.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from matplotlib.ticker import MultipleLocator

from .examples import example_height, plot_example
from .posterior import plot_equivalence_valley, plot_posterior_models, plot_sounding_band
from .sections import _default_depth_max, plot_profile_sections
from .soundings import phase_limits
from .style import (AB2_LABEL, APPARENT_RESISTIVITY_LABEL, PERIOD_LABEL, PHASE_LABEL,
                    _prepare_figure, _readable_log_ticks)

__all__ = ["plot_sounding_fit", "plot_survey_section", "error_bar_lengths",
           "plot_sounding_posterior", "equivalence_layer"]

_WIDTH = 9.5   # inches


def error_bar_lengths(data, sigma, log_mask):
    """Lower and upper error-bar lengths (data units) of errors given in their error space.

    Parameters
    ----------
    data : array_like, shape (n_data,)
        Observed data (physical units).
    sigma : array_like, shape (n_data,)
        Standard deviations: decades where ``log_mask`` is True, data units
        elsewhere.
    log_mask : array_like of bool, shape (n_data,)

    Returns
    -------
    ndarray, shape (2, n_data)
        ``d (1 - 10**-s)`` and ``d (10**s - 1)`` for log columns (bars of
        +/- s decades, symmetric on a log axis); ``s`` and ``s`` otherwise.

    Examples
    --------
    >>> error_bar_lengths([100.0, 45.0], [0.1, 2.0], [True, False]).round(2).tolist()
    [[20.57, 2.0], [25.89, 2.0]]
    """
    data = np.asarray(data, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    log_mask = np.asarray(log_mask, dtype=bool)
    lower = np.where(log_mask, np.abs(data) * (1.0 - 10.0 ** -sigma), sigma)
    upper = np.where(log_mask, np.abs(data) * (10.0 ** sigma - 1.0), sigma)
    return np.vstack([lower, upper])


def _check_vectors(values, n, what, unit, allow_none=False):
    """{label: float vector of length n} from a dict, naming the bad entries."""
    if not isinstance(values, Mapping) or not values:
        raise ValueError(f"{what} must be a non-empty dict of label -> vector ({n} {unit})")
    out, bad = {}, []
    for label, v in values.items():
        if v is None and allow_none:
            continue
        v = np.asarray(v, dtype=float)
        if v.shape != (n,):
            bad.append(f"{label!r} {v.shape}")
        out[label] = v
    if bad:
        raise ValueError(f"{what} vectors must have shape ({n},); got {', '.join(bad)}")
    return out


def plot_sounding_fit(forward, data, sigma, models, predicted, fig=None, title=None):
    """One field sounding: the data with error bars and each model's fit, beside the models.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
        The survey's forward model (VES, MT, refraction, gravity, magnetic,
        SP, or any other: then parameters and data are drawn by index).
    data : array_like, shape (n_data,)
        Observed data, physical units.
    sigma : array_like, shape (n_data,)
        Their standard deviations in the error space: decades for the
        apparent-resistivity columns (``forward.data_log_mask`` True), data
        units otherwise.
    models : dict of str to array_like, shape (n_params,)
        The fitted models by label, e.g. ``{"network": ..., "network -> LM":
        ...}`` (``"network_lm"`` is written out the same way).
    predicted : dict of str to array_like, shape (n_data,)
        The response of each model (NaN or None where unphysical); may lack
        labels.
    fig : matplotlib.figure.Figure or SubFigure, optional
        Empty figure to draw in; one of a size that suits the method is made
        if None.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        VES: models on a log depth axis | rho_a against AB/2 on log-log
        axes.  MT: models | rho_a (log-log) over phase (log period, linear
        phase).  Refraction: travel times | velocities against linear depth.
        Gravity, magnetic, SP: the anomaly over a true-scale section.

    Raises
    ------
    ValueError
        If a shape disagrees with the forward model (naming the argument
        and the label).
    """
    n_data, n_params = forward.n_data, forward.n_params
    data = np.asarray(data, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    for name, v in (("data", data), ("sigma", sigma)):
        if v.shape != (n_data,):
            raise ValueError(f"{name} must have shape ({n_data},) for {forward!r}; "
                             f"got {v.shape}")
    if (~(sigma >= 0)).any():
        raise ValueError(f"sigma must be >= 0; offending indices "
                         f"{', '.join(map(str, np.flatnonzero(~(sigma >= 0))))}")
    models = _check_vectors(models, n_params, "models", "parameters")
    predicted = (_check_vectors(predicted, n_data, "predicted", "data", allow_none=True)
                 if predicted else {})
    unknown = [k for k in predicted if k not in models]
    if unknown:
        raise ValueError(f"predicted has labels without a model: {', '.join(map(str, unknown))}")
    bars = error_bar_lengths(data, sigma, forward.data_log_mask)
    height = example_height(forward, list(models.values()), _WIDTH)
    height = {"mt": 5.0}.get(forward.kind, max(height, 4.0))
    fig = _prepare_figure(fig, (_WIDTH, height))
    return plot_example(forward, fig, None, models, data, predicted, sigma=bars, title=title,
                        legend=True)


def plot_survey_section(x, models, n_layers, flags=None, fig=None, depth_max=None):
    """The stitched layered section of a multi-sounding survey, one panel per method.

    Parameters
    ----------
    x : array_like, shape (n_soundings,) or None
        Position of each sounding along the line (m).  Soundings are drawn
        in order of x; without x, or with repeated positions, they are drawn
        side by side by number (x label "Sounding number").
    models : dict of str to array_like, shape (n_soundings, 2 n_layers - 1)
        Layered models ``[rho_1 .. rho_N, h_1 .. h_(N-1)]`` (ohm.m, m) of
        each method, e.g. ``{"network": ..., "network -> LM": ...}``; a row
        holding NaN is left blank.
    n_layers : int
    flags : array_like of bool, shape (n_soundings,), optional
        Soundings flagged as out of distribution: red triangles along the
        top of every panel.
    fig : matplotlib.figure.Figure, optional
        Empty figure; made if None.
    depth_max : float, optional
        Bottom of the sections (m); default 1.3 x the deepest interface of
        all models.

    Returns
    -------
    matplotlib.figure.Figure
        One section per method (log depth axis when the top layer is thin
        compared with the section, else linear), one colour bar of
        resistivity in ohm.m with log ticks.

    Raises
    ------
    ValueError
        If a models array or ``flags`` does not have one row per sounding.
    """
    if not isinstance(models, Mapping) or not models:
        raise ValueError("models must be a non-empty dict of label -> (n_soundings, n_params)")
    models = {k: np.atleast_2d(np.asarray(v, dtype=float)) for k, v in models.items()}
    n = next(iter(models.values())).shape[0]
    bad = [f"{k!r} {v.shape}" for k, v in models.items() if v.shape != (n, 2 * n_layers - 1)]
    if bad:
        raise ValueError(f"models must each have shape ({n}, {2 * n_layers - 1}); "
                         f"got {', '.join(bad)}")
    if flags is not None:
        flags = np.asarray(flags, dtype=bool)
        if flags.shape != (n,):
            raise ValueError(f"flags must have shape ({n},), one per sounding; got {flags.shape}")
    by_number = x is None or np.unique(np.asarray(x, dtype=float)).size != n
    x = np.arange(1.0, n + 1) if by_number else np.asarray(x, dtype=float)
    order = np.argsort(x, kind="stable")
    x = x[order]
    models = {k: v[order] for k, v in models.items()}
    flags = None if flags is None else flags[order]
    if depth_max is None:
        depth_max = max(_default_depth_max(v, n_layers) for v in models.values())
    fig = _prepare_figure(fig, (_WIDTH, 2.3 * len(models) + 1.2))
    plot_profile_sections(x, models, n_layers, fig=fig, depth_max=depth_max, true=None,
                          depth_scale="auto", flags=flags)
    if by_number:
        fig.axes[len(models) - 1].set_xlabel("Sounding number")
    return fig


def equivalence_layer(samples, n_layers):
    """The middle layer whose (rho_i, h_i) the data tie together most: the valley to draw.

    For every layer i = 2 .. N - 1 the widths (decades) of the central 90 %
    intervals of rho_i, h_i, S_i = h_i / rho_i and T_i = h_i rho_i are
    compared; the layer with the largest ``min(w_rho, w_h) - min(w_S, w_T)``
    is the one whose resistivity and thickness are least resolved apart
    while their conductance or transverse resistance is (layer 2 of three).

    Parameters
    ----------
    samples : array_like, shape (n_draws, 2 N - 1)
        Posterior draws ``[rho_1..rho_N, h_1..h_(N-1)]`` (ohm.m, m).
    n_layers : int
        N >= 3.

    Returns
    -------
    int
    """
    x = np.log10(np.asarray(samples, dtype=float))
    low, high = np.quantile(x, [0.05, 0.95], axis=0)

    def width(v):
        a, b = np.quantile(v, [0.05, 0.95])
        return b - a

    gains = []
    for i in range(2, n_layers):
        rho, h = x[:, i - 1], x[:, n_layers + i - 1]
        gains.append(min(high[i - 1] - low[i - 1], high[n_layers + i - 1] - low[n_layers + i - 1])
                     - min(width(h - rho), width(h + rho)))
    return 2 + int(np.argmax(gains))


def plot_sounding_posterior(forward, data, sigma, samples, predicted, models=None, box=None,
                            layer=None, fig=None, title=None, rng=None, truth=None):
    """One layered sounding's posterior: model fan, equivalence valley, band of curves.

    Parameters
    ----------
    forward : geoinv.forward.VES or geoinv.forward.MT1D
        The sounding's own forward model (its AB/2 or periods, N layers).
    data : array_like, shape (n_data,)
        Observed data, physical units (MT: ``[rho_a per period, phase
        (deg) per period]``).
    sigma : array_like, shape (n_data,)
        Standard deviations in the error space (decades on the apparent
        resistivity, degrees on the phase).
    samples : array_like, shape (n_draws, 2 N - 1)
        Posterior draws (ohm.m, m).
    predicted : array_like, shape (n_curves, n_data)
        Data simulated from some of the draws (a few hundred), physical
        units; rows with NaN (unphysical draws) are left out.
    models : dict of str to array_like, shape (2 N - 1,), optional
        Models drawn over the fan, e.g. ``{"network": ..., "network -> LM":
        ...}``.
    box : (low, high) of array_like, shape (2 N - 1,), optional
        The prior's support (the search box), outlined in the valley.
    layer : int, optional
        Layer of the valley panel, 1 <= layer <= N - 1; default
        :func:`equivalence_layer` for N >= 3, no valley for N < 3.
    fig : matplotlib.figure.Figure, optional
        Empty figure; made if None.
    title : str, optional
    rng : numpy.random.Generator or int or None
        Picks the single curves drawn under the band.
    truth : array_like, shape (2 N - 1,), optional
        The true model of a synthetic sounding, drawn on the fan and as a
        star in the valley.

    Returns
    -------
    matplotlib.figure.Figure
        Panels: ``fan`` | ``valley`` (if any) | ``rho_a`` (VES; MT: ``rho_a``
        over ``phase``), each Axes with that label.

    Raises
    ------
    ValueError
        If the forward model is not a VES or MT sounding, or a shape
        disagrees with it.
    """
    if forward.kind not in ("ves", "mt"):
        raise ValueError(f"plot_sounding_posterior draws VES and MT soundings; got {forward.kind}")
    n_data, n_layers = forward.n_data, forward.n_layers
    data, sigma = np.asarray(data, dtype=float), np.asarray(sigma, dtype=float)
    predicted = np.atleast_2d(np.asarray(predicted, dtype=float))
    for name, v in (("data", data), ("sigma", sigma), ("predicted", predicted[0])):
        if v.shape != (n_data,):
            raise ValueError(f"{name} must have {n_data} data per row for {forward!r}; "
                             f"got {v.shape}")
    predicted = predicted[np.isfinite(predicted).all(axis=1)]
    if layer is None and n_layers >= 3:
        layer = equivalence_layer(samples, n_layers)
    bars = error_bar_lengths(data, sigma, forward.data_log_mask)
    mt = forward.kind == "mt"
    columns = ["fan"] + (["valley"] if layer else []) + ["rho_a"]
    mosaic = [columns, [c if c != "rho_a" else ("phase" if mt else "rho_a") for c in columns]]
    fig = _prepare_figure(fig, (4.3 * len(columns), 4.6))
    axes = fig.subplot_mosaic(mosaic, width_ratios=[1.0] * (len(columns) - 1) + [1.15])
    if truth is not None:
        models = {"true": truth, **(models or {})}
    plot_posterior_models(samples, ax=axes["fan"], models=models)
    if layer:
        plot_equivalence_valley(samples, layer=layer, ax=axes["valley"], box=box, truth=truth)
    x = forward.periods if mt else forward.ab2
    m = x.size
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    ax = plot_sounding_band(x, data[:m], predicted[:, :m], ax=axes["rho_a"],
                            error_bars=bars[:, :m], x_label=PERIOD_LABEL if mt else AB2_LABEL,
                            y_label=APPARENT_RESISTIVITY_LABEL, rng=rng)
    _readable_log_ticks(ax.yaxis)
    if mt:
        ax.set_xlabel("")
        ax.tick_params(labelbottom=False)
        ax.get_legend().remove()
        phase = axes["phase"]
        phase.sharex(ax)
        plot_sounding_band(x, data[m:], predicted[:, m:], ax=phase, error_bars=bars[:, m:],
                           log_y=False, x_label=PERIOD_LABEL, y_label=PHASE_LABEL, rng=rng)
        phase.axhline(45.0, color="0.6", linestyle=":", linewidth=1.0)
        shown = [data[m:] - bars[0, m:], data[m:] + bars[1, m:], predicted[:, m:].ravel()]
        phase.set_ylim(*phase_limits(np.concatenate(shown)))
        phase.yaxis.set_major_locator(MultipleLocator(15.0))
    if title is not None:
        fig.suptitle(title)
    return fig
