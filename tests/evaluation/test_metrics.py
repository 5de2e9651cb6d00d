"""Metrics computed by hand, and the misfit of a perfect inversion."""

import numpy as np
import pytest
from scipy import stats

from geoinv import GaussianNoise, ModelSpace, Parameter, evaluate, make_dataset
from geoinv.evaluation.metrics import data_misfit, parameter_metrics
from geoinv.forward import VES


def test_parameter_metrics_by_hand():
    space = ModelSpace([Parameter("rho_1", "ohm.m", 1.0, 100.0, True),
                        Parameter("x0", "m", -1.0, 1.0, False)])
    true = np.array([[10.0, 0.5], [10.0, 0.5], [10.0, 0.5]])
    pred = np.array([[11.0, 0.5], [100.0, 0.7], [1000.0, 0.1]])
    rows = {(q, m): v for q, m, v in parameter_metrics(true, pred, space)}
    # relative errors of rho: 0.1, 9, 99 -> median 9
    assert rows["rho_1", "median_rel_err"] == pytest.approx(9.0)
    # log10 errors: log10(1.1), 1, 2
    assert rows["rho_1", "rmse_log10"] == pytest.approx(np.sqrt((np.log10(1.1) ** 2 + 1 + 4) / 3))
    # x0 is linear: rmse of (0, 0.2, -0.4)
    assert rows["x0", "rmse"] == pytest.approx(np.sqrt((0.04 + 0.16) / 3))
    assert rows["rho_1", "fraction_in_box"] == pytest.approx(2 / 3)
    assert ("x0", "rmse_log10") not in rows


def test_data_misfit_by_hand():
    d_obs = np.array([[100.0, 200.0]])
    d_pred = np.array([[102.0, 190.0]])
    sigma = np.array([[2.0, 5.0]])
    rms, rel = data_misfit(d_obs, d_pred, sigma, log_mask=False)     # linear columns
    np.testing.assert_allclose(rms, [np.sqrt((1 + 4) / 2)])
    np.testing.assert_allclose(rel, [(0.02 + 0.05) / 2])
    # log10 columns: residuals in decades over sigma in decades; rel stays linear
    rms, rel = data_misfit(d_obs, d_pred, [[0.01, 0.02]], log_mask=True)
    expected = np.sqrt(((np.log10(1.02) / 0.01) ** 2 + (np.log10(0.95) / 0.02) ** 2) / 2)
    np.testing.assert_allclose(rms, [expected], rtol=1e-14)
    np.testing.assert_allclose(rel, [(0.02 + 0.05) / 2])
    with pytest.warns(DeprecationWarning, match="log_mask"):      # omitted: linear, warned
        np.testing.assert_allclose(data_misfit(d_obs, d_pred, sigma)[0], [np.sqrt(2.5)])


def test_misfit_of_a_model_one_sigma_off_in_log10_is_one():
    # every datum of the prediction is exactly one sigma (0.0087 decades = 2 %)
    # above or below the observation, in log10: RMS 1 whatever the data's level
    ves = VES(np.geomspace(1, 300, 12), 2)
    d_obs = ves.simulate([[10.0, 1000.0, 5.0], [300.0, 3.0, 20.0]])
    sigma = 0.02 / np.log(10.0)
    signs = np.where(np.arange(12) % 2, 1.0, -1.0)
    d_pred = d_obs * 10 ** (signs * sigma)
    rms, _ = data_misfit(d_obs, d_pred, sigma, ves)               # a forward model as mask
    np.testing.assert_allclose(rms, 1.0, rtol=1e-12)
    # all one sigma above: still 1 in log10; the old linear misfit with sigma
    # = 2 % of d_obs was (10**0.0087 - 1) / 0.02 = 1.0101
    up = d_obs * 10 ** sigma
    np.testing.assert_allclose(data_misfit(d_obs, up, sigma, ves)[0], 1.0, rtol=1e-12)
    linear, _ = data_misfit(d_obs, up, 0.02 * d_obs, False)
    np.testing.assert_allclose(linear, (10 ** sigma - 1) / 0.02, rtol=1e-12)


