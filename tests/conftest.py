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



from geoinv.forward.base import ForwardModel  # noqa: E402  (after the backend is chosen)


class LinearToy(ForwardModel):
    """A forward model d = G m: linear parameters, linear data (an exact Gaussian problem).

    Shared by the least-squares, uncertainty and posterior tests, whose
    answers for it are known in closed form.
    """

    kind = "linear_toy"
    data_log = False

    def __init__(self, G):
        import numpy as np

        self.G = np.asarray(G, dtype=np.float64)
        self.parameter_names = [f"m_{j}" for j in range(self.G.shape[1])]
        self.parameter_units = ["1"] * self.G.shape[1]
        self.data_names = [f"d_{i}" for i in range(self.G.shape[0])]
        self.data_units = ["1"] * self.G.shape[0]

    @property
    def positive(self):
        import numpy as np

        return np.zeros(self.n_params, dtype=bool)

    def _simulate(self, models):
        return models @ self.G.T
