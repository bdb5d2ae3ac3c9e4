"""Regenerate the synthetic demo data shipped in src/preftree/examples (deterministic).

The data is illustrative only: prompts, responses, ratings and both judges are simulated so the
demo shows every output of ``preftree explain`` in seconds. Run: python scripts/make_demo_data.py
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1] / "src" / "preftree" / "examples"
ATTRIBUTES = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")
TOPICS = ["photosynthesis", "binary search", "the French Revolution", "compound interest",
          "TCP handshakes", "sourdough starters", "black holes", "unit testing", "vaccines",
          "the Roman Empire", "gradient descent", "climate feedback loops", "SQL joins",
          "plate tectonics", "sleep hygiene"]
ASKS = ["Explain {t} to a beginner.", "What are the key ideas behind {t}?",
        "Give me a short overview of {t}.", "How would you teach {t} in five minutes?"]
SENTENCES = ["{T} is easiest to understand through a concrete example.",
             "The central idea of {t} is simpler than it first looks.",
             "Most confusion about {t} comes from mixing up cause and effect.",
             "A common mistake is to memorise terms about {t} without the mechanism.",
             "Historically, {t} was understood step by step.",
             "In practice, {t} shows up in everyday situations.",
             "Experts describe {t} with a small number of rules.",
             "It helps to compare {t} with something familiar."]


def response(rng: np.random.Generator, topic: str, ratings: dict[str, int]) -> str:
    n_sentences = 1 + ratings["verbosity"] * 2 + int(rng.integers(0, 2))
    picked = [SENTENCES[int(i)].format(t=topic, T=topic[0].upper() + topic[1:])
              for i in rng.integers(0, len(SENTENCES), n_sentences)]
    if ratings["correctness"] <= 1:
        picked.append(f"(Note: some claims above about {topic} are inaccurate.)")
    style = rng.random()
    if style < 0.3:
        return f"## {topic.title()}\n\n" + "\n".join(f"- {s}" for s in picked)
    if style < 0.45:
        return f"**{topic.title()}**: " + " ".join(picked)
    return " ".join(picked)


def ratings(rng: np.random.Generator) -> dict[str, int]:
    quality = rng.normal(2.2, 1.0)
    values = {
        "helpfulness": quality + rng.normal(0, 0.5),
        "correctness": quality + rng.normal(0, 0.7),
        "coherence": 3.2 + rng.normal(0, 0.6),
        "complexity": 1.5 + rng.normal(0, 0.8),
        "verbosity": 1.8 + rng.normal(0, 1.0),
    }
    return {k: int(np.clip(round(v), 0, 4)) for k, v in values.items()}


def verdict(score_diff: float, position_bias: float, rng: np.random.Generator) -> int:
    """A judge's answer in one presentation order, in the pair's original orientation."""
    noisy = score_diff + rng.normal(0, 0.6)
    return 1 if noisy > position_bias else -1


def main() -> None:
    rng = np.random.default_rng(20250122)
    pairs, judges = [], {"verbose-judge": [], "careful-judge": []}
    for index in range(300):
        topic = TOPICS[index % len(TOPICS)]
        prompt = ASKS[int(rng.integers(0, len(ASKS)))].format(t=topic)
        first, second = ratings(rng), ratings(rng)
        text_1, text_2 = response(rng, topic, first), response(rng, topic, second)
        diff = {a: second[a] - first[a] for a in ATTRIBUTES}
        human_score = diff["helpfulness"] + 0.3 * diff["correctness"] + rng.normal(0, 0.5)
        label = 0 if abs(human_score) < 0.25 else (1 if human_score > 0 else -1)
        record = {"id": f"demo-{index}", "prompt": prompt, "response_1": text_1,
                  "response_2": text_2, "label": label, "source": "synthetic (illustrative)"}
        record.update({f"{a}_1": first[a] for a in ATTRIBUTES})
        record.update({f"{a}_2": second[a] for a in ATTRIBUTES})
        pairs.append(record)
        words = (len(text_2.split()) - len(text_1.split())) / 15
        scores = {"verbose-judge": (words + 0.3 * diff["helpfulness"], 0.35),
                  "careful-judge": (diff["correctness"] + 0.4 * diff["coherence"], -0.15)}
        for judge, (score, bias) in scores.items():
            # bias > 0 favours the response shown first in each order
            orig = verdict(score, bias, rng)
            swapped = verdict(score, -bias, rng)
            judges[judge].append({"split": "demo", "index": record["id"], "model": judge,
                                  "preference_orig_order": orig,
                                  "preference_swapped_order": swapped,
                                  "preference": orig if orig == swapped else 0})
    ROOT.mkdir(parents=True, exist_ok=True)
    with (ROOT / "demo_pairs.jsonl").open("w", encoding="utf-8") as handle:
        for record in pairs:
            handle.write(json.dumps(record) + "\n")
    (ROOT / "demo_judges").mkdir(exist_ok=True)
    for judge, rows in judges.items():
        with (ROOT / "demo_judges" / f"{judge}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
