"""The things being compared: raw httpx, a LangChain floor, ChatGradient and its peers.

The peers are the official langchain-gradient 1.0.0 (after
``python -m benchmarks.official``) and ChatOpenAI (when langchain-openai is
installed); a peer that is not installed is left out.

Every contender talks to the same loopback server (`benchmarks.server`) and
offers the same operations: ``invoke(text)``, ``stream(text)`` (consumes
the whole stream, returns what it assembled), ``ainvoke(text)``,
``astream(text)``, ``timed_stream(text)`` / ``atimed_stream(text)`` (seconds to
the first content token and to the end of the stream) and ``close``.

The two floors read a stream to the end of the HTTP body, past ``[DONE]``:
an HTTP/1.1 connection goes back to the pool only once its response has been
read to the end, so a client that stops at ``[DONE]`` opens a new connection
for every stream.

Raw httpx speaks either chat API (a `Wire`: `CHAT_COMPLETIONS` or
`RESPONSES`); ``make_contenders(..., responses=True)`` gives the contenders
of the Responses API (``POST /responses``, typed events and no ``[DONE]``):
raw httpx, ChatGradient and ChatOpenAI with ``use_responses_api=True``. The
LangChain floor and the official package speak Chat Completions only.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from benchmarks.official import load as load_official
from benchmarks.server import MODEL

__all__ = [
    "API_KEY",
    "CHAT_COMPLETIONS",
    "OFFICIAL",
    "RESPONSES",
    "FloorChat",
    "FloorEmbeddings",
    "RawHttpx",
    "Wire",
    "make_contenders",
]

API_KEY = "bench-key-not-secret"
OFFICIAL = "official 1.0.0"
"""The official langchain-gradient 1.0.0, when `benchmarks.official` installed it."""
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
"""Pool of the two floors: httpx's own default, what a trivial client gets."""
_HEADERS = {
    "Authorization": f"Bearer {API_KEY}",
    "Content-Type": "application/json",
}


def _body(messages: list[dict[str, Any]], stream: bool) -> bytes:
    payload: dict[str, Any] = {"model": MODEL, "messages": messages}
    if stream:
        payload["stream"] = True
    return json.dumps(payload).encode()


def _events(response: httpx.Response) -> Iterator[dict[str, Any]]:
    done = False
    for line in response.iter_lines():  # to the end of the body: the connection is reused
        if not done and line.startswith("data: "):
            data = line[6:]
            if data == "[DONE]":
                done = True
            else:
                yield json.loads(data)


