"""Scenario files: one TOML file describes one inversion experiment.

A scenario names the forward model and its survey, the prior box, the OOD
shell, the noise, the sample counts, the network, the training and the seed.
``load_scenario`` reads and checks a file and returns a :class:`Scenario`
whose ``config`` has every default filled in (the *resolved* scenario that a
run saves).  Every problem raises :class:`ScenarioError` with one line naming
the file, the field and what is wrong.

Format (all sections but ``[forward]`` and ``[prior]`` are optional)::

    name = "ves_3layer"              # default: the file name
    description = "..."
    seed = 1                         # one seed drives every random draw

    [forward]
    kind = "ves"                     # geoinv.forward.FORWARD_MODELS
    n_layers = 3
    ab2 = { start = 1.0, stop = 1000.0, num = 30 }   # or a list; log spacing
    # other keys: the forward class's arguments (array, mn2, ...)

    [prior]                          # the training box, one entry per parameter,
    rho = { low = 1.0, high = 1000.0, scale = "log" }  # or per group: rho -> rho_1..
    h = { low = 1.0, high = 50.0, scale = "log" }

    [ood]
    shell = 0.5                      # OOD shell: box widths beyond the prior box, each side
    detect = true                    # fit the per-sounding OOD detector (geoinv.OODDetector)
    components = ["distance", "misfit", "refined"]
    alpha = 0.05                     # share of ID validation soundings flagged
    k = 5                            # neighbours of the distance component

    [refine]                         # damped least squares (geoinv.damped_least_squares)
    compare = true                   # network vs LM vs network -> LM on the test sets
    widen = 0.5                      # search box: box widths beyond the prior box, each side
    n_restarts = 10
    max_iter = 50

    [noise]
    relative = 0.02                  # 2 % Gaussian
    absolute = 0.0                   # floor, data units
    [noise.phase]                    # optional, per data group (label before '@')
    absolute = 1.5

    [samples]
    train = 8000
    validation = 1000
    test_id = 1000
    test_ood = 1000
    method = "uniform"               # or "lhs"

    [network]
    hidden = 40
    hidden_activation = "logsig"     # or "tansig"
    output_activation = "logsig"     # or "purelin", "tansig"
    ensemble = 1                     # K > 1: K networks from different seeds, mean +/- spread
    dtype = "float64"                # or "float32" (faster, single precision)

    [training]
    trainer = "gd"                   # geoinv.nn.training.TRAINERS: gd, gdx, adam, lm, lbfgs;
    mode = "minibatch"               # the other keys are the trainer's options
    learning_rate = 0.3
    momentum = 0.9
    batch_size = 32
    max_epochs = 300
    patience = 30
    weight_decay = 0.0               # L2 penalty (every trainer)
    resample_noise = false           # true: fresh [noise] on the clean data every epoch

    [report]
    n_examples = 4                   # reconstructions drawn per split

    [profile]                        # optional: a line of soundings (layered models)
    n_positions = 200
    length = 2000.0                  # m
    shape = "linear"                 # or "smooth", "bump"
    [profile.model]                  # a number or { start, end } per parameter or group
    rho = [200.0, 20.0, 500.0]
    h_2 = { start = 2.0, end = 40.0 }

    [posterior]                      # optional: sample test soundings' posteriors (MCMC)
    n_soundings = 100                # per test split, from its first soundings
    n_steps = 2000                   # steps per round of every chain
    max_steps = 64000                # an unconverged sounding stops here (default 32 rounds)
    n_chains = 4                     # default: 4, up to 16 when few soundings are sampled
    thin = 2
    burn_in = 1000                   # steps dropped once (default n_steps / 2)
    diagnostics = "split"            # or "rank": rank-normalised R-hat (stricter)
    level = 0.9                      # central credible interval whose coverage is measured
    n_figures = 2                    # posterior figures per split
    seed = 7                         # optional; default: the run's own stream of `seed`
"""

