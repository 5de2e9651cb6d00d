"""Posterior per sounding: calibration, equivalence and cost (a script, not a test).

For each scenario (ves_3layer and mt_3layer by default) the network is trained
as ``geoinv run`` does (``geoinv.workflow.run.simulate_and_train``), the first
``--n`` ID test soundings are inverted network -> LM
(``geoinv.inversion.refine.refine``) and their posteriors sampled in batches
of ``--batch`` soundings together
(``geoinv.inversion.posterior.sample_posterior``, uniform prior on the
training box).  Printed:

* coverage of the central 90 % intervals and their median width (decades)
  for every parameter and for the Dar Zarrouk S_i and T_i, for the posterior
  (``@posterior``; ``@posterior_converged``: its converged soundings only),
  the linearised covariance at the LM solution
  (``@linearised``) and, with ``--ensemble K``, a K-network ensemble's spread
  (``@ensemble``);
* the same widths for H-type soundings (rho_2 below both neighbours: S_2 is
  what the data fix) and K-type ones (rho_2 above both: T_2);
* the equivalence limits (chi2 <= chi2_min + chi-square 90 % quantile of M
  dof): how often they hold the truth and how wide they are;
* convergence (split R-hat < 1.01 and ESS >= 200 for every parameter): the
  fraction converged, steps, forward calls, and seconds per sounding of the
  first batch -- for the whole batch and for its converged soundings (their
  share of the forward calls times the wall time, divided by their number);
* the load: the 1-minute load average and a fixed forward-model timing
  before and after, so that timings taken on a shared machine can be
  compared (ratio to a baseline);
* with ``--compare-stretch``, the same soundings with the stretch move (12
  walkers): the evidence for the default sampler (DE-MCz, 4 chains).

Targets (issue #10, ves_3layer ID): coverage 0.85-0.95 for every parameter
and for S_2 or T_2; the S_2 / T_2 interval clearly narrower than rho_2's and
h_2's; >= 90 % converged, <= 0.5 s per sounding with 100 sampled together, 2 cores.

Measured (200 soundings per split, batches of 100, two cores shared with
other jobs, load average 1.0-1.4; before: the settings of the previous
version, rounds of 4,000 steps up to 16,000, burn-in half of all steps):

=====================  ==========  ==========  ===========  ===========
                       ves ID      ves OOD     mt ID        mt OOD
=====================  ==========  ==========  ===========  ===========
converged, before      0.56        0.51        0.53         0.56
converged, now         0.91        0.83        0.94         0.84
s / sounding, before   0.22        1.34        0.15         0.16
s / sounding, now      0.36        1.18        0.29         0.36
coverage 90 %, now     0.86-0.905  0.82-0.865  0.875-0.91   0.76-0.87
s / sounding, final    0.32        0.60-0.65   0.27-0.29    0.32
=====================  ==========  ==========  ===========  ===========

"final": the same run after the VES ray quadrature became ~25 times cheaper
(2026-11-30, load average 1.0; converged 0.91 / 0.82 / 0.94 / 0.84, coverage
0.87-0.905 / 0.81-0.87 / 0.865-0.91 / 0.76-0.87 including S_2, T_2, DZ_2).

ves_3layer ID coverage per quantity: rho_1 0.905, rho_2 0.895, rho_3 0.875,
h_1 0.895, h_2 0.86, S_2 0.895, T_2 0.89 (final run: 0.905, 0.89, 0.875,
0.895, 0.87, 0.885, 0.89); on H-type soundings S_2 is 0.04
decade wide against 0.49 (rho_2) and 0.54 (h_2), on K-type T_2 0.05 against
0.72 and 0.81.  mt_3layer: H-type S_2 0.06 decade against 0.15 and 0.21 (MT
does not resolve a thin resistor: K-type T_2 1.4 decades).  ves_3layer OOD
is slower because the widened box reaches models the VES filter hands to its
contour integration (the forward model, not the sampler; 1.2 s per sounding
before that integration was made cheaper, 0.6 s after).  Stretch move, 12 walkers, on the first 100
ves_3layer ID soundings (earlier settings): 3 % converged with 170,000
forward calls per sounding (DE-MCz: 60 % with 38,000).

With ``--widened`` (ves_3layer, 100 soundings, same day): test models drawn
uniformly from the box widened by the OOD shell, i.e. from the OOD
posteriors' own prior, are covered 0.83-0.94 (converged: 0.855-0.95; 83 %
converged, 0.57 s per sounding), against 0.81-0.87 for the OOD test set
drawn from the shell alone.

Usage::

    python benchmarks/bench_posterior.py [--scenarios ves_3layer mt_3layer] [--n 200] [--batch 100]
        [--ood] [--widened] [--ensemble K] [--compare-stretch] [--n-steps 2000] [--diagnostics split]
        [--seed 0]
"""

import argparse
import os
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from geoinv import ModelSpace, Parameter, make_dataset
from geoinv.evaluation.calibration import (ensemble_calibration, linearised_calibration,
                                           posterior_calibration)
