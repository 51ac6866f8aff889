"""GradientEmbeddings: requests, batching, order, concurrency, retries, progress."""

from __future__ import annotations

import random
import sys
import threading
import types
from typing import Any

import httpx
import pytest

from langchain_gradient import ChatGradient, GradientEmbeddings
from langchain_gradient.errors import GradientBadRequestError, GradientServerError

from .fake_embeddings import KEY, FakeEmbeddingsAPI, embed, embed_one, texts, vector_of
from .loopback import patch_sleep

MODES = ["sync", "async"]


@pytest.mark.parametrize("mode", MODES)
def test_body_holds_only_fields_the_api_accepts(mode: str) -> None:
    api = FakeEmbeddingsAPI()
    embed(api.model(), mode, ["t1", "t2"])
    embed(api.model(user="end-user-7", encoding_format="float"), mode, ["t3"])

    assert api.bodies == [
        {"model": "qwen3-embedding-0.6b", "input": ["t1", "t2"], "encoding_format": "base64"},
        {
            "model": "qwen3-embedding-0.6b",
            "input": ["t3"],
            "encoding_format": "float",
            "user": "end-user-7",
        },
    ]


@pytest.mark.parametrize("mode", MODES)
def test_request_goes_to_base_url_embeddings_with_the_key(mode: str) -> None:
    api = FakeEmbeddingsAPI()
    model = api.model(base_url="https://example.invalid/v1/", default_headers={"X-Team": "a"})
    embed_one(model, mode, "t1")

    request = api.requests[0]
    assert request.method == "POST"
    assert str(request.url) == "https://example.invalid/v1/embeddings"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["x-team"] == "a"
    assert request.headers["user-agent"].startswith("langchain-gradient/")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("encoding", ["float", "base64"])
def test_both_encodings_decode_to_the_same_floats(mode: str, encoding: str) -> None:
    api = FakeEmbeddingsAPI()
    result = embed(api.model(encoding_format=encoding), mode, ["t3", "t8"])

    assert result == [[3.0, 1.5, -1.0], [8.0, 4.0, -1.0]]
    assert all(type(value) is float for vector in result for value in vector)


@pytest.mark.parametrize("mode", MODES)
def test_embed_query_returns_one_vector(mode: str) -> None:
    api = FakeEmbeddingsAPI()
    assert embed_one(api.model(), mode, "t5") == [5.0, 2.5, -1.0]
    assert api.inputs == [["t5"]]


@pytest.mark.parametrize("mode", MODES)
def test_5000_texts_go_out_as_requests_of_at_most_2048_in_input_order(mode: str) -> None:
    api = FakeEmbeddingsAPI()
    corpus = texts(5000)
    result = embed(api.model(), mode, corpus)

    assert sorted(len(sent) for sent in api.inputs) == [904, 2048, 2048]
    # Each request carries a contiguous slice, and together they are the corpus.
    assert sorted(api.inputs, key=lambda sent: int(sent[0][1:])) == [
        corpus[:2048],
        corpus[2048:4096],
        corpus[4096:],
    ]
    assert result == [vector_of(text) for text in corpus]


@pytest.mark.parametrize("mode", MODES)
def test_smaller_chunk_size_splits_further(mode: str) -> None:
    api = FakeEmbeddingsAPI()
    corpus = texts(2500)
    result = embed(api.model(chunk_size=1000), mode, corpus)

    assert sorted(len(sent) for sent in api.inputs) == [500, 1000, 1000]
    assert result == [vector_of(text) for text in corpus]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "reorder",
    [reversed, lambda items: random.Random(7).sample(items, len(items))],  # noqa: S311
    ids=["reversed", "shuffled"],
)
def test_items_are_placed_by_index_not_position(mode: str, reorder: Any) -> None:
    api = FakeEmbeddingsAPI(reorder=reorder)
    corpus = texts(300)
    result = embed(api.model(chunk_size=128), mode, corpus)

    assert result == [vector_of(text) for text in corpus]


