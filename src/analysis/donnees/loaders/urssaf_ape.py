"""URSSAF "établissements employeurs et effectifs salariés du secteur privé, commune × APE".

The official file (open.urssaf.fr, dataset
``etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-last``) is ``;``-separated,
UTF-8 with a BOM, one row per commune × APE code, wide by year: ``Nombre d'établissements
YYYY`` and ``Effectifs salariés YYYY`` from 2006 to the latest year (year-end stocks), with the
activity codes at five levels (``Grand secteur d'activité`` "GS1 Industrie", ``Secteur NA17``,
``Secteur NA38`` "CA Industries agro-alimentaires", ``Secteur NA88``, ``Code APE`` "2511Z").

Conventions
- A blank cell is secret or absent, never a zero: it is read as NA. ``effectifs_secret`` marks
  the cells where establishments exist but the job count is blank (secret). Totals computed
  downstream count blanks as zero and carry the number of secret cells alongside.
- Headers are normalised to snake case (``Effectifs salariés 2006`` ->
  ``effectifs_salaries_2006``), so the export "with labels" (the mirror's file) and the
  export "with field names" (``use_labels_for_header=false``) read the same.
- Only the code columns and the published year columns are read (``usecols``), in chunks;
  rows are filtered by grand secteur and turned long chunk by chunk, and cells where both
  counts are blank are dropped, so the national file (~1.2 million rows) is read in bounded
  memory (time and memory for the national file: see ``analysis.industrie_ape``).

The national export has no fixed content (it is replaced every year), so it is declared with
``living = true`` and no sha256 in ``data/sources.toml``: ``analysis.donnees.sources.fetch`` obtains it
and ``analysis.donnees.sources.observed_sha256`` gives the hash of the copy read, for the run manifest.
The Rouen extract of the mirror stays pinned.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis.donnees import sources
from analysis.donnees.cache import cached, derived
from analysis.donnees.schemas import INSEE_COM, require_columns, validate

FILE_ID = "urssaf-emploi/etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-last"
NATIONAL_ID = "urssaf-emploi/etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-national"
VERSIONS = (FILE_ID, NATIONAL_ID)  # the two versions of the file this reader reads
FUSIONS_ID = "cog-mouvements/fusions"
DATASET = "urssaf-emploi"
CHUNKSIZE = 100_000

# Snake-case names of the code columns read; value = name in the long frame.
CODE_COLUMNS = {
    "code_commune": "insee_com",
    "code_ape": "code_ape",
    "secteur_na38": "na38",
    "grand_secteur_d_activite": "grand_secteur",
}
MEASURES = {"effectifs_salaries": "effectifs", "nombre_d_etablissements": "etablissements"}
_YEAR_COLUMN = re.compile(r"^(?P<measure>effectifs_salaries|nombre_d_etablissements)_(?P<year>\d{4})$")

COMMUNE_APE_SCHEMA = pa.DataFrameSchema(
    {
        "insee_com": INSEE_COM,
        "code_ape": pa.Column(str, pa.Check.str_matches(r"^\d{4}[A-Z]$")),
        "na38": pa.Column("category", pa.Check.str_matches(r"^[A-Z]{2}$")),
        "lib_na38": pa.Column("category"),
        "grand_secteur": pa.Column("category", pa.Check.str_matches(r"^GS\d$")),
        "year": pa.Column("int16", pa.Check.in_range(2006, 2100)),
        "effectifs": pa.Column("Int64", pa.Check.ge(0), nullable=True),
        "etablissements": pa.Column("Int64", pa.Check.ge(0), nullable=True),
        "effectifs_secret": pa.Column(bool),
    },
    unique=["insee_com", "code_ape", "year"],
    name="URSSAF commune x APE (long)",
)

FUSIONS_SCHEMA = pa.DataFrameSchema(
    {
        "annee": pa.Column("int64", pa.Check.in_range(1943, 2100)),
        "com_ini": INSEE_COM,
        "com_fin": INSEE_COM,
    },
    unique=["annee", "com_ini", "com_fin"],
    name="fusions de communes",
)


# Obtaining the file ------------------------------------------------------------------------
# Reading -----------------------------------------------------------------------------------
def snake(label: str) -> str:
    """``"Nombre d'établissements 2006"`` -> ``"nombre_d_etablissements_2006"``."""
    ascii_ = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_")


def years_in_header(columns: Iterable[str]) -> list[int]:
    """Years that have both an establishments and a jobs column."""
    found: dict[int, set[str]] = {}
    for col in columns:
        if m := _YEAR_COLUMN.match(snake(col)):
            found.setdefault(int(m["year"]), set()).add(m["measure"])
    return sorted(y for y, measures in found.items() if measures == set(MEASURES))


def published_years(years: Iterable[int], periode: str | None) -> list[int]:
    """Years whose year-end stock was published by the end of ``periode`` (all when None)."""
    return [
        y for y in years if periode is None or sources.published_by(DATASET, dt.date(y, 12, 31), periode)
    ]


_CATEGORIES = ["na38", "lib_na38", "grand_secteur"]


def _long_chunk(wide: pd.DataFrame, years: list[int], grands_secteurs: tuple[str, ...] | None) -> pd.DataFrame:
    """One chunk of wide rows (snake-case columns) -> long rows, both counts blank dropped.

    Sector codes and labels become categories before the rows are repeated by year, so a
    long row costs about 50 bytes.
    """
    codes = wide[list(CODE_COLUMNS)].rename(columns=CODE_COLUMNS)
    gs = codes["grand_secteur"].str.split(" ", n=1).str[0]
    keep = gs.isin(grands_secteurs) if grands_secteurs is not None else pd.Series(True, index=wide.index)
    na38 = codes.loc[keep, "na38"].str.split(" ", n=1)
    ids = codes.loc[keep].assign(
        grand_secteur=gs[keep].astype("category"),
        na38=na38.str[0].astype("category"),
        lib_na38=na38.str[1].astype("category"),
    )
    measures = wide.loc[keep, [f"{m}_{y}" for m in MEASURES for y in years]]
    measures.columns = pd.MultiIndex.from_tuples(
        [(MEASURES[m], y) for m in MEASURES for y in years], names=["measure", "year"]
    )
    long = ids.join(measures.stack("year").reset_index("year"), how="inner").dropna(
        subset=["effectifs", "etablissements"], how="all"
    )
    return long.assign(
        year=long["year"].astype("int16"),
        effectifs_secret=(long["etablissements"].gt(0) & long["effectifs"].isna()).fillna(False).astype(bool),
    )[list(COMMUNE_APE_SCHEMA.columns)]


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate chunks, keeping the sector columns categorical (union of categories)."""
    dtypes = {
        c: pd.CategoricalDtype(sorted(set().union(*(f[c].cat.categories for f in frames)))) for c in _CATEGORIES
    }
    return pd.concat([f.astype(dtypes) for f in frames], ignore_index=True)


