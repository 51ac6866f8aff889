"""A loopback Gradient batch service that implements the documented contract (API §19).

Two servers: the batch API on 127.0.0.1 (bearer key required) and the
pre-signed object storage on a second loopback address, 127.0.0.2, which
records a violation (and answers 403) whenever a request carries an
``Authorization`` header or the key anywhere; `BatchService.close` fails the
test if that ever happened.

The service "runs" a job by answering each line itself: a completion whose
text echoes the last user message, or, for prompts containing a marker, an
error body (``FAIL-400``, ``FAIL-429``) or an error-file line (``FAIL-LINE``).
Faults: ``lose``/``duplicate`` line indexes, ``reorder``, ``foreign_line``,
``create_fails`` (the create answers 5xx *after* making the job),
``results_412`` (the results call answers 412 that many times after the job
completed), ``expire_after`` (the job expires with only the first N lines
done), ``fail_job``, ``shape`` (``"oas"`` or ``"godo"`` answers).
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from pytest_socket import socket_allow_hosts

from tests.unit_tests.loopback import SECRET, LoopbackServer, Reply, Request

STORAGE_HOST = "127.0.0.2"


def allow_storage_host() -> None:
    """Let this test reach the second loopback address too (still loopback only)."""
    socket_allow_hosts(["127.0.0.1", STORAGE_HOST, "::1", "localhost"], allow_unix_socket=True)


def fake_clock(monkeypatch: Any) -> list[float]:
    """Make poll waits advance a fake clock instead of sleeping; returns the waits."""
    from langchain_gradient.batches import _drive

    now = [1000.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    async def async_sleep(seconds: float) -> None:
        sleep(seconds)

    monkeypatch.setattr(_drive, "sleep", sleep)
    monkeypatch.setattr(_drive, "async_sleep", async_sleep)
    monkeypatch.setattr(_drive, "monotonic", lambda: now[0])
    return waits


class HostServer(LoopbackServer):
    """`LoopbackServer` on a chosen loopback address."""

    def __init__(self, handler: Any, host: str) -> None:
        super().__init__(handler)
        self.host = host

    @property
    def root(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        self._gate = asyncio.Event()
        self._server = await asyncio.start_server(self._serve, self.host, 0, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stop.wait()
        self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()


def reply_body(prompt: str, model: str) -> dict[str, Any]:
    """The completion the fake model answers ``prompt`` with."""
    return {
        "id": f"chatcmpl-{abs(hash(prompt)) % 10**8}",
        "object": "chat.completion",
        "created": 1770000000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": f"echo: {prompt}"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
    }


def responses_reply_body(prompt: str, model: str) -> dict[str, Any]:
    """The Responses API reply the fake model answers ``prompt`` with."""
    return {
        "id": f"resp_{abs(hash(prompt)) % 10**8}",
        "object": "response",
        "created_at": 1770000000,
        "status": "completed",
        "model": model,
        "output": [
            {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": f"echo: {prompt}", "annotations": []}],
            }
        ],
        "usage": {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10},
    }


ENDPOINTS = {"/v1/chat/completions": reply_body, "/v1/responses": responses_reply_body}
"""The batch endpoints the fake takes, each with its echo reply."""


def last_prompt(body: dict[str, Any]) -> str:
    """The text of a request's last turn (Chat Completions or Responses shape)."""
    turns = body["messages"] if "messages" in body else body["input"]
    content = turns[-1]["content"]
    if isinstance(content, list) and all(part.get("type") == "input_text" for part in content):
        return "".join(part["text"] for part in content)
    return content if isinstance(content, str) else json.dumps(content)


@dataclass
class Job:
    id: str
    file_id: str
    request_id: str | None
    metadata: dict[str, str]
    endpoint: str = "/v1/chat/completions"
    status: str = "validating"
    polls: int = 0
    output: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    total: int = 0
    results_asked: int = 0


