"""A third-party plug-in, installed into this venv with pip as a user would, registers a scoring
backend, a judge backend and a feature source through entry points and is used from the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from .conftest import write_jsonl

PACKAGE = '''
"""A plug-in for preftree's tests: scores are response lengths, the judge prefers the shorter."""
import numpy as np


class LengthEngine:
    """A ScoringEngine: one output, the number of tokens of the response's conversation."""

    def __init__(self, checkpoint, options):
        from preftree.scoring.tiny import train_tokenizer

        self.tokenizer = train_tokenizer(["a b c d e f g h"] * 4, vocab_size=60)
        self.attributes = ["tokens"]
        self.max_length = 100_000
        self.description = {"model": checkpoint.name, "backend": "length-plugin"}

    def forward(self, batch):
        return np.array([[float(len(row))] for row in batch])


def load_engine(checkpoint, options):
    return LengthEngine(checkpoint, options)


class ShorterJudge:
    name = "shorter"

    def __init__(self, model):
        self.model = model

    @classmethod
    def from_settings(cls, model, settings):  # how preftree builds every judge backend
        return cls(model)

    def describe(self):
        return {"backend": "shorter", "model": self.model}

    def run(self, requests, on_result, on_wait=None):
        from preftree.judges.records import JudgeResult

        for request in requests:
            text = request.messages[-1]["content"]
            a = text.split("### Response A\\n", 1)[1].split("\\n\\n### Response B\\n", 1)[0]
            b = text.split("\\n\\n### Response B\\n", 1)[1]
            verdict = "A" if len(a) <= len(b) else "B"
            on_result(JudgeResult(request.pair_id, request.order, f"{verdict} is the better response",
                                  verdict))


class VowelSource:
    def __init__(self, argument, spec):
        self.spec, self.letters = spec, argument

    def values(self, pairs):
        import pandas as pd

        def count(text):
            return sum(text.count(c) for c in self.letters)

        ids = pairs.ids
        first = pd.DataFrame({"vowels": [count(p.response_1) for p in pairs]}, index=ids)
        second = pd.DataFrame({"vowels": [count(p.response_2) for p in pairs]}, index=ids)
        return first, second


def vowel_source(argument, spec):
    return VowelSource(argument, spec)


def failing_engine(checkpoint, options):
    raise RuntimeError("no GPU here, says the plug-in")


class OldStyleJudge:  # the old convention: Class(model=..., **options), no from_settings
    name = "oldstyle"

    def __init__(self, model, **options):
        self.model = model


class ExitingJudge(ShorterJudge):
    def run(self, requests, on_result, on_wait=None):
        import sys

        sys.exit(0)  # ends the process from inside a method: must not end preftree with exit 0


def shout(text, other, rng):  # a probe: the same words, shouted
    return text.upper() + "!"


from preftree.data.formats import NativeFormat  # noqa: E402  (a layout: one module, one object)


def _upvotes(row, position, seed):
    x, y = int(row["votes_x"]), int(row["votes_y"])
    return {"id": str(row["post"]), "prompt": row["question"], "response_1": row["answer_x"],
            "response_2": row["answer_y"], "label": (y > x) - (y < x)}


UPVOTES = NativeFormat("upvotes", lambda columns, row: {"question", "answer_x", "answer_y", "votes_x",
                                                        "votes_y"} <= columns, _upvotes, "signed")


def _crash_on_two(row, position, seed):
    if position == 2:
        raise RuntimeError("the plug-in crashed")
    return _upvotes(row, position, seed)


CRASHING = NativeFormat("crashing", lambda columns, row: False, _crash_on_two, "signed")
SKIPPING = NativeFormat("skipping", lambda columns, row: False,
                        lambda row, position, seed: _upvotes(row, position, seed) if position != 2 else row["nope"],
                        "signed")
RESERVED = NativeFormat("auto", lambda columns, row: True, _upvotes, "signed")
'''

EXITS_ON_IMPORT = '''
import sys

sys.exit(0)  # a plug-in that ends the process when imported must not end preftree with exit 0
'''

PYPROJECT = '''
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "preftree-lengthplugin"
version = "0.0.1"

[tool.setuptools]
py-modules = ["preftree_lengthplugin", "preftree_lengthplugin_exits"]

[project.entry-points."preftree.scoring_backends"]
length = "preftree_lengthplugin:load_engine"
broken = "preftree_lengthplugin_gone:load_engine"
exits = "preftree_lengthplugin_exits:load_engine"
failing = "preftree_lengthplugin:failing_engine"

