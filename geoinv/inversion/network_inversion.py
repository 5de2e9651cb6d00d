"""A trained BP network bundled with what it needs to invert physical data.

:class:`NetworkInversion` holds the forward model, the prior box, the two
scalers and the network.  ``predict(data)`` takes soundings in physical units
and returns models in physical units: scale the data, one forward pass,
inverse-scale the output.  ``save``/``load`` write and read all of it in one
``.npz`` file (arrays plus a JSON description), and a loaded object gives
identical predictions.  :func:`load` also reads an ensemble of networks
(:class:`geoinv.ensemble.EnsembleInversion`), telling them apart by the
file's description.

Noise injection: ``fit(train, ..., noise=GaussianNoise(...))`` trains on
fresh measurement noise every epoch, drawn on the training set's noise-free
data ``train.clean`` (the first epoch uses ``train.data`` as drawn).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from ..nn.activations import get_activation
from ..forward import make_forward
from ..prior.model_space import ModelSpace
from ..nn.network import BPNetwork
from ..prior.scaling import Scaler

__all__ = ["NetworkInversion", "load", "INPUT_RANGE"]

INPUT_RANGE = (-1.0, 1.0)
"""Interval the data bounds are mapped onto at the network's input."""

FORMAT_VERSION = 1


class NetworkInversion:
    """Network inverse m = f^-1(d) in physical units.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
    space : geoinv.ModelSpace
        Prior box the network is trained on.
    network : geoinv.BPNetwork
        Input size ``forward.n_data``, output size ``space.n_params``.
    data_scaler, model_scaler : geoinv.scaling.Scaler
    scenario : dict, optional
        The resolved scenario this inversion came from (kept when saved).

    Attributes
    ----------
    ood_detector : geoinv.ood.OODDetector or None
        Set by ``geoinv run`` (or by hand: ``inv.ood_detector =
        OODDetector().fit(inv, train, validation)``); saved with the network
        and used by ``predict(..., return_ood=True)``.
    """

    def __init__(self, forward, space, network, data_scaler, model_scaler, scenario=None):
        self.forward = forward
        self.space = space
        self.network = network
        self.data_scaler = data_scaler
        self.model_scaler = model_scaler
        self.scenario = scenario
        self.ood_detector = None

    @classmethod
    def create(cls, forward, space, n_hidden, hidden="logsig", output="logsig",
               rng=None, data_bounds=None, train_data=None, scenario=None, dtype=np.float64):
        """Build an untrained inversion with scalers fitted from the prior box.

        Parameters
        ----------
        forward : geoinv.forward.ForwardModel
        space : geoinv.ModelSpace
        n_hidden : int
            Hidden-layer size.
        hidden, output : str
            Activation names (see ``geoinv.activations.ACTIVATIONS``).
        rng : numpy.random.Generator or int or None
            Seeds the initial weights.
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
            Floating dtype of the network's weights and arithmetic (float64;
            float32 trains faster at single precision).  Scaling and
            predictions in physical units stay float64.

        Returns
        -------
        NetworkInversion

        Raises
        ------
        ValueError
            If the forward model implies no data bounds and none are given.
        """
        if data_bounds is None:
            data_bounds = forward.data_bounds(space.low, space.high)
        if data_bounds is None and train_data is not None:
            data_bounds = _range_of(np.asarray(train_data, dtype=np.float64))
        if data_bounds is None:
            raise ValueError(
                f"{type(forward).__name__} implies no data bounds; pass data_bounds or train_data"
            )
        data_scaler, model_scaler = _scalers(forward, space, data_bounds, output)
        network = BPNetwork(forward.n_data, n_hidden, space.n_params,
                            hidden_activation=hidden, output_activation=output, rng=rng,
                            dtype=dtype)
        return cls(forward, space, network, data_scaler, model_scaler, scenario)

    # -- the data flow ---------------------------------------------------------
    def network_inputs(self, data):
        """Observed data (n_samples, n_data) -> scaled network inputs."""
        return self.data_scaler.transform(data)

    def network_targets(self, models):
        """Models (n_samples, n_params) -> scaled network targets."""
        return self.model_scaler.transform(models)

    def fit(self, train, validation=None, trainer=None, rng=None, noise=None):
        """Train the network on data -> model pairs.

        Parameters
        ----------
        train, validation : geoinv.dataset.Dataset
        trainer : geoinv.training.Trainer, optional
            Default: ``GradientDescent()`` with its defaults.
        rng : numpy.random.Generator or int or None
            Shuffling (and the injected noise).
        noise : geoinv.noise.GaussianNoise, optional
            Noise injection: before every epoch after the first, the training
            inputs are the noise-free data ``train.clean`` plus fresh noise of
            this model (sigma from the clean data, as when the set was made).
            Where the data are used in log10, a non-positive draw is drawn
            again.  None (default) trains on ``train.data`` throughout.

        Returns
        -------
        geoinv.training.History
        """
        from ..nn.training import GradientDescent

        trainer = trainer if trainer is not None else GradientDescent()
        X, T = self.network_inputs(train.data), self.network_targets(train.models)
        if validation is not None:
            X_val = self.network_inputs(validation.data)
            T_val = self.network_targets(validation.models)
        else:
            X_val = T_val = None
        resample = None if noise is None else self.noise_resampler(train, noise)
        self.history_ = trainer.fit(self.network, X, T, X_val, T_val, rng=rng,
                                    resample=resample)
        return self.history_

    def noise_resampler(self, train, noise):
        """The ``resample`` hook of noise injection (see :meth:`fit`).

        Parameters
        ----------
        train : geoinv.dataset.Dataset
            Its noise-free data ``clean`` get the fresh noise.
        noise : geoinv.noise.GaussianNoise

        Returns
        -------
        callable
            ``resample(rng) -> X``, shape (n_samples, n_data): scaled
            network inputs of newly drawn noisy data.
        """
        clean = np.asarray(train.clean, dtype=np.float64)
        sigma = noise.sigma(clean)
        log = np.asarray(self.forward.data_log_mask, dtype=bool)

        def resample(rng):
            data = clean + sigma * rng.standard_normal(clean.shape)
            bad = (data <= 0) & log
            while bad.any():   # each redraw is positive with probability > 1/2
                data[bad] = clean[bad] + sigma[bad] * rng.standard_normal(int(bad.sum()))
                bad = (data <= 0) & log
            return self.network_inputs(data)

        return resample

    def predict(self, data, sigma=None, return_ood=False):
        """Invert data: one forward pass of the network.

        Parameters
        ----------
        data : array_like, shape (n_samples, n_data) or (n_data,)
            Observed data in physical units, columns as ``forward.data_names``.
        sigma : array_like, shape (n_samples, n_data), optional
            Standard deviations of the data; needed with ``return_ood``.
        return_ood : bool
            Also say, per sounding, whether it looks out of distribution
            (needs ``ood_detector``; see :mod:`geoinv.ood`).

        Returns
        -------
        models : ndarray, shape (n_samples, n_params) or (n_params,)
            Physical units, columns as ``space.names``.
        flags : ndarray of bool, shape (n_samples,)
            Only with ``return_ood``: True where the sounding is judged OOD.
        scores : ndarray, shape (n_samples,)
            Only with ``return_ood``: the OOD score (decades; larger = less
            like the training data).
        """
        if return_ood:
            return predict_ood(self, data, sigma)
        data, single = self._check_data(data)
        models = self.model_scaler.inverse_transform(
            self.network.predict(self.network_inputs(data))
        )
        return models[0] if single else models

    def _check_data(self, data):
        """Data as float64 (n_samples, n_data); also whether one sounding was given."""
        data = np.asarray(data, dtype=np.float64)
        single = data.ndim == 1
        data = np.atleast_2d(data)
        if data.shape[1] != self.forward.n_data:
            raise ValueError(
                f"data must have {self.forward.n_data} columns "
                f"({self.forward.data_names[0]} ...), got {data.shape[1]}"
            )
        return data, single

    # -- saving ----------------------------------------------------------------
    def save(self, path):
        """Write everything to one ``.npz`` file, atomically.

        Parameters
        ----------
        path : str or Path
            Target file; written to a temporary file first, then renamed, so
            a failure leaves no half-written file.
        """
        arrays, meta = _network_parts(self.network, "network")
        meta.update(_shared_meta(self))
        return _write_npz(path, {**arrays, **_ood_parts(self)}, meta)


