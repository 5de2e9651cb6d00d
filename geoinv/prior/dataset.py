"""Training and test sets: sampled models, their simulated data, noise.

``make_dataset`` is the box "sample models -> forward-model -> add noise" of
the data flow: arrays in, a :class:`Dataset` of arrays out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model_space import as_generator

__all__ = ["Dataset", "make_dataset"]


@dataclass
class Dataset:
    """Models with their noisy data.

    Attributes
    ----------
    models : ndarray, shape (n_samples, n_params)
        True models, physical units.
    data : ndarray, shape (n_samples, n_data)
        Observed (noisy) data.
    clean : ndarray, shape (n_samples, n_data)
        Noise-free data of ``models``.
    sigma : ndarray, shape (n_samples, n_data)
        Standard deviation of the noise of each datum, in its error space
        (decades on the forward model's log10 columns, data units elsewhere;
        see :mod:`geoinv.prior.noise`).
    """

    models: np.ndarray
    data: np.ndarray
    clean: np.ndarray
    sigma: np.ndarray

    def __len__(self):
        return len(self.models)

    def subset(self, index):
        """A Dataset of the rows ``index`` (slice, mask or integer array)."""
        return Dataset(self.models[index], self.data[index], self.clean[index], self.sigma[index])


def make_dataset(forward, space, n, noise, rng=None, *, ood_shell=None, method="uniform"):
    """Sample models, simulate their data and add noise.

    Parameters
    ----------
    forward : geoinv.forward.ForwardModel
    space : geoinv.ModelSpace
        Prior box; its columns match ``forward.parameter_names``.
    n : int
        Number of samples.
    noise : geoinv.prior.noise.GaussianNoise
        Added in each datum's error space (log-normal on
        ``forward.data_log_mask`` columns, :mod:`geoinv.prior.noise`).
    rng : numpy.random.Generator or int or None
    ood_shell : float or None
        None draws inside the box (in distribution); a number draws from the
        shell of that relative width outside it (out of distribution).
    method : {"uniform", "lhs"}
        Sampling inside the box (ignored for the OOD shell, which is uniform).

    Notes
    -----
    Models the forward model rejects as unphysical (e.g. a sphere whose
    radius exceeds its depth) are drawn again, so the samples are uniform
    over the part of the box (or shell) that is physical.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        If less than 1 % of the box (or shell) is physical.
    """
    rng = as_generator(rng)
    models = _draw_physical(forward, space, n, rng, ood_shell, method)
    clean = forward.simulate(models)
    data, sigma = noise.add(clean, rng, log_mask=forward.data_log_mask)
    return Dataset(models, data, clean, sigma)


def _draw_physical(forward, space, n, rng, ood_shell, method, min_acceptance=0.01):
    """Draw n models, redrawing those the forward model rejects."""

    def draw(m):
        if ood_shell is None:
            return space.sample(m, rng, method=method)
        return space.sample_ood(m, rng, shell=ood_shell)

    models = draw(n)
    ok = forward.valid_rows(models) if n else np.ones(0, dtype=bool)
    drawn, accepted = n, int(ok.sum())
    while not ok.all():
        if drawn >= 1000 and accepted < min_acceptance * drawn:
            fix = ("change the [prior] bounds" if ood_shell is None else
                   f"lower [ood] shell ({ood_shell:g} box widths) or change the [prior] bounds")
            where = "prior box" if ood_shell is None else "OOD shell"
            raise ValueError(
                f"only {accepted} of {drawn} models drawn from the {where} are physical for "
                f"{type(forward).__name__}; {fix}"
            )
        bad = np.flatnonzero(~ok)
        # redraw with a margin so that few rounds are needed; keep the first valid ones
        extra = draw(max(len(bad) * 2, 16))
        extra = extra[forward.valid_rows(extra)]
        drawn += max(len(bad) * 2, 16)
        accepted += len(extra)
        take = min(len(bad), len(extra))
        models[bad[:take]] = extra[:take]
        ok[bad[:take]] = True
    return models
