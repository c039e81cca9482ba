"""The month's lock: one writer of ``outputs/<periode>/`` at a time.

A run, a render, a verification, the indicator tables built for the history or for a notebook
opened in JupyterLab all write a month's folder; each holds its lock (``period_lock``) while it
does. It sits beside ``analysis.mois``, below every layer that writes a month, so that none of
them imports another to take it.

>>> with period_lock("2026-11", "exemple"):  # doctest: +SKIP
...     ...  # the only writer of outputs/2026-11/ until the block ends
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from collections.abc import Iterator

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

from analysis import mois
from analysis.fichiers import recover_swap


class RunInProgressError(RuntimeError):
    """Another run (or render) of the same period holds its outputs."""


@contextlib.contextmanager
def period_lock(periode: str, what: str = "run") -> Iterator[None]:
    """Hold the month's outputs for one writer at a time (a run, a render, indicator tables
    built for a notebook opened in JupyterLab).

    An exclusive ``flock`` on ``mois.lock_file(periode)``: the system releases it when the writer
    ends, however it ends (even killed), so a stale lock never blocks the next one. A second
    writer of the same period fails at once, naming the process that holds it and ``what`` it
    is doing. (Without ``fcntl``, on Windows, runs are not locked.) Whoever takes the lock
    removes what a render killed in that month left (``remove_debris``): no other writer of the
    month is alive then.
    """
    lock = mois.lock_file(periode)
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    with os.fdopen(fd, "r+", encoding="utf-8") as f:
        if fcntl is not None:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = f.read().strip() or "processus inconnu"
                raise RunInProgressError(
                    f"la période {periode} est en cours d'écriture par un autre processus ({holder}) : "
                    "attendez sa fin, ou arrêtez-le ; deux processus ne peuvent pas écrire la même période en même temps"
                ) from None
        f.truncate(0)
        f.write(f"pid {os.getpid()}, {what}, lancé le {dt.datetime.now():%d/%m/%Y à %H:%M:%S}")
        f.flush()
        remove_debris(periode)
        yield


def remove_debris(periode: str) -> list[str]:
    """Remove what a render killed in the month's folder left (its names, sorted): the staging
    sites and their Quarto projects (``mois.STAGING_PREFIX``) and the folders of a swap cut
    short (``fichiers.recover_swap``: ``.site.new``, ``.site.old``; the latter is put back as
    ``site/`` when ``site/`` itself is missing), for the published and the draft site.

    For the holder of the month's lock only (``period_lock`` calls it): no other render of the
    month runs then, so every such folder belongs to a dead process. (A site staged in the
    system's temporary folder, for a month under a hidden folder, names no month: not removed.)
    """
    swaps = [name for brouillon in (False, True) for name in recover_swap(mois.site_dir(periode, brouillon))]
    staging = [p for p in mois.periode_dir(periode).glob(f"{mois.STAGING_PREFIX}*") if p.is_dir()]
    for path in staging:
        shutil.rmtree(path, ignore_errors=True)
    return sorted(swaps + [p.name for p in staging])
