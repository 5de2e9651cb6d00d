"""Tests of geoinv.nn.activations and geoinv.nn.network (BPNetwork).

The two central checks: backpropagation against central finite differences
for every weight, and one (two) training steps against numbers computed by
hand with scalar arithmetic.
"""

import json
import math
import pickle

import numpy as np
import pytest

from geoinv.nn.activations import ACTIVATIONS, get_activation
from geoinv.nn.network import BPNetwork
from geoinv.nn.training import GradientDescent

NAMES = list(ACTIVATIONS)


# --------------------------------------------------------------- activations
def test_registry_names_and_working_ranges():
    assert set(ACTIVATIONS) == {"logsig", "tansig", "purelin"}
    assert get_activation("logsig").working_range == (0.1, 0.9)
    assert get_activation("tansig").working_range == (-0.9, 0.9)
    assert get_activation("purelin").working_range == (-1.0, 1.0)


def test_unknown_activation_lists_valid_names():
    with pytest.raises(ValueError, match="logsig, tansig, purelin"):
        get_activation("relu")
    with pytest.raises(ValueError, match="unknown activation 'sigmoid'"):
        BPNetwork(2, 3, 1, hidden_activation="sigmoid")


def test_activation_values():
    net = np.array([-2.0, 0.0, 1.5])
    np.testing.assert_allclose(get_activation("logsig").f(net), 1 / (1 + np.exp(-net)),
                               rtol=1e-15)
    np.testing.assert_allclose(get_activation("tansig").f(net), np.tanh(net), rtol=1e-15)
    np.testing.assert_array_equal(get_activation("purelin").f(net), net)


@pytest.mark.parametrize("size", [5, 1000])   # both branches of logsig (expit / tanh)
def test_logsig_does_not_overflow(size):
    net = np.linspace(-1000.0, 1000.0, size)
    with np.errstate(all="raise"):
        y = get_activation("logsig").f(net)
    assert y[0] == 0.0 and y[-1] == 1.0
    assert np.all((y >= 0) & (y <= 1)) and np.all(np.diff(y) >= 0)


def test_logsig_branches_agree():
    # The tanh identity used for large arrays matches expit to 1 ulp of 1.
    from scipy.special import expit

    net = np.random.default_rng(0).normal(0, 5, 10_000)
    y = get_activation("logsig").f(net)
    assert np.max(np.abs(y - expit(net))) <= 2.3e-16


@pytest.mark.parametrize("name", NAMES)
def test_derivative_from_output_matches_numerical(name):
    act = get_activation(name)
    net = np.linspace(-3, 3, 13)
    h = 1e-6   # central differences: error ~ h^2 f''' ~ 1e-12, rounding ~ 1e-16/h
    numerical = (act.f(net + h) - act.f(net - h)) / (2 * h)
    np.testing.assert_allclose(act.df(net, act.f(net)), numerical, rtol=0, atol=1e-9)


def test_derivative_writes_into_out():
    act = get_activation("logsig")
    y = np.array([0.2, 0.5])
    out = np.empty(2)
    assert act.df(None, y, out=out) is out
    np.testing.assert_allclose(out, [0.16, 0.25], rtol=1e-15)


# --------------------------------------------------------------- gradients
@pytest.mark.parametrize("hidden", NAMES)
@pytest.mark.parametrize("output", NAMES)
def test_gradients_match_central_differences(hidden, output):
    rng = np.random.default_rng(42)
    net = BPNetwork(3, 4, 2, hidden_activation=hidden, output_activation=output, rng=rng)
    # Weights of order one (larger than the initial ones) put the sigmoids in
    # their curved part, so that every term of the chain rule matters.
    net.V = rng.normal(0, 1, net.V.shape)
    net.W = rng.normal(0, 1, net.W.shape)
    X = rng.uniform(-1, 1, (5, 3))
    T = rng.uniform(*get_activation(output).working_range, (5, 2))
    dE_dV, dE_dW = net.gradients(X, T)

    # Central differences on every weight, thresholds (column 0) included.
    # Step h = 1e-5: the truncation error h^2/6 E''' is ~1e-11 and the rounding
    # error eps E / h is ~1e-11 (E <= 10 here), so the difference quotient is
    # good to ~1e-10 absolute.  Relative to gradients of order 1e-4 .. 1 that
    # is <= 1e-6; the denominator is floored at 1e-4 so that a gradient that
    # happens to be near zero is judged by its absolute error (<= 1e-10).
    h = 1e-5
    for A, grad in ((net.V, dE_dV), (net.W, dE_dW)):
        numerical = np.empty_like(A)
        for idx in np.ndindex(A.shape):
            saved = A[idx]
            A[idx] = saved + h
            E_plus = net.loss(X, T)
            A[idx] = saved - h
            E_minus = net.loss(X, T)
            A[idx] = saved
            numerical[idx] = (E_plus - E_minus) / (2 * h)
        denom = np.maximum(np.maximum(np.abs(grad), np.abs(numerical)), 1e-4)
        rel_err = np.abs(grad - numerical) / denom
        assert rel_err.max() <= 1e-6, (hidden, output, rel_err.max())


