"""Streamed text containing Unicode line separators arrives whole.

Servers that write JSON with raw UTF-8 (``ensure_ascii=False``) put U+2028,
U+2029 and U+0085 into an event's ``data:`` line unescaped. SSE ends lines only
at CR, LF or CRLF; httpx-sse before 0.4.2 also split on these characters, which
cut such an event in two and broke its JSON. The package's own decoder
(``_sse.SSEDecoder``) must not; this was first the reason for the
``httpx-sse>=0.4.2`` floor, when httpx-sse decoded the stream.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from .fakes import FakeAPI, text_stream

PIECES = ("line\u2028separator, ", "paragraph\u2029separator, ", "next\x85line.")


def raw_utf8_stream(request: httpx.Request) -> httpx.Response:
    """The reply as such a server sends it: JSON with the characters unescaped."""
    events: list[Any] = text_stream(*PIECES)
    body = "".join(f"data: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events)
    body += "data: [DONE]\n\n"
    assert "\u2028" in body
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())


def test_stream_keeps_unicode_line_separators_inside_text() -> None:
    model = FakeAPI(raw_utf8_stream).model()

    chunks = list(model.stream("hi"))

    assert "".join(str(c.content) for c in chunks) == "".join(PIECES)
    message = sum(chunks[1:], chunks[0])
    assert message.response_metadata["finish_reason"] == "stop"


@pytest.mark.asyncio
async def test_astream_keeps_unicode_line_separators_inside_text() -> None:
    model = FakeAPI(raw_utf8_stream).model()

    chunks = [c async for c in model.astream("hi")]

    assert "".join(str(c.content) for c in chunks) == "".join(PIECES)
    message = sum(chunks[1:], chunks[0])
    assert message.response_metadata["finish_reason"] == "stop"
