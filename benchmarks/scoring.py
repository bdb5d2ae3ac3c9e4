"""Scoring throughput: preftree's engine against a plain per-pair loop, on one CPU run.

Model: a random-weight Llama (8 layers, hidden 512, ~30M parameters) with a BPE tokenizer trained
on the texts, saved and loaded like a Hub checkpoint. Workloads:

(a) the LLMBar pairs in ../shared/data (419 pairs);
(b) AlpacaEval-shaped: 10 "models" answer the same 60 prompts and are each compared with the same
    60 baseline answers (600 pairs; every model answer is a distinct LLMBar response);
(e) shared baseline through the whole CLI: 20 "models" × 35 prompts against one baseline answer
    per prompt, responses cut to 800 characters, a 6-layer Llama; ``preftree score`` in a fresh
    process against the per-pair loop in a fresh process (both counting start-up and model load).

The per-pair loop is how RLHFlow's ``compare`` works: both responses of one pair in one forward,
no sorting, no deduplication. Efficiency = (2 × non-embedding parameters × distinct tokens ÷
matmul FLOP/s measured in this run) ÷ wall time. Targets: efficiency ≥ 0.5, ≥ 1.8× the loop on
(b) with equal scores, padding < 5 %, warm-cache rerun ≥ 50× faster than the first run; on (e)
padding ≤ 15 % and ≥ 1.8× the loop (issue 33).

    python benchmarks/scoring.py [--data ../shared/data] [--limit N] [--workloads a,b,e]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.utils import logging as hf_logging

from preftree import Pair, PairSet
from preftree.scoring import RewardScorer, score_pairs
from preftree.scoring.chat import conversation
from preftree.scoring.tiny import save_tiny_reward_model, train_tokenizer

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def matmul_flops() -> float:
    """Sustained fp32 matmul FLOP/s at the model's shapes (tokens × 512 @ 512 × 1376)."""
    a, b = torch.randn(2048, 512), torch.randn(512, 1376)
    for _ in range(5):
        a @ b
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(20):
            a @ b
        best = min(best, (time.perf_counter() - started) / 20)
    return 2 * 2048 * 512 * 1376 / best


