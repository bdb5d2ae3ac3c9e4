"""Splits and directions in plain words: "response_2 is at least 66 characters longer", "prefers
longer responses", instead of ``length_chars_diff > 65.5``.

Differences are Δ = f(response_2) − f(response_1). Thresholds that sit halfway between integers
(scikit-learn splits at midpoints) are read as integer differences ("at least 66"); others are
quoted as they are ("by more than 0.37").
"""

from __future__ import annotations

import math

__all__ = ["direction_phrase", "feature_base", "split_sentence"]

# feature → (comparative when higher, comparative when lower, unit for amounts)
_NOUNS: dict[str, tuple[str, str, str]] = {
    "length_chars": ("longer", "shorter", "characters"),
    "length_words": ("longer", "shorter", "words"),
    "headers": ("more headers", "fewer headers", "headers"),
    "list_items": ("more list items", "fewer list items", "list items"),
    "bold": ("more bold spans", "fewer bold spans", "bold spans"),
    "code_blocks": ("more code blocks", "fewer code blocks", "code blocks"),
}


def feature_base(feature: str) -> str:
    """``length_chars_diff`` → ``length_chars``."""
    return feature[:-5] if feature.endswith("_diff") else feature


def _amount(threshold: float) -> tuple[str, str]:
    """(qualifier, number) for the lead a split names: integer midpoints become "at least N";
    otherwise Δ > t (t ≥ 0) is a lead of "more than" t, and Δ ≤ t (t < 0) a lead of "at least" |t|
    (the boundary belongs to the ≤ side)."""
    magnitude = abs(threshold)
    if math.isfinite(magnitude) and abs(magnitude * 2 - round(magnitude * 2)) < 1e-6 \
            and round(magnitude * 2) % 2 == 1:
        return "at least", f"{math.ceil(magnitude):,}"
    text = f"{magnitude:.6g}" if magnitude < 1e6 else f"{magnitude:.1f}"
    return ("by more than" if threshold >= 0 else "by at least"), text


def split_sentence(feature: str, threshold: float, greater: bool) -> str:
    """The condition ``Δ > threshold`` (``greater``) or ``Δ ≤ threshold`` as a sentence.

    >>> split_sentence("length_chars_diff", 65.5, True)
    'response_2 is at least 66 characters longer'
    >>> split_sentence("length_chars_diff", 65.5, False)
    'response_2 is not 66 or more characters longer'
    >>> split_sentence("length_words_diff", -10.5, False)
    'response_1 is at least 11 words longer'
    >>> split_sentence("helpfulness_diff", 0.5, True)
    'response_2 is rated at least 1 higher on helpfulness'
    >>> split_sentence("reward_diff", 0.37, False)
    'response_2 is not rated higher on reward by more than 0.37'
    >>> split_sentence("reward_diff", -0.37, False)  # Δ ≤ −0.37: response_1 leads by 0.37 or more
    'response_1 is rated higher on reward by at least 0.37'
    >>> split_sentence("reward_diff", -1380.3, True)
    'response_1 is not rated higher on reward by at least 1380.3'
    >>> split_sentence("length_chars_diff", -1380.5, True)
    'response_1 is not 1,381 or more characters longer'
    """
    base = feature_base(feature)
    # Δ > t with t ≥ 0 and Δ ≤ t with t < 0 name a lead of one response; the others deny it.
    leader = "response_2" if threshold >= 0 else "response_1"
    asserts = greater == (threshold >= 0)
    qualifier, number = _amount(threshold)
    if base in _NOUNS:
        more, _, unit = _NOUNS[base]
        if more in ("longer",):
            claim = f"{qualifier} {number} {unit} {more}" if qualifier == "at least" \
                else f"{more} {qualifier} {number} {unit}"
            return f"{leader} is {claim}" if asserts else \
                f"{leader} is not {number} or more {unit} {more}" if qualifier == "at least" \
                else f"{leader} is not {more} {qualifier} {number} {unit}"
        claim = f"{qualifier} {number} more {unit}" if qualifier == "at least" \
            else f"{more} {qualifier} {number}"
        return f"{leader} has {claim}" if asserts else f"{leader} does not have {claim}"
    if qualifier == "at least":
        return f"{leader} is rated {qualifier} {number} higher on {base}" if asserts else \
            f"{leader} is not rated {number} or more higher on {base}"
    return f"{leader} is rated higher on {base} {qualifier} {number}" if asserts else \
        f"{leader} is not rated higher on {base} {qualifier} {number}"


def direction_phrase(feature: str, sign: int) -> str:
    """What a judge leaning on ``feature`` prefers: ``sign`` > 0 when a higher Δ goes with
    preferring response_2.

    >>> direction_phrase("length_words_diff", 1), direction_phrase("headers_diff", -1)
    ('prefers longer', 'prefers fewer headers')
    >>> direction_phrase("correctness_diff", 1), direction_phrase("x_diff", 0)
    ('prefers higher correctness', 'no clear direction')
    """
    if sign == 0:
        return "no clear direction"
    base = feature_base(feature)
    if base in _NOUNS:
        more, less, _ = _NOUNS[base]
        return f"prefers {more if sign > 0 else less}"
    return f"prefers {'higher' if sign > 0 else 'lower'} {base}"
