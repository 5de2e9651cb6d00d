"""Tests of geoinv.forward.gravity: g_z of a sphere, a cylinder and a prism.

References, each independent of the code under test:
- the point mass G M z / r**3 and the line mass 2 G lambda z / r**2, written
  out below with their own constants;
- the Bouguer slab 2 pi G drho t (a prism widened without limit);
- numerical volume integrals of G drho z / r**3 (Gauss-Legendre, scipy);
- symmetry, sign and the far field of a body of equal mass.
"""

import doctest
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy import integrate

import geoinv.forward.gravity as gravity_module
from geoinv.forward import FORWARD_MODELS, Gravity, make_forward
from geoinv.forward.gravity import cylinder_gz, prism_gz, sphere_gz
from geoinv.viz import plot_example
from geoinv.workflow.scenario import load_scenario

matplotlib.use("Agg")

BIG_G = 6.67430e-11          # m^3 / (kg s^2), CODATA 2018
MGAL = 1e5                   # mGal per m/s^2
SCENARIOS = Path(__file__).parents[2] / "scenarios"
X = np.linspace(-200.0, 200.0, 41)


def relative_error(got, expected):
    return np.max(np.abs(np.asarray(got) / np.asarray(expected) - 1.0))


def point_mass(x, x0, depth, mass):
    """g_z (mGal) of a point mass at (x0, depth), z down."""
    r2 = (x - x0) ** 2 + depth**2
    return BIG_G * mass * depth / r2**1.5 * MGAL


# ---------------------------------------------------------------------------
# Labels, settings, registry
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("body, kwargs, names, units", [
    ("sphere", {}, ["x0", "depth", "radius", "drho"], ["m", "m", "m", "kg/m^3"]),
    ("cylinder", {}, ["x0", "depth", "radius", "drho"], ["m", "m", "m", "kg/m^3"]),
    ("prism", {"length": 100.0}, ["x0", "width", "top", "bottom", "drho"],
     ["m", "m", "m", "m", "kg/m^3"]),
])
def test_labels_units_and_kind(body, kwargs, names, units):
    grav = Gravity([-10.0, 0.0, 12.5], body=body, **kwargs)
    assert grav.kind == "gravity" and FORWARD_MODELS["gravity"] is Gravity
    assert grav.parameter_names == names and grav.parameter_units == units
    assert grav.data_names == ["g_z@x=-10m", "g_z@x=0m", "g_z@x=12.5m"]
    assert grav.data_units == ["mGal"] * 3
    assert grav.data_log is False
    assert grav.data_bounds(np.zeros(len(names)), np.ones(len(names))) is None
    # position and density contrast may be negative, lengths may not
    assert list(grav.positive) == [n not in ("x0", "drho") for n in names]


@pytest.mark.parametrize("body, kwargs, model", [
    ("sphere", {}, [3.0, 40.0, 10.0, 500.0]),
    ("cylinder", {}, [3.0, 40.0, 10.0, -300.0]),
    ("prism", {"length": 80.0}, [3.0, 30.0, 5.0, 25.0, 400.0]),
])
def test_settings_rebuild_the_same_model(body, kwargs, model):
    grav = Gravity(X, body=body, **kwargs)
    again = make_forward("gravity", **grav.settings())
    np.testing.assert_array_equal(again.simulate(model), grav.simulate(model))
    assert again.data_names == grav.data_names
    assert "Gravity(" in repr(grav) and body in repr(grav)


def test_stations_are_copied_and_read_only():
    x = np.array([0.0, 10.0])
    grav = Gravity(x)
    x[0] = 5.0
    assert grav.x[0] == 0.0
    with pytest.raises(ValueError):
        grav.x[0] = 1.0


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, field", [
    ({"x": [0.0, np.nan]}, "x"),
    ({"x": [0.0, np.inf, 3.0]}, "x"),
    ({"x": []}, "x"),
    ({"x": [[0.0, 1.0]]}, "x"),
    ({"x": [1.0, 1.0]}, "duplicate"),
    ({"x": [0.0], "body": "cube"}, "body"),
    ({"x": [0.0], "body": 3}, "body"),
    ({"x": [0.0], "body": "prism"}, "length"),
    ({"x": [0.0], "body": "prism", "length": 0.0}, "length"),
    ({"x": [0.0], "body": "prism", "length": np.inf}, "length"),
    ({"x": [0.0], "body": "prism", "length": True}, "length"),
    ({"x": [0.0], "body": "sphere", "length": 10.0}, "length"),
])
def test_bad_geometry_names_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        Gravity(**kwargs)


