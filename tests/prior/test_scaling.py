"""Scalers fitted from bounds: exact maps, round trips, no clipping."""

import numpy as np
import pytest

from geoinv import GaussianNoise, Scaler


def test_bounds_map_to_target_ends_and_log_midpoint():
    s = Scaler([1.0, -5.0], [1000.0, 5.0], [True, False], target=(0.1, 0.9))
    y = s.transform([[1.0, -5.0], [1000.0, 5.0], [10 ** 1.5, 0.0]])
    # bounds land on the target ends; the log midpoint 10**1.5 and the linear
    # midpoint 0 land on 0.5; exact up to rounding (1e-15)
    np.testing.assert_allclose(y, [[0.1, 0.1], [0.9, 0.9], [0.5, 0.5]], atol=1e-15)


def test_out_of_bounds_values_are_not_clipped():
    s = Scaler([1.0], [1000.0], [True], target=(0.1, 0.9))
    y = s.transform([[0.1], [10000.0]])
    # one decade outside a three-decade box is 0.8/3 outside the target range
    np.testing.assert_allclose(y.ravel(), [0.1 - 0.8 / 3, 0.9 + 0.8 / 3], rtol=1e-14)
    np.testing.assert_allclose(s.inverse_transform(y), [[0.1], [10000.0]], rtol=1e-13)


def test_round_trip_and_dict_round_trip():
    rng = np.random.default_rng(0)
    s = Scaler([1.0, 2.0, -3.0], [100.0, 50.0, 3.0], [True, True, False], target=(-1, 1))
    x = np.column_stack([10 ** rng.uniform(-1, 3, 50), 10 ** rng.uniform(0, 2, 50),
                         rng.uniform(-6, 6, 50)])
    np.testing.assert_allclose(s.inverse_transform(s.transform(x)), x, rtol=1e-13)
    again = Scaler.from_dict(s.to_dict())
    np.testing.assert_array_equal(again.transform(x), s.transform(x))


def test_bad_scaler_input():
    with pytest.raises(ValueError, match="high <= low"):
        Scaler([1.0], [1.0], [False])
    with pytest.raises(ValueError, match="log columns \\[0\\] need low > 0"):
        Scaler([0.0], [1.0], [True])
    with pytest.raises(ValueError, match="rows \\[1\\] have values <= 0"):
        Scaler([1.0], [10.0], [True]).transform([[2.0], [-1.0]])


def test_noise_sigma_and_statistics():
    noise = GaussianNoise(relative=0.02, absolute=0.5)
    d = np.full((20000, 3), 100.0)
    noisy, sigma = noise.add(d, rng=1)
    # sigma = sqrt((0.02 * 100)^2 + 0.5^2) exactly
    np.testing.assert_allclose(sigma, np.hypot(2.0, 0.5), rtol=1e-15)
    z = (noisy - d) / sigma
    # 60000 standard normals: mean within 5/sqrt(60000) = 0.02, std within 0.02
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02
    np.testing.assert_array_equal(noise.add(d, rng=1)[0], noisy)
    with pytest.raises(ValueError, match="noise relative must be"):
        GaussianNoise(relative=-0.1)
