"""Embeddings: our client against raw httpx and OpenAIEmbeddings, and float vs base64 decoding.

``python -m benchmarks.embeddings`` prints two tables:

1. **Decoding**: bytes on the wire and time to turn one ``/embeddings`` answer
   of 2,048 vectors x 1,024 dimensions into ``list[list[float]]``, for
   ``encoding_format="float"`` and ``"base64"`` (``_embeddings_response.vectors``
   after ``json.loads``, best of several runs).
2. **End to end**: wall time to embed 10,000 short texts against one loopback
   server (a subprocess, so it never shares the client's GIL; it answers from
   a cache, so the client's work is what is measured), for

   - ``raw httpx``: the floor, a plain loop of 2,048-text requests (float),
     ``json.loads`` and a sort by index; and the same with base64;
   - ``GradientEmbeddings`` with its defaults (base64, 4 requests in flight),
     with ``encoding_format="float"``, and ``aembed_documents``;
   - ``OpenAIEmbeddings(check_embedding_ctx_length=False)`` pointed at the
     same server, if ``langchain-openai`` is installed (its defaults: 1,000
     texts per request, sequential).

   Ratios are against raw httpx (float) in the same run.

The numbers are indicative: on a shared machine run it more than once.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import re
import struct
import time
from collections.abc import Callable
from typing import Any

import httpx

from benchmarks.server import _Connection, _json, _response
from benchmarks.spawn import spawn_server, stop_server
from langchain_gradient import GradientEmbeddings
from langchain_gradient._embeddings_response import vectors

MODEL = "bench-embedding-model"
API_KEY = "bench-key-not-secret"
DIMENSIONS = 1024
TEXTS = 10_000
PER_REQUEST = 2048

_BASE64 = re.compile(rb'"encoding_format"\s*:\s*"base64"')


# ------------------------------------------------------------------ server


def _vector(index: int) -> list[float]:
    # float32-exact values, so both encodings carry the same numbers.
    return [((index * 31 + d) % 997) / 1024.0 - 0.5 for d in range(DIMENSIONS)]


def render(count: int, base64_format: bool) -> bytes:
    """One ``/embeddings`` answer body with ``count`` vectors."""
    items: list[dict[str, Any]] = []
    for index in range(count):
        values = _vector(index)
        embedding: Any = (
            base64.b64encode(struct.pack(f"<{DIMENSIONS}f", *values)).decode()
            if base64_format
            else values
        )
        items.append({"object": "embedding", "index": index, "embedding": embedding})
    return _json({"object": "list", "model": MODEL, "data": items, "usage": {}})


class _EmbeddingState:
    """Answers ``/embeddings`` from a cache keyed by (input count, encoding)."""

    def __init__(self) -> None:
        self.cache: dict[tuple[int, bool], bytes] = {}
        self.requests = 0

    def answer(self, head: bytes, body: bytes) -> bytes:
        self.requests += 1
        if head.startswith(b"GET /_stats"):
            return _response(_json({"cpu": time.process_time(), "requests": self.requests}))
        count = len(json.loads(body)["input"])
        key = (count, _BASE64.search(body) is not None)
        response = self.cache.get(key)
        if response is None:
            response = self.cache[key] = _response(render(*key))
        return response


async def serve() -> None:
    """Serve until killed; print ``READY <port>`` once listening."""
    state = _EmbeddingState()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _Connection(state),  # duck-typed: it only calls state.answer()
        "127.0.0.1",
        0,
        backlog=1024,
    )
    gc.freeze()
    print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


class Server:
    """The embeddings server in a subprocess."""

    def __init__(self) -> None:
        self.proc, port = spawn_server("benchmarks.embeddings", "--serve")
        self.base_url = f"http://127.0.0.1:{port}/v1"

    def close(self) -> None:
        stop_server(self.proc)


# ------------------------------------------------------------- contenders


def raw_httpx(base_url: str, encoding: str) -> Callable[[list[str]], list[list[float]]]:
    """The floor: sequential requests, ``json.loads``, vectors sorted by index."""
    client = httpx.Client()
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}

    def decode(embedding: Any) -> list[float]:
        if isinstance(embedding, str):
            raw = base64.b64decode(embedding)
            return list(struct.unpack(f"<{len(raw) // 4}f", raw))
        return list(embedding)

    def embed(texts: list[str]) -> list[list[float]]:
        result: list[list[float]] = []
        for start in range(0, len(texts), PER_REQUEST):
            body = {"model": MODEL, "input": texts[start : start + PER_REQUEST]}
            body["encoding_format"] = encoding
            response = client.post(base_url + "/embeddings", json=body, headers=headers)
            response.raise_for_status()
            data = sorted(response.json()["data"], key=lambda item: item["index"])
            result.extend(decode(item["embedding"]) for item in data)
        return result

    return embed


def ours(base_url: str, **settings: Any) -> Callable[[list[str]], list[list[float]]]:
    return GradientEmbeddings(
        model=MODEL, api_key=API_KEY, base_url=base_url, **settings
    ).embed_documents


def ours_async(base_url: str) -> Callable[[list[str]], list[list[float]]]:
    model = GradientEmbeddings(model=MODEL, api_key=API_KEY, base_url=base_url)
    loop = asyncio.new_event_loop()
    return lambda texts: loop.run_until_complete(model.aembed_documents(texts))


def openai(base_url: str) -> Callable[[list[str]], list[list[float]]] | None:
    try:
        from langchain_openai import OpenAIEmbeddings
    except ImportError:
        return None
    model = OpenAIEmbeddings(
        model=MODEL, base_url=base_url, api_key=API_KEY, check_embedding_ctx_length=False
    )
    return model.embed_documents


# ------------------------------------------------------------------ runs


def _best(action: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def decoding(repeat: int) -> None:
    print(f"Decoding one answer of {PER_REQUEST} x {DIMENSIONS} vectors (best of {repeat})")
    rows = {}
    for name, is_base64 in (("float", False), ("base64", True)):
        body = render(PER_REQUEST, is_base64)
        seconds = _best(lambda body=body: vectors(json.loads(body), PER_REQUEST), repeat)
        rows[name] = seconds
        print(f"  {name:<7} {len(body) / 1e6:7.1f} MB  {seconds * 1000:8.1f} ms")
    print(f"  base64 is {rows['float'] / rows['base64']:.1f}x faster to decode")


def end_to_end(repeat: int) -> None:
    server = Server()
    texts = [f"short text number {n}" for n in range(TEXTS)]
    try:
        contenders: dict[str, Callable[[list[str]], list[list[float]]] | None] = {
            "raw httpx (float)": raw_httpx(server.base_url, "float"),
            "raw httpx (base64)": raw_httpx(server.base_url, "base64"),
            "GradientEmbeddings (base64, default)": ours(server.base_url),
            "GradientEmbeddings (float)": ours(server.base_url, encoding_format="float"),
            "GradientEmbeddings (float, sequential)": ours(
                server.base_url, encoding_format="float", max_concurrency=1
            ),
            "GradientEmbeddings async (base64)": ours_async(server.base_url),
            "OpenAIEmbeddings": openai(server.base_url),
        }
        print(f"\nEmbedding {TEXTS:,} short texts, {DIMENSIONS} dims (best of {repeat})")
        floor = None
        for name, embed in contenders.items():
            if embed is None:
                print(f"  {name:<40} skipped (pip install langchain-openai)")
                continue
            result = embed(texts)  # warm-up, and a check
            if len(result) != TEXTS or len(result[-1]) != DIMENSIONS:
                raise RuntimeError(f"{name} returned {len(result)} vectors")
            seconds = _best(lambda embed=embed: embed(texts), repeat)
            floor = floor or seconds
            print(f"  {name:<40} {seconds * 1000:8.0f} ms  {seconds / floor:5.2f}x")
    finally:
        server.close()


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(serve())
        return
    decoding(args.repeat)
    end_to_end(args.repeat)


if __name__ == "__main__":
    main()
