"""The mapper's fast path for text and tool-call fragments equals its general path.

`StreamMapper` maps the commonest events (one piece of text or one tool-call
fragment, nothing else) with fewer steps, and builds text chunks as copies of a
validated template (`langchain_gradient._chunks`). Users must not be able to
tell: on generated streams, every chunk, error, closing chunk, aggregate and
``content_blocks`` is the same as with the fast path switched off.
"""

from __future__ import annotations

import json
from functools import reduce
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import AIMessageChunk
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGenerationChunk

from langchain_gradient import _chunks
from langchain_gradient._response import StreamMapper
from langchain_gradient.errors import GradientError
from tests.unit_tests.test_mapper_properties import PROFILE, events, json_values

# ------------------------------------------------------------ the two paths


class GeneralOnly(StreamMapper):
    """The mapper with its fast path switched off."""

    def _simple_delta(self, event: dict[str, Any]) -> dict[str, Any] | None:
        return None


def _run(mapper: StreamMapper, stream: list[Any]) -> list[Any]:
    """What mapping ``stream`` gives: chunks and ``None``s, then the closing chunk or error."""
    out: list[Any] = []
    try:
        out.extend(mapper.map(event) for event in stream)
        out.append(mapper.finish())
    except GradientError as error:
        out.append((type(error), str(error)))
    return out


def _same_chunk(fast: Any, general: Any) -> None:
    assert type(fast) is type(general)
    if not isinstance(general, ChatGenerationChunk):
        assert fast == general
        return
    assert fast == general
    assert fast.model_fields_set == general.model_fields_set
    assert fast.message.model_fields_set == general.message.model_fields_set
    assert fast.message.__dict__ == general.message.__dict__
    assert fast.text == general.text
    assert fast.message.content_blocks == general.message.content_blocks


def _aggregate(outcomes: list[Any]) -> AIMessageChunk | None:
    chunks = [o.message for o in outcomes if isinstance(o, ChatGenerationChunk)]
    return reduce(lambda a, b: a + b, chunks) if chunks else None


def _check_equal(stream: list[Any]) -> None:
    fast, general = _run(StreamMapper("requested"), stream), _run(GeneralOnly("requested"), stream)
    assert len(fast) == len(general)
    for one, other in zip(fast, general, strict=True):
        _same_chunk(one, other)
    total_fast, total_general = _aggregate(fast), _aggregate(general)
    assert total_fast == total_general
    if total_general is not None:
        assert total_fast is not None
        assert total_fast.content_blocks == total_general.content_blocks
        assert total_fast.tool_calls == total_general.tool_calls


# ------------------------------------------------------------- strategies

texts = st.text(max_size=6)
pieces = st.sampled_from(["", "{", '{"a"', ": 1", "}", "nu", "ll", " ", '"x"', "[1]"])
fragments = st.fixed_dictionaries(
    {},
    optional={
        "index": st.integers(min_value=0, max_value=2) | st.none(),
        "id": st.sampled_from(["call_1", "call_2", ""]) | st.none(),
        "type": st.just("function"),
        "function": st.fixed_dictionaries(
            {}, optional={"name": st.sampled_from(["f", "g", ""]) | st.none(), "arguments": pieces}
        ),
    },
)
plain_deltas = st.fixed_dictionaries(
    {},
    optional={
        "role": st.just("assistant"),
        "content": texts | st.none(),
        "tool_calls": st.lists(fragments, max_size=2) | st.none(),
        "reasoning_content": st.sampled_from(["", "think"]) | st.none(),
    },
)
plain_events = st.fixed_dictionaries(
    {
        "choices": st.lists(
            st.fixed_dictionaries(
                {"index": st.just(0), "delta": plain_deltas},
                optional={
                    "finish_reason": st.sampled_from([None, "stop", "tool_calls"]),
                    "logprobs": st.none() | st.just({"content": []}),
                },
            ),
            min_size=1,
            max_size=1,
        )
    },
    optional={
        "id": st.sampled_from(["chatcmpl-1", ""]),
        "model": st.sampled_from(["m", ""]),
        "created": st.just(7),
        "system_fingerprint": st.sampled_from(["fp", ""]),
        "service_tier": st.sampled_from(["default", ""]),
        "usage": st.none() | st.just({"prompt_tokens": 3, "completion_tokens": 2}),
    },
)
"""Events as servers send them, mostly fast-path material, in any order."""


