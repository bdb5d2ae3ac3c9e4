"""Safe outputs: files appear whole or not at all, and nothing preftree did not write is touched.

A file output is written to a temporary file beside it and renamed into place. preftree replaces
only a regular file that it can show it wrote: the folder's manifest (:mod:`preftree._manifest`)
records the SHA-256 of everything preftree writes, so a file that was changed, copied in, or never
written by preftree is kept unless ``force`` (the CLI's ``--force``). Symbolic links, FIFOs and
devices are never replaced, even with ``force``. Folder outputs
(:mod:`preftree._folders`) follow the same rules file by file. No output may be one of the command's
inputs, compared after resolving ``file://`` URIs and symbolic links.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from ._manifest import (
    MANIFEST,
    MANIFEST_SCRATCH,
    Manifest,
    file_sha256,
    locked,
    regular_file,
)
from .errors import ConfigError, InputError

__all__ = ["MANIFEST", "allow_replacing", "atomic_path", "atomic_paths", "atomic_write_text", "check_output_dir",
           "check_output_file", "file_uri_path", "local_path", "replacing_allowed"]

_FORCE: contextvars.ContextVar[bool] = contextvars.ContextVar("preftree_force", default=False)
_SCRATCH: set[str] = set()  # temporary folders this process is building (not recorded beside)


def replacing_allowed() -> bool:
    """Whether the command in progress was given ``--force`` (see :func:`allow_replacing`)."""
    return _FORCE.get()


@contextlib.contextmanager
def allow_replacing(force: bool) -> Iterator[None]:
    """Within the block, file outputs may replace regular files preftree did not write (the CLI
    sets it from ``--force``)."""
    token = _FORCE.set(force)
    try:
        yield
    finally:
        _FORCE.reset(token)


def _kind(path: Path) -> str | None:
    """What is at ``path`` when it is not something preftree may replace ("a FIFO", ...)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return None


def _in_scratch(path: Path) -> bool:
    real = os.path.realpath(path)
    return any(real == s or real.startswith(s + os.sep) for s in _SCRATCH)


def _check_manifest(folder: Path) -> None:
    """The folder's manifest may be rewritten only where it is a file (or absent)."""
    path = folder / MANIFEST
    if os.path.lexists(path) and not regular_file(path):
        raise InputError(f"{MANIFEST} here is not a file preftree wrote (a folder or a link); "
                         "move it away", path=folder)


def _check_replaceable(target: Path, force: bool) -> None:
    """A file output may land on nothing, on a file preftree wrote, or (with force) on any regular
    file; never on a link, FIFO, device, socket or folder."""
    kind = _kind(target)
    if kind is not None:
        raise InputError(f"is {kind}; preftree writes only to a new path or a regular file, so "
                         "give another path", path=target)
    if not os.path.lexists(target) or force or _in_scratch(target.parent):
        return
    if not Manifest.read(target.parent).owns(target.name):
        raise InputError("exists and preftree did not write it (or it changed since); give "
                         "another path, or --force to replace it", path=target)


def file_uri_path(uri: str) -> Path:
    """The local path a ``file://`` URI names (any case of the scheme, %-escapes decoded); a
    host other than localhost, a ?query or a #fragment is an error that does not echo secrets."""
    from urllib.parse import unquote, urlsplit

    from ._redact import redact

    parts = urlsplit(uri)
    if parts.netloc not in ("", "localhost"):
        raise InputError(f"a file:// URI names a path on this machine; this one names the host "
                         f"{redact('file://' + parts.netloc + '/')!r}: use file:///PATH")
    if parts.query or parts.fragment:
        raise InputError("a file:// URI names a file: drop its ?query or #fragment")
    return Path(unquote(parts.path))


def local_path(source: str | Path) -> Path | None:
    """The local path behind an input: a path, or a ``file://`` URI; None for a remote URI."""
    text = str(source)
    if text[:7].lower() == "file://":
        return file_uri_path(text)
    if "://" in text:
        return None
    return Path(source)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _check_parent(out: Path) -> None:
    """The nearest existing ancestor of ``out`` must be a folder (``--out data.jsonl/x`` is not)."""
    for parent in out.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"cannot write below {parent}: it is a file, not a folder", path=out)
            return


def _local_inputs(inputs: Iterable[str | Path | None]) -> list[Path]:
    return [p for p in (local_path(s) for s in inputs if s is not None) if p is not None]


def _check_not_input(out: Path, inputs: list[Path]) -> None:
    for source in inputs:
        if os.path.lexists(out) and source.exists() and _same_file(out, source):
            raise InputError("is one of this command's inputs; write the output to another path",
                             path=out)


