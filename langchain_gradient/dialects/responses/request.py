"""LangChain messages and request options -> the body of one ``POST /responses``.

The face speaks one vocabulary for options whichever API a call goes to: the
Chat Completions names its settings, ``bind_tools`` and
``with_structured_output`` already produce (``max_tokens``,
``reasoning_effort``, nested ``{"type": "function", "function": {...}}``
tools, ``response_format``). This builder translates them, so a model bound
once can be called on either API and a per-call choice of API needs no
re-binding:

=========================================  ============================================
given (Chat Completions names)             sent to ``/responses``
=========================================  ============================================
messages                                   ``input`` items (below)
``max_output_tokens`` / ``max_completion_  ``max_output_tokens`` (the first one set, in
tokens`` / ``max_tokens``                  that order)
``reasoning_effort``, ``reasoning``        ``reasoning: {"effort": ..., ...}``
``response_format``                        ``text: {"format": {...}}`` (flat json_schema)
``tools``                                  flat ``{"type": "function", "name", ...}``;
                                           server-side tools as given
``tool_choice``                            ``"auto"``/``"none"``/``"required"``, or
                                           ``{"type": "function", "name": ...}``
``n`` = 1                                  nothing (``n`` > 1 raises: one reply per call)
``stream_options``                         kept when streaming (Gradient's spec lists
                                           ``include_usage``), dropped otherwise
anything else                              sent as given (``instructions``,
                                           ``previous_response_id``, ``store``, ...)
=========================================  ============================================

``frequency_penalty``, ``presence_penalty``, ``logit_bias``, ``logprobs``,
``top_logprobs`` and ``seed`` have no counterpart here and raise before
anything is sent.

Messages are converted by the Chat Completions converter first
(`_request.message_to_dict`, which owns every rule about content blocks,
images, roles and tool-call ids), then restated as input items: user,
system and developer turns as ``message`` items (text parts ``input_text``,
images ``input_image``), assistant turns as a ``message`` item (text parts
``output_text``) followed by one ``function_call`` item per tool call (the
call's id as ``call_id``), tool results as ``function_call_output`` items
(their text as one string, or as parts when a part carries a cache mark).
System messages stay where they are in the conversation (as ``system`` or
``developer`` items) rather than being folded into ``instructions``, which
holds one string and no position. Message ``name`` fields have no place in an
input item and are not sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import BaseMessage

from langchain_gradient._request import message_to_dict, validate_params
from langchain_gradient._text_parts import CACHE_MARKS
from langchain_gradient.errors import GradientInvalidInputError

__all__ = [
    "PATH",
    "build_payload",
    "flat_tool_choice",
    "flat_tools",
    "input_items",
    "translate_options",
]

PATH = "responses"
"""The endpoint, relative to ``base_url``."""

_NO_COUNTERPART = (
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
    "logprobs",
    "top_logprobs",
    "seed",
)
_TOKEN_LIMITS = ("max_output_tokens", "max_completion_tokens", "max_tokens")
_CHOICE_KEYWORDS = ("auto", "none", "required")


def build_payload(
    messages: Sequence[BaseMessage],
    params: Mapping[str, Any],
    *,
    stream: bool,
    echo_reasoning: bool = False,
) -> dict[str, Any]:
    """Assemble the JSON body of one ``POST /responses``.

    The signature is the Chat Completions builder's (`_request.build_payload`),
    so the face calls whichever dialect it chose the same way.

    Args:
        messages: The conversation.
        params: ``model`` and every other option, merged from the model's
            configuration and the call's keyword arguments, in Chat
            Completions names (see the module docstring); ``None`` values
            are dropped.
        stream: Whether to ask for server-sent events.
        echo_reasoning: Send an assistant turn's ``reasoning_content`` back as
            a ``reasoning`` item before its function calls.

    Returns:
        The request body.

    Raises:
        GradientInvalidInputError: for an option this API has no counterpart
            for, conflicting options, a value out of range, or a message the
            API cannot take; always before anything is sent.

    Example:
        >>> from langchain_core.messages import HumanMessage, SystemMessage
        >>> build_payload(
        ...     [SystemMessage("Be brief."), HumanMessage("Hi")],
        ...     {"model": "openai-gpt-oss-20b", "max_tokens": 64, "reasoning_effort": "low"},
        ...     stream=False,
        ... )  # doctest: +NORMALIZE_WHITESPACE
        {'input': [{'type': 'message', 'role': 'system', 'content': 'Be brief.'},
                   {'type': 'message', 'role': 'user', 'content': 'Hi'}],
         'model': 'openai-gpt-oss-20b', 'max_output_tokens': 64,
         'reasoning': {'effort': 'low'}}
    """
    body: dict[str, Any] = {"input": input_items(messages, echo_reasoning=echo_reasoning)}
    body.update(translate_options(params))
    if stream:
        body["stream"] = True
    else:
        body.pop("stream_options", None)
        body.pop("stream", None)
    return body


def translate_options(params: Mapping[str, Any]) -> dict[str, Any]:
    """Options in Chat Completions names -> the Responses API's fields (module docstring).

    Raises:
        GradientInvalidInputError: see `build_payload`.
    """
    options = {key: value for key, value in params.items() if value is not None}
    validate_params(options)
    if "input" in options:
        msg = "'input' is built from the messages; pass the conversation as messages"
        raise GradientInvalidInputError(msg)
    for name in _NO_COUNTERPART:
        if name in options:
            msg = (
                f"{name} has no counterpart on the Responses API; unset it, or call "
                "this model on Chat Completions"
            )
            raise GradientInvalidInputError(msg)
    n = options.pop("n", 1)
    if n != 1:
        msg = f"the Responses API returns one reply per call; n={n!r} needs Chat Completions"
        raise GradientInvalidInputError(msg)
    limits = [options.pop(name) for name in _TOKEN_LIMITS if name in options]
    if limits:
        options["max_output_tokens"] = _token_limit(limits[0])
    reasoning = _reasoning(options.pop("reasoning", None), options.pop("reasoning_effort", None))
    if reasoning is not None:
        options["reasoning"] = reasoning
    if "response_format" in options:
        options["text"] = _text_format(options.pop("response_format"), options.get("text"))
    if "tools" in options:
        options["tools"] = flat_tools(options["tools"])
    if "tool_choice" in options:
        options["tool_choice"] = flat_tool_choice(options["tool_choice"])
    return options


def _token_limit(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"max_output_tokens must be a whole number of at least 1, got {value!r}"
        raise GradientInvalidInputError(msg)
    return value


def _reasoning(reasoning: Any, effort: Any) -> dict[str, Any] | None:
    """``reasoning`` with ``reasoning_effort`` folded in as its ``effort``."""
    if reasoning is not None and not isinstance(reasoning, Mapping):
        msg = f"reasoning must be an object such as {{'effort': 'low'}}, got {reasoning!r}"
        raise GradientInvalidInputError(msg)
    merged = dict(reasoning or {})
    if effort is not None:
        if merged.get("effort", effort) != effort:
            msg = (
                f"reasoning_effort={effort!r} conflicts with reasoning['effort']="
                f"{merged['effort']!r}; set one of them"
            )
            raise GradientInvalidInputError(msg)
        merged["effort"] = effort
    return merged or None


def _text_format(response_format: Any, text: Any) -> dict[str, Any]:
    """``response_format`` as ``text.format`` (a ``json_schema``'s fields flattened)."""
    if text is not None and (not isinstance(text, Mapping) or "format" in text):
        msg = "response_format and text.format both set the output format; set one of them"
        raise GradientInvalidInputError(msg)
    if not isinstance(response_format, Mapping) or not isinstance(response_format.get("type"), str):
        msg = f"response_format must be an object with a 'type', got {response_format!r}"
        raise GradientInvalidInputError(msg)
    fmt = dict(response_format)
    if fmt["type"] == "json_schema":
        schema = fmt.pop("json_schema", None)
        if not isinstance(schema, Mapping) or not schema.get("name"):
            msg = "response_format of type 'json_schema' needs {'json_schema': {'name', 'schema'}}"
            raise GradientInvalidInputError(msg)
        fmt.update(schema)
    return {**(text or {}), "format": fmt}


def flat_tools(tools: Any) -> list[Any]:
    """Nested function tools -> the flat Responses shape; other tools as given.

    ``{"type": "function", "function": {"name", "description", "parameters",
    "strict"}, **extra}`` becomes ``{"type": "function", "name", "description",
    "parameters", "strict", **extra}``; server-side tools (``web_search``,
    ``mcp``, ...) and tools already flat pass unchanged.
    """
    if not isinstance(tools, list):
        msg = f"tools must be a list, got {type(tools).__name__}"
        raise GradientInvalidInputError(msg)
    flat = []
    for tool in tools:
        function = tool.get("function") if isinstance(tool, Mapping) else None
        if isinstance(function, Mapping) and tool.get("type") == "function":
            extra = {k: v for k, v in tool.items() if k not in ("type", "function")}
            flat.append({"type": "function", **function, **extra})
        else:
            flat.append(tool)
    return flat


def flat_tool_choice(choice: Any) -> Any:
    """A ``tool_choice`` in the Responses form.

    Keywords pass (``"any"`` and ``True`` mean ``"required"``, as in
    `_tools.format_tool_choice`); a tool's name or a nested ``{"type":
    "function", "function": {"name"}}`` becomes ``{"type": "function",
    "name"}``; other dicts (a server-side tool, ``allowed_tools``) as given.
    """
    if choice is True or choice == "any":
        return "required"
    if isinstance(choice, str) and choice not in _CHOICE_KEYWORDS:
        return {"type": "function", "name": choice}
    if isinstance(choice, Mapping):
        function = choice.get("function")
        if choice.get("type") == "function" and isinstance(function, Mapping):
            return {"type": "function", "name": function.get("name")}
    return choice


# ----------------------------------------------------------------- input


def input_items(
    messages: Sequence[BaseMessage], *, echo_reasoning: bool = False
) -> list[dict[str, Any]]:
    """The conversation as the API's ``input`` items (module docstring).

    Raises:
        GradientInvalidInputError: for a message or block the API cannot take,
            naming the message's index.
    """
    items: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        converted = message_to_dict(message, index, echo_reasoning=echo_reasoning)
        items.extend(_items_of(converted, index))
    return items


def _items_of(message: Mapping[str, Any], index: int) -> list[dict[str, Any]]:
    role = message["role"]
    if role == "tool":
        call_id = message.get("tool_call_id")
        if not isinstance(call_id, str) or not call_id:
            msg = f"message {index}: a tool result needs the tool_call_id of the call it answers"
            raise GradientInvalidInputError(msg)
        return [
            {
                "type": "function_call_output",
                "call_id": call_id,
                "output": _output(message.get("content"), index),
            }
        ]
    if role != "assistant":
        content = _parts(message["content"], index, "input_text")
        return [{"type": "message", "role": role, "content": content}]
    items: list[dict[str, Any]] = []
    reasoning = message.get("reasoning_content")
    if isinstance(reasoning, str) and reasoning:
        items.append(
            {
                "type": "reasoning",
                "summary": [],
                "content": [{"type": "reasoning_text", "text": reasoning}],
            }
        )
    content = message.get("content")
    calls = message.get("tool_calls") or []
    if content or not calls:  # an empty turn keeps its place; calls carry their own
        content = _parts(content or "", index, "output_text")
        items.append({"type": "message", "role": "assistant", "content": content})
    for call in calls:
        function = call.get("function") if isinstance(call, Mapping) else None
        if not isinstance(function, Mapping):
            msg = f"message {index}: tool call {call!r} has no function"
            raise GradientInvalidInputError(msg)
        items.append(
            {
                "type": "function_call",
                "call_id": call.get("id"),
                "name": function.get("name"),
                "arguments": _arguments(function.get("arguments"), index),
            }
        )
    return items


def _arguments(arguments: Any, index: int) -> str:
    if isinstance(arguments, str):
        return arguments
    try:
        return json.dumps(arguments, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        msg = f"message {index}: tool call arguments are not JSON-serialisable: {exc}"
        raise GradientInvalidInputError(msg) from exc


def _output(content: Any, index: int) -> Any:
    """A tool result as ``output``: one string (text parts joined), as Gradient's SDK types it.

    Parts that carry a cache mark (``cache_control``, ``prompt_cache_breakpoint``)
    are sent as ``input_text`` parts instead, the list form OpenAI's API takes,
    so the mark reaches the wire as it does on Chat Completions.
    """
    if isinstance(content, str):
        return content
    parts = [part for part in content or [] if isinstance(part, Mapping)]
    if any(key in part for part in parts for key in CACHE_MARKS):
        return _parts(parts, index, "input_text")
    return "".join(part.get("text", "") for part in parts)


def _parts(content: Any, index: int, text_type: str) -> Any:
    """Chat Completions content (a string or parts) -> Responses content.

    Text parts become ``text_type`` parts (``input_text`` on user, system and
    developer turns, ``output_text`` on assistant turns; ``cache_control`` and
    ``prompt_cache_breakpoint`` kept), image parts ``input_image`` parts (a
    ``prompt_cache_breakpoint`` kept, as ChatOpenAI sends it).
    """
    if isinstance(content, str):
        return content
    parts = []
    for part in content:
        kind = part.get("type")
        if kind == "text":
            parts.append({**part, "type": text_type})
        elif kind == "image_url":
            image = part["image_url"]
            detail = image.get("detail") or "auto"
            marks = {key: part[key] for key in CACHE_MARKS if key in part}
            parts.append(
                {"type": "input_image", "image_url": image["url"], "detail": detail, **marks}
            )
        else:
            msg = f"message {index}: a {kind!r} part has no counterpart on the Responses API"
            raise GradientInvalidInputError(msg)
    return parts
