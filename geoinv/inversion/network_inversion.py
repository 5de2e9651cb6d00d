"""The network inverse m = f^-1(d): K >= 1 trained BP networks with their scalers.

:class:`NetworkInversion` holds the forward model, the prior box, the two
scalers and K >= 1 member networks.  ``predict(data)`` takes soundings in
physical units and returns models in physical units: scale the data, one
forward pass per member, inverse-scale the outputs.

With one member (the default) that is the network's answer.  Networks
trained from different initial weights (and batch orders) agree where the
training data pin the answer down and disagree where they do not, e.g. on the
equivalent middle layers of a sounding or outside the training box; with
K > 1 members ``predict`` returns their mean and, with ``return_std=True``,
their spread,

    mean  = 1/K sum_i m_i            in the declared scale (log10 for log
    sigma = std_i(m_i) (ddof = 1)    parameters), the mean then taken back to
                                     physical units,

so the mean of log parameters is a geometric mean and sigma is in decades
for them (in the parameter's unit for linear ones).  How often the truth
falls inside mean +/- 2 sigma is reported by
:func:`geoinv.evaluation.uncertainty_metrics`.

Randomness: one member takes its initial weights (``create``) and its batch
order (``fit``) from ``rng`` itself; K > 1 members each take one of K
streams spawned from ``rng``.

Noise injection: ``fit(train, ..., noise=GaussianNoise(...))`` trains on
fresh measurement noise every epoch, drawn on the training set's noise-free
data ``train.clean`` in each datum's error space (log-normal on apparent
resistivity; :mod:`geoinv.prior.noise`); the first epoch uses ``train.data``
as drawn.

``save``/:func:`load` write and read all of it, the OOD detector included,
in one ``.npz`` file (:mod:`geoinv.inversion.persistence`); a loaded
inversion gives identical predictions.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._checks import check_int
from ..nn.activations import get_activation
from ..nn.network import BPNetwork
from ..nn.training import GradientDescent
from ..prior.model_space import declared_scale, from_declared_scale, spawn
from ..prior.noise import add_noise
from ..prior.scaling import Scaler
from .ood import OODDetector, predict_with_ood
from .persistence import read_inversion, write_inversion

__all__ = ["NetworkInversion", "load", "mean_and_std", "INPUT_RANGE"]

INPUT_RANGE = (-1.0, 1.0)
"""Interval the data bounds are mapped onto at the network's input."""


