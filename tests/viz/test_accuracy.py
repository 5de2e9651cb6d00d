"""Tests of geoinv.viz.accuracy: predicted vs true, metric summary, misfit histogram."""

import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from figure_checks import (close_figures, lines_with_gid, n_figures, render,  # noqa: F401
                           scatters)
from geoinv import viz

# --------------------------------------------------------------------------
# plot_predicted_vs_true
# --------------------------------------------------------------------------

NAMES = ["rho_1", "rho_2", "rho_3", "h_1", "h_2"]
UNITS = ["ohm.m"] * 3 + ["m"] * 2
LOG = [True, True, True, False, False]
TEX_NAMES = [r"$\rho_{1}$", r"$\rho_{2}$", r"$\rho_{3}$", "$h_{1}$", "$h_{2}$"]
TEX_UNITS = [r"$\Omega\cdot$m"] * 3 + ["m"] * 2
LOW = np.array([10.0, 1.0, 100.0, 1.0, 5.0])
HIGH = np.array([1000.0, 100.0, 10000.0, 20.0, 50.0])


def sample_models(n, low, high, seed):
    rng = np.random.default_rng(seed)
    return 10 ** rng.uniform(np.log10(low), np.log10(high), (n, low.size))


def test_predicted_vs_true_one_panel_per_parameter_with_scales():
    true = sample_models(40, LOW, HIGH, 1)
    pred = true * 1.1
    fig = viz.plot_predicted_vs_true(true, pred, NAMES, UNITS, LOG)
    assert len(fig.axes) == 5  # the sixth cell of the 2 x 3 grid is removed
    for j, ax in enumerate(fig.axes):
        scale = "log" if LOG[j] else "linear"
        assert (ax.get_xscale(), ax.get_yscale()) == (scale, scale)
        (pc,) = scatters(ax)
        np.testing.assert_allclose(pc.get_offsets(), np.column_stack([true[:, j], pred[:, j]]))
        assert ax.get_xlim() == ax.get_ylim()
        (one,) = lines_with_gid(ax, "one_to_one")
        np.testing.assert_array_equal(one.get_xdata(), one.get_ydata())
        # mathtext labels: rho_1 as a Greek letter with a subscript, ohm.m as Omega.m
        assert ax.get_xlabel() == f"True {TEX_NAMES[j]} ({TEX_UNITS[j]})"
        assert ax.get_ylabel() == f"Predicted {TEX_NAMES[j]} ({TEX_UNITS[j]})"


def test_predicted_vs_true_two_splits_two_colours_and_prior_box():
    t_id = sample_models(30, LOW, HIGH, 2)
    t_ood = sample_models(20, LOW / 3, HIGH * 3, 3)
    true = {"test_id": t_id, "test_ood": t_ood}
    pred = {"test_id": t_id * 0.9, "test_ood": np.clip(t_ood, LOW, HIGH)}
    fig = viz.plot_predicted_vs_true(true, pred, NAMES, UNITS, LOG, bounds=(LOW, HIGH))
    assert len(fig.axes) == 5
    for j, ax in enumerate(fig.axes):
        pc_id, pc_ood = scatters(ax)
        np.testing.assert_allclose(pc_id.get_offsets(),
                                   np.column_stack([t_id[:, j], 0.9 * t_id[:, j]]))
        np.testing.assert_allclose(pc_ood.get_offsets(),
                                   np.column_stack([t_ood[:, j], pred["test_ood"][:, j]]))
        assert not np.allclose(pc_id.get_facecolor()[0][:3], pc_ood.get_facecolor()[0][:3])
        # Band over the true values inside the box, dashed edges on the predicted axis.
        (band,) = [p for p in ax.patches
                   if isinstance(p, Rectangle) and p.get_gid() == "prior_box"]
        np.testing.assert_allclose([band.get_x(), band.get_x() + band.get_width()],
                                   [LOW[j], HIGH[j]])
        edges = sorted(line.get_ydata()[0] for line in lines_with_gid(ax, "prior_box"))
        np.testing.assert_allclose(edges, [LOW[j], HIGH[j]])
        # The axes reach beyond the box so OOD points are visible outside it.
        lo, hi = ax.get_xlim()
        assert lo < min(LOW[j], t_ood[:, j].min()) and hi > max(HIGH[j], t_ood[:, j].max())
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts[:2] == ["test ID", "test OOD"]


