"""What ``ChatOpenAI`` users already write works, or fails clearly, on every path.

Issue 23: names (``model_name``, ``request_timeout``, ...), ``extra_body``, and
Gradient's own limits and defaults applied to Gradient hosts only.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage

from langchain_gradient import ChatGradient, ChatGradientAgent
from langchain_gradient._settings import is_gradient
from langchain_gradient.errors import GradientInvalidInputError
from tests.unit_tests.fakes import FakeAPI, completion
from tests.unit_tests.paths import BOTH_APIS, Path, serve

SECRET = "sk-do-drop-in-test-key"
ELSEWHERE = "http://127.0.0.1:8000/v1"
"""An OpenAI-compatible server that is not Gradient (the requests never leave the mock)."""


def the_model(model: ChatGradient) -> ChatGradient:
    return model


def bound(**kwargs: Any) -> Any:
    """A build that passes ``kwargs`` with the call (as ``invoke(..., **kwargs)`` does)."""
    return lambda model: model.bind(**kwargs)


# ------------------------------------------------------------ 3. names


def test_model_name_is_accepted_and_readable() -> None:
    model = ChatGradient(api_key=SECRET, model_name="openai-gpt-oss-120b")
    assert model.model == "openai-gpt-oss-120b"
    assert model.model_name == "openai-gpt-oss-120b"
    assert ChatGradient(api_key=SECRET, model="m").model_name == "m"


@pytest.mark.parametrize(
    ("alias", "field", "value"),
    [
        ("request_timeout", "timeout", 5.0),
        ("openai_api_base", "base_url", "http://127.0.0.1:8000/v1"),
    ],
)
def test_chatopenai_aliases_set_our_field(alias: str, field: str, value: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not an unknown kwarg moved to model_kwargs
        model = ChatGradient(api_key=SECRET, **{alias: value})
    assert getattr(model, field) == value
    assert getattr(model, alias) == value
    assert model.model_kwargs == {}


def test_openai_api_key_is_the_key_and_is_never_a_body_field() -> None:
    api = FakeAPI()
    model = ChatGradient(
        openai_api_key=SECRET,
        http_client=httpx.Client(transport=httpx.MockTransport(api.handle)),
    )
    assert model.api_key is not None
    assert model.api_key.get_secret_value() == SECRET
    assert model.openai_api_key == model.api_key
    assert SECRET not in repr(model)
    model.invoke("hi")
    assert api.requests[0].headers["Authorization"] == f"Bearer {SECRET}"
    assert "openai_api_key" not in api.body
    assert SECRET not in api.requests[0].content.decode()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_request_timeout_applies_to_the_request_and_is_not_sent(mode: str) -> None:
    api = FakeAPI()
    model = api.model(request_timeout=5)
    if mode == "sync":
        model.invoke("hi")
    else:
        asyncio.run(model.ainvoke("hi"))
    request = api.requests[0]
    assert request.extensions["timeout"] == {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}
    assert "request_timeout" not in api.body
    assert "timeout" not in api.body


@pytest.mark.parametrize(
    ("setting", "match"),
    [({"api_key": lambda: SECRET}, "api_key"), ({"timeout": (5, 10)}, "timeout")],
    ids=["callable key", "tuple timeout"],
)
def test_chatopenai_value_forms_this_class_does_not_take_are_refused(
    setting: dict[str, Any], match: str
) -> None:
    with pytest.raises(GradientInvalidInputError, match=match):
        ChatGradient(**{"api_key": SECRET, **setting})


def test_the_suggested_way_to_change_a_client_setting_works() -> None:
    api = FakeAPI()
    model = api.model().model_copy(update={"timeout": 5})
    model.invoke("hi")
    assert api.requests[0].extensions["timeout"]["read"] == 5


def test_an_alias_given_with_its_field_is_an_error() -> None:
    with pytest.raises(GradientInvalidInputError, match="'timeout' was given twice"):
        ChatGradient(api_key=SECRET, timeout=3, request_timeout=5)


def test_an_alias_given_as_none_takes_the_default() -> None:
    model = ChatGradient(api_key=SECRET, request_timeout=None, openai_api_base=None)
    assert model.timeout is None
    assert model.base_url == "https://inference.do-ai.run/v1"


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("openai_organization", "org-1", "no organizations"),
        ("organization", "org-1", "no organizations"),
        ("openai_proxy", "http://proxy:3128", "http_client=httpx.Client"),
        ("default_query", {"a": "b"}, "not supported"),
        ("http_socket_options", [], "your own http_client"),
        ("stream_chunk_timeout", 30, "timeout already bounds"),
        ("tiktoken_model_name", "gpt-4", "not tiktoken"),
        ("include_response_headers", True, "not supported"),
        ("disabled_params", {"parallel_tool_calls": None}, "not supported"),
        ("use_previous_response_id", True, "Responses API"),
        ("client", object(), "http_client"),
        ("async_client", object(), "http_async_client"),
    ],
)
def test_chatopenai_settings_that_do_not_apply_are_refused_with_the_reason(
    name: str, value: Any, reason: str
) -> None:
    with pytest.raises(GradientInvalidInputError, match=name) as caught:
        ChatGradient(api_key=SECRET, **{name: value})
    assert reason in str(caught.value)


@pytest.mark.parametrize(
    "name", ["request_timeout", "openai_api_key", "openai_proxy", "extra_headers"]
)
def test_client_settings_inside_model_kwargs_are_refused(name: str) -> None:
    with pytest.raises(GradientInvalidInputError, match="configure the client"):
        ChatGradient(api_key=SECRET, model_kwargs={name: 5})


def test_a_field_inside_model_kwargs_becomes_the_setting_not_a_body_field() -> None:
    api = FakeAPI()
    with pytest.warns(UserWarning, match="should be specified explicitly"):
        model = api.model(model_kwargs={"timeout": 7})
    assert model.timeout == 7
    model.invoke("hi")
    assert "timeout" not in api.body
    assert api.requests[0].extensions["timeout"]["read"] == 7


@pytest.mark.parametrize(
    "setting",
    [
        {"timeout": 5},
        {"request_timeout": 5},
        {"api_key": "sk-other"},
        {"base_url": "http://elsewhere/v1"},
        {"extra_headers": {"X-A": "b"}},
        {"max_retries": 0},
    ],
    ids=lambda setting: next(iter(setting)),
)
@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_a_client_setting_passed_per_call_is_refused_before_sending(
    path: Path, setting: dict[str, Any]
) -> None:
    api = FakeAPI(serve(completion()))
    name = next(iter(setting))
    with pytest.raises(GradientInvalidInputError, match=f"'{name}' configure the client"):
        path.run(bound(**setting), api)
    assert api.requests == []


def test_a_body_field_chatopenai_passes_through_still_reaches_the_body() -> None:
    # Not a client setting: an unknown name is a body field (with a warning).
    api = FakeAPI()
    with pytest.warns(UserWarning, match="service_tier"):
        model = api.model(service_tier="auto")
    model.invoke("hi")
    assert api.body["service_tier"] == "auto"


# ------------------------------------------------------------ 2. extra_body


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_extra_body_from_the_model_is_merged_into_the_body(path: Path) -> None:
    api = FakeAPI(serve(completion("hi")))
    message = path.run(the_model, api, extra_body={"top_k": 40, "guided": {"a": 1}})
    assert isinstance(message, AIMessage)
    for body in api.bodies:
        assert body["top_k"] == 40
        assert body["guided"] == {"a": 1}
        assert "extra_body" not in body


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_extra_body_of_a_call_replaces_the_models(path: Path) -> None:
    api = FakeAPI(serve(completion("hi")))
    path.run(bound(extra_body={"top_k": 5}), api, extra_body={"min_p": 0.1})
    assert api.bodies, path
    for body in api.bodies:
        assert body["top_k"] == 5
        assert "min_p" not in body
        assert "extra_body" not in body


@pytest.mark.parametrize(
    ("model_settings", "extra_body", "clash"),
    [
        ({"temperature": 0.2}, {"temperature": 0.9}, "temperature"),
        ({"model_kwargs": {"top_k": 3}}, {"top_k": 4}, "top_k"),
        ({}, {"model": "other"}, "model"),
        ({}, {"messages": []}, "messages"),
        ({}, {"stream": True}, "stream"),
        ({}, {"stream_options": {"include_usage": False}}, "stream_options"),
    ],
)
@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_an_extra_body_key_the_request_already_has_is_an_error(
    path: Path, model_settings: dict[str, Any], extra_body: dict[str, Any], clash: str
) -> None:
    api = FakeAPI(serve(completion()))
    with pytest.raises(GradientInvalidInputError, match=f"extra_body sets '{clash}'"):
        path.run(bound(extra_body=extra_body), api, **model_settings)
    assert api.requests == []


def test_extra_body_clashing_with_the_models_own_field_fails_at_construction() -> None:
    with pytest.raises(GradientInvalidInputError, match="extra_body sets 'temperature'"):
        ChatGradient(api_key=SECRET, temperature=0, extra_body={"temperature": 1})
    with pytest.raises(GradientInvalidInputError, match="extra_body sets 'model'"):
        ChatGradient(api_key=SECRET, extra_body={"model": "other"})


@pytest.mark.parametrize("call", ["invoke", "ainvoke", "stream", "astream", "batch", "abatch"])
def test_extra_body_passed_to_the_call_itself_is_merged(call: str) -> None:
    api = FakeAPI(serve(completion("hi")))
    model = api.model()
    extra = {"extra_body": {"top_k": 7}}

    async def collect() -> Any:
        if call == "astream":
            return [chunk async for chunk in model.astream("hi", **extra)]
        if call == "abatch":
            return await model.abatch(["hi"], **extra)
        return await model.ainvoke("hi", **extra)

    if call.startswith("a"):
        asyncio.run(collect())
    elif call == "stream":
        list(model.stream("hi", **extra))
    else:
        getattr(model, call)("hi" if call == "invoke" else ["hi"], **extra)
    assert api.body["top_k"] == 7
    assert "extra_body" not in api.body


def test_extra_body_clashing_with_a_call_argument_is_an_error() -> None:
    api = FakeAPI()
    model = api.model(extra_body={"seed": 1})
    with pytest.raises(GradientInvalidInputError, match="extra_body sets 'seed'"):
        model.invoke("hi", seed=2)
    assert api.requests == []


def test_extra_body_must_be_a_dict() -> None:
    api = FakeAPI()
    with pytest.raises(GradientInvalidInputError, match="extra_body must be a dict"):
        api.model().invoke("hi", extra_body=["top_k", 3])
    with pytest.raises(GradientInvalidInputError, match="extra_body"):
        ChatGradient(api_key=SECRET, extra_body="top_k=3")


def test_extra_body_values_are_checked_like_any_parameter() -> None:
    api = FakeAPI()
    with pytest.raises(GradientInvalidInputError, match="temperature must be between"):
        api.model().invoke("hi", extra_body={"temperature": 7})
    assert api.requests == []


# --------------------------------------------- 8. Gradient's rules, on Gradient


@pytest.mark.parametrize(
    ("base_url", "gradient"),
    [
        ("https://inference.do-ai.run/v1", True),
        ("https://INFERENCE.do-ai.run/v1/", True),
        ("https://abc123.agents.do-ai.run/api/v1", True),
        ("https://inference.do-ai-test.run/v1", True),
        ("https://do-ai.run.example.com/v1", False),
        ("https://notdo-ai.run/v1", False),
        ("http://127.0.0.1:8080/v1", False),
        ("https://api.openai.com/v1", False),
    ],
)
def test_which_hosts_are_gradient(base_url: str, gradient: bool) -> None:
    assert is_gradient(base_url) is gradient


FIVE = ["a", "b", "c", "d", "e"]
STREAMING_PATHS = [path for path in BOTH_APIS if path.streams]


def test_five_stop_sequences_are_refused_for_gradient_at_construction() -> None:
    with pytest.raises(GradientInvalidInputError, match="at most 4 sequences on Gradient"):
        ChatGradient(api_key=SECRET, stop=FIVE)
    with pytest.raises(GradientInvalidInputError, match="at most 4 sequences on Gradient"):
        ChatGradientAgent(api_key=SECRET, base_url="https://a.agents.do-ai.run", stop=FIVE)


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_five_stop_sequences_are_refused_per_call_on_gradient(path: Path) -> None:
    api = FakeAPI(serve(completion()))
    with pytest.raises(GradientInvalidInputError, match="at most 4 sequences on Gradient"):
        path.run(bound(stop=FIVE), api)
    assert api.requests == []


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_other_servers_get_every_stop_sequence(path: Path) -> None:
    api = FakeAPI(serve(completion()))
    path.run(the_model, api, base_url=ELSEWHERE, stop=FIVE)
    assert [body["stop"] for body in api.bodies] == [FIVE]
    api = FakeAPI(serve(completion()))
    path.run(bound(stop=[*FIVE, "f"]), api, base_url=ELSEWHERE)
    assert [body["stop"] for body in api.bodies] == [[*FIVE, "f"]]


@pytest.mark.parametrize("path", STREAMING_PATHS, ids=str)
def test_streams_ask_gradient_for_usage_by_default(path: Path) -> None:
    api = FakeAPI(serve(completion()))
    message = path.run(the_model, api)
    assert api.body["stream_options"] == {"include_usage": True}
    assert message.usage_metadata is not None


@pytest.mark.parametrize("path", STREAMING_PATHS, ids=str)
def test_streams_to_other_servers_ask_for_usage_only_when_told(path: Path) -> None:
    api = FakeAPI(serve(completion()))
    path.run(the_model, api, base_url=ELSEWHERE)
    assert "stream_options" not in api.body
    api = FakeAPI(serve(completion()))
    path.run(the_model, api, base_url=ELSEWHERE, stream_usage=True)
    assert api.body["stream_options"] == {"include_usage": True}
    api = FakeAPI(serve(completion()))
    path.run(the_model, api, stream_usage=False)
    assert "stream_options" not in api.body
