"""ChatOpenAI request features that must reach the body, on every path.

``bind_tools(..., response_format=...)`` and a per-call ``response_format``
(a schema becomes ``{"type": "json_schema", ...}``), OpenAI's
``prompt_cache_breakpoint`` content mark, empty list content, and a callable
``api_key`` refused by name.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel, SecretStr
from typing_extensions import TypedDict

from langchain_gradient import ChatGradient, GradientInvalidInputError
from tests.unit_tests.fakes import FakeAPI, completion
from tests.unit_tests.paths import (
    BOTH_APIS,
    Path,
    sent_messages,
    sent_response_format,
    sent_tools,
    serve,
)

BREAKPOINT = {"mode": "explicit"}
PHOTO = "https://example.com/photo.png"


class Sandwich(BaseModel):
    """A sandwich order."""

    bread: str
    filling: str


class Username(BaseModel):
    """Make a username."""

    name: str


class SandwichDict(TypedDict):
    """A sandwich order."""

    bread: str
    filling: str


SANDWICH_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "Sandwich",
        "description": "A sandwich order.",
        "schema": {
            "type": "object",
            "properties": {
                "bread": {"type": "string"},
                "filling": {"type": "string"},
            },
            "required": ["bread", "filling"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}
SANDWICH = '{"bread": "rye", "filling": "cheese"}'


def _without_titles(value: Any) -> Any:
    """The schema as compared here: pydantic's per-property ``title`` left aside."""
    if isinstance(value, dict):
        return {k: _without_titles(v) for k, v in value.items() if k != "title"}
    return value


# ------------------------------------------------------- response_format


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_bind_tools_response_format_is_sent_as_a_json_schema_on_every_path(path: Path) -> None:
    api = FakeAPI(serve(completion(SANDWICH)))
    reply = path.run(lambda m: m.bind_tools([Username], response_format=Sandwich), api)
    body = api.body
    assert _without_titles(sent_response_format(body)) == SANDWICH_FORMAT
    # ChatOpenAI's rule: tools beside a response format default to strict.
    assert sent_tools(body)[0]["function"]["strict"] is True
    assert json.loads(reply.text) == {"bread": "rye", "filling": "cheese"}
    # Not mirrored (README "Coming from ChatOpenAI"): no SDK-parsed object.
    assert "parsed" not in reply.additional_kwargs


def test_bind_tools_response_format_keeps_an_explicit_strict_false() -> None:
    api = FakeAPI()
    api.model().bind_tools([Username], response_format=Sandwich, strict=False).invoke("hi")
    assert api.body["tools"][0]["function"]["strict"] is False
    assert api.body["response_format"]["json_schema"]["strict"] is False


def test_bind_tools_without_response_format_leaves_strict_unset() -> None:
    api = FakeAPI()
    api.model().bind_tools([Username]).invoke("hi")
    assert "strict" not in api.body["tools"][0]["function"]
    assert "response_format" not in api.body


@pytest.mark.parametrize(
    ("response_format", "name"),
    [
        (Sandwich, "Sandwich"),
        (SandwichDict, "SandwichDict"),
        (SANDWICH_FORMAT["json_schema"], "Sandwich"),
    ],
    ids=["pydantic", "typeddict", "json_schema-body"],
)
def test_a_schema_passed_per_call_is_sent_as_a_json_schema(response_format: Any, name: str) -> None:
    api = FakeAPI(completion(SANDWICH))
    api.model().invoke("hi", response_format=response_format)
    sent = api.body["response_format"]
    assert sent["type"] == "json_schema"
    assert sent["json_schema"]["name"] == name
    assert set(sent["json_schema"]["schema"]["properties"]) == {"bread", "filling"}


def test_a_pydantic_class_per_call_is_strict_as_the_openai_sdk_sends_it() -> None:
    api = FakeAPI(completion(SANDWICH))
    api.model().invoke("hi", response_format=Sandwich)
    assert _without_titles(api.body["response_format"]) == SANDWICH_FORMAT