@pytest.mark.parametrize("hidden, output", [("logsig", "logsig"), ("tansig", "purelin"),
                                            ("purelin", "tansig")])
def test_jacobian_matches_central_differences_for_every_weight(hidden, output):
    rng = np.random.default_rng(7)
    net = BPNetwork(3, 4, 2, hidden_activation=hidden, output_activation=output, rng=rng)
    net.V = rng.normal(0, 1, net.V.shape)      # curved part of the sigmoids
    net.W = rng.normal(0, 1, net.W.shape)
    X = rng.uniform(-1, 1, (6, 3))
    J = net.jacobian(X)
    assert J.shape == (6, 2, net.n_weights)
    # Central differences of every output over every weight, thresholds
    # included.  h = 1e-6: truncation (h^2 / 6) times the third derivative
    # ~1e-13 and rounding eps |O| / h ~ 1e-10 (|O| <= ~5 for the linear
    # layers), so each entry is good to ~1e-10 absolute; derivatives are
    # O(1e-3 .. 1), and 1e-8 leaves a margin of 100.
    h = 1e-6
    w = net.flat_weights()
    numerical = np.empty_like(J)
    for j in range(net.n_weights):
        step = np.zeros_like(w)
        step[j] = h
        net.set_flat_weights(w + step)
        O_plus = net.predict(X)
        net.set_flat_weights(w - step)
        O_minus = net.predict(X)
        numerical[:, :, j] = (O_plus - O_minus) / (2 * h)
    net.set_flat_weights(w)
    np.testing.assert_allclose(J, numerical, rtol=0, atol=1e-8)
    # output k depends on row k of W only: the other rows' columns are exactly 0
    n_V, width = net.V.size, net.W.shape[1]
    assert not J[:, 0, n_V + width:].any() and not J[:, 1, n_V:n_V + width].any()


def test_jacobian_gives_the_gradient():
    # dE/dw = (1/n) J^T (O - T) ravelled: ties the Jacobian to backprop
    rng = np.random.default_rng(3)
    net = BPNetwork(4, 5, 3, rng=1)
    X, T = rng.uniform(-1, 1, (300, 4)), rng.uniform(0.1, 0.9, (300, 3))   # > one chunk
    J = net.jacobian(X).reshape(-1, net.n_weights)
    _, g = net.loss_and_gradient(X, T)
    np.testing.assert_allclose(J.T @ (net.predict(X) - T).ravel() / 300, g, rtol=0, atol=1e-15)


def test_jacobian_batch_gradient_and_one_sample_steps_agree():
    # The three users of the one backward pass tie together: the gradient of
    # sample p's error is J[p]^T (O[p] - T[p]), a step on a batch of one row
    # gives exactly that, and the batch gradient is the mean over the rows.
    rng = np.random.default_rng(11)
    net = BPNetwork(4, 6, 3, hidden_activation="tansig", output_activation="logsig", rng=2)
    net.V = rng.normal(0, 1, net.V.shape)      # curved part of the sigmoids
    net.W = rng.normal(0, 1, net.W.shape)
    X, T = rng.uniform(-1, 1, (9, 4)), rng.uniform(0.1, 0.9, (9, 3))
    X_aug = net.augment(X)
    J, O = net.jacobian(X), net.predict(X)
    per_sample = np.empty((9, net.n_weights))
    for p in range(9):
        E_p = net.batch_gradient_into(X_aug[p:p + 1], T[p:p + 1], 1.0, net.workspace(1),
                                      *net.layer_views(per_sample[p]), want_loss=True)
        assert E_p == pytest.approx(0.5 * ((T[p] - O[p]) ** 2).sum(), rel=1e-14)
        # entries are O(0.1 .. 1) sums of n_out = 3 products: rounding ~1e-16
        np.testing.assert_allclose(per_sample[p], J[p].T @ (O[p] - T[p]), rtol=0, atol=1e-15)
    batch = np.empty(net.n_weights)
    E = net.batch_gradient_into(X_aug, T, 1.0, net.workspace(9), *net.layer_views(batch),
                                want_loss=True)
    np.testing.assert_allclose(batch, per_sample.mean(axis=0), rtol=0, atol=1e-15)
    assert E == pytest.approx(net.loss(X, T), rel=1e-14)
    # and the public gradient: the same backward pass from the forward signals
    dE_dV, dE_dW = net.gradients(X, T)
    np.testing.assert_allclose(np.concatenate([dE_dV.ravel(), dE_dW.ravel()]), batch,
                               rtol=0, atol=1e-15)


