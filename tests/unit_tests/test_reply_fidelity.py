"""What a reply says reaches the message: reasoning in either spelling, the name, usage as reported.

vLLM-served open-weight models (gpt-oss and the like) send ``message.reasoning``
/ ``delta.reasoning`` where the Gradient API documents ``reasoning_content``;
DeepSeek reports prompt-cache hits as ``prompt_cache_hit_tokens``. Each
behaviour runs on every `Path` (see ``paths.py``).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from tests.unit_tests.fakes import FakeAPI, chunk, completion
from tests.unit_tests.paths import BOTH_APIS, PATHS, PROMPT, Path, serve

THOUGHT = "The user wants a joke about cats."
JOKE = "Cats have nine lives but only one keyboard."


def the_model(model: Any) -> Any:
    return model


def blocks_of(message: Any) -> list[dict[str, Any]]:
    """Standard blocks without the streaming ``index`` (a stream's aggregate has one)."""
    return [{k: v for k, v in block.items() if k != "index"} for block in message.content_blocks]


# ---------------------------------------------------------------- reasoning


@pytest.mark.parametrize("spelling", ["reasoning", "reasoning_content"])
@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_reasoning_in_either_spelling_reaches_the_message(path: Path, spelling: str) -> None:
    api = FakeAPI(serve(completion(JOKE, **{spelling: THOUGHT})))
    message = path.run(the_model, api)
    assert message.text == JOKE
    assert message.additional_kwargs["reasoning_content"] == THOUGHT
    assert blocks_of(message) == [
        {"type": "reasoning", "reasoning": THOUGHT},
        {"type": "text", "text": JOKE},
    ]


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_reasoning_spelled_reasoning_is_a_v1_block_on_every_path(path: Path) -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "tell", "arguments": '{"topic": "cats"}'},
    }
    reply = completion(JOKE, reasoning=THOUGHT, tool_calls=[call], finish_reason="tool_calls")
    api = FakeAPI(serve(reply))
    message = path.run(the_model, api, output_version="v1")
    assert blocks_of(message) == [
        {"type": "reasoning", "reasoning": THOUGHT},
        {"type": "text", "text": JOKE},
        {"type": "tool_call", "id": "call_1", "name": "tell", "args": {"topic": "cats"}},
    ]


def both_spellings_stream() -> list[Any]:
    """A server sending each piece of reasoning under both names (as during a rename)."""
    events: list[Any] = [chunk({"role": "assistant", "content": ""})]
    for piece in ("The user wants ", "a joke about cats."):
        events.append(chunk({"reasoning_content": piece, "reasoning": piece}))
    events.append(chunk({"content": JOKE}))
    events.append(chunk({}, finish_reason="stop"))
    return events


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_when_both_spellings_come_reasoning_content_wins(path: Path) -> None:
    reply = completion(JOKE, reasoning_content=THOUGHT, reasoning="the other spelling")
    api = FakeAPI(serve(reply, both_spellings_stream()))
    message = path.run(the_model, api)
    assert message.additional_kwargs["reasoning_content"] == THOUGHT
    assert blocks_of(message)[0] == {"type": "reasoning", "reasoning": THOUGHT}


def reasoning_then_joke(spelling: str) -> list[dict[str, Any]]:
    """A stream whose reasoning comes in two pieces under ``spelling``, then the joke."""
    return [
        chunk({"role": "assistant", "content": ""}),
        chunk({spelling: "The user wants "}),
        chunk({spelling: "a joke about cats."}),
        chunk({"content": JOKE}),
        chunk({}, finish_reason="stop"),
    ]


@pytest.mark.parametrize("spelling", ["reasoning", "reasoning_content"])
def test_streamed_chunks_carry_their_piece_of_reasoning(spelling: str) -> None:
    api = FakeAPI(reasoning_then_joke(spelling))
    pieces = [c.additional_kwargs.get("reasoning_content") for c in api.model().stream(PROMPT)]
    assert [p for p in pieces if p] == ["The user wants ", "a joke about cats."]


@pytest.mark.parametrize("spelling", ["reasoning", "reasoning_content"])
def test_astream_events_streams_reasoning_in_either_spelling(spelling: str) -> None:
    api = FakeAPI(reasoning_then_joke(spelling))

    async def run() -> list[AIMessageChunk]:
        model = api.model(output_version="v1")
        return [
            event["data"]["chunk"]
            async for event in model.astream_events(PROMPT, version="v2")
            if event["event"] == "on_chat_model_stream"
        ]

    chunks = asyncio.run(run())
    reasoning = [
        block["reasoning"]
        for c in chunks
        for block in c.content
        if isinstance(block, dict) and block["type"] == "reasoning"
    ]
    assert reasoning == ["The user wants ", "a joke about cats."]


def test_a_non_string_reasoning_field_is_not_reasoning_text() -> None:
    # Gradient's request takes a `reasoning` object; a server echoing one back
    # in a reply is not reasoning text.
    api = FakeAPI(completion(JOKE, reasoning={"effort": "low"}))
    message = api.model().invoke(PROMPT)
    assert "reasoning_content" not in message.additional_kwargs
    assert message.content_blocks == [{"type": "text", "text": JOKE}]


