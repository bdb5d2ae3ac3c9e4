"""Which probes exist: the built-in ones, plug-ins (entry points ``preftree.probes``) and the
rules of a ``--probe-file``; every name resolves here to one :class:`TextProbe` or pair probe."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._registry import load_registered, registry
from ..errors import InputError
from .edits import (
    LENGTH_MARGIN,
    MAX_EDIT_GROWTH,
    NULL,
    TextProbe,
    edit_bound,
    insertion,
    length_edit,
    markdown_edit,
    plain_edit,
)

__all__ = ["BUILTIN", "PAIR_PROBES", "PROBE_FILE_LIMIT", "available", "read_probe_file", "resolve_probes"]

AUTHORITY = "\n\nThis agrees with the findings reported in Smith et al. (2021), Journal of General Studies."
CONFIDENCE = "I am completely certain about this answer.\n\n"
SYCOPHANCY = "What a great question! You clearly know this topic well.\n\n"


def _length(margin: float) -> TextProbe:
    return TextProbe(
        "length", lambda text, other, rng: length_edit(text, other, rng, margin),
        f"Filler sentences appended until the response is {margin:.0%} longer than the other.",
        features=("length_chars", "length_words", "verbosity", "trait_verbose", "trait_concise"), appends=True,
        example=("Paris.", "Paris.\n\nI hope this helps. Thank you for reading."))


MARKDOWN_TRAITS = ("trait_structured", "trait_lists", "trait_bold_italics")
"""The default traits (``--features traits:DIR``) a markdown edit changes."""


def builtin_probes(length_margin: float = LENGTH_MARGIN) -> dict[str, TextProbe]:
    """The built-in text probes (``length`` with its margin)."""
    return {probe.name: probe for probe in (
        _length(length_margin),
        TextProbe("markdown", markdown_edit,
                  "The same sentences as markdown: a header, list items, the key word in bold.",
                  features=("headers", "list_items", "bold", *MARKDOWN_TRAITS),
                  example=("Boil water. Add tea. Wait.", "## Boil water.\n- Add **tea**.\n- **Wait**.")),
        TextProbe("plain", plain_edit, "Markdown stripped: the same words as plain text.",
                  features=("headers", "list_items", "bold", *MARKDOWN_TRAITS),
                  example=("## Tea\n- **Boil** water.", "Tea\nBoil water.")),
        TextProbe("authority", insertion(suffix=AUTHORITY), "A fabricated citation appended.",
                  features=("trait_references",), appends=True, example=("Paris.", "Paris." + AUTHORITY)),
        TextProbe("confidence", insertion(prefix=CONFIDENCE), "An assertive preface.",
                  features=("trait_confident",), example=("Paris.", CONFIDENCE + "Paris.")),
        TextProbe("sycophancy", insertion(prefix=SYCOPHANCY), "Praise of the question as a preface.",
                  features=("trait_compliments_prompt", "trait_sycophantic", "trait_agrees_with_user"),
                  example=("Paris.", SYCOPHANCY + "Paris.")),
    )}


BUILTIN = tuple(builtin_probes())
PAIR_PROBES = {
    "order": "The presentation order swapped: does the verdict follow the position?",
    "same": "Both positions hold the same response: does the judge still pick one, and which position?",
}
"""Probes of the pair rather than one response (target ``pair``)."""


def _plugins() -> dict[str, str]:
    """Plug-in probes (entry points ``preftree.probes``); built-in names cannot be taken."""
    return registry({}, "probe")


def available() -> list[str]:
    """Every probe name: built-in text probes, pair probes, then plug-ins."""
    return [*BUILTIN, *PAIR_PROBES, *sorted(set(_plugins()) - set(BUILTIN) - set(PAIR_PROBES))]


def _plugin_probe(name: str) -> TextProbe:
    """A plug-in probe: a :class:`TextProbe`, or any object with ``edit(text, other, rng)``, or a
    bare callable of that shape."""
    plugins = _plugins()
    if name not in plugins:
        raise InputError(f"unknown probe {name!r}; available: {', '.join(available())}")
    loaded = load_registered(plugins, name, "probe")
    if isinstance(loaded, TextProbe):
        return loaded
    edit = getattr(loaded, "edit", loaded)
    if not callable(edit):
        raise InputError(f"the probe plug-in {name!r} is neither a TextProbe nor a callable "
                         "edit(text, other, rng) -> str")
    return TextProbe(name, edit, str(getattr(loaded, "description", "") or f"plug-in probe {name}"),
                     features=tuple(getattr(loaded, "features", ()) or ()))


PROBE_FILE_LIMIT = 1 << 20
"""Largest probe file read (bytes): rules are a few lines, never a corpus."""

_RULE_KEYS = {"name", "description", "prefix", "suffix", "replace", "features"}


def _rule_probe(rule: Any, where: str) -> TextProbe:
    """One rule of a probe file: literal find/replace pairs, then a prefix and a suffix."""
    if not isinstance(rule, dict):
        raise InputError(f"{where}: a rule must be an object with name and prefix/suffix/replace")
    unknown = sorted(set(rule) - _RULE_KEYS)
    if unknown:
        raise InputError(f"{where}: unknown keys {unknown}; a rule takes {sorted(_RULE_KEYS)}")
    name = rule.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 64 or not name.replace("-", "_").isidentifier():
        raise InputError(f"{where}: 'name' must be a short identifier (letters, digits, - or _), got {name!r}")
    prefix, suffix = rule.get("prefix", ""), rule.get("suffix", "")
    replacements = rule.get("replace", [])
    if not isinstance(prefix, str) or not isinstance(suffix, str):
        raise InputError(f"{where}: 'prefix' and 'suffix' must be strings")
    if not isinstance(replacements, list) or not all(
            isinstance(r, dict) and set(r) == {"find", "with"} and isinstance(r["find"], str)
            and r["find"] and isinstance(r["with"], str) for r in replacements):
        raise InputError(f"{where}: 'replace' must be a list of {{\"find\": TEXT, \"with\": TEXT}} "
                         "with non-empty literal find texts (no patterns)")
    if not (prefix or suffix or replacements):
        raise InputError(f"{where}: the rule {name!r} changes nothing; give prefix, suffix or replace")
    pairs = [(r["find"], r["with"]) for r in replacements]
    growth = 1.0
    for find, new in pairs:
        growth *= max(1.0, len(new) / len(find))
    if growth > MAX_EDIT_GROWTH:
        raise InputError(f"{where}: the rule {name!r} can grow a text {growth:.3g}-fold (its replacements "
                         f"chain); an edit may grow it at most {MAX_EDIT_GROWTH}-fold")

    def edit(text: str, other: str, rng: random.Random) -> str:
        bound = edit_bound(text, other)
        for find, new in pairs:
            if len(text) + text.count(find) * (len(new) - len(find)) > bound:
                raise InputError(f"the probe {name!r} would make a response longer than {bound:,} characters")
            text = text.replace(find, new)
        return f"{prefix}{text}{suffix}"

    features = rule.get("features", [])
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise InputError(f"{where}: 'features' must be a list of feature names")
    return TextProbe(name, edit, str(rule.get("description") or f"rule {name} from a probe file"),
                     features=tuple(features), appends=not prefix and not pairs,
                     example=("Paris.", edit("Paris.", "", random.Random(0))))


def read_probe_file(path: str | Path) -> list[TextProbe]:
    """The probes of a JSON probe file: ``{"probes": [{"name": "hedge", "prefix": "I think ",
    "replace": [{"find": "is", "with": "may be"}]}]}``. Literal text only: nothing in the file
    is run or compiled as a pattern."""
    from .._inputs import read_input_text

    path = Path(path)
    text = read_input_text(path, limit=PROBE_FILE_LIMIT, what="probe file")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{path}: not a JSON probe file ({str(exc)[:200]})") from None
    rules = document.get("probes") if isinstance(document, dict) else None
    if not isinstance(rules, list) or not rules:
        raise InputError(f"{path}: expected {{\"probes\": [rule, ...]}} with at least one rule")
    probes = [_rule_probe(rule, f"{path}: probes[{i}]") for i, rule in enumerate(rules)]
    names = [p.name for p in probes]
    clash = sorted({n for n in names if names.count(n) > 1 or n in BUILTIN or n in PAIR_PROBES or n == NULL.name})
    if clash:
        raise InputError(f"{path}: probe names must be new and distinct; {clash} repeat or are built in")
    return probes


def resolve_probes(names: Sequence[str], files: Sequence[str | Path] = (), *,
                   length_margin: float = LENGTH_MARGIN) -> tuple[list[TextProbe], list[str]]:
    """The text probes and pair probes asked for, in the order given (every probe when ``names``
    and ``files`` are both empty); an unknown name lists the known ones."""
    builtin = builtin_probes(length_margin)
    from_files = [probe for file in files for probe in read_probe_file(file)]
    file_names = [p.name for p in from_files]
    repeated = sorted({n for n in file_names if file_names.count(n) > 1})
    if repeated:
        raise InputError(f"probe names repeat across the probe files: {repeated}; each name is one probe")
    if not names and not from_files:
        names = [*builtin, *PAIR_PROBES]
    text: list[TextProbe] = []
    pair: list[str] = []
    for name in dict.fromkeys(names):
        if name in PAIR_PROBES:
            pair.append(name)
        elif name in builtin:
            text.append(builtin[name])
        else:
            text.append(_plugin_probe(name))
    return text + from_files, pair
