"""Connection pools are shared process-wide: fresh instances, ``configurable_fields``
copies, threads and event loops reuse warm connections; a fork starts clean; a
user's client stays the user's; closing one instance never breaks another."""

from __future__ import annotations

import asyncio
import os
import threading
from dataclasses import replace
from typing import Any

import httpx
import pytest
from langchain_core.runnables import ConfigurableField

from langchain_gradient import (
    ChatGradient,
    ChatGradientAgent,
    GradientEmbeddings,
    _clients,
    aclose_shared_clients,
    alist_models,
    close_shared_clients,
    list_models,
)

from . import responses_replies
from .loopback import SECRET, LoopbackServer, Reply, Request, completion, delta
from .paths import BOTH_APIS, PATHS, Path

OK = Reply.json(completion("pong"))
CALLS = 20


def model_for(server: LoopbackServer, **kwargs: Any) -> ChatGradient:
    return ChatGradient(base_url=server.base_url, api_key=SECRET, **kwargs)


# ------------------------------------------- connections per 20 calls


def test_fresh_instances_reuse_one_connection() -> None:
    with LoopbackServer([OK]) as server:
        for i in range(CALLS):
            assert model_for(server).invoke(f"q{i}").content == "pong"
        assert len(server.requests) == CALLS
        assert server.total_connections <= 2


async def test_fresh_instances_reuse_one_connection_async() -> None:
    with LoopbackServer([OK]) as server:
        for i in range(CALLS):
            assert (await model_for(server).ainvoke(f"q{i}")).content == "pong"
        assert len(server.requests) == CALLS
        assert server.total_connections <= 2


def test_configurable_fields_calls_reuse_one_connection() -> None:
    with LoopbackServer([OK]) as server:
        model = model_for(server).configurable_fields(
            temperature=ConfigurableField(id="temperature")
        )
        for i in range(CALLS):
            config = {"configurable": {"temperature": (i % 10) / 10}}
            assert model.invoke(f"q{i}", config=config).content == "pong"  # type: ignore[arg-type]
        temperatures = {request.json()["temperature"] for request in server.requests}
        assert len(temperatures) == 10  # every call really built its own instance
        assert server.total_connections <= 2


async def test_configurable_fields_calls_reuse_one_connection_async() -> None:
    with LoopbackServer([OK]) as server:
        model = model_for(server).configurable_fields(
            temperature=ConfigurableField(id="temperature")
        )
        for i in range(CALLS):
            config = {"configurable": {"temperature": (i % 10) / 10}}
            reply = await model.ainvoke(f"q{i}", config=config)  # type: ignore[arg-type]
            assert reply.content == "pong"
        assert server.total_connections <= 2


def test_different_keys_and_urls_share_the_pool() -> None:
    # Key, URL and timeout travel on each request, so they do not split pools.
    with LoopbackServer([OK]) as one, LoopbackServer([OK]) as two:
        ChatGradient(base_url=one.base_url, api_key="key-a", timeout=5).invoke("x")
        ChatGradient(base_url=two.base_url, api_key="key-b", timeout=9).invoke("x")
        ChatGradient(base_url=one.base_url, api_key="key-c").invoke("x")
        assert one.total_connections == 1
        assert two.total_connections == 1
        assert [r.headers["authorization"] for r in one.requests] == [
            "Bearer key-a",
            "Bearer key-c",
        ]


# ------------------------------ every path: one connection per 100 calls

STREAMED = Reply.sse([delta("po"), delta("ng"), delta(finish_reason="stop")])
HUNDRED = 100


# The Responses API's typed stream has no [DONE]: it ends after response.completed.
RESPONSES_STREAMED = Reply.sse(
    responses_replies.typed_events(responses_replies.Reply(text=("po", "ng"))), done=False
)
RESPONSES_OK = Reply.json(responses_replies.whole(responses_replies.Reply(text=("pong",))))


