"""Parallel tool calls as different servers stream them, and the same reply sent whole.

Servers agree on the shape of a whole reply's ``tool_calls`` but not on how a
stream numbers and identifies them: vLLM and llama.cpp builds (and others)
omit ``index``, reuse one index for every call, repeat ids and names on every
fragment, or give every call one id. Each `DIALECTS` entry renders the same
calls in one of those ways, so a test can check that streaming keeps every
call the non-streamed reply has::

    events = stream_events(calls, "one index, no ids", size=3)
    body = reply(calls, "one index, no ids")
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from tests.unit_tests.fakes import chunk, completion


@dataclass(frozen=True)
class Call:
    """One call: the tool's name and its arguments as JSON text."""

    name: str
    arguments: str


Fragment = dict[str, Any]
Render = Callable[[list[Call], int], list[list[Fragment]]]
"""Calls, piece size -> the ``delta.tool_calls`` of each event, in order."""


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _fragment(
    index: int | None = None, call_id: str | None = None, name: str | None = None, args: Any = None
) -> Fragment:
    raw: Fragment = {}
    if index is not None:
        raw["index"] = index
    if call_id is not None:
        raw["id"] = call_id
        raw["type"] = "function"
    function = {}
    if name is not None:
        function["name"] = name
    if args is not None:
        function["arguments"] = args
    if function:
        raw["function"] = function
    return raw


def _openai(index: Callable[[int], int | None], call_id: Callable[[int], str | None]) -> Render:
    """A head (id, name, empty arguments), then the arguments in pieces: OpenAI's shape."""

    def render(calls: list[Call], size: int) -> list[list[Fragment]]:
        return [group for k, call in enumerate(calls) for group in _one(k, call, size)]

    def _one(k: int, call: Call, size: int) -> Iterator[list[Fragment]]:
        yield [_fragment(index(k), call_id(k), call.name, "")]
        for piece in _pieces(call.arguments, size):
            yield [_fragment(index(k), args=piece)]

    return render


def _everything_on_every_fragment(
    index: Callable[[int], int | None], call_id: Callable[[int], str | None]
) -> Render:
    def render(calls: list[Call], size: int) -> list[list[Fragment]]:
        return [
            [_fragment(index(k), call_id(k), call.name, piece)]
            for k, call in enumerate(calls)
            for piece in _pieces(call.arguments, size)
        ]

    return render


def _name_with_the_first_piece(calls: list[Call], size: int) -> list[list[Fragment]]:
    """No ids, index 0 for every call, the name on each call's first piece only."""
    groups = []
    for call in calls:
        first, *rest = _pieces(call.arguments, size)
        groups.append([_fragment(0, name=call.name, args=first)])
        groups += [[_fragment(0, args=piece)] for piece in rest]
    return groups


def _interleaved(calls: list[Call], size: int) -> list[list[Fragment]]:
    """Every head first, then the calls' pieces taking turns (ids on the heads only)."""
    groups = [[_fragment(k, f"call_{k}", call.name, "")] for k, call in enumerate(calls)]
    pieces = [_pieces(call.arguments, size) for call in calls]
    for row in zip_longest(*pieces):
        groups += [[_fragment(k, args=piece)] for k, piece in enumerate(row) if piece is not None]
    return groups


def _own(k: int) -> str:
    return f"call_{k}"


def _shared(k: int) -> str:
    return "call_shared"


def _none(k: int) -> None:
    return None


def _zero(k: int) -> int:
    return 0


def _position(k: int) -> int:
    return k


DIALECTS: dict[str, tuple[Render, Callable[[int], str | None]]] = {
    # name: (how the stream looks, the id of call k in the stream and in the whole reply)
    "openai": (_openai(_position, _own), _own),
    "ids and names on every fragment": (_everything_on_every_fragment(_position, _own), _own),
    "one id for every call": (_openai(_position, _shared), _shared),
    "one id and one index for every call": (_everything_on_every_fragment(_zero, _shared), _shared),
    "one index, ids on the heads": (_openai(_zero, _own), _own),
    "one index, no ids": (_name_with_the_first_piece, _none),
    "one index, no ids, name apart": (_openai(_zero, _none), _none),
    "one index, no ids, names on every fragment": (
        _everything_on_every_fragment(_zero, _none),
        _none,
    ),
    "no index, ids on the heads": (_openai(_none, _own), _own),
    "no index, no ids": (_openai(_none, _none), _none),
    "interleaved, ids on the heads": (_interleaved, _own),
}


def stream_events(calls: list[Call], dialect: str, size: int = 4) -> list[Any]:
    """The events of a streamed reply carrying ``calls`` the ``dialect`` way."""
    render, _ = DIALECTS[dialect]
    events: list[Any] = [chunk({"role": "assistant", "content": None})]
    events += [chunk({"tool_calls": group}) for group in render(calls, size)]
    events.append(chunk({}, finish_reason="tool_calls"))
    events.append(chunk(usage={"prompt_tokens": 20, "completion_tokens": 9, "total_tokens": 29}))
    return events


def reply(calls: list[Call], dialect: str) -> dict[str, Any]:
    """The same reply sent whole (the ids the server gives in ``dialect``)."""
    _, call_id = DIALECTS[dialect]
    raw = []
    for k, call in enumerate(calls):
        entry: dict[str, Any] = {
            "type": "function",
            "function": {"name": call.name, "arguments": call.arguments},
        }
        if call_id(k) is not None:
            entry["id"] = call_id(k)
        raw.append(entry)
    return completion(None, finish_reason="tool_calls", tool_calls=raw)


def server_ids(calls: list[Call], dialect: str) -> list[str | None]:
    """The ids the server sends for ``calls`` (``None``: it sends none)."""
    _, call_id = DIALECTS[dialect]
    return [call_id(k) for k in range(len(calls))]
