"""`GradientKnowledgeBaseRetriever` against a loopback knowledge base (and in-memory faults).

The loopback server (``tests/kb_server.py``) implements the documented
``/retrieve`` contract with real keyword and vector scoring, both filter
shapes and DigitalOcean's error statuses; faults a server cannot easily
produce (refused connections, timeouts, broken bodies) use
``httpx.MockTransport``.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from langchain.agents import create_agent
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.documents import Document
from langchain_core.load import dumpd, dumps
from langchain_core.messages import AIMessage, ToolMessage

import langchain_gradient
from langchain_gradient import ChatGradient, GradientKnowledgeBaseRetriever
from langchain_gradient.errors import (
    GradientAuthenticationError,
    GradientBadRequestError,
    GradientConnectionError,
    GradientInvalidInputError,
    GradientMissingAPIKeyError,
    GradientNotFoundError,
    GradientPermissionDeniedError,
    GradientRateLimitError,
    GradientResponseError,
    GradientServerError,
    GradientTimeoutError,
)
from langchain_gradient.retrievers import TOKEN_ENV_VARS
from tests.kb_server import (
    CORPUS,
    KNOWLEDGE_BASE_ID,
    TOKEN,
    TOKEN_WITHOUT_SCOPE,
    KnowledgeBaseServer,
)
from tests.unit_tests.loopback import LoopbackServer, Reply, Scripted, patch_sleep

KESTREL = "How long does the Kestrel plan keep snapshots?"


@pytest.fixture(autouse=True)
def _no_ambient_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*TOKEN_ENV_VARS, "DIGITALOCEAN_KBAAS_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def close_async_pools() -> AsyncIterator[None]:
    """Close the test loop's shared async clients (their sockets) when an async test ends."""
    yield
    await langchain_gradient.aclose_shared_clients()


@pytest.fixture
def kb() -> Iterator[KnowledgeBaseServer]:
    with KnowledgeBaseServer() as server:
        yield server


def make(kb: KnowledgeBaseServer, **settings: Any) -> GradientKnowledgeBaseRetriever:
    params: dict[str, Any] = {
        "knowledge_base_id": KNOWLEDGE_BASE_ID,
        "api_token": TOKEN,
        "base_url": kb.base_url,
    }
    params.update(settings)
    return GradientKnowledgeBaseRetriever(**params)


def in_memory(*script: httpx.Response | Exception, **settings: Any) -> tuple[Any, Scripted]:
    handler = Scripted(*script)
    retriever = GradientKnowledgeBaseRetriever(
        knowledge_base_id=KNOWLEDGE_BASE_ID,
        api_token=TOKEN,
        base_url="https://kbaas.test/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        http_async_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        **settings,
    )
    return retriever, handler


# ------------------------------------------------------------ the happy paths


def test_invoke_sends_the_documented_request_and_maps_each_result(
    kb: KnowledgeBaseServer,
) -> None:
    docs = make(kb, num_results=2, alpha=0.5).invoke(KESTREL)

    [request] = kb.requests
    assert request.method == "POST"
    assert request.path == f"/v1/{KNOWLEDGE_BASE_ID}/retrieve"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.body) == {"query": KESTREL, "num_results": 2, "alpha": 0.5}
    assert [d.page_content for d in docs] == [CORPUS[0].text, CORPUS[1].text]
    assert docs[0].metadata == {
        **CORPUS[0].metadata,
        "rank": 1,
        "knowledge_base_id": KNOWLEDGE_BASE_ID,
    }
    assert docs[1].metadata["rank"] == 2


async def test_ainvoke_gives_the_same_documents_as_invoke(
    close_async_pools: None, kb: KnowledgeBaseServer
) -> None:
    retriever = make(kb, num_results=3)
    assert await retriever.ainvoke(KESTREL) == retriever.invoke(KESTREL)
    assert kb.bodies()[0] == kb.bodies()[1] == {"query": KESTREL, "num_results": 3}


