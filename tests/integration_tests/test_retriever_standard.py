"""langchain-tests' standard retriever suite, run against the loopback knowledge base.

No Gradient knowledge base is reachable from CI, so the suite talks to
``tests/kb_server.py``: a real HTTP server on 127.0.0.1 implementing the
documented ``/retrieve`` contract over a small corpus. It is verified against
that contract, not against the live service.

CI runs the integration tests with ``--block-network``; the mark below lets
this module reach the loopback address (only).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests

from langchain_gradient import GradientKnowledgeBaseRetriever, aclose_shared_clients
from tests.kb_server import KNOWLEDGE_BASE_ID, TOKEN, KnowledgeBaseServer

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


class TestGradientKnowledgeBaseRetrieverStandard(RetrieversIntegrationTests):
    base_url = ""

    @pytest.fixture(autouse=True, scope="class")
    @classmethod
    def _knowledge_base(cls) -> Iterator[None]:
        with KnowledgeBaseServer() as server:
            cls.base_url = server.base_url
            yield

    @pytest.fixture(autouse=True)
    async def _close_async_pools(self) -> AsyncIterator[None]:
        yield
        await aclose_shared_clients()

    @property
    def retriever_constructor(self) -> type[GradientKnowledgeBaseRetriever]:
        return GradientKnowledgeBaseRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {
            "knowledge_base_id": KNOWLEDGE_BASE_ID,
            "api_token": TOKEN,
            "base_url": type(self).base_url,
        }

    @property
    def retriever_query_example(self) -> str:
        return "How long are Kestrel snapshots kept?"

    @property
    def num_results_arg_name(self) -> str:
        return "num_results"
