"""The self-contained HTML report: inline CSS and SVG, no script, no external fetch.

Every value that comes from the data (judge and feature names, prompts, responses) is escaped, so
a response holding ``<script>`` or ``</textarea>`` is shown as text and runs nothing.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import pandas as pd

from ..tree.text import format_percent as _pct
from .data import JudgeReport, ReportData, beats_baselines, verdict_counts
from .svg import shade, tree_svg

__all__ = ["CSS", "consistency_rows", "importance_matrix", "judge_section", "matrix_table",
           "summary_table"]

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;
color:#1a1a1a;line-height:1.45;padding:0 1rem}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}
table{border-collapse:collapse;font-size:.9rem;margin:.6rem 0}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
.matrix{table-layout:fixed;width:100%}.matrix th,.matrix td{overflow-wrap:break-word;font-size:.8rem}
.matrix td{text-align:center}.matrix small{display:block;font-size:.65rem;opacity:.8}
.matrix th:first-child,.matrix td:first-child{width:9rem}
.summary{table-layout:fixed;width:100%}.summary th:first-child{width:11%}.summary th:last-child{width:16%}.summary th,.summary td{overflow-wrap:break-word;font-size:.82rem}
svg.heatmap text.small{font-size:12px}
.figure{overflow-x:auto;margin:.8rem 0}svg text{font-size:11px;fill:#1a1a1a}svg text.small{font-size:10px}
svg text.edge{font-size:10px;fill:#666}.muted{color:#666}
pre{white-space:pre-wrap;word-break:break-word;background:#f7f7f7;padding:.5rem;border-radius:4px;
max-height:18rem;overflow:auto;font-size:.8rem}
details{margin:.3rem 0}summary{cursor:pointer}
.sorted>.view{display:none}.sorted>input.sort{margin-left:.8rem}
.sorted>input.sort:checked+label+.view{display:block}
.traits td:first-child{text-align:left;max-width:36rem}.example{font-size:.8rem;margin:.3rem 0;text-align:left;
overflow-wrap:anywhere}.ci{position:relative;width:8rem;height:.8rem;background:#f1f1f1}
.ci span{position:absolute;top:.2rem;height:.4rem;background:#7aa6d8}.ci i{position:absolute;top:0;width:2px;
height:.8rem;background:#1a1a1a}
.judge{page-break-inside:avoid}
.facts th{text-align:left;font-weight:600;white-space:nowrap}.facts td{text-align:left}
.warning{background:#fff4e5;border-left:4px solid #e08a00;padding:.4rem .6rem}
@media print{details{display:block}details>*{display:block}.figure{overflow:visible}body{margin:0}}
"""


_VERDICT_WORDS = {-1: "response_1", 1: "response_2", 0: "neither (a tie)"}


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _e_name(value: Any) -> str:
    """A feature name, escaped, that may break after "_", "/" or "-" to fit a narrow column."""
    return _e(value).replace("_", "_<wbr>").replace("/", "/<wbr>").replace("-", "-<wbr>")




