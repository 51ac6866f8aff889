"""bind_tools -> the request body, and tool calls in replies -> LangChain tool calls.

Every test goes through `ChatGradient` and checks the exact JSON the server
receives (captured by ``FakeAPI`` on an ``httpx.MockTransport``) or the message
the user gets back.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import pydantic.v1 as pydantic_v1
import pytest
from langchain_core.messages import AIMessage
from langchain_core.tools import BaseTool, tool
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_gradient.errors import GradientInvalidInputError
from tests.unit_tests.fakes import FakeAPI, completion


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"sunny in {city}"


def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: First addend.
        b: Second addend.
    """
    return a + b


class Multiply(BaseModel):
    """Multiply two numbers."""

    x: float = Field(description="left factor")
    y: float = Field(description="right factor")


class Divide(pydantic_v1.BaseModel):
    """Divide one number by another."""

    numerator: float
    denominator: float


class Lookup(TypedDict):
    """Look a word up in the dictionary."""

    word: Annotated[str, ..., "the word to look up"]


SEARCH_SCHEMA = {
    "title": "search",
    "description": "Search the web.",
    "type": "object",
    "properties": {"query": {"type": "string"}},
    "required": ["query"],
}
FORMATTED = {
    "type": "function",
    "function": {
        "name": "ping",
        "description": "Ping a host.",
        "parameters": {
            "type": "object",
            "properties": {"host": {"type": "string"}},
            "required": ["host"],
        },
    },
}
MCP_TOOL = {
    "type": "mcp",
    "server_label": "docs",
    "server_url": "https://mcp.example.com/sse",
    "allowed_tools": ["search_docs"],
}
WEB_SEARCH_TOOL = {"type": "web_search"}


def sent(api: FakeAPI) -> dict[str, Any]:
    """The last request body without the messages."""
    return {k: v for k, v in api.body.items() if k != "messages"}


def call(model: Any, prompt: str = "hi") -> AIMessage:
    result = model.invoke(prompt)
    assert isinstance(result, AIMessage)
    return result


# ------------------------------------------------------------- tool kinds


def test_every_tool_kind_reaches_the_wire_in_the_api_format() -> None:
    api = FakeAPI()
    tools = [get_weather, add, Multiply, Divide, Lookup, SEARCH_SCHEMA, FORMATTED, MCP_TOOL]
    call(api.model().bind_tools(tools))
    body = sent(api)
    assert "tool_choice" not in body
    assert "parallel_tool_calls" not in body
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Get the current weather in a city.",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        },
        {
            "type": "function",
            "function": {
                "name": "add",
                "description": "Add two integers.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "a": {"type": "integer", "description": "First addend."},
                        "b": {"type": "integer", "description": "Second addend."},
                    },
                    "required": ["a", "b"],
                },
            },
        },
        {
            "type": "function",
            "function": {
                "name": "Multiply",
                "description": "Multiply two numbers.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "x": {"type": "number", "description": "left factor"},
                        "y": {"type": "number", "description": "right factor"},
                    },
                    "required": ["x", "y"],
                },
            },
        },
        {
            "type": "function",
            "function": {
                "name": "Divide",
                "description": "Divide one number by another.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "numerator": {"type": "number"},
                        "denominator": {"type": "number"},
                    },
                    "required": ["numerator", "denominator"],
                },
            },
        },
        {
            "type": "function",
            "function": {
                "name": "Lookup",
                "description": "Look a word up in the dictionary.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "word": {"type": "string", "description": "the word to look up"}
                    },
                    "required": ["word"],
                },
            },
        },
        {
            "type": "function",
            "function": {
                "name": "search",
                "description": "Search the web.",
                "parameters": {
                    "type": "object",
                    "properties": {"query": {"type": "string"}},
                    "required": ["query"],
                },
            },
        },
        FORMATTED,
        MCP_TOOL,
    ]


@pytest.mark.parametrize("server_tool", [MCP_TOOL, WEB_SEARCH_TOOL])
def test_server_side_tools_pass_through_unchanged(server_tool: dict[str, Any]) -> None:
    api = FakeAPI()
    call(api.model().bind_tools([server_tool, add], tool_choice="auto"))
    assert api.body["tools"][0] == server_tool
    assert api.body["tools"][1]["function"]["name"] == "add"


def test_a_json_schema_dict_is_a_function_not_a_server_tool() -> None:
    """A JSON schema has ``"type": "object"``: it must be converted, not passed through."""
    api = FakeAPI()
    call(api.model().bind_tools([SEARCH_SCHEMA]))
    assert api.body["tools"][0]["type"] == "function"
    assert api.body["tools"][0]["function"]["name"] == "search"


