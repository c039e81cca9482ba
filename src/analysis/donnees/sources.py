"""Declared data files, how they are obtained, and which ones a process has read.

Every file is declared once in ``data/sources.toml`` (URL, sha256, publisher, licence).
``fetch`` returns a local path to a verified copy: from the cache (``data/raw/``), else
copied from the mirror folder named by ``OBSERVATOIRE_MIRROR``, else downloaded with pooch.
The sha256 is checked every time; a file that does not match is never used. A mirror folder
that does not exist is reported as such (not as a file missing from it), before any download.

Reads are recorded: ``fetch`` records the id it serves, and a result computed from declared
files and served again without reading them (an in-process or on-disk cache entry, an
indicator table written by the run) records the ids it was computed from (``record``). So
``files_read()`` is the set of files the process's results come from, whatever was cached,
and a document's provenance lists exactly those. ``capture`` collects the ids recorded while
a result is computed, for the caches to keep beside it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tomllib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from analysis import config
from analysis.fichiers import MODE, file_sha256, write_atomic


class SourceError(RuntimeError):
    """A declared file cannot be obtained or does not match its declaration."""


@dataclass(frozen=True)
class Source:
    id: str
    dataset: str
    file: str
    url: str
    sha256: str
    publisher: str
    licence: str
    description: str
    living: bool = False  # a public export replaced upstream: no pinned sha256


@dataclass(frozen=True)
class Dataset:
    name: str
    frequency: str | None
    lag_months: int


@cache
def _declarations(path: Path = config.SOURCES_FILE) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def sources() -> dict[str, Source]:
    """All declared files, by id."""
    files = _declarations()["files"]
    return {
        fid: Source(
            id=fid,
            dataset=d["dataset"],
            file=d["file"],
            url=d["url"],
            sha256=d["sha256"],
            publisher=d["publisher"],
            licence=d["licence"],
            description=d["description"],
            living=bool(d.get("living", False)),
        )
        for fid, d in files.items()
    }


def source(file_id: str) -> Source:
    try:
        return sources()[file_id]
    except KeyError:
        raise SourceError(f"fichier non déclaré dans {config.SOURCES_FILE.name}: {file_id!r}") from None


def dataset(name: str) -> Dataset:
    d = _declarations().get("datasets", {}).get(name, {})
    return Dataset(name=name, frequency=d.get("frequency"), lag_months=int(d.get("lag_months", 0)))


# Files read by this process (ids), and the open captures of ``capture``.
_READ: set[str] = set()
_CAPTURES: list[set[str]] = []


def record(file_ids: Iterable[str]) -> None:
    """Record that the process's results come from these declared files."""
    ids = set(file_ids)
    _READ.update(ids)
    for captured in _CAPTURES:
        captured.update(ids)


@contextmanager
def capture() -> Iterator[set[str]]:
    """The set of file ids recorded inside the ``with`` block (nested captures all see them)."""
    captured: set[str] = set()
    _CAPTURES.append(captured)
    try:
        yield captured
    finally:
        del _CAPTURES[next(i for i, c in enumerate(_CAPTURES) if c is captured)]  # by identity: sets compare equal


@contextmanager
def not_recorded() -> Iterator[None]:
    """Reads inside the block are left out of ``files_read``: work done for the period, not for
    the document this process computes (the tables a notebook opened in JupyterLab builds first)."""
    before = set(_READ)
    try:
        yield
    finally:
        _READ.intersection_update(before)


def files_read() -> list[str]:
    """Ids of the declared files this process has read (directly or through a cache), sorted."""
    return sorted(_READ)


def _copy_verified(src: Path, target: Path, expected: str | None, what: str) -> None:
    """Copy ``src`` to ``target`` through a temporary file, refusing a wrong hash (if one is pinned)."""

    def copy(tmp: Path) -> None:
        shutil.copyfile(src, tmp)
        actual = file_sha256(tmp)
        if expected is not None and actual != expected:
            raise SourceError(
                f"{what}: sha256 inattendu pour {src}\n  attendu : {expected}\n  obtenu  : {actual}\n"
                "Le fichier est refusé (corrompu ou d'une autre version)."
            )

    write_atomic(target, copy)


