"""Tests of geoinv.forward.mt: magnetotelluric sounding over a layered earth.

References, each independent of the code under test:
- homogeneous earths (rho_a = rho, phase = 45 degrees exactly);
- two-layer limits, with tolerances from the skin depth;
- the propagator (transfer) matrices of the layers, multiplied out below;
- direct integration of d2E/dz2 = i omega mu_0 sigma E (scipy solve_ivp);
- the field sounding 16-A_KN2 (Coompana, South Australia; espresso), which a
  smooth layered model fits only with our phase convention.
"""

import doctest
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy.integrate import solve_ivp
from scipy.optimize import least_squares

import geoinv.forward.mt as mt_module
from geoinv.forward import FORWARD_MODELS, MT1D, make_forward
from geoinv.forward.mt import MU_0, apparent_resistivity_phase, impedance
from geoinv.viz import plot_example

matplotlib.use("Agg")

DATA = Path(__file__).parents[1] / "data"
PERIODS = np.geomspace(1e-3, 1e3, 13)


def relative_error(got, expected):
    return np.max(np.abs(np.asarray(got) / np.asarray(expected) - 1.0))


def skin_depth(rho, period):
    """delta = sqrt(2 rho / (omega mu_0)) (m)."""
    return np.sqrt(2.0 * rho / (2.0 * np.pi / period * MU_0))


# ---------------------------------------------------------------------------
# Independent impedances
# ---------------------------------------------------------------------------

def propagator_impedance(periods, rho, thickness):
    """Z = E/H at the surface by multiplying 2x2 layer propagators, one model.

    In layer j, E = A e^{-k z} + B e^{k z} and H = (A e^{-k z} - B e^{k z}) / z_j
    (Faraday, e^{+i omega t}: H = -dE/dz / (i omega mu_0)), so
    [E, H] at the top = [[cosh kh, z_j sinh kh], [sinh kh / z_j, cosh kh]] [E, H]
    at the bottom; below the last interface [E, H] = [z_N, 1].
    """
    out = []
    for period in periods:
        iwm = 1j * 2 * np.pi / period * MU_0
        field = np.array([np.sqrt(iwm * rho[-1]), 1.0])
        for j in range(len(rho) - 2, -1, -1):
            k, z = np.sqrt(iwm / rho[j]), np.sqrt(iwm * rho[j])
            kh = k * thickness[j]
            field = np.array([[np.cosh(kh), z * np.sinh(kh)],
                              [np.sinh(kh) / z, np.cosh(kh)]]) @ field
        out.append(field[0] / field[1])
    return np.array(out)


def ode_impedance(period, rho, thickness):
    """Z = -i omega mu_0 E / (dE/dz) at z = 0, integrating the field equation upward.

    Start at the top of the half-space with its decaying solution (E = 1,
    dE/dz = -k_N E) and integrate d2E/dz2 = i omega mu_0 E / rho_j layer by
    layer up to the surface (E and dE/dz are continuous: mu = mu_0).
    """
    iwm = 1j * 2 * np.pi / period * MU_0
    state = np.array([1.0, -np.sqrt(iwm / rho[-1])], dtype=complex)
    depths = np.concatenate([[0.0], np.cumsum(thickness)])
    for j in range(len(rho) - 2, -1, -1):
        k2 = iwm / rho[j]
        sol = solve_ivp(lambda z, y: [y[1], k2 * y[0]], (depths[j + 1], depths[j]), state,
                        method="DOP853", rtol=1e-13, atol=1e-30)
        state = sol.y[:, -1] / abs(sol.y[0, -1])      # renormalise: only E/E' matters
    return -iwm * state[0] / state[1]


# ---------------------------------------------------------------------------
# Labels, settings, registry
# ---------------------------------------------------------------------------

