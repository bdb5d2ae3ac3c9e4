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

Detection never guesses: a format is taken only when every format the values fit reads every
value the same way (``{1, 2}`` is LLMBar's index, AlpacaEval's and PandaLM's alike, so any of them
gives the same labels). Otherwise — ``{0, 1}`` is signed, binary, PandaLM's or AlpacaEval's, four
different readings — it is an error that lists the readings and asks for ``--label-format``.
``strength`` is never inferred without a negative value.

A soft AlpacaEval label (a weighted annotator's 1.3) is P(response_2 better) = value − 1: its
preference is the side it leans to and its *weight* is how far it leans (|2p − 1|), so a tree
is fitted with it as a sample weight instead of silently cutting it at 1.5.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError, InputError

__all__ = ["LABEL_FORMATS", "LabelColumn", "detect_label_format", "label_candidates", "parse_label",
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
}

_AB = {"a>b": 0.0, "a>>b": 0.0, "[[a]]": 0.0, "a": 0.0, "b>a": 1.0, "b>>a": 1.0, "[[b]]": 1.0,
       "b": 1.0, "a=b": 0.5, "b=a": 0.5, "tie": 0.5, "[[c]]": 0.5, "c": 0.5}
_INTEGER_FORMATS: dict[str, dict[int, float]] = {
    "signed": {-1: 0.0, 0: 0.5, 1: 1.0},
    "index": {1: 0.0, 2: 1.0},
    "index-tie": {0: 0.5, 1: 0.0, 2: 1.0},
    "binary": {0: 0.0, 1: 1.0},
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


def _p_response_2(value: Any, fmt: str) -> float:
    """P(response_2 better) that ``value`` states in ``fmt``; :class:`InputError` if invalid."""
    if fmt not in LABEL_FORMATS:
        raise ConfigError(f"unknown label format {fmt!r}; accepted: {', '.join(LABEL_FORMATS)}")
    if fmt == "ab":
        key = re.sub(r"\s+", "", str(value)).lower() if isinstance(value, str) else None
        if key in _AB:
            return _AB[key]
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
        if fmt == "strength" and not has_negative:
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
    ('index', 'index-tie', 'ab')
    >>> detect_label_format([-1, 1, 0]), detect_label_format([1.0, 1.5, 2.0]), detect_label_format([-3, 1, 2])
    ('signed', 'alpacaeval', 'strength')
    >>> detect_label_format([0, 1]) is None  # signed, binary, index-tie, alpacaeval: four readings
    True
    """
    readings = label_candidates(values)
    distinct = {tuple(sorted(r.items(), key=repr)) for r in readings.values()}
    return next(iter(readings)) if len(distinct) == 1 else None


@dataclass
class LabelColumn:
    """A parsed label column: preferences, per-label weights (1 for hard labels), the format
    used and how many labels fell in each class."""

    preferences: list[int | None]
    weights: list[float | None]
    format: str
    class_counts: dict[str, int] = field(default_factory=dict)

    @property
    def soft(self) -> bool:
        return any(w is not None and w != 1.0 for w in self.weights)


def _class_counts(preferences: Sequence[int | None]) -> dict[str, int]:
    counts = Counter(p for p in preferences if p is not None)
    return {"response_1": counts.get(-1, 0), "tie": counts.get(0, 0), "response_2": counts.get(1, 0)}


def _ambiguity_message(values: Sequence[Any], column: str) -> str:
    readings = label_candidates(values)
    if not readings:
        shown = sorted({repr(v) for v in values if not _is_missing(v)})[:8]
        return (f"cannot tell the label format of column {column!r}: its values "
                f"{', '.join(shown)} fit no known format; name it with "
                f"--label-format (accepted: {'; '.join(f'{k}: {v}' for k, v in LABEL_FORMATS.items())})")
    words = {-1: "response_1", 0: "tie", 1: "response_2"}
    options = "; ".join(f"{fmt} reads {', '.join(f'{v!r} as {words[p]}' for v, p in reading.items())}"
                        for fmt, reading in readings.items())
    return (f"the label format of column {column!r} is ambiguous: {options}. Name it with "
            f"--label-format {'|'.join(readings)}")


def read_labels(values: Sequence[Any], fmt: str = "auto", *, source: str = "labels",
                column: str = "label", lines: Sequence[int] | None = None) -> LabelColumn:
    """Parse a column of labels into a :class:`LabelColumn`.

    ``lines[i]`` is the file line of ``values[i]``, so errors point at it (``FILE:LINE: ...``);
    by default the 1-based row number.
    """
    if fmt == "auto":
        detected = detect_label_format(values)
        if detected is None:
            raise InputError(_ambiguity_message(values, column), path=source)
        fmt = detected
    if fmt not in LABEL_FORMATS:
        raise ConfigError(f"unknown label format {fmt!r}; accepted: {', '.join(LABEL_FORMATS)}")
    preferences: list[int | None] = []
    weights: list[float | None] = []
    bad: list[tuple[int, Any]] = []
    for offset, value in enumerate(values):
        if _is_missing(value):
            preferences.append(None)
            weights.append(None)
            continue
        try:
            p = _p_response_2(value, fmt)
        except InputError:
            bad.append((lines[offset] if lines else offset + 1, value))
            p = 0.5
        preferences.append(_preference(p))
        weights.append(1.0 if p in (0.0, 0.5, 1.0) else abs(2.0 * p - 1.0))
    if bad:
        examples = ", ".join(f"line {where}: {value!r}" for where, value in bad[:5])
        raise InputError(
            f"{len(bad)} value(s) of column {column!r} are not valid {fmt!r} labels "
            f"({LABEL_FORMATS[fmt]}): {examples}", path=source, line=bad[0][0])
    return LabelColumn(preferences, weights, fmt, _class_counts(preferences))


def parse_labels(values: Sequence[Any], fmt: str = "auto", *, source: str = "labels",
                 column: str = "label",
                 lines: Sequence[int] | None = None) -> tuple[list[int | None], str]:
    """Parse a column of labels; returns the preferences and the format used (see
    :func:`read_labels` for the weights of soft labels and the class counts)."""
    parsed = read_labels(values, fmt, source=source, column=column, lines=lines)
    return parsed.preferences, parsed.format
