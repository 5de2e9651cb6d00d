"""Evaluation: how well an inversion does, scored against known models.

On synthetic data the true models are known, so every inversion can be
scored: parameter errors, the misfit of the re-simulated data, the coverage
of an ensemble's spread (:func:`evaluate` and its parts in
:mod:`~geoinv.evaluation.metrics`), how well the OOD detector separates ID
from OOD soundings (:func:`ood_metrics`), the network, LM and network -> LM
side by side (:func:`compare_methods`), and how the error falls with the
number of training samples or hidden units
(:mod:`~geoinv.evaluation.learning_curves`).  Metric names are built in one
place (:func:`metric_key`, ``FIT_FRACTION``), as ``metrics.csv`` spells
them.  It may import every package below it, :mod:`geoinv.inversion`
included.
"""

from .metrics import (FIT_FRACTION, FIT_THRESHOLD, METRIC_COLUMNS, data_misfit, declared_scale,
                      detection_metrics, evaluate, metric_key, misfit_metrics, ood_metrics,
                      parameter_metrics, simulate_valid, uncertainty_metrics)
from .compare import Comparison, MethodResult, compare_methods
from .learning_curves import hidden_size_curve, sample_size_curve, select_hidden

__all__ = ["evaluate", "parameter_metrics", "uncertainty_metrics", "misfit_metrics",
           "ood_metrics", "detection_metrics", "metric_key", "FIT_FRACTION", "METRIC_COLUMNS",
           "compare_methods", "Comparison", "MethodResult", "sample_size_curve",
           "hidden_size_curve", "select_hidden",
           # the primitives below evaluation, importable here as before 0.2
           "FIT_THRESHOLD", "data_misfit", "simulate_valid", "declared_scale"]
