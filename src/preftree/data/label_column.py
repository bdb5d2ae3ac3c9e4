"""A label column read as a whole: the format detected (or stated) from its distinct values, each
value's meaning with an example pair, soft labels as weights, every invalid value reported at its
line. The value-level formats and detection are :mod:`.labels`'."""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError, InputError
from .labels import (
    _WORDS,
    KNOWN_CODINGS,
    LABEL_FORMATS,
    _is_missing,
    _map_key,
    _p_response_2,
    _preference,
    _three_valued,
    detect_label_format,
    label_candidates,
    parse_label_map,
)

__all__ = ["LabelColumn", "LabelReading", "parse_labels", "read_labels"]


@dataclass
class LabelReading:
    """How a label column was read, shown where people look (terminal, ``summary.json``, report):
    the format, how it was chosen, each value's meaning, and one example pair per class."""

    column: str
    format: str
    how: str  # "detected", "stated (--label-format)", "stated (--label-map)", "the pandalm layout"
    meanings: dict[str, str] = field(default_factory=dict)  # raw value → response_1 / tie / ...
    examples: dict[str, tuple[str, str]] = field(default_factory=dict)  # meaning → (pair id, raw)

    def text(self) -> str:
        """One line, e.g. ``label read as autoj (stated): 0 → response_1, ...; e.g. id 17: label
        2 → tie``."""
        meanings = ", ".join(f"{value} → {word}" for value, word in list(self.meanings.items())[:8])
        examples = "; ".join(f"id {pair}: {self.column} {raw} → {word}"
                             for word, (pair, raw) in self.examples.items())
        return (f"{self.column!r} read as {self.format} ({self.how}): {meanings}"
                + (f"; e.g. {examples}" if examples else ""))

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "format": self.format, "how": self.how,
                "meanings": self.meanings,
                "examples": [{"id": pair, "value": raw, "read_as": word}
                             for word, (pair, raw) in self.examples.items()]}


@dataclass
class LabelColumn:
    """A parsed label column: preferences, per-label weights (1 for hard labels), the format
    used, how many labels fell in each class, and how it was read."""

    preferences: list[int | None]
    weights: list[float | None]
    format: str
    class_counts: dict[str, int] = field(default_factory=dict)
    reading: LabelReading | None = None

    @property
    def soft(self) -> bool:
        return any(w is not None and w != 1.0 for w in self.weights)


def _class_counts(preferences: Sequence[int | None]) -> dict[str, int]:
    counts = Counter(p for p in preferences if p is not None)
    return {"response_1": counts.get(-1, 0), "tie": counts.get(0, 0), "response_2": counts.get(1, 0)}


def _ambiguity_message(values: Sequence[Any], column: str) -> str:
    coding = _three_valued(values)
    if coding is not None:
        shown = ", ".join(sorted({_map_key(v) for v in values if not _is_missing(v)}))
        lines = "; ".join(f"--label-map {line}  ({datasets})" for line, datasets in KNOWN_CODINGS[coding])
        return (f"column {column!r} holds the values {shown}, which public datasets code in "
                f"opposite ways, so preftree will not guess. State the coding of your data, "
                f"e.g. {lines}")
    readings = label_candidates(values)
    if not readings:
        listed = sorted({repr(v) for v in values if not _is_missing(v)})[:8]
        return (f"cannot tell the label format of column {column!r}: its values "
                f"{', '.join(listed)} fit no known format; name it with "
                f"--label-format (accepted: {'; '.join(f'{k}: {v}' for k, v in LABEL_FORMATS.items())})")
    words = {-1: "response_1", 0: "tie", 1: "response_2"}
    options = "; ".join(f"{fmt} reads {', '.join(f'{v!r} as {words[p]}' for v, p in reading.items())}"
                        for fmt, reading in readings.items())
    return (f"the label format of column {column!r} is ambiguous: {options}. Name it with "
            f"--label-format {'|'.join(readings)}, or state the coding with --label-map "
            "VALUE=response_1|response_2|tie,...")


