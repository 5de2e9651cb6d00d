"""One ``.npz`` file per network inversion: arrays plus a JSON description.

A file holds everything :class:`geoinv.NetworkInversion` needs to predict
again, bit for bit: the forward model (its kind and settings), the prior box,
both scalers, the K member networks, the resolved scenario and, if one was
fitted, the OOD detector.  Arrays are stored under prefixed keys, the rest as
JSON in the 0-d string array ``meta``:

==========================  ===============================================
key                         content
==========================  ===============================================
``meta``                    JSON: ``format_version``, ``kind``,
                            ``n_members``, ``forward``, ``space``,
                            ``data_scaler``, ``model_scaler``, ``scenario``
                            and, per member, ``member<i>`` (its sizes,
                            activations and dtype)
``member<i>.V``, ``.W``     weights of member ``i`` (0 .. K-1)
``ood.<name>``              the OOD detector's arrays, if there is one
                            (:meth:`geoinv.inversion.ood.OODDetector.to_arrays`)
==========================  ===============================================

Format 2 (``kind = "network_inversion"``) is written for every K >= 1.
Format 1 files, written before 0.2, are read too: ``kind = "network"`` holds
one network under the prefix ``network.``, ``kind = "ensemble"`` holds
``member<i>.`` networks, as format 2 does.

Files are written atomically: to a temporary file beside the target, then
renamed, so a failure leaves no half-written file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..forward import make_forward
from ..nn.network import BPNetwork
from ..prior.model_space import ModelSpace
from ..prior.scaling import Scaler

__all__ = ["FORMAT_VERSION", "SavedInversion", "write_inversion", "read_inversion"]

FORMAT_VERSION = 2
"""Version written by :func:`write_inversion`; versions 1 and 2 are read."""

KIND = "network_inversion"


@dataclass
class SavedInversion:
    """The parts of a network inversion as read from a file.

    Attributes
    ----------
    forward : geoinv.forward.ForwardModel
    space : geoinv.ModelSpace
    networks : list of geoinv.BPNetwork
        K >= 1 members.
    data_scaler, model_scaler : geoinv.Scaler
    scenario : dict or None
    ood_arrays : dict of str to ndarray
        The OOD detector's arrays (prefix removed); empty if none was saved.
    """

    forward: object
    space: ModelSpace
    networks: list
    data_scaler: Scaler
    model_scaler: Scaler
    scenario: dict | None
    ood_arrays: dict


def write_inversion(path, inversion):
    """Write an inversion to one ``.npz`` file (format 2), atomically.

    Parameters
    ----------
    path : str or Path
        Target file.
    inversion : geoinv.NetworkInversion
        Its ``forward``, ``space``, ``networks``, scalers, ``scenario`` and
        ``ood_detector`` (None: not saved) are written.

    Returns
    -------
    Path
    """
    arrays, meta = {}, {}
    for i, net in enumerate(inversion.networks):
        parts = net.to_dict()
        prefix = f"member{i}"
        arrays.update({f"{prefix}.{k}": v for k, v in parts.items() if isinstance(v, np.ndarray)})
        meta[prefix] = _jsonable({k: v for k, v in parts.items() if not isinstance(v, np.ndarray)})
    meta.update({
        "format_version": FORMAT_VERSION,
        "kind": KIND,
        "n_members": len(inversion.networks),
        "forward": {"kind": inversion.forward.kind,
                    "settings": _jsonable(inversion.forward.settings())},
        "space": inversion.space.to_dict(),
        "data_scaler": inversion.data_scaler.to_dict(),
        "model_scaler": inversion.model_scaler.to_dict(),
        "scenario": inversion.scenario,
    })
    if getattr(inversion, "ood_detector", None) is not None:
        arrays.update({f"ood.{k}": v for k, v in inversion.ood_detector.to_arrays().items()})
    return _write_npz(path, arrays, meta)


def read_inversion(path):
    """Read the parts of an inversion written by :func:`write_inversion` (or before 0.2).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    SavedInversion

    Raises
    ------
    ValueError
        If the file's format version or kind is unknown.
    """
    with np.load(path, allow_pickle=False) as f:
        meta = json.loads(str(f["meta"]))
        arrays = {k: f[k] for k in f.files if k != "meta"}
    version, kind = meta.get("format_version"), meta.get("kind", "network")
    if version not in (1, FORMAT_VERSION):
        raise ValueError(f"{path}: unsupported format version {version}")
    if (version, kind) == (1, "network"):
        prefixes = ["network"]
    elif (version, kind) in ((1, "ensemble"), (FORMAT_VERSION, KIND)):
        prefixes = [f"member{i}" for i in range(meta["n_members"])]
    else:
        raise ValueError(f"{path}: unknown inversion kind {kind!r}")
    return SavedInversion(
        forward=make_forward(meta["forward"]["kind"], **meta["forward"]["settings"]),
        space=ModelSpace.from_dict(meta["space"]),
        networks=[_read_network(meta, arrays, prefix) for prefix in prefixes],
        data_scaler=Scaler.from_dict(meta["data_scaler"]),
        model_scaler=Scaler.from_dict(meta["model_scaler"]),
        scenario=meta["scenario"],
        ood_arrays={k[4:]: v for k, v in arrays.items() if k.startswith("ood.")},
    )


def _read_network(meta, arrays, prefix):
    """Rebuild the network saved under ``prefix``."""
    net = dict(meta[prefix])
    net.update({k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith(prefix + ".")})
    return BPNetwork.from_dict(net)


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
