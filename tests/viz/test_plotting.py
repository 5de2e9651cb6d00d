"""Tests of geoinv.viz.plotting: what is drawn, on which axes, with which scales.

Each test checks the drawn data (line vertices, scatter offsets, bar heights)
against the inputs, not only that a call runs.  Figures are closed after
every test.
"""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.container import BarContainer, ErrorbarContainer  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from geoinv import plotting as gp  # noqa: E402

RHO = np.array([100.0, 10.0, 1000.0])  # ohm.m, top-down
H = np.array([5.0, 20.0])  # m
AB2 = np.logspace(0, np.log10(300), 20)  # m


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def fake_sounding(rho, h, ab2=AB2):
    """Smooth stand-in for a VES response (not physics): log-rho blended with depth."""
    logr = np.full(ab2.shape, np.log10(rho[0]))
    for i, z in enumerate(np.cumsum(h)):
        w = 1 / (1 + np.exp(-4 * (np.log(ab2 / 2.5) - np.log(z))))
        logr += w * (np.log10(rho[i + 1]) - np.log10(rho[i]))
    return 10**logr


def n_figures():
    return len(plt.get_fignums())


def lines_with_gid(ax, gid):
    return [line for line in ax.lines if line.get_gid() == gid]


def scatters(ax):
    return [c for c in ax.collections if isinstance(c, PathCollection)]


# --------------------------------------------------------------------------
# plot_layered_model
# --------------------------------------------------------------------------

def test_layered_model_steps_follow_layers_top_down():
    ax = gp.plot_layered_model(RHO, H)
    (line,) = ax.lines
    # Default depth_max is 1.5 x the depth of the last interface (25 m).
    np.testing.assert_array_equal(line.get_xdata(), [100, 100, 10, 10, 1000, 1000])
    np.testing.assert_array_equal(line.get_ydata(), [0, 5, 5, 25, 25, 37.5])
    assert ax.get_ylim() == (37.5, 0.0)  # depth increases downward
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "Resistivity (ohm.m)"
    assert ax.get_ylabel() == "Depth (m)"


def test_layered_model_uses_given_axes_and_line_keywords():
    fig, ax = plt.subplots()
    before = n_figures()
    out = gp.plot_layered_model(RHO, H, ax=ax, depth_max=50, label="true", color="k",
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
    gp.plot_layered_model(RHO, H)
    assert n_figures() == before + 1


def test_layered_model_second_model_keeps_the_deeper_range():
    ax = gp.plot_layered_model(RHO, H, depth_max=60)
    gp.plot_layered_model([50, 20, 500], [4, 10], ax=ax, depth_max=30)
    assert len(ax.lines) == 2
    assert ax.get_ylim() == (60.0, 0.0)
    assert ax.yaxis_inverted()


def test_layered_model_half_space_only():
    ax = gp.plot_layered_model([30.0], [], depth_max=8)
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
        gp.plot_layered_model(rho, h, **kw)


# --------------------------------------------------------------------------
# plot_sounding
# --------------------------------------------------------------------------

def test_sounding_data_markers_equal_input_on_log_axes():
    rho_a = fake_sounding(RHO, H)
    ax = gp.plot_sounding(AB2, rho_a)
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
    assert gp.plot_sounding(AB2, rho_a, ax=ax, style="model", label="sim") is ax
    assert n_figures() == before
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_ydata(), rho_a)
    assert line.get_linestyle() == "-" and line.get_marker() in ("None", None, "")
    assert line.get_label() == "sim"


