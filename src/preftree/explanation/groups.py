"""Explanations by group (``explain --by COLUMN``): what a judge rewards often changes with the
task type, scenario or source. One tree per group beside the pooled tree, importance by group
side by side, and a permutation test of whether a feature's effect differs across groups.

The effect of a feature in a group is its *lean*: the mean of sign(Δ feature) × preference over
the decided pairs (+1: the judge always sides with the higher value, −1: with the lower, 0: no
relation). The test statistic is the pair-weighted variance of the leans across groups; its null
distribution comes from shuffling the group labels (``permutations`` times), p-values are
Holm-corrected across features, and each group's own departure from the other groups is tested
the same way and Bonferroni-corrected for the number of groups.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..data.model import JudgmentSet, PairSet
from ..errors import InputError, PreftreeError
from ..features.differences import FeatureTable
from .analysis import ExplainConfig, JudgeExplanation, explain_judge

__all__ = ["GroupComparison", "effect_differs_test", "explain_by_group"]

MIN_GROUP_PAIRS = 20
"""Decided pairs a group needs for a tree of its own (and at least twice the CV folds)."""


@dataclass
class GroupComparison:
    """The pooled explanation of one judge and one per group of ``column``."""

    column: str
    pooled: JudgeExplanation
    groups: dict[str, JudgeExplanation]
    skipped: dict[str, str]  # group → why it has no tree of its own
    sizes: dict[str, int]  # group → pairs with a verdict
    importances: pd.DataFrame  # feature × group: mean bootstrap importance ("pooled" first)
    tests: pd.DataFrame  # one row per feature: lean per group, statistic, p, p_holm
    changes: list[str] = field(default_factory=list)  # groups where the conclusion changes

    def records(self) -> list[dict[str, Any]]:
        """One record per group for ``summary.json``: its n, accuracy, baseline and top feature,
        or ``skipped`` with the reason."""
        out = []
        for group, size in self.sizes.items():
            if group in self.groups:
                e = self.groups[group]
                top, direction = e.top()
                out.append({"group": group, "n": size, "cv_accuracy": e.cv.accuracy,
                            "majority_baseline": e.cv.majority_baseline,
                            "top_feature": top, "top_direction": direction,
                            "beats_majority": e.cv.beats_majority, "tree": e.tree.export_text()})
            else:
                out.append({"group": group, "n": size, "skipped": self.skipped[group]})
        return out

    def summary(self) -> dict[str, Any]:
        table = self.importances.reset_index()
        return {"column": self.column, "groups": self.records(), "changes": self.changes,
                "tests": self.tests.to_dict("records"),
                "importance_by_group": table.astype(object).where(table.notna(), None).to_dict("records")}


def _leans(signs: np.ndarray, y: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Lean of every feature in every group: (groups × features)."""
    counts = np.bincount(codes, minlength=n_groups).astype(float)
    product = signs * y[:, None]
    sums = np.stack([np.bincount(codes, weights=product[:, j], minlength=n_groups)
                     for j in range(signs.shape[1])], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts[:, None]


def _spread(leans: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Pair-weighted variance of the leans across groups, per feature."""
    total = weights.sum()
    mean = (leans * weights[:, None]).sum(axis=0) / total
    return ((leans - mean) ** 2 * weights[:, None]).sum(axis=0) / total


def _holm(p: np.ndarray) -> np.ndarray:
    order = np.argsort(p)
    adjusted = np.empty_like(p)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[index]))
        adjusted[index] = running
    return adjusted


def effect_differs_test(X: pd.DataFrame, y: np.ndarray, groups: np.ndarray, *,
                        permutations: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Per feature: the lean in each group, the spread statistic, its permutation p-value (Holm
    across features), and per group the corrected p-value of its departure from the rest."""
    decided = y != 0
    X, y, groups = X[decided], y[decided], np.asarray(groups, dtype=object)[decided]
    names, codes = np.unique(groups.astype(str), return_inverse=True)
    signs = np.sign(X.to_numpy(dtype=float))
    weights = np.bincount(codes, minlength=len(names)).astype(float)
    observed = _leans(signs, y, codes, len(names))
    statistic = _spread(observed, weights)
    rest = _rest_leans(signs, y, codes, observed, weights)
    departure = np.abs(observed - rest)
    rng = np.random.default_rng(seed)
    exceed = np.zeros(len(X.columns))
    exceed_group = np.zeros_like(departure)
    for _ in range(permutations):
        shuffled = rng.permutation(codes)
        leans = _leans(signs, y, shuffled, len(names))
        exceed += _spread(leans, weights) >= statistic - 1e-12
        exceed_group += np.abs(leans - _rest_leans(signs, y, shuffled, leans, weights)) \
            >= departure - 1e-12
    p = (1 + exceed) / (1 + permutations)
    p_group = np.minimum(1.0, (1 + exceed_group) / (1 + permutations) * len(names))
    table = pd.DataFrame({"feature": X.columns, "statistic": statistic, "p_value": p,
                          "p_holm": _holm(p), "permutations": permutations})
    for g, name in enumerate(names):
        table[f"lean[{name}]"] = observed[g]
        table[f"p_group[{name}]"] = p_group[g]
    return table.sort_values("p_value", kind="stable").reset_index(drop=True)


def _rest_leans(signs: np.ndarray, y: np.ndarray, codes: np.ndarray, leans: np.ndarray,
                weights: np.ndarray) -> np.ndarray:
    """Lean of every feature over all the other groups' pairs, per group."""
    totals = (signs * y[:, None]).sum(axis=0)
    group_sums = np.nan_to_num(leans) * weights[:, None]
    others = np.maximum(len(codes) - weights, 1.0)
    return (totals[None, :] - group_sums) / others[:, None]


def explain_by_group(table: FeatureTable, verdicts: JudgmentSet, pairs: PairSet, column: str,
                     config: ExplainConfig, *, pooled: JudgeExplanation | None = None,
                     min_group: int = MIN_GROUP_PAIRS, permutations: int = 1000) -> GroupComparison:
    """The pooled tree and one per group of ``column`` (a column of the pairs file); groups too
    small, or with one class, are listed with the reason, never silently dropped."""
    try:
        values = pairs.metadata_column(column)
    except InputError:
        raise InputError(f"--by {column!r}: not a column of the pairs; columns: "
                         f"{', '.join(pairs.metadata_columns())}", path=pairs.source) from None
    group_of = dict(zip(pairs.ids, _group_names(list(values))))
    pooled = pooled or explain_judge(table, verdicts, config)
    preferences = verdicts.preferences()
    ids = [i for i in table.diffs.index if i in preferences.index]
    labels = np.array([group_of[i] for i in ids], dtype=object)
    y = preferences.loc[ids].to_numpy(dtype=np.int64)
    needed = max(min_group, 2 * config.cv)
    explanations: dict[str, JudgeExplanation] = {}
    skipped: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for group in sorted(set(labels), key=lambda g: (-int(np.sum(labels == g)), g)):
        members = [i for i, g in zip(ids, labels) if g == group]
        decided = int(np.sum((labels == group) & (y != 0)))
        sizes[group] = len(members)
        if decided < needed:
            skipped[group] = f"{decided} pairs with a preference; a tree of its own needs {needed}"
            continue
        try:
            explanations[group] = explain_judge(table.diffs.loc[members], preferences.loc[members],
                                                config, judge=f"{verdicts.judge} [{column}={group}]")
        except PreftreeError as exc:  # one class only, and the like: said, not dropped
            skipped[group] = str(exc).split(": ", 1)[-1]
    columns = {"pooled": pooled.importances.set_index("feature")["mean"]}
    columns.update({group: e.importances.set_index("feature")["mean"] for group, e in explanations.items()})
    importances = _with_group_rows(pd.DataFrame(columns))
    tested = [g for g in explanations]
    mask = np.isin(labels, tested)
    tests = effect_differs_test(table.diffs.loc[ids][mask], y[mask], labels[mask],
                                permutations=permutations, seed=config.seed) \
        if len(tested) >= 2 else pd.DataFrame()
    return GroupComparison(column, pooled, explanations, skipped, sizes, importances,
                           tests, _changes(pooled, explanations))


def _with_group_rows(importances: pd.DataFrame) -> pd.DataFrame:
    """Importance by group, feature groups ("a + b") included: a group row a run did not
    compute (its members were no near-copies there) is the sum of its members' importances
    (the mean of a sum is the sum of the means); anything else not computed stays empty, never 0."""
    out = importances.copy()
    for label in out.index:
        members = str(label).split(" + ")
        if len(members) < 2 or not set(members) <= set(out.index):
            continue
        missing = out.loc[label].isna()
        sums = out.loc[members].sum(axis=0, min_count=len(members))
        out.loc[label, missing] = sums[missing]
    return out


def _group_names(values: list[Any]) -> list[str]:
    """Each value's group name. Values are grouped by what they are, not how they print: a
    missing value is its own group (never merged with a literal "(missing)"), and the number 1
    is not the text "1" (both are named with their kind when both occur)."""
    def key(value: Any) -> tuple[str, Any]:
        if value is None or value is pd.NA or (isinstance(value, numbers.Real) and value != value):
            return ("missing", None)
        if isinstance(value, (bool, np.bool_)):
            return ("bool", bool(value))
        if isinstance(value, numbers.Real):  # numpy's too; 1 == 1.0, and a 400-digit int stays an int
            return ("number", value.item() if isinstance(value, np.generic) else value)
        return ("text", str(value))

    keys = [key(v) for v in values]
    shown: dict[tuple[str, Any], str] = {}
    for k, value in zip(keys, values):
        shown.setdefault(k, "(missing)" if k[0] == "missing" else str(value))
    clash = {name for name in shown.values() if list(shown.values()).count(name) > 1}
    names = {k: name for k, name in shown.items() if name not in clash}  # plain names stay as they are
    taken = set(names.values())
    for k, name in shown.items():
        if name in clash:
            kind = "no value" if k[0] == "missing" else k[0]
            qualified, n = f"{name} ({kind})", 2
            while qualified in taken:  # a real value may read "1 (number)" too
                qualified, n = f"{name} ({kind} #{n})", n + 1
            names[k] = qualified
            taken.add(qualified)
    return [names[k] for k in keys]


def _family(feature: str) -> set[str]:
    """The features a row stands for: itself, or the members of a group "a + b"."""
    return set(str(feature).split(" + "))


def _row(frame: pd.DataFrame, feature: str) -> pd.Series | None:
    """The row of ``feature`` in an importances or leans table, or of a row of its family."""
    exact = frame[frame["feature"] == feature]
    if len(exact):
        return exact.iloc[0]
    related = frame[[bool(_family(f) & _family(feature)) for f in frame["feature"]]]
    return related.iloc[0] if len(related) else None


def _changes(pooled: JudgeExplanation, groups: dict[str, JudgeExplanation]) -> list[str]:
    """Groups whose conclusion differs from the pooled one, only where the group's own data
    show it: its tree beats its majority baseline, and for another top feature its interval lies
    above the pooled top's within the group, or for the other direction its lean's interval
    excludes the pooled lean. A group and its own member are the same finding."""
    top = str(pooled.importances.iloc[0]["feature"])
    pooled_lean = _row(pooled.leans, top) if len(pooled.leans) else None
    out = []
    for group, e in groups.items():
        if not e.cv.beats_majority:
            continue
        own = e.importances.iloc[0]
        name = str(own["feature"])
        if not _family(name) & _family(top):
            rival = _row(e.importances, top)
            if rival is None or float(own["ci_low"]) > float(rival["ci_high"]):
                out.append(f"{group}: top feature {name} ({e.directions.get(name, 'no clear direction')}) "
                           f"instead of {top}")
            continue
        lean = _row(e.leans, name) if len(e.leans) else None
        if lean is None or pooled_lean is None or lean["sign"] == 0 or lean["sign"] == pooled_lean["sign"]:
            continue
        if lean["low"] > pooled_lean["lean"] or lean["high"] < pooled_lean["lean"]:
            out.append(f"{group}: {name} {lean['direction']} (pooled: {pooled_lean['direction']})")
    return out


def format_groups(comparison: GroupComparison) -> str:
    """The group table, importance by group and the tests, for the terminal (names whole;
    a group whose tree does not beat its majority is marked, and its top feature not read)."""
    from .._markup import plain_line

    records = comparison.records()
    width = max([5, *(len(plain_line(r["group"])) for r in records)])
    lines = [plain_line(f"-- by {comparison.column}: {len(comparison.groups)} groups with a tree")
             + (f", {len(comparison.skipped)} too small" if comparison.skipped else ""),
             f"{'group':<{width}} {'pairs':>6} {'tree acc':>9} {'majority':>9}  top feature"]
    for record in records:
        name = plain_line(record["group"])
        if "skipped" in record:
            lines.append(f"{name:<{width}} {record['n']:>6}  (no tree: {plain_line(record['skipped'])})")
            continue
        line = f"{name:<{width}} {record['n']:>6} {record['cv_accuracy']:>9.1%} {record['majority_baseline']:>9.1%}  "
        if record["beats_majority"]:
            lines.append(line + f"{record['top_feature']} ({record['top_direction']})")
        else:
            lines.append(line + "(!) no better than its majority: its splits are not a finding")
    shown = comparison.importances.sort_values("pooled", ascending=False).head(8)
    lines += ["", "importance by group (mean of bootstrap refits; empty: not computed):",
              shown.rename(columns=plain_line).to_string(float_format=lambda v: f"{v:.3f}", na_rep="")]
    if len(comparison.tests):
        lines += ["", "does the effect differ across groups? (permutation test of the spread of "
                      "leans; p Holm-corrected across features)"]
        for row in comparison.tests.head(8).itertuples():
            lines.append(f"  {row.feature:<32} p = {row.p_value:.3g}, corrected {row.p_holm:.3g}")
    for change in comparison.changes:
        lines.append(plain_line(f"conclusion changes in {change}"))
    if len(comparison.groups) < 2:
        lines.append(plain_line(f"note: fewer than two groups of {comparison.column!r} have a tree of their "
                                "own, so there is nothing to compare across groups"))
    return "\n".join(lines)
