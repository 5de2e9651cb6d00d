"""Ensembles: K networks trained from different seeds, and their spread.

Networks trained from different initial weights (and batch orders) agree
where the training data pin the answer down and disagree where they do not,
e.g. on the equivalent middle layers of a sounding or outside the training
box.  :class:`EnsembleInversion` holds K :class:`~geoinv.NetworkInversion`
members that share the forward model, the prior box and both scalers, and
predicts

    mean  = 1/K sum_i m_i            in the declared scale (log10 for log
    sigma = std_i(m_i) (ddof = 1)    parameters), the mean then taken back to
                                     physical units,

so the mean of log parameters is a geometric mean and sigma is in decades
for them (in the parameter's unit for linear ones).  sigma is an uncertainty
per parameter and sounding; how often the truth falls inside mean +/- 2
sigma is reported by :func:`geoinv.evaluation.uncertainty_metrics` (ID and
OOD: a well-behaved ensemble widens outside its training box).

Saved with :meth:`EnsembleInversion.save` into one ``.npz``, read back by
:func:`geoinv.load`, which returns an :class:`EnsembleInversion`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..evaluation.metrics import declared_scale
from .network_inversion import (NetworkInversion, _network_parts, _ood_parts, _shared_meta, _write_npz,
                       predict_ood)
from ..nn.network import BPNetwork

__all__ = ["EnsembleInversion", "mean_and_std", "spawn"]


class EnsembleInversion:
    """K network inversions with shared scalers: mean prediction and spread.

    Parameters
    ----------
    members : sequence of NetworkInversion
        At least one; all with the same forward model, prior box and
        scalers (the objects of the first member are used) and networks of
        the same input and output sizes.
    scenario : dict, optional
        The resolved scenario this ensemble came from (kept when saved).

    Attributes
    ----------
    histories_ : list of geoinv.training.History
        One per member, after :meth:`fit`.

    Examples
    --------
    >>> import numpy as np
    >>> from geoinv import ModelSpace, Parameter
    >>> from geoinv.forward import VES
    >>> ves = VES(np.geomspace(1, 100, 8), 2)
    >>> space = ModelSpace([Parameter("rho_1", "ohm.m", 10, 100),
    ...                     Parameter("rho_2", "ohm.m", 10, 100), Parameter("h_1", "m", 1, 10)])
    >>> ens = EnsembleInversion.create(ves, space, n_hidden=4, n_members=3, rng=0)
    >>> mean, std = ens.predict(ves.simulate([[20.0, 50.0, 3.0]]), return_std=True)
    >>> mean.shape, std.shape
    ((1, 3), (1, 3))
    """

    def __init__(self, members, scenario=None):
        members = list(members)
        if not members:
            raise ValueError("an ensemble needs at least one member")
        first = members[0]
        for i, m in enumerate(members[1:], start=1):
            if (m.network.n_in, m.network.n_out) != (first.network.n_in, first.network.n_out):
                raise ValueError(f"member {i} has a {m.network.n_in}-...-{m.network.n_out} "
                                 f"network; member 0 a {first.network.n_in}-...-"
                                 f"{first.network.n_out} one")
        self.members = members
        self.scenario = scenario
        self.ood_detector = None

    @classmethod
    def create(cls, forward, space, n_hidden, n_members, hidden="logsig", output="logsig",
               rng=None, data_bounds=None, train_data=None, scenario=None, dtype=np.float64):
        """Build K untrained members with independently seeded weights.

        Parameters
        ----------
        forward, space, n_hidden, hidden, output, data_bounds, train_data, scenario, dtype
            As for :meth:`geoinv.NetworkInversion.create`; the scalers are
            fitted once and shared.
        n_members : int
            K >= 1.
        rng : numpy.random.Generator or int or None
            Spawned into K independent streams, one per member's weights.

        Returns
        -------
        EnsembleInversion
        """
        if isinstance(n_members, bool) or not isinstance(n_members, (int, np.integer)) \
                or n_members < 1:
            raise ValueError(f"n_members must be an integer >= 1; got {n_members!r}")
        seeds = spawn(rng, int(n_members))
        first = NetworkInversion.create(forward, space, n_hidden, hidden=hidden, output=output,
                                        rng=seeds[0], data_bounds=data_bounds,
                                        train_data=train_data, scenario=scenario, dtype=dtype)
        members = [first] + [
            NetworkInversion(forward, space,
                             BPNetwork(forward.n_data, n_hidden, space.n_params,
                                       hidden_activation=hidden, output_activation=output,
                                       rng=seed, dtype=dtype),
                             first.data_scaler, first.model_scaler, scenario)
            for seed in seeds[1:]]
        return cls(members, scenario=scenario)

    # -- shared parts ----------------------------------------------------------
    @property
    def forward(self):
        return self.members[0].forward

    @property
    def space(self):
        return self.members[0].space

    @property
    def data_scaler(self):
        return self.members[0].data_scaler

    @property
    def model_scaler(self):
        return self.members[0].model_scaler

    @property
    def n_members(self):
        """K, the number of networks."""
        return len(self.members)

    @property
    def networks(self):
        """The members' networks, a list of K :class:`~geoinv.BPNetwork`."""
        return [m.network for m in self.members]

    def network_inputs(self, data):
        """Observed data (n_samples, n_data) -> scaled network inputs."""
        return self.data_scaler.transform(data)

    def network_targets(self, models):
        """Models (n_samples, n_params) -> scaled network targets."""
        return self.model_scaler.transform(models)

    # -- training --------------------------------------------------------------
    def fit(self, train, validation=None, trainer=None, rng=None, noise=None):
        """Train every member on the same data, each with its own random stream.

        Parameters
        ----------
        train, validation : geoinv.dataset.Dataset
        trainer : geoinv.training.Trainer, optional
            Used for each member in turn (its ``history_`` ends as the last
            member's); default ``GradientDescent()``.
        rng : numpy.random.Generator or int or None
            Spawned into K streams (shuffling and injected noise per member).
        noise : geoinv.noise.GaussianNoise, optional
            Noise injection, see :meth:`geoinv.NetworkInversion.fit`.

        Returns
        -------
        list of geoinv.training.History
            One per member, also stored as ``histories_``.
        """
        streams = spawn(rng, self.n_members)
        self.histories_ = [m.fit(train, validation, trainer, rng=r, noise=noise)
                           for m, r in zip(self.members, streams)]
        return self.histories_

    def history_frame(self):
        """All members' histories in one DataFrame.

        Returns
        -------
        pandas.DataFrame
            Columns ``epoch, train_loss, val_loss, seconds, member`` (member
            1..K), the rows of member 1 first.
        """
        frames = [h.to_frame().assign(member=i + 1) for i, h in enumerate(self.histories_)]
        return pd.concat(frames, ignore_index=True)

    # -- prediction ------------------------------------------------------------
    def predict_members(self, data):
        """Every member's prediction.

        Parameters
        ----------
        data : array_like, shape (n_samples, n_data) or (n_data,)

        Returns
        -------
        models : ndarray, shape (K, n_samples, n_params) or (K, n_params)
            Physical units.
        """
        data, single = self.members[0]._check_data(data)
        X = self.network_inputs(data)
        models = np.stack([self.model_scaler.inverse_transform(net.predict(X))
                           for net in self.networks])
        return models[:, 0] if single else models

    def predict(self, data, return_std=False, sigma=None, return_ood=False):
        """Ensemble mean, and optionally the spread, of the members' predictions.

        Parameters
        ----------
        data : array_like, shape (n_samples, n_data) or (n_data,)
            Observed data in physical units.
        return_std : bool, optional
            Also return sigma.
        sigma : array_like, shape (n_samples, n_data), optional
            Standard deviations of the data; needed with ``return_ood``.
        return_ood : bool
            Return ``(models, flags, scores)`` from ``ood_detector`` instead
            (see :meth:`geoinv.NetworkInversion.predict`).

        Returns
        -------
        models : ndarray, shape (n_samples, n_params) or (n_params,)
            Mean in the declared scale, in physical units (a geometric mean
            for log parameters).
        std : ndarray, same shape, only if ``return_std``
            Standard deviation of the members (ddof = 1; 0 for K = 1) in
            the declared scale: decades for log parameters, the unit for
            linear ones.
        """
        if return_ood:
            return predict_ood(self, data, sigma)
        return mean_and_std(self.predict_members(data), self.space.log, return_std)

    # -- saving ----------------------------------------------------------------
    def save(self, path):
        """Write the ensemble to one ``.npz`` file, atomically.

        Parameters
        ----------
        path : str or Path

        Returns
        -------
        Path
        """
        arrays, meta = {}, {}
        for i, net in enumerate(self.networks):
            a, m = _network_parts(net, f"member{i}")
            arrays.update(a)
            meta.update(m)
        meta.update(_shared_meta(self), kind="ensemble", n_members=self.n_members)
        return _write_npz(path, {**arrays, **_ood_parts(self)}, meta)

    def __repr__(self):
        net = self.networks[0]
        return (f"EnsembleInversion({self.n_members} x {net.n_in}-{net.n_hidden}-{net.n_out}, "
                f"{type(self.forward).__name__})")


def spawn(rng, k):
    """K independent generators derived from ``rng`` (a Generator, a seed or None).

    ``Generator.spawn`` where numpy has it (>= 1.25), else K seeds drawn
    from ``rng``.
    """
    rng = np.random.default_rng(rng)
    if hasattr(rng, "spawn"):
        return rng.spawn(k)
    return [np.random.default_rng(s) for s in rng.integers(2**63, size=k)]


def mean_and_std(members, log, return_std=True):
    """Mean (back in physical units) and spread of models in the declared scale.

    Parameters
    ----------
    members : ndarray, shape (K, ..., n_params)
        Physical units.
    log : array_like of bool, shape (n_params,)
    return_std : bool, optional

    Returns
    -------
    mean : ndarray, shape (..., n_params)
    std : ndarray, shape (..., n_params), if ``return_std``
    """
    declared = declared_scale(members, log)
    centre = declared.mean(axis=0)
    mean = np.where(log, 10.0 ** np.where(log, centre, 0.0), centre)
    if not return_std:
        return mean
    std = declared.std(axis=0, ddof=1) if len(members) > 1 else np.zeros_like(centre)
    return mean, std
