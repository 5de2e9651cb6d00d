"""Scenario files: defaults, groups, the resolved copy and the errors."""

import tomllib

import numpy as np
import pytest

from geoinv.workflow.scenario import ScenarioError, dump_toml, load_scenario, parse_scenario

BASE = """
seed = 3
[forward]
kind = "ves"
n_layers = 3
ab2 = { start = 1.0, stop = 100.0, num = 12 }
[prior]
rho = { low = 1.0, high = 1000.0 }
h_1 = { low = 1.0, high = 10.0, scale = "log" }
h_2 = { low = 2.0, high = 20.0, scale = "linear" }
"""


def parse(text, name="s"):
    return parse_scenario(tomllib.loads(text), name=name)


def test_defaults_groups_and_grid():
    s = parse(BASE)
    assert s.name == "s" and s.seed == 3
    np.testing.assert_allclose(s.forward.ab2, np.geomspace(1, 100, 12))
    assert s.space.names == ["rho_1", "rho_2", "rho_3", "h_1", "h_2"]
    np.testing.assert_array_equal(s.space.low, [1, 1, 1, 1, 2])
    np.testing.assert_array_equal(s.space.log, [True, True, True, True, False])
    assert s.config["noise"] == {"relative": 0.02, "absolute": 0.0}
    assert s.config["samples"]["train"] == 8000
    assert s.config["network"]["hidden_activation"] == "logsig"
    np.testing.assert_array_equal(s.noise.relative, np.full(12, 0.02))


def test_typed_sections_hold_the_checked_values():
    s = parse(BASE + '[samples]\ntrain = 300\n[refine]\nn_restarts = 2\n[training]\n'
                     'trainer = "adam"\nbatch_size = 16\n')
    assert (s.samples.train, s.samples.validation, s.samples.method) == (300, 1000, "uniform")
    assert (s.network.hidden, s.network.ensemble, s.network.dtype) == (40, 1, "float64")
    assert (s.ood.shell, s.ood.detect, s.ood.k) == (0.5, True, 5)
    assert s.refine.lm_options == {"widen": 0.5, "n_restarts": 2, "max_iter": 50}
    assert (s.training.trainer, s.training.options) == ("adam", {"batch_size": 16})
    assert s.trainer().batch_size == 16 and s.report.n_examples == 4
    assert s.profile is None and s.injected_noise is None
    # the typed sections and the resolved dict say the same
    assert s.config["samples"] == {"train": 300, "validation": 1000, "test_id": 1000,
                                   "test_ood": 1000, "method": "uniform"}


@pytest.mark.parametrize("edit, message", [
    ("[samples]\ntrain = true", r"\[samples\] train must be an integer >= 1; got True"),
    ("[network]\nhidden = false", r"\[network\] hidden must be an integer >= 1; got False"),
    ("[ood]\nalpha = true", r"\[ood\] alpha must be a number in \(0.0, 1.0\); got True"),
    ("[refine]\nwiden = inf", r"\[refine\] widen must be a number >= 0.0; got inf"),
    ("[ood]\ncomponents = []", r"\[ood\] components must be a list of distinct names"),
    ('[ood]\ncomponents = ["misfit", "misfit"]', r"\[ood\] components must be a list"),
])
def test_booleans_and_infinities_are_not_numbers(edit, message):
    with pytest.raises(ScenarioError, match=message):
        parse(BASE + "\n" + edit)


def test_resolved_scenario_round_trips_through_toml():
    s = parse(BASE)
    again = parse(dump_toml(s.config))
    assert again.config == s.config


def test_every_shipped_scenario_loads():
    from pathlib import Path

    files = sorted((Path(__file__).parents[2] / "scenarios").glob("*.toml"))
    assert files, "no shipped scenarios"
    for f in files:
        s = load_scenario(f)
        assert s.name == f.stem


@pytest.mark.parametrize("edit, message", [
    ("seed = 3\ncolour = 1", "unknown key 'colour'"),
    ('[samples]\ntrain = "many"', r"\[samples\] train must be an integer >= 1; got 'many'"),
    ("[samples]\ntest_ood = -5", r"\[samples\] test_ood must be an integer >= 1; got -5"),
    ("[samples]\nbatch = 5", r"\[samples\]: unknown key 'batch'"),
    ("[noise]\nrelative = -0.1", r"\[noise\] relative must be a number >= 0.0; got -0.1"),
    ("[ood]\nshell = 0", r"\[ood\] shell must be a number > 0.0; got 0"),
    ("[network]\nhidden = 2.5", r"\[network\] hidden must be an integer >= 1; got 2.5"),
    ('[network]\nhidden_activation = "relu"', r"\[network\] hidden_activation must be one of logsig, tansig; got 'relu'"),
    ('[training]\ntrainer = "sgd9"', r"\[training\] trainer must be one of .*; got 'sgd9'"),
    ("[training]\nlerning_rate = 0.1", r"\[training\].*lerning_rate"),
    ('[training]\ntrainer = "lm"\nmu_dec = 2', r"\[training\] mu_dec must be a number in \(0.0"),
    ('[training]\ntrainer = "adam"\nbeta2 = 1.5', r"\[training\] beta2 must be a number"),
    ('[training]\ntrainer = "lbfgs"\nresample_noise = true',
     r"\[training\] resample_noise: trainer 'lbfgs' cannot train on inputs redrawn"),
    ("[training]\nresample_noise = 1", r"\[training\] resample_noise must be True or False; got 1"),
    ("[network]\nensemble = 0", r"\[network\] ensemble must be an integer >= 1; got 0"),
    ('[network]\ndtype = "float16"', r"\[network\] dtype must be one of float64, float32; got 'float16'"),
])
def test_bad_fields_are_named(edit, message):
    text = BASE.replace("seed = 3", edit) if edit.startswith("seed") else BASE + "\n" + edit
    with pytest.raises(ScenarioError, match=message):
        parse(text)