from geoinv.inversion.equivalence import dar_zarrouk, equivalence_bound, equivalence_limits
from geoinv.inversion.likelihood import chi_square
from geoinv.inversion.posterior import POSTERIOR_DEFAULTS, PosteriorResult, sample_posterior
from geoinv.inversion.refine import refine
from geoinv.workflow.run import simulate_and_train
from geoinv.workflow.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[1]


def forward_rate(forward, space, n=20000, seed=0):
    """Models per second of one fixed batch (the load probe)."""
    models = space.sample(n, rng=seed)
    forward.simulate(models[:100])
    t0 = time.perf_counter()
    forward.simulate(models)
    return n / (time.perf_counter() - t0)


def load_scenario_with(name, ensemble):
    path = ROOT / "scenarios" / f"{name}.toml"
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    if ensemble:
        doc.setdefault("network", {})["ensemble"] = ensemble
    return parse_scenario(doc, name=name, path=path)


def calibration_table(frames):
    metrics = pd.concat(frames, ignore_index=True)
    metrics[["metric", "method"]] = metrics.metric.str.split("@", expand=True)
    table = metrics.pivot_table(index="quantity", columns=["metric", "method"], values="value",
                                sort=False)
    return table


def type_widths(post, models):
    """Median 90 % widths (decades) of rho_2, h_2, S_2, T_2 on H- and K-type soundings.

    Also, per sounding, the narrower of S_2 and T_2: the one its data fix.
    """
    rho = models[:, :3]
    h_type = (rho[:, 1] < rho[:, 0]) & (rho[:, 1] < rho[:, 2])
    k_type = (rho[:, 1] > rho[:, 0]) & (rho[:, 1] > rho[:, 2])
    S, T = dar_zarrouk(post.samples)
    x = {"rho_2": post.samples[:, :, 1], "h_2": post.samples[:, :, 4], "S_2": S[:, :, 1],
         "T_2": T[:, :, 1]}
    width = {name: np.diff(np.quantile(np.log10(v), [0.05, 0.95], axis=1), axis=0)[0]
             for name, v in x.items()}
    width["narrower of S_2, T_2"] = np.minimum(width["S_2"], width["T_2"])
    rows = {}
    for kind, mask in (("H-type", h_type), ("K-type", k_type), ("all", np.ones(len(rho), bool))):
        rows[f"{kind} ({mask.sum()})"] = {name: float(np.median(w[mask]))
                                          for name, w in width.items()}
    return pd.DataFrame(rows).T


