"""The posterior draws of a batch of soundings, with their convergence.

:class:`PosteriorResult` is what :func:`geoinv.inversion.posterior.sample_posterior`
returns: the draws of every sounding (physical units), their misfits, the
convergence diagnostics, and the quantiles, intervals and tables made from
them.  Results of batches of soundings join with
:meth:`PosteriorResult.concatenate`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .._checks import check_float

__all__ = ["PosteriorResult"]


@dataclass
class PosteriorResult:
    """Posterior draws of a batch of soundings, with their convergence.

    Attributes
    ----------
    samples : ndarray, shape (n_soundings, n_draws, n_params)
        Returned draws, physical units; draw ``i`` is kept state
        ``i % n_keep`` of chain ``i // n_keep`` (see :attr:`chains`).
    chi2 : ndarray, shape (n_soundings, n_draws)
        Weighted misfit of each draw (:func:`chi_square`); the
        log-likelihood is ``-chi2 / 2``.
    acceptance : ndarray, shape (n_soundings,)
        Accepted fraction of all proposals (burn-in included).
    r_hat, ess : ndarray, shape (n_soundings, n_params)
        Split R-hat and effective sample size of every parameter of the
        returned draws.
    converged : ndarray of bool, shape (n_soundings,)
        ``R_hat < max_r_hat`` and ``ESS >= target_ess`` for every parameter.
    steps : ndarray of int, shape (n_soundings,)
        Steps every chain made (a multiple of ``n_steps``).
    forward_calls : ndarray of int, shape (n_soundings,)
        Models simulated for each sounding, start included.
    names : list of str
        Parameter names.
    log : ndarray of bool, shape (n_params,)
        Which parameters are declared in log10.
    low, high : ndarray, shape (n_params,)
        The search box, i.e. the support of the uniform prior (the prior box
        widened by ``widen``), physical units.
    n_chains : int
    target_ess, max_r_hat : float
        The convergence criterion used.
    """

    samples: np.ndarray
    chi2: np.ndarray
    acceptance: np.ndarray
    r_hat: np.ndarray
    ess: np.ndarray
    converged: np.ndarray
    steps: np.ndarray
    forward_calls: np.ndarray
    names: list
    log: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n_chains: int
    target_ess: float = 200.0
    max_r_hat: float = 1.01

    def __len__(self):
        return len(self.samples)

    def subset(self, index):
        """The result of the soundings ``index`` (slice, mask or integer array)."""
        per_sounding = ("samples", "chi2", "acceptance", "r_hat", "ess", "converged", "steps",
                        "forward_calls")
        return replace(self, **{name: getattr(self, name)[index] for name in per_sounding})

    @classmethod
    def concatenate(cls, parts):
        """One result from the results of batches of soundings, in order.

        Parameters
        ----------
        parts : sequence of PosteriorResult
            Sampled with the same settings (number of draws, chains,
            parameters, box and criterion).

        Returns
        -------
        PosteriorResult
        """
        parts = list(parts)
        first = parts[0]
        for part in parts[1:]:
            same = (part.samples.shape[1:] == first.samples.shape[1:]
                    and part.n_chains == first.n_chains and part.names == first.names
                    and np.array_equal(part.low, first.low)
                    and np.array_equal(part.high, first.high)
                    and (part.target_ess, part.max_r_hat) == (first.target_ess, first.max_r_hat))
            if not same:
                raise ValueError("concatenate: the parts were sampled with different settings")
        stacked = {name: np.concatenate([getattr(p, name) for p in parts])
                   for name in ("samples", "chi2", "acceptance", "r_hat", "ess", "converged",
                                "steps", "forward_calls")}
        return cls(**stacked, names=first.names, log=first.log, low=first.low, high=first.high,
                   n_chains=first.n_chains, target_ess=first.target_ess,
                   max_r_hat=first.max_r_hat)

    @property
    def log_likelihood(self):
        """``-chi2 / 2`` of each draw, shape (n_soundings, n_draws)."""
        return -0.5 * self.chi2

    @property
    def chains(self):
        """The draws chain by chain, shape (n_soundings, n_chains, n_keep, n_params)."""
        n, d, p = self.samples.shape
        return self.samples.reshape(n, self.n_chains, d // self.n_chains, p)

    def quantiles(self, q):
        """Posterior quantiles of every parameter, physical units.

        Parameters
        ----------
        q : float or array_like of float, in [0, 1]

        Returns
        -------
        ndarray, shape (n_soundings, n_params) for a scalar ``q``, else
        (len(q), n_soundings, n_params).  Quantiles do not depend on the
        scale (log10 is monotone), so they are taken in physical units.
        """
        return np.quantile(self.samples, q, axis=1)

    def median(self):
        """Posterior median model of each sounding, shape (n_soundings, n_params)."""
        return self.quantiles(0.5)

    def intervals(self, level=0.9):
        """Central credible intervals.

        Parameters
        ----------
        level : float in (0, 1)
            Probability inside the interval (0.9: from the 5 % to the 95 %
            quantile).

        Returns
        -------
        low, high : ndarray, shape (n_soundings, n_params)
            Physical units.
        """
        level = check_float(level, "level", 0.0, 1.0, low_open=True, high_open=True)
        low, high = self.quantiles([(1 - level) / 2, (1 + level) / 2])
        return low, high

    def to_frame(self, level=0.9):
        """One row per sounding: median and interval of every parameter, convergence.

        Parameters
        ----------
        level : float in (0, 1)

        Returns
        -------
        pandas.DataFrame
            Columns ``{name}_median``, ``{name}_low_{pct}``,
            ``{name}_high_{pct}`` (physical units; ``pct`` = 100 level, e.g.
            ``rho_2_low_90``), then ``r_hat_max``, ``ess_min``,
            ``acceptance``, ``converged``, ``steps``, ``forward_calls``.
        """
        low, high = self.intervals(level)
        median = self.median()
        pct = f"{100 * level:g}"
        columns = {}
        for j, name in enumerate(self.names):
            columns[f"{name}_median"] = median[:, j]
            columns[f"{name}_low_{pct}"] = low[:, j]
            columns[f"{name}_high_{pct}"] = high[:, j]
        columns["r_hat_max"] = self.r_hat.max(axis=1)
        columns["ess_min"] = self.ess.min(axis=1)
        for name in ("acceptance", "converged", "steps", "forward_calls"):
            columns[name] = getattr(self, name)
        return pd.DataFrame(columns)
