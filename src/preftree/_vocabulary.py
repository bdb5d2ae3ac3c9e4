"""The names preftree's options take, in one import-light place: the CLI's choices read them here
(``--help`` stays fast), and the modules that implement them check their own lists against them."""

from __future__ import annotations

__all__ = ["DEVICES", "DTYPES", "JUDGE_TEMPLATES", "LABEL_FORMAT_NAMES", "PAIRS_FORMAT_NAMES",
           "TRUNCATIONS"]

DTYPES = ("auto", "float32", "bfloat16", "float16")
DEVICES = ("auto", "cpu", "cuda", "mps")
TRUNCATIONS = ("error", "left", "right")
LABEL_FORMAT_NAMES = ("signed", "index", "index-tie", "ab", "alpacaeval", "strength", "binary", "autoj")
"""Label formats a user may name (``map`` is stated with ``--label-map`` instead)."""
PAIRS_FORMAT_NAMES = ("alpacaeval", "hh-rlhf", "chosen-rejected", "judgebench", "pandalm", "arena",
                      "mt-bench", "rm-bench")
"""Native layouts of public preference data (``--pairs-format``)."""
JUDGE_TEMPLATES = ("preftree", "mt-bench", "skywork-critic")
"""Shipped judge prompts (``--judge-template``)."""
