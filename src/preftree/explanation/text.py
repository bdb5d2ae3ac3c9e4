"""explain's results in words for the terminal: one judge in full (tree, importances with their
intervals, accuracy against the baselines, agreement with the label, groups), several as a
ranked table followed by each judge."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._markup import plain_line
from ..tree.text import format_number, format_percent
from .analysis import ExplainResult, JudgeExplanation

__all__ = ["format_judge", "format_result"]


def _counts(explanation: JudgeExplanation) -> str:
    counts = explanation.class_counts
    text = (f"response_1 better {counts.get('response_1', 0)}, tie {counts.get('tie', 0)}, "
            f"response_2 better {counts.get('response_2', 0)}")
    return text + (f" (label format: {explanation.label_format})" if explanation.label_format else "")


def format_judge(explanation: JudgeExplanation) -> str:
    """The tree, the importance table and accuracy vs baselines, for the terminal; a tree that
    explains nothing says so first."""
    cv = explanation.cv
    low, high = cv.accuracy_ci
    best = cv.best_single_feature
    caveat = explanation.caveat()
    lines = [f"== {explanation.judge}: {explanation.tree.n_pairs_} pairs, "
             f"{explanation.tree.n_ties_dropped_} ties dropped, depth {explanation.tree.depth_}",
             f"verdicts: {_counts(explanation)}"]
    if caveat:
        lines += ["", f"WARNING: {caveat}"]
    rows = [(row.feature if getattr(row, "kind", "feature") == "feature" else f"[group] {row.feature}", row)
            for row in explanation.importances.itertuples()]
    width = max([34, *(len(name) for name, _ in rows)])
    lines += ["", explanation.tree.export_text(), "",
              f"{'feature':<{width}} {'importance':>10}   95% interval     direction"]
    for name, row in rows:
        direction = explanation.used_direction(row.feature, row.mean, row.ci_high)
        lines.append(f"{name:<{width}} {row.mean:>10.3f}   [{row.ci_low:.3f}, {row.ci_high:.3f}]   {direction}")
    if "group" in explanation.importances and (explanation.importances["kind"] == "group").any():
        lines.append("(near-duplicate features, |Spearman| >= 0.9, trade importance between refits: "
                     "read their group's row)")
    lines += ["",
              f"cross-validated accuracy ({cv.folds}-fold): {format_percent(cv.accuracy)} "
              f"[{format_percent(low)}, {format_percent(high)}]",
              f"majority baseline:              {format_percent(cv.majority_baseline)}"
              + ("" if cv.beats_majority else "   <- not beaten"),
              f"best single feature:            {format_percent(best['accuracy'])} "
              f"({best['feature']}, {best['direction']})"
              + ("" if cv.beats_best_single_feature else "   <- not beaten")]
    lines += _label_lines(explanation.extra)
    if explanation.by is not None:
        from .groups import format_groups

        lines += ["", format_groups(explanation.by)]
    if "consistency" in explanation.extra:
        lines.append(f"{'consistency under swap:':<31} {format_percent(explanation.extra['consistency'])}")
    return "\n".join(lines)


def _label_lines(extra: dict[str, Any]) -> list[str]:
    """Agreement with the label, each figure named with what it counts."""
    if "agreement_with_label" not in extra:
        return []
    lines = [f"{'agreement with label:':<31} {format_percent(extra['agreement_with_label'])} of "
             f"{extra['n_with_label']} pairs (a tie on one side counts as a disagreement)",
             f"{'  where both have a preference:':<31} {format_percent(extra['agreement_decided'])} "
             f"of {extra['n_decided']} pairs; Cohen's kappa {extra['kappa']:.2f}"]
    if "order_averaged_accuracy" in extra:
        lines.append(f"{'  asked in both orders:':<31} order-averaged accuracy "
                     f"{format_percent(extra['order_averaged_accuracy'])}, both orders correct "
                     f"{format_percent(extra['both_orders_correct'])}, positional agreement "
                     f"{format_percent(extra['positional_agreement'])} (LLMBar's Acc. / - / Agr.)")
    return lines


def format_result(result: ExplainResult, *, trees: bool = True) -> str:
    """All judges: full detail for one; for several, a ranked table, then each judge's tree and
    figures (``trees=False``: the table alone)."""
    header = _pairs_line(result)
    traits = format_traits(result.trait_metrics)
    if len(result.judges) == 1:
        return header + "\n\n" + format_judge(result.judges[0]) + (f"\n\n{traits}" if traits else "")
    table = _ranked_table(result)
    if not trees:  # the table alone, but a --by table is part of what was asked
        from .groups import format_groups

        return "\n\n".join([table, *(f"== {plain_line(e.judge)}\n{format_groups(e.by)}"
                                       for e in result.judges if e.by is not None)])
    ranked = sorted(result.judges, key=lambda e: -e.extra.get("agreement_with_label", -1.0))
    return "\n\n".join([header, table, *(format_judge(e) for e in ranked), *([traits] if traits else [])])


def format_traits(metrics: Any, limit: int = 8) -> str:
    """Feedback Forensics' view: each judge's strongest traits, strength with its 95 % interval
    (all rows in traits.csv)."""
    if metrics is None or len(metrics) == 0:
        return ""
    lines = ["traits (Feedback Forensics' metrics; strength = κ × relevance, all rows in traits.csv)",
             f"{'judge':<20} {'trait':<28} {'strength':>9} {'95% interval':>17} {'accuracy':>9} {'relevance':>10} "
             f"{'p':>8}"]
    unreadable = metrics.attrs.get("unreadable", [])
    if unreadable:
        shown = ", ".join(sorted({t for _, t in unreadable})[:6])
        lines.insert(1, f"(!) most answers unreadable for {len({t for _, t in unreadable})} trait(s) ({shown}): "
                        "their intervals and p are not identified")
    for judge, rows in metrics.groupby("judge", sort=False):
        for row in rows.head(limit).itertuples(index=False):
            interval = "not identified" if row.strength_low != row.strength_low else \
                f"[{row.strength_low:+.2f}, {row.strength_high:+.2f}]"
            p_value = "n/a" if row.p_value != row.p_value else f"{row.p_value:.3g}"
            lines.append(f"{plain_line(str(judge))[:20]:<20} {plain_line(row.trait)[:28]:<28} {row.strength:>+9.3f} "
                         f"{interval:>17} {format_percent(row.accuracy):>9} {format_percent(row.relevance):>10} "
                         f"{p_value:>8}")
    return "\n".join(lines)


def _ranked_table(result: ExplainResult) -> str:
    lines = [f"{len(result.judges)} judges on {len(result.pairs)} pairs, features: "
             f"{', '.join(result.features.feature_names)}", "",
             f"{'judge':<24} {'pairs':>6} {'tree acc':>9} {'majority':>9} {'best 1-feat':>11} "
             f"{'vs label':>9} {'decided':>8} {'consist.':>9}  top feature"]
    ranked = sorted(result.judges, key=lambda e: -e.extra.get("agreement_with_label", -1.0))
    for e in ranked:
        top_name, top_direction = e.top()
        top = e.importances.iloc[0]
        flag = "" if e.explains_something else "  (!)"
        lines.append(
            f"{plain_line(e.judge)[:24]:<24} {e.tree.n_pairs_:>6} {format_percent(e.cv.accuracy):>9} "
            f"{format_percent(e.cv.majority_baseline):>9} {format_percent(e.cv.best_single_feature['accuracy']):>11} "
            f"{format_percent(e.extra.get('agreement_with_label', np.nan)):>9} "
            f"{format_percent(e.extra.get('agreement_decided', np.nan)):>8} "
            f"{format_percent(e.extra.get('consistency', np.nan)):>9}  {top_name} "
            f"({format_number(float(top['mean']))}; {top_direction}){flag}")
    if any("agreement_with_label" in e.extra for e in ranked):
        lines.append("(vs label: all pairs, a tie on one side counts as a disagreement; decided: "
                     "only the pairs where both the judge and the label have a preference)")
    failing = [e for e in ranked if not e.explains_something]
    for e in failing:
        lines.append(plain_line(f"(!) {e.judge}: {e.caveat()}"))
    return "\n".join(lines)


def _pairs_line(result: ExplainResult) -> str:
    pairs = result.pairs
    line = f"pairs: {pairs.source or pairs.name} ({len(pairs)} pairs, format: {pairs.pairs_format})"
    if pairs.has_labels:
        values = pairs.labels().value_counts()  # counted from the labels, no verdict objects built
        counts = {side: int(values.get(code, 0)) for side, code in (("response_1", -1), ("tie", 0), ("response_2", 1))}
        line += (f"; label {pairs.label_name!r} read as {pairs.label_format or 'given'}: "
                 f"response_1 better {counts['response_1']}, tie {counts['tie']}, "
                 f"response_2 better {counts['response_2']}")
    return "\n".join([line, *pairs.reading_notes()])
