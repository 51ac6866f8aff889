"""The wire: pooled httpx clients, retries, SSE events, HTTP errors.

Sync and async share every decision (what to retry, how long to wait, which
exception a response becomes, how an event is decoded); only the loops that
wait on I/O exist twice, and they are a few lines each.

Retry policy (`RetryPolicy`): connection errors, timeouts, 408, 409, 429 and
5xx are retried up to ``max_retries`` times with exponential backoff and
jitter (0.5 s * 2^n, at most 8 s, times a factor in [0.75, 1]);
``x-should-retry: true|false`` on a response overrides its status;
``retry-after-ms`` / ``Retry-After`` (seconds or an HTTP date) are honoured up
to 60 s. Nothing is retried once a streamed response has been accepted: its
events may already be with the caller.

Secrets: the key travels in the ``Authorization`` header only. Messages and
log lines name the method and URL (without any userinfo), and a server that
echoes the key back has it replaced by ``[REDACTED]``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import threading
import time
from collections.abc import AsyncGenerator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from httpx_sse import EventSource, ServerSentEvent, SSEError

from langchain_gradient.errors import (
    GradientAuthenticationError,
    GradientBadRequestError,
    GradientConnectionError,
    GradientContextOverflowError,
    GradientError,
    GradientNotFoundError,
    GradientPermissionDeniedError,
    GradientRateLimitError,
    GradientRequestTimeoutError,
    GradientServerError,
    GradientStatusError,
    GradientStreamError,
    GradientTimeoutError,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "AsyncEventStream",
    "Clients",
    "EventStream",
    "RetryPolicy",
    "asend",
    "error_from_response",
    "send",
]

_orjson_loads: Callable[[str], Any] | None
try:
    from orjson import loads as _orjson_loads
except ImportError:  # pragma: no cover - orjson is optional (not on PyPy)
    _orjson_loads = None

logger = logging.getLogger("langchain_gradient")

DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
"""Two minutes between bytes (a long non-streamed answer sends none until it is
done), ten seconds to connect."""

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
"""httpx's own defaults. Measured (``python -m benchmarks.pool_limits``): pools
that keep 100+ idle connections make httpcore's per-request connection scan
dominate (200 concurrent ``ainvoke``: 6.6x the floor at 100 kept, 0.96x at 20).
More than 100 requests in flight per instance wait for a free connection; pass
your own ``http_async_client`` for a bigger pool."""

sleep: Callable[[float], None] = time.sleep
"""How the sync retry loop waits; tests replace it."""

async_sleep: Callable[[float], Any] = asyncio.sleep
"""How the async retry loop waits; tests replace it."""

_RETRY_STATUSES = frozenset({408, 409, 429})
_CONTEXT_OVERFLOW = re.compile(
    r"context[_ ]length|context window|maximum context|too many tokens|"
    r"prompt is too long|input is too long|exceeds the model",
    re.IGNORECASE,
)
_LONG_DIGITS = re.compile(r"[0-9]{19}")
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_QUOTE_LIMIT = 500
_MIN_SECRET = 8


# ------------------------------------------------------------ clients


class Clients:
    """The httpx clients of one `ChatGradient`: created on first use, reused.

    One sync client, and one async client per event loop: an
    ``httpx.AsyncClient`` belongs to the loop it first ran on, so a second
    ``asyncio.run`` gets a fresh one, and the client of a loop that has closed
    is dropped (its sockets are released when it is garbage-collected; call
    ``aclose()`` inside the loop to release them at once). Clients the user
    supplied are used as they are and never closed here.
    """

    def __init__(
        self,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._user_sync = http_client
        self._user_async = http_async_client
        self._sync: httpx.Client | None = None
        # A plain dict, pruned of closed loops: in a WeakKeyDictionary the
        # client's transports would keep their loop (the key) alive forever.
        self._async: dict[asyncio.AbstractEventLoop, httpx.AsyncClient] = {}
        self._lock = threading.Lock()

    def sync(self) -> httpx.Client:
        """The sync client (created if needed)."""
        if self._user_sync is not None:
            return self._user_sync
        with self._lock:
            client = self._sync
            if client is None or client.is_closed:
                client = self._sync = httpx.Client(timeout=DEFAULT_TIMEOUT, limits=DEFAULT_LIMITS)
            return client

    def async_(self) -> httpx.AsyncClient:
        """The async client of the running event loop (created if needed)."""
        if self._user_async is not None:
            return self._user_async
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._async.get(loop)
            if client is None or client.is_closed:
                self._drop_dead_loops()
                client = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, limits=DEFAULT_LIMITS)
                self._async[loop] = client
            return client

    def close(self) -> None:
        """Close the sync client this object created; forget clients of closed loops."""
        with self._lock:
            client, self._sync = self._sync, None
            self._drop_dead_loops()
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        """Close the async client of the running loop, and the sync client."""
        self.close()
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._async.pop(loop, None)
        if client is not None:
            await client.aclose()

    def _drop_dead_loops(self) -> None:
        for loop in [loop for loop in self._async if loop.is_closed()]:
            del self._async[loop]


# ------------------------------------------------------------ retries


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a request again, and how long to wait first."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def delay(
        self, attempt: int, error: GradientError, headers: httpx.Headers | None
    ) -> float | None:
        """Seconds to wait before retry number ``attempt + 1``, or ``None`` to give up."""
        if attempt >= self.max_retries or not error.is_retryable:
            return None
        hinted = _retry_after(headers, self.max_retry_after) if headers is not None else None
        if hinted is not None:
            return hinted
        backoff = min(self.initial_delay * 2.0**attempt, self.max_delay)
        return backoff * (1.0 - 0.25 * random.random())  # noqa: S311 - jitter, not crypto


def _retry_after(headers: httpx.Headers, cap: float) -> float | None:
    seconds: float | None = None
    if (value := headers.get("retry-after-ms")) is not None:
        try:
            seconds = float(value) / 1000.0
        except ValueError:
            seconds = None
    if seconds is None and (value := headers.get("retry-after")) is not None:
        try:
            seconds = float(value)
        except ValueError:
            from email.utils import parsedate_to_datetime  # noqa: PLC0415 - rare path

            try:
                seconds = parsedate_to_datetime(value).timestamp() - time.time()
            except (TypeError, ValueError, IndexError, OverflowError):
                seconds = None
    if seconds is None or not 0 <= seconds <= cap:
        return None
    return seconds


def _should_retry(response: httpx.Response) -> bool:
    hint = response.headers.get("x-should-retry", "").strip().lower()
    if hint == "true":
        return True
    if hint == "false":
        return False
    return response.status_code in _RETRY_STATUSES or response.status_code >= 500


def _where(request: httpx.Request) -> str:
    """``METHOD url`` for messages: credentials in the URL are left out."""
    url = request.url
    if url.userinfo:
        url = url.copy_with(username=None, password=None)
    return f"{request.method} {url}"


def _scrub(text: str, request: httpx.Request | None) -> str:
    """``text`` with the request's credentials replaced, should a server echo them."""
    if request is None:
        return text
    for name in ("authorization", "api-key", "x-api-key"):
        value = request.headers.get(name)
        if not value:
            continue
        secret = value.split(" ", 1)[1] if value.lower().startswith("bearer ") else value
        # Very short values would mangle ordinary words; real keys are long.
        if len(secret) >= _MIN_SECRET and secret in text:
            text = text.replace(secret, "[REDACTED]")
    return text


