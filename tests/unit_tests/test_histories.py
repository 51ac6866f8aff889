"""Conversations recorded by other providers' chat models continue on ChatGradient.

One conversation (a question with a photo, a tool call, its result, the
answer, a follow-up) as ChatOpenAI (Chat Completions v0/v1, Responses API
``responses/v1``, v1 and v0), ChatAnthropic (v0/v1), ChatMistralAI, ChatDeepSeek
and ChatGradient itself (v0/v1) leave it in LangChain messages. The message
shapes are the ones those models produce (checked by feeding recorded-looking
API replies to langchain-openai 1.8.1, langchain-anthropic 1.7.10,
langchain-mistralai 1.1.6 and langchain-deepseek 1.1.1 over a loopback server;
none of them is a dependency here). Whatever recorded it, the request carries the
same text, image, tool call and tool result, and nothing private to the
provider that wrote a turn: its reasoning, thinking signatures, encrypted
reasoning, server-side tool blocks or blocks that repeat ``tool_calls``.
"""

from __future__ import annotations

import json
from functools import partial, reduce
from operator import add
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.runnables import Runnable, RunnableLambda

from langchain_gradient import ChatGradient, GradientInvalidInputError
from langchain_gradient._request import message_to_dict
from tests.unit_tests.fakes import FakeAPI, completion
from tests.unit_tests.paths import BOTH_APIS, RESPONSES_PATHS, Path, sent_messages, serve

QUESTION = "What's the weather like where this photo was taken?"
PHOTO = "https://example.com/paris.png"
SAID = "Let me check the weather in Paris."
RESULT = "18 degrees and sunny"
ANSWER = "It is 18 degrees and sunny in Paris."
FOLLOW_UP = "And tomorrow?"
ARGS = {"city": "Paris"}
PRIVATE = "PRIVATE-REASONING"
"""Reasoning text: in every provider's turn, never on the wire."""
SIGNATURE = "PRIVATE-SIGNATURE"
ENCRYPTED = "PRIVATE-ENCRYPTED"


def user_turn(image: dict[str, Any]) -> HumanMessage:
    return HumanMessage([{"type": "text", "text": QUESTION}, image])


OPENAI_IMAGE = {"type": "image_url", "image_url": {"url": PHOTO}}
ANTHROPIC_IMAGE = {"type": "image", "source": {"type": "url", "url": PHOTO}}
STANDARD_IMAGE = {"type": "image", "url": PHOTO}


def metadata(provider: str) -> dict[str, Any]:
    return {"model_provider": provider, "model_name": f"{provider}-model"}


def calls(call_id: str) -> list[dict[str, Any]]:
    return [{"name": "get_weather", "args": ARGS, "id": call_id, "type": "tool_call"}]


def wire_call(call_id: str) -> dict[str, Any]:
    """The tool call as the request carries it."""
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": "get_weather", "arguments": json.dumps(ARGS)},
    }


def tool_call_block(call_id: str, **extra: Any) -> dict[str, Any]:
    return {"type": "tool_call", "id": call_id, "name": "get_weather", "args": ARGS, **extra}


def conversation(
    image: dict[str, Any],
    call: AIMessage,
    answer: AIMessage,
    *,
    system: SystemMessage | None = None,
    result: str | list[str | dict[str, Any]] = RESULT,
) -> tuple[list[BaseMessage], str]:
    """The conversation around one provider's turns, and its tool call's id."""
    call_id = call.tool_calls[0]["id"]
    assert call_id is not None
    return [
        *([] if system is None else [system]),
        user_turn(image),
        call,
        ToolMessage(result, tool_call_id=call_id),
        answer,
        HumanMessage(FOLLOW_UP),
    ], call_id


# --------------------------------------------------------- recorded histories
# Each returns (the conversation, the tool call's id).


def openai_chat_v0() -> tuple[list[BaseMessage], str]:
    call = AIMessage(
        SAID,
        additional_kwargs={"refusal": None},
        tool_calls=calls("call_abc"),
        response_metadata=metadata("openai"),
    )
    answer = AIMessage(
        ANSWER, additional_kwargs={"refusal": None}, response_metadata=metadata("openai")
    )
    return conversation(OPENAI_IMAGE, call, answer, system=SystemMessage("You are a weather bot."))


