"""The one look of every geoinv figure: colours, labels, line styles, helpers.

Every plotting module of :mod:`geoinv.viz` takes its colours and styles from
here, so a split, a method or "true vs predicted" look the same in every
figure; this is the only module whose private names the others import.

Splits are coloured consistently in every figure: ``test_id`` blue,
``test_ood`` red, ``train`` grey, ``val``/``validation`` green; other
splits take one of the remaining colours of the default cycle.  True models
are solid black, predicted ones dashed red; observed data are black markers.

Nothing here calls ``plt.show()`` or changes ``rcParams``; a caller that lets
a function create a figure owns it and should ``plt.close(fig)`` when done.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

__all__ = ["split_color", "split_label", "METHOD_LABELS"]

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
_OBS_KW = dict(fmt="o", color="black", elinewidth=0.8, capsize=1.5, label="observed")
"""Observed data along a profile or offsets (``Axes.errorbar``; add ``ms``)."""

METHOD_LABELS = {"network": "network", "lm": "LM (generic start)", "network_lm": "network -> LM"}
"""Readable name of each method (figure legends)."""

_METHOD_COLORS = {"network": "#7f7f7f", "lm": "#ff7f0e", "network_lm": "#2ca02c"}
_SPLIT_STYLES = {"test_id": "-", "test_ood": "--"}


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

