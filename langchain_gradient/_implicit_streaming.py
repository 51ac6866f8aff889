"""`ImplicitStreamingRule`: when ``invoke`` streams under the hood, given ``n``.

A stream carries one choice, so a call asking for several (``n > 1``) never
streams implicitly: with ``streaming=True`` or a streaming callback handler
attached (``astream_events``), ``invoke`` then sends the plain request, so
every choice comes back. An explicit ``stream()`` still reaches `_stream`,
which refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
    )
    from langchain_core.language_models import BaseChatModel

    _ChatModel = BaseChatModel
else:
    # A mixin at run time; typed as the chat model whose methods it overrides.
    _ChatModel = object

__all__ = ["ImplicitStreamingRule"]


class ImplicitStreamingRule(_ChatModel):
    """Core's two "stream this ``invoke``?" hooks, answering no for ``n > 1``."""

    if TYPE_CHECKING:  # the field of ChatGradient (annotated here for mypy only)
        n: int | None

    def _many_choices(self, kwargs: Mapping[str, Any]) -> bool:
        """Whether a call asks for more than one choice (the field, or the call's ``n``)."""
        n = kwargs.get("n", self.n)
        return isinstance(n, int) and n > 1

    def _should_stream(
        self,
        *,
        async_api: bool,
        run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> bool:
        """Never stream implicitly when ``n > 1`` (see the module docstring)."""
        if self._many_choices(kwargs) and not kwargs.get("stream"):
            return False
        return super()._should_stream(async_api=async_api, run_manager=run_manager, **kwargs)

    def _should_use_protocol_streaming(
        self,
        *,
        async_api: bool,
        run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> bool:
        """The same rule for core's event-protocol streaming of ``invoke``."""
        if self._many_choices(kwargs) and not kwargs.get("stream"):
            return False
        return super()._should_use_protocol_streaming(
            async_api=async_api, run_manager=run_manager, **kwargs
        )
