"""Prototypes of speed-ups for ``langchain_gradient``, measured from outside the package.

``python -m benchmarks.run --proposed`` adds a ``ChatGradient (proposed)``
contender: a `ChatGradient` subclass with the levers below, interleaved with the
stock class in the same run, so the gain of each lever is a same-run ratio.

Levers (each keeps behaviour identical; see the README "Performance" section):

1. `SSEParser` + `LeanEventStream` / `LeanAsyncEventStream`: split the raw
   bytes on blank lines and take the ``data: ...`` fast path for single-line
   events (the only kind Gradient sends), instead of httpx's text decoder plus
   httpx-sse's per-line decoder; decode JSON with orjson when it is importable
   (it comes with langsmith), falling back to ``json`` on anything orjson
   refuses, so what is accepted and what is produced stays the same.
2. `FastStreamMapper`: a fast path in front of `StreamMapper.map` for plain
   content deltas (no tool calls, reasoning, refusal, finish, usage, logprobs),
   building the `AIMessageChunk` with only the fields that differ from their
   defaults.
3. (Measured with ``/tmp``-style scratch runs, not here: the pool limits.
   httpcore scans every pooled connection on every request event, so on
   loopback a 200-connection pool costs 5x the CPU of httpx's default
   ``Limits(max_connections=100, max_keepalive_connections=20)`` for 200
   concurrent calls; a 200/200 pool is worse still. See the README.)
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import aclosing
from typing import Any

import httpx
from httpx_sse import SSEError
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk

from langchain_gradient import ChatGradient, _http_errors, _sse, _transport
from langchain_gradient._response import MODEL_PROVIDER, StreamMapper
from langchain_gradient.chat_models import _stream_tail
from langchain_gradient.errors import GradientStreamError

try:  # orjson ships with langsmith on CPython; optional.
    import orjson

    _orjson_loads: Any = orjson.loads
except ImportError:  # pragma: no cover - depends on the environment
    _orjson_loads = None

__all__ = [
    "FastStreamMapper",
    "LeanAsyncEventStream",
    "LeanEventStream",
    "ProposedChatGradient",
    "SSEParser",
    "loads",
]

_QUOTE = 200


# ------------------------------------------------------------------ lever 1


_LONG_DIGITS = re.compile(rb"[0-9]{19}")
"""orjson turns integers beyond 64 bits into floats; json keeps them exact."""


def loads(data: bytes) -> Any:
    """JSON from bytes: orjson when it accepts the input, else the stdlib (same result)."""
    if _orjson_loads is not None and _LONG_DIGITS.search(data) is None:
        try:
            return _orjson_loads(data)
        except ValueError:
            pass  # NaN, huge ints, bad UTF-8...: let json decide, as before
    return json.loads(data.decode("utf-8", "replace"))


class SSEParser:
    """Incremental server-sent-events parser over raw bytes.

    ``feed`` returns the ``(event, data)`` pairs completed by a piece. Lines
    may end in CRLF, LF or CR; comments and unknown fields are ignored; ``data``
    lines are joined with ``\\n``; an unterminated event at the end of the
    stream is dropped (as httpx-sse does).
    """

    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, piece: bytes) -> list[tuple[str, bytes]]:
        buffer = self._buffer + piece if self._buffer else piece
        if b"\r" in buffer:
            # A CR at the very end may be the first half of a CRLF.
            tail = b"\r" if buffer.endswith(b"\r") else b""
            body = buffer[:-1] if tail else buffer
            buffer = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n") + tail
        out: list[tuple[str, bytes]] = []
        start = 0
        while (end := buffer.find(b"\n\n", start)) >= 0:
            block = buffer[start:end]
            start = end + 2
            if block.startswith(b"data: ") and b"\n" not in block:
                out.append(("", block[6:]))
            elif block:
                out.append(_parse_block(block))
        self._buffer = buffer[start:]
        return out

    def flush(self) -> list[tuple[str, bytes]]:
        """Events completed by the end of the stream (a held-back final CR ends a line)."""
        if not self._buffer.endswith(b"\r"):
            return []
        self._buffer = self._buffer[:-1]
        return self.feed(b"\n")


def _parse_block(block: bytes) -> tuple[str, bytes]:
    event = ""
    data: list[bytes] = []
    for line in block.split(b"\n"):
        if not line or line.startswith(b":"):
            continue
        name, _, value = line.partition(b":")
        if value.startswith(b" "):
            value = value[1:]
        if name == b"data":
            data.append(value)
        elif name == b"event":
            event = value.decode("utf-8", "replace")
    return event, b"\n".join(data)


def _decode(event: str, data: bytes) -> Any:
    if event == "error":
        text = data.decode("utf-8", "replace")
        msg = f"the server reported an error mid-stream: {_http_errors.plain(text)}"
        raise GradientStreamError(msg)
    try:
        return loads(data)
    except ValueError as exc:
        text = data.decode("utf-8", "replace")
        quoted = text if len(text) <= _QUOTE else text[:_QUOTE] + "..."
        msg = f"malformed JSON in stream event: {quoted!r}"
        raise GradientStreamError(msg) from exc


class LeanEventStream(_sse.EventStream):
    """`EventStream` on `SSEParser`: same events, same errors, less work."""

    def __iter__(self) -> Iterator[Any]:
        response = self.response
        try:
            if "text/event-stream" not in response.headers.get("content-type", ""):
                _sse._check_event_stream(response, response.read())
            parser = SSEParser()
            for piece in response.iter_bytes():
                for event, data in parser.feed(piece):
                    if not data:
                        continue
                    if data == b"[DONE]":
                        self.done = True
                        return
                    yield _decode(event, data)
            for event, data in parser.flush():
                if data == b"[DONE]":
                    self.done = True
                    return
                if data:
                    yield _decode(event, data)
        except (httpx.TransportError, httpx.StreamError, SSEError) as exc:
            raise _sse._broken(exc, response.request) from exc
        finally:
            response.close()


class LeanAsyncEventStream(_sse.AsyncEventStream):
    """Async `LeanEventStream`."""

    async def __aiter__(self) -> AsyncGenerator[Any, None]:
        response = self.response
        try:
            if "text/event-stream" not in response.headers.get("content-type", ""):
                _sse._check_event_stream(response, await response.aread())
            parser = SSEParser()
            async for piece in response.aiter_bytes():
                for event, data in parser.feed(piece):
                    if not data:
                        continue
                    if data == b"[DONE]":
                        self.done = True
                        return
                    yield _decode(event, data)
            for event, data in parser.flush():
                if data == b"[DONE]":
                    self.done = True
                    return
                if data:
                    yield _decode(event, data)
        except (httpx.TransportError, httpx.StreamError, SSEError) as exc:
            raise _sse._broken(exc, response.request) from exc
        finally:
            await response.aclose()


# ------------------------------------------------------------------ lever 2


class FastStreamMapper(StreamMapper):
    """`StreamMapper` with a fast path for plain content deltas."""

    __slots__ = ()

    def map(self, event: Any) -> ChatGenerationChunk | None:
        """Same result as `StreamMapper.map`; plain text deltas skip the general path."""
        if self.body and type(event) is dict and not event.get("error"):
            choices = event.get("choices")
            if (
                type(choices) is list
                and choices
                and event.get("usage") is None
                and (not event.get("model") or self.body.get("model"))
            ):
                choice = choices[0]
                if type(choice) is dict and not choice.get("finish_reason"):
                    delta = choice.get("delta")
                    content = delta.get("content") if type(delta) is dict else None
                    if (
                        type(content) is str
                        and content
                        and choice.get("logprobs") is None
                        and not delta.get("tool_calls")  # type: ignore[union-attr]
                        and not delta.get("reasoning_content")  # type: ignore[union-attr]
                        and not delta.get("refusal")  # type: ignore[union-attr]
                    ):
                        message = AIMessageChunk(
                            content=content,
                            response_metadata={"model_provider": MODEL_PROVIDER},
                        )
                        return ChatGenerationChunk(message=message)
        return super().map(event)


# ------------------------------------------------------------- the subclass


class ProposedChatGradient(ChatGradient):
    """`ChatGradient` with levers 1 and 2."""

    def _stream_mapper(self, requested_model: str) -> StreamMapper:
        return FastStreamMapper(requested_model)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        payload = self._payload(messages, stop, stream=True, kwargs=kwargs)
        client = self._clients.sync()
        response = _transport.send(
            client, self._request(client, payload), self._policy(), stream=True
        )
        events = LeanEventStream(response)
        mapper = self._stream_mapper(payload["model"])
        for event in events:
            chunk = mapper.map(event)
            if chunk is not None:
                if run_manager is not None:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
        if (tail := _stream_tail(mapper, events.done)) is not None:
            yield tail
        mapper.close()

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        payload = self._payload(messages, stop, stream=True, kwargs=kwargs)
        client = self._clients.async_()
        response = await _transport.asend(
            client, self._request(client, payload), self._policy(), stream=True
        )
        events = LeanAsyncEventStream(response)
        mapper = self._stream_mapper(payload["model"])
        async with aclosing(events.__aiter__()) as event_iterator:
            async for event in event_iterator:
                chunk = mapper.map(event)
                if chunk is not None:
                    if run_manager is not None:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
        if (tail := _stream_tail(mapper, events.done)) is not None:
            yield tail
        mapper.close()


def proposed(base_url: str, api_key: str, model: str) -> ProposedChatGradient:
    """The proposed contender (stock clients, so only levers 1 and 2 differ)."""
    return ProposedChatGradient(  # type: ignore[call-arg]
        model=model,
        base_url=base_url,
        api_key=api_key,  # type: ignore[arg-type]
    )
