"""`ChatGradient`: DigitalOcean Gradient serverless inference as a LangChain chat model."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import (
    BaseChatModel,
    LangSmithParams,
    LanguageModelInput,
    ModelProfile,
)
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field, PrivateAttr, SecretStr, ValidationError, model_validator
from typing_extensions import Self

from langchain_gradient import _sse, _transport
from langchain_gradient._api_choice import NamedStream, mark_result
from langchain_gradient._config import (
    API_KEY_ENV_VARS,
    MISSING_KEY_MESSAGE,
    api_key_from_env,
    base_url_from_env,
)
from langchain_gradient._config import decode_json as _decode_body
from langchain_gradient._dialect_hooks import DialectHooks
from langchain_gradient._drop_in import ChatOpenAINames
from langchain_gradient._implicit_streaming import ImplicitStreamingRule
from langchain_gradient._lifecycle import PooledClientsLifecycle
from langchain_gradient._params import check_extra_body, default_params, ls_params
from langchain_gradient._prepared_requests import PreparedRequests
from langchain_gradient._profiles import profile_for
from langchain_gradient._settings import check_settings, collect_settings, invalid_input
from langchain_gradient._token_counting import OfflineTokenCounting
from langchain_gradient._traced_identity import RedactedIdentity
from langchain_gradient._usage import combine_llm_outputs
from langchain_gradient._version import __version__
from langchain_gradient.batches._mixin import BatchInferenceMixin
from langchain_gradient.errors import GradientInvalidInputError, GradientMissingAPIKeyError

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable
    from langchain_core.tools import BaseTool

    from langchain_gradient._structured_output import StructuredOutputMethod

__all__ = ["ChatGradient"]

DEFAULT_MODEL = "llama3.3-70b-instruct"


class ChatGradient(
    ChatOpenAINames,  # model_name, openai_api_key, ...: ChatOpenAI's names, read-only
    OfflineTokenCounting,  # get_num_tokens_from_messages, get_num_tokens
    RedactedIdentity,  # what serialization, callbacks and tracers see (no credentials)
    ImplicitStreamingRule,  # invoke never streams under the hood when n > 1
    DialectHooks,  # _dialect, _payload, _result, _stream_mapper: the per-API steps
    PreparedRequests,  # _request: URL, headers, timeout, retries built once per config
    PooledClientsLifecycle,  # clients, close/aclose, with, pickling without the key
    BatchInferenceMixin,  # submit_batch / get_batch
    BaseChatModel,
):
    """DigitalOcean Gradient serverless inference chat model.

    Talks to Gradient's OpenAI-compatible Chat Completions API
    (``POST {base_url}/chat/completions``; the Responses API per
    ``use_responses_api``) with pooled ``httpx`` clients, sync
    and async, with retries, streaming, tool calling, structured output,
    reasoning and usage (prompt-cache counts included).

    Setup:
        Install the package and set a model access key::

            pip install langchain-gradient
            export DIGITALOCEAN_INFERENCE_KEY="sk-do-..."

    Key init args (completion params):
        model: Model id, e.g. ``"llama3.3-70b-instruct"`` (also ``model_name``).
        temperature, top_p, max_tokens, max_completion_tokens, frequency_penalty,
        presence_penalty, logit_bias, logprobs, top_logprobs, n, stop, seed, user,
        reasoning_effort, reasoning: Sent under their API names when set;
            nothing is sent when unset. Any of them can also be passed per call,
            e.g. ``model.invoke(..., seed=1)``.
        request_metadata: Gradient's request ``metadata`` (string pairs).
        model_kwargs: Extra body fields sent verbatim.
        extra_body: Extra body fields merged into the request, as ``ChatOpenAI``
            does; a field the request already has raises.

    Key init args (client params):
        api_key: Model access key. Default: ``DIGITALOCEAN_INFERENCE_KEY``, then
            ``GRADIENT_MODEL_ACCESS_KEY``, read when the instance is created.
        base_url: Default ``https://inference.do-ai.run/v1`` or
            ``DIGITALOCEAN_INFERENCE_BASE_URL``. Any OpenAI-compatible endpoint
            works; Gradient's own limits (4 ``stop`` sequences) and defaults
            (usage on streams) apply to ``*.do-ai.run`` hosts only.
        timeout: Seconds (float) or an ``httpx.Timeout``, per request. Default:
            your ``http_client``'s own timeout, otherwise 120 s between bytes,
            10 s to connect.
        max_retries: Retries for connection errors, timeouts, 408/409/429/5xx.
        default_headers: Extra headers on every request.
        http_client, http_async_client: Your own ``httpx`` clients (never closed
            by this class).

        A setting passed as ``None`` takes its default (for ``api_key`` and
        ``base_url``: the environment). A value out of range raises
        `GradientInvalidInputError` (a ``ValueError``). ``ChatOpenAI``'s names
        ``openai_api_key``, ``openai_api_base``, ``request_timeout`` and
        ``model_name`` are accepted (README, "Coming from ChatOpenAI").

    Instantiate:
        .. code-block:: python

            from langchain_gradient import ChatGradient

            model = ChatGradient(model="llama3.3-70b-instruct", temperature=0)

    Invoke:
        .. code-block:: python

            message = model.invoke("Name three oceans.")
            print(message.content)
            print(message.usage_metadata)  # input/output/total tokens
            print(message.response_metadata["finish_reason"])

    Stream:
        .. code-block:: python

            for chunk in model.stream("Write a haiku about the sea."):
                print(chunk.text, end="", flush=True)

    Async:
        .. code-block:: python

            message = await model.ainvoke("Hello")
            async for chunk in model.astream("Hello"):
                print(chunk.text, end="")

    Tool calling:
        .. code-block:: python

            from langchain_core.tools import tool

            @tool
            def get_weather(city: str) -> str:
                \"\"\"Get the weather in a city.\"\"\"
                return "sunny"

            message = model.bind_tools([get_weather]).invoke("Weather in Paris?")
            print(message.tool_calls)

    Structured output:
        .. code-block:: python

            from pydantic import BaseModel

            class Joke(BaseModel):
                setup: str
                punchline: str

            joke = model.with_structured_output(Joke).invoke("A joke about cats")

    Reasoning:
        .. code-block:: python

            thinker = ChatGradient(model="openai-gpt-oss-120b", reasoning_effort="low")
            message = thinker.invoke("Is 9.11 larger than 9.9?")
            print(message.additional_kwargs.get("reasoning_content"))

    Image input:
        .. code-block:: python

            from langchain_core.messages import HumanMessage

            vision = ChatGradient(model="kimi-k2.5")
            vision.invoke([HumanMessage([
                {"type": "text", "text": "Describe this image."},
                {"type": "image", "url": "https://example.com/cat.png"},
            ])])

    Prompt caching:
        .. code-block:: python

            from langchain_gradient.caching import cached_system_message

            claude = ChatGradient(model="anthropic-claude-4.6-sonnet")
            reply = claude.invoke([cached_system_message(long_prompt, ttl="1h"), ("human", "Hi")])
            reply.usage_metadata["input_token_details"]  # cache_read / cache_creation

    Connections:
        Every instance borrows the process-wide connection pools (one sync
        client, one async client per event loop), so creating a model per
        request or via ``configurable_fields`` reuses warm connections.
        ``model.close()`` closes nothing shared;
        ``langchain_gradient.close_shared_clients()`` closes the pools.
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    model: str = Field(default=DEFAULT_MODEL, alias="model_name")
    """Model id, e.g. ``llama3.3-70b-instruct``."""
    api_key: SecretStr | None = Field(default_factory=api_key_from_env())
    """Model access key (``DIGITALOCEAN_INFERENCE_KEY`` / ``GRADIENT_MODEL_ACCESS_KEY``)."""
    base_url: str = Field(default_factory=base_url_from_env())
    """API base; requests go to ``{base_url}/chat/completions``."""
    timeout: float | httpx.Timeout | None = None
    """Seconds or ``httpx.Timeout``, per request; ``None``: the client's own
    (a user's ``http_client``'s, otherwise 120 s read, 10 s connect)."""
    max_retries: int = Field(default=2, ge=0)
    """How many times a failed request is retried."""
    default_headers: dict[str, str] | None = None
    """Extra headers sent with every request."""
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    """Your own sync ``httpx.Client`` (used as is, never closed here)."""
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    """Your own ``httpx.AsyncClient`` (used as is, never closed here)."""

    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, ge=0.0, le=1.0)
    max_tokens: int | None = Field(default=None, ge=0)
    """Deprecated by the API in favour of ``max_completion_tokens``, still accepted."""
    max_completion_tokens: int | None = Field(default=None, ge=0)
    frequency_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    presence_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    logit_bias: dict[int, int] | None = None
    """Token id -> bias (-100..100)."""
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    n: int | None = Field(default=None, ge=1, le=128)
    """Number of choices; each becomes one generation with its own message id.

    With ``n > 1``, ``invoke`` never streams under the hood (``astream_events``,
    streaming handlers); an explicit ``stream()`` raises."""
    stop: list[str] | str | None = Field(default=None, alias="stop_sequences")
    """Stop sequences; a call-time ``stop`` replaces them."""
    seed: int | None = None
    user: str | None = None
    """End-user id for abuse monitoring."""
    reasoning_effort: str | None = None
    """Passed as given (the API lists none/minimal/low/medium/high/xhigh/max)."""
    reasoning: dict[str, Any] | None = None
    """Anthropic-style ``{"effort": ..., "max_tokens": ...}`` object."""
    request_metadata: dict[str, str] | None = None
    """Gradient's request ``metadata`` field (LangChain's ``metadata`` is for tracing)."""
    echo_reasoning_content: bool = False
    """Send ``reasoning_content`` back on assistant turns that carry tool calls
    (some DeepSeek/Kimi thinking deployments require it)."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra body fields, sent verbatim."""
    extra_body: dict[str, Any] | None = None
    """Extra body fields merged into each request (a call's ``extra_body``
    replaces it); one the request already has raises."""
    streaming: bool = False
    """Route ``invoke`` through streaming."""
    use_responses_api: bool | None = Field(default=None, strict=True)
    """``True``: the Responses API (``{base_url}/responses``); ``False``: Chat
    Completions; ``None``: Responses for ``responses_api_models`` and calls with
    Responses-only fields, else Chat Completions. Also per call."""
    responses_api_models: tuple[str, ...] | None = None
    """Model-id patterns (``fnmatch``) sent to the Responses API when
    ``use_responses_api`` is ``None``; ``None``: ``RESPONSES_API_MODELS``."""
    stream_usage: bool | None = None
    """Ask for usage on streams (``stream_options.include_usage``); unset: yes
    on Gradient (``*.do-ai.run``), no elsewhere (some servers refuse it)."""

    _api_key_env: ClassVar[str] = API_KEY_ENV_VARS[0]
    """The variable a serialized key is reloaded from (subclasses override)."""
    _clients: _transport.Clients = PrivateAttr()

    _missing_key_message: ClassVar[str] = MISSING_KEY_MESSAGE
    """What a call without a key raises with (subclasses override)."""

    def __init__(self, **kwargs: Any) -> None:
        """Validate the settings (see the class docstring for each one).

        Raises:
            GradientInvalidInputError: a setting is out of range or of the wrong
                type (also a ``ValueError``; it names each setting, and
                never quotes the key).
            GradientMissingAPIKeyError: no key was given or found.
        """
        try:
            super().__init__(**kwargs)
        except ValidationError as exc:
            # Not chained: pydantic's message quotes the raw input, key included.
            raise invalid_input(exc) from None

    @model_validator(mode="before")
    @classmethod
    def _collect_model_kwargs(cls, values: dict[str, Any]) -> Any:
        """``None`` means "the default"; unknown kwargs go to ``model_kwargs`` (with a warning)."""
        if not isinstance(values, dict):
            return values
        return collect_settings(values, cls.model_fields)

    @model_validator(mode="after")
    def _check_gradient_setup(self) -> Self:
        if self.api_key is None:
            raise GradientMissingAPIKeyError(self._missing_key_message)
        if self.streaming and (self.n or 1) > 1:
            msg = "n > 1 cannot be combined with streaming=True"
            raise GradientInvalidInputError(msg)
        check_settings(base_url=self.base_url, timeout=self.timeout, stop=self.stop)
        check_extra_body(self._default_params)
        self._clients = _transport.Clients()
        self._add_version("langchain-gradient", __version__)
        return self

    def _resolve_model_profile(self) -> ModelProfile | None:
        return profile_for(self.model)

    # ------------------------------------------------------------ identity

    @property
    def _llm_type(self) -> str:
        return "chat-gradient"

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """Where ``langchain_core.load`` finds this class."""
        return ["langchain_gradient", "chat_models"]

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        return ls_params(self, stop, kwargs)

    # ------------------------------------------------------------ requests

    @property
    def _default_params(self) -> dict[str, Any]:
        """Body fields from the configuration (unset ones left out)."""
        return default_params(self)

    def _combine_llm_outputs(self, llm_outputs: list[dict[str, Any] | None]) -> dict[str, Any]:
        """``generate().llm_output``: token usage summed over the calls, and the model."""
        return combine_llm_outputs(llm_outputs)

    # --------------------------------------------------- the four hooks

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        dialect = self._dialect(kwargs)
        payload = self._payload(messages, stop, stream=False, kwargs=kwargs, dialect=dialect)
        client = self._sync_client()
        response = _transport.send(client, self._request(client, payload, dialect), self._policy())
        return mark_result(self._result(_decode_body(response), payload["model"], dialect), dialect)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        dialect = self._dialect(kwargs)
        payload = self._payload(messages, stop, stream=False, kwargs=kwargs, dialect=dialect)
        client = self._async_client()
        response = await _transport.asend(
            client, self._request(client, payload, dialect), self._policy()
        )
        return mark_result(self._result(_decode_body(response), payload["model"], dialect), dialect)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        dialect = self._dialect(kwargs)
        payload = self._payload(messages, stop, stream=True, kwargs=kwargs, dialect=dialect)
        client = self._sync_client()
        response = _transport.send(
            client, self._request(client, payload, dialect), self._policy(), stream=True
        )
        events = _sse.EventStream(response)
        stream = NamedStream(self._stream_mapper(payload["model"], dialect), dialect)
        for event in events:
            chunk = stream.map(event)
            if chunk is not None:
                if run_manager is not None:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
        if (tail := stream.tail(events.done)) is not None:
            if run_manager is not None:
                run_manager.on_llm_new_token(tail.text, chunk=tail)
            yield tail
        stream.mapper.close()

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        dialect = self._dialect(kwargs)
        payload = self._payload(messages, stop, stream=True, kwargs=kwargs, dialect=dialect)
        client = self._async_client()
        response = await _transport.asend(
            client, self._request(client, payload, dialect), self._policy(), stream=True
        )
        events = _sse.AsyncEventStream(response)
        stream = NamedStream(self._stream_mapper(payload["model"], dialect), dialect)
        # aclosing: a caller that stops early releases the connection now, not
        # whenever the generator is garbage-collected.
        async with aclosing(events.__aiter__()) as event_iterator:
            async for event in event_iterator:
                chunk = stream.map(event)
                if chunk is not None:
                    if run_manager is not None:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
        if (tail := stream.tail(events.done)) is not None:
            if run_manager is not None:
                await run_manager.on_llm_new_token(tail.text, chunk=tail)
            yield tail
        stream.mapper.close()

    # ------------------------------------------------------ tools, schemas

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | bool | dict[str, Any] | None = None,
        strict: bool | None = None,
        parallel_tool_calls: bool | None = None,
        response_format: dict[str, Any] | type | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools the model may call.

        Args:
            tools: ``BaseTool`` objects, functions, Pydantic models, ``TypedDict``
                classes, JSON-schema dicts, or dicts already in the API's format;
                non-function dicts (server-side tools such as ``mcp``) pass
                through unchanged.
            tool_choice: ``"auto"``, ``"none"``, ``"required"``, ``"any"`` or
                ``True`` (both mean ``"required"``), a bound tool's name (forces
                that tool), or a dict sent as is.
            strict: Sets ``function.strict`` on every converted tool; with a
                ``response_format`` it defaults to ``True`` (as ``ChatOpenAI``).
            parallel_tool_calls: Sent as ``parallel_tool_calls`` when set.
            response_format: The reply's format when the model calls no tool: a
                Pydantic or ``TypedDict`` class or a JSON schema (sent as
                ``{"type": "json_schema", ...}``), or the API's own dict.
            **kwargs: Other request fields to bind.

        Returns:
            A runnable that calls the model with the tools.

        Raises:
            GradientInvalidInputError: for a tool that cannot be converted, a
                name the API rejects, or a ``tool_choice`` naming an unbound tool.

        Example:
            .. code-block:: python

                def add(a: int, b: int) -> int:
                    \"\"\"Add two integers.\"\"\"
                    return a + b

                reply = model.bind_tools([add], tool_choice="add").invoke("2 + 3?")
                reply.tool_calls  # [{'name': 'add', 'args': {'a': 2, 'b': 3}, ...}]
        """
        # Imported on first use: tools and structured output are not needed to
        # chat, and their modules pull in core's parsers (measured ~8 ms).
        from langchain_gradient._tools import format_tool_choice, format_tools  # noqa: PLC0415

        if response_format is not None:
            from langchain_gradient._structured_output import response_format_body  # noqa: PLC0415

            # ChatOpenAI's rule: tools beside a response format are strict
            # unless strict=False is passed.
            strict = True if strict is None else strict
            kwargs["response_format"] = response_format_body(response_format, strict)
        formatted = format_tools(tools, strict=strict)
        choice = format_tool_choice(tool_choice, formatted)
        if choice is not None:
            kwargs["tool_choice"] = choice
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return super().bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: StructuredOutputMethod = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
        """Return a runnable whose output follows ``schema``.

        Args:
            schema: A Pydantic (v2 or v1) class, a ``TypedDict`` class, or a JSON
                schema / OpenAI function dict. Optional for ``json_mode``.
            method: ``"function_calling"`` (force a single tool, the default),
                ``"json_schema"`` (``response_format`` with the schema) or
                ``"json_mode"`` (``response_format: json_object``; say "JSON" and
                the keys in the prompt).
            include_raw: Return ``{"raw", "parsed", "parsing_error"}`` instead of
                the parsed object; a parse failure is then reported, not raised.
            strict: Ask the server to enforce the schema exactly.
            **kwargs: Not supported; passing any raises.

        Returns:
            A runnable producing a Pydantic instance (for Pydantic schemas) or a
            dict. Streaming it yields progressively completed objects; with
            ``include_raw=True`` it streams ``{"raw": chunk}`` pieces, then
            ``{"parsed", "parsing_error"}``.

        Raises:
            GradientInvalidInputError: for an unknown method, a missing schema, or
                ``strict`` combined with ``json_mode``.
            OutputParserException: (when invoked, without ``include_raw``) if the
                reply does not follow the schema, also at the end of a stream.
            GradientTruncatedOutputError: (an ``OutputParserException``) if the
                reply ended with ``finish_reason`` ``"length"`` or
                ``"content_filter"``, on every path.
            GradientRefusalError: (core's ``ModelRefusalError`` on
                langchain-core >= 1.7.5) if the model refused.

        Example:
            .. code-block:: python

                from typing_extensions import TypedDict

                class Answer(TypedDict):
                    answer: str
                    confidence: float

                structured = model.with_structured_output(Answer, method="json_schema")
                structured.invoke("What is the capital of France?")
        """
        if kwargs:
            msg = f"with_structured_output got unsupported arguments: {sorted(kwargs)}"
            raise GradientInvalidInputError(msg)
        from langchain_gradient._structured_output import (  # noqa: PLC0415
            structured_output_runnable,
        )

        return structured_output_runnable(
            self, schema, method=method, include_raw=include_raw, strict=strict
        )


# Core reads the signature of `_generate` / `_agenerate` on every call (to decide
# whether to pass ``run_manager``), and `inspect.signature` rebuilds it each
# time unless the function carries a ``__signature__`` (inspect's documented
# shortcut): stored once here, it saves about 10 µs a call. The stored value is
# exactly what inspect computes (a unit test compares them).
for _hook in (ChatGradient._generate, ChatGradient._agenerate):
    _hook.__dict__["__signature__"] = inspect.signature(_hook)
del _hook