def predict_ood(inversion, data, sigma):
    """(models, flags, scores) from an inversion's fitted OOD detector."""
    if inversion.ood_detector is None:
        raise ValueError("this inversion has no OOD detector: fit one with "
                         "geoinv.ood.OODDetector().fit(inversion, train, validation) and set "
                         "inversion.ood_detector")
    data = np.asarray(data, dtype=np.float64)
    single = data.ndim == 1
    result = inversion.ood_detector.predict(np.atleast_2d(data),
                                            None if sigma is None else np.atleast_2d(sigma))
    if single:
        return result.models[0], bool(result.flags[0]), float(result.scores[0])
    return result.models, result.flags, result.scores


def _ood_parts(inversion):
    """The OOD detector's arrays under the prefix ``ood.`` (none if there is none)."""
    if getattr(inversion, "ood_detector", None) is None:
        return {}
    return {f"ood.{k}": v for k, v in inversion.ood_detector.to_arrays().items()}


def _attach_ood(inversion, arrays):
    """Rebuild a saved OOD detector onto a loaded inversion."""
    ood = {k[4:]: v for k, v in arrays.items() if k.startswith("ood.")}
    if ood:
        from .ood import OODDetector

        inversion.ood_detector = OODDetector.from_arrays(ood, inversion)
    return inversion


