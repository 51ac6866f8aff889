"""Constructor errors: typed, and never carrying the key, for every public class."""

from __future__ import annotations

import traceback
from typing import Any

import pytest

from langchain_gradient import (
    ChatGradient,
    ChatGradientAgent,
    GradientEmbeddings,
    GradientInvalidInputError,
)

SECRET = "sk-do-constructor-SECRET-0123456789"

BAD_SETTINGS: list[dict[str, Any]] = [
    {"timeout": -1},
    {"timeout": 0},
    {"base_url": "localhost:8000/v1"},
    {"max_retries": -1},
    {"max_retries": "many"},
    {"default_headers": 5},
    {"http_client": "not a client"},
]
CHAT_ONLY: list[dict[str, Any]] = [
    {"n": 2, "streaming": True},
    {"n": 1.5},
    {"stop": ["a", "b", "c", "d", "e"]},
    {"temperature": "hot"},
    {"model_kwargs": "not a dict"},
]


def build(cls: type[Any], settings: dict[str, Any]) -> Any:
    if cls is ChatGradientAgent:
        settings = {"endpoint": "https://agent.example/", **settings}
    if cls is GradientEmbeddings:
        settings = {"model": "m", **settings}
    return cls(api_key=SECRET, **settings)


CASES = [
    (cls, settings)
    for cls in (ChatGradient, GradientEmbeddings)
    for settings in BAD_SETTINGS + (CHAT_ONLY if cls is ChatGradient else [])
]


@pytest.mark.parametrize(("cls", "settings"), CASES, ids=lambda v: getattr(v, "__name__", None))
def test_bad_settings_raise_the_typed_error_without_the_key(
    cls: type[Any], settings: dict[str, Any]
) -> None:
    with pytest.raises(GradientInvalidInputError) as info:
        build(cls, settings)
    shown = "".join(traceback.format_exception(info.value))
    assert SECRET not in shown
    assert SECRET not in repr(info.value.args)
    assert next(iter(settings)) in str(info.value)


@pytest.mark.parametrize("cls", [ChatGradient, GradientEmbeddings])
@pytest.mark.parametrize("name", ["base_url", "max_retries", "timeout", "default_headers"])
def test_none_means_the_default(cls: type[Any], name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGITALOCEAN_INFERENCE_BASE_URL", "http://127.0.0.1:9/v1")
    default = build(cls, {})
    given_none = build(cls, {name: None})
    assert getattr(given_none, name) == getattr(default, name)


def test_embeddings_key_none_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGITALOCEAN_INFERENCE_KEY", SECRET)
    model = GradientEmbeddings(model="m", api_key=None)
    assert model.api_key is not None
    assert model.api_key.get_secret_value() == SECRET
