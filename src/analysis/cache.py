"""On-disk cache of derived tables, shared by the processes of a run.

Every fiche kernel needs the same referential (territories, member groupements, communes,
EPCI coverage, programme towns) and the same geometries (EPCI contours, ANCT outlines,
ACV / PVD points). Deriving them from the COG JSON and GeoJSON files takes ~1.5 s per
process; reading them back from Parquet takes a few milliseconds. ``@derived`` stores the
result of a function once under ``config.cache_dir() / "derived"`` and serves it to every
later process (and, through ``functools.cache``, to later calls of the same process).

An entry is keyed by the function, its arguments (defaults applied), a digest of the
``analysis`` sources and a digest of ``data/sources.toml`` (which pins the sha256 of every
input file): editing the code or declaring another version of a file gives new entries,
and the entries of other digests are removed when a new digest is first written. A fresh
cache folder always derives again from files obtained (and sha256-checked) by ``fetch``.

Only pure functions of declared files belong here, with hashable arguments, returning a
DataFrame or a GeoDataFrame (written as Parquet / GeoParquet through a temporary file
renamed into place, so a reader never sees half an entry). Raw loaders stay outside: their
contracts (pandera, sha256) are what tests exercise.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd

from analysis import config

_PACKAGE_DIR = Path(__file__).resolve().parent
_KEY_LENGTH = 16

Frame = TypeVar("Frame", bound=pd.DataFrame)


def sources_digest(package_dir: Path = _PACKAGE_DIR) -> str:
    """sha256 over the package's source files (paths and bytes), caches excluded."""
    h = hashlib.sha256()
    files = sorted(
        p
        for p in package_dir.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.relative_to(package_dir).parts
        and p.suffix not in {".pyc", ".pyo"}
    )
    for p in files:
        h.update(p.relative_to(package_dir).as_posix().encode() + b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()


@functools.cache
def _generation() -> str:
    """Digest of the code and of the file declarations of this process (computed once)."""
    declarations = hashlib.sha256(config.SOURCES_FILE.read_bytes()).hexdigest()
    return hashlib.sha256(f"{sources_digest()}\n{declarations}".encode()).hexdigest()[:_KEY_LENGTH]


def entry_path(name: str, arguments: dict) -> Path:
    """Where the table of ``name`` called with ``arguments`` is kept."""
    key = hashlib.sha256(f"{name}\0{sorted(arguments.items())!r}".encode()).hexdigest()[:_KEY_LENGTH]
    return config.cache_dir() / "derived" / _generation() / f"{name}-{key}.parquet"


def _read(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    if b"geo" in (pq.read_schema(path).metadata or {}):
        import geopandas as gpd

        return gpd.read_parquet(path)
    return pd.read_parquet(path)


def _write(path: Path, df: pd.DataFrame) -> None:
    folder = path.parent
    if not folder.exists():
        # a new generation: the entries of older code or declarations are never read again
        for stale in folder.parent.glob("*"):
            if stale.is_dir() and stale.name != folder.name:
                shutil.rmtree(stale, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    try:
        df.to_parquet(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def derived(fn: Callable[..., Frame]) -> Callable[..., Frame]:
    """Cache a function's table on disk (see the module docstring) and in the process.

    The result is always the table as read back from its entry, so a first call and a
    later one return identical frames (dtypes included). ``.cache_clear()`` clears the
    in-process layer only.
    """
    signature = inspect.signature(fn)
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.cache
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        path = entry_path(name, bound.arguments)
        try:
            return _read(path)
        except (OSError, ValueError):  # absent (or unreadable: derived again and replaced)
            pass
        _write(path, fn(*args, **kwargs))
        return _read(path)

    return wrapper
