"""Out-of-distribution detection (geoinv.inversion.ood)."""

import numpy as np
import pytest
from conftest import train_small_inversion
from scipy.stats import mannwhitneyu

from geoinv import ModelSpace, Parameter, make_dataset
from geoinv.forward import VES
from geoinv.evaluation.metrics import ood_metrics
from geoinv.inversion.ood import OODDetector, box_excess, predict_with_ood, roc_auc


@pytest.fixture(scope="module")
def setup():
    """A small two-layer VES network (trains in well under a second)."""
    ves = VES(np.geomspace(1, 300, 15), n_layers=2)
    space = ModelSpace([Parameter("rho_1", "ohm.m", 10, 1000),
                        Parameter("rho_2", "ohm.m", 10, 1000), Parameter("h_1", "m", 2, 30)])
    inversion, train, val, rng, noise = train_small_inversion(ves, space, 2000, 500, 15, seed=0)
    test_id = make_dataset(ves, space, 400, noise, rng)
    test_ood = make_dataset(ves, space, 400, noise, rng, ood_shell=0.5)
    return inversion, train, val, test_id, test_ood


def test_roc_auc_on_hand_made_cases():
    # pairs (neg, pos): (1,2)(1,4)(1,5)(2,4)(2,5)(3,4)(3,5) ordered right, (2,2) a tie,
    # (3,2) wrong: 7 + 0.5 of 9
    assert roc_auc([1, 2, 3], [2, 4, 5]) == pytest.approx(7.5 / 9, abs=1e-15)
    assert roc_auc([1, 2], [3, 4]) == 1.0
    assert roc_auc([3, 4], [1, 2]) == 0.0
    assert roc_auc([1, 1, 1], [1, 1]) == 0.5
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=50), rng.normal(0.7, 1.0, size=70)
    u = mannwhitneyu(b, a).statistic
    assert roc_auc(a, b) == pytest.approx(u / (50 * 70), abs=1e-12)
    with pytest.raises(ValueError, match="scores_positive"):
        roc_auc([1.0], [np.nan])


def test_box_excess_in_box_widths():
    space = ModelSpace([Parameter("rho_1", "ohm.m", 1, 1000),
                        Parameter("h_1", "m", -5, 5, log=False)])
    models = np.array([[10.0, 0.0],              # inside
                       [10**4.5, 0.0],           # rho_1 half a box width (1.5 decades) above
                       [10**-1.5, 10.0]])        # 0.5 below and 0.5 above: sqrt(0.5)
    np.testing.assert_allclose(box_excess(space, models), [0.0, 0.5, np.sqrt(0.5)], rtol=1e-12)


def test_flags_about_alpha_of_id_and_most_ood(setup):
    inversion, train, val, test_id, test_ood = setup
    det = OODDetector(alpha=0.1).fit(inversion, train, val)
    flag_id = det.flag(test_id.data, test_id.sigma)
    flag_ood = det.flag(test_ood.data, test_ood.sigma)
    # The threshold is the 90 % quantile of 500 validation scores (standard
    # error ~1.3 %) applied to 400 fresh ID soundings (~1.5 %): within 7 %
    # of alpha is 3.5 standard deviations.
    assert abs(flag_id.mean() - 0.1) < 0.07
    assert flag_ood.mean() > 0.9                 # measured 0.99
    auc = roc_auc(det.score(test_id.data, test_id.sigma), det.score(test_ood.data, test_ood.sigma))
    assert auc > 0.97                            # measured 0.993
    # the leave-one-out validation scores put alpha of them above the threshold
    assert np.mean(det.validation_scores_ > det.threshold_) == pytest.approx(0.1, abs=0.01)


def test_cheap_components_alone_still_separate(setup):
    inversion, train, val, test_id, test_ood = setup
    det = OODDetector(components=("distance", "misfit")).fit(inversion, train, val)
    auc = roc_auc(det.score(test_id.data, test_id.sigma), det.score(test_ood.data, test_ood.sigma))
    assert auc > 0.93                            # measured 0.958
    only_distance = OODDetector(components=("distance",)).fit(inversion, train, val)
    scores = only_distance.score(test_ood.data)             # needs no sigma
    assert scores.shape == (len(test_ood),) and np.isfinite(scores).all()


