"""ChatGradient round-trips through langchain_core.load, and pickling, without its key."""

from __future__ import annotations

import pickle

import pytest
from langchain_core.load import dumpd, dumps, load

from langchain_gradient import ChatGradient

KEY = "sk-do-serialization-secret-123"


def test_dumpd_load_round_trip_reads_the_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = ChatGradient(api_key=KEY, model="alibaba-qwen3-32b", temperature=0.3, seed=5)
    serialized = dumpd(model)
    assert KEY not in dumps(model)
    assert serialized["kwargs"]["api_key"] == {
        "lc": 1,
        "type": "secret",
        "id": ["DIGITALOCEAN_INFERENCE_KEY"],
    }
    monkeypatch.setenv("DIGITALOCEAN_INFERENCE_KEY", KEY)
    loaded = load(
        serialized,
        allowed_objects=[ChatGradient],
        valid_namespaces=["langchain_gradient"],
        secrets_from_env=True,
    )
    assert isinstance(loaded, ChatGradient)
    assert (loaded.model, loaded.temperature, loaded.seed) == ("alibaba-qwen3-32b", 0.3, 5)
    assert loaded.api_key is not None
    assert loaded.api_key.get_secret_value() == KEY


def test_pickle_leaves_the_key_behind_and_reads_it_again(monkeypatch: pytest.MonkeyPatch) -> None:
    model = ChatGradient(api_key=KEY, temperature=0.1)
    data = pickle.dumps(model)
    assert KEY.encode() not in data
    monkeypatch.setenv("DIGITALOCEAN_INFERENCE_KEY", "sk-do-from-env-after-unpickle")
    restored = pickle.loads(data)  # noqa: S301 - our own bytes
    assert restored.temperature == 0.1
    assert restored.api_key is not None
    assert restored.api_key.get_secret_value() == "sk-do-from-env-after-unpickle"
