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
    shell = 0.5                      # relative width of the OOD shell, each side
    detect = true                    # fit the per-sounding OOD detector (geoinv.ood)
    components = ["distance", "misfit", "refined"]
    alpha = 0.05                     # share of ID validation soundings flagged
    k = 5                            # neighbours of the distance component

    [refine]                         # damped least squares (geoinv.lsq)
    compare = true                   # network vs LM vs network -> LM on the test sets
    widen = 0.5                      # search box: prior box widened by 0.5 box widths
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
    trainer = "gd"                   # geoinv.training.TRAINERS: gd, gdx, adam, lm, lbfgs;
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
"""

from __future__ import annotations

import inspect
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..nn.activations import ACTIVATIONS
from ..forward import FORWARD_MODELS, make_forward
from ..prior.model_space import SAMPLING_METHODS, ModelSpace, Parameter
from ..prior.noise import GaussianNoise
from ..nn.training import TRAINERS, make_trainer
from .output import check_name
from .resources import ResourceError, check_document, check_resources

__all__ = ["Scenario", "ScenarioError", "load_scenario", "parse_scenario", "dump_toml"]


class ScenarioError(ValueError):
    """A scenario file is missing, malformed or inconsistent (one-line message)."""


# -- small typed getters, each naming the field in its error -----------------
def _where(section, key):
    return f"[{section}] {key}" if section else key


def _number(value, where, *, minimum=None, exclusive=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ScenarioError(f"{where}: expected a number, got {value!r}")
    if minimum is not None and (value <= minimum if exclusive else value < minimum):
        raise ScenarioError(f"{where}: must be {'>' if exclusive else '>='} {minimum}, got {value!r}")
    return float(value)


def _count(value, where, minimum=0):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(f"{where}: expected a whole number, got {value!r}")
    if value < minimum:
        raise ScenarioError(f"{where}: must be >= {minimum}, got {value}")
    return value


def _string(value, where, choices=None):
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: expected a string, got {value!r}")
    if choices is not None and value not in choices:
        raise ScenarioError(f"{where}: unknown value {value!r}; choose one of {', '.join(choices)}")
    return value


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


def _grid(value, where):
    """A list of positive numbers, or {start, stop, num[, spacing]}."""
    if isinstance(value, dict):
        allowed = ("start", "stop", "num", "spacing")
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise ScenarioError(f"{where}: unknown key {unknown[0]!r} (expected {', '.join(allowed)})")
        for key in ("start", "stop", "num"):
            if key not in value:
                raise ScenarioError(f"{where}: missing key {key!r}")
        spacing = _string(value.get("spacing", "log"), f"{where}.spacing", ("log", "linear"))
        bound = dict(minimum=0, exclusive=True) if spacing == "log" else {}
        start = _number(value["start"], f"{where}.start", **bound)
        stop = _number(value["stop"], f"{where}.stop", **bound)
        num = _count(value["num"], f"{where}.num", minimum=1)
        if not stop > start:
            raise ScenarioError(f"{where}: stop ({stop}) must be > start ({start})")
        return (np.geomspace if spacing == "log" else np.linspace)(start, stop, num)
    if isinstance(value, list):
        return np.array([_number(v, f"{where}[{i}]") for i, v in enumerate(value)])
    raise ScenarioError(f"{where}: expected a list of numbers or a {{start, stop, num}} table")


# -- the sections ------------------------------------------------------------
SAMPLES_DEFAULTS = {"train": 8000, "validation": 1000, "test_id": 1000, "test_ood": 1000,
                    "method": "uniform"}
NETWORK_DEFAULTS = {"hidden": 40, "hidden_activation": "logsig", "output_activation": "logsig",
                    "ensemble": 1, "dtype": "float64"}
NETWORK_DTYPES = ("float64", "float32")
TRAINING_DEFAULTS = {"trainer": "gd", "resample_noise": False}
REPORT_DEFAULTS = {"n_examples": 4}


def _forward(doc):
    table = dict(_table(doc, "forward"))
    if "kind" not in table:
        raise ScenarioError(f"[forward] kind: missing (choose one of {', '.join(sorted(FORWARD_MODELS))})")
    kind = _string(table.pop("kind"), "[forward] kind", sorted(FORWARD_MODELS))
    cls = FORWARD_MODELS[kind]
    accepted = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    settings = {}
    for key, value in table.items():
        if key not in accepted:
            raise ScenarioError(
                f"[forward] unknown key {key!r} for kind {kind!r} (expected one of {', '.join(accepted)})"
            )
        if isinstance(value, dict) or (isinstance(value, list) and value
                                       and not isinstance(value[0], str)):
            value = _grid(value, f"[forward] {key}")
        settings[key] = value
    try:
        forward = make_forward(kind, **settings)
    except TypeError as err:  # a missing required argument
        raise ScenarioError(f"[forward] {err}") from None
    except ValueError as err:
        raise ScenarioError(f"[forward] {err}") from None
    return forward, {"kind": kind, **doc.get("forward", {})}


def _prior(doc, forward):
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
        where = f"[prior] {key}"
        if not isinstance(entry, dict):
            raise ScenarioError(f"{where}: expected a table {{ low = ..., high = ..., scale = ... }}")
        extra = sorted(set(entry) - {"low", "high", "scale"})
        if extra:
            raise ScenarioError(f"{where}: unknown key {extra[0]!r} (expected low, high, scale)")
        for bound in ("low", "high"):
            if bound not in entry:
                raise ScenarioError(f"{where}: missing {bound!r}")
        low = _number(entry["low"], f"{where}.low")
        high = _number(entry["high"], f"{where}.high")
        scale = _string(entry.get("scale", "log"), f"{where}.scale", ("log", "linear"))
        if not low < high:
            raise ScenarioError(f"{where}: low ({low:g}) must be < high ({high:g})")
        if scale == "log" and low <= 0:
            raise ScenarioError(f"{where}: a log-scale parameter needs low > 0, got {low:g}")
        if forward.positive[names.index(name)] and low <= 0:
            raise ScenarioError(f"{where}: {name} must be > 0, so low must be > 0, got {low:g}")
        parameters.append(Parameter(name, unit, low, high, scale == "log"))
        resolved[key] = {"low": low, "high": high, "scale": scale}
    lower_limit = np.where(forward.positive, 0.0, -np.inf)
    return ModelSpace(parameters, lower_limit=lower_limit), resolved


def _with_defaults(doc, section, defaults, extra_ok=False):
    table = _table(doc, section, None if extra_ok else list(defaults))
    return {**defaults, **table}


@dataclass
class Scenario:
    """A checked scenario.

    Attributes
    ----------
    config : dict
        The resolved scenario (defaults filled in), as saved by a run.
    path : Path or None
    forward : geoinv.forward.ForwardModel
    space : geoinv.ModelSpace
    noise : geoinv.noise.GaussianNoise
    """

    config: dict
    path: Path | None
    forward: object
    space: ModelSpace
    noise: GaussianNoise

    @property
    def name(self):
        return self.config["name"]

    @property
    def seed(self):
        return self.config["seed"]

    def trainer(self, progress=None):
        """A fresh trainer as the ``[training]`` section describes."""
        options = dict(self.config["training"])
        options.pop("resample_noise", None)
        return make_trainer(options.pop("trainer"), progress=progress, **options)

    @property
    def injected_noise(self):
        """The noise model to redraw every epoch (``resample_noise``), else None."""
        return self.noise if self.config["training"].get("resample_noise") else None


TOP_LEVEL = ("name", "description", "seed", "forward", "prior", "ood", "refine", "profile",
             "noise", "samples",
             "network", "training", "report")


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
    config = {
        "name": _run_name(_string(doc.get("name", name), "name")),
        "description": _string(doc.get("description", ""), "description"),
        "seed": _count(doc.get("seed", 0), "seed"),
    }
    forward, config["forward"] = _forward(doc)
    space, config["prior"] = _prior(doc, forward)

    config["ood"] = _ood(doc)
    config["refine"] = _refine(doc)
    if "profile" in doc:
        config["profile"] = _profile(doc, forward, space)

    config["noise"], noise = _noise(doc, forward)

    samples = _with_defaults(doc, "samples", SAMPLES_DEFAULTS)
    config["samples"] = {k: _count(samples[k], f"[samples] {k}", minimum=1)
                         for k in ("train", "validation", "test_id", "test_ood")}
    config["samples"]["method"] = _string(samples["method"], "[samples] method", SAMPLING_METHODS)

    network = _with_defaults(doc, "network", NETWORK_DEFAULTS)
    config["network"] = {
        "hidden": _count(network["hidden"], "[network] hidden", minimum=1),
        "hidden_activation": _string(network["hidden_activation"], "[network] hidden_activation",
                                     ("logsig", "tansig")),
        "output_activation": _string(network["output_activation"], "[network] output_activation",
                                     sorted(ACTIVATIONS)),
        "ensemble": _count(network["ensemble"], "[network] ensemble", minimum=1),
        "dtype": _string(network["dtype"], "[network] dtype", NETWORK_DTYPES),
    }

    training = _with_defaults(doc, "training", TRAINING_DEFAULTS, extra_ok=True)
    config["training"] = _training(training)

    report = _with_defaults(doc, "report", REPORT_DEFAULTS)
    config["report"] = {"n_examples": _count(report["n_examples"], "[report] n_examples")}

    scenario = Scenario(config, path, forward, space, noise)
    try:  # memory and time of a run, before it allocates anything
        check_resources(config, forward.n_data, len(space.names), scenario.trainer())
    except ResourceError as err:
        raise ScenarioError(str(err)) from None
    return scenario


def _run_name(name):
    """A name that can be a folder: runs/<name> (geoinv.workflow.output.check_name)."""
    try:
        return check_name(name)
    except ValueError as err:
        raise ScenarioError(f"name: {err}") from None


def _noise(doc, forward):
    """[noise]: relative and absolute levels, optionally per data group.

    ``[noise.phase] absolute = 1.0`` overrides the levels of the data group
    ``phase`` (see ``ForwardModel.data_groups``).
    """
    groups = forward.data_groups
    table = _table(doc, "noise", ["relative", "absolute", *groups])
    levels = {"relative": 0.02, "absolute": 0.0}
    resolved = {}
    for key in ("relative", "absolute"):
        resolved[key] = _number(table.get(key, levels[key]), f"[noise] {key}", minimum=0)
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
                resolved[group][key] = _number(sub[key], f"[noise.{group}] {key}", minimum=0)
                arrays[key][cols] = resolved[group][key]
    return resolved, GaussianNoise(arrays["relative"], arrays["absolute"])


OOD_DEFAULTS = {"shell": 0.5, "detect": True, "alpha": 0.05, "k": 5,
                "components": ["distance", "misfit", "refined"]}
REFINE_DEFAULTS = {"compare": True, "widen": 0.5, "n_restarts": 10, "max_iter": 50}


def _ood(doc):
    """[ood]: the OOD test shell and the per-sounding detector."""
    from ..inversion.ood import COMPONENTS

    table = _with_defaults(doc, "ood", OOD_DEFAULTS)
    components = table["components"]
    if (not isinstance(components, list) or not components
            or any(c not in COMPONENTS for c in components) or len(set(components)) != len(components)):
        raise ScenarioError(f"[ood] components: expected a list of distinct names from "
                            f"{', '.join(COMPONENTS)}, got {components!r}")
    if not isinstance(table["detect"], bool):
        raise ScenarioError(f"[ood] detect: expected true or false, got {table['detect']!r}")
    alpha = _number(table["alpha"], "[ood] alpha", minimum=0, exclusive=True)
    if not alpha < 1:
        raise ScenarioError(f"[ood] alpha: must be < 1, got {alpha!r}")
    return {"shell": _number(table["shell"], "[ood] shell", minimum=0, exclusive=True),
            "detect": table["detect"], "alpha": alpha,
            "k": _count(table["k"], "[ood] k", minimum=1), "components": list(components)}


def _refine(doc):
    """[refine]: damped least squares from the network's answer (and from a generic start)."""
    table = _with_defaults(doc, "refine", REFINE_DEFAULTS)
    if not isinstance(table["compare"], bool):
        raise ScenarioError(f"[refine] compare: expected true or false, got {table['compare']!r}")
    return {"compare": table["compare"],
            "widen": _number(table["widen"], "[refine] widen", minimum=0),
            "n_restarts": _count(table["n_restarts"], "[refine] n_restarts"),
            "max_iter": _count(table["max_iter"], "[refine] max_iter", minimum=1)}


