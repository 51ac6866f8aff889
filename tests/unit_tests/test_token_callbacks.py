"""Token callbacks see every chunk the stream yields: what LangGraph's "messages" mode streams.

LangGraph's ``stream_mode="messages"`` and any ``on_llm_new_token`` handler
rebuild a streamed reply from the chunks handed to the callback, not from what
``stream()`` returns. On ``stream()`` and on ``invoke`` streaming under the
hood, core reports each chunk itself; under core's event protocol (a
``_V2StreamingCallbackHandler`` attached) the model's ``_stream`` reports them,
and the closing chunk (which names the API when no ``finish_reason`` did) must
be reported like the others.
"""

from __future__ import annotations

import asyncio
from functools import reduce
from operator import add
from typing import Any

import pytest
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.messages import AIMessageChunk
from langgraph.graph import END, START, MessagesState, StateGraph

from langchain_gradient import ChatGradient
from tests.unit_tests.fakes import FakeAPI, chunk, completion
from tests.unit_tests.paths import ProtocolStreamingHandler, serve
from tests.unit_tests.tool_streams import DIALECTS, Call, reply, stream_events

CALLS = [
    Call("get_weather", '{"city": "Paris"}'),
    Call("get_weather", '{"city": "Rome"}'),
    Call("get_time", '{"tz": "UTC"}'),
]
TOOL = {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}


class TokenChunks(BaseCallbackHandler):
    def __init__(self) -> None:
        self.chunks: list[AIMessageChunk] = []

    def on_llm_new_token(self, token: str, *, chunk: Any = None, **kwargs: Any) -> None:
        self.chunks.append(chunk.message)


class AsyncTokenChunks(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.chunks: list[AIMessageChunk] = []

    async def on_llm_new_token(self, token: str, *, chunk: Any = None, **kwargs: Any) -> None:
        self.chunks.append(chunk.message)


def _yielded_and_seen(model: Any, mode: str) -> tuple[AIMessageChunk, AIMessageChunk]:
    """The aggregate of what ``stream``/``astream`` yields, and of what the callback saw."""
    if mode == "sync":
        handler: Any = TokenChunks()
        yielded = list(model.stream("Hi", config={"callbacks": [handler]}))
    else:
        handler = AsyncTokenChunks()

        async def collect() -> list[AIMessageChunk]:
            return [c async for c in model.astream("Hi", config={"callbacks": [handler]})]

        yielded = asyncio.run(collect())
    return reduce(add, yielded), reduce(add, handler.chunks)


def _same_reply(seen: AIMessageChunk, yielded: AIMessageChunk) -> None:
    assert seen.content == yielded.content
    assert seen.tool_calls == yielded.tool_calls
    assert seen.invalid_tool_calls == yielded.invalid_tool_calls
    assert seen.usage_metadata == yielded.usage_metadata
    assert seen.response_metadata == yielded.response_metadata


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_the_callback_sees_every_parallel_tool_call(dialect: str, mode: str) -> None:
    api = FakeAPI(serve(reply(CALLS, dialect), stream_events(CALLS, dialect, size=5)))
    yielded, seen = _yielded_and_seen(api.model().bind_tools([TOOL]), mode)
    assert [call["args"] for call in yielded.tool_calls] == [
        {"city": "Paris"},
        {"city": "Rome"},
        {"tz": "UTC"},
    ]
    _same_reply(seen, yielded)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("responses", [False, True], ids=["chat_completions", "responses"])
def test_the_callback_sees_the_finish_usage_and_api(mode: str, responses: bool) -> None:
    api = FakeAPI(serve(completion("Hello there!")))
    yielded, seen = _yielded_and_seen(api.model(use_responses_api=responses), mode)
    assert seen.response_metadata["api"] == ("responses" if responses else "chat_completions")
    assert seen.response_metadata["finish_reason"] == "stop"
    _same_reply(seen, yielded)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_callback_sees_the_closing_chunk_of_a_stream_without_a_finish(mode: str) -> None:
    # Only [DONE] ends this stream: the closing chunk names the model and the API.
    events = [chunk({"role": "assistant", "content": "Hi"})]
    api = FakeAPI(events)  # a list of events is served as a stream ending in [DONE]
    yielded, seen = _yielded_and_seen(api.model(), mode)
    assert seen.response_metadata["model_name"] == "served-model"
    _same_reply(seen, yielded)


def test_langgraph_messages_mode_streams_every_parallel_tool_call() -> None:
    dialect = "one index, no ids"  # the arguments of the last call close the stream
    api = FakeAPI(serve(reply(CALLS, dialect), stream_events(CALLS, dialect, size=5)))
    model: ChatGradient = api.model()
    bound = model.bind_tools([TOOL])

    def call_model(state: MessagesState) -> dict[str, Any]:
        return {"messages": [bound.invoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("model", call_model)
    graph.add_edge(START, "model")
    graph.add_edge("model", END)
    app = graph.compile()
    tokens = [
        message
        for message, _metadata in app.stream({"messages": [("user", "Hi")]}, stream_mode="messages")
        if isinstance(message, AIMessageChunk)
    ]
    streamed = reduce(add, tokens)
    final = app.invoke({"messages": [("user", "Hi")]})["messages"][-1]
    assert [call["args"] for call in streamed.tool_calls] == [
        call["args"] for call in final.tool_calls
    ]
    assert len(streamed.tool_calls) == len(CALLS)


class ProtocolTokenChunks(TokenChunks, ProtocolStreamingHandler):
    """A token handler that also speaks core's event protocol: ``invoke`` streams through it."""


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("finish", [True, False], ids=["finished", "ended-by-done"])
@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_under_the_event_protocol_the_callback_sees_every_call(
    dialect: str, finish: bool, mode: str
) -> None:
    events = stream_events(CALLS, dialect, size=5)
    if not finish:  # no finish_reason: only [DONE] ends it, and the closing chunk flushes
        events = [e for e in events if not any(c.get("finish_reason") for c in e["choices"])]
    api = FakeAPI(serve(reply(CALLS, dialect), events))
    handler = ProtocolTokenChunks()
    bound = api.model().bind_tools([TOOL])
    config: Any = {"callbacks": [handler]}
    if mode == "sync":
        final = bound.invoke("Hi", config=config)
    else:
        final = asyncio.run(bound.ainvoke("Hi", config=config))
    assert api.body["stream"] is True  # the event protocol streamed the call
    seen = reduce(add, handler.chunks)
    assert len(final.tool_calls) == len(CALLS)
    assert [call["args"] for call in seen.tool_calls] == [call["args"] for call in final.tool_calls]
    # The closing chunk (which names the API when no finish_reason did) reaches it too.
    assert seen.response_metadata["api"] == final.response_metadata["api"] == "chat_completions"
