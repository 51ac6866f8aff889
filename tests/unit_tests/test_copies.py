"""Copies of a model work and follow their own fields, before and after the first call.

``copy.deepcopy``, ``copy.copy``, ``model_copy()`` (shallow and deep) and
``model_copy(update=...)`` of ``http_client``, ``http_async_client``,
``base_url`` and ``api_key``; pickles never carry the key or a client. For
`ChatGradient` (and so `ChatGradientAgent`) and `GradientEmbeddings`.
"""

from __future__ import annotations

import asyncio
import copy
import pickle
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from langchain_gradient import ChatGradient, GradientEmbeddings

from .loopback import SECRET, LoopbackServer, Reply, Request, completion

Model = ChatGradient | GradientEmbeddings
KINDS = ["chat", "embeddings"]
VECTORS = {"object": "list", "data": [{"index": 0, "embedding": [0.5]}]}


def answer(request: Request) -> Reply:
    return Reply.json(VECTORS if request.path.endswith("/embeddings") else completion("pong"))


def build(kind: str, server: LoopbackServer, **kwargs: Any) -> Model:
    if kind == "chat":
        return ChatGradient(base_url=server.base_url, api_key=SECRET, **kwargs)
    return GradientEmbeddings(model="e", base_url=server.base_url, api_key=SECRET, **kwargs)


def call(model: Model) -> None:
    """One sync call, checked."""
    if isinstance(model, ChatGradient):
        assert model.invoke("q").text == "pong"
    else:
        assert model.embed_query("q") == [0.5]


def acall(model: Model) -> None:
    """One async call in a fresh loop, checked."""

    async def once() -> None:
        if isinstance(model, ChatGradient):
            assert (await model.ainvoke("q")).text == "pong"
        else:
            assert await model.aembed_query("q") == [0.5]

    asyncio.run(once())


def mock_handler(seen: list[str], name: str) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(name)
        body = VECTORS if request.url.path.endswith("/embeddings") else completion("pong")
        return httpx.Response(200, json=body)

    return handle


COPIES: dict[str, Callable[[Any], Any]] = {
    "deepcopy": copy.deepcopy,
    "copy": copy.copy,
    "model_copy": lambda model: model.model_copy(),
    "model_copy(deep)": lambda model: model.model_copy(deep=True),
}


@pytest.mark.parametrize("used", ["unused", "sync", "both"])
@pytest.mark.parametrize("how", list(COPIES), ids=str)
@pytest.mark.parametrize("kind", KINDS)
def test_copies_work_before_and_after_the_first_call(kind: str, how: str, used: str) -> None:
    with LoopbackServer(answer) as server:
        model = build(kind, server)
        if used in ("sync", "both"):
            call(model)
        if used in ("async", "both"):
            acall(model)
        clone = COPIES[how](model)
        call(clone)
        acall(clone)
        call(model)  # the original is untouched
        assert len(server.requests) == 3 + (used in ("sync", "both")) + (used in ("async", "both"))


@pytest.mark.parametrize("how", ["deepcopy", "model_copy(deep)"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_deep_copy_talks_through_the_same_user_clients(kind: str, how: str) -> None:
    seen: list[str] = []
    sync_client = httpx.Client(transport=httpx.MockTransport(mock_handler(seen, "sync")))
    async_client = httpx.AsyncClient(transport=httpx.MockTransport(mock_handler(seen, "async")))
    with LoopbackServer(answer) as server, sync_client:
        model = build(kind, server, http_client=sync_client, http_async_client=async_client)
        call(model)
        clone = COPIES[how](model)
        assert clone.http_client is sync_client
        assert clone.http_async_client is async_client
        call(clone)
        acall(clone)
        assert seen == ["sync", "sync", "async"]
        assert server.requests == []
    asyncio.run(async_client.aclose())


@pytest.mark.parametrize("deep", [False, True], ids=["shallow", "deep"])
@pytest.mark.parametrize("kind", KINDS)
def test_model_copy_with_new_user_clients_talks_through_them(kind: str, deep: bool) -> None:
    seen: list[str] = []
    new_sync = httpx.Client(transport=httpx.MockTransport(mock_handler(seen, "new sync")))
    new_async = httpx.AsyncClient(transport=httpx.MockTransport(mock_handler(seen, "new async")))
    with LoopbackServer(answer) as server, new_sync:
        model = build(kind, server)
        call(model)
        acall(model)
        clone = model.model_copy(
            update={"http_client": new_sync, "http_async_client": new_async}, deep=deep
        )
        call(clone)
        acall(clone)
        assert seen == ["new sync", "new async"]
        call(model)  # the original keeps the shared pool
        assert len(server.requests) == 3
    asyncio.run(new_async.aclose())


@pytest.mark.parametrize("kind", KINDS)
def test_model_copy_with_a_new_base_url_and_key_sends_there_with_it(kind: str) -> None:
    with LoopbackServer(answer) as old, LoopbackServer(answer) as new:
        model = build(kind, old)
        call(model)
        acall(model)
        clone = model.model_copy(
            update={"base_url": new.base_url, "api_key": SecretStr("sk-do-other-key")}
        )
        call(clone)
        acall(clone)
        assert len(old.requests) == 2
        assert [r.headers["authorization"] for r in new.requests] == ["Bearer sk-do-other-key"] * 2


@pytest.mark.parametrize("kind", KINDS)
def test_an_assigned_user_client_is_used_from_the_next_call(kind: str) -> None:
    seen: list[str] = []
    with (
        LoopbackServer(answer) as server,
        httpx.Client(transport=httpx.MockTransport(mock_handler(seen, "assigned"))) as client,
    ):
        model = build(kind, server)
        call(model)
        model.http_client = client
        call(model)
        assert seen == ["assigned"]
        assert len(server.requests) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_pickles_after_use_carry_neither_key_nor_clients(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LoopbackServer(answer) as server, httpx.Client() as client:
        model = build(kind, server, http_client=client)
        call(model)
        acall(model)
        data = pickle.dumps(model)
        assert SECRET.encode() not in data
        monkeypatch.setenv("DIGITALOCEAN_INFERENCE_KEY", "sk-do-from-env")
        restored = pickle.loads(data)  # noqa: S301 - our own bytes
        assert restored.http_client is None
        call(restored)  # through the shared pool, with the key from the environment
        acall(restored)
        assert [r.headers["authorization"] for r in server.requests[-2:]] == [
            "Bearer sk-do-from-env"
        ] * 2
