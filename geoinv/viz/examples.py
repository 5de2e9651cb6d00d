"""Inversion examples of any forward model: one row per example.

A row shows the true and predicted models beside the observed data and the
response of the predicted model, drawn as the users of each method expect
to see them: a layered model beside its sounding (VES, MT), travel times
beside the velocity-depth model (refraction), an anomaly profile above the
buried body (gravity, magnetics, SP).  The drawing is chosen by the forward
model's ``kind`` in :data:`EXAMPLE_FIGURES`; a kind not listed there gets
:func:`plot_generic_example`.  A new forward model gets its own figure by
registering a function with the signature of :func:`plot_generic_example`::

    EXAMPLE_FIGURES["my_kind"] = plot_my_example
"""

from __future__ import annotations

import numpy as np

from ..forward.base import ForwardModel, LayeredForward
from .bodies import plot_body_example, plot_self_potential_example
from .layered import plot_layered_model_band
from .soundings import plot_mt_example, plot_refraction_example, plot_ves_example
from .style import _PRED_KW, _prepare_figure, _style_ax

__all__ = ["EXAMPLE_FIGURES", "plot_example", "plot_examples", "plot_generic_example",
           "plot_example_bands"]


def plot_generic_example(forward, fig, model_true, model_pred, data_obs, data_pred, sigma=None,
                         title=None, legend=True):
    """Default example figure: parameters (left) and data (right) by index.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
        For the labels and units.
    fig, model_true, model_pred, data_obs, data_pred, sigma, title, legend
        As :func:`plot_example`.

    Returns
    -------
    fig
    """
    ax_m, ax_d = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 2]})
    k = np.arange(forward.n_params)
    if model_true is not None:
        ax_m.plot(k, model_true, "o", color="black", label="true")
    ax_m.plot(k, model_pred, "x", color=_PRED_KW["color"], mew=2, label="predicted")
    ax_m.set_xticks(k, [f"{n}\n({u})" for n, u in zip(forward.parameter_names,
                                                      forward.parameter_units)], fontsize=8)
    if model_true is not None and (np.asarray(model_true) > 0).all() and (model_pred > 0).all():
        ax_m.set_yscale("log")
    ax_m.set_ylabel("Parameter value")
    i = np.arange(forward.n_data)
    ax_d.errorbar(i, data_obs, yerr=sigma, fmt="o", ms=3, color="black", label="observed")
    ax_d.plot(i, data_pred, "-", color=_PRED_KW["color"], label="response of predicted model")
    ax_d.set_xlabel("Datum index")
    ax_d.set_ylabel(f"Data ({forward.data_units[0]})")
    for ax in (ax_m, ax_d):
        _style_ax(ax)
        if legend:
            ax.legend(fontsize=8)
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
data_pred, sigma=None, title=None, legend=True)`` as
:func:`plot_generic_example` does, fills ``fig`` and returns it."""


def plot_example(forward, fig, model_true, model_pred, data_obs, data_pred, sigma=None,
                 title=None, legend=True):
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
    model_pred : ndarray, shape (n_params,)
    data_obs, data_pred : ndarray, shape (n_data,)
        Observed data and the response of ``model_pred`` (NaN or None when
        that model is unphysical).
    sigma : ndarray, shape (n_data,), optional
        Standard deviation of ``data_obs``, drawn as error bars.
    title : str, optional
    legend : bool
        Draw the legends (the first row of a grid only, say).

    Returns
    -------
    fig
    """
    args = (fig, model_true, model_pred, data_obs, data_pred)
    options = dict(sigma=sigma, title=title, legend=legend)
    if type(forward).plot_example is not ForwardModel.plot_example:   # a subclass's own figure
        return forward.plot_example(*args, **options)
    draw = EXAMPLE_FIGURES.get(forward.kind, plot_generic_example)
    return draw(forward, *args, **options)


def plot_examples(forward, models_true, models_pred, data_obs, data_pred, sigma=None,
                  titles=None, fig=None):
    """Several inversion examples of any forward model, one row each.

    Each row is drawn by :func:`plot_example` (a layered model beside its
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
        One sub-figure per example; the legends in the first row only.
    """
    models_pred = np.atleast_2d(np.asarray(models_pred, dtype=float))
    n = len(models_pred)
    fig = _prepare_figure(fig, (9.0, 3.0 * n))
    subfigs = np.atleast_1d(fig.subfigures(n, 1))
    for i, sub in enumerate(subfigs):
        plot_example(
            forward, sub, None if models_true is None else np.asarray(models_true)[i],
            models_pred[i], np.asarray(data_obs)[i], np.asarray(data_pred)[i],
            sigma=None if sigma is None else np.asarray(sigma)[i],
            title=None if titles is None else titles[i], legend=(i == 0))
    return fig


def plot_example_bands(fig, forward, members):
    """Shade an ensemble's spread on the resistivity panel of each example row.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Filled by :func:`plot_examples` with ``forward``: row i is a
        sub-figure whose layered-model panel (resistivity against depth, as
        :func:`geoinv.viz.plot_layered_model` labels it) gets the band of
        :func:`geoinv.viz.plot_layered_model_band`.
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
        panels = [ax for ax in sub.axes
                  if (ax.get_xlabel(), ax.get_ylabel()) == ("Resistivity (ohm.m)", "Depth (m)")]
        if not panels:
            continue
        ax = panels[0]
        plot_layered_model_band(members[:, i, :n], members[:, i, n:], ax=ax,
                                depth_max=ax.get_ylim()[0])
        if i == 0:
            ax.legend(loc="best", fontsize="small")
    return fig
