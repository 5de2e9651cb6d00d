"""Tests of geoinv.forward.refraction: first-arrival times over flat layers.

References, each independent of the code under test:
- the textbook two-layer formulas, intercept time 2 h cos(i_c) / v_1 and
  crossover distance 2 h sqrt((v_2 + v_1) / (v_2 - v_1)), written out below;
- the textbook N-layer intercept times sum 2 h_j cos(i_jk) / v_j, with
  sin(i_jk) = v_j / v_k, and critical distances sum 2 h_j tan(i_jk),
  computed below with scalar math in loops;
- limits: one layer (t = x / v_1), a very thick or a vanishing top layer.
"""

import doctest
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

import geoinv.forward.refraction as refraction_module
from geoinv.forward import FORWARD_MODELS, Refraction, make_forward
from geoinv.forward.refraction import (
    critical_distances,
    first_arrival_times,
    intercept_times,
    travel_time_branches,
)
from geoinv.viz import plot_example
from geoinv.workflow.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]

# Times are sums of a few products of magnitude ~0.1 s: rounding is ~1e-17 s.
# 1e-12 s (1e-11 relative) leaves room for the subtractions below.
TIME_TOL = 1e-12


# ---------------------------------------------------------------------------
# Textbook formulas, scalar (independent of the vectorised code)
# ---------------------------------------------------------------------------

def textbook_intercept(v, h, k):
    """Intercept time of the head wave along the top of layer k (1-based, k >= 2)."""
    total = 0.0
    for j in range(k - 1):
        ic = math.asin(v[j] / v[k - 1])
        total += 2.0 * h[j] * math.cos(ic) / v[j]
    return total


def textbook_critical(v, h, k):
    total = 0.0
    for j in range(k - 1):
        ic = math.asin(v[j] / v[k - 1])
        total += 2.0 * h[j] * math.tan(ic)
    return total


def textbook_first_arrival(x, v, h):
    """min over the direct wave and the head waves that exist at x (x >= critical distance)."""
    times = [x / v[0]]
    for k in range(2, len(v) + 1):
        if x >= textbook_critical(v, h, k):
            times.append(x / v[k - 1] + textbook_intercept(v, h, k))
    return min(times)


def line_through(x1, t1, x2, t2):
    """(slope, intercept) of the line through two points."""
    slope = (t2 - t1) / (x2 - x1)
    return slope, t1 - slope * x1


# ---------------------------------------------------------------------------
# Two layers: intercept and crossover against the textbook
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("v1, v2, h", [(500.0, 2000.0, 10.0), (300.0, 350.0, 2.0),
                                       (1500.0, 6000.0, 35.0), (800.0, 5000.0, 0.5)])
def test_two_layer_intercept_and_crossover_from_the_curve(v1, v2, h):
    ic = math.asin(v1 / v2)
    t_i = 2.0 * h * math.cos(ic) / v1
    x_cross = 2.0 * h * math.sqrt((v2 + v1) / (v2 - v1))
    # Two offsets on each branch, the crossover between them.
    offsets = x_cross * np.array([0.2, 0.7, 1.5, 3.0])
    t = Refraction(offsets, 2).simulate([v1, v2, h])
    slope_1, intercept_1 = line_through(offsets[0], t[0], offsets[1], t[1])
    slope_2, intercept_2 = line_through(offsets[2], t[2], offsets[3], t[3])
    # slopes are the slownesses; relative 1e-12: rounding of a difference quotient
    assert slope_1 == pytest.approx(1.0 / v1, rel=1e-12)
    assert slope_2 == pytest.approx(1.0 / v2, rel=1e-12)
    # the direct wave passes through the origin, the head wave through t_i
    assert abs(intercept_1) < TIME_TOL
    assert intercept_2 == pytest.approx(t_i, rel=1e-10)   # difference of ~equal numbers
    # the branches meet at the crossover distance
    crossing = (intercept_2 - intercept_1) / (slope_1 - slope_2)
    assert crossing == pytest.approx(x_cross, rel=1e-9)  # 1/v1 - 1/v2 cancels digits
    # and the helpers agree with the formulas directly
    assert intercept_times([v1, v2], [h])[1] == pytest.approx(t_i, rel=1e-13)
    assert critical_distances([v1, v2], [h])[1] == pytest.approx(2 * h * math.tan(ic), rel=1e-13)


