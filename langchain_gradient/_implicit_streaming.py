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

    def _may_stream_implicitly(self, kwargs: Mapping[str, Any]) -> bool:
        """False when a call asks for ``n > 1`` (the field or its own), unless it says ``stream``.

        ``stream()`` passes ``stream=True``: it reaches `_stream`, which refuses.
        """
        n = kwargs.get("n", self.n)
        return bool(kwargs.get("stream")) or not (isinstance(n, int) and n > 1)

    def _should_stream(self, *, async_api: bool, **kwargs: Any) -> bool:
        """Never stream implicitly when ``n > 1`` (see the module docstring)."""
        return self._may_stream_implicitly(kwargs) and super()._should_stream(
            async_api=async_api, **kwargs
        )

    def _should_use_protocol_streaming(self, *, async_api: bool, **kwargs: Any) -> bool:
        """The same rule for core's event-protocol streaming of ``invoke``."""
        return self._may_stream_implicitly(kwargs) and super()._should_use_protocol_streaming(
            async_api=async_api, **kwargs
        )
