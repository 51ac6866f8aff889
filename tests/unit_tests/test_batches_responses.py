"""Batch inference on the Responses API: the lines, the job and the replies follow ``invoke``.

A batch goes to the API ``invoke`` would use for the same call (the same
``use_responses_api`` rule): its lines carry that API's request body and
``url``, the job that ``endpoint``, and each reply is mapped by that API's
reader, so an outcome equals what ``invoke`` returns. Runs against the same
loopback batch service as ``test_batches.py``, on the sync and the async path.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage

from langchain_gradient import ChatGradient, GradientInvalidInputError
from tests.unit_tests import responses_replies as replies
from tests.unit_tests.batch_fixtures import (  # noqa: F401 - fixtures, used by name
    MODEL,
    service_fixture,
    storage_host_fixture,
)
from tests.unit_tests.batch_service import ENDPOINTS, BatchService
from tests.unit_tests.loopback import SECRET
from tests.unit_tests.test_batches import (
    JSON_SCHEMA_FORMAT,
    MODES,
    call,
    get_weather,
    model_for,
    uploaded_lines,
)

RESPONSES = "/v1/responses"
CHAT = "/v1/chat/completions"


def _job_endpoints(service: BatchService) -> list[str]:
    return [request.json()["endpoint"] for request in service.creates()]


def _invoked(settings: dict[str, Any], value: Any, answer: Any, **kwargs: Any) -> tuple[Any, Any]:
    """What ``invoke`` sends (path, body) and returns, against a server answering ``answer``.

    ``answer`` is a reply body, or a function of the request path giving one.
    """
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = answer(request.url.path) if callable(answer) else answer
        return httpx.Response(200, json=body)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        message = ChatGradient(http_client=client, **settings).invoke(value, **kwargs)
    (request,) = seen
    return (request.url.path, json.loads(request.content)), message


@pytest.mark.parametrize("mode", MODES)
def test_a_responses_batch_runs_on_the_responses_api(service: BatchService, mode: str) -> None:
    model = model_for(service, use_responses_api=True)
    job = call(mode, model, "submit_batch", ["first", [("system", "be brief"), ("human", "2nd")]])
    lines = uploaded_lines(service)
    assert [line["url"] for line in lines] == [RESPONSES, RESPONSES]
    assert all("input" in line["body"] and "messages" not in line["body"] for line in lines)
    assert _job_endpoints(service) == [RESPONSES]
    outcomes = call(mode, job, "results", poll_interval=0)
    assert [o.content for o in outcomes] == ["echo: first", "echo: 2nd"]
    assert all(o.response_metadata["api"] == "responses" for o in outcomes)
    assert outcomes[0].usage_metadata == {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}


@pytest.mark.parametrize(
    ("settings", "kwargs", "expected"),
    [
        ({}, {}, CHAT),
        ({"use_responses_api": True}, {}, RESPONSES),
        ({"use_responses_api": True}, {"use_responses_api": False}, CHAT),
        ({}, {"use_responses_api": True}, RESPONSES),
        ({"model": "openai-gpt-5.2-pro"}, {}, RESPONSES),  # a listed Responses-only model
        ({}, {"instructions": "Answer in French."}, RESPONSES),  # a Responses-only field
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_the_job_goes_where_invoke_would_go(
    service: BatchService,
    mode: str,
    settings: dict[str, Any],
    kwargs: dict[str, Any],
    expected: str,
) -> None:
    model = model_for(service, **settings)
    call(mode, model, "submit_batch", ["hi"], **kwargs)
    (line,) = uploaded_lines(service)
    assert line["url"] == expected
    assert "use_responses_api" not in line["body"]
    assert _job_endpoints(service) == [expected]
    invoked_settings = {"api_key": SECRET, "model": MODEL, **settings}
    (path, _body), message = _invoked(invoked_settings, "hi", _echo_by_path, **kwargs)
    assert path.endswith(expected.removeprefix("/v1"))
    assert message.content == "echo: hi"


def _echo_by_path(path: str) -> Any:
    echo = ENDPOINTS[RESPONSES if path.endswith("/responses") else CHAT]
    return echo("hi", MODEL)


@pytest.mark.parametrize("mode", MODES)
def test_each_responses_line_body_is_exactly_what_invoke_sends(
    service: BatchService, mode: str
) -> None:
    settings: dict[str, Any] = {
        "api_key": SECRET,
        "model": MODEL,
        "temperature": 0.3,
        "max_completion_tokens": 64,
        "use_responses_api": True,
    }
    schema = JSON_SCHEMA_FORMAT
    bound = ChatGradient(**settings).bind_tools([get_weather], tool_choice="get_weather")
    cases: list[tuple[Any, dict[str, Any]]] = [
        ("plain", {}),
        ([("system", "sys"), ("human", "hi")], {"reasoning_effort": "low"}),
        ("tools, bound", dict(bound.kwargs)),  # type: ignore[attr-defined]
        ("schema", {"response_format": schema}),
    ]
    model = ChatGradient(base_url=service.base_url, **settings)
    answer = replies.whole(replies.Reply(text=("ok",)))
    for value, kwargs in cases:
        service.uploads.clear()
        call(mode, model, "submit_batch", [value], **kwargs)
        (line,) = uploaded_lines(service)
        (path, body), _message = _invoked(settings, value, answer, **kwargs)
        assert path.endswith("/responses")
        assert line["body"] == body, value
    assert "max_output_tokens" in body


REPLIES = [
    replies.Reply(text=("Hello", " there")),
    replies.Reply(calls=(replies.Call("call_1", "get_weather", ('{"city": "Paris"}',)),)),
    replies.Reply(reasoning=(("Think", " first"),), text=("42",)),
    replies.Reply(text=("cut",), incomplete="max_output_tokens"),
]


@pytest.mark.parametrize("output_version", [None, "v1"])
@pytest.mark.parametrize("mode", MODES)
def test_each_responses_reply_is_exactly_what_invoke_returns(
    service: BatchService, mode: str, output_version: str | None
) -> None:
    extra: dict[str, Any] = {"output_version": output_version} if output_version else {}
    bodies = [replies.whole(reply) for reply in REPLIES]
    answers = iter(bodies)
    service.answer = lambda body: next(answers)
    model = model_for(service, use_responses_api=True, **extra)
    job = call(mode, model, "submit_batch", [f"q{i}" for i in range(len(bodies))])
    outcomes = call(mode, job, "results", poll_interval=0)
    settings = {"api_key": SECRET, "model": MODEL, "use_responses_api": True, **extra}
    for body, outcome in zip(bodies, outcomes, strict=True):
        _request, invoked = _invoked(settings, "q", body)
        assert isinstance(outcome, AIMessage)
        assert outcome == invoked.model_copy(update={"id": None})
        assert outcome.response_metadata == invoked.response_metadata
    assert outcomes[1].tool_calls[0]["args"] == {"city": "Paris"}
    assert outcomes[3].response_metadata["finish_reason"] == "length"


@pytest.mark.parametrize("mode", MODES)
def test_a_reattached_handle_reads_the_jobs_endpoint(service: BatchService, mode: str) -> None:
    job_id = call(mode, model_for(service, use_responses_api=True), "submit_batch", ["a", "b"]).id
    fresh = model_for(service)  # no use_responses_api: the job's record decides
    job = call(mode, fresh, "get_batch", job_id)
    outcomes = call(mode, job, "results", poll_interval=0)
    assert [o.content for o in outcomes] == ["echo: a", "echo: b"]
    assert [o.response_metadata["api"] for o in outcomes] == ["responses", "responses"]


@pytest.mark.parametrize(
    ("inputs", "kwargs", "match"),
    [
        (
            [[HumanMessage([{"type": "image_url", "image_url": {"url": "https://x/y.png"}}])]],
            {},
            "'input_image' part cannot be batched",
        ),
        (["a"], {"n": 2}, "n"),
        (["a"], {"logprobs": True}, "logprobs"),
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_what_the_responses_api_cannot_take_is_refused_before_any_request(
    service: BatchService, mode: str, inputs: Any, kwargs: dict[str, Any], match: str
) -> None:
    model = model_for(service, use_responses_api=True)
    with pytest.raises(GradientInvalidInputError, match=match):
        call(mode, model, "submit_batch", inputs, **kwargs)
    assert service.api.requests == []
    assert service.storage.requests == []
