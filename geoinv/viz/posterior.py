"""Figures of a posterior: model fan, equivalence valley, band of sounding curves.

Every function takes plain arrays (the draws of one sounding, physical
units; a layered model vector is ``[rho_1 .. rho_N, h_1 .. h_(N-1)]``),
draws on the Axes it is given or on a new figure, and returns the Axes;
nothing here calls ``plt.show()``.  Depth increases downward.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .style import (AB2_LABEL, APPARENT_RESISTIVITY_LABEL, DEPTH_LABEL, RESISTIVITY_LABEL,
                    _readable_log_ticks, model_style, quantity_label, tex_symbol)

__all__ = ["plot_posterior_models", "plot_equivalence_valley", "plot_sounding_band",
           "MODEL_STYLES"]

MODEL_STYLES = {label: {k: v for k, v in model_style(key).items() if k != "label"}
                for label, key in (("true", "true"), ("network", "network"),
                                   ("refined", "network_lm"))}
"""Line styles of the models drawn over a fan, by label, as in every figure
(:func:`geoinv.viz.style.model_style`: the true model solid black, the
network's dashed red, the refined (network -> LM) solid green); other labels
are styled by ``model_style`` too (``"network -> LM"`` as the refined)."""

_GRID_KW = dict(color="0.88", linewidth=0.6)
_BAND_COLOR = "#1f77b4"


def _axes(ax, figsize):
    if ax is None:
        ax = plt.figure(figsize=figsize, layout="constrained").add_subplot()
    ax.grid(True, which="major", **_GRID_KW)
    ax.set_axisbelow(True)
    return ax


def _layers(models):
    """Resistivities (n, N) and interface depths (n, N - 1) of layered models (n, 2N - 1)."""
    models = np.atleast_2d(np.asarray(models, dtype=np.float64))
    p = models.shape[1]
    if p % 2 == 0:
        raise ValueError(f"layered models have 2 N - 1 parameters [rho_1..rho_N, h_1..h_(N-1)]; "
                         f"got {p}")
    n = (p + 1) // 2
    if not (np.isfinite(models).all() and (models > 0).all()):
        raise ValueError("layered models must be finite and > 0")
    return models[:, :n], np.cumsum(models[:, n:], axis=1)


def _rho_at(rho, interfaces, depths):
    """Resistivity of every model at every depth, shape (n_models, n_depths)."""
    layer = (depths[None, :, None] > interfaces[:, None, :]).sum(axis=2)
    return np.take_along_axis(rho, layer, axis=1)


def _steps(model, depth_range):
    """x, y of a layered model's staircase between the depths of ``depth_range``."""
    rho, interfaces = _layers(model)
    top, bottom = depth_range
    inside = interfaces[0][(interfaces[0] > top) & (interfaces[0] < bottom)]
    edges = np.concatenate([[top], inside, [bottom]])
    x = np.repeat(_rho_at(rho, interfaces, 0.5 * (edges[:-1] + edges[1:]))[0], 2)
    y = np.repeat(edges, 2)[1:-1]
    return x, y


def plot_posterior_models(samples, ax=None, models=None, depth_range=None, n_depths=160,
                          n_bins=90, level=0.9, cmap="Blues"):
    """Posterior model fan: density of the sampled layered models against log depth.

    At every depth the draws' resistivities are binned in log10 and the
    histogram is divided by its largest bin: 1 (darkest) marks the most
    probable resistivity at that depth, so a well-resolved layer and a
    poorly resolved one are both visible.  The central ``level`` interval
    is drawn as two thin lines, the median as a dotted one.

    Parameters
    ----------
    samples : array_like, shape (n_draws, 2 N - 1)
        Posterior draws of one sounding ``[rho_1..rho_N, h_1..h_(N-1)]``
        (ohm.m, m).
    ax : matplotlib.axes.Axes, optional
        Created if None.
    models : dict of str to array_like, shape (2 N - 1,), optional
        Models drawn on top, e.g. ``{"network": ..., "refined": ...,
        "true": ...}``; styles from :data:`MODEL_STYLES`.
    depth_range : (float, float), optional
        Top and bottom depth (m), > 0.  Default: from a fifth of the
        shallowest interface to three times the deepest (1 % and 99 %
        quantiles of the draws).
    n_depths, n_bins : int
        Depths (log-spaced) and log10 rho bins of the density.
    level : float in (0, 1)
        Probability between the two interval lines.
    cmap : str
        Colormap of the density.

    Returns
    -------
    ax : matplotlib.axes.Axes
        Both axes logarithmic, depth inverted.  Artists by ``gid``:
        ``"posterior_density"`` (the QuadMesh), ``"posterior_interval"``,
        ``"posterior_median"`` and ``"model:<label>"`` (lines).
    """
    rho, interfaces = _layers(samples)
    if depth_range is None:
        depth_range = (0.2 * np.quantile(interfaces[:, 0], 0.01),
                       3.0 * np.quantile(interfaces[:, -1], 0.99)) if interfaces.size else (1, 100)
    top, bottom = (float(d) for d in depth_range)
    if not 0 < top < bottom:
        raise ValueError(f"depth_range must be 0 < top < bottom (m); got {depth_range}")
    depths = np.geomspace(top, bottom, n_depths)
    log_rho = np.log10(_rho_at(rho, interfaces, depths))                  # (n_draws, n_depths)
    others = [np.log10(_layers(m)[0]) for m in (models or {}).values()]
    lo = min([log_rho.min()] + [o.min() for o in others])
    hi = max([log_rho.max()] + [o.max() for o in others])
    pad = 0.1 * max(hi - lo, 0.5)
    edges = np.linspace(lo - pad, hi + pad, n_bins + 1)
    index = np.clip(np.searchsorted(edges, log_rho, side="right") - 1, 0, n_bins - 1)
    counts = np.zeros((n_depths, n_bins))
    np.add.at(counts, (np.broadcast_to(np.arange(n_depths), index.shape), index), 1.0)
    density = counts / counts.max(axis=1, keepdims=True)

    ax = _axes(ax, (4.2, 5.0))
    depth_edges = np.geomspace(top, bottom, n_depths + 1)
    mesh = ax.pcolormesh(10**edges, depth_edges, density, cmap=cmap, shading="flat",
                         gid="posterior_density")
    ax.figure.colorbar(mesh, ax=ax, label="posterior density / its peak at that depth")
    q_low, median, q_high = np.quantile(log_rho, [(1 - level) / 2, 0.5, (1 + level) / 2], axis=0)
    for i, q in enumerate((q_low, q_high)):
        ax.plot(10**q, depths, color="0.25", linewidth=0.8, gid="posterior_interval",
                label=f"{100 * level:g} % interval" if i == 0 else None)
    ax.plot(10**median, depths, color="0.25", linewidth=1.0, linestyle=":",
            gid="posterior_median", label="posterior median")
    for i, (label, model) in enumerate((models or {}).items()):
        x, y = _steps(model, (top, bottom))
        style = {**model_style(label, i), **MODEL_STYLES.get(label, {})}
        ax.plot(x, y, gid=f"model:{label}", **style)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(10 ** edges[0], 10 ** edges[-1])
    ax.set_ylim(bottom, top)
    _readable_log_ticks(ax.yaxis, plain=True)
    _readable_log_ticks(ax.xaxis, plain=True)
    ax.set_xlabel(RESISTIVITY_LABEL)
    ax.set_ylabel(DEPTH_LABEL)
    ax.legend(loc="lower left", fontsize="small", frameon=True)
    return ax


def plot_equivalence_valley(samples, layer=2, ax=None, truth=None, box=None, gridsize=40,
                            cmap="Blues"):
    """Joint posterior of (rho_i, h_i) on log axes, with lines of constant S and T.

    Through the posterior median of ``S_i = h_i / rho_i`` runs the line
    ``h = S rho`` (slope +1 in log-log), through that of
    ``T_i = h_i rho_i`` the line ``h = T / rho`` (slope -1): a conductive
    layer's draws lie along the first, a resistive one's along the second.

    Parameters
    ----------
    samples : array_like, shape (n_draws, 2 N - 1)
        Posterior draws of one sounding (ohm.m, m).
    layer : int
        Layer i, 1 <= i <= N - 1 (2: the middle layer of three).
    ax : matplotlib.axes.Axes, optional
    truth : array_like, shape (2 N - 1,), optional
        Drawn as a star.
    box : (low, high) of array_like, shape (2 N - 1,), optional
        The prior (search) box, outlined; the axes never reach further
        than just beyond it.
    gridsize : int
        Hexagons across the x axis.
    cmap : str

    Returns
    -------
    ax : matplotlib.axes.Axes
        Log-log, zoomed on the draws: their 0.5-99.5 % range widened by
        a quarter of itself (at least 0.05 decades) on each side, cut just
        beyond the box (a narrow posterior would hide in a corner of the
        whole box).  Artists by ``gid``: ``"posterior_hexbin"``,
        ``"constant_S"``, ``"constant_T"``, ``"truth"``, ``"prior_box"``.
    """
    samples = np.atleast_2d(np.asarray(samples, dtype=np.float64))
    rho_all, _ = _layers(samples)
    n = rho_all.shape[1]
    if not 1 <= layer <= n - 1:
        raise ValueError(f"layer must be in [1, {n - 1}] for {n} layers; got {layer}")
    j_rho, j_h = layer - 1, n + layer - 1
    rho, h = samples[:, j_rho], samples[:, j_h]
    ax = _axes(ax, (4.6, 4.0))
    hexes = ax.hexbin(rho, h, xscale="log", yscale="log", gridsize=gridsize, cmap=cmap,
                      mincnt=1, gid="posterior_hexbin", linewidths=0.2, zorder=3)
    ax.figure.colorbar(hexes, ax=ax, label="posterior draws")
    pad = np.log10(1.15)     # a margin, so the box outline and the extreme draws stay visible
    edges = [(-np.inf, np.inf)] * 2
    if box is not None:
        low, high = (np.asarray(b, dtype=np.float64) for b in box)
        ax.plot([low[j_rho], high[j_rho], high[j_rho], low[j_rho], low[j_rho]],
                [low[j_h], low[j_h], high[j_h], high[j_h], low[j_h]], color="0.4",
                linewidth=0.8, linestyle="--", gid="prior_box", label="prior box")
        edges = [(np.log10(low[j]) - pad, np.log10(high[j]) + pad) for j in (j_rho, j_h)]
    xlim, ylim = (_zoom(np.log10(v), *edge) for v, edge in zip((rho, h), edges))
    if truth is not None:      # a truth the posterior misses stays in view
        truth = np.asarray(truth, dtype=np.float64)
        xlim, ylim = ((min(lo, t / 1.15), max(hi, t * 1.15)) for (lo, hi), t in
                      zip((xlim, ylim), (truth[j_rho], truth[j_h])))
    S, T = np.median(h / rho), np.median(h * rho)
    x = np.geomspace(*xlim, 50)
    ax.plot(x, S * x, color="#2ca02c", linewidth=1.3, gid="constant_S",
            label=f"{tex_symbol(f'S_{layer}')} = {S:.3g} S (median)")
    ax.plot(x, T / x, color="#9467bd", linewidth=1.3, linestyle="--", gid="constant_T",
            label=f"{tex_symbol(f'T_{layer}')} = {T:.3g} " r"$\Omega\cdot$m$^{2}$ (median)")
    if truth is not None:
        ax.plot(truth[j_rho], truth[j_h], marker="*", markersize=13, color="black",
                markerfacecolor="gold", linestyle="none", gid="truth", label="true", zorder=5)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    _readable_log_ticks(ax.xaxis, plain=True)
    _readable_log_ticks(ax.yaxis, plain=True)
    ax.set_xlabel(quantity_label(f"rho_{layer}", "ohm.m"))
    ax.set_ylabel(quantity_label(f"h_{layer}", "m"))
    ax.legend(loc="best", fontsize="small")
    return ax


def _zoom(log_values, lowest, highest):
    """Axis limits (physical) around values given in log10, within [lowest, highest] (log10)."""
    lo, hi = np.quantile(log_values, [0.005, 0.995])
    middle, half = 0.5 * (lo + hi), 0.5 * (hi - lo) + max(0.25 * (hi - lo), 0.05)
    return 10 ** max(middle - half, lowest), 10 ** min(middle + half, highest)


def plot_sounding_band(x, data, predicted, ax=None, sigma=None, level=0.9, log_y=True,
                       x_label=AB2_LABEL, y_label=APPARENT_RESISTIVITY_LABEL, n_curves=30,
                       rng=None, error_bars=None):
    """Band of the data simulated from posterior draws, with the observed data on top.

    Parameters
    ----------
    x : array_like, shape (n_data,)
        Abscissa (AB/2 in m, period in s, ...), > 0 (log axis).
    data : array_like, shape (n_data,)
        Observed data.
    predicted : array_like, shape (n_draws, n_data)
        Data simulated from posterior draws (e.g. ``forward.simulate`` of a
        few hundred of them).
    ax : matplotlib.axes.Axes, optional
    sigma : array_like, shape (n_data,), optional
        Standard deviation of the data (data units), drawn as error bars.
    level : float in (0, 1)
        Probability inside the shaded band (pointwise quantiles).
    log_y : bool
        Logarithmic y axis (apparent resistivity); False for phases.
    x_label, y_label : str
    n_curves : int
        Single simulated curves drawn thinly under the band (0: none).
    rng : numpy.random.Generator or int or None
        Picks those curves.
    error_bars : array_like, shape (2, n_data), optional
        Lower and upper error-bar lengths (data units), drawn instead of
        ``sigma``; :func:`geoinv.viz.error_bar_lengths` makes them from
        errors in the error space (decades on apparent resistivity).

    Returns
    -------
    ax : matplotlib.axes.Axes
        x logarithmic (y too with ``log_y``); artists by ``gid``:
        ``"predicted_band"``, ``"predicted_median"``, ``"predicted_curve"``,
        ``"observed"``.
    """
    x = np.asarray(x, dtype=np.float64)
    data = np.asarray(data, dtype=np.float64)
    predicted = np.atleast_2d(np.asarray(predicted, dtype=np.float64))
    if data.shape != x.shape or predicted.shape[1:] != x.shape:
        raise ValueError(f"x, data and predicted must have n_data = {x.size} columns; got "
                         f"{x.shape}, {data.shape}, {predicted.shape}")
    order = np.argsort(x)
    ax = _axes(ax, (5.0, 3.8))
    if n_curves:
        rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
        pick = rng.choice(len(predicted), size=min(n_curves, len(predicted)), replace=False)
        for k in pick:
            ax.plot(x[order], predicted[k, order], color=_BAND_COLOR, linewidth=0.4, alpha=0.35,
                    gid="predicted_curve")
    low, median, high = np.quantile(predicted, [(1 - level) / 2, 0.5, (1 + level) / 2], axis=0)
    ax.fill_between(x[order], low[order], high[order], color=_BAND_COLOR, alpha=0.3, linewidth=0,
                    gid="predicted_band", label=f"posterior {100 * level:g} % band")
    ax.plot(x[order], median[order], color=_BAND_COLOR, linewidth=1.5, gid="predicted_median",
            label="posterior median")
    if error_bars is not None or sigma is not None:
        if error_bars is not None:
            lower, upper = np.asarray(error_bars, dtype=np.float64).reshape(2, x.size)
        else:
            upper = np.broadcast_to(np.asarray(sigma, dtype=np.float64), x.shape)
            lower = np.minimum(upper, 0.999 * np.abs(data)) if log_y else upper
        ax.errorbar(x, data, yerr=np.vstack([lower, upper]), marker="o", markersize=4,
                    linestyle="none", color="black", elinewidth=0.8, capsize=2, gid="observed",
                    label="observed")
    else:
        ax.plot(x, data, marker="o", markersize=4, linestyle="none", color="black",
                gid="observed", label="observed")
    ax.set_xscale("log")
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.legend(loc="best", fontsize="small")
    return ax
