"""``preftree winrate`` on Arena battles at scale, against a plain ``json.loads`` loop over the
same file, time and peak memory, in one run (issue 32's "the same path for winrate on 1M
battles"; figures in ``docs/benchmarks.md``).

Generates ``--battles`` battles in the chatbot_arena_conversations layout (question_id, model_a,
model_b, conversation_a/b as one user and one assistant turn, winner model_a / model_b / tie)
among 20 models of known strength, then measures, each in a fresh process, the loop and
``preftree winrate FILE --out winrate.csv`` (Bradley-Terry ratings with and without style control).

    python benchmarks/million_battles.py [--battles 100000]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
from pathlib import Path

from million_pairs import BASELINE, WORDS, measure


def generate(path: Path, n: int, seed: int = 0) -> int:
    """``n`` battles; returns the file's size in bytes."""
    rng = random.Random(seed)
    models = [f"model-{i:02d}" for i in range(20)]
    strength = {m: rng.gauss(0, 1) for m in models}
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            a, b = rng.sample(models, 2)
            question = " ".join(rng.choice(WORDS) for _ in range(10))
            answers = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 60))) for _ in range(2)]
            p_a = 1 / (1 + math.exp(strength[b] - strength[a] + (len(answers[1]) - len(answers[0])) / 200))
            draw = rng.random()
            winner = "model_a" if draw < 0.9 * p_a else "model_b" if draw < 0.9 else "tie"
            handle.write(json.dumps({
                "question_id": f"q{i}", "model_a": a, "model_b": b, "winner": winner,
                "conversation_a": [{"role": "user", "content": question}, {"role": "assistant", "content": answers[0]}],
                "conversation_b": [{"role": "user", "content": question}, {"role": "assistant", "content": answers[1]}],
            }) + "\n")
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--battles", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / f"battles-{args.battles}.jsonl"
        size = generate(data, args.battles)
        print(f"{args.battles:,} battles, {size / 1e6:,.0f} MB")
        base_wall, base_peak, counted = measure([sys.executable, "-c", BASELINE, str(data)])
        wall, peak, _ = measure([sys.executable, "-m", "preftree", "winrate", str(data), "--out",
                                 str(Path(tmp) / "winrate.csv"), "--quiet"])
        print(f"{'method':<40}{'wall s':>9}{'peak GB':>9}{'vs json.loads':>15}")
        print(f"{'json.loads loop (baseline, ' + counted + ' lines)':<40}{base_wall:>9.1f}{base_peak:>9.2f}{1.0:>14.2f}x")
        print(f"{'preftree winrate (arena battles)':<40}{wall:>9.1f}{peak:>9.2f}{wall / base_wall:>14.2f}x")


if __name__ == "__main__":
    main()