def test_other_tool_dialects_are_converted() -> None:
    anthropic_style = {
        "name": "translate",
        "description": "Translate text.",
        "input_schema": {"type": "object", "properties": {"text": {"type": "string"}}},
    }
    responses_style = {
        "type": "function",
        "name": "shout",
        "parameters": {"type": "object", "properties": {"text": {"type": "string"}}},
    }
    api = FakeAPI()
    call(api.model().bind_tools([anthropic_style, responses_style]))
    assert api.body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "translate",
                "description": "Translate text.",
                "parameters": anthropic_style["input_schema"],
            },
        },
        {
            "type": "function",
            "function": {"name": "shout", "parameters": responses_style["parameters"]},
        },
    ]


def test_a_formatted_tool_keeps_its_sibling_keys() -> None:
    cached = {**FORMATTED, "cache_control": {"type": "ephemeral"}}
    api = FakeAPI()
    call(api.model().bind_tools([cached]))
    assert api.body["tools"] == [cached]


def test_no_argument_tools_are_accepted() -> None:
    @tool
    def now() -> str:
        """The current time."""
        return "noon"

    api = FakeAPI()
    call(api.model().bind_tools([now], tool_choice="now"))
    function = api.body["tools"][0]["function"]
    assert function["name"] == "now"
    assert function["parameters"]["properties"] == {}
    assert api.body["tool_choice"] == {"type": "function", "function": {"name": "now"}}


def test_base_tool_subclass_is_accepted() -> None:
    class Echo(BaseTool):
        name: str = "echo"
        description: str = "Echo the input."

        def _run(self, text: str) -> str:
            return text

    api = FakeAPI()
    call(api.model().bind_tools([Echo()]))
    assert api.body["tools"][0]["function"]["name"] == "echo"
    assert api.body["tools"][0]["function"]["description"] == "Echo the input."


# ------------------------------------------------------------- tool_choice


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("any", "required"),
        (True, "required"),
        ("add", {"type": "function", "function": {"name": "add"}}),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            {"type": "function", "function": {"name": "get_weather"}},
        ),
    ],
)
def test_tool_choice_forms(choice: Any, wire: Any) -> None:
    api = FakeAPI()
    call(api.model().bind_tools([add, get_weather], tool_choice=choice))
    assert api.body["tool_choice"] == wire


@pytest.mark.parametrize("choice", [None, False])
def test_no_tool_choice_sends_nothing(choice: Any) -> None:
    api = FakeAPI()
    call(api.model().bind_tools([add], tool_choice=choice))
    assert "tool_choice" not in api.body


def test_tool_choice_for_a_server_side_tool_dict_is_sent_as_given() -> None:
    api = FakeAPI()
    call(api.model().bind_tools([MCP_TOOL], tool_choice={"type": "mcp"}))
    assert api.body["tool_choice"] == {"type": "mcp"}


@pytest.mark.parametrize(
    "choice", ["multiply", {"type": "function", "function": {"name": "multiply"}}]
)
def test_tool_choice_naming_an_unbound_tool_is_a_clear_error(choice: Any) -> None:
    api = FakeAPI()
    with pytest.raises(GradientInvalidInputError, match=r"'multiply'.*not a bound tool.*add"):
        api.model().bind_tools([add, MCP_TOOL], tool_choice=choice)
    assert api.requests == []


@pytest.mark.parametrize("choice", [3, 1.5, ["add"]])
def test_tool_choice_of_another_type_is_rejected(choice: Any) -> None:
    with pytest.raises(GradientInvalidInputError, match="unsupported tool_choice"):
        FakeAPI().model().bind_tools([add], tool_choice=choice)


# ------------------------------------------------- strict, parallel calls


@pytest.mark.parametrize("strict", [True, False])
def test_strict_sets_function_strict_on_every_converted_tool(strict: bool) -> None:
    api = FakeAPI()
    call(api.model().bind_tools([add, Multiply, SEARCH_SCHEMA, FORMATTED, MCP_TOOL], strict=strict))
    functions = [t["function"] for t in api.body["tools"] if t["type"] == "function"]
    assert [f["strict"] for f in functions] == [strict] * 4
    assert api.body["tools"][-1] == MCP_TOOL
    if strict:
        # Strict mode needs closed object schemas.
        assert all(f["parameters"]["additionalProperties"] is False for f in functions)