class NetworkInversion:
    """Network inverse m = f^-1(d) in physical units, by K >= 1 member networks.

    Build one with :meth:`create` (untrained, scalers fitted from the prior
    box), train it with :meth:`fit`, or read a saved one with :func:`load`.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
    space : geoinv.ModelSpace
        Prior box the networks are trained on.
    networks : sequence of geoinv.BPNetwork, or one BPNetwork
        The K members: input size ``forward.n_data``, output size
        ``space.n_params``.
    data_scaler, model_scaler : geoinv.Scaler
        Shared by all members.
    scenario : dict, optional
        The resolved scenario this inversion came from (kept when saved).

    Attributes
    ----------
    ood_detector : geoinv.inversion.ood.OODDetector or None
        Set by ``geoinv run`` (or by hand: ``inv.ood_detector =
        OODDetector().fit(inv, train, validation)``); saved with the networks
        and used by ``predict(..., return_ood=True)``.
    histories_ : list of geoinv.nn.training.History
        One per member, after :meth:`fit` (empty for an inversion read from
        a file: it predicts, but its training history is in the run's
        history.csv).

    Examples
    --------
    >>> import numpy as np
    >>> from geoinv import GaussianNoise, ModelSpace, Parameter, make_dataset
    >>> from geoinv.forward import VES
    >>> from geoinv.nn.training import Adam
    >>> ves = VES(np.geomspace(1, 100, 8), 2)
    >>> space = ModelSpace([Parameter("rho_1", "ohm.m", 10, 100),
    ...                     Parameter("rho_2", "ohm.m", 10, 100), Parameter("h_1", "m", 1, 10)])
    >>> train = make_dataset(ves, space, 100, GaussianNoise(0.02), rng=0)
    >>> inv = NetworkInversion.create(ves, space, n_hidden=4, n_members=3, rng=0)
    >>> inv = inv.fit(train, trainer=Adam(max_epochs=2), rng=1)
    >>> mean, std = inv.predict(train.data[:2], return_std=True)
    >>> mean.shape, std.shape, inv.predict_members(train.data[:2]).shape
    ((2, 3), (2, 3), (3, 2, 3))
    """

    def __init__(self, forward, space, networks, data_scaler, model_scaler, scenario=None):
        self.forward = forward
        self.space = space
        self.networks = [networks] if isinstance(networks, BPNetwork) else list(networks)
        self.data_scaler = data_scaler
        self.model_scaler = model_scaler
        self.scenario = scenario
        self.ood_detector = None

    @classmethod
    def create(cls, forward, space, n_hidden, n_members=1, *, hidden_activation="logsig",
               output_activation="logsig", rng=None, data_bounds=None, train_data=None,
               scenario=None, dtype=np.float64, hidden=None, output=None):
        """Build an untrained inversion with scalers fitted from the prior box.

        Parameters
        ----------
        forward : geoinv.forward.ForwardModel
        space : geoinv.ModelSpace
        n_hidden : int
            Hidden-layer size of every member.
        n_members : int, optional
            K >= 1 networks from differently seeded initial weights.
        hidden_activation, output_activation : str
            Activation names (see ``geoinv.nn.activations.ACTIVATIONS``).
        rng : numpy.random.Generator or int or None
            Seeds the initial weights: used as it is by one member, spawned
            into K streams for K > 1.
        data_bounds : (ndarray, ndarray), optional
            Physical data bounds for the input scaler; default
            ``forward.data_bounds(space.low, space.high)``, the range the
            prior box implies.
        train_data : ndarray, shape (n_samples, n_data), optional
            Used only when the forward model implies no data bounds (e.g. a
            gravity anomaly, whose range depends on every parameter at once):
            the bounds are then the per-column range of these data.
        scenario : dict, optional
        dtype : numpy dtype, optional
            Floating dtype of the networks' weights and arithmetic (float64;
            float32 trains faster at single precision).  Scaling and
            predictions in physical units stay float64.
        hidden, output : str, optional
            Deprecated names of ``hidden_activation`` and
            ``output_activation`` (until 0.3).

        Returns
        -------
        NetworkInversion

        Raises
        ------
        ValueError
            If ``n_members`` is not an integer >= 1, or the forward model
            implies no data bounds and none are given.
        """
        hidden_activation = _renamed(hidden, "hidden", hidden_activation, "hidden_activation")
        output_activation = _renamed(output, "output", output_activation, "output_activation")
        n_members = check_int(n_members, "n_members", 1)
        if data_bounds is None:
            data_bounds = forward.data_bounds(space.low, space.high)
        if data_bounds is None and train_data is not None:
            data_bounds = _range_of(np.asarray(train_data, dtype=np.float64))
        if data_bounds is None:
            raise ValueError(
                f"{type(forward).__name__} implies no data bounds; pass data_bounds or train_data"
            )
        data_scaler = Scaler(*data_bounds, log=forward.data_log_mask, target=INPUT_RANGE)
        model_scaler = Scaler(space.low, space.high, space.log,
                              target=get_activation(output_activation).working_range)
        networks = [BPNetwork(forward.n_data, n_hidden, space.n_params, hidden_activation,
                              output_activation, rng=stream, dtype=dtype)
                    for stream in _member_streams(rng, n_members)]
        return cls(forward, space, networks, data_scaler, model_scaler, scenario)

    # -- the members ---------------------------------------------------------------
    @property
    def n_members(self):
        """K, the number of member networks."""
        return len(self.networks)

    @property
    def network(self):
        """The network of a single-member inversion (K = 1)."""
        if self.n_members != 1:
            raise AttributeError(f"this inversion has {self.n_members} networks; use .networks")
        return self.networks[0]

    @property
    def members(self):
        """Each member as a single-network NetworkInversion sharing the scalers."""
        members = []
        for i, net in enumerate(self.networks):
            member = NetworkInversion(self.forward, self.space, [net], self.data_scaler,
                                      self.model_scaler, self.scenario)
            if hasattr(self, "histories_"):
                member.histories_ = self.histories_[i:i + 1]
            members.append(member)
        return members

    @property
    def history_(self):
        """The training history of a single trained network (``histories_[0]``)."""
        if self.n_members != 1 or not getattr(self, "histories_", None):
            raise AttributeError("history_ belongs to a trained single network; use histories_")
        return self.histories_[0]

    # -- the data flow ---------------------------------------------------------------
    def network_inputs(self, data):
        """Observed data (n_samples, n_data) -> scaled network inputs."""
        return self.data_scaler.transform(data)

    def network_targets(self, models):
        """Models (n_samples, n_params) -> scaled network targets."""
        return self.model_scaler.transform(models)

    def fit(self, train, validation=None, trainer=None, rng=None, noise=None):
        """Train every member on data -> model pairs.

        Parameters
        ----------
        train, validation : geoinv.prior.dataset.Dataset
        trainer : geoinv.nn.training.Trainer, optional
            Used for each member in turn; default ``GradientDescent()``.
        rng : numpy.random.Generator or int or None
            Shuffling (and the injected noise): used as it is by one member,
            spawned into K streams for K > 1.
        noise : geoinv.prior.noise.GaussianNoise, optional
            Noise injection: before every epoch after the first, the training
            inputs are the noise-free data ``train.clean`` with fresh noise of
            this model, Gaussian in each datum's error space (log-normal on
            the forward model's log10 columns, so never non-positive; sigma
            from the clean data, as when the set was made, or a survey's
            errors via ``GaussianNoise.from_sigma``).  None (default) trains
            on ``train.data`` throughout.

        Returns
        -------
        self
            With ``histories_``, one History per member.

        Raises
        ------
        ValueError
            If there is no member, or a member's sizes do not match the
            forward model's data and the prior box's parameters.
        """
        self._check_networks()
        trainer = trainer if trainer is not None else GradientDescent()
        X, T = self.network_inputs(train.data), self.network_targets(train.models)
        if validation is not None:
            X_val = self.network_inputs(validation.data)
            T_val = self.network_targets(validation.models)
        else:
            X_val = T_val = None
        resample = None if noise is None else self.noise_resampler(train, noise)
        self.histories_ = [trainer.fit(net, X, T, X_val, T_val, rng=stream, resample=resample)
                           for net, stream in zip(self.networks,
                                                  _member_streams(rng, self.n_members))]
        return self

    def noise_resampler(self, train, noise):
        """The ``resample`` hook of noise injection (see :meth:`fit`).

        Parameters
        ----------
        train : geoinv.prior.dataset.Dataset
            Its noise-free data ``clean`` get the fresh noise.
        noise : geoinv.prior.noise.GaussianNoise

        Returns
        -------
        callable
            ``resample(rng) -> X``, shape (n_samples, n_data): scaled
            network inputs of newly drawn noisy data.
        """
        clean = np.asarray(train.clean, dtype=np.float64)
        log = self.forward.data_log_mask
        sigma = noise.sigma(clean, log)

        def resample(rng):
            return self.network_inputs(add_noise(clean, sigma, rng, log))

        return resample

    def history_frame(self):
        """The training histories as one DataFrame.

        Returns
        -------
        pandas.DataFrame
            Columns ``epoch, train_loss, val_loss, seconds`` for one member;
            for K > 1 also ``member`` (1..K), the rows of member 1 first.

        Raises
        ------
        ValueError
            If there is no history (not fitted, or read from a file).
        """
        histories = getattr(self, "histories_", None)
        if not histories:
            raise ValueError("no training history: fit the inversion first (an inversion read "
                             "from a file has its history in the run's history.csv)")
        if len(histories) == 1:
            return histories[0].to_frame()
        return pd.concat([h.to_frame().assign(member=i + 1) for i, h in enumerate(histories)],
                         ignore_index=True)

    # -- prediction ------------------------------------------------------------------
    def predict_members(self, data):
        """Every member's prediction.

        Parameters
        ----------
        data : array_like, shape (n_samples, n_data) or (n_data,)
            Observed data in physical units.

        Returns
        -------
        models : ndarray, shape (K, n_samples, n_params) or (K, n_params)
            Physical units.
        """
        data, single = self._check_data(data)
        models = self._predict_members(data)
        return models[:, 0] if single else models

    def predict(self, data, *, return_std=False, return_ood=False, sigma=None):
        """Invert data: one forward pass per member network.

        Parameters
        ----------
        data : array_like, shape (n_samples, n_data) or (n_data,)
            Observed data in physical units, columns as ``forward.data_names``.
        return_std : bool, optional
            Also return the members' spread.
        return_ood : bool, optional
            Also say, per sounding, whether it looks out of distribution
            (needs ``ood_detector``; see :mod:`geoinv.inversion.ood`).
        sigma : array_like, shape (n_samples, n_data), optional
            Standard deviations of the data; needed with ``return_ood`` by
            the detector's ``misfit`` and ``refined`` components.

        Returns
        -------
        models : ndarray, shape (n_samples, n_params) or (n_params,)
            Physical units, columns as ``space.names``: the network's answer
            (K = 1), or the members' mean in the declared scale (a geometric
            mean for log parameters).
        std : ndarray, same shape as ``models``
            Only with ``return_std``: the members' standard deviation
            (ddof = 1) in the declared scale, decades for log parameters and
            the unit for linear ones; zeros for K = 1.
        flags : ndarray of bool, shape (n_samples,), or bool
            Only with ``return_ood``: True where the sounding is judged OOD.
        scores : ndarray, shape (n_samples,), or float
            Only with ``return_ood``: the OOD score (decades; larger = less
            like the training data).

        Raises
        ------
        RuntimeError
            Before :meth:`fit` (an inversion read by :func:`load` is fitted).
        ValueError
            If the data have the wrong number of columns, or ``return_ood``
            is asked of an inversion without ``ood_detector``.
        """
        data, single = self._check_data(data)
        if return_ood and self.ood_detector is None:
            raise ValueError("this inversion has no OOD detector: fit one with "
                             "OODDetector().fit(inversion, train, validation) and set "
                             "inversion.ood_detector")
        members = self._predict_members(data)
        if len(members) == 1:
            models, std = members[0], np.zeros_like(members[0])
        else:
            models, std = mean_and_std(members, self.space.log)
        out = [models] + ([std] if return_std else [])
        if return_ood:
            _, flags, scores = predict_with_ood(
                self.ood_detector, data, None if sigma is None else np.atleast_2d(sigma))
            out += [flags, scores]
        if single:
            out = [v[0] if v.ndim > 1 else v[0].item() for v in out]
        return out[0] if len(out) == 1 else tuple(out)

    def _predict_members(self, data):
        """(K, n_samples, n_params) predictions of checked 2-D data."""
        X = self.network_inputs(data)
        return np.stack([self.model_scaler.inverse_transform(net.predict(X))
                         for net in self.networks])

    def _check_data(self, data):
        """Data as float64 (n_samples, n_data); also whether one sounding was given."""
        if not hasattr(self, "histories_"):
            raise RuntimeError("this NetworkInversion is not fitted: call fit(train, ...) "
                               "first, or read a saved one with geoinv.load")
        data = np.asarray(data, dtype=np.float64)
        single = data.ndim == 1
        data = np.atleast_2d(data)
        if data.shape[1] != self.forward.n_data:
            raise ValueError(
                f"data must have {self.forward.n_data} columns "
                f"({self.forward.data_names[0]} ...), got {data.shape[1]}"
            )
        return data, single

    def _check_networks(self):
        """Raise ValueError unless there are members of the sizes the problem needs."""
        if not self.networks:
            raise ValueError("a NetworkInversion needs at least one network")
        want = (self.forward.n_data, self.space.n_params)
        for i, net in enumerate(self.networks):
            if (net.n_in, net.n_out) != want:
                raise ValueError(f"network {i} is {net.n_in}-{net.n_hidden}-{net.n_out}; the "
                                 f"data and the prior box need {want[0]} inputs and {want[1]} "
                                 "outputs")

    # -- saving ----------------------------------------------------------------------
    def invert(self, survey, **options):
        """Invert a field survey: network, OOD check, network -> LM, uncertainty.

        Parameters
        ----------
        survey : geoinv.io.Survey
            From :func:`geoinv.read_survey`.
        **options
            Keyword arguments of :func:`geoinv.inversion.field.invert_survey`
            (``refine``, ``target_rms``, ``rng``, ``widen``...).

        Returns
        -------
        geoinv.inversion.field.SurveyInversion
            ``.to_frame()`` one row per sounding, ``.plot(sounding)``.
        """
        from .field import invert_survey

        return invert_survey(self, survey, **options)

    def save(self, path):
        """Write everything to one ``.npz`` file, atomically.

        Parameters
        ----------
        path : str or Path
            Target file; written to a temporary file first, then renamed, so
            a failure leaves no half-written file.

        Returns
        -------
        Path
        """
        return write_inversion(path, self)

    @classmethod
    def load(cls, path):
        """Read an inversion saved by :meth:`save` (the same as :func:`load`)."""
        return load(path)

    def __repr__(self):
        net = self.networks[0]
        members = f"{self.n_members} x " if self.n_members > 1 else ""
        return (f"NetworkInversion({members}{net.n_in}-{net.n_hidden}-{net.n_out}, "
                f"{type(self.forward).__name__})")


