"""Content blocks -> wire parts: every accepted block type, and every refusal."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from langchain_gradient import GradientInvalidInputError
from langchain_gradient._request import format_content
from langchain_gradient.caching import cache_control, cached_system_message, cached_text

from .fakes import FakeAPI

PNG = "iVBORw0KGgo="
MP4 = "AAAAIGZ0eXA="
URL = "https://example.com/cat.png"
VIDEO = "https://example.com/clip.mp4"
EPHEMERAL_1H = {"type": "ephemeral", "ttl": "1h"}


def image_url(url: str, **extra: Any) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url, **extra}}


def video_url(url: str) -> dict[str, Any]:
    return {"type": "video_url", "video_url": {"url": url}}


ACCEPTED = {
    "bare string": ("hello", {"type": "text", "text": "hello"}),
    "text": ({"type": "text", "text": "hi"}, {"type": "text", "text": "hi"}),
    "text, extra keys dropped": (
        {"type": "text", "text": "hi", "id": "b1", "annotations": []},
        {"type": "text", "text": "hi"},
    ),
    "text, Anthropic cache_control": (
        {"type": "text", "text": "hi", "cache_control": EPHEMERAL_1H},
        {"type": "text", "text": "hi", "cache_control": EPHEMERAL_1H},
    ),
    "text, v1 extras cache_control": (
        {"type": "text", "text": "hi", "extras": {"cache_control": {"type": "ephemeral"}}},
        {"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}},
    ),
    "v1 image url": ({"type": "image", "url": URL}, image_url(URL)),
    "v1 image url, extras detail": (
        {"type": "image", "url": URL, "extras": {"detail": "high"}},
        image_url(URL, detail="high"),
    ),
    "v1 image url, detail": (
        {"type": "image", "url": URL, "detail": "low"},
        image_url(URL, detail="low"),
    ),
    "v1 image base64": (
        {"type": "image", "base64": PNG, "mime_type": "image/png"},
        image_url(f"data:image/png;base64,{PNG}"),
    ),
    "v0 image url": ({"type": "image", "source_type": "url", "url": URL}, image_url(URL)),
    "v0 image base64": (
        {"type": "image", "source_type": "base64", "data": PNG, "mime_type": "image/jpeg"},
        image_url(f"data:image/jpeg;base64,{PNG}"),
    ),
    "v1 file, image mime, base64": (
        {"type": "file", "base64": PNG, "mime_type": "image/png"},
        image_url(f"data:image/png;base64,{PNG}"),
    ),
    "v1 file, image mime, url": (
        {"type": "file", "url": URL, "mime_type": "image/webp"},
        image_url(URL),
    ),
    "v1 file, video mime, url": (
        {"type": "file", "url": VIDEO, "mime_type": "video/mp4"},
        video_url(VIDEO),
    ),
    "v1 file, video mime, base64": (
        {"type": "file", "base64": MP4, "mime_type": "video/mp4"},
        video_url(f"data:video/mp4;base64,{MP4}"),
    ),
    "v1 video url": ({"type": "video", "url": VIDEO}, video_url(VIDEO)),
    "v1 video base64": (
        {"type": "video", "base64": MP4, "mime_type": "video/mp4"},
        video_url(f"data:video/mp4;base64,{MP4}"),
    ),
    "v0 video url": ({"type": "video", "source_type": "url", "url": VIDEO}, video_url(VIDEO)),
    "OpenAI image_url with detail": (image_url(URL, detail="auto"), image_url(URL, detail="auto")),
    "OpenAI image_url as string": ({"type": "image_url", "image_url": URL}, image_url(URL)),
    "OpenAI image_url data URI": (
        image_url(f"data:image/png;base64,{PNG}"),
        image_url(f"data:image/png;base64,{PNG}"),
    ),
    "video_url": (video_url(VIDEO), video_url(VIDEO)),
    "Anthropic image, base64 source": (
        {"type": "image", "source": {"type": "base64", "media_type": "image/gif", "data": PNG}},
        image_url(f"data:image/gif;base64,{PNG}"),
    ),
    "Anthropic image, url source": (
        {"type": "image", "source": {"type": "url", "url": URL}},
        image_url(URL),
    ),
}


@pytest.mark.parametrize(("block", "part"), list(ACCEPTED.values()), ids=list(ACCEPTED))
def test_user_block_becomes_exact_wire_part(block: Any, part: dict[str, Any]) -> None:
    assert format_content([block], 0, "user") == [part]


def test_string_content_stays_a_string() -> None:
    assert format_content("plain", 0, "user") == "plain"


def test_block_is_not_mutated() -> None:
    block = {"type": "image", "url": URL, "extras": {"detail": "high"}}
    format_content([block], 0, "user")
    assert block == {"type": "image", "url": URL, "extras": {"detail": "high"}}


REFUSED = {
    "v1 audio": (
        {"type": "audio", "base64": "UklGRg==", "mime_type": "audio/wav"},
        "user",
        "message 3 (user): content block of type 'audio' is not supported",
    ),
    "OpenAI input_audio": (
        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
        "user",
        "content block of type 'input_audio' is not supported",
    ),
    "v1 PDF file": (
        {"type": "file", "base64": "JVBERi0=", "mime_type": "application/pdf"},
        "user",
        "message 3: file block with mime type 'application/pdf' is not supported",
    ),
    "OpenAI file part": (
        {"type": "file", "file": {"filename": "a.pdf", "file_data": "data:..."}},
        "user",
        "message 3: file block with mime type 'unknown' is not supported",
    ),
    "v1 file without mime type": (
        {"type": "file", "url": "https://example.com/x"},
        "user",
        "file block with mime type 'unknown'",
    ),
    "v1 image by file id": (
        {"type": "image", "file_id": "file-1"},
        "user",
        "message 3: image block referencing a file id is not supported",
    ),
    "v0 image by id": (
        {"type": "image", "source_type": "id", "id": "file-1"},
        "user",
        "message 3: image block referencing a file id is not supported",
    ),
    "v1 file with image mime by file id": (
        {"type": "file", "file_id": "file-1", "mime_type": "image/png"},
        "user",
        "image block referencing a file id",
    ),
    "base64 image without mime type": (
        {"type": "image", "base64": PNG},
        "user",
        "message 3: 'image' block cannot be converted: mime_type key is required",
    ),
    "image with neither url nor base64": (
        {"type": "image"},
        "user",
        "message 3: 'image' block cannot be converted",
    ),
    "base64 video without mime type": (
        {"type": "video", "base64": MP4},
        "user",
        "message 3: 'video' block cannot be converted",
    ),
    "image_url without url": (
        {"type": "image_url", "image_url": {"detail": "high"}},
        "user",
        "message 3: image_url block needs",
    ),
    "Anthropic base64 source without media_type": (
        {"type": "image", "source": {"type": "base64", "data": PNG}},
        "user",
        "message 3: base64 image source needs 'data' and 'media_type'",
    ),
    "Anthropic file source": (
        {"type": "image", "source": {"type": "file", "file_id": "f"}},
        "user",
        "message 3: image source of type 'file' is not supported",
    ),
    "Anthropic document": (
        {"type": "document", "source": {"type": "text", "data": "x"}},
        "user",
        "content block of type 'document' is not supported",
    ),
    "v1 text-plain": (
        {"type": "text-plain", "text": "x", "mime_type": "text/plain"},
        "user",
        "content block of type 'text-plain' is not supported",
    ),
    "non_standard": (
        {"type": "non_standard", "value": {"x": 1}},
        "user",
        "content block of type 'non_standard' is not supported",
    ),
    "tool_use in a user turn": (
        {"type": "tool_use", "id": "t", "name": "f", "input": {}},
        "user",
        "content block of type 'tool_use' is not supported",
    ),
    "block without type": ({"text": "x"}, "user", "content block of type None"),
    "image in a tool message": (
        {"type": "image", "url": URL},
        "tool",
        "message 3 (tool): content block of type 'image' is not supported by the Gradient "
        "chat completions API; images and videos are only accepted in user messages",
    ),
    "image_url in a tool message": (
        image_url(URL),
        "tool",
        "images and videos are only accepted in user messages",
    ),
    "image_url in a system message": (
        image_url(URL),
        "system",
        "message 3 (system): content block of type 'image_url'",
    ),
    "video in a developer message": (
        {"type": "video", "url": VIDEO},
        "developer",
        "images and videos are only accepted in user messages",
    ),
    "cache_control on an image": (
        {**image_url(URL), "cache_control": {"type": "ephemeral"}},
        "user",
        "message 3: cache_control on a 'image_url' block is not supported",
    ),
    "cache_control (extras) on a v1 image": (
        {"type": "image", "url": URL, "extras": {"cache_control": {"type": "ephemeral"}}},
        "user",
        "cache_control on a 'image' block is not supported",
    ),
    "cache_control not an object": (
        {"type": "text", "text": "x", "cache_control": "ephemeral"},
        "user",
        "message 3: cache_control must be an object",
    ),
    "text without text": (
        {"type": "text", "text": None},
        "system",
        "message 3: text block has no string 'text'",
    ),
    "content item that is not a block": (5, "user", "message 3: content item of type int"),
}


@pytest.mark.parametrize(("block", "role", "error"), list(REFUSED.values()), ids=list(REFUSED))
def test_refused_block_names_type_and_message(block: Any, role: str, error: str) -> None:
    with pytest.raises(GradientInvalidInputError) as info:
        format_content([block], 3, role)
    assert error in str(info.value)


def test_refusal_through_the_model_names_the_message_index_and_sends_nothing() -> None:
    api = FakeAPI()
    model = api.model()
    messages = [
        SystemMessage("be brief"),
        HumanMessage("hi"),
        AIMessage("hello"),
        HumanMessage([{"type": "text", "text": "listen"}, {"type": "audio", "url": "x.wav"}]),
    ]
    with pytest.raises(GradientInvalidInputError, match=r"message 3 \(user\).*'audio'"):
        model.invoke(messages)
    assert api.requests == []


def test_mixed_user_content_on_the_wire() -> None:
    api = FakeAPI()
    api.model().invoke(
        [
            HumanMessage(
                [
                    {"type": "text", "text": "What is in these?"},
                    {"type": "image", "base64": PNG, "mime_type": "image/png"},
                    {"type": "image_url", "image_url": {"url": URL, "detail": "low"}},
                    {"type": "video", "url": VIDEO},
                ]
            )
        ]
    )
    assert api.body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in these?"},
                image_url(f"data:image/png;base64,{PNG}"),
                image_url(URL, detail="low"),
                video_url(VIDEO),
            ],
        }
    ]


# ------------------------------------------------------------- prompt caching


def test_cache_control_reaches_the_wire_on_system_user_and_tool_parts() -> None:
    api = FakeAPI()
    api.model().invoke(
        [
            SystemMessage(
                [
                    {"type": "text", "text": "policy", "cache_control": EPHEMERAL_1H},
                    {"type": "text", "text": "today is Monday"},
                ]
            ),
            HumanMessage(
                [
                    {
                        "type": "text",
                        "text": "doc",
                        "extras": {"cache_control": {"type": "ephemeral", "ttl": "5m"}},
                    },
                    "question",
                ]
            ),
            AIMessage("", tool_calls=[{"id": "call_1", "name": "lookup", "args": {}}]),
            ToolMessage(
                [{"type": "text", "text": "big result", "cache_control": {"type": "ephemeral"}}],
                tool_call_id="call_1",
            ),
        ]
    )
    messages = api.body["messages"]
    assert messages[0]["content"] == [
        {"type": "text", "text": "policy", "cache_control": EPHEMERAL_1H},
        {"type": "text", "text": "today is Monday"},
    ]
    assert messages[1]["content"] == [
        {"type": "text", "text": "doc", "cache_control": {"type": "ephemeral", "ttl": "5m"}},
        {"type": "text", "text": "question"},
    ]
    assert messages[3] == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": [{"type": "text", "text": "big result", "cache_control": {"type": "ephemeral"}}],
    }


@pytest.mark.parametrize(
    ("ttl", "expected"),
    [
        (None, {"type": "ephemeral"}),
        ("5m", {"type": "ephemeral", "ttl": "5m"}),
        ("1h", {"type": "ephemeral", "ttl": "1h"}),
    ],
)
def test_cached_system_message_on_the_wire(ttl: Any, expected: dict[str, str]) -> None:
    api = FakeAPI()
    api.model().invoke([cached_system_message("long policy", ttl=ttl), ("human", "hi")])
    assert api.body["messages"][0] == {
        "role": "system",
        "content": [{"type": "text", "text": "long policy", "cache_control": expected}],
    }


def test_cached_text_in_a_human_message() -> None:
    api = FakeAPI()
    api.model().invoke([HumanMessage([cached_text("contract", ttl="1h"), "Summarise it."])])
    assert api.body["messages"][0]["content"] == [
        {"type": "text", "text": "contract", "cache_control": EPHEMERAL_1H},
        {"type": "text", "text": "Summarise it."},
    ]


@pytest.mark.parametrize("ttl", ["1hr", "10m", "", 60])
def test_cache_helpers_refuse_an_unknown_ttl(ttl: Any) -> None:
    with pytest.raises(GradientInvalidInputError, match="cache ttl must be '5m' or '1h'"):
        cache_control(ttl)
    with pytest.raises(GradientInvalidInputError):
        cached_system_message("x", ttl=ttl)
