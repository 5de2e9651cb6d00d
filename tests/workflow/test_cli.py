"""The geoinv command end to end, in-process through main(argv)."""

import json

import numpy as np
import pandas as pd
import pytest

import geoinv
from geoinv.workflow.cli import main

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
train = 300
validation = 100
test_id = 50
test_ood = 50
[network]
hidden = 8
[training]
batch_size = 32
learning_rate = 0.5
max_epochs = 15
patience = 5
[report]
n_examples = 2
"""


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_run_writes_the_documented_outputs(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, _ = run(["run", str(tiny), "--out", str(out), "--quiet"], capsys)
    assert code == 0
    metrics = pd.read_csv(out / "metrics.csv")
    assert list(metrics.columns) == ["split", "quantity", "metric", "value"]
    # test_id and test_ood as the design fixes; validation holds the OOD threshold
    assert set(metrics["split"]) == {"test_id", "test_ood", "validation"}
    value = metrics.set_index(["split", "quantity", "metric"])["value"]
    assert 0.0 <= value["test_ood", "ood", "roc_auc_vs_test_id"] <= 1.0
    assert 0.0 <= value["test_id", "ood", "fraction_flagged"] <= 1.0
    for method in ("network", "lm", "network_lm"):
        assert ("test_id", "data", f"fraction_rms_le_1.2@{method}") in value.index
    # network -> LM starts from the network's answer, so it fits at least as
    # many soundings as the network alone (LM only accepts improving steps)
    assert (value["test_id", "data", "fraction_rms_le_1.2@network_lm"]
            >= value["test_id", "data", "fraction_rms_le_1.2@network"])
    for q in ("rho_1", "rho_2", "h_1"):
        assert {"median_rel_err", "rmse_log10"} <= set(metrics.loc[metrics.quantity == q, "metric"])
    assert {"median_rms_misfit", "median_rel_misfit"} <= set(
        metrics.loc[metrics.quantity == "data", "metric"])
    assert not metrics["metric"].str.contains("coverage").any()   # a single network
    history = pd.read_csv(out / "history.csv")
    assert list(history.columns[:3]) == ["epoch", "train_loss", "val_loss"]
    assert "member" not in history.columns
    assert 1 <= len(history) <= 15
    inv = geoinv.load(out / "network.npz")
    pred = pd.read_csv(out / "predictions.csv")
    assert set(pred["split"]) == {"test_id", "test_ood"}
    resolved = geoinv.load_scenario(out / "scenario.toml")
    assert resolved.config["name"] == "tiny" and resolved.config["seed"] == 5
    assert resolved.config["samples"]["method"] == "uniform"  # defaults are filled in
    assert inv.scenario == resolved.config
    versions = json.loads((out / "versions.json").read_text())
    assert versions["numpy"] == np.__version__
    figures = {p.name for p in (out / "figures").glob("*.png")}
    assert {"loss.png", "predicted_vs_true.png", "reconstructions_test_id.png",
            "reconstructions_test_ood.png", "metrics_summary.png", "misfit.png"} <= figures
    assert "median relative parameter error" in stdout
    assert "Parameters: median relative error" in (out / "report.md").read_text()
    assert not list(tmp_path.glob(".out.*")), "temporary folder left behind"


def test_same_scenario_and_seed_give_identical_metrics(tiny, tmp_path, capsys):
    for name in ("a", "b"):
        assert run(["run", str(tiny), "--out", str(tmp_path / name), "--quiet"], capsys)[0] == 0
    assert (tmp_path / "a/metrics.csv").read_bytes() == (tmp_path / "b/metrics.csv").read_bytes()
    # and a second run into the same folder replaces the first one
    assert run(["run", str(tiny), "--out", str(tmp_path / "a"), "--quiet"], capsys)[0] == 0
    assert (tmp_path / "a/metrics.csv").read_bytes() == (tmp_path / "b/metrics.csv").read_bytes()


def test_check_prints_the_resolved_scenario(tiny, capsys):
    code, out, _ = run(["check", str(tiny)], capsys)
    assert code == 0
    assert 'name = "tiny"' in out and "[samples]" in out and "method = \"uniform\"" in out


@pytest.mark.parametrize("old, new, message", [
    ("seed = 5", "seed = 5\nfoo = 1", "unknown key 'foo'"),
    ("hidden = 8", 'hidden = "eight"', "[network] hidden must be an integer >= 1; got 'eight'"),
    ("rho = { low = 10.0, high = 1000.0 }", "rho = { low = 10.0, high = 10.0 }",
     "[prior] rho: low (10) must be < high (10)"),
    ("train = 300", "train = -3", "[samples] train must be an integer >= 1; got -3"),
    ('kind = "ves"', 'kind = "magic"', "[forward] kind must be one of"),
    ("max_epochs = 15", "max_epochs = 0", "max_epochs"),
])
def test_bad_scenarios_exit_2_with_one_line(tiny, tmp_path, capsys, old, new, message):
    assert old in TINY
    tiny.write_text(TINY.replace(old, new))
    out = tmp_path / "out"
    code, stdout, stderr = run(["run", str(tiny), "--out", str(out)], capsys)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("geoinv: error: ")
    assert str(tiny) in lines[0] and message in lines[0]
    assert "Traceback" not in stderr
    assert not out.exists()
    assert not list(tmp_path.glob(".out*"))


def test_missing_file_and_unwritable_output(tiny, tmp_path, capsys):
    code, _, err = run(["run", str(tmp_path / "missing.toml")], capsys)
    assert code == 2 and "missing.toml: scenario file not found" in err
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = run(["run", str(tiny), "--out", str(blocker / "out"), "--quiet"], capsys)
    assert code == 2 and err.count("\n") == 1 and "cannot write the output folder" in err
    assert blocker.read_text() == "not a folder"


def test_foreign_folder_is_never_overwritten(tiny, tmp_path, capsys):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.tex").write_text("precious")
    code, _, err = run(["run", str(tiny), "--out", str(out), "--quiet"], capsys)
    assert code == 2 and "not empty" in err
    assert (out / "chapter1.tex").read_text() == "precious"
    assert sorted(p.name for p in out.iterdir()) == ["chapter1.tex"]


def test_usage_error_is_one_line_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_ensemble_run_reports_coverage_and_saves_the_ensemble(tiny, tmp_path, capsys):
    from geoinv import NetworkInversion

    text = TINY.replace("hidden = 8", 'hidden = 8\nensemble = 3\ndtype = "float32"').replace(
        "batch_size = 32", 'trainer = "adam"\nresample_noise = true\nbatch_size = 32').replace(
        "learning_rate = 0.5", "learning_rate = 0.01")
    tiny.write_text(text)
    out = tmp_path / "out"
    assert run(["run", str(tiny), "--out", str(out), "--quiet"], capsys)[0] == 0
    metrics = pd.read_csv(out / "metrics.csv")
    cov = metrics[metrics["metric"] == "coverage_2sigma"]
    assert set(cov["split"]) == {"test_id", "test_ood"} and len(cov) == 2 * 3
    assert cov["value"].between(0, 1).all()
    history = pd.read_csv(out / "history.csv")
    assert list(history.columns) == ["epoch", "train_loss", "val_loss", "seconds", "member"]
    assert sorted(history["member"].unique()) == [1, 2, 3]
    inv = geoinv.load(out / "network.npz")
    assert isinstance(inv, NetworkInversion) and inv.n_members == 3
    assert inv.networks[0].dtype == np.float32
    pred = pd.read_csv(out / "predictions.csv")
    assert {"std_rho_1", "std_rho_2", "std_h_1"} <= set(pred.columns)
    assert (pred[["std_rho_1", "std_rho_2", "std_h_1"]] > 0).all().all()
    resolved = geoinv.load_scenario(out / "scenario.toml")
    assert resolved.config["network"]["ensemble"] == 3
    assert resolved.config["training"]["resample_noise"] is True
    report = (out / "report.md").read_text()
    assert "coverage of the +/- 2 sigma band" in report and "member 3:" in report



def test_profile_scenario_writes_sections_and_profile_csv(tiny, tmp_path, capsys):
    tiny.write_text(TINY + """