def _log_retry(request: httpx.Request, attempt: int, delay: float, error: Exception) -> None:
    # URL and error text only: the key lives in headers, which are never logged.
    logger.info(
        "Retrying %s in %.2f s (retry %d) after: %s",
        _where(request),
        delay,
        attempt + 1,
        error,
    )


# ------------------------------------------------------------- errors


def error_from_response(response: httpx.Response) -> GradientStatusError:
    """Map an error response (body already read) to the matching exception.

    The server's message is found in any of the body shapes Gradient sends
    (see `_parse_error_body`); 401/403/404/408/429/5xx get their own classes,
    a 400/413/422 about the context window becomes
    `GradientContextOverflowError`, every other status `GradientBadRequestError`.
    """
    body, message, error_type = _parse_error_body(response)
    status = response.status_code
    cls: type[GradientStatusError]
    if status == 401:
        cls = GradientAuthenticationError
    elif status == 403:
        cls = GradientPermissionDeniedError
    elif status == 404:
        cls = GradientNotFoundError
    elif status == 408:
        cls = GradientRequestTimeoutError
    elif status == 429:
        cls = GradientRateLimitError
    elif status >= 500:
        cls = GradientServerError
    elif status in (400, 413, 422) and _CONTEXT_OVERFLOW.search(f"{message} {error_type or ''}"):
        cls = GradientContextOverflowError
    else:
        cls = GradientBadRequestError
    return cls(
        message,
        response=response,
        error_type=error_type,
        body=body,
        is_retryable=_should_retry(response),
    )


def _parse_error_body(response: httpx.Response) -> tuple[Any, str, str | None]:
    """(decoded body, message, error type) for every error shape Gradient sends.

    OpenAI ``{"error": {"message", "type", "code"}}`` (also Anthropic's, which
    wraps the same object), DigitalOcean ``{"id", "message"}``, vLLM
    ``{"object": "error", "message", "type", "code"}``, FastAPI
    ``{"detail": ...}`` (a string or a list of validation errors), plain text
    and HTML. A body echoing the request's key has it replaced.
    """
    try:
        text = response.text
    except (UnicodeDecodeError, LookupError):
        text = response.content.decode("utf-8", "replace")
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:  # a response built by hand, without its request
        request = None
    text = _scrub(text, request)
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = text
    message: str | None = None
    error_type: str | None = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            message = _as_text(error.get("message"))
            error_type = _as_text(error.get("type")) or _as_text(error.get("code"))
        elif isinstance(error, str) and error:
            message = error
        if message is None and body.get("message") is not None:
            message = _as_text(body.get("message"))
            # DigitalOcean sends ``id``; vLLM (open-weight backends) ``type``/``code``.
            error_type = (
                _as_text(body.get("id")) or _as_text(body.get("type")) or _as_text(body.get("code"))
            )
        if message is None and body.get("detail") is not None:
            message = _detail_text(body["detail"])
    if not message:
        message = _plain(text) or response.reason_phrase or "no error message"
    return body, _bounded(message), error_type