def test_scores_are_sums_of_log_tail_probabilities(setup):
    inversion, train, val, test_id, _ = setup
    det = OODDetector().fit(inversion, train, val)
    data, sigma = test_id.data[:50], test_id.sigma[:50]
    p = det.p_values(data, sigma)
    n = len(val)
    for c in ("distance", "misfit", "refined"):
        assert ((p[c] >= 1 / (n + 1)) & (p[c] <= 1)).all()
    np.testing.assert_allclose(det.score(data, sigma), -sum(np.log10(v) for v in p.values()),
                               rtol=1e-12)
    result = det.predict(data, sigma)
    np.testing.assert_array_equal(result.flags, result.scores > det.threshold_)
    np.testing.assert_array_equal(result.models, inversion.predict(data))
    models, flags, scores = predict_with_ood(det, data, sigma)
    np.testing.assert_array_equal(flags, result.flags)
    np.testing.assert_array_equal(scores, result.scores)
    # passing the refined models skips the LM run and gives the same scores
    same = det.score(data, sigma, refined=result.refined.models)
    np.testing.assert_allclose(same, result.scores, rtol=1e-12)


def test_tail_probability_of_extremes(setup):
    inversion, train, val, _, _ = setup
    det = OODDetector(components=("misfit",)).fit(inversion, train, val)
    n = len(val)
    ref = det.reference_["misfit"]
    # the largest validation value: itself and the new one -> 2 / (n + 1);
    # beyond every validation value -> 1 / (n + 1); below all -> 1
    p_max = det._p_from_stats({"misfit": np.array([ref[-1], ref[-1] * 10, 0.0])})["misfit"]
    np.testing.assert_allclose(p_max, [2 / (n + 1), 1 / (n + 1), 1.0])


def test_detector_checks(setup):
    inversion, train, val, test_id, _ = setup
    with pytest.raises(RuntimeError, match="not fitted"):
        OODDetector().score(test_id.data, test_id.sigma)
    with pytest.raises(ValueError, match="components"):
        OODDetector(components=("distance", "colour")).fit(inversion, train, val)
    with pytest.raises(ValueError, match="alpha"):
        OODDetector(alpha=1.5).fit(inversion, train, val)
    with pytest.raises(ValueError, match="too few"):
        OODDetector(alpha=0.001).fit(inversion, train, val)
    det = OODDetector(components=("misfit",)).fit(inversion, train, val)
    with pytest.raises(ValueError, match="sigma is needed"):
        det.score(test_id.data)


def test_saved_detector_scores_the_same(setup, tmp_path):
    inversion, train, val, test_id, _ = setup
    det = OODDetector(components=("distance", "misfit")).fit(inversion, train, val)
    path = tmp_path / "ood.npz"
    np.savez(path, **det.to_arrays())
    with np.load(path) as f:
        again = OODDetector.from_arrays(dict(f), inversion)
    np.testing.assert_array_equal(again.score(test_id.data, test_id.sigma),
                                  det.score(test_id.data, test_id.sigma))
    assert again.threshold_ == det.threshold_


def test_ood_metrics_rows(setup):
    inversion, train, val, test_id, test_ood = setup
    det = OODDetector(components=("distance", "misfit")).fit(inversion, train, val)
    frame = ood_metrics(det, {"test_id": test_id, "test_ood": test_ood})
    assert list(frame.columns) == ["split", "quantity", "metric", "value"]
    rows = {(sp, m): v for sp, q, m, v in frame.values}
    s_id, s_ood = det.score(test_id.data, test_id.sigma), det.score(test_ood.data, test_ood.sigma)
    assert rows[("test_ood", "roc_auc_vs_test_id")] == pytest.approx(roc_auc(s_id, s_ood))
    assert rows[("test_id", "fraction_flagged")] == pytest.approx(np.mean(s_id > det.threshold_))
    assert rows[("validation", "threshold")] == det.threshold_
    assert ("test_id", "roc_auc_vs_test_id") not in rows


def test_ood_metrics_old_path_warns():
    import geoinv.inversion.ood as ood

    with pytest.warns(DeprecationWarning, match="geoinv.evaluation.ood_metrics"):
        from geoinv.inversion.ood import ood_metrics as old
    assert old is ood_metrics
    with pytest.raises(AttributeError):
        ood.no_such_name
