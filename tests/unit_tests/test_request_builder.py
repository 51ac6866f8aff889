"""The request builder on plain objects: messages and params -> request body."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import (
    AIMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_gradient import GradientInvalidInputError
from langchain_gradient._request import build_payload, message_to_dict, messages_to_dicts


def test_roles_map_to_api_roles() -> None:
    wire = messages_to_dicts(
        [
            SystemMessage("be brief"),
            SystemMessage("dev rules", additional_kwargs={"__openai_role__": "developer"}),
            HumanMessage("hi", name="ada"),
            AIMessage("hello"),
            ToolMessage("42", tool_call_id="call_1", name="lookup"),
            ChatMessage(role="developer", content="x"),
        ]
    )
    assert wire == [
        {"role": "system", "content": "be brief"},
        {"role": "developer", "content": "dev rules"},
        {"role": "user", "content": "hi", "name": "ada"},
        {"role": "assistant", "content": "hello"},
        {"role": "tool", "tool_call_id": "call_1", "content": "42", "name": "lookup"},
        {"role": "developer", "content": "x"},
    ]


def test_list_content_text_parts_are_sent_as_parts() -> None:
    wire = message_to_dict(HumanMessage(["plain", {"type": "text", "text": "block"}]))
    assert wire["content"] == [
        {"type": "text", "text": "plain"},
        {"type": "text", "text": "block"},
    ]


def test_assistant_tool_calls_are_serialised_as_json_strings() -> None:
    message = AIMessage(
        "",
        tool_calls=[{"id": "call_9", "name": "weather", "args": {"city": "Zürich"}}],
        invalid_tool_calls=[
            {"id": "call_bad", "name": "weather", "args": "{oops", "error": "bad json"}
        ],
    )
    wire = message_to_dict(message)
    assert wire["role"] == "assistant"
    assert wire["content"] is None
    assert wire["tool_calls"] == [
        {
            "id": "call_9",
            "type": "function",
            "function": {"name": "weather", "arguments": '{"city": "Zürich"}'},
        },
        {
            "id": "call_bad",
            "type": "function",
            "function": {"name": "weather", "arguments": "{oops"},
        },
    ]


def test_assistant_list_content_keeps_text_and_drops_tool_use_blocks() -> None:
    message = AIMessage(
        [
            {"type": "text", "text": "Let me check."},
            {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Oslo"}},
        ],
        tool_calls=[{"id": "toolu_1", "name": "weather", "args": {"city": "Oslo"}}],
    )
    wire = message_to_dict(message)
    assert wire["content"] == "Let me check."
    assert wire["tool_calls"][0]["id"] == "toolu_1"


def test_unknown_role_is_rejected_with_its_index() -> None:
    with pytest.raises(GradientInvalidInputError, match=r"message 1: unknown role 'wizard'"):
        messages_to_dicts([HumanMessage("a"), ChatMessage(role="wizard", content="b")])


def test_legacy_function_message_is_rejected() -> None:
    with pytest.raises(GradientInvalidInputError, match="FunctionMessage"):
        message_to_dict(FunctionMessage(name="f", content="x"))


def test_unset_params_are_not_sent() -> None:
    body = build_payload(
        [HumanMessage("hi")], {"model": "m", "temperature": None, "seed": None}, stream=False
    )
    assert body == {"messages": [{"role": "user", "content": "hi"}], "model": "m"}


SEED_PARAMS = {
    "temperature": 0.3,
    "top_p": 0.9,
    "max_tokens": 50,
    "max_completion_tokens": 300,
    "frequency_penalty": 0.5,
    "presence_penalty": -0.5,
    "logit_bias": {"1234": -100},
    "logprobs": True,
    "top_logprobs": 3,
    "n": 2,
    "stop": ["END"],
    "seed": 7,
    "user": "user-1",
    "reasoning_effort": "low",
    "metadata": {"team": "a"},
}


def test_every_seed_param_reaches_the_body_under_its_api_name() -> None:
    body = build_payload([HumanMessage("hi")], {"model": "m", **SEED_PARAMS}, stream=False)
    for name, value in SEED_PARAMS.items():
        assert body[name] == value, name
    assert "stream" not in body


def test_stream_options_are_only_sent_when_streaming() -> None:
    params = {"model": "m", "stream_options": {"include_usage": True}}
    assert "stream_options" not in build_payload([HumanMessage("x")], params, stream=False)
    streamed = build_payload([HumanMessage("x")], params, stream=True)
    assert streamed["stream"] is True
    assert streamed["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("temperature", 2.5, "temperature must be between 0 and 2"),
        ("top_p", -0.1, "top_p must be between 0 and 1"),
        ("n", 0, "n must be between 1 and 128"),
        ("top_logprobs", 21, "top_logprobs must be between 0 and 20"),
        ("presence_penalty", 3, "presence_penalty must be between -2 and 2"),
        ("temperature", "hot", "temperature must be a number"),
        ("max_tokens", -1, "max_tokens must be a non-negative integer"),
        ("stop", 5, "stop must be a string or a list of strings"),
    ],
)
def test_out_of_range_params_are_rejected(name: str, value: object, message: str) -> None:
    with pytest.raises(GradientInvalidInputError, match=message):
        build_payload([HumanMessage("x")], {"model": "m", name: value}, stream=False)


def test_body_is_json_ready() -> None:
    body = build_payload(
        [SystemMessage("s"), HumanMessage("h"), AIMessage("a")],
        {"model": "m", **SEED_PARAMS},
        stream=True,
    )
    assert json.loads(json.dumps(body)) == body