def _check_local(out: str | Path) -> None:
    """An output is a local path: ``file:///x`` or ``s3://b/x`` would become a folder named
    ``file:`` or ``s3:`` here, beside the file the user meant."""
    text = str(out)
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]+:/", text) or text.lower().startswith("file:"):
        raise InputError(f"an output is a local path, not a URI; got {text!r} (drop the scheme)")


def check_output_file(out: str | Path, inputs: Iterable[str | Path | None] = (), *,
                      force: bool | None = None) -> Path:
    """Check a file output before any work is done: a new path or a regular file preftree wrote
    (any regular file with ``force``), not below a file, not one of the inputs."""
    _check_local(out)
    out = Path(os.path.abspath(out))
    force = _FORCE.get() if force is None else force
    if out.name == MANIFEST:
        raise InputError(f"{MANIFEST} is preftree's record of what it wrote; give another name",
                         path=out)
    _check_parent(out)
    _check_not_input(out, _local_inputs(inputs))
    _check_replaceable(out, force)
    return out


def _foreign(folder: Path, manifest: Manifest) -> list[str]:
    """Entries in ``folder`` (recursively) that are not files preftree wrote and left unchanged."""
    found: list[str] = []
    for root, dirs, files in os.walk(folder):
        for name in sorted(files) + sorted(d for d in dirs if os.path.islink(Path(root, d))):
            relative = Path(root, name).relative_to(folder).as_posix()
            if relative == MANIFEST or MANIFEST_SCRATCH.match(relative):
                continue
            if not manifest.owns(relative):
                found.append(relative)
    return found


def check_output_dir(out: str | Path, inputs: Iterable[str | Path | None] = (), *,
                     force: bool = False) -> Path:
    """Check a folder output before any work is done; returns the folder with a symbolic link
    resolved (the module docstring gives the rules)."""
    _check_local(out)
    out = Path(os.path.abspath(out))  # "." and "x/.." name the folder itself, not a child of it
    if out.is_symlink() and out.is_dir():
        out = Path(os.path.realpath(out))
    if os.path.lexists(out) and not out.is_dir():
        raise InputError(f"exists and is {_kind(out) or 'a file'}; give a folder path here (a "
                         "file is never replaced by a folder)", path=out)
    _check_parent(out)
    sources = _local_inputs(inputs)
    _check_not_input(out, sources)
    if out.is_dir():
        manifest = Manifest.read(out)
        for source in sources:
            real = os.path.realpath(source)
            root = os.path.realpath(out)
            if not real.startswith(root + os.sep):
                continue
            relative = Path(real).relative_to(root).as_posix()
            if relative in manifest.files or any(name.startswith(relative + "/")
                                                 for name in manifest.files):
                raise InputError(f"{source} is an input of this command and was written by "
                                     "an earlier preftree run into this folder, which this run "
                                     "would replace; write to another folder", path=out)
        foreign = _foreign(out, manifest)
        if foreign and not force:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise InputError(f"folder is not empty and preftree did not write it ({shown}: not "
                             "written by preftree, or changed since); use an empty or new folder, or --force to add "
                             "preftree's files beside these (nothing of yours is deleted or "
                             "overwritten, even then)", path=out)
    return out


def _default_mode(base: int) -> int:
    """``base`` less the process umask: the mode a plain ``open``/``mkdir`` would have given."""
    mask = os.umask(0)
    os.umask(mask)
    return base & ~mask


def _scratch_prefix(target: Path) -> str:
    """Prefix of the temporary entries made beside ``target``; it carries this process's id."""
    return f".{target.name}.preftree-{os.getpid()}-"


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs; a pid no process can have (2**31 and up) counts as alive, so
    an entry named with it is never taken for a dead run's and swept."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _scratch_pattern(target: Path) -> re.Pattern[str]:
    """Exactly the names preftree gives its temporary entries beside ``target`` (mkstemp's 8
    random characters and a .tmp/.old suffix): nothing of the user's can match by accident."""
    return re.compile(rf"^\.{re.escape(target.name)}\.preftree-([0-9]{{1,10}})-[a-z0-9_]{{8}}\.(?:tmp|old)$")


def _sweep(folder: Path, pattern: re.Pattern[str]) -> None:
    """Remove temporary entries matching ``pattern`` left in ``folder`` by a preftree process
    that was killed before it could clean up; a live process's entries are left alone."""
    try:
        entries = [(e, m.group(1)) for e in folder.iterdir() if (m := pattern.match(e.name))]
    except OSError:
        return
    for entry, pid in entries:
        if int(pid) != os.getpid() and not _pid_alive(int(pid)):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    entry.unlink()


