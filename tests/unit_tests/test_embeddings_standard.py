"""LangChain's standard unit suite for GradientEmbeddings."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import EmbeddingsUnitTests

from langchain_gradient import GradientEmbeddings


class TestGradientEmbeddingsStandard(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[GradientEmbeddings]:
        return GradientEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": "qwen3-embedding-0.6b", "api_key": "test-key"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {
                "DIGITALOCEAN_INFERENCE_KEY": "sk-do-from-env",
                "DIGITALOCEAN_INFERENCE_BASE_URL": "https://example.invalid/v1",
            },
            {"model": "qwen3-embedding-0.6b"},
            {
                "api_key": "sk-do-from-env",
                "base_url": "https://example.invalid/v1",
                "model": "qwen3-embedding-0.6b",
            },
        )
