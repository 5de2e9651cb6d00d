"""Training a BPNetwork: the epoch loop, the trainers, history, progress.

The pieces, each swappable:

- :class:`Trainer` owns the loop every optimiser shares: after each epoch it
  records the training loss and the validation loss in a :class:`History`,
  reports to a progress callback, and stops at ``max_epochs``, when the
  monitored loss has not improved for ``patience`` epochs, when it reaches
  ``target_loss``, when it stops being finite, or when the optimiser itself
  says it cannot go on (Levenberg-Marquardt's mu above its maximum, L-BFGS
  converged).  At the end it restores the weights of the best epoch.  The
  monitored loss is the validation loss if a validation set is given, else
  the training loss.
- A subclass says what one epoch is (``_begin`` allocates its state,
  ``_epoch`` updates the weights in place):

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

- Regularisation, for every trainer: L2 weight decay adds
  ``weight_decay / 2 * ||w||^2`` to E, over the weights but not the
  thresholds (column 0 of V and W) unless ``decay_thresholds=True``; noise
  injection passes ``fit(..., resample=...)`` a function that draws fresh
  inputs (e.g. fresh measurement noise on the clean data) before every epoch
  after the first.
- :class:`TerminalProgress` is a progress callback that rewrites one terminal
  line; ``progress=None`` trains silently.  Library code never prints.

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

import inspect
import math
import operator
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from .network import LOSS_CHUNK

__all__ = ["History", "Trainer", "GradientDescent", "AdaptiveGradientDescent", "Adam",
           "LevenbergMarquardt", "LBFGS", "TerminalProgress", "TRAINERS", "make_trainer"]


@dataclass
class History:
    """Loss per epoch of one training run.

    Attributes
    ----------
    epochs : list of int
        1, 2, ..., one entry per completed epoch.
    train_loss : list of float
        Error E on the training set after each epoch (without the weight-decay
        penalty; with ``train_loss="running"``, the mean of the epoch's batch
        losses).
    val_loss : list of float
        Error E on the validation set after each epoch (NaN without one).
    seconds : list of float
        Wall-clock seconds since the start of ``fit`` at the end of each epoch.
    best_epoch : int
        Epoch of the best monitored loss (the lowest, up to ``min_delta``;
        the validation loss if given, else the training loss), whose weights
        the network holds after ``fit`` (unless ``restore_best=False``);
        0 means the initial weights (no epoch improved, e.g. the first epoch
        diverged).
    stop_reason : str
        ``"max_epochs"``, ``"patience"``, ``"target"``, ``"diverged"`` (the
        loss became NaN or infinite), ``"mu_max"`` (Levenberg-Marquardt found
        no step that lowers the loss before mu exceeded ``mu_max``),
        ``"converged"`` (L-BFGS met its tolerance), ``"time"`` (the
        ``max_seconds`` budget ran out) or ``"interrupted"`` (KeyboardInterrupt).
    """

    epochs: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    best_epoch: int = 0
    stop_reason: str = ""

    def to_frame(self):
        """Return the history as a DataFrame, one row per epoch.

        Returns
        -------
        pandas.DataFrame
            Columns ``epoch``, ``train_loss``, ``val_loss``, ``seconds``.
        """
        import pandas as pd

        return pd.DataFrame({"epoch": self.epochs, "train_loss": self.train_loss,
                             "val_loss": self.val_loss, "seconds": self.seconds})


def _check_int(value, name, minimum, allow_none=False):
    if value is None and allow_none:
        return None
    try:
        ok = not isinstance(value, bool) and operator.index(value) >= minimum
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(f"{name} must be an integer >= {minimum}"
                         f"{' or None' if allow_none else ''}; got {value!r}")
    return operator.index(value)


def _check_float(value, name, low, high=math.inf, high_open=False, allow_none=False,
                 low_open=False):
    """Return ``value`` as a finite float in [low, high] (open ends on request), else raise."""
    if value is None and allow_none:
        return None
    try:
        x = float(value)
        ok = (not isinstance(value, (str, bool)) and math.isfinite(x)
              and (low < x if low_open else low <= x) and (x < high if high_open else x <= high))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        if high == math.inf:
            where = f"{'>' if low_open else '>='} {low}"
        else:
            where = f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be a number {where}; got {value!r}")
    return x


def _check_bool(value, name):
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False; got {value!r}")
    return value


class _Stop(Exception):
    """Raised by an optimiser that cannot go on; ``reason`` ends the history."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class _Loop:
    """Bookkeeping of one :meth:`Trainer.fit` call: history, best weights, stopping."""

    def __init__(self, trainer, net, X_aug, T, X_val_aug, T_val, rng, resample):
        self.trainer, self.net = trainer, net
        self.X_aug, self.T = X_aug, T
        self.X_val_aug, self.T_val = X_val_aug, T_val
        self.rng, self._resample = rng, resample
        self.history = trainer.history_
        self.best_loss, self.best_w, self.wait = math.inf, net.flat_weights(), 0
        self.done = False
        self.start = time.perf_counter()

    @property
    def epoch(self):
        """Number of completed epochs."""
        return len(self.history.epochs)

    def resample(self):
        """Replace the training inputs with fresh ones (if a resampler was given)."""
        if self._resample is None:
            return
        X = self.net._check_X(self._resample(self.rng), "resampled X")
        if X.shape[0] != self.X_aug.shape[0]:
            raise ValueError(f"resample returned {X.shape[0]} samples; the training set "
                             f"has {self.X_aug.shape[0]}")
        self.X_aug[:, 1:] = X

    def stop(self, reason):
        self.history.stop_reason = reason
        self.done = True

    def end_epoch(self, train_loss=None):
        """Record an epoch; return True when training should stop.

        ``train_loss``: E on the training set if the trainer knows it, else
        None and it is evaluated here on the full training set.
        """
        trainer, net, history = self.trainer, self.net, self.history
        if train_loss is None:
            train_loss = net._loss_aug(self.X_aug, self.T)
        has_val = self.X_val_aug is not None
        val_loss = net._loss_aug(self.X_val_aug, self.T_val) if has_val else math.nan
        elapsed = time.perf_counter() - self.start
        epoch = self.epoch + 1
        history.epochs.append(epoch)
        history.train_loss.append(train_loss)
        history.val_loss.append(val_loss)
        history.seconds.append(elapsed)
        if trainer.progress is not None:
            trainer.progress(epoch, trainer.max_epochs, train_loss, val_loss, elapsed)

        monitored = val_loss if has_val else train_loss
        if not (math.isfinite(train_loss) and math.isfinite(monitored)):
            self.stop("diverged")
            return True
        if monitored < self.best_loss - trainer.min_delta:
            self.best_loss, history.best_epoch, self.wait = monitored, epoch, 0
            self.best_w[...] = net._w
        else:
            self.wait += 1
        if trainer.target_loss is not None and monitored <= trainer.target_loss:
            self.stop("target")
        elif trainer.patience is not None and self.wait >= trainer.patience:
            self.stop("patience")
        elif epoch >= trainer.max_epochs:
            self.stop("max_epochs")
        elif trainer.max_seconds is not None and elapsed >= trainer.max_seconds:
            self.stop("time")
        return self.done


