"""Run a batch flow: the only code that exists twice (sync, async), because it waits.

A flow (`_flow`) is a generator that yields steps and gets back what each
step produced; an error from a step is thrown into it, so the flow decides
what a 409 or a 412 means. The drivers below perform the steps with the
sync or the async clients and nothing else; feeding the flow (`_Driver`) and
building each request are written once for both.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Generator
from typing import Any, Generic, TypeVar

import httpx

from langchain_gradient import _clients, _transport
from langchain_gradient._config import decode_json
from langchain_gradient._http_errors import transport_error
from langchain_gradient.batches._api import (
    STORAGE_HEADERS,
    Call,
    Download,
    Upload,
    Wait,
)
from langchain_gradient.batches._lines import AsyncFileContent, FileContent
from langchain_gradient.errors import GradientError

__all__ = ["Flow", "arun", "monotonic", "run"]

T = TypeVar("T")
Step = Call | Upload | Download | Wait
Flow = Generator[Step, Any, T]

sleep: Callable[[float], None] = time.sleep
"""How a sync wait between polls sleeps; tests replace it."""
async_sleep: Callable[[float], Any] = asyncio.sleep
"""How an async wait between polls sleeps; tests replace it."""
monotonic: Callable[[], float] = time.monotonic
"""The clock timeouts are measured on; tests replace it."""


def run(flow: Flow[T], clients: _transport.Clients) -> T:
    """Drive ``flow`` with the sync clients; return its result."""
    driver = _Driver(flow)
    while (step := driver.next_step()) is not None:
        try:
            driver.succeeded(_perform(step, clients))
        except GradientError as exc:
            driver.failed(exc)
    return driver.result


async def arun(flow: Flow[T], clients: _transport.Clients) -> T:
    """Drive ``flow`` with the async clients; return its result."""
    driver = _Driver(flow)
    while (step := driver.next_step()) is not None:
        try:
            driver.succeeded(await _aperform(step, clients))
        except GradientError as exc:
            driver.failed(exc)
    return driver.result


class _Driver(Generic[T]):
    """Hands a flow each step's outcome (its value, or the error thrown in) and takes the next."""

    def __init__(self, flow: Flow[T]) -> None:
        self._flow = flow
        self._value: Any = None
        self._error: GradientError | None = None
        self.result: T

    def next_step(self) -> Step | None:
        """The flow's next step; None once it has returned (its value is then `result`)."""
        value, error = self._value, self._error
        self._value, self._error = None, None
        try:
            return self._flow.send(value) if error is None else self._flow.throw(error)
        except StopIteration as finished:
            self.result = finished.value
            return None

    def succeeded(self, value: Any) -> None:
        self._value = value

    def failed(self, error: GradientError) -> None:
        self._error = error


def _perform(step: Step, clients: _transport.Clients) -> Any:
    if isinstance(step, Wait):
        sleep(step.seconds)
        return None
    if isinstance(step, Call):
        client = clients.sync()
        request = _call_request(client, step)
        return decode_json(_transport.send(client, request, step.policy))
    # Object storage: the shared client, never the user's (see `_api`).
    storage = _clients.shared_client()
    if isinstance(step, Upload):
        request = _upload_request(storage, step, FileContent(step.spooled))
        _transport.send(storage, request, step.policy).close()
        return None
    request = storage.build_request("GET", step.url, timeout=step.timeout)
    response = _transport.send(storage, request, step.policy, stream=True)
    try:
        for line in response.iter_lines():
            step.sink(line)
    except httpx.TransportError as exc:
        raise transport_error(exc, request) from exc
    finally:
        response.close()
    return None


async def _aperform(step: Step, clients: _transport.Clients) -> Any:
    if isinstance(step, Wait):
        await async_sleep(step.seconds)
        return None
    if isinstance(step, Call):
        client = clients.async_()
        request = _call_request(client, step)
        return decode_json(await _transport.asend(client, request, step.policy))
    storage = _clients.shared_async_client()
    if isinstance(step, Upload):
        request = _upload_request(storage, step, AsyncFileContent(step.spooled))
        await (await _transport.asend(storage, request, step.policy)).aclose()
        return None
    request = storage.build_request("GET", step.url, timeout=step.timeout)
    response = await _transport.asend(storage, request, step.policy, stream=True)
    try:
        async for line in response.aiter_lines():
            step.sink(line)
    except httpx.TransportError as exc:
        raise transport_error(exc, request) from exc
    finally:
        await response.aclose()
    return None


def _call_request(client: httpx.Client | httpx.AsyncClient, step: Call) -> httpx.Request:
    return client.build_request(
        step.method, step.url, headers=step.headers, content=step.content, timeout=step.timeout
    )


def _upload_request(
    storage: httpx.Client | httpx.AsyncClient,
    step: Upload,
    content: FileContent | AsyncFileContent,
) -> httpx.Request:
    # An explicit length: object storage refuses chunked uploads to a
    # pre-signed URL, and httpx sends a set Content-Length instead of chunking.
    headers = {**STORAGE_HEADERS, "Content-Length": str(step.spooled.size)}
    return storage.build_request(
        "PUT", step.url, content=content, headers=headers, timeout=step.timeout
    )
