"""Files on disk: the one atomic write of the package, and the sha256 of a file.

Every file the package writes (obtained data, derived tables, indicator tables, provenance,
run stamps and manifests, rendered pages) goes through ``write_atomic``: a reader never sees
half a file, and a failed write leaves the previous file as it was.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

MODE = 0o644  # written files are readable by everyone (a temporary file is private)


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then move it onto ``path``.

    The temporary file is ``.<name>.<random>.tmp<suffix>`` in the same folder (created if
    needed), so the final rename never crosses file systems and a writer that looks at the
    suffix sees the right one. The file gets mode 0644; the temporary file is removed
    whatever happens.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=f".tmp{path.suffix}")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, MODE)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def file_sha256(path: Path) -> str:
    """sha256 (hex) of a file's bytes."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