def test_gradient_of_a_large_set_is_accumulated_in_chunks():
    import geoinv.nn.network as network

    rng = np.random.default_rng(6)
    net = BPNetwork(3, 4, 2, rng=0)
    n = network.LOSS_CHUNK + 40
    X, T = rng.uniform(-1, 1, (n, 3)), rng.uniform(0.1, 0.9, (n, 2))
    grad = np.empty(net.n_weights)
    E = net.gradient_of_augmented(net.augment(X), T, grad)
    E_ref, g_ref = net.loss_and_gradient(X, T)
    # chunk-weighted sums against one sum: rounding of ~300 terms (1e-16 each)
    np.testing.assert_allclose(grad, g_ref, rtol=0, atol=1e-15)
    assert E == pytest.approx(E_ref, rel=1e-13)


def test_fast_batch_path_matches_backward():
    rng = np.random.default_rng(2)
    for dtype, tol in ((np.float64, 1e-15), (np.float32, 1e-6)):
        net = BPNetwork(5, 7, 3, rng=0, dtype=dtype)
        X, T = rng.uniform(-1, 1, (40, 5)), rng.uniform(0.1, 0.9, (40, 3))
        dE_dV, dE_dW = net.gradients(X, T)
        X_aug, T_c = net.augment(X), net.check_targets(T, 40)
        grad_V, grad_W = np.empty_like(net.V), np.empty_like(net.W)
        E = net.batch_gradient_into(X_aug, T_c, -0.5, net.workspace(40), grad_V, grad_W,
                                    want_loss=True)
        # the factor -0.5 / n is folded into delta_o: the same numbers to rounding
        np.testing.assert_allclose(grad_V, -0.5 * dE_dV, rtol=0, atol=tol)
        np.testing.assert_allclose(grad_W, -0.5 * dE_dW, rtol=0, atol=tol)
        assert E == pytest.approx(net.loss(X, T), rel=10 * tol)
        assert grad_V.dtype == dtype


def test_loss_of_a_large_set_is_evaluated_in_chunks():
    import geoinv.nn.network as network

    rng = np.random.default_rng(4)
    net = BPNetwork(3, 4, 2, rng=0)
    n = 2 * network.LOSS_CHUNK + 17                 # two full chunks and a remainder
    X, T = rng.uniform(-1, 1, (n, 3)), rng.uniform(0.1, 0.9, (n, 2))
    err = T - net.forward(X).O
    # chunked sums differ from one sum only by rounding (~n eps relative)
    assert net.loss(X, T) == pytest.approx(0.5 * (err**2).sum() / n, rel=1e-13)


def test_loss_and_gradient_flat_layout():
    rng = np.random.default_rng(1)
    net = BPNetwork(3, 4, 2, rng=1)
    X, T = rng.uniform(size=(6, 3)), rng.uniform(0.1, 0.9, (6, 2))
    E, g = net.loss_and_gradient(X, T)
    dE_dV, dE_dW = net.gradients(X, T)
    assert E == pytest.approx(net.loss(X, T), rel=1e-15)
    np.testing.assert_array_equal(g, np.concatenate([dE_dV.ravel(), dE_dW.ravel()]))


def test_loss_is_batch_mean_of_half_squared_error():
    net = BPNetwork(2, 3, 2, rng=0)
    X = np.array([[0.1, 0.2], [0.3, -0.4]])
    T = np.array([[0.5, 0.1], [0.9, 0.2]])
    O = net.predict(X)
    by_hand = (0.5 * ((T[0] - O[0]) ** 2).sum() + 0.5 * ((T[1] - O[1]) ** 2).sum()) / 2
    assert net.loss(X, T) == pytest.approx(by_hand, rel=1e-14)


# --------------------------------------------------------------- by hand
def _sig(s):
    return 1.0 / (1.0 + math.exp(-s))


