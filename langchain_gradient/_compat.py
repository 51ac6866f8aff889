"""Standard content blocks for Gradient messages (``model_provider="gradient"``).

Registered with langchain-core's block-translator registry on import, so
``message.content_blocks`` and ``output_version="v1"`` know what a Gradient
reply holds: ``additional_kwargs["reasoning_content"]`` becomes a leading
``reasoning`` block, ``additional_kwargs["refusal"]`` a ``refusal`` block, text
a ``text`` block (with ``additional_kwargs["annotations"]`` as its
annotations), tool calls ``tool_call`` blocks, and server-side tool fields in
``response_metadata`` (``citations``, ``retrieval``, ...) a ``non_standard``
block (see `_server_tools`).

Streamed chunks get string block indices (``lc_rs_0``, ``lc_txt_0``,
``lc_tc_<n>``). Core's v1 streaming numbers blocks that carry no index by block
type, while a tool-call chunk keeps its own integer index; the two schemes
collide (the first tool call's ``0`` is also the reasoning block's ``0``) and
the aggregate then merges the call into the reasoning block. Distinct ``lc_``
indices keep every block separate, and core's merge keeps ``lc_`` indices
as they are.
"""

from __future__ import annotations

from typing import Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages import content as types
from langchain_core.messages.block_translators import register_translator

from langchain_gradient._server_tools import annotation_blocks, info_block

__all__ = ["MODEL_PROVIDER", "refusal_of", "translate_content", "translate_content_chunk"]

MODEL_PROVIDER = "gradient"
"""``response_metadata["model_provider"]`` of every message this package makes."""

REASONING_INDEX = "lc_rs_0"
REFUSAL_INDEX = "lc_rf_0"
TEXT_INDEX = "lc_txt_0"
SERVER_TOOLS_INDEX = "lc_srv_0"


def _tool_call_index(index: Any) -> str:
    return f"lc_tc_{index}"


def _reasoning(message: AIMessage) -> str | None:
    reasoning = message.additional_kwargs.get("reasoning_content")
    return reasoning if isinstance(reasoning, str) and reasoning else None


def refusal_of(message: AIMessage) -> str | None:
    """The refusal text of a reply (OpenAI-style ``message.refusal``), if any."""
    refusal = message.additional_kwargs.get("refusal")
    return refusal if isinstance(refusal, str) and refusal else None


def _refusal_block(refusal: str, index: str | None = None) -> types.ContentBlock:
    # Core's ContentBlock union has RefusalContentBlock only from 1.7.5; the
    # block itself is the same dict on every core, so it is cast, not rebuilt.
    block: dict[str, str] = {"type": "refusal", "refusal": refusal}
    if index is not None:
        block["index"] = index
    return cast("types.ContentBlock", block)


def translate_content(message: AIMessage) -> list[types.ContentBlock]:
    """Standard blocks of a complete Gradient reply: reasoning, text, tool calls.

    Raises:
        NotImplementedError: when ``content`` is a list (not a shape this
            package produces); core then falls back to its generic parsing.
    """
    if not isinstance(message.content, str):
        raise NotImplementedError
    blocks: list[types.ContentBlock] = []
    if (reasoning := _reasoning(message)) is not None:
        blocks.append({"type": "reasoning", "reasoning": reasoning})
    if (refusal := refusal_of(message)) is not None:
        blocks.append(_refusal_block(refusal))
    if message.content or _annotations(message):
        blocks.append(_text_block(message))
    blocks.extend(
        {"type": "tool_call", "id": call.get("id"), "name": call["name"], "args": call["args"]}
        for call in message.tool_calls
    )
    if (info := info_block(message.response_metadata)) is not None:
        blocks.append(info)
    return blocks


def _annotations(message: AIMessage) -> list[Any] | None:
    annotations = message.additional_kwargs.get("annotations")
    return annotations if isinstance(annotations, list) and annotations else None


def _text_block(message: AIMessage, index: str | None = None) -> types.TextContentBlock:
    """The text, with the server-side tools' annotations (web-search citations) if any."""
    block: types.TextContentBlock = {"type": "text", "text": cast("str", message.content)}
    if (annotations := _annotations(message)) is not None:
        block["annotations"] = annotation_blocks(annotations)
    if index is not None:
        block["index"] = index
    return block


def translate_content_chunk(chunk: AIMessageChunk) -> list[types.ContentBlock]:
    """Standard blocks of one streamed chunk (or an aggregate of chunks).

    Every block carries a string index so chunks merge block by block. An
    aggregate that reached the last chunk reports finished ``tool_call``
    blocks instead of ``tool_call_chunk`` fragments.

    Raises:
        NotImplementedError: when ``content`` is a list; core falls back to its
            generic parsing.
    """
    if not isinstance(chunk.content, str):
        raise NotImplementedError
    blocks: list[types.ContentBlock] = []
    if (reasoning := _reasoning(chunk)) is not None:
        blocks.append({"type": "reasoning", "reasoning": reasoning, "index": REASONING_INDEX})
    if (refusal := refusal_of(chunk)) is not None:
        blocks.append(_refusal_block(refusal, REFUSAL_INDEX))
    if chunk.content or _annotations(chunk):
        blocks.append(_text_block(chunk, TEXT_INDEX))
    if (info := info_block(chunk.response_metadata, SERVER_TOOLS_INDEX)) is not None:
        blocks.append(info)
    if chunk.chunk_position == "last":
        blocks.extend(
            {"type": "tool_call", "id": call.get("id"), "name": call["name"], "args": call["args"]}
            for call in chunk.tool_calls
        )
        return blocks
    for position, call_chunk in enumerate(chunk.tool_call_chunks):
        index = call_chunk.get("index")
        block: types.ToolCallChunk = {
            "type": "tool_call_chunk",
            "id": call_chunk.get("id"),
            "name": call_chunk.get("name"),
            "args": call_chunk.get("args"),
            "index": _tool_call_index(position if index is None else index),
        }
        blocks.append(block)
    return blocks


register_translator(MODEL_PROVIDER, translate_content, translate_content_chunk)
