"""Assistant turns -> API messages: text, ``tool_calls``, and histories from other providers.

An assistant turn goes back to the API as text plus ``tool_calls``. Its calls
may sit in several places (LangChain's ``tool_calls``, content blocks written
by Anthropic, LangChain v1 or OpenAI Responses, legacy ``additional_kwargs``);
blocks private to the provider that wrote them (reasoning, server-side tools)
are left out (README, "Continuing conversations from other providers").
`_request.message_to_dict` calls `assistant_to_dict` for every `AIMessage`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, FunctionMessage, ToolMessage

from langchain_gradient._text_parts import BREAKPOINT, text_part
from langchain_gradient.errors import GradientInvalidInputError

__all__ = ["assistant_to_dict", "legacy_function_call_ids"]

# Blocks an assistant turn may carry that are private to the provider that
# wrote them, left out of the request (README "Continuing conversations from
# other providers"):
_TOOL_CALL_BLOCKS = frozenset(
    {
        # Calls travel in ``tool_calls``; these blocks repeat them.
        "tool_use",  # Anthropic
        "tool_call",  # LangChain v1
        "tool_call_chunk",
        "invalid_tool_call",
        "function_call",  # OpenAI Responses
        "custom_tool_call",
    }
)
_ASSISTANT_SKIPPED_BLOCKS = _TOOL_CALL_BLOCKS | frozenset(
    {
        # Reasoning and thinking, some signed or encrypted for their provider.
        "thinking",
        "redacted_thinking",
        "reasoning",
        "reasoning_content",
        # Tools the provider ran on its own servers, with their results.
        "server_tool_use",
        "mcp_tool_use",
        "server_tool_call",
        "server_tool_call_chunk",
        "server_tool_result",
        "web_search_call",
        "file_search_call",
        "computer_call",
        "code_interpreter_call",
        "image_generation_call",
        "mcp_call",
        "mcp_list_tools",
        "mcp_approval_request",
        "local_shell_call",
        "tool_search_call",
        "tool_search_output",
        "apply_patch_call",
        "apply_patch_call_output",
        "compaction",
        # LangChain v1's wrapper for a provider's own block type.
        "non_standard",
    }
)
_SERVER_TOOL_RESULT_SUFFIX = "_tool_result"
"""Anthropic names each server tool's result block ``<tool>_tool_result``."""


def _legacy_function_call(message: BaseMessage) -> dict[str, Any] | None:
    """The ``additional_kwargs["function_call"]`` of an assistant turn with no other call."""
    if not isinstance(message, AIMessage) or message.tool_calls or message.invalid_tool_calls:
        return None
    if message.additional_kwargs.get("tool_calls") or _tool_call_blocks(message.content):
        return None
    call = message.additional_kwargs.get("function_call")
    return call if isinstance(call, dict) else None


def legacy_function_call_ids(messages: Sequence[BaseMessage]) -> dict[int, str]:
    """Ids for OpenAI's legacy function calls, by message position.

    A call made with the legacy ``function_call`` field has no id, and the API
    only takes calls in ``tool_calls``, with one. The message right after it
    answers it: a `ToolMessage` lends its ``tool_call_id``; a `FunctionMessage`
    (sent as a ``tool`` message) shares an id made from the call's position.

    Raises:
        GradientInvalidInputError: for a legacy call nothing answers (a
            `FunctionMessage` that answers no call raises in `message_to_dict`).
    """
    ids: dict[int, str] = {}
    for index, message in enumerate(messages):
        # The key test first: isinstance on message classes is slow, and this
        # runs over the whole history on every request.
        if "function_call" not in message.additional_kwargs:
            continue
        if _legacy_function_call(message) is None:
            continue
        answer = messages[index + 1] if index + 1 < len(messages) else None
        if isinstance(answer, ToolMessage) and answer.tool_call_id:
            ids[index] = answer.tool_call_id
        elif isinstance(answer, FunctionMessage):
            ids[index] = ids[index + 1] = f"call_function_{index}"
        else:
            msg = (
                f"message {index}: the call in additional_kwargs['function_call'] (OpenAI's "
                "legacy function calling) has no id and no ToolMessage or FunctionMessage "
                "answers it in the next message; the API needs calls in tool_calls with ids "
                "(AIMessage(tool_calls=[...]))"
            )
            raise GradientInvalidInputError(msg)
    return ids


def assistant_to_dict(
    message: AIMessage, index: int, echo_reasoning: bool, legacy_call_id: str | None = None
) -> dict[str, Any]:
    """An assistant turn: its text plus ``tool_calls`` in the API's form.

    Tool calls come from ``message.tool_calls`` and ``invalid_tool_calls``
    (sent back with their raw arguments, so the tool results that answer them
    still match); failing those, from tool-call content blocks (Anthropic
    ``tool_use``, LangChain v1 ``tool_call``, OpenAI Responses
    ``function_call``, in hand-built messages), then from a legacy
    ``additional_kwargs["tool_calls"]``, then from OpenAI's legacy
    ``additional_kwargs["function_call"]`` (with ``legacy_call_id``).
    """
    tool_calls = [
        _tool_call_to_dict(call.get("id"), call["name"], call["args"], index)
        for call in message.tool_calls
    ]
    for call in message.invalid_tool_calls:
        call_id = _require_call_id(call.get("id"), call.get("name"), index)
        tool_calls.append(_raw_call(call_id, call.get("name"), call.get("args")))
    if not tool_calls:
        tool_calls = [_block_call(block, index) for block in _tool_call_blocks(message.content)]
    if not tool_calls and message.additional_kwargs.get("tool_calls"):
        tool_calls = _legacy_tool_calls(message.additional_kwargs["tool_calls"], index)
    function_call = message.additional_kwargs.get("function_call")
    if not tool_calls and isinstance(function_call, dict):
        if legacy_call_id is None:  # only the whole conversation can give it one
            msg = f"message {index}: a legacy function_call needs the message that answers it"
            raise GradientInvalidInputError(msg)
        tool_calls = [
            _raw_call(legacy_call_id, function_call.get("name"), function_call.get("arguments"))
        ]
    content = _assistant_content(message.content, index)
    if not content and (refusal := message.additional_kwargs.get("refusal")):
        # OpenAI-style replies keep a refusal beside empty content; it is what
        # the model answered, so it goes back as the turn's text.
        content = str(refusal)
    result: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        result["tool_calls"] = tool_calls
        if not content:
            result["content"] = None
        reasoning = message.additional_kwargs.get("reasoning_content")
        if echo_reasoning and reasoning:
            result["reasoning_content"] = reasoning
    return result


