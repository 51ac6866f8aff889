"""The paths LangChain takes into ``ChatGradient``, for tests that run on all of them.

``invoke()`` calls ``_generate``, except when the model has ``streaming=True`` or
a streaming callback handler is attached (``astream_events``, LangGraph's
``stream_mode="messages"``): then it calls ``_stream`` and aggregates the
chunks. ``stream()``/``astream()`` always stream. A behaviour the package
promises must hold on each of them, so tests take a `Path` as a parameter::

    @pytest.mark.parametrize("path", PATHS, ids=str)
    def test_something(path: Path) -> None:
        api = FakeAPI(serve(completion("hi")))
        message = path.run(lambda model: model, api)

`serve` answers the same scripted reply as a JSON body or, when the request
asks for a stream, as the equivalent stream events, so one reply serves every
path. `Path.run` also checks that the request was (or was not) streamed, so a
path cannot silently turn into another one.

Both chat APIs: `BOTH_APIS` holds every path twice, once on Chat Completions
and once with ``use_responses_api=True``. `serve` answers a ``/responses``
request with the same reply restated as a ``response`` object or its typed
event stream (no ``[DONE]``, as llama-server sends it), so a test
parametrised over `BOTH_APIS` checks one outcome on every path of both APIs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from functools import reduce
from operator import add
from typing import Any
from uuid import UUID

import httpx
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessageChunk
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
from langchain_core.runnables.utils import AddableDict
from langchain_core.tracers._streaming import _V2StreamingCallbackHandler

from langchain_gradient import ChatGradient
from tests.unit_tests import responses_replies
from tests.unit_tests.fakes import FakeAPI, sse

PROMPT = "Tell me a joke"

Build = Callable[[ChatGradient], Runnable[Any, Any]]


class StreamingHandler(BaseCallbackHandler):
    """What ``astream_events`` and LangGraph attach: a `_StreamingCallbackHandler`.

    Core recognises it by these two methods and then streams ``invoke``.
    """

    def tap_output_aiter(self, run_id: UUID, output: AsyncIterator[Any]) -> AsyncIterator[Any]:
        return output

    def tap_output_iter(self, run_id: UUID, output: Iterator[Any]) -> Iterator[Any]:
        return output


class ProtocolStreamingHandler(BaseCallbackHandler, _V2StreamingCallbackHandler):
    """A handler of core's event protocol: ``invoke`` then streams through it."""


def _collect(items: list[Any]) -> Any:
    """A stream's outcome: chunks and ``include_raw`` pieces added up, else the last."""
    if not items:
        return None
    if isinstance(items[0], (BaseMessageChunk, AddableDict)):
        return reduce(add, items)
    return items[-1]


def _invoke(runnable: Runnable[Any, Any]) -> Any:
    return runnable.invoke(PROMPT)


async def _ainvoke(runnable: Runnable[Any, Any]) -> Any:
    return await runnable.ainvoke(PROMPT)


def _batch(runnable: Runnable[Any, Any]) -> Any:
    return runnable.batch([PROMPT], return_exceptions=False)[0]


async def _abatch(runnable: Runnable[Any, Any]) -> Any:
    return (await runnable.abatch([PROMPT]))[0]


def _stream(runnable: Runnable[Any, Any]) -> Any:
    return _collect(list(runnable.stream(PROMPT)))


async def _astream(runnable: Runnable[Any, Any]) -> Any:
    return _collect([item async for item in runnable.astream(PROMPT)])


def _invoke_with_handler(runnable: Runnable[Any, Any]) -> Any:
    return runnable.invoke(PROMPT, config={"callbacks": [StreamingHandler()]})


def _invoke_with_protocol_handler(runnable: Runnable[Any, Any]) -> Any:
    return runnable.invoke(PROMPT, config={"callbacks": [ProtocolStreamingHandler()]})


async def _ainvoke_in_astream_events(runnable: Runnable[Any, Any]) -> Any:
    """``ainvoke`` inside a step run by ``astream_events``, as in a LangGraph node."""

    async def step(text: str, config: RunnableConfig) -> Any:
        return await runnable.ainvoke(text, config=config)

    output: Any = None
    async for event in RunnableLambda(step).astream_events(PROMPT, version="v2"):
        if event["event"] == "on_chain_end" and not event["parent_ids"]:
            output = event["data"]["output"]
    return output