def fetch(file_id: str, *, refresh: bool = False) -> Path:
    """Local path of a verified copy of a declared file, recorded as read (``files_read``).

    Pinned files are checked against their sha256 every time. A living file (``living =
    true``, no pinned sha256: an export its publisher replaces, such as the national URSSAF
    commune x APE file) is kept in the cache as first obtained; ``refresh=True`` obtains it
    again, and ``observed_sha256`` gives the hash of the copy used, for the run manifest.
    """
    path = _obtain(file_id, refresh)
    record([file_id])
    return path


def _obtain(file_id: str, refresh: bool) -> Path:
    src = source(file_id)
    expected = None if src.living else src.sha256
    target = config.cache_dir() / src.file
    if refresh:
        target.unlink(missing_ok=True)
    if target.exists():
        if expected is None or file_sha256(target) == expected:
            return target
        target.unlink()  # a stale or damaged cache entry is obtained again
    mirror = os.environ.get(config.MIRROR_ENV)
    if mirror and not Path(mirror).is_dir():
        raise SourceError(
            f"Le dossier miroir {mirror!r}, désigné par la variable {config.MIRROR_ENV}, n'existe pas : "
            f"corrigez la variable (un dossier qui contient MANIFEST.csv et les fichiers déclarés, "
            f"par exemple ../shared/data), ou retirez-la pour télécharger {src.file} depuis {src.url}."
        )
    if mirror and (Path(mirror) / src.file).exists():
        _copy_verified(Path(mirror) / src.file, target, expected, src.file)
        return target
    # pooch imports tqdm.auto, which warns in every notebook kernel that ipywidgets is missing:
    # imported only to download
    import pooch

    try:
        pooch.retrieve(
            src.url,
            known_hash=None if expected is None else f"sha256:{expected}",
            fname=target.name,
            path=target.parent,
            progressbar=False,
        )
    except ValueError as exc:  # pooch's hash mismatch
        raise SourceError(f"{src.file}: sha256 attendu {src.sha256}, téléchargement refusé ({exc})") from exc
    except Exception as exc:  # network failure, HTTP error
        where = f"le miroir {mirror!r} ne le contient pas" if mirror else f"la variable {config.MIRROR_ENV} n'est pas définie"
        raise SourceError(
            f"Impossible d'obtenir {src.file}: absent du cache {config.cache_dir()}, {where}, "
            f"et le téléchargement depuis {src.url} a échoué ({type(exc).__name__}: {exc}). "
            f"Hors ligne, définissez {config.MIRROR_ENV} vers un dossier miroir des données."
        ) from exc
    target.chmod(MODE)  # pooch writes through mkstemp (0600): colleagues must read the cache too
    return target


def available(file_id: str) -> bool:
    """Is the file obtainable without downloading (in the cache or in the mirror)?"""
    name = source(file_id).file
    mirror = os.environ.get(config.MIRROR_ENV)
    return (config.cache_dir() / name).exists() or bool(mirror and (Path(mirror) / name).exists())


def observed_sha256(file_id: str) -> str:
    """sha256 of the copy in use: the pinned one, or the one found for a living file."""
    src = source(file_id)
    return file_sha256(fetch(file_id)) if src.living else src.sha256


def provenance(file_ids: list[str] | None = None) -> list[dict[str, str]]:
    """Declared facts of the given (default: all) files, for run manifests and reports."""
    chosen = sources() if file_ids is None else {f: source(f) for f in file_ids}
    return [
        {"id": s.id, "file": s.file, "sha256": observed_sha256(s.id) if s.living else s.sha256, "living": s.living,
         "url": s.url, "publisher": s.publisher, "licence": s.licence}
        for s in chosen.values()
    ]


def asof_date(periode: str) -> dt.date:
    """Last day of the period's month: "as known at the end of that month"."""
    year, month = map(int, config.check_periode(periode).split("-"))
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def published_by(dataset_name: str, obs_end: dt.date, periode: str) -> bool:
    """Was an observation ending on ``obs_end`` published by the end of ``periode``?"""
    lag = dataset(dataset_name).lag_months
    months = obs_end.year * 12 + obs_end.month - 1 + lag
    published = dt.date(months // 12, months % 12 + 1, 1)
    return published <= asof_date(periode)
