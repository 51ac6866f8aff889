"""Input the API would reject fails locally, clearly, before any request is sent."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

import pytest
from langchain_core.exceptions import ModelInvalidRequestError
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
)

from langchain_gradient import ChatGradient
from langchain_gradient.errors import GradientInvalidInputError

from .loopback import SECRET, Scripted, completion, json_response, mock_model, stream

MODES = ["sync", "async"]


@pytest.fixture
def handler() -> Scripted:
    return Scripted(json_response(completion()))


def rejected(
    handler: Scripted, mode: str, messages: Any, match: str, **kwargs: Any
) -> GradientInvalidInputError:
    """Invoke, expect a local rejection naming ``match``, and no request."""
    model = mock_model(handler, mode)

    def call() -> Any:
        if mode == "sync":
            return model.invoke(messages, **kwargs)
        return asyncio.run(model.ainvoke(messages, **kwargs))

    with pytest.raises(GradientInvalidInputError, match=match) as info:
        call()
    assert handler.requests == []
    assert isinstance(info.value, ModelInvalidRequestError)
    assert isinstance(info.value, ValueError)
    return info.value


# --------------------------------------------------------------- messages


@pytest.mark.parametrize("mode", MODES)
def test_unknown_role(handler: Scripted, mode: str) -> None:
    err = rejected(handler, mode, [ChatMessage(role="wizard", content="hi")], "wizard")
    assert "message 0" in str(err)


@pytest.mark.parametrize("mode", MODES)
def test_unsupported_message_type(handler: Scripted, mode: str) -> None:
    messages: list[BaseMessage] = [
        HumanMessage("hi"),
        FunctionMessage(name="f", content="42"),
    ]
    err = rejected(handler, mode, messages, "FunctionMessage")
    assert "message 1" in str(err)


@pytest.mark.parametrize("mode", MODES)
def test_unknown_content_block_type(handler: Scripted, mode: str) -> None:
    message = HumanMessage(content=[{"type": "text", "text": "see"}, {"type": "hologram"}])
    rejected(handler, mode, [message], "hologram")


@pytest.mark.parametrize("mode", MODES)
def test_tool_call_arguments_must_be_json_serialisable(handler: Scripted, mode: str) -> None:
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    messages = [
        HumanMessage("when?"),
        AIMessage(content="", tool_calls=[{"name": "clock", "args": {"at": when}, "id": "c1"}]),
    ]
    err = rejected(handler, mode, messages, "not JSON-serialisable")
    assert "clock" in str(err)


@pytest.mark.parametrize("mode", MODES)
def test_extra_body_field_must_be_json_serialisable(handler: Scripted, mode: str) -> None:
    rejected(handler, mode, "hi", "not JSON-serialisable", metadata_blob=object())


# ------------------------------------------------------------- parameters


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"n": 0}, "n must be between 1 and 128"),
        ({"n": -3}, "n must be between 1 and 128"),
        ({"temperature": 2.5}, "temperature must be between 0 and 2"),
        ({"temperature": -0.1}, "temperature must be between 0 and 2"),
        ({"temperature": float("nan")}, "temperature must be between 0 and 2"),
        ({"temperature": "hot"}, "temperature must be a number"),
        ({"top_p": 1.5}, "top_p must be between 0 and 1"),
        ({"max_tokens": -1}, "max_tokens must be a non-negative integer"),
    ],
)
def test_call_time_parameters_out_of_range(
    handler: Scripted, mode: str, params: dict[str, Any], match: str
) -> None:
    rejected(handler, mode, "hi", match, **params)


@pytest.mark.parametrize(
    ("params", "field"),
    [({"n": 0}, "n"), ({"temperature": 2.5}, "temperature"), ({"temperature": -1}, "temperature")],
)
def test_constructor_parameters_out_of_range(params: dict[str, Any], field: str) -> None:
    # The README's error table promises GradientInvalidInputError.
    with pytest.raises(GradientInvalidInputError, match=field) as info:
        ChatGradient(api_key=SECRET, **params)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("mode", MODES)
def test_n_above_one_cannot_stream(handler: Scripted, mode: str) -> None:
    chunks, exc = stream(mock_model(handler, mode), mode, "hi", n=2)
    assert chunks == []
    assert isinstance(exc, GradientInvalidInputError)
    assert "n > 1" in str(exc)
    assert handler.requests == []


# ------------------------------------------------------------------ tools


@pytest.mark.parametrize(
    "name", ["has space", "dotted.name", "", "x" * 65, "ünïcode", "semi;colon"]
)
def test_invalid_tool_names_are_rejected_when_binding(handler: Scripted, name: str) -> None:
    model = mock_model(handler, "sync")
    tool = {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}
    with pytest.raises(GradientInvalidInputError, match="tool name") as info:
        model.bind_tools([tool])
    assert "a-z, A-Z, 0-9, '_' and '-'" in str(info.value)
    assert handler.requests == []


@pytest.mark.parametrize("name", ["get_weather", "a", "x" * 64, "Tool-2_b"])
def test_valid_tool_names_are_accepted(handler: Scripted, name: str) -> None:
    model = mock_model(handler, "sync")
    tool = {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}
    model.bind_tools([tool]).invoke("hi")
    assert handler.requests[0].read()  # the request went out with the tool
    assert name.encode() in handler.requests[0].content
