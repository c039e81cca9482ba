"""On-disk cache of derived tables, shared by the processes of a run.

Every fiche kernel needs the same referential (territories, member groupements, communes,
EPCI coverage, programme towns) and the same geometries (EPCI contours, ANCT outlines,
ACV / PVD points). Deriving them from the COG JSON and GeoJSON files takes ~1.5 s per
process; reading them back from Parquet takes a few milliseconds. ``@derived`` stores the
result of a function once under ``config.cache_dir() / "derived"`` and serves it to every
later process (and, through ``functools.cache``, to later calls of the same process).

An entry is keyed by the function, its arguments (defaults applied), a digest of the
``analysis`` sources, a digest of ``data/sources.toml`` (which pins the sha256 of every
input file) and one of the indicator registry ``data/indicateurs.toml``: editing the code or
the registry, or declaring another version of a file gives new entries,
and the entries of other digests are removed when a new digest is first written. A fresh
cache folder always derives again from files obtained (and sha256-checked) by ``fetch``.

Only pure functions of declared files belong here, with hashable arguments, returning a
DataFrame or a GeoDataFrame (written as Parquet / GeoParquet through a temporary file
renamed into place, so a reader never sees half an entry). Raw loaders stay outside: their
contracts (pandera, sha256) are what tests exercise.

An entry remembers the declared files it was computed from (the ids ``sources`` recorded
while computing it, in a ``.sources.json`` file beside it) and records them again when it is
read back, so that a document's provenance is the same whether its tables were computed or
read from the cache. ``cached`` is the in-process layer (``functools.cache`` that does the
same); every in-process cache of a result computed from declared files uses it.

``@stored`` does the same for any picklable result (written with pickle) of an analysis of
a period that several notebooks read (the typology, the difference-in-differences). Such a
function takes the run month ``periode`` as an argument, and its entries live with that
month's outputs, in the hidden memo cache ``outputs/<periode>/.cache/analyses/<generation>/``
(``mois.memo_dir``): a month writes only under its own folder (deleting a month deletes its
cache; the verifier's rerun in a fresh outputs folder computes everything again), and the
cross-month cache holds only derivations of declared files. The memo cache is not for reading:
pickles are tied to the code and library versions that wrote them, and an entry is named by a
hash. What a researcher opens is ``outputs/<periode>/analyses/``, the month's analysis tables
in parquet and CSV written by the run (``analyses.resultats``).
A function that reads a table written by the run (not a declared file) takes that table's
sha256 as an argument, so that its entry belongs to the exact table it was computed from.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd

from analysis import config, mois
from analysis.donnees import sources
from analysis.fichiers import write_atomic

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the whole analysis package, not only donnees/
_KEY_LENGTH = 16

Frame = TypeVar("Frame", bound=pd.DataFrame)
T = TypeVar("T")


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
def generation() -> str:
    """Digest of the code (the ``analysis`` sources), of the file declarations
    (``data/sources.toml``), of the indicator registry (``data/indicateurs.toml``) and of the
    living copies served (``sources.living_digest``) in this process, computed once: what the
    derived tables, and the notebooks of a run, are made from besides their own inputs."""
    declarations = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (config.SOURCES_FILE, config.INDICATEURS_FILE)]
    return hashlib.sha256("\n".join([sources_digest(), *declarations, sources.living_digest()]).encode()).hexdigest()[:_KEY_LENGTH]


def entry_path(name: str, arguments: dict, suffix: str = ".parquet", folder: Path | None = None) -> Path:
    """Where the result of ``name`` called with ``arguments`` is kept: under ``folder`` (default
    the cross-month cache ``<cache>/derived``), in the subfolder of the current generation."""
    key = hashlib.sha256(f"{name}\0{sorted(arguments.items())!r}".encode()).hexdigest()[:_KEY_LENGTH]
    return (folder or config.cache_dir() / "derived") / generation() / f"{name}-{key}{suffix}"


def _read_table(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    if b"geo" in (pq.read_schema(path).metadata or {}):
        import geopandas as gpd

        return gpd.read_parquet(path)
    return pd.read_parquet(path)


def _read_object(path: Path) -> object:
    with open(path, "rb") as f:
        return pickle.load(f)


def _write_object(value: object, path: Path) -> None:
    with open(path, "wb") as f:
        pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)


def _write(path: Path, write: Callable[[Path], None]) -> None:
    folder = path.parent
    if not folder.exists():
        # a new generation: the entries of older code or declarations are never read again
        for stale in folder.parent.glob("*"):
            if stale.is_dir() and stale.name != folder.name:
                shutil.rmtree(stale, ignore_errors=True)
    write_atomic(path, write)


def _sources_path(entry: Path) -> Path:
    """Where the ids of the declared files an entry was computed from are kept."""
    return entry.with_name(f"{entry.name}.sources.json")


def cached(fn: Callable[..., T]) -> Callable[..., T]:
    """``functools.cache`` for a result computed from declared files: a later call records
    again (``sources.record``) the files the first call read. ``.cache_clear()`` empties it."""

    @functools.cache
    def first(*args, **kwargs) -> tuple[T, frozenset[str]]:
        with sources.capture() as ids:
            value = fn(*args, **kwargs)
        return value, frozenset(ids)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs) -> T:
        value, ids = first(*args, **kwargs)
        sources.record(ids)
        return value

    wrapper.cache_clear = first.cache_clear
    return wrapper


def _on_disk(
    fn: Callable[..., T],
    suffix: str,
    read: Callable[[Path], T],
    write: Callable[[T, Path], None],
    folder: Callable[[dict], Path | None] = lambda arguments: None,
) -> Callable[..., T]:
    signature = inspect.signature(fn)
    name = f"{fn.__module__}.{fn.__qualname__}"

    # the in-process layer is keyed by the entry's path, which holds its folder: the same arguments
    # under another outputs root (another month's memo cache) are read from, or written to, that one
    @cached
    def at(path: Path, *args, **kwargs):
        try:
            value = read(path)
            sources.record(json.loads(_sources_path(path).read_text(encoding="utf-8")))
            return value
        except (OSError, ValueError, EOFError, pickle.UnpicklingError):  # absent, or unreadable: computed again
            pass
        with sources.capture() as ids:
            value = fn(*args, **kwargs)
        _write(_sources_path(path), lambda tmp: tmp.write_text(json.dumps(sorted(ids)), encoding="utf-8"))
        _write(path, lambda tmp: write(value, tmp))
        return read(path)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return at(entry_path(name, bound.arguments, suffix, folder(bound.arguments)), *args, **kwargs)

    wrapper.cache_clear = at.cache_clear
    return wrapper


def derived(fn: Callable[..., Frame]) -> Callable[..., Frame]:
    """Cache a function's table on disk (see the module docstring) and in the process.

    The result is always the table as read back from its entry, so a first call and a
    later one return identical frames (dtypes included), and every call records the
    declared files the table was computed from. ``.cache_clear()`` clears the in-process
    layer only.
    """
    return _on_disk(fn, ".parquet", _read_table, lambda df, path: df.to_parquet(path))


def stored(fn: Callable[..., T]) -> Callable[..., T]:
    """Cache a function's picklable result on disk and in the process, like ``derived``, in the
    memo cache of the month given by its ``periode`` argument (``mois.memo_dir``)."""
    if "periode" not in inspect.signature(fn).parameters:
        raise TypeError(f"@stored demande un argument 'periode' : {fn.__qualname__} n'en a pas")
    return _on_disk(fn, ".pickle", _read_object, _write_object, lambda arguments: mois.memo_dir(arguments["periode"]))
