"""Traits as features: what an annotator is asked about each pair ("which response is more concise?").

The default set covers what Feedback Forensics' default set covers, in preftree's own words. Each
trait has a slug (its column in ``traits.parquet``), a description (the question's subject), and a
rule: how the offline judge server (``python -m preftree.judges.local_server --rule traits``)
answers it, so tests and new users can run the whole path without an API. A trait file is one
trait per line, or YAML / JSON with ``name`` and ``description``; its traits have no rule (the
server answers "neither").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._inputs import read_input_text
from ..data.slugs import MAX_TRAITS, slug
from ..errors import InputError

__all__ = ["DEFAULT_TRAITS", "MAX_TRAITS", "MAX_TRAIT_CHARS", "RULE_DESCRIPTIONS", "Trait", "TraitsSource",
           "read_traits", "resolve_traits", "rule_answer", "rule_score", "slug"]

MAX_TRAIT_CHARS = 1000
"""Longest trait description (it is repeated in every request)."""
TRAIT_FILE_LIMIT = 1 << 20


@dataclass(frozen=True)
class Trait:
    """One trait: its column name, what the annotator looks for, and the offline server's rule."""

    slug: str
    description: str
    rule: str | None = None  # see preftree.judges.local_server's trait rules; None: "neither"

    @property
    def question(self) -> str:
        """The question asked for this trait."""
        return f"Which response {self.description}?"


def _t(description: str, rule: str | None = None, name: str | None = None) -> Trait:
    return Trait(name or slug(description), description, rule)


DEFAULT_TRAITS: tuple[Trait, ...] = (
    _t("is more concise", "shorter", "concise"),
    _t("is longer and more verbose", "longer", "verbose"),
    _t("uses more lists or enumerations", "lists", "lists"),
    _t("has more structured formatting (headings, sections)", "headers", "structured"),
    _t("uses more bold or italic text", "bold", "bold_italics"),
    _t("ends with a follow-up question to the user", "ends_with_question", "follow_up_question"),
    _t("follows the requested format more strictly", None, "format_compliance"),
    _t("is more polite", "polite", "polite"),
    _t("has a friendlier tone", "friendly", "friendly_tone"),
    _t("uses more casual, informal language", "casual", "casual"),
    _t("uses more formal language", "formal", "formal"),
    _t("uses more humour", "humour", "humour"),
    _t("uses more emojis", "emoji", "emojis"),
    _t("is more enthusiastic", "exclamations", "enthusiastic"),
    _t("shows more empathy for the user", "empathy", "empathy"),
    _t("is more optimistic", "optimistic", "optimistic"),
    _t("expresses more emotion", "exclamations", "emotional"),
    _t("sounds more confident and assertive", "confident", "confident"),
    _t("acknowledges its limitations or uncertainty more", "hedges", "acknowledges_limits"),
    _t("states conclusions without showing its reasoning", None, "conclusions_without_reasoning"),
    _t("uses more rhetorical questions", "questions", "rhetorical_questions"),
    _t("cites more references or sources", "references", "references"),
    _t("gives more examples", "examples", "examples"),
    _t("uses more mathematical notation", "math", "math_notation"),
    _t("is more factually correct", None, "factually_correct"),
    _t("is more harmless", None, "harmless"),
    _t("refuses the request", "refusal", "refuses"),
    _t("avoids answering the question more", "refusal", "avoidant"),
    _t("uses inappropriate or offensive language", "offensive", "inappropriate_language"),
    _t("suggests illegal activities", None, "illegal_suggestions"),
    _t("discusses ethics or morals more", "ethics", "ethics"),
    _t("uses more personal pronouns (I, you, we)", "pronouns", "pronouns"),
    _t("is more creative or original", None, "creative"),
    _t("compliments the user or their question", "compliments", "compliments_prompt"),
    _t("agrees with the user more", "agrees", "agrees_with_user"),
    _t("agrees with the user even where the user is wrong (sycophancy)", None, "sycophantic"),
    _t("reinforces the user's beliefs or anger", None, "reinforces_beliefs"),
    _t("engages the user more (invites further conversation)", "ends_with_question", "engaging"),
    _t("uses more code blocks", "code", "code"),
    _t("includes more numbers and figures", "numbers", "numbers"),
)
"""The shipped trait set (``--traits default``)."""


def _from_entries(entries: list[Any], path: Path) -> list[Trait]:
    traits = []
    for i, entry in enumerate(entries, start=1):
        if isinstance(entry, str):
            name, description = None, entry
        elif isinstance(entry, dict) and isinstance(entry.get("description", entry.get("name")), str):
            description = str(entry.get("description") or entry.get("name"))
            name = entry.get("name") if isinstance(entry.get("name"), str) else None
        else:
            raise InputError(f"trait {i}: expected a text or an object with name and description", path=path)
        traits.append(Trait(slug(name or description), " ".join(description.split())))
    return traits