def openai_chat_v1() -> tuple[list[BaseMessage], str]:
    call = AIMessage(
        [{"type": "text", "text": SAID}, tool_call_block("call_abc")],
        additional_kwargs={"refusal": None},
        tool_calls=calls("call_abc"),
        response_metadata=metadata("openai"),
    )
    answer = AIMessage([{"type": "text", "text": ANSWER}], response_metadata=metadata("openai"))
    return conversation(
        STANDARD_IMAGE, call, answer, system=SystemMessage("You are a weather bot.")
    )


def openai_responses_v1_native() -> tuple[list[BaseMessage], str]:
    """``output_version="responses/v1"``: the Responses API's own items."""
    reasoning = {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [{"type": "summary_text", "text": PRIVATE}],
        "encrypted_content": ENCRYPTED,
    }
    text = {
        "type": "text",
        "text": SAID,
        "annotations": [
            {"type": "url_citation", "url": "https://x.org", "title": "X", "start_index": 0}
        ],
        "id": "msg_1",
    }
    function_call = {
        "type": "function_call",
        "name": "get_weather",
        "arguments": json.dumps(ARGS),
        "call_id": "call_abc",
        "id": "fc_1",
        "status": "completed",
    }
    call = AIMessage(
        [reasoning, text, function_call],
        tool_calls=calls("call_abc"),
        response_metadata=metadata("openai"),
    )
    answer = AIMessage(
        [{"type": "text", "text": ANSWER, "annotations": [], "id": "msg_2"}],
        response_metadata=metadata("openai"),
    )
    return conversation(OPENAI_IMAGE, call, answer, system=SystemMessage("You are a weather bot."))


def openai_responses_v1() -> tuple[list[BaseMessage], str]:
    """Responses API with ``output_version="v1"`` (standard blocks)."""
    reasoning = {"type": "reasoning", "id": "rs_1", "reasoning": PRIVATE}
    reasoning["encrypted_content"] = ENCRYPTED
    call = AIMessage(
        [
            reasoning,
            {"type": "text", "text": SAID, "annotations": [], "id": "msg_1"},
            tool_call_block("call_abc", extras={"item_id": "fc_1", "status": "completed"}),
        ],
        tool_calls=calls("call_abc"),
        response_metadata=metadata("openai"),
    )
    answer = AIMessage([{"type": "text", "text": ANSWER}], response_metadata=metadata("openai"))
    return conversation(STANDARD_IMAGE, call, answer, result=[{"type": "text", "text": RESULT}])


def openai_responses_v0() -> tuple[list[BaseMessage], str]:
    """Responses API, ``output_version="v0"``: reasoning item in additional_kwargs."""
    call = AIMessage(
        [{"type": "text", "text": SAID, "annotations": []}],
        additional_kwargs={
            "reasoning": {
                "id": "rs_1",
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": PRIVATE}],
                "encrypted_content": ENCRYPTED,
            },
            "__openai_function_call_ids__": {"call_abc": "fc_1"},
        },
        tool_calls=calls("call_abc"),
        response_metadata=metadata("openai"),
    )
    return conversation(
        OPENAI_IMAGE, call, AIMessage([{"type": "text", "text": ANSWER, "annotations": []}])
    )


def anthropic_v0() -> tuple[list[BaseMessage], str]:
    call = AIMessage(
        [
            {"type": "thinking", "thinking": PRIVATE, "signature": SIGNATURE},
            {"type": "redacted_thinking", "data": ENCRYPTED},
            {"type": "text", "text": SAID},
            {
                "type": "tool_use",
                "id": "toolu_01",
                "name": "get_weather",
                "input": ARGS,
                "toolset_name": None,
            },
        ],
        tool_calls=calls("toolu_01"),
        response_metadata=metadata("anthropic"),
    )
    return conversation(
        ANTHROPIC_IMAGE,
        call,
        AIMessage(ANSWER, response_metadata=metadata("anthropic")),
        system=SystemMessage([{"type": "text", "text": "You are a weather bot."}]),
        result=[{"type": "text", "text": RESULT}],
    )


