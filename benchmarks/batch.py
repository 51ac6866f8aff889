"""Batch inference at scale: build, upload and collect N requests; time and peak memory.

``python -m benchmarks.batch`` (``--sizes 5000 50000`` by default) runs, for
each size N, in a fresh child process:

1. ``submit_batch(N prompts)``: build every line with ChatGradient's request
   builder, spool the file to disk, upload it to the pre-signed URL, create
   the job;
2. ``results()``: poll once, download the output file (N lines) and map each
   line to the AIMessage ``invoke`` would return, in input order.

Each phase is timed in one run and measured with ``tracemalloc`` in another
(tracemalloc slows Python down, so times come from the untraced run). The
memory columns are Python allocations above what existed before the phase:
``peak`` is the high-water mark, ``kept`` what is still allocated after it
(for ``results()``: the N messages returned). ``peak - kept`` is the phase's
working memory, which must not grow with N: the file is streamed from disk
on upload and line by line on download, never held whole. ``max RSS`` is the
child's resident high-water mark after the untraced run (interpreter, imports
and the N messages included).

The service (batch API and object storage, on two loopback addresses) runs
in its own process, so its memory and CPU are not the client's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
import tracemalloc
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY = "sk-do-benchmark-key-0000000000000000"
MODEL = "openai-gpt-4.1-mini"
STORAGE_HOST = "127.0.0.2"


# ------------------------------------------------------------ the service


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.files: dict[str, bytes] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.outputs: dict[str, bytes] = {}
        self.storage = ""


def _answer(line: bytes) -> str:
    entry = json.loads(line)
    prompt = entry["body"]["messages"][-1]["content"]
    body = {
        "id": "chatcmpl-" + entry["custom_id"],
        "object": "chat.completion",
        "created": 1770000000,
        "model": entry["body"]["model"],
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": f"echo: {prompt}"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16},
    }
    return json.dumps(
        {
            "id": "batch_req_" + entry["custom_id"],
            "custom_id": entry["custom_id"],
            "response": {"status_code": 200, "request_id": "r", "body": body},
            "error": None,
        }
    )


def _handler(state: _State, storage: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, payload: Any) -> None:
            self._send(status, json.dumps(payload).encode())

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length", "0")))

        def do_PUT(self) -> None:
            data = self._body()
            if not storage or "Authorization" in self.headers:
                self._send(403, b"no credentials here", "text/plain")
                return
            file_id = self.path.split("/")[2].split(".")[0]
            with state.lock:
                state.files[file_id] = data
            self._send(200, b"", "text/plain")

        def do_GET(self) -> None:
            parts = self.path.split("?")[0].strip("/").split("/")
            if storage:
                self._send(200, state.outputs[parts[1]], "application/jsonl")
                return
            job = state.jobs[parts[2]]
            if len(parts) == 3:
                self._json(200, job)
                return
            url = f"{state.storage}/results/{job['batch_id']}/output.jsonl"
            self._json(200, {"result_available": True, "output_file_url": url})

        def do_POST(self) -> None:
            payload = json.loads(self._body() or b"{}")
            if self.path.endswith("/batches/files"):
                file_id = str(uuid.uuid4())
                url = f"{state.storage}/uploads/{file_id}.jsonl?X-Amz-Signature=x"
                self._json(201, {"file_id": file_id, "upload_url": url})
                return
            job_id = str(uuid.uuid4())
            lines = state.files[payload["file_id"]].splitlines()
            output = "".join(_answer(line) + "\n" for line in lines).encode()
            job = {
                "batch_id": job_id,
                "status": "completed",
                "provider": "openai",
                "completion_window": "24h",
                "input_file_id": payload["file_id"],
                "request_counts": {"total": len(lines), "completed": len(lines), "failed": 0},
                "metadata": payload.get("metadata"),
                "created_at": "2026-05-14T00:00:00Z",
            }
            with state.lock:
                state.outputs[job_id] = output
                state.jobs[job_id] = job
            self._json(201, job)

    return Handler


def serve() -> None:
    """Run the service until stdin closes; print ``api_url storage_url`` first."""
    state = _State()
    api = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state, storage=False))
    store = ThreadingHTTPServer((STORAGE_HOST, 0), _handler(state, storage=True))
    state.storage = f"http://{STORAGE_HOST}:{store.server_address[1]}"
    for server in (api, store):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"http://127.0.0.1:{api.server_address[1]}/v1", flush=True)
    sys.stdin.read()


# ------------------------------------------------------------- the client


def measure(base_url: str, size: int) -> dict[str, float]:
    """Both phases for ``size`` prompts, timed, then again under tracemalloc."""
    from langchain_gradient import ChatGradient

    model = ChatGradient(model=MODEL, api_key=KEY, base_url=base_url, temperature=0)
    prompts = [f"Classify review {i}: the product was fine, shipping slow." for i in range(size)]
    row: dict[str, float] = {"n": size}
    model.submit_batch(prompts[:10]).results(poll_interval=0)  # one-time imports, connections

    started = time.perf_counter()
    job = model.submit_batch(prompts)
    row["submit_s"] = time.perf_counter() - started
    started = time.perf_counter()
    outcomes = job.results(poll_interval=0)
    row["results_s"] = time.perf_counter() - started
    assert len(outcomes) == size
    assert outcomes[-1].content == f"echo: {prompts[-1]}"
    # Before tracemalloc, whose own bookkeeping would inflate it.
    row["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    del outcomes, job

    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    job = model.submit_batch(prompts)
    current, peak = tracemalloc.get_traced_memory()
    row["submit_peak_mb"] = (peak - base) / 1e6
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    outcomes = job.results(poll_interval=0)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    row["results_peak_mb"] = (peak - base) / 1e6
    row["results_kept_mb"] = (current - base) / 1e6
    row["results_work_mb"] = row["results_peak_mb"] - row["results_kept_mb"]
    assert len(outcomes) == size
    return row


def _child(base_url: str, size: int) -> dict[str, float]:
    code = (
        "import json, sys; from benchmarks.batch import measure; "
        "print(json.dumps(measure(sys.argv[1], int(sys.argv[2]))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, base_url, str(size)],
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 50_000])
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-c", "from benchmarks.batch import serve; serve()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        rows = [_child(base_url, size) for size in args.sizes]
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(10)
    head = (
        "| requests | submit (build + upload) | results (download + map) | submit peak | "
        "results peak | results kept | results working memory | max RSS |"
    )
    print(head)
    print("|" + "---|" * 8)
    for r in rows:
        print(
            f"| {int(r['n']):,} | {r['submit_s']:.2f} s | {r['results_s']:.2f} s | "
            f"{r['submit_peak_mb']:.1f} MB | {r['results_peak_mb']:.1f} MB | "
            f"{r['results_kept_mb']:.1f} MB | {r['results_work_mb']:.1f} MB | "
            f"{r['max_rss_mb']:.0f} MB |"
        )


if __name__ == "__main__":
    main()
