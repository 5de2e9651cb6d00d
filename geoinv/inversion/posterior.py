"""Posterior sampling per sounding, many soundings at once.

The problem
-----------
For one sounding with data ``d`` (n_data,) and standard deviations ``sigma``,
the posterior of the model ``m`` is ::

    p(m | d)  ~  exp(-chi2(m) / 2)   on the search box,  0 outside,
    chi2(m) = sum_i ((g(d_i) - g(f_i(m))) / s_i)**2,

the data-space convention of :mod:`geoinv.inversion.least_squares` (so that
``chi2 = 2 phi`` of its damped least squares; :mod:`geoinv.inversion.likelihood`
computes it): ``g`` is log10 on the columns
of ``forward.data_log_mask`` (apparent resistivities) and the identity
elsewhere (phases), and ``s = sigma`` is the standard deviation given in that
error space (decades on log columns; :mod:`geoinv.prior.noise`).  The prior is uniform in the *declared scale* of
the model space (log10 for log parameters) over the prior box widened by
``widen`` box widths on each side (:func:`least_squares.search_bounds`).
With ``widen = 0`` it is exactly the distribution the synthetic test models
are drawn from, so the credible intervals of in-distribution soundings are
calibrated once the chains have converged.

Sampler
-------
DE-MCz chains (:mod:`geoinv.inversion.mcmc`) in the declared scale, all
soundings' chains advancing together: one batched ``simulate`` call per
step.  Why this sampler: a three-layer sounding's posterior is not an
ellipse but a thin valley of constant conductance S = h / rho (or transverse
resistance T = h rho) that bends into the box walls where the middle layer
vanishes (an L or a triangle in log rho_2, log h_2), often with a funnel in
h_1 -- see the figures of :mod:`geoinv.viz.posterior`.  Jumps along
differences of an archive of past states follow that shape where the
differences between the walkers of the affine-invariant stretch move cut
across it, and four chains per sounding make R-hat (which needs every chain
to be long) affordable.  Measured on the first 100 ves_3layer ID soundings
(benchmarks/bench_posterior.py --compare-stretch, the settings of the
time), within 16,000 steps: 59 % converged with DE-MCz and 4 chains (40,000
forward calls per sounding), 5 % with the stretch move and 12 walkers
(170,000).  Soundings that have not converged after ``n_steps`` (2,000) run
``n_steps`` more, up to ``max_steps`` (64,000).

Why these settings: unconverged chains were slow, not wrong -- creeping
along equivalence valleys (acceptance 0.11 against 0.22), failing R-hat
more often than ESS -- and R-hat < 1.01 needs chain length, while the steps
of the slowest soundings (about 1 ms each whatever the batch) are most of
the wall time.  A burn-in of ``n_steps / 2`` steps instead of half of all
steps, rounds of 2,000 and at most 64,000 steps took the first 200 ID
soundings from 56 % to 91 % converged (ves_3layer) and from 53 % to 94 %
(mt_3layer), at 0.36 and 0.29 s per sounding (0.22 and 0.15 s before), the
coverage of the 90 % intervals unchanged (:mod:`geoinv.inversion.mcmc`,
benchmarks/bench_posterior.py).

Start
-----
From ``start`` (one model per sounding, e.g. network -> LM), the linearised
posterior ``N(u_start, (J^T J + I)^-1)`` in box widths ``u`` (``J`` from
:func:`least_squares.weighted_jacobian`; the ``+ I`` keeps unresolved
directions at about one box width) gives ``10 n_params`` draws, folded back
into the search box: the initial DE-MCz archive; the chains start from the
``n_chains`` of them with the lowest ``chi2``.  The first ``burn_in`` steps
(``n_steps / 2``) of every chain are burn-in.

Convergence
-----------
Per sounding and parameter, split R-hat and the effective sample size of the
returned draws (:mod:`geoinv.inversion.convergence`; both are invariant
under the affine map between ``u`` and the declared scale); a sounding has
*converged* when every parameter has ``R_hat < max_r_hat`` (1.01) and
``ESS >= target_ess`` (200).  ``diagnostics="rank"`` uses the rank-normalised
R-hat (bulk and folded) and the smaller of bulk and tail ESS instead
(Vehtari et al. 2021): it also sees chains of different spread, and is
stricter: on the first 100 ves_3layer ID soundings
within 48,000 steps 83 % converged by it against 92 %, at 0.40 against
0.28 s per sounding, with the same coverage.

Forward-call unit
-----------------
One simulated model, as in :mod:`geoinv.inversion.least_squares`: proposals
outside the box or unphysical are rejected without a call; the start costs
``n_params + 1`` (the Jacobian) and ``10 n_params`` (the archive).

Use
---
The pieces a run or ``geoinv invert`` strings together, for soundings
``data``, ``sigma`` (and, on synthetic tests, the true ``models``)::

    lm = refine(inversion, data, sigma, rng=seed)                     # network -> LM
    post = sample_posterior(forward, space, data, sigma, lm.models, rng=seed,
                            widen=0.0)      # 0: ID tests; the OOD shell or LM's 0.5 otherwise
    post.to_frame(0.9)                      # per sounding: median, 90 % interval, convergence
    equivalence.dar_zarrouk_frame(post)     # S_i, T_i medians and intervals (layered models)
    equivalence.equivalence_limits(post, forward, data, sigma).to_frame()
    calibration.posterior_calibration(post, models, split)      # metrics.csv rows
    calibration.convergence_rows(post, split)

and the figures of :mod:`geoinv.viz.posterior` take ``post.samples[i]``.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_choice, check_float, check_int, check_rows, format_rows
from ..prior.model_space import as_generator
from .least_squares import search_bounds
from .likelihood import chi_square, linearised_covariance, log_data_mask
from .mcmc import DIAGNOSTICS, SAMPLERS, run_chains
from .posterior_result import PosteriorResult

__all__ = ["PosteriorResult", "sample_posterior", "chains_for", "POSTERIOR_DEFAULTS",
           "POSTERIOR_BATCH"]

POSTERIOR_DEFAULTS = {"n_steps": 2000, "max_steps": 64000, "n_chains": None, "thin": 2,
                      "burn_in": 1000, "diagnostics": "split"}
"""Sampler settings of :func:`sample_posterior` (and of a scenario's ``[posterior]``).

``burn_in`` is ``n_steps // 2`` of the default ``n_steps``; with another
``n_steps``, ``sample_posterior`` uses ``n_steps // 2`` unless given one, and
``max_steps`` keeps its ratio to ``n_steps`` (32 rounds)."""

POSTERIOR_BATCH = 200
"""Soundings a caller samples together (``geoinv invert``, a run's ``[posterior]``):
the sampler holds ~1.3 MB per sounding of five parameters (see Notes of
:func:`sample_posterior`), so a batch stays near 300 MB."""

CALLS_PER_STEP = 64
"""Models per batched call below which more chains per sounding are (nearly) free."""


def chains_for(n_soundings):
    """Chains per sounding when none are asked for: 4, up to 16 for a few soundings.

    A step costs one batched forward call, whose fixed overhead (~0.3 ms)
    outweighs simulating fewer than ~:data:`CALLS_PER_STEP` models.  So a
    batch of many soundings runs 4 chains each (measured on 100 ves_3layer
    soundings: 8 chains converged no more soundings for twice the forward
    calls), and a few soundings run ``CALLS_PER_STEP // n`` chains, at most
    16, for about the same wall time per step: on the 4-layer sounding
    sond1-100, 4 chains had not converged after 64,000 steps (R-hat 1.022,
    ESS 167, 26 s), 16 converged after 46,000 (R-hat 1.01, ESS 1358, 27 s).

    >>> [chains_for(n) for n in (1, 4, 8, 16, 100)]
    [16, 16, 8, 4, 4]
    """
    return int(np.clip(CALLS_PER_STEP // max(int(n_soundings), 1), 4, 16))


_ARCHIVE_PER_PARAM = 10    # initial archive: 10 p draws (ter Braak & Vrugt 2008)


class _LogPosterior:
    """chi2 of points u (box widths) of given soundings; counts forward calls."""

    def __init__(self, forward, space, data, sigma, u_low, u_high, data_scale):
        self.forward, self.space = forward, space
        self.data, self.sigma, self.data_scale = data, sigma, data_scale
        self.lo, self.width = space.scaled_low, space.scaled_high - space.scaled_low
        self.u_low, self.u_high = u_low, u_high
        self.calls = np.zeros(len(data), dtype=np.int64)

    def models(self, u):
        return self.space.from_scale(self.lo + u * self.width)

    def __call__(self, soundings, u):
        """chi2, shape (len(soundings), k), of u (len(soundings), k, p); inf outside the box."""
        chi2 = np.full(u.shape[:2], np.inf)
        inside = ((u >= self.u_low) & (u <= self.u_high)).all(axis=-1)
        rows, cols = np.nonzero(inside)
        if rows.size:
            models = self.models(u[rows, cols])
            ok = self.forward.valid_rows(models)
            predicted = np.full((rows.size, self.forward.n_data), np.nan)
            if ok.any():
                predicted[ok] = self.forward.simulate(models[ok])
            which = soundings[rows]
            np.add.at(self.calls, which[ok], 1)
            chi2[rows, cols] = chi_square(self.forward, self.data[which], self.sigma[which],
                                          predicted, data_scale=self.data_scale)
        return chi2


def sample_posterior(forward, space, data, sigma, start, *,
                     n_steps=POSTERIOR_DEFAULTS["n_steps"], max_steps=None,
                     n_chains=POSTERIOR_DEFAULTS["n_chains"], thin=POSTERIOR_DEFAULTS["thin"],
                     widen=0.0, target_ess=200.0, max_r_hat=1.01,
                     sampler="de_mcz", data_scale="auto", burn_in=None,
                     diagnostics=POSTERIOR_DEFAULTS["diagnostics"], rng=None):
    """Sample the posterior of every sounding; run each until it has converged.

    See the module docstring for the likelihood, the prior, the sampler, the
    start and the convergence criterion.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
        ``simulate(models)`` batched over rows.
    space : geoinv.ModelSpace
        Prior box and the declared scale of each parameter.
    data : array_like, shape (n_soundings, n_data)
        Observed data, physical units; > 0 on log columns.
    sigma : array_like, broadcastable to ``data``
        Standard deviation of every datum in its error space (decades on
        log columns, data units elsewhere), > 0.
    start : array_like, shape (n_soundings, n_params)
        Start model of each sounding (physical units), e.g. network -> LM;
        clipped into the search box.
    n_steps : int
        Steps per round and chain.
    max_steps : int, optional
        Steps after which an unconverged sounding stops (a multiple of
        ``n_steps``; default ``POSTERIOR_DEFAULTS["max_steps"]`` for the
        default ``n_steps``, the same number of rounds (32) otherwise).
    n_chains : int, optional
        Chains per sounding (>= 2; even and >= 2 n_params for ``"stretch"``);
        default :func:`chains_for` the number of soundings (4 for many, up
        to 16 for a few).
    thin : int
        Keep every ``thin``-th state; a sounding returns
        ``n_chains * n_steps // (2 thin)`` draws.
    widen : float or array_like, shape (n_params,)
        Widening of the uniform prior beyond the prior box, box widths of
        the declared scale on each side.  0 (the prior box itself) for
        synthetic ID tests, whose models were drawn from that box; for field
        data the search box of LM (``refine.LM_DEFAULTS["widen"]``, 0.5), so
        that a sounding unlike the training set can have its posterior
        outside the box.
    target_ess, max_r_hat : float
        Convergence criterion per parameter.
    sampler : {"de_mcz", "stretch"}
        See :mod:`geoinv.inversion.mcmc`.
    data_scale : {"auto", "log", "linear"}
        Residual space, as in least_squares (default: log10 on the forward
        model's log columns).
    burn_in : int, optional
        Steps dropped at the start of every chain, at most ``n_steps // 2``
        (default ``n_steps // 2``).
    diagnostics : {"split", "rank"}
        Convergence diagnostics: split R-hat and ESS, or rank-normalised
        R-hat and the smaller of bulk and tail ESS (Vehtari et al. 2021;
        stricter, see the module docstring).
    rng : numpy.random.Generator or int or None
        Draws the start and the moves.

    Returns
    -------
    PosteriorResult

    Raises
    ------
    ValueError
        Naming the argument (and rows): bad shapes or settings, non-finite
        data, ``sigma <= 0``, data <= 0 on a log column, a start none of
        whose draws is physical.

    Notes
    -----
    Memory: the stored states and the archive take about
    ``8 n_params n_chains (2 n_steps / thin + max_steps / 10)`` bytes per
    sounding, 1.3 MB with the defaults and five parameters: sample a large
    survey in batches of a few hundred soundings (and join the results with
    :meth:`PosteriorResult.concatenate`; ``POSTERIOR_BATCH``).  Time: 100
    soundings together took 0.32 s each on ves_3layer, 0.27-0.29 s on
    mt_3layer (two cores, load average 1; benchmarks/bench_posterior.py);
    0.6 s on ves_3layer OOD, where the widened box reaches steep-contrast
    models whose VES forward computation is slower.

    Examples
    --------
    >>> import numpy as np
    >>> from geoinv import ModelSpace, Parameter
    >>> from geoinv.forward import VES
    >>> ves = VES(np.geomspace(1, 300, 15), n_layers=2)
    >>> space = ModelSpace([Parameter("rho_1", "ohm.m", 1, 1000),
    ...                     Parameter("rho_2", "ohm.m", 1, 1000), Parameter("h_1", "m", 1, 50)])
    >>> d = ves.simulate([[100.0, 10.0, 5.0]])
    >>> # sigma: 2 % errors in decades (the error space of apparent resistivity)
    >>> post = sample_posterior(ves, space, d, 0.0086, [[100.0, 10.0, 5.0]], n_steps=2000,
    ...                         rng=0)
    >>> post.samples.shape        # one sounding: 16 chains x 2000 / (2 thin) draws
    (1, 8000, 3)
    >>> low, high = post.intervals(0.9)
    >>> bool(low[0, 0] < 100.0 < high[0, 0]), bool(high[0, 0] / low[0, 0] < 1.2)
    (True, True)
    """
    rng = as_generator(rng)
    log_data = log_data_mask(forward, data_scale)
    data, sigma = _check_data(forward, space, data, sigma, log_data)
    n, p = data.shape[0], space.n_params
    sampler = check_choice(sampler, "sampler", SAMPLERS)
    if n_chains is None:
        n_chains = chains_for(n)
        if sampler == "stretch":
            n_chains = max(n_chains, 2 * p + (2 * p) % 2)
    n_chains = check_int(n_chains, "n_chains", 2 * p if sampler == "stretch" else 2)
    if sampler == "stretch" and n_chains % 2:
        raise ValueError(f"n_chains must be even for the stretch move; got {n_chains}")
    thin = check_int(thin, "thin", 1)
    n_steps = check_int(n_steps, "n_steps", 8 * thin)
    if max_steps is None:
        max_steps = n_steps * (POSTERIOR_DEFAULTS["max_steps"] // POSTERIOR_DEFAULTS["n_steps"])
    max_steps = check_int(max_steps, "max_steps", n_steps)
    burn_in = (n_steps // 2 if burn_in is None
               else check_int(burn_in, "burn_in", 0, maximum=n_steps // 2))
    diagnostics = check_choice(diagnostics, "diagnostics", DIAGNOSTICS)
    if max_steps % n_steps:
        raise ValueError(f"max_steps must be a multiple of n_steps ({n_steps}); got {max_steps}")
    target_ess = check_float(target_ess, "target_ess", 0.0)
    max_r_hat = check_float(max_r_hat, "max_r_hat", 1.0)
    start = np.asarray(start, dtype=np.float64)
    if start.shape != (n, p):
        raise ValueError(f"start must have shape ({n}, {p}) (one model per sounding); "
                         f"got {start.shape}")
    bad = ~np.isfinite(start).all(axis=1) | (start[:, space.log] <= 0).any(axis=1)
    if bad.any():
        raise ValueError(f"start rows {format_rows(np.flatnonzero(bad))} are not finite or "
                         "<= 0 on a log parameter")

    u_low, u_high = search_bounds(space, widen, forward.positive)
    post = _LogPosterior(forward, space, data, sigma, u_low, u_high, data_scale)
    archive, archive_chi2 = _initial_archive(post, forward, space, start, data_scale, rng)
    if sampler == "stretch" and n_chains > archive.shape[1]:
        extra = _fold(archive[:, rng.integers(0, archive.shape[1], n_chains)]
                      + 1e-3 * rng.standard_normal((n, n_chains, p)), u_low, u_high)
        archive = np.concatenate([archive, extra], axis=1)
        archive_chi2 = np.concatenate([archive_chi2, post(np.arange(n), extra)], axis=1)
    best = np.argsort(archive_chi2, axis=1, kind="stable")[:, :n_chains]
    x0 = np.take_along_axis(archive, best[:, :, None], axis=1)
    chi2_x0 = np.take_along_axis(archive_chi2, best, axis=1)
    if not np.isfinite(chi2_x0).all():
        dead = ~np.isfinite(chi2_x0).all(axis=1)
        raise ValueError(f"start rows {format_rows(np.flatnonzero(dead))}: fewer than "
                         f"{n_chains} start draws are physical and inside the search box")

    chains = run_chains(post, x0, archive, chi2_x0=chi2_x0, sampler=sampler, n_steps=n_steps,
                        max_steps=max_steps, thin=thin, target_ess=target_ess,
                        max_r_hat=max_r_hat, burn_in=burn_in, diagnostics=diagnostics, rng=rng)
    samples = post.models(chains.states.reshape(n, -1, p))
    return PosteriorResult(
        samples=samples, chi2=chains.chi2.reshape(n, -1), acceptance=chains.acceptance,
        r_hat=chains.r_hat, ess=chains.ess, converged=chains.converged, steps=chains.steps,
        forward_calls=post.calls, names=list(space.names), log=space.log.copy(),
        low=post.models(u_low), high=post.models(u_high), n_chains=n_chains,
        target_ess=target_ess, max_r_hat=max_r_hat)


def _fold(u, u_low, u_high):
    """Reflect points at the faces of the box back inside (once), then clip."""
    u = np.where(u < u_low, 2 * u_low - u, u)
    u = np.where(u > u_high, 2 * u_high - u, u)
    return np.clip(u, u_low, u_high)


def _initial_archive(post, forward, space, start, data_scale, rng):
    """10 p draws of the damped linearised posterior around ``start``, with their chi2."""
    n, p = start.shape
    u_start = np.clip((space.to_scale(start) - post.lo) / post.width, post.u_low, post.u_high)
    models = post.models(u_start)
    ok = forward.valid_rows(models)
    cov_u = np.broadcast_to(np.eye(p), (n, p, p)).copy()
    if ok.any():
        cov = linearised_covariance(forward, space, post.data[ok], post.sigma[ok], models[ok],
                                    damping=1.0, data_scale=data_scale)
        cov_u[ok] = cov / (post.width[:, None] * post.width[None, :])
        post.calls[ok] += p + 1
    m0 = _ARCHIVE_PER_PARAM * p
    L = np.linalg.cholesky(cov_u)
    draws = u_start[:, None, :] + np.einsum("npq,nmq->nmp", L, rng.standard_normal((n, m0, p)))
    archive = _fold(draws, post.u_low, post.u_high)
    archive[:, 0] = u_start
    return archive, post(np.arange(n), archive)


def _check_data(forward, space, data, sigma, log_data):
    """Shapes and signs of data and sigma; returns float64 arrays (n, n_data)."""
    if space.n_params != forward.n_params:
        raise ValueError(f"space has {space.n_params} parameters but {type(forward).__name__} "
                         f"has {forward.n_params}")
    data = check_rows(np.atleast_2d(data), "data", forward.n_data, width_name="forward.n_data")
    try:
        sigma = np.broadcast_to(np.asarray(sigma, dtype=np.float64), data.shape).copy()
    except ValueError:
        raise ValueError(f"sigma of shape {np.shape(sigma)} does not broadcast to data "
                         f"{data.shape}") from None
    for bad, name, problem in (
            (~(np.isfinite(sigma) & (sigma > 0)).all(axis=1), "sigma", "must be finite and > 0"),
            ((data[:, log_data] <= 0).any(axis=1), "data", "are <= 0 on a log10-scaled column")):
        if bad.any():
            raise ValueError(f"{name} rows {format_rows(np.flatnonzero(bad))} {problem}")
    return data, sigma
