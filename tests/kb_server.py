"""A loopback Gradient knowledge base: the documented ``/retrieve`` contract over a small corpus.

It implements what DigitalOcean documents for
``POST https://kbaas.do-ai.run/v1/{knowledge_base_id}/retrieve`` (see
``gradient-api.md`` section 18): a bearer DigitalOcean API token that needs the
``GenAI:read`` scope, ``query`` (non-empty), ``num_results`` (1..100), ``alpha``
(0 keyword .. 1 vector, default 1), ``filters`` in both documented shapes,
``reranking: {"enabled": bool}``, and the answer
``{"results": [{"metadata": {...}, "text_content": "..."}], "total_results": n}``.

Scoring is real, not scripted: keyword relevance is BM25 over words; vector
relevance is the cosine of hashed character-trigram vectors (so a misspelt or
inflected query still finds its passage, as an embedding would). Each is scaled
to 0..1 over the candidates and blended by ``alpha``; only passages with a
positive score are returned, best first.

Errors use DigitalOcean's ``{"id", "message"}`` body: 401 for an unknown token,
403 for a token without the scope, 404 for an unknown knowledge base, 422 for a
body the contract rejects. ``fail_next`` queues other statuses (429, 5xx).

This is the documented contract as read from public sources, not the real
service; what the real server does beyond it (scores, the filter shape it
prefers) is unknown.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.unit_tests.loopback import LoopbackServer, Reply, Request

KNOWLEDGE_BASE_ID = "9a6e2b7c-4f1d-4c3e-8b2a-5d7f0e1c3a94"
TOKEN = "dop_v1_loopback_genai_read_0123456789abcdef"
"""Has the ``GenAI:read`` scope."""
TOKEN_WITHOUT_SCOPE = "dop_v1_loopback_no_genai_scope_fedcba9876543210"
"""A valid token lacking ``GenAI:read`` (403)."""


@dataclass(frozen=True)
class Passage:
    text: str
    metadata: dict[str, Any]


def _meta(item: str, page: int, category: str, ingested: str) -> dict[str, Any]:
    return {
        "item_name": item,
        "page_number": page,
        "chunk_category": "CompositeElement",
        "ingested_timestamp": ingested,
        "category": category,
    }


CORPUS: tuple[Passage, ...] = (
    Passage(
        "Kestrel backup plan: snapshots are kept for 93 days, then deleted. Restores "
        "from a Kestrel snapshot take about 11 minutes per 100 GiB.",
        _meta("handbook/backups.md", 4, "backups", "2026-03-02T09:15:00+00:00"),
    ),
    Passage(
        "Osprey backup plan: snapshots are kept for 14 days. Osprey is the default plan "
        "for new projects.",
        _meta("handbook/backups.md", 5, "backups", "2026-03-02T09:15:00+00:00"),
    ),
    Passage(
        "To resize a droplet, power it off, choose a larger plan in the Resize tab and "
        "power it on again. Disk resizes cannot be undone.",
        _meta("handbook/droplets.md", 2, "compute", "2026-01-20T12:00:00+00:00"),
    ),
    Passage(
        "Support tiers: the Harbor tier answers within 42 minutes around the clock; the "
        "Cove tier answers within one business day.",
        _meta("handbook/support.md", 1, "support", "2026-05-11T08:30:00+00:00"),
    ),
    Passage(
        "Spaces buckets serve files over a built-in CDN. Enable the CDN in the bucket's "
        "settings; cache purges finish within five minutes.",
        _meta("handbook/storage.md", 7, "storage", "2025-11-03T16:45:00+00:00"),
    ),
    Passage(
        "Firewalls are stateful and deny inbound traffic by default. Add an inbound rule "
        "for each port a droplet must serve.",
        _meta("handbook/networking.md", 3, "networking", "2025-12-15T15:23:19+00:00"),
    ),
    Passage(
        "Managed databases take a daily backup and keep seven days of point-in-time "
        "recovery; forks restore into a new cluster.",
        _meta("handbook/databases.md", 9, "backups", "2026-02-10T10:00:00+00:00"),
    ),
    Passage(
        "Billing: droplets are billed per second with a monthly cap; snapshots cost "
        "per GiB-month of stored data.",
        _meta("handbook/billing.md", 1, "billing", "2026-04-01T00:00:00+00:00"),
    ),
)

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset({"a", "an", "the", "is", "are", "of", "for", "to", "in", "and", "or", "how"})
_DIMENSIONS = 512


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


def _trigram_vector(text: str) -> list[float]:
    vector = [0.0] * _DIMENSIONS
    for word in words(text):
        padded = f"#{word}#"
        for start in range(len(padded) - 2):
            digest = hashlib.blake2b(padded[start : start + 3].encode(), digest_size=4).digest()
            vector[int.from_bytes(digest, "big") % _DIMENSIONS] += 1.0
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm else vector


def _bm25(query: list[str], docs: Sequence[list[str]]) -> list[float]:
    k1, b = 1.2, 0.75
    count = len(docs)
    average = sum(len(d) for d in docs) / count if count else 0.0
    frequency = Counter(term for d in docs for term in set(d))
    scores = []
    for doc in docs:
        terms = Counter(doc)
        score = 0.0
        for term in set(query):
            if term not in terms:
                continue
            idf = math.log(1 + (count - frequency[term] + 0.5) / (frequency[term] + 0.5))
            tf = terms[term]
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc) / average))
        scores.append(score)
    return scores


def _scaled(scores: list[float]) -> list[float]:
    top = max(scores, default=0.0)
    return [s / top if top > 0 else 0.0 for s in scores]


def rank(query: str, passages: Sequence[Passage], alpha: float) -> list[tuple[float, Passage]]:
    """Passages with a positive blended score, best first (ties keep corpus order)."""
    tokenised = [words(p.text) for p in passages]
    keyword = _scaled(_bm25(words(query), tokenised))
    q = _trigram_vector(query)
    vector = _scaled(
        [
            max(0.0, sum(a * b for a, b in zip(q, _trigram_vector(p.text), strict=True)))
            for p in passages
        ]
    )
    blended = [(1 - alpha) * k + alpha * v for k, v in zip(keyword, vector, strict=True)]
    order = sorted(range(len(passages)), key=lambda i: -blended[i])
    return [(blended[i], passages[i]) for i in order if blended[i] > 0]


# ------------------------------------------------------------------ filters


class FilterError(ValueError):
    """A filter this server (and the documented contract) does not understand."""


def _compare(actual: Any, expected: Any, test: Callable[[Any, Any], bool]) -> bool:
    numeric = (int, float)
    if isinstance(actual, bool) or isinstance(expected, bool):
        return test(actual, expected) if type(actual) is type(expected) else False
    if isinstance(actual, numeric) and isinstance(expected, numeric):
        return test(actual, expected)
    if isinstance(actual, str) and isinstance(expected, str):
        return test(actual, expected)
    return False


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "gt": lambda a, e: a > e,
    "gte": lambda a, e: a >= e,
    "lt": lambda a, e: a < e,
    "lte": lambda a, e: a <= e,
}
_SHAPE_B_OPERATIONS = {
    "equals": "eq",
    "not_equals": "ne",
    "greater_than": "gt",
    "greater_than_or_equals": "gte",
    "less_than": "lt",
    "less_than_or_equals": "lte",
    "starts_with": "starts_with",
}


def _holds(metadata: dict[str, Any], key: Any, operator: str, value: Any) -> bool:
    if not isinstance(key, str):
        raise FilterError(f"a filter condition needs a string field/key, got {key!r}")
    present = key in metadata
    actual = metadata.get(key)
    if operator == "eq":
        return present and actual == value
    if operator == "ne":
        return not present or actual != value
    if operator in _ORDER:
        return present and _compare(actual, value, _ORDER[operator])
    if operator == "in":
        return present and isinstance(value, list) and actual in value
    if operator == "not_in":
        return not present or (isinstance(value, list) and actual not in value)
    if operator == "contains":
        if isinstance(actual, list):
            return value in actual
        return isinstance(actual, str) and isinstance(value, str) and value in actual
    if operator == "starts_with":
        return isinstance(actual, str) and isinstance(value, str) and actual.startswith(value)
    raise FilterError(f"unknown filter operator {operator!r}")


def _shape_a_condition(metadata: dict[str, Any], condition: Any) -> bool:
    if not isinstance(condition, dict) or set(condition) != {"field", "operator", "value"}:
        raise FilterError(f"a condition is {{field, operator, value}}, got {condition!r}")
    if condition["operator"] not in {"eq", "ne", "in", "not_in", "contains", *_ORDER}:
        raise FilterError(f"unknown filter operator {condition['operator']!r}")
    return _holds(metadata, condition["field"], condition["operator"], condition["value"])


def _shape_b_item(metadata: dict[str, Any], item: Any) -> bool:
    if not isinstance(item, dict) or not item:
        raise FilterError(f"a filter group item must be a non-empty object, got {item!r}")
    results = []
    for name, argument in item.items():
        if name in ("and_all", "or_all"):
            results.append(_shape_b_group(metadata, name, argument))
            continue
        operator = _SHAPE_B_OPERATIONS.get(name)
        if operator is None:
            raise FilterError(f"unknown filter operation {name!r}")
        if not isinstance(argument, dict) or set(argument) != {"key", "value"}:
            raise FilterError(f"{name} takes {{key, value}}, got {argument!r}")
        results.append(_holds(metadata, argument["key"], operator, argument["value"]))
    return all(results)


def _shape_b_group(metadata: dict[str, Any], name: str, items: Any) -> bool:
    if not isinstance(items, list):
        raise FilterError(f"{name} takes a list, got {items!r}")
    outcomes = [_shape_b_item(metadata, item) for item in items]
    return all(outcomes) if name == "and_all" else any(outcomes)


def matches(metadata: dict[str, Any], filters: dict[str, Any]) -> bool:
    """Whether a passage passes ``filters`` (either documented shape; both may be combined)."""
    unknown = set(filters) - {"must", "must_not", "should", "and_all", "or_all"}
    if unknown:
        raise FilterError(f"unknown filter key(s): {sorted(unknown)}")
    verdict = True
    for key, conditions in filters.items():
        if not isinstance(conditions, list):
            raise FilterError(f"{key} takes a list, got {conditions!r}")
        if key == "must":
            verdict &= all(_shape_a_condition(metadata, c) for c in conditions)
        elif key == "must_not":
            verdict &= not any(_shape_a_condition(metadata, c) for c in conditions)
        elif key == "should":
            verdict &= not conditions or any(_shape_a_condition(metadata, c) for c in conditions)
        else:
            verdict &= _shape_b_group(metadata, key, conditions)
    return verdict


# ------------------------------------------------------------------- server


def _error(status: int, error_id: str, message: str, **headers: str) -> Reply:
    return Reply.json({"id": error_id, "message": message}, status, **headers)


_PATH = re.compile(r"^/v1/([^/?]+)/retrieve$")


@dataclass
class KnowledgeBaseServer:
    """The loopback knowledge base; use as a context manager.

    ``requests`` holds every request received; ``faults`` answers the next
    requests with queued statuses before anything else is checked.
    """

    corpus: Sequence[Passage] = CORPUS
    knowledge_base_id: str = KNOWLEDGE_BASE_ID
    tokens: dict[str, frozenset[str]] = field(
        default_factory=lambda: {
            TOKEN: frozenset({"GenAI:read"}),
            TOKEN_WITHOUT_SCOPE: frozenset({"droplet:read"}),
        }
    )
    faults: deque[Reply] = field(default_factory=deque)
    _server: LoopbackServer | None = None

    def __enter__(self) -> KnowledgeBaseServer:
        self._server = LoopbackServer(self._answer).__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.__exit__(*exc)

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.port}/v1"

    @property
    def requests(self) -> list[Request]:
        assert self._server is not None
        return self._server.requests

    def bodies(self) -> list[Any]:
        return [json.loads(r.body) for r in self.requests]

    def fail_next(self, status: int, times: int = 1, **headers: str) -> None:
        """Answer the next ``times`` requests with ``status`` (a DigitalOcean error body)."""
        for _ in range(times):
            self.faults.append(_error(status, "fault", f"injected {status}", **headers))

    # ------------------------------------------------------------ answering

    def _answer(self, request: Request) -> Reply:
        if self.faults:
            return self.faults.popleft()
        found = _PATH.match(request.path)
        if request.method != "POST" or found is None:
            return _error(404, "not_found", "The resource you were accessing could not be found.")
        authorization = request.headers.get("authorization", "")
        token = authorization[7:] if authorization.startswith("Bearer ") else ""
        scopes = self.tokens.get(token)
        if scopes is None:
            return _error(401, "unauthorized", "Unable to authenticate you")
        if "GenAI:read" not in scopes:
            return _error(403, "forbidden", "You are not authorized to perform this operation")
        if found.group(1) != self.knowledge_base_id:
            return _error(404, "not_found", "The resource you were accessing could not be found.")
        try:
            body = json.loads(request.body)
        except ValueError:
            return _error(400, "bad_request", "request body is not JSON")
        problem = _problem(body)
        if problem:
            return _error(422, "unprocessable_entity", problem)
        candidates: Sequence[Passage] = self.corpus
        if body.get("filters") is not None:
            try:
                candidates = [p for p in self.corpus if matches(p.metadata, body["filters"])]
            except FilterError as exc:
                return _error(422, "unprocessable_entity", f"filters: {exc}")
        alpha = float(body.get("alpha", 1.0))
        ranked = rank(body["query"], candidates, alpha)[: body["num_results"]]
        results = [{"metadata": dict(p.metadata), "text_content": p.text} for _, p in ranked]
        return Reply.json({"results": results, "total_results": len(results)})


def _problem(body: Any) -> str | None:
    """What the documented contract rejects in a request body, if anything."""
    if not isinstance(body, dict):
        return "body must be a JSON object"
    unknown = set(body) - {"query", "num_results", "alpha", "filters", "reranking"}
    if unknown:
        return f"unknown field(s): {sorted(unknown)}"
    query = body.get("query")
    if not isinstance(query, str) or not query:
        return "query: must be a non-empty string"
    count = body.get("num_results")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 100:
        return "num_results: must be an integer between 1 and 100"
    alpha = body.get("alpha", 1.0)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha <= 1:
        return "alpha: must be a number between 0 and 1"
    if "filters" in body and not isinstance(body["filters"], dict):
        return "filters: must be an object"
    reranking = body.get("reranking")
    if reranking is not None and (
        not isinstance(reranking, dict) or not isinstance(reranking.get("enabled"), bool)
    ):
        return "reranking: must be {enabled: bool}"
    return None
