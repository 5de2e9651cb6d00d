"""Know when the network does not know: per-sounding out-of-distribution scores.

A network trained on a box of model space cannot invert data from outside it.
:class:`OODDetector` scores each sounding from up to three statistics, each
large when the sounding looks unlike the training data:

``distance``
    Mean Euclidean distance from the sounding's scaled network inputs
    (``inversion.network_inputs(data)``: log10 where declared, bounds mapped
    onto [-1, 1]) to its ``k`` nearest training inputs (a k-d tree).  Data
    unlike any training sounding lie far from all of them.
``misfit``
    RMS misfit of the network's prediction simulated again, in the error
    space of each datum (log10 for apparent resistivity;
    :mod:`geoinv.inversion.misfit`): a network that does not know predicts
    a model whose data miss the observed ones.
``refined``
    How far the model refined by damped least squares from the network's
    prediction (:func:`geoinv.inversion.least_squares.damped_least_squares`,
    search box = prior box widened by ``widen`` box widths) lies outside the
    prior box: the Euclidean length of its box widths beyond the bounds
    (:meth:`geoinv.ModelSpace.widths_beyond`; 0 inside).  A model that fits the data outside the training box
    is direct evidence that the sounding came from outside it.  It costs an
    LM run (~30-60 forward calls per sounding for a three-layer VES); the
    run stops at RMS 1 (``ftol`` 1e-3) unless ``lm_options`` say otherwise,
    since only where the fitting model lies matters here.

A detector saved before the error-space convention (its settings lack
``misfit_space``) calibrated its ``misfit`` component on linear misfits; it
keeps scoring them so (``sigma`` taken back to data units to first order),
so that its tail probabilities stay valid.  A newly fitted detector scores
in the error space.

Each statistic ``s`` is turned into an empirical tail probability on the ID
validation set, ``p = (1 + #{validation values >= s}) / (n_validation + 1)``
("how many in-distribution soundings are at least as unusual"), and the
score combines them as Fisher does,

    score = -sum_c log10(p_c),

in decades: 2 means the product of the tail probabilities is 1/100.  The
threshold is the ``1 - alpha`` quantile of the leave-one-out scores of the
validation soundings, so about a fraction ``alpha`` of ID soundings is
flagged.  :func:`roc_auc` measures how well the score separates ID from OOD
test soundings; :func:`geoinv.evaluation.ood_metrics` tabulates it.
"""

from __future__ import annotations

import importlib
import json
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from scipy.stats import rankdata

from .._checks import check_float, check_int
from .least_squares import damped_least_squares
from ..prior.noise import sigma_to_data_space
from .misfit import rms_misfit, simulate_valid

__all__ = ["OODDetector", "OODResult", "COMPONENTS", "roc_auc", "predict_with_ood",
           "box_excess"]

COMPONENTS = ("distance", "misfit", "refined")
"""Statistics an :class:`OODDetector` can combine."""


def roc_auc(scores_negative, scores_positive):
    """Area under the ROC curve of separating two samples by a score.

    The probability that a positive (e.g. OOD) sounding scores higher than a
    negative (ID) one, ties counting one half: the Mann-Whitney U statistic
    divided by ``n_negative * n_positive``.

    Parameters
    ----------
    scores_negative : array_like, shape (n_negative,)
    scores_positive : array_like, shape (n_positive,)

    Returns
    -------
    float
        1 = perfect separation, 0.5 = chance.

    Raises
    ------
    ValueError
        If a sample is empty or holds NaN.

    Examples
    --------
    >>> roc_auc([1, 2, 3], [2, 4, 5])      # 7.5 of 9 pairs ordered right
    0.8333333333333334
    """
    neg = np.asarray(scores_negative, dtype=np.float64).ravel()
    pos = np.asarray(scores_positive, dtype=np.float64).ravel()
    for name, values in (("scores_negative", neg), ("scores_positive", pos)):
        if values.size == 0 or np.isnan(values).any():
            raise ValueError(f"{name} must be non-empty and free of NaN")
    ranks = rankdata(np.concatenate([neg, pos]))          # ties get their mean rank
    u = ranks[neg.size:].sum() - pos.size * (pos.size + 1) / 2.0
    return float(u / (neg.size * pos.size))


