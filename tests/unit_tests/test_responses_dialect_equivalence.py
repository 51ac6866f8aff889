"""Property: a Responses-API reply maps to the same message however it arrives.

Whole (``responses_result``), as typed stream events (with or without the
``.done`` events, with or without the final output, with or without deltas),
or as the chunk-like stream of Gradient's spec: text, reasoning, refusals,
tool calls (parallel ones, ``null`` and broken arguments included), usage,
``finish_reason`` and an incomplete reply come out the same.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessageChunk, BaseMessage

from tests.unit_tests.responses_replies import (
    Call,
    Reply,
    aggregate,
    chunk_events,
    invoke,
    stream_chunks,
    typed_events,
    whole,
)

PROFILE = settings(
    max_examples=int(os.environ.get("GRADIENT_PROPERTY_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

pieces = st.lists(st.text(max_size=6), max_size=4).map(tuple)
valid_arguments = st.dictionaries(
    st.text(max_size=4), st.integers() | st.text(max_size=4) | st.booleans(), max_size=3
).map(lambda args: json.dumps(args, ensure_ascii=False))
broken_arguments = st.sampled_from(['{"city": ', "nul", "null", "", "[1, 2]", '{"a": 1}}', "  "])


@st.composite
def split(draw: st.DrawFn, text: str) -> tuple[str, ...]:
    """``text`` cut into deltas at random places."""
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=4)))
    bounds = [0, *cuts, len(text)]
    return tuple(text[a:b] for a, b in pairwise(bounds))


@st.composite
def calls(draw: st.DrawFn) -> tuple[Call, ...]:
    count = draw(st.integers(0, 3))
    found = []
    for number in range(count):
        arguments = draw(valid_arguments | broken_arguments)
        name = draw(st.sampled_from(["get_weather", "add", "lookup"]))
        found.append(Call(f"call_{number}", name, draw(split(arguments))))
    return tuple(found)


usages = st.sampled_from(
    [
        None,
        {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5},
        {
            "input_tokens": 40,
            "input_tokens_details": {"cached_tokens": 32},
            "output_tokens": 35,
            "output_tokens_details": {"reasoning_tokens": 17, "tool_output_tokens": 0},
            "total_tokens": 75,
        },
    ]
)

replies = st.builds(
    Reply,
    text=pieces,
    reasoning=st.lists(
        st.lists(st.text(max_size=6), min_size=1, max_size=2).map(tuple), max_size=2
    ).map(tuple),
    reasoning_as_summary=st.booleans(),
    refusal=st.text(max_size=6),
    annotations=st.lists(
        st.builds(
            lambda url, end: {
                "type": "url_citation",
                "url": url,
                "start_index": 0,
                "end_index": end,
            },
            st.sampled_from(["https://a.example", "https://b.example"]),
            st.integers(0, 5),
        ),
        max_size=2,
    ).map(tuple),
    calls=calls(),
    usage=usages,
    incomplete=st.none() | st.sampled_from(["max_output_tokens", "content_filter"]),
)

PARALLEL = Reply(
    text=("Checking ", "both."),
    reasoning=(("The user wants two cities.",),),
    calls=(
        Call("call_a", "get_weather", ('{"city": ', '"Paris"}')),
        Call("call_b", "get_weather", ('{"city": "Oslo"}',)),
    ),
)
CUT_OFF = Reply(text=('{"name": "Al',), incomplete="max_output_tokens")


def outcome(message: BaseMessage, *, with_status: bool = True) -> dict[str, Any]:
    """What a caller sees, in one form for a message and a streamed aggregate.

    A streamed reply lists calls whose whole arguments do not parse in
    ``response_metadata["invalid_tool_calls"]`` (core's partial-JSON reading
    of them stays in ``tool_calls``), a whole reply in ``invalid_tool_calls``.
    """
    metadata = dict(message.response_metadata)
    if isinstance(message, AIMessageChunk):
        invalid = metadata.pop("invalid_tool_calls", [])
    else:
        invalid = getattr(message, "invalid_tool_calls", [])
    invalid_ids = {call["id"] for call in invalid}
    if not with_status:
        metadata.pop("status", None)
        metadata.pop("incomplete_details", None)
    return {
        "content": message.content,
        "additional_kwargs": message.additional_kwargs,
        "tool_calls": [
            (call["id"], call["name"], call["args"])
            for call in getattr(message, "tool_calls", [])
            if call["id"] not in invalid_ids
        ],
        "invalid_tool_calls": [
            (call["id"], call["name"], call["args"], call["error"]) for call in invalid
        ],
        "usage_metadata": getattr(message, "usage_metadata", None),
        "response_metadata": metadata,
    }


@PROFILE
@given(
    reply=replies,
    done_events=st.booleans(),
    final_output=st.booleans(),
    deltas=st.booleans(),
)
@example(reply=PARALLEL, done_events=True, final_output=True, deltas=True)
@example(reply=CUT_OFF, done_events=False, final_output=False, deltas=True)
def test_typed_stream_adds_up_to_the_whole_reply(
    reply: Reply, done_events: bool, final_output: bool, deltas: bool
) -> None:
    events = typed_events(reply, done_events=done_events, final_output=final_output, deltas=deltas)
    assert outcome(aggregate(events)) == outcome(invoke(whole(reply)))


@PROFILE
@given(reply=replies)
@example(reply=PARALLEL)
@example(reply=CUT_OFF)
def test_chunk_shaped_stream_adds_up_to_the_whole_reply(reply: Reply) -> None:
    reply = replace(reply, annotations=())  # the chunk shape has no place for them
    # The chunk shape carries no status: finish_reason alone tells a cut-off reply.
    streamed = outcome(aggregate(chunk_events(reply)), with_status=False)
    assert streamed == outcome(invoke(whole(reply)), with_status=False)


@PROFILE
@given(reply=replies)
def test_every_response_field_arrives_once_in_a_typed_stream(reply: Reply) -> None:
    """Core concatenates strings when it adds chunks; a field sent twice would double."""
    chunks, mapper = stream_chunks(typed_events(reply))
    assert mapper.finished
    for key in ("model_name", "id", "finish_reason", "status", "created"):
        carrying = [c for c in chunks if key in c.message.response_metadata]
        assert len(carrying) == 1, key
    with_usage = [c for c in chunks if getattr(c.message, "usage_metadata", None)]
    assert len(with_usage) == (1 if reply.usage else 0)


def test_parallel_calls_keep_their_ids_names_and_order() -> None:
    message = aggregate(typed_events(PARALLEL))
    assert [(c["id"], c["name"], c["args"]) for c in message.tool_calls] == [
        ("call_a", "get_weather", {"city": "Paris"}),
        ("call_b", "get_weather", {"city": "Oslo"}),
    ]
    assert message.response_metadata["finish_reason"] == "tool_calls"
    assert message.additional_kwargs["reasoning_content"] == "The user wants two cities."


@pytest.mark.parametrize("final_output", [True, False])
def test_a_cut_off_reply_ends_with_finish_reason_length_whole_and_streamed(
    final_output: bool,
) -> None:
    streamed = aggregate(typed_events(CUT_OFF, final_output=final_output))
    for message in (streamed, invoke(whole(CUT_OFF))):
        assert message.response_metadata["finish_reason"] == "length"
        assert message.response_metadata["status"] == "incomplete"
        assert message.response_metadata["incomplete_details"] == {"reason": "max_output_tokens"}
        assert message.content == '{"name": "Al'


def test_reasoning_parts_are_paragraphs_whole_and_streamed() -> None:
    """Summary parts (OpenAI models) and several reasoning items read as paragraphs."""
    reply = Reply(reasoning=(("First,", "second."), ("Third.",)), reasoning_as_summary=True)
    for message in (aggregate(typed_events(reply)), invoke(whole(reply))):
        assert message.additional_kwargs["reasoning_content"] == "First,\n\nsecond.\n\nThird."
