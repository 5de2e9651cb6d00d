"""The mini-batch loop, written once; the update rules plug into it.

One epoch of :class:`MinibatchTrainer` in mini-batch mode:

    shuffle the rows of the training set (a fresh permutation every epoch)
    for each batch of ``batch_size`` consecutive rows (the last may be smaller):
        grad = scale * dE_batch/dw           (BPNetwork.batch_gradient_into)
        the update rule changes the weights from grad

with no allocation inside the loop: the gradient buffer, its V and W views
and the network's workspaces are set up once per run.  Online mode is the
same loop with batches of one sample (the textbook's single-sample
training); batch mode is one update per epoch from the gradient of the whole
training set (:meth:`BPNetwork.gradient_of_augmented`).

An update rule (:mod:`geoinv.nn.training.update_rules`: gd, gdx, adam) is a
subclass that says only what one update is:

- ``_gradient_scale()``: the factor folded into the gradient by the
  backward pass (gd: ``-learning_rate``, the others 1);
- ``_begin_rule(net)``: its state (momentum, moment estimates, ...);
- ``_update(net, E, X_b, T_b)``: change ``net.weights`` from ``self._grad``
  (the scaled gradient of the batch, whose loss before the step is E when
  the rule sets ``needs_batch_loss``); return the loss at the new weights if
  it knows it (gdx in batch mode), else None.

This is the split of scikit-learn's MLP, whose one epoch loop calls an
optimizer's ``update_params``.
"""

from __future__ import annotations

import numpy as np

from .loop import Trainer

__all__ = ["MinibatchTrainer"]


class MinibatchTrainer(Trainer):
    """The epoch of mini-batch (or online, or batch) steps; subclasses are update rules.

    Attributes read from the subclass: ``mode`` (``"minibatch"``,
    ``"online"`` or ``"batch"``) and ``batch_size``.
    """

    mode = "minibatch"
    needs_batch_loss = False
    """Whether :meth:`_update` needs E of the batch before the step."""

    # The update rule ------------------------------------------------------
    def _gradient_scale(self):
        """Factor of dE/dw in ``self._grad`` (folded into the backward pass)."""
        return 1.0

    def _begin_rule(self, net):
        """Allocate the update rule's state."""

    def _update(self, net, E, X_b, T_b):
        """Change ``net.weights`` from the gradient in ``self._grad``; return E after or None."""
        raise NotImplementedError

    # The loop -------------------------------------------------------------
    def _begin(self, net, X_aug, T, rng):
        self._w = net.weights                       # updated in place
        self._grad = np.empty_like(self._w)         # scale * dE/dw of the current step
        self._tmp = np.empty_like(self._w)
        self._grad_V, self._grad_W = net.layer_views(self._grad)
        self._begin_rule(net)

    def _epoch(self, net, X_aug, T, rng):
        if self.mode == "batch":
            E = net.gradient_of_augmented(X_aug, T, self._grad, self._tmp)
            scale = self._gradient_scale()
            if scale != 1.0:
                self._grad *= scale
            return self._update(net, E, X_aug, T)
        order = rng.permutation(X_aug.shape[0])
        X_aug, T = X_aug[order], T[order]   # one copy per epoch; batches are views
        return self._pass(net, X_aug, T, 1 if self.mode == "online" else self.batch_size)

    def _pass(self, net, X_aug, T, size):
        """Steps on consecutive batches of ``size`` rows (already shuffled); no allocation.

        Returns the running loss (the mean of the batch losses, each taken
        before its step) with ``train_loss="running"``, else None.
        """
        n = X_aug.shape[0]
        scale, running = self._gradient_scale(), self.train_loss == "running"
        want_loss = running or self.needs_batch_loss
        grad_V, grad_W, update = self._grad_V, self._grad_W, self._update
        step = net.batch_gradient_into
        ws = net.workspace(min(size, n))
        total = 0.0
        for start in range(0, n, size):
            X_b, T_b = X_aug[start:start + size], T[start:start + size]
            if X_b.shape[0] != ws.n:
                ws = net.workspace(X_b.shape[0])
            E = step(X_b, T_b, scale, ws, grad_V, grad_W, want_loss)
            update(net, E, X_b, T_b)
            if running:
                total += E * X_b.shape[0]
        return total / n if running else None