def _raw_call(call_id: str, name: Any, arguments: Any) -> dict[str, Any]:
    """A request ``tool_calls`` entry whose arguments are already text."""
    if not isinstance(arguments, str):
        arguments = "" if arguments is None else json.dumps(arguments, ensure_ascii=False)
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name or "", "arguments": arguments},
    }


def _tool_call_blocks(content: str | list[Any]) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return []
    return [
        block
        for block in content
        if isinstance(block, dict)
        and block.get("type") in ("tool_use", "tool_call", "function_call")
    ]


def _block_call(block: Mapping[str, Any], index: int) -> dict[str, Any]:
    """A tool-call content block as a request ``tool_calls`` entry."""
    kind = block.get("type")
    if kind == "function_call":  # OpenAI Responses: arguments are JSON text
        call_id = _require_call_id(block.get("call_id"), block.get("name"), index)
        return _raw_call(call_id, block.get("name"), block.get("arguments"))
    args = block.get("input") if kind == "tool_use" else block.get("args")
    return _tool_call_to_dict(
        block.get("id"), block.get("name"), {} if args is None else args, index
    )


def _legacy_tool_calls(raw_calls: Any, index: int) -> list[dict[str, Any]]:
    """``additional_kwargs["tool_calls"]`` in the API's form (some omit ``type``)."""
    if not isinstance(raw_calls, list):
        msg = f"message {index}: additional_kwargs['tool_calls'] must be a list"
        raise GradientInvalidInputError(msg)
    calls = []
    for raw in raw_calls:
        function = raw.get("function") if isinstance(raw, dict) else None
        if not isinstance(function, dict):
            msg = f"message {index}: additional_kwargs['tool_calls'] entry has no function: {raw!r}"
            raise GradientInvalidInputError(msg[:300])
        call_id = _require_call_id(raw.get("id"), function.get("name"), index)
        calls.append(_raw_call(call_id, function.get("name"), function.get("arguments")))
    return calls


def _assistant_content(content: str | list[Any], index: int) -> str | list[Any]:
    """Assistant content as the API takes it: text only.

    Text parts are joined into one string unless one carries ``cache_control``,
    in which case the parts are kept. A refusal block is sent as text (it is
    what the model answered). Blocks private to the provider that wrote them
    (`_ASSISTANT_SKIPPED_BLOCKS`, Anthropic's ``*_tool_result``) are left out.

    Raises:
        GradientInvalidInputError: for any other block (e.g. an image).
    """
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for block in content:
        if isinstance(block, str):
            parts.append({"type": "text", "text": block})
            continue
        if not isinstance(block, dict):
            msg = f"message {index}: content item of type {type(block).__name__} is not a block"
            raise GradientInvalidInputError(msg)
        kind = block.get("type")
        if kind in _ASSISTANT_SKIPPED_BLOCKS or (
            isinstance(kind, str) and kind.endswith(_SERVER_TOOL_RESULT_SUFFIX)
        ):
            continue
        if kind == "refusal":
            if block.get("refusal"):
                parts.append(text_part({"text": block["refusal"]}, index))
            continue
        if kind != "text":
            msg = (
                f"message {index}: assistant content block of type {kind!r} cannot "
                "be sent to the API (assistant turns take text; images and other media "
                "only go in user messages)"
            )
            raise GradientInvalidInputError(msg)
        parts.append(text_part(block, index))
    if any("cache_control" in part or BREAKPOINT in part for part in parts):
        return parts
    return "".join(part["text"] for part in parts)


def _require_call_id(call_id: Any, name: Any, index: int) -> str:
    if not isinstance(call_id, str) or not call_id:
        msg = (
            f"message {index}: tool call {name!r} has no id; the API needs one to "
            "match the tool result (ToolMessage.tool_call_id) to the call"
        )
        raise GradientInvalidInputError(msg)
    return call_id


def _tool_call_to_dict(call_id: Any, name: Any, args: Any, index: int) -> dict[str, Any]:
    """One request ``tool_calls`` entry; arguments as JSON text, non-ASCII kept."""
    call_id = _require_call_id(call_id, name, index)
    if not isinstance(name, str) or not name:
        msg = f"message {index}: tool call {call_id!r} has no function name"
        raise GradientInvalidInputError(msg)
    try:
        arguments = json.dumps(args, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        msg = f"message {index}: arguments of tool call {name!r} are not JSON-serialisable: {exc}"
        raise GradientInvalidInputError(msg) from exc
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }
