"""The manifest: what preftree wrote into a folder, recorded so it can be recognised later.

``.preftree-manifest.json`` in a folder lists every file preftree wrote there (sub-folders
included) with its SHA-256 and the output it belongs to (``"."`` for a folder output, a file name
for a single-file output). Each entry is sealed with an HMAC under a key that lives outside every
output folder (``$PREFTREE_STATE_DIR/manifest.key``, by default in the user's state folder), so
a file is preftree's only while its bytes still hash to a value preftree itself recorded: a
manifest that was copied from another machine, hand-written (even with the hash of your file) or
left beside edited files grants nothing, and is never a licence to delete or overwrite. A path
below a symbolic link is never preftree's. While a rerun is replacing files the manifest holds
both the old and the new hashes and ``complete: false``; a run killed then leaves every file
recognised, and the next run repairs the folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ._version import __version__

__all__ = ["FOLDER_OWNER", "MANIFEST", "MANIFEST_SCRATCH", "Manifest", "file_sha256", "locked",
           "regular_file"]

MANIFEST = ".preftree-manifest.json"
MANIFEST_SCRATCH = re.compile(r"^\.{1,2}preftree-manifest\.json\.([0-9]{1,10})(?:-[A-Za-z0-9_]{8})?\.tmp$")
"""The manifest's temporary file while it is rewritten (it carries the writer's pid; made by
mkstemp, and, written by preftree before 0.3, with two leading dots and no random part)."""
MANIFEST_LIMIT = 256 << 20
"""Largest manifest read (bytes); a bigger one is not preftree's and grants nothing."""
FOLDER_DIGEST = "folder"
"""What a folder entry's seal covers in place of a file's SHA-256 (never a hex digest)."""
FORMAT = 3
FOLDER_OWNER = "."
_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks (outputs can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def regular_file(path: Path) -> bool:
    """True for a regular file that is not a symbolic link (the only kind preftree replaces)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _state_dir() -> Path:
    configured = os.environ.get("PREFTREE_STATE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "preftree"


_KEY: bytes | None = None
KEY_BYTES = 32


def _private_folder(folder: Path) -> bool:
    """``folder`` exists (made 0700 if not), is a real folder (no link), is this user's, and no
    one else may write or read it: only then may a key live there."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and info.st_mode & 0o077 == 0


def _read_key(path: Path) -> bytes | None:
    """The key at ``path`` when it is this user's own regular file (no link), readable by no one
    else, of exactly :data:`KEY_BYTES` bytes; ``None`` when there is none yet."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _UntrustedKey(f"{path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
            raise _UntrustedKey(f"{path} is not this user's private regular file (mode 0600)")
        key = handle.read(KEY_BYTES + 1)
    if len(key) != KEY_BYTES:
        raise _UntrustedKey(f"{path} does not hold a {KEY_BYTES}-byte key")
    return key



def _hashes(entry: dict[str, object]) -> list[str]:
    """The hashes a manifest entry records (none for a folder entry)."""
    hashes = entry.get("sha256", [])
    return [str(h) for h in hashes] if isinstance(hashes, list) else []

class _UntrustedKey(Exception):
    """A key file that anyone but this user could have planted or read."""


def _key() -> bytes:
    """This user's manifest key, made once (0600, in a 0700 folder of this user's) outside every
    output folder: the state folder, else ``$TMPDIR/preftree-<uid>``. A folder or key that
    another user could have planted or read is never used (a planted key would forge
    deletions); with none usable, this run's own key recognises only what it wrote itself."""
    global _KEY
    if _KEY is not None:
        return _KEY
    reasons = []
    for folder in (_state_dir(), Path(tempfile.gettempdir()) / f"preftree-{os.getuid()}"):
        if not _private_folder(folder):
            reasons.append(f"{folder} is not a private folder of this user's")
            continue
        path = folder / "manifest.key"
        try:
            key = _read_key(path)
            if key is None:  # published whole with link(): a racing process reads all or none
                fd, scratch = tempfile.mkstemp(prefix=".manifest.key.", suffix=".tmp", dir=folder)
                try:
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(os.urandom(KEY_BYTES))
                    with contextlib.suppress(FileExistsError):
                        os.link(scratch, path)
                finally:
                    os.unlink(scratch)
                key = _read_key(path)
            if key is not None:
                _KEY = key
                if reasons and os.environ.get("PREFTREE_STATE_DIR"):
                    import sys

                    from ._markup import plain_line

                    print(plain_line(f"preftree: PREFTREE_STATE_DIR is not usable ({reasons[0][:200]}); the "
                                     f"manifest key is in {folder}, which a reboot may clear"), file=sys.stderr)
                return _KEY
        except (OSError, _UntrustedKey) as exc:
            reasons.append(str(exc))
    import sys

    from ._markup import plain_line

    print(plain_line(f"preftree: no private manifest key ({'; '.join(reasons)[:300]}); this run recognises "
                     "only files it writes itself"), file=sys.stderr)
    _KEY = os.urandom(KEY_BYTES)
    return _KEY


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _seal(relative: str, digest: str) -> str:
    return hmac.new(_key(), f"{relative}\0{digest}".encode(), hashlib.sha256).hexdigest()


