"""Prior box, its coordinates, sampling inside it and in the OOD shell around it."""

import numpy as np
import pytest

from geoinv import ModelSpace, Parameter
from geoinv.prior import declared_scale, from_declared_scale, spawn


@pytest.fixture
def space():
    return ModelSpace(
        [Parameter("rho_1", "ohm.m", 1.0, 1000.0, log=True),
         Parameter("x0", "m", -10.0, 10.0, log=False),
         Parameter("t", "m", 1.0, 3.0, log=False)],
        lower_limit=[0.0, -np.inf, 0.0],
    )


def test_sample_inside_box_and_uniform_in_declared_scale(space):
    m = space.sample(20000, rng=1)
    assert m.shape == (20000, 3)
    assert space.contains(m).all()
    # uniform in log10 for the log parameter: the mean of log10(rho) is the
    # box centre 1.5; the standard error of the mean is 3/sqrt(12 * 20000) = 0.006,
    # so 0.03 is five standard errors.
    assert abs(np.log10(m[:, 0]).mean() - 1.5) < 0.03
    assert abs(m[:, 1].mean() - 0.0) < 20 / np.sqrt(12 * 20000) * 5


def test_lhs_puts_one_sample_in_each_stratum(space):
    n = 50
    m = space.sample(n, rng=3, method="lhs")
    u = (space.to_scale(m) - space.scaled_low) / (space.scaled_high - space.scaled_low)
    for j in range(3):
        assert sorted(np.floor(u[:, j] * n).astype(int)) == list(range(n))


def test_same_seed_same_models(space):
    np.testing.assert_array_equal(space.sample(10, rng=5), space.sample(10, rng=5))
    np.testing.assert_array_equal(space.sample_ood(10, rng=5), space.sample_ood(10, rng=5))
    g = np.random.default_rng(5)
    np.testing.assert_array_equal(space.sample(10, rng=g), space.sample(10, rng=5))


def test_ood_shell_outside_box_within_shell(space):
    shell = 0.5
    m = space.sample_ood(5000, rng=2, shell=shell)
    assert m.shape == (5000, 3)
    assert not space.contains(m).any()
    v = space.to_scale(m)
    outer_lo, outer_hi = space.shell_bounds(shell)
    assert (v >= outer_lo).all() and (v <= outer_hi).all()
    # log rho: box 0..3 in log10 widened by 1.5 each side
    np.testing.assert_allclose([outer_lo[0], outer_hi[0]], [-1.5, 4.5])
    # the linear thickness t (box 1..3, width 2) would reach 0 at shell 0.5:
    # its lower limit 0 truncates the shell and every draw stays > 0
    assert (m[:, 2] > 0).all()
    # every region of the shell is reached: some draws below and some above the box
    assert (m[:, 0] < 1).any() and (m[:, 0] > 1000).any()


def test_scale_round_trip(space):
    m = space.sample(100, rng=0)
    np.testing.assert_allclose(space.from_scale(space.to_scale(m)), m, rtol=1e-14)


def test_to_dict_round_trip(space):
    again = ModelSpace.from_dict(space.to_dict())
    np.testing.assert_array_equal(again.low, space.low)
    np.testing.assert_array_equal(again.log, space.log)
    np.testing.assert_array_equal(again.lower_limit, space.lower_limit)
    assert again.names == space.names


@pytest.mark.parametrize("low, high, log, match", [
    (5.0, 5.0, True, "low .* must be < high"),
    (10.0, 1.0, False, "low .* must be < high"),
    (-1.0, 1.0, True, "a log-scale parameter needs low > 0"),
    (np.nan, 1.0, False, "bounds must be finite"),
])
def test_bad_bounds_name_the_parameter(low, high, log, match):
    with pytest.raises(ValueError, match="parameter rho_1: " + match):
        Parameter("rho_1", "ohm.m", low, high, log)


def test_bad_counts_and_method(space):
    with pytest.raises(ValueError, match="n must be an integer >= 0; got -1"):
        space.sample(-1)
    with pytest.raises(ValueError, match="unknown sampling method 'sobol'"):
        space.sample(4, method="sobol")
    with pytest.raises(ValueError, match="shell width must be > 0"):
        space.sample_ood(4, shell=0.0)


# --------------------------------------------------------------- coordinates
def test_unit_coordinates_put_the_box_on_zero_to_one(space):
    # rho_1: log10 box 0..3, so 10 ohm.m is a third of the way; x0: -10..10 m
    m = np.array([[1.0, -10.0, 1.0], [1000.0, 10.0, 3.0], [10.0, 5.0, 2.5]])
    u = space.to_unit(m)
    np.testing.assert_allclose(u, [[0, 0, 0], [1, 1, 1], [1 / 3, 0.75, 0.75]], atol=1e-15)
    np.testing.assert_allclose(space.from_unit(u), m, rtol=1e-14)
    # the same arithmetic as spelled out (bit for bit)
    by_hand = (space.to_scale(m) - space.scaled_low) / (space.scaled_high - space.scaled_low)
    np.testing.assert_array_equal(u, by_hand)
    np.testing.assert_array_equal(space.unit_to_scaled(u[2]),
                                  space.scaled_low + u[2] * (space.scaled_high - space.scaled_low))
    np.testing.assert_array_equal(space.scaled_to_unit(space.to_scale(m)), u)


def test_widened_box_in_box_widths(space):
    low, high = space.widened(0.5)
    # log rho 0..3 (3 decades) -> -1.5..4.5; x0 -10..10 -> -20..20; t 1..3 -> 0..4
    np.testing.assert_allclose(low, [-1.5, -20.0, 0.0])
    np.testing.assert_allclose(high, [4.5, 20.0, 4.0])
    u_low, u_high = space.widened([0.0, 0.25, 1.0], unit=True)
    np.testing.assert_array_equal(u_low, [0.0, -0.25, -1.0])
    np.testing.assert_array_equal(u_high, [1.0, 1.25, 2.0])
    with pytest.raises(ValueError, match="widen must be finite and >= 0"):
        space.widened(-0.1)


def test_widths_beyond_the_box(space):
    models = np.array([[10.0, 0.0, 2.0],                # inside
                       [10**4.5, 0.0, 2.0],             # rho_1 1.5 decades = 0.5 widths above
                       [1.0, -15.0, 3.5]])              # x0 0.25 below, t 0.25 above
    np.testing.assert_allclose(space.widths_beyond(models),
                               [[0, 0, 0], [0.5, 0, 0], [0, 0.25, 0.25]], atol=1e-12)
    # a model on the edge of the widened box is that many widths beyond
    edge = space.from_scale(space.widened(0.3)[1])
    np.testing.assert_allclose(space.widths_beyond(edge), [[0.3, 0.3, 0.3]], rtol=1e-12)


def test_declared_scale_functions():
    models = np.array([[100.0, -2.0], [0.1, 3.0]])
    declared = declared_scale(models, [True, False])
    np.testing.assert_array_equal(declared, [[2.0, -2.0], [-1.0, 3.0]])
    np.testing.assert_allclose(from_declared_scale(declared, [True, False]), models, rtol=1e-15)
    assert np.isnan(declared_scale([[-1.0]], [True])).all()      # no warning, NaN


def test_spawn_gives_independent_reproducible_streams():
    a, b = spawn(7, 2)
    again = spawn(np.random.default_rng(7), 2)
    assert a.random() != b.random()
    np.testing.assert_array_equal(again[0].random(3)[1:], a.random(2))