def test_bad_station_message_names_the_indices():
    with pytest.raises(ValueError, match=r"index 1, 3"):
        Gravity([0.0, np.nan, 2.0, -np.inf])


@pytest.mark.parametrize("body, kwargs, models, message", [
    ("sphere", {}, [[0, 20, 5, 100], [0, np.nan, 5, 100], [0, 20, 5, np.inf]],
     r"rows 1, 2 hold NaN"),
    ("sphere", {}, [[0, 20, 5, 100], [0, -20, 5, 100], [0, 20, 0, 100]],
     r"rows 1, 2 have non-positive values; depth, radius must be > 0"),
    ("sphere", {}, [[0, 20, 5, 100], [0, 20, 20, 100], [0, 20, 30, -100]],
     r"rows 1, 2 have a sphere reaching above the surface \(radius >= depth\)"),
    ("cylinder", {}, [[0, 20, 5, 100], [0, 10, 10, 100]],
     r"rows 1 have a cylinder reaching above the surface \(radius >= depth\)"),
    ("prism", {"length": 50.0}, [[0, 10, 5, 20, 1], [0, 10, 0, 20, 1], [0, -1, 5, 20, 1]],
     r"rows 1, 2 have non-positive values; width, top, bottom must be > 0"),
    ("prism", {"length": 50.0}, [[0, 10, 5, 20, 1], [0, 10, 20, 20, 1], [0, 10, 30, 20, 1]],
     r"rows 1, 2 have a prism whose bottom is not below its top \(bottom <= top\)"),
])
def test_bad_models_name_the_rows(body, kwargs, models, message):
    grav = Gravity(X, body=body, **kwargs)
    with pytest.raises(ValueError, match=message):
        grav.simulate(models)
    ok = grav.valid_rows(models)
    assert ok[0] and not ok[1:].any()


def test_wrong_model_width_is_refused():
    with pytest.raises(ValueError, match=r"columns \[x0, depth, radius, drho\]"):
        Gravity(X).simulate([[0.0, 20.0, 5.0]])


def test_negative_positions_and_contrasts_are_accepted():
    g = Gravity(X).simulate([[-50.0, 20.0, 5.0, -300.0]])
    assert (g < 0).all()


@pytest.mark.parametrize("function, args, message", [
    (sphere_gz, (0.0, [20.0, 10.0], [5.0, 10.0], 1.0), "rows 1 have a sphere"),
    (cylinder_gz, (0.0, 20.0, [5.0, -1.0], 1.0), "radius must be > 0; rows 1"),
    (prism_gz, (0.0, 10.0, [5.0, 5.0], [10.0, 4.0], 1.0, 50.0), "rows 1 have a prism"),
    (sphere_gz, ([0.0, np.nan], 20.0, 5.0, 1.0), "x0 holds NaN or infinite values in rows 1"),
    (sphere_gz, ([0.0, 1.0], [20.0, 10.0, 5.0], 5.0, 1.0), "broadcast"),
])
def test_functions_check_their_parameters(function, args, message):
    with pytest.raises(ValueError, match=message):
        function(X, *args)


# ---------------------------------------------------------------------------
# Batches
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("body, kwargs, low, high", [
    ("sphere", {}, [-50, 20, 1, -500], [50, 100, 19, 1000]),
    ("cylinder", {}, [-50, 20, 1, -500], [50, 100, 19, 1000]),
    ("prism", {"length": 120.0}, [-50, 5, 1, 40, -500], [50, 80, 30, 90, 1000]),
])
def test_batch_equals_row_by_row(body, kwargs, low, high):
    grav = Gravity(X, body=body, **kwargs)
    models = np.random.default_rng(3).uniform(low, high, size=(25, len(low)))
    batch = grav.simulate(models)
    assert batch.shape == (25, X.size) and batch.dtype == np.float64
    rows = np.array([grav.simulate(m) for m in models])
    # the same operations on the same numbers: identical, not just close
    np.testing.assert_array_equal(batch, rows)
    assert grav.simulate(models[0]).shape == (X.size,)


# ---------------------------------------------------------------------------
# Physics
# ---------------------------------------------------------------------------

def test_sphere_is_a_point_mass_outside():
    # stations from right above (0.5 radius from the sphere's top) to far away
    x = np.concatenate([np.linspace(-300, 300, 61), [1e4, -1e5]])
    x0, depth, radius, drho = 7.0, 30.0, 20.0, 650.0
    mass = 4.0 / 3.0 * np.pi * radius**3 * drho
    # shell theorem: exact, so only rounding (a few ulps) separates the two
    assert relative_error(sphere_gz(x, x0, depth, radius, drho),
                          point_mass(x, x0, depth, mass)) < 1e-12


