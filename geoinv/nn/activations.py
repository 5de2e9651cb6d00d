"""Activation functions of the BP network, in a small registry.

A scenario file or a saved network names its activations by string
(``"logsig"``, ``"tansig"``, ``"purelin"``, as in MATLAB's toolbox); this module
turns the name into an :class:`Activation` holding

- ``f(net, out=None)``: the function, applied elementwise to the net input;
- ``df(net, y, out=None)``: its derivative f'(net).  Backpropagation already
  has ``y = f(net)``, so the derivative is computed from the output in the
  cheap textbook form: logsig y (1 - y), tansig 1 - y^2, purelin 1;
- ``working_range``: the interval targets should be scaled into for an output
  layer of this kind.  Sigmoids only reach their asymptotes for infinite net
  input, so targets stay clear of them: (0.1, 0.9) for logsig, (-0.9, 0.9) for
  tansig; purelin has no asymptotes and takes (-1, 1).

``out``, as in numpy ufuncs, is an optional array the result is written into;
the training loops use it to avoid allocating inside the per-sample loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import expit

__all__ = ["Activation", "ACTIVATIONS", "get_activation"]


@dataclass(frozen=True)
class Activation:
    """One activation function with its derivative and working range.

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"logsig"``.
    f : callable
        ``f(net, out=None) -> y``, elementwise.
    df : callable
        ``df(net, y, out=None) -> f'(net)``, elementwise, where ``y = f(net)``.
    working_range : tuple of float
        ``(low, high)`` interval targets should be scaled into.
    """

    name: str
    f: Callable
    df: Callable
    working_range: tuple

    def __repr__(self):
        return f"Activation({self.name!r})"


def _logsig(net, out=None):
    # 1 / (1 + exp(-net)), without overflow for any |net|.  Small arrays (the
    # per-sample path) go to scipy's expit; large ones use the identity
    # logsig(x) = (1 + tanh(x / 2)) / 2, because numpy's tanh is vectorised
    # and about twice as fast.  The two agree to 1 ulp of 1 (2.2e-16).
    if np.size(net) < 256:
        return expit(net, out=out)
    out = np.multiply(net, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def _dlogsig(net, y, out=None):
    # y (1 - y), written as y - y*y so that it needs no temporary array.
    out = np.multiply(y, y, out=out)
    return np.subtract(y, out, out=out)


def _tansig(net, out=None):
    return np.tanh(net, out=out)


def _dtansig(net, y, out=None):
    out = np.multiply(y, y, out=out)
    return np.subtract(1.0, out, out=out)


def _purelin(net, out=None):
    # np.positive is the identity ufunc: a copy, or written into ``out``.
    return np.positive(net, out=out)


def _dpurelin(net, y, out=None):
    if out is None:
        return np.ones_like(y)
    out.fill(1.0)
    return out


ACTIVATIONS = {
    "logsig": Activation("logsig", _logsig, _dlogsig, (0.1, 0.9)),
    "tansig": Activation("tansig", _tansig, _dtansig, (-0.9, 0.9)),
    "purelin": Activation("purelin", _purelin, _dpurelin, (-1.0, 1.0)),
}
"""Registry: name -> :class:`Activation`."""


def get_activation(name):
    """Return the activation registered under ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`ACTIVATIONS`.

    Returns
    -------
    Activation

    Raises
    ------
    ValueError
        If ``name`` is not registered; the message lists the valid names.

    Examples
    --------
    >>> get_activation("logsig").working_range
    (0.1, 0.9)
    """
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}"
        ) from None
