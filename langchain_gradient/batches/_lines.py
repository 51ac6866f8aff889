"""The batch input file: one JSONL line per input, spooled to disk, checked before upload.

Each line is ``{"custom_id", "method": "POST", "url", "body"}`` (the OpenAI
batch format Gradient takes with ``provider="openai"``), where ``body`` is the
request ``invoke`` would send for that input, built by the model's own request
builder for the API the call goes to, and ``url`` that API's path
(``/v1/chat/completions`` or ``/v1/responses``, the job's ``endpoint`` too).
The file is written to a temporary file as it is built, never held in memory,
and its size and line count are checked against the service's limits before
anything is sent.

``custom_id`` is ``lcg-<index>-of-<count>``: the input's position and how many
inputs the job has. That is all a handle re-attached in another process needs
to put results back in input order and to notice a line that never came back.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage, HumanMessage, convert_to_messages
from langchain_core.prompt_values import PromptValue

from langchain_gradient._config import encode_json
from langchain_gradient.errors import GradientInvalidInputError

if TYPE_CHECKING:
    from langchain_gradient.chat_models import ChatGradient
    from langchain_gradient.dialects import Dialect

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_REQUESTS",
    "SpooledBatch",
    "custom_id",
    "line_url",
    "parse_custom_id",
    "provider_for",
    "spool",
]

MAX_REQUESTS = 50_000
"""The service's limit on requests per batch file."""
MAX_FILE_BYTES = 200 * 1024 * 1024
"""The service's limit on a batch file's size (200 MB)."""
CHUNK_BYTES = 256 * 1024
"""How much of the spooled file one read hands to the upload."""

_CUSTOM_ID = re.compile(r"^lcg-(\d+)-of-(\d+)$")
_OPENAI_PREFIXES = ("gpt-", "chatgpt-", "o1", "o3", "o4", "openai-")
_ANTHROPIC_PREFIXES = ("claude", "anthropic-")
_TEXT_PARTS = frozenset({"text", "input_text", "output_text"})
"""Text content parts: Chat Completions' and the Responses API's."""


def line_url(dialect: Dialect) -> str:
    """The ``url`` of every line of a batch sent to ``dialect``'s API (the job's ``endpoint``)."""
    return f"/v1/{dialect.path}"


def custom_id(index: int, count: int) -> str:
    """The ``custom_id`` of input ``index`` of ``count``."""
    return f"lcg-{index}-of-{count}"


def parse_custom_id(value: Any) -> tuple[int, int] | None:
    """``(index, count)`` from a ``custom_id`` this package wrote, else ``None``."""
    if not isinstance(value, str):
        return None
    match = _CUSTOM_ID.match(value)
    if match is None:
        return None
    index, count = int(match.group(1)), int(match.group(2))
    return (index, count) if index < count else None


def provider_for(model: str, override: str | None) -> str:
    """The batch ``provider`` for a model id, or a clear error if the batch API cannot serve it.

    The batch API serves OpenAI and Anthropic commercial models only. OpenAI
    models (``gpt-*``, ``o1``/``o3``/``o4``, ``openai-*``; not the open-weight
    ``gpt-oss``, which Gradient hosts itself) go as ``provider="openai"``.
    ``batch_provider="openai"`` skips the check, for ids this rule does not know.

    Raises:
        GradientInvalidInputError: for Anthropic models (their batches take the
            Anthropic Message Batches line format, not the OpenAI-format
            request ``invoke`` sends) and every other family.
    """
    if override is not None:
        if override != "openai":
            msg = (
                f"batch_provider={override!r} is not supported: batches are sent as "
                "OpenAI-format requests, which the batch API takes with provider 'openai'"
            )
            raise GradientInvalidInputError(msg)
        return override
    name = model.lower()
    bare = name.removeprefix("openai-")
    if name.startswith(_OPENAI_PREFIXES) and not bare.startswith("gpt-oss"):
        return "openai"
    if name.startswith(_ANTHROPIC_PREFIXES):
        msg = (
            f"model {model!r}: Anthropic batches use the Anthropic Message Batches line "
            "format, not the OpenAI-format request invoke sends; this package submits "
            "OpenAI-model batches only. Use invoke/batch for this model."
        )
        raise GradientInvalidInputError(msg)
    msg = (
        f"model {model!r}: Gradient's batch inference serves OpenAI and Anthropic "
        "commercial models only (e.g. 'openai-gpt-4.1-mini'). If this id is an OpenAI "
        "model, pass batch_provider='openai'."
    )
    raise GradientInvalidInputError(msg)


def to_messages(value: Any, position: int) -> list[BaseMessage]:
    """One input as messages, the way ``invoke`` reads its input."""
    if isinstance(value, PromptValue):
        return value.to_messages()
    if isinstance(value, str):
        return [HumanMessage(content=value)]
    if isinstance(value, Sequence):
        try:
            return convert_to_messages(value)
        except (ValueError, TypeError, NotImplementedError) as exc:
            msg = f"input {position}: {exc}"
            raise GradientInvalidInputError(msg) from exc
    msg = (
        f"input {position}: expected a string, a list of messages or a PromptValue, "
        f"got {type(value).__name__}"
    )
    raise GradientInvalidInputError(msg)


