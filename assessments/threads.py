"""BLAS threads for the toolkit's own computations.

NumPy's BLAS (OpenBLAS) starts a thread per core for every matrix product and decomposition.
For the toolkit's work, many small matrices (a parallel analysis' hundreds of 30 × 30
eigen-decompositions, a CFA's iterations, an invariance search's refits) or thin blocks of a
large table (scoring), starting and waking those threads costs far more than it saves: a
parallel analysis of 30 items on 1,000 respondents takes 1.65 s with OpenBLAS's two threads
and 0.09 s with one on a quiet 2-core machine, 4.1 s and 0.16 s beside two busy processes
(``benchmarks/bench_threads.py``). The toolkit's entry points therefore run with one BLAS thread
(threadpoolctl), scoped to their own call: the user's setting is untouched before and after,
and a product large enough to gain from threads asks for them back (:func:`all_blas_threads`).

Examples
--------
>>> import numpy as np
>>> @one_blas_thread
... def small(x):
...     return np.linalg.eigvalsh(x @ x.T)
>>> float(small(np.eye(3)).sum())
3.0
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_DEFAULT: list[int] = []  # the BLAS threads before the toolkit limited them (read once)


def _limits(n: int | None) -> AbstractContextManager[Any]:
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:  # pragma: no cover - a dependency; a missing one only costs speed
        return nullcontext()
    if not _DEFAULT:
        counts = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
        _DEFAULT.append(max(counts, default=1))
    return threadpool_limits(limits=n if n is not None else _DEFAULT[0], user_api="blas")


def one_blas_thread(func: F) -> F:
    """Run ``func`` with one BLAS thread, and the caller's setting back afterwards."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _limits(1):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def all_blas_threads() -> AbstractContextManager[Any]:
    """A block of large products (thousands of rows and columns) that gains from every BLAS
    thread the machine had before the toolkit limited them."""
    return _limits(None)
