"""Saving and reading network inversions: one file format for K >= 1, old files still read."""

from pathlib import Path

import json

import numpy as np
import pytest

import geoinv
from geoinv import GaussianNoise, ModelSpace, NetworkInversion, OODDetector, Parameter, make_dataset
from geoinv.forward import VES
from geoinv.inversion.persistence import FORMAT_VERSION, read_inversion
from geoinv.prior.noise import sigma_to_error_space
from geoinv.nn.training import Adam

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def expected():
    with np.load(DATA / "v1_expected.npz") as f:
        expected = dict(f)
    # v1_expected.npz holds sigma in ohm.m (written before the error-space
    # convention); today's API takes it in decades on rho_a (geoinv.prior.noise).
    # The old files' OOD detectors, calibrated on linear misfits, take it back
    # to ohm.m, so their scores are still reproduced bit for bit.
    expected["sigma"] = sigma_to_error_space(expected["sigma"], expected["data"], True)  # VES
    return expected


def test_format_1_single_network_reads_to_identical_predictions(expected):
    """network_v1.npz was written by NetworkInversion.save before 0.2 (make_v1_files.py)."""
    inv = geoinv.load(DATA / "network_v1.npz")
    assert type(inv) is NetworkInversion and inv.n_members == 1
    assert inv.scenario == {"name": "v1 single"}
    data, sigma = expected["data"], expected["sigma"]
    np.testing.assert_array_equal(inv.predict(data), expected["network_models"])
    models, flags, scores = inv.predict(data, return_ood=True, sigma=sigma)
    np.testing.assert_array_equal(models, expected["network_models"])
    np.testing.assert_array_equal(flags, expected["network_flags"])
    np.testing.assert_array_equal(scores, expected["network_scores"])


def test_format_1_ensemble_reads_to_identical_predictions(expected):
    """ensemble_v1.npz was written by EnsembleInversion.save before 0.2."""
    inv = NetworkInversion.load(DATA / "ensemble_v1.npz")
    assert type(inv) is NetworkInversion and inv.n_members == 3
    data, sigma = expected["data"], expected["sigma"]
    np.testing.assert_array_equal(inv.predict_members(data), expected["ensemble_members"])
    mean, std, flags, scores = inv.predict(data, return_std=True, return_ood=True, sigma=sigma)
    np.testing.assert_array_equal(mean, expected["ensemble_mean"])
    np.testing.assert_array_equal(std, expected["ensemble_std"])
    np.testing.assert_array_equal(flags, expected["ensemble_flags"])
    np.testing.assert_array_equal(scores, expected["ensemble_scores"])


@pytest.mark.parametrize("k", [1, 3])
def test_one_format_for_every_k_round_trips_exactly(k, tmp_path, expected):
    old = geoinv.load(DATA / ("network_v1.npz" if k == 1 else "ensemble_v1.npz"))
    path = old.save(tmp_path / "again.npz")
    with np.load(path) as f:
        meta = json.loads(str(f["meta"]))
        keys = set(f.files)
    assert meta["format_version"] == FORMAT_VERSION == 2 and meta["n_members"] == k
    assert {f"member{i}.{w}" for i in range(k) for w in "VW"} <= keys
    assert "ood.settings" in keys
    again = geoinv.load(path)
    data, sigma = expected["data"], expected["sigma"]
    for a, b in zip(again.predict(data, return_std=True, return_ood=True, sigma=sigma),
                    old.predict(data, return_std=True, return_ood=True, sigma=sigma)):
        np.testing.assert_array_equal(a, b)
    assert again.scenario == old.scenario
    assert read_inversion(path).ood_arrays.keys() == read_inversion(
        DATA / ("network_v1.npz" if k == 1 else "ensemble_v1.npz")).ood_arrays.keys()


def test_saved_after_training_without_a_detector(tmp_path):
    ves = VES(np.geomspace(1, 100, 6), 2)
    space = ModelSpace([Parameter("rho_1", "ohm.m", 10, 100), Parameter("rho_2", "ohm.m", 10, 100),
                        Parameter("h_1", "m", 1, 10)])
    train = make_dataset(ves, space, 60, GaussianNoise(0.02), rng=0)
    inv = NetworkInversion.create(ves, space, 3, rng=0)
    inv.fit(train, trainer=Adam(max_epochs=2), rng=1)
    again = geoinv.load(inv.save(tmp_path / "net.npz"))
    assert again.ood_detector is None and again.histories_ == []
    np.testing.assert_array_equal(again.predict(train.data), inv.predict(train.data))
    assert isinstance(OODDetector().fit(again, train, train), OODDetector)   # a loaded one is fitted


def test_unknown_version_and_kind_are_named(tmp_path):
    with np.load(DATA / "network_v1.npz") as f:
        arrays = dict(f)
    meta = json.loads(str(arrays["meta"]))
    for change, message in (({"format_version": 7}, "unsupported format version 7"),
                            ({"kind": "forest"}, "unknown inversion kind 'forest'")):
        np.savez(tmp_path / "bad.npz", **{**arrays, "meta": np.array(json.dumps({**meta, **change}))})
        with pytest.raises(ValueError, match=message):
            geoinv.load(tmp_path / "bad.npz")
