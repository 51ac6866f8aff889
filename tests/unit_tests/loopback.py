"""A scriptable HTTP/1.1 server on 127.0.0.1 for tests where real sockets matter.

It runs an asyncio server in a background thread, so sync and async clients can
both talk to it, and hundreds of connections cost nothing. Each request is
answered by the next `Reply` of the script (the last one repeats), or by a
``handler(request) -> Reply`` callable. It records every request and counts
open connections (now and at peak), so tests can check pooling and cleanup.

Usage::

    with LoopbackServer([Reply(503), Reply.json(completion("hi"))]) as server:
        model = ChatGradient(base_url=server.base_url, api_key="k")
        ...
        assert len(server.requests) == 2
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Reply:
    """One scripted answer.

    ``events`` are raw SSE payloads (``data:`` lines are added); they are sent
    with chunked encoding, one chunk per event. ``drop`` closes the connection
    after the events without finishing the body. ``hang`` never answers.
    ``gate`` holds the answer until the server's gate is opened. ``endless``
    is sent after the events, again and again (every ``endless_every``
    seconds) until the client goes away: a body that never ends.
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    events: list[str] | None = None
    raw_events: list[bytes] | None = None
    drop: bool = False
    hang: bool = False
    stall: bool = False
    gate: bool = False
    endless: bytes | None = None
    endless_every: float = 0.0

    @classmethod
    def json(cls, payload: Any, status: int = 200, **headers: str) -> Reply:
        return cls(
            status=status,
            headers={"content-type": "application/json", **headers},
            body=json.dumps(payload).encode(),
        )

    @classmethod
    def text(cls, text: str, status: int, content_type: str = "text/plain") -> Reply:
        return cls(status=status, headers={"content-type": content_type}, body=text.encode())

    @classmethod
    def sse(cls, events: Sequence[Any], *, done: bool = True, drop: bool = False) -> Reply:
        """Events as JSON (strings are sent verbatim), then ``[DONE]`` if ``done``."""
        data = [e if isinstance(e, str) else json.dumps(e) for e in events]
        if done:
            data.append("[DONE]")
        return cls(headers={"content-type": "text/event-stream"}, events=data, drop=drop)


@dataclass
class Request:
    """What the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    408: "Request Timeout",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class LoopbackServer:
    """The server; a context manager that starts and stops it."""

    def __init__(
        self,
        script: Sequence[Reply] | Callable[[Request], Reply] = (),
        *,
        gate_at: int | None = None,
        gate_timeout: float = 10.0,
    ) -> None:
        self._script = script if callable(script) else list(script)
        self._position = 0
        self.requests: list[Request] = []
        self.open_connections = 0
        self.peak_connections = 0
        self.in_flight = 0
        """Requests read but not yet answered (exact, unlike connection counts,
        which see a client's close only after the fact)."""
        self.peak_in_flight = 0
        self.total_connections = 0
        self.gate_at = gate_at
        self.gate_timeout = gate_timeout
        self.waiting_at_gate = 0
        self.gate_opened_with: int | None = None
        self._lock = threading.Lock()
        self._all_closed = threading.Condition(self._lock)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._stop: asyncio.Event | None = None
        self._gate: asyncio.Event | None = None
        self.port = 0

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        if not self._ready.wait(10):
            msg = "loopback server did not start"
            raise RuntimeError(msg)
        return self

    def __exit__(self, *exc: object) -> None:
        def stop() -> None:
            assert self._stop is not None
            self._stop.set()

        self._loop.call_soon_threadsafe(stop)
        self._thread.join(10)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())
        self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        self._gate = asyncio.Event()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stop.wait()
        self._gate.set()
        self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()

    def wait_until_idle(self, timeout: float = 5.0) -> bool:
        """Block until no client connection is open; ``False`` on timeout."""
        with self._all_closed:
            return self._all_closed.wait_for(lambda: self.open_connections == 0, timeout)

    # ------------------------------------------------------------- serving

    def _next_reply(self, request: Request) -> Reply:
        if callable(self._script):
            return self._script(request)
        if not self._script:
            return Reply.text("no script", 500)
        with self._lock:
            reply = self._script[min(self._position, len(self._script) - 1)]
            self._position += 1
        return reply

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            self.open_connections += 1
            self.total_connections += 1
            self.peak_connections = max(self.peak_connections, self.open_connections)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                with self._lock:
                    self.requests.append(request)
                    self.in_flight += 1
                    self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
                reply = self._next_reply(request)
                if reply.hang:
                    assert self._stop is not None
                    await self._stop.wait()
                    break
                if reply.gate or self.gate_at is not None:
                    await self._wait_at_gate()
                answered = await self._answer(reply, writer)
                with self._lock:
                    self.in_flight -= 1
                if not answered:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away, or the server is shutting down
        finally:
            # Count the connection closed only once its socket really is:
            # close() merely schedules it.
            writer.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await writer.wait_closed()
            with self._lock:
                self.open_connections -= 1
                self._all_closed.notify_all()

    async def _wait_at_gate(self) -> None:
        assert self._gate is not None
        if self._gate.is_set():
            return
        self.waiting_at_gate += 1
        if self.gate_at is not None and self.waiting_at_gate >= self.gate_at:
            self.gate_opened_with = self.waiting_at_gate
            self._gate.set()
        try:
            await asyncio.wait_for(self._gate.wait(), self.gate_timeout)
        except asyncio.TimeoutError:
            if self.gate_opened_with is None:
                self.gate_opened_with = self.waiting_at_gate
            self._gate.set()

    async def _answer(self, reply: Reply, writer: asyncio.StreamWriter) -> bool:
        """Write the reply; ``False`` when the connection must close afterwards."""
        reason = _REASONS.get(reply.status, "Status")
        head = [f"HTTP/1.1 {reply.status} {reason}"]
        head += [f"{k}: {v}" for k, v in reply.headers.items()]
        chunks = reply.raw_events
        if chunks is None and reply.events is not None:
            chunks = [f"data: {e}\n\n".encode() for e in reply.events]
        if chunks is None:
            head.append(f"content-length: {len(reply.body)}")
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + reply.body)
            await writer.drain()
            return True
        head.append("transfer-encoding: chunked")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        for chunk in chunks:
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            await writer.drain()
        if reply.endless is not None:
            # Until the client goes away (drain raises ConnectionError then).
            while not writer.is_closing():
                writer.write(f"{len(reply.endless):x}\r\n".encode() + reply.endless + b"\r\n")
                await writer.drain()
                await asyncio.sleep(reply.endless_every)
            return False
        if reply.stall:
            assert self._stop is not None
            await self._stop.wait()
            return False
        if reply.drop:
            return False
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return Request(method=method, path=path, headers=headers, body=body)


