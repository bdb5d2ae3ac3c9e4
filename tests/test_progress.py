"""Progress bars in logs (issue 27, item 5): outside a terminal a bar is redrawn at most every
half minute, so a log holds a few lines, not thousands of characters of redraws."""

from __future__ import annotations

import io
import time

from preftree._progress import progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(stream: io.StringIO) -> str:
    for _ in progress_bar(range(300), file=stream, desc="work"):
        time.sleep(0.002)
    return stream.getvalue()


def test_a_log_gets_a_few_lines_and_a_terminal_a_live_bar() -> None:
    log = _run(io.StringIO())
    assert log.count("\r") <= 3 and len(log) < 400 and "300/300" in log
    live = _run(Terminal())
    assert live.count("\r") > 3  # redrawn as it goes
