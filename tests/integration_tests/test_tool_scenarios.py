"""Tool use end to end, replayed from cassettes recorded from a real model.

A LangChain ``create_agent`` loop with two tools, invoked and streamed. Recorded
like the standard suite (``scripts/record-cassettes``); nothing here depends on
the recording server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool

from langchain_gradient import ChatGradient
from tests.integration_tests._recording import recorded_chat_model

pytestmark = pytest.mark.vcr

SYSTEM_PROMPT = (
    "You are a travel assistant. Use the tools to look facts up; never guess them. "
    "Answer in one short sentence."
)


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"It is 21 degrees Celsius and sunny in {city}."


@tool
def get_population(city: str) -> str:
    """Get the number of people living in a city."""
    return f"{city} has 2,102,650 inhabitants."


TOOLS = [get_weather, get_population]


ModelFactory = Callable[..., ChatGradient]


def _model(**overrides: Any) -> ChatGradient:
    return recorded_chat_model(96, **overrides)


@pytest.fixture
def make_model() -> ModelFactory:
    """The model each test calls (``test_responses_agent.py`` swaps in the Responses API)."""
    return _model


_THOUSANDS_SEPARATOR = re.compile(r"(?<=\d)[,. \u202f](?=\d{3}\b)")


def _check_agent_transcript(messages: list[Any], *, tool_name: str, fact: str) -> None:
    """One tool call of the right tool, its result fed back, a final answer using it."""
    calls = [call for m in messages if isinstance(m, AIMessage) for call in m.tool_calls]
    assert [call["name"] for call in calls] == [tool_name]
    assert calls[0]["args"]["city"].lower() == "paris"
    results = [m for m in messages if isinstance(m, ToolMessage)]
    assert len(results) == 1
    assert results[0].tool_call_id == calls[0]["id"]
    assert results[0].status == "success"
    final = messages[-1]
    assert isinstance(final, AIMessage)
    assert not final.tool_calls
    # Digit groups may be written 2,102,650 or 2 102 650 or 2.102.650.
    assert fact in _THOUSANDS_SEPARATOR.sub("", final.text)


def test_create_agent_picks_the_right_tool_of_two(make_model: ModelFactory) -> None:
    agent = create_agent(make_model(), tools=TOOLS, system_prompt=SYSTEM_PROMPT)
    state = agent.invoke({"messages": [HumanMessage("What is the weather like in Paris now?")]})
    _check_agent_transcript(state["messages"], tool_name="get_weather", fact="21")


def test_create_agent_streamed(make_model: ModelFactory) -> None:
    agent = create_agent(make_model(), tools=TOOLS, system_prompt=SYSTEM_PROMPT)
    question = HumanMessage("How many people live in Paris?")
    tokens: list[AIMessageChunk] = []
    final_state: dict[str, Any] = {}
    for mode, payload in agent.stream({"messages": [question]}, stream_mode=["messages", "values"]):
        if mode == "messages":
            chunk, _metadata = payload
            if isinstance(chunk, AIMessageChunk):
                tokens.append(chunk)
        else:
            final_state = payload
    # The model's turns really arrived as many chunks, not one message each.
    assert len(tokens) > 2
    assert any(chunk.tool_call_chunks for chunk in tokens)
    assert any(chunk.text for chunk in tokens)
    _check_agent_transcript(final_state["messages"], tool_name="get_population", fact="2102650")
