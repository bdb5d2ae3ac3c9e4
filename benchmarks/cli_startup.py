"""Start-up of the command line: ``preftree --help`` and ``import preftree`` against a baseline
that imports what they used to (the whole API with pandas, scikit-learn, scipy and matplotlib).

Each figure is the median of ``--repeat`` fresh interpreter runs, so the import caches of one run
do not help the next. Target: ``preftree --help`` at most 0.5 s on the 2-core machine.

    python benchmarks/cli_startup.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CASES = {
    "preftree --help": [sys.executable, "-m", "preftree", "--help"],
    "preftree explain --help": [sys.executable, "-m", "preftree", "explain", "--help"],
    "import preftree": [sys.executable, "-c", "import preftree"],
    "baseline: eager API import": [
        sys.executable, "-c",
        "import preftree.explanation, preftree.report.write, preftree.rewardbench.leaderboard, "
        "preftree.judges.collect, preftree.features.differences, preftree.tree.estimator, "
        "matplotlib.pyplot"],
}


def median_seconds(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    results = {name: median_seconds(command, args.repeat) for name, command in CASES.items()}
    baseline = results["baseline: eager API import"]
    print(f"{'':<30}{'median s':>10}{'vs baseline':>13}   ({args.repeat} fresh interpreters each)")
    for name, seconds in results.items():
        print(f"{name:<30}{seconds:>10.3f}{seconds / baseline:>12.2f}x")
    verdict = "met" if results["preftree --help"] <= 0.5 else "MISSED"
    print(f"target preftree --help <= 0.5 s: {verdict}")


if __name__ == "__main__":
    main()
