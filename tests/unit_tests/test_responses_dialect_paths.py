"""Tools and structured output on the Responses API, on every LangChain path.

`ChatGradient(use_responses_api=True)` answers one scripted Responses reply
(`responses_replies`), served whole, as typed events (no ``[DONE]``) or as the
chunk-shaped events of Gradient's spec, so a reply meets the same parsers
and the same truncation and refusal checks a real call does. The path matrix
(``test_paths_matrix.py``, ``BOTH_APIS``) runs every other behaviour on both APIs.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from functools import reduce
from operator import add
from typing import Any

import httpx
import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import BaseMessageChunk
from langchain_core.runnables import Runnable
from langchain_core.runnables.utils import AddableDict
from pydantic import BaseModel

from langchain_gradient import ChatGradient
from langchain_gradient.dialects import RESPONSES
from langchain_gradient.errors import GradientRefusalError, GradientTruncatedOutputError
from tests.unit_tests.fakes import FakeAPI, sse
from tests.unit_tests.responses_replies import Call, Reply, chunk_events, typed_events, whole


def responses_server(reply: Reply, shape: str = "typed") -> FakeAPI:
    """A server answering ``reply`` on ``/responses``: whole, or streamed in ``shape``."""

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("/responses"), request.url
        if not json.loads(request.content).get("stream"):
            return httpx.Response(200, json=whole(reply))
        events = typed_events(reply) if shape == "typed" else chunk_events(reply)
        # Typed events end with response.completed, chunk-shaped ones with [DONE].
        content = sse(events, done=shape == "chunks")
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=content)

    return FakeAPI(answer)


def face(api: FakeAPI) -> ChatGradient:
    return api.model(model="openai-gpt-5.2-pro", use_responses_api=True)


def _collect(items: list[Any]) -> Any:
    if items and isinstance(items[0], (BaseMessageChunk, AddableDict)):
        return reduce(add, items)
    return items[-1] if items else None


async def _astream(runnable: Runnable[Any, Any]) -> Any:
    return _collect([item async for item in runnable.astream("Hi")])


PATHS: dict[str, tuple[str, Callable[[Runnable[Any, Any]], Any]]] = {
    "invoke": ("typed", lambda r: r.invoke("Hi")),
    "ainvoke": ("typed", lambda r: asyncio.run(r.ainvoke("Hi"))),
    "batch": ("typed", lambda r: r.batch(["Hi"])[0]),
    "stream-typed": ("typed", lambda r: _collect(list(r.stream("Hi")))),
    "stream-chunks": ("chunks", lambda r: _collect(list(r.stream("Hi")))),
    "astream-typed": ("typed", lambda r: asyncio.run(_astream(r))),
}


def run(path: str, reply: Reply, build: Callable[[ChatGradient], Runnable[Any, Any]]) -> Any:
    shape, call = PATHS[path]
    api = responses_server(reply, shape)
    outcome = call(build(face(api)))
    assert api.requests, "the face sent no request"
    assert bool(api.body.get("stream")) == path.startswith(("stream", "astream"))
    return outcome


class Person(BaseModel):
    """A person."""

    name: str


METHODS = ["function_calling", "json_schema"]


def _reply(method: str, text: str, incomplete: str | None = None) -> Reply:
    if method == "function_calling":
        return Reply(calls=(Call("call_1", "Person", (text,)),), incomplete=incomplete)
    return Reply(text=(text,), incomplete=incomplete)


def structured(method: str, **kwargs: Any) -> Callable[[ChatGradient], Runnable[Any, Any]]:
    return lambda model: model.with_structured_output(Person, method=method, **kwargs)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("method", METHODS)
def test_a_complete_reply_parses_on_every_path(path: str, method: str) -> None:
    assert run(path, _reply(method, '{"name": "Ada"}'), structured(method)) == Person(name="Ada")


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("text", ['{"name": "Ad', '{"name": "Ada"}'])
def test_an_incomplete_response_raises_truncation_on_every_path(
    path: str, method: str, text: str
) -> None:
    """``status: "incomplete"`` is ``finish_reason: "length"``, even when the text parses."""
    with pytest.raises(GradientTruncatedOutputError) as caught:
        run(path, _reply(method, text, incomplete="max_output_tokens"), structured(method))
    assert caught.value.finish_reason == "length"


@pytest.mark.parametrize("path", PATHS)
def test_a_content_filtered_response_raises_on_every_path(path: str) -> None:
    reply = _reply("json_schema", '{"name": "Ada"}', incomplete="content_filter")
    with pytest.raises(GradientTruncatedOutputError, match="content filter"):
        run(path, reply, structured("json_schema"))


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("method", METHODS)
def test_include_raw_reports_the_truncation(path: str, method: str) -> None:
    reply = _reply(method, '{"name": "Ad', incomplete="max_output_tokens")
    outcome = run(path, reply, structured(method, include_raw=True))
    assert outcome["parsed"] is None
    assert isinstance(outcome["parsing_error"], GradientTruncatedOutputError)


@pytest.mark.parametrize("path", PATHS)
def test_a_refusal_raises_the_refusal_error_on_every_path(path: str) -> None:
    reply = Reply(refusal="I can't help with that.")
    with pytest.raises(GradientRefusalError, match=r"I can't help with that\."):
        run(path, reply, structured("json_schema"))


@pytest.mark.parametrize("path", PATHS)
def test_a_malformed_forced_call_raises_on_every_path(path: str) -> None:
    with pytest.raises(OutputParserException, match=r"not a JSON object|not valid JSON"):
        run(path, _reply("function_calling", '{"name": "Ada"'), structured("function_calling"))


def test_each_method_sends_its_own_request_shape() -> None:
    def sent(method: str, strict: bool | None = None) -> dict[str, Any]:
        api = responses_server(_reply(method, '{"name": "Ada"}'))
        face(api).with_structured_output(Person, method=method, strict=strict).invoke("Hi")
        return api.body

    forced = sent("function_calling", strict=True)
    assert forced["tool_choice"] == {"type": "function", "name": "Person"}
    assert forced["tools"][0]["name"] == "Person"
    assert forced["tools"][0]["strict"] is True
    schema = sent("json_schema", strict=True)["text"]["format"]
    assert (schema["type"], schema["name"], schema["strict"]) == ("json_schema", "Person", True)
    assert schema["schema"]["properties"] == {"name": {"type": "string"}}
    api = responses_server(Reply(text=('{"name": "Ada"}',)))
    assert face(api).with_structured_output(None, method="json_mode").invoke("JSON please") == {
        "name": "Ada"
    }
    assert api.body["text"] == {"format": {"type": "json_object"}}


@pytest.mark.parametrize("path", PATHS)
def test_bound_tools_come_back_as_tool_calls_on_every_path(path: str) -> None:
    reply = Reply(
        calls=(
            Call("call_a", "Person", ('{"name": "A"}',)),
            Call("call_b", "Person", ('{"name": "B"}',)),
        )
    )
    message = run(path, reply, lambda model: model.bind_tools([Person], tool_choice="any"))
    assert [(c["id"], c["args"]) for c in message.tool_calls] == [
        ("call_a", {"name": "A"}),
        ("call_b", {"name": "B"}),
    ]
    assert message.response_metadata["finish_reason"] == "tool_calls"


def test_the_dialects_name_their_paths_and_the_responses_one_loads_on_first_use() -> None:
    code = (
        "import sys, langchain_gradient.dialects as d\n"
        "assert 'langchain_gradient.dialects.responses' not in sys.modules\n"
        "print(d.CHAT_COMPLETIONS.path, d.RESPONSES.path, d.RESPONSES is d.RESPONSES)\n"
    )
    done = subprocess.run(  # noqa: S603 - a fixed script, run by this interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["chat/completions", "responses", "True"]
    assert RESPONSES.stream_mapper("m").finished is False
