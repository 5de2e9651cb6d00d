"""Inverting a field survey with a trained network: resample, check, refine.

:func:`invert_survey` takes a :class:`geoinv.io.Survey` (one or many
soundings, each with its own geometry and per-datum errors) and a trained
:class:`geoinv.NetworkInversion`, and gives per sounding:

1. **the network model**: the sounding's data are resampled onto the
   network's grid (:func:`resample`) and inverted by one forward pass;
2. **the OOD verdict**: the network's OOD detector (if it has one) scores
   the resampled sounding; a flagged sounding lies outside what the network
   knows, and its network model should not be trusted on its own;
3. **the network -> LM model**: damped least squares started from the
   network's model, fitting the ORIGINAL data in their own geometry (finite
   or stepped MN, the sounding's own spacings), to the least-squares minimum
   unless a target misfit is asked for;
4. **a linearised uncertainty** at the refined model: standard deviations in
   the declared scale (decades for log parameters) and the correlation
   matrix, from the Jacobian and the data errors;
5. with ``posterior=True``, **the posterior** of every sounding
   (:func:`geoinv.inversion.posterior.sample_posterior`, started from the
   network -> LM model), its medians and 90 % credible intervals, the Dar
   Zarrouk quantities S_i, T_i of a layered model and the equivalence
   limits (:mod:`geoinv.inversion.equivalence`).

Resampling
----------
A sounding is resampled onto the network's grid by
:func:`geoinv.inversion.resample.resample` (log10 apparent resistivity
against log10 AB/2 or period, errors carried along; an uncovered grid point
is refused).

Errors live in the error space of each datum (log10 for apparent
resistivity, the unit otherwise): the misfits reported here are RMS misfits
in that space, normalised by the standard deviations (1 = fits to the noise).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..forward import make_forward
from ..prior.model_space import as_generator
from .equivalence import (EquivalenceLimits, dar_zarrouk_frame, equivalence_limits,
                          layered)
from .least_squares import damped_least_squares
from .likelihood import chi_square
from .misfit import data_misfit, simulate_valid
from .posterior import POSTERIOR_BATCH, PosteriorResult, chains_for, sample_posterior
from .refine import LM_DEFAULTS
from .resample import GRID_AXES, resample

__all__ = ["resample", "invert_survey", "SurveyInversion", "GRID_AXES", "POSTERIOR_BATCH",
           "POSTERIOR_LEVEL"]


POSTERIOR_LEVEL = 0.9
"""Probability inside the credible intervals of :meth:`SurveyInversion.to_frame`."""


@dataclass
class SurveyInversion:
    """What :func:`invert_survey` found, one entry per sounding.

    Attributes
    ----------
    survey : geoinv.io.Survey
    names, units : list of str
        The model parameters.
    log : ndarray of bool, shape (n_params,)
        Which parameters live in log10 (their std is in decades).
    models : dict of str to ndarray, shape (n_soundings, n_params)
        ``"network"`` and, if refined, ``"network_lm"`` (physical units).
    rms : dict of str to ndarray, shape (n_soundings,)
        RMS misfit of each model against the sounding's own data, in the
        error space (1 = fits to the noise; NaN if unphysical).
    predicted : dict of str to list of ndarray
        The data each model predicts, per sounding, in its own geometry.
    data, sigma : list of ndarray
        Observed data and error-space standard deviations, per sounding.
    ood_flags, ood_scores : ndarray, shape (n_soundings,)
        The OOD detector's verdict on the resampled soundings (NaN scores and
        False flags without a detector).
    std : ndarray, shape (n_soundings, n_params)
        Linearised standard deviation at the refined model (declared scale).
    corr : ndarray, shape (n_soundings, n_params, n_params)
        Linearised correlation matrix.
    forward_calls : ndarray of int, shape (n_soundings,)
    forwards : list of geoinv.forward.ForwardModel
        The forward model of each sounding's own geometry.
    seconds : float
    target_rms : float or None
        The refinement's target misfit (None: to the least-squares minimum).
    notes : list of str
    posterior : geoinv.inversion.posterior.PosteriorResult or None
        The posterior draws of every sounding, in sounding order (None
        without ``posterior=True``).
    equivalence : geoinv.inversion.equivalence.EquivalenceLimits or None
        Equivalence limits of every sounding, in sounding order.
    posterior_settings : dict
        What the posterior was sampled with: ``widen`` (box widths of the
        declared scale), ``options`` (keyword arguments of
        ``sample_posterior``), ``prior_low``, ``prior_high`` (the prior box,
        physical units; the prior's support is ``posterior.low``,
        ``posterior.high``) and ``seconds`` of ``sampling`` and
        ``equivalence`` limits.
    """

    survey: object
    names: list
    units: list
    log: np.ndarray
    models: dict
    rms: dict
    predicted: dict
    data: list
    sigma: list
    ood_flags: np.ndarray
    ood_scores: np.ndarray
    std: np.ndarray
    corr: np.ndarray
    forward_calls: np.ndarray
    forwards: list
    seconds: float = 0.0
    target_rms: float | None = None
    notes: list = field(default_factory=list)
    posterior: PosteriorResult | None = None
    equivalence: EquivalenceLimits | None = None
    posterior_settings: dict = field(default_factory=dict)

    @property
    def sounding_ids(self):
        """Sounding names, in order."""
        return list(self.survey.sounding_ids)

    @property
    def layered(self):
        """True if the parameters are those of a layered earth ``[rho_1.., h_1..]``."""
        return layered(self.names) is not None

    def to_frame(self):
        """One row per sounding: position, models, misfits, OOD verdict, std, posterior.

        Returns
        -------
        pandas.DataFrame
            ``sounding, x, y``, then per method ``<method>_<name>`` and
            ``<method>_rms``, ``ood_score``, ``ood_flag``, ``std_<name>``
            (declared scale: decades for log parameters), ``forward_calls``.
            With a posterior: ``<name>_median``, ``<name>_low_90``,
            ``<name>_high_90`` (physical units: ohm.m, m, ...; the central
            90 % credible interval); for a layered model ``S_i_median``,
            ``S_i_low_90``, ``S_i_high_90`` (conductance h_i / rho_i, S) and
            the same of ``T_i`` (transverse resistance h_i rho_i, ohm.m^2)
            for every layer above the half-space; the equivalence limits
            ``<name>_equiv_low``, ``<name>_equiv_high`` (physical units),
            ``chi2_min`` and ``chi2_bound`` (their misfit bound); then
            ``r_hat_max``, ``ess_min``, ``posterior_converged``,
            ``posterior_steps`` (steps per chain).
        """
        ids = self.sounding_ids
        frame = pd.DataFrame({"sounding": ids})
        positions = self.survey.positions
        frame["x"] = [positions[s][0] for s in ids]
        frame["y"] = [positions[s][1] for s in ids]
        for method, models in self.models.items():
            for j, name in enumerate(self.names):
                frame[f"{method}_{name}"] = models[:, j]
            frame[f"{method}_rms"] = self.rms[method]
        frame["ood_score"] = self.ood_scores
        frame["ood_flag"] = self.ood_flags
        if "network_lm" in self.models:
            for j, name in enumerate(self.names):
                frame[f"std_{name}"] = self.std[:, j]
            frame["forward_calls"] = self.forward_calls
        if self.posterior is None:
            return frame
        post = self.posterior.to_frame(POSTERIOR_LEVEL)
        pct = f"{100 * POSTERIOR_LEVEL:g}"
        parts = [post[[f"{name}_{what}" for name in self.names
                       for what in ("median", f"low_{pct}", f"high_{pct}")]]]
        if self.layered:
            parts.append(dar_zarrouk_frame(self.posterior, POSTERIOR_LEVEL))
        if self.equivalence is not None:
            parts.append(self.equivalence.to_frame())
        parts.append(post[["r_hat_max", "ess_min"]].assign(
            posterior_converged=post["converged"], posterior_steps=post["steps"]))
        return pd.concat([frame, *(p.reset_index(drop=True) for p in parts)], axis=1)

    def fit_frame(self):
        """One row per datum: observed, sigma (error space) and each model's prediction."""
        frames = []
        for i, sid in enumerate(self.sounding_ids):
            sounding = self.survey[sid]
            n_rows = len(sounding)
            rows = {"sounding": sid}
            for name, values in sounding.geometry.items():
                rows[name] = np.tile(values, len(sounding.quantities))
            rows["quantity"] = np.repeat(sounding.quantities, n_rows)
            rows["observed"] = self.data[i]
            rows["sigma"] = self.sigma[i]
            log = np.asarray(self.forwards[i].data_log_mask, dtype=bool)
            rows["sigma_space"] = np.where(log, "log10", "linear")
            for method, predicted in self.predicted.items():
                rows[method] = predicted[i]
            frames.append(pd.DataFrame(rows))
        return pd.concat(frames, ignore_index=True)

    def plot(self, sounding=None, fig=None):
        """The data with error bars, each model's curve, and the models.

        Parameters
        ----------
        sounding : str, optional
            Which sounding (default: the first).
        fig : matplotlib.figure.Figure, optional

        Returns
        -------
        matplotlib.figure.Figure
        """
        from ..viz import plot_sounding_fit

        ids = self.sounding_ids
        i = ids.index(sounding) if sounding is not None else 0
        labels = {"network": "network", "network_lm": "network -> LM"}
        return plot_sounding_fit(
            self.forwards[i], self.data[i], self.sigma[i],
            {labels.get(k, k): m[i] for k, m in self.models.items()},
            {labels.get(k, k): p[i] for k, p in self.predicted.items()},
            fig=fig, title=f"{ids[i]}: RMS misfit " + ", ".join(
                f"{labels.get(k, k)} {r[i]:.2f}" for k, r in self.rms.items()))


    def plot_posterior(self, sounding=None, fig=None, n_curves=200, rng=0):
        """The posterior of a sounding: model fan, equivalence valley, band over the data.

        Parameters
        ----------
        sounding : str, optional
            Which sounding (default: the first).
        fig : matplotlib.figure.Figure, optional
        n_curves : int
            Draws (evenly spaced through the chains) whose data make the band.
        rng : numpy.random.Generator or int or None
            Picks the single curves drawn under the band.

        Returns
        -------
        matplotlib.figure.Figure

        Raises
        ------
        ValueError
            Without a posterior, or for a method other than VES and MT.
        """
        from ..viz import plot_sounding_posterior

        if self.posterior is None:
            raise ValueError("no posterior: invert with posterior=True")
        ids = self.sounding_ids
        i = ids.index(sounding) if sounding is not None else 0
        post, fw = self.posterior, self.forwards[i]
        samples = post.samples[i]
        pick = np.linspace(0, len(samples) - 1, min(n_curves, len(samples))).round().astype(int)
        labels = {"network": "network", "network_lm": "network -> LM"}
        state = ("converged" if post.converged[i] else "NOT converged") + \
            f": R-hat {post.r_hat[i].max():.3f}, ESS {post.ess[i].min():.0f}"
        return plot_sounding_posterior(
            fw, self.data[i], self.sigma[i], samples, simulate_valid(fw, samples[pick]),
            {labels.get(k, k): m[i] for k, m in self.models.items()}, box=(post.low, post.high),
            fig=fig, title=f"{ids[i]}: posterior ({state})", rng=rng)


