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

__all__ = ["JudgeReport", "ReportData", "header_facts", "load_report_data"]


@dataclass
class JudgeReport:
    """One judge's explain results."""

    name: str
    folder: Path
    summary: dict[str, Any]
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

    @property
    def label(self) -> str | None:
        return self.overview.get("label")

    def ranked(self) -> list[JudgeReport]:
        """Judges by agreement with the label (when there is one), else in file order."""
        if not any("agreement_with_label" in j.summary for j in self.judges):
            return list(self.judges)
        return sorted(self.judges, key=lambda j: -float(j.summary.get("agreement_with_label", -1.0)))


def header_facts(data: ReportData) -> list[tuple[str, str]]:
    """What the report is about, as (name, plain text) for both renderers to escape: the pairs
    read, how their label was read (with an example per class), the judges, the features."""
    overview = data.overview
    reading = overview.get("reading") or {}
    n_pairs = overview.get("n_pairs") or data.judges[0].summary.get("n_pairs")
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
    features = overview.get("features") or data.judges[0].summary.get("features", [])
    facts.append(("features", ", ".join(map(str, features))))
    return facts


def beats_baselines(summary: dict[str, Any]) -> str:
    """Whether a judge's tree explains more than its baselines, in words, for the report tables."""
    if "beats_majority" not in summary:
        return "n/a"
    if not summary["beats_majority"]:
        return "no: not above the majority"
    return "yes" if summary.get("beats_best_single_feature") else "no: not above one feature"


def verdict_counts(summary: dict[str, Any]) -> str:
    """``response_1 / tie / response_2`` verdict counts of a judge ("" when unknown)."""
    counts = summary.get("class_counts") or {}
    return " / ".join(str(counts.get(k, 0)) for k in ("response_1", "tie", "response_2")) if counts else ""


def _json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("missing; is this a `preftree explain` output folder?", path=path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON ({exc.msg})", path=path, line=exc.lineno) from None


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
    return JudgeReport(str(summary.get("judge", folder.name)), folder, summary,
                       PreferenceTree.load(folder / "tree.json"),
                       _csv(folder / "importances.csv") if (folder / "importances.csv").exists()
                       else pd.DataFrame(summary.get("importances", [])),
                       _csv(folder / "leaves.csv") if (folder / "leaves.csv").exists()
                       else pd.DataFrame(columns=["id", "preference", "leaf", "p_response_2"]),
                       examples)


def load_report_data(folder: str | Path) -> ReportData:
    """Read ``preftree explain --out FOLDER`` (one judge at the top, or one sub-folder each)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("not a folder (expected the output of `preftree explain`)", path=folder)
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
    return ReportData(folder, judges, _csv(folder / "agreement.csv", index=True),
                      _csv(folder / "agreement_counts.csv", index=True),
                      _csv(folder / "consistency.csv"), overview)
