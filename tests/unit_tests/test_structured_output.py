"""with_structured_output: the request per method, parsing, streaming, include_raw."""

from __future__ import annotations

import json
from functools import reduce
from operator import add
from typing import Annotated, Any

import pydantic.v1 as pydantic_v1
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage
from langchain_core.utils.function_calling import convert_to_json_schema
from pydantic import BaseModel, Field, ValidationError
from typing_extensions import TypedDict

from langchain_gradient.errors import GradientInvalidInputError
from tests.unit_tests.fakes import FakeAPI, chunk, completion


class Joke(BaseModel):
    """A joke to tell the user."""

    setup: str = Field(description="question to set up the joke")
    punchline: str = Field(description="answer that resolves the joke")


class JokeV1(pydantic_v1.BaseModel):
    """A joke to tell the user."""

    setup: str
    punchline: str


class JokeDict(TypedDict):
    """A joke to tell the user."""

    setup: Annotated[str, ..., "question to set up the joke"]
    punchline: Annotated[str, ..., "answer that resolves the joke"]


JOKE_SCHEMA = Joke.model_json_schema()
SCHEMAS = {
    "pydantic": Joke,
    "pydantic_v1": JokeV1,
    "typeddict": JokeDict,
    "json_schema": JOKE_SCHEMA,
}
NAMES = {
    "pydantic": "Joke",
    "pydantic_v1": "JokeV1",
    "typeddict": "JokeDict",
    "json_schema": "Joke",
}
METHODS = ["function_calling", "json_schema", "json_mode"]
JOKE = {
    "setup": "Why did the cat sit on the laptop?",
    "punchline": "To keep an eye on the mouse — ✓",
}
JOKE_JSON = json.dumps(JOKE, ensure_ascii=False)


def tool_reply(name: str, arguments: str = JOKE_JSON) -> dict[str, Any]:
    call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}
    return completion(None, finish_reason="tool_calls", tool_calls=[call])


def tool_stream(name: str, arguments: str = JOKE_JSON, size: int = 7) -> list[Any]:
    first = {"index": 0, "id": "call_1", "type": "function", "function": {"name": name}}
    events: list[Any] = [chunk({"role": "assistant", "tool_calls": [first]})]
    events += [
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments[i : i + size]}}]})
        for i in range(0, len(arguments), size)
    ]
    events.append(chunk({}, finish_reason="tool_calls"))
    return events


def text_stream(text: str, size: int = 7) -> list[Any]:
    events: list[Any] = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": text[i : i + size]}) for i in range(0, len(text), size)]
    events.append(chunk({}, finish_reason="stop"))
    return events


def replies(kind: str, method: str, arguments: str = JOKE_JSON) -> tuple[Any, Any]:
    """A non-streamed and a streamed reply carrying ``arguments``, per method."""
    if method == "function_calling":
        return tool_reply(NAMES[kind], arguments), tool_stream(NAMES[kind], arguments)
    return completion(arguments), text_stream(arguments)


def expected(kind: str) -> Any:
    if kind == "pydantic":
        return Joke(**JOKE)
    if kind == "pydantic_v1":
        return JokeV1(**JOKE)
    return JOKE


class OptionsRecorder(BaseCallbackHandler):
    """Records ``on_chat_model_start`` options, as langchain-tests does."""

    def __init__(self) -> None:
        self.options: list[dict[str, Any] | None] = []

    def on_chat_model_start(
        self, serialized: Any, messages: Any, *, options: dict[str, Any] | None = None, **kw: Any
    ) -> None:
        self.options.append(options)


# ----------------------------------------------------------- the request


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_function_calling_forces_the_single_schema_tool(kind: str) -> None:
    api = FakeAPI(tool_reply(NAMES[kind]))
    api.model().with_structured_output(SCHEMAS[kind], method="function_calling").invoke("joke")
    body = api.body
    assert "response_format" not in body
    assert len(body["tools"]) == 1
    function = body["tools"][0]["function"]
    assert function["name"] == NAMES[kind]
    assert function["description"] == "A joke to tell the user."
    assert set(function["parameters"]["properties"]) == {"setup", "punchline"}
    assert function["parameters"]["required"] == ["setup", "punchline"]
    assert "strict" not in function
    assert body["tool_choice"] == {"type": "function", "function": {"name": NAMES[kind]}}


