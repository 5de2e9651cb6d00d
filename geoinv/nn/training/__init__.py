"""Training a BPNetwork: one epoch loop, the update rules, the registry.

Read in this order:

- :mod:`~geoinv.nn.training.loop`: :class:`Trainer`, the epoch loop every
  optimiser shares (validation, early stopping, divergence, best-weight
  restore, progress callback, BLAS on one thread) and :class:`History`;
- :mod:`~geoinv.nn.training.minibatch`: the mini-batch loop, written once
  (online and batch modes are batches of one sample and of the whole set);
- :mod:`~geoinv.nn.training.update_rules`: what one step is for gd, gdx and
  adam;
- :mod:`~geoinv.nn.training.second_order`: Levenberg-Marquardt and L-BFGS,
  which work on the whole set with curvature.

  ========  ==================================  ===================================
  name      class                               one epoch
  ========  ==================================  ===================================
  ``gd``    :class:`GradientDescent`            the textbook delta rule with
                                                momentum: online, batch or
                                                mini-batch steps over the set
  ``gdx``   :class:`AdaptiveGradientDescent`    one batch step (or mini-batch
                                                steps) with momentum and an
                                                adaptive learning rate; a step
                                                that raises the loss is rejected
                                                (MATLAB's traingdx)
  ``adam``  :class:`Adam`                       mini-batch Adam steps (Kingma &
                                                Ba 2015, bias-corrected)
  ``lm``    :class:`LevenbergMarquardt`         one Levenberg-Marquardt step
                                                (J^T J + mu I) dw = -J^T e, with
                                                MATLAB trainlm's mu schedule
  ``lbfgs`` :class:`LBFGS`                      ``iterations_per_epoch`` L-BFGS
                                                iterations (scipy L-BFGS-B)
  ========  ==================================  ===================================

Regularisation, for every trainer: L2 weight decay adds
``weight_decay / 2 * ||w||^2`` to E, over the weights but not the thresholds
(column 0 of V and W) unless ``decay_thresholds=True``; noise injection
passes ``fit(..., resample=...)`` a function that draws fresh inputs (e.g.
fresh measurement noise on the clean data) before every epoch after the
first.  Progress goes to a callback (``progress=``); library code never
prints (the command line's terminal line is
:class:`geoinv.workflow.progress.TerminalProgress`).

The losses in :class:`History` are the error E (the batch mean of
1/2 sum (t - o)^2) without the weight-decay penalty, so runs with different
decay compare on one scale; the optimisers minimise E plus the penalty.  The
training loss of an epoch is, by default (``train_loss="full"``), the loss of
the full training set after the epoch, which costs one forward pass over the
training set per epoch (the trainers that already know it, gdx in batch mode,
LM and L-BFGS, pass it on at no cost).  ``train_loss="running"`` makes the
mini-batch trainers report the mean of the batch losses seen during the
epoch instead (each taken before its step, so it mixes the weights of the
whole epoch and lags the full loss by about half an epoch): free, and what
scikit-learn's ``loss_curve_`` and most PyTorch loops record.
"""

from __future__ import annotations

import importlib
import inspect
import warnings

from ..._checks import check_choice
from .loop import History, Trainer
from .minibatch import MinibatchTrainer
from .second_order import LBFGS, LevenbergMarquardt
from .update_rules import AdaptiveGradientDescent, Adam, GradientDescent

__all__ = ["History", "Trainer", "MinibatchTrainer", "GradientDescent",
           "AdaptiveGradientDescent", "Adam", "LevenbergMarquardt", "LBFGS", "TRAINERS",
           "make_trainer", "trainer_options"]

TRAINERS = {
    "gd": GradientDescent,
    "gdx": AdaptiveGradientDescent,
    "adam": Adam,
    "lm": LevenbergMarquardt,
    "lbfgs": LBFGS,
}
"""Registry: trainer name (as a scenario file spells it) -> Trainer subclass."""


def trainer_options(cls):
    """Names of the options of a Trainer class: its own, then the shared ones."""
    names = []
    for klass in (cls, Trainer):
        for p in inspect.signature(klass.__init__).parameters.values():
            if p.name != "self" and p.kind is not p.VAR_KEYWORD and p.name not in names:
                names.append(p.name)
    return names


def make_trainer(name, **options):
    """Build a trainer by registry name.

    Parameters
    ----------
    name : str
        A key of :data:`TRAINERS`: ``"gd"``, ``"gdx"``, ``"adam"``, ``"lm"``
        or ``"lbfgs"``.
    **options
        Keyword arguments of that trainer's class.

    Returns
    -------
    Trainer

    Raises
    ------
    ValueError
        If ``name`` or an option is unknown (the message lists the valid
        ones), or if an option's value is out of range.

    Examples
    --------
    >>> make_trainer("adam", learning_rate=0.01).batch_size
    32
    """
    cls = TRAINERS[check_choice(name, "trainer", TRAINERS)]
    valid = trainer_options(cls)
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(unknown)} for trainer "
                         f"{name!r}; valid options: {', '.join(valid)}")
    trainer = cls(**options)
    trainer.check_params()
    return trainer


def __getattr__(name):
    # TerminalProgress moved to geoinv.workflow.progress in 0.2 (the terminal
    # belongs to the command line); the old import keeps working for a release.
    if name == "TerminalProgress":
        warnings.warn("geoinv.nn.training.TerminalProgress moved to "
                      "geoinv.workflow.progress.TerminalProgress", DeprecationWarning,
                      stacklevel=2)
        return importlib.import_module("geoinv.workflow.progress").TerminalProgress
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
