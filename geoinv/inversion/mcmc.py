"""Markov chains for many independent targets at once, run until converged.

The targets are the posteriors of ``n`` soundings: densities
``p_i(x) ~ exp(-chi2_i(x) / 2)`` of ``x`` in ``R^p`` (``chi2 = inf`` outside
the support).  All chains of all active targets advance together, so every
step costs ONE call of ``chi2(rows, x)`` with ``x`` of shape
``(n_active, k, p)``, which the posterior turns into one batched forward
simulation.  The samplers know nothing about geophysics.

Samplers
--------
``"de_mcz"`` (default): differential evolution with a past archive
    (DE-MCz; ter Braak & Vrugt 2008, the sampler inside DREAM(ZS)).  Each of
    ``n_chains`` chains of a target proposes ::

        y = x + gamma (z_a - z_b) + e,     e ~ N(0, (1e-6)^2 I),

    with ``z_a != z_b`` drawn from the target's archive ``Z`` of past
    states, ``gamma = 2.38 / sqrt(2 p)`` and, one proposal in ten,
    ``gamma = 1`` (a jump between separate parts of the posterior, e.g. the
    two arms of an equivalence valley), and accepts with probability
    ``min(1, p(y) / p(x))`` (the proposal is symmetric).  ``Z`` starts with
    the given initial archive (say ``10 p`` draws of a linearised posterior)
    and receives the states of all chains every ten steps, so the jumps take
    the size and the direction of the posterior as the run learns it; the
    adaptation diminishes as ``Z`` grows.  Few chains suffice in any
    dimension (the archive, not the other chains, supplies the directions),
    which keeps R-hat affordable: it compares only ``n_chains`` chains.
``"stretch"``: the affine-invariant ensemble stretch move (Goodman & Weare
    2010, as in emcee), the chains being the walkers (even,
    ``n_chains >= 2 p``); kept for comparison.

Rounds
------
Every target runs ``n_steps`` steps; one whose chains have not converged
(see below) runs ``n_steps`` more, and so on up to ``max_steps``: a target
leaves the batch as soon as it has converged, so the hard ones get the
steps.  The *window* of a target is the second half of all its steps (the
first half is burn-in, as in Stan); states are stored every ``thin`` steps,
and the window is evenly thinned again to ``n_keep = n_steps // (2 thin)``
states per chain, so that every target returns the same number of draws.
Convergence is judged on exactly these draws: split R-hat and effective
sample size per coordinate (:mod:`geoinv.inversion.convergence`), converged
when every coordinate has ``R_hat < max_r_hat`` and ``ESS >= target_ess``.

Memory: ``n * n_chains * (max_steps / thin) * p`` stored states, plus the
archive, ``n * (10 p + n_chains * max_steps / 10) * p``; 8 bytes each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .convergence import effective_sample_size, split_r_hat

__all__ = ["ChainResult", "run_chains", "SAMPLERS"]

SAMPLERS = ("de_mcz", "stretch")

_ARCHIVE_EVERY = 10      # steps between archive updates (ter Braak & Vrugt 2008: K = 10)
_JUMP_FRACTION = 0.1     # proposals with gamma = 1
_JITTER = 1e-6           # standard deviation of e, in units of x
_STRETCH = 2.0           # stretch scale a of Goodman & Weare


@dataclass
class ChainResult:
    """What :func:`run_chains` returns, per target.

    Attributes
    ----------
    states : ndarray, shape (n, n_chains, n_keep, p)
        The kept draws of every chain.
    chi2 : ndarray, shape (n, n_chains, n_keep)
        ``chi2`` of each kept draw.
    acceptance : ndarray, shape (n,)
        Accepted fraction of all proposals (burn-in included).
    r_hat, ess : ndarray, shape (n, p)
        Split R-hat and effective sample size of the kept draws.
    converged : ndarray of bool, shape (n,)
    steps : ndarray of int, shape (n,)
        Steps every chain of the target made.
    """

    states: np.ndarray
    chi2: np.ndarray
    acceptance: np.ndarray
    r_hat: np.ndarray
    ess: np.ndarray
    converged: np.ndarray
    steps: np.ndarray


def run_chains(chi2, x0, archive=None, *, chi2_x0=None, sampler="de_mcz", n_steps=4000,
               max_steps=None, thin=4, target_ess=200.0, max_r_hat=1.01, rng):
    """Run the chains of every target in rounds until each has converged.

    Parameters
    ----------
    chi2 : callable
        ``chi2(rows, x) -> ndarray (len(rows), k)`` for targets ``rows``
        (int array) and points ``x`` of shape ``(len(rows), k, p)``; ``inf``
        outside the support.
    x0 : ndarray, shape (n, n_chains, p)
        Start of every chain, each with a finite ``chi2``.
    archive : ndarray, shape (n, m0, p), optional
        Initial archive of ``"de_mcz"`` (``m0 >= 2``); default ``x0``.
    chi2_x0 : ndarray, shape (n, n_chains), optional
        ``chi2`` of ``x0`` if known (saves its evaluation).
    sampler : {"de_mcz", "stretch"}
    n_steps : int
        Steps per round.
    max_steps : int, optional
        Steps after which an unconverged target stops (default ``n_steps``:
        one round); a multiple of ``n_steps``.
    thin : int
        Store every ``thin``-th state.
    target_ess, max_r_hat : float
        Convergence criterion per coordinate.
    rng : numpy.random.Generator

    Returns
    -------
    ChainResult
    """
    n, n_chains, p = x0.shape
    max_steps = n_steps if max_steps is None else max_steps
    n_keep = n_steps // (2 * thin)
    x = x0.copy()
    c = chi2(np.arange(n), x) if chi2_x0 is None else np.array(chi2_x0, dtype=np.float64)
    stored = np.empty((n, n_chains, max_steps // thin + 1, p))
    stored_chi2 = np.empty(stored.shape[:3])
    accepted = np.zeros(n)
    out = ChainResult(np.empty((n, n_chains, n_keep, p)), np.empty((n, n_chains, n_keep)),
                      np.zeros(n), np.full((n, p), np.nan), np.full((n, p), np.nan),
                      np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64))
    move = _Stretch(n_chains, p) if sampler == "stretch" else _DEMCz(
        x0 if archive is None else archive, n_chains, max_steps)

    active = np.arange(n)
    for step in range(1, max_steps + 1):
        x_new, c_new, acc = move(chi2, active, x[active], c[active], rng, step)
        x[active], c[active] = x_new, c_new
        accepted[active] += acc
        if step % thin == 0:
            stored[active, :, step // thin - 1] = x_new
            stored_chi2[active, :, step // thin - 1] = c_new
        if step % n_steps and step < max_steps:
            continue
        # -- end of a round: judge the window of every active target -------------
        s = step // thin
        pick = np.linspace(s // 2, s - 1, n_keep).round().astype(np.int64)
        window = stored[active][:, :, pick]                          # (n_act, C, n_keep, p)
        r_hat = split_r_hat(window.transpose(0, 3, 1, 2))
        ess = effective_sample_size(window.transpose(0, 3, 1, 2))
        done = ((r_hat < max_r_hat) & (ess >= target_ess)).all(axis=1)
        leaving = done | (step >= max_steps)
        rows = active[leaving]
        out.states[rows] = window[leaving]
        out.chi2[rows] = stored_chi2[rows][:, :, pick]
        out.r_hat[rows], out.ess[rows], out.converged[rows] = r_hat[leaving], ess[leaving], \
            done[leaving]
        out.steps[rows] = step
        out.acceptance[rows] = accepted[rows] / (step * n_chains)
        active = active[~leaving]
        move.keep(~leaving)
        if not active.size:
            break
    return out


class _DEMCz:
    """DE-MCz moves with one archive per target (see the module docstring)."""

    def __init__(self, archive, n_chains, max_steps):
        n, m0, p = archive.shape
        self.z = np.empty((n, m0 + n_chains * (max_steps // _ARCHIVE_EVERY + 1), p))
        self.z[:, :m0] = archive
        self.size = m0
        self.rows = np.arange(n)          # archive row of each active target
        self.gamma = 2.38 / np.sqrt(2 * p)

    def keep(self, mask):
        self.rows = self.rows[mask]

    def __call__(self, chi2, active, x, c, rng, step):
        n, k, p = x.shape
        a = rng.integers(0, self.size, size=(n, k))
        b = (a + rng.integers(1, self.size, size=(n, k))) % self.size      # b != a
        gamma = np.where(rng.random((n, k, 1)) < _JUMP_FRACTION, 1.0, self.gamma)
        rows = self.rows[:, None]
        y = x + gamma * (self.z[rows, a] - self.z[rows, b]) + _JITTER * rng.standard_normal(x.shape)
        c_y = chi2(active, y)
        with np.errstate(invalid="ignore"):
            accept = np.log(rng.random((n, k))) < -0.5 * (c_y - c)    # inf - inf = NaN: rejected
        x = np.where(accept[:, :, None], y, x)
        c = np.where(accept, c_y, c)
        if step % _ARCHIVE_EVERY == 0:
            self.z[self.rows, self.size:self.size + k] = x
            self.size += k
        return x, c, accept.sum(axis=1)


class _Stretch:
    """Stretch moves, each half of the walkers against the other half."""

    def __init__(self, n_chains, p):
        self.half = n_chains // 2
        self.p = p

    def keep(self, mask):
        pass

    def __call__(self, chi2, active, x, c, rng, step):
        x, c = x.copy(), c.copy()
        accepted = np.zeros(len(x))
        halves = (slice(0, self.half), slice(self.half, None))
        for moving, other in (halves, halves[::-1]):
            n, k, p = x[:, moving].shape
            pick = rng.integers(0, self.half, size=(n, k))
            x_j = np.take_along_axis(x[:, other], pick[:, :, None], axis=1)
            z = ((_STRETCH - 1.0) * rng.random((n, k)) + 1.0) ** 2 / _STRETCH
            y = x_j + z[:, :, None] * (x[:, moving] - x_j)
            c_y = chi2(active, y)
            with np.errstate(invalid="ignore"):
                log_ratio = (p - 1) * np.log(z) - 0.5 * (c_y - c[:, moving])
            accept = np.log(rng.random((n, k))) < log_ratio
            x[:, moving] = np.where(accept[:, :, None], y, x[:, moving])
            c[:, moving] = np.where(accept, c_y, c[:, moving])
            accepted += accept.sum(axis=1)
        return x, c, accepted
