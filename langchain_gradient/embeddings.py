"""`GradientEmbeddings`: Gradient's ``/embeddings`` endpoint as a LangChain `Embeddings`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Literal, NamedTuple

import httpx
from langchain_core.embeddings import Embeddings
from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    model_validator,
)
from typing_extensions import Self

from langchain_gradient import _transport
from langchain_gradient._bounded import run_tasks, run_threads
from langchain_gradient._config import (
    MISSING_KEY_MESSAGE,
    USER_AGENT,
    api_key_from_env,
    base_url_from_env,
    decode_json,
    encode_json,
    endpoint,
)
from langchain_gradient._embeddings_response import check_dimensions, vectors
from langchain_gradient._lifecycle import PooledClientsLifecycle
from langchain_gradient._settings import check_settings, settings_error
from langchain_gradient.errors import GradientInvalidInputError, GradientMissingAPIKeyError

__all__ = ["MAX_INPUTS_PER_REQUEST", "GradientEmbeddings"]

MAX_INPUTS_PER_REQUEST = 2048
"""The API's limit on ``input`` strings per request."""

_Advance = Callable[[int], None]


@dataclass(frozen=True)
class _Call:
    """What every request of one ``embed_*`` call shares."""

    url: httpx.URL
    headers: dict[str, str]
    timeout: float | httpx.Timeout | httpx._client.UseClientDefault
    policy: _transport.RetryPolicy
    fields: dict[str, Any]

    def chunk(self, texts: list[str]) -> _Chunk:
        return _Chunk(len(texts), encode_json({**self.fields, "input": texts}))

    def request(self, client: httpx.Client | httpx.AsyncClient, chunk: _Chunk) -> httpx.Request:
        return client.build_request(
            "POST", self.url, content=chunk.body, headers=self.headers, timeout=self.timeout
        )


class _Chunk(NamedTuple):
    """One request's worth of texts, already encoded (so bad text fails before any is sent)."""

    size: int
    body: bytes


