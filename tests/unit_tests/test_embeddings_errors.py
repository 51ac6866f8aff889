"""GradientEmbeddings: bad input fails unsent, bad answers fail loudly, the key never leaks."""

from __future__ import annotations

import base64
import logging
import pickle
import struct
import traceback
from typing import Any

import httpx
import pytest

from langchain_gradient import GradientEmbeddings
from langchain_gradient._embeddings_response import vectors
from langchain_gradient.errors import (
    GradientAuthenticationError,
    GradientEmbeddingsResponseError,
    GradientInvalidInputError,
    GradientMissingAPIKeyError,
    GradientResponseError,
)

from .fake_embeddings import KEY, FakeEmbeddingsAPI, embed, embed_one, packed, texts
from .loopback import patch_sleep

MODES = ["sync", "async"]


# ----------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({}, "model: Field required"),
        ({"model": ""}, "model: String should have at least 1 character"),
        ({"model": "m", "chunk_size": 0}, "chunk_size"),
        (
            {"model": "m", "chunk_size": 2049},
            "chunk_size: Input should be less than or equal to 2048",
        ),
        ({"model": "m", "max_concurrency": 0}, "max_concurrency"),
        ({"model": "m", "encoding_format": "int8"}, "encoding_format"),
        ({"model": "m", "dimensions": 256}, "dimensions: Extra inputs are not permitted"),
        ({"model": "m", "max_retries": -1}, "max_retries"),
    ],
)
def test_bad_settings_raise_a_typed_error_naming_them(settings: dict[str, Any], named: str) -> None:
    with pytest.raises(GradientInvalidInputError) as caught:
        GradientEmbeddings(api_key=KEY, **settings)
    assert named in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_missing_model_says_why_there_is_no_default() -> None:
    with pytest.raises(GradientInvalidInputError, match=r"qwen3-embedding-0\.6b"):
        GradientEmbeddings(api_key=KEY)


def test_chunk_size_bounds_are_accepted() -> None:
    assert GradientEmbeddings(model="m", api_key=KEY, chunk_size=1).chunk_size == 1
    assert GradientEmbeddings(model="m", api_key=KEY, chunk_size=2048).chunk_size == 2048


def test_missing_key_raises_before_any_request() -> None:
    with pytest.raises(GradientMissingAPIKeyError, match="DIGITALOCEAN_INFERENCE_KEY"):
        GradientEmbeddings(model="m")


# -------------------------------------------------------------- input


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("inputs", "named"),
    [
        (["t1", 2, "t3"], "texts[1] is int"),
        (["t1", None], "texts[1] is NoneType"),
        ([b"t1"], "texts[0] is bytes"),
        (["t1", ["t2"]], "texts[1] is list"),
        ("t1 t2", "not one string"),
        (["ok", "\ud800"], "not JSON-serialisable"),
    ],
)
def test_bad_texts_raise_before_anything_is_sent(mode: str, inputs: Any, named: str) -> None:
    api = FakeEmbeddingsAPI()
    with pytest.raises(GradientInvalidInputError) as caught:
        embed(api.model(), mode, inputs)
    assert named in str(caught.value)
    assert api.requests == []


@pytest.mark.parametrize("mode", MODES)
def test_a_bad_text_in_a_later_chunk_stops_the_whole_call_up_front(mode: str) -> None:
    api = FakeEmbeddingsAPI()
    with pytest.raises(GradientInvalidInputError, match=r"texts\[4500\] is int"):
        embed(api.model(), mode, [*texts(4500), 7])
    assert api.requests == []


@pytest.mark.parametrize("mode", MODES)
def test_text_that_cannot_be_encoded_in_a_later_chunk_sends_nothing(mode: str) -> None:
    api = FakeEmbeddingsAPI()
    with pytest.raises(GradientInvalidInputError, match="not JSON-serialisable"):
        embed(api.model(chunk_size=100, max_concurrency=1), mode, [*texts(450), "\ud800"])
    assert api.requests == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("query", [3, None, ["t1"]])
def test_embed_query_needs_a_string(mode: str, query: Any) -> None:
    api = FakeEmbeddingsAPI()
    with pytest.raises(GradientInvalidInputError, match="embed_query takes a string"):
        embed_one(api.model(), mode, query)
    assert api.requests == []


# ------------------------------------------------------------ answers


def _items(*embeddings: Any) -> dict[str, Any]:
    return {"data": [{"index": i, "embedding": e} for i, e in enumerate(embeddings)]}


