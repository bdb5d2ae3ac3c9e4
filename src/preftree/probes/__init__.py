"""Interventions beside the observational tree: edit responses (longer, markdown, a fabricated
citation, the other order, ...) and measure how often each edit flips a judge's verdict. The judges
are :mod:`preftree.judges`' (any :class:`~preftree.judges.protocol.Judge`).

    from preftree.probes import resolve_probes, write_probe
"""

from __future__ import annotations

from .catalogue import PAIR_PROBES, available, read_probe_file, resolve_probes
from .edits import FILLER, NULL, TextProbe
from .run import EditedPair, ProbeResult, design_edits, probe_judges, write_probe

__all__ = ["FILLER", "NULL", "PAIR_PROBES", "EditedPair",
           "ProbeResult", "TextProbe", "available", "design_edits", "probe_judges",
           "read_probe_file", "resolve_probes", "write_probe"]


def __getattr__(name: str) -> object:
    """The probe judges' old names (deprecated, one release): see :mod:`preftree.probes.judges`."""
    if name in ("LLMProbeJudge", "ModelProbeJudge", "Verdict"):
        from . import judges

        return getattr(judges, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
