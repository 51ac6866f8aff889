"""LangChain messages, content blocks, tools and options -> a request body.

Pure functions: plain LangChain objects in, a JSON-ready ``dict`` out. Nothing
here does I/O or knows about `ChatGradient`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.block_translators.openai import (
    convert_to_openai_data_block,
)

from langchain_gradient.errors import GradientInvalidInputError

__all__ = [
    "DEVELOPER_ROLE_KEY",
    "build_payload",
    "format_content",
    "message_to_dict",
    "messages_to_dicts",
    "validate_params",
]

DEVELOPER_ROLE_KEY = "__openai_role__"
"""``SystemMessage(..., additional_kwargs={DEVELOPER_ROLE_KEY: "developer"})``
sends the message with the ``developer`` role (the key ChatOpenAI uses too)."""

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
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
# Block types that carry an image or a video (accepted on user turns only).
_MEDIA_BLOCKS = frozenset({"image", "image_url", "video", "video_url", "file"})
_NUMERIC_RANGES: dict[str, tuple[float, float]] = {
    "temperature": (0.0, 2.0),
    "top_p": (0.0, 1.0),
    "frequency_penalty": (-2.0, 2.0),
    "presence_penalty": (-2.0, 2.0),
    "top_logprobs": (0, 20),
    "n": (1, 128),
}


def build_payload(
    messages: Sequence[BaseMessage],
    params: Mapping[str, Any],
    *,
    stream: bool,
    echo_reasoning: bool = False,
) -> dict[str, Any]:
    """Assemble the JSON body of one ``POST /chat/completions``.

    Args:
        messages: The conversation.
        params: ``model`` and every other body field, already merged from the
            model's configuration and the call's keyword arguments; ``None``
            values are dropped. ``stream_options`` is kept only when streaming.
        stream: Whether to ask for server-sent events.
        echo_reasoning: Send ``reasoning_content`` back on assistant turns with
            tool calls.

    Returns:
        The request body.
    """
    body: dict[str, Any] = {"messages": messages_to_dicts(messages, echo_reasoning=echo_reasoning)}
    for key, value in params.items():
        if value is not None:
            body[key] = value
    validate_params(body)
    if stream:
        body["stream"] = True
    else:
        # The API answers 400 to stream_options on a non-streaming request.
        body.pop("stream_options", None)
        body.pop("stream", None)
    return body


def validate_params(body: Mapping[str, Any]) -> None:
    """Reject parameter values the API is documented to refuse.

    Raises:
        GradientInvalidInputError: naming the parameter and its allowed range.
    """
    for name, (low, high) in _NUMERIC_RANGES.items():
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            msg = f"{name} must be a number, got {value!r}"
            raise GradientInvalidInputError(msg)
        if not low <= value <= high:
            msg = f"{name} must be between {low:g} and {high:g}, got {value!r}"
            raise GradientInvalidInputError(msg)
    for name in ("max_tokens", "max_completion_tokens"):
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or value < 0):
            msg = f"{name} must be a non-negative integer, got {value!r}"
            raise GradientInvalidInputError(msg)
    n = body.get("n")
    if isinstance(n, float) and not n.is_integer():
        msg = f"n must be a whole number, got {n!r}"
        raise GradientInvalidInputError(msg)
    stop = body.get("stop")
    if stop is not None and not isinstance(stop, (str, list)):
        msg = f"stop must be a string or a list of strings, got {stop!r}"
        raise GradientInvalidInputError(msg)


def messages_to_dicts(
    messages: Sequence[BaseMessage], *, echo_reasoning: bool = False
) -> list[dict[str, Any]]:
    """Convert a conversation to the API's ``messages`` array."""
    call_ids = legacy_function_call_ids(messages)
    return [
        message_to_dict(message, index, echo_reasoning=echo_reasoning, call_id=call_ids.get(index))
        for index, message in enumerate(messages)
    ]


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


