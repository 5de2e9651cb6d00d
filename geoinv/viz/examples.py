"""Inversion examples of any forward model: one row per example.

A row shows the true and predicted models (the network's, and network -> LM
when given, with an ensemble or posterior band where given) beside the
observed data and each model's response, drawn as the users of each method
expect to see them: a layered model on a log depth axis beside its sounding
(VES, MT), travel times beside the velocity-depth model (refraction), an
anomaly profile above a true-scale section of the buried body (gravity,
magnetics, SP).  The drawing is chosen by the forward
model's ``kind`` in :data:`EXAMPLE_FIGURES`; a kind not listed there gets
:func:`plot_generic_example`.  A new forward model gets its own figure by
registering a function with the signature of :func:`plot_generic_example`::

    EXAMPLE_FIGURES["my_kind"] = plot_my_example
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..forward.base import ForwardModel, LayeredForward
from ._entries import error_bars, model_entries
from .bodies import (plot_body_example, plot_self_potential_example, section_depth,
                     sp_section_depth)
from .layered import plot_layered_model_band
from .soundings import plot_mt_example, plot_refraction_example, plot_ves_example
from .style import (RESISTIVITY_LABEL, _legend_above, _prepare_figure, _style_ax, tex_symbol,
                    tex_unit)

__all__ = ["EXAMPLE_FIGURES", "plot_example", "plot_examples", "plot_generic_example",
           "plot_example_bands", "example_height", "examples_height"]


def plot_generic_example(forward, fig, model_true, model_pred, data_obs, data_pred, sigma=None,
                         title=None, legend=True, bands=None):
    """Default example figure: parameters (left) and data (right) by index.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
        For the labels and units.
    fig, model_true, model_pred, data_obs, data_pred, sigma, title, legend
        As :func:`plot_example`.
    bands : dict, optional
        Accepted for a common signature; not drawn.

    Returns
    -------
    fig
    """
    entries = model_entries(model_true, model_pred, data_pred)
    ax_m, ax_d = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 2]})
    k = np.arange(forward.n_params)
    for e in entries:
        true = e.key == "true"
        ax_m.plot(k, e.model, "o" if true else "x", color=e.style["color"],
                  mew=1 if true else 2, label=e.label)
    ax_m.set_xticks(k, [f"{tex_symbol(n)}\n({tex_unit(u)})" for n, u in
                        zip(forward.parameter_names, forward.parameter_units)], fontsize=8)
    if all((e.model > 0).all() for e in entries):
        ax_m.set_yscale("log")
    ax_m.set_ylabel("Parameter value")
    i = np.arange(forward.n_data)
    bars = error_bars(sigma, forward.n_data)
    ax_d.errorbar(i, data_obs, yerr=bars, fmt="o", ms=3, color="black", label="observed")
    for e in entries:
        if e.has_response:
            ax_d.plot(i, e.response, color=e.style["color"], linestyle="-",
                      label=e.response_label)
    ax_d.set_xlabel("Datum index")
    ax_d.set_ylabel(f"Data ({tex_unit(forward.data_units[0])})")
    for ax in (ax_m, ax_d):
        _style_ax(ax)
        if legend:
            _legend_above(ax, ncols=2)
    if title:
        fig.suptitle(title)
    return fig


EXAMPLE_FIGURES = {
    "ves": plot_ves_example,
    "mt": plot_mt_example,
    "refraction": plot_refraction_example,
    "gravity": plot_body_example,
    "magnetic": plot_body_example,
    "self_potential": plot_self_potential_example,
}
"""Registry: forward ``kind`` -> function drawing one example of it.