def read_labels(values: Sequence[Any], fmt: str = "auto", *, source: str = "labels",
                column: str = "label", lines: Sequence[int] | None = None,
                label_map: dict[str, float] | str | None = None, ids: Sequence[str] | None = None,
                how: str | None = None) -> LabelColumn:
    """Parse a column of labels into a :class:`LabelColumn`.

    ``lines[i]`` is the file line of ``values[i]``, so errors point at it (``FILE:LINE: ...``);
    by default the 1-based row number. ``label_map`` (``--label-map``) states the coding and wins
    over ``fmt``. ``ids`` name the example pairs of the reading; ``how`` says who chose the format.
    """
    mapping = parse_label_map(label_map) if isinstance(label_map, str) or label_map is None \
        else label_map
    if mapping is not None:
        if fmt not in ("auto", "map"):
            raise ConfigError(f"--label-map and --label-format {fmt} both state the coding; "
                              "give one")
        fmt, how = "map", "stated with --label-map"
    elif fmt == "auto":
        if all(_is_missing(v) for v in values):
            raise InputError(f"label column {column!r} is empty (every value is missing); give "
                             "--label-column, or drop the column", path=source)
        distinct = _distinct(values)  # what detection looks at: each value once, not a million times
        detected = detect_label_format(distinct)
        if detected is None:
            raise InputError(_ambiguity_message(distinct, column), path=source)
        fmt, how = detected, "detected: every known format reads these values alike"
    if fmt not in LABEL_FORMATS:
        raise ConfigError(f"unknown label format {fmt!r}; accepted: {', '.join(LABEL_FORMATS)}")
    if fmt == "map" and mapping is None:
        raise ConfigError("label format 'map' needs --label-map VALUE=MEANING,...")
    reading = LabelReading(column, fmt, how or "stated with --label-format")
    bad: list[tuple[int, Any]] = []
    known = _Readings(fmt, mapping)
    try:  # each distinct value read once; the column mapped through them without Python per value
        results = list(map(known.__getitem__, zip(map(type, values), values)))
    except TypeError:  # an unhashable value (a list): read one by one
        known.unhashable = True
        results = [known.read(value) for value in values]
    preferences: list[int | None] = list(map(operator.itemgetter(1), results))
    weights: list[float | None] = list(map(operator.itemgetter(2), results))
    if any(map(operator.itemgetter(0), results)):
        bad = [(lines[offset] if lines else offset + 1, value)
               for offset, (value, result) in enumerate(zip(values, results)) if result[0]]
    for *_, word, key in (results if known.unhashable else known.values()):
        if key is not None and word is not None and key not in reading.meanings and len(reading.meanings) < 50:
            reading.meanings[key] = word
    for preference in {p for p in set(preferences) if p is not None}:  # one example per class: its first
        offset = preferences.index(preference)
        value = values[offset]
        where = ids[offset] if ids is not None else f"{'line' if lines else 'row'} " \
            f"{lines[offset] if lines else offset + 1}"
        reading.examples[_WORDS[preference]] = (str(where), repr(value) if isinstance(value, str) else str(value))
    if bad:
        examples = ", ".join(f"line {where}: {value!r}" for where, value in bad[:5])
        expected = (f"the --label-map values {', '.join(map(repr, mapping))}" if mapping
                    else LABEL_FORMATS[fmt])
        distinct = sorted({repr(v) for _, v in bad})[:10]
        raise InputError(
            f"{len(bad)} value(s) of column {column!r} are not valid {fmt!r} labels "
            f"({expected}): {examples}; values not covered: {', '.join(distinct)}",
            path=source, line=bad[0][0])
    if reading.examples:
        order = [w for w in ("response_1", "tie", "response_2") if w in reading.examples]
        reading.examples = {w: reading.examples[w] for w in order}
    return LabelColumn(preferences, weights, fmt, _class_counts(preferences), reading)


_Reading = tuple[bool, "int | None", "float | None", "str | None", "str | None"]
"""A label value's reading: invalid?, preference, weight, meaning, map key (None when missing)."""
_MISSING: _Reading = (False, None, None, None, None)


class _Readings(dict[tuple[type, Any], "_Reading"]):
    """Each distinct label value's reading (keyed by type and value: ``1`` and ``True`` differ),
    computed when first met; missing values are not kept (each NaN is a key of its own)."""

    def __init__(self, fmt: str, mapping: dict[str, float] | None) -> None:
        super().__init__()
        self.fmt, self.mapping, self.unhashable = fmt, mapping, False

    def read(self, value: Any) -> _Reading:
        if _is_missing(value):
            return _MISSING
        p, preference, weight, word, key = _read_one(value, self.fmt, self.mapping)
        return p is None, preference, weight, word, key

    def __missing__(self, key: tuple[type, Any]) -> _Reading:
        reading = self.read(key[1])
        if reading is not _MISSING:
            self[key] = reading
        return reading


def _read_one(value: Any, fmt: str, mapping: dict[str, float] | None) -> tuple[float | None, int, float, str, str]:
    """One label's P(response_2) (None if invalid: read as a tie and reported), preference,
    weight, meaning and map key."""
    try:
        p: float | None = _p_response_2(value, fmt, mapping)
    except InputError:
        p = None
    q = 0.5 if p is None else p
    preference = _preference(q)
    word = _WORDS[preference] if q in (0.0, 0.5, 1.0) else f"{_WORDS[preference]} (soft, p = {q:.2f})"
    return p, preference, 1.0 if q in (0.0, 0.5, 1.0) else abs(2.0 * q - 1.0), word, _map_key(value)


def _distinct(values: Iterable[Any]) -> list[Any]:
    """Each value once, the first of its kind (``1`` and ``1.0`` and ``True`` stay apart, as
    ``set`` would merge them only after the first came in), unhashable values all kept."""
    seen: dict[tuple[type, Any], None] = {}
    out: list[Any] = []
    for value in values:
        try:
            key = (type(value), repr(value) if type(value) is float else value)  # -0.0 is not 0.0 here
            if key in seen:
                continue
            seen[key] = None
        except TypeError:
            pass
        out.append(value)
    return out


def parse_labels(values: Sequence[Any], fmt: str = "auto", *, source: str = "labels",
                 column: str = "label",
                 lines: Sequence[int] | None = None) -> tuple[list[int | None], str]:
    """Parse a column of labels; returns the preferences and the format used (see
    :func:`read_labels` for the weights of soft labels and the class counts)."""
    parsed = read_labels(values, fmt, source=source, column=column, lines=lines)
    return parsed.preferences, parsed.format