async def _aevents(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    done = False
    async for line in response.aiter_lines():
        if not done and line.startswith("data: "):
            data = line[6:]
            if data == "[DONE]":
                done = True
            else:
                yield json.loads(data)


def _has_token(event: dict[str, Any]) -> bool:
    return any(choice["delta"].get("content") for choice in event["choices"])


def _chat_pieces(event: dict[str, Any]) -> int:
    """Content deltas and tool-call fragments in one Chat Completions chunk."""
    count = 0
    for choice in event["choices"]:
        delta = choice["delta"]
        if delta.get("content") or delta.get("tool_calls"):
            count += 1
    return count


def _responses_body(text: str, stream: bool) -> bytes:
    payload: dict[str, Any] = {"model": MODEL, "input": text}
    if stream:
        payload["stream"] = True
    return json.dumps(payload).encode()


def _responses_text(reply: dict[str, Any]) -> str:
    return "".join(
        part["text"]
        for item in reply["output"]
        if item["type"] == "message"
        for part in item["content"]
        if part["type"] == "output_text"
    )


_RESPONSES_PIECES = ("response.output_text.delta", "response.function_call_arguments.delta")


def _responses_pieces(event: dict[str, Any]) -> int:
    return 1 if event["type"] in _RESPONSES_PIECES and event["delta"] else 0


def _responses_token(event: dict[str, Any]) -> bool:
    return event["type"] == "response.output_text.delta" and bool(event["delta"])


@dataclass(frozen=True)
class Wire:
    """One chat API as raw httpx speaks it: the path, the body, what a reply holds."""

    name: str
    path: str
    body: Callable[[str, bool], bytes]
    """``(user text, stream)`` -> the request body."""
    text: Callable[[dict[str, Any]], str]
    """The assistant text of a whole (not streamed) reply."""
    pieces: Callable[[dict[str, Any]], int]
    """Content deltas and tool-call fragments in one stream event."""
    has_token: Callable[[dict[str, Any]], bool]
    """Whether one stream event carries content."""


CHAT_COMPLETIONS = Wire(
    name="Chat Completions",
    path="/chat/completions",
    body=lambda text, stream: _body([{"role": "user", "content": text}], stream),
    text=lambda reply: str(reply["choices"][0]["message"]["content"]),
    pieces=_chat_pieces,
    has_token=_has_token,
)
RESPONSES = Wire(
    name="Responses API",
    path="/responses",
    body=_responses_body,
    text=_responses_text,
    pieces=_responses_pieces,
    has_token=_responses_token,
)
"""Typed events, one ``event:`` and one ``data:`` line each, no ``[DONE]``: the
raw reader parses every ``data:`` line and reads to the end of the body."""


class RawHttpx:
    """No LangChain at all: one pooled httpx client, json, a line loop (either `Wire`)."""

    name = "raw httpx"

    def __init__(self, base_url: str, wire: Wire = CHAT_COMPLETIONS) -> None:
        self.wire = wire
        self.url = base_url + wire.path
        self.client = httpx.Client(limits=LIMITS)
        self.aclient: httpx.AsyncClient | None = None

    def invoke(self, text: str) -> str:
        response = self.client.post(self.url, content=self.wire.body(text, False), headers=_HEADERS)
        return self.wire.text(json.loads(response.content))

    def stream(self, text: str) -> int:
        count = 0
        body = self.wire.body(text, True)
        with self.client.stream("POST", self.url, content=body, headers=_HEADERS) as response:
            for event in _events(response):
                count += self.wire.pieces(event)
        return count

    def assemble(self, text: str) -> tuple[str, str]:
        """Stream once: (content, JSON of the first tool call's args). Chat Completions only."""
        if self.wire is not CHAT_COMPLETIONS:
            msg = f"assemble reads Chat Completions chunks, not the {self.wire.name}"
            raise NotImplementedError(msg)
        content, args = [], []
        body = _body([{"role": "user", "content": text}], True)
        with self.client.stream("POST", self.url, content=body, headers=_HEADERS) as response:
            for event in _events(response):
                for choice in event["choices"]:
                    delta = choice["delta"]
                    content.append(delta.get("content") or "")
                    for call in delta.get("tool_calls") or ():
                        args.append(call["function"].get("arguments") or "")
        joined = "".join(args)
        return "".join(content), json.dumps(json.loads(joined)) if joined else ""

    def timed_stream(self, text: str) -> tuple[float, float]:
        """Stream once: (seconds to the first content token, seconds to the end)."""
        start = time.perf_counter()
        first = None
        body = self.wire.body(text, True)
        with self.client.stream("POST", self.url, content=body, headers=_HEADERS) as response:
            for event in _events(response):
                if first is None and self.wire.has_token(event):
                    first = time.perf_counter()
        end = time.perf_counter()
        return (first or end) - start, end - start

    def _async_client(self) -> httpx.AsyncClient:
        if self.aclient is None:
            self.aclient = httpx.AsyncClient(limits=LIMITS)
        return self.aclient

    async def ainvoke(self, text: str) -> str:
        response = await self._async_client().post(
            self.url, content=self.wire.body(text, False), headers=_HEADERS
        )
        return self.wire.text(json.loads(response.content))

    async def astream(self, text: str) -> int:
        count = 0
        body = self.wire.body(text, True)
        client = self._async_client()
        async with client.stream("POST", self.url, content=body, headers=_HEADERS) as response:
            async for event in _aevents(response):
                count += self.wire.pieces(event)
        return count

    async def atimed_stream(self, text: str) -> tuple[float, float]:
        """As `timed_stream`, through the async client."""
        start = time.perf_counter()
        first = None
        body = self.wire.body(text, True)
        client = self._async_client()
        async with client.stream("POST", self.url, content=body, headers=_HEADERS) as response:
            async for event in _aevents(response):
                if first is None and self.wire.has_token(event):
                    first = time.perf_counter()
        end = time.perf_counter()
        return (first or end) - start, end - start

    async def aclose(self) -> None:
        if self.aclient is not None:
            await self.aclient.aclose()
            self.aclient = None

    def close(self) -> None:
        self.client.close()


def _role(message: BaseMessage) -> str:
    return {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}.get(
        message.type, "user"
    )


class FloorChat(BaseChatModel):
    """The LangChain floor: the raw httpx call inside a bare `BaseChatModel`.

    Returns a bare `AIMessage`; streams a bare `AIMessageChunk` per content
    delta or tool-call fragment. No usage, no metadata, no retries, no checks.
    """

    base_url: str
    streaming: bool = False
    """As every chat model's flag: ``invoke`` goes through ``_stream``."""
    _client: httpx.Client = PrivateAttr(default_factory=lambda: httpx.Client(limits=LIMITS))
    _aclient: httpx.AsyncClient | None = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "bench-floor"

    def _messages(self, messages: list[BaseMessage]) -> list[dict[str, Any]]:
        return [{"role": _role(m), "content": m.content} for m in messages]

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        response = self._client.post(
            self.base_url + "/chat/completions",
            content=_body(self._messages(messages), False),
            headers=_HEADERS,
        )
        content = json.loads(response.content)["choices"][0]["message"]["content"]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=content))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self._aclient is None:
            self._aclient = httpx.AsyncClient(limits=LIMITS)
        response = await self._aclient.post(
            self.base_url + "/chat/completions",
            content=_body(self._messages(messages), False),
            headers=_HEADERS,
        )
        content = json.loads(response.content)["choices"][0]["message"]["content"]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=content))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        body = _body(self._messages(messages), True)
        url = self.base_url + "/chat/completions"
        with self._client.stream("POST", url, content=body, headers=_HEADERS) as response:
            for event in _events(response):
                yield from _floor_chunks(event)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        if self._aclient is None:
            self._aclient = httpx.AsyncClient(limits=LIMITS)
        body = _body(self._messages(messages), True)
        url = self.base_url + "/chat/completions"
        async with self._aclient.stream("POST", url, content=body, headers=_HEADERS) as response:
            async for event in _aevents(response):
                for chunk in _floor_chunks(event):
                    yield chunk

    async def aclose(self) -> None:
        if self._aclient is not None:
            await self._aclient.aclose()
            self._aclient = None

    def close(self) -> None:
        self._client.close()


