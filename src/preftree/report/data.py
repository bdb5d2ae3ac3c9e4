"""Reading an explain output folder into one object the renderers share (no refitting here)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..data.files import read_table
from ..errors import InputError
from ..tree import PreferenceTree

__all__ = ["JudgeReport", "JudgeSummary", "ReportData", "header_facts", "load_report_data",
           "report_from_result"]


LABEL_FIGURES = ("agreement_with_label", "n_with_label", "agreement_decided", "n_decided", "kappa",
                 "order_averaged_accuracy", "both_orders_correct", "positional_agreement")
"""A judge's figures against the label (see :func:`preftree.explanation.agreement.label_agreement`)."""


@dataclass
class JudgeSummary:
    """One judge's summary, typed: what every renderer reads, whether the result is in memory or
    read back from ``summary.json``."""

    judge: str
    n_pairs: int | None = None
    n_ties_dropped: int = 0
    depth: int | None = None
    features: list[str] = field(default_factory=list)
    cv_accuracy: float | None = None
    cv_accuracy_ci: list[float] = field(default_factory=lambda: [float("nan"), float("nan")])
    majority_baseline: float | None = None
    best_single_feature: dict[str, Any] = field(default_factory=dict)
    beats_majority: bool | None = None
    beats_best_single_feature: bool | None = None
    caveat: str | None = None
    class_counts: dict[str, int] = field(default_factory=dict)
    label_format: str | None = None
    importances: list[dict[str, Any]] = field(default_factory=list)
    feature_groups: list[dict[str, Any]] = field(default_factory=list)
    label_figures: dict[str, float] = field(default_factory=dict)
    consistency: float | None = None
    prefers_first_shown: float | None = None
    by: str | None = None
    groups: list[dict[str, Any]] = field(default_factory=list)
    group_tests: list[dict[str, Any]] = field(default_factory=list)
    group_changes: list[str] = field(default_factory=list)
    reading: dict[str, Any] = field(default_factory=dict)
    pairs: str | None = None
    label: str | None = None
    top: dict[str, Any] = field(default_factory=dict)  # the top row (a feature or a group) and its direction

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, default_name: str = "judge") -> JudgeSummary:
        """From the record :meth:`JudgeExplanation.summary` makes (and ``summary.json`` holds)."""
        names = {f for f in cls.__dataclass_fields__ if f not in ("judge", "label_figures")}
        values = {k: data[k] for k in names if data.get(k) is not None}
        return cls(judge=str(data.get("judge", default_name)),
                   label_figures={k: data[k] for k in LABEL_FIGURES if k in data}, **values)

    @property
    def top_feature(self) -> str:
        """The row the terminal names too (summary.json's ``top``; older files: the first feature)."""
        if isinstance(self.top, dict) and isinstance(self.top.get("feature"), str):
            return self.top["feature"]
        return str(self.importances[0]["feature"]) if self.importances else ""


@dataclass
class JudgeReport:
    """One judge's explain results."""

    name: str
    folder: Path | None
    summary: JudgeSummary
    tree: PreferenceTree
    importances: pd.DataFrame
    leaves: pd.DataFrame
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ReportData:
    """Everything explain wrote: per-judge results, agreement and consistency tables."""

    source: Path
    judges: list[JudgeReport]
    agreement: pd.DataFrame | None
    agreement_counts: pd.DataFrame | None
    consistency: pd.DataFrame | None
    overview: dict[str, Any]
    probes: dict[str, Any] | None = None  # a `preftree probe` run's probe.json, shown beside the trees
    winrate: dict[str, Any] | None = None  # a `preftree winrate` run's winrate.json
    traits: pd.DataFrame | None = None  # traits.csv: Feedback Forensics' metrics per judge and trait
    trait_examples: dict[str, Any] = field(default_factory=dict)  # trait_examples.json, for the viewer
    trait_groups: pd.DataFrame | None = None  # traits_by_group.csv (explain --by)
    rm_bench: list[dict[str, Any]] = field(default_factory=list)  # `rewardbench --benchmark rm-bench` results
    rm_bench_published: dict[str, dict[str, Any]] = field(default_factory=dict)  # model key → published row

    @property
    def label(self) -> str | None:
        return self.overview.get("label")

    def ranked(self) -> list[JudgeReport]:
        """Judges by agreement with the label (when there is one), else in file order."""
        if not any("agreement_with_label" in j.summary.label_figures for j in self.judges):
            return list(self.judges)
        return sorted(self.judges,
                      key=lambda j: -float(j.summary.label_figures.get("agreement_with_label", -1.0)))


