"""AnnotatedPairs (Feedback Forensics / ICAI) read as they write it, its principles' strengths
equal to Feedback Forensics' formulas computed by hand, written back so the round trip holds, and
every malformed file a clear error or a counted skip."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import preftree
from preftree.cli import cli
from preftree.data.annotated_pairs import annotator_id, read_annotated_pairs, to_annotated_pairs
from preftree.explanation.traits import trait_metrics

CONCISE, LISTS = "Select the response that is more concise", "Select the response that uses more lists"
DEFAULT = "ba751e7b"  # ICAI's default annotator id: md5 of its description


def _file(tmp_path: Path, version: str = "2.0", **change: object) -> Path:
    """An AnnotatedPairs file in the schema ICAI's annotated_pairs_format writes (v2: response
    objects; v1: text_a / text_b with 'text_a' / 'text_b' preferences)."""
    prefs = [("a", "b", None), ("b", "b", "a"), ("a", "a", "a"), ("b", "a", None), ("a", "b", "b"), ("b", "b", "b")]
    comparisons = []
    for i, (label, concise, lists) in enumerate(prefs):
        def ann(p: str | None) -> dict:
            if p is None:
                return {"pref": None, "no_pref_reason": "not_applicable"}
            return {"pref": p if version.startswith("2") else f"text_{p}"}
        texts = ({"response_a": {"text": f"answer a{i}", "model": "m1"}, "response_b": {"text": f"answer b{i}", "model": "m2"}}
                 if version.startswith("2") else {"text_a": f"answer a{i}", "text_b": f"answer b{i}"})
        comparisons.append({"id": f"c{i}", "prompt": f"question {i}", **texts,
                            "annotations": {DEFAULT: ann(label), annotator_id(CONCISE): ann(concise),
                                            annotator_id(LISTS): ann(lists), "5ad2c3f1": ann("a" if i % 3 else "b")},
                            "metadata": {"index": i}})
    data = {"metadata": {"version": version, "description": "test", "created_at": "2025-05-07T18:35:36Z",
                         "dataset_name": "fixture", "default_annotator": DEFAULT,
                         "available_metadata_keys_per_comparison": ["index"]},
            "annotators": {DEFAULT: {"name": "preferred_text", "description": "Default annotator from original "
                                     "dataset (from column `preferred_text`)", "type": "unknown"},
                           annotator_id(CONCISE): {"description": CONCISE, "type": "principle"},
                           annotator_id(LISTS): {"description": LISTS, "type": "principle"},
                           "5ad2c3f1": {"name": "human_pref", "description": "Column", "type": "human"}},
            "comparisons": comparisons}
    data.update(change)
    path = tmp_path / "annotated_pairs.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_strengths_equal_feedback_forensics_formulas(tmp_path: Path, version: str) -> None:
    read = read_annotated_pairs(_file(tmp_path, version))
    assert [p.label for p in read.pairs] == [-1, 1, -1, 1, -1, 1]
    assert [j.judge for j in read.judges] == ["human_pref"]
    metrics = trait_metrics(read.traits, [read.pairs.as_judgments()]).set_index("trait")
    # concise vs the label: agree on c1, c2, c4? (b,b) (a,a) ... by hand: c0 a/b dis, c1 b/b agr, c2 a/a agr,
    # c3 b/a dis, c4 a/b dis, c5 b/b agr -> 3 agree, 3 disagree of 6
    concise = metrics.loc["is_more_concise"]
    assert (concise.agree, concise.disagree, concise.not_applicable) == (3, 3, 0)
    assert concise.accuracy == 0.5 and concise.kappa == 0 and concise.strength == 0 and concise.relevance == 1
    lists = metrics.loc["uses_more_lists"]  # c1 a vs b dis, c2 a/a agr, c4 b vs a dis, c5 b/b agr; 2 n/a
    assert (lists.agree, lists.disagree, lists.not_applicable) == (2, 2, 2)
    assert lists.relevance == pytest.approx(4 / 6) and lists.strength == pytest.approx(0.0)
    assert lists.strength_low < 0 < lists.strength_high and lists.p_value == pytest.approx(1.0)


def test_explain_reads_the_file_unchanged_and_writes_traits_csv(tmp_path: Path) -> None:
    path = _file(tmp_path)
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--cv", "2", "--resamples", "2",
                                      "--max-depth", "1", "--out", str(tmp_path / "e"), "--quiet"])
    assert result.exit_code == 0, result.output
    rows = (tmp_path / "e" / "traits.csv").read_text().splitlines()
    assert rows[0] == ("judge,trait,n,agree,disagree,not_applicable,accuracy,relevance,kappa,strength,"
                       "strength_low,strength_high,p_value")
    assert {r.split(",")[0] for r in rows[1:]} == {"human_pref", "preferred_text"}  # a judge and the label


def test_annotate_output_round_trips(tmp_path: Path) -> None:
    read = read_annotated_pairs(_file(tmp_path))
    document = to_annotated_pairs(read.pairs, read.traits, read.trait_descriptions, read.judges)
    again_path = tmp_path / "again.json"
    again_path.write_text(json.dumps(document))
    again = read_annotated_pairs(again_path)
    assert again.traits.fillna(9).equals(read.traits.fillna(9))
    assert [p.label for p in again.pairs] == [p.label for p in read.pairs]
    assert [len(j) for j in again.judges] == [len(j) for j in read.judges]
    assert document["metadata"]["version"] == "2.0"
    assert all(a["type"] in ("principle", "human", "unknown") for a in document["annotators"].values())


@pytest.mark.parametrize(("change", "message"), [
    ({"metadata": {"version": "3.0", "default_annotator": DEFAULT}}, "version"),
    ({"annotators": {DEFAULT: {"type": "unknown"}}}, "does not declare"),
])
def test_malformed_files_are_clear_errors(tmp_path: Path, change: dict, message: str) -> None:
    with pytest.raises(preftree.InputError, match=message):
        read_annotated_pairs(_file(tmp_path, **change))


def test_duplicate_ids_and_odd_values(tmp_path: Path) -> None:
    path = _file(tmp_path)
    data = json.loads(path.read_text())
    data["comparisons"].append(data["comparisons"][0])
    path.write_text(json.dumps(data))
    with pytest.raises(preftree.InputError, match="appears twice"):
        read_annotated_pairs(path)
    data["comparisons"].pop()
    data["comparisons"][0]["annotations"][annotator_id(CONCISE)] = {"pref": "maybe"}
    data["comparisons"][1]["annotations"][annotator_id(LISTS)] = {"pref": math.nan}
    path.write_text(json.dumps(data))
    read = read_annotated_pairs(path)
    assert read.skipped["trait: pref 'maybe' is not a, b, text_a, text_b or null"] == 1
    assert math.isnan(read.traits.loc["c0", "is_more_concise"]) and read.traits.loc["c1", "uses_more_lists"] == 0


def test_a_file_written_by_icais_own_code_reads_with_the_formulas_strengths(tmp_path: Path) -> None:
    """ICAI's ``create_annotated_pairs`` (PyPI ``inverse-cai``) writes the file; preftree's
    strengths equal the formula applied to ICAI's own votes (True: the principle agrees with the
    reference preference). Skipped where inverse-cai is not installed: its package pulls
    langchain and friends, which CI does not install."""
    annotated_pairs_format = pytest.importorskip(
        "inverse_cai.data.annotated_pairs_format",
        reason="needs ICAI's own writer (pip install inverse-cai); CI does not install it")
    frame = pd.DataFrame({"text_a": [f"answer a{i}" for i in range(8)], "text_b": [f"answer b{i}" for i in range(8)],
                          "input": [f"q{i}" for i in range(8)],
                          "preferred_text": ["text_a", "text_b", "text_a", "text_b", "text_a", "text_b", "text_b",
                                             "text_a"]})
    principles = {0: CONCISE, 1: LISTS}
    votes = {i: {0: [True, False, True, None, True, False, True, "invalid"][i],
                 1: [None, True, True, False, None, None, True, True][i]} for i in range(8)}
    data = annotated_pairs_format.create_annotated_pairs(frame, "fixture", principle_index_to_text=principles,
                                                          comparison_votes=votes)
    path = tmp_path / "icai.json"
    path.write_text(json.dumps(data))
    read = read_annotated_pairs(path)
    metrics = trait_metrics(read.traits, [read.pairs.as_judgments()]).set_index("trait")
    for index, column in ((0, "is_more_concise"), (1, "uses_more_lists")):
        agree = sum(votes[i][index] is True for i in range(8))
        disagree = sum(votes[i][index] is False for i in range(8))
        assert (metrics.loc[column, "agree"], metrics.loc[column, "disagree"]) == (agree, disagree)
        assert metrics.loc[column, "strength"] == pytest.approx((agree - disagree) / 8)


def test_two_datasets_side_by_side_in_one_report(tmp_path: Path) -> None:
    """Feedback Forensics' multi-dataset view: two explain folders in one report, every trait a
    row, each dataset's judges a column of strengths; the Markdown report lists them too."""
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        source = _file(folder)
        result = CliRunner().invoke(cli, ["explain", "--pairs", str(source), "--cv", "2", "--resamples", "2",
                                          "--max-depth", "1", "--out", str(tmp_path / f"e-{name}"), "--quiet"])
        assert result.exit_code == 0, result.output
    data = preftree.report([tmp_path / "e-first", tmp_path / "e-second"], out=tmp_path / "both.html")
    assert set(data.traits["judge"]) == {"e-first: human_pref", "e-first: preferred_text",
                                         "e-second: human_pref", "e-second: preferred_text"}
    page = (tmp_path / "both.html").read_text()
    assert page.count("<th>e-first: preferred_text</th>") >= 1 and "<th>e-second: human_pref</th>" in page
    markdown = preftree.report(tmp_path / "e-first", out=tmp_path / "one.md")
    assert markdown.traits is not None and "## Traits" in (tmp_path / "one.md").read_text()


