"""What follows ``[DONE]``: the body is read to its end so the connection is
reused, within a budget, so a body that never ends cannot hold the caller.

Over real loopback sockets, sync and async; every stream here is complete, so
none may raise or lose a chunk, whatever the server does after ``[DONE]``.
"""

from __future__ import annotations

import asyncio
import json
import time
from functools import reduce
from operator import add

import pytest
from langchain_core.messages import AIMessageChunk

from langchain_gradient import ChatGradient, _sse

from .loopback import SECRET, LoopbackServer, Reply, delta, stream

MODES = ["sync", "async"]
EVENTS = [delta("po"), delta("ng"), delta(finish_reason="stop")]


def answered(reply: Reply, mode: str, calls: int = 2, **kwargs: object) -> LoopbackServer:
    """Stream ``reply`` ``calls`` times (a fresh instance each, async ones in one
    loop) and check each stream is complete; the stopped server."""

    def check(chunks: list[AIMessageChunk]) -> None:
        message = reduce(add, chunks)
        assert message.text == "pong"
        assert message.response_metadata["finish_reason"] == "stop"

    with LoopbackServer([reply]) as server:

        def model() -> ChatGradient:
            return ChatGradient(base_url=server.base_url, api_key=SECRET, **kwargs)  # type: ignore[arg-type]

        if mode == "sync":
            for _ in range(calls):
                check(list(model().stream("hi")))
        else:

            async def streams() -> None:
                for _ in range(calls):
                    check([chunk async for chunk in model().astream("hi")])

            asyncio.run(streams())
    return server


def sse_then(*after: bytes) -> Reply:
    """The events, ``[DONE]``, then ``after`` (raw chunks), then the end of the body."""
    events = [f"data: {json.dumps(event)}\n\n".encode() for event in EVENTS]
    raw = [*events, b"data: [DONE]\n\n", *after]
    return Reply(headers={"content-type": "text/event-stream"}, raw_events=raw)


@pytest.mark.parametrize("mode", MODES)
def test_the_end_of_the_body_after_done_is_read_and_the_connection_reused(mode: str) -> None:
    server = answered(Reply.sse(EVENTS), mode, calls=3)
    assert len(server.requests) == 3
    assert server.total_connections == 1


@pytest.mark.parametrize("mode", MODES)
def test_a_little_more_after_done_is_read_past_and_not_decoded(mode: str) -> None:
    # A comment, and an event that is not JSON: neither is decoded (nothing
    # after [DONE] is), and the body still ends within the budget.
    server = answered(sse_then(b": bye\n\n", b"data: not json\n\n"), mode, calls=2)
    assert server.total_connections == 1


@pytest.mark.parametrize("mode", MODES)
def test_a_body_that_keeps_streaming_after_done_is_cut_off(mode: str) -> None:
    reply = sse_then()
    reply.endless = b": still here " + b"x" * 4096 + b"\n\n"
    started = time.monotonic()
    server = answered(reply, mode, calls=2)
    assert time.monotonic() - started < 10
    # Each connection was closed at the budget, not reused mid-body.
    assert server.total_connections == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_body_that_trickles_on_after_done_is_cut_off_in_time(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_sse, "DRAIN_SECONDS", 0.3)
    reply = sse_then()
    reply.endless = b":\n"  # far below the byte budget: only the clock stops it
    reply.endless_every = 0.02
    started = time.monotonic()
    server = answered(reply, mode, calls=2)
    assert time.monotonic() - started < 5
    assert server.total_connections == 2


@pytest.mark.parametrize("mode", MODES)
def test_silence_after_done_holds_the_caller_at_most_the_read_timeout(mode: str) -> None:
    reply = sse_then()
    reply.stall = True  # [DONE], then neither more bytes nor the end of the body
    started = time.monotonic()
    server = answered(reply, mode, calls=2, timeout=0.3)
    assert time.monotonic() - started < 5
    assert server.total_connections == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_connection_that_breaks_after_done_costs_only_its_reuse(mode: str) -> None:
    reply = sse_then(b": bye\n\n")
    reply.drop = True  # closed without the end of the chunked body
    server = answered(reply, mode, calls=2)
    assert server.total_connections == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_caller_that_stops_early_releases_the_connection(mode: str) -> None:
    with LoopbackServer([Reply.sse(EVENTS)]) as server:
        model = ChatGradient(base_url=server.base_url, api_key=SECRET)
        if mode == "sync":
            for _ in model.stream("hi"):
                break
        else:

            async def first() -> None:
                async for _ in model.astream("hi"):
                    break

            asyncio.run(first())
        # Closed, not pooled: the rest of its body was never read.
        assert server.wait_until_idle()
        chunks, error = stream(model, mode, "again")
        assert error is None
        assert "".join(chunk.text for chunk in chunks) == "pong"
        assert server.total_connections == 2
