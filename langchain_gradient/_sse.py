"""Server-sent events of a streamed completion -> decoded JSON payloads.

`SSEDecoder` splits the bytes into events, following the WHATWG "event stream
interpretation" rules; `EventStream` / `AsyncEventStream` decide what the
events mean: ``[DONE]`` ends the stream, an ``error`` event or malformed JSON
raises with the bad data quoted, and a connection that breaks mid-stream
raises after the events that did arrive were handed over.

After ``[DONE]`` the body is read to its end, within a budget (`DrainBudget`),
before the response is closed. httpx puts a connection back in its pool only
when the response was read to the end; closed earlier, the connection is
discarded and the next stream pays a new TCP (and TLS) handshake. A server
ends the body right after ``[DONE]``, so this costs one read of a few bytes.
The budget stops a body that keeps going after ``[DONE]`` (at most
`DRAIN_BYTES` more, and no new read once `DRAIN_SECONDS` have passed): the
connection is then closed instead of reused, and the caller is never held
longer than that, or, against a server that goes silent without ending the
body, longer than the read timeout any other read of the stream has. Nothing
read after ``[DONE]`` is decoded, and a failure while draining is not an
error of the stream (every event was delivered): the connection is just not
reused.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from typing import Any

import httpx

from langchain_gradient._http_errors import plain, scrub, where
from langchain_gradient.errors import GradientStreamError

__all__ = [
    "DRAIN_BYTES",
    "DRAIN_SECONDS",
    "AsyncEventStream",
    "DrainBudget",
    "EventStream",
    "SSEDecoder",
    "ServerSentEvent",
]

logger = logging.getLogger("langchain_gradient")

DRAIN_BYTES = 64 * 1024
"""Body bytes read after ``[DONE]`` at most, to reach its end (see the module docstring)."""

DRAIN_SECONDS = 1.0
"""No read after ``[DONE]`` starts once this many seconds have passed."""

_orjson_loads: Callable[[str], Any] | None
try:
    from orjson import loads as _orjson_loads
except ImportError:  # pragma: no cover - orjson is optional (not on PyPy)
    _orjson_loads = None

# orjson reads integers beyond 64 bits as floats; the stdlib keeps them exact.
# Such an integer has 19+ digits in a row. Finding a run: map every byte to
# b"0" (ASCII digit) or b"x" (anything else, UTF-8 never uses digit bytes
# inside a character) and look for 19 zeros, four times cheaper than a regex.
_DIGIT_MAP = bytes(0x30 if 0x30 <= b <= 0x39 else 0x78 for b in range(256))
_DIGIT_RUN = b"0" * 19

ServerSentEvent = tuple[str, str, str]
"""One dispatched event: ``(type, data, last_event_id)``; type ``"message"`` when unnamed."""


class SSEDecoder:
    """Incremental event-stream decoder: bytes in, dispatched events out.

    Implements the WHATWG HTML "event stream interpretation": lines end in LF,
    CR or CRLF (a CRLF may be split across two reads); each line is decoded as
    UTF-8 on its own, so U+2028, U+2029 and U+0085 inside a line are data, not
    line ends; one leading byte-order mark is skipped; ``:`` lines are
    comments; ``data`` lines are joined with line feeds; ``event`` names the next
    event; ``id`` sets the last event id unless it contains NUL; ``retry``
    (ASCII digits only) sets `retry`; unknown fields are ignored; a blank line
    dispatches the event if it had any ``data`` line. An event the stream ends
    in the middle of is dropped, as the spec says.

    Work is linear in the input: an unfinished line is kept as a list of pieces
    and joined once, when its end arrives.
    """

    __slots__ = ("_data", "_event", "_id", "_partial", "_skip_lf", "_started", "retry")

    def __init__(self) -> None:
        self._partial: list[bytes] = []
        self._skip_lf = False
        self._started = False
        self._event = ""
        self._data: list[str] = []
        self._id = ""
        self.retry: int | None = None
        """The reconnection time (ms) the stream last asked for, if any."""

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """The events completed by the next piece of the stream."""
        if (
            chunk.endswith(b"\n\n")
            and chunk.startswith(b"data: ")
            and chunk.count(b"\n") == 2
            and not (self._partial or self._data or self._event or self._skip_lf)
            and b"\r" not in chunk
        ):
            # The usual read: exactly one single-line data event, nothing pending.
            # Same result as the general path below, with a fraction of the work.
            self._started = True
            return [("message", chunk[6:-2].decode("utf-8", "replace"), self._id)]
        if self._skip_lf and chunk:
            # The last piece ended in CR; an LF opening this one is its CRLF's second half.
            self._skip_lf = False
            if chunk[0] == 0x0A:
                chunk = chunk[1:]
        if b"\r" in chunk:
            self._skip_lf = chunk[-1] == 0x0D
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        end = chunk.rfind(b"\n")
        if end < 0:
            if chunk:
                self._partial.append(chunk)
            return []
        if self._partial:
            self._partial.append(chunk[:end])
            complete = b"".join(self._partial)
            self._partial = []
        else:
            complete = chunk[:end]
        if end + 1 < len(chunk):
            self._partial.append(chunk[end + 1 :])
        # b"\n" never occurs inside a UTF-8 sequence, so decoding the complete
        # lines together gives the same text as decoding each one alone.
        text = complete.decode("utf-8", "replace")
        if not self._started:
            self._started = True
            if text.startswith("\ufeff"):
                text = text[1:]
        return self._lines(text.split("\n"))

    def _lines(self, lines: list[str]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        data = self._data
        for line in lines:
            if line.startswith("data: "):  # the usual line, first
                data.append(line[6:])
            elif not line:
                if data:
                    events.append((self._event or "message", "\n".join(data), self._id))
                    data = self._data = []
                self._event = ""
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                if value.startswith(" "):
                    value = value[1:]
                if name == "data":
                    data.append(value)
                elif name == "event":
                    self._event = value
                elif name == "id":
                    if "\0" not in value:
                        self._id = value
                elif name == "retry" and value.isascii() and value.isdigit():
                    # Beyond int()'s digit limit there is no usable delay: ignore it.
                    with contextlib.suppress(ValueError):
                        self.retry = int(value)
        return events


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

    orjson (installed with langsmith on CPython) parses a chunk in a third of
    the stdlib's time. It reads integers wider than 64 bits differently, so
    data with 19+ digit runs, and anything orjson rejects, goes to ``json``
    for the verdict.
    """
    if _orjson_loads is not None and _DIGIT_RUN not in data.encode(
        "utf-8", "surrogatepass"
    ).translate(_DIGIT_MAP):
        try:
            return _orjson_loads(data)
        except ValueError:
            pass
    return json.loads(data)


