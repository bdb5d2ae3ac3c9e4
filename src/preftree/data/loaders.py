"""Loading pairs from files (preftree's columns or a native layout) into the shared data model."""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError, InputError
from .files import Table, read_table
from .formats import detect_pairs_format, pairs_formats, to_preftree
from .label_column import read_labels
from .model import Pair, PairSet, SkippedRow
from .rows import (
    _ELEMENT,
    PAIR_ALIASES,
    PAIR_COLUMNS,
    _clean_metadata,
    _plain_id,
    _resolve_columns,
    pair_fields,
)

__all__ = ["PAIR_ALIASES", "load_pairs", "mapping_values", "pairs_from_table", "pairs_in_layout", "reading_options"]

_STRICT: contextvars.ContextVar[bool] = contextvars.ContextVar("preftree_strict", default=False)
_ORIENTATION_SEED: contextvars.ContextVar[int] = contextvars.ContextVar("preftree_orientation",
                                                                       default=0)


@contextlib.contextmanager
def reading_options(*, strict: bool = False, orientation_seed: int = 0) -> Iterator[None]:
    """Within the block, :func:`load_pairs` refuses a file with a row that cannot form a pair
    (the CLI's ``--strict``) instead of skipping and listing it, and places chosen responses with
    ``orientation_seed`` (``--orientation-seed``) unless told otherwise."""
    tokens = _STRICT.set(strict), _ORIENTATION_SEED.set(orientation_seed)
    try:
        yield
    finally:
        _STRICT.reset(tokens[0])
        _ORIENTATION_SEED.reset(tokens[1])

def _list_elements(table: Table, mapping: Mapping[str, str]) -> Table:
    """``--map response_1=chosen[0]``: one element of a list-valued column (a JSON list, or its
    text in a CSV cell) becomes a column; a row whose cell is no list that long gets none (and is
    skipped with its line, as a row without a response is)."""
    frame = table.frame
    added = {}
    for source in mapping.values():
        match = _ELEMENT.match(source)
        if not match or source in frame.columns or match["column"] not in frame.columns:
            continue
        index = int(match["index"])
        added[source] = [_element(value, index) for value in frame[match["column"]].tolist()]
    if not added:
        return table
    return dataclasses.replace(table, frame=frame.assign(**added))


def _element(value: Any, index: int) -> Any:
    if isinstance(value, str) and value.lstrip().startswith("["):
        import json

        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            return None
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, list) or not -len(value) <= index < len(value):
        return None
    return value[index]