def one_split(scenario, run, split, n, args, widen):
    forward, space, inversion = scenario.forward, scenario.space, run.inversion
    ds = run.datasets[split].subset(slice(0, n))
    network = inversion.predict(ds.data)
    t0 = time.perf_counter()
    lm = refine(inversion, ds.data, ds.sigma, models=network, rng=args.seed)
    lm_seconds = time.perf_counter() - t0
    print(f"\n== {scenario.name} {split}: {n} soundings; network -> LM in {lm_seconds:.1f} s, "
          f"{np.mean(lm.rms <= 1.2):.2f} fitted to RMS <= 1.2")

    rate0, load0 = forward_rate(forward, space), os.getloadavg()[0]
    parts, times = [], []
    for start in range(0, n, args.batch):           # batches sampled together
        rows = slice(start, start + args.batch)
        t0 = time.perf_counter()
        parts.append(sample_posterior(forward, space, ds.data[rows], ds.sigma[rows],
                                      lm.models[rows], n_steps=args.n_steps, widen=widen,
                                      diagnostics=args.diagnostics, rng=args.seed + start))
        times.append(time.perf_counter() - t0)
    rate1, load1 = forward_rate(forward, space), os.getloadavg()[0]
    post = PosteriorResult.concatenate(parts)
    first = parts[0]
    seconds, n_first = times[0], len(first)

    converged = post.converged
    only = posterior_calibration(post.subset(converged), ds.models[converged], split)
    only["metric"] = only.metric.str.replace("@posterior", "@posterior_converged")
    frames = [posterior_calibration(post, ds.models, split), only,
              linearised_calibration(forward, space, ds.data, ds.sigma, lm.models, ds.models,
                                     split)]
    members = inversion.predict_members(ds.data) if args.ensemble > 1 else None
    if members is not None and len(members) >= 2:      # a single network has K = 1 members
        frames.append(ensemble_calibration(members, ds.models, space, split))
    table = calibration_table(frames)
    print("\ncentral 90 % intervals: coverage (0.9 = calibrated) and median width "
          "(decades; the unit for linear parameters)")
    print(table.round(3).to_string())
    if space.n_params == 5:
        print("\nmedian 90 % width (decades) by the type of the middle layer")
        print(type_widths(post, ds.models).round(3).to_string())

    rounds = POSTERIOR_DEFAULTS["max_steps"] // POSTERIOR_DEFAULTS["n_steps"]
    print(f"\nconvergence ({args.diagnostics} R-hat < 1.01 and ESS >= 200, every parameter): "
          f"{converged.mean():.2f} of {n} converged; steps per chain: mean "
          f"{post.steps.mean():.0f} (rounds of {args.n_steps}, at most "
          f"{rounds * args.n_steps}); "
          f"median min-ESS {np.median(post.ess.min(axis=1)):.0f}, median max-R-hat "
          f"{np.median(post.r_hat.max(axis=1)):.3f}; acceptance {post.acceptance.mean():.2f}")
    # time of the first batch; the converged soundings' share of its forward calls
    share = first.forward_calls[first.converged].sum() / first.forward_calls.sum()
    per_converged = seconds * share / max(first.converged.sum(), 1)
    print(f"cost: {post.forward_calls.mean():.0f} forward calls per sounding "
          f"({post.forward_calls[converged].mean():.0f} per converged one); first batch of "
          f"{n_first}: {seconds:.1f} s wall = {seconds / n_first:.3f} s per sounding, "
          f"{per_converged:.3f} s per converged sounding (all batches: "
          f"{sum(times) / n:.3f} s per sounding)")
    print(f"load: 1-min load average {load0:.1f} -> {load1:.1f}; forward model "
          f"{rate0:.0f} -> {rate1:.0f} models/s on a 20000 batch")

    t0 = time.perf_counter()
    limits = equivalence_limits(post, forward, ds.data, ds.sigma,
                                reference_chi2=chi_square(forward, ds.data, ds.sigma, lm.predicted))
    inside = (ds.models >= limits.low) & (ds.models <= limits.high)
    width = np.where(space.log, np.log10(limits.high / limits.low), limits.high - limits.low)
    print(f"\nequivalence limits (chi2 <= chi2_min + {equivalence_bound(space.n_params):.2f}; "
          f"{time.perf_counter() - t0:.1f} s): truth inside / median width")
    print(pd.DataFrame({"truth inside": inside.mean(axis=0), "median width": np.median(width, 0)},
                       index=space.names).T.round(3).to_string())
    print(f"median chi2_min {np.median(limits.chi2_min):.1f} (N - M = "
          f"{forward.n_data - space.n_params})")

    if args.compare_stretch:
        t0 = time.perf_counter()
        rows = slice(0, args.batch)
        other = sample_posterior(forward, space, ds.data[rows], ds.sigma[rows], lm.models[rows],
                                 sampler="stretch", n_chains=12, n_steps=args.n_steps,
                                 widen=widen, rng=args.seed)
        s = time.perf_counter() - t0
        print(f"first batch, stretch move, 12 walkers: {other.converged.mean():.2f} converged, "
              f"{other.forward_calls.mean():.0f} forward calls per sounding, {s:.1f} s wall "
              f"(DE-MCz, 4 chains: {first.converged.mean():.2f}, "
              f"{first.forward_calls.mean():.0f}, {seconds:.1f} s)")
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="+", default=["ves_3layer", "mt_3layer"])
    parser.add_argument("--n", type=int, default=200, help="test soundings sampled")
    parser.add_argument("--batch", type=int, default=100, help="soundings sampled together")
    parser.add_argument("--n-steps", type=int, default=POSTERIOR_DEFAULTS["n_steps"])
    parser.add_argument("--diagnostics", choices=["split", "rank"],
                        default=POSTERIOR_DEFAULTS["diagnostics"])
    parser.add_argument("--ood", action="store_true",
                        help="also the OOD test set, prior widened by the OOD shell")
    parser.add_argument("--widened", action="store_true",
                        help="also test models drawn from the widened box itself (the prior "
                             "of the OOD posteriors), to tell a prior mismatch from sampling")
    parser.add_argument("--ensemble", type=int, default=0,
                        help="train a K-network ensemble for the @ensemble rows (K x the time)")
    parser.add_argument("--compare-stretch", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    for name in args.scenarios:
        scenario = load_scenario_with(name, args.ensemble)
        t0 = time.perf_counter()
        run = simulate_and_train(scenario)
        print(f"\n#### scenario {name}: trained and evaluated in {time.perf_counter() - t0:.0f} s"
              f" (load average {os.getloadavg()[0]:.1f})")
        one_split(scenario, run, "test_id", args.n, args, widen=0.0)
        if args.ood:
            one_split(scenario, run, "test_ood", args.n, args, widen=scenario.ood.shell)
        if args.widened:
            run.datasets["test_widened"] = widened_test_set(scenario, args.n, args.seed)
            one_split(scenario, run, "test_widened", args.n, args, widen=scenario.ood.shell)


def widened_test_set(scenario, n, seed):
    """n models uniform on the prior box widened by the OOD shell, with the scenario's noise."""
    space = scenario.space
    low, high = (space.from_scale(b) for b in space.widened(scenario.ood.shell))
    wide = ModelSpace([Parameter(p.name, p.unit, lo, hi, log=p.log)
                       for p, lo, hi in zip(space.parameters, low, high)])
    return make_dataset(scenario.forward, wide, n, scenario.noise, np.random.default_rng(seed))


if __name__ == "__main__":
    main()