def test_sphere_equals_its_volume_integral():
    # Gauss-Legendre in (r, cos theta) and the trapezoid rule in phi over the
    # ball: the integrand is smooth inside (stations outside), so 24 x 24 x 48
    # points converge to rounding (~1e-14); 1e-11 leaves room for the sum.
    x0, depth, radius, drho = 5.0, 25.0, 15.0, 800.0
    x = np.linspace(-100, 100, 9)
    ur, wr = np.polynomial.legendre.leggauss(24)
    r, wr = radius * (ur + 1) / 2, wr * radius / 2
    c, wc = np.polynomial.legendre.leggauss(24)
    phi = np.arange(48) * 2 * np.pi / 48
    rr, cc, pp = np.meshgrid(r, c, phi, indexing="ij")
    weight = np.broadcast_to((wr * r**2)[:, None, None] * wc[None, :, None] * (2 * np.pi / 48),
                             rr.shape).ravel()
    s = np.sqrt(1 - cc**2)
    px, py, pz = (x0 + rr * s * np.cos(pp)).ravel(), (rr * s * np.sin(pp)).ravel(), \
        (depth + rr * cc).ravel()
    dist = np.sqrt((px - x[:, None]) ** 2 + py**2 + pz**2)
    numeric = BIG_G * drho * MGAL * np.sum(weight * pz / dist**3, axis=1)
    assert relative_error(sphere_gz(x, x0, depth, radius, drho), numeric) < 1e-11


def test_cylinder_is_a_line_mass_outside():
    x = np.concatenate([np.linspace(-300, 300, 61), [1e5]])
    x0, depth, radius, drho = -12.0, 40.0, 25.0, -420.0
    line_density = np.pi * radius**2 * drho
    expected = 2 * BIG_G * line_density * depth / ((x - x0) ** 2 + depth**2) * MGAL
    # exact (a disc attracts like its centre in 2D): rounding only
    assert relative_error(cylinder_gz(x, x0, depth, radius, drho), expected) < 1e-12


def test_cylinder_equals_its_cross_section_integral():
    # 2D attraction 2 G drho z / r^2 integrated over the disc by Gauss-Legendre
    # in r and the trapezoid rule in angle (spectrally accurate for this
    # periodic, smooth integrand): rounding-level agreement.
    x0, depth, radius, drho = 0.0, 30.0, 20.0, 300.0
    x = np.linspace(-80, 80, 9)
    ur, wr = np.polynomial.legendre.leggauss(30)
    r, wr = radius * (ur + 1) / 2, wr * radius / 2
    theta = np.arange(64) * 2 * np.pi / 64
    rr, tt = np.meshgrid(r, theta, indexing="ij")
    weight = np.broadcast_to((wr * r)[:, None] * (2 * np.pi / 64), rr.shape).ravel()
    px, pz = (x0 + rr * np.cos(tt)).ravel(), (depth + rr * np.sin(tt)).ravel()
    numeric = 2 * BIG_G * drho * MGAL * np.sum(
        weight * pz / ((px - x[:, None]) ** 2 + pz**2), axis=1)
    assert relative_error(cylinder_gz(x, x0, depth, radius, drho), numeric) < 1e-11


def test_prism_equals_its_volume_integral():
    # scipy's adaptive cubature, asked for 1e-12 relative: the closed form
    # (Nagy/Plouff) must agree to that, whatever the station's side.
    x = np.array([-40.0, -8.0, 0.0, 3.0, 17.0, 60.0])
    x0, width, top, bottom, drho, length = 2.0, 20.0, 5.0, 25.0, 500.0, 30.0
    numeric = [
        integrate.tplquad(lambda z, y, u, xi=xi: z / ((u - xi) ** 2 + y * y + z * z) ** 1.5,
                          x0 - width / 2, x0 + width / 2, -length / 2, length / 2, top, bottom,
                          epsabs=0, epsrel=1e-12)[0] * BIG_G * drho * MGAL
        for xi in x
    ]
    assert relative_error(prism_gz(x, x0, width, top, bottom, drho, length), numeric) < 1e-9


def test_wide_prism_converges_to_the_bouguer_slab():
    top, bottom, drho = 10.0, 30.0, 750.0
    slab = 2 * np.pi * BIG_G * drho * (bottom - top) * MGAL
    errors = []
    for half in (1e4, 2e4, 1e6):
        g = prism_gz(X, 0.0, 2 * half, top, bottom, drho, length=2 * half)
        error = np.max(np.abs(g / slab - 1))
        # A square of half side a seen from depth z misses a solid angle of
        # about 4 sqrt(2) z / a of the slab's 2 pi: relative deficit ~ 0.9 z / a
        # (z at the mid-depth, 20 m, stations 200 m off-centre change it little).
        assert error < (bottom + top) / 2 / half
        errors.append(error)
    # the deficit is first order in z / a: doubling a halves it
    assert 0.45 < errors[1] / errors[0] < 0.55