@dataclass(frozen=True)
class Path:
    """One way into the model: how to call a runnable, and whether it streams.

    An async path has ``acall`` (the coroutine) and its ``call`` runs it in a
    fresh event loop, closed after, as ``asyncio.run`` does.
    """

    name: str
    call: Callable[[Runnable[Any, Any]], Any]
    streams: bool
    model_kwargs: dict[str, Any] = field(default_factory=dict)
    acall: Callable[[Runnable[Any, Any]], Awaitable[Any]] | None = None

    @classmethod
    def of_async(
        cls,
        name: str,
        acall: Callable[[Runnable[Any, Any]], Awaitable[Any]],
        *,
        streams: bool,
        model_kwargs: dict[str, Any] | None = None,
    ) -> Path:
        def call(runnable: Runnable[Any, Any]) -> Any:
            async def once() -> Any:
                return await acall(runnable)

            return asyncio.run(once())

        return cls(name, call, streams, model_kwargs or {}, acall)

    def __str__(self) -> str:
        return self.name

    def repeat(self, runnable: Runnable[Any, Any], times: int) -> list[Any]:
        """Call ``runnable`` ``times`` times this way; an async path's calls share one loop."""
        acall = self.acall
        if acall is None:
            return [self.call(runnable) for _ in range(times)]

        async def calls() -> list[Any]:
            return [await acall(runnable) for _ in range(times)]

        return asyncio.run(calls())

    def run(
        self, build: Build, api: FakeAPI, *, streams: bool | None = None, **model_kwargs: Any
    ) -> Any:
        """Build a runnable on a model wired to ``api``, call it, check the request.

        ``streams`` overrides whether the request is expected to be streamed.
        """
        model = api.model(**{**self.model_kwargs, **model_kwargs})
        sent = len(api.requests)
        expected = self.streams if streams is None else streams
        endpoint = "/responses" if model.use_responses_api else "/chat/completions"
        try:
            return self.call(build(model))
        finally:
            for request, body in zip(api.requests[sent:], api.bodies[sent:], strict=True):
                assert bool(body.get("stream")) is expected, (self.name, body)
                assert request.url.path.endswith(endpoint), (self.name, request.url)


PATHS = [
    Path("invoke", _invoke, streams=False),
    Path.of_async("ainvoke", _ainvoke, streams=False),
    Path("batch", _batch, streams=False),
    Path.of_async("abatch", _abatch, streams=False),
    Path("stream", _stream, streams=True),
    Path.of_async("astream", _astream, streams=True),
    Path("invoke[streaming=True]", _invoke, streams=True, model_kwargs={"streaming": True}),
    Path.of_async(
        "ainvoke[streaming=True]", _ainvoke, streams=True, model_kwargs={"streaming": True}
    ),
    Path("invoke[streaming handler]", _invoke_with_handler, streams=True),
    Path.of_async("ainvoke[astream_events]", _ainvoke_in_astream_events, streams=True),
    Path("invoke[protocol handler]", _invoke_with_protocol_handler, streams=True),
]
"""Every path; ``stream``/``astream`` give the aggregate of what they yielded."""

IMPLICIT_PATHS = [path for path in PATHS if path.name not in ("stream", "astream")]
"""The paths that ``invoke`` (maybe streaming under the hood): they return a message."""

RESPONSES_PATHS = [
    dataclasses.replace(
        path,
        name=f"{path.name}@responses",
        model_kwargs={**path.model_kwargs, "use_responses_api": True},
    )
    for path in PATHS
]
"""Every path, on the Responses API (``use_responses_api=True``)."""

BOTH_APIS = PATHS + RESPONSES_PATHS
"""Every path on each chat API."""


# ------------------------------------------------------ what a request sent


