"""The judge prompt and the verdict parser."""

from __future__ import annotations

import pytest

from preftree.errors import InputError
from preftree.judges import JudgePrompt, parse_verdict


def test_default_prompt_has_the_seeds_design():
    (message,) = JudgePrompt().render("What is 2+2?", "Four.", "5")
    text = message["content"]
    assert message["role"] == "user"
    assert '"A is the better response"' in text and '"B is the better response"' in text
    assert text.index("<|USER|>\nWhat is 2+2?") < text.index("### Response A\nFour.") < \
        text.index("### Response B\n5")


def test_placeholders_inside_responses_are_left_alone(tmp_path):
    prompt = JudgePrompt("Q: {conversation}\nA: {response_a}\nB: {response_b}", system="Be fair.")
    system, user = prompt.render("hi", "I say {response_b}", "plain {conversation}")
    assert system == {"role": "system", "content": "Be fair."}
    assert user["content"] == "Q: <|USER|>\nhi\nA: I say {response_b}\nB: plain {conversation}"
    bad = tmp_path / "t.txt"
    bad.write_text("only {conversation}")
    with pytest.raises(InputError, match=r"t.txt: the judge template lacks \{response_a\}"):
        JudgePrompt.from_file(bad)


@pytest.mark.parametrize("text, verdict", [
    ("A is the better response", "A"), ("  **A** is the better response", "A"),
    ("### B is the better response.", "B"), ("b", "B"), ("Response B wins", "B"),
    ("'A' is better", "A"), ("A\n\nBecause ...", "A"), ("[[B]]", "B"),
    ("Assistant A is the better response", "A"),
    ("A tie: both are fine", None), ("Both are good", None), ("", None), (None, None),
    ("Actually, B is the better response", None), ("Answer: A", None),
])
def test_parse_verdict(text, verdict):
    assert parse_verdict(text) == verdict
