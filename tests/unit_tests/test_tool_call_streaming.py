"""Streamed tool calls aggregate into the right calls, whatever the provider's quirks.

Each test streams a scripted SSE reply through `ChatGradient.stream` (or
``astream``), adds the chunks up with ``+`` as LangChain users do, and checks
``tool_calls`` / ``invalid_tool_calls`` of the aggregate.
"""

from __future__ import annotations

import json
from functools import reduce
from operator import add
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.tool import tool_call_chunk

from langchain_gradient._response import StreamMapper
from tests.unit_tests.fakes import FakeAPI, chunk, completion


def frag(
    index: int | None = None,
    *,
    call_id: str | None = None,
    name: str | None = None,
    args: Any = None,
) -> dict[str, Any]:
    """One entry of ``delta.tool_calls``; ``None`` fields are left out."""
    raw: dict[str, Any] = {}
    if index is not None:
        raw["index"] = index
    if call_id is not None:
        raw["id"] = call_id
        raw["type"] = "function"
    function: dict[str, Any] = {}
    if name is not None:
        function["name"] = name
    if args is not None:
        function["arguments"] = args
    if function:
        raw["function"] = function
    return raw


def events(*deltas: list[dict[str, Any]], response_id: str = "chatcmpl-1") -> list[Any]:
    """SSE events: one chunk per group of fragments, then finish and usage."""
    out: list[Any] = [chunk({"role": "assistant", "content": None}, id=response_id)]
    out += [chunk({"tool_calls": group}, id=response_id) for group in deltas]
    out.append(chunk({}, finish_reason="tool_calls", id=response_id))
    out.append(chunk(usage={"prompt_tokens": 20, "completion_tokens": 9, "total_tokens": 29}))
    return out


def stream(*replies: list[Any]) -> list[AIMessageChunk]:
    """Stream each reply; return each aggregate."""
    api = FakeAPI(*replies)
    model = api.model()
    results = []
    for _ in replies:
        chunks = list(model.stream("go"))
        assert all(isinstance(c, AIMessageChunk) for c in chunks)
        results.append(reduce(add, chunks))
    return results


def calls(message: AIMessageChunk) -> list[tuple[Any, str, dict[str, Any]]]:
    return [(c["id"], c["name"], c["args"]) for c in message.tool_calls]


def test_parallel_calls_interleaved_by_index() -> None:
    (message,) = stream(
        events(
            [frag(0, call_id="call_a", name="get_weather", args="")],
            [frag(1, call_id="call_b", name="get_time", args="")],
            [frag(0, args='{"city": "Pa')],
            [frag(1, args='{"tz": "Europe/')],
            [frag(0, args='ris"}'), frag(1, args='Oslo"}')],
        )
    )
    assert calls(message) == [
        ("call_a", "get_weather", {"city": "Paris"}),
        ("call_b", "get_time", {"tz": "Europe/Oslo"}),
    ]
    assert message.invalid_tool_calls == []
    assert all(isinstance(c["index"], int) for c in message.tool_call_chunks)


def test_provider_repeating_id_and_name_on_every_fragment() -> None:
    (message,) = stream(
        events(
            [frag(0, call_id="call_a", name="add", args='{"a": ')],
            [frag(0, call_id="call_a", name="add", args="1, ")],
            [frag(1, call_id="call_b", name="add", args='{"a": 3, ')],
            [frag(0, call_id="call_a", name="add", args='"b": 2}')],
            [frag(1, call_id="call_b", name="add", args='"b": 4}')],
        )
    )
    assert calls(message) == [
        ("call_a", "add", {"a": 1, "b": 2}),
        ("call_b", "add", {"a": 3, "b": 4}),
    ]


def test_provider_sending_the_name_only_once() -> None:
    (message,) = stream(
        events(
            [frag(0, call_id="call_a", name="add")],
            [frag(0, args='{"a": 1,')],
            [frag(0, args=' "b": 2}')],
        )
    )
    assert calls(message) == [("call_a", "add", {"a": 1, "b": 2})]


