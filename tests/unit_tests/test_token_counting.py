"""Offline token counting: no transformers, no download, tools counted, usable by
``trim_messages``, and within the documented error of the recorded real replies."""

from __future__ import annotations

import importlib.util
import statistics
import sys
from pathlib import Path

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    trim_messages,
)
from pydantic import BaseModel

from langchain_gradient import ChatGradient
from langchain_gradient._token_counting import CALIBRATION

from .loopback import SECRET

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> ChatGradient:
    # As if transformers were not installed: importing it raises ImportError.
    monkeypatch.setitem(sys.modules, "transformers", None)
    return ChatGradient(api_key=SECRET)


def conversation(turns: int) -> list[BaseMessage]:
    messages: list[BaseMessage] = [SystemMessage("You are a terse assistant.")]
    for i in range(turns):
        messages.append(HumanMessage(f"Question {i}: what is the capital of country {i}?"))
        messages.append(AIMessage(f"Answer {i}: it is the city number {i}."))
    return messages


def test_counts_without_transformers_or_network(model: ChatGradient) -> None:
    one = model.get_num_tokens_from_messages([HumanMessage("Hello there")])
    two = model.get_num_tokens_from_messages([HumanMessage("Hello there " * 50)])
    assert one > 0
    assert two > one
    assert model.get_num_tokens("Hello there " * 50) > model.get_num_tokens("Hello")


def test_longer_conversations_count_more(model: ChatGradient) -> None:
    counts = [model.get_num_tokens_from_messages(conversation(n)) for n in (1, 2, 4)]
    assert counts == sorted(counts)
    assert len(set(counts)) == 3


def test_tools_are_counted(model: ChatGradient) -> None:
    class GetWeather(BaseModel):
        """Get the current weather for a city, in degrees Celsius."""

        city: str
        country_code: str

    messages = [HumanMessage("Weather in Paris?")]
    without = model.get_num_tokens_from_messages(messages)
    with_tool = model.get_num_tokens_from_messages(messages, tools=[GetWeather])
    # The tool's JSON form (name, description, parameters) is well over 100 characters.
    assert with_tool - without >= 100 / CALIBRATION.chars_per_token


def test_tool_calls_and_results_are_counted(model: ChatGradient) -> None:
    call = AIMessage("", tool_calls=[{"name": "lookup", "args": {"q": "x" * 200}, "id": "c1"}])
    plain = model.get_num_tokens_from_messages([HumanMessage("hi"), AIMessage("")])
    with_call = model.get_num_tokens_from_messages([HumanMessage("hi"), call])
    assert with_call - plain >= 200 / CALIBRATION.chars_per_token
    result = ToolMessage("y" * 300, tool_call_id="c1")
    assert model.get_num_tokens_from_messages([HumanMessage("hi"), call, result]) > with_call


def test_trim_messages_with_the_model_as_counter(model: ChatGradient) -> None:
    messages = conversation(20)
    full = model.get_num_tokens_from_messages(messages)
    budget = full // 3
    trimmed = trim_messages(
        messages,
        max_tokens=budget,
        token_counter=model,
        strategy="last",
        include_system=True,
        start_on="human",
    )
    assert isinstance(trimmed[0], SystemMessage)
    assert 3 <= len(trimmed) < len(messages)
    assert trimmed[-1] == messages[-1]
    assert model.get_num_tokens_from_messages(trimmed) <= budget


@pytest.mark.skipif(
    importlib.util.find_spec("yaml") is None or not (ROOT / "cassettes").is_dir(),
    reason="needs the cassettes and PyYAML",
)
def test_error_on_the_recorded_replies_is_within_the_documented_bound() -> None:
    # The README quotes the calibration script's numbers; if re-recorded
    # cassettes move them past this bound, re-run the script and update both.
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import calibrate_token_counter as calibration_script
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    samples = [s for s in calibration_script.load(ROOT / "cassettes") if not s.uses_tools]
    assert len(samples) >= 10
    errors = [abs(e) for e in calibration_script.errors(samples, CALIBRATION)]
    assert statistics.fmean(errors) <= 0.25
