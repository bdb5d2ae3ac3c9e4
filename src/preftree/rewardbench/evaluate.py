"""Running RewardBench: per-subset results, sections, score, bootstrap intervals, results files."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_write_text
from .._version import __version__
from ..errors import InputError, PreftreeError
from ..judges.protocol import Judge, Rater, Verdict, check_verdict_count
from .data import V1Example, V2Example, v1_pairs
from .sections import EXAMPLE_COUNTS, PRIOR_COLUMN, SECTIONS, compute_sections
from .v2 import V2_SUBSETS, best_of_n_credit, ties_score, v2_score

__all__ = ["bootstrap_v1", "evaluate_v1", "evaluate_v2", "write_results"]


def _interval(draws: Sequence[float]) -> list[float]:
    """The 95% percentile interval of bootstrap draws."""
    return [float(np.percentile(draws, 2.5)), float(np.percentile(draws, 97.5))]


def bootstrap_v1(correct: dict[str, np.ndarray], *, n: int = 1000, seed: int = 0,
                 include_prior: bool = False) -> dict[str, list[float]]:
    """95% percentile intervals of every section and the score, resampling pairs within subsets.

    Resampling a subset's 0/1 outcomes with replacement gives a Binomial(n, accuracy) count, which
    is drawn directly.
    """
    rng = np.random.default_rng(seed)
    draws = {s: rng.binomial(len(c), float(np.mean(c)), size=n) / len(c) for s, c in correct.items()}
    per_draw = [compute_sections({s: float(v[b]) for s, v in draws.items()}, include_prior=include_prior)
                for b in range(n)]
    intervals: dict[str, list[float]] = {}
    for section in SECTIONS:
        values = [r.sections[section] for r in per_draw if section in r.sections]
        if values:
            intervals[section] = _interval(values)
    scores = [r.score for r in per_draw if r.score is not None]
    if scores:
        intervals["Score"] = _interval(scores)
    return intervals


MODEL_TYPES = {"reward-model": "Seq. Classifier", "tree-reward-model": "Decision Tree",
               "llm-judge": "Generative", "ensemble": "Ensemble"}
"""RewardBench's names for the kinds of judge."""


