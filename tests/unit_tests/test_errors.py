"""Error responses become typed exceptions that keep what the server said."""

from __future__ import annotations

import pickle

import httpx
import pytest
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)

from langchain_gradient.errors import (
    GradientAuthenticationError,
    GradientBadRequestError,
    GradientConnectionError,
    GradientContextOverflowError,
    GradientError,
    GradientInvalidInputError,
    GradientMissingAPIKeyError,
    GradientNotFoundError,
    GradientPermissionDeniedError,
    GradientRateLimitError,
    GradientRequestTimeoutError,
    GradientResponseError,
    GradientServerError,
    GradientStatusError,
    GradientStreamError,
    GradientTimeoutError,
)

from .loopback import SECRET, Scripted, invoke, mock_model, patch_sleep

MODES = ["sync", "async"]

NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def fail(mode: str, response: httpx.Response, monkeypatch: pytest.MonkeyPatch) -> Exception:
    """Invoke against a server that always sends ``response``; return the exception."""
    patch_sleep(monkeypatch)
    handler = Scripted(response)
    with pytest.raises(GradientError) as info:
        invoke(mock_model(handler, mode, max_retries=0), mode, "hi")
    assert len(handler.requests) == 1
    return info.value


def raw(status: int, text: str | bytes, content_type: str, **headers: str) -> httpx.Response:
    content = text.encode() if isinstance(text, str) else text
    return httpx.Response(
        status, content=content, headers={"content-type": content_type, **headers}
    )


# ------------------------------------------------------------ body shapes

SHAPES = [
    pytest.param(
        httpx.Response(
            400,
            json={
                "error": {
                    "message": "Unknown model: nope",
                    "type": "invalid_request_error",
                    "code": "model_not_found",
                }
            },
        ),
        GradientBadRequestError,
        "Unknown model: nope",
        "invalid_request_error",
        id="openai",
    ),
    pytest.param(
        httpx.Response(401, json={"id": "unauthorized", "message": "Unable to authenticate you."}),
        GradientAuthenticationError,
        "Unable to authenticate you.",
        "unauthorized",
        id="digitalocean",
    ),
    pytest.param(
        httpx.Response(404, json={"detail": "Not Found"}),
        GradientNotFoundError,
        "Not Found",
        None,
        id="fastapi-string",
    ),
    pytest.param(
        httpx.Response(
            422,
            json={
                "detail": [
                    {
                        "loc": ["body", "messages", 0, "content"],
                        "msg": "field required",
                        "type": "value_error.missing",
                    },
                    {"loc": ["body", "model"], "msg": "str type expected", "type": "type_error"},
                ]
            },
        ),
        GradientBadRequestError,
        "body.messages.0.content: field required; body.model: str type expected",
        None,
        id="fastapi-list",
    ),
    pytest.param(
        raw(503, "upstream connect error or disconnect/reset before headers", "text/plain"),
        GradientServerError,
        "upstream connect error or disconnect/reset before headers",
        None,
        id="plain-text",
    ),
    pytest.param(
        raw(502, NGINX_502, "text/html"),
        GradientServerError,
        "502 Bad Gateway 502 Bad Gateway nginx",
        None,
        id="html-proxy",
    ),
    pytest.param(
        httpx.Response(
            400,
            json={
                "object": "error",
                "message": "max_tokens must be at least 1, got 0.",
                "type": "BadRequestError",
                "code": 400,
            },
        ),
        GradientBadRequestError,
        "max_tokens must be at least 1, got 0.",
        "BadRequestError",
        id="vllm",
    ),
    pytest.param(
        # Literal bytes: httpx < 0.28 encodes json= with spaces, >= 0.28 compactly.
        raw(403, '{"type":"error","error":{"type":"permission_error"}}', "application/json"),
        GradientPermissionDeniedError,
        '{"type":"error","error":{"type":"permission_error"}}',
        "permission_error",
        id="no-message-quotes-body",
    ),
    pytest.param(
        httpx.Response(500, content=b""),
        GradientServerError,
        "Internal Server Error",
        None,
        id="empty-body",
    ),
    pytest.param(
        raw(500, b"\xff\xfe bad \xc3", "text/plain; charset=utf-8"),
        GradientServerError,
        "bad",
        None,
        id="undecodable",
    ),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("response", "cls", "message", "error_type"), SHAPES)
