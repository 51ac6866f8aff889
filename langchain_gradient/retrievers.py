"""`GradientKnowledgeBaseRetriever`: a Gradient knowledge base as a LangChain retriever.

Calls ``POST {base_url}/{knowledge_base_id}/retrieve`` (base
``https://kbaas.do-ai.run/v1``) through the same transport as `ChatGradient`:
the shared connection pools, the retry policy, the typed errors. The request
body is built and checked by `_kb_response`, which also turns the answer into
documents.

The credential differs from chat: the retrieve API takes a DigitalOcean API
token with the ``GenAI:read`` scope, not a model access key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from langchain_core.callbacks import (
    AsyncCallbackManagerForRetrieverRun,
    CallbackManagerForRetrieverRun,
)
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.utils import from_env, secret_from_env
from pydantic import ConfigDict, Field, PrivateAttr, SecretStr, ValidationError, model_validator
from typing_extensions import Self

from langchain_gradient import _transport
from langchain_gradient._config import USER_AGENT, decode_json, encode_json, endpoint
from langchain_gradient._kb_response import (
    check_alpha,
    check_filters,
    check_num_results,
    documents,
    retrieve_body,
)
from langchain_gradient._lifecycle import without_secrets
from langchain_gradient._settings import check_settings, settings_error
from langchain_gradient.errors import (
    GradientAuthenticationError,
    GradientInvalidInputError,
    GradientMissingAPIKeyError,
    GradientNotFoundError,
    GradientPermissionDeniedError,
    GradientStatusError,
)

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool
    from pydantic import BaseModel

__all__ = [
    "DEFAULT_KNOWLEDGE_BASE_URL",
    "KNOWLEDGE_BASE_URL_ENV_VAR",
    "TOKEN_ENV_VARS",
    "GradientKnowledgeBaseRetriever",
]

DEFAULT_KNOWLEDGE_BASE_URL = "https://kbaas.do-ai.run/v1"
KNOWLEDGE_BASE_URL_ENV_VAR = "DIGITALOCEAN_KBAAS_BASE_URL"
TOKEN_ENV_VARS = ("DIGITALOCEAN_ACCESS_TOKEN", "DIGITALOCEAN_API_TOKEN", "DIGITALOCEAN_TOKEN")
"""Read in this order: the official SDK's name first, then the names DigitalOcean's docs use."""

_CREDENTIAL_ADVICE = (
    "The knowledge-base retrieve API takes a DigitalOcean API token with the GenAI:read "
    "scope (api_token=... or DIGITALOCEAN_ACCESS_TOKEN), not a model access key; create one "
    "at https://cloud.digitalocean.com/account/api/tokens (Custom Scopes > GenAI > read)."
)
MISSING_TOKEN_MESSAGE = "No DigitalOcean API token found. " + _CREDENTIAL_ADVICE
# UUIDs in practice; anything that could leave its URL path segment is refused.
_KNOWLEDGE_BASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_CALL_OPTIONS = frozenset({"num_results", "alpha", "filters", "reranking"})


@dataclass(frozen=True)
class _Call:
    """One retrieval, ready to send (the same for the sync and async paths)."""

    url: httpx.URL
    headers: dict[str, str]
    timeout: float | httpx.Timeout | httpx._client.UseClientDefault
    policy: _transport.RetryPolicy
    body: bytes

    def request(self, client: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        return client.build_request(
            "POST", self.url, content=self.body, headers=self.headers, timeout=self.timeout
        )


class GradientKnowledgeBaseRetriever(BaseRetriever):
    """Documents from a DigitalOcean Gradient knowledge base, by hybrid search.

    Sends ``POST {base_url}/{knowledge_base_id}/retrieve`` and returns one
    `Document` per result, best match first: ``page_content`` is the chunk's
    text, ``metadata`` the result's metadata as the knowledge base stores it
    (``item_name``, ``page_number``, ...) plus ``rank`` (1 = best) and
    ``knowledge_base_id``.

    Setup:
        Create a DigitalOcean API token with the ``GenAI:read`` scope (control
        panel: API > Tokens > Generate New Token > Custom Scopes). A model
        access key does not work here.

        .. code-block:: bash

            pip install langchain-gradient
            export DIGITALOCEAN_ACCESS_TOKEN="dop_v1_..."

    Key init args:
        knowledge_base_id: The knowledge base's UUID (control panel URL or
            ``doctl genai knowledge-base list``).
        num_results: Documents per query, 1..100 (default 5).
        alpha: 0 = keyword (BM25) search, 1 = vector search, in between a
            blend (DigitalOcean suggests 0.5 to start). ``None`` leaves it to
            the server.
        filters: A metadata filter, sent exactly as given. DigitalOcean
            documents two forms, ``{"must": [{"field", "operator", "value"}],
            "must_not": [...], "should": [...]}`` and ``{"and_all": [...]}`` /
            ``{"or_all": [{"equals": {"key", "value"}}, ...]}``.
        reranking: ``False`` switches reranking off for these calls, ``True``
            asks for it (it must be enabled on the knowledge base); ``None``
            sends nothing.
        api_token: DigitalOcean API token; default ``DIGITALOCEAN_ACCESS_TOKEN``,
            then ``DIGITALOCEAN_API_TOKEN``, then ``DIGITALOCEAN_TOKEN``.
        base_url: Default ``DIGITALOCEAN_KBAAS_BASE_URL`` or
            ``https://kbaas.do-ai.run/v1``.
        timeout, max_retries, default_headers, http_client, http_async_client:
            as for `ChatGradient`.

    Instantiate:
        .. code-block:: python

            from langchain_gradient import GradientKnowledgeBaseRetriever

            retriever = GradientKnowledgeBaseRetriever(
                knowledge_base_id="6f1d...-kb-uuid", num_results=4, alpha=0.5
            )

    Invoke:
        .. code-block:: python

            docs = retriever.invoke("How do I resize a droplet?")
            docs = retriever.invoke("resize a droplet", num_results=2, alpha=0.2)
            docs = await retriever.ainvoke("How do I resize a droplet?")
            print(docs[0].page_content, docs[0].metadata["item_name"])

    As an agent tool:
        .. code-block:: python

            from langchain.agents import create_agent

            tool = retriever.as_tool(
                name="search_docs", description="Search the product documentation."
            )
            agent = create_agent(ChatGradient(model="openai-gpt-4o"), tools=[tool])

        Without ``args_schema``, ``as_tool`` gives a tool that takes a
        ``query`` and returns the documents' text to the model, with the
        documents themselves as the tool message's ``artifact``.

    Per call, ``num_results``, ``alpha``, ``filters`` and ``reranking`` may be
    passed to ``invoke``/``ainvoke``. Bad values (an empty query,
    ``num_results`` outside 1..100, ``alpha`` outside 0..1) raise
    `GradientInvalidInputError` before anything is sent.
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    knowledge_base_id: str = Field(min_length=1)
    """The knowledge base's UUID."""
    api_token: SecretStr | None = Field(
        default_factory=secret_from_env(list(TOKEN_ENV_VARS), default=None)
    )
    """DigitalOcean API token with the ``GenAI:read`` scope (not a model access key)."""
    base_url: str = Field(
        default_factory=from_env(KNOWLEDGE_BASE_URL_ENV_VAR, default=DEFAULT_KNOWLEDGE_BASE_URL)
    )
    """Requests go to ``{base_url}/{knowledge_base_id}/retrieve``."""
    num_results: int = 5
    """Documents per query (1..100)."""
    alpha: float | None = None
    """0 = keyword search, 1 = vector search; ``None``: the server's default."""
    filters: dict[str, Any] | None = None
    """Metadata filter, sent as given (see the class docstring for the two documented forms)."""
    reranking: bool | None = None
    """Turn reranking on or off per request; ``None`` sends nothing."""
    timeout: float | httpx.Timeout | None = None
    """Seconds or ``httpx.Timeout``; ``None`` means 120 s read, 10 s connect."""
    max_retries: int = Field(default=2, ge=0)
    """Retries for connection errors, timeouts, 408/409/429/5xx."""
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
            GradientInvalidInputError: a setting is missing or out of range.
            GradientMissingAPIKeyError: no token given or found.
        """
        try:
            super().__init__(**data)
        except ValidationError as exc:
            # Not chained, and no input quoted: pydantic's text quotes the raw
            # settings, the token included.
            raise settings_error(exc, "GradientKnowledgeBaseRetriever") from None

    @model_validator(mode="before")
    @classmethod
    def _none_means_default(cls, values: Any) -> Any:
        # ``api_token=os.getenv(...)`` / ``base_url=None`` fall back to the defaults.
        if not isinstance(values, dict):
            return values
        optional = {"api_token", "base_url", "num_results"}
        return {k: v for k, v in values.items() if v is not None or k not in optional}

    @model_validator(mode="after")
    def _check_setup(self) -> Self:
        if self.api_token is None or not self.api_token.get_secret_value():
            raise GradientMissingAPIKeyError(MISSING_TOKEN_MESSAGE)
        if not _KNOWLEDGE_BASE_ID.fullmatch(self.knowledge_base_id):
            msg = (
                f"knowledge_base_id must be the knowledge base's UUID (letters, digits and "
                f"'-'), got {self.knowledge_base_id!r}"
            )
            raise GradientInvalidInputError(msg)
        check_settings(base_url=self.base_url, timeout=self.timeout, stop=None)
        check_num_results(self.num_results)
        if self.alpha is not None:
            check_alpha(self.alpha)
        if self.filters is not None:
            check_filters(self.filters)
        self._clients = _transport.Clients(self.http_client, self.http_async_client)
        return self

    # ------------------------------------------------------------ retrieval

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **options: Any
    ) -> list[Document]:
        call = self._call(query, options)
        client = self._clients.sync()
        try:
            response = _transport.send(client, call.request(client), call.policy)
        except GradientStatusError as error:
            raise self._explained(error) from error
        return documents(decode_json(response), self.knowledge_base_id)

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun, **options: Any
    ) -> list[Document]:
        call = self._call(query, options)
        client = self._clients.async_()
        try:
            response = await _transport.asend(client, call.request(client), call.policy)
        except GradientStatusError as error:
            raise self._explained(error) from error
        return documents(decode_json(response), self.knowledge_base_id)

    def _call(self, query: str, options: dict[str, Any]) -> _Call:
        options.pop("verbose", None)  # core's own option, also passed down
        unknown = sorted(set(options) - _CALL_OPTIONS)
        if unknown:
            msg = (
                f"unknown retrieval option(s) {', '.join(unknown)}: invoke() takes "
                f"{', '.join(sorted(_CALL_OPTIONS))}"
            )
            raise GradientInvalidInputError(msg)
        settings = {
            "num_results": self.num_results,
            "alpha": self.alpha,
            "filters": self.filters,
            "reranking": self.reranking,
        }
        settings.update(options)
        body = retrieve_body(query, **settings)
        token = self.api_token.get_secret_value() if self.api_token is not None else ""
        if not token:  # e.g. unpickled where no token variable is set
            raise GradientMissingAPIKeyError(MISSING_TOKEN_MESSAGE)
        return _Call(
            url=endpoint(self.base_url, f"{self.knowledge_base_id}/retrieve"),
            headers=_transport.build_headers(token, self.default_headers, USER_AGENT),
            timeout=httpx.USE_CLIENT_DEFAULT if self.timeout is None else self.timeout,
            policy=_transport.RetryPolicy(max_retries=self.max_retries),
            body=encode_json(body),
        )

    def _explained(self, error: GradientStatusError) -> GradientStatusError:
        """The same error, its message saying what to check for this API."""
        hint = None
        if isinstance(error, (GradientAuthenticationError, GradientPermissionDeniedError)):
            hint = _CREDENTIAL_ADVICE
        elif isinstance(error, GradientNotFoundError):
            hint = (
                f"no knowledge base {self.knowledge_base_id!r} at {self.base_url} for this "
                "token: check knowledge_base_id (the UUID in the control panel) and that the "
                "token's account owns it"
            )
        if hint is None:
            return error
        return type(error)(
            f"{error.server_message}. {hint}",
            response=error.response,
            error_type=error.error_type,
            body=error.body,
            is_retryable=error.is_retryable,
        )

    # ----------------------------------------------------------------- tools

    def as_tool(
        self,
        args_schema: type[BaseModel] | None = None,
        *,
        name: str | None = None,
        description: str | None = None,
        arg_types: dict[str, type] | None = None,
    ) -> BaseTool:
        """This retriever as a tool an agent can call with a ``query``.

        Without ``args_schema``/``arg_types`` the tool is core's
        ``create_retriever_tool``: the model gets the documents' text (blank
        lines between them), and the `ToolMessage`'s ``artifact`` holds the
        `Document`s with their metadata. With either, core's generic
        ``Runnable.as_tool`` is used.

        Args:
            args_schema: Input schema for the generic runnable tool.
            name: Tool name (default ``"search_knowledge_base"``).
            description: What the model is told the tool finds.
            arg_types: Argument types for the generic runnable tool.

        Returns:
            A tool for ``create_agent`` or ``bind_tools``.
        """
        if args_schema is not None or arg_types is not None:
            return super().as_tool(
                args_schema, name=name, description=description, arg_types=arg_types
            )
        from langchain_core.tools import create_retriever_tool  # noqa: PLC0415 - only here

        return create_retriever_tool(
            self,
            name or "search_knowledge_base",
            description
            or "Search the knowledge base for passages relevant to a query; returns their text.",
            response_format="content_and_artifact",
        )

    # ------------------------------------------------------------- pickling

    def __getstate__(self) -> dict[Any, Any]:
        # Never pickle the token or live clients; unpickling reads the
        # environment again.
        return without_secrets(super().__getstate__(), "api_token")

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        if self.api_token is None:
            self.api_token = secret_from_env(list(TOKEN_ENV_VARS), default=None)()
        self._clients = _transport.Clients()
