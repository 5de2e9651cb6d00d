"""The [posterior] section and the run stage that samples test soundings and calibrates."""

import tomllib

import numpy as np
import pandas as pd
import pytest

from geoinv.inversion.posterior import POSTERIOR_DEFAULTS
from geoinv.workflow.run import simulate_and_train
from geoinv.workflow.scenario import ScenarioError, dump_toml, parse_scenario

TINY = """
name = "tiny_post"
seed = 5
[forward]
kind = "ves"
n_layers = 3
ab2 = { start = 1.0, stop = 300.0, num = 12 }
[prior]
rho = { low = 10.0, high = 1000.0 }
h = { low = 2.0, high = 20.0 }
[samples]
train = 600
validation = 100
test_id = 12
test_ood = 12
[network]
hidden = 12
[training]
trainer = "adam"
learning_rate = 0.01
max_epochs = 15
[refine]
n_restarts = 1
max_iter = 15
[ood]
components = ["distance", "misfit"]
[report]
n_examples = 2
"""
POSTERIOR = """
[posterior]
n_soundings = 6
n_steps = 240
max_steps = 480
n_figures = 1
"""


def parse(text):
    return parse_scenario(tomllib.loads(text), name="s")


def test_section_defaults_follow_the_sampler_and_round_trip():
    s = parse(TINY + "[posterior]\n")
    post = s.posterior
    assert post.sampler_options == POSTERIOR_DEFAULTS
    assert (post.n_soundings, post.level, post.n_figures, post.seed) == (100, 0.9, 2, None)
    # the resolved scenario leaves the absent seed out and reads back the same
    again = parse_scenario(tomllib.loads(dump_toml(s.config)), name="s")
    assert again.posterior == post and "seed" not in s.config["posterior"]
    assert parse(TINY).posterior is None and "posterior" not in parse(TINY).config


@pytest.mark.parametrize("edit, message", [
    ("max_steps = 500", r"\[posterior\] max_steps must be a multiple of n_steps \(240\)"),
    ("n_chains = 1", r"\[posterior\] n_chains must be an integer >= 2; got 1"),
    ("seed = -1", r"\[posterior\] seed must be an integer >= 0; got -1"),
    ("level = 1.0", r"\[posterior\] level must be a number in \(0.0, 1.0\)"),
    ("chains = 4", r"\[posterior\]: unknown key 'chains'"),
])
def test_section_errors_name_the_field(edit, message):
    with pytest.raises(ScenarioError, match=message):
        parse(TINY + "[posterior]\nn_steps = 240\n" + edit + "\n")


@pytest.fixture(scope="module")
def runs():
    """The tiny scenario without and with [posterior] (one training each)."""
    return simulate_and_train(parse(TINY)), simulate_and_train(parse(TINY + POSTERIOR))


def test_posterior_leaves_every_other_number_unchanged(runs):
    # its draws come from a stream appended to the run's streams
    plain, post = runs
    before = plain.metrics
    after = post.metrics.iloc[:len(before)]
    pd.testing.assert_frame_equal(before, after)
    extra = post.metrics.iloc[len(before):]["metric"]
    assert extra.str.endswith(("@posterior", "@linearised")).all() and len(extra) > 0


def test_calibration_rows_agree_with_the_intervals_in_predictions(runs):
    _, result = runs
    m = result.metrics.set_index(["split", "quantity", "metric"])["value"]
    frame = result.predictions_frame
    names = result.scenario.space.names
    for split in ("test_id", "test_ood"):
        rows = frame[frame["split"] == split]
        first = rows.iloc[:6]               # the calibration soundings: the first n_soundings
        assert m[split, "all", "n_soundings@posterior"] == 6
        for name in names:
            low, med, high = (first[f"post_{name}_{k}"].to_numpy() for k in ("low_90", "median",
                                                                              "high_90"))
            assert (low <= med).all() and (med <= high).all()
            inside = (low <= first[f"true_{name}"]) & (first[f"true_{name}"] <= high)
            assert m[split, name, "coverage_90@posterior"] == pytest.approx(inside.mean())
            width = np.median(np.log10(high / low))      # every parameter is log-scaled here
            assert m[split, name, "median_width_90@posterior"] == pytest.approx(width)
        assert (first["post_S_2_low_90"] <= first["post_S_2_high_90"]).all()
        # reconstructions drawn were sampled too; the other soundings were not
        drawn = rows["post_rho_1_median"].notna().to_numpy()
        assert drawn[:6].all() and 6 <= drawn.sum() <= 8
        for method in ("posterior", "linearised"):
            for q in (*names, "S_1", "S_2", "T_1", "T_2"):
                assert 0.0 <= m[split, q, f"coverage_90@{method}"] <= 1.0
                assert m[split, q, f"median_width_90@{method}"] > 0


def test_posterior_figures_and_report(runs, tmp_path):
    from geoinv.workflow.run import write_outputs

    _, result = runs
    write_outputs(result, result.scenario, tmp_path)
    figures = sorted(p.name for p in (tmp_path / "figures").glob("posterior_*.png"))
    assert figures == ["posterior_test_id.png", "posterior_test_ood.png"]
    text = (tmp_path / "report.md").read_text()
    assert "## Posterior: are the 90 % intervals right?" in text
    assert "box widened by the OOD shell, 0.5 box widths" in text
    assert "| test_id | S_2 |" in text
    assert any(line.startswith("  posterior test_id") for line in result.summary)


def test_same_seed_same_posterior_and_own_seed_changes_only_the_posterior(runs):
    _, result = runs
    again = simulate_and_train(parse(TINY + POSTERIOR))
    pd.testing.assert_frame_equal(result.metrics, again.metrics)
    seeded = simulate_and_train(parse(TINY + POSTERIOR + "seed = 11\n"))
    rows = ~result.metrics["metric"].str.endswith(("@posterior", "@linearised"))
    pd.testing.assert_frame_equal(result.metrics[rows], seeded.metrics[rows])
    assert not result.metrics.equals(seeded.metrics)
