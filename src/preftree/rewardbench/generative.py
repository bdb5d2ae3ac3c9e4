"""RewardBench with a generative pairwise judge (Skywork-Critic, TextEval, any chat model) through
preftree's judge backends: an OpenAI-compatible endpoint or a local model.

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
import pandas as pd

from ..data.model import Pair, PairSet
from ..errors import InputError, PreftreeError
from .data import V1Example, V2Example

__all__ = ["ACCOUNTING", "UNPARSABLE_WARNING", "GenerativeJudge", "judgments_path",
           "verdict_counts"]

ACCOUNTING = ("allenai run_generative.py: one order per pair by a seeded coin; chosen picked = 1, "
              "rejected = 0, tie or unparsable = 0.5")


def judgments_path(results: str | Path) -> Path:
    """The judge file written beside a results file (``r.json`` → ``r.judgments.csv``)."""
    results = Path(results)
    return results.with_name(f"{results.stem}.judgments.csv")


def _order_credit(values: pd.Series) -> np.ndarray:
    """1 when an order's verdict (original orientation) picks response_1 = chosen, 0 for
    response_2, 0.5 for a tie or no parsable verdict."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    return np.where(numbers == -1, 1.0, np.where(numbers == 1, 0.0, 0.5))


UNPARSABLE_WARNING = 0.02
"""Share of the scored answers without a verdict above which a run warns (they score 0.5 each)."""


def _outcomes(values: pd.Series, completions: pd.Series) -> np.ndarray:
    """Per answer: ``chosen``, ``rejected``, ``tie`` (the judge said so), ``unparsable`` (it
    answered without a verdict we can read) or ``empty`` (no text: null, empty, cut off)."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    texts = completions.astype(object).where(completions.notna(), "").astype(str).str.strip()
    no_text = (texts == "").to_numpy()
    return np.select([numbers == -1, numbers == 1, numbers == 0, no_text],
                     ["chosen", "rejected", "tie", "empty"], "unparsable")


def _coin(seed: int, pair_id: str) -> bool:
    return hashlib.sha256(f"{seed}:{pair_id}".encode()).digest()[0] % 2 == 0


class GenerativeJudge:
    """A pairwise generative judge on RewardBench v1 (see the module docstring)."""

    model_type = "Generative"

    def __init__(self, backend: Any, prompt: Any, judgments: str | Path, *, name: str, seed: int = 0,
                 progress: bool = True) -> None:
        self.backend, self.prompt, self.judgments = backend, prompt, Path(judgments)
        self.name, self.seed, self.progress = name, seed, progress
        self.last_outcomes: np.ndarray = np.array([], dtype=object)  # per pair, the counted order
        self.description: dict[str, Any] = {"model": name, **backend.describe(),
                                            "judge_template_sha256": prompt.sha256,
                                            "verdict_format": prompt.parser, "accounting": ACCOUNTING,
                                            "judgments": str(self.judgments)}

    def v1_credits(self, examples: Sequence[V1Example]) -> tuple[np.ndarray, np.ndarray]:
        """Per pair: the allenai credit (one seeded order) and the both-orders credit."""
        from ..judges import collect_judgments

        pairs = PairSet([Pair(e.id, e.prompt, e.chosen, e.rejected, None, {"subset": e.subset})
                         for e in examples], name="rewardbench")
        summary = collect_judgments(pairs, self.backend, self.judgments, judge=self.name,
                                    prompt=self.prompt, progress=self.progress)
        if summary.n_api_errors:
            raise PreftreeError(f"{summary.n_api_errors} of {summary.n_pairs} pairs have no verdict "
                                f"because of API errors (see {self.judgments}); run the same command "
                                "again to retry only those before scoring")
        frame = pd.read_csv(self.judgments, dtype={"index": str}, keep_default_na=False,
                            na_values=[""]).set_index("index").loc[[e.id for e in examples]]
        orig = _order_credit(frame["preference_orig_order"])
        swapped = _order_credit(frame["preference_swapped_order"])
        coin = np.array([_coin(self.seed, e.id) for e in examples])
        counted = np.where(coin, _outcomes(frame["preference_orig_order"], frame["completion_orig"]),
                           _outcomes(frame["preference_swapped_order"], frame["completion_swapped"]))
        self.last_outcomes = counted
        return np.where(coin, orig, swapped), (orig + swapped) / 2

    def v2_scores(self, examples: Sequence[V2Example]) -> list[np.ndarray]:
        raise InputError("a generative pairwise judge runs RewardBench 1 only (RewardBench 2 ranks "
                         "four answers with per-answer ratings)")


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
