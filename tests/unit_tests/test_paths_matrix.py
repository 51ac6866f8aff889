"""Every promise on every path: invoke, stream, streaming=True, astream_events, batch.

Each behaviour runs on each `Path` (see ``paths.py``): the same scripted reply,
reached the way LangChain reaches the model in each case.
"""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import httpx
import pytest
from langchain_core import exceptions as core_exceptions
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph.message import add_messages
from pydantic import BaseModel

from langchain_gradient import (
    ChatGradient,
    GradientContentFilterError,
    GradientContextOverflowError,
    GradientInvalidInputError,
    GradientRefusalError,
    GradientStreamError,
    GradientTruncatedOutputError,
)
from tests.unit_tests import responses_replies
from tests.unit_tests.fakes import FakeAPI, completion, sse
from tests.unit_tests.paths import (
    BOTH_APIS,
    IMPLICIT_PATHS,
    PATHS,
    RESPONSES_PATHS,
    Path,
    StreamingHandler,
    as_responses_reply,
    serve,
)
from tests.unit_tests.tool_streams import Call, reply, server_ids, stream_events

METHODS = ["function_calling", "json_schema", "json_mode"]
CUT_JSON = '{"setup": "Why did the cat sit on the laptop?", "punchline": "To keep an e'
REFUSAL = "I'm sorry, I can't help with that."


class Joke(BaseModel):
    """A joke."""

    setup: str
    punchline: str


def structured(method: str, *, include_raw: bool = False) -> Any:
    def build(model: ChatGradient) -> Any:
        return model.with_structured_output(Joke, method=method, include_raw=include_raw)

    return build


def the_model(model: ChatGradient) -> ChatGradient:
    return model


def reply_for(method: str, arguments: str, finish_reason: str) -> dict[str, Any]:
    """A completion carrying ``arguments`` the way ``method`` expects them."""
    if method != "function_calling":
        return completion(arguments, finish_reason=finish_reason)
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "Joke", "arguments": arguments},
    }
    return completion(None, finish_reason=finish_reason, tool_calls=[call])


# --------------------------------------------------- 1. truncated structured output


@pytest.mark.parametrize("finish_reason", ["length", "content_filter"])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_cut_off_structured_output_raises_on_every_path(
    path: Path, method: str, finish_reason: str
) -> None:
    api = FakeAPI(serve(reply_for(method, CUT_JSON, finish_reason)))
    with pytest.raises(GradientTruncatedOutputError) as caught:
        path.run(structured(method), api)
    assert caught.value.finish_reason == finish_reason
    assert isinstance(caught.value, OutputParserException)
    assert f"finish_reason={finish_reason!r}" in str(caught.value)
    if finish_reason == "length":
        assert "max_tokens" in str(caught.value)
        # The token limit is no refusal: only a content filter's stop is one.
        assert not isinstance(caught.value, GradientContentFilterError)


@pytest.mark.parametrize("include_raw", [False, True])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_a_content_filter_stop_is_also_a_model_refusal_on_every_path(
    path: Path, method: str, include_raw: bool
) -> None:
    # ChatOpenAI raises core's ModelRefusalError for this reply; provider-neutral
    # handlers catch ours too, and it stays a cut-off (OutputParserException).
    api = FakeAPI(serve(reply_for(method, CUT_JSON, "content_filter")))
    if include_raw:
        error = path.run(structured(method, include_raw=True), api)["parsing_error"]
    else:
        with pytest.raises(GradientContentFilterError) as caught:
            path.run(structured(method), api)
        error = caught.value
    assert isinstance(error, GradientContentFilterError)
    assert isinstance(error, GradientTruncatedOutputError)
    assert error.finish_reason == "content_filter"
    assert error.raw_message is not None
    assert error.raw_message.response_metadata["finish_reason"] == "content_filter"
    core_refusal = getattr(core_exceptions, "ModelRefusalError", None)
    if core_refusal is not None:  # langchain-core >= 1.7.5
        assert isinstance(error, core_refusal)
    else:
        assert isinstance(error, core_exceptions.ModelError)
    again = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(again) is GradientContentFilterError
    assert again.finish_reason == "content_filter"


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_a_cut_off_reply_that_still_parses_is_not_returned_as_complete(
    path: Path, method: str
) -> None:
    # The limit hit exactly at the end of valid JSON: the object may lack what
    # the model meant to add, and it is reported as cut off all the same.
    complete = '{"setup": "Why?", "punchline": "Because."}'
    api = FakeAPI(serve(reply_for(method, complete, "length")))
    with pytest.raises(GradientTruncatedOutputError):
        path.run(structured(method), api)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_cut_off_structured_output_with_include_raw_reports_the_error(
    path: Path, method: str
) -> None:
    api = FakeAPI(serve(reply_for(method, CUT_JSON, "length")))
    outcome = path.run(structured(method, include_raw=True), api)
    assert outcome["parsed"] is None
    assert isinstance(outcome["parsing_error"], GradientTruncatedOutputError)
    assert outcome["parsing_error"].finish_reason == "length"
    assert outcome["raw"].response_metadata["finish_reason"] == "length"


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_a_complete_reply_still_parses_on_every_path(path: Path, method: str) -> None:
    complete = '{"setup": "Why?", "punchline": "Because."}'
    finish = "tool_calls" if method == "function_calling" else "stop"
    api = FakeAPI(serve(reply_for(method, complete, finish)))
    assert path.run(structured(method), api) == Joke(setup="Why?", punchline="Because.")