@pytest.mark.parametrize("mode", MODES)
def test_empty_list_sends_nothing(mode: str) -> None:
    api = FakeEmbeddingsAPI()
    assert embed(api.model(), mode, []) == []
    assert api.requests == []


@pytest.mark.parametrize("mode", MODES)
def test_empty_strings_are_sent_as_they_are(mode: str) -> None:
    # The server decides what an empty string means (llama-server and OpenAI
    # answer 400; test_embeddings_empty_string_is_the_servers_call records it):
    # nothing is dropped, padded or rejected on the way.
    api = FakeEmbeddingsAPI(body=lambda inputs, _: _by_length(inputs))
    result = embed(api.model(encoding_format="float"), mode, ["", "abc", ""])

    assert api.inputs == [["", "abc", ""]]
    assert result == [[0.0, 1.0], [3.0, 1.0], [0.0, 1.0]]


def _by_length(inputs: list[str]) -> dict[str, Any]:
    data = [{"index": i, "embedding": [float(len(text)), 1.0]} for i, text in enumerate(inputs)]
    return {"data": data}


def test_async_chunks_run_concurrently_up_to_the_limit() -> None:
    api = FakeEmbeddingsAPI(delay=0.02)
    corpus = texts(60)
    result = embed(api.model(chunk_size=10, max_concurrency=3), "async", corpus)

    assert api.peak == 3
    assert len(api.requests) == 6
    assert result == [vector_of(text) for text in corpus]


def test_async_max_concurrency_1_sends_one_chunk_at_a_time() -> None:
    api = FakeEmbeddingsAPI(delay=0.01)
    embed(api.model(chunk_size=10, max_concurrency=1), "async", texts(40))

    assert api.peak == 1
    assert [sent[0] for sent in api.inputs] == ["t0", "t10", "t20", "t30"]


def test_sync_chunks_run_on_threads_up_to_the_limit() -> None:
    # The barrier only opens when two requests are in flight at once: a
    # sequential implementation fails with BrokenBarrierError.
    api = FakeEmbeddingsAPI(barrier=threading.Barrier(2, timeout=10), delay=0.01)
    corpus = texts(40)
    result = embed(api.model(chunk_size=10, max_concurrency=2), "sync", corpus)

    assert api.peak == 2
    assert result == [vector_of(text) for text in corpus]


def test_sync_max_concurrency_1_stays_on_the_calling_thread() -> None:
    seen: set[int] = set()
    api = FakeEmbeddingsAPI()
    handle = api.handle

    def recording(request: httpx.Request) -> httpx.Response:
        seen.add(threading.get_ident())
        return handle(request)

    model = GradientEmbeddings(
        model="m",
        api_key=KEY,
        chunk_size=5,
        max_concurrency=1,
        http_client=httpx.Client(transport=httpx.MockTransport(recording)),
    )
    model.embed_documents(texts(20))

    assert seen == {threading.get_ident()}
    assert [sent[0] for sent in api.inputs] == ["t0", "t5", "t10", "t15"]