PROFILE_DEFAULTS = {"n_positions": 200, "length": 2000.0, "shape": "linear"}


def _profile(doc, forward, space):
    """[profile]: a synthetic line of soundings over a laterally varying earth."""
    from ..inversion.profile import PROFILE_SHAPES, profile_models

    if not hasattr(forward, "n_layers"):
        raise ScenarioError(f"[profile]: needs a layered forward model, not kind {forward.kind!r}")
    table = _table(doc, "profile", [*PROFILE_DEFAULTS, "model"])
    resolved = {
        "n_positions": _count(table.get("n_positions", PROFILE_DEFAULTS["n_positions"]),
                              "[profile] n_positions", minimum=2),
        "length": _number(table.get("length", PROFILE_DEFAULTS["length"]), "[profile] length",
                          minimum=0, exclusive=True),
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


def _training(table):
    trainer = _string(table["trainer"], "[training] trainer", sorted(TRAINERS))
    resample_noise = table["resample_noise"]
    if not isinstance(resample_noise, bool):
        raise ScenarioError(f"[training] resample_noise: expected true or false, "
                            f"got {resample_noise!r}")
    options = {k: v for k, v in table.items() if k not in ("trainer", "resample_noise")}
    if "progress" in options:
        raise ScenarioError("[training] progress: set on the command line (--quiet), not in a scenario")
    try:
        checked = make_trainer(trainer, **options)  # checks option names, types and ranges
    except (TypeError, ValueError) as err:
        raise ScenarioError(f"[training] {err}") from None
    if resample_noise and not checked.supports_resample:
        raise ScenarioError(f"[training] resample_noise: trainer {trainer!r} cannot train on "
                            "inputs redrawn every epoch; use gd, gdx, adam or lm")
    return {"trainer": trainer, **options, "resample_noise": resample_noise}


def load_scenario(path):
    """Read and check a scenario file.

    Parameters
    ----------
    path : str or Path

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
