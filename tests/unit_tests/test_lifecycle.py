"""Connection lifecycle: lazy pooled clients, one async client per event loop,
user-supplied clients, many concurrent calls, no leaked sockets (sharing across
instances and closing: test_shared_pools.py)."""

from __future__ import annotations

import asyncio
import gc
import threading
from typing import Any

import httpx
import pytest

from langchain_gradient import ChatGradient, _transport, aclose_shared_clients

from .loopback import SECRET, LoopbackServer, Reply, completion, open_sockets

OK = Reply.json(completion("pong"))


def model_for(server: LoopbackServer, **kwargs: Any) -> ChatGradient:
    return ChatGradient(base_url=server.base_url, api_key=SECRET, **kwargs)


@pytest.fixture
def created(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts the httpx clients the package creates."""
    counts = {"sync": 0, "async": 0}

    class CountingClient(httpx.Client):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            counts["sync"] += 1
            super().__init__(*args, **kwargs)

    class CountingAsyncClient(httpx.AsyncClient):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            counts["async"] += 1
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(_transport.httpx, "Client", CountingClient)
    monkeypatch.setattr(_transport.httpx, "AsyncClient", CountingAsyncClient)
    return counts


# ------------------------------------------------------------- pooling


def test_clients_are_created_lazily(created: dict[str, int]) -> None:
    ChatGradient(api_key=SECRET)
    assert created == {"sync": 0, "async": 0}


def test_sync_calls_share_one_pooled_connection(created: dict[str, int]) -> None:
    with LoopbackServer([OK]) as server:
        model = model_for(server)
        for _ in range(3):
            assert model.invoke("ping").content == "pong"
        assert server.total_connections == 1
        model.close()
    assert created["sync"] == 1


def test_threads_share_one_sync_client(created: dict[str, int]) -> None:
    with LoopbackServer([OK]) as server:
        model = model_for(server)
        errors: list[BaseException] = []
        barrier = threading.Barrier(8)

        def work() -> None:
            try:
                barrier.wait()
                model.invoke("ping")
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        model.close()
    assert errors == []
    assert created["sync"] == 1


async def test_async_calls_in_one_loop_share_one_client(created: dict[str, int]) -> None:
    with LoopbackServer([OK]) as server:
        model = model_for(server)
        for _ in range(3):
            assert (await model.ainvoke("ping")).content == "pong"
        await model.aclose()
        assert server.total_connections == 1
    assert created["async"] == 1


def test_two_sequential_event_loops_on_one_instance(created: dict[str, int]) -> None:
    with LoopbackServer([OK]) as server:
        model = model_for(server)
        # The first loop's client must not be reused by the second (it would
        # fail with "Event loop is closed").
        first = asyncio.run(model.ainvoke("one"))
        second = asyncio.run(model.ainvoke("two"))
        assert (first.content, second.content) == ("pong", "pong")
        model.close()
    assert created["async"] == 2


# ------------------------------------------------------------- closing


# Closing an instance closes nothing shared: test_shared_pools.py.


def test_closed_loops_do_not_keep_sockets_open() -> None:
    with LoopbackServer([OK]) as server:
        gc.collect()
        baseline = open_sockets()
        model = model_for(server)
        for _ in range(3):
            asyncio.run(model.ainvoke("ping"))  # no aclose: the loop just ends
        model.close()
        gc.collect()
        assert server.wait_until_idle()
        assert open_sockets() == baseline


def test_user_supplied_clients_are_never_closed() -> None:
    with LoopbackServer([OK]) as server:
        sync_client = httpx.Client()
        model = model_for(server, http_client=sync_client)
        with model:
            model.invoke("ping")
        model.close()
        assert not sync_client.is_closed
        # Still usable by its owner.
        assert sync_client.post(server.base_url + "/chat/completions").status_code == 200
        sync_client.close()

        async def use_async() -> None:
            # An AsyncClient belongs to its loop: use and close it in one.
            async_client = httpx.AsyncClient()
            model = model_for(server, http_async_client=async_client)
            async with model:
                await model.ainvoke("ping")
            await model.aclose()
            assert not async_client.is_closed
            response = await async_client.post(server.base_url + "/chat/completions")
            assert response.status_code == 200
            await async_client.aclose()

        asyncio.run(use_async())
        assert server.wait_until_idle()


# --------------------------------------------------------- concurrency


def test_hundreds_of_concurrent_calls_use_a_bounded_pool_and_leak_nothing() -> None:
    limit = _transport.DEFAULT_LIMITS.max_connections
    assert limit is not None
    calls = limit + 100
    # The server holds every answer until `limit` requests wait at once, so an
    # unbounded client would have more than `limit` requests in flight.
    with LoopbackServer([OK], gate_at=limit, gate_timeout=5.0) as server:
        gc.collect()
        baseline = open_sockets()
        model = model_for(server)

        async def main() -> list[Any]:
            replies = await asyncio.gather(*(model.ainvoke(f"q{i}") for i in range(calls)))
            await aclose_shared_clients()
            return replies

        replies = asyncio.run(main())
        assert [r.content for r in replies] == ["pong"] * calls
        assert len(server.requests) == calls
        assert server.gate_opened_with == limit
        assert server.peak_in_flight == limit
        assert server.wait_until_idle()
        assert open_sockets() == baseline
