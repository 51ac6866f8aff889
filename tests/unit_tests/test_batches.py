"""Batch inference end to end against a loopback service implementing the documented contract.

Every test runs on the sync and the async path. The object-storage host
(127.0.0.2) fails the test if it ever sees an Authorization header or the key.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.prompt_values import ChatPromptValue

from langchain_gradient import (
    ChatGradient,
    GradientBadRequestError,
    GradientInvalidInputError,
    GradientRateLimitError,
    aclose_shared_clients,
)
from langchain_gradient.batches import (
    GradientBatchFailedError,
    GradientBatchJob,
    GradientBatchNotProcessedError,
    GradientBatchRequestError,
    GradientBatchResultsError,
    GradientBatchStateError,
    GradientBatchTimeoutError,
    _lines,
)
from tests.unit_tests.batch_fixtures import (  # noqa: F401 - fixtures, used by name
    MODEL,
    clock_fixture,
    service_fixture,
    storage_host_fixture,
)
from tests.unit_tests.batch_service import BatchService
from tests.unit_tests.loopback import SECRET, patch_sleep

MODES = ["sync", "async"]


def arun(coro: Any) -> Any:
    async def go() -> Any:
        try:
            return await coro
        finally:
            await aclose_shared_clients()

    return asyncio.run(go())


def call(mode: str, obj: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """``obj.name(...)`` or ``await obj.aname(...)``."""
    if mode == "sync":
        return getattr(obj, name)(*args, **kwargs)
    return arun(getattr(obj, "a" + name)(*args, **kwargs))


@pytest.fixture(autouse=True)
def _own_temp_folder(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spool into this test's folder: "no file left behind" must not see other processes' files."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


def model_for(service: BatchService, **kwargs: Any) -> ChatGradient:
    kwargs.setdefault("model", MODEL)
    return ChatGradient(base_url=service.base_url, api_key=SECRET, max_retries=2, **kwargs)


def uploaded_lines(service: BatchService) -> list[dict[str, Any]]:
    (upload,) = service.uploads
    return [json.loads(line) for line in upload.body.splitlines()]


# --------------------------------------------------------------- round trip


@pytest.mark.parametrize("mode", MODES)
def test_submit_wait_collect_in_input_order(
    service: BatchService, mode: str, clock: list[float]
) -> None:
    model = model_for(service)
    inputs: list[Any] = [
        "first",
        [("system", "be brief"), ("human", "second")],
        ChatPromptValue(messages=[HumanMessage("third")]),
        [HumanMessage("fourth")],
    ]
    job = call(mode, model, "submit_batch", inputs)
    assert isinstance(job, GradientBatchJob)
    assert job.id in service.jobs
    assert call(mode, job, "status") == "in_progress"
    outcomes = call(mode, job, "results", poll_interval=5)
    assert [o.content for o in outcomes] == [
        "echo: first",
        "echo: second",
        "echo: third",
        "echo: fourth",
    ]
    assert all(isinstance(o, AIMessage) for o in outcomes)
    assert outcomes[0].usage_metadata == {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}
    assert clock
    assert all(w == 5 for w in clock)
    assert call(mode, job, "status") == "completed"


@pytest.mark.parametrize("mode", MODES)
def test_upload_goes_to_storage_without_key_with_length(service: BatchService, mode: str) -> None:
    model = model_for(service)
    call(mode, model, "submit_batch", ["a", "b"])
    (upload,) = service.uploads
    assert upload.method == "PUT"
    assert "authorization" not in upload.headers
    assert upload.headers["content-type"] == "application/octet-stream"
    assert int(upload.headers["content-length"]) == len(upload.body)
    assert "transfer-encoding" not in upload.headers
    assert upload.path.endswith("X-Amz-Expires=900&X-Amz-Signature=f00")  # used verbatim
    lines = uploaded_lines(service)
    assert [line["custom_id"] for line in lines] == ["lcg-0-of-2", "lcg-1-of-2"]
    assert {line["method"] for line in lines} == {"POST"}
    assert {line["url"] for line in lines} == {"/v1/chat/completions"}
    (create,) = service.creates()
    body = create.json()
    assert body["provider"] == "openai"
    assert body["endpoint"] == "/v1/chat/completions"
    assert body["completion_window"] == "24h"
    assert body["metadata"]["langchain_gradient_requests"] == "2"
    # Every API call carried the key; storage (checked at close) never did.
    assert all(r.headers["authorization"] == f"Bearer {SECRET}" for r in service.api.requests)


@pytest.mark.parametrize("mode", MODES)
def test_a_failed_upload_is_sent_again_from_the_start(
    service: BatchService, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    patch_sleep(monkeypatch)
    service.upload_fails = 1
    job = call(mode, model_for(service), "submit_batch", ["a", "b"])
    puts = [r for r in service.storage.requests if r.method == "PUT"]
    assert len(puts) == 2
    assert puts[0].body == puts[1].body
    assert [o.content for o in call(mode, job, "results", poll_interval=0)] == [
        "echo: a",
        "echo: b",
    ]


def test_storage_host_catches_a_leaked_key() -> None:
    """The guard itself works: a request with the key makes the service fail the test."""
    svc = BatchService().__enter__()
    answer = httpx.put(
        f"{svc.storage.root}/uploads/x.jsonl",
        content=b"{}",
        headers={"Authorization": f"Bearer {SECRET}"},
    )
    assert answer.status_code == 403
    with pytest.raises(AssertionError, match="object storage saw credentials"):
        svc.close()


# ------------------------------------------------- bodies are invoke's bodies


def _invoke_body(settings: dict[str, Any], value: Any, mode: str, **kwargs: Any) -> Any:
    seen: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=_completion())

    transport = httpx.MockTransport(handler)
    if mode == "sync":
        with httpx.Client(transport=transport) as client:
            ChatGradient(http_client=client, **settings).invoke(value, **kwargs)
    else:

        async def go() -> None:
            async with httpx.AsyncClient(transport=transport) as client:
                await ChatGradient(http_async_client=client, **settings).ainvoke(value, **kwargs)

        asyncio.run(go())
    return seen[0]


def _completion(**message: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-9",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4.1-mini-2025",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "hi", **message},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }


JSON_SCHEMA_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "A", "schema": {"type": "object", "properties": {}}},
}


def get_weather(city: str) -> str:
    """Get the weather in a city."""
    return city


@pytest.mark.parametrize("mode", MODES)
def test_each_line_body_is_exactly_what_invoke_sends(service: BatchService, mode: str) -> None:
    settings = {
        "api_key": SECRET,
        "model": MODEL,
        "temperature": 0.3,
        "max_completion_tokens": 64,
        "request_metadata": {"team": "eval"},
        "stop": ["END"],
    }
    schema = JSON_SCHEMA_FORMAT
    bound = ChatGradient(**settings).bind_tools([get_weather], tool_choice="get_weather")
    cases: list[tuple[Any, dict[str, Any]]] = [
        ("plain", {}),
        ([("system", "sys"), ("human", "hi")], {"seed": 3, "stop": ["x"]}),
        ("tools, raw", {"tools": [get_weather], "tool_choice": "get_weather"}),
        ("tools, bound", dict(bound.kwargs)),  # type: ignore[attr-defined]
        (
            "schema",
            {
                "response_format": schema,
                "ls_structured_output_format": {"kwargs": {"method": "json_schema"}, "schema": {}},
            },
        ),
        (
            [
                HumanMessage(
                    [{"type": "text", "text": "cached", "cache_control": {"type": "ephemeral"}}]
                )
            ],
            {},
        ),
    ]
    model = ChatGradient(base_url=service.base_url, **settings)
    for value, kwargs in cases:
        service.uploads.clear()
        call(mode, model, "submit_batch", [value], **kwargs)
        (line,) = uploaded_lines(service)
        invoke_kwargs = dict(kwargs)
        if "tools" in invoke_kwargs and not isinstance(invoke_kwargs["tools"][0], dict):
            invoke_kwargs = dict(
                ChatGradient(**settings)
                .bind_tools(kwargs["tools"], tool_choice=kwargs["tool_choice"])
                .kwargs  # type: ignore[attr-defined]
            )
        assert line["body"] == _invoke_body(settings, value, mode, **invoke_kwargs), value


# --------------------------------------------- replies are invoke's messages


REPLIES = [
    _completion(),
    _completion(
        content=None,
        tool_calls=[
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            },
            {"id": "call_2", "type": "function", "function": {"name": "x", "arguments": "{bad"}},
        ],
    ),
    {
        **_completion(reasoning_content="thinking", refusal="no"),
        "system_fingerprint": "fp",
        "usage": {
            "prompt_tokens": 30,
            "completion_tokens": 5,
            "total_tokens": 35,
            "prompt_tokens_details": {"cached_tokens": 20},
            "completion_tokens_details": {"reasoning_tokens": 2},
        },
    },
]


@pytest.mark.parametrize("output_version", [None, "v1"])
@pytest.mark.parametrize("mode", MODES)
def test_each_reply_is_exactly_what_invoke_returns(
    service: BatchService, mode: str, output_version: str | None
) -> None:
    extra = {"output_version": output_version} if output_version else {}
    bodies = iter(REPLIES)
    service.answer = lambda body: next(bodies)
    model = model_for(service, **extra)
    job = call(mode, model, "submit_batch", ["a", "b", "c"])
    outcomes = call(mode, job, "results", poll_interval=0)
    for body, outcome in zip(REPLIES, outcomes, strict=True):

        def handler(request: httpx.Request, body: Any = body) -> httpx.Response:
            return httpx.Response(200, json=body)

        with httpx.Client(transport=httpx.MockTransport(handler)) as client:
            invoked = ChatGradient(api_key=SECRET, model=MODEL, http_client=client, **extra).invoke(
                "a"
            )
        assert invoked.id is not None
        assert outcome == invoked.model_copy(update={"id": None})
        assert outcome.response_metadata == invoked.response_metadata


@pytest.mark.parametrize("shape", ["oas", "godo"])
@pytest.mark.parametrize("mode", MODES)
def test_list_batches_follows_pages_newest_first(mode: str, shape: str) -> None:
    with BatchService(shape=shape) as service:
        model = model_for(service)
        ids = [call(mode, model, "submit_batch", [f"p{i}"]).id for i in range(5)]
        jobs = call(mode, model, "list_batches", limit=4)
        assert [job.id for job in jobs] == ids[::-1][:4]
        assert all(isinstance(job, GradientBatchJob) for job in jobs)
        if shape == "oas":
            assert [job.info.metadata["langchain_gradient_requests"] for job in jobs] == ["1"] * 4
        everything = call(mode, model, "list_batches", limit=250)
        assert [job.id for job in everything] == ids[::-1]
        (first, *_) = everything
        assert [o.content for o in call(mode, first, "results", poll_interval=0)] == ["echo: p4"]
        done = call(mode, model, "list_batches", status="completed")
        assert [job.id for job in done] == [first.id]
    assert service.list_queries[0] == {"limit": "4"}
    assert service.list_queries[-1] == {"limit": "20", "status": "completed"}


@pytest.mark.parametrize("mode", MODES)
def test_list_batches_refuses_a_bad_limit(service: BatchService, mode: str) -> None:
    with pytest.raises(GradientInvalidInputError, match="limit must be a positive integer"):
        call(mode, model_for(service), "list_batches", limit=0)
    assert service.api.requests == []


# ------------------------------------------------------------ idempotency


@pytest.mark.parametrize("mode", MODES)
def test_a_retried_create_reuses_its_key_and_makes_one_job(
    service: BatchService, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits = patch_sleep(monkeypatch)
    service.create_fails = 1  # the job is made, then the answer is a 503
    job = call(mode, model_for(service), "submit_batch", ["a"])
    first, second = service.creates()
    assert first.json()["request_id"] == second.json()["request_id"]
    assert len(first.json()["request_id"]) == 36  # a uuid
    assert len(service.jobs) == 1
    assert job.id == next(iter(service.jobs))
    assert len(waits) == 1


@pytest.mark.parametrize("mode", MODES)
def test_each_submit_has_its_own_key(service: BatchService, mode: str) -> None:
    model = model_for(service)
    call(mode, model, "submit_batch", ["a"])
    call(mode, model, "submit_batch", ["a"])
    keys = {r.json()["request_id"] for r in service.creates()}
    assert len(keys) == 2
    assert len(service.jobs) == 2


# ---------------------------------------------------------------- re-attach


@pytest.mark.parametrize("mode", MODES)
def test_a_fresh_model_reattaches_and_aligns_by_custom_id(service: BatchService, mode: str) -> None:
    service.reorder = True
    job_id = call(mode, model_for(service), "submit_batch", [f"p{i}" for i in range(20)]).id
    fresh = model_for(service)
    job = call(mode, fresh, "get_batch", job_id)
    assert job.id == job_id
    outcomes = call(mode, job, "results", poll_interval=0)
    assert [o.content for o in outcomes] == [f"echo: p{i}" for i in range(20)]


def test_reattach_from_another_process(service: BatchService, tmp_path: Any) -> None:
    job_id = model_for(service).submit_batch(["x", "y", "FAIL-429 z"]).id
    script = tmp_path / "collect.py"
    script.write_text(
        "import asyncio, json, sys\n"
        "from langchain_gradient import ChatGradient\n"
        "model = ChatGradient(model=sys.argv[2])\n"
        "def show(outcomes):\n"
        "    return [o.content if not isinstance(o, Exception) else type(o).__name__\n"
        "            for o in outcomes]\n"
        "sync = show(model.get_batch(sys.argv[1]).results(poll_interval=0))\n"
        "async def main():\n"
        "    job = await model.aget_batch(sys.argv[1])\n"
        "    return show(await job.aresults(poll_interval=0))\n"
        "print(json.dumps([sync, asyncio.run(main())]))\n"
    )
    env = {
        **os.environ,
        "DIGITALOCEAN_INFERENCE_KEY": SECRET,
        "DIGITALOCEAN_INFERENCE_BASE_URL": service.base_url,
    }
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(script), job_id, MODEL],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    expected = ["echo: x", "echo: y", "GradientRateLimitError"]
    assert json.loads(done.stdout) == [expected, expected]


# ------------------------------------------------------ nothing lost, ever


@pytest.mark.parametrize("mode", MODES)
def test_a_lost_line_is_an_error_not_a_gap(service: BatchService, mode: str) -> None:
    service.lose = {2}
    job = call(mode, model_for(service), "submit_batch", [f"p{i}" for i in range(5)])
    with pytest.raises(GradientBatchResultsError, match="no result for 1 of 5") as caught:
        call(mode, job, "results", poll_interval=0)
    assert caught.value.missing == [2]
    assert caught.value.job_id == job.id
    kept = caught.value.outcomes
    assert [o.content if o is not None else None for o in kept] == [
        "echo: p0",
        "echo: p1",
        None,
        "echo: p3",
        "echo: p4",
    ]


@pytest.mark.parametrize("mode", MODES)
def test_a_duplicated_line_is_an_error(service: BatchService, mode: str) -> None:
    service.duplicate = {1}
    job = call(mode, model_for(service), "submit_batch", ["a", "b", "c"])
    with pytest.raises(GradientBatchResultsError, match=r"input 1 .* more than once"):
        call(mode, job, "results", poll_interval=0)


@pytest.mark.parametrize("mode", MODES)
def test_an_unknown_custom_id_is_an_error(service: BatchService, mode: str) -> None:
    service.foreign_line = True
    job = call(mode, model_for(service), "submit_batch", ["a", "b"])
    with pytest.raises(GradientBatchResultsError, match="never sent: req-1"):
        call(mode, job, "results", poll_interval=0)


@pytest.mark.parametrize("mode", MODES)
def test_a_custom_id_of_another_size_is_an_error(service: BatchService, mode: str) -> None:
    job = call(mode, model_for(service), "submit_batch", ["a", "b"])
    service.custom_output = [
        json.dumps({"custom_id": "lcg-0-of-3", "response": {"status_code": 200, "body": {}}})
    ]
    with pytest.raises(GradientBatchResultsError, match="never sent: lcg-0-of-3"):
        call(mode, job, "results", poll_interval=0)


@pytest.mark.parametrize("mode", MODES)
def test_an_unreadable_line_is_an_error(service: BatchService, mode: str) -> None:
    job = call(mode, model_for(service), "submit_batch", ["a"])
    service.custom_output = ["{not json"]
    with pytest.raises(GradientBatchResultsError, match="not JSON"):
        call(mode, job, "results", poll_interval=0)


@pytest.mark.parametrize("mode", MODES)
def test_per_line_failures_are_typed_outcomes_in_place(service: BatchService, mode: str) -> None:
    job = call(
        mode, model_for(service), "submit_batch", ["ok", "FAIL-400", "FAIL-LINE", "FAIL-429", "ok2"]
    )
    ok, bad, line, limited, ok2 = call(mode, job, "results", poll_interval=0)
    assert ok.content == "echo: ok"
    assert ok2.content == "echo: ok2"
    assert isinstance(bad, GradientBadRequestError)
    assert bad.status_code == 400
    assert bad.request_id == "req-1"
    assert "failed with 400" in str(bad)
    assert isinstance(limited, GradientRateLimitError)
    assert isinstance(line, GradientBatchRequestError)
    assert line.code == "invalid_prompt"
    assert line.custom_id == "lcg-2-of-5"
    assert SECRET not in repr([bad, line, limited])


@pytest.mark.parametrize("mode", MODES)
def test_a_body_the_mapper_refuses_is_that_inputs_error(service: BatchService, mode: str) -> None:
    service.answer = lambda body: {"choices": []}
    job = call(mode, model_for(service), "submit_batch", ["a"])
    (outcome,) = call(mode, job, "results", poll_interval=0)
    from langchain_gradient import GradientResponseError

    assert isinstance(outcome, GradientResponseError)
    assert "no choices" in str(outcome)


@pytest.mark.parametrize("mode", MODES)
def test_a_download_cut_off_raises_and_a_second_call_collects(
    service: BatchService, mode: str
) -> None:
    from langchain_gradient import GradientConnectionError

    service.break_download = 1
    job = call(mode, model_for(service), "submit_batch", ["a", "b", "c"])
    with pytest.raises(GradientConnectionError, match=r"output\.jsonl"):
        call(mode, job, "results", poll_interval=0)
    outcomes = call(mode, job, "results", poll_interval=0)
    assert [o.content for o in outcomes] == ["echo: a", "echo: b", "echo: c"]


def test_outcomes_and_job_errors_survive_pickling(service: BatchService) -> None:
    import pickle

    job = model_for(service).submit_batch(["ok", "FAIL-400", "FAIL-LINE"])
    outcomes = job.results(poll_interval=0)
    copies = pickle.loads(pickle.dumps(outcomes))  # noqa: S301 - our own bytes
    assert copies[0] == outcomes[0]
    assert (type(copies[1]), copies[1].status_code) == (GradientBadRequestError, 400)
    assert (type(copies[2]), copies[2].code, str(copies[2])) == (
        GradientBatchRequestError,
        "invalid_prompt",
        str(outcomes[2]),
    )
    for error in (
        GradientBatchTimeoutError("t", job_id="j", status="in_progress"),
        GradientBatchNotProcessedError("n", status="expired"),
        GradientBatchResultsError("r", job_id="j", outcomes=[None], missing=[0]),
        GradientBatchStateError("s", job_id="j", status=None, server_message="m"),
        GradientBatchFailedError("f", job_id="j", errors=[{"code": "x"}]),
    ):
        copy = pickle.loads(pickle.dumps(error))  # noqa: S301
        assert (type(copy), str(copy), copy.__dict__) == (type(error), str(error), error.__dict__)


# ------------------------------------------------- 412, 409, 5xx, expiry


@pytest.mark.parametrize("mode", MODES)
def test_results_not_yet_available_412_is_polled_through(
    service: BatchService, mode: str, clock: list[float]
) -> None:
    service.results_412 = 2
    job = call(mode, model_for(service), "submit_batch", ["a"])
    (outcome,) = call(mode, job, "results", poll_interval=7)
    assert outcome.content == "echo: a"
    assert clock.count(7) >= 2


@pytest.mark.parametrize("mode", MODES)
def test_412_until_the_timeout_is_a_typed_timeout(
    service: BatchService, mode: str, clock: list[float]
) -> None:
    service.results_412 = 1000
    job = call(mode, model_for(service), "submit_batch", ["a"])
    with pytest.raises(GradientBatchTimeoutError, match="HTTP 412") as caught:
        call(mode, job, "results", timeout=30, poll_interval=10)
    assert caught.value.status == "completed"
    assert sum(clock) == pytest.approx(30)


@pytest.mark.parametrize("mode", MODES)
def test_a_timeout_leaves_the_job_alive_to_collect_later(mode: str, clock: list[float]) -> None:
    with BatchService(polls_to_finish=5) as service:
        model = model_for(service)
        job = call(mode, model, "submit_batch", ["a", "b"])
        with pytest.raises(GradientBatchTimeoutError, match="keeps running") as caught:
            call(mode, job, "results", timeout=25, poll_interval=10)
        assert caught.value.job_id == job.id
        assert caught.value.status == "in_progress"
        assert clock == [10, 10, 5]
        assert not any(r.path.endswith("/cancel") for r in service.api.requests)
        again = call(mode, model_for(service), "get_batch", job.id)
        assert [o.content for o in call(mode, again, "results", poll_interval=1)] == [
            "echo: a",
            "echo: b",
        ]


@pytest.mark.parametrize("mode", MODES)
def test_timeout_zero_looks_once(service: BatchService, mode: str, clock: list[float]) -> None:
    job = call(mode, model_for(service), "submit_batch", ["a"])
    with pytest.raises(GradientBatchTimeoutError):
        call(mode, job, "results", timeout=0)
    assert clock == []


@pytest.mark.parametrize("mode", MODES)
def test_server_errors_while_polling_are_retried(
    service: BatchService, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    patch_sleep(monkeypatch)
    job = call(mode, model_for(service), "submit_batch", ["a"])
    original = service._api
    failures = iter([True, False, True])

    def flaky(request: Any) -> Any:
        from tests.unit_tests.loopback import Reply

        if request.method == "GET" and next(failures, False):
            return Reply.json({"id": "server_error", "message": "oops"}, 502)
        return original(request)

    service.api._script = flaky
    (outcome,) = call(mode, job, "results", poll_interval=0)
    assert outcome.content == "echo: a"


@pytest.mark.parametrize("mode", MODES)
def test_cancelling_a_finished_job_is_a_typed_409(service: BatchService, mode: str) -> None:
    job = call(mode, model_for(service), "submit_batch", ["a"])
    call(mode, job, "results", poll_interval=0)
    with pytest.raises(GradientBatchStateError, match="already completed") as caught:
        call(mode, job, "cancel")
    assert caught.value.job_id == job.id
    cancels = [r for r in service.api.requests if r.path.endswith("/cancel")]
    assert len(cancels) == 1  # a 409 is final: not retried


@pytest.mark.parametrize("mode", MODES)
def test_cancel_keeps_partial_results_and_marks_the_rest(service: BatchService, mode: str) -> None:
    job = call(mode, model_for(service), "submit_batch", ["a", "b", "c"])
    assert call(mode, job, "cancel") == "cancelling"
    first, *rest = call(mode, job, "results", poll_interval=0)
    assert first.content == "echo: a"
    assert [type(o) for o in rest] == [GradientBatchNotProcessedError] * 2
    assert all(o.status == "cancelled" for o in rest)


@pytest.mark.parametrize("mode", MODES)
def test_an_expired_job_gives_every_input_an_outcome(mode: str) -> None:
    with BatchService() as service:
        service.expire_after = 2
        job = call(mode, model_for(service), "submit_batch", ["a", "b", "c", "d"])
        outcomes = call(mode, job, "results", poll_interval=0)
    assert [o.content for o in outcomes[:2]] == ["echo: a", "echo: b"]
    assert all(isinstance(o, GradientBatchNotProcessedError) for o in outcomes[2:])
    assert "expired" in str(outcomes[2])


@pytest.mark.parametrize("mode", MODES)
def test_a_failed_job_raises_with_its_errors(mode: str) -> None:
    with BatchService() as service:
        service.fail_job = True
        job = call(mode, model_for(service), "submit_batch", ["a"])
        with pytest.raises(GradientBatchFailedError, match=r"bad input \(line 42\)") as caught:
            call(mode, job, "results", poll_interval=0)
    assert caught.value.errors[0]["code"] == "invalid_file"


@pytest.mark.parametrize("mode", MODES)
def test_the_go_sdk_shapes_are_read_too(mode: str) -> None:
    with BatchService(shape="godo") as service:
        job = call(mode, model_for(service), "submit_batch", ["a", "FAIL-LINE", "c"])
        assert call(mode, job, "status") == "queued"
        fresh = call(mode, model_for(service), "get_batch", job.id)
        outcomes = call(mode, fresh, "results", poll_interval=0)
    assert outcomes[0].content == "echo: a"
    assert isinstance(outcomes[1], GradientBatchRequestError)
    assert outcomes[2].content == "echo: c"


@pytest.mark.parametrize("mode", MODES)
def test_an_unknown_job_is_not_found(service: BatchService, mode: str) -> None:
    from langchain_gradient import GradientNotFoundError

    with pytest.raises(GradientNotFoundError):
        call(mode, model_for(service), "get_batch", "00000000-0000-0000-0000-000000000000")
    with pytest.raises(GradientInvalidInputError, match="not a batch id"):
        call(mode, model_for(service), "get_batch", "../files")


@pytest.mark.parametrize("mode", MODES)
def test_progress_goes_to_stderr(
    service: BatchService, mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    job = call(mode, model_for(service), "submit_batch", ["a", "b"])
    call(mode, job, "results", poll_interval=0, show_progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"batch {job.id}: in_progress" in captured.err
    assert f"batch {job.id}: 2 result lines read" in captured.err


# ------------------------------------------ refused before anything is sent


IMAGE = HumanMessage(
    [
        {"type": "text", "text": "what is this?"},
        {"type": "image", "url": "https://example.com/cat.png"},
    ]
)


@pytest.mark.parametrize(
    ("inputs", "kwargs", "match"),
    [
        ([[IMAGE]], {}, "input 0, message 0: a 'image_url' part cannot be batched"),
        (["a", [SystemMessage("s"), IMAGE]], {}, "input 1, message 1"),
        ([], {}, "at least one input"),
        ("just a string", {}, "must be a list"),
        (["a"] * 50_001, {}, "at most 50,000 requests"),
        (["a"], {"n": 2}, "n > 1 cannot be batched"),
        (["a"], {"model": "anthropic-claude-4.6-sonnet"}, "Anthropic Message Batches"),
        (["a"], {"model": "llama3.3-70b-instruct"}, "OpenAI and Anthropic commercial models"),
        (["a"], {"model": "openai-gpt-oss-120b"}, "OpenAI and Anthropic"),
        (["a"], {"batch_provider": "anthropic"}, "not supported"),
        (["a"], {"batch_metadata": {"k": 1}}, "strings to strings"),
        (["a"], {"temperature": 5}, "temperature must be between"),
        ([42], {}, "input 0: expected a string"),
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_input_a_batch_cannot_take_is_refused_before_any_request(
    service: BatchService, mode: str, inputs: Any, kwargs: dict[str, Any], match: str
) -> None:
    before = _spooled_files()
    with pytest.raises(GradientInvalidInputError, match=match):
        call(mode, model_for(service), "submit_batch", inputs, **kwargs)
    assert service.api.requests == []
    assert service.storage.requests == []
    assert _spooled_files() - before == set()  # no spooled file left behind


def _spooled_files() -> set[str]:
    folder = tempfile.gettempdir()
    return {name for name in os.listdir(folder) if name.startswith("langchain-gradient-batch-")}


@pytest.mark.parametrize("mode", MODES)
def test_a_file_over_the_size_limit_is_refused(
    service: BatchService, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_lines, "MAX_FILE_BYTES", 1000)
    with pytest.raises(GradientInvalidInputError, match="passes 1,000 bytes at input 3"):
        call(mode, model_for(service), "submit_batch", ["x" * 150] * 10)
    assert service.api.requests == []


@pytest.mark.parametrize("mode", MODES)
def test_an_explicit_provider_admits_an_unrecognised_id(service: BatchService, mode: str) -> None:
    job = call(
        mode,
        model_for(service, model="llama3.3-70b-instruct"),
        "submit_batch",
        ["a"],
        batch_provider="openai",
    )
    (outcome,) = call(mode, job, "results", poll_interval=0)
    assert outcome.content == "echo: a"


def test_provider_native_openai_ids_are_accepted() -> None:
    for name in ("gpt-4.1-mini", "openai-gpt-5", "o3-mini", "openai-o4-mini", "chatgpt-4o"):
        assert _lines.provider_for(name, None) == "openai"


@pytest.mark.parametrize("mode", MODES)
def test_an_agent_cannot_submit_batches(mode: str) -> None:
    from langchain_gradient import ChatGradientAgent

    agent = ChatGradientAgent(api_key=SECRET, base_url="https://agent.example")
    with pytest.raises(GradientInvalidInputError, match="agent endpoint"):
        call(mode, agent, "submit_batch", ["a"])


def test_importing_the_package_does_not_load_the_batch_machinery() -> None:
    code = (
        "import sys, langchain_gradient\n"
        "print(sorted(m for m in sys.modules if m.startswith('langchain_gradient.batches')))"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out.replace("'", '"')) == [
        "langchain_gradient.batches",
        "langchain_gradient.batches._mixin",
    ]
