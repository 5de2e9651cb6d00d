"""The one look of every geoinv figure: colours, labels, units, line styles, helpers.

Every plotting module of :mod:`geoinv.viz` takes its colours, line styles,
axis labels and units from here, so a split, a method or "true vs network"
look the same in every figure; this is the only module whose private names
the others import.

- Splits: ``test_id`` blue, ``test_ood`` red, ``train`` grey,
  ``val``/``validation`` green; other splits one of the remaining colours.
- Models (:func:`model_style`): the true model solid black, the network's
  dashed red, network -> LM solid green, LM from a generic start orange;
  a band of models (ensemble spread, posterior) shaded in its colour.
  Observed data are black markers with error bars.
- Labels are matplotlib mathtext: parameter names through
  :func:`tex_symbol` (``rho_1`` -> :math:`\\rho_1`), units through
  :func:`tex_unit` (``ohm.m`` -> :math:`\\Omega\\cdot` m, ``kg/m^3`` with a
  superscript), axis labels from the constants below.

Nothing here calls ``plt.show()`` or changes ``rcParams``; a caller that lets
a function create a figure owns it and should ``plt.close(fig)`` when done.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

__all__ = ["split_color", "split_label", "METHOD_LABELS", "model_style", "tex_symbol",
           "tex_unit", "quantity_label", "RESISTIVITY_LABEL", "APPARENT_RESISTIVITY_LABEL",
           "DEPTH_LABEL", "PHASE_LABEL", "PERIOD_LABEL", "AB2_LABEL", "RMS_MISFIT_LABEL"]

# -- splits ---------------------------------------------------------------------------
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
_SPLIT_STYLES = {"test_id": "-", "test_ood": "--"}

# -- axis labels (mathtext) ---------------------------------------------------------------
RESISTIVITY_LABEL = r"Resistivity $\rho$ ($\Omega\cdot$m)"
"""Label of a resistivity axis."""
APPARENT_RESISTIVITY_LABEL = r"Apparent resistivity $\rho_a$ ($\Omega\cdot$m)"
"""Label of an apparent-resistivity axis (VES, MT)."""
DEPTH_LABEL = "Depth (m)"
"""Label of every depth axis (positive down)."""
PHASE_LABEL = r"Phase $\varphi$ (°)"
"""Label of an MT phase axis."""
PERIOD_LABEL = "Period T (s)"
"""Label of an MT period axis."""
AB2_LABEL = "AB/2 (m)"
"""Label of a Schlumberger half-spacing axis."""
RMS_MISFIT_LABEL = "RMS data misfit (noise standard deviations)"
"""Label of an RMS misfit axis (1 = fits to the noise level)."""
VELOCITY_LABEL = "Velocity (m/s)"
OFFSET_LABEL = "Offset (m)"
TRAVEL_TIME_LABEL = "First-arrival time (ms)"
POSITION_LABEL = "Position x along profile (m)"

_METRIC_LABELS = {
    "median_rel_err": "Median relative error (-)",
    "mean_rel_err": "Mean relative error (-)",
    "rmse_log10": r"RMSE of $\log_{10}$ values (decades)",
    "rmse": "RMSE (parameter units)",
    "median_rms_misfit": "Median RMS data misfit (noise std)",
}

_GREEK = {"rho": r"\rho", "chi": r"\chi", "theta": r"\theta", "phi": r"\varphi",
          "sigma": r"\sigma", "tau": r"\tau", "alpha": r"\alpha", "beta": r"\beta",
          "delta": r"\delta", "mu": r"\mu", "lambda": r"\lambda", "omega": r"\omega",
          "drho": r"\Delta\rho", "dT": r"\Delta T", "dchi": r"\Delta\chi"}
_UNIT_WORDS = {"deg": "°", "degrees": "°", "SI": "SI", "-": "-", "": ""}


def tex_symbol(name):
    """The mathtext symbol of a parameter or datum name.

    Greek names become Greek letters and what follows the first ``_`` (or a
    trailing number) a subscript; ``drho`` and ``dT`` become
    :math:`\\Delta\\rho` and :math:`\\Delta T`.  Names that are words
    (``depth``, ``radius``) stay plain text.

    Parameters
    ----------
    name : str

    Returns
    -------
    str

    Examples
    --------
    >>> print(tex_symbol("rho_1"), tex_symbol("h_2"), tex_symbol("x0"), tex_symbol("drho"))
    $\\rho_{1}$ $h_{2}$ $x_{0}$ $\\Delta\\rho$
    >>> print(tex_symbol("depth"), tex_symbol("chi_t"))
    depth $\\chi_{t}$
    """
    name = str(name)
    match = re.fullmatch(r"([A-Za-z]+)_(\w+)", name) or re.fullmatch(r"([A-Za-z]+?)(\d+)", name)
    base, sub = (match.group(1), match.group(2)) if match else (name, "")
    if base in _GREEK:
        base = _GREEK[base]
    elif len(base) > 2 or not base.isalpha():
        return name                                   # a word: plain text
    return f"${base}_{{{sub}}}$" if sub else f"${base}$"


def tex_unit(unit):
    """The mathtext form of a unit: ``ohm.m`` -> Omega.m, ``kg/m^3`` with a superscript.

    Parameters
    ----------
    unit : str
        As the forward models declare them (``"ohm.m"``, ``"kg/m^3"``,
        ``"mV.m^2"``, ``"deg"``, ``"m/s"``).

    Returns
    -------
    str

    Examples
    --------
    >>> print(tex_unit("ohm.m"), tex_unit("kg/m^3"), tex_unit("mV.m^2"), tex_unit("deg"))
    $\\Omega\\cdot$m kg/m$^{3}$ mV$\\cdot$m$^{2}$ °
    """
    unit = str(unit)
    if unit in _UNIT_WORDS:
        return _UNIT_WORDS[unit]
    text = re.sub(r"\^(-?\d+)", r"$^{\1}$", unit)
    text = re.sub(r"\bohm\b", r"$\\Omega$", text)
    text = re.sub(r"(?<=[A-Za-z$])\.(?=[A-Za-z$])", r"$\\cdot$", text)
    return text.replace("$$", "")


def quantity_label(name, unit, prefix=None):
    """Axis label ``"[prefix ]symbol (unit)"`` in mathtext, e.g. ``True $\\rho_1$ (...)``."""
    text = tex_symbol(name) if prefix is None else f"{prefix} {tex_symbol(name)}"
    return f"{text} ({tex_unit(unit)})" if unit not in ("", None) else text


# -- models and methods -------------------------------------------------------------------
METHOD_LABELS = {"network": "network", "lm": "LM (generic start)", "network_lm": "network -> LM"}
"""Readable name of each method (figure legends)."""

_METHOD_COLORS = {"network": "#d62728", "lm": "#ff7f0e", "network_lm": "#2ca02c"}
_MODEL_KEYS = {"predicted": "network", "network -> LM": "network_lm",
               "LM (generic start)": "lm", "LM": "lm"}
_MODEL_STYLES = {
    "true": dict(color="black", linestyle="-", linewidth=2.2),
    "network": dict(color=_METHOD_COLORS["network"], linestyle="--", linewidth=2.0),
    "network_lm": dict(color=_METHOD_COLORS["network_lm"], linestyle="-", linewidth=1.7),
    "lm": dict(color=_METHOD_COLORS["lm"], linestyle="-.", linewidth=1.7),
}
_BAND_COLORS = {"ensemble": _METHOD_COLORS["network"], "posterior": "#9467bd"}

_GRID_KW = dict(color="0.88", linewidth=0.6)
_TRUE_KW = dict(color="black", linestyle="-", linewidth=2.0, label="true")
_PRED_KW = dict(color="#d62728", linestyle="--", linewidth=2.0, label="predicted")
_OBS_KW = dict(fmt="o", color="black", elinewidth=0.8, capsize=1.5, label="observed")
"""Observed data along a profile or offsets (``Axes.errorbar``; add ``ms``)."""


def model_key(label):
    """The method a model label names: ``"network -> LM"`` -> ``"network_lm"``."""
    return _MODEL_KEYS.get(label, label)


def model_style(label, index=0):
    """Line keywords of a model drawn in every figure: colour, style, width, label.

    Parameters
    ----------
    label : str
        ``"true"``, a method (``"network"``, ``"network_lm"``, ``"lm"``) or
        its readable name (``"network -> LM"``), or ``"predicted"`` (drawn
        as the network).  Other labels take a colour of the remaining cycle
        by ``index``, dotted.
    index : int
        Position of an unknown label among the models drawn.

    Returns
    -------
    dict
        ``color``, ``linestyle``, ``linewidth`` and the legend ``label``.
    """
    key = model_key(label)
    style = dict(_MODEL_STYLES.get(key) or dict(
        color=_OTHER_COLORS[index % len(_OTHER_COLORS)], linestyle=":", linewidth=1.7))
    style["label"] = METHOD_LABELS.get(label, label)
    return style


def band_color(label):
    """Fill colour of a band of models (``"ensemble"``, ``"posterior"``, or another)."""
    for key, color in _BAND_COLORS.items():
        if str(label).startswith(key):
            return color
    return _OTHER_COLORS[1]


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


# -- figure helpers ---------------------------------------------------------------------
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


def _legend_above(ax, handles=None, ncols=None, **kw):
    """A legend outside ``ax``, just above it, so it never covers data."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    else:
        labels = [h.get_label() for h in handles]
    if not handles:
        return None
    # observed data first, then the models in the order drawn
    pairs = sorted(zip(handles, labels), key=lambda p: p[1] != "observed")
    handles, labels = [h for h, _ in pairs], [lab for _, lab in pairs]
    opts = dict(loc="lower left", bbox_to_anchor=(0.0, 1.01), fontsize="small", frameon=False,
                ncols=ncols or min(len(handles), 3), borderaxespad=0.0, handlelength=2.4)
    opts.update(kw)
    return ax.legend(handles, labels, **opts)


