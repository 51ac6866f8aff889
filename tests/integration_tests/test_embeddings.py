"""GradientEmbeddings against a real embedding server, replayed from cassettes.

Recorded from llama.cpp's ``llama-server --embeddings --pooling mean`` serving
Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF, see ``../shared/recording``), or
from live Gradient. While recording, ``GRADIENT_TEST_EMBEDDING_BASE_URL`` and
``GRADIENT_TEST_EMBEDDING_MODEL`` say where to send requests and which model
to name; on replay the model name comes from ``cassettes/recording.json``
(``embedding_model``) or the default below, because request bodies, which name
the model, are matched (host and port are not).
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from langchain_gradient import GradientEmbeddings
from langchain_gradient.errors import GradientBadRequestError
from tests.integration_tests._recording import API_KEY, RECORDING_FILE

pytestmark = pytest.mark.vcr


def _recorded_model() -> str:
    if RECORDING_FILE.is_file():
        recorded = json.loads(RECORDING_FILE.read_text(encoding="utf-8"))
        if recorded.get("embedding_model"):
            return str(recorded["embedding_model"])
    return "qwen2.5-coder-1.5b-embeddings"


EMBEDDING_BASE_URL = (
    os.environ.get("GRADIENT_TEST_EMBEDDING_BASE_URL") or "http://127.0.0.1:8091/v1"
)
EMBEDDING_MODEL = os.environ.get("GRADIENT_TEST_EMBEDDING_MODEL") or _recorded_model()


def _model(**settings: Any) -> GradientEmbeddings:
    return GradientEmbeddings(
        model=EMBEDDING_MODEL, base_url=EMBEDDING_BASE_URL, api_key=API_KEY, **settings
    )


def _cosine(left: list[float], right: list[float]) -> float:
    dot = sum(a * b for a, b in zip(left, right, strict=True))
    return dot / (math.sqrt(sum(a * a for a in left)) * math.sqrt(sum(b * b for b in right)))


class TestGradientEmbeddingsStandard(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[GradientEmbeddings]:
        return GradientEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": EMBEDDING_MODEL, "base_url": EMBEDDING_BASE_URL, "api_key": API_KEY}


def test_embeddings_float_and_base64_carry_the_same_vector() -> None:
    text = "DigitalOcean droplets are virtual machines."
    as_float = _model(encoding_format="float").embed_query(text)
    as_base64 = _model(encoding_format="base64").embed_query(text)

    assert len(as_float) == len(as_base64) > 0
    # JSON floats may be printed with fewer digits than float32 holds.
    assert max(abs(a - b) for a, b in zip(as_float, as_base64, strict=True)) < 1e-5


def test_embeddings_chunks_come_back_in_input_order() -> None:
    documents = [
        "The cat sleeps on the warm windowsill.",
        "Quarterly revenue grew by five percent.",
        "def add(a, b): return a + b",
        "Paris is the capital of France.",
        "A kitten naps in the sun by the window.",
    ]
    together = _model(chunk_size=2, max_concurrency=1).embed_documents(documents)
    one_by_one = [_model().embed_query(text) for text in documents]

    for batched, single in zip(together, one_by_one, strict=True):
        assert _cosine(batched, single) > 0.999


async def test_embeddings_async_chunks_run_concurrently_in_order() -> None:
    documents = [f"Document number {n} is about topic {n % 3}." for n in range(6)]
    model = _model(chunk_size=2, max_concurrency=3)
    together = await model.aembed_documents(documents)
    one_by_one = [await model.aembed_query(text) for text in documents]

    assert len(together) == len(documents)
    for batched, single in zip(together, one_by_one, strict=True):
        assert _cosine(batched, single) > 0.999


def test_embeddings_similar_texts_are_closer() -> None:
    cat, kitten, revenue = _model().embed_documents(
        [
            "The cat sleeps on the warm windowsill.",
            "A kitten naps in the sun by the window.",
            "Quarterly revenue grew by five percent.",
        ]
    )
    assert _cosine(cat, kitten) > _cosine(cat, revenue)


def test_embeddings_empty_string_is_the_servers_call() -> None:
    # Sent as it is; llama-server (like OpenAI) answers 400, which arrives as
    # the typed error with the server's words. Recorded against live Gradient,
    # this test shows what Gradient does (its behaviour could not be observed
    # when this was written).
    with pytest.raises(GradientBadRequestError) as caught:
        _model().embed_documents(["a real sentence", ""])
    assert caught.value.status_code == 400
    assert "empty" in caught.value.server_message