class FloorEmbeddings(Embeddings):
    """The embeddings floor: one pooled ``httpx.Client``, JSON floats, no checks."""

    def __init__(self, base_url: str, model: str) -> None:
        self.url = base_url + "/embeddings"
        self.model = model
        self.client = httpx.Client(limits=LIMITS)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        body = json.dumps({"model": self.model, "input": texts}).encode()
        response = self.client.post(self.url, content=body, headers=_HEADERS)
        data = sorted(json.loads(response.content)["data"], key=lambda item: item["index"])
        return [item["embedding"] for item in data]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def close(self) -> None:
        self.client.close()


def _floor_chunks(event: dict[str, Any]) -> Iterator[ChatGenerationChunk]:
    """The floor's chunks for one event: one per content delta or tool-call fragment."""
    for choice in event["choices"]:
        delta = choice["delta"]
        if delta.get("content"):
            yield ChatGenerationChunk(message=AIMessageChunk(content=delta["content"]))
        for call in delta.get("tool_calls") or ():
            function = call.get("function") or {}
            chunk = tool_call_chunk(
                name=function.get("name"),
                args=function.get("arguments"),
                id=call.get("id"),
                index=call.get("index"),
            )
            yield ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=[chunk]))


class LangChainContender:
    """Adapts any LangChain chat model to the harness operations."""

    def __init__(self, name: str, model: BaseChatModel) -> None:
        self.name = name
        self.model = model

    def invoke(self, text: str) -> str:
        return str(self.model.invoke(text).content)

    def stream(self, text: str) -> int:
        count = 0
        for _ in self.model.stream(text):
            count += 1
        return count

    def assemble(self, text: str) -> tuple[str, str]:
        """Stream once, merge the chunks: (content, JSON of the first tool call's args)."""
        total: Any = None
        for chunk in self.model.stream(text):
            total = chunk if total is None else total + chunk
        args = json.dumps(total.tool_calls[0]["args"]) if total.tool_calls else ""
        return str(total.content), args

    def timed_stream(self, text: str) -> tuple[float, float]:
        """Stream once: (seconds to the first content token, seconds to the end)."""
        start = time.perf_counter()
        first = None
        for chunk in self.model.stream(text):
            if first is None and chunk.content:
                first = time.perf_counter()
        end = time.perf_counter()
        return (first or end) - start, end - start

    async def ainvoke(self, text: str) -> str:
        return str((await self.model.ainvoke(text)).content)

    async def astream(self, text: str) -> int:
        count = 0
        async for _ in self.model.astream(text):
            count += 1
        return count

    async def atimed_stream(self, text: str) -> tuple[float, float]:
        """As `timed_stream`, through ``astream``."""
        start = time.perf_counter()
        first = None
        async for chunk in self.model.astream(text):
            if first is None and chunk.content:
                first = time.perf_counter()
        end = time.perf_counter()
        return (first or end) - start, end - start

    async def aclose(self) -> None:
        closer = getattr(self.model, "aclose", None)
        if closer is not None:
            await closer()

    def close(self) -> None:
        closer = getattr(self.model, "close", None)
        if callable(closer):
            closer()


def make_contenders(
    base_url: str, names: list[str] | None = None, *, responses: bool = False
) -> list[Any]:
    """The contenders available in this environment (the peers when installed).

    ``responses=True``: the same on the Responses API (raw httpx reads its typed
    events; the floor and the official package, Chat Completions only, are left out).
    """
    from langchain_gradient import ChatGradient

    out: list[Any] = [RawHttpx(base_url, RESPONSES if responses else CHAT_COMPLETIONS)]
    if not responses:
        out.append(LangChainContender("LangChain floor", FloorChat(base_url=base_url)))
    # Chat Completions is the default: only the Responses block passes the flag.
    api: dict[str, Any] = {"use_responses_api": True} if responses else {}
    gradient = ChatGradient(model=MODEL, base_url=base_url, api_key=API_KEY, **api)
    out.append(LangChainContender("ChatGradient", gradient))
    official = None if responses else load_official(base_url.removesuffix("/v1"))
    if official is not None:
        out.append(LangChainContender(OFFICIAL, official(model=MODEL, api_key=API_KEY)))
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        pass
    else:
        out.append(
            LangChainContender(
                "ChatOpenAI",
                ChatOpenAI(model=MODEL, base_url=base_url, api_key=API_KEY, **api),  # type: ignore[arg-type]
            )
        )
    if names:
        out = [c for c in out if c.name in names]
    return out