class Trainer:
    """Base class: the epoch loop with validation, early stopping and history.

    Parameters
    ----------
    max_epochs : int, optional
        Upper bound on the number of epochs.
    patience : int or None, optional
        Stop when the monitored loss has not improved for this many epochs
        (None: never stop early).
    min_delta : float, optional
        An epoch improves if its monitored loss is below the best so far by
        more than ``min_delta``.
    target_loss : float or None, optional
        Stop as soon as the monitored loss is <= ``target_loss``.
    restore_best : bool, optional
        Leave the network with the weights of the best epoch (default) rather
        than those of the last one.
    progress : callable or None, optional
        Called after every epoch as ``progress(epoch, max_epochs, train_loss,
        val_loss, elapsed)``; its ``close()``, if it has one, is called when
        training ends.  None trains silently.
    weight_decay : float, optional
        L2 penalty lambda >= 0: the optimiser minimises
        ``E + lambda / 2 * sum(w**2)`` over the weights (the recorded losses
        stay E).  0 (default) switches it off.
    decay_thresholds : bool, optional
        Include the thresholds (column 0 of V and W) in the penalty.  Off by
        default: a threshold only shifts a sigmoid, and shrinking it towards
        0 pulls every unit towards the middle of its range.
    train_loss : {"full", "running"}, optional
        How the training loss of an epoch is obtained: ``"full"`` evaluates
        it on the whole training set after the epoch; ``"running"`` lets the
        mini-batch trainers report the mean of the epoch's batch losses (no
        extra pass; see the module docstring).  Trainers that know the exact
        loss anyway use it with either setting.
    max_seconds : float or None, optional
        Wall-time budget: stop after the first epoch that ends later than
        this many seconds after the start (``stop_reason="time"``).

    Attributes
    ----------
    history_ : History
        The history of the last call to :meth:`fit`.
    """

    supports_resample = True
    """Whether :meth:`fit` accepts ``resample`` (fresh inputs every epoch)."""

    TRAIN_LOSS = ("full", "running")

    def __init__(self, max_epochs=1000, patience=50, min_delta=0.0,
                 target_loss=None, restore_best=True, progress=None, weight_decay=0.0,
                 decay_thresholds=False, train_loss="full", max_seconds=None):
        self.max_epochs = max_epochs
        self.patience = patience
        self.min_delta = min_delta
        self.target_loss = target_loss
        self.restore_best = restore_best
        self.progress = progress
        self.weight_decay = weight_decay
        self.decay_thresholds = decay_thresholds
        self.train_loss = train_loss
        self.max_seconds = max_seconds

    # Hooks for subclasses -------------------------------------------------
    def check_params(self):
        """Validate the hyperparameters; raise ValueError naming the bad one.

        Called by :meth:`fit` and :func:`make_trainer` (so a scenario file is
        checked before any work is done).  Subclasses extend it.
        """
        _check_int(self.max_epochs, "max_epochs", 1)
        _check_int(self.patience, "patience", 1, allow_none=True)
        _check_float(self.min_delta, "min_delta", 0.0)
        _check_float(self.target_loss, "target_loss", 0.0, allow_none=True)
        _check_bool(self.restore_best, "restore_best")
        if self.progress is not None and not callable(self.progress):
            raise ValueError(f"progress must be callable or None; got {self.progress!r}")
        _check_float(self.weight_decay, "weight_decay", 0.0)
        _check_bool(self.decay_thresholds, "decay_thresholds")
        _check_float(self.max_seconds, "max_seconds", 0.0, low_open=True, allow_none=True)
        if self.train_loss not in self.TRAIN_LOSS:
            raise ValueError(f"train_loss must be one of {', '.join(self.TRAIN_LOSS)}; "
                             f"got {self.train_loss!r}")

    def _begin(self, net, X_aug, T, rng):
        """Allocate per-run state before the first epoch."""

    def _epoch(self, net, X_aug, T, rng):
        """Run one epoch: update ``net`` in place.

        ``X_aug``, shape (n_samples, n_in + 1), holds the checked training
        inputs already augmented with x0 = -1; ``T`` the targets.  Return the
        training loss to record (E after the epoch, or the running mean when
        ``train_loss="running"``), or None to have the loop evaluate E on the
        full training set.  Raise ``_Stop(reason)`` to end training without
        completing the epoch (the weights must then be unchanged).
        """
        raise NotImplementedError

    def _run(self, net, X_aug, T, rng, loop):
        """Drive the epochs.  Optimisers with their own loop override this."""
        while True:
            try:
                train_loss = self._epoch(net, X_aug, T, rng)
            except _Stop as stop:
                loop.stop(stop.reason)
                return
            if loop.end_epoch(train_loss):
                return
            loop.resample()

    # Shared pieces ----------------------------------------------------------
    def _decay_vector(self, net):
        """lambda on the decayed weights, 0 elsewhere, shape (n_weights,); None if off."""
        if not self.weight_decay:
            return None
        decay = np.full(net.n_weights, self.weight_decay, dtype=net.dtype)
        if not self.decay_thresholds:
            decay[net.threshold_mask()] = 0.0
        return decay

    def _penalty(self, w):
        """The weight-decay term lambda / 2 * sum(w**2) of the current run."""
        if self._decay is None:
            return 0.0
        return 0.5 * float(np.dot(self._decay * w, w))

    def _full_gradient(self, net, X_aug, T, grad, tmp):
        """E of the whole set and dE/dw (without decay) into ``grad``, in chunks.

        ``grad`` and ``tmp``: flat vectors of shape (n_weights,).
        """
        n = X_aug.shape[0]
        n_V = net.V.size
        views = [(g[:n_V].reshape(net.V.shape), g[n_V:].reshape(net.W.shape))
                 for g in (grad, tmp)]
        if n <= LOSS_CHUNK:
            return net._batch_gradient_into(X_aug, T, 1.0, net._workspace(n), *views[0],
                                            want_loss=True)
        grad.fill(0.0)
        total = 0.0
        for start in range(0, n, LOSS_CHUNK):
            stop = min(start + LOSS_CHUNK, n)
            E_chunk = net._batch_gradient_into(
                X_aug[start:stop], T[start:stop], (stop - start) / n,
                net._workspace(stop - start), *views[1], want_loss=True)
            total += (stop - start) * E_chunk
            grad += tmp
        return total / n

    # The loop ---------------------------------------------------------------
    def fit(self, net, X, T, X_val=None, T_val=None, rng=None, resample=None):
        """Train ``net`` in place.

        Parameters
        ----------
        net : BPNetwork
        X : array_like, shape (n_samples, n_in)
            Training inputs (those of the first epoch when ``resample`` is
            given).
        T : array_like, shape (n_samples, n_out)
            Training targets.
        X_val : array_like, shape (n_val, n_in), optional
        T_val : array_like, shape (n_val, n_out), optional
            Validation set, monitored for early stopping; give both or neither.
        rng : numpy.random.Generator or int or None, optional
            Source of the shuffling (and passed to ``resample``).  The same
            seed (with the same initial network) gives the same history and
            weights.
        resample : callable or None, optional
            ``resample(rng) -> X_new``, shape (n_samples, n_in): fresh
            training inputs for the same targets, drawn before every epoch
            after the first (noise injection).  Not supported by L-BFGS,
            whose line searches assume one fixed objective.

        Returns
        -------
        History
            Also stored as ``self.history_``.

        Raises
        ------
        ValueError
            On a bad hyperparameter or bad data (shapes, non-finite rows).
        """
        self.check_params()
        if resample is not None:
            if not self.supports_resample:
                raise ValueError(f"{type(self).__name__} cannot train on inputs resampled "
                                 "every epoch (noise injection); use gd, gdx, adam or lm")
            if not callable(resample):
                raise ValueError(f"resample must be callable or None; got {resample!r}")
        X = net._check_X(X)
        T = net._check_T(T, X.shape[0])
        X_aug = net._augment(X)
        if (X_val is None) != (T_val is None):
            raise ValueError("give both X_val and T_val, or neither")
        X_val_aug = None
        if X_val is not None:
            X_val = net._check_X(X_val, "X_val")
            T_val = net._check_T(T_val, X_val.shape[0], "T_val")
            X_val_aug = net._augment(X_val)
        rng = np.random.default_rng(rng)

        self.history_ = History()
        self._decay = self._decay_vector(net)
        loop = _Loop(self, net, X_aug, T, X_val_aug, T_val, rng, resample)
        self._begin(net, X_aug, T, rng)
        try:
            self._run(net, X_aug, T, rng, loop)
        except KeyboardInterrupt:
            self.history_.stop_reason = "interrupted"
            raise
        finally:
            if self.restore_best:
                net._w[...] = loop.best_w
            close = getattr(self.progress, "close", None)
            if close is not None:
                close()
        return self.history_