def _decode(event_type: str, data: str) -> Any:
    """The JSON payload of one event; raises on an ``error`` event or bad JSON."""
    if event_type == "error":
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


class DrainBudget:
    """How much of a body may still be read after ``[DONE]`` (see the module docstring)."""

    __slots__ = ("_deadline", "_left")

    def __init__(self) -> None:
        self._left = DRAIN_BYTES
        self._deadline = time.monotonic() + DRAIN_SECONDS

    def spend(self, piece: bytes) -> bool:
        """Count ``piece`` against the budget; ``False`` once it is spent (stop reading)."""
        self._left -= len(piece)
        return self._left >= 0 and time.monotonic() < self._deadline


def _drain(pieces: Iterator[bytes], request: httpx.Request) -> None:
    """Read what follows ``[DONE]``, within the budget; never raises a transport error."""
    budget = DrainBudget()
    try:
        for piece in pieces:
            if not budget.spend(piece):
                return
    except (httpx.TransportError, httpx.StreamError, httpx.DecodingError) as exc:
        _log_drain_failure(exc, request)


async def _adrain(pieces: AsyncIterator[bytes], request: httpx.Request) -> None:
    """Async `_drain`."""
    budget = DrainBudget()
    try:
        async for piece in pieces:
            if not budget.spend(piece):
                return
    except (httpx.TransportError, httpx.StreamError, httpx.DecodingError) as exc:
        _log_drain_failure(exc, request)


def _log_drain_failure(exc: Exception, request: httpx.Request) -> None:
    # The stream was complete: this only costs the connection its reuse.
    reason = scrub(str(exc), request) or type(exc).__name__
    logger.debug("Not reusing the connection of %s: %s after [DONE]", where(request), reason)


class EventStream:
    """The decoded ``data:`` payloads of a streamed response, up to ``[DONE]``.

    ``done`` tells whether ``[DONE]`` arrived. The response is closed when
    iteration ends, however it ends; after ``[DONE]``, only once the rest of
    the body is read (within `DrainBudget`), so the connection can be reused.
    """

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.done = False

    def __iter__(self) -> Iterator[Any]:
        response = self.response
        try:
            if "text/event-stream" not in response.headers.get("content-type", ""):
                _check_event_stream(response, response.read())
            feed = SSEDecoder().feed
            pieces = response.iter_bytes()
            for piece in pieces:
                for event_type, data, _ in feed(piece):
                    if not data:
                        continue
                    if data == "[DONE]":
                        self.done = True
                        _drain(pieces, response.request)
                        return
                    yield _decode(event_type, data)
        # DecodingError: a body whose content-encoding (gzip, ...) breaks mid-way.
        except (httpx.TransportError, httpx.StreamError, httpx.DecodingError) as exc:
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
            feed = SSEDecoder().feed
            pieces = response.aiter_bytes()
            async for piece in pieces:
                for event_type, data, _ in feed(piece):
                    if not data:
                        continue
                    if data == "[DONE]":
                        self.done = True
                        await _adrain(pieces, response.request)
                        return
                    yield _decode(event_type, data)
        # DecodingError: a body whose content-encoding (gzip, ...) breaks mid-way.
        except (httpx.TransportError, httpx.StreamError, httpx.DecodingError) as exc:
            raise _broken(exc, response.request) from exc
        finally:
            await response.aclose()