class GradientEmbeddings(PooledClientsLifecycle, Embeddings):
    """DigitalOcean Gradient serverless inference embeddings.

    Calls Gradient's OpenAI-compatible ``POST {base_url}/embeddings`` with the
    same key, base URL, retries, errors and connection handling as
    `ChatGradient`. Sends strings as they are (no client-side tokenization),
    splits long lists into requests of at most ``chunk_size`` texts, runs up to
    ``max_concurrency`` of them at once (threads for the sync methods, tasks for
    the async ones) and returns one vector per text, in input order.

    Setup:
        .. code-block:: bash

            pip install langchain-gradient
            export DIGITALOCEAN_INFERENCE_KEY="sk-do-..."

    Key init args:
        model: Embedding model id, e.g. ``"qwen3-embedding-0.6b"``. Required:
            vectors from different models cannot be compared, so the model of
            an index must be chosen on purpose, not inherited from a default.
        encoding_format: ``"base64"`` (default; packed float32, about a third
            of the bytes and several times faster to decode) or ``"float"``.
            Either answer is decoded, whichever was asked for.
        user: End-user id for abuse monitoring (the API's ``user``).
        chunk_size: Texts per request, 1..2048 (the API's limit). Default 2048.
        max_concurrency: Requests in flight at once per ``embed_*`` call
            (default 4; 1 sends the chunks one after another).
        show_progress_bar: Show a tqdm progress bar counting texts (needs
            ``pip install tqdm``).
        api_key, base_url, timeout, max_retries, default_headers, http_client,
            http_async_client: as for `ChatGradient` (same environment variables:
            ``DIGITALOCEAN_INFERENCE_KEY``, then ``GRADIENT_MODEL_ACCESS_KEY``;
            ``DIGITALOCEAN_INFERENCE_BASE_URL``).

    The API accepts no other request fields, so other constructor arguments
    are rejected rather than sent.

    Instantiate:
        .. code-block:: python

            from langchain_gradient import GradientEmbeddings

            embeddings = GradientEmbeddings(model="qwen3-embedding-0.6b")

    Embed:
        .. code-block:: python

            vector = embeddings.embed_query("What is a droplet?")
            vectors = embeddings.embed_documents(["text one", "text two"])
            vectors = await embeddings.aembed_documents(["text one", "text two"])

    Empty strings are sent as they are: the server decides (see the README).

    Closing:
        ``embeddings.close()`` / ``await embeddings.aclose()`` (or ``with``)
        release the connection pool.
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    model: str = Field(min_length=1)
    """Embedding model id, e.g. ``qwen3-embedding-0.6b`` (required)."""
    api_key: SecretStr | None = Field(default_factory=api_key_from_env())
    """Model access key (``DIGITALOCEAN_INFERENCE_KEY`` / ``GRADIENT_MODEL_ACCESS_KEY``)."""
    base_url: str = Field(default_factory=base_url_from_env())
    """API base; requests go to ``{base_url}/embeddings``."""
    encoding_format: Literal["float", "base64"] = "base64"
    """How vectors travel: ``base64`` (packed float32) or ``float`` (JSON numbers)."""
    user: str | None = None
    """End-user id for abuse monitoring."""
    chunk_size: int = Field(default=MAX_INPUTS_PER_REQUEST, ge=1, le=MAX_INPUTS_PER_REQUEST)
    """Texts per request (1..2048)."""
    max_concurrency: int = Field(default=4, ge=1)
    """Requests in flight at once within one ``embed_*`` call."""
    show_progress_bar: bool = False
    """Show a tqdm progress bar (texts embedded / total)."""
    timeout: float | httpx.Timeout | None = None
    """Seconds or ``httpx.Timeout``; ``None`` means 120 s read, 10 s connect."""
    max_retries: int = Field(default=2, ge=0)
    """How many times a failed request is retried (each chunk on its own)."""
    default_headers: dict[str, str] | None = None
    """Extra headers sent with every request."""
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    """Your own sync ``httpx.Client`` (used as is, never closed here)."""
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    """Your own ``httpx.AsyncClient`` (used as is, never closed here)."""

    _clients: _transport.Clients = PrivateAttr()

    def __init__(self, **data: Any) -> None:
        """Validate the settings.

        Raises:
            GradientInvalidInputError: a setting is missing or out of range (it
                names each one), or an unknown argument was given.
            GradientMissingAPIKeyError: no key given or found.
            ImportError: ``show_progress_bar=True`` without tqdm installed.
        """
        try:
            super().__init__(**data)
        except ValidationError as exc:
            # Not chained: pydantic quotes the raw input, which may hold the key.
            raise settings_error(exc, "GradientEmbeddings", {"model": _MODEL_HINT}) from None

    @model_validator(mode="before")
    @classmethod
    def _none_means_default(cls, values: Any) -> Any:
        # Config-driven code passes ``base_url=os.getenv(...)``: a setting given
        # as None falls back to its default (environment lookups included).
        if not isinstance(values, dict):
            return values
        return {k: v for k, v in values.items() if v is not None or k not in cls.model_fields}

    @model_validator(mode="after")
    def _check_setup(self) -> Self:
        if self.api_key is None:
            raise GradientMissingAPIKeyError(MISSING_KEY_MESSAGE)
        check_settings(base_url=self.base_url, timeout=self.timeout, stop=None)
        if self.show_progress_bar:
            _tqdm()  # fail now, not after the first chunk
        self._clients = _transport.Clients()
        return self

    # ------------------------------------------------------------ embedding

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed texts; one vector per text, in the same order.

        Args:
            texts: The strings to embed. An empty list sends no request.

        Returns:
            The vectors, all of one dimension.

        Raises:
            GradientInvalidInputError: ``texts`` is not a list of strings
                (checked before anything is sent).
            GradientStatusError: the server refused a request (after retries).
            GradientConnectionError, GradientTimeoutError: the server could not
                be reached or did not answer (after retries).
            GradientEmbeddingsResponseError: the answer does not hold exactly
                one vector per text, all of one dimension.
        """
        call = self._call()
        chunks = self._chunks(call, texts)
        if not chunks:
            return []
        client = self._sync_client()

        def embed_chunk(chunk: _Chunk) -> list[list[float]]:
            response = _transport.send(client, call.request(client, chunk), call.policy)
            return vectors(decode_json(response), chunk.size)

        with self._progress(len(texts)) as advance:
            results = run_threads(
                embed_chunk, chunks, self.max_concurrency, lambda chunk: advance(chunk.size)
            )
        return _joined(results)

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async `embed_documents`: up to ``max_concurrency`` requests at once."""
        call = self._call()
        chunks = self._chunks(call, texts)
        if not chunks:
            return []
        client = self._async_client()

        async def embed_chunk(chunk: _Chunk) -> list[list[float]]:
            response = await _transport.asend(client, call.request(client, chunk), call.policy)
            return vectors(decode_json(response), chunk.size)

        with self._progress(len(texts)) as advance:
            results = await run_tasks(
                embed_chunk, chunks, self.max_concurrency, lambda chunk: advance(chunk.size)
            )
        return _joined(results)

    def embed_query(self, text: str) -> list[float]:
        """Embed one text.

        Raises:
            GradientInvalidInputError: ``text`` is not a string.
        """
        return self.embed_documents([_query(text)])[0]

    async def aembed_query(self, text: str) -> list[float]:
        """Async `embed_query`."""
        return (await self.aembed_documents([_query(text)]))[0]

    # -------------------------------------------------------------- helpers

    def _chunks(self, call: _Call, texts: Sequence[str]) -> list[_Chunk]:
        checked = _checked_texts(texts)
        size = self.chunk_size
        return [call.chunk(checked[start : start + size]) for start in range(0, len(checked), size)]

    def _call(self) -> _Call:
        secret = self.api_key.get_secret_value() if self.api_key else ""
        fields: dict[str, Any] = {"model": self.model, "encoding_format": self.encoding_format}
        if self.user is not None:
            fields["user"] = self.user
        return _Call(
            url=endpoint(self.base_url, "embeddings"),
            headers=_transport.build_headers(secret, self.default_headers, USER_AGENT),
            # Unset: the client decides (a user's client its own timeout).
            timeout=httpx.USE_CLIENT_DEFAULT if self.timeout is None else self.timeout,
            policy=_transport.RetryPolicy(max_retries=self.max_retries),
            fields=fields,
        )

    @contextmanager
    def _progress(self, total: int) -> Iterator[_Advance]:
        if not self.show_progress_bar:
            yield _ignore
            return
        bar = _tqdm()(total=total, unit="text", desc="Embedding")
        try:
            yield bar.update
        finally:
            bar.close()


# ------------------------------------------------------------------ checks


_MODEL_HINT = (
    "pass the embedding model id, e.g. model='qwen3-embedding-0.6b'; there is "
    "no default because vectors from different models cannot be compared"
)


def _checked_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        msg = "embed_documents takes a list of strings, not one string (use embed_query)"
        raise GradientInvalidInputError(msg)
    checked = list(texts)
    for index, text in enumerate(checked):
        if not isinstance(text, str):
            msg = f"texts[{index}] is {type(text).__name__}, not str: only strings can be embedded"
            raise GradientInvalidInputError(msg)
    return checked


def _query(text: str) -> str:
    if not isinstance(text, str):
        msg = f"embed_query takes a string, not {type(text).__name__}"
        raise GradientInvalidInputError(msg)
    return text


def _joined(results: list[list[list[float]]]) -> list[list[float]]:
    joined = [vector for chunk in results for vector in chunk]
    check_dimensions(joined)  # across chunks too: one call, one vector space
    return joined


def _ignore(_count: int) -> None:
    pass


def _tqdm() -> Any:
    try:
        module = import_module("tqdm.auto")  # optional, untyped: not a dependency
    except ImportError as exc:
        msg = "show_progress_bar=True needs tqdm: pip install tqdm"
        raise ImportError(msg) from exc
    return module.tqdm