def test_labels_units_groups_and_kind():
    mt = MT1D([0.01, 1.0, 100.0], 3)
    assert mt.kind == "mt" and FORWARD_MODELS["mt"] is MT1D
    assert mt.parameter_names == ["rho_1", "rho_2", "rho_3", "h_1", "h_2"]
    assert mt.parameter_units == ["ohm.m"] * 3 + ["m"] * 2
    assert mt.data_names == ["rho_a@T=0.01s", "rho_a@T=1s", "rho_a@T=100s",
                             "phase@T=0.01s", "phase@T=1s", "phase@T=100s"]
    assert mt.data_units == ["ohm.m"] * 3 + ["deg"] * 3
    assert mt.data_log_mask.tolist() == [True] * 3 + [False] * 3
    assert {g: c.tolist() for g, c in mt.data_groups.items()} == {"rho_a": [0, 1, 2],
                                                                "phase": [3, 4, 5]}
    assert mt.n_params == 5 and mt.n_data == 6


def test_labels_stay_short_for_log_spaced_periods():
    mt = MT1D(np.geomspace(1e-3, 1e3, 30), 2)
    assert mt.data_names[2] == "rho_a@T=0.002593s"
    assert len(set(mt.data_names)) == 60


def test_settings_rebuild_the_same_model():
    mt = MT1D(PERIODS, 3)
    again = make_forward("mt", **mt.settings())
    models = [[50.0, 5.0, 500.0, 200.0, 400.0]]
    np.testing.assert_array_equal(again.simulate(models), mt.simulate(models))
    assert again.data_names == mt.data_names
    assert repr(mt) == "MT1D(n_layers=3)"


def test_periods_are_read_only_and_copied():
    periods = np.array([1.0, 10.0])
    mt = MT1D(periods, 2)
    periods[0] = 5.0                    # the caller's array is not the model's
    assert mt.periods[0] == 1.0
    with pytest.raises(ValueError):
        mt.periods[0] = 2.0


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, field", [
    ({"periods": [1.0, 0.0]}, "periods"),
    ({"periods": [1.0, -2.0]}, "periods"),
    ({"periods": [1.0, np.nan]}, "periods"),
    ({"periods": [1.0, np.inf]}, "periods"),
    ({"periods": []}, "periods"),
    ({"periods": [[1.0, 2.0]]}, "periods"),
    ({"periods": [1.0, 1.0]}, "periods holds duplicate"),
    ({"n_layers": 0}, "n_layers"),
    ({"n_layers": -1}, "n_layers"),
    ({"n_layers": 2.5}, "n_layers"),
    ({"n_layers": True}, "n_layers"),
])
def test_constructor_rejects_bad_geometry_naming_the_field(kwargs, field):
    arguments = {"periods": [0.1, 10.0], "n_layers": 2, **kwargs}
    with pytest.raises(ValueError, match=field):
        MT1D(**arguments)


def test_bad_period_error_names_the_index():
    with pytest.raises(ValueError, match="index 1, 3"):
        MT1D([1.0, -1.0, 2.0, 0.0], 2)


def test_models_with_bad_values_raise_naming_the_rows():
    mt = MT1D([0.1, 10.0], 2)
    good = [10.0, 100.0, 50.0]
    with pytest.raises(ValueError, match="rows 1, 3"):
        mt.simulate([good, [10.0, np.nan, 5.0], good, [np.inf, 1.0, 1.0]])
    with pytest.raises(ValueError, match="rows 0, 2.*rho_1, rho_2, h_1 must be > 0"):
        mt.simulate([[0.0, 100.0, 5.0], good, [10.0, 100.0, -5.0]])
    with pytest.raises(ValueError, match=r"\(n_samples, 3\)"):
        mt.simulate([[10.0, 100.0]])


def test_plain_functions_validate_their_inputs():
    with pytest.raises(ValueError, match="periods"):
        impedance([1.0, -1.0], [10.0, 100.0], [5.0])
    with pytest.raises(ValueError, match="thickness"):
        impedance([1.0], [10.0, 100.0], [5.0, 5.0])
    with pytest.raises(ValueError, match="bad rows 1"):
        apparent_resistivity_phase([1.0], [[10.0, 100.0], [10.0, 0.0]], [[5.0], [5.0]])


# ---------------------------------------------------------------------------
# Homogeneous earths
# ---------------------------------------------------------------------------

