"""Forward models d = f(m), one class per physics.

Every class takes its survey geometry in ``__init__`` and offers
``simulate(models) -> data`` vectorised over the batch (samples on axis 0),
with ``parameter_names``/``parameter_units`` and ``data_names``/``data_units``.
A scenario file selects a class by its ``kind`` (see ``FORWARD_MODELS``).
The layered-earth operators (VES, MT1D, Refraction) derive from
``LayeredForward``.  Forward models hold physics only; :mod:`geoinv.viz`
draws them.
"""

from ._geometry import interface_depths
from .._checks import check_int
from . import mt, ves
from .base import ForwardModel, LayeredForward
from .ves import VES
from .mt import MT1D
from .refraction import Refraction
from .self_potential import SelfPotential
from .gravity import Gravity
from .magnetic import Magnetic

FORWARD_MODELS = {cls.kind: cls for cls in (VES, Refraction, SelfPotential, MT1D, Gravity, Magnetic)}
"""Registry: scenario ``forward.kind`` -> forward-model class."""


def make_forward(kind, **settings):
    """Build the forward model a scenario names.

    Parameters
    ----------
    kind : str
        A key of ``FORWARD_MODELS`` (e.g. ``"ves"``).
    **settings
        Keyword arguments of that class (survey geometry).

    Returns
    -------
    ForwardModel

    Raises
    ------
    ValueError
        If ``kind`` is unknown.
    """
    try:
        cls = FORWARD_MODELS[kind]
    except KeyError:
        raise ValueError(
            f"unknown forward kind {kind!r}; choose one of {', '.join(sorted(FORWARD_MODELS))}"
        ) from None
    return cls(**settings)


__all__ = ["ForwardModel", "LayeredForward", "VES", "FORWARD_MODELS", "make_forward", "set_threads", "Refraction",
           "SelfPotential", "MT1D", "Gravity", "Magnetic", "interface_depths"]


def set_threads(n):
    """Run the threaded forward models (VES, MT) on ``n`` threads from now on.

    Parameters
    ----------
    n : int
        >= 1.
    """
    n = check_int(n, "--threads (GEOINV_THREADS)", 1)
    ves.THREADS = mt.THREADS = n