def _hand_backprop(V, W, x, t):
    """A 2-2-1 logsig network on one sample, scalar by scalar (lists, no numpy)."""
    x_aug = [-1.0, x[0], x[1]]
    net_y = [V[j][0] * x_aug[0] + V[j][1] * x_aug[1] + V[j][2] * x_aug[2] for j in range(2)]
    y = [_sig(net_y[0]), _sig(net_y[1])]
    y_aug = [-1.0, y[0], y[1]]
    net_o = W[0][0] * y_aug[0] + W[0][1] * y_aug[1] + W[0][2] * y_aug[2]
    o = _sig(net_o)
    E = 0.5 * (t - o) ** 2
    delta_o = (t - o) * o * (1.0 - o)
    delta_y = [delta_o * W[0][j + 1] * y[j] * (1.0 - y[j]) for j in range(2)]
    dE_dW = [[-delta_o * y_aug[j] for j in range(3)]]
    dE_dV = [[-delta_y[j] * x_aug[i] for i in range(3)] for j in range(2)]
    return o, E, dE_dV, dE_dW


V0 = [[0.1, 0.4, -0.3], [-0.2, 0.2, 0.5]]
W0 = [[0.3, -0.6, 0.8]]
X0, T0 = [0.6, -0.4], 0.8


def test_forward_pass_by_hand():
    net = BPNetwork(2, 2, 1, rng=0)
    net.V, net.W = V0, W0
    s = net.forward([X0])
    # net_y1 = -0.1 + 0.4*0.6 - 0.3*(-0.4) = 0.26; net_y2 = 0.2 + 0.12 - 0.2 = 0.12
    np.testing.assert_allclose(s.net_y, [[0.26, 0.12]], rtol=0, atol=1e-15)
    o, E, dE_dV, dE_dW = _hand_backprop(V0, W0, X0, T0)
    assert s.O[0, 0] == pytest.approx(o, rel=0, abs=1e-15)
    assert s.O[0, 0] == pytest.approx(0.4465029207, abs=1e-10)   # frozen value
    assert net.loss([X0], [[T0]]) == pytest.approx(E, rel=0, abs=1e-15)
    gV, gW = net.gradients([X0], [[T0]])
    np.testing.assert_allclose(gV, dE_dV, rtol=0, atol=1e-15)
    np.testing.assert_allclose(gW, dE_dW, rtol=0, atol=1e-15)


def test_two_training_steps_by_hand():
    lr, momentum = 0.5, 0.9
    net = BPNetwork(2, 2, 1, rng=0)
    net.V, net.W = V0, W0
    trainer = GradientDescent(learning_rate=lr, momentum=momentum, mode="batch",
                              max_epochs=2, patience=None, restore_best=False)
    history = trainer.fit(net, [X0], [[T0]])

    # By hand: dV = -lr dE/dV + momentum dV_prev, V += dV (dV_prev = 0 at first).
    V = [row[:] for row in V0]
    W = [row[:] for row in W0]
    dV = [[0.0] * 3 for _ in range(2)]
    dW = [[0.0] * 3]
    losses = []
    for _ in range(2):
        _, _, dE_dV, dE_dW = _hand_backprop(V, W, X0, T0)
        for j in range(2):
            for i in range(3):
                dV[j][i] = -lr * dE_dV[j][i] + momentum * dV[j][i]
                V[j][i] += dV[j][i]
        for j in range(3):
            dW[0][j] = -lr * dE_dW[0][j] + momentum * dW[0][j]
            W[0][j] += dW[0][j]
        losses.append(_hand_backprop(V, W, X0, T0)[1])   # loss after the epoch

    np.testing.assert_allclose(net.V, V, rtol=0, atol=1e-12)
    np.testing.assert_allclose(net.W, W, rtol=0, atol=1e-12)
    np.testing.assert_allclose(history.train_loss, losses, rtol=0, atol=1e-12)
    assert losses[1] < losses[0] < _hand_backprop(V0, W0, X0, T0)[1]


# --------------------------------------------------------------- structure
def test_shapes():
    net = BPNetwork(5, 7, 3, rng=0)
    assert (net.n_in, net.n_hidden, net.n_out) == (5, 7, 3)
    assert net.V.shape == (7, 6) and net.W.shape == (3, 8)
    assert net.n_weights == 7 * 6 + 3 * 8
    X = np.zeros((4, 5))
    s = net.forward(X)
    assert s.X_aug.shape == (4, 6) and s.net_y.shape == (4, 7)
    assert s.Y_aug.shape == (4, 8) and s.Y.shape == (4, 7)
    assert s.net_o.shape == (4, 3) and s.O.shape == (4, 3)
    assert net.predict(X).shape == (4, 3)
    dE_dV, dE_dW = net.gradients(X, np.full((4, 3), 0.5))
    assert dE_dV.shape == net.V.shape and dE_dW.shape == net.W.shape