def box_excess(space, models):
    """Distance of each model outside the prior box, in box widths.

    Parameters
    ----------
    space : geoinv.ModelSpace
    models : array_like, shape (n_samples, n_params)
        Physical units.

    Returns
    -------
    ndarray, shape (n_samples,)
        Euclidean length of the parameters' box widths beyond the bounds
        (:meth:`geoinv.ModelSpace.widths_beyond`): 0 inside the box, 0.5
        half a box width beyond one bound.
    """
    return np.sqrt(np.sum(space.widths_beyond(models)**2, axis=1))


@dataclass
class OODResult:
    """Models with their OOD verdict, from :meth:`OODDetector.predict`.

    Attributes
    ----------
    models : ndarray, shape (n_soundings, n_params)
        The network's predictions, physical units.
    flags : ndarray of bool, shape (n_soundings,)
        True where the sounding is judged out of distribution.
    scores : ndarray, shape (n_soundings,)
        Combined score (decades; see the module docstring).
    p_values : dict of str to ndarray, shape (n_soundings,)
        Tail probability of each component on the ID validation set.
    statistics : dict of str to ndarray, shape (n_soundings,)
        Raw value of each component.
    refined : geoinv.inversion.least_squares.LSQResult or None
        The LM refinement, if the ``refined`` component was used.
    """

    models: np.ndarray
    flags: np.ndarray
    scores: np.ndarray
    p_values: dict
    statistics: dict
    refined: object = None