def test_batch_and_abatch_answer_each_query_in_order(kb: KnowledgeBaseServer) -> None:
    retriever = make(kb, num_results=1)
    queries = [KESTREL, "resize a droplet", "support answer time"]
    expected = ["handbook/backups.md", "handbook/droplets.md", "handbook/support.md"]

    batched = retriever.batch(queries)

    async def run() -> list[list[Document]]:
        try:
            return await retriever.abatch(queries)
        finally:
            await langchain_gradient.aclose_shared_clients()

    import asyncio

    abatched = asyncio.run(run())
    for result in (batched, abatched):
        assert [docs[0].metadata["item_name"] for docs in result] == expected
    assert sorted(b["query"] for b in kb.bodies()) == sorted(queries * 2)


def test_num_results_per_call_overrides_the_setting(kb: KnowledgeBaseServer) -> None:
    retriever = make(kb, num_results=5)

    assert len(retriever.invoke("snapshots backup", num_results=1)) == 1
    assert len(retriever.invoke("snapshots backup", num_results=3)) == 3
    assert [b["num_results"] for b in kb.bodies()] == [1, 3]
    assert retriever.num_results == 5


def test_alpha_chooses_between_keyword_and_vector_search(kb: KnowledgeBaseServer) -> None:
    # No word of this query occurs in the corpus ("snapshots", "kept"), so keyword
    # search finds nothing; vector search still finds the Kestrel passage.
    retriever = make(kb)
    query = "Kestrel snapshotting retained"

    keyword = retriever.invoke(query, alpha=0)
    vector = retriever.invoke(query, alpha=1.0)

    assert [d.metadata["item_name"] for d in keyword] == ["handbook/backups.md"]
    assert vector[0].page_content == CORPUS[0].text
    assert len(vector) > len(keyword)
    assert [b["alpha"] for b in kb.bodies()] == [0.0, 1.0]


@pytest.mark.parametrize(
    "filters",
    [
        {"must": [{"field": "category", "operator": "eq", "value": "backups"}]},
        {"and_all": [{"equals": {"key": "category", "value": "backups"}}]},
    ],
    ids=["must-field-operator-value", "and_all-operation-key-value"],
)
def test_filters_in_either_documented_shape_are_sent_as_given(
    kb: KnowledgeBaseServer, filters: dict[str, Any]
) -> None:
    docs = make(kb, num_results=10, filters=filters).invoke("how long is data kept")

    assert kb.bodies()[0]["filters"] == filters
    assert docs
    assert {d.metadata["category"] for d in docs} == {"backups"}


def test_nested_or_filter_and_a_per_call_filter(kb: KnowledgeBaseServer) -> None:
    retriever = make(
        kb,
        num_results=10,
        filters={"must": [{"field": "page_number", "operator": "gte", "value": 100}]},
    )
    nested = {
        "or_all": [
            {"starts_with": {"key": "item_name", "value": "handbook/support"}},
            {"and_all": [{"equals": {"key": "category", "value": "compute"}}]},
        ]
    }
    assert retriever.invoke("droplet support") == []  # the constructor's filter
    docs = retriever.invoke("droplet support", filters=nested)
    assert sorted(d.metadata["item_name"] for d in docs) == [
        "handbook/droplets.md",
        "handbook/support.md",
    ]


def test_reranking_is_sent_as_the_documented_object(kb: KnowledgeBaseServer) -> None:
    make(kb, reranking=False).invoke(KESTREL)
    make(kb).invoke(KESTREL, reranking=True)
    assert [b.get("reranking") for b in kb.bodies()] == [{"enabled": False}, {"enabled": True}]


def test_a_query_nothing_matches_gives_no_documents(kb: KnowledgeBaseServer) -> None:
    assert make(kb, alpha=0).invoke("quasar") == []


