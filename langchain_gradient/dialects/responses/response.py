"""A whole (non-streamed) Responses-API reply -> `ChatResult`.

The reply is read item by item (`output`), restated as the one-choice Chat
Completions body it is equivalent to, and mapped by the Chat Completions
mapper (`_response.chat_result`). So content, ``tool_calls`` /
``invalid_tool_calls`` (argument parsing, kept ids), ``usage_metadata``
(cached and reasoning tokens) and ``response_metadata`` (``model_name``,
``id``, ``created``, ``finish_reason``, ...) follow exactly the conventions of
a Chat Completions reply; what only this API has is added on top:

- ``response_metadata["status"]`` and ``["incomplete_details"]``;
- ``status: "incomplete"`` -> ``finish_reason`` ``"length"`` (or
  ``"content_filter"``), the truncation outcome structured output raises on;
- ``additional_kwargs["annotations"]`` (citations on the text) and
  ``additional_kwargs["server_output_items"]`` (output items of server-side
  tools, as sent), when there are any;
- ``llm_output["token_usage"]`` is the usage as the server sent it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.outputs import ChatResult

from langchain_gradient._response import chat_result
from langchain_gradient._values import quote
from langchain_gradient.dialects.responses.output import (
    ANNOTATIONS_KEY,
    REASONING_SEPARATOR,
    SERVER_ITEMS_KEY,
    annotations_of,
    chat_usage,
    check_status,
    finish_reason_of,
    function_call_of,
    item_parts,
    response_fields,
    status_metadata,
)
from langchain_gradient.errors import GradientResponseError

__all__ = ["responses_result"]

_MAPPED_ITEMS = frozenset({"message", "text", "reasoning", "function_call"})


def responses_result(body: Any, requested_model: str) -> ChatResult:
    """Map a ``response`` object from ``POST /responses`` to a `ChatResult`.

    A body with ``choices`` and no ``output`` (a chat-shaped reply, which
    gradient-python's v3.12 model allows) is mapped as the Chat Completions
    body it is.

    Args:
        body: The decoded JSON body.
        requested_model: The model asked for (``model_name`` when the body
            names none).

    Raises:
        GradientResponseError: for a body that is not a response object, a
            failed, cancelled or unfinished response, or an ``error``.

    Example:
        >>> body = {
        ...     "id": "resp_1", "object": "response", "status": "completed",
        ...     "model": "openai-gpt-oss-20b",
        ...     "output": [{"type": "message", "role": "assistant",
        ...                 "content": [{"type": "output_text", "text": "Paris."}]}],
        ...     "usage": {"input_tokens": 9, "output_tokens": 2, "total_tokens": 11},
        ... }
        >>> message = responses_result(body, "openai-gpt-oss-20b").generations[0].message
        >>> message.content, message.response_metadata["finish_reason"]
        ('Paris.', 'stop')
    """
    if not isinstance(body, dict):
        msg = f"expected a JSON object from /responses, got {quote(body)}"
        raise GradientResponseError(msg)
    if "output" not in body and "choices" in body:
        return _chat_shaped(body, requested_model)
    check_status(body)
    output = body.get("output")
    if not isinstance(output, list):
        msg = f"response has no output list: {quote(body)}"
        raise GradientResponseError(msg)
    message, extras = _read_output(output)
    finish_reason = finish_reason_of(
        body, has_calls=bool(message.get("tool_calls")), incomplete=False
    )
    completion = {
        **response_fields(body),
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": chat_usage(body.get("usage")),
    }
    result = chat_result(completion, requested_model)
    reply = result.generations[0].message
    reply.response_metadata.update(status_metadata(body, incomplete=False))
    reply.additional_kwargs.update(extras)
    _keep_raw_usage(result, body)
    return result


def _read_output(output: list[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The output items as one Chat Completions ``message``, and what it cannot hold."""
    text: list[str] = []
    refusal: list[str] = []
    reasoning: list[str] = []
    calls: list[dict[str, Any]] = []
    annotations: list[Any] = []
    server_items: list[Any] = []
    for position, item in enumerate(output):
        if not isinstance(item, Mapping):
            msg = f"output item {position} is not an object: {quote(item)}"
            raise GradientResponseError(msg)
        kind = item.get("type")
        if not isinstance(kind, str) or kind not in _MAPPED_ITEMS:
            server_items.append(item)
            continue
        if kind == "function_call":
            calls.append(function_call_of(item))
            continue
        for part in item_parts(item):
            if part.kind == "text":
                text.append(part.text)
            elif part.kind == "refusal":
                refusal.append(part.text)
            elif part.text:
                reasoning.append(part.text)
        annotations.extend(annotations_of(item))
    message: dict[str, Any] = {"role": "assistant", "content": "".join(text)}
    if reasoning:
        message["reasoning_content"] = REASONING_SEPARATOR.join(reasoning)
    if refusal:
        message["refusal"] = "".join(refusal)
    if calls:
        message["tool_calls"] = calls
    extras: dict[str, Any] = {}
    if annotations:
        extras[ANNOTATIONS_KEY] = annotations
    if server_items:
        extras[SERVER_ITEMS_KEY] = server_items
    return message, extras


def _chat_shaped(body: dict[str, Any], requested_model: str) -> ChatResult:
    result = chat_result({**body, "usage": chat_usage(body.get("usage"))}, requested_model)
    _keep_raw_usage(result, body)
    return result


def _keep_raw_usage(result: ChatResult, body: Mapping[str, Any]) -> None:
    if result.llm_output is not None and isinstance(body.get("usage"), dict):
        result.llm_output["token_usage"] = body["usage"]