@pytest.mark.parametrize(
    "response_format",
    [{"type": "json_object"}, {"type": "text"}, SANDWICH_FORMAT, {"type": "no-such-format"}],
    ids=["json_object", "text", "json_schema", "unknown-left-to-the-server"],
)
def test_the_apis_own_response_format_is_sent_as_given(response_format: dict[str, Any]) -> None:
    api = FakeAPI()
    api.model().bind(response_format=response_format).invoke("hi")
    assert api.body["response_format"] == response_format


@pytest.mark.parametrize(
    "response_format",
    [42, {"properties": {"a": {"type": "string"}}}, {"type": "json_schema", "name": "x"}],
    ids=["number", "schema-without-title", "json_schema-without-schema"],
)
def test_a_response_format_that_is_no_schema_raises_before_sending(response_format: Any) -> None:
    api = FakeAPI()
    with pytest.raises(GradientInvalidInputError, match="response_format"):
        api.model().invoke("hi", response_format=response_format)
    assert api.requests == []


# ------------------------------------------------ prompt_cache_breakpoint


def conversation(history: list[BaseMessage]) -> Any:
    def build(model: ChatGradient) -> Runnable[Any, Any]:
        return RunnableLambda(lambda _: history) | model

    return build


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_prompt_cache_breakpoints_are_sent_on_every_path(path: Path) -> None:
    history: list[BaseMessage] = [
        HumanMessage(
            [
                {"type": "text", "text": "top", "prompt_cache_breakpoint": BREAKPOINT},
                {"type": "text", "text": "v1", "extras": {"prompt_cache_breakpoint": BREAKPOINT}},
                {"type": "image", "url": PHOTO, "extras": {"prompt_cache_breakpoint": BREAKPOINT}},
                {
                    "type": "image_url",
                    "image_url": {"url": PHOTO},
                    "prompt_cache_breakpoint": BREAKPOINT,
                },
                {"type": "text", "text": "falsy", "extras": {"prompt_cache_breakpoint": None}},
                {"type": "text", "text": "plain", "extras": {"other": "dropped"}},
            ]
        ),
        AIMessage(
            [{"type": "text", "text": "said", "prompt_cache_breakpoint": BREAKPOINT}],
            tool_calls=[{"name": "f", "args": {}, "id": "call_1"}],
        ),
        ToolMessage(
            [{"type": "text", "text": "result", "extras": {"prompt_cache_breakpoint": BREAKPOINT}}],
            tool_call_id="call_1",
        ),
    ]
    api = FakeAPI(serve(completion("ok")))
    path.run(conversation(history), api)
    user, assistant, tool = sent_messages(api.body)
    image = {
        "type": "image_url",
        "image_url": {"url": PHOTO},
        "prompt_cache_breakpoint": BREAKPOINT,
    }
    assert user["content"] == [
        {"type": "text", "text": "top", "prompt_cache_breakpoint": BREAKPOINT},
        {"type": "text", "text": "v1", "prompt_cache_breakpoint": BREAKPOINT},
        image,
        image,
        {"type": "text", "text": "falsy", "prompt_cache_breakpoint": None},
        {"type": "text", "text": "plain"},
    ]
    assert assistant["content"] == [
        {"type": "text", "text": "said", "prompt_cache_breakpoint": BREAKPOINT}
    ]
    assert tool["content"] == [
        {"type": "text", "text": "result", "prompt_cache_breakpoint": BREAKPOINT}
    ]


def test_a_blocks_own_breakpoint_wins_over_the_one_in_extras() -> None:
    api = FakeAPI()
    block = {
        "type": "text",
        "text": "x",
        "prompt_cache_breakpoint": BREAKPOINT,
        "extras": {"prompt_cache_breakpoint": {"mode": "other"}},
    }
    api.model().invoke([HumanMessage([block])])
    assert api.body["messages"][0]["content"][0]["prompt_cache_breakpoint"] == BREAKPOINT


