"""The wall-clock benchmark on the Responses API: the server's route, the raw reader, the tables.

The server (`benchmarks.server`) runs in its own process on loopback, as the
benchmark runs it; nothing here is timed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from benchmarks.contenders import RESPONSES, RawHttpx, make_contenders
from benchmarks.spawn import spawn_server, stop_server
from benchmarks.wallclock import DASH, RAW, RAW_NEW, TIMES, render, verdict

LLAMA_SERVER_ORDER = [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    *["response.output_text.delta"] * 4,
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.completed",
]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    proc, port = spawn_server("benchmarks.server")
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop_server(proc)
        assert proc.stdout is not None
        proc.stdout.close()


def _server_connections(base_url: str) -> int:
    stats = httpx.get(base_url.removesuffix("/v1") + "/_stats").json()
    return int(stats["connections"])


def _sse(base_url: str, path: str, body: dict[str, Any]) -> list[str]:
    with httpx.Client() as client:
        response = client.post(base_url + path, json=body)
        assert response.headers["content-type"].startswith("text/event-stream")
        return response.text.splitlines()


def test_the_responses_route_streams_typed_events_and_no_done(base_url: str) -> None:
    lines = _sse(base_url, "/responses", {"model": "m", "input": "bench:text:4", "stream": True})
    names = [line.removeprefix("event: ") for line in lines if line.startswith("event: ")]
    events = [json.loads(line[6:]) for line in lines if line.startswith("data: ")]
    assert names == LLAMA_SERVER_ORDER
    assert [event["type"] for event in events] == names
    assert "data: [DONE]" not in lines
    assert "".join(e["delta"] for e in events if e["type"].endswith(".delta")) == "tok " * 4
    final = events[-1]["response"]
    assert final["status"] == "completed"
    assert final["usage"]["output_tokens"] == 7
    assert final["output"][0]["content"][0]["text"] == "tok " * 4


def test_chat_completions_streams_still_end_with_done(base_url: str) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "bench:text:4"}]}
    lines = _sse(base_url, "/chat/completions", {**body, "stream": True})
    data = [line for line in lines if line.startswith("data: ")]
    assert data[-1] == "data: [DONE]"
    assert not any(line.startswith("event: ") for line in lines)
    assert sum('"content":"tok "' in line for line in data) == 4


def test_the_responses_route_answers_whole_replies_and_tool_calls(base_url: str) -> None:
    with httpx.Client() as client:
        whole = client.post(base_url + "/responses", json={"input": "bench:chat:0"}).json()
        tool = client.post(base_url + "/responses", json={"input": "bench:tool:9"}).json()
        streamed = client.post(
            base_url + "/responses", json={"input": "bench:tool:9", "stream": True}
        )
    assert whole["object"] == "response"
    assert whole["output"][0]["content"][0]["text"] == "Hello there!"
    call = tool["output"][0]
    assert (call["type"], call["name"]) == ("function_call", "search")
    events = [
        json.loads(line[6:]) for line in streamed.text.splitlines() if line.startswith("data:")
    ]
    pieces = [e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta"]
    assert len(pieces) == 9
    assert json.loads("".join(pieces)) == json.loads(call["arguments"])


def test_the_raw_reader_and_chat_gradient_read_the_route_on_one_connection(
    base_url: str,
) -> None:
    contenders = make_contenders(base_url, responses=True)
    try:
        names = [c.name for c in contenders]
        assert names[:2] == [RAW, "ChatGradient"]
        assert "LangChain floor" not in names  # Chat Completions only
        raw, gradient = contenders[0], contenders[1]
        assert isinstance(raw, RawHttpx)
        assert raw.wire is RESPONSES
        for contender in (raw, gradient):
            assert contender.invoke("bench:chat:0") == "Hello there!"
            contender.stream("bench:text:5")  # warm: the connection of this contender
            before = _server_connections(base_url)
            # raw httpx counts the deltas; ChatGradient's stream adds its closing chunks
            counts = [contender.stream("bench:text:5") for _ in range(3)]
            assert min(counts) >= 5
            if contender is raw:
                assert counts == [5] * 3
            first, total = contender.timed_stream("bench:text:5")
            assert 0 < first <= total
            # read to the end of each body, though no [DONE] comes: no new connection
            assert _server_connections(base_url) - before == 1  # the _stats request's own
    finally:
        for contender in contenders:
            contender.close()


def _block(order: list[str], ttft: dict[str, float], counts: dict[str, float]) -> dict[str, Any]:
    samples = {who: {"ttft": [v, v, v], "total": [2 * v] * 3} for who, v in ttft.items()}
    return {
        "order": order,
        "stream": samples,
        "astream": samples,
        "connections_per_100_calls": {
            "invoke": dict.fromkeys(order, 0.0),
            "stream": counts,
        },
    }


def test_render_and_verdict_report_each_api() -> None:
    chat = _block(
        [RAW, "ChatGradient"],
        {RAW: 40.0, "ChatGradient": 40.4, RAW_NEW: 120.0},
        {RAW: 0.0, "ChatGradient": 0.0},
    )
    responses = _block(
        [RAW, "ChatGradient"],
        {RAW: 40.0, "ChatGradient": 120.0, RAW_NEW: 120.0},
        {RAW: 0.0},
    )
    responses["connections_per_100_calls"]["invoke"]["ChatGradient"] = 100.0
    data = {
        "chunks": 200,
        "delay_ms": 20.0,
        "settings": {"trials": 3, "calls": 20},
        "apis": {"Chat Completions": chat, "Responses API": responses},
    }
    text = render(data)
    chat_part, responses_part = text.split("### Responses API")
    assert chat_part.startswith("### Chat Completions")
    assert (
        f"| `stream`: time to first token | 1.00{TIMES} (40.0, 40.0{DASH}40.0) | 1.01{TIMES} "
        in chat_part
    )
    assert (
        f"| `astream`: time to first token | 1.00{TIMES} (40.0, 40.0{DASH}40.0) | 3.00{TIMES} "
        in responses_part
    )
    assert f"| stream | 0 | {DASH} |" in responses_part  # no count: a dash
    lines = verdict(data)
    assert lines == [
        "ChatGradient, Chat Completions: at most 1 new connection per 100 calls on every path: met",
        "ChatGradient, Chat Completions: `stream` time to first token within 2% of raw httpx "
        f"(warm connection): 1.010{TIMES}, met",
        "ChatGradient, Chat Completions: `astream` time to first token within 2% of raw httpx "
        f"(warm connection): 1.010{TIMES}, met",
        "ChatGradient, Responses API: at most 1 new connection per 100 calls on every path: "
        "MISSED (invoke 100)",
        "ChatGradient, Responses API: `stream` time to first token within 2% of raw httpx "
        f"(warm connection): 3.000{TIMES}, MISSED",
        "ChatGradient, Responses API: `astream` time to first token within 2% of raw httpx "
        f"(warm connection): 3.000{TIMES}, MISSED",
    ]