def _header(judge: Judge, version: int, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    description = {**judge.describe(), **(extra or {})}
    template = description.get("chat_template_sha256")
    from ..scoring.catalogue import catalogue_entry

    entry = catalogue_entry(str(description.get("model")))  # the name its published row goes by
    return {"model": description.get("model"), "model_type": MODEL_TYPES.get(judge.kind, judge.kind),
            "leaderboard_name": (entry or {}).get("leaderboard"),
            "chat_template": f"tokenizer (sha256 {template[:12]})" if template else None,
            "revision": description.get("revision"), "rewardbench_version": version,
            "preftree_version": __version__, "scoring": description}


def evaluate_v1(judge: Judge, examples: Sequence[V1Example], *, bootstrap: int = 1000,
                seed: int = 0, include_prior: bool = False) -> dict[str, Any]:
    """Accuracy per subset (a tie counts as wrong, and is counted), sections, score, intervals.

    An LLM judge (kind ``llm-judge``) is scored with allenai's generative accounting (one order
    per pair by a coin seeded by ``seed``; a tie or an unparsable answer is worth 0.5), its
    both-orders variant reported beside. Any other judge by its margin (its score, or its
    verdict where it gives no score). API errors (an LLM judge's, an ensemble member's) stop
    the run instead of counting as ties.
    """
    both_orders = None
    extra: dict[str, Any] = {}
    generative = judge.kind == "llm-judge"
    errors_before = getattr(judge, "api_errors", 0)
    verdicts = judge.verdicts(v1_pairs(list(examples), own_ids=generative), "rewardbench")
    check_verdict_count(judge, verdicts, len(examples))
    refuse_api_errors(judge, errors_before, len(examples), "rewardbench")
    where = getattr(judge, "judge_file", None)
    if generative:
        from .generative import ACCOUNTING, generative_credits

        credits, both_orders, counted = generative_credits(examples, verdicts, seed=seed)
        extra = {"accounting": ACCOUNTING, **({"judgments": str(where("rewardbench"))} if callable(where) else {})}
    else:
        margins = -np.array([_margin(v) for v in verdicts], dtype=float)
        credits = np.where(margins > 0, 1.0, 0.0)  # a tie counts as wrong, as in the official code
        tied = margins == 0
    correct: dict[str, list[float]] = defaultdict(list)
    ties: dict[str, int] = defaultdict(int)
    for i, example in enumerate(examples):
        correct[example.subset].append(float(credits[i]))
        ties[example.subset] += int(credits[i] == 0.5 if both_orders is not None else tied[i])
    outcomes = {s: np.asarray(v) for s, v in correct.items()}
    accuracies = {s: float(v.mean()) for s, v in outcomes.items()}
    summary = compute_sections(accuracies, include_prior=include_prior)
    result = _header(judge, 1, extra)
    result.update({s: accuracies[s] for s in sorted(accuracies, key=_subset_order)})
    result.update({
        "sections": summary.sections, "score": summary.score,
        "intervals": bootstrap_v1(outcomes, n=bootstrap, seed=seed, include_prior=include_prior)
        if bootstrap else {},
        "n_examples": {s: len(v) for s, v in outcomes.items()},
        "n_ties": int(sum(ties.values())), "ties_by_subset": {s: k for s, k in ties.items() if k},
        "partial": summary.partial, "absent": summary.absent,
    })
    if summary.prior is not None:
        result[PRIOR_COLUMN] = summary.prior
    if both_orders is not None:
        from .generative import verdict_counts

        result["both_orders"] = _variant(examples, both_orders, include_prior)
        counts = verdict_counts(counted)
        result.update(counts)
        result["n_ties"] = counts["n_judge_ties"]  # real ties only; no-verdict answers apart
        judge_ties: dict[str, int] = defaultdict(int)
        for example, outcome in zip(examples, counted):
            judge_ties[example.subset] += int(outcome == "tie")
        result["ties_by_subset"] = {s: k for s, k in judge_ties.items() if k}
    return result


def refuse_api_errors(judge: Judge, errors_before: int, n_pairs: int, stage: str) -> None:
    """Stop when requests failed (an LLM judge's, an ensemble member's): a failed request is no
    tie, and the same command retries only those (the journal keeps the rest)."""
    failed = getattr(judge, "api_errors", 0) - errors_before
    if failed:
        where = getattr(judge, "judge_file", None)
        where_text = f" (see {where(stage)})" if callable(where) else ""
        raise PreftreeError(f"{failed} of {n_pairs} pairs have no verdict because of API "
                            f"errors{where_text}; run the same command again to retry only those "
                            "before scoring")


def _margin(verdict: Verdict) -> float:
    """How far a verdict leans toward response_2: its score, else its sign, else NaN (no verdict:
    wrong, and not a tie)."""
    if verdict.score is not None and np.isfinite(verdict.score):
        return float(verdict.score)
    return np.nan if verdict.preference is None else float(verdict.preference)


def _variant(examples: Sequence[V1Example], credits: np.ndarray, include_prior: bool) -> dict[str, Any]:
    """Subsets, sections and score of another accounting of the same verdicts."""
    per: dict[str, list[float]] = defaultdict(list)
    for example, credit in zip(examples, credits):
        per[example.subset].append(float(credit))
    accuracies = {s: float(np.mean(v)) for s, v in per.items()}
    summary = compute_sections(accuracies, include_prior=include_prior)
    return {"subsets": accuracies, "sections": summary.sections, "score": summary.score}


def _subset_order(name: str) -> int:
    order = [*EXAMPLE_COUNTS, *V2_SUBSETS]
    return order.index(name) if name in order else len(order)


def _v2_subset_scores(rows: dict[str, list[tuple[str, np.ndarray, int]]]) -> dict[str, float]:
    scores = {}
    for subset, items in rows.items():
        if subset == "Ties":
            scores[subset] = ties_score(items)
        else:
            scores[subset] = float(np.mean([best_of_n_credit(s, k) for _, s, k in items]))
    return scores


def _resample_v2(rows: dict[str, list[tuple[str, np.ndarray, int]]],
                 rng: np.random.Generator) -> dict[str, list[tuple[str, np.ndarray, int]]]:
    out: dict[str, list[tuple[str, np.ndarray, int]]] = {}
    for subset, items in rows.items():
        if subset != "Ties":
            out[subset] = [items[i] for i in rng.integers(0, len(items), len(items))]
            continue
        groups: dict[str, list[tuple[str, np.ndarray, int]]] = defaultdict(list)
        for item in items:  # resample prompts, keeping each prompt's ref and tied rows together
            groups[item[0].partition(":")[2]].append(item)
        keys = sorted(groups)
        out[subset] = [(f"{row_id.partition(':')[0]}:{draw}", s, k)
                       for draw, i in enumerate(rng.integers(0, len(keys), len(keys)))
                       for row_id, s, k in groups[keys[i]]]
    return out


def evaluate_v2(judge: Judge, examples: Sequence[V2Example], *, bootstrap: int = 1000,
                seed: int = 0) -> dict[str, Any]:
    """Best-of-n credit per subset (Ties by its own formula), the score, and intervals."""
    if not isinstance(judge, Rater):
        raise InputError(f"the judge {judge.name!r} compares pairs and runs RewardBench 1 only "
                         "(RewardBench 2 ranks four answers by per-answer ratings)")
    scores = judge.rank([e.prompt for e in examples], [e.candidates for e in examples])
    rows: dict[str, list[tuple[str, np.ndarray, int]]] = defaultdict(list)
    n_ties = 0
    for example, candidate_scores in zip(examples, scores):
        rows[example.subset].append((example.id, np.asarray(candidate_scores), example.num_correct))
        if example.subset != "Ties":
            n_ties += int(np.sum(candidate_scores == candidate_scores.max()) > 1
                          and candidate_scores[0] == candidate_scores.max())
    subset_scores = _v2_subset_scores(rows)
    result = _header(judge, 2)
    result.update({s: subset_scores[s] for s in V2_SUBSETS if s in subset_scores})
    intervals: dict[str, list[float]] = {}
    if bootstrap:
        rng = np.random.default_rng(seed)
        draws = [_v2_subset_scores(_resample_v2(rows, rng)) for _ in range(bootstrap)]
        for subset in subset_scores:
            values = [100.0 * d[subset] for d in draws]
            intervals[subset] = _interval(values)
        totals = [v2_score(d) for d in draws]
        intervals["Score"] = _interval(totals)
    result.update({"score": v2_score(subset_scores), "intervals": intervals,
                   "n_examples": {s: len(v) for s, v in rows.items()},
                   "n_ties": n_ties, "absent": [s for s in V2_SUBSETS if s not in subset_scores]})
    result["partial"] = {"Score": result["absent"]} if result["absent"] else {}
    return result


def write_results(result: dict[str, Any], path: str | Path) -> Path:
    """Write a results file atomically (JSON, allenai's per-subset layout plus preftree's fields)."""
    atomic_write_text(path, json.dumps(result, indent=2, default=float) + "\n")
    return Path(path)
