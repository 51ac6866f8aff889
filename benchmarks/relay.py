"""A loopback TCP relay that adds network delay, without root or ``tc``.

``python -m benchmarks.relay --target-port P --delay-ms 20`` listens on
127.0.0.1 and forwards every accepted connection to ``127.0.0.1:P``. Every
segment it reads, in either direction, is written to the other side ``delay``
later, in the order it was read, so a TLS handshake and the first byte of an
answer pay real round trips. The client's TCP handshake with the relay itself is
instantaneous on loopback, so a connection's first client-to-server segment
waits two delays more (the SYN / SYN-ACK round trip a real network would have
charged before the client could send it): a new connection costs the same
wall time as on a network with that one-way delay.

It counts the connections it accepts; that count is how the benchmark measures
new connections per 100 calls. A second listener (``stats`` port) answers any
connection with ``<accepted> <open>\\n`` and closes; its own connections are
not counted. It prints ``READY <port> <stats port>`` once listening, and stops by
itself after ``--max-seconds`` or when its parent process goes away.

`DelayRelay` is the same relay inside a running event loop (tests use it so).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import socket
import subprocess
import sys
from pathlib import Path

__all__ = ["DelayRelay", "RelayProcess", "read_stats"]

ROOT = Path(__file__).resolve().parent.parent

HOST = "127.0.0.1"
HIGH_WATER = 1 << 20
"""Bytes held back per direction before the relay stops reading from that side."""


_EOF = object()
"""Queue item: the source half-closed; half-close the sink."""
_CLOSE = object()
"""Queue item: the source went away; close the whole pair."""


class _Link:
    """One direction of one relayed connection: a delayed, ordered queue of segments."""

    def __init__(self, pair: _Pair, delay: float, extra: float = 0.0) -> None:
        self.pair = pair
        self.loop = asyncio.get_running_loop()
        self.delay = delay
        self.extra = extra
        """Added to the first segment only (the simulated TCP handshake)."""
        self.queue: collections.deque[tuple[float, object]] = collections.deque()
        self.held = 0
        self.timer: asyncio.TimerHandle | None = None
        self.source: asyncio.Transport | None = None
        self.sink: asyncio.Transport | None = None
        self.paused = False

    def push(self, item: object) -> None:
        """Queue a segment (bytes), `_EOF` or `_CLOSE` to leave ``delay`` from now."""
        if self.pair.closed:
            return
        due = self.loop.time() + self.delay + self.extra
        self.extra = 0.0
        if self.queue:  # never overtake an earlier segment
            due = max(due, self.queue[-1][0])
        self.queue.append((due, item))
        if isinstance(item, bytes):
            self.held += len(item)
            if self.held > HIGH_WATER and self.source is not None and not self.paused:
                self.paused = True
                self.source.pause_reading()
        self._arm()

    def attach(self, sink: asyncio.Transport) -> None:
        self.sink = sink
        self._arm()

    def _arm(self) -> None:
        if self.timer is None and self.queue and self.sink is not None:
            self.timer = self.loop.call_at(self.queue[0][0], self._release)

    def _release(self) -> None:
        self.timer = None
        sink = self.sink
        assert sink is not None
        now = self.loop.time()
        while self.queue and self.queue[0][0] <= now:
            _, item = self.queue.popleft()
            if item is _CLOSE or sink.is_closing():
                self.pair.close()
                return
            if item is _EOF:
                if sink.can_write_eof():
                    sink.write_eof()
                continue
            assert isinstance(item, bytes)
            self.held -= len(item)
            sink.write(item)
        if self.paused and self.held <= HIGH_WATER // 2 and self.source is not None:
            self.paused = False
            self.source.resume_reading()
        self._arm()

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.queue.clear()


class _Side(asyncio.Protocol):
    """One socket of a relayed pair: reads go into ``out``, writes come from ``into``."""

    def __init__(self, out: _Link, into: _Link) -> None:
        self.out = out
        self.into = into
        self.transport: asyncio.Transport | None = None
        self.partner: _Side | None = None
        self.eof = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.out.source = transport
        self.into.attach(transport)

    def data_received(self, data: bytes) -> None:
        self.out.push(data)

    def eof_received(self) -> bool:
        self.eof = True
        if self.partner is not None and self.partner.eof:
            self.out.push(_CLOSE)  # both directions finished
        else:
            self.out.push(_EOF)
        return True  # keep the other direction open until the far side is done too

    def connection_lost(self, exc: Exception | None) -> None:
        # Whatever is queued towards the other side is delivered first, then
        # the pair closes: a delayed FIN, as on a real network.
        self.out.push(_CLOSE)


class _Pair:
    """A client connection and its upstream connection."""

    def __init__(self, relay: DelayRelay) -> None:
        self.relay = relay
        self.up = _Link(self, relay.delay, 2 * relay.delay if relay.handshake else 0.0)
        self.down = _Link(self, relay.delay)
        self.client = _Side(self.up, self.down)
        self.server = _Side(self.down, self.up)
        self.client.partner, self.server.partner = self.server, self.client
        self.closed = False

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.create_connection(
                lambda: self.server, self.relay.target_host, self.relay.target_port
            )
        except OSError:
            self.close()
            return
        if self.closed:
            transport.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for side in (self.client, self.server):
            if side.transport is not None:
                side.transport.close()
        self.up.cancel()
        self.down.cancel()
        self.relay.pairs.discard(self)


class DelayRelay:
    """A delaying TCP relay on 127.0.0.1, running in the current event loop.

    Example::

        relay = DelayRelay(target_port=8443, delay=0.02)
        await relay.start()          # relay.port is now listening
        ...                          # point clients at 127.0.0.1:relay.port
        print(relay.accepted)        # connections accepted so far
        await relay.close()
    """

    def __init__(
        self,
        target_port: int,
        delay: float,
        *,
        target_host: str = HOST,
        handshake: bool = True,
    ) -> None:
        if delay < 0:
            msg = f"delay must be >= 0, got {delay}"
            raise ValueError(msg)
        self.target_host = target_host
        self.target_port = target_port
        self.delay = delay
        self.handshake = handshake
        self.accepted = 0
        self.pairs: set[_Pair] = set()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def open(self) -> int:
        """Relayed connections not yet closed."""
        return len(self.pairs)

    def _accept(self) -> asyncio.Protocol:
        self.accepted += 1
        pair = _Pair(self)
        self.pairs.add(pair)
        task = asyncio.get_running_loop().create_task(pair.connect())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return pair.client

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1 (``port`` 0: any free port, then read ``self.port``)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._accept, HOST, port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening and drop every relayed connection."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for pair in list(self.pairs):
            pair.close()
        if server is not None:
            await server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.sleep(0)  # let the transports finish closing


async def read_stats(stats_port: int) -> tuple[int, int]:
    """``(accepted, open)`` from a relay process's stats listener."""
    reader, writer = await asyncio.open_connection(HOST, stats_port)
    try:
        line = await reader.readline()
    finally:
        writer.close()
        await writer.wait_closed()
    accepted, still_open = line.split()
    return int(accepted), int(still_open)


