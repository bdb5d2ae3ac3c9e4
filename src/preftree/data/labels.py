"""Label formats: every way a preference is written in the wild, mapped to {-1, 0, +1}.

``-1`` = response_1 better, ``+1`` = response_2 better, ``0`` = no clear preference.

| format         | values                                              | source                             |
|----------------|-----------------------------------------------------|------------------------------------|
| ``signed``     | -1, 0, +1                                           | RLHFlow's collection script        |
| ``index``      | 1, 2 (the better response)                          | LLMBar's ``label``                 |
| ``index-tie``  | 0 = tie, 1, 2                                       | PandaLM's annotators               |
| ``ab``         | ``A>B``, ``A>>B``, ``B>A``, ``A=B``, ``[[A]]``, ``tie`` | JudgeBench, Arena-Hard, MT-Bench |
| ``alpacaeval`` | 1 or 2; 1.5 or 0 = draw; a float in (1, 2) = soft   | AlpacaEval annotations             |
| ``strength``   | -3..3, negative = response_1 better                 | HelpSteer2-Preference              |
| ``binary``     | 0 = response_1 better, 1 = response_2 better        | the seed model's ``compare``       |
| ``autoj``      | 0 = response_1 better, 1 = response_2 better, 2 = tie | the Auto-J pairwise test set     |
| ``map``        | any coding, stated with ``--label-map VALUE=MEANING,...`` | (you)                          |

Detection never guesses: a format is taken only when every format the values fit reads every
value the same way (``{1, 2}`` is LLMBar's index, AlpacaEval's and PandaLM's alike, so any of them
gives the same labels). Otherwise — ``{0, 1}`` is signed, binary, PandaLM's or AlpacaEval's, four
different readings — it is an error that lists the readings and asks for ``--label-format``.
``strength`` is never inferred without a negative value. A three-valued integer coding
(``{0, 1, 2}`` with 0 and 2 present, ``{1, 2, 3}``, or their strings) means opposite things in
public datasets (PandaLM: 0 = tie; Auto-J: 2 = tie), so it is never detected: the error prints the
exact ``--label-map`` line of each known convention, with the datasets that use it.

A soft AlpacaEval label (a weighted annotator's 1.3) is P(response_2 better) = value − 1: its
preference is the side it leans to and its *weight* is how far it leans (|2p − 1|), so a tree
is fitted with it as a sample weight instead of silently cutting it at 1.5.
"""

from __future__ import annotations

import math
import operator
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError, InputError

__all__ = ["KNOWN_CODINGS", "LABEL_FORMATS", "LabelColumn", "LabelReading", "detect_label_format",
           "label_candidates", "label_probability", "parse_label", "parse_label_map",
           "parse_labels", "read_labels"]

LABEL_FORMATS: dict[str, str] = {
    "signed": "-1 = response_1 better, 0 = no preference, +1 = response_2 better",
    "index": "1 = response_1 better, 2 = response_2 better (LLMBar)",
    "index-tie": "0 = tie, 1 = response_1 better, 2 = response_2 better (PandaLM)",
    "ab": "'A>B' / 'A>>B' / '[[A]]' = response_1 better, 'B>A' / '[[B]]' = response_2 better, "
          "'A=B' / 'tie' / '[[C]]' = tie (JudgeBench, Arena-Hard, MT-Bench)",
    "alpacaeval": "1 = output_1, 2 = output_2, 1.5 or 0 = draw, a float in (1, 2) = a soft label "
                  "(AlpacaEval)",
    "strength": "integer -3..3, negative = response_1 better, 0 = tie (HelpSteer2-Preference)",
    "binary": "0 = response_1 better, 1 = response_2 better (the seed's compare())",
    "autoj": "0 = response_1 better, 1 = response_2 better, 2 = tie (Auto-J pairwise test set)",
    "map": "the coding stated with --label-map VALUE=MEANING,...",
}
_NEVER_DETECTED = ("autoj", "map")  # stated, never inferred (they read common values differently)

MEANINGS = {"response_1": 0.0, "response_2": 1.0, "tie": 0.5}
"""The meanings ``--label-map`` takes, as P(response_2 better)."""
_WORDS = {-1: "response_1", 0: "tie", 1: "response_2"}