def test_perfect_inversion_fits_to_the_noise():
    """True models as predictions: the residual is the noise itself.

    Each sounding's squared RMS misfit is then chi-square with n_data degrees
    of freedom divided by n_data: the noise is Gaussian in the error space
    (log10 for rho_a) with the sigma the misfit divides by.
    """
    ves = VES(np.geomspace(1, 1000, 30), 3)
    space = ModelSpace([Parameter(n, u, lo, hi) for n, u, lo, hi in
                        zip(ves.parameter_names, ves.parameter_units,
                            [1, 1, 1, 1, 1], [1000, 1000, 1000, 50, 50])])
    ds = make_dataset(ves, space, 2000, GaussianNoise(relative=0.02), rng=4)
    frame = evaluate(ves, space, ds.models, ds.models, ds.data, ds.sigma, "test_id")
    assert list(frame.columns) == ["split", "quantity", "metric", "value"]
    value = frame.set_index(["quantity", "metric"])["value"]
    assert value["rho_1", "median_rel_err"] == 0.0
    expected = np.sqrt(stats.chi2.median(30) / 30)
    # median of 2000 draws: standard error about 0.13/sqrt(2000) * 1.25 = 0.004
    assert value["data", "median_rms_misfit"] == pytest.approx(expected, abs=0.02)
    # relative misfit of 2 % Gaussian noise: mean |z| * 0.02 = 0.016
    assert value["data", "median_rel_misfit"] == pytest.approx(0.02 * np.sqrt(2 / np.pi), rel=0.05)
    assert value["all", "n_samples"] == 2000


def test_unphysical_predictions_count_as_misfit_failures():
    from geoinv.evaluation.metrics import misfit_metrics, simulate_valid
    from geoinv.forward.base import ForwardModel

    class Toy(ForwardModel):
        kind = "toy"
        parameter_names, parameter_units = ["depth", "radius"], ["m", "m"]
        data_names, data_units = ["g@x=0m", "g@x=1m"], ["mGal", "mGal"]
        data_log = False

        def physical_rules(self, models):
            return [(models[:, 1] >= models[:, 0], "have radius >= depth")]

        def _simulate(self, models):
            return np.column_stack([models[:, 1] / models[:, 0], models[:, 1]])

    toy = Toy()
    models = np.array([[2.0, 1.0], [1.0, 2.0], [4.0, 1.0]])
    assert toy.valid_rows(models).tolist() == [True, False, True]
    with pytest.raises(ValueError, match="rows 1 have radius >= depth"):
        toy.simulate(models)
    data = simulate_valid(toy, models)
    np.testing.assert_array_equal(data[[0, 2]], [[0.5, 1.0], [0.25, 1.0]])
    assert np.isnan(data[1]).all()
    rms = np.array([0.5, np.nan, 3.0])
    rows = {m: v for _, m, v in misfit_metrics(rms, np.array([0.01, np.nan, 0.1]))}
    # the unphysical row counts as the worst: median of (0.5, 3, inf) is 3
    assert rows["median_rms_misfit"] == 3.0
    assert rows["mean_rms_misfit"] == pytest.approx(1.75)   # mean of the valid ones
    assert rows["fraction_rms_le_1.2"] == pytest.approx(1 / 3)
    assert rows["fraction_unphysical"] == pytest.approx(1 / 3)


