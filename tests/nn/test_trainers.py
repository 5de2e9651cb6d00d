"""The trainers beside plain gradient descent: gdx, Adam, Levenberg-Marquardt, L-BFGS.

Plus what every trainer shares: weight decay, noise injection (resample),
the running training loss, early stopping and float32.
"""

import math

import numpy as np
import pytest

from geoinv.nn.network import BPNetwork
from geoinv.nn.training import (TRAINERS, LBFGS, AdaptiveGradientDescent, Adam, GradientDescent,
                             LevenbergMarquardt, make_trainer)


def _problem(n=20, n_in=3, n_out=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, n_in))
    T = 0.5 + 0.3 * np.tanh(X @ rng.normal(size=(n_in, n_out)))
    return X, T


def _sine(n=100):
    x = np.linspace(-3, 3, n)[:, None]
    return x, 0.5 + 0.3 * np.sin(x)


# --------------------------------------------------------------- Levenberg-Marquardt
def test_one_lm_step_equals_a_direct_solve():
    X, T = _problem(n=30)
    net = BPNetwork(3, 4, 2, hidden_activation="tansig", output_activation="logsig", rng=1)
    J = net.jacobian(X).reshape(-1, net.n_weights)         # rows follow O.ravel()
    e = (net.predict(X) - T).ravel()
    mu = 0.01
    dw = -np.linalg.solve(J.T @ J + mu * np.eye(net.n_weights), J.T @ e)
    expected = net.flat_weights() + dw
    trainer = LevenbergMarquardt(mu=mu, max_epochs=1, patience=None, restore_best=False)
    history = trainer.fit(net, X, T)
    # Same normal equations; syrk + Cholesky against matmul + LU differ by
    # rounding amplified by the condition number (~1e4 here): 1e-10 absolute.
    np.testing.assert_allclose(net.flat_weights(), expected, rtol=0, atol=1e-10)
    assert history.train_loss[0] == pytest.approx(net.loss(X, T), rel=1e-14)
    assert trainer.mu_ == pytest.approx(mu * 0.1)          # the step lowered S: mu_dec


def test_lm_with_weight_decay_solves_the_regularised_system():
    X, T = _problem(n=25)
    net = BPNetwork(3, 4, 2, rng=2)
    lam, mu, n = 1e-3, 0.1, 25
    w = net.flat_weights()
    m = (~net.threshold_mask()).astype(float)               # thresholds not decayed
    J = net.jacobian(X).reshape(-1, net.n_weights)
    e = (net.predict(X) - T).ravel()
    A = J.T @ J + np.diag(n * lam * m + mu)
    expected = w - np.linalg.solve(A, J.T @ e + n * lam * m * w)
    LevenbergMarquardt(mu=mu, weight_decay=lam, max_epochs=1, patience=None,
                       restore_best=False).fit(net, X, T)
    np.testing.assert_allclose(net.flat_weights(), expected, rtol=0, atol=1e-10)


def test_lm_stops_when_mu_exceeds_its_maximum():
    # targets equal to the outputs: S = 0, no step can lower it, so mu grows
    # 1e-3 -> 1e-2 -> ... until it exceeds mu_max = 1e2 (6 failed solves)
    X, _ = _problem()
    net = BPNetwork(3, 5, 2, rng=0)
    w0 = net.flat_weights()
    trainer = LevenbergMarquardt(mu_max=1e2, max_epochs=10)
    history = trainer.fit(net, X, net.predict(X))
    assert history.stop_reason == "mu_max" and history.epochs == []
    assert trainer.mu_ == pytest.approx(1e3)
    np.testing.assert_array_equal(net.flat_weights(), w0)


def test_lm_jacobian_blocks_cover_large_sets(monkeypatch):
    # J^T J accumulated block by block (here blocks of 7 samples) equals the
    # one-block result: the step is the same to rounding
    import geoinv.nn.training.second_order as second_order

    X, T = _problem(n=40)
    nets = [BPNetwork(3, 4, 2, rng=3) for _ in range(2)]
    LevenbergMarquardt(max_epochs=2, patience=None).fit(nets[0], X, T)
    monkeypatch.setattr(second_order, "_JACOBIAN_ENTRIES", 7 * 2 * nets[1].n_weights)
    LevenbergMarquardt(max_epochs=2, patience=None).fit(nets[1], X, T)
    np.testing.assert_allclose(nets[0].flat_weights(), nets[1].flat_weights(), atol=1e-12)


