"""The probes' edits: deterministic, doing what each promises and nothing else."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from preftree.errors import InputError
from preftree.features.style import style_of
from preftree.probes import read_probe_file, resolve_probes
from preftree.probes.edits import (
    FILLER,
    length_edit,
    markdown_edit,
    null_edit,
    plain_edit,
)

TEXT = "Tea needs hot water. Boil it first. Then steep for three minutes."


@pytest.mark.parametrize("margin", [0.0, 0.2, 1.0])
def test_length_appends_filler_past_the_margin(margin: float) -> None:
    other = "x" * 300
    edited = length_edit(TEXT, other, random.Random(3), margin)
    assert edited.startswith(TEXT) and len(edited) > (1 + margin) * len(other)
    added = edited[len(TEXT):].split()
    assert " ".join(added) and all(s in FILLER for s in _sentences(edited[len(TEXT):]))
    assert edited == length_edit(TEXT, other, random.Random(3), margin)  # the seed decides


def _sentences(text: str) -> list[str]:
    return [s.strip() + "." for s in text.strip().split(".") if s.strip()]


def test_markdown_keeps_the_words_and_adds_markup() -> None:
    edited = markdown_edit(TEXT)
    style = style_of(edited)
    assert style["headers"] == 1 and style["list_items"] == 2 and style["bold"] == 2
    assert plain_edit(edited).split() == TEXT.split()  # the same words, back again
    assert markdown_edit(markdown_edit(TEXT)) == edited  # markup is not stacked


def test_plain_strips_markup_only() -> None:
    text = "## Steps\n1. **Boil** the water.\n- Add `tea` from [the shop](https://x.example)."
    plain = plain_edit(text)
    assert style_of(plain) == {**style_of(plain), "headers": 0, "list_items": 0, "bold": 0}
    assert plain.split() == ["Steps", "Boil", "the", "water.", "Add", "tea", "from", "the", "shop."]


@pytest.mark.parametrize("text", [TEXT, "single-word", "a b", ""])
def test_the_null_edit_changes_whitespace_only(text: str) -> None:
    edited = null_edit(text)
    assert edited != text and edited.split() == text.split()
    assert len(edited) == len(text) + (0 if " " in text else 1)


def test_probe_file_rules(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"probes": [
        {"name": "hedge", "prefix": "I think ", "replace": [{"find": "is", "with": "may be"}]},
        {"name": "signoff", "suffix": " Cheers."}]}))
    probes, pair = resolve_probes([], [path])
    assert [p.name for p in probes] == ["hedge", "signoff"] and pair == []
    assert probes[0].edit("Tea is hot.", "", random.Random(0)) == "I think Tea may be hot."
    assert probes[1].appends and not probes[0].appends
    assert probes[1].edit("(.*)", "", random.Random(0)) == "(.*) Cheers."  # literal, no patterns


@pytest.mark.parametrize("document, words", [
    ({"probes": [{"name": "x"}]}, "changes nothing"),
    ({"probes": [{"name": "length", "suffix": "!"}]}, "built in"),
    ({"probes": [{"name": "a b", "suffix": "!"}]}, "short identifier"),
    ({"probes": [{"name": "x", "suffix": "!", "exec": "import os"}]}, "unknown keys ['exec']"),
    ({"probes": [{"name": "x", "replace": [{"find": "", "with": "y"}]}]}, "non-empty literal"),
    ({"probes": []}, "at least one rule"),
    (["not", "an", "object"], "at least one rule"),
])
def test_bad_probe_files_name_the_rule(tmp_path: Path, document: object, words: str) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(document))
    with pytest.raises(InputError, match="rules.json") as caught:
        read_probe_file(path)
    assert words in str(caught.value)


def test_an_oversized_probe_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text('{"probes": [' + " " * (2 << 20) + "]}")
    with pytest.raises(InputError, match="at most"):
        read_probe_file(path)


def test_unknown_probe_lists_the_known_ones() -> None:
    with pytest.raises(InputError, match="length"):
        resolve_probes(["louder"])


@pytest.mark.parametrize("text, words", [
    ('{"records": [{"judge": "j", "probe": "length", "target": "loser", "n": "5"}]}', "'n' must be int"),
    ('{"records": [{"judge": "j", "probe": "length", "target": "loser", "n": 5, "flip_rate": NaN}]}',
     "finite number"),
    ('{"records": [{"judge": "j", "probe": "p", "target": "t", "n": 1, "flip_rate_ci": [0, "x"]}]}', "[low, high]"),
    ('{"records": [{"judge": "j", "probe": "p", "target": "t", "n": 1, "flip_rate": -5}]}', "in [0, 1]"),
    ('{"records": [{"judge": "j", "probe": "p", "target": "t", "n": -3}]}', "counts pairs"),
    ('{"records": [{"judge": "j", "probe": "p", "target": "t", "n": 1, "flip_rate_ci": [0.9, 0.1]}]}',
     "within [0, 1]"),
    ('{"no": "records"}', "'records' list"),
    ("not json", "not JSON"),
])
def test_a_bad_probe_json_names_the_record(tmp_path: Path, text: str, words: str) -> None:
    from preftree.report.probes import load_probe_document

    (tmp_path / "probe.json").write_text(text)
    with pytest.raises(InputError, match="probe.json") as caught:
        load_probe_document(tmp_path)
    assert words in str(caught.value)


def test_an_edit_that_changes_only_white_space_is_not_asked() -> None:
    """Review finding: plain on a text without markdown but with a trailing space was counted as
    an edit (Δ chars -1); only the null edit changes white space on purpose."""
    from preftree.data.model import Pair
    from preftree.judges.protocol import Verdict
    from preftree.probes.catalogue import builtin_probes
    from preftree.probes.run import design_edits

    pair = Pair("a", "q", "No markdown here. ", "Nor here either.  ")
    edits = design_edits([pair], [Verdict(1, None)], [builtin_probes()["plain"]], [])
    assert {e.probe for e in edits} == {"null-edit"}