def test_provider_omitting_the_index() -> None:
    (message,) = stream(
        events(
            [frag(call_id="call_a", name="get_weather", args='{"city":')],
            [frag(args=' "Rome"}')],
            [frag(call_id="call_b", name="get_weather", args='{"city":')],
            [frag(args=' "Lima"}')],
        )
    )
    assert calls(message) == [
        ("call_a", "get_weather", {"city": "Rome"}),
        ("call_b", "get_weather", {"city": "Lima"}),
    ]
    assert all(isinstance(c["index"], int) for c in message.tool_call_chunks)


def test_provider_omitting_index_but_repeating_ids() -> None:
    (message,) = stream(
        events(
            [frag(call_id="call_a", name="add", args='{"a": 1')],
            [frag(call_id="call_b", name="add", args='{"a": 2')],
            [frag(call_id="call_a", args=', "b": 1}')],
            [frag(call_id="call_b", args=', "b": 2}')],
        )
    )
    assert calls(message) == [
        ("call_a", "add", {"a": 1, "b": 1}),
        ("call_b", "add", {"a": 2, "b": 2}),
    ]


def test_provider_reusing_one_index_for_calls_with_different_ids() -> None:
    (message,) = stream(
        events(
            [frag(0, call_id="call_a", name="get_weather", args='{"city": "Oslo"}')],
            [frag(0, call_id="call_b", name="get_weather", args='{"city":')],
            [frag(0, args=' "Bergen"}')],
        )
    )
    assert calls(message) == [
        ("call_a", "get_weather", {"city": "Oslo"}),
        ("call_b", "get_weather", {"city": "Bergen"}),
    ]


def test_provider_reusing_one_index_without_ids_but_another_name() -> None:
    (message,) = stream(
        events(
            [frag(0, name="get_weather", args='{"city": "Oslo"}')],
            [frag(0, name="get_time", args='{"tz": "UTC"}')],
        )
    )
    assert [(name, args) for _, name, args in calls(message)] == [
        ("get_weather", {"city": "Oslo"}),
        ("get_time", {"tz": "UTC"}),
    ]
    ids = [c["id"] for c in message.tool_calls]
    assert all(isinstance(i, str) and i for i in ids)
    assert len(set(ids)) == 2


def test_content_and_a_tool_call_in_one_stream() -> None:
    api = FakeAPI(
        [
            chunk({"role": "assistant", "content": "Let me check"}),
            chunk({"content": "."}),
            chunk({"tool_calls": [frag(0, call_id="call_a", name="get_weather", args="{}")]}),
            chunk({}, finish_reason="tool_calls"),
        ]
    )
    message = reduce(add, api.model().stream("go"))
    assert message.content == "Let me check."
    assert calls(message) == [("call_a", "get_weather", {})]
    assert message.response_metadata["finish_reason"] == "tool_calls"


@pytest.mark.parametrize(
    "pieces",
    [["null"], ["nu", "ll"], ["n", "u", "l", "l"], [" null "], [""], [], ["", "", ""], ["{}"]],
)
def test_no_argument_calls_aggregate_to_empty_args(pieces: list[str]) -> None:
    first = frag(0, call_id="call_n", name="now", args=pieces[0] if pieces else None)
    (message,) = stream(events([first], *[[frag(0, args=p)] for p in pieces[1:]]))
    assert message.invalid_tool_calls == []
    assert calls(message) == [("call_n", "now", {})]


def test_a_prefix_of_null_that_turns_into_something_else_is_kept() -> None:
    (message,) = stream(events([frag(0, call_id="c", name="now", args="nu")], [frag(0, args="x")]))
    assert message.tool_calls == []
    assert message.invalid_tool_calls[0]["args"] == "nux"


def test_whitespace_before_the_arguments_is_kept() -> None:
    (message,) = stream(
        events([frag(0, call_id="c", name="add", args="  ")], [frag(0, args='{"a": 1, "b": 2}')])
    )
    assert calls(message) == [("c", "add", {"a": 1, "b": 2})]


