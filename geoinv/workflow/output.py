"""The output folder of a run: never lose a user's file, never leave half a run.

A run computes first and writes last.  :func:`prepare_output` checks, before
anything is computed, that the output folder ``out`` can receive the run and
makes a temporary folder to write into; :func:`commit_output` puts the
finished run in place; :func:`discard_output` removes the temporary folder of
a run that failed or was interrupted.

What ``out`` may be
-------------------
- missing: it is created (with its parents);
- an existing **empty** folder (``--out .`` included): the run is written
  into it (the folder itself, its owner, mode and group are kept);
- an **earlier run**: a folder holding the manifest :data:`MANIFEST`, which
  only geoinv writes and which lists every file of the run with its sha256
  hash.  It is replaced only if it holds exactly what its manifest lists: a
  file the user added inside, or a listed file the user changed, makes the
  run stop before computing, with one line naming that file;
- a symbolic link to one of the above: the run goes into the link's target
  and the link is kept.

Anything else (a file, a non-empty folder without a manifest, a damaged
manifest) is refused with one line; nothing is deleted.

How a run is put in place
-------------------------
Every folder geoinv makes for itself is named ``.geoinv-tmp-*`` or
``.geoinv-old-*`` and holds an owner marker :data:`OWNER` (process id and
start time, host); only folders with that marker are ever removed, so a
user's folder named like a backup (``.out.old``) is never touched.

- New folder or earlier run: the run is written into
  ``<parent>/.geoinv-tmp-*/run`` and renamed to ``out``.  An earlier run is
  swapped with it in one atomic step (Linux ``renameat2`` with
  ``RENAME_EXCHANGE``), so at every instant ``out`` holds the complete
  earlier run or the complete new one; then the earlier run is deleted.
  Where the file system cannot exchange, the earlier run is first renamed
  into a fresh ``<parent>/.geoinv-old-*/run`` (a new folder, so no user's
  name can collide) and ``out`` is missing for the microseconds between the
  two renames.
- Empty folder (it cannot be renamed over while it is the working folder,
  and the user may have set its mode and group): the run is written into
  ``out/.geoinv-tmp-*/run`` and moved into ``out``, the manifest last.
- An earlier run in the working folder (or one of its parents) is refused:
  it cannot be swapped while a shell sits in it.

SIGINT, SIGTERM and SIGHUP are held back while folders are made, swapped or
removed (milliseconds) and delivered right after.  What SIGKILL or a power
cut leaves is repaired by the next run into the same parent folder
(:func:`clean_stale`): a backup whose run never reached ``out`` is renamed
back; temporary folders whose process is gone are removed.

File modes follow the user's umask (``0644`` files and ``0755`` folders
under umask ``022``), as for any file the user creates.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MANIFEST", "OWNER", "OutputError", "Staging", "check_name", "prepare_output",
           "commit_output", "discard_output", "write_manifest", "verify_run", "clean_stale",
           "follow_umask"]

MANIFEST = ".geoinv-run.json"
"""Manifest of a run folder: the files geoinv wrote and their sha256 hashes."""
OWNER = ".geoinv-owner.json"
"""Marker inside a folder geoinv made for itself (temporary or backup)."""
TMP_PREFIX = ".geoinv-tmp-"
OLD_PREFIX = ".geoinv-old-"
STALE_DAYS = 7.0
"""A marker of another host is stale after this many days (its process cannot be asked)."""
MAX_NAME_BYTES = 200
IGNORED = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
"""Files a file browser leaves in any folder it shows; an earlier run may hold them."""
_SIGNALS = tuple(getattr(signal, s) for s in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, s))


class OutputError(OSError):
    """The output folder cannot receive the run (one-line message, nothing changed)."""


def check_name(name):
    """Return ``name`` if it can name a run folder, else raise ValueError.

    A scenario's ``name`` becomes the folder ``runs/<name>``, so it must be
    one plain folder name: not empty, no path separator, not ``.``/``..``
    nor starting with ``.`` (geoinv's own folders do), no control
    character, at most 200 bytes.

    Examples
    --------
    >>> check_name("ves_3layer")
    'ves_3layer'
    >>> check_name("../elsewhere")
    Traceback (most recent call last):
    ...
    ValueError: '../elsewhere' is not a plain folder name: no path separators
    """
    reason = None
    if not name.strip():
        reason = "it must not be empty"
    elif "/" in name or "\\" in name or os.sep in name or (os.altsep and os.altsep in name):
        reason = "no path separators"
    elif os.path.isabs(name):
        reason = "not an absolute path"
    elif name.startswith("."):
        reason = "it must not start with '.'"
    elif any(unicodedata.category(c) == "Cc" for c in name):
        reason = "no control characters"
    elif len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        reason = f"at most {MAX_NAME_BYTES} bytes"
    if reason:
        raise ValueError(f"{name!r} is not a plain folder name: {reason}")
    return name


# -- signals held back while folders are created, swapped or removed ---------
@contextlib.contextmanager
def _signals_held():
    """Hold SIGINT/SIGTERM/SIGHUP for the block, then deliver the first one."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum))
                for s in _SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
        if caught:
            signal.raise_signal(caught[0])


# -- markers and manifests ---------------------------------------------------
def _start_time(pid):
    """Start time of process ``pid`` in clock ticks (Linux), else None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _owner(kind, **extra):
    return {"geoinv": kind, "pid": os.getpid(), "start": _start_time(os.getpid()),
            "host": socket.gethostname(), "created": time.time(), **extra}


def _write_json(path, data):
    """Write JSON through a temporary file and a rename, so readers see all or nothing."""
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(part, path)


def _read_owner(folder):
    """The owner marker of ``folder`` (a dict), or None if it is not geoinv's."""
    try:
        marker = json.loads((Path(folder) / OWNER).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(marker, dict) or marker.get("geoinv") not in ("tmp", "backup", "fill"):
        return None
    return marker


def _is_stale(marker):
    """Whether the process that made a marked folder is gone."""
    pid = marker.get("pid")
    if marker.get("host") != socket.gethostname() or not isinstance(pid, int):
        created = marker.get("created")
        return isinstance(created, (int, float)) and time.time() - created > STALE_DAYS * 86400
    if pid == os.getpid():
        return marker.get("start") != _start_time(pid) or marker.get("token") not in _LIVE
    start = _start_time(pid)
    if start is not None or Path("/proc/self/stat").exists():
        return start is None or start != marker.get("start")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


_LIVE = set()
"""Tokens of the folders this process is using now."""


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(folder):
    """Relative POSIX paths of the files under ``folder`` (links to folders not followed)."""
    found = []
    for root, _, files in os.walk(folder):
        rel = Path(root).relative_to(folder)
        found += [(rel / f).as_posix() for f in files]
    return sorted(found)


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def follow_umask(folder):
    """Give ``folder`` and everything in it the modes the user's umask asks for.

    Files written through temporary files (``tempfile.mkstemp``) get 0600
    whatever the umask; a run's files are set to ``0666 & ~umask`` and its
    folders to ``0777 & ~umask``, as for files the user creates.
    """
    mask = _umask()
    os.chmod(folder, 0o777 & ~mask)
    for root, dirs, files in os.walk(folder):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o777 & ~mask, follow_symlinks=False)
        for f in files:
            path = os.path.join(root, f)
            if not os.path.islink(path):
                os.chmod(path, 0o666 & ~mask)


def write_manifest(folder):
    """List every file under ``folder`` with its sha256 hash in :data:`MANIFEST`.

    Returns
    -------
    dict of str -> str
        Relative path -> sha256 hex digest.
    """
    folder = Path(folder)
    files = {f: _sha256(folder / f) for f in _files(folder) if f != MANIFEST}
    _write_json(folder / MANIFEST, {"geoinv_run": 1, "files": files})
    return files


def _read_manifest(folder, shown=None):
    try:
        doc = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = doc["files"]
        ok = (doc.get("geoinv_run") == 1 and isinstance(files, dict) and all(
            isinstance(k, str) and isinstance(v, str) and k and not k.startswith("/")
            and ".." not in k.split("/") and "\\" not in k for k, v in files.items()))
    except (OSError, ValueError, UnicodeDecodeError, KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        raise OutputError(f"output folder {folder if shown is None else shown} holds a damaged "
                          f"{MANIFEST}; "
                          "nothing was changed (choose another --out)")
    return files


def verify_run(folder, shown=None):
    """Check that ``folder`` holds exactly an earlier run's files.

    ``shown``: the folder's name in messages (default ``folder``).

    Returns
    -------
    dict of str -> str
        The manifest's files (relative path -> sha256).

    Raises
    ------
    OutputError
        Naming the first file the manifest does not list or whose content
        changed since geoinv wrote it.
    """
    folder = Path(folder)
    files = _read_manifest(folder, shown)
    shown = folder if shown is None else shown
    dirs = {p.rsplit("/", 1)[0] for p in files if "/" in p}
    dirs |= {d.rsplit("/", i)[0] for d in set(dirs) for i in range(d.count("/") + 1)}
    for root, subdirs, names in os.walk(folder):
        rel = Path(root).relative_to(folder)
        for name in subdirs + names:
            path, full = (rel / name).as_posix(), os.path.join(root, name)
            if path == MANIFEST or name in IGNORED or (path in dirs and name in subdirs
                                                       and not os.path.islink(full)):
                continue
            if path not in files or name in subdirs:
                problem = f" holds {path}, which the earlier geoinv run did not write"
            elif os.path.islink(full) or _sha256(full) != files[path]:
                problem = f": {path} was changed after geoinv wrote it"
            else:
                continue
            raise OutputError(f"output folder {shown}{problem}; nothing was changed "
                              "(move it away or choose another --out)")
    return files


# -- stale folders of earlier, killed runs -----------------------------------
def _remove(folder):
    """Remove a folder geoinv made, its owner marker last (so a half-removed one stays ours)."""
    folder = Path(folder)
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(folder):
            if entry.name == OWNER:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(folder / OWNER)
    with contextlib.suppress(OSError):
        os.rmdir(folder)


def _matches(path, rel, files):
    """Whether entry ``path`` (relative name ``rel``) holds only ``files`` with their hashes."""
    if os.path.islink(path) or not os.path.exists(path):
        return False
    if os.path.isfile(path):
        return files.get(rel) == _sha256(path)
    inner = _files(path)
    return bool(inner) and all(files.get(f"{rel}/{f}") == _sha256(os.path.join(path, f))
                               for f in inner)


def clean_stale(parent):
    """Repair what killed runs left in ``parent``; return the folders removed.

    A backup (``.geoinv-old-*``) whose run never reached its place is renamed
    back; stale temporary folders are removed; in a folder being filled in
    place, the entries a killed run had moved in are taken out again.  Only
    folders holding geoinv's owner marker, whose process is gone, are
    touched; errors are ignored (this is housekeeping).
    """
    parent = Path(parent)
    removed = []
    try:
        entries = [e for e in os.scandir(parent) if e.name.startswith((TMP_PREFIX, OLD_PREFIX))
                   and e.is_dir(follow_symlinks=False)]
    except OSError:
        return removed
    for entry in sorted(entries, key=lambda e: e.name):  # backups (.geoinv-old) first
        marker = _read_owner(entry.path)
        if marker is None:   # killed between making the folder and marking it?
            with contextlib.suppress(OSError):
                if (set(os.listdir(entry.path)) <= {OWNER + ".part"}
                        and time.time() - entry.stat(follow_symlinks=False).st_mtime > 60):
                    _remove(entry.path)
                    removed.append(Path(entry.path))
            continue
        if not _is_stale(marker):
            continue
        with contextlib.suppress(OSError, ValueError):
            folder = Path(entry.path)
            if marker["geoinv"] == "backup":
                target = parent / _plain(marker.get("target"))
                if (folder / "run").is_dir() and not os.path.lexists(target):
                    with _signals_held():
                        os.rename(folder / "run", target)
            elif marker["geoinv"] == "fill":   # moving entries into ``parent`` in place
                new = marker.get("files")
                if isinstance(new, dict) and not _manifest_is(parent, new):
                    for name in {f.split("/", 1)[0] for f in new}:
                        path = parent / name
                        if _matches(path, name, new):
                            with _signals_held():
                                _remove_entry(path)
            with _signals_held():
                _remove(folder)
            removed.append(folder)
    return removed


def _plain(name):
    """``name`` if it names an entry of a folder (a marker's target), else ValueError."""
    if not isinstance(name, str) or name in ("", ".", "..") or "/" in name or "\\" in name:
        raise ValueError(f"not a folder entry: {name!r}")
    return name


def _manifest_is(folder, files):
    try:
        return _read_manifest(Path(folder)) == files
    except OutputError:
        return False


def _remove_entry(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


# -- the three steps ---------------------------------------------------------
@dataclass
class Staging:
    """Where a run is being written and where it will go.

    Attributes
    ----------
    out : Path
        The output folder as given.
    target : Path
        Where the run lands: ``out``, or the target of a symbolic link.
    folder : Path
        The temporary folder to write the run into.
    mode : {"new", "replace", "fill"}
        Create ``target``, swap an earlier run for the new one, or fill an
        empty folder in place.
    """

    out: Path
    target: Path
    folder: Path
    mode: str
    token: str = ""

    @property
    def holder(self):
        """The marked folder geoinv made around ``folder``; removed when done."""
        return self.folder.parent


def _inside_cwd(target):
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        return False
    return cwd == target or target in cwd.parents


def _classify(out, target, own=None):
    """'new', 'replace' or 'fill'; raise OutputError for anything else.

    ``own``: the name of this run's temporary folder inside ``target`` (fill).
    """
    if not os.path.lexists(target):
        return "new"
    if not target.is_dir():
        raise OutputError(f"output {out} exists and is not a folder")
    entries = [e.name for e in os.scandir(target) if e.name != own]
    live = [n for n in entries if n.startswith(TMP_PREFIX) and _read_owner(target / n)]
    if live:
        raise OutputError(f"output folder {out} is being written by another geoinv run "
                          f"({live[0]}); wait for it or choose another --out")
    if not entries:
        return "fill"
    if MANIFEST not in entries:
        raise OutputError(f"output folder {out} is not empty and holds no earlier geoinv run "
                          f"(no {MANIFEST}); nothing was changed (choose another --out)")
    verify_run(target, out)
    if _inside_cwd(target):
        raise OutputError(f"output folder {out} holds an earlier run and is the working folder "
                          "(or contains it), so it cannot be swapped for the new run; run from "
                          "its parent folder, or choose another --out")
    if os.path.ismount(target):
        raise OutputError(f"output folder {out} holds an earlier run and is a mount point, so "
                          "it cannot be swapped for the new run; choose another --out")
    return "replace"


def prepare_output(out):
    """Check that ``out`` can receive a run and make the folder to write it into.

    Cleans what killed runs left in the parent folder (and in ``out``), then
    checks ``out`` (see the module docstring).  Call it before computing, so
    a run that cannot be written stops at once.

    Parameters
    ----------
    out : str or Path

    Returns
    -------
    Staging
        Write the run into ``staging.folder``; then :func:`commit_output`
        or :func:`discard_output`.

    Raises
    ------
    OutputError
        ``out`` is not a missing, empty or earlier-run folder, or cannot be
        written (one line; nothing changed).
    """
    out = Path(out)
    try:
        target = out.resolve()   # a symbolic link: its target; ".": the working folder
    except (OSError, RuntimeError) as err:  # a loop of links
        raise OutputError(f"cannot write the output folder {out}: {err}") from None
    made = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(target.parent)
        if target.is_dir():
            clean_stale(target)
        mode = _classify(out, target)
        token = secrets.token_hex(4)
        _LIVE.add(token)
        with _signals_held():   # a signal held here is delivered at the end of the block
            made = Path(tempfile.mkdtemp(prefix=TMP_PREFIX,
                                         dir=target if mode == "fill" else target.parent))
            _write_json(made / OWNER, _owner("fill" if mode == "fill" else "tmp",
                                             target=target.name, token=token))
            (made / "run").mkdir()
    except BaseException as err:
        if made is not None:
            with _signals_held():
                _remove(made)
        if isinstance(err, OSError) and not isinstance(err, OutputError):
            raise OutputError(f"cannot write the output folder {out}: "
                              f"{err.strerror or err}") from None
        raise
    return Staging(out, target, made / "run", mode, token)


def commit_output(staging):
    """Put a finished run in place (see the module docstring); return its folder.

    Writes the manifest, then swaps, creates or fills ``staging.target``.
    SIGINT/SIGTERM/SIGHUP arriving meanwhile are delivered once the run is
    in place.

    Raises
    ------
    OutputError
        ``target`` changed during the run so that it can no longer receive
        it (e.g. the user put a file into it); the new run is discarded and
        ``target`` is left as it is.
    """
    folder, target, holder = staging.folder, staging.target, staging.holder
    files = write_manifest(folder)
    follow_umask(folder)
    mode = _classify(staging.out, target, own=holder.name if staging.mode == "fill" else None)
    if mode != staging.mode:
        raise OutputError(f"output folder {staging.out} changed during the run; "
                          "nothing was written")
    done = False
    try:
        with _signals_held():
            _swap(staging, folder, target, holder, mode, files)
            done = True
    except KeyboardInterrupt as exc:   # a signal held back during the swap, delivered now
        if done:
            exc.written = target
        raise
    _LIVE.discard(staging.token)
    return target


def _exchange(a, b):
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):   # this file system cannot
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap(staging, folder, target, holder, mode, files):
    """Create, replace or fill ``target`` with the run in ``folder``; remove ``holder``."""
    if mode == "new":
        os.rename(folder, target)
    elif mode == "replace" and _exchange(folder, target):
        pass   # the earlier run is now in ``folder``, removed with ``holder`` below
    elif mode == "replace":
        backup = Path(tempfile.mkdtemp(prefix=OLD_PREFIX, dir=target.parent))
        _write_json(backup / OWNER, _owner("backup", target=target.name,
                                           token=staging.token))
        os.rename(target, backup / "run")
        try:
            os.rename(folder, target)
        except OSError:
            os.rename(backup / "run", target)
            _remove(backup)
            raise
        _remove(backup)
    else:   # fill an empty folder in place, the manifest last
        owner = _read_owner(holder) or {}
        _write_json(holder / OWNER, {**owner, "files": files})
        moved = []
        try:
            for name in [n for n in sorted(os.listdir(folder)) if n != MANIFEST] + [MANIFEST]:
                os.rename(folder / name, target / name)
                moved.append(name)
        except OSError:
            for name in moved:
                os.rename(target / name, folder / name)
            raise
    _remove(holder)


def discard_output(staging):
    """Remove the temporary folder of a run that is not to be kept (safe to repeat)."""
    if staging is None:
        return
    with _signals_held():
        _remove(staging.holder)
    _LIVE.discard(staging.token)
