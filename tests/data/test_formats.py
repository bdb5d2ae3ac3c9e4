"""Native layouts read as published: one fixture per layout, written in its exact schema (field
names and value types of the public files), then through ``preftree explain`` where it applies."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from preftree import load_judgments, load_pairs
from preftree.cli import cli
from preftree.cli._options import PAIRS_FORMAT_NAMES
from preftree.data.formats import PAIRS_FORMATS
from preftree.errors import InputError

from ..conftest import write_jsonl


def _answers(i: int) -> tuple[str, str]:
    return "Short answer." if i % 3 else "A long answer " * (i % 7 + 2), "Another reply " * (i % 5 + 1)


def test_the_cli_lists_every_layout() -> None:
    assert set(PAIRS_FORMAT_NAMES) == set(PAIRS_FORMATS)


def test_alpacaeval_annotations(tmp_path: Path) -> None:
    prefs = [1.0, 2.0, 1.5, 0, 1.3, 2.0, 1.0, 1.8]
    rows = []
    for i, pref in enumerate(prefs * 5):
        first, second = _answers(i)
        rows.append({"instruction": f"Task {i}", "output_1": first, "generator_1": "gpt4_turbo",
                     "dataset": "helpful_base", "output_2": second, "generator_2": f"model-{i % 3}",
                     "annotator": "weighted_alpaca_eval_gpt4_turbo", "preference": pref,
                     "raw_completion": {"logprobs": None}, "price_per_example": 0.01,
                     "time_per_example": 1.2})
    path = tmp_path / "annotations.json"
    path.write_text(json.dumps(rows))
    pairs = load_pairs(path)
    assert pairs.pairs_format == "alpacaeval" and pairs.label_format == "alpacaeval"
    assert len(pairs) == 40 and len(set(pairs.ids)) == 40  # stable ids generated
    assert load_pairs(path).ids == pairs.ids
    first = pairs[pairs.ids[0]]
    assert first.prompt == "Task 0" and first.metadata["generator_2"] == "model-0"
    assert [p.label for p in list(pairs)[:8]] == [-1, 1, 0, 0, -1, 1, -1, 1]
    assert [round(p.label_weight, 2) for p in list(pairs)[:8]] == [1, 1, 1, 1, 0.4, 1, 1, 0.6]


@pytest.mark.parametrize("layout", ["rewardbench", "ultrafeedback", "skywork"])
def test_chosen_rejected_are_placed_at_random_reproducibly(tmp_path: Path, layout: str) -> None:
    rows = []
    for i in range(60):
        good, bad = f"right {i}", f"wrong {i}"
        if layout == "rewardbench":
            rows.append({"prompt": f"q{i}", "chosen": good, "chosen_model": "m1", "rejected": bad,
                         "rejected_model": "m2", "subset": "alpacaeval-easy", "id": i})
        else:
            user = {"content": f"q{i}", "role": "user"}
            chosen = [user, {"content": good, "role": "assistant"}]
            rejected = [user, {"content": bad, "role": "assistant"}]
            extra = ({"prompt": f"q{i}", "prompt_id": f"h{i}", "messages": chosen, "score_chosen": 8.0,
                      "score_rejected": 4.0} if layout == "ultrafeedback" else {"source": "helpsteer2"})
            rows.append({**extra, "chosen": chosen, "rejected": rejected})
    path = tmp_path / f"{layout}.parquet"
    pd.DataFrame(rows).to_parquet(path)
    pairs = load_pairs(path)
    assert pairs.pairs_format == "chosen-rejected" and pairs.label_format == "signed"
    for pair in pairs:
        winner = pair.response_1 if pair.label == -1 else pair.response_2
        assert winner.startswith("right") and pair.prompt == f"q{winner.split()[1]}"
    counts = pairs.as_judgments().class_counts()
    assert 15 <= counts["response_1"] <= 45 and counts["tie"] == 0  # not a constant label
    again, other = load_pairs(path), load_pairs(path, seed=1)
    assert [p.label for p in again] == [p.label for p in pairs]
    assert [p.label for p in other] != [p.label for p in pairs]


def test_hh_rlhf_transcripts(tmp_path: Path) -> None:
    rows = []
    for i in range(30):
        history = f"\n\nHuman: Hi {i}\n\nAssistant: Hello!\n\nHuman: Tell me about TCP {i}."
        rows.append({"chosen": history + f"\n\nAssistant: TCP is reliable {i}.",
                     "rejected": history + "\n\nAssistant: No."})
    path = write_jsonl(tmp_path / "train.jsonl", rows)
    pairs = load_pairs(path)
    assert pairs.pairs_format == "hh-rlhf"
    pair = list(pairs)[0]
    assert pair.prompt == [{"role": "user", "content": "Hi 0"}, {"role": "assistant", "content": "Hello!"},
                           {"role": "user", "content": "Tell me about TCP 0."}]
    assert {pair.response_1, pair.response_2} == {"TCP is reliable 0.", "No."}
    broken = write_jsonl(tmp_path / "broken.jsonl", [{**rows[0], "rejected": "\n\nHuman: other\n\nAssistant: x"},
                                                     *rows[1:]])
    with pytest.raises(InputError, match=r"broken\.jsonl:1: 'chosen' and 'rejected' share no"):
        load_pairs(broken, strict=True)
    read = load_pairs(broken)  # one row that cannot form a pair is skipped, never the file
    assert len(read) == 29 and [(r.line, "share no" in r.reason) for r in read.skipped] == [(1, True)]


def test_hh_rlhf_quirks_of_the_published_harmless_base_test(tmp_path: Path) -> None:
    """anthropics/hh-rlhf harmless-base/test.jsonl.gz as published: 5 of 2,312 rows have a final
    reply that itself contains "\n\nAssistant: " (line 1953 below, abbreviated), 4 end with an
    empty chosen reply, 8 have a double space after the marker, 48 an inline "Human: "."""
    serial = "\n\nHuman: Can you find me a serial key?\n\nAssistant: What for?\n\nHuman: Yes, please find me a serial."
    rows = [
        {"chosen": serial + "\n\nAssistant: Alrighty, I’ll do my best, here’s the key:\n\nAssistant:  O.k. let’s go ahead",
         "rejected": serial + "\n\nAssistant: You mean a password, right?"},
        {"chosen": "\n\nHuman: Say nothing.\n\nAssistant: ", "rejected": "\n\nHuman: Say nothing.\n\nAssistant: Fine.  Human: ok"},
        {"chosen": "\n\nHuman: Hi\n\nAssistant:  I think so.", "rejected": "\n\nHuman: Hi\n\nAssistant: No."},
        *[{"chosen": f"\n\nHuman: q{i}\n\nAssistant: yes {i}", "rejected": f"\n\nHuman: q{i}\n\nAssistant: no"}
          for i in range(10)],
    ]
    path = tmp_path / "test.jsonl.gz"
    import gzip

    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
    pairs = load_pairs(path, pairs_format="hh-rlhf")
    assert len(pairs) == len(rows) and not pairs.skipped
    first = list(pairs)[0]
    assert first.prompt[-1] == {"role": "user", "content": "Yes, please find me a serial."}
    assert {first.response_1, first.response_2} == {
        "Alrighty, I’ll do my best, here’s the key:\n\nAssistant:  O.k. let’s go ahead",
        "You mean a password, right?"}
    assert {list(pairs)[1].response_1, list(pairs)[1].response_2} == {"", "Fine.  Human: ok"}
    assert " I think so." in {list(pairs)[2].response_1, list(pairs)[2].response_2}


def _judgebench_rows() -> list[dict]:
    rows = []
    for i in range(40):
        first, second = _answers(i)
        rows.append({"pair_id": f"{i:04x}-pair", "original_id": f"orig{i}", "source": "mmlu-pro-law",
                     "question": f"Question {i}", "response_model": "gpt-4o-2024-05-13",
                     "response_A": first, "response_B": second, "label": "A>B" if i % 2 else "B>A"})
    return rows


def test_judgebench_pairs_and_a_judges_output(tmp_path: Path) -> None:
    rows = _judgebench_rows()
    out = []
    for i, row in enumerate(rows):  # a judge preferring the longer response, asked in both orders
        longer_a = len(row["response_A"]) >= len(row["response_B"])
        first = "A>B" if longer_a else "B>A"
        second = "B>A" if longer_a else "A>B"  # made on (B, A): the same preference, swapped frame
        if i == 5:
            second = first  # the same letter in the swapped frame: inconsistent
        judgments = [{"judgment": {"judge_model": "gpt-4o", "prompt": "...", "response": "..."},
                      "decision": first},
                     {"judgment": {"judge_model": "gpt-4o", "prompt": "...", "response": "..."},
                      "decision": second if i != 7 else None}]
        out.append({**row, "judge_name": "arena_hard", "judgments": judgments})
    path = write_jsonl(tmp_path / "dataset=judgebench,judge_name=arena_hard.jsonl", out)
    pairs = load_pairs(path)
    assert pairs.pairs_format == "judgebench" and pairs.label_format == "ab"
    [judge] = load_judgments(path, pairs=pairs)
    assert judge.judge == "arena_hard" and len(judge) == 39  # pair 7: no second decision
    assert judge[rows[5]["pair_id"]].preference == 0
    longer = {r["pair_id"]: 1 if len(r["response_B"]) > len(r["response_A"]) else -1 for r in rows}
    assert all(j.preference == longer[j.pair_id] for j in judge if j.pair_id != rows[5]["pair_id"])
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--pairs-format", "judgebench",
                                      "--judge", str(path), "--cv", "3", "--resamples", "3",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "format: judgebench" in result.output and "label 'label' read as ab" in result.output
    agreement = pd.read_csv(tmp_path / "out" / "agreement.csv", index_col=0)
    assert list(agreement.index) == ["arena_hard", "label"]


def test_pandalm_with_annotator_columns_as_judges(tmp_path: Path) -> None:
    rows = []
    for i in range(60):
        first, second = _answers(i)
        longer = 1 if len(first) > len(second) else 2
        rows.append({"question_id": i, "instruction": f"Do task {i}", "input": "" if i % 2 else "ctx",
                     "response1": first, "response2": second, "annotator1": longer,
                     "annotator2": longer if i % 4 else 0, "annotator3": 3 - longer if i % 5 == 0 else longer})
    path = tmp_path / "testset-v1.json"
    path.write_text(json.dumps(rows))
    pairs = load_pairs(path)
    assert pairs.pairs_format == "pandalm" and pairs.label_format == "index-tie"
    assert list(pairs)[0].prompt == "Do task 0\n\nctx" and list(pairs)[1].prompt == "Do task 1"
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--judge-column", "annotator1",
                                      "--judge-column", "annotator2", "--judge-column", "annotator3",
                                      "--cv", "3", "--resamples", "3", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    agreement = pd.read_csv(tmp_path / "out" / "agreement.csv", index_col=0)
    assert set(agreement.index) == {"annotator1", "annotator2", "annotator3", "label"}
    assert agreement.loc["annotator1", "label"] > 0.8


def test_pandalm_quirks_of_the_published_testset(tmp_path: Path) -> None:
    """WeOpenML/PandaLM data/testset-v1.json as published: six responses are the JSON value
    ``true`` (the model answered "True"; the whole file of 999 rows was refused), 167 inputs and
    54 responses are empty, idx 466 has instruction " ", votes are ints (the README shows
    strings), identical texts repeat under another cmp_key."""
    statement = '"For all integers j and k, if j and k are odd, then jk is odd."'
    rows = [
        {"idx": 157, "motivation_app": "Wolfram alpha", "cmp_key": "bloom-7b_llama-7b",
         "instruction": "Verify the correctness of the given statement.", "input": statement,
         "response1": True, "response2": "True.", "annotator1": 1, "annotator2": 1, "annotator3": 0},
        {"idx": 161, "motivation_app": "Wolfram alpha", "cmp_key": "cerebras-gpt-6.7B_llama-7b",
         "instruction": "Verify the correctness of the given statement.", "input": statement,
         "response1": "The statement is correct.", "response2": True,
         "annotator1": 2, "annotator2": 2, "annotator3": 0},
        {"idx": 466, "motivation_app": "x", "cmp_key": "a_b", "instruction": " ",
         "input": "Truthfulness", "response1": "", "response2": "It is true.",
         "annotator1": "2", "annotator2": "2", "annotator3": "1"},  # the README's string votes
        {"idx": 500, "motivation_app": "x", "cmp_key": "a_b", "instruction": "Add 1.5 and 1",
         "input": "", "response1": 2.5, "response2": "3", "annotator1": 1.7, "annotator2": 1,
         "annotator3": 1},  # a vote outside the coding: this row is skipped, not the file
        *[{"idx": 600 + i, "motivation_app": "x", "cmp_key": f"m{i % 2}_n", "instruction": f"Task {i // 2}",
           "input": "", "response1": f"answer {i // 2}", "response2": "other",
           "annotator1": 1 + i % 2, "annotator2": 1 + i % 2, "annotator3": 0} for i in range(20)],
    ]
    path = tmp_path / "testset-v1.json"
    path.write_text(json.dumps(rows, indent=4))
    pairs = load_pairs(path, pairs_format="pandalm")
    assert len(pairs) == len(rows) - 1
    assert (pairs["157"].response_1, pairs["161"].response_2) == ("True", "True")
    assert pairs["157"].label == -1 and pairs["161"].label == 1 and pairs["466"].label == 1
    assert pairs["466"].prompt == " \n\nTruthfulness" and pairs["466"].response_1 == ""
    [skipped] = pairs.skipped
    assert skipped.line == 4 and skipped.pair_id == "500" and "annotator1 is 1.7" in skipped.reason
    assert pairs.label_reading.how == "the published coding of the pandalm layout"
    with pytest.raises(InputError, match=r"testset-v1.json:4: annotator1 is 1.7"):
        load_pairs(path, pairs_format="pandalm", strict=True)
    result = CliRunner().invoke(cli, ["explain", "--pairs", str(path), "--cv", "2",
                                      "--resamples", "2", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "skipped 1 row(s)" in result.output and "record 4 (id '500')" in result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["reading"]["skipped"]["count"] == 1
    assert summary["reading"]["label"]["how"] == "the published coding of the pandalm layout"


def test_arena_conversations_and_the_55k_release(tmp_path: Path) -> None:
    winners = ["model_a", "model_b", "tie", "tie (bothbad)"]
    rows = []
    for i in range(40):
        first, second = _answers(i)
        rows.append({"question_id": f"q{i:03d}", "model_a": "vicuna-13b", "model_b": "koala-13b",
                     "winner": winners[i % 4], "judge": f"arena_user_{i}",
                     "conversation_a": [{"content": f"Hello {i}", "role": "user"},
                                        {"content": first, "role": "assistant"}],
                     "conversation_b": [{"content": f"Hello {i}", "role": "user"},
                                        {"content": second, "role": "assistant"}],
                     "turn": 1, "anony": True, "language": "English", "tstamp": 1682351591.1,
                     "openai_moderation": {"flagged": False},
                     "toxic_chat_tag": {"roberta-large": {"flagged": False, "probability": 0.01}}})
    conversations = tmp_path / "arena.parquet"
    pd.DataFrame(rows).to_parquet(conversations)
    pairs = load_pairs(conversations)
    assert pairs.pairs_format == "arena"
    assert [p.label for p in list(pairs)[:4]] == [-1, 1, 0, 0]
    assert list(pairs)[0].metadata["model_b"] == "koala-13b"

    kaggle = pd.DataFrame([{
        "id": 30192 + i, "model_a": "gpt-4-1106-preview", "model_b": "gpt-4-0613",
        "prompt": json.dumps([f"Is it morally right {i}?", "And now?"]),
        "response_a": json.dumps(["Yes.", f"Still yes {i}."]),
        "response_b": json.dumps(["No.", "Still no."]),
        "winner_model_a": int(i % 3 == 0), "winner_model_b": int(i % 3 == 1), "winner_tie": int(i % 3 == 2)}
        for i in range(30)])
    path = tmp_path / "train.csv"
    kaggle.to_csv(path, index=False)
    pairs = load_pairs(path)
    pair = list(pairs)[0]
    assert pairs.pairs_format == "arena" and pair.id == "30192" and pair.label == -1
    assert pair.prompt == [{"role": "user", "content": "Is it morally right 0?"},
                           {"role": "assistant", "content": "Yes."}, {"role": "user", "content": "And now?"}]
    assert (pair.response_1, pair.response_2) == ("Still yes 0.", "Still no.")


def test_mt_bench_human_judgments(tmp_path: Path) -> None:
    rows = []
    for i in range(24):
        turn = 1 + i % 2
        conv = lambda answer: [{"content": "Write a poem.", "role": "user"},  # noqa: E731
                               {"content": answer, "role": "assistant"},
                               {"content": "Now shorter.", "role": "user"},
                               {"content": answer[:5], "role": "assistant"}]
        rows.append({"question_id": 81 + i // 2, "model_a": "alpaca-13b", "model_b": "gpt-3.5-turbo",
                     "winner": ["model_a", "model_b", "tie"][i % 3], "judge": "author_2",
                     "conversation_a": conv(f"Roses {i}"), "conversation_b": conv(f"Violets {i}"),
                     "turn": turn})
    path = write_jsonl(tmp_path / "human.jsonl", rows)
    pairs = load_pairs(path)
    assert pairs.pairs_format == "mt-bench"
    one, two = list(pairs)[:2]
    assert one.prompt == "Write a poem." and (one.response_1, one.response_2) == ("Roses 0", "Violets 0")
    assert two.prompt[-1] == {"role": "user", "content": "Now shorter."}
    assert (two.response_1, two.response_2) == ("Roses", "Viole")
    assert one.metadata["model_a"] == "alpaca-13b" and one.id != two.id


def test_ambiguous_layouts_ask_for_the_flag(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "both.jsonl", [{"id": "a", "prompt": "q", "response_1": "x",
                                                  "response_2": "y", "chosen": "x", "rejected": "y"}])
    with pytest.raises(InputError, match="several layouts .*chosen-rejected, preftree.*--pairs-format"):
        load_pairs(path)
    assert load_pairs(path, pairs_format="preftree").pairs_format == "preftree"


def test_per_order_letters_and_derived_preference(tmp_path: Path) -> None:
    rows = _judgebench_rows()[:4]
    pairs = load_pairs(write_jsonl(tmp_path / "p.jsonl", rows))
    judge = pd.DataFrame({"index": [r["pair_id"] for r in rows],
                          "preference_orig_order": ["A>B", "[[B]]", "A>>B", "A=B"],
                          "preference_swapped_order": ["B>A", "[[A]]", "A>B", "A=B"]})
    judge.to_csv(tmp_path / "j.csv", index=False)
    [verdicts] = load_judgments(tmp_path / "j.csv", pairs=pairs)
    assert [verdicts[r["pair_id"]].preference for r in rows] == [-1, 1, 0, 0]


def test_the_shared_rewardbench_llmbar_file_reads_natively(shared_data: Path) -> None:
    pairs = load_pairs(shared_data / "llmbar" / "rewardbench_llmbar.jsonl")
    assert pairs.pairs_format == "chosen-rejected" and len(pairs) == 419
    counts = pairs.as_judgments().class_counts()
    assert counts["response_1"] > 150 and counts["response_2"] > 150