def test_function_calling_is_the_default_method() -> None:
    api = FakeAPI(tool_reply("Joke"))
    assert api.model().with_structured_output(Joke).invoke("joke") == Joke(**JOKE)
    assert api.body["tool_choice"] == {"type": "function", "function": {"name": "Joke"}}
    assert "response_format" not in api.body


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_json_schema_sends_response_format_with_the_schema(kind: str) -> None:
    api = FakeAPI(completion(JOKE_JSON))
    api.model().with_structured_output(SCHEMAS[kind], method="json_schema").invoke("joke")
    body = api.body
    assert "tools" not in body
    assert "tool_choice" not in body
    response_format = body["response_format"]
    assert response_format["type"] == "json_schema"
    json_schema = response_format["json_schema"]
    assert set(json_schema) == {"name", "description", "schema"}
    assert json_schema["name"] == NAMES[kind]
    assert json_schema["description"] == "A joke to tell the user."
    assert json_schema["schema"]["type"] == "object"
    assert set(json_schema["schema"]["properties"]) == {"setup", "punchline"}


@pytest.mark.parametrize("strict", [True, False])
def test_strict_reaches_function_and_json_schema(strict: bool) -> None:
    api = FakeAPI(tool_reply("Joke"), completion(JOKE_JSON))
    model = api.model()
    model.with_structured_output(Joke, method="function_calling", strict=strict).invoke("j")
    function = api.body["tools"][0]["function"]
    assert function["strict"] is strict
    model.with_structured_output(Joke, method="json_schema", strict=strict).invoke("j")
    json_schema = api.body["response_format"]["json_schema"]
    assert json_schema["strict"] is strict
    if strict:
        assert function["parameters"]["additionalProperties"] is False
        assert json_schema["schema"]["additionalProperties"] is False


@pytest.mark.parametrize("kind", [*SCHEMAS, "none"])
def test_json_mode_sends_json_object(kind: str) -> None:
    api = FakeAPI(completion(JOKE_JSON))
    schema = SCHEMAS.get(kind)
    result = api.model().with_structured_output(schema, method="json_mode").invoke("joke, JSON")
    assert api.body["response_format"] == {"type": "json_object"}
    assert "tools" not in api.body
    assert result == (JOKE if schema is None else expected(kind))


# ------------------------------------------------------------- parsing


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_invoke_parses_into_the_schema_type(kind: str, method: str) -> None:
    invoked, _ = replies(kind, method)
    result = FakeAPI(invoked).model().with_structured_output(SCHEMAS[kind], method=method)
    assert result.invoke("joke") == expected(kind)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_stream_yields_progressively_parsed_objects(kind: str, method: str) -> None:
    _, streamed = replies(kind, method)
    structured = FakeAPI(streamed).model().with_structured_output(SCHEMAS[kind], method=method)
    parts = list(structured.stream("joke"))
    assert len(parts) > 1
    assert parts[-1] == expected(kind)
    if kind in ("typeddict", "json_schema"):
        # Partial dicts grow: each one is a prefix of the final object.
        assert parts[0] != parts[-1]
        for part in parts:
            assert set(part) <= {"setup", "punchline"}
            for key, value in part.items():
                assert JOKE[key].startswith(value)
    else:
        assert all(type(part) is type(expected(kind)) for part in parts)
        assert parts[0].punchline != JOKE["punchline"]


@pytest.mark.parametrize("method", METHODS)
async def test_astream_yields_progressively_parsed_objects(method: str) -> None:
    _, streamed = replies("pydantic", method)
    structured = FakeAPI(streamed).model().with_structured_output(Joke, method=method)
    parts = [part async for part in structured.astream("joke")]
    assert len(parts) > 1
    assert parts[-1] == Joke(**JOKE)
    assert await FakeAPI(replies("pydantic", method)[0]).model().with_structured_output(
        Joke, method=method
    ).ainvoke("joke") == Joke(**JOKE)


def test_non_ascii_values_survive_parsing() -> None:
    value = {"setup": "Почему?", "punchline": "因为 ✓"}
    api = FakeAPI(tool_reply("Joke", json.dumps(value, ensure_ascii=False)))
    assert api.model().with_structured_output(Joke).invoke("j") == Joke(**value)


# ------------------------------------------------------------- failures


BROKEN = '{"setup": "Why?", "punchline": '
WRONG_TYPE = '{"setup": "Why?", "punchline": 42}'


