"""Safe outputs: files appear whole or not at all, and nothing preftree did not write is touched.

A file output is written to a temporary file beside it and renamed into place. A folder output
carries a manifest (``.preftree-manifest.json``) naming the entries preftree wrote there; a rerun
replaces only those. A non-empty folder without a manifest is refused unless ``force`` (then
preftree's files go beside the user's, never over them), an existing file is never turned into a
folder, and no output may be one of the command's inputs.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import InputError

__all__ = ["MANIFEST", "atomic_path", "atomic_write_text", "check_output_dir", "check_output_file",
           "output_dir"]


def _default_mode(base: int) -> int:
    """``base`` less the process umask: the mode a plain ``open``/``mkdir`` would have given.

    (``mkstemp``/``mkdtemp`` create private 0600/0700 entries; outputs should not stay private.)
    """
    mask = os.umask(0)
    os.umask(mask)
    return base & ~mask


def _scratch_prefix(target: Path) -> str:
    """Prefix of the temporary entries made beside ``target``; it carries this process's id."""
    return f".{target.name}.preftree-{os.getpid()}-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep(target: Path) -> None:
    """Remove temporary entries beside ``target`` left by a preftree process that was killed
    (SIGKILL, power loss) before it could clean up; a live process's entries are left alone."""
    prefix = f".{target.name}.preftree-"
    try:
        entries = [e for e in target.parent.iterdir() if e.name.startswith(prefix)]
    except OSError:
        return
    for entry in entries:
        pid = entry.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    entry.unlink()


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _sweep(target)
    fd, tmp_name = tempfile.mkstemp(prefix=_scratch_prefix(target), suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if tmp.exists():
            os.chmod(tmp, _default_mode(0o666))
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_text(target: str | Path, text: str) -> None:
    """Write ``text`` to ``target`` atomically (UTF-8)."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")



MANIFEST = ".preftree-manifest.json"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _inside(path: Path, folder: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
    except ValueError:
        return False
    return True


def _check_parent(out: Path) -> None:
    """The nearest existing ancestor of ``out`` must be a folder (``--out data.jsonl/x`` is not)."""
    for parent in out.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"cannot write below {parent}: it is a file, not a folder", path=out)
            return


def _check_not_input(out: Path, inputs: Iterable[str | Path | None]) -> None:
    for source in inputs:
        if source is None or "://" in str(source):  # a remote input cannot be a local output
            continue
        if Path(source).exists() and _same_file(out, Path(source)):
            raise InputError("is one of this command's inputs; write the output to another path",
                             path=out)


def check_output_file(out: str | Path, inputs: Iterable[str | Path | None] = ()) -> Path:
    """Check a file output before any work is done: not a folder, not below a file, not an input."""
    out = Path(out)
    if out.is_dir():
        raise InputError("is a folder; give a file path here", path=out)
    _check_parent(out)
    _check_not_input(out, inputs)
    return out


def read_manifest(folder: Path) -> set[str]:
    """The top-level entries a preftree run wrote into ``folder`` (empty without a manifest)."""
    path = folder / MANIFEST
    if not path.is_file():
        return set()
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["entries"]
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(f"the manifest {MANIFEST} is unreadable; delete it only if everything in "
                         "the folder may be replaced", path=folder) from None
    return {str(e) for e in entries if isinstance(e, str) and "/" not in e and e not in ("", ".", "..")}


def _write_manifest(folder: Path, entries: Iterable[str]) -> None:
    from . import __version__

    text = json.dumps({"written_by": f"preftree {__version__}", "entries": sorted(entries)},
                      indent=2) + "\n"
    atomic_write_text(folder / MANIFEST, text)


def check_output_dir(out: str | Path, inputs: Iterable[str | Path | None] = (), *,
                     force: bool = False) -> Path:
    """Check a folder output before any work is done (see the module docstring for the rules)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError("exists and is a file; give a folder path here (a file is never "
                         "replaced by a folder)", path=out)
    _check_parent(out)
    inputs = [Path(s) for s in inputs if s is not None]
    _check_not_input(out, inputs)
    if out.is_dir():
        owned = read_manifest(out)
        for source in inputs:
            if any(_inside(source, out / name) for name in owned):
                raise InputError(f"{source} is an input of this command and was written by an "
                                 "earlier preftree run into this folder, which this run would "
                                 "replace; write to another folder", path=out)
        foreign = sorted(e.name for e in out.iterdir() if e.name != MANIFEST and e.name not in owned)
        if foreign and not force:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise InputError(f"folder is not empty and preftree did not write it ({shown}); use an "
                             "empty or new folder, or --force to add preftree's files beside these "
                             "(nothing of yours is deleted or overwritten)", path=out)
    return out


@contextlib.contextmanager
def output_dir(target: str | Path, inputs: Iterable[str | Path | None] = (), *,
               force: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder; on success move its entries into ``target``.

    Only entries an earlier preftree run wrote (the manifest's) are replaced or removed; an entry
    that would land on a file of the user's is an error, and then nothing is changed.
    """
    inputs = list(inputs)
    target = check_output_dir(target, inputs, force=force)
    target.parent.mkdir(parents=True, exist_ok=True)
    _sweep(target)
    tmp = Path(tempfile.mkdtemp(prefix=_scratch_prefix(target), suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        new = {entry.name for entry in tmp.iterdir()}
        if not target.exists() or not any(target.iterdir()):
            _write_manifest(tmp, new)
            os.chmod(tmp, _default_mode(0o777))
            if target.exists():
                target.rmdir()
            os.replace(tmp, target)
            return
        check_output_dir(target, inputs, force=force)  # the folder may have changed meanwhile
        owned = read_manifest(target)
        clash = sorted(n for n in new if (target / n).exists() and n not in owned)
        if clash:
            raise InputError(f"would overwrite {', '.join(clash)}, which preftree did not write; "
                             "nothing was changed", path=target)
        _write_manifest(target, owned | new)  # a crash below leaves every entry accounted for
        trash = Path(tempfile.mkdtemp(prefix=_scratch_prefix(target), suffix=".old",
                                      dir=target.parent))
        for name in sorted(owned | new):
            if (target / name).exists() or (target / name).is_symlink():
                os.replace(target / name, trash / name)
            if name in new:
                os.replace(tmp / name, target / name)
        _write_manifest(target, new)
        shutil.rmtree(trash, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
