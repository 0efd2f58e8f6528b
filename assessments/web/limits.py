"""Parsing and statistics for the page run in a worker process with a time and memory limit.

The server's event loop never parses a file or computes a statistic: :func:`run_limited`
sends the work to a pool of worker processes (started once, by ``spawn``, each with its address
space capped by ``RLIMIT_AS``) and waits without blocking other visitors. Work that runs past
its time is stopped by ending the pool's processes (a new pool starts for the next job), and
work that needs more memory than allowed ends in :class:`WorkLimitError`; either way the person
gets a page saying what happened and what to try.

======================  =============================  =========
limit                   variable                       default
======================  =============================  =========
seconds a job may run   ``ASSESS_WEB_SECONDS``         600
memory of a worker      ``ASSESS_WEB_MEMORY_MB``       4,000
workers                 ``ASSESS_WEB_WORKERS``         2
======================  =============================  =========
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from ..errors import AssessmentError, Problem

T = TypeVar("T")

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


class WorkLimitError(AssessmentError):
    """A job of the page ran past its time or memory limit and was stopped."""


def _number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def limits() -> tuple[float, int, int]:
    """Seconds a job may run, bytes of memory a worker may use, and the number of workers."""
    return (
        _number("ASSESS_WEB_SECONDS", 600),
        int(_number("ASSESS_WEB_MEMORY_MB", 4000) * 1024 * 1024),
        max(1, int(_number("ASSESS_WEB_WORKERS", 2))),
    )


def _start_worker(memory: int) -> None:
    """In each worker: Ctrl-C is the server's to handle, and the address space is capped."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory > 0:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            import multiprocessing

            _, memory, workers = limits()
            _pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(memory,),
            )
        return _pool


def stop_pool() -> None:
    """End the workers now (a job past its time, or the server stopping)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is None:
        return
    for process in list(getattr(pool, "_processes", {}).values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


async def run_limited(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a worker process, within the time and memory limits.

    Raises
    ------
    WorkLimitError
        The job ran past its time, ran out of memory, or its worker died.
    AssessmentError
        Whatever the job raised for bad input, as it raised it.
    """
    seconds, memory, _ = limits()
    future = _get_pool().submit(fn, *args)
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout=seconds)
    except TimeoutError:
        stop_pool()
        raise WorkLimitError(
            Problem(
                "too-slow",
                f"the work took longer than {seconds:g} seconds and was stopped",
                hint="try a smaller file, or ask whoever runs the page to raise ASSESS_WEB_SECONDS",
            )
        ) from None
    except MemoryError:
        raise WorkLimitError(
            Problem(
                "too-much-memory",
                f"the work needed more than {memory // 2**20:,} MB of memory and was stopped",
                hint="try a smaller file, or ask whoever runs the page to raise "
                "ASSESS_WEB_MEMORY_MB",
            )
        ) from None
    except BrokenProcessPool:
        stop_pool()
        raise WorkLimitError(
            Problem(
                "worker-stopped",
                "the worker doing this was stopped before it finished (out of memory, or "
                "the server is stopping)",
                hint="try again; with a large file, try a smaller one",
            )
        ) from None
