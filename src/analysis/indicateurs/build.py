"""Build every indicator of a phase in one pass and write them under the period's outputs.

``build_indicators`` returns two tables for all the areas of a phase (each TI, France, each
région, the set of the phase's TI, the communes outside TI):

- ``long``: id_ti, niveau, lib, region, phase, indicator, period, value (every period);
- ``wide``: one row per area, one column per indicator, at its latest period
  (``observations`` says which period each column holds).

``write_indicators`` stores them, with the registry, in ``mois.indicateurs_dir(periode)``
as parquet files written to a temporary name then renamed, so a half-written file never counts.
Each table of a phase carries, in its parquet metadata, the ids of the declared files it was
computed from (``fichiers``); ``read_indicators`` records them as read (``sources.record``), so
the provenance of a document made from the tables lists those files.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis import config, mois
from analysis.config import DEFAULT_COG
from analysis.donnees import cache, referentiel, sources
from analysis.donnees.loaders import economie, urssaf_ape
from analysis.fichiers import write_atomic
from analysis.indicateurs import (
    areas,
    attractivite,
    competences,
    emploi,
    emploi_communal,
    marche_travail,
    shiftshare,
    specialisation_industrielle,
)
from analysis.indicateurs.registry import INDICATORS, registry

SOURCES_KEY = b"analysis.fichiers"  # parquet metadata: ids of the declared files a table comes from
EMPLOI_KEY = b"analysis.emploi"  # parquet metadata: the source of employment by commune and sector
SOURCES_PAR_KEY = b"analysis.fichiers_par"  # parquet metadata: ids of the files of the rows of each value of a column


@dataclass(frozen=True)
class Indicateurs:
    phase: int
    periode: str | None
    long: pd.DataFrame
    wide: pd.DataFrame
    observations: pd.DataFrame
    fichiers: tuple[str, ...] = ()  # ids of the declared files read to compute the tables
    emploi: str = ""  # French: the source of employment by commune and by sector (emploi_communal)


def entrees_emploi(periode: str | None, cog: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Private employment by commune (``serie``, the schema of ``economie.urssaf_serie``) and by
    sector (``a38``, the columns of ``economie.urssaf_ze_a38`` that ``shiftshare`` uses), and
    which source gives them: ``emploi_communal.SOURCE_COMMUNES`` when the national commune × APE
    file covers France, else ``SOURCE_REPLI``."""
    file_id = urssaf_ape.fichier()
    if emploi_communal.couvre_france(file_id, cog):
        na38 = emploi_communal.na38_communes(file_id, periode, cog)
        return emploi_communal.serie(na38), emploi_communal.a38(na38), emploi_communal.SOURCE_COMMUNES
    return economie.urssaf_serie(periode), economie.urssaf_ze_a38(periode), emploi_communal.SOURCE_REPLI


def poids_secteurs(member: pd.DataFrame, serie: pd.DataFrame, communes_ze: pd.DataFrame, emploi_source: str) -> pd.DataFrame:
    """The weights that give the sector table of ``entrees_emploi`` to the areas of ``member``:
    each of their communes whole (national file), or their share of each zone d'emploi's 2019
    employment (the fallback, ``shiftshare.ze_weights``)."""
    if emploi_source == emploi_communal.SOURCE_COMMUNES:
        return emploi_communal.poids_communes(member)
    return shiftshare.ze_weights(member, serie, communes_ze)


def _inputs(periode: str | None, cog: int) -> tuple[dict[str, pd.DataFrame], str]:
    """The input tables, and which source gives employment by commune and by sector
    (``entrees_emploi``)."""
    serie, a38, source = entrees_emploi(periode, cog)
    data = {
        "profil": economie.profil_epci(),
        "chomage": economie.chomage_ze(periode),
        "demandeurs": economie.demandeurs_emploi(periode),
        "demandeurs_departements": economie.demandeurs_departements(periode),
        "dvf": economie.dvf_epci(periode),
        "communes_ze": economie.communes_ze(),
        "serie": serie,
        "a38": a38,
    }
    return data, source


def compute(
    member: pd.DataFrame,
    labels: pd.DataFrame,
    villes: pd.DataFrame,
    data: dict[str, pd.DataFrame],
    emploi_source: str = emploi_communal.SOURCE_REPLI,
    cog: int = config.DEFAULT_COG_YEAR,
) -> pd.DataFrame:
    """All indicators for all areas of ``member`` (communes of the COG ``cog``), long (id_ti,
    indicator, period, value). Sectors are attributed to areas by zone d'emploi (the fallback)
    or summed over their communes (``emploi_source`` is ``emploi_communal.SOURCE_COMMUNES``)."""
    weights = poids_secteurs(member, data["serie"], data["communes_ze"], emploi_source)
    parts = [
        emploi.indicators(member, data["serie"], labels),
        specialisation_industrielle.indicators(member, data["profil"]),
        shiftshare.indicators(weights, data["a38"]),
        competences.indicators(member, data["profil"]),
        marche_travail.chomage(member, data["communes_ze"], data["chomage"]),
        marche_travail.demandeurs(member, data["demandeurs"]),
        marche_travail.demandeurs_departements(member, data["demandeurs_departements"]),
        attractivite.profil(member, data["profil"]),
        attractivite.dvf(member, data["dvf"]),
        attractivite.programmes(member, villes),
        areas.couverture(member, str(config.POPULATION_VINTAGE[cog])),
    ]
    out = pd.concat(parts, ignore_index=True)
    unknown = set(out["indicator"]) - set(INDICATORS)
    if unknown:
        raise ValueError(f"indicateurs absents du registre : {sorted(unknown)}")
    return out


