"""Figures of a geoinv run: training history, ID/OOD accuracy, reconstructions.

Every function takes plain arrays or pandas DataFrames (never a network or a
forward-model object), draws on the Axes or Figure it is given, creates a
figure only when it is given none, and returns what it drew on.  Nothing here
calls ``plt.show()`` or changes ``rcParams``; a caller that lets a function
create a figure owns it and should ``plt.close(fig)`` when done.

Conventions (shared/DESIGN.md): layers are numbered top-down and a layered
model vector is ``[rho_1 .. rho_N, h_1 .. h_(N-1)]`` (ohm.m, m), the last layer
a half-space; arrays have samples on axis 0.  Depth axes increase downward.

Splits are coloured consistently in every figure: ``test_id`` blue,
``test_ood`` red, ``train`` grey, ``val``/``validation`` green; other
splits take one of the remaining colours of the default cycle.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from ..evaluation.metrics import FIT_THRESHOLD

__all__ = [
    "plot_examples",
    "plot_misfit_by_method",
    "METHOD_LABELS",
    "plot_generic_example",
    "plot_history",
    "plot_learning_curve",
    "plot_predicted_vs_true",
    "plot_layered_model",
    "plot_layered_model_band",
    "plot_sounding",
    "plot_ves_reconstruction",
    "plot_ves_reconstructions",
    "plot_metric_summary",
    "plot_misfit_histogram",
    "split_color",
    "split_label",
]

# --------------------------------------------------------------------------
# Shared look
# --------------------------------------------------------------------------

_SPLIT_COLORS = {
    "test_id": "#1f77b4",   # tab:blue
    "test_ood": "#d62728",  # tab:red
    "train": "#7f7f7f",     # tab:gray
    "val": "#2ca02c",       # tab:green
    "validation": "#2ca02c",
}
_OTHER_COLORS = ["#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf"]

_SPLIT_LABELS = {
    "test_id": "test ID",
    "test_ood": "test OOD",
    "train": "train",
    "val": "validation",
    "validation": "validation",
}

_SPLIT_ORDER = ["train", "val", "validation", "test_id", "test_ood"]

_METRIC_LABELS = {
    "median_rel_err": "Median relative error (-)",
    "mean_rel_err": "Mean relative error (-)",
    "rmse_log10": "RMSE of log10 values (decades)",
    "rmse": "RMSE (parameter units)",
    "median_rms_misfit": "Median RMS data misfit (noise std)",
}

_GRID_KW = dict(color="0.88", linewidth=0.6)
_TRUE_KW = dict(color="black", linestyle="-", linewidth=2.0, label="true")
_PRED_KW = dict(color="#d62728", linestyle="--", linewidth=2.0, label="predicted")


def split_color(split):
    """Return the colour used for a split in every figure.

    Parameters
    ----------
    split : str
        Split name, e.g. ``"test_id"``.

    Returns
    -------
    str
        A matplotlib colour.  Unknown names get a stable colour derived from
        the name, so the same split has the same colour in every figure.
    """
    if split in _SPLIT_COLORS:
        return _SPLIT_COLORS[split]
    index = sum(ord(c) for c in str(split)) % len(_OTHER_COLORS)
    return _OTHER_COLORS[index]


def split_label(split):
    """Return the legend label of a split (``"test_ood"`` -> ``"test OOD"``)."""
    return _SPLIT_LABELS.get(split, str(split))


def _new_figure(figsize):
    """Create the one figure a function needs (the only use of pyplot state)."""
    return plt.figure(figsize=figsize, layout="constrained")


def _prepare_figure(fig, figsize):
    """Return ``fig``, or a new figure; give a bare root Figure a layout engine.

    Multi-panel figures need constrained layout to keep labels from
    overlapping; a given Figure without any layout engine gets one (a
    SubFigure follows its root figure and is left alone).
    """
    if fig is None:
        return _new_figure(figsize)
    if fig is fig.figure and fig.get_layout_engine() is None:
        fig.set_layout_engine("constrained")
    return fig


def _get_ax(ax, figsize):
    if ax is None:
        ax = _new_figure(figsize).add_subplot()
    return ax


def _style_ax(ax):
    ax.grid(True, which="major", **_GRID_KW)
    ax.set_axisbelow(True)


def _readable_log_ticks(axis):
    """Keep log tick labels readable when less than ~2 decades are shown.

    With fewer than two powers of ten in view, matplotlib labels the minor
    ticks in scientific notation and the labels collide on narrow panels.
    Then label 1-2-5 steps in plain numbers instead (or, if fewer than two
    of those are in view either, a few evenly spaced round numbers) and
    leave the minor ticks unlabelled.

    Parameters
    ----------
    axis : matplotlib.axis.Axis
        A log-scaled ``ax.xaxis`` or ``ax.yaxis`` whose limits are final.
    """
    lo, hi = sorted(axis.get_view_interval())
    if not lo > 0:
        return
    powers = np.arange(np.ceil(np.log10(lo) - 1e-9), np.floor(np.log10(hi) + 1e-9) + 1)
    if powers.size >= 2:
        return
    k = np.arange(np.floor(np.log10(lo)), np.ceil(np.log10(hi)) + 1)
    steps = (np.array([1.0, 2.0, 5.0])[:, np.newaxis] * 10.0**k).ravel()
    if ((steps >= lo) & (steps <= hi)).sum() >= 2:
        axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    else:
        axis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(FuncFormatter(lambda v, pos: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def _has_constrained_layout(fig):
    root = fig.figure  # the root Figure, also when fig is a SubFigure
    return isinstance(root.get_layout_engine(), ConstrainedLayoutEngine)


def _ordered_splits(splits):
    """Known splits in pipeline order, then the others in order of appearance."""
    splits = list(dict.fromkeys(splits))
    known = [s for s in _SPLIT_ORDER if s in splits]
    return known + [s for s in splits if s not in _SPLIT_ORDER]


# --------------------------------------------------------------------------
# 1. Training history
# --------------------------------------------------------------------------

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
        (``gid="best_epoch"``) labelled with the epoch and loss.

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
    ax.set_yscale("log")
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Loss E (scaled units)")
    ax.legend(loc="upper right", frameon=False)
    _style_ax(ax)
    return ax


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
    ax.set_yscale("log")
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Loss E (scaled units)")
    ax.set_title(f"{len(members)} ensemble members", fontsize="medium")
    ax.legend(loc="upper right", frameon=False)
    _style_ax(ax)
    return ax


# --------------------------------------------------------------------------
# 2. Predicted vs true, per parameter
# --------------------------------------------------------------------------

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
        Panels per row.
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

    n_cols = min(max_cols, n_params)
    n_rows = math.ceil(n_params / n_cols)
    fig = _prepare_figure(fig, (3.1 * n_cols, 3.1 * n_rows + 0.5))
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
    for ax in axes[n_params:]:
        ax.remove()
    axes = axes[:n_params]

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
        for k, label in zip(keys, labels):
            color = split_color(k) if k is not None else split_color("test_id")
            if std is not None:
                ax.errorbar(true[k][:, j], pred[k][:, j], yerr=bars[k], fmt="none",
                            ecolor=color, elinewidth=0.5, alpha=0.3, gid="error_bars")
            pc = ax.scatter(true[k][:, j], pred[k][:, j], s=7, color=color, alpha=0.55,
                            linewidths=0, label=label, rasterized=true[k].shape[0] > 2000)
            if label is not None:
                handles.setdefault(label, pc)
        ax.set_aspect("equal", adjustable="box")
        if log[j]:
            _readable_log_ticks(ax.xaxis)
            _readable_log_ticks(ax.yaxis)
        ax.set_title(names[j])
        ax.set_xlabel(f"True {names[j]} ({units[j]})")
        ax.set_ylabel(f"Predicted {names[j]} ({units[j]})")
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


def _error_bars(pred, std, n_sigma, log):
    """(lower, upper) bar lengths of pred +/- n_sigma std (declared scale), physical units."""
    if log:
        return pred * (1.0 - 10.0 ** (-n_sigma * std)), pred * (10.0 ** (n_sigma * std) - 1.0)
    return n_sigma * std, n_sigma * std


# --------------------------------------------------------------------------
# 3. Layered model
# --------------------------------------------------------------------------

def _check_layered(rho, thickness):
    rho = np.asarray(rho, dtype=float)
    thickness = np.asarray(thickness, dtype=float)
    if rho.ndim != 1 or rho.size < 1:
        raise ValueError(f"rho must have shape (n_layers,); got {rho.shape}")
    if thickness.shape != (rho.size - 1,):
        raise ValueError(
            f"thickness must have shape ({rho.size - 1},) for {rho.size} resistivities; "
            f"got {thickness.shape}"
        )
    problems = [f"rho_{i + 1} = {v:g}" for i, v in enumerate(rho)
                if not (np.isfinite(v) and v > 0)]
    problems += [f"h_{i + 1} = {v:g}" for i, v in enumerate(thickness)
                 if not (np.isfinite(v) and v > 0)]
    if problems:
        raise ValueError(
            "layered model values must be finite and > 0; offending: " + ", ".join(problems)
        )
    return rho, thickness


def plot_layered_model(rho, thickness, ax=None, depth_max=None, **line_kw):
    """Step plot of resistivity against depth (depth increasing downward).

    Parameters
    ----------
    rho : array_like, shape (n_layers,)
        Layer resistivities, top-down (ohm.m).
    thickness : array_like, shape (n_layers - 1,)
        Thicknesses of the upper layers, top-down (m); the last layer is a
        half-space.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created if None.
    depth_max : float, optional
        Depth (m) at which the drawn half-space stops.  Must exceed the total
        thickness of the upper layers.  Default: 1.5 x that total (10 m for a
        uniform half-space).  To compare models on one Axes, pass them the
        same ``depth_max``.
    **line_kw
        Passed to ``Axes.plot`` (e.g. ``label``, ``color``, ``linestyle``,
        ``linewidth``).

    Returns
    -------
    ax : matplotlib.axes.Axes
        The drawn line has x data ``[rho_1, rho_1, rho_2, rho_2, ..., rho_N,
        rho_N]`` and y data ``[0, z_1, z_1, z_2, ..., z_(N-1), depth_max]``
        with ``z_i = h_1 + ... + h_i``.  x axis logarithmic, y axis inverted
        from ``depth_max`` (or a deeper earlier one on the same Axes) to 0.

    Raises
    ------
    ValueError
        If shapes disagree, a value is not finite and positive, or
        ``depth_max`` does not reach below the last interface.
    """
    rho, thickness = _check_layered(rho, thickness)
    interfaces = np.cumsum(thickness)
    total = interfaces[-1] if interfaces.size else 0.0
    if depth_max is None:
        depth_max = 1.5 * total if total > 0 else 10.0
    elif not depth_max > total:
        raise ValueError(
            f"depth_max = {depth_max:g} m must exceed the depth of the last interface "
            f"({total:g} m)"
        )
    ax = _get_ax(ax, (3.6, 4.5))
    # Keep the deepest range already shown, so a second model stays visible.
    reuse = ax.yaxis_inverted() and len(ax.lines) > 0
    bottom = max(depth_max, ax.get_ylim()[0]) if reuse else depth_max

    boundaries = np.concatenate([[0.0], interfaces, [depth_max]])
    x = np.repeat(rho, 2)
    y = np.repeat(boundaries, 2)[1:-1]
    kw = {"linewidth": 2.0}
    kw.update(line_kw)
    ax.plot(x, y, **kw)

    ax.set_xscale("log")
    ax.set_ylim(bottom, 0.0)
    _readable_log_ticks(ax.xaxis)
    ax.set_xlabel("Resistivity (ohm.m)")
    ax.set_ylabel("Depth (m)")
    _style_ax(ax)
    return ax


def plot_layered_model_band(rho, thickness, ax=None, depth_max=None, n_sigma=2.0,
                            n_depths=400, **fill_kw):
    """Shaded band of an ensemble of layered models against depth.

    At every depth z the members' resistivities rho_i(z) are taken in log10;
    the band spans 10**(mean -/+ n_sigma * std) of them (std with ddof = 1),
    the spread of the ensemble of models in the same declared scale as its
    parameters.  Draw the ensemble mean or the true model on top with
    :func:`plot_layered_model`.

    Parameters
    ----------
    rho : array_like, shape (n_members, n_layers)
        Layer resistivities of each member, top-down (ohm.m).
    thickness : array_like, shape (n_members, n_layers - 1)
        Thicknesses (m); the last layer is a half-space.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created if None.
    depth_max : float, optional
        Depth (m) the band reaches; default the current bottom of ``ax`` if
        it already shows a model, else 1.5 x the deepest interface.
    n_sigma : float, optional
        Half-width of the band in standard deviations.
    n_depths : int, optional
        Depths sampled between 0 and ``depth_max``.
    **fill_kw
        Passed to ``Axes.fill_betweenx`` (``color``, ``alpha``, ``label``).

    Returns
    -------
    ax : matplotlib.axes.Axes
        The band is a PolyCollection with ``gid="model_band"``.

    Raises
    ------
    ValueError
        If shapes disagree or a value is not finite and positive.
    """
    rho = np.atleast_2d(np.asarray(rho, dtype=float))
    thickness = np.asarray(thickness, dtype=float).reshape(rho.shape[0], -1)
    for r, h in zip(rho, thickness):
        _check_layered(r, h)
    interfaces = np.cumsum(thickness, axis=1)
    ax = _get_ax(ax, (3.6, 4.5))
    if depth_max is None:
        deepest = interfaces.max() if interfaces.size else 0.0
        depth_max = 1.5 * deepest if deepest > 0 else 10.0
        if ax.yaxis_inverted() and len(ax.lines) > 0:
            depth_max = ax.get_ylim()[0]
    z = np.linspace(0.0, depth_max, n_depths)
    layer = (z[None, :, None] > interfaces[:, None, :]).sum(axis=2)   # (K, n_depths)
    log_rho = np.log10(np.take_along_axis(rho, layer, axis=1))
    centre = log_rho.mean(axis=0)
    spread = log_rho.std(axis=0, ddof=1) if rho.shape[0] > 1 else np.zeros_like(centre)
    kw = {"color": _PRED_KW["color"], "alpha": 0.2, "linewidth": 0,
          "label": f"ensemble +/- {n_sigma:g} sigma"}
    kw.update(fill_kw)
    ax.fill_betweenx(z, 10 ** (centre - n_sigma * spread), 10 ** (centre + n_sigma * spread),
                     gid="model_band", **kw)
    ax.set_xscale("log")
    if not ax.yaxis_inverted():
        ax.set_ylim(depth_max, 0.0)
    ax.set_xlabel("Resistivity (ohm.m)")
    ax.set_ylabel("Depth (m)")
    _style_ax(ax)
    return ax


# --------------------------------------------------------------------------
# 4. Sounding curve
# --------------------------------------------------------------------------

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
    if style not in ("data", "model"):
        raise ValueError(f"style must be 'data' or 'model'; got {style!r}")
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


# --------------------------------------------------------------------------
# 5-6. VES reconstructions
# --------------------------------------------------------------------------

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
    rho_p, h_p = _split_model(model_pred, n_layers, "model_pred")
    if model_true is not None:
        rho_t, h_t = _split_model(model_true, n_layers, "model_true")
    if axes is not None:
        ax_model, ax_data = axes
        fig = ax_model.figure  # the (Sub)Figure holding the Axes
    else:
        fig = _prepare_figure(fig, (8.5, 3.8))
        ax_model, ax_data = fig.subplots(1, 2, width_ratios=[1, 1.25])

    totals = [h_p.sum()] + ([h_t.sum()] if model_true is not None else [])
    depth_max = 1.5 * max(totals) if max(totals) > 0 else 10.0
    if model_true is not None:
        plot_layered_model(rho_t, h_t, ax=ax_model, depth_max=depth_max, **_TRUE_KW)
    plot_layered_model(rho_p, h_p, ax=ax_model, depth_max=depth_max, **_PRED_KW)
    ax_model.set_title("Layered model", fontsize="medium")

    plot_sounding(ab2, data_obs, ax=ax_data, sigma=sigma, style="data", label="observed")
    if data_pred is not None:
        plot_sounding(ab2, data_pred, ax=ax_data, style="model", color=_PRED_KW["color"],
                      label="response of predicted model")
    ax_data.set_title("Sounding", fontsize="medium")
    if legend:
        ax_model.legend(loc="best", fontsize="small")
        ax_data.legend(loc="best", fontsize="small")
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
    if data_obs.shape[0] != n:
        raise ValueError(f"data_obs has {data_obs.shape[0]} rows; models_pred has {n}")
    if models_true is not None:
        models_true = np.atleast_2d(np.asarray(models_true, dtype=float))
        if models_true.shape[0] != n:
            raise ValueError(f"models_true has {models_true.shape[0]} rows; models_pred has {n}")
    if data_pred is not None:
        data_pred = np.atleast_2d(np.asarray(data_pred, dtype=float))
        if data_pred.shape[0] != n:
            raise ValueError(f"data_pred has {data_pred.shape[0]} rows; models_pred has {n}")
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles needs {n} entries; got {len(titles)}")
    if sigma is not None and np.ndim(sigma) == 2:
        sigma = np.asarray(sigma, dtype=float)
        if sigma.shape[0] != n:
            raise ValueError(f"sigma has {sigma.shape[0]} rows; models_pred has {n}")

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


def plot_examples(forward, models_true, models_pred, data_obs, data_pred, sigma=None,
                  titles=None, fig=None):
    """Several inversion examples of any forward model, one row each.

    Each row is drawn by ``forward.plot_example`` (a layered model beside its
    sounding for VES, an anomaly profile above the body for potential
    fields, ...), so this works for every method.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
    models_true : array_like, shape (n_examples, n_params), or None
    models_pred : array_like, shape (n_examples, n_params)
    data_obs : array_like, shape (n_examples, n_data)
    data_pred : array_like, shape (n_examples, n_data)
    sigma : array_like, shape (n_examples, n_data), optional
    titles : sequence of str, optional
    fig : matplotlib.figure.Figure, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    models_pred = np.atleast_2d(np.asarray(models_pred, dtype=float))
    n = len(models_pred)
    fig = _prepare_figure(fig, (9.0, 3.0 * n))
    subfigs = np.atleast_1d(fig.subfigures(n, 1))
    for i, sub in enumerate(subfigs):
        forward.plot_example(
            sub, None if models_true is None else np.asarray(models_true)[i], models_pred[i],
            np.asarray(data_obs)[i], np.asarray(data_pred)[i],
            sigma=None if sigma is None else np.asarray(sigma)[i],
            title=None if titles is None else titles[i], legend=(i == 0))
    return fig


