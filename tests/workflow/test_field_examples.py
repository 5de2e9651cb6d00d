"""The shipped field examples (scenarios/field_*.toml): they check, they run end to end,
and sond1-100's known model is recovered where its data resolve it.

The full scenarios train for 10-25 s each (benchmarks/bench_field.py times
them); here each runs with a few hundred samples and five epochs, which
checks the whole path (read the file, train for its geometry and errors,
invert, write) in a few seconds, not the quality of the network.
"""

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geoinv.forward import make_forward
from geoinv.inversion.field import resample
from geoinv.inversion.least_squares import damped_least_squares, weighted_jacobian
from geoinv.inversion.uncertainty import linearised_uncertainty
from geoinv.io import read_survey
from geoinv.workflow.cli import main
from geoinv.workflow.scenario import load_scenario

SCENARIOS = Path(__file__).parents[2] / "scenarios"
EXAMPLES = {            # scenario -> its data file, relative to scenarios/
    "field_sond1-100": "data/pygimli_sond1-100/sond1-100.ves",
    "field_mawlamyine": "data/gwb_myanmar/Mawlamyine_data_locations_3.csv",
    "field_example_ves": "data/pygimli_example_ves/example.ves",
    "field_coompana_mt": "data/espresso_coompana_mt/16-A_KN2_every3rd.csv",
}
CHEAP = ["samples.train=400", "samples.validation=100", "samples.test_id=50",
         "samples.test_ood=50", "training.max_epochs=5", "report.n_examples=0"]

# sond1-100's true model (pyGIMLi doc/tutorial/code/dc1d/README.TXT)
TRUE_SOND = np.array([100.0, 500.0, 20.0, 1000.0, 0.5, 3.5, 6.0])


def test_the_field_examples_are_the_shipped_field_scenarios():
    assert sorted(p.stem for p in SCENARIOS.glob("field_*.toml")) == sorted(EXAMPLES)
    for name, data in EXAMPLES.items():
        folder = (SCENARIOS / data).parent
        assert (SCENARIOS / data).is_file() and (folder / "SOURCE.txt").is_file(), name
        assert any(folder.glob("LICEN[CS]E*")), f"{folder.name}: no licence file"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_field_scenario_checks_with_geometry_and_errors_from_its_file(name, capsys):
    assert main(["check", str(SCENARIOS / f"{name}.toml")]) == 0
    resolved = tomllib.loads(capsys.readouterr().out)
    assert Path(resolved["forward"]["survey"]) == (SCENARIOS / EXAMPLES[name]).resolve()
    assert resolved["noise"] == {"from_survey": True}
    assert resolved["refine"]["compare"] is False
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    survey = read_survey(SCENARIOS / EXAMPLES[name])
    # trained on the file's own geometry: its data go into the network as measured
    data, sigma = resample(survey, scenario.forward)
    np.testing.assert_array_equal(data, survey.data_vector())
    np.testing.assert_array_equal(sigma, survey.sigma_vector())


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_field_example_inverts_end_to_end(name, tmp_path, capsys):
    data = SCENARIOS / EXAMPLES[name]
    out = tmp_path / "inv"
    argv = ["invert", str(data), "--scenario", str(SCENARIOS / f"{name}.toml"),
            "--out", str(out), "--quiet"]
    for setting in CHEAP:
        argv += ["--set", setting]
    code = main(argv + ["--posterior-steps", "200"])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    survey = read_survey(data)
    sid = survey.sounding_ids[0]
    # one summary line per sounding, after the written folder and the training summary
    lines = [line for line in stdout.splitlines() if line.startswith(f"  {sid}:")]
    assert len(lines) == survey.n_soundings == 1
    assert "network RMS" in lines[0] and "network -> LM RMS" in lines[0]
    for f in ("models.csv", "fit.csv", "report.md", "network.npz", "metrics.csv", "scenario.toml",
              f"figures/sounding_{sid}.png", f"figures/posterior_{sid}.png"):
        assert (out / f).is_file(), f
    models = pd.read_csv(out / "models.csv")
    assert list(models["sounding"]) == [sid]
    assert np.isfinite(models["network_lm_rms"]).all()
    # the refinement starts at the network's model and never ends above it
    assert (models["network_lm_rms"] <= models["network_rms"] + 1e-9).all()
    fit = pd.read_csv(out / "fit.csv")
    assert len(fit) == survey.data_vector().size
    np.testing.assert_allclose(fit["observed"], survey.data_vector(), rtol=1e-9)
    report = (out / "report.md").read_text()
    assert survey.error_source in report and "RMS in the error space" in report