def sent_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The conversation a request sent, as Chat Completions ``messages``, from either body.

    A ``/responses`` body's ``input`` items are read back (independently of
    the request builder): ``message`` items as messages (``input_text`` /
    ``output_text`` parts as ``text`` parts, ``input_image`` parts as
    ``image_url`` parts, other fields of a part kept), an assistant turn's
    ``function_call`` items as its ``tool_calls``, a ``reasoning`` item as the
    next assistant turn's ``reasoning_content``, ``function_call_output``
    items as ``tool`` messages. An image's ``detail: "auto"`` is the API's
    default and reads as no detail.
    """
    if "input" not in body:
        messages: list[dict[str, Any]] = body["messages"]
        return messages
    read: list[dict[str, Any]] = []
    reasoning: str | None = None
    turn_open = False  # the last item read belongs to an assistant turn still open
    for item in body["input"]:
        kind = item.get("type", "message")
        if kind == "reasoning":
            reasoning = "".join(part["text"] for part in item.get("content") or [])
            continue
        if kind == "function_call":
            call = {
                "id": item["call_id"],
                "type": "function",
                "function": {"name": item["name"], "arguments": item["arguments"]},
            }
            if not turn_open:
                read.append({"role": "assistant", "content": None})
                turn_open = True
            read[-1].setdefault("tool_calls", []).append(call)
        elif kind == "function_call_output":
            content = _chat_content(item["output"])
            read.append({"role": "tool", "tool_call_id": item["call_id"], "content": content})
            turn_open = False
        else:
            message = {"role": item["role"], "content": _chat_content(item["content"])}
            turn_open = item["role"] == "assistant"
            read.append(message)
        if reasoning is not None and read[-1]["role"] == "assistant":
            read[-1]["reasoning_content"] = reasoning
            reasoning = None
    return read


def _chat_content(content: Any) -> Any:
    if not isinstance(content, list):
        return content
    parts = []
    for part in content:
        kind = part["type"]
        if kind in ("input_text", "output_text"):
            parts.append({**part, "type": "text"})
        elif kind == "input_image":
            image = {"url": part["image_url"]}
            if part.get("detail", "auto") != "auto":
                image["detail"] = part["detail"]
            extra = {k: v for k, v in part.items() if k not in ("type", "image_url", "detail")}
            parts.append({"type": "image_url", "image_url": image, **extra})
        else:
            parts.append(part)
    return parts


def sent_response_format(body: dict[str, Any]) -> Any:
    """The ``response_format`` a request sent (``None``: none), from either body.

    The Responses API's ``text.format`` holds a ``json_schema`` format's
    fields flat; they are read back under ``json_schema``.
    """
    if "input" not in body:
        return body.get("response_format")
    fmt = (body.get("text") or {}).get("format")
    if fmt is None or fmt.get("type") != "json_schema":
        return fmt
    return {"type": "json_schema", "json_schema": {k: v for k, v in fmt.items() if k != "type"}}


def sent_tools(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The tools a request sent, function tools nested as Chat Completions nests them."""
    tools: list[dict[str, Any]] = body.get("tools") or []
    if "input" not in body:
        return tools
    return [
        {
            "type": "function",
            "function": {k: v for k, v in tool.items() if k != "type"},
        }
        if tool.get("type") == "function" and "name" in tool
        else tool
        for tool in tools
    ]


def sent_tool_choice(body: dict[str, Any]) -> Any:
    """The ``tool_choice`` a request sent, a named function nested, from either body."""
    choice = body.get("tool_choice")
    if "input" in body and isinstance(choice, dict) and choice.get("type") == "function":
        return {"type": "function", "function": {"name": choice["name"]}}
    return choice


# ----------------------------------------------------------- scripted replies


