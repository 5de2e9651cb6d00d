"""Training for a survey: its geometry, its errors and a suggested prior box.

A scenario's ``[forward]`` may name a data file, ``survey = "field.csv"``
(relative to the scenario file); the network is then trained on that
survey's geometry (:func:`survey_geometry`), and ``[noise] from_survey =
true`` trains it on the survey's own error bars (:func:`survey_sigma`).
``geoinv suggest DATA`` prints a scenario to start from, with a prior box
drawn from the data (:func:`suggest_prior`), stated in the file it prints
and never applied silently.
"""

from __future__ import annotations

import math

import numpy as np

from ..inversion.resample import GRID_AXES

__all__ = ["survey_geometry", "survey_sigma", "suggest_prior", "suggest_scenario"]

WIDEN_RHO = 10.0
"""The suggested resistivity box reaches this factor beyond the apparent
resistivities on each side (a layer can be more extreme than any rho_a)."""


def _axis(survey):
    name = GRID_AXES[survey.method][0]
    return name, [np.asarray(s.geometry[name], dtype=np.float64) for s in survey.soundings()]


def survey_geometry(survey):
    """The forward-model geometry to train a network for ``survey`` on.

    One sounding, or soundings that share one geometry: that geometry
    exactly (a finite or stepped MN included).  Soundings of different
    geometries: a grid that every one of them covers (the range common to
    all, with as many points per decade, or per metre for profiles, as the
    densest of them), onto which each is resampled for the network
    (:func:`geoinv.inversion.field.resample`); the refinement still fits each
    sounding's own data.

    Parameters
    ----------
    survey : geoinv.io.Survey

    Returns
    -------
    dict
        Keyword arguments of the forward model (``ab2``, ``mn2``, ``array``;
        ``periods``; ``x`` or ``offsets``) as lists of floats.

    Raises
    ------
    ValueError
        If the soundings share no common range.
    """
    soundings = list(survey.soundings())
    settings = [s.forward_settings() for s in soundings]
    if all(s == settings[0] for s in settings[1:]):
        return settings[0]
    name, positions = _axis(survey)
    key, log = GRID_AXES[survey.method][1], GRID_AXES[survey.method][4]
    low = max(p.min() for p in positions)
    high = min(p.max() for p in positions)
    if not high > low:
        raise ValueError(f"the soundings of {survey.source or 'the survey'} share no common "
                         f"{name} range; invert them with networks trained separately")
    transform = np.log10 if log else (lambda v: v)
    density = max((len(np.unique(p)) - 1) / (transform(p.max()) - transform(p.min()))
                  for p in positions)
    num = max(2, int(math.ceil(density * (transform(high) - transform(low)))) + 1)
    grid = (np.geomspace if log else np.linspace)(low, high, num)
    geometry = {key: [float(v) for v in grid]}
    if survey.method == "ves":
        geometry.update(mn2=None, array=survey.array or "schlumberger")
    return geometry


def survey_sigma(survey, forward):
    """Per-datum standard deviations (error space) of the survey on ``forward``'s grid.

    The median over the soundings of each one resampled onto the grid.

    Returns
    -------
    ndarray, shape (forward.n_data,)
    """
    from ..inversion.field import resample

    return np.median([resample(s, forward)[1] for s in survey.soundings()], axis=0)


def suggest_prior(survey, n_layers):
    """A prior box for a layered earth, drawn from the data.

    Resistivities (VES and MT): from the smallest apparent resistivity
    divided by :data:`WIDEN_RHO` to the largest times it, log scale.
    Thicknesses: VES from a third of the shortest AB/2 to half the longest
    (the depth of investigation of a Schlumberger sounding is a fraction of
    AB/2); MT from a quarter of the shortest skin depth to half the longest,
    the skin depth being 503 sqrt(rho_a T) m.  A rule of thumb to start from,
    to be narrowed with what is known of the site.

    Parameters
    ----------
    survey : geoinv.io.Survey
        VES or MT.
    n_layers : int

    Returns
    -------
    dict
        The ``[prior]`` table: ``rho`` and ``h`` (groups) as
        ``{low, high, scale}``.
    """
    if survey.method not in ("ves", "mt"):
        raise ValueError(f"a prior box is suggested for VES and MT surveys, not {survey.method}")
    rho_a = np.asarray(survey.values["rho_a"], dtype=np.float64)
    prior = {"rho": {"low": _round(rho_a.min() / WIDEN_RHO), "high": _round(rho_a.max() * WIDEN_RHO),
                     "scale": "log"}}
    if n_layers > 1:
        if survey.method == "ves":
            ab2 = np.asarray(survey.geometry["ab2"], dtype=np.float64)
            low, high = ab2.min() / 3.0, ab2.max() / 2.0
        else:
            depth = 503.0 * np.sqrt(rho_a * np.asarray(survey.geometry["period"]))
            low, high = depth.min() / 4.0, depth.max() / 2.0
        prior["h"] = {"low": _round(low), "high": _round(high), "scale": "log"}
    return prior


def _round(value):
    """Two significant digits: a box edge, not a measurement."""
    return float(f"{value:.2g}")


def suggest_scenario(survey, path, n_layers=3):
    """A complete scenario file (TOML text) that trains a network for ``survey``.

    Parameters
    ----------
    survey : geoinv.io.Survey
    path : str
        How the scenario should name the data file (relative to where the
        scenario will be saved).
    n_layers : int, optional

    Returns
    -------
    str
    """
    prior = suggest_prior(survey, n_layers)
    lines = [f"# A scenario suggested by `geoinv suggest` for {path}.",
             "# The prior box is a rule of thumb drawn from the data (see",
             "# geoinv.workflow.survey_scenario.suggest_prior): narrow it with what you know.",
             f'name = "{survey.method}_{n_layers}layer_survey"',
             f'description = "{n_layers}-layer earth trained for {path}"',
             "seed = 1", "", "[forward]", f'kind = "{survey.method}"', f"n_layers = {n_layers}",
             f'survey = "{path}"    # geometry from the data file', "",
             "[prior]"]
    for key, box in prior.items():
        lines.append(f'{key} = {{ low = {box["low"]:g}, high = {box["high"]:g}, '
                     f'scale = "{box["scale"]}" }}')
    lines += ["", "[noise]", "from_survey = true              # the file's error bars", "",
              "[samples]", "train = 8000", "validation = 1000", "test_id = 500", "test_ood = 500",
              "", "[network]", "hidden = 40", "", "[training]", 'trainer = "adam"',
              "learning_rate = 0.003", "batch_size = 64", "max_epochs = 300", "patience = 30",
              "", "[refine]", "compare = false", ""]
    return "\n".join(lines)