def _safe_relative(name: object) -> str | None:
    """A manifest key as a relative POSIX path inside the folder, or None if it points elsewhere."""
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        return None
    parts = PurePosixPath(name).parts
    if name.startswith("/") or any(part in ("", ".", "..") for part in parts):
        return None
    return "/".join(parts)


@dataclass
class Manifest:
    """The files preftree wrote in one folder: relative path → accepted hashes and owner."""

    folder: Path
    files: dict[str, dict[str, object]] = field(default_factory=dict)
    complete: bool = True

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """The folder's manifest; a missing, unreadable or foreign one reads as empty (it grants
        nothing, so there is nothing to refuse)."""
        manifest = cls(folder)
        path = folder / MANIFEST
        if not regular_file(path):
            return manifest
        try:  # never through a link swapped in, never past a bound, never nested past a real one
            with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK), "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    return manifest
                raw = handle.read(MANIFEST_LIMIT + 1)
            if len(raw) > MANIFEST_LIMIT:
                return manifest
            data = json.loads(raw.decode("utf-8"))
        except (OSError, ValueError, RecursionError):
            return manifest
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return manifest  # older manifests listed names without hashes: they prove nothing
        manifest.complete = data.get("complete") is True
        files = data.get("files")
        for name, entry in (files.items() if isinstance(files, dict) else ()):
            relative = _safe_relative(name)
            if relative is None or not isinstance(entry, dict):
                continue
            if entry.get("folder") is True:  # sealed as files are: a hand-written entry grants nothing
                seal = entry.get("sealed")
                if isinstance(entry.get("owner"), str) and isinstance(seal, str) \
                        and hmac.compare_digest(_seal(relative, FOLDER_DIGEST), seal):
                    manifest.files[relative] = {"folder": True, "owner": entry["owner"]}
                continue
            seals = entry.get("sealed")
            hashes = [h for h in (seals if isinstance(seals, list) else [])
                      if isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h)
                      and hmac.compare_digest(_seal(relative, h[0]), h[1])]
            hashes = [h[0] for h in hashes]
            owner = entry.get("owner")
            if hashes and isinstance(owner, str):
                manifest.files[relative] = {"sha256": hashes, "owner": owner}
        return manifest

    def write(self) -> None:
        """Write the manifest atomically (temporary file + rename)."""
        files: dict[str, Any] = {}
        for name in sorted(self.files):
            entry = self.files[name]
            if entry.get("folder"):
                files[name] = {"folder": True, "owner": entry["owner"], "sealed": _seal(name, FOLDER_DIGEST)}
            else:
                files[name] = {"owner": entry["owner"],
                               "sealed": [[h, _seal(name, h)] for h in _hashes(entry)]}
        payload = {"written_by": f"preftree {__version__}", "format": FORMAT,
                   "complete": self.complete, "files": files}
        path = self.folder / MANIFEST  # _io checks first that it is a file, not a link or folder
        # created exclusively (mkstemp: O_EXCL, never through a planted link), named so a killed
        # run's leftover is recognised and swept (MANIFEST_SCRATCH)
        fd, name = tempfile.mkstemp(prefix=f"{MANIFEST}.{os.getpid()}-", suffix=".tmp", dir=self.folder)
        tmp = Path(name)
        try:
            os.fchmod(fd, 0o644 & ~_umask())
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(payload, indent=2) + "\n")
            os.replace(tmp, path)
        finally:
            if os.path.lexists(tmp):
                tmp.unlink()

    def owns(self, relative: str) -> bool:
        """True if the file at ``relative`` is still exactly what preftree wrote there (and no
        folder on the way to it is a symbolic link, which would point outside the folder)."""
        entry = self.files.get(relative)
        path = self.folder / relative
        parts = relative.split("/")
        if any(os.path.islink(self.folder.joinpath(*parts[:depth])) for depth in range(1, len(parts))):
            return False
        if entry is not None and entry.get("folder"):
            return path.is_dir() and not path.is_symlink()
        if entry is None or not regular_file(path):
            return False
        return file_sha256(path) in _hashes(entry)

    def owned_by(self, owner: str) -> list[str]:
        """Recorded files of one output (whether or not they are still unchanged)."""
        return sorted(name for name, entry in self.files.items() if entry["owner"] == owner)

    def record(self, relative: str, sha256: str, owner: str, *, keep_old: bool = False) -> None:
        """Record a file preftree is writing; ``keep_old`` also accepts the hashes recorded before
        (used while a replacement is under way)."""
        old = _hashes(self.files.get(relative, {})) if keep_old else []
        hashes = [sha256, *[h for h in old if h != sha256]]
        self.files[relative] = {"sha256": hashes, "owner": owner}

    def record_folder(self, relative: str, owner: str) -> None:
        """Record an empty folder preftree made (so a rerun may remove it when it is still empty)."""
        self.files[relative] = {"folder": True, "owner": owner}

    def forget(self, relative: str) -> None:
        self.files.pop(relative, None)


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` while its manifest is read, changed and written, so two
    preftree processes writing into one folder do not lose each other's records."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
