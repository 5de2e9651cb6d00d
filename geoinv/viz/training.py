"""Figures of training: loss against epoch, error against training-set size.

Every function takes plain arrays or pandas DataFrames, draws on the Axes it
is given, creates a figure only when it is given none, and returns the Axes.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullFormatter

from .style import (_METRIC_LABELS, _get_ax, _legend_above, _readable_log_ticks, _style_ax,
                    split_color)

__all__ = ["plot_history", "plot_learning_curve"]


def plot_history(history, ax=None):
    """Plot training and validation loss against epoch.

    Parameters
    ----------
    history : pandas.DataFrame, shape (n_epochs, >= 3)
        Columns ``epoch``, ``train_loss`` and ``val_loss`` (``val_loss`` may
        be NaN, e.g. when no validation set was used).  Losses must be > 0.
        An ensemble's history has a ``member`` column as well: each member
        is then drawn with thin lines and its best epoch as a dot
        (``gid="best_epoch"``), without the vertical line.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created if None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The loss axis is logarithmic.  If any validation loss is finite, the
        epoch of the smallest one is marked by a vertical dotted line
        (``gid="best_epoch"``) labelled with the epoch and loss.  The legend
        sits above the axes, so no line crosses it.

    Raises
    ------
    ValueError
        If a required column is missing.
    """
    missing = [c for c in ("epoch", "train_loss", "val_loss") if c not in history.columns]
    if missing:
        raise ValueError(
            f"plot_history: history lacks column(s) {', '.join(missing)}; "
            f"it has {', '.join(map(str, history.columns))}"
        )
    ax = _get_ax(ax, (5.5, 3.8))
    if "member" in history.columns and history["member"].nunique() > 1:
        return _plot_member_histories(history, ax)
    epoch = np.asarray(history["epoch"], dtype=float)
    train = np.asarray(history["train_loss"], dtype=float)
    val = np.asarray(history["val_loss"], dtype=float)

    ax.plot(epoch, train, color=split_color("train"), linewidth=1.5, label="training loss")
    if np.isfinite(val).any():
        ax.plot(epoch, val, color=split_color("val"), linewidth=1.5, label="validation loss")
        best = int(np.nanargmin(val))
        ax.axvline(
            epoch[best], color="black", linestyle=":", linewidth=1.2, gid="best_epoch",
            label=f"best validation: epoch {epoch[best]:g} (loss {val[best]:.3g})",
        )
    return _finish_loss_axes(ax)


def _plot_member_histories(history, ax):
    """plot_history for an ensemble: thin lines per member, best epochs as dots."""
    members = list(dict.fromkeys(history["member"]))
    for i, member in enumerate(members):
        h = history[history["member"] == member]
        epoch = np.asarray(h["epoch"], dtype=float)
        val = np.asarray(h["val_loss"], dtype=float)
        ax.plot(epoch, np.asarray(h["train_loss"], dtype=float), color=split_color("train"),
                linewidth=0.8, alpha=0.8, label="training loss" if i == 0 else None)
        if np.isfinite(val).any():
            ax.plot(epoch, val, color=split_color("val"), linewidth=0.8, alpha=0.8,
                    label="validation loss" if i == 0 else None)
            best = int(np.nanargmin(val))
            ax.plot(epoch[best], val[best], "o", color="black", markersize=3.5, gid="best_epoch",
                    label="best validation epoch" if i == 0 else None)
    ax.set_ylabel(f"Loss E (scaled units), {len(members)} ensemble members")
    return _finish_loss_axes(ax)


def _finish_loss_axes(ax):
    """Log loss axis, labels, legend and grid shared by both history figures."""
    ax.set_yscale("log")
    ax.set_xlabel("Epoch")
    if not ax.get_ylabel():
        ax.set_ylabel("Loss E (scaled units)")
    _readable_log_ticks(ax.yaxis)
    _legend_above(ax, ncols=2)
    _style_ax(ax)
    return ax


def plot_learning_curve(curve, x="n_train", quantities=None, ax=None, ylabel=None):
    """Error against training-set size or hidden units, one line per quantity.

    Parameters
    ----------
    curve : pandas.DataFrame
        As returned by :func:`geoinv.evaluation.learning_curves.sample_size_curve` or
        :func:`geoinv.evaluation.learning_curves.hidden_size_curve`: one row per
        training run, a column ``x`` and one column per quantity (e.g. the
        ID median relative error of each parameter).  Repeated runs (same
        ``x``) are drawn as their mean with a bar from min to max.
    x : str, optional
        Column on the x axis (log scale): ``"n_train"`` or ``"n_hidden"``.
    quantities : sequence of str, optional
        Columns to draw; default the parameter columns the curve lists in
        ``curve.attrs["quantities"]``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created if None.
    ylabel : str, optional
        Default: the metric the curve records (``curve.attrs["metric"]``).

    Returns
    -------
    ax : matplotlib.axes.Axes
        One Line2D per quantity (in order, labelled with its name); log-log
        axes when all values are positive.
    """
    if x not in curve.columns:
        raise ValueError(f"curve has no column {x!r}; it has {', '.join(map(str, curve.columns))}")
    if quantities is None:
        quantities = list(curve.attrs.get("quantities", []))
    missing = [q for q in quantities if q not in curve.columns]
    if missing or not quantities:
        raise ValueError(f"curve lacks the column(s) {', '.join(missing) or '(none given)'}")
    ax = _get_ax(ax, (5.5, 3.8))
    grouped = curve.groupby(x)[list(quantities)]
    mean, low, high = grouped.mean(), grouped.min(), grouped.max()
    xs = mean.index.to_numpy(dtype=float)
    for q in quantities:
        (line,) = ax.plot(xs, mean[q], marker="o", markersize=4, linewidth=1.5, label=q)
        if len(curve) > len(xs):   # repeats: min-max bars
            ax.vlines(xs, low[q], high[q], color=line.get_color(), linewidth=1.0, alpha=0.6)
    values = curve[list(quantities)].to_numpy(dtype=float)
    ax.set_xscale("log")
    if (values[np.isfinite(values)] > 0).all():
        ax.set_yscale("log")
        _readable_log_ticks(ax.yaxis)
    ax.set_xticks(xs, [f"{v:g}" for v in xs])     # label the sizes that were trained
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel({"n_train": "Training samples (forward runs)",
                   "n_hidden": "Hidden units"}.get(x, x))
    metric = curve.attrs.get("metric")
    ax.set_ylabel(ylabel or _METRIC_LABELS.get(metric, metric or "error"))
    _legend_above(ax, ncols=min(len(quantities), 5))
    _style_ax(ax)
    return ax