def test_dtype_is_kept():
    net = BPNetwork(2, 3, 1, rng=0, dtype=np.float32)
    assert net.V.dtype == net.W.dtype == np.float32
    assert net.predict([[0.1, 0.2]]).dtype == np.float32
    assert BPNetwork.from_dict(net.to_dict()).V.dtype == np.float32


def test_augmentation_puts_minus_one_in_front():
    net = BPNetwork(2, 3, 1, rng=0)
    s = net.forward([[0.3, 0.7]])
    np.testing.assert_array_equal(s.X_aug, [[-1.0, 0.3, 0.7]])
    assert s.Y_aug[0, 0] == -1.0


def test_threshold_columns_shift_net_inputs():
    rng = np.random.default_rng(3)
    net = BPNetwork(3, 4, 2, rng=3)
    X = rng.uniform(size=(5, 3))
    net.V[:, 0] = 0.0
    net.W[:, 0] = 0.0
    base = net.forward(X)
    b = np.array([0.5, -1.0, 2.0, 0.25])
    net.V[:, 0] = b                      # thresholds multiply x0 = -1
    shifted = net.forward(X)
    np.testing.assert_allclose(shifted.net_y - base.net_y, np.broadcast_to(-b, (5, 4)),
                               rtol=0, atol=1e-14)
    c = np.array([0.3, -0.7])
    net.W[:, 0] = c
    np.testing.assert_allclose(net.forward(X).net_o - shifted.net_o,
                               np.broadcast_to(-c, (5, 2)), rtol=0, atol=1e-14)


def test_seed_reproducibility_and_initial_scale():
    a, b = BPNetwork(30, 40, 3, rng=7), BPNetwork(30, 40, 3, rng=7)
    np.testing.assert_array_equal(a.flat_weights(), b.flat_weights())
    c = BPNetwork(30, 40, 3, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.flat_weights(), c.flat_weights())
    assert not np.array_equal(a.V, BPNetwork(30, 40, 3, rng=8).V)
    # U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = width of the augmented input.
    assert np.abs(a.V).max() <= 1 / math.sqrt(31) and np.abs(a.W).max() <= 1 / math.sqrt(41)
    assert np.abs(a.V).max() > 0.9 / math.sqrt(31)


def test_flat_weights_are_V_then_W():
    net = BPNetwork(2, 3, 2, rng=0)
    w = net.flat_weights()
    np.testing.assert_array_equal(w, np.concatenate([net.V.ravel(), net.W.ravel()]))
    w[0] = 99.0                          # a copy: the network is unchanged
    assert net.V[0, 0] != 99.0
    net.set_flat_weights(np.arange(net.n_weights, dtype=float))
    np.testing.assert_array_equal(net.V, np.arange(9.0).reshape(3, 3))
    np.testing.assert_array_equal(net.W, np.arange(9.0, 17.0).reshape(2, 4))
    net.V[1, 2] = -5.0                   # V and W are live views of the weights
    assert net.flat_weights()[5] == -5.0


def test_round_trips_give_identical_predictions(tmp_path):
    rng = np.random.default_rng(5)
    net = BPNetwork(4, 6, 2, hidden_activation="tansig", output_activation="purelin", rng=5)
    X = rng.uniform(size=(10, 4))
    expected = net.predict(X)

    assert np.array_equal(BPNetwork.from_dict(net.to_dict()).predict(X), expected)

    np.savez(tmp_path / "net.npz", **net.to_dict())
    with np.load(tmp_path / "net.npz") as f:
        loaded = BPNetwork.from_dict(f)
    assert (loaded.hidden_activation, loaded.output_activation) == ("tansig", "purelin")
    assert np.array_equal(loaded.predict(X), expected)

    d = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in net.to_dict().items()}
    assert np.array_equal(BPNetwork.from_dict(json.loads(json.dumps(d))).predict(X), expected)

    clone = pickle.loads(pickle.dumps(net))
    assert np.array_equal(clone.predict(X), expected)
    clone.V[0, 0] += 1.0                 # views survive pickling
    assert clone.flat_weights()[0] == net.V[0, 0] + 1.0

    copy = net.copy()
    copy.W[:] = 0.0
    assert np.array_equal(net.predict(X), expected)


