"""Process-wide httpx clients, shared by every instance with the same client settings.

A TLS handshake to Gradient costs tens to hundreds of milliseconds, far more
than everything else a call spends here. So the package does not give each
model instance its own connection pool: every instance (and every copy that
``configurable_fields`` or "one model per web request" code creates) borrows
the pooled client of the process for its `ClientSettings`.

What is shared, and what is not:

- A client is keyed by what really changes a client: its `ClientSettings`
  (limits, TLS verification, proxy, HTTP/2, whether the environment is
  trusted) and, when the environment is trusted, the proxy and certificate
  variables httpx reads when it builds a client. The key, URL, headers and
  timeout are not part of it: they travel on each request.
- One sync client per key, shared by all threads (httpx clients are
  thread-safe); one async client per key *and event loop*, because an
  ``httpx.AsyncClient`` belongs to the loop it first ran on. Clients of loops
  that have closed are dropped (their sockets close when they are
  garbage-collected).
- After ``os.fork()`` the child starts with an empty registry: pooled
  connections are sockets shared with the parent and must not be reused.
- Shared clients live until the process exits or `close_shared_clients` /
  `aclose_shared_clients` is called; a later call simply opens a new one.
  Closing one model instance never closes them (other instances use them).
- Shared clients keep no cookies (`_NoCookies`): instances with different API
  keys share them, so a cookie a server set on one key's response must not
  ride on another key's request. Gradient's API authenticates by bearer token
  and sets no cookies; a client you pass in keeps its own jar.

Other modules get a client through `shared_client` / `shared_async_client`
(or the per-instance `langchain_gradient._transport.Clients`, which also
honours user-supplied clients).
"""

from __future__ import annotations

import asyncio
import os
import threading
from dataclasses import dataclass, field
from http.cookiejar import Cookie, CookieJar
from typing import Any

import httpx

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_SETTINGS",
    "DEFAULT_TIMEOUT",
    "ClientSettings",
    "aclose_shared_clients",
    "close_shared_clients",
    "forget_dead_loops",
    "generation",
    "shared_async_client",
    "shared_client",
]

DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
"""Two minutes between bytes (a long non-streamed answer sends none until it is
done), ten seconds to connect. A model's ``timeout`` overrides it per request."""

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
"""httpx's own defaults. Measured (``python -m benchmarks.pool_limits``): pools
that keep 100+ idle connections make httpcore's per-request connection scan
dominate (200 concurrent ``ainvoke``: 6.6x the floor at 100 kept, 0.96x at 20).
The pool is per process (see the module docstring): more than 100 requests in
flight at once wait for a free connection; pass your own ``http_async_client``
for a bigger pool."""

# Environment variables httpx reads when it builds a client that trusts the
# environment: the proxies it takes from urllib's getproxies (http, https, all,
# no; either case) and the certificate locations of create_ssl_context.
_ENV_VARS = (
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)


@dataclass(frozen=True)
class ClientSettings:
    """What makes one pooled httpx client differ from another.

    Attributes:
        max_connections: Connections open at once (``None``: no limit).
        max_keepalive_connections: Idle connections kept for reuse.
        keepalive_expiry: Seconds an idle connection is kept.
        verify: TLS verification: ``True``, ``False`` or a CA bundle path.
        proxy: A proxy URL for every request (``None``: the environment's, if trusted).
        http2: Speak HTTP/2 (needs the ``h2`` package).
        trust_env: Read proxies and certificate locations from the environment.
    """

    max_connections: int | None = DEFAULT_LIMITS.max_connections
    max_keepalive_connections: int | None = DEFAULT_LIMITS.max_keepalive_connections
    keepalive_expiry: float | None = DEFAULT_LIMITS.keepalive_expiry
    verify: bool | str = True
    proxy: str | None = None
    http2: bool = False
    trust_env: bool = True

    def build(self) -> httpx.Client:
        """A new sync client with these settings."""
        return httpx.Client(**self._client_kwargs())

    def build_async(self) -> httpx.AsyncClient:
        """A new async client with these settings."""
        return httpx.AsyncClient(**self._client_kwargs())

    def _client_kwargs(self) -> dict[str, Any]:
        limits = httpx.Limits(
            max_connections=self.max_connections,
            max_keepalive_connections=self.max_keepalive_connections,
            keepalive_expiry=self.keepalive_expiry,
        )
        return {
            "timeout": DEFAULT_TIMEOUT,
            "limits": limits,
            "verify": self.verify,
            "proxy": self.proxy,
            "http2": self.http2,
            "trust_env": self.trust_env,
            "cookies": _NoCookies(),
        }


