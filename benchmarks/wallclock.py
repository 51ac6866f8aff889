"""Wall-clock time and new connections over HTTPS behind a simulated network delay.

Run: ``.venv/bin/python -m benchmarks.wallclock [--quick] [--delay-ms 20] [--json PATH]``
(``python -m benchmarks.run`` runs it too, and prints its tables first).

The server of `benchmarks.server` serves HTTPS with a throwaway CA (its own
process, `benchmarks.new_instance.TlsServer`); in front of it,
`benchmarks.relay` (another process) delays every segment by ``--delay-ms`` in
each direction, so a new connection pays its TCP and TLS round trips and every
request one more. Every contender talks to the relay. Both measurements run
on each chat API: Chat Completions and the Responses API
(``use_responses_api=True``: ``POST /responses``, typed events, no ``[DONE]``),
where the contenders are raw httpx reading the typed events, ChatGradient and
ChatOpenAI (the floor and the official package speak Chat Completions only).

1. **Streams, warm connection**: after a warm-up stream, each trial times one
   stream of `CHUNKS` content chunks per contender (sync ``stream`` and async
   ``astream``; the order rotates from trial to trial): time to the first
   content token and to the end of the stream. Cells are the median over
   trials, the interquartile range, and the ratio to raw httpx. A contender
   that reopens a connection for every stream pays the handshakes again here.
   ``raw httpx, new connection`` is the same raw stream through a new client
   each time: what a stream costs when its connection is not reused.
2. **New connections per 100 calls** on every path (``invoke``, ``ainvoke``,
   ``stream``, ``astream``, ``invoke`` with ``streaming=True``, ``embed_query``,
   and ``invoke`` on a new instance per call; no ``embed_query`` on the
   Responses API, which has no embeddings), counted by the relay, after one
   warm-up call on that path (streams here are short: 3 chunks). A dash: the
   contender has no such path.

Nothing is asserted: `verdict` prints which targets were met.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from benchmarks.contenders import (
    API_KEY,
    CHAT_COMPLETIONS,
    LIMITS,
    OFFICIAL,
    RESPONSES,
    FloorChat,
    FloorEmbeddings,
    RawHttpx,
    Wire,
    make_contenders,
)
from benchmarks.new_instance import TlsServer
from benchmarks.official import load as load_official
from benchmarks.relay import RelayProcess
from benchmarks.server import MODEL

__all__ = ["APIS", "PATHS", "main", "render", "verdict"]

RAW = "raw httpx"
RAW_NEW = "raw httpx, new connection"
FLOOR = "LangChain floor"
CHUNKS = 200
PROMPT = "bench:chat:0"
STREAM_PROMPT = f"bench:text:{CHUNKS}"
EMBED_MODEL = "bench-embedding-model"
TIMES = "\u00d7"
DASH = "\u2013"
PATHS = (
    "invoke",
    "ainvoke",
    "stream",
    "astream",
    "invoke, streaming=True",
    "embed_query",
    "invoke, new instance per call",
)
WIRES = (CHAT_COMPLETIONS, RESPONSES)
"""The chat APIs measured, in order; each gets both measurements."""
APIS = tuple(wire.name for wire in WIRES)
TTFT_TARGET = 1.02
"""Time to first token on a warm connection: within 2 % of raw httpx."""
CONNECTIONS_TARGET = 1.0
"""New connections per 100 calls, on every path."""


@dataclass
class Settings:
    """How much work each measurement does."""

    trials: int
    calls: int
    """Calls per path and contender for the connection counts."""


QUICK = Settings(trials=9, calls=20)
FULL = Settings(trials=45, calls=100)

Call = Callable[[], object]
AsyncCall = Callable[[], Awaitable[object]]


# ------------------------------------------------------------- contenders


def _official_class(base_url: str) -> type[Any] | None:
    return load_official(base_url.removesuffix("/v1"))


def _openai() -> tuple[type[Any], type[Any]] | None:
    try:
        from langchain_openai import ChatOpenAI, OpenAIEmbeddings
    except ImportError:
        return None
    return ChatOpenAI, OpenAIEmbeddings


def _api_kwargs(wire: Wire) -> dict[str, Any]:
    """What selects ``wire`` on ChatGradient and ChatOpenAI (nothing: Chat Completions)."""
    return {"use_responses_api": True} if wire is RESPONSES else {}


def streaming_models(base_url: str, names: list[str], wire: Wire) -> dict[str, Any]:
    """Contender -> a chat model built with ``streaming=True`` (its ``invoke`` streams)."""
    from langchain_gradient import ChatGradient

    api = _api_kwargs(wire)
    models: dict[str, Any] = {}
    if wire is CHAT_COMPLETIONS:  # the floor and the official package have no Responses API
        models[FLOOR] = FloorChat(base_url=base_url, streaming=True)
    models["ChatGradient"] = ChatGradient(
        model=MODEL,
        base_url=base_url,
        api_key=API_KEY,
        streaming=True,
        **api,
    )
    official = _official_class(base_url) if wire is CHAT_COMPLETIONS else None
    if official is not None:
        models[OFFICIAL] = official(model=MODEL, api_key=API_KEY, stream=True)
    openai = _openai()
    if openai is not None:
        models["ChatOpenAI"] = openai[0](
            model=MODEL, base_url=base_url, api_key=API_KEY, streaming=True, **api
        )
    return {who: model for who, model in models.items() if who in names}


def embedders(base_url: str, names: list[str]) -> dict[str, Any]:
    """Contender -> its embeddings class, built once (the official package has none)."""
    from langchain_gradient import GradientEmbeddings

    out: dict[str, Any] = {
        RAW: FloorEmbeddings(base_url, EMBED_MODEL),  # raw httpx and the floor are one call
        "ChatGradient": GradientEmbeddings(
            model=EMBED_MODEL,
            base_url=base_url,
            api_key=API_KEY,
        ),
    }
    out[FLOOR] = FloorEmbeddings(base_url, EMBED_MODEL)
    openai = _openai()
    if openai is not None:
        out["ChatOpenAI"] = openai[1](
            model=EMBED_MODEL, base_url=base_url, api_key=API_KEY, check_embedding_ctx_length=False
        )
    return {who: model for who, model in out.items() if who in names}


def per_call_instances(base_url: str, names: list[str], wire: Wire) -> dict[str, Call]:
    """Contender -> ``invoke`` on a model built for that one call (closed after, if it can)."""
    from langchain_gradient import ChatGradient

    api = _api_kwargs(wire)

    def raw() -> object:
        with httpx.Client(limits=LIMITS) as client:
            response = client.post(
                base_url + wire.path,
                content=wire.body(PROMPT, False),
                headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
            )
            return response.json()

    def floor() -> object:
        model = FloorChat(base_url=base_url)
        try:
            return model.invoke(PROMPT)
        finally:
            model.close()

    def gradient() -> object:
        return ChatGradient(
            model=MODEL,
            base_url=base_url,
            api_key=API_KEY,
            **api,
        ).invoke(PROMPT)

    calls: dict[str, Call] = {RAW: raw, FLOOR: floor, "ChatGradient": gradient}
    if wire is not CHAT_COMPLETIONS:  # the floor and the official package have no Responses API
        del calls[FLOOR]
    official = _official_class(base_url) if wire is CHAT_COMPLETIONS else None
    if official is not None:
        calls[OFFICIAL] = lambda: official(model=MODEL, api_key=API_KEY).invoke(PROMPT)
    openai = _openai()
    if openai is not None:
        chat_openai = openai[0]
        calls["ChatOpenAI"] = lambda: chat_openai(
            model=MODEL, base_url=base_url, api_key=API_KEY, **api
        ).invoke(PROMPT)
    return {who: call for who, call in calls.items() if who in names}


# ------------------------------------------------------------ measurement


class Counter:
    """New connections per 100 calls, as the relay counts them."""

    def __init__(self, relay: RelayProcess, calls: int, paths: tuple[str, ...] = PATHS) -> None:
        self.relay = relay
        self.calls = calls
        self.counts: dict[str, dict[str, float]] = {path: {} for path in paths}

    def run(self, path: str, who: str, call: Call) -> None:
        call()  # warm-up: the first connection is not counted
        before = self.relay.accepted()
        for _ in range(self.calls):
            call()
        self.counts[path][who] = (self.relay.accepted() - before) * 100 / self.calls

    async def arun(self, path: str, who: str, call: AsyncCall) -> None:
        await call()
        before = self.relay.accepted()
        for _ in range(self.calls):
            await call()
        self.counts[path][who] = (self.relay.accepted() - before) * 100 / self.calls


def _timed_rounds(
    contenders: list[Any], trials: int, samples: dict[str, dict[str, list[float]]]
) -> None:
    for c in contenders:
        c.timed_stream(STREAM_PROMPT)  # warm: the connection, caches, lazy imports
    for t in range(trials):
        for i in range(len(contenders)):
            c = contenders[(t + i) % len(contenders)]
            first, total = c.timed_stream(STREAM_PROMPT)
            samples.setdefault(c.name, {"ttft": [], "total": []})
            samples[c.name]["ttft"].append(first * 1e3)
            samples[c.name]["total"].append(total * 1e3)


async def _atimed_rounds(
    contenders: list[Any], trials: int, samples: dict[str, dict[str, list[float]]]
) -> None:
    for c in contenders:
        await c.atimed_stream(STREAM_PROMPT)
    for t in range(trials):
        for i in range(len(contenders)):
            c = contenders[(t + i) % len(contenders)]
            first, total = await c.atimed_stream(STREAM_PROMPT)
            samples.setdefault(c.name, {"ttft": [], "total": []})
            samples[c.name]["ttft"].append(first * 1e3)
            samples[c.name]["total"].append(total * 1e3)


class NewConnectionRaw:
    """Raw httpx through a new client (so a new TLS connection) for every stream."""

    name = RAW_NEW

    def __init__(self, base_url: str, wire: Wire = CHAT_COMPLETIONS) -> None:
        self.base_url = base_url
        self.wire = wire

    def timed_stream(self, text: str) -> tuple[float, float]:
        raw = RawHttpx(self.base_url, self.wire)
        try:
            return raw.timed_stream(text)
        finally:
            raw.close()

    async def atimed_stream(self, text: str) -> tuple[float, float]:
        raw = RawHttpx(self.base_url, self.wire)
        try:
            return await raw.atimed_stream(text)
        finally:
            await raw.aclose()
            raw.close()


def measure(
    base_url: str, relay: RelayProcess, settings: Settings, names: list[str] | None
) -> dict[str, Any]:
    """Every measurement on each chat API against ``base_url`` (the relay), as JSON-ready data.

    The sync paths of both APIs run first, then the async paths of both in one
    event loop (``asyncio.run`` once, as in a service: clients that keep a
    process-wide async pool, as ChatOpenAI does, cannot outlive their loop).
    """
    runs = [ApiMeasurement(base_url, relay, settings, names, wire) for wire in WIRES]
    try:
        for run in runs:
            run.run_sync()

        async def async_paths() -> None:
            try:
                for run in runs:
                    await run.run_async()
            finally:
                for run in runs:
                    await run.aclose()

        asyncio.run(async_paths())
    finally:
        for run in runs:
            run.close()
    return {
        "chunks": CHUNKS,
        "settings": asdict(settings),
        "apis": {run.wire.name: run.results() for run in runs},
    }


class ApiMeasurement:
    """Both measurements on one chat API: stream timings and connections per path."""

    def __init__(
        self,
        base_url: str,
        relay: RelayProcess,
        settings: Settings,
        names: list[str] | None,
        wire: Wire,
    ) -> None:
        self.wire = wire
        self.trials = settings.trials
        self.contenders = make_contenders(base_url, names, responses=wire is RESPONSES)
        self.order = [c.name for c in self.contenders]
        paths = PATHS if wire is CHAT_COMPLETIONS else tuple(p for p in PATHS if p != "embed_query")
        self.counter = Counter(relay, settings.calls, paths)
        self.sync_samples: dict[str, dict[str, list[float]]] = {}
        self.async_samples: dict[str, dict[str, list[float]]] = {}
        self.streaming = streaming_models(base_url, self.order, wire)
        self.embeddings = embedders(base_url, self.order) if wire is CHAT_COMPLETIONS else {}
        self.fresh = per_call_instances(base_url, self.order, wire)
        self.timed = [*self.contenders, NewConnectionRaw(base_url, wire)]

    def run_sync(self) -> None:
        counter = self.counter
        for c in self.contenders:
            counter.run("invoke", c.name, partial(c.invoke, PROMPT))
            counter.run("stream", c.name, partial(c.stream, PROMPT))
        for who, model in self.streaming.items():
            counter.run("invoke, streaming=True", who, partial(model.invoke, PROMPT))
        for who, model in self.embeddings.items():
            counter.run("embed_query", who, partial(model.embed_query, "bench text"))
        for who, call in self.fresh.items():
            counter.run("invoke, new instance per call", who, call)
        _timed_rounds(self.timed, self.trials, self.sync_samples)

    async def run_async(self) -> None:
        for c in self.contenders:
            await self.counter.arun("ainvoke", c.name, partial(c.ainvoke, PROMPT))
            await self.counter.arun("astream", c.name, partial(c.astream, PROMPT))
        await _atimed_rounds(self.timed, self.trials, self.async_samples)

    async def aclose(self) -> None:
        for c in self.contenders:
            await c.aclose()
        for model in self.streaming.values():
            closer = getattr(model, "aclose", None)
            if closer is not None:
                await closer()

    def close(self) -> None:
        for c in self.contenders:
            c.close()
        for model in [*self.streaming.values(), *self.embeddings.values()]:
            closer = getattr(model, "close", None)
            if callable(closer):
                closer()

    def results(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "stream": self.sync_samples,
            "astream": self.async_samples,
            "connections_per_100_calls": self.counter.counts,
        }


# ----------------------------------------------------------------- report


def _quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4)
    return q[0], q[2]


def render(data: dict[str, Any]) -> str:
    """Markdown tables per chat API: stream timings (median, IQR, ratio), connection counts."""
    blocks = [f"### {api}\n\n" + _render_api(block, data) for api, block in data["apis"].items()]
    return "\n\n".join(blocks)


def _render_api(block: dict[str, Any], data: dict[str, Any]) -> str:
    order: list[str] = block["order"]
    timed = [*order, RAW_NEW]
    lines = [
        f"Streams of {data['chunks']} chunks over HTTPS, {data['delay_ms']:g} ms each way, "
        "warm connection: median ms (interquartile range), ratio to raw httpx",
        "",
        "| measure | " + " | ".join(timed) + " |",
        "|---" * (len(timed) + 1) + "|",
    ]
    for api in ("stream", "astream"):
        for metric, label in (("ttft", "time to first token"), ("total", "total")):
            base = statistics.median(block[api][RAW][metric]) if RAW in block[api] else None
            cells = []
            for who in timed:
                values = block[api].get(who, {}).get(metric)
                if not values:
                    cells.append(DASH)
                    continue
                median = statistics.median(values)
                low, high = _quartiles(values)
                ratio = f"{median / base:.2f}{TIMES} " if base else ""
                cells.append(f"{ratio}({median:.1f}, {low:.1f}{DASH}{high:.1f})")
            lines.append(f"| `{api}`: {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"New connections per 100 calls (after one warm-up call; {data['settings']['calls']} "
        "calls per path, counted by the relay)",
        "",
        "| path | " + " | ".join(order) + " |",
        "|---" * (len(order) + 1) + "|",
    ]
    for path, counts in block["connections_per_100_calls"].items():
        cells = [DASH if who not in counts else f"{counts[who]:.0f}" for who in order]
        lines.append(f"| {path} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdict(data: dict[str, Any], who: str = "ChatGradient") -> list[str]:
    """One line per wall-clock target and chat API: met or missed, with the numbers."""
    out = []
    for name, block in data["apis"].items():
        counts = block["connections_per_100_calls"]
        missed = [
            f"{path} {by_who[who]:.0f}"
            for path, by_who in counts.items()
            if who in by_who and by_who[who] > CONNECTIONS_TARGET
        ]
        out.append(
            f"{who}, {name}: at most {CONNECTIONS_TARGET:g} new connection per 100 calls on "
            "every path: " + ("met" if not missed else "MISSED (" + ", ".join(missed) + ")")
        )
        for api in ("stream", "astream"):
            if who not in block[api] or RAW not in block[api]:
                continue
            ratio = statistics.median(block[api][who]["ttft"]) / statistics.median(
                block[api][RAW]["ttft"]
            )
            state = "met" if ratio <= TTFT_TARGET else "MISSED"
            out.append(
                f"{who}, {name}: `{api}` time to first token within {TTFT_TARGET - 1:.0%} of "
                f"raw httpx (warm connection): {ratio:.3f}{TIMES}, {state}"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    """Run both measurements; print the tables and the verdict (JSON with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer trials and calls")
    parser.add_argument("--delay-ms", type=float, default=20.0, help="one-way delay")
    parser.add_argument("--only", nargs="*", help="contender names to include")
    parser.add_argument("--json", metavar="PATH", help="also write the results here")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    names = args.only
    if names and RAW not in names:
        names = [*names, RAW]
    with tempfile.TemporaryDirectory() as folder:
        server = TlsServer(Path(folder))
        try:
            relay = RelayProcess(int(server.root.rsplit(":", 1)[1]), args.delay_ms)
        except BaseException:
            server.close()
            raise
        # As in benchmarks.new_instance: every contender trusts the throwaway CA
        # through the default trust store, so none needs special arguments.
        os.environ["SSL_CERT_FILE"] = str(server.ca_file)
        os.environ["REQUESTS_CA_BUNDLE"] = str(server.ca_file)
        try:
            data = measure(f"https://127.0.0.1:{relay.port}/v1", relay, settings, names)
        finally:
            from langchain_gradient import close_shared_clients

            close_shared_clients()
            relay.close()
            server.close()
    data["delay_ms"] = args.delay_ms
    data["mode"] = "quick" if args.quick else "full"
    print(render(data))
    print()
    for line in verdict(data):
        print("- " + line)
    if args.json:
        Path(args.json).write_text(json.dumps(data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