[refine]
n_restarts = 2
[profile]
n_positions = 12
length = 110.0
[profile.model]
rho = [50.0, 500.0]
h_1 = { start = 2.0, end = 15.0 }
""")
    out = tmp_path / "out"
    assert run(["run", str(tiny), "--out", str(out), "--quiet"], capsys)[0] == 0
    profile = pd.read_csv(out / "profile.csv")
    assert len(profile) == 12
    np.testing.assert_allclose(profile["x"], np.linspace(0, 110, 12))
    # the true h_1 goes geometrically (log parameter) from 2 to 15 m; the CSV
    # keeps 10 significant digits, hence rtol 1e-9
    np.testing.assert_allclose(profile["true_h_1"], np.geomspace(2, 15, 12), rtol=1e-9)
    assert {"network_rho_1", "network_lm_rho_1", "rms_misfit_network_lm"} <= set(profile.columns)
    assert (out / "figures" / "profile_sections.png").exists()
    metrics = pd.read_csv(out / "metrics.csv")
    assert "profile" in set(metrics["split"])


def test_saved_network_keeps_its_ood_detector(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(["run", str(tiny), "--out", str(out), "--quiet"], capsys)[0] == 0
    inv = geoinv.load(out / "network.npz")
    pred = pd.read_csv(out / "predictions.csv")
    ds = geoinv.make_dataset(inv.forward, inv.space, 20, geoinv.GaussianNoise(0.02), rng=1)
    models, flags, scores = inv.predict(ds.data, return_ood=True, sigma=ds.sigma)
    np.testing.assert_array_equal(models, inv.predict(ds.data))
    # the reloaded detector gives the scores the run wrote for its own test set
    assert inv.ood_detector is not None and flags.dtype == bool and scores.shape == (20,)
    assert {"ood_score", "ood_flag", "refined_rms_misfit"} <= set(pred.columns)
    with pytest.raises(ValueError, match="sigma is needed"):
        inv.predict(ds.data, return_ood=True)


def test_version_help_and_module_entry_point(capsys):
    import subprocess
    import sys

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"geoinv {geoinv.__version__}"
    assert main([]) == 0 and "usage: geoinv" in capsys.readouterr().out   # bare: help
    done = subprocess.run([sys.executable, "-m", "geoinv", "--version"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == f"geoinv {geoinv.__version__}"


def test_list_names_every_scenario_once(tmp_path, capsys):
    (tmp_path / "a.toml").write_text(TINY.replace('name = "tiny"', 'description = "first"'))
    (tmp_path / "b.toml").write_text("not toml [")
    assert main(["list", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[:3] == ["a", "ves", "first"] and lines[1].startswith("b ")
    assert main(["list", str(tmp_path / "none")]) == 2


def test_set_overrides_reach_the_resolved_scenario(tiny, capsys):
    code = main(["check", str(tiny), "--set", "samples.train=120", "--set", "seed=9",
                 "--set", "samples.method=lhs", "--set", "noise.relative=0.05"])
    out = capsys.readouterr().out
    assert code == 0
    resolved = geoinv.workflow.scenario.parse_scenario(__import__("tomllib").loads(out))
    assert (resolved.samples.train, resolved.seed, resolved.samples.method) == (120, 9, "lhs")
    assert resolved.config["noise"]["relative"] == 0.05
    # a bad override, or a bad value through an override, is one line and exit 2
    assert main(["check", str(tiny), "--set", "samples.train"]) == 2
    assert main(["check", str(tiny), "--set", "samples.train=0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "[samples] train must be an integer >= 1; got 0" in err[1]


def test_diverging_training_exits_2_naming_the_learning_rate(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = run(["run", str(tiny), "--out", str(out), "--quiet",
                        "--set", "training.learning_rate=50.0"], capsys)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err
    assert "[training] training" in lines[0] and "lower learning_rate" in lines[0]
    assert not out.exists() and not list(tmp_path.glob(".out*"))


def test_training_cut_short_while_improving_is_said(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, _ = run(["run", str(tiny), "--out", str(out), "--quiet",
                           "--set", "training.max_epochs=3"], capsys)
    assert code == 0
    assert "warning: training stopped at max_epochs (epoch 3) while the loss was still " \
           "improving" in stdout
    assert "**warning:** training stopped at max_epochs" in (out / "report.md").read_text()


def test_threads_of_the_forward_models(tiny, tmp_path, capsys, monkeypatch):
    import geoinv.forward.mt as mt
    import geoinv.forward.ves as ves

    monkeypatch.setattr(ves, "THREADS", ves.THREADS)
    monkeypatch.setattr(mt, "THREADS", mt.THREADS)
    code = main(["run", str(tiny), "--out", str(tmp_path / "a"), "--quiet", "--threads", "1",
                 "--set", "training.max_epochs=2"])
    assert code == 0 and ves.THREADS == 1 and mt.THREADS == 1
    assert main(["run", str(tiny), "--out", str(tmp_path / "b"), "--threads", "0"]) == 2
    monkeypatch.setenv("GEOINV_THREADS", "two")
    assert main(["run", str(tiny), "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "--threads (GEOINV_THREADS) must be an integer >= 1; got 0" in err[-2]
    assert "GEOINV_THREADS must be an integer >= 1; got 'two'" in err[-1]
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()
