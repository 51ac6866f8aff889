"""Local checks of a model's settings, made when it is constructed.

A setting the API or the transport cannot use fails here, as a
`GradientInvalidInputError` naming it, instead of at the first request as a
misleading connection error or a 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import httpx
from langchain_core.utils.utils import _build_model_kwargs
from pydantic import ValidationError

from langchain_gradient._drop_in import check_model_kwargs, translate_aliases
from langchain_gradient._redaction import seal_tool
from langchain_gradient._request import validate_params
from langchain_gradient.errors import GradientInvalidInputError

__all__ = [
    "GRADIENT_MAX_STOP_SEQUENCES",
    "check_base_url",
    "check_settings",
    "check_stop",
    "collect_settings",
    "invalid_input",
    "is_gradient",
    "settings_error",
]

GRADIENT_MAX_STOP_SEQUENCES = 4
"""Gradient's limit on ``stop`` sequences (its API schema: 1-4 strings)."""
_GRADIENT_DOMAINS = ("do-ai.run", "do-ai-test.run")


@lru_cache(maxsize=64)
def is_gradient(base_url: str) -> bool:
    """Whether ``base_url`` is a DigitalOcean Gradient host.

    Gradient serves every endpoint under ``do-ai.run`` (serverless inference
    ``inference.do-ai.run``, agents ``<id>.agents.do-ai.run``), and its test
    environment under ``do-ai-test.run``. Gradient's own limits and defaults
    apply there only; any other OpenAI-compatible server decides for itself.
    """
    try:
        host = httpx.URL(base_url).host.lower().rstrip(".")
    except httpx.InvalidURL:
        return False
    return any(host == domain or host.endswith("." + domain) for domain in _GRADIENT_DOMAINS)


def collect_settings(values: dict[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """A chat model's constructor arguments, before pydantic validates them.

    ``ChatOpenAI``'s aliases are translated; a known setting given as ``None``
    is dropped, so it takes its default (environment lookups included);
    unknown arguments go to ``model_kwargs`` (with core's warning), whose
    server-side tools get their credentials sealed.

    Args:
        values: The arguments as given.
        fields: The model's ``model_fields`` (names and aliases are known settings).

    Raises:
        GradientInvalidInputError: ``model_kwargs`` is not a dict, or holds a
            setting that has a field of its own or is refused.
    """
    values = translate_aliases(values)
    names = set()
    for name, field in fields.items():
        names.add(name)
        if field.alias:
            names.add(field.alias)
    # Config-driven code passes ``base_url=os.getenv(...)``: a known setting
    # given as None falls back to its default (environment lookups included).
    values = {k: v for k, v in values.items() if v is not None or k not in names}
    if not isinstance(values.get("model_kwargs", {}), dict):
        kind = type(values["model_kwargs"]).__name__
        msg = f"model_kwargs must be a dict of extra request fields, got {kind}"
        raise GradientInvalidInputError(msg)
    values = _build_model_kwargs(values, names)
    check_model_kwargs(values.get("model_kwargs", {}))
    if isinstance(tools := values["model_kwargs"].get("tools"), list):
        values["model_kwargs"]["tools"] = [
            seal_tool(t) if isinstance(t, dict) else t for t in tools
        ]
    return values


def check_settings(
    *, base_url: str, timeout: float | httpx.Timeout | None, stop: list[str] | str | None
) -> None:
    """Reject settings that could only fail later.

    Raises:
        GradientInvalidInputError: ``base_url`` is not an http(s) URL with a
            host, a ``timeout`` is zero or negative, or (on Gradient) there are
            more stop sequences than the API allows.
    """
    check_base_url(base_url)
    _check_timeout(timeout)
    validate_params({"stop": stop})
    check_stop(stop, gradient=is_gradient(base_url))


def check_stop(stop: Any, *, gradient: bool) -> None:
    """On Gradient, refuse more stop sequences than it takes (elsewhere the server decides).

    Raises:
        GradientInvalidInputError: naming the limit and the count.
    """
    if gradient and isinstance(stop, list) and len(stop) > GRADIENT_MAX_STOP_SEQUENCES:
        msg = (
            f"stop takes at most {GRADIENT_MAX_STOP_SEQUENCES} sequences on Gradient, "
            f"got {len(stop)}"
        )
        raise GradientInvalidInputError(msg)


def check_base_url(base_url: str) -> None:
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as exc:
        msg = f"invalid base_url {base_url!r}: {exc}"
        raise GradientInvalidInputError(msg) from exc
    if url.scheme not in ("http", "https") or not url.host:
        # "localhost:8000/v1" parses as scheme "localhost": say what is missing.
        msg = (
            f"base_url must start with http:// or https:// and name a host, got {base_url!r}"
            f" (did you mean 'http://{base_url}'?)"
            if "://" not in base_url
            else f"base_url must be an http:// or https:// URL with a host, got {base_url!r}"
        )
        raise GradientInvalidInputError(msg)


def _check_timeout(timeout: float | httpx.Timeout | None) -> None:
    if timeout is None:
        return
    if isinstance(timeout, httpx.Timeout):
        parts = {
            "connect": timeout.connect,
            "read": timeout.read,
            "write": timeout.write,
            "pool": timeout.pool,
        }
    else:
        parts = {"": timeout}
    for name, seconds in parts.items():
        # None inside an httpx.Timeout means "no limit", which is allowed.
        if seconds is not None and not seconds > 0:
            label = f"timeout ({name})" if name else "timeout"
            msg = f"{label} must be a positive number of seconds or None, got {seconds!r}"
            raise GradientInvalidInputError(msg)


_SECRET_FIELDS = frozenset({"api_key"})


def invalid_input(exc: ValidationError) -> GradientInvalidInputError:
    """The package's error for a constructor argument pydantic rejected.

    A `GradientInvalidInputError` raised by one of the model's own validators
    comes back as it was; anything else is described field by field.
    """
    problems: list[str] = []
    for error in exc.errors(include_url=False):
        original = error.get("ctx", {}).get("error")
        if isinstance(original, GradientInvalidInputError) and len(exc.errors()) == 1:
            return original
        where = ".".join(str(part) for part in error["loc"]) or "settings"
        problem = f"{where}: {error['msg']}"
        # The input of a model-level error is every setting, the key included.
        if error["loc"] and error["loc"][0] not in _SECRET_FIELDS:
            problem += f" (got {_short(error.get('input'))})"
        problems.append(problem)
    return GradientInvalidInputError(f"invalid {exc.title} setting: " + "; ".join(problems))


def settings_error(
    exc: ValidationError, owner: str, hints: Mapping[str, str] | None = None
) -> GradientInvalidInputError:
    """The package's error for settings pydantic rejected, quoting no input.

    A `GradientInvalidInputError` raised by one of the model's own
    validators comes back as it was; anything else is listed field by field
    (``invalid {owner} settings: name: problem; ...``), a missing or empty
    field followed by its entry in ``hints`` in parentheses. No input is
    quoted: a model-level error's input is every setting, the credential
    included.
    """
    errors = exc.errors(include_url=False, include_input=False)
    original = errors[0].get("ctx", {}).get("error") if len(errors) == 1 else None
    if isinstance(original, GradientInvalidInputError):
        return original
    problems = []
    for item in errors:
        name = ".".join(str(part) for part in item["loc"]) or "settings"
        text = f"{name}: {item['msg']}"
        hint = (hints or {}).get(name)
        if hint and item["type"] in {"missing", "string_too_short"}:
            text += f" ({hint})"
        problems.append(text)
    return GradientInvalidInputError(f"invalid {owner} settings: " + "; ".join(problems))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
