"""Where a stream says which API answered: ``response_metadata["api"]``, on one chunk.

It rides on the chunk that ends the reply (the one with the ``finish_reason``,
and the response's ``model_name``), on both APIs, sync and async; a stream
that ends without such a chunk names the API on its closing chunk, and only
a stream that brings nothing at all gets a chunk of its own for it. What is
checked is what ``model.stream()`` / ``model.astream()`` hand the caller.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from tests.unit_tests.fakes import FakeAPI, chunk, completion, text_stream
from tests.unit_tests.paths import serve

API = "api"


def streamed(api: FakeAPI, mode: str, **settings: Any) -> list[AIMessageChunk]:
    """The chunks a caller gets, without the empty ``chunk_position="last"`` one core adds."""
    model = api.model(**settings)
    if mode == "sync":
        chunks = list(model.stream("Hi"))
    else:

        async def collect() -> list[AIMessageChunk]:
            return [c async for c in model.astream("Hi")]

        chunks = asyncio.run(collect())
    return [c for c in chunks if getattr(c, "chunk_position", None) != "last"]


def carries_something_besides_the_api(message: AIMessageChunk) -> bool:
    metadata = set(message.response_metadata) - {API, "model_provider"}
    return bool(message.content or message.tool_call_chunks or message.usage_metadata or metadata)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("responses", [False, True], ids=["chat_completions", "responses"])
def test_the_api_rides_on_the_chunk_that_ends_the_reply(mode: str, responses: bool) -> None:
    api = FakeAPI(serve(completion("Hello there!")))
    chunks = streamed(api, mode, use_responses_api=responses)
    named = [c for c in chunks if API in c.response_metadata]
    assert len(named) == 1
    closing = named[0]
    assert closing.response_metadata[API] == ("responses" if responses else "chat_completions")
    assert closing.response_metadata["finish_reason"] == "stop"
    assert closing.response_metadata["model_name"] == "served-model"
    # No chunk exists only to carry the name.
    assert all(carries_something_besides_the_api(c) for c in chunks)
    assert "".join(c.text for c in chunks) == "Hello there!"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_chat_completions_stream_is_as_many_chunks_as_events_that_carry_something(
    mode: str,
) -> None:
    # Role (empty), two pieces, finish, usage: four chunks, the API on the finish.
    api = FakeAPI(text_stream("Hel", "lo"))
    chunks = streamed(api, mode)
    assert [c.text for c in chunks] == ["Hel", "lo", "", ""]
    assert [c.response_metadata.get(API) for c in chunks] == [
        None,
        None,
        "chat_completions",
        None,
    ]
    assert chunks[-1].usage_metadata is not None


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_stream_without_a_finish_reason_names_the_api_on_its_closing_chunk(mode: str) -> None:
    # [DONE] but no finish_reason: the closing chunk (model_name, ...) is needed anyway.
    api = FakeAPI([chunk({"content": "Hel"}), chunk({"content": "lo"})])
    chunks = streamed(api, mode)
    assert [c.text for c in chunks] == ["Hel", "lo", ""]
    assert chunks[-1].response_metadata[API] == "chat_completions"
    assert chunks[-1].response_metadata["model_name"] == "served-model"
    assert [API in c.response_metadata for c in chunks] == [False, False, True]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_stream_with_nothing_in_it_gets_one_chunk_naming_the_api(mode: str) -> None:
    api = FakeAPI([])  # only [DONE]
    chunks = streamed(api, mode)
    assert len(chunks) == 1
    assert chunks[0].text == ""
    assert chunks[0].response_metadata[API] == "chat_completions"
