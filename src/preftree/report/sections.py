"""The report as a list of sections: each renders itself as HTML and as Markdown from the same
:class:`ReportData` (in memory or read back from a folder), so a new analysis adds one section
object to :data:`SECTIONS` and both formats show it."""

from __future__ import annotations

from html import escape
from typing import Protocol

from .._markup import md_escape
from .._version import __version__
from ..tree.text import format_percent as _pct
from .data import ReportData, beats_baselines, header_facts, verdict_counts
from .groups import groups_markdown, groups_section
from .html import consistency_rows, judge_section, matrix_table, summary_table
from .probes import ProbeSection
from .rmbench import RMBenchSection
from .svg import bars_svg, heatmap_svg, legend_svg
from .traits import TraitSection
from .winrate import WinRateSection

__all__ = ["SECTIONS", "Section"]

Figures = dict[str, str]  # figure name → its path relative to the Markdown file


class Section(Protocol):
    """One part of the report, in both formats ("" / [] when it has nothing to show)."""

    def html(self, data: ReportData) -> str: ...

    def markdown(self, data: ReportData, figures: Figures) -> list[str]: ...


class Header:
    """What the report is about: pairs read, the label's reading, judges, features."""

    def html(self, data: ReportData) -> str:
        facts = "".join(f"<tr><th>{escape(n)}</th><td>{escape(t)}</td></tr>" for n, t in header_facts(data))
        return (f'<div class="figure"><table class="facts"><tbody>{facts}</tbody></table></div>'
                f'<p class="muted">Each tree splits on Δ = feature(response_2) − feature(response_1). '
                f'From <code>{escape(data.source.name)}</code>, preftree {escape(__version__)}.</p>')

    def markdown(self, data: ReportData, figures: Figures) -> list[str]:
        return [*(f"- **{md_escape(n)}**: {md_escape(t)}" for n, t in header_facts(data)), "",
                "Trees split on Δ = feature(response_2) − feature(response_1). Figures share one "
                "colour scale, 0 (white) to 1 (dark blue), shown beside each.", ""]


class Judges:
    """One row per judge: its tree against the baselines, agreement, consistency."""

    def html(self, data: ReportData) -> str:
        return f'<h2>Judges</h2><div class="figure">{summary_table(data)}</div>'

    def markdown(self, data: ReportData, figures: Figures) -> list[str]:
        head = ["judge", "pairs", "verdicts r1 / tie / r2", "tree accuracy (CV)", "majority",
                "best single feature", "explains more than a baseline"]
        head += [f"agreement with {md_escape(data.label)}"] if data.label else []
        head += ["consistency", "top feature"]
        lines = ["## Judges", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for judge in data.ranked():
            s = judge.summary
            cells = [md_escape(judge.name), str(s.n_pairs or ""), verdict_counts(s),
                     _pct(s.cv_accuracy), _pct(s.majority_baseline),
                     f"{_pct(s.best_single_feature.get('accuracy'))} "
                     f"({md_escape(s.best_single_feature.get('feature', ''))})", beats_baselines(s)]
            cells += [_pct(s.label_figures.get("agreement_with_label"))] if data.label else []
            cells += [_pct(s.consistency), md_escape(s.top_feature)]
            lines.append("| " + " | ".join(cells) + " |")
        return [*lines, ""]


class Importances:
    """Judges × features: mean importance over bootstrap refits, with the colour scale."""

    def html(self, data: ReportData) -> str:
        return ("<h2>Feature importances</h2><p class=\"muted\">Share of each tree's log-loss "
                "reduction, mean over bootstrap refits with the 95% interval.</p>"
                f'<div class="figure">{matrix_table(data)}</div>'
                f'<div class="figure">{legend_svg("importance")}</div>')

    def markdown(self, data: ReportData, figures: Figures) -> list[str]:
        return ["## Feature importances", "", f"![importances]({figures['importances']})", ""]


class Agreement:
    """D(A, B) between judges (several judges only)."""

    def html(self, data: ReportData) -> str:
        if data.agreement is None or len(data.agreement) < 2:
            return ""
        return ("<h2>Agreement between judges</h2><p class=\"muted\">D(A, B): share of common "
                "pairs with the same preference (a tie against a preference is a disagreement); "
                "judges ordered by clustering.</p>"
                f'<div class="figure">{heatmap_svg(data.agreement, data.agreement_counts)}</div>'
                f'<div class="figure">{legend_svg("agreement D(A, B)")}</div>')

    def markdown(self, data: ReportData, figures: Figures) -> list[str]:
        if "agreement" not in figures:
            return []
        return ["## Agreement between judges", "", f"![agreement]({figures['agreement']})", ""]


class Consistency:
    """Position consistency of the judges asked in both orders."""

    def html(self, data: ReportData) -> str:
        c = consistency_rows(data)
        if c is None:
            return ""
        return ("<h2>Position consistency</h2><p class=\"muted\">Bars: share of pairs whose verdict "
                "survives swapping the order. Red marks: share of per-order verdicts for the response "
                "shown first (dashed line: no position bias).</p>"
                '<div class="figure">' + bars_svg([str(n) for n in c["judge"]], c["consistency"].tolist(),
                                                  c["prefers_first_shown"].tolist()) + "</div>")

    def markdown(self, data: ReportData, figures: Figures) -> list[str]:
        c = consistency_rows(data)
        if c is None:
            return []
        rows = [f"| {md_escape(j)} | {_pct(v)} | {_pct(f)} |" for j, v, f in
                zip(c["judge"], c["consistency"], c["prefers_first_shown"])]
        return ["## Position consistency", "", "| judge | consistency under swap | verdicts for "
                "the response shown first |", "|---|---|---|", *rows, ""]


class Groups:
    """``explain --by``: per judge, its groups, the effect-differs test and the changes."""

    def html(self, data: ReportData) -> str:
        parts = [f"<h3>{escape(j.name)}</h3>{groups_section(j.summary)}" for j in data.ranked()
                 if j.summary.by]
        return f"<h2>By group</h2>{''.join(parts)}" if parts else ""

    def markdown(self, data: ReportData, figures: Figures) -> list[str]:
        parts = [line for j in data.ranked() if j.summary.by
                 for line in (f"### {md_escape(j.name)}", "", *groups_markdown(j.summary))]
        return ["## By group", "", *parts] if parts else []


class PerJudge:
    """Each judge's tree, importances with directions, baselines and example pairs."""

    def html(self, data: ReportData) -> str:
        return "<h2>Per judge</h2>" + "".join(judge_section(j, i) for i, j in enumerate(data.ranked()))

    def markdown(self, data: ReportData, figures: Figures) -> list[str]:
        lines = ["## Trees", ""]
        for i, judge in enumerate(data.ranked()):
            name = md_escape(judge.name)
            caveat = judge.summary.caveat
            lines += [f"### {name}", ""]
            lines += [f"> **Read with care:** {md_escape(caveat)}", ""] if caveat else []
            lines += [f"![tree of {name}]({figures[f'tree_{i}']})", ""]
        return lines


SECTIONS: list[Section] = [Header(), Judges(), Importances(), ProbeSection(), TraitSection(), WinRateSection(),
                           RMBenchSection(), Agreement(),
                           Consistency(), Groups(), PerJudge()]
"""The report, in order; both renderers iterate it."""

STANDALONE: tuple[type, ...] = (WinRateSection, RMBenchSection)
"""Sections that make a page of their own, without an explain folder (``preftree report winrate.json``)."""
