"""The cost of a probe run against a reward model, with and without sharing, in one run.

A probe asks about every decided pair edited by each probe on both targets, plus the null edit:
for LLMBar's pairs and the probes ``length`` and ``authority`` (appended edits) that is 2 × 3 = 6
edited pairs per pair. Compared on the same random-weight model (Llama, then Gemma-2, about 30M
parameters, as in scoring.py):

- **probe run**: what ``preftree probe --model`` does — every distinct text scored once, edited
  texts sharing the prompt and, for appended edits, the whole original response (the grouped
  prefix pass of the transformers engine; Gemma-2 within its sliding window);
- **from scratch**: every edited pair scored as a pair on its own (both responses, in full, no
  sharing), as rescoring the written edited pairs with ``preftree score --no-prefix-sharing``
  would;
- for Gemma-2 also the probe run with ``prefix_sharing=False`` (the path Gemma-2 took before).

Printed: seconds (a probe run includes its first pass over the original pairs), tokens computed
for the edited pairs, and the time ratios, plus the largest score difference between the
probe run and from scratch (it must stay below 1e-4).

    python benchmarks/probe_cost.py [--data ../shared/data] [--pairs 40]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from preftree.data.model import Pair, PairSet
from preftree.judges.reward import RewardModelJudge
from preftree.probes import probe_judges, resolve_probes
from preftree.scoring import RewardScorer
from preftree.scoring.tiny import save_tiny_reward_model, train_tokenizer

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def load(data: Path, n: int) -> PairSet:
    rows = [json.loads(line) for line in (data / "llmbar" / "pairs.jsonl").open(encoding="utf-8")][:n]
    return PairSet([Pair(str(r.get("id", i)), r["prompt"], r["response_1"], r["response_2"])
                    for i, r in enumerate(rows)])


def timed(function):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    value = function()
    return value, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--pairs", type=int, default=40)
    args = parser.parse_args()
    pairs = load(args.data, args.pairs)
    texts = [p.prompt_text() for p in pairs] + [p.response_1 for p in pairs] + [p.response_2 for p in pairs]
    tokenizer = train_tokenizer(texts, vocab_size=4000)
    probes, _ = resolve_probes(["length", "authority"])
    print(f"{len(pairs)} LLMBar pairs, probes length + authority on loser and winner, plus the null edit")
    print(f"{'model':<8} {'method':<28} {'seconds':>8} {'tokens':>9} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for architecture in ("llama", "gemma2"):
            folder = save_tiny_reward_model(Path(tmp) / architecture, tokenizer, architecture=architecture,
                                            hidden_size=384, layers=6, heads=6, max_positions=4096)
            sharing = RewardScorer.from_pretrained(folder, progress=False, cache=None)
            [run], shared_s = timed(lambda: probe_judges(
                [RewardModelJudge(sharing, name=architecture)], pairs, probes, [], seed=0))
            shared_tokens = sharing.last_stats.n_tokens
            edited = [e.pair for e in run.edits]
            plain = RewardScorer.from_pretrained(folder, progress=False, cache=None, prefix_sharing=False)
            tokens = 0
            started = time.perf_counter()
            scratch = []
            for pair in edited:  # each edited pair on its own, both responses in full
                scores = plain.score([pair.prompt, pair.prompt], [pair.response_1, pair.response_2])[:, 0]
                tokens += plain.last_stats.n_tokens
                scratch.append(scores[1] - scores[0])
            scratch_s = time.perf_counter() - started
            probe_margins = np.array([a.score for a in run.after])
            gap = float(np.max(np.abs(probe_margins - np.array(scratch))))
            rows = [("probe run (shared)", shared_s, shared_tokens), ("from scratch", scratch_s, tokens)]
            if architecture == "gemma2":
                unshared = RewardScorer.from_pretrained(folder, progress=False, cache=None, prefix_sharing=False)
                _, unshared_s = timed(lambda: probe_judges(
                    [RewardModelJudge(unshared, name=architecture)], pairs, probes, [], seed=0))
                rows.append(("probe run, sharing off", unshared_s, unshared.last_stats.n_tokens))
            for method, seconds, n_tokens in rows:
                print(f"{architecture:<8} {method:<28} {seconds:>8.2f} {n_tokens:>9} {seconds / shared_s:>6.2f}x")
            print(f"{architecture:<8} largest margin difference, probe run vs from scratch: {gap:.2e}")


if __name__ == "__main__":
    main()
