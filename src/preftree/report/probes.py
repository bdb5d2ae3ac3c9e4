"""The probes beside the trees: each probe's flip rate for a judge next to the tree importance of
the features the probe edits, so an observational split and an intervention read side by side."""

from __future__ import annotations

import json
import math
from html import escape
from pathlib import Path
from typing import Any

from .._markup import md_cell, md_escape
from ..errors import InputError
from ..probes.text import headline

__all__ = ["ProbeSection", "load_probe_document", "matching_importance", "probe_effects"]

PROBE_JSON_LIMIT = 64 << 20
"""Largest probe.json read (bytes)."""

_RECORD_KEYS = {"judge": str, "probe": str, "target": str, "n": int}
_NUMBERS = ("flip_rate", "null_flip_rate", "mean_shift", "first_position_share", "mean_length_change",
            "length_matched_flip_rate")
_SHARES = ("flip_rate", "null_flip_rate", "first_position_share", "length_matched_flip_rate")


def _check_record(record: Any, where: str) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise InputError(f"{where}: a record must be an object")
    for key, kind in _RECORD_KEYS.items():
        if not isinstance(record.get(key), kind) or isinstance(record.get(key), bool):
            raise InputError(f"{where}: {key!r} must be {kind.__name__}, got {record.get(key)!r}")
    for key in _NUMBERS:
        value = record.get(key)
        if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool)
                                  or not math.isfinite(value)):
            raise InputError(f"{where}: {key!r} must be a finite number or null, got {value!r}")
    for key in _SHARES:
        value = record.get(key)
        if value is not None and not 0 <= value <= 1:
            raise InputError(f"{where}: {key!r} is a share, in [0, 1]; got {value!r}")
    if record["n"] < 0:
        raise InputError(f"{where}: 'n' counts pairs, got {record['n']!r}")
    for key in ("flip_rate_ci", "null_flip_rate_ci"):
        value = record.get(key)
        if value is not None and not (isinstance(value, list) and len(value) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v <= 1
                for v in value) and value[0] <= value[1]):
            raise InputError(f"{where}: {key!r} must be [low, high] within [0, 1] or null, got {value!r}")
    features = record.get("features", [])
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise InputError(f"{where}: 'features' must be a list of names")
    return record


def load_probe_document(source: str | Path) -> dict[str, Any]:
    """``probe.json`` of a ``preftree probe`` folder (or the file), checked record by record."""
    path = Path(source)
    if path.is_dir():
        path = path / "probe.json"
    from .._folders import check_whole
    from .._inputs import read_input_text

    check_whole(path.parent)
    if not path.exists() and not path.is_symlink():
        raise InputError("missing; is this a `preftree probe` output folder?", path=path)
    text = read_input_text(path, limit=PROBE_JSON_LIMIT, what="probe.json")
    try:
        document = json.loads(text, parse_constant=lambda c: float("nan"))
    except (ValueError, RecursionError) as exc:
        raise InputError(f"not JSON ({str(exc)[:200]})", path=path) from None
    if not isinstance(document, dict) or not isinstance(document.get("records"), list):
        raise InputError("expected an object with a 'records' list (preftree probe's probe.json)", path=path)
    document["records"] = [_check_record(r, f"{path}: records[{i}]") for i, r in enumerate(document["records"])]
    return document


def matching_importance(judge: Any, features: list[str]) -> tuple[float | None, list[str]]:
    """The summed tree importance of a judge's features that a probe edits (a feature named
    ``length_chars_diff`` matches the probe feature ``length_chars``); ``None`` when none is in
    the tree's features."""
    if judge is None or not features:
        return None, []
    frame = judge.importances
    if "kind" in frame:
        frame = frame[frame["kind"] == "feature"]
    column = "mean" if "mean" in frame else "importance"
    matched = [(str(f), float(v)) for f, v in zip(frame["feature"], frame[column])
               if any(str(f) == name or str(f).startswith(name + "_") for name in features)]
    if not matched:
        return None, []
    return sum(v for _, v in matched), [f for f, _ in matched]


