"""Running a coroutine to completion from synchronous code, also from inside a running event
loop (Jupyter, an async application, a browser-automation session): there it runs on a thread of
its own, where ``asyncio.run`` is allowed."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["run_sync"]

T = TypeVar("T")


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)``, on a worker thread when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="preftree-async") as pool:
        return pool.submit(asyncio.run, coroutine).result()
