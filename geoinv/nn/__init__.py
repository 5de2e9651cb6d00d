"""The BP network and its training.

- :mod:`~geoinv.nn.activations`: logsig, tansig, purelin in a small registry;
- :mod:`~geoinv.nn.network`: :class:`BPNetwork`, the classical three-layer
  network (thresholds as weights on x0 = y0 = -1), with backpropagation
  written once and the small trainer interface the trainers use;
- :mod:`~geoinv.nn.training`: one epoch loop (:class:`~geoinv.nn.training.Trainer`)
  and the optimisers gd, gdx, adam (update rules on one mini-batch loop),
  lm and lbfgs.

This subpackage imports nothing else from geoinv but the input checks.
"""

from .activations import ACTIVATIONS, get_activation
from .network import BPNetwork

__all__ = ["ACTIVATIONS", "get_activation", "BPNetwork"]
