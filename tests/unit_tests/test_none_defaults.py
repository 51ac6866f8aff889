"""Settings the caller leaves to the default really get it: ``None`` arguments,
a user client's own timeout, and a key looked up at request time after unpickling."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import httpx
import pytest

from langchain_gradient import ChatGradient, ChatGradientAgent, list_models
from langchain_gradient.errors import GradientMissingAPIKeyError

from .loopback import SECRET, LoopbackServer, Reply, completion, json_response

OK = Reply.json(completion("pong"))


# -------------------------------------------------- None means "the default"


def test_none_api_key_and_base_url_fall_back_to_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DIGITALOCEAN_INFERENCE_KEY", "sk-do-from-env")
    monkeypatch.setenv("DIGITALOCEAN_INFERENCE_BASE_URL", "http://127.0.0.1:9/v1")
    model = ChatGradient(api_key=None, base_url=None)
    assert model.api_key is not None
    assert model.api_key.get_secret_value() == "sk-do-from-env"
    assert model.base_url == "http://127.0.0.1:9/v1"


def test_none_settings_take_their_defaults() -> None:
    model = ChatGradient(
        api_key=SECRET,
        base_url=None,
        model=None,
        max_retries=None,
        timeout=None,
        model_kwargs=None,
        streaming=None,
        stream_usage=None,
    )
    assert model.base_url == "https://inference.do-ai.run/v1"
    assert model.model == "llama3.3-70b-instruct"
    assert model.max_retries == 2
    assert model.timeout is None
    assert model.model_kwargs == {}
    # stream_usage unset: decided per host (on for Gradient, see test_drop_in.py).
    assert (model.streaming, model.stream_usage) == (False, None)


def test_none_api_key_without_environment_still_says_how_to_get_one() -> None:
    with pytest.raises(GradientMissingAPIKeyError, match="DIGITALOCEAN_INFERENCE_KEY"):
        ChatGradient(api_key=None)


def test_unknown_none_kwargs_are_still_body_fields() -> None:
    with pytest.warns(UserWarning, match="custom_flag"):
        model = ChatGradient(api_key=SECRET, custom_flag=None)
    assert model.model_kwargs == {"custom_flag": None}


def test_agent_none_key_and_endpoint_come_from_its_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRADIENT_AGENT_ACCESS_KEY", "agent-key")
    monkeypatch.setenv("GRADIENT_AGENT_ENDPOINT", "abc.agents.do-ai.run")
    agent = ChatGradientAgent(api_key=None, base_url=None)
    assert agent.api_key is not None
    assert agent.api_key.get_secret_value() == "agent-key"
    assert agent.base_url == "https://abc.agents.do-ai.run/api/v1"


# ------------------------------------------------ the user's client's timeout


def _recording_client(seen: list[httpx.Request], *, timeout: httpx.Timeout) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return json_response(completion())

    return httpx.Client(transport=httpx.MockTransport(handler), timeout=timeout)


USER_TIMEOUT = httpx.Timeout(600.0, connect=30.0)


def test_user_client_timeout_applies_when_the_model_sets_none() -> None:
    seen: list[httpx.Request] = []
    model = ChatGradient(api_key=SECRET, http_client=_recording_client(seen, timeout=USER_TIMEOUT))
    model.invoke("x")
    assert seen[0].extensions["timeout"] == USER_TIMEOUT.as_dict()


def test_user_async_client_timeout_applies_when_the_model_sets_none() -> None:
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return json_response(completion())

    async def run() -> None:
        client = httpx.AsyncClient(transport=httpx.MockTransport(handler), timeout=USER_TIMEOUT)
        await ChatGradient(api_key=SECRET, http_async_client=client).ainvoke("x")
        await client.aclose()

    asyncio.run(run())
    assert seen[0].extensions["timeout"] == USER_TIMEOUT.as_dict()


def test_model_timeout_wins_over_the_user_client() -> None:
    seen: list[httpx.Request] = []
    client = _recording_client(seen, timeout=USER_TIMEOUT)
    ChatGradient(api_key=SECRET, http_client=client, timeout=7.5).invoke("x")
    assert seen[0].extensions["timeout"] == httpx.Timeout(7.5).as_dict()


def test_shared_client_uses_the_package_default_timeout() -> None:
    with LoopbackServer([OK]) as server:
        model = ChatGradient(api_key=SECRET, base_url=server.base_url)
        model.invoke("x")
        client = model._clients.sync()
    assert client.timeout == httpx.Timeout(120.0, connect=10.0)


def test_list_models_honours_the_user_client_timeout() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return json_response({"object": "list", "data": []})

    client = httpx.Client(transport=httpx.MockTransport(handler), timeout=USER_TIMEOUT)
    list_models(api_key=SECRET, http_client=client)
    assert seen[0].extensions["timeout"] == USER_TIMEOUT.as_dict()


# ------------------------------------------------- the key after unpickling


def _call(model: Any, how: str) -> Any:
    if how == "invoke":
        return model.invoke("x")
    if how == "stream":
        return list(model.stream("x"))
    return asyncio.run(model.ainvoke("x"))


@pytest.mark.parametrize("how", ["invoke", "stream", "ainvoke"])
def test_unpickled_without_the_key_fails_locally(how: str) -> None:
    with LoopbackServer([OK]) as server:
        model = ChatGradient(api_key=SECRET, base_url=server.base_url)
        # The environment has no key.
        restored = pickle.loads(pickle.dumps(model))  # noqa: S301 - our own bytes
        assert restored.api_key is None
        with pytest.raises(GradientMissingAPIKeyError, match="DIGITALOCEAN_INFERENCE_KEY"):
            _call(restored, how)
        assert server.requests == []


def test_unpickled_agent_without_its_key_names_the_agent_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with LoopbackServer([OK]) as server:
        agent = ChatGradientAgent(api_key=SECRET, base_url=server.base_url)
        restored = pickle.loads(pickle.dumps(agent))  # noqa: S301 - our own bytes
        with pytest.raises(GradientMissingAPIKeyError, match="GRADIENT_AGENT_ACCESS_KEY"):
            restored.invoke("x")
        assert server.requests == []
        monkeypatch.setenv("GRADIENT_AGENT_ACCESS_KEY", "late-key")
        # A key set later is not picked up by this instance (it was resolved
        # when unpickled), but a fresh unpickle finds it.
        again = pickle.loads(pickle.dumps(agent))  # noqa: S301 - our own bytes
        again.invoke("x")
        assert server.requests[0].headers["authorization"] == "Bearer late-key"