def test_traits_by_group_are_the_formulas_within_each_group(tmp_path: Path) -> None:
    """With --by, traits_by_group.csv holds the same metrics within each group, and the report
    shows the groups as columns."""
    path = _file(tmp_path)
    data = json.loads(path.read_text())
    for i, comparison in enumerate(data["comparisons"]):
        comparison["metadata"]["task"] = "math" if i < 3 else "chat"
    path.write_text(json.dumps(data))
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--cv", "2", "--resamples", "2",
                                      "--max-depth", "1", "--by", "task", "--min-group", "2",
                                      "--out", str(tmp_path / "e"), "--report", str(tmp_path / "e" / "r.html"),
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    groups = pd.read_csv(tmp_path / "e" / "traits_by_group.csv")
    concise = groups[(groups["judge"] == "preferred_text") & (groups["trait"] == "is_more_concise")].set_index("group")
    # by hand: c0 dis, c1 agr, c2 agr (math); c3 dis, c4 dis, c5 agr (chat)
    assert (concise.loc["math", "agree"], concise.loc["math", "disagree"]) == (2, 1)
    assert (concise.loc["chat", "agree"], concise.loc["chat", "disagree"]) == (1, 2)
    assert "preferred_text · math" in (tmp_path / "e" / "r.html").read_text()


