"""A streamed Responses-API reply -> `ChatGenerationChunk`s.

Two stream shapes are documented for ``POST /responses`` (``gradient-api.md``
§17.6) and both are accepted; the first event decides, and a stream that
mixes them raises:

- **Typed events** (OpenAI's, godo's; the shape llama-server was measured to
  send): ``response.created``, ``response.output_item.added``,
  ``response.output_text.delta``, ``response.function_call_arguments.delta``,
  ``response.reasoning_text.delta``, ..., ``response.completed``. There is
  **no** ``[DONE]`` line: the reply is complete when ``response.completed`` or
  ``response.incomplete`` arrives (`ResponsesStreamMapper.finished` turns
  true); ``response.failed`` and ``error`` events raise `GradientStreamError`.
  A caller checks ``finished`` after the last event, exactly as it does for
  Chat Completions (where ``[DONE]`` also counts): a typed stream that ends
  without one of those events lost data.
- **Chunks** (Gradient's spec, gradient-python, pydo): ``object:
  "response.chunk"`` events shaped like ``chat.completion.chunk`` (``choices[]
  .delta``, ``finish_reason``), ``usage`` in either API's names, ending with
  ``[DONE]``.

Each typed event is restated as the Chat Completions delta it amounts to and
handed to the Chat Completions `StreamMapper` (this class extends it), which
keeps the state every stream needs once: tool-call indices and ids, held-back
``null`` arguments, strict parsing of the whole arguments at the end
(``response_metadata["invalid_tool_calls"]``), usage sent as increases, and
each response-level field sent once. So a streamed reply aggregates to the
same message as the same reply sent whole (`response.responses_result`).

Where a typed stream states a whole value (``response.output_text.done``,
``response.content_part.done``, ``response.function_call_arguments.done``,
``response.output_item.done``, and the output of ``response.completed`` for
items not finished yet), it is checked against the deltas already streamed:
the part not streamed yet is emitted (servers that send only ``.done`` events
lose nothing), and a final value that does not start with what was streamed
raises, since streamed chunks cannot be taken back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, NoReturn

from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from langchain_gradient._compat import MODEL_PROVIDER
from langchain_gradient._response import StreamMapper
from langchain_gradient._values import as_int, quote
from langchain_gradient.dialects.responses.output import (
    ANNOTATIONS_KEY,
    REASONING_SEPARATOR,
    SERVER_ITEMS_KEY,
    Part,
    PartKind,
    annotations_of,
    chat_usage,
    check_status,
    finish_reason_of,
    function_call_of,
    item_parts,
    response_fields,
    status_metadata,
)
from langchain_gradient.errors import GradientStreamError

__all__ = ["ResponsesStreamMapper"]

_ARGUMENTS = ("arguments", 0)
"""The part key under which a function call's streamed arguments are kept."""


@dataclass
class _Slot:
    """What the stream said so far about one output item."""

    number: int
    """Our number for the item, in order of first appearance (the tool-call index)."""
    item_id: str | None = None
    kind: str | None = None
    emitted: dict[tuple[str, int], str] = field(default_factory=dict)
    """Per part: the text sent so far (for function calls, the arguments)."""
    call_sent: bool = False
    annotations_sent: int = 0
    has_content_reasoning: bool = False
    done: bool = False


@dataclass
class _Out:
    """What one typed event amounts to: a Chat Completions delta, and extras."""

    content: str = ""
    reasoning: str = ""
    refusal: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    finish_reason: str | None = None
    usage: Any = None
    additional: dict[str, list[Any]] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def keep(self, key: str, values: list[Any]) -> None:
        if values:
            self.additional.setdefault(key, []).extend(values)


class _PartEvents(NamedTuple):
    """How the delta and done events of one kind of part name it."""

    kind: PartKind
    where: str
    index_key: str
    text_key: str
    """The field of the ``.done`` event holding the whole text."""

    def key(self, event: Mapping[str, Any]) -> tuple[str, int]:
        return (self.where, as_int(event.get(self.index_key)) or 0)


