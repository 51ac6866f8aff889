"""The names ``ChatOpenAI`` users already write, accepted or refused clearly.

``ChatOpenAI(base_url="https://inference.do-ai.run/v1", ...)`` is how
DigitalOcean's own docs point LangChain at Gradient, so code moving to
`ChatGradient` keeps its argument names. Each ``ChatOpenAI`` name is one of:

* the same here (nothing to do);
* renamed: an accepted alias (`ALIASES`), read as our field and readable back
  as an attribute (`ChatOpenAINames`);
* not applicable: refused by name with the reason (`NOT_APPLICABLE`), instead
  of landing in ``model_kwargs`` and being sent to the server as a body field.

Client settings (key, URL, timeout, headers, retries) are never request body
fields: given per call, or inside ``model_kwargs``, they raise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from langchain_gradient.errors import GradientInvalidInputError

if TYPE_CHECKING:
    import httpx
    from pydantic import SecretStr

__all__ = [
    "ALIASES",
    "CLIENT_SETTINGS",
    "NOT_APPLICABLE",
    "ChatOpenAINames",
    "check_call_kwargs",
    "check_model_kwargs",
    "translate_aliases",
]

ALIASES: dict[str, str] = {
    "openai_api_key": "api_key",
    "openai_api_base": "base_url",
    "request_timeout": "timeout",
}
"""``ChatOpenAI`` constructor name -> the `ChatGradient` field it sets.

