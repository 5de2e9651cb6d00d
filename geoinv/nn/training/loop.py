"""The epoch loop every trainer shares: :class:`Trainer`, :class:`History`.

:meth:`Trainer.fit` checks the data, evaluates the loss of the initial
weights (epoch 0, the first candidate for the best weights), then runs
epochs until a stopping rule fires, and leaves the network with the best
weights.  After each epoch it records the training loss and the validation
loss in a :class:`History` and reports to the progress callback.  It stops:

- at ``max_epochs``, or when ``max_seconds`` have passed;
- when the monitored loss has not improved for ``patience`` epochs;
- when the monitored loss reaches ``target_loss``;
- when training diverges: a loss that is not finite, or a monitored loss
  above :data:`DIVERGENCE_FACTOR` times the best so far;
- when the optimiser says it cannot go on (Levenberg-Marquardt's mu above
  its maximum, L-BFGS converged).

If no epoch improved on the initial weights, the run ends with
``stop_reason="no_progress"`` (and the initial weights).  The monitored loss
is the validation loss if a validation set is given, else the training loss.
BLAS is limited to one thread during ``fit``: training multiplies small
matrices, where threads only add synchronisation, and on a busy two-core
machine a multi-threaded OpenBLAS made epochs 3.6 to 20 times slower.

A subclass says what one epoch is: ``_begin`` allocates its state and
``_epoch`` updates the network's weights in place (or ``_run`` drives the
epochs itself).  It uses only the network's trainer interface (see
:mod:`geoinv.nn.network`).  Its hyperparameters are checked from the table
``PARAMETERS`` each class declares (name -> check of :mod:`geoinv._checks`
and its bounds), collected along the class hierarchy by
:meth:`Trainer.check_params`.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field

import numpy as np

from ..._checks import check_bool, check_choice, check_float, check_int

__all__ = ["History", "Trainer", "DIVERGENCE_FACTOR"]

DIVERGENCE_FACTOR = 1e3
"""Training has diverged when the monitored loss exceeds this times the best so far."""

IMPROVING_TAIL = 0.1
"""History.still_improving: a new best within this fraction of the last epochs."""


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
        0 means the initial weights (no epoch improved on them).
    stop_reason : str
        ``"max_epochs"``, ``"patience"``, ``"target"``, ``"diverged"`` (a
        loss became NaN or infinite, or the monitored loss grew above
        :data:`DIVERGENCE_FACTOR` times the best so far), ``"no_progress"``
        (training ended without any epoch better than the initial weights),
        ``"mu_max"`` (Levenberg-Marquardt found no step that lowers the loss
        before mu exceeded ``mu_max``), ``"converged"`` (L-BFGS met its
        tolerance), ``"time"`` (the ``max_seconds`` budget ran out) or
        ``"interrupted"`` (KeyboardInterrupt).
    initial_loss : float
        The monitored loss of the initial weights (epoch 0); NaN before fit.
    """

    epochs: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    best_epoch: int = 0
    stop_reason: str = ""
    initial_loss: float = math.nan

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

    @property
    def still_improving(self):
        """Whether training was cut short while the monitored loss still improved.

        True when the run ended at ``max_epochs`` (or its time budget) and
        its best epoch lies within the last :data:`IMPROVING_TAIL` (10 %) of
        the epochs: more epochs would probably have helped.
        """
        n = len(self.epochs)
        tail = max(1, math.ceil(IMPROVING_TAIL * n))
        return self.stop_reason in ("max_epochs", "time") and self.best_epoch > n - tail

    def warning(self):
        """One line for the user when the run went wrong or stopped short, else None.

        Examples
        --------
        >>> History(epochs=[1, 2], train_loss=[3e12, 5e40], stop_reason="diverged").warning()
        'training diverged at epoch 2 (loss 5e+40); lower learning_rate'
        """
        n = len(self.epochs)
        if self.stop_reason == "diverged":
            loss = f" (loss {self._monitored(-1):.3g})" if n else ""
            return f"training diverged at epoch {n}{loss}; lower learning_rate"
        if self.stop_reason == "no_progress":
            return (f"training made no progress: none of {n} epochs improved on the initial "
                    f"weights (loss {self.initial_loss:.3g}); lower learning_rate")
        if self.still_improving:
            limit = "max_epochs" if self.stop_reason == "max_epochs" else "max_seconds"
            return (f"training stopped at {limit} (epoch {n}) while the loss was still "
                    f"improving (best epoch {self.best_epoch}); raise {limit}")
        return None

    def _monitored(self, i):
        val = self.val_loss[i] if self.val_loss else math.nan
        return self.train_loss[i] if math.isnan(val) else val


def _check_progress(value, name):
    if value is not None and not callable(value):
        raise ValueError(f"{name} must be callable or None; got {value!r}")
    return value


