"""Convergence of Markov chains: R-hat and effective sample size, classic and rank-normalised.

Both estimators take chains of one scalar quantity with the chains on axis
-2 and the draws on axis -1, shape ``(..., n_chains, n_draws)``, and are
vectorised over the leading axes (soundings, parameters).  The walkers of an
ensemble sampler are treated as chains, as ArviZ and Stan's tools do.

Split R-hat (Gelman et al. 2013, BDA3 sec. 11.4)
    Each chain is cut into its first and second half (a middle draw of an
    odd length is dropped), giving ``m = 2 n_chains`` chains of ``n``
    draws.  With ``W`` the mean within-chain variance and ``B / n`` the
    variance of the chain means (both with ``ddof=1``)::

        var_plus = (n - 1) / n * W + B / n,     R_hat = sqrt(var_plus / W).

    R_hat -> 1 as the chains forget their starts and agree; it is above 1
    while they still drift apart or towards each other.  Vehtari et al.
    (2021) recommend accepting R_hat < 1.01.
Effective sample size (Geyer 1992; Vehtari et al. 2021, as in Stan)
    On the same split chains, the autocovariance ``acov_j(t)`` of each chain
    (biased, FFT), the combined autocorrelation ::

        rho(t) = 1 - (W - mean_j acov_j(t)) / var_plus,     rho(0) = 1,

    summed in pairs ``P_k = rho(2k) + rho(2k + 1)`` up to the first pair that
    is not positive (Geyer's initial positive sequence), made monotone
    (``P_k <- min(P_k, P_(k-1))``), gives the integrated autocorrelation
    time ``tau = -1 + 2 sum_k P_k`` (at least ``1 / log10(m n)``) and
    ``ESS = m n / tau``.  For independent draws ``ESS ~ m n``; for an AR(1)
    chain with coefficient ``phi``, ``tau = (1 + phi) / (1 - phi)``.

Rank-normalised diagnostics (Vehtari et al. 2021, the current recommendation)
    The draws of each quantity, pooled over all chains, are replaced by the
    normal scores of their ranks, ``Phi^-1((r - 3/8) / (S + 1/4))``
    (:func:`rank_normalize`).  *Bulk* R-hat and *bulk* ESS are the two
    estimators above on these scores; the *folded* R-hat is the same of
    ``|x - median|`` and sees chains whose spreads differ (which the classic
    R-hat misses); :func:`rank_r_hat` is the larger of bulk and folded.
    *Tail* ESS (:func:`tail_ess`) is the smaller ESS of the indicators
    ``x <= q_5%`` and ``x <= q_95%`` -- the ends of a 90 % interval.  All are
    invariant under increasing maps of the draws and defined for heavy tails
    (Cauchy draws: bulk ESS as for normal ones).  How R-hat and ESS meet:
    ``R_hat - 1 ~ m / (2 ESS)`` for ``m`` split chains (Vats & Knudson
    2021), so ``R_hat < 1.01`` asks for ``ESS >~ 50 m``, about 400 with 4
    chains.  :func:`geoinv.inversion.posterior.sample_posterior` judges with
    the classic pair by default and with these on ``diagnostics="rank"``.

A constant quantity (zero variance in every chain) has R_hat and ESS NaN:
nothing can be said, and :func:`geoinv.inversion.posterior.sample_posterior`
counts it as not converged.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri
from scipy.stats import rankdata

__all__ = ["split_chains", "split_r_hat", "effective_sample_size", "autocorrelation_time",
           "rank_normalize", "rank_r_hat", "bulk_ess", "tail_ess"]


def split_chains(chains):
    """Cut every chain into its two halves.

    Parameters
    ----------
    chains : array_like, shape (..., n_chains, n_draws)
        ``n_draws >= 4``.

    Returns
    -------
    ndarray, shape (..., 2 n_chains, n_draws // 2)
        First halves, then second halves; the middle draw of an odd
        ``n_draws`` is dropped.

    Raises
    ------
    ValueError
        If the array has fewer than two axes or fewer than 4 draws.
    """
    chains = np.asarray(chains, dtype=np.float64)
    if chains.ndim < 2 or chains.shape[-1] < 4:
        raise ValueError("chains must have shape (..., n_chains, n_draws) with n_draws >= 4; "
                         f"got {chains.shape}")
    half = chains.shape[-1] // 2
    return np.concatenate([chains[..., :half], chains[..., -half:]], axis=-2)


def _within_between(chains):
    """W (mean within-chain variance) and var_plus of chains (..., m, n)."""
    n = chains.shape[-1]
    means = chains.mean(axis=-1)
    within = chains.var(axis=-1, ddof=1).mean(axis=-1)
    between_over_n = means.var(axis=-1, ddof=1) if chains.shape[-2] > 1 else 0.0 * within
    return within, (n - 1) / n * within + between_over_n


def split_r_hat(chains):
    """Split R-hat of each quantity (see the module docstring).

    Parameters
    ----------
    chains : array_like, shape (..., n_chains, n_draws)

    Returns
    -------
    r_hat : ndarray, shape (...)
        NaN where every chain is constant.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> float(split_r_hat(rng.normal(size=(8, 1000)))) < 1.01
    True
    >>> drifting = rng.normal(size=(8, 1000)) + np.arange(8)[:, None]   # chains disagree
    >>> float(split_r_hat(drifting)) > 1.5
    True
    """
    within, var_plus = _within_between(split_chains(chains))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(np.where(within > 0, var_plus / within, np.nan))


def autocorrelation_time(chains):
    """Integrated autocorrelation time tau of each quantity, in draws.

    Parameters
    ----------
    chains : array_like, shape (..., n_chains, n_draws)
        Split already if wanted (:func:`effective_sample_size` splits).

    Returns
    -------
    tau : ndarray, shape (...)
        ``(m n) / ESS``; 1 for independent draws, ``(1 + phi) / (1 - phi)``
        for an AR(1) chain; NaN where every chain is constant.
    """
    chains = np.asarray(chains, dtype=np.float64)
    m, n = chains.shape[-2:]
    centred = chains - chains.mean(axis=-1, keepdims=True)
    size = 1 << int(2 * n - 1).bit_length()                 # zero padding: no wrap-around
    spectrum = np.fft.rfft(centred, n=size, axis=-1)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), n=size, axis=-1)[..., :n] / n
    within, var_plus = _within_between(chains)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = 1.0 - (within[..., None] - acov.mean(axis=-2)) / var_plus[..., None]
    rho[..., 0] = 1.0
    n_pairs = n // 2
    pairs = rho[..., 0:2 * n_pairs:2] + rho[..., 1:2 * n_pairs:2]          # (..., n_pairs)
    initial_positive = np.cumprod(pairs > 0, axis=-1, dtype=bool)
    monotone = np.minimum.accumulate(np.where(initial_positive, pairs, np.inf), axis=-1)
    tau = -1.0 + 2.0 * np.sum(np.where(initial_positive, monotone, 0.0), axis=-1)
    tau = np.maximum(tau, 1.0 / np.log10(m * n))
    return np.where(within > 0, tau, np.nan)


def effective_sample_size(chains):
    """Effective sample size of each quantity (see the module docstring).

    Parameters
    ----------
    chains : array_like, shape (..., n_chains, n_draws)

    Returns
    -------
    ess : ndarray, shape (...)
        Of all the draws together (about ``n_chains * n_draws`` for
        independent draws); NaN where every chain is constant.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> ess = effective_sample_size(rng.normal(size=(4, 2000)))
    >>> bool(7000 < ess < 9000)
    True
    """
    chains = split_chains(chains)
    m, n = chains.shape[-2:]
    return m * n / autocorrelation_time(chains)


def rank_normalize(chains):
    """Normal scores of the pooled ranks of all draws of each quantity.

    Parameters
    ----------
    chains : array_like, shape (..., n_chains, n_draws)

    Returns
    -------
    z : ndarray, same shape
        ``z = Phi^-1((r - 3/8) / (S + 1/4))`` with ``r`` the rank of a draw
        among all ``S = n_chains n_draws`` draws of its quantity (ties get
        their average rank) and ``Phi`` the standard normal distribution
        function (Blom's offsets; Vehtari et al. 2021, eq. 14).  Invariant
        under any increasing map of the draws; standard normal for
        continuous draws.
    """
    chains = np.asarray(chains, dtype=np.float64)
    shape = chains.shape
    flat = chains.reshape(*shape[:-2], -1)
    r = rankdata(flat, method="average", axis=-1)
    return ndtri((r - 0.375) / (flat.shape[-1] + 0.25)).reshape(shape)


def _constant_nan(chains, value):
    """NaN where every draw of the quantity is the same."""
    chains = np.asarray(chains, dtype=np.float64)
    constant = (chains == chains[..., :1, :1]).all(axis=(-2, -1))
    return np.where(constant, np.nan, value)


def rank_r_hat(chains):
    """Rank-normalised split R-hat of each quantity (Vehtari et al. 2021).

    The larger of the *bulk* R-hat, split R-hat of the rank-normalised
    split chains (sensitive to chains whose locations differ), and the
    *folded* R-hat, the same of ``|x - median(x)|`` (sensitive to chains
    whose scales differ, which the classic R-hat misses).  Well defined for
    heavy tails and invariant under increasing maps of the draws.

    Parameters
    ----------
    chains : array_like, shape (..., n_chains, n_draws)

    Returns
    -------
    r_hat : ndarray, shape (...)
        NaN where every draw is the same.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> wide = rng.normal(size=(4, 1000)) * np.array([1, 1, 1, 3.0])[:, None]   # one chain wider
    >>> bool(float(split_r_hat(wide)) < 1.01 < float(rank_r_hat(wide)))
    True
    """
    chains = np.asarray(chains, dtype=np.float64)
    split = split_chains(chains)
    median = np.median(split.reshape(*split.shape[:-2], -1), axis=-1)[..., None, None]
    bulk = split_r_hat(rank_normalize(split))
    folded = split_r_hat(rank_normalize(np.abs(split - median)))
    return _constant_nan(chains, np.fmax(bulk, folded))


def bulk_ess(chains):
    """Bulk effective sample size: the ESS of the rank-normalised split chains.

    Parameters
    ----------
    chains : array_like, shape (..., n_chains, n_draws)

    Returns
    -------
    ess : ndarray, shape (...)
        About ``n_chains n_draws`` for independent draws, whatever their
        distribution (Vehtari et al. 2021); NaN where every draw is the same.
    """
    chains = np.asarray(chains, dtype=np.float64)
    split = rank_normalize(split_chains(chains))
    m, n = split.shape[-2:]
    return _constant_nan(chains, m * n / autocorrelation_time(split))


def tail_ess(chains, prob=0.05):
    """Tail effective sample size: the smaller ESS of the ``prob`` and ``1 - prob`` quantiles.

    Parameters
    ----------
    chains : array_like, shape (..., n_chains, n_draws)
    prob : float in (0, 0.5)
        Tail probability (0.05: the ends of a central 90 % interval).

    Returns
    -------
    ess : ndarray, shape (...)
        Minimum over the two quantiles of the ESS of the indicator
        ``x <= q`` on the split chains (Vehtari et al. 2021, sec. 4.3);
        NaN where every draw is the same.
    """
    chains = np.asarray(chains, dtype=np.float64)
    split = split_chains(chains)
    m, n = split.shape[-2:]
    pooled = split.reshape(*split.shape[:-2], -1)
    ess = []
    for q in (prob, 1.0 - prob):
        indicator = (split <= np.quantile(pooled, q, axis=-1)[..., None, None]).astype(np.float64)
        ess.append(m * n / autocorrelation_time(indicator))
    return _constant_nan(chains, np.fmin(*ess))