# ------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("query", "options", "complaint"),
    [
        ("", {}, "query is empty"),
        ("   \n", {}, "query is empty"),
        (KESTREL, {"num_results": 0}, "num_results must be an integer from 1 to 100"),
        (KESTREL, {"num_results": 101}, "num_results must be an integer from 1 to 100"),
        (KESTREL, {"num_results": True}, "num_results"),
        (KESTREL, {"num_results": 2.0}, "num_results"),
        (KESTREL, {"alpha": -0.1}, "alpha must be a number from 0"),
        (KESTREL, {"alpha": 1.5}, "alpha must be a number from 0"),
        (KESTREL, {"alpha": float("nan")}, "alpha"),
        (KESTREL, {"filters": [{"field": "x"}]}, "filters must be a dict"),
        (KESTREL, {"reranking": "yes"}, "reranking must be True or False"),
        (KESTREL, {"top_k": 3}, "unknown retrieval option(s) top_k"),
    ],
)
def test_bad_input_is_refused_before_any_request(
    kb: KnowledgeBaseServer, query: str, options: dict[str, Any], complaint: str
) -> None:
    retriever = make(kb)
    with pytest.raises(
        GradientInvalidInputError, match=complaint.replace("(", r"\(").replace(")", r"\)")
    ):
        retriever.invoke(query, **options)
    assert kb.requests == []


async def test_bad_input_is_refused_before_any_request_async(kb: KnowledgeBaseServer) -> None:
    with pytest.raises(GradientInvalidInputError, match="query is empty"):
        await make(kb).ainvoke("")
    assert kb.requests == []


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"num_results": 0}, "num_results must be an integer from 1 to 100"),
        ({"alpha": 2}, "alpha must be a number from 0"),
        ({"knowledge_base_id": ""}, "knowledge_base_id"),
        ({"knowledge_base_id": "../admin"}, "knowledge_base_id must be the knowledge base's UUID"),
        ({"base_url": "kbaas.do-ai.run/v1"}, "base_url must start with http"),
        ({"timeout": 0}, "timeout must be a positive number"),
        ({"filters": "category=docs"}, "filters"),
        ({"k": 3}, "k: Extra inputs are not permitted"),
    ],
)
def test_bad_settings_are_refused_at_construction(settings: dict[str, Any], complaint: str) -> None:
    params = {"knowledge_base_id": KNOWLEDGE_BASE_ID, "api_token": TOKEN, **settings}
    with pytest.raises(GradientInvalidInputError, match=complaint) as caught:
        GradientKnowledgeBaseRetriever(**params)
    assert TOKEN not in str(caught.value)
    assert caught.value.__cause__ is None or TOKEN not in str(caught.value.__cause__)


# ------------------------------------------------------- statuses and faults


def test_unknown_token_is_401_naming_the_token_and_its_scope(kb: KnowledgeBaseServer) -> None:
    wrong = "dop_v1_not_a_token_the_server_knows_0000"
    with pytest.raises(GradientAuthenticationError) as caught:
        make(kb, api_token=wrong).invoke(KESTREL)
    text = str(caught.value)
    assert caught.value.status_code == 401
    assert "Unable to authenticate you" in text
    assert "GenAI:read" in text
    assert "DIGITALOCEAN_ACCESS_TOKEN" in text
    assert "not a model access key" in text
    assert wrong not in text
    assert len(kb.requests) == 1  # a 401 is not retried


async def test_token_without_the_scope_is_403_naming_the_scope(
    close_async_pools: None, kb: KnowledgeBaseServer
) -> None:
    with pytest.raises(GradientPermissionDeniedError, match="GenAI:read") as caught:
        await make(kb, api_token=TOKEN_WITHOUT_SCOPE).ainvoke(KESTREL)
    assert caught.value.status_code == 403
    assert TOKEN_WITHOUT_SCOPE not in str(caught.value)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_unknown_knowledge_base_is_404_naming_it(kb: KnowledgeBaseServer, mode: str) -> None:
    other = "00000000-0000-4000-8000-000000000000"
    retriever = make(kb, knowledge_base_id=other)
    with pytest.raises(GradientNotFoundError) as caught:
        _call(retriever, mode, KESTREL)
    assert caught.value.status_code == 404
    assert other in str(caught.value)
    assert "knowledge_base_id" in str(caught.value)


