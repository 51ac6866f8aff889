"""`SSEDecoder` follows the event-stream rules, however the bytes are split.

The property test checks it against httpx-sse (a compliant decoder) on
generated streams: random fields and values, random line-end styles, and random
cuts of the bytes into network reads (cuts land inside CRLF pairs and inside
multi-byte UTF-8 characters). The example tests pin the rules one at a time,
including the ones where httpx-sse is not the reference (a byte-order mark,
``retry`` values that are not plain digits).
"""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import httpx
import pytest
from httpx_sse import EventSource
from hypothesis import given, settings
from hypothesis import strategies as st

from langchain_gradient._sse import ServerSentEvent, SSEDecoder
from langchain_gradient.errors import GradientStreamError

from .fakes import FakeAPI, chunk, sse, text_stream

# ---------------------------------------------------------------- helpers


def decode(pieces: Sequence[bytes]) -> tuple[list[ServerSentEvent], SSEDecoder]:
    decoder = SSEDecoder()
    events = [event for piece in pieces for event in decoder.feed(piece)]
    return events, decoder


def events_of(*pieces: bytes) -> list[ServerSentEvent]:
    return decode(pieces)[0]


def cut(raw: bytes, cuts: list[int]) -> list[bytes]:
    bounds = sorted({0, len(raw), *(c % (len(raw) + 1) for c in cuts)})
    return [raw[a:b] for a, b in itertools.pairwise(bounds)]


def reference(pieces: list[bytes]) -> list[tuple[str, str, str, int | None]]:
    """What httpx-sse dispatches for the same reads, through a real httpx response."""
    response = httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content=iter(pieces)
    )
    return [(e.event, e.data, e.id, e.retry) for e in EventSource(response).iter_sse()]


# ------------------------------------------------------- property vs httpx-sse

# Values may hold anything but line ends: U+2028/U+2029/U+0085 and non-BMP
# characters included, so they must come through as data.
_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(exclude_characters="\r\n", exclude_categories=("Cs",)),
        st.sampled_from(["\u2028", "\u2029", "\u0085", "é", "☃", "😀", ":", " ", "\0"]),
    ),
    max_size=12,
)
_FIELD = st.one_of(
    st.tuples(st.just("data"), _TEXT),
    st.tuples(st.just("event"), _TEXT),
    st.tuples(st.just("id"), _TEXT),
    st.tuples(st.just("retry"), st.from_regex(r"[0-9]{1,6}", fullmatch=True)),
    st.tuples(st.just(""), _TEXT),  # a comment
    st.tuples(st.sampled_from(["foo", "Data", "data ", "DATA"]), _TEXT),  # unknown fields
)
_EOL = st.sampled_from([b"\n", b"\r\n", b"\r"])


@st.composite
def _line(draw: st.DrawFn) -> bytes:
    name, value = draw(_FIELD)
    if name == "":
        return b":" + value.encode()
    style = draw(st.sampled_from(["space", "bare", "no-colon"]))
    if style == "no-colon":
        return name.encode()  # the whole line is the field name, the value is empty
    sep = ": " if style == "space" else ":"
    return (name + sep + value).encode()


@st.composite
def _stream(draw: st.DrawFn) -> bytes:
    """Complete events (each closed by a blank line), then maybe an unfinished one."""
    out = b""

    def end_line() -> bytes:
        eol = draw(_EOL)
        # CR then LF would be one CRLF, not two line ends.
        return b"\r\n" if eol == b"\n" and out.endswith(b"\r") else eol

    for _ in range(draw(st.integers(0, 8))):
        for line in draw(st.lists(_line(), max_size=5)):
            out += line
            out += end_line()
        out += end_line()
    for line in draw(st.lists(st.sampled_from([b"data: tail", b"event: x"]), max_size=2)):
        out += line
        out += end_line()
    return out


@settings(max_examples=400, deadline=None)
@given(_stream(), st.lists(st.integers(min_value=0, max_value=4000), max_size=12))
def test_same_events_as_httpx_sse_however_the_bytes_are_split(raw: bytes, cuts: list[int]) -> None:
    pieces = cut(raw, cuts)
    ours, decoder = decode(pieces)
    theirs = reference(pieces)
    # httpx-sse also dispatches events that had no data line (an id or event
    # alone); the spec and we do not. Every event that carries data agrees.
    assert [e for e in ours if e[1]] == [(t, d, i) for t, d, i, _ in theirs if d]
    retries = [r for *_, r in theirs if r is not None]
    assert decoder.retry == (retries[-1] if retries else None)