def importance_matrix(data: ReportData) -> tuple[list[str], list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Judges × features: mean importance and its 95% interval, features by overall importance."""
    judges = [j.name for j in data.ranked()]
    frames = {j.name: (j.importances[j.importances["kind"] == "feature"] if "kind" in j.importances
                       else j.importances).set_index("feature") for j in data.judges}
    features = sorted({f for frame in frames.values() for f in frame.index},
                      key=lambda f: -sum(float(frames[j]["mean"].get(f, 0.0)) for j in judges))
    shape = (len(judges), len(features))
    mean, low, high = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for i, judge in enumerate(judges):
        frame = frames[judge]
        for k, feature in enumerate(features):
            if feature in frame.index:
                mean[i, k] = frame.at[feature, "mean"]
                low[i, k] = frame.at[feature, "ci_low"] if "ci_low" in frame else np.nan
                high[i, k] = frame.at[feature, "ci_high"] if "ci_high" in frame else np.nan
    return judges, features, mean, low, high


def summary_table(data: ReportData) -> str:
    label = data.label
    head = ["judge", "pairs", "verdicts r1 / tie / r2", "depth", "tree accuracy (CV)",
            "95% interval", "majority", "best single feature", "explains more than a baseline"]
    if label:
        head.append(f"agreement with {label}")
    head += ["consistency under swap", "top feature"]
    rows = []
    for judge in data.ranked():
        s = judge.summary
        ci, best = s.cv_accuracy_ci, s.best_single_feature
        cells = [judge.name, s.n_pairs or "", verdict_counts(s), s.depth or "",
                 _pct(s.cv_accuracy), f"{_pct(ci[0])} – {_pct(ci[1])}",
                 _pct(s.majority_baseline),
                 f"{_pct(best.get('accuracy'))} ({best.get('feature', '')})",
                 beats_baselines(s)]
        if label:
            cells.append(_pct(s.label_figures.get("agreement_with_label")))
        cells += [_pct(s.consistency), s.top_feature]
        rows.append("<tr>" + "".join(f"<td>{_e(c) if i == 0 else _e_name(c)}</td>" for i, c in enumerate(cells))
                    + "</tr>")
    return ('<table class="summary"><thead><tr>' + "".join(f"<th>{_e(h)}</th>" for h in head) +
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def matrix_table(data: ReportData) -> str:
    judges, features, mean, low, high = importance_matrix(data)
    head = "<tr><th>judge</th>" + "".join(f"<th>{_e_name(f)}</th>" for f in features) + "</tr>"
    rows = []
    for i, judge in enumerate(judges):
        cells = []
        for k, feature in enumerate(features):
            value, band = mean[i, k], f"[{low[i, k]:.2f}, {high[i, k]:.2f}]"
            color = "#ffffff" if value > 0.55 else "#1a1a1a"
            cells.append(f'<td style="background:{shade(value)};color:{color}" '
                         f'title="{_e(judge)} · {_e(feature)}: {value:.3f}, 95% interval {band}">'
                         f"{value:.2f}<small>{band}</small></td>")
        rows.append(f"<tr><td>{_e(judge)}</td>{''.join(cells)}</tr>")
    return f'<table class="matrix"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def judge_section(judge: JudgeReport, index: int) -> str:
    s = judge.summary
    ci, best = s.cv_accuracy_ci, s.best_single_feature
    baselines = [("tree (cross-validated)", f"{_pct(s.cv_accuracy)} [{_pct(ci[0])}, {_pct(ci[1])}]"),
                 ("majority class", _pct(s.majority_baseline)),
                 (f"best single feature: {best.get('feature', '')} ({best.get('direction', '')})",
                  _pct(best.get("accuracy")))]
    for key, name in (("agreement_with_label", "agreement with the label (a tie on one side "
                                               "counts as a disagreement)"),
                      ("agreement_decided", "agreement where both have a preference"),
                      ("order_averaged_accuracy", "order-averaged accuracy (LLMBar's Acc.)"),
                      ("both_orders_correct", "right in both orders"),
                      ("positional_agreement", "positional agreement (LLMBar's Agr.)"),
                      ("consistency", "consistency under swap"),
                      ("prefers_first_shown", "verdicts for the response shown first")):
        figures = {**s.label_figures, "consistency": s.consistency,
                   "prefers_first_shown": s.prefers_first_shown}
        if figures.get(key) is not None:
            n = {"agreement_with_label": figures.get("n_with_label"),
                 "agreement_decided": figures.get("n_decided")}.get(key)
            baselines.append((name, _pct(figures[key]) + (f" of {n} pairs" if n is not None else "")))
    if "kappa" in s.label_figures:
        baselines.append(("Cohen's kappa with the label", f"{s.label_figures['kappa']:.2f}"))
    rows = "".join(f"<tr><td>{_e(a)}</td><td>{_e(b)}</td></tr>" for a, b in baselines)
    examples = _examples(judge)
    caveat = s.caveat
    warning = f'<p class="warning"><b>Read with care:</b> {_e(caveat)}</p>' if caveat else ""
    fmt = f", verdict format {_e(s.label_format)}" if s.label_format else ""
    directions = "".join(
        f"<tr><td>{_e(i['feature'])}</td><td>{i['mean']:.2f} [{i['ci_low']:.2f}, {i['ci_high']:.2f}]</td>"
        f"<td>{_e(i.get('direction') or '')}</td><td>{_e(i.get('group') or '')}</td></tr>"
        for i in s.importances[:6])
    groups = "".join(
        f"<tr><td>{_e(' + '.join(g['features']))}</td><td>{g['mean']:.2f} [{g['ci_low']:.2f}, "
        f"{g['ci_high']:.2f}]</td><td>{_e(g.get('direction') or '')}</td><td>group of near-duplicates</td></tr>"
        for g in s.feature_groups)
    return (f'<section class="judge" id="judge-{index}"><h3>{_e(judge.name)}</h3>{warning}'
            f'<p class="muted">{_e(s.n_pairs or "")} pairs, {_e(s.n_ties_dropped)} ties '
            f'dropped, depth {_e(s.depth or "")}; verdicts response_1 / tie / response_2: '
            f'{_e(verdict_counts(s))}{fmt}. Left branch = condition true.</p>'
            f'<div class="figure">{tree_svg(judge.tree)}</div>'
            f'<details><summary>the tree in words</summary><pre>{_e(judge.tree.export_text())}</pre></details>'
            f'<div class="figure"><table class="importances"><thead><tr><th>feature</th>'
            f'<th>importance [95%]</th><th>direction</th><th>group</th></tr></thead><tbody>'
            f'{directions}{groups}</tbody></table></div>'
            f'<div class="figure"><table class="baselines"><tbody>{rows}</tbody></table></div>'
            f'{examples}</section>')


def _examples(judge: JudgeReport) -> str:
    if not judge.examples:
        return ""
    frame = pd.DataFrame(judge.examples)
    parts = ["<h4>Example pairs per leaf</h4>"]
    for leaf, group in frame.groupby("leaf", sort=True):
        p = float(group["p_response_2"].iloc[0])
        parts.append(f"<details><summary>leaf {int(leaf)}: P(response_2 better) = {p:.2f} — "
                     f"{len(group)} example(s)</summary>")
        for row in group.itertuples(index=False):
            path = getattr(row, "path", None)
            path_html = f'<p class="muted">path: {_e(path)}</p>' if isinstance(path, str) else ""
            parts.append(f"<p><b>{_e(row.id)}</b> — {_e(judge.name)} preferred "
                         f"<b>{_e(_VERDICT_WORDS.get(int(row.preference), row.preference))}</b></p>"
                         f"{path_html}<p>prompt</p><pre>{_e(row.prompt)}</pre>"
                         f"<p>response_1</p><pre>{_e(row.response_1)}</pre>"
                         f"<p>response_2</p><pre>{_e(row.response_2)}</pre>")
        parts.append("</details>")
    return "".join(parts)


def consistency_rows(data: ReportData) -> Any:
    """The judges asked in both orders (only they have a consistency), or None."""
    c = None if data.consistency is None else data.consistency[data.consistency["consistency"].notna()]
    return c if c is not None and len(c) else None
