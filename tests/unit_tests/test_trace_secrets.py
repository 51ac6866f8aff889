"""Tool credentials reach the server and nothing that records the call.

Issue 23, item 1: ``bind_tools([{"type": "mcp", "authorization": ..., "headers":
{...}}])``. The request body must carry the credentials; callback handlers,
core's tracer runs (what LangSmith uploads), ``astream_events``, the binding's
``repr`` and ``dumpd`` must not, on every path of both chat APIs.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumpd, dumps
from langchain_core.messages import BaseMessage
from langchain_core.outputs import LLMResult
from langchain_core.tracers.base import BaseTracer
from langchain_core.tracers.schemas import Run
from pydantic import SecretStr

from langchain_gradient import ChatGradient
from tests.unit_tests.fakes import FakeAPI, completion
from tests.unit_tests.paths import BOTH_APIS, Path, serve

AUTHORIZATION = "Bearer mcp-authorization-SECRET-1"
HEADER = "Bearer mcp-header-SECRET-2"
API_KEY_HEADER = "mcp-x-api-key-SECRET-3"
URL_KEY = "mcp-url-query-SECRET-4"
BODY_TOKEN = "extra-body-token-SECRET-5"
SECRETS = (AUTHORIZATION, HEADER, API_KEY_HEADER, URL_KEY, BODY_TOKEN)

MCP = {
    "type": "mcp",
    "server_label": "do",
    "server_url": f"https://mcp.example.com/sse?api_key={URL_KEY}",
    "authorization": AUTHORIZATION,
    "headers": {"Authorization": HEADER, "X-Api-Key": API_KEY_HEADER},
    "allowed_tools": ["list_droplets"],
}


def add(a: int, b: int) -> int:
    """Add two integers (a function tool whose schema names no secret)."""
    return a + b


def revealing(value: Any) -> Any:
    """A careless serializer: shows what is inside any object it meets."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return repr(value)


def text_of(value: Any) -> str:
    return json.dumps(value, default=revealing)


class RunRecorder(BaseTracer):
    """Core's tracer machinery, keeping every chat-model run it builds."""

    raise_error = True  # a tracer failure fails the test instead of a log line

    def __init__(self) -> None:
        super().__init__()
        self.chat_runs: list[Run] = []

    def _persist_run(self, run: Run) -> None:
        pass

    # A tracer in core's default ("original") format gets a chat model's run
    # through on_llm_start; one in the chat format through on_chat_model_start.
    # Both are kept; each run object later receives the outputs too.
    def _on_llm_start(self, run: Run) -> None:
        self.chat_runs.append(run)

    def _on_chat_model_start(self, run: Run) -> None:
        self.chat_runs.append(run)

    def recorded(self) -> str:
        """What a tracer uploads of each run, as text."""
        fields = ("name", "serialized", "inputs", "outputs", "extra", "events", "tags", "error")
        return text_of([{name: getattr(run, name) for name in fields} for run in self.chat_runs])


class CallbackRecorder(BaseCallbackHandler):
    """A plain callback handler, keeping every argument it is given."""

    raise_error = True

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], **kwargs: Any
    ) -> None:
        self.seen.append({"serialized": serialized, "messages": messages, **kwargs})

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.seen.append({"token": token, **kwargs})

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        self.seen.append({"response": response, **kwargs})


def assert_recorded_without_secrets(tracer: RunRecorder, handler: CallbackRecorder) -> None:
    assert tracer.chat_runs, "the tracer saw no chat model run"
    assert handler.seen, "the handler saw nothing"
    recorded = tracer.recorded() + text_of(handler.seen)
    for secret in SECRETS:
        assert secret not in recorded
    # Redacted, not dropped: the trace still shows which tools were bound.
    run = tracer.chat_runs[0]
    tools = run.extra["invocation_params"]["tools"]
    mcp = next(tool for tool in tools if tool.get("type") == "mcp")
    assert mcp["server_label"] == "do"
    assert mcp["authorization"] == "**REDACTED**"
    assert mcp["headers"] == {"Authorization": "**REDACTED**", "X-Api-Key": "**REDACTED**"}
    assert any(tool.get("function", {}).get("name") == "add" for tool in tools)


