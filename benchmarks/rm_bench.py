"""RM-Bench's cost: each response scored once (6 per prompt), against a per-comparison loop (18).

Workload: RM-Bench prompts (``--data``: a folder of RM-Bench's published files, e.g. a clone of
github.com/THU-KEG/RM-Bench's ``data/``), or, without it, RM-Bench-like prompts built from the
LLMBar pairs in ../shared/data (concise = the first sentence, detailed plain = the response,
detailed markdown = its sentences as a bold-led list; chosen = the better response).

Compared in one run on the same random-weight Llama: ``preftree rewardbench --benchmark rm-bench``
(the scoring engine: six distinct responses per prompt, token-budget batches, the prompt prefix
shared) and a per-comparison loop (each of the nine comparisons scores its two responses in one
padded forward, 18 sequences per prompt). Both give the same 3×3 matrices (asserted). Target:
≥ 3× fewer sequences and ≥ 2.5× less wall time than the loop.

    python benchmarks/rm_bench.py [--data FOLDER] [--prompts 40]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.utils import logging as hf_logging

from preftree.judges.reward import RewardModelJudge
from preftree.rewardbench.rmbench import evaluate_rm_bench, score_credits, summarize
from preftree.rewardbench.rmbench_data import RMBenchData, RMBenchPrompt, load_rm_bench
from preftree.scoring import RewardScorer
from preftree.scoring.chat import conversation
from preftree.scoring.tiny import save_tiny_reward_model, train_tokenizer

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _styles(text: str) -> tuple[str, str, str]:
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s] or [text]
    return sentences[0][:300], text[:1200], "\n".join(f"- **{s[:200]}**" for s in sentences[:8])


def llmbar_like(data: Path, n: int) -> RMBenchData:
    rows = [json.loads(line) for line in (data / "llmbar" / "pairs.jsonl").open(encoding="utf-8")][:n]
    prompts = []
    for row in rows:
        good, bad = (row["response_1"], row["response_2"]) if row["label"] == 1 else (row["response_2"], row["response_1"])
        prompts.append(RMBenchPrompt(str(row["id"]), "chat", row["prompt"], _styles(good), _styles(bad)))
    return RMBenchData(prompts, [{"path": "llmbar-like", "prompts": len(prompts)}])


def per_comparison_loop(folder: Path, prompts: list[RMBenchPrompt]) -> tuple[np.ndarray, float, int]:
    """Credits from nine padded two-sequence forwards per prompt."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    credits = np.zeros((len(prompts), 3, 3))
    sequences = 0
    started = time.perf_counter()
    with torch.inference_mode():
        for k, prompt in enumerate(prompts):
            for i in range(3):
                for j in range(3):
                    texts = [tokenizer.apply_chat_template(conversation(prompt.prompt, r), tokenize=False)
                             for r in (prompt.chosen[i], prompt.rejected[j])]
                    batch = tokenizer(texts, padding=True, truncation=True, max_length=2048,
                                      add_special_tokens=False, return_tensors="pt")
                    chosen, rejected = model(**batch).logits[:, 0].tolist()
                    credits[k, i, j] = float(chosen > rejected)
                    sequences += 2
    return credits, time.perf_counter() - started, sequences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="a folder of RM-Bench's files (default: LLMBar-like prompts)")
    parser.add_argument("--shared", type=Path, default=DATA)
    parser.add_argument("--prompts", type=int, default=40)
    args = parser.parse_args()
    hf_logging.disable_progress_bar()
    data = load_rm_bench(args.data) if args.data else llmbar_like(args.shared, args.prompts)
    data.prompts = data.prompts[:args.prompts]
    corpus = [t for p in data.prompts for t in (p.prompt, *p.chosen, *p.rejected)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = save_tiny_reward_model(Path(tmp) / "llama", train_tokenizer(corpus, vocab_size=4000),
                                        hidden_size=256, layers=4, heads=4, intermediate_size=688,
                                        max_positions=4096)
        scorer = RewardScorer.from_pretrained(folder, cache=None, progress=False, max_length=2048,
                                              truncation="right")
        started = time.perf_counter()
        result = evaluate_rm_bench(RewardModelJudge(scorer), data, resamples=0)
        wall = time.perf_counter() - started
        scored = scorer.last_stats.n_computed
        loop_credits, loop_wall, loop_sequences = per_comparison_loop(folder, data.prompts)
    ours = np.array([[r["score_chosen"], r["score_rejected"]] for r in result["per_prompt"]])
    same = summarize(data.prompts, score_credits(ours[:, 0], ours[:, 1]))["domains"] == \
        summarize(data.prompts, loop_credits)["domains"]
    print(f"{len(data.prompts)} prompts ({data.files[0]['path']}), {len(data.prompts) * 9} comparisons; torch "
          f"threads {torch.get_num_threads()}")
    header = f"{'method':<34}{'sequences':>10}{'wall s':>9}{'vs loop':>9}"
    print(header)
    print("-" * len(header))
    print(f"{'per-comparison loop (baseline)':<34}{loop_sequences:>10,}{loop_wall:>9.2f}{1.0:>8.2f}x")
    print(f"{'preftree (each response once)':<34}{scored:>10,}{wall:>9.2f}{loop_wall / wall:>8.2f}x")
    met = loop_sequences / max(scored, 1) >= 3 and loop_wall / wall >= 2.5
    print(f"sequences {loop_sequences / max(scored, 1):.1f}x fewer; same matrices: {same}; "
          f"target (>= 3x fewer sequences, >= 2.5x less time): {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
