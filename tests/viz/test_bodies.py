"""Tests of geoinv.viz.bodies: anomaly profiles above the outlines of buried bodies."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from figure_checks import above, close_figures, display_scale, render, texts  # noqa: F401
from geoinv import viz
from geoinv.forward import Gravity, Magnetic, SelfPotential

X = np.linspace(-100.0, 100.0, 41)


def test_sphere_outline_is_a_circle_of_its_radius():
    xs, zs = viz.body_outline("sphere", [10.0, 50.0, 20.0, 600.0], depth_max=100.0)
    np.testing.assert_allclose(np.hypot(xs - 10.0, zs - 50.0), 20.0, rtol=1e-12)
    assert (xs[0], zs[0]) == pytest.approx((xs[-1], zs[-1]))        # closed


def test_dike_outline_runs_down_dip_beyond_the_section():
    # 60 degree dip: sides leave the top corners along (cos 60, sin 60) and end
    # 10 % below depth_max, (100 - 15) * 1.1 deeper than the top.
    xs, zs = viz.body_outline("dike", [10.0, 15.0, 20.0, 60.0, 0.02], depth_max=100.0)
    np.testing.assert_allclose(zs, [15.0 + 93.5, 15.0, 15.0, 15.0 + 93.5])
    np.testing.assert_allclose(xs[1:3], [0.0, 20.0])
    np.testing.assert_allclose(xs[0] - xs[1], 93.5 / np.tan(np.radians(60.0)))
    xs, zs = viz.body_outline("thin_dike", [10.0, 15.0, 90.0, 0.4], depth_max=100.0)
    np.testing.assert_allclose(xs, [10.0, 10.0], atol=1e-12)        # vertical line
    np.testing.assert_allclose(zs, [15.0, 108.5])


@pytest.mark.parametrize("body, models, expected", [
    ("sphere", [[0.0, 50.0, 20.0, 1.0], [0.0, 40.0, 10.0, 1.0]], 1.25 * 70.0),
    ("prism", [[0.0, 10.0, 10.0, 40.0, 1.0]], 1.25 * 40.0),
    ("dike", [[0.0, 15.0, 20.0, 60.0, 0.02]], 4.0 * 15.0),       # > 0.15 * 200 m and 10 m
    ("thin_dike", [[0.0, 2.0, 60.0, 0.4]], 0.15 * 200.0),        # > 4 * 2 m and 10 m
])
def test_section_depth_shows_every_body(body, models, expected):
    assert viz.section_depth(body, models, X) == pytest.approx(expected)


def test_body_example_labels_the_data_by_quantity_and_unit():
    grav = Gravity(X, body="sphere")
    mag = Magnetic(X, body="sphere", inclination=60.0, declination=0.0, azimuth=0.0)
    for forward, model, label in ((grav, [10.0, 50.0, 20.0, 600.0], "$g_{z}$ (mGal)"),
                                  (mag, [10.0, 40.0, 20.0, 0.02], r"$\Delta T$ (nT)")):
        data = forward.simulate(model)
        fig = viz.plot_body_example(forward, Figure(figsize=(8, 6)), np.array(model),
                                    np.array(model), data, np.full(X.size, np.nan))
        ax_data, ax_section = fig.axes
        assert ax_data.get_ylabel() == label
        # an unphysical prediction has no response line, and a note says so
        assert [t.get_text() for t in ax_data.texts] == ["predicted model unphysical: no response"]
        true_body = [ln for ln in ax_section.lines if ln.get_label() == "true body"][0]
        np.testing.assert_allclose(
            np.column_stack(viz.body_outline(forward.body, model, 0.0)), true_body.get_xydata())


def test_deprecated_outline_and_profile_figure_still_work():
    grav = Gravity(X, body="prism", length=200.0)
    model = [0.0, 10.0, 5.0, 15.0, 300.0]
    with pytest.warns(DeprecationWarning, match="geoinv.viz.body_outline"):
        xs, zs = grav.outline(model)
    np.testing.assert_array_equal(xs, [-5.0, 5.0, 5.0, -5.0, -5.0])
    np.testing.assert_array_equal(zs, [5.0, 5.0, 15.0, 15.0, 5.0])
    with pytest.warns(DeprecationWarning, match="plot_anomaly_over_body"):
        from geoinv.forward.gravity import plot_profile_example
    assert plot_profile_example is viz.plot_anomaly_over_body


# --------------------------------------------------------------------------
# true scale, properties, legends, both models
# --------------------------------------------------------------------------

@pytest.mark.parametrize("forward, true, pred", [
    (Gravity(X, body="sphere"), [10.0, 50.0, 20.0, 600.0], [-5.0, 40.0, 15.0, 900.0]),
    (Magnetic(X, body="dike", inclination=60.0, declination=0.0, azimuth=0.0),
     [10.0, 15.0, 20.0, 60.0, 0.02], [5.0, 12.0, 25.0, 75.0, 0.015]),
    (SelfPotential(X, "sphere"), [-20000.0, 15.0, 10.0, 60.0], [-18000.0, 14.0, 12.0, 70.0]),
])
def test_body_section_is_true_scale_aligned_and_names_the_property(forward, true, pred):
    true, pred = np.array(true), np.array(pred)
    models = {"network": pred, "network_lm": 0.5 * (true + pred)}
    height = viz.example_height(forward, [true, *models.values()], 9.0)
    fig = Figure(figsize=(9.0, height))
    viz.plot_example(forward, fig, true, models, forward.simulate(true),
                     {k: forward.simulate(m) for k, m in models.items()},
                     sigma=np.full(X.size, 0.02 * np.abs(forward.simulate(true)).max()))
    render(fig)
    ax_data, ax_section = fig.axes
    assert ax_section.get_aspect() == 1.0
    sx, sy = display_scale(ax_section)
    assert sx == pytest.approx(sy, rel=1e-6)                 # a metre is a metre both ways
    # the section is not narrowed by its aspect: both panels span the same x pixels
    box_d, box_s = ax_data.get_window_extent(), ax_section.get_window_extent()
    assert box_s.x0 == pytest.approx(box_d.x0, abs=1.0)
    assert box_s.x1 == pytest.approx(box_d.x1, abs=1.0)
    # the property of every model above the section, in mathtext
    title = ax_section.get_title("left")
    symbol = {"gravity": r"$\Delta\rho$", "magnetic": r"$\chi$", "self_potential": "$K$"}
    assert title.startswith(symbol[forward.kind])
    assert "true" in title and "network" in title and "network -> LM" in title
    assert above(ax_data.get_legend(), ax_data)
    labels = [t.get_text() for t in ax_data.get_legend().get_texts()]
    assert labels[0] == "observed"
    assert "response of network -> LM" in labels
