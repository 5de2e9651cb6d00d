"""The ``geoinv`` command.

    geoinv run SCENARIO.toml [--out DIR] [--quiet] [--set SECTION.KEY=VALUE ...]
    geoinv check SCENARIO.toml [--set SECTION.KEY=VALUE ...]
    geoinv invert DATA (--network NET.npz | --scenario S.toml) [--out DIR] [--no-refine]
                  [--target-rms X] [--no-posterior]
                  [--posterior-steps N] [--quiet] [--set SECTION.KEY=VALUE ...]
    geoinv suggest DATA [--layers N]
    geoinv list [FOLDER]
    geoinv --version

``geoinv`` alone prints this help; ``python -m geoinv`` is the same command.
A SCENARIO may be a file or the name of a shipped scenario in ``scenarios/``
(``geoinv run ves_3layer``).

Bad input (a malformed scenario, a missing file, an output folder that is
not geoinv's, a scenario too large for the machine) prints one line
``geoinv: error: ...`` to stderr and exits with code 2, without a traceback;
nothing half-written is left behind.

SIGINT (Ctrl-C), SIGTERM (``timeout``, batch schedulers) and SIGHUP (a
closed terminal) stop a run at any moment with one line and exit code 130,
143 or 129 (128 + the signal number); an earlier run in the output folder is
left as it was.  See ``geoinv.workflow.output`` for the output folder and
``geoinv.workflow.resources`` for the limits on memory
(``GEOINV_MAX_MEMORY_GB``) and time (``GEOINV_MAX_HOURS``).
"""

from __future__ import annotations

import os
from pathlib import Path
import signal
import sys

__all__ = ["main"]

_SIGNALS = tuple(getattr(signal, s) for s in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, s))


