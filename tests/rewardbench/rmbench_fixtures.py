"""RM-Bench files in the exact schema THU-KEG publishes (a JSON list, indented, integer ids; the
per-domain files' extra fields: chat's ``error_key``/``error``, code's ``language``/``task_id``),
written from small texts so a tiny model can score them. Real files: set ``RM_BENCH_DATA``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DOMAIN_SIZES = {"chat": 20, "code": 4, "math": 4, "safety-refuse": 3, "safety-response": 3}
"""Chat is large enough for a bootstrap interval (20 prompts), the others are not."""
N_PROMPTS = sum(DOMAIN_SIZES.values())
PUBLISHED_README = """# RM-Bench Leaderboard

Some words first.

## Detailed Leaderboard
| Model Name | Model Type      | Chat   | Math   | Code   | Safety   | Easy   | Normal   | Hard   | Domain Avg   | Difficulty Avg   |   Overall | Potentially Score Mismatch   | License Type   |
|:-----------|:----------------|:-------|:-------|:-------|:---------|:-------|:---------|:-------|:-------------|:-----------------|----------:|:-----------------------------|:---------------|
| [Skywork-Reward-Llama-3.1-8B](https://huggingface.co/Skywork/Skywork-Reward-Llama-3.1-8B) | Scalar RM | 69.5 | 60.6 | 54.5 | 95.7 | 89.0 | 74.7 | 46.6 | 70.1 | 70.1 | 70.1 | False | Open Source |
| [internlm2-20b-reward](https://huggingface.co/internlm/internlm2-20b-reward) | Scalar RM | 63.1 | 66.8 | 56.7 | 86.5 | 82.6 | 71.6 | 50.7 | 68.3 | 68.3 | 68.3 | False | Open Source |
| [Skywork-Reward-V2-Qwen3-4B](https://arxiv.org/pdf/2507.01352) | Scalar RM | - | - | - | - | 92.1 | 84.7 | 67.9 | - | 81.6 | 81.6 | Not Available | Open Weight |

More words after.
"""


def rm_bench_row(domain: str, row_id: int, words: list[str], *, tie: bool = False) -> dict[str, Any]:
    """One prompt: chosen and rejected answers in three styles of growing length (markdown last);
    ``tie`` makes the detailed plain answers identical, so a scorer ties on that comparison."""
    base = " ".join(words[:6])
    chosen = [base, f"{base} " + " ".join(words[6:14]), f"**{base}**\n- " + " ".join(words[6:14])]
    wrong = " ".join(reversed(words[:6]))
    rejected = [wrong, f"{wrong} " + " ".join(words[14:22]), f"**{wrong}**\n- " + " ".join(words[14:22])]
    if tie:
        rejected[1] = chosen[1]
    row: dict[str, Any] = {"id": row_id, "prompt": f"Question {row_id}: " + " ".join(words[22:28])}
    if domain == "code":
        row.update({"subset": "hep-python", "language": "python", "task_id": f"Python/{row_id}"})
    else:
        row["subset"] = {"chat": "alpacaeval", "math": "math-prm"}.get(domain, "xstest-should-refuse")
    row.update({"chosen": chosen, "rejected": rejected})
    if domain == "chat":
        row.update({"error_key": "shoes", "error": "not shoes"})
    return row


def rm_bench_rows(vocabulary: list[str], sizes: dict[str, int] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Rows per source domain; ids restart in every domain, as in the published files."""
    rows: dict[str, list[dict[str, Any]]] = {}
    offset = 0
    for domain, n in (sizes or DOMAIN_SIZES).items():
        rows[domain] = []
        for i in range(n):
            words = [vocabulary[(offset + 7 * i + k * 3) % len(vocabulary)] for k in range(28)]
            rows[domain].append(rm_bench_row(domain, 8 + 4 * i, words, tie=i == 1))
        offset += 11
    return rows


def write_per_domain(folder: Path, rows: dict[str, list[dict[str, Any]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for domain, items in rows.items():
        (folder / f"{domain}_filtered.json").write_text(json.dumps(items, indent=4, ensure_ascii=False))
    return folder


def write_total(path: Path, rows: dict[str, list[dict[str, Any]]]) -> Path:
    """``total_dataset.json``: every row with its ``domain``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    items = [{**row, "domain": domain} for domain, part in rows.items() for row in part]
    path.write_text(json.dumps(items, indent=4, ensure_ascii=False))
    return path


def vocabulary_of(demo_pairs: Any) -> list[str]:
    """Words the tiny tokenizer knows (it was trained on the demo pairs)."""
    words: list[str] = []
    for pair in list(demo_pairs)[:40]:
        words += [w for w in pair.response_1.split() if w.isalpha()]
    return list(dict.fromkeys(words))[:300]
