"""Tests of geoinv.viz.training: the loss history."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from figure_checks import close_figures, lines_with_gid, n_figures  # noqa: F401
from geoinv import viz

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
    ax = viz.plot_history(history)
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
    assert viz.plot_history(history, ax=ax) is ax
    assert n_figures() == before
    assert len(ax.lines) == 1
    assert not lines_with_gid(ax, "best_epoch")


def test_history_names_missing_columns():
    with pytest.raises(ValueError, match="val_loss"):
        viz.plot_history(pd.DataFrame({"epoch": [1], "train_loss": [1.0]}))


def test_history_legend_sits_above_so_the_best_epoch_line_never_crosses_it():
    from matplotlib.figure import Figure

    from figure_checks import above, render

    history = make_history()
    ax = viz.plot_history(history, ax=Figure(figsize=(6, 4)).add_subplot())
    render(ax.figure)
    assert above(ax.get_legend(), ax)
    # tick labels readable on a narrow log range: no "6 x 10^-2" minor labels
    assert not any(t.get_text() for t in ax.yaxis.get_minorticklabels())
