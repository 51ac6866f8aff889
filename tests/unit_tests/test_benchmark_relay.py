"""The benchmark's delaying relay (`benchmarks.relay`): delay, order, counting, clean close."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from benchmarks.relay import DelayRelay, RelayProcess

DELAY = 0.03


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


@pytest.fixture
async def echo_port() -> AsyncIterator[int]:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def _round_trip(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, payload: bytes
) -> float:
    start = time.perf_counter()
    writer.write(payload)
    assert await reader.readexactly(len(payload)) == payload
    return time.perf_counter() - start


async def _closed(writer: asyncio.StreamWriter) -> None:
    writer.close()
    await writer.wait_closed()


async def test_every_round_trip_pays_the_delay_both_ways(echo_port: int) -> None:
    relay = DelayRelay(echo_port, DELAY, handshake=False)
    await relay.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", relay.port)
    try:
        for _ in range(3):
            assert await _round_trip(reader, writer, b"ping") >= 2 * DELAY
    finally:
        await _closed(writer)
        await relay.close()


async def test_a_new_connection_pays_one_more_round_trip(echo_port: int) -> None:
    relay = DelayRelay(echo_port, DELAY)
    await relay.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", relay.port)
    try:
        assert await _round_trip(reader, writer, b"hello") >= 4 * DELAY
        second = await _round_trip(reader, writer, b"again")
        assert second >= 2 * DELAY
    finally:
        await _closed(writer)
        await relay.close()


async def test_segments_arrive_complete_and_in_order(echo_port: int) -> None:
    relay = DelayRelay(echo_port, 0.005, handshake=False)
    await relay.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", relay.port)
    try:
        pieces = [f"{i:05d};".encode() * (1 + i % 50) for i in range(300)]
        for piece in pieces:  # many small writes, some coalesced, some not
            writer.write(piece)
            if len(piece) % 7 == 0:
                await asyncio.sleep(0)
        big = bytes(range(256)) * 12_000  # ~3 MiB: past the relay's high-water mark
        writer.write(big)
        expected = b"".join(pieces) + big
        assert await reader.readexactly(len(expected)) == expected
    finally:
        await _closed(writer)
        await relay.close()


async def test_counts_accepted_connections_and_forgets_closed_ones(echo_port: int) -> None:
    relay = DelayRelay(echo_port, 0.001, handshake=False)
    await relay.start()
    streams = [await asyncio.open_connection("127.0.0.1", relay.port) for _ in range(3)]
    try:
        for reader, writer in streams:
            await _round_trip(reader, writer, b"x")
        assert (relay.accepted, relay.open) == (3, 3)
        reader, writer = streams.pop()
        await _closed(writer)
        for _ in range(200):  # the close reaches the far side after the delay
            if relay.open == 2:
                break
            await asyncio.sleep(0.005)
        assert (relay.accepted, relay.open) == (3, 2)
    finally:
        for _, writer in streams:
            await _closed(writer)
        await relay.close()
    assert relay.open == 0


async def test_close_ends_open_connections(echo_port: int) -> None:
    relay = DelayRelay(echo_port, 0.001, handshake=False)
    await relay.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", relay.port)
    try:
        await _round_trip(reader, writer, b"x")
        await relay.close()
        assert await asyncio.wait_for(reader.read(), timeout=5) == b""  # EOF, not a hang
        assert relay.open == 0
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", relay.port)
    finally:
        await _closed(writer)


async def test_an_unreachable_target_closes_the_client() -> None:
    probe = await asyncio.start_server(_echo, "127.0.0.1", 0)
    dead_port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    relay = DelayRelay(dead_port, 0.001, handshake=False)
    await relay.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", relay.port)
    try:
        assert await asyncio.wait_for(reader.read(), timeout=5) == b""
        assert relay.accepted == 1
    finally:
        await _closed(writer)
        await relay.close()


def test_a_negative_delay_is_refused() -> None:
    with pytest.raises(ValueError, match="delay must be >= 0"):
        DelayRelay(1, -0.1)


async def test_the_relay_process_counts_and_stops(echo_port: int) -> None:
    relay = await asyncio.to_thread(RelayProcess, echo_port, 1.0)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", relay.port)
        try:
            assert await _round_trip(reader, writer, b"through a process") >= 0.002
            assert await asyncio.to_thread(relay.stats) == (1, 1)
        finally:
            await _closed(writer)
    finally:
        await asyncio.to_thread(relay.close)
    assert relay.proc.returncode is not None
