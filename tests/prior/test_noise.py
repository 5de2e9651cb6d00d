"""Noise in the error space of each datum (geoinv.prior.noise)."""

import numpy as np
import pytest

from geoinv import GaussianNoise, ModelSpace, Parameter, make_dataset
from geoinv.forward import MT1D, VES
from geoinv.io.errors import convert_sigma
from geoinv.prior.noise import (LN10, add_noise, sigma_to_data_space, sigma_to_error_space,
                                to_error_space)


def test_lognormal_noise_statistics_on_log_columns():
    # 200000 draws per column at 0.1 decades: log10(d_noisy / d) has mean 0
    # and std 0.1 on a 3 ohm.m and a 3000 ohm.m column alike; standard errors
    # 0.1 / sqrt(2e5) = 2.2e-4 (mean) and 1.6e-4 (std), so 1.5e-3 is ~7 of them
    d = np.full((200000, 2), [3.0, 3000.0])
    sigma = 0.1
    noisy = add_noise(d, np.full_like(d, sigma), np.random.default_rng(0), True)
    z = np.log10(noisy / d)
    assert (np.abs(z.mean(axis=0)) < 1.5e-3).all()
    assert (np.abs(z.std(axis=0) - sigma) < 1.5e-3).all()
    # log-normal: the median is d itself, the mean d 10**(sigma^2 ln10 / 2);
    # relative standard errors ~6e-4 (median) and ~5e-4 (mean): 3e-3 is >= 5
    np.testing.assert_allclose(np.median(noisy, axis=0), d[0], rtol=3e-3)
    np.testing.assert_allclose(noisy.mean(axis=0), d[0] * 10 ** (sigma**2 * LN10 / 2),
                               rtol=3e-3)


def test_a_large_error_never_makes_a_datum_non_positive():
    # 0.4 decades (the MT errors of issue 9): additive noise of the same
    # first-order size (0.4 ln 10 = 92 %) puts ~14 % of the data below zero
    d = np.full((100000, 3), 50.0)
    noisy, sigma = GaussianNoise.from_sigma([0.4, 0.4, 0.4]).add(d, rng=1, log_mask=True)
    assert (noisy > 0).all()
    assert np.log10(noisy / d).std() == pytest.approx(0.4, rel=0.01)   # 300000 draws
    np.testing.assert_array_equal(sigma, 0.4)


def test_error_level_becomes_decades_by_the_first_order_rule():
    noise = GaussianNoise(relative=0.05)
    d = np.array([[10.0, 1000.0]])
    # 5 % is 0.05 / ln 10 = 0.0217 decades, whatever the value ...
    np.testing.assert_allclose(noise.sigma(d, log_mask=True), 0.05 / LN10, rtol=1e-15)
    # ... and the same number as the field-data readers' conversion
    np.testing.assert_allclose(noise.sigma(d, log_mask=True)[0],
                               convert_sigma(0.05 * d[0], d[0], "linear", "log10"), rtol=1e-15)
    # relative and absolute combine in data units first: sqrt(0.5^2 + 0.5^2) of 10
    both = GaussianNoise(relative=0.05, absolute=0.5)
    assert both.sigma([[10.0]], True)[0, 0] == pytest.approx(np.hypot(0.5, 0.5) / (LN10 * 10))
    # linear columns keep the data's unit
    assert both.sigma([[10.0]], False)[0, 0] == pytest.approx(np.hypot(0.5, 0.5))


def test_linear_columns_are_unchanged_bit_for_bit():
    # the old rule: d + hypot(relative |d|, absolute) * N(0, 1), one draw per datum
    noise = GaussianNoise(relative=0.02, absolute=0.5)
    d = np.random.default_rng(5).uniform(-10, 10, (50, 4))
    noisy, sigma = noise.add(d, rng=3)
    old_sigma = np.hypot(0.02 * np.abs(d), 0.5)
    np.testing.assert_array_equal(sigma, old_sigma)
    np.testing.assert_array_equal(noisy, d + old_sigma * np.random.default_rng(3).standard_normal(
        d.shape))


