"""The three-layer BP network: weights V and W, forward pass, backpropagation.

The formulation is the classical one (shared/DESIGN.md, seed 002; Han Liqun's
textbook, figure 8.11), written for a batch of samples in the rows of X:

    X_aug = [-1, X]                      (n, n_in + 1)   x0 = -1: thresholds
    net_y = X_aug @ V.T,  Y = f(net_y)   (n, n_hidden)   V: (n_hidden, n_in + 1)
    Y_aug = [-1, Y]                      (n, n_hidden + 1)
    net_o = Y_aug @ W.T,  O = g(net_o)   (n, n_out)      W: (n_out, n_hidden + 1)

Column 0 of V and of W holds the thresholds: setting ``V[:, 0] = b`` shifts
net_y by -b.  The error is the batch mean of the per-sample squared error,

    E = 1/n sum_p 1/2 sum_k (t_pk - o_pk)^2,

and backpropagation gives, with the error signals delta_o and delta_y,

    delta_o = (T - O) * g'(net_o)                    (n, n_out)
    delta_y = (delta_o @ W[:, 1:]) * f'(net_y)       (n, n_hidden)
    dE/dW   = -delta_o.T @ Y_aug / n                 (n_out, n_hidden + 1)
    dE/dV   = -delta_y.T @ X_aug / n                 (n_hidden, n_in + 1)

so a gradient-descent step is ``V -= lr * dE/dV`` (the textbook's
``V += lr * delta_y x``).  Everything is plain numpy.

The backward pass is written once, in :meth:`BPNetwork._backpropagate`:
from an output error signal delta_o it forms delta_y and the products of
both signals with their layers' augmented inputs.  Every derivative goes
through it:

- the gradient of E (:meth:`~BPNetwork.gradients`, :meth:`~BPNetwork.backward`,
  :meth:`~BPNetwork.loss_and_gradient` and the trainers' mini-batch step
  :meth:`~BPNetwork.batch_gradient_into`; an online step is a batch of one
  row) backpropagates delta_o = (T - O) g'(net_o), scaled by ``-scale / n``
  so that the sum over the batch comes out as ``scale * dE/dw``;
- the Jacobian (:meth:`~BPNetwork.jacobian`) backpropagates, for each output
  unit k, delta_o = e_k g'(net_o) (the k-th unit vector in place of T - O)
  through row k of W, and keeps the products per sample instead of summing
  them: J[p, k, :] = dO[p, k] / dw, shape (n, n_out, n_weights).

V and W are views into one flat weight vector ``[V.ravel(), W.ravel()]``
(:attr:`BPNetwork.weights`): optimisers that work on a vector
(Levenberg-Marquardt, L-BFGS) use it directly, and the gradient-descent
trainers update V and W in one vector operation.  What the trainers use of
the network, and all they use, is its trainer interface
(:mod:`geoinv.nn.trainer_interface`, a base class of BPNetwork): allocation-free
mini-batch steps on preallocated workspaces, and the loss, gradient and
Jacobian of a whole set in chunks.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from .activations import get_activation
from .trainer_interface import LOSS_CHUNK, TrainerInterface
from .._checks import check_int

__all__ = ["BPNetwork", "Signals"]

_RENAMED = {"hidden": "hidden_activation", "output": "output_activation"}
"""Keywords (and saved-dict keys) renamed in 0.2: old name -> new name."""


class Signals(NamedTuple):
    """The signals of one forward pass, kept for backpropagation.

    Attributes
    ----------
    X_aug : ndarray, shape (n_samples, n_in + 1)
        Inputs with x0 = -1 in column 0.
    net_y : ndarray, shape (n_samples, n_hidden)
        Net input of the hidden layer, ``X_aug @ V.T``.
    Y_aug : ndarray, shape (n_samples, n_hidden + 1)
        Hidden outputs with y0 = -1 in column 0.
    net_o : ndarray, shape (n_samples, n_out)
        Net input of the output layer, ``Y_aug @ W.T``.
    O : ndarray, shape (n_samples, n_out)
        Network outputs.
    """

    X_aug: np.ndarray
    net_y: np.ndarray
    Y_aug: np.ndarray
    net_o: np.ndarray
    O: np.ndarray

    @property
    def Y(self):
        """Hidden outputs without y0, shape (n_samples, n_hidden) (a view)."""
        return self.Y_aug[:, 1:]


class _Allocate:
    """Stands in for a workspace where the backward pass allocates its arrays."""

    delta_o = delta_y = d_o = d_y = None


def _new_keywords(kwargs, where):
    """Map the deprecated keywords ``hidden``/``output`` to their new names."""
    renamed = {}
    for key, value in kwargs.items():
        if key not in _RENAMED:
            raise TypeError(f"{where} got an unexpected keyword argument {key!r}")
        warnings.warn(f"{where}: the keyword {key!r} is now {_RENAMED[key]!r} (the old name "
                      "goes away in the next release)", DeprecationWarning, stacklevel=3)
        renamed[_RENAMED[key]] = value
    return renamed


class BPNetwork(TrainerInterface):
    """Three-layer backpropagation network with thresholds as weights on -1.

    Parameters
    ----------
    n_in : int
        Number of inputs (data values per sample).
    n_hidden : int
        Number of hidden neurons.
    n_out : int
        Number of outputs (model parameters per sample).
    hidden_activation : {"logsig", "tansig", "purelin"}, optional
        Activation f of the hidden layer; logsig (unipolar sigmoid) by default.
    output_activation : {"logsig", "tansig", "purelin"}, optional
        Activation g of the output layer; logsig by default.  Targets should
        lie in ``ACTIVATIONS[output_activation].working_range``.
    rng : numpy.random.Generator or int or None, optional
        Source of the initial weights.  Every weight, thresholds included, is
        drawn from U(-a, a) with a = 1/sqrt(fan_in), fan_in being the width of
        the layer's augmented input (n_in + 1 for V, n_hidden + 1 for W); V is
        drawn first, then W.  With inputs of order one this keeps net inputs
        of order one, in the steep part of the sigmoids.  The same seed gives
        the same weights.
    dtype : numpy dtype, optional
        Floating dtype of the weights and of all computations (float64).
    **deprecated
        ``hidden=`` and ``output=``, the names of the two activation
        keywords before 0.2, are still accepted with a DeprecationWarning.

    Attributes
    ----------
    V : ndarray, shape (n_hidden, n_in + 1)
        Input -> hidden weights; column 0 holds the hidden thresholds.
    W : ndarray, shape (n_out, n_hidden + 1)
        Hidden -> output weights; column 0 holds the output thresholds.
    n_in, n_hidden, n_out : int
        Layer sizes.
    hidden_activation, output_activation : str
        Names of the activations.

    Examples
    --------
    >>> net = BPNetwork(2, 3, 1, rng=0)
    >>> net.V.shape, net.W.shape
    ((3, 3), (1, 4))
    >>> net.predict([[0.1, 0.2]]).shape
    (1, 1)
    """

    def __init__(self, n_in, n_hidden, n_out, hidden_activation="logsig",
                 output_activation="logsig", rng=None, dtype=np.float64, **deprecated):
        names = {"hidden_activation": hidden_activation, "output_activation": output_activation}
        names.update(_new_keywords(deprecated, "BPNetwork"))
        self._setup(n_in, n_hidden, n_out, names["hidden_activation"],
                    names["output_activation"], dtype)
        rng = np.random.default_rng(rng)
        a_v = 1.0 / np.sqrt(self.n_in + 1)
        a_w = 1.0 / np.sqrt(self.n_hidden + 1)
        self._V[...] = rng.uniform(-a_v, a_v, size=self._V.shape)
        self._W[...] = rng.uniform(-a_w, a_w, size=self._W.shape)

    def _setup(self, n_in, n_hidden, n_out, hidden_activation, output_activation, dtype):
        """Check the architecture and allocate the flat weight vector (zeros)."""
        self.n_in = check_int(n_in, "n_in", 1)
        self.n_hidden = check_int(n_hidden, "n_hidden", 1)
        self.n_out = check_int(n_out, "n_out", 1)
        self.f = get_activation(hidden_activation)
        self.g = get_activation(output_activation)
        self.hidden_activation, self.output_activation = self.f.name, self.g.name
        self.dtype = np.dtype(dtype)
        if not np.issubdtype(self.dtype, np.floating):
            raise ValueError(f"dtype must be a floating dtype; got {self.dtype}")
        n_V = self.n_hidden * (self.n_in + 1)
        n_W = self.n_out * (self.n_hidden + 1)
        # V and W are views into _w; _w is never rebound, only written into.
        self._w = np.zeros(n_V + n_W, dtype=self.dtype)
        self._V, self._W = self.layer_views(self._w)
        self._W_h = self._W[:, 1:]   # W without its thresholds: what delta_o flows back through
        self._workspaces = {}   # batch size -> workspace (trainer interface)

    @property
    def hidden(self):
        """Deprecated name of :attr:`hidden_activation`."""
        warnings.warn("BPNetwork.hidden is now BPNetwork.hidden_activation",
                      DeprecationWarning, stacklevel=2)
        return self.hidden_activation

    @property
    def output(self):
        """Deprecated name of :attr:`output_activation`."""
        warnings.warn("BPNetwork.output is now BPNetwork.output_activation",
                      DeprecationWarning, stacklevel=2)
        return self.output_activation

    # ------------------------------------------------------------------ weights
    @property
    def V(self):
        """Input -> hidden weights, shape (n_hidden, n_in + 1); column 0: thresholds."""
        return self._V

    @V.setter
    def V(self, value):
        self._V[...] = self._check_weights(value, self._V.shape, "V")

    @property
    def W(self):
        """Hidden -> output weights, shape (n_out, n_hidden + 1); column 0: thresholds."""
        return self._W

    @W.setter
    def W(self, value):
        self._W[...] = self._check_weights(value, self._W.shape, "W")

    # ------------------------------------------------------------------ forward
    def forward(self, X):
        """Propagate a batch forward and keep the signals backpropagation needs.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_in)

        Returns
        -------
        Signals
            Named tuple ``(X_aug, net_y, Y_aug, net_o, O)`` with property ``Y``.

        Raises
        ------
        ValueError
            If X has the wrong shape or holds non-finite values (rows named).
        """
        return self._forward_aug(self.augment(X))

    def _forward_aug(self, X_aug):
        n = X_aug.shape[0]
        net_y = X_aug @ self._V.T
        Y_aug = np.empty((n, self.n_hidden + 1), dtype=self.dtype)
        Y_aug[:, 0] = -1.0
        Y_aug[:, 1:] = self.f.f(net_y)   # faster than writing f into the strided view
        net_o = Y_aug @ self._W.T
        O = self.g.f(net_o)
        return Signals(X_aug, net_y, Y_aug, net_o, O)

    def predict(self, X):
        """Network outputs for a batch of inputs.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_in)

        Returns
        -------
        O : ndarray, shape (n_samples, n_out)
        """
        return self.forward(X).O

    def loss(self, X, T):
        """Error E: batch mean of 1/2 sum_k (t_k - o_k)^2.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_in)
        T : array_like, shape (n_samples, n_out)
            Targets.

        Returns
        -------
        float
        """
        X_aug = self.augment(X)
        return self.loss_of_augmented(X_aug, self.check_targets(T, X_aug.shape[0]))

    # ------------------------------------------------------------------ backward
    def _backpropagate(self, delta_o, W_h, X_aug, s, buf, grad_V, grad_W, per_sample=False):
        """The backward pass, written once: delta_o -> delta_y and the weight gradients.

        With s the signals of a forward pass (net_y, Y, Y_aug: a
        :class:`Signals` or a workspace) and delta_o the error signal of
        some output units,

            delta_y = (delta_o @ W_h) * f'(net_y)
            grad_W  = delta_o.T @ Y_aug,   grad_V = delta_y.T @ X_aug

        or, with ``per_sample``, the same products kept per sample (the
        Jacobian): ``grad_W[p] = outer(delta_o[p], Y_aug[p])`` and
        ``grad_V[p] = outer(delta_y[p], X_aug[p])``.

        Parameters
        ----------
        delta_o : ndarray, shape (n, k)
            Error signal of k output units (all n_out, or one for the Jacobian).
        W_h : ndarray, shape (k, n_hidden)
            Their weights from the hidden units (rows of ``W[:, 1:]``).
        X_aug : ndarray, shape (n, n_in + 1)
        s : Signals or workspace
        buf : workspace or _Allocate
            Where delta_y and f'(net_y) are written (``buf.delta_y``,
            ``buf.d_y``; None attributes allocate).
        grad_V : ndarray, shape (n_hidden, n_in + 1), or (n, n_hidden, n_in + 1) per sample
        grad_W : ndarray, shape (k, n_hidden + 1), or (n, k, n_hidden + 1) per sample
        per_sample : bool, optional
        """
        delta_y = np.dot(delta_o, W_h, out=buf.delta_y)
        delta_y *= self.f.df(s.net_y, s.Y, out=buf.d_y)
        if per_sample:
            np.multiply(delta_o[:, :, None], s.Y_aug[:, None, :], out=grad_W)
            np.multiply(delta_y[:, :, None], X_aug[:, None, :], out=grad_V)
        else:
            np.dot(delta_o.T, s.Y_aug, out=grad_W)
            np.dot(delta_y.T, X_aug, out=grad_V)

    def _error_gradient(self, s, X_aug, T, scale, grad_V, grad_W, want_loss, buf):
        """Backpropagate the error of forward signals ``s``: ``scale * dE/dw`` into grad_V, grad_W.

        The factor ``-scale / n`` is folded into delta_o (a small array), so
        both gradients come out scaled without touching them again.  Returns
        E of the batch (before any step) if ``want_loss``, else None.
        """
        n = X_aug.shape[0]
        delta_o = np.subtract(T, s.O, out=buf.delta_o)
        E = 0.5 * float(np.vdot(delta_o, delta_o)) / n if want_loss else None
        delta_o *= self.g.df(s.net_o, s.O, out=buf.d_o)
        delta_o *= -scale / n
        self._backpropagate(delta_o, self._W_h, X_aug, s, buf, grad_V, grad_W)
        return E

    def gradients(self, X, T):
        """Gradient of E with respect to V and W, by backpropagation.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_in)
        T : array_like, shape (n_samples, n_out)

        Returns
        -------
        dE_dV : ndarray, shape (n_hidden, n_in + 1)
        dE_dW : ndarray, shape (n_out, n_hidden + 1)
            Gradients of E (not their negatives): descend with
            ``V -= lr * dE_dV``.
        """
        signals = self.forward(X)
        return self.backward(signals, self.check_targets(T, signals.O.shape[0]))

    def backward(self, signals, T):
        """Backpropagate the error of a forward pass.

        Parameters
        ----------
        signals : Signals
            Returned by :meth:`forward` with the current weights.
        T : ndarray, shape (n_samples, n_out)
            Targets (not checked here).

        Returns
        -------
        dE_dV : ndarray, shape (n_hidden, n_in + 1)
        dE_dW : ndarray, shape (n_out, n_hidden + 1)
        """
        dE_dV, dE_dW = np.empty_like(self._V), np.empty_like(self._W)
        self._error_gradient(signals, signals.X_aug, np.asarray(T, dtype=self.dtype), 1.0,
                             dE_dV, dE_dW, False, _Allocate)
        return dE_dV, dE_dW

    def loss_and_gradient(self, X, T):
        """E and its gradient as a flat vector, for vector optimisers.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_in)
        T : array_like, shape (n_samples, n_out)

        Returns
        -------
        E : float
        dE_dw : ndarray, shape (n_weights,)
            Laid out as :meth:`flat_weights`.
        """
        signals = self.forward(X)
        T = self.check_targets(T, signals.O.shape[0])
        dE_dw = np.empty_like(self._w)
        E = self._error_gradient(signals, signals.X_aug, T, 1.0, *self.layer_views(dE_dw),
                                 True, _Allocate)
        return E, dE_dw

    # ------------------------------------------------------------------ Jacobian
    def jacobian(self, X):
        """Derivative of every output with respect to every weight.

        One backward pass per output unit k (see the module docstring),
        vectorised over the samples.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_in)

        Returns
        -------
        J : ndarray, shape (n_samples, n_out, n_weights)
            ``J[p, k, j] = dO[p, k] / dw[j]`` with w laid out as
            :meth:`flat_weights` (thresholds included).  For Gauss-Newton
            steps reshape it to ``(n_samples * n_out, n_weights)``: the rows
            then follow ``O.ravel()``.
        """
        X_aug = self.augment(X)
        J = np.zeros((X_aug.shape[0], self.n_out, self.n_weights), dtype=self.dtype)
        for start in range(0, X_aug.shape[0], LOSS_CHUNK):
            stop = min(start + LOSS_CHUNK, X_aug.shape[0])
            self.jacobian_into(X_aug[start:stop], self.workspace(stop - start), J[start:stop])
        return J

    # ------------------------------------------------------------------ saving
    def to_dict(self):
        """Everything needed to rebuild the network, as plain values.

        Returns
        -------
        dict
            Keys ``n_in``, ``n_hidden``, ``n_out`` (int), ``hidden_activation``,
            ``output_activation``, ``dtype`` (str), ``V``, ``W`` (ndarray
            copies).  Suitable for ``np.savez(path, **d)`` or, with arrays
            turned into lists, JSON.
        """
        return {
            "n_in": self.n_in, "n_hidden": self.n_hidden, "n_out": self.n_out,
            "hidden_activation": self.hidden_activation,
            "output_activation": self.output_activation, "dtype": self.dtype.name,
            "V": self._V.copy(), "W": self._W.copy(),
        }

    @classmethod
    def from_dict(cls, d):
        """Rebuild a network saved with :meth:`to_dict`.

        Parameters
        ----------
        d : mapping
            As returned by :meth:`to_dict`, or loaded back from ``.npz`` (0-d
            arrays are accepted for the scalars) or JSON (nested lists).
            Dicts written before 0.2, with the keys ``hidden`` and ``output``
            for the activations, are read too.

        Returns
        -------
        BPNetwork
            Identical weights, hence identical predictions.

        Raises
        ------
        ValueError
            If keys are missing or values do not fit the architecture.
        """
        d = _with_new_keys(d)
        keys = ("n_in", "n_hidden", "n_out", "hidden_activation", "output_activation", "V", "W")
        missing = [k for k in keys if k not in d]
        if missing:
            raise ValueError(f"network dict lacks {', '.join(missing)}")

        def scalar(key, kind):
            return kind(np.asarray(d[key]).item())

        net = cls.__new__(cls)
        net._setup(scalar("n_in", int), scalar("n_hidden", int), scalar("n_out", int),
                   scalar("hidden_activation", str), scalar("output_activation", str),
                   scalar("dtype", str) if "dtype" in d else np.float64)
        net.V = d["V"]
        net.W = d["W"]
        return net

    def copy(self):
        """Return an independent copy (same architecture, copied weights)."""
        return type(self).from_dict(self.to_dict())

    def __getstate__(self):
        # V and W are views of _w; pickle the vector and rebuild the views.
        d = self.to_dict()
        del d["V"], d["W"]
        d["w"] = self._w
        return d

    def __setstate__(self, state):
        state = _with_new_keys(state)
        self._setup(state["n_in"], state["n_hidden"], state["n_out"],
                    state["hidden_activation"], state["output_activation"], state["dtype"])
        self._w[...] = state["w"]

    def __repr__(self):
        return (f"BPNetwork(n_in={self.n_in}, n_hidden={self.n_hidden}, "
                f"n_out={self.n_out}, hidden_activation={self.hidden_activation!r}, "
                f"output_activation={self.output_activation!r})")


def _with_new_keys(d):
    """A saved network's dict with the pre-0.2 keys ``hidden``/``output`` renamed."""
    if not any(old in d for old in _RENAMED):
        return d
    d = dict(d)
    for old, new in _RENAMED.items():
        if old in d and new not in d:
            d[new] = d.pop(old)
    return d