# --------------------------------------------------------------- Adam
def test_adam_first_steps_by_hand():
    X, T = _problem(n=16)
    net = BPNetwork(3, 4, 2, rng=4)
    manual = net.copy()
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    # batch_size >= n: one step per epoch on the whole (shuffled) set, whose
    # mean gradient does not depend on the order (up to rounding)
    Adam(learning_rate=lr, batch_size=16, max_epochs=3, patience=None,
         restore_best=False).fit(net, X, T, rng=0)
    m = v = np.zeros(manual.n_weights)
    for t in (1, 2, 3):
        dV, dW = manual.gradients(X, T)
        g = np.concatenate([dV.ravel(), dW.ravel()])
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        if t == 1:   # the first step is lr * sign(g) up to eps/|g|
            np.testing.assert_allclose(m_hat / (np.sqrt(v_hat) + eps), np.sign(g), atol=1e-4)
        manual.set_flat_weights(manual.flat_weights() - lr * m_hat / (np.sqrt(v_hat) + eps))
    # three steps of size ~lr = 0.01: rounding of the shuffled sums (1e-16)
    # is amplified by 1/sqrt(v_hat) only where g ~ 0; 1e-12 is ample
    np.testing.assert_allclose(net.flat_weights(), manual.flat_weights(), rtol=0, atol=1e-12)


# --------------------------------------------------------------- gdx
def test_gdx_rejects_a_step_that_increases_the_loss():
    X, T = _problem()
    net = BPNetwork(3, 5, 2, rng=0)
    w0, E0 = net.flat_weights(), net.loss(X, T)
    trainer = AdaptiveGradientDescent(learning_rate=500.0, max_epochs=1, patience=None,
                                      restore_best=False)
    history = trainer.fit(net, X, T)
    np.testing.assert_array_equal(net.flat_weights(), w0)   # the step was undone
    assert trainer.n_rejected_ == 1
    assert trainer.learning_rate_ == pytest.approx(500.0 * 0.7)
    assert history.train_loss == [E0]


def test_gdx_grows_the_rate_while_the_loss_falls():
    X, T = _problem()
    net = BPNetwork(3, 5, 2, rng=0)
    trainer = AdaptiveGradientDescent(learning_rate=0.1, max_epochs=5, patience=None)
    history = trainer.fit(net, X, T)
    assert trainer.n_rejected_ == 0
    assert trainer.learning_rate_ == pytest.approx(0.1 * 1.05**5)
    assert all(np.diff(history.train_loss) < 0)


def test_gdx_minibatch_judges_each_step_on_its_batch():
    X, T = _problem(n=40)
    trainer = AdaptiveGradientDescent(learning_rate=500.0, mode="minibatch", batch_size=10,
                                      max_epochs=1, patience=None)
    trainer.fit(BPNetwork(3, 5, 2, rng=0), X, T, rng=0)
    # every step overshoots at first, and lr shrinks by 0.7 at each rejection
    assert trainer.n_rejected_ >= 1
    assert trainer.learning_rate_ == pytest.approx(500.0 * 0.7**trainer.n_rejected_
                                                   * 1.05**(4 - trainer.n_rejected_))


# --------------------------------------------------------------- every trainer
# (name, options, level): E on 100 points of 0.5 + 0.3 sin(x), a 1-10-1 net,
# seeds 0-2.  The levels sit 3x or more above the worst of the three seeds
# (gd 5e-5, gdx 4.5e-4, adam 3e-5, lm 2.2e-8, lbfgs 1.7e-6); the initial E
# is about 0.03, so each is a reduction by 30x or more.
CONVERGENCE = [
    ("gd", dict(learning_rate=2.0, batch_size=10, max_epochs=300), 2e-4),
    ("gdx", dict(learning_rate=0.5, max_epochs=300), 1.5e-3),
    ("adam", dict(learning_rate=0.02, batch_size=10, max_epochs=300), 1e-4),
    ("lm", dict(max_epochs=50), 1e-7),
    ("lbfgs", dict(iterations_per_epoch=10, max_epochs=30), 1e-5),
]


@pytest.mark.parametrize("name, options, level", CONVERGENCE, ids=[c[0] for c in CONVERGENCE])
def test_each_trainer_fits_a_smooth_curve(name, options, level):
    x, t = _sine()
    net = BPNetwork(1, 10, 1, rng=0)
    E0 = net.loss(x, t)
    history = make_trainer(name, patience=None, **options).fit(net, x, t, rng=0)
    assert history.stop_reason in ("max_epochs", "converged")
    assert net.loss(x, t) == pytest.approx(min(history.train_loss), rel=1e-12)
    assert net.loss(x, t) < level < E0 / 20


