"""Resource bounds: absurd sizes are refused in one line, at once, naming the field."""

import time
import tomllib
from pathlib import Path

import numpy as np
import pytest

from geoinv import GaussianNoise, make_dataset
from geoinv.workflow.cli import main
from geoinv.workflow.resources import (LIMITS, ResourceError, check_document, check_resources,
                                       estimate_resources, memory_limit, time_limit)
from geoinv.workflow.scenario import ScenarioError, load_scenario, parse_scenario

SMALL = """
name = "small"
[forward]
kind = "ves"
n_layers = 2
ab2 = { start = 1.0, stop = 100.0, num = 10 }
[prior]
rho = { low = 10.0, high = 1000.0 }
h = { low = 1.0, high = 20.0 }
[samples]
train = 300
validation = 100
test_id = 50
test_ood = 50
[network]
hidden = 8
[refine]
n_restarts = 2
[training]
max_epochs = 15
[report]
n_examples = 2
[profile]
n_positions = 12
[profile.model]
rho = [50.0, 500.0]
h_1 = { start = 2.0, end = 15.0 }
"""

ABSURD = [
    ("train = 300", "train = 1000000000", "[samples] train = 1000000000"),
    ("test_ood = 50", "test_ood = 1000000000", "[samples] test_ood = 1000000000"),
    ("hidden = 8", "hidden = 10000000", "[network] hidden = 10000000"),
    ("n_layers = 2", "n_layers = 100000", "[forward] n_layers = 100000"),
    ("num = 10 }", "num = 100000000 }", "[forward] ab2.num"),
    ("hidden = 8", "hidden = 8\nensemble = 1000000", "[network] ensemble = 1000000"),
    ("n_restarts = 2", "n_restarts = 1000000", "[refine] n_restarts = 1000000"),
    ("n_positions = 12", "n_positions = 1000000000", "[profile] n_positions = 1000000000"),
    ("n_examples = 2", "n_examples = 1000", "[report] n_examples = 1000"),
    ("max_epochs = 15", "max_epochs = 1000000000000", "[training] max_epochs"),
    ("n_examples = 2", "n_examples = 2\n[posterior]\nmax_steps = 4000000000",
     "[posterior] max_steps = 4000000000"),
    ("n_examples = 2", "n_examples = 2\n[posterior]\nn_chains = 100000000",
     "[posterior] n_chains = 100000000"),
]


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


def test_small_scenario_is_within_every_limit(small):
    s = load_scenario(small)
    est = check_resources(s.config, s.forward.n_data, len(s.space.names), s.trainer())
    assert est.total_memory < 50 * 2 ** 20 and est.total_seconds < 600


@pytest.mark.parametrize("old, new, field", ABSURD, ids=[a[2].split(" =")[0] for a in ABSURD])
def test_absurd_sizes_exit_2_in_one_line_at_once(small, tmp_path, capsys, old, new, field):
    assert old in SMALL
    small.write_text(SMALL.replace(old, new))
    out = tmp_path / "out"
    main(["check", str(tmp_path / "missing.toml")])   # imports done before timing
    capsys.readouterr()
    for command in (["check", str(small)], ["run", str(small), "--out", str(out), "--quiet"]):
        t0 = time.perf_counter()
        code = main(command)
        seconds = time.perf_counter() - t0
        stdout, err = capsys.readouterr()
        lines = err.strip().splitlines()
        assert code == 2 and stdout == ""
        assert len(lines) == 1 and "Traceback" not in err, err
        assert lines[0].startswith(f"geoinv: error: {small}: {field}"), lines[0]
        assert seconds < 1.0, f"{command[0]} took {seconds:.2f} s"
    assert not out.exists() and not list(tmp_path.glob(".geoinv-*"))