def anthropic_v1() -> tuple[list[BaseMessage], str]:
    call = AIMessage(
        [
            {"type": "reasoning", "reasoning": PRIVATE, "extras": {"signature": SIGNATURE}},
            {"type": "non_standard", "value": {"type": "redacted_thinking", "data": ENCRYPTED}},
            {"type": "text", "text": SAID},
            tool_call_block("toolu_01", extras={"toolset_name": None}),
        ],
        tool_calls=calls("toolu_01"),
        response_metadata=metadata("anthropic"),
    )
    return conversation(
        STANDARD_IMAGE,
        call,
        AIMessage([{"type": "text", "text": ANSWER}], response_metadata=metadata("anthropic")),
        system=SystemMessage([{"type": "text", "text": "You are a weather bot."}]),
        result=[{"type": "text", "text": RESULT}],
    )


def anthropic_server_tools() -> tuple[list[BaseMessage], str]:
    """A turn that ran Anthropic's web search before calling our tool."""
    call = AIMessage(
        [
            {
                "type": "server_tool_use",
                "id": "srvtoolu_01",
                "name": "web_search",
                "input": {"query": PRIVATE},
            },
            {
                "type": "web_search_tool_result",
                "tool_use_id": "srvtoolu_01",
                "content": [{"type": "web_search_result", "title": PRIVATE, "url": "https://x"}],
            },
            {"type": "text", "text": SAID, "citations": None},
            {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": ARGS},
        ],
        tool_calls=calls("toolu_01"),
        response_metadata=metadata("anthropic"),
    )
    return conversation(
        ANTHROPIC_IMAGE,
        call,
        AIMessage(ANSWER, response_metadata=metadata("anthropic")),
        result=[{"type": "text", "text": RESULT}],
    )


def mistral() -> tuple[list[BaseMessage], str]:
    raw = [{"id": "D681PevKs", "function": {"name": "get_weather", "arguments": json.dumps(ARGS)}}]
    call = AIMessage(
        SAID,
        additional_kwargs={"tool_calls": raw},
        tool_calls=calls("D681PevKs"),
        response_metadata={"model_provider": "mistralai"},
    )
    answer = AIMessage(
        [
            {"type": "thinking", "thinking": [{"type": "text", "text": PRIVATE}]},
            {"type": "text", "text": ANSWER},
        ],
        response_metadata={"model_provider": "mistralai"},
    )
    return conversation(OPENAI_IMAGE, call, answer)


def mistral_v1() -> tuple[list[BaseMessage], str]:
    call = AIMessage(
        [{"type": "text", "text": SAID}, tool_call_block("D681PevKs")],
        tool_calls=calls("D681PevKs"),
        response_metadata={"model_provider": "mistralai"},
    )
    answer = AIMessage(
        [{"type": "reasoning", "reasoning": PRIVATE}, {"type": "text", "text": ANSWER}],
        response_metadata={"model_provider": "mistralai"},
    )
    return conversation(STANDARD_IMAGE, call, answer)


def deepseek() -> tuple[list[BaseMessage], str]:
    call = AIMessage(
        SAID,
        additional_kwargs={"refusal": None, "reasoning_content": PRIVATE},
        tool_calls=calls("call_0_ds"),
        response_metadata=metadata("deepseek"),
    )
    answer = AIMessage(
        ANSWER,
        additional_kwargs={"reasoning_content": PRIVATE},
        response_metadata=metadata("deepseek"),
    )
    return conversation(OPENAI_IMAGE, call, answer)


def reasoning_content_v1(provider: str, call_id: str) -> tuple[list[BaseMessage], str]:
    """ChatDeepSeek or ChatGradient with ``output_version="v1"``: reasoning in both places."""
    call = AIMessage(
        [
            {"type": "reasoning", "reasoning": PRIVATE},
            {"type": "text", "text": SAID},
            tool_call_block(call_id),
        ],
        additional_kwargs={"reasoning_content": PRIVATE},
        tool_calls=calls(call_id),
        response_metadata=metadata(provider),
    )
    return conversation(
        STANDARD_IMAGE,
        call,
        AIMessage([{"type": "text", "text": ANSWER}], response_metadata=metadata(provider)),
    )


HISTORIES = {
    "openai-chat-v0": openai_chat_v0,
    "openai-chat-v1": openai_chat_v1,
    "openai-responses/v1": openai_responses_v1_native,
    "openai-responses-v1": openai_responses_v1,
    "openai-responses-v0": openai_responses_v0,
    "anthropic-v0": anthropic_v0,
    "anthropic-v1": anthropic_v1,
    "anthropic-server-tools": anthropic_server_tools,
    "mistral": mistral,
    "mistral-v1": mistral_v1,
    "deepseek": deepseek,
    "deepseek-v1": partial(reasoning_content_v1, "deepseek", "call_0_ds"),
    "gradient-v1": partial(reasoning_content_v1, "gradient", "call_1"),
}


def wire_content(content: Any) -> Any:
    """What a ToolMessage's or SystemMessage's content looks like on the wire."""
    if isinstance(content, str):
        return content
    return [{"type": "text", "text": block["text"]} for block in content]


def expected_request(
    history: list[BaseMessage], call_id: str, *, responses: bool = False
) -> list[dict[str, Any]]:
    """The one request every recording of the conversation must become.

    ``responses``: as read back from a ``/responses`` body, where a tool
    result's text is one string (``function_call_output.output``, as Gradient's
    SDK types it) rather than parts.
    """
    tool = next(m for m in history if isinstance(m, ToolMessage))
    result = wire_content(tool.content)
    if responses and isinstance(result, list):
        result = "".join(part["text"] for part in result)
    system = [
        {"role": "system", "content": wire_content(m.content)}
        for m in history
        if isinstance(m, SystemMessage)
    ]
    return [
        *system,
        {
            "role": "user",
            "content": [
                {"type": "text", "text": QUESTION},
                {"type": "image_url", "image_url": {"url": PHOTO}},
            ],
        },
        {
            "role": "assistant",
            "content": SAID,
            "tool_calls": [wire_call(call_id)],
        },
        {"role": "tool", "tool_call_id": call_id, "content": result},
        {"role": "assistant", "content": ANSWER},
        {"role": "user", "content": FOLLOW_UP},
    ]


def continuing(history: list[BaseMessage]) -> Any:
    def build(model: ChatGradient) -> Runnable[Any, Any]:
        return RunnableLambda(lambda _: history) | model

    return build


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
@pytest.mark.parametrize("recorded_by", HISTORIES)
def test_a_conversation_from_another_provider_continues(recorded_by: str, path: Path) -> None:
    history, call_id = HISTORIES[recorded_by]()
    api = FakeAPI(serve(completion("Rain is expected tomorrow.")))
    reply = path.run(continuing(history), api)
    assert reply.text == "Rain is expected tomorrow."
    [body] = api.bodies
    responses = path in RESPONSES_PATHS
    assert sent_messages(body) == expected_request(history, call_id, responses=responses)
    wire = json.dumps(body)
    for private in (PRIVATE, SIGNATURE, ENCRYPTED, "reasoning", "thinking", "tool_use"):
        assert private not in wire


# --------------------------------------------------------------- refusals


REFUSAL = "I'm sorry, I can't help with that."


@pytest.mark.parametrize(
    "refused",
    [
        pytest.param(
            AIMessage(
                [{"type": "refusal", "refusal": REFUSAL}],
                additional_kwargs={"refusal": REFUSAL},
                response_metadata=metadata("gradient"),
            ),
            id="gradient-v1",
        ),
        pytest.param(
            AIMessage("", additional_kwargs={"refusal": REFUSAL}),
            id="gradient-or-openai-v0",
        ),
        pytest.param(
            AIMessage([], additional_kwargs={"refusal": REFUSAL}),
            id="openai-chat-v1",
        ),
        pytest.param(
            AIMessage([{"type": "refusal", "refusal": REFUSAL, "id": "msg_1"}]),
            id="openai-responses",
        ),
    ],
)
def test_a_refused_turn_goes_back_as_the_assistants_text(refused: AIMessage) -> None:
    api = FakeAPI()
    api.model().invoke([HumanMessage("Do something bad"), refused, HumanMessage("OK, then: hi")])
    assert api.body["messages"][1] == {"role": "assistant", "content": REFUSAL}


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_our_own_v1_refusal_continues_on_every_path(path: Path) -> None:
    api = FakeAPI(serve(completion(None, refusal=REFUSAL)), serve(completion("Hello!")))
    model = api.model(output_version="v1")
    refused = model.invoke("Do something bad")
    assert refused.content == [{"type": "refusal", "refusal": REFUSAL}]
    history = [HumanMessage("Do something bad"), refused, HumanMessage("OK, then: hi")]
    reply = path.run(continuing(history), api, output_version="v1")
    assert reply.text == "Hello!"
    assert sent_messages(api.body)[1] == {"role": "assistant", "content": REFUSAL}


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_our_own_v1_tool_turn_continues_on_every_path(path: Path) -> None:
    call = wire_call("call_1")
    api = FakeAPI(
        serve(completion(SAID, reasoning_content=PRIVATE, tool_calls=[call])),
        serve(completion(ANSWER)),
    )
    turn = api.model(output_version="v1").invoke(QUESTION)
    assert [block["type"] for block in turn.content] == ["reasoning", "text", "tool_call"]
    history = [HumanMessage(QUESTION), turn, ToolMessage(RESULT, tool_call_id="call_1")]
    path.run(continuing(history), api, output_version="v1")
    assert sent_messages(api.body)[1:] == [
        {"role": "assistant", "content": SAID, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": RESULT},
    ]


@pytest.mark.parametrize("path", BOTH_APIS, ids=str)
def test_our_own_streamed_v1_turns_continue_on_every_path(path: Path) -> None:
    call = wire_call("call_1")
    api = FakeAPI(
        serve(completion(SAID, reasoning=PRIVATE, tool_calls=[call])),
        serve(completion(None, refusal=REFUSAL)),
        serve(completion(ANSWER)),
    )
    model = api.model(output_version="v1")
    turn = reduce(add, model.stream(QUESTION))
    refused = reduce(add, model.stream("Do something bad"))
    history = [
        HumanMessage(QUESTION),
        turn,
        ToolMessage(RESULT, tool_call_id="call_1"),
        HumanMessage("Do something bad"),
        refused,
        HumanMessage(FOLLOW_UP),
    ]
    path.run(continuing(history), api, output_version="v1")
    assert sent_messages(api.body) == [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": SAID, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": RESULT},
        {"role": "user", "content": "Do something bad"},
        {"role": "assistant", "content": REFUSAL},
        {"role": "user", "content": FOLLOW_UP},
    ]


# ------------------------------------------------------ legacy function calls

FUNCTION_CALL = {"name": "get_weather", "arguments": json.dumps(ARGS)}


def legacy_call() -> AIMessage:
    """ChatOpenAI's reply to a request made with the legacy ``functions`` field."""
    return AIMessage("", additional_kwargs={"function_call": FUNCTION_CALL, "refusal": None})


def test_a_legacy_function_call_answered_by_a_tool_message_is_sent_with_its_id() -> None:
    api = FakeAPI()
    history = [
        HumanMessage(QUESTION),
        legacy_call(),
        ToolMessage(RESULT, tool_call_id="legacy-1"),
    ]
    api.model().invoke(history)
    assert api.body["messages"][1:] == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "legacy-1", "type": "function", "function": FUNCTION_CALL}],
        },
        {"role": "tool", "tool_call_id": "legacy-1", "content": RESULT},
    ]