def test_non_ascii_arguments_survive_fragmentation() -> None:
    text = json.dumps({"city": "東京", "note": "Zürich ✓"}, ensure_ascii=False)
    pieces = [text[i : i + 3] for i in range(0, len(text), 3)]
    escaped = json.dumps({"city": "東京"})  # \\u escapes, split inside an escape
    (plain, split_escape) = stream(
        events(
            [frag(0, call_id="c1", name="w", args=pieces[0])],
            *[[frag(0, args=p)] for p in pieces[1:]],
        ),
        events([frag(0, call_id="c2", name="w", args=escaped[:13])], [frag(0, args=escaped[13:])]),
    )
    assert plain.tool_calls[0]["args"] == {"city": "東京", "note": "Zürich ✓"}
    assert split_escape.tool_calls[0]["args"] == {"city": "東京"}


def test_arguments_streamed_as_an_object() -> None:
    (message,) = stream(events([frag(0, call_id="c", name="w", args={"city": "Łódź"})]))
    assert calls(message) == [("c", "w", {"city": "Łódź"})]


def test_invalid_streamed_arguments_become_an_invalid_call_with_the_raw_text() -> None:
    (message,) = stream(
        events(
            [frag(0, call_id="call_ok", name="add", args='{"a": 1, "b": 2}')],
            [frag(1, call_id="call_bad", name="get_weather", args='{"city": ')],
            [frag(1, args="Paris}")],
        )
    )
    assert calls(message) == [("call_ok", "add", {"a": 1, "b": 2})]
    assert [(c["id"], c["name"], c["args"]) for c in message.invalid_tool_calls] == [
        ("call_bad", "get_weather", '{"city": Paris}')
    ]


def test_streamed_calls_without_ids_get_stable_distinct_ids() -> None:
    reply = events(
        [frag(0, name="add", args='{"a": 1, "b": 2}')],
        [frag(1, name="add", args='{"a": 3, "b": 4}')],
    )
    other = events([frag(0, name="add", args='{"a": 1, "b": 2}')], response_id="chatcmpl-2")
    first, again, different = stream(reply, reply, other)
    ids = [c["id"] for c in first.tool_calls]
    assert len(set(ids)) == 2
    assert all(isinstance(i, str) and i.startswith("call_") for i in ids)
    assert [c["id"] for c in again.tool_calls] == ids
    assert different.tool_calls[0]["id"] not in ids


def test_streamed_and_invoked_replies_agree() -> None:
    """The same calls, streamed or not, give the same tool calls."""
    raw_calls = [
        {
            "id": "call_a",
            "type": "function",
            "function": {"name": "add", "arguments": '{"a":1,"b":2}'},
        },
        {"id": "call_b", "type": "function", "function": {"name": "now", "arguments": "null"}},
    ]
    api = FakeAPI(
        completion(None, finish_reason="tool_calls", tool_calls=raw_calls),
        events(
            [frag(0, call_id="call_a", name="add", args='{"a":1,"b":2}')],
            [frag(1, call_id="call_b", name="now", args="null")],
        ),
    )
    model = api.model()
    invoked = model.invoke("go")
    streamed = reduce(add, model.stream("go"))
    assert invoked.tool_calls == streamed.tool_calls
    assert [c["args"] for c in streamed.tool_calls] == [{"a": 1, "b": 2}, {}]


async def test_async_stream_aggregates_the_same_way() -> None:
    api = FakeAPI(
        events(
            [frag(call_id="call_a", name="add", args='{"a": ')],
            [frag(call_id="call_a", name="add", args="1, ")],
            [frag(0, call_id="call_b", name="now", args="nu")],
            [frag(0, args="ll")],
            [frag(call_id="call_a", args='"b": 2}')],
        )
    )
    chunks = [c async for c in api.model().astream("go")]
    message = reduce(add, chunks)
    assert calls(message) == [("call_a", "add", {"a": 1, "b": 2}), ("call_b", "now", {})]


# ------------------------------------------ calls the server numbers its own way


def whole_and_streamed(
    whole_calls: list[dict[str, Any]], *groups: list[dict[str, Any]]
) -> tuple[AIMessage, AIMessageChunk]:
    """The reply sent whole (``invoke``) and streamed (``stream``), as the user sees them."""
    api = FakeAPI(
        completion(None, finish_reason="tool_calls", tool_calls=whole_calls), events(*groups)
    )
    model = api.model()
    return model.invoke("go"), reduce(add, model.stream("go"))


def raw_call(name: str, arguments: str, call_id: str | None = None) -> dict[str, Any]:
    raw: dict[str, Any] = {"type": "function", "function": {"name": name, "arguments": arguments}}
    if call_id is not None:
        raw["id"] = call_id
    return raw


