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
import re
from collections.abc import Iterable
from typing import Any

from ..errors import ConfigError, InputError

__all__ = ["KNOWN_CODINGS", "LABEL_FORMATS", "detect_label_format", "label_candidates", "label_probability",
           "parse_label", "parse_label_map"]

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