(``model_name`` and ``stop_sequences`` are pydantic aliases of ``model`` and
``stop`` on the class itself.)"""

_RESPONSES_ONLY = (
    "belongs to OpenAI's Responses API client and is not a setting here "
    "(ChatGradient's use_responses_api sends each conversation whole; pass "
    "Responses fields per call or in model_kwargs)"
)
_OWN_CLIENT = (
    "is an openai SDK client; ChatGradient uses httpx directly: pass "
    "http_client=httpx.Client(...) / http_async_client=httpx.AsyncClient(...)"
)

NOT_APPLICABLE: dict[str, str] = {
    "openai_organization": (
        "sets OpenAI's organization header; Gradient has no organizations "
        "(use default_headers if a proxy needs a header)"
    ),
    "organization": "is openai_organization; Gradient has no organizations",
    "openai_proxy": (
        "is not a setting here: pass http_client=httpx.Client(proxy=...) "
        "(and http_async_client), or set HTTPS_PROXY"
    ),
    "default_query": "is not supported: every request goes to {base_url}/chat/completions",
    "http_socket_options": "is not a setting here: pass your own http_client / http_async_client",
    "stream_chunk_timeout": (
        "is not a setting here: timeout already bounds the wait between reads "
        "of a stream (e.g. timeout=httpx.Timeout(60, connect=10))"
    ),
    "tiktoken_model_name": (
        "does not apply: token counts are an offline estimate fitted to Gradient's "
        "models (README, 'Token counting'), not tiktoken"
    ),
    "include_response_headers": "is not supported: response headers are not kept",
    "disabled_params": (
        "is not supported: ChatGradient sends only the parameters you set "
        "(nothing is sent for an unset parameter)"
    ),
    "client": _OWN_CLIENT,
    "async_client": _OWN_CLIENT,
    "root_client": _OWN_CLIENT,
    "root_async_client": _OWN_CLIENT,
    "use_previous_response_id": _RESPONSES_ONLY,
    "context_management": _RESPONSES_ONLY,
}
"""``ChatOpenAI`` constructor names refused here, with the reason."""

CLIENT_SETTINGS = frozenset(
    {
        "api_key",
        "base_url",
        "timeout",
        "max_retries",
        "default_headers",
        "http_client",
        "http_async_client",
        "extra_headers",
        "extra_query",
        *ALIASES,
        *NOT_APPLICABLE,
    }
)
"""Names that configure the client, never the request body."""


def translate_aliases(values: dict[str, Any]) -> dict[str, Any]:
    """Constructor arguments with ``ChatOpenAI`` aliases renamed, refused names refused.

    An alias given as ``None`` is dropped (``None`` means "the default").

    Raises:
        GradientInvalidInputError: a setting was given under both names, or
            the name is one that does not apply here (with the reason).
    """
    refused = sorted(name for name in values if name in NOT_APPLICABLE)
    if refused:
        raise GradientInvalidInputError(
            "; ".join(f"ChatGradient: {name!r} {NOT_APPLICABLE[name]}" for name in refused)
        )
    if not any(name in values for name in ALIASES):
        _check_api_key(values)
        return values
    values = dict(values)
    for alias, field in ALIASES.items():
        if alias not in values:
            continue
        value = values.pop(alias)
        if value is None:
            continue
        if values.get(field) is not None:
            msg = f"{field!r} was given twice (also as {alias!r}); pass one of them"
            raise GradientInvalidInputError(msg)
        values[field] = value
    _check_api_key(values)
    return values


def _check_api_key(values: Mapping[str, Any]) -> None:
    """Refuse a callable key (``ChatOpenAI`` takes one that returns the key).

    The key is a ``SecretStr``, so it is masked in repr, traces and errors and
    serialized as a reference to its environment variable; a function could be
    neither. To rotate keys, copy the model: clients are shared, so a copy is
    cheap.
    """
    key = values.get("api_key")
    if callable(key):
        msg = (
            "api_key: callables are not supported; pass the key as a string or "
            "SecretStr. To rotate it, use model.model_copy(update={'api_key': new_key}) "
            "(copies share connection pools, so this is cheap)"
        )
        raise GradientInvalidInputError(msg)


def check_model_kwargs(model_kwargs: Mapping[str, Any]) -> None:
    """Refuse client settings inside ``model_kwargs`` (it holds body fields only).

    Raises:
        GradientInvalidInputError: naming the setting and where it belongs.
    """
    misplaced = sorted(name for name in model_kwargs if name in CLIENT_SETTINGS)
    if misplaced:
        msg = (
            f"model_kwargs holds request body fields, but {', '.join(map(repr, misplaced))} "
            "configure the client: pass them to ChatGradient(...) directly"
        )
        raise GradientInvalidInputError(msg)


def check_call_kwargs(kwargs: Mapping[str, Any]) -> None:
    """Refuse client settings passed to one call (``invoke(..., timeout=5)``).

    They would otherwise be sent as body fields while the call used the
    model's own settings.

    Raises:
        GradientInvalidInputError: naming the setting and how to set it.
    """
    misplaced = sorted(name for name in kwargs if name in CLIENT_SETTINGS)
    if misplaced:
        names = ", ".join(map(repr, misplaced))
        msg = (
            f"{names} configure the client, not one request, and cannot be passed per "
            "call: set them on the model, e.g. "
            "model.model_copy(update={'timeout': 5}) or ChatGradient(timeout=5)"
        )
        raise GradientInvalidInputError(msg)


class ChatOpenAINames:
    """``ChatOpenAI``'s attribute names, read from `ChatGradient`'s fields.

    Read-only: set the field itself (``model.model = ...``).
    """

    if TYPE_CHECKING:  # the fields of ChatGradient (annotated here for mypy only)
        model: str
        api_key: SecretStr | None
        base_url: str
        timeout: float | httpx.Timeout | None

    @property
    def model_name(self) -> str:
        """Same as ``model``."""
        return self.model

    @property
    def openai_api_key(self) -> SecretStr | None:
        """Same as ``api_key``."""
        return self.api_key

    @property
    def openai_api_base(self) -> str:
        """Same as ``base_url``."""
        return self.base_url

    @property
    def request_timeout(self) -> float | httpx.Timeout | None:
        """Same as ``timeout``."""
        return self.timeout
