"""Split R-hat and effective sample size (geoinv.inversion.convergence) on known chains."""

import numpy as np
import pytest

from geoinv.inversion.convergence import (autocorrelation_time, bulk_ess, effective_sample_size,
                                          rank_normalize, rank_r_hat, split_chains, split_r_hat,
                                          tail_ess)
from scipy.special import ndtri


def ar1(rng, shape, phi):
    """Stationary AR(1) chains x_t = phi x_(t-1) + e_t along the last axis."""
    e = rng.standard_normal(shape)
    x = np.empty(shape)
    x[..., 0] = e[..., 0] / np.sqrt(1 - phi**2)
    for t in range(1, shape[-1]):
        x[..., t] = phi * x[..., t - 1] + e[..., t]
    return x


def test_iid_normal_has_ess_near_the_number_of_draws():
    rng = np.random.default_rng(0)
    chains = rng.standard_normal((200, 4, 1000))          # 200 quantities, 4 chains
    ess = effective_sample_size(chains)
    assert ess.shape == (200,)
    # 4000 draws; the estimator scatters by ~4 % for iid draws, with rare
    # outliers of ~17 % where Geyer's truncation stops late (seen: 1 in 200),
    # and is biased low by ~1 % (measured mean 0.989)
    assert abs(np.mean(ess) / 4000 - 1) < 0.03
    assert np.all(np.abs(ess / 4000 - 1) < 0.25)
    assert np.all(split_r_hat(chains) < 1.01)


@pytest.mark.parametrize("phi", [0.5, 0.9])
def test_ar1_ess_matches_the_integrated_autocorrelation_time(phi):
    rng = np.random.default_rng(1)
    chains = ar1(rng, (50, 4, 4000), phi)
    expected = 16000 * (1 - phi) / (1 + phi)               # n (1 - phi) / (1 + phi)
    ess = effective_sample_size(chains)
    # the mean over 50 quantities is within 3 %; single ones scatter ~10 % (phi = 0.9)
    assert abs(np.mean(ess) / expected - 1) < 0.03
    tau = autocorrelation_time(split_chains(chains))
    assert abs(np.median(tau) / ((1 + phi) / (1 - phi)) - 1) < 0.05


def test_r_hat_flags_chains_that_disagree_or_drift():
    rng = np.random.default_rng(2)
    apart = rng.standard_normal((4, 1000)) + np.array([0, 0, 0, 1.0])[:, None]
    assert split_r_hat(apart) > 1.05
    # every chain drifts the same way: only splitting can see it
    drift = rng.standard_normal((4, 1000)) + np.linspace(0, 2, 1000)
    assert split_r_hat(drift) > 1.1
    assert split_r_hat(drift[:, ::-1]) > 1.1


def test_constant_chains_give_nan():
    chains = np.ones((3, 2, 100))
    assert np.isnan(split_r_hat(chains)).all()
    assert np.isnan(effective_sample_size(chains)).all()


def test_split_chains_halves_and_drops_the_middle_draw():
    x = np.arange(2 * 9).reshape(2, 9).astype(float)
    halves = split_chains(x)
    assert halves.shape == (4, 4)
    assert halves[:, 0].tolist() == [0, 9, 5, 14]           # first halves, then second halves
    with pytest.raises(ValueError, match="n_draws >= 4"):
        split_chains(np.zeros((2, 3)))


def test_rank_normalize_gives_blom_normal_scores():
    x = np.array([[3.0, 1.0], [2.0, 2.0]])                  # ranks 4, 1, 2.5, 2.5 of S = 4
    expected = ndtri((np.array([[4, 1], [2.5, 2.5]]) - 0.375) / 4.25)
    np.testing.assert_allclose(rank_normalize(x), expected, rtol=1e-12)
    # ranks only: an increasing map changes nothing
    rng = np.random.default_rng(3)
    y = rng.standard_normal((3, 4, 50))
    np.testing.assert_allclose(rank_normalize(np.exp(y)), rank_normalize(y), rtol=1e-12)


def test_rank_r_hat_and_bulk_ess_of_iid_draws_and_heavy_tails():
    rng = np.random.default_rng(4)
    normal = rng.standard_normal((100, 4, 1000))
    cauchy = rng.standard_cauchy((100, 4, 1000))
    for chains in (normal, cauchy):
        # iid: R-hat - 1 ~ 1 / (2 * ESS per split chain) = 1 / 1000, scatter ~ as much
        assert np.all(rank_r_hat(chains) < 1.01)
        # 4000 draws whatever the tails; same 4 % scatter as for the classic ESS
        assert abs(np.mean(bulk_ess(chains)) / 4000 - 1) < 0.03
    # the indicator of a 5 % tail is iid Bernoulli: ESS ~ 4000 too
    assert abs(np.mean(tail_ess(normal)) / 4000 - 1) < 0.05


def test_rank_r_hat_sees_shifted_means_and_different_scales():
    rng = np.random.default_rng(5)
    shifted = rng.standard_normal((4, 1000)) + np.array([0, 0, 0, 0.5])[:, None]
    # split means: 6 at 0, 2 at 0.5, variance 0.054 against W = 1: R ~ sqrt(1.054) = 1.026
    assert rank_r_hat(shifted) > 1.01 and split_r_hat(shifted) > 1.01
    wide = rng.standard_normal((4, 1000)) * np.array([1, 1, 1, 3.0])[:, None]
    # same means, one chain 3x wider: invisible to the classic R-hat, not to the folded one
    assert split_r_hat(wide) < 1.01 < rank_r_hat(wide)


def test_rank_diagnostics_of_constant_chains_are_nan():
    chains = np.full((2, 3, 100), 7.0)
    for f in (rank_r_hat, bulk_ess, tail_ess):
        assert np.isnan(f(chains)).all()
