"""Run one piece of work per item, a bounded number at a time, results in item order.

`GradientEmbeddings` sends its chunks through these: threads for the sync
methods (httpx's sync client is thread-safe), tasks under a semaphore for the
async ones. Both stop starting new items at the first failure and raise it,
so a failed call never keeps sending requests whose results would be dropped.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TypeVar

__all__ = ["run_tasks", "run_threads"]

_C = TypeVar("_C")
_T = TypeVar("_T")


class _SkippedError(Exception):
    """An item not started because another one already failed."""


def run_threads(
    work: Callable[[_C], _T], items: Sequence[_C], limit: int, done: Callable[[_C], None]
) -> list[_T]:
    """``work`` on every item, ``limit`` at a time on threads; results in item order.

    ``done(item)`` runs on the calling thread as each item succeeds. The first
    failure is raised, and no item is started after it. With ``limit == 1``
    (or one item) everything runs on the calling thread.
    """
    if limit == 1 or len(items) == 1:
        results = []
        for item in items:
            results.append(work(item))
            done(item)
        return results
    failed = threading.Event()

    def guarded(item: _C) -> _T:
        if failed.is_set():
            raise _SkippedError
        try:
            return work(item)
        except BaseException:
            failed.set()
            raise

    with ThreadPoolExecutor(
        max_workers=min(limit, len(items)), thread_name_prefix="langchain-gradient"
    ) as pool:
        futures = {pool.submit(guarded, item): item for item in items}
        try:
            for future in as_completed(futures):
                if not isinstance(future.exception(), _SkippedError):
                    future.result()
                    done(futures[future])
        except BaseException:
            failed.set()
            for future in futures:
                future.cancel()
            raise
        return [future.result() for future in futures]


async def run_tasks(
    work: Callable[[_C], Awaitable[_T]],
    items: Sequence[_C],
    limit: int,
    done: Callable[[_C], None],
) -> list[_T]:
    """Async `run_threads`: at most ``limit`` items in flight, none started after a failure."""
    gate = asyncio.Semaphore(limit)
    failed = False

    async def bounded(item: _C) -> _T:
        nonlocal failed
        async with gate:
            if failed:
                raise _SkippedError
            try:
                result = await work(item)
            except BaseException:
                failed = True
                raise
        done(item)
        return result

    tasks = [asyncio.ensure_future(bounded(item)) for item in items]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