_COMMON_DOC = """**options
        The options every trainer shares, passed on to :class:`Trainer`:
        max_epochs, patience, min_delta, target_loss, restore_best, progress,
        weight_decay, decay_thresholds, train_loss, max_seconds."""


class GradientDescent(Trainer):
    """Gradient descent with momentum: the classical BP delta rule.

    Each step changes the weights by

        dV = -learning_rate * dE/dV + momentum * dV_prev,   V += dV

    (and likewise W), where E is the mean error of the samples of the step
    (plus the weight-decay penalty, if any).

    Parameters
    ----------
    learning_rate : float, optional
        Step size eta > 0.
    momentum : float, optional
        Momentum factor alpha in [0, 1).
    mode : {"minibatch", "online", "batch"}, optional
        ``"online"``: one step per sample, in an order reshuffled every epoch
        (the textbook's single-sample training); ``"batch"``: one step per epoch
        on the whole training set; ``"minibatch"``: steps on consecutive
        batches of ``batch_size`` samples, reshuffled every epoch (the last
        batch of an epoch may be smaller).
    batch_size : int, optional
        Samples per step in mini-batch mode.
    {common}

    Examples
    --------
    >>> import numpy as np
    >>> from geoinv.network import BPNetwork
    >>> x = np.linspace(-3, 3, 64)[:, None]
    >>> net = BPNetwork(1, 8, 1, rng=0)
    >>> history = GradientDescent(learning_rate=0.5, max_epochs=5).fit(
    ...     net, x, 0.5 + 0.3 * np.sin(x), rng=0)
    >>> len(history.epochs)
    5
    """

    MODES = ("minibatch", "online", "batch")

    def __init__(self, learning_rate=0.1, momentum=0.9, mode="minibatch",
                 batch_size=32, **options):
        super().__init__(**options)
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.mode = mode
        self.batch_size = batch_size

    def check_params(self):
        super().check_params()
        _check_float(self.learning_rate, "learning_rate", 0.0, low_open=True)
        _check_float(self.momentum, "momentum", 0.0, 1.0, high_open=True)
        if self.mode not in self.MODES:
            raise ValueError(f"unknown mode {self.mode!r}; choose one of "
                             f"{', '.join(self.MODES)}")
        _check_int(self.batch_size, "batch_size", 1)

    def _begin(self, net, X_aug, T, rng):
        self._dw = np.zeros_like(net._w)      # previous step: momentum term
        self._grad = np.empty_like(net._w)    # -learning_rate * dE/dw of the current step
        self._tmp = np.empty_like(net._w)
        n_V = net.V.size                      # ... and its V and W parts (views)
        self._grad_V = self._grad[:n_V].reshape(net.V.shape)
        self._grad_W = self._grad[n_V:].reshape(net.W.shape)
        self._decay_step = None if self._decay is None else -self.learning_rate * self._decay
        if self.mode == "online":
            self._workspace = net._sample_workspace()

    def _epoch(self, net, X_aug, T, rng):
        if self.mode == "batch":
            self._full_gradient(net, X_aug, T, self._grad, self._tmp)
            self._grad *= -self.learning_rate
            self._update(net._w)
            return None
        order = rng.permutation(X_aug.shape[0])
        X_aug, T = X_aug[order], T[order]   # one copy per epoch; batches are views
        if self.mode == "online":
            self._online_pass(net, X_aug, T)
            return None
        return self._minibatch_pass(net, X_aug, T)

    def _update(self, w):
        """Add the decay to the step in ``self._grad``, then the momentum update."""
        grad, dw = self._grad, self._dw
        if self._decay_step is not None:
            np.multiply(w, self._decay_step, out=self._tmp)
            grad += self._tmp
        dw *= self.momentum
        dw += grad
        w += dw

    def _minibatch_pass(self, net, X_aug, T):
        """Steps on consecutive batches of the (shuffled) rows; no allocation."""
        n, size = X_aug.shape[0], self.batch_size
        scale, running = -self.learning_rate, self.train_loss == "running"
        grad_V, grad_W, update, w = self._grad_V, self._grad_W, self._update, net._w
        step = net._batch_gradient_into
        ws = net._workspace(min(size, n))
        total = 0.0
        for start in range(0, n, size):
            X_b = X_aug[start:start + size]
            if X_b.shape[0] != ws.n:
                ws = net._workspace(X_b.shape[0])
            E = step(X_b, T[start:start + size], scale, ws, grad_V, grad_W, running)
            update(w)
            if running:
                total += E * X_b.shape[0]
        return total / n if running else None

    def _online_pass(self, net, X_aug, T):
        """One update per sample, in the order of the rows (already shuffled).

        The inherently sequential part of online training: everything is
        preallocated, each step is a fixed handful of numpy calls on vectors.
        """
        ws, dw, w = self._workspace, self._dw, net._w
        grad, momentum, scale = ws.grad, self.momentum, -self.learning_rate
        decay_step, tmp = self._decay_step, self._tmp
        sample_step = net._sample_step_into
        for x_aug, t in zip(X_aug, T):
            sample_step(x_aug, t, scale, ws)   # grad = -learning_rate * dE/dw
            if decay_step is not None:
                np.multiply(w, decay_step, out=tmp)
                grad += tmp
            dw *= momentum
            dw += grad
            w += dw


