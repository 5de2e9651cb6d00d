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

V and W are views into one flat weight vector ``[V.ravel(), W.ravel()]``:
optimisers that work on a vector (Levenberg-Marquardt, L-BFGS) use
:meth:`BPNetwork.flat_weights` and :meth:`BPNetwork.set_flat_weights`, and the
gradient-descent trainer updates V and W in one vector operation.

For Levenberg-Marquardt, :meth:`BPNetwork.jacobian` gives the derivative of
every output with respect to every weight, thresholds included,

    J[p, k, :] = dO[p, k] / dw      (n, n_out, n_weights),

by one backward pass per output unit k: backpropagating the error signal
delta_o = e_k * g'(net_o) (the k-th unit vector instead of T - O) gives
dO_k/dW[k, :] = g'(net_o,k) Y_aug (zero for the other rows of W) and
dO_k/dV = (g'(net_o,k) W[k, 1:] * f'(net_y)) outer X_aug.

The trainers' fast path: the methods whose names start with an underscore
work on inputs already checked and augmented (``X_aug``) and write into
preallocated buffers (:class:`_BatchWorkspace`, one per batch size, cached on
the network), so that a mini-batch step is a fixed handful of BLAS calls and
in-place ufuncs with no allocation.  The full-set loss is evaluated in chunks
of :data:`LOSS_CHUNK` rows through the same buffers.
"""

from __future__ import annotations

import operator
from typing import NamedTuple

import numpy as np

from .activations import get_activation
from .._checks import format_rows

__all__ = ["BPNetwork", "Signals"]

LOSS_CHUNK = 256
"""Rows per chunk when the loss of a large set is evaluated (buffers reused)."""

_MAX_WORKSPACES = 8


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


def _check_array(A, width, name, width_name, dtype):
    """Return ``A`` as a finite 2-D array of the given width, or raise ValueError."""
    A = np.asarray(A, dtype=dtype)
    if A.ndim != 2 or A.shape[1] != width:
        hint = " (for one sample use A.reshape(1, -1))" if A.ndim == 1 else ""
        raise ValueError(
            f"{name} must have shape (n_samples, {width}) to match {width_name}="
            f"{width}; got shape {A.shape}{hint}"
        )
    if A.shape[0] == 0:
        raise ValueError(f"{name} has no samples (shape {A.shape})")
    bad = ~np.isfinite(A).all(axis=1)
    if bad.any():
        raise ValueError(
            f"{name} holds NaN or infinite values in rows {format_rows(np.flatnonzero(bad))}"
        )
    return A


def _positive_int(value, name):
    try:
        value = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer >= 1; got {value!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be an integer >= 1; got {value}")
    return value


class BPNetwork:
    """Three-layer backpropagation network with thresholds as weights on -1.

    Parameters
    ----------
    n_in : int
        Number of inputs (data values per sample).
    n_hidden : int
        Number of hidden neurons.
    n_out : int
        Number of outputs (model parameters per sample).
    hidden : {"logsig", "tansig", "purelin"}, optional
        Activation f of the hidden layer; logsig (unipolar sigmoid) by default.
    output : {"logsig", "tansig", "purelin"}, optional
        Activation g of the output layer; logsig by default.  Targets should
        lie in ``ACTIVATIONS[output].working_range``.
    rng : numpy.random.Generator or int or None, optional
        Source of the initial weights.  Every weight, thresholds included, is
        drawn from U(-a, a) with a = 1/sqrt(fan_in), fan_in being the width of
        the layer's augmented input (n_in + 1 for V, n_hidden + 1 for W); V is
        drawn first, then W.  With inputs of order one this keeps net inputs
        of order one, in the steep part of the sigmoids.  The same seed gives
        the same weights.
    dtype : numpy dtype, optional
        Floating dtype of the weights and of all computations (float64).

    Attributes
    ----------
    V : ndarray, shape (n_hidden, n_in + 1)
        Input -> hidden weights; column 0 holds the hidden thresholds.
    W : ndarray, shape (n_out, n_hidden + 1)
        Hidden -> output weights; column 0 holds the output thresholds.
    n_in, n_hidden, n_out : int
        Layer sizes.
    hidden, output : str
        Names of the activations.

    Examples
    --------
    >>> net = BPNetwork(2, 3, 1, rng=0)
    >>> net.V.shape, net.W.shape
    ((3, 3), (1, 4))
    >>> net.predict([[0.1, 0.2]]).shape
    (1, 1)
    """

    def __init__(self, n_in, n_hidden, n_out, hidden="logsig", output="logsig",
                 rng=None, dtype=np.float64):
        self._setup(n_in, n_hidden, n_out, hidden, output, dtype)
        rng = np.random.default_rng(rng)
        a_v = 1.0 / np.sqrt(self.n_in + 1)
        a_w = 1.0 / np.sqrt(self.n_hidden + 1)
        self._V[...] = rng.uniform(-a_v, a_v, size=self._V.shape)
        self._W[...] = rng.uniform(-a_w, a_w, size=self._W.shape)

    def _setup(self, n_in, n_hidden, n_out, hidden, output, dtype):
        """Check the architecture and allocate the flat weight vector (zeros)."""
        self.n_in = _positive_int(n_in, "n_in")
        self.n_hidden = _positive_int(n_hidden, "n_hidden")
        self.n_out = _positive_int(n_out, "n_out")
        self.f = get_activation(hidden)
        self.g = get_activation(output)
        self.hidden, self.output = self.f.name, self.g.name
        self.dtype = np.dtype(dtype)
        if not np.issubdtype(self.dtype, np.floating):
            raise ValueError(f"dtype must be a floating dtype; got {self.dtype}")
        n_V = self.n_hidden * (self.n_in + 1)
        n_W = self.n_out * (self.n_hidden + 1)
        # V and W are views into _w; _w is never rebound, only written into.
        self._w = np.zeros(n_V + n_W, dtype=self.dtype)
        self._V = self._w[:n_V].reshape(self.n_hidden, self.n_in + 1)
        self._W = self._w[n_V:].reshape(self.n_out, self.n_hidden + 1)
        self._workspaces = {}   # batch size -> _BatchWorkspace (fast path buffers)

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

    @property
    def n_weights(self):
        """Total number of weights, thresholds included."""
        return self._w.size

    def _check_weights(self, value, shape, name):
        value = np.asarray(value, dtype=self.dtype)
        if value.shape != shape:
            raise ValueError(f"{name} must have shape {shape}; got {value.shape}")
        if not np.isfinite(value).all():
            raise ValueError(f"{name} holds NaN or infinite values")
        return value

    def flat_weights(self):
        """Return a copy of all weights as one vector.

        Returns
        -------
        w : ndarray, shape (n_weights,)
            ``np.concatenate([V.ravel(), W.ravel()])`` (row-major: neuron by
            neuron, threshold first).
        """
        return self._w.copy()

    def set_flat_weights(self, w):
        """Set all weights from one vector laid out as :meth:`flat_weights`.

        Parameters
        ----------
        w : array_like, shape (n_weights,)
        """
        self._w[...] = self._check_weights(w, self._w.shape, "w")

    def threshold_mask(self):
        """Which entries of the flat weight vector are thresholds.

        Returns
        -------
        mask : ndarray of bool, shape (n_weights,)
            True at column 0 of V and of W (the weights on x0 = y0 = -1),
            laid out as :meth:`flat_weights`.
        """
        mask = np.zeros(self.n_weights, dtype=bool)
        n_V = self._V.size
        mask[:n_V].reshape(self._V.shape)[:, 0] = True
        mask[n_V:].reshape(self._W.shape)[:, 0] = True
        return mask

    # ------------------------------------------------------------------ checks
    def _check_X(self, X, name="X"):
        return _check_array(X, self.n_in, name, "n_in", self.dtype)

    def _check_T(self, T, n_samples, name="T"):
        T = _check_array(T, self.n_out, name, "n_out", self.dtype)
        if T.shape[0] != n_samples:
            raise ValueError(
                f"{name} has {T.shape[0]} samples but the inputs have {n_samples}"
            )
        return T

    def _augment(self, X):
        """Return [-1, X]: the inputs with x0 = -1 in front (X already checked)."""
        X_aug = np.empty((X.shape[0], X.shape[1] + 1), dtype=self.dtype)
        X_aug[:, 0] = -1.0
        X_aug[:, 1:] = X
        return X_aug

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
        return self._forward_aug(self._augment(self._check_X(X)))

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
        X = self._check_X(X)
        T = self._check_T(T, X.shape[0])
        return self._loss_aug(self._augment(X), T)

    def _loss_aug(self, X_aug, T):
        """E of checked, augmented inputs, in chunks of LOSS_CHUNK rows."""
        n = X_aug.shape[0]
        total = 0.0
        for start in range(0, n, LOSS_CHUNK):
            stop = min(start + LOSS_CHUNK, n)
            ws = self._workspace(stop - start)
            err = np.subtract(T[start:stop], self._forward_into(X_aug[start:stop], ws),
                              out=ws.delta_o)
            total += float(np.vdot(err, err))
        return 0.5 * total / n

    # ------------------------------------------------------------------ backward
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
        T = self._check_T(T, signals.O.shape[0])
        return self.backward(signals, T)

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
        dE_dV = np.empty_like(self._V)
        dE_dW = np.empty_like(self._W)
        self._backward_into(signals, np.asarray(T, dtype=self.dtype), dE_dV, dE_dW)
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
        X = self._check_X(X)
        T = self._check_T(T, X.shape[0])
        dE_dw = np.empty_like(self._w)
        E = self._loss_grad_aug(self._augment(X), T, dE_dw)
        return E, dE_dw

    def _loss_grad_aug(self, X_aug, T, dE_dw):
        """Forward and backward on checked, augmented inputs; return E.

        The fast path of the trainers: writes the flat gradient into ``dE_dw``,
        shape (n_weights,), laid out as :meth:`flat_weights`.
        """
        n_V = self._V.size
        return self._backward_into(self._forward_aug(X_aug), T,
                                   dE_dw[:n_V].reshape(self._V.shape),
                                   dE_dw[n_V:].reshape(self._W.shape))

    def _backward_into(self, s, T, dE_dV, dE_dW):
        """Write dE/dV and dE/dW into the given C-contiguous arrays; return E."""
        n = T.shape[0]
        delta_o = T - s.O
        E = 0.5 * float(np.vdot(delta_o, delta_o)) / n
        delta_o *= self.g.df(s.net_o, s.O)
        delta_y = delta_o @ self._W[:, 1:]
        delta_y *= self.f.df(s.net_y, s.Y)
        np.dot(delta_o.T, s.Y_aug, out=dE_dW)
        dE_dW *= -1.0 / n
        np.dot(delta_y.T, s.X_aug, out=dE_dV)
        dE_dV *= -1.0 / n
        return E

    def _sample_step_into(self, x_aug, t, scale, ws):
        """One sample, no allocation: write ``scale * dE/dw`` into ``ws.grad``.

        The per-sample path of online training.  Same formulas as
        :meth:`_backward_into` with n = 1, on 1-D vectors and the preallocated
        buffers of ``ws`` (from :meth:`_sample_workspace`).
        """
        np.dot(self._V, x_aug, out=ws.net_y)
        self.f.f(ws.net_y, out=ws.y)
        np.dot(self._W, ws.y_aug, out=ws.net_o)
        self.g.f(ws.net_o, out=ws.o)
        delta_o, delta_y = ws.delta_o, ws.delta_y
        np.subtract(t, ws.o, out=delta_o)
        delta_o *= self.g.df(ws.net_o, ws.o, out=ws.d_o)
        delta_o *= -scale          # dE/dw = -delta * input, so this gives scale * dE/dw
        np.dot(delta_o, ws.W_h, out=delta_y)
        delta_y *= self.f.df(ws.net_y, ws.y, out=ws.d_y)
        np.multiply.outer(delta_o, ws.y_aug, out=ws.grad_W)
        np.multiply.outer(delta_y, x_aug, out=ws.grad_V)

    def _sample_workspace(self):
        """Buffers for :meth:`_sample_step_into` (valid while the net lives)."""
        return _SampleWorkspace(self)

    # ------------------------------------------------------------------ fast path
    def _workspace(self, n):
        """Buffers for batches of ``n`` rows, cached (a few sizes at a time)."""
        ws = self._workspaces.get(n)
        if ws is None:
            if len(self._workspaces) >= _MAX_WORKSPACES:
                self._workspaces.clear()
            ws = self._workspaces[n] = _BatchWorkspace(self, n)
        return ws

    def _forward_into(self, X_aug, ws):
        """Forward pass of ``X_aug`` (ws.n rows) into ``ws``; return ``ws.O``.

        Leaves net_y, Y (contiguous), Y_aug, net_o and O in the workspace.
        """
        np.dot(X_aug, ws.V_T, out=ws.net_y)
        self.f.f(ws.net_y, out=ws.Y)
        ws.Y_aug[:, 1:] = ws.Y       # f into a contiguous buffer, then one copy:
        np.dot(ws.Y_aug, ws.W_T, out=ws.net_o)   # faster than f on the strided view
        return self.g.f(ws.net_o, out=ws.O)

    def _batch_gradient_into(self, X_aug, T, scale, ws, grad_V, grad_W, want_loss=False):
        """Write ``scale * dE/dV`` and ``scale * dE/dW`` of one batch, no allocation.

        Same formulas as :meth:`_backward_into`; the factor ``-scale / n`` is
        folded into delta_o (a small array) so that both gradients come out
        scaled without touching them again.

        Parameters
        ----------
        X_aug : ndarray, shape (ws.n, n_in + 1)
        T : ndarray, shape (ws.n, n_out)
        scale : float
            E.g. ``-learning_rate`` for a descent step, 1 for the gradient.
        ws : _BatchWorkspace
        grad_V : ndarray, shape (n_hidden, n_in + 1), C-contiguous
        grad_W : ndarray, shape (n_out, n_hidden + 1), C-contiguous
        want_loss : bool
            Also return E of the batch (before the step), else None.
        """
        O = self._forward_into(X_aug, ws)
        delta_o, delta_y = ws.delta_o, ws.delta_y
        np.subtract(T, O, out=delta_o)
        E = 0.5 * float(np.vdot(delta_o, delta_o)) / X_aug.shape[0] if want_loss else None
        delta_o *= self.g.df(ws.net_o, O, out=ws.d_o)
        delta_o *= -scale / X_aug.shape[0]
        np.dot(delta_o, ws.W_h, out=delta_y)
        delta_y *= self.f.df(ws.net_y, ws.Y, out=ws.d_y)
        np.dot(delta_o.T, ws.Y_aug, out=grad_W)
        np.dot(delta_y.T, X_aug, out=grad_V)
        return E

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
        X_aug = self._augment(self._check_X(X))
        J = np.zeros((X_aug.shape[0], self.n_out, self.n_weights), dtype=self.dtype)
        for start in range(0, X_aug.shape[0], LOSS_CHUNK):
            stop = min(start + LOSS_CHUNK, X_aug.shape[0])
            self._jacobian_into(X_aug[start:stop], self._workspace(stop - start), J[start:stop])
        return J

    def _jacobian_into(self, X_aug, ws, J):
        """Forward ``X_aug`` and write dO/dw into ``J``; return ``ws.O``.

        ``J``, shape (ws.n, n_out, n_weights), may be of a wider dtype than the
        network.  Entries dO_k/dW[j, :] with j != k are structurally zero and
        are not written: ``J`` must hold zeros there (allocate it with
        np.zeros and reuse it).
        """
        O = self._forward_into(X_aug, ws)
        n, n_V, width = X_aug.shape[0], self._V.size, self.n_hidden + 1
        d_o = self.g.df(ws.net_o, O, out=ws.d_o)          # g'(net_o), (n, n_out)
        d_y = self.f.df(ws.net_y, ws.Y, out=ws.d_y)       # f'(net_y), (n, n_hidden)
        J_V = J[:, :, :n_V].reshape(n, self.n_out, self.n_hidden, self.n_in + 1)
        for k in range(self.n_out):
            s = d_o[:, k:k + 1]                            # delta_o of unit k, (n, 1)
            np.multiply(s, ws.Y_aug, out=J[:, k, n_V + k * width:n_V + (k + 1) * width])
            c = np.multiply(d_y, self._W[k, 1:], out=ws.delta_y)   # delta_y of unit k
            c *= s
            np.multiply(c[:, :, None], X_aug[:, None, :], out=J_V[:, k])
        return O

    # ------------------------------------------------------------------ saving
    def to_dict(self):
        """Everything needed to rebuild the network, as plain values.

        Returns
        -------
        dict
            Keys ``n_in``, ``n_hidden``, ``n_out`` (int), ``hidden``, ``output``,
            ``dtype`` (str), ``V``, ``W`` (ndarray copies).  Suitable for
            ``np.savez(path, **d)`` or, with arrays turned into lists, JSON.
        """
        return {
            "n_in": self.n_in, "n_hidden": self.n_hidden, "n_out": self.n_out,
            "hidden": self.hidden, "output": self.output, "dtype": self.dtype.name,
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

        Returns
        -------
        BPNetwork
            Identical weights, hence identical predictions.

        Raises
        ------
        ValueError
            If keys are missing or values do not fit the architecture.
        """
        keys = ("n_in", "n_hidden", "n_out", "hidden", "output", "V", "W")
        missing = [k for k in keys if k not in d]
        if missing:
            raise ValueError(f"network dict lacks {', '.join(missing)}")

        def scalar(key, kind):
            return kind(np.asarray(d[key]).item())

        net = cls.__new__(cls)
        net._setup(scalar("n_in", int), scalar("n_hidden", int), scalar("n_out", int),
                   scalar("hidden", str), scalar("output", str),
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
        self._setup(state["n_in"], state["n_hidden"], state["n_out"],
                    state["hidden"], state["output"], state["dtype"])
        self._w[...] = state["w"]

    def __repr__(self):
        return (f"BPNetwork(n_in={self.n_in}, n_hidden={self.n_hidden}, "
                f"n_out={self.n_out}, hidden={self.hidden!r}, output={self.output!r})")


class _BatchWorkspace:
    """Preallocated buffers of the mini-batch path for batches of ``n`` rows.

    Also holds transposed views of the weights, so the hot loop creates no
    view objects.  Valid while the network lives (its weight vector is never
    rebound).
    """

    __slots__ = ("n", "net_y", "Y", "Y_aug", "net_o", "O", "delta_o", "delta_y",
                 "d_o", "d_y", "V_T", "W_T", "W_h")

    def __init__(self, net, n):
        dt = net.dtype
        self.n = n
        self.net_y = np.empty((n, net.n_hidden), dtype=dt)
        self.Y = np.empty((n, net.n_hidden), dtype=dt)
        self.Y_aug = np.empty((n, net.n_hidden + 1), dtype=dt)
        self.Y_aug[:, 0] = -1.0
        self.net_o = np.empty((n, net.n_out), dtype=dt)
        self.O = np.empty((n, net.n_out), dtype=dt)
        self.delta_o = np.empty((n, net.n_out), dtype=dt)
        self.delta_y = np.empty((n, net.n_hidden), dtype=dt)
        self.d_o = np.empty((n, net.n_out), dtype=dt)
        self.d_y = np.empty((n, net.n_hidden), dtype=dt)
        self.V_T = net.V.T
        self.W_T = net.W.T
        self.W_h = net.W[:, 1:]


class _SampleWorkspace:
    """Preallocated 1-D buffers of the per-sample backpropagation path."""

    __slots__ = ("net_y", "y_aug", "y", "net_o", "o", "delta_o", "delta_y",
                 "d_o", "d_y", "W_h", "grad", "grad_V", "grad_W")

    def __init__(self, net):
        dt = net.dtype
        self.net_y = np.empty(net.n_hidden, dtype=dt)
        self.y_aug = np.empty(net.n_hidden + 1, dtype=dt)
        self.y_aug[0] = -1.0
        self.y = self.y_aug[1:]
        self.net_o = np.empty(net.n_out, dtype=dt)
        self.o = np.empty(net.n_out, dtype=dt)
        self.delta_o = np.empty(net.n_out, dtype=dt)
        self.delta_y = np.empty(net.n_hidden, dtype=dt)
        self.d_o = np.empty(net.n_out, dtype=dt)
        self.d_y = np.empty(net.n_hidden, dtype=dt)
        self.W_h = net.W[:, 1:]
        self.grad = np.empty(net.n_weights, dtype=dt)
        n_V = net.V.size
        self.grad_V = self.grad[:n_V].reshape(net.V.shape)
        self.grad_W = self.grad[n_V:].reshape(net.W.shape)
