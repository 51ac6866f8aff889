"""Property: whatever JSON a server sends to the Responses dialect's mappers, the
outcome is a valid LangChain object or a `GradientError` with a message, never a
``KeyError``/``TypeError``/``IndexError``/``AttributeError``/``ValidationError``,
and streamed chunks always add up.
"""

from __future__ import annotations

from functools import reduce
from operator import add
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from langchain_gradient.dialects.responses import ResponsesStreamMapper, responses_result
from langchain_gradient.errors import GradientError
from tests.unit_tests.json_strategies import PROFILE, any_json, obj

json_values = any_json(int_bits=31, text_size=8, key_size=6, width=3, leaves=8)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The plausible value, or any JSON value at all."""
    return strategy | json_values


texts = st.text(max_size=8)
indices = maybe(st.integers(min_value=0, max_value=3))
counts = maybe(st.integers(min_value=0, max_value=1000))
parts = obj(
    type=maybe(st.sampled_from(["output_text", "refusal", "reasoning_text", "summary_text"])),
    text=maybe(texts),
    refusal=maybe(texts),
    annotations=maybe(st.lists(json_values, max_size=2)),
)
items = obj(
    type=maybe(
        st.sampled_from(["message", "function_call", "reasoning", "text", "web_search_call"])
    ),
    id=maybe(st.sampled_from(["a", "b", "c"])),
    call_id=maybe(st.sampled_from(["call_1", "call_2"])),
    name=maybe(st.sampled_from(["add", "lookup"])),
    arguments=maybe(st.sampled_from(['{"a": 1}', "{", "null", ""])),
    content=maybe(st.lists(parts, max_size=3) | texts),
    summary=maybe(st.lists(parts, max_size=2)),
    output_text=maybe(texts),
    text=maybe(texts),
)
usages = obj(
    input_tokens=counts,
    output_tokens=counts,
    total_tokens=counts,
    input_tokens_details=maybe(obj(cached_tokens=counts)),
    output_tokens_details=maybe(obj(reasoning_tokens=counts)),
    prompt_tokens=counts,
)
responses = obj(
    id=maybe(texts),
    object=maybe(st.just("response")),
    created_at=maybe(st.integers(min_value=0)),
    model=maybe(texts),
    status=maybe(st.sampled_from(["completed", "incomplete", "failed", "in_progress"])),
    output=maybe(st.lists(items, max_size=4)),
    usage=maybe(usages),
    incomplete_details=maybe(obj(reason=maybe(st.sampled_from(["max_output_tokens", "x"])))),
    error=maybe(st.none()),
    choices=maybe(st.lists(json_values, max_size=1)),
)
event_types = st.sampled_from(
    [
        "response.created",
        "response.output_item.added",
        "response.output_item.done",
        "response.content_part.done",
        "response.output_text.delta",
        "response.output_text.done",
        "response.refusal.delta",
        "response.reasoning_text.delta",
        "response.reasoning_summary_text.delta",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.completed",
        "response.incomplete",
        "response.something_new",
    ]
)
events = obj(
    type=maybe(event_types),
    output_index=indices,
    item_id=maybe(st.sampled_from(["a", "b", "c"])),
    content_index=indices,
    summary_index=indices,
    delta=maybe(texts),
    text=maybe(texts),
    refusal=maybe(texts),
    arguments=maybe(st.sampled_from(['{"a"', '{"a": 1}', ""])),
    item=maybe(items),
    part=maybe(parts),
    response=maybe(responses),
)


@PROFILE
@given(body=maybe(responses))
def test_any_body_maps_to_a_result_or_a_gradient_error(body: Any) -> None:
    try:
        result = responses_result(body, "requested")
    except GradientError as exc:
        error = str(exc)
        assert error  # a message naming the problem
        return
    assert isinstance(result, ChatResult)
    assert isinstance(result.generations[0].message, AIMessage)


@PROFILE
@given(stream=st.lists(maybe(events), max_size=8))
def test_any_event_stream_maps_to_chunks_that_add_up_or_a_gradient_error(
    stream: list[Any],
) -> None:
    mapper = ResponsesStreamMapper("requested")
    chunks: list[ChatGenerationChunk] = []
    try:
        for event in stream:
            if (chunk := mapper.map(event)) is not None:
                chunks.append(chunk)
        if (tail := mapper.finish()) is not None:
            chunks.append(tail)
    except GradientError as exc:
        error = str(exc)
        assert error  # a message naming the problem
    if chunks:
        total = reduce(add, [chunk.message for chunk in chunks])
        assert isinstance(total, AIMessageChunk)
        assert total.content_blocks is not None
