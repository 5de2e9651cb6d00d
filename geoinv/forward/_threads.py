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

__all__ = ["DEFAULT_THREADS", "map_chunks"]

DEFAULT_THREADS = min(2, os.cpu_count() or 1)

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
    groups = np.array_split(starts, max(1, min(threads, starts.size)))
    if len(groups) > 1:
        list(_executor(threads).map(lambda group: run(group, *args), groups))
    else:
        run(starts, *args)
