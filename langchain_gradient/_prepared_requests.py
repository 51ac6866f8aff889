"""`PreparedRequests`: one call's ``httpx.Request`` from parts built once per configuration.

`ChatGradient` (and `ChatGradientAgent`, which adds a query parameter in
`_request`) inherit it. The URL per API path, the headers (with and without
``Accept: text/event-stream``), the timeout and the retry policy are cached,
keyed by every setting they depend on: a call neither re-parses the URL nor
re-merges headers, and a setting changed after construction (or a
``model_copy``) rebuilds them on the next call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import httpx
from pydantic import BaseModel, PrivateAttr

from langchain_gradient import _transport
from langchain_gradient._config import USER_AGENT, endpoint
from langchain_gradient._config import encode_json as _encode
from langchain_gradient.dialects import CHAT_COMPLETIONS, Dialect
from langchain_gradient.errors import GradientMissingAPIKeyError

if TYPE_CHECKING:
    from httpx._client import UseClientDefault
    from pydantic import SecretStr

__all__ = ["PreparedRequests"]


class _Prepared(NamedTuple):
    key: tuple[Any, ...]
    urls: dict[str, httpx.URL]
    """Endpoint per dialect path, filled on first use."""
    headers: dict[str, str]
    stream_headers: dict[str, str]
    timeout: float | httpx.Timeout | UseClientDefault
    policy: _transport.RetryPolicy


class PreparedRequests(BaseModel):
    """`_request` (one call's request) and `_prepared` (its cached parts)."""

    if TYPE_CHECKING:  # the fields of ChatGradient (annotated here for mypy only)
        api_key: SecretStr | None
        base_url: str
        timeout: float | httpx.Timeout | None
        max_retries: int
        default_headers: dict[str, str] | None
        _missing_key_message: ClassVar[str]

    _prepared_parts: _Prepared | None = PrivateAttr(default=None)

    def _prepared(self) -> _Prepared:
        """URL, headers, timeout and retry policy, built once per configuration.

        Rebuilt only when a setting they depend on changes, so a call does not
        re-parse the URL or re-merge headers.
        """
        if self.api_key is None:
            # Unpickled (or loaded) where the key variable is not set: fail
            # here, not with a 401 after sending an empty bearer token.
            raise GradientMissingAPIKeyError(self._missing_key_message)
        extra = tuple(self.default_headers.items()) if self.default_headers else None
        key = (self.api_key, extra, self.base_url, self.max_retries, self.timeout)
        prepared = self._prepared_parts
        if prepared is not None and prepared.key == key:
            return prepared
        secret = self.api_key.get_secret_value()
        headers = _transport.build_headers(secret, self.default_headers, USER_AGENT)
        prepared = self._prepared_parts = _Prepared(
            key=key,
            urls={},
            headers=headers,
            stream_headers={**headers, "Accept": "text/event-stream"},
            # Unset: the client decides (a user's client its own timeout, the
            # shared clients ``_transport.DEFAULT_TIMEOUT``).
            timeout=httpx.USE_CLIENT_DEFAULT if self.timeout is None else self.timeout,
            policy=_transport.RetryPolicy(max_retries=self.max_retries),
        )
        return prepared

    def _request(
        self,
        client: httpx.Client | httpx.AsyncClient,
        payload: Mapping[str, Any],
        dialect: Dialect = CHAT_COMPLETIONS,
    ) -> httpx.Request:
        prepared = self._prepared()
        url = prepared.urls.get(dialect.path)
        if url is None:
            url = prepared.urls[dialect.path] = endpoint(self.base_url, dialect.path)
        return client.build_request(
            "POST",
            url,
            content=_encode(payload),
            headers=prepared.stream_headers if payload.get("stream") else prepared.headers,
            timeout=prepared.timeout,
        )

    def _policy(self) -> _transport.RetryPolicy:
        return self._prepared().policy

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        self._prepared_parts = None
