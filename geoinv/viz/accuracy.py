"""Figures of accuracy: predicted against true, metric summaries, data misfits.

Every function takes plain arrays, dicts of them or pandas DataFrames (never
a network or a forward-model object), draws on the Axes or Figure it is
given, creates a figure only when it is given none, and returns what it drew
on.  Splits keep their colours of :mod:`geoinv.viz.style` in every figure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba

from ..evaluation.metrics import FIT_THRESHOLD
from .style import (_GRID_KW, _METHOD_COLORS, _METRIC_LABELS, _SPLIT_STYLES, METHOD_LABELS,
                    RMS_MISFIT_LABEL, _get_ax, _has_constrained_layout, _new_figure,
                    _ordered_splits, _prepare_figure, _readable_log_ticks, _style_ax,
                    quantity_label, split_color, split_label, tex_symbol)

__all__ = ["plot_predicted_vs_true", "plot_metric_summary", "plot_misfit_histogram",
           "plot_misfit_by_method"]


def _as_splits(values, what):
    """Return an ordered dict {key: 2-D float array} from an array or a dict."""
    if isinstance(values, Mapping):
        out = {k: np.asarray(v, dtype=float) for k, v in values.items()}
    else:
        out = {None: np.asarray(values, dtype=float)}
    for k, v in out.items():
        if v.ndim == 1:
            out[k] = v[:, np.newaxis]
        elif v.ndim != 2:
            name = what if k is None else f"{what}[{k!r}]"
            raise ValueError(f"{name} must have shape (n_samples, n_params); got {v.shape}")
    return out


def _limits(values, log):
    """Padded (low, high) covering finite values (positive ones if log)."""
    values = values[np.isfinite(values)]
    if log:
        values = values[values > 0]
    if values.size == 0:
        return (1.0, 10.0) if log else (0.0, 1.0)
    lo, hi = values.min(), values.max()
    if log:
        lo, hi = np.log10(lo), np.log10(hi)
    pad = 0.05 * (hi - lo) if hi > lo else 0.5
    lo, hi = lo - pad, hi + pad
    return (10.0**lo, 10.0**hi) if log else (lo, hi)


def plot_predicted_vs_true(true, pred, names, units, log, split_labels=None,
                           bounds=None, fig=None, max_cols=3, std=None, n_sigma=2.0):
    """Scatter predicted against true values, one panel per parameter.

    Parameters
    ----------
    true, pred : ndarray, shape (n_samples, n_params), or dict of them
        True and predicted models in physical units.  A dict
        ``{split: array}`` (e.g. ``{"test_id": ..., "test_ood": ...}``)
        draws each split in its own colour; ``true`` and ``pred`` must then
        have the same keys and matching shapes per key.
    names : sequence of str, length n_params
        Parameter names, e.g. ``["rho_1", "rho_2", "h_1"]``.
    units : sequence of str, length n_params
        Parameter units, e.g. ``["ohm.m", "ohm.m", "m"]``.
    log : bool or sequence of bool, length n_params
        Log-log axes for the parameters where True.
    split_labels : sequence of str, optional
        Legend labels, one per split in the order of the dict's keys.
        Default: ``"test_id"`` -> "test ID", ``"test_ood"`` -> "test OOD",
        other keys as they are; a single array gets no legend entry.
    bounds : (low, high) of ndarray, shape (n_params,) each, optional
        Training prior box.  Drawn as a light band over the true values
        inside the box and dashed lines at its edges on the predicted axis,
        so OOD samples visibly lie outside it.
    fig : matplotlib.figure.Figure or SubFigure, optional
        Empty figure to draw in; created if None.  A Figure without a layout
        engine is switched to constrained layout.
    max_cols : int, optional
        Most panels per row; the rows are balanced (4 panels as 2 x 2) and
        a shorter last row is centred, so no cell stays empty.
    std : ndarray, shape (n_samples, n_params), or dict of them, optional
        Predicted standard deviation in the declared scale (decades for log
        parameters, e.g. an ensemble's spread), drawn as vertical error bars
        of +/- ``n_sigma`` sigma (``gid="error_bars"``).  Same keys as ``pred``.
    n_sigma : float, optional
        Half-length of the error bars in sigmas.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Holds exactly n_params Axes, one per parameter in order, each square
        with equal x and y ranges and a 1:1 line (``gid="one_to_one"``).

    Raises
    ------
    ValueError
        If shapes, keys or the lengths of ``names``/``units``/``log`` disagree.
    """
    true = _as_splits(true, "true")
    pred = _as_splits(pred, "pred")
    if list(true) != list(pred):
        raise ValueError(
            f"true and pred must hold the same splits; got {list(true)} and {list(pred)}"
        )
    bad = [k for k in true if true[k].shape != pred[k].shape]
    if bad:
        raise ValueError(
            "true and pred differ in shape for split(s) "
            + ", ".join(f"{k!r} ({true[k].shape} vs {pred[k].shape})" for k in bad)
        )
    n_params = next(iter(true.values())).shape[1]
    widths = {k: v.shape[1] for k, v in true.items() if v.shape[1] != n_params}
    if widths:
        raise ValueError(f"all splits need {n_params} columns; got {widths}")
    names, units = list(names), list(units)
    log = np.asarray(log, dtype=bool)
    if log.ndim == 0:
        log = np.full(n_params, bool(log))
    lengths = {"names": len(names), "units": len(units), "log": len(log)}
    wrong = {k: n for k, n in lengths.items() if n != n_params}
    if wrong:
        raise ValueError(
            f"expected {n_params} entries (one per parameter) in "
            + ", ".join(f"{k} (got {n})" for k, n in wrong.items())
        )
    keys = list(true)
    if std is not None:
        std = _as_splits(std, "std")
        if list(std) != keys or any(std[k].shape != pred[k].shape for k in keys):
            raise ValueError("std must have the splits and shapes of pred")
    if split_labels is None:
        labels = [None if k is None else split_label(k) for k in keys]
    else:
        labels = [split_labels] if isinstance(split_labels, str) else list(split_labels)
        if len(labels) != len(keys):
            raise ValueError(f"split_labels needs {len(keys)} labels; got {len(labels)}")
    if bounds is not None:
        low, high = (np.asarray(b, dtype=float).reshape(-1) for b in bounds)
        if low.size != n_params or high.size != n_params:
            raise ValueError(
                f"bounds must be (low, high) with {n_params} values each; "
                f"got {low.size} and {high.size}"
            )

    n_rows = math.ceil(n_params / max_cols)
    n_cols = math.ceil(n_params / n_rows)          # balanced rows: 4 panels as 2 x 2
    fig = _prepare_figure(fig, (3.1 * n_cols, 3.1 * n_rows + 0.5))
    axes = _centred_panels(fig, n_params, n_rows, n_cols)

    handles = {}
    for j, ax in enumerate(axes):
        scale = "log" if log[j] else "linear"
        ax.set_xscale(scale)
        ax.set_yscale(scale)
        everything = [true[k][:, j] for k in keys] + [pred[k][:, j] for k in keys]
        if std is not None:
            bars = {k: _error_bars(pred[k][:, j], std[k][:, j], n_sigma, log[j]) for k in keys}
            everything += [pred[k][:, j] + bars[k][1] for k in keys]
            everything += [pred[k][:, j] - bars[k][0] for k in keys]
        if bounds is not None:
            everything.append(np.array([low[j], high[j]]))
        lo, hi = _limits(np.concatenate(everything), log[j])
        ax.set_xlim(lo, hi)  # fixed before drawing: nothing below rescales them
        ax.set_ylim(lo, hi)

        if bounds is not None:
            band = ax.axvspan(low[j], high[j], color="0.5", alpha=0.13, linewidth=0,
                              gid="prior_box", label="training prior box")
            for edge in (low[j], high[j]):
                ax.axhline(edge, color="0.45", linestyle="--", linewidth=0.8, gid="prior_box")
            handles.setdefault("training prior box", band)
        (one,) = ax.plot([lo, hi], [lo, hi], color="black", linewidth=0.9, gid="one_to_one",
                         label="1:1")
        handles.setdefault("1:1", one)
        for rank, (k, label) in enumerate(zip(keys, labels)):
            # the first split (ID) on top: later ones (OOD) beneath and lighter
            color = split_color(k) if k is not None else split_color("test_id")
            zorder = 2.5 - 0.1 * rank
            if std is not None:
                ax.errorbar(true[k][:, j], pred[k][:, j], yerr=bars[k], fmt="none",
                            ecolor=color, elinewidth=0.5, alpha=0.3, gid="error_bars",
                            zorder=zorder - 0.05)
            pc = ax.scatter(true[k][:, j], pred[k][:, j], s=7, color=color,
                            alpha=0.6 if rank == 0 else 0.35, linewidths=0, label=label,
                            zorder=zorder, rasterized=true[k].shape[0] > 2000)
            if label is not None:
                handles.setdefault(label, pc)
        ax.set_aspect("equal", adjustable="box")
        if log[j]:
            _readable_log_ticks(ax.xaxis)
            _readable_log_ticks(ax.yaxis)
        ax.set_title(tex_symbol(names[j]))
        ax.set_xlabel(quantity_label(names[j], units[j], "True"))
        ax.set_ylabel(quantity_label(names[j], units[j], "Predicted"))
        _style_ax(ax)

    # Split entries first, then the reference artists.
    order = [l for l in labels if l is not None] + ["1:1", "training prior box"]
    legend_items = [(handles[l], l) for l in order if l in handles]
    if len(legend_items) > 1 or any(l is not None for l in labels):
        hs, ls = zip(*legend_items)
        if _has_constrained_layout(fig):
            leg = fig.legend(hs, ls, loc="outside upper center", ncols=len(hs), frameon=False,
                             markerscale=2.5)
        else:
            leg = axes[0].legend(hs, ls, loc="upper left", fontsize="small", markerscale=2.5)
        for h in leg.legend_handles:  # opaque markers in the legend despite alpha
            if isinstance(h, PathCollection):
                h.set_alpha(0.9)
    return fig


def _centred_panels(fig, n_panels, n_rows, n_cols):
    """n_panels Axes in rows of n_cols, the last row centred: no empty cell."""
    grid = fig.add_gridspec(n_rows, 2 * n_cols)
    axes = []
    for j in range(n_panels):
        row, col = divmod(j, n_cols)
        in_row = min(n_cols, n_panels - row * n_cols)
        start = (n_cols - in_row) + 2 * col
        axes.append(fig.add_subplot(grid[row, start:start + 2]))
    return axes


def _error_bars(pred, std, n_sigma, log):
    """(lower, upper) bar lengths of pred +/- n_sigma std (declared scale), physical units."""
    if log:
        return pred * (1.0 - 10.0 ** (-n_sigma * std)), pred * (10.0 ** (n_sigma * std) - 1.0)
    return n_sigma * std, n_sigma * std



def plot_metric_summary(metrics, metric="median_rel_err", fig=None, ax=None):
    """Grouped bar chart of one metric: one group per parameter, one bar per split.

    Parameters
    ----------
    metrics : pandas.DataFrame, shape (n_rows, 4)
        Long table with columns ``split``, ``quantity``, ``metric``,
        ``value`` (the format of ``metrics.csv``).  Rows whose quantity is
        ``"data"`` are left out; the others are drawn in order of first
        appearance.
    metric : str, optional
        The metric to show, e.g. ``"median_rel_err"`` or ``"rmse_log10"``.
    fig : matplotlib.figure.Figure, optional
        Figure to add the Axes to if ``ax`` is None.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; takes precedence over ``fig``.

    Returns
    -------
    ax : matplotlib.axes.Axes
        One bar container per split (``train``, ``val``, ``test_id``,
        ``test_ood`` first, others after), each with n_quantities bars whose
        heights are the values (NaN where a combination is missing).  The y
        axis is logarithmic if the positive values span more than 2 decades.

    Raises
    ------
    ValueError
        If a column is missing, no row has that metric, or a (split,
        quantity) pair appears twice.
    """
    missing = [c for c in ("split", "quantity", "metric", "value") if c not in metrics.columns]
    if missing:
        raise ValueError(f"metrics lacks column(s) {', '.join(missing)}")
    rows = metrics[(metrics["metric"] == metric) & (metrics["quantity"] != "data")]
    if rows.empty:
        available = sorted(map(str, metrics["metric"].unique()))
        raise ValueError(
            f"no parameter rows with metric {metric!r}; available: {', '.join(available)}"
        )
    dup = rows[rows.duplicated(["split", "quantity"], keep=False)]
    if not dup.empty:
        pairs = sorted(set(zip(dup["split"], dup["quantity"])))
        raise ValueError(
            f"metric {metric!r} appears more than once for (split, quantity) "
            + ", ".join(f"({s}, {q})" for s, q in pairs)
        )
    quantities = list(dict.fromkeys(rows["quantity"]))
    splits = _ordered_splits(rows["split"])
    table = rows.pivot(index="quantity", columns="split", values="value").reindex(
        index=quantities, columns=splits)

    if ax is None:
        if fig is None:
            fig = _new_figure((max(4.5, 1.1 * len(quantities) + 2.0), 3.8))
        ax = fig.add_subplot()
    x = np.arange(len(quantities))
    width = 0.8 / len(splits)
    for i, split in enumerate(splits):
        heights = table[split].to_numpy(dtype=float)
        bars = ax.bar(x + (i - (len(splits) - 1) / 2) * width, heights, width=width,
                      color=split_color(split), label=split_label(split))
        ax.bar_label(bars, fmt="%.2g", fontsize="x-small", padding=1)
    values = table.to_numpy(dtype=float)
    positive = values[np.isfinite(values) & (values > 0)]
    if positive.size and (values[np.isfinite(values)] > 0).all() \
            and positive.max() / positive.min() > 100:
        ax.set_yscale("log")
    else:
        ax.set_ylim(0, None)
    ax.margins(y=0.12)
    ax.set_xticks(x, [tex_symbol(q) for q in quantities])
    ax.set_xlabel("Parameter")
    ax.set_ylabel(_METRIC_LABELS.get(metric, metric))
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.01), ncols=len(splits), frameon=False,
              fontsize="small", borderaxespad=0.0)
    ax.grid(True, axis="y", which="major", **_GRID_KW)
    ax.set_axisbelow(True)
    return ax


def plot_misfit_histogram(misfit_by_split, ax=None, target=1.0, bins=30):
    """Overlaid histograms of per-sounding RMS data misfits on a log x axis.

    Parameters
    ----------
    misfit_by_split : dict of str to array_like, shape (n_soundings,)
        RMS misfit of each re-simulated sounding, normalised by the noise
        standard deviation (1 = fits to the noise level), per split.
        Non-finite and non-positive values cannot sit on a log axis; they are
        left out and counted in the legend.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created if None.
    target : float, optional
        Misfit drawn as a vertical dashed line (``gid="target"``).
    bins : int, optional
        Number of log-spaced bins, shared by all splits.

    Returns
    -------
    ax : matplotlib.axes.Axes
        One filled histogram per split, labelled with its count and median.
    """
    data = {k: np.asarray(v, dtype=float).ravel() for k, v in misfit_by_split.items()}
    kept = {k: v[np.isfinite(v) & (v > 0)] for k, v in data.items()}
    pooled = np.concatenate([v for v in kept.values()] + [np.array([target])])
    lo, hi = np.log10(pooled.min()), np.log10(pooled.max())
    edges = np.logspace(lo, hi, bins + 1) if hi > lo + 1e-4 else np.logspace(lo - 0.3, hi + 0.3,
                                                                               bins + 1)
    # room on both sides: the axis must not start at the smallest misfit (~1)
    pad = max(0.1, 0.06 * (np.log10(edges[-1]) - np.log10(edges[0])))
    view = 10.0 ** (np.log10(edges[0]) - pad), 10.0 ** (np.log10(edges[-1]) + pad)

    ax = _get_ax(ax, (5.5, 3.8))
    for split in _ordered_splits(kept):
        values = kept[split]
        label = f"{split_label(split)} (n={values.size}, median {np.median(values):.3g})" \
            if values.size else f"{split_label(split)} (n=0)"
        dropped = data[split].size - values.size
        if dropped:
            label += f", {dropped} not shown"
        color = split_color(split)
        ax.hist(values, bins=edges, histtype="stepfilled", facecolor=to_rgba(color, 0.3),
                edgecolor=color, linewidth=1.2, label=label)
    ax.axvline(target, color="black", linestyle="--", linewidth=1.2, gid="target",
               label=f"target misfit = {target:g}")
    ax.set_xscale("log")
    ax.set_xlim(*view)
    _readable_log_ticks(ax.xaxis, plain=True)
    ax.set_xlabel(RMS_MISFIT_LABEL)
    ax.set_ylabel("Number of soundings")
    ax.legend(loc="best", fontsize="small", frameon=False)
    _style_ax(ax)
    return ax


def plot_misfit_by_method(misfits, ax=None, target=FIT_THRESHOLD, fig=None):
    """Cumulative distributions of the RMS misfit, by method and split.

    The network's misfits spread over decades while LM's gather near the
    noise level, so the figure has two panels sharing the y axis: on the
    left a linear close-up of 0 to 2 x ``target`` where the fitted
    soundings lie, on the right every misfit on a log axis.

    Parameters
    ----------
    misfits : dict of str to dict of str to array_like
        ``{split: {method: rms (n_soundings,)}}``, e.g.
        ``{c.split: c.misfits for c in comparisons}``.  Non-finite misfits
        (unphysical models) count as not fitted: the curves end below 1.
    ax : matplotlib.axes.Axes, optional
        Draw only the log panel, on this Axes.
    target : float
        Fit threshold drawn as a vertical dashed line.
    fig : matplotlib.figure.Figure, optional
        Empty figure for both panels (when ``ax`` is None); made if None.

    Returns
    -------
    matplotlib.axes.Axes
        The log panel: one curve per (split, method), colour = method, line
        style = split (solid ID, dashed OOD), its legend (below the panels)
        giving the fraction fitted.  The close-up is ``ax.figure.axes[0]``
        when this function made both panels.
    """
    if ax is None:
        fig = _prepare_figure(fig, (9.5, 4.6))
        ax_zoom, ax = fig.subplots(1, 2, sharey=True, width_ratios=[1.0, 1.5])
    else:
        ax_zoom = None
    positive = [np.asarray(v, dtype=float) for by in misfits.values() for v in by.values()]
    finite = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in positive] + [[target]])
    lo, hi = finite.min() / 1.2, finite.max() * 1.2
    extra_styles = iter([":", "-."])
    for split, by_method in misfits.items():
        style = _SPLIT_STYLES.get(split) or next(extra_styles, "-")
        for method, rms in by_method.items():
            rms = np.asarray(rms, dtype=float)
            values = np.sort(np.where(np.isfinite(rms), rms, np.inf))
            share = np.arange(1, values.size + 1) / values.size
            shown = np.isfinite(values)
            fitted = np.mean(rms <= target) if rms.size else np.nan
            kw = dict(where="post", color=_METHOD_COLORS.get(method, None), linestyle=style,
                      linewidth=1.6)
            ax.step(np.r_[lo, values[shown]], np.r_[0.0, share[shown]],
                    label=f"{split}, {METHOD_LABELS.get(method, method)}: "
                          f"{100 * fitted:.1f} % <= {target:g}", **kw)
            if ax_zoom is not None:
                ax_zoom.step(np.r_[0.0, values[shown]], np.r_[0.0, share[shown]], **kw)
    ax.axvline(target, color="black", linestyle="--", linewidth=1.0, gid="target")
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    _readable_log_ticks(ax.xaxis, plain=True)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(RMS_MISFIT_LABEL)
    ax.set_ylabel("Fraction of soundings with misfit <= x")
    ax.grid(True, **_GRID_KW)
    if ax_zoom is None:
        ax.legend(loc="lower right", fontsize="small", frameon=False)
        return ax
    ax.set_ylabel("")
    ax.set_title("all soundings (log axis)", fontsize="medium")
    ax_zoom.axvline(target, color="black", linestyle="--", linewidth=1.0, gid="target")
    ax_zoom.set_xlim(0.0, 2.0 * target)
    ax_zoom.set_ylim(0, 1.02)
    ax_zoom.set_xlabel("RMS data misfit")
    ax_zoom.set_ylabel("Fraction of soundings with misfit <= x")
    ax_zoom.set_title("near the noise level", fontsize="medium")
    ax_zoom.grid(True, **_GRID_KW)
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, -0.17), ncols=2, fontsize="small",
              frameon=False)
    return ax
