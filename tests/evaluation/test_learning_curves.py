"""Learning curves and the choice of the hidden-layer size."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from geoinv import GaussianNoise, ModelSpace, Parameter, make_dataset
from geoinv.forward import VES
from geoinv.evaluation.learning_curves import hidden_size_curve, sample_size_curve, select_hidden
from geoinv.viz import plot_learning_curve
from geoinv.nn.training import Adam


@pytest.fixture(scope="module")
def problem():
    ves = VES(np.geomspace(1, 300, 12), 2)
    space = ModelSpace([Parameter("rho_1", "ohm.m", 10, 1000), Parameter("rho_2", "ohm.m", 10, 1000),
                        Parameter("h_1", "m", 2, 30)], lower_limit=[0, 0, 0])
    noise = GaussianNoise(0.02)
    sets = [make_dataset(ves, space, n, noise, rng=seed)
            for n, seed in ((800, 1), (200, 2), (200, 3))]
    return ves, space, sets


def _trainer():
    return Adam(learning_rate=0.01, batch_size=32, max_epochs=40, patience=10)


def test_error_falls_with_the_number_of_training_samples(problem):
    ves, space, (train, val, test) = problem
    curve = sample_size_curve(ves, space, train, val, test, [25, 800], n_hidden=8,
                              trainer=_trainer(), rng=0)
    assert list(curve["n_train"]) == [25, 800]
    assert {"repeat", "n_hidden", "epochs", "seconds", "train_loss", "val_loss",
            "rho_1", "rho_2", "h_1"} <= set(curve.columns)
    assert curve.attrs == {"metric": "median_rel_err", "quantities": ["rho_1", "rho_2", "h_1"]}
    # 32x more data: the validation loss and the ID errors of the well
    # resolved rho_1 and rho_2 drop (seeds fixed; the margins are > 1.5x)
    small, large = curve.iloc[0], curve.iloc[1]
    assert large["val_loss"] < small["val_loss"] / 1.5
    assert large["rho_1"] < small["rho_1"] and large["rho_2"] < small["rho_2"]
    ax = plot_learning_curve(curve)
    assert [l.get_label() for l in ax.lines] == ["rho_1", "rho_2", "h_1"]
    assert ax.get_xscale() == "log" and ax.get_xlabel().startswith("Training samples")
    plt.close(ax.figure)


def test_hidden_curve_with_repeats_and_select_hidden(problem):
    ves, space, (train, val, test) = problem
    curve = hidden_size_curve(ves, space, train.subset(slice(0, 300)), val, test, [1, 6],
                              trainer=_trainer(), rng=1, repeats=2)
    assert list(curve["n_hidden"]) == [1, 1, 6, 6] and list(curve["repeat"]) == [0, 1, 0, 1]
    ax = plot_learning_curve(curve, x="n_hidden")
    assert len(ax.collections) == 3           # min-max bars of the repeats, per quantity
    plt.close(ax.figure)

    table, best = select_hidden(ves, space, train.subset(slice(0, 300)), val, [1, 6],
                                trainer=_trainer(), rng=1)
    assert list(table.columns) == ["n_hidden", "val_loss", "train_loss", "epochs", "seconds"]
    # one hidden unit cannot represent three parameters: 6 units win clearly
    assert best == 6 and table["val_loss"].iloc[0] > 1.5 * table["val_loss"].iloc[1]
    # a tolerance large enough accepts the smaller network
    ratio = table["val_loss"].iloc[0] / table["val_loss"].iloc[1]
    _, lenient = select_hidden(ves, space, train.subset(slice(0, 300)), val, [1, 6],
                               trainer=_trainer(), rng=1, tolerance=ratio)
    assert lenient == 1


def test_bad_arguments_are_named(problem):
    ves, space, (train, val, test) = problem
    with pytest.raises(ValueError, match="n_train must be integers >= 1 and <= 800; offending: 900"):
        sample_size_curve(ves, space, train, val, test, [100, 900])
    with pytest.raises(ValueError, match="sizes must be integers >= 1; offending: 0"):
        hidden_size_curve(ves, space, train, val, test, [0, 4])
    with pytest.raises(ValueError, match="unknown metric 'accuracy'"):
        hidden_size_curve(ves, space, train, val, test, [4], metric="accuracy")
    with pytest.raises(ValueError, match="curve lacks"):
        plot_learning_curve(pd.DataFrame({"n_train": [1]}))
    with pytest.raises(ValueError, match="curve has no column 'n_hidden'"):
        plot_learning_curve(pd.DataFrame({"n_train": [1]}), x="n_hidden")
