"""Stream events parse exactly as the standard library would parse them."""

from __future__ import annotations

import json
import math

import pytest

from langchain_gradient import GradientStreamError
from langchain_gradient._sse import _decode, _loads


@pytest.mark.parametrize(
    "data",
    [
        '{"choices":[{"delta":{"content":"héllo ✓"}}]}',
        '{"id":"x","n":12345678901234567890123,"f":1.5}',  # wider than 64 bits
        '{"n":-9223372036854775809}',
        '{"a":[1,2,{"b":null}],"t":true}',
        '"just a string"',
    ],
)
def test_same_result_as_json(data: str) -> None:
    assert _loads(data) == json.loads(data)


def test_big_integers_stay_exact() -> None:
    value = _loads('{"n":123456789012345678901234567890}')["n"]
    assert isinstance(value, int)
    assert value == 123456789012345678901234567890


def test_nan_is_read_like_json() -> None:
    assert math.isnan(_loads('{"x":NaN}')["x"])


def test_bad_json_quotes_the_event() -> None:
    with pytest.raises(GradientStreamError, match=r"malformed JSON in stream event: '\{oops'"):
        _decode("message", "{oops")


def test_error_event_raises_with_its_text() -> None:
    with pytest.raises(GradientStreamError, match="quota exceeded"):
        _decode("error", "quota exceeded")