def one_blas_thread():
    """Context limiting BLAS to one thread (threadpoolctl); a no-op without it."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:      # a declared dependency: only an old environment lacks it
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


class Stop(Exception):
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
        self.start = time.perf_counter()
        # epoch 0: the initial weights are the first candidate for the best
        initial = self._monitored_loss()
        self.history.initial_loss = initial
        self.best_loss = initial if math.isfinite(initial) else math.inf
        self.best_w, self.wait = net.weights.copy(), 0
        self.done = False

    def _monitored_loss(self):
        if self.X_val_aug is not None:
            return self.net.loss_of_augmented(self.X_val_aug, self.T_val)
        return self.net.loss_of_augmented(self.X_aug, self.T)

    @property
    def epoch(self):
        """Number of completed epochs."""
        return len(self.history.epochs)

    def resample(self):
        """Replace the training inputs with fresh ones (if a resampler was given)."""
        if self._resample is None:
            return
        X = self.net.check_inputs(self._resample(self.rng), "resampled X")
        if X.shape[0] != self.X_aug.shape[0]:
            raise ValueError(f"resample returned {X.shape[0]} samples; the training set "
                             f"has {self.X_aug.shape[0]}")
        self.X_aug[:, 1:] = X

    def stop(self, reason):
        if reason in ("patience", "max_epochs", "time") and self.history.best_epoch == 0:
            reason = "no_progress"
        self.history.stop_reason = reason
        self.done = True

    def end_epoch(self, train_loss=None):
        """Record an epoch; return True when training should stop.

        ``train_loss``: E on the training set if the trainer knows it, else
        None and it is evaluated here on the full training set.
        """
        trainer, net, history = self.trainer, self.net, self.history
        if train_loss is None:
            train_loss = net.loss_of_augmented(self.X_aug, self.T)
        has_val = self.X_val_aug is not None
        val_loss = net.loss_of_augmented(self.X_val_aug, self.T_val) if has_val else math.nan
        elapsed = time.perf_counter() - self.start
        epoch = self.epoch + 1
        history.epochs.append(epoch)
        history.train_loss.append(train_loss)
        history.val_loss.append(val_loss)
        history.seconds.append(elapsed)
        if trainer.progress is not None:
            trainer.progress(epoch, trainer.max_epochs, train_loss, val_loss, elapsed)

        monitored = val_loss if has_val else train_loss
        if (not (math.isfinite(train_loss) and math.isfinite(monitored))
                or (self.best_loss > 0 and monitored > DIVERGENCE_FACTOR * self.best_loss)):
            self.stop("diverged")
            return True
        if monitored < self.best_loss - trainer.min_delta:
            self.best_loss, history.best_epoch, self.wait = monitored, epoch, 0
            self.best_w[...] = net.weights
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
        extra pass; see :mod:`geoinv.nn.training`).  Trainers that know the
        exact loss anyway use it with either setting.
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

    PARAMETERS = {
        "max_epochs": (check_int, dict(minimum=1)),
        "patience": (check_int, dict(minimum=1, allow_none=True)),
        "min_delta": (check_float, dict(low=0.0)),
        "target_loss": (check_float, dict(low=0.0, allow_none=True)),
        "restore_best": (check_bool, {}),
        "progress": (_check_progress, {}),
        "weight_decay": (check_float, dict(low=0.0)),
        "decay_thresholds": (check_bool, {}),
        "max_seconds": (check_float, dict(low=0.0, low_open=True, allow_none=True)),
        "train_loss": (check_choice, dict(choices=TRAIN_LOSS)),
    }
    """Hyperparameter checks: name -> (check of geoinv._checks, its keyword arguments)."""

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

    def check_params(self):
        """Validate the hyperparameters; raise ValueError naming the bad one.

        Runs the checks of the ``PARAMETERS`` tables of this class and its
        bases (the shared options first).  Called by :meth:`fit` and by
        ``make_trainer`` (so a scenario file is checked before any work is
        done).
        """
        for klass in reversed(type(self).__mro__):
            for name, (check, options) in vars(klass).get("PARAMETERS", {}).items():
                check(getattr(self, name), name, **options)

    # Hooks for subclasses -------------------------------------------------
    def _begin(self, net, X_aug, T, rng):
        """Allocate per-run state before the first epoch."""

    def _epoch(self, net, X_aug, T, rng):
        """Run one epoch: update ``net`` in place.

        ``X_aug``, shape (n_samples, n_in + 1), holds the checked training
        inputs already augmented with x0 = -1; ``T`` the targets.  Return the
        training loss to record (E after the epoch, or the running mean when
        ``train_loss="running"``), or None to have the loop evaluate E on the
        full training set.  Raise ``Stop(reason)`` to end training without
        completing the epoch (the weights must then be unchanged).
        """
        raise NotImplementedError

    def _run(self, net, X_aug, T, rng, loop):
        """Drive the epochs.  Optimisers with their own loop override this."""
        while True:
            try:
                train_loss = self._epoch(net, X_aug, T, rng)
            except Stop as stop:
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
            Also stored as ``self.history_``; ``History.warning()`` says when
            the run diverged, made no progress or was cut short.

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
        X_aug = net.augment(X)
        T = net.check_targets(T, X_aug.shape[0])
        if (X_val is None) != (T_val is None):
            raise ValueError("give both X_val and T_val, or neither")
        X_val_aug = None
        if X_val is not None:
            X_val_aug = net.augment(X_val, "X_val")
            T_val = net.check_targets(T_val, X_val_aug.shape[0], "T_val")
        rng = np.random.default_rng(rng)

        self.history_ = History()
        self._decay = self._decay_vector(net)
        loop = None
        try:
            with one_blas_thread():
                loop = _Loop(self, net, X_aug, T, X_val_aug, T_val, rng, resample)
                self._begin(net, X_aug, T, rng)
                self._run(net, X_aug, T, rng, loop)
        except KeyboardInterrupt:
            self.history_.stop_reason = "interrupted"
            raise
        finally:
            if self.restore_best and loop is not None:
                net.weights[...] = loop.best_w
            close = getattr(self.progress, "close", None)
            if close is not None:
                close()
        return self.history_


COMMON_DOC = """**options
        The options every trainer shares, passed on to :class:`Trainer`:
        max_epochs, patience, min_delta, target_loss, restore_best, progress,
        weight_decay, decay_thresholds, train_loss, max_seconds."""


def shared_options_doc(cls):
    """Class decorator: put the shared options (:data:`COMMON_DOC`) at ``{common}``."""
    cls.__doc__ = cls.__doc__.replace("{common}", COMMON_DOC)
    return cls
