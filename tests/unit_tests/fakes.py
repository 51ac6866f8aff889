"""A scripted Chat Completions API on ``httpx.MockTransport`` (no sockets).

``FakeAPI`` records every request body and answers with queued replies: a JSON
completion, or a list of stream events rendered as SSE.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from langchain_gradient import ChatGradient

Reply = dict[str, Any] | list[Any] | httpx.Response | Callable[[httpx.Request], httpx.Response]


def completion(
    content: str | None = "Hello!",
    *,
    model: str = "served-model",
    finish_reason: str = "stop",
    usage: dict[str, Any] | None = None,
    **message: Any,
) -> dict[str, Any]:
    """A ``chat.completion`` body with one choice."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1771946745,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, **message},
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
        "usage": usage or {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12},
    }


def chunk(delta: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A ``chat.completion.chunk`` event; ``delta=None`` gives empty ``choices``."""
    event: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1771946745,
        "model": fields.pop("model", "served-model"),
        "choices": [],
    }
    if delta is not None:
        event["choices"] = [
            {"index": 0, "delta": delta, "finish_reason": fields.pop("finish_reason", None)}
        ]
    event.update(fields)
    return event


def sse(events: list[Any], *, done: bool = True) -> bytes:
    """Render events as a ``text/event-stream`` body."""
    parts = [f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events]
    if done:
        parts.append("data: [DONE]\n\n")
    return "".join(parts).encode()


def text_stream(*pieces: str, usage: dict[str, Any] | None = None) -> list[Any]:
    """Events of a streamed text reply: role chunk, pieces, finish, usage."""
    events: list[Any] = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": piece}) for piece in pieces]
    events.append(chunk({}, finish_reason="stop"))
    events.append(
        chunk(usage=usage or {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7})
    )
    return events


class FakeAPI:
    """Answers queued replies in order (the last one repeats) and records requests."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies) or [completion()]
        self.requests: list[httpx.Request] = []

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]

    @property
    def body(self) -> dict[str, Any]:
        return self.bodies[-1]

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies[min(len(self.requests), len(self.replies)) - 1]
        if callable(reply):
            return reply(request)
        if isinstance(reply, httpx.Response):
            return reply
        if isinstance(reply, list):
            return httpx.Response(
                200, headers={"content-type": "text/event-stream"}, content=sse(reply)
            )
        return httpx.Response(200, json=reply)

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return self.handle(request)

    def model(self, **kwargs: Any) -> ChatGradient:
        """A ChatGradient wired to this fake (sync and async)."""
        kwargs.setdefault("api_key", "sk-do-test-key")
        return ChatGradient(
            http_client=httpx.Client(transport=httpx.MockTransport(self.handle)),
            http_async_client=httpx.AsyncClient(transport=httpx.MockTransport(self.ahandle)),
            **kwargs,
        )