from __future__ import annotations

import inspect
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..forward import FORWARD_MODELS, LayeredForward, make_forward
from ..prior.model_space import ModelSpace, Parameter
from ..prior.noise import GaussianNoise
from .sections import (NetworkSection, OODSection, PosteriorSection, RefineSection, ReportSection,
                       SamplesSection, ScenarioError, TrainingSection, checked)
from .._checks import check_bool, check_choice, check_float, check_int
from .output import check_name
from .resources import ResourceError, check_document, check_resources

__all__ = ["Scenario", "ScenarioError", "load_scenario", "parse_scenario", "apply_overrides",
           "dump_toml"]

_number = checked(check_float)
_positive = checked(check_float, 0.0, low_open=True)
_count = checked(check_int, 0)


def _string(value, name, choices=None):
    if not isinstance(value, str):
        raise ScenarioError(f"{name} must be a string; got {value!r}")
    return value if choices is None else checked(check_choice, choices)(value, name)


def _table(doc, section, allowed=None):
    value = doc.get(section, {})
    if not isinstance(value, dict):
        raise ScenarioError(f"[{section}]: expected a table, got {value!r}")
    if allowed is not None:
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise ScenarioError(
                f"[{section}]: unknown key {unknown[0]!r} (expected one of {', '.join(allowed)})"
            )
    return value


def _grid(value, name):
    """A list of positive numbers, or {start, stop, num[, spacing]}."""
    if isinstance(value, dict):
        allowed = ("start", "stop", "num", "spacing")
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise ScenarioError(f"{name}: unknown key {unknown[0]!r} (expected {', '.join(allowed)})")
        for key in ("start", "stop", "num"):
            if key not in value:
                raise ScenarioError(f"{name}: missing key {key!r}")
        spacing = _string(value.get("spacing", "log"), f"{name}.spacing", ("log", "linear"))
        bound = _positive if spacing == "log" else _number
        start = bound(value["start"], f"{name}.start")
        stop = bound(value["stop"], f"{name}.stop")
        num = checked(check_int, 1)(value["num"], f"{name}.num")
        if not stop > start:
            raise ScenarioError(f"{name}: stop ({stop}) must be > start ({start})")
        return (np.geomspace if spacing == "log" else np.linspace)(start, stop, num)
    if isinstance(value, list):
        return np.array([_number(v, f"{name}[{i}]") for i, v in enumerate(value)])
    raise ScenarioError(f"{name}: expected a list of numbers or a {{start, stop, num}} table")


# -- the sections that depend on the forward model ----------------------------
def _survey(table, kind, base):
    """Read ``[forward] survey`` (a data file, relative to the scenario); its geometry."""
    from ..io import read_survey
    from .survey_scenario import survey_geometry

    name = _string(table.pop("survey"), "[forward] survey")
    path = Path(name) if Path(name).is_absolute() or base is None else Path(base) / name
    try:
        survey = read_survey(path)
        geometry = survey_geometry(survey)
    except (OSError, ValueError) as err:
        raise ScenarioError(f"[forward] survey: {err}") from None
    if survey.method != kind:
        raise ScenarioError(f"[forward] survey: {name} holds {survey.method} data, not {kind}")
    clash = sorted(k for k in geometry if k in table and k != "array")
    if clash:
        raise ScenarioError(f"[forward] {clash[0]}: give the geometry either by survey or by "
                            f"{clash[0]}, not both")
    table.update({k: v for k, v in geometry.items() if v is not None})
    return survey, str(path.resolve())