def _own_forwards(inversion, soundings):
    """The network's forward model in each sounding's own geometry.

    One object per distinct geometry, shared by the soundings measured with
    it (the network's own forward model for its own geometry): building a
    forward model costs about 1 ms, as much as refining a sounding.
    """
    network = dict(inversion.forward.settings())
    made = {_settings_key(network): inversion.forward}
    forwards = []
    for sounding in soundings:
        settings = {**network, **sounding.forward_settings()}
        key = _settings_key(settings)
        if key not in made:
            made[key] = make_forward(inversion.forward.kind, **settings)
        forwards.append(made[key])
    return forwards


def _settings_key(settings):
    """A forward model's settings (lists of floats, str, None) as one exact string."""
    return repr(sorted((k, str(v)) for k, v in settings.items()))


def invert_survey(inversion, survey, *, refine=True, target_rms=None, posterior=False,
                  posterior_options=None, rng=None, **lm_options):
    """Invert every sounding of a survey: network, OOD check, network -> LM, uncertainty.

    Parameters
    ----------
    inversion : geoinv.NetworkInversion
        Trained (K >= 1 networks; with K > 1 the network model is the
        members' mean).
    survey : geoinv.io.Survey
        One or many soundings of the network's method.
    refine : bool, optional
        Refine the network's models by damped least squares on the original
        data (default).
    target_rms : float or None, optional
        Stop the refinement at this RMS misfit (a chi-square target);
        None (default) iterates to the least-squares minimum, so the answer
        does not depend on where it started.
    posterior : bool, optional
        Also sample the posterior of every sounding (off by default: it
        costs about a hundred times the rest; ``geoinv invert`` turns it
        on).  Each geometry group's soundings are sampled together, at
        most ``POSTERIOR_BATCH`` at a time, from their network -> LM models
        (the network's with ``refine=False``).  The prior is uniform in the
        declared scale on the LM search box, the prior box widened by the
        LM's ``widen`` (default 0.5 box widths on each side): a field
        sounding can lie outside the box the network was trained on, and
        a prior that stopped at the box would put a flagged sounding's
        posterior against its wall.  The likelihood is Gaussian in the
        error space with the sounding's own data, sigma and geometry.  The
        equivalence limits (chi2 <= chi2_min + Delta, with chi2_min at most
        the network -> LM misfit) come with it: they cost about 1/200 of
        the sampling (2 p (12 + 1) forward calls per sounding).
    posterior_options : dict, optional
        Keyword arguments of
        :func:`geoinv.inversion.posterior.sample_posterior` (``n_steps``,
        ``max_steps``, ``n_chains``, ``thin``, ``target_ess``...; default
        ``POSTERIOR_DEFAULTS``); ``widen`` replaces the LM's, ``rng`` the
        shared stream below.
    rng : numpy.random.Generator or int or None
        Restart draws of the refinement, then the posterior's draws (one
        stream).
    **lm_options
        Other keyword arguments of
        :func:`geoinv.inversion.least_squares.damped_least_squares`
        (``widen``, ``n_restarts``, ``max_iter``...; default ``LM_DEFAULTS``).

    Returns
    -------
    SurveyInversion

    Raises
    ------
    ValueError
        If a sounding does not fit the network (method, array, uncovered
        grid points; named).
    """
    from .uncertainty import linearised_uncertainty

    t0 = time.perf_counter()
    rng = as_generator(rng)
    soundings = list(survey.soundings())
    grid_data, grid_sigma = zip(*(resample(s, inversion.forward) for s in soundings))
    grid_data, grid_sigma = np.array(grid_data), np.array(grid_sigma)
    network = inversion.predict(grid_data)
    n, p = network.shape
    if inversion.ood_detector is not None:
        verdict = inversion.ood_detector.predict(grid_data, grid_sigma)
        flags, scores = np.asarray(verdict.flags, bool), np.asarray(verdict.scores, float)
    else:
        flags, scores = np.zeros(n, dtype=bool), np.full(n, np.nan)

    forwards = _own_forwards(inversion, soundings)
    data = [s.data_vector() for s in soundings]
    sigma = [s.sigma_vector() for s in soundings]
    models = {"network": network}
    predicted = {"network": [None] * n}
    rms = {"network": np.empty(n)}
    refined = np.full((n, p), np.nan)
    refined_rms = np.full(n, np.nan)
    calls = np.zeros(n, dtype=np.int64)
    std = np.full((n, p), np.nan)
    corr = np.full((n, p, p), np.nan)
    options = {**LM_DEFAULTS, **lm_options, "target_rms": target_rms}
    for group in _groups(forwards):
        fw = forwards[group[0]]
        d = np.array([data[i] for i in group])
        s = np.array([sigma[i] for i in group])
        pred = simulate_valid(fw, network[group])
        rms["network"][group] = data_misfit(d, pred, s, fw.data_log_mask)[0]
        for k, i in enumerate(group):
            predicted["network"][i] = pred[k]
        if not refine:
            continue
        lsq = damped_least_squares(fw, inversion.space, d, s, network[group], rng=rng, **options)
        refined[group], refined_rms[group], calls[group] = lsq.models, lsq.rms, lsq.forward_calls
        std[group], corr[group] = linearised_uncertainty(fw, inversion.space, d, s, lsq.models)
    if refine:
        models["network_lm"], rms["network_lm"] = refined, refined_rms
        predicted["network_lm"] = [None] * n
        for group in _groups(forwards):
            pred = simulate_valid(forwards[group[0]], refined[group])
            for k, i in enumerate(group):
                predicted["network_lm"][i] = pred[k]
    space = inversion.space
    result = SurveyInversion(survey, list(space.names), list(space.units), np.asarray(space.log),
                             models, rms, predicted, data, sigma, flags, scores, std, corr,
                             calls, forwards, 0.0, target_rms)
    if posterior:
        method = "network_lm" if refine else "network"
        start = np.where(np.isfinite(models[method]), models[method], network)
        _sample(result, space, start, predicted[method], options["widen"],
                dict(posterior_options or {}), rng)
    result.seconds = time.perf_counter() - t0
    return result


