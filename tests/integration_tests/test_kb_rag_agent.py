"""Retrieval-augmented generation end to end: a knowledge base as an agent's tool.

``create_agent`` gets `GradientKnowledgeBaseRetriever.as_tool(...)`; the
recorded model decides to search, the retriever queries the knowledge base,
and the model answers from the passage it got back. The passage holds a made-up
fact (Kestrel keeps snapshots for 93 days) that the model cannot know otherwise.

No Gradient knowledge base is reachable from here: the retriever talks to the
loopback knowledge base of ``tests/kb_server.py`` (the documented ``/retrieve``
contract over a small corpus). While recording, its HTTP exchange is written
to the same cassette as the model's, so replay needs neither server and runs
under ``--block-network``. The Authorization header is filtered from the
cassette (and ``scripts/scan_cassettes.py`` checks for DigitalOcean tokens).
"""

from __future__ import annotations

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from langchain_gradient import GradientKnowledgeBaseRetriever
from tests.integration_tests._recording import CASSETTES, recorded_chat_model
from tests.kb_server import KNOWLEDGE_BASE_ID, TOKEN, KnowledgeBaseServer

pytestmark = pytest.mark.vcr

SYSTEM_PROMPT = (
    "You answer questions about the company handbook. Always call search_handbook first, "
    "then answer in one short sentence using only what it returned."
)
QUESTION = "How many days does the Kestrel backup plan keep snapshots?"
CASSETTE = CASSETTES / "test_rag_agent_answers_from_the_knowledge_base.yaml.gz"


def test_rag_agent_answers_from_the_knowledge_base(record_mode: str) -> None:
    if record_mode == "none" and not CASSETTE.is_file():
        pytest.skip(
            f"{CASSETTE.name} is not recorded yet: run "
            "scripts/record-cassettes -k test_rag_agent_answers_from_the_knowledge_base"
        )
    with KnowledgeBaseServer() as kb:
        retriever = GradientKnowledgeBaseRetriever(
            knowledge_base_id=KNOWLEDGE_BASE_ID,
            api_token=TOKEN,
            base_url=kb.base_url,
            num_results=2,
        )
        tool = retriever.as_tool(
            name="search_handbook",
            description=(
                "Search the company handbook (backups, droplets, support, billing). "
                "Returns the most relevant passages."
            ),
        )
        agent = create_agent(recorded_chat_model(128), tools=[tool], system_prompt=SYSTEM_PROMPT)
        state = agent.invoke({"messages": [HumanMessage(QUESTION)]})

    messages = state["messages"]
    calls = [call for m in messages if isinstance(m, AIMessage) for call in m.tool_calls]
    assert [call["name"] for call in calls] == ["search_handbook"]
    assert "kestrel" in calls[0]["args"]["query"].lower()
    [result] = [m for m in messages if isinstance(m, ToolMessage)]
    assert result.tool_call_id == calls[0]["id"]
    assert result.status == "success"
    # The retriever's documents travel with the tool message; their text is what
    # the model was given.
    assert result.artifact[0].metadata["item_name"] == "handbook/backups.md"
    assert result.artifact[0].metadata["knowledge_base_id"] == KNOWLEDGE_BASE_ID
    assert "93 days" in result.content
    final = messages[-1]
    assert isinstance(final, AIMessage)
    assert not final.tool_calls
    assert "93" in final.text
