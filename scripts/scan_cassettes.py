"""Fail if any cassette holds an API key, a bearer token, an ``sk-do-`` key or a ``dop_v1_`` token.

Cassette bodies are stored base64-encoded inside gzipped YAML, so a plain
``zgrep`` sees nothing; this decodes every request and response the way the
tests replay them (langchain-tests' CustomPersister/CustomSerializer).

Usage: python scripts/scan_cassettes.py [CASSETTE_DIR]
The values of DIGITALOCEAN_INFERENCE_KEY / GRADIENT_MODEL_ACCESS_KEY and of the
DigitalOcean API token variables, when set, are searched for literally (and never printed).
"""

from __future__ import annotations

import gzip
import os
import re
import sys
from pathlib import Path
from typing import Any

from langchain_tests.conftest import CustomPersister, CustomSerializer

PATTERNS = {
    "bearer token": re.compile(r"bearer\s+(?!placeholder\b)[A-Za-z0-9._~+/=-]{8,}", re.I),
    "sk-do- key": re.compile(r"sk-do-[A-Za-z0-9_-]{6,}"),
    "sk- key": re.compile(r"\bsk-[A-Za-z0-9]{20,}"),
    # DigitalOcean API tokens (the knowledge-base retriever's credential).
    "DigitalOcean API token": re.compile(r"\bdo[opr]_v1_[A-Za-z0-9_]{8,}"),
}
SECRET_HEADERS = {"authorization", "x-api-key", "api-key", "cookie", "set-cookie"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _chunks(path: Path) -> list[tuple[str, str]]:
    """(where, text) pairs for everything in one cassette."""
    found: list[tuple[str, str]] = [
        ("raw", gzip.decompress(path.read_bytes()).decode("utf-8", "replace"))
    ]
    requests, responses = CustomPersister().load_cassette(path, CustomSerializer())
    for i, request in enumerate(requests):
        found.append((f"request {i} uri", _text(request.uri)))
        found.append((f"request {i} body", _text(request.body)))
        for name, value in request.headers.items():
            found.append((f"request {i} header {name}", f"{name}: {_text(value)}"))
            if name.lower() in SECRET_HEADERS and _text(value) not in {
                "PLACEHOLDER",
                "['PLACEHOLDER']",
            }:
                found.append((f"request {i} header {name}", "UNFILTERED-SECRET-HEADER"))
    for i, response in enumerate(responses):
        body = (response.get("body") or {}).get("string")
        found.append((f"response {i} body", _text(body)))
        for name, values in (response.get("headers") or {}).items():
            found.append((f"response {i} header {name}", f"{name}: {_text(values)}"))
            if name.lower() in SECRET_HEADERS:
                found.append((f"response {i} header {name}", "UNFILTERED-SECRET-HEADER"))
    return found


def scan(directory: Path) -> list[str]:
    keys = [
        value
        for name in (
            "DIGITALOCEAN_INFERENCE_KEY",
            "GRADIENT_MODEL_ACCESS_KEY",
            "DIGITALOCEAN_ACCESS_TOKEN",
            "DIGITALOCEAN_API_TOKEN",
            "DIGITALOCEAN_TOKEN",
        )
        if len(value := os.environ.get(name, "")) >= 8
    ]
    problems: list[str] = []
    files = sorted(directory.glob("*.yaml.gz"))
    for path in files:
        for where, text in _chunks(path):
            if "UNFILTERED-SECRET-HEADER" in text:
                problems.append(f"{path.name}: {where} was recorded (it must be filtered)")
            if any(key in text for key in keys):
                problems.append(f"{path.name}: {where} contains the API key")
            problems.extend(
                f"{path.name}: {where} contains a {label}"
                for label, pattern in PATTERNS.items()
                if pattern.search(text)
            )
    for path in sorted(directory.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        if any(key in text for key in keys) or any(p.search(text) for p in PATTERNS.values()):
            problems.append(f"{path.name}: contains a secret")
    print(f"scanned {len(files)} cassettes in {directory}: {len(problems)} problem(s)")
    return problems


def main() -> int:
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[1] / "cassettes"
    problems = scan(directory)
    for problem in problems:
        print(f"SECRET FOUND: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
