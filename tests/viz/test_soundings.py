"""Tests of geoinv.viz.soundings: sounding curves and VES reconstructions."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure

from figure_checks import AB2, H, RHO, close_figures, fake_sounding, n_figures  # noqa: F401
from geoinv import viz

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
    assert ax.get_ylabel() == "Apparent resistivity (ohm.m)"


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
    # One depth range for both: 1.5 x the deeper last interface (36 m).
    assert line_true.get_ydata()[-1] == line_pred.get_ydata()[-1] == 54.0
    assert ax_model.get_ylim() == (54.0, 0.0)
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
    from geoinv.forward import Refraction

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
    assert ax_model.get_ylim() == (1.5 * 600.0, 0.0)
    assert [line.get_ydata()[-1] for line in ax_model.lines] == [900.0, 900.0]
