"""Golden-structure checks of the HTML/SVG (no pixels), escaping, Markdown, and real data."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from preftree.cli import cli
from preftree.errors import InputError
from preftree.report import load_report_data
from preftree.report.svg import tree_svg


def test_tree_diagram_has_one_node_per_tree_node(evil_explain):
    data = load_report_data(evil_explain / "explained")
    for judge in data.judges:
        svg = tree_svg(judge.tree)
        structure = judge.tree.structure_
        assert svg.count('class="tree-node ') == structure.node_count
        assert svg.count('class="tree-node leaf"') == len(structure.leaves)
        assert svg.count('class="edge-line"') == 2 * (structure.node_count - len(structure.leaves))
        for leaf in structure.leaves:
            assert f'data-node="{leaf}"' in svg


def test_page_structure_and_escaping(evil_explain):
    html = (evil_explain / "report.html").read_text()
    data = load_report_data(evil_explain / "explained")
    assert html.count('<section class="judge"') == len(data.judges) == 2
    assert html.count('class="tree-node ') == sum(j.tree.structure_.node_count for j in data.judges)
    assert html.count('<g class="cell">') == 2 * 2  # the 2 × 2 agreement heatmap
    assert re.search(r"<script|<img|<b>bold|onerror=\"", html, re.IGNORECASE) is None
    assert "&lt;script&gt;window.pwned" in html and "&lt;b&gt;bold&lt;/b&gt;-judge" in html
    assert "&lt;/textarea&gt;" in html
    outside = html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # a namespace, not a fetch
    assert "http://" not in outside and "https://" not in outside
    assert re.search(r"<[a-z][^>]*\s(src|href)=", outside) is None  # no tag loads anything


def test_markdown_with_png_figures(evil_explain, tmp_path):
    result = CliRunner().invoke(cli, ["report", str(evil_explain / "explained"), "--format", "md",
                                      "--out", str(tmp_path / "report.md")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "report.md").read_text()
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(figures) == 2 + 2  # importances, agreement, one tree per judge
    for figure in figures:
        assert (tmp_path / figure).read_bytes()[:4] == b"\x89PNG"
    # names from the data are inert: HTML as entities, the Markdown punctuation that acts escaped,
    # and nothing more (a hyphen inside a name is not a list marker)
    assert "<b>" not in text and "<script" not in text.lower()
    assert "&lt;b&gt;bold&lt;/b&gt;-judge" in text


def test_markdown_escapes_no_more_than_needed() -> None:
    from preftree._markup import md_cell, md_escape

    assert md_escape("rmb_matched.jsonl (387 pairs)") == "rmb_matched.jsonl (387 pairs)"
    assert md_cell("length_chars_diff + length_words_diff") == "length_chars_diff + length_words_diff"
    assert md_escape("- a list? *no*") == "\\- a list? \\*no\\*"
    assert md_escape("[click](javascript:x)") == "\\[click\\](javascript:x)"


def test_a_folder_that_is_not_explain_output_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="summary.json: missing; is this a `preftree explain` output"):
        load_report_data(tmp_path)


def test_demo_writes_its_report(tmp_path):
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "demo"), "--resamples", "5",
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "demo" / "report.html").read_text()
    assert html.count('<section class="judge"') == 3 and "agreement with human" in html


def test_llmbar_twelve_judges(shared_data, tmp_path):
    llmbar = shared_data / "llmbar"
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(llmbar / "pairs.jsonl"), "--label-name",
                                      "gold", "--judge", str(llmbar / "judges"), "--features", "style",
                                      "--resamples", "5", "--out", str(tmp_path / "explained"),
                                      "--report", str(tmp_path / "report.html"), "--quiet"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report.html").read_text()
    assert html.count('<section class="judge"') == 12
    assert html.count('<g class="cell">') == 13 * 13  # 12 judges + gold
    summary = json.loads((tmp_path / "explained" / "summary.json").read_text())
    ranked = sorted(summary["judges"], key=lambda j: -j["agreement_with_label"])
    first_row = re.search(r'<table class="summary">.*?<tbody><tr><td>([^<]+)</td>', html, re.S)
    assert first_row.group(1) == ranked[0]["judge"]  # judges ranked by agreement with gold


def test_one_judge_layout(tmp_path, small_pairs_file):
    judge = tmp_path / "judge.jsonl"
    rows = [json.loads(line) for line in small_pairs_file.read_text().splitlines()]
    judge.write_text("".join(json.dumps({"index": r["id"], "preference": r["label"] or 1}) + "\n"
                             for r in rows))
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(small_pairs_file), "--judge", str(judge),
                                      "--features", "columns:helpfulness", "--resamples", "5", "--out",
                                      str(tmp_path / "one"), "--quiet"])
    assert result.exit_code == 0, result.output
    report = CliRunner().invoke(cli, ["report", str(tmp_path / "one"), "--out", str(tmp_path / "r.html")])
    assert report.exit_code == 0, report.output
    html = (tmp_path / "r.html").read_text()
    assert html.count('<section class="judge"') == 1
    import pandas as pd

    agreement = pd.read_csv(tmp_path / "one" / "agreement.csv", index_col=0)  # the judge vs the label
    assert html.count('<g class="cell">') == len(agreement) ** 2


def test_number_like_ids_and_judge_names_survive_the_report(tmp_path):
    import pandas as pd

    ids = [f"{i:03d}" for i in range(30)]
    pd.DataFrame([{"id": i, "prompt": "q", "response_1": "a" * (n % 7 + 1), "response_2": "bb" * (n % 5 + 1)}
                  for n, i in enumerate(ids)]).to_csv(tmp_path / "pairs.csv", index=False)
    judges = tmp_path / "judges"
    judges.mkdir()
    for name, flip in (("007", 1), ("1e3", -1)):
        pd.DataFrame([{"index": i, "preference": flip * (1 if n % 3 else -1)} for n, i in enumerate(ids)]
                     ).to_csv(judges / f"{name}.csv", index=False)
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(tmp_path / "pairs.csv"), "--judge",
                                      str(judges), "--resamples", "3", "--out", str(tmp_path / "out"),
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    data = load_report_data(tmp_path / "out")
    assert sorted(j.name for j in data.judges) == ["007", "1e3"]
    assert sorted(data.agreement.index) == ["007", "1e3"]
    assert sorted(data.judges[0].leaves["id"]) == ids
    assert {e["id"] for e in data.judges[0].examples} <= set(ids)


def test_judges_without_both_orders_get_no_consistency_bar(tmp_path, small_pairs_file):
    import pandas as pd

    from preftree import load_pairs

    ids = load_pairs(small_pairs_file).ids
    pd.DataFrame({"index": ids, "preference": [1 if i % 3 else -1 for i in range(len(ids))]}
                 ).to_csv(tmp_path / "one-order.csv", index=False)
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(small_pairs_file), "--judge",
                                      str(tmp_path / "one-order.csv"), "--features", "columns:helpfulness",
                                      "--resamples", "3", "--out", str(tmp_path / "out"),
                                      "--report", str(tmp_path / "out" / "report.html"), "--quiet"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "out" / "report.html").read_text()
    assert "nan%" not in html and "Position consistency" not in html


def test_the_report_from_memory_equals_the_report_from_the_folder(tmp_path):
    """explain renders its report from the result in memory; ``preftree report DIR`` reads the
    folder back into the same typed object: the two pages are the same."""
    from preftree import ExplainConfig, explain, load_judges, load_pairs
    from preftree.report import load_report_data, render_html, write_outputs
    from preftree.report.data import report_from_result
    from preftree.report.folder import example_records

    from ..conftest import write_jsonl

    rows = [{"id": f"p{i}", "prompt": "q", "response_1": "a" * (i % 9 + 1),
             "response_2": "bb" * (i % 4 + 1), "label": 1 if (i % 4 + 1) * 2 > i % 9 + 1 else -1}
            for i in range(60)]
    pairs_file = write_jsonl(tmp_path / "p.jsonl", rows)
    write_jsonl(tmp_path / "judges" / "j.jsonl",
                [{"index": r["id"], "preference": -r["label"] if i % 5 == 0 else r["label"]}
                 for i, r in enumerate(rows)])
    pairs = load_pairs(pairs_file)
    judges = load_judges([tmp_path / "judges"], pairs=pairs)
    result = explain(pairs, judges, ["style"], ExplainConfig(bootstrap=3, cv=2))
    out = write_outputs(result, tmp_path / "out")
    examples = {e.judge: example_records(e, result) for e in result.judges}
    from_memory = render_html(report_from_result(result, examples, source=out))
    from_folder = render_html(load_report_data(out))
    assert from_memory == from_folder


def test_a_new_section_lands_in_both_formats(evil_explain, tmp_path, monkeypatch):
    from preftree.report import load_report_data, render_html, render_markdown, sections

    class Extra:
        def html(self, data):
            return "<h2>An extra analysis</h2>"

        def markdown(self, data, figures):
            return ["## An extra analysis", ""]

    monkeypatch.setattr(sections, "SECTIONS", [*sections.SECTIONS, Extra()])
    data = load_report_data(evil_explain / "explained")
    assert "<h2>An extra analysis</h2>" in render_html(data)
    assert "## An extra analysis" in render_markdown(data, tmp_path / "r.md").read_text()
