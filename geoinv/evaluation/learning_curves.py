"""Learning curves: how many forward runs and hidden units a problem needs.

Each point of a curve is one training run; the curve tabulates its ID test
error per parameter (by default the median relative error of
:func:`geoinv.evaluation.metrics.parameter_metrics`) and its best validation
loss:

- :func:`sample_size_curve`: error against the number of training samples
  (the first n rows of the training set: the rows are drawn independently,
  so these are random subsets, and each is contained in the next);
- :func:`hidden_size_curve`: error against the number of hidden units;
- :func:`select_hidden`: the hidden-layer size with the lowest validation
  loss (optionally the smallest one within a tolerance of it), with the
  table it was chosen from.

Where a sample-size curve flattens, more forward runs buy little; where it
still falls steeply, they are worth simulating.  Draw a curve with
:func:`geoinv.viz.plotting.plot_learning_curve`.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .._checks import check_int
from ..inversion.network_inversion import NetworkInversion
from ..nn.training import Adam
from ..prior.model_space import spawn
from .metrics import parameter_metrics

__all__ = ["sample_size_curve", "hidden_size_curve", "select_hidden", "default_trainer"]


def default_trainer():
    """The trainer the curves use when given none: Adam, 200 epochs, patience 20."""
    return Adam(learning_rate=0.003, batch_size=64, max_epochs=200, patience=20)


def _run(forward, space, train, validation, test, n_hidden, trainer, rng, metric, options):
    """Train one network; return its row of the curve."""
    weights_rng, shuffle_rng = spawn(rng, 2)
    inversion = NetworkInversion.create(forward, space, n_hidden, rng=weights_rng,
                                        train_data=train.data, **options["create"])
    start = time.perf_counter()
    history = inversion.fit(train, validation, trainer, rng=shuffle_rng,
                            noise=options["noise"]).history_
    best = max(history.best_epoch, 1) - 1
    row = {"n_train": len(train), "n_hidden": n_hidden, "epochs": len(history.epochs),
           "seconds": time.perf_counter() - start,
           "train_loss": history.train_loss[best], "val_loss": history.val_loss[best]}
    if test is not None:
        values = {q: v for q, m, v in parameter_metrics(test.models, inversion.predict(test.data),
                                                         space) if m == metric}
        row.update({name: values.get(name, np.nan) for name in space.names})
    return row


def _curve(forward, space, train, validation, test, grid, trainer, rng, repeats, metric,
           create, noise):
    trainer = trainer if trainer is not None else default_trainer()
    if test is not None and metric not in {m for _, m, _ in parameter_metrics(
            test.models[:1], test.models[:1], space)}:
        raise ValueError(f"unknown metric {metric!r}; use a per-parameter metric of "
                         "geoinv.evaluation.parameter_metrics, e.g. 'median_rel_err'")
    check_int(repeats, "repeats", 1)
    options = {"create": create, "noise": noise}
    streams = iter(spawn(rng, len(grid) * repeats))
    rows = []
    for n_train, n_hidden in grid:
        for repeat in range(repeats):
            row = _run(forward, space, train.subset(slice(0, n_train)), validation, test,
                       n_hidden, trainer, next(streams), metric, options)
            rows.append({"repeat": repeat, **row})
    frame = pd.DataFrame(rows)
    frame.attrs.update(metric=metric, quantities=list(space.names) if test is not None else [])
    return frame


def _sizes(values, name, upper=None):
    values = [v for v in np.atleast_1d(values)]
    bad = [v for v in values if isinstance(v, bool) or not isinstance(v, (int, np.integer))
           or v < 1 or (upper is not None and v > upper)]
    if not values or bad:
        limit = f" and <= {upper}" if upper is not None else ""
        raise ValueError(f"{name} must be integers >= 1{limit}; offending: "
                         f"{', '.join(map(str, bad)) or '(none given)'}")
    return [int(v) for v in values]


def sample_size_curve(forward, space, train, validation, test, n_train, n_hidden=40,
                      trainer=None, rng=None, repeats=1, metric="median_rel_err",
                      hidden_activation="logsig", output_activation="logsig", noise=None,
                      dtype=np.float64, hidden=None, output=None):
    """ID test error against the number of training samples.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
    space : geoinv.ModelSpace
    train, validation, test : geoinv.prior.dataset.Dataset
        The runs train on the first ``n`` rows of ``train``, stop early on
        ``validation`` and are scored on ``test`` (ID test data).
    n_train : sequence of int
        Training-set sizes, each <= len(train).
    n_hidden : int, optional
        Hidden units of every run.
    trainer : geoinv.nn.training.Trainer, optional
        Reused for every run; default :func:`default_trainer`.
    rng : numpy.random.Generator or int or None
        Spawned into one stream per run (initial weights and shuffling).
    repeats : int, optional
        Runs per size, with different seeds.
    metric : str, optional
        Per-parameter metric of :func:`geoinv.evaluation.parameter_metrics`.
    hidden_activation, output_activation, noise, dtype
        Passed on to :meth:`geoinv.NetworkInversion.create` (activations,
        dtype) and :meth:`~geoinv.NetworkInversion.fit` (noise injection).
    hidden, output : str, optional
        Deprecated names of ``hidden_activation`` and ``output_activation``.

    Returns
    -------
    pandas.DataFrame
        One row per run: ``repeat, n_train, n_hidden, epochs, seconds,
        train_loss, val_loss`` (the losses at the best epoch, scaled units)
        and one column per parameter holding ``metric``.
        ``attrs["metric"]`` and ``attrs["quantities"]`` (the parameter
        columns) tell :func:`geoinv.viz.plotting.plot_learning_curve` what to draw.
    """
    sizes = _sizes(n_train, "n_train", upper=len(train))
    create = dict(hidden_activation=hidden_activation, output_activation=output_activation,
                  dtype=dtype, hidden=hidden, output=output)
    return _curve(forward, space, train, validation, test, [(n, n_hidden) for n in sizes],
                  trainer, rng, repeats, metric, create, noise)


def hidden_size_curve(forward, space, train, validation, test, sizes, trainer=None, rng=None,
                      repeats=1, metric="median_rel_err", hidden_activation="logsig",
                      output_activation="logsig", noise=None, dtype=np.float64, hidden=None,
                      output=None):
    """ID test error (and validation loss) against the number of hidden units.

    Parameters
    ----------
    forward, space, train, validation
        As for :func:`sample_size_curve` (the whole training set is used).
    test : geoinv.prior.dataset.Dataset or None
        ID test data; None records the losses only.
    sizes : sequence of int
        Hidden-layer sizes.
    trainer, rng, repeats, metric, hidden_activation, output_activation, noise, dtype
        As for :func:`sample_size_curve` (``hidden``, ``output``: deprecated).

    Returns
    -------
    pandas.DataFrame
        As :func:`sample_size_curve`, one row per run.
    """
    sizes = _sizes(sizes, "sizes")
    create = dict(hidden_activation=hidden_activation, output_activation=output_activation,
                  dtype=dtype, hidden=hidden, output=output)
    return _curve(forward, space, train, validation, test, [(len(train), h) for h in sizes],
                  trainer, rng, repeats, metric, create, noise)


def select_hidden(forward, space, train, validation, sizes, trainer=None, rng=None, repeats=1,
                  tolerance=0.0, **options):
    """Pick the hidden-layer size from a validation curve.

    Parameters
    ----------
    forward, space, train, validation, sizes, trainer, rng, repeats
        As for :func:`hidden_size_curve`.
    tolerance : float, optional
        Choose the smallest size whose mean best validation loss is within
        a factor (1 + tolerance) of the lowest one; 0 (default) takes the
        lowest.  E.g. 0.05 prefers a smaller network that is at most 5 %
        worse.
    **options
        ``hidden_activation``, ``output_activation``, ``noise``, ``dtype``
        as for :func:`hidden_size_curve`.

    Returns
    -------
    table : pandas.DataFrame
        One row per size (means over the repeats): ``n_hidden, val_loss,
        train_loss, epochs, seconds``.
    best : int
        The chosen hidden-layer size.
    """
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be >= 0; got {tolerance!r}")
    runs = hidden_size_curve(forward, space, train, validation, None, sizes, trainer=trainer,
                             rng=rng, repeats=repeats, **options)
    table = (runs.groupby("n_hidden", sort=True)[["val_loss", "train_loss", "epochs", "seconds"]]
             .mean().reset_index())
    ok = table["val_loss"] <= (1.0 + tolerance) * table["val_loss"].min()
    return table, int(table.loc[ok, "n_hidden"].min())