def _sample(result, space, start, predicted, widen, options, rng):
    """Posterior and equivalence limits of every sounding, batch by batch, in sounding order.

    ``predicted`` (the start models' data) gives the reference misfit of
    the equivalence limits.  Fills ``result.posterior``,
    ``result.equivalence`` and ``result.posterior_settings``.
    """
    rng = as_generator(options.pop("rng", rng))
    widen = options.pop("widen", widen)
    if options.get("n_chains") is None:      # one count for every batch (they are joined)
        options["n_chains"] = chains_for(len(result.forwards))
    posts, limits, order = [], [], []
    seconds = {"sampling": 0.0, "equivalence": 0.0}
    for group in _groups(result.forwards):
        fw = result.forwards[group[0]]
        for k in range(0, len(group), POSTERIOR_BATCH):
            batch = group[k:k + POSTERIOR_BATCH]
            d = np.array([result.data[i] for i in batch])
            s = np.array([result.sigma[i] for i in batch])
            t0 = time.perf_counter()
            post = sample_posterior(fw, space, d, s, start[batch], widen=widen, rng=rng,
                                    **options)
            t1 = time.perf_counter()
            reference = chi_square(fw, d, s, np.array([predicted[i] for i in batch]))
            limits.append(equivalence_limits(post, fw, d, s, level=POSTERIOR_LEVEL,
                                             reference_chi2=reference))
            seconds["sampling"] += t1 - t0
            seconds["equivalence"] += time.perf_counter() - t1
            posts.append(post)
            order += batch
    back = np.argsort(order)                   # batch order -> sounding order
    result.posterior = PosteriorResult.concatenate(posts).subset(back)
    result.equivalence = EquivalenceLimits(
        *(np.concatenate([getattr(e, name) for e in limits])[back]
          for name in ("low", "high", "chi2_min", "bound", "n_equivalent")),
        names=list(space.names))
    result.posterior_settings = {"widen": widen, "options": options, "seconds": seconds,
                                 "prior_low": space.low.copy(), "prior_high": space.high.copy()}


def _groups(forwards):
    """Indices of the soundings that share one geometry (one batched LM each)."""
    groups = {}
    for i, fw in enumerate(forwards):       # one object per geometry (_own_forwards)
        groups.setdefault(id(fw), []).append(i)
    return list(groups.values())
