"""Shared test set-up: a display-free matplotlib backend."""

import matplotlib

matplotlib.use("Agg")


def train_small_inversion(forward, space, n_train, n_val, n_hidden, seed):
    """A quickly trained network for tests that need one (about a second).

    Draws, in this order from one Generator seeded with ``seed``: the
    training set, the validation set (2 % noise), the initial weights and the
    batch order of 60 epochs of gradient descent.  Returns
    ``(inversion, train, validation, rng, noise)``; ``rng`` continues the
    same stream for the test's own draws.
    """
    import numpy as np

    from geoinv import GaussianNoise, NetworkInversion, make_dataset
    from geoinv.nn.training import GradientDescent

    rng = np.random.default_rng(seed)
    noise = GaussianNoise(relative=0.02)
    train = make_dataset(forward, space, n_train, noise, rng)
    validation = make_dataset(forward, space, n_val, noise, rng)
    inversion = NetworkInversion.create(forward, space, n_hidden=n_hidden, rng=rng)
    inversion.fit(train, validation, GradientDescent(learning_rate=0.5, max_epochs=60), rng=rng)
    return inversion, train, validation, rng, noise
