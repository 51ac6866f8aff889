"""Gradient features beyond the standard suite, replayed from cassettes.

Recorded like the standard suite (``scripts/record-cassettes``). Not here:
reasoning output (the recording model has no reasoning mode and llama-server only
returns ``reasoning_content`` for thinking templates) and cache-creation counts
(llama-server reports cache reads only).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.exceptions import ModelError, OutputParserException
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_gradient import ChatGradient
from langchain_gradient.errors import GradientBadRequestError, GradientStatusError
from tests.integration_tests._recording import LOCAL, recorded_chat_model

pytestmark = pytest.mark.vcr


ModelFactory = Callable[..., ChatGradient]


def _model(**overrides: Any) -> ChatGradient:
    return recorded_chat_model(64, **overrides)


@pytest.fixture
def make_model() -> ModelFactory:
    """The model each test calls (``test_responses_features.py`` swaps in the Responses API)."""
    return _model


class City(BaseModel):
    """A city and the country it is in."""

    name: str = Field(description="The city's name")
    country: str = Field(description="The country the city is in")


class CityDict(TypedDict):
    """A city and the country it is in."""

    name: str
    country: str


CITY_SCHEMA: dict[str, Any] = {
    "title": "City",
    "description": "A city and the country it is in.",
    "type": "object",
    "properties": {"name": {"type": "string"}, "country": {"type": "string"}},
    "required": ["name", "country"],
}

CITY_PROMPT = "Name one large city in Japan and its country, as JSON."

SCHEMAS: dict[str, Any] = {"pydantic": City, "typeddict": CityDict, "dict": CITY_SCHEMA}


def _check_city(result: Any, kind: str) -> None:
    if kind == "pydantic":
        assert isinstance(result, City)
        assert result.name
        assert result.country
    else:
        assert isinstance(result, dict)
        assert set(result) == {"name", "country"}
        assert all(isinstance(value, str) and value for value in result.values())


def test_n_returns_two_generations(make_model: ModelFactory) -> None:
    result = make_model(n=2).generate([[HumanMessage("Name a colour.")]])
    generations = result.generations[0]
    assert len(generations) == 2
    for generation in generations:
        assert isinstance(generation.message, AIMessage)
        assert generation.text
        assert generation.message.response_metadata["finish_reason"] in {"stop", "length"}


def test_stop_sequence_ends_the_reply(make_model: ModelFactory) -> None:
    prompt = "Count from 1 to 10, one number per line."
    full = make_model().invoke(prompt)
    assert "5" in full.text  # without a stop sequence the count reaches 5
    stopped = make_model().invoke(prompt, stop=["5"])
    assert stopped.response_metadata["finish_reason"] == "stop"
    assert "5" not in stopped.text
    assert len(stopped.text) < len(full.text)


def test_logprobs_in_response_metadata(make_model: ModelFactory) -> None:
    message = make_model(logprobs=True, top_logprobs=2, max_completion_tokens=8).invoke("Say hi.")
    content = message.response_metadata["logprobs"]["content"]
    assert content
    assert "".join(entry["token"] for entry in content) == message.text
    for entry in content:
        assert entry["logprob"] <= 0
        assert 1 <= len(entry["top_logprobs"]) <= 2


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_json_schema_structured_output_invoke(make_model: ModelFactory, kind: str) -> None:
    structured = make_model().with_structured_output(SCHEMAS[kind], method="json_schema")
    _check_city(structured.invoke(CITY_PROMPT), kind)


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_json_schema_structured_output_stream(make_model: ModelFactory, kind: str) -> None:
    structured = make_model().with_structured_output(SCHEMAS[kind], method="json_schema")
    chunks = list(structured.stream(CITY_PROMPT))
    assert len(chunks) > 1  # streamed as progressively completed objects
    _check_city(chunks[-1], kind)


async def test_json_schema_structured_output_async(make_model: ModelFactory) -> None:
    structured = make_model().with_structured_output(City, method="json_schema", include_raw=True)
    result = await structured.ainvoke(CITY_PROMPT)
    assert result["parsing_error"] is None
    _check_city(result["parsed"], "pydantic")
    assert isinstance(result["raw"], AIMessage)
    chunks = [
        chunk
        async for chunk in make_model()
        .with_structured_output(City, method="json_schema")
        .astream(CITY_PROMPT)
    ]
    _check_city(chunks[-1], "pydantic")


def _check_single_usage_chunk(chunks: list[AIMessageChunk]) -> None:
    with_usage = [chunk for chunk in chunks if chunk.usage_metadata is not None]
    assert len(with_usage) == 1
    usage = with_usage[0].usage_metadata
    assert usage is not None
    assert usage["input_tokens"] > 0
    assert usage["output_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    model_name = full.response_metadata["model_name"]
    assert isinstance(model_name, str)
    assert model_name
    assert full.response_metadata["finish_reason"] in {"stop", "length"}


def test_stream_usage_on_exactly_one_chunk(make_model: ModelFactory) -> None:
    _check_single_usage_chunk(list(make_model().stream("Write one short sentence about rain.")))


async def test_astream_usage_on_exactly_one_chunk(make_model: ModelFactory) -> None:
    chunks = [chunk async for chunk in make_model().astream("Write one short sentence about snow.")]
    _check_single_usage_chunk(chunks)


_PREFIX = "Reference table for the questions that follow:\n" + "\n".join(
    f"Item {i}: code {i * 7919 % 10007}, weight {i * 13 % 97} kg." for i in range(1, 101)
)


@pytest.mark.xfail(
    not LOCAL,
    reason="Gradient's automatic prompt caching is best effort for open models",
    strict=False,
)
def test_prompt_cache_read_is_reported(make_model: ModelFactory) -> None:
    model = make_model(max_completion_tokens=16)
    system = SystemMessage(_PREFIX)
    first = model.invoke([system, HumanMessage("What is the code of item 3?")])
    second = model.invoke([system, HumanMessage("What is the weight of item 4?")])
    assert first.usage_metadata is not None
    assert second.usage_metadata is not None
    cache_read = second.usage_metadata.get("input_token_details", {}).get("cache_read")
    assert isinstance(cache_read, int)
    assert cache_read > 0
    assert cache_read <= second.usage_metadata["input_tokens"]


def test_anthropic_style_history_without_images(make_model: ModelFactory) -> None:
    # The standard test_anthropic_inputs also downloads an image, which the
    # local recorder cannot; this replays the text, tool_use and thinking parts.
    history = [
        SystemMessage("You are a helpful assistant."),
        HumanMessage([{"type": "text", "text": "Pick a colour for me."}]),
        AIMessage(
            [
                {"type": "thinking", "thinking": "Any colour will do.", "signature": "c2ln"},
                {"type": "text", "text": "Let me pick one."},
                {"type": "tool_use", "id": "toolu_1", "name": "pick", "input": {"n": 1}},
            ],
            tool_calls=[{"name": "pick", "args": {"n": 1}, "id": "toolu_1", "type": "tool_call"}],
        ),
        ToolMessage("green", tool_call_id="toolu_1"),
    ]
    reply = make_model().invoke(history)
    assert isinstance(reply, AIMessage)
    assert reply.text


def test_unknown_model_raises_a_typed_error(make_model: ModelFactory) -> None:
    with pytest.raises(GradientStatusError) as caught:
        make_model(model="no-such-model-xyz").invoke("Hello")
    assert isinstance(caught.value, ModelError)
    assert caught.value.status_code in {400, 404}


def _check_truncated_output_error(error: OutputParserException) -> None:
    """The truncation contract: a typed error saying the reply hit the token limit."""
    # GradientTruncatedOutputError is looked up at run time, so this file still
    # imports (and records its cassettes) on a checkout that predates the class.
    errors = importlib.import_module("langchain_gradient.errors")
    assert isinstance(error, errors.GradientTruncatedOutputError)
    assert isinstance(error, errors.GradientError)
    assert getattr(error, "finish_reason", None) == "length"


def test_structured_output_cut_off_by_max_tokens_raises_on_invoke(make_model: ModelFactory) -> None:
    structured = make_model(max_completion_tokens=6).with_structured_output(
        City, method="json_schema"
    )
    with pytest.raises(OutputParserException) as caught:
        structured.invoke(CITY_PROMPT)
    _check_truncated_output_error(caught.value)


def test_structured_output_cut_off_by_max_tokens_raises_on_stream(make_model: ModelFactory) -> None:
    structured = make_model(max_completion_tokens=6).with_structured_output(
        City, method="json_schema"
    )
    with pytest.raises(OutputParserException) as caught:
        for _ in structured.stream(CITY_PROMPT):
            pass
    _check_truncated_output_error(caught.value)


def test_bad_parameter_gets_the_servers_400(make_model: ModelFactory) -> None:
    # Sent verbatim (model_kwargs), so the server, not ChatGradient, rejects it.
    model = make_model(model_kwargs={"response_format": {"type": "no-such-format"}})
    with pytest.raises(GradientBadRequestError) as caught:
        model.invoke("Hello")
    error = caught.value
    # llama-server and OpenAI answer 400; FastAPI-style validators answer 422.
    assert error.status_code in {400, 422}
    assert "no-such-format" in error.server_message or "response_format" in error.server_message
    assert error.server_message in str(error)
