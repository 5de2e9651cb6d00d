"""The ``geoinv`` command.

    geoinv run SCENARIO.toml [--out DIR] [--quiet]
    geoinv check SCENARIO.toml

Bad input (a malformed scenario, a missing file, an unwritable output folder)
prints one line ``geoinv: error: ...`` to stderr and exits with code 2,
without a traceback; nothing half-written is left behind.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, like every other input error
        self.exit(2, f"geoinv: error: {message}\n")


def _parser():
    parser = _Parser(prog="geoinv", description="Geophysical inversion with BP neural networks.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run an inversion scenario and write its report")
    run.add_argument("scenario", help="scenario TOML file")
    run.add_argument("--out", help="output folder (default: runs/<scenario name>)")
    run.add_argument("--quiet", action="store_true", help="no training progress on the terminal")
    check = sub.add_parser("check", help="check a scenario file and print it resolved")
    check.add_argument("scenario", help="scenario TOML file")
    return parser


def main(argv=None):
    """Entry point; returns the exit code (0 success, 2 bad input)."""
    args = _parser().parse_args(argv)
    from .scenario import ScenarioError, dump_toml, load_scenario

    try:
        scenario = load_scenario(args.scenario)
        if args.command == "check":
            sys.stdout.write(dump_toml(scenario.config))
            return 0
        from .run import run_scenario
        from ..nn.training import TerminalProgress

        out = Path(args.out) if args.out else Path("runs") / scenario.name
        progress = None if args.quiet else TerminalProgress(stream=sys.stderr)
        result = run_scenario(scenario, out, progress=progress)
    except (ScenarioError, OSError) as err:
        print(f"geoinv: error: {err}", file=sys.stderr)
        return 2
    except ValueError as err:  # e.g. noise too large for log data
        print(f"geoinv: error: {args.scenario}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("geoinv: interrupted; nothing was written", file=sys.stderr)
        return 130
    _summary(result)
    return 0


def _summary(result):
    from ..evaluation.metrics import FIT_FRACTION, FIT_THRESHOLD, metric_key

    m = result.metrics
    fit = m[(m["quantity"] == "data") & (m["metric"] == "median_rms_misfit")]
    err = m[m["metric"] == "median_rel_err"].groupby("split")["value"].median()
    fit = fit[fit["split"].isin(["test_id", "test_ood"])]
    print(f"wrote {result.out}/ (metrics.csv, history.csv, network.npz, report.md, figures/)")
    for _, row in fit.iterrows():
        print(f"  {row['split']:9s} median relative parameter error {err[row['split']]:.3f}, "
              f"median RMS data misfit {row['value']:.2f}")
    if result.ood:
        m_ood = m[m["quantity"] == "ood"].set_index(["split", "metric"])["value"]
        print(f"  OOD detector flags {m_ood['test_id', 'fraction_flagged']:.1%} of test_id and "
              f"{m_ood['test_ood', 'fraction_flagged']:.1%} of test_ood soundings "
              f"(ROC AUC {m_ood['test_ood', 'roc_auc_vs_test_id']:.3f})")
    if result.comparisons:
        value = m.set_index(["split", "quantity", "metric"])["value"]
        for split in result.comparisons:
            print(f"  network -> LM fits "
                  f"{value[split, 'data', metric_key(FIT_FRACTION, 'network_lm')]:.1%}"
                  f" of {split} to RMS <= {FIT_THRESHOLD:g} (network alone "
                  f"{value[split, 'data', metric_key(FIT_FRACTION, 'network')]:.1%})")
    print(f"  {sum(result.seconds.get(k, 0) for k in result.seconds if k != 'total_compute'):.1f} s")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
