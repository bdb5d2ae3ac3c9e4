"""Label formats: every way a preference is written in the wild, mapped to {-1, 0, +1}.

``-1`` = response_1 better, ``+1`` = response_2 better, ``0`` = no clear preference.

| format       | values                        | source                                         |
|--------------|-------------------------------|------------------------------------------------|
| ``signed``   | -1, 0, +1                     | RLHFlow's collection script, preftree itself    |
| ``index``    | 1, 2 (the better response)    | LLMBar's ``label``                              |
| ``ab``       | ``A>B``, ``B>A``, ``A=B``     | JudgeBench's ``label``                          |
| ``alpacaeval`` | float in [1, 2]: 1 = output_1, 2 = output_2, 1.5 = tie | AlpacaEval annotations |
| ``strength`` | -3..3, negative = response_1 better | HelpSteer2-Preference ``preference_strength`` |
| ``binary``   | 0 = response_1 better, 1 = response_2 better | the seed model's ``compare`` output |

``binary`` is never auto-detected: {0, 1} could as well be signed labels without a "response_1" class.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import ConfigError, InputError

__all__ = ["LABEL_FORMATS", "detect_label_format", "parse_label", "parse_labels"]

LABEL_FORMATS: dict[str, str] = {
    "signed": "-1 = response_1 better, 0 = no preference, +1 = response_2 better",
    "index": "1 = response_1 better, 2 = response_2 better (LLMBar)",
    "ab": "'A>B' = response_1 better, 'B>A' = response_2 better, 'A=B' = tie (JudgeBench)",
    "alpacaeval": "float in [1, 2]: 1.0 = output_1, 2.0 = output_2, 1.5 = tie (AlpacaEval)",
    "strength": "integer -3..3, negative = response_1 better, 0 = tie (HelpSteer2-Preference)",
    "binary": "0 = response_1 better, 1 = response_2 better (the seed's compare())",
}

_AB = {"a>b": -1, "b>a": 1, "a=b": 0, "a": -1, "b": 1, "tie": 0}


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def detect_label_format(values: Iterable[Any]) -> str | None:
    """The one format these values can be in, or ``None`` if none or several fit.

    >>> detect_label_format([1, 2, 2])
    'index'
    >>> detect_label_format(["A>B", "B>A"])
    'ab'
    >>> detect_label_format([-1, 1, 0])
    'signed'
    >>> detect_label_format([1.0, 1.5, 2.0])
    'alpacaeval'
    >>> detect_label_format([-3, 1, 2])
    'strength'
    >>> detect_label_format([0, 1]) is None  # signed or binary: ambiguous
    True
    """
    present = [v for v in values if not _is_missing(v)]
    if not present or any(not isinstance(v, (str, int, float)) for v in present):
        return None  # nothing to go by, or lists/objects that are no label in any format
    distinct = set(present)
    if all(isinstance(v, str) and _as_number(v) is None for v in distinct):
        return "ab" if all(v.strip().lower() in _AB for v in distinct) else None
    numbers = {_as_number(v) for v in distinct}
    if None in numbers:
        return None
    if any(not float(n).is_integer() for n in numbers):
        return "alpacaeval" if all(1.0 <= n <= 2.0 for n in numbers) else None
    ints = {int(n) for n in numbers}
    if ints <= {-1, 0, 1}:
        return "signed" if -1 in ints else None
    if ints <= {1, 2}:
        return "index"
    if ints <= set(range(-3, 4)):
        return "strength"
    return None


def parse_label(value: Any, fmt: str) -> int | None:
    """One label in format ``fmt`` as -1/0/+1 (``None`` if missing); ``InputError`` (a ``ValueError``) if invalid.

    >>> parse_label("B>A", "ab"), parse_label(2, "index"), parse_label(-2, "strength")
    (1, 1, -1)
    >>> parse_label(1.25, "alpacaeval"), parse_label(0, "binary")
    (-1, -1)
    """
    if _is_missing(value):
        return None
    if fmt == "ab":
        key = str(value).strip().lower().replace(" ", "")
        if key in _AB:
            return _AB[key]
        raise InputError(f"{value!r} is not a valid {fmt!r} label")
    number = _as_number(value)
    if number is None:
        raise InputError(f"{value!r} is not a valid {fmt!r} label")
    if fmt == "alpacaeval":
        if not 1.0 <= number <= 2.0:
            raise InputError(f"{value!r} is not a valid {fmt!r} label")
        return 0 if number == 1.5 else (-1 if number < 1.5 else 1)
    if not number.is_integer():
        raise InputError(f"{value!r} is not a valid {fmt!r} label")
    n = int(number)
    allowed = {"signed": {-1: -1, 0: 0, 1: 1}, "index": {1: -1, 2: 1}, "binary": {0: -1, 1: 1},
               "strength": {k: (k > 0) - (k < 0) for k in range(-3, 4)}}
    if fmt not in allowed:
        raise ConfigError(f"unknown label format {fmt!r}; accepted: {', '.join(LABEL_FORMATS)}")
    if n not in allowed[fmt]:
        raise InputError(f"{value!r} is not a valid {fmt!r} label")
    return allowed[fmt][n]


def parse_labels(values: Sequence[Any], fmt: str = "auto", *, source: str = "labels",
                 column: str = "label",
                 lines: Sequence[int] | None = None) -> tuple[list[int | None], str]:
    """Parse a column of labels; returns the preferences and the format used.

    ``lines[i]`` is the file line of ``values[i]``, so errors point at it (``FILE:LINE: ...``);
    by default the 1-based row number.
    """
    accepted = "; ".join(f"{k}: {v}" for k, v in LABEL_FORMATS.items())
    if fmt == "auto":
        detected = detect_label_format(values)
        if detected is None:
            distinct = sorted({repr(v) for v in values if not _is_missing(v)})[:10]
            raise InputError(
                f"cannot tell the label format of column {column!r} from its values "
                f"{', '.join(distinct)}; name it with --label-format (accepted: {accepted})",
                path=source)
        fmt = detected
    if fmt not in LABEL_FORMATS:
        raise InputError(f"unknown label format {fmt!r}; accepted: {', '.join(LABEL_FORMATS)}",
                         path=source)
    parsed: list[int | None] = []
    bad: list[tuple[str, Any]] = []
    for offset, value in enumerate(values):
        try:
            parsed.append(parse_label(value, fmt))
        except ValueError:
            bad.append((lines[offset] if lines else offset + 1, value))
            parsed.append(None)
    if bad:
        examples = ", ".join(f"line {where}: {value!r}" for where, value in bad[:5])
        raise InputError(
            f"{len(bad)} value(s) of column {column!r} are not valid {fmt!r} labels "
            f"({LABEL_FORMATS[fmt]}): {examples}", path=source, line=bad[0][0])
    return parsed, fmt