def _plain_number(value, pos=None):
    """Tick label of a log axis: plain numbers from 0.001 to 99999, powers of ten beyond."""
    if value <= 0:
        return ""
    if 1e-3 <= value < 1e5:
        return f"{value:g}"
    return f"$10^{{{np.log10(value):.0f}}}$" if np.isclose(np.log10(value) % 1, 0) else ""


def _readable_log_ticks(axis, plain=False):
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
    plain : bool
        Label the powers of ten as plain numbers (``0.1, 1, 10, 100``, as
        depths read) when two or more are in view, with the 1-2-5 steps
        between them over less than 2 decades and the 1-3 steps over less
        than 3.5.
    """
    lo, hi = sorted(axis.get_view_interval())
    if not lo > 0:
        return
    powers = np.arange(np.ceil(np.log10(lo) - 1e-9), np.floor(np.log10(hi) + 1e-9) + 1)
    if powers.size >= 2:
        if plain:
            decades = np.log10(hi / lo)      # few decades: label 1-2-5 or 1-3 steps as well
            if decades < 3.5:
                subs = (1.0, 2.0, 5.0) if decades < 2.0 else (1.0, 3.0)
                axis.set_major_locator(LogLocator(subs=subs))
            axis.set_major_formatter(FuncFormatter(_plain_number))
            axis.set_minor_formatter(NullFormatter())
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