def test_a_legacy_function_call_and_its_function_message_share_one_id() -> None:
    api = FakeAPI()
    history = [
        HumanMessage(QUESTION),
        legacy_call(),
        FunctionMessage(RESULT, name="get_weather"),
        HumanMessage(FOLLOW_UP),
    ]
    api.model().invoke(history)
    assistant, tool = api.body["messages"][1:3]
    [call] = assistant["tool_calls"]
    assert call["function"] == FUNCTION_CALL
    assert call["id"]
    assert tool == {"role": "tool", "tool_call_id": call["id"], "content": RESULT}


def test_an_unanswered_legacy_function_call_raises_before_sending() -> None:
    api = FakeAPI()
    with pytest.raises(GradientInvalidInputError, match=r"message 1: .*function_call.*no id"):
        api.model().invoke([HumanMessage(QUESTION), legacy_call(), HumanMessage(FOLLOW_UP)])
    assert api.requests == []


def test_a_legacy_function_call_converted_alone_raises_rather_than_vanishing() -> None:
    with pytest.raises(GradientInvalidInputError, match="legacy function_call"):
        message_to_dict(legacy_call(), 3)


def test_a_function_message_answering_no_call_raises_before_sending() -> None:
    api = FakeAPI()
    with pytest.raises(GradientInvalidInputError, match="message 1: a FunctionMessage"):
        api.model().invoke([HumanMessage(QUESTION), FunctionMessage(RESULT, name="f")])
    assert api.requests == []