def message_to_dict(
    message: BaseMessage,
    index: int = 0,
    *,
    echo_reasoning: bool = False,
    call_id: str | None = None,
) -> dict[str, Any]:
    """Convert one LangChain message to one API message.

    Args:
        message: The message.
        index: Its position in the conversation, quoted in errors.
        echo_reasoning: Include ``reasoning_content`` on assistant messages that
            carry tool calls.
        call_id: The id of a legacy function call this message makes or answers
            (see `legacy_function_call_ids`).

    Raises:
        GradientInvalidInputError: for a role or content block the API cannot take.
    """
    if call_id is not None and isinstance(message, FunctionMessage):
        # A legacy function result: a tool message answering its call's id.
        return {
            "role": "tool",
            "tool_call_id": call_id,
            "content": format_content(message.content, index, "tool"),
        }
    if isinstance(message, HumanMessage):
        result: dict[str, Any] = {
            "role": "user",
            "content": format_content(message.content, index, "user"),
        }
    elif isinstance(message, AIMessage):
        result = _assistant_to_dict(message, index, echo_reasoning, call_id)
    elif isinstance(message, SystemMessage):
        role = message.additional_kwargs.get(DEVELOPER_ROLE_KEY, "system")
        if role not in ("system", "developer"):
            msg = f"message {index}: unsupported system role {role!r}"
            raise GradientInvalidInputError(msg)
        result = {"role": role, "content": format_content(message.content, index, role)}
    elif isinstance(message, ToolMessage):
        result = {
            "role": "tool",
            "tool_call_id": message.tool_call_id,
            "content": format_content(message.content, index, "tool"),
        }
    elif isinstance(message, ChatMessage):
        role = "user" if message.role == "human" else message.role
        if role == "ai":
            role = "assistant"
        if role not in _ROLES:
            msg = (
                f"message {index}: unknown role {message.role!r}; the API accepts "
                f"{', '.join(sorted(_ROLES))}"
            )
            raise GradientInvalidInputError(msg)
        result = {"role": role, "content": format_content(message.content, index, role)}
    elif isinstance(message, FunctionMessage):
        msg = (
            f"message {index}: a FunctionMessage must answer the legacy function_call "
            "of the assistant message right before it (or use a ToolMessage answering "
            "a tool call)"
        )
        raise GradientInvalidInputError(msg)
    else:
        msg = (
            f"message {index}: unsupported message type {type(message).__name__} "
            f"(role {message.type!r})"
        )
        raise GradientInvalidInputError(msg)
    if message.name:
        result["name"] = message.name
    return result


