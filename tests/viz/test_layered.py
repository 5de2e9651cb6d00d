"""Tests of geoinv.viz.layered: layered models drawn as steps against depth."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from figure_checks import H, RHO, close_figures, n_figures  # noqa: F401  (autouse fixture)
from geoinv import viz

# --------------------------------------------------------------------------
# plot_layered_model
# --------------------------------------------------------------------------

def test_layered_model_steps_follow_layers_top_down():
    ax = viz.plot_layered_model(RHO, H)
    (line,) = ax.lines
    # Default depth_max is 1.5 x the depth of the last interface (25 m).
    np.testing.assert_array_equal(line.get_xdata(), [100, 100, 10, 10, 1000, 1000])
    np.testing.assert_array_equal(line.get_ydata(), [0, 5, 5, 25, 25, 37.5])
    assert ax.get_ylim() == (37.5, 0.0)  # depth increases downward
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == r"Resistivity $\rho$ ($\Omega\cdot$m)"
    assert ax.get_ylabel() == "Depth (m)"


def test_layered_model_uses_given_axes_and_line_keywords():
    fig, ax = plt.subplots()
    before = n_figures()
    out = viz.plot_layered_model(RHO, H, ax=ax, depth_max=50, label="true", color="k",
                                linestyle="--")
    assert out is ax
    assert n_figures() == before
    (line,) = ax.lines
    assert line.get_label() == "true"
    assert line.get_linestyle() == "--"
    assert line.get_ydata()[-1] == 50
    assert ax.get_ylim() == (50.0, 0.0)


def test_layered_model_creates_exactly_one_figure_when_no_axes():
    before = n_figures()
    viz.plot_layered_model(RHO, H)
    assert n_figures() == before + 1


def test_layered_model_second_model_keeps_the_deeper_range():
    ax = viz.plot_layered_model(RHO, H, depth_max=60)
    viz.plot_layered_model([50, 20, 500], [4, 10], ax=ax, depth_max=30)
    assert len(ax.lines) == 2
    assert ax.get_ylim() == (60.0, 0.0)
    assert ax.yaxis_inverted()


def test_layered_model_half_space_only():
    ax = viz.plot_layered_model([30.0], [], depth_max=8)
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), [30, 30])
    np.testing.assert_array_equal(line.get_ydata(), [0, 8])


@pytest.mark.parametrize(
    "rho, h, kw, match",
    [
        (RHO, [5.0], {}, r"thickness must have shape \(2,\)"),
        ([100, -10, 1000], [5, 0], {}, r"rho_2 = -10.*h_2 = 0"),
        (RHO, H, {"depth_max": 20}, "depth_max"),
    ],
)
def test_layered_model_rejects_bad_input(rho, h, kw, match):
    with pytest.raises(ValueError, match=match):
        viz.plot_layered_model(rho, h, **kw)


# --------------------------------------------------------------------------
# layer_steps, models_depth_max
# --------------------------------------------------------------------------

def test_layer_steps_vertices_by_hand():
    x, z = viz.layer_steps(RHO, H, 40.0)
    np.testing.assert_array_equal(x, [100, 100, 10, 10, 1000, 1000])
    np.testing.assert_array_equal(z, [0, 5, 5, 25, 25, 40])


def test_models_depth_max_takes_the_deepest_finite_model():
    assert viz.models_depth_max([H, [1.0, 2.0], [np.nan, 99.0]], 10.0) == 1.5 * 25.0
    assert viz.models_depth_max([[np.inf]], 10.0) == 10.0          # nothing drawable
    assert viz.models_depth_max([np.zeros(0)], 7.0) == 7.0           # half-spaces only


# --------------------------------------------------------------------------
# log depth, common half-space bottom, bands
# --------------------------------------------------------------------------

def test_log_depth_axis_shows_a_thin_top_layer():
    # a 0.5 m top layer over 20 m: on a log axis it fills ~0.7 decade of the axis
    ax = viz.plot_layered_model(RHO, [0.5, 20.0], depth_scale="log")
    assert ax.get_yscale() == "log"
    bottom, top = ax.get_ylim()
    assert (bottom, top) == (1.5 * 20.5, 0.1)                   # 0.1 <= 0.5 / 3
    assert np.log10(0.5 / top) > 0.5
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_ydata(), [0, 0.5, 0.5, 20.5, 20.5, 30.75])
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert "1" in labels and "10" in labels                     # plain depths, no 10^k
    assert ax.yaxis.get_offset_text().get_text() == ""


def test_log_depth_top_is_a_round_depth_above_the_first_interface():
    assert viz.log_depth_top([[5.0, 20.0], [0.5, 3.0]], 40.0) == 0.1
    assert viz.log_depth_top([[7.0]], 40.0) == 2.0
    assert viz.log_depth_top([[1500.0, 3000.0]], 9000.0) == 500.0
    assert viz.log_depth_top([[np.nan], []], 50.0) == 0.5          # nothing to go by


def test_shallower_model_half_space_reaches_the_common_bottom():
    # notebooks/field_ves draws two models with their own default depth_max:
    # both half-spaces must end at the deeper bottom, whichever comes first.
    ax = viz.plot_layered_model([100.0, 10.0, 500.0], [2.0, 10.0])          # bottom 18 m
    viz.plot_layered_model([120.0, 8.0, 400.0], [3.0, 30.0], ax=ax)       # bottom 49.5 m
    assert [line.get_ydata()[-1] for line in ax.lines] == [49.5, 49.5]
    assert ax.get_ylim() == (49.5, 0.0)
    ax = viz.plot_layered_model([120.0, 8.0, 400.0], [3.0, 30.0])
    viz.plot_layered_model([100.0, 10.0, 500.0], [2.0, 10.0], ax=ax)
    assert [line.get_ydata()[-1] for line in ax.lines] == [49.5, 49.5]


def test_log_band_samples_log_spaced_depths_and_quantiles():
    rho = np.array([[10.0, 100.0], [100.0, 100.0], [1000.0, 100.0]])
    h = np.full((3, 1), 5.0)
    ax = viz.plot_layered_model(rho[1], h[1], depth_max=20.0, depth_scale="log")
    viz.plot_layered_model_band(rho, h, ax=ax, quantiles=(0.0, 1.0), label="posterior")
    (band,) = [c for c in ax.collections if c.get_gid() == "model_band"]
    x = band.get_paths()[0].vertices[:, 0]
    assert x.min() == pytest.approx(10.0) and x.max() == pytest.approx(1000.0)
    z = band.get_paths()[0].vertices[:, 1]
    assert z[z > 0].min() < ax.get_ylim()[1]            # reaches above the top of the axis
    assert ax.get_yscale() == "log" and ax.get_ylim() == (20.0, 1.0)
