"""The style features computed over whole columns (Arrow's RE2 kernels, Python only where its own
reading is needed) equal :func:`style_of` on each text, to the last digit: on the shipped and the
shared real data, and on random texts built from the characters where RE2 and Python differ."""

from __future__ import annotations

import json

import numpy as np
import pytest

from preftree.features.style import STYLE_FEATURES, style_columns, style_of

ALPHABET = list("ab #*_-+.)`~\n\n\n  123") + ["\u0663", "\uff11", "\u00a0", "\u2003", "\u3000", "\x1c", "\x1f",
                                            "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u200b", "é", "日", "**", "__",
                                            "```", "~~~", "\n# ", "\n- ", "\n1. ", "\n٣) ", "\n* ", "3+ ", " # ",
                                            "- ", "2) "]


def _same(texts: list[str]) -> None:
    columns = style_columns(texts)
    for name in STYLE_FEATURES:
        expected = np.array([style_of(t)[name] for t in texts])
        mismatched = np.flatnonzero(columns[name] != expected)
        assert not len(mismatched), (name, [texts[i] for i in mismatched[:3]])


def test_random_texts_from_the_characters_that_differ() -> None:
    rng = np.random.default_rng(7)
    texts = ["".join(rng.choice(ALPHABET, size=int(rng.integers(0, 60)))) for _ in range(20000)]
    _same(texts + ["* 3+ years", "# a # b", "- a - b\n+ c + d", "1. 2. 3) x"])  # a match that restarts mid-line


def test_the_shipped_and_shared_data(demo_pairs, shared_data) -> None:
    texts = [t for p in demo_pairs for t in (p.response_1, p.response_2)]
    for name in ("llmbar/pairs.jsonl", "judgebench/pairs.jsonl"):
        rows = [json.loads(line) for line in (shared_data / name).open(encoding="utf-8")]
        texts += [str(r[k]) for r in rows for k in ("response_1", "response_2", "response_A", "response_B") if k in r]
    assert len(texts) > 1800
    _same(texts)


def test_texts_arrow_cannot_hold_go_through_python() -> None:
    texts = ["ok **x**", "lone \ud800 surrogate # no"]
    columns = style_columns(texts)
    assert [int(columns["bold"][0]), int(columns["length_chars"][1])] == [1, len(texts[1])]


@pytest.mark.parametrize("texts", [[], [""]])
def test_empty(texts: list[str]) -> None:
    assert all(len(style_columns(texts)[n]) == len(texts) for n in STYLE_FEATURES)
