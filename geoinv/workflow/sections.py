"""The sections of a scenario file, each a typed, checked, frozen dataclass.

A section declares its keys once, as dataclass fields whose ``metadata``
holds the check of the value (built from :mod:`geoinv._checks`); the shared
:meth:`Section.parse` refuses unknown keys, fills in the defaults and runs
every check, so a wrong value is reported as ``[section] key ...`` in one
line.  Sections whose meaning depends on the forward model (``[forward]``,
``[prior]``, ``[noise]``, ``[profile]``) are parsed in
:mod:`geoinv.workflow.scenario`, which knows the forward model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import ClassVar

from .._checks import check_bool, check_choice, check_float, check_int
from ..nn.activations import ACTIVATIONS
from ..inversion.mcmc import DIAGNOSTICS
from ..inversion.posterior import POSTERIOR_DEFAULTS
from ..nn.training import TRAINERS, make_trainer
from ..prior.model_space import SAMPLING_METHODS

__all__ = ["ScenarioError", "Section", "OODSection", "RefineSection", "SamplesSection",
           "NetworkSection", "TrainingSection", "ReportSection", "PosteriorSection", "where"]


class ScenarioError(ValueError):
    """A scenario file is missing, malformed or inconsistent (one-line message)."""


def where(section, key):
    """How a message names a field: ``'[section] key'`` (or ``key`` at the top)."""
    return f"[{section}] {key}" if section else key


def checked(check, *args, **kwargs):
    """A field check: ``check(value, name, *args, **kwargs)`` raising ScenarioError."""
    def run(value, name):
        try:
            return check(value, name, *args, **kwargs)
        except ValueError as err:
            raise ScenarioError(str(err)) from None
    return run


def count(minimum=0, maximum=None):
    """Field metadata: an integer (not a bool) in [minimum, maximum]."""
    return {"check": checked(check_int, minimum, maximum=maximum)}


def number(low=float("-inf"), high=float("inf"), **open_ends):
    """Field metadata: a finite real number in the interval."""
    return {"check": checked(check_float, low, high, **open_ends)}


def choice(*choices):
    """Field metadata: one of the given strings."""
    return {"check": checked(check_choice, choices)}


def optional_count(minimum=0):
    """Field metadata: absent (None) or an integer >= minimum."""
    check = checked(check_int, minimum)
    return {"check": lambda value, name: None if value is None else check(value, name)}


def flag():
    """Field metadata: true or false."""
    return {"check": checked(check_bool)}


def names_from(allowed):
    """Field metadata: a non-empty list of distinct names from ``allowed``."""
    def check(value, name):
        if (not isinstance(value, list) or not value or len(set(map(str, value))) != len(value)
                or any(v not in allowed for v in value)):
            raise ScenarioError(f"{name} must be a list of distinct names from "
                                f"{', '.join(allowed)}; got {value!r}")
        return list(value)
    return {"check": check}


class Section:
    """Base of the simple sections: parse a TOML table by the declared fields."""

    title: ClassVar[str] = ""

    @classmethod
    def keys(cls):
        """The keys this section accepts, in the order they are written."""
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def parse(cls, doc):
        """Read the section ``cls.title`` of a parsed scenario.

        Parameters
        ----------
        doc : dict
            The whole parsed TOML document.

        Returns
        -------
        Section
            Defaults filled in, every value checked.

        Raises
        ------
        ScenarioError
            Naming ``[section] key`` and the problem.
        """
        table = doc.get(cls.title, {})
        if not isinstance(table, dict):
            raise ScenarioError(f"[{cls.title}]: expected a table, got {table!r}")
        unknown = sorted(set(table) - set(cls.keys()))
        if unknown:
            raise ScenarioError(f"[{cls.title}]: unknown key {unknown[0]!r} "
                                f"(expected one of {', '.join(cls.keys())})")
        values = {}
        for f in dataclasses.fields(cls):
            value = table.get(f.name, f.default if f.default_factory is dataclasses.MISSING
                              else f.default_factory())
            values[f.name] = f.metadata["check"](value, where(cls.title, f.name))
        section = cls(**values)
        section.validate()
        return section

    def validate(self):
        """Checks across fields (after each field was checked on its own)."""

    def to_dict(self):
        """The section as the resolved scenario writes it (absent optional keys left out)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class OODSection(Section):
    """``[ood]``: the OOD test shell and the per-sounding OOD detector.

    ``shell`` is measured in box widths beyond the prior box, on each side,
    in the declared scale (log10 for log parameters).
    """

    title: ClassVar[str] = "ood"
    shell: float = field(default=0.5, metadata=number(0.0, low_open=True))
    detect: bool = field(default=True, metadata=flag())
    alpha: float = field(default=0.05, metadata=number(0.0, 1.0, low_open=True, high_open=True))
    k: int = field(default=5, metadata=count(1))
    components: list = field(default_factory=lambda: ["distance", "misfit", "refined"],
                             metadata=names_from(("distance", "misfit", "refined")))