def plot_generic_example(forward, fig, model_true, model_pred, data_obs, data_pred, sigma=None,
                         title=None, legend=True):
    """Default example figure: parameters (left) and data (right) by index.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
        For the labels and units.
    fig : matplotlib Figure or SubFigure
    model_true : ndarray, shape (n_params,) or None
    model_pred : ndarray, shape (n_params,)
    data_obs, data_pred : ndarray, shape (n_data,)
    sigma : ndarray, shape (n_data,), optional
    title : str, optional
    legend : bool

    Returns
    -------
    fig
    """
    ax_m, ax_d = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 2]})
    k = np.arange(forward.n_params)
    if model_true is not None:
        ax_m.plot(k, model_true, "o", color="black", label="true")
    ax_m.plot(k, model_pred, "x", color="tab:red", mew=2, label="predicted")
    ax_m.set_xticks(k, [f"{n}\n({u})" for n, u in zip(forward.parameter_names,
                                                      forward.parameter_units)], fontsize=8)
    if model_true is not None and (np.asarray(model_true) > 0).all() and (model_pred > 0).all():
        ax_m.set_yscale("log")
    ax_m.set_ylabel("Parameter value")
    i = np.arange(forward.n_data)
    ax_d.errorbar(i, data_obs, yerr=sigma, fmt="o", ms=3, color="black", label="observed")
    ax_d.plot(i, data_pred, "-", color="tab:red", label="response of predicted model")
    ax_d.set_xlabel("Datum index")
    ax_d.set_ylabel(f"Data ({forward.data_units[0]})")
    for ax in (ax_m, ax_d):
        _style_ax(ax)
        if legend:
            ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