@pytest.mark.parametrize(
    ("body", "count", "named"),
    [
        ({"object": "list"}, 1, "expected {'data': [...]}"),
        ([1, 2], 1, "expected {'data': [...]}"),
        (_items([1.0]), 2, "sent 2 input(s) to /embeddings but got 1 vector(s)"),
        (_items([1.0], [2.0], [3.0]), 2, "sent 2 input(s) to /embeddings but got 3"),
        (
            {"data": [{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [2.0]}]},
            2,
            "index 0 twice",
        ),
        ({"data": [{"index": 2, "embedding": [1.0]}]}, 1, "no valid index"),
        ({"data": [{"index": -1, "embedding": [1.0]}]}, 1, "no valid index"),
        ({"data": [{"embedding": [1.0]}]}, 1, "no valid index"),
        ({"data": [{"index": True, "embedding": [1.0]}]}, 1, "no valid index"),
        ({"data": [{"index": "0", "embedding": [1.0]}]}, 1, "no valid index"),
        (_items([1.0, 2.0], [1.0]), 2, "input 0 has 2, input 1 has 1"),
        (_items(packed([1.0, 2.0]), packed([1.0, 2.0, 3.0])), 2, "input 0 has 2, input 1 has 3"),
        (_items([]), 1, "empty vector for input 0"),
        (_items(""), 1, "empty vector for input 0"),
        (_items(None), 1, "has no embedding"),
        (_items({"values": [1.0]}), 1, "has no embedding"),
        (_items([1.0, "2.0"]), 1, "not numbers: ['str']"),
        (_items([1.0, None]), 1, "not numbers: ['NoneType']"),
        (_items([1.0, True]), 1, "not numbers: ['bool']"),
        (_items("not base64!"), 1, "not valid base64"),
        (_items(base64.b64encode(b"\x00\x00\x80").decode()), 1, "not a whole number of float32"),
    ],
)
def test_answers_that_do_not_match_the_inputs_raise(body: Any, count: int, named: str) -> None:
    with pytest.raises(GradientEmbeddingsResponseError) as caught:
        vectors(body, count)
    assert named in str(caught.value)
    assert isinstance(caught.value, GradientResponseError)


def test_base64_is_little_endian_float32() -> None:
    raw = struct.pack("<3f", 0.5, -2.25, 1e-3)
    result = vectors(_items(base64.b64encode(raw).decode()), 1)
    assert result == [[0.5, -2.25, struct.unpack("<f", struct.pack("<f", 1e-3))[0]]]


def test_integer_values_in_float_lists_become_floats() -> None:
    result = vectors(_items([0, 1, -2]), 1)
    assert result == [[0.0, 1.0, -2.0]]
    assert all(type(value) is float for value in result[0])


@pytest.mark.parametrize("mode", MODES)
def test_dimensions_must_agree_across_chunks(mode: str) -> None:
    def answer(inputs: list[str], _: str) -> dict[str, Any]:
        size = 3 if inputs[0] == "t0" else 4
        return {"data": [{"index": i, "embedding": [1.0] * size} for i in range(len(inputs))]}

    api = FakeEmbeddingsAPI(body=answer)
    with pytest.raises(GradientEmbeddingsResponseError, match="input 0 has 3, input 2 has 4"):
        embed(api.model(chunk_size=2, max_concurrency=1), mode, texts(4))


@pytest.mark.parametrize("mode", MODES)
def test_a_body_that_is_not_json_raises(mode: str) -> None:
    api = FakeEmbeddingsAPI(fail={0: httpx.Response(200, text="<html>gateway</html>")})
    with pytest.raises(GradientResponseError, match="not JSON"):
        embed(api.model(), mode, ["t1"])


# --------------------------------------------------------------- secrets


def test_key_is_not_in_repr_dump_or_pickle() -> None:
    model = GradientEmbeddings(model="m", api_key=KEY)
    assert KEY not in repr(model)
    assert KEY not in str(model.model_dump())
    assert KEY not in model.model_dump_json()
    assert KEY.encode() not in pickle.dumps(model)


def test_unpickled_model_reads_the_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = pickle.dumps(GradientEmbeddings(model="m", api_key=KEY))
    monkeypatch.setenv("DIGITALOCEAN_INFERENCE_KEY", "sk-do-from-env")
    restored = pickle.loads(data)  # noqa: S301 - our own bytes
    assert restored.api_key.get_secret_value() == "sk-do-from-env"
    assert restored.model == "m"


def test_settings_errors_do_not_quote_the_key() -> None:
    with pytest.raises(GradientInvalidInputError) as caught:
        GradientEmbeddings(api_key=KEY, chunk_size=0)
    shown = "".join(traceback.format_exception(caught.value))
    assert KEY not in shown


@pytest.mark.parametrize("mode", MODES)
def test_errors_and_logs_do_not_carry_the_key(
    mode: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    patch_sleep(monkeypatch)
    echo = {"error": {"message": f"key {KEY} is not valid", "type": "auth"}}
    api = FakeEmbeddingsAPI(
        fail={0: httpx.Response(503, json=echo), 1: httpx.Response(401, json=echo)}
    )
    with (
        caplog.at_level(logging.DEBUG, logger="langchain_gradient"),
        pytest.raises(GradientAuthenticationError) as caught,
    ):
        embed(api.model(), mode, ["t1"])

    assert "[REDACTED]" in str(caught.value)
    assert KEY not in "".join(traceback.format_exception(caught.value))
    assert caplog.records
    assert KEY not in caplog.text