EARLY = {"gd": dict(learning_rate=0.5), "gdx": dict(learning_rate=0.5), "adam": {},
         "lm": {}, "lbfgs": dict(iterations_per_epoch=2)}


@pytest.mark.parametrize("name", sorted(TRAINERS))
def test_each_trainer_stops_early_and_restores_the_best_weights(name):
    X, T = _problem(n=40)
    X_val, T_val = X, 1.0 - T        # fitting T makes this validation set worse
    net = BPNetwork(3, 5, 2, rng=3)
    history = make_trainer(name, patience=4, max_epochs=300, **EARLY[name]).fit(
        net, X, T, X_val, T_val, rng=0)
    assert history.stop_reason == "patience"
    assert len(history.epochs) == history.best_epoch + 4
    best = min(history.val_loss)
    assert history.val_loss[max(history.best_epoch, 1) - 1] == best or history.best_epoch == 0
    # the network holds the best epoch's weights (or the initial ones if no
    # epoch improved on them): its validation loss is the best recorded
    assert net.loss(X_val, T_val) <= best * (1 + 1e-12)
    assert net.loss(X_val, T_val) < history.val_loss[-1]


@pytest.mark.parametrize("name", sorted(TRAINERS))
def test_each_trainer_is_reproducible_and_keeps_float32(name):
    X, T = _problem(n=30)
    runs = []
    for _ in range(2):
        net = BPNetwork(3, 5, 2, rng=1, dtype=np.float32)
        E0 = net.loss(X, T)
        history = make_trainer(name, max_epochs=4, patience=None).fit(net, X, T, rng=2)
        assert net.V.dtype == np.float32 and net.weights.dtype == np.float32
        runs.append((history.train_loss, net.flat_weights()))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert min(runs[0][0]) < E0


def test_lbfgs_epochs_are_chunks_of_iterations():
    x, t = _sine(50)
    history = LBFGS(iterations_per_epoch=5, max_epochs=3, patience=None).fit(
        BPNetwork(1, 6, 1, rng=0), x, t)
    assert history.epochs == [1, 2, 3] and history.stop_reason == "max_epochs"
    assert history.train_loss[2] < history.train_loss[0]


def test_lbfgs_reports_convergence():
    # a linear unit fitting a line: L-BFGS solves it to its tolerance quickly
    x = np.linspace(-1, 1, 20)[:, None]
    net = BPNetwork(1, 2, 1, hidden_activation="purelin", output_activation="purelin", rng=0)
    history = LBFGS(iterations_per_epoch=50, max_epochs=20, patience=None,
                    gtol=1e-9).fit(net, x, 0.3 * x + 0.1)
    assert history.stop_reason == "converged" and len(history.epochs) < 20
    assert net.loss(x, 0.3 * x + 0.1) < 1e-15


# --------------------------------------------------------------- weight decay
def test_weight_decay_adds_lambda_w_to_the_gradient_but_not_on_thresholds():
    X, T = _problem()
    lam, lr = 0.1, 0.5
    for decay_thresholds in (False, True):
        net = BPNetwork(3, 5, 2, rng=1)
        w0 = net.flat_weights()
        dV, dW = net.gradients(X, T)
        mask = np.ones(net.n_weights) if decay_thresholds else (~net.threshold_mask())
        expected = w0 - lr * (np.concatenate([dV.ravel(), dW.ravel()]) + lam * mask * w0)
        GradientDescent(learning_rate=lr, momentum=0.0, mode="batch", max_epochs=1,
                        patience=None, restore_best=False, weight_decay=lam,
                        decay_thresholds=decay_thresholds).fit(net, X, T)
        np.testing.assert_allclose(net.flat_weights(), expected, rtol=0, atol=1e-14)


def test_threshold_mask_marks_column_zero_of_V_and_W():
    net = BPNetwork(3, 4, 2, rng=0)
    mask = net.threshold_mask()
    V, W = np.zeros_like(net.V, dtype=bool), np.zeros_like(net.W, dtype=bool)
    V[:, 0] = W[:, 0] = True
    np.testing.assert_array_equal(mask, np.concatenate([V.ravel(), W.ravel()]))
    assert mask.sum() == 4 + 2


DECAY = {"gd": dict(learning_rate=0.5), "gdx": dict(learning_rate=0.5),
         "adam": dict(learning_rate=0.02, batch_size=5), "lm": {}, "lbfgs": {}}