@pytest.mark.parametrize("method", ["json_schema", "json_mode"])
@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_unterminated_json_text_is_not_completed_for_the_reply(path: Path, method: str) -> None:
    # Finished normally, but the text is not JSON: core's lenient parser would
    # read it as {"setup": "Why?"}.
    api = FakeAPI(serve(completion('{"setup": "Why?"', finish_reason="stop")))
    with pytest.raises(OutputParserException, match="not valid JSON"):
        path.run(structured(method), api)


# ------------------------------------------------------------------ 2. refusals


def refusal_reply() -> dict[str, Any]:
    return completion(None, refusal=REFUSAL)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_a_refusal_raises_the_refusal_error_on_every_path(path: Path, method: str) -> None:
    api = FakeAPI(serve(refusal_reply()))
    with pytest.raises(GradientRefusalError) as caught:
        path.run(structured(method), api)
    assert caught.value.refusal == REFUSAL
    assert REFUSAL in str(caught.value)
    core_refusal = getattr(core_exceptions, "ModelRefusalError", None)
    if core_refusal is not None:  # langchain-core >= 1.7.5
        assert isinstance(caught.value, core_refusal)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_a_refusal_with_include_raw_is_the_parsing_error(path: Path, method: str) -> None:
    api = FakeAPI(serve(refusal_reply()))
    outcome = path.run(structured(method, include_raw=True), api)
    assert outcome["parsed"] is None
    assert isinstance(outcome["parsing_error"], GradientRefusalError)
    assert outcome["parsing_error"].refusal == REFUSAL


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_a_refusal_is_a_refusal_content_block_on_every_path(path: Path) -> None:
    api = FakeAPI(serve(refusal_reply()))
    message = path.run(the_model, api)
    refusals = [block for block in message.content_blocks if block["type"] == "refusal"]
    assert [block["refusal"] for block in refusals] == [REFUSAL]
    assert message.additional_kwargs["refusal"] == REFUSAL


# ------------------------------------------------------------------ 3. n > 1


def two_choices() -> dict[str, Any]:
    body = completion("first")
    second = {**body["choices"][0], "index": 1, "message": {"role": "assistant", "content": "2nd"}}
    body["choices"].append(second)
    return body


# Chat Completions only: ``n`` > 1 (the Responses API gives one reply per call and
# refuses it, test_responses_dialect_request).
NO_STREAMING_FIELD = [path for path in IMPLICIT_PATHS if "streaming" not in path.model_kwargs]


@pytest.mark.parametrize("where", ["field", "call"])
@pytest.mark.parametrize("path", NO_STREAMING_FIELD, ids=str)
def test_n_above_one_never_streams_implicitly(path: Path, where: str) -> None:
    api = FakeAPI(two_choices())
    if where == "field":
        message = path.run(the_model, api, streams=False, n=2)
    else:
        message = path.run(lambda model: model.bind(n=2), api, streams=False)
    assert message.text == "first"
    assert api.body["n"] == 2