def pairs_from_table(table: Table, *, mapping: Mapping[str, str] | None = None,
                     label_column: str | None = None, label_format: str = "auto",
                     label_name: str = "label", name: str | None = None,
                     use_labels: bool = True, label_map: Any = None, strict: bool = False,
                     label_how: str | None = None,
                     skipped: Sequence[SkippedRow] = ()) -> PairSet:
    """Build a :class:`PairSet` from a read table (see :func:`load_pairs`)."""
    mapping = dict(mapping or {})
    table = _list_elements(table, mapping)
    frame = table.frame
    columns = [str(c) for c in frame.columns]
    if label_column is None and "label" in mapping:
        label_column = mapping["label"]
    resolved = _resolve_columns(columns, mapping, PAIR_COLUMNS, PAIR_ALIASES, table.path,
                                optional=("id",))
    if label_column is None and "label" in columns and use_labels:
        label_column = "label"
    if not use_labels:
        label_column = None  # a command that uses no label keeps the column as metadata
    if label_column is not None and label_column not in columns:
        raise InputError(f"label column {label_column!r} not found; found "
                         f"{', '.join(map(repr, columns))}", path=table.path)
    records = table.records()
    if strict:
        table.refuse_bad_rows()
    skipped_rows = [SkippedRow(line, reason, None, table.row_word) for line, reason in table.bad_rows]
    skipped_rows += list(skipped)
    rows: list[tuple[int, str, Any, str, str]] = []  # position, id, prompt, response_1, response_2
    seen: dict[str, int] = {}
    for position, record in enumerate(records):
        try:
            pair_id, prompt, *responses = pair_fields(record, resolved, position, seen,
                                                      lambda first: f"{table.row_word} {table.lines[first]}")
        except InputError as exc:
            if strict:
                raise table.error(position, str(exc)) from None
            skipped_rows.append(SkippedRow(table.lines[position], str(exc),
                                           _plain_id(record, resolved), table.row_word))
            continue
        seen[pair_id] = position
        rows.append((position, pair_id, prompt, responses[0], responses[1]))
    if not rows:
        reason = f" (every row was skipped: {skipped_rows[0].reason})" if skipped_rows else ""
        raise InputError(f"no pairs in file{reason}", path=table.path)
    kept = [position for position, *_ in rows]
    labels: list[int | None] = [None] * len(records)
    weights: list[float | None] = [None] * len(records)
    reading, used_format = None, None
    if label_column is not None:
        parsed = read_labels([records[i][label_column] for i in kept], label_format,
                             source=str(table.path), column=label_column,
                             lines=[table.lines[i] for i in kept], label_map=label_map,
                             ids=[row[1] for row in rows], how=label_how)
        for i, preference, weight in zip(kept, parsed.preferences, parsed.weights):
            labels[i], weights[i] = preference, weight
        used_format, reading = parsed.format, parsed.reading
    used = set(resolved.values()) | ({label_column} if label_column else set())
    extra = [c for c in columns if c not in used]
    pairs = [Pair(pair_id, prompt, first, second, labels[position],
                  {c: _clean_metadata(records[position][c]) for c in extra},
                  weights[position] or 1.0)
             for position, pair_id, prompt, first, second in rows]
    result = PairSet(pairs, name=name or table.path.stem, label_name=label_name,
                     source=str(table.path), label_format=used_format)
    result.label_reading, result.skipped = reading, skipped_rows
    result.id_source = "column" if "id" in resolved else "row number"
    result.columns_used = {k: v for k, v in resolved.items() if k != v}
    return result


