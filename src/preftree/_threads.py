"""Work spread over threads: fold fits, bootstrap refits and resampled rating fits.

scikit-learn's tree builder, NumPy's ufuncs and SciPy's sparse products release the GIL, so
threads scale without copying the data to worker processes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

__all__ = ["map_drawn", "parallel_map"]

T = TypeVar("T")
D = TypeVar("D")


def parallel_map(function: Callable[..., T], argument_lists: Iterable[Sequence[object]],
                 n_jobs: int | None) -> list[T]:
    """``function(*args)`` for each argument list, in order, on ``n_jobs`` threads (-1: every core;
    ``None`` or 1: this thread, as joblib reads them; 0 is not a thread count)."""
    from joblib import Parallel, delayed

    _check(n_jobs)
    jobs = [delayed(function)(*args) for args in argument_lists]
    if n_jobs == 1:
        return [f(*a, **k) for f, a, k in jobs]
    cap = 4 * (os.cpu_count() or 1)  # threads beyond the cores only queue (and can exhaust limits)
    n_jobs = min(n_jobs, cap) if n_jobs is not None and n_jobs > 0 else n_jobs
    return list(Parallel(n_jobs=n_jobs, prefer="threads")(jobs))


def map_drawn(function: Callable[[D], T], draw: Callable[[], D], n: int, n_jobs: int | None) -> list[T]:
    """``function(draw())`` ``n`` times. The draws are made here, in order, one batch of as many as
    there are threads at a time: the results do not depend on the threads, and only a batch of
    draws (a weight per row each) is in memory, not all ``n``."""
    _check(n_jobs)
    cores = os.cpu_count() or 1
    in_flight = 1 if n_jobs is None else min(n_jobs, 4 * cores) if n_jobs > 0 else cores  # the cap parallel_map has
    results: list[T] = []
    for start in range(0, n, in_flight):
        batch = [(draw(),) for _ in range(min(in_flight, n - start))]
        results += parallel_map(function, batch, n_jobs)
    return results


def _check(n_jobs: int | None) -> None:
    import numbers

    from .errors import ConfigError

    if n_jobs is not None and (not isinstance(n_jobs, numbers.Integral) or isinstance(n_jobs, bool) or n_jobs == 0):
        raise ConfigError(f"a thread count is 1 and up, or -1 for every core, not {n_jobs!r}")
