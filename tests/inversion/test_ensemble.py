"""Ensembles (NetworkInversion with K members): shared scalers, mean and spread in the
declared scale, coverage, saving, plots; the deprecated EnsembleInversion alias."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import geoinv
from geoinv import GaussianNoise, ModelSpace, NetworkInversion, Parameter, make_dataset
from geoinv.inversion.ensemble import EnsembleInversion
from geoinv.inversion.network_inversion import mean_and_std
from geoinv.evaluation.metrics import evaluate, uncertainty_metrics
from geoinv.forward import VES
from geoinv.nn.network import BPNetwork
from geoinv.prior import spawn
from geoinv.viz import plot_history, plot_layered_model_band, plot_predicted_vs_true
from geoinv.nn.training import Adam


@pytest.fixture
def setup():
    ves = VES(np.geomspace(1, 300, 12), 2)
    # h_1 linear: the mean of a linear parameter is arithmetic, of a log one geometric
    space = ModelSpace([Parameter("rho_1", "ohm.m", 10, 1000), Parameter("rho_2", "ohm.m", 10, 1000),
                        Parameter("h_1", "m", 1, 30, log=False)], lower_limit=[0, 0, 0])
    return ves, space


def _fitted(inv, ves, space):
    """The inversion after two quick epochs (predict refuses an unfitted one)."""
    train = make_dataset(ves, space, 50, GaussianNoise(0.02), rng=11)
    return inv.fit(train, trainer=Adam(learning_rate=0.01, max_epochs=2, patience=None), rng=12)


def test_members_share_the_scalers_and_have_their_own_weights(setup):
    ves, space = setup
    ens = NetworkInversion.create(ves, space, n_hidden=5, n_members=4, rng=0)
    assert ens.n_members == 4 and len(ens.networks) == 4
    assert all(m.data_scaler is ens.data_scaler and m.model_scaler is ens.model_scaler
               for m in ens.members)
    w = [net.flat_weights() for net in ens.networks]
    assert all(not np.array_equal(w[0], other) for other in w[1:])
    again = NetworkInversion.create(ves, space, n_hidden=5, n_members=4, rng=0)
    for a, b in zip(ens.networks, again.networks):          # same seed, same members
        np.testing.assert_array_equal(a.flat_weights(), b.flat_weights())
    with pytest.raises(ValueError, match="n_members must be an integer >= 1"):
        NetworkInversion.create(ves, space, n_hidden=5, n_members=0)


def test_one_member_uses_rng_itself_and_k_members_spawned_streams(setup):
    """K = 1 draws as the single network always did, K > 1 as the ensemble did."""
    ves, space = setup
    single = NetworkInversion.create(ves, space, 5, rng=np.random.default_rng(3))
    direct = BPNetwork(ves.n_data, 5, space.n_params, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(single.network.flat_weights(), direct.flat_weights())
    ens = NetworkInversion.create(ves, space, 5, n_members=3, rng=3)
    for net, stream in zip(ens.networks, spawn(3, 3)):
        np.testing.assert_array_equal(
            net.flat_weights(), BPNetwork(ves.n_data, 5, space.n_params, rng=stream).flat_weights())
    # fit: one member shuffles with rng itself (the same as training its network directly)
    train = make_dataset(ves, space, 60, GaussianNoise(0.02), rng=4)
    trainer = Adam(learning_rate=0.01, max_epochs=3, batch_size=8, patience=None)
    single.fit(train, trainer=trainer, rng=5)
    trainer.fit(direct, single.network_inputs(train.data), single.network_targets(train.models),
                rng=5)
    np.testing.assert_array_equal(single.network.flat_weights(), direct.flat_weights())


def test_mean_and_spread_are_taken_in_the_declared_scale(setup):
    ves, space = setup
    ens = _fitted(NetworkInversion.create(ves, space, n_hidden=5, n_members=3, rng=1), ves, space)
    data = ves.simulate(space.sample(7, rng=2))
    members = ens.predict_members(data)
    assert members.shape == (3, 7, 3)
    mean, std = ens.predict(data, return_std=True)
    log_members = np.log10(members[:, :, :2])
    # geometric mean and the spread in decades for the log resistivities ...
    np.testing.assert_allclose(mean[:, :2], 10 ** log_members.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(std[:, :2], log_members.std(axis=0, ddof=1), rtol=1e-12)
    # ... arithmetic mean and the spread in metres for the linear thickness
    np.testing.assert_allclose(mean[:, 2], members[:, :, 2].mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(std[:, 2], members[:, :, 2].std(axis=0, ddof=1), rtol=1e-12)
    np.testing.assert_array_equal(ens.predict(data), mean)
    one, one_std = ens.predict(data[0], return_std=True)
    np.testing.assert_allclose(one, mean[0], rtol=1e-15)
    assert one.shape == (3,) and one_std.shape == (3,)


def test_a_single_member_has_zero_spread_and_the_network_prediction(setup):
    ves, space = setup
    ens = _fitted(NetworkInversion.create(ves, space, n_hidden=5, n_members=1, rng=1), ves, space)
    data = ves.simulate(space.sample(4, rng=2))
    mean, std = ens.predict(data, return_std=True)
    np.testing.assert_allclose(mean, ens.members[0].predict(data), rtol=1e-13)
    assert not std.any()


def test_fit_trains_every_member_with_its_own_stream(setup):
    ves, space = setup
    train = make_dataset(ves, space, 200, GaussianNoise(0.02), rng=3)
    val = make_dataset(ves, space, 60, GaussianNoise(0.02), rng=4)
    ens = NetworkInversion.create(ves, space, n_hidden=5, n_members=3, rng=5)
    before = [net.flat_weights() for net in ens.networks]
    assert ens.fit(train, val, Adam(learning_rate=0.01, max_epochs=4, patience=None),
                   rng=6) is ens
    histories = ens.histories_
    assert len(histories) == 3
    assert all(len(h.epochs) == 4 for h in histories)
    assert all(not np.array_equal(b, net.flat_weights()) for b, net in zip(before, ens.networks))
    frame = ens.history_frame()
    assert list(frame.columns) == ["epoch", "train_loss", "val_loss", "seconds", "member"]
    assert list(frame["member"]) == [1] * 4 + [2] * 4 + [3] * 4


def test_save_load_round_trips_exactly(setup, tmp_path):
    ves, space = setup
    data = ves.simulate(space.sample(9, rng=2))
    for dtype in (np.float64, np.float32):
        ens = _fitted(NetworkInversion.create(ves, space, n_hidden=5, n_members=3, rng=7,
                                              dtype=dtype, scenario={"name": "e"}), ves, space)
        path = ens.save(tmp_path / "ens.npz")
        again = geoinv.load(path)
        assert isinstance(again, NetworkInversion) and again.n_members == 3
        assert again.networks[0].dtype == dtype and again.scenario == {"name": "e"}
        for a, b in zip(ens.networks, again.networks):
            np.testing.assert_array_equal(a.flat_weights(), b.flat_weights())
        np.testing.assert_array_equal(again.predict(data), ens.predict(data))
        np.testing.assert_array_equal(again.predict(data, return_std=True)[1],
                                      ens.predict(data, return_std=True)[1])
    # a single network still loads as a NetworkInversion
    single = NetworkInversion.create(ves, space, 5, rng=0)
    assert type(geoinv.load(single.save(tmp_path / "one.npz"))) is NetworkInversion
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ens.npz", "one.npz"]


# --------------------------------------------------------------- coverage
def test_coverage_counts_true_values_inside_two_sigma(setup):
    _, space = setup
    true = np.array([[100.0, 100.0, 10.0]] * 4)
    # rho_1: log10 errors 0, 0.1, 0.3, -0.5 decades with sigma 0.1 -> 2 of 4 inside
    # rho_2: all exact -> 4 of 4; h_1: errors 1, 2, 3, 4 m with sigma 1 -> 2 of 4
    pred = np.column_stack([100 * 10.0 ** np.array([0, 0.1, 0.3, -0.5]), np.full(4, 100.0),
                            10.0 + np.array([1, 2, 3, 4.0])])
    std = np.column_stack([np.full(4, 0.1), np.full(4, 0.01), np.ones(4)])
    rows = {(q, m): v for q, m, v in uncertainty_metrics(true, pred, std, space)}
    assert rows["rho_1", "coverage_2sigma"] == 0.5
    assert rows["rho_2", "coverage_2sigma"] == 1.0
    assert rows["h_1", "coverage_2sigma"] == 0.5
    assert rows["rho_1", "median_std_log10"] == pytest.approx(0.1)
    assert rows["h_1", "median_std"] == 1.0
    assert uncertainty_metrics(true, pred, std, space, k=3)[0][1] == "coverage_3sigma"


def test_evaluate_adds_the_coverage_rows_only_with_a_spread(setup):
    ves, space = setup
    ds = make_dataset(ves, space, 20, GaussianNoise(0.02), rng=1)
    plain = evaluate(ves, space, ds.models, ds.models, ds.data, ds.sigma, "test_id")
    assert "coverage_2sigma" not in set(plain["metric"])
    with_std = evaluate(ves, space, ds.models, ds.models, ds.data, ds.sigma, "test_id",
                        std=np.full((20, 3), 0.1))
    cov = with_std[with_std["metric"] == "coverage_2sigma"]
    assert list(cov["quantity"]) == space.names and (cov["value"] == 1.0).all()
    pd.testing.assert_frame_equal(with_std[~with_std["metric"].str.contains("coverage|std")]
                                  .reset_index(drop=True), plain)


def test_ensemble_inversion_is_a_deprecated_alias(setup):
    ves, space = setup
    with pytest.warns(DeprecationWarning, match="n_members=K"):
        old = EnsembleInversion.create(ves, space, 5, 3, rng=2)
    new = NetworkInversion.create(ves, space, 5, n_members=3, rng=2)
    assert type(old) is NetworkInversion and old.n_members == 3
    for a, b in zip(old.networks, new.networks):
        np.testing.assert_array_equal(a.flat_weights(), b.flat_weights())
    singles = [NetworkInversion(ves, space, net, new.data_scaler, new.model_scaler)
               for net in new.networks]
    with pytest.warns(DeprecationWarning):
        joined = EnsembleInversion(singles, scenario={"name": "e"})
    assert isinstance(joined, NetworkInversion) and joined.networks == new.networks
    assert joined.data_scaler is new.data_scaler and joined.scenario == {"name": "e"}


def test_mean_and_std_of_given_members():
    members = np.array([[[10.0, 1.0]], [[1000.0, 3.0]]])      # K = 2, one sample
    mean, std = mean_and_std(members, [True, False])
    np.testing.assert_allclose(mean, [[100.0, 2.0]])          # geometric, arithmetic
    np.testing.assert_allclose(std, [[np.sqrt(2.0), np.sqrt(2.0)]])   # ddof = 1


# --------------------------------------------------------------- plots
def test_layered_model_band_spans_two_sigma_of_log_rho():
    rho = np.array([[10.0, 100.0], [100.0, 100.0]])    # members differ in layer 1 only
    h = np.array([[5.0], [5.0]])
    ax = plot_layered_model_band(rho, h, depth_max=10.0, n_depths=101)
    band = [c for c in ax.collections if c.get_gid() == "model_band"]
    assert len(band) == 1
    x = band[0].get_paths()[0].vertices[:, 0]
    # layer 1: log10 rho = 1, 2 -> mean 1.5, std sqrt(0.5); layer 2: no spread
    lo, hi = 10 ** (1.5 - 2 * np.sqrt(0.5)), 10 ** (1.5 + 2 * np.sqrt(0.5))
    assert x.min() == pytest.approx(lo) and x.max() == pytest.approx(hi)
    assert np.isclose(x, 100.0).any()
    assert ax.get_ylim() == (10.0, 0.0)
    plt.close(ax.figure)


def test_predicted_vs_true_draws_error_bars_of_two_sigma():
    true = np.array([[10.0, 1.0], [100.0, 2.0]])
    pred = np.array([[10.0, 1.5], [100.0, 2.5]])
    std = np.array([[0.5, 0.25], [0.5, 0.25]])
    fig = plot_predicted_vs_true(true, pred, ["rho_1", "h_1"], ["ohm.m", "m"], [True, False],
                                 std=std)
    ax_log, ax_lin = fig.axes
    bars = [c for c in ax_log.collections if c.get_gid() == "error_bars"]
    segments = bars[0].get_segments()
    # log parameter: 10 * 10**(-/+ 2 * 0.5) = 1 .. 100; linear: 1.5 -/+ 0.5
    np.testing.assert_allclose(segments[0][:, 1], [1.0, 100.0])
    lin = [c for c in ax_lin.collections if c.get_gid() == "error_bars"][0].get_segments()
    np.testing.assert_allclose(lin[0][:, 1], [1.0, 2.0])
    with pytest.raises(ValueError, match="std must have the splits and shapes of pred"):
        plot_predicted_vs_true(true, pred, ["rho_1", "h_1"], ["ohm.m", "m"], [True, False],
                               std=std[:1])
    plt.close(fig)


def test_history_of_an_ensemble_draws_every_member():
    frames = [pd.DataFrame({"epoch": [1, 2, 3], "train_loss": [0.3, 0.2, 0.1],
                            "val_loss": [0.3, 0.1, 0.2], "member": m}) for m in (1, 2)]
    ax = plot_history(pd.concat(frames, ignore_index=True))
    assert len([l for l in ax.lines if l.get_gid() == "best_epoch"]) == 2
    assert len(ax.lines) == 2 * 3                      # train, val, best dot per member
    plt.close(ax.figure)
