"""One scripted Responses-API reply, rendered in each shape a server may send it.

A `Reply` is what the model said (reasoning, text, a refusal, function calls,
usage, whether it was cut off); `whole` renders it as a ``response`` object,
`typed_events` as OpenAI-style typed stream events (with options for what a
server may leave out: ``.done`` events, the output of ``response.completed``,
deltas altogether), `chunk_events` as the chunk-like stream of Gradient's
spec. Tests map each rendering and compare the outcomes.

The shapes follow what llama-server's ``/v1/responses`` was measured to send
(``../shared/recording/README.md``, "More from the same server") and the
sources in ``gradient-api.md`` §17.5-17.6; they are rendered here by code, not
copied from a recording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk

from langchain_gradient.dialects.responses import ResponsesStreamMapper, responses_result


@dataclass(frozen=True)
class Call:
    call_id: str | None
    """``None``: the item carries no ``call_id`` (its own ``id`` stands in)."""
    name: str
    pieces: tuple[str, ...]
    """The arguments text, as the deltas that stream it."""

    @property
    def arguments(self) -> str:
        return "".join(self.pieces)


@dataclass(frozen=True)
class Reply:
    text: tuple[str, ...] = ()
    """The text as its deltas; no message item when empty."""
    reasoning: tuple[tuple[str | tuple[str, ...], ...], ...] = ()
    """Reasoning items, each a list of parts: a part is one delta (a string) or
    several (a tuple of the deltas that stream it, as llama-server streams its
    one ``reasoning_text`` part)."""
    reasoning_as_summary: bool = False
    """Reasoning in ``summary`` parts (OpenAI models) instead of ``content``."""
    refusal: str = ""
    annotations: tuple[dict[str, Any], ...] = ()
    """Citations on the text (needs text)."""
    calls: tuple[Call, ...] = ()
    usage: dict[str, Any] | None = field(
        default_factory=lambda: {
            "input_tokens": 12,
            "input_tokens_details": {"cached_tokens": 4},
            "output_tokens": 7,
            "output_tokens_details": {"reasoning_tokens": 3},
            "total_tokens": 19,
        }
    )
    incomplete: str | None = None
    """``incomplete_details.reason`` of a cut-off reply (``None``: completed)."""
    id: str = "resp_abc"
    model: str = "served-model"
    created: int = 1765000000
    service_tier: str | None = None


def _deltas(part: str | tuple[str, ...]) -> tuple[str, ...]:
    """The deltas that stream one reasoning part."""
    return (part,) if isinstance(part, str) else part


def _reasoning_item(
    number: int, parts: tuple[str | tuple[str, ...], ...], summary: bool
) -> dict[str, Any]:
    kind = "summary_text" if summary else "reasoning_text"
    texts = [{"type": kind, "text": "".join(_deltas(part))} for part in parts]
    item: dict[str, Any] = {"type": "reasoning", "id": f"rs_{number}"}
    if summary:
        item.update(summary=texts)
    else:
        item.update(summary=[], content=texts)
    return item


def output_items(reply: Reply) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [
        _reasoning_item(n, parts, reply.reasoning_as_summary)
        for n, parts in enumerate(reply.reasoning)
    ]
    content: list[dict[str, Any]] = []
    if reply.text:
        text = {"type": "output_text", "text": "".join(reply.text)}
        content.append({**text, "annotations": list(reply.annotations)})
    if reply.refusal:
        content.append({"type": "refusal", "refusal": reply.refusal})
    if content:
        items.append(
            {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "completed",
                "content": content,
            }
        )
    for n, call in enumerate(reply.calls):
        item = {"type": "function_call", "id": f"fc_{n}", "call_id": call.call_id}
        if call.call_id is None:
            del item["call_id"]
        items.append(
            {**item, "name": call.name, "arguments": call.arguments, "status": "completed"}
        )
    return items


def whole(reply: Reply, *, status: str | None = None) -> dict[str, Any]:
    """The reply as the ``response`` object of a non-streamed call."""
    body: dict[str, Any] = {
        "id": reply.id,
        "object": "response",
        "created_at": reply.created,
        "status": status or ("incomplete" if reply.incomplete else "completed"),
        "model": reply.model,
        "output": output_items(reply),
        "usage": reply.usage,
    }
    if reply.service_tier is not None:
        body["service_tier"] = reply.service_tier
    if reply.incomplete:
        body["incomplete_details"] = {"reason": reply.incomplete}
    return body


def typed_events(
    reply: Reply,
    *,
    done_events: bool = True,
    final_output: bool = True,
    deltas: bool = True,
) -> list[dict[str, Any]]:
    """The reply as typed events, in the order OpenAI and llama-server send them.

    ``done_events=False`` leaves out every ``.done`` event but the last;
    ``final_output=False`` sends ``response.completed`` with ``output: []``
    (godo's "real frame"); ``deltas=False`` sends no deltas, only the whole
    values of the ``.done`` events.
    """
    final = whole(reply)
    started = {**final, "status": "in_progress", "output": [], "usage": None}
    started.pop("incomplete_details", None)
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": started},
        {"type": "response.in_progress", "response": started},
    ]
    for index, item in enumerate(output_items(reply)):
        events += _item_events(index, item, reply, done_events=done_events, deltas=deltas)
    last = "response.incomplete" if reply.incomplete else "response.completed"
    events.append({"type": last, "response": final if final_output else {**final, "output": []}})
    return [{**event, "sequence_number": n} for n, event in enumerate(events)]


def _item_events(
    index: int, item: dict[str, Any], reply: Reply, *, done_events: bool, deltas: bool
) -> list[dict[str, Any]]:
    where = {"output_index": index, "item_id": item["id"]}
    kind = item["type"]
    empty = {**item, "status": "in_progress"}
    if kind == "function_call":
        empty["arguments"] = ""
    elif kind == "message":
        empty["content"] = []
    elif kind == "reasoning":
        empty.update(summary=[], content=[])
    events: list[dict[str, Any]] = [
        {"type": "response.output_item.added", "output_index": index, "item": empty}
    ]
    if kind == "function_call":
        call = reply.calls[int(item["id"].removeprefix("fc_"))]
        if deltas:
            events += [
                {"type": "response.function_call_arguments.delta", **where, "delta": piece}
                for piece in call.pieces
            ]
        if done_events or not deltas:
            events.append(
                {
                    "type": "response.function_call_arguments.done",
                    **where,
                    "arguments": call.arguments,
                }
            )
    elif kind == "message":
        for part_index, part in enumerate(item["content"]):
            events += _part_events(
                where, part_index, part, reply, done_events=done_events, deltas=deltas
            )
    else:
        parts = reply.reasoning[int(item["id"].removeprefix("rs_"))]
        summary = reply.reasoning_as_summary
        prefix = "response.reasoning_summary_text" if summary else "response.reasoning_text"
        index_key = "summary_index" if summary else "content_index"
        for part_index, part in enumerate(parts):
            at = {**where, index_key: part_index}
            if deltas:
                events += [
                    {"type": f"{prefix}.delta", **at, "delta": piece} for piece in _deltas(part)
                ]
            if done_events or not deltas:
                text = "".join(_deltas(part))
                events.append({"type": f"{prefix}.done", **at, "text": text})
    if done_events:
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    return events


def _part_events(
    where: dict[str, Any],
    part_index: int,
    part: dict[str, Any],
    reply: Reply,
    *,
    done_events: bool,
    deltas: bool,
) -> list[dict[str, Any]]:
    at = {**where, "content_index": part_index}
    events: list[dict[str, Any]] = [
        {"type": "response.content_part.added", **at, "part": {**part, "text": ""}}
    ]
    if part["type"] == "refusal":
        if deltas:
            events.append({"type": "response.refusal.delta", **at, "delta": reply.refusal})
        if done_events or not deltas:
            events.append({"type": "response.refusal.done", **at, "refusal": reply.refusal})
    else:
        if deltas:
            events += [
                {"type": "response.output_text.delta", **at, "delta": piece} for piece in reply.text
            ]
        events += [
            {"type": "response.output_text.annotation.added", **at, "annotation": note}
            for note in reply.annotations
        ]
        if done_events or not deltas:
            events.append({"type": "response.output_text.done", **at, "text": part["text"]})
    if done_events:
        events.append({"type": "response.content_part.done", **at, "part": part})
    return events


def chunk_events(reply: Reply) -> list[dict[str, Any]]:
    """The reply as the chunk-like stream of Gradient's spec (``object: response.chunk``).

    That shape has no place for annotations; they are left out.
    """

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return {
            "id": reply.id,
            "object": "response.chunk",
            "created": reply.created,
            "model": reply.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }

    events = [chunk({"role": "assistant", "content": ""})]
    separator = ""
    for parts in reply.reasoning:
        for part in parts:
            pieces = [piece for piece in _deltas(part) if piece]
            for piece in pieces:
                events.append(chunk({"reasoning_content": separator + piece}))
                separator = ""
            if pieces:
                separator = "\n\n"
    events += [chunk({"content": piece}) for piece in reply.text]
    if reply.refusal:
        events.append(chunk({"refusal": reply.refusal}))
    for index, call in enumerate(reply.calls):
        head = {
            "index": index,
            "id": call.call_id,
            "type": "function",
            "function": {"name": call.name},
        }
        events.append(chunk({"tool_calls": [head]}))
        events += [
            chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            for piece in call.pieces
        ]
    finish = {"max_output_tokens": "length", "content_filter": "content_filter"}
    reason = finish.get(reply.incomplete or "", "length") if reply.incomplete else None
    events.append(chunk({}, reason or ("tool_calls" if reply.calls else "stop")))
    events.append({**chunk({}), "choices": [], "usage": reply.usage})
    return events


# ------------------------------------------------------------ mapping


def invoke(body: Any, model: str = "requested-model") -> BaseMessage:
    return responses_result(body, model).generations[0].message


def stream_chunks(
    events: list[Any], model: str = "requested-model"
) -> tuple[list[ChatGenerationChunk], ResponsesStreamMapper]:
    """Every chunk a caller gets: one per event that carries something, then the closing one."""
    mapper = ResponsesStreamMapper(model)
    chunks = [chunk for event in events if (chunk := mapper.map(event)) is not None]
    if (tail := mapper.finish()) is not None:
        chunks.append(tail)
    return chunks, mapper


def aggregate(events: list[Any], model: str = "requested-model") -> AIMessageChunk:
    """The message a stream of ``events`` adds up to, as core adds chunks."""
    chunks, _ = stream_chunks(events, model)
    total = AIMessageChunk(content="")
    for chunk in chunks:
        total = total + chunk.message  # type: ignore[assignment]
    return total
