"""Tests of geoinv.forward.self_potential: SP anomalies of polarised bodies.

References, each independent of the vectorised code under test:
- the published formula V = K ((x - x0) cos(theta) + h sin(theta)) /
  ((x - x0)**2 + h**2)**q, evaluated below point by point with ``math``;
- its symmetries (theta = 90: symmetric about x0, extremum there;
  theta = 0: antisymmetric; theta -> 180 - theta: mirror;
  theta -> -theta: mirror with the sign flipped) and limits (the decay
  ratio V(x0 + d) / V(x0) = (h**2 / (d**2 + h**2))**q, the far field).
"""

import doctest
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

import geoinv.forward.self_potential as sp_module
from geoinv.forward import FORWARD_MODELS, SelfPotential, make_forward
from geoinv.forward.self_potential import SHAPE_FACTORS, sp_anomaly
from geoinv.viz import plot_example
from geoinv.workflow.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
BODIES = list(SHAPE_FACTORS)

# V is one product and quotient of numbers of ordinary size: the vectorised
# and the scalar evaluation differ by a few ulp, hence 1e-13 relative.
RTOL = 1e-13


def scalar_sp(x, K, h, x0, theta_deg, q):
    """The formula at one point, with math (no numpy)."""
    theta = math.radians(theta_deg)
    return K * ((x - x0) * math.cos(theta) + h * math.sin(theta)) / ((x - x0) ** 2 + h**2) ** q


# ---------------------------------------------------------------------------
# Values of the formula
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("body", BODIES)
def test_values_match_the_scalar_formula(body):
    q = {"sphere": 1.5, "horizontal_cylinder": 1.0, "vertical_cylinder": 0.5}[body]
    x = np.array([-80.0, -12.5, 0.0, 3.0, 27.0, 150.0])
    models = [[-3.0e4, 12.0, 5.0, 60.0], [800.0, 3.5, -20.0, -35.0],
              [-150.0, 40.0, 0.0, 170.0], [1.0e5, 25.0, 100.0, 0.0]]
    V = SelfPotential(x, body).simulate(models)
    expected = [[scalar_sp(xi, *m, q) for xi in x] for m in models]
    np.testing.assert_allclose(V, expected, rtol=RTOL, atol=0)


def test_hand_computed_values():
    # Worked by hand (exact fractions), not with the formula code:
    # sphere, K = -1000, h = 3, x0 = 0, theta = 90: V(0) = -1000 * 3 / 27,
    # V(4) = -1000 * 3 / 125.
    V = SelfPotential([0.0, 4.0], "sphere").simulate([-1000.0, 3.0, 0.0, 90.0])
    np.testing.assert_allclose(V, [-1000 / 9, -24.0], rtol=RTOL)
    # horizontal cylinder, K = 500, h = 4, x0 = 1, theta = 0: V(4) = 500 * 3 / 25
    V = SelfPotential([4.0, 1.0], "horizontal_cylinder").simulate([500.0, 4.0, 1.0, 0.0])
    np.testing.assert_allclose(V, [60.0, 0.0], rtol=RTOL, atol=1e-12)
    # vertical cylinder, K = 10, h = 3, x0 = 0, theta = 45: V(4) = 10 (4 + 3) / (5 sqrt 2)
    V = SelfPotential([4.0], "vertical_cylinder").simulate([10.0, 3.0, 0.0, 45.0])
    np.testing.assert_allclose(V, [7.0 * math.sqrt(2.0)], rtol=RTOL)


def test_plain_function_broadcasts_and_matches_the_class():
    x = np.linspace(-50, 50, 11)
    K = np.array([-2000.0, 500.0])
    V = sp_anomaly(x, K, 10.0, [0.0, 5.0], 70.0, body="horizontal_cylinder")
    expected = SelfPotential(x, "horizontal_cylinder").simulate(
        [[-2000.0, 10.0, 0.0, 70.0], [500.0, 10.0, 5.0, 70.0]])
    np.testing.assert_array_equal(V, expected)
    assert sp_anomaly(x, -1.0, 1.0, 0.0, 90.0).shape == (11,)


# ---------------------------------------------------------------------------
# Sign and angle conventions
# ---------------------------------------------------------------------------

D = np.array([0.5, 2.0, 7.0, 15.0, 40.0, 120.0])   # distances from x0 (m)


@pytest.mark.parametrize("body", BODIES)
def test_vertical_polarisation_is_symmetric_with_its_extremum_at_x0(body):
    x0, h = 13.0, 9.0
    x = np.r_[x0 - D[::-1], x0, x0 + D]
    V = SelfPotential(x, body).simulate([-4000.0, h, x0, 90.0])
    # symmetric about x0: equal to rounding (x0 +- d is not exact in binary)
    np.testing.assert_allclose(V, V[::-1], rtol=1e-13)
    # extremum at x0 and negative for K < 0 (the sulphide convention)
    assert np.argmin(V) == D.size and (V < 0).all()
    assert V[D.size] == pytest.approx(-4000.0 / h ** (2 * SHAPE_FACTORS[body] - 1), rel=RTOL)


