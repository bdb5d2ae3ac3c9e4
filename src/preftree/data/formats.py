"""Native layouts of public preference data, read as they are published: ``--pairs-format NAME``.

Each reader turns one row of its layout into preftree's (``id, prompt, response_1, response_2,
label`` plus metadata) and names the label format, so no file needs a conversion script:

| name              | layout (as published)                                                          |
|-------------------|--------------------------------------------------------------------------------|
| ``preftree``      | id, prompt, response_1, response_2 (or the aliases of :data:`PAIR_ALIASES`)     |
| ``alpacaeval``    | AlpacaEval ``annotations.json``: instruction, output_1/2, generator_1/2, preference, annotator |
| ``chosen-rejected`` | RewardBench (prompt, chosen, rejected strings), UltraFeedback-binarized and Skywork-Preference (chosen / rejected as chat messages) |
| ``hh-rlhf``       | Anthropic HH-RLHF: chosen / rejected ``"\\n\\nHuman: …\\n\\nAssistant: …"`` transcripts |
| ``judgebench``    | JudgeBench pairs (pair_id, question, response_A/B, label ``A>B``), with or without a judge's ``judgments`` |
| ``pandalm``       | PandaLM test set: instruction, input, response1/2, annotator1-3 (0 = tie, 1, 2) |
| ``arena``         | LMSYS arena releases: conversation_a/b + winner (chatbot_arena_conversations), or prompt/response_a/b JSON lists + winner_model_a/b/tie (arena-human-preference-55k) |
| ``mt-bench``      | lmsys/mt_bench_human_judgments: question_id, model_a/b, winner, judge, conversation_a/b, turn |
| ``rm-bench``      | RM-Bench: prompt, chosen / rejected lists of three styles → nine pairs per row (:mod:`.rm_bench_layout`) |

Chosen/rejected data would make the label constant ("response_1 is always better"), so the chosen
response is placed first or second by a coin flip seeded by ``seed`` and the pair's id: the same
file and seed give the same pairs, whatever the row order.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError, PreftreeError
from .files import Table
from .model import SkippedRow
from .placement import place_chosen as _place
from .rm_bench_layout import is_rm_bench_row, rm_bench_pairs, with_file_domain

__all__ = ["PAIRS_FORMATS", "NativeFormat", "detect_pairs_format", "pairs_formats", "to_preftree"]


@dataclass(frozen=True)
class NativeFormat:
    """A native layout: how to recognise its columns, convert a row, and read its label."""

    name: str
    detect: Callable[[set[str], dict[str, Any]], bool]  # columns, first row
    convert: Callable[[dict[str, Any], int, int], dict[str, Any] | list[dict[str, Any]]]  # → record(s)
    label_format: str | None
    column_formats: Mapping[str, str] = field(default_factory=dict)  # other label columns (judges)
    prepare: Callable[[Table], Table] | None = None  # what the file itself says (its name) before rows


def _stable_id(prefix: str, *parts: Any) -> str:
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return f"{prefix}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}"


def _messages(value: Any) -> list[dict[str, str]] | None:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list) and value and all(isinstance(m, Mapping) and "content" in m for m in value):
        return [{"role": str(m.get("role", "")), "content": str(m["content"])} for m in value]
    return None


def _split_last_turn(messages: list[dict[str, str]], what: str) -> tuple[list[dict[str, str]], str]:
    if messages[-1]["role"] != "assistant":
        raise InputError(f"{what} does not end with an assistant turn")
    return messages[:-1], messages[-1]["content"]


def _shared_history(chosen: list[dict[str, str]], rejected: list[dict[str, str]]
                    ) -> tuple[list[dict[str, str]] | str, str, str]:
    history, good = _split_last_turn(chosen, "'chosen'")
    other, bad = _split_last_turn(rejected, "'rejected'")
    if history != other:
        raise InputError("'chosen' and 'rejected' differ before their last turn; a pair needs one "
                         "shared conversation")
    if len(history) == 1 and history[0]["role"] == "user":
        return history[0]["content"], good, bad
    return history, good, bad


def _chosen_rejected(row: dict[str, Any], position: int, seed: int) -> dict[str, Any]:
    chosen, rejected = row["chosen"], row["rejected"]
    chosen_messages, rejected_messages = _messages(chosen), _messages(rejected)
    if chosen_messages is not None and rejected_messages is not None:
        prompt, good, bad = _shared_history(chosen_messages, rejected_messages)
    elif isinstance(chosen, str) and isinstance(rejected, str) and "prompt" in row:
        prompt, good, bad = row["prompt"], chosen, rejected
    else:
        raise InputError("'chosen' and 'rejected' must be strings (with a 'prompt' column) or "
                         "lists of chat messages")
    pair_id = str(row.get("id", row.get("prompt_id", "")) or _stable_id("cr", prompt, good, bad))
    keep = {k: v for k, v in row.items() if k not in ("chosen", "rejected", "prompt", "id", "messages")}
    return _place({"id": pair_id, "prompt": prompt, **keep}, good, bad, seed)


_HH_TURN = re.compile(r"\n\n(Human|Assistant): ")


def _hh_messages(transcript: Any, what: str) -> list[dict[str, str]]:
    if not isinstance(transcript, str) or not _HH_TURN.match(transcript):
        raise InputError(f"'{what}' is not an HH-RLHF transcript (\\n\\nHuman: … \\n\\nAssistant: …)")
    parts = _HH_TURN.split(transcript)[1:]
    return [{"role": "user" if role == "Human" else "assistant", "content": text}
            for role, text in zip(parts[::2], parts[1::2])]


_HH_REPLY = "\n\nAssistant: "


def _hh_rlhf(row: dict[str, Any], position: int, seed: int) -> dict[str, Any]:
    """The prompt is the longest transcript both share up to its last ``\n\nAssistant: ``; each
    response is the rest. Splitting on every marker instead refuses real rows (5 of
    harmless-base/test's 2,312) whose final reply itself contains ``Assistant:``."""
    chosen, rejected = row["chosen"], row["rejected"]
    _hh_messages(chosen, "chosen"), _hh_messages(rejected, "rejected")  # both are transcripts
    cut = os.path.commonprefix([chosen, rejected]).rfind(_HH_REPLY)
    if cut < 0:
        raise InputError("'chosen' and 'rejected' share no conversation up to an Assistant turn")
    history = _hh_messages(chosen[:cut], "the shared conversation")
    if history[-1]["role"] != "user":
        raise InputError("the shared conversation does not end with a Human turn")
    good, bad = chosen[cut + len(_HH_REPLY):], rejected[cut + len(_HH_REPLY):]
    prompt: Any = history[0]["content"] if len(history) == 1 else history
    pair_id = str(row.get("id") or _stable_id("hh", prompt, good, bad))
    return _place({"id": pair_id, "prompt": prompt}, good, bad, seed)


def _alpacaeval(row: dict[str, Any], position: int, seed: int) -> dict[str, Any]:
    pair_id = row.get("id") or _stable_id("ae", row["instruction"], row["output_1"], row["output_2"],
                                          row.get("generator_1"), row.get("generator_2"),
                                          row.get("annotator"))
    keep = {k: v for k, v in row.items() if k not in ("instruction", "output_1", "output_2",
                                                       "preference", "id")}
    return {**keep, "id": str(pair_id), "prompt": row["instruction"], "response_1": row["output_1"],
            "response_2": row["output_2"], "label": row.get("preference")}


def _judgebench(row: dict[str, Any], position: int, seed: int) -> dict[str, Any]:
    keep = {k: v for k, v in row.items() if k not in ("pair_id", "question", "response_A",
                                                       "response_B", "label")}
    return {**keep, "id": str(row["pair_id"]), "prompt": row["question"],
            "response_1": row["response_A"], "response_2": row["response_B"], "label": row.get("label")}


def _pandalm_vote(value: Any, i: int) -> int | None:
    """One PandaLM vote as published: the integer 0 (tie), 1 or 2, or its string form (the
    README's examples); missing is None; anything else (1.7, "B", True) is refused."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str) and value.strip() in ("0", "1", "2"):
        return int(value.strip())
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 <= value <= 2:
        return int(value)
    if isinstance(value, float) and value in (0.0, 1.0, 2.0):  # ints read into a float column
        return int(value)
    raise InputError(f"annotator{i} is {value!r}; PandaLM votes are 0 (tie), 1 or 2")


def _pandalm(row: dict[str, Any], position: int, seed: int) -> dict[str, Any]:
    extra = row.get("input")
    prompt = row["instruction"] if not extra else f"{row['instruction']}\n\n{extra}"
    votes = [_pandalm_vote(row.get(f"annotator{i}"), i) for i in (1, 2, 3)]
    counted = Counter(v for v in votes if v is not None)
    if not counted:
        raise InputError("no annotator vote (annotator1-3 are all missing)")
    top = counted.most_common(2)
    majority = top[0][0] if top and (len(top) == 1 or top[0][1] > top[1][1]) else 0
    pair_id = row.get("question_id", row.get("idx", row.get("id")))
    pair_id = str(pair_id) if pair_id is not None else _stable_id("pandalm", prompt, row["response1"],
                                                                  row["response2"])
    keep = {k: v for k, v in row.items() if k not in ("instruction", "input", "response1",
                                                       "response2", "question_id", "idx", "id")}
    return {**keep, "id": pair_id, "prompt": prompt, "response_1": row["response1"],
            "response_2": row["response2"], "label": majority}


_WINNER = {"model_a": -1, "model_b": 1, "tie": 0, "tie (bothbad)": 0, "both_bad": 0,
           "tie (inconsistent)": 0}
"""Arena's and MT-Bench's published winner codings: the 33k release's ``tie (bothbad)``, the
100k/140k releases' ``both_bad``, and MT-Bench gpt4_pair's ``tie (inconsistent)`` (FastChat's
compute_agreement.py counts every "tie…" as a tie)."""


def _winner(value: Any) -> int:
    if value not in _WINNER:
        raise InputError(f"'winner' is {value!r}; expected one of {', '.join(_WINNER)}")
    return _WINNER[value]


def _conversations(row: dict[str, Any], turn: int) -> tuple[list[dict[str, str]] | str, str, str]:
    a, b = _messages(row["conversation_a"]), _messages(row["conversation_b"])
    if a is None or b is None:
        raise InputError("'conversation_a' and 'conversation_b' must be lists of chat messages")
    cut = 2 * turn  # user, assistant per turn
    if len(a) < cut or len(b) < cut:
        raise InputError(f"turn {turn} needs {cut} messages per conversation")
    history, first = _split_last_turn(a[:cut], "'conversation_a'")
    _, second = _split_last_turn(b[:cut], "'conversation_b'")
    if len(history) == 1:
        return history[0]["content"], first, second
    return history, first, second  # later turns: model_a's own history, as the judge saw it


def _json_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return [value]
    return list(value) if isinstance(value, (list, np.ndarray)) else [value]


def _arena(row: dict[str, Any], position: int, seed: int) -> dict[str, Any]:
    meta = {"model_a": row.get("model_a"), "model_b": row.get("model_b")}
    if "conversation_a" in row:
        turn = int(row.get("turn") or 1)
        prompt, first, second = _conversations(row, turn)  # the last turn, model_a's history
        label = _winner(row.get("winner"))
        pair_id = row.get("question_id") or _stable_id("arena", prompt, first, second)
        return {**meta, "id": str(pair_id), "prompt": prompt, "response_1": first,
                "response_2": second, "label": label, "judge": row.get("judge"),
                "language": row.get("language"), "turns": turn}
    prompts, firsts, seconds = (_json_list(row[k]) for k in ("prompt", "response_a", "response_b"))
    if not (len(prompts) == len(firsts) == len(seconds)):
        raise InputError("'prompt', 'response_a' and 'response_b' hold different numbers of turns")
    messages: list[dict[str, str]] = []
    for turn_prompt, turn_answer in zip(prompts[:-1], firsts[:-1]):
        messages += [{"role": "user", "content": str(turn_prompt)},
                     {"role": "assistant", "content": str(turn_answer)}]
    last_prompt: list[dict[str, str]] | str = messages + [{"role": "user", "content": str(prompts[-1])}] \
        if messages else str(prompts[-1])
    votes = [row.get("winner_model_a"), row.get("winner_model_b"), row.get("winner_tie")]
    if sorted(int(v or 0) for v in votes) != [0, 0, 1]:
        raise InputError("exactly one of winner_model_a, winner_model_b, winner_tie must be 1")
    label = {0: -1, 1: 1, 2: 0}[[int(v or 0) for v in votes].index(1)]
    return {**meta, "id": str(row.get("id") or _stable_id("arena", last_prompt, firsts[-1], seconds[-1])),
            "prompt": last_prompt, "response_1": str(firsts[-1] or ""),
            "response_2": str(seconds[-1] or ""), "label": label, "turns": len(prompts)}


def _mt_bench(row: dict[str, Any], position: int, seed: int) -> dict[str, Any]:
    turn = int(row.get("turn") or 1)
    prompt, first, second = _conversations(row, turn)
    pair_id = f"{row['question_id']}-{row['model_a']}-{row['model_b']}-t{turn}-{row.get('judge', '')}"
    return {"id": pair_id, "prompt": prompt, "response_1": first, "response_2": second,
            "label": _winner(row.get("winner")), "question_id": row["question_id"],
            "model_a": row["model_a"], "model_b": row["model_b"], "judge": row.get("judge"),
            "turn": turn}


def _has(*names: str) -> Callable[[set[str], dict[str, Any]], bool]:
    return lambda columns, row: set(names) <= columns


def _is_hh(columns: set[str], row: dict[str, Any]) -> bool:
    return {"chosen", "rejected"} <= columns and isinstance(row.get("chosen"), str) \
        and row["chosen"].startswith("\n\nHuman:")


PAIRS_FORMATS: dict[str, NativeFormat] = {f.name: f for f in (
    NativeFormat("alpacaeval", _has("instruction", "output_1", "output_2", "preference"), _alpacaeval,
                 "alpacaeval"),
    NativeFormat("hh-rlhf", _is_hh, _hh_rlhf, "signed"),
    NativeFormat("chosen-rejected", lambda c, row: {"chosen", "rejected"} <= c and not _is_hh(c, row)
                 and not is_rm_bench_row(c, row), _chosen_rejected, "signed"),
    NativeFormat("rm-bench", is_rm_bench_row, rm_bench_pairs, "signed", prepare=with_file_domain),
    NativeFormat("judgebench", _has("pair_id", "question", "response_A", "response_B"), _judgebench,
                 "ab"),
    NativeFormat("pandalm", _has("instruction", "response1", "response2", "annotator1"), _pandalm,
                 "index-tie", {f"annotator{i}": "index-tie" for i in (1, 2, 3)}),
    NativeFormat("arena", lambda c, row: ({"conversation_a", "conversation_b", "winner"} <= c
                                     and ("anony" in c or "language" in c or not {"turn", "question_id"} <= c))
                 or {"response_a", "response_b", "winner_model_a"} <= c, _arena, "signed"),
    NativeFormat("mt-bench", lambda c, row: {"conversation_a", "conversation_b", "winner", "turn",
                                        "question_id"} <= c and "anony" not in c, _mt_bench, "signed"),
)}


RESERVED_FORMAT_NAMES = ("auto", "preftree")
"""Names a plug-in layout cannot take: the choices that are not layouts."""


def pairs_formats(*, plugins: bool | str = True) -> dict[str, NativeFormat]:
    """The built-in layouts and those plug-ins register (entry-point group
    ``preftree.pairs_formats``, each entry a :class:`NativeFormat`); built-ins win a name.

    ``plugins=True`` loads every plug-in for detection: one that cannot be loaded is left out
    with a warning, so a broken plug-in never stops files it is not asked for. ``plugins=NAME``
    loads that one only (an error if it fails), ``False`` none. A plug-in's detection failing
    counts as "does not fit"; its converter's failures other than a bad row name the plug-in."""
    from .._registry import plugin_names, registry

    found = dict(PAIRS_FORMATS)
    registered = [n for n in plugin_names("pairs format") if n not in found and n not in RESERVED_FORMAT_NAMES]
    if plugins is False or (isinstance(plugins, str) and plugins not in registered):
        return found  # a built-in, "preftree", or a name no plug-in has: the caller says what is known
    wanted = [plugins] if isinstance(plugins, str) else registered
    if not wanted:
        return found
    entries = registry({}, "pairs format")
    for name in wanted:
        try:
            found[name] = _plugin_layout(entries, name)
        except PreftreeError as exc:
            if isinstance(plugins, str):
                raise
            import warnings

            warnings.warn(f"{exc}; it is left out of layout detection", stacklevel=2)
    return found


def _plugin_layout(entries: Mapping[str, str], name: str) -> NativeFormat:
    from .._registry import load_registered

    label = f"the pairs format plug-in {name!r} ({entries.get(name, '?')})"
    if name in RESERVED_FORMAT_NAMES:
        raise InputError(f"{label} takes a reserved name ({', '.join(RESERVED_FORMAT_NAMES)})")
    layout = load_registered(entries, name, "pairs format")
    if not isinstance(layout, NativeFormat) or layout.name != name:
        raise InputError(f"{label} is not a preftree.data.formats.NativeFormat named {name!r}")

    def detect(columns: set[str], row: dict[str, Any]) -> bool:
        try:
            return bool(layout.detect(columns, row))
        except Exception:  # a plug-in's detection that fails does not fit
            return False

    def convert(row: dict[str, Any], position: int, seed: int) -> dict[str, Any] | list[dict[str, Any]]:
        try:
            return layout.convert(row, position, seed)
        except (InputError, KeyError, TypeError, ValueError):
            raise  # a row the layout cannot read: skipped and listed with its line, like a built-in's
        except (Exception, SystemExit) as exc:
            raise PreftreeError(f"{label} failed on a row: {type(exc).__name__}: {exc}") from None

    return NativeFormat(name, detect, convert, layout.label_format, layout.column_formats)


def detect_pairs_format(columns: Sequence[str], first_row: dict[str, Any], *,
                        preftree_fits: bool) -> str:
    """The one native layout these columns (and the first row's values) are in; ``preftree`` when
    only the canonical columns fit; an error listing the candidates when several layouts fit."""
    present = set(columns)
    native = [name for name, fmt in pairs_formats().items() if fmt.detect(present, first_row)]
    canonical = {"id", "prompt", "response_1", "response_2"} <= present
    # a native layout that preftree's aliases also read (JudgeBench) is read natively; a file
    # with preftree's own columns and another layout's is ambiguous
    candidates = native + (["preftree"] if preftree_fits and (canonical or not native) else [])
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        return "preftree"  # let the canonical loader say which columns are missing
    raise InputError(f"the columns fit several layouts ({', '.join(candidates)}); name one with "
                     "--pairs-format")


def to_preftree(table: Table, fmt: str, seed: int = 0, *,
                strict: bool = False) -> tuple[Table, list[SkippedRow]]:
    """``table`` converted from native layout ``fmt`` to preftree's columns, row by row; a row
    that cannot form a pair is skipped and returned with its line and reason (``strict``: the
    error names the row's line instead)."""
    native = pairs_formats(plugins=fmt)[fmt]
    if strict:
        table.refuse_bad_rows()
    if native.prepare is not None:
        table = native.prepare(table)
    records, lines = [], []
    skipped = [SkippedRow(line, reason, None, table.row_word) for line, reason in table.bad_rows]
    for position, row in enumerate(table.records()):
        try:
            made = native.convert(row, position, seed)
            for record in made if isinstance(made, list) else [made]:  # a row may hold several pairs
                records.append(record)
                lines.append(table.lines[position])
        except (InputError, KeyError, TypeError, ValueError) as exc:
            reason = (f"{exc} (reading it as --pairs-format {fmt})" if isinstance(exc, InputError)
                      else f"not a {fmt} row ({type(exc).__name__}: {exc})")
            if strict:
                raise table.error(position, reason) from None
            pair_id = row.get("id", row.get("pair_id", row.get("idx")))
            if isinstance(pair_id, float) and pair_id.is_integer():
                pair_id = int(pair_id)  # an integer id read into a float column
            skipped.append(SkippedRow(table.lines[position], reason,
                                      None if pair_id is None else str(pair_id), table.row_word))
    if not records:
        raise InputError(f"no row could be read as --pairs-format {fmt}"
                         + (f" (first: {skipped[0].where()}: {skipped[0].reason})" if skipped else ""),
                         path=table.path)
    seen: Counter[str] = Counter()
    for record in records:  # generated ids of identical rows (two annotations of one pair)
        seen[record["id"]] += 1
        if seen[record["id"]] > 1 and "id" not in table.frame.columns:
            record["id"] = f"{record['id']}-{seen[record['id']]}"
    import pandas as pd

    return Table(pd.DataFrame.from_records(records), lines, table.path, table.row_word), skipped