# ------------------------------------------------------------ line ends


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
def test_each_line_end_style(eol: bytes) -> None:
    raw = b"event: e" + eol + b"data: a" + eol + b"data: b" + eol + eol
    assert events_of(raw) == [("e", "a\nb", "")]


def test_crlf_split_across_reads_is_one_line_end() -> None:
    assert events_of(b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n") == [("message", "a\nb", "")]


def test_cr_at_the_end_of_a_read_ends_the_line_at_once() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r\r") == [("message", "a", "")]
    assert decoder.feed(b"\ndata: b\r\n\r\n") == [("message", "b", "")]


def test_unicode_line_separators_are_data_not_line_ends() -> None:
    text = "a\u2028b\u2029c\u0085d\x0be\x0cf\x1cg"
    assert events_of(f"data: {text}\n\n".encode()) == [("message", text, "")]


def test_multibyte_utf8_split_across_reads() -> None:
    raw = "data: é☃😀\n\n".encode()
    for i in range(1, len(raw)):
        assert events_of(raw[:i], raw[i:]) == [("message", "é☃😀", "")], i
    assert events_of(*(raw[i : i + 1] for i in range(len(raw)))) == [("message", "é☃😀", "")]


def test_invalid_utf8_is_replaced_not_raised() -> None:
    assert events_of(b"data: a\xffb\n\n") == [("message", "a\ufffdb", "")]


# ----------------------------------------------------------------- fields


def test_data_with_and_without_the_space() -> None:
    raw = b"data:a\ndata: b\ndata:  c\ndata\ndata:\n\n"
    assert events_of(raw) == [("message", "a\nb\n c\n\n", "")]


def test_comments_and_keep_alives_dispatch_nothing() -> None:
    assert events_of(b": keep-alive\n\n:\n\n: ping\ndata: x\n\n") == [("message", "x", "")]


def test_blank_lines_alone_dispatch_nothing() -> None:
    assert events_of(b"\n\n\r\n\r\r") == []


def test_event_names_the_next_event_only() -> None:
    raw = b"event: error\ndata: x\n\ndata: y\n\nevent: lone\n\ndata: z\n\n"
    assert events_of(raw) == [("error", "x", ""), ("message", "y", ""), ("message", "z", "")]


def test_id_persists_and_one_with_nul_is_ignored() -> None:
    raw = b"id: 1\ndata: a\n\ndata: b\n\nid: 2\x003\ndata: c\n\nid\ndata: d\n\n"
    assert events_of(raw) == [
        ("message", "a", "1"),
        ("message", "b", "1"),
        ("message", "c", "1"),
        ("message", "d", ""),
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"retry: 1500", 1500),
        (b"retry:007", 7),
        (b"retry: 1a", None),
        (b"retry: -5", None),
        (b"retry: +5", None),
        (b"retry: 1_000", None),
        (b"retry:  5", None),
        ("retry: \u0661\u0662".encode(), None),  # Arabic-Indic digits are not ASCII digits
        (b"retry:", None),
    ],
)
def test_retry_takes_ascii_digits_only(line: bytes, expected: int | None) -> None:
    _, decoder = decode([line + b"\n"])
    assert decoder.retry == expected


def test_retry_too_long_for_an_int_is_ignored_not_raised() -> None:
    _, decoder = decode([b"retry: 5\nretry: " + b"9" * 5000 + b"\ndata: x\n\n"])
    assert decoder.retry == 5


def test_invalid_utf8_at_a_line_end_is_one_replacement_per_line() -> None:
    assert events_of(b"data: a\xe2\x82\ndata: b\xf0\n\n") == [("message", "a\ufffd\nb\ufffd", "")]


def test_unknown_fields_are_ignored() -> None:
    assert events_of(b"foo: bar\nDATA: no\ndata: yes\n\n") == [("message", "yes", "")]


def test_byte_order_mark_at_stream_start_is_skipped_once() -> None:
    bom = "\ufeff".encode()
    assert events_of(bom + b"data: a\n\n") == [("message", "a", "")]
    assert events_of(bom[:1], bom[1:] + b"da", b"ta: a\n\n") == [("message", "a", "")]
    # Only at the start: a second one is part of the field name (an unknown field).
    assert events_of(bom + bom + b"data: a\n\ndata: b\n\n") == [("message", "b", "")]


