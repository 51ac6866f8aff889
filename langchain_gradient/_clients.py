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
  ``httpx.AsyncClient`` belongs to the loop it first ran on.
- After ``os.fork()`` the child starts with an empty registry: pooled
  connections are sockets shared with the parent and must not be reused (or
  closed: closing a TLS connection sends a ``close_notify`` on the parent's
  behalf).
- Shared sync clients live until the process exits or `close_shared_clients`
  is called; a later call simply opens a new one. Closing one model instance
  never closes them (other instances use them).
- Shared clients keep no cookies (`_NoCookies`): instances with different API
  keys share them, so a cookie a server set on one key's response must not
  ride on another key's request. Gradient's API authenticates by bearer token
  and sets no cookies; a client you pass in keeps its own jar.

Async clients close with their event loop. An async client can only be closed
on its own loop, while the loop still runs, and the package never sees the
end of a user's loop; but the loop announces it: ``asyncio.run``,
``asyncio.Runner.close`` (which pytest-asyncio uses) and any runner that calls
the documented ``loop.shutdown_asyncgens()`` close every asynchronous
generator that was started on the loop and has not finished, while the loop
still runs. So the first shared async client of a loop starts a *keeper*, an
async generator parked at its ``yield`` (started on the loop, so the loop's
asynchronous-generator hooks register it), whose ``finally`` closes the
loop's clients (`_LoopClients`). What happens when:

- the loop shuts down (``asyncio.run``, ``Runner``, ``shutdown_asyncgens``):
  its clients are closed there, sockets released, no ``ResourceWarning``;
- `aclose_shared_clients` runs on the loop: its clients are closed at once;
- `close_shared_clients` is called: every loop's clients are retired (no new
  call gets them) and closed when their loop shuts down, not earlier, since
  requests of that loop may still be using them;
- the loop is closed without ``shutdown_asyncgens`` (a bare ``loop.close()``):
  nothing can close its clients any more (closing needs the loop); they are
  dropped and the garbage collector closes their sockets, with the
  ``ResourceWarning`` asyncio gives for them. Call ``await
  aclose_shared_clients()`` (or ``loop.shutdown_asyncgens()``) before such a
  ``close()``;
- the loop is never closed: the registry holds its clients per *thread*
  (thread-local tables), so when the thread that ran the loop ends, the
  entry goes, the keeper's finaliser asks the loop to close the clients when
  it next runs, and a loop nobody refers to any more is garbage-collected
  with them. The registry never keeps a loop alive past its thread (in a
  plain dict the clients' transports would keep their loop, the key,
  reachable forever). A loop run in several threads gets a table entry, and
  clients, in each;
- the process forks: the child never closes what it inherited (see above).

Other modules get a client through `shared_client` / `shared_async_client`
(or the per-instance `langchain_gradient._transport.Clients`, which also
honours user-supplied clients).
"""

from __future__ import annotations

import asyncio
import os
import threading
import weakref
from collections.abc import AsyncGenerator
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


_Key = tuple[object, ...]


class _LoopClients:
    """One event loop's shared async clients: those handed out, and retired ones.

    Touched only from the loop's own thread (one loop runs in one thread at a
    time), so it needs no lock.
    """

    __slots__ = ("current", "generation", "loop", "pid", "retired")

    def __init__(self, loop: asyncio.AbstractEventLoop, generation: int) -> None:
        self.loop = loop
        self.generation = generation
        self.pid = os.getpid()
        self.current: dict[_Key, httpx.AsyncClient] = {}
        self.retired: list[httpx.AsyncClient] = []

    def client(self, key: _Key, settings: ClientSettings) -> httpx.AsyncClient:
        client = self.current.get(key)
        if client is None or client.is_closed:
            client = self.current[key] = settings.build_async()
        return client

    def retire(self, generation: int) -> None:
        """Hand out new clients from now on; keep the old ones to close with the loop."""
        self.retired += self.current.values()
        self.current = {}
        self.generation = generation

    async def aclose(self) -> None:
        """Close every client of the loop (a forked child closes nothing it inherited)."""
        clients = [*self.current.values(), *self.retired]
        self.current = {}
        self.retired = []
        if self.pid != os.getpid():
            return
        for client in clients:
            await client.aclose()


class _LoopTable(dict[asyncio.AbstractEventLoop, "_Entry"]):
    """One thread's loops and their clients (a dict that can be weakly referenced)."""

    __slots__ = ("__weakref__",)


