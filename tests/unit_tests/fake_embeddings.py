"""A scripted ``/embeddings`` API on ``httpx.MockTransport`` (no sockets).

Texts are ``"t<n>"``; the vector of ``"t<n>"`` is ``[n, n / 2, -1]`` (exact in
float32), so a test can tell from a vector which text it belongs to. The fake
answers in the encoding the request asks for, records every request, and can
reorder items or fail chosen requests.
"""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import threading
from collections.abc import Callable
from typing import Any

import httpx

from langchain_gradient import GradientEmbeddings

KEY = "sk-do-embeddings-test-key-0123456789"


def texts(count: int, start: int = 0) -> list[str]:
    return [f"t{n}" for n in range(start, start + count)]


def vector_of(text: str) -> list[float]:
    n = float(text[1:])
    return [n, n / 2, -1.0]


def packed(vector: list[float]) -> str:
    """``vector`` the way the API sends ``encoding_format="base64"``."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def answer(
    inputs: list[str], encoding: str, vector: Callable[[str], list[float]] = vector_of
) -> dict[str, Any]:
    items = []
    for index, text in enumerate(inputs):
        values = vector(text)
        embedding: Any = packed(values) if encoding == "base64" else values
        items.append({"object": "embedding", "index": index, "embedding": embedding})
    return {
        "object": "list",
        "model": "served-embedding-model",
        "data": items,
        "usage": {"prompt_tokens": len(inputs), "total_tokens": len(inputs)},
    }


class FakeEmbeddingsAPI:
    """Answers every request from its inputs; ``fail`` maps a request number (0-based) to a reply.

    ``reorder`` rearranges the response items (e.g. ``reversed``) to check
    that results are placed by ``index``. ``delay`` keeps each request in
    flight a while, so concurrency can be observed (``peak``).
    """

    def __init__(
        self,
        *,
        fail: dict[int, httpx.Response] | None = None,
        reorder: Callable[[list[Any]], Any] | None = None,
        body: Callable[[list[str], str], Any] | None = None,
        delay: float = 0.0,
        barrier: threading.Barrier | None = None,
    ) -> None:
        self.fail = fail or {}
        self.reorder = reorder
        self.body = body
        self.delay = delay
        self.barrier = barrier
        self.requests: list[httpx.Request] = []
        self.in_flight = 0
        self.peak = 0
        self._lock = threading.Lock()

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]

    @property
    def inputs(self) -> list[list[str]]:
        return [body["input"] for body in self.bodies]

    def _respond(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            number = len(self.requests)
            self.requests.append(request)
        if number in self.fail:
            return self.fail[number]
        sent = json.loads(request.content)
        if self.body is not None:
            return httpx.Response(200, json=self.body(sent["input"], sent["encoding_format"]))
        reply = answer(sent["input"], sent["encoding_format"])
        if self.reorder is not None:
            reply["data"] = list(self.reorder(reply["data"]))
        return httpx.Response(200, json=reply)

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def handle(self, request: httpx.Request) -> httpx.Response:
        self._enter()
        try:
            if self.barrier is not None:
                self.barrier.wait()  # times out (BrokenBarrierError) unless requests overlap
            if self.delay:
                threading.Event().wait(self.delay)
            return self._respond(request)
        finally:
            self._leave()

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self._enter()
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return self._respond(request)
        finally:
            self._leave()

    def model(self, **kwargs: Any) -> GradientEmbeddings:
        """A GradientEmbeddings wired to this fake (sync and async)."""
        kwargs.setdefault("model", "qwen3-embedding-0.6b")
        kwargs.setdefault("api_key", KEY)
        return GradientEmbeddings(
            http_client=httpx.Client(transport=httpx.MockTransport(self.handle)),
            http_async_client=httpx.AsyncClient(transport=httpx.MockTransport(self.ahandle)),
            **kwargs,
        )


def embed(model: GradientEmbeddings, mode: str, inputs: Any) -> list[list[float]]:
    """``embed_documents`` or ``aembed_documents`` (in a fresh loop)."""
    if mode == "sync":
        return model.embed_documents(inputs)
    return asyncio.run(model.aembed_documents(inputs))


def embed_one(model: GradientEmbeddings, mode: str, text: Any) -> list[float]:
    """``embed_query`` or ``aembed_query`` (in a fresh loop)."""
    if mode == "sync":
        return model.embed_query(text)
    return asyncio.run(model.aembed_query(text))