MANIFEST_START = b'{\n  "written_by": "preftree '
"""How every manifest preftree writes begins (``Manifest.write``: JSON, indent 2, written_by first)."""


def sweep_manifest_scratch(folder: Path) -> None:
    """Remove the manifest's temporary files a killed preftree run left in ``folder``: only
    regular files of that name whose writer is gone and whose content is a manifest preftree
    wrote (a user's file or folder of the same name is never touched)."""
    try:
        entries = [(e, m.group(1)) for e in folder.iterdir() if (m := MANIFEST_SCRATCH.match(e.name))]
    except OSError:
        return
    for entry, pid in entries:
        if int(pid) == os.getpid() or _pid_alive(int(pid)) or not regular_file(entry):
            continue
        try:
            with open(entry, "rb") as handle:
                head = handle.read(1 << 20)
        except OSError:
            continue
        # empty: killed before it wrote a byte; else the start of a manifest as preftree writes it
        if head == b"" or head.startswith(MANIFEST_START):
            with contextlib.suppress(OSError):
                entry.unlink()


@contextlib.contextmanager
def atomic_paths(*targets: str | Path, force: bool | None = None) -> Iterator[list[Path]]:
    """Yield a temporary path beside each of ``targets`` (files of one folder that belong
    together, such as a CSV and its JSON); rename them onto their targets only if the block
    succeeds, recorded in the folder's manifest as one change: ``complete: false`` while they are
    renamed, so a run killed between two renames leaves a folder readers refuse (and a rerun
    repairs), never one file of this run beside one of the last."""
    paths = [Path(os.path.abspath(t)) for t in targets]
    folder = paths[0].parent
    force = _FORCE.get() if force is None else force
    if any(p.parent != folder for p in paths) or len({p.name for p in paths}) < len(paths):
        raise ConfigError("atomic_paths takes distinct files of one folder")
    for target in paths:
        if target.name == MANIFEST:
            raise InputError(f"{MANIFEST} is preftree's record of what it wrote; give another name",
                             path=target)
    folder.mkdir(parents=True, exist_ok=True)
    for target in paths:
        _check_replaceable(target, force)
    if not _in_scratch(folder):
        _check_manifest(folder)
    for target in paths:
        _sweep(folder, _scratch_pattern(target))
    sweep_manifest_scratch(folder)  # a killed run's manifest scratch never blocks a rerun
    scratch = []
    for target in paths:
        fd, tmp_name = tempfile.mkstemp(prefix=_scratch_prefix(target), suffix=".tmp", dir=folder)
        os.close(fd)
        scratch.append(Path(tmp_name))
    try:
        yield scratch
        for tmp in scratch:
            if tmp.exists():
                os.chmod(tmp, _default_mode(0o666))
        if _in_scratch(folder):
            for tmp, target in zip(scratch, paths):
                os.replace(tmp, target)
            return
        with locked(folder):
            for target in paths:
                _check_replaceable(target, force)  # the path may have changed meanwhile
            manifest = Manifest.read(folder)
            foreign = [t for t in paths if os.path.lexists(t) and not manifest.owns(t.name)]
            digests = [file_sha256(tmp) for tmp in scratch]
            for target, digest in zip(paths, digests):
                manifest.record(target.name, digest, target.name, keep_old=True)
            several = len(paths) > 1
            manifest.complete = manifest.complete and not several
            manifest.write()  # a crash after a rename still finds the new file recorded
            for tmp, target in zip(scratch, paths):
                os.replace(tmp, target)
            for target, digest in zip(paths, digests):
                manifest.record(target.name, digest, target.name)
            manifest.complete = True if several else manifest.complete
            manifest.write()
        for target in foreign:
            from ._markup import plain_line

            print(plain_line(f"preftree: replaced {target}, which preftree had not written (--force)"),
                  file=sys.stderr)
    finally:
        for tmp in scratch:
            if tmp.exists():
                tmp.unlink()


@contextlib.contextmanager
def atomic_path(target: str | Path, *, force: bool | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only if the block
    succeeds, and record the file in the folder's manifest (see the module docstring)."""
    with atomic_paths(target, force=force) as (tmp,):
        yield tmp


def atomic_write_text(target: str | Path, text: str, *, force: bool | None = None) -> None:
    """Write ``text`` to ``target`` atomically (UTF-8)."""
    with atomic_path(target, force=force) as tmp:
        tmp.write_text(text, encoding="utf-8")