def test_tool_calls_win_over_a_legacy_function_call_on_the_same_message() -> None:
    api = FakeAPI()
    both = AIMessage(
        "", additional_kwargs={"function_call": FUNCTION_CALL}, tool_calls=calls("call_1")
    )
    api.model().invoke([HumanMessage(QUESTION), both, ToolMessage(RESULT, tool_call_id="call_1")])
    [call] = api.body["messages"][1]["tool_calls"]
    assert call["id"] == "call_1"


# ------------------------------------------- calls found only outside tool_calls


@pytest.mark.parametrize(
    "turn",
    [
        pytest.param(
            AIMessage(
                [
                    {
                        "type": "function_call",
                        "name": "get_weather",
                        "arguments": json.dumps(ARGS),
                        "call_id": "call_abc",
                        "id": "fc_1",
                    }
                ]
            ),
            id="responses-function_call-block",
        ),
        pytest.param(
            AIMessage(
                "",
                additional_kwargs={
                    "tool_calls": [
                        {
                            "id": "call_abc",
                            "function": {"name": "get_weather", "arguments": json.dumps(ARGS)},
                        }
                    ]
                },
            ),
            id="raw-tool-calls-without-type",
        ),
    ],
)
def test_a_call_kept_only_outside_tool_calls_is_still_sent(turn: AIMessage) -> None:
    api = FakeAPI()
    history = [HumanMessage(QUESTION), turn, ToolMessage(RESULT, tool_call_id="call_abc")]
    api.model().invoke(history)
    assert api.body["messages"][1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [wire_call("call_abc")],
    }


