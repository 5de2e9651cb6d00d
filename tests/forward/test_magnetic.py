"""Tests of geoinv.forward.magnetic: total-field anomaly of a sphere and dikes.

References, each independent of the code under test:
- sums of many small dipoles filling the body, with the dipole field written
  in vector form below (3D for the sphere, 2D for the dikes), and the 2D
  dipole itself checked against 3D dipoles integrated along strike (scipy);
- the classical closed forms at the pole (sphere: 2 chi F R^3 / (3 z^3);
  vertical dike: chi F theta / (2 pi));
- the thin-dike limit of the thick dike, symmetry at the pole, the r^-3
  fall-off of a dipole and the sign of induced anomalies in the northern
  hemisphere.
"""

import doctest
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy import integrate

import geoinv.forward.magnetic as magnetic_module
from geoinv.forward import FORWARD_MODELS, Magnetic, make_forward
from geoinv.forward.magnetic import (
    dike_total_field,
    field_direction,
    sphere_total_field,
    thin_dike_total_field,
)
from geoinv.viz import plot_example
from geoinv.workflow.scenario import load_scenario

matplotlib.use("Agg")

SCENARIOS = Path(__file__).parents[2] / "scenarios"
X = np.linspace(-200.0, 200.0, 41)
FIELD = dict(inclination=55.0, declination=10.0, azimuth=30.0, field=48000.0)


def relative_error(got, expected):
    """Largest difference relative to the largest reference value."""
    expected = np.asarray(expected)
    return np.max(np.abs(np.asarray(got) - expected)) / np.max(np.abs(expected))


def unit_field(inclination, declination, azimuth):
    """Main-field unit vector in (profile, across, down) axes, from NED by rotation."""
    i, d, a = np.radians([inclination, declination, azimuth])
    north_east_down = np.array([np.cos(i) * np.cos(d), np.cos(i) * np.sin(d), np.sin(i)])
    rotation = np.array([[np.cos(a), np.sin(a), 0.0],      # profile: azimuth a
                         [-np.sin(a), np.cos(a), 0.0],     # across: azimuth a + 90
                         [0.0, 0.0, 1.0]])
    return rotation @ north_east_down


# ---------------------------------------------------------------------------
# Labels, settings, registry
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("body, names, units", [
    ("sphere", ["x0", "depth", "radius", "chi"], ["m", "m", "m", "SI"]),
    ("dike", ["x0", "depth", "width", "dip", "chi"], ["m", "m", "m", "deg", "SI"]),
    ("thin_dike", ["x0", "depth", "dip", "chi_t"], ["m", "m", "deg", "m"]),
])
def test_labels_units_and_kind(body, names, units):
    mag = Magnetic([-10.0, 0.0, 12.5], body=body, **FIELD)
    assert mag.kind == "magnetic" and FORWARD_MODELS["magnetic"] is Magnetic
    assert mag.parameter_names == names and mag.parameter_units == units
    assert mag.data_names == ["dT@x=-10m", "dT@x=0m", "dT@x=12.5m"]
    assert mag.data_units == ["nT"] * 3 and mag.data_log is False
    assert mag.data_bounds(np.zeros(len(names)), np.ones(len(names))) is None
    assert list(mag.positive) == [n not in ("x0", "chi", "chi_t") for n in names]


@pytest.mark.parametrize("body, model", [
    ("sphere", [3.0, 40.0, 10.0, 0.01]),
    ("dike", [3.0, 10.0, 15.0, 70.0, 0.02]),
    ("thin_dike", [3.0, 10.0, 110.0, -0.2]),
])
def test_settings_rebuild_the_same_model(body, model):
    mag = Magnetic(X, body=body, **FIELD)
    again = make_forward("magnetic", **mag.settings())
    np.testing.assert_array_equal(again.simulate(model), mag.simulate(model))
    assert "Magnetic(" in repr(mag) and "inclination=55.0" in repr(mag)


