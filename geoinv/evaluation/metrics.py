"""How well an inversion does: parameter errors and re-simulated data misfit.

Metrics, per split (``test_id``, ``test_ood``, ...), in the long format
``split, quantity, metric, value`` of ``metrics.csv``:

Per parameter (quantity = parameter name)
    ``median_rel_err``   median over samples of |m_pred - m_true| / |m_true|
                         (log parameters, and linear ones whose prior box
                         excludes 0)
    ``rmse_log10``       sqrt(mean((log10 m_pred - log10 m_true)**2)), log parameters
    ``median_abs_err``   median |m_pred - m_true| [unit], linear parameters
    ``rmse``             sqrt(mean((m_pred - m_true)**2)) [unit], linear parameters
    ``fraction_in_box``  fraction of predictions inside the prior bounds
Data (quantity = ``data``): the predicted models are simulated again and
compared with the observed data, per sounding
    ``rms_misfit`` = sqrt(mean(((g(d_obs) - g(d_pred)) / sigma)**2)), in
      the error space of each datum (log10 for apparent resistivity: g =
      log10 and sigma in decades there; :mod:`geoinv.prior.noise`), 1 =
      fits to the errors; summarised as ``median_rms_misfit``,
      ``mean_rms_misfit`` and ``fraction_rms_le_1.2``;
    ``rel_misfit`` = mean(|d_pred - d_obs| / |d_obs|), linear whatever the
      error space, summarised as ``median_rel_misfit``;
    ``fraction_unphysical``: predictions the forward model rejects (e.g. a
      sphere reaching above the surface); their misfit counts as infinite in
      the medians and fractions and is left out of the mean.
``n_samples`` (quantity ``all``) counts the soundings of the split.

OOD detection (quantity ``ood``, :func:`ood_metrics`)
    ``fraction_flagged`` and ``median_score`` per split, ``roc_auc_vs_test_id``
    for the OOD split, and the detector's ``threshold`` (split ``validation``).

Uncertainty (ensembles, ``evaluate(..., std=...)``), per parameter, in the
declared scale (log10 for log parameters, the unit for linear ones), where
the prediction is the ensemble mean and sigma the spread of its members
    ``coverage_2sigma``  fraction of samples whose true value lies within
                         prediction +/- 2 sigma (about 0.95 if the spread
                         were a calibrated Gaussian error)
    ``median_std_log10`` median sigma (decades), log parameters
    ``median_std``       median sigma [unit], linear parameters

Metric names
    Built in one place: :func:`metric_key` appends the method that produced
    the models (``median_rel_err@network_lm``, see
    :func:`geoinv.evaluation.compare.compare_methods`), and ``FIT_FRACTION``
    is the name of the fitted fraction (``fraction_rms_le_1.2``, from
    ``FIT_THRESHOLD``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..inversion.misfit import FIT_THRESHOLD, data_misfit, simulate_valid
from ..inversion.ood import roc_auc
from ..prior.model_space import declared_scale

__all__ = ["parameter_metrics", "uncertainty_metrics", "misfit_metrics", "evaluate",
           "ood_metrics", "detection_metrics", "metric_key", "FIT_FRACTION",
           "METRIC_COLUMNS",
           # defined below evaluation, re-exported where they were before 0.2
           "declared_scale", "data_misfit", "simulate_valid", "FIT_THRESHOLD"]

FIT_FRACTION = f"fraction_rms_le_{FIT_THRESHOLD:g}"
"""Name of the metric: fraction of soundings with RMS misfit <= ``FIT_THRESHOLD``."""

METRIC_COLUMNS = ["split", "quantity", "metric", "value"]
"""Columns of ``metrics.csv`` and of every metrics frame."""


def metric_key(name, method=None):
    """The metric name as written in ``metrics.csv``.

    Parameters
    ----------
    name : str
        Metric, e.g. ``"median_rel_err"`` or ``FIT_FRACTION``.
    method : str, optional
        Inversion method that produced the models (``"network"``, ``"lm"``,
        ``"network_lm"``); appended after ``@``.

    Returns
    -------
    str

    Examples
    --------
    >>> metric_key(FIT_FRACTION, "network_lm")
    'fraction_rms_le_1.2@network_lm'
    >>> metric_key("median_rel_err")
    'median_rel_err'
    """
    return name if method is None else f"{name}@{method}"


def parameter_metrics(true, pred, space):
    """Per-parameter error metrics.

    Parameters
    ----------
    true, pred : ndarray, shape (n_samples, n_params)
        True and predicted models, physical units.
    space : geoinv.ModelSpace

    Returns
    -------
    list of (quantity, metric, value)
    """
    true = np.asarray(true, dtype=np.float64)
    pred = np.asarray(pred, dtype=np.float64)
    rows = []
    inside = (pred >= space.low) & (pred <= space.high)
    for j, name in enumerate(space.names):
        t, p = true[:, j], pred[:, j]
        if space.log[j] or space.low[j] > 0 or space.high[j] < 0:
            rows.append((name, "median_rel_err", float(np.median(np.abs(p - t) / np.abs(t)))))
        if space.log[j]:
            with np.errstate(invalid="ignore", divide="ignore"):
                err = np.log10(p) - np.log10(t)
            rows.append((name, "rmse_log10", float(np.sqrt(np.mean(err**2)))))
        else:
            rows.append((name, "median_abs_err", float(np.median(np.abs(p - t)))))
            rows.append((name, "rmse", float(np.sqrt(np.mean((p - t) ** 2)))))
        rows.append((name, "fraction_in_box", float(np.mean(inside[:, j]))))
    return rows


def uncertainty_metrics(true, pred, std, space, k=2.0):
    """Coverage of the +/- k sigma band and the typical sigma, per parameter.

    Parameters
    ----------
    true, pred : ndarray, shape (n_samples, n_params)
        True and predicted (e.g. ensemble-mean) models, physical units.
    std : ndarray, shape (n_samples, n_params)
        Predicted standard deviation in the declared scale (decades for log
        parameters, the unit for linear ones).
    space : geoinv.ModelSpace
    k : float, optional
        Half-width of the band in sigmas; the metric is named
        ``coverage_{k:g}sigma`` (``coverage_2sigma`` for the default).

    Returns
    -------
    list of (quantity, metric, value)
    """
    err = np.abs(declared_scale(true, space.log) - declared_scale(pred, space.log))
    std = np.asarray(std, dtype=np.float64)
    inside = err <= k * std
    rows = []
    for j, name in enumerate(space.names):
        rows.append((name, f"coverage_{k:g}sigma", float(np.mean(inside[:, j]))))
        rows.append((name, "median_std_log10" if space.log[j] else "median_std",
                     float(np.median(std[:, j]))))
    return rows


def misfit_metrics(rms, rel):
    """Summaries of per-sounding misfits as (quantity, metric, value) rows.

    ``rms`` is the RMS misfit in the error space of each datum (log10 for
    apparent resistivity), ``rel`` the linear relative misfit, both of
    shape (n_soundings,).

    NaN misfits (unphysical predictions that could not be simulated) count
    as infinitely bad in the medians and fractions and are left out of the
    mean.
    """
    bad = np.isnan(rms)
    worst_rms = np.where(bad, np.inf, rms)
    worst_rel = np.where(bad, np.inf, rel)
    return [
        ("data", "median_rms_misfit", float(np.median(worst_rms))),
        ("data", "mean_rms_misfit", float(np.mean(rms[~bad])) if (~bad).any() else np.nan),
        ("data", FIT_FRACTION, float(np.mean(worst_rms <= FIT_THRESHOLD))),
        ("data", "median_rel_misfit", float(np.median(worst_rel))),
        ("data", "fraction_unphysical", float(np.mean(bad))),
    ]


def evaluate(forward, space, models_true, models_pred, data_obs, sigma, split, std=None):
    """All metrics of one split, as a long DataFrame.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
        Used to simulate the data of the predicted models.
    space : geoinv.ModelSpace
    models_true, models_pred : ndarray, shape (n_samples, n_params)
    data_obs : ndarray, shape (n_samples, n_data)
    sigma : ndarray, shape (n_samples, n_data)
        Standard deviations in each datum's error space (decades on
        ``forward.data_log_mask`` columns).
    split : str
        Label of the split, e.g. ``"test_id"``.
    std : ndarray, shape (n_samples, n_params), optional
        Predicted standard deviation in the declared scale (an ensemble's
        spread); adds the rows of :func:`uncertainty_metrics`.

    Returns
    -------
    pandas.DataFrame
        Columns ``split, quantity, metric, value``.
    """
    data_pred = simulate_valid(forward, models_pred)
    rms, rel = data_misfit(data_obs, data_pred, sigma, forward.data_log_mask)
    rows = [("all", "n_samples", float(len(models_true)))]
    rows += parameter_metrics(models_true, models_pred, space)
    if std is not None:
        rows += uncertainty_metrics(models_true, models_pred, std, space)
    rows += misfit_metrics(rms, rel)
    return pd.DataFrame([(split, q, m, v) for q, m, v in rows], columns=METRIC_COLUMNS)


def detection_metrics(threshold, scores, reference="test_id"):
    """OOD-detection rows from the scores a detector gave each split.

    Parameters
    ----------
    threshold : float
        The detector's ``threshold_``: scores above it are flagged.
    scores : dict of str to array_like, shape (n_soundings,)
        OOD scores per split, e.g. ``{"test_id": ..., "test_ood": ...}``.
    reference : str
        The in-distribution split the others are separated from.

    Returns
    -------
    pandas.DataFrame
        ``split, quantity, metric, value`` with quantity ``ood``:
        ``threshold`` (split ``validation``), then per split
        ``fraction_flagged``, ``median_score`` and, for every split but
        ``reference``, ``roc_auc_vs_<reference>``.
    """
    rows = [("validation", "ood", "threshold", threshold)]
    scores = {split: np.asarray(s, dtype=np.float64) for split, s in scores.items()}
    for split, s in scores.items():
        rows.append((split, "ood", "fraction_flagged", float(np.mean(s > threshold))))
        rows.append((split, "ood", "median_score", float(np.median(s))))
        if split != reference and reference in scores:
            rows.append((split, "ood", f"roc_auc_vs_{reference}",
                         roc_auc(scores[reference], s)))
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)


def ood_metrics(detector, datasets, reference="test_id"):
    """OOD-detection rows of a fitted detector on labelled data sets.

    Parameters
    ----------
    detector : geoinv.inversion.ood.OODDetector
        Fitted.
    datasets : dict of str to geoinv.prior.dataset.Dataset
        E.g. ``{"test_id": ..., "test_ood": ...}``.
    reference : str
        The in-distribution split that the others are separated from.

    Returns
    -------
    pandas.DataFrame
        As :func:`detection_metrics`, from the detector's scores of each set.
    """
    scores = {split: detector.score(ds.data, ds.sigma) for split, ds in datasets.items()}
    return detection_metrics(detector.threshold_, scores, reference)
