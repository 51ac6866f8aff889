"""Reasoning: request fields, reasoning_content out (invoke, stream, v0 and v1), echo."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_tests.utils.stream_lifecycle import assert_valid_event_stream

from langchain_gradient._compat import translate_content, translate_content_chunk

from .fakes import FakeAPI, chunk, completion

# ------------------------------------------------------------------ request


@pytest.mark.parametrize("effort", ["none", "minimal", "low", "medium", "high", "xhigh", "max"])
def test_reasoning_effort_field_is_sent_as_given(effort: str) -> None:
    api = FakeAPI()
    api.model(reasoning_effort=effort).invoke("hi")
    assert api.body["reasoning_effort"] == effort


def test_reasoning_effort_values_are_not_restricted() -> None:
    # The spec and the docs disagree on the allowed values; the server decides.
    api = FakeAPI()
    api.model().invoke("hi", reasoning_effort="ultra")
    assert api.body["reasoning_effort"] == "ultra"


def test_call_time_reasoning_effort_overrides_the_field() -> None:
    api = FakeAPI()
    model = api.model(reasoning_effort="low")
    model.invoke("hi", reasoning_effort="high")
    model.invoke("hi")
    assert [body["reasoning_effort"] for body in api.bodies] == ["high", "low"]


def test_no_reasoning_fields_unless_set() -> None:
    api = FakeAPI()
    api.model().invoke("hi")
    assert "reasoning_effort" not in api.body
    assert "reasoning" not in api.body


def test_reasoning_object_field_and_call_time() -> None:
    api = FakeAPI()
    model = api.model(reasoning={"effort": "high", "max_tokens": 1024})
    model.invoke("hi")
    model.invoke("hi", reasoning={"effort": "max"})
    model.bind(reasoning={"effort": "low", "max_tokens": 2048}).invoke("hi")
    assert [body["reasoning"] for body in api.bodies] == [
        {"effort": "high", "max_tokens": 1024},
        {"effort": "max"},
        {"effort": "low", "max_tokens": 2048},
    ]


# ------------------------------------------------------------------ invoke

THOUGHT = "27 * 453 = 12231."
CALL = {
    "id": "call_a",
    "type": "function",
    "function": {"name": "calc", "arguments": json.dumps({"expr": "27*453"})},
}


def test_invoke_reasoning_in_additional_kwargs_and_blocks() -> None:
    api = FakeAPI(completion("12,231", reasoning_content=THOUGHT))
    message = api.model().invoke("27 * 453?")
    assert message.content == "12,231"
    assert message.additional_kwargs["reasoning_content"] == THOUGHT
    assert message.content_blocks == [
        {"type": "reasoning", "reasoning": THOUGHT},
        {"type": "text", "text": "12,231"},
    ]


def test_invoke_v1_reasoning_text_and_tool_call_blocks() -> None:
    api = FakeAPI(
        completion("Let me compute.", reasoning_content=THOUGHT, tool_calls=[CALL]),
    )
    message = api.model(output_version="v1").invoke("27 * 453?")
    assert message.content == [
        {"type": "reasoning", "reasoning": THOUGHT},
        {"type": "text", "text": "Let me compute."},
        {"type": "tool_call", "id": "call_a", "name": "calc", "args": {"expr": "27*453"}},
    ]
    assert message.additional_kwargs["reasoning_content"] == THOUGHT
    assert message.tool_calls[0]["args"] == {"expr": "27*453"}


def test_empty_or_null_reasoning_gives_no_block() -> None:
    api = FakeAPI(completion("hi", reasoning_content=None), completion("hi", reasoning_content=""))
    model = api.model()
    for _ in range(2):
        message = model.invoke("x")
        assert "reasoning_content" not in message.additional_kwargs
        assert message.content_blocks == [{"type": "text", "text": "hi"}]


# ------------------------------------------------------------------ streams


def reasoning_tool_stream(*calls: tuple[int, str, str, str]) -> list[Any]:
    """Reasoning deltas, a content delta, then tool-call fragments per call."""
    events: list[Any] = [
        chunk({"role": "assistant", "content": ""}),
        chunk({"reasoning_content": "Need the "}),
        chunk({"reasoning_content": "weather."}),
        chunk({"content": "Checking."}),
    ]
    for index, call_id, name, args in calls:
        head = {"index": index, "id": call_id, "type": "function"}
        events.append(
            chunk({"tool_calls": [{**head, "function": {"name": name, "arguments": ""}}]})
        )
        half = len(args) // 2
        for piece in (args[:half], args[half:]):
            events.append(
                chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            )
    events.append(chunk({}, finish_reason="tool_calls"))
    events.append(chunk(usage={"prompt_tokens": 5, "completion_tokens": 9, "total_tokens": 14}))
    return events


ONE_CALL = (0, "call_a", "get_weather", '{"city": "Paris"}')
TWO_CALLS = (ONE_CALL, (1, "call_b", "get_time", '{"tz": "CET"}'))


def aggregate(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    total = chunks[0]
    for piece in chunks[1:]:
        total = total + piece
    return total


def test_stream_v0_reasoning_accumulates_and_blocks_stay_separate() -> None:
    api = FakeAPI(reasoning_tool_stream(ONE_CALL))
    full = aggregate(list(api.model().stream("weather?")))
    assert full.content == "Checking."
    assert full.additional_kwargs["reasoning_content"] == "Need the weather."
    assert full.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_a", "type": "tool_call"}
    ]
    assert [
        (b["type"], b.get("reasoning") or b.get("text") or b.get("name"))
        for b in full.content_blocks
    ] == [
        ("reasoning", "Need the weather."),
        ("text", "Checking."),
        ("tool_call", "get_weather"),
    ]


@pytest.mark.parametrize("calls", [(ONE_CALL,), TWO_CALLS], ids=["one call", "two calls"])
def test_stream_v1_reasoning_and_tool_calls_do_not_merge(calls: Any) -> None:
    # Regression: core numbers un-indexed blocks per type while a tool-call
    # chunk keeps its own index 0, so the call used to be merged into the
    # reasoning block ({'type': 'reasoning', ..., 'id': 'call_a', 'name': ...}).
    api = FakeAPI(reasoning_tool_stream(*calls))
    chunks = list(api.model(output_version="v1").stream("weather?"))
    full = aggregate(chunks)
    expected_calls = [
        {"type": "tool_call", "name": name, "args": json.loads(args), "id": call_id}
        for _, call_id, name, args in calls
    ]
    assert full.content == [
        {"type": "reasoning", "reasoning": "Need the weather.", "index": "lc_rs_0"},
        {"type": "text", "text": "Checking.", "index": "lc_txt_0"},
        *expected_calls,
    ]
    assert full.content_blocks == full.content
    assert full.additional_kwargs["reasoning_content"] == "Need the weather."
    assert [call["id"] for call in full.tool_calls] == [c[1] for c in calls]
    # Every chunk's blocks use distinct indices per block kind.
    kinds_by_index: dict[Any, set[str]] = {}
    for piece in chunks:
        for block in piece.content:
            assert isinstance(block, dict)
            kinds_by_index.setdefault(block.get("index"), set()).add(block["type"])
    assert all(len(kinds) == 1 for index, kinds in kinds_by_index.items() if index is not None)


async def test_astream_v1_reasoning_and_tool_call() -> None:
    api = FakeAPI(reasoning_tool_stream(ONE_CALL))
    chunks = [c async for c in api.model(output_version="v1").astream("weather?")]
    full = aggregate(chunks)
    assert [block["type"] for block in full.content_blocks] == ["reasoning", "text", "tool_call"]
    assert full.content_blocks[2]["id"] == "call_a"  # type: ignore[typeddict-item]


@pytest.mark.parametrize("output_version", ["v0", "v1"])
def test_invoke_through_streaming_keeps_reasoning(output_version: str) -> None:
    api = FakeAPI(reasoning_tool_stream(ONE_CALL))
    message = api.model(streaming=True, output_version=output_version).invoke("weather?")
    assert message.additional_kwargs["reasoning_content"] == "Need the weather."
    assert [block["type"] for block in message.content_blocks] == [
        "reasoning",
        "text",
        "tool_call",
    ]
    assert message.tool_calls[0]["args"] == {"city": "Paris"}


def test_stream_events_v3_with_reasoning_and_tool_call() -> None:
    api = FakeAPI(reasoning_tool_stream(ONE_CALL))
    stream = api.model().stream_events("weather?", version="v3")
    events = list(stream)
    assert_valid_event_stream(events)
    message = stream.output
    assert [block["type"] for block in message.content_blocks] == [
        "reasoning",
        "text",
        "tool_call",
    ]


def test_chunk_translator_reports_fragments_then_finished_calls() -> None:
    fragment = AIMessageChunk(
        content="",
        tool_call_chunks=[{"name": "f", "args": '{"a"', "id": "call_a", "index": 3}],
        response_metadata={"model_provider": "gradient"},
    )
    assert translate_content_chunk(fragment) == [
        {"type": "tool_call_chunk", "id": "call_a", "name": "f", "args": '{"a"', "index": "lc_tc_3"}
    ]
    last = AIMessageChunk(
        content="",
        tool_call_chunks=[{"name": "f", "args": '{"a": 1}', "id": "call_a", "index": 3}],
        chunk_position="last",
    )
    assert translate_content_chunk(last) == [
        {"type": "tool_call", "id": "call_a", "name": "f", "args": {"a": 1}}
    ]


def test_translators_leave_list_content_to_core() -> None:
    message = AIMessage(
        content=[{"type": "text", "text": "hi"}],
        additional_kwargs={"reasoning_content": "r"},
        response_metadata={"model_provider": "gradient"},
    )
    with pytest.raises(NotImplementedError):
        translate_content(message)
    # core's generic parser still shows both
    assert [b["type"] for b in message.content_blocks] == ["reasoning", "text"]


# ------------------------------------------------------------------ echo


def history(reasoning: str | None = "I should call calc.") -> list[Any]:
    kwargs = {"reasoning_content": reasoning} if reasoning else {}
    return [
        HumanMessage("27 * 453?"),
        AIMessage(
            "",
            additional_kwargs=kwargs,
            tool_calls=[{"id": "call_a", "name": "calc", "args": {"expr": "27*453"}}],
        ),
        ToolMessage("12231", tool_call_id="call_a"),
        AIMessage("12,231", additional_kwargs={"reasoning_content": "final thought"}),
        HumanMessage("thanks"),
    ]


def test_reasoning_is_not_echoed_by_default() -> None:
    api = FakeAPI()
    api.model().invoke(history())
    assert all("reasoning_content" not in m for m in api.body["messages"])


def test_echo_reasoning_content_on_assistant_turns_with_tool_calls_only() -> None:
    api = FakeAPI()
    api.model(echo_reasoning_content=True).invoke(history())
    assistant_call, assistant_text = api.body["messages"][1], api.body["messages"][3]
    assert assistant_call == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_a",
                "type": "function",
                "function": {"name": "calc", "arguments": '{"expr": "27*453"}'},
            }
        ],
        "reasoning_content": "I should call calc.",
    }
    assert "reasoning_content" not in assistant_text


def test_echo_round_trip_of_a_v1_reply() -> None:
    api = FakeAPI(completion("", reasoning_content=THOUGHT, tool_calls=[CALL]), completion("ok"))
    model = api.model(output_version="v1", echo_reasoning_content=True)
    first = model.invoke("27 * 453?")
    model.invoke(["27 * 453?", first, ToolMessage("12231", tool_call_id="call_a")])
    sent = api.body["messages"][1]
    assert sent["reasoning_content"] == THOUGHT
    assert sent["content"] in (None, "")
    assert sent["tool_calls"][0]["id"] == "call_a"