@pytest.mark.parametrize("mode", MODES)
def test_a_failed_chunk_is_retried_alone(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    waits = patch_sleep(monkeypatch)
    # With one request in flight at a time, request 1 is the second chunk.
    api = FakeEmbeddingsAPI(fail={1: httpx.Response(503, json={"error": {"message": "busy"}})})
    corpus = texts(5000)
    result = embed(api.model(max_concurrency=1), mode, corpus)

    assert [sent[0] for sent in api.inputs] == ["t0", "t2048", "t2048", "t4096"]
    assert len(waits) == 1
    assert result == [vector_of(text) for text in corpus]


@pytest.mark.parametrize("mode", MODES)
def test_retries_exhausted_raise_the_typed_error(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    patch_sleep(monkeypatch)
    busy = httpx.Response(503, json={"error": {"message": "overloaded"}})
    api = FakeEmbeddingsAPI(fail={0: busy, 1: busy, 2: busy})

    with pytest.raises(GradientServerError, match="overloaded"):
        embed(api.model(max_retries=2), mode, ["t1"])
    assert len(api.requests) == 3


@pytest.mark.parametrize("mode", MODES)
def test_a_rejected_chunk_fails_the_call(mode: str) -> None:
    rejected = httpx.Response(400, json={"error": {"message": "input too long"}})
    api = FakeEmbeddingsAPI(fail={0: rejected})

    with pytest.raises(GradientBadRequestError, match="input too long"):
        embed(api.model(chunk_size=10, max_concurrency=1), mode, texts(30))
    # Nothing after the failure is sent, and nothing is returned half-done.
    assert len(api.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_progress_bar_counts_texts(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bars: list[FakeBar] = []

    class FakeBar:
        def __init__(self, **kwargs: Any) -> None:
            self.kwargs = kwargs
            self.updates: list[int] = []
            self.closed = False
            bars.append(self)

        def update(self, count: int) -> None:
            self.updates.append(count)

        def close(self) -> None:
            self.closed = True

    auto = types.ModuleType("tqdm.auto")
    auto.tqdm = FakeBar  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tqdm", types.ModuleType("tqdm"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", auto)

    api = FakeEmbeddingsAPI()
    embed(api.model(chunk_size=1000, show_progress_bar=True), mode, texts(2500))

    assert len(bars) == 1
    assert bars[0].kwargs["total"] == 2500
    assert sorted(bars[0].updates) == [500, 1000, 1000]
    assert bars[0].closed


def test_progress_bar_without_tqdm_fails_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)

    with pytest.raises(ImportError, match="pip install tqdm"):
        GradientEmbeddings(model="m", api_key=KEY, show_progress_bar=True)


def test_no_progress_bar_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)

    api = FakeEmbeddingsAPI()
    assert embed(api.model(), "sync", ["t1"]) == [vector_of("t1")]


def test_key_comes_from_the_environment_in_chat_gradients_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRADIENT_MODEL_ACCESS_KEY", "sk-do-second")
    assert GradientEmbeddings(model="m").api_key.get_secret_value() == "sk-do-second"  # type: ignore[union-attr]

    monkeypatch.setenv("DIGITALOCEAN_INFERENCE_KEY", "sk-do-first")
    monkeypatch.setenv("DIGITALOCEAN_INFERENCE_BASE_URL", "https://proxy.invalid/v1")
    model = GradientEmbeddings(model="m")
    assert model.api_key.get_secret_value() == "sk-do-first"  # type: ignore[union-attr]
    assert model.base_url == "https://proxy.invalid/v1"


def test_close_leaves_user_clients_and_the_shared_pool_open() -> None:
    mine = httpx.Client(transport=httpx.MockTransport(FakeEmbeddingsAPI().handle))
    with GradientEmbeddings(model="m", api_key=KEY, http_client=mine) as model:
        model.embed_query("t1")
    assert not mine.is_closed

    # The default pool is the one chat models use too: closing one instance
    # must not close it under the others.
    own = GradientEmbeddings(model="m", api_key=KEY)
    chat = ChatGradient(api_key=KEY)
    client = own._clients.sync()
    assert client is chat._clients.sync()
    own.close()
    assert not client.is_closed
    assert chat._clients.sync() is client


def test_a_failed_chunk_on_threads_stops_the_chunks_not_yet_sent() -> None:
    rejected = httpx.Response(400, json={"error": {"message": "bad chunk"}})
    api = FakeEmbeddingsAPI(fail={0: rejected}, delay=0.01)

    with pytest.raises(GradientBadRequestError, match="bad chunk"):
        embed(api.model(chunk_size=10, max_concurrency=2), "sync", texts(200))
    assert len(api.requests) < 20


async def test_a_failed_chunk_in_async_stops_the_chunks_not_yet_sent() -> None:
    rejected = httpx.Response(400, json={"error": {"message": "bad chunk"}})
    api = FakeEmbeddingsAPI(fail={0: rejected}, delay=0.01)

    with pytest.raises(GradientBadRequestError, match="bad chunk"):
        await api.model(chunk_size=10, max_concurrency=2).aembed_documents(texts(200))
    assert len(api.requests) <= 2
