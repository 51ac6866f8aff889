"""The model catalogue: which models a key can use (``GET {base_url}/models``).

Requests go through the same transport as chat calls, so the key lookup, the
retry policy and the exceptions are the same: a bad key raises
`GradientAuthenticationError`, a 429 or 5xx is retried, an unreachable host
raises `GradientConnectionError`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import SecretStr

from langchain_gradient import _transport
from langchain_gradient._config import (
    API_KEY_ENV_VARS,
    BASE_URL_ENV_VAR,
    DEFAULT_BASE_URL,
    MISSING_KEY_MESSAGE,
    USER_AGENT,
)
from langchain_gradient._config import decode_json as _decode_body
from langchain_gradient._settings import check_base_url
from langchain_gradient.errors import GradientMissingAPIKeyError, GradientResponseError

if TYPE_CHECKING:
    from httpx._client import UseClientDefault

__all__ = ["GradientModelInfo", "alist_models", "list_models"]


@dataclass(frozen=True)
class GradientModelInfo:
    """One entry of the catalogue.

    Attributes:
        id: The model id to pass as ``ChatGradient(model=...)``.
        created: When the model was added (Unix seconds), if the server says.
        owned_by: The model's provider, e.g. ``"anthropic"``, if the server says.
        object: The record type the server gives (``"model"``).
    """

    id: str
    created: int | None = None
    owned_by: str | None = None
    object: str = "model"


@dataclass(frozen=True)
class _Call:
    url: str
    headers: dict[str, str]
    timeout: float | httpx.Timeout | UseClientDefault
    policy: _transport.RetryPolicy


def _prepare(
    api_key: str | SecretStr | None,
    base_url: str | None,
    timeout: float | httpx.Timeout | None,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
) -> _Call:
    key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
    if not key:
        key = next((os.environ[n] for n in API_KEY_ENV_VARS if os.environ.get(n)), None)
    if not key:
        raise GradientMissingAPIKeyError(MISSING_KEY_MESSAGE)
    base = base_url or os.environ.get(BASE_URL_ENV_VAR) or DEFAULT_BASE_URL
    check_base_url(base)
    headers = _transport.build_headers(key, default_headers, USER_AGENT)
    headers.pop("Content-Type", None)  # a GET has no body
    return _Call(
        url=base.rstrip("/") + "/models",
        headers=headers,
        # Unset: the client's own (a user's client's, or the shared default).
        timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
        policy=_transport.RetryPolicy(max_retries=max_retries),
    )


def _records(body: Any) -> list[GradientModelInfo]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        quoted = repr(body)[:300]
        msg = f"expected {{'object': 'list', 'data': [...]}} from /models, got {quoted}"
        raise GradientResponseError(msg)
    records = []
    for position, entry in enumerate(data):
        model_id = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(model_id, str) or not model_id:
            msg = f"/models entry {position} has no model id: {entry!r}"
            raise GradientResponseError(msg)
        created = entry.get("created")
        owned_by = entry.get("owned_by")
        kind = entry.get("object")
        records.append(
            GradientModelInfo(
                id=model_id,
                created=created
                if isinstance(created, int) and not isinstance(created, bool)
                else None,
                owned_by=owned_by if isinstance(owned_by, str) else None,
                object=kind if isinstance(kind, str) and kind else "model",
            )
        )
    return records


def list_models(
    api_key: str | SecretStr | None = None,
    base_url: str | None = None,
    *,
    timeout: float | httpx.Timeout | None = None,
    max_retries: int = 2,
    default_headers: Mapping[str, str] | None = None,
    http_client: httpx.Client | None = None,
) -> list[GradientModelInfo]:
    """List the models a model access key can use, in the server's order.

    Args:
        api_key: Model access key. Default: ``DIGITALOCEAN_INFERENCE_KEY``, then
            ``GRADIENT_MODEL_ACCESS_KEY`` (as `ChatGradient`).
        base_url: API base; default ``DIGITALOCEAN_INFERENCE_BASE_URL`` or
            ``https://inference.do-ai.run/v1``.
        timeout: Seconds or an ``httpx.Timeout`` (default as for chat calls).
        max_retries: Retries for connection errors, timeouts, 408/409/429/5xx.
        default_headers: Extra request headers.
        http_client: Your own ``httpx.Client`` (left open; its timeout applies
            when ``timeout`` is unset); otherwise the process's shared client.

    Returns:
        One `GradientModelInfo` per model.

    Raises:
        GradientMissingAPIKeyError: no key given or found.
        GradientInvalidInputError: ``base_url`` is not an http(s) URL.
        GradientAuthenticationError: the key was rejected (401).
        GradientStatusError: another error status (a subclass per status).
        GradientConnectionError: the server could not be reached.
        GradientResponseError: the answer is not a model list.

    Example:
        .. code-block:: python

            from langchain_gradient import list_models

            for info in list_models():
                print(info.id, info.owned_by)
    """
    call = _prepare(api_key, base_url, timeout, max_retries, default_headers)
    client = _transport.Clients(http_client=http_client).sync()
    request = client.build_request("GET", call.url, headers=call.headers, timeout=call.timeout)
    response = _transport.send(client, request, call.policy)
    return _records(_decode_body(response))


async def alist_models(
    api_key: str | SecretStr | None = None,
    base_url: str | None = None,
    *,
    timeout: float | httpx.Timeout | None = None,
    max_retries: int = 2,
    default_headers: Mapping[str, str] | None = None,
    http_async_client: httpx.AsyncClient | None = None,
) -> list[GradientModelInfo]:
    """Async `list_models` (same arguments, with ``http_async_client``).

    Example:
        .. code-block:: python

            models = await alist_models()
            print([info.id for info in models])
    """
    call = _prepare(api_key, base_url, timeout, max_retries, default_headers)
    client = _transport.Clients(http_async_client=http_async_client).async_()
    request = client.build_request("GET", call.url, headers=call.headers, timeout=call.timeout)
    response = await _transport.asend(client, request, call.policy)
    return _records(_decode_body(response))
