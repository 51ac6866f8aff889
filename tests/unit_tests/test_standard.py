"""LangChain's standard unit suite for ChatGradient."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_gradient import ChatGradient


class TestChatGradientStandard(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatGradient]:
        return ChatGradient

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "llama3.3-70b-instruct", "api_key": "test-key"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {
                "DIGITALOCEAN_INFERENCE_KEY": "sk-do-from-env",
                "DIGITALOCEAN_INFERENCE_BASE_URL": "https://example.invalid/v1",
            },
            {"model": "llama3.3-70b-instruct"},
            {"api_key": "sk-do-from-env", "base_url": "https://example.invalid/v1"},
        )

    @property
    def has_tool_calling(self) -> bool:
        return True

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_urls(self) -> bool:
        return True

    @pytest.mark.xfail(
        reason=(
            "langchain-core 1.7's load(allowed_objects='all') admits only classes in "
            "core's own serializable mapping, which lists no third-party package added "
            "after it; ChatGradient loads with allowed_objects=[ChatGradient] instead "
            "(pinned in test_serialization.py). The dumpd snapshot itself matches."
        ),
        raises=ValueError,
        strict=True,
    )
    def test_serdes(self, model: Any, snapshot: Any) -> None:
        super().test_serdes(model, snapshot)