def assert_sent(api: FakeAPI) -> None:
    assert api.requests, "nothing was sent"
    for body in api.bodies:
        mcp = next(tool for tool in body["tools"] if tool["type"] == "mcp")
        assert mcp == MCP


def traced(build: Any, tracer: RunRecorder, handler: CallbackRecorder) -> Any:
    return lambda model: build(model).with_config(callbacks=[tracer, handler])


RAW_TOOLS = [{"type": "function", "function": {"name": "add", "parameters": {}}}, MCP]


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
@pytest.mark.parametrize(
    "bind",
    [
        pytest.param(lambda model: model.bind_tools([add, MCP]), id="bound-tools"),
        # Not through bind_tools: a raw dict in the call's kwargs.
        pytest.param(lambda model: model.bind(tools=RAW_TOOLS), id="tools-passed-with-the-call"),
    ],
)
def test_tool_credentials_are_sent_but_never_recorded(path: Path, bind: Any) -> None:
    api = FakeAPI(serve(completion("done")))
    tracer, handler = RunRecorder(), CallbackRecorder()
    path.run(traced(bind, tracer, handler), api)
    assert_sent(api)
    assert_recorded_without_secrets(tracer, handler)


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_credentials_in_model_kwargs_and_extra_body_are_redacted(path: Path) -> None:
    api = FakeAPI(serve(completion("done")))
    tracer, handler = RunRecorder(), CallbackRecorder()
    path.run(
        traced(lambda model: model.bind_tools([add]), tracer, handler),
        api,
        model_kwargs={"tools_extra": [MCP]},
        extra_body={"provider": {"auth_token": BODY_TOKEN, "region": "nyc"}},
    )
    for body in api.bodies:
        assert body["provider"] == {"auth_token": BODY_TOKEN, "region": "nyc"}
        assert body["tools_extra"] == [MCP]
    recorded = tracer.recorded() + text_of(handler.seen)
    for secret in SECRETS:
        assert secret not in recorded
    assert "nyc" in recorded  # only the credential is hidden


def test_astream_events_carry_no_credentials() -> None:
    api = FakeAPI(serve(completion("done")))
    bound = api.model().bind_tools([add, MCP])

    async def run() -> list[Any]:
        return [event async for event in bound.astream_events("hi", version="v2")]

    events = asyncio.run(run())
    assert any(event["event"] == "on_chat_model_end" for event in events)
    recorded = text_of(events)
    for secret in SECRETS:
        assert secret not in recorded
    assert_sent(api)


def test_the_binding_prints_and_serializes_without_credentials() -> None:
    api = FakeAPI()
    bound = api.model().bind_tools([add, MCP])
    for text in (repr(bound), str(bound), dumps(bound), json.dumps(dumpd(bound))):
        for secret in SECRETS:
            assert secret not in text
    assert "server_label" in repr(bound)


def test_a_model_holding_tools_in_model_kwargs_prints_and_serializes_without_them() -> None:
    model = ChatGradient(api_key="sk-do-test", model_kwargs={"tools": [MCP]})
    for text in (repr(model), dumps(model), json.dumps(dumpd(model))):
        for secret in (AUTHORIZATION, HEADER, API_KEY_HEADER, URL_KEY):
            assert secret not in text


def test_function_tool_schemas_are_not_mistaken_for_credentials() -> None:
    # A function's argument named "password" is a schema, not a secret.
    def login(user: str, password: str) -> str:
        """Log in."""
        return user

    api = FakeAPI()
    tracer = RunRecorder()
    api.model().bind_tools([login]).invoke("hi", config={"callbacks": [tracer]})
    tools = tracer.chat_runs[0].extra["invocation_params"]["tools"]
    assert tools[0]["function"]["parameters"]["properties"]["password"] == {"type": "string"}
    assert api.body["tools"] == tools


def test_the_api_key_and_default_headers_never_reach_the_invocation_params() -> None:
    api = FakeAPI()
    tracer = RunRecorder()
    api.model(default_headers={"X-Proxy-Token": "proxy-SECRET-6"}).invoke(
        "hi", config={"callbacks": [tracer]}
    )
    assert "proxy-SECRET-6" not in tracer.recorded()
    assert "sk-do-test-key" not in tracer.recorded()
    assert api.requests[0].headers["X-Proxy-Token"] == "proxy-SECRET-6"
