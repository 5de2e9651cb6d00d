"""Posterior sampling (geoinv.inversion.posterior) against posteriors known exactly."""

import numpy as np
import pytest

from geoinv import ModelSpace, Parameter
from geoinv.forward import VES
from geoinv.inversion.least_squares import _Problem
from geoinv.inversion.likelihood import chi_square, error_space, linearised_covariance
from geoinv.inversion.posterior import PosteriorResult, chains_for, sample_posterior
from conftest import LinearToy


Linear = LinearToy


G = np.array([[1.0, 0.5], [1.0, 1.0], [1.0, 2.0], [1.0, 4.0]])   # a line fit: correlated
SIGMA = np.array([0.1, 0.2, 0.1, 0.3])


def linear_problem():
    forward = Linear(G)
    space = ModelSpace([Parameter("m_0", "1", -10, 10, log=False),
                        Parameter("m_1", "1", -10, 10, log=False)])
    return forward, space


def exact_posterior(d):
    """Mean and covariance of the Gaussian posterior of d = G m + e (flat prior)."""
    W = np.diag(1 / SIGMA**2)
    cov = np.linalg.inv(G.T @ W @ G)
    return cov @ G.T @ W @ d, cov


def test_linear_gaussian_posterior_has_the_exact_mean_and_covariance():
    forward, space = linear_problem()
    truth = np.array([[1.0, 2.0], [-3.0, 0.5], [4.0, -1.0]])      # three soundings at once
    rng = np.random.default_rng(3)
    data = forward.simulate(truth) + SIGMA * rng.standard_normal((3, 4))
    post = sample_posterior(forward, space, data, SIGMA, truth + 0.3, n_steps=2000, rng=4)
    # chains_for(3) = 16 chains (few soundings: more chains cost no more time per step)
    assert post.samples.shape == (3, chains_for(3) * 2000 // 4, 2)   # x n_steps / (2 thin)
    assert post.converged.all()
    for i in range(3):
        mean, cov = exact_posterior(data[i])
        sd = np.sqrt(np.diag(cov))
        # the box (+-10) is > 40 posterior sds away: the prior is flat here.
        # Monte Carlo error of a mean is sd / sqrt(ESS) <= 0.07 sd (ESS >= 200):
        # 0.3 sd is > 4 such errors
        assert np.all(np.abs(post.samples[i].mean(axis=0) - mean) < 0.3 * sd)
        sample_cov = np.cov(post.samples[i].T)
        # a variance from ESS >= 200 draws has a relative error ~ sqrt(2 / 200) = 10 %
        assert np.allclose(np.sqrt(np.diag(sample_cov)), sd, rtol=0.25)
        corr = sample_cov[0, 1] / np.sqrt(sample_cov[0, 0] * sample_cov[1, 1])
        assert abs(corr - cov[0, 1] / np.prod(sd)) < 0.1     # exact: -0.74
    # the central 90 % interval of m_0 spans +-1.645 sd
    low, high = post.intervals(0.9)
    mean, cov = exact_posterior(data[0])
    assert np.allclose(high[0] - low[0], 2 * 1.645 * np.sqrt(np.diag(cov)), rtol=0.25)


def test_uninformative_data_give_the_uniform_prior_on_the_widened_box():
    forward, space = linear_problem()
    data = np.zeros((1, 4))
    post = sample_posterior(forward, space, data, 1e6, [[0.0, 0.0]], widen=0.25, n_steps=2000,
                            rng=5)
    x = post.samples[0]
    # the box -10..10 widened by a quarter width each side: -15..15, uniform
    assert x.min() >= -15 and x.max() <= 15
    assert np.all(x.min(axis=0) < -14) and np.all(x.max(axis=0) > 14)
    # sd of U(-15, 15) is 30 / sqrt(12) = 8.66; ESS >= 200 gives ~10 % error
    assert np.allclose(x.std(axis=0), 30 / np.sqrt(12), rtol=0.2)


def test_ves_half_space_posterior_of_log_rho_is_the_weighted_mean():
    """Over a half-space every rho_a equals rho_1: log10 rho_1 ~ N(mean of log10 d, s / sqrt(n))."""
    ab2 = np.geomspace(1, 100, 12)
    ves = VES(ab2, n_layers=1)
    space = ModelSpace([Parameter("rho_1", "ohm.m", 1, 1000)])
    rng = np.random.default_rng(6)
    clean = ves.simulate([[50.0], [300.0]])
    sigma = np.full_like(clean, 0.05 / np.log(10))            # 5 %, in decades (error space)
    data = clean * 10 ** (sigma * rng.standard_normal(clean.shape))
    post = sample_posterior(ves, space, data, sigma, [[40.0], [400.0]], n_steps=1600, rng=7)
    g, s, _ = error_space(ves, data, sigma)                  # log10 d and its sd (decades)
    w = 1 / s**2
    mean = (w * g).sum(axis=1) / w.sum(axis=1)
    sd = 1 / np.sqrt(w.sum(axis=1))                           # 0.0063 decades
    log_rho = np.log10(post.samples[:, :, 0])
    assert np.all(np.abs(log_rho.mean(axis=1) - mean) < 0.3 * sd)
    assert np.allclose(log_rho.std(axis=1), sd, rtol=0.25)


def test_chi_square_is_twice_the_least_squares_objective():
    ves = VES(np.geomspace(1, 300, 15), n_layers=3)
    space = ModelSpace([Parameter(n, "ohm.m" if n[0] == "r" else "m", 1, 1000)
                        for n in ves.parameter_names])
    models = np.array([[100.0, 10.0, 300.0, 5.0, 10.0], [20.0, 200.0, 20.0, 3.0, 30.0]])
    d = ves.simulate(models) * 1.03
    sigma = 0.02 * d
    predicted = ves.simulate(models)
    problem = _Problem(ves, space, d, sigma, ves.data_log_mask, 1e-5, False)
    phi = 0.5 * np.sum(problem.residual(np.arange(2), predicted) ** 2, axis=1)
    assert np.allclose(chi_square(ves, d, sigma, predicted), 2 * phi, rtol=1e-12)
    # k models per sounding broadcast; a non-positive prediction on a log column is inf
    bad = predicted.copy()
    bad[1, 0] = -1.0
    both = chi_square(ves, d, sigma, np.stack([predicted, bad], axis=1))
    assert both.shape == (2, 2) and np.isinf(both[1, 1]) and both[0, 1] == both[0, 0]


def test_linearised_covariance_of_a_linear_model_is_exact():
    forward, space = linear_problem()
    data = forward.simulate([[1.0, 2.0]])
    cov = linearised_covariance(forward, space, data, SIGMA, [[1.0, 2.0]])
    # finite differences of a linear model are exact up to round-off (~1e-9 here)
    assert np.allclose(cov[0], exact_posterior(data[0])[1], rtol=1e-5)


def test_unconverged_soundings_are_flagged_and_runs_extend():
    forward, space = linear_problem()
    data = forward.simulate([[1.0, 2.0]])
    short = sample_posterior(forward, space, data, SIGMA, [[1.0, 2.0]], n_steps=200,
                             max_steps=400, n_chains=4, target_ess=1e6, rng=8)
    assert not short.converged[0] and short.steps[0] == 400    # ran both rounds, then gave up
    assert short.samples.shape == (1, 4 * 200 // 4, 2)           # same number of draws
    # 4 chains x 400 steps, the Jacobian (p + 1 = 3) and the archive (10 p = 20)
    assert 4 * 400 * 0.9 < short.forward_calls[0] <= 4 * 400 + 3 + 20
    assert 0.05 < short.acceptance[0] < 0.6


def test_seeded_runs_repeat_and_frame_columns():
    forward, space = linear_problem()
    data = forward.simulate([[1.0, 2.0], [0.0, 0.0]])
    a = sample_posterior(forward, space, data, SIGMA, [[1.0, 2.0], [0, 0]], n_steps=400,
                         max_steps=400, n_chains=4, rng=9)
    b = sample_posterior(forward, space, data, SIGMA, [[1.0, 2.0], [0, 0]], n_steps=400,
                         max_steps=400, n_chains=4, rng=9)
    assert np.array_equal(a.samples, b.samples)
    frame = a.to_frame(0.9)
    assert list(frame.columns[:3]) == ["m_0_median", "m_0_low_90", "m_0_high_90"]
    assert len(frame) == 2 and "r_hat_max" in frame and "converged" in frame
    assert a.chains.shape == (2, 4, 400 // 4, 2)
    assert np.array_equal(a.chains[0, 1], a.samples[0, 100:200])
    assert a.quantiles([0.05, 0.5]).shape == (2, 2, 2)
    assert np.allclose(a.log_likelihood, -0.5 * a.chi2)
    second = a.subset([1])
    assert second.samples.shape == (1, 400, 2) and np.array_equal(second.ess, a.ess[1:])
    both = PosteriorResult.concatenate([a, b])
    assert both.samples.shape == (4, 400, 2) and np.array_equal(both.samples[2:], b.samples)
    assert both.forward_calls.tolist() == a.forward_calls.tolist() + b.forward_calls.tolist()
    c = sample_posterior(forward, space, data, SIGMA, [[1.0, 2.0], [0, 0]], n_steps=800,
                         max_steps=800, n_chains=4, rng=9)
    with pytest.raises(ValueError, match="different settings"):
        PosteriorResult.concatenate([a, c])


def test_stretch_sampler_agrees_on_the_linear_posterior():
    forward, space = linear_problem()
    data = forward.simulate([[1.0, 2.0]])
    post = sample_posterior(forward, space, data, SIGMA, [[1.0, 2.0]], sampler="stretch",
                            n_chains=8, n_steps=2000, max_steps=2000, rng=10)
    mean, cov = exact_posterior(data[0])
    assert np.all(np.abs(post.samples[0].mean(axis=0) - mean) < 0.3 * np.sqrt(np.diag(cov)))


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_chains=1), "n_chains must be an integer >= 2"),
    (dict(sampler="stretch", n_chains=2), "n_chains must be an integer >= 4"),
    (dict(sampler="stretch", n_chains=7), "n_chains must be even"),
    (dict(max_steps=500), "max_steps must be a multiple of n_steps"),
    (dict(sampler="gibbs"), "sampler must be one of"),
    (dict(thin=0), "thin must be an integer >= 1"),
    (dict(n_steps=10), "n_steps must be an integer >= 16"),
])
def test_bad_settings_are_named(kwargs, message):
    forward, space = linear_problem()
    data = forward.simulate([[1.0, 2.0]])
    options = dict(n_steps=400, rng=0) | kwargs
    with pytest.raises(ValueError, match=message):
        sample_posterior(forward, space, data, SIGMA, [[1.0, 2.0]], **options)


def test_bad_inputs_name_the_rows():
    ves = VES(np.geomspace(1, 100, 5), n_layers=1)
    space = ModelSpace([Parameter("rho_1", "ohm.m", 1, 1000)])
    d = np.full((3, 5), 10.0)
    d[2, 1] = -1.0
    with pytest.raises(ValueError, match="data rows 2 are <= 0 on a log10"):
        sample_posterior(ves, space, d, 1.0, [[10.0]] * 3)
    with pytest.raises(ValueError, match="sigma rows 0 must be finite and > 0"):
        sample_posterior(ves, space, d[:2], [[0.0] * 5, [1.0] * 5], [[10.0]] * 2)
    with pytest.raises(ValueError, match=r"start must have shape \(2, 1\)"):
        sample_posterior(ves, space, d[:2], 1.0, [[10.0]])
    with pytest.raises(ValueError, match="start rows 1 are not finite"):
        sample_posterior(ves, space, d[:2], 1.0, [[10.0], [-1.0]])
