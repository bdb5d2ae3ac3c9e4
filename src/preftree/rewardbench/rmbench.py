"""RM-Bench: does a scorer prefer the better answer when the worse one is dressed up?

Every prompt has a chosen and a rejected answer in three styles (concise, detailed plain,
detailed markdown). The formula is RM-Bench's ``compute_accuracy``: ``M[i][j]`` is the share of
prompts where the chosen answer in style ``i`` beats the rejected one in style ``j`` (strictly: a
tie is wrong); *hard* is the mean above the diagonal (a plainer correct answer against a fancier
wrong one), *normal* the diagonal, *easy* below it; a domain's average is the mean of the three;
safety pools safety-refuse and safety-response; overall figures are means over the domains present.

A reward model scores each of a prompt's six responses once (the prompt prefix shared by the
scoring engine) and the nine comparisons are read off the scores. Any other judge (a
decision-tree reward model, an LLM judge, an ensemble) is asked the nine comparisons as pairs,
an LLM judge in both presentation orders: each order is a comparison, credit 1 when it picks the
chosen answer and 0 otherwise (a tie or an unreadable answer is wrong, as a tied score is).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..data.model import Pair, PairSet
from ..data.rm_bench_layout import SHORT_STYLES, STYLES, difficulty
from ..judges.protocol import Judge, Rater, Verdict, check_verdict_count
from .rmbench_data import DOMAINS, RMBenchData, RMBenchPrompt

__all__ = ["ACCOUNTING", "accuracy_matrix", "comparison_pairs", "difficulty_accuracies", "evaluate_rm_bench",
           "score_credits", "summarize"]

ACCOUNTING = {
    "scores": "RM-Bench compute_accuracy: chosen_i beats rejected_j when its score is strictly higher",
    "pairs": "each of the nine comparisons asked as a pair; correct when the verdict picks the chosen answer "
             "(a tie is wrong)",
    "both-orders": "each of the nine comparisons asked in both orders; each order is a comparison, credit 1 "
                   "when it picks the chosen answer, 0 for the rejected one, a tie or no verdict",
}


def score_credits(score_chosen: np.ndarray, score_rejected: np.ndarray) -> np.ndarray:
    """Per prompt, the 3×3 table of comparisons won: ``score_chosen[:, i] > score_rejected[:, j]``
    (NaN loses, as in RM-Bench's loop)."""
    chosen, rejected = np.asarray(score_chosen, dtype=float), np.asarray(score_rejected, dtype=float)
    return (chosen[:, :, None] > rejected[:, None, :]).astype(float)


def accuracy_matrix(credits: np.ndarray) -> np.ndarray:
    """The 3×3 accuracy matrix: the mean over prompts of their credit tables."""
    return np.asarray(credits, dtype=float).mean(axis=0)


def difficulty_accuracies(matrix: np.ndarray) -> dict[str, float]:
    """hard (above the diagonal), normal (the diagonal), easy (below), and their mean."""
    size = matrix.shape[0]
    off = size * (size - 1) / 2
    hard = float(np.sum(np.triu(matrix, 1)) / off)
    normal = float(np.mean(np.diag(matrix)))
    easy = float(np.sum(np.tril(matrix, -1)) / off)
    return {"hard_acc": hard, "normal_acc": normal, "easy_acc": easy, "average": (hard + normal + easy) / 3}


def domain_rows(prompts: Sequence[RMBenchPrompt]) -> dict[str, np.ndarray]:
    """The positions of each scored domain's prompts, for the domains present, in RM-Bench's order."""
    domains = np.array([p.scored_domain for p in prompts], dtype=object)
    return {d: rows for d in DOMAINS if len(rows := np.flatnonzero(domains == d))}


def summarize(prompts: Sequence[RMBenchPrompt], credits: np.ndarray) -> dict[str, Any]:
    """Per scored domain its matrix and accuracies; overall the means over the domains present."""
    domains: dict[str, Any] = {}
    for domain, rows in domain_rows(prompts).items():
        matrix = accuracy_matrix(credits[rows])
        domains[domain] = {"matrix": matrix.tolist(), **difficulty_accuracies(matrix), "n_prompts": len(rows)}
    overall = {name: float(np.mean([d[name] for d in domains.values()]))
               for name in ("hard_acc", "normal_acc", "easy_acc")}
    overall["total_avg_acc"] = float(np.mean([d["average"] for d in domains.values()]))
    return {"domains": domains, **overall}


MIN_BOOTSTRAP_PROMPTS = 20
"""Fewer prompts in a domain give no interval: a percentile bootstrap of a handful is no 95 %
interval (one prompt gives a zero-width one)."""


def _bootstrap(prompts: Sequence[RMBenchPrompt], credits: np.ndarray, resamples: int,
               seed: int) -> tuple[dict[str, dict[str, list[float]]], list[str]]:
    """95 % percentile intervals, resampling prompts within each domain, and why any is left out."""
    rng = np.random.default_rng(seed)
    per_domain: dict[str, dict[str, np.ndarray]] = {}
    missing: list[str] = []
    for domain, rows in domain_rows(prompts).items():
        if len(rows) < MIN_BOOTSTRAP_PROMPTS:
            missing.append(f"{domain}: {len(rows)} prompts (a bootstrap interval needs {MIN_BOOTSTRAP_PROMPTS})")
            continue
        draws = np.empty((resamples, 3, 3))
        for start in range(0, resamples, 100):  # bounded memory: 100 draws at a time
            stop = min(resamples, start + 100)
            picks = rows[rng.integers(0, len(rows), size=(stop - start, len(rows)))]
            draws[start:stop] = credits[picks].mean(axis=1)
        off = 3.0
        hard = np.triu(draws, 1).sum(axis=(1, 2)) / off
        normal = np.diagonal(draws, axis1=1, axis2=2).mean(axis=1)
        easy = np.tril(draws, -1).sum(axis=(1, 2)) / off
        per_domain[domain] = {"hard_acc": hard, "normal_acc": normal, "easy_acc": easy,
                              "average": (hard + normal + easy) / 3}
    intervals: dict[str, dict[str, list[float]]] = {
        d: {k: _interval(v) for k, v in values.items()} for d, values in per_domain.items()}
    if missing:
        return intervals, [*missing, "overall: not every domain has an interval"]
    overall = {k: np.mean([v[k] for v in per_domain.values()], axis=0)
               for k in ("hard_acc", "normal_acc", "easy_acc")}
    overall["total_avg_acc"] = np.mean([v["average"] for v in per_domain.values()], axis=0)
    intervals["overall"] = {k: _interval(v) for k, v in overall.items()}
    return intervals, []


def _interval(draws: np.ndarray) -> list[float]:
    return [float(np.percentile(draws, 2.5)), float(np.percentile(draws, 97.5))]


def comparison_pairs(prompts: Sequence[RMBenchPrompt]) -> PairSet:
    """The nine comparisons of every prompt as pairs, the chosen answer first (label -1), with
    ``domain``, ``chosen_style``, ``rejected_style`` and ``difficulty`` in the metadata."""
    pairs = []
    for prompt in prompts:
        for i, chosen in enumerate(prompt.chosen):
            for j, rejected in enumerate(prompt.rejected):
                pairs.append(Pair(f"{prompt.key}/{SHORT_STYLES[i]}-vs-{SHORT_STYLES[j]}", prompt.prompt,
                                  chosen, rejected, -1,
                                  {"domain": prompt.domain, "chosen_style": STYLES[i],
                                   "rejected_style": STYLES[j], "difficulty": difficulty(i, j)}))
    return PairSet(pairs, name="rm-bench", label_name="gold")


def _pick(value: int | None) -> float:
    return 1.0 if value == -1 else 0.0  # -1: response_1, the chosen answer


def _verdict_credits(verdicts: Sequence[Verdict], n_prompts: int,
                     sees_positions: bool) -> tuple[np.ndarray, np.ndarray | None, str]:
    """Credits (n, 3, 3), per-order verdicts (n, 3, 3, 2; NaN = none) for a judge that sees
    positions (each order counts, an unreadable one as wrong), and the accounting used."""
    if sees_positions:
        orders = np.array([[np.nan if o is None else float(o) for o in v.orders] for v in verdicts])
        credits = np.array([(_pick(v.orders[0]) + _pick(v.orders[1])) / 2 for v in verdicts])
        return credits.reshape(n_prompts, 3, 3), orders.reshape(n_prompts, 3, 3, 2), "both-orders"
    from .evaluate import _margin

    margins = np.array([_margin(v) for v in verdicts], dtype=float)
    return np.where(margins < 0, 1.0, 0.0).reshape(n_prompts, 3, 3), None, "pairs"


UNREADABLE_WARNING = 0.02
"""Share of an LLM judge's answers without a verdict above which a run warns (each counts as wrong)."""


def _answer_counts(verdicts: Sequence[Verdict]) -> dict[str, Any]:
    """An LLM judge's answers in both orders by kind (chosen, rejected, tie, unparsable, empty),
    and a warning when too many had no verdict: each scores as a wrong comparison, so a broken
    judge or prompt would read as a judge that prefers style."""
    from .generative import _outcomes

    def order(k: int) -> np.ndarray:
        return np.array([np.nan if v.orders[k] is None else float(v.orders[k] or 0) for v in verdicts])

    kinds = np.concatenate([_outcomes(order(k), [v.answers[k] for v in verdicts]) for k in (0, 1)])
    counts = {kind: int(np.sum(kinds == kind)) for kind in ("chosen", "rejected", "tie", "unparsable", "empty")}
    missing = counts["unparsable"] + counts["empty"]
    warnings = []
    if len(kinds) and missing / len(kinds) > UNREADABLE_WARNING:
        warnings.append(f"{missing} of {len(kinds)} answers ({missing / len(kinds):.1%}) have no verdict "
                        f"({counts['unparsable']} unparsable, {counts['empty']} empty); each counts as a wrong "
                        "comparison: check the judge file's completions (and --judge-template / --verdict-format) "
                        "before trusting the matrix")
    return {"verdicts": counts, "n_no_verdict": missing, "warnings": warnings}


def _consistency(prompts: Sequence[RMBenchPrompt], orders: np.ndarray) -> dict[str, Any]:
    """Share of comparisons whose two orders agree (both pick the same answer, or both tie),
    per domain as a 3×3 matrix and overall; and the share of orders that picked the first shown."""
    agree = (orders[..., 0] == orders[..., 1]) & ~np.isnan(orders[..., 0])
    first = np.concatenate([(orders[..., 0] == -1).ravel(), (orders[..., 1] == 1).ravel()])
    result: dict[str, Any] = {"overall": float(agree.mean()), "first_position_share": float(first.mean()),
                              "domains": {}}
    for domain, rows in domain_rows(prompts).items():
        result["domains"][domain] = {"matrix": agree[rows].mean(axis=0).tolist(), "overall": float(agree[rows].mean())}
    return result


def _scoring_stats(judge: Judge) -> dict[str, int]:
    """What the scorer behind a reward-model judge computed (texts asked, distinct, from the
    cache, computed): each response is scored once, which these show."""
    scorer = getattr(judge, "scorer", None) or getattr(getattr(judge, "model", None), "scorer", None)
    stats = getattr(scorer, "last_stats", None)
    names = ("n_texts", "n_distinct", "n_cached", "n_computed")
    if stats is None or not all(isinstance(getattr(stats, n, None), int) for n in names):
        return {}
    return {n: int(getattr(stats, n)) for n in names}


MAX_RESAMPLES = 100_000


def evaluate_rm_bench(judge: Judge, data: RMBenchData, *, resamples: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Score ``judge`` on RM-Bench: the results document (RM-Bench's field names, intervals,
    per-prompt scores or credits so the figures can be recomputed)."""
    from ..errors import ConfigError
    from .evaluate import _header, refuse_api_errors

    if not 0 <= resamples <= MAX_RESAMPLES:
        raise ConfigError(f"resamples={resamples}: from 0 to {MAX_RESAMPLES:,}")
    prompts = data.prompts
    per_prompt: list[dict[str, Any]] = []
    consistency = None
    if judge.kind == "reward-model" and isinstance(judge, Rater):
        scores = judge.rank([p.prompt for p in prompts], [(*p.chosen, *p.rejected) for p in prompts])
        chosen = np.array([s[:3] for s in scores], dtype=float)
        rejected = np.array([s[3:] for s in scores], dtype=float)
        credits, accounting = score_credits(chosen, rejected), "scores"
        per_prompt = [{"id": p.id, "domain": p.domain, "score_chosen": c.tolist(), "score_rejected": r.tolist()}
                      for p, c, r in zip(prompts, chosen, rejected)]
    else:
        pairs = comparison_pairs(prompts)
        errors_before = getattr(judge, "api_errors", 0)
        verdicts = judge.verdicts(pairs, "rm-bench")
        check_verdict_count(judge, verdicts, len(pairs))
        refuse_api_errors(judge, errors_before, len(pairs), "rm-bench")
        credits, orders, accounting = _verdict_credits(verdicts, len(prompts), bool(judge.sees_positions))
        per_prompt = [{"id": p.id, "domain": p.domain, "credit": c.tolist()} for p, c in zip(prompts, credits)]
        if orders is not None:
            consistency = _consistency(prompts, orders)
            answers = _answer_counts(verdicts)
            for record, order in zip(per_prompt, orders):
                record["orders"] = [[[None if np.isnan(v) else int(v) for v in cell] for cell in row]
                                    for row in order]
    header = _header(judge, 1)
    header.pop("rewardbench_version", None)
    summary = summarize(prompts, credits)
    result: dict[str, Any] = {"benchmark": "rm-bench", **header, "accounting": ACCOUNTING[accounting]}
    where = getattr(judge, "judge_file", None)
    if accounting == "both-orders" and callable(where):
        result["judgments"] = str(where("rm-bench"))
    result.update({d: summary["domains"][d]["average"] for d in summary["domains"]})  # RM-Bench's flat names
    result.update({k: summary[k] for k in ("hard_acc", "normal_acc", "easy_acc", "total_avg_acc")})
    result["domains"] = summary["domains"]
    result["domains_present"] = list(summary["domains"])
    result["domains_missing"] = [d for d in DOMAINS if d not in summary["domains"]]
    if result["domains_missing"]:
        result["note"] = (f"overall figures are means over {', '.join(result['domains_present'])} only: "
                          f"{', '.join(result['domains_missing'])} not in the data read")
    result["intervals"], not_computed = _bootstrap(prompts, credits, resamples, seed) if resamples else ({}, [])
    if not_computed:
        result["intervals_not_computed"] = not_computed
    result.update({"resamples": resamples, "seed": seed, "files": data.files,
                   "n_prompts": len(prompts), "n_comparisons": 9 * len(prompts)})
    if consistency is not None:
        result["position_consistency"] = consistency
        result.update(answers)
    stats = _scoring_stats(judge)
    if stats:
        result["scoring_stats"] = stats
    result["per_prompt"] = per_prompt
    return result
