"""`RedactedIdentity`: the model as serialization, callbacks and tracers see it (no credentials).

`ChatGradient` inherits it (before ``BaseChatModel``, whose methods these
override): ``dumpd``/``dumps`` store the key as a secret reloaded from the
environment, and every copy of the settings that core hands to callbacks and
tracers (``_identifying_params``, the invocation params, ``_serialized``) has
server-side tools' credentials redacted (`_redaction`).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from langchain_core.load import dumpd

from langchain_gradient._redaction import redact_params, redact_serialized

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    _ChatModel = BaseChatModel
else:
    # A mixin at run time; typed as the chat model whose methods it overrides.
    _ChatModel = object

__all__ = ["RedactedIdentity"]


class RedactedIdentity(_ChatModel):
    """``lc_secrets``, ``_identifying_params``, invocation params, ``_serialized``."""

    if TYPE_CHECKING:  # of ChatGradient (annotated here for mypy only)
        base_url: str
        _api_key_env: ClassVar[str]

        @property
        def _default_params(self) -> dict[str, Any]: ...

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """The model can be saved with ``langchain_core.load.dumpd`` (never the key)."""
        return True

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Secret fields and the environment variable each is reloaded from."""
        return {"api_key": self._api_key_env}

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return redact_params({"base_url": self.base_url, **self._default_params})

    @cached_property
    def _serialized(self) -> dict[str, Any]:
        # The model as callbacks and tracers receive it (core caches it too).
        return redact_serialized(dumpd(self))

    def _get_invocation_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        # What callbacks and tracers record: tool credentials redacted.
        # (_identifying_params are redacted already; only the call's own are left.)
        params = super()._get_invocation_params(stop=stop)
        if kwargs:
            params.update(redact_params(kwargs))
        return params