def load_pairs(path: str | Path, *, mapping: Mapping[str, str] | None = None,
               label_column: str | None = None, label_format: str = "auto",
               label_name: str = "label", use_labels: bool = True, pairs_format: str = "auto",
               seed: int | None = None, label_map: Any = None,
               strict: bool | None = None, keep_texts: bool = True,
               features: Sequence[str] = ()) -> PairSet:
    """Load pairs from JSONL / JSON / CSV / Parquet.

    Columns ``id, prompt, response_1, response_2`` (or aliases, or ``mapping``; without an id
    column, pairs are numbered by row); a ``label`` column (or ``label_column``) becomes the
    gold/human preference, read in ``label_format``, or in the coding ``label_map`` states
    (``"0=response_1,1=response_2,2=tie"``); auto-detected only where no public dataset reads the
    values differently. Every other column is kept as metadata (e.g. rating columns
    ``helpfulness_1``). ``use_labels=False`` (commands that use no label: score, judge, compare)
    reads no label at all. ``pairs_format`` names a native layout
    (:data:`preftree.data.formats.PAIRS_FORMATS`: AlpacaEval, RewardBench-style chosen/rejected,
    HH-RLHF, JudgeBench, PandaLM, arena, MT-Bench), which keeps its published label meaning;
    ``auto`` recognises it from the columns when only one fits. ``seed`` places chosen responses
    first or second reproducibly (the CLI's ``--orientation-seed``). A row that cannot form a pair is skipped and listed in
    ``PairSet.skipped``; ``strict=True`` refuses the file instead.

    ``keep_texts=False`` (for work on features alone, ``explain --features style``) holds the
    pairs as columns (:class:`~preftree.data.columns.ColumnPairSet`), the style features, when
    ``features`` names ``"style"``, measured over chunks of texts and the texts let go but for a
    sample: a JSONL or Parquet file in preftree's columns in one streaming pass (:mod:`.stream`,
    :mod:`.parquet_stream`), any other file or layout from the table read as usual
    (:mod:`.table_columns`). The pairs are the same as with the texts kept.

    An AnnotatedPairs file (Feedback Forensics, ICAI; a ``.json`` object with ``annotators`` and
    ``comparisons``) is recognised as such (``pairs_format="annotated-pairs"`` names it): its
    default annotator is the label, its principles the pairs' traits (``trait:<name>``
    metadata), its other annotators judges (``PairSet.judges``).
    """
    if pairs_format == "annotated-pairs" or (pairs_format == "auto" and _looks_annotated(path)):
        return _annotated(path, use_labels)
    if not keep_texts:
        from .stream import read_pair_columns

        streamed = read_pair_columns(path, mapping=mapping, label_column=label_column, label_format=label_format,
                                     label_name=label_name, use_labels=use_labels, pairs_format=pairs_format,
                                     label_map=label_map, strict=_STRICT.get() if strict is None else strict,
                                     features=features)
        if streamed is None:
            from .parquet_stream import read_parquet_columns

            streamed = read_parquet_columns(path, mapping=mapping, label_column=label_column,
                                            label_format=label_format, label_name=label_name,
                                            use_labels=use_labels, pairs_format=pairs_format, label_map=label_map,
                                            strict=_STRICT.get() if strict is None else strict, features=features)
        if streamed is not None:
            return streamed
    table = read_table(path, text_columns=mapping_values(mapping))
    columns = [str(c) for c in table.frame.columns]
    if pairs_format == "auto":
        try:
            _resolve_columns(columns, dict(mapping or {}), PAIR_COLUMNS, PAIR_ALIASES, table.path,
                             optional=("id",))
            fits = True
        except InputError:
            fits = False
        first = table.frame.iloc[0].to_dict() if len(table.frame) else {}
        pairs_format = "preftree" if mapping else detect_pairs_format(columns, first,
                                                                      preftree_fits=fits)
    return pairs_in_layout(table, pairs_format, mapping=mapping, label_column=label_column,
                           label_format=label_format, label_name=label_name, use_labels=use_labels,
                           seed=seed, label_map=label_map, strict=strict, keep_texts=keep_texts,
                           features=features)


def _looks_annotated(path: str | Path) -> bool:
    """A local ``.json`` file (compressed or not) holding a JSON object: the table layouts read a
    JSON list, so an object can only be an AnnotatedPairs file (which then says what it lacks)."""
    from .files import _input_stream, table_suffix

    location = Path(str(path))
    suffix, compression = table_suffix(location)
    if suffix != ".json" or not location.is_file():
        return False
    with _input_stream(location, compression) as stream:
        for _ in range(256):  # to the first character that is not white space, within 16 MiB
            chunk = stream.stream.read(1 << 16)
            text = chunk.lstrip(b"\xef\xbb\xbf \t\r\n")
            if text or not chunk:
                return text.startswith(b"{")
    return False


def _annotated(path: str | Path, use_labels: bool) -> PairSet:
    from .annotated_pairs import read_annotated_pairs

    read = read_annotated_pairs(path)
    rows = read.traits.to_dict(orient="index")  # once, not a .loc per pair
    pairs = []
    for pair in read.pairs:
        traits = rows.get(pair.id, {})
        metadata = {**pair.metadata, **{f"trait:{k}": v for k, v in traits.items()}}
        pairs.append(dataclasses.replace(pair, metadata=metadata, label=pair.label if use_labels else None))
    result = PairSet(pairs, name=read.pairs.name, label_name=read.pairs.label_name, source=read.pairs.source,
                     label_format="annotated-pairs" if use_labels else None, pairs_format="annotated-pairs")
    result.judges = read.judges
    result.trait_descriptions = read.trait_descriptions
    result.skipped_counts = dict(read.skipped)
    return result