def json_or_stream(request: Request) -> Reply:
    """``pong`` as the request asks for it: a JSON body, or a stream, in the API's shapes."""
    streams = request.json().get("stream")
    if request.path.endswith("/responses"):
        return RESPONSES_STREAMED if streams else RESPONSES_OK
    return STREAMED if streams else OK


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_every_path_opens_one_connection_per_100_calls(path: Path) -> None:
    # Streams included: a stream's connection goes back to the pool only if
    # its body was read to the end (after [DONE]; on the Responses API, after
    # response.completed); an async path's calls share one event loop, whose
    # client is the loop's.
    with LoopbackServer(json_or_stream) as server:
        replies = path.repeat(model_for(server, **path.model_kwargs), HUNDRED)
        assert [reply.text for reply in replies] == ["pong"] * HUNDRED
        assert [bool(r.json().get("stream")) for r in server.requests] == [path.streams] * HUNDRED
        assert server.total_connections == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_agents_embeddings_and_the_catalogue_open_one_connection_per_100_calls(
    mode: str,
) -> None:
    def answer(request: Request) -> Reply:
        if request.path.endswith("/embeddings"):
            return Reply.json({"object": "list", "data": [{"index": 0, "embedding": [0.5]}]})
        if request.path.endswith("/models"):
            return Reply.json({"object": "list", "data": [{"id": "m", "object": "model"}]})
        return json_or_stream(request)

    with LoopbackServer(answer) as server:
        agent = ChatGradientAgent(base_url=server.base_url, api_key=SECRET)
        embeddings = GradientEmbeddings(model="e", base_url=server.base_url, api_key=SECRET)
        catalogue = {"api_key": SECRET, "base_url": server.base_url}
        if mode == "sync":
            for _ in range(HUNDRED // 4):
                assert "".join(chunk.text for chunk in agent.stream("q")) == "pong"
                assert agent.invoke("q").text == "pong"
                assert embeddings.embed_query("q") == [0.5]
                assert [m.id for m in list_models(**catalogue)] == ["m"]
        else:

            async def calls() -> None:
                for _ in range(HUNDRED // 4):
                    assert "".join([chunk.text async for chunk in agent.astream("q")]) == "pong"
                    assert (await agent.ainvoke("q")).text == "pong"
                    assert await embeddings.aembed_query("q") == [0.5]
                    assert [m.id for m in await alist_models(**catalogue)] == ["m"]

            asyncio.run(calls())
        assert len(server.requests) == HUNDRED
        assert server.total_connections == 1


# ------------------------------------------------------- what splits a pool


def test_client_settings_and_proxy_environment_split_the_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    default = _clients.shared_client()
    assert _clients.shared_client() is default
    assert _clients.shared_client(_clients.ClientSettings(verify=False)) is not default
    # httpx reads proxies when it builds a client: a changed proxy variable
    # must not be served by a client built before it.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    proxied = _clients.shared_client()
    assert proxied is not default
    monkeypatch.delenv("HTTPS_PROXY")
    assert _clients.shared_client() is default


def test_threads_creating_instances_share_one_client(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[httpx.Client] = []
    real = _clients.ClientSettings.build

    def counting(settings: _clients.ClientSettings) -> httpx.Client:
        client = real(settings)
        created.append(client)
        return client

    monkeypatch.setattr(_clients.ClientSettings, "build", counting)
    with LoopbackServer([OK]) as server:
        errors: list[BaseException] = []
        barrier = threading.Barrier(8)

        def work() -> None:
            try:
                barrier.wait()
                for _ in range(3):
                    model_for(server).invoke("ping")
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(server.requests) == 24
        assert len(created) == 1
        # At most one connection per thread that was in flight at once.
        assert server.total_connections <= 8


def test_one_async_client_per_event_loop() -> None:
    with LoopbackServer([OK]) as server:

        async def two_instances() -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
            await model_for(server).ainvoke("a")
            await model_for(server).ainvoke("b")
            return _clients.shared_async_client(), _clients.shared_async_client()

        first = asyncio.run(two_instances())
        second = asyncio.run(two_instances())
        assert first[0] is first[1]
        assert second[0] is not first[0]  # a closed loop's client is never reused
        assert len(server.requests) == 4


# ----------------------------------------------------------------- closing


def test_closing_one_instance_does_not_break_another() -> None:
    with LoopbackServer([OK]) as server:
        a, b = model_for(server), model_for(server)
        a.invoke("x")
        with b:
            b.invoke("y")
        a.close()
        assert a.invoke("again").content == "pong"
        assert b.invoke("again").content == "pong"
        assert server.total_connections == 1
        assert server.open_connections == 1


async def test_aclosing_one_instance_does_not_break_another() -> None:
    with LoopbackServer([OK]) as server:
        a, b = model_for(server), model_for(server)
        async with a:
            await a.ainvoke("x")
        assert (await b.ainvoke("y")).content == "pong"
        assert server.total_connections == 1


def test_close_shared_clients_releases_connections_and_models_keep_working() -> None:
    with LoopbackServer([OK]) as server:
        model = model_for(server)
        model.invoke("x")
        assert server.open_connections == 1
        close_shared_clients()
        assert server.wait_until_idle()
        assert model.invoke("y").content == "pong"  # a new shared pool
        assert server.total_connections == 2


async def test_aclose_shared_clients_releases_the_loops_connections() -> None:
    with LoopbackServer([OK]) as server:
        model = model_for(server)
        await model.ainvoke("x")
        assert server.open_connections == 1
        await aclose_shared_clients()
        assert await asyncio.to_thread(server.wait_until_idle)
        assert (await model.ainvoke("y")).content == "pong"


def test_user_clients_survive_close_shared_clients() -> None:
    with LoopbackServer([OK]) as server:
        client = httpx.Client()
        model = model_for(server, http_client=client)
        model.invoke("x")
        model.close()
        close_shared_clients()
        assert not client.is_closed
        assert model.invoke("y").content == "pong"
        client.close()


def test_list_models_uses_the_shared_pool() -> None:
    catalogue = Reply.json({"object": "list", "data": [{"id": "m", "object": "model"}]})
    with LoopbackServer([catalogue]) as server:
        for _ in range(5):
            assert [m.id for m in list_models(api_key=SECRET, base_url=server.base_url)] == ["m"]
        assert server.total_connections == 1


# -------------------------------------------------------------------- fork


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
# The loopback server's thread makes Python 3.12+ warn about forking a threaded
# process; the child never touches that thread's state, only the socket.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_opens_its_own_connections() -> None:
    with LoopbackServer([OK]) as server:
        model = model_for(server)
        model.invoke("parent")
        parent_client = _clients.shared_client()
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report through the pipe, never return to pytest
            status = b"ok"
            try:
                if _clients.shared_client() is parent_client:
                    status = b"child reused the parent's client"
                elif model.invoke("child").content != "pong":
                    status = b"bad reply"
            except BaseException as exc:
                status = repr(exc).encode()
            os.write(write_end, status)
            os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            status = pipe.read()
        os.waitpid(pid, 0)
        assert status == b"ok"
        model.invoke("parent again")  # the parent's pool is untouched
        assert server.total_connections == 2  # the parent's one, the child's own
        assert [r.json()["messages"][0]["content"] for r in server.requests] == [
            "parent",
            "child",
            "parent again",
        ]


# ----------------------------------------------------------- concurrency


@pytest.mark.parametrize("fresh", [False, True], ids=["one-instance", "instance-per-call"])
def test_200_concurrent_calls_fill_the_shared_pool_without_a_bottleneck(fresh: bool) -> None:
    limit = _clients.DEFAULT_LIMITS.max_connections
    assert limit is not None
    calls = 200
    # The server holds every answer until `limit` requests wait at once: the
    # gate opens only if sharing (its lock, its registry) lets the pool fill
    # to httpx's own limit; a serialising pool would time the gate out.
    with LoopbackServer([OK], gate_at=limit, gate_timeout=5.0) as server:
        shared = model_for(server)

        async def main() -> list[Any]:
            models = [model_for(server) if fresh else shared for _ in range(calls)]
            replies = await asyncio.gather(*(m.ainvoke(f"q{i}") for i, m in enumerate(models)))
            await aclose_shared_clients()
            return replies

        replies = asyncio.run(main())
        assert [r.content for r in replies] == ["pong"] * calls
        assert server.gate_opened_with == limit
        assert server.peak_in_flight == limit
        assert server.wait_until_idle()


# ------------------------------------------- cookies across API keys

SET_COOKIE = {"set-cookie": "session=first-key; Path=/"}


def _cookie_reply(*, streams: bool) -> Reply:
    """The first key's answer, setting a cookie, as a JSON body or an event stream."""
    if not streams:
        return Reply.json(completion("pong"), **SET_COOKIE)
    events = Reply.sse([delta("pong"), delta(finish_reason="stop")])
    return replace(events, headers={**events.headers, **SET_COOKIE})


# The async paths each run in a fresh event loop (so a fresh async client); the
# async test below keeps both keys on one loop instead.
SYNC_PATHS = [path for path in PATHS if not path.name.startswith("a")]


@pytest.mark.parametrize("path", SYNC_PATHS, ids=str)
def test_shared_clients_do_not_carry_one_keys_cookie_to_another(path: Path) -> None:
    with LoopbackServer([_cookie_reply(streams=path.streams), OK]) as server:
        first = ChatGradient(base_url=server.base_url, api_key="first-key", **path.model_kwargs)
        path.call(first)
        ChatGradient(base_url=server.base_url, api_key="second-key").invoke("q2")
        second = server.requests[1]
        assert second.headers["authorization"] == "Bearer second-key"
        assert "cookie" not in second.headers


@pytest.mark.parametrize("streams", [False, True], ids=["ainvoke", "astream"])
async def test_shared_async_clients_do_not_carry_cookies(streams: bool) -> None:
    with LoopbackServer([_cookie_reply(streams=streams), OK]) as server:
        first = ChatGradient(base_url=server.base_url, api_key="first-key")
        if streams:
            async for _ in first.astream("q1"):
                pass
        else:
            await first.ainvoke("q1")
        await ChatGradient(base_url=server.base_url, api_key="second-key").ainvoke("q2")
        assert "cookie" not in server.requests[1].headers


def test_a_users_client_keeps_its_cookies() -> None:
    cookie = Reply.json(completion("pong"), **SET_COOKIE)
    with LoopbackServer([cookie, OK]) as server, httpx.Client() as client:
        model = model_for(server, http_client=client)
        model.invoke("q1")
        model.invoke("q2")
        assert server.requests[1].headers["cookie"] == "session=first-key"
