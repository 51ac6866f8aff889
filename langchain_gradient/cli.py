"""``python -m langchain_gradient``: stream a Gradient reply in the terminal."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from langchain_gradient.chat_models import (
    BASE_URL_ENV_VAR,
    DEFAULT_MODEL,
    MISSING_KEY_MESSAGE,
    ChatGradient,
)
from langchain_gradient.errors import (
    GradientAuthenticationError,
    GradientConnectionError,
    GradientError,
    GradientMissingAPIKeyError,
)

__all__ = ["main"]

EXIT_USAGE = 2
EXIT_NO_KEY = 3
EXIT_AUTH = 4
EXIT_NETWORK = 5
EXIT_API = 6


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m langchain_gradient",
        description="Stream a reply from DigitalOcean Gradient serverless inference.",
    )
    parser.add_argument("prompt", nargs="*", help="the prompt (read from stdin if omitted)")
    parser.add_argument(
        "--model", default=DEFAULT_MODEL, help=f"model id (default {DEFAULT_MODEL})"
    )
    parser.add_argument(
        "--base-url",
        default=None,
        help=f"any OpenAI-compatible base URL (default ${BASE_URL_ENV_VAR} or Gradient's)",
    )
    parser.add_argument("--system", default=None, help="a system prompt")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the process exit code."""
    args = _parser().parse_args(argv)
    prompt = " ".join(args.prompt) or (sys.stdin.read() if not sys.stdin.isatty() else "")
    if not prompt.strip():
        print("error: give a prompt, e.g. python -m langchain_gradient 'Hello'", file=sys.stderr)
        return EXIT_USAGE
    options = {"model": args.model}
    if args.base_url:
        options["base_url"] = args.base_url
    try:
        model = ChatGradient(**options)
    except GradientMissingAPIKeyError:
        print(MISSING_KEY_MESSAGE, file=sys.stderr)
        return EXIT_NO_KEY
    messages = [("system", args.system)] if args.system else []
    messages.append(("human", prompt))
    try:
        with model:
            for chunk in model.stream(messages):
                print(chunk.text, end="", flush=True)
        print()
    except GradientAuthenticationError as exc:
        print(f"\nerror: the key was rejected: {exc}", file=sys.stderr)
        return EXIT_AUTH
    except GradientConnectionError as exc:
        print(f"\nerror: network failure: {exc}", file=sys.stderr)
        return EXIT_NETWORK
    except GradientError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return EXIT_API
    return 0
