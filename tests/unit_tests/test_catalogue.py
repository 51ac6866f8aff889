"""list_models / alist_models against a scripted /models endpoint on 127.0.0.1."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from langchain_gradient.chat_models import MISSING_KEY_MESSAGE
from langchain_gradient.errors import (
    GradientAuthenticationError,
    GradientConnectionError,
    GradientMissingAPIKeyError,
    GradientResponseError,
    GradientServerError,
)
from langchain_gradient.models import GradientModelInfo, alist_models, list_models
from tests.unit_tests.loopback import patch_sleep
from tests.unit_tests.test_agents import LoopbackAPI

CATALOGUE = {
    "object": "list",
    "data": [
        {
            "id": "alibaba-qwen3-32b",
            "object": "model",
            "created": 1737000000,
            "owned_by": "digitalocean",
        },
        {
            "id": "anthropic-claude-3.5-haiku",
            "object": "model",
            "created": 1737000001,
            "owned_by": "anthropic",
        },
    ],
}
EXPECTED = [
    GradientModelInfo("alibaba-qwen3-32b", 1737000000, "digitalocean", "model"),
    GradientModelInfo("anthropic-claude-3.5-haiku", 1737000001, "anthropic", "model"),
]


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return patch_sleep(monkeypatch)


def test_lists_typed_records_with_the_key(api: LoopbackAPI, sleeps: list[float]) -> None:
    api.json(CATALOGUE)
    models = list_models(api_key="sk-do-test", base_url=api.url + "/v1")
    assert models == EXPECTED
    (request,) = api.requests
    assert request.method == "GET"
    assert request.path == "/v1/models"
    assert request.headers["authorization"] == "Bearer sk-do-test"
    assert request.headers["user-agent"].startswith("langchain-gradient/")
    assert request.body is None


def test_records_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        EXPECTED[0].id = "other"  # type: ignore[misc]


async def test_alist_models(api: LoopbackAPI, sleeps: list[float]) -> None:
    api.json(CATALOGUE)
    assert await alist_models(api_key="sk-do-test", base_url=api.url + "/v1/") == EXPECTED
    assert api.requests[0].path == "/v1/models"


def test_key_and_base_url_from_the_environment(
    api: LoopbackAPI, monkeypatch: pytest.MonkeyPatch, sleeps: list[float]
) -> None:
    monkeypatch.setenv("GRADIENT_MODEL_ACCESS_KEY", "sk-do-env")
    monkeypatch.setenv("DIGITALOCEAN_INFERENCE_BASE_URL", api.url + "/v1")
    api.json(CATALOGUE)
    assert [info.id for info in list_models()] == [info.id for info in EXPECTED]
    assert api.requests[0].headers["authorization"] == "Bearer sk-do-env"


def test_missing_key_raises_the_chat_models_message() -> None:
    with pytest.raises(GradientMissingAPIKeyError) as caught:
        list_models(base_url="http://127.0.0.1:9/v1")
    assert str(caught.value) == MISSING_KEY_MESSAGE


async def test_async_missing_key() -> None:
    with pytest.raises(GradientMissingAPIKeyError):
        await alist_models(base_url="http://127.0.0.1:9/v1")


def test_401_is_an_authentication_error_and_not_retried(
    api: LoopbackAPI, sleeps: list[float]
) -> None:
    api.json({"id": "unauthorized", "message": "Unable to authenticate you."}, status=401)
    with pytest.raises(GradientAuthenticationError, match="Unable to authenticate you") as caught:
        list_models(api_key="sk-do-wrong", base_url=api.url + "/v1")
    assert caught.value.status_code == 401
    assert "sk-do-wrong" not in str(caught.value)
    assert len(api.requests) == 1
    assert sleeps == []


async def test_async_401(api: LoopbackAPI, sleeps: list[float]) -> None:
    api.json({"id": "unauthorized", "message": "Unable to authenticate you."}, status=401)
    with pytest.raises(GradientAuthenticationError):
        await alist_models(api_key="sk-do-wrong", base_url=api.url + "/v1")


def test_429_then_success_is_retried(api: LoopbackAPI, sleeps: list[float]) -> None:
    api.json({"message": "API rate limit exceeded."}, status=429, headers={"Retry-After": "3"})
    api.json(CATALOGUE)
    assert list_models(api_key="sk-do-test", base_url=api.url + "/v1") == EXPECTED
    assert len(api.requests) == 2
    assert sleeps == [3.0]


async def test_async_503_then_success_is_retried(api: LoopbackAPI, sleeps: list[float]) -> None:
    api.json({"message": "busy"}, status=503)
    api.json(CATALOGUE)
    assert await alist_models(api_key="sk-do-test", base_url=api.url + "/v1") == EXPECTED
    assert len(api.requests) == 2
    assert len(sleeps) == 1


def test_retries_are_bounded_by_max_retries(api: LoopbackAPI, sleeps: list[float]) -> None:
    for _ in range(3):
        api.json({"message": "down"}, status=500)
    with pytest.raises(GradientServerError):
        list_models(api_key="sk-do-test", base_url=api.url + "/v1", max_retries=1)
    assert len(api.requests) == 2


def test_unreachable_host_is_a_connection_error(sleeps: list[float]) -> None:
    with pytest.raises(GradientConnectionError):
        list_models(api_key="sk-do-test", base_url=f"http://127.0.0.1:{_closed_port()}/v1")
    assert len(sleeps) == 2  # the default two retries


def test_not_a_list_is_a_response_error(api: LoopbackAPI, sleeps: list[float]) -> None:
    api.json({"models": []})
    with pytest.raises(GradientResponseError, match="data"):
        list_models(api_key="sk-do-test", base_url=api.url + "/v1")


def test_entry_without_id_is_a_response_error(api: LoopbackAPI, sleeps: list[float]) -> None:
    api.json({"object": "list", "data": [{"object": "model"}]})
    with pytest.raises(GradientResponseError, match="entry 0 has no model id"):
        list_models(api_key="sk-do-test", base_url=api.url + "/v1")


def test_optional_fields_may_be_missing(api: LoopbackAPI, sleeps: list[float]) -> None:
    api.json({"data": [{"id": "mistral-3-14B"}]})
    assert list_models(api_key="k", base_url=api.url) == [GradientModelInfo("mistral-3-14B")]


def test_your_own_client_is_used_and_left_open(sleeps: list[float]) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=CATALOGUE)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    assert list_models(api_key="k", base_url="https://example.invalid/v1", http_client=client)
    assert not client.is_closed
    assert str(seen[0].url) == "https://example.invalid/v1/models"
    client.close()


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
