"""The Responses dialect's request builder: messages and options -> a ``/responses`` body."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from pydantic import BaseModel

from langchain_gradient._request import DEVELOPER_ROLE_KEY
from langchain_gradient._tools import format_tool_choice, format_tools
from langchain_gradient.dialects.responses import PATH, build_payload
from langchain_gradient.errors import GradientInvalidInputError

MODEL = {"model": "openai-gpt-5.2-pro"}


def body(messages: list[BaseMessage], stream: bool = False, **params: Any) -> dict[str, Any]:
    return build_payload(messages, {**MODEL, **params}, stream=stream)


def test_the_endpoint_is_responses() -> None:
    assert PATH == "responses"


def test_a_conversation_becomes_input_items_in_order() -> None:
    messages = [
        SystemMessage("Be brief."),
        SystemMessage("Answer in French.", additional_kwargs={DEVELOPER_ROLE_KEY: "developer"}),
        HumanMessage("Weather in Paris?"),
        AIMessage(
            "Let me check.",
            tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}],
        ),
        ToolMessage("sunny, 21 °C", tool_call_id="call_1"),
        AIMessage("Ensoleillé."),
        HumanMessage("Merci"),
    ]
    assert body(messages)["input"] == [
        {"type": "message", "role": "system", "content": "Be brief."},
        {"type": "message", "role": "developer", "content": "Answer in French."},
        {"type": "message", "role": "user", "content": "Weather in Paris?"},
        {"type": "message", "role": "assistant", "content": "Let me check."},
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "get_weather",
            "arguments": '{"city": "Paris"}',
        },
        {"type": "function_call_output", "call_id": "call_1", "output": "sunny, 21 °C"},
        {"type": "message", "role": "assistant", "content": "Ensoleillé."},
        {"type": "message", "role": "user", "content": "Merci"},
    ]


def test_parallel_calls_and_their_results_are_separate_items() -> None:
    calls = [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_a"},
        {"name": "get_weather", "args": {"city": "Oslo"}, "id": "call_b"},
    ]
    messages = [
        HumanMessage("Paris and Oslo?"),
        AIMessage("", tool_calls=calls),
        ToolMessage("sunny", tool_call_id="call_a"),
        ToolMessage([{"type": "text", "text": "rain"}, "y"], tool_call_id="call_b"),
    ]
    items = body(messages)["input"]
    assert [item["type"] for item in items] == [
        "message",
        "function_call",
        "function_call",
        "function_call_output",
        "function_call_output",
    ]
    assert [item["call_id"] for item in items[1:]] == ["call_a", "call_b", "call_a", "call_b"]
    assert items[4]["output"] == "rainy"


def test_an_invalid_tool_call_goes_back_with_its_raw_arguments() -> None:
    message = AIMessage(
        "",
        invalid_tool_calls=[
            {
                "name": "add",
                "args": '{"a": 1',
                "id": "call_x",
                "error": "bad",
                "type": "invalid_tool_call",
            }
        ],
    )
    assert body([HumanMessage("hi"), message])["input"][1] == {
        "type": "function_call",
        "call_id": "call_x",
        "name": "add",
        "arguments": '{"a": 1',
    }


def test_a_tool_call_without_an_id_is_refused() -> None:
    message = AIMessage("", tool_calls=[{"name": "add", "args": {}, "id": None}])
    with pytest.raises(GradientInvalidInputError, match="message 1: tool call 'add' has no id"):
        body([HumanMessage("hi"), message])


def test_images_become_input_image_parts() -> None:
    message = HumanMessage(
        [
            {"type": "text", "text": "What is this?"},
            {"type": "image", "url": "https://example.com/cat.png"},
            {
                "type": "image",
                "base64": "aGk=",
                "mime_type": "image/png",
                "extras": {"detail": "low"},
            },
            {
                "type": "image_url",
                "image_url": {"url": "https://example.com/dog.png", "detail": "high"},
            },
        ]
    )
    assert body([message])["input"][0]["content"] == [
        {"type": "input_text", "text": "What is this?"},
        {"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "auto"},
        {"type": "input_image", "image_url": "data:image/png;base64,aGk=", "detail": "low"},
        {"type": "input_image", "image_url": "https://example.com/dog.png", "detail": "high"},
    ]


def test_video_has_no_counterpart_and_is_refused_before_sending() -> None:
    message = HumanMessage([{"type": "video", "url": "https://example.com/v.mp4"}])
    with pytest.raises(GradientInvalidInputError, match="message 0: a 'video_url' part"):
        body([message])


def test_assistant_text_parts_are_output_text_with_cache_control_kept() -> None:
    message = AIMessage(
        [{"type": "text", "text": "Long answer", "cache_control": {"type": "ephemeral"}}]
    )
    assert body([HumanMessage("q"), message])["input"][1]["content"] == [
        {"type": "output_text", "text": "Long answer", "cache_control": {"type": "ephemeral"}}
    ]


def test_reasoning_is_echoed_before_the_calls_only_when_asked() -> None:
    message = AIMessage(
        "",
        additional_kwargs={"reasoning_content": "Need the weather."},
        tool_calls=[{"name": "get_weather", "args": {}, "id": "call_1"}],
    )
    plain = build_payload([message], MODEL, stream=False)["input"]
    echoed = build_payload([message], MODEL, stream=False, echo_reasoning=True)["input"]
    assert [item["type"] for item in plain] == ["function_call"]
    assert echoed[0] == {
        "type": "reasoning",
        "summary": [],
        "content": [{"type": "reasoning_text", "text": "Need the weather."}],
    }
    assert echoed[1:] == plain


def test_an_empty_assistant_turn_keeps_its_place() -> None:
    items = body([HumanMessage("a"), AIMessage(""), HumanMessage("b")])["input"]
    assert items[1] == {"type": "message", "role": "assistant", "content": ""}


def test_message_names_are_not_sent() -> None:
    items = body([HumanMessage("hi", name="alice"), AIMessage("hello", name="agent")])["input"]
    assert all("name" not in item for item in items)


# ------------------------------------------------------------ options


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"max_tokens": 50}, 50),
        ({"max_completion_tokens": 40}, 40),
        ({"max_output_tokens": 30, "max_completion_tokens": 40, "max_tokens": 50}, 30),
        ({"max_completion_tokens": 40, "max_tokens": 50}, 40),
    ],
)
def test_token_limits_become_max_output_tokens(given: dict[str, Any], expected: int) -> None:
    sent = body([HumanMessage("hi")], **given)
    assert sent["max_output_tokens"] == expected
    assert "max_tokens" not in sent
    assert "max_completion_tokens" not in sent


def test_a_zero_token_limit_is_refused() -> None:
    with pytest.raises(GradientInvalidInputError, match=r"max_output_tokens must be .* at least 1"):
        body([HumanMessage("hi")], max_tokens=0)


def test_reasoning_effort_goes_into_reasoning() -> None:
    sent = body([HumanMessage("hi")], reasoning_effort="high", reasoning={"summary": "auto"})
    assert sent["reasoning"] == {"summary": "auto", "effort": "high"}
    assert "reasoning_effort" not in sent


def test_conflicting_efforts_are_refused() -> None:
    with pytest.raises(GradientInvalidInputError, match="reasoning_effort='high' conflicts"):
        body([HumanMessage("hi")], reasoning_effort="high", reasoning={"effort": "low"})


@pytest.mark.parametrize(
    "name",
    ["frequency_penalty", "presence_penalty", "logit_bias", "logprobs", "top_logprobs", "seed"],
)
def test_options_without_a_counterpart_are_refused_by_name(name: str) -> None:
    value = {"logit_bias": {1: 2}, "logprobs": True}.get(name, 1)
    with pytest.raises(GradientInvalidInputError, match=f"{name} has no counterpart"):
        build_payload([HumanMessage("hi")], {**MODEL, name: value}, stream=False)


def test_one_choice_is_implicit_and_several_are_refused() -> None:
    assert "n" not in body([HumanMessage("hi")], n=1)
    with pytest.raises(GradientInvalidInputError, match="one reply per call; n=2"):
        body([HumanMessage("hi")], n=2)


def test_ranges_are_checked_as_for_chat_completions() -> None:
    with pytest.raises(GradientInvalidInputError, match="temperature must be between 0 and 2"):
        body([HumanMessage("hi")], temperature=3)


def test_input_cannot_be_given_beside_the_messages() -> None:
    with pytest.raises(GradientInvalidInputError, match="'input' is built from the messages"):
        body([HumanMessage("hi")], input="other")


def test_stream_flag_and_stream_options_follow_the_call() -> None:
    options = {"stream_options": {"include_usage": True}}
    streamed = body([HumanMessage("hi")], stream=True, **options)
    whole = build_payload([HumanMessage("hi")], {**MODEL, "stream": True, **options}, stream=False)
    assert streamed["stream"] is True
    assert streamed["stream_options"] == {"include_usage": True}
    assert "stream" not in whole
    assert "stream_options" not in whole


def test_responses_only_fields_pass_through() -> None:
    sent = body(
        [HumanMessage("hi")],
        instructions="Be terse.",
        store=False,
        previous_response_id="resp_1",
        metadata={"team": "a"},
        unset=None,
    )
    assert sent["instructions"] == "Be terse."
    assert sent["store"] is False
    assert sent["previous_response_id"] == "resp_1"
    assert sent["metadata"] == {"team": "a"}
    assert "unset" not in sent


# ------------------------------------------------------- output format


def test_a_json_schema_response_format_becomes_a_flat_text_format() -> None:
    response_format = {
        "type": "json_schema",
        "json_schema": {
            "name": "Answer",
            "description": "d",
            "schema": {"type": "object"},
            "strict": True,
        },
    }
    sent = body([HumanMessage("hi")], response_format=response_format, text={"verbosity": "low"})
    assert sent["text"] == {
        "verbosity": "low",
        "format": {
            "type": "json_schema",
            "name": "Answer",
            "description": "d",
            "schema": {"type": "object"},
            "strict": True,
        },
    }
    assert "response_format" not in sent


def test_json_mode_becomes_a_json_object_format() -> None:
    sent = body([HumanMessage("hi")], response_format={"type": "json_object"})
    assert sent["text"] == {"format": {"type": "json_object"}}


@pytest.mark.parametrize(
    ("response_format", "text", "match"),
    [
        ({"type": "json_object"}, {"format": {"type": "text"}}, "both set the output format"),
        ({"type": "json_schema", "json_schema": {"schema": {}}}, None, "needs {'json_schema'"),
        ("json", None, "must be an object with a 'type'"),
    ],
)
def test_bad_output_formats_are_refused(response_format: Any, text: Any, match: str) -> None:
    with pytest.raises(GradientInvalidInputError, match=match):
        body([HumanMessage("hi")], response_format=response_format, text=text)


# ------------------------------------------------------- tools


class Weather(BaseModel):
    """Get the weather."""

    city: str


def test_bound_tools_are_sent_flat_with_strict_and_extra_keys() -> None:
    web_search = {"type": "web_search", "max_uses": 3}
    tools = format_tools([Weather, web_search], strict=True)
    tools[0]["cache_control"] = {"type": "ephemeral"}
    sent = body([HumanMessage("hi")], tools=tools)
    assert sent["tools"] == [
        {
            "type": "function",
            "name": "Weather",
            "description": "Get the weather.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
                "additionalProperties": False,
            },
            "strict": True,
            "cache_control": {"type": "ephemeral"},
        },
        web_search,
    ]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("any", "required"),
        (True, "required"),
        ("Weather", {"type": "function", "name": "Weather"}),
        (
            {"type": "function", "function": {"name": "Weather"}},
            {"type": "function", "name": "Weather"},
        ),
        ({"type": "function", "name": "Weather"}, {"type": "function", "name": "Weather"}),
        ({"type": "web_search"}, {"type": "web_search"}),
    ],
)
def test_every_tool_choice_form_is_sent_in_the_responses_form(choice: Any, expected: Any) -> None:
    tools = format_tools([Weather])
    bound = format_tool_choice(choice, tools)  # what bind_tools binds
    sent = body([HumanMessage("hi")], tools=tools, tool_choice=bound)
    assert sent["tool_choice"] == expected
    # The same choice passed straight to the call (not through bind_tools):
    assert body([HumanMessage("hi")], tools=tools, tool_choice=choice)["tool_choice"] == expected


def test_a_bad_tools_value_is_refused() -> None:
    with pytest.raises(GradientInvalidInputError, match="tools must be a list"):
        body([HumanMessage("hi")], tools={"type": "function"})