DEFAULT_SETTINGS = ClientSettings()


class _NoCookies(CookieJar):
    """A cookie jar that stores nothing: shared clients serve many API keys."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        """Ignore ``Set-Cookie`` (the standard jar would store it for every later request)."""
        return

    def set_cookie(self, cookie: Cookie) -> None:
        """Store nothing."""
        return


@dataclass
class _Registry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    sync: dict[tuple[object, ...], httpx.Client] = field(default_factory=dict)
    # A plain dict pruned of closed loops: in a WeakKeyDictionary the clients'
    # transports would keep their loop (the key) alive forever.
    async_: dict[asyncio.AbstractEventLoop, dict[tuple[object, ...], httpx.AsyncClient]] = field(
        default_factory=dict
    )
    generation: int = 0


_registry = _Registry()


def generation() -> int:
    """A number that changes whenever shared clients are dropped (close, fork).

    Callers that cache a shared client compare it to decide whether their
    cached client may still be used.
    """
    return _registry.generation


def _key(settings: ClientSettings) -> tuple[object, ...]:
    if not settings.trust_env:
        return (settings,)
    environ = os.environ
    return (settings, tuple(environ.get(name) for name in _ENV_VARS))


def shared_client(settings: ClientSettings = DEFAULT_SETTINGS) -> httpx.Client:
    """The process's sync client for ``settings`` (created on first use).

    Args:
        settings: The client settings; the default suits every Gradient endpoint.

    Returns:
        An open ``httpx.Client``. Do not close it: other instances share it
        (use `close_shared_clients`).
    """
    key = _key(settings)
    registry = _registry
    with registry.lock:
        client = registry.sync.get(key)
        if client is None or client.is_closed:
            client = registry.sync[key] = settings.build()
        return client


def shared_async_client(settings: ClientSettings = DEFAULT_SETTINGS) -> httpx.AsyncClient:
    """The running event loop's async client for ``settings`` (created on first use).

    Args:
        settings: The client settings.

    Returns:
        An open ``httpx.AsyncClient`` bound to the running loop. Do not close
        it: other instances share it (use `aclose_shared_clients`).

    Raises:
        RuntimeError: when no event loop is running.
    """
    loop = asyncio.get_running_loop()
    key = _key(settings)
    registry = _registry
    with registry.lock:
        clients = registry.async_.get(loop)
        if clients is None:
            _drop_dead_loops(registry)
            clients = registry.async_[loop] = {}
        client = clients.get(key)
        if client is None or client.is_closed:
            client = clients[key] = settings.build_async()
        return client


def forget_dead_loops() -> None:
    """Drop the async clients of event loops that have closed."""
    with _registry.lock:
        _drop_dead_loops(_registry)


def close_shared_clients() -> None:
    """Close every shared sync client and forget every shared async client.

    Instances keep working: their next call opens a new shared client. Async
    clients cannot be closed outside their loop; they are dropped and their
    sockets close when garbage-collected (`aclose_shared_clients` closes the
    running loop's at once).
    """
    registry = _registry
    with registry.lock:
        sync = list(registry.sync.values())
        registry.sync.clear()
        registry.async_.clear()
        registry.generation += 1
    for client in sync:
        client.close()


async def aclose_shared_clients() -> None:
    """Close the running loop's shared async clients, then as `close_shared_clients`."""
    loop = asyncio.get_running_loop()
    with _registry.lock:
        clients = list(_registry.async_.pop(loop, {}).values())
    close_shared_clients()
    for client in clients:
        await client.aclose()


def _drop_dead_loops(registry: _Registry) -> None:
    for loop in [loop for loop in registry.async_ if loop.is_closed()]:
        del registry.async_[loop]


def _after_fork_in_child() -> None:
    # The parent's pooled connections are sockets the child shares with it:
    # reusing one would interleave two processes' bytes. Drop them (without
    # closing, which could send a TLS close_notify on the parent's behalf),
    # and take a fresh lock in case another thread held the old one.
    global _registry  # noqa: PLW0603 - the registry is process state by design
    _registry = _Registry(generation=_registry.generation + 1)


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_after_fork_in_child)