def _as_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _detail_text(detail: Any) -> str:
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                loc = item.get("loc")
                where = ".".join(str(p) for p in loc) if isinstance(loc, list) else ""
                what = item.get("msg", json.dumps(item))
                parts.append(f"{where}: {what}" if where else str(what))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    return detail if isinstance(detail, str) else json.dumps(detail)


def _bounded(text: str) -> str:
    return text if len(text) <= _QUOTE_LIMIT else text[:_QUOTE_LIMIT] + "..."


def _plain(text: str) -> str:
    """Readable, bounded text from a plain or HTML body."""
    if "<" in text and ">" in text:
        text = _TAG.sub(" ", text)
    return _bounded(_SPACE.sub(" ", text).strip())


def _transport_error(exc: httpx.TransportError, request: httpx.Request) -> GradientError:
    where = _where(request)
    if isinstance(exc, httpx.TimeoutException):
        return GradientTimeoutError(f"timed out talking to {where}: {type(exc).__name__}")
    detail = _scrub(str(exc) or type(exc).__name__, request)
    error = GradientConnectionError(f"cannot reach {where}: {detail}")
    if isinstance(exc, httpx.UnsupportedProtocol):
        error.is_retryable = False  # a bad base_url does not get better
    return error


# -------------------------------------------------------- send, with retries


def send(
    client: httpx.Client, request: httpx.Request, policy: RetryPolicy, *, stream: bool = False
) -> httpx.Response:
    """Send ``request``, retrying per ``policy``; return a 2xx response.

    With ``stream=True`` the 2xx response is returned unread (the caller
    iterates and closes it); error responses are always read and closed.

    Raises:
        GradientStatusError: a subclass matching the final error status.
        GradientConnectionError: the server could not be reached.
        GradientTimeoutError: the server did not answer in time.
    """
    attempt = 0
    while True:
        headers = None
        try:
            response = client.send(request, stream=stream)
            if not response.is_success:
                try:
                    response.read()
                finally:
                    response.close()
        except httpx.TransportError as exc:
            error: GradientError = _transport_error(exc, request)
            cause: BaseException = exc
        else:
            if response.is_success:
                return response
            error = cause = error_from_response(response)
            headers = response.headers
        delay = policy.delay(attempt, error, headers)
        if delay is None:
            raise error from (None if cause is error else cause)
        _log_retry(request, attempt, delay, error)
        sleep(delay)
        attempt += 1


async def asend(
    client: httpx.AsyncClient, request: httpx.Request, policy: RetryPolicy, *, stream: bool = False
) -> httpx.Response:
    """Async `send`: same policy, same errors."""
    attempt = 0
    while True:
        headers = None
        try:
            response = await client.send(request, stream=stream)
            if not response.is_success:
                try:
                    await response.aread()
                finally:
                    await response.aclose()
        except httpx.TransportError as exc:
            error: GradientError = _transport_error(exc, request)
            cause: BaseException = exc
        else:
            if response.is_success:
                return response
            error = cause = error_from_response(response)
            headers = response.headers
        delay = policy.delay(attempt, error, headers)
        if delay is None:
            raise error from (None if cause is error else cause)
        _log_retry(request, attempt, delay, error)
        await async_sleep(delay)
        attempt += 1


# -------------------------------------------------------------- streams


def _check_event_stream(response: httpx.Response, body: bytes | None) -> None:
    content_type = response.headers.get("content-type", "")
    if "text/event-stream" in content_type:
        return
    text = (body or b"").decode("utf-8", "replace")
    msg = f"expected a text/event-stream response, got {content_type or 'no content type'!r}"
    if text:
        msg += f": {_plain(text)}"
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
        msg = f"the server reported an error mid-stream: {_plain(data)}"
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
        reason = _scrub(str(exc), request) or type(exc).__name__
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


def build_headers(
    api_key: str, default_headers: Mapping[str, str] | None, user_agent: str
) -> dict[str, str]:
    """The headers every request carries."""
    headers = {
        "Authorization": f"Bearer {api_key}",
        "Content-Type": "application/json",
        "Accept": "application/json",
        "User-Agent": user_agent,
    }
    if default_headers:
        headers.update(default_headers)
    return headers
