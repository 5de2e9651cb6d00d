"""The ``geoinv`` command.

    geoinv run SCENARIO.toml [--out DIR] [--quiet]
    geoinv check SCENARIO.toml

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


def _parser():
    import argparse   # here, not at the top: the signal handlers come first

    class _Parser(argparse.ArgumentParser):
        def error(self, message):  # one line, exit 2, like every other input error
            self.exit(2, f"geoinv: error: {message}\n")

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
    from pathlib import Path

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
        if isinstance(err, (ScenarioError, OSError)):
            print(f"geoinv: error: {err}", file=sys.stderr)
        elif isinstance(err, MemoryError):
            print(f"geoinv: error: {args.scenario}: out of memory; lower the sample counts or "
                  "[network] hidden, or set GEOINV_MAX_MEMORY_GB", file=sys.stderr)
        else:  # e.g. noise too large for log data
            print(f"geoinv: error: {args.scenario}: {err}", file=sys.stderr)
        return 2
    _summary(result)
    return 0


def _summary(result):
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
            print(f"  network -> LM fits {value[split, 'data', 'fraction_rms_le_1.2@network_lm']:.1%}"
                  f" of {split} to RMS <= 1.2 (network alone "
                  f"{value[split, 'data', 'fraction_rms_le_1.2@network']:.1%})")
    print(f"  {sum(result.seconds.get(k, 0) for k in result.seconds if k != 'total_compute'):.1f} s")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