def test_linear_parameters_get_absolute_errors():
    space = ModelSpace([Parameter("x0", "m", -50.0, 50.0, False),
                        Parameter("depth", "m", 5.0, 50.0, False)])
    true = np.array([[0.0, 10.0], [10.0, 20.0]])
    pred = np.array([[1.0, 11.0], [13.0, 24.0]])
    rows = {(q, m): v for q, m, v in parameter_metrics(true, pred, space)}
    assert rows["x0", "median_abs_err"] == pytest.approx(2.0)
    assert ("x0", "median_rel_err") not in rows      # the x0 box straddles 0
    assert rows["depth", "median_rel_err"] == pytest.approx(0.15)  # (0.1 + 0.2) / 2
    assert rows["depth", "rmse"] == pytest.approx(np.sqrt((1 + 16) / 2))


def test_make_dataset_redraws_unphysical_models():
    from geoinv.forward.base import ForwardModel

    class Sphere(ForwardModel):
        kind = "toy_sphere"
        parameter_names, parameter_units = ["depth", "radius"], ["m", "m"]
        data_names, data_units = ["g@x=0m"], ["mGal"]
        data_log = False

        def physical_rules(self, models):
            return [(models[:, 1] >= models[:, 0], "have radius >= depth")]

        def _simulate(self, models):
            return models[:, 1:] ** 3 / models[:, :1] ** 2

    space = ModelSpace([Parameter("depth", "m", 1.0, 10.0, False),
                        Parameter("radius", "m", 1.0, 10.0, False)])
    ds = make_dataset(Sphere(), space, 3000, GaussianNoise(absolute=0.01), rng=0)
    assert (ds.models[:, 1] < ds.models[:, 0]).all()
    # uniform over the physical half of the square: P(depth < 4) = 4.5 / 40.5
    assert np.mean(ds.models[:, 0] < 4) == pytest.approx(4.5 / 40.5, abs=0.02)
    ood = make_dataset(Sphere(), space, 500, GaussianNoise(absolute=0.01), rng=1, ood_shell=0.5)
    assert not space.contains(ood.models).any() and (ood.models[:, 1] < ood.models[:, 0]).all()
    narrow = ModelSpace([Parameter("depth", "m", 1.0, 2.0, False),
                         Parameter("radius", "m", 3.0, 4.0, False)])
    with pytest.raises(ValueError, match="only 0 of .* physical for Sphere"):
        make_dataset(Sphere(), narrow, 100, GaussianNoise(absolute=0.01), rng=0)


# --------------------------------------------------------------- metric names
def test_metric_keys_are_spelled_as_in_metrics_csv():
    from geoinv.evaluation import FIT_FRACTION, metric_key

    assert FIT_FRACTION == "fraction_rms_le_1.2"
    assert metric_key(FIT_FRACTION, "network_lm") == "fraction_rms_le_1.2@network_lm"
    assert metric_key("median_rel_err", "lm") == "median_rel_err@lm"
    assert metric_key("median_rms_misfit") == "median_rms_misfit"


def test_detection_metrics_rows_in_order():
    from geoinv.evaluation import detection_metrics

    frame = detection_metrics(1.0, {"test_id": [0.5, 2.0, 0.1, 0.2],
                                    "test_ood": [3.0, 4.0, 0.5]})
    assert [tuple(r) for r in frame.values] == [
        ("validation", "ood", "threshold", 1.0),
        ("test_id", "ood", "fraction_flagged", 0.25),
        ("test_id", "ood", "median_score", 0.35),
        ("test_ood", "ood", "fraction_flagged", 2 / 3),
        ("test_ood", "ood", "median_score", 3.0),
        # pairs (id, ood) ordered right: 4 + 4 + 2 of 12, and the tie 0.5 vs 0.5 counts 1/2
        ("test_ood", "ood", "roc_auc_vs_test_id", 10.5 / 12)]


def test_old_evaluation_module_names_still_import():
    from geoinv.evaluation import (FIT_THRESHOLD, data_misfit, declared_scale,  # noqa: F401
                                   evaluate, misfit_metrics, parameter_metrics, simulate_valid,
                                   uncertainty_metrics)
    from geoinv.inversion.misfit import FIT_THRESHOLD as below

    assert FIT_THRESHOLD == below == 1.2