@pytest.mark.parametrize(
    ("kind", "method", "reply", "error"),
    [
        ("pydantic", "function_calling", tool_reply("Joke", BROKEN), OutputParserException),
        ("json_schema", "function_calling", tool_reply("Joke", BROKEN), OutputParserException),
        ("pydantic", "function_calling", completion("I'd rather not."), OutputParserException),
        ("typeddict", "function_calling", completion("No tool for you."), OutputParserException),
        ("pydantic", "function_calling", tool_reply("Other", JOKE_JSON), OutputParserException),
        ("pydantic", "function_calling", tool_reply("Joke", WRONG_TYPE), ValidationError),
        ("pydantic", "json_schema", completion(BROKEN), OutputParserException),
        ("json_schema", "json_mode", completion("not json at all"), OutputParserException),
        ("pydantic", "json_mode", completion(WRONG_TYPE), OutputParserException),
    ],
)
def test_parse_failures_raise_without_include_raw_and_are_reported_with_it(
    kind: str, method: str, reply: dict[str, Any], error: type[Exception]
) -> None:
    api = FakeAPI(reply)
    model = api.model()
    with pytest.raises(error):
        model.with_structured_output(SCHEMAS[kind], method=method).invoke("joke")
    result = model.with_structured_output(SCHEMAS[kind], method=method, include_raw=True).invoke(
        "joke"
    )
    assert set(result) == {"raw", "parsed", "parsing_error"}
    assert isinstance(result["raw"], AIMessage)
    assert result["parsed"] is None
    assert isinstance(result["parsing_error"], error)


def test_include_raw_on_success() -> None:
    api = FakeAPI(tool_reply("Joke"))
    result = api.model().with_structured_output(Joke, include_raw=True).invoke("joke")
    assert result["parsed"] == Joke(**JOKE)
    assert result["parsing_error"] is None
    assert result["raw"].tool_calls[0]["args"] == JOKE


def test_include_raw_stream_reports_instead_of_raising() -> None:
    api = FakeAPI(tool_stream("Joke", BROKEN))
    parts = list(api.model().with_structured_output(Joke, include_raw=True).stream("joke"))
    final = reduce(add, parts)
    assert final["parsed"] is None
    assert isinstance(final["parsing_error"], OutputParserException)
    assert final["raw"].tool_call_chunks[0]["args"] == BROKEN


def test_a_stream_that_never_becomes_valid_raises_at_its_end() -> None:
    """Partial objects are not the last word: the whole reply is parsed strictly."""
    api = FakeAPI(tool_stream("JokeDict", BROKEN))
    structured = api.model().with_structured_output(JokeDict)
    seen: list[Any] = []
    with pytest.raises(OutputParserException, match="not a JSON object"):
        seen.extend(structured.stream("joke"))
    assert seen  # the partial object was delivered before the error
    assert seen[-1] == {"setup": "Why?"}


def test_a_streamed_reply_without_the_tool_call_raises() -> None:
    api = FakeAPI(text_stream("I do not do jokes."))
    with pytest.raises(OutputParserException, match="did not call 'Joke'"):
        list(api.model().with_structured_output(Joke).stream("joke"))


# ------------------------------------------------------- configuration


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_ls_structured_output_format_reaches_core_callbacks(kind: str, method: str) -> None:
    invoked, streamed = replies(kind, method)
    api = FakeAPI(invoked, streamed)
    structured = api.model().with_structured_output(SCHEMAS[kind], method=method)
    for run in (structured.invoke, lambda *a, **k: list(structured.stream(*a, **k))):
        recorder = OptionsRecorder()
        run("joke", config={"callbacks": [recorder]})
        assert len(recorder.options) == 1
        traced = recorder.options[0]["ls_structured_output_format"]  # type: ignore[index]
        assert traced["schema"] == convert_to_json_schema(SCHEMAS[kind])
        assert traced["kwargs"]["method"] == method
    # Core strips the trace before the request is built.
    assert all("ls_structured_output_format" not in body for body in api.bodies)


@pytest.mark.parametrize(
    ("schema", "kwargs", "match"),
    [
        (Joke, {"method": "xml"}, "unknown structured output method 'xml'"),
        (None, {"method": "function_calling"}, "needs a schema"),
        (None, {"method": "json_schema"}, "needs a schema"),
        (Joke, {"method": "json_mode", "strict": True}, "strict applies"),
        ({"type": "object", "properties": {}}, {}, "is not a schema it can use"),
        (Joke, {"tools": []}, "unsupported arguments"),
    ],
)
def test_bad_configuration_is_a_clear_error(schema: Any, kwargs: Any, match: str) -> None:
    with pytest.raises(GradientInvalidInputError, match=match):
        FakeAPI().model().with_structured_output(schema, **kwargs)


async def test_async_include_raw_reports_failures() -> None:
    api = FakeAPI(completion("no JSON here"), text_stream("no JSON here"))
    structured = api.model().with_structured_output(Joke, method="json_mode", include_raw=True)
    result = await structured.ainvoke("joke")
    assert result["parsed"] is None
    assert isinstance(result["parsing_error"], OutputParserException)
    parts = [part async for part in structured.astream("joke")]
    assert len(parts) > 2  # the raw chunks arrive as they stream
    final = reduce(add, parts)
    assert isinstance(final["parsing_error"], OutputParserException)
    assert final["parsed"] is None
    assert final["raw"].content == "no JSON here"