def test_predicted_vs_true_draws_in_given_bare_figure():
    fig = Figure()
    before = n_figures()
    true = sample_models(10, LOW[:2], HIGH[:2], 4)
    out = viz.plot_predicted_vs_true(true, true, NAMES[:2], UNITS[:2], True, fig=fig,
                                    split_labels=["test"])
    assert out is fig
    assert n_figures() == before
    assert len(fig.axes) == 2
    assert fig.get_layout_engine() is not None  # panels must not overlap
    fig.savefig(io.BytesIO(), format="png", dpi=30)


def test_predicted_vs_true_rejects_mismatches():
    true = sample_models(5, LOW, HIGH, 5)
    with pytest.raises(ValueError, match="same splits"):
        viz.plot_predicted_vs_true({"test_id": true}, {"test_ood": true}, NAMES, UNITS, LOG)
    with pytest.raises(ValueError, match="shape"):
        viz.plot_predicted_vs_true(true, true[:3], NAMES, UNITS, LOG)
    with pytest.raises(ValueError, match=r"names \(got 4\)"):
        viz.plot_predicted_vs_true(true, true, NAMES[:4], UNITS, LOG)


# --------------------------------------------------------------------------
# plot_metric_summary
# --------------------------------------------------------------------------

def make_metrics(spread=10.0):
    rows = []
    for k, q in enumerate(NAMES):
        rows.append(("test_ood", q, "median_rel_err", 0.1 * (k + 1) * spread))
        rows.append(("test_id", q, "median_rel_err", 0.1 * (k + 1)))
        rows.append(("test_id", q, "rmse_log10", 9.0))
    rows.append(("test_id", "data", "median_rel_err", 123.0))  # "data" is not a parameter
    return pd.DataFrame(rows, columns=["split", "quantity", "metric", "value"])


def test_metric_summary_bars_equal_values():
    metrics = make_metrics(spread=10.0)
    ax = viz.plot_metric_summary(metrics)
    containers = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(containers) == 2  # one per split, test_id first
    assert sum(len(c.patches) for c in containers) == len(NAMES) * 2
    for container, split in zip(containers, ["test_id", "test_ood"]):
        expected = (metrics.query("split == @split and metric == 'median_rel_err' "
                                  "and quantity != 'data'").set_index("quantity")
                    .loc[NAMES, "value"].to_numpy())
        heights = [p.get_height() for p in container.patches]
        np.testing.assert_allclose(heights, expected)
        assert container.get_label() == viz.split_label(split)
    assert [t.get_text() for t in ax.get_xticklabels()] == TEX_NAMES
    # Values span 0.1 .. 5 (< 2 decades): linear axis.
    assert ax.get_yscale() == "linear"


def test_metric_summary_log_axis_when_values_span_decades():
    ax = viz.plot_metric_summary(make_metrics(spread=100.0))  # 0.1 .. 50
    assert ax.get_yscale() == "log"


def test_metric_summary_uses_given_axes_or_figure():
    fig, ax = plt.subplots()
    before = n_figures()
    assert viz.plot_metric_summary(make_metrics(), ax=ax) is ax
    fig2 = Figure()
    ax2 = viz.plot_metric_summary(make_metrics(), fig=fig2)
    assert ax2.figure is fig2
    assert n_figures() == before


def test_metric_summary_unknown_metric_lists_available():
    with pytest.raises(ValueError, match="median_rel_err, rmse_log10"):
        viz.plot_metric_summary(make_metrics(), metric="nope")


# --------------------------------------------------------------------------
# plot_misfit_histogram
# --------------------------------------------------------------------------

def test_misfit_histogram_log_axis_target_and_counts():
    rng = np.random.default_rng(0)
    misfits = {"test_id": 10 ** rng.normal(0, 0.1, 200),
               "test_ood": np.r_[10 ** rng.normal(0.7, 0.3, 100), np.nan, -1.0]}
    ax = viz.plot_misfit_histogram(misfits, target=1.0)
    assert ax.get_xscale() == "log"
    (target,) = lines_with_gid(ax, "target")
    np.testing.assert_array_equal(target.get_xdata(), [1.0, 1.0])
    assert len(ax.patches) == 2  # one filled histogram per split
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("test ID (n=200")
    assert labels[1].startswith("test OOD (n=100") and "2 not shown" in labels[1]
    # Every kept value lies inside the bins drawn.
    lo, hi = ax.get_xlim()
    assert lo <= np.nanmin(misfits["test_id"]) and hi >= np.nanmax(misfits["test_ood"])


