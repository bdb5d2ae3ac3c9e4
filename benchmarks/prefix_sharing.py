"""Prompt-prefix sharing in the transformers engine: long shared prompts, short responses.

Workloads built from the LLMBar pairs in ../shared/data:

(c) pairs with long prompts: multi-turn conversations of about 1-2k tokens (earlier LLMBar
    instructions and answers as history, then a final instruction) with two short responses;
(d) best-of-4: the same conversations with four short candidates each.

Compared in one run on the same model (a random-weight 30M Llama as in scoring.py, and a Gemma-2
of the same size with ``--architectures llama,gemma2``): the engine
with prefix sharing (the default), the same engine with ``prefix_sharing=False`` (every
conversation in full, token-budget batches), and a per-pair loop (both responses of one pair per
forward, as RLHFlow's ``compare`` works). Targets: sharing ≥ 1.6× the engine without it on (c),
≥ 2× on (d), scores equal to 1e-4. Efficiency as in scoring.py, on the distinct tokens (the prompt
once plus each response: the tokens prefix sharing computes) for every method.

Each engine run also reports its padding (issue 33: ≤ 15 % on best-of-4) and the path it took.

    python benchmarks/prefix_sharing.py [--data ../shared/data] [--conversations 40]
                                        [--architectures llama,gemma2]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.utils import logging as hf_logging

from preftree.scoring import RewardScorer
from preftree.scoring.chat import conversation
from preftree.scoring.tiny import save_tiny_reward_model, train_tokenizer
from scoring import matmul_flops  # benchmarks/scoring.py: the same FLOP/s measure

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def conversations(data: Path, n: int, tokenizer) -> tuple[list[list[dict]], list[list[str]]]:  # type: ignore[no-untyped-def]
    """``n`` long multi-turn prompts (1-2k tokens) and four short candidates for each."""
    rows = [json.loads(line) for line in (data / "llmbar" / "pairs.jsonl").open(encoding="utf-8")]
    prompts, candidates = [], []
    cursor = 0
    for k in range(n):
        history: list[dict] = []
        target = 1000 + (k * 997) % 1000  # 1000-2000 tokens of history
        while len(tokenizer(json.dumps(history))["input_ids"]) < target:
            row = rows[cursor % len(rows)]
            cursor += 1
            history += [{"role": "user", "content": row["prompt"]},
                        {"role": "assistant", "content": row["response_1"]}]
        final = rows[cursor % len(rows)]
        cursor += 1
        prompts.append(history + [{"role": "user", "content": final["prompt"]}])
        pool = [final["response_1"], final["response_2"], rows[(cursor + 7) % len(rows)]["response_1"],
                rows[(cursor + 13) % len(rows)]["response_2"]]
        candidates.append([text[:240] for text in pool])  # short responses
    return prompts, candidates


def per_pair_loop(folder: Path, prompts: list, candidates: list) -> tuple[np.ndarray, float]:
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    scores = []
    started = time.perf_counter()
    with torch.inference_mode():
        for prompt, options in zip(prompts, candidates):
            texts = [tokenizer.apply_chat_template(conversation(prompt, r), tokenize=False) for r in options]
            batch = tokenizer(texts, padding=True, add_special_tokens=False, return_tensors="pt")
            scores.append(model(**batch).logits[:, 0].numpy())
    return np.concatenate(scores), time.perf_counter() - started


def run(scorer: RewardScorer, prompts: list, candidates: list) -> tuple[np.ndarray, float, int, float]:
    """Scores, wall seconds, tokens computed and the padding share of one engine run."""
    flat_p = [p for p, opts in zip(prompts, candidates) for _ in opts]
    flat_r = [r for opts in candidates for r in opts]
    started = time.perf_counter()
    values = scorer.score(flat_p, flat_r)[:, 0]
    stats = scorer.last_stats
    return values, time.perf_counter() - started, stats.n_tokens, stats.padding_fraction


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--architectures", default="llama", help="llama, gemma2 or both (comma-separated)")
    args = parser.parse_args()
    hf_logging.disable_progress_bar()
    rows = [json.loads(line) for line in (args.data / "llmbar" / "pairs.jsonl").open(encoding="utf-8")]
    corpus = [t for r in rows for t in (r["prompt"], r["response_1"], r["response_2"])]
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer_of_texts = train_tokenizer(corpus, vocab_size=14000)
        for architecture in args.architectures.split(","):
            folder = save_tiny_reward_model(Path(tmp) / architecture, tokenizer_of_texts,
                                            architecture=architecture,
                                            hidden_size=512, layers=8, heads=8, intermediate_size=1376,
                                            max_positions=4096)
            compare(folder, architecture, args)


def compare(folder: Path, architecture: str, args: argparse.Namespace) -> None:
    """The three methods on (c) and (d) for one model."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    non_embedding = sum(p.numel() for p in model.parameters()) - model.get_input_embeddings().weight.numel()
    del model
    flops = matmul_flops()
    prompts, candidates = conversations(args.data, args.conversations, tokenizer)
    lengths = [len(tokenizer(json.dumps(p))["input_ids"]) for p in prompts]
    print(f"{architecture}: {len(prompts)} conversations, prompt ~{min(lengths)}-{max(lengths)} tokens, "
          f"responses <= 240 characters; torch threads {torch.get_num_threads()}; matmul {flops / 1e9:.0f} GFLOP/s")
    header = (f"{'workload':<26}{'method':<26}{'wall s':>8}{'tokens computed':>17}{'padding':>9}"
              f"{'vs no sharing':>15}{'vs loop':>9}{'efficiency':>12}")
    print(header)
    print("-" * len(header))
    for name, width in (("(c) pairs, long prompts", 2), ("(d) best-of-4", 4)):
        opts = [c[:width] for c in candidates]
        sharing = RewardScorer.from_pretrained(folder, cache=None, progress=False, max_length=4096)
        plain = RewardScorer.from_pretrained(folder, cache=None, progress=False, max_length=4096,
                                             prefix_sharing=False)
        plain_scores, plain_wall, plain_tokens, plain_padding = run(plain, prompts, opts)
        shared_scores, shared_wall, shared_tokens, shared_padding = run(sharing, prompts, opts)
        path = sharing.last_stats.path
        loop_scores, loop_wall = per_pair_loop(folder, prompts, opts)

        def line(method: str, wall: float, tokens: str, padding: str) -> str:
            return (f"{'':<26}{method:<26}{wall:>8.2f}{tokens:>17}{padding:>9}{plain_wall / wall:>14.2f}x"
                    f"{loop_wall / wall:>8.2f}x{2 * non_embedding * shared_tokens / flops / wall:>12.2f}")

        print(name + line("engine, no sharing", plain_wall, f"{plain_tokens:,}", f"{plain_padding:.1%}")[len(name):])
        print(line("engine, prefix sharing", shared_wall, f"{shared_tokens:,}", f"{shared_padding:.1%}"))
        print(line("per-pair loop", loop_wall, "", ""))
        diff = max(float(np.abs(shared_scores - plain_scores).max()),
                   float(np.abs(shared_scores - loop_scores).max()))
        target = 1.6 if width == 2 else 2.0
        verdict = "met" if plain_wall / shared_wall >= target else "MISSED"
        print(f"{'':<26}({path})")
        print(f"{'':<26}max |score difference| {diff:.1e}; target {target}x: {verdict}")

if __name__ == "__main__":
    main()
