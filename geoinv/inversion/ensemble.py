"""Deprecated: ensembles are :class:`geoinv.NetworkInversion` with ``n_members = K``.

Before 0.2 an ensemble of K networks was a class of its own,
``EnsembleInversion``.  It is now the same class as the single network:
``NetworkInversion.create(forward, space, n_hidden, n_members=K, rng=rng)``,
``predict(data, return_std=True)`` for the mean and spread,
``predict_members(data)`` for every member's answer and ``histories_`` for
the training histories.  ``EnsembleInversion`` stays importable for one
release as a thin subclass whose constructor and ``create`` warn.
"""

from __future__ import annotations

import warnings

from ..prior.model_space import spawn
from .network_inversion import NetworkInversion, mean_and_std

__all__ = ["EnsembleInversion", "mean_and_std", "spawn"]

_MESSAGE = ("EnsembleInversion is now NetworkInversion with n_members=K "
            "(NetworkInversion.create(..., n_members=K)); the old name goes in 0.3")


class EnsembleInversion(NetworkInversion):
    """Deprecated alias of :class:`geoinv.NetworkInversion` with K members.

    Parameters
    ----------
    members : sequence of NetworkInversion
        Their networks become the members; the forward model, prior box and
        scalers of the first are shared.
    scenario : dict, optional
    """

    def __init__(self, members, scenario=None):
        warnings.warn(_MESSAGE, DeprecationWarning, stacklevel=2)
        members = list(members)
        if not members:
            raise ValueError("an ensemble needs at least one member")
        first = members[0]
        super().__init__(first.forward, first.space, [n for m in members for n in m.networks],
                         first.data_scaler, first.model_scaler, scenario)

    @classmethod
    def create(cls, forward, space, n_hidden, n_members, **options):
        """``NetworkInversion.create(forward, space, n_hidden, n_members, **options)``.

        Returns
        -------
        NetworkInversion
        """
        warnings.warn(_MESSAGE, DeprecationWarning, stacklevel=2)
        return NetworkInversion.create(forward, space, n_hidden, n_members, **options)
