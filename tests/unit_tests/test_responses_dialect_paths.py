"""Tools and structured output on the Responses dialect, on every LangChain path.

`DialectFace` runs the dialect alone (no transport), with the orchestration
the design note in
`langchain_gradient.dialects` describes: the dialect's builder, its
whole-reply mapper or its stream mapper, and the face's existing stream
completeness rule (`stream_tail`). Binding goes through the same pure
modules ``ChatGradient.bind_tools`` / ``with_structured_output`` use, so a
scripted reply here meets the same parsers and the same truncation and
refusal checks a real call will. `ChatGradient` itself runs every path on both
APIs in ``test_paths_matrix.py`` (``BOTH_APIS``).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from functools import reduce
from operator import add
from typing import Any

import pytest
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, BaseMessageChunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.runnables.utils import AddableDict
from pydantic import BaseModel, Field

from langchain_gradient._api_choice import stream_tail
from langchain_gradient._structured_output import structured_output_runnable
from langchain_gradient._tools import format_tool_choice, format_tools
from langchain_gradient.dialects import RESPONSES
from langchain_gradient.errors import GradientRefusalError, GradientTruncatedOutputError
from tests.unit_tests.responses_replies import Call, Reply, chunk_events, typed_events, whole


class DialectFace(BaseChatModel):
    """The face's orchestration over one dialect, answering one scripted reply."""

    reply: Reply
    shape: str = "typed"
    """How a stream arrives: ``"typed"`` events or ``"chunks"``."""
    sent: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "dialect-face"

    def _params(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        kwargs.pop("ls_structured_output_format", None)
        return {"model": "openai-gpt-5.2-pro", **kwargs}

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        payload = RESPONSES.build_payload(messages, self._params(kwargs), stream=False)
        self.sent.append(payload)
        return RESPONSES.result(whole(self.reply), payload["model"])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        payload = RESPONSES.build_payload(messages, self._params(kwargs), stream=True)
        self.sent.append(payload)
        mapper = RESPONSES.stream_mapper(payload["model"])
        events = typed_events(self.reply) if self.shape == "typed" else chunk_events(self.reply)
        for event in events:
            if (chunk := mapper.map(event)) is not None:
                yield chunk
        if (tail := stream_tail(mapper, self.shape == "chunks", RESPONSES)) is not None:
            yield tail

    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: Any = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[Any, Any]:
        formatted = format_tools(tools, strict=strict)
        choice = format_tool_choice(tool_choice, formatted)
        if choice is not None:
            kwargs["tool_choice"] = choice
        return self.bind(tools=formatted, **kwargs)

    def with_structured_output(  # type: ignore[override]
        self,
        schema: Any = None,
        *,
        method: Any = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
    ) -> Runnable[Any, Any]:
        return structured_output_runnable(
            self, schema, method=method, include_raw=include_raw, strict=strict
        )


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


def run(path: str, reply: Reply, build: Callable[[DialectFace], Runnable[Any, Any]]) -> Any:
    shape, call = PATHS[path]
    face = DialectFace(reply=reply, shape=shape)
    outcome = call(build(face))
    assert face.sent, "the face sent no request"
    assert bool(face.sent[-1].get("stream")) == path.startswith(("stream", "astream"))
    return outcome


class Person(BaseModel):
    """A person."""

    name: str


METHODS = ["function_calling", "json_schema"]


def _reply(method: str, text: str, incomplete: str | None = None) -> Reply:
    if method == "function_calling":
        return Reply(calls=(Call("call_1", "Person", (text,)),), incomplete=incomplete)
    return Reply(text=(text,), incomplete=incomplete)


def structured(method: str, **kwargs: Any) -> Callable[[DialectFace], Runnable[Any, Any]]:
    return lambda face: face.with_structured_output(Person, method=method, **kwargs)


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
        face = DialectFace(reply=_reply(method, '{"name": "Ada"}'))
        face.with_structured_output(Person, method=method, strict=strict).invoke("Hi")
        return face.sent[-1]

    forced = sent("function_calling", strict=True)
    assert forced["tool_choice"] == {"type": "function", "name": "Person"}
    assert forced["tools"][0]["name"] == "Person"
    assert forced["tools"][0]["strict"] is True
    schema = sent("json_schema", strict=True)["text"]["format"]
    assert (schema["type"], schema["name"], schema["strict"]) == ("json_schema", "Person", True)
    assert schema["schema"]["properties"] == {"name": {"type": "string"}}
    face = DialectFace(reply=Reply(text=('{"name": "Ada"}',)))
    assert face.with_structured_output(None, method="json_mode").invoke("JSON please") == {
        "name": "Ada"
    }
    assert face.sent[-1]["text"] == {"format": {"type": "json_object"}}


@pytest.mark.parametrize("path", PATHS)
def test_bound_tools_come_back_as_tool_calls_on_every_path(path: str) -> None:
    reply = Reply(
        calls=(
            Call("call_a", "Person", ('{"name": "A"}',)),
            Call("call_b", "Person", ('{"name": "B"}',)),
        )
    )
    message = run(path, reply, lambda face: face.bind_tools([Person], tool_choice="any"))
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