_TEXT = _PartEvents("text", "content", "content_index", "text")
_REFUSAL = _PartEvents("refusal", "content", "content_index", "refusal")
_REASONING = _PartEvents("reasoning", "content", "content_index", "text")
_SUMMARY = _PartEvents("reasoning", "summary", "summary_index", "text")


class ResponsesStreamMapper(StreamMapper):
    """Turns the events of one streamed ``/responses`` reply into generation chunks.

    Used exactly like `StreamMapper`: ``map`` each decoded event, then
    ``finish()`` for the closing chunk; ``finished`` tells whether the reply
    came to its end (``response.completed`` / ``response.incomplete``, or a
    ``finish_reason`` in the chunk shape).

    Example:
        >>> mapper = ResponsesStreamMapper("openai-gpt-oss-20b")
        >>> events = [
        ...     {"type": "response.created", "response": {"id": "resp_1", "status": "in_progress"}},
        ...     {"type": "response.output_text.delta", "output_index": 0, "delta": "Hi"},
        ...     {"type": "response.completed", "response": {"id": "resp_1", "status": "completed"}},
        ... ]
        >>> chunks = [c for e in events if (c := mapper.map(e)) is not None]
        >>> "".join(c.text for c in chunks), mapper.finished
        ('Hi', True)
    """

    __slots__ = ("_by_item", "_by_output", "_last_reasoning", "_shape", "_slots", "_status_sent")

    def __init__(self, requested_model: str) -> None:
        super().__init__(requested_model)
        self._shape: str | None = None
        self._slots: list[_Slot] = []
        self._by_output: dict[int, int] = {}
        self._by_item: dict[str, int] = {}
        self._last_reasoning: tuple[int, tuple[str, int]] | None = None
        self._status_sent = False

    def map(self, event: Any) -> ChatGenerationChunk | None:
        """Map one decoded event of either shape; ``None`` when it carries nothing.

        Raises:
            GradientStreamError: for ``response.failed``, an ``error`` event, a
                value that contradicts the streamed deltas, a stream mixing
                both shapes, or an event of the wrong shape.
        """
        if not isinstance(event, dict):
            return super().map(event)
        kind = event.get("type")
        if isinstance(kind, str) and (kind.startswith("response.") or kind == "error"):
            self._lock("typed events")
            handler = _HANDLERS.get(kind)
            if handler is None:  # progress of server-side tools and the like
                return None
            out = _Out()
            handler(self, event, out)
            return self._emit(out)
        if "choices" in event or event.get("object") == "response.chunk":
            self._lock("chunks")
        if isinstance(event.get("usage"), dict):
            event = {**event, "usage": chat_usage(event["usage"])}
        return super().map(event)

    def _lock(self, shape: str) -> None:
        if self._shape is None:
            self._shape = shape
        elif self._shape != shape:
            msg = f"the stream mixes {self._shape} with {shape}; cannot tell which to trust"
            raise GradientStreamError(msg)

    def _emit(self, out: _Out) -> ChatGenerationChunk | None:
        """Hand ``out`` to the Chat Completions mapper as one chunk event, add the extras."""
        delta: dict[str, Any] = {}
        if out.content:
            delta["content"] = out.content
        if out.reasoning:
            delta["reasoning_content"] = out.reasoning
        if out.refusal:
            delta["refusal"] = out.refusal
        if out.tool_calls:
            delta["tool_calls"] = out.tool_calls
        event: dict[str, Any] = dict(out.fields)
        if delta or out.finish_reason:
            event["choices"] = [{"index": 0, "delta": delta, "finish_reason": out.finish_reason}]
        if out.usage is not None:
            event["usage"] = out.usage
        chunk = super().map(event) if event else None
        if not (out.additional or out.metadata):
            return chunk
        if chunk is None:
            message = AIMessageChunk(
                content="", response_metadata={"model_provider": MODEL_PROVIDER}
            )
            chunk = ChatGenerationChunk(message=message)
        chunk.message.additional_kwargs.update(out.additional)
        chunk.message.response_metadata.update(out.metadata)
        return chunk

    # ------------------------------------------------------------ items

    def _slot(self, output_index: Any, item_id: Any) -> _Slot:
        """The output item an event is about: by item id, else by output index."""
        position = as_int(output_index)
        item_id = item_id if isinstance(item_id, str) and item_id else None
        if position is None and item_id is None and self._slots:
            return self._slots[-1]  # an event that names no item continues the latest
        found = self._by_item.get(item_id) if item_id is not None else None
        if found is None and position is not None and position in self._by_output:
            candidate = self._slots[self._by_output[position]]
            if item_id is None or candidate.item_id in (None, item_id):
                found = self._by_output[position]
        if found is None:
            found = len(self._slots)
            self._slots.append(_Slot(number=found))
        slot = self._slots[found]
        if item_id is not None and slot.item_id is None:
            slot.item_id = item_id
            self._by_item[item_id] = found
        if position is not None:
            self._by_output.setdefault(position, found)
        return slot

    def _event_slot(self, event: Mapping[str, Any]) -> _Slot:
        return self._slot(event.get("output_index"), event.get("item_id"))

    def _add_text(
        self, out: _Out, slot: _Slot, kind: PartKind, key: tuple[str, int], text: str
    ) -> None:
        """Emit a piece of one part's text (the one place deltas go out)."""
        if not text:
            return
        if kind == "reasoning":
            if key[0] == "summary" and slot.has_content_reasoning:
                # A summary restates content already streamed (see output.item_parts).
                # The other order (summary deltas, then content) is kept whole: no
                # server is known to send it, and streamed text cannot be withdrawn.
                return
            if key[0] == "content":
                slot.has_content_reasoning = True
            part = (slot.number, key)
            piece = text
            if self._last_reasoning not in (None, part):
                piece = REASONING_SEPARATOR + text
            self._last_reasoning = part
            out.reasoning += piece
        elif kind == "refusal":
            out.refusal += text
        else:
            out.content += text
        slot.emitted[key] = slot.emitted.get(key, "") + text

    def _complete_part(self, out: _Out, slot: _Slot, part: Part) -> None:
        """Emit what a whole part has beyond the streamed deltas; raise if they disagree."""
        if part.kind == "reasoning" and part.key[0] == "summary" and slot.has_content_reasoning:
            return
        rest = _rest(
            slot.emitted.get(part.key, ""), part.text, f"{part.kind} of output item {slot.number}"
        )
        self._add_text(out, slot, part.kind, part.key, rest)

    def _register_call(self, out: _Out, slot: _Slot, item: Mapping[str, Any]) -> None:
        slot.kind = "function_call"
        if slot.call_sent:
            return
        call = function_call_of(item)
        slot.call_sent = True
        out.tool_calls.append(
            {"index": slot.number, "id": call["id"], "function": {"name": call["function"]["name"]}}
        )

    def _add_arguments(self, out: _Out, slot: _Slot, text: str) -> None:
        if text:
            slot.emitted[_ARGUMENTS] = slot.emitted.get(_ARGUMENTS, "") + text
            out.tool_calls.append({"index": slot.number, "function": {"arguments": text}})

    def _complete_item(self, out: _Out, slot: _Slot, item: Mapping[str, Any]) -> None:
        """Reconcile one whole output item with what was streamed of it."""
        kind = item.get("type")
        slot.kind = kind if isinstance(kind, str) else slot.kind
        slot.done = True
        if kind == "function_call":
            self._register_call(out, slot, item)
            arguments = function_call_of(item)["function"]["arguments"] or ""
            where = f"arguments of output item {slot.number}"
            self._add_arguments(
                out, slot, _rest(slot.emitted.get(_ARGUMENTS, ""), arguments, where)
            )
        elif kind in ("message", "text", "reasoning"):
            for part in item_parts(item):
                self._complete_part(out, slot, part)
            annotations = annotations_of(item)
            out.keep(ANNOTATIONS_KEY, annotations[slot.annotations_sent :])
            slot.annotations_sent = max(slot.annotations_sent, len(annotations))
        else:
            out.keep(SERVER_ITEMS_KEY, [dict(item)])

    # ------------------------------------------------------------ handlers

    def _on_response(self, event: Mapping[str, Any], out: _Out) -> None:
        """``response.created`` / ``in_progress`` / ``queued``: the response fields."""
        response = event.get("response")
        if isinstance(response, Mapping):
            out.fields.update(response_fields(response))

    def _on_item_added(self, event: Mapping[str, Any], out: _Out) -> None:
        item = event.get("item")
        if not isinstance(item, Mapping):
            _bad(event, "item")
        slot = self._slot(event.get("output_index"), item.get("id"))
        kind = item.get("type")
        if kind == "function_call":
            self._register_call(out, slot, item)
            # Arguments on the added item are checked when the item is done.
        elif isinstance(kind, str):
            slot.kind = kind

    def _on_item_done(self, event: Mapping[str, Any], out: _Out) -> None:
        item = event.get("item")
        if not isinstance(item, Mapping):
            _bad(event, "item")
        slot = self._slot(event.get("output_index"), item.get("id"))
        self._complete_item(out, slot, item)

    def _on_text_delta(self, event: Mapping[str, Any], out: _Out) -> None:
        self._delta(event, out, _TEXT)

    def _on_refusal_delta(self, event: Mapping[str, Any], out: _Out) -> None:
        self._delta(event, out, _REFUSAL)

    def _on_reasoning_delta(self, event: Mapping[str, Any], out: _Out) -> None:
        self._delta(event, out, _REASONING)

    def _on_summary_delta(self, event: Mapping[str, Any], out: _Out) -> None:
        self._delta(event, out, _SUMMARY)

    def _delta(self, event: Mapping[str, Any], out: _Out, spec: _PartEvents) -> None:
        text = event.get("delta")
        if not isinstance(text, str):
            _bad(event, "delta")
        slot = self._event_slot(event)
        self._add_text(out, slot, spec.kind, spec.key(event), text)

    def _on_text_done(self, event: Mapping[str, Any], out: _Out) -> None:
        self._done(event, out, _TEXT)

    def _on_refusal_done(self, event: Mapping[str, Any], out: _Out) -> None:
        self._done(event, out, _REFUSAL)

    def _on_reasoning_done(self, event: Mapping[str, Any], out: _Out) -> None:
        self._done(event, out, _REASONING)

    def _on_summary_done(self, event: Mapping[str, Any], out: _Out) -> None:
        self._done(event, out, _SUMMARY)

    def _done(self, event: Mapping[str, Any], out: _Out, spec: _PartEvents) -> None:
        text = event.get(spec.text_key)
        if not isinstance(text, str):
            return  # a .done without its text adds nothing to check
        slot = self._event_slot(event)
        self._complete_part(out, slot, Part(spec.kind, spec.key(event), text))

    def _on_part_done(self, event: Mapping[str, Any], out: _Out) -> None:
        part = event.get("part")
        if not isinstance(part, Mapping):
            return
        slot = self._event_slot(event)
        index = as_int(event.get("content_index")) or 0
        kind = part.get("type")
        if kind == "reasoning_text":
            parts = item_parts({"type": "reasoning", "content": [part]})
        else:
            parts = item_parts({"type": "message", "content": [part]})
        for found in parts:
            self._complete_part(out, slot, found._replace(key=(found.key[0], index)))

    def _on_annotation(self, event: Mapping[str, Any], out: _Out) -> None:
        """``response.output_text.annotation.added``: a citation, sent as it comes."""
        if "annotation" in event:
            slot = self._event_slot(event)
            slot.annotations_sent += 1
            out.keep(ANNOTATIONS_KEY, [event["annotation"]])

    def _on_arguments_delta(self, event: Mapping[str, Any], out: _Out) -> None:
        text = event.get("delta")
        if not isinstance(text, str):
            _bad(event, "delta")
        slot = self._event_slot(event)
        if not slot.call_sent:  # no output_item.added came first
            self._register_call(out, slot, {"id": event.get("item_id"), "name": event.get("name")})
        self._add_arguments(out, slot, text)

    def _on_arguments_done(self, event: Mapping[str, Any], out: _Out) -> None:
        arguments = event.get("arguments")
        if not isinstance(arguments, str):
            return
        slot = self._event_slot(event)
        if not slot.call_sent:
            self._register_call(out, slot, {"id": event.get("item_id"), "name": event.get("name")})
        where = f"arguments of output item {slot.number}"
        self._add_arguments(out, slot, _rest(slot.emitted.get(_ARGUMENTS, ""), arguments, where))

    def _on_finished(self, event: Mapping[str, Any], out: _Out) -> None:
        """``response.completed`` / ``response.incomplete``: the end of the reply."""
        response = event.get("response")
        if not isinstance(response, Mapping):
            _bad(event, "response")
        check_status(response, GradientStreamError)
        out.fields.update(response_fields(response))
        output = response.get("output")
        for position, item in enumerate(output if isinstance(output, list) else []):
            if not isinstance(item, Mapping):
                _bad(event, "response.output")
            slot = self._slot(position, item.get("id"))
            if not slot.done:
                self._complete_item(out, slot, item)
        incomplete = event.get("type") == "response.incomplete"
        has_calls = any(slot.kind == "function_call" for slot in self._slots)
        out.finish_reason = finish_reason_of(response, has_calls=has_calls, incomplete=incomplete)
        out.usage = chat_usage(response.get("usage"))
        if not self._status_sent:
            self._status_sent = True
            out.metadata.update(status_metadata(response, incomplete=incomplete))

    def _on_failed(self, event: Mapping[str, Any], out: _Out) -> None:
        response = event.get("response")
        error = response.get("error") if isinstance(response, Mapping) else None
        msg = f"the response failed mid-stream: {quote(error or event)}"
        raise GradientStreamError(msg)

    def _on_error(self, event: Mapping[str, Any], out: _Out) -> None:
        msg = f"the server reported an error mid-stream: {quote(event)}"
        raise GradientStreamError(msg)


