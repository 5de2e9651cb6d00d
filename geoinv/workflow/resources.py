"""Resource bounds: refuse, before allocating, a scenario that cannot fit or never ends.

A run allocates its datasets, networks and work arrays only after its
scenario has been read, so a count typed a few orders of magnitude too large
(``train = 1000000000``, ``hidden = 10000000``) would otherwise surface as a
MemoryError traceback after minutes, or as a run that never ends.  Two checks
refuse such a scenario while it is parsed, each with one line naming the
field (``geoinv.workflow.scenario`` turns :class:`ResourceError` into a
``ScenarioError``, so ``geoinv check`` and ``geoinv run`` exit with code 2):

:func:`check_document`
    On the parsed TOML, before anything is built: the counts that building
    the scenario itself allocates or loops over -- ``[forward] n_layers``
    and the length of every survey list or grid (``num``) in ``[forward]``.
:func:`check_resources`
    On the resolved scenario: caps on the counts that multiply the run time
    (hidden units, ensemble members, LM restarts, reconstructions drawn,
    OOD neighbours), then an estimate of the peak memory and of the time of
    a run (:func:`estimate_resources`), refused above the limits.

Limits (the environment variables override the two budgets)
-----------------------------------------------------------
=============================  ===============================================
memory                         ``GEOINV_MAX_MEMORY_GB`` (GiB); default half
                               the physical memory
time                           ``GEOINV_MAX_HOURS``; default 72 h (one core)
``[forward] n_layers``         <= 1000
``[forward]`` survey points    <= 100000 per list or ``{start, stop, num}``
``[network] hidden``           <= 100000
``[network] ensemble``         <= 100
``[refine] n_restarts``        <= 1000
``[ood] k``                    <= ``[samples] train``
``[report] n_examples``        <= 50 and <= ``[samples] test_id``, ``test_ood``
=============================  ===============================================

The estimates are deliberately rough: memory counts the arrays a run holds
at its peak (datasets, network copies, activations, Jacobians); time is an
upper bound (every epoch up to ``max_epochs``, every LM restart of every
sounding) at rates measured on the shipped scenarios, 10-30 times their
actual wall time, which early stopping and converged soundings cut short.
They exist to refuse the absurd at once, not to predict a run.

Examples
--------
>>> est = estimate_resources(
...     {"samples": {"train": 1000, "validation": 100, "test_id": 100, "test_ood": 100},
...      "network": {"hidden": 10}}, n_data=20, n_params=3)
>>> est.memory["[network] hidden"]  # (6 x 243 weights + 3 x 11 x 256 activations) x 8 bytes
79248
>>> check_document({"forward": {"kind": "ves", "n_layers": 100000}})
Traceback (most recent call last):
...
geoinv.workflow.resources.ResourceError: [forward] n_layers = 100000: at most 1000
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

from ..inversion.posterior import POSTERIOR_BATCH, chains_for

__all__ = ["ResourceError", "Estimate", "check_document", "check_resources",
           "estimate_resources", "memory_limit", "time_limit", "LIMITS"]


class ResourceError(ValueError):
    """A scenario needs more memory or time than allowed, or a count is too large."""


LIMITS = {
    ("forward", "n_layers"): 1000,
    ("forward", "survey points"): 100_000,
    ("network", "hidden"): 100_000,
    ("network", "ensemble"): 100,
    ("refine", "n_restarts"): 1000,
    ("report", "n_examples"): 50,
}
"""Hard caps on counts, (section, key) -> largest value accepted."""

MEMORY_FRACTION = 0.5
"""Default memory budget: this fraction of the physical memory."""
MAX_HOURS = 72.0
"""Default time budget of one run, hours."""

# Rates of the time estimate, measured on the shipped scenarios (one core):
FORWARD_SECONDS = 5e-8
"""Seconds per datum per model parameter of a forward-model evaluation
(25-100 ns measured for the shipped forward models)."""
FLOP_SECONDS = 1e-9
"""Seconds per multiply-add of network training (small BLAS calls)."""
STEP_SECONDS = 1e-5
"""Seconds of overhead per training step (one mini-batch)."""
CALL_SECONDS = 5e-4
"""Seconds of overhead per batched iteration of damped least squares."""
FIGURE_SECONDS = 0.5
"""Seconds per drawn reconstruction (one figure row)."""


_TYPICAL = {"[samples] train": 8000, "[samples] validation": 1000, "[samples] test_id": 1000,
            "[samples] test_ood": 1000, "[network] hidden": 40, "[network] ensemble": 1,
            "[training] max_epochs": 1000, "[refine] n_restarts": 10, "[refine] max_iter": 50,
            "[profile] n_positions": 200, "[posterior] n_soundings": 100,
            "[posterior] max_steps": 64000, "[posterior] n_chains": 4}
"""Typical values; a time overrun is blamed on the factor furthest above its own."""


@dataclass
class Estimate:
    """Peak memory and run time of a scenario, by the field that drives each part.

    Attributes
    ----------
    memory : dict of str -> int
        Bytes, keyed by the scenario field (``"[samples] train"``, ...).
    seconds : dict of str -> float
        Seconds of each stage (``"simulate"``, ``"train"``, ...).
    blame : dict of str -> str
        For each stage, the field that makes it long.
    """

    memory: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    blame: dict = field(default_factory=dict)

    @property
    def total_memory(self):
        """Peak memory, bytes."""
        return sum(self.memory.values())

    @property
    def total_seconds(self):
        """Run time, seconds."""
        return sum(self.seconds.values())


def _limit_from_env(name, default, unit):
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ResourceError(f"{name}: expected a number of {unit} > 0, got {text!r}")
    return value


def memory_limit():
    """Memory budget of a run, bytes (``GEOINV_MAX_MEMORY_GB`` or half the RAM)."""
    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        physical = 16 * 2 ** 30
    gb = _limit_from_env("GEOINV_MAX_MEMORY_GB", MEMORY_FRACTION * physical / 2 ** 30, "GB")
    return int(gb * 2 ** 30)


def time_limit():
    """Time budget of a run, seconds (``GEOINV_MAX_HOURS`` or 72 h)."""
    return 3600.0 * _limit_from_env("GEOINV_MAX_HOURS", MAX_HOURS, "hours")


def _cap(value, section, key, limit=None, why=""):
    limit = LIMITS[(section, key)] if limit is None else limit
    if isinstance(value, int) and not isinstance(value, bool) and value > limit:
        raise ResourceError(f"[{section}] {key} = {value}: at most {limit} {why}".rstrip())


def check_document(doc):
    """Refuse counts the scenario parser itself would allocate or loop over.

    Parameters
    ----------
    doc : dict
        The parsed TOML of a scenario, unchecked otherwise.

    Raises
    ------
    ResourceError
        ``[forward] n_layers`` or the length of a survey list or grid is
        above its cap (:data:`LIMITS`).
    """
    forward = doc.get("forward") if isinstance(doc, dict) else None
    if not isinstance(forward, dict):
        return
    _cap(forward.get("n_layers"), "forward", "n_layers")
    limit = LIMITS[("forward", "survey points")]
    for key, value in forward.items():
        size = value.get("num") if isinstance(value, dict) else (
            len(value) if isinstance(value, list) else None)
        if isinstance(size, int) and not isinstance(size, bool) and size > limit:
            what = f"{key}.num" if isinstance(value, dict) else f"{key} (a list of {size})"
            raise ResourceError(f"[forward] {what}: at most {limit} survey points, got {size}")


def estimate_resources(config, n_data, n_params, trainer=None):
    """Peak memory and rough run time of a resolved scenario.

    Parameters
    ----------
    config : dict
        A resolved scenario (``Scenario.config``); missing sections take
        the defaults.
    n_data, n_params : int
        Data columns of the forward model and model parameters.
    trainer : geoinv.nn.training.Trainer, optional
        The scenario's trainer (its ``max_epochs``, ``max_seconds``, mode).

    Returns
    -------
    Estimate
    """
    samples = {"train": 8000, "validation": 1000, "test_id": 1000, "test_ood": 1000,
               **config.get("samples", {})}
    net = config.get("network", {})
    hidden, k = net.get("hidden", 40), net.get("ensemble", 1)
    item = 4 if net.get("dtype") == "float32" else 8
    refine = {"compare": True, "n_restarts": 10, "max_iter": 50, **config.get("refine", {})}
    ood = {"detect": True, "k": 5, "components": ["refined"], **config.get("ood", {})}
    n_tr, n_val = samples["train"], samples["validation"]
    n_tests = samples["test_id"] + samples["test_ood"]
    n_pos = config.get("profile", {}).get("n_positions", 0) if "profile" in config else 0
    n_w = hidden * (n_data + 1) + n_params * (hidden + 1)
    full_batch = trainer is not None and (
        getattr(trainer, "mode", "minibatch") == "batch" or not hasattr(trainer, "mode"))

    est = Estimate()
    mem = est.memory
    # datasets: models, data, clean data and sigma of every split (float64)
    for split in ("train", "validation", "test_id", "test_ood"):
        mem[f"[samples] {split}"] = samples[split] * (n_params + 3 * n_data) * 8
    # scaled training copies (X, X_aug, T) and the OOD detector's k-d tree
    mem["[samples] train"] += n_tr * (2 * (n_data + 1) + n_params) * item + n_tr * n_data * 16
    mem["[samples] validation"] += n_val * (n_data + 1 + n_params) * item
    # predictions of every member, evaluation and the LM comparison's Jacobians
    for split in ("test_id", "test_ood"):
        mem[f"[samples] {split}"] += samples[split] * (
            (k + 4) * n_params + 2 * n_data + 3 * n_data * n_params) * 8
    mem["[ood] k"] = (n_val + n_tests) * ood["k"] * 16 if ood["detect"] else 0
    # weights, gradients, optimiser state and the best weights: six copies per member;
    # activations (net input and output of the hidden layer) of the largest pass
    rows = max(n_val, samples["test_id"], samples["test_ood"], n_pos, 256,
               n_tr if full_batch else 0)
    mem["[network] hidden"] = k * n_w * item * 6 + 3 * (hidden + 1) * rows * item
    if trainer is not None and type(trainer).__name__ == "LevenbergMarquardt":
        mem["[network] hidden"] += 2 * n_w * n_w * 8 + min(n_tr * n_params * n_w, 2 ** 21) * 8
    if n_pos:
        mem["[profile] n_positions"] = n_pos * (5 * n_params + 3 * n_data
                                                + 3 * n_data * n_params) * 8
    post = config.get("posterior")
    if post is not None:
        post = {"n_soundings": 100, "thin": 2, "n_steps": 2000, **post}
        post.setdefault("n_chains", chains_for(min(post["n_soundings"], samples["test_id"],
                                                   samples["test_ood"])))
        post.setdefault("max_steps", 32 * post["n_steps"])
        n_post = min(post["n_soundings"], samples["test_id"]) + min(post["n_soundings"],
                                                                     samples["test_ood"])
        # the stored states (a buffer of 2 n_steps / thin per chain) and the archive
        chain_states = post["n_chains"] * (2 * post["n_steps"] / post["thin"]
                                           + post["max_steps"] / 10)
        # the states and archive of one batch, and the draws kept of every sounding
        chains = _most_atypical(config, ("[posterior] max_steps", "[posterior] n_chains"))
        mem[chains] = min(n_post, POSTERIOR_BATCH) * chain_states * n_params * 8
        mem["[posterior] n_soundings"] = n_post * post["n_steps"] // (2 * post["thin"]) * (
            post["n_chains"] * (n_params + 1) * 8)

    # time: forward evaluations, multiply-adds of training, LM iterations, figures
    sec, blame = est.seconds, est.blame
    per_model = n_data * n_params * FORWARD_SECONDS
    sec["simulate"] = (n_tr + n_val + n_tests) * per_model
    blame["simulate"] = _most_atypical(config, ("[samples] train", "[samples] validation",
                                                "[samples] test_id", "[samples] test_ood"))
    epochs = getattr(trainer, "max_epochs", 1000) if trainer is not None else 1000
    per_epoch = 6.0 * (n_tr + n_val) * n_w
    if trainer is not None and type(trainer).__name__ == "LevenbergMarquardt":
        per_epoch += 2.0 * n_tr * n_params * n_w * n_w + n_w ** 3 / 3.0
    mode, batch = getattr(trainer, "mode", "batch"), getattr(trainer, "batch_size", n_tr)
    steps = {"online": n_tr, "minibatch": -(-n_tr // max(1, min(batch, n_tr)))}.get(mode, 1)
    sec["train"] = k * epochs * (per_epoch * FLOP_SECONDS + steps * STEP_SECONDS)
    budget = getattr(trainer, "max_seconds", None)
    if budget is not None:
        sec["train"] = min(sec["train"], k * float(budget))
    blame["train"] = _most_atypical(config, ("[samples] train", "[network] hidden",
                                             "[network] ensemble", "[training] max_epochs"),
                                    {"[training] max_epochs": epochs})
    # damped least squares: per start, max_iter iterations of (n_params + 1) evaluations
    starts = 1 + refine["n_restarts"]
    per_sounding = starts * refine["max_iter"] * (n_params + 1) * per_model
    per_batch = starts * refine["max_iter"] * CALL_SECONDS
    lm_fields = ("[refine] n_restarts", "[refine] max_iter")
    if refine["compare"]:
        sec["compare_methods"] = 2 * (n_tests * per_sounding + 2 * per_batch)
        blame["compare_methods"] = _most_atypical(
            config, lm_fields + ("[samples] test_id", "[samples] test_ood"))
    if ood["detect"] and "refined" in ood["components"]:
        sec["ood_detection"] = (n_val + n_tests) * per_sounding / starts + 3 * per_batch / starts
        blame["ood_detection"] = _most_atypical(config, lm_fields[1:] + ("[samples] validation",))
    if n_pos:
        sec["profile"] = n_pos * per_sounding + per_batch
        blame["profile"] = _most_atypical(config, lm_fields + ("[profile] n_positions",))
    if post is not None:       # every chain to max_steps: an upper bound
        sec["posterior"] = post["n_chains"] * post["max_steps"] * (
            n_post * per_model + -(-n_post // POSTERIOR_BATCH) * CALL_SECONDS)
        blame["posterior"] = _most_atypical(config, ("[posterior] n_soundings",
                                                     "[posterior] max_steps",
                                                     "[posterior] n_chains"))
    sec["report"] = 2 * config.get("report", {}).get("n_examples", 4) * FIGURE_SECONDS
    blame["report"] = "[report] n_examples"
    return est


def _value(config, where, override):
    if where in override:
        return override[where]
    section, key = where[1:].split("] ")
    return config.get(section, {}).get(key, _TYPICAL[where])


def _most_atypical(config, fields, override=None):
    """The field whose value is furthest above its typical value."""
    return max(fields, key=lambda f: _value(config, f, override or {}) / _TYPICAL[f])


def check_resources(config, n_data, n_params, trainer=None):
    """Refuse a resolved scenario whose counts, memory or time exceed the limits.

    Parameters
    ----------
    config : dict
        The resolved scenario (``Scenario.config``).
    n_data, n_params : int
        Data columns of the forward model and model parameters.
    trainer : geoinv.nn.training.Trainer, optional
        The scenario's trainer.

    Returns
    -------
    Estimate
        The estimate, for a scenario within the limits.

    Raises
    ------
    ResourceError
        One line naming the field: a count above its cap (:data:`LIMITS`),
        a peak memory above :func:`memory_limit` or a time above
        :func:`time_limit`.
    """
    net, samples = config.get("network", {}), config.get("samples", {})
    _cap(net.get("hidden"), "network", "hidden")
    _cap(net.get("ensemble"), "network", "ensemble", why="members")
    _cap(config.get("refine", {}).get("n_restarts"), "refine", "n_restarts")
    n_examples = config.get("report", {}).get("n_examples")
    _cap(n_examples, "report", "n_examples", why="reconstructions per split")
    for split in ("test_id", "test_ood"):
        if split in samples:
            _cap(n_examples, "report", "n_examples", samples[split],
                 why=f"(the [samples] {split} soundings)")
    if "train" in samples:
        _cap(config.get("ood", {}).get("k"), "ood", "k", samples["train"],
             why="(the [samples] train soundings)")

    est = estimate_resources(config, n_data, n_params, trainer)
    limit = memory_limit()
    if est.total_memory > limit:
        worst = max(est.memory, key=est.memory.get)
        raise ResourceError(
            f"{worst} = {_value(config, worst, {})}: a run would need about "
            f"{_gb(est.total_memory)} of memory ({n_data} data columns, {n_params} parameters), "
            f"more than the limit of {_gb(limit)}; lower it or set GEOINV_MAX_MEMORY_GB")
    limit = time_limit()
    if est.total_seconds > limit:
        stage = max(est.seconds, key=est.seconds.get)
        worst = est.blame[stage]
        value = _value(config, worst, {"[training] max_epochs": getattr(trainer, "max_epochs",
                                                                        1000)})
        raise ResourceError(
            f"{worst} = {value}: a run would take about {_hours(est.total_seconds)} "
            f"(mostly {stage.replace('_', ' ')}), more than the limit of {_hours(limit)}; "
            "lower it or set GEOINV_MAX_HOURS")
    return est


def _gb(n_bytes):
    return f"{n_bytes / 2 ** 30:.3g} GB"


def _hours(seconds):
    return f"{seconds / 3600:.3g} h"
