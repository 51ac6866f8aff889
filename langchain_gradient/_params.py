"""One call's request parameters: the model's fields, the call's kwargs, ``extra_body``.

What `ChatGradient` sends, decided in one place:

* the configured body fields (unset ones left out) and ``model_kwargs``;
* a call's keyword arguments replace them (client settings are refused:
  `_drop_in.check_call_kwargs`);
* ``extra_body`` (the model's, or the call's instead) is merged into the body
  as ``ChatOpenAI`` does; a key the body already has is an error, not an
  overwrite;
* Gradient's own limits and defaults (at most 4 ``stop`` sequences, usage on
  streams) on Gradient hosts only (`_settings.is_gradient`);
* sealed tool credentials back to text (`_redaction`), in the body only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import LangSmithParams

from langchain_gradient._drop_in import check_call_kwargs
from langchain_gradient._redaction import unseal_tools
from langchain_gradient._request import build_payload
from langchain_gradient._settings import check_stop, is_gradient
from langchain_gradient.errors import GradientInvalidInputError

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

    from langchain_gradient.chat_models import ChatGradient
    from langchain_gradient.dialects import PayloadBuilder

__all__ = [
    "BODY_FIELDS",
    "EXTRA_BODY_RESERVED",
    "check_extra_body",
    "default_params",
    "ls_params",
    "request_body",
]

BODY_FIELDS = (
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
    "logprobs",
    "top_logprobs",
    "n",
    "seed",
    "user",
    "reasoning_effort",
    "reasoning",
)
"""Request fields that map 1:1 from a `ChatGradient` field of the same name."""

EXTRA_BODY_RESERVED = frozenset({"messages", "stream", "stream_options"})
"""Body keys ``extra_body`` may never set: the conversation, and how the reply
is delivered (use ``stream()`` and ``stream_usage``)."""


def default_params(model: ChatGradient) -> dict[str, Any]:
    """Body fields from the configuration (unset ones left out), ``extra_body`` as one key."""
    params: dict[str, Any] = {"model": model.model}
    for name in BODY_FIELDS:
        value = getattr(model, name)
        if value is not None:
            params[name] = value
    if model.stop:
        params["stop"] = model.stop
    if model.request_metadata:
        params["metadata"] = model.request_metadata
    params.update(model.model_kwargs)
    if model.extra_body:
        params["extra_body"] = dict(model.extra_body)
    return params


def request_body(
    model: ChatGradient,
    messages: Sequence[BaseMessage],
    stop: list[str] | None,
    *,
    stream: bool,
    kwargs: dict[str, Any],
    build: PayloadBuilder = build_payload,
) -> dict[str, Any]:
    """The JSON body of one request (``build``: the chosen API's builder).

    Raises:
        GradientInvalidInputError: a client setting passed per call, ``n > 1``
            on a stream, too many stop sequences for Gradient, an ``extra_body``
            key the body already has, or any invalid parameter (`build_payload`).
    """
    check_call_kwargs(kwargs)
    gradient = is_gradient(model.base_url)
    params = model._default_params
    if stop is not None:
        params["stop"] = stop or None
    stream_usage = kwargs.pop("stream_usage", model.stream_usage)
    kwargs.pop("stream", None)
    params.update(kwargs)
    extra_body = params.pop("extra_body", None)
    if stream:
        if (params.get("n") or 1) > 1:
            msg = "n > 1 is not supported when streaming; use invoke or batch"
            raise GradientInvalidInputError(msg)
        # Unset: Gradient sends usage on streams; other servers may refuse the
        # field, so there it is sent only when asked for (as ChatOpenAI does).
        if (gradient if stream_usage is None else stream_usage) and "stream_options" not in params:
            params["stream_options"] = {"include_usage": True}
    check_stop(params.get("stop"), gradient=gradient)
    _merge_extra_body(params, extra_body)
    if "tools" in params:
        params["tools"] = unseal_tools(params["tools"])
    if params.get("response_format") is not None:
        params["response_format"] = _response_format(params["response_format"])
    return build(messages, params, stream=stream, echo_reasoning=model.echo_reasoning_content)


def _response_format(value: Any) -> Any:
    """A per-call or bound schema ``response_format`` in the API's form."""
    if isinstance(value, Mapping) and (
        value.get("type") not in (None, "json_schema", "object")
        or isinstance(value.get("json_schema"), Mapping)
    ):
        # The API's form, or a format left to the server (the common case:
        # no import).
        return value
    # Imported on first use, as chat_models does: structured output pulls in
    # core's parsers.
    from langchain_gradient._structured_output import response_format_body  # noqa: PLC0415

    return response_format_body(value)


def check_extra_body(params: Mapping[str, Any]) -> None:
    """At construction: the model's ``extra_body`` must not repeat one of its own fields.

    Raises:
        GradientInvalidInputError: as a request with these settings would.
    """
    params = dict(params)
    _merge_extra_body(params, params.pop("extra_body", None))


def _merge_extra_body(params: dict[str, Any], extra_body: Any) -> None:
    """Add ``extra_body``'s fields to ``params``; one already there is an error."""
    if extra_body is None:
        return
    if not isinstance(extra_body, Mapping):
        msg = f"extra_body must be a dict of extra request fields, got {type(extra_body).__name__}"
        raise GradientInvalidInputError(msg)
    taken = EXTRA_BODY_RESERVED | {key for key, value in params.items() if value is not None}
    clashes = sorted(str(key) for key in extra_body if key in taken)
    if clashes:
        msg = (
            f"extra_body sets {', '.join(map(repr, clashes))}, which the request already "
            "has (from the model's settings, model_kwargs or this call's arguments, or "
            "set by ChatGradient itself); set each field in one place"
        )
        raise GradientInvalidInputError(msg)
    params.update(extra_body)


def ls_params(
    model: ChatGradient, stop: list[str] | None, kwargs: Mapping[str, Any]
) -> LangSmithParams:
    """LangSmith's standard ``ls_*`` fields for one call."""
    name = kwargs.get("model")
    params = LangSmithParams(
        ls_provider="gradient",
        ls_model_name=name if isinstance(name, str) else model.model,
        ls_model_type="chat",
    )
    temperature = kwargs.get("temperature", model.temperature)
    if isinstance(temperature, (int, float)):
        params["ls_temperature"] = temperature
    max_tokens = kwargs.get("max_tokens", model.max_tokens)
    if max_tokens is None:
        max_tokens = kwargs.get("max_completion_tokens", model.max_completion_tokens)
    if isinstance(max_tokens, int):
        params["ls_max_tokens"] = max_tokens
    ls_stop = stop or kwargs.get("stop") or model.stop
    if ls_stop:
        params["ls_stop"] = [ls_stop] if isinstance(ls_stop, str) else list(ls_stop)
    return params
