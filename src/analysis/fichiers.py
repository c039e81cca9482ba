"""Files on disk: the one atomic write of the package (and its counterpart for a folder,
``replace_folder``), the sha256 of a file, and what a failed file operation means in French.

Every file the package writes (obtained data, derived tables, indicator tables, provenance,
run stamps and manifests, rendered pages) goes through ``write_atomic``: a reader never sees
half a file, and a failed write (disk full, read-only file system, permission denied) leaves
the previous file as it was and no temporary file behind.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

MODE = 0o644  # written files are readable by everyone (a temporary file is private)

_CAUSES = {
    errno.ENOSPC: "plus de place sur le disque",
    errno.EDQUOT: "quota disque dépassé",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.EISDIR: "c'est un dossier, un fichier est attendu",
    errno.ENOTDIR: "un élément du chemin est un fichier, un dossier est attendu",
    errno.ENOENT: "fichier ou dossier absent",
    errno.EEXIST: "existe déjà",
    errno.ENOTEMPTY: "dossier non vide",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.EIO: "erreur d'entrée-sortie du disque",
    errno.EMFILE: "trop de fichiers ouverts",
    errno.EBUSY: "fichier ou dossier occupé",
    errno.ETXTBSY: "fichier occupé",
    errno.ELOOP: "trop de liens symboliques",
    errno.EFBIG: "fichier trop gros",
    errno.ENOMEM: "mémoire insuffisante",
    errno.EXDEV: "déplacement entre deux systèmes de fichiers",
}


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then move it onto ``path``.

    The temporary file is ``.<name>.<pid>.<random>.tmp<suffix>`` in the same folder (created
    if needed), so the final rename never crosses file systems, a writer that looks at the
    suffix sees the right one, and the temporary file of a killed process is recognisable
    (``remove_orphan_temporaries``). The file gets mode 0644; the temporary file is removed
    whatever happens, short of a kill.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=f".tmp{path.suffix}")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, MODE)
        os.replace(tmp, path)
    except OSError as error:
        if error.errno is not None and error.filename is None:  # a failed write() names no file
            error.filename = str(path)
        raise
    finally:
        tmp.unlink(missing_ok=True)
    return path


def swap_dir(folder: Path, end: str) -> Path:
    """A folder beside ``folder`` while ``replace_folder`` swaps it: ``.<name>.new`` (``end="new"``,
    a staging copied near it) or ``.<name>.old`` (``end="old"``, the folder it replaces)."""
    return folder.with_name(f".{folder.name}.{end}")


def replace_folder(staging: Path, folder: Path) -> None:
    """Replace ``folder`` by the complete ``staging`` folder: ``folder`` is moved aside to
    ``.<name>.old``, ``staging`` renamed into place, the old one removed; a reader sees the old
    folder or the new one, whole. ``staging`` on another file system (the system's temporary
    folder) is first copied beside ``folder`` as ``.<name>.new``."""
    old = swap_dir(folder, "old")
    shutil.rmtree(old, ignore_errors=True)
    if staging.stat().st_dev != folder.parent.stat().st_dev:
        near = swap_dir(folder, "new")
        shutil.rmtree(near, ignore_errors=True)
        shutil.copytree(staging, near)
        staging = near
    if folder.exists():
        os.replace(folder, old)
    os.replace(staging, folder)
    shutil.rmtree(old, ignore_errors=True)


def recover_swap(folder: Path) -> list[str]:
    """Undo what a ``replace_folder`` killed midway left beside ``folder`` (for the only writer of
    ``folder``): ``.<name>.old`` is put back when ``folder`` itself is missing (the kill fell
    between the two renames), then ``.<name>.old`` and ``.<name>.new`` are removed. Returns the
    names removed."""
    old = swap_dir(folder, "old")
    if old.is_dir() and not folder.exists():
        os.replace(old, folder)
    removed = [p for p in (old, swap_dir(folder, "new")) if p.is_dir()]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return [p.name for p in removed]


# a temporary file of ``write_atomic`` (mkstemp's random part: 8 of [a-z0-9_]), with the
# writer's pid, or without it (written before the pid was part of the name)
_TEMPORARY = re.compile(r"^\..+?(?:\.(?P<pid>\d+))?\.[a-z0-9_]{8}\.tmp(?:\.[^.]+)?$")
UNNAMED_WRITER_S = 3600  # a temporary file without pid, untouched for this long, is abandoned


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_orphan_temporaries(folder: Path) -> list[Path]:
    """Remove the temporary files ``write_atomic`` left under ``folder`` (recursively) when
    its process was killed, and return them: those whose writer (the pid in the name) is no
    longer running, and those without pid untouched for ``UNNAMED_WRITER_S``. The temporary
    file of a writer still at work is kept."""
    removed = []
    for path in Path(folder).rglob(".*.tmp*"):
        match = _TEMPORARY.match(path.name)
        if match is None or not path.is_file():
            continue
        pid = match["pid"]
        try:
            orphan = not _running(int(pid)) if pid else time.time() - path.stat().st_mtime > UNNAMED_WRITER_S
            if orphan:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:  # its writer finished meanwhile
            continue
    return removed


def file_sha256(path: Path) -> str:
    """sha256 (hex) of a file's bytes."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def describe_os_error(error: OSError, path: Path | None = None) -> str:
    """A French sentence for a failed file operation: its cause and the path (the error's, the
    destination of a move rather than its temporary source, else ``path``), e.g.
    ``plus de place sur le disque (outputs/2026-11/manifest.json)``; never the system's English text."""
    if error.errno in _CAUSES:
        cause = _CAUSES[error.errno]
    elif error.errno is not None:  # the system's text is English: its code is what can be looked up
        cause = f"erreur système {errno.errorcode.get(error.errno, error.errno)}"
    else:
        cause = error.strerror or str(error)
    where = error.filename2 or error.filename or path
    return f"{cause} ({where})" if where else cause
