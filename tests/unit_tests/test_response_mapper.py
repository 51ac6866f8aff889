"""The response mapper on plain dicts shaped like the API reference's examples."""

from __future__ import annotations

from functools import reduce
from operator import add
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from langchain_gradient import GradientResponseError, GradientStreamError
from langchain_gradient._response import StreamMapper, chat_result
from langchain_gradient._usage import usage_to_metadata

from .fakes import chunk, completion


def _stream(events: list[dict[str, Any]], model: str = "requested") -> AIMessageChunk:
    mapper = StreamMapper(model)
    chunks = [c.message for e in events if (c := mapper.map(e)) is not None]
    if (tail := mapper.finish()) is not None:
        chunks.append(tail.message)
    return reduce(add, chunks)  # type: ignore[return-value]


def test_plain_completion_maps_content_metadata_and_usage() -> None:
    body = completion("Hi there")
    body["system_fingerprint"] = "fp_1"
    result = chat_result(body, "requested")
    message = result.generations[0].message
    assert message.content == "Hi there"
    assert message.response_metadata["model_name"] == "served-model"
    assert message.response_metadata["model_provider"] == "gradient"
    assert message.response_metadata["finish_reason"] == "stop"
    assert message.response_metadata["id"] == "chatcmpl-1"
    assert message.id is None  # LangChain assigns a run-based id; response ids repeat
    assert message.response_metadata["created"] == 1771946745
    assert message.response_metadata["system_fingerprint"] == "fp_1"
    assert message.usage_metadata == {"input_tokens": 9, "output_tokens": 3, "total_tokens": 12}


def test_empty_id_empty_role_and_unknown_fields_are_tolerated() -> None:
    body = completion("ok", model="")
    body["id"] = ""
    body["choices"][0]["message"]["role"] = ""
    body["service_tier"] = None
    body["speed"] = {"whatever": 1}
    message = chat_result(body, "requested-model").generations[0].message
    assert message.content == "ok"
    assert message.id is None
    assert "id" not in message.response_metadata
    assert message.response_metadata["model_name"] == "requested-model"


def test_reasoning_and_refusal_land_in_additional_kwargs() -> None:
    body = completion("42", reasoning_content="6 times 7", refusal="no can do")
    message = chat_result(body, "m").generations[0].message
    assert message.additional_kwargs == {"reasoning_content": "6 times 7", "refusal": "no can do"}
    assert message.content_blocks[0] == {"type": "reasoning", "reasoning": "6 times 7"}


def test_tool_calls_parse_and_bad_arguments_become_invalid_calls() -> None:
    body = completion(
        None,
        finish_reason="tool_calls",
        tool_calls=[
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "a", "arguments": '{"x": 1}'},
            },
            {"id": "call_2", "type": "function", "function": {"name": "b", "arguments": "null"}},
            {"id": "call_3", "type": "function", "function": {"name": "c", "arguments": "{bad"}},
        ],
    )
    message = chat_result(body, "m").generations[0].message
    assert message.content == ""
    assert [(c["id"], c["name"], c["args"]) for c in message.tool_calls] == [
        ("call_1", "a", {"x": 1}),
        ("call_2", "b", {}),
    ]
    assert len(message.invalid_tool_calls) == 1
    invalid = message.invalid_tool_calls[0]
    assert (invalid["id"], invalid["name"], invalid["args"]) == ("call_3", "c", "{bad")
    assert "not valid JSON" in (invalid["error"] or "")


def test_n_two_yields_two_generations() -> None:
    body = completion("first")
    body["choices"].append(
        {
            "index": 1,
            "message": {"role": "assistant", "content": "second"},
            "finish_reason": "length",
        }
    )
    result = chat_result(body, "m")
    assert [g.message.content for g in result.generations] == ["first", "second"]
    assert [g.message.response_metadata["finish_reason"] for g in result.generations] == [
        "stop",
        "length",
    ]


def test_logprobs_surface_in_response_metadata() -> None:
    body = completion("Hi")
    logprobs = {
        "content": [{"token": "Hi", "logprob": -0.1, "bytes": [72, 105], "top_logprobs": []}]
    }
    body["choices"][0]["logprobs"] = logprobs
    message = chat_result(body, "m").generations[0].message
    assert message.response_metadata["logprobs"] == logprobs


