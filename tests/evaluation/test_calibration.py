"""Coverage and width of credible intervals (geoinv.evaluation.calibration)."""

import sys
from pathlib import Path

import numpy as np
import pytest

from geoinv import ModelSpace, Parameter
from geoinv.evaluation.calibration import (convergence_rows, ensemble_calibration,
                                           gaussian_intervals,
                                           interval_rows, linearised_calibration,
                                           posterior_calibration)
from geoinv.inversion.posterior import PosteriorResult, sample_posterior

# the linear-Gaussian toy problem (exact posterior) lives with the sampler tests
sys.path.insert(0, str(Path(__file__).parents[1] / "inversion"))
from test_posterior import SIGMA, exact_posterior, linear_problem  # noqa: E402

LAYERED = ModelSpace([Parameter("rho_1", "ohm.m", 1, 1000), Parameter("rho_2", "ohm.m", 1, 1000),
                      Parameter("h_1", "m", 1, 50)])


def value(frame, quantity, metric):
    row = frame[(frame.quantity == quantity) & (frame.metric == metric)]
    assert len(row) == 1, (quantity, metric)
    return float(row.value.iloc[0])


def test_interval_rows_by_hand():
    true = np.array([[10.0, 1.0], [10.0, 3.0], [10.0, 9.0], [1000.0, 0.0]])
    low = np.array([[1.0, 0.0], [10.0, 0.0], [20.0, 0.0], [1.0, 1.0]])
    high = np.array([[100.0, 2.0], [100.0, 4.0], [200.0, 8.0], [1000.0, 3.0]])
    rows = interval_rows(true, low, high, ["rho", "x"], [True, False], "posterior")
    got = {(q, m): v for q, m, v in rows}
    # rho: inside, on the lower bound, below, on the upper bound -> 3 of 4
    assert got["rho", "coverage_90@posterior"] == 0.75
    assert got["rho", "median_width_90@posterior"] == 1.5         # decades: 2, 1, 1, 3
    assert got["x", "coverage_90@posterior"] == 0.5
    assert got["x", "median_width_90@posterior"] == 3.0           # unit: 2, 4, 8, 2
    rows = interval_rows(true, low, high, ["rho", "x"], [True, False], "ensemble", level=0.5)
    assert rows[0][1] == "coverage_50@ensemble"


def test_posterior_rows_include_conductance_and_transverse_resistance():
    # two soundings; draws of each parameter spread uniformly over one decade
    draws = np.linspace(0, 1, 1001)
    samples = np.empty((2, 1001, 3))
    samples[:, :, 0] = 10 ** (1 + draws)        # rho_1 10..100
    samples[:, :, 1] = 10 ** (2 - draws)        # rho_2 100..10 (anti-correlated with h_1)
    samples[:, :, 2] = 10 ** (0.5 + draws)      # h_1 3.2..32: S_1 = h_1 / rho_1 constant
    post = PosteriorResult(samples, np.zeros((2, 1001)), np.ones(2), np.ones((2, 3)),
                           np.full((2, 3), 1e3), np.ones(2, bool), np.ones(2, int), np.ones(2, int),
                           LAYERED.names, LAYERED.log, LAYERED.low, LAYERED.high, n_chains=1)
    true = np.array([[20.0, 50.0, 10 ** 0.5 * 2.0], [500.0, 50.0, 10.0]])
    frame = posterior_calibration(post, true, "test_id")
    assert set(frame.split) == {"test_id"}
    assert value(frame, "rho_1", "coverage_90@posterior") == 0.5
    assert value(frame, "rho_1", "median_width_90@posterior") == pytest.approx(0.9)
    # S_1 = 10**-0.5 in every draw: a zero-width interval that holds the first truth
    assert value(frame, "S_1", "median_width_90@posterior") == pytest.approx(0.0, abs=1e-12)
    assert value(frame, "S_1", "coverage_90@posterior") == 0.5
    assert value(frame, "T_1", "median_width_90@posterior") == pytest.approx(1.8)
    assert list(frame.quantity.unique()) == ["rho_1", "rho_2", "h_1", "S_1", "T_1", "DZ_1"]
    # the resolved Dar Zarrouk parameter is S_1 (zero width) in both soundings
    assert value(frame, "DZ_1", "median_width_90@posterior") == pytest.approx(0.0, abs=1e-12)
    assert value(frame, "DZ_1", "coverage_90@posterior") == 0.5
    rows = convergence_rows(post, "test_id")
    assert value(rows, "all", "fraction_converged@posterior") == 1.0
    assert value(rows, "all", "median_min_ess@posterior") == 1e3
    assert value(rows, "all", "n_soundings@posterior") == 2


