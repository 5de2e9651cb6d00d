"""Network, LM from a generic start and network -> LM compared (geoinv.inversion.refine)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import train_small_inversion

from geoinv import ModelSpace, Parameter, make_dataset
from geoinv.forward import VES
from geoinv.evaluation.compare import compare_methods
from geoinv.inversion.refine import METHODS, fitted_outside_box, generic_start, refine
from geoinv.viz import plot_misfit_by_method
from geoinv.inversion.least_squares import damped_least_squares


@pytest.fixture(scope="module")
def setup():
    """A small three-layer VES network (trains in about a second)."""
    ves = VES(np.geomspace(1, 500, 18), n_layers=3)
    space = ModelSpace([Parameter(f"rho_{i}", "ohm.m", 5, 500) for i in (1, 2, 3)]
                       + [Parameter(f"h_{i}", "m", 2, 30) for i in (1, 2)])
    inversion, _, _, rng, noise = train_small_inversion(ves, space, 3000, 300, 20, seed=10)
    test_id = make_dataset(ves, space, 200, noise, rng)
    test_ood = make_dataset(ves, space, 200, noise, rng, ood_shell=0.5)
    return inversion, test_id, test_ood


def _values(comparison):
    return {(q, m): v for q, m, v in comparison.metrics[["quantity", "metric", "value"]].values}


def test_generic_start_is_a_half_space_at_the_mean_apparent_resistivity(setup):
    inversion, test_id, _ = setup
    ves, space = inversion.forward, inversion.space
    data = np.array([[10.0] * 9 + [1000.0] * 9,       # geometric mean 100 ohm.m
                     [1e4] * 18])                     # 1e4: clipped to the search box
    m0 = generic_start(ves, space, data, widen=0.5)
    np.testing.assert_allclose(m0[0, :3], 100.0, rtol=1e-12)
    top = 10 ** (np.log10(500) + 0.5 * 2)            # box 5..500 is 2 decades wide
    np.testing.assert_allclose(m0[1, :3], top, rtol=1e-12)
    # thicknesses (unit m, no datum in m) at the box centre in log10: sqrt(2 * 30)
    np.testing.assert_allclose(m0[:, 3:], np.sqrt(60.0), rtol=1e-12)


def test_refine_is_lm_from_the_network_prediction(setup):
    inversion, test_id, _ = setup
    d, s = test_id.data[:30], test_id.sigma[:30]
    res = refine(inversion, d, s, n_restarts=0)
    # refine goes to the least-squares minimum by default (target_rms=None;
    # it stopped at target_rms=1.0 before the error-space convention)
    direct = damped_least_squares(inversion.forward, inversion.space, d, s, inversion.predict(d),
                                  widen=0.5, target_rms=None)
    np.testing.assert_array_equal(res.models, direct.models)
    np.testing.assert_array_equal(res.forward_calls, direct.forward_calls)


def test_compare_methods_rows_and_numbers(setup):
    inversion, test_id, test_ood = setup
    fw, space = inversion.forward, inversion.space
    c_id = compare_methods(fw, space, inversion, test_id, "test_id", rng=0)
    c_ood = compare_methods(fw, space, inversion, test_ood, "test_ood", rng=0)
    assert list(c_id.metrics.columns) == ["split", "quantity", "metric", "value"]
    assert set(c_id.metrics.split) == {"test_id"}
    methods = {m.split("@")[1] for m in c_id.metrics.metric}
    assert methods == set(METHODS)
    v_id, v_ood = _values(c_id), _values(c_ood)
    for q in ("rho_1", "rho_2", "rho_3", "h_1", "h_2"):
        assert (q, "median_rel_err@network_lm") in v_id
    assert v_id[("all", "forward_calls_total@network")] == 0.0
    # The network alone does not fit to the noise; refined it does (measured
    # 0.0 -> 0.99 ID, 0.0 -> 0.96 OOD on this small problem).
    assert v_id[("data", "fraction_rms_le_1.2@network")] < 0.1
    assert v_id[("data", "fraction_rms_le_1.2@network_lm")] >= 0.95
    assert v_ood[("data", "fraction_rms_le_1.2@network_lm")] >= 0.9
    # The network start saves forward calls over the generic start: measured
    # 24.7 vs 39.1 per ID sounding.  (OOD: 59.7 vs 61.7 with this briefly
    # trained network; too close to assert.)
    assert v_id[("all", "forward_calls_per_sounding@network_lm")] < \
        0.8 * v_id[("all", "forward_calls_per_sounding@lm")]
    # fitted outside the training box: rare for ID, common for OOD
    assert v_id[("data", "fraction_fit_outside_box@network_lm")] < 0.15
    assert v_ood[("data", "fraction_fit_outside_box@network_lm")] > 0.5
    # totals are the sum of the per-sounding counts
    lsq = c_id.results["network_lm"].lsq
    assert v_id[("all", "forward_calls_total@network_lm")] == lsq.forward_calls.sum()
    # wall times are kept apart: they change between runs, metrics do not
    assert set(c_id.timing.metric) == {f"{k}@{m}" for k in ("wall_seconds", "ms_per_sounding")
                                       for m in METHODS}
    again = compare_methods(fw, space, inversion, test_id, "test_id", rng=0)
    assert again.metrics.equals(c_id.metrics)


def test_each_method_has_its_own_random_stream(setup):
    inversion, test_id, _ = setup
    fw, space = inversion.forward, inversion.space
    both = compare_methods(fw, space, inversion, test_id, "test_id", rng=3)
    alone = compare_methods(fw, space, inversion, test_id, "test_id", rng=3,
                            methods=("network_lm",))
    np.testing.assert_array_equal(both.results["network_lm"].models,
                                  alone.results["network_lm"].models)


def test_fitted_outside_box():
    space = ModelSpace([Parameter("rho_1", "ohm.m", 1, 100)])
    models = np.array([[50.0], [500.0], [500.0], [100.0]])
    rms = np.array([1.0, 1.1, 3.0, 1.2])
    # inside & fitted, outside & fitted, outside but not fitted, on the bound (inside)
    assert fitted_outside_box(space, models, rms).tolist() == [False, True, False, False]


def test_compare_methods_rejects_unknown_method(setup):
    inversion, test_id, _ = setup
    with pytest.raises(ValueError, match="methods must be names from network, lm, network_lm"):
        compare_methods(inversion.forward, inversion.space, inversion, test_id, "x",
                        methods=("network", "bfgs"))


def test_plot_misfit_by_method():
    rng = np.random.default_rng(0)
    misfits = {"test_id": {"network": rng.lognormal(2, 0.5, 50),
                           "network_lm": rng.uniform(0.8, 1.1, 50)},
               "test_ood": {"network": rng.lognormal(3, 1, 50),
                            "network_lm": np.r_[rng.uniform(0.8, 1.1, 49), np.nan]}}
    ax = plot_misfit_by_method(misfits)
    assert len(ax.get_lines()) == 4 + 1                     # four curves and the target line
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "test_ood, network -> LM: 98.0 % <= 1.2" in labels    # the NaN counts as not fitted
    assert ax.get_xscale() == "log"
    plt.close(ax.figure)
    fig, given = plt.subplots()
    assert plot_misfit_by_method(misfits, ax=given) is given
    plt.close(fig)


def test_refine_from_three_starts_lands_on_one_minimum():
    # issue 9: stopped at RMS 1, LM left the basement wherever its path first
    # fitted (526, 715 or 835 ohm.m for one field sounding).  Run to the
    # least-squares minimum (the default) three starts agree to ~1e-7
    # (measured; ftol 1e-8 places the minimum to ~1e-4 standard deviations).
    from types import SimpleNamespace

    ves = VES(np.geomspace(1, 1000, 30), n_layers=3)
    space = ModelSpace([Parameter(f"rho_{i}", "ohm.m", 1, 1000) for i in (1, 2, 3)]
                       + [Parameter(f"h_{i}", "m", 1, 50) for i in (1, 2)])
    true = np.array([[100.0, 20.0, 700.0, 4.0, 15.0]])
    sigma = 0.02 / np.log(10.0)                                   # 2 %, in decades
    d = ves.simulate(true) * 10 ** (sigma * np.random.default_rng(1).normal(size=(1, 30)))
    data = np.repeat(d, 3, axis=0)
    starts = np.array([[30.0, 30.0, 30.0, 10.0, 10.0],
                       [200.0, 5.0, 300.0, 2.0, 30.0],
                       [50.0, 50.0, 2000.0, 8.0, 5.0]])
    network = SimpleNamespace(forward=ves, space=space)           # refine needs only these
    res = refine(network, data, sigma, models=starts, rng=0)
    assert (res.starts == 1).all() and (res.rms < 1.2).all()
    np.testing.assert_allclose(res.models[:, 2], res.models[0, 2], rtol=1e-5)   # basement
    np.testing.assert_allclose(res.models, np.repeat(res.models[:1], 3, axis=0), rtol=1e-4)
    np.testing.assert_allclose(res.rms, res.rms[0], rtol=1e-9)
    # with a target of RMS 1 the same starts stop apart (measured 680 to 692 ohm.m)
    stopped = refine(network, data, sigma, models=starts, rng=0, target_rms=1.0)
    assert np.ptp(stopped.models[:, 2]) / res.models[0, 2] > 5e-3
