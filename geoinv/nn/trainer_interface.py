"""BPNetwork as the optimisers see it: a weight vector, a loss, a gradient, a Jacobian.

:class:`TrainerInterface` is a base class of :class:`~geoinv.nn.network.BPNetwork`
(the network's math, the one backward pass included, is in
:mod:`geoinv.nn.network`).  Its methods are public and stable, and they are
all that the optimisers of :mod:`geoinv.nn.training` use of a network:

=================================================  ==================================
:attr:`~TrainerInterface.weights`                  all weights as one live vector
:meth:`~TrainerInterface.layer_views`              V- and W-shaped views of a vector
:attr:`~TrainerInterface.n_weights`,               its length, its thresholds, a copy
:meth:`~TrainerInterface.threshold_mask`,          and a checked setter
:meth:`~TrainerInterface.flat_weights`,
:meth:`~TrainerInterface.set_flat_weights`
:meth:`~TrainerInterface.augment`,                 checked inputs with x0 = -1 in
:meth:`~TrainerInterface.check_inputs`,            front; checked inputs, targets
:meth:`~TrainerInterface.check_targets`
:meth:`~TrainerInterface.workspace`                preallocated buffers for a batch
:meth:`~TrainerInterface.batch_gradient_into`      ``scale * dE/dw`` of one batch
:meth:`~TrainerInterface.loss_of_augmented`        E of a whole set
:meth:`~TrainerInterface.gradient_of_augmented`    E and dE/dw of a whole set
:meth:`~TrainerInterface.jacobian_into`            dO/dw of a block of samples
=================================================  ==================================

The last five work on inputs already checked and augmented (``X_aug``) and
write into preallocated buffers (a workspace per batch size, cached on the
network), so that a mini-batch step is a fixed handful of BLAS calls and
in-place ufuncs with no allocation (a measured speed feature: see
benchmarks/bench_training.py).  Losses and gradients of a large set are
evaluated in chunks of :data:`LOSS_CHUNK` rows through the same buffers.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_rows

__all__ = ["TrainerInterface", "LOSS_CHUNK"]

LOSS_CHUNK = 256
"""Rows per chunk when the loss of a large set is evaluated (buffers reused)."""

_MAX_WORKSPACES = 8


class TrainerInterface:
    """The methods :mod:`geoinv.nn.training` uses (a base class of BPNetwork).

    Expects of the class it is mixed into: ``n_in``, ``n_hidden``,
    ``n_out``, ``dtype``, the activations ``f`` and ``g``, the flat weight
    vector ``_w`` with its views ``_V``, ``_W``, ``_W_h`` (W without its
    thresholds), the cache ``_workspaces``, and the backward pass
    ``_error_gradient`` / ``_backpropagate``.
    """

    # ------------------------------------------------------------------ the weight vector
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
        for part in self.layer_views(mask):
            part[:, 0] = True
        return mask

    @property
    def weights(self):
        """All weights as one live vector, shape (n_weights,).

        ``[V.ravel(), W.ravel()]``: V and W are views into it, so writing into
        it (``net.weights[...] = w``, ``net.weights += dw``) changes the
        network, without the checks of :meth:`set_flat_weights`.  The vector
        is never replaced, so a reference to it stays valid.
        """
        return self._w

    def layer_views(self, w):
        """V- and W-shaped views of a vector laid out as :attr:`weights`.

        Parameters
        ----------
        w : ndarray, shape (n_weights,), C-contiguous
            E.g. a gradient buffer.

        Returns
        -------
        w_V : ndarray, shape (n_hidden, n_in + 1)
        w_W : ndarray, shape (n_out, n_hidden + 1)
            Views: writing into them writes into ``w``.
        """
        n_V = self.n_hidden * (self.n_in + 1)
        return (w[:n_V].reshape(self.n_hidden, self.n_in + 1),
                w[n_V:].reshape(self.n_out, self.n_hidden + 1))

    # ------------------------------------------------------------------ checked inputs
    def check_inputs(self, X, name="X"):
        """Return X as a finite array of shape (n_samples, n_in) in the network's dtype.

        Raises
        ------
        ValueError
            On a wrong shape, no rows, or non-finite rows (named).
        """
        return check_rows(X, name, self.n_in, width_name="n_in", dtype=self.dtype)

    def check_targets(self, T, n_samples, name="T"):
        """Return T as a finite array of shape (n_samples, n_out), else raise ValueError."""
        T = check_rows(T, name, self.n_out, width_name="n_out", dtype=self.dtype)
        if T.shape[0] != n_samples:
            raise ValueError(
                f"{name} has {T.shape[0]} samples but the inputs have {n_samples}"
            )
        return T

    def augment(self, X, name="X"):
        """Check the inputs and put x0 = -1 in front.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_in)
        name : str, optional
            What error messages call X.

        Returns
        -------
        X_aug : ndarray, shape (n_samples, n_in + 1)
            A new array: ``[-1, X]``.
        """
        X = self.check_inputs(X, name)
        X_aug = np.empty((X.shape[0], X.shape[1] + 1), dtype=self.dtype)
        X_aug[:, 0] = -1.0
        X_aug[:, 1:] = X
        return X_aug

    # ------------------------------------------------------------------ on augmented inputs
    def loss_of_augmented(self, X_aug, T):
        """E of checked, augmented inputs, in chunks of LOSS_CHUNK rows.

        Parameters
        ----------
        X_aug : ndarray, shape (n_samples, n_in + 1)
            From :meth:`augment`.
        T : ndarray, shape (n_samples, n_out)
            Checked targets.

        Returns
        -------
        float
        """
        n = X_aug.shape[0]
        total = 0.0
        for start in range(0, n, LOSS_CHUNK):
            stop = min(start + LOSS_CHUNK, n)
            ws = self.workspace(stop - start)
            err = np.subtract(T[start:stop], self._forward_into(X_aug[start:stop], ws),
                              out=ws.delta_o)
            total += float(np.vdot(err, err))
        return 0.5 * total / n

    def workspace(self, n):
        """Buffers for batches of ``n`` rows, cached.

        Returns
        -------
        workspace
            An opaque set of preallocated arrays for :meth:`batch_gradient_into`
            and :meth:`jacobian_into`; its attribute ``n`` is the batch size.
            Valid while the network lives; a few sizes are cached at a time.
        """
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

    def batch_gradient_into(self, X_aug, T, scale, ws, grad_V, grad_W, want_loss=False):
        """Write ``scale * dE/dV`` and ``scale * dE/dW`` of one batch, no allocation.

        The mini-batch step of the trainers: a forward pass into the
        workspace, then the one backward pass of the error
        (``BPNetwork._error_gradient``).

        Parameters
        ----------
        X_aug : ndarray, shape (ws.n, n_in + 1)
        T : ndarray, shape (ws.n, n_out)
        scale : float
            E.g. ``-learning_rate`` for a descent step, 1 for the gradient.
        ws : workspace
            From :meth:`workspace` (``ws.n`` rows).
        grad_V : ndarray, shape (n_hidden, n_in + 1), C-contiguous
        grad_W : ndarray, shape (n_out, n_hidden + 1), C-contiguous
            E.g. the :meth:`layer_views` of a flat gradient buffer.
        want_loss : bool, optional
            Also return E of the batch (before the step), else None.

        Returns
        -------
        float or None
        """
        self._forward_into(X_aug, ws)
        return self._error_gradient(ws, X_aug, T, scale, grad_V, grad_W, want_loss, ws)

    def gradient_of_augmented(self, X_aug, T, grad, tmp=None):
        """E of a whole set and dE/dw into ``grad``, in chunks.

        Parameters
        ----------
        X_aug : ndarray, shape (n_samples, n_in + 1)
        T : ndarray, shape (n_samples, n_out)
        grad : ndarray, shape (n_weights,)
            Receives dE/dw, laid out as :attr:`weights`.
        tmp : ndarray, shape (n_weights,), optional
            Scratch space for the chunks of a set larger than
            :data:`LOSS_CHUNK` (allocated if None).

        Returns
        -------
        float
            E of the set.
        """
        n = X_aug.shape[0]
        if n <= LOSS_CHUNK:
            return self.batch_gradient_into(X_aug, T, 1.0, self.workspace(n),
                                            *self.layer_views(grad), want_loss=True)
        tmp = np.empty_like(grad) if tmp is None else tmp
        tmp_V, tmp_W = self.layer_views(tmp)
        grad.fill(0.0)
        total = 0.0
        for start in range(0, n, LOSS_CHUNK):
            stop = min(start + LOSS_CHUNK, n)
            E_chunk = self.batch_gradient_into(X_aug[start:stop], T[start:stop],
                                               (stop - start) / n, self.workspace(stop - start),
                                               tmp_V, tmp_W, want_loss=True)
            total += (stop - start) * E_chunk
            grad += tmp
        return total / n

    def jacobian_into(self, X_aug, ws, J):
        """Forward ``X_aug`` and write dO/dw into ``J``; return the outputs.

        Parameters
        ----------
        X_aug : ndarray, shape (ws.n, n_in + 1)
        ws : workspace
            From :meth:`workspace`.
        J : ndarray, shape (ws.n, n_out, n_weights)
            May be of a wider dtype than the network.  Entries dO_k/dW[j, :]
            with j != k are structurally zero and are not written: ``J`` must
            hold zeros there (allocate it with np.zeros and reuse it).

        Returns
        -------
        O : ndarray, shape (ws.n, n_out)
            The network outputs (``ws.O``, overwritten by the next use of ws).
        """
        O = self._forward_into(X_aug, ws)
        n, width = X_aug.shape[0], self.n_hidden + 1
        n_V = self.n_hidden * (self.n_in + 1)
        d_o = self.g.df(ws.net_o, O, out=ws.d_o)     # g'(net_o) = delta_o of e_k, column k
        J_V = J[:, :, :n_V].reshape(n, self.n_out, self.n_hidden, self.n_in + 1)
        for k in range(self.n_out):
            J_W_k = J[:, k:k + 1, n_V + k * width:n_V + (k + 1) * width]   # row k of W only
            self._backpropagate(d_o[:, k:k + 1], self._W_h[k:k + 1], X_aug, ws, ws,
                                J_V[:, k], J_W_k, per_sample=True)
        return O


class _BatchWorkspace:
    """Preallocated buffers of the mini-batch path for batches of ``n`` rows.

    Holds the signals of a forward pass under the names of :class:`Signals`
    (net_y, Y, Y_aug, net_o, O), the error signals and derivatives of the
    backward pass, and transposed views of the weights, so the hot loop
    creates no view objects.  Valid while the network lives (its weight
    vector is never rebound).
    """

    __slots__ = ("n", "net_y", "Y", "Y_aug", "net_o", "O", "delta_o", "delta_y",
                 "d_o", "d_y", "V_T", "W_T")

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
