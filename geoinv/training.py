"""Training a BPNetwork: the epoch loop, gradient descent, history, progress.

The pieces, each swappable:

- :class:`Trainer` owns the loop every optimiser shares: after each epoch it
  evaluates the training loss on the full training set and the validation loss
  on the validation set, records them in a :class:`History`, reports to a
  progress callback, and stops at ``max_epochs``, when the monitored loss has
  not improved for ``patience`` epochs, when it reaches ``target_loss``, or
  when it stops being finite.  At the end it restores the weights of the best
  epoch.  The monitored loss is the validation loss if a validation set is
  given, else the training loss.
- A subclass says what one epoch is.  :class:`GradientDescent` implements the
  textbook's delta rule with momentum in online, batch or mini-batch mode.
  Adam, Levenberg-Marquardt or L-BFGS subclass :class:`Trainer` the same way:
  ``_begin`` allocates their state, ``_epoch`` updates the weights (they can
  use ``net._loss_grad_aug`` and the flat weight vector of the network).
- :class:`TerminalProgress` is a progress callback that rewrites one terminal
  line; ``progress=None`` trains silently.  Library code never prints.

The training loss of an epoch is the loss of the full training set after the
epoch (not a running mean over the batches, which mixes weights of different
steps); it costs one forward pass over the training set per epoch.
"""

from __future__ import annotations

import inspect
import math
import operator
import sys
import time
from dataclasses import dataclass, field

import numpy as np

__all__ = ["History", "Trainer", "GradientDescent", "TerminalProgress",
           "TRAINERS", "make_trainer"]