class AdaptiveGradientDescent(Trainer):
    """Gradient descent with momentum and an adaptive learning rate (traingdx).

    Each step is a momentum step as in :class:`GradientDescent`,

        dw = momentum * dw_prev - lr * dF/dw,   w += dw,

    F being E plus the weight-decay penalty.  Then the loss F_new of the new
    weights is compared with the loss F of the old ones (on the same samples):

    - F_new > max_perf_inc * F: the step is rejected (the old weights are
      restored), ``lr *= lr_dec`` and the momentum is cleared;
    - F_new < F: the step is kept and ``lr *= lr_inc``;
    - otherwise the step is kept and lr is left alone.

    This is MATLAB's traingdx with its defaults (lr_inc 1.05, lr_dec 0.7,
    max_perf_inc 1.04); MATLAB writes the momentum step with a factor
    (1 - momentum) on the gradient, which only rescales lr.

    Parameters
    ----------
    learning_rate : float, optional
        Initial learning rate lr > 0.
    momentum : float, optional
        Momentum factor in [0, 1).
    lr_inc : float, optional
        Growth factor (>= 1) after a step that lowered the loss.
    lr_dec : float, optional
        Cut factor in (0, 1] after a rejected step.
    max_perf_inc : float, optional
        Largest accepted ratio F_new / F (>= 1).
    mode : {"batch", "minibatch"}, optional
        ``"batch"`` (MATLAB's choice): one step per epoch on the whole
        training set, whose loss after the step is then known exactly.
        ``"minibatch"``: steps on shuffled batches of ``batch_size``, each
        judged on its own batch (one extra forward pass per step).
    batch_size : int, optional
        Samples per step in mini-batch mode.
    {common}

    Attributes
    ----------
    learning_rate_ : float
        The learning rate after the last step.
    n_rejected_ : int
        Steps rejected during the last :meth:`fit`.
    """

    MODES = ("batch", "minibatch")

    def __init__(self, learning_rate=0.01, momentum=0.9, lr_inc=1.05, lr_dec=0.7,
                 max_perf_inc=1.04, mode="batch", batch_size=32, **options):
        super().__init__(**options)
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.lr_inc = lr_inc
        self.lr_dec = lr_dec
        self.max_perf_inc = max_perf_inc
        self.mode = mode
        self.batch_size = batch_size

    def check_params(self):
        super().check_params()
        _check_float(self.learning_rate, "learning_rate", 0.0, low_open=True)
        _check_float(self.momentum, "momentum", 0.0, 1.0, high_open=True)
        _check_float(self.lr_inc, "lr_inc", 1.0)
        _check_float(self.lr_dec, "lr_dec", 0.0, 1.0, low_open=True)
        _check_float(self.max_perf_inc, "max_perf_inc", 1.0)
        if self.mode not in self.MODES:
            raise ValueError(f"unknown mode {self.mode!r}; choose one of "
                             f"{', '.join(self.MODES)}")
        _check_int(self.batch_size, "batch_size", 1)

    def _begin(self, net, X_aug, T, rng):
        self._dw = np.zeros_like(net._w)
        self._grad = np.empty_like(net._w)
        self._tmp = np.empty_like(net._w)
        self._w_old = np.empty_like(net._w)
        n_V = net.V.size
        self._grad_V = self._grad[:n_V].reshape(net.V.shape)
        self._grad_W = self._grad[n_V:].reshape(net.W.shape)
        self.learning_rate_ = float(self.learning_rate)
        self.n_rejected_ = 0

    def _epoch(self, net, X_aug, T, rng):
        if self.mode == "batch":
            E = self._full_gradient(net, X_aug, T, self._grad, self._tmp)
            return self._try_step(net, E, lambda: net._loss_aug(X_aug, T))
        order = rng.permutation(X_aug.shape[0])
        X_aug, T = X_aug[order], T[order]
        n, size = X_aug.shape[0], self.batch_size
        total = 0.0
        for start in range(0, n, size):
            X_b, T_b = X_aug[start:start + size], T[start:start + size]
            ws = net._workspace(X_b.shape[0])
            E = net._batch_gradient_into(X_b, T_b, 1.0, ws, self._grad_V, self._grad_W,
                                         want_loss=True)
            self._try_step(net, E, lambda: _batch_loss(net, X_b, T_b, ws))
            total += E * X_b.shape[0]
        return total / n if self.train_loss == "running" else None

    def _try_step(self, net, E, loss_after):
        """Step from the gradient in ``self._grad`` (of loss E); keep or reject it.

        Returns E at the weights the step leaves (the new ones if kept).
        """
        w, dw, grad = net._w, self._dw, self._grad
        F = E + self._penalty(w)
        if self._decay is not None:
            np.multiply(w, self._decay, out=self._tmp)
            grad += self._tmp
        self._w_old[...] = w
        grad *= -self.learning_rate_
        dw *= self.momentum
        dw += grad
        w += dw
        E_new = loss_after()
        F_new = E_new + self._penalty(w)
        if not F_new <= self.max_perf_inc * F:      # also rejects NaN
            w[...] = self._w_old
            dw.fill(0.0)
            self.learning_rate_ *= self.lr_dec
            self.n_rejected_ += 1
            return E
        if F_new < F:
            self.learning_rate_ *= self.lr_inc
        return E_new


