"""Tests of geoinv.viz.examples: one row per inversion example, by forward kind."""

import warnings

import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from figure_checks import close_figures  # noqa: F401  (autouse fixture)
from geoinv import viz
from geoinv.forward import FORWARD_MODELS, VES, Gravity, Refraction
from geoinv.forward.base import ForwardModel
from geoinv.viz.plotting import plot_examples


class Toy(ForwardModel):
    kind = "toy"
    parameter_names, parameter_units = ["a", "b"], ["m", "m"]
    data_names, data_units = ["d@0", "d@1", "d@2"], ["mGal"] * 3


def test_plot_examples_uses_each_forward_models_own_figure():
    models = np.array([[1.0, 2.0], [3.0, 4.0]])
    data = np.array([[1.0, 2.0, 3.0], [2.0, 3.0, 4.0]])
    fig = plot_examples(Toy(), models, models * 1.1, data, data * 0.9, sigma=data * 0.05,
                        titles=["one", "two"], fig=Figure())
    # generic rows: a parameter panel and a data panel per example
    assert len(fig.axes) == 4
    np.testing.assert_array_equal(fig.axes[1].lines[-1].get_ydata(), data[0] * 0.9)
    ves = VES([1.0, 10.0, 100.0], 2)
    m = np.array([[100.0, 10.0, 5.0]])
    d = ves.simulate(m)
    fig = plot_examples(ves, m, m, d, d, fig=Figure())
    # VES rows: layered model (log resistivity, depth down) beside the sounding (log-log)
    ax_model, ax_sounding = fig.axes
    assert ax_model.get_xscale() == "log" and ax_model.get_ylim()[0] > ax_model.get_ylim()[1]
    assert ax_sounding.get_xscale() == "log" and ax_sounding.get_yscale() == "log"


def test_every_shipped_forward_kind_has_its_own_figure():
    assert set(viz.EXAMPLE_FIGURES) == set(FORWARD_MODELS)
    assert viz.EXAMPLE_FIGURES["gravity"] is viz.EXAMPLE_FIGURES["magnetic"]   # drawn once


def test_deprecated_plot_example_method_warns_and_draws_the_same():
    ves = VES([1.0, 10.0, 100.0], 2)
    m = np.array([100.0, 10.0, 5.0])
    d = ves.simulate(m)
    new = viz.plot_example(ves, Figure(), m, m * 1.2, d, d)
    with pytest.warns(DeprecationWarning, match="geoinv.viz.plot_example"):
        old = ves.plot_example(Figure(), m, m * 1.2, d, d)
    assert len(old.axes) == len(new.axes) == 2
    for a, b in zip(old.axes, new.axes):
        for la, lb in zip(a.lines, b.lines, strict=True):
            np.testing.assert_array_equal(la.get_xydata(), lb.get_xydata())


def test_a_subclass_overriding_plot_example_keeps_its_figure():
    class Custom(Toy):
        def plot_example(self, fig, model_true, model_pred, data_obs, data_pred, sigma=None,
                         title=None, legend=True):
            fig.add_subplot().plot(model_pred, gid="custom")
            return fig

    models = np.array([[1.0, 2.0]])
    data = np.array([[1.0, 2.0, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # the override itself is not deprecated
        fig = plot_examples(Custom(), models, models, data, data, fig=Figure())
    (ax,) = fig.axes
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [1.0, 2.0])


def _grid(forward, true, pred):
    data = forward.simulate(np.array([true, true]))
    return plot_examples(forward, np.array([true, true]), np.array([pred, pred]), data, data,
                         fig=Figure())


def test_bands_shade_the_resistivity_panel_of_every_row():
    ves = VES(np.geomspace(1.0, 300.0, 12), 3)
    pred = np.array([80.0, 14.0, 700.0, 6.0, 30.0])
    fig = _grid(ves, [100.0, 10.0, 1000.0, 5.0, 20.0], pred)
    # 3 members equal to the prediction: no spread, the band is the model itself
    members = np.broadcast_to(pred, (3, 2, 5))
    assert viz.plot_example_bands(fig, ves, members) is fig
    for sub in fig.subfigs:
        ax_model = sub.axes[0]
        (band,) = [c for c in ax_model.collections if c.get_gid() == "model_band"]
        assert isinstance(band, PolyCollection)
        x = band.get_paths()[0].vertices[:, 0]
        assert set(np.round(x, 9)) == {80.0, 14.0, 700.0}
        assert not [c for c in sub.axes[1].collections if c.get_gid() == "model_band"]


def test_bands_leave_velocity_and_body_panels_alone():
    refraction = Refraction(np.linspace(5.0, 235.0, 12), 3)
    true = [500.0, 1500.0, 3500.0, 6.0, 12.0]
    fig = _grid(refraction, true, true)
    viz.plot_example_bands(fig, refraction, np.broadcast_to(true, (3, 2, 5)))
    assert not [c for ax in fig.axes for c in ax.collections if c.get_gid() == "model_band"]
    assert fig.axes[1].get_xscale() == "linear"              # velocities stay linear
    grav = Gravity(np.linspace(-100.0, 100.0, 21), body="sphere")
    true = [10.0, 50.0, 20.0, 600.0]
    fig = _grid(grav, true, true)
    n_collections = sum(len(ax.collections) for ax in fig.axes)
    viz.plot_example_bands(fig, grav, np.broadcast_to(true, (3, 2, 4)))
    assert sum(len(ax.collections) for ax in fig.axes) == n_collections


def test_old_module_paths_hold_every_plot_function():
    import geoinv
    import geoinv.viz.plotting as old

    for name in viz.__all__:
        assert getattr(geoinv.plotting, name) is getattr(viz, name)
        assert getattr(old, name) is getattr(viz, name)


# --------------------------------------------------------------------------
# several models per example, bands, row heights
# --------------------------------------------------------------------------

def test_plot_examples_takes_models_by_label_and_bands():
    from figure_checks import render, texts

    ves = VES(np.geomspace(1.0, 300.0, 12), 3)
    true = np.array([[100.0, 10.0, 1000.0, 5.0, 20.0], [30.0, 300.0, 5.0, 2.0, 40.0]])
    models = {"network": true * 1.2, "network_lm": true * 1.01}
    data = {k: ves.simulate(m) for k, m in models.items()}
    members = np.broadcast_to(true * 1.2, (3, 2, 5))
    fig = plot_examples(ves, true, models, ves.simulate(true), data, titles=["a", "b"],
                        fig=Figure(figsize=(9, 6)), bands={"ensemble": members})
    for i, sub in enumerate(fig.subfigs):
        ax_model, ax_data = sub.axes
        assert [line.get_label() for line in ax_model.lines] == ["true", "network",
                                                                  "network -> LM"]
        np.testing.assert_array_equal(ax_model.lines[2].get_xdata(),
                                      np.repeat(models["network_lm"][i, :3], 2))
        assert [c.get_gid() for c in ax_model.collections] == ["model_band"]
        assert (ax_model.get_legend() is not None) == (i == 0)
    render(fig)
    assert r"ensemble $\pm$2$\sigma$" in texts(fig)


def test_example_height_fits_a_true_scale_section():
    grav = Gravity(np.linspace(-100.0, 100.0, 21), body="sphere")
    shallow = viz.example_height(grav, [[0.0, 10.0, 5.0, 100.0]], 10.0)
    deep = viz.example_height(grav, [[0.0, 80.0, 30.0, 100.0]], 10.0)
    assert 3.3 < shallow < deep <= 10.0
    assert viz.example_height(VES([1.0, 10.0], 2), [[1.0, 1.0, 1.0]], 10.0) == 3.2
