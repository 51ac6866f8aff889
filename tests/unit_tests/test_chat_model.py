"""ChatGradient end to end over a scripted API: what goes on the wire, what comes back."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.exceptions import ModelAuthenticationError
from langchain_core.messages import AIMessageChunk, HumanMessage
from pydantic import SecretStr

from langchain_gradient import (
    ChatGradient,
    GradientAuthenticationError,
    GradientInvalidInputError,
    GradientMissingAPIKeyError,
)

from .fakes import FakeAPI, chunk, completion, text_stream

FIELD_PARAMS: dict[str, Any] = {
    "temperature": 0.2,
    "top_p": 0.5,
    "max_tokens": 64,
    "max_completion_tokens": 256,
    "frequency_penalty": 0.1,
    "presence_penalty": 0.2,
    "logit_bias": {50256: -100},
    "logprobs": True,
    "top_logprobs": 2,
    "n": 1,
    "seed": 42,
    "user": "end-user-7",
    "reasoning_effort": "high",
    "reasoning": {"effort": "low", "max_tokens": 1024},
}


def test_unset_params_send_only_model_and_messages() -> None:
    api = FakeAPI()
    api.model().invoke("hi")
    assert api.body == {
        "messages": [{"role": "user", "content": "hi"}],
        "model": "llama3.3-70b-instruct",
    }


def test_every_field_reaches_the_wire_under_its_api_name() -> None:
    api = FakeAPI()
    api.model(**FIELD_PARAMS, stop_sequences=["END"], request_metadata={"k": "v"}).invoke("hi")
    body = api.body
    for name, value in FIELD_PARAMS.items():
        expected = {"50256": -100} if name == "logit_bias" else value
        assert body[name] == expected, name
    assert body["stop"] == ["END"]
    assert body["metadata"] == {"k": "v"}
    assert "stream" not in body
    assert "stream_options" not in body


@pytest.mark.parametrize("name", sorted(FIELD_PARAMS))
def test_every_param_can_be_given_per_call(name: str) -> None:
    api = FakeAPI()
    api.model().invoke("hi", **{name: FIELD_PARAMS[name]})
    assert name in api.body


def test_langchain_metadata_is_not_sent_as_request_metadata() -> None:
    api = FakeAPI()
    api.model(metadata={"trace": "only"}).invoke("hi", config={"metadata": {"run": "x"}})
    assert "metadata" not in api.body


def test_call_time_stop_wins_over_the_field() -> None:
    api = FakeAPI()
    model = api.model(stop=["FIELD"])
    model.invoke("hi")
    assert api.body["stop"] == ["FIELD"]
    model.invoke("hi", stop=["CALL"])
    assert api.body["stop"] == ["CALL"]
    stream_api = FakeAPI(text_stream("a"))
    list(stream_api.model(stop_sequences=["FIELD"]).stream("hi", stop=["CALL"]))
    assert stream_api.body["stop"] == ["CALL"]
    assert "stop_sequences" not in stream_api.body


def test_call_time_kwargs_and_model_override_reach_the_wire() -> None:
    api = FakeAPI()
    message = api.model().invoke("hi", seed=1, model="other-model", parallel_tool_calls=False)
    assert api.body["seed"] == 1
    assert api.body["model"] == "other-model"
    assert api.body["parallel_tool_calls"] is False
    assert message.response_metadata["model_name"] == "served-model"


def test_model_kwargs_pass_through_verbatim() -> None:
    api = FakeAPI()
    with pytest.warns(UserWarning, match="prompt_cache_retention"):
        model = api.model(prompt_cache_retention="24h")
    model.invoke("hi")
    assert api.body["prompt_cache_retention"] == "24h"


def test_aliases_model_name_and_stop_sequences() -> None:
    model = ChatGradient(api_key="k", model_name="alibaba-qwen3-32b", stop_sequences=["x"])
    assert model.model == "alibaba-qwen3-32b"
    assert model.stop == ["x"]


def test_invoke_returns_content_usage_model_and_finish_reason() -> None:
    api = FakeAPI(completion("Bonjour", model="llama3.3-70b-instruct"))
    message = api.model().invoke([("system", "French only"), ("human", "Hello")])
    assert message.content == "Bonjour"
    assert message.usage_metadata == {"input_tokens": 9, "output_tokens": 3, "total_tokens": 12}
    assert message.response_metadata["model_name"] == "llama3.3-70b-instruct"
    assert message.response_metadata["finish_reason"] == "stop"
    assert api.body["messages"][0] == {"role": "system", "content": "French only"}


async def test_ainvoke_and_abatch() -> None:
    api = FakeAPI(completion("one"), completion("two"))
    model = api.model()
    assert (await model.ainvoke("hi")).content == "one"
    results = await model.abatch(["a", "b"])
    assert [r.content for r in results] == ["two", "two"]
    assert len(api.requests) == 3


def test_batch() -> None:
    api = FakeAPI()
    results = api.model().batch(["a", "b", "c"])
    assert [r.content for r in results] == ["Hello!"] * 3
    assert sorted(b["messages"][0]["content"] for b in api.bodies) == ["a", "b", "c"]


def test_stream_sends_stream_options_and_puts_usage_on_one_chunk() -> None:
    api = FakeAPI(text_stream("Hel", "lo", " world"))
    chunks = list(api.model().stream("hi"))
    assert api.body["stream"] is True
    assert api.body["stream_options"] == {"include_usage": True}
    assert "".join(c.text for c in chunks) == "Hello world"
    with_usage = [c for c in chunks if c.usage_metadata]
    assert len(with_usage) == 1
    merged = sum(chunks[1:], chunks[0])
    assert isinstance(merged, AIMessageChunk)
    assert merged.usage_metadata == {"input_tokens": 5, "output_tokens": 2, "total_tokens": 7}
    assert merged.response_metadata["finish_reason"] == "stop"
    assert merged.response_metadata["model_name"] == "served-model"


def test_stream_usage_false_asks_for_no_usage() -> None:
    api = FakeAPI(text_stream("a"))
    list(api.model(stream_usage=False).stream("hi"))
    assert "stream_options" not in api.body
    list(api.model().stream("hi", stream_usage=False))
    assert "stream_options" not in api.body


async def test_astream_yields_the_same_chunks() -> None:
    api = FakeAPI(text_stream("x", "y"))
    chunks = [c async for c in api.model().astream("hi")]
    assert "".join(c.text for c in chunks) == "xy"
    assert sum(1 for c in chunks if c.usage_metadata) == 1


def test_streaming_field_routes_invoke_through_the_stream() -> None:
    api = FakeAPI(text_stream("str", "eamed"))
    message = api.model(streaming=True).invoke("hi")
    assert api.body["stream"] is True
    assert message.content == "streamed"
    assert message.usage_metadata is not None


class _TokenRecorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: str, *, run_id: UUID, **kwargs: Any) -> None:
        self.tokens.append(token)


def test_on_llm_new_token_is_called_for_every_content_delta() -> None:
    recorder = _TokenRecorder()
    api = FakeAPI(text_stream("a", "b", "c"))
    list(api.model().stream("hi", config={"callbacks": [recorder]}))
    assert [t for t in recorder.tokens if t] == ["a", "b", "c"]


def test_reasoning_streams_into_additional_kwargs() -> None:
    events = [
        chunk({"reasoning_content": "Let me "}),
        chunk({"reasoning_content": "think."}),
        chunk({"content": "4"}, finish_reason="stop"),
    ]
    api = FakeAPI(events)
    chunks = list(api.model().stream("2+2?"))
    merged = sum(chunks[1:], chunks[0])
    assert merged.additional_kwargs["reasoning_content"] == "Let me think."
    assert merged.content == "4"


def test_n_two_gives_two_generations() -> None:
    body = completion("first")
    body["choices"].append(
        {"index": 1, "message": {"role": "assistant", "content": "second"}, "finish_reason": "stop"}
    )
    api = FakeAPI(body)
    result = api.model(n=2).generate([[HumanMessage("hi")]])
    assert api.body["n"] == 2
    assert [g.text for g in result.generations[0]] == ["first", "second"]


def test_streaming_with_n_above_one_is_refused_before_sending() -> None:
    api = FakeAPI(text_stream("a"))
    with pytest.raises(GradientInvalidInputError, match="n > 1"):
        list(api.model(n=2).stream("hi"))
    assert api.requests == []


def test_request_url_and_headers() -> None:
    api = FakeAPI()
    api.model(base_url="https://example.invalid/v1/", default_headers={"X-Team": "a"}).invoke("x")
    request = api.requests[0]
    assert str(request.url) == "https://example.invalid/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-do-test-key"
    assert request.headers["x-team"] == "a"
    assert request.headers["user-agent"].startswith("langchain-gradient/")


@pytest.mark.parametrize(
    ("timeout", "expected"),
    [(7.5, 7.5), (httpx.Timeout(3.0, connect=1.0), 3.0)],
)
def test_timeout_float_or_httpx_timeout_applies_to_requests(timeout: Any, expected: float) -> None:
    api = FakeAPI()
    api.model(timeout=timeout).invoke("x")
    assert api.requests[0].extensions["timeout"]["read"] == expected


def test_key_resolution_order_and_late_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(GradientMissingAPIKeyError) as caught:
        ChatGradient()
    assert "DIGITALOCEAN_INFERENCE_KEY" in str(caught.value)
    assert "GRADIENT_MODEL_ACCESS_KEY" in str(caught.value)
    assert isinstance(caught.value, ModelAuthenticationError)
    monkeypatch.setenv("GRADIENT_MODEL_ACCESS_KEY", "sk-do-second")
    assert ChatGradient().api_key.get_secret_value() == "sk-do-second"  # type: ignore[union-attr]
    monkeypatch.setenv("DIGITALOCEAN_INFERENCE_KEY", "sk-do-first")
    assert ChatGradient().api_key.get_secret_value() == "sk-do-first"  # type: ignore[union-attr]


def test_base_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ChatGradient(api_key="k").base_url == "https://inference.do-ai.run/v1"
    monkeypatch.setenv("DIGITALOCEAN_INFERENCE_BASE_URL", "http://127.0.0.1:8080/v1")
    assert ChatGradient(api_key="k").base_url == "http://127.0.0.1:8080/v1"


def test_http_error_raises_typed_error_with_server_message() -> None:
    api = FakeAPI(
        httpx.Response(401, json={"id": "unauthorized", "message": "Unable to authenticate you."})
    )
    with pytest.raises(GradientAuthenticationError) as caught:
        api.model().invoke("x")
    assert caught.value.status_code == 401
    assert "Unable to authenticate you." in str(caught.value)
    assert isinstance(caught.value, ModelAuthenticationError)


def test_ls_params_report_provider_and_per_call_model() -> None:
    model = ChatGradient(api_key="k", temperature=0.5, max_tokens=10, stop=["a"])
    params = model._get_ls_params(model="override")
    assert params == {
        "ls_provider": "gradient",
        "ls_model_name": "override",
        "ls_model_type": "chat",
        "ls_temperature": 0.5,
        "ls_max_tokens": 10,
        "ls_stop": ["a"],
    }


def test_two_event_loops_on_one_instance_with_supplied_clients() -> None:
    api = FakeAPI()
    model = api.model()

    async def call() -> str:
        return str((await model.ainvoke("x")).content)

    assert asyncio.run(call()) == "Hello!"
    assert asyncio.run(call()) == "Hello!"


def test_user_supplied_clients_are_not_closed() -> None:
    api = FakeAPI()
    model = api.model()
    model.invoke("x")
    model.close()
    assert model.http_client is not None
    assert not model.http_client.is_closed
    model.invoke("again")


def test_settings_changed_after_first_use_take_effect() -> None:
    api = FakeAPI()
    model = api.model(default_headers={"X-A": "1"})
    model.invoke("x")
    model.base_url = "https://second.invalid/v2"
    model.api_key = SecretStr("sk-do-rotated")
    assert model.default_headers is not None
    model.default_headers["X-A"] = "2"
    model.invoke("y")
    request = api.requests[-1]
    assert str(request.url) == "https://second.invalid/v2/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-do-rotated"
    assert request.headers["x-a"] == "2"