EXPLICIT_STREAMS = [p for p in BOTH_APIS if p.name.split("@")[0] in ("stream", "astream")]


@pytest.mark.parametrize("path", EXPLICIT_STREAMS, ids=str)
def test_an_explicit_stream_with_n_above_one_still_refuses(path: Path) -> None:
    # The Responses API refuses n > 1 on every path (one reply per call).
    api = FakeAPI(two_choices())
    with pytest.raises(GradientInvalidInputError, match=r"n > 1|n=2 needs Chat Completions"):
        path.run(the_model, api, n=2)
    assert api.requests == []


@pytest.mark.parametrize("handler", [False, True])
def test_each_of_n_generations_has_its_own_message_id(handler: bool) -> None:
    api = FakeAPI(two_choices())
    model = api.model(n=2)
    callbacks = [StreamingHandler()]
    result = model.generate([[HumanMessage("hi")]], callbacks=callbacks if handler else None)
    messages = [generation.message for generation in result.generations[0]]
    assert [m.content for m in messages] == ["first", "2nd"]
    ids = [m.id for m in messages]
    assert None not in ids
    assert len(set(ids)) == 2
    assert [m.response_metadata["id"] for m in messages] == ["chatcmpl-1", "chatcmpl-1"]


# ------------------------------------------------------------------ 4. message ids


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_repeated_response_ids_never_make_message_ids_collide(path: Path) -> None:
    api = FakeAPI(serve(completion("one")))  # every reply has id "chatcmpl-1"
    first = path.run(the_model, api)
    second = path.run(the_model, api)
    assert first.id
    assert second.id
    assert first.id != second.id
    assert "chatcmpl-1" not in (first.id, second.id)
    assert first.response_metadata["id"] == second.response_metadata["id"] == "chatcmpl-1"
    # LangGraph keeps both turns instead of replacing the first.
    history = add_messages([HumanMessage("q", id="h1"), first], [second])
    assert len(history) == 3


# ------------------------------------------------------ 5. stream metadata once

USAGES = [{"prompt_tokens": 5, "completion_tokens": n, "total_tokens": 5 + n} for n in (1, 2, 3, 3)]


def chatty_stream() -> list[Any]:
    """A server that repeats everything: model, fingerprint, tier, usage, finish."""
    head = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1771946745,
        "model": "served-model",
        "system_fingerprint": "fp_1",
        "service_tier": "default",
    }

    def event(delta: dict[str, Any], usage: dict[str, Any], finish: str | None = None) -> Any:
        return {
            **head,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            "usage": usage,
        }

    return [
        event({"role": "assistant", "content": "Hel"}, USAGES[0]),
        event({"content": "lo"}, USAGES[1]),
        event({}, USAGES[2], "stop"),
        event({}, USAGES[3], "stop"),
    ]


def chatty_completion() -> dict[str, Any]:
    body = completion("Hello", usage=USAGES[-1])
    body.update(system_fingerprint="fp_1", service_tier="default")
    return body


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_every_metadata_field_appears_once_on_every_path(path: Path) -> None:
    api = FakeAPI(serve(chatty_completion(), chatty_stream()))
    message = path.run(the_model, api)
    metadata = message.response_metadata
    assert message.text == "Hello"
    assert metadata["finish_reason"] == "stop"
    assert metadata["model_name"] == "served-model"
    if path in PATHS:  # a Chat Completions field; a Responses reply has none
        assert metadata["system_fingerprint"] == "fp_1"
    assert metadata["service_tier"] == "default"
    assert metadata["id"] == "chatcmpl-1"
    assert metadata["created"] == 1771946745
    assert metadata["model_provider"] == "gradient"
    usage = message.usage_metadata
    assert (usage["input_tokens"], usage["output_tokens"], usage["total_tokens"]) == (5, 3, 8)


