"""Knowledge-base retrieval: the request body, checked, and the answer as `Document`s.

Pure: values in, a JSON body or `Document`s out. Input the API cannot take
raises `GradientInvalidInputError` before anything is sent; an answer that is
not ``{"results": [{"text_content": ..., "metadata": {...}}, ...]}`` raises
`GradientResponseError` quoting what was wrong.

``filters`` are passed through as given: public sources document two shapes
(``must``/``must_not``/``should`` with ``field``/``operator``/``value``, and
``and_all``/``or_all`` with ``{operation: {key, value}}``), and which one the
server takes is not settled, so neither is imposed here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from langchain_core.documents import Document

from langchain_gradient._values import quote
from langchain_gradient.errors import GradientInvalidInputError, GradientResponseError

__all__ = ["MAX_RESULTS", "documents", "retrieve_body"]

MAX_RESULTS = 100
"""The API's ``num_results`` upper bound (the lower bound is 1)."""

RANK_KEY = "rank"
KNOWLEDGE_BASE_KEY = "knowledge_base_id"


def retrieve_body(
    query: Any,
    *,
    num_results: Any,
    alpha: Any,
    filters: Any,
    reranking: Any,
) -> dict[str, Any]:
    """The ``/retrieve`` request body, every value checked.

    Raises:
        GradientInvalidInputError: an empty or non-string query, ``num_results``
            not an integer in 1..100, ``alpha`` not a number in 0..1,
            ``filters`` not a dict, ``reranking`` not a bool.
    """
    if not isinstance(query, str):
        msg = f"the query must be a string, got {type(query).__name__}"
        raise GradientInvalidInputError(msg)
    if not query.strip():
        msg = "the query is empty: the knowledge base needs text to search for"
        raise GradientInvalidInputError(msg)
    body: dict[str, Any] = {"query": query, "num_results": check_num_results(num_results)}
    if alpha is not None:
        body["alpha"] = check_alpha(alpha)
    if filters is not None:
        body["filters"] = check_filters(filters)
    if reranking is not None:
        if not isinstance(reranking, bool):
            msg = f"reranking must be True or False, got {reranking!r}"
            raise GradientInvalidInputError(msg)
        body["reranking"] = {"enabled": reranking}
    return body


def check_num_results(value: Any) -> int:
    """``value`` if it is an integer in 1..100.

    Raises:
        GradientInvalidInputError: otherwise.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_RESULTS:
        msg = f"num_results must be an integer from 1 to {MAX_RESULTS}, got {value!r}"
        raise GradientInvalidInputError(msg)
    return value


def check_alpha(value: Any) -> float:
    """``value`` as a float if it is a number in 0..1 (0 keyword search, 1 vector search).

    Raises:
        GradientInvalidInputError: otherwise.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or math.isnan(value)
        or not 0 <= value <= 1
    ):
        msg = f"alpha must be a number from 0 (keyword search) to 1 (vector search), got {value!r}"
        raise GradientInvalidInputError(msg)
    return float(value)


def check_filters(value: Any) -> dict[str, Any]:
    """``value`` as a plain dict (its content is the server's to judge).

    Raises:
        GradientInvalidInputError: ``value`` is not a mapping.
    """
    if not isinstance(value, Mapping):
        msg = (
            "filters must be a dict such as {'must': [{'field': 'category', 'operator': 'eq', "
            "'value': 'docs'}]} or {'and_all': [{'equals': {'key': 'category', "
            f"'value': 'docs'}}}}]}}, got {type(value).__name__}"
        )
        raise GradientInvalidInputError(msg)
    return dict(value)


def documents(body: Any, knowledge_base_id: str) -> list[Document]:
    """The ``/retrieve`` answer as documents, best match first.

    Each `Document` has the result's ``text_content`` as ``page_content`` and
    the result's ``metadata`` as it came, plus ``rank`` (1 for the best match)
    and ``knowledge_base_id``, and any other field of the result (a score, a
    parent chunk) under its own name. A key the server's metadata already
    has is never overwritten.

    Raises:
        GradientResponseError: the answer has no ``results`` list, or a result
            has no text or metadata that is not an object.
    """
    results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, list):
        msg = f"expected {{'results': [...]}} from the knowledge base, got {quote(body)}"
        raise GradientResponseError(msg)
    found = []
    for position, result in enumerate(results):
        text = result.get("text_content") if isinstance(result, dict) else None
        if not isinstance(text, str):
            msg = f"knowledge-base result {position} has no text_content: {quote(result)}"
            raise GradientResponseError(msg)
        raw_metadata = result.get("metadata")
        if raw_metadata is not None and not isinstance(raw_metadata, dict):
            msg = f"knowledge-base result {position} has metadata that is not an object: "
            raise GradientResponseError(msg + quote(raw_metadata))
        metadata: dict[str, Any] = dict(raw_metadata or {})
        for key, value in result.items():
            if key not in ("text_content", "metadata"):
                metadata.setdefault(key, value)
        metadata.setdefault(RANK_KEY, position + 1)
        metadata.setdefault(KNOWLEDGE_BASE_KEY, knowledge_base_id)
        found.append(Document(page_content=text, metadata=metadata))
    return found
