"""The ``geoinv`` command.

    geoinv run SCENARIO.toml [--out DIR] [--quiet] [--set SECTION.KEY=VALUE ...]
    geoinv check SCENARIO.toml [--set SECTION.KEY=VALUE ...]
    geoinv invert DATA (--network NET.npz | --scenario S.toml) [--out DIR] [--no-refine]
                  [--target-rms X] [--quiet] [--set SECTION.KEY=VALUE ...]
    geoinv suggest DATA [--layers N]
    geoinv list [FOLDER]
    geoinv --version

``geoinv`` alone prints this help; ``python -m geoinv`` is the same command.
A SCENARIO may be a file or the name of a shipped scenario in ``scenarios/``
(``geoinv run ves_3layer``).

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


SCENARIO_FOLDER = Path("scenarios")
"""Where ``geoinv list`` looks, and where a bare scenario name is found."""


def _parser():
    from .. import __version__

    parser = _Parser(prog="geoinv", description="Geophysical inversion with BP neural networks.")
    parser.add_argument("--version", action="version", version=f"geoinv {__version__}")
    sub = parser.add_subparsers(dest="command")
    overrides = dict(action="append", default=[], metavar="SECTION.KEY=VALUE",
                     help="override a scenario setting, e.g. --set training.max_epochs=50 "
                          "(repeatable)")
    run = sub.add_parser("run", help="run an inversion scenario and write its report")
    run.add_argument("scenario", help="scenario TOML file, or the name of a shipped scenario")
    run.add_argument("--out", help="output folder (default: runs/<scenario name>)")
    run.add_argument("--quiet", action="store_true",
                     help="no training progress on the terminal (the summary is still printed)")
    run.add_argument("--set", dest="overrides", **overrides)
    check = sub.add_parser("check", help="check a scenario file and print it resolved")
    check.add_argument("scenario", help="scenario TOML file, or the name of a shipped scenario")
    check.add_argument("--set", dest="overrides", **overrides)
    invert = sub.add_parser("invert", help="invert a field data file: network, OOD check, "
                                           "network -> LM, uncertainty")
    invert.add_argument("data", help="field data file (VES/MT/profile CSV, .ves, EDI)")
    source = invert.add_mutually_exclusive_group(required=True)
    source.add_argument("--network", help="a trained network (network.npz of a run)")
    source.add_argument("--scenario", help="a scenario to train a network for this survey")
    invert.add_argument("--out", help="output folder (default: runs/invert_<data file name>)")
    invert.add_argument("--no-refine", dest="refine", action="store_false",
                        help="the network's answer only, no damped least squares")
    invert.add_argument("--target-rms", type=float, default=None, metavar="X",
                        help="stop the refinement at RMS misfit X (default: the least-squares "
                             "minimum)")
    invert.add_argument("--quiet", action="store_true", help="no training progress")
    invert.add_argument("--set", dest="overrides", **overrides)
    suggest = sub.add_parser("suggest", help="print a scenario that trains a network for a "
                                             "data file, with a prior box from the data")
    suggest.add_argument("data", help="field data file (VES or MT)")
    suggest.add_argument("--layers", type=int, default=3, help="number of layers (default 3)")
    listing = sub.add_parser("list", help="list the scenarios of a folder, one line each")
    listing.add_argument("folder", nargs="?", default=str(SCENARIO_FOLDER),
                         help="folder of scenario files (default: scenarios)")
    return parser


def scenario_path(name):
    """A scenario file given by path, or by the name of one in ``scenarios/``."""
    path = Path(name)
    if not path.exists() and path.suffix != ".toml" and path.parent == Path("."):
        shipped = SCENARIO_FOLDER / f"{name}.toml"
        if shipped.exists():
            return shipped
    return path


def list_scenarios(folder):
    """Lines ``name  kind  description`` of every scenario file in ``folder``."""
    import tomllib

    folder = Path(folder)
    if not folder.is_dir():
        raise OSError(f"no scenario folder {folder}")
    lines = []
    for path in sorted(folder.glob("*.toml")):
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            lines.append(f"{path.stem:20s} (unreadable: run geoinv check {path})")
            continue
        kind = doc.get("forward", {}).get("kind", "?") if isinstance(doc.get("forward"), dict) \
            else "?"
        lines.append(f"{path.stem:20s} {kind:15s} {str(doc.get('description', '')).strip()}")
    return lines


def main(argv=None):
    """Entry point; returns the exit code (0 success, 2 bad input)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    from .scenario import ScenarioError, dump_toml, load_scenario

    try:
        if args.command == "list":
            print("\n".join(list_scenarios(args.folder)))
            return 0
        if args.command == "suggest":
            return _suggest(args)
        if args.command == "invert":
            return _invert(args)
        scenario = load_scenario(scenario_path(args.scenario), overrides=args.overrides)
        if args.command == "check":
            sys.stdout.write(dump_toml(scenario.config))
            return 0
        from .run import run_scenario
        from .progress import TerminalProgress

        out = Path(args.out) if args.out else Path("runs") / scenario.name
        progress = None if args.quiet else TerminalProgress(stream=sys.stderr)
        result = run_scenario(scenario, out, progress=progress)
    except (ScenarioError, OSError) as err:
        print(f"geoinv: error: {err}", file=sys.stderr)
        return 2
    except ValueError as err:  # bad data or settings met while computing: name the file
        source = str(getattr(args, "data", None) or getattr(args, "scenario", ""))
        message = str(err)
        prefix = "" if not source or message.startswith(source) else f"{source}: "
        print(f"geoinv: error: {prefix}{message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("geoinv: interrupted; nothing was written", file=sys.stderr)
        return 130
    _summary(result)
    return 0


def _suggest(args):
    from ..io import read_survey
    from .survey_scenario import suggest_scenario

    if args.layers < 1:
        raise ValueError(f"--layers must be >= 1; got {args.layers}")
    sys.stdout.write(suggest_scenario(read_survey(args.data), args.data, n_layers=args.layers))
    return 0


def _invert(args):
    from .invert import invert_file, sounding_lines, write_inversion
    from .progress import TerminalProgress
    from .run import write_folder

    out = Path(args.out) if args.out else Path("runs") / f"invert_{Path(args.data).stem}"
    progress = None if args.quiet else TerminalProgress(stream=sys.stderr)

    def compute_and_write(folder):
        result, trained = invert_file(args.data, network=args.network, scenario=args.scenario,
                                      overrides=args.overrides, refine=args.refine,
                                      target_rms=args.target_rms, progress=progress)
        write_inversion(result, folder, trained=trained, source=args.data)
        return result, trained

    result, trained = write_folder(out, compute_and_write)
    print(f"wrote {out}/ (models.csv, fit.csv, report.md, figures/)")
    if trained is not None:
        for line in trained.summary:
            print(line)
    for line in sounding_lines(result):
        print(line)
    return 0


def _summary(result):
    """The run's one-screen summary: where it wrote, then each stage's lines."""
    print(f"wrote {result.out}/ (metrics.csv, history.csv, network.npz, report.md, figures/)")
    for line in result.summary:
        print(line)
    print(f"  {sum(v for k, v in result.seconds.items() if k != 'total_compute'):.1f} s")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
