"""RM-Bench's data as THU-KEG publishes it: ``total_dataset.json`` (each row names its ``domain``),
the per-domain files (``chat_filtered.json``, ``code_filtered.json``, ``math_filtered.json``,
``safety-refuse_filtered.json``, ``safety-response_filtered.json``; the domain is the file's
name), a folder of them, an fsspec URI, or the Hub dataset ``THU-KEG/RM-Bench`` (split ``train``).

Every row has a prompt and three chosen and three rejected responses, in the order concise,
detailed plain text, detailed markdown. A row of another shape is refused with its file, record
and id: a benchmark whose denominator silently shrinks is not the benchmark."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from ..data.rm_bench_layout import (
    FILE_DOMAINS,
    SOURCE_DOMAINS,
    STYLES,
    rm_bench_domain_from_name,
    uncompressed_name,
)
from ..errors import InputError

__all__ = ["DOMAINS", "FILE_DOMAINS", "MAX_RESPONSE_CHARS", "RM_BENCH_DATASET", "SOURCE_DOMAINS", "STYLES",
           "RMBenchData", "RMBenchPrompt", "load_rm_bench", "pooled_domain"]

RM_BENCH_DATASET = ("THU-KEG/RM-Bench", "train")
DOMAINS = ("chat", "math", "code", "safety")
"""The scored domains in RM-Bench's order; safety pools safety-refuse and safety-response."""
TOTAL_FILE = "total_dataset.json"
MAX_RESPONSE_CHARS = 1_000_000
"""Longest response read (characters, about 250k tokens: past any reward model's context)."""


def pooled_domain(domain: str) -> str:
    """The scored domain of a source domain (``safety-refuse`` → ``safety``), as RM-Bench's
    ``split_dataset_by_domain`` pools them."""
    return "safety" if domain.startswith("safety") else domain


@dataclass(frozen=True)
class RMBenchPrompt:
    """One RM-Bench prompt with its three chosen and three rejected responses (by style)."""

    id: str
    domain: str  # the source domain: chat, code, math, safety-refuse or safety-response
    prompt: str
    chosen: tuple[str, str, str]
    rejected: tuple[str, str, str]
    subset: str | None = None

    @property
    def key(self) -> str:
        """Unique across domains (the per-domain files number their prompts independently)."""
        return f"{self.domain}/{self.id}"

    @property
    def scored_domain(self) -> str:
        return pooled_domain(self.domain)


@dataclass
class RMBenchData:
    """The prompts read and, per file, what it gave (path, domains, prompts)."""

    prompts: list[RMBenchPrompt]
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def domains(self) -> list[str]:
        """The scored domains present, in RM-Bench's order."""
        present = {p.scored_domain for p in self.prompts}
        return [d for d in DOMAINS if d in present]


def _hub_rows(hub_root: str | Path | None) -> list[dict[str, Any]]:
    from .data import _hub_rows as hub_rows

    repo, split = RM_BENCH_DATASET
    rows, _ = hub_rows(repo if hub_root is None else str(Path(hub_root) / repo), split)
    return rows


def _plain_id(value: Any) -> str | None:
    if value is None or isinstance(value, (bool, list, dict)) or hasattr(value, "tolist") \
            or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an integer id read into a float column
    text = str(value)
    return text if text.strip() else None


def _kind(value: Any) -> str:
    """A value's type for an error, with a cell the row lacks (None, or NaN in a table) as missing."""
    return "missing" if value is None or (isinstance(value, float) and value != value) else type(value).__name__


def _responses(row: dict[str, Any], column: str, where: str) -> tuple[str, str, str]:
    value = row.get(column)
    if value is not None and hasattr(value, "tolist"):
        value = value.tolist()
    if not isinstance(value, list):
        raise InputError(f"{where}: {column!r} is {_kind(value)}; "
                         f"RM-Bench rows have a list of three responses ({', '.join(STYLES)})")
    if len(value) != len(STYLES):
        raise InputError(f"{where}: {column!r} holds {len(value)} responses; RM-Bench rows have three "
                         f"({', '.join(STYLES)})")
    for style, text in zip(STYLES, value):
        if not isinstance(text, str):
            raise InputError(f"{where}: the {style} response in {column!r} is {type(text).__name__}; "
                             "expected text")
        if len(text) > MAX_RESPONSE_CHARS:
            raise InputError(f"{where}: the {style} response in {column!r} has {len(text):,} characters; "
                             f"preftree reads responses up to {MAX_RESPONSE_CHARS:,}")
    return value[0], value[1], value[2]


def _prompts(rows: list[dict[str, Any]], positions: list[int], origin: str, file_domain: str | None,
             row_word: str) -> list[RMBenchPrompt]:
    prompts = []
    seen: dict[str, int] = {}
    for row, position in zip(rows, positions):
        row_id = _plain_id(row.get("id"))
        where = f"{origin}: {row_word} {position}" + (f" (id {row_id})" if row_id is not None else "")
        if row_id is None:
            raise InputError(f"{where}: no usable 'id' (a number or a text); RM-Bench rows have id, prompt, "
                             "chosen, rejected")
        domain = row.get("domain")
        if domain is None or (isinstance(domain, float) and domain != domain):
            if file_domain is None:
                raise InputError(f"{where}: no 'domain'; rows of {TOTAL_FILE} name their domain, and a "
                                 f"per-domain file is named by it ({', '.join(FILE_DOMAINS)})")
            domain = file_domain
        if domain not in SOURCE_DOMAINS:
            raise InputError(f"{where}: domain {str(domain)[:60]!r}; RM-Bench's domains are "
                             f"{', '.join(SOURCE_DOMAINS)}")
        if file_domain is not None and domain != file_domain:
            raise InputError(f"{where}: domain {domain!r} in a file named for {file_domain!r}; which is "
                             "meant? (rename the file or fix the row)")
        prompt = row.get("prompt")
        if not isinstance(prompt, str):
            raise InputError(f"{where}: 'prompt' is {_kind(prompt)}; "
                             "expected text")
        key = f"{domain}/{row_id}"
        if key in seen:
            raise InputError(f"{where}: id {row_id} appears again (first at {row_word} {seen[key]}) in "
                             f"domain {domain}; each prompt once")
        seen[key] = position
        subset = row.get("subset")
        prompts.append(RMBenchPrompt(row_id, str(domain), prompt, _responses(row, "chosen", where),
                                     _responses(row, "rejected", where),
                                     subset if isinstance(subset, str) else None))
    return prompts


