"""``langchain-gradient`` / ``python -m langchain_gradient``: chat with Gradient from a terminal.

The reply streams to stdout; everything else (the waiting spinner, the model's
reasoning, token usage, errors) goes to stderr, so ``> reply.txt`` captures
the answer alone. Exit codes tell a script what went wrong:

====  ==============================================================
0     success
2     bad usage (no prompt, unreadable schema file, invalid option or base URL)
3     no API key (the message says how to get one)
4     the key was rejected (HTTP 401/403)
5     network failure (cannot connect, timed out)
6     any other API error (rate limit, server error, bad request...)
7     ``--json``: the reply was not valid JSON
8     ``--agent``: a guardrail blocked the request
130   interrupted (Ctrl-C)
====  ==============================================================
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from typing import IO, Any

from langchain_core.messages import BaseMessage
from langchain_core.messages.ai import UsageMetadata, add_usage

from langchain_gradient._api_choice import API_CHOICES, setting_for
from langchain_gradient._config import BASE_URL_ENV_VAR
from langchain_gradient._exit_codes import (
    EXIT_API,
    EXIT_AUTH,
    EXIT_INTERRUPTED,
    EXIT_NETWORK,
    EXIT_NO_KEY,
    EXIT_OK,
    EXIT_USAGE,
)
from langchain_gradient._exit_codes import UsageError as _UsageError
from langchain_gradient.agents import AGENT_ENDPOINT_ENV_VARS, ChatGradientAgent
from langchain_gradient.chat_models import DEFAULT_MODEL, ChatGradient
from langchain_gradient.errors import (
    GradientAuthenticationError,
    GradientConnectionError,
    GradientError,
    GradientGuardrailError,
    GradientInvalidInputError,
    GradientMissingAPIKeyError,
    GradientMissingEndpointError,
    GradientPermissionDeniedError,
    GradientTimeoutError,
)
from langchain_gradient.models import list_models

__all__ = ["main"]

EXIT_BAD_JSON = 7
EXIT_GUARDRAIL = 8

REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")

NO_KEY_HELP = (
    "no Gradient model access key found. Set one with\n"
    '    export DIGITALOCEAN_INFERENCE_KEY="sk-do-..."\n'
    "(GRADIENT_MODEL_ACCESS_KEY works too). Create a key in the DigitalOcean control panel "
    "under Inference > Model Access Keys: https://cloud.digitalocean.com/gen-ai/model-access-keys"
)
NO_AGENT_KEY_HELP = (
    "no Gradient agent access key found. Set one with\n"
    '    export GRADIENT_AGENT_ACCESS_KEY="..."\n'
    "(AGENT_ACCESS_KEY works too). Create it in the DigitalOcean control panel on the "
    "agent's Settings tab, under Endpoint Access Keys; a model access key does not work."
)
NO_ENDPOINT_HELP = (
    "no agent endpoint: pass --base-url https://<agent-id>.agents.do-ai.run or "
    "export GRADIENT_AGENT_ENDPOINT (shown on the agent's Overview page)"
)

_DIM = "\033[2m"
_RESET = "\033[0m"
_CLEAR_LINE = "\r\033[K"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="langchain-gradient",
        description=(
            "Stream a reply from DigitalOcean Gradient serverless inference (or a Gradient "
            "Agent). The key is read from DIGITALOCEAN_INFERENCE_KEY or "
            "GRADIENT_MODEL_ACCESS_KEY (GRADIENT_AGENT_ACCESS_KEY with --agent)."
        ),
        epilog=(
            "exit codes: 0 ok, 2 usage, 3 no key, 4 key rejected, 5 network, "
            "6 other API error, 7 reply not JSON (--json), 8 guardrail (--agent), "
            "130 interrupted"
        ),
    )
    parser.add_argument(
        "prompt",
        nargs="*",
        help="the prompt; read from stdin when omitted, and '-' inserts stdin in its place",
    )
    parser.add_argument("-m", "--model", default=None, help=f"model id (default {DEFAULT_MODEL})")
    parser.add_argument(
        "--base-url",
        default=None,
        help=(
            f"API base URL (default ${BASE_URL_ENV_VAR} or Gradient's); with --agent, "
            f"the agent endpoint (default ${AGENT_ENDPOINT_ENV_VARS[0]})"
        ),
    )
    parser.add_argument("-s", "--system", default=None, help="a system prompt")
    parser.add_argument(
        "--api",
        choices=API_CHOICES,
        default="auto",
        help=(
            "the API that answers: chat completions, the Responses API, or auto (the "
            "Responses API for the models only it serves)"
        ),
    )
    parser.add_argument(
        "--reasoning-effort", choices=REASONING_EFFORTS, default=None, help="reasoning effort"
    )
    parser.add_argument("-t", "--temperature", type=float, default=None, help="0 to 2")
    parser.add_argument("--max-tokens", type=int, default=None, help="reply length limit")
    parser.add_argument(
        "--json",
        action="store_true",
        help="ask for a JSON object (JSON mode) and print it pretty-printed",
    )
    parser.add_argument(
        "--schema",
        metavar="FILE",
        default=None,
        help="a JSON Schema file the reply must follow (implies --json)",
    )
    parser.add_argument(
        "--models",
        action="store_true",
        help="list the models your key can use and exit (as JSON with --json)",
    )
    parser.add_argument(
        "--agent",
        action="store_true",
        help="talk to a Gradient Agent (GRADIENT_AGENT_ENDPOINT, GRADIENT_AGENT_ACCESS_KEY)",
    )
    parser.add_argument(
        "--guardrails-info",
        action="store_true",
        help="with --agent: ask the agent which guardrail fired when one blocks the reply",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print the reply only: no spinner, reasoning or usage",
    )
    return parser


# ------------------------------------------------------------- terminal


class _Spinner:
    """A one-line animation on stderr while nothing has arrived yet."""

    _UNICODE = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
    _ASCII = "|/-\\"

    def __init__(self, stream: IO[str], label: str) -> None:
        self._stream = stream
        self._label = label
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            self._UNICODE.encode(encoding)
            self._frames = self._UNICODE
        except (LookupError, UnicodeEncodeError):
            self._frames = self._ASCII

    def start(self) -> None:
        # The first frame is drawn right away, so even a fast reply shows it
        # was waited for; the thread only animates.
        self._draw(0)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _draw(self, frame: int) -> None:
        self._stream.write(f"{_CLEAR_LINE}{self._frames[frame % len(self._frames)]} {self._label}")
        self._stream.flush()

    def _run(self) -> None:
        frame = 1
        while not self._stop.wait(0.1):
            self._draw(frame)
            frame += 1

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        self._stream.write(_CLEAR_LINE)
        self._stream.flush()


class _Terminal:
    """Where each kind of output goes, and how it looks."""

    def __init__(self, quiet: bool) -> None:
        self.out = sys.stdout
        self.err = sys.stderr
        self.quiet = quiet
        self.color = _isatty(self.err) and "NO_COLOR" not in os.environ
        self._spinner: _Spinner | None = None
        self._in_reasoning = False
        self.line_open = False
        """Whether stdout holds reply text not yet ended by a newline."""

    @contextmanager
    def waiting(self, label: str) -> Iterator[None]:
        if not self.quiet and _isatty(self.err):
            self._spinner = _Spinner(self.err, label)
            self._spinner.start()
        try:
            yield
        finally:
            self.arrived()

    def arrived(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None

    def reasoning(self, text: str) -> None:
        if self.quiet or not text:
            return
        self.arrived()
        self._in_reasoning = True
        self.err.write(f"{_DIM}{text}{_RESET}" if self.color else text)
        self.err.flush()

    def reply(self, text: str) -> None:
        if not text:
            return
        self.arrived()
        if self._in_reasoning:
            self.err.write("\n\n")
            self.err.flush()
            self._in_reasoning = False
        self.out.write(text)
        self.out.flush()
        self.line_open = not text.endswith("\n")

    def note(self, text: str) -> None:
        if not self.quiet:
            self.err.write(f"{_DIM}{text}{_RESET}\n" if self.color else f"{text}\n")
            self.err.flush()

    def error(self, text: str) -> None:
        self.arrived()
        if self.line_open:
            self.reply("\n")  # end the partial reply before the error
        self.err.write(f"error: {text}\n")
        self.err.flush()


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _usage_line(usage: UsageMetadata | None, model_name: str | None) -> str | None:
    if not usage:
        return None
    cached = usage.get("input_token_details", {}).get("cache_read")
    reasoning = usage.get("output_token_details", {}).get("reasoning")
    line = f"tokens: {usage['input_tokens']} in"
    if cached:
        line += f" ({cached} cached)"
    line += f", {usage['output_tokens']} out"
    if reasoning:
        line += f" ({reasoning} reasoning)"
    line += f", {usage['total_tokens']} total"
    if model_name:
        line += f" ({model_name})"
    return line


# --------------------------------------------------------------- inputs


def _prompt(args: argparse.Namespace) -> str:
    parts: list[str] = args.prompt
    if not parts:
        if _isatty(sys.stdin):
            raise _UsageError(
                "give a prompt, e.g. langchain-gradient 'Write a haiku about the sea'"
            )
        return sys.stdin.read()
    if "-" in parts:
        stdin = sys.stdin.read()
        return " ".join(stdin if part == "-" else part for part in parts)
    return " ".join(parts)


def _schema(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            schema = json.load(handle)
    except OSError as exc:
        raise _UsageError(f"cannot read the schema file {path!r}: {exc.strerror}") from exc
    except ValueError as exc:
        raise _UsageError(f"the schema file {path!r} is not valid JSON: {exc}") from exc
    if not isinstance(schema, dict):
        raise _UsageError(f"the schema file {path!r} must hold a JSON object (a JSON Schema)")
    # The schema travels as a forced tool, whose name comes from the title;
    # a title is prose ("Person Record"), a tool name is not.
    schema["title"] = _tool_name(schema.get("title"))
    return schema


def _tool_name(title: Any) -> str:
    """A tool name the API accepts (``[a-zA-Z0-9_-]{1,64}``) made from a schema title."""
    if not isinstance(title, str):
        return "reply"
    name = re.sub(r"[^a-zA-Z0-9_-]+", "_", title).strip("_")[:64]
    return name or "reply"


def _model(args: argparse.Namespace) -> ChatGradient:
    options: dict[str, Any] = {}
    if args.model:
        options["model"] = args.model
    if args.base_url:
        options["base_url"] = args.base_url
    for name in ("temperature", "max_tokens", "reasoning_effort"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    if args.guardrails_info and not args.agent:
        raise _UsageError("--guardrails-info only applies to --agent")
    if args.api != "auto" and args.agent:
        raise _UsageError("--api does not apply to --agent (an agent answers on its own API)")
    options.update(setting_for(args.api))
    try:
        if args.agent:
            if args.guardrails_info:
                options["include_guardrails_info"] = True
            return ChatGradientAgent(**options)
        return ChatGradient(**options)
    except GradientMissingEndpointError as exc:
        raise _UsageError(NO_ENDPOINT_HELP) from exc
    except GradientInvalidInputError as exc:
        # Out-of-range values and malformed URLs are caught at construction.
        raise _UsageError(str(exc)) from exc


def _messages(args: argparse.Namespace, prompt: str) -> list[tuple[str, str]]:
    messages = [("system", args.system)] if args.system else []
    messages.append(("human", prompt))
    return messages


# ---------------------------------------------------------------- modes


def _chat(model: ChatGradient, messages: list[tuple[str, str]], term: _Terminal) -> int:
    usage: UsageMetadata | None = None
    model_name: str | None = None
    wrote = False
    with term.waiting("waiting for the model..."):
        for chunk in model.stream(messages):
            term.reasoning(str(chunk.additional_kwargs.get("reasoning_content") or ""))
            if chunk.text:
                wrote = True
                term.reply(chunk.text)
            if chunk.usage_metadata:
                usage = add_usage(usage, chunk.usage_metadata)
            model_name = chunk.response_metadata.get("model_name") or model_name
    if wrote:
        term.reply("" if not term.line_open else "\n")
    else:
        term.note("(the model sent no text)")
    if (line := _usage_line(usage, model_name)) is not None:
        term.note(line)
    return EXIT_OK


def _structured(
    model: ChatGradient,
    messages: list[tuple[str, str]],
    schema: dict[str, Any] | None,
    term: _Terminal,
) -> int:
    if schema is None:
        runnable = model.with_structured_output(method="json_mode", include_raw=True)
    else:
        runnable = model.with_structured_output(schema, include_raw=True)
    with term.waiting("waiting for the model..."):
        result = runnable.invoke(messages)
    raw: BaseMessage = result["raw"]
    if result["parsing_error"] is not None or result["parsed"] is None:
        term.error(f"the reply is not valid JSON: {result['parsing_error']}")
        if raw.text:
            term.err.write(raw.text + "\n")
        return EXIT_BAD_JSON
    term.reply(json.dumps(result["parsed"], indent=2, ensure_ascii=False) + "\n")
    usage = getattr(raw, "usage_metadata", None)
    if (line := _usage_line(usage, raw.response_metadata.get("model_name"))) is not None:
        term.note(line)
    return EXIT_OK


def _catalogue(args: argparse.Namespace, term: _Terminal) -> int:
    with term.waiting("listing models..."):
        models = sorted(list_models(base_url=args.base_url), key=lambda info: info.id)
    if args.json:
        term.reply(json.dumps([asdict(info) for info in models], indent=2) + "\n")
        return EXIT_OK
    width = max((len(info.id) for info in models), default=0)
    for info in models:
        term.reply(f"{info.id:<{width}}  {info.owned_by or ''}".rstrip() + "\n")
    term.note(f"{len(models)} models")
    return EXIT_OK


# ----------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the process exit code.

    Args:
        argv: The arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit code (see the module docstring).
    """
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments[:1] == ["batch"]:  # batch inference; `-- batch ...` chats about batches
        from langchain_gradient.batches.cli import main as batch_main  # noqa: PLC0415

        return batch_main(arguments[1:])
    args = _parser().parse_args(argv)
    term = _Terminal(quiet=args.quiet)
    try:
        return _run(args, term)
    except KeyboardInterrupt:
        term.arrived()
        if _isatty(term.err):
            term.err.write("\n")  # so the shell prompt starts on a fresh line
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, and keep Python
        # from complaining when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _run(args: argparse.Namespace, term: _Terminal) -> int:
    try:
        if args.models:
            if args.agent:
                raise _UsageError(
                    "--models lists serverless models; it cannot be used with --agent"
                )
            return _catalogue(args, term)
        prompt = _prompt(args)
        if not prompt.strip():
            raise _UsageError("the prompt is empty")
        schema = _schema(args.schema) if args.schema else None
        model = _model(args)
        with model:
            messages = _messages(args, prompt)
            if args.json or schema is not None:
                return _structured(model, messages, schema, term)
            return _chat(model, messages, term)
    except _UsageError as exc:
        term.error(str(exc))
        return EXIT_USAGE
    except GradientMissingAPIKeyError:
        term.error(NO_AGENT_KEY_HELP if args.agent else NO_KEY_HELP)
        return EXIT_NO_KEY
    except GradientGuardrailError as exc:
        if exc.triggered_guardrails:
            term.error(str(exc))
        elif args.guardrails_info:
            term.error("a guardrail blocked the reply (the agent did not say which one)")
        else:
            term.error(
                "a guardrail blocked the reply; run again with --guardrails-info "
                "to see which one fired"
            )
        return EXIT_GUARDRAIL
    except GradientInvalidInputError as exc:
        # Raised before anything is sent: the input (prompt, schema, options) is at fault.
        term.error(str(exc))
        return EXIT_USAGE
    except (GradientAuthenticationError, GradientPermissionDeniedError) as exc:
        term.error(f"the key was rejected: {exc}")
        hint = "GRADIENT_AGENT_ACCESS_KEY" if args.agent else "DIGITALOCEAN_INFERENCE_KEY"
        term.error(f"check {hint}: is it current, and allowed to use this model?")
        return EXIT_AUTH
    except (GradientConnectionError, GradientTimeoutError) as exc:
        term.error(f"network failure: {exc}")
        return EXIT_NETWORK
    except GradientError as exc:
        term.error(str(exc))
        return EXIT_API