@pytest.mark.parametrize("name", sorted(TRAINERS))
def test_weight_decay_shrinks_the_weights(name):
    X, T = _problem(n=30)
    norms = []
    for lam in (0.0, 0.05):
        net = BPNetwork(3, 6, 2, rng=0)
        history = make_trainer(name, max_epochs=20, patience=None, weight_decay=lam,
                               **DECAY[name]).fit(net, X, T, rng=0)
        w = net.flat_weights()[~net.threshold_mask()]
        norms.append(np.linalg.norm(w))
        assert all(np.isfinite(history.train_loss))
    assert norms[1] < 0.9 * norms[0]


# --------------------------------------------------------------- noise injection
@pytest.mark.parametrize("name", ["gd", "gdx", "adam", "lm"])
def test_resample_draws_fresh_inputs_before_every_epoch_after_the_first(name):
    X, T = _problem(n=24)
    calls = []

    def resample(rng):
        calls.append(rng)
        return X + 0.01 * rng.standard_normal(X.shape)

    gen = np.random.default_rng(5)
    history = make_trainer(name, max_epochs=4, patience=None).fit(
        BPNetwork(3, 5, 2, rng=0), X, T, rng=gen, resample=resample)
    assert len(calls) == 3 and all(r is gen for r in calls)
    assert len(history.epochs) == 4


def test_resample_changes_training_and_is_refused_by_lbfgs():
    X, T = _problem(n=24)
    nets = [BPNetwork(3, 5, 2, rng=0) for _ in range(2)]
    GradientDescent(max_epochs=3, patience=None).fit(nets[0], X, T, rng=1)
    GradientDescent(max_epochs=3, patience=None).fit(
        nets[1], X, T, rng=1, resample=lambda rng: X + 0.1 * rng.standard_normal(X.shape))
    assert not np.allclose(nets[0].flat_weights(), nets[1].flat_weights())
    with pytest.raises(ValueError, match="LBFGS cannot train on inputs resampled"):
        LBFGS().fit(nets[0], X, T, resample=lambda rng: X)
    with pytest.raises(ValueError, match="resample returned 5 samples"):
        GradientDescent(max_epochs=2).fit(nets[0], X, T, resample=lambda rng: X[:5])


# --------------------------------------------------------------- running training loss
def test_running_loss_is_the_mean_of_the_batch_losses_before_each_step():
    X, T = _problem(n=20)
    net = BPNetwork(3, 5, 2, rng=0)
    manual = net.copy()
    history = GradientDescent(learning_rate=0.3, momentum=0.5, batch_size=5, max_epochs=1,
                              patience=None, train_loss="running", restore_best=False).fit(
        net, X, T, rng=3)
    order = np.random.default_rng(3).permutation(20)
    losses, dw = [], 0.0
    for i in range(4):       # four batches of 5, each loss taken before its step
        rows = order[5 * i:5 * i + 5]
        losses.append(manual.loss(X[rows], T[rows]))
        dV, dW = manual.gradients(X[rows], T[rows])
        dw = -0.3 * np.concatenate([dV.ravel(), dW.ravel()]) + 0.5 * dw
        manual.set_flat_weights(manual.flat_weights() + dw)
    np.testing.assert_allclose(net.flat_weights(), manual.flat_weights(), rtol=0, atol=1e-14)
    assert history.train_loss[0] == pytest.approx(np.mean(losses), rel=1e-12)
    assert history.train_loss[0] != pytest.approx(net.loss(X, T), rel=1e-3)   # not the full E
    # Adam, one batch per epoch: the running loss of epoch 1 is E before its step
    net = BPNetwork(3, 5, 2, rng=0)
    E0 = net.loss(X, T)
    history = Adam(batch_size=20, max_epochs=1, patience=None, train_loss="running").fit(
        net, X, T, rng=0)
    assert history.train_loss[0] == pytest.approx(E0, rel=1e-13)


# --------------------------------------------------------------- options
@pytest.mark.parametrize("name, options, message", [
    ("gdx", dict(lr_dec=1.5), r"lr_dec must be a number in \(0.0, 1.0\]"),
    ("gdx", dict(max_perf_inc=0.9), r"max_perf_inc must be a number >= 1.0"),
    ("gdx", dict(mode="online"), "mode must be one of batch, minibatch; got 'online'"),
    ("adam", dict(beta1=1.0), r"beta1 must be a number in \[0.0, 1.0\)"),
    ("adam", dict(epsilon=0), r"epsilon must be a number > 0.0"),
    ("lm", dict(mu_dec=2), r"mu_dec must be a number in \(0.0, 1.0\)"),
    ("lm", dict(mu_inc=1), r"mu_inc must be a number > 1.0"),
    ("lm", dict(mu=1.0, mu_max=0.5), r"mu_max must be > mu \(1.0\)"),
    ("lbfgs", dict(iterations_per_epoch=0), "iterations_per_epoch must be an integer >= 1"),
    ("gd", dict(weight_decay=-1), r"weight_decay must be a number >= 0.0"),
    ("adam", dict(decay_thresholds="no"), "decay_thresholds must be True or False"),
    ("gd", dict(train_loss="mean"), "train_loss must be one of full, running; got 'mean'"),
    ("lm", dict(learning_rate=0.1), r"unknown option\(s\) learning_rate for trainer 'lm'"),
])
def test_bad_options_are_named(name, options, message):
    with pytest.raises(ValueError, match=message):
        make_trainer(name, **options)