def _forward(doc, base=None):
    """[forward]: the forward model and its survey; returns (forward, resolved table, survey)."""
    table = dict(_table(doc, "forward"))
    if "kind" not in table:
        raise ScenarioError(f"[forward] kind: missing (choose one of {', '.join(sorted(FORWARD_MODELS))})")
    kind = _string(table.pop("kind"), "[forward] kind", sorted(FORWARD_MODELS))
    survey = survey_path = None
    if "survey" in table:
        survey, survey_path = _survey(table, kind, base)
    cls = FORWARD_MODELS[kind]
    accepted = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    settings = {}
    for key, value in table.items():
        if survey is not None and key in GEOMETRY_KEYS:
            settings[key] = value          # read from the survey file
            continue
        if key not in accepted:
            raise ScenarioError(
                f"[forward] unknown key {key!r} for kind {kind!r} (expected one of {', '.join(accepted)})"
            )
        if isinstance(value, dict) or (isinstance(value, list) and value
                                       and not isinstance(value[0], str)):
            value = _grid(value, f"[forward] {key}")
        settings[key] = value
    if "body" in accepted and "body" not in settings:
        raise ScenarioError(f"[forward] body: missing; {kind} models need one "
                            f"(e.g. body = \"sphere\")")
    try:
        forward = make_forward(kind, **settings)
    except TypeError as err:  # a missing required argument
        raise ScenarioError(f"[forward] {err}") from None
    except ValueError as err:
        raise ScenarioError(f"[forward] {err}") from None
    resolved = {"kind": kind, **doc.get("forward", {})}
    if survey is not None:
        resolved["survey"] = survey_path
    return forward, resolved, survey


def _prior(doc, forward):
    """[prior]: the training box, per parameter or per group (rho -> rho_1, rho_2, ...)."""
    table = _table(doc, "prior")
    names = forward.parameter_names
    groups = {}
    for name in names:
        groups.setdefault(name.rsplit("_", 1)[0], []).append(name)
    unknown = [k for k in table if k not in names and k not in groups]
    if unknown:
        raise ScenarioError(
            f"[prior] unknown parameter {unknown[0]!r} (parameters: {', '.join(names)}; "
            f"groups: {', '.join(g for g in groups if g not in names)})"
        )
    parameters, resolved = [], {}
    for name, unit in zip(names, forward.parameter_units):
        key = name if name in table else name.rsplit("_", 1)[0]
        if key not in table:
            raise ScenarioError(f"[prior] {name}: missing (give {name} = {{ low = ..., high = ... }})")
        entry = table[key]
        at = f"[prior] {key}"
        if not isinstance(entry, dict):
            raise ScenarioError(f"{at}: expected a table {{ low = ..., high = ..., scale = ... }}")
        extra = sorted(set(entry) - {"low", "high", "scale"})
        if extra:
            raise ScenarioError(f"{at}: unknown key {extra[0]!r} (expected low, high, scale)")
        for bound in ("low", "high"):
            if bound not in entry:
                raise ScenarioError(f"{at}: missing {bound!r}")
        low = _number(entry["low"], f"{at}.low")
        high = _number(entry["high"], f"{at}.high")
        scale = _string(entry.get("scale", "log"), f"{at}.scale", ("log", "linear"))
        if not low < high:
            raise ScenarioError(f"{at}: low ({low:g}) must be < high ({high:g})")
        if scale == "log" and low <= 0:
            raise ScenarioError(f"{at}: a log-scale parameter needs low > 0, got {low:g}")
        if forward.positive[names.index(name)] and low <= 0:
            raise ScenarioError(f"{at}: {name} must be > 0, so low must be > 0, got {low:g}")
        parameters.append(Parameter(name, unit, low, high, scale == "log"))
        resolved[key] = {"low": low, "high": high, "scale": scale}
    lower_limit = np.where(forward.positive, 0.0, -np.inf)
    return ModelSpace(parameters, lower_limit=lower_limit), resolved


