"""Settings that could only fail later fail at construction, as the README's
error table says: `GradientInvalidInputError` (a ``ValueError``) naming the problem."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from langchain_gradient import ChatGradient, ChatGradientAgent, list_models
from langchain_gradient.errors import GradientInvalidInputError

from .loopback import SECRET, Scripted, completion, json_response, mock_model

FIVE_STOPS = ["a", "b", "c", "d", "e"]


def rejected(match: str, **settings: Any) -> GradientInvalidInputError:
    with pytest.raises(GradientInvalidInputError, match=match) as info:
        ChatGradient(api_key=SECRET, **settings)
    assert isinstance(info.value, ValueError)
    return info.value


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"stop": FIVE_STOPS}, "stop takes at most 4 sequences on Gradient, got 5"),
        ({"stop_sequences": FIVE_STOPS}, "at most 4"),
        ({"n": 1.5}, "n"),
        ({"timeout": 0}, "timeout must be a positive number"),
        ({"timeout": -1}, "timeout must be a positive number"),
        ({"timeout": httpx.Timeout(10.0, connect=0)}, r"timeout \(connect\)"),
        ({"temperature": 2.5}, "temperature"),
        ({"temperature": "hot"}, "temperature"),
        ({"max_retries": -1}, "max_retries"),
    ],
)
def test_bad_settings_fail_at_construction(settings: dict[str, Any], match: str) -> None:
    rejected(match, **settings)


def test_values_are_quoted_but_pydantic_is_not_chained() -> None:
    # pydantic's own message quotes a model-level error's whole input, the key
    # included, so it is not the cause: the message names each setting instead.
    err = rejected("top_p", top_p=3)
    assert "got 3" in str(err)
    assert err.__cause__ is None
    assert err.__suppress_context__


def test_own_validator_errors_are_not_rewrapped() -> None:
    err = rejected("n > 1 cannot be combined with streaming", n=2, streaming=True)
    assert "Value error" not in str(err)


@pytest.mark.parametrize(
    "base_url", ["localhost:8000/v1", "127.0.0.1:8000/v1", "inference.do-ai.run/v1"]
)
def test_base_url_without_a_scheme_says_what_is_missing(base_url: str) -> None:
    err = rejected("must start with http:// or https://", base_url=base_url)
    assert f"http://{base_url}" in str(err)


@pytest.mark.parametrize("base_url", ["ftp://host/v1", "http://", "file:///tmp/x"])
def test_base_url_must_be_http_with_a_host(base_url: str) -> None:
    rejected("base_url", base_url=base_url)


@pytest.mark.parametrize(
    "timeout", [None, 0.5, 30, httpx.Timeout(None), httpx.Timeout(60.0, connect=5.0)]
)
def test_valid_timeouts_are_accepted(timeout: Any) -> None:
    assert ChatGradient(api_key=SECRET, timeout=timeout).timeout == timeout


def test_four_stop_sequences_are_accepted() -> None:
    assert ChatGradient(api_key=SECRET, stop=["a", "b", "c", "d"]).stop == ["a", "b", "c", "d"]


def test_agent_settings_are_checked_too() -> None:
    with pytest.raises(GradientInvalidInputError, match="timeout"):
        ChatGradientAgent(api_key=SECRET, base_url="abc.agents.do-ai.run", timeout=0)


def test_list_models_rejects_a_base_url_without_scheme() -> None:
    with pytest.raises(GradientInvalidInputError, match="http://localhost:8000/v1"):
        list_models(api_key=SECRET, base_url="localhost:8000/v1")


# ----------------------------------------------------------- per call


@pytest.mark.parametrize(
    ("params", "match"),
    [({"stop": FIVE_STOPS}, "at most 4"), ({"n": 1.5}, "n must be a whole number")],
)
def test_call_time_values_are_checked_before_sending(params: dict[str, Any], match: str) -> None:
    handler = Scripted(json_response(completion()))
    # A Gradient host: the stop limit is Gradient's (test_drop_in.py: elsewhere).
    model = mock_model(handler, "sync", base_url="https://inference.do-ai.run/v1")
    with pytest.raises(GradientInvalidInputError, match=match):
        model.invoke("hi", **params)
    assert handler.requests == []


# ------------------------------------------- settings_error (embeddings, retriever)


def test_settings_error_names_each_field_and_hints_only_a_missing_one() -> None:
    from pydantic import BaseModel, Field, ValidationError

    from langchain_gradient._settings import settings_error

    class Settings(BaseModel):
        name: str = Field(min_length=1)
        size: int = 1

    with pytest.raises(ValidationError) as caught:
        Settings(name="", size="many-" + SECRET)  # type: ignore[arg-type]
    error = settings_error(caught.value, "Settings", {"name": "pass a name", "size": "unused"})
    assert isinstance(error, GradientInvalidInputError)
    assert str(error).startswith("invalid Settings settings: name: ")
    assert "(pass a name)" in str(error)
    assert "size: " in str(error)
    assert "unused" not in str(error)  # a wrong value is not a missing one
    assert SECRET not in str(error)


def test_settings_error_returns_our_own_validator_error_as_it_was() -> None:
    from pydantic import BaseModel, ValidationError, model_validator

    from langchain_gradient._settings import settings_error

    own = GradientInvalidInputError("size must be even")

    class Settings(BaseModel):
        size: int = 1

        @model_validator(mode="after")
        def _even(self) -> Settings:
            raise own

    with pytest.raises(ValidationError) as caught:
        Settings()
    assert settings_error(caught.value, "Settings") is own
