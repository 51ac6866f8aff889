"""Exceptions raised by `langchain-gradient`.

Every exception derives from `GradientError` *and* from the matching
`langchain_core.exceptions.Model*Error`, so code written against LangChain's
provider-neutral error types (``except ModelRateLimitError``) and code written
against this package (``except GradientRateLimitError``) both work. HTTP status
errors also derive from `httpx.HTTPStatusError`, like the errors of the `httpx`
client the model talks through.

Messages never contain the API key: they quote the server's own error message,
the status code and the request id only.
"""

from __future__ import annotations

from typing import Any

import httpx
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

__all__ = [
    "GradientAPIError",
    "GradientAuthenticationError",
    "GradientBadRequestError",
    "GradientConnectionError",
    "GradientContextOverflowError",
    "GradientError",
    "GradientInvalidInputError",
    "GradientMissingAPIKeyError",
    "GradientNotFoundError",
    "GradientPermissionDeniedError",
    "GradientRateLimitError",
    "GradientResponseError",
    "GradientServerError",
    "GradientStatusError",
    "GradientStreamError",
    "GradientTimeoutError",
]


class GradientError(ModelError):
    """Base class of every error this package raises on purpose."""


class GradientInvalidInputError(GradientError, ModelInvalidRequestError, ValueError):
    """The request was rejected locally, before anything was sent.

    Raised for input the API cannot take: an unknown message role or content
    block, a parameter out of range, a malformed tool schema, tool arguments that
    are not JSON-serialisable. It is also a `ValueError`.
    """


class GradientMissingAPIKeyError(GradientError, ModelAuthenticationError):
    """No API key was given and none was found in the environment."""


class GradientConnectionError(GradientError, ModelConnectionError):
    """The server could not be reached, or the connection broke."""


class GradientTimeoutError(GradientError, ModelTimeoutError):
    """The server did not answer within the configured timeout."""


class GradientResponseError(GradientError, ModelAPIError):
    """The server answered 2xx, but with a body this package cannot understand."""


class GradientStreamError(GradientResponseError):
    """A streamed response broke off or carried an error event or bad data.

    Chunks received before the failure have already been delivered to the caller.
    """


class GradientStatusError(GradientError, httpx.HTTPStatusError):
    """The server answered with an HTTP error status.

    Attributes:
        status_code: The HTTP status code.
        server_message: The error message the server sent (or the raw body).
        error_type: The error ``type``/``code``/``id`` the server sent, if any.
        request_id: The request id from the response headers, if any.
        body: The decoded error body (dict, or text when it was not JSON).
        is_retryable: Whether sending the same request again may succeed.
    """

    def __init__(
        self,
        server_message: str,
        *,
        response: httpx.Response,
        error_type: str | None = None,
        body: Any = None,
        is_retryable: bool | None = None,
    ) -> None:
        self.status_code = response.status_code
        self.server_message = server_message
        self.error_type = error_type
        self.body = body
        self.request_id = _request_id(response.headers)
        if is_retryable is not None:
            self.is_retryable = is_retryable
        text = f"Gradient API error {self.status_code}: {server_message}"
        if error_type:
            text += f" (type: {error_type})"
        if self.request_id:
            text += f" [request id: {self.request_id}]"
        super().__init__(text, request=response.request, response=response)

    def __reduce__(self) -> Any:
        # httpx responses do not pickle; keep what a user can act on.
        return (_rebuild_status_error, (type(self), str(self), self.status_code))


def _rebuild_status_error(
    cls: type[GradientStatusError], text: str, status_code: int
) -> GradientStatusError:
    request = httpx.Request("POST", "https://invalid.invalid/")
    error = cls(text, response=httpx.Response(status_code, request=request))
    error.args = (text,)
    return error


class GradientBadRequestError(GradientStatusError, ModelInvalidRequestError):
    """HTTP 400/413/422 and other client errors: the request was invalid."""


class GradientContextOverflowError(GradientBadRequestError, ContextOverflowError):
    """The prompt is longer than the model's context window."""


class GradientAuthenticationError(GradientStatusError, ModelAuthenticationError):
    """HTTP 401: the key is missing, wrong, or lacks scope."""


class GradientPermissionDeniedError(GradientStatusError, ModelPermissionDeniedError):
    """HTTP 403: the key may not use this model or resource."""


class GradientNotFoundError(GradientStatusError, ModelNotFoundError):
    """HTTP 404: unknown model or endpoint."""


class GradientRateLimitError(GradientStatusError, ModelRateLimitError):
    """HTTP 429: a rate limit or quota was exceeded."""


class GradientServerError(GradientStatusError, ModelAPIError):
    """HTTP 5xx: the server failed."""


GradientAPIError = GradientStatusError
"""Alias kept for readers who look for an ``APIError`` type."""


def _request_id(headers: httpx.Headers) -> str | None:
    for name in ("x-request-id", "request-id", "x-do-request-id", "cf-ray"):
        value = headers.get(name)
        if value:
            return str(value)
    return None