@dataclass
class History:
    """Loss per epoch of one training run.

    Attributes
    ----------
    epochs : list of int
        1, 2, ..., one entry per completed epoch.
    train_loss : list of float
        Error E on the full training set after each epoch.
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
        loss became NaN or infinite) or ``"interrupted"`` (KeyboardInterrupt).
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
        ok = operator.index(value) >= minimum
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(f"{name} must be an integer >= {minimum}"
                         f"{' or None' if allow_none else ''}; got {value!r}")
    return operator.index(value)


def _check_float(value, name, low, high=math.inf, high_open=False, allow_none=False):
    """Return ``value`` as a finite float in [low, high] (or [low, high)), else raise."""
    if value is None and allow_none:
        return None
    try:
        x = float(value)
        ok = not isinstance(value, (str, bool)) and math.isfinite(x) and low <= x and (
            x < high if high_open else x <= high)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        bracket = ")" if high_open else "]"
        raise ValueError(f"{name} must be a number in [{low}, {high}{bracket}; got {value!r}")
    return x


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

    Attributes
    ----------
    history_ : History
        The history of the last call to :meth:`fit`.
    """

    def __init__(self, max_epochs=1000, patience=50, min_delta=0.0,
                 target_loss=None, restore_best=True, progress=None):
        self.max_epochs = max_epochs
        self.patience = patience
        self.min_delta = min_delta
        self.target_loss = target_loss
        self.restore_best = restore_best
        self.progress = progress

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
        if not isinstance(self.restore_best, bool):
            raise ValueError(f"restore_best must be True or False; got {self.restore_best!r}")
        if self.progress is not None and not callable(self.progress):
            raise ValueError(f"progress must be callable or None; got {self.progress!r}")

    def _begin(self, net, X_aug, T, rng):
        """Allocate per-run state before the first epoch."""

    def _epoch(self, net, X_aug, T, rng):
        """Run one epoch: update ``net`` in place.

        ``X_aug``, shape (n_samples, n_in + 1), holds the checked training
        inputs already augmented with x0 = -1; ``T`` the targets.
        """
        raise NotImplementedError

    # The loop ---------------------------------------------------------------
    def fit(self, net, X, T, X_val=None, T_val=None, rng=None):
        """Train ``net`` in place.

        Parameters
        ----------
        net : BPNetwork
        X : array_like, shape (n_samples, n_in)
            Training inputs.
        T : array_like, shape (n_samples, n_out)
            Training targets.
        X_val : array_like, shape (n_val, n_in), optional
        T_val : array_like, shape (n_val, n_out), optional
            Validation set, monitored for early stopping; give both or neither.
        rng : numpy.random.Generator or int or None, optional
            Source of the shuffling.  The same seed (with the same initial
            network) gives the same history and weights.

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
        X = net._check_X(X)
        T = net._check_T(T, X.shape[0])
        X_aug = net._augment(X)
        if (X_val is None) != (T_val is None):
            raise ValueError("give both X_val and T_val, or neither")
        has_val = X_val is not None
        if has_val:
            X_val = net._check_X(X_val, "X_val")
            T_val = net._check_T(T_val, X_val.shape[0], "T_val")
            X_val_aug = net._augment(X_val)
        rng = np.random.default_rng(rng)

        history = self.history_ = History()
        best_loss, best_w, wait = math.inf, net.flat_weights(), 0
        progress = self.progress
        self._begin(net, X_aug, T, rng)
        start = time.perf_counter()
        try:
            for epoch in range(1, self.max_epochs + 1):
                self._epoch(net, X_aug, T, rng)
                train_loss = net._loss_aug(X_aug, T)
                val_loss = net._loss_aug(X_val_aug, T_val) if has_val else math.nan
                elapsed = time.perf_counter() - start
                history.epochs.append(epoch)
                history.train_loss.append(train_loss)
                history.val_loss.append(val_loss)
                history.seconds.append(elapsed)
                if progress is not None:
                    progress(epoch, self.max_epochs, train_loss, val_loss, elapsed)

                monitored = val_loss if has_val else train_loss
                if not (math.isfinite(train_loss) and math.isfinite(monitored)):
                    history.stop_reason = "diverged"
                    break
                if monitored < best_loss - self.min_delta:
                    best_loss, history.best_epoch, wait = monitored, epoch, 0
                    best_w[...] = net._w
                else:
                    wait += 1
                if self.target_loss is not None and monitored <= self.target_loss:
                    history.stop_reason = "target"
                    break
                if self.patience is not None and wait >= self.patience:
                    history.stop_reason = "patience"
                    break
            else:
                history.stop_reason = "max_epochs"
        except KeyboardInterrupt:
            history.stop_reason = "interrupted"
            raise
        finally:
            if self.restore_best:
                net._w[...] = best_w
            close = getattr(progress, "close", None)
            if close is not None:
                close()
        return history


class GradientDescent(Trainer):
    """Gradient descent with momentum: the classical BP delta rule.

    Each step changes the weights by

        dV = -learning_rate * dE/dV + momentum * dV_prev,   V += dV

    (and likewise W), where E is the mean error of the samples of the step.

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
    max_epochs, patience, min_delta, target_loss, restore_best, progress
        See :class:`Trainer`.

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
                 batch_size=32, max_epochs=1000, patience=50, min_delta=0.0,
                 target_loss=None, restore_best=True, progress=None):
        super().__init__(max_epochs=max_epochs, patience=patience,
                         min_delta=min_delta, target_loss=target_loss,
                         restore_best=restore_best, progress=progress)
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.mode = mode
        self.batch_size = batch_size

    def check_params(self):
        super().check_params()
        if not _check_float(self.learning_rate, "learning_rate", 0.0) > 0:
            raise ValueError(f"learning_rate must be > 0; got {self.learning_rate!r}")
        _check_float(self.momentum, "momentum", 0.0, 1.0, high_open=True)
        if self.mode not in self.MODES:
            raise ValueError(f"unknown mode {self.mode!r}; choose one of "
                             f"{', '.join(self.MODES)}")
        _check_int(self.batch_size, "batch_size", 1)

    def _begin(self, net, X_aug, T, rng):
        self._dw = np.zeros_like(net._w)      # previous step: momentum term
        self._grad = np.empty_like(net._w)    # dE/dw of the current step
        n_V = net.V.size                      # ... and its V and W parts (views)
        self._grad_V = self._grad[:n_V].reshape(net.V.shape)
        self._grad_W = self._grad[n_V:].reshape(net.W.shape)
        if self.mode == "online":
            self._workspace = net._sample_workspace()

    def _epoch(self, net, X_aug, T, rng):
        if self.mode == "batch":
            self._step(net, X_aug, T)
            return
        order = rng.permutation(X_aug.shape[0])
        X_aug, T = X_aug[order], T[order]   # one copy per epoch; batches are views
        if self.mode == "online":
            self._online_pass(net, X_aug, T)
        else:
            size = self.batch_size
            for start in range(0, X_aug.shape[0], size):
                self._step(net, X_aug[start:start + size], T[start:start + size])

    def _step(self, net, X_aug, T):
        """One update from the mean gradient of the samples in ``X_aug``."""
        grad, dw = self._grad, self._dw
        net._backward_into(net._forward_aug(X_aug), T, self._grad_V, self._grad_W)
        grad *= -self.learning_rate
        dw *= self.momentum
        dw += grad
        net._w += dw

    def _online_pass(self, net, X_aug, T):
        """One update per sample, in the order of the rows (already shuffled).

        The inherently sequential part of online training: everything is
        preallocated, each step is a fixed handful of numpy calls on vectors.
        """
        ws, dw, w = self._workspace, self._dw, net._w
        grad, momentum, scale = ws.grad, self.momentum, -self.learning_rate
        sample_step = net._sample_step_into
        for x_aug, t in zip(X_aug, T):
            sample_step(x_aug, t, scale, ws)   # grad = -learning_rate * dE/dw
            dw *= momentum
            dw += grad
            w += dw


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


TRAINERS = {"gd": GradientDescent}
"""Registry: trainer name (as a scenario file spells it) -> Trainer subclass."""


def make_trainer(name, **options):
    """Build a trainer by registry name.

    Parameters
    ----------
    name : str
        A key of :data:`TRAINERS`, e.g. ``"gd"``.
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
    """
    try:
        cls = TRAINERS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown trainer {name!r}; choose one of "
                         f"{', '.join(TRAINERS)}") from None
    valid = [p for p in inspect.signature(cls).parameters if p != "self"]
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(unknown)} for trainer "
                         f"{name!r}; valid options: {', '.join(valid)}")
    trainer = cls(**options)
    trainer.check_params()
    return trainer
