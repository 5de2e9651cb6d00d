"""Tests of geoinv.viz.style: one place for colours, model styles, mathtext labels and units."""

import pytest
from matplotlib.figure import Figure

from figure_checks import close_figures, render  # noqa: F401  (autouse fixture)
from geoinv import viz
from geoinv.forward import FORWARD_MODELS
from geoinv.viz import style


@pytest.mark.parametrize("name, tex", [
    ("rho_1", r"$\rho_{1}$"), ("rho_a", r"$\rho_{a}$"), ("h_12", "$h_{12}$"), ("v_3", "$v_{3}$"),
    ("x0", "$x_{0}$"), ("drho", r"$\Delta\rho$"), ("chi", r"$\chi$"), ("chi_t", r"$\chi_{t}$"),
    ("theta", r"$\theta$"), ("K", "$K$"), ("dT", r"$\Delta T$"), ("g_z", "$g_{z}$"),
    ("depth", "depth"), ("radius", "radius"), ("bottom", "bottom"),
])
def test_symbols_are_mathtext_with_subscripts(name, tex):
    assert viz.tex_symbol(name) == tex


@pytest.mark.parametrize("unit, tex", [
    ("ohm.m", r"$\Omega\cdot$m"), ("kg/m^3", "kg/m$^{3}$"), ("mV.m^2", r"mV$\cdot$m$^{2}$"),
    ("mV.m", r"mV$\cdot$m"), ("deg", "°"), ("m/s", "m/s"), ("mGal", "mGal"), ("SI", "SI"),
    ("m", "m"), ("s", "s"),
])
def test_units_are_mathtext_with_superscripts(unit, tex):
    assert viz.tex_unit(unit) == tex


def test_every_parameter_and_unit_of_every_forward_model_renders():
    # a mathtext error (an unbalanced $ or an unknown symbol) fails at drawing time
    kwargs = {"ves": dict(ab2=[1.0, 10.0], n_layers=3), "mt": dict(periods=[0.1, 1.0], n_layers=3),
              "refraction": dict(offsets=[5.0, 50.0], n_layers=3),
              "gravity": dict(x=[0.0, 10.0], body="prism", length=100.0),
              "magnetic": dict(x=[0.0, 10.0], body="dike", inclination=60.0, declination=0.0,
                               azimuth=0.0),
              "self_potential": dict(x=[0.0, 10.0], body="sphere")}
    assert set(kwargs) == set(FORWARD_MODELS)
    fig = Figure()
    ax = fig.add_subplot()
    labels = []
    for kind, cls in FORWARD_MODELS.items():
        forward = cls(**kwargs[kind])
        labels += [viz.quantity_label(n, u, "True") for n, u in
                   zip(forward.parameter_names, forward.parameter_units)]
        labels += [viz.quantity_label(d.split("@")[0], u) for d, u in
                   zip(forward.data_names, forward.data_units)]
    for i, label in enumerate(labels):
        ax.text(0.0, i, label)
    render(fig)
    assert not any("ohm" in t or "^" in t.replace("$^{", "") for t in labels)


def test_model_styles_one_look_per_method_everywhere():
    true, network, refined = (viz.model_style(k) for k in ("true", "network", "network_lm"))
    assert true["color"] == "black" and true["linestyle"] == "-"
    assert network["linestyle"] == "--" and refined["linestyle"] == "-"
    assert len({true["color"], network["color"], refined["color"]}) == 3
    # a readable label names the same method as its key; "predicted" looks like the network
    assert viz.model_style("network -> LM")["color"] == refined["color"]
    assert viz.model_style("network -> LM")["label"] == refined["label"] == "network -> LM"
    assert viz.model_style("predicted")["color"] == network["color"]
    assert viz.model_style("predicted")["label"] == "predicted"
    # the misfit figures colour methods as the model figures do
    assert style._METHOD_COLORS["network_lm"] == refined["color"]


def test_axis_labels_are_mathtext():
    assert r"$\Omega\cdot$m" in viz.style.RESISTIVITY_LABEL
    assert r"$\rho_a$" in viz.style.APPARENT_RESISTIVITY_LABEL
    assert "°" in viz.style.PHASE_LABEL