# --------------------------------------------------------- 6. errors and usage by shape


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_openai_shaped_context_overflow_is_recognised_on_every_path(path: Path) -> None:
    error = {
        "error": {
            "message": "This model's maximum input is 8192 tokens. Please reduce the messages.",
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
        }
    }
    api = FakeAPI(httpx.Response(400, json=error))
    with pytest.raises(GradientContextOverflowError) as caught:
        path.run(the_model, api)
    assert caught.value.error_type == "invalid_request_error"


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_cache_write_tokens_are_cache_creation_on_every_path(path: Path) -> None:
    usage = {
        "prompt_tokens": 1200,
        "completion_tokens": 4,
        "total_tokens": 1204,
        "prompt_tokens_details": {"cached_tokens": 100, "cache_write_tokens": 1000},
    }
    api = FakeAPI(serve(completion("ok", usage=usage)))
    message = path.run(the_model, api)
    assert message.usage_metadata["input_tokens"] == 1200
    assert message.usage_metadata["input_token_details"] == {
        "cache_read": 100,
        "cache_creation": 1000,
    }


# ------------------------------------------------------------- 7. cut-off tool calls


def bad_call_reply(arguments: str, finish_reason: str) -> dict[str, Any]:
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": arguments}}
    return completion(None, finish_reason=finish_reason, tool_calls=[call])


def with_tool(model: ChatGradient) -> Any:
    return model.bind_tools([{"name": "f", "parameters": {"type": "object", "properties": {}}}])


@pytest.mark.parametrize(
    ("arguments", "finish_reason"), [('{"a": "x', "length"), ("{bad", "tool_calls")]
)
@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_unparseable_tool_arguments_are_reported_on_every_path(
    path: Path, arguments: str, finish_reason: str
) -> None:
    api = FakeAPI(serve(bad_call_reply(arguments, finish_reason)))
    message = path.run(with_tool, api)
    assert message.response_metadata["finish_reason"] == finish_reason
    if path.streams:
        # core's partial-JSON parser builds tool_calls of a streamed message;
        # the strict reading of the whole arguments is in response_metadata.
        [invalid] = message.response_metadata["invalid_tool_calls"]
    else:
        assert message.tool_calls == []
        [invalid] = message.invalid_tool_calls
        assert "invalid_tool_calls" not in message.response_metadata
    assert (invalid["id"], invalid["name"], invalid["args"]) == ("call_1", "f", arguments)
    assert "not valid JSON" in invalid["error"]


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_valid_streamed_tool_calls_list_no_invalid_ones(path: Path) -> None:
    api = FakeAPI(serve(bad_call_reply('{"a": "x"}', "tool_calls")))
    message = path.run(with_tool, api)
    assert message.tool_calls[0]["args"] == {"a": "x"}
    assert "invalid_tool_calls" not in message.response_metadata


@pytest.mark.parametrize("schema", [Joke, Joke.model_json_schema()], ids=["pydantic", "dict"])
@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_malformed_structured_arguments_raise_on_every_path(path: Path, schema: Any) -> None:
    # Finished normally, but the arguments are not JSON: core's partial parser
    # would read '{bad' as {}.
    call = {"id": "call_1", "type": "function", "function": {"name": "Joke", "arguments": "{bad"}}
    api = FakeAPI(serve(completion(None, finish_reason="tool_calls", tool_calls=[call])))
    with pytest.raises(OutputParserException, match="not a JSON object"):
        path.run(lambda model: model.with_structured_output(schema), api)


# ------------------------------------------- 7b. parallel tool calls, however numbered

PARALLEL_CALLS = [
    Call("get_weather", '{"city": "Paris"}'),
    Call("get_weather", '{"city": "Rome"}'),
    Call("get_time", '{"tz": "UTC"}'),
]


@pytest.mark.parametrize(
    "dialect",
    [
        "openai",
        "one id for every call",
        "one index, no ids",
        "one index, no ids, name apart",
        "interleaved, ids on the heads",
    ],
)
@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_every_parallel_tool_call_arrives_on_every_path(path: Path, dialect: str) -> None:
    api = FakeAPI(
        serve(reply(PARALLEL_CALLS, dialect), stream_events(PARALLEL_CALLS, dialect, size=5))
    )
    message = path.run(with_tool, api)
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": "Rome"}),
        ("get_time", {"tz": "UTC"}),
    ]
    assert message.invalid_tool_calls == []
    assert "invalid_tool_calls" not in message.response_metadata
    ids = [c["id"] for c in message.tool_calls]
    if server_ids(PARALLEL_CALLS, dialect)[0] is None:
        assert len({i for i in ids if isinstance(i, str) and i}) == len(PARALLEL_CALLS)
    else:
        assert ids == server_ids(PARALLEL_CALLS, dialect)