def _header(path: Path, required: list[str]) -> dict[str, str]:
    """Raw column names of the file by snake-case name, failing on missing required ones."""
    header = pd.read_csv(path, sep=";", encoding="utf-8-sig", nrows=0).columns
    by_snake = {snake(c): c for c in header}
    require_columns(pd.DataFrame(columns=list(by_snake)), required, path.name)
    return by_snake


def read_commune_ape(
    path: Path,
    *,
    periode: str | None = None,
    grands_secteurs: tuple[str, ...] | None = None,
    chunksize: int = CHUNKSIZE,
) -> pd.DataFrame:
    """Read an official commune × APE file into long form, validated.

    Returns one row per commune × APE × year with a non-blank count: insee_com, code_ape, na38,
    lib_na38, grand_secteur (code "GS1"...), year, effectifs, etablissements (nullable Int64,
    blank = NA), effectifs_secret. ``grands_secteurs`` keeps only those codes (e.g. ``("GS1",)``
    for industry); ``periode`` drops years not published by the end of that month.
    """
    by_snake = _header(path, list(CODE_COLUMNS))
    years = published_years(years_in_header(by_snake.values()), periode)
    if not years:
        raise ValueError(f"{path.name}: aucune année publiée à la période {periode!r}")
    wanted = list(CODE_COLUMNS) + [f"{m}_{y}" for m in MEASURES for y in years]
    raw_names = [by_snake[c] for c in wanted]
    dtypes = {by_snake[c]: ("Int64" if c not in CODE_COLUMNS else str) for c in wanted}
    chunks = pd.read_csv(
        path, sep=";", encoding="utf-8-sig", usecols=raw_names, dtype=dtypes, chunksize=chunksize
    )
    df = _concat([_long_chunk(chunk.rename(columns=snake), years, grands_secteurs) for chunk in chunks])
    return validate(df, COMMUNE_APE_SCHEMA, path.name)