def probe_effects(document: dict[str, Any] | None, judge: Any) -> list[dict[str, Any]]:
    """The probe records of ``judge`` (by name; all records when no record names it and the run
    probed one judge), each with the tree importance of the features it edits beside it: what
    ``explain --probe-dir`` prints and keeps in ``summary.json``."""
    records = (document or {}).get("records", [])
    own = [r for r in records if r["judge"] == judge.judge]
    if not own and len({r["judge"] for r in records}) == 1:
        own = records
    out = []
    for record in own:
        importance, matched = matching_importance(judge, record.get("features") or [])
        out.append({**record, "tree_importance": importance, "matched_features": matched})
    return out


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{float(value):.1%}"


def _ci(value: Any) -> str:
    return f" [{value[0]:.0%}, {value[1]:.0%}]" if value else ""


def _rows(data: Any) -> list[tuple[str, list[str]]]:
    """(judge, cells) per probe record, in the renderers' plain text."""
    judges = {j.name: j for j in data.judges}
    rows = []
    for record in (data.probes or {}).get("records", []):
        importance, matched = matching_importance(judges.get(record["judge"]), record.get("features") or [])
        shift = record.get("mean_shift")
        measure, value, interval = headline(record)
        extra = []
        if record["probe"] == "same" and record.get("flip_rate") is not None:
            extra.append(f"picks a side in {record['flip_rate']:.1%}")
        elif record.get("first_position_share") is not None:
            extra.append(f"first-position share {record['first_position_share']:.1%}")
        change = record.get("mean_length_change")
        if change is not None:
            extra.append(f"adds {change:+.0f} characters on average")
        if record.get("length_matched_n"):
            extra.append(f"length-matched filler flips {_pct(record.get('length_matched_flip_rate'))}")
        if record.get("note"):
            extra.append(str(record["note"]))
        rows.append((record["judge"], [
            record["probe"], record["target"], str(record["n"]),
            ("" if measure == "flip rate" else f"{measure}: ") + value + (f" {interval}" if interval else ""),
            "" if record.get("null_n") is None else _pct(record.get("null_flip_rate")),
            "" if shift is None else f"{shift:+.3f} {record.get('shift_unit') or ''}".strip(),
            "" if importance is None else f"{importance:.2f} ({', '.join(matched)})",
            "; ".join(extra)]))
    return rows


HEAD = ["probe", "target", "n", "flip rate [95% CI] (order, same: as labelled)", "null edit", "mean shift",
        "tree importance of the edited features", "notes"]


class ProbeSection:
    """Probe effects per judge, beside the tree's importance of the features each probe edits."""

    def html(self, data: Any) -> str:
        rows = _rows(data)
        if not rows:
            return ""
        parts = ['<h2 id="probes">Probes: interventions beside the tree</h2>',
                 '<p class="muted">A flip: after the edit the judge prefers the response that lost '
                 "before. Read each flip rate against the null edit's.</p>"]
        for judge in dict.fromkeys(j for j, _ in rows):
            body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>"
                           for name, cells in rows if name == judge)
            head = "".join(f"<th>{escape(h)}</th>" for h in HEAD)
            parts.append(f'<h3>{escape(judge)}</h3><div class="figure"><table class="probes">'
                         f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")
        return "".join(parts)

    def markdown(self, data: Any, figures: dict[str, str]) -> list[str]:
        rows = _rows(data)
        if not rows:
            return []
        lines = ["## Probes: interventions beside the tree", "",
                 "A flip: after the edit the judge prefers the response that lost before.", ""]
        for judge in dict.fromkeys(j for j, _ in rows):
            lines += [f"### {md_escape(judge)}", "", "| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
            lines += ["| " + " | ".join(md_cell(c) for c in cells) + " |" for name, cells in rows if name == judge]
            lines.append("")
        return lines
