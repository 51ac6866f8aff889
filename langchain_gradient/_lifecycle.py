"""Clients, closing, context managers, copies and pickling, the same for every model class here.

`ChatGradient` and `GradientEmbeddings` both borrow the process-wide pools of
`langchain_gradient._clients` (or the user's own clients) through a
`_transport.Clients`, and both keep their key out of pickles. This mixin holds
that behaviour once, as a field-less pydantic base the two classes share.

Copies: the user's ``http_client`` / ``http_async_client`` are read from the
fields on every call (`_sync_client`, `_async_client`), so a copy made with
``model_copy(update={"http_client": ...})`` (which sets fields without
running validators) or a later assignment talks through the new client. A
deep copy shares the user's clients (a connection pool is a resource, not
data, and httpx clients cannot be deep-copied) and starts with an empty
cache of shared ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
from pydantic import BaseModel
from typing_extensions import Self

from langchain_gradient import _transport
from langchain_gradient._config import api_key_from_env

if TYPE_CHECKING:
    from pydantic import SecretStr

__all__ = ["PooledClientsLifecycle", "without_secrets"]


class PooledClientsLifecycle(BaseModel):
    """``close``/``aclose``, ``with``/``async with``, and key-free pickling."""

    if TYPE_CHECKING:
        api_key: SecretStr | None
        http_client: httpx.Client | None
        http_async_client: httpx.AsyncClient | None
        _clients: _transport.Clients

    def _sync_client(self) -> httpx.Client:
        """The client of the next sync request: ``http_client`` as set now, else the shared one."""
        client = self.http_client
        return client if client is not None else self._clients.sync()

    def _async_client(self) -> httpx.AsyncClient:
        """Async `_sync_client` (``http_async_client``, else the running loop's shared one)."""
        client = self.http_async_client
        return client if client is not None else self._clients.async_()

    def close(self) -> None:
        """Let go of the connection pools; close none of them.

        The default pools are shared by every ``ChatGradient`` and
        ``GradientEmbeddings`` in the process (see README, "Connections and
        lifecycle"), so closing one instance must not break the others;
        ``langchain_gradient.close_shared_clients()`` closes them (async
        ones close with their event loop, or at once with
        ``aclose_shared_clients()``). Your own ``http_client`` stays open.
        The instance keeps working.
        """
        self._clients.close()

    async def aclose(self) -> None:
        """Async `close` (also closes nothing shared)."""
        await self._clients.aclose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        # The copy talks through the same user clients: the memo maps each to
        # itself. `_transport.Clients.__deepcopy__` gives the copy its own cache.
        memo = {} if memo is None else memo
        for client in (self.http_client, self.http_async_client):
            if client is not None:
                memo[id(client)] = client
        return super().__deepcopy__(memo)

    def __getstate__(self) -> dict[Any, Any]:
        # Never pickle the key or live clients: the key is read from the
        # environment again on unpickling, clients are created on first use.
        return without_secrets(super().__getstate__(), "api_key")

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        if self.api_key is None:
            self.api_key = api_key_from_env()()
        self._clients = _transport.Clients()


def without_secrets(state: dict[Any, Any], credential: str) -> dict[Any, Any]:
    """A pydantic model's pickle state with ``credential`` and the user's clients set to None.

    The private attributes (the pooled `_transport.Clients`) are dropped too:
    the unpickled model makes new ones.
    """
    fields = dict(state["__dict__"])
    fields.update({credential: None, "http_client": None, "http_async_client": None})
    state["__dict__"] = fields
    state["__pydantic_private__"] = None
    return state
