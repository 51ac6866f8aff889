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

from typing import TYPE_CHECKING, Any

import httpx
from langchain_core import exceptions as _core_exceptions
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
    OutputParserException,
)

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

    # Typed the same on every supported core (ModelRefusalError exists only
    # from langchain-core 1.7.5): the static type promises a ModelError.
    _RefusalBase = ModelError
else:
    # At run time it is core's ModelRefusalError where core has one; on older
    # cores the refusal error is a plain ModelError.
    _RefusalBase = getattr(_core_exceptions, "ModelRefusalError", ModelError)

__all__ = [
    "GradientAPIError",
    "GradientAuthenticationError",
    "GradientBadRequestError",
    "GradientConnectionError",
    "GradientContentFilterError",
    "GradientContextOverflowError",
    "GradientEmbeddingsResponseError",
    "GradientError",
    "GradientGuardrailError",
    "GradientInvalidInputError",
    "GradientMissingAPIKeyError",
    "GradientMissingEndpointError",
    "GradientNotFoundError",
    "GradientPermissionDeniedError",
    "GradientRateLimitError",
    "GradientRefusalError",
    "GradientRequestTimeoutError",
    "GradientResponseError",
    "GradientServerError",
    "GradientStatusError",
    "GradientStreamError",
    "GradientTimeoutError",
    "GradientTruncatedOutputError",
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

    is_retryable = False


class GradientStreamError(GradientResponseError):
    """A streamed response broke off or carried an error event or bad data.

    Chunks received before the failure have already been delivered to the caller.
    ``is_retryable`` is true when the connection broke (sending the request
    again may work), false for an error event or malformed data.
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
        # httpx responses do not pickle (and their request carries the key):
        # keep what a user can act on.
        state = {
            "status_code": self.status_code,
            "server_message": self.server_message,
            "error_type": self.error_type,
            "body": self.body,
            "request_id": self.request_id,
            "is_retryable": self.is_retryable,
        }
        return (_rebuild_status_error, (type(self), str(self), state))


def _rebuild_status_error(
    cls: type[GradientStatusError], text: str, state: dict[str, Any]
) -> GradientStatusError:
    request = httpx.Request("POST", "https://invalid.invalid/")
    response = httpx.Response(state["status_code"], request=request)
    error = cls(state["server_message"], response=response)
    error.__dict__.update(state)
    error.args = (text,)
    return error


class GradientBadRequestError(GradientStatusError, ModelInvalidRequestError):
    """HTTP 400/409/413/422 and other client errors: the request was invalid.

    ``is_retryable`` is true for 409 (a conflict may clear) and whenever the
    server sent ``x-should-retry: true``.
    """


class GradientContextOverflowError(GradientBadRequestError, ContextOverflowError):
    """The prompt is longer than the model's context window."""


class GradientRequestTimeoutError(GradientStatusError, GradientTimeoutError):
    """HTTP 408: the server gave up waiting for the request (retried by default)."""


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


class GradientGuardrailError(GradientError, ModelInvalidRequestError):
    """A Gradient Agent's guardrail overrode the reply (the request was blocked).

    Raised by `ChatGradientAgent` (with ``on_guardrail="raise"``, the default)
    when the response reports triggered guardrails, or ends with
    ``finish_reason="content_filter"``. Sending the same request again gives
    the same outcome, so it is not retryable.

    Attributes:
        triggered_guardrails: The ``guardrails.triggered_guardrails`` entries the
            agent reported, each ``{"rule_name": ..., "message": ...}`` (empty
            when only ``finish_reason`` said so).
        replacement: The text the agent sent in place of an answer (may be "").
        response_metadata: The reply's ``response_metadata`` (agent blocks included).
    """

    def __init__(
        self,
        message: str,
        *,
        triggered_guardrails: list[dict[str, Any]] | None = None,
        replacement: str = "",
        response_metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.triggered_guardrails = list(triggered_guardrails or [])
        self.replacement = replacement
        self.response_metadata = dict(response_metadata or {})


class GradientMissingEndpointError(GradientError, ModelInvalidRequestError):
    """No Gradient Agent endpoint was given and none was found in the environment."""


class GradientTruncatedOutputError(GradientError, OutputParserException):
    """Structured output was requested, but the reply was cut off.

    Raised by ``with_structured_output`` (every method, invoked or streamed) when
    the reply ended with ``finish_reason="length"`` (the token limit was
    reached) or ``"content_filter"`` (the provider stopped it). The text may
    even parse, but it is not the whole answer. It is also an
    `OutputParserException`, so ``except OutputParserException`` catches it,
    and with ``include_raw=True`` it is reported as ``parsing_error``.

    Attributes:
        finish_reason: The ``finish_reason`` the reply ended with.
    """

    def __init__(self, message: str, *, finish_reason: str, llm_output: str | None = None) -> None:
        super().__init__(message, llm_output=llm_output)
        self.finish_reason = finish_reason

    def __reduce__(self) -> Any:
        return (_rebuild_error, (type(self), self.args, dict(self.__dict__)))


class GradientContentFilterError(GradientTruncatedOutputError, _RefusalBase):
    """Structured output was requested, but the provider's content filter stopped the reply.

    Raised by ``with_structured_output`` (every method, invoked or streamed) for
    ``finish_reason="content_filter"``. It is a `GradientTruncatedOutputError`
    (so an `OutputParserException`, reported as ``parsing_error`` with
    ``include_raw=True``) and, on langchain-core 1.7.5 and later, also core's
    ``ModelRefusalError``, which ``ChatOpenAI`` raises for the same reply: the
    model's output was withheld, and retrying the same request is unlikely to
    help.

    Attributes:
        finish_reason: Always ``"content_filter"``.
        raw_message: The reply that was stopped.
    """

    def __init__(
        self,
        message: str,
        *,
        finish_reason: str = "content_filter",
        llm_output: str | None = None,
        raw_message: BaseMessage | None = None,
    ) -> None:
        # OutputParserException's constructor only: ModelRefusalError's takes
        # no llm_output, and its one attribute is set here.
        OutputParserException.__init__(self, message, llm_output=llm_output)
        self.finish_reason = finish_reason
        self.raw_message = raw_message


class GradientRefusalError(GradientError, _RefusalBase):
    """The model refused to produce the requested structured output.

    Raised by ``with_structured_output`` when the reply carries a ``refusal``
    (OpenAI-style ``message.refusal``). On langchain-core 1.7.5 and later it is
    also core's ``ModelRefusalError``, so provider-neutral handlers catch it.

    Attributes:
        refusal: The refusal text the model sent.
        raw_message: The reply that contained the refusal.
    """

    def __init__(
        self, message: str, *, refusal: str, raw_message: BaseMessage | None = None
    ) -> None:
        super().__init__(message)
        self.refusal = refusal
        self.raw_message = raw_message

    def __reduce__(self) -> Any:
        return (_rebuild_error, (type(self), self.args, dict(self.__dict__)))


def _rebuild_error(cls: type[GradientError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """Unpickle an error whose constructor takes keyword-only arguments."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class GradientEmbeddingsResponseError(GradientResponseError):
    """An embeddings answer that cannot be matched to the texts sent.

    Raised when the vectors do not come back exactly one per input (an index
    missing, repeated or out of range), when they differ in dimension, or when
    a vector is empty or not decodable. No partial result is returned.
    """