def test_deeply_nested_toml_is_one_line(tmp_path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nested too deeply" in err and "Traceback" not in err


def test_every_shipped_scenario_is_within_the_default_limits():
    for path in sorted((Path(__file__).parents[2] / "scenarios").glob("*.toml")):
        s = load_scenario(path)   # runs check_resources; the estimates are upper bounds
        est = estimate_resources(s.config, s.forward.n_data, len(s.space.names), s.trainer())
        assert est.total_memory < 2 ** 30 and est.total_seconds < 3 * 3600, path.name


def test_memory_budget_from_the_environment(monkeypatch):
    doc = tomllib.loads(SMALL)
    s = parse_scenario(doc)
    est = estimate_resources(s.config, s.forward.n_data, len(s.space.names), s.trainer())
    worst = max(est.memory, key=est.memory.get)
    assert worst == "[samples] train"      # 300 samples x 33 values, copies, k-d tree
    monkeypatch.setenv("GEOINV_MAX_MEMORY_GB", str(est.total_memory / 2 / 2 ** 30))
    assert memory_limit() == est.total_memory // 2
    with pytest.raises(ScenarioError, match=r"^\[samples\] train = 300: a run would need about "
                                            r".* GB of memory \(10 data columns, 3 parameters\), "
                                            r"more than the limit of .* GB; lower it or set "
                                            "GEOINV_MAX_MEMORY_GB$"):
        parse_scenario(doc)
    monkeypatch.setenv("GEOINV_MAX_MEMORY_GB", "lots")
    with pytest.raises(ScenarioError, match="GEOINV_MAX_MEMORY_GB: expected a number of GB > 0, "
                                            "got 'lots'"):
        parse_scenario(doc)
    monkeypatch.setenv("GEOINV_MAX_MEMORY_GB", "64")
    assert memory_limit() == 64 * 2 ** 30
    parse_scenario(doc)


def test_time_budget_from_the_environment(small, monkeypatch):
    doc = tomllib.loads(SMALL.replace("max_epochs = 15", "max_epochs = 100000"))
    parse_scenario(doc)
    monkeypatch.setenv("GEOINV_MAX_HOURS", "0.01")
    assert time_limit() == 36.0
    with pytest.raises(ScenarioError, match=r"^\[training\] max_epochs = 100000: a run would "
                                            r"take about .* h \(mostly train\)"):
        parse_scenario(doc)


@pytest.mark.parametrize("edits, message", [
    ([("n_examples = 2", "n_examples = 60")], "[report] n_examples = 60: at most 50 "
                                                "reconstructions per split"),
    ([("n_examples = 2", "n_examples = 4"), ("test_id = 50", "test_id = 3")],
     "[report] n_examples = 4: at most 3 (the [samples] test_id soundings)"),
    ([("[samples]", "[ood]\nk = 400\n[samples]")],
     "[ood] k = 400: at most 300 (the [samples] train soundings)"),
])
def test_counts_bounded_by_caps_and_by_other_counts(edits, message):
    text = SMALL
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    with pytest.raises(ScenarioError) as err:
        parse_scenario(tomllib.loads(text))
    assert str(err.value) == message


def test_caps_are_checked_before_the_forward_model_is_built():
    # a survey of 10^8 spacings would allocate 0.8 GB in np.geomspace alone
    with pytest.raises(ResourceError, match=r"ab2.num: at most 100000 survey points"):
        check_document({"forward": {"kind": "ves", "ab2": {"start": 1, "stop": 2,
                                                           "num": 10 ** 8}}})
    with pytest.raises(ResourceError, match=r"x \(a list of 100001\)"):
        check_document({"forward": {"kind": "gravity", "x": [0.0] * 100_001}})
    check_document({"forward": {"kind": "ves", "n_layers": LIMITS[("forward", "n_layers")]}})
    check_document({"forward": "not a table"})   # left to the parser's own message


def test_memory_estimate_counts_the_datasets_and_the_network():
    from geoinv.forward import VES
    from geoinv.prior.model_space import ModelSpace, Parameter

    ves = VES(np.geomspace(1, 100, 10), 2)
    space = ModelSpace([Parameter(n, u, 1, 100) for n, u in
                        zip(ves.parameter_names, ves.parameter_units)])
    ds = make_dataset(ves, space, 400, GaussianNoise(0.02), rng=0)
    held = ds.models.nbytes + ds.data.nbytes + ds.clean.nbytes + ds.sigma.nbytes
    config = {"samples": {"train": 400, "validation": 1, "test_id": 1, "test_ood": 1},
              "network": {"hidden": 5}, "ood": {"detect": False}}
    est = estimate_resources(config, ves.n_data, len(space.names))
    # the dataset itself (400 x (3 + 3 x 10) x 8 bytes), its scaled copies and the k-d tree
    assert held == 400 * 33 * 8
    assert est.memory["[samples] train"] == held + 400 * (2 * 11 + 3) * 8 + 400 * 10 * 16
    # 5 x 11 + 3 x 6 = 73 weights, 6 copies; activations 3 x 6 units x 256 rows
    assert est.memory["[network] hidden"] == (6 * 73 + 3 * 6 * 256) * 8
    doubled = estimate_resources({**config, "samples": {**config["samples"], "train": 800}},
                                 ves.n_data, len(space.names))
    assert doubled.seconds["simulate"] == pytest.approx(
        est.seconds["simulate"] * 803 / 403)
