"""Retry policy: what is retried, how long we wait, what is never retried.

Every behaviour runs through ``ChatGradient`` both sync and async; waits are
recorded, never slept.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest
from langchain_core.exceptions import (
    ModelAPIError,
    ModelConnectionError,
    ModelRateLimitError,
    ModelTimeoutError,
)

from langchain_gradient import ChatGradient
from langchain_gradient._transport import RetryPolicy
from langchain_gradient.errors import (
    GradientAuthenticationError,
    GradientBadRequestError,
    GradientConnectionError,
    GradientNotFoundError,
    GradientPermissionDeniedError,
    GradientRateLimitError,
    GradientRequestTimeoutError,
    GradientServerError,
    GradientStreamError,
    GradientTimeoutError,
)

from .loopback import (
    SECRET,
    LoopbackServer,
    Reply,
    Scripted,
    delta,
    invoke,
    json_response,
    mock_model,
    patch_sleep,
    refused_url,
    sse_response,
    stream,
)
from .loopback import completion as completion_body

MODES = ["sync", "async"]
OK = json_response(completion_body("fine"))


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return patch_sleep(monkeypatch)


def error(status: int, **headers: str) -> httpx.Response:
    return json_response({"id": "e", "message": f"status {status}"}, status, **headers)


# --------------------------------------------------------------- retried


@pytest.mark.parametrize("mode", MODES)
def test_429_with_retry_after_seconds_then_success(mode: str, waits: list[float]) -> None:
    handler = Scripted(error(429, **{"retry-after": "1"}), OK)
    reply = invoke(mock_model(handler, mode), mode, "hi")
    assert reply.content == "fine"
    assert len(handler.requests) == 2
    assert waits == [1.0]


@pytest.mark.parametrize("mode", MODES)
def test_retry_after_ms_wins_over_retry_after(mode: str, waits: list[float]) -> None:
    handler = Scripted(error(429, **{"retry-after-ms": "250", "retry-after": "7"}), OK)
    invoke(mock_model(handler, mode), mode, "hi")
    assert waits == [0.25]


@pytest.mark.parametrize("mode", MODES)
def test_retry_after_http_date(mode: str, waits: list[float]) -> None:
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    handler = Scripted(error(503, **{"retry-after": format_datetime(when, usegmt=True)}), OK)
    invoke(mock_model(handler, mode), mode, "hi")
    assert len(waits) == 1
    assert 27.0 <= waits[0] <= 30.5


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("hint", ["3600", "-5", "soon"])
def test_unusable_retry_after_falls_back_to_backoff(
    mode: str, hint: str, waits: list[float]
) -> None:
    handler = Scripted(error(429, **{"retry-after": hint}), OK)
    invoke(mock_model(handler, mode), mode, "hi")
    assert len(waits) == 1
    assert 0.375 <= waits[0] <= 0.5


@pytest.mark.parametrize("mode", MODES)
def test_503_twice_then_success_backs_off_exponentially(mode: str, waits: list[float]) -> None:
    handler = Scripted(error(503), error(503), OK)
    reply = invoke(mock_model(handler, mode), mode, "hi")
    assert reply.content == "fine"
    assert len(handler.requests) == 3
    assert len(waits) == 2
    assert 0.375 <= waits[0] <= 0.5
    assert 0.75 <= waits[1] <= 1.0


@pytest.mark.parametrize("mode", MODES)
def test_503_beyond_max_retries_raises_server_error(mode: str, waits: list[float]) -> None:
    handler = Scripted(error(503, **{"x-request-id": "req-42"}))
    with pytest.raises(GradientServerError) as info:
        invoke(mock_model(handler, mode, max_retries=3), mode, "hi")
    assert len(handler.requests) == 4
    assert len(waits) == 3
    err = info.value
    assert isinstance(err, ModelAPIError)
    assert err.status_code == 503
    assert err.is_retryable
    assert err.request_id == "req-42"
    assert "status 503" in str(err)


@pytest.mark.parametrize("mode", MODES)
def test_max_retries_zero_sends_once(mode: str, waits: list[float]) -> None:
    handler = Scripted(error(429))
    with pytest.raises(GradientRateLimitError) as info:
        invoke(mock_model(handler, mode, max_retries=0), mode, "hi")
    assert isinstance(info.value, ModelRateLimitError)
    assert len(handler.requests) == 1
    assert waits == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 504, 529])
def test_retryable_statuses_are_retried(mode: str, status: int, waits: list[float]) -> None:
    handler = Scripted(error(status), OK)
    assert invoke(mock_model(handler, mode), mode, "hi").content == "fine"
    assert len(handler.requests) == 2


@pytest.mark.parametrize("mode", MODES)
def test_408_exhausted_is_a_timeout_error(mode: str, waits: list[float]) -> None:
    handler = Scripted(error(408))
    with pytest.raises(GradientRequestTimeoutError) as info:
        invoke(mock_model(handler, mode, max_retries=1), mode, "hi")
    assert isinstance(info.value, (ModelTimeoutError, GradientTimeoutError))
    assert len(handler.requests) == 2


# ----------------------------------------------------------- not retried


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, GradientBadRequestError),
        (401, GradientAuthenticationError),
        (403, GradientPermissionDeniedError),
        (404, GradientNotFoundError),
        (413, GradientBadRequestError),
        (422, GradientBadRequestError),
    ],
)
def test_other_4xx_are_never_retried(
    mode: str, status: int, cls: type[Exception], waits: list[float]
) -> None:
    handler = Scripted(error(status), OK)
    with pytest.raises(cls) as info:
        invoke(mock_model(handler, mode), mode, "hi")
    assert len(handler.requests) == 1
    assert waits == []
    assert not info.value.is_retryable  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", MODES)
def test_x_should_retry_false_stops_a_503(mode: str, waits: list[float]) -> None:
    handler = Scripted(error(503, **{"x-should-retry": "false"}), OK)
    with pytest.raises(GradientServerError) as info:
        invoke(mock_model(handler, mode), mode, "hi")
    assert not info.value.is_retryable
    assert len(handler.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_x_should_retry_true_retries_a_400(mode: str, waits: list[float]) -> None:
    handler = Scripted(error(400, **{"x-should-retry": "True"}), OK)
    assert invoke(mock_model(handler, mode), mode, "hi").content == "fine"
    assert len(handler.requests) == 2


# ------------------------------------------------------ transport failures


@pytest.mark.parametrize("mode", MODES)
def test_connection_refused_is_retried_then_raised(mode: str, waits: list[float]) -> None:
    model = ChatGradient(base_url=refused_url(), api_key=SECRET, max_retries=2)
    with pytest.raises(GradientConnectionError) as info:
        invoke(model, mode, "hi")
    assert isinstance(info.value, ModelConnectionError)
    assert info.value.is_retryable
    assert len(waits) == 2
    assert "127.0.0.1" in str(info.value)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("mode", MODES)
def test_transient_connect_error_then_success(mode: str, waits: list[float]) -> None:
    handler = Scripted(httpx.ConnectError("connection reset"), OK)
    assert invoke(mock_model(handler, mode), mode, "hi").content == "fine"
    assert len(handler.requests) == 2


@pytest.mark.parametrize("mode", MODES)
def test_unsupported_scheme_is_not_retried(mode: str, waits: list[float]) -> None:
    model = ChatGradient(api_key=SECRET)
    # Set after construction, which rejects it (test_settings.py): the
    # transport must still refuse it without retrying.
    model.base_url = "ftp://127.0.0.1/v1"
    with pytest.raises(GradientConnectionError) as info:
        invoke(model, mode, "hi")
    assert not info.value.is_retryable
    assert waits == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("timeout", [0.2, httpx.Timeout(0.2)])
def test_silent_server_times_out_within_timeout_times_attempts(
    mode: str, timeout: float | httpx.Timeout, waits: list[float]
) -> None:
    with LoopbackServer([Reply(hang=True)]) as server:
        model = ChatGradient(
            base_url=server.base_url, api_key=SECRET, timeout=timeout, max_retries=1
        )
        started = time.monotonic()
        with pytest.raises(GradientTimeoutError) as info:
            invoke(model, mode, "hi")
        elapsed = time.monotonic() - started
        model.close()
        assert isinstance(info.value, ModelTimeoutError)
        assert len(server.requests) == 2
    assert len(waits) == 1
    # Two attempts of 0.2 s each, plus connection setup; far below the 120 s default.
    assert 0.35 <= elapsed < 2.0


# ---------------------------------------------------------------- streams


@pytest.mark.parametrize("mode", MODES)
def test_stream_opening_request_is_retried(mode: str, waits: list[float]) -> None:
    handler = Scripted(
        error(429, **{"retry-after": "2"}),
        sse_response([delta("Hel"), delta("lo"), delta(finish_reason="stop")]),
    )
    chunks, exc = stream(mock_model(handler, mode), mode, "hi")
    assert exc is None
    assert "".join(c.text for c in chunks) == "Hello"
    assert len(handler.requests) == 2
    assert waits == [2.0]


@pytest.mark.parametrize("mode", MODES)
def test_stream_opening_error_beyond_retries_raises_status_error(
    mode: str, waits: list[float]
) -> None:
    handler = Scripted(error(502))
    chunks, exc = stream(mock_model(handler, mode, max_retries=1), mode, "hi")
    assert chunks == []
    assert isinstance(exc, GradientServerError)
    assert len(handler.requests) == 2


@pytest.mark.parametrize("mode", MODES)
def test_accepted_stream_that_breaks_is_not_retried(mode: str, waits: list[float]) -> None:
    script = [Reply.sse([delta("partial")], done=False, drop=True), Reply.sse([delta("again")])]
    with LoopbackServer(script) as server:
        model = ChatGradient(base_url=server.base_url, api_key=SECRET, max_retries=5)
        chunks, exc = stream(model, mode, "hi")
        model.close()
        assert len(server.requests) == 1
    assert [c.text for c in chunks] == ["partial"]
    assert isinstance(exc, GradientStreamError)
    assert exc.is_retryable
    assert waits == []


# -------------------------------------------------------------- logging


@pytest.mark.parametrize("mode", MODES)
def test_each_retry_is_logged_at_info_without_the_key(
    mode: str, waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    handler = Scripted(error(503), error(429, **{"retry-after": "1"}), OK)
    with caplog.at_level(logging.INFO, logger="langchain_gradient"):
        invoke(mock_model(handler, mode), mode, "hi")
    retries = [r for r in caplog.records if r.name == "langchain_gradient"]
    assert len(retries) == 2
    assert all(r.levelno == logging.INFO for r in retries)
    assert "retry 1" in retries[0].getMessage()
    assert "503" in retries[0].getMessage()
    assert "in 1.00 s (retry 2)" in retries[1].getMessage()
    assert "https://gradient.test/v1/chat/completions" in retries[1].getMessage()
    assert all(SECRET not in r.getMessage() for r in caplog.records)


# ------------------------------------------------------------ the policy


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    policy = RetryPolicy(max_retries=20)
    transient = GradientServerError(
        "x", response=httpx.Response(503, request=httpx.Request("POST", "https://x.test"))
    )
    for attempt in range(12):
        nominal = min(0.5 * 2**attempt, 8.0)
        seen = {policy.delay(attempt, transient, None) for _ in range(20)}
        assert all(d is not None and 0.75 * nominal <= d <= nominal for d in seen)
        assert len(seen) > 1  # jittered
    assert policy.delay(20, transient, None) is None


def test_policy_gives_up_on_non_retryable_errors() -> None:
    bad = GradientBadRequestError(
        "x", response=httpx.Response(400, request=httpx.Request("POST", "https://x.test"))
    )
    assert RetryPolicy().delay(0, bad, None) is None