def read_traits(path: str | Path) -> list[Trait]:
    """Traits from a file: JSON or YAML (a list, or ``{"traits": [...]}``, of texts or objects
    with ``name`` and ``description``), else one trait per line (``#`` starts a comment)."""
    path = Path(path)
    text = read_input_text(path, limit=TRAIT_FILE_LIMIT, what="trait file")
    suffix = path.suffix.lower()
    if suffix in (".json", ".yaml", ".yml"):
        try:
            if suffix == ".json":
                data = json.loads(text)
            else:
                import yaml

                data = yaml.safe_load(text)
        except (ValueError, RecursionError) as exc:
            raise InputError(f"not valid {suffix[1:].upper()} ({str(exc)[:200]})", path=path) from None
        except Exception as exc:  # yaml's own errors
            raise InputError(f"not valid YAML ({type(exc).__name__})", path=path) from None
        entries = data.get("traits") if isinstance(data, dict) else data
        if not isinstance(entries, list):
            raise InputError("expected a list of traits (or {\"traits\": [...]})", path=path)
        return _from_entries(entries, path)
    lines = [line.strip() for line in text.splitlines()]
    return _from_entries([line for line in lines if line and not line.startswith("#")], path)  # "#" at the start: a comment


def resolve_traits(spec: str | Path | list[Trait] = "default") -> list[Trait]:
    """``default``, a trait file, or traits given: checked (a bound on how many and how long, one
    slug each) before any request."""
    if isinstance(spec, (list, tuple)):
        traits = [t if isinstance(t, Trait) else Trait(slug(str(t)), " ".join(str(t).split())) for t in spec]
    elif str(spec) == "default":
        traits = list(DEFAULT_TRAITS)
    else:
        traits = read_traits(spec)
    if not traits:
        raise InputError("no traits to annotate")
    empty = [i for i, t in enumerate(traits, start=1) if not t.description.strip()]
    if empty:
        raise InputError(f"trait {empty[0]} is empty: a trait needs a description")
    if len(traits) > MAX_TRAITS:
        raise InputError(f"{len(traits)} traits: at most {MAX_TRAITS} (each is a question per pair, in both orders)")
    long = [t.slug for t in traits if len(t.description) > MAX_TRAIT_CHARS]
    if long:
        raise InputError(f"trait {long[0]!r} is longer than {MAX_TRAIT_CHARS} characters (it is repeated in "
                         "every request): shorten it")
    seen: dict[str, int] = {}
    for trait in traits:
        seen[trait.slug] = seen.get(trait.slug, 0) + 1
    twice = sorted(s for s, n in seen.items() if n > 1)
    if twice:
        raise InputError(f"two traits share the column name {twice[0]!r}: give them distinct names")
    return traits


# --- the offline server's rules: a documented, deterministic answer per default trait ---------

_WORDS = {
    "polite": r"\b(please|thank|thanks|kindly|appreciate)\b",
    "friendly": r"\b(happy|glad|great|love|enjoy|wonderful)\b",
    "casual": r"\b(gonna|wanna|yeah|hey|cool|stuff|kinda|lol)\b",
    "formal": r"\b(therefore|furthermore|moreover|consequently|regarding|hereby)\b",
    "humour": r"\b(haha|lol|joke|funny|pun)\b",
    "empathy": r"\b(sorry to hear|understand how|must be|i feel|that sounds)\b",
    "optimistic": r"\b(hope|bright|positive|optimistic|opportunit)",
    "confident": r"\b(definitely|certainly|clearly|always|undoubtedly)\b",
    "hedges": r"\b(might|may|perhaps|possibly|not sure|i think|uncertain)\b",
    "references": r"(https?://|\[\d+\]|according to|source:)",
    "examples": r"\b(for example|for instance|e\.g\.|such as)\b",
    "math": r"(\$|\\frac|\^|=)",
    "refusal": r"\b(i can't|i cannot|i won't|i'm sorry, but|i am unable)\b",
    "offensive": r"\b(damn|hell|stupid|idiot)\b",
    "ethics": r"\b(ethic|moral|fair|responsib)",
    "pronouns": r"\b(i|you|we|me|us|my|your|our)\b",
    "compliments": r"\b(great question|good question|excellent question|interesting question)\b",
    "agrees": r"\b(you're right|you are right|i agree|absolutely|exactly)\b",
    "questions": r"\?",
    "exclamations": r"!",
    "numbers": r"\d+",
}
RULE_DESCRIPTIONS = {
    "shorter": "the response with fewer characters", "longer": "the response with more characters",
    "lists": "more list items", "headers": "more markdown headers", "bold": "more bold or italic spans",
    "code": "more code blocks", "ends_with_question": "the one that ends with '?'",
    "emoji": "more emoji characters", **{name: f"more matches of {pattern!r} (case-insensitive)"
                                          for name, pattern in _WORDS.items()},
}
"""What each rule counts; the response with more of it shows the trait more, neither on a tie."""