def workloads(data: Path, limit: int | None) -> dict[str, PairSet]:
    rows = [json.loads(line) for line in (data / "llmbar" / "pairs.jsonl").open(encoding="utf-8")]
    rows = rows[:limit] if limit else rows
    llmbar = PairSet(Pair(r["id"], r["prompt"], r["response_1"], r["response_2"]) for r in rows)
    prompts = [r["prompt"] for r in rows[:60]]
    baselines = [r["response_1"] for r in rows[:60]]
    pool = list(dict.fromkeys([r["response_2"] for r in rows] + [r["response_1"] for r in rows[60:]]))
    pool = [text for text in pool if text not in set(baselines)]
    n_models = min(10, len(pool) // len(prompts))
    alpaca = PairSet(Pair(f"m{m}-p{i}", prompts[i], baselines[i], pool[m * len(prompts) + i])
                     for m in range(n_models) for i in range(len(prompts)))
    return {"(a) LLMBar": llmbar, "(b) AlpacaEval-shaped": alpaca}


def shared_baseline(data: Path, models: int = 20, prompts: int = 35, cut: int = 800) -> list[dict[str, str]]:
    """(e): each of ``models`` systems answers the same ``prompts`` and is compared with one baseline
    answer per prompt; every answer a distinct LLMBar response cut to ``cut`` characters."""
    rows = [json.loads(line) for line in (data / "llmbar" / "pairs.jsonl").open(encoding="utf-8")]
    asked = rows[:prompts]
    pool = list(dict.fromkeys(text[:cut] for r in rows[prompts:] for text in (r["response_1"], r["response_2"])))
    return [{"id": f"m{m}-p{i}", "prompt": row["prompt"], "response_1": row["response_1"][:cut],
             "response_2": pool[(m * prompts + i) % len(pool)]}
            for m in range(models) for i, row in enumerate(asked)]


LOOP = """
import json, sys, time
import numpy as np, torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from preftree.scoring.chat import conversation
tokenizer = AutoTokenizer.from_pretrained(sys.argv[1])
model = AutoModelForSequenceClassification.from_pretrained(sys.argv[1]).eval()
scores = []
with torch.inference_mode():
    for line in open(sys.argv[2], encoding="utf-8"):
        pair = json.loads(line)
        texts = [tokenizer.apply_chat_template(conversation(pair["prompt"], pair[k]), tokenize=False)
                 for k in ("response_1", "response_2")]
        batch = tokenizer(texts, padding=True, add_special_tokens=False, return_tensors="pt")
        scores.append(model(**batch).logits[:, 0].numpy())
np.save(sys.argv[3], np.stack(scores))
"""


def pass_overhead(folder: Path) -> float:
    """A forward pass's fixed cost in tokens' worth (preftree's ``BATCH_OVERHEAD_TOKENS``): the
    intercept over the slope of time against tokens, fitted on short passes of this model."""
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    points = []
    with torch.inference_mode():
        for rows, length in [(1, 8), (1, 16), (1, 32), (2, 32), (1, 64), (4, 32), (2, 64), (1, 128)]:
            ids = torch.randint(5, 1000, (rows, length))
            model(input_ids=ids)
            best = min(_timed(model, ids) for _ in range(7))
            points.append((rows * length, best))
    slope, intercept = np.polyfit([p[0] for p in points], [p[1] for p in points], 1)
    return float(intercept / slope)


def _timed(model: torch.nn.Module, ids: torch.Tensor) -> float:
    started = time.perf_counter()
    model(input_ids=ids)
    return time.perf_counter() - started


def through_the_cli(data: Path, tmp: Path, texts: list[str]) -> None:
    """(e): ``preftree score`` and the per-pair loop, each a fresh process, wall time of each."""
    import pandas as pd

    rows = shared_baseline(data)
    pairs = tmp / "shared-baseline.jsonl"
    pairs.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    folder = save_tiny_reward_model(tmp / "llama-6", train_tokenizer(texts, vocab_size=14000), hidden_size=512,
                                    layers=6, heads=8, intermediate_size=1376, max_positions=4096)
    print(f"a forward pass's fixed cost, fitted on short passes: {pass_overhead(folder):.0f} tokens' worth "
          "(preftree plans with 32 on a CPU)")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    runs = {}
    for packing in ("auto", "on"):  # auto: padded buckets on this CPU; on: packed with a dense mask
        started = time.perf_counter()
        cli = subprocess.run([sys.executable, "-m", "preftree", "score", "--model", str(folder), "--pairs",
                              str(pairs), "--no-cache", "--out", str(tmp / f"scores-{packing}.csv"), "--force",
                              "--packing", packing], capture_output=True, text=True, env=env, check=True)
        runs[packing] = (time.perf_counter() - started, cli)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", LOOP, str(folder), str(pairs), str(tmp / "loop.npy")],
                   capture_output=True, text=True, env=env, check=True)
    loop_wall = time.perf_counter() - started
    loop = np.load(tmp / "loop.npy")
    print(f"(e) shared baseline, {len(rows)} pairs (20 models x 35 prompts), 6-layer Llama, whole CLI")
    print(f"    {'method':<34}{'wall s':>9}{'vs loop':>9}")
    print(f"    {'per-pair loop (process)':<34}{loop_wall:>9.2f}{1.0:>8.2f}x")
    for packing, (wall, cli) in runs.items():
        report = [line for line in cli.stdout.splitlines() + cli.stderr.splitlines() if "scored (" in line]
        ours = pd.read_csv(tmp / f"scores-{packing}.csv")[["reward_1", "reward_2"]].to_numpy()
        diff = float(np.abs(ours - loop).max())
        print(f"    {'preftree score --packing ' + packing:<34}{wall:>9.2f}{loop_wall / wall:>8.2f}x"
              f"   max |score difference| {diff:.1e}")
        print(f"        {report[-1].strip() if report else '(no report line)'}")
    wall = runs["auto"][0]
    print(f"    target >= 1.8x with the defaults: {'met' if loop_wall / wall >= 1.8 else 'MISSED'}")


