"""``preftree card``: the architecture figure drawn from a loaded decision-tree reward model (tiny,
in the seed's layout), its settings and its RewardBench neighbours, in real Chromium offline."""

from __future__ import annotations

import pickle
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.tree import DecisionTreeClassifier

from preftree import DecisionTreeRewardModel
from preftree.cli import cli

from ..conftest import write_rewardbench

pytest.importorskip("torch", reason="the card loads a model: needs preftree[hf]")


@pytest.fixture(scope="module")
def card_page(tmp_path_factory, tiny_model, demo_pairs) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("card")
    folder = shutil.copytree(tiny_model("llama", 5, "decision-tree-reward"),
                             root / "Decision-Tree-Reward-<b>Tiny</b>")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5))
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, (X[:, 0] + 0.3 * X[:, 4] > 0).astype(int))
    (folder / "decision_tree.pkl").write_bytes(pickle.dumps(tree))
    pairs = [p for p in demo_pairs if p.label in (-1, 1)][:40]
    data = write_rewardbench(root / "rb.jsonl", pairs)
    results = root / "results" / "tiny.json"
    bench = CliRunner().invoke(cli, ["rewardbench", "--model", str(folder), "--trust-pickle", "--tree",
                                     str(folder / "decision_tree.pkl"), "--data", str(data),
                                     "--resamples", "0", "--no-cache", "--out", str(results), "--quiet"])
    assert bench.exit_code == 0, bench.output
    out = root / "card.html"
    result = CliRunner().invoke(cli, ["card", "--model", str(folder), "--trust-pickle", "--results",
                                      str(results.parent), "--no-cache", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return folder, out


def test_the_figure_is_drawn_from_the_model(card_page) -> None:
    folder, out = card_page
    html = out.read_text()
    model = DecisionTreeRewardModel.from_pretrained(folder, progress=False)
    tree = model.load_decision_tree(folder, trust_pickle=True)
    figure = html.split('<svg class="architecture"', 1)[1]
    assert figure.count('<g class="stage">') == 5  # backbone, head, differences, tree, verdict
    assert figure.count('class="tree-node ') == tree.structure_.node_count
    for attribute in model.attributes:
        assert f"Δ{attribute} = r2 − r1" in figure
    config = model.scorer.checkpoint.config
    assert f"{config['num_hidden_layers']} layers, hidden {config['hidden_size']}" in figure
    assert "tree_labels" in html and "probe:" in html  # how the pickle's labels were read
    assert "<b>Tiny</b>" not in html and "&lt;b&gt;Tiny&lt;/b&gt;" in html  # names escaped
    assert re.search(r"<script|<img|<link|@import", html, re.IGNORECASE) is None
    rewardbench = html.split("<h2>RewardBench</h2>", 1)[1]
    assert rewardbench.count('class="this"') == 1  # its own row, among the seed's published rows
    assert re.search(r"ranks \d+ of 13", rewardbench) and 2 <= rewardbench.count("<tr") - 1 <= 5
    assert ">None<" not in rewardbench


def test_the_card_renders_in_chromium_offline(browser, card_page) -> None:
    _, out = card_page
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(out.as_uri())
    page.wait_for_load_state("load")
    assert requests == [out.as_uri()] and errors == []
    figure = page.locator("svg.architecture").bounding_box()
    assert figure is not None and figure["width"] <= 1200 and figure["height"] > 200
    stages = page.locator("svg.architecture g.stage").all()
    boxes = [s.bounding_box() for s in stages]
    assert len(boxes) == 5 and all(b is not None and b["x"] + b["width"] <= 1280 for b in boxes)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # nothing sticks out
    page.close()