continuations = st.builds(
    lambda index, piece: {
        "choices": [{"delta": {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}}]
    },
    st.integers(min_value=0, max_value=1),
    pieces,
)
tool_streams = st.lists(
    plain_events | continuations | continuations | continuations, min_size=2, max_size=16
)
"""Streams rich in the usual fragments: arguments continuing a call by index."""


@PROFILE
@given(stream=tool_streams)
def test_tool_call_streams_map_the_same_on_both_paths(stream: list[Any]) -> None:
    _check_equal(stream)


@PROFILE
@given(stream=st.lists(plain_events, min_size=1, max_size=12))
def test_plausible_streams_map_the_same_on_both_paths(stream: list[Any]) -> None:
    _check_equal(stream)


@PROFILE
@given(stream=st.lists(events | plain_events | json_values, min_size=1, max_size=8))
def test_arbitrary_streams_map_the_same_on_both_paths(stream: list[Any]) -> None:
    _check_equal(stream)


def test_common_events_take_the_fast_path() -> None:
    """The fast path is really taken for text and tool fragments (else this file tests nothing)."""
    mapper = StreamMapper("m")
    first = {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant"}}]}
    text = {
        "id": "c1",
        "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None}],
    }
    tool = {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{"}}]}}]}
    finish = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    assert mapper._simple_delta(first) is not None  # eligible, but the first event seeds the fields
    mapper.map(first)
    assert mapper._simple_delta(text) == {"content": "hi"}
    assert mapper._simple_delta(tool) is not None
    assert mapper._simple_delta(finish) is None
    assert mapper._simple_delta({**text, "usage": {"prompt_tokens": 1}}) is None
    opening = [{"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "{"}}]
    assert mapper._continued_arguments(opening) is None  # a new call: the general path
    mapper.map({"choices": [{"delta": {"tool_calls": opening}}]})
    assert mapper._continued_arguments(tool["choices"][0]["delta"]["tool_calls"]) == [
        {"name": None, "args": "{", "id": None, "index": 0, "type": "tool_call_chunk"}
    ]


def test_text_chunks_share_no_containers() -> None:
    """Changing one chunk's dicts or lists leaves the next chunk untouched."""
    mapper = StreamMapper("m")
    event = {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"content": "a"}}]}
    mapper.map(event)
    one, two = mapper.map(event), mapper.map(event)
    assert one is not None
    assert two is not None
    one.message.response_metadata["x"] = 1
    one.message.additional_kwargs["y"] = 2
    one.message.tool_call_chunks.append({"name": "f", "args": "", "id": "i", "index": 0})
    assert two.message.response_metadata == {"model_provider": "gradient"}
    assert two.message.additional_kwargs == {}
    assert two.message.tool_call_chunks == []
    assert two.message.tool_calls == []


def test_a_template_core_would_build_differently_is_not_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If validation of a text chunk stopped matching the template, chunks are validated."""
    monkeypatch.setattr(_chunks, "_factory", None)
    real = _chunks._validated_text_chunk

    def text_dependent(text: str) -> AIMessageChunk:
        message = real(text)
        message.additional_kwargs = {"length": len(text)}  # a validator that reads the text
        return message

    monkeypatch.setattr(_chunks, "_validated_text_chunk", text_dependent)
    chunk = _chunks.text_chunk("four")
    assert not _chunks._get_factory().ok
    assert chunk.message.additional_kwargs == {"length": 4}
    assert json.loads(json.dumps(chunk.message.response_metadata)) == {"model_provider": "gradient"}


def test_unknown_core_validators_mean_validated_tool_chunks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A core whose chunk validators are not the known ones gets validated fragment chunks."""
    monkeypatch.setattr(_chunks, "_factory", None)
    monkeypatch.setattr(_chunks, "_after_validators", lambda: None)
    calls = [tool_call_chunk(name="f", args='{"a": 1', id="call_1", index=0)]
    chunk = _chunks.tool_chunk("", calls)
    assert _chunks._get_factory().after is None
    assert chunk.message.tool_calls == [
        {"name": "f", "args": {"a": 1}, "id": "call_1", "type": "tool_call"}
    ]
    assert chunk == ChatGenerationChunk(message=_chunks._validated_tool_chunk("", calls))