# -------------------------------------------------------- empty content


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_empty_list_content_is_sent_as_an_empty_string_on_every_path(path: Path) -> None:
    history: list[BaseMessage] = [
        HumanMessage([]),
        AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "call_1"}]),
        ToolMessage(content=[], tool_call_id="call_1"),
    ]
    api = FakeAPI(serve(completion("ok")))
    path.run(conversation(history), api)
    user, _, tool = sent_messages(api.body)
    assert user == {"role": "user", "content": ""}
    assert tool == {"role": "tool", "tool_call_id": "call_1", "content": ""}


# ------------------------------------------------------------- api_key


@pytest.mark.parametrize("name", ["api_key", "openai_api_key"])
def test_a_callable_api_key_is_refused_by_name(name: str) -> None:
    with pytest.raises(GradientInvalidInputError, match="callables are not supported") as caught:
        ChatGradient(model="m", **{name: lambda: "sk-do-secret"})
    assert "model_copy" in str(caught.value)


def test_rotating_the_key_by_copy_sends_the_new_key() -> None:
    api = FakeAPI()
    model = api.model()
    rotated = model.model_copy(update={"api_key": SecretStr("sk-do-rotated")})
    rotated.invoke("hi")
    assert api.requests[-1].headers["authorization"] == "Bearer sk-do-rotated"
    model.invoke("hi")
    assert api.requests[-1].headers["authorization"] == "Bearer sk-do-test-key"


# ------------------------------------- differences the README states, pinned


def test_a_tool_result_list_of_strings_goes_out_as_text_parts() -> None:
    api = FakeAPI()
    api.model().invoke(
        [
            HumanMessage("q"),
            AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "call_1"}]),
            ToolMessage(content=["item1", "item2"], tool_call_id="call_1"),
        ]
    )
    assert api.body["messages"][-1]["content"] == [
        {"type": "text", "text": "item1"},
        {"type": "text", "text": "item2"},
    ]


def test_the_legacy_string_image_url_is_sent_in_the_object_form() -> None:
    api = FakeAPI()
    api.model().invoke([HumanMessage([{"type": "image_url", "image_url": PHOTO}])])
    assert api.body["messages"][0]["content"] == [
        {"type": "image_url", "image_url": {"url": PHOTO}}
    ]


@pytest.mark.parametrize(
    "block",
    [
        {"type": "document_url", "document_url": "https://example.com/a.pdf"},
        {"type": "input_audio", "input_audio": {"data": "abc", "format": "wav"}},
        {"type": "reasoning_content", "reasoning_content": "mine"},
        {"type": "tool_use", "id": "t", "name": "f", "input": {}},
        {"type": "some_future_block", "data": "x"},
    ],
    ids=lambda block: block["type"],
)
def test_a_user_block_the_api_does_not_list_raises_naming_it(block: dict[str, Any]) -> None:
    api = FakeAPI()
    # langchain-core reads OpenAI's input_audio as a standard "audio" block.
    named = "audio" if block["type"] == "input_audio" else block["type"]
    with pytest.raises(GradientInvalidInputError, match=f"message 1 \\(user\\).*'{named}'"):
        api.model().invoke([HumanMessage("first"), HumanMessage([block])])
    assert api.requests == []


def test_usage_is_not_split_by_service_tier() -> None:
    usage = {
        "prompt_tokens": 2304,
        "completion_tokens": 50,
        "total_tokens": 2354,
        "prompt_tokens_details": {"cached_tokens": 256},
        "completion_tokens_details": {"reasoning_tokens": 10},
    }
    reply = {**completion("x", usage=usage), "service_tier": "priority"}
    message = FakeAPI(reply).model().invoke("hi")
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_token_details"] == {"cache_read": 256}
    assert message.usage_metadata["output_token_details"] == {"reasoning": 10}
    assert message.response_metadata["service_tier"] == "priority"


def test_max_tokens_and_max_completion_tokens_stay_two_fields() -> None:
    api = FakeAPI()
    model = api.model(max_completion_tokens=300)
    assert model.max_tokens is None
    model.invoke("hi")
    assert api.body["max_completion_tokens"] == 300
    assert "max_tokens" not in api.body
    api.model(max_tokens=100).invoke("hi")
    assert api.body["max_tokens"] == 100
    assert "max_completion_tokens" not in api.body
    assert "stream" not in api.body  # the API's default (false) is not sent
