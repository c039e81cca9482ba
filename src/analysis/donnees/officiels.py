"""Living copies assembled from an official endpoint whose format is not the pinned file's.

A ``[vivants.<dataset>]`` declaration with ``lecteur = "<name>"`` names one of the ``READERS``
below: ``observatoire donnees --actualiser`` then downloads what the official endpoint serves
(all its pages), turns it into the pinned file's format (the columns the loaders read, with
the pinned file's definitions), and keeps it as the living copy of the pinned file
(``sources.living_path``). The loaders read it as they read the pinned file. Nothing is kept
unless every page arrived and was read: a refused or failed refresh leaves the previous copy.

The refresh says what the new copy brings: its latest observation (``observations``) and the
values of the previous copy (the living one, else the pinned one) that it revises.

Readers
- ``dares-explore-csv``: DARES's CSV export (Explore API v2.1) of job seekers by département
  (``dares_defm_stock_region_cvs_trim``), a living file of its own with no pinned copy: kept
  byte for byte once ``economie.dares_stock_departements`` reads it, its values compared with
  those of the copy it replaces (category A, CVS-CJO, by département and quarter).
- ``cerema-dv3f-prix``: Cerema's DV3F price and volume indicators (API « Données foncières »,
  ``/indicateurs/dv3f/prix/annuel/`` and ``/indicateurs/dv3f/prix/triennal/``, JSON pages
  ``{"count", "next", "previous", "results": [...]}``, one result per territory × year),
  into the pinned ``dvf/dvf_prix_volumes_epci_2010_2024`` table (Parquet).
- ``insee-melodi-emploi-secteurs``: INSEE's census employment at place of work by sector
  (Melodi ``DS_RP_EMPLOI_LT_COMP``, JSON pages ``{"observations": [{"dimensions", "measures"}],
  "paging"}``), into the sector shares of the pinned EPCI profile ``profil-epci/agg_epci``
  (``eco_sect<secteur>_pct_<AA>`` = jobs of the A5 section / all jobs × 100, rounded to 0.01
  as there, the formula its data dictionary gives): the shares of every EPCI and census year
  served replace or extend the profile's, its other columns and rows are kept as they are.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.donnees import observations, sources
from analysis.donnees.loaders import economie
from analysis.fichiers import write_atomic

MAX_PAGES = 1000  # a chain of "next" links longer than this is refused (a loop upstream)

# DV3F property types (codtypbien) of the price indicators: 111 houses, 121 flats.
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


def _next_drf(page: dict) -> str | None:
    """Next page of a Django REST framework answer (Cerema): ``next``, null on the last."""
    return page["next"]


def _next_melodi(page: dict) -> str | None:
    """Next page of a Melodi answer: ``paging.next`` unless ``paging.isLast`` (an answer in one
    page has an empty ``paging``)."""
    paging = page.get("paging") or {}
    return None if paging.get("isLast", True) else paging.get("next")


def _pages(url: str, workdir: Path, what: str, results: str, next_page: Callable[[dict], str | None]) -> list[dict]:
    """The ``results`` rows of every page of a paginated JSON answer, in order."""
    rows: list[dict] = []
    next_url, n = url, 0
    while next_url:
        if n == MAX_PAGES:
            raise sources.SourceError(f"{what} : plus de {MAX_PAGES} pages depuis {url}, lecture abandonnée")
        target = workdir / f"page-{n:04d}.json"
        sources.download(next_url, target, None, what)
        n += 1
        try:
            page = json.loads(target.read_text(encoding="utf-8"))
            rows += page[results]
            next_url = next_page(page)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise sources.SourceError(f"{what} : fichier refusé, format inattendu (page {n} : {exc!r})") from exc
    return rows


def _dv3f_prix(file_id: str, url: str, workdir: Path) -> pd.DataFrame:
    """The annual indicators at ``url`` and the 3-year ones at the same address under
    ``/triennal/`` (the API's two price endpoints), in the pinned DVF table."""
    what = sources.source(file_id).file
    if "/annuel/" not in url:
        raise sources.SourceError(f"{what} : l'adresse déclarée doit être celle des indicateurs annuels (/annuel/) : {url}")
    tables = []
    for endpoint, aggregation in DV3F_AGGREGATIONS.items():
        results = _pages(url.replace("/annuel/", f"/{endpoint}/"), workdir / endpoint, what, "results", _next_drf)
        try:
            tables.append(dv3f_prix_table(results, aggregation))
        except (ValueError, TypeError) as exc:
            raise sources.SourceError(f"{what} : fichier refusé, format inattendu ({exc})") from exc
    table = pd.concat(tables, ignore_index=True).sort_values(["aggregation", "code", "annee"], ignore_index=True)
    if table.duplicated(DVF_KEYS).any():
        raise sources.SourceError(f"{what} : fichier refusé, format inattendu (une ligne par territoire, année et agrégation attendue)")
    return table


# Melodi: sector shares of the census employment at place of work --------------------------
# A5 section of the census (dimension EMP_ACTIVITY) -> name in the profile's columns
RP_SECTIONS = {"AZ": "agri", "BE": "indus", "FZ": "const", "GU": "servi", "OQ": "admin"}
RP_TOTAL = "_T"
RP_MEASURE = "NBEMP"  # number of jobs
_GEO_EPCI = re.compile(r"^(?:\d{4}-)?EPCI-(\d{9})$")  # "2024-EPCI-200000172"
PROFILE_KEYS = ["code", "annee", "secteur"]


def melodi_emploi_secteurs(observations: list[dict]) -> pd.DataFrame:
    """Melodi observations of DS_RP_EMPLOI_LT_COMP -> code (EPCI SIREN), annee, secteur
    (``agri``…``admin``), part (% of the EPCI's jobs, rounded to 0.01). Only the jobs counts
    (RP_MEASURE NBEMP) totalled over every other dimension (sex, status, PCS: ``_T``) are read;
    geographies other than EPCI are left out. A share needs the total and its section."""
    rows = []
    for obs in observations:
        dims, value = obs["dimensions"], obs["measures"]["OBS_VALUE_NIVEAU"]["value"]
        geo = _GEO_EPCI.match(dims["GEO"])
        others = {k: v for k, v in dims.items() if k not in {"GEO", "TIME_PERIOD", "RP_MEASURE", "EMP_ACTIVITY", "FREQ"}}
        if geo and dims["RP_MEASURE"] == RP_MEASURE and all(v == RP_TOTAL for v in others.values()):
            rows.append({"code": geo[1], "annee": int(dims["TIME_PERIOD"]), "section": dims["EMP_ACTIVITY"], "emplois": float(value)})
    if not rows:
        raise ValueError("aucun nombre d'emplois (NBEMP) par EPCI, total des autres dimensions")
    counts = pd.DataFrame(rows)
    if counts.duplicated(["code", "annee", "section"]).any():
        raise ValueError("plusieurs nombres d'emplois pour un même EPCI, une même année et une même section")
    wide = counts.pivot(index=["code", "annee"], columns="section", values="emplois")
    missing = [c for c in [RP_TOTAL, *RP_SECTIONS] if c not in wide.columns]
    if missing:
        raise ValueError(f"sections absentes : {', '.join(missing)}")
    shares = (wide[list(RP_SECTIONS)].div(wide[RP_TOTAL].where(wide[RP_TOTAL] > 0), axis=0) * 100).round(2)
    return (
        shares.rename(columns=RP_SECTIONS).reset_index()
        .melt(id_vars=["code", "annee"], var_name="secteur", value_name="part").dropna(subset=["part"])
        .astype({"code": str, "annee": "int64", "secteur": str, "part": "float64"}).reset_index(drop=True)
    )


def profile_shares(path: Path) -> pd.DataFrame:
    """The sector shares of an EPCI profile (pinned or living copy), long: code, annee, secteur, part."""
    profile = pd.DataFrame(json.loads(path.read_text(encoding="utf-8")))
    columns = {c: m for c in profile.columns if (m := economie.PROFIL_SHARE_COLUMN.match(c))}
    long = profile.melt(id_vars="code", value_vars=list(columns), var_name="colonne", value_name="part").dropna(subset=["part"])
    return pd.DataFrame({
        "code": long["code"].astype(str),
        "annee": long["colonne"].map(lambda c: 2000 + int(columns[c][2])).astype("int64"),
        "secteur": long["colonne"].map(lambda c: columns[c][1]),
        "part": pd.to_numeric(long["part"]).astype("float64"),
    }).reset_index(drop=True)


def _copy_in_use(file_id: str) -> Path | None:
    """Path of the copy ``fetch`` serves (living, else pinned), when it needs no download: a
    living file of its own only once obtained."""
    if not sources.available(file_id) and (sources.source(file_id).living or sources.copy_in_use(file_id) == sources.PINNED):
        return None
    with sources.not_recorded():
        return sources.fetch(file_id)


def _melodi_profile(file_id: str, url: str, workdir: Path) -> list[dict]:
    """The profile in use with the sector shares of every EPCI and census year Melodi serves
    (columns ``eco_sect<secteur>_pct_<AA>`` replaced, or added for a new census year: empty
    for the rows Melodi does not serve); its other columns and rows unchanged, and so are the
    shares of a census year Melodi no longer serves."""
    what = sources.source(file_id).file
    current = _copy_in_use(file_id)
    if current is None:
        raise sources.SourceError(f"{what} : la copie en usage (épinglée) est nécessaire pour assembler la copie vivante, elle n'est ni dans le cache ni dans le miroir")
    rows = _pages(url, workdir, what, "observations", _next_melodi)
    try:
        shares = melodi_emploi_secteurs(rows)
    except (KeyError, TypeError, ValueError) as exc:
        raise sources.SourceError(f"{what} : fichier refusé, format inattendu ({exc!r})") from exc
    records = json.loads(current.read_text(encoding="utf-8"))
    by_code = {(r.code, r.annee, r.secteur): r.part for r in shares.itertuples()}
    columns = {(a, s): f"eco_sect{s}_pct_{a % 100:02d}" for a, s in shares[["annee", "secteur"]].drop_duplicates().itertuples(index=False)}
    for record in records:
        for (annee, secteur), column in columns.items():
            value = by_code.get((str(record["code"]), annee, secteur))
            if value is not None or column not in record:
                record[column] = value
    return records


def _dares_export(file_id: str, url: str, workdir: Path) -> bytes:
    """DARES's CSV export at ``url`` (Explore v2.1), kept as served once the loader reads it
    (``economie.dares_stock_departements``): the living copy is the publisher's file itself."""
    target = workdir / "export.csv"
    sources.download(url, target, None, sources.source(file_id).file, check=economie.dares_stock_departements)
    return target.read_bytes()


@dataclass(frozen=True)
class Reader:
    """How a living copy is assembled from an official endpoint, and how copies compare."""

    read: Callable[[str, str, Path], object]  # (file id, declared URL, working folder) -> content in the pinned format
    write: Callable[[object, Path], None]  # that content -> a file in the pinned file's format
    load: Callable[[Path], pd.DataFrame]  # a copy (pinned or living) -> the table its values are compared in
    keys: list[str]
    values: list[str]
    observation: str  # key column that dates a value, named in the revisions sentence


def _write_json(records: object, path: Path) -> None:
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")


READERS: dict[str, Reader] = {
    "cerema-dv3f-prix": Reader(
        read=_dv3f_prix,
        write=lambda table, path: table.to_parquet(path, index=False),
        load=pd.read_parquet,
        keys=DVF_KEYS,
        values=DVF_VALUES,
        observation="annee",
    ),
    "dares-explore-csv": Reader(
        read=_dares_export,
        write=lambda content, path: path.write_bytes(content),
        load=economie.dares_stock_departements,
        keys=["code_dep", "trimestre"],
        values=["demandeurs"],
        observation="trimestre",
    ),
    "insee-melodi-emploi-secteurs": Reader(
        read=_melodi_profile,
        write=_write_json,
        load=profile_shares,
        keys=PROFILE_KEYS,
        values=["part"],
        observation="annee",
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


def revisions_fr(revised: pd.DataFrame, observation: str) -> str:
    """French: how many values were revised, and of which observations."""
    if revised.empty:
        return "aucune valeur révisée"
    observations = ", ".join(sorted(revised[observation].astype(str).unique()))
    n = len(revised)
    return f"{n} valeur{'s' if n > 1 else ''} révisée{'s' if n > 1 else ''} ({observations})"


def refresh(reader_name: str, file_id: str, url: str) -> tuple[dict, str]:
    """Assemble the living copy of ``file_id`` from the official endpoint at ``url`` with the
    reader ``reader_name``, record it (``sources.record_living``) with its latest observation;
    returns the recorded entry and the French sentence of the values it revises."""
    reader = READERS[reader_name]
    current = _copy_in_use(file_id)
    before = None if current is None else reader.load(current)
    workdir = config.cache_dir() / sources.LIVING_DIR
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        content = reader.read(file_id, url, Path(tmp))
    target = sources.living_path(file_id)
    write_atomic(target, lambda tmp: reader.write(content, tmp))
    entry = sources.record_living(file_id, url)
    latest = observations.latest_observation(file_id, target, entry["sha256"])
    sources.set_latest_observation(file_id, latest)
    revised = "" if before is None else revisions_fr(revisions(before, reader.load(target), reader.keys, reader.values), reader.observation)
    return {**entry, "derniere_observation": latest}, revised