def test_registry():
    assert TRAINERS == {"gd": GradientDescent, "gdx": AdaptiveGradientDescent, "adam": Adam,
                        "lm": LevenbergMarquardt, "lbfgs": LBFGS}
    lm = make_trainer("lm")     # MATLAB trainlm's schedule
    assert (lm.mu, lm.mu_dec, lm.mu_inc, lm.mu_max) == (1e-3, 0.1, 10.0, 1e10)
    gdx = make_trainer("gdx")   # MATLAB traingdx's factors
    assert (gdx.lr_inc, gdx.lr_dec, gdx.max_perf_inc) == (1.05, 0.7, 1.04)
    assert math.isclose(make_trainer("adam").beta2, 0.999)


# --------------------------------------------------------------- through NetworkInversion
def _ves_setup():
    from geoinv import GaussianNoise, ModelSpace, Parameter, make_dataset
    from geoinv.forward import VES

    ves = VES(np.geomspace(1, 300, 12), 2)
    space = ModelSpace([Parameter("rho_1", "ohm.m", 10, 1000), Parameter("rho_2", "ohm.m", 10, 1000),
                        Parameter("h_1", "m", 1, 30)], lower_limit=[0, 0, 0])
    noise = GaussianNoise(0.05)
    return ves, space, noise, make_dataset(ves, space, 200, noise, rng=1)


def test_noise_injection_draws_fresh_noise_on_the_clean_data():
    from geoinv import NetworkInversion

    ves, space, noise, train = _ves_setup()
    inv = NetworkInversion.create(ves, space, 5, rng=0)
    resample = inv.noise_resampler(train, noise)
    rng = np.random.default_rng(2)
    draws = np.stack([inv.data_scaler.inverse_transform(resample(rng)) for _ in range(400)])
    # residuals in the error space (log10 for rho_a, sigma in decades:
    # geoinv.prior.noise) over sigma: mean 0 and std 1, each estimated from
    # 400 x 200 x 12 ~ 1e6 draws (standard errors 1e-3), so 0.01 is 10 SE.
    # (Before the error-space convention they were (d - clean) / sigma, linear.)
    z = np.log10(draws / train.clean) / train.sigma
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1.0) < 0.01
    assert not np.allclose(draws[0], draws[1])


def test_noise_injection_keeps_log_data_positive():
    from geoinv import GaussianNoise, NetworkInversion

    ves, space, _, train = _ves_setup()
    inv = NetworkInversion.create(ves, space, 5, rng=0)
    # 40 % and 100 % noise (0.17 and 0.43 decades) are log-normal on rho_a:
    # no draw is non-positive (the scaler would refuse one); additive noise
    # put ~0.6 % and ~16 % of them below zero
    for level in (0.4, 1.0):
        X = inv.noise_resampler(train, GaussianNoise(level))(np.random.default_rng(0))
        assert np.isfinite(X).all()


def test_inversion_fit_with_noise_injection_and_float32():
    from geoinv import NetworkInversion

    ves, space, noise, train = _ves_setup()
    histories = []
    for injected in (None, noise):
        inv = NetworkInversion.create(ves, space, 5, rng=0, dtype="float32")
        histories.append(inv.fit(train, train, Adam(learning_rate=0.01, max_epochs=3,
                                                     patience=None), rng=1,
                                 noise=injected).history_)
        assert inv.network.dtype == np.float32
        assert inv.predict(train.data).dtype == np.float64
    # epoch 1 trains on train.data in both runs; later epochs differ
    assert histories[0].train_loss[0] == histories[1].train_loss[0]
    assert histories[0].train_loss[2] != histories[1].train_loss[2]


@pytest.mark.parametrize("name", sorted(TRAINERS))
def test_wall_time_budget_stops_after_the_epoch_that_exceeds_it(name):
    X, T = _problem()
    history = make_trainer(name, max_seconds=1e-9, max_epochs=100, patience=None).fit(
        BPNetwork(3, 5, 2, rng=0), X, T)
    assert history.stop_reason == "time" and history.epochs == [1]
