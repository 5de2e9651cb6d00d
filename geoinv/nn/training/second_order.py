"""Whole-set optimisers of the network weights: Levenberg-Marquardt and L-BFGS.

Both work on the flat weight vector (:attr:`BPNetwork.weights`) and the
whole training set at every step, using curvature: Levenberg-Marquardt the
Gauss-Newton matrix J^T J of the network's Jacobian
(:meth:`BPNetwork.jacobian_into`), L-BFGS a quasi-Newton estimate built from
gradients (:meth:`BPNetwork.gradient_of_augmented`).  They suit small
networks.  (Not to be confused with the damped least squares of earth
models in :mod:`geoinv.inversion`, which inverts the forward model.)
"""

from __future__ import annotations

import numpy as np

from ..._checks import check_float, check_int
from .loop import Stop, Trainer, shared_options_doc

__all__ = ["LevenbergMarquardt", "LBFGS"]

_JACOBIAN_ENTRIES = 2 ** 21
"""Entries of the Jacobian block built at a time by Levenberg-Marquardt (16 MB)."""


@shared_options_doc
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
        Stop when mu exceeds this (> mu).
    {common}

    Attributes
    ----------
    mu_ : float
        The damping after the last step.
    """

    PARAMETERS = {
        "mu": (check_float, dict(low=0.0, low_open=True)),
        "mu_dec": (check_float, dict(low=0.0, high=1.0, low_open=True, high_open=True)),
        "mu_inc": (check_float, dict(low=1.0, low_open=True)),
        "mu_max": (check_float, dict(low=0.0, low_open=True)),
    }

    def __init__(self, mu=0.001, mu_dec=0.1, mu_inc=10.0, mu_max=1e10, **options):
        super().__init__(**options)
        self.mu = mu
        self.mu_dec = mu_dec
        self.mu_inc = mu_inc
        self.mu_max = mu_max

    def check_params(self):
        super().check_params()
        if not self.mu_max > self.mu:
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
            O = net.jacobian_into(X_aug[start:stop], net.workspace(stop - start), J_b)
            e = np.subtract(O, T[start:stop], dtype=np.float64).ravel()
            S += 0.5 * float(np.dot(e, e))
            J_rows = J_b.reshape(-1, J.shape[2])
            self._syrk(1.0, J_rows.T, beta=1.0, c=JtJ, trans=0, lower=0, overwrite_c=1)
            Jte += J_rows.T @ e
        return S

    def _epoch(self, net, X_aug, T, rng):
        from scipy.linalg import LinAlgError, cho_factor, cho_solve

        n, w, w0, A = X_aug.shape[0], net.weights, self._w0, self._A
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
                E_new = net.loss_of_augmented(X_aug, T)
                if n * (E_new + self._penalty(w)) < F:
                    self.mu_ *= self.mu_dec
                    return E_new
                w[...] = w0
            self.mu_ *= self.mu_inc
            if self.mu_ > self.mu_max:
                raise Stop("mu_max")


@shared_options_doc
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
    #22438); like every trainer, this one runs with BLAS limited to one
    thread (:meth:`Trainer.fit`).

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
    PARAMETERS = {
        "iterations_per_epoch": (check_int, dict(minimum=1)),
        "memory": (check_int, dict(minimum=1)),
        "gtol": (check_float, dict(low=0.0)),
        "ftol": (check_float, dict(low=0.0)),
    }

    def __init__(self, iterations_per_epoch=10, memory=10, gtol=1e-10, ftol=1e-14, **options):
        super().__init__(**options)
        self.iterations_per_epoch = iterations_per_epoch
        self.memory = memory
        self.gtol = gtol
        self.ftol = ftol

    def _run(self, net, X_aug, T, rng, loop):
        from scipy.optimize import minimize

        weights = net.weights
        grad, tmp = np.empty_like(weights), np.empty_like(weights)
        last = {"w": None, "E": None}   # the latest evaluation: the callback's x

        def fun(w):
            weights[...] = w
            E = net.gradient_of_augmented(X_aug, T, grad, tmp)
            F = E + self._penalty(weights)
            if self._decay is not None:
                np.add(grad, self._decay * weights, out=grad)
            last["w"], last["E"] = w.copy(), E
            return F, grad.astype(np.float64)

        def loss_at(w):
            weights[...] = w
            if last["w"] is not None and np.array_equal(w, last["w"]):
                return last["E"]
            return None                 # the loop evaluates it

        k, iterations = self.iterations_per_epoch, 0

        def callback(xk):
            nonlocal iterations
            iterations += 1
            if iterations % k == 0 and loop.end_epoch(loss_at(xk)):
                raise Stop(loop.history.stop_reason)

        options = {"maxiter": self.max_epochs * k, "maxcor": self.memory, "gtol": self.gtol,
                   "ftol": self.ftol, "maxfun": 100 * self.max_epochs * k}
        try:
            result = minimize(fun, weights.astype(np.float64), jac=True, method="L-BFGS-B",
                              callback=callback, options=options)
        except Stop:
            return
        if iterations % k or iterations == 0:    # record the last, partial epoch
            if loop.end_epoch(loss_at(result.x)):
                return
        else:
            weights[...] = result.x
        loop.stop("converged")
