"""NetworkInversion: physical units in and out, the estimator contract, exact save/load."""

import numpy as np
import pytest

import geoinv
from geoinv import GaussianNoise, ModelSpace, NetworkInversion, Parameter, make_dataset
from geoinv.forward import VES
from geoinv.nn.training import GradientDescent


@pytest.fixture
def setup():
    ves = VES(np.geomspace(1, 300, 15), 2)
    space = ModelSpace([Parameter("rho_1", "ohm.m", 10, 1000), Parameter("rho_2", "ohm.m", 10, 1000),
                        Parameter("h_1", "m", 1, 30)], lower_limit=[0, 0, 0])
    return ves, space


def test_scalers_fitted_from_the_prior_box(setup):
    ves, space = setup
    inv = NetworkInversion.create(ves, space, 6, rng=0)
    # the prior bounds land on the logsig working range (0.1, 0.9) ...
    np.testing.assert_allclose(inv.network_targets([space.low, space.high]),
                               [[0.1] * 3, [0.9] * 3], atol=1e-15)
    # ... and the data bounds (rho_a between the smallest and largest rho) on (-1, 1)
    np.testing.assert_allclose(inv.network_inputs(np.full((1, 15), 10.0)), -1.0, atol=1e-15)
    np.testing.assert_allclose(inv.network_inputs(np.full((1, 15), 1000.0)), 1.0, atol=1e-15)


