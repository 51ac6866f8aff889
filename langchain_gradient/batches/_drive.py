"""Run a batch flow: the only code that exists twice (sync, async), because it waits.

A flow (`_flow`) is a generator that yields steps and gets back what each
step produced; an error from a step is thrown into it, so the flow decides
what a 409 or a 412 means. The drivers below perform the steps with the
sync or the async clients and nothing else.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Generator
from typing import Any, TypeVar

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
    value: Any = None
    error: GradientError | None = None
    while True:
        try:
            step = flow.send(value) if error is None else flow.throw(error)
        except StopIteration as finished:
            result: T = finished.value
            return result
        value, error = None, None
        try:
            value = _perform(step, clients)
        except GradientError as exc:
            error = exc


async def arun(flow: Flow[T], clients: _transport.Clients) -> T:
    """Drive ``flow`` with the async clients; return its result."""
    value: Any = None
    error: GradientError | None = None
    while True:
        try:
            step = flow.send(value) if error is None else flow.throw(error)
        except StopIteration as finished:
            result: T = finished.value
            return result
        value, error = None, None
        try:
            value = await _aperform(step, clients)
        except GradientError as exc:
            error = exc


def _perform(step: Step, clients: _transport.Clients) -> Any:
    if isinstance(step, Wait):
        sleep(step.seconds)
        return None
    if isinstance(step, Call):
        client = clients.sync()
        request = client.build_request(
            step.method, step.url, headers=step.headers, content=step.content, timeout=step.timeout
        )
        return decode_json(_transport.send(client, request, step.policy))
    # Object storage: the shared client, never the user's (see `_api`).
    storage = _clients.shared_client()
    if isinstance(step, Upload):
        request = storage.build_request(
            "PUT",
            step.url,
            content=FileContent(step.spooled),
            headers=_upload_headers(step),
            timeout=step.timeout,
        )
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
        request = client.build_request(
            step.method, step.url, headers=step.headers, content=step.content, timeout=step.timeout
        )
        return decode_json(await _transport.asend(client, request, step.policy))
    storage = _clients.shared_async_client()
    if isinstance(step, Upload):
        request = storage.build_request(
            "PUT",
            step.url,
            content=AsyncFileContent(step.spooled),
            headers=_upload_headers(step),
            timeout=step.timeout,
        )
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


def _upload_headers(step: Upload) -> dict[str, str]:
    # An explicit length: object storage refuses chunked uploads to a
    # pre-signed URL, and httpx sends a set Content-Length instead of chunking.
    return {**STORAGE_HEADERS, "Content-Length": str(step.spooled.size)}
