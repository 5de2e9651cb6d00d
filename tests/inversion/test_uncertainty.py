"""Linearised uncertainty at a least-squares solution (geoinv.inversion.uncertainty)."""

import numpy as np
import pytest

from geoinv import ModelSpace, Parameter
from geoinv.forward import VES
from geoinv.inversion import damped_least_squares, linearised_uncertainty
from conftest import LinearToy


class PowerLawToy(LinearToy):
    """log10 d = G log10 m: linear in the error space (log10 data) and the declared scale."""

    data_log = True

    @property
    def positive(self):
        return np.ones(self.n_params, dtype=bool)

    def _simulate(self, models):
        return 10.0 ** (np.log10(models) @ self.G.T)


def _known_covariance(G, sigma):
    """(G^T diag(1/sigma^2) G)^-1: the covariance of weighted least squares."""
    return np.linalg.inv(G.T @ np.diag(1.0 / sigma**2) @ G)


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(4)
    G = rng.normal(size=(10, 3))
    G[:, 2] = G[:, 1] + 0.3 * rng.normal(size=10)     # a strong correlation between m_1, m_2
    sigma = rng.uniform(0.05, 0.3, size=10)
    return G, sigma


def test_linear_toy_gives_the_known_covariance(problem):
    G, sigma = problem
    forward = LinearToy(G)
    space = ModelSpace([Parameter(f"m_{j}", "1", -10, 10, log=False) for j in range(3)])
    models = np.array([[1.0, -2.0, 3.0], [0.5, 0.5, 0.5]])
    std, corr = linearised_uncertainty(forward, space, models @ G.T, sigma, models)
    C = _known_covariance(G, sigma)
    s = np.sqrt(np.diag(C))
    # forward differences of a linear model: exact up to round-off ~1e-16 / 1e-5
    # relative in J, hence ~1e-10 in C
    for i in range(2):
        np.testing.assert_allclose(std[i], s, rtol=1e-8)
        np.testing.assert_allclose(corr[i], C / np.outer(s, s), rtol=1e-8, atol=1e-10)
    assert corr[0, 1, 2] < -0.5               # the built-in trade-off is seen


def test_log_toy_gives_the_known_covariance_in_decades(problem):
    # in the error space (log10 d, sigma in decades) and the declared scale
    # (log10 m) the problem is linear: C = (G^T W^2 G)^-1 in decades, exactly
    G, sigma = problem
    forward = PowerLawToy(G)
    space = ModelSpace([Parameter(f"m_{j}", "ohm.m", 1, 1000) for j in range(3)])
    models = np.array([[10.0, 200.0, 30.0]])
    std, corr = linearised_uncertainty(forward, space, forward.simulate(models), sigma, models)
    C = _known_covariance(G, sigma)
    s = np.sqrt(np.diag(C))
    # forward differences of a model linear in u: ~1e-16 / 1e-5 relative in J,
    # amplified by the poor conditioning of J (~100): rtol 1e-7
    np.testing.assert_allclose(std[0], s, rtol=1e-7)
    np.testing.assert_allclose(corr[0], C / np.outer(s, s), rtol=1e-7, atol=1e-9)
    # halving every sigma halves every standard deviation, the correlations stay
    std2, corr2 = linearised_uncertainty(forward, space, forward.simulate(models), sigma / 2,
                                         models)
    np.testing.assert_allclose(std2, std / 2, rtol=1e-12)
    np.testing.assert_allclose(corr2, corr, rtol=1e-10, atol=1e-12)


def test_an_insensitive_parameter_gives_nan():
    G = np.array([[1.0, 0.0], [2.0, 0.0], [1.0, 0.0]])       # m_1 does not reach the data
    forward = LinearToy(G)
    space = ModelSpace([Parameter(f"m_{j}", "1", -10, 10, log=False) for j in range(2)])
    std, corr = linearised_uncertainty(forward, space, np.ones((1, 3)), 0.1, [[1.0, 1.0]])
    assert np.isnan(std).all() and np.isnan(corr).all()


def test_ves_std_matches_the_spread_of_least_squares_solutions():
    # 400 noise realisations of an H-type sounding, each inverted to the
    # least-squares minimum: the spread of the solutions (log10) is what the
    # linearised covariance at the true model predicts.  A std estimated from
    # 400 draws has a relative standard error of 1 / sqrt(800) = 3.5 %, so
    # 12 % is ~3.5 of them (measured ratios 1.00 to 1.04).
    ves = VES(np.geomspace(1, 1000, 30), n_layers=3)
    space = ModelSpace([Parameter(f"rho_{i}", "ohm.m", 1, 1000) for i in (1, 2, 3)]
                       + [Parameter(f"h_{i}", "m", 1, 50) for i in (1, 2)])
    true = np.array([[200.0, 20.0, 500.0, 3.0, 15.0]])
    sigma = 0.02 / np.log(10.0)                          # 2 %, in decades
    d = ves.simulate(true) * 10 ** (sigma * np.random.default_rng(1).normal(size=(400, 30)))
    res = damped_least_squares(ves, space, d, sigma, np.repeat(true, 400, axis=0))
    std, corr = linearised_uncertainty(ves, space, ves.simulate(true), sigma, true)
    spread = np.log10(res.models).std(axis=0)
    np.testing.assert_allclose(spread, std[0], rtol=0.12)
    np.testing.assert_allclose(np.diagonal(corr[0]), 1.0)
    np.testing.assert_allclose(corr[0], corr[0].T, atol=1e-12)
    # the conductive middle layer: mainly its conductance h_2 / rho_2 is
    # resolved, so log rho_2 and log h_2 are strongly correlated (measured 0.97)
    assert corr[0, 1, 4] > 0.9
    assert np.corrcoef(np.log10(res.models[:, [1, 4]]).T)[0, 1] > 0.9
