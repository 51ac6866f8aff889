"""Server-sent events of a streamed completion -> decoded JSON payloads.

httpx-sse splits the events; this module decides what they mean: ``[DONE]``
ends the stream, an ``error`` event or malformed JSON raises with the bad data
quoted, and a connection that breaks mid-stream raises after the events that
did arrive were handed over.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncGenerator, Callable, Iterator
from typing import Any

import httpx
from httpx_sse import EventSource, ServerSentEvent, SSEError

from langchain_gradient._http_errors import plain, scrub
from langchain_gradient.errors import GradientStreamError

__all__ = ["AsyncEventStream", "EventStream"]

_orjson_loads: Callable[[str], Any] | None
try:
    from orjson import loads as _orjson_loads
except ImportError:  # pragma: no cover - orjson is optional (not on PyPy)
    _orjson_loads = None

_LONG_DIGITS = re.compile(r"[0-9]{19}")


def _check_event_stream(response: httpx.Response, body: bytes | None) -> None:
    content_type = response.headers.get("content-type", "")
    if "text/event-stream" in content_type:
        return
    text = (body or b"").decode("utf-8", "replace")
    msg = f"expected a text/event-stream response, got {content_type or 'no content type'!r}"
    if text:
        msg += f": {plain(text)}"
    raise GradientStreamError(msg)


def _loads(data: str) -> Any:
    """Parse one event's JSON: orjson when it gives the stdlib's answer, else json.

    orjson (installed with langsmith on CPython) halves the per-chunk parse
    cost. It reads integers wider than 64 bits differently, so data with 19+
    digit runs, and anything orjson rejects, goes to ``json`` for the verdict.
    """
    if _orjson_loads is not None and _LONG_DIGITS.search(data) is None:
        try:
            return _orjson_loads(data)
        except ValueError:
            pass
    return json.loads(data)


def _decode(sse: ServerSentEvent) -> Any:
    """The JSON payload of one event; raises on an ``error`` event or bad JSON."""
    data = sse.data
    if sse.event == "error":
        msg = f"the server reported an error mid-stream: {plain(data)}"
        raise GradientStreamError(msg)
    try:
        return _loads(data)
    except ValueError as exc:
        quoted = data if len(data) <= 200 else data[:200] + "..."
        msg = f"malformed JSON in stream event: {quoted!r}"
        raise GradientStreamError(msg) from exc


def _broken(exc: Exception, request: httpx.Request) -> GradientStreamError:
    if isinstance(exc, httpx.TimeoutException):
        reason = f"the server sent nothing within the read timeout ({type(exc).__name__})"
    else:
        reason = scrub(str(exc), request) or type(exc).__name__
    error = GradientStreamError(f"the stream broke off before it was complete: {reason}")
    error.is_retryable = True
    return error


class EventStream:
    """The decoded ``data:`` payloads of a streamed response, up to ``[DONE]``.

    ``done`` tells whether ``[DONE]`` arrived. The response is closed when
    iteration ends, however it ends.
    """

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.done = False

    def __iter__(self) -> Iterator[Any]:
        response = self.response
        try:
            if "text/event-stream" not in response.headers.get("content-type", ""):
                _check_event_stream(response, response.read())
            for sse in EventSource(response).iter_sse():
                if not sse.data:
                    continue
                if sse.data == "[DONE]":
                    self.done = True
                    return
                yield _decode(sse)
        except (httpx.TransportError, httpx.StreamError, SSEError) as exc:
            raise _broken(exc, response.request) from exc
        finally:
            response.close()


class AsyncEventStream:
    """Async `EventStream`."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.done = False

    async def __aiter__(self) -> AsyncGenerator[Any, None]:
        response = self.response
        try:
            if "text/event-stream" not in response.headers.get("content-type", ""):
                _check_event_stream(response, await response.aread())
            async for sse in EventSource(response).aiter_sse():
                if not sse.data:
                    continue
                if sse.data == "[DONE]":
                    self.done = True
                    return
                yield _decode(sse)
        except (httpx.TransportError, httpx.StreamError, SSEError) as exc:
            raise _broken(exc, response.request) from exc
        finally:
            await response.aclose()