Each function takes ``(forward, fig, model_true, model_pred, data_obs,
data_pred, sigma=None, title=None, legend=True, bands=None)`` as
:func:`plot_generic_example` does, fills ``fig`` and returns it."""


def plot_example(forward, fig, model_true, model_pred, data_obs, data_pred, sigma=None,
                 title=None, legend=True, bands=None):
    """Draw one inversion example of any forward model (true vs predicted, data fit).

    The figure is the one registered for ``forward.kind`` in
    :data:`EXAMPLE_FIGURES`, else :func:`plot_generic_example`.  A forward
    model whose class still overrides the deprecated
    ``ForwardModel.plot_example`` is drawn by its own method.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
    fig : matplotlib Figure or SubFigure
        Where to draw (filled by this call).
    model_true : ndarray, shape (n_params,) or None
        None for field data.
    model_pred : ndarray, shape (n_params,), or dict of str to it
        The prediction, or several models by label in drawing order, e.g.
        ``{"network": ..., "network_lm": ...}`` (method names are written
        out: "network -> LM").
    data_obs : ndarray, shape (n_data,)
        Observed data.
    data_pred : ndarray, shape (n_data,), or dict of str to it
        The responses of ``model_pred`` (NaN or None when a model is
        unphysical).
    sigma : ndarray, shape (n_data,) or (2, n_data), optional
        Standard deviation of ``data_obs`` (data units), or the lower and
        upper error-bar lengths, drawn as error bars.
    title : str, optional
    legend : bool
        Draw the legends, above the panels (the first row only of a grid).
    bands : dict of str to ndarray, shape (n_members, n_params), optional
        Models shaded as a band where the figure can (layered resistivity:
        ``"ensemble"`` mean +/- 2 sigma, ``"posterior"`` 5-95 %).

    Returns
    -------
    fig
    """
    args = (fig, model_true, model_pred, data_obs, data_pred)
    options = dict(sigma=sigma, title=title, legend=legend)
    if type(forward).plot_example is not ForwardModel.plot_example:   # a subclass's own figure
        return forward.plot_example(*args, **options)
    draw = EXAMPLE_FIGURES.get(forward.kind, plot_generic_example)
    return draw(forward, *args, bands=bands, **options)


def _row(values, i):
    """Row i of an array or of every array of a dict (None stays None)."""
    if values is None:
        return None
    if isinstance(values, Mapping):
        return {k: None if v is None else np.asarray(v)[i] for k, v in values.items()}
    return np.asarray(values)[i]


def plot_examples(forward, models_true, models_pred, data_obs, data_pred, sigma=None,
                  titles=None, fig=None, bands=None):
    """Several inversion examples of any forward model, one row each.

    Each row is drawn by :func:`plot_example` (a layered model beside its
    sounding for VES, an anomaly profile above the body for potential
    fields, ...), so this works for every method.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
    models_true : array_like, shape (n_examples, n_params), or None
    models_pred : array_like, shape (n_examples, n_params), or dict of str to it
        One prediction per example, or several by label
        (``{"network": ..., "network_lm": ...}``).
    data_obs : array_like, shape (n_examples, n_data)
    data_pred : array_like, shape (n_examples, n_data), or dict of str to it
    sigma : array_like, shape (n_examples, n_data), optional
    titles : sequence of str, optional
    fig : matplotlib.figure.Figure, optional
    bands : dict of str to array_like, shape (n_members, n_examples, n_params), optional
        Members (ensemble) or samples (posterior) of every example.

    Returns
    -------
    matplotlib.figure.Figure
        One sub-figure per example, its height in proportion to
        :func:`example_height` (a deep body gets a taller row); the legends
        in the first row only.
    """
    if not isinstance(models_pred, Mapping):
        models_pred = np.atleast_2d(np.asarray(models_pred, dtype=float))
    first = next(iter(models_pred.values())) if isinstance(models_pred, Mapping) else models_pred
    n = len(np.atleast_2d(np.asarray(first, dtype=float)))
    fig = _prepare_figure(fig, (9.0, 3.0 * n))
    rows = [_row_models(models_true, models_pred, i) for i in range(n)]
    width = fig.figure.get_figwidth()
    subfigs = np.atleast_1d(fig.subfigures(
        n, 1, height_ratios=[example_height(forward, r, width) for r in rows]))
    for i, sub in enumerate(subfigs):
        band = None if bands is None else {k: np.asarray(v)[:, i] for k, v in bands.items()}
        pred = _row(models_pred, i)
        plot_example(
            forward, sub, _row(models_true, i), pred, _row(data_obs, i), _row(data_pred, i),
            sigma=_row(sigma, i), title=None if titles is None else titles[i],
            legend=(i == 0), bands=band)
    return fig


def _row_models(models_true, models_pred, i):
    """The finite models drawn in row i: (n_models, n_params)."""
    pred = _row(models_pred, i)
    rows = list(pred.values()) if isinstance(pred, Mapping) else [pred]
    if models_true is not None:
        rows.append(_row(models_true, i))
    rows = np.array([np.asarray(r, dtype=float) for r in rows if r is not None])
    return rows[np.isfinite(rows).all(axis=1)]


def examples_height(forward, models_true, models_pred, width):
    """Height (inches) of :func:`plot_examples`' figure: the sum of its rows' heights.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
    models_true : array_like, shape (n_examples, n_params), or None
    models_pred : array_like, shape (n_examples, n_params), or dict of str to it
    width : float
        Figure width (inches).

    Returns
    -------
    float
    """
    first = next(iter(models_pred.values())) if isinstance(models_pred, Mapping) else models_pred
    n = len(np.atleast_2d(np.asarray(first, dtype=float)))
    return float(sum(example_height(forward, _row_models(models_true, models_pred, i), width)
                     for i in range(n)))


def example_height(forward, models, width):
    """Height (inches) of one example row of ``forward`` drawn ``width`` inches wide.

    Soundings and travel times take 3.2 in; a potential-field or SP example
    the height its true-scale section needs for the deepest of ``models``
    (:func:`geoinv.viz.bodies.section_rows`) plus 3.3 in for the anomaly
    panel, title, legend and labels (at most 10 in).

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
    models : array_like, shape (n_models, n_params)
        Every model the rows will draw (true and predicted).
    width : float
        Figure width (inches).

    Returns
    -------
    float
    """
    x = getattr(forward, "x", None)
    if forward.kind not in ("gravity", "magnetic", "self_potential") or x is None:
        return 3.2
    models = [np.asarray(m, dtype=float) for m in np.atleast_2d(models)]
    if not models:
        return 3.2
    if forward.kind == "self_potential":
        depth = 1.25 * sp_section_depth(models)
    else:
        depth = section_depth(forward.body, models, x)
    span = 1.06 * float(np.ptp(x)) if np.size(x) > 1 else 1.0
    return float(min(3.3 + 1.15 * (width - 1.3) * depth / span + 0.1, 10.0))


def plot_example_bands(fig, forward, members):
    """Shade an ensemble's spread on the resistivity panel of each example row.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Filled by :func:`plot_examples` with ``forward``: row i is a
        sub-figure whose layered-model panel (resistivity against depth, as
        :func:`geoinv.viz.plot_layered_model` labels it) gets the band of
        :func:`geoinv.viz.plot_layered_model_band`.  (``plot_examples(...,
        bands={"ensemble": members})`` draws the band under the lines in
        one call.)
    forward : geoinv.forward.ForwardModel
        Only layered models (:class:`geoinv.forward.LayeredForward`) are
        shaded; rows without a resistivity panel (refraction's velocities)
        are left alone.
    members : ndarray, shape (n_members, n_examples, n_params)
        The members' models of each example.

    Returns
    -------
    fig
    """
    if not isinstance(forward, LayeredForward):
        return fig
    n = forward.n_layers
    for i, sub in enumerate(fig.subfigs):
        panels = [ax for ax in sub.axes if ax.get_xlabel() == RESISTIVITY_LABEL]
        if not panels:
            continue
        ax = panels[0]
        plot_layered_model_band(members[:, i, :n], members[:, i, n:], ax=ax,
                                depth_max=ax.get_ylim()[0])
        if i == 0:
            _legend_above(ax, ncols=2)
    return fig
