"""Inverting field surveys: resampling onto the network's grid, refinement on the own geometry."""

import io

import numpy as np
import pytest

from conftest import train_small_inversion
from geoinv import ModelSpace, Parameter, read_survey
from geoinv.forward import VES
from geoinv.inversion.field import invert_survey, resample
from geoinv.inversion.posterior import POSTERIOR_DEFAULTS


def ves_csv(ab2, rho_a, log10_sigma=0.01, sounding=None, mn2=None, x=None):
    """A VES CSV survey (errors in decades) as a readable stream."""
    cols = ["ab2", "rho_a", "log10_sigma"]
    cols += ["mn2"] if mn2 is not None else []
    cols += ["sounding", "x"] if sounding is not None else []
    lines = [",".join(cols)]
    for i in range(len(ab2)):
        row = [repr(float(ab2[i])), repr(float(rho_a[i])), repr(float(log10_sigma))]
        row += [repr(float(mn2[i]))] if mn2 is not None else []
        row += [str(sounding[i]), f"{float(x[i])!r}"] if sounding is not None else []
        lines.append(",".join(row))
    return read_survey(io.StringIO("\n".join(lines) + "\n"), method="ves")


def test_resample_is_the_identity_on_the_networks_own_grid():
    ves = VES(np.geomspace(1, 100, 12), 2)
    data = ves.simulate([[20.0, 200.0, 5.0]])[0]
    survey = ves_csv(ves.ab2, data, log10_sigma=0.02)
    d, s = resample(survey, ves)
    np.testing.assert_array_equal(d, data)
    np.testing.assert_allclose(s, 0.02)


def test_resample_interpolates_log_rho_a_against_log_ab2():
    # a power law rho_a = 10 * ab2**0.5 is a straight line in log-log: exact
    ab2 = np.geomspace(0.5, 300, 23)
    survey = ves_csv(ab2, 10 * ab2**0.5, log10_sigma=0.03)
    ves = VES(np.geomspace(1, 100, 9), 2)
    d, s = resample(survey, ves)
    np.testing.assert_allclose(d, 10 * ves.ab2**0.5, rtol=1e-12)
    np.testing.assert_allclose(s, 0.03)            # errors carried along, never reduced


def test_repeated_spacings_merge_by_inverse_variance():
    # a stepped MN repeats AB/2 = 10: two readings 100 and 121 ohm.m with equal errors
    ab2 = np.array([1.0, 10.0, 10.0, 100.0])
    mn2 = np.array([0.3, 0.3, 3.0, 3.0])
    survey = ves_csv(ab2, np.array([50.0, 100.0, 121.0, 200.0]), 0.02, mn2=mn2)
    ves = VES(np.array([1.0, 10.0, 100.0]), 2)
    d, s = resample(survey, ves)
    assert d[1] == pytest.approx(110.0, rel=1e-12)          # geometric mean
    assert s[1] == pytest.approx(0.02 / np.sqrt(2), rel=1e-12)


def test_an_uncovered_grid_is_refused_naming_the_spacings():
    survey = ves_csv(np.geomspace(3, 500, 10), np.full(10, 50.0))
    ves = VES(np.geomspace(1, 1000, 13), 2)
    with pytest.raises(ValueError, match=r"sounding 1: the network's AB/2 1, 1.778, 562.3, 1000 m "
                                         r"lie outside the sounding's 3 to 500 m"):
        resample(survey, ves)
    wenner = VES(np.geomspace(3, 500, 10), 2, array="wenner")
    with pytest.raises(ValueError, match="schlumberger array but the network was trained on a "
                                         "wenner array"):
        resample(survey, wenner)


@pytest.fixture(scope="module")
def trained():
    ves = VES(np.geomspace(1, 100, 12), 2)
    space = ModelSpace([Parameter("rho_1", "ohm.m", 10, 1000), Parameter("rho_2", "ohm.m", 10, 1000),
                        Parameter("h_1", "m", 2, 20)])
    return train_small_inversion(ves, space, 2000, 300, 12, seed=5)[0]


def test_a_survey_in_its_own_geometry_is_refined_to_the_truth(trained):
    # two soundings measured on their own, finer spacings, with stepped MN on the first
    truth = np.array([[40.0, 400.0, 6.0], [300.0, 30.0, 4.0]])
    ab2 = np.geomspace(0.8, 130, 20)
    frames = []
    for k, (model, mn) in enumerate(zip(truth, (np.where(ab2 < 10, 0.3, 3.0), ab2 / 10.0))):
        own = VES(ab2, 2, mn2=mn)
        rho_a = own.simulate(model[None])[0]
        frames.append((rho_a, mn))
    survey = read_survey(io.StringIO(
        "ab2,mn2,rho_a,log10_sigma,sounding,x\n" + "".join(
            f"{float(a)!r},{float(m[i])!r},{float(r[i])!r},0.01,S{k},{100.0 * k}\n"
            for k, (r, m) in enumerate(frames) for i, a in enumerate(ab2))), method="ves")
    result = invert_survey(trained, survey, rng=0)
    # noise-free data: the least-squares minimum is the true model (to the solver's tolerance)
    np.testing.assert_allclose(result.models["network_lm"], truth, rtol=1e-3)
    assert (result.rms["network_lm"] < 0.05).all()
    assert (result.rms["network"] > result.rms["network_lm"]).all()
    assert np.isfinite(result.std).all() and (result.std > 0).all()
    np.testing.assert_allclose(np.diagonal(result.corr, axis1=1, axis2=2), 1.0, rtol=1e-9)
    frame = result.to_frame()
    assert list(frame["sounding"]) == ["S0", "S1"] and list(frame["x"]) == [0.0, 100.0]
    assert {"network_rho_1", "network_lm_h_1", "std_rho_2", "ood_flag"} <= set(frame.columns)
    fit = result.fit_frame()
    assert len(fit) == 40 and set(fit["sigma_space"]) == {"log10"}
    # each sounding's refined curve is its own geometry's (stepped MN on S0)
    own = VES(ab2, 2, mn2=np.where(ab2 < 10, 0.3, 3.0))
    np.testing.assert_allclose(fit.loc[fit.sounding == "S0", "network_lm"],
                               own.simulate(result.models["network_lm"][:1])[0], rtol=1e-12)