def _read_file(location: Path | PurePath) -> tuple[list[RMBenchPrompt], dict[str, Any]]:
    from ..data.files import read_table
    from ..data.uri import URI

    # bounded, compressed or not; a URI is passed whole (its credentials are for reading only)
    table = read_table(location.full if isinstance(location, URI) else Path(location))
    if table.bad_rows:
        position, reason = table.bad_rows[0]
        raise InputError(f"{table.row_word} {position}: {reason}; RM-Bench files are lists of objects",
                         path=location)
    file_domain = rm_bench_domain_from_name(location.name)
    rows = table.frame.to_dict("records")
    if not rows:
        raise InputError("no RM-Bench rows (the file is empty)", path=location)
    prompts = _prompts(rows, table.lines, str(location), file_domain, table.row_word)
    counts = {d: sum(p.domain == d for p in prompts) for d in SOURCE_DOMAINS}
    return prompts, {"path": str(location), "prompts": len(prompts),
                     "domains": {d: n for d, n in counts.items() if n}}


def _folder_files(folder: Path) -> list[Path]:
    """The RM-Bench files of a folder, compressed or not (``chat_filtered.json.gz``); one named as
    such that is not a regular file, or one domain given twice, is refused rather than skipped."""
    from .._inputs import NOT_REGULAR

    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        name = uncompressed_name(path.name)
        if name not in FILE_DOMAINS and name != TOTAL_FILE:
            continue
        if not path.is_file():
            raise InputError(NOT_REGULAR, path=path)
        if name in found:
            raise InputError(f"holds {found[name].name} and {path.name}: the same prompts twice; give one", path=folder)
        found[name] = path
    per_domain = [found[n] for n in FILE_DOMAINS if n in found]
    if TOTAL_FILE in found and per_domain:
        raise InputError(f"holds {TOTAL_FILE} and per-domain files ({', '.join(p.name for p in per_domain)}): "
                         "the same prompts twice; give one of them", path=folder)
    files = [found[TOTAL_FILE]] if TOTAL_FILE in found else per_domain
    if not files:
        raise InputError(f"no RM-Bench file here; expected {TOTAL_FILE} or the per-domain files "
                         f"({', '.join(FILE_DOMAINS)})", path=folder)
    return files


def rm_bench_inputs(source: str | Path | None, out: str | Path | None = None) -> list[Path]:
    """The local files a run reads from ``source`` (a folder's RM-Bench files), for the output
    checks; an output named as an RM-Bench file inside the data folder is refused, since the next
    run would read it as data."""
    from ..data.uri import as_location

    location = None if source is None else as_location(source)
    if not isinstance(location, Path) or not location.is_dir():
        return [location] if isinstance(location, Path) else []
    if out is not None:
        target = Path(os.path.abspath(out))
        named = uncompressed_name(target.name)
        if target.parent.resolve() == location.resolve() and (named in FILE_DOMAINS or named == TOTAL_FILE):
            raise InputError("is named as an RM-Bench data file in the data folder, where the next run would read it "
                             "as data; give another name or folder", path=target)
    names = [location / f"{n}{c}" for n in (*FILE_DOMAINS, TOTAL_FILE) for c in ("", ".gz", ".bz2", ".xz")]
    return [location, *(p for p in names if p.exists())]


def load_rm_bench(source: str | Path | None = None, *, hub_root: str | Path | None = None) -> RMBenchData:
    """RM-Bench from ``source``: a file or a folder as published, a URI, or ``None`` /
    ``THU-KEG/RM-Bench`` for the Hub dataset through ``datasets.load_dataset`` (needs
    ``preftree[hf]``; ``hub_root`` points that code at a local folder laid out like the Hub)."""
    from ..data.uri import URI, as_location

    if source is None or str(source) == RM_BENCH_DATASET[0]:
        rows = _hub_rows(hub_root)
        prompts = _prompts(rows, list(range(1, len(rows) + 1)), RM_BENCH_DATASET[0], None, "row")
        if not prompts:
            raise InputError("no RM-Bench rows", path=RM_BENCH_DATASET[0])
        return RMBenchData(prompts, [{"path": f"hf:{RM_BENCH_DATASET[0]} ({RM_BENCH_DATASET[1]})",
                                      "prompts": len(prompts)}])
    location = as_location(source)
    if not isinstance(location, URI) and not location.exists():
        raise InputError("no such file or folder", path=location)
    files: list[Path | PurePath] = list(_folder_files(location)) \
        if not isinstance(location, URI) and location.is_dir() else [location]
    found_so_far: list[RMBenchPrompt] = []
    read: list[dict[str, Any]] = []
    for file in files:
        found, summary = _read_file(file)
        clash = {p.key for p in found} & {p.key for p in found_so_far}
        if clash:
            raise InputError(f"repeats {len(clash)} prompts of another file read (e.g. {sorted(clash)[0]})",
                             path=file)
        found_so_far += found
        read.append(summary)
    return RMBenchData(found_so_far, read)
