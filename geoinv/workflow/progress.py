"""The training progress line of the command line (and a line per long step).

Library code reports training progress through a callback
(``Trainer(progress=...)``); the terminal belongs to the command line, which
passes a :class:`TerminalProgress`.

Why not tqdm: tqdm draws a fine bar on a terminal, but written to a log file
or a pipe it still separates its updates with carriage returns (a whole run
becomes one physical line), and with ``disable=None`` it writes nothing at
all there.  This writer rewrites one line on a terminal and writes whole,
throttled lines elsewhere, shows the two losses we care about, and costs no
dependency.
"""

from __future__ import annotations

import math
import sys

__all__ = ["TerminalProgress"]


def _clock(seconds):
    """Seconds as H:MM:SS."""
    minutes, s = divmod(int(round(seconds)), 60)
    h, m = divmod(minutes, 60)
    return f"{h}:{m:02d}:{s:02d}"


class TerminalProgress:
    """Progress callback that rewrites a single terminal line.

    The line shows epoch/max_epochs, the losses, elapsed time and an upper
    bound on the time left (the remaining epochs up to ``max_epochs`` at the
    mean speed so far; early stopping may end sooner).  It is rewritten at
    most once per ``every`` seconds of training time, and always for the last
    epoch; :meth:`close` (called by the trainer) finishes the line.  When the
    stream is not a terminal (a log file, a pipe) each update is a line of
    its own, at most one per ``10 * every`` seconds, so logs stay readable.

    Parameters
    ----------
    stream : file-like or None, optional
        Where to write; None means ``sys.stderr`` at the time of writing.
    every : float, optional
        Minimum seconds between two rewrites.

    Examples
    --------
    >>> import io
    >>> p = TerminalProgress(io.StringIO(), every=0)
    >>> p(1, 10, 0.25, float("nan"), 2.0); p.close()
    >>> p.stream.getvalue().strip()
    'epoch 1/10  train 2.500e-01  elapsed 0:00:02  left <= 0:00:18'
    """

    def __init__(self, stream=None, every=1.0):
        self.stream = stream
        self.every = every
        self._reset()

    def _reset(self):
        self._last = None          # arguments of the last call
        self._written_at = None    # elapsed time of the last rewrite
        self._dirty = False        # last call not yet shown
        self._width = 0

    def __call__(self, epoch, max_epochs, train_loss, val_loss, elapsed):
        if self._last is not None and epoch <= self._last[0]:
            self._reset()          # a new run without close()
        self._last = (epoch, max_epochs, train_loss, val_loss, elapsed)
        self._dirty = True
        every = self.every if self._isatty() else 10 * self.every
        if (self._written_at is None or elapsed - self._written_at >= every
                or epoch >= max_epochs):
            self._write()

    def _write(self):
        epoch, max_epochs, train_loss, val_loss, elapsed = self._last
        line = f"epoch {epoch}/{max_epochs}  train {train_loss:.3e}"
        if not math.isnan(val_loss):
            line += f"  val {val_loss:.3e}"
        left = elapsed / epoch * (max_epochs - epoch)
        line += f"  elapsed {_clock(elapsed)}  left <= {_clock(left)}"
        stream = self._stream()
        if self._isatty():
            stream.write("\r" + line.ljust(self._width))
        else:
            stream.write(line + "\n")
        stream.flush()
        self._width = len(line)
        self._written_at = elapsed
        self._dirty = False

    def close(self):
        """Show the last epoch and end the line."""
        if self._last is not None:
            if self._dirty:
                self._write()
            if self._isatty():
                self._stream().write("\n")
                self._stream().flush()
        self._reset()

    def note(self, text):
        """Write one line about a long step other than training (ends any open line).

        Examples
        --------
        >>> import io
        >>> p = TerminalProgress(io.StringIO())
        >>> p.note("posterior: sampling 104 test_id soundings")
        >>> p.stream.getvalue().splitlines()
        ['posterior: sampling 104 test_id soundings']
        """
        self.close()
        self._stream().write(text + "\n")
        self._stream().flush()

    def _stream(self):
        return self.stream if self.stream is not None else sys.stderr

    def _isatty(self):
        isatty = getattr(self._stream(), "isatty", None)
        return bool(isatty and isatty())