_Handler = Callable[[ResponsesStreamMapper, Mapping[str, Any], _Out], None]

_HANDLERS: dict[str, _Handler] = {
    "response.created": ResponsesStreamMapper._on_response,
    "response.in_progress": ResponsesStreamMapper._on_response,
    "response.queued": ResponsesStreamMapper._on_response,
    "response.output_item.added": ResponsesStreamMapper._on_item_added,
    "response.output_item.done": ResponsesStreamMapper._on_item_done,
    "response.content_part.done": ResponsesStreamMapper._on_part_done,
    "response.output_text.delta": ResponsesStreamMapper._on_text_delta,
    "response.output_text.done": ResponsesStreamMapper._on_text_done,
    "response.output_text.annotation.added": ResponsesStreamMapper._on_annotation,
    "response.refusal.delta": ResponsesStreamMapper._on_refusal_delta,
    "response.refusal.done": ResponsesStreamMapper._on_refusal_done,
    "response.reasoning_text.delta": ResponsesStreamMapper._on_reasoning_delta,
    "response.reasoning_text.done": ResponsesStreamMapper._on_reasoning_done,
    "response.reasoning_summary_text.delta": ResponsesStreamMapper._on_summary_delta,
    "response.reasoning_summary_text.done": ResponsesStreamMapper._on_summary_done,
    "response.function_call_arguments.delta": ResponsesStreamMapper._on_arguments_delta,
    "response.function_call_arguments.done": ResponsesStreamMapper._on_arguments_done,
    "response.completed": ResponsesStreamMapper._on_finished,
    "response.incomplete": ResponsesStreamMapper._on_finished,
    "response.failed": ResponsesStreamMapper._on_failed,
    "error": ResponsesStreamMapper._on_error,
}
"""Typed events by ``type``. Others (``response.content_part.added``, the
progress events of server-side tools, ...) carry nothing a message holds."""


def _rest(streamed: str, whole: str, what: str) -> str:
    """What ``whole`` has beyond ``streamed``; raise if ``streamed`` is not its start."""
    if whole.startswith(streamed):
        return whole[len(streamed) :]
    msg = (
        f"the final {what} does not continue the streamed deltas "
        f"(streamed {quote(streamed)}, final {quote(whole)})"
    )
    raise GradientStreamError(msg)


def _bad(event: Mapping[str, Any], name: str) -> NoReturn:
    msg = f"stream event {event.get('type')!r} has a bad {name!r}: {quote(event)}"
    raise GradientStreamError(msg)
