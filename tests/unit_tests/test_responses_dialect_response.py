"""The Responses dialect's whole-reply mapper: a ``response`` object -> `ChatResult`."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage

from langchain_gradient.dialects.responses import responses_result
from langchain_gradient.errors import GradientResponseError
from tests.unit_tests.responses_replies import Call, Reply, whole


def message_of(body: Any, model: str = "requested-model") -> AIMessage:
    message = responses_result(body, model).generations[0].message
    assert isinstance(message, AIMessage)
    return message


def text_item(text: str, **part: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "id": "msg_1",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": [], **part}],
    }


def response(*output: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "status": "completed",
        "model": "served-model",
        "output": list(output),
        "usage": {"input_tokens": 9, "output_tokens": 2, "total_tokens": 11},
        **fields,
    }


def test_the_measured_llama_server_shape_maps_to_a_message() -> None:
    # The fields llama-server's /v1/responses was measured to send (no created_at).
    body = {
        "id": "resp_x1",
        "object": "response",
        "status": "completed",
        "model": "qwen2.5-coder-1.5b-instruct",
        "output": [text_item("Paris.")],
        "usage": {
            "input_tokens": 30,
            "output_tokens": 3,
            "total_tokens": 33,
            "input_tokens_details": {"cached_tokens": 0},
        },
    }
    result = responses_result(body, "requested-model")
    message = message_of(body)
    assert message.content == "Paris."
    assert message.response_metadata == {
        "model_name": "qwen2.5-coder-1.5b-instruct",
        "model_provider": "gradient",
        "id": "resp_x1",
        "finish_reason": "stop",
        "status": "completed",
    }
    assert result.generations[0].generation_info == {"finish_reason": "stop"}
    assert message.usage_metadata == {
        "input_tokens": 30,
        "output_tokens": 3,
        "total_tokens": 33,
        "input_token_details": {"cache_read": 0},
    }
    assert result.llm_output == {
        "model_name": "qwen2.5-coder-1.5b-instruct",
        "token_usage": body["usage"],
    }
    assert message.id is None  # left to LangChain, as on Chat Completions


def test_the_documented_reasoning_reply_keeps_reasoning_and_token_details() -> None:
    # gradient-api.md §17.5: openai-gpt-oss-20b, reasoning item first.
    body = response(
        {
            "type": "reasoning",
            "id": "rs_1",
            "summary": [],
            "content": [{"type": "reasoning_text", "text": "The capital of France is Paris."}],
        },
        text_item("The capital of France is **Paris**."),
        created_at=1765000000,
        usage={
            "input_tokens": 72,
            "input_tokens_details": {"cached_tokens": 32},
            "output_tokens": 35,
            "output_tokens_details": {"reasoning_tokens": 17, "tool_output_tokens": 0},
            "total_tokens": 107,
        },
    )
    message = message_of(body)
    assert message.additional_kwargs == {"reasoning_content": "The capital of France is Paris."}
    assert message.response_metadata["created"] == 1765000000
    assert message.usage_metadata == {
        "input_tokens": 72,
        "output_tokens": 35,
        "total_tokens": 107,
        "input_token_details": {"cache_read": 32},
        "output_token_details": {"reasoning": 17},
    }
    assert [block["type"] for block in message.content_blocks] == ["reasoning", "text"]


def test_a_summary_counts_only_when_the_reasoning_has_no_content() -> None:
    summary = [{"type": "summary_text", "text": "Short."}]
    with_content = {
        "type": "reasoning",
        "summary": summary,
        "content": [{"type": "reasoning_text", "text": "Long thoughts."}],
    }
    only_summary = {"type": "reasoning", "summary": summary}
    assert (
        message_of(response(with_content)).additional_kwargs["reasoning_content"]
        == "Long thoughts."
    )
    assert message_of(response(only_summary)).additional_kwargs["reasoning_content"] == "Short."


def test_function_calls_become_tool_calls_with_their_call_ids() -> None:
    body = whole(
        Reply(
            calls=(
                Call("call_a", "get_weather", ('{"city": "Paris"}',)),
                Call("call_b", "get_time", ("",)),
            )
        )
    )
    message = message_of(body)
    assert message.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_a", "type": "tool_call"},
        {"name": "get_time", "args": {}, "id": "call_b", "type": "tool_call"},
    ]
    assert message.response_metadata["finish_reason"] == "tool_calls"
    assert message.content == ""


def test_a_call_without_call_id_uses_its_item_id_and_object_arguments_are_kept() -> None:
    item = {"type": "function_call", "id": "fc_1", "name": "add", "arguments": {"a": 1}}
    assert message_of(response(item)).tool_calls == [
        {"name": "add", "args": {"a": 1}, "id": "fc_1", "type": "tool_call"}
    ]


@pytest.mark.parametrize(
    ("item", "error"),
    [
        ({"call_id": "c", "name": "add", "arguments": '{"a": 1'}, "arguments are not valid JSON"),
        ({"call_id": "c", "name": "add", "arguments": "[1]"}, "a JSON list, not an object"),
        ({"call_id": "c", "arguments": "{}"}, "no function name"),
    ],
)
def test_calls_that_do_not_parse_are_invalid_tool_calls_never_dropped(
    item: dict[str, Any], error: str
) -> None:
    message = message_of(response({"type": "function_call", **item}))
    assert message.tool_calls == []
    [invalid] = message.invalid_tool_calls
    assert invalid["id"] == "c"
    assert invalid["args"] == item["arguments"]
    assert error in (invalid["error"] or "")


@pytest.mark.parametrize(
    ("details", "finish_reason"),
    [
        ({"reason": "max_output_tokens"}, "length"),
        ({"reason": "content_filter"}, "content_filter"),
        ({"reason": "something_new"}, "length"),
        (None, "length"),
    ],
)
def test_an_incomplete_response_is_the_truncation_outcome(
    details: dict[str, Any] | None, finish_reason: str
) -> None:
    body = response(text_item('{"a": '), status="incomplete", incomplete_details=details)
    message = message_of(body)
    assert message.response_metadata["finish_reason"] == finish_reason
    assert message.response_metadata["status"] == "incomplete"
    if details:
        assert message.response_metadata["incomplete_details"] == details


def test_a_refusal_is_kept_as_on_chat_completions() -> None:
    item = {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "refusal", "refusal": "I can't help with that."}],
    }
    message = message_of(response(item))
    assert message.content == ""
    assert message.additional_kwargs == {"refusal": "I can't help with that."}
    assert {"type": "refusal", "refusal": "I can't help with that."} in message.content_blocks


def test_server_tool_items_and_citations_are_kept_not_dropped() -> None:
    search = {"type": "web_search_call", "id": "ws_1", "status": "completed"}
    citation = {
        "type": "url_citation",
        "url": "https://example.com",
        "start_index": 0,
        "end_index": 5,
    }
    message = message_of(response(search, text_item("Hello", annotations=[citation])))
    assert message.content == "Hello"
    assert message.additional_kwargs == {
        "server_output_items": [search],
        "annotations": [citation],
    }


@pytest.mark.parametrize(
    "output",
    [
        [{"type": "text", "text": "Hi"}],  # gradient-python v3.12's top-level text item
        [{"type": "message", "role": "assistant", "content": "Hi"}],  # content as a string
        [{"type": "message", "role": "assistant", "output_text": "Hi"}],  # hand-written model
        [text_item("H"), {"type": "message", "content": [{"type": "output_text", "text": "i"}]}],
    ],
)
def test_every_documented_text_shape_is_read(output: list[dict[str, Any]]) -> None:
    assert message_of(response(*output)).content == "Hi"


def test_a_body_without_model_names_the_requested_one() -> None:
    body = response(text_item("Hi"))
    del body["model"]
    assert (
        message_of(body, "openai-gpt-5.2-pro").response_metadata["model_name"]
        == "openai-gpt-5.2-pro"
    )


def test_usage_already_in_chat_completions_names_is_read_too() -> None:
    body = response(
        text_item("Hi"), usage={"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}
    )
    assert message_of(body).usage_metadata == {
        "input_tokens": 5,
        "output_tokens": 1,
        "total_tokens": 6,
    }


def test_a_chat_shaped_body_is_mapped_as_chat_completions() -> None:
    body = {
        "id": "resp_1",
        "model": "served-model",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}
        ],
        "usage": {"input_tokens": 4, "output_tokens": 1, "total_tokens": 5},
    }
    result = responses_result(body, "requested")
    message = message_of(body)
    assert message.content == "Hi"
    assert message.usage_metadata == {"input_tokens": 4, "output_tokens": 1, "total_tokens": 5}
    assert result.llm_output is not None
    assert result.llm_output["token_usage"] == body["usage"]


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (["not", "an", "object"], "expected a JSON object from /responses"),
        (
            response(status="failed", error={"code": "server_error", "message": "boom"}),
            "failed: .*boom",
        ),
        (response(error={"message": "quota"}), "failed: .*quota"),
        (response(status="cancelled"), "was cancelled before it finished"),
        (response(status="queued"), "background responses are not supported"),
        (response(status="in_progress"), "status 'in_progress'"),
        ({"id": "resp_1", "status": "completed", "output": None}, "no output list"),
        (response("just text"), "output item 0 is not an object"),  # type: ignore[arg-type]
    ],
)
def test_bodies_that_are_not_a_finished_reply_raise_a_typed_error(body: Any, match: str) -> None:
    with pytest.raises(GradientResponseError, match=match):
        responses_result(body, "requested")
