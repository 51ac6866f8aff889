"""A loopback OpenAI-compatible server (Chat Completions, Responses) that costs almost nothing.

Run it in its own process (``python -m benchmarks.server``; it prints
``READY <port>``) so it never shares a GIL with the client being measured.
Every response is rendered once and cached as bytes; serving a request is a
header scan, a regex over the body and one ``transport.write``.

The reply is picked by a marker in the request body (the last one wins, so put
it in the last user message) and by ``"stream": true``:

- ``bench:chat:0``: a short assistant reply with usage (streamed: 3 chunks).
- ``bench:text:N``: streamed, N content chunks, then a finish chunk, a usage
  chunk and ``[DONE]``; not streamed, one message with the N pieces joined.
- ``bench:tool:M``: streamed, one tool call whose JSON arguments arrive in M
  pieces, then finish, usage and ``[DONE]``; not streamed, one tool call.

``POST /v1/responses`` (the Responses API) answers the same markers with a
whole ``response`` object (one ``message`` item, or one ``function_call`` item
for ``bench:tool:M``), or, streamed, with typed events in the order
llama-server sends them: ``response.created``, ``response.in_progress``,
``response.output_item.added``, ``response.content_part.added``,
``response.output_text.delta`` per piece, ``response.output_text.done``,
``response.content_part.done``, ``response.output_item.done`` and
``response.completed`` with usage (a tool call streams
``response.function_call_arguments.delta`` / ``.done`` instead of the part
events). Each event is an ``event:`` line and a ``data:`` line, as
llama-server sends them, and there is **no** ``[DONE]`` line. The events also
carry OpenAI's ``output_index``, ``content_index`` and ``sequence_number``,
which llama-server leaves out, so OpenAI's own client can read them too.

``POST /v1/embeddings`` answers one small vector (8 dimensions) per input,
as JSON floats or, when the request asks for ``"encoding_format": "base64"``,
base64 (`benchmarks.wallclock` counts the connections embeddings open).

``GET /_stats`` answers ``{"cpu": <process CPU seconds>, "requests": <count>,
"connections": <accepted so far>}`` so the harness can report the server's own
CPU share and how many connections the client opened. ``--certfile`` /
``--keyfile`` serve HTTPS instead (``benchmarks/new_instance.py``).

Streams use chunked transfer encoding with one HTTP chunk per SSE event, the
way real servers send them.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import re
import ssl
import struct
import sys
import time

__all__ = [
    "EMBEDDING_DIMENSIONS",
    "MODEL",
    "render",
    "render_embeddings",
    "render_responses",
    "serve",
]

MODEL = "bench-model"
_MARKER = re.compile(rb"bench:(chat|text|tool):(\d+)")
_STREAM = re.compile(rb'"stream"\s*:\s*true')
_CREATED = 1_700_000_000
_USAGE = {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}
_HEAD_END = b"\r\n\r\n"
_EMBEDDINGS = b"POST /v1/embeddings"
_RESPONSES = b"POST /v1/responses"
_RESPONSES_USAGE = {
    "input_tokens": 12,
    "input_tokens_details": {"cached_tokens": 0},
    "output_tokens": 7,
    "output_tokens_details": {"reasoning_tokens": 0},
    "total_tokens": 19,
}
_BASE64 = re.compile(rb'"encoding_format"\s*:\s*"base64"')
EMBEDDING_DIMENSIONS = 8


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _response(body: bytes, content_type: bytes = b"application/json") -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: "
        + content_type
        + b"\r\ncontent-length: "
        + str(len(body)).encode()
        + b"\r\nconnection: keep-alive\r\n\r\n"
        + body
    )


def _chunked_events(frames: list[bytes]) -> bytes:
    """An event-stream response: one HTTP chunk per SSE frame."""
    parts = [
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
        b"cache-control: no-cache\r\ntransfer-encoding: chunked\r\n"
        b"connection: keep-alive\r\n\r\n"
    ]
    for frame in frames:
        parts.append(b"%x\r\n%s\r\n" % (len(frame), frame))
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)


def _event_stream(events: list[object]) -> bytes:
    """Chat Completions: unnamed ``data:`` events, then ``[DONE]``."""
    frames = []
    for event in [*events, "[DONE]"]:
        data = event.encode() if isinstance(event, str) else _json(event)
        frames.append(b"data: " + data + b"\n\n")
    return _chunked_events(frames)


def _typed_stream(events: list[dict[str, object]]) -> bytes:
    """Responses API: ``event: <type>`` and ``data:`` lines per event, no ``[DONE]``."""
    frames = []
    for number, event in enumerate(events):
        data = _json({**event, "sequence_number": number})
        frames.append(b"event: " + str(event["type"]).encode() + b"\ndata: " + data + b"\n\n")
    return _chunked_events(frames)


def _chunk(n: int, delta: dict[str, object], finish: str | None = None) -> dict[str, object]:
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": _CREATED,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _tool_arguments(pieces: int) -> list[str]:
    """Valid JSON arguments split into exactly ``pieces`` non-empty strings (4 chars each)."""
    pieces = max(pieces, 7)
    text = json.dumps({"query": "x" * (4 * pieces - 25), "limit": 5})
    return [text[i : i + 4] for i in range(0, len(text), 4)]


def render(kind: str, n: int, stream: bool) -> bytes:
    """The full HTTP response for one scenario (status line to last byte)."""
    if not stream:
        message: dict[str, object] = {"role": "assistant", "content": "Hello there!"}
        finish = "stop"
        if kind == "text":
            message["content"] = "tok " * n
        elif kind == "tool":
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_bench",
                        "type": "function",
                        "function": {"name": "search", "arguments": "".join(_tool_arguments(n))},
                    }
                ],
            }
            finish = "tool_calls"
        body = {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": _CREATED,
            "model": MODEL,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": _USAGE,
        }
        return _response(_json(body))
    events: list[object] = [_chunk(0, {"role": "assistant", "content": ""})]
    if kind == "tool":
        events.append(
            _chunk(
                0,
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_bench",
                            "type": "function",
                            "function": {"name": "search", "arguments": ""},
                        }
                    ]
                },
            )
        )
        for piece in _tool_arguments(n):
            events.append(
                _chunk(0, {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
            )
        finish = "tool_calls"
    else:
        for _ in range(n if kind == "text" else 3):
            events.append(_chunk(0, {"content": "tok "}))
        finish = "stop"
    events.append(_chunk(0, {}, finish))
    events.append(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": _CREATED,
            "model": MODEL,
            "choices": [],
            "usage": _USAGE,
        }
    )
    return _event_stream(events)


def _response_object(status: str, output: list[dict[str, object]]) -> dict[str, object]:
    body: dict[str, object] = {
        "id": "resp_bench",
        "object": "response",
        "created_at": _CREATED,
        "status": status,
        "model": MODEL,
        "output": output,
        "usage": _RESPONSES_USAGE if status == "completed" else None,
    }
    return body


def _output_item(kind: str, text: str, arguments: str) -> dict[str, object]:
    if kind == "tool":
        return {
            "type": "function_call",
            "id": "fc_bench",
            "call_id": "call_bench",
            "name": "search",
            "arguments": arguments,
            "status": "completed",
        }
    part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
    return {
        "type": "message",
        "id": "msg_bench",
        "role": "assistant",
        "status": "completed",
        "content": [part],
    }


def render_responses(kind: str, n: int, stream: bool) -> bytes:
    """The full HTTP response of ``/v1/responses`` for one scenario.

    The same replies as `render`: ``chat`` is "Hello there!" whole and three
    ``tok `` pieces streamed, ``text`` is ``n`` pieces ``tok ``, ``tool`` one
    ``search`` call whose arguments stream in ``n`` pieces (at least 7).
    """
    pieces = ["tok "] * (n if kind == "text" else 3)
    arguments = _tool_arguments(n) if kind == "tool" else []
    text = "Hello there!" if kind == "chat" and not stream else "".join(pieces)
    item = _output_item(kind, text, "".join(arguments))
    if not stream:
        return _response(_json(_response_object("completed", [item])))
    started = _response_object("in_progress", [])
    where = {"output_index": 0, "item_id": item["id"]}
    events: list[dict[str, object]] = [
        {"type": "response.created", "response": started},
        {"type": "response.in_progress", "response": started},
    ]
    if kind == "tool":
        events.append(
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {**item, "arguments": "", "status": "in_progress"},
            }
        )
        events += [
            {"type": "response.function_call_arguments.delta", **where, "delta": piece}
            for piece in arguments
        ]
        events.append(
            {
                "type": "response.function_call_arguments.done",
                **where,
                "arguments": "".join(arguments),
            }
        )
    else:
        at = {**where, "content_index": 0}
        empty_part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
        done_part = {**empty_part, "text": text}
        events += [
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {**item, "content": [], "status": "in_progress"},
            },
            {"type": "response.content_part.added", **at, "part": empty_part},
        ]
        events += [{"type": "response.output_text.delta", **at, "delta": p} for p in pieces]
        events += [
            {"type": "response.output_text.done", **at, "text": text},
            {"type": "response.content_part.done", **at, "part": done_part},
        ]
    events += [
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {"type": "response.completed", "response": _response_object("completed", [item])},
    ]
    return _typed_stream(events)


def render_embeddings(count: int, base64_format: bool) -> bytes:
    """The full HTTP response of ``/embeddings`` for ``count`` inputs."""
    items: list[dict[str, object]] = []
    for index in range(count):
        values = [(index + d) / 16.0 for d in range(EMBEDDING_DIMENSIONS)]
        embedding: object = values
        if base64_format:
            packed = struct.pack(f"<{EMBEDDING_DIMENSIONS}f", *values)
            embedding = base64.b64encode(packed).decode()
        items.append({"object": "embedding", "index": index, "embedding": embedding})
    body = {"object": "list", "model": MODEL, "data": items, "usage": {"prompt_tokens": count}}
    return _response(_json(body))


class _State:
    def __init__(self) -> None:
        self.cache: dict[tuple[bytes, int, bool], bytes] = {}
        self.requests = 0
        self.connections = 0

    def answer(self, head: bytes, body: bytes) -> bytes:
        self.requests += 1
        if head.startswith(b"GET /_stats"):
            stats = {
                "cpu": time.process_time(),
                "requests": self.requests,
                "connections": self.connections,
            }
            return _response(_json(stats))
        if head.startswith(_EMBEDDINGS):
            inputs = json.loads(body)["input"]
            inputs_count = 1 if isinstance(inputs, str) else len(inputs)
            is_base64 = _BASE64.search(body) is not None
            embedding_key = (b"embeddings", inputs_count, is_base64)
            response = self.cache.get(embedding_key)
            if response is None:
                response = self.cache[embedding_key] = render_embeddings(inputs_count, is_base64)
            return response
        found = _MARKER.findall(body)
        kind, count = found[-1] if found else (b"chat", b"0")
        streams = _STREAM.search(body) is not None
        if head.startswith(_RESPONSES):
            responses_key = (b"responses:" + kind, int(count), streams)
            response = self.cache.get(responses_key)
            if response is None:
                response = render_responses(kind.decode(), int(count), streams)
                self.cache[responses_key] = response
            return response
        key = (kind, int(count), streams)
        response = self.cache.get(key)
        if response is None:
            response = self.cache[key] = render(kind.decode(), key[1], key[2])
        return response


class _Connection(asyncio.Protocol):
    __slots__ = ("buffer", "state", "transport")

    def __init__(self, state: _State) -> None:
        self.state = state
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.state.connections += 1

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        while True:
            end = buffer.find(_HEAD_END)
            if end < 0:
                break
            head = buffer[:end]
            length = 0
            lower = head.lower()
            at = lower.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = lower.find(b"\r\n", at + 2)
                length = int(lower[at + 17 : stop if stop >= 0 else len(lower)])
            start = end + 4
            if len(buffer) < start + length:
                break
            body = buffer[start : start + length]
            buffer = buffer[start + length :]
            assert self.transport is not None
            self.transport.write(self.state.answer(head, body))
            if b"\r\nconnection: close" in lower:
                self.transport.close()
                buffer = b""
                break
        self.buffer = buffer


async def serve(host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None) -> None:
    """Serve until cancelled (over TLS with ``tls``); print ``READY <port>`` once listening."""
    state = _State()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Connection(state), host, port, backlog=1024, ssl=tls)
    bound = server.sockets[0].getsockname()[1]
    gc.freeze()
    print(f"READY {bound}", flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--certfile", help="PEM certificate chain: serve HTTPS")
    parser.add_argument("--keyfile", help="PEM private key for --certfile")
    args = parser.parse_args(argv)
    tls = None
    if args.certfile:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.certfile, args.keyfile)
    try:
        asyncio.run(serve(port=args.port, tls=tls))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
