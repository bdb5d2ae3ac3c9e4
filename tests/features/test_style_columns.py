"""Column-wise style features equal :func:`style_of` text by text, to the last digit: on texts
made to break the translation of the patterns, on the shipped example data and on the shared
real data (LLMBar, JudgeBench)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from preftree.cli.demo import example_path
from preftree.features.style import STYLE_FEATURES, style_of
from preftree.features.style_columns import style_columns, style_features

# Pieces that sit on the edges of the definitions: Python's white space that Rust's \s lacks
# (\x1c-\x1f), Unicode spaces and digits, emphasis runs, list markers, header hashes, line ends
# that only str.splitlines honours, fences (measured line by line), astral characters.
TRICKY = [*"ab #*_-+.)1 \n\t", "**", "__", "***", "\x1f", "\x1d", "\xa0", "\u3000", "\u2000", "\u180e",
          "\u200b", "١", "߀", "𝟎", "é", "\U0001F600", "  ", "\n\n", "1.", "12)", "- ", "# ", "## ", "#######",
          "`", "~~", "   ", "\t- ", "\n   "]
BY_LINE = ["```", "~~~", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1e", "\x85", "\u2028", "\u2029"]


def _assert_equal(texts: list[str]) -> None:
    measured = style_columns(texts)
    for position, text in enumerate(texts):
        expected = style_of(text)
        got = {name: measured[name][position] for name in STYLE_FEATURES}
        assert got == expected, (text, got, expected)


@pytest.mark.parametrize("pieces", [TRICKY, TRICKY + BY_LINE], ids=["regex-path", "with-line-by-line-texts"])
def test_random_texts_made_of_edge_pieces(pieces: list[str]) -> None:
    rng = random.Random(len(pieces))
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 50))) for _ in range(3000)]
    _assert_equal(texts + ["**a**b**", "***x**", "__ a__", "** a**", "1. x\n  2) y\n\t- z", "   \n\n- x",
                           "####### h", "#\th", "# \u3000x", "- \u00a0x", "١. x", "x\x1fy", ""])


def test_a_lone_surrogate_is_measured_by_the_definition() -> None:
    texts = ["fine **bold** text", "lone \ud800 surrogate", "- item"]
    _assert_equal(texts)


def test_style_features_frame_uses_the_columns() -> None:
    texts = ["# T\n\n- a\n- **b**", "plain"]
    frame = style_features(texts)
    assert list(frame.columns) == list(STYLE_FEATURES)
    assert frame.to_dict("records") == [{k: float(v) for k, v in style_of(t).items()} for t in texts]


def _texts(path: Path) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [value for row in rows for value in row.values() if isinstance(value, str)]


def test_shipped_example_data() -> None:
    _assert_equal(_texts(Path(example_path("demo_pairs.jsonl"))))


def test_shared_real_data(shared_data: Path) -> None:
    texts = [t for path in sorted(shared_data.rglob("*.jsonl")) for t in _texts(path)]
    assert len(texts) > 1000
    _assert_equal(texts)


def test_texts_arrow_cannot_hold_are_measured_one_by_one_even_all_of_them() -> None:
    _assert_equal(["\ud800", "x\udc00 **y**"])
    _assert_equal(["ok - a", "\ud800 - b", "# c"])


def test_style_batch_takes_pandas_arrow_and_dict_batches() -> None:
    import pandas as pd
    import pyarrow as pa

    from preftree.features.batches import style_batch

    rows = {"id": ["a", "b"], "response_1": ["# T\n- x", "plain"], "response_2": ["**b**", None]}
    frames = [style_batch(batch) for batch in (pd.DataFrame(rows), pa.Table.from_pydict(rows), rows)]
    for frame in frames:
        assert frame["headers_1"].tolist() == [1.0, 0.0] and frame["bold_2"].tolist()[0] == 1.0
        assert pd.isna(frame["bold_2"].tolist()[1])  # not text: NaN, refused by name downstream
    with pytest.raises(ValueError, match="keep"):
        style_batch(pd.DataFrame({**rows, "length_words_1": [1, 2]}), keep=("id", "length_words_1"))


@pytest.mark.parametrize("kind", ["string", "large_string"])
def test_word_counts_from_the_bytes(kind: str) -> None:
    """Words counted over the UTF-8 bytes equal ``len(text.split())`` wherever the count is sure;
    a text with a white space beyond ASCII is the regex's (``unsure``), and only such a text."""
    import pyarrow as pa

    from preftree.features.style_columns import _word_counts

    rng = random.Random(kind)
    pieces = [*TRICKY, *BY_LINE, "\x00", "\x08", "\x0e", "\x1b", "\x7f", "", "", "wörd", "\u2019", "\u00a0x"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(4000)]
    texts = ["", *texts, "", "x\x1fy", " lead", "trail ", ""]
    array = pa.array(texts, type=getattr(pa, kind)())
    for part in (array, array.slice(7, 1000), pa.chunked_array([array.slice(0, 5), array.slice(5)])):
        expected = [t for t in (part.to_pylist() if not isinstance(part, pa.ChunkedArray) else texts)]
        counts, unsure = _word_counts(part)
        for text, count, wide in zip(expected, counts, unsure):
            assert wide == any(c.isspace() and ord(c) > 127 for c in text), text
            if not wide:
                assert count == len(text.split()), text


def test_measured_a_slice_of_text_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by a hostile pass: the engines' work arrays are several times the text (a chunk of
    long responses took 10× its bytes); texts are measured in slices, with the same numbers."""
    import pyarrow as pa

    from preftree.features import style_columns as module

    rng = random.Random(5)
    texts = ["".join(rng.choice(TRICKY + BY_LINE) for _ in range(rng.randint(0, 40))) for _ in range(500)]
    whole, whole_arrow = style_columns(texts), module.style_arrow(pa.array(texts))
    monkeypatch.setattr(module, "SLICE_CHARS", 64)
    sliced, sliced_arrow = style_columns(texts), module.style_arrow(pa.array(texts))
    for name in STYLE_FEATURES:
        assert np.array_equal(whole[name], sliced[name]) and np.array_equal(whole_arrow[name], sliced_arrow[name])
    assert module._slices(np.array([5, 70, 1, 1, 80]), 64) == [(0, 1), (1, 2), (2, 4), (4, 5)]