@dataclass(frozen=True)
class RefineSection(Section):
    """``[refine]``: damped least squares from the network's answer (network -> LM).

    ``widen`` is measured in box widths beyond the prior box, on each side,
    in the declared scale: the search box of the least-squares inversion.
    """

    title: ClassVar[str] = "refine"
    compare: bool = field(default=True, metadata=flag())
    widen: float = field(default=0.5, metadata=number(0.0))
    n_restarts: int = field(default=10, metadata=count(0))
    max_iter: int = field(default=50, metadata=count(1))

    @property
    def lm_options(self):
        """Keyword arguments of the damped least squares these settings ask for."""
        return {"widen": self.widen, "n_restarts": self.n_restarts, "max_iter": self.max_iter}


@dataclass(frozen=True)
class SamplesSection(Section):
    """``[samples]``: how many models each data set draws, and how."""

    title: ClassVar[str] = "samples"
    train: int = field(default=8000, metadata=count(1))
    validation: int = field(default=1000, metadata=count(1))
    test_id: int = field(default=1000, metadata=count(1))
    test_ood: int = field(default=1000, metadata=count(1))
    method: str = field(default="uniform", metadata=choice(*SAMPLING_METHODS))


@dataclass(frozen=True)
class NetworkSection(Section):
    """``[network]``: the BP network (``hidden`` is the number of hidden units)."""

    title: ClassVar[str] = "network"
    hidden: int = field(default=40, metadata=count(1))
    hidden_activation: str = field(default="logsig", metadata=choice("logsig", "tansig"))
    output_activation: str = field(default="logsig", metadata=choice(*sorted(ACTIVATIONS)))
    ensemble: int = field(default=1, metadata=count(1))
    dtype: str = field(default="float64", metadata=choice("float64", "float32"))


@dataclass(frozen=True)
class ReportSection(Section):
    """``[report]``: what the report draws."""

    title: ClassVar[str] = "report"
    n_examples: int = field(default=4, metadata=count(0))


