"""RewardBench with a generative pairwise judge (Skywork-Critic, TextEval, any chat model) through
preftree's LLM judges (:class:`~preftree.judges.llm.LLMJudge`): an OpenAI-compatible endpoint or a
local model. This module is only the accounting of their verdicts.

Every pair is asked in both orders (journaled and resumable like ``preftree judge``; the verdicts
are written as a judge file beside the results). Two accountings are reported:

- **allenai** — that of allenai's ``scripts/run_generative.py``: one presentation order per pair,
  chosen at random (here by a coin seeded by ``--seed`` and the pair id, so it is reproducible),
  1 when the judge picks the chosen answer, 0 when it picks the rejected one, and 0.5 for a tie
  or an answer that cannot be parsed ("effectively a tie"). These are the figures that land in
  the leaderboard, comparable with published generative rows.
- **both orders** — the mean of the two orders' credits: the same expectation without the coin's
  noise, and with position bias averaged out. Reported beside, under ``both_orders``.

Requests that failed (API errors) are not scored as ties: the run stops, keeps what it has, and
the same command resumes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..judges.protocol import Verdict
from .data import V1Example

__all__ = ["ACCOUNTING", "UNPARSABLE_WARNING", "generative_credits", "judgments_path",
           "verdict_counts"]

ACCOUNTING = ("allenai run_generative.py: one order per pair by a seeded coin; chosen picked = 1, "
              "rejected = 0, tie or unparsable = 0.5")


def judgments_path(results: str | Path) -> Path:
    """The judge file written beside a results file (``r.json`` → ``r.judgments.csv``)."""
    results = Path(results)
    return results.with_name(f"{results.stem}.judgments.csv")


def _order_credit(numbers: np.ndarray) -> np.ndarray:
    """1 when an order's verdict (original orientation) picks response_1 = chosen, 0 for
    response_2, 0.5 for a tie or no parsable verdict."""
    return np.where(numbers == -1, 1.0, np.where(numbers == 1, 0.0, 0.5))


UNPARSABLE_WARNING = 0.02
"""Share of the scored answers without a verdict above which a run warns (they score 0.5 each)."""


def _outcomes(numbers: np.ndarray, completions: Sequence[str | None]) -> np.ndarray:
    """Per answer: ``chosen``, ``rejected``, ``tie`` (the judge said so), ``unparsable`` (it
    answered without a verdict we can read) or ``empty`` (no text: null, empty, cut off)."""
    no_text = np.array([not (text or "").strip() for text in completions], dtype=bool)
    return np.select([numbers == -1, numbers == 1, numbers == 0, no_text],
                     ["chosen", "rejected", "tie", "empty"], "unparsable")


def _coin(seed: int, pair_id: str) -> bool:
    return hashlib.sha256(f"{seed}:{pair_id}".encode()).digest()[0] % 2 == 0


def generative_credits(examples: Sequence[V1Example], verdicts: Sequence[Verdict], *,
                       seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pair (asked chosen first): the allenai credit of the order a coin seeded by ``seed``
    and the pair id picks, the both-orders credit, and the counted answer's kind."""
    orig = np.array([_order_value(v.orders[0]) for v in verdicts], dtype=float)
    swapped = np.array([_order_value(v.orders[1]) for v in verdicts], dtype=float)
    orig_credit, swapped_credit = _order_credit(orig), _order_credit(swapped)
    coin = np.array([_coin(seed, e.id) for e in examples], dtype=bool)
    counted = np.where(coin, _outcomes(orig, [v.answers[0] for v in verdicts]),
                       _outcomes(swapped, [v.answers[1] for v in verdicts]))
    return np.where(coin, orig_credit, swapped_credit), (orig_credit + swapped_credit) / 2, counted


def _order_value(value: int | None) -> float:
    return np.nan if value is None else float(value)


def verdict_counts(outcomes: np.ndarray) -> dict[str, Any]:
    """The counted answers by kind, and a warning when too many had no verdict: allenai's
    accounting scores them 0.5, like real ties, so a headline can hide a broken judge."""
    counts = {kind: int(np.sum(outcomes == kind))
              for kind in ("chosen", "rejected", "tie", "unparsable", "empty")}
    missing = counts["unparsable"] + counts["empty"]
    share = missing / len(outcomes) if len(outcomes) else 0.0
    warnings = []
    if share > UNPARSABLE_WARNING:
        warnings.append(f"{missing} of {len(outcomes)} counted answers ({share:.1%}) have no "
                        f"verdict ({counts['unparsable']} unparsable, {counts['empty']} empty); "
                        "allenai's accounting scores each as 0.5, as a tie: check the judge "
                        "file's completions before trusting the score")
    return {"verdicts": counts, "n_judge_ties": counts["tie"], "n_no_verdict": missing,
            "warnings": warnings}


def GenerativeJudge(backend: Any, prompt: Any, judgments: str | Path, *, name: str, seed: int = 0,
                    progress: bool = True) -> Any:
    """Deprecated (one release): an :class:`~preftree.judges.llm.LLMJudge` whose judge file is
    ``judgments``; give ``seed`` to :func:`~preftree.rewardbench.evaluate.evaluate_v1` instead."""
    import warnings

    from ..judges.llm import LLMJudge

    warnings.warn("GenerativeJudge is deprecated: use preftree.judges.llm.LLMJudge (or judges.build.llm_judge) "
                  "and pass seed= to evaluate_v1 / preftree.rewardbench", DeprecationWarning, stacklevel=2)
    target = Path(judgments)
    return LLMJudge(backend, name, prompt=prompt, judge_file=lambda stage: target, progress=progress)
