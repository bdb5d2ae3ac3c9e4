"""Writing explain's output folder: summary.json, tree.json, importances.csv, leaves.csv,
examples.jsonl and tree.png per judge, the agreement tables, and the report, all or nothing (one
transaction of :func:`preftree._folders.output_dir`). It renders an :class:`ExplainResult` held in
memory; ``preftree report DIR`` reads the same folder back."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from .._folders import output_dir
from .._markup import csv_frame
from ..explanation.analysis import ExplainResult, JudgeExplanation
from .tree_plot import draw_tree

__all__ = ["judge_folder_name", "output_inputs", "write_outputs"]


RESERVED_NAMES = frozenset({"summary.json", "agreement.csv", "agreement_counts.csv",
                            "agreement_decided.csv", "kappa.csv", "consistency.csv", "report.html",
                            "report.md", "report_figures", "probe.json", ".preftree-manifest.json",
                            "traits.csv", "trait_examples.json", "traits_by_group.csv"})
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


def _write_judge(explanation: JudgeExplanation, folder: Path, result: ExplainResult,
                 examples: list[dict[str, Any]], probes: dict[str, Any] | None = None) -> None:
    from .probes import probe_effects

    folder.mkdir(parents=True, exist_ok=True)
    summary = explanation.summary()
    if probes is not None:  # each probe's effect beside the tree importance of what it edits
        summary["probes"] = probe_effects(probes, explanation)
    summary["feature_specs"] = result.features.specs
    summary["seed"] = result.config.seed
    summary["pairs_format"] = result.pairs.pairs_format
    summary["reading"] = result.pairs.reading_record()
    summary["pairs"] = result.pairs.source
    summary["label"] = result.label_judge
    _dump(folder / "summary.json", summary)
    if explanation.by is not None:
        csv_frame(explanation.by.importances, index=True).to_csv(folder / "importance_by_group.csv",
                                                                 index_label="feature")
        csv_frame(explanation.by.tests).to_csv(folder / "group_tests.csv", index=False)
    explanation.tree.save(folder / "tree.json", metadata={"features": result.features.specs,
                                                           "pairs": result.pairs.source})
    csv_frame(explanation.importances).to_csv(folder / "importances.csv", index=False)
    csv_frame(explanation.leaves).to_csv(folder / "leaves.csv", index=False)
    _write_examples(examples, folder / "examples.jsonl")
    draw_tree(explanation.tree, folder / "tree.png", title=explanation.judge)


EXAMPLES_PER_LEAF = 3
EXAMPLE_CHARS = 2000


def _clip(text: str) -> str:
    return text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS] + " […]"


def example_records(explanation: JudgeExplanation, result: ExplainResult) -> list[dict[str, Any]]:
    """A few pairs per leaf with their texts (clipped) and decision paths, for the report."""
    records = []
    leaves = explanation.leaves
    if explanation.tree.ties == "drop":  # a tie was not fitted: not one of its leaf's n
        leaves = leaves[leaves["preference"] != 0]
    # pairs read for their features keep the texts of a sample: examples come from it
    leaves = leaves[result.pairs.has_texts(leaves["id"].astype(str).tolist())]
    chosen = [row for _, group in leaves.groupby("leaf", sort=True)
              for row in group.head(EXAMPLES_PER_LEAF).itertuples(index=False)]
    diffs = result.features.diffs.loc[[str(row.id) for row in chosen], explanation.tree.feature_names_]
    paths = explanation.tree.explain(diffs) if chosen else []
    for row, path_text in zip(chosen, paths):
        pair = result.pairs[str(row.id)]
        records.append({
            "leaf": int(row.leaf), "id": pair.id, "preference": int(row.preference),
            "p_response_2": float(row.p_response_2), "path": path_text,
            "prompt": _clip(pair.prompt_text()), "response_1": _clip(pair.response_1),
            "response_2": _clip(pair.response_2)})
    return records


def _write_examples(records: list[dict[str, Any]], path: Path) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")


def output_inputs(result: ExplainResult) -> list[str]:
    """The files an explain run read (pairs, scores features, judge files): never outputs."""
    sources = [result.pairs.source, *result.judge_sources]
    sources += [spec.split(":", 1)[1] for spec in result.features.specs if spec.startswith("scores:")]
    return [str(s) for s in sources if s]


def write_outputs(result: ExplainResult, out_dir: str | Path, *, force: bool = False,
                  report: str | None = None, probes: dict[str, Any] | None = None) -> Path:
    """Write all outputs into ``out_dir``, all or nothing (see :func:`preftree._folders.output_dir`:
    only files an earlier preftree run wrote there are replaced; ``force`` allows a folder that
    holds other files, which are left untouched).

    One judge: the files sit in ``out_dir``. Several: one sub-folder per judge, plus
    ``agreement.csv``, ``agreement_counts.csv``, ``consistency.csv`` and an overall ``summary.json``.
    ``report`` (a file name such as ``report.html`` or ``report.md``) is rendered into the folder in
    the same transaction. ``probes`` (a ``preftree probe`` run's ``probe.json``) is kept as
    ``probe.json``, so the report shows each probe beside the trees.
    """
    out_dir = Path(out_dir)
    examples = {e.judge: example_records(e, result) for e in result.judges}
    with output_dir(out_dir, output_inputs(result), force=force) as tmp:
        if len(result.judges) == 1:
            _write_judge(result.judges[0], tmp, result, examples[result.judges[0].judge], probes)
        else:
            folders: dict[str, Any] = {}
            for explanation in result.judges:
                name = judge_folder_name(explanation.judge)
                while name in folders.values() or (report is not None and name == report):
                    name += "_"
                folders[explanation.judge] = name
                _write_judge(explanation, tmp / name, result, examples[explanation.judge], probes)
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
        csv_frame(result.agreement, index=True).to_csv(tmp / "agreement.csv", index_label="judge")
        if not result.trait_metrics.empty:  # Feedback Forensics' metrics, whenever the pairs carry traits
            csv_frame(result.trait_metrics).to_csv(tmp / "traits.csv", index=False)
            _dump(tmp / "trait_examples.json", result.trait_examples)
        if not result.trait_groups.empty:
            csv_frame(result.trait_groups).to_csv(tmp / "traits_by_group.csv", index=False)
        for name, table in (("agreement_counts", result.agreement_counts),
                            ("agreement_decided", result.agreement_decided)):
            csv_frame(table, index=True).to_csv(tmp / f"{name}.csv", index_label="judge")
        csv_frame(result.kappa, index=True).to_csv(tmp / "kappa.csv", index_label="judge")
        if len(result.consistency):
            csv_frame(result.consistency).to_csv(tmp / "consistency.csv", index=False)
        if probes is not None:
            _dump(tmp / "probe.json", probes)
        if report is not None:  # rendered from the result in memory, not read back
            from .data import report_from_result
            from .render import render_html, render_markdown

            data = report_from_result(result, examples, source=Path(out_dir.name), probes=probes)
            if report.lower().endswith(".md"):
                render_markdown(data, tmp / report)
            else:
                (tmp / report).write_text(render_html(data), encoding="utf-8")
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
    headline["top_feature"] = summary["top"]["feature"]
    return headline