@pytest.mark.parametrize("body", BODIES)
def test_horizontal_polarisation_is_antisymmetric(body):
    x0 = -6.0
    x = np.r_[x0 - D[::-1], x0, x0 + D]
    V = SelfPotential(x, body).simulate([700.0, 5.0, x0, 0.0])
    np.testing.assert_allclose(V, -V[::-1], rtol=1e-13, atol=1e-15 * abs(V).max())
    # zero at x0 (cos(0) = 1, sin(0) = 0 exactly), positive towards +x for K > 0
    assert V[D.size] == 0.0 and (V[D.size + 1:] > 0).all()


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("theta", [10.0, 35.0, 60.0, 125.0])
def test_theta_mirrors(body, theta):
    x0 = 4.0
    x = np.r_[x0 - D[::-1], x0, x0 + D]
    sp = SelfPotential(x, body)
    V = sp.simulate([-2500.0, 8.0, x0, theta])
    # 180 - theta: the mirror image about x0 (cos changes sign, sin does not)
    np.testing.assert_allclose(sp.simulate([-2500.0, 8.0, x0, 180.0 - theta]), V[::-1],
                               rtol=1e-12)       # cos(pi - a) vs -cos(a): ~1e-16 absolute
    # -theta: the mirror image with the sign flipped
    np.testing.assert_allclose(sp.simulate([-2500.0, 8.0, x0, -theta]), -V[::-1], rtol=1e-12)
    # (K, theta) and (-K, theta + 180) are the same body; theta is 360-periodic
    np.testing.assert_allclose(sp.simulate([2500.0, 8.0, x0, theta + 180.0]), V, rtol=1e-12)
    np.testing.assert_allclose(sp.simulate([-2500.0, 8.0, x0, theta - 360.0]), V, rtol=1e-12)


def test_inclined_polarisation_shifts_the_negative_centre_and_adds_a_positive_flank():
    # K < 0, theta = 45: the moment sign(K) (cos, sin) points to -x and down,
    # so the positive flank lies on the -x side (where the moment points) and
    # the negative centre is shifted from x0 towards +x.
    x = np.linspace(-100, 100, 2001)
    V = SelfPotential(x, "sphere").simulate([-5000.0, 10.0, 0.0, 45.0])
    assert x[np.argmin(V)] > 0 and x[np.argmax(V)] < 0 and V.max() > 0


@pytest.mark.parametrize("body", BODIES)
def test_shape_factor_sets_the_decay(body):
    q = SHAPE_FACTORS[body]
    h, x0 = 6.0, 0.0
    V = SelfPotential(np.r_[x0, x0 + D], body).simulate([-900.0, h, x0, 90.0])
    np.testing.assert_allclose(V[1:] / V[0], (h**2 / (D**2 + h**2)) ** q, rtol=RTOL)


def test_far_field_limits():
    # theta = 0: sphere ~ K / x**2, horizontal cylinder ~ K / x; the vertical
    # cylinder tends to K cos(theta) sign(x - x0): it does not decay.
    x = np.array([1e4, 1e5])
    h = 2.0
    sphere = SelfPotential(x, "sphere").simulate([3.0, h, 0.0, 0.0])
    cylinder = SelfPotential(x, "horizontal_cylinder").simulate([3.0, h, 0.0, 0.0])
    vertical = SelfPotential(-x, "vertical_cylinder").simulate([3.0, h, 0.0, 30.0])
    # relative corrections are O((h / x)**2) = 4e-8 at x = 1e4 m, hence 1e-7
    np.testing.assert_allclose(sphere, 3.0 / x**2, rtol=1e-7)
    np.testing.assert_allclose(cylinder, 3.0 / x, rtol=1e-7)
    # O(h / x) = 2e-4: the sin(theta) term
    np.testing.assert_allclose(vertical, -3.0 * math.cos(math.radians(30.0)), rtol=3e-4)


# ---------------------------------------------------------------------------
# Class: labels, registry, checks, batch
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("body, unit", [("sphere", "mV.m^2"), ("horizontal_cylinder", "mV.m"),
                                        ("vertical_cylinder", "mV")])