def test_sounding_error_bars_span_plus_minus_sigma():
    rho_a = fake_sounding(RHO, H)
    sigma = 0.05 * rho_a
    ax = gp.plot_sounding(AB2, rho_a, sigma=sigma)
    (container,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    data_line, _, (bars,) = container.lines
    np.testing.assert_array_equal(data_line.get_ydata(), rho_a)
    segments = np.array(bars.get_segments())  # (n_data, 2 ends, xy)
    np.testing.assert_allclose(segments[:, 0, 1], rho_a - sigma)
    np.testing.assert_allclose(segments[:, 1, 1], rho_a + sigma)


def test_sounding_rejects_bad_input():
    with pytest.raises(ValueError, match="same|shape"):
        gp.plot_sounding(AB2, np.ones(3))
    with pytest.raises(ValueError, match="style"):
        gp.plot_sounding(AB2, np.ones(AB2.size), style="dots")
    with pytest.raises(ValueError, match="ab2 must be > 0"):
        gp.plot_sounding(np.r_[0.0, AB2[1:]], np.ones(AB2.size))


def test_narrow_log_range_still_gets_two_tick_labels():
    # 90-110 ohm.m holds no power of ten but 100: labels must not vanish or collide.
    rho_a = 100 + 10 * np.sin(np.log(AB2))
    ax = gp.plot_sounding(AB2, rho_a, style="model")
    ax.figure.canvas.draw()
    lo, hi = ax.get_ylim()
    labelled = [t for t, v in zip(ax.yaxis.get_majorticklabels(), ax.yaxis.get_majorticklocs())
                if t.get_text() and lo <= v <= hi]
    assert len(labelled) >= 2
    assert not any(t.get_text() for t in ax.yaxis.get_minorticklabels())


# --------------------------------------------------------------------------
# plot_history
# --------------------------------------------------------------------------

def make_history(n=50):
    epoch = np.arange(1, n + 1)
    train = 1.0 / epoch
    val = 1.0 / epoch + 0.002 * (epoch - 30.0) ** 2 / n  # minimum near epoch 30
    return pd.DataFrame({"epoch": epoch, "train_loss": train, "val_loss": val})


def test_history_log_losses_and_best_epoch_line():
    history = make_history()
    ax = gp.plot_history(history)
    assert ax.get_yscale() == "log"
    best = history["epoch"][history["val_loss"].idxmin()]
    (vline,) = lines_with_gid(ax, "best_epoch")
    np.testing.assert_array_equal(vline.get_xdata(), [best, best])
    assert vline.get_linestyle() == ":"
    assert f"epoch {best}" in vline.get_label()
    curves = [line for line in ax.lines if line.get_gid() is None]
    np.testing.assert_array_equal(curves[0].get_ydata(), history["train_loss"])
    np.testing.assert_array_equal(curves[1].get_ydata(), history["val_loss"])
    assert ax.get_legend() is not None


def test_history_without_validation_has_no_best_marker():
    history = make_history().assign(val_loss=np.nan)
    fig, ax = plt.subplots()
    before = n_figures()
    assert gp.plot_history(history, ax=ax) is ax
    assert n_figures() == before
    assert len(ax.lines) == 1
    assert not lines_with_gid(ax, "best_epoch")


def test_history_names_missing_columns():
    with pytest.raises(ValueError, match="val_loss"):
        gp.plot_history(pd.DataFrame({"epoch": [1], "train_loss": [1.0]}))


# --------------------------------------------------------------------------
# plot_predicted_vs_true
# --------------------------------------------------------------------------

NAMES = ["rho_1", "rho_2", "rho_3", "h_1", "h_2"]
UNITS = ["ohm.m"] * 3 + ["m"] * 2
LOG = [True, True, True, False, False]
LOW = np.array([10.0, 1.0, 100.0, 1.0, 5.0])
HIGH = np.array([1000.0, 100.0, 10000.0, 20.0, 50.0])


def sample_models(n, low, high, seed):
    rng = np.random.default_rng(seed)
    return 10 ** rng.uniform(np.log10(low), np.log10(high), (n, low.size))


def test_predicted_vs_true_one_panel_per_parameter_with_scales():
    true = sample_models(40, LOW, HIGH, 1)
    pred = true * 1.1
    fig = gp.plot_predicted_vs_true(true, pred, NAMES, UNITS, LOG)
    assert len(fig.axes) == 5  # the sixth cell of the 2 x 3 grid is removed
    for j, ax in enumerate(fig.axes):
        scale = "log" if LOG[j] else "linear"
        assert (ax.get_xscale(), ax.get_yscale()) == (scale, scale)
        (pc,) = scatters(ax)
        np.testing.assert_allclose(pc.get_offsets(), np.column_stack([true[:, j], pred[:, j]]))
        assert ax.get_xlim() == ax.get_ylim()
        (one,) = lines_with_gid(ax, "one_to_one")
        np.testing.assert_array_equal(one.get_xdata(), one.get_ydata())
        assert ax.get_xlabel() == f"True {NAMES[j]} ({UNITS[j]})"
        assert ax.get_ylabel() == f"Predicted {NAMES[j]} ({UNITS[j]})"


def test_predicted_vs_true_two_splits_two_colours_and_prior_box():
    t_id = sample_models(30, LOW, HIGH, 2)
    t_ood = sample_models(20, LOW / 3, HIGH * 3, 3)
    true = {"test_id": t_id, "test_ood": t_ood}
    pred = {"test_id": t_id * 0.9, "test_ood": np.clip(t_ood, LOW, HIGH)}
    fig = gp.plot_predicted_vs_true(true, pred, NAMES, UNITS, LOG, bounds=(LOW, HIGH))
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
    out = gp.plot_predicted_vs_true(true, true, NAMES[:2], UNITS[:2], True, fig=fig,
                                    split_labels=["test"])
    assert out is fig
    assert n_figures() == before
    assert len(fig.axes) == 2
    assert fig.get_layout_engine() is not None  # panels must not overlap
    fig.savefig(io.BytesIO(), format="png", dpi=30)


def test_predicted_vs_true_rejects_mismatches():
    true = sample_models(5, LOW, HIGH, 5)
    with pytest.raises(ValueError, match="same splits"):
        gp.plot_predicted_vs_true({"test_id": true}, {"test_ood": true}, NAMES, UNITS, LOG)
    with pytest.raises(ValueError, match="shape"):
        gp.plot_predicted_vs_true(true, true[:3], NAMES, UNITS, LOG)
    with pytest.raises(ValueError, match=r"names \(got 4\)"):
        gp.plot_predicted_vs_true(true, true, NAMES[:4], UNITS, LOG)


# --------------------------------------------------------------------------
# plot_ves_reconstruction(s)
# --------------------------------------------------------------------------

M_TRUE = np.r_[RHO, H]
M_PRED = np.array([80.0, 14.0, 700.0, 6.0, 30.0])


def test_ves_reconstruction_models_and_soundings():
    obs = fake_sounding(RHO, H)
    sim = fake_sounding(M_PRED[:3], M_PRED[3:])
    fig = gp.plot_ves_reconstruction(AB2, M_TRUE, M_PRED, obs, sim, 3, title="example")
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
    fig = gp.plot_ves_reconstruction(AB2, None, M_PRED, obs, None, 3)
    ax_model, ax_data = fig.axes
    (line,) = ax_model.lines
    assert line.get_label() == "predicted"
    assert len(ax_data.lines) == 1


def test_ves_reconstruction_on_given_axes():
    fig, axes = plt.subplots(1, 2)
    before = n_figures()
    obs = fake_sounding(RHO, H)
    out = gp.plot_ves_reconstruction(AB2, M_TRUE, M_PRED, obs, obs, 3, axes=axes)
    assert out is fig
    assert n_figures() == before
    assert len(axes[0].lines) == 2 and len(axes[1].lines) == 2


def test_ves_reconstruction_rejects_wrong_model_length():
    with pytest.raises(ValueError, match=r"model_pred must have shape \(5,\)"):
        gp.plot_ves_reconstruction(AB2, M_TRUE, M_PRED[:4], AB2, None, 3)


def test_ves_reconstructions_one_row_per_example():
    models_true = np.array([M_TRUE, [30, 300, 5, 2, 40], [500, 2, 5000, 15, 8]], dtype=float)
    models_pred = models_true * 1.2
    obs = np.array([fake_sounding(m[:3], m[3:]) for m in models_true])
    sim = np.array([fake_sounding(m[:3], m[3:]) for m in models_pred])
    titles = ["ID #1", "ID #2", "OOD #1"]
    before = n_figures()
    fig = gp.plot_ves_reconstructions(AB2, models_true, models_pred, obs, sim, 3,
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
    ax = gp.plot_metric_summary(metrics)
    containers = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(containers) == 2  # one per split, test_id first
    assert sum(len(c.patches) for c in containers) == len(NAMES) * 2
    for container, split in zip(containers, ["test_id", "test_ood"]):
        expected = (metrics.query("split == @split and metric == 'median_rel_err' "
                                  "and quantity != 'data'").set_index("quantity")
                    .loc[NAMES, "value"].to_numpy())
        heights = [p.get_height() for p in container.patches]
        np.testing.assert_allclose(heights, expected)
        assert container.get_label() == gp.split_label(split)
    assert [t.get_text() for t in ax.get_xticklabels()] == NAMES
    # Values span 0.1 .. 5 (< 2 decades): linear axis.
    assert ax.get_yscale() == "linear"


def test_metric_summary_log_axis_when_values_span_decades():
    ax = gp.plot_metric_summary(make_metrics(spread=100.0))  # 0.1 .. 50
    assert ax.get_yscale() == "log"


def test_metric_summary_uses_given_axes_or_figure():
    fig, ax = plt.subplots()
    before = n_figures()
    assert gp.plot_metric_summary(make_metrics(), ax=ax) is ax
    fig2 = Figure()
    ax2 = gp.plot_metric_summary(make_metrics(), fig=fig2)
    assert ax2.figure is fig2
    assert n_figures() == before


def test_metric_summary_unknown_metric_lists_available():
    with pytest.raises(ValueError, match="median_rel_err, rmse_log10"):
        gp.plot_metric_summary(make_metrics(), metric="nope")


# --------------------------------------------------------------------------
# plot_misfit_histogram
# --------------------------------------------------------------------------

def test_misfit_histogram_log_axis_target_and_counts():
    rng = np.random.default_rng(0)
    misfits = {"test_id": 10 ** rng.normal(0, 0.1, 200),
               "test_ood": np.r_[10 ** rng.normal(0.7, 0.3, 100), np.nan, -1.0]}
    ax = gp.plot_misfit_histogram(misfits, target=1.0)
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
    assert gp.plot_misfit_histogram({"test_id": [0.9, 1.0, 1.1]}, ax=ax, target=2.0) is ax
    assert n_figures() == before
    (target,) = lines_with_gid(ax, "target")
    assert target.get_xdata()[0] == 2.0


def test_plot_examples_uses_each_forward_models_own_figure():
    from matplotlib.figure import Figure

    from geoinv.forward import VES
    from geoinv.forward.base import ForwardModel
    from geoinv.viz.plotting import plot_examples

    class Toy(ForwardModel):
        kind = "toy"
        parameter_names, parameter_units = ["a", "b"], ["m", "m"]
        data_names, data_units = ["d@0", "d@1", "d@2"], ["mGal"] * 3

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