def test_networks_saved_by_the_old_code_still_load(tmp_path):
    # Before 0.2 the activations were saved under the keys "hidden"/"output"
    net = BPNetwork(3, 4, 2, hidden_activation="tansig", output_activation="purelin", rng=4)
    X = np.random.default_rng(0).uniform(size=(5, 3))
    old = net.to_dict()
    old["hidden"], old["output"] = old.pop("hidden_activation"), old.pop("output_activation")
    np.savez(tmp_path / "old.npz", **old)
    with np.load(tmp_path / "old.npz") as f:
        loaded = BPNetwork.from_dict(f)
    assert (loaded.hidden_activation, loaded.output_activation) == ("tansig", "purelin")
    assert np.array_equal(loaded.predict(X), net.predict(X))
    state = {k: v for k, v in old.items() if k not in ("V", "W")}   # an old pickle's state
    clone = BPNetwork.__new__(BPNetwork)
    clone.__setstate__({**state, "w": net.flat_weights()})
    assert np.array_equal(clone.predict(X), net.predict(X))


def test_old_activation_keywords_warn_and_still_work():
    with pytest.warns(DeprecationWarning) as record:
        old = BPNetwork(3, 4, 2, hidden="tansig", output="purelin", rng=1)
    assert [str(w.message).split(" (")[0] for w in record] == [
        "BPNetwork: the keyword 'hidden' is now 'hidden_activation'",
        "BPNetwork: the keyword 'output' is now 'output_activation'"]
    new = BPNetwork(3, 4, 2, hidden_activation="tansig", output_activation="purelin", rng=1)
    assert (old.hidden_activation, old.output_activation) == ("tansig", "purelin")
    np.testing.assert_array_equal(old.flat_weights(), new.flat_weights())
    with pytest.warns(DeprecationWarning, match="hidden_activation"):
        assert new.hidden == "tansig"
    with pytest.warns(DeprecationWarning, match="output_activation"):
        assert new.output == "purelin"
    with pytest.raises(TypeError, match="unexpected keyword argument 'hiden'"):
        BPNetwork(3, 4, 2, hiden="tansig")


def test_from_dict_reports_missing_keys():
    d = BPNetwork(2, 2, 1, rng=0).to_dict()
    del d["W"], d["hidden_activation"]
    with pytest.raises(ValueError, match="hidden_activation, W"):
        BPNetwork.from_dict(d)


# --------------------------------------------------------------- bad input
def test_bad_architecture():
    with pytest.raises(ValueError, match="n_hidden must be an integer >= 1"):
        BPNetwork(3, 0, 1)
    with pytest.raises(ValueError, match="n_in must be an integer"):
        BPNetwork(2.5, 3, 1)
    with pytest.raises(ValueError, match="floating dtype"):
        BPNetwork(2, 3, 1, dtype=int)


def test_wrong_width_is_named():
    net = BPNetwork(3, 4, 2, rng=0)
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 3\) to match n_in=3; "
                                         r"got shape \(5, 4\)"):
        net.predict(np.zeros((5, 4)))
    with pytest.raises(ValueError, match="reshape"):
        net.predict(np.zeros(3))
    with pytest.raises(ValueError, match="n_out=2"):
        net.loss(np.zeros((5, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="T has 4 samples but the inputs have 5"):
        net.gradients(np.zeros((5, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="no samples"):
        net.predict(np.zeros((0, 3)))


def test_non_finite_rows_are_named():
    net = BPNetwork(3, 4, 2, rng=0)
    X = np.zeros((6, 3))
    X[1, 2] = np.nan
    X[4, 0] = np.inf
    with pytest.raises(ValueError, match="X holds NaN or infinite values in rows 1, 4"):
        net.predict(X)
    T = np.zeros((6, 2))
    T[5, 1] = np.nan
    with pytest.raises(ValueError, match="T holds NaN or infinite values in rows 5"):
        net.loss(np.zeros((6, 3)), T)


def test_bad_weights_are_refused():
    net = BPNetwork(3, 4, 2, rng=0)
    with pytest.raises(ValueError, match=r"V must have shape \(4, 4\)"):
        net.V = np.zeros((4, 3))
    with pytest.raises(ValueError, match="W holds NaN"):
        net.W = np.full((2, 5), np.nan)
    with pytest.raises(ValueError, match=r"w must have shape \(26,\)"):
        net.set_flat_weights(np.zeros(25))