def _assistant_to_dict(
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
                parts.append(_text_part({"text": block["refusal"]}, index))
            continue
        if kind != "text":
            msg = (
                f"message {index}: assistant content block of type {kind!r} cannot "
                "be sent to the API (assistant turns take text; images and other media "
                "only go in user messages)"
            )
            raise GradientInvalidInputError(msg)
        parts.append(_text_part(block, index))
    if any("cache_control" in part or _BREAKPOINT in part for part in parts):
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


def format_content(content: str | list[Any], index: int, role: str) -> str | list[dict[str, Any]]:
    """Convert message content to the API's ``content`` (a string or parts).

    User turns take text, image and video parts; system, developer and tool
    turns take text parts only (the API's message schema). Text stays text, with
    ``cache_control`` and ``prompt_cache_breakpoint`` kept (top-level, or in
    ``extras``, LangChain v1 style; the breakpoint on media parts too). An empty
    list is sent as ``""``. LangChain standard ``image``/``video`` blocks (v1 ``url`` or
    ``base64`` + ``mime_type``, v0 ``source_type``), ``file`` blocks with an image
    or video mime type, OpenAI ``image_url``/``video_url`` parts (``detail``
    kept) and Anthropic image ``source`` blocks become ``image_url``/``video_url``
    parts.

    Args:
        content: A message's ``content``.
        index: The message's position in the conversation, quoted in errors.
        role: The API role the message is sent with.

    Returns:
        A string, or the list of API content parts.

    Raises:
        GradientInvalidInputError: naming the block type and the message index
            for anything the API cannot take (audio, PDF and other files, file
            ids, media outside user turns, ``cache_control`` on a non-text part).
    """
    if isinstance(content, str):
        return content
    if not content:
        # No parts: the empty string, which every server takes (an empty parts
        # array is not valid content for some).
        return ""
    return [_content_part(block, index, role) for block in content]


def _content_part(block: Any, index: int, role: str) -> dict[str, Any]:
    if isinstance(block, str):
        return {"type": "text", "text": block}
    if not isinstance(block, dict):
        msg = f"message {index}: content item of type {type(block).__name__} is not a block"
        raise GradientInvalidInputError(msg)
    kind = block.get("type")
    if kind == "text":
        return _text_part(block, index)
    if kind in _MEDIA_BLOCKS and role == "user":
        if _cache_control(block, index) is not None:
            msg = (
                f"message {index}: cache_control on a {kind!r} block is not supported; "
                "the API accepts cache_control on text parts only"
            )
            raise GradientInvalidInputError(msg)
        part = _url_part(block, index) if kind in ("image_url", "video_url") else None
        return _with_breakpoint(block, part or _media_part(block, index))
    msg = (
        f"message {index} ({role}): content block of type {kind!r} is not supported "
        "by the Gradient chat completions API"
    )
    if kind in _MEDIA_BLOCKS:
        msg += "; images and videos are only accepted in user messages"
    else:
        msg += " (user messages take text, image and video parts; other roles take text)"
    raise GradientInvalidInputError(msg)


def _cache_control(block: Mapping[str, Any], index: int | None) -> dict[str, Any] | None:
    """A block's ``cache_control``: top-level (Anthropic) or in ``extras`` (LangChain v1)."""
    value = block.get("cache_control")
    if value is None and isinstance(block.get("extras"), dict):
        value = block["extras"].get("cache_control")
    if value is None:
        return None
    if not isinstance(value, dict):
        where = "" if index is None else f"message {index}: "
        msg = (
            f"{where}cache_control must be an object such as "
            f"{{'type': 'ephemeral', 'ttl': '5m'}}, got {value!r}"
        )
        raise GradientInvalidInputError(msg)
    return dict(value)


def _text_part(block: Mapping[str, Any], index: int | None = None) -> dict[str, Any]:
    text = block.get("text")
    if not isinstance(text, str):
        where = "" if index is None else f"message {index}: "
        msg = f"{where}text block has no string 'text': {block!r}"[:200]
        raise GradientInvalidInputError(msg)
    part: dict[str, Any] = {"type": "text", "text": text}
    cache_control = _cache_control(block, index)
    if cache_control is not None:
        part["cache_control"] = cache_control
    return _with_breakpoint(block, part)


_BREAKPOINT = "prompt_cache_breakpoint"


def _with_breakpoint(block: Mapping[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """``part`` with the block's ``prompt_cache_breakpoint``, as ``ChatOpenAI`` sends it.

    OpenAI's cache mark, top-level or in ``extras`` (LangChain v1); the block's
    own wins. Its presence decides, not its truth: a ``None`` is sent as given.
    """
    extras = block.get("extras")
    if _BREAKPOINT in block:
        part[_BREAKPOINT] = block[_BREAKPOINT]
    elif isinstance(extras, Mapping) and _BREAKPOINT in extras:
        part[_BREAKPOINT] = extras[_BREAKPOINT]
    return part


def _url_part(block: Mapping[str, Any], index: int) -> dict[str, Any]:
    kind = block["type"]
    inner = block.get(kind)
    if isinstance(inner, str):
        inner = {"url": inner}
    if not isinstance(inner, dict) or not isinstance(inner.get("url"), str):
        msg = f"message {index}: {kind} block needs {{'{kind}': {{'url': ...}}}}"
        raise GradientInvalidInputError(msg)
    return {"type": kind, kind: dict(inner)}


def _media_part(block: Mapping[str, Any], index: int) -> dict[str, Any]:
    kind = block["type"]
    source = block.get("source")
    if kind == "image" and isinstance(source, dict):
        return _anthropic_image(source, index)
    mime_type = str(block.get("mime_type") or "")
    if kind == "file":
        # Gradient has no file part; images and videos sent as files still fit.
        if mime_type.startswith("image/"):
            kind = "image"
        elif mime_type.startswith("video/"):
            kind = "video"
        else:
            msg = (
                f"message {index}: file block with mime type {mime_type or 'unknown'!r} "
                "is not supported (Gradient chat completions accepts text, image and "
                "video parts only)"
            )
            raise GradientInvalidInputError(msg)
    if "file_id" in block or block.get("source_type") == "id":
        msg = f"message {index}: {kind} block referencing a file id is not supported"
        raise GradientInvalidInputError(msg)
    try:
        part = convert_to_openai_data_block({**block, "type": "image"})
    except (KeyError, ValueError) as exc:
        msg = f"message {index}: {block.get('type')!r} block cannot be converted: {exc}"
        raise GradientInvalidInputError(msg) from exc
    url_part: dict[str, Any] = part["image_url"]
    extras = block.get("extras")
    detail = block.get("detail") or (extras.get("detail") if isinstance(extras, dict) else None)
    if detail and kind == "image":
        url_part["detail"] = detail
    if kind == "video":
        return {"type": "video_url", "video_url": url_part}
    return part


def _anthropic_image(source: Mapping[str, Any], index: int) -> dict[str, Any]:
    source_type = source.get("type")
    if source_type == "base64":
        data, media_type = source.get("data"), source.get("media_type")
        if not isinstance(data, str) or not data or not isinstance(media_type, str):
            msg = f"message {index}: base64 image source needs 'data' and 'media_type'"
            raise GradientInvalidInputError(msg)
        url = f"data:{media_type};base64,{data}"
    elif source_type == "url" and isinstance(source.get("url"), str):
        url = source["url"]
    else:
        msg = (
            f"message {index}: image source of type {source_type!r} is not supported "
            "(use 'base64' with 'media_type', or 'url')"
        )
        raise GradientInvalidInputError(msg)
    return {"type": "image_url", "image_url": {"url": url}}


def check_tool_name(name: Any) -> None:
    """Raise if ``name`` is not a function name the API accepts."""
    if not isinstance(name, str) or not _TOOL_NAME.match(name):
        msg = (
            f"tool name {name!r} is invalid: the API requires 1-64 characters "
            "from a-z, A-Z, 0-9, '_' and '-'"
        )
        raise GradientInvalidInputError(msg)
