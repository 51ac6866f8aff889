"""``python -m langchain_gradient batch ...``: submit a file of prompts, watch it, collect JSONL.

Commands::

    langchain-gradient batch submit prompts.txt -m openai-gpt-4.1-mini   # prints the job id
    langchain-gradient batch submit prompts.jsonl --wait -o results.jsonl
    langchain-gradient batch submit prompts.txt -m openai-gpt-4.1-mini --api responses
    langchain-gradient batch status <job-id>
    langchain-gradient batch results <job-id> -o results.jsonl [--timeout 3600]
    langchain-gradient batch cancel <job-id>
    langchain-gradient batch list [--limit 20] [--status completed] [--json]

The input file holds one input per line: a prompt (text files), or, for
``.jsonl``/``.ndjson`` files (or ``--format jsonl``), a JSON string, a list
of messages (``{"role", "content"}`` objects or ``[role, content]`` pairs) or
``{"messages": [...]}``. Line *n* is input *n - 1*; an empty line inside the
file is an error (trailing ones are ignored), so ``index`` in the results is
always the line number minus one.

Results are JSONL, one line per input in input order:
``{"index", "content", "message"}`` (``message`` as
``langchain_core.messages.message_to_dict`` writes it) or
``{"index", "error": {"type", "message", "status_code"?}}``. Progress goes to
stderr, the job id and results to stdout (or ``-o``).

Exit codes are those of the chat command, plus: 9 the job had not finished
when ``--timeout`` ran out (it keeps running: collect it later), 10 the
results were written but some inputs failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import IO, Any

from langchain_gradient._api_choice import API_CHOICES, setting_for
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
from langchain_gradient.errors import (
    GradientAuthenticationError,
    GradientConnectionError,
    GradientError,
    GradientInvalidInputError,
    GradientMissingAPIKeyError,
    GradientPermissionDeniedError,
    GradientStatusError,
    GradientTimeoutError,
)

__all__ = ["main"]

EXIT_NOT_FINISHED = 9
EXIT_SOME_FAILED = 10

_JSONL_SUFFIXES = (".jsonl", ".ndjson")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="langchain-gradient batch",
        description=(
            "Gradient batch inference: submit a file of prompts as one job (run within "
            "24 h at a lower price), then collect every result as JSONL, in input order."
        ),
        epilog=(
            "exit codes: 0 ok, 2 usage, 3 no key, 4 key rejected, 5 network, 6 API error, "
            "9 not finished before --timeout (the job keeps running), "
            "10 results written but some inputs failed, 130 interrupted"
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True)

    submit = commands.add_parser("submit", help="submit a file of prompts; prints the job id")
    submit.add_argument("file", help="one input per line (text, or JSONL of messages); '-': stdin")
    submit.add_argument(
        "--format",
        choices=("auto", "text", "jsonl"),
        default="auto",
        help="how to read the file (auto: .jsonl/.ndjson are JSONL, anything else text)",
    )
    submit.add_argument("-m", "--model", default=None, help="model id (an OpenAI model)")
    submit.add_argument("-s", "--system", default=None, help="a system prompt for every input")
    submit.add_argument("-t", "--temperature", type=float, default=None, help="0 to 2")
    submit.add_argument("--max-tokens", type=int, default=None, help="reply length limit")
    submit.add_argument(
        "--api",
        choices=API_CHOICES,
        default="auto",
        help="the API the requests go to (auto: as invoke chooses, by model id)",
    )
    submit.add_argument(
        "--batch-provider",
        choices=("openai",),
        default=None,
        help="skip the model-family check (for OpenAI ids it does not recognise)",
    )
    submit.add_argument("--wait", action="store_true", help="wait and write the results")
    _wait_options(submit)

    status = commands.add_parser("status", help="show a job's status and counts")
    status.add_argument("job_id")
    status.add_argument("--json", action="store_true", help="print the job object as JSON")

    results = commands.add_parser("results", help="wait for a job and write its results")
    results.add_argument("job_id")
    _wait_options(results)

    cancel = commands.add_parser("cancel", help="cancel a job")
    cancel.add_argument("job_id")

    listing = commands.add_parser("list", help="list recent jobs, newest first")
    listing.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    listing.add_argument("--status", default=None, help="only jobs in this status")
    listing.add_argument("--json", action="store_true", help="print the job objects as JSON")

    for sub in (submit, status, results, cancel, listing):
        sub.add_argument("--base-url", default=None, help="API base URL")
        sub.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    return parser


def _wait_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", default=None, help="results file (default: stdout)")
    parser.add_argument(
        "--timeout", type=float, default=None, help="seconds to wait at most (default: no limit)"
    )
    parser.add_argument(
        "--poll-interval", type=float, default=30.0, help="seconds between checks (default 30)"
    )


# ---------------------------------------------------------------- inputs


def read_inputs(handle: IO[str], jsonl: bool) -> list[Any]:
    """The inputs of a prompts file (see the module docstring).

    Raises:
        _UsageError: an empty line inside the file, or a JSONL line that is
            not an input.
    """
    lines = handle.read().splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    inputs: list[Any] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            msg = f"line {number} is empty: every line is one input"
            raise _UsageError(msg)
        inputs.append(_json_input(line, number) if jsonl else line)
    if not inputs:
        msg = "the file holds no inputs"
        raise _UsageError(msg)
    return inputs


def _json_input(line: str, number: int) -> Any:
    try:
        value = json.loads(line)
    except ValueError as exc:
        msg = f"line {number} is not JSON: {exc}"
        raise _UsageError(msg) from exc
    if isinstance(value, dict) and isinstance(value.get("messages"), list):
        value = value["messages"]
    if isinstance(value, list):
        return [tuple(m) if isinstance(m, list) else m for m in value]
    if isinstance(value, str):
        return value
    msg = f"line {number}: expected a string, a list of messages or {{'messages': [...]}}"
    raise _UsageError(msg)


def _with_system(inputs: list[Any], system: str | None) -> list[Any]:
    if system is None:
        return inputs
    return [[("system", system), *(v if isinstance(v, list) else [("human", v)])] for v in inputs]


# --------------------------------------------------------------- outputs


def outcome_record(index: int, outcome: Any) -> dict[str, Any]:
    """One results line."""
    from langchain_core.messages import message_to_dict  # noqa: PLC0415

    if isinstance(outcome, BaseException):
        error: dict[str, Any] = {"type": type(outcome).__name__, "message": str(outcome)}
        if isinstance(outcome, GradientStatusError):
            error["status_code"] = outcome.status_code
        return {"index": index, "error": error}
    return {"index": index, "content": outcome.text, "message": message_to_dict(outcome)}


def _write_results(outcomes: list[Any], path: str | None, err: IO[str], quiet: bool) -> int:
    out: IO[str]
    out = open(path, "w", encoding="utf-8") if path else sys.stdout  # noqa: SIM115
    failed = 0
    try:
        for index, outcome in enumerate(outcomes):
            failed += isinstance(outcome, BaseException)
            out.write(json.dumps(outcome_record(index, outcome), ensure_ascii=False) + "\n")
    finally:
        if path:
            out.close()
        else:
            out.flush()
    if not quiet:
        err.write(f"{len(outcomes) - failed} of {len(outcomes)} inputs succeeded\n")
    return EXIT_SOME_FAILED if failed else EXIT_OK


# ------------------------------------------------------------------ main


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``batch ...``; returns the exit code (see the module docstring)."""
    args = _parser().parse_args(argv)
    err = sys.stderr
    try:
        return _run(args, err)
    except KeyboardInterrupt:
        err.write("\ninterrupted; the job keeps running on Gradient\n")
        return EXIT_INTERRUPTED
    except _UsageError as exc:
        err.write(f"error: {exc}\n")
        return EXIT_USAGE
    except GradientMissingAPIKeyError:
        from langchain_gradient.cli import NO_KEY_HELP  # noqa: PLC0415

        err.write(f"error: {NO_KEY_HELP}\n")
        return EXIT_NO_KEY
    except GradientInvalidInputError as exc:
        err.write(f"error: {exc}\n")
        return EXIT_USAGE
    except (GradientAuthenticationError, GradientPermissionDeniedError) as exc:
        err.write(f"error: the key was rejected: {exc}\n")
        return EXIT_AUTH
    except GradientError as exc:
        from langchain_gradient.batches.errors import GradientBatchTimeoutError  # noqa: PLC0415

        err.write(f"\nerror: {exc}\n")
        if isinstance(exc, GradientBatchTimeoutError):
            return EXIT_NOT_FINISHED
        if isinstance(exc, (GradientConnectionError, GradientTimeoutError)):
            return EXIT_NETWORK
        return EXIT_API