class OODDetector:
    """Flags soundings unlike the training data (see the module docstring).

    Parameters
    ----------
    components : sequence of str
        Any of ``COMPONENTS``: ``"distance"``, ``"misfit"``, ``"refined"``.
        The first two cost one forward call per sounding; ``"refined"`` an LM
        run.
    k : int
        Neighbours averaged by the ``distance`` component.
    alpha : float
        Target fraction of ID soundings flagged (0 < alpha < 1): the
        threshold is the ``1 - alpha`` quantile of the validation scores.
    widen : float
        Search box of the ``refined`` component: the prior box widened by
        this many box widths on each side (declared scale).
    lm_options : dict, optional
        Further keyword arguments of
        :func:`geoinv.inversion.least_squares.damped_least_squares`
        for the ``refined`` component (default: a single run, target RMS 1,
        ``ftol`` 1e-3).

    Attributes
    ----------
    inversion_ : geoinv.NetworkInversion
    tree_ : scipy.spatial.cKDTree
        Over the scaled inputs of the training data.
    reference_ : dict of str to ndarray
        Sorted validation values of each component.
    validation_scores_ : ndarray, shape (n_validation,)
        Leave-one-out scores of the validation soundings.
    threshold_ : float
        Scores above it are flagged.

    Examples
    --------
    ``detector = OODDetector().fit(inversion, train, validation)``, then
    ``detector.flag(data, sigma)``; see ``notebooks/profile.ipynb``.
    """

    def __init__(self, components=COMPONENTS, k=5, alpha=0.05, widen=0.5, lm_options=None):
        self.components = components
        self.k = k
        self.alpha = alpha
        self.widen = widen
        self.lm_options = lm_options

    misfit_space = "error"
    """Space of the ``misfit`` component: ``"error"`` (each datum's error
    space), or ``"linear"`` for a detector read from a file written before
    the error-space convention (its reference values are linear misfits)."""

    # -- fitting -----------------------------------------------------------------
    def fit(self, inversion, train, validation):
        """Learn the training inputs and the ID distribution of every component.

        Parameters
        ----------
        inversion : geoinv.NetworkInversion
            The trained network (and its forward model and prior box).
        train : geoinv.prior.dataset.Dataset
            The data the network was trained on (only ``data`` is used).
        validation : geoinv.prior.dataset.Dataset
            In-distribution soundings not used for training (``data`` and
            ``sigma``); they calibrate the tail probabilities and the
            threshold.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Naming the bad setting (unknown component, k, alpha, widen) or a
            validation set too small for ``alpha``.
        """
        components = tuple(self.components)
        unknown = [c for c in components if c not in COMPONENTS]
        if not components or unknown or len(set(components)) != len(components):
            raise ValueError(f"components must be distinct names from {', '.join(COMPONENTS)}; "
                             f"got {list(components)}")
        check_int(self.k, "k", 1)
        check_float(self.alpha, "alpha", 0.0, 1.0, low_open=True, high_open=True)
        check_float(self.widen, "widen", 0.0)
        if len(train) < self.k:
            raise ValueError(f"train has {len(train)} soundings, fewer than k = {self.k}")
        if len(validation) * self.alpha < 1:
            need = int(np.ceil(1 / self.alpha))
            raise ValueError(f"validation has {len(validation)} soundings: too few to set a "
                             f"threshold at alpha = {self.alpha} (need >= {need})")
        self.components_ = components
        self.inversion_ = inversion
        self.tree_ = cKDTree(inversion.network_inputs(train.data))
        stats = self._statistics(validation.data, validation.sigma)[0]
        self.reference_ = {c: np.sort(stats[c]) for c in components}
        # leave-one-out: a validation value is compared with the n - 1 others
        n = len(validation)
        loo = {c: (self._count_at_least(c, stats[c])) / n for c in components}
        self.validation_scores_ = -np.sum([np.log10(loo[c]) for c in components], axis=0)
        self.threshold_ = float(np.quantile(self.validation_scores_, 1.0 - self.alpha))
        return self

    def _check_fitted(self):
        if not hasattr(self, "threshold_"):
            raise RuntimeError("OODDetector is not fitted; call fit(inversion, train, validation)")

    # -- the statistics ----------------------------------------------------------------
    def _statistics(self, data, sigma, models=None, refined=None):
        """Raw component values, the network models and the LM result."""
        inv = self.inversion_
        data = np.atleast_2d(np.asarray(data, dtype=np.float64))
        if models is None:
            models = inv.predict(data)
        stats = {}
        lm = None
        if "distance" in self.components_:
            dist, _ = self.tree_.query(inv.network_inputs(data), k=self.k)
            stats["distance"] = dist.reshape(len(data), -1).mean(axis=1)
        if "misfit" in self.components_ or "refined" in self.components_:
            if sigma is None:
                raise ValueError("sigma is needed for the misfit and refined components")
            sigma = np.broadcast_to(np.asarray(sigma, dtype=np.float64), data.shape)
        if "misfit" in self.components_:
            log = inv.forward.data_log_mask
            if self.misfit_space == "linear":      # as calibrated by an older detector
                sigma_m, log = sigma_to_data_space(sigma, data, log), False
            else:
                sigma_m = sigma
            rms = rms_misfit(data, simulate_valid(inv.forward, models), sigma_m, log)
            stats["misfit"] = np.where(np.isnan(rms), np.inf, rms)   # unphysical: worst
        if "refined" in self.components_:
            if refined is None:
                options = {"target_rms": 1.0, "ftol": 1e-3, **(self.lm_options or {})}
                lm = damped_least_squares(inv.forward, inv.space, data, sigma, models,
                                          widen=self.widen, **options)
                refined = lm.models
            stats["refined"] = box_excess(inv.space, refined)
        return stats, models, lm

    def _count_at_least(self, component, values):
        ref = self.reference_[component]
        return ref.size - np.searchsorted(ref, values, side="left")

    def p_values(self, data, sigma=None, *, models=None, refined=None):
        """Empirical tail probability of each component on the ID validation set.

        Parameters
        ----------
        data : array_like, shape (n_soundings, n_data)
            Observed data, physical units.
        sigma : array_like, shape (n_soundings, n_data), optional
            Standard deviations in each datum's error space (decades on log
            columns); needed for ``misfit`` and ``refined``.
        models : array_like, shape (n_soundings, n_params), optional
            The network's predictions, if already computed.
        refined : array_like, shape (n_soundings, n_params), optional
            LM-refined models, if already computed (skips the LM run).

        Returns
        -------
        dict of str to ndarray, shape (n_soundings,)
            ``(1 + #{validation >= s}) / (n_validation + 1)``, in (0, 1].
        """
        self._check_fitted()
        stats = self._statistics(data, sigma, models, refined)[0]
        return self._p_from_stats(stats)

    def _p_from_stats(self, stats):
        n = len(self.validation_scores_)
        return {c: (1.0 + self._count_at_least(c, stats[c])) / (n + 1.0) for c in stats}

    def score(self, data, sigma=None, *, models=None, refined=None):
        """Combined OOD score, ``-sum log10 p`` over the components (decades).

        Parameters are those of :meth:`p_values`.

        Returns
        -------
        ndarray, shape (n_soundings,)
            Larger = less like the training data.
        """
        p = self.p_values(data, sigma, models=models, refined=refined)
        return -np.sum([np.log10(v) for v in p.values()], axis=0)

    def flag(self, data, sigma=None, *, models=None, refined=None):
        """True where the score exceeds ``threshold_`` (judged OOD).

        Returns
        -------
        ndarray of bool, shape (n_soundings,)
        """
        return self.score(data, sigma, models=models, refined=refined) > self.threshold_

    def predict(self, data, sigma=None):
        """Network models, flags and scores together (one pass).

        Parameters
        ----------
        data : array_like, shape (n_soundings, n_data)
        sigma : array_like, shape (n_soundings, n_data), optional

        Returns
        -------
        OODResult
        """
        self._check_fitted()
        stats, models, lm = self._statistics(data, sigma)
        p = self._p_from_stats(stats)
        scores = -np.sum([np.log10(v) for v in p.values()], axis=0)
        return OODResult(models, scores > self.threshold_, scores, p, stats, lm)


    # -- saving -------------------------------------------------------------------------
    def to_arrays(self):
        """The fitted state as plain arrays (e.g. to store beside the network).

        Returns
        -------
        dict of str to ndarray
            ``train_inputs`` (n_train, n_data), ``reference.<component>``
            (n_validation,), ``validation_scores`` (n_validation,) and
            ``settings`` (a JSON string, 0-d array).  Rebuild with
            :meth:`from_arrays`.
        """
        self._check_fitted()
        arrays = {"train_inputs": self.tree_.data, "validation_scores": self.validation_scores_}
        arrays.update({f"reference.{c}": v for c, v in self.reference_.items()})
        settings = {"components": list(self.components_), "k": int(self.k),
                    "alpha": float(self.alpha), "widen": float(self.widen),
                    "lm_options": self.lm_options, "threshold": self.threshold_,
                    "misfit_space": self.misfit_space}
        arrays["settings"] = np.array(json.dumps(settings))
        return arrays

    @classmethod
    def from_arrays(cls, arrays, inversion):
        """A fitted detector from :meth:`to_arrays` output and its inversion.

        Parameters
        ----------
        arrays : mapping of str to ndarray
        inversion : geoinv.NetworkInversion
            The network the detector was fitted with.

        Returns
        -------
        OODDetector
            Scores identical to the saved detector's.
        """
        settings = json.loads(str(arrays["settings"]))
        det = cls(components=tuple(settings["components"]), k=settings["k"],
                  alpha=settings["alpha"], widen=settings["widen"],
                  lm_options=settings["lm_options"])
        det.components_ = tuple(settings["components"])
        det.inversion_ = inversion
        det.tree_ = cKDTree(np.asarray(arrays["train_inputs"], dtype=np.float64))
        det.reference_ = {c: np.asarray(arrays[f"reference.{c}"], dtype=np.float64)
                          for c in det.components_}
        det.validation_scores_ = np.asarray(arrays["validation_scores"], dtype=np.float64)
        det.threshold_ = float(settings["threshold"])
        det.misfit_space = settings.get("misfit_space", "linear")   # absent: written before it
        return det


