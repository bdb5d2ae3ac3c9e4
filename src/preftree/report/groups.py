"""The report section of ``explain --by COLUMN``: one row per group (its tree's accuracy against
its majority, its top feature, or why it has no tree), the test of whether each feature's effect
differs across groups, and the groups where the conclusion changes."""

from __future__ import annotations

from html import escape

from .._markup import md_cell
from ..tree.text import format_percent
from .data import JudgeSummary

__all__ = ["group_rows", "groups_markdown", "groups_section"]


def group_rows(summary: JudgeSummary) -> list[list[str]]:
    """Plain cells: group, pairs, tree accuracy, majority, top feature (or the reason)."""
    rows = []
    for group in summary.groups:
        if "skipped" in group:
            rows.append([str(group["group"]), str(group["n"]), "", "", f"no tree: {group['skipped']}"])
        elif group.get("beats_majority") is False:  # its splits are no finding: no top feature shown
            rows.append([str(group["group"]), str(group["n"]), format_percent(group["cv_accuracy"]),
                         format_percent(group["majority_baseline"]),
                         "(!) no better than its majority: its splits are not a finding"])
        else:
            rows.append([str(group["group"]), str(group["n"]), format_percent(group["cv_accuracy"]),
                         format_percent(group["majority_baseline"]),
                         f"{group['top_feature']} ({group['top_direction']})"])
    return rows


def _test_rows(summary: JudgeSummary) -> list[list[str]]:
    return [[str(t["feature"]), f"{t['p_value']:.3g}", f"{t['p_holm']:.3g}"]
            for t in summary.group_tests[:8]]


HEAD = ["group", "pairs", "tree accuracy (CV)", "majority", "top feature"]
TEST_HEAD = ["feature", "p (permutation)", "p (Holm-corrected)"]


def groups_section(summary: JudgeSummary) -> str:
    """The HTML section, or "" without ``--by``."""
    if not summary.by:
        return ""

    def table(head: list[str], rows: list[list[str]]) -> str:
        return ('<div class="figure"><table class="groups"><thead><tr>'
                + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr></thead><tbody>"
                + "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
                          for row in rows) + "</tbody></table></div>")

    changes = "".join(f"<li>{escape(c)}</li>" for c in summary.group_changes)
    return (f"<h4>By {escape(str(summary.by))}</h4>" + table(HEAD, group_rows(summary))
            + ("<p>Does a feature's effect differ across groups? A permutation test of the spread "
               "of its lean across groups:</p>" + table(TEST_HEAD, _test_rows(summary))
               if summary.group_tests else "")
            + (f"<p>The conclusion changes in:</p><ul>{changes}</ul>" if changes else ""))


def groups_markdown(summary: JudgeSummary) -> list[str]:
    """The same as Markdown lines ([] without ``--by``)."""
    if not summary.by:
        return []
    lines = [f"#### By {md_cell(summary.by)}", "", "| " + " | ".join(HEAD) + " |",
             "|" + "---|" * len(HEAD)]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in group_rows(summary)]
    if summary.group_tests:
        lines += ["", "| " + " | ".join(TEST_HEAD) + " |", "|" + "---|" * len(TEST_HEAD)]
        lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in _test_rows(summary)]
    lines += [f"- conclusion changes in {md_cell(c)}" for c in summary.group_changes]
    return lines + [""]
