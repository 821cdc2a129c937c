"""Where phase 2 runs: a local process pool, or Dask (a local cluster or a scheduler).

Both are :class:`concurrent.futures.Executor` s running the pure function
:func:`coursetools.grading.execute.execute_job`. Dask workers must have this
package installed and, for full isolation, run as root on Linux (see
``docs/instructors.md``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager


def default_workers() -> int:
    """One more than the cores: kernels spend part of their time waiting (I/O, sleeps)."""
    return (os.cpu_count() or 1) + 1


def warm_up() -> None:
    """Start this worker's zygote now, while the main process prepares jobs."""
    from coursetools.grading.sandbox.zygote_client import zygote

    zygote()


def warm_up_soon() -> None:
    """Start this process's zygote in a thread now: its imports overlap the caller's own.

    Only for the local thread pool (:func:`executor`'s default), whose workers
    share this process's zygote. A failure here is left to the pool's
    ``warm_up``, which starts the zygote again and reports it.
    """

    def quietly() -> None:
        with contextlib.suppress(Exception):
            warm_up()

    threading.Thread(target=quietly, name="zygote start", daemon=True).start()


@contextmanager
def _cancelled_on_error(pool: Executor) -> Iterator[None]:
    """On Ctrl-C (or any error) drop the jobs not started: only running ones are awaited."""
    try:
        yield
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise


@contextmanager
def executor(
    workers: int | None = None, dask: str | None = None, *, processes: bool = False
) -> Iterator[Executor]:
    """``dask`` is None (a local pool), ``"local"`` or a scheduler address.

    Locally, threads by default: phase 2 spends its time waiting for sandboxed
    kernels (separate processes), and threads share one zygote, started once.
    ``processes=True`` uses a process pool (or a local Dask cluster's worker
    processes); each process starts its own zygote.
    """
    if dask is None:
        count = workers or default_workers()
        if not processes:
            with (
                ThreadPoolExecutor(count, initializer=warm_up) as threads,
                _cancelled_on_error(threads),
            ):
                yield threads
            return
        context = multiprocessing.get_context("spawn")
        with (
            ProcessPoolExecutor(count, mp_context=context, initializer=warm_up) as pool,
            _cancelled_on_error(pool),
        ):
            yield pool
        return
    from distributed import Client, LocalCluster

    if dask == "local":
        with (
            LocalCluster(
                n_workers=workers or default_workers(),
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client.get_executor()
        return
    with Client(dask) as client:
        yield client.get_executor()