def test_unfinished_event_at_the_end_is_dropped() -> None:
    assert events_of(b"data: a\n\ndata: b\n") == [("message", "a", "")]
    assert events_of(b"data: a\n\ndata: b") == [("message", "a", "")]


def test_a_megabyte_event_in_small_reads() -> None:
    value = "x" * (1 << 20)
    raw = f"data: {value}\ndata: {value}\n\n".encode()
    pieces = [raw[i : i + 1000] for i in range(0, len(raw), 1000)]
    assert events_of(*pieces) == [("message", f"{value}\n{value}", "")]


# --------------------------------------------------- through ChatGradient


class _Pieces(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that arrives in the given reads, sync or async."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces

    def __iter__(self) -> Iterator[bytes]:
        yield from self.pieces

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece


def _stream_text(pieces: list[bytes], mode: str, **headers: str) -> str:
    response = httpx.Response(
        200,
        headers={"content-type": "text/event-stream", **headers},
        stream=_Pieces(pieces),
    )
    model = FakeAPI(response).model()
    if mode == "sync":
        return "".join(c.text for c in model.stream("hi"))

    async def collect() -> str:
        return "".join([c.text async for c in model.astream("hi")])

    return asyncio.run(collect())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_gzip_encoded_stream(mode: str) -> None:
    body = gzip.compress(sse(text_stream("héllo", " wörld", "!")))
    pieces = [body[i : i + 7] for i in range(0, len(body), 7)]
    assert _stream_text(pieces, mode, **{"content-encoding": "gzip"}) == "héllo wörld!"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_corrupt_gzip_mid_stream_is_a_stream_error_after_the_chunks_received(mode: str) -> None:
    whole = gzip.compress(sse(text_stream("first", *[f" w{n * 7919 % 10007}" for n in range(400)])))
    # The first half inflates to complete events; then deflate data is corrupt.
    cut = len(whole) // 2
    pieces = [whole[:cut], b"\xff" * 30 + whole[cut + 30 :]]
    response = httpx.Response(
        200,
        headers={"content-type": "text/event-stream", "content-encoding": "gzip"},
        stream=_Pieces(pieces),
    )
    model = FakeAPI(response).model()
    received: list[str] = []

    async def collect_async() -> None:
        async for c in model.astream("hi"):
            received.append(c.text)

    def collect() -> None:
        if mode == "sync":
            received.extend(c.text for c in model.stream("hi"))
        else:
            asyncio.run(collect_async())

    with pytest.raises(GradientStreamError, match="broke off"):
        collect()
    assert "".join(received).startswith("first")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_crlf_stream_in_one_byte_reads(mode: str) -> None:
    events: list[Any] = text_stream("a", "\u2028", "é")
    body = "".join(f"data: {json.dumps(e, ensure_ascii=False)}\r\n\r\n" for e in events)
    raw = (body + "data: [DONE]\r\n\r\n").encode()
    pieces = [raw[i : i + 1] for i in range(len(raw))]
    assert _stream_text(pieces, mode) == "a\u2028é"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_multiline_data_event_is_one_json_payload(mode: str) -> None:
    text = json.dumps(chunk({"content": "hi"}), indent=1)
    data_lines = "".join(f"data: {line}\n" for line in text.split("\n"))
    finish = json.dumps(chunk({}, finish_reason="stop"))
    raw = f": keep-alive\n\n{data_lines}\ndata: {finish}\n\ndata: [DONE]\n\n".encode()
    assert _stream_text([raw], mode) == "hi"


def _raw_stream(*pieces: str) -> bytes:
    """A streamed reply whose first event already carries text, as UTF-8 (not ASCII-escaped)."""
    events = [chunk({"content": piece}) for piece in pieces]
    events.append(chunk({}, finish_reason="stop"))
    body = "".join(f"data: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events)
    return (body + "data: [DONE]\n\n").encode()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_byte_order_mark_does_not_hide_the_first_chunk(mode: str) -> None:
    raw = "\ufeff".encode() + _raw_stream("first", " second")
    assert _stream_text([raw], mode) == "first second"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_event_stream_is_utf8_whatever_the_charset_says(mode: str) -> None:
    raw = _raw_stream("café ☃")
    headers = {"content-type": "text/event-stream; charset=latin-1"}
    assert _stream_text([raw], mode, **headers) == "café ☃"