# ------------------------------------------------------------------ helpers


def completion(text: str = "Hello!", *, model: str = "test-model", **extra: Any) -> dict[str, Any]:
    """A minimal ``chat.completion`` body."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
        **extra,
    }


def delta(text: str | None = None, finish_reason: str | None = None) -> dict[str, Any]:
    """One ``chat.completion.chunk`` event."""
    d: dict[str, Any] = {} if text is None else {"content": text}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "test-model",
        "choices": [{"index": 0, "delta": d, "finish_reason": finish_reason}],
    }


def open_sockets() -> int:
    """How many socket file descriptors this process holds."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                count += 1
        except OSError:
            continue
    return count


def refused_url() -> str:
    """A loopback base URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


# ------------------------------------------------- in-memory (no sockets)

SECRET = "sk-do-unit-test-secret-4f2a9c0e7b1d"
"""A key-shaped value the tests look for everywhere it must not appear."""


class Scripted:
    """An ``httpx.MockTransport`` handler answering from a list (last repeats).

    Items are ``httpx.Response`` objects or exceptions to raise. Every request is
    kept in ``requests``.
    """

    def __init__(self, *script: httpx.Response | Exception) -> None:
        self.script = list(script)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        item = self.script[min(len(self.requests) - 1, len(self.script) - 1)]
        if isinstance(item, Exception):
            raise item
        return httpx.Response(
            item.status_code, headers=item.headers, content=item.content, request=request
        )


def json_response(payload: Any, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=payload, headers=headers)


def sse_response(events: Sequence[Any], *, done: bool = True) -> httpx.Response:
    data = [e if isinstance(e, str) else json.dumps(e) for e in events]
    if done:
        data.append("[DONE]")
    body = "".join(f"data: {d}\n\n" for d in data).encode()
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)


def mock_model(handler: Callable[[httpx.Request], httpx.Response], mode: str, **kwargs: Any) -> Any:
    """A `ChatGradient` whose client of ``mode`` ("sync"/"async") is in memory.

    The key defaults to `SECRET`; ``api_key=None`` leaves it to the environment.
    """
    from langchain_gradient import ChatGradient

    transport = httpx.MockTransport(handler)
    clients: dict[str, Any] = (
        {"http_client": httpx.Client(transport=transport)}
        if mode == "sync"
        else {"http_async_client": httpx.AsyncClient(transport=transport)}
    )
    if "api_key" not in kwargs:
        kwargs["api_key"] = SECRET
    elif kwargs["api_key"] is None:
        del kwargs["api_key"]
    kwargs.setdefault("model", "test-model")
    kwargs.setdefault("base_url", "https://gradient.test/v1")
    return ChatGradient(**clients, **kwargs)


def patch_sleep(monkeypatch: Any) -> list[float]:
    """Make the retry loops record their waits instead of sleeping."""
    from langchain_gradient import _transport

    waits: list[float] = []

    async def async_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(_transport, "sleep", waits.append)
    monkeypatch.setattr(_transport, "async_sleep", async_sleep)
    return waits


def invoke(model: Any, mode: str, *args: Any, **kwargs: Any) -> Any:
    """``model.invoke`` or ``model.ainvoke`` (in a fresh loop, closed after)."""
    if mode == "sync":
        return model.invoke(*args, **kwargs)

    async def run() -> Any:
        try:
            return await model.ainvoke(*args, **kwargs)
        finally:
            await model.aclose()

    return asyncio.run(run())


def stream(model: Any, mode: str, *args: Any, **kwargs: Any) -> tuple[list[Any], Exception | None]:
    """Chunks of ``model.stream``/``astream`` up to the end or the first exception."""
    chunks: list[Any] = []
    if mode == "sync":
        try:
            for chunk in model.stream(*args, **kwargs):
                chunks.append(chunk)
        except Exception as exc:
            return chunks, exc
        return chunks, None

    async def run() -> Exception | None:
        try:
            async for chunk in model.astream(*args, **kwargs):
                chunks.append(chunk)
        except Exception as exc:
            return exc
        finally:
            await model.aclose()
        return None

    return chunks, asyncio.run(run())
