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
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["ORDERS", "Journal", "JudgeRequest", "JudgeResult", "journal_path", "request_key"]

ORDERS = ("orig", "swapped")
VERDICTS = ("A", "B", "C")
MAX_COMPLETION_CHARS = 1 << 20
"""Longest completion kept (characters); a longer one is recorded as an error."""


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

    def checked(self, scrub: Callable[[str], str] = str) -> JudgeResult:
        """This result with every field of the type it must have (a server's ``usage`` holding
        text, a NaN latency, a verdict that is no letter: dropped, never stored), every text
        scrubbed (a key echoed anywhere is never written) and the completion bounded (an
        oversized one is an error, not stored)."""
        def text(value: Any) -> str | None:
            return scrub(value) if isinstance(value, str) else None

        def count(value: Any) -> int | None:
            return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10 ** 12 else None

        def number(value: Any, low: float, high: float) -> float | None:
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                return None
            try:
                value = float(value)  # an integer of 400 digits is no latency
            except OverflowError:
                return None
            return value if math.isfinite(value) and low <= value <= high else None

        completion, error = text(self.completion), text(self.error)
        if completion is not None and len(completion) > MAX_COMPLETION_CHARS:
            completion, error = None, (f"api: completion longer than {MAX_COMPLETION_CHARS:,} characters; "
                                       "not stored")
        return JudgeResult(
            str(self.pair_id), self.order if self.order in ORDERS else ORDERS[0], completion,
            self.verdict if self.verdict in VERDICTS else None, error,
            number(self.latency_s, 0.0, 1e7) or 0.0, count(self.prompt_tokens), count(self.completion_tokens),
            number(self.probability_a, 0.0, 1.0), count(self.attempts) or 1,
            self.request_key if isinstance(self.request_key, str) and len(self.request_key) <= 64 else None)


def journal_path(out: str | Path) -> Path:
    """The hidden journal beside an output file (``judges/.gpt-4o.csv.journal.jsonl``)."""
    out = Path(out)
    return out.with_name(f".{out.name}.journal.jsonl")


class Journal:
    """Append-only JSONL of :class:`JudgeResult` rows, plus the header of the run that wrote them.

    preftree keeps it for itself, so it gets an output's care: only a regular file of this user is
    opened (a planted link, FIFO or device is refused, never followed, blocked on or read without
    end), it is created mode 0600, and every row read back is checked field by field."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _open(self, flags: int) -> int:
        from .._inputs import open_regular

        fd = open_regular(self.path, flags, follow=False, mode=0o600, what="judge journal")
        info = os.fstat(fd)
        problem = ("belongs to another user" if info.st_uid != os.getuid() else
                   "has other hard links (writing it would change another file)" if info.st_nlink > 1 else None)
        if problem:
            os.close(fd)
            raise InputError(f"{problem}; a journal must be this user's own file: move it away", path=self.path)
        return fd

    def read(self) -> tuple[dict[str, Any] | None, dict[str, JudgeResult]]:
        """The header and the best result per request key (an answer beats an API error), read
        line by line; a torn last line is cut off; a damaged or overlong line is skipped. Rows
        without a key (journals of preftree < 0.2), or that are not a result of this version,
        are not reused."""
        if not os.path.lexists(self.path):
            return None, {}
        header: dict[str, Any] | None = None
        results: dict[str, JudgeResult] = {}
        fd = self._open(os.O_RDWR)
        try:
            torn_at = None
            for start, raw, complete in _lines(fd):
                if not complete:
                    torn_at = start  # after the last newline: a line cut by a crash mid-write
                    break
                record = _record(raw) if raw is not None else None
                if record is None:
                    continue  # a damaged line inside the journal: skip it, keep the rest
                if "header" in record:
                    header = record["header"] if isinstance(record["header"], dict) else None
                    continue
                try:
                    result = JudgeResult(**record).checked()
                except (TypeError, ValueError, OverflowError):
                    continue  # not a row this version understands
                if result.request_key is None:
                    continue
                previous = results.get(result.request_key)
                if previous is None or previous.error is not None or result.error is None:
                    results[result.request_key] = result
            if torn_at is not None:
                os.ftruncate(fd, torn_at)
        finally:
            os.close(fd)
        return header, results

    def start(self, header: dict[str, Any]) -> None:
        """Write the run header when the journal is new."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = self._open(os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            if os.fstat(fd).st_size == 0:
                os.fchmod(fd, 0o600)
                os.write(fd, (json.dumps({"header": header}) + "\n").encode("utf-8"))
        finally:
            os.close(fd)

    def open(self) -> JournalWriter:
        return JournalWriter(self._open(os.O_WRONLY | os.O_APPEND | os.O_CREAT))


MAX_LINE_BYTES = MAX_COMPLETION_CHARS * 4 + (64 << 10)
"""Longest journal line read (a completion of the longest kept, in UTF-8, and its fields)."""


def _lines(fd: int) -> Iterator[tuple[int, bytes | None, bool]]:
    """(offset, line, complete) for each line of the open file, streamed: a line over
    :data:`MAX_LINE_BYTES` is skipped (``None``), never held whole; the last one without a newline
    is incomplete."""
    with os.fdopen(os.dup(fd), "rb") as handle:
        handle.seek(0)
        offset = 0
        while True:
            line = handle.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            start = offset
            offset += len(line)
            if line.endswith(b"\n"):
                yield start, line, True
                continue
            if len(line) <= MAX_LINE_BYTES:
                yield start, line, False  # the end of the file: torn
                return
            while line and not line.endswith(b"\n"):  # overlong: skip to its end
                line = handle.readline(MAX_LINE_BYTES + 1)
                offset += len(line)
            yield start, None, line.endswith(b"\n")
            if not line:
                return


def _record(raw: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past any real row
        return None
    return record if isinstance(record, dict) else None


class JournalWriter:
    """Appends results one line at a time, flushed to the OS immediately."""

    def __init__(self, fd: int) -> None:
        os.fchmod(fd, 0o600)
        self._handle = os.fdopen(fd, "a", encoding="utf-8")

    def write(self, result: JudgeResult) -> None:
        self._handle.write(json.dumps(asdict(result.checked()), ensure_ascii=False) + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()

    def __enter__(self) -> JournalWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
