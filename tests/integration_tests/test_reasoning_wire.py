"""Reasoning on both APIs, replayed from a reasoning *wire* recording from a stand-in.

The model that answered is not a reasoning model. Locally it is the recording
model (Qwen2.5-Coder-1.5B-Instruct) served by llama-server with llama.cpp's own
QwQ template and ``--reasoning-format deepseek`` (see ``scripts/record-cassettes``):
the template opens a ``<think>`` block, the system prompt below makes the model
close it before answering, and llama-server returns the block as reasoning:
``reasoning_content`` on Chat Completions (streamed as ``delta.reasoning_content``
before the ``delta.content`` chunks) and a ``reasoning`` output item with
``reasoning_text`` content on ``/v1/responses`` (streamed as
``response.reasoning_text.delta`` events). What the thinking says is
therefore worth nothing; what these tests pin is the wire: where ChatGradient
puts reasoning a real server sent, on invoke, stream and astream, on both
APIs. Recorded against live Gradient, ``GRADIENT_RECORD_REASONING_MODEL`` (a
real reasoning model) answers instead.

Tool calls do not work in this mode of llama-server, so there are none here;
``echo_reasoning_content`` therefore has nothing to echo (it sends reasoning
back only on assistant turns that carry tool calls).
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
)

from langchain_gradient import ChatGradient
from tests.integration_tests._recording import LOCAL, REASONING_MODEL, recorded_chat_model

pytestmark = pytest.mark.vcr

CHAT_COMPLETIONS = "chat_completions"
RESPONSES = "responses"
APIS = [CHAT_COMPLETIONS, RESPONSES]

# Without it the stand-in keeps thinking until the token limit (README of the
# recording setup); a real reasoning model does not need it and is not hurt.
THINK_FORMAT = (
    "Always reply in exactly this format:\n"
    "<think>\n"
    "your short step-by-step reasoning\n"
    "</think>\n"
    "your final answer"
)
QUESTION = "Which is larger, 9.11 or 9.9? Give the number as your final answer."
THINK_TAGS = ("<think>", "</think>")


def _model(api: str, **overrides: Any) -> ChatGradient:
    return recorded_chat_model(
        384, model=REASONING_MODEL, use_responses_api=api == RESPONSES, **overrides
    )


def _messages(question: str = QUESTION) -> list[BaseMessage]:
    return [SystemMessage(THINK_FORMAT), HumanMessage(question)]


def _reasoning(message: AIMessage) -> str:
    reasoning = message.additional_kwargs.get("reasoning_content")
    assert isinstance(reasoning, str), message.additional_kwargs
    return reasoning


def _check_reply(message: AIMessage, api: str) -> None:
    """What a user sees of one reply with reasoning, invoked or aggregated."""
    reasoning = _reasoning(message)
    assert reasoning.strip()
    answer = message.text
    assert answer.strip()
    for tag in THINK_TAGS:
        assert tag not in answer
        assert tag not in reasoning
    assert reasoning.strip() not in answer
    blocks = message.content_blocks
    assert [block["type"] for block in blocks] == ["reasoning", "text"]
    assert blocks[0].get("reasoning") == reasoning
    assert blocks[1].get("text") == answer
    assert message.response_metadata["api"] == api
    assert message.response_metadata["finish_reason"] == "stop"
    usage = message.usage_metadata
    assert usage is not None
    assert usage["input_tokens"] > 0
    assert usage["output_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def _check_order(chunks: list[AIMessageChunk]) -> None:
    """Every reasoning piece streams before the first piece of the answer."""
    thinking = [
        i for i, chunk in enumerate(chunks) if chunk.additional_kwargs.get("reasoning_content")
    ]
    answering = [i for i, chunk in enumerate(chunks) if chunk.text]
    assert len(thinking) > 1  # streamed in pieces, not in one block at the end
    assert answering
    assert max(thinking) < min(answering)


def _aggregate(chunks: list[AIMessageChunk]) -> AIMessage:
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    return full


@pytest.mark.parametrize("api", APIS)
def test_invoke_reasoning_apart_from_answer(api: str) -> None:
    _check_reply(_model(api).invoke(_messages()), api)


@pytest.mark.parametrize("api", APIS)
def test_stream_reasoning_before_answer(api: str) -> None:
    chunks = list(_model(api).stream(_messages()))
    assert all(isinstance(chunk, AIMessageChunk) for chunk in chunks)
    _check_order(chunks)
    _check_reply(_aggregate(chunks), api)


@pytest.mark.parametrize("api", APIS)
async def test_astream_reasoning_before_answer(api: str) -> None:
    chunks = [chunk async for chunk in _model(api).astream(_messages())]
    _check_order(chunks)
    _check_reply(_aggregate(chunks), api)


@pytest.mark.parametrize("api", APIS)
def test_conversation_continues_after_reasoning(api: str) -> None:
    model = _model(api)
    history = _messages()
    first = model.invoke(history)
    _check_reply(first, api)
    history += [first, HumanMessage("Now which is smaller? Give the number as your final answer.")]
    second = model.invoke(history)
    _check_reply(second, api)


@pytest.mark.parametrize("api", APIS)
def test_v1_content_puts_reasoning_first(api: str) -> None:
    """With ``output_version="v1"`` the content itself is the standard blocks, streamed or not."""
    model = _model(api, output_version="v1")
    invoked = model.invoke(_messages())
    streamed = _aggregate(list(model.stream(_messages())))
    pieces = []
    for message in (invoked, streamed):
        blocks = [block for block in message.content if isinstance(block, dict)]
        assert len(blocks) == len(message.content)
        assert [block["type"] for block in blocks] == ["reasoning", "text"]
        reasoning, answer = blocks[0]["reasoning"], blocks[1]["text"]
        assert reasoning.strip()
        assert answer.strip()
        for tag in THINK_TAGS:
            assert tag not in reasoning
            assert tag not in answer
        pieces.append((reasoning, answer))
    if LOCAL:  # llama-server at temperature 0 streamed exactly what it returned
        assert pieces[0] == pieces[1]