KNOWN_CODINGS: dict[frozenset[str], list[tuple[str, str]]] = {
    frozenset({"0", "1", "2"}): [
        ("0=tie,1=response_1,2=response_2",
         "PandaLM test set (annotator1-3), AlpacaEval (preference 0 = draw); --label-format index-tie"),
        ("0=response_1,1=response_2,2=tie",
         "Auto-J pairwise test set (label), arena-55k's winner_model_a/b/tie as a class index; "
         "--label-format autoj"),
    ],
    frozenset({"1", "2", "3"}): [
        ("1=response_1,2=response_2,3=tie", "no public dataset known to preftree; check yours"),
        ("1=response_1,2=tie,3=response_2", "an ordinal coding; no public dataset known to preftree"),
    ],
}
"""Three-valued integer codings that public datasets read in opposite ways: never detected; the
error lists each convention's ``--label-map`` line and the datasets that use it."""

_AB = {"a>b": 0.0, "a>>b": 0.0, "[[a]]": 0.0, "a": 0.0, "b>a": 1.0, "b>>a": 1.0, "[[b]]": 1.0,
       "b": 1.0, "a=b": 0.5, "b=a": 0.5, "tie": 0.5, "[[c]]": 0.5, "c": 0.5}
_INTEGER_FORMATS: dict[str, dict[int, float]] = {
    "signed": {-1: 0.0, 0: 0.5, 1: 1.0},
    "index": {1: 0.0, 2: 1.0},
    "index-tie": {0: 0.5, 1: 0.0, 2: 1.0},
    "binary": {0: 0.0, 1: 1.0},
    "autoj": {0: 0.0, 1: 1.0, 2: 0.5},
    "strength": {k: 0.5 + 0.5 * ((k > 0) - (k < 0)) for k in range(-3, 4)},
}


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _map_key(value: Any) -> str:
    """A label value as a map key: numbers in their integer form when integral (``2``, ``2.0``
    and ``"2"`` are one key), text stripped."""
    if isinstance(value, bool):
        return str(value)
    number = _as_number(value)
    if number is not None and number.is_integer():
        return str(int(number))
    return str(value).strip()


def parse_label_map(spec: str | dict[Any, str] | None) -> dict[str, float] | None:
    """``--label-map VALUE=MEANING,...`` (meanings: response_1, response_2, tie) as a lookup from
    value to P(response_2 better).

    >>> parse_label_map("0=response_1,1=response_2,2=tie")
    {'0': 0.0, '1': 1.0, '2': 0.5}
    >>> parse_label_map("model_a=response_1,model_b=response_2,tie (bothbad)=tie")["tie (bothbad)"]
    0.5
    """
    if spec is None or spec == "":
        return None
    items = spec.items() if isinstance(spec, dict) else (
        item.rsplit("=", 1) if "=" in item else (item, "") for item in str(spec).split(","))
    mapping: dict[str, float] = {}
    for value, meaning in items:
        meaning = str(meaning).strip().lower()
        if meaning not in MEANINGS:
            raise ConfigError(f"--label-map {value}={meaning or '?'}: each entry is VALUE=MEANING "
                              f"with MEANING one of {', '.join(MEANINGS)}")
        key = _map_key(value)
        if key in mapping and mapping[key] != MEANINGS[meaning]:
            raise ConfigError(f"--label-map gives {key!r} two meanings")
        mapping[key] = MEANINGS[meaning]
    if not mapping:
        raise ConfigError("--label-map is empty")
    return mapping


def _p_response_2(value: Any, fmt: str, label_map: dict[str, float] | None = None) -> float:
    """P(response_2 better) that ``value`` states in ``fmt``; :class:`InputError` if invalid."""
    if fmt not in LABEL_FORMATS:
        raise ConfigError(f"unknown label format {fmt!r}; accepted: {', '.join(LABEL_FORMATS)}")
    if fmt == "map":
        key = _map_key(value)
        if label_map is None or key not in label_map:
            raise InputError(f"{value!r} is not in --label-map")
        return label_map[key]
    if fmt == "ab":
        ab_key = re.sub(r"\s+", "", str(value)).lower() if isinstance(value, str) else None
        if ab_key in _AB:
            return _AB[ab_key]
        raise InputError(f"{value!r} is not a valid {fmt!r} label")
    number = _as_number(value)
    if number is None:
        raise InputError(f"{value!r} is not a valid {fmt!r} label")
    if fmt == "alpacaeval":
        if number == 0.0:
            return 0.5  # AlpacaEval writes a draw as 0 as well as 1.5 (metrics/winrate.py)
        if 1.0 <= number <= 2.0:
            return number - 1.0
        raise InputError(f"{value!r} is not a valid {fmt!r} label")
    if number.is_integer() and int(number) in _INTEGER_FORMATS[fmt]:
        return _INTEGER_FORMATS[fmt][int(number)]
    raise InputError(f"{value!r} is not a valid {fmt!r} label")