def load(path):
    """Read a saved network inversion (one call).

    Parameters
    ----------
    path : str or Path
        Written by :meth:`NetworkInversion.save`, or before 0.2 by
        ``NetworkInversion.save`` or ``EnsembleInversion.save``.

    Returns
    -------
    NetworkInversion
        Fitted, with its OOD detector if one was saved; identical
        predictions to the saved one.
    """
    try:
        saved = read_inversion(path)
        inversion = NetworkInversion(saved.forward, saved.space, saved.networks,
                                     saved.data_scaler, saved.model_scaler,
                                     scenario=saved.scenario)
        inversion.histories_ = []
        if saved.ood_arrays:
            inversion.ood_detector = OODDetector.from_arrays(saved.ood_arrays, inversion)
    except FileNotFoundError:
        raise ValueError(f"{path}: no such network file") from None
    except Exception as err:     # a foreign, truncated or tampered file: one line naming it
        if str(err).startswith(str(path)):
            raise ValueError(str(err)) from None
        reason = (str(err) or type(err).__name__).splitlines()[0]
        if "pickle" in reason:
            reason = "not an .npz archive of arrays"
        raise ValueError(f"{path}: not a network file written by geoinv ({reason})") from None
    return inversion


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
        Standard deviation with ddof = 1 (zeros for K = 1).
    """
    declared = declared_scale(members, log)
    centre = declared.mean(axis=0)
    mean = from_declared_scale(centre, log)
    if not return_std:
        return mean
    std = declared.std(axis=0, ddof=1) if len(members) > 1 else np.zeros_like(centre)
    return mean, std


def _member_streams(rng, k):
    """The random stream of each of k members: ``rng`` itself for one, k spawned ones else."""
    return [rng] if k == 1 else spawn(rng, k)


def _renamed(old_value, old, value, new):
    """The value of a renamed keyword, warning if the old name was used."""
    if old_value is None:
        return value
    warnings.warn(f"{old}= is now {new}= (the old name goes in 0.3)", DeprecationWarning,
                  stacklevel=3)
    return old_value


def _range_of(data):
    """Per-column (low, high) of data; a constant column gets a unit-wide range."""
    low, high = data.min(axis=0), data.max(axis=0)
    flat = ~(high > low)
    pad = np.where(np.abs(low) > 0, 0.5 * np.abs(low), 0.5)
    return np.where(flat, low - pad * (low <= 0), low), np.where(flat, high + pad, high)
