"""Tests of geoinv.viz.sections: colour bar in ohm.m, OOD flags, log depth when it fits."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from figure_checks import close_figures, render  # noqa: F401  (autouse fixture)
from geoinv import viz

X = np.linspace(0.0, 1000.0, 30)
MODELS = np.column_stack([np.full(30, 200.0), np.geomspace(10.0, 40.0, 30), np.full(30, 500.0),
                          np.linspace(1.0, 8.0, 30), np.linspace(5.0, 40.0, 30)])


def test_colour_bar_reads_ohm_m_at_log_ticks():
    fig = viz.plot_profile_sections(X, {"true": MODELS, "network": MODELS * 1.1}, 3,
                                    fig=Figure(figsize=(8, 6)))
    render(fig)
    cbar_ax = fig.axes[-1]
    assert "$\\Omega\\cdot$m" in cbar_ax.get_ylabel()
    ticks = cbar_ax.yaxis.get_majorticklocs()
    labels = [t.get_text() for t in cbar_ax.get_yticklabels()]
    # ticks sit at log10 of round resistivities and are labelled with the resistivity
    np.testing.assert_allclose([float(lab) for lab in labels], 10.0 ** ticks, rtol=1e-9)
    assert {"10", "100"} <= set(labels)
    assert len(cbar_ax.yaxis.get_minorticklocs()) > 3


def test_flagged_positions_are_marked_along_the_top():
    flags = np.zeros(30, dtype=bool)
    flags[[3, 20, 21]] = True
    fig = viz.plot_profile_sections(X, {"true": MODELS, "network": MODELS}, 3, flags=flags,
                                    misfits={"network": np.ones(30)}, fig=Figure(figsize=(8, 7)))
    true_ax, net_ax = fig.axes[:2]
    (marks,) = [line for line in net_ax.lines if line.get_gid() == "ood_flags"]
    np.testing.assert_array_equal(marks.get_xdata(), X[flags])
    np.testing.assert_array_equal(marks.get_ydata(), 0.95)    # along the top (axes fraction)
    assert not [line for line in true_ax.lines if line.get_gid() == "ood_flags"]
    assert len([p for p in fig.axes[2].patches if p.get_gid() == "ood_flags"]) == 3
    with pytest.raises(ValueError, match="flags must have shape"):
        viz.mark_flags(net_ax, X, flags[:4])


def test_depth_scale_auto_takes_log_for_a_thin_top_layer():
    ax = viz.plot_section(X, MODELS, 3, depth_scale="auto")          # h_1 >= 1 m of ~62 m
    assert ax.get_yscale() == "log"
    bottom, top = ax.get_ylim()
    assert top == 0.2 and bottom == pytest.approx(1.3 * 48.0)
    thick = MODELS.copy()
    thick[:, 3] = 20.0
    assert viz.plot_section(X, thick, 3, depth_scale="auto").get_yscale() == "linear"
    assert viz.plot_section(X, MODELS, 3).get_yscale() == "linear"    # the default