def _batch_loss(net, X_aug, T, ws):
    """E of one batch through its workspace (overwrites ws.delta_o)."""
    err = np.subtract(T, net._forward_into(X_aug, ws), out=ws.delta_o)
    return 0.5 * float(np.vdot(err, err)) / X_aug.shape[0]


class Adam(Trainer):
    """Adam: mini-batch steps scaled by running moments of the gradient.

    Kingma & Ba (2015), Algorithm 1, with bias correction.  With g the
    gradient of the batch's F (E plus the weight-decay penalty, i.e. L2
    regularisation added to the gradient, not AdamW's decoupled decay) at
    step t = 1, 2, ...:

        m = beta1 m + (1 - beta1) g,      v = beta2 v + (1 - beta2) g^2
        m_hat = m / (1 - beta1^t),        v_hat = v / (1 - beta2^t)
        w -= learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    Parameters
    ----------
    learning_rate : float, optional
        Step size alpha > 0 (the paper's default 0.001).
    beta1, beta2 : float, optional
        Decay rates of the first and second moment estimates, in [0, 1).
    epsilon : float, optional
        > 0, keeps the division finite.
    batch_size : int, optional
        Samples per step; batches are reshuffled every epoch.
    {common}

    Attributes
    ----------
    t_ : int
        Number of steps taken in the last :meth:`fit`.
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 batch_size=32, **options):
        super().__init__(**options)
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.batch_size = batch_size

    def check_params(self):
        super().check_params()
        _check_float(self.learning_rate, "learning_rate", 0.0, low_open=True)
        _check_float(self.beta1, "beta1", 0.0, 1.0, high_open=True)
        _check_float(self.beta2, "beta2", 0.0, 1.0, high_open=True)
        _check_float(self.epsilon, "epsilon", 0.0, low_open=True)
        _check_int(self.batch_size, "batch_size", 1)

    def _begin(self, net, X_aug, T, rng):
        self._m = np.zeros_like(net._w)
        self._v = np.zeros_like(net._w)
        self._grad = np.empty_like(net._w)
        self._tmp = np.empty_like(net._w)
        n_V = net.V.size
        self._grad_V = self._grad[:n_V].reshape(net.V.shape)
        self._grad_W = self._grad[n_V:].reshape(net.W.shape)
        self.t_ = 0

    def _epoch(self, net, X_aug, T, rng):
        order = rng.permutation(X_aug.shape[0])
        X_aug, T = X_aug[order], T[order]
        n, size = X_aug.shape[0], self.batch_size
        running = self.train_loss == "running"
        grad_V, grad_W, update, w = self._grad_V, self._grad_W, self._update, net._w
        step = net._batch_gradient_into
        ws = net._workspace(min(size, n))
        total = 0.0
        for start in range(0, n, size):
            X_b = X_aug[start:start + size]
            if X_b.shape[0] != ws.n:
                ws = net._workspace(X_b.shape[0])
            E = step(X_b, T[start:start + size], 1.0, ws, grad_V, grad_W, running)
            update(w)
            if running:
                total += E * X_b.shape[0]
        return total / n if running else None

    def _update(self, w):
        """One Adam step from the gradient in ``self._grad``, in place."""
        g, m, v, tmp = self._grad, self._m, self._v, self._tmp
        if self._decay is not None:
            np.multiply(w, self._decay, out=tmp)
            g += tmp
        self.t_ += 1
        b1, b2 = self.beta1, self.beta2
        m *= b1
        np.multiply(g, 1.0 - b1, out=tmp)
        m += tmp                                     # m = b1 m + (1 - b1) g
        v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v += tmp                                     # v = b2 v + (1 - b2) g^2
        np.sqrt(v, out=tmp)
        tmp *= 1.0 / math.sqrt(1.0 - b2 ** self.t_)
        tmp += self.epsilon                          # sqrt(v_hat) + epsilon
        np.divide(m, tmp, out=tmp)
        tmp *= -self.learning_rate / (1.0 - b1 ** self.t_)   # -alpha m_hat / (...)
        w += tmp


_JACOBIAN_ENTRIES = 2 ** 21
"""Entries of the Jacobian block built at a time by Levenberg-Marquardt (16 MB)."""


class LevenbergMarquardt(Trainer):
    """Levenberg-Marquardt: damped Gauss-Newton steps on the whole training set.

    With e = O - T the residuals of all n samples and outputs (flattened to
    n * n_out) and J = dO/dw their Jacobian (:meth:`BPNetwork.jacobian`,
    thresholds included), one epoch is one step

        (J^T J + mu I) dw = -J^T e,

    on S = 1/2 sum e^2 = n E (with weight decay lambda, n lambda is added to
    the diagonal of the decayed weights and n lambda w to J^T e).  J^T J is
    accumulated over blocks of samples, so J is never held whole; the cost
    is O(n n_out n_weights^2) per epoch, which suits small networks.
    The mu schedule is MATLAB trainlm's: mu starts at ``mu``; a step that
    lowers S is kept and mu is multiplied by ``mu_dec``; otherwise the step is
    undone, mu is multiplied by ``mu_inc`` and the system solved again, and
    training stops (``stop_reason="mu_max"``) when mu exceeds ``mu_max``.

    Parameters
    ----------
    mu : float, optional
        Initial damping > 0.
    mu_dec : float, optional
        Factor in (0, 1) applied after a successful step.
    mu_inc : float, optional
        Factor > 1 applied after a failed step.
    mu_max : float, optional
        Stop when mu exceeds this.
    {common}

    Attributes
    ----------
    mu_ : float
        The damping after the last step.
    """

    def __init__(self, mu=0.001, mu_dec=0.1, mu_inc=10.0, mu_max=1e10, **options):
        super().__init__(**options)
        self.mu = mu
        self.mu_dec = mu_dec
        self.mu_inc = mu_inc
        self.mu_max = mu_max

    def check_params(self):
        super().check_params()
        _check_float(self.mu, "mu", 0.0, low_open=True)
        _check_float(self.mu_dec, "mu_dec", 0.0, 1.0, low_open=True, high_open=True)
        _check_float(self.mu_inc, "mu_inc", 1.0, low_open=True)
        if not _check_float(self.mu_max, "mu_max", 0.0, low_open=True) > self.mu:
            raise ValueError(f"mu_max must be > mu ({self.mu!r}); got {self.mu_max!r}")

    def _begin(self, net, X_aug, T, rng):
        from scipy.linalg import get_blas_funcs

        n_w = net.n_weights
        self.mu_ = float(self.mu)
        self._JtJ = np.zeros((n_w, n_w), order="F")      # upper triangle used
        self._A = np.empty((n_w, n_w), order="F")
        self._Jte = np.zeros(n_w)
        rows = max(1, min(X_aug.shape[0], _JACOBIAN_ENTRIES // (net.n_out * n_w)))
        self._J = np.zeros((rows, net.n_out, n_w))        # structural zeros stay zero
        self._w0 = np.empty(n_w)
        self._syrk = get_blas_funcs("syrk", (self._JtJ,))

    def _normal_equations(self, net, X_aug, T):
        """Accumulate J^T J (upper triangle) and J^T e; return S = 1/2 sum e^2."""
        JtJ, Jte, J = self._JtJ, self._Jte, self._J
        JtJ.fill(0.0)
        Jte.fill(0.0)
        n, rows, S = X_aug.shape[0], J.shape[0], 0.0
        for start in range(0, n, rows):
            stop = min(start + rows, n)
            J_b = J[:stop - start]
            O = net._jacobian_into(X_aug[start:stop], net._workspace(stop - start), J_b)
            e = np.subtract(O, T[start:stop], dtype=np.float64).ravel()
            S += 0.5 * float(np.dot(e, e))
            J_rows = J_b.reshape(-1, J.shape[2])
            self._syrk(1.0, J_rows.T, beta=1.0, c=JtJ, trans=0, lower=0, overwrite_c=1)
            Jte += J_rows.T @ e
        return S

    def _epoch(self, net, X_aug, T, rng):
        from scipy.linalg import LinAlgError, cho_factor, cho_solve

        n, w, w0, A = X_aug.shape[0], net._w, self._w0, self._A
        S = self._normal_equations(net, X_aug, T)
        w0[...] = w
        g = self._Jte.copy()
        diagonal = np.zeros_like(g)
        if self._decay is not None:
            g += n * self._decay * w0
            diagonal += n * self._decay
        F = S + n * self._penalty(w0)
        while True:
            A[...] = self._JtJ
            A.flat[::A.shape[0] + 1] += diagonal + self.mu_
            try:
                dw = cho_solve(cho_factor(A, lower=False, overwrite_a=True, check_finite=False),
                               g, check_finite=False)
                ok = bool(np.isfinite(dw).all())
            except LinAlgError:
                ok = False
            if ok:
                w[...] = w0 - dw
                E_new = net._loss_aug(X_aug, T)
                if n * (E_new + self._penalty(w)) < F:
                    self.mu_ *= self.mu_dec
                    return E_new
                w[...] = w0
            self.mu_ *= self.mu_inc
            if self.mu_ > self.mu_max:
                raise _Stop("mu_max")


def _single_threaded_blas():
    """Context limiting BLAS to one thread if threadpoolctl is installed, else a no-op."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


