"""The CSV cells preftree writes: the whole-column shortcut of :func:`csv_frame` must never let
through a cell that :func:`csv_cell` would change (a formula, a control or format character)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from preftree._markup import _left_as_they_are, csv_cell, csv_frame

PIECES = ["a", "p1", "=1+1", "-1", "-x", "+", "@SUM", "'=", "''@x", "\t=x", "\r+", "\n", "\n=", "\x1b[0m",
          "\x7f", "\u202e", "\u00e9", "\x85", " ", "'", "0", "1e5", "\x00", "\x0b"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=4).map("".join), max_size=6))
def test_the_shortcut_only_skips_cells_csv_cell_leaves_alone(values: list[str]) -> None:
    if _left_as_they_are(values):
        assert [csv_cell(v) for v in values] == values


def test_csv_frame_equals_a_cell_by_cell_pass() -> None:
    frame = pd.DataFrame({"id": [f"p{i}" for i in range(1000)] + ["=cmd|' /C calc'!A0"],
                          "n": range(1001), "mixed": ["x"] * 1000 + [3]})
    safe = csv_frame(frame)
    assert safe["id"].tolist() == [csv_cell(v) for v in frame["id"]]
    assert safe["id"].iloc[-1] == "'=cmd|' /C calc'!A0"
    assert safe["mixed"].tolist() == ["x"] * 1000 + [3]
    plain = pd.DataFrame({"id": [f"p{i}" for i in range(1000)]})
    assert csv_frame(plain)["id"].tolist() == plain["id"].tolist()
    assert not _left_as_they_are(["a", "\u202eb"]) and not _left_as_they_are(["a", None])