def header_facts(data: ReportData) -> list[tuple[str, str]]:
    """What the report is about, as (name, plain text) for both renderers to escape: the pairs
    read, how their label was read (with an example per class), the judges, the features."""
    overview = data.overview
    reading = overview.get("reading") or {}
    n_pairs = overview.get("n_pairs") or data.judges[0].summary.n_pairs
    pairs = f"{overview.get('pairs') or 'pairs'} ({n_pairs} pairs"
    pairs += f", layout {overview['pairs_format']}" if overview.get("pairs_format") else ""
    skipped = (reading.get("skipped") or {}).get("count", 0)
    pairs += f"; {skipped} row(s) that could not form a pair skipped)" if skipped else ")"
    facts = [("pairs read", pairs)]
    label = reading.get("label") or {}
    if data.label:
        text = f"{data.label}"
        if label:
            meanings = ", ".join(f"{k} → {v}" for k, v in list(label.get("meanings", {}).items())[:6])
            examples = "; ".join(f"id {e['id']}: {e['value']} → {e['read_as']}"
                                 for e in label.get("examples", []))
            text += f", column {label.get('column')!r} read as {label.get('format')} " \
                    f"({label.get('how')}): {meanings}" + (f"; e.g. {examples}" if examples else "")
        elif overview.get("label_format"):
            text += f" ({overview['label_format']})"
        facts.append(("label", text))
    facts.append(("judges", ", ".join(j.name for j in data.judges)))
    features = overview.get("features") or data.judges[0].summary.features
    facts.append(("features", ", ".join(map(str, features))))
    return facts


def beats_baselines(summary: JudgeSummary) -> str:
    """Whether a judge's tree explains more than its baselines, in words, for the report tables."""
    if summary.beats_majority is None:
        return "n/a"
    if not summary.beats_majority:
        return "no: not above the majority"
    return "yes" if summary.beats_best_single_feature else "no: not above one feature"


def verdict_counts(summary: JudgeSummary) -> str:
    """``response_1 / tie / response_2`` verdict counts of a judge ("" when unknown)."""
    counts = summary.class_counts
    return " / ".join(str(counts.get(k, 0)) for k in ("response_1", "tie", "response_2")) if counts else ""


SUMMARY_LIMIT = 256 << 20
"""Largest summary.json read (bytes)."""


def _json(path: Path) -> dict[str, Any]:
    from .._inputs import read_input_text

    if not path.exists() and not path.is_symlink():
        raise InputError("missing; is this a `preftree explain` output folder?", path=path)
    try:
        document = json.loads(read_input_text(path, limit=SUMMARY_LIMIT, what="summary.json"))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON ({exc.msg})", path=path, line=exc.lineno) from None
    except RecursionError:
        raise InputError("invalid JSON (nested too deeply)", path=path) from None
    if not isinstance(document, dict):
        raise InputError("expected a JSON object (preftree explain's summary.json)", path=path)
    return document


def _csv(path: Path, index: bool = False) -> pd.DataFrame | None:
    """A table explain wrote, ids and judge names read back as the strings they were."""
    if not path.exists():
        return None
    frame = read_table(path, text_columns=("judge", "feature")).frame
    return frame.set_index(frame.columns[0]) if index else frame


def _judge(folder: Path) -> JudgeReport:
    summary = _json(folder / "summary.json")
    examples_file = folder / "examples.jsonl"
    examples = read_table(examples_file).frame.to_dict("records") if examples_file.exists() else []
    typed = JudgeSummary.from_dict(summary, default_name=folder.name)
    return JudgeReport(typed.judge, folder, typed,
                       PreferenceTree.load(folder / "tree.json"),
                       _csv(folder / "importances.csv") if (folder / "importances.csv").exists()
                       else pd.DataFrame(summary.get("importances", [])),
                       _csv(folder / "leaves.csv") if (folder / "leaves.csv").exists()
                       else pd.DataFrame(columns=["id", "preference", "leaf", "p_response_2"]),
                       examples)


def load_report_data(folder: str | Path) -> ReportData:
    """Read ``preftree explain --out FOLDER`` (one judge at the top, or one sub-folder each)."""
    from .._folders import check_whole

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("not a folder (expected the output of `preftree explain`)", path=folder)
    check_whole(folder)
    top = _json(folder / "summary.json")
    if "judges" in top:
        judges = [_judge(folder / str(entry["folder"])) for entry in top["judges"]]
        overview = top
    else:
        judges = [_judge(folder)]
        overview = {"n_pairs": top.get("n_pairs"), "features": top.get("features", []),
                    "feature_specs": top.get("feature_specs", []), "label": top.get("label"),
                    "pairs": top.get("pairs"), "label_format": top.get("label_format"),
                    "pairs_format": top.get("pairs_format"), "reading": top.get("reading")}
    from .probes import load_probe_document

    probes = load_probe_document(folder) if (folder / "probe.json").is_file() else None
    from .traits import load_trait_files

    traits, examples = load_trait_files(folder)
    from .traits import load_trait_groups

    return ReportData(folder, judges, _csv(folder / "agreement.csv", index=True),
                      _csv(folder / "agreement_counts.csv", index=True),
                      _csv(folder / "consistency.csv"), overview, probes, traits=traits, trait_examples=examples,
                      trait_groups=load_trait_groups(folder))