def _scalers(forward, space, data_bounds, output):
    """The data scaler (onto INPUT_RANGE) and the model scaler (onto the output range)."""
    data_scaler = Scaler(*data_bounds, log=forward.data_log_mask, target=INPUT_RANGE)
    model_scaler = Scaler(space.low, space.high, space.log,
                          target=get_activation(output).working_range)
    return data_scaler, model_scaler


def _network_parts(network, prefix):
    """A network's arrays (keys ``prefix.V``...) and its JSON description."""
    net = network.to_dict()
    arrays = {f"{prefix}.{k}": v for k, v in net.items() if isinstance(v, np.ndarray)}
    meta = {prefix: _jsonable({k: v for k, v in net.items() if not isinstance(v, np.ndarray)})}
    return arrays, meta


def _shared_meta(inversion):
    """What a single network and an ensemble save alike: physics, prior, scalers."""
    return {
        "format_version": FORMAT_VERSION,
        "forward": {"kind": inversion.forward.kind,
                    "settings": _jsonable(inversion.forward.settings())},
        "space": inversion.space.to_dict(),
        "data_scaler": inversion.data_scaler.to_dict(),
        "model_scaler": inversion.model_scaler.to_dict(),
        "scenario": inversion.scenario,
    }


def _write_npz(path, arrays, meta):
    """Write arrays plus ``meta`` (as JSON) to ``path`` atomically; return the Path."""
    path = Path(path)
    arrays = dict(arrays, meta=np.array(json.dumps(meta)))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _read_network(meta, arrays, prefix):
    """Rebuild the network saved under ``prefix`` by :func:`_network_parts`."""
    net = dict(meta[prefix])
    net.update({k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith(prefix + ".")})
    return BPNetwork.from_dict(net)


def load(path):
    """Load an inversion written by ``save`` (one call).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    NetworkInversion or geoinv.ensemble.EnsembleInversion
        Whichever was saved, with identical predictions.
    """
    with np.load(path, allow_pickle=False) as f:
        meta = json.loads(str(f["meta"]))
        arrays = {k: f[k] for k in f.files if k != "meta"}
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: unsupported format version {meta.get('format_version')}")
    forward = make_forward(meta["forward"]["kind"], **meta["forward"]["settings"])
    space = ModelSpace.from_dict(meta["space"])
    data_scaler = Scaler.from_dict(meta["data_scaler"])
    model_scaler = Scaler.from_dict(meta["model_scaler"])
    kind = meta.get("kind", "network")
    if kind == "ensemble":
        from .ensemble import EnsembleInversion

        members = [NetworkInversion(forward, space, _read_network(meta, arrays, f"member{i}"),
                                    data_scaler, model_scaler, scenario=meta["scenario"])
                   for i in range(meta["n_members"])]
        return _attach_ood(EnsembleInversion(members, scenario=meta["scenario"]), arrays)
    if kind != "network":
        raise ValueError(f"{path}: unknown inversion kind {kind!r}")
    return _attach_ood(NetworkInversion(forward, space, _read_network(meta, arrays, "network"),
                                        data_scaler, model_scaler, scenario=meta["scenario"]),
                       arrays)


def _range_of(data):
    """Per-column (low, high) of data; a constant column gets a unit-wide range."""
    low, high = data.min(axis=0), data.max(axis=0)
    flat = ~(high > low)
    pad = np.where(np.abs(low) > 0, 0.5 * np.abs(low), 0.5)
    return np.where(flat, low - pad * (low <= 0), low), np.where(flat, high + pad, high)


def _jsonable(obj):
    """Convert numpy values inside dicts/lists to plain Python for JSON."""
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return obj
