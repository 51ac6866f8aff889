"""Which chat API answers a call: ``use_responses_api`` x model id x the call's fields.

Each case makes a real call through ``httpx.MockTransport`` and checks where the
request went and what the reply says answered it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from langchain_gradient import ChatGradient, GradientInvalidInputError
from langchain_gradient._api_choice import RESPONSES_API_MODELS
from langchain_gradient.agents import ChatGradientAgent
from tests.unit_tests.fakes import FakeAPI, completion
from tests.unit_tests.paths import serve

CHAT = "/v1/chat/completions"
RESPONSES = "/v1/responses"


def answered(chat: ChatGradient, api: FakeAPI, **call: Any) -> str:
    """Call once; return the endpoint's path after checking the reply names the same API."""
    message = chat.invoke("Hi", **call)
    path = api.requests[-1].url.path
    assert message.response_metadata["api"] == (
        "responses" if path == RESPONSES else "chat_completions"
    )
    assert message.text == "Hello!"
    return path


@pytest.mark.parametrize(
    ("setting", "model_id", "expected"),
    [
        (True, "llama3.3-70b-instruct", RESPONSES),
        (True, "openai-gpt-5.2-pro", RESPONSES),
        (False, "llama3.3-70b-instruct", CHAT),
        (False, "openai-gpt-5.2-pro", CHAT),
        (False, "openai-gpt-5.1-codex-max", CHAT),
        (None, "llama3.3-70b-instruct", CHAT),
        (None, "openai-gpt-4o", CHAT),
        (None, "openai-gpt-oss-120b", CHAT),
        (None, "gemini-2.5-pro", CHAT),  # *-pro of another provider: not listed
        (None, "openai-gpt-5.2-pro", RESPONSES),
        (None, "OpenAI-GPT-5.2-Pro", RESPONSES),
        (None, "openai-gpt-5.1-codex-max", RESPONSES),
        (None, "openai-gpt-5-codex", RESPONSES),
    ],
)
def test_the_setting_and_the_model_id_choose_the_api(
    setting: bool | None, model_id: str, expected: str
) -> None:
    api = FakeAPI(serve(completion()))
    model = api.model(model=model_id, use_responses_api=setting)
    assert answered(model, api) == expected


def test_the_default_is_to_decide_per_call() -> None:
    model = ChatGradient(api_key="sk-do-test")
    assert model.use_responses_api is None
    assert model.responses_api_models is None  # RESPONSES_API_MODELS
    assert "openai-*-pro" in RESPONSES_API_MODELS
    assert "openai-*codex*" in RESPONSES_API_MODELS


def test_the_model_list_can_be_overridden() -> None:
    api = FakeAPI(serve(completion()))
    model = api.model(model="kimi-k2.6", responses_api_models=("kimi-*",))
    assert answered(model, api) == RESPONSES
    # The override replaces the list: a default pattern no longer applies.
    assert answered(model, api, model="openai-gpt-5.2-pro") == CHAT
    # The call's model decides, not the configured one.
    assert answered(model, api, model="llama3.3-70b-instruct") == CHAT


@pytest.mark.parametrize("setting", [True, False])
def test_the_call_can_force_either_api(setting: bool) -> None:
    api = FakeAPI(serve(completion()))
    model = api.model(model="openai-gpt-5.2-pro" if not setting else "llama3.3-70b-instruct")
    assert answered(model, api, use_responses_api=setting) == (RESPONSES if setting else CHAT)
    # The choice is not sent as a request field.
    assert "use_responses_api" not in api.body
    # Nor kept: the next call decides again.
    assert answered(model, api) == (CHAT if setting else RESPONSES)


@pytest.mark.parametrize(
    "where",
    ["call", "bound", "model_kwargs", "extra_body", "call extra_body"],
)
@pytest.mark.parametrize("field", ["previous_response_id", "instructions", "truncation"])
def test_a_responses_only_field_sends_the_call_to_the_responses_api(where: str, field: str) -> None:
    value = {"previous_response_id": "resp_1", "instructions": "Be brief.", "truncation": "auto"}[
        field
    ]
    api = FakeAPI(serve(completion()))
    settings: dict[str, Any] = {}
    if where == "model_kwargs":
        settings["model_kwargs"] = {field: value}
    elif where == "extra_body":
        settings["extra_body"] = {field: value}
    model = api.model(**settings)
    runnable: Any = model.bind(**{field: value}) if where == "bound" else model
    call: dict[str, Any] = {}
    if where == "call":
        call[field] = value
    elif where == "call extra_body":
        call["extra_body"] = {field: value}
    message = runnable.invoke("Hi", **call)
    assert api.requests[-1].url.path == RESPONSES
    assert api.body[field] == value
    assert message.response_metadata["api"] == "responses"


def test_a_responses_only_field_with_the_api_turned_off_stays_on_chat_completions() -> None:
    api = FakeAPI(serve(completion()))
    model = api.model(use_responses_api=False)
    assert answered(model, api, instructions="Be brief.") == CHAT
    assert api.body["instructions"] == "Be brief."  # sent as given; the server judges it


def test_async_and_streamed_calls_choose_the_same_way() -> None:
    api = FakeAPI(serve(completion()))
    model = api.model(model="openai-gpt-5.2-pro")
    streamed = list(model.stream("Hi"))
    assert api.requests[-1].url.path == RESPONSES
    assert "".join(chunk.text for chunk in streamed) == "Hello!"
    assert [c.response_metadata.get("api") for c in streamed].count("responses") == 1

    async def both() -> tuple[Any, list[Any]]:
        message = await model.ainvoke("Hi")
        chunks = [chunk async for chunk in model.astream("Hi", use_responses_api=False)]
        return message, chunks

    message, chunks = asyncio.run(both())
    assert message.response_metadata["api"] == "responses"
    assert [c.response_metadata.get("api") for c in chunks].count("chat_completions") == 1
    assert api.requests[-1].url.path == CHAT


@pytest.mark.parametrize("value", ["yes", 1])
def test_a_setting_that_is_not_a_bool_raises_before_sending(value: Any) -> None:
    api = FakeAPI(serve(completion()))
    with pytest.raises(GradientInvalidInputError, match="use_responses_api"):
        api.model().invoke("Hi", use_responses_api=value)
    with pytest.raises(GradientInvalidInputError, match="use_responses_api"):
        api.model(use_responses_api=value)
    assert api.requests == []


def test_an_option_the_responses_api_lacks_raises_before_sending() -> None:
    api = FakeAPI(serve(completion()))
    with pytest.raises(GradientInvalidInputError, match="seed"):
        api.model(use_responses_api=True, seed=1).invoke("Hi")
    assert api.requests == []


def test_an_agent_refuses_the_responses_api() -> None:
    with pytest.raises(GradientInvalidInputError, match="use_responses_api"):
        ChatGradientAgent(
            base_url="https://a.agents.do-ai.run", api_key="k", use_responses_api=True
        ).invoke("Hi")