class LBFGS(Trainer):
    """L-BFGS on the flattened weights, through scipy.optimize.minimize.

    Minimises F = E + weight-decay penalty over the whole training set with
    ``method="L-BFGS-B"`` (no bounds), using the exact gradient of
    backpropagation.  One epoch is ``iterations_per_epoch`` iterations: the
    loop records the losses and checks early stopping from minimize's
    callback, so the quasi-Newton memory is kept across epochs.  Training
    also ends (``stop_reason="converged"``) when L-BFGS-B stops by itself
    (its ``ftol`` or ``gtol`` is met, or its line search finds no descent).
    Works in float64 even for a float32 network (scipy's routine is float64).

    SciPy >= 1.15's L-BFGS-B calls BLAS on vectors, and a multi-threaded
    OpenBLAS makes that up to ~50x slower on a busy machine (scipy issue
    #22438).  If threadpoolctl is installed (it comes with scikit-learn),
    minimize runs with BLAS limited to one thread; otherwise set
    ``OPENBLAS_NUM_THREADS=1`` if L-BFGS seems slow.

    Parameters
    ----------
    iterations_per_epoch : int, optional
        L-BFGS iterations per epoch (>= 1).
    memory : int, optional
        Number of correction pairs kept (scipy's ``maxcor``).
    gtol : float, optional
        Stop when the largest gradient component is <= gtol.
    ftol : float, optional
        Stop when the relative reduction of F falls below ftol (scipy's
        definition, relative to max(|F|, 1): F is small here, so keep it tiny).
    {common}
    """

    supports_resample = False

    def __init__(self, iterations_per_epoch=10, memory=10, gtol=1e-10, ftol=1e-14, **options):
        super().__init__(**options)
        self.iterations_per_epoch = iterations_per_epoch
        self.memory = memory
        self.gtol = gtol
        self.ftol = ftol

    def check_params(self):
        super().check_params()
        _check_int(self.iterations_per_epoch, "iterations_per_epoch", 1)
        _check_int(self.memory, "memory", 1)
        _check_float(self.gtol, "gtol", 0.0)
        _check_float(self.ftol, "ftol", 0.0)

    def _run(self, net, X_aug, T, rng, loop):
        from scipy.optimize import minimize

        grad, tmp = np.empty_like(net._w), np.empty_like(net._w)
        last = {"w": None, "E": None}   # the latest evaluation: the callback's x

        def fun(w):
            net._w[...] = w
            E = self._full_gradient(net, X_aug, T, grad, tmp)
            F = E + self._penalty(net._w)
            if self._decay is not None:
                np.add(grad, self._decay * net._w, out=grad)
            last["w"], last["E"] = w.copy(), E
            return F, grad.astype(np.float64)

        def loss_at(w):
            if last["w"] is not None and np.array_equal(w, last["w"]):
                net._w[...] = w
                return last["E"]
            net._w[...] = w
            return None                 # the loop evaluates it

        k, iterations = self.iterations_per_epoch, 0

        def callback(xk):
            nonlocal iterations
            iterations += 1
            if iterations % k == 0 and loop.end_epoch(loss_at(xk)):
                raise _Stop(loop.history.stop_reason)

        options = {"maxiter": self.max_epochs * k, "maxcor": self.memory, "gtol": self.gtol,
                   "ftol": self.ftol, "maxfun": 100 * self.max_epochs * k}
        try:
            with _single_threaded_blas():
                result = minimize(fun, net._w.astype(np.float64), jac=True, method="L-BFGS-B",
                                  callback=callback, options=options)
        except _Stop:
            return
        if iterations % k or iterations == 0:    # record the last, partial epoch
            if loop.end_epoch(loss_at(result.x)):
                return
        else:
            net._w[...] = result.x
        loop.stop("converged")


