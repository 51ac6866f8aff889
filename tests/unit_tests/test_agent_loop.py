"""The message round trip of an agent loop, and a scripted end-to-end agent.

First the wire: an assistant turn with tool calls, then tool results, become
the exact messages of the next request. Then ``langchain.agents.create_agent``
runs against a loopback HTTP server (a real socket on 127.0.0.1) that replays
realistic tool-call replies, streamed and not: tool call -> tool runs -> answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool

from langchain_gradient import ChatGradient
from langchain_gradient.errors import GradientInvalidInputError
from tests.unit_tests.fakes import FakeAPI, completion
from tests.unit_tests.loopback import LoopbackServer, Reply, Request

WEATHER_CALL = {"id": "call_w1", "name": "get_weather", "args": {"city": "Zürich"}}
WIRE_WEATHER_CALL = {
    "id": "call_w1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Zürich"}'},
}


def wire_messages(*messages: Any) -> list[dict[str, Any]]:
    api = FakeAPI(completion("ok"))
    api.model().invoke(list(messages))
    return api.body["messages"]


# ---------------------------------------------------------- the round trip


def test_assistant_tool_call_with_empty_content_then_string_tool_result() -> None:
    wire = wire_messages(
        HumanMessage("Weather in Zürich?"),
        AIMessage("", tool_calls=[WEATHER_CALL]),
        ToolMessage("12 °C, föhn", tool_call_id="call_w1"),
    )
    assert wire == [
        {"role": "user", "content": "Weather in Zürich?"},
        {"role": "assistant", "content": None, "tool_calls": [WIRE_WEATHER_CALL]},
        {"role": "tool", "tool_call_id": "call_w1", "content": "12 °C, föhn"},
    ]


def test_tool_call_arguments_go_out_with_characters_not_escapes() -> None:
    api = FakeAPI(completion("ok"))
    api.model().invoke(
        [
            HumanMessage("?"),
            AIMessage("", tool_calls=[WEATHER_CALL]),
            ToolMessage("x", tool_call_id="call_w1"),
        ]
    )
    raw = api.requests[-1].content.decode("utf-8")
    assert '{\\"city\\": \\"Zürich\\"}' in raw
    assert "\\u00fc" not in raw


def test_anthropic_style_list_content_sends_text_and_tool_calls_not_raw_blocks() -> None:
    content = [
        {"type": "text", "text": "Let me look that up."},
        {"type": "tool_use", "id": "call_w1", "name": "get_weather", "input": {"city": "Zürich"}},
    ]
    wire = wire_messages(
        HumanMessage("Weather?"),
        AIMessage(content, tool_calls=[WEATHER_CALL]),
        ToolMessage("sunny", tool_call_id="call_w1"),
    )
    assert wire[1] == {
        "role": "assistant",
        "content": "Let me look that up.",
        "tool_calls": [WIRE_WEATHER_CALL],
    }


def test_tool_use_blocks_alone_still_become_tool_calls() -> None:
    """A hand-built Anthropic-style message without ``tool_calls`` keeps its calls."""
    content = [
        {"type": "tool_use", "id": "call_w1", "name": "get_weather", "input": {"city": "Zürich"}}
    ]
    message = AIMessage(content)
    message.tool_calls = []
    wire = wire_messages(HumanMessage("?"), message, ToolMessage("sunny", tool_call_id="call_w1"))
    assert wire[1] == {"role": "assistant", "content": None, "tool_calls": [WIRE_WEATHER_CALL]}


def test_v1_tool_call_blocks_are_not_sent_as_content() -> None:
    message = AIMessage(
        [
            {"type": "text", "text": "Checking."},
            {
                "type": "tool_call",
                "id": "call_w1",
                "name": "get_weather",
                "args": {"city": "Zürich"},
            },
        ],
        tool_calls=[WEATHER_CALL],
    )
    wire = wire_messages(HumanMessage("?"), message, ToolMessage("sunny", tool_call_id="call_w1"))
    assert wire[1] == {
        "role": "assistant",
        "content": "Checking.",
        "tool_calls": [WIRE_WEATHER_CALL],
    }


def test_list_and_error_tool_results() -> None:
    calls = [
        WEATHER_CALL,
        {"id": "call_t2", "name": "get_time", "args": {}},
    ]
    wire = wire_messages(
        SystemMessage("You are terse."),
        HumanMessage("Weather and time?"),
        AIMessage("", tool_calls=calls),
        ToolMessage([{"type": "text", "text": "sunny"}, "and warm"], tool_call_id="call_w1"),
        ToolMessage("Error: clock unavailable", tool_call_id="call_t2", status="error"),
    )
    assert wire[2]["tool_calls"][1] == {
        "id": "call_t2",
        "type": "function",
        "function": {"name": "get_time", "arguments": "{}"},
    }
    assert wire[3] == {
        "role": "tool",
        "tool_call_id": "call_w1",
        "content": [{"type": "text", "text": "sunny"}, {"type": "text", "text": "and warm"}],
    }
    assert wire[4] == {
        "role": "tool",
        "tool_call_id": "call_t2",
        "content": "Error: clock unavailable",
    }


def test_a_tool_call_without_an_id_is_a_clear_error() -> None:
    message = AIMessage("", tool_calls=[{"id": None, "name": "get_weather", "args": {}}])
    with pytest.raises(
        GradientInvalidInputError, match=r"message 1: tool call 'get_weather' has no id"
    ):
        FakeAPI().model().invoke([HumanMessage("?"), message])


def test_a_reply_round_trips_into_the_next_request_unchanged() -> None:
    """What the API sent (ids, unicode, no-arg and invalid calls) is what goes back."""
    reply = completion(
        None,
        finish_reason="tool_calls",
        tool_calls=[
            {
                "id": "call_a",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city":"東京"}'},
            },
            {
                "id": "call_b",
                "type": "function",
                "function": {"name": "get_time", "arguments": "null"},
            },
        ],
    )
    api = FakeAPI(reply, completion("done"))
    model = api.model()
    first = model.invoke("go")
    model.invoke(
        [
            HumanMessage("go"),
            first,
            ToolMessage("rain", tool_call_id="call_a"),
            ToolMessage("noon", tool_call_id="call_b"),
        ]
    )
    assert api.body["messages"][1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_a",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "東京"}'},
            },
            {
                "id": "call_b",
                "type": "function",
                "function": {"name": "get_time", "arguments": "{}"},
            },
        ],
    }


# ------------------------------------------------ create_agent end to end

executed: list[tuple[str, dict[str, Any]]] = []


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    executed.append(("get_weather", {"city": city}))
    return f"{city}: 21 °C and sunny"


@tool
def get_time(timezone: str) -> str:
    """Get the current time in an IANA timezone."""
    executed.append(("get_time", {"timezone": timezone}))
    return f"12:00 in {timezone}"


def with_id(body: dict[str, Any], response_id: str) -> dict[str, Any]:
    # Real responses have distinct ids; LangGraph replaces a message whose id it
    # has seen, so a fake reusing one id would lose the first AI turn.
    return {**body, "id": response_id}


def tool_call_completion(calls: list[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
    body = completion(
        None,
        finish_reason="tool_calls",
        tool_calls=[
            {
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)},
            }
            for call_id, name, args in calls
        ],
    )
    return with_id(body, "chatcmpl-" + "-".join(call_id for call_id, _, _ in calls))


def tool_call_events(calls: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """How an OpenAI-compatible server streams parallel calls: id+name, then argument pieces."""
    base = {
        "id": "chatcmpl-s",
        "object": "chat.completion.chunk",
        "created": 1771946745,
        "model": "llama3.3-70b-instruct",
    }

    def event(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    events = [event({"role": "assistant", "content": None})]
    for index, (call_id, name, args) in enumerate(calls):
        head = {
            "index": index,
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        events.append(event({"tool_calls": [head]}))
        text = json.dumps(args, ensure_ascii=False)
        for start in range(0, len(text), 6):
            piece = {"index": index, "function": {"arguments": text[start : start + 6]}}
            events.append(event({"tool_calls": [piece]}))
    events.append(event({}, "tool_calls"))
    events.append(
        {
            **base,
            "choices": [],
            "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
        }
    )
    return events


def answer_events(text: str) -> list[dict[str, Any]]:
    base = {
        "id": "chatcmpl-t",
        "object": "chat.completion.chunk",
        "created": 1771946746,
        "model": "llama3.3-70b-instruct",
    }

    def event(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    pieces = [text[i : i + 8] for i in range(0, len(text), 8)]
    events = [event({"role": "assistant", "content": ""})]
    events += [event({"content": piece}) for piece in pieces]
    events.append(event({}, "stop"))
    return events


CALLS = [
    ("call_w", "get_weather", {"city": "São Paulo"}),
    ("call_t", "get_time", {"timezone": "America/Sao_Paulo"}),
]
ANSWER = "It is 21 °C and sunny in São Paulo, and it is noon."


def agent_script() -> Callable[[Request], Reply]:
    """Turn 1 answers with two parallel tool calls, turn 2 with the final text.

    Streamed requests get SSE, others JSON, so the same script serves both.
    """

    def reply(request: Request) -> Reply:
        body = request.json()
        has_results = any(m["role"] == "tool" for m in body["messages"])
        if body.get("stream"):
            return Reply.sse(answer_events(ANSWER) if has_results else tool_call_events(CALLS))
        return Reply.json(
            with_id(completion(ANSWER), "chatcmpl-answer")
            if has_results
            else tool_call_completion(CALLS)
        )

    return reply


def check_agent_requests(server: LoopbackServer, *, streamed: bool) -> None:
    assert [r.path for r in server.requests] == ["/v1/chat/completions"] * 2
    first, second = (r.json() for r in server.requests)
    assert bool(first.get("stream")) is streamed
    assert [t["function"]["name"] for t in first["tools"]] == ["get_weather", "get_time"]
    assert first["messages"] == [
        {"role": "system", "content": "Use the tools."},
        {"role": "user", "content": "Weather and time in São Paulo?"},
    ]
    assert second["messages"][:2] == first["messages"]
    assistant, *results = second["messages"][2:]
    assert assistant["role"] == "assistant"
    assert assistant["content"] is None
    assert assistant["tool_calls"] == [
        {
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)},
        }
        for call_id, name, args in CALLS
    ]
    assert results == [
        {
            "role": "tool",
            "tool_call_id": "call_w",
            "content": "São Paulo: 21 °C and sunny",
            "name": "get_weather",
        },
        {
            "role": "tool",
            "tool_call_id": "call_t",
            "content": "12:00 in America/Sao_Paulo",
            "name": "get_time",
        },
    ]


def check_agent_result(messages: list[Any]) -> None:
    assert [type(m).__name__ for m in messages] == [
        "HumanMessage",
        "AIMessage",
        "ToolMessage",
        "ToolMessage",
        "AIMessage",
    ]
    assert [(c["id"], c["name"], c["args"]) for c in messages[1].tool_calls] == CALLS
    assert messages[-1].text == ANSWER
    assert sorted(executed) == sorted((name, args) for _, name, args in CALLS)


@pytest.fixture(autouse=True)
def _reset_executed() -> None:
    executed.clear()


def make_agent(server: LoopbackServer, **model_kwargs: Any) -> Any:
    model = ChatGradient(
        base_url=server.base_url,
        api_key="sk-do-test",
        model="llama3.3-70b-instruct",
        **model_kwargs,
    )
    return create_agent(model, [get_weather, get_time], system_prompt="Use the tools.")


PROMPT = {"messages": [{"role": "user", "content": "Weather and time in São Paulo?"}]}


def test_create_agent_invoke_round_trip() -> None:
    with LoopbackServer(agent_script()) as server:
        result = make_agent(server).invoke(PROMPT)
        check_agent_requests(server, streamed=False)
    check_agent_result(result["messages"])


def test_create_agent_streaming_round_trip() -> None:
    """``stream_mode="messages"`` makes the model stream: calls are rebuilt from SSE."""
    with LoopbackServer(agent_script()) as server:
        tokens = []
        final: dict[str, Any] = {}
        for mode, payload in make_agent(server).stream(PROMPT, stream_mode=["messages", "values"]):
            if mode == "messages":
                chunk, _meta = payload
                if chunk.type == "AIMessageChunk" and chunk.text:
                    tokens.append(chunk.text)
            else:
                final = payload
        check_agent_requests(server, streamed=True)
    check_agent_result(final["messages"])
    assert len(tokens) > 1
    assert "".join(tokens) == ANSWER


async def test_create_agent_async_streaming_round_trip() -> None:
    with LoopbackServer(agent_script()) as server:
        model = ChatGradient(
            base_url=server.base_url,
            api_key="sk-do-test",
            model="llama3.3-70b-instruct",
            streaming=True,
        )
        agent = create_agent(model, [get_weather, get_time], system_prompt="Use the tools.")
        result = await agent.ainvoke(PROMPT)
        await model.aclose()
        check_agent_requests(server, streamed=True)
    check_agent_result(result["messages"])


def test_create_agent_with_structured_response() -> None:
    """An agent asked for a structured answer gets it through a forced tool call."""
    from langchain.agents.structured_output import ToolStrategy
    from pydantic import BaseModel

    class Report(BaseModel):
        """The weather report."""

        city: str
        celsius: int

    def reply(request: Request) -> Reply:
        body = request.json()
        if not any(m["role"] == "tool" for m in body["messages"]):
            return Reply.json(tool_call_completion([("call_w", "get_weather", {"city": "Oslo"})]))
        return Reply.json(
            tool_call_completion([("call_r", "Report", {"city": "Oslo", "celsius": 21})])
        )

    with LoopbackServer(reply) as server:
        model = ChatGradient(base_url=server.base_url, api_key="sk-do-test")
        agent = create_agent(model, [get_weather], response_format=ToolStrategy(Report))
        result = agent.invoke({"messages": [{"role": "user", "content": "Weather in Oslo?"}]})
        tools_sent = [t["function"]["name"] for t in server.requests[0].json()["tools"]]
    assert result["structured_response"] == Report(city="Oslo", celsius=21)
    assert tools_sent == ["get_weather", "Report"]
