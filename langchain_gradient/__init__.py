"""LangChain integration for DigitalOcean Gradient serverless inference."""

from langchain_gradient._version import __version__
from langchain_gradient.chat_models import ChatGradient
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
    GradientResponseError,
    GradientServerError,
    GradientStatusError,
    GradientStreamError,
    GradientTimeoutError,
)

__all__ = [
    "ChatGradient",
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
    "__version__",
]