def test_strict_is_left_out_when_not_set() -> None:
    api = FakeAPI()
    call(api.model().bind_tools([add]))
    assert "strict" not in api.body["tools"][0]["function"]


def test_strict_on_a_tool_without_parameters_gets_an_empty_closed_schema() -> None:
    api = FakeAPI()
    call(api.model().bind_tools([{"title": "noop", "description": "Do nothing."}], strict=True))
    assert api.body["tools"][0]["function"] == {
        "name": "noop",
        "description": "Do nothing.",
        "parameters": {"type": "object", "properties": {}, "additionalProperties": False},
        "strict": True,
    }


def test_strict_conflicting_with_the_tool_is_a_clear_error() -> None:
    declared = {"type": "function", "function": {**FORMATTED["function"], "strict": False}}
    with pytest.raises(GradientInvalidInputError, match=r"'ping'.*strict"):
        FakeAPI().model().bind_tools([declared], strict=True)


@pytest.mark.parametrize("parallel", [True, False])
def test_parallel_tool_calls_is_sent_when_set(parallel: bool) -> None:
    api = FakeAPI()
    call(api.model().bind_tools([add], parallel_tool_calls=parallel))
    assert api.body["parallel_tool_calls"] is parallel


def test_extra_bind_kwargs_reach_the_body() -> None:
    api = FakeAPI()
    call(api.model().bind_tools([add], tool_choice="any", temperature=0.2))
    assert api.body["temperature"] == 0.2
    assert api.body["tool_choice"] == "required"


# --------------------------------------------------------- bad tool input


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ({"properties": {"a": {"type": "string"}}}, "cannot convert tool"),
        ({"title": "has space", "type": "object", "properties": {}}, "tool name 'has space'"),
        ({"title": "x" * 65, "properties": {}}, "1-64 characters"),
        ({"type": "function", "function": "nope"}, "'function' must be an object"),
        (42, "cannot convert tool"),
    ],
)
def test_tools_that_cannot_be_sent_raise_a_typed_error(bad: Any, match: str) -> None:
    with pytest.raises(GradientInvalidInputError, match=match):
        FakeAPI().model().bind_tools([bad])


def test_tools_must_be_a_list() -> None:
    with pytest.raises(GradientInvalidInputError, match="list of tools"):
        FakeAPI().model().bind_tools(add)  # type: ignore[arg-type]


# ------------------------------------------------- tool calls in replies


def reply_with_calls(*calls: dict[str, Any], response_id: str = "chatcmpl-1") -> dict[str, Any]:
    body = completion(None, finish_reason="tool_calls", tool_calls=list(calls))
    body["id"] = response_id
    return body


def fn_call(name: str | None, arguments: Any, call_id: str | None = None) -> dict[str, Any]:
    raw: dict[str, Any] = {"type": "function", "function": {"name": name, "arguments": arguments}}
    if call_id is not None:
        raw["id"] = call_id
    return raw


def test_tool_call_ids_are_kept_exactly() -> None:
    ids = ["call_AbC123", "toolu_01XyZ", "chatcmpl-tool-9f8e", "0"]
    api = FakeAPI(reply_with_calls(*(fn_call("add", '{"a": 1, "b": 2}', i) for i in ids)))
    message = call(api.model().bind_tools([add]))
    assert [c["id"] for c in message.tool_calls] == ids
    assert message.tool_calls[0] == {
        "name": "add",
        "args": {"a": 1, "b": 2},
        "id": "call_AbC123",
        "type": "tool_call",
    }


def test_missing_ids_are_derived_deterministically_and_differ_between_responses() -> None:
    first = reply_with_calls(fn_call("add", '{"a": 1, "b": 2}'), fn_call("add", '{"a": 3, "b": 4}'))
    api = FakeAPI(first, first, reply_with_calls(fn_call("add", '{"a": 5, "b": 6}')))
    model = api.model()
    one, again, other = call(model), call(model), call(model)
    ids = [c["id"] for c in one.tool_calls]
    assert all(isinstance(i, str) and i.startswith("call_") for i in ids)
    assert len(set(ids)) == 2
    assert [c["id"] for c in again.tool_calls] == ids
    assert other.tool_calls[0]["id"] not in ids


def test_derived_ids_differ_even_when_the_response_id_is_empty() -> None:
    """Gradient sends ``"id": ""`` for some models; ids must still not collide."""
    api = FakeAPI(
        reply_with_calls(fn_call("add", '{"a": 1, "b": 2}'), response_id=""),
        reply_with_calls(fn_call("add", '{"a": 2, "b": 2}'), response_id=""),
    )
    model = api.model()
    assert call(model).tool_calls[0]["id"] != call(model).tool_calls[0]["id"]