def test_resolved_dar_zarrouk_parameter_is_chosen_per_sounding():
    # sounding 0: h_1 / rho_1 fixed (a conductor, S resolved); sounding 1: h_1 rho_1 fixed (T)
    draws = np.linspace(0, 1, 1001)
    samples = np.empty((2, 1001, 3))
    samples[:, :, 0] = 10 ** (1 + draws)
    samples[:, :, 1] = 100.0
    samples[0, :, 2] = 10 ** (0.0 + draws)         # S_1 = 0.1 in every draw
    samples[1, :, 2] = 10 ** (2.0 - draws)         # T_1 = 1000 in every draw
    post = PosteriorResult(samples, np.zeros((2, 1001)), np.ones(2), np.ones((2, 3)),
                           np.full((2, 3), 1e3), np.ones(2, bool), np.ones(2, int), np.ones(2, int),
                           LAYERED.names, LAYERED.log, LAYERED.low, LAYERED.high, n_chains=1)
    # truths: sounding 0 has S_1 = 0.1 (inside its zero-width S interval), T_1 far off;
    # sounding 1 has T_1 = 1000 exactly, S_1 = 10 / 100 = 0.1 outside its S interval
    true = np.array([[10.0, 100.0, 1.0], [100.0, 100.0, 10.0]])
    frame = posterior_calibration(post, true, "test_id")
    assert value(frame, "S_1", "coverage_90@posterior") == 0.5
    assert value(frame, "DZ_1", "coverage_90@posterior") == 1.0
    assert value(frame, "DZ_1", "median_width_90@posterior") == pytest.approx(0.0, abs=1e-12)
    # T_1 widths: 1.8 decades (sounding 0: h rho = 10**(1 + 2x)) and 0: median 0.9
    assert value(frame, "T_1", "median_width_90@posterior") == pytest.approx(0.9)


def test_ensemble_rows_from_the_members_spread():
    # K = 2 members at truth * 10**(+-0.1): geometric mean = truth, std = 0.1 sqrt(2) decades
    true = np.array([[100.0, 10.0, 5.0], [30.0, 300.0, 20.0]])
    members = np.stack([true * 10**0.1, true * 10**-0.1])
    frame = ensemble_calibration(members, true, LAYERED, "test_ood")
    width = 2 * 1.6448536 * 0.1 * np.sqrt(2)
    for name in ("rho_1", "h_1"):
        assert value(frame, name, "coverage_90@ensemble") == 1.0
        assert value(frame, name, "median_width_90@ensemble") == pytest.approx(width, rel=1e-6)
    # S_1 = h_1 / rho_1 has the same factor in both members: no spread at all
    assert value(frame, "S_1", "median_width_90@ensemble") == pytest.approx(0.0, abs=1e-12)
    assert value(frame, "T_1", "median_width_90@ensemble") == pytest.approx(2 * width, rel=1e-6)
    assert value(frame, "DZ_1", "median_width_90@ensemble") == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="K >= 2"):
        ensemble_calibration(members[:1], true, LAYERED, "test_ood")


def test_gaussian_intervals_map_back_to_physical_units():
    low, high = gaussian_intervals(np.array([[1.0, 3.0]]), np.array([[0.5, 1.0]]),
                                   [True, False], level=0.6827)
    # +-1 sd: log10 1 -/+ 0.5 decades, and 3 -/+ 1 in the unit
    assert low[0, 0] == pytest.approx(10**0.5, rel=1e-3)
    assert high[0, 1] == pytest.approx(4.0, rel=1e-3)


def test_linear_gaussian_intervals_are_calibrated():
    """Truths from the prior, data with the assumed noise: both methods cover ~90 %."""
    forward, space = linear_problem()
    rng = np.random.default_rng(20)
    truth = rng.uniform(-5, 5, size=(100, 2))
    data = forward.simulate(truth) + SIGMA * rng.standard_normal((100, 4))
    post = sample_posterior(forward, space, data, SIGMA, truth, n_steps=1000, max_steps=1000,
                            rng=21)
    sampled = posterior_calibration(post, truth, "test_id")
    best = np.array([exact_posterior(d)[0] for d in data])           # least squares
    linear = linearised_calibration(forward, space, data, SIGMA, best, truth, "test_id")
    for frame, method in ((sampled, "posterior"), (linear, "linearised")):
        for name in space.names:
            # binomial sd of a coverage from 100 soundings: 0.03; 0.8..0.98 is > 3 sd
            assert 0.8 <= value(frame, name, f"coverage_90@{method}") <= 0.98
    # linear model: the linearised width is exact, the sampled one within MC error
    sd = np.sqrt(np.diag(exact_posterior(data[0])[1]))
    for j, name in enumerate(space.names):
        exact = 2 * 1.6448536 * sd[j]
        assert value(linear, name, "median_width_90@linearised") == pytest.approx(exact, rel=1e-5)
        assert value(sampled, name, "median_width_90@posterior") == pytest.approx(exact, rel=0.1)
