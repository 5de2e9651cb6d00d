"""What an example figure draws: models by label, their responses, error bars, bands.

Every example figure (:mod:`~geoinv.viz.soundings`, :mod:`~geoinv.viz.bodies`,
:mod:`~geoinv.viz.field`) takes the predicted model either as one array (drawn
as "predicted", the network's look) or as a dict ``{label: model}`` (e.g.
``{"network": ..., "network_lm": ...}``), with the responses in the same
form; :func:`model_entries` turns both into one list, in drawing order, with
the style of :func:`geoinv.viz.style.model_style`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .style import band_color, model_style

__all__ = ["Entry", "model_entries", "error_bars", "band_entries"]


@dataclass
class Entry:
    """One model of an example figure.

    Attributes
    ----------
    key : str
        ``"true"``, ``"predicted"`` or the caller's label (``"network"``...).
    model : ndarray, shape (n_params,)
    response : ndarray, shape (n_data,) or None
        Its simulated data; None (or NaN) when not given or unphysical.
    style : dict
        ``color``, ``linestyle``, ``linewidth``, ``label``.
    response_label : str
        Legend label of the response line.
    """

    key: str
    model: np.ndarray
    response: np.ndarray | None
    style: dict
    response_label: str

    @property
    def label(self):
        return self.style["label"]

    @property
    def has_response(self):
        return self.response is not None and bool(np.isfinite(self.response).all())


def model_entries(model_true, model_pred, data_pred):
    """The true model (if any) then each predicted model with its response.

    Parameters
    ----------
    model_true : array_like, shape (n_params,), or None
    model_pred : array_like, shape (n_params,), or dict of str to it
        One array is labelled "predicted" (its response "response of
        predicted model"); a dict keeps its labels in order, method names
        written out (``"network_lm"`` -> "network -> LM").
    data_pred : array_like, shape (n_data,), or None, or dict of str to it
        The responses, in the form of ``model_pred`` (a dict may lack keys).

    Returns
    -------
    list of Entry
    """
    entries = []
    if model_true is not None:
        entries.append(Entry("true", np.asarray(model_true, dtype=float), None,
                             model_style("true"), ""))
    if isinstance(model_pred, Mapping):
        responses = data_pred if isinstance(data_pred, Mapping) else {}
        for i, (key, model) in enumerate(model_pred.items()):
            style = model_style(key, i)
            response = responses.get(key)
            entries.append(Entry(key, np.asarray(model, dtype=float),
                                 None if response is None else np.asarray(response, dtype=float),
                                 style, f"response of {style['label']}"))
    else:
        style = model_style("predicted")
        entries.append(Entry("predicted", np.asarray(model_pred, dtype=float),
                             None if data_pred is None else np.asarray(data_pred, dtype=float),
                             style, "response of predicted model"))
    return entries


def error_bars(sigma, n_data):
    """Lower and upper error-bar lengths, shape (2, n_data), or None.

    Parameters
    ----------
    sigma : None, float, array_like of shape (n_data,) (symmetric bars) or (2, n_data)
        Standard deviations of the data (data units), or the lower and upper
        bar lengths (as ``Axes.errorbar``'s ``yerr``).
    n_data : int

    Returns
    -------
    ndarray, shape (2, n_data), or None
    """
    if sigma is None:
        return None
    sigma = np.asarray(sigma, dtype=float)
    if sigma.ndim == 2:
        if sigma.shape != (2, n_data):
            raise ValueError(f"sigma must have shape ({n_data},) or (2, {n_data}); "
                             f"got {sigma.shape}")
        return sigma
    return np.broadcast_to(sigma, (2, n_data)).copy()


def band_entries(bands):
    """``[(label, members (K, n_params), fill keywords)]`` of the bands to shade.

    A label starting with ``"posterior"`` is drawn as its 5-95 % interval
    (``quantiles``), any other (``"ensemble"``) as mean +/- 2 sigma.
    """
    out = []
    for label, members in (bands or {}).items():
        members = np.asarray(members, dtype=float)
        kw = {"color": band_color(label), "alpha": 0.22}
        if str(label).startswith("posterior"):
            kw.update(quantiles=(0.05, 0.95), label=f"{label} 5-95 %")
        else:
            kw.update(n_sigma=2.0, label=rf"{label} $\pm$2$\sigma$")
        out.append((label, members, kw))
    return out
