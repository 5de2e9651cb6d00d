"""Running chunks of a large batch on a few threads.

numpy releases the GIL inside its ufuncs and matrix products, so chunks of a
batch computed on two threads take about half the time on two cores.  The
forward models keep their own ``THREADS`` setting (tests and benchmarks set
it to 1) and hand their chunk loop to :func:`map_chunks`.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["DEFAULT_THREADS", "map_chunks", "threads_from_environment"]


def threads_from_environment(default=None):
    """Threads of the forward models: ``GEOINV_THREADS`` if set, else ``default``.

    ``default`` None means min(2, cores): two threads halve the time of a
    large batch on two idle cores; on a machine busy with other work, set
    ``GEOINV_THREADS=1`` (or ``geoinv run --threads 1``).

    Raises
    ------
    ValueError
        If ``GEOINV_THREADS`` is not an integer >= 1.
    """
    text = os.environ.get("GEOINV_THREADS")
    if text is None or not text.strip():
        return min(2, os.cpu_count() or 1) if default is None else default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"GEOINV_THREADS must be an integer >= 1; got {text!r}")
    return value


def _at_import(default=None):
    """:func:`threads_from_environment`, falling back to the default on a bad value
    (the command line checks ``GEOINV_THREADS`` first and reports it in one line)."""
    try:
        return threads_from_environment(default)
    except ValueError:
        return min(2, os.cpu_count() or 1) if default is None else default


DEFAULT_THREADS = _at_import()


_pool = None   # ((pid, n_threads), ThreadPoolExecutor)


def _executor(threads):
    """The shared pool, made anew after a fork or for another thread count."""
    global _pool
    if _pool is None or _pool[0] != (os.getpid(), threads):
        _pool = ((os.getpid(), threads),
                 ThreadPoolExecutor(max_workers=threads, thread_name_prefix="geoinv-forward"))
    return _pool[1]


def map_chunks(run, starts, threads, *args):
    """Call ``run(starts_subset, *args)`` on up to ``threads`` threads.

    Parameters
    ----------
    run : callable
        ``run(starts, *args)`` processes the chunks beginning at ``starts``
        and writes into output arrays among ``args``; it returns nothing.
    starts : ndarray of int
        First row of each chunk.
    threads : int
        Most threads to use; 1 runs everything on the calling thread.
    *args
        Passed on to ``run``.
    """
    if threads <= 1 or starts.size <= 1:
        run(starts, *args)
        return
    groups = np.array_split(starts, min(threads, starts.size))
    if len(groups) > 1:
        list(_executor(threads).map(lambda group: run(group, *args), groups))
    else:
        run(starts, *args)
