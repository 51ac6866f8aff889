"""Tool calls in responses: argument parsing, invalid calls, derived ids, streamed fragments.

A call is never dropped: arguments that do not parse to a JSON object become an
`InvalidToolCall` with the raw text and the reason. Ids are kept exactly, and
derived deterministically where the API sent none. `StreamedToolCalls` sorts a
stream's fragments into calls so that the aggregate has as many calls as the
same reply sent whole.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from langchain_core.messages import InvalidToolCall, ToolCall, ToolCallChunk
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk

from langchain_gradient._values import as_int, quote
from langchain_gradient.errors import GradientResponseError, GradientStreamError

__all__ = [
    "arguments_text",
    "derive_tool_call_id",
    "id_of_call",
    "parse_arguments",
    "parse_tool_calls",
    "StreamedToolCalls",
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


class _Call:
    """What one streamed call has received and what of it was already sent."""

    __slots__ = ("flowing", "held", "id", "name", "name_sent", "sent_id", "text", "wire")

    def __init__(self, wire: int | None, call_id: str | None, name: str | None) -> None:
        self.wire = wire
        """The index the server last sent it under (``None``: never one)."""
        self.id = call_id
        """The id the server gave it (``None``: none yet)."""
        self.name = name
        self.sent_id: str | None = None
        """The id emitted for it (the server's, else derived); ``None`` until emitted."""
        self.name_sent = False
        self.text: list[str] = []
        """Every argument fragment received, held-back ones included."""
        self.held = ""
        """Argument text held back while it may still become ``null``."""
        self.flowing = False
        """Whether argument text is being emitted (nothing more is held back)."""

    def conflicts(self, call_id: str | None, name: str | None) -> bool:
        """Whether a fragment's id or name belongs to another call than this one."""
        return (call_id is not None and self.id not in (None, call_id)) or (
            name is not None and self.name not in (None, name)
        )

    def complete(self) -> bool:
        """Whether the arguments so far are a whole JSON object (more would be a new one)."""
        last = next((piece for piece in reversed(self.text) if piece.strip()), "")
        if not last.rstrip().endswith("}"):  # cheap: most fragments stop here
            return False
        try:
            return isinstance(json.loads("".join(self.text), strict=False), dict)
        except ValueError:
            return False

    def release(self, fragment: str | None) -> str | None:
        """The part of an argument fragment that can be sent now.

        While everything the call has received is blank or a prefix of ``null``,
        it is held back; once the arguments are clearly something else, the
        held text goes out in front of the fragment. Arguments that end as
        exactly ``null`` (or blank) are never sent, so the call aggregates to
        ``{}``.
        """
        if not fragment:
            return None
        if self.flowing:
            return fragment
        pending = self.held + fragment
        if "null".startswith(pending.strip()):
            self.held = pending
            return None
        self.held = ""
        self.flowing = True
        return pending


def _opens_object(fragment: str | None) -> bool:
    return fragment is not None and fragment.lstrip().startswith("{")


class StreamedToolCalls:
    """The tool calls of one streamed choice: fragments in, chunks out.

    Core adds streamed chunks up by merging the tool-call chunks that share an
    ``index`` (``langchain_core.utils._merge.merge_lists``), concatenating their
    ``name``, ``id`` and ``args`` strings. So each call gets an index of its own
    (in order of appearance; the server's ``index`` only helps find the call a
    fragment belongs to), and its id and name are sent once. Two calls given
    one index would aggregate into one call whose arguments are two objects
    back to back, which core's partial-JSON parser reads as the first object
    alone: the second call would vanish without a trace.

    Servers number and identify parallel calls differently (some omit
    ``index``, reuse one index for every call, repeat ids and names on every
    fragment, or give two calls one id), so a fragment starts a new call when:

    - it carries an id or a name other than the call it would continue; an id
      seen before continues that id's call only under the same index and name;
    - its arguments open an object after the call's arguments already form a
      whole JSON object (a server that reuses index and id for two calls);
    - it repeats the name (and no other id) of a call whose arguments are
      whole, and arguments follow (no ids, one index, parallel calls to the
      same tool). A repeated name with nothing after it is ambiguous (a second
      call without arguments, or the name sent again) and is listed by
      `invalid` instead of being guessed.

    One case stays beyond telling: two calls to one tool under one index and
    no ids, the first with no argument text at all, read as one call (a
    server repeating the name on every fragment sends the same events).

    An argument prefix that may still become ``null`` is held back, so that
    ``"null"`` arguments aggregate to ``{}`` rather than to an invalid call.
    """

    __slots__ = ("_by_wire", "_calls", "_repeated", "_unresolved", "seed")

    def __init__(self) -> None:
        self.seed = ""
        """Seed of derived ids: identifies the response and choice (set on its first event)."""
        self._calls: list[_Call] = []
        self._by_wire: dict[int | None, int] = {}
        """Wire index -> the call last seen under it; ``None`` -> the latest call."""
        self._repeated: dict[int | None, tuple[str, str | None]] = {}
        """Wire index -> (name, id) repeated on its whole call, no arguments after them yet."""
        self._unresolved: list[str] = []
        """Repeated names that no arguments followed."""

    def chunks(self, raw_calls: Any) -> list[ToolCallChunk]:
        """One event's ``delta.tool_calls`` -> the chunks to send, each with our index.

        Raises:
            GradientStreamError: if the fragments are not the documented shape.
        """
        if not isinstance(raw_calls, list):
            msg = f"delta.tool_calls is not a list: {quote(raw_calls)}"
            raise GradientStreamError(msg)
        chunks = []
        for raw in raw_calls:
            if not isinstance(raw, dict):
                msg = f"tool call fragment is not an object: {quote(raw)}"
                raise GradientStreamError(msg)
            function = raw.get("function") or {}
            if not isinstance(function, dict):
                msg = f"tool call fragment has a bad function: {quote(raw)}"
                raise GradientStreamError(msg)
            name = function.get("name")
            fragment = arguments_text(function.get("arguments"))
            index = self._place(
                as_int(raw.get("index")),
                id_of_call(raw.get("id")),
                name if isinstance(name, str) and name else None,
                fragment,
            )
            if index is None:
                continue
            call = self._calls[index]
            out_id = None
            if call.sent_id is None:
                seed = f"{self.seed}|{call.name or ''}"
                out_id = call.sent_id = call.id or derive_tool_call_id(seed, index)
            out_name = None
            if call.name and not call.name_sent:
                out_name = call.name
                call.name_sent = True
            if fragment:
                call.text.append(fragment)
            args = call.release(fragment)
            if out_id is None and out_name is None and args is None:
                continue
            chunks.append(tool_call_chunk(name=out_name, args=args, id=out_id, index=index))
        return chunks

    def flush(self) -> list[ToolCallChunk]:
        """Argument text held back as a possible ``null`` that never became one.

        A stream that stops at ``"nu"`` must leave an invalid call, not ``{}``.
        """
        chunks = []
        for index, call in enumerate(self._calls):
            if call.held.strip() not in ("", "null"):
                chunks.append(tool_call_chunk(name=None, args=call.held, id=None, index=index))
                call.held = ""
                call.flowing = True
        return chunks

    def invalid(self) -> list[InvalidToolCall]:
        """The calls a non-streamed reply would list as invalid, by the same rules.

        Core reads a streamed message's ``tool_calls`` with its partial-JSON
        parser, which completes cut-off arguments; this is the strict reading
        of the whole arguments, plus any name repeated with nothing after it.
        """
        invalid = []
        for call in self._calls:
            text = "".join(call.text)
            args, error = parse_arguments(text)
            if args is not None and call.name:
                continue
            error = error or "tool call has no function name"
            invalid.append(
                invalid_tool_call(name=call.name, args=text, id=call.sent_id, error=error)
            )
        for name in [*self._unresolved, *(name for name, _ in self._repeated.values())]:
            error = (
                f"the name {name!r} arrived again, without an id, after its call's arguments "
                "were complete, and no arguments followed: a second call without arguments, "
                "or the name sent twice"
            )
            invalid.append(invalid_tool_call(name=name, args="", id=None, error=error))
        return invalid

    def _place(
        self, wire: int | None, call_id: str | None, name: str | None, fragment: str | None
    ) -> int | None:
        """Our index of the call a fragment belongs to; ``None`` to set it aside."""
        index = self._known(wire, call_id, name)
        more = bool(fragment and fragment.strip())
        if index is not None:
            call = self._calls[index]
            opens = _opens_object(fragment)
            whole = (name is not None or opens) and call.complete()
            if whole and opens:
                index = None  # a second object: a second call
            elif whole and name is not None and call_id in (None, call.id):
                if not more:
                    self._repeated[wire] = (name, call_id)  # what follows decides
                    return None
                index = None  # the same tool called again
            elif more and wire in self._repeated:
                index = None  # the arguments of the call the repeated name began
        if index is None:
            index = self._new_call(wire, call_id, name)
        call = self._calls[index]
        if call.id is None:
            call.id = call_id
        if call.name is None:
            call.name = name
        if wire is not None:
            call.wire = wire
            self._by_wire[wire] = index
        self._by_wire[None] = index
        return index

    def _new_call(self, wire: int | None, call_id: str | None, name: str | None) -> int:
        """Start a call; a name repeated under ``wire`` just before is its name."""
        repeated_name, repeated_id = self._repeated.pop(wire, (None, None))
        if repeated_name is not None and name not in (None, repeated_name):
            self._unresolved.append(repeated_name)  # another tool's call began instead
        elif repeated_name is not None:
            name, call_id = repeated_name, call_id or repeated_id
        self._calls.append(_Call(wire, call_id, name))
        return len(self._calls) - 1

    def _known(self, wire: int | None, call_id: str | None, name: str | None) -> int | None:
        """The call a fragment continues by id or by index, if any; else ``None``.

        A known id wins when index and name agree. Otherwise the server's index
        decides, unless the fragment brings another id or name; a fragment with
        neither index nor id continues the latest call, unless it names
        another tool.
        """
        if call_id is not None:
            for index in range(len(self._calls) - 1, -1, -1):
                call = self._calls[index]
                if (
                    call.id == call_id
                    and (wire is None or call.wire in (None, wire))
                    and not call.conflicts(None, name)
                ):
                    return index
        if wire is None and call_id is not None:
            return None
        found = self._by_wire.get(wire)
        if found is None or self._calls[found].conflicts(call_id, name):
            return None
        return found
