"""geoinv invert and geoinv suggest: a field file to an interpreted model, end to end."""

import shutil
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geoinv.forward import VES
from geoinv.workflow.cli import main

DATA = Path(__file__).parents[1] / "data"
SOND = DATA / "pygimli_sond1-100" / "sond1-100.ves"

TINY = """
name = "tiny"
seed = 5
[forward]
kind = "ves"
n_layers = 2
ab2 = { start = 1.0, stop = 100.0, num = 10 }
[prior]
rho = { low = 10.0, high = 1000.0 }
h = { low = 1.0, high = 20.0 }
[samples]
train = 400
validation = 100
test_id = 50
test_ood = 50
[network]
hidden = 8
[training]
learning_rate = 0.5
max_epochs = 30
patience = 10
[refine]
compare = false
[report]
n_examples = 0
"""


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    folder = tmp_path_factory.mktemp("net")
    (folder / "tiny.toml").write_text(TINY)
    assert main(["run", str(folder / "tiny.toml"), "--out", str(folder / "run"), "--quiet"]) == 0
    return folder / "run" / "network.npz"


def write_survey(path, models, ab2, sigma=0.02, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for k, model in enumerate(models):
        rho_a = VES(ab2, 2).simulate([model])[0] * 10 ** (sigma * rng.standard_normal(len(ab2)))
        rows += [f"{float(a)!r},{float(r)!r},{sigma},L{k},{25.0 * k}" for a, r in zip(ab2, rho_a)]
    path.write_text("ab2,rho_a,log10_sigma,sounding,x\n" + "\n".join(rows) + "\n")
    return path


def test_invert_with_a_saved_network_writes_models_fit_report_figures(network, tmp_path, capsys):
    data = write_survey(tmp_path / "line.csv", [[30.0, 300.0, 5.0], [200.0, 20.0, 8.0],
                                                 [50.0, 50.0, 3.0]], np.geomspace(0.7, 150, 18))
    out = tmp_path / "inv"
    code, stdout, stderr = run(["invert", str(data), "--network", str(network), "--out", str(out),
                                "--posterior-steps", "100"], capsys)
    assert code == 0, stderr
    lines = stdout.strip().splitlines()
    assert lines[0].startswith(f"wrote {out}")
    assert [line.split(":")[0].strip() for line in lines[1:]] == ["L0", "L1", "L2"]
    models = pd.read_csv(out / "models.csv")
    assert list(models["sounding"]) == ["L0", "L1", "L2"]
    # the posterior: medians inside their 90 % intervals, in physical units (ohm.m, m)
    for name in ("rho_1", "rho_2", "h_1", "S_1", "T_1"):
        assert (models[f"{name}_low_90"] <= models[f"{name}_median"]).all(), name
        assert (models[f"{name}_median"] <= models[f"{name}_high_90"]).all(), name
    # the conductance interval and the thickness / resistivity intervals agree: S = h / rho,
    # so S_low >= h_low / rho_high and S_high <= h_high / rho_low (quantiles of a ratio)
    assert (models["S_1_low_90"] >= models["h_1_low_90"] / models["rho_1_high_90"]).all()
    assert (models["S_1_high_90"] <= models["h_1_high_90"] / models["rho_1_low_90"]).all()
    # an unconverged sounding says so on its terminal line
    for line, converged in zip(lines[1:], models["posterior_converged"]):
        assert ("posterior NOT converged" in line) == (not converged), line
    # 2 % noise in log10 (0.02 decades): the least-squares fit is at RMS about 1
    assert (models["network_lm_rms"] < 1.6).all()
    assert (models["network_lm_rms"] <= models["network_rms"] + 1e-9).all()
    fit = pd.read_csv(out / "fit.csv")
    assert len(fit) == 3 * 18 and {"observed", "sigma", "network", "network_lm"} <= set(fit.columns)
    report = (out / "report.md").read_text()
    assert "RMS in the error space" in report and "least-squares minimum" in report
    # the prior: the box rho 10-1000 ohm.m, h 1-20 m (log10), widened by 0.5 box widths
    assert "## Posterior" in report and "widened by 0.5 box widths" in report
    assert "| rho_1 | ohm.m | log10 | 10 to 1000 | 1 to 1e+04 |" in report
    assert "| h_1 | m | log10 | 1 to 20 | 0.2236 to 89.44 |" in report
    assert "Dar Zarrouk" in report and "Equivalence limits" in report
    assert ("Warning: not converged" in report) == (not models["posterior_converged"].all())
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert figures == ["posterior_L0.png", "posterior_L1.png", "posterior_L2.png", "section.png",
                       "sounding_L0.png", "sounding_L1.png", "sounding_L2.png"]
    assert "](figures/posterior_L1.png)" in report


def test_no_posterior_is_the_fast_path(network, tmp_path, capsys):
    data = write_survey(tmp_path / "line.csv", [[30.0, 300.0, 5.0]], np.geomspace(0.7, 150, 18))
    out = tmp_path / "inv"
    code, stdout, stderr = run(["invert", str(data), "--network", str(network), "--out", str(out),
                                "--no-posterior"], capsys)
    assert code == 0, stderr
    models = pd.read_csv(out / "models.csv")
    assert not [c for c in models.columns if c.endswith(("_median", "_90")) or "equiv" in c]
    assert "posterior_converged" not in models.columns and "posterior NOT" not in stdout
    assert "## Posterior" not in (out / "report.md").read_text()
    assert not list((out / "figures").glob("posterior_*.png"))
    code, _, err = run(["invert", str(data), "--network", str(network), "--out",
                        str(tmp_path / "b"), "--posterior-steps", "0"], capsys)
    assert code == 2 and err.count("\n") == 1 and "--posterior-steps must be >= 1" in err


def test_invert_trains_for_the_survey_with_a_scenario(tmp_path, capsys):
    shutil.copy(SOND, tmp_path / "sond.ves")
    (tmp_path / "s.toml").write_text(TINY.replace("n_layers = 2", "n_layers = 4"))
    out = tmp_path / "inv"
    code, stdout, stderr = run(["invert", str(tmp_path / "sond.ves"), "--scenario",
                                str(tmp_path / "s.toml"), "--out", str(out), "--quiet",
                                "--posterior-steps", "200"], capsys)
    assert code == 0, stderr
    resolved = tomllib.loads((out / "scenario.toml").read_text())
    # the geometry came from the data file, not from the scenario's ab2
    assert resolved["forward"]["survey"].endswith("sond.ves") and "ab2" not in resolved["forward"]
    assert (out / "network.npz").exists() and (out / "metrics.csv").exists()
    models = pd.read_csv(out / "models.csv")
    assert len(models) == 1 and np.isfinite(models["network_lm_rms"]).all()


def test_uncovered_or_bad_files_exit_2_with_one_line(network, tmp_path, capsys):
    short = write_survey(tmp_path / "short.csv", [[30.0, 300.0, 5.0]], np.geomspace(5, 50, 8))
    code, _, err = run(["invert", str(short), "--network", str(network), "--out",
                        str(tmp_path / "a")], capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "the network's AB/2 1, 1.668" in err and "lie outside the sounding's 5 to 50 m" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("ab2,rho_a\n1,10\n2,abc\n")
    code, _, err = run(["invert", str(bad), "--network", str(network)], capsys)
    assert code == 2 and err.count("\n") == 1 and "line 3" in err and "rho_a" in err
    assert not (tmp_path / "a").exists()


def test_suggest_prints_a_scenario_that_checks(tmp_path, capsys):
    shutil.copy(SOND, tmp_path / "sond.ves")
    code, text, _ = run(["suggest", str(tmp_path / "sond.ves"), "--layers", "4"], capsys)
    assert code == 0
    doc = tomllib.loads(text)
    # the true sond1-100 model (rho 100/500/20/1000, h 0.5/3.5/6) lies in the suggested box
    assert doc["prior"]["rho"]["low"] <= 20 and doc["prior"]["rho"]["high"] >= 1000
    assert doc["prior"]["h"]["low"] <= 0.5 and doc["prior"]["h"]["high"] >= 6
    (tmp_path / "suggested.toml").write_text(text.replace(str(tmp_path / "sond.ves"), "sond.ves"))
    assert main(["check", str(tmp_path / "suggested.toml")]) == 0


def test_a_scenarios_posterior_section_sets_the_chains_and_their_seed(tmp_path):
    from geoinv.workflow.invert import invert_file

    shutil.copy(SOND, tmp_path / "sond.ves")
    section = "[posterior]\nn_steps = 120\nmax_steps = 240\nn_chains = 3\nthin = 4\nseed = {}\n"
    results = []
    for seed in (3, 3, 4):
        path = tmp_path / f"s{seed}.toml"
        path.write_text(TINY.replace("n_layers = 2", "n_layers = 4") + section.format(seed))
        result, _ = invert_file(tmp_path / "sond.ves", scenario=path)
        results.append(result.posterior)
    post = results[0]
    # 3 chains, 120 steps per round: (3 chains x 120 / (2 x thin 4)) = 45 draws, <= 240 steps
    assert post.n_chains == 3 and post.samples.shape[1] == 45
    assert post.steps[0] in (120, 240)
    np.testing.assert_array_equal(post.samples, results[1].samples)      # same seed
    assert not np.array_equal(post.samples, results[2].samples)          # its own seed