def test_a_body_the_server_rejects_is_a_bad_request_error(kb: KnowledgeBaseServer) -> None:
    retriever = make(kb, filters={"where": {"category": "backups"}})
    with pytest.raises(GradientBadRequestError, match="unknown filter key") as caught:
        retriever.invoke(KESTREL)
    assert caught.value.status_code == 422


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_429_and_5xx_are_retried_then_succeed(
    kb: KnowledgeBaseServer, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits = patch_sleep(monkeypatch)
    kb.fail_next(429, **{"retry-after": "2"})
    kb.fail_next(503)

    docs = _call(make(kb, num_results=1), mode, KESTREL)

    assert docs[0].page_content == CORPUS[0].text
    assert len(kb.requests) == 3
    assert waits[0] == 2.0
    assert len(waits) == 2


@pytest.mark.parametrize(
    ("status", "error"), [(500, GradientServerError), (429, GradientRateLimitError)]
)
def test_retries_give_up_after_max_retries(
    kb: KnowledgeBaseServer, status: int, error: type[Exception], monkeypatch: pytest.MonkeyPatch
) -> None:
    patch_sleep(monkeypatch)
    kb.fail_next(status, times=5)
    with pytest.raises(error):
        make(kb, max_retries=1).invoke(KESTREL)
    assert len(kb.requests) == 2


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_connection_errors_and_timeouts_are_typed(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    patch_sleep(monkeypatch)
    retriever, handler = in_memory(httpx.ConnectError("refused"), max_retries=1)
    with pytest.raises(GradientConnectionError, match=r"kbaas\.test"):
        _call(retriever, mode, KESTREL)
    assert len(handler.requests) == 2
    retriever, _ = in_memory(httpx.ReadTimeout("slow"), max_retries=0)
    with pytest.raises(GradientTimeoutError):
        _call(retriever, mode, KESTREL)


def test_the_timeout_setting_applies_to_a_server_that_never_answers() -> None:
    with LoopbackServer([Reply(hang=True)]) as silent:
        retriever = GradientKnowledgeBaseRetriever(
            knowledge_base_id=KNOWLEDGE_BASE_ID,
            api_token=TOKEN,
            base_url=silent.base_url,
            timeout=0.3,
            max_retries=0,
        )
        with pytest.raises(GradientTimeoutError, match="timed out"):
            retriever.invoke(KESTREL)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>gateway</html>",
        json.dumps({"results": "none"}).encode(),
        json.dumps({"data": []}).encode(),
        json.dumps({"results": [{"metadata": {}}]}).encode(),
        json.dumps({"results": [{"text_content": "x", "metadata": ["a"]}]}).encode(),
    ],
    ids=["not-json", "results-not-a-list", "no-results", "no-text", "metadata-not-object"],
)
def test_an_answer_that_is_not_the_documented_shape_raises(body: bytes) -> None:
    retriever, _ = in_memory(httpx.Response(200, content=body))
    with pytest.raises(GradientResponseError):
        retriever.invoke(KESTREL)


def test_metadata_is_kept_whole_and_other_result_fields_are_kept() -> None:
    answer = {
        "results": [
            {
                "text_content": "child chunk",
                "parent_chunk_text": "the whole section",
                "score": 0.82,
                "metadata": {"rank": "server's own", "item_name": "a.pdf", "tags": ["x"]},
            },
            {"text_content": "no metadata at all"},
        ],
        "total_results": 2,
    }
    retriever, _ = in_memory(httpx.Response(200, json=answer))
    first, second = retriever.invoke(KESTREL)
    assert first.metadata == {
        "rank": "server's own",  # never overwritten
        "item_name": "a.pdf",
        "tags": ["x"],
        "parent_chunk_text": "the whole section",
        "score": 0.82,
        "knowledge_base_id": KNOWLEDGE_BASE_ID,
    }
    assert second.metadata == {"rank": 2, "knowledge_base_id": KNOWLEDGE_BASE_ID}