# --------------------------------------------------------- 8. generate().llm_output


def test_generate_llm_output_sums_token_usage_and_names_the_model() -> None:
    api = FakeAPI(
        completion("a", usage={"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5})
    )
    model = api.model()
    result = model.generate([[HumanMessage("one")], [HumanMessage("two")]])
    assert result.llm_output == {
        "token_usage": {"prompt_tokens": 6, "completion_tokens": 4, "total_tokens": 10},
        "model_name": "served-model",
    }
    async_result = asyncio.run(model.agenerate([[HumanMessage("one")], [HumanMessage("two")]]))
    assert async_result.llm_output == result.llm_output


def test_generate_llm_output_adds_nested_usage_details() -> None:
    def usage(prompt: int, cached: int) -> dict[str, Any]:
        return {
            "prompt_tokens": prompt,
            "completion_tokens": 1,
            "total_tokens": prompt + 1,
            "prompt_tokens_details": {"cached_tokens": cached},
        }

    api = FakeAPI(completion("a", usage=usage(3, 1)), completion("b", usage=usage(4, 2)))
    result = api.model().generate([[HumanMessage("one")], [HumanMessage("two")]])
    assert result.llm_output == {
        "token_usage": {
            "prompt_tokens": 7,
            "completion_tokens": 2,
            "total_tokens": 9,
            "prompt_tokens_details": {"cached_tokens": 3},
        },
        "model_name": "served-model",
    }


def test_invoke_messages_are_ai_messages_on_implicit_paths() -> None:
    # Sanity for the matrix: implicit paths hand back a whole message.
    for path in BOTH_APIS:
        if path.name.split("@")[0] in ("stream", "astream"):
            continue
        api = FakeAPI(serve(completion("hi")))
        assert isinstance(path.run(the_model, api), AIMessage), path.name


def test_the_new_errors_survive_pickling() -> None:
    truncated = GradientTruncatedOutputError("cut", finish_reason="length", llm_output="{")
    copy = pickle.loads(pickle.dumps(truncated))  # noqa: S301 - our own bytes
    assert (type(copy), str(copy), copy.finish_reason, copy.llm_output) == (
        GradientTruncatedOutputError,
        str(truncated),
        "length",
        "{",
    )
    refused = GradientRefusalError("refused: no", refusal="no", raw_message=AIMessage(""))
    copy_refused = pickle.loads(pickle.dumps(refused))  # noqa: S301 - our own bytes
    assert (str(copy_refused), copy_refused.refusal) == ("refused: no", "no")
    assert copy_refused.raw_message == AIMessage("")


# ------------------------------------------------------------- 9. which API answered


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_the_api_that_answered_is_named_once_on_every_path(path: Path) -> None:
    api = FakeAPI(serve(completion("Hello there", finish_reason="stop")))
    message = path.run(the_model, api)
    expected = "responses" if path in RESPONSES_PATHS else "chat_completions"
    # Streamed chunks are merged by concatenating strings: named exactly once.
    assert message.response_metadata["api"] == expected
    assert message.text == "Hello there"
    assert message.response_metadata["finish_reason"] == "stop"
    assert message.usage_metadata["total_tokens"] == 12


def cut_stream(request: httpx.Request) -> httpx.Response:
    """A stream whose connection closes before the reply's end (no [DONE] either)."""
    body = completion("Hello there, this is long")
    if request.url.path.endswith("/responses"):
        events = responses_replies.typed_events(as_responses_reply(body))[:-1]
    else:
        events = [
            {**body, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": d}]}
            for d in ({"role": "assistant"}, {"content": "Hello there"})
        ]
    content = sse(events, done=False)
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=content)


@pytest.mark.parametrize("path", [p for p in BOTH_APIS if p.streams], ids=str)
def test_a_stream_cut_before_its_end_raises_on_both_apis(path: Path) -> None:
    # The Responses stream never sends [DONE]: response.completed alone says
    # it is complete; without it the reply is not returned as complete.
    api = FakeAPI(cut_stream)
    with pytest.raises(GradientStreamError, match="incomplete"):
        path.run(the_model, api)
