"""The wire: the clients an instance talks through, and the send loops with their retry policy.

Sync and async share every decision (what to retry, how long to wait, which
exception a response becomes: `_http_errors`); only the two loops that wait on
I/O exist twice, and they are a few lines each. Streamed bodies are decoded by
`_sse`.

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
import logging
import random
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from langchain_gradient import _clients
from langchain_gradient._clients import (
    DEFAULT_LIMITS,
    DEFAULT_SETTINGS,
    DEFAULT_TIMEOUT,
    ClientSettings,
)
from langchain_gradient._http_errors import (
    error_from_response,
    transport_error,
    where,
)
from langchain_gradient.errors import GradientError

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "Clients",
    "RetryPolicy",
    "asend",
    "build_headers",
    "send",
]

logger = logging.getLogger("langchain_gradient")

sleep: Callable[[float], None] = time.sleep
"""How the sync retry loop waits; tests replace it."""

async_sleep: Callable[[float], Any] = asyncio.sleep
"""How the async retry loop waits; tests replace it."""


# ------------------------------------------------------------ clients


class Clients:
    """The httpx clients one model instance talks through.

    User-supplied clients are used as they are and never closed here.
    Otherwise the process-wide shared clients of `_clients` are borrowed: one
    sync client, and one async client per event loop, shared with every other
    instance that has the same `ClientSettings`. The instance remembers the
    client it got (a dictionary lookup saved per call) until the shared
    clients are dropped (`close_shared_clients`, ``os.fork()``). It remembers
    an async client and its loop only weakly: an instance that outlives a
    loop keeps neither alive.

    Use it from any module that sends requests (chat, catalogue, embeddings)::

        clients = Clients(http_client=user_client)  # or Clients()
        client = clients.sync()  # or: await-side, clients.async_()

    A copy of an instance gets its own (``copy.deepcopy`` gives an empty one
    with the same user clients and settings).
    """

    def __init__(
        self,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
        settings: ClientSettings = DEFAULT_SETTINGS,
    ) -> None:
        self._user_sync = http_client
        self._user_async = http_async_client
        self._settings = settings
        self._sync: tuple[int, httpx.Client] | None = None
        self._async: (
            tuple[int, weakref.ref[asyncio.AbstractEventLoop], weakref.ref[httpx.AsyncClient]]
            | None
        ) = None

    def __deepcopy__(self, memo: dict[int, Any]) -> Clients:
        # A cache of live clients is not data: the copy starts empty (and a
        # deep copy of an httpx client fails on its locks).
        return Clients(self._user_sync, self._user_async, self._settings)

    def sync(self) -> httpx.Client:
        """The user's sync client, or the shared one."""
        if self._user_sync is not None:
            return self._user_sync
        cached = self._sync
        if cached is not None and cached[0] == _clients.generation() and not cached[1].is_closed:
            return cached[1]
        client = _clients.shared_client(self._settings)
        self._sync = (_clients.generation(), client)
        return client

    def async_(self) -> httpx.AsyncClient:
        """The user's async client, or the running loop's shared one."""
        if self._user_async is not None:
            return self._user_async
        loop = asyncio.get_running_loop()
        cached = self._async
        if cached is not None and cached[0] == _clients.generation() and cached[1]() is loop:
            client = cached[2]()
            if client is not None and not client.is_closed:
                return client
        client = _clients.shared_async_client(self._settings)
        self._async = (_clients.generation(), weakref.ref(loop), weakref.ref(client))
        return client

    def close(self) -> None:
        """Forget the borrowed clients; close nothing (other instances share them).

        Entries of event loops that were closed without shutting down are
        dropped from this thread's shared registry.
        """
        self._sync = None
        self._async = None
        _clients.forget_dead_loops()

    async def aclose(self) -> None:
        """As `close` (an async twin for symmetry)."""
        self.close()


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


def _log_retry(request: httpx.Request, attempt: int, delay: float, error: Exception) -> None:
    # URL and error text only: the key lives in headers, which are never logged.
    logger.info(
        "Retrying %s in %.2f s (retry %d) after: %s",
        where(request),
        delay,
        attempt + 1,
        error,
    )


# ------------------------------------------------------------- errors


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
            error: GradientError = transport_error(exc, request)
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
            error: GradientError = transport_error(exc, request)
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
