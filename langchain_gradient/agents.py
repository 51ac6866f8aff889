"""`ChatGradientAgent`: a DigitalOcean Gradient Agent endpoint as a LangChain chat model.

A Gradient Agent is a managed agent (instructions, knowledge bases, guardrails,
functions) with its own endpoint, ``https://<agent-id>.agents.do-ai.run``, and its
own endpoint access key. It speaks the same Chat Completions protocol as
serverless inference, plus a few request flags and four extra top-level
response blocks (``retrieval``, ``guardrails``, ``functions``, ``citations``).
So the agent model is `ChatGradient` with a different endpoint and key, typed
agent flags, and a response step that keeps those blocks.

Request and response shapes follow DigitalOcean's public OpenAPI spec (the
``/api/v1/chat/completions?agent=true`` path and its shared request schema),
the agent quick start (the ``include_*`` flags), and the OpenAPI document that
an agent serves at ``/openapi.json`` (the other flags and the response blocks).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal

import httpx
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.utils import secret_from_env
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
    ValidationError,
    model_validator,
    with_config,
)
from typing_extensions import NotRequired, Self, TypedDict

from langchain_gradient._response import StreamMapper, chat_result
from langchain_gradient.chat_models import ChatGradient
from langchain_gradient.dialects import CHAT_COMPLETIONS, Dialect
from langchain_gradient.errors import (
    GradientGuardrailError,
    GradientInvalidInputError,
    GradientMissingEndpointError,
)

__all__ = [
    "AGENT_BLOCKS",
    "ChatGradientAgent",
    "KnowledgeBaseFilter",
    "RetrievalMethod",
]

AGENT_KEY_ENV_VARS = ("GRADIENT_AGENT_ACCESS_KEY", "AGENT_ACCESS_KEY")
AGENT_ENDPOINT_ENV_VARS = ("GRADIENT_AGENT_ENDPOINT", "AGENT_ENDPOINT")
AGENT_MODEL = "gradient-agent"
"""What ``model`` says in agent requests: the agent picks its own model and
ignores the field, but the shared request schema requires it."""

AGENT_BLOCKS = ("retrieval", "guardrails", "functions", "citations")
"""Top-level agent response fields copied into ``response_metadata``."""

MISSING_AGENT_KEY_MESSAGE = (
    "No Gradient agent access key found. Pass api_key=... or set "
    "GRADIENT_AGENT_ACCESS_KEY (or AGENT_ACCESS_KEY). Create one in the DigitalOcean "
    "control panel on the agent's Settings tab, under Endpoint Access Keys. "
    "(A model access key does not open an agent endpoint.)"
)
MISSING_ENDPOINT_MESSAGE = (
    "No Gradient agent endpoint found. Pass base_url='https://<agent-id>.agents.do-ai.run' "
    "or set GRADIENT_AGENT_ENDPOINT (or AGENT_ENDPOINT); the endpoint is shown on the "
    "agent's Overview page in the DigitalOcean control panel."
)

RetrievalMethod = Literal["rewrite", "step_back", "sub_queries", "none"]
"""How the agent rewrites the query before searching its knowledge bases."""


@with_config(ConfigDict(extra="forbid"))
class KnowledgeBaseFilter(TypedDict):
    """Restrict knowledge-base retrieval to one knowledge base (and a path in it).

    A plain dict, so it serializes with the model; unknown keys are rejected.

    Example:
        .. code-block:: python

            KnowledgeBaseFilter(index="6f1d...-kb-uuid", path="handbook/")
            {"index": "6f1d...-kb-uuid"}  # the same, without a path
    """

    index: Annotated[str, Field(min_length=1)]
    """The knowledge base's UUID."""
    path: NotRequired[str]
    """A file or folder inside it."""


def _endpoint_from_env() -> str:
    for name in AGENT_ENDPOINT_ENV_VARS:
        if value := os.environ.get(name, "").strip():
            return value
    return ""


def normalize_endpoint(endpoint: str) -> str:
    """The API base for an agent endpoint as users copy it.

    ``xyz.agents.do-ai.run`` gets ``https://``; a bare host gets ``/api/v1``;
    a pasted ``.../chat/completions`` loses that suffix; the trailing ``/`` goes.

    Raises:
        GradientMissingEndpointError: when ``endpoint`` is empty.
    """
    endpoint = endpoint.strip()
    if not endpoint:
        raise GradientMissingEndpointError(MISSING_ENDPOINT_MESSAGE)
    if "://" not in endpoint:
        endpoint = "https://" + endpoint
    url = httpx.URL(endpoint)
    path = url.path.rstrip("/")
    path = path.removesuffix("/chat/completions")
    if not path:
        path = "/api/v1"
    return str(url.copy_with(path=path, query=None, fragment=None))


