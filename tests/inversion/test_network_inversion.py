"""NetworkInversion: physical units in and out, exact save/load round trip."""

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
