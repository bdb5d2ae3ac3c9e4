from __future__ import annotations

import pytest

from preftree.data.label_column import parse_labels
from preftree.data.labels import (
    LABEL_FORMATS,
    detect_label_format,
    parse_label,
)
from preftree.errors import ConfigError, InputError


@pytest.mark.parametrize(("values", "fmt", "expected"), [
    ([-1, 0, 1], "signed", [-1, 0, 1]),
    ([1, 2, 1], "index", [-1, 1, -1]),
    (["A>B", "B>A", "A=B"], "ab", [-1, 1, 0]),
    ([1.0, 2.0, 1.5, 1.2], "alpacaeval", [-1, 1, 0, -1]),
    ([-3, -1, 0, 2, 3], "strength", [-1, -1, 0, 1, 1]),
    ([0, 1], "binary", [-1, 1]),
])
def test_every_format_parses(values: list, fmt: str, expected: list[int]) -> None:
    parsed, used = parse_labels(values, fmt)
    assert parsed == expected and used == fmt


@pytest.mark.parametrize(("values", "fmt"), [
    ([-1, 1, 0], "signed"), ([2, 1], "index"), (["B>A", "A>B"], "ab"),
    ([1.5, 1.0, 2.0], "alpacaeval"), ([-2, 3, 0], "strength")])
def test_auto_detection(values: list, fmt: str) -> None:
    assert detect_label_format(values) == fmt
    assert parse_labels(values)[1] == fmt


@pytest.mark.parametrize("values", [[0, 1], [1, 1], [7, 8], ["yes", "no"]])
def test_ambiguous_or_unknown_values_ask_for_the_format(values: list) -> None:
    with pytest.raises(InputError, match="--label-format"):
        parse_labels(values, source="x.csv")


def test_unknown_values_are_listed_with_rows() -> None:
    with pytest.raises(InputError) as info:
        parse_labels([1, 2, 5, 2], "index", source="pairs.csv", column="label",
                     lines=list(range(2, 6)))
    assert str(info.value).startswith("pairs.csv:4: ")
    assert "line 4: 5" in str(info.value)


def test_missing_labels_stay_missing() -> None:
    assert parse_labels([1, None, float("nan"), 2], "index")[0] == [-1, None, None, 1]


def test_formats_are_documented() -> None:
    assert set(LABEL_FORMATS) == {"signed", "index", "index-tie", "ab", "alpacaeval", "strength",
                                  "binary", "autoj", "map"}
    with pytest.raises(ConfigError, match="unknown label format 'nope'"):
        parse_label(1, "nope")


def test_each_distinct_value_is_read_once_and_named_apart() -> None:
    """Labels are read once per distinct value (a million labels, a handful of readings); 0.0 and
    -0.0, 1 and True stay apart in what the error lists."""
    import pytest

    from preftree.data.label_column import read_labels
    from preftree.errors import InputError

    with pytest.raises(InputError) as caught:
        read_labels([-0.0, None, None, 0.25, 0.0, 3], "auto")
    assert "-0.0, 0.0, 0.25, 3" in str(caught.value)
    parsed = read_labels([1, 2, 2, None, 1] * 1000, "auto")
    assert parsed.preferences[:5] == [-1, 1, 1, None, -1] and parsed.format == "index"
    assert parsed.reading is not None and list(parsed.reading.meanings) == ["1", "2"]
