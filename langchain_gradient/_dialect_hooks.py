"""`DialectHooks`: the steps of one call that depend on the API answering it.

`ChatGradient`'s four LangChain hooks (`_generate`, `_agenerate`, `_stream`,
`_astream`) run the same orchestration on every API; these methods are the
parts that differ, each taking the `Dialect` chosen once per call
(`_dialect`). Subclasses extend them: `ChatGradientAgent` adds its fields to
`_payload`, pins `_dialect` to Chat Completions and maps agent replies in
`_result` / `_stream_mapper`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from langchain_gradient._api_choice import choose_dialect
from langchain_gradient._params import request_body
from langchain_gradient.dialects import CHAT_COMPLETIONS, Dialect

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage
    from langchain_core.outputs import ChatResult

    from langchain_gradient._response import StreamMapper
    from langchain_gradient.chat_models import ChatGradient

__all__ = ["DialectHooks"]


class DialectHooks:
    """`_dialect`, `_payload`, `_result` and `_stream_mapper` of `ChatGradient`."""

    if TYPE_CHECKING:  # the fields of ChatGradient (annotated here for mypy only)
        model: str
        use_responses_api: bool | None
        responses_api_models: tuple[str, ...] | None
        model_kwargs: dict[str, Any]
        extra_body: dict[str, Any] | None

    def _dialect(self, kwargs: dict[str, Any]) -> Dialect:
        """Which API answers this call (README, "Responses API"); chosen once per call."""
        return choose_dialect(
            kwargs.pop("use_responses_api", self.use_responses_api),
            kwargs.get("model", self.model),
            self.responses_api_models,
            (kwargs, self.model_kwargs, self.extra_body, kwargs.get("extra_body")),
        )

    def _payload(
        self,
        messages: Sequence[BaseMessage],
        stop: list[str] | None,
        *,
        stream: bool,
        kwargs: dict[str, Any],
        dialect: Dialect = CHAT_COMPLETIONS,
    ) -> dict[str, Any]:
        """The request body of one call (raises before anything is sent)."""
        model = cast("ChatGradient", self)
        return request_body(
            model, messages, stop, stream=stream, kwargs=kwargs, build=dialect.build_payload
        )

    def _result(
        self, body: Any, requested_model: str, dialect: Dialect = CHAT_COMPLETIONS
    ) -> ChatResult:
        """Map a decoded reply body to a `ChatResult` (subclasses extend it)."""
        return dialect.result(body, requested_model)

    def _stream_mapper(
        self, requested_model: str, dialect: Dialect = CHAT_COMPLETIONS
    ) -> StreamMapper:
        """The mapper for one streamed response (subclasses extend it)."""
        return dialect.stream_mapper(requested_model)