def test_two_calls_sharing_an_id_under_different_indices_and_names_stay_two() -> None:
    invoked, streamed = whole_and_streamed(
        [
            raw_call("get_weather", '{"city": "Oslo"}', "call_1"),
            raw_call("get_time", "{}", "call_1"),
        ],
        [frag(0, call_id="call_1", name="get_weather", args='{"city": ')],
        [frag(1, call_id="call_1", name="get_time", args="{}")],
        [frag(0, call_id="call_1", args='"Oslo"}')],
    )
    assert (
        calls(streamed)
        == calls(invoked)
        == [
            ("call_1", "get_weather", {"city": "Oslo"}),
            ("call_1", "get_time", {}),
        ]
    )
    assert streamed.invalid_tool_calls == []


def test_two_calls_sharing_an_id_under_different_indices_stay_two() -> None:
    invoked, streamed = whole_and_streamed(
        [raw_call("add", '{"a": 1}', "call_1"), raw_call("add", '{"a": 2}', "call_1")],
        [frag(0, call_id="call_1", name="add", args='{"a": 1}')],
        [frag(1, call_id="call_1", name="add", args='{"a": 2}')],
    )
    assert (
        calls(streamed)
        == calls(invoked)
        == [
            ("call_1", "add", {"a": 1}),
            ("call_1", "add", {"a": 2}),
        ]
    )


@pytest.mark.parametrize(
    "groups",
    [
        [
            [frag(0, name="get_weather", args='{"city": "Paris"}')],
            [frag(0, name="get_weather", args='{"city": "Rome"}')],
        ],
        [
            [frag(0, name="get_weather", args="")],
            [frag(0, args='{"city": ')],
            [frag(0, args='"Paris"}')],
            [frag(0, name="get_weather", args="")],
            [frag(0, args='{"city": "Rome"}')],
        ],
        [
            [frag(0, name="get_weather", args='{"city": ')],
            [frag(0, name="get_weather", args='"Paris"}')],
            [frag(0, name="get_weather", args='{"city": ')],
            [frag(0, name="get_weather", args='"Rome"}')],
        ],
    ],
    ids=["whole calls", "name apart", "name on every fragment"],
)
def test_parallel_calls_to_one_tool_without_ids_on_one_index_stay_two(
    groups: list[list[dict[str, Any]]],
) -> None:
    invoked, streamed = whole_and_streamed(
        [raw_call("get_weather", '{"city": "Paris"}'), raw_call("get_weather", '{"city": "Rome"}')],
        *groups,
    )
    named = [(c["name"], c["args"]) for c in streamed.tool_calls]
    assert named == [(c["name"], c["args"]) for c in invoked.tool_calls]
    assert named == [("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Rome"})]
    assert len({c["id"] for c in streamed.tool_calls}) == 2
    assert streamed.invalid_tool_calls == []


def test_interleaved_calls_to_one_tool_with_ids_on_their_first_fragments_only() -> None:
    invoked, streamed = whole_and_streamed(
        [raw_call("add", '{"a": 1}', "call_a"), raw_call("add", '{"a": 2}', "call_b")],
        [frag(0, call_id="call_a", name="add", args='{"a"')],
        [frag(1, call_id="call_b", name="add", args='{"a"')],
        [frag(1, args=": 2}")],
        [frag(0, args=": 1}")],
    )
    assert (
        calls(streamed)
        == calls(invoked)
        == [("call_a", "add", {"a": 1}), ("call_b", "add", {"a": 2})]
    )


def test_one_id_and_one_index_for_two_calls_stay_two() -> None:
    invoked, streamed = whole_and_streamed(
        [raw_call("add", '{"a": 1}', "call_x"), raw_call("add", '{"a": 2}', "call_x")],
        [frag(0, call_id="call_x", name="add", args='{"a": 1}')],
        [frag(0, call_id="call_x", name="add", args='{"a": ')],
        [frag(0, call_id="call_x", name="add", args="2}")],
    )
    assert (
        calls(streamed)
        == calls(invoked)
        == [("call_x", "add", {"a": 1}), ("call_x", "add", {"a": 2})]
    )


