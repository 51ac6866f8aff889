"""Where the committed cassettes were recorded, and what the tests send.

``scripts/record-cassettes`` writes ``cassettes/recording.json`` and exports the
``GRADIENT_TEST_*`` variables while it records; replay reads the file, so the
request bodies (which name the model) match the recorded ones.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from langchain_gradient import ChatGradient

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"
RECORDING_FILE = CASSETTES / "recording.json"

LLAMA_SERVER = "llama-server"
GRADIENT = "gradient"

_DEFAULTS = {
    "source": LLAMA_SERVER,
    "base_url": "http://127.0.0.1:8080/v1",
    "model": "qwen2.5-coder-1.5b-instruct",
    "override_model": "qwen2.5-coder-1.5b-instruct-twin",
    "embedding_base_url": "http://127.0.0.1:8080/v1",
    "embedding_model": "qwen2.5-coder-1.5b-instruct-embed",
    # Locally a reasoning *stand-in*: the same weights served with llama.cpp's
    # QwQ template, which makes them write <think> blocks (scripts/record-cassettes).
    "reasoning_model": "qwen2.5-coder-1.5b-instruct-think",
}


def _load() -> dict[str, str]:
    settings = dict(_DEFAULTS)
    if RECORDING_FILE.is_file():
        recorded = json.loads(RECORDING_FILE.read_text(encoding="utf-8"))
        settings.update({k: str(v) for k, v in recorded.items() if k in _DEFAULTS})
    for key in _DEFAULTS:
        value = os.environ.get(f"GRADIENT_TEST_{key.upper()}")
        if value:
            settings[key] = value
    return settings


_SETTINGS = _load()

SOURCE = _SETTINGS["source"]
BASE_URL = _SETTINGS["base_url"]
MODEL = _SETTINGS["model"]
OVERRIDE_MODEL = _SETTINGS["override_model"]
EMBEDDING_BASE_URL = _SETTINGS["embedding_base_url"]
EMBEDDING_MODEL = _SETTINGS["embedding_model"]
REASONING_MODEL = _SETTINGS["reasoning_model"]
# The Authorization header is filtered from cassettes and not matched, so
# replay works with any placeholder.
API_KEY = os.environ.get("DIGITALOCEAN_INFERENCE_KEY") or "not-a-real-key"
LOCAL = SOURCE == LLAMA_SERVER
"""Recorded against the local llama-server (see scripts/record-cassettes), not live Gradient."""


def recorded_chat_model(default_max_tokens: int, **overrides: Any) -> ChatGradient:
    """A ChatGradient for the recorded server: deterministic, bounded replies.

    ``overrides`` replace any of these, ``max_completion_tokens`` included.
    The timeout only matters while recording (a CPU-bound local model is
    slow); it is not part of the request body, so replay is unaffected.
    """
    params: dict[str, Any] = {
        "model": MODEL,
        "base_url": BASE_URL,
        "api_key": API_KEY,
        "temperature": 0,
        "max_completion_tokens": default_max_tokens,
        "timeout": 600,
        # Usage on streams is Gradient's default, not other servers' (the
        # local recorder): asked for here, as it was when recorded.
        "stream_usage": True,
    }
    params.update(overrides)
    return ChatGradient(**params)
