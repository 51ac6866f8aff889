"""Where requests go and with which key: shared by every class that calls Gradient.

`ChatGradient` and `GradientEmbeddings` read the same environment variables,
in the same order, with the same default base URL, and join endpoint paths to
that base the same way; this module is the one place that says how.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from langchain_core.utils import from_env, secret_from_env
from pydantic import SecretStr

from langchain_gradient._version import __version__
from langchain_gradient.errors import GradientInvalidInputError, GradientResponseError

__all__ = [
    "API_KEY_ENV_VARS",
    "BASE_URL_ENV_VAR",
    "DEFAULT_BASE_URL",
    "MISSING_KEY_MESSAGE",
    "USER_AGENT",
    "api_key_from_env",
    "base_url_from_env",
    "decode_json",
    "encode_json",
    "endpoint",
]

DEFAULT_BASE_URL = "https://inference.do-ai.run/v1"
API_KEY_ENV_VARS = ("DIGITALOCEAN_INFERENCE_KEY", "GRADIENT_MODEL_ACCESS_KEY")
BASE_URL_ENV_VAR = "DIGITALOCEAN_INFERENCE_BASE_URL"
MISSING_KEY_MESSAGE = (
    "No Gradient model access key found. Pass api_key=... or set "
    "DIGITALOCEAN_INFERENCE_KEY (or GRADIENT_MODEL_ACCESS_KEY). Create a key in the "
    "DigitalOcean control panel: Inference (Gradient AI) > Model Access Keys "
    "(https://cloud.digitalocean.com/gen-ai/model-access-keys)."
)
USER_AGENT = f"langchain-gradient/{__version__}"


def api_key_from_env() -> Callable[[], SecretStr | None]:
    """Default factory for an ``api_key`` field: the first key variable that is set."""
    return secret_from_env(list(API_KEY_ENV_VARS), default=None)


def base_url_from_env() -> Callable[[], str]:
    """Default factory for a ``base_url`` field: the variable, else Gradient's URL."""
    return from_env(BASE_URL_ENV_VAR, default=DEFAULT_BASE_URL)


def endpoint(base_url: str, path: str) -> httpx.URL:
    """``{base_url}/{path}`` as a URL.

    Raises:
        GradientInvalidInputError: ``base_url`` is not a URL.
    """
    try:
        return httpx.URL(base_url.rstrip("/") + "/" + path.lstrip("/"))
    except httpx.InvalidURL as exc:
        msg = f"invalid base_url {base_url!r}: {exc}"
        raise GradientInvalidInputError(msg) from exc


def encode_json(payload: Mapping[str, Any]) -> bytes:
    """A request body as compact UTF-8 JSON.

    Raises:
        GradientInvalidInputError: something in it is not JSON (or not valid
            UTF-8, such as a lone surrogate), so nothing is sent.
    """
    try:
        return json.dumps(
            payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode()
    except (TypeError, ValueError) as exc:
        msg = f"request body is not JSON-serialisable: {exc}"
        raise GradientInvalidInputError(msg) from exc


def decode_json(response: httpx.Response) -> Any:
    """A 2xx response's JSON body.

    Raises:
        GradientResponseError: the body is not JSON.
    """
    try:
        return json.loads(response.content)
    except ValueError as exc:
        text = response.text[:300]
        msg = f"the API answered with a body that is not JSON: {text!r}"
        raise GradientResponseError(msg) from exc