def _noise(doc, forward, survey=None):
    """[noise]: relative and absolute levels, optionally per data group, or the survey's.

    ``[noise.phase] absolute = 1.0`` overrides the levels of the data group
    ``phase`` (see ``ForwardModel.data_groups``); ``from_survey = true``
    takes the per-datum errors of ``[forward] survey`` instead.
    """
    groups = forward.data_groups
    table = _table(doc, "noise", ["relative", "absolute", "from_survey", *groups])
    if "from_survey" in table:
        from_survey = checked(check_bool)(table["from_survey"], "[noise] from_survey")
        if from_survey:
            if survey is None:
                raise ScenarioError("[noise] from_survey: needs a data file as [forward] survey")
            others = sorted(set(table) - {"from_survey"})
            if others:
                raise ScenarioError(f"[noise] {others[0]}: the noise comes from the survey "
                                    "(from_survey = true); drop this key")
            from .survey_scenario import survey_sigma

            return {"from_survey": True}, GaussianNoise.from_sigma(survey_sigma(survey, forward))
        table = {k: v for k, v in table.items() if k != "from_survey"}
    levels = {"relative": 0.02, "absolute": 0.0}
    nonnegative = checked(check_float, 0.0)
    resolved = {}
    for key in ("relative", "absolute"):
        resolved[key] = nonnegative(table.get(key, levels[key]), f"[noise] {key}")
    arrays = {key: np.full(forward.n_data, resolved[key]) for key in ("relative", "absolute")}
    for group, cols in groups.items():
        if group not in table:
            continue
        sub = table[group]
        if not isinstance(sub, dict):
            raise ScenarioError(f"[noise] {group}: expected a table {{ relative = ..., absolute = ... }}")
        extra = sorted(set(sub) - {"relative", "absolute"})
        if extra:
            raise ScenarioError(f"[noise.{group}]: unknown key {extra[0]!r} (expected relative, absolute)")
        resolved[group] = {}
        for key in ("relative", "absolute"):
            if key in sub:
                resolved[group][key] = nonnegative(sub[key], f"[noise.{group}] {key}")
                arrays[key][cols] = resolved[group][key]
    silent = (arrays["relative"] == 0) & (arrays["absolute"] == 0)
    if silent.any():
        names = [g for g, cols in groups.items() if silent[cols].any()] or ["data"]
        raise ScenarioError(f"[noise] relative and absolute are both 0 for {', '.join(names)}: "
                            "the misfit needs errors > 0 (give a level, however small)")
    return resolved, GaussianNoise(arrays["relative"], arrays["absolute"])


PROFILE_DEFAULTS = {"n_positions": 200, "length": 2000.0, "shape": "linear"}


def _profile(doc, forward, space):
    """[profile]: a synthetic line of soundings over a laterally varying earth."""
    from ..inversion.profile import PROFILE_SHAPES, profile_models

    if not isinstance(forward, LayeredForward):
        raise ScenarioError(f"[profile]: needs a layered forward model, not kind {forward.kind!r}")
    table = _table(doc, "profile", [*PROFILE_DEFAULTS, "model"])
    resolved = {
        "n_positions": checked(check_int, 2)(table.get("n_positions",
                                                       PROFILE_DEFAULTS["n_positions"]),
                                             "[profile] n_positions"),
        "length": _positive(table.get("length", PROFILE_DEFAULTS["length"]), "[profile] length"),
        "shape": _string(table.get("shape", PROFILE_DEFAULTS["shape"]), "[profile] shape",
                         PROFILE_SHAPES),
    }
    model = table.get("model")
    if not isinstance(model, dict):
        raise ScenarioError("[profile.model]: missing (one entry per parameter or group, "
                            "a number or { start = ..., end = ... })")
    try:
        profile_models(space.names, model, 2, 1.0, log=space.log, shape=resolved["shape"])
    except ValueError as err:
        raise ScenarioError(f"[profile.model] {err}") from None
    resolved["model"] = model
    return resolved


# -- the scenario ----------------------------------------------------------------
TOP_LEVEL = ("name", "description", "seed", "forward", "prior", "ood", "refine", "profile",
             "noise", "samples", "network", "training", "report", "posterior")


