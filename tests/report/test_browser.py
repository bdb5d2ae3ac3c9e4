"""The report in a real headless browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import io


def _open(browser, path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console, errors, requests = [], [], []
    page.on("console", lambda message: console.append((message.type, message.text)))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, console, errors, requests


def test_loads_offline_without_errors_and_draws_figures(browser, evil_explain, tmp_path):
    path = evil_explain / "report.html"
    page, console, errors, requests = _open(browser, path)
    assert errors == [] and [m for m in console if m[0] == "error"] == []
    assert requests == [path.as_uri()]  # nothing fetched beyond the file itself
    boxes = [svg.bounding_box() for svg in page.locator("svg").all()]
    # the heatmap and two trees (these judges were asked in one order: no consistency bars)
    assert len(boxes) >= 3 and all(b is not None and b["width"] > 50 and b["height"] > 20 for b in boxes)
    from PIL import Image, ImageStat

    image = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("L")
    assert ImageStat.Stat(image).stddev[0] > 10  # not a blank page
    page.close()


def test_hostile_text_runs_nothing(browser, evil_explain):
    page, _, errors, _ = _open(browser, evil_explain / "report.html")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    page.wait_for_timeout(200)
    assert page.title() == "preftree report"
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.locator("script").count() == 0 and page.locator("img").count() == 0
    shown = page.inner_text("body")
    assert "<script>window.pwned = 'response'" in shown and "</textarea>" in shown
    assert "<b>bold</b>-judge" in shown and errors == []
    page.close()


def test_prints(browser, evil_explain, tmp_path):
    page, _, _, _ = _open(browser, evil_explain / "report.html")
    pdf = page.pdf(path=str(tmp_path / "report.pdf"))
    assert pdf[:4] == b"%PDF" and len(pdf) > 10_000
    page.close()


def test_labels_unclipped_root_in_view_and_examples_readable(browser, tmp_path):
    """Long judge names are not clipped in the heatmap; a deep tree's root is on screen without
    scrolling sideways; example pairs say which response won and show the path."""
    import numpy as np
    from click.testing import CliRunner

    from preftree.cli import cli

    from ..conftest import write_jsonl

    rng = np.random.default_rng(0)
    rows, judges = [], {"human-annotators-consensus": [], "gpt-4o-2024-11-20-vanilla": [], "w": []}
    for i in range(600):
        ratings = {f"{a}_{s}": int(rng.integers(0, 5)) for a in ("a", "b", "c") for s in (1, 2)}
        rows.append({"id": f"p{i}", "prompt": "q", "response_1": "x " * int(rng.integers(1, 50)),
                     "response_2": "y " * int(rng.integers(1, 50)), **ratings})
        for name in judges:
            signal = (ratings["a_2"] - ratings["a_1"]) * (ratings["b_2"] - ratings["b_1"] + 0.5)
            judges[name].append({"index": f"p{i}", "model": name,
                                 "preference": 1 if signal + rng.normal() > 0 else -1})
    pairs = write_jsonl(tmp_path / "pairs.jsonl", rows)
    for name, verdicts in judges.items():
        write_jsonl(tmp_path / "judges" / f"{name}.jsonl", verdicts)
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(pairs), "--judge", str(tmp_path / "judges"),
                                      "--features", "columns:a,b,c", "--max-depth", "6", "--min-leaf", "1",
                                      "--resamples", "3", "--out", str(tmp_path / "out"),
                                      "--report", str(tmp_path / "report.html"), "--quiet"])
    assert result.exit_code == 0, result.output
    page, _, errors, _ = _open(browser, tmp_path / "report.html")
    assert errors == []
    clipped = page.evaluate("""() => {
        const out = [];
        for (const svg of document.querySelectorAll('svg.heatmap')) {
            const box = svg.getBoundingClientRect();
            for (const t of svg.querySelectorAll('text')) {
                const r = t.getBoundingClientRect();
                if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
                    || r.bottom > box.bottom + 1) out.push(t.textContent);
            }
        }
        return out;
    }""")
    assert clipped == []
    root = page.locator("section.judge svg.tree g.tree-node[data-node='0']").first
    root.scroll_into_view_if_needed()
    box, viewport = root.bounding_box(), page.viewport_size
    assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= viewport["width"]
    assert page.evaluate("window.scrollX") == 0  # reached by scrolling down only
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    text = page.inner_text("section.judge")
    assert "preferred response_" in text and "path: response_" in text
    assert "judge's preference: -1" not in text
    page.close()


def test_header_legend_groups_and_no_sideways_scroll(browser, tmp_path):
    """The header names the pairs read, the label's reading and the judges; every figure shares
    one colour scale with a legend; a --by section is shown; at 800 and 1280 px the page never
    scrolls sideways (wide tables scroll inside their own box). Checked in Chromium."""
    import json

    from click.testing import CliRunner

    from preftree.cli import cli

    from ..conftest import write_jsonl

    rows, judges = [], {"a-very-long-judge-name-that-makes-the-table-wide-gpt-4o-2024": [], "short": []}
    for i in range(120):
        a, b = i % 17 + 1, (i * 7) % 13 + 1
        rows.append({"prompt": f"q{i}", "response 1": "w " * a, "response 2": "w " * b,
                     "scenario": "writing" if i % 2 else "coding", "label": [0, 1, 2][i % 3]})
        for name in judges:
            judges[name].append({"index": str(i + 1), "model": name, "preference": 1 if b > a else -1})
    pairs = write_jsonl(tmp_path / "autoj.jsonl", rows)
    for name, verdicts in judges.items():
        write_jsonl(tmp_path / "judges" / f"{name}.jsonl", verdicts)
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(pairs), "--judge", str(tmp_path / "judges"),
                                      "--label-map", "0=response_1,1=response_2,2=tie", "--by", "scenario",
                                      "--permutations", "50", "--cv", "3", "--resamples", "3",
                                      "--out", str(tmp_path / "out"), "--report",
                                      str(tmp_path / "report.html"), "--quiet"])
    assert result.exit_code == 0, result.output
    for width in (800, 1280):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto((tmp_path / "report.html").as_uri())
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.close()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((tmp_path / "report.html").as_uri())
    header = page.inner_text("table.facts")
    assert "autoj.jsonl" in header and "read as map (stated with --label-map)" in header
    assert "id 3: 2 → tie" in header and "a-very-long-judge-name" in header
    assert page.locator("svg.legend").count() >= 2
    assert page.locator("h4:has-text('By scenario')").count() == 2
    page.close()
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["reading"]["label"]["format"] == "map"


def test_probe_effects_beside_tree_importance(browser, tmp_path):
    """explain --probe-dir: each probe's flip rate sits beside the tree importance of the features
    it edits, for the judge of the same name; hostile names stay text."""
    import json

    from click.testing import CliRunner

    from preftree.cli import cli
    from preftree.judges.local_server import LocalJudgeServer

    from ..probes.test_probe import probe_pairs

    pairs = probe_pairs(tmp_path, 12)
    name = "<img src=x onerror=window.pwned=1>"
    rows = [json.loads(line) for line in pairs.read_text().splitlines()]
    judge_file = tmp_path / "judge.csv"
    judge_file.write_text("index,model,preference\n" + "".join(
        f'{r["id"]},"{name}",{1 if len(r["response_2"]) > len(r["response_1"]) else -1}\n' for r in rows))
    with LocalJudgeServer(mode="longer") as server:
        probed = CliRunner().invoke(cli, ["probe", "--pairs", str(pairs), "--judge-model", "m",
                                          "--judge-name", name, "--base-url", server.url,
                                          "--api-key-env", "PREFTREE_TEST_KEY", "--probe", "length",
                                          "--probe", "markdown", "--out", str(tmp_path / "probe"),
                                          "--quiet"], env={"PREFTREE_TEST_KEY": "k"})
    assert probed.exit_code == 0, probed.output
    out = tmp_path / "explain"
    explained = CliRunner().invoke(cli, ["explain", "--pairs", str(pairs), "--judge", str(judge_file),
                                         "--probe-dir", str(tmp_path / "probe"), "--out", str(out),
                                         "--report", str(out / "report.html"), "--quiet"])
    assert explained.exit_code == 0, explained.output
    page, _, errors, _ = _open(browser, out / "report.html")
    assert errors == [] and page.evaluate("typeof window.pwned") == "undefined"
    table = page.locator("table.probes")
    assert table.count() == 1 and table.bounding_box()["width"] > 300
    cells = [[c.inner_text() for c in row.locator("td").all()] for row in table.locator("tbody tr").all()]
    length_loser = next(c for c in cells if c[:2] == ["length", "loser"])
    assert length_loser[3].startswith("100.0%") and length_loser[4] == "0.0%"
    assert length_loser[6].startswith("1.00 (length_chars_diff")  # the tree splits on length alone
    assert next(c for c in cells if c[:2] == ["markdown", "loser"])[3].startswith("0.0%")
    assert name in page.inner_text("h3 >> nth=0") or name in page.inner_text("body")
    page.close()
    # the report re-rendered from the folder shows the same section
    again = CliRunner().invoke(cli, ["report", str(out), "--out", str(tmp_path / "again.md")])
    assert again.exit_code == 0, again.output
    markdown = (tmp_path / "again.md").read_text()
    assert "## Probes" in markdown and "<img" not in markdown


def test_winrate_page_ranking_and_coefficient_plot(browser, tmp_path):
    """`preftree report winrate.json`: the ranking before and after style control and the
    coefficient plot render; a hostile model name stays text."""
    from click.testing import CliRunner

    from preftree.cli import cli

    from ..winrate.test_cli import battles

    hostile = "<img src=x onerror=window.pwned=1>"
    frame = battles(300).replace({"delta": hostile})
    path = tmp_path / "battles.jsonl"
    frame.to_json(path, orient="records", lines=True)
    out = tmp_path / "winrate.csv"
    made = CliRunner().invoke(cli, ["winrate", str(path), "--baseline", "gamma", "--resamples", "10",
                                    "--quiet", "--out", str(out)])
    assert made.exit_code == 0, made.output
    shown = CliRunner().invoke(cli, ["report", str(out.with_suffix(".json")), "--out", str(tmp_path / "w.html")])
    assert shown.exit_code == 0, shown.output
    page, console, errors, requests = _open(browser, tmp_path / "w.html")
    assert errors == [] and page.evaluate("typeof window.pwned") == "undefined"
    assert page.locator("img").count() == 0 and page.locator("script").count() == 0
    rows = [[c.inner_text() for c in r.locator("td").all()] for r in page.locator("table.winrate tbody tr").all()]
    assert {r[0] for r in rows} == {"alpha", "beta", "gamma", hostile}
    beta = next(r for r in rows if r[0] == "beta")
    assert beta[8].startswith("-") or beta[8] == "0"  # its header bonus is taken away
    plot = page.locator("svg.coefficients")
    assert plot.count() == 1 and plot.bounding_box()["width"] > 300
    assert page.locator("svg.coefficients circle").count() >= 2
    assert "What the judge rewards beyond the controlled features" in page.inner_text("body")
    page.close()


def test_explain_prints_the_probe_table_and_keeps_it_in_summary(tmp_path):
    """explain --probe-dir puts the probe table in the terminal and in summary.json, as the README
    says (issue 27, item 4); no browser needed."""
    import json

    from click.testing import CliRunner

    from preftree.cli import cli
    from preftree.judges.local_server import LocalJudgeServer

    from ..probes.test_probe import probe_pairs

    pairs = probe_pairs(tmp_path, 12)
    rows = [json.loads(line) for line in pairs.read_text().splitlines()]
    judge_file = tmp_path / "judge.csv"
    judge_file.write_text("index,model,preference\n" + "".join(
        f'{r["id"]},m,{1 if len(r["response_2"]) > len(r["response_1"]) else -1}\n' for r in rows))
    with LocalJudgeServer(mode="longer") as server:
        probed = CliRunner().invoke(cli, ["probe", "--pairs", str(pairs), "--judge-model", "m", "--base-url",
                                          server.url, "--api-key-env", "PREFTREE_TEST_KEY", "--probe", "length",
                                          "--probe", "authority", "--probe", "same", "--out",
                                          str(tmp_path / "probe"), "--quiet"], env={"PREFTREE_TEST_KEY": "k"})
    assert probed.exit_code == 0, probed.output
    explained = CliRunner().invoke(cli, ["explain", "--pairs", str(pairs), "--judge", str(judge_file), "--cv", "3",
                                         "--probe-dir", str(tmp_path / "probe"), "--out", str(tmp_path / "ex")])
    assert explained.exit_code == 0, explained.output
    assert "probes beside the tree of m" in explained.output and "tree importance" in explained.output
    length_line = next(line for line in explained.output.splitlines() if line.startswith("m ") and " length " in line)
    assert "100.0%" in length_line and "(length_chars_diff" in length_line
    summary = json.loads((tmp_path / "ex" / "summary.json").read_text())
    by_probe = {(r["probe"], r["target"]): r for r in summary["probes"]}
    assert by_probe[("length", "loser")]["tree_importance"] == 1.0
    assert by_probe[("authority", "loser")]["length_matched_n"] > 0
    assert "first_position_share" in by_probe[("same", "pair")]["measure"]


def test_a_newcomers_report_fits_at_1280_and_800(browser, shared_data, tmp_path):
    """Issue 27, item 5: twelve LLMBar judges and the gold label, style features: the importance
    matrix has no hidden columns at 1280 or 800 px, the heatmap's cells are large enough to read,
    and two explain folders make one report (each judge named by its folder). Screenshots of both
    widths are taken and checked not blank."""
    from click.testing import CliRunner
    from PIL import Image, ImageStat

    from preftree.cli import cli

    llmbar = shared_data / "llmbar"
    out = tmp_path / "llmbar"
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(llmbar / "pairs.jsonl"), "--label-name", "gold",
                                      "--judge", str(llmbar / "judges"), "--features", "style", "--resamples", "5",
                                      "--out", str(out), "--report", str(tmp_path / "report.html"), "--quiet"])
    assert result.exit_code == 0, result.output
    for width in (1280, 800):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto((tmp_path / "report.html").as_uri())
        page.wait_for_load_state("load")
        overflow = page.evaluate("""() => [...document.querySelectorAll('.figure')]
            .filter(f => f.querySelector('table.matrix, table.summary'))
            .map(f => f.scrollWidth - f.clientWidth)""")
        assert overflow and max(overflow) <= 1, (width, overflow)
        cell = page.evaluate("() => document.querySelector('svg.heatmap rect').getBoundingClientRect().width")
        assert cell >= 40, cell
        shot = tmp_path / f"report-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        image = Image.open(shot).convert("L")
        assert image.size[0] == width and ImageStat.Stat(image).stddev[0] > 10
        page.close()
    # a second folder beside it: one report
    natural = tmp_path / "natural.jsonl"
    natural.write_text("".join(line + "\n" for line in (llmbar / "pairs.jsonl").read_text().splitlines()
                               if '"llmbar-natural"' in line))
    second = tmp_path / "natural"
    assert CliRunner().invoke(cli, ["explain", "--pairs", str(natural), "--label-name", "gold", "--features",
                                    "style", "--resamples", "5", "--out", str(second), "--quiet"]).exit_code == 0
    both = CliRunner().invoke(cli, ["report", str(out), str(second), "--out", str(tmp_path / "both.html")])
    assert both.exit_code == 0, both.output
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((tmp_path / "both.html").as_uri())
    text = page.inner_text("table.summary")
    assert "llmbar: GPT-4-Vanilla" in text and "natural: gold" in text
    page.close()


def test_the_trait_section_shows_strengths_sorts_without_script_and_opens_examples(browser, tmp_path) -> None:
    """An AnnotatedPairs file whose principle text is hostile HTML: the report's trait section
    shows each judge's strengths with intervals, switches order by CSS alone (no script), and
    a trait opens onto the pairs where it agrees and disagrees with the judge."""
    import json as _json

    from click.testing import CliRunner

    from preftree.cli import cli
    from preftree.data.annotated_pairs import annotator_id

    hostile = "uses <script>window.pwned=1</script> more"
    principles = {annotator_id(f"Select the response that {d}"): d for d in ("is more concise", hostile)}
    comparisons = []
    for i in range(12):
        short_first = i % 3 != 0
        annotations = {"d": {"pref": "a" if i % 2 else "b"}}
        for pid, text in principles.items():
            annotations[pid] = {"pref": ("a" if short_first else "b") if text == "is more concise" else
                                ("b" if i % 4 == 0 else None)}
        comparisons.append({"id": f"c{i}", "prompt": f"question {i}", "annotations": annotations,
                            "response_a": {"text": "short" if short_first else "a much longer answer " * 3},
                            "response_b": {"text": "a much longer answer " * 3 if short_first else "short"}})
    data = {"metadata": {"version": "2.0", "default_annotator": "d"},
            "annotators": {"d": {"name": "human", "type": "human"},
                           **{pid: {"description": f"Select the response that {d}", "type": "principle"}
                              for pid, d in principles.items()}},
            "comparisons": comparisons}
    path = tmp_path / "ap.json"
    path.write_text(_json.dumps(data))
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--cv", "2", "--resamples", "2",
                                      "--max-depth", "1", "--out", str(tmp_path / "e"),
                                      "--report", str(tmp_path / "e" / "report.html"), "--quiet"])
    assert result.exit_code == 0, result.output
    page, _, errors, requests = _open(browser, tmp_path / "e" / "report.html")
    if True:
        assert page.locator("script").count() == 0 and page.evaluate("window.pwned") is None
        assert errors == [] and all(r.startswith("file:") for r in requests)
        section = page.locator("h2", has_text="Traits")
        assert section.count() == 1
        visible = page.locator(".sorted .view:visible table.traits")
        assert visible.count() == 1
        import pandas as pd

        metrics = pd.read_csv(tmp_path / "e" / "traits.csv")
        first_judge = metrics[metrics["judge"] == metrics["judge"].iloc[0]]
        strongest = first_judge.loc[first_judge["strength"].abs().idxmax(), "trait"]
        first = visible.locator("tbody tr").first.locator("summary").inner_text()
        assert first == strongest  # strongest first
        page.locator("label", has_text="by name").first.click()
        by_name = page.locator(".sorted .view:visible table.traits tbody tr").first.locator("summary").inner_text()
        assert by_name == "is_more_concise"  # alphabetical: is_more_concise before uses_script...
        page.locator(".sorted .view:visible summary").first.click()
        opened = page.locator(".sorted .view:visible details[open] .example")
        assert opened.count() >= 1 and "question" in opened.first.inner_text()
        names = page.locator(".sorted .view:visible summary").all_inner_texts()
        assert any("script" in n for n in names)  # the hostile principle is a name shown as text
