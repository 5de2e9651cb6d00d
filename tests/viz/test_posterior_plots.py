"""Figures of a posterior (geoinv.viz.posterior): what is drawn, on which axes.

Draws are made by hand: a thin conductive middle layer whose (rho_2, h_2)
lie along a line of constant conductance S_2 = h_2 / rho_2 = 0.2 S.  Every
figure is rendered to PNG under Agg.
"""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from geoinv.forward import VES
from geoinv.viz.posterior import (plot_equivalence_valley, plot_posterior_models,
                                  plot_sounding_band)

TRUE = np.array([100.0, 10.0, 300.0, 8.0, 2.0])     # rho_1..rho_3 (ohm.m), h_1, h_2 (m)
BOX = (np.array([1.0, 1.0, 1.0, 1.0, 1.0]), np.array([1000.0, 1000.0, 1000.0, 50.0, 50.0]))


def draws(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    out = np.tile(TRUE, (n, 1)) * 10 ** (0.01 * rng.standard_normal((n, 5)))
    rho_2 = 10 ** rng.uniform(0.5, 1.5, n)              # 3..30 ohm.m
    out[:, 1] = rho_2
    out[:, 4] = 0.2 * rho_2                              # S_2 = 0.2 S exactly
    return out


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def by_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def s_label(ax):
    return next(line.get_label() for line in ax.get_lines() if line.get_gid() == "constant_S")


def render(ax, tmp_path, name):
    path = tmp_path / f"{name}.png"
    ax.figure.savefig(path, dpi=60)
    assert path.stat().st_size > 5000          # a real image, not an empty canvas
    return path


def test_model_fan_on_log_depth_with_models_on_top(tmp_path):
    samples = draws()
    ax = plot_posterior_models(samples, models={"true": TRUE, "network": TRUE * 1.2,
                                                "refined": TRUE * 0.9})
    render(ax, tmp_path, "fan")
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    top, bottom = ax.get_ylim()[1], ax.get_ylim()[0]
    assert bottom > top > 0                     # depth increases downward
    # default depths: a fifth of the shallowest interface (8 m) to 3x the deepest (~14 m)
    assert top == pytest.approx(0.2 * np.quantile(samples[:, 3], 0.01))
    assert bottom > 3 * 8.0
    x_low, x_high = ax.get_xlim()
    assert x_low < samples[:, :3].min() and x_high > samples[:, :3].max()
    (mesh,) = by_gid(ax, "posterior_density")
    density = mesh.get_array().reshape(160, 90)
    assert np.allclose(density.max(axis=1), 1.0)    # each depth scaled to its peak
    assert len(by_gid(ax, "posterior_interval")) == 2 and by_gid(ax, "posterior_median")
    (true_line,) = by_gid(ax, "model:true")
    assert set(true_line.get_xdata()) == {100.0, 10.0, 300.0}
    # the staircase's interfaces are at 8 m and 10 m
    assert {8.0, 10.0} <= set(np.round(true_line.get_ydata(), 9))
    assert by_gid(ax, "model:network") and by_gid(ax, "model:refined")


def test_equivalence_valley_with_constant_s_and_t_lines(tmp_path):
    samples = draws()
    ax = plot_equivalence_valley(samples, layer=2, truth=TRUE, box=BOX)
    render(ax, tmp_path, "valley")
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    # zoomed on the draws (rho_2 3..30 ohm.m: 1 decade, padded by a quarter of it on
    # each side), cut just beyond the box (1.15 x its lower edge 1 ohm.m, 1 m)
    lo, hi = np.quantile(np.log10(samples[:, 1]), [0.005, 0.995])
    assert ax.get_xlim() == pytest.approx((10 ** (lo - 0.25 * (hi - lo)),
                                           10 ** (hi + 0.25 * (hi - lo))))
    assert ax.get_ylim()[0] == pytest.approx(1 / 1.15)      # h_2 0.6..6 m: cut at the box
    assert ax.get_ylim()[1] < 50.0
    assert "$S_{2}$" in s_label(ax) and r"$\Omega\cdot$m" in ax.get_xlabel()
    (s_line,) = by_gid(ax, "constant_S")
    (t_line,) = by_gid(ax, "constant_T")
    x, y = s_line.get_xdata(), s_line.get_ydata()
    assert np.allclose(y / x, 0.2)              # every draw has S_2 = 0.2 S
    x, y = t_line.get_xdata(), t_line.get_ydata()
    assert np.allclose(x * y, np.median(samples[:, 1] * samples[:, 4]))
    (hexes,) = by_gid(ax, "posterior_hexbin")
    assert hexes.get_array().sum() == len(samples)
    (star,) = by_gid(ax, "truth")
    assert (star.get_xdata()[0], star.get_ydata()[0]) == (10.0, 2.0)
    assert by_gid(ax, "prior_box")
    with pytest.raises(ValueError, match=r"layer must be in \[1, 2\]"):
        plot_equivalence_valley(samples, layer=3)


def test_sounding_band_covers_the_data(tmp_path):
    ves = VES(np.geomspace(1, 300, 20), n_layers=3)
    samples = draws(300)
    predicted = ves.simulate(samples)
    data = ves.simulate(TRUE)
    sigma = 0.02 * data
    ax = plot_sounding_band(ves.ab2, data, predicted, sigma=sigma, rng=1)
    render(ax, tmp_path, "band")
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    y_low, y_high = ax.get_ylim()
    assert y_low < (data - sigma).min() and y_high > (data + sigma).max()
    assert ax.get_xlim()[0] < 1 and ax.get_xlim()[1] > 300
    (band,) = by_gid(ax, "predicted_band")
    vertices = band.get_paths()[0].vertices
    assert vertices[:, 1].min() == pytest.approx(np.quantile(predicted, 0.05, axis=0).min())
    assert len(by_gid(ax, "predicted_curve")) == 30 and by_gid(ax, "predicted_median")
    assert by_gid(ax, "observed")
    # error bars of given lengths (e.g. from errors in decades) instead of sigma
    ax3 = plot_sounding_band(ves.ab2, data, predicted, error_bars=[0.1 * data, 0.2 * data],
                             n_curves=0)
    (bars,) = ax3.containers[0].lines[2]          # the ErrorbarContainer's bar lines
    np.testing.assert_allclose([seg[:, 1] for seg in bars.get_segments()],
                               np.stack([0.9 * data, 1.2 * data], axis=1))
    # a phase (linear y) band
    ax2 = plot_sounding_band(ves.ab2, np.full(20, 45.0), np.full((5, 20), 44.0), log_y=False,
                             n_curves=0, y_label="Phase (deg)")
    assert ax2.get_yscale() == "linear" and not by_gid(ax2, "predicted_curve")


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="2 N - 1 parameters"):
        plot_posterior_models(np.ones((10, 4)))
    with pytest.raises(ValueError, match="depth_range must be 0 < top < bottom"):
        plot_posterior_models(draws(50), depth_range=(10.0, 1.0))
    with pytest.raises(ValueError, match="finite and > 0"):
        plot_posterior_models(-draws(50))
    with pytest.raises(ValueError, match="n_data = 3 columns"):
        plot_sounding_band([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], np.ones((4, 2)))
