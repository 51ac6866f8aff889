"""The Responses API dialect (``POST {base_url}/responses``).

- `request.build_payload`: messages and options -> the request body;
- `response.responses_result`: a whole reply -> `ChatResult`;
- `stream.ResponsesStreamMapper`: stream events (typed events or chunks) ->
  chunks, and whether the reply came to its end (``finished``);
- `output`: how an output item, a status and a usage object are read, shared
  by the two mappers.

See `langchain_gradient.dialects` for how the face uses a dialect.
"""

from __future__ import annotations

from langchain_gradient.dialects.responses.request import PATH, build_payload
from langchain_gradient.dialects.responses.response import responses_result
from langchain_gradient.dialects.responses.stream import ResponsesStreamMapper

__all__ = ["PATH", "ResponsesStreamMapper", "build_payload", "responses_result"]