class ChatGradientAgent(ChatGradient):
    """A DigitalOcean Gradient Agent (knowledge bases, guardrails, functions) as a chat model.

    Everything `ChatGradient` does works here (invoke, stream, async, batch, tool
    calling, structured output); requests go to the agent's endpoint with its
    access key, and the agent-only flags below are typed fields.

    Setup:
        Copy the endpoint from the agent's Overview page and create an endpoint
        access key on its Settings tab::

            export GRADIENT_AGENT_ENDPOINT="https://<agent-id>.agents.do-ai.run"
            export GRADIENT_AGENT_ACCESS_KEY="..."

    Key init args:
        base_url: The agent endpoint; ``https://`` and ``/api/v1`` are added when
            missing. Default: ``GRADIENT_AGENT_ENDPOINT``, then ``AGENT_ENDPOINT``.
        api_key: The endpoint access key. Default: ``GRADIENT_AGENT_ACCESS_KEY``,
            then ``AGENT_ACCESS_KEY`` (never the model access key variables).
        include_retrieval_info, include_functions_info, include_guardrails_info,
        provide_citations, k, retrieval_method, kb_filters,
        filter_kb_content_by_query_metadata, instruction_override: Agent request
            flags, sent only when set; also accepted per call, e.g.
            ``agent.invoke(..., k=3)``.
        on_guardrail: ``"raise"`` (default) or ``"return"``; see below.

    Invoke:
        .. code-block:: python

            from langchain_gradient import ChatGradientAgent

            agent = ChatGradientAgent(include_retrieval_info=True, provide_citations=True)
            reply = agent.invoke("What is our refund policy?")
            print(reply.content)
            print(reply.response_metadata.get("retrieval"))  # {"retrieved_data": [...]}
            print(reply.response_metadata.get("citations"))

    Response blocks:
        The top-level ``retrieval``, ``guardrails``, ``functions`` and
        ``citations`` fields of the agent's response are copied into the
        message's ``response_metadata`` under the same names. When streaming they
        arrive once, on the last chunk, so the aggregated message has them too.

    Guardrails:
        A triggered guardrail replaces the agent's answer with the guardrail's
        own text. When the response reports triggered guardrails (it does when
        ``include_guardrails_info=True``) or ends with
        ``finish_reason="content_filter"``:

        - ``on_guardrail="raise"`` raises `GradientGuardrailError` carrying
          ``triggered_guardrails`` (``[{"rule_name", "message"}]``), the
          ``replacement`` text and the ``response_metadata``. When streaming it is
          raised after the last chunk of text.
        - ``on_guardrail="return"`` returns the replacement message with
          ``response_metadata["guardrail_triggered"] = True``.

        Either way the outcome is explicit: a blocked request never looks like
        an ordinary (or empty) answer.
    """

    model: str = Field(default=AGENT_MODEL, alias="model_name")
    """Ignored by agents (the agent's own model answers); sent because the schema requires it."""
    api_key: SecretStr | None = Field(
        default_factory=secret_from_env(list(AGENT_KEY_ENV_VARS), default=None)
    )
    """Agent endpoint access key (``GRADIENT_AGENT_ACCESS_KEY`` / ``AGENT_ACCESS_KEY``)."""
    base_url: str = Field(default_factory=_endpoint_from_env)
    """Agent endpoint; requests go to ``{base_url}/chat/completions?agent=true``."""

    include_retrieval_info: bool | None = None
    """Ask for the ``retrieval`` block (knowledge-base documents used)."""
    include_functions_info: bool | None = None
    """Ask for the ``functions`` block (functions the agent called)."""
    include_guardrails_info: bool | None = None
    """Ask for the ``guardrails`` block (guardrails triggered); needed to tell which one fired."""
    provide_citations: bool | None = None
    """Ask for ``citations``."""
    k: int | None = Field(default=None, ge=0)
    """How many knowledge-base results to retrieve."""
    retrieval_method: RetrievalMethod | None = None
    """``rewrite``, ``step_back``, ``sub_queries`` or ``none``."""
    kb_filters: list[KnowledgeBaseFilter] | None = None
    """Only retrieve from these knowledge bases (and paths); dicts are accepted."""
    filter_kb_content_by_query_metadata: bool | None = None
    """Filter knowledge-base content by metadata extracted from the query."""
    instruction_override: str | None = None
    """Replace the agent's instructions for this request."""
    _api_key_env: ClassVar[str] = AGENT_KEY_ENV_VARS[0]
    _missing_key_message: ClassVar[str] = MISSING_AGENT_KEY_MESSAGE

    on_guardrail: Literal["raise", "return"] = "raise"
    """What a reply that a guardrail overrode becomes: an exception or a flagged message."""

    @model_validator(mode="after")
    def _check_gradient_setup(self) -> Self:
        # Same name as ChatGradient's validator, so it replaces it: the agent
        # needs its own missing-key message, and an endpoint.
        self.base_url = normalize_endpoint(self.base_url)
        # pydantic exposes the parent's validator as a plain function at run
        # time; mypy only sees the decorator's proxy type. It checks the key
        # (with this class's message) and the settings.
        ChatGradient._check_gradient_setup(self)  # type: ignore[operator]
        return self

    # ------------------------------------------------------------ identity

    @property
    def _llm_type(self) -> str:
        return "chat-gradient-agent"

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """Where ``langchain_core.load`` finds this class."""
        return ["langchain_gradient", "agents"]

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        # ChatGradient reloads a *model* key; an agent needs its own.
        self.api_key = secret_from_env(list(AGENT_KEY_ENV_VARS), default=None)()

    # ------------------------------------------------------------ requests

    @property
    def _default_params(self) -> dict[str, Any]:
        params = super()._default_params
        for name in _AGENT_FIELDS:
            value = getattr(self, name)
            if value is not None and name not in self.model_kwargs:
                params[name] = _wire_value(value)
        return params

    def _payload(
        self,
        messages: Sequence[BaseMessage],
        stop: list[str] | None,
        *,
        stream: bool,
        kwargs: dict[str, Any],
        dialect: Dialect = CHAT_COMPLETIONS,
    ) -> dict[str, Any]:
        for name in _AGENT_FIELDS:
            if kwargs.get(name) is not None:
                kwargs[name] = _wire_value(_validate_call_value(name, kwargs[name]))
        return super()._payload(messages, stop, stream=stream, kwargs=kwargs, dialect=dialect)

    def _dialect(self, kwargs: dict[str, Any]) -> Dialect:
        """Agents answer on Chat Completions only; asking for the Responses API raises."""
        if kwargs.pop("use_responses_api", self.use_responses_api):
            msg = "use_responses_api=True: agent endpoints serve Chat Completions only"
            raise GradientInvalidInputError(msg)
        return CHAT_COMPLETIONS

    def _request(
        self,
        client: httpx.Client | httpx.AsyncClient,
        payload: Mapping[str, Any],
        dialect: Dialect = CHAT_COMPLETIONS,
    ) -> httpx.Request:
        request = super()._request(client, payload, dialect)
        # The spec makes ``agent=true`` a required query parameter, and both
        # official SDKs send it; the docs' curl examples leave it out.
        request.url = request.url.copy_merge_params({"agent": "true"})
        return request

    # ------------------------------------------------------- mapping hooks

    def _result(
        self, body: Any, requested_model: str, dialect: Dialect = CHAT_COMPLETIONS
    ) -> ChatResult:
        return agent_result(body, requested_model, self.on_guardrail)

    def _stream_mapper(
        self, requested_model: str, dialect: Dialect = CHAT_COMPLETIONS
    ) -> StreamMapper:
        return AgentStreamMapper(requested_model, self.on_guardrail)