def test_a_repeated_name_with_nothing_after_it_is_reported_not_guessed() -> None:
    """A second call without arguments, or the name sent twice? Listed, not decided."""
    (message,) = stream(
        events([frag(0, name="now", args='{"tz": "UTC"}')], [frag(0, name="now", args="")])
    )
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [("now", {"tz": "UTC"})]
    [invalid] = message.response_metadata["invalid_tool_calls"]
    assert (invalid["name"], invalid["args"]) == ("now", "")
    assert "arrived again" in invalid["error"]


def test_repeating_the_name_on_a_call_still_arriving_continues_it() -> None:
    (message,) = stream(
        events(
            [frag(0, name="add", args="")],
            [frag(0, name="add", args='{"a": ')],
            [frag(0, name="add", args="1")],
            [frag(0, name="add", args="}")],
        )
    )
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [("add", {"a": 1})]
    assert "invalid_tool_calls" not in message.response_metadata


def test_an_object_after_a_whole_one_without_a_name_is_kept_apart() -> None:
    """Not a well-formed call, so it is listed as invalid; but it does not vanish."""
    (message,) = stream(
        events([frag(0, call_id="call_a", name="add", args='{"a": 1}')], [frag(0, args='{"a": 2}')])
    )
    first, second = message.tool_calls
    assert (first["id"], first["name"], first["args"]) == ("call_a", "add", {"a": 1})
    assert second["args"] == {"a": 2}
    assert second["id"] not in (None, "", "call_a")
    [invalid] = message.response_metadata["invalid_tool_calls"]
    assert (invalid["name"], invalid["args"]) == (None, '{"a": 2}')
    assert "no function name" in invalid["error"]


def test_the_openai_shape_gives_the_same_chunks_as_before() -> None:
    """A head (id, name, empty arguments) then argument pieces: one chunk per event."""
    api = FakeAPI(
        events(
            [frag(0, call_id="call_a", name="get_weather", args="")],
            [frag(0, args='{"city"')],
            [frag(1, call_id="call_b", name="get_time", args="")],
            [frag(1, args='{"tz": "UTC"}')],
            [frag(0, args=': "Paris"}')],
        )
    )
    fragments = [c.tool_call_chunks for c in api.model().stream("go") if c.tool_call_chunks]
    assert fragments == [
        [tool_call_chunk(name="get_weather", args=None, id="call_a", index=0)],
        [tool_call_chunk(name=None, args='{"city"', id=None, index=0)],
        [tool_call_chunk(name="get_time", args=None, id="call_b", index=1)],
        [tool_call_chunk(name=None, args='{"tz": "UTC"}', id=None, index=1)],
        [tool_call_chunk(name=None, args=': "Paris"}', id=None, index=0)],
    ]


async def test_async_streams_keep_calls_apart_the_same_way() -> None:
    api = FakeAPI(
        events(
            [frag(0, call_id="call_1", name="get_weather", args='{"city": "Oslo"}')],
            [frag(1, call_id="call_1", name="get_time", args="{}")],
            [frag(2, name="add", args='{"a": 1}')],
            [frag(2, name="add", args='{"a": 2}')],
        )
    )
    message = reduce(add, [c async for c in api.model().astream("go")])
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("get_weather", {"city": "Oslo"}),
        ("get_time", {}),
        ("add", {"a": 1}),
        ("add", {"a": 2}),
    ]


def test_stream_chunks_share_no_containers() -> None:
    """Changing one chunk's dicts or lists leaves the next chunk untouched."""
    mapper = StreamMapper("m")
    text = {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"content": "a"}}]}
    piece = {"choices": [{"delta": {"tool_calls": [frag(0, call_id="c", name="f", args="{")]}}]}
    for event in (text, piece):
        one, two = mapper.map(event), mapper.map(event)
        assert one is not None
        assert two is not None
        before = two.message.model_dump()
        one.message.response_metadata["x"] = 1
        one.message.additional_kwargs["y"] = 2
        one.message.tool_call_chunks.append(tool_call_chunk(name="g", args="", id="i", index=9))
        one.message.tool_calls.append({"name": "g", "args": {}, "id": "i", "type": "tool_call"})
        assert two.message.model_dump() == before
