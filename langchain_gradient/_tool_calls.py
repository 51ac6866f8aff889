"""Tool calls in responses: argument parsing, invalid calls, derived ids.

A call is never dropped: arguments that do not parse to a JSON object become an
`InvalidToolCall` with the raw text and the reason. Ids are kept exactly, and
derived deterministically where the API sent none.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from langchain_core.messages import InvalidToolCall, ToolCall
from langchain_core.messages.tool import invalid_tool_call, tool_call

from langchain_gradient._values import quote
from langchain_gradient.errors import GradientResponseError

__all__ = [
    "arguments_text",
    "derive_tool_call_id",
    "id_of_call",
    "parse_arguments",
    "parse_tool_calls",
    "release_arguments",
]


def derive_tool_call_id(seed: str, index: int) -> str:
    """A stable tool-call id for a call the API sent without one.

    A hash of ``seed`` (the response's id, creation time, model and choice,
    plus the call's own content where known) and the call's position: the same
    response always yields the same id, so recordings replay identically, and
    different responses yield different ids. Never random.
    """
    digest = hashlib.sha256(f"{seed}|{index}".encode()).hexdigest()
    return f"call_{digest[:24]}"


def arguments_text(arguments: Any) -> str | None:
    r"""A call's ``arguments`` as the JSON text the API is meant to send.

    Some servers send an object (or another JSON value) instead of a string;
    non-ASCII characters are kept as characters, never ``\u`` escapes.
    """
    if arguments is None or isinstance(arguments, str):
        return arguments
    return json.dumps(arguments, ensure_ascii=False)


def parse_arguments(text: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """Parse a complete ``arguments`` string: ``(args, None)`` or ``(None, error)``.

    Empty, missing and ``"null"`` arguments mean a call without arguments
    (``{}``). A JSON string that itself holds an object (arguments encoded
    twice, which some open-weight models emit) is decoded once more. Anything
    else that is not a JSON object is an error.
    """
    if text is None or not text.strip():
        return {}, None
    try:
        value = json.loads(text, strict=False)
    except ValueError as exc:
        return None, f"arguments are not valid JSON: {exc}"
    if isinstance(value, str):
        try:
            inner = json.loads(value, strict=False)
        except ValueError:
            inner = None
        if isinstance(inner, dict):
            value = inner
    if value is None:
        return {}, None
    if not isinstance(value, dict):
        return None, f"arguments are a JSON {type(value).__name__}, not an object"
    return value, None


def parse_tool_calls(raw_calls: Any, seed: str) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    """A message's ``tool_calls`` -> LangChain tool calls and invalid tool calls.

    Nothing is dropped: a call whose arguments do not parse to an object, or
    that has no function name, becomes an `InvalidToolCall` carrying the raw
    arguments and the reason. Ids are kept exactly; a missing id is derived
    from the response and the calls (`derive_tool_call_id`).
    """
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    if raw_calls is None:
        return calls, invalid
    if not isinstance(raw_calls, list):
        msg = f"message.tool_calls is not a list: {quote(raw_calls)}"
        raise GradientResponseError(msg)
    # The calls' content joins the seed: a response with an empty id (Gradient
    # sends "id": "" for some models) still gets ids of its own.
    content_seed = f"{seed}|{json.dumps(raw_calls, sort_keys=True, default=repr)}"
    for position, raw in enumerate(raw_calls):
        function = raw.get("function") if isinstance(raw, dict) else None
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        call_id = id_of_call(raw_id) or derive_tool_call_id(content_seed, position)
        if not isinstance(function, dict):
            invalid.append(
                invalid_tool_call(
                    name=None,
                    args=quote(raw),
                    id=call_id,
                    error="tool call has no function object",
                )
            )
            continue
        name = function.get("name")
        arguments = arguments_text(function.get("arguments"))
        args, error = parse_arguments(arguments)
        if not isinstance(name, str) or not name:
            error = "tool call has no function name"
            invalid.append(invalid_tool_call(name=None, args=arguments, id=call_id, error=error))
            continue
        if args is None:
            invalid.append(invalid_tool_call(name=name, args=arguments, id=call_id, error=error))
            continue
        calls.append(tool_call(name=name, args=args, id=call_id))
    return calls, invalid


def id_of_call(raw_id: Any) -> str | None:
    """The id a call arrived with, as a string; ``None`` when it has none."""
    if isinstance(raw_id, str) and raw_id:
        return raw_id
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        return str(raw_id)
    return None


def release_arguments(call: dict[str, Any], fragment: str | None) -> str | None:
    """The part of an argument fragment that can be sent now.

    While everything a call has received is blank or a prefix of ``null``, it
    is held back; once the arguments are clearly something else, the held text
    goes out in front of the fragment. Arguments that end as exactly ``null``
    (or blank) are never sent, so the call aggregates to ``{}``.
    """
    if not fragment:
        return None
    if call["flowing"]:
        return fragment
    pending: str = call["held"] + fragment
    if "null".startswith(pending.strip()):
        call["held"] = pending
        return None
    call["held"] = ""
    call["flowing"] = True
    return pending
