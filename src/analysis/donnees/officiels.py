"""Living copies assembled from an official endpoint whose format is not the pinned file's.

A ``[vivants.<dataset>]`` declaration with ``lecteur = "<name>"`` names one of the ``READERS``
below: ``observatoire donnees --actualiser`` then downloads what the official endpoint serves
(all its pages), turns it into the table the pinned file holds (same columns, same
definitions, same file format), and keeps that table as the living copy of the pinned file
(``sources.living_path``). The loaders read it as they read the pinned file. Nothing is kept
unless every page arrived and was read: a refused or failed refresh leaves the previous copy.

The refresh says what the new copy brings: its latest period (``observations``) and the
values of the previous copy (the living one, else the pinned one) that it revises.

Readers
- ``cerema-dv3f-prix``: Cerema's DV3F price and volume indicators (API « Données foncières »,
  ``/indicateurs/dv3f/prix/annuel/`` and ``/indicateurs/dv3f/prix/triennal/``, JSON pages
  ``{"count", "next", "previous", "results": [...]}``, one result per territory × year),
  into the pinned ``dvf/dvf_prix_volumes_epci_2010_2024`` table (Parquet).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.donnees import observations, sources
from analysis.fichiers import write_atomic

MAX_PAGES = 1000  # a chain of "next" links longer than this is refused (a loop upstream)

# DV3F property types (codtypbien): 111 a single house sold alone, 121 a single flat sold alone.
DV3F_TYPES = {"mai": "cod111", "apt": "cod121"}
DV3F_STATISTICS = {"pxm2": "pxm2_median", "pxm2_q25": "pxm2_q25", "pxm2_q75": "pxm2_q75"}
# endpoint path -> value of the pinned file's ``aggregation`` (a 3-year window is dated by its
# central year in both)
DV3F_AGGREGATIONS = {"annuel": "annuelle", "triennal": "triannuelle"}
DVF_KEYS = ["code", "annee", "aggregation"]
DVF_VALUES = ["pxm2_mai", "pxm2_apt", "nbtrans_mai", "nbtrans_apt", "nbtrans_total"]


def dv3f_prix_table(results: list[dict], aggregation: str) -> pd.DataFrame:
    """Rows of the DV3F price indicators (one per territory × year) -> the pinned DVF columns:
    ``code``, ``libelle`` (empty: the API documents no label field, and the observatory names
    EPCI from its referential), ``annee``, ``aggregation``, ``pxm2_{mai,apt}`` (median €/m²),
    ``pxm2_q25_*``, ``pxm2_q75_*``, ``nbtrans_{mai,apt}`` and ``nbtrans_total`` (houses plus
    flats, as in every row of the pinned file). A missing field or a count that is not a
    whole number raises ``ValueError``: the format is not the one this reader knows."""
    raw = pd.DataFrame(results)
    fields = ["code", "annee"] + [f"{s}_{c}" for c in DV3F_TYPES.values() for s in [*DV3F_STATISTICS.values(), "nbtrans"]]
    missing = [f for f in fields if f not in raw.columns]
    if missing or raw.empty:
        raise ValueError(f"champs absents des indicateurs DV3F : {', '.join(missing) or 'aucune ligne'}")
    out = pd.DataFrame({"code": raw["code"].astype(str), "libelle": "", "annee": pd.to_numeric(raw["annee"]).astype("int64"), "aggregation": aggregation})
    for short, code in DV3F_TYPES.items():
        for name, field in DV3F_STATISTICS.items():
            out[f"{name}_{short}"] = pd.to_numeric(raw[f"{field}_{code}"]).astype("float64")
        counts = pd.to_numeric(raw[f"nbtrans_{code}"])
        if counts.isna().any() or (counts % 1 != 0).any():
            raise ValueError(f"nbtrans_{code} : nombre de ventes absent ou non entier")
        out[f"nbtrans_{short}"] = counts.astype("int64")
    return out.assign(nbtrans_total=out["nbtrans_mai"] + out["nbtrans_apt"])


def _pages(url: str, workdir: Path, what: str) -> list[dict]:
    """Every page of a paginated JSON answer (``results`` and a ``next`` link), in order."""
    pages, next_url = [], url
    while next_url:
        if len(pages) == MAX_PAGES:
            raise sources.SourceError(f"{what} : plus de {MAX_PAGES} pages depuis {url}, lecture abandonnée")
        target = workdir / f"page-{len(pages):04d}.json"
        sources.download(next_url, target, None, what)
        try:
            page = json.loads(target.read_text(encoding="utf-8"))
            next_url = page.get("next")
            pages.append(page)
            page["results"]  # noqa: B018 (a page without results is not this format)
        except (ValueError, KeyError, AttributeError) as exc:
            raise sources.SourceError(f"{what} : fichier refusé, format inattendu (page {len(pages) + 1} : {exc!r})") from exc
    return pages


def _dv3f_prix(url: str, workdir: Path, what: str) -> pd.DataFrame:
    """The annual indicators at ``url`` and the 3-year ones at the same address under
    ``/triennal/`` (the API's two price endpoints), in the pinned DVF table."""
    if "/annuel/" not in url:
        raise sources.SourceError(f"{what} : l'adresse déclarée doit être celle des indicateurs annuels (/annuel/) : {url}")
    tables = []
    for endpoint, aggregation in DV3F_AGGREGATIONS.items():
        pages = _pages(url.replace("/annuel/", f"/{endpoint}/"), workdir / endpoint, what)
        results = [row for page in pages for row in page["results"]]
        try:
            tables.append(dv3f_prix_table(results, aggregation))
        except (ValueError, TypeError) as exc:
            raise sources.SourceError(f"{what} : fichier refusé, format inattendu ({exc})") from exc
    table = pd.concat(tables, ignore_index=True).sort_values(["aggregation", "code", "annee"], ignore_index=True)
    if table.duplicated(DVF_KEYS).any():
        raise sources.SourceError(f"{what} : fichier refusé, format inattendu (une ligne par territoire, année et agrégation attendue)")
    return table


@dataclass(frozen=True)
class Reader:
    """How a living copy is assembled from an official endpoint, and how its values compare."""

    read: Callable[[str, Path, str], pd.DataFrame]  # (declared URL, working folder, file name) -> table
    write: Callable[[pd.DataFrame, Path], None]  # table -> a file in the pinned file's format
    load: Callable[[Path], pd.DataFrame]  # a copy (pinned or living) -> table, to compare
    keys: list[str]
    values: list[str]
    period: str  # key column that dates a value, named in the revisions sentence


READERS: dict[str, Reader] = {
    "cerema-dv3f-prix": Reader(
        read=_dv3f_prix,
        write=lambda table, path: table.to_parquet(path, index=False),
        load=pd.read_parquet,
        keys=DVF_KEYS,
        values=DVF_VALUES,
        period="annee",
    ),
}


def revisions(before: pd.DataFrame, after: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    """The values present in both tables (same keys) that differ: keys, ``colonne``, ``avant``,
    ``apres``. Two missing values are equal; a value that appears or disappears is revised."""
    both = before[keys + values].merge(after[keys + values], on=keys, suffixes=("_avant", "_apres"))
    rows = []
    for column in values:
        old, new = both[f"{column}_avant"], both[f"{column}_apres"]
        changed = ~((old == new) | (old.isna() & new.isna()))
        rows.append(both.loc[changed, keys].assign(colonne=column, avant=old[changed].to_numpy(), apres=new[changed].to_numpy()))
    return pd.concat(rows, ignore_index=True)


def revisions_fr(revised: pd.DataFrame, period: str) -> str:
    """French: how many values were revised, and of which periods."""
    if revised.empty:
        return "aucune valeur révisée"
    periods = ", ".join(sorted(revised[period].astype(str).unique()))
    n = len(revised)
    return f"{n} valeur{'s' if n > 1 else ''} révisée{'s' if n > 1 else ''} ({periods})"


def _current(file_id: str, reader: Reader) -> pd.DataFrame | None:
    """The table of the copy in use before a refresh, when it can be read without downloading."""
    if sources.copy_in_use(file_id) == sources.PINNED and not sources.available(file_id):
        return None
    with sources.not_recorded():
        return reader.load(sources.fetch(file_id))


def refresh(reader_name: str, file_id: str, url: str) -> tuple[dict, str]:
    """Assemble the living copy of ``file_id`` from the official endpoint at ``url`` with the
    reader ``reader_name``, record it (``sources.record_living``) with its latest period;
    returns the recorded entry and the French sentence of the values it revises."""
    reader = READERS[reader_name]
    what = sources.source(file_id).file
    before = _current(file_id, reader)
    workdir = config.cache_dir() / sources.LIVING_DIR
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        table = reader.read(url, Path(tmp), what)
    target = sources.living_path(file_id)
    write_atomic(target, lambda tmp: reader.write(table, tmp))
    entry = sources.record_living(file_id, url)
    latest = observations.latest_observation(file_id, target, entry["sha256"])
    sources.set_latest_period(file_id, latest)
    revised = "" if before is None else revisions_fr(revisions(before, table, reader.keys, reader.values), reader.period)
    return {**entry, "derniere_observation": latest}, revised
