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
    dimension (the archive, not the other chains, supplies the directions).
``"stretch"``: the affine-invariant ensemble stretch move (Goodman & Weare
    2010, as in emcee), the chains being the walkers (even,
    ``n_chains >= 2 p``); kept for comparison.

Rounds, burn-in and the window
------------------------------
Every target runs ``n_steps`` steps; one whose chains have not converged
(see below) runs ``n_steps`` more, and so on up to ``max_steps``: a target
leaves the batch as soon as it has converged, so the hard ones get the
steps.  The first ``burn_in`` steps of every chain (default ``n_steps / 2``)
are dropped; the *window* is everything after them.  States are stored
every ``thin`` steps in a buffer of ``4 n_keep`` states per chain that, when
full, keeps every second state and doubles its stride (so memory does not
grow with ``max_steps``), and the window is evenly thinned to
``n_keep = n_steps // (2 thin)`` states per chain, so that every target
returns the same number of draws.  Convergence is judged on exactly these
draws (:mod:`geoinv.inversion.convergence`): with ``diagnostics="split"``
split R-hat and ESS, with ``"rank"`` rank-normalised R-hat and the smaller
of bulk and tail ESS (Vehtari et al. 2021); converged when every coordinate
has ``R_hat < max_r_hat`` and ``ESS >= target_ess``.

Why a fixed burn-in and short rounds (first 100 ves_3layer ID soundings, 4
chains, same seeds; with 100 soundings a fraction scatters by ~0.04):
dropping the first half of *all* steps, as Stan does, converged 0.74 of the
soundings within 32,000 steps; dropping only the first 1,000, 0.89, with a
quarter fewer steps and the same coverage of the 90 % intervals (0.86-0.91),
and dropping the first quarter of all steps, 0.83.  The chains start in
the posterior (near the LM solution, the archive from its linearised
posterior), so a long burn-in mostly throws good draws away; a chain still
drifting shows in split R-hat.  Rounds of 2,000 steps (burn-in 1,000)
rather than 4,000 (2,000) let a target stop sooner: 0.89 against 0.83.
R-hat < 1.01 asks for ESS >~ 50 per split chain (R - 1 ~ 1 / (2 ESS_split);
Vats & Knudson 2021), i.e. chain *length*, which more chains do not buy (8
chains: 0.82 against 0.83 with 4).  Tried and not kept: the snooker update
in 10 % of proposals (0.85 against 0.89 within 64,000 steps), DREAM's
randomised subspace crossover with CR in {1/3, 2/3, 1} (0.84 against 0.91),
gamma spread log-normally by 0.5 (0.85 against 0.89), gamma x 0.7 (0.77
against 0.83; acceptance 0.26) or x 1.4 (0.82; acceptance 0.10), and
gamma = 1 in 25 % of proposals (0.83).

Memory: ``n * n_chains * 4 n_keep * p`` stored states, plus the archive,
``n * (m0 + n_chains * max_steps / 10) * p``; 8 bytes each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .convergence import bulk_ess, effective_sample_size, rank_r_hat, split_r_hat, tail_ess

__all__ = ["ChainResult", "run_chains", "SAMPLERS", "DIAGNOSTICS"]

SAMPLERS = ("de_mcz", "stretch")
DIAGNOSTICS = ("split", "rank")

_ARCHIVE_EVERY = 10      # steps between archive updates (ter Braak & Vrugt 2008: K = 10)
_JUMP_FRACTION = 0.1     # proposals with gamma = 1
_JITTER = 1e-6           # standard deviation of e, in units of x
_STRETCH = 2.0           # stretch scale a of Goodman & Weare
_BUFFER = 4              # stored states per chain, in units of n_keep


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
        R-hat and effective sample size of the kept draws (split or
        rank-normalised, see ``diagnostics``).
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


def diagnose(chains, diagnostics="split"):
    """R-hat and ESS of every coordinate of the chains of many targets.

    Parameters
    ----------
    chains : ndarray, shape (n, n_chains, n_draws, p)
    diagnostics : {"split", "rank"}
        ``"split"``: split R-hat and ESS; ``"rank"``: rank-normalised R-hat
        and the smaller of bulk and tail ESS (Vehtari et al. 2021).

    Returns
    -------
    r_hat, ess : ndarray, shape (n, p)
    """
    w = np.asarray(chains).transpose(0, 3, 1, 2)
    if diagnostics == "rank":
        return rank_r_hat(w), np.fmin(bulk_ess(w), tail_ess(w))
    return split_r_hat(w), effective_sample_size(w)


def run_chains(chi2, x0, archive=None, *, chi2_x0=None, sampler="de_mcz", n_steps=2000,
               max_steps=None, thin=2, target_ess=200.0, max_r_hat=1.01, burn_in=None,
               diagnostics="split", rng):
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
        Store every ``thin``-th state (at first; see the module docstring);
        ``n_steps >= 2 thin``.
    target_ess, max_r_hat : float
        Convergence criterion per coordinate.
    burn_in : int, optional
        Steps dropped at the start of every chain, ``0 <= burn_in <=
        n_steps // 2`` (default ``n_steps // 2``).
    diagnostics : {"split", "rank"}
        See :func:`diagnose`.
    rng : numpy.random.Generator

    Returns
    -------
    ChainResult

    Raises
    ------
    ValueError
        If ``burn_in`` or ``diagnostics`` is out of range.
    """
    n, n_chains, p = x0.shape
    max_steps = n_steps if max_steps is None else max_steps
    burn_in = n_steps // 2 if burn_in is None else int(burn_in)
    if not 0 <= burn_in <= n_steps // 2:
        raise ValueError(f"burn_in must be in [0, n_steps // 2 = {n_steps // 2}]; got {burn_in}")
    if diagnostics not in DIAGNOSTICS:
        raise ValueError(f"diagnostics must be one of {DIAGNOSTICS}; got {diagnostics!r}")
    n_keep = n_steps // (2 * thin)
    capacity = _BUFFER * n_keep
    x = x0.copy()
    c = chi2(np.arange(n), x) if chi2_x0 is None else np.array(chi2_x0, dtype=np.float64)
    stored = np.empty((n, n_chains, capacity, p))        # state i is that of step (i+1) stride
    stored_chi2 = np.empty(stored.shape[:3])
    stride, count = thin, 0
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
        if step % stride == 0:
            stored[active, :, count] = x_new
            stored_chi2[active, :, count] = c_new
            count += 1
            if count == capacity:                  # keep steps 2 stride, 4 stride, ...
                stored[:, :, :capacity // 2] = stored[:, :, 1::2]
                stored_chi2[:, :, :capacity // 2] = stored_chi2[:, :, 1::2]
                count, stride = capacity // 2, 2 * stride
        if step % n_steps and step < max_steps:
            continue
        # -- end of a round: judge the window of every active target -------------
        pick = np.linspace(burn_in // stride, count - 1, n_keep).round().astype(np.int64)
        window = stored[active][:, :, pick]                          # (n_act, C, n_keep, p)
        r_hat, ess = diagnose(window, diagnostics)
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