[project.entry-points."preftree.judge_backends"]
shorter = "preftree_lengthplugin:ShorterJudge"
exiting = "preftree_lengthplugin:ExitingJudge"
oldstyle = "preftree_lengthplugin:OldStyleJudge"

[project.entry-points."preftree.feature_sources"]
vowels = "preftree_lengthplugin:vowel_source"

[project.entry-points."preftree.probes"]
shout = "preftree_lengthplugin:shout"

[project.entry-points."preftree.pairs_formats"]
upvotes = "preftree_lengthplugin:UPVOTES"
crashing = "preftree_lengthplugin:CRASHING"
skipping = "preftree_lengthplugin:SKIPPING"
auto = "preftree_lengthplugin:RESERVED"
gone = "preftree_lengthplugin_gone:FORMAT"
'''


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "preftree", *args], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PREFTREE_CACHE_DIR": os.environ.get("TMPDIR", "/tmp")})


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    root = tmp_path_factory.mktemp("plugin")
    (root / "preftree_lengthplugin.py").write_text(PACKAGE)
    (root / "preftree_lengthplugin_exits.py").write_text(EXITS_ON_IMPORT)
    (root / "pyproject.toml").write_text(PYPROJECT)
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                              "--no-build-isolation", "--no-index", str(root)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    try:
        yield root
    finally:
        subprocess.run([sys.executable, "-m", "pip", "uninstall", "--quiet", "--yes",
                        "preftree-lengthplugin"], capture_output=True, timeout=300)


def test_a_plugin_works_from_the_cli(plugin, tmp_path: Path) -> None:
    rows = [{"id": f"p{i}", "prompt": "say something", "response_1": "a " * (i + 1),
             "response_2": "b " * (7 - i), "label": 1 if 7 - i > i + 1 else -1} for i in range(6)]
    pairs = write_jsonl(tmp_path / "pairs.jsonl", rows)
    model = tmp_path / "no-weights"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"model_type": "none"}))

    help_text = _run("score", "--help").stdout
    assert "--backend NAME" in help_text
    scored = _run("score", "--backend", "length", "--model", str(model), "--pairs", str(pairs),
                  "--no-cache", "--out", str(tmp_path / "s.csv"), "--quiet")
    assert scored.returncode == 0, scored.stderr
    frame = pd.read_csv(tmp_path / "s.csv")
    assert (frame["tokens_2"] > frame["tokens_1"]).tolist() == [7 - i > i + 1 for i in range(6)]

    judged = _run("judge", "--judge-backend", "shorter", "--judge-model", "rule", "--pairs", str(pairs),
                  "--out", str(tmp_path / "j.csv"), "--quiet")
    assert judged.returncode == 0, judged.stderr
    verdicts = pd.read_csv(tmp_path / "j.csv")
    # equal lengths (i = 3): the shown-first answer wins in both orders, an inconsistency (0)
    assert verdicts["preference"].tolist() == [-1 if i + 1 < 7 - i else (0 if i == 3 else 1) for i in range(6)]

    explained = _run("explain", "--pairs", str(pairs), "--features", "vowels:ab", "--cv", "2",
                     "--resamples", "2", "--out", str(tmp_path / "e"), "--quiet")
    assert explained.returncode == 0, explained.stderr
    summary = json.loads((tmp_path / "e" / "summary.json").read_text())
    assert summary["features"] == ["vowels_diff"]

    probed = _run("probe", "--judge-backend", "shorter", "--judge-model", "rule", "--pairs", str(pairs),
                  "--probe", "shout", "--probe", "length", "--out", str(tmp_path / "probe"), "--quiet")
    assert probed.returncode == 0, probed.stderr
    records = {(r["probe"], r["target"]): r
               for r in json.loads((tmp_path / "probe" / "probe.json").read_text())["records"]}
    assert records[("length", "winner")]["flip_rate"] == 1.0  # padded, the shorter one loses
    assert records[("length", "loser")]["flip_rate"] == 0.0
    edited = [json.loads(line) for line in (tmp_path / "probe" / "edited_pairs.jsonl").read_text().splitlines()]
    shouted = [e for e in edited if e["probe"] == "shout"]
    assert shouted and all(e[e["edited"]].endswith("!") and e[e["edited"]] == e[e["edited"]].upper()
                           for e in shouted)

    unknown = _run("score", "--backend", "nope", "--model", str(model), "--pairs", str(pairs),
                   "--out", str(tmp_path / "x.csv"))
    assert unknown.returncode == 2 and "length" in unknown.stderr and "transformers" in unknown.stderr

    broken = _run("score", "--backend", "broken", "--model", str(model), "--pairs", str(pairs),
                  "--out", str(tmp_path / "x.csv"))
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert "plug-in 'broken' (preftree_lengthplugin_gone:load_engine) could not be loaded" in broken.stderr
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(("name", "words"), [("exits", "could not be loaded: SystemExit"),
                                              ("failing", "failed: RuntimeError: no GPU here")])
def test_a_plugin_that_exits_or_fails_is_a_failed_plugin(plugin, tmp_path: Path, name: str,
                                                         words: str) -> None:
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [{"id": "a", "prompt": "p", "response_1": "x",
                                                    "response_2": "y"}])
    model = tmp_path / "no-weights"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"model_type": "none"}))
    run = _run("score", "--backend", name, "--model", str(model), "--pairs", str(pairs),
               "--no-cache", "--out", str(tmp_path / "x.csv"))
    assert run.returncode == 1 and words in run.stderr, run.stderr
    assert "preftree bug" not in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(("name", "fragments"), [
    ("exiting", ["plug-in 'exiting'", "SystemExit"]),    # sys.exit inside a method (run)
    ("oldstyle", ["has no from_settings"]),              # the old Class(model=...) convention
])
def test_a_judge_plugin_that_exits_or_cannot_be_built_is_named(plugin, tmp_path: Path, name: str,
                                                               fragments: list[str]) -> None:
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [{"id": "a", "prompt": "p", "response_1": "x",
                                                    "response_2": "y"}])
    run = _run("judge", "--judge-backend", name, "--judge-model", "m", "--pairs", str(pairs),
               "--out", str(tmp_path / "j.csv"))
    assert run.returncode == 1 and all(f in run.stderr for f in fragments), run.stderr
    assert "bug" not in run.stderr and not (tmp_path / "j.csv").exists()


def test_a_pairs_layout_plugin_is_read_by_name_and_recognised(plugin, tmp_path: Path) -> None:
    """A layout is one module (its converter and its NativeFormat) registered as an entry point:
    --pairs-format names it, auto-detection finds it, and its label coding is the one it states."""
    rows = [{"post": f"t{i}", "question": "q", "answer_x": "x" * (i + 1), "answer_y": "y" * 4,
             "votes_x": 2 * i, "votes_y": 5} for i in range(6)]
    data = write_jsonl(tmp_path / "posts.jsonl", rows)
    for chosen in (["--pairs-format", "upvotes"], []):
        out = tmp_path / f"e{len(chosen)}"
        result = _run("explain", "--pairs", str(data), *chosen, "--cv", "2", "--resamples", "2",
                      "--out", str(out), "--quiet")
        assert result.returncode == 0, result.stderr
        summary = json.loads((out / "summary.json").read_text())
        assert summary["n_pairs"] == 6
        if not chosen:  # detection loads every layout plug-in: a broken one is left out, said once
            assert result.stderr.count("warning: the pairs format plug-in 'gone'") == 1, result.stderr
    unknown = _run("explain", "--pairs", str(data), "--pairs-format", "nope", "--out", str(tmp_path / "x"))
    assert unknown.returncode == 2 and "upvotes" in unknown.stderr
    # a row the layout cannot read is skipped with its line; a crash names the plug-in and stops
    skipping = _run("explain", "--pairs", str(data), "--pairs-format", "skipping", "--cv", "2", "--resamples", "2",
                    "--out", str(tmp_path / "s"), "--quiet")
    assert skipping.returncode == 0, skipping.stderr
    assert json.loads((tmp_path / "s" / "summary.json").read_text())["n_pairs"] == 5
    crashing = _run("explain", "--pairs", str(data), "--pairs-format", "crashing", "--out", str(tmp_path / "c"))
    assert crashing.returncode == 1 and "plug-in 'crashing'" in crashing.stderr and "crashed" in crashing.stderr
    assert not (tmp_path / "c").exists()
    named = _run("explain", "--pairs", str(data), "--pairs-format", "gone", "--out", str(tmp_path / "g"))
    assert named.returncode == 1 and "could not be loaded" in named.stderr
