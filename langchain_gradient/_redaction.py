"""Credentials that must reach the server but nothing that records a call.

A server-side tool such as ``{"type": "mcp", "authorization": "Bearer ...",
"headers": {...}}`` carries a credential the platform needs, so it goes out in
the request body. Everything else that sees the call's parameters (callback
handlers, tracers such as LangSmith, ``repr``, ``dumpd``) must not get it.

Two steps make that hold:

* `seal_tool`: when a tool is bound, its credentials become ``SecretStr``
  values, so the ``RunnableBinding`` that holds the tools prints and
  serializes them masked;
* `unseal_tools` turns them back into text in the request body only, and
  `redact_params` replaces every credential (sealed or not, however the tool
  arrived) in the parameters handed to callbacks.

What counts as a credential: a server-side tool's ``authorization``, every
value of any ``headers`` object, any field with a credential's name
(`is_credential_name`), and a URL with a password or a credential-named query
parameter (``?api_key=...``), at any depth. Function-tool schemas and
``response_format`` are left alone: their property names (``password``,
``token``) describe arguments, not secrets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import SecretStr

__all__ = [
    "REDACTED",
    "is_credential_name",
    "redact_params",
    "redact_serialized",
    "seal_tool",
    "unseal_tools",
]

REDACTED = "**REDACTED**"

_CREDENTIAL_NAME = re.compile(
    r"^(?:.*_)?(?:authorization|api_?key|access_?key|secret|client_secret|password|passwd"
    r"|cookie|set_cookie|bearer|access_token|refresh_token|id_token|auth_token|token"
    r"|private_key|credentials?)$"
)
_HEADERS = "headers"  # also default_headers, extra_headers
_PLAIN = frozenset({str, int, float, bool, type(None)})
# Parameters whose content is a schema (property names are not credentials).
_SCHEMA_PARAMS = frozenset({"response_format", "functions"})


@lru_cache(maxsize=1024)
def is_credential_name(name: str) -> bool:
    """Whether a field named ``name`` holds a credential (``Authorization``, ``x-api-key`` ...)."""
    return bool(_CREDENTIAL_NAME.match(name.lower().replace("-", "_")))


def _url_has_credential(text: str) -> bool:
    """Whether a URL carries a password or a credential-named query parameter."""
    if "://" not in text:
        return False
    try:
        parts = urlsplit(text)
        return bool(parts.password) or any(
            is_credential_name(name) for name, _ in parse_qsl(parts.query)
        )
    except ValueError:
        return False


def _is_function_tool(tool: Any) -> bool:
    return isinstance(tool, Mapping) and (
        tool.get("type") in (None, "function") or "function" in tool
    )


# ------------------------------------------------------------ sealing


def seal_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """A server-side tool with its credentials as ``SecretStr`` (masked in repr and dumps)."""
    sealed = _map_credentials(tool, _seal)
    return sealed if isinstance(sealed, dict) else tool


def _seal(value: Any) -> Any:
    return SecretStr(value) if isinstance(value, str) else value


def unseal_tools(tools: Any) -> Any:
    """``tools`` for the request body: sealed credentials back to their text."""
    if not isinstance(tools, list) or not any(isinstance(t, Mapping) for t in tools):
        return tools
    return [tool if _is_function_tool(tool) else _unseal(tool) for tool in tools]


def _unseal(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Mapping):
        return {key: _unseal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unseal(item) for item in value]
    return value


# ----------------------------------------------------------- redacting


def redact_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` as callbacks and tracers may see them: every credential replaced.

    Server-side tools lose their credentials; function tools and
    ``response_format`` are kept as they are; any other parameter is searched
    for credential-named fields and ``headers`` (``extra_body``, ``model_kwargs``
    fields, agent options).
    """
    redacted: dict[str, Any] = {}
    for key, value in params.items():
        # Runs on every call: plain values (most parameters) take one type check.
        if type(value) in _PLAIN or key in _SCHEMA_PARAMS:
            redacted[key] = _redact(value) if is_credential_name(key) else value
        elif _is_secret_marker(value):
            redacted[key] = value
        elif key == "tools" and isinstance(value, list):
            redacted[key] = [
                tool if _is_function_tool(tool) else _map_credentials(tool, _redact)
                for tool in value
            ]
        elif not isinstance(value, (Mapping, list, SecretStr)):
            redacted[key] = _redact(value) if is_credential_name(key) else value
        else:
            redacted[key] = _map_credentials({key: value}, _redact)[key]
    return redacted


def redact_serialized(serialized: dict[str, Any]) -> dict[str, Any]:
    """A ``dumpd`` of the model as callbacks see it: its settings redacted like `redact_params`.

    The key is already a secret reference (``lc_secrets``); this covers
    credentials in ``model_kwargs``, ``extra_body`` and ``default_headers``.
    """
    kwargs = serialized.get("kwargs")
    if not isinstance(kwargs, dict):
        return serialized
    return {**serialized, "kwargs": redact_params(kwargs)}


def _is_secret_marker(value: Any) -> bool:
    """A ``dumpd`` secret reference (``{"lc": 1, "type": "secret", ...}``): already safe."""
    return isinstance(value, Mapping) and value.get("lc") == 1 and value.get("type") == "secret"


def _redact(value: Any) -> Any:
    return None if value is None else REDACTED


def _map_credentials(value: Any, replace: Any, *, in_headers: bool = False) -> Any:
    """``value`` with ``replace`` applied to each credential inside it (a copy)."""
    if isinstance(value, SecretStr):
        return replace(value)
    if isinstance(value, Mapping):
        result: dict[Any, Any] = {}
        for key, item in value.items():
            name = key if isinstance(key, str) else ""
            if (
                in_headers
                or is_credential_name(name)
                or (isinstance(item, str) and _url_has_credential(item))
            ):
                result[key] = _map_values(item, replace)
            else:
                result[key] = _map_credentials(
                    item, replace, in_headers=name.lower().endswith(_HEADERS)
                )
        return result
    if isinstance(value, list):
        return [_map_credentials(item, replace, in_headers=in_headers) for item in value]
    return value


def _map_values(value: Any, replace: Any) -> Any:
    """Every leaf of a credential field replaced (a header map, a token, a list of them)."""
    if isinstance(value, Mapping):
        return {key: _map_values(item, replace) for key, item in value.items()}
    if isinstance(value, list):
        return [_map_values(item, replace) for item in value]
    if isinstance(value, SecretStr):
        return replace(value)
    return replace(value) if isinstance(value, str) else value
