"""Update rules on the mini-batch loop: gradient descent (gd), traingdx (gdx), Adam.

Each class says only how one step changes the weights from the gradient of
a batch; the loop over epochs and batches is
:class:`~geoinv.nn.training.minibatch.MinibatchTrainer`, the stopping rules
and the history :class:`~geoinv.nn.training.loop.Trainer`.  In every rule F
is E plus the weight-decay penalty lambda / 2 * ||w||^2 (its gradient adds
lambda * w, over the decayed weights).
"""

from __future__ import annotations

import math

import numpy as np

from ..._checks import check_choice, check_float, check_int
from .loop import shared_options_doc
from .minibatch import MinibatchTrainer

__all__ = ["GradientDescent", "AdaptiveGradientDescent", "Adam"]

_LEARNING_RATE = (check_float, dict(low=0.0, low_open=True))
_FRACTION = (check_float, dict(low=0.0, high=1.0, high_open=True))      # [0, 1)
_BATCH_SIZE = (check_int, dict(minimum=1))


@shared_options_doc
class GradientDescent(MinibatchTrainer):
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
    >>> from geoinv.nn.network import BPNetwork
    >>> x = np.linspace(-3, 3, 64)[:, None]
    >>> net = BPNetwork(1, 8, 1, rng=0)
    >>> history = GradientDescent(learning_rate=0.5, max_epochs=5).fit(
    ...     net, x, 0.5 + 0.3 * np.sin(x), rng=0)
    >>> len(history.epochs)
    5
    """

    MODES = ("minibatch", "online", "batch")
    PARAMETERS = {
        "learning_rate": _LEARNING_RATE,
        "momentum": _FRACTION,
        "mode": (check_choice, dict(choices=MODES)),
        "batch_size": _BATCH_SIZE,
    }

    def __init__(self, learning_rate=0.1, momentum=0.9, mode="minibatch",
                 batch_size=32, **options):
        super().__init__(**options)
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.mode = mode
        self.batch_size = batch_size

    def _gradient_scale(self):
        return -self.learning_rate          # self._grad = -learning_rate * dE/dw

    def _begin_rule(self, net):
        self._dw = np.zeros_like(self._w)   # previous step: the momentum term
        self._decay_step = None if self._decay is None else -self.learning_rate * self._decay

    def _update(self, net, E, X_b, T_b):
        grad, dw, w = self._grad, self._dw, self._w
        if self._decay_step is not None:
            np.multiply(w, self._decay_step, out=self._tmp)
            grad += self._tmp
        dw *= self.momentum
        dw += grad
        w += dw
        return None


@shared_options_doc
class AdaptiveGradientDescent(MinibatchTrainer):
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
    PARAMETERS = {
        "learning_rate": _LEARNING_RATE,
        "momentum": _FRACTION,
        "lr_inc": (check_float, dict(low=1.0)),
        "lr_dec": (check_float, dict(low=0.0, high=1.0, low_open=True)),
        "max_perf_inc": (check_float, dict(low=1.0)),
        "mode": (check_choice, dict(choices=MODES)),
        "batch_size": _BATCH_SIZE,
    }
    needs_batch_loss = True

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

    def _begin_rule(self, net):
        self._dw = np.zeros_like(self._w)
        self._w_old = np.empty_like(self._w)
        self.learning_rate_ = float(self.learning_rate)
        self.n_rejected_ = 0

    def _update(self, net, E, X_b, T_b):
        """Step from the gradient in ``self._grad`` (of loss E); keep or reject it.

        Returns E at the weights the step leaves (the new ones if kept).
        """
        w, dw, grad = self._w, self._dw, self._grad
        F = E + self._penalty(w)
        if self._decay is not None:
            np.multiply(w, self._decay, out=self._tmp)
            grad += self._tmp
        self._w_old[...] = w
        grad *= -self.learning_rate_
        dw *= self.momentum
        dw += grad
        w += dw
        E_new = net.loss_of_augmented(X_b, T_b)
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


@shared_options_doc
class Adam(MinibatchTrainer):
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

    PARAMETERS = {
        "learning_rate": _LEARNING_RATE,
        "beta1": _FRACTION,
        "beta2": _FRACTION,
        "epsilon": (check_float, dict(low=0.0, low_open=True)),
        "batch_size": _BATCH_SIZE,
    }

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 batch_size=32, **options):
        super().__init__(**options)
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.batch_size = batch_size

    def _begin_rule(self, net):
        self._m = np.zeros_like(self._w)
        self._v = np.zeros_like(self._w)
        self.t_ = 0

    def _update(self, net, E, X_b, T_b):
        g, m, v, tmp, w = self._grad, self._m, self._v, self._tmp, self._w
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
        return None