def test_prism_far_away_looks_like_a_sphere_of_equal_mass():
    # Centre of mass equal, quadrupole not (20 x 40 x 10 m is not a cube): the
    # relative difference falls like (size / distance)**2, i.e. by 4 when the
    # distance doubles; the next term changes the ratio by O((size/distance)**2).
    width, length, thick, drho = 20.0, 40.0, 10.0, 500.0
    radius = (3 * width * length * thick / (4 * np.pi)) ** (1 / 3)
    diffs = []
    for depth in (400.0, 800.0, 1600.0):
        x = np.array([0.0, 0.5 * depth, depth])
        g_prism = prism_gz(x, 0.0, width, depth - thick / 2, depth + thick / 2, drho, length)
        g_sphere = sphere_gz(x, 0.0, depth, radius, drho)
        diffs.append(np.max(np.abs(g_prism / g_sphere - 1)))
    assert diffs[0] < 5e-3
    for near, far in zip(diffs[:-1], diffs[1:]):
        assert 0.22 < far / near < 0.28


@pytest.mark.parametrize("body, kwargs, model", [
    ("sphere", {}, [13.0, 40.0, 10.0, 500.0]),
    ("cylinder", {}, [13.0, 40.0, 10.0, -500.0]),
    ("prism", {"length": 60.0}, [13.0, 30.0, 5.0, 25.0, 400.0]),
])
def test_anomaly_is_symmetric_about_the_body(body, kwargs, model):
    d = np.array([0.5, 3.0, 10.0, 25.0, 80.0, 300.0])
    x = np.concatenate([model[0] - d, model[0] + d])
    g = Gravity(x, body=body, **kwargs).simulate(model)
    # mirror images differ only in rounding of x0 +- d
    np.testing.assert_allclose(g[:d.size], g[d.size:], rtol=1e-12, atol=0)
    # the peak is right above the body and positive for a positive contrast
    assert np.sign(model[-1]) * g[0] == np.max(np.sign(model[-1]) * g)


def test_density_contrast_sign_and_linearity():
    grav = Gravity(X, body="prism", length=50.0)
    g = grav.simulate([[0.0, 30.0, 5.0, 25.0, 400.0], [0.0, 30.0, 5.0, 25.0, -800.0]])
    assert (g[0] > 0).all()
    np.testing.assert_allclose(g[1], -2.0 * g[0], rtol=1e-14)


# ---------------------------------------------------------------------------
# Docs, plots, scenarios
# ---------------------------------------------------------------------------

def test_doctests():
    result = doctest.testmod(gravity_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 4 and result.failed == 0


@pytest.mark.parametrize("body, kwargs, true, pred", [
    ("sphere", {}, [10.0, 50.0, 20.0, 600.0], [-5.0, 40.0, 15.0, 900.0]),
    ("cylinder", {}, [10.0, 50.0, 20.0, 600.0], [-5.0, 40.0, 45.0, 900.0]),  # unphysical
    ("prism", {"length": 200.0}, [10.0, 60.0, 10.0, 40.0, 500.0], [0.0, 50.0, 12.0, 35.0, 600.0]),
])
def test_plot_example_draws_profile_and_section(body, kwargs, true, pred):
    grav = Gravity(X, body=body, **kwargs)
    data = grav.simulate(true)
    pred_data = grav.simulate(pred) if grav.valid_rows([pred])[0] else np.full(X.size, np.nan)
    fig = Figure(figsize=(8, 6))
    out = plot_example(grav, fig, np.array(true), np.array(pred), data, pred_data,
                       sigma=np.full(X.size, 0.005), title="example")
    assert out is fig
    ax_data, ax_section = fig.axes[:2]
    assert ax_section.get_ylim()[0] > ax_section.get_ylim()[1] == 0.0   # z down
    assert ax_data.get_shared_x_axes().joined(ax_data, ax_section)
    fig.savefig(__import__("io").BytesIO(), format="png")
    # field data: no true model
    fig = Figure(figsize=(8, 4))
    plot_example(grav, fig, None, np.array(true), data, data, legend=False)


@pytest.mark.parametrize("name", ["gravity_sphere", "gravity_prism"])
def test_shipped_scenarios_load(name):
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    assert isinstance(scenario.forward, Gravity)
    assert scenario.config["ood"]["shell"] == 0.5