def test_save_load_gives_identical_predictions(setup, tmp_path):
    ves, space = setup
    inv = NetworkInversion.create(ves, space, 6, rng=1, scenario={"name": "x", "seed": 1})
    train = make_dataset(ves, space, 200, GaussianNoise(0.02), rng=2)
    inv.fit(train, trainer=GradientDescent(max_epochs=3, batch_size=20), rng=3)
    path = inv.save(tmp_path / "net.npz")
    again = geoinv.load(path)
    test = make_dataset(ves, space, 50, GaussianNoise(0.02), rng=4)
    np.testing.assert_array_equal(again.predict(test.data), inv.predict(test.data))
    np.testing.assert_array_equal(again.network.V, inv.network.V)
    np.testing.assert_array_equal(again.network.W, inv.network.W)
    np.testing.assert_array_equal(again.forward.ab2, ves.ab2)
    assert again.scenario == {"name": "x", "seed": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["net.npz"]  # no temporary file left


def test_predict_shapes_and_errors(setup):
    ves, space = setup
    inv = NetworkInversion.create(ves, space, 6, rng=0)
    d = ves.simulate(space.sample(4, rng=0))
    with pytest.raises(RuntimeError, match="not fitted"):
        inv.predict(d)
    train = make_dataset(ves, space, 40, GaussianNoise(0.02), rng=1)
    inv.fit(train, trainer=GradientDescent(max_epochs=1), rng=2)
    assert inv.predict(d).shape == (4, 3)
    assert inv.predict(d[0]).shape == (3,)
    with pytest.raises(ValueError, match="data must have 15 columns"):
        inv.predict(d[:, :5])


def test_data_bounds_from_training_data_when_the_physics_implies_none(setup):
    ves, space = setup

    class NoBounds(type(ves)):
        def data_bounds(self, low, high):
            return None

    fwd = NoBounds(ves.ab2, 2)
    train = make_dataset(fwd, space, 100, GaussianNoise(0.02), rng=0)
    with pytest.raises(ValueError, match="implies no data bounds"):
        NetworkInversion.create(fwd, space, 4, rng=0)
    inv = NetworkInversion.create(fwd, space, 4, rng=0, train_data=train.data)
    X = inv.network_inputs(train.data)
    # the per-column range of the training data maps exactly onto [-1, 1]
    np.testing.assert_allclose(X.min(axis=0), -1.0, atol=1e-12)
    np.testing.assert_allclose(X.max(axis=0), 1.0, atol=1e-12)


def test_fit_returns_self_with_one_history_per_member(setup):
    ves, space = setup
    train = make_dataset(ves, space, 100, GaussianNoise(0.02), rng=0)
    inv = NetworkInversion.create(ves, space, 4, rng=0)
    assert inv.fit(train, train, GradientDescent(max_epochs=3, patience=None), rng=1) is inv
    assert len(inv.histories_) == 1 and inv.history_ is inv.histories_[0]
    assert len(inv.history_.epochs) == 3
    frame = inv.history_frame()
    assert list(frame.columns) == ["epoch", "train_loss", "val_loss", "seconds"]
    assert frame["epoch"].tolist() == [1, 2, 3]
    with pytest.raises(ValueError, match="no training history"):
        NetworkInversion.create(ves, space, 4, rng=0).history_frame()


def test_one_predict_signature_for_one_and_k_members(setup):
    ves, space = setup
    train = make_dataset(ves, space, 100, GaussianNoise(0.02), rng=0)
    d = train.data[:5]
    for k in (1, 3):
        inv = NetworkInversion.create(ves, space, 4, n_members=k, rng=0)
        inv.fit(train, trainer=GradientDescent(max_epochs=2), rng=1)
        models, std = inv.predict(d, return_std=True)
        np.testing.assert_array_equal(models, inv.predict(d))
        members = inv.predict_members(d)
        assert members.shape == (k, 5, 3) and std.shape == (5, 3)
        if k == 1:    # the network's answer itself, no spread
            np.testing.assert_array_equal(models, members[0])
            assert not std.any()
        else:
            assert (std > 0).all()
        with pytest.raises(TypeError):
            inv.predict(d, True)                 # options are keywords
        with pytest.raises(ValueError, match="no OOD detector"):
            inv.predict(d, return_ood=True)


def test_return_ood_with_std_and_a_single_sounding(setup):
    from geoinv import OODDetector

    ves, space = setup
    noise = GaussianNoise(0.02)
    train = make_dataset(ves, space, 300, noise, rng=0)
    val = make_dataset(ves, space, 100, noise, rng=1)
    inv = NetworkInversion.create(ves, space, 6, n_members=2, rng=0)
    inv.fit(train, val, GradientDescent(max_epochs=5), rng=1)
    inv.ood_detector = OODDetector(components=("distance", "misfit")).fit(inv, train, val)
    models, std, flags, scores = inv.predict(val.data, return_std=True, return_ood=True,
                                             sigma=val.sigma)
    result = inv.ood_detector.predict(val.data, val.sigma)
    np.testing.assert_array_equal(models, result.models)
    np.testing.assert_array_equal(flags, result.flags)
    np.testing.assert_array_equal(scores, result.scores)
    np.testing.assert_array_equal(std, inv.predict(val.data, return_std=True)[1])
    one, flag, score = inv.predict(val.data[0], return_ood=True, sigma=val.sigma[0])
    assert one.shape == (3,) and isinstance(flag, bool) and score == scores[0]


def test_old_activation_keywords_warn(setup):
    ves, space = setup
    new = NetworkInversion.create(ves, space, 4, hidden_activation="tansig",
                                  output_activation="purelin", rng=0)
    with pytest.warns(DeprecationWarning, match=r"(hidden|output)= is now \1_activation="):
        old = NetworkInversion.create(ves, space, 4, hidden="tansig", output="purelin", rng=0)
    np.testing.assert_array_equal(old.network.flat_weights(), new.network.flat_weights())
    settings = [{k: v for k, v in inv.network.to_dict().items() if not isinstance(v, np.ndarray)}
                for inv in (old, new)]
    assert settings[0] == settings[1] and "tansig" in settings[0].values()
    # the output activation sets the model scaler's target range
    assert old.model_scaler.to_dict() == new.model_scaler.to_dict()


def test_foreign_truncated_or_missing_files_are_one_value_error(tmp_path):
    (tmp_path / "garbage.npz").write_bytes(b"not a zip archive")
    np.savez(tmp_path / "foreign.npz", a=np.arange(3))
    good = tmp_path / "good.npz"
    space = ModelSpace([Parameter("rho_1", "ohm.m", 10, 100), Parameter("rho_2", "ohm.m", 10, 100),
                        Parameter("h_1", "m", 1, 10)])
    inv = NetworkInversion.create(VES(np.geomspace(1, 100, 8), 2), space, 4, rng=0)
    inv.save(good)
    (tmp_path / "truncated.npz").write_bytes(good.read_bytes()[:200])
    for name, reason in (("garbage.npz", "not an .npz archive"), ("foreign.npz", "meta"),
                         ("truncated.npz", ""), ("missing.npz", "no such network file")):
        with pytest.raises(ValueError, match=rf"^{tmp_path / name}: .*{reason}") as info:
            geoinv.load(tmp_path / name)
        assert "\n" not in str(info.value)