def test_homogeneous_earth_gives_its_resistivity_and_45_degrees():
    periods = np.geomspace(1e-5, 1e5, 31)
    # one layer: u = 0 exactly, so only the rounding of |1 + u|^2 / |1 - u|^2 remains
    for rho in (0.01, 1.0, 37.0, 1e4):
        data = MT1D(periods, 1).simulate([rho])
        assert relative_error(data[:31], rho) < 1e-12      # 1e-12: the bar
        assert np.max(np.abs(data[31:] - 45.0)) < 1e-12    # degrees
    # four equal layers: every reflection coefficient is 0, so the same holds
    models = [[37.0] * 4 + [0.3, 7.0, 1200.0], [5e3] * 4 + [1e-3, 1e5, 1.0]]
    data = MT1D(periods, 4).simulate(models)
    assert relative_error(data[:, :31], [[37.0], [5e3]]) < 1e-12
    assert np.max(np.abs(data[:, 31:] - 45.0)) < 1e-12


def test_half_space_impedance_is_sqrt_i_omega_mu_rho():
    rho = 250.0
    z = impedance(PERIODS, [rho], [])
    expected = np.sqrt(1j * 2 * np.pi / PERIODS * MU_0 * rho)   # principal root: 45 deg
    assert relative_error(z, expected) < 1e-12                 # rounding only


# ---------------------------------------------------------------------------
# Two-layer limits
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("rho_2", [0.01, 0.1, 10.0, 100.0])
def test_two_layer_tends_to_the_top_layer_at_short_periods(rho_2):
    rho_1, h = 1.0, 500.0
    # periods with h >= 10 skin depths of the top layer
    periods = np.geomspace(1e-6, 1.0, 25)
    periods = periods[h / skin_depth(rho_1, periods) >= 10.0]
    rho_a, phase = apparent_resistivity_phase(periods, [rho_1, rho_2], [h])
    # the basement enters through u = c exp(-(1 + i) 2 h / delta_1), |c| < 1:
    # rho_a / rho_1 - 1 <= ~4 |u| and |phase - 45| <= ~2 |u| rad
    u = np.exp(-2 * h / skin_depth(rho_1, periods))
    assert np.all(np.abs(rho_a / rho_1 - 1) <= 4.1 * u + 1e-14)
    assert np.all(np.abs(np.radians(phase - 45.0)) <= 2.1 * u + 1e-14)


@pytest.mark.parametrize("rho_2", [0.01, 0.1, 10.0, 100.0])
def test_two_layer_tends_to_the_basement_at_long_periods(rho_2):
    rho_1, h = 1.0, 500.0
    periods = np.geomspace(1e8, 1e12, 9)
    rho_a, phase = apparent_resistivity_phase(periods, [rho_1, rho_2], [h])
    # For h << delta_2, Z ~ z_2 (1 + i omega mu_0 h / z_2 - z_2 h / rho_1): the top
    # layer's relative effect on Z is <= sqrt(2) (h / delta_2) (1 + rho_2 / rho_1)
    # to first order, twice that on rho_a; 3 sqrt(2) leaves room for higher orders.
    ratio = h / skin_depth(rho_2, periods)
    assert ratio.max() < 1e-2
    bound = 3 * np.sqrt(2) * ratio * (1 + rho_2 / rho_1)
    assert np.all(np.abs(rho_a / rho_2 - 1) <= bound)
    assert np.all(np.abs(np.radians(phase - 45.0)) <= bound)


@pytest.mark.parametrize("rho_2", [0.001, 0.1, 0.5, 2.0, 10.0, 1000.0])
def test_phase_rises_over_a_conductor_and_falls_over_a_resistor(rho_2):
    rho_1, h = 1.0, 1000.0
    periods = np.geomspace(1e-3, 1e6, 200)
    ratio = h / skin_depth(rho_1, periods)
    # For two layers Im u = -c exp(-b) sin b with b = 2 h / delta_1, so the sign
    # of phase - 45 is that of -c wherever b < pi (h < pi/2 delta_1); beyond,
    # it oscillates with an amplitude exp(-b).  Keep to h / delta_1 in [1e-3, 1.5].
    periods = periods[(ratio <= 1.5) & (ratio >= 1e-3)]
    _, phase = apparent_resistivity_phase(periods, [rho_1, rho_2], [h])
    if rho_2 < rho_1:
        assert np.all(phase > 45.0)
    else:
        assert np.all(phase < 45.0)
    assert np.all((phase > 0.0) & (phase < 90.0))