def test_module_docstring_example_values():
    # 500 over 2000 m/s, 10 m: t_i = 0.0387 s, crossover 25.8 m
    t = first_arrival_times([10.0, 25.0, 100.0], [500.0, 2000.0], [10.0])
    np.testing.assert_allclose(t, [10 / 500, 25 / 500, 100 / 2000 + 0.0387298334620742],
                               atol=TIME_TOL)


# ---------------------------------------------------------------------------
# N layers
# ---------------------------------------------------------------------------

MODELS_4 = [([400.0, 1200.0, 2500.0, 5000.0], [3.0, 8.0, 15.0]),
            ([300.0, 1000.0, 1100.0, 6000.0], [20.0, 2.0, 30.0]),   # layer 2 is blind
            ([1000.0, 1500.0, 3000.0, 3100.0], [0.5, 40.0, 5.0])]   # layer 3 is blind


@pytest.mark.parametrize("v, h", MODELS_4)
def test_intercepts_and_critical_distances_match_textbook(v, h):
    tau = intercept_times(v, h)
    xc = critical_distances(v, h)
    assert tau[0] == 0.0 and xc[0] == 0.0
    for k in range(2, len(v) + 1):
        # the cos and the sqrt forms of one formula: agree to rounding
        assert tau[k - 1] == pytest.approx(textbook_intercept(v, h, k), rel=1e-13)
        assert xc[k - 1] == pytest.approx(textbook_critical(v, h, k), rel=1e-13)


@pytest.mark.parametrize("v, h", MODELS_4)
def test_first_arrivals_match_textbook_with_explicit_critical_distances(v, h):
    # The code takes the minimum over head-wave lines extended to all offsets;
    # the textbook keeps only the waves that exist (x >= critical distance).
    offsets = np.linspace(0.25, 400.0, 1600)
    got = Refraction(offsets, len(v)).simulate(v + h)
    expected = [textbook_first_arrival(x, v, h) for x in offsets]
    np.testing.assert_allclose(got, expected, rtol=0, atol=TIME_TOL)


def test_extended_lines_never_win_before_their_critical_distance():
    # Random increasing models: wherever x < x_c,k, line k is later than line k - 1.
    rng = np.random.default_rng(7)
    n = 400
    v = np.cumsum(10 ** rng.uniform(1.5, 3.5, (n, 4)), axis=1) + 200.0
    h = 10 ** rng.uniform(-1, 1.7, (n, 3))
    offsets = np.geomspace(0.1, 2000.0, 300)
    lines = travel_time_branches(offsets, v, h)                    # (n, 4, 300)
    xc = critical_distances(v, h)                                  # (n, 4)
    before = offsets < xc[:, 1:, np.newaxis]                        # (n, 3, 300)
    assert before.any()
    assert (lines[:, 1:][before] > lines[:, :-1][before]).all()
    # hence masking the waves that do not exist changes nothing
    masked = np.where(offsets >= xc[:, :, np.newaxis], lines, np.inf).min(axis=1)
    np.testing.assert_array_equal(Refraction(offsets, 4).simulate(np.hstack([v, h])), masked)