@dataclass
class Scenario:
    """A checked scenario: its typed sections and the objects they describe.

    Attributes
    ----------
    name, description : str
    seed : int
        One seed drives every random draw of a run.
    forward : geoinv.forward.ForwardModel
        Built from ``[forward]``.
    space : geoinv.ModelSpace
        The prior box, from ``[prior]``.
    noise : geoinv.GaussianNoise
        From ``[noise]``.
    ood : OODSection
    refine : RefineSection
    samples : SamplesSection
    network : NetworkSection
    training : TrainingSection
    report : ReportSection
    profile : dict or None
        The resolved ``[profile]`` table (None without one).
    resolved : dict
        The resolved ``[forward]``, ``[prior]`` and ``[noise]`` tables.
    path : Path or None
    survey : geoinv.io.Survey or None
        The data file named by ``[forward] survey``.
    posterior : PosteriorSection or None
        ``[posterior]`` (None without one: no posterior sampling).
    """

    name: str
    description: str
    seed: int
    forward: object
    space: ModelSpace
    noise: GaussianNoise
    ood: OODSection
    refine: RefineSection
    samples: SamplesSection
    network: NetworkSection
    training: TrainingSection
    report: ReportSection
    profile: dict | None
    resolved: dict
    path: Path | None = None
    survey: object = None
    posterior: PosteriorSection | None = None

    @property
    def config(self):
        """The resolved scenario (every default filled in), as a run saves it."""
        config = {"name": self.name, "description": self.description, "seed": self.seed,
                  "forward": self.resolved["forward"], "prior": self.resolved["prior"],
                  "ood": self.ood.to_dict(), "refine": self.refine.to_dict()}
        if self.profile is not None:
            config["profile"] = self.profile
        config.update(noise=self.resolved["noise"], samples=self.samples.to_dict(),
                      network=self.network.to_dict(), training=self.training.to_dict(),
                      report=self.report.to_dict())
        if self.posterior is not None:
            config["posterior"] = self.posterior.to_dict()
        return config

    def trainer(self, progress=None):
        """A fresh trainer as the ``[training]`` section describes."""
        return self.training.make_trainer(progress=progress)

    @property
    def injected_noise(self):
        """The noise model to redraw every epoch (``resample_noise``), else None."""
        return self.noise if self.training.resample_noise else None


def parse_scenario(doc, name="scenario", path=None):
    """Check a scenario given as a dict (the parsed TOML).

    Parameters
    ----------
    doc : dict
    name : str
        Default scenario name.
    path : Path, optional

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
    """
    unknown = sorted(set(doc) - set(TOP_LEVEL))
    if unknown:
        raise ScenarioError(f"unknown key {unknown[0]!r} (expected one of {', '.join(TOP_LEVEL)})")
    try:  # sizes that building the forward model would allocate (geoinv.workflow.resources)
        check_document(doc)
    except ResourceError as err:
        raise ScenarioError(str(err)) from None
    top = {"name": _run_name(_string(doc.get("name", name), "name")),
           "description": _string(doc.get("description", ""), "description"),
           "seed": _count(doc.get("seed", 0), "seed")}
    forward, resolved_forward, survey = _forward(doc, None if path is None else Path(path).parent)
    space, resolved_prior = _prior(doc, forward)
    ood, refine = OODSection.parse(doc), RefineSection.parse(doc)
    profile = _profile(doc, forward, space) if "profile" in doc else None
    resolved_noise, noise = _noise(doc, forward, survey)
    scenario = Scenario(
        **top, forward=forward, space=space, noise=noise, ood=ood, refine=refine,
        samples=SamplesSection.parse(doc), network=NetworkSection.parse(doc),
        training=TrainingSection.parse(doc), report=ReportSection.parse(doc), profile=profile,
        resolved={"forward": resolved_forward, "prior": resolved_prior, "noise": resolved_noise},
        path=path, survey=survey,
        posterior=PosteriorSection.parse(doc) if "posterior" in doc else None)
    try:  # memory and time of a run, before it allocates anything
        check_resources(scenario.config, forward.n_data, len(space.names), scenario.trainer())
    except ResourceError as err:
        raise ScenarioError(str(err)) from None
    return scenario


