"""The figures a run writes (geoinv.workflow.report's figure specs), drawn and checked.

A stage returns ``{file name: ((width, height), draw(fig))}``; a later stage
returning the same name replaces the figure: the reconstructions drawn after
the method comparison show the network -> LM models too.
"""

from types import SimpleNamespace

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from figure_checks import close_figures, texts  # noqa: F401  (autouse fixture)
from geoinv.evaluation.compare import Comparison, MethodResult
from geoinv.forward import VES
from geoinv.prior.dataset import Dataset
from geoinv.prior.model_space import ModelSpace, Parameter
from geoinv.workflow import report

VES_3 = VES(np.geomspace(1.0, 300.0, 14), 3)
SPACE = ModelSpace([Parameter(n, u, 1.0, 1000.0 if u == "ohm.m" else 50.0)
                    for n, u in zip(VES_3.parameter_names, VES_3.parameter_units)])
SPLITS = ("test_id", "test_ood")


def _setup(n=6, seed=0):
    rng = np.random.default_rng(seed)
    datasets, predictions, misfits, refined = {}, {}, {}, {}
    for split in SPLITS:
        models = 10 ** rng.uniform(np.log10(SPACE.low), np.log10(SPACE.high), (n, 5))
        data = VES_3.simulate(models)
        datasets[split] = Dataset(models, data, data, 0.02 * data)
        predictions[split] = models * 1.3
        misfits[split] = np.linspace(0.5, 8.0, n)
        misfits[split][-1] = np.nan                              # an unphysical prediction
        refined[split] = MethodResult(models * 1.01, np.full(n, 0.9), np.ones(n, int), 0.1)
    scenario = SimpleNamespace(forward=VES_3, space=SPACE, report=SimpleNamespace(n_examples=3))
    return scenario, datasets, predictions, misfits, refined


def _draw(spec):
    size, draw = spec
    fig = Figure(figsize=size)
    draw(fig)
    return fig


def test_network_then_comparison_reconstructions_replace_each_other(tmp_path):
    scenario, datasets, predictions, misfits, refined = _setup()
    metrics = pd.DataFrame({"split": ["test_id"] * 5, "quantity": SPACE.names,
                            "metric": "median_rel_err", "value": np.linspace(0.1, 0.5, 5)})
    first = report.network_figures(scenario, datasets, predictions, {}, {}, misfits, metrics)
    comparisons = {s: Comparison(s, pd.DataFrame(), pd.DataFrame(), {
        "network": MethodResult(predictions[s], misfits[s], np.zeros(6, int), 0.0),
        "network_lm": refined[s]}) for s in SPLITS}
    later = report.comparison_figures(comparisons, scenario, datasets, {})
    names = {"reconstructions_test_id.png", "reconstructions_test_ood.png"}
    assert names <= set(first) & set(later)
    fig = _draw(later["reconstructions_test_id.png"])
    for sub in fig.subfigs:
        ax_model = sub.axes[0]
        assert [ln.get_label() for ln in ax_model.lines][-2:] == ["network", "network -> LM"]
    titles = [sub.get_suptitle() for sub in fig.subfigs]
    assert titles[-1].endswith("RMS misfit unphysical (network), 0.90 (network -> LM)")
    assert not any("nan" in t.lower() for t in texts(fig))
    # the whole run's figures are written and readable, none empty
    written = report.write_figures({**first, **later}, tmp_path)
    assert [p.name for p in written][:3] == ["predicted_vs_true.png", "metrics_summary.png",
                                             "misfit.png"]
    for path in written:
        image = mpimg.imread(path)
        assert image.shape[0] > 200 and image.std() > 0.05        # drawn, not blank


def test_network_only_titles_read_unphysical_not_nan():
    scenario, datasets, predictions, misfits, _ = _setup()
    figures = report.reconstruction_figures(scenario, datasets, predictions, misfits)
    fig = _draw(figures["reconstructions_test_ood.png"])
    titles = [sub.get_suptitle() for sub in fig.subfigs]
    assert titles[-1] == "out of distribution (OOD) #5: RMS misfit unphysical"
    assert titles[0].endswith("RMS misfit 0.50")


def test_profile_sections_mark_the_detector_flags():
    x = np.linspace(0.0, 500.0, 8)
    models = np.tile([100.0, 10.0, 500.0, 0.5, 10.0], (8, 1))
    line = SimpleNamespace(data=VES_3.simulate(models), sigma=np.ones((8, 14)))
    inverted = SimpleNamespace(models={"network": models, "network_lm": models},
                               rms={"network": np.ones(8), "network_lm": np.ones(8)})

    class Detector:
        def flag(self, data, sigma, *, models=None, refined=None):
            assert refined is inverted.models["network_lm"]      # no LM run of its own
            return np.arange(len(data)) >= 6

    spec = report.profile_figures(VES_3, SimpleNamespace(x=x, models=models), inverted, line,
                                  Detector())
    fig = _draw(spec["profile_sections.png"])
    marks = [ln for ax in fig.axes for ln in ax.lines if ln.get_gid() == "ood_flags"]
    assert len(marks) == 2                                       # network, network -> LM
    np.testing.assert_array_equal(marks[0].get_xdata(), x[6:])
    assert fig.axes[0].get_yscale() == "log"                     # 0.5 m top layer of 14 m
