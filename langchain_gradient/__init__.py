"""LangChain integration for DigitalOcean Gradient serverless inference."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from langchain_gradient._clients import aclose_shared_clients, close_shared_clients
from langchain_gradient._version import __version__
from langchain_gradient.chat_models import ChatGradient
from langchain_gradient.errors import (
    GradientAuthenticationError,
    GradientBadRequestError,
    GradientConnectionError,
    GradientContentFilterError,
    GradientContextOverflowError,
    GradientEmbeddingsResponseError,
    GradientError,
    GradientGuardrailError,
    GradientInvalidInputError,
    GradientMissingAPIKeyError,
    GradientMissingEndpointError,
    GradientNotFoundError,
    GradientPermissionDeniedError,
    GradientRateLimitError,
    GradientRefusalError,
    GradientRequestTimeoutError,
    GradientResponseError,
    GradientServerError,
    GradientStatusError,
    GradientStreamError,
    GradientTimeoutError,
    GradientTruncatedOutputError,
)

if TYPE_CHECKING:
    from langchain_gradient.agents import ChatGradientAgent, KnowledgeBaseFilter
    from langchain_gradient.embeddings import GradientEmbeddings
    from langchain_gradient.models import GradientModelInfo, alist_models, list_models
    from langchain_gradient.retrievers import GradientKnowledgeBaseRetriever

# Loaded on first use: a plain chat call should not pay for importing them.
_LAZY = {
    "ChatGradientAgent": "langchain_gradient.agents",
    "KnowledgeBaseFilter": "langchain_gradient.agents",
    "GradientEmbeddings": "langchain_gradient.embeddings",
    "GradientModelInfo": "langchain_gradient.models",
    "list_models": "langchain_gradient.models",
    "alist_models": "langchain_gradient.models",
    "GradientKnowledgeBaseRetriever": "langchain_gradient.retrievers",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'langchain_gradient' has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    # The lazy names too, so tab completion and dir() find them before first use.
    return sorted({*globals(), *_LAZY})


__all__ = [
    "ChatGradient",
    "ChatGradientAgent",
    "GradientAuthenticationError",
    "GradientBadRequestError",
    "GradientConnectionError",
    "GradientContentFilterError",
    "GradientContextOverflowError",
    "GradientEmbeddings",
    "GradientEmbeddingsResponseError",
    "GradientError",
    "GradientGuardrailError",
    "GradientInvalidInputError",
    "GradientKnowledgeBaseRetriever",
    "GradientMissingAPIKeyError",
    "GradientMissingEndpointError",
    "GradientModelInfo",
    "GradientNotFoundError",
    "GradientPermissionDeniedError",
    "GradientRateLimitError",
    "GradientRefusalError",
    "GradientRequestTimeoutError",
    "GradientResponseError",
    "GradientServerError",
    "GradientStatusError",
    "GradientStreamError",
    "GradientTimeoutError",
    "GradientTruncatedOutputError",
    "KnowledgeBaseFilter",
    "__version__",
    "aclose_shared_clients",
    "alist_models",
    "close_shared_clients",
    "list_models",
]
