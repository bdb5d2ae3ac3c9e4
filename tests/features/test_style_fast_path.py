"""``style_of`` skips reading a text line by line when it has no fence and no line end but
``\\n``; its numbers are those of the line-by-line reading on every text, here checked on the
shipped and shared data and on random texts built from fences, line ends and markdown."""

from __future__ import annotations

import json

import numpy as np

from preftree.features import style

PIECES = list("ab #*_-+.)`~\n\n  12") + ["\r", "\r\n", "\x0b", "\x0c", "\x85", "\u2028", "\u00a0", "**", "__",
                                          "```", "~~~", "\n# ", "\n- ", "\n1. ", "\n* ", "3+ ", "\n```py\n"]


def _line_by_line(text: str) -> dict[str, int]:
    prose, blocks = style._split_code(text)
    return {"length_chars": len(text), "length_words": len(text.split()),
            "headers": len(style._HEADER.findall(prose)), "list_items": len(style._LIST_ITEM.findall(prose)),
            "bold": len(style._BOLD.findall(prose)), "code_blocks": blocks}


def test_the_fast_path_counts_as_the_line_by_line_reading(demo_pairs, shared_data) -> None:
    rng = np.random.default_rng(3)
    texts = ["".join(rng.choice(PIECES, size=int(rng.integers(0, 50)))) for _ in range(8000)]
    texts += [t for p in demo_pairs for t in (p.response_1, p.response_2)]
    rows = [json.loads(line) for line in (shared_data / "llmbar" / "pairs.jsonl").open(encoding="utf-8")]
    texts += [r[k] for r in rows for k in ("response_1", "response_2")]
    texts += ["a\n", "- a\n\n", "# h\n\n\n", "**b**\n"]
    mismatched = [t for t in texts if style.style_of(t) != _line_by_line(t)]
    assert not mismatched, mismatched[:3]