def _run_name(name):
    """A name that can be a folder: runs/<name> (geoinv.workflow.output.check_name)."""
    try:
        return check_name(name)
    except ValueError as err:
        raise ScenarioError(f"name: {err}") from None


def apply_overrides(doc, overrides):
    """Set ``section.key=value`` overrides in a parsed scenario (a new dict).

    Parameters
    ----------
    doc : dict
        The parsed TOML document.
    overrides : iterable of str
        Each ``key=value`` or ``section.key=value`` (``training.max_epochs=50``,
        ``seed=3``, ``samples.train=2000``, ``noise.phase.absolute=2``); the
        value is read as a TOML value (``50``, ``0.5``, ``true``, ``"lhs"``,
        ``[1, 2]``), or taken as a string if it is not one (``method=lhs``).

    Returns
    -------
    dict

    Raises
    ------
    ScenarioError
        If an override is not of that form.

    Examples
    --------
    >>> apply_overrides({"seed": 1}, ["seed=7", "samples.train=500"])
    {'seed': 7, 'samples': {'train': 500}}
    """
    doc = {k: (dict(v) if isinstance(v, dict) else v) for k, v in doc.items()}
    for item in overrides:
        key, sep, text = str(item).partition("=")
        path = key.strip().split(".")
        if not sep or not all(path):
            raise ScenarioError(f"--set {item!r}: expected section.key=value, e.g. "
                                "training.max_epochs=50")
        try:
            value = tomllib.loads(f"v = {text.strip()}")["v"]
        except (tomllib.TOMLDecodeError, RecursionError):
            value = text.strip()
        table = doc
        for part in path[:-1]:
            inner = table.get(part, {})
            if not isinstance(inner, dict):
                raise ScenarioError(f"--set {item!r}: {part!r} is a value, not a section")
            table[part] = table = dict(inner)
        table[path[-1]] = value
    return doc


GEOMETRY_KEYS = ("ab2", "mn2", "array", "periods", "x", "offsets")
"""The ``[forward]`` keys that a survey file gives instead."""


def load_scenario(path, overrides=(), survey=None):
    """Read and check a scenario file.

    Parameters
    ----------
    path : str or Path
    overrides : iterable of str, optional
        ``section.key=value`` settings applied before the checks (see
        :func:`apply_overrides`; the command line's ``--set``).
    survey : str or Path, optional
        A field data file to train for (``geoinv invert DATA --scenario``):
        unless the scenario names its own ``[forward] survey``, it becomes
        ``[forward] survey`` and replaces the scenario's geometry keys.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Missing or unreadable file, invalid TOML, or an invalid field; the
        message starts with the file name.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: scenario file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(f"{path}: cannot read scenario file ({err})") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: invalid TOML: {err}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None
    doc = apply_overrides(doc, overrides)
    if survey is not None and isinstance(doc.get("forward"), dict) \
            and "survey" not in doc["forward"]:
        forward = {k: v for k, v in doc["forward"].items() if k not in GEOMETRY_KEYS}
        doc = {**doc, "forward": {**forward, "survey": str(Path(survey).resolve())}}
    try:
        return parse_scenario(doc, name=path.stem, path=path)
    except ScenarioError as err:
        raise ScenarioError(f"{path}: {err}") from None


# -- writing the resolved scenario back as TOML --------------------------------
def _toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def dump_toml(config):
    """Write a scenario dict (scalars, then one level of tables) as TOML text."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in config.items() if not isinstance(v, dict)]
    for key, table in config.items():
        if isinstance(table, dict):
            lines += ["", f"[{key}]"] + [f"{k} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"