def test_field_direction_matches_a_rotation_of_north_east_down():
    for angles in [(55.0, 10.0, 30.0), (-30.0, -120.0, 200.0), (90.0, 0.0, 0.0), (0.0, 90.0, 0.0)]:
        np.testing.assert_allclose(field_direction(*angles), unit_field(*angles), atol=1e-15)


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, field", [
    ({"x": [0.0, np.nan]}, "x"),
    ({"x": [0.0, -np.inf]}, "x"),
    ({"x": []}, "x"),
    ({"x": [2.0, 2.0]}, "duplicate"),
    ({"body": "cube"}, "body"),
    ({"body": None}, "body"),
    ({"inclination": 91.0}, "inclination"),
    ({"inclination": -90.5}, "inclination"),
    ({"inclination": np.nan}, "inclination"),
    ({"inclination": True}, "inclination"),
    ({"inclination": "60"}, "inclination"),
    ({"declination": 400.0}, "declination"),
    ({"declination": np.inf}, "declination"),
    ({"azimuth": -361.0}, "azimuth"),
    ({"azimuth": np.nan}, "azimuth"),
    ({"field": 0.0}, "field"),
    ({"field": -50000.0}, "field"),
    ({"field": np.nan}, "field"),
])
def test_bad_geometry_names_the_field(kwargs, field):
    settings = {"x": [0.0, 10.0], "body": "sphere", **FIELD, **kwargs}
    with pytest.raises(ValueError, match=field):
        Magnetic(**settings)


def test_angles_are_required():
    with pytest.raises(TypeError, match="inclination"):
        Magnetic(X, body="sphere", declination=0.0, azimuth=0.0)


@pytest.mark.parametrize("body, models, message", [
    ("sphere", [[0, 20, 5, 0.01], [0, 20, 5, np.nan]], r"rows 1 hold NaN"),
    ("sphere", [[0, 20, 5, 0.01], [0, 0, 5, 0.01], [0, 20, -5, 0.01]],
     r"rows 1, 2 have non-positive values; depth, radius must be > 0"),
    ("sphere", [[0, 20, 5, 0.01], [0, 20, 20, 0.01]],
     r"rows 1 have a sphere reaching above the surface \(radius >= depth\)"),
    ("dike", [[0, 10, 5, 60, 0.01], [0, 10, 5, 0, 0.01], [0, 10, 0, 60, 0.01]],
     r"rows 1, 2 have non-positive values; depth, width, dip must be > 0"),
    ("dike", [[0, 10, 5, 60, 0.01], [0, 10, 5, 180, 0.01], [0, 10, 5, 200, 0.01]],
     r"rows 1, 2 have dip >= 180 degrees"),
    ("thin_dike", [[0, 10, 60, 0.1], [0, 10, 190, 0.1]], r"rows 1 have dip >= 180"),
])
def test_bad_models_name_the_rows(body, models, message):
    mag = Magnetic(X, body=body, **FIELD)
    with pytest.raises(ValueError, match=message):
        mag.simulate(models)
    ok = mag.valid_rows(models)
    assert ok[0] and not ok[1:].any()


@pytest.mark.parametrize("function, args, message", [
    (sphere_total_field, (0.0, [20.0, 10.0], [5.0, 10.0], 0.01), "rows 1 have a sphere"),
    (dike_total_field, (0.0, 10.0, 5.0, [60.0, 180.0], 0.01), "rows 1 have dip >= 180"),
    (thin_dike_total_field, (0.0, [10.0, -1.0], 60.0, 0.1), "depth must be > 0; rows 1"),
])
def test_functions_check_their_parameters(function, args, message):
    with pytest.raises(ValueError, match=message):
        function(X, *args, **FIELD)


# ---------------------------------------------------------------------------
# Batches
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("body, low, high", [
    ("sphere", [-50, 20, 1, -0.05], [50, 100, 19, 0.1]),
    ("dike", [-50, 2, 1, 5, -0.05], [50, 40, 60, 175, 0.1]),
    ("thin_dike", [-50, 2, 5, -0.5], [50, 40, 175, 1.0]),
])
def test_batch_equals_row_by_row(body, low, high):
    mag = Magnetic(X, body=body, **FIELD)
    models = np.random.default_rng(5).uniform(low, high, size=(25, len(low)))
    batch = mag.simulate(models)
    assert batch.shape == (25, X.size) and batch.dtype == np.float64
    rows = np.array([mag.simulate(m) for m in models])
    # the same operations on the same numbers: identical, not just close
    np.testing.assert_array_equal(batch, rows)