def test_labels_units_and_registry(body, unit):
    sp = SelfPotential([-10.0, 0.0, 12.5], body)
    assert sp.parameter_names == ["K", "h", "x0", "theta"]
    assert sp.parameter_units == [unit, "m", "m", "deg"]
    assert sp.data_names == ["sp@x=-10m", "sp@x=0m", "sp@x=12.5m"]
    assert sp.data_units == ["mV"] * 3
    assert sp.positive.tolist() == [False, True, False, False]
    assert sp.data_log is False and sp.data_bounds(np.zeros(4), np.ones(4)) is None
    assert FORWARD_MODELS["self_potential"] is SelfPotential
    rebuilt = make_forward("self_potential", **sp.settings())
    np.testing.assert_array_equal(rebuilt.simulate([-10.0, 2.0, 1.0, 80.0]),
                                  sp.simulate([-10.0, 2.0, 1.0, 80.0]))
    assert repr(sp) == f"SelfPotential(body='{body}')"


@pytest.mark.parametrize("kwargs, field", [
    ({"x": [0.0, np.nan]}, "x must be finite"),
    ({"x": [0.0, np.inf]}, "x must be finite"),
    ({"x": []}, "x must be"),
    ({"x": [[0.0, 1.0]]}, "x must be"),
    ({"x": [1.0, 1.0]}, "duplicate"),
    ({"body": "dike"}, "body"),
    ({"body": None}, "body"),
])
def test_constructor_rejects_bad_geometry_naming_the_field(kwargs, field):
    arguments = {"x": [-10.0, 0.0, 10.0], **kwargs}
    with pytest.raises(ValueError, match=field):
        SelfPotential(**arguments)


def test_bad_models_raise_naming_rows():
    sp = SelfPotential([-10.0, 0.0, 10.0])
    good = [-1000.0, 5.0, 0.0, 90.0]
    # negative K, x0 and theta are fine; h must be > 0
    sp.simulate([[1000.0, 5.0, -3.0, -120.0]])
    with pytest.raises(ValueError, match=r"rows 1, 2 have non-positive values; h must be > 0"):
        sp.simulate([good, [-1000.0, 0.0, 0.0, 90.0], [-1000.0, -5.0, 0.0, 90.0]])
    with pytest.raises(ValueError, match="rows 0"):
        sp.simulate([[np.nan, 5.0, 0.0, 90.0], good])
    with pytest.raises(ValueError, match=r"\(n_samples, 4\)"):
        sp.simulate([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="h must be > 0; bad rows 1"):
        sp_anomaly([0.0], [1.0, 1.0], [1.0, 0.0], 0.0, 90.0)
    with pytest.raises(ValueError, match="one length"):
        sp_anomaly([0.0], [1.0, 1.0], [1.0, 2.0, 3.0], 0.0, 90.0)


@pytest.mark.parametrize("body", BODIES)
def test_batch_equals_row_by_row_and_stations_need_not_be_sorted(body):
    rng = np.random.default_rng(3)
    n = 400
    models = np.column_stack([rng.uniform(-1e5, 1e5, n), rng.uniform(1, 50, n),
                              rng.uniform(-50, 50, n), rng.uniform(-180, 180, n)])
    x = rng.permutation(np.linspace(-100.0, 100.0, 41))
    sp = SelfPotential(x, body)
    batch = sp.simulate(models)
    rows = np.array([sp.simulate(m) for m in models[::20]])
    np.testing.assert_array_equal(rows, batch[::20])       # same operations, same bits
    assert sp.simulate(models[0]).shape == (41,)
    order = np.argsort(x)
    np.testing.assert_array_equal(SelfPotential(x[order], body).simulate(models), batch[:, order])


# ---------------------------------------------------------------------------
# Plot, scenario, docs
# ---------------------------------------------------------------------------

def test_plot_example_draws_profile_and_section(tmp_path):
    x = np.linspace(-100.0, 100.0, 41)
    sp = SelfPotential(x, "sphere")
    true = np.array([-20000.0, 15.0, 10.0, 60.0])
    pred = np.array([-18000.0, 14.0, 12.0, 70.0])
    obs = sp.simulate(true) + np.random.default_rng(0).standard_normal(41)
    fig = plt.figure(figsize=(8, 5), layout="constrained")
    out = plot_example(sp, fig, true, pred, obs, sp.simulate(pred), sigma=np.ones(41),
                       title="example")
    assert out is fig and len(fig.axes) == 2
    section = fig.axes[1]
    assert section.get_ylabel() == "Depth (m)"
    assert section.get_ylim()[0] > section.get_ylim()[1]          # depth downwards
    fig.savefig(tmp_path / "sp.png")
    plt.close(fig)
    fig = plt.figure()
    plot_example(sp, fig, None, np.array([-1.0, -3.0, 0.0, 0.0]), obs, np.full(41, np.nan),
                 legend=False)
    plt.close(fig)


def test_shipped_scenario_loads():
    scenario = load_scenario(ROOT / "scenarios" / "sp_sphere.toml")
    assert isinstance(scenario.forward, SelfPotential) and scenario.forward.body == "sphere"
    assert scenario.space.names == ["K", "h", "x0", "theta"]


def test_docstring_examples_run():
    result = doctest.testmod(sp_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 3 and result.failed == 0