_AGENT_FIELDS = (
    "include_retrieval_info",
    "include_functions_info",
    "include_guardrails_info",
    "provide_citations",
    "k",
    "retrieval_method",
    "kb_filters",
    "filter_kb_content_by_query_metadata",
    "instruction_override",
)
_CALL_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    name: TypeAdapter(ChatGradientAgent.model_fields[name].rebuild_annotation())
    for name in _AGENT_FIELDS
}


def _validate_call_value(name: str, value: Any) -> Any:
    try:
        return _CALL_ADAPTERS[name].validate_python(value)
    except ValidationError as exc:
        problems = "; ".join(error["msg"] for error in exc.errors())
        msg = f"invalid agent option {name}={value!r}: {problems}"
        raise GradientInvalidInputError(msg) from exc


def _wire_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_wire_value(item) for item in value]
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_none=True)
    return value


# ------------------------------------------------------------- responses


def agent_blocks(body: Mapping[str, Any]) -> dict[str, Any]:
    """The agent-only top-level blocks of a response body or stream event."""
    return {name: body[name] for name in AGENT_BLOCKS if body.get(name) is not None}


def triggered_guardrails(blocks: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``guardrails.triggered_guardrails`` entries (``[]`` when there are none)."""
    guardrails = blocks.get("guardrails")
    entries = guardrails.get("triggered_guardrails") if isinstance(guardrails, dict) else None
    if not isinstance(entries, list):
        return []
    return [entry if isinstance(entry, dict) else {"message": str(entry)} for entry in entries]


def _guardrail_flag(blocks: Mapping[str, Any], finish_reason: Any) -> bool | None:
    """Whether a guardrail fired; ``None`` when the response cannot say."""
    if finish_reason == "content_filter" or triggered_guardrails(blocks):
        return True
    return False if "guardrails" in blocks else None


def _guardrail_error(
    triggered: list[dict[str, Any]], replacement: str, metadata: Mapping[str, Any]
) -> GradientGuardrailError:
    if triggered:
        names = "; ".join(
            f"{entry.get('rule_name') or 'guardrail'}: {entry.get('message') or 'no message'}"
            for entry in triggered
        )
        msg = f"the agent's guardrails blocked this request ({names})"
    else:
        msg = (
            "the agent's reply was blocked by a content filter (finish_reason=content_filter); "
            "set include_guardrails_info=True to see which guardrail fired"
        )
    return GradientGuardrailError(
        msg,
        triggered_guardrails=triggered,
        replacement=replacement,
        response_metadata=dict(metadata),
    )


def agent_result(
    body: Any, requested_model: str, on_guardrail: Literal["raise", "return"]
) -> ChatResult:
    """`chat_result`, plus the agent blocks in every message's ``response_metadata``.

    Raises:
        GradientGuardrailError: when a guardrail fired and ``on_guardrail="raise"``.
        GradientResponseError: if the body is not a completion.
    """
    result = chat_result(body, requested_model)
    blocks = agent_blocks(body)
    for generation in result.generations:
        metadata = generation.message.response_metadata
        metadata.update(blocks)
        flag = _guardrail_flag(blocks, metadata.get("finish_reason"))
        if flag is None:
            continue
        metadata["guardrail_triggered"] = flag
        if flag and on_guardrail == "raise":
            raise _guardrail_error(triggered_guardrails(blocks), generation.text, metadata)
    return result


class AgentStreamMapper(StreamMapper):
    """`StreamMapper` that also keeps the agent blocks of the events.

    The blocks (the last value each one had in the stream) go on the closing
    chunk, once: ``response_metadata`` of chunks is merged by concatenating
    lists, so repeating a block on several chunks would duplicate its entries.
    """

    __slots__ = ("_blocks", "_finish_reason", "_on_guardrail", "_text")

    def __init__(self, requested_model: str, on_guardrail: Literal["raise", "return"]) -> None:
        super().__init__(requested_model)
        self._on_guardrail = on_guardrail
        self._blocks: dict[str, Any] = {}
        self._text: list[str] = []
        self._finish_reason: Any = None

    def map(self, event: Any) -> ChatGenerationChunk | None:
        """Map one event (see `StreamMapper.map`), keeping its agent blocks."""
        chunk = super().map(event)
        self._blocks.update(agent_blocks(event))
        if chunk is not None:
            self._text.append(chunk.text)
            if chunk.generation_info and chunk.generation_info.get("finish_reason"):
                self._finish_reason = chunk.generation_info["finish_reason"]
        return chunk

    def finish(self) -> ChatGenerationChunk | None:
        """The closing chunk, with the agent blocks and ``guardrail_triggered``."""
        tail = super().finish()
        extra = dict(self._blocks)
        flag = _guardrail_flag(self._blocks, self._finish_reason)
        if flag is not None:
            extra["guardrail_triggered"] = flag
        if not extra:
            return tail
        if tail is None:
            return ChatGenerationChunk(message=AIMessageChunk(content="", response_metadata=extra))
        tail.message.response_metadata.update(extra)
        return tail

    def close(self) -> None:
        """Raise `GradientGuardrailError` if a guardrail fired and the mode says so."""
        if self._on_guardrail != "raise" or not _guardrail_flag(self._blocks, self._finish_reason):
            return
        metadata = {**self._blocks, "guardrail_triggered": True}
        raise _guardrail_error(triggered_guardrails(self._blocks), "".join(self._text), metadata)