def test_refinement_does_not_depend_on_where_it_starts(trained):
    ves = VES(np.geomspace(1, 100, 12), 2)
    rng = np.random.default_rng(3)
    data = ves.simulate([[50.0, 500.0, 8.0]])[0] * 10 ** (0.02 * rng.standard_normal(12))
    survey = ves_csv(ves.ab2, data, log10_sigma=0.02)
    answers = [invert_survey(trained, survey, rng=seed).models["network_lm"][0]
               for seed in (0, 1)]
    from geoinv.inversion.least_squares import damped_least_squares

    far = damped_least_squares(ves, trained.space, data[None], np.full((1, 12), 0.02),
                               np.array([[15.0, 900.0, 3.0]]), widen=0.5).models[0]
    # to the least-squares minimum by default: the same basement from any start
    assert answers[0][1] == pytest.approx(answers[1][1], rel=1e-4)
    assert far[1] == pytest.approx(answers[0][1], rel=1e-3)


def test_posterior_of_a_synthetic_sounding_holds_the_truth(trained):
    ves = VES(np.geomspace(1, 100, 12), 2)
    truth = np.array([50.0, 500.0, 8.0])
    rng = np.random.default_rng(4)
    data = ves.simulate(truth[None])[0] * 10 ** (0.01 * rng.standard_normal(12))
    survey = ves_csv(ves.ab2, data, log10_sigma=0.01)
    result = invert_survey(trained, survey, rng=0, posterior=True,
                           posterior_options=dict(n_steps=400, max_steps=400))
    post = result.posterior
    thin = POSTERIOR_DEFAULTS["thin"]
    assert post.samples.shape == (1, 16 * 400 // (2 * thin), 3)  # 16 chains for one sounding
    # the prior is the LM search box: the prior box widened by 0.5 box widths (log10)
    np.testing.assert_allclose(post.low, 10 ** (np.log10(trained.space.low) - 0.5 * np.log10(
        trained.space.high / trained.space.low)), rtol=1e-9)
    frame = result.to_frame()
    for name in result.names + ["S_1", "T_1"]:
        low, median, high = (frame[f"{name}_{k}"].to_numpy() for k in ("low_90", "median",
                                                                       "high_90"))
        assert (low <= median).all() and (median <= high).all(), name
    # the truth within the 90 % interval, widened by half its width in decades on each side
    # (400 draws of chains that may not have converged in 400 steps: generous on purpose)
    for j, name in enumerate(result.names):
        lo, hi = np.log10(frame[f"{name}_low_90"][0]), np.log10(frame[f"{name}_high_90"][0])
        assert lo - 0.5 * (hi - lo) <= np.log10(truth[j]) <= hi + 0.5 * (hi - lo), name
    # S_1 = h_1 / rho_1 and T_1 = h_1 rho_1: the columns are the quantiles of those of the draws
    rho_1, h_1 = post.samples[0, :, 0], post.samples[0, :, 2]
    s, t = h_1 / rho_1, h_1 * rho_1
    np.testing.assert_allclose([frame["S_1_low_90"][0], frame["S_1_median"][0],
                                frame["T_1_high_90"][0]],
                               [np.quantile(s, 0.05), np.median(s), np.quantile(t, 0.95)],
                               rtol=1e-12)
    # equivalence limits: the refined model (chi2_min) lies inside them
    for j, name in enumerate(result.names):
        assert frame[f"{name}_equiv_low"][0] <= result.models["network_lm"][0, j] \
            <= frame[f"{name}_equiv_high"][0], name
    assert frame["chi2_bound"][0] == pytest.approx(frame["chi2_min"][0] + 6.2514, abs=1e-3)
    assert {"r_hat_max", "ess_min", "posterior_converged"} <= set(frame.columns)
    assert list(frame.columns[-4:]) == ["r_hat_max", "ess_min", "posterior_converged",
                                        "posterior_steps"]
    from matplotlib.figure import Figure

    fig = result.plot_posterior(fig=Figure())
    # two layers: no middle layer, so no valley; VES: one data panel
    assert [ax.get_label() for ax in fig.axes if ax.get_label() in ("fan", "valley", "rho_a",
                                                                     "phase")] == ["fan", "rho_a"]


def test_without_posterior_the_frame_has_no_posterior_columns(trained):
    ves = VES(np.geomspace(1, 100, 12), 2)
    survey = ves_csv(ves.ab2, ves.simulate([[50.0, 500.0, 8.0]])[0], log10_sigma=0.01)
    result = invert_survey(trained, survey, rng=0)
    assert result.posterior is None and result.equivalence is None
    columns = result.to_frame().columns
    assert not [c for c in columns if c.endswith(("_median", "_90")) or "equiv" in c]
    assert "posterior_converged" not in columns
    with pytest.raises(ValueError, match="no posterior"):
        result.plot_posterior()