# ---------------------------------------------------------------------------
# Physics
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("declination, azimuth", [(0.0, 0.0), (37.0, 100.0)])
def test_anomalies_are_symmetric_about_the_body_at_the_pole(declination, azimuth):
    d = np.array([0.5, 3.0, 10.0, 25.0, 80.0, 300.0])
    x0 = 13.0
    x = np.concatenate([x0 - d, x0 + d])
    pole = dict(inclination=90.0, declination=declination, azimuth=azimuth)
    for body, model in [("sphere", [x0, 30.0, 10.0, 0.02]), ("dike", [x0, 10.0, 8.0, 90.0, 0.02]),
                        ("thin_dike", [x0, 10.0, 90.0, 0.2])]:
        dt = Magnetic(x, body=body, **pole).simulate(model)
        # mirror images differ only in the rounding of x0 +- d and of cos(90 deg)
        np.testing.assert_allclose(dt[:d.size], dt[d.size:], rtol=1e-12, atol=1e-12)
        assert dt[0] == dt.max() > 0


def test_pole_closed_forms():
    pole = dict(inclination=90.0, declination=0.0, azimuth=0.0, field=50000.0)
    # sphere right above its centre: 2 chi F R^3 / (3 z^3)
    got = sphere_total_field([5.0], 5.0, 30.0, 12.0, 0.03, **pole)
    np.testing.assert_allclose(got, 2 * 0.03 * 50000.0 * 12.0**3 / (3 * 30.0**3), rtol=1e-14)
    # vertical thick dike: chi F theta / (2 pi), theta the angle its top subtends
    x = np.array([-30.0, 0.0, 4.0, 50.0])
    theta = np.arctan2(10.0, x - 4.0 - 6.0) - np.arctan2(10.0, x - 4.0 + 6.0)
    got = dike_total_field(x, 4.0, 10.0, 12.0, 90.0, 0.02, **pole)
    np.testing.assert_allclose(got, 0.02 * 50000.0 * theta / (2 * np.pi), rtol=1e-13)


def test_dipole_far_field_falls_off_as_r_cubed():
    depth, s = 30.0, 1e5
    mag = Magnetic([s, 2 * s, -s, -2 * s], body="sphere", inclination=20.0, declination=0.0,
                   azimuth=0.0)
    dt = mag.simulate([0.0, depth, 10.0, 0.05])
    # At distance s along the profile, cos(f, r) = f_x - f_z depth / s + O((depth/s)^2),
    # so the angle factor 3 cos^2 - 1 differs from its limit by a relative
    # 6 f_x f_z / (3 f_x^2 - 1) depth / s (0.58 depth / s = 1.7e-4 here): the
    # ratio of the anomalies at s and 2 s is 1/8 to within twice that.
    fx, _, fz = field_direction(20.0, 0.0, 0.0)
    tolerance = 2 * abs(6 * fx * fz / (3 * fx**2 - 1)) * depth / s
    np.testing.assert_allclose(dt[1] / dt[0], 1 / 8, rtol=tolerance)
    np.testing.assert_allclose(dt[3] / dt[2], 1 / 8, rtol=tolerance)


def test_sphere_equals_a_sum_of_small_dipoles():
    # Gauss-Legendre in (r, cos theta), trapezoid in phi over the ball; the
    # dipole field B = mu0/(4 pi) (3 (m.r) r / r^5 - m / r^3) is smooth inside
    # (stations outside), so 24 x 24 x 48 points reach rounding (~1e-14).
    x0, depth, radius, chi = 3.0, 20.0, 10.0, 0.02
    x = np.linspace(-100, 100, 9)
    f = unit_field(FIELD["inclination"], FIELD["declination"], FIELD["azimuth"])
    ur, wr = np.polynomial.legendre.leggauss(24)
    r, wr = radius * (ur + 1) / 2, wr * radius / 2
    c, wc = np.polynomial.legendre.leggauss(24)
    phi = np.arange(48) * 2 * np.pi / 48
    rr, cc, pp = np.meshgrid(r, c, phi, indexing="ij")
    volume = np.broadcast_to((wr * r**2)[:, None, None] * wc[None, :, None] * (2 * np.pi / 48),
                             rr.shape).ravel()
    s = np.sqrt(1 - cc**2)
    source = np.stack([x0 + rr * s * np.cos(pp), rr * s * np.sin(pp), depth + rr * cc],
                      axis=-1).reshape(-1, 3)
    station = np.stack([x, 0 * x, 0 * x], axis=-1)
    rv = station[:, None, :] - source[None]
    dist = np.linalg.norm(rv, axis=-1)
    mu0_moment = chi * FIELD["field"] * f                 # mu0 M (nT) per unit volume
    b = (3 * (rv @ mu0_moment)[..., None] * rv / dist[..., None] ** 5
         - mu0_moment / dist[..., None] ** 3) / (4 * np.pi)
    numeric = np.sum((b @ f) * volume, axis=1)
    assert relative_error(sphere_total_field(x, x0, depth, radius, chi, **FIELD), numeric) < 1e-11


