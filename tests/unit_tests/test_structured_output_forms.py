"""``with_structured_output`` takes OpenAI's response-format dicts, on every path.

Issue 23, item 6: ``{"name", "schema", "strict"}`` and ``{"type": "json_schema",
"json_schema": {...}}`` are the schema the user wrote: it is what is sent (as
``response_format`` or as the forced tool's parameters) and what the reply is
held to. A dict that carries no schema raises before any request.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.exceptions import OutputParserException

from langchain_gradient import ChatGradient
from langchain_gradient.errors import GradientInvalidInputError
from tests.unit_tests.fakes import FakeAPI, completion
from tests.unit_tests.paths import (
    BOTH_APIS,
    Path,
    sent_response_format,
    sent_tool_choice,
    sent_tools,
    serve,
)

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
    "required": ["city", "population"],
}
BODY = {"name": "city_facts", "description": "Facts about a city.", "schema": SCHEMA}
FORMS = {
    "json_schema body": {**BODY, "strict": True},
    "response_format": {"type": "json_schema", "json_schema": {**BODY, "strict": True}},
    "responses flat": {"type": "json_schema", **BODY, "strict": True},
}
ANSWER = '{"city": "Lisbon", "population": 545000}'


def reply(method: str, arguments: str = ANSWER) -> dict[str, Any]:
    if method == "json_schema":
        return completion(arguments)
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "city_facts", "arguments": arguments},
    }
    return completion(None, finish_reason="tool_calls", tool_calls=[call])


def structured(schema: Any, method: str, **kwargs: Any) -> Any:
    return lambda model: model.with_structured_output(schema, method=method, **kwargs)


def sent_schema(body: dict[str, Any], method: str) -> dict[str, Any]:
    if method == "json_schema":
        fmt = sent_response_format(body)
        assert fmt["type"] == "json_schema"
        assert fmt["json_schema"]["name"] == "city_facts"
        assert fmt["json_schema"]["description"] == "Facts about a city."
        assert fmt["json_schema"]["strict"] is True
        schema: dict[str, Any] = fmt["json_schema"]["schema"]
        return schema
    [tool] = sent_tools(body)
    assert tool["function"]["name"] == "city_facts"
    assert tool["function"]["strict"] is True
    assert sent_tool_choice(body) == {"type": "function", "function": {"name": "city_facts"}}
    parameters: dict[str, Any] = tool["function"]["parameters"]
    return parameters


@pytest.mark.parametrize("form", FORMS, ids=str)
@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_a_response_format_dict_is_the_schema_sent_and_parsed(
    path: Path, method: str, form: str
) -> None:
    api = FakeAPI(serve(reply(method)))
    parsed = path.run(structured(FORMS[form], method), api)
    assert parsed == {"city": "Lisbon", "population": 545000}
    for body in api.bodies:
        schema = sent_schema(body, method)
        assert schema["properties"] == SCHEMA["properties"]
        assert schema["required"] == ["city", "population"]
        assert schema["additionalProperties"] is False  # strict closes the object


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_a_reply_that_misses_the_schema_is_not_returned(path: Path, method: str) -> None:
    api = FakeAPI(serve(reply(method, '{"town": "Lisbon"')))
    with pytest.raises(OutputParserException):
        path.run(structured(FORMS["response_format"], method), api)


def test_the_response_formats_strict_applies_when_none_is_passed() -> None:
    api = FakeAPI(reply("json_schema"))
    model = api.model()
    model.with_structured_output({**BODY, "strict": False}, method="json_schema").invoke("x")
    assert api.body["response_format"]["json_schema"]["strict"] is False
    model.with_structured_output(BODY, method="json_schema", strict=True).invoke("x")
    assert api.body["response_format"]["json_schema"]["strict"] is True


@pytest.mark.parametrize(
    ("schema", "kwargs", "match"),
    [
        ({**BODY, "strict": True}, {"strict": False}, "strict=True but strict=False"),
        ({"type": "json_schema"}, {}, "needs 'json_schema'"),
        ({"type": "json_schema", "json_schema": {"name": "x"}}, {}, "needs 'json_schema'"),
        ({"name": "x", "schema": "not a schema"}, {}, "must be a JSON schema object"),
        ({"type": "json_object"}, {}, "method='json_mode'"),
        ({"type": "mcp", "server_label": "do"}, {}, "carries no schema"),
        ({"name": "city_facts", "description": "no parameters"}, {}, "no parameter schema"),
        ({"title": "Names", "type": "array", "items": {}}, {}, "must be an object"),
        ({"foo": 1}, {}, "is not a schema it can use"),
    ],
)
@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_a_dict_without_a_usable_schema_raises_before_any_request(
    method: str, schema: dict[str, Any], kwargs: dict[str, Any], match: str
) -> None:
    api = FakeAPI()
    model: ChatGradient = api.model()
    with pytest.raises(GradientInvalidInputError, match=match):
        model.with_structured_output(schema, method=method, **kwargs).invoke("x")
    assert api.requests == []


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_schemas_that_worked_before_still_do(method: str) -> None:
    titled = {"title": "city_facts", "description": "Facts about a city.", **SCHEMA}
    function = {"name": "city_facts", "description": "Facts about a city.", "parameters": SCHEMA}
    for schema in (titled, function, {"type": "function", "function": function}):
        api = FakeAPI(reply(method))
        result = api.model().with_structured_output(schema, method=method).invoke("x")
        assert result == {"city": "Lisbon", "population": 545000}
        body = api.body
        sent = (
            body["response_format"]["json_schema"]["schema"]
            if method == "json_schema"
            else body["tools"][0]["function"]["parameters"]
        )
        assert sent["properties"] == SCHEMA["properties"]


def test_json_mode_takes_any_dict_and_sends_no_schema() -> None:
    # json_mode sends {"type": "json_object"} whatever the schema; a dict is
    # only a hint for the reader, so no form is refused there.
    for schema in ({"type": "json_object"}, FORMS["response_format"]):
        api = FakeAPI(completion(ANSWER))
        parsed = api.model().with_structured_output(schema, method="json_mode").invoke("x")
        assert parsed == {"city": "Lisbon", "population": 545000}
        assert api.body["response_format"] == {"type": "json_object"}