class Interrupted(KeyboardInterrupt):
    """A stop signal arrived; ``signum`` says which (a KeyboardInterrupt, so
    code that cleans up on Ctrl-C cleans up on SIGTERM and SIGHUP too)."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _StopSignals:
    """While installed, SIGINT/SIGTERM/SIGHUP raise :class:`Interrupted` in the main thread.

    ``caught`` lists the signals received, so that an interrupt which some
    library turned into another exception (an extension module being
    imported reports ``ImportError``) is still reported as an interrupt.  An
    interrupt raised where Python cannot propagate it (a weakref callback or
    ``__del__`` run by the garbage collector prints "Exception ignored" and
    carries on) is not printed but raised again 10 ms later.  Once ``quiet``
    is set (the interrupt is being reported), further signals are only
    recorded.

    ``last_words``: for the process's own command line, a function of the
    signal number giving the line to print if a signal arrives after
    ``main`` has returned (while the interpreter shuts down); the process then
    exits with 128 + N at once instead of being killed silently.  From the
    last ``atexit`` call on, when Python is about to reset its handlers, the
    signals are ignored: the work is done and the process is ending.  None
    restores the previous handlers (``main`` called from Python).
    """

    def __init__(self, last_words=None):
        self.caught = []
        self.quiet = False
        self.previous = {}
        self.previous_hook = None
        self.last_words = last_words

    def _stop(self, signum, frame):
        self.caught.append(signum)
        if not self.quiet:
            raise Interrupted(signum)

    def _unraisable(self, unraisable):
        if not isinstance(unraisable.exc_value, Interrupted):
            return self.previous_hook(unraisable)
        import threading

        timer = threading.Timer(0.01, self._again, (unraisable.exc_value.signum,))
        timer.daemon = True
        timer.start()

    def _again(self, signum):
        if not self.quiet and signal.getsignal(signum) == self._stop:
            signal.raise_signal(signum)

    def __enter__(self):
        try:
            self.previous = {s: signal.signal(s, self._stop) for s in _SIGNALS}
        except ValueError:  # not the main thread: signals are not ours to handle
            self.previous = {}
        self.previous_hook, sys.unraisablehook = sys.unraisablehook, self._unraisable
        return self

    def _late(self, signum, frame):
        try:
            sys.stdout.flush()
            sys.stderr.write(self.last_words(signum) + "\n")
            sys.stderr.flush()
        finally:
            os._exit(128 + signum)

    def __exit__(self, *exc):
        sys.unraisablehook = self.previous_hook
        for s, handler in self.previous.items():
            if self.last_words is not None:
                signal.signal(s, self._late)
            else:
                signal.signal(s, signal.SIG_DFL if handler is None else handler)
        if self.last_words is not None and self.previous:
            import atexit

            atexit.register(_ignore_stop_signals)


def _ignore_stop_signals():
    for s in _SIGNALS:
        signal.signal(s, signal.SIG_IGN)


SCENARIO_FOLDER = Path("scenarios")
"""Where ``geoinv list`` looks, and where a bare scenario name is found."""


def _parser():
    import argparse   # here, not at the top: the signal handlers come first

    from .. import __version__

    class _Parser(argparse.ArgumentParser):
        def error(self, message):  # one line, exit 2, like every other input error
            self.exit(2, f"geoinv: error: {message}\n")

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
    run.add_argument("--threads", type=int, default=None, metavar="N",
                     help="threads of the VES and MT forward models (default: GEOINV_THREADS, "
                          "else 2 for VES and 1 for MT); training always uses one BLAS thread")
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
    invert.add_argument("--no-posterior", dest="posterior", action="store_false",
                        help="skip sampling the posterior of every sounding (fast path: no "
                             "credible intervals, S/T or equivalence limits)")
    invert.add_argument("--posterior-steps", type=int, default=None, metavar="N",
                        help="steps per round of the posterior's chains, up to 4 N (default: "
                             "the scenario's [posterior], else 4000 up to 16000)")
    invert.add_argument("--quiet", action="store_true", help="no training progress")
    invert.add_argument("--set", dest="overrides", **overrides)
    invert.add_argument("--threads", type=int, default=None, metavar="N",
                        help="threads of the VES and MT forward models")
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
    """Entry point; returns the exit code (0 success, 2 bad input, 128 + N on signal N).

    ``argv=None`` (the process's command line): the signal handlers stay in
    place until the process exits; otherwise they are restored on return.
    """
    written = []

    def last_words(signum):
        what = (f"{written[0]} was complete before stopping" if written else
                "nothing was written; an earlier run in the output folder is untouched")
        return f"geoinv: interrupted by {signal.Signals(signum).name}; {what}"

    with _StopSignals(last_words if argv is None else None) as signals:   # before the imports
        try:
            try:
                code = _main(argv, written, signals)
            finally:
                signals.quiet = signals.quiet or bool(signals.caught)
        except BaseException:
            if not signals.caught:
                raise
        else:
            if not signals.caught:
                return code
        # a signal arrived: whatever it became on its way (or if a library swallowed it)
        signals.quiet = True
        print(last_words(signals.caught[0]), file=sys.stderr)
        return 128 + signals.caught[0]


def _main(argv, written, signals):
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    from .scenario import ScenarioError, dump_toml, load_scenario

    try:
        if getattr(args, "threads", None) is not None or "GEOINV_THREADS" in os.environ:
            from ..forward import set_threads
            from ..forward._threads import threads_from_environment

            set_threads(args.threads if getattr(args, "threads", None) is not None
                        else threads_from_environment())
        if args.command == "list":
            print("\n".join(list_scenarios(args.folder)))
            return 0
        if args.command == "suggest":
            return _suggest(args)
        if args.command == "invert":
            return _invert(args, written)
        scenario = load_scenario(scenario_path(args.scenario), overrides=args.overrides)
        if args.command == "check":
            sys.stdout.write(dump_toml(scenario.config))
            return 0
        from .run import run_scenario
        from .progress import TerminalProgress

        out = Path(args.out) if args.out else Path("runs") / scenario.name
        progress = None if args.quiet else TerminalProgress(stream=sys.stderr)
        try:
            result = run_scenario(scenario, out, progress=progress)
        except KeyboardInterrupt as exc:   # the run may have been put in place just before
            if getattr(exc, "written", None) is not None:
                written.append(out)
            raise
        written.append(out)
    except (ScenarioError, OSError, MemoryError, ValueError) as err:
        if signals.caught:  # an interrupt that surfaced as another error
            raise
        source = str(getattr(args, "data", None) or getattr(args, "scenario", ""))
        if isinstance(err, (ScenarioError, OSError)):
            print(f"geoinv: error: {err}", file=sys.stderr)
        elif isinstance(err, MemoryError):
            print(f"geoinv: error: {source}: out of memory; lower the sample counts or "
                  "[network] hidden, or set GEOINV_MAX_MEMORY_GB", file=sys.stderr)
        else:  # bad data or settings met while computing: name the file
            message = str(err)
            named = [str(v) for v in (getattr(args, k, None) for k in ("data", "network",
                                                                       "scenario")) if v]
            prefix = ("" if not source or any(message.startswith(n) for n in named)
                      else f"{source}: ")
            print(f"geoinv: error: {prefix}{message}", file=sys.stderr)
        return 2
    _summary(result)
    return 0


def _suggest(args):
    from ..io import read_survey
    from .survey_scenario import suggest_scenario

    if args.layers < 1:
        raise ValueError(f"--layers must be >= 1; got {args.layers}")
    sys.stdout.write(suggest_scenario(read_survey(args.data), args.data, n_layers=args.layers))
    return 0


def _invert(args, written):
    from .invert import invert_file, sounding_lines, write_inversion
    from .progress import TerminalProgress
    from .run import write_folder

    out = Path(args.out) if args.out else Path("runs") / f"invert_{Path(args.data).stem}"
    progress = None if args.quiet else TerminalProgress(stream=sys.stderr)
    n = args.posterior_steps
    if n is not None and n < 1:
        raise ValueError(f"--posterior-steps must be >= 1; got {n}")
    steps = None if n is None else {"n_steps": n, "max_steps": 4 * n}

    def compute_and_write(folder):
        result, trained = invert_file(args.data, network=args.network, scenario=args.scenario,
                                      overrides=args.overrides, refine=args.refine,
                                      target_rms=args.target_rms, posterior=args.posterior,
                                      posterior_options=steps, progress=progress)
        write_inversion(result, folder, trained=trained, source=args.data)
        return result, trained

    result, trained = write_folder(out, compute_and_write)
    written.append(out)
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
