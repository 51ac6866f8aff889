"""Embeddings response bodies -> vectors in input order, checked.

An OpenAI-compatible ``/embeddings`` answer is ``{"data": [{"index": i,
"embedding": ...}, ...]}``: ``embedding`` is a list of numbers
(``encoding_format="float"``) or a base64 string of little-endian float32
values (``"base64"``). Both are decoded whichever was asked for, so a server
that ignores ``encoding_format`` still works.

Items are placed by their ``index``, not by their position: the API does not
promise to keep the order. Every input must get exactly one vector, and all
vectors must have one dimension; anything else raises
`GradientEmbeddingsResponseError` rather than returning vectors that might
belong to other texts.
"""

from __future__ import annotations

import base64
import binascii
import sys
from array import array
from typing import Any

from langchain_gradient.errors import GradientEmbeddingsResponseError

__all__ = ["check_dimensions", "vectors"]

_QUOTE = 200
_FLOAT = frozenset({float})
_NUMBER = frozenset({float, int})


def vectors(body: Any, count: int) -> list[list[float]]:
    """The ``count`` vectors of one response, ordered by their ``index``.

    Raises:
        GradientEmbeddingsResponseError: the body is not an embeddings list, an
            index is missing, repeated or out of range, a vector is empty or
            undecodable, or the dimensions differ.
    """
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        msg = f"expected {{'data': [...]}} from /embeddings, got {repr(body)[:_QUOTE]}"
        raise GradientEmbeddingsResponseError(msg)
    if len(data) != count:
        msg = f"sent {count} input(s) to /embeddings but got {len(data)} vector(s) back"
        raise GradientEmbeddingsResponseError(msg)
    ordered: list[list[float] | None] = [None] * count
    for position, item in enumerate(data):
        index = item.get("index") if isinstance(item, dict) else None
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < count:
            msg = (
                f"/embeddings item {position} has no valid index for {count} input(s): "
                f"{repr(item)[:_QUOTE]}"
            )
            raise GradientEmbeddingsResponseError(msg)
        if ordered[index] is not None:
            msg = f"/embeddings returned index {index} twice"
            raise GradientEmbeddingsResponseError(msg)
        ordered[index] = _decode(item.get("embedding"), index)
    result = [vector for vector in ordered if vector is not None]
    check_dimensions(result)
    return result


def check_dimensions(result: list[list[float]]) -> None:
    """Raise unless every vector has the first one's dimension."""
    if not result:
        return
    size = len(result[0])
    for index, vector in enumerate(result):
        if len(vector) != size:
            msg = (
                f"/embeddings vectors differ in dimension: input 0 has {size}, "
                f"input {index} has {len(vector)}"
            )
            raise GradientEmbeddingsResponseError(msg)


def _decode(embedding: Any, index: int) -> list[float]:
    if isinstance(embedding, str):
        vector = _from_base64(embedding, index)
    elif isinstance(embedding, list):
        # Checked with C-level calls, and the decoded list kept as it is when
        # it holds floats only (the usual case): a per-value Python loop or a
        # copy costs more than the JSON parse (benchmarks/embeddings.py).
        kinds = set(map(type, embedding))
        if kinds <= _FLOAT:
            vector = embedding
        elif kinds <= _NUMBER:
            vector = [float(value) for value in embedding]
        else:
            names = sorted(kind.__name__ for kind in kinds - _NUMBER)
            msg = f"/embeddings vector {index} holds values that are not numbers: {names}"
            raise GradientEmbeddingsResponseError(msg)
    else:
        msg = f"/embeddings item {index} has no embedding: {repr(embedding)[:_QUOTE]}"
        raise GradientEmbeddingsResponseError(msg)
    if not vector:
        msg = f"/embeddings returned an empty vector for input {index}"
        raise GradientEmbeddingsResponseError(msg)
    return vector


def _from_base64(text: str, index: int) -> list[float]:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        msg = f"/embeddings vector {index} is not valid base64: {exc}"
        raise GradientEmbeddingsResponseError(msg) from exc
    if len(raw) % 4:
        msg = (
            f"/embeddings vector {index} decodes to {len(raw)} bytes, "
            "not a whole number of float32 values"
        )
        raise GradientEmbeddingsResponseError(msg)
    values = array("f")
    values.frombytes(raw)
    if sys.byteorder == "big":  # the wire format is little-endian
        values.byteswap()
    return values.tolist()