# ----------------------------------------------- what cannot be sent is refused


@pytest.mark.parametrize(
    ("message", "match"),
    [
        pytest.param(
            AIMessage([{"type": "image", "url": PHOTO}]),
            "assistant content block of type 'image'",
            id="assistant-image",
        ),
        pytest.param(
            ToolMessage([{"type": "image", "url": PHOTO}], tool_call_id="call_1"),
            "only accepted in user messages",
            id="tool-result-image",
        ),
        pytest.param(
            HumanMessage(
                [
                    {
                        "type": "document",
                        "source": {"type": "base64", "media_type": "application/pdf", "data": "x"},
                    }
                ]
            ),
            "'document'",
            id="anthropic-document",
        ),
    ],
)
def test_content_the_api_cannot_take_raises_instead_of_being_dropped(
    message: BaseMessage, match: str
) -> None:
    api = FakeAPI()
    with pytest.raises(GradientInvalidInputError, match=match):
        api.model().invoke([HumanMessage(QUESTION), message])
    assert api.requests == []


def test_unknown_user_blocks_raise_rather_than_vanish() -> None:
    api = FakeAPI()
    with pytest.raises(GradientInvalidInputError, match="'thinking'"):
        api.model().invoke([HumanMessage([{"type": "thinking", "thinking": "mine"}])])
    assert api.requests == []


def test_assistant_text_with_cache_control_keeps_it_next_to_private_blocks() -> None:
    api = FakeAPI()
    turn = AIMessage(
        [
            {"type": "thinking", "thinking": PRIVATE, "signature": SIGNATURE},
            {"type": "text", "text": SAID, "cache_control": {"type": "ephemeral"}},
        ],
        response_metadata=metadata("anthropic"),
    )
    api.model().invoke([HumanMessage(QUESTION), turn, HumanMessage(FOLLOW_UP)])
    assert api.body["messages"][1]["content"] == [
        {"type": "text", "text": SAID, "cache_control": {"type": "ephemeral"}}
    ]