# --------------------------------------------------------------------------
# 7. ID/OOD metric summary
# --------------------------------------------------------------------------

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
    ax.set_xticks(x, quantities)
    ax.set_xlabel("Parameter")
    ax.set_ylabel(_METRIC_LABELS.get(metric, metric))
    ax.legend(loc="best", frameon=False, fontsize="small")
    ax.grid(True, axis="y", which="major", **_GRID_KW)
    ax.set_axisbelow(True)
    return ax


# --------------------------------------------------------------------------
# 8. Data misfit histogram
# --------------------------------------------------------------------------

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
    lo, hi = pooled.min(), pooled.max()
    if hi <= lo * 1.0001:
        lo, hi = lo / 2, hi * 2
    edges = np.logspace(np.log10(lo), np.log10(hi), bins + 1)

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
    ax.set_xlim(edges[0], edges[-1])
    _readable_log_ticks(ax.xaxis)
    ax.set_xlabel("RMS data misfit (noise standard deviations)")
    ax.set_ylabel("Number of soundings")
    ax.legend(loc="best", fontsize="small", frameon=False)
    _style_ax(ax)
    return ax


# --------------------------------------------------------------------------
# 9. Learning curves
# --------------------------------------------------------------------------

def plot_learning_curve(curve, x="n_train", quantities=None, ax=None, ylabel=None):
    """Error against training-set size or hidden units, one line per quantity.

    Parameters
    ----------
    curve : pandas.DataFrame
        As returned by :func:`geoinv.learning_curves.sample_size_curve` or
        :func:`geoinv.learning_curves.hidden_size_curve`: one row per
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
    ax.legend(loc="best", fontsize="small", frameon=False)
    _style_ax(ax)
    return ax


METHOD_LABELS = {"network": "network", "lm": "LM (generic start)", "network_lm": "network -> LM"}
"""Readable name of each method (figure legends)."""

_METHOD_COLORS = {"network": "#7f7f7f", "lm": "#ff7f0e", "network_lm": "#2ca02c"}
_SPLIT_STYLES = {"test_id": "-", "test_ood": "--"}


def plot_misfit_by_method(misfits, ax=None, target=FIT_THRESHOLD):
    """Cumulative distributions of the RMS misfit, by method and split.

    Parameters
    ----------
    misfits : dict of str to dict of str to array_like
        ``{split: {method: rms (n_soundings,)}}``, e.g.
        ``{c.split: c.misfits for c in comparisons}``.  Non-finite misfits
        (unphysical models) count as not fitted: the curves end below 1.
    ax : matplotlib.axes.Axes, optional
        Drawn on; a new figure is made if None.
    target : float
        Fit threshold drawn as a vertical dashed line.

    Returns
    -------
    matplotlib.axes.Axes
        One curve per (split, method): colour = method, line style = split
        (solid ID, dashed OOD), the legend giving the fraction fitted.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
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
            ax.step(np.r_[lo, values[shown]], np.r_[0.0, share[shown]], where="post",
                    color=_METHOD_COLORS.get(method, None), linestyle=style,
                    label=f"{split}, {METHOD_LABELS.get(method, method)}: "
                          f"{100 * fitted:.1f} % <= {target:g}")
    ax.axvline(target, color="black", linestyle="--", linewidth=1.0, gid="target")
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("RMS data misfit (noise standard deviations)")
    ax.set_ylabel("Fraction of soundings with misfit <= x")
    ax.grid(True, color="0.88", linewidth=0.6)
    ax.legend(loc="lower right", fontsize="small", frameon=False)
    return ax
