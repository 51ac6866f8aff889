"""Streams that go wrong, over real loopback sockets, sync and async.

In every case the chunks that arrived before the fault reach the caller, and
then the fault is raised: nothing is silently truncated, nothing is lost.
"""

from __future__ import annotations

import pytest

from langchain_gradient import ChatGradient
from langchain_gradient.errors import GradientStreamError

from .loopback import SECRET, LoopbackServer, Reply, delta, patch_sleep, stream

MODES = ["sync", "async"]


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_sleep(monkeypatch)


def run(reply: Reply, mode: str, **kwargs: object) -> tuple[list[str], Exception | None, int]:
    """Stream one reply through ChatGradient: (texts received, exception, requests)."""
    with LoopbackServer([reply]) as server:
        model = ChatGradient(base_url=server.base_url, api_key=SECRET, **kwargs)  # type: ignore[arg-type]
        chunks, exc = stream(model, mode, "hi")
        model.close()
        requests = len(server.requests)
    return [c.text for c in chunks], exc, requests


@pytest.mark.parametrize("mode", MODES)
def test_error_event_mid_stream_raises_after_earlier_chunks(mode: str) -> None:
    error = {"error": {"message": "upstream model crashed", "type": "server_error"}}
    texts, exc, requests = run(Reply.sse([delta("Hel"), delta("lo"), error]), mode)
    assert texts == ["Hel", "lo"]
    assert isinstance(exc, GradientStreamError)
    assert "upstream model crashed" in str(exc)
    assert requests == 1


@pytest.mark.parametrize("mode", MODES)
def test_sse_error_event_type_raises(mode: str) -> None:
    raw = [
        b'data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n',
        b"event: error\ndata: rate limited mid-stream\n\n",
    ]
    reply = Reply(headers={"content-type": "text/event-stream"}, raw_events=raw)
    texts, exc, _ = run(reply, mode)
    assert texts == ["Hi"]
    assert isinstance(exc, GradientStreamError)
    assert "rate limited mid-stream" in str(exc)


@pytest.mark.parametrize("mode", MODES)
def test_malformed_json_quotes_the_bad_line_truncated(mode: str) -> None:
    bad = '{"choices": [{"delta": {"content": "' + "x" * 5000
    texts, exc, _ = run(Reply.sse([delta("ok"), bad]), mode)
    assert texts == ["ok"]
    assert isinstance(exc, GradientStreamError)
    message = str(exc)
    assert "malformed JSON" in message
    assert '{"choices": [{"delta": {"content": "xxx' in message
    assert "..." in message
    assert len(message) < 400
    assert not exc.is_retryable


@pytest.mark.parametrize("mode", MODES)
def test_connection_dropped_before_done_raises_after_chunks(mode: str) -> None:
    reply = Reply.sse([delta("one "), delta("two ")], done=False, drop=True)
    texts, exc, requests = run(reply, mode, max_retries=3)
    assert texts == ["one ", "two "]
    assert isinstance(exc, GradientStreamError)
    assert "broke off" in str(exc)
    assert exc.is_retryable
    assert requests == 1  # already delivered chunks: never retried


@pytest.mark.parametrize("mode", MODES)
def test_stalled_stream_times_out_after_chunks(mode: str) -> None:
    reply = Reply.sse([delta("waiting")], done=False)
    reply.stall = True
    texts, exc, _ = run(reply, mode, timeout=0.2)
    assert texts == ["waiting"]
    assert isinstance(exc, GradientStreamError)
    assert "read timeout (ReadTimeout)" in str(exc)
    assert exc.is_retryable


@pytest.mark.parametrize("mode", MODES)
def test_clean_end_without_done_but_with_finish_reason_is_complete(mode: str) -> None:
    reply = Reply.sse([delta("all"), delta(" here"), delta(finish_reason="stop")], done=False)
    texts, exc, _ = run(reply, mode)
    assert exc is None
    assert "".join(texts) == "all here"


@pytest.mark.parametrize("mode", MODES)
def test_clean_end_without_done_or_finish_reason_is_incomplete(mode: str) -> None:
    reply = Reply.sse([delta("cut"), delta(" sho")], done=False)
    texts, exc, _ = run(reply, mode)
    assert texts == ["cut", " sho"]
    assert isinstance(exc, GradientStreamError)
    assert "[DONE]" in str(exc)
    assert "finish_reason" in str(exc)


@pytest.mark.parametrize("mode", MODES)
def test_done_without_finish_reason_is_accepted(mode: str) -> None:
    texts, exc, _ = run(Reply.sse([delta("short")]), mode)
    assert exc is None
    assert texts[0] == "short"


@pytest.mark.parametrize("mode", MODES)
def test_json_answer_to_a_stream_request_raises_with_the_body(mode: str) -> None:
    reply = Reply.json({"error": {"message": "streaming disabled for this model"}})
    texts, exc, _ = run(reply, mode)
    assert texts == []
    assert isinstance(exc, GradientStreamError)
    assert "text/event-stream" in str(exc)
    assert "streaming disabled for this model" in str(exc)


@pytest.mark.parametrize("mode", MODES)
def test_invoke_with_streaming_true_does_not_return_a_truncated_message(mode: str) -> None:
    reply = Reply.sse([delta("half an ans")], done=False, drop=True)
    with LoopbackServer([reply]) as server:
        model = ChatGradient(base_url=server.base_url, api_key=SECRET, streaming=True)
        from .loopback import invoke

        with pytest.raises(GradientStreamError):
            invoke(model, mode, "hi")
        model.close()