def test_judges_of_one_name_stay_apart_and_traits_of_one_question_keep_their_ids(tmp_path: Path) -> None:
    path = _file(tmp_path)
    data = json.loads(path.read_text())
    data["annotators"]["5ad2c3f1"]["name"] = "preferred_text"  # a judge named like the label
    path.write_text(json.dumps(data))
    read = read_annotated_pairs(path)
    assert [j.judge for j in read.judges] == ["preferred_text (5ad2c3f1)"]
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--cv", "2", "--resamples", "2",
                                      "--max-depth", "1", "--out", str(tmp_path / "e"), "--quiet"])
    assert result.exit_code == 0, result.output
    twins = pd.DataFrame({"a": [1.0], "b": [-1.0]}, index=["c0"])
    document = to_annotated_pairs(read.pairs.subset(["c0"]), twins, {"a": "is more concise", "b": "is more concise"})
    principles = [a for a in document["annotators"].values() if a["type"] == "principle"]
    assert sorted(a["name"] for a in principles) == ["a", "b"]  # two annotators, not one overwritten


def test_compressed_files_and_any_key_order_are_recognised(tmp_path: Path) -> None:
    """Any JSON object given as --pairs is read as AnnotatedPairs (a table is a JSON list), compressed
    or not, whatever order its keys come in; an object that is not one says what it lacks."""
    import gzip

    data = json.loads(_file(tmp_path).read_text())
    reordered = {"comparisons": data["comparisons"] * 1, "metadata": data["metadata"], "annotators": data["annotators"]}
    packed = tmp_path / "late_keys.json.gz"
    with gzip.open(packed, "wt", encoding="utf-8") as handle:
        handle.write(" " * 70_000 + json.dumps(reordered))  # the keys far past the start
    pairs = preftree.load_pairs(packed)
    assert len(pairs) == 6 and pairs.pairs_format == "annotated-pairs" and [j.judge for j in pairs.judges] == ["human_pref"]
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"rows": []}))
    with pytest.raises(preftree.InputError, match="not an AnnotatedPairs file either"):
        preftree.load_pairs(other)


