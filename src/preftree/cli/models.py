"""``preftree models``: the model catalogue — how each leaderboard system loads, what was verified."""

from __future__ import annotations

import click

from ._options import echo

__all__ = ["models"]


@click.command()
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "md", "json"]), help="Output format.")
@click.option("--all", "show_all", is_flag=True, help="Also show the loader, notes and what was verified.")
def models(fmt: str, show_all: bool) -> None:
    """List the model catalogue: each system's loader, the settings preftree applies to it, what
    was verified offline and what needs the real weights or a GPU."""
    import json

    from ..scoring.catalogue import catalogue

    entries = catalogue()
    if fmt == "json":
        echo(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    rows = [[e["id"], e["kind"], ", ".join(f"{k}={v}" for k, v in e.get("settings", {}).items()) or "-",
             e.get("leaderboard") or "-"] for e in entries]
    head = ["model", "kind", "settings", "leaderboard name"]
    if show_all:
        head += ["loads with", "verified offline", "needs"]
        for row, e in zip(rows, entries):
            row += [e["loader"], e["verified"], e["needs"]]
    if fmt == "md":
        echo("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
        for row in rows:
            echo("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
        return
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(4)]
    for row in [head, *rows]:
        echo("  ".join(str(c).ljust(w) for c, w in zip(row[:4], widths)).rstrip())
        for extra, value in zip(head[4:], row[4:]):
            echo(f"    {extra}: {value}")