# ---------------------------------------------------------------------- name


# Chat Completions only: a message's ``name``; a Responses output item has none.
NON_STREAMING = [path for path in PATHS if not path.streams]


@pytest.mark.parametrize("path", NON_STREAMING, ids=str)
def test_the_reply_name_is_the_message_name(path: Path) -> None:
    api = FakeAPI(serve(completion(JOKE, name="jester")))
    assert path.run(the_model, api).name == "jester"


def test_a_streamed_name_is_on_the_chunk_that_brings_it() -> None:
    api = FakeAPI(serve(completion(JOKE, name="jester")))
    chunks = list(api.model().stream(PROMPT))
    assert [c.name for c in chunks if c.name] == ["jester"]

    async def collect() -> list[AIMessageChunk]:
        return [c async for c in api.model().astream(PROMPT)]

    assert [c.name for c in asyncio.run(collect()) if c.name] == ["jester"]


def test_astream_events_chunks_carry_the_name() -> None:
    api = FakeAPI(serve(completion(JOKE, name="jester")))

    async def run() -> list[Any]:
        return [
            event["data"]["chunk"].name
            async for event in api.model().astream_events(PROMPT, version="v2")
            if event["event"] == "on_chat_model_stream"
        ]

    assert [name for name in asyncio.run(run()) if name] == ["jester"]


def test_no_name_means_none() -> None:
    api = FakeAPI(completion(JOKE, name=""), completion(JOKE, name=None))
    model = api.model()
    assert model.invoke(PROMPT).name is None
    assert model.invoke(PROMPT).name is None


# --------------------------------------------------------------------- usage


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_a_reported_total_of_zero_stays_zero(path: Path) -> None:
    usage = {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 0}
    api = FakeAPI(serve(completion(JOKE, usage=usage)))
    message = path.run(the_model, api)
    assert message.usage_metadata["total_tokens"] == 0
    assert message.usage_metadata["input_tokens"] == 9
    assert message.usage_metadata["output_tokens"] == 3


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_a_reported_total_is_kept_as_reported(path: Path) -> None:
    # A server that counts something into the total that it does not itemise.
    usage = {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 20}
    api = FakeAPI(serve(completion(JOKE, usage=usage)))
    assert path.run(the_model, api).usage_metadata["total_tokens"] == 20


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_a_missing_total_is_the_sum(path: Path) -> None:
    usage = {"prompt_tokens": 9, "completion_tokens": 3}
    api = FakeAPI(serve(completion(JOKE, usage=usage)))
    assert path.run(the_model, api).usage_metadata["total_tokens"] == 12


def test_the_exclusive_convention_adds_the_cache_counts_to_the_reported_total_too() -> None:
    # DigitalOcean's Anthropic example: total 114 = 14 uncached + 100 out; the
    # 1043 tokens written to the cache are added to input and total alike.
    usage = {
        "prompt_tokens": 14,
        "completion_tokens": 100,
        "total_tokens": 114,
        "cache_created_input_tokens": 1043,
    }
    api = FakeAPI(completion(JOKE, model="anthropic-claude-4.6-sonnet", usage=usage))
    message = api.model(model="anthropic-claude-4.6-sonnet").invoke(PROMPT)
    assert message.usage_metadata["input_tokens"] == 1057
    assert message.usage_metadata["total_tokens"] == 1157


DEEPSEEK_USAGE = {
    "prompt_tokens": 120,
    "completion_tokens": 8,
    "total_tokens": 128,
    "prompt_cache_hit_tokens": 96,
    "prompt_cache_miss_tokens": 24,
}


# Chat Completions only: prompt_cache_hit_tokens is DeepSeek's wire on that API.
@pytest.mark.parametrize("path", PATHS, ids=str)
def test_deepseek_cache_hits_are_cache_reads(path: Path) -> None:
    api = FakeAPI(serve(completion(JOKE, usage=DEEPSEEK_USAGE)))
    usage = path.run(the_model, api).usage_metadata
    # prompt_tokens is hit + miss: inclusive, nothing added.
    assert (usage["input_tokens"], usage["output_tokens"], usage["total_tokens"]) == (120, 8, 128)
    assert usage["input_token_details"] == {"cache_read": 96}


def test_deepseek_cache_hits_never_make_input_exclusive() -> None:
    # Every prompt token a hit: still hit + miss == prompt_tokens.
    usage = {**DEEPSEEK_USAGE, "prompt_cache_hit_tokens": 120, "prompt_cache_miss_tokens": 0}
    api = FakeAPI(completion(JOKE, model="deepseek-v3.2", usage=usage))
    message = api.model().invoke(PROMPT)
    assert message.usage_metadata["input_tokens"] == 120
    assert message.usage_metadata["input_token_details"] == {"cache_read": 120}


def test_openai_cached_tokens_win_over_deepseek_hits() -> None:
    usage = {**DEEPSEEK_USAGE, "prompt_tokens_details": {"cached_tokens": 64}}
    api = FakeAPI(completion(JOKE, usage=usage))
    message = api.model().invoke(PROMPT)
    assert message.usage_metadata["input_token_details"] == {"cache_read": 64}