def dipole_2d(rx, rz, fx, fz, mx, mz):
    """f . B of a 2D line dipole (moment mu0 m per metre) seen along (rx, rz)."""
    r2 = rx * rx + rz * rz
    mr = mx * rx + mz * rz
    bx, bz = (2 * mr * rx / r2 - mx) / r2, (2 * mr * rz / r2 - mz) / r2
    return (fx * bx + fz * bz) / (2 * np.pi)


def test_2d_dipole_is_3d_dipoles_along_strike():
    # the reference kernel of the dike tests, checked against the 3D dipole
    # integrated over y by adaptive quadrature (asked for 1e-12)
    f = unit_field(FIELD["inclination"], FIELD["declination"], FIELD["azimuth"])
    rx, rz = 7.0, -12.0

    def dipole_3d(y):
        rv = np.array([rx, -y, rz])
        dist = np.linalg.norm(rv)
        return (3 * (rv @ f) ** 2 / dist**2 - 1) / (4 * np.pi * dist**3)

    along = integrate.quad(dipole_3d, -np.inf, np.inf, epsabs=0, epsrel=1e-12)[0]
    np.testing.assert_allclose(dipole_2d(rx, rz, f[0], f[2], f[0], f[2]), along, rtol=1e-10)


@pytest.mark.parametrize("dip", [35.0, 90.0, 130.0])
def test_dike_equals_a_sum_of_small_dipoles(dip):
    # Tensor Gauss-Legendre over the parallelogram cross-section: 32 points
    # across the width, 200 down-dip with s = depth u / (1 - u) mapping the
    # infinite extent onto [0, 1) (the integrand, ~ 1/s^2, becomes smooth).
    # Converged to ~1e-14 (checked with twice the points); 1e-11 allows for sums.
    x0, depth, width, chi = 3.0, 10.0, 15.0, 0.02
    f = unit_field(FIELD["inclination"], FIELD["declination"], FIELD["azimuth"])
    x = np.linspace(-100, 100, 9)
    down = np.array([np.cos(np.radians(dip)), np.sin(np.radians(dip))])
    ua, wa = np.polynomial.legendre.leggauss(32)
    a, wa = width * (ua + 1) / 2, wa * width / 2
    ud, wd = np.polynomial.legendre.leggauss(200)
    u = (ud + 1) / 2
    s, ws = depth * u / (1 - u), wd / 2 * depth / (1 - u) ** 2
    aa, ss = np.meshgrid(a, s, indexing="ij")
    area = (wa[:, None] * ws[None, :]).ravel() * np.sin(np.radians(dip))
    px = (x0 - width / 2 + aa + ss * down[0]).ravel()
    pz = (depth + ss * down[1]).ravel()
    kernel = dipole_2d(x[:, None] - px, -pz, f[0], f[2], f[0], f[2])
    numeric = chi * FIELD["field"] * np.sum(kernel * area, axis=1)
    got = dike_total_field(x, x0, depth, width, dip, chi, **FIELD)
    assert relative_error(got, numeric) < 1e-11


