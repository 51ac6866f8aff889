"""HTTP failures -> this package's exceptions.

Every error body Gradient is known to send is understood: OpenAI
``{"error": {"message", "type", "code"}}``, DigitalOcean ``{"id", "message"}``,
FastAPI ``{"detail": ...}``, vLLM's, plain text and HTML from a proxy. Messages
name the method and URL (without userinfo) and never the key; a server that
echoes the key back has it replaced by ``[REDACTED]``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from langchain_gradient.errors import (
    GradientAuthenticationError,
    GradientBadRequestError,
    GradientConnectionError,
    GradientContextOverflowError,
    GradientError,
    GradientNotFoundError,
    GradientPermissionDeniedError,
    GradientRateLimitError,
    GradientRequestTimeoutError,
    GradientServerError,
    GradientStatusError,
    GradientTimeoutError,
)

__all__ = ["error_from_response", "plain", "scrub", "should_retry", "transport_error", "where"]

_RETRY_STATUSES = frozenset({408, 409, 429})
_CONTEXT_OVERFLOW = re.compile(
    r"context[_ ]length|context window|maximum context|too many tokens|"
    r"prompt is too long|input is too long|exceeds the model",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_QUOTE_LIMIT = 500
_MIN_SECRET = 8


def should_retry(response: httpx.Response) -> bool:
    """Whether an error response may succeed if sent again.

    408, 409, 429 and 5xx may; ``x-should-retry: true|false`` overrides the status.
    """
    hint = response.headers.get("x-should-retry", "").strip().lower()
    if hint == "true":
        return True
    if hint == "false":
        return False
    return response.status_code in _RETRY_STATUSES or response.status_code >= 500


def where(request: httpx.Request) -> str:
    """``METHOD url`` for messages: credentials in the URL are left out."""
    url = request.url
    if url.userinfo:
        url = url.copy_with(username=None, password=None)
    return f"{request.method} {url}"


def scrub(text: str, request: httpx.Request | None) -> str:
    """``text`` with the request's credentials replaced, should a server echo them."""
    if request is None:
        return text
    for name in ("authorization", "api-key", "x-api-key"):
        value = request.headers.get(name)
        if not value:
            continue
        secret = value.split(" ", 1)[1] if value.lower().startswith("bearer ") else value
        # Very short values would mangle ordinary words; real keys are long.
        if len(secret) >= _MIN_SECRET and secret in text:
            text = text.replace(secret, "[REDACTED]")
    return text


def error_from_response(response: httpx.Response) -> GradientStatusError:
    """Map an error response (body already read) to the matching exception.

    The server's message is found in any of the body shapes Gradient sends
    (see `_parse_error_body`); 401/403/404/408/429/5xx get their own classes,
    a 400/413/422 about the context window becomes
    `GradientContextOverflowError`, every other status `GradientBadRequestError`.
    """
    body, message, error_type, code = _parse_error_body(response)
    status = response.status_code
    cls: type[GradientStatusError]
    if status == 401:
        cls = GradientAuthenticationError
    elif status == 403:
        cls = GradientPermissionDeniedError
    elif status == 404:
        cls = GradientNotFoundError
    elif status == 408:
        cls = GradientRequestTimeoutError
    elif status == 429:
        cls = GradientRateLimitError
    elif status >= 500:
        cls = GradientServerError
    elif status in (400, 413, 422) and _CONTEXT_OVERFLOW.search(
        f"{message} {error_type or ''} {code or ''}"
    ):
        cls = GradientContextOverflowError
    else:
        cls = GradientBadRequestError
    return cls(
        message,
        response=response,
        error_type=error_type,
        body=body,
        is_retryable=should_retry(response),
    )


def _parse_error_body(response: httpx.Response) -> tuple[Any, str, str | None, str | None]:
    """(decoded body, message, error type, error code) for every error shape Gradient sends.

    OpenAI ``{"error": {"message", "type", "code"}}`` (also Anthropic's, which
    wraps the same object), DigitalOcean ``{"id", "message"}``, vLLM
    ``{"object": "error", "message", "type", "code"}``, FastAPI
    ``{"detail": ...}`` (a string or a list of validation errors), plain text
    and HTML. A body echoing the request's key has it replaced. The error type
    is the ``type`` (or, without one, the ``code`` or DigitalOcean ``id``); the
    code is kept apart because it alone may name the condition (OpenAI sends
    ``type: invalid_request_error`` with ``code: context_length_exceeded``).
    """
    try:
        text = response.text
    except (UnicodeDecodeError, LookupError):
        text = response.content.decode("utf-8", "replace")
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:  # a response built by hand, without its request
        request = None
    text = scrub(text, request)
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = text
    message: str | None = None
    error_type: str | None = None
    code: str | None = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            message = _as_text(error.get("message"))
            code = _as_text(error.get("code"))
            error_type = _as_text(error.get("type")) or code
        elif isinstance(error, str) and error:
            message = error
        if message is None and body.get("message") is not None:
            message = _as_text(body.get("message"))
            # DigitalOcean sends ``id``; vLLM (open-weight backends) ``type``/``code``.
            code = _as_text(body.get("code"))
            error_type = _as_text(body.get("id")) or _as_text(body.get("type")) or code
        if message is None and body.get("detail") is not None:
            message = _detail_text(body["detail"])
    if not message:
        message = plain(text) or response.reason_phrase or "no error message"
    return body, _bounded(message), error_type, code


def _as_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _detail_text(detail: Any) -> str:
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                loc = item.get("loc")
                where = ".".join(str(p) for p in loc) if isinstance(loc, list) else ""
                what = item.get("msg", json.dumps(item))
                parts.append(f"{where}: {what}" if where else str(what))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    return detail if isinstance(detail, str) else json.dumps(detail)


def _bounded(text: str) -> str:
    return text if len(text) <= _QUOTE_LIMIT else text[:_QUOTE_LIMIT] + "..."


def plain(text: str) -> str:
    """Readable, bounded text from a plain or HTML body."""
    if "<" in text and ">" in text:
        text = _TAG.sub(" ", text)
    return _bounded(_SPACE.sub(" ", text).strip())


def transport_error(exc: httpx.TransportError, request: httpx.Request) -> GradientError:
    place = where(request)
    if isinstance(exc, httpx.TimeoutException):
        return GradientTimeoutError(f"timed out talking to {place}: {type(exc).__name__}")
    detail = scrub(str(exc) or type(exc).__name__, request)
    error = GradientConnectionError(f"cannot reach {place}: {detail}")
    if isinstance(exc, httpx.UnsupportedProtocol):
        error.is_retryable = False  # a bad base_url does not get better
    return error
