"""Tests of geoinv.workflow.progress: the command line's training progress line."""

import io
import math

import numpy as np
import pytest

from geoinv.nn.network import BPNetwork
from geoinv.nn.training import GradientDescent
from geoinv.workflow.progress import TerminalProgress


def _problem(n=20, n_in=3, n_out=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, n_in))
    T = 0.5 + 0.3 * np.tanh(X @ rng.normal(size=(n_in, n_out)))
    return X, T


class _Terminal(io.StringIO):
    """A StringIO that says it is a terminal."""

    def isatty(self):
        return True


def test_terminal_progress_writes_one_rewritten_line():
    X, T = _problem()
    stream = _Terminal()
    GradientDescent(max_epochs=3, patience=None,
                    progress=TerminalProgress(stream, every=0)).fit(
        BPNetwork(3, 5, 2, rng=0), X, T, X, T)
    text = stream.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1
    last = text.split("\r")[-1]
    assert last.startswith("epoch 3/3  train ") and "  val " in last
    assert "elapsed 0:00:00  left <= 0:00:00" in last


def test_terminal_progress_is_throttled_but_shows_the_last_epoch():
    p = TerminalProgress(_Terminal(), every=60.0)
    for epoch in range(1, 6):
        p(epoch, 100, 0.5 / epoch, math.nan, epoch * 1.0)
    p.close()
    lines = p.stream.getvalue().split("\r")[1:]
    assert len(lines) == 2                         # first epoch, then the last on close
    assert lines[0].startswith("epoch 1/100  train 5.000e-01  elapsed 0:00:01  left <= 0:01:39")
    assert lines[1].startswith("epoch 5/100  train 1.000e-01  elapsed 0:00:05  left <= 0:01:35")
    assert "val" not in lines[1]


def test_progress_to_a_log_file_writes_whole_lines():
    # not a terminal: no carriage returns, one line per update, updates at
    # most every 10 * every seconds (here 10 s), and always the last epoch
    p = TerminalProgress(io.StringIO(), every=1.0)
    for epoch in range(1, 31):
        p(epoch, 30, 0.5, 0.6, float(epoch))
    p.close()
    text = p.stream.getvalue()
    assert "\r" not in text
    assert [line.split()[1] for line in text.splitlines()] == ["1/30", "11/30", "21/30", "30/30"]


def test_old_import_path_still_works_with_a_warning():
    import geoinv.nn.training as training

    with pytest.warns(DeprecationWarning, match="geoinv.workflow.progress"):
        from geoinv.nn.training import TerminalProgress as Old
    assert Old is TerminalProgress
    with pytest.raises(AttributeError, match="no attribute 'Progress'"):
        training.Progress