# ---------------------------------------------------------------------------
# Impedance against independent computations
# ---------------------------------------------------------------------------

def test_impedance_matches_propagator_matrices():
    rng = np.random.default_rng(1)
    periods = np.geomspace(1e-3, 1e3, 17)
    rho = 10 ** rng.uniform(0, 3, (20, 5))
    thickness = 10 ** rng.uniform(1, 3, (20, 4))
    z = impedance(periods, rho, thickness)
    expected = np.array([propagator_impedance(periods, r, h) for r, h in zip(rho, thickness)])
    # |k h| < 35 here, so cosh does not overflow and the products lose nothing:
    # they agree to ~4e-15; 1e-8 is the bar
    assert relative_error(z, expected) < 1e-8


def test_impedance_matches_direct_integration_of_the_field_equation():
    model_rho, model_h = [30.0, 2.0, 400.0, 10.0], [250.0, 80.0, 1200.0]
    periods = np.array([1e-3, 0.05, 1.0, 30.0, 1000.0])
    z = impedance(periods, model_rho, model_h)
    expected = [ode_impedance(t, model_rho, model_h) for t in periods]
    # DOP853 at rtol 1e-13 over at most ~4 skin depths per layer: agree to ~4e-15; bar 1e-8
    assert relative_error(z, expected) < 1e-8


def test_sounding_is_the_impedance_in_rho_a_and_phase():
    rng = np.random.default_rng(4)
    rho = 10 ** rng.uniform(0, 3, (50, 3))
    thickness = 10 ** rng.uniform(1, 4, (50, 2))
    z = impedance(PERIODS, rho, thickness)
    rho_a, phase = apparent_resistivity_phase(PERIODS, rho, thickness)
    # two arrangements of the same arithmetic: rounding only
    assert relative_error(rho_a, np.abs(z) ** 2 / (2 * np.pi / PERIODS * MU_0)) < 1e-12
    assert np.max(np.abs(phase - np.degrees(np.angle(z)))) < 1e-10


def test_thick_conductive_layers_neither_overflow_nor_lose_the_top_layer():
    periods = np.geomspace(1e-4, 1e8, 25)
    models = [[0.1, 1000.0, 1e5], [1e4, 0.01, 1e6], [1.0, 1.0, 1e9]]
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        data = MT1D(periods, 2).simulate(models)
    assert np.isfinite(data).all()
    # 100 km of 0.1 ohm.m: below T = 1 s (delta_1 < 160 m) it is all one sees
    short = periods <= 1.0
    assert relative_error(data[0, :25][short], 0.1) < 1e-12
    assert np.max(np.abs(data[0, 25:][short] - 45.0)) < 1e-12


# ---------------------------------------------------------------------------
# Layer ordering (top-down) and vectorisation
# ---------------------------------------------------------------------------

def test_thin_top_layer_vanishes_at_long_periods():
    # 1 m of 1000 ohm.m over 10 ohm.m
    periods = np.array([1.0, 100.0, 1e4])
    rho_a, phase = apparent_resistivity_phase(periods, [1000.0, 10.0], [1.0])
    ratio = 1.0 / skin_depth(10.0, periods)          # <= 6e-4
    # the top layer's effect, as at long periods above: <= 3 sqrt(2) (h / delta_2)(1 + 0.01)
    assert np.all(np.abs(rho_a / 10.0 - 1) <= 3 * np.sqrt(2) * ratio * 1.01)
    assert np.all(np.abs(np.radians(phase - 45)) <= 3 * np.sqrt(2) * ratio * 1.01)


