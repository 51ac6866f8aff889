"""Shared async clients close with their event loop, and no loop is kept alive.

Each test runs with the cycle collector off where it matters: a connection
must be closed when its loop shuts down, not whenever garbage collection
happens to reach a dropped client. (The suite turns ``ResourceWarning`` and
unraisable exceptions into errors, so a client dropped unclosed fails here.)
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import textwrap
import threading
import warnings
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_gradient import ChatGradient, aclose_shared_clients, close_shared_clients

from .loopback import SECRET, LoopbackServer, Reply, completion, delta, open_sockets

OK = Reply.json(completion("pong"))
STREAMED = Reply.sse([delta("po"), delta("ng"), delta(finish_reason="stop")])
ROOT = Path(__file__).resolve().parents[2]


def model_for(server: LoopbackServer, **kwargs: Any) -> ChatGradient:
    return ChatGradient(base_url=server.base_url, api_key=SECRET, **kwargs)


@pytest.fixture
def no_cycle_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.usefixtures("no_cycle_collector")
@pytest.mark.parametrize("fresh", [False, True], ids=["one-instance", "instance-per-run"])
def test_asyncio_run_closes_the_loops_connections(fresh: bool) -> None:
    with LoopbackServer(lambda r: STREAMED if r.json().get("stream") else OK) as server:
        baseline = open_sockets()
        shared = model_for(server)
        kept = []
        for i in range(20):
            model = model_for(server) if fresh else shared
            kept.append(model)  # instances that outlive their loop hold no socket
            if i % 2:
                asyncio.run(model.ainvoke("q"))
            else:

                async def stream(model: ChatGradient = model) -> str:
                    return "".join([chunk.text async for chunk in model.astream("q")])

                assert asyncio.run(stream()) == "pong"
            assert server.wait_until_idle()
        assert open_sockets() == baseline
        assert server.total_connections == 20  # one per loop, each closed with it


@pytest.mark.usefixtures("no_cycle_collector")
@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.Runner is new in 3.11")
def test_an_asyncio_runner_closes_the_loops_connections_when_it_closes() -> None:
    with LoopbackServer([OK]) as server:
        model = model_for(server)
        with asyncio.Runner() as runner:  # type: ignore[attr-defined,unused-ignore]
            for _ in range(3):
                runner.run(model.ainvoke("q"))
            assert server.open_connections == 1  # pooled while the loop lives
        assert server.wait_until_idle()
        assert server.total_connections == 1


def test_pytest_asyncio_tests_leak_nothing_under_warnings_as_errors(tmp_path: Path) -> None:
    # Users' suites: a fresh pytest-asyncio loop per test, warnings as errors.
    test_file = tmp_path / "test_user_suite.py"
    test_file.write_text(
        textwrap.dedent(
            """
            import pytest

            from langchain_gradient import ChatGradient
            from tests.unit_tests.loopback import SECRET, LoopbackServer, Reply, completion, delta

            OK = Reply.json(completion("pong"))
            STREAMED = Reply.sse([delta("pong"), delta(finish_reason="stop")])


            @pytest.fixture(scope="module")
            def server():
                with LoopbackServer(lambda r: STREAMED if r.json().get("stream") else OK) as s:
                    yield s


            @pytest.mark.parametrize("i", range(10))
            async def test_ainvoke(server, i):
                model = ChatGradient(base_url=server.base_url, api_key=SECRET)
                assert (await model.ainvoke("q")).content == "pong"


            @pytest.mark.parametrize("i", range(5))
            async def test_astream(server, i):
                model = ChatGradient(base_url=server.base_url, api_key=SECRET)
                assert "".join([c.text async for c in model.astream("q")]) == "pong"
            """
        )
    )
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(test_file),
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "asyncio_mode=auto",
        "-W",
        "error::ResourceWarning",
        "-W",
        "error::pytest.PytestUnraisableExceptionWarning",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "15 passed" in done.stdout


@pytest.mark.usefixtures("no_cycle_collector")
def test_clients_retired_by_close_shared_clients_close_with_their_loop() -> None:
    with LoopbackServer([OK]) as server:
        model = model_for(server)

        async def main() -> None:
            await model.ainvoke("before")
            close_shared_clients()  # retires the loop's client: it may still be in use
            await model.ainvoke("after")  # a new client, a new connection
            assert server.open_connections == 2

        asyncio.run(main())
        assert server.wait_until_idle()
        assert server.total_connections == 2


@pytest.mark.usefixtures("no_cycle_collector")
def test_aclose_shared_clients_closes_the_loops_clients_at_once() -> None:
    with LoopbackServer([OK]) as server:
        model = model_for(server)
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(model.ainvoke("q"))
            loop.run_until_complete(aclose_shared_clients())
            assert server.wait_until_idle()
        finally:
            loop.close()  # a bare close (no shutdown_asyncgens): nothing left to leak
        assert server.total_connections == 1


@pytest.mark.usefixtures("no_cycle_collector")
def test_a_stream_left_open_when_the_loop_ends_is_closed_with_it() -> None:
    unfinished = Reply.sse([delta("po")], done=False)
    unfinished.endless, unfinished.endless_every = b": still going\n\n", 0.05
    with LoopbackServer([unfinished]) as server:
        model = model_for(server)

        async def main() -> str:
            chunks = model.astream("q")
            first = await chunks.__anext__()
            return first.text  # the generator is left suspended mid-stream

        assert asyncio.run(main()) == "po"
        assert server.wait_until_idle()


def test_loops_never_closed_are_not_kept_alive_after_their_thread_ends() -> None:
    with LoopbackServer([OK]) as server:
        model = model_for(server)  # one instance, used on every thread's loop
        loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []

        def work() -> None:
            loop = asyncio.new_event_loop()
            loops.append(weakref.ref(loop))
            loop.run_until_complete(model.ainvoke("q"))  # and never closed

        # The test leaks these loops on purpose; asyncio reports each when the
        # collector finds it (the loop, its transport and socket).
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(20):
                thread = threading.Thread(target=work)
                thread.start()
                thread.join()
            gc.collect()
        assert [ref for ref in loops if ref() is not None] == []
        assert server.wait_until_idle()
        # Python 3.13+ also reports the aclose() the loop's own asyncgen
        # finaliser scheduled on a loop that will never run again (a known
        # limitation, CONTRIBUTING "Where this differs"); nothing else may appear.
        leftover = [
            w
            for w in caught
            if not (
                w.category is RuntimeWarning
                and "'_close_with_loop' was never awaited" in str(w.message)
            )
        ]
        assert {w.category for w in leftover} <= {ResourceWarning}
        assert all("unclosed" in str(w.message) for w in leftover)
