"""Tests of geoinv.viz.field: a field sounding's fit and a survey's section."""

import numpy as np
import pytest
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure

from figure_checks import above, close_figures, display_scale, render, texts  # noqa: F401
from geoinv import viz
from geoinv.forward import MT1D, VES, Gravity, Refraction, SelfPotential

TRUE_VES = np.array([100.0, 500.0, 20.0, 1000.0, 0.5, 3.5, 6.0])   # sond1-100's true model


def _error_bar_segments(ax):
    (container,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    return np.array(container.lines[2][0].get_segments())      # (n_data, 2 ends, xy)


def test_ves_fit_log_log_with_bars_in_decades_and_log_depth():
    ves = VES(np.geomspace(1.0, 100.0, 20), 4)
    data = ves.simulate(TRUE_VES)
    models = {"network": TRUE_VES * 1.2, "network -> LM": TRUE_VES * 1.01}
    predicted = {k: ves.simulate(m) for k, m in models.items()}
    fig = viz.plot_sounding_fit(ves, data, np.full(20, 0.02), models, predicted,
                                title="sond1-100")
    ax_model, ax_data = fig.axes
    assert (ax_data.get_xscale(), ax_data.get_yscale()) == ("log", "log")
    # +/- 0.02 decades: the bars span data * 10**(-/+0.02)
    segments = _error_bar_segments(ax_data)
    np.testing.assert_allclose(segments[:, 0, 1], data * 10 ** -0.02)
    np.testing.assert_allclose(segments[:, 1, 1], data * 10 ** 0.02)
    assert ax_model.get_yscale() == "log"
    assert ax_model.get_ylim()[1] <= 0.5 * 1.2 / 3                   # the 0.5 m top layer shows
    assert [line.get_label() for line in ax_model.lines] == ["network", "network -> LM"]
    assert len({line.get_ydata()[-1] for line in ax_model.lines}) == 1
    render(fig)
    assert above(ax_data.get_legend(), ax_data)
    assert fig.get_suptitle() == "sond1-100"


def test_mt_fit_phase_linear_and_covering_the_data():
    mt = MT1D(np.geomspace(1e-3, 1e3, 16), 3)
    model = np.array([100.0, 5.0, 1000.0, 300.0, 1500.0])
    data = mt.simulate(model)
    data[-1] = 93.0
    sigma = np.r_[np.full(16, 0.1), np.full(16, 5.0)]           # decades, then degrees
    fig = viz.plot_sounding_fit(mt, data, sigma, {"network": model}, {"network": data})
    ax_model, ax_rho, ax_phase = fig.axes
    assert (ax_rho.get_xscale(), ax_rho.get_yscale()) == ("log", "log")
    assert (ax_phase.get_xscale(), ax_phase.get_yscale()) == ("log", "linear")
    assert ax_phase.get_ylim()[1] >= 98.0
    np.testing.assert_allclose(_error_bar_segments(ax_phase)[:, 1, 1] - data[16:][
        np.argsort(mt.periods)], 5.0)
    assert ax_model.get_yscale() == "log"


def test_refraction_and_body_fits_use_their_natural_axes():
    refraction = Refraction(np.linspace(5.0, 235.0, 24), 3)
    model = np.array([500.0, 1500.0, 3500.0, 6.0, 12.0])
    t = refraction.simulate(model)
    fig = viz.plot_sounding_fit(refraction, t, np.full(24, 1e-3), {"network": model},
                                {"network": t})
    ax_t, ax_v = fig.axes
    assert ax_v.get_yscale() == "linear" and ax_t.get_xscale() == "linear"
    np.testing.assert_allclose(_error_bar_segments(ax_t)[:, 1, 1] - 1e3 * t, 1.0)   # 1 ms

    for forward, model in ((Gravity(np.linspace(-100.0, 100.0, 31), body="sphere"),
                            np.array([10.0, 40.0, 15.0, 500.0])),
                           (SelfPotential(np.linspace(-100.0, 100.0, 31), "sphere"),
                            np.array([-20000.0, 15.0, 10.0, 60.0]))):
        d = forward.simulate(model)
        fig = viz.plot_sounding_fit(forward, d, np.full(31, 0.05 * np.abs(d).max()),
                                    {"network": model}, {"network": d})
        render(fig)
        ax_section = fig.axes[1]
        sx, sy = display_scale(ax_section)
        assert sx == pytest.approx(sy, rel=1e-6)


def test_sounding_fit_names_bad_input():
    ves = VES(np.geomspace(1.0, 100.0, 10), 2)
    m = np.array([100.0, 10.0, 5.0])
    d = ves.simulate(m)
    with pytest.raises(ValueError, match=r"sigma must have shape \(10,\)"):
        viz.plot_sounding_fit(ves, d, np.ones(3), {"network": m}, {"network": d})
    with pytest.raises(ValueError, match=r"models vectors must have shape \(3,\); got 'lm'"):
        viz.plot_sounding_fit(ves, d, np.ones(10), {"lm": m[:2]}, {})
    with pytest.raises(ValueError, match="without a model: lm"):
        viz.plot_sounding_fit(ves, d, np.ones(10), {"network": m}, {"lm": d})
    with pytest.raises(ValueError, match="sigma must be >= 0"):
        viz.plot_sounding_fit(ves, d, -np.ones(10), {"network": m}, {"network": d})


def test_error_bar_lengths_by_error_space():
    bars = viz.field.error_bar_lengths([100.0, 45.0], [0.1, 2.0], [True, False])
    np.testing.assert_allclose(bars, [[100 * (1 - 10**-0.1), 2.0], [100 * (10**0.1 - 1), 2.0]])


def test_survey_section_sorted_flagged_and_in_ohm_m():
    n = 12
    x = np.linspace(0.0, 1100.0, n)[::-1]                       # given east to west
    models = np.column_stack([np.full(n, 100.0), np.linspace(5.0, 50.0, n), np.full(n, 800.0),
                              np.full(n, 0.8), np.linspace(4.0, 30.0, n)])
    flags = np.zeros(n, dtype=bool)
    flags[0] = True                                             # the sounding at x = 1100 m
    fig = viz.plot_survey_section(x, {"network": models, "network -> LM": models}, 3,
                                  flags=flags)
    sections = fig.axes[:2]
    assert [ax.get_title(loc="left") for ax in sections] == ["network", "network -> LM"]
    for ax in sections:
        (marks,) = [line for line in ax.lines if line.get_gid() == "ood_flags"]
        np.testing.assert_array_equal(marks.get_xdata(), [1100.0])
        assert ax.get_yscale() == "log"                          # 0.8 m top layer
    render(fig)
    assert "$\\Omega\\cdot$m" in fig.axes[-1].get_ylabel()
    # repeated positions: drawn by sounding number
    fig = viz.plot_survey_section(np.zeros(n), {"network": models}, 3, fig=Figure())
    assert fig.axes[0].get_xlabel() == "Sounding number"
    with pytest.raises(ValueError, match=r"flags must have shape \(12,\)"):
        viz.plot_survey_section(x, {"network": models}, 3, flags=flags[:3])
    with pytest.raises(ValueError, match=r"must each have shape \(12, 5\)"):
        viz.plot_survey_section(x, {"network": models, "bad": models[:, :4]}, 3)