@pytest.mark.parametrize("dip", [30.0, 90.0, 140.0])
def test_thin_dike_is_the_limit_of_the_thick_dike(dip):
    x0, depth, chi = 3.0, 10.0, 0.02
    x = np.linspace(-100, 100, 21)
    errors = []
    for width in (0.2, 0.1):
        thick = dike_total_field(x, x0, depth, width, dip, chi, **FIELD)
        thin = thin_dike_total_field(x, x0, depth, dip, chi * width * np.sin(np.radians(dip)),
                                     **FIELD)
        errors.append(relative_error(thick, thin))
        # The thin sheet sits on the thick dike's mid-plane, so the first
        # correction is of second order, (width / distance)^2 <= (width / depth)^2.
        assert errors[-1] < (width / depth) ** 2
    # second order: halving the width quarters the difference
    assert 0.22 < errors[1] / errors[0] < 0.28


def test_induced_low_lies_poleward_in_the_northern_hemisphere():
    # north-south profile (x to the north), field dipping north at 60 degrees:
    # the high is south of the body, the low north of it
    mag = Magnetic(X, body="sphere", inclination=60.0, declination=0.0, azimuth=0.0)
    dt = mag.simulate([0.0, 30.0, 10.0, 0.05])
    assert X[np.argmax(dt)] < 0.0 < X[np.argmin(dt)]
    # the same profile walked southwards is the mirror image
    south = Magnetic(-X, body="sphere", inclination=60.0, declination=0.0, azimuth=180.0)
    np.testing.assert_allclose(south.simulate([0.0, 30.0, 10.0, 0.05]), dt, rtol=1e-12)


def test_only_declination_minus_azimuth_matters():
    model = [3.0, 10.0, 15.0, 70.0, 0.02]
    a = Magnetic(X, body="dike", inclination=50.0, declination=10.0, azimuth=30.0)
    b = Magnetic(X, body="dike", inclination=50.0, declination=40.0, azimuth=60.0)
    np.testing.assert_allclose(a.simulate(model), b.simulate(model), rtol=1e-12, atol=1e-12)


def test_2d_body_at_the_equator_along_strike_field_is_invisible():
    # field horizontal and parallel to the strike: no magnetic charge on any face
    mag = Magnetic(X, body="dike", inclination=0.0, declination=90.0, azimuth=0.0)
    assert np.max(np.abs(mag.simulate([3.0, 10.0, 15.0, 70.0, 0.02]))) < 1e-12


def test_susceptibility_is_linear_and_signed():
    mag = Magnetic(X, body="dike", **FIELD)
    dt = mag.simulate([[3.0, 10.0, 15.0, 70.0, 0.02], [3.0, 10.0, 15.0, 70.0, -0.04]])
    np.testing.assert_allclose(dt[1], -2.0 * dt[0], rtol=1e-13)


# ---------------------------------------------------------------------------
# Docs, plots, scenarios
# ---------------------------------------------------------------------------

def test_doctests():
    result = doctest.testmod(magnetic_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 4 and result.failed == 0


@pytest.mark.parametrize("body, true, pred", [
    ("sphere", [10.0, 40.0, 20.0, 0.02], [5.0, 42.0, 25.0, 0.015]),
    ("dike", [10.0, 15.0, 20.0, 60.0, 0.02], [5.0, 12.0, 25.0, 75.0, 0.015]),
    ("dike", [10.0, 15.0, 20.0, 60.0, 0.02], [5.0, 12.0, 25.0, 185.0, 0.015]),  # unphysical
    ("thin_dike", [10.0, 15.0, 60.0, 0.4], [5.0, 12.0, 120.0, 0.3]),
])
def test_plot_example_draws_profile_and_section(body, true, pred):
    mag = Magnetic(X, body=body, inclination=60.0, declination=0.0, azimuth=0.0)
    data = mag.simulate(true)
    pred_data = mag.simulate(pred) if mag.valid_rows([pred])[0] else np.full(X.size, np.nan)
    fig = Figure(figsize=(8, 6))
    assert plot_example(mag, fig, np.array(true), np.array(pred), data, pred_data,
                        sigma=np.full(X.size, 1.0), title="example") is fig
    ax_section = fig.axes[1]
    assert ax_section.get_ylim()[0] > ax_section.get_ylim()[1] == 0.0   # z down
    fig.savefig(__import__("io").BytesIO(), format="png")


@pytest.mark.parametrize("name", ["magnetic_dike"])
def test_shipped_scenarios_load(name):
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    assert isinstance(scenario.forward, Magnetic)
    assert scenario.config["ood"]["shell"] == 0.5