def test_thickness_columns_follow_the_layers():
    # a vanishing layer drops out: [rho_1, rho_2, rho_3, h_1, h_2] with h_1 -> 0
    # is the two-layer [rho_2, rho_3, h_2]; with h_2 -> 0 it is [rho_1, rho_3, h_1]
    three, two = MT1D(PERIODS, 3), MT1D(PERIODS, 2)
    # a 1e-6 m layer changes Z by ~ (1e-6 m / delta)(1 + contrast) < 1e-7 here
    n = PERIODS.size
    for model_3, model_2 in (([30.0, 300.0, 3.0, 1e-6, 1000.0], [300.0, 3.0, 1000.0]),
                             ([30.0, 300.0, 3.0, 1000.0, 1e-6], [30.0, 3.0, 1000.0])):
        got, expected = three.simulate(model_3), two.simulate(model_2)
        assert relative_error(got[:n], expected[:n]) < 1e-6
        assert np.max(np.abs(got[n:] - expected[n:])) < 1e-5       # degrees
    # and swapping the layers is a different earth
    assert relative_error(two.simulate([300.0, 3.0, 1000.0])[:n],
                          two.simulate([3.0, 300.0, 1000.0])[:n]) > 1


def test_periods_need_not_be_sorted():
    periods = np.array([30.0, 0.01, 300.0, 3.0])
    model = [20.0, 200.0, 5.0, 400.0, 900.0]
    order = np.argsort(periods)
    shuffled = MT1D(periods, 3).simulate(model)
    sorted_ = MT1D(periods[order], 3).simulate(model)
    np.testing.assert_array_equal(shuffled[:4][order], sorted_[:4])
    np.testing.assert_array_equal(shuffled[4:][order], sorted_[4:])


def test_batch_equals_row_by_row_and_threads_do_not_matter(monkeypatch):
    rng = np.random.default_rng(2)
    mt = MT1D(np.geomspace(1e-3, 1e3, 30), 3)
    n = 3 * mt_module._CHUNK + 17                   # several chunks and a ragged end
    models = np.hstack([10 ** rng.uniform(0, 3, (n, 3)), 10 ** rng.uniform(2, 3.7, (n, 2))])
    monkeypatch.setattr(mt_module, "THREADS", 2)
    batch = mt.simulate(models)
    monkeypatch.setattr(mt_module, "THREADS", 1)
    np.testing.assert_array_equal(mt.simulate(models), batch)
    rows = np.array([mt.simulate(m) for m in models[::40]])
    # element-wise arithmetic only: a row alone may take other SIMD/scalar
    # paths of exp and tan (each within an ulp or two), hence not bit-equal
    np.testing.assert_allclose(rows, batch[::40], rtol=1e-13, atol=1e-12)
    assert mt.simulate(models[0]).shape == (60,)
    assert mt.simulate(np.empty((0, 5))).shape == (0, 60)


# ---------------------------------------------------------------------------
# Data bounds
# ---------------------------------------------------------------------------

def test_data_bounds_come_from_the_resistivity_box_and_0_to_90_degrees():
    mt = MT1D(np.geomspace(1e-3, 1e3, 12), 3)
    low = np.array([10.0, 5.0, 20.0, 100.0, 200.0])
    high = np.array([100.0, 400.0, 200.0, 1000.0, 2000.0])
    data_low, data_high = mt.data_bounds(low, high)
    np.testing.assert_array_equal(data_low, [5.0] * 12 + [0.0] * 12)
    np.testing.assert_array_equal(data_high, [400.0] * 12 + [90.0] * 12)
    rng = np.random.default_rng(3)
    models = low * (high / low) ** rng.uniform(size=(2000, 5))
    data = mt.simulate(models)
    # "approximately" for rho_a: MT curves overshoot the layer resistivities
    # (by up to ~28 % for contrasts of 1000); 0.15 decade covers it
    assert data[:, :12].min() >= 10**-0.15 * 5.0 and data[:, :12].max() <= 10**0.15 * 400.0
    # a layered earth's phase lies strictly inside (0, 90) degrees
    assert data[:, 12:].min() > 0.0 and data[:, 12:].max() < 90.0
    with pytest.raises(ValueError, match="shape"):
        mt.data_bounds(low[:3], high[:3])