def test_cache_usage_maps_to_input_token_details() -> None:
    usage = usage_to_metadata(
        {
            "prompt_tokens": 1200,
            "completion_tokens": 10,
            "total_tokens": 1210,
            "cache_read_input_tokens": 1000,
            "cache_created_input_tokens": 200,
        },
        "openai-gpt-4o",
    )
    assert usage == {
        "input_tokens": 1200,
        "output_tokens": 10,
        "total_tokens": 1210,
        "input_token_details": {"cache_read": 1000, "cache_creation": 200},
    }


@pytest.mark.parametrize("body", [None, [], "text", {"choices": []}, {"choices": [1]}])
def test_malformed_bodies_raise_a_clear_error(body: Any) -> None:
    with pytest.raises(GradientResponseError):
        chat_result(body, "m")


def test_error_object_in_a_200_body_raises() -> None:
    with pytest.raises(GradientResponseError, match="overloaded"):
        chat_result({"error": {"message": "overloaded"}}, "m")


def test_stream_text_reasoning_usage_and_final_metadata() -> None:
    merged = _stream(
        [
            chunk({"role": "assistant", "content": ""}),
            chunk({"reasoning_content": "Think"}),
            chunk({"reasoning_content": "ing."}),
            chunk(None),  # empty choices mid-stream
            chunk({"content": "Hel"}),
            chunk({"content": "lo"}),
            chunk({}, finish_reason="stop"),
            chunk(usage={"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6}),
        ]
    )
    assert merged.content == "Hello"
    assert merged.additional_kwargs["reasoning_content"] == "Thinking."
    assert merged.usage_metadata == {"input_tokens": 4, "output_tokens": 2, "total_tokens": 6}
    assert merged.response_metadata["finish_reason"] == "stop"
    assert merged.response_metadata["model_name"] == "served-model"


def test_streamed_tool_call_in_fragments_aggregates_by_index() -> None:
    merged = _stream(
        [
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_w",
                            "type": "function",
                            "function": {"name": "weather", "arguments": ""},
                        }
                    ]
                }
            ),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city":'}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": ' "Paris"}'}}]}),
            chunk({}, finish_reason="tool_calls"),
        ]
    )
    assert merged.tool_calls == [
        {"name": "weather", "args": {"city": "Paris"}, "id": "call_w", "type": "tool_call"}
    ]
    assert all(isinstance(c["index"], int) for c in merged.tool_call_chunks)


def test_model_name_is_sent_once_even_without_finish_reason() -> None:
    mapper = StreamMapper("requested")
    first = mapper.map(chunk({"content": "a"}))
    assert first is not None
    assert "model_name" not in first.message.response_metadata
    tail = mapper.finish()
    assert tail is not None
    assert tail.message.response_metadata["model_name"] == "served-model"


def test_error_event_raises() -> None:
    with pytest.raises(GradientStreamError, match="quota exceeded"):
        StreamMapper("m").map({"error": {"message": "quota exceeded"}})


@pytest.mark.parametrize("finish", [True, False])
def test_arguments_cut_off_inside_null_become_an_invalid_call(finish: bool) -> None:
    events = [
        chunk(
            {
                "tool_calls": [
                    {"index": 0, "id": "call_n", "function": {"name": "f", "arguments": "n"}}
                ]
            }
        ),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": "u"}}]}),
    ]
    if finish:
        events.append(chunk({}, finish_reason="length"))
    merged = _stream(events)
    assert merged.tool_calls == []
    assert [(c["name"], c["args"]) for c in merged.invalid_tool_calls] == [("f", "nu")]


def test_arguments_that_are_exactly_null_mean_no_arguments() -> None:
    merged = _stream(
        [
            chunk(
                {
                    "tool_calls": [
                        {"index": 0, "id": "c", "function": {"name": "f", "arguments": "nu"}}
                    ]
                }
            ),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": "ll"}}]}),
            chunk({}, finish_reason="tool_calls"),
        ]
    )
    assert merged.tool_calls == [{"name": "f", "args": {}, "id": "c", "type": "tool_call"}]