def pairs_in_layout(table: Table, pairs_format: str, *, mapping: Mapping[str, str] | None = None,
                    label_column: str | None = None, label_format: str = "auto",
                    label_name: str = "label", use_labels: bool = True, seed: int | None = None,
                    label_map: Any = None, strict: bool | None = None, keep_texts: bool = True,
                    features: Sequence[str] = ()) -> PairSet:
    """Pairs from a table already read, in a known layout (``preftree`` or a native one): the
    second half of :func:`load_pairs`, for a caller that looked at the columns itself.
    ``keep_texts=False`` holds them as columns (see :func:`load_pairs`)."""
    strict = _STRICT.get() if strict is None else strict
    seed = _ORIENTATION_SEED.get() if seed is None else seed
    layouts = pairs_formats(plugins=False if pairs_format == "preftree" else pairs_format)
    if pairs_format != "preftree" and pairs_format not in layouts:
        raise ConfigError(f"unknown pairs format {pairs_format!r}; known: preftree, "
                          f"{', '.join(layouts)}")
    skipped: list[SkippedRow] = []
    how = None
    if pairs_format != "preftree":
        if mapping:  # --map names the layout's columns in this file: applied before the layout reads it
            table, mapping = _renamed_for_layout(table, mapping, pairs_format), None
        table, skipped = to_preftree(table, pairs_format, seed, strict=strict)
        native = layouts[pairs_format].label_format
        if label_format == "auto" and native and label_column is None and label_map is None:
            label_format, how = native, f"the published coding of the {pairs_format} layout"
    pairs: PairSet | None = None
    if not keep_texts:  # features alone: columns, no Pair per row
        from .table_columns import columns_from_table

        pairs = columns_from_table(table, mapping=mapping, label_column=label_column, label_format=label_format,
                                   label_name=label_name, use_labels=use_labels, label_map=label_map,
                                   strict=strict, label_how=how, skipped=skipped, features=features)
    if pairs is None:
        pairs = pairs_from_table(table, mapping=mapping, label_column=label_column,
                                 label_format=label_format, label_name=label_name, use_labels=use_labels,
                                 label_map=label_map, strict=strict, label_how=how, skipped=skipped)
    pairs.pairs_format = pairs_format
    return pairs


def _renamed_for_layout(table: Table, mapping: Mapping[str, str], pairs_format: str) -> Table:
    """``--map chosen=chosen_instruction`` with a native layout: the file's column
    ``chosen_instruction`` is read as the layout's ``chosen``."""
    import dataclasses

    from .formats import pairs_formats

    columns = [str(c) for c in table.frame.columns]
    absent = [f"{k}={v}" for k, v in mapping.items() if v not in columns]
    if absent:
        raise InputError(f"--map {', '.join(absent)}: no such column for the {pairs_format} layout; "
                         f"columns: {', '.join(columns)}", path=table.path)
    sources = list(mapping.values())
    twice = sorted({v for v in sources if sources.count(v) > 1})
    if twice:
        raise InputError(f"--map names the column {twice[0]!r} for two of the layout's columns; map each once",
                         path=table.path)
    renamed = table.frame.drop(columns=[k for k in mapping if k in columns and k not in mapping.values()])
    renamed = renamed.rename(columns={v: k for k, v in mapping.items()})
    first = renamed.iloc[0].to_dict() if len(renamed) else {}
    if not pairs_formats(plugins=pairs_format)[pairs_format].detect({str(c) for c in renamed.columns}, first):
        raise InputError(f"with --map {','.join(f'{k}={v}' for k, v in mapping.items())} the columns "
                         f"({', '.join(map(str, renamed.columns))}) are not a {pairs_format} layout; --map "
                         "LAYOUT_COLUMN=YOUR_COLUMN names, for each column the layout reads, your file's",
                         path=table.path)
    return dataclasses.replace(table, frame=renamed)


def mapping_values(mapping: Mapping[str, str] | None) -> tuple[str, ...]:
    """Columns named by ``--map`` for id/prompt/responses: read as text, never as numbers."""
    return tuple(v for k, v in (mapping or {}).items() if k in PAIR_COLUMNS)