def merge_report_data(parts: list[ReportData]) -> ReportData:
    """Several explain folders as one report (datasets side by side, as Feedback Forensics shows
    them): each judge named ``folder: judge``; agreement only within a folder (across folders the
    pairs differ, so those cells stay empty); probes and overview of the first folder."""
    if len(parts) == 1:
        return parts[0]
    names = [p.source.name or str(p.source) for p in parts]
    names = [n if names.count(n) == 1 else str(p.source) for n, p in zip(names, parts)]
    judges: list[Any] = []
    agreement: list[Any] = []
    counts: list[Any] = []
    consistency: list[Any] = []
    for name, part in zip(names, parts):
        rename = {j.name: f"{name}: {j.name}" for j in part.judges}
        for judge in part.judges:
            judges.append(JudgeReport(rename[judge.name], judge.folder, judge.summary, judge.tree,
                                      judge.importances, judge.leaves, judge.examples))
        named = {**{str(j): f"{name}: {j}" for frame in (part.agreement, part.agreement_counts)
                    if frame is not None for j in [*frame.index, *frame.columns]}, **rename}
        for frame, into in ((part.agreement, agreement), (part.agreement_counts, counts)):
            if frame is not None and len(frame):
                into.append(frame.rename(index=named, columns=named))
        if part.consistency is not None and len(part.consistency):
            consistency.append(part.consistency.assign(judge=[f"{name}: {j}" for j in part.consistency["judge"]])
                               if "judge" in part.consistency else part.consistency)
    overview = {**parts[0].overview, "pairs": "; ".join(f"{n}: {p.overview.get('pairs') or 'pairs'}"
                                                        for n, p in zip(names, parts)),
                "n_pairs": sum(int(p.overview.get("n_pairs") or 0) for p in parts) or None,
                "features": list(dict.fromkeys(f for p in parts for f in (p.overview.get("features") or [])))}
    if len({p.overview.get("label") for p in parts}) > 1:
        overview["label"] = None  # labels of different names: no one "agreement with" column
    traits = [p.traits.assign(judge=[f"{n}: {j}" for j in p.traits["judge"]])
              for n, p in zip(names, parts) if p.traits is not None and len(p.traits)]
    examples = {f"{n}: {j}": value for n, p in zip(names, parts) for j, value in p.trait_examples.items()}
    return ReportData(Path(" + ".join(names)), judges, pd.concat(agreement) if agreement else None,
                      pd.concat(counts) if counts else None, pd.concat(consistency, ignore_index=True)
                      if consistency else None, overview, parts[0].probes,
                      traits=pd.concat(traits, ignore_index=True) if traits else None, trait_examples=examples)


def report_from_result(result: Any, examples: dict[str, list[dict[str, Any]]] | None = None, *,
                       source: Path | None = None, probes: dict[str, Any] | None = None) -> ReportData:
    """The same :class:`ReportData` from an :class:`~preftree.explanation.ExplainResult` held in
    memory (explain renders its report this way; ``preftree report DIR`` reads the folder)."""
    examples = examples or {}
    judges = [JudgeReport(e.judge, None, JudgeSummary.from_dict(
                  {**e.summary(), "reading": result.pairs.reading_record(),
                   "pairs": result.pairs.source, "label": result.label_judge}),
                  e.tree, e.importances, e.leaves, examples.get(e.judge, []))
              for e in result.judges]
    overview = {"n_pairs": len(result.pairs), "features": result.features.feature_names,
                "feature_specs": result.features.specs, "label": result.label_judge,
                "pairs": result.pairs.source, "label_format": result.pairs.label_format,
                "pairs_format": result.pairs.pairs_format, "reading": result.pairs.reading_record()}
    return ReportData(source or Path("explain"), judges, result.agreement, result.agreement_counts,
                      result.consistency if len(result.consistency) else None, overview, probes,
                      traits=result.trait_metrics if len(result.trait_metrics) else None,
                      trait_examples=result.trait_examples,
                      trait_groups=result.trait_groups if len(result.trait_groups) else None)