def test_a_field_scenario_runs_as_a_synthetic_run(tmp_path, capsys):
    # geoinv run: the network's ID / OOD tests on the survey's geometry and errors
    argv = ["run", str(SCENARIOS / "field_coompana_mt.toml"), "--out", str(tmp_path / "run"),
            "--quiet"]
    for setting in CHEAP:
        argv += ["--set", setting]
    assert main(argv) == 0, capsys.readouterr().err
    report = (tmp_path / "run" / "report.md").read_text()
    assert "the survey's own errors, per datum" in report
    metrics = pd.read_csv(tmp_path / "run" / "metrics.csv")
    assert set(metrics["split"]) >= {"test_id", "test_ood"}


@pytest.fixture(scope="module")
def sond():
    """sond1-100 in its own geometry (finite stepped MN) with the scenario's prior box."""
    scenario = load_scenario(SCENARIOS / "field_sond1-100.toml")
    survey = read_survey(SCENARIOS / EXAMPLES["field_sond1-100"])
    forward = make_forward("ves", n_layers=4, **survey.forward_settings())
    return forward, scenario.space, survey.data_vector()[None], survey.sigma_vector()[None]


def conductance_std(forward, space, data, sigma, model):
    """Linearised std (decades) of log10 S_3 = log10(h_3 / rho_3) at ``model``.

    The parameters (..., log rho_3, ..., log h_3) are swapped for (...,
    log S_3, ..., log h_3): log rho_3 = log h_3 - log S_3, so the Jacobian's
    column of log S_3 is minus that of log rho_3 and that of log h_3 (at
    fixed S_3) is the sum of both.
    """
    J = weighted_jacobian(forward, space, data, sigma, model[None])[0]
    J = J / (space.scaled_high - space.scaled_low)           # per decade
    Jp = J.copy()
    Jp[:, 2], Jp[:, 6] = -J[:, 2], J[:, 6] + J[:, 2]
    return float(np.sqrt(np.linalg.inv(Jp.T @ Jp)[2, 2]))


def test_sond1_100_least_squares_recovers_what_the_data_resolve(sond):
    forward, space, data, sigma = sond
    # damped least squares from a start 20-50 % off the truth, to the least-squares minimum
    start = TRUE_SOND * np.array([1.3, 0.8, 1.5, 0.7, 1.2, 0.8, 1.3])
    lsq = damped_least_squares(forward, space, data, sigma, start[None], widen=0.5)
    model, rms = lsq.models[0], lsq.rms[0]
    # the file carries ~3 % noise, the default errors are 5 %: RMS ~0.6 (0.47 found)
    assert 0.3 < rms < 0.7
    std, corr = linearised_uncertainty(forward, space, data, sigma, lsq.models)
    std, corr = std[0], corr[0]
    off = np.abs(np.log10(model / TRUE_SOND))                 # decades from the truth
    # well resolved: the top resistivity (std 0.09 decades) and h_1, rho_2 (<= 0.19)
    # are found within 0.15 decades (40 %) of the truth and within 2 std of it
    for j in (0, 1, 4):
        assert std[j] < 0.2 and off[j] < 0.15 and off[j] < 2 * std[j], space.names[j]
    # the basement: resolved to a factor ~2.6 (std 0.42 decades), truth within 2 std
    assert std[3] < 0.5 and off[3] < 2 * std[3]
    # the thin conductive layer: rho_3 and h_3 are not resolved apart (std of
    # thousands of decades, perfectly correlated: only their ratio matters) ...
    assert std[2] > 10 and std[6] > 10 and corr[2, 6] > 0.999
    # ... but its conductance S_3 = h_3 / rho_3 is: 0.31 S against the true 6 / 20 = 0.3 S
    s3 = model[6] / model[2]
    s3_std = conductance_std(forward, space, data, sigma, model)
    assert s3_std < 0.1 and abs(np.log10(s3 / 0.3)) < min(0.05, 2 * s3_std)
    # and the depth to its top, h_1 + h_2, within 15 % of the true 4 m
    assert abs(model[4] + model[5] - 4.0) < 0.6


def test_sond1_100_least_squares_minimum_does_not_depend_on_the_start(sond):
    forward, space, data, sigma = sond
    starts = TRUE_SOND * np.array([[1.3, 0.8, 1.5, 0.7, 1.2, 0.8, 1.3],
                                   [0.8, 1.2, 0.7, 1.4, 0.8, 1.2, 0.8]])
    lsq = damped_least_squares(forward, space, np.repeat(data, 2, 0), np.repeat(sigma, 2, 0),
                               starts, widen=0.5)
    np.testing.assert_allclose(lsq.rms[0], lsq.rms[1], rtol=1e-3)
    resolved = [0, 1, 3, 4, 5]                                # all but rho_3, h_3
    np.testing.assert_allclose(lsq.models[0, resolved], lsq.models[1, resolved], rtol=0.02)
    s3 = lsq.models[:, 6] / lsq.models[:, 2]
    assert s3[0] == pytest.approx(s3[1], rel=0.02)
