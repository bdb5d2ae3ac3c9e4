"""Requests, results and the append-only journal that makes judge runs resumable.

Every finished request becomes one JSON line, appended and flushed at once, so a run killed at any
moment (even by SIGKILL) keeps all it finished; a torn last line is dropped on the next start.
A (pair, order) counts as done once it has a row without an API error: unparsable answers are
answers (kept, not re-asked); API errors are retried on the next run.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ORDERS", "Journal", "JudgeRequest", "JudgeResult", "journal_path"]

ORDERS = ("orig", "swapped")


@dataclass(frozen=True)
class JudgeRequest:
    """One question to a judge: a pair in one presentation order."""

    pair_id: str
    order: str
    messages: list[dict[str, str]] = field(hash=False)


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

    @property
    def key(self) -> tuple[str, str]:
        return (self.pair_id, self.order)


def journal_path(out: str | Path) -> Path:
    """The hidden journal beside an output file (``judges/.gpt-4o.csv.journal.jsonl``)."""
    out = Path(out)
    return out.with_name(f".{out.name}.journal.jsonl")


class Journal:
    """Append-only JSONL of :class:`JudgeResult` rows, plus the header of the run that wrote them."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def read(self) -> tuple[dict[str, Any] | None, dict[tuple[str, str], JudgeResult]]:
        """The header and the latest result per (pair, order); a torn last line is cut off."""
        if not self.path.exists():
            return None, {}
        header: dict[str, Any] | None = None
        results: dict[tuple[str, str], JudgeResult] = {}
        good_bytes = 0
        with self.path.open("rb") as handle:
            for raw in handle:
                if not raw.endswith(b"\n"):
                    break  # torn by a crash mid-write
                try:
                    record = json.loads(raw)
                except json.JSONDecodeError:
                    break
                good_bytes += len(raw)
                if "header" in record:
                    header = record["header"]
                    continue
                result = JudgeResult(**record)
                previous = results.get(result.key)
                if previous is None or previous.error is not None or result.error is None:
                    results[result.key] = result
        if good_bytes < self.path.stat().st_size:
            with self.path.open("r+b") as handle:
                handle.truncate(good_bytes)
        return header, results

    def start(self, header: dict[str, Any]) -> None:
        """Write the run header when the journal is new."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"header": header}) + "\n")

    def open(self) -> JournalWriter:
        return JournalWriter(self.path)


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