class RelayProcess:
    """``python -m benchmarks.relay`` in a subprocess, in front of ``127.0.0.1:target_port``."""

    def __init__(self, target_port: int, delay_ms: float, max_seconds: float = 3600.0) -> None:
        command = [
            sys.executable,
            "-m",
            "benchmarks.relay",
            "--target-port",
            str(target_port),
            "--delay-ms",
            str(delay_ms),
            "--max-seconds",
            str(max_seconds),
        ]
        self.proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()
        if len(line) != 3 or line[0] != "READY":
            self.proc.kill()
            self.proc.wait()
            msg = "benchmarks.relay did not start"
            raise RuntimeError(msg)
        self.port, self.stats_port = int(line[1]), int(line[2])

    def stats(self) -> tuple[int, int]:
        """``(connections accepted so far, connections open now)``."""
        line = b""
        with socket.create_connection((HOST, self.stats_port), timeout=5) as sock:
            while not line.endswith(b"\n"):
                data = sock.recv(64)
                if not data:
                    break
                line += data
        accepted, still_open = line.split()
        return int(accepted), int(still_open)

    def accepted(self) -> int:
        """Connections accepted so far."""
        return self.stats()[0]

    def close(self) -> None:
        """Stop the relay (killed if it lingers past 5 s)."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


async def _serve(args: argparse.Namespace) -> None:
    relay = DelayRelay(args.target_port, args.delay_ms / 1000.0, handshake=not args.no_handshake)
    await relay.start()

    async def stats(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(f"{relay.accepted} {relay.open}\n".encode())
        await writer.drain()
        writer.close()

    stats_server = await asyncio.start_server(stats, HOST, 0)
    print(f"READY {relay.port} {stats_server.sockets[0].getsockname()[1]}", flush=True)
    parent = os.getppid()
    loop = asyncio.get_running_loop()
    stop_at = loop.time() + args.max_seconds
    try:
        while loop.time() < stop_at and os.getppid() == parent:
            await asyncio.sleep(0.5)
    finally:
        stats_server.close()
        await relay.close()


def main(argv: list[str] | None = None) -> None:
    """Command line entry point (``READY <port> <stats port>`` on stdout)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target-port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=20.0, help="one-way delay")
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="stop after this long")
    parser.add_argument(
        "--no-handshake", action="store_true", help="no extra round trip for new connections"
    )
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
