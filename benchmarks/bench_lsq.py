"""Classical inversion, network -> LM refinement and OOD detection (a script, not a test).

On scenarios/ves_3layer.toml (or the scenario given), trains the network as
``geoinv run`` does (``geoinv.workflow.run.simulate_and_train``; ``--epochs`` caps the
training for a quicker look), then prints

* per split (test_id, test_ood) and method (network, LM from the generic
  start, network -> LM): the fraction of soundings fitted to RMS <= 1.2, the
  median RMS misfit, the median relative error of each parameter, forward
  calls per sounding (one call = one simulated model) and the wall time;
* the ceiling: the fraction fitted by the true models, and by LM started at
  the true models (with 30 data, 5 parameters and 2 % noise even the best
  fit misses RMS 1.2 for ~1.3 % of soundings: P(chi2_25 > 43.2));
* the ROC AUC of the OOD score separating test_id from test_ood, for the
  full detector (distance + misfit + refined) and for the cheap one
  (distance + misfit, no LM run), with the fractions flagged;
* the wall time of refining 1,000 soundings (network -> LM, median of
  ``--repeats`` runs).

Targets (issue #5): network -> LM fits >= 99 % ID and >= 95 % OOD with fewer
forward calls than LM from the generic start; AUC >= 0.9; 1,000 soundings
refined in <= 2 s.

Usage::

    python benchmarks/bench_lsq.py [--scenario scenarios/ves_3layer.toml] [--epochs N]
                                   [--restarts 10] [--repeats 5] [--seed 0]
"""

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from geoinv import load_scenario
from geoinv.evaluation import FIT_FRACTION, compare_methods
from geoinv.inversion import (FIT_THRESHOLD, METHODS, OODDetector, damped_least_squares, refine,
                              rms_misfit, roc_auc)
from geoinv.workflow.run import simulate_and_train

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "ves_3layer.toml"))
    parser.add_argument("--epochs", type=int, default=None,
                        help="cap on training epochs (default: the scenario's)")
    parser.add_argument("--restarts", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="seed of the LM restarts")
    args = parser.parse_args(argv)

    overrides = [] if args.epochs is None else [f"training.max_epochs={args.epochs}"]
    scenario = load_scenario(args.scenario, overrides=overrides)
    t0 = time.perf_counter()
    run = simulate_and_train(scenario)
    print(f"scenario {scenario.name}: trained in {time.perf_counter() - t0:.1f} s, "
          f"{len(run.history)} epochs (max_epochs {scenario.config['training']['max_epochs']})")
    inversion, datasets = run.inversion, run.datasets
    forward, space = scenario.forward, scenario.space

    # -- the three methods ---------------------------------------------------------------
    frames, timing = [], []
    for split in ("test_id", "test_ood"):
        c = compare_methods(forward, space, inversion, datasets[split], split,
                            rng=args.seed, n_restarts=args.restarts)
        frames.append(c.metrics)
        timing.append(c.timing)
    metrics = pd.concat(frames + timing, ignore_index=True)
    metrics[["metric", "method"]] = metrics.metric.str.split("@", expand=True)
    wanted = [FIT_FRACTION, "median_rms_misfit", "fraction_fit_outside_box",
              "forward_calls_per_sounding", "mean_starts", "wall_seconds"]
    rows = metrics[metrics.metric.isin(wanted)]
    table = rows.pivot_table(index=["split", "metric"], columns="method", values="value")
    print("\nmethods (forward calls: simulated models per sounding)")
    print(table[list(METHODS)].round(4).to_string())
    rel = metrics[metrics.metric == "median_rel_err"]
    print("\nmedian relative parameter error")
    print(rel.pivot_table(index=["split", "method"], columns="quantity", values="value")
          [space.names].round(3).to_string())

    # What is attainable: the true models themselves, and the best fit near
    # them (LM started at the true model, run to a standstill).
    print(f"\nceiling (fraction fitted to RMS <= {FIT_THRESHOLD:g}):")
    for split in ("test_id", "test_ood"):
        ds = datasets[split]
        best = damped_least_squares(forward, space, ds.data, ds.sigma, ds.models, widen=0.5,
                                    target_rms=0.0, ftol=1e-8, max_iter=100)
        true_rms = rms_misfit(ds.data, ds.clean, ds.sigma, forward.data_log_mask)
        print(f"  {split}: true models {np.mean(true_rms <= FIT_THRESHOLD):.3f}"
              f", LM from the true models {np.mean(best.rms <= FIT_THRESHOLD):.3f}")

    # -- OOD detection ---------------------------------------------------------------------
    print("\nOOD detection (threshold: 95th percentile of ID validation scores)")
    for components in (("distance", "misfit", "refined"), ("distance", "misfit")):
        t0 = time.perf_counter()
        det = OODDetector(components=components).fit(inversion, datasets["train"],
                                                      datasets["validation"])
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        s_id = det.score(datasets["test_id"].data, datasets["test_id"].sigma)
        s_ood = det.score(datasets["test_ood"].data, datasets["test_ood"].sigma)
        score_s = time.perf_counter() - t0
        print(f"  {' + '.join(components):28s} AUC {roc_auc(s_id, s_ood):.3f}   flagged: "
              f"ID {np.mean(s_id > det.threshold_):.3f}, OOD {np.mean(s_ood > det.threshold_):.3f}"
              f"   (fit {fit_s:.2f} s, score 2 x 1000 in {score_s:.2f} s)")

    # -- speed: 1,000 soundings refined --------------------------------------------------
    ds = datasets["test_id"]
    n = min(1000, len(ds))
    models = inversion.predict(ds.data[:n])
    times = []
    for r in range(args.repeats):
        t0 = time.perf_counter()
        res = refine(inversion, ds.data[:n], ds.sigma[:n], models=models, rng=r,
                     n_restarts=args.restarts)
        times.append(time.perf_counter() - t0)
    print(f"\nrefine {n} ID soundings (network -> LM, {args.restarts} restarts): median "
          f"{statistics.median(times):.3f} s, min {min(times):.3f} s over {args.repeats} runs; "
          f"{res.forward_calls.sum()} forward calls, fitted {np.mean(res.rms <= FIT_THRESHOLD):.3f}")


if __name__ == "__main__":
    main()