def predict_with_ood(detector, data, sigma=None):
    """``(models, flags, scores)`` of a fitted detector's network.

    What :meth:`geoinv.NetworkInversion.predict` returns with
    ``return_ood=True``.

    Parameters
    ----------
    detector : OODDetector
        Fitted.
    data : array_like, shape (n_soundings, n_data)
    sigma : array_like, shape (n_soundings, n_data), optional

    Returns
    -------
    models : ndarray, shape (n_soundings, n_params)
    flags : ndarray of bool, shape (n_soundings,)
    scores : ndarray, shape (n_soundings,)
    """
    result = detector.predict(data, sigma)
    return result.models, result.flags, result.scores


def __getattr__(name):
    """``ood_metrics`` moved to :mod:`geoinv.evaluation.metrics` (it scores against labels).

    Kept importable from here through 0.2 (removed in 0.3) with a DeprecationWarning;
    the import happens only on that deprecated access, so inversion does not
    depend on evaluation.
    """
    if name == "ood_metrics":
        warnings.warn("geoinv.inversion.ood.ood_metrics moved to geoinv.evaluation.ood_metrics; "
                      "the old path goes in 0.3", DeprecationWarning, stacklevel=2)
        return importlib.import_module("geoinv.evaluation.metrics").ood_metrics
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
