"""`SSEParser` yields what httpx-sse yields, however the bytes are split.

Run: ``.venv/bin/pytest benchmarks/test_proposals.py -q -p no:cacheprovider``
"""

from __future__ import annotations

import itertools

import httpx
from httpx_sse import EventSource
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.proposals import SSEParser, loads

_LINE = st.sampled_from(
    [
        b'data: {"a": 1}',
        b'data:{"b":2}',
        b"data: [DONE]",
        b"data: x",
        b"data:",
        b"event: error",
        b"event: message",
        b": keep-alive",
        b"id: 7",
        b"retry: 10",
        b"",
        "data: caf\u00e9 \u2603".encode(),
    ]
)
_EOL = st.sampled_from([b"\n", b"\r\n", b"\r"])


def _reference(raw: bytes) -> list[tuple[str, str]]:
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=raw)
    return [
        (sse.event if sse.event != "message" else "", sse.data)
        for sse in EventSource(response).iter_sse()
        if sse.data
    ]


def _ours(raw: bytes, cuts: list[int]) -> list[tuple[str, str]]:
    parser = SSEParser()
    out = []
    bounds = sorted({0, len(raw), *(c % (len(raw) + 1) for c in cuts)})
    for start, end in itertools.pairwise(bounds):
        for event, data in parser.feed(raw[start:end]):
            if data:
                out.append((event if event != "message" else "", data.decode()))
    out.extend(
        (event if event != "message" else "", data.decode())
        for event, data in parser.flush()
        if data
    )
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(_LINE, _EOL), max_size=30),
    st.lists(st.integers(min_value=0, max_value=2000), max_size=8),
)
def test_parser_matches_httpx_sse(lines: list[tuple[bytes, bytes]], cuts: list[int]) -> None:
    raw = b"".join(line + eol for line, eol in lines)
    assert _ours(raw, cuts) == _reference(raw)


def test_loads_falls_back_to_json_for_what_orjson_refuses() -> None:
    assert loads(b'{"x": NaN}')["x"] != loads(b'{"x": NaN}')["x"]  # NaN, as json gives
    assert loads(b'{"n": 123456789012345678901234567890}')["n"] == 123456789012345678901234567890
    assert loads('{"s": "caf\u00e9"}'.encode()) == {"s": "caf\u00e9"}