def test_a_server_echoing_the_token_has_it_redacted() -> None:
    echo = httpx.Response(401, json={"id": "unauthorized", "message": f"bad token {TOKEN}"})
    retriever, _ = in_memory(echo)
    with pytest.raises(GradientAuthenticationError) as caught:
        retriever.invoke(KESTREL)
    assert TOKEN not in str(caught.value)
    assert "[REDACTED]" in str(caught.value)


# ---------------------------------------------------------------- the token


def test_token_comes_from_the_documented_variables_in_order(
    kb: KnowledgeBaseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGITALOCEAN_TOKEN", "dop_v1_third_choice_value")
    monkeypatch.setenv("DIGITALOCEAN_API_TOKEN", "dop_v1_second_choice_value")
    retriever = GradientKnowledgeBaseRetriever(knowledge_base_id=KNOWLEDGE_BASE_ID)
    assert retriever.api_token is not None
    assert retriever.api_token.get_secret_value() == "dop_v1_second_choice_value"

    monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("DIGITALOCEAN_KBAAS_BASE_URL", kb.base_url)
    retriever = GradientKnowledgeBaseRetriever(knowledge_base_id=KNOWLEDGE_BASE_ID, api_token=None)
    assert retriever.base_url == kb.base_url
    assert retriever.invoke(KESTREL)
    assert kb.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_the_model_access_key_is_not_used_as_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGITALOCEAN_INFERENCE_KEY", "sk-do-model-access-key-000000")
    with pytest.raises(GradientMissingAPIKeyError) as caught:
        GradientKnowledgeBaseRetriever(knowledge_base_id=KNOWLEDGE_BASE_ID)
    text = str(caught.value)
    assert "DIGITALOCEAN_ACCESS_TOKEN" in text
    assert "GenAI:read" in text
    assert "not a model access key" in text


def test_default_base_url_is_the_documented_host() -> None:
    retriever = GradientKnowledgeBaseRetriever(knowledge_base_id=KNOWLEDGE_BASE_ID, api_token="t")
    assert retriever.base_url == "https://kbaas.do-ai.run/v1"


class _Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_retriever_start(self, serialized: Any, query: str, **kwargs: Any) -> None:
        self.seen.append(repr((serialized, query, kwargs)))

    def on_retriever_end(self, documents: Any, **kwargs: Any) -> None:
        self.seen.append(repr((documents, kwargs)))

    def on_retriever_error(self, error: BaseException, **kwargs: Any) -> None:
        self.seen.append(repr((str(error), error.args, kwargs)))


def test_the_token_is_never_in_repr_serialization_pickles_or_callbacks(
    kb: KnowledgeBaseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    retriever = make(kb)
    recorder = _Recorder()
    retriever.invoke(KESTREL, config={"callbacks": [recorder]})
    with pytest.raises(GradientNotFoundError):
        make(kb, knowledge_base_id="missing-kb").invoke(KESTREL, config={"callbacks": [recorder]})

    assert len(recorder.seen) == 4
    for text in (
        *recorder.seen,
        repr(retriever),
        str(retriever),
        json.dumps(dumpd(retriever)),
        dumps(retriever),
        retriever.model_dump_json(),
    ):
        assert TOKEN not in text
    assert TOKEN.encode() not in pickle.dumps(retriever)

    monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", TOKEN)
    restored = pickle.loads(pickle.dumps(retriever))  # noqa: S301 - our own bytes
    assert restored.invoke(KESTREL) == retriever.invoke(KESTREL)


def test_unpickled_without_a_token_fails_locally(kb: KnowledgeBaseServer) -> None:
    restored = pickle.loads(pickle.dumps(make(kb)))  # noqa: S301 - our own bytes
    with pytest.raises(GradientMissingAPIKeyError):
        restored.invoke(KESTREL)
    assert kb.requests == []


# ---------------------------------------------------------------- as a tool


def test_as_tool_returns_the_text_to_the_model_and_documents_as_artifact(
    kb: KnowledgeBaseServer,
) -> None:
    tool = make(kb, num_results=2).as_tool(name="search_handbook", description="Search it.")
    assert tool.name == "search_handbook"
    assert set(tool.args) == {"query"}

    message = tool.invoke(
        {"type": "tool_call", "id": "call_1", "name": "search_handbook", "args": {"query": KESTREL}}
    )

    assert isinstance(message, ToolMessage)
    assert message.content == CORPUS[0].text + "\n\n" + CORPUS[1].text
    assert [d.metadata["rank"] for d in message.artifact] == [1, 2]


async def test_as_tool_async(close_async_pools: None, kb: KnowledgeBaseServer) -> None:
    tool = make(kb, num_results=1).as_tool()
    assert tool.name == "search_knowledge_base"
    assert await tool.ainvoke({"query": KESTREL}) == CORPUS[0].text


def test_as_tool_with_arg_types_is_cores_generic_tool(kb: KnowledgeBaseServer) -> None:
    # A string-input runnable becomes core's single-input Tool (arg_types has
    # nothing to describe), which returns the documents themselves.
    tool = make(kb, num_results=1).as_tool(arg_types={"input": str}, name="kb")
    assert tool.name == "kb"
    assert tool.args == {"tool_input": {"type": "string"}}
    [doc] = tool.invoke(KESTREL)
    assert doc.page_content == CORPUS[0].text


def test_create_agent_answers_from_what_the_tool_retrieved(kb: KnowledgeBaseServer) -> None:
    call = {
        "id": "call_kb",
        "type": "function",
        "function": {"name": "search_handbook", "arguments": json.dumps({"query": KESTREL})},
    }
    replies = [
        Reply.json(_completion(None, tool_calls=[call], finish_reason="tool_calls")),
        Reply.json(_completion("Kestrel keeps snapshots for 93 days.")),
    ]
    tool = make(kb, num_results=2).as_tool(name="search_handbook", description="Search it.")
    with LoopbackServer(replies) as chat:
        model = ChatGradient(model="m", base_url=chat.base_url, api_key="sk-do-k")
        result = create_agent(model, tools=[tool]).invoke({"messages": [("user", KESTREL)]})
        second_request = chat.requests[1].json()

    messages = result["messages"]
    tool_message = next(m for m in messages if isinstance(m, ToolMessage))
    assert "93 days" in tool_message.content
    assert tool_message.artifact[0].metadata["item_name"] == "handbook/backups.md"
    assert isinstance(messages[-1], AIMessage)
    assert messages[-1].content == "Kestrel keeps snapshots for 93 days."
    # What the model was given back is the retrieved text.
    fed_back = [m for m in second_request["messages"] if m["role"] == "tool"]
    assert fed_back == [
        {
            "role": "tool",
            "tool_call_id": "call_kb",
            "content": tool_message.content,
            "name": "search_handbook",
        }
    ]
    assert kb.bodies() == [{"query": KESTREL, "num_results": 2}]


# ---------------------------------------------------------------- helpers


def _call(retriever: GradientKnowledgeBaseRetriever, mode: str, query: str) -> list[Document]:
    if mode == "sync":
        return retriever.invoke(query)
    import asyncio

    async def run() -> list[Document]:
        try:
            return await retriever.ainvoke(query)
        finally:
            await langchain_gradient.aclose_shared_clients()

    return asyncio.run(run())


def _completion(content: str | None, *, finish_reason: str = "stop", **message: Any) -> Any:
    return {
        "id": "chatcmpl-kb",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, **message},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def test_the_export_is_lazy_so_a_plain_import_does_not_load_it() -> None:
    code = (
        "import sys, langchain_gradient as g; "
        "print('langchain_gradient.retrievers' in sys.modules, "
        "g.GradientKnowledgeBaseRetriever.__module__, "
        "'GradientKnowledgeBaseRetriever' in dir(g) and "
        "'GradientKnowledgeBaseRetriever' in g.__all__)"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "langchain_gradient.retrievers", "True"]