@dataclass(frozen=True)
class _Entry:
    clients: _LoopClients
    # Held here, never by `clients` (the keeper holds those): when the table
    # lets go of the entry, nothing keeps the keeper alive, and its finaliser
    # runs at once instead of waiting for the cycle collector.
    keeper: AsyncGenerator[None, None]


async def _close_with_loop(
    clients: _LoopClients, table: weakref.ref[_LoopTable]
) -> AsyncGenerator[None, None]:
    """The keeper: parked at ``yield`` until the loop finalises it, then closes ``clients``."""
    try:
        yield
    finally:
        home = table()
        if home is not None:
            entry = home.get(clients.loop)
            if entry is not None and entry.clients is clients:
                del home[clients.loop]
        await clients.aclose()


def _start(keeper: AsyncGenerator[None, None]) -> None:
    """Run ``keeper`` to its ``yield`` now, on the running loop's thread.

    Starting it is what registers it with the loop (its first-iteration hook,
    PEP 525); running it by hand spares a task. It yields at once, which
    ends the step with ``StopIteration``.
    """
    step = keeper.asend(None)
    try:
        step.send(None)
    except StopIteration:
        return
    msg = "the keeper of a loop's clients awaited before its first yield"  # pragma: no cover
    raise RuntimeError(msg)  # pragma: no cover


@dataclass
class _Registry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    sync: dict[_Key, httpx.Client] = field(default_factory=dict)
    # Per thread, a `_LoopTable` (attribute ``table``): see the module docstring.
    threads: threading.local = field(default_factory=threading.local)
    generation: int = 0


_registry = _Registry()


def generation() -> int:
    """A number that changes whenever shared clients are dropped (close, fork).

    Callers that cache a shared client compare it to decide whether their
    cached client may still be used.
    """
    return _registry.generation


def _key(settings: ClientSettings) -> _Key:
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
        An open ``httpx.AsyncClient`` bound to the running loop, closed when
        the loop shuts down (see the module docstring). Do not close it:
        other instances share it (use `aclose_shared_clients`).

    Raises:
        RuntimeError: when no event loop is running.
    """
    loop = asyncio.get_running_loop()
    return _clients_of(loop).client(_key(settings), settings)


def _table(registry: _Registry) -> _LoopTable:
    table: _LoopTable | None = getattr(registry.threads, "table", None)
    if table is None:
        table = registry.threads.table = _LoopTable()
    return table


def _clients_of(loop: asyncio.AbstractEventLoop) -> _LoopClients:
    """The running ``loop``'s clients, with a keeper started on first use."""
    registry = _registry
    table = _table(registry)
    entry = table.get(loop)
    if entry is None:
        _drop_closed_loops(table)
        clients = _LoopClients(loop, registry.generation)
        keeper = _close_with_loop(clients, weakref.ref(table))
        _start(keeper)
        table[loop] = entry = _Entry(clients, keeper)
    elif entry.clients.generation != registry.generation:
        entry.clients.retire(registry.generation)
    return entry.clients


def forget_dead_loops() -> None:
    """Drop this thread's entries of event loops that were closed without shutting down.

    Their clients can no longer be closed (that needs the loop): they are
    left to the garbage collector.
    """
    _drop_closed_loops(_table(_registry))


def _drop_closed_loops(table: _LoopTable) -> None:
    for loop in [loop for loop in table if loop.is_closed()]:
        del table[loop]


def close_shared_clients() -> None:
    """Close every shared sync client; retire every shared async client.

    Instances keep working: their next call opens a new shared client. An
    async client can only be closed on its own loop, so each loop's retired
    clients are closed when that loop shuts down (``asyncio.run``,
    ``asyncio.Runner``, ``loop.shutdown_asyncgens()``);
    `aclose_shared_clients` closes the running loop's at once.
    """
    registry = _registry
    with registry.lock:
        sync = list(registry.sync.values())
        registry.sync.clear()
        registry.generation += 1
    for client in sync:
        client.close()


async def aclose_shared_clients() -> None:
    """Close the running loop's shared async clients now, then as `close_shared_clients`."""
    loop = asyncio.get_running_loop()
    entry = _table(_registry).get(loop)
    close_shared_clients()
    if entry is not None:
        await entry.clients.aclose()


def _after_fork_in_child() -> None:
    # The parent's pooled connections are sockets the child shares with it:
    # reusing one would interleave two processes' bytes. Drop them (without
    # closing, which could send a TLS close_notify on the parent's behalf:
    # `_LoopClients.aclose` checks the pid), and take a fresh lock in case
    # another thread held the old one.
    global _registry  # noqa: PLW0603 - the registry is process state by design
    _registry = _Registry(generation=_registry.generation + 1)


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_after_fork_in_child)