@pytest.mark.parametrize("v, h", MODELS_4)
def test_curve_is_continuous_concave_and_piecewise_linear(v, h):
    dx = 0.5
    offsets = np.arange(1, 1001) * dx
    t = Refraction(offsets, len(v)).simulate(v + h)
    slopes = np.diff(t) / dx
    # continuous: no step larger than the slowest slope allows (+ rounding)
    assert np.all(np.abs(np.diff(t)) <= dx / v[0] + TIME_TOL)
    # concave: the slope never increases (the branches get faster)
    assert np.all(np.diff(slopes) <= 1e-9)        # 1e-9 s/m: rounding of t / dx
    # piecewise linear with slopes 1/v_k: all but the few intervals holding a
    # kink have a slope equal to one of the slownesses
    slowness = 1.0 / np.array(v)
    on_branch = np.isclose(slopes[:, None], slowness, rtol=1e-8, atol=0).any(axis=1)
    assert (~on_branch).sum() <= len(v) - 1
    # the first interval is the direct wave
    assert slopes[0] == pytest.approx(1 / v[0], rel=1e-8)


def test_blind_layer_is_simulated_but_shows_no_slope():
    # 1000 m/s under 20 m of 300 m/s: its head wave is overtaken by that of
    # the 1100 m/s layer (at ~31 m) before it overtakes the direct wave
    # (~55 m), so it never arrives first.
    v, h = [300.0, 1000.0, 1100.0, 6000.0], [20.0, 2.0, 30.0]
    offsets = np.arange(1, 2001) * 0.5
    refraction = Refraction(offsets, 4)
    t = refraction.simulate(v + h)
    slopes = np.diff(t) / 0.5
    # slopes within 1e-8 relative of 1/v_k: rounding of t / dx (see above)
    assert not np.isclose(slopes, 1 / 1000.0, rtol=1e-8).any()
    for velocity in (300.0, 1100.0, 6000.0):
        assert np.isclose(slopes, 1 / velocity, rtol=1e-8).any()
    # the blind layer still delays the deeper head waves: its velocity
    # changes the times (by ~0.4 ms here) though no slope shows it
    slower = refraction.simulate([300.0, 900.0, 1100.0, 6000.0] + h)
    assert np.abs(t - slower).max() > 1e-4


# ---------------------------------------------------------------------------
# Limits
# ---------------------------------------------------------------------------

def test_one_layer_is_the_direct_wave():
    offsets = np.array([1.0, 7.5, 300.0])
    t = Refraction(offsets, 1).simulate([[400.0], [2500.0]])
    np.testing.assert_allclose(t, [offsets / 400.0, offsets / 2500.0], rtol=1e-15)


def test_thick_top_layer_hides_the_rest_and_thin_one_vanishes():
    offsets = np.linspace(1.0, 240.0, 24)
    refraction = Refraction(offsets, 3)
    # 1 km of 800 m/s: crossover ~ 3 km, beyond every offset
    t = refraction.simulate([800.0, 2000.0, 4000.0, 1000.0, 10.0])
    np.testing.assert_allclose(t, offsets / 800.0, rtol=1e-15)
    # a 1 um top layer adds at most 2 h / v_1 = 7e-9 s to the two-layer curve
    thin = refraction.simulate([700.0, 2000.0, 4000.0, 1e-6, 10.0])
    two = Refraction(offsets, 2).simulate([2000.0, 4000.0, 10.0])
    assert np.abs(thin - two).max() < 1e-8


# ---------------------------------------------------------------------------
# Class: labels, registry, checks, batch
# ---------------------------------------------------------------------------

def test_labels_units_and_registry():
    refraction = Refraction([5.0, 15.0, 240.0], 3)
    assert refraction.parameter_names == ["v_1", "v_2", "v_3", "h_1", "h_2"]
    assert refraction.parameter_units == ["m/s"] * 3 + ["m"] * 2
    assert refraction.data_names == ["t@x=5m", "t@x=15m", "t@x=240m"]
    assert refraction.data_units == ["s"] * 3
    assert refraction.positive.all() and refraction.data_log is False
    assert FORWARD_MODELS["refraction"] is Refraction
    rebuilt = make_forward("refraction", **refraction.settings())
    model = [500.0, 1500.0, 3000.0, 5.0, 10.0]
    np.testing.assert_array_equal(rebuilt.simulate(model), refraction.simulate(model))
    assert "Refraction(n_layers=3)" == repr(refraction)