def _preference(p: float) -> int:
    return 0 if p == 0.5 else (1 if p > 0.5 else -1)


def parse_label(value: Any, fmt: str) -> int | None:
    """One label in format ``fmt`` as -1/0/+1 (``None`` if missing); ``InputError`` (a
    ``ValueError``) if invalid.

    >>> parse_label("B>A", "ab"), parse_label(2, "index"), parse_label(-2, "strength")
    (1, 1, -1)
    >>> parse_label(1.25, "alpacaeval"), parse_label(0, "binary"), parse_label(0, "index-tie")
    (-1, -1, 0)
    """
    if _is_missing(value):
        return None
    return _preference(_p_response_2(value, fmt))


def label_probability(value: Any, fmt: str) -> float | None:
    """P(response_2 better) that one label in format ``fmt`` states: a soft label kept as it
    is (AlpacaEval's weighted annotator); ``None`` if missing; ``InputError`` if invalid.

    >>> label_probability(1.25, "alpacaeval"), label_probability(0, "alpacaeval"), label_probability(-1, "signed")
    (0.25, 0.5, 0.0)
    """
    if _is_missing(value):
        return None
    return _p_response_2(value, fmt)


def label_candidates(values: Iterable[Any]) -> dict[str, dict[Any, int]]:
    """Every format all ``values`` fit, with how it reads each distinct value.

    >>> label_candidates([0, 1])["binary"]
    {0: -1, 1: 1}
    """
    present = [v for v in values if not _is_missing(v)]
    if not present or any(isinstance(v, bool) or not isinstance(v, (str, int, float)) for v in present):
        return {}
    distinct = sorted(set(present), key=repr)
    has_negative = any((_as_number(v) or 0) < 0 for v in distinct)
    readings: dict[str, dict[Any, int]] = {}
    for fmt in LABEL_FORMATS:
        if (fmt == "strength" and not has_negative) or fmt in _NEVER_DETECTED:
            continue
        try:
            readings[fmt] = {v: _preference(_p_response_2(v, fmt)) for v in distinct}
        except InputError:
            continue
    return readings


def detect_label_format(values: Iterable[Any]) -> str | None:
    """The format these values are in, when every format they fit reads them the same way;
    ``None`` when none fits or the readings differ.

    >>> detect_label_format([1, 2, 2]), detect_label_format([0, 1, 2]), detect_label_format(["A>B"])
    ('index', None, 'ab')
    >>> detect_label_format([-1, 1, 0]), detect_label_format([1.0, 1.5, 2.0]), detect_label_format([-3, 1, 2])
    ('signed', 'alpacaeval', 'strength')
    >>> detect_label_format([0, 1]) is None  # signed, binary, index-tie, alpacaeval: four readings
    True
    """
    if _three_valued(values) is not None:
        return None
    readings = label_candidates(values)
    distinct = {tuple(sorted(r.items(), key=repr)) for r in readings.values()}
    return next(iter(readings)) if len(distinct) == 1 else None


def _three_valued(values: Iterable[Any]) -> frozenset[str] | None:
    """The known three-valued coding these values use ambiguously (0 and 2 of ``{0, 1, 2}``
    present, or any of ``{1, 2, 3}`` with 3), else None."""
    keys = {_map_key(v) for v in values if not _is_missing(v)}
    if keys and keys <= {"0", "1", "2"} and {"0", "2"} <= keys:
        return frozenset({"0", "1", "2"})
    if keys and keys <= {"1", "2", "3"} and "3" in keys and len(keys) >= 2:
        return frozenset({"1", "2", "3"})
    return None


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