for _cls in (GradientDescent, AdaptiveGradientDescent, Adam, LevenbergMarquardt, LBFGS):
    _cls.__doc__ = _cls.__doc__.replace("{common}", _COMMON_DOC)
del _cls


def _clock(seconds):
    """Seconds as H:MM:SS."""
    minutes, s = divmod(int(round(seconds)), 60)
    h, m = divmod(minutes, 60)
    return f"{h}:{m:02d}:{s:02d}"


class TerminalProgress:
    """Progress callback that rewrites a single terminal line.

    The line shows epoch/max_epochs, the losses, elapsed time and an upper
    bound on the time left (the remaining epochs up to ``max_epochs`` at the
    mean speed so far; early stopping may end sooner).  It is rewritten at
    most once per ``every`` seconds of training time, and always for the last
    epoch; :meth:`close` (called by the trainer) finishes the line.  When the
    stream is not a terminal (a log file, a pipe) each update is a line of
    its own, at most one per ``10 * every`` seconds, so logs stay readable.

    Parameters
    ----------
    stream : file-like or None, optional
        Where to write; None means ``sys.stderr`` at the time of writing.
    every : float, optional
        Minimum seconds between two rewrites.

    Examples
    --------
    >>> import io
    >>> p = TerminalProgress(io.StringIO(), every=0)
    >>> p(1, 10, 0.25, float("nan"), 2.0); p.close()
    >>> p.stream.getvalue().strip()
    'epoch 1/10  train 2.500e-01  elapsed 0:00:02  left <= 0:00:18'
    """

    def __init__(self, stream=None, every=1.0):
        self.stream = stream
        self.every = every
        self._reset()

    def _reset(self):
        self._last = None          # arguments of the last call
        self._written_at = None    # elapsed time of the last rewrite
        self._dirty = False        # last call not yet shown
        self._width = 0

    def __call__(self, epoch, max_epochs, train_loss, val_loss, elapsed):
        if self._last is not None and epoch <= self._last[0]:
            self._reset()          # a new run without close()
        self._last = (epoch, max_epochs, train_loss, val_loss, elapsed)
        self._dirty = True
        every = self.every if self._isatty() else 10 * self.every
        if (self._written_at is None or elapsed - self._written_at >= every
                or epoch >= max_epochs):
            self._write()

    def _write(self):
        epoch, max_epochs, train_loss, val_loss, elapsed = self._last
        line = f"epoch {epoch}/{max_epochs}  train {train_loss:.3e}"
        if not math.isnan(val_loss):
            line += f"  val {val_loss:.3e}"
        left = elapsed / epoch * (max_epochs - epoch)
        line += f"  elapsed {_clock(elapsed)}  left <= {_clock(left)}"
        stream = self._stream()
        if self._isatty():
            stream.write("\r" + line.ljust(self._width))
        else:
            stream.write(line + "\n")
        stream.flush()
        self._width = len(line)
        self._written_at = elapsed
        self._dirty = False

    def close(self):
        """Show the last epoch and end the line."""
        if self._last is not None:
            if self._dirty:
                self._write()
            if self._isatty():
                self._stream().write("\n")
                self._stream().flush()
        self._reset()

    def _stream(self):
        return self.stream if self.stream is not None else sys.stderr

    def _isatty(self):
        isatty = getattr(self._stream(), "isatty", None)
        return bool(isatty and isatty())


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
    try:
        cls = TRAINERS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown trainer {name!r}; choose one of "
                         f"{', '.join(TRAINERS)}") from None
    valid = trainer_options(cls)
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(unknown)} for trainer "
                         f"{name!r}; valid options: {', '.join(valid)}")
    trainer = cls(**options)
    trainer.check_params()
    return trainer
