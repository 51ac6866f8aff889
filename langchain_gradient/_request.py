"""LangChain messages, content blocks, tools and options -> a request body.

Pure functions: plain LangChain objects in, a JSON-ready ``dict`` out. Nothing
here does I/O or knows about `ChatGradient`.
"""

from __future__ import annotations

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

from langchain_gradient._assistant_turns import assistant_to_dict, legacy_function_call_ids
from langchain_gradient._text_parts import block_cache_control, text_part, with_breakpoint
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
        result = assistant_to_dict(message, index, echo_reasoning, call_id)
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
        return text_part(block, index)
    if kind in _MEDIA_BLOCKS and role == "user":
        if block_cache_control(block, index) is not None:
            msg = (
                f"message {index}: cache_control on a {kind!r} block is not supported; "
                "the API accepts cache_control on text parts only"
            )
            raise GradientInvalidInputError(msg)
        part = _url_part(block, index) if kind in ("image_url", "video_url") else None
        return with_breakpoint(block, part or _media_part(block, index))
    msg = (
        f"message {index} ({role}): content block of type {kind!r} is not supported "
        "by the Gradient chat completions API"
    )
    if kind in _MEDIA_BLOCKS:
        msg += "; images and videos are only accepted in user messages"
    else:
        msg += " (user messages take text, image and video parts; other roles take text)"
    raise GradientInvalidInputError(msg)


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
