"""Tests of geoinv.nn.training: gradient descent modes, early stopping, history, progress callback."""

import math

import numpy as np
import pytest

from geoinv.nn.network import BPNetwork
from geoinv.nn.training import TRAINERS, GradientDescent, History, Trainer, make_trainer


def _problem(n=20, n_in=3, n_out=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, n_in))
    T = 0.5 + 0.3 * np.tanh(X @ rng.normal(size=(n_in, n_out)))
    return X, T


def _manual_gd(net, epochs, lr, momentum, X, T):
    """GD with momentum from net.gradients, one step per (X_b, T_b) batch.

    ``epochs`` is a list (one entry per epoch) of lists of batches; returns the
    loss on (X, T) after each epoch.
    """
    dV, dW = np.zeros_like(net.V), np.zeros_like(net.W)
    losses = []
    for batches in epochs:
        for X_b, T_b in batches:
            dE_dV, dE_dW = net.gradients(X_b, T_b)
            dV = -lr * dE_dV + momentum * dV
            dW = -lr * dE_dW + momentum * dW
            net.V += dV
            net.W += dW
        losses.append(net.loss(X, T))
    return losses


# --------------------------------------------------------------- update rules
def test_batch_epochs_equal_manual_updates():
    X, T = _problem()
    net = BPNetwork(3, 5, 2, rng=1)
    manual = net.copy()
    trainer = GradientDescent(learning_rate=0.3, momentum=0.5, mode="batch",
                              max_epochs=3, patience=None, restore_best=False)
    history = trainer.fit(net, X, T)
    losses = _manual_gd(manual, [[(X, T)]] * 3, 0.3, 0.5, X, T)
    # Same formulas, same order of floating-point operations: agreement to
    # rounding (1e-15); 1e-13 leaves room for BLAS blocking differences.
    np.testing.assert_allclose(net.flat_weights(), manual.flat_weights(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(history.train_loss, losses, rtol=1e-13)
    assert history.epochs == [1, 2, 3]
    assert trainer.history_ is history


def test_minibatch_uses_a_fresh_permutation_every_epoch():
    X, T = _problem(n=23)
    net = BPNetwork(3, 5, 2, rng=1)
    manual = net.copy()
    GradientDescent(learning_rate=0.3, momentum=0.9, batch_size=5, max_epochs=2,
                    patience=None, restore_best=False).fit(net, X, T, rng=11)
    rng = np.random.default_rng(11)
    epochs = []
    for _ in range(2):
        order = rng.permutation(23)
        epochs.append([(X[order[i:i + 5]], T[order[i:i + 5]]) for i in range(0, 23, 5)])
    assert [len(X_b) for X_b, _ in epochs[0]] == [5, 5, 5, 5, 3]   # last batch: the rest
    _manual_gd(manual, epochs, 0.3, 0.9, X, T)
    np.testing.assert_allclose(net.flat_weights(), manual.flat_weights(), rtol=0, atol=1e-13)


def test_online_mode_equals_a_manual_loop_over_the_shuffled_samples():
    X, T = _problem(n=15)
    net = BPNetwork(3, 5, 2, rng=2)
    manual, unshuffled = net.copy(), net.copy()
    GradientDescent(learning_rate=0.2, momentum=0.8, mode="online", max_epochs=2,
                    patience=None, restore_best=False).fit(net, X, T, rng=4)
    rng = np.random.default_rng(4)
    epochs = [[(X[i:i + 1], T[i:i + 1]) for i in rng.permutation(15)] for _ in range(2)]
    _manual_gd(manual, epochs, 0.2, 0.8, X, T)
    # A step on one sample folds the learning rate into delta before the
    # product: the same numbers up to rounding, accumulated over 30 steps.
    np.testing.assert_allclose(net.flat_weights(), manual.flat_weights(), rtol=0, atol=1e-13)
    # Order matters, so this also shows the samples were not taken in order.
    _manual_gd(unshuffled, [[(X[i:i + 1], T[i:i + 1]) for i in range(15)]] * 2, 0.2, 0.8, X, T)
    assert np.abs(net.flat_weights() - unshuffled.flat_weights()).max() > 1e-6


def test_online_mode_visits_each_sample_once_per_epoch():
    n = 12
    X = np.column_stack([np.arange(n) / n, np.zeros(n)])   # column 1 of X_aug = id
    T = np.full((n, 1), 0.5)
    net = BPNetwork(2, 3, 1, rng=0)
    seen = []
    step = net.batch_gradient_into

    def recording_step(X_aug, T, *args):
        assert X_aug.shape == (1, 3)                  # online: batches of one sample
        seen.append(int(round(X_aug[0, 1] * n)))
        return step(X_aug, T, *args)

    net.batch_gradient_into = recording_step
    GradientDescent(mode="online", max_epochs=3, patience=None).fit(net, X, T, rng=9)
    rng = np.random.default_rng(9)
    assert seen == [i for _ in range(3) for i in rng.permutation(n)]
    for epoch in range(3):
        assert sorted(seen[epoch * n:(epoch + 1) * n]) == list(range(n))
    assert seen[:n] != seen[n:2 * n]


# --------------------------------------------------------------- learning
def test_fits_a_smooth_curve():
    x = np.linspace(-3, 3, 100)[:, None]
    t = 0.5 + 0.3 * np.sin(x)
    net = BPNetwork(1, 10, 1, rng=0)
    E0 = net.loss(x, t)
    history = GradientDescent(learning_rate=2.0, momentum=0.9, batch_size=10,
                              max_epochs=300, patience=None).fit(net, x, t, rng=0)
    # E < 1e-4 means an RMS error below sqrt(2e-4) = 0.014, under 5 % of the
    # amplitude 0.3 (seeds 0-2 reach 6e-6 .. 5e-5 in 300 epochs).
    assert history.train_loss[-1] < 1e-4
    assert net.loss(x, t) == min(history.train_loss)
    assert history.train_loss[-1] < E0 / 300
    assert np.abs(net.predict(x) - t).max() < 0.05


def test_early_stopping_restores_the_best_weights():
    X, T = _problem(n=40)
    X_val, T_val = X, 1.0 - T        # fitting T makes this validation set worse
    net = BPNetwork(3, 5, 2, rng=3)
    history = GradientDescent(learning_rate=0.5, patience=5, max_epochs=500).fit(
        net, X, T, X_val, T_val, rng=0)
    assert history.stop_reason == "patience"
    assert len(history.epochs) == history.best_epoch + 5
    best = min(history.val_loss)
    assert history.val_loss[history.best_epoch - 1] == best
    assert net.loss(X_val, T_val) == pytest.approx(best, rel=1e-14)
    assert net.loss(X_val, T_val) < history.val_loss[-1]


def test_without_validation_set_the_training_loss_is_monitored():
    X, T = _problem()
    net = BPNetwork(3, 5, 2, rng=0)
    history = GradientDescent(max_epochs=4, patience=None).fit(net, X, T, rng=0)
    assert history.stop_reason == "max_epochs"
    assert all(math.isnan(v) for v in history.val_loss)
    assert net.loss(X, T) == pytest.approx(min(history.train_loss), rel=1e-14)
    frame = history.to_frame()
    assert list(frame.columns) == ["epoch", "train_loss", "val_loss", "seconds"]
    assert list(frame["epoch"]) == [1, 2, 3, 4]
    assert frame["seconds"].is_monotonic_increasing


def test_target_loss_stops_early():
    X, T = _problem()
    history = GradientDescent(target_loss=1.0, max_epochs=50).fit(
        BPNetwork(3, 5, 2, rng=0), X, T)
    assert history.stop_reason == "target" and history.epochs == [1]


def test_divergence_stops_and_keeps_finite_weights():
    X, T = _problem()
    net = BPNetwork(3, 5, 2, hidden_activation="purelin", output_activation="purelin", rng=0)
    with np.errstate(all="ignore"):
        history = GradientDescent(learning_rate=50.0, mode="batch", max_epochs=1000,
                                  patience=None).fit(net, X, T)
    assert history.stop_reason == "diverged"
    assert np.isfinite(net.flat_weights()).all()
    assert history.best_epoch < len(history.epochs)


def test_a_diverging_learning_rate_stops_and_keeps_the_initial_weights():
    # lr = 50 with a linear output: E jumps from 0.19 to ~3e13 in the first
    # epoch, far above DIVERGENCE_FACTOR (1e3) times the initial loss; the
    # initial weights (epoch 0) are the best candidate, so they are restored
    X, T = _problem()
    net = BPNetwork(3, 5, 2, output_activation="purelin", rng=0)
    w0, E0 = net.flat_weights(), net.loss(X, T)
    with np.errstate(all="ignore"):
        history = GradientDescent(learning_rate=50.0, batch_size=5, max_epochs=100,
                                  patience=None).fit(net, X, T, rng=0)
    assert history.stop_reason == "diverged" and history.epochs == [1]
    assert history.train_loss[0] > 1e3 * E0
    assert history.best_epoch == 0 and history.initial_loss == E0
    np.testing.assert_array_equal(net.flat_weights(), w0)
    assert net.loss(X, T) <= E0
    assert history.warning() == (f"training diverged at epoch 1 (loss "
                                 f"{history.train_loss[0]:.3g}); lower learning_rate")


def test_growth_after_progress_is_divergence_and_the_best_epoch_is_kept():
    # purelin layers, batch steps with lr 50: the first epochs may still
    # improve, then the loss grows by orders of magnitude; the weights of the
    # best epoch (never those of the diverged ones) are restored
    X, T = _problem()
    net = BPNetwork(3, 5, 2, hidden_activation="purelin", output_activation="purelin", rng=0)
    E0 = net.loss(X, T)
    with np.errstate(all="ignore"):
        history = GradientDescent(learning_rate=50.0, mode="batch", max_epochs=1000,
                                  patience=None).fit(net, X, T)
    assert history.stop_reason == "diverged"
    best = min([E0] + history.train_loss[:-1])
    assert history.train_loss[-1] > 1e3 * best or not np.isfinite(history.train_loss[-1])
    assert net.loss(X, T) == pytest.approx(best, rel=1e-12) and net.loss(X, T) <= E0


def test_saturated_outputs_make_no_progress():
    # logsig outputs with lr 1e4: every unit saturates, E sticks at ~0.29,
    # eight times the initial 0.036, and no epoch improves on the initial
    # weights: stop_reason "no_progress", and the initial weights are kept
    X, T = _problem()
    net = BPNetwork(3, 5, 2, rng=0)
    w0, E0 = net.flat_weights(), net.loss(X, T)
    with np.errstate(all="ignore"):
        history = GradientDescent(learning_rate=1e4, batch_size=5, max_epochs=300,
                                  patience=20).fit(net, X, T, rng=0)
    assert history.stop_reason == "no_progress" and len(history.epochs) == 20
    assert min(history.train_loss) > 5 * E0
    np.testing.assert_array_equal(net.flat_weights(), w0)
    assert history.warning().startswith("training made no progress: none of 20 epochs "
                                        "improved on the initial weights (loss 0.0361)")


def test_still_improving_when_cut_short_by_max_epochs():
    X, T = _problem()
    history = GradientDescent(max_epochs=20, patience=None).fit(
        BPNetwork(3, 5, 2, rng=0), X, T, rng=0)
    # gd with lr 0.1 is far from converged after 20 epochs: the loss falls
    # in every one of them, and the best epoch is the last
    assert history.stop_reason == "max_epochs" and history.best_epoch == 20
    assert all(np.diff(history.train_loss) < 0)
    assert history.still_improving
    assert history.warning() == ("training stopped at max_epochs (epoch 20) while the loss "
                                 "was still improving (best epoch 20); raise max_epochs")
    # the last 10 % of 20 epochs are epochs 19 and 20
    for best, improving in ((18, False), (19, True)):
        h = History(epochs=list(range(1, 21)), best_epoch=best, stop_reason="max_epochs")
        assert h.still_improving is improving
    assert not History(epochs=[1, 2], best_epoch=2, stop_reason="patience").still_improving
    # early stopping: ended by patience, not cut short, nothing to say
    stopped = GradientDescent(max_epochs=500, patience=2, learning_rate=0.5).fit(
        BPNetwork(3, 5, 2, rng=3), X, 1.0 - T, X, T, rng=0)
    assert stopped.stop_reason == "patience" and len(stopped.epochs) == stopped.best_epoch + 2
    assert not stopped.still_improving and stopped.warning() is None


def test_blas_runs_on_one_thread_inside_fit():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return {lib["num_threads"] for lib in threadpoolctl.threadpool_info()
                if lib["user_api"] == "blas"}

    X, T = _problem()
    seen = []
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        outside = blas_threads()
        GradientDescent(max_epochs=3, patience=None,
                        progress=lambda *args: seen.append(blas_threads())).fit(
            BPNetwork(3, 5, 2, rng=0), X, T)
        assert blas_threads() == outside            # restored after fit
    assert outside and seen == [{1}] * 3


def test_same_seed_same_history_and_weights():
    X, T = _problem(n=50)
    X_val, T_val = _problem(n=10, seed=1)
    runs = []
    for _ in range(2):
        net = BPNetwork(3, 6, 2, rng=5)
        h = GradientDescent(batch_size=8, max_epochs=5, patience=None).fit(
            net, X, T, X_val, T_val, rng=np.random.default_rng(12))
        runs.append((h, net.flat_weights()))
    assert runs[0][0].train_loss == runs[1][0].train_loss
    assert runs[0][0].val_loss == runs[1][0].val_loss
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    net = BPNetwork(3, 6, 2, rng=5)
    GradientDescent(batch_size=8, max_epochs=5, patience=None).fit(net, X, T, rng=13)
    assert not np.array_equal(net.flat_weights(), runs[0][1])


# --------------------------------------------------------------- progress
def test_progress_callback_and_silent_default(capsys):
    X, T = _problem()
    calls = []

    class Recorder:
        closed = False

        def __call__(self, *args):
            calls.append(args)

        def close(self):
            Recorder.closed = True

    GradientDescent(max_epochs=4, patience=None, progress=Recorder()).fit(
        BPNetwork(3, 5, 2, rng=0), X, T)
    assert [c[:2] for c in calls] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert Recorder.closed
    GradientDescent(max_epochs=4, patience=None).fit(BPNetwork(3, 5, 2, rng=0), X, T)
    assert capsys.readouterr() == ("", "")


# --------------------------------------------------------------- registry and checks
def test_make_trainer():
    trainer = make_trainer("gd", learning_rate=0.05, mode="online")
    assert isinstance(trainer, GradientDescent) and isinstance(trainer, Trainer)
    assert (trainer.learning_rate, trainer.mode, trainer.momentum) == (0.05, "online", 0.9)
    assert TRAINERS["gd"] is GradientDescent
    with pytest.raises(ValueError, match="trainer must be one of gd, gdx, adam, lm, lbfgs; "
                                         "got 'sgd'"):
        make_trainer("sgd")
    with pytest.raises(ValueError, match="unknown option.*lr.*valid options: learning_rate"):
        make_trainer("gd", lr=0.1)
    with pytest.raises(ValueError, match=r"momentum must be a number in \[0.0, 1.0\)"):
        make_trainer("gd", momentum=1.0)
    with pytest.raises(ValueError, match="mode must be one of minibatch, online, batch; got 'stochastic'"):
        make_trainer("gd", mode="stochastic")
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        make_trainer("gd", batch_size=0)
    with pytest.raises(ValueError, match="learning_rate must be a number > 0"):
        make_trainer("gd", learning_rate=0.0)


def test_fit_checks_its_data():
    X, T = _problem()
    net = BPNetwork(3, 5, 2, rng=0)
    with pytest.raises(ValueError, match="give both X_val and T_val"):
        GradientDescent().fit(net, X, T, X_val=X)
    with pytest.raises(ValueError, match="X_val must have shape"):
        GradientDescent().fit(net, X, T, X[:, :2], T)
    X_bad = X.copy()
    X_bad[7, 0] = np.nan
    with pytest.raises(ValueError, match="rows 7"):
        GradientDescent().fit(net, X_bad, T)


def test_history_defaults():
    h = History()
    assert h.to_frame().empty and h.best_epoch == 0