def check_text_only(body: Mapping[str, Any], position: int) -> None:
    """Batch inference takes text prompts only: refuse any other content part.

    Reads both request shapes: Chat Completions ``messages`` and Responses
    ``input`` items (whose text parts are ``input_text`` / ``output_text``).
    """
    turns = body.get("messages") or body.get("input")
    for turn, message in enumerate(turns if isinstance(turns, list) else ()):
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            continue
        for part in content:
            kind = part.get("type") if isinstance(part, dict) else None
            if kind not in _TEXT_PARTS:
                msg = (
                    f"input {position}, message {turn}: a {kind!r} part cannot be batched; "
                    "Gradient's batch inference takes text prompts only"
                )
                raise GradientInvalidInputError(msg)


@dataclass(frozen=True)
class SpooledBatch:
    """The input file on disk, checked and ready to upload.

    Attributes:
        path: The temporary file (deleted by `discard`).
        size: Its size in bytes.
        count: Its number of lines (= inputs).
        model: The ``model`` of the request bodies.
        url: The ``url`` of its lines, and so the job's ``endpoint``.
    """

    path: str
    size: int
    count: int
    model: str
    url: str

    def chunks(self) -> Iterator[bytes]:
        """The file, in reads of `CHUNK_BYTES`."""
        with open(self.path, "rb") as handle:
            while block := handle.read(CHUNK_BYTES):
                yield block

    def discard(self) -> None:
        """Delete the file."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


class FileContent:
    """A re-readable upload body: every send (a retry too) reads the file from its start."""

    def __init__(self, spooled: SpooledBatch) -> None:
        self._spooled = spooled

    def __iter__(self) -> Iterator[bytes]:
        return self._spooled.chunks()


class AsyncFileContent:
    """`FileContent` for ``httpx.AsyncClient`` (local-disk reads of 256 KiB)."""

    def __init__(self, spooled: SpooledBatch) -> None:
        self._spooled = spooled

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for block in self._spooled.chunks():
            yield block


def spool(
    model: ChatGradient,
    inputs: Sequence[Any],
    *,
    stop: list[str] | None,
    kwargs: Mapping[str, Any],
    dialect: Dialect,
    max_requests: int | None = None,
    max_bytes: int | None = None,
) -> SpooledBatch:
    """Build every line with ``dialect``'s request builder and write the file.

    Raises:
        GradientInvalidInputError: no inputs, too many, a file over the size
            limit, a non-text part, ``n > 1``, or anything ``invoke`` itself
            would refuse for an input (naming the input). Nothing is sent.
    """
    max_requests = MAX_REQUESTS if max_requests is None else max_requests
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence):
        msg = f"inputs must be a list of inputs (one per request), got {type(inputs).__name__}"
        raise GradientInvalidInputError(msg)
    count = len(inputs)
    if count == 0:
        msg = "submit_batch needs at least one input"
        raise GradientInvalidInputError(msg)
    if count > max_requests:
        msg = (
            f"{count} inputs: a batch takes at most {max_requests:,} requests; "
            "split them over several submit_batch calls"
        )
        raise GradientInvalidInputError(msg)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, kept on disk
        prefix="langchain-gradient-batch-", suffix=".jsonl", delete=False
    )
    size = 0
    requested_model = ""
    url = line_url(dialect)
    try:
        with handle:
            for position, value in enumerate(inputs):
                body = _body(model, value, position, stop=stop, kwargs=kwargs, dialect=dialect)
                requested_model = body["model"]
                line = encode_json(
                    {
                        "custom_id": custom_id(position, count),
                        "method": "POST",
                        "url": url,
                        "body": body,
                    }
                )
                size += len(line) + 1
                if size > max_bytes:
                    msg = (
                        f"the batch file passes {max_bytes:,} bytes at input {position}; "
                        "that is the most a batch file may hold (200 MB): split the "
                        "inputs over several submit_batch calls"
                    )
                    raise GradientInvalidInputError(msg)
                handle.write(line)
                handle.write(b"\n")
    except BaseException:
        os.unlink(handle.name)
        raise
    return SpooledBatch(path=handle.name, size=size, count=count, model=requested_model, url=url)


def _body(
    model: ChatGradient,
    value: Any,
    position: int,
    *,
    stop: list[str] | None,
    kwargs: Mapping[str, Any],
    dialect: Dialect,
) -> dict[str, Any]:
    messages = to_messages(value, position)
    try:
        # The request invoke sends (a fresh kwargs copy: _payload pops from it).
        body = model._payload(messages, stop, stream=False, kwargs=dict(kwargs), dialect=dialect)
    except GradientInvalidInputError as exc:
        msg = f"input {position}: {exc}"
        raise GradientInvalidInputError(msg) from exc
    n = body.get("n")
    if isinstance(n, int) and n > 1:
        msg = "n > 1 cannot be batched: results() returns one reply per input"
        raise GradientInvalidInputError(msg)
    check_text_only(body, position)
    return body