def _run(args: argparse.Namespace, err: IO[str]) -> int:
    from langchain_gradient.chat_models import ChatGradient  # noqa: PLC0415

    options: dict[str, Any] = {}
    if args.base_url:
        options["base_url"] = args.base_url
    if args.command == "submit":
        if args.model:
            options["model"] = args.model
        if args.temperature is not None:
            options["temperature"] = args.temperature
        if args.max_tokens is not None:
            options["max_tokens"] = args.max_tokens
        options.update(setting_for(args.api))
    model = ChatGradient(**options)
    if args.command == "submit":
        jsonl = args.format == "jsonl" or (
            args.format == "auto" and args.file.lower().endswith(_JSONL_SUFFIXES)
        )
        inputs = _with_system(_read(args.file, jsonl), args.system)
        job = model.submit_batch(inputs, batch_provider=args.batch_provider)
        if not args.wait:
            sys.stdout.write(job.id + "\n")
            return EXIT_OK
        err.write(f"submitted batch {job.id} ({len(inputs)} inputs)\n")
        return _collect(job, args, err)
    if args.command == "list":
        jobs = model.list_batches(limit=args.limit, status=args.status)
        for listed in jobs:
            info = listed.info
            if info is None:  # pragma: no cover - listed handles carry their job
                continue
            if args.json:
                sys.stdout.write(json.dumps(info.raw) + "\n")
            else:
                total = f"/{info.total}" if info.total is not None else ""
                created = info.raw.get("created_at") or ""
                line = f"{info.id}  {info.status}  {info.completed or 0}{total}  {created}"
                sys.stdout.write(line.rstrip() + "\n")
        return EXIT_OK
    job = model.get_batch(args.job_id)
    if args.command == "status":
        info = job.info
        if info is None:  # pragma: no cover - get_batch always reads the job
            return EXIT_API
        if args.json:
            sys.stdout.write(json.dumps(info.raw, indent=2) + "\n")
        else:
            counts = f"{info.completed or 0} completed, {info.failed or 0} failed"
            total = f" of {info.total}" if info.total is not None else ""
            sys.stdout.write(f"{job.id}: {info.status} ({counts}{total})\n")
        return EXIT_OK
    if args.command == "cancel":
        sys.stdout.write(f"{job.id}: {job.cancel()}\n")
        return EXIT_OK
    return _collect(job, args, err)


def _read(path: str, jsonl: bool) -> list[Any]:
    if path == "-":
        return read_inputs(sys.stdin, jsonl)
    try:
        with open(path, encoding="utf-8") as handle:
            return read_inputs(handle, jsonl)
    except OSError as exc:
        msg = f"cannot read {path!r}: {exc.strerror}"
        raise _UsageError(msg) from exc


def _collect(job: Any, args: argparse.Namespace, err: IO[str]) -> int:
    outcomes = job.results(
        timeout=args.timeout, poll_interval=args.poll_interval, show_progress=not args.quiet
    )
    return _write_results(outcomes, args.output, err, args.quiet)