@pytest.mark.parametrize("arguments", ["null", "", None, "  ", {}])
def test_empty_null_or_missing_arguments_mean_no_arguments(arguments: Any) -> None:
    api = FakeAPI(reply_with_calls(fn_call("now", arguments, "call_1")))
    message = call(api.model())
    assert message.invalid_tool_calls == []
    assert message.tool_calls == [{"name": "now", "args": {}, "id": "call_1", "type": "tool_call"}]


def test_arguments_key_absent_means_no_arguments() -> None:
    raw = {"id": "call_1", "type": "function", "function": {"name": "now"}}
    message = call(FakeAPI(reply_with_calls(raw)).model())
    assert message.tool_calls[0]["args"] == {}


def test_non_ascii_arguments_are_kept_as_characters() -> None:
    arguments = json.dumps({"city": "北京", "note": "Zürich — ünïcode ✓"}, ensure_ascii=False)
    api = FakeAPI(reply_with_calls(fn_call("get_weather", arguments, "call_1")))
    message = call(api.model())
    assert message.tool_calls[0]["args"] == {"city": "北京", "note": "Zürich — ünïcode ✓"}


def test_escaped_unicode_arguments_decode_to_characters() -> None:
    api = FakeAPI(reply_with_calls(fn_call("get_weather", '{"city": "\\u6771\\u4eac"}', "c")))
    assert call(api.model()).tool_calls[0]["args"] == {"city": "東京"}


def test_arguments_sent_as_an_object_are_accepted() -> None:
    api = FakeAPI(reply_with_calls(fn_call("get_weather", {"city": "Köln"}, "call_1")))
    message = call(api.model())
    assert message.tool_calls[0]["args"] == {"city": "Köln"}


def test_invalid_json_arguments_become_an_invalid_tool_call_with_the_raw_string() -> None:
    raw = '{"city": "Paris"'
    api = FakeAPI(
        reply_with_calls(fn_call("get_weather", raw, "call_bad"), fn_call("add", '{"a":1,"b":2}'))
    )
    message = call(api.model())
    assert [c["name"] for c in message.tool_calls] == ["add"]
    assert len(message.invalid_tool_calls) == 1
    invalid = message.invalid_tool_calls[0]
    assert invalid["id"] == "call_bad"
    assert invalid["name"] == "get_weather"
    assert invalid["args"] == raw
    assert "not valid JSON" in (invalid["error"] or "")


@pytest.mark.parametrize(("arguments", "kind"), [("[1, 2]", "list"), ("7", "int"), ('"x"', "str")])
def test_arguments_that_are_not_an_object_are_invalid(arguments: str, kind: str) -> None:
    api = FakeAPI(reply_with_calls(fn_call("add", arguments, "call_1")))
    message = call(api.model())
    assert message.tool_calls == []
    assert message.invalid_tool_calls[0]["args"] == arguments
    assert f"JSON {kind}, not an object" in (message.invalid_tool_calls[0]["error"] or "")


def test_arguments_encoded_twice_are_decoded() -> None:
    twice = json.dumps(json.dumps({"a": 1, "b": 2}))
    api = FakeAPI(reply_with_calls(fn_call("add", twice, "call_1")))
    assert call(api.model()).tool_calls[0]["args"] == {"a": 1, "b": 2}


def test_a_call_without_a_function_name_is_invalid_not_dropped() -> None:
    api = FakeAPI(reply_with_calls(fn_call(None, '{"a": 1}', "call_1")))
    message = call(api.model())
    assert message.tool_calls == []
    assert message.invalid_tool_calls[0]["id"] == "call_1"
    assert "no function name" in (message.invalid_tool_calls[0]["error"] or "")


def test_invalid_calls_round_trip_with_their_raw_arguments() -> None:
    """An invalid call is sent back with its raw arguments so its result still matches."""
    api = FakeAPI(reply_with_calls(fn_call("get_weather", "{oops", "call_bad")), completion("ok"))
    model = api.model()
    first = call(model)
    model.invoke(["weather?", first])
    assistant = api.body["messages"][1]
    assert assistant["tool_calls"] == [
        {
            "id": "call_bad",
            "type": "function",
            "function": {"name": "get_weather", "arguments": "{oops"},
        }
    ]