def per_pair_loop(folder: Path, pairs: PairSet) -> tuple[np.ndarray, float, int, int]:
    """Both responses of one pair per forward, in file order; returns scores, wall, real, padded."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    scores, real, padded = [], 0, 0
    started = time.perf_counter()
    with torch.inference_mode():
        for pair in pairs:
            texts = [tokenizer.apply_chat_template(conversation(pair.prompt, r), tokenize=False)
                     for r in (pair.response_1, pair.response_2)]
            batch = tokenizer(texts, padding=True, add_special_tokens=False, return_tensors="pt")
            scores.append(model(**batch).logits[:, 0].numpy())
            real += int(batch["attention_mask"].sum())
            padded += batch["attention_mask"].numel()
    return np.stack(scores), time.perf_counter() - started, real, padded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, help="use only the first N LLMBar pairs (quick runs)")
    parser.add_argument("--workloads", default="a,b,e", help="which workloads to run (a, b, e)")
    args = parser.parse_args()
    chosen = set(args.workloads.split(","))
    hf_logging.disable_progress_bar()
    sets = workloads(args.data, args.limit)
    texts = [t for s in sets.values() for p in s for t in (p.prompt_text(), p.response_1, p.response_2)]
    sets = {name: pairs for name, pairs in sets.items() if name[1] in chosen}
    flops = matmul_flops()
    with tempfile.TemporaryDirectory() as tmp:
        if "e" in chosen:
            through_the_cli(args.data, Path(tmp), texts)
        folder = save_tiny_reward_model(Path(tmp) / "llama-30m", train_tokenizer(texts, vocab_size=14000),
                                        hidden_size=512, layers=8, heads=8, intermediate_size=1376,
                                        max_positions=4096)
        model = AutoModelForSequenceClassification.from_pretrained(folder)
        total = sum(p.numel() for p in model.parameters())
        non_embedding = total - model.get_input_embeddings().weight.numel()
        del model
        print(f"model: Llama, 8 layers, hidden 512: {total / 1e6:.1f}M parameters "
              f"({non_embedding / 1e6:.1f}M non-embedding); torch threads {torch.get_num_threads()}; "
              f"matmul {flops / 1e9:.0f} GFLOP/s")
        header = (f"{'workload':<24}{'method':<22}{'pairs':>6}{'texts':>7}{'wall s':>9}"
                  f"{'tokens/s':>10}{'padding':>9}{'efficiency':>11}")
        print(header)
        print("-" * len(header))
        for name, pairs in sets.items():
            cache = Path(tmp) / f"cache-{name[1]}.sqlite"
            scorer = RewardScorer.from_pretrained(folder, cache=cache, progress=False)
            started = time.perf_counter()
            frame = score_pairs(scorer, pairs)
            wall = time.perf_counter() - started
            stats = scorer.last_stats
            print(f"{'':<24}({stats.path})")
            efficiency = 2 * non_embedding * stats.n_tokens / flops / wall
            print(f"{name:<24}{'preftree':<22}{len(pairs):>6}{stats.n_computed:>7}{wall:>9.2f}"
                  f"{stats.n_tokens / wall:>10,.0f}{stats.padding_fraction:>9.1%}{efficiency:>11.2f}")
            loading = time.perf_counter()
            warm = RewardScorer.from_pretrained(folder, cache=cache, progress=False)
            started = time.perf_counter()
            warm_frame = score_pairs(warm, pairs)
            warm_wall = time.perf_counter() - started
            with_load = time.perf_counter() - loading
            assert warm.last_stats.n_computed == 0
            print(f"{'':<24}{'preftree, warm cache':<22}{len(pairs):>6}{0:>7}{warm_wall:>9.3f}"
                  f"{'':>10}{'':>9}{'':>11}   {wall / warm_wall:,.0f}x faster than the first run "
                  f"({wall / with_load:,.0f}x counting the {with_load - warm_wall:.2f} s model load)")
            base, base_wall, real, padded = per_pair_loop(folder, pairs)
            base_eff = 2 * non_embedding * stats.n_tokens / flops / base_wall
            print(f"{'':<24}{'per-pair loop':<22}{len(pairs):>6}{2 * len(pairs):>7}{base_wall:>9.2f}"
                  f"{real / base_wall:>10,.0f}{1 - real / padded:>9.1%}{base_eff:>11.2f}")
            ours = np.stack([frame["reward_1"], frame["reward_2"]], axis=1)
            diff = float(np.abs(ours - base).max())
            assert np.array_equal(warm_frame["reward_1"].to_numpy(), frame["reward_1"].to_numpy())
            print(f"{'':<24}speed-up {base_wall / wall:.2f}x; max |score difference| {diff:.1e}")
            scorer.close()
            warm.close()


if __name__ == "__main__":
    main()
