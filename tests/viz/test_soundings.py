"""Tests of geoinv.viz.soundings: sounding curves and VES reconstructions."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure

from figure_checks import (AB2, H, RHO, above, close_figures, fake_sounding,  # noqa: F401
                           n_figures, render, texts)
from geoinv import viz
from geoinv.forward import MT1D, VES, Refraction

# --------------------------------------------------------------------------
# plot_sounding
# --------------------------------------------------------------------------

def test_sounding_data_markers_equal_input_on_log_axes():
    rho_a = fake_sounding(RHO, H)
    ax = viz.plot_sounding(AB2, rho_a)
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), AB2)
    np.testing.assert_array_equal(line.get_ydata(), rho_a)
    assert line.get_linestyle() == "None" and line.get_marker() == "o"
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert ax.get_xlabel() == "AB/2 (m)"
    assert ax.get_ylabel() == r"Apparent resistivity $\rho_a$ ($\Omega\cdot$m)"


def test_sounding_model_is_a_line_on_given_axes():
    fig, ax = plt.subplots()
    before = n_figures()
    rho_a = fake_sounding(RHO, H)
    assert viz.plot_sounding(AB2, rho_a, ax=ax, style="model", label="sim") is ax
    assert n_figures() == before
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_ydata(), rho_a)
    assert line.get_linestyle() == "-" and line.get_marker() in ("None", None, "")
    assert line.get_label() == "sim"


def test_sounding_error_bars_span_plus_minus_sigma():
    rho_a = fake_sounding(RHO, H)
    sigma = 0.05 * rho_a
    ax = viz.plot_sounding(AB2, rho_a, sigma=sigma)
    (container,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    data_line, _, (bars,) = container.lines
    np.testing.assert_array_equal(data_line.get_ydata(), rho_a)
    segments = np.array(bars.get_segments())  # (n_data, 2 ends, xy)
    np.testing.assert_allclose(segments[:, 0, 1], rho_a - sigma)
    np.testing.assert_allclose(segments[:, 1, 1], rho_a + sigma)


def test_sounding_rejects_bad_input():
    with pytest.raises(ValueError, match="same|shape"):
        viz.plot_sounding(AB2, np.ones(3))
    with pytest.raises(ValueError, match="style"):
        viz.plot_sounding(AB2, np.ones(AB2.size), style="dots")
    with pytest.raises(ValueError, match="ab2 must be > 0"):
        viz.plot_sounding(np.r_[0.0, AB2[1:]], np.ones(AB2.size))


def test_narrow_log_range_still_gets_two_tick_labels():
    # 90-110 ohm.m holds no power of ten but 100: labels must not vanish or collide.
    rho_a = 100 + 10 * np.sin(np.log(AB2))
    ax = viz.plot_sounding(AB2, rho_a, style="model")
    ax.figure.canvas.draw()
    lo, hi = ax.get_ylim()
    labelled = [t for t, v in zip(ax.yaxis.get_majorticklabels(), ax.yaxis.get_majorticklocs())
                if t.get_text() and lo <= v <= hi]
    assert len(labelled) >= 2
    assert not any(t.get_text() for t in ax.yaxis.get_minorticklabels())


# --------------------------------------------------------------------------
# plot_ves_reconstruction(s)
# --------------------------------------------------------------------------

M_TRUE = np.r_[RHO, H]
M_PRED = np.array([80.0, 14.0, 700.0, 6.0, 30.0])


def test_ves_reconstruction_models_and_soundings():
    obs = fake_sounding(RHO, H)
    sim = fake_sounding(M_PRED[:3], M_PRED[3:])
    fig = viz.plot_ves_reconstruction(AB2, M_TRUE, M_PRED, obs, sim, 3, title="example")
    ax_model, ax_data = fig.axes
    line_true, line_pred = ax_model.lines
    np.testing.assert_array_equal(line_true.get_xdata(), np.repeat(RHO, 2))
    np.testing.assert_array_equal(line_pred.get_xdata(), np.repeat(M_PRED[:3], 2))
    # One depth range for both: 3 x the deeper last interface (36 m), on a log
    # axis from the 1-2-5 step above a third of the shallowest interface (5 m).
    assert line_true.get_ydata()[-1] == line_pred.get_ydata()[-1] == 108.0
    assert ax_model.get_ylim() == (108.0, 1.0)
    assert ax_model.get_yscale() == "log"
    observed, simulated = ax_data.lines
    np.testing.assert_array_equal(observed.get_ydata(), obs)
    np.testing.assert_array_equal(simulated.get_ydata(), sim)
    assert observed.get_linestyle() == "None" and simulated.get_linestyle() == "-"
    assert (ax_data.get_xscale(), ax_data.get_yscale()) == ("log", "log")
    assert fig.get_suptitle() == "example"


def test_ves_reconstruction_field_data_has_only_the_prediction():
    obs = fake_sounding(RHO, H)
    fig = viz.plot_ves_reconstruction(AB2, None, M_PRED, obs, None, 3)
    ax_model, ax_data = fig.axes
    (line,) = ax_model.lines
    assert line.get_label() == "predicted"
    assert len(ax_data.lines) == 1


def test_ves_reconstruction_on_given_axes():
    fig, axes = plt.subplots(1, 2)
    before = n_figures()
    obs = fake_sounding(RHO, H)
    out = viz.plot_ves_reconstruction(AB2, M_TRUE, M_PRED, obs, obs, 3, axes=axes)
    assert out is fig
    assert n_figures() == before
    assert len(axes[0].lines) == 2 and len(axes[1].lines) == 2


def test_ves_reconstruction_rejects_wrong_model_length():
    with pytest.raises(ValueError, match=r"model_pred must have shape \(5,\)"):
        viz.plot_ves_reconstruction(AB2, M_TRUE, M_PRED[:4], AB2, None, 3)


def test_ves_reconstructions_one_row_per_example():
    models_true = np.array([M_TRUE, [30, 300, 5, 2, 40], [500, 2, 5000, 15, 8]], dtype=float)
    models_pred = models_true * 1.2
    obs = np.array([fake_sounding(m[:3], m[3:]) for m in models_true])
    sim = np.array([fake_sounding(m[:3], m[3:]) for m in models_pred])
    titles = ["ID #1", "ID #2", "OOD #1"]
    before = n_figures()
    fig = viz.plot_ves_reconstructions(AB2, models_true, models_pred, obs, sim, 3,
                                      titles=titles, sigma=0.05 * obs)
    assert n_figures() == before + 1
    assert len(fig.axes) == 6
    assert [sub.get_suptitle() for sub in fig.subfigs] == titles
    for i, sub in enumerate(fig.subfigs):
        ax_model, ax_data = sub.axes
        np.testing.assert_array_equal(ax_model.lines[0].get_xdata(),
                                      np.repeat(models_true[i, :3], 2))
        np.testing.assert_array_equal(ax_data.lines[-1].get_ydata(), sim[i])
        assert (ax_model.get_legend() is not None) == (i == 0)


# --------------------------------------------------------------------------
# refraction and MT examples
# --------------------------------------------------------------------------

def test_refraction_example_draws_velocity_steps_on_one_depth_range():
    refraction = Refraction(np.linspace(5.0, 235.0, 24), 3)
    true = np.array([500.0, 1500.0, 3500.0, 6.0, 12.0])
    pred = np.array([520.0, 1400.0, 3600.0, 6.5, 11.0])
    fig = viz.plot_refraction_example(refraction, plt.figure(), true, pred,
                                      refraction.simulate(true), refraction.simulate(pred))
    ax_t, ax_v = fig.axes
    steps = [line for line in ax_v.lines if line.get_label() in ("true", "predicted")]
    depth_max = 1.5 * 18.0                                  # the deeper model: 6 + 12 m
    for line, model in zip(steps, (true, pred), strict=True):
        np.testing.assert_array_equal(line.get_xydata(),
                                      np.column_stack(viz.layer_steps(model[:3], model[3:],
                                                                      depth_max)))
    assert ax_v.get_ylim() == (depth_max, 0.0)
    # 3 dotted branches of the predicted model, each t = x / v_k + tau_k (ms)
    branches = [line for line in ax_t.lines if line.get_linestyle() == ":"]
    assert len(branches) == 3
    x = branches[0].get_xdata()
    np.testing.assert_allclose(branches[0].get_ydata(), 1e3 * x / 520.0)


def test_mt_example_shares_the_layered_depth_range():
    from geoinv.forward import MT1D

    mt = MT1D(np.geomspace(1e-3, 1e3, 10), 2)
    true, pred = np.array([100.0, 10.0, 400.0]), np.array([90.0, 12.0, 600.0])
    fig = viz.plot_mt_example(mt, Figure(), true, pred, mt.simulate(true), mt.simulate(pred))
    ax_model = fig.axes[0]
    # log depth from 100 m (a third of 400 m, rounded down) to 3 x 600 m
    assert ax_model.get_ylim() == (3.0 * 600.0, 100.0)
    assert ax_model.get_yscale() == "log"
    assert [line.get_ydata()[-1] for line in ax_model.lines] == [1800.0, 1800.0]


# --------------------------------------------------------------------------
# network and network -> LM together; what the figures must not hide
# --------------------------------------------------------------------------

def test_ves_example_draws_network_and_refined_models_and_responses():
    ves = VES(AB2, 3)
    true = np.r_[RHO, [0.5, 20.0]]                       # a 0.5 m top layer
    models = {"network": true * 1.3, "network_lm": true * 1.02}
    data = {k: ves.simulate(m) for k, m in models.items()}
    obs = ves.simulate(true)
    members = true * 10 ** (0.05 * np.random.default_rng(0).standard_normal((4, 5)))
    fig = viz.plot_example(ves, Figure(figsize=(9, 3.6)), true, models, obs, data,
                           sigma=0.02 * obs, title="ID #3", bands={"ensemble": members})
    ax_model, ax_data = fig.axes
    labels = [line.get_label() for line in ax_model.lines]
    assert labels == ["true", "network", "network -> LM"]
    assert ax_model.get_yscale() == "log" and ax_model.get_ylim()[1] <= 0.5 / 3
    # every half-space reaches the common bottom
    assert len({line.get_ydata()[-1] for line in ax_model.lines}) == 1
    assert [c for c in ax_model.collections if c.get_gid() == "model_band"]
    responses = {line.get_label(): line for line in ax_data.lines if line.get_label()
                 .startswith("response")}
    np.testing.assert_allclose(responses["response of network -> LM"].get_ydata(),
                               data["network_lm"])
    assert set(responses) == {"response of network", "response of network -> LM"}
    render(fig)
    for ax in (ax_model, ax_data):                     # legends above, never over the data
        assert ax.get_legend() is not None and above(ax.get_legend(), ax)
    assert not any("nan" in t.lower() for t in texts(fig))


def test_mt_phase_axis_covers_noisy_data_beyond_0_90_and_depths_have_no_offset():
    mt = MT1D(np.geomspace(1e-3, 1e3, 12), 3)
    true = np.array([100.0, 5.0, 1000.0, 3000.0, 15000.0])       # deep: tens of km
    obs = mt.simulate(true)
    obs[12], obs[-1] = -8.0, 97.0                                  # noisy phases
    sigma = np.r_[0.05 * obs[:12], np.full(12, 4.0)]
    fig = viz.plot_mt_example(mt, Figure(figsize=(9, 4)), true, {"network": true * 1.2},
                              obs, {"network": mt.simulate(true * 1.2)}, sigma=sigma)
    ax_model, ax_rho, ax_phase = fig.axes
    low, high = ax_phase.get_ylim()
    assert low <= -8.0 - 4.0 and high >= 97.0 + 4.0               # data and error bars shown
    assert ax_phase.get_yscale() == "linear" and ax_phase.get_xscale() == "log"
    assert viz.phase_limits([10.0, 80.0]) == (0.0, 90.0)
    render(fig)
    assert ax_model.get_yscale() == "log"
    assert ax_model.yaxis.get_offset_text().get_text() == ""       # no "1e6" factor
    assert "$" in ax_rho.get_ylabel() and "$" in ax_phase.get_ylabel()


def test_unphysical_model_is_noted_not_drawn():
    ves = VES(AB2, 3)
    true = np.r_[RHO, H]
    bad = np.r_[RHO, [-1.0, 20.0]]
    fig = viz.plot_example(ves, Figure(), true, {"network": bad, "network_lm": true},
                           ves.simulate(true), {"network": np.full(AB2.size, np.nan),
                                                "network_lm": ves.simulate(true)})
    ax_model, ax_data = fig.axes
    assert [line.get_label() for line in ax_model.lines] == ["true", "network -> LM"]
    assert [t.get_text() for t in ax_model.texts] == ["network: unphysical model"]
    assert "response of network" not in [line.get_label() for line in ax_data.lines]


def test_refraction_keeps_a_linear_depth_and_draws_both_models():
    refraction = Refraction(np.linspace(5.0, 235.0, 24), 3)
    true = np.array([500.0, 1500.0, 3500.0, 6.0, 12.0])
    models = {"network": true * 1.1, "network_lm": true * 1.01}
    fig = viz.plot_refraction_example(refraction, Figure(), true, models,
                                      refraction.simulate(true),
                                      {k: refraction.simulate(m) for k, m in models.items()})
    ax_t, ax_v = fig.axes
    assert ax_v.get_yscale() == "linear" and ax_v.get_ylim()[1] == 0.0
    assert [line.get_label() for line in ax_v.lines] == ["true", "network", "network -> LM"]
    branches = [line for line in ax_t.lines if line.get_linestyle() == ":"]
    assert len(branches) == 3 and branches[0].get_label() == "branches (network -> LM)"