def test_misfit_histogram_on_given_axes():
    fig, ax = plt.subplots()
    before = n_figures()
    assert viz.plot_misfit_histogram({"test_id": [0.9, 1.0, 1.1]}, ax=ax, target=2.0) is ax
    assert n_figures() == before
    (target,) = lines_with_gid(ax, "target")
    assert target.get_xdata()[0] == 2.0


# --------------------------------------------------------------------------
# what the figures must not hide
# --------------------------------------------------------------------------

def test_predicted_vs_true_id_drawn_over_ood_and_no_empty_panel():
    t_id = sample_models(30, LOW, HIGH, 2)
    t_ood = sample_models(20, LOW / 3, HIGH * 3, 3)
    fig = viz.plot_predicted_vs_true({"test_id": t_id, "test_ood": t_ood},
                                     {"test_id": t_id, "test_ood": t_ood}, NAMES, UNITS, LOG,
                                     fig=Figure(figsize=(10, 7)))
    render(fig)
    for ax in fig.axes:
        pc_id, pc_ood = scatters(ax)
        assert pc_id.get_zorder() > pc_ood.get_zorder()           # the ID cloud on top
        assert pc_id.get_alpha() > pc_ood.get_alpha()
    # 5 panels in rows of 3: the second row is centred under the first, no empty cell
    boxes = [ax.get_position() for ax in fig.axes]
    top, bottom = boxes[:3], boxes[3:]
    centre = lambda bs: 0.5 * (bs[0].x0 + bs[-1].x1)               # noqa: E731
    assert centre(bottom) == pytest.approx(centre(top), abs=0.02)
    assert all(ax.has_data() for ax in fig.axes)
    assert fig.axes[0].get_title() == r"$\rho_{1}$"


def test_misfit_histogram_axis_reaches_below_the_smallest_misfit():
    misfits = {"test_id": np.r_[1.0, 1.1, 2.0, 5.0], "test_ood": np.r_[3.0, 30.0, 300.0]}
    ax = viz.plot_misfit_histogram(misfits, target=1.2)
    lo, hi = ax.get_xlim()
    assert lo < 0.8 and hi > 300.0 * 1.25            # room on both sides of the data


def test_misfit_by_method_shows_the_lm_curves_in_a_linear_close_up():
    rng = np.random.default_rng(0)
    misfits = {"test_id": {"network": rng.lognormal(2, 1.0, 200),
                           "network_lm": rng.uniform(0.7, 1.3, 200)},
               "test_ood": {"network": rng.lognormal(4, 1.5, 200),
                            "network_lm": rng.uniform(0.8, 1.6, 200)}}
    ax = viz.plot_misfit_by_method(misfits, fig=Figure(figsize=(10, 4.8)))
    zoom = ax.figure.axes[0]
    assert ax.get_xscale() == "log" and zoom.get_xscale() == "linear"
    # the LM curve rises over at least a fifth of the close-up's width
    green = viz.model_style("network_lm")["color"]
    lm = [line for line in zoom.lines if line.get_color() == green]
    x = lm[0].get_xdata()
    lo, hi = zoom.get_xlim()
    assert (x[-1] - np.sort(x)[1]) / (hi - lo) > 0.2
    assert lo <= 0.0 and hi >= 1.2 * 2                                 # target well inside
    render(ax.figure)
    assert ax.get_legend().get_window_extent().y1 < ax.get_window_extent().y0   # legend below


def test_predicted_vs_true_four_parameters_as_two_by_two():
    true = sample_models(10, LOW[:4], HIGH[:4], 7)
    fig = viz.plot_predicted_vs_true(true, true, NAMES[:4], UNITS[:4], LOG[:4])
    rows = sorted({round(ax.get_position().y0, 3) for ax in fig.axes})
    assert len(fig.axes) == 4 and len(rows) == 2