def test_mixed_columns_and_the_conversions_round_trip():
    d = np.array([[100.0, 45.0], [20.0, 30.0]])
    log = [True, False]
    np.testing.assert_allclose(to_error_space(d, log), [[2.0, 45.0], [np.log10(20.0), 30.0]])
    sigma = sigma_to_error_space([[5.0, 1.5]], d, log)
    np.testing.assert_allclose(sigma, [[5 / (LN10 * 100), 1.5], [5 / (LN10 * 20), 1.5]])
    np.testing.assert_allclose(sigma_to_data_space(sigma, d, log), [[5.0, 1.5], [5.0, 1.5]],
                               rtol=1e-15)
    # a forward model gives its own mask: MT rho_a in log10, phase linear
    mt = MT1D(np.geomspace(1e-2, 1e2, 3), 2)
    noise = GaussianNoise(relative=[0.05] * 3 + [0.0] * 3, absolute=[0.0] * 3 + [1.5] * 3)
    data = mt.simulate([[100.0, 10.0, 500.0]])
    np.testing.assert_allclose(noise.sigma(data, mt), [[0.05 / LN10] * 3 + [1.5] * 3])


def test_from_sigma_broadcasts_and_checks():
    noise = GaussianNoise.from_sigma([0.1, 2.0])
    np.testing.assert_array_equal(noise.sigma(np.ones((3, 2)), [True, False]),
                                  [[0.1, 2.0]] * 3)
    per_sample = GaussianNoise.from_sigma([[0.1, 2.0], [0.2, 1.0]])
    noisy, sigma = per_sample.add(np.full((2, 2), 10.0), rng=0, log_mask=[True, False])
    np.testing.assert_array_equal(sigma, [[0.1, 2.0], [0.2, 1.0]])
    with pytest.raises(ValueError, match="does not match data of shape"):
        per_sample.sigma(np.ones((3, 2)))
    with pytest.raises(ValueError, match="either error_sigma or relative/absolute"):
        GaussianNoise(relative=0.02, error_sigma=np.array([0.1]))
    with pytest.raises(ValueError, match="error_sigma must be finite, >= 0"):
        GaussianNoise.from_sigma([0.1, -1.0])


def test_noise_on_a_non_positive_log_datum_is_refused():
    with pytest.raises(ValueError, match="rows 1 are <= 0 on a log10 column"):
        GaussianNoise(0.02).add([[1.0, 2.0], [1.0, -2.0]], rng=0, log_mask=[False, True])


def test_datasets_carry_sigma_in_the_error_space():
    # the issue-9 case: 0.4-decade errors on MT rho_a used to abort make_dataset
    mt = MT1D(np.geomspace(1e-3, 1e3, 12), 2)
    space = ModelSpace([Parameter("rho_1", "ohm.m", 1, 1000), Parameter("rho_2", "ohm.m", 1, 1000),
                        Parameter("h_1", "m", 10, 1000)])
    sigma = np.r_[np.full(12, 0.4), np.full(12, 5.0)]
    ds = make_dataset(mt, space, 500, GaussianNoise.from_sigma(sigma), rng=2)
    assert (ds.data[:, :12] > 0).all()
    np.testing.assert_array_equal(ds.sigma, np.broadcast_to(sigma, ds.data.shape))
    z_rho = np.log10(ds.data[:, :12] / ds.clean[:, :12]) / 0.4
    z_phase = (ds.data[:, 12:] - ds.clean[:, 12:]) / 5.0
    for z in (z_rho, z_phase):       # 6000 draws each: standard errors 0.013 and 0.009
        assert abs(z.mean()) < 0.06 and abs(z.std() - 1.0) < 0.05
    # a VES set: 2 % is 0.0087 decades on every datum
    ves = VES(np.geomspace(1, 100, 8), 2)
    ds = make_dataset(ves, space, 5, GaussianNoise(0.02), rng=0)
    np.testing.assert_allclose(ds.sigma, 0.02 / LN10, rtol=1e-15)