def _na38_chunk(wide: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """One chunk of wide rows -> commune × NA38 × year sums (blanks as zero, secret cells counted)."""
    long = _long_chunk(wide, years, None)
    return (
        long.groupby(["insee_com", "na38", "year"], observed=True)
        .agg(effectifs=("effectifs", "sum"), etablissements=("etablissements", "sum"), cellules_secretes=("effectifs_secret", "sum"))
        .reset_index()
    )


def read_commune_na38(path: Path, *, periode: str | None = None, chunksize: int = CHUNKSIZE) -> pd.DataFrame:
    """An official commune × APE file summed to commune × NA38 section × year (all sectors).

    Returns insee_com (as published), na38, year, effectifs and etablissements (int64, blank
    cells counted as zero) and cellules_secretes (cells whose jobs are secret). Chunks are
    summed as they are read, so the national file never stands in memory in long form.
    """
    by_snake = _header(path, list(CODE_COLUMNS))
    years = published_years(years_in_header(by_snake.values()), periode)
    if not years:
        raise ValueError(f"{path.name}: aucune année publiée à la période {periode!r}")
    wanted = list(CODE_COLUMNS) + [f"{m}_{y}" for m in MEASURES for y in years]
    dtypes = {by_snake[c]: ("Int64" if c not in CODE_COLUMNS else str) for c in wanted}
    chunks = pd.read_csv(path, sep=";", encoding="utf-8-sig", usecols=[by_snake[c] for c in wanted], dtype=dtypes, chunksize=chunksize)
    parts = [_na38_chunk(chunk.rename(columns=snake), years) for chunk in chunks]
    summed = (
        pd.concat([p.astype({"na38": str}) for p in parts], ignore_index=True)
        .groupby(["insee_com", "na38", "year"], as_index=False)[["effectifs", "etablissements", "cellules_secretes"]]
        .sum()
    )
    return summed.astype({"insee_com": str, "na38": str, "year": "int64", "effectifs": "int64",
                          "etablissements": "int64", "cellules_secretes": "int64"})


def _fetch(file_id: str) -> Path:
    """A version of the commune × APE file: one of this reader's own declared ids only."""
    if file_id not in VERSIONS:
        raise ValueError(f"{file_id!r} n'est pas un fichier commune × APE (attendu : {' ou '.join(VERSIONS)})")
    return sources.fetch(file_id)


@cached
def commune_ape(
    file_id: str = FILE_ID, periode: str | None = None, grands_secteurs: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """The commune × APE file in long form, in the version ``file_id`` (the pinned extract or
    the living national export, see ``fichier``); see ``read_commune_ape``."""
    return read_commune_ape(_fetch(file_id), periode=periode, grands_secteurs=grands_secteurs)


@derived
def commune_na38(file_id: str = FILE_ID, periode: str | None = None) -> pd.DataFrame:
    """Jobs by commune × NA38 section × year of the file ``file_id`` (``read_commune_na38``),
    computed once and kept in the derived cache (the national file takes tens of seconds)."""
    return read_commune_na38(_fetch(file_id), periode=periode)


@cached
def communes_presentes(file_id: str = FILE_ID) -> pd.Series:
    """Distinct commune codes of the file (as published, before any COG harmonisation)."""
    path = _fetch(file_id)
    column = _header(path, ["code_commune"])["code_commune"]
    codes = pd.read_csv(path, sep=";", encoding="utf-8-sig", usecols=[column], dtype=str)[column]
    return codes.drop_duplicates().sort_values().reset_index(drop=True).rename("insee_com")


@cached
def fusions() -> pd.DataFrame:
    """Commune mergers (communes nouvelles): annee (effective 1 January), com_ini, com_fin.

    TRAP: codes are stored as integers upstream ('8053' for '08053'); they are zero-padded.
    """
    src = sources.source(FUSIONS_ID)
    raw = pd.read_csv(sources.fetch(FUSIONS_ID), dtype=str)
    require_columns(raw, ["ANNEE_MODIF", "COM_INI", "COM_FIN"], src.file)
    df = pd.DataFrame(
        {
            "annee": raw["ANNEE_MODIF"].astype("int64"),
            "com_ini": raw["COM_INI"].str.strip().str.zfill(5),
            "com_fin": raw["COM_FIN"].str.strip().str.zfill(5),
        }
    )
    return validate(df, FUSIONS_SCHEMA, src.file)


def fichier() -> str:
    """Id of the commune × APE file to use, decided explicitly: the national living export
    when it is declared and already obtained (cache or mirror; never when living copies are
    ignored, ``sources.pinned_only``), else the pinned extract of the zone d'emploi of Rouen.
    Nothing is downloaded here: a run obtains it first when online (``etat.preparer``)."""
    declared = NATIONAL_ID in sources.sources()
    return NATIONAL_ID if declared and sources.available(NATIONAL_ID) else FILE_ID