@pytest.mark.parametrize("kwargs, field", [
    ({"offsets": [1.0, 0.0, 3.0]}, "offsets"),
    ({"offsets": [1.0, -2.0]}, "offsets"),
    ({"offsets": [1.0, np.nan]}, "offsets"),
    ({"offsets": [1.0, np.inf]}, "offsets"),
    ({"offsets": []}, "offsets"),
    ({"offsets": [[1.0, 2.0]]}, "offsets"),
    ({"offsets": [10.0, 10.0]}, "duplicate"),
    ({"n_layers": 0}, "n_layers"),
    ({"n_layers": 2.5}, "n_layers"),
    ({"n_layers": True}, "n_layers"),
])
def test_constructor_rejects_bad_geometry_naming_the_field(kwargs, field):
    arguments = {"offsets": [10.0, 20.0], "n_layers": 2, **kwargs}
    with pytest.raises(ValueError, match=field):
        Refraction(**arguments)


def test_velocities_that_do_not_increase_raise_naming_rows_and_interface():
    refraction = Refraction([10.0, 50.0], 3)
    good = [500.0, 1500.0, 3000.0, 5.0, 10.0]
    with pytest.raises(ValueError, match=r"rows 1, 3 have velocities that do not increase "
                                         r"downwards \(v_2 <= v_1\)"):
        refraction.simulate([good, [1500.0, 1500.0, 3000.0, 5.0, 10.0], good,
                             [2000.0, 1500.0, 3000.0, 5.0, 10.0]])
    with pytest.raises(ValueError, match=r"rows 0 .*\(v_3 <= v_2\)"):
        refraction.simulate([[500.0, 3000.0, 2000.0, 5.0, 10.0], good])
    valid = refraction.valid_rows([good, [500.0, 3000.0, 2000.0, 5.0, 10.0]])
    assert valid.tolist() == [True, False]
    with pytest.raises(ValueError, match="rows 1"):
        refraction.simulate([good, [500.0, 1500.0, 3000.0, 0.0, 10.0]])
    with pytest.raises(ValueError, match="rows 0"):
        refraction.simulate([[500.0, np.nan, 3000.0, 5.0, 10.0]])
    with pytest.raises(ValueError, match=r"\(n_samples, 5\)"):
        refraction.simulate([[500.0, 1500.0]])


def test_plain_functions_validate_their_inputs():
    with pytest.raises(ValueError, match="increase strictly downwards; bad rows 1"):
        first_arrival_times([1.0], [[300.0, 900.0], [900.0, 300.0]], [[5.0], [5.0]])
    with pytest.raises(ValueError, match="thickness"):
        intercept_times([300.0, 900.0], [5.0, 5.0])
    with pytest.raises(ValueError, match="offsets"):
        travel_time_branches([0.0], [300.0, 900.0], [5.0])


def test_batch_equals_row_by_row_and_offsets_need_not_be_sorted():
    rng = np.random.default_rng(1)
    n = 500
    v = np.sort(10 ** rng.uniform(2.3, 3.8, (n, 3)), axis=1) * [1.0, 1.01, 1.02]
    h = 10 ** rng.uniform(0, 1.5, (n, 2))
    models = np.hstack([v, h])
    offsets = rng.permutation(np.linspace(5.0, 240.0, 24))
    refraction = Refraction(offsets, 3)
    batch = refraction.simulate(models)
    rows = np.array([refraction.simulate(m) for m in models[::25]])
    np.testing.assert_array_equal(rows, batch[::25])        # same operations, same bits
    assert refraction.simulate(models[0]).shape == (24,)
    order = np.argsort(offsets)
    np.testing.assert_array_equal(Refraction(offsets[order], 3).simulate(models),
                                  batch[:, order])


# ---------------------------------------------------------------------------
# Data bounds
# ---------------------------------------------------------------------------

