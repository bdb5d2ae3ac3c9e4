"""Folder outputs, all or nothing: a new folder appears in one rename; a rerun into an existing
one replaces only preftree's own unchanged files (sub-folders included), removes only its own
stale ones, and records old and new hashes before it moves anything, so a kill between renames
leaves every file recognised and the next run repairs the folder. What may be replaced is
decided in :mod:`preftree._io`."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from ._io import (
    _SCRATCH,
    _check_manifest,
    _default_mode,
    _scratch_pattern,
    _scratch_prefix,
    _sweep,
    check_output_dir,
    sweep_manifest_scratch,
)
from ._manifest import (
    FOLDER_OWNER,
    MANIFEST,
    Manifest,
    file_sha256,
    locked,
    regular_file,
)
from .errors import InputError

__all__ = ["half_written", "output_dir"]


def _walk_files(folder: Path) -> tuple[dict[str, Path], list[str]]:
    """The files below ``folder`` and its empty sub-folders, by relative POSIX path."""
    files: dict[str, Path] = {}
    empty: list[str] = []
    for root, dirs, names in os.walk(folder):
        for name in names:
            path = Path(root, name)
            files[path.relative_to(folder).as_posix()] = path
        if not dirs and not names and Path(root) != folder:
            empty.append(Path(root).relative_to(folder).as_posix())
    return files, empty


def _clashes(target: Path, manifest: Manifest, new: Iterable[str]) -> list[str]:
    """New entries that would land on something preftree did not write."""
    clash: list[str] = []
    for relative in new:
        parts = relative.split("/")
        for depth in range(1, len(parts)):
            ancestor = target.joinpath(*parts[:depth])
            if os.path.lexists(ancestor) and (ancestor.is_symlink() or not ancestor.is_dir()):
                clash.append("/".join(parts[:depth]))
        if os.path.lexists(target / relative) and not manifest.owns(relative):
            clash.append(relative)
    return sorted(set(clash))


def _merge(tmp: Path, target: Path, new: dict[str, Path], empty: list[str]) -> list[str]:
    """Move the new files into ``target`` over preftree's own; remove preftree's stale unchanged
    files; return the stale ones kept because they changed. Caller holds the folder lock."""
    _check_manifest(target)
    manifest = Manifest.read(target)
    clash = _clashes(target, manifest, new)
    if clash:
        raise InputError(f"would overwrite {', '.join(clash[:5])}, which preftree did not write "
                         "(or which changed since it did); nothing was changed", path=target)
    hashes = {relative: file_sha256(path) for relative, path in new.items()}
    stale = [r for r in manifest.owned_by(FOLDER_OWNER) if r not in new and r not in empty]
    for relative, digest in hashes.items():
        manifest.record(relative, digest, FOLDER_OWNER, keep_old=True)
    manifest.complete = False
    manifest.write()  # from here a kill leaves every file recognised; the next run repairs
    for relative in sorted(new):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(new[relative], destination)
    for relative in empty:
        (target / relative).mkdir(parents=True, exist_ok=True)
    kept: list[str] = []
    for relative in stale:
        if manifest.files[relative].get("folder"):
            with contextlib.suppress(OSError):
                (target / relative).rmdir()  # only while still empty
                _remove_empty_parents(target, relative)
        elif manifest.owns(relative):
            (target / relative).unlink()
            _remove_empty_parents(target, relative)
        elif os.path.lexists(target / relative):
            kept.append(relative)
        manifest.forget(relative)
    for relative, digest in hashes.items():
        manifest.record(relative, digest, FOLDER_OWNER)
    for relative in empty:
        manifest.record_folder(relative, FOLDER_OWNER)
    manifest.complete = True
    manifest.write()
    return kept


def _remove_empty_parents(target: Path, relative: str) -> None:
    parent = (target / relative).parent
    while parent != target:
        try:
            parent.rmdir()  # only an empty folder goes; one holding anything of the user's stays
        except OSError:
            return
        parent = parent.parent


@contextlib.contextmanager
def output_dir(target: str | Path, inputs: Iterable[str | Path | None] = (), *,
               force: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder; on success move its files into ``target``.

    A new or empty target receives the folder in one rename. Otherwise only files an earlier
    preftree run wrote and nobody changed are replaced or removed; a new file that would land on
    anything else is an error, and then nothing is changed.
    """
    inputs = list(inputs)
    target = check_output_dir(target, inputs, force=force)
    target.parent.mkdir(parents=True, exist_ok=True)
    _sweep(target.parent, _scratch_pattern(target))
    if target.is_dir():
        sweep_manifest_scratch(target)
    tmp = Path(tempfile.mkdtemp(prefix=_scratch_prefix(target), suffix=".tmp", dir=target.parent))
    _SCRATCH.add(os.path.realpath(tmp))
    try:
        yield tmp
        new, empty = _walk_files(tmp)
        odd = [r for r, p in new.items() if not regular_file(p)]
        if odd:
            raise InputError(f"preftree wrote something other than a file ({odd[0]}); nothing "
                             "was changed", path=target)
        cwd = os.path.realpath(os.getcwd())
        holds_cwd = target.exists() and (cwd + os.sep).startswith(os.path.realpath(target) + os.sep)
        if not target.exists() or (not any(target.iterdir()) and not holds_cwd):
            manifest = Manifest(tmp)
            for relative, path in new.items():
                manifest.record(relative, file_sha256(path), FOLDER_OWNER)
            for relative in empty:
                manifest.record_folder(relative, FOLDER_OWNER)
            manifest.write()
            os.chmod(tmp, _default_mode(0o777))
            if target.exists():
                target.rmdir()
            os.replace(tmp, target)  # one rename: the folder appears whole or not at all
            return
        with locked(target):
            check_output_dir(target, inputs, force=force)  # the folder may have changed meanwhile
            kept = _merge(tmp, target, new, empty)
        if kept:
            print(f"preftree: kept {', '.join(kept[:5])} in {target}: written by an earlier run "
                  "but changed since, so they are yours now", file=sys.stderr)
    finally:
        _SCRATCH.discard(os.path.realpath(tmp))
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def half_written(folder: Path) -> bool:
    """True if a preftree run was killed while replacing files in ``folder`` (rerun it to repair)."""
    return (folder / MANIFEST).exists() and not Manifest.read(folder).complete


def check_whole(folder: str | Path) -> None:
    """Refuse to read outputs a killed run left half replaced (old and new files side by side):
    every reader of preftree's own outputs calls this first."""
    folder = Path(folder)
    if half_written(folder):
        raise InputError("a preftree run was killed here while it replaced files, so old and new outputs "
                         "are mixed; run the command that wrote them again to repair the folder", path=folder)