def test_every_error_body_shape_keeps_the_server_message(  # noqa: PLR0917
    mode: str,
    response: httpx.Response,
    cls: type[GradientStatusError],
    message: str,
    error_type: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    err = fail(mode, response, monkeypatch)
    assert type(err) is cls
    assert isinstance(err, GradientStatusError)
    assert message in err.server_message
    assert message in str(err)
    assert err.error_type == error_type
    assert err.status_code == response.status_code
    assert f"Gradient API error {response.status_code}" in str(err)
    assert "<" not in err.server_message  # no markup from HTML bodies
    # Still an httpx status error, with the response at hand.
    assert isinstance(err, httpx.HTTPStatusError)
    assert err.response.status_code == response.status_code


@pytest.mark.parametrize("mode", MODES)
def test_request_id_header_is_kept(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    response = httpx.Response(
        400, json={"message": "bad", "id": "bad_request"}, headers={"x-request-id": "req_123"}
    )
    err = fail(mode, response, monkeypatch)
    assert isinstance(err, GradientStatusError)
    assert err.request_id == "req_123"
    assert "[request id: req_123]" in str(err)


@pytest.mark.parametrize("mode", MODES)
def test_long_bodies_are_truncated(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    err = fail(mode, raw(500, "x" * 10_000, "text/plain"), monkeypatch)
    assert isinstance(err, GradientStatusError)
    assert len(err.server_message) <= 510
    assert err.server_message.endswith("...")


# ------------------------------------------------------- context overflow

OVERFLOWS = [
    pytest.param(
        400,
        {
            "error": {
                "message": "This model's maximum context length is 8192 tokens. However, "
                "your messages resulted in 9000 tokens.",
                "type": "invalid_request_error",
                "code": "context_length_exceeded",
            }
        },
        id="openai",
    ),
    pytest.param(
        400,
        {
            "type": "error",
            "error": {
                "type": "invalid_request_error",
                "message": "prompt is too long: 210000 tokens > 200000 maximum",
            },
        },
        id="anthropic",
    ),
    pytest.param(
        400,
        {"error": {"message": "Input too large", "code": "context_length_exceeded"}},
        id="code-only",
    ),
    pytest.param(413, {"id": "too_large", "message": "Request has too many tokens"}, id="413"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("status", "body"), OVERFLOWS)
def test_context_overflow_is_recognised(
    mode: str, status: int, body: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    err = fail(mode, httpx.Response(status, json=body), monkeypatch)
    assert isinstance(err, GradientContextOverflowError)
    assert isinstance(err, ContextOverflowError)
    assert isinstance(err, ModelInvalidRequestError)
    assert not err.is_retryable


@pytest.mark.parametrize("mode", MODES)
def test_an_ordinary_400_is_not_an_overflow(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    err = fail(mode, httpx.Response(400, json={"message": "temperature too high"}), monkeypatch)
    assert type(err) is GradientBadRequestError


# ----------------------------------------------------- 200 that is not OK


@pytest.mark.parametrize("mode", MODES)
def test_200_with_error_body_raises(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    response = httpx.Response(200, json={"error": {"message": "model overloaded"}})
    err = fail(mode, response, monkeypatch)
    assert isinstance(err, GradientResponseError)
    assert "model overloaded" in str(err)


@pytest.mark.parametrize("mode", MODES)
def test_200_with_html_raises(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    err = fail(mode, raw(200, NGINX_502, "text/html"), monkeypatch)
    assert isinstance(err, GradientResponseError)
    assert "not JSON" in str(err)


# ---------------------------------------------------------------- classes

HIERARCHY = [
    (GradientInvalidInputError, (ModelInvalidRequestError, ValueError)),
    (GradientMissingAPIKeyError, (ModelAuthenticationError,)),
    (GradientConnectionError, (ModelConnectionError,)),
    (GradientTimeoutError, (ModelTimeoutError,)),
    (GradientResponseError, (ModelAPIError,)),
    (GradientStreamError, (GradientResponseError, ModelAPIError)),
    (GradientBadRequestError, (ModelInvalidRequestError, httpx.HTTPStatusError)),
    (GradientContextOverflowError, (ContextOverflowError, GradientBadRequestError)),
    (GradientAuthenticationError, (ModelAuthenticationError, httpx.HTTPStatusError)),
    (GradientPermissionDeniedError, (ModelPermissionDeniedError,)),
    (GradientNotFoundError, (ModelNotFoundError,)),
    (GradientRequestTimeoutError, (ModelTimeoutError, GradientTimeoutError)),
    (GradientRateLimitError, (ModelRateLimitError,)),
    (GradientServerError, (ModelAPIError,)),
]


@pytest.mark.parametrize(("cls", "bases"), HIERARCHY)
def test_each_error_is_also_the_core_error(cls: type, bases: tuple[type, ...]) -> None:
    assert issubclass(cls, GradientError)
    assert issubclass(cls, ModelError)
    for base in bases:
        assert issubclass(cls, base)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(400, False), (401, False), (404, False), (408, True), (409, True), (429, True), (500, True)],
)
def test_is_retryable_follows_the_status(status: int, retryable: bool) -> None:
    from langchain_gradient._http_errors import error_from_response

    response = httpx.Response(
        status, json={"message": "m"}, request=httpx.Request("POST", "https://x.test")
    )
    assert error_from_response(response).is_retryable is retryable


def test_status_errors_pickle_without_the_response() -> None:
    from langchain_gradient._http_errors import error_from_response

    request = httpx.Request("POST", "https://x.test", headers={"Authorization": f"Bearer {SECRET}"})
    response = httpx.Response(
        429,
        json={"id": "too_many_requests", "message": "API rate limit exceeded."},
        headers={"x-request-id": "r1"},
        request=request,
    )
    err = error_from_response(response)
    data = pickle.dumps(err)
    assert SECRET.encode() not in data
    copy = pickle.loads(data)  # noqa: S301 - bytes we just made
    assert type(copy) is GradientRateLimitError
    assert str(copy) == str(err)
    assert (copy.status_code, copy.server_message, copy.error_type, copy.request_id) == (
        429,
        "API rate limit exceeded.",
        "too_many_requests",
        "r1",
    )
    assert copy.is_retryable