def _wide(long: pd.DataFrame, labels: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One column per indicator of the registry, at its latest period; an indicator none of
    whose periods is published yet (an early month) keeps its column, empty."""
    latest = long.groupby("indicator")["observation"].max().rename("observation").reset_index()
    wide = (
        long.merge(latest, on=["indicator", "observation"])
        .pivot(index="id_ti", columns="indicator", values="value")
        .reindex(columns=list(INDICATORS))
        .rename_axis(columns=None)
        .reset_index()
    )
    return labels.merge(wide, on="id_ti", how="left"), latest


def copies_lues(observations: pd.DataFrame, chomage: pd.DataFrame) -> dict[str, pd.Series]:
    """Per row of the latest-period table, for the unemployment rate (whose quarters may come
    from a third party's derived file, ``economie.chomage_ze``): ``nature`` (``sources.NATURES_FR``
    key, " ; "-joined when several) and ``edition`` read for that quarter; None for the other
    indicators."""
    is_chomage = observations["indicator"] == "taux_chomage"
    return {
        column: observations["observation"].map(chomage.groupby("trimestre")[column].agg(lambda s: " ; ".join(sorted(set(s))))).where(is_chomage, None)
        for column in ("nature", "edition")
    }


def non_publies(wide: pd.DataFrame, indicators: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """Indicators (default: the whole registry) without a value for any area of ``wide``: in
    an early month, none of their periods was published yet (not a gap of coverage)."""
    indicators = list(INDICATORS) if indicators is None else list(indicators)
    return [i for i in indicators if i not in wide.columns or wide[i].isna().all()]


def build_indicators(phase: int, periode: str | None = None, cog: int | None = None) -> Indicateurs:
    """Indicators of every TI of ``phase`` and of the comparison areas, with the data published by ``periode``."""
    cog = cog or DEFAULT_COG[phase]
    with sources.capture() as fichiers:
        member = areas.membership(phase, cog)
        labels = areas.labels(phase, cog)
        villes = referentiel.villes_programmes(phase, cog)
        data, emploi_source = _inputs(periode, cog)
        values = compute(member, labels, villes, data, emploi_source, cog)
    long = (
        labels.merge(values, on="id_ti", how="inner", validate="one_to_many")
        .assign(phase=phase)
        .sort_values(["niveau", "id_ti", "indicator", "observation"], key=lambda s: s.map(areas.NIVEAUX.index) if s.name == "niveau" else s)
        .reset_index(drop=True)[["id_ti", "niveau", "lib", "region", "phase", "indicator", "observation", "value"]]
    )
    wide, observations = _wide(long, labels)
    observations = observations.assign(**copies_lues(observations, data["chomage"]))
    return Indicateurs(
        phase=phase, periode=periode, long=long, wide=wide.assign(phase=phase), observations=observations, fichiers=tuple(sorted(fichiers)),
        emploi=emploi_source,
    )


def _write_parquet(df: pd.DataFrame, path: Path, fichiers: tuple[str, ...], emploi: str = "", row_group_size: int | None = None,
                   fichiers_par: dict[str, list[str]] | None = None) -> Path:
    if isinstance(df, gpd.GeoDataFrame):  # GeoParquet: geopandas writes the geometry and its "geo" metadata
        buffer = io.BytesIO()
        df.to_parquet(buffer, index=False)
        table = pq.read_table(buffer)
    else:
        table = pa.Table.from_pandas(df, preserve_index=False)
    metadata = {SOURCES_KEY: json.dumps(list(fichiers)).encode(), EMPLOI_KEY: emploi.encode()}
    if fichiers_par:
        metadata[SOURCES_PAR_KEY] = json.dumps(fichiers_par, sort_keys=True).encode()
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    return write_atomic(path, lambda tmp: pq.write_table(table, tmp, row_group_size=row_group_size))


def write_indicators(result: Indicateurs, periode: str, dossier: Path | None = None) -> dict[str, Path]:
    """Write the long and wide tables of ``result`` (with the ids of the files they come from)
    and the registry (read from no data file), each by atomic replace, into ``dossier``
    (default the month's own folder)."""
    paths = mois.table_files(result.phase, periode, dossier)
    tables = {"long": result.long, "wide": result.wide, "observations": result.observations, "registre": registry()}
    return {
        name: _write_parquet(table, paths[name], *(((), "") if name == "registre" else (result.fichiers, result.emploi)))
        for name, table in tables.items()
    }


def write_table(df: pd.DataFrame, path: Path, fichiers: tuple[str, ...], emploi: str = "", row_group_size: int | None = None,
                fichiers_par: dict[str, list[str]] | None = None) -> Path:
    """Write one more table (a GeoDataFrame as GeoParquet) beside the indicators (atomic
    replace), computed from ``fichiers`` (``emploi``: the source of employment it uses, if any;
    ``row_group_size``: small groups of rows let ``read_table`` skip those it does not want;
    ``fichiers_par``: the files the rows of each value of the column ``read_table`` filters on
    were computed from, beyond ``fichiers``)."""
    return _write_parquet(df, path, fichiers, emploi, row_group_size, fichiers_par)


def read_table(path: Path, filtre: tuple[str, str] | None = None) -> tuple[pd.DataFrame, str]:
    """A table of ``write_table`` (a GeoDataFrame for GeoParquet), only its rows whose column
    ``filtre[0]`` equals ``filtre[1]`` if given, and its source of employment; records the
    declared files it was computed from as read (those of the rows read: ``fichiers_par``)."""
    metadata = pq.read_schema(path).metadata or {}
    filters = [(filtre[0], "==", filtre[1])] if filtre else None
    df = (gpd.read_parquet(path, filters=filters) if b"geo" in metadata else pd.read_parquet(path, filters=filters))
    sources.record(json.loads(metadata.get(SOURCES_KEY, b"[]")))
    if filtre:
        sources.record(json.loads(metadata.get(SOURCES_PAR_KEY, b"{}")).get(filtre[1], []))
    return df.reset_index(drop=True), metadata.get(EMPLOI_KEY, b"").decode()


def read_indicators(phase: int, periode: str, table: str = "long", dossier: Path | None = None) -> pd.DataFrame:
    """Read a table of ``mois.table_files`` (``long``, ``wide``, ``observations``, ``registre`` or
    ``profils``), recording the declared files it was computed from as read."""
    path = mois.table_files(phase, periode, dossier)[table]
    df = pd.read_parquet(path)
    sources.record(json.loads((pq.read_schema(path).metadata or {}).get(SOURCES_KEY, b"[]")))
    return df


def source_emploi(phase: int, periode: str) -> str:
    """French: the source of employment by commune and by sector of a written indicator table
    (``emploi_communal.SOURCE_COMMUNES`` or ``SOURCE_REPLI``)."""
    return (pq.read_schema(mois.table_files(phase, periode)["long"]).metadata or {}).get(EMPLOI_KEY, b"").decode()


def stamp_text(periode: str, phases: tuple[int, ...] = config.PHASES) -> str:
    """What the tables of ``periode`` are made from: the code and file declarations
    (``cache.generation``) and the month, per phase."""
    return "\n".join(f"{phase}:{cache.generation()}{periode}" for phase in phases)


def stamp_lines(periode: str, dossier: Path | None = None) -> set[str]:
    """The phases recorded as built in the stamp (one line per phase, ``stamp_text``)."""
    path = mois.stamp_file(periode, dossier)
    return set(path.read_text(encoding="utf-8").splitlines()) if path.exists() else set()


def write_stamp(periode: str, dossier: Path | None, lines: set[str]) -> None:
    """Record ``lines`` (``stamp_text``, one per phase built) as the stamp of the tables of
    ``periode`` in ``dossier`` (default the month's own folder)."""
    text = "\n".join(sorted(lines))
    write_atomic(mois.stamp_file(periode, dossier), lambda tmp: tmp.write_text(text, encoding="utf-8"))


def est_construit(periode: str, dossier: Path | None = None, phases: tuple[int, ...] = config.PHASES) -> bool:
    """Are the tables of ``phases`` of ``periode`` in ``dossier`` complete and made by this code
    from these declarations?"""
    paths = [p for phase in phases for p in mois.table_files(phase, periode, dossier).values()]
    return set(stamp_text(periode, phases).splitlines()) <= stamp_lines(periode, dossier) and all(p.exists() for p in paths)


def dossier_du_mois(periode: str, courant: str) -> Path:
    """The tables of ``periode`` as month ``courant`` reads them: the month's own folder when it
    is built (``est_construit``), else ``mois.precedent_dir`` (nothing is written into another
    month's folder unless asked)."""
    own = mois.indicateurs_dir(periode)
    return own if est_construit(periode, own) else mois.precedent_dir(periode, courant)


def complete_periodes() -> list[str]:
    """The periods of ``outputs/`` whose indicator tables are complete (both phases), oldest first."""
    return [m for m in mois.periodes_on_disk() if all(mois.table_files(phase, m)["long"].exists() for phase in config.PHASES)]


def previous_periode(periode: str) -> str | None:
    """The month before ``periode``, or None for the programme's first month."""
    previous = mois.decaler(periode, -1)
    return previous if previous >= mois.FIRST_PERIODE else None
