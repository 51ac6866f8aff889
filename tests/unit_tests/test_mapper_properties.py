"""Property tests: whatever JSON the server sends, the response and chunk mappers
give a valid LangChain object or a `GradientError` with a message, never a
``KeyError``/``TypeError``/``IndexError``/``AttributeError``/``ValidationError``.

Two kinds of input: arbitrary JSON values, and completion-shaped objects whose
every field may be any JSON value (which reach the deep code paths).
"""

from __future__ import annotations

import json
from functools import reduce
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from langchain_gradient._response import StreamMapper, chat_result
from langchain_gradient._usage import usage_to_metadata
from langchain_gradient.errors import GradientError
from tests.unit_tests.json_strategies import PROFILE, any_json, obj
from tests.unit_tests.tool_streams import DIALECTS, Call, reply, server_ids, stream_events

# ------------------------------------------------------------ strategies

json_values = any_json(int_bits=63, text_size=12, key_size=8, width=4, leaves=12)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The plausible value, or any JSON value at all."""
    return strategy | json_values


counts = maybe(st.integers(min_value=0, max_value=10**9))
usages = maybe(
    obj(
        prompt_tokens=counts,
        completion_tokens=counts,
        total_tokens=counts,
        prompt_tokens_details=maybe(obj(cached_tokens=counts)),
        completion_tokens_details=maybe(obj(reasoning_tokens=counts)),
        cache_read_input_tokens=counts,
        cache_created_input_tokens=counts,
        cache_creation_input_tokens=counts,
        prompt_cache_hit_tokens=counts,
        cache_creation=json_values,
    )
)
arguments = maybe(
    st.sampled_from(["", "{}", "null", '{"a": 1}', '{"a": ', '"{\\"a\\": 1}"', "[1]"])
    | st.text(max_size=10)
)
functions = maybe(obj(name=maybe(st.sampled_from(["f", "get_weather", ""])), arguments=arguments))
tool_calls = maybe(
    st.lists(
        maybe(
            obj(
                id=maybe(st.sampled_from(["call_1", "call_2", ""])),
                type=maybe(st.just("function")),
                index=maybe(st.integers(min_value=0, max_value=3)),
                function=functions,
            )
        ),
        max_size=3,
    )
)
contents = maybe(
    st.text(max_size=10)
    | st.lists(maybe(obj(type=maybe(st.just("text")), text=maybe(st.text(max_size=5)))), max_size=3)
)
messages = maybe(
    obj(
        role=maybe(st.sampled_from(["assistant", ""])),
        content=contents,
        reasoning_content=maybe(st.text(max_size=5)),
        refusal=maybe(st.text(max_size=5)),
        tool_calls=tool_calls,
    )
)
finish_reasons = maybe(st.sampled_from(["stop", "length", "tool_calls", None]))
choices = maybe(
    obj(
        index=maybe(st.integers(min_value=0, max_value=3)),
        message=messages,
        finish_reason=finish_reasons,
        logprobs=json_values,
    )
)
ids = maybe(st.sampled_from(["chatcmpl-1", ""]))
models = maybe(st.sampled_from(["llama3.3-70b-instruct", "anthropic-claude-4.5-sonnet", ""]))
bodies = maybe(
    obj(
        id=ids,
        created=maybe(st.integers(min_value=0, max_value=2**31)),
        model=models,
        system_fingerprint=json_values,
        service_tier=json_values,
        choices=maybe(st.lists(choices, max_size=3)),
        usage=usages,
        error=json_values,
    )
)
deltas = maybe(
    obj(
        role=maybe(st.just("assistant")),
        content=contents,
        reasoning_content=maybe(st.text(max_size=5)),
        refusal=maybe(st.text(max_size=5)),
        tool_calls=tool_calls,
    )
)
chunk_choices = maybe(
    obj(
        index=maybe(st.integers(min_value=0, max_value=3)),
        delta=deltas,
        finish_reason=finish_reasons,
        logprobs=json_values,
    )
)
events = maybe(
    obj(
        id=ids,
        created=maybe(st.integers(min_value=0, max_value=2**31)),
        model=models,
        choices=maybe(st.lists(chunk_choices, max_size=2)),
        usage=usages | st.none(),
        error=st.none() | json_values,
    )
)


def _clear(error: GradientError) -> None:
    message = str(error)
    assert message.strip(), "a library error must say what was wrong"
    assert "Traceback" not in message


# ------------------------------------------------------------- properties


@PROFILE
@given(usage=maybe(usages), model=st.sampled_from(["", "anthropic-claude-4.5-sonnet", "gpt"]))
def test_usage_to_metadata_is_total(usage: Any, model: str) -> None:
    try:
        result = usage_to_metadata(usage, model)
    except GradientError as error:
        _clear(error)
        return
    if result is None:
        return
    for key in ("input_tokens", "output_tokens", "total_tokens"):
        assert isinstance(result[key], int)
    reported = usage.get("total_tokens")
    if type(reported) is int:
        # The reported total is kept; cache counts added to input_tokens (the
        # exclusive convention) are added to it too.
        prompt = usage.get("prompt_tokens")
        if isinstance(prompt, float) and prompt.is_integer():
            prompt = int(prompt)  # a whole-number float is read as that count
        prompt = prompt if type(prompt) is int else 0
        assert result["total_tokens"] - reported == result["input_tokens"] - prompt
    elif reported is None:
        assert result["total_tokens"] == result["input_tokens"] + result["output_tokens"]
    AIMessage(content="", usage_metadata=result)  # a message accepts it


@PROFILE
@given(body=bodies)
@example(body={"id": [], "choices": [{"message": {}, "finish_reason": "stop"}]})
def test_chat_result_yields_a_result_or_a_clear_error(body: Any) -> None:
    try:
        result = chat_result(body, "requested-model")
    except GradientError as error:
        _clear(error)
        return
    assert isinstance(result, ChatResult)
    assert result.generations
    for generation in result.generations:
        message = generation.message
        assert isinstance(message, AIMessage)
        assert isinstance(message.content, (str, list))
        assert isinstance(message.response_metadata.get("model_name"), str)
        for call in message.tool_calls:
            assert isinstance(call["name"], str)
            assert isinstance(call["args"], dict)
            assert isinstance(call["id"], str)
        if message.usage_metadata is not None:
            usage = message.usage_metadata
            # What the total is: test_usage_to_metadata_is_total.
            for key in ("input_tokens", "output_tokens", "total_tokens"):
                assert isinstance(usage[key], int)
        json.dumps(message.tool_calls)  # what a tool executor receives is plain JSON


@PROFILE
@given(value=json_values)
def test_chat_result_on_any_json_value(value: Any) -> None:
    try:
        chat_result(value, "m")
    except GradientError as error:
        _clear(error)


def _logprobs_event(logprobs: Any) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {"content": "x"}, "logprobs": logprobs}]}


@PROFILE
@given(stream=st.lists(events, max_size=6))
@example(stream=[_logprobs_event({"content": []}), _logprobs_event([1])])
@example(stream=[{"id": [], "choices": [{"delta": {"content": "x"}, "finish_reason": "stop"}]}])
def test_stream_mapper_yields_chunks_that_aggregate(stream: list[Any]) -> None:
    mapper = StreamMapper("requested-model")
    chunks: list[ChatGenerationChunk] = []
    try:
        for event in stream:
            chunk = mapper.map(event)
            assert chunk is None or isinstance(chunk, ChatGenerationChunk)
            if chunk is not None:
                assert isinstance(chunk.message, AIMessageChunk)
                chunks.append(chunk)
    except GradientError as error:
        _clear(error)
    tail = mapper.finish()
    if tail is not None:
        chunks.append(tail)
    if not chunks:
        return
    # What `invoke` on a streaming model and `stream` consumers do with them.
    total = reduce(lambda a, b: a + b, chunks)
    assert isinstance(total.message, AIMessageChunk)
    for call in total.message.tool_calls:
        assert isinstance(call["args"], dict)


@PROFILE
@given(value=json_values)
def test_stream_mapper_on_any_json_value(value: Any) -> None:
    try:
        StreamMapper("m").map(value)
    except GradientError as error:
        _clear(error)


# ------------------------------------------- streamed calls as many as whole

call_arguments = st.recursive(
    st.none() | st.integers(-5, 10**6) | st.text(alphabet='ab{}[]":, \\\n', max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("xyz"), inner),
    max_leaves=6,
)
parallel_calls = st.lists(
    st.builds(
        Call,
        name=st.sampled_from(["get_weather", "get_time"]),
        arguments=st.dictionaries(st.sampled_from(["city", "tz", "n"]), call_arguments).map(
            lambda value: json.dumps(value, ensure_ascii=False)
        ),
    ),
    min_size=1,
    max_size=4,
)


def _streamed(events: list[Any]) -> AIMessageChunk:
    mapper = StreamMapper("m")
    chunks = [chunk for event in events if (chunk := mapper.map(event)) is not None]
    tail = mapper.finish()
    message = reduce(lambda a, b: a + b, [*chunks, *([tail] if tail else [])]).message
    assert isinstance(message, AIMessageChunk)
    return message


@PROFILE
@given(calls=parallel_calls, dialect=st.sampled_from(sorted(DIALECTS)), size=st.integers(1, 9))
def test_a_stream_keeps_every_call_the_whole_reply_has(
    calls: list[Call], dialect: str, size: int
) -> None:
    """However a server numbers and identifies parallel calls, none is lost or merged."""
    whole = chat_result(reply(calls, dialect), "m").generations[0].message
    assert isinstance(whole, AIMessage)
    streamed = _streamed(stream_events(calls, dialect, size))
    named = [(call["name"], call["args"]) for call in whole.tool_calls]
    assert [(call["name"], call["args"]) for call in streamed.tool_calls] == named
    assert streamed.invalid_tool_calls == []
    assert "invalid_tool_calls" not in streamed.response_metadata
    ids = [call["id"] for call in streamed.tool_calls]
    given_ids = server_ids(calls, dialect)
    if given_ids[0] is not None:
        assert ids == given_ids == [call["id"] for call in whole.tool_calls]
    else:
        assert all(isinstance(i, str) and i for i in ids)
        assert len(set(ids)) == len(ids)