@dataclass(frozen=True)
class PosteriorSection(Section):
    """``[posterior]``: sample the posterior of test soundings and calibrate its intervals.

    A run with this section samples, after the method comparison, the
    posterior of the first ``n_soundings`` soundings of each test split
    (all of them if it has fewer), and of the reconstructions drawn, from their network -> LM models
    (:func:`geoinv.inversion.posterior.sample_posterior`), and measures how
    often the central ``level`` intervals hold the truth
    (:mod:`geoinv.evaluation.calibration`).  The prior is uniform on the
    prior box for ``test_id`` (the box its models were drawn from) and on
    the box widened by ``[ood] shell`` for ``test_ood``.  ``n_steps``,
    ``max_steps``, ``n_chains``, ``thin``, ``burn_in`` and ``diagnostics``
    are the sampler's settings (each chain runs rounds of ``n_steps`` steps
    until it has converged or made ``max_steps``, 32 rounds by default).  Without ``seed`` the chains draw from the run's
    own ``posterior`` stream of the scenario seed.
    """

    title: ClassVar[str] = "posterior"
    n_soundings: int = field(default=100, metadata=count(1))
    n_steps: int = field(default=POSTERIOR_DEFAULTS["n_steps"], metadata=count(8))
    max_steps: int | None = field(default=None, metadata=optional_count(8))
    n_chains: int | None = field(default=None, metadata=optional_count(2))
    thin: int = field(default=POSTERIOR_DEFAULTS["thin"], metadata=count(1))
    burn_in: int | None = field(default=None, metadata=optional_count(0))
    diagnostics: str = field(default=POSTERIOR_DEFAULTS["diagnostics"],
                             metadata=choice(*DIAGNOSTICS))
    level: float = field(default=0.9, metadata=number(0.0, 1.0, low_open=True, high_open=True))
    n_figures: int = field(default=2, metadata=count(0))
    seed: int | None = field(default=None, metadata=optional_count(0))

    def validate(self):
        if self.max_steps is not None and (self.max_steps < self.n_steps
                                           or self.max_steps % self.n_steps):
            raise ScenarioError(f"[posterior] max_steps must be a multiple of n_steps "
                                f"({self.n_steps}); got {self.max_steps}")
        if self.n_steps < 8 * self.thin:
            raise ScenarioError(f"[posterior] n_steps must be at least 8 thin ({8 * self.thin}) "
                                f"to keep draws; got {self.n_steps}")
        if self.burn_in is not None and self.burn_in > self.n_steps // 2:
            raise ScenarioError(f"[posterior] burn_in must be at most n_steps / 2 "
                                f"({self.n_steps // 2}); got {self.burn_in}")

    @property
    def sampler_options(self):
        """Keyword arguments of :func:`~geoinv.inversion.posterior.sample_posterior`.

        An absent ``max_steps`` is 32 rounds of ``n_steps`` (the sampler's
        own default), an absent ``burn_in`` half a round, absent
        ``n_chains`` the sampler's choice for the number of soundings
        (:func:`~geoinv.inversion.posterior.chains_for`).
        """
        return {"n_steps": self.n_steps, "max_steps": self.resolved_max_steps,
                "n_chains": self.n_chains, "thin": self.thin,
                "burn_in": self.n_steps // 2 if self.burn_in is None else self.burn_in,
                "diagnostics": self.diagnostics}

    @property
    def resolved_max_steps(self):
        """``max_steps``, or 32 rounds of ``n_steps`` when absent."""
        ratio = POSTERIOR_DEFAULTS["max_steps"] // POSTERIOR_DEFAULTS["n_steps"]
        return ratio * self.n_steps if self.max_steps is None else self.max_steps


@dataclass(frozen=True)
class TrainingSection:
    """``[training]``: the trainer and its options (checked by the trainer itself).

    Attributes
    ----------
    trainer : str
        A key of ``geoinv.nn.training.TRAINERS``.
    options : dict
        The trainer's keyword arguments as written in the file.
    resample_noise : bool
        Draw fresh ``[noise]`` on the clean training data every epoch.
    """

    title: ClassVar[str] = "training"
    trainer: str = "gd"
    options: dict = field(default_factory=dict)
    resample_noise: bool = False

    @classmethod
    def parse(cls, doc):
        """Read ``[training]``; the trainer checks its own option names and values."""
        table = doc.get(cls.title, {})
        if not isinstance(table, dict):
            raise ScenarioError(f"[{cls.title}]: expected a table, got {table!r}")
        table = dict(table)
        trainer = checked(check_choice, sorted(TRAINERS))(table.pop("trainer", "gd"),
                                                          "[training] trainer")
        resample_noise = checked(check_bool)(table.pop("resample_noise", False),
                                             "[training] resample_noise")
        if "progress" in table:
            raise ScenarioError("[training] progress: set on the command line (--quiet), "
                                "not in a scenario")
        try:
            checked_trainer = make_trainer(trainer, **table)  # option names, types, ranges
        except (TypeError, ValueError) as err:
            raise ScenarioError(f"[training] {err}") from None
        if resample_noise and not checked_trainer.supports_resample:
            raise ScenarioError(f"[training] resample_noise: trainer {trainer!r} cannot train on "
                                "inputs redrawn every epoch; use gd, gdx, adam or lm")
        return cls(trainer, table, resample_noise)

    def make_trainer(self, progress=None):
        """A fresh trainer as this section describes."""
        return make_trainer(self.trainer, progress=progress, **self.options)

    def to_dict(self):
        """The section as the resolved scenario writes it."""
        return {"trainer": self.trainer, **self.options, "resample_noise": self.resample_noise}