def stream_events(body: dict[str, Any], size: int = 6) -> list[Any]:
    """The stream a server sends for the one-choice completion ``body``.

    Role chunk (with the message's ``name``), reasoning (either spelling) /
    content / refusal / tool-call arguments in pieces of ``size``
    characters, the finish chunk, then a usage chunk with empty ``choices``.
    """
    choice = body["choices"][0]
    message = choice["message"]
    head = {key: body[key] for key in ("id", "created", "model") if key in body}
    head["object"] = "chat.completion.chunk"

    def event(delta: dict[str, Any] | None, **fields: Any) -> dict[str, Any]:
        choices = [] if delta is None else [{"index": 0, "delta": delta, **fields}]
        return {**head, "choices": choices}

    role = {"role": "assistant", "content": ""}
    if message.get("name"):
        role["name"] = message["name"]
    events = [event(role)]
    for key in ("reasoning_content", "reasoning", "content", "refusal"):
        text = message.get(key) or ""
        events += [event({key: text[i : i + size]}) for i in range(0, len(text), size)]
    for index, call in enumerate(message.get("tool_calls") or []):
        function = call["function"]
        start = {"index": index, "id": call["id"], "type": "function"}
        events.append(event({"tool_calls": [{**start, "function": {"name": function["name"]}}]}))
        arguments = function.get("arguments") or ""
        events += [
            event({"tool_calls": [{"index": index, "function": {"arguments": part}}]})
            for part in (arguments[i : i + size] for i in range(0, len(arguments), size))
        ]
    events.append(event({}, finish_reason=choice["finish_reason"]))
    if body.get("usage"):
        events.append({**event(None), "usage": body["usage"]})
    return events


def as_responses_reply(body: dict[str, Any]) -> responses_replies.Reply:
    """The one-choice completion ``body`` restated as a Responses-API reply.

    What a server on that API sends for the same reply: the reasoning as one
    ``reasoning_text`` part streamed in several deltas (llama-server's shape),
    each tool call as its own ``function_call`` item (a call the completion
    gives no id keeps none, and the item's own id stands in), and the usage
    under that API's names with every detail kept (cache reads and writes,
    reasoning tokens; a missing ``total_tokens`` stays missing).
    """
    choice = body["choices"][0]
    message = choice["message"]
    calls = tuple(
        responses_replies.Call(
            call.get("id"),
            call["function"]["name"],
            tuple(_pieces(call["function"].get("arguments") or "")),
        )
        for call in message.get("tool_calls") or []
    )
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    usage = body.get("usage")
    cut = {"length": "max_output_tokens", "content_filter": "content_filter"}
    return responses_replies.Reply(
        text=tuple(_pieces(message.get("content") or "")),
        reasoning=((tuple(_pieces(reasoning)),),) if reasoning else (),
        refusal=message.get("refusal") or "",
        calls=calls,
        usage=None if usage is None else _responses_usage(usage),
        incomplete=cut.get(choice["finish_reason"]),
        model=body.get("model", "served-model"),
        id=body.get("id", "resp_abc"),
        created=body.get("created", 1765000000),
        service_tier=body.get("service_tier"),
    )


_USAGE_NAMES = {
    "prompt_tokens": "input_tokens",
    "completion_tokens": "output_tokens",
    "prompt_tokens_details": "input_tokens_details",
    "completion_tokens_details": "output_tokens_details",
}


def _responses_usage(usage: dict[str, Any]) -> dict[str, Any]:
    """A Chat Completions ``usage`` under the Responses API's names, details kept."""
    return {_USAGE_NAMES.get(key, key): value for key, value in usage.items()}


def _pieces(text: str, size: int = 6) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def serve(
    body: dict[str, Any], events: list[Any] | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    """Answer ``body`` as JSON, or as a stream (``events``, else derived) when asked.

    A ``/responses`` request gets the same reply in that API's shapes (a
    ``response`` object; typed events, no ``[DONE]``). ``events`` script the
    Chat Completions stream only, for what is particular to that wire (how
    chunks number parallel tool calls, usage repeated on every chunk); the
    Responses API numbers calls by output item and states the usage once, so
    a ``/responses`` request gets ``body`` restated instead.
    """

    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/responses"):
            restated = as_responses_reply(body)
            if json.loads(request.content).get("stream"):
                content = sse(responses_replies.typed_events(restated), done=False)
                return httpx.Response(
                    200, headers={"content-type": "text/event-stream"}, content=content
                )
            return httpx.Response(200, json=responses_replies.whole(restated))
        if json.loads(request.content).get("stream"):
            content = sse(stream_events(body) if events is None else events)
            return httpx.Response(
                200, headers={"content-type": "text/event-stream"}, content=content
            )
        return httpx.Response(200, json=body)

    return reply
