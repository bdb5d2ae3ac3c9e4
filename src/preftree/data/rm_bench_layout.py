"""RM-Bench's layout (``--pairs-format rm-bench``): one row per prompt with ``chosen`` and
``rejected`` lists of three responses (concise, detailed plain text, detailed markdown), read as
the nine pairs chosen style × rejected style. Each pair's metadata says ``chosen_style``,
``rejected_style`` and ``difficulty`` (hard: the chosen answer plainer; normal: the same style;
easy: the chosen answer fancier), and the row's ``domain`` (from the row, or the published
file's name: ``chat_filtered.json`` → chat). The chosen answer is placed first or second by the
seeded coin every chosen/rejected layout uses."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..errors import InputError
from .files import COMPRESSIONS, Table
from .placement import place_chosen

__all__ = ["ALL_NINE_BY", "DIFFICULTIES", "style_matched_view", "FILE_DOMAINS", "SHORT_STYLES", "SOURCE_DOMAINS", "STYLES", "difficulty",
           "is_rm_bench_row", "rm_bench_domain_from_name", "rm_bench_pairs", "uncompressed_name", "with_file_domain"]

STYLES = ("concise", "detailed_plain", "detailed_markdown")
"""The three styles, in the order of every ``chosen`` and ``rejected`` list."""
SHORT_STYLES = ("concise", "plain", "markdown")
DIFFICULTIES = ("hard", "normal", "easy")
SOURCE_DOMAINS = ("chat", "code", "math", "safety-refuse", "safety-response")
FILE_DOMAINS = {f"{domain}_filtered.json": domain for domain in SOURCE_DOMAINS}


def difficulty(chosen_style: int, rejected_style: int) -> str:
    """hard when the chosen answer is plainer than the rejected one, easy when fancier."""
    return "hard" if chosen_style < rejected_style else "easy" if chosen_style > rejected_style else "normal"


def uncompressed_name(name: str) -> str:
    """A file's name, lower-cased, without a compression suffix (``chat_filtered.json.gz`` →
    ``chat_filtered.json``): the name RM-Bench published it under."""
    name = name.lower()
    for suffix in COMPRESSIONS:
        name = name.removesuffix(suffix)
    return name


def rm_bench_domain_from_name(name: str) -> str | None:
    """The domain a published per-domain file is named for (compressed or not), else None."""
    return FILE_DOMAINS.get(uncompressed_name(name))


def _text_list(value: Any) -> list[Any] | None:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return value if isinstance(value, list) else None


def is_rm_bench_row(columns: set[str], row: dict[str, Any]) -> bool:
    """``chosen`` and ``rejected`` are lists of texts (not chat messages) beside a ``prompt``."""
    if not {"prompt", "chosen", "rejected"} <= columns:
        return False
    chosen = _text_list(row.get("chosen"))
    return chosen is not None and bool(chosen) and all(isinstance(text, str) for text in chosen)


_FILE_DOMAIN = "_rm_bench_file_domain"
"""The column that carries the domain a file is named for to each row (checked, then dropped)."""


def with_file_domain(table: Table) -> Table:
    """The table with the domain its file is named for beside each row (a row naming another is
    refused by the converter)."""
    domain = rm_bench_domain_from_name(table.path.name)
    if domain is None:
        return table
    return dataclasses.replace(table, frame=table.frame.assign(**{_FILE_DOMAIN: domain}))


def _domain(row: dict[str, Any]) -> str | None:
    given, named = row.get("domain"), row.get(_FILE_DOMAIN)
    if given is None or (isinstance(given, float) and given != given):
        return named if isinstance(named, str) else None
    if not isinstance(given, str) or given not in SOURCE_DOMAINS:
        raise InputError(f"domain {str(given)[:40]!r}; RM-Bench's domains are {', '.join(SOURCE_DOMAINS)}")
    if isinstance(named, str) and given != named:
        raise InputError(f"domain {given!r} in a file named for {named!r}; which is meant? (rename the file or fix "
                         "the row)")
    return given


def _responses(row: dict[str, Any], column: str) -> list[str]:
    values = _text_list(row.get(column))
    if values is None:
        raise InputError(f"{column!r} is not a list; RM-Bench rows have three responses ({', '.join(STYLES)})")
    if len(values) != len(STYLES):
        raise InputError(f"{column!r} holds {len(values)} responses; RM-Bench rows have three ({', '.join(STYLES)})")
    if not all(isinstance(v, str) for v in values):
        raise InputError(f"{column!r} holds a response that is not text")
    return values


def rm_bench_pairs(row: dict[str, Any], position: int, seed: int) -> list[dict[str, Any]]:
    """The nine pairs of one RM-Bench row."""
    prompt = row.get("prompt")
    if not isinstance(prompt, str):
        raise InputError("'prompt' is not text")
    chosen, rejected = _responses(row, "chosen"), _responses(row, "rejected")
    row_id = row.get("id")
    if row_id is None or (isinstance(row_id, float) and not np.isfinite(row_id)):
        raise InputError("no 'id'")
    if isinstance(row_id, float) and row_id.is_integer():
        row_id = int(row_id)
    if isinstance(row_id, (list, dict, bool, np.ndarray)):
        raise InputError(f"'id' is {type(row_id).__name__}; a number or a text")
    domain = _domain(row)
    base = f"{domain}/{row_id}" if domain else str(row_id)
    keep = {k: v for k, v in row.items() if k not in ("id", "prompt", "chosen", "rejected", "domain", _FILE_DOMAIN)
            and not isinstance(v, (list, dict, np.ndarray))}
    pairs = []
    for i, good in enumerate(chosen):
        for j, bad in enumerate(rejected):
            record = {"id": f"{base}/{SHORT_STYLES[i]}-vs-{SHORT_STYLES[j]}", "prompt": prompt, **keep,
                      "prompt_id": str(row_id), "domain": domain, "chosen_style": STYLES[i],
                      "rejected_style": STYLES[j], "difficulty": difficulty(i, j)}
            pairs.append(place_chosen(record, good, bad, seed))
    return pairs


ALL_NINE_BY = ("difficulty", "chosen_style", "rejected_style")
"""``--by`` columns that compare styles, so every one of the nine pairs is kept."""


def style_matched_view(pairs: Any, by: str | None) -> Any:
    """RM-Bench pairs as explain reads them by default: the style-matched ones (the diagonal, 3 of
    9 per prompt), where a tree sees substance rather than the styles the benchmark varies on
    purpose; all nine with ``--by`` one of :data:`ALL_NINE_BY`. Other pairs are returned as they are."""
    if pairs.pairs_format != "rm-bench" or by in ALL_NINE_BY:
        return pairs
    kept = [p.id for p in pairs if p.metadata.get("difficulty") == "normal"]
    view = pairs.subset(kept)
    view.view = (f"RM-Bench: the {len(kept)} style-matched pairs (the diagonal, 3 of 9 per prompt) of "
                 f"{len(pairs)}; --by difficulty, chosen_style or rejected_style explains all nine")
    return view