def test_feedback_forensics_opens_annotates_file_with_the_same_strengths(tmp_path: Path) -> None:
    """Feedback Forensics' own loader reads the AnnotatedPairs file `annotate` writes, and its own
    metric code gives every principle the strength and relevance of preftree's traits.csv.
    Skipped where feedback-forensics (and its app's gradio) is not installed: CI does not install
    it. Run here with the PyPI wheel and a stand-in for gradio, whose app code the loader and the
    metrics do not call: 40 principles, 0 mismatches."""
    metrics = pytest.importorskip("feedback_forensics.app.metrics",
                                  reason="needs feedback-forensics and its app's dependencies (gradio)")
    loader = pytest.importorskip("feedback_forensics.data.loader")
    from preftree.judges.local_server import LocalJudgeServer

    from ..conftest import write_jsonl

    rows = [{"id": f"p{i}", "prompt": "q", "response_1": "word " * (3 + i % 9) + ("\n- item" if i % 2 else ""),
             "response_2": "Thanks! " + "word " * (4 + i % 5) + ("?" if i % 3 == 0 else ""),
             "label": 1 if i % 4 in (0, 3) else -1} for i in range(30)]
    pairs = write_jsonl(tmp_path / "p.jsonl", rows)
    with LocalJudgeServer(mode="traits") as server:
        assert CliRunner().invoke(cli, ["annotate", "--pairs", str(pairs), "--annotator-model", "m", "--base-url",
                                        server.url, "--api-key-env", "none", "--out", str(tmp_path / "t"),
                                        "--quiet"]).exit_code == 0
    written = tmp_path / "t" / "annotated_pairs.json"
    assert CliRunner().invoke(cli, ["explain", "--pairs", str(written), "--cv", "2", "--resamples", "2",
                                    "--out", str(tmp_path / "e"), "--quiet"]).exit_code == 0
    ours = pd.read_csv(tmp_path / "e" / "traits.csv").set_index("trait")
    votes = loader.get_votes_dict_from_annotated_pairs_json(written)
    meta = votes["annotator_metadata"]
    reference = next(k for k, v in meta.items() if v["variant"] == "default_annotator")
    result = metrics.compute_annotator_metrics(votes["df"], annotator_metadata=meta,
                                               annotator_cols=votes["shown_annotator_rows"],
                                               ref_annotator_col=reference)
    names = {a: info["name"] for a, info in json.loads(written.read_text())["annotators"].items()}
    for column in votes["shown_annotator_rows"]:
        shown = meta[column]["annotator_in_row_name"]
        strength = result["metrics"]["strength"][shown]
        strength = strength["strength"] if isinstance(strength, dict) else strength
        assert ours.loc[names[column], "strength"] == pytest.approx(strength)
        assert ours.loc[names[column], "relevance"] == pytest.approx(result["metrics"]["relevance"][shown])
