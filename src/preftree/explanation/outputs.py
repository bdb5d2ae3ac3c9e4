"""Writing and printing explain's results: summary.json, tree.json, importances.csv, tree.png."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from .._io import output_dir
from ..report.tree_plot import draw_tree
from ..tree.text import format_number, format_percent
from .analysis import ExplainResult, JudgeExplanation

__all__ = ["format_judge", "format_result", "judge_folder_name", "output_inputs", "write_outputs"]


RESERVED_NAMES = frozenset({"summary.json", "agreement.csv", "agreement_counts.csv",
                            "agreement_decided.csv", "kappa.csv", "consistency.csv", "report.html",
                            "report.md", "report_figures", ".preftree-manifest.json"})
"""Names of explain's own top-level outputs, which a judge's folder must not take."""
NAME_LIMIT = 80
"""Longest judge folder name; longer names keep their start and a hash of the whole."""


def judge_folder_name(judge: str) -> str:
    """A file-system-safe folder name for a judge (letters of any script kept), never one of
    explain's own file names, never longer than :data:`NAME_LIMIT`.

    >>> judge_folder_name("meta-llama/Llama-3.1-70B")
    'meta-llama_Llama-3.1-70B'
    >>> judge_folder_name("Summary.JSON"), judge_folder_name("日本語モデル")
    ('judge-Summary.JSON', '日本語モデル')
    >>> len(judge_folder_name("x" * 300))
    80
    """
    name = re.sub(r"[^\w.-]+", "_", judge).strip("._") or "judge"
    if name.lower() in RESERVED_NAMES:
        name = f"judge-{name}"
    if len(name) > NAME_LIMIT:
        digest = hashlib.sha256(judge.encode("utf-8")).hexdigest()[:10]
        name = f"{name[:NAME_LIMIT - 11]}-{digest}"
    return name


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, default=_json_default, allow_nan=True) + "\n",
                    encoding="utf-8")


def _write_judge(explanation: JudgeExplanation, folder: Path, result: ExplainResult) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    summary = explanation.summary()
    summary["feature_specs"] = result.features.specs
    summary["seed"] = result.config.seed
    summary["pairs_format"] = result.pairs.pairs_format
    summary["reading"] = result.pairs.reading_record()
    summary["pairs"] = result.pairs.source
    summary["label"] = result.label_judge
    _dump(folder / "summary.json", summary)
    if explanation.by is not None:
        explanation.by.importances.to_csv(folder / "importance_by_group.csv", index_label="feature")
        explanation.by.tests.to_csv(folder / "group_tests.csv", index=False)
    explanation.tree.save(folder / "tree.json", metadata={"features": result.features.specs,
                                                           "pairs": result.pairs.source})
    explanation.importances.to_csv(folder / "importances.csv", index=False)
    explanation.leaves.to_csv(folder / "leaves.csv", index=False)
    _write_examples(explanation, folder / "examples.jsonl", result)
    draw_tree(explanation.tree, folder / "tree.png", title=explanation.judge)


EXAMPLES_PER_LEAF = 3
EXAMPLE_CHARS = 2000


def _clip(text: str) -> str:
    return text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS] + " […]"


def _write_examples(explanation: JudgeExplanation, path: Path, result: ExplainResult) -> None:
    """A few pairs per leaf with their texts (clipped), for the report to show."""
    lines = []
    leaves = explanation.leaves
    if explanation.tree.ties == "drop":  # a tie was not fitted: not one of its leaf's n
        leaves = leaves[leaves["preference"] != 0]
    chosen = [row for _, group in leaves.groupby("leaf", sort=True)
              for row in group.head(EXAMPLES_PER_LEAF).itertuples(index=False)]
    diffs = result.features.diffs.loc[[str(row.id) for row in chosen], explanation.tree.feature_names_]
    paths = explanation.tree.explain(diffs) if chosen else []
    for row, path_text in zip(chosen, paths):
        pair = result.pairs[str(row.id)]
        lines.append(json.dumps({
            "leaf": int(row.leaf), "id": pair.id, "preference": int(row.preference),
            "p_response_2": float(row.p_response_2), "path": path_text,
            "prompt": _clip(pair.prompt_text()), "response_1": _clip(pair.response_1),
            "response_2": _clip(pair.response_2)}, ensure_ascii=False))
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def output_inputs(result: ExplainResult) -> list[str]:
    """The files an explain run read (pairs, scores features, judge files): never outputs."""
    sources = [result.pairs.source, *result.judge_sources]
    sources += [spec.split(":", 1)[1] for spec in result.features.specs if spec.startswith("scores:")]
    return [str(s) for s in sources if s]


def write_outputs(result: ExplainResult, out_dir: str | Path, *, force: bool = False,
                  report: str | None = None) -> Path:
    """Write all outputs into ``out_dir``, all or nothing (see :func:`preftree._io.output_dir`:
    only files an earlier preftree run wrote there are replaced; ``force`` allows a folder that
    holds other files, which are left untouched).

    One judge: the files sit in ``out_dir``. Several: one sub-folder per judge, plus
    ``agreement.csv``, ``agreement_counts.csv``, ``consistency.csv`` and an overall ``summary.json``.
    ``report`` (a file name such as ``report.html`` or ``report.md``) is rendered into the folder in
    the same transaction.
    """
    out_dir = Path(out_dir)
    with output_dir(out_dir, output_inputs(result), force=force) as tmp:
        if len(result.judges) == 1:
            _write_judge(result.judges[0], tmp, result)
        else:
            folders = {}
            for explanation in result.judges:
                name = judge_folder_name(explanation.judge)
                while name in folders.values() or (report is not None and name == report):
                    name += "_"
                folders[explanation.judge] = name
                _write_judge(explanation, tmp / name, result)
            overview = {
                "n_pairs": len(result.pairs),
                "pairs": result.pairs.source,
                "features": result.features.feature_names,
                "feature_specs": result.features.specs,
                "label": result.label_judge,
                "label_format": result.pairs.label_format,
                "pairs_format": result.pairs.pairs_format,
                "reading": result.pairs.reading_record(),
                "judges": [{**_headline(e), "folder": folders[e.judge]} for e in result.judges],
            }
            _dump(tmp / "summary.json", overview)
        result.agreement.to_csv(tmp / "agreement.csv", index_label="judge")
        result.agreement_counts.to_csv(tmp / "agreement_counts.csv", index_label="judge")
        result.agreement_decided.to_csv(tmp / "agreement_decided.csv", index_label="judge")
        result.kappa.to_csv(tmp / "kappa.csv", index_label="judge")
        if len(result.consistency):
            result.consistency.to_csv(tmp / "consistency.csv", index=False)
        if report is not None:
            from ..report.write import write_report

            write_report(str(tmp), str(tmp / report), "md" if report.lower().endswith(".md") else "html",
                         shown_as=out_dir.name)
    return out_dir


def _headline(explanation: JudgeExplanation) -> dict[str, Any]:
    summary = explanation.summary()
    keys = ("judge", "n_pairs", "n_ties_dropped", "depth", "cv_accuracy", "cv_accuracy_ci",
            "majority_baseline", "best_single_feature", "beats_majority",
            "beats_best_single_feature", "caveat", "class_counts", "label_format",
            "agreement_with_label", "n_with_label", "agreement_decided", "n_decided", "kappa",
            "order_averaged_accuracy", "both_orders_correct", "positional_agreement",
            "consistency")
    headline = {k: summary[k] for k in keys if k in summary}
    headline["top_feature"] = summary["importances"][0]["feature"] if summary["importances"] else None
    return headline


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
    lines += ["", explanation.tree.export_text(), "",
              f"{'feature':<34} {'importance':>10}   95% interval     direction"]
    for row in explanation.importances.itertuples():
        kind = getattr(row, "kind", "feature")
        name = row.feature if kind == "feature" else f"[group] {row.feature}"
        direction = explanation.used_direction(row.feature, row.mean, row.ci_high) \
            if kind == "feature" else ""
        lines.append(f"{name:<34} {row.mean:>10.3f}   [{row.ci_low:.3f}, {row.ci_high:.3f}]   {direction}")
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
    if len(result.judges) == 1:
        return header + "\n\n" + format_judge(result.judges[0])
    table = _ranked_table(result)
    if not trees:
        return table
    ranked = sorted(result.judges, key=lambda e: -e.extra.get("agreement_with_label", -1.0))
    return "\n\n".join([header, table, *(format_judge(e) for e in ranked)])


def _ranked_table(result: ExplainResult) -> str:
    lines = [f"{len(result.judges)} judges on {len(result.pairs)} pairs, features: "
             f"{', '.join(result.features.feature_names)}", "",
             f"{'judge':<24} {'pairs':>6} {'tree acc':>9} {'majority':>9} {'best 1-feat':>11} "
             f"{'vs label':>9} {'decided':>8} {'consist.':>9}  top feature"]
    ranked = sorted(result.judges, key=lambda e: -e.extra.get("agreement_with_label", -1.0))
    for e in ranked:
        top = e.importances.iloc[0]
        flag = "" if e.explains_something else "  (!)"
        lines.append(
            f"{e.judge[:24]:<24} {e.tree.n_pairs_:>6} {format_percent(e.cv.accuracy):>9} "
            f"{format_percent(e.cv.majority_baseline):>9} {format_percent(e.cv.best_single_feature['accuracy']):>11} "
            f"{format_percent(e.extra.get('agreement_with_label', np.nan)):>9} "
            f"{format_percent(e.extra.get('agreement_decided', np.nan)):>8} "
            f"{format_percent(e.extra.get('consistency', np.nan)):>9}  {top['feature']} "
            f"({format_number(float(top['mean']))}; {e.directions.get(top['feature'], 'group')}){flag}")
    if any("agreement_with_label" in e.extra for e in ranked):
        lines.append("(vs label: all pairs, a tie on one side counts as a disagreement; decided: "
                     "only the pairs where both the judge and the label have a preference)")
    failing = [e for e in ranked if not e.explains_something]
    for e in failing:
        lines.append(f"(!) {e.judge}: {e.caveat()}")
    return "\n".join(lines)


def _pairs_line(result: ExplainResult) -> str:
    pairs = result.pairs
    line = f"pairs: {pairs.source or pairs.name} ({len(pairs)} pairs, format: {pairs.pairs_format})"
    if pairs.has_labels:
        labels = pairs.as_judgments()
        counts = labels.class_counts()
        line += (f"; label {pairs.label_name!r} read as {pairs.label_format or 'given'}: "
                 f"response_1 better {counts['response_1']}, tie {counts['tie']}, "
                 f"response_2 better {counts['response_2']}")
    return "\n".join([line, *pairs.reading_notes()])