def rule_score(rule: str, text: str) -> float:
    """How much ``text`` shows what ``rule`` counts (see :data:`RULE_DESCRIPTIONS`)."""
    from .style import style_of

    if rule in ("shorter", "longer"):
        return -len(text) if rule == "shorter" else len(text)
    if rule in ("lists", "headers", "bold", "code"):
        style = style_of(text)
        return style[{"lists": "list_items", "headers": "headers", "bold": "bold", "code": "code_blocks"}[rule]]
    if rule == "ends_with_question":
        return float(text.rstrip().endswith("?"))
    if rule == "emoji":
        return sum(1 for c in text if ord(c) >= 0x1F300)
    if rule in _WORDS:
        import re

        return len(re.findall(_WORDS[rule], text, flags=re.IGNORECASE))
    raise InputError(f"unknown trait rule {rule!r}")


def rule_answer(description: str, first: str, second: str) -> str:
    """The offline server's answer for one trait question: ``A`` when the first response shows
    the trait more by its rule, ``B`` the second, ``C`` on a tie or for a trait with no rule."""
    rule = next((t.rule for t in DEFAULT_TRAITS if t.description == description.strip()), None)
    if rule is None:
        return "C"
    a, b = rule_score(rule, first), rule_score(rule, second)
    return "C" if a == b else ("A" if a > b else "B")


# --- traits as features ------------------------------------------------------------------------


class TraitsSource:
    """``traits:DIR`` (a ``preftree annotate`` folder, or its ``traits.parquet``): each trait's
    value as the difference the tree splits on (+1 = response_2 shows it more); ``traits``
    alone: the traits the pairs carry (an AnnotatedPairs file's principles). A value with no
    readable answer counts as 0 (neither)."""

    def __init__(self, location: str | None, spec: str) -> None:
        self.location, self.spec = location, spec

    def table(self, pairs: Any) -> Any:
        import pandas as pd

        if self.location is None:
            columns = [c for c in pairs.metadata_columns() if c.startswith("trait:")]
            if not columns:
                raise InputError("these pairs carry no traits: give --features traits:DIR (a `preftree "
                                 "annotate` folder), or pairs from an AnnotatedPairs file", path=pairs.source)
            return pd.DataFrame({c.removeprefix("trait:"): pairs.metadata_column(c) for c in columns},
                                index=pairs.ids).apply(pd.to_numeric, errors="coerce")
        from ..data.files import read_table

        path = Path(self.location)
        path = path / "traits.parquet" if path.is_dir() else path
        table = read_table(path)
        table.refuse_bad_rows()
        frame = table.frame
        if "id" not in frame.columns:
            raise InputError("a traits file needs an 'id' column (from `preftree annotate`)", path=path)
        ids = frame["id"].astype(str)
        if ids.duplicated().any():
            raise InputError(f"pair id {ids[ids.duplicated()].iloc[0]!r} appears twice", path=path)
        frame = frame.set_index(ids).drop(columns="id")
        missing = [i for i in pairs.ids if i not in frame.index]
        if missing:
            raise InputError(f"{len(missing)} of {len(pairs)} pairs have no trait values (e.g. "
                             f"{', '.join(map(repr, missing[:5]))}): annotate these pairs", path=path)
        frame = frame.loc[pairs.ids]
        if "pair_sha" in frame.columns:  # the texts and orientation the traits were annotated on
            changed = [i for i in pairs.ids if str(frame.at[i, "pair_sha"]) != pairs[i].fingerprint()]
            if changed:
                raise InputError(f"{len(changed)} pairs differ from the ones annotated (other texts, or the "
                                 f"responses in the other order, e.g. {changed[0]!r}; check --orientation-seed): "
                                 "annotate these pairs again", path=path)
            frame = frame.drop(columns="pair_sha")
        values = frame.apply(pd.to_numeric, errors="coerce")
        for column in values.columns:
            kept = values[column]
            bad = kept.notna() & ~kept.isin([-1.0, 0.0, 1.0]) | (kept.isna() & frame[column].notna())
            if bad.any():
                where = str(kept.index[bad.to_numpy()][0])
                raise InputError(f"trait {column!r} of pair {where!r} is {frame.at[where, column]!r}: expected -1 "
                                 "(response_1 shows it more), 0 (neither), +1 (response_2) or empty", path=path)
        return values

    def values(self, pairs: Any) -> tuple[Any, Any]:
        import pandas as pd

        values = self.table(pairs).fillna(0.0)
        values.columns = [f"trait_{c}" for c in values.columns]
        return pd.DataFrame(0.0, index=values.index, columns=values.columns), values