@pytest.mark.parametrize("old, new, message", [
    ('kind = "ves"', 'kind = "gpr"', r"\[forward\] kind must be one of .*; got 'gpr'"),
    ("n_layers = 3", "n_layers = 3\nspacing = 2", r"\[forward\] unknown key 'spacing' for kind 'ves'"),
    ("rho = { low = 1.0, high = 1000.0 }", "rho = { low = 1000.0, high = 1.0 }",
     r"\[prior\] rho: low \(1000\) must be < high \(1\)"),
    ("rho = { low = 1.0, high = 1000.0 }", "rho = { low = 1.0, high = 1000.0, scal = 1 }",
     r"\[prior\] rho: unknown key 'scal'"),
    ("h_1 = { low = 1.0, high = 10.0, scale = \"log\" }", "", r"\[prior\] h_1: missing"),
    ("h_2 = { low = 2.0, high = 20.0, scale = \"linear\" }",
     "h_2 = { low = -2.0, high = 20.0, scale = \"linear\" }", r"h_2 must be > 0"),
    ("ab2 = { start = 1.0, stop = 100.0, num = 12 }", "ab2 = { start = 1.0, stop = 100.0 }",
     r"\[forward\] ab2: missing key 'num'"),
])
def test_bad_forward_and_prior_are_named(old, new, message):
    assert old in BASE
    with pytest.raises(ScenarioError, match=message):
        parse(BASE.replace(old, new))


def test_file_errors_name_the_file(tmp_path):
    with pytest.raises(ScenarioError, match="nope.toml: scenario file not found"):
        load_scenario(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("seed = = 1")
    with pytest.raises(ScenarioError, match="bad.toml: invalid TOML"):
        load_scenario(bad)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(BASE.replace("seed = 3", "seed = -1"))
    with pytest.raises(ScenarioError, match="wrong.toml: seed must be an integer >= 0; got -1"):
        load_scenario(wrong)


def test_noise_per_data_group():
    s = parse(BASE + "\n[noise]\nrelative = 0.02\n[noise.rho_a]\nrelative = 0.05\nabsolute = 0.1\n")
    np.testing.assert_array_equal(s.noise.relative, np.full(12, 0.05))
    np.testing.assert_array_equal(s.noise.absolute, np.full(12, 0.1))
    assert s.config["noise"] == {"relative": 0.02, "absolute": 0.0,
                                 "rho_a": {"relative": 0.05, "absolute": 0.1}}
    assert parse(dump_toml(s.config)).config == s.config
    with pytest.raises(ScenarioError, match=r"\[noise\]: unknown key 'phase'"):
        parse(BASE + "\n[noise.phase]\nabsolute = 1.0\n")


def test_network_and_training_defaults_for_the_new_options():
    s = parse(BASE)
    assert s.config["network"]["ensemble"] == 1 and s.config["network"]["dtype"] == "float64"
    assert s.config["training"] == {"trainer": "gd", "resample_noise": False}
    assert s.injected_noise is None
    s = parse(BASE + '\n[training]\ntrainer = "adam"\nlearning_rate = 0.003\nweight_decay = 1e-5'
              '\nresample_noise = true\n')
    trainer = s.trainer()
    assert (type(trainer).__name__, trainer.learning_rate, trainer.weight_decay) == \
        ("Adam", 0.003, 1e-5)
    assert s.injected_noise is s.noise
    assert parse(dump_toml(s.config)).config == s.config


@pytest.mark.parametrize("edit, message", [
    ("[noise]\nrelative = 0.0", r"\[noise\] relative and absolute are both 0 for rho_a"),
])
def test_zero_noise_is_refused_before_any_work(edit, message):
    with pytest.raises(ScenarioError, match=message):
        parse(BASE + "\n" + edit)


def test_a_body_must_be_named_and_profile_values_must_be_numbers():
    gravity = """
[forward]
kind = "gravity"
x = { start = -100.0, stop = 100.0, num = 21, spacing = "linear" }
[prior]
x0 = { low = -10.0, high = 10.0, scale = "linear" }
depth = { low = 20.0, high = 60.0 }
radius = { low = 5.0, high = 15.0 }
drho = { low = 100.0, high = 800.0, scale = "linear" }
"""
    with pytest.raises(ScenarioError, match=r'\[forward\] body: missing; gravity models need one'):
        parse(gravity)
    profile = BASE + """
[profile]
n_positions = 10
[profile.model]
rho = [200.0, true, 500.0]
h_1 = 3.0
h_2 = 5.0
"""
    with pytest.raises(ScenarioError, match=r"profile rho\[1\]: expected a number .*got True"):
        parse(profile)