# ---------------------------------------------------------------------------
# Field data: espresso's Coompana sounding 16-A_KN2
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def coompana():
    freq, rho, err_rho, phase, err_phase = np.loadtxt(
        DATA / "espresso_coompana_mt_16-A_KN2" / "16-A_KN2.dat", skiprows=1).T
    return 1.0 / freq, rho, err_rho, phase, err_phase


def test_field_sounding_parses_and_its_phases_lie_in_the_first_quadrant(coompana):
    periods, rho, err_rho, phase, err_phase = coompana
    assert periods.size == 85 and np.all(np.diff(periods) > 0)     # SOURCE.txt
    assert np.all(rho > 0) and np.all(err_rho > 0) and np.all(err_phase > 0)
    assert np.all((phase > 0) & (phase < 90))
    MT1D(periods, 3)                                  # periods are valid geometry


def test_field_sounding_is_fitted_only_with_our_phase_convention(coompana):
    periods, rho, err_rho, phase, err_phase = coompana
    # 5 % error floor on rho_a (~1.4 degrees on the phase), as field MT usually gets
    sigma_log = np.maximum(err_rho / rho, 0.05)
    sigma_phase = np.maximum(err_phase, np.degrees(0.025))
    thickness = np.geomspace(20.0, 5000.0, 9)         # fixed, 10 layers

    def rms_of_best_fit(observed_phase):
        def residuals(log_rho):
            rho_a, phi = apparent_resistivity_phase(periods, 10**log_rho, thickness)
            return np.concatenate([np.log(rho_a / rho) / sigma_log,
                                   (phi - observed_phase) / sigma_phase])
        fits = [least_squares(residuals, np.full(10, x0), bounds=(-2, 6)) for x0 in (1, 2, 3)]
        return min(np.sqrt(np.mean(residuals(f.x) ** 2)) for f in fits)

    # A smooth layered earth explains the sounding nearly to the error floor
    # (RMS ~1.4; real data carry some non-1D noise, hence 2) ...
    assert rms_of_best_fit(phase) < 2.0
    # ... but not when the phase is read in the other common convention,
    # 90 - phase (RMS ~16), so rho_a and phase are tied together as we say.
    assert rms_of_best_fit(90.0 - phase) > 5.0


# ---------------------------------------------------------------------------
# Plot and docs
# ---------------------------------------------------------------------------

def test_plot_example_draws_model_and_both_curves():
    mt = MT1D(np.geomspace(1e-3, 1e3, 20), 3)
    true = np.array([100.0, 5.0, 1000.0, 300.0, 1500.0])
    pred = np.array([90.0, 8.0, 700.0, 350.0, 1200.0])
    obs, sim = mt.simulate(true), mt.simulate(pred)
    sigma = np.concatenate([0.05 * obs[:20], np.full(20, 1.5)])
    fig = Figure(figsize=(9, 3.5), layout="constrained")
    out = plot_example(mt, fig, true, pred, obs, sim, sigma=sigma, title="example")
    assert out is fig
    ax_model, ax_rho, ax_phase = fig.axes
    assert ax_rho.get_xscale() == ax_rho.get_yscale() == "log"
    assert ax_phase.get_xscale() == "log" and ax_phase.get_ylim() == (0.0, 90.0)
    # the predicted response is drawn as lines holding its data
    line_rho = [ln for ln in ax_rho.lines if ln.get_label() == "response of predicted model"]
    np.testing.assert_allclose(line_rho[0].get_ydata(), sim[:20])
    line_phase = [ln for ln in ax_phase.lines if ln.get_label() == "response of predicted model"]
    np.testing.assert_allclose(line_phase[0].get_ydata(), sim[20:])
    assert len(ax_model.lines) == 2                  # true and predicted models
    # field data: no true model
    fig = Figure()
    plot_example(mt, fig, None, pred, obs, sim)
    assert len(fig.axes[0].lines) == 1


def test_docstring_examples_run():
    result = doctest.testmod(mt_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 5 and result.failed == 0
