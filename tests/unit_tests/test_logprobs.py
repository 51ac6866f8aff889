"""logprobs and top_logprobs: sent when asked, in response_metadata, aggregated in streams."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from langchain_gradient import GradientInvalidInputError

from .fakes import FakeAPI, chunk, completion


def token(text: str, logprob: float) -> dict[str, Any]:
    return {
        "token": text,
        "logprob": logprob,
        "bytes": list(text.encode()),
        "top_logprobs": [{"token": text, "logprob": logprob, "bytes": list(text.encode())}],
    }


TOKENS = [token("Hel", -0.1), token("lo", -0.2), token("!", -9999.0)]


def test_invoke_sends_params_and_surfaces_logprobs() -> None:
    logprobs = {"content": TOKENS, "refusal": None}
    body = completion("Hello!")
    body["choices"][0]["logprobs"] = logprobs
    api = FakeAPI(body)
    message = api.model(logprobs=True, top_logprobs=1).invoke("hi")
    assert api.body["logprobs"] is True
    assert api.body["top_logprobs"] == 1
    assert message.response_metadata["logprobs"] == logprobs


def test_call_time_logprobs() -> None:
    api = FakeAPI()
    message = api.model().invoke("hi", logprobs=True, top_logprobs=3)
    assert (api.body["logprobs"], api.body["top_logprobs"]) == (True, 3)
    # not requested back -> null in the response -> no key
    assert "logprobs" not in message.response_metadata


def test_logprobs_not_sent_unless_asked() -> None:
    api = FakeAPI()
    api.model().invoke("hi")
    assert "logprobs" not in api.body
    assert "top_logprobs" not in api.body


def test_top_logprobs_out_of_range_is_refused() -> None:
    api = FakeAPI()
    with pytest.raises(GradientInvalidInputError, match="top_logprobs must be between 0 and 20"):
        api.model().invoke("hi", logprobs=True, top_logprobs=21)
    assert api.requests == []


def logprob_stream() -> list[Any]:
    events: list[Any] = [chunk({"role": "assistant", "content": ""})]
    for item in TOKENS:
        event = chunk({"content": item["token"]})
        event["choices"][0]["logprobs"] = {"content": [item], "refusal": None}
        events.append(event)
    events.append(chunk({}, finish_reason="stop"))
    events.append(chunk(usage={"prompt_tokens": 1, "completion_tokens": 3, "total_tokens": 4}))
    return events


def test_streamed_logprobs_aggregate_in_order() -> None:
    api = FakeAPI(logprob_stream())
    chunks = list(api.model(logprobs=True, top_logprobs=1).stream("hi"))
    assert api.body["logprobs"] is True
    assert [
        c.response_metadata["logprobs"]["content"][0]["token"]
        for c in chunks
        if "logprobs" in c.response_metadata
    ] == ["Hel", "lo", "!"]
    full: AIMessageChunk = chunks[0]
    for piece in chunks[1:]:
        full = full + piece
    assert full.content == "Hello!"
    assert full.response_metadata["logprobs"] == {"content": TOKENS, "refusal": None}


async def test_astreamed_logprobs_aggregate_in_order() -> None:
    api = FakeAPI(logprob_stream())
    chunks = [c async for c in api.model(logprobs=True).astream("hi")]
    full: AIMessageChunk = chunks[0]
    for piece in chunks[1:]:
        full = full + piece
    assert full.response_metadata["logprobs"]["content"] == TOKENS


def test_invoke_through_streaming_keeps_logprobs() -> None:
    api = FakeAPI(logprob_stream())
    message = api.model(streaming=True, logprobs=True).invoke("hi")
    assert message.response_metadata["logprobs"]["content"] == TOKENS
