"""Requests, results and the append-only journal that makes judge runs resumable.

Every finished request becomes one JSON line, appended and flushed at once, so a run killed at any
moment (even by SIGKILL) keeps all it finished; a torn last line is dropped on the next start.
Results are keyed by content (:func:`request_key`: the judge's settings and the exact messages,
which hold the prompt and both responses in presentation order), never by pair id alone: a pair
edited under the same id is asked again. A request counts as done once it has a row without an API
error: unparsable answers are answers (kept, not re-asked); API errors are retried on the next run.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ORDERS", "Journal", "JudgeRequest", "JudgeResult", "journal_path", "request_key"]

ORDERS = ("orig", "swapped")


def request_key(settings: dict[str, Any], messages: list[dict[str, str]]) -> str:
    """The content key of a request: a hash of the judge's settings and the exact messages.

    >>> a = request_key({"model": "m"}, [{"role": "user", "content": "A: x B: y"}])
    >>> a == request_key({"model": "m"}, [{"role": "user", "content": "A: y B: x"}])
    False
    """
    text = json.dumps([settings, messages], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class JudgeRequest:
    """One question to a judge: a pair in one presentation order, with its content key."""

    pair_id: str
    order: str
    messages: list[dict[str, str]] = field(hash=False)
    key: str = ""


@dataclass
class JudgeResult:
    """A judge's answer to one request, or the error that stopped it.

    ``verdict`` is the letter the judge picked in *this* order (``A`` = the response shown first);
    ``error`` is ``None`` for an answer (parsable or not) and ``"api: ..."`` for a failed request.
    """

    pair_id: str
    order: str
    completion: str | None
    verdict: str | None
    error: str | None = None
    latency_s: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    probability_a: float | None = None
    attempts: int = 1
    request_key: str | None = None  # the content key of the request answered (set by the collector)


def journal_path(out: str | Path) -> Path:
    """The hidden journal beside an output file (``judges/.gpt-4o.csv.journal.jsonl``)."""
    out = Path(out)
    return out.with_name(f".{out.name}.journal.jsonl")


class Journal:
    """Append-only JSONL of :class:`JudgeResult` rows, plus the header of the run that wrote them."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def read(self) -> tuple[dict[str, Any] | None, dict[str, JudgeResult]]:
        """The header and the best result per request key (an answer beats an API error); a torn
        last line is cut off. Rows without a key (journals of preftree < 0.2) are not reused."""
        if not self.path.exists():
            return None, {}
        header: dict[str, Any] | None = None
        results: dict[str, JudgeResult] = {}
        data = self.path.read_bytes()
        lines = data.split(b"\n")
        torn = lines.pop()  # after the last newline: empty, or a line cut by a crash mid-write
        for raw in lines:
            record = _record(raw)
            if record is None:
                continue  # a damaged line inside the journal: skip it, keep the rest
            if "header" in record:
                header = record["header"]
                continue
            try:
                result = JudgeResult(**record)
            except TypeError:
                continue  # not a row this version understands
            if result.request_key is None:
                continue
            previous = results.get(result.request_key)
            if previous is None or previous.error is not None or result.error is None:
                results[result.request_key] = result
        if torn:
            with self.path.open("r+b") as handle:
                handle.truncate(len(data) - len(torn))
        return header, results

    def start(self, header: dict[str, Any]) -> None:
        """Write the run header when the journal is new."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"header": header}) + "\n")

    def open(self) -> JournalWriter:
        return JournalWriter(self.path)


def _record(raw: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(raw)
    except ValueError:  # JSONDecodeError, or bytes that are not UTF-8
        return None
    return record if isinstance(record, dict) else None


class JournalWriter:
    """Appends results one line at a time, flushed to the OS immediately."""

    def __init__(self, path: Path) -> None:
        self._handle = path.open("a", encoding="utf-8")

    def write(self, result: JudgeResult) -> None:
        self._handle.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()

    def __enter__(self) -> JournalWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