def test_data_bounds_enclose_the_times_of_the_box():
    offsets = np.linspace(5.0, 235.0, 24)
    refraction = Refraction(offsets, 3)
    low = np.array([300.0, 1000.0, 2500.0, 2.0, 2.0])
    high = np.array([1000.0, 2500.0, 5000.0, 20.0, 20.0])
    t_low, t_high = refraction.data_bounds(low, high)
    assert t_low.shape == t_high.shape == (24,) and (t_high > t_low).all()
    rng = np.random.default_rng(4)
    models = low * (high / low) ** rng.uniform(size=(4000, 5))
    models = models[refraction.valid_rows(models)]
    t = refraction.simulate(models)
    # the bounds are attained by corner models, so sampled times lie inside
    assert (t >= t_low - TIME_TOL).all() and (t <= t_high + TIME_TOL).all()
    # and they are the corners' times: the corners themselves reach them
    np.testing.assert_allclose(refraction.simulate(np.r_[high[:3], low[3:]]), t_low, rtol=1e-14)
    np.testing.assert_allclose(refraction.simulate(np.r_[low[:3], high[3:]]), t_high, rtol=1e-14)
    with pytest.raises(ValueError, match="shape"):
        refraction.data_bounds(low[:3], high[:3])


def test_data_bounds_of_an_overlapping_box_stay_physical():
    # v_1 up to 2000 but v_2 from 1000: the fastest physical v_1 is below v_2's
    # maximum, the slowest v_2 above v_1's minimum.
    refraction = Refraction(np.linspace(5.0, 235.0, 24), 2)
    low, high = np.array([300.0, 1000.0, 2.0]), np.array([2000.0, 1500.0, 20.0])
    t_low, t_high = refraction.data_bounds(low, high)
    rng = np.random.default_rng(5)
    models = low + (high - low) * rng.uniform(size=(20000, 3))
    models = models[refraction.valid_rows(models)]
    t = refraction.simulate(models)
    assert (t >= t_low - TIME_TOL).all() and (t <= t_high + TIME_TOL).all()
    # the lower bound is nearly attained (v_1 -> v_2 -> 1500, h -> 2): within 2 %
    assert np.all(t.min(axis=0) <= 1.02 * t_low)


# ---------------------------------------------------------------------------
# Plot, scenario, docs
# ---------------------------------------------------------------------------

def test_plot_example_draws_both_panels(tmp_path):
    refraction = Refraction(np.linspace(5.0, 235.0, 24), 3)
    true = np.array([500.0, 1500.0, 3500.0, 6.0, 12.0])
    pred = np.array([520.0, 1400.0, 3600.0, 6.5, 11.0])
    obs = refraction.simulate(true) + 1e-3 * np.random.default_rng(0).standard_normal(24)
    fig = plt.figure(figsize=(10, 3.2), layout="constrained")
    out = plot_example(refraction, fig, true, pred, obs, refraction.simulate(pred),
                       sigma=np.full(24, 1e-3), title="example")
    assert out is fig and len(fig.axes) == 2
    assert fig.axes[1].get_xlabel() == "Velocity (m/s)"
    assert fig.axes[1].get_ylim()[0] > fig.axes[1].get_ylim()[1]      # depth downwards
    fig.savefig(tmp_path / "refraction.png")
    plt.close(fig)
    # field data and an unphysical prediction draw too
    fig = plt.figure()
    bad = np.array([1500.0, 1400.0, 3600.0, 6.5, 11.0])
    plot_example(refraction, fig, None, bad, obs, np.full(24, np.nan), legend=False)
    plt.close(fig)


def test_shipped_scenario_loads():
    scenario = load_scenario(ROOT / "scenarios" / "refraction_3layer.toml")
    assert isinstance(scenario.forward, Refraction)
    assert scenario.space.names == scenario.forward.parameter_names


def test_docstring_examples_run():
    result = doctest.testmod(refraction_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 5 and result.failed == 0