class BatchService:
    """Both servers and the service state; use as a context manager."""

    def __init__(self, *, polls_to_finish: int = 3, shape: str = "oas") -> None:
        self.polls_to_finish = polls_to_finish
        self.shape = shape
        self.lose: set[int] = set()
        self.duplicate: set[int] = set()
        self.reorder = False
        self.foreign_line = False
        self.create_fails = 0
        self.upload_fails = 0
        self.results_412 = 0
        self.expire_after: int | None = None
        self.fail_job = False
        self.custom_output: list[str] | None = None
        self.break_download = 0
        """Cut that many output downloads off after the first line."""
        self.answer: Any = None
        """``answer(body) -> completion dict`` instead of the echo (for mapping tests)."""
        self.files: dict[str, bytes | None] = {}
        self.jobs: dict[str, Job] = {}
        self.violations: list[str] = []
        self.list_queries: list[dict[str, str]] = []
        self.uploads: list[Request] = []
        self._lock = threading.Lock()
        self.api = LoopbackServer(self._api)
        self.storage = HostServer(self._storage, STORAGE_HOST)

    def __enter__(self) -> BatchService:
        self.api.__enter__()
        self.storage.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.api.__exit__(None, None, None)
        self.storage.__exit__(None, None, None)
        assert not self.violations, f"object storage saw credentials: {self.violations}"

    @property
    def base_url(self) -> str:
        return self.api.base_url

    def creates(self) -> list[Request]:
        return [r for r in self.api.requests if r.method == "POST" and r.path == "/v1/batches"]

    # ------------------------------------------------------------ the API

    def _api(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {SECRET}":
            return Reply.json({"id": "unauthorized", "message": "bad key"}, 401)
        path = request.path.split("?", 1)[0]
        parts = path.strip("/").split("/")  # v1 batches [id] [results|cancel]
        with self._lock:
            if request.method == "POST" and parts == ["v1", "batches", "files"]:
                return self._file_intent(request)
            if request.method == "POST" and parts == ["v1", "batches"]:
                return self._create(request)
            if request.method == "GET" and parts == ["v1", "batches"]:
                return self._list(request)
            if len(parts) >= 3 and parts[:2] == ["v1", "batches"]:
                job = self.jobs.get(parts[2])
                if job is None:
                    return Reply.json({"id": "not_found", "message": "no such batch"}, 404)
                if request.method == "GET" and len(parts) == 3:
                    return self._get(job)
                if request.method == "GET" and parts[3:] == ["results"]:
                    return self._results(job)
                if request.method == "POST" and parts[3:] == ["cancel"]:
                    return self._cancel(job)
        return Reply.json({"id": "not_found", "message": "no route"}, 404)

    def _file_intent(self, request: Request) -> Reply:
        name = request.json().get("file_name", "")
        if not name.lower().endswith(".jsonl") or len(name) < 7:
            return Reply.json({"id": "bad_request", "message": "file_name must end in .jsonl"}, 400)
        file_id = str(uuid.uuid4())
        self.files[file_id] = None
        url = f"{self.storage.root}/uploads/{file_id}.jsonl?X-Amz-Expires=900&X-Amz-Signature=f00"
        return Reply.json({"file_id": file_id, "upload_url": url}, 201)

    def _create(self, request: Request) -> Reply:
        body = request.json()
        for key in ("file_id", "provider", "completion_window"):
            if key not in body:
                return Reply.json({"id": "bad_request", "message": f"missing {key}"}, 400)
        if body["provider"] != "openai" or body.get("endpoint") not in ENDPOINTS:
            return Reply.json({"id": "bad_request", "message": "bad provider/endpoint"}, 400)
        rid = body.get("request_id")
        existing = next((j for j in self.jobs.values() if rid and j.request_id == rid), None)
        if existing is None:
            if self.files.get(body["file_id"]) is None:
                return Reply.json({"id": "bad_request", "message": "upload not complete"}, 400)
            lines = self.files[body["file_id"]].splitlines()  # type: ignore[union-attr]
            for number, line in enumerate(lines, 1):
                entry = json.loads(line)
                if entry.get("url") != body["endpoint"] or "custom_id" not in entry:
                    return Reply.json(
                        {"id": "bad_request", "message": f"Line {number}: bad line"}, 400
                    )
            existing = Job(
                id=str(uuid.uuid4()),
                file_id=body["file_id"],
                request_id=rid,
                metadata=body.get("metadata") or {},
                endpoint=body["endpoint"],
                total=len(lines),
            )
            self.jobs[existing.id] = existing
        if self.create_fails > 0:
            self.create_fails -= 1
            return Reply.json({"id": "server_error", "message": "upstream hiccup"}, 503)
        return Reply.json(self._job_object(existing), 201)

    def _get(self, job: Job) -> Reply:
        if job.status not in ("completed", "failed", "expired", "cancelled"):
            job.polls += 1
            if job.status == "cancelling":
                self._run(job, limit=len(job.output) + len(job.errors) or 1)
                job.status = "cancelled"
            elif job.polls >= self.polls_to_finish:
                if self.fail_job:
                    job.status = "failed"
                else:
                    self._run(job, limit=self.expire_after)
                    job.status = "expired" if self.expire_after is not None else "completed"
            else:
                job.status = "in_progress" if self.shape == "oas" else "queued"
        return Reply.json(self._job_object(job))

    def _results(self, job: Job) -> Reply:
        if job.status not in ("completed", "expired", "cancelled"):
            return Reply.json(
                {"id": "precondition_failed", "message": "Batch results are not yet available."},
                412,
            )
        if self.results_412 > 0:
            self.results_412 -= 1
            return Reply.json(
                {"id": "precondition_failed", "message": "Batch results are not yet available."},
                412,
            )
        job.results_asked += 1
        output = f"{self.storage.root}/results/{job.id}/output.jsonl?sig=1"
        errors = f"{self.storage.root}/results/{job.id}/errors.jsonl?sig=2"
        if self.shape == "godo":
            return Reply.json(
                {"download": {"presigned_url": output, "expires_at": "x"}, "output_file_id": "o"}
            )
        return Reply.json(
            {
                "batch_id": job.id,
                "result_available": True,
                "output_file_url": output,
                "error_file_url": errors if job.errors else None,
            }
        )

    def _list(self, request: Request) -> Reply:
        from urllib.parse import parse_qs, urlsplit

        query = {k: v[0] for k, v in parse_qs(urlsplit(request.path).query).items()}
        self.list_queries.append(query)
        jobs = list(reversed(self.jobs.values()))  # newest first
        if "status" in query:
            jobs = [j for j in jobs if j.status == query["status"]]
        ids = [j.id for j in jobs]
        start = ids.index(query["after"]) + 1 if "after" in query else 0
        page = jobs[start : start + int(query.get("limit", "20"))]
        more = start + len(page) < len(jobs)
        if self.shape == "godo":
            return Reply.json(
                {
                    "edges": [{"cursor": j.id, "node": self._job_object(j)} for j in page],
                    "page_info": {"endCursor": page[-1].id if page else None, "hasNextPage": more},
                }
            )
        return Reply.json(
            {
                "object": "list",
                "data": [self._job_object(j) for j in page],
                "first_id": page[0].id if page else None,
                "last_id": page[-1].id if page else None,
                "has_more": more,
            }
        )

    def _cancel(self, job: Job) -> Reply:
        if job.status in ("completed", "failed", "expired", "cancelled"):
            return Reply.json({"id": "conflict", "message": f"batch is already {job.status}"}, 409)
        job.status = "cancelling"
        return Reply.json(self._job_object(job))

    def _job_object(self, job: Job) -> dict[str, Any]:
        done = len(job.output) + len(job.errors)
        counts = {"total": job.total, "completed": len(job.output), "failed": len(job.errors)}
        if job.status not in ("completed", "expired", "cancelled"):
            counts = {"total": job.total, "completed": min(done, job.total), "failed": 0}
        common = {
            "batch_id": job.id,
            "status": job.status,
            "provider": "openai",
            "completion_window": "24h",
            "request_id": job.request_id,
            "request_counts": counts,
            "created_at": "2026-05-14T00:00:00Z",
        }
        if self.shape == "godo":
            return {**common, "file_id": job.file_id, "result_available": done > 0}
        extra: dict[str, Any] = {}
        if self.fail_job and job.status == "failed":
            extra["errors"] = [{"code": "invalid_file", "message": "bad input", "line": 42}]
        return {
            **common,
            **extra,
            "input_file_id": job.file_id,
            "endpoint": job.endpoint,
            "metadata": job.metadata,
            "output_file_id": str(uuid.uuid4()) if done else None,
        }

    def _run(self, job: Job, limit: int | None) -> None:
        """Answer every line (or the first ``limit``) into output/error lines."""
        if job.output or job.errors:
            return
        data = self.files[job.file_id] or b""
        for number, raw in enumerate(data.splitlines()):
            if limit is not None and number >= limit:
                break
            entry = json.loads(raw)
            body = entry["body"]
            prompt = last_prompt(body)
            cid = entry["custom_id"]
            if "FAIL-LINE" in prompt:
                job.errors.append(
                    json.dumps(
                        {
                            "id": f"batch_req_{number}",
                            "custom_id": cid,
                            "response": None,
                            "error": {"code": "invalid_prompt", "message": "prompt refused"},
                        }
                    )
                )
                continue
            if "FAIL-400" in prompt or "FAIL-429" in prompt:
                status = 400 if "FAIL-400" in prompt else 429
                response = {
                    "status_code": status,
                    "request_id": f"req-{number}",
                    "body": {"error": {"message": f"failed with {status}", "type": "x"}},
                }
            else:
                echo = ENDPOINTS[job.endpoint]
                answer = self.answer(body) if self.answer else echo(prompt, body["model"])
                response = {"status_code": 200, "request_id": f"req-{number}", "body": answer}
            job.output.append(
                json.dumps(
                    {
                        "id": f"batch_req_{number}",
                        "custom_id": cid,
                        "response": response,
                        "error": None,
                    }
                )
            )

    # ---------------------------------------------------------- storage

    def _storage(self, request: Request) -> Reply:
        for name, value in request.headers.items():
            if name == "authorization" or SECRET in value:
                self.violations.append(f"{request.method} {request.path}: header {name}")
        if SECRET in request.path or SECRET.encode() in request.body:
            self.violations.append(f"{request.method} {request.path}: key in path or body")
        if self.violations:
            return Reply.text("credentials must not reach object storage", 403)
        path = request.path.split("?", 1)[0]
        parts = path.strip("/").split("/")
        if request.method == "PUT" and parts[0] == "uploads":
            if self.upload_fails > 0:
                self.upload_fails -= 1
                return Reply.text("SlowDown", 503)
            if "content-length" not in request.headers:
                return Reply.text("MissingContentLength", 411)
            if request.headers.get("content-type", "application/octet-stream") != (
                "application/octet-stream"
            ):
                return Reply.text("SignatureDoesNotMatch", 403)
            file_id = parts[1].removesuffix(".jsonl")
            with self._lock:
                if file_id not in self.files:
                    return Reply.text("NoSuchUpload", 404)
                self.files[file_id] = request.body
                self.uploads.append(request)
            return Reply(status=200)
        if request.method == "GET" and parts[0] == "results":
            with self._lock:
                job = self.jobs[parts[1]]
                lines = list(job.output if parts[2] == "output.jsonl" else job.errors)
                if self.shape == "godo" and parts[2] == "output.jsonl":
                    lines += job.errors  # godo's shape has one file
                if parts[2] == "output.jsonl":
                    lines = self._faulty(lines)
            if self.custom_output is not None and parts[2] == "output.jsonl":
                lines = self.custom_output
            if self.break_download > 0 and parts[2] == "output.jsonl":
                self.break_download -= 1
                return Reply(raw_events=[(lines[0] + "\n").encode()], drop=True)
            return Reply(
                headers={"content-type": "application/jsonl"},
                body="".join(line + "\n" for line in lines).encode(),
            )
        return Reply.text("NoSuchKey", 404)

    def _faulty(self, lines: list[str]) -> list[str]:
        out = []
        for index, line in enumerate(lines):
            if index in self.lose:
                continue
            out.append(line)
            if index in self.duplicate:
                out.append(line)
        if self.reorder:
            out.reverse()
        if self.foreign_line:
            out.append(
                json.dumps({"custom_id": "req-1", "response": {"status_code": 200, "body": {}}})
            )
        return out
