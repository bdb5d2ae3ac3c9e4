"""A million pairs on a laptop: ``preftree explain --features style`` against a plain ``json.loads``
loop over the same file, time and peak memory, in one run.

Generates ``--pairs`` pairs of about 1 KB each (JSONL: id, prompt, two responses with varied length
and markdown, a label that leans on length), then measures, each in a fresh process:

- the baseline: ``for line in file: json.loads(line)`` (the least any reader of the file does);
- reading the pairs with their style features (``load_pairs(..., keep_texts=False)``, the
  streaming column reader ``explain`` uses), to show the reading's share;
- ``preftree explain --features style --table-only`` on the same file, with ``--resamples 20 --cv 3``
  and with the defaults (100 resamples, 5 folds);
- the same pairs written as Parquet by pyarrow's defaults (one row group up to a million rows: the
  whole file in one group, the hardest case for a streaming read), read with their style features
  and explained with the defaults.

Targets (issue 32): explain ≤ 3× the baseline's time, peak resident memory under 1.5 GB at 1M.

    python benchmarks/million_pairs.py [--pairs 100000] [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ("the model answer explains reasons because data shows that users prefer clear concise helpful "
         "responses which cite sources and avoid errors while keeping a friendly tone").split()


def generate(path: Path, n: int, seed: int = 0) -> int:
    """``n`` pairs of about 1 KB; returns the file's size in bytes."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            lengths = (rng.randint(20, 80), rng.randint(20, 80))
            texts = []
            for words in lengths:
                body = " ".join(rng.choice(WORDS) for _ in range(words))
                if rng.random() < 0.3:
                    body = "## Answer\n- " + body.replace(" because ", "\n- **because** ", 2)
                texts.append(body)
            label = 1 if (lengths[1] - lengths[0]) + rng.gauss(0, 15) > 0 else -1
            handle.write(json.dumps({"id": f"p{i}", "prompt": " ".join(rng.choice(WORDS) for _ in range(12)),
                                     "response_1": texts[0], "response_2": texts[1], "label": label}) + "\n")
    return path.stat().st_size


BASELINE = """
import json, sys
n = 0
with open(sys.argv[1], encoding="utf-8") as handle:
    for line in handle:
        json.loads(line)
        n += 1
print(n)
"""


def measure(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, the child's own peak resident memory (GB), and its output's last line."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise SystemExit(f"{command[:4]} failed: {err.read()[-2000:]}")
        lines = (out.read().strip().splitlines() or [""])
    return wall, usage.ru_maxrss / 1024 ** 2, lines[-1]


READ = """
import sys, time
from preftree.data import load_pairs
from preftree.features.sources import StyleSource
pairs = load_pairs(sys.argv[1], keep_texts=False, features=("style",))
first, second = StyleSource().values(pairs)
print(len(pairs), float(first["length_words"].sum()))
"""


CONVERT = """
import sys
import pyarrow.json, pyarrow.parquet
pyarrow.parquet.write_table(pyarrow.json.read_json(sys.argv[1]), sys.argv[2])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="keep the generated file and explain's folder here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        data = folder / f"pairs-{args.pairs}.jsonl"
        size = generate(data, args.pairs)
        print(f"{args.pairs:,} pairs, {size / 1e6:,.0f} MB ({data})")
        base_wall, base_peak, counted = measure([sys.executable, "-c", BASELINE, str(data)])
        read_wall, read_peak, _ = measure([sys.executable, "-c", READ, str(data)])
        parquet = folder / f"pairs-{args.pairs}.parquet"
        # in a child: the file read whole here would count in every later child's peak (a forked
        # child's resident set starts as this process's)
        subprocess.run([sys.executable, "-c", CONVERT, str(data), str(parquet)], check=True)
        parquet_read_wall, parquet_read_peak, _ = measure([sys.executable, "-c", READ, str(parquet)])
        out = folder / f"explained-{args.pairs}"
        runs = []
        for label, source, options in (
                ("explain --resamples 20 --cv 3", data, ["--resamples", "20", "--cv", "3"]),
                ("explain (defaults: 100 resamples, 5 folds)", data, []),
                ("explain, Parquet (defaults)", parquet, [])):
            wall, peak, _ = measure([sys.executable, "-m", "preftree", "explain", "--pairs", str(source),
                                     "--features", "style", *options, "--out", str(out), "--force",
                                     "--table-only"])
            summary = json.loads((out / "summary.json").read_text())
            runs.append((label, wall, peak, summary))
        print(f"{'method':<44}{'wall s':>9}{'peak GB':>9}{'vs json.loads':>15}")
        print(f"{'json.loads loop (baseline, ' + counted + ' lines)':<44}{base_wall:>9.1f}{base_peak:>9.2f}{1.0:>14.2f}x")
        print(f"{'read + style features (streaming)':<44}{read_wall:>9.1f}{read_peak:>9.2f}{read_wall / base_wall:>14.2f}x")
        print(f"{'read + style features, Parquet (' + format(parquet.stat().st_size / 1e6, ',.0f') + ' MB)':<44}"
              f"{parquet_read_wall:>9.1f}{parquet_read_peak:>9.2f}{parquet_read_wall / base_wall:>14.2f}x")
        for label, wall, peak, _ in runs:
            print(f"{label:<44}{wall:>9.1f}{peak:>9.2f}{wall / base_wall:>14.2f}x")
        for label, wall, peak, summary in runs:
            print(f"{label}: best single feature {(summary.get('best_single_feature') or {}).get('feature')}; "
                  f"cv accuracy {100 * float(summary.get('cv_accuracy', 0)):.1f}%; target (<= 3x the baseline's "
                  f"time, peak < 1.5 GB): {'met' if wall / base_wall <= 3 and peak < 1.5 else 'MISSED'}")

if __name__ == "__main__":
    main()
