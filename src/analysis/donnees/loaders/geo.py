"""INSEE geography (COG via @etalab/decoupage-administratif) and contours."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pandera.pandas as pa

from analysis.donnees import sources
from analysis.donnees.cache import cached, derived
from analysis.donnees.schemas import (
    DEP,
    INSEE_COM,
    REG,
    SIREN,
    require_columns,
    validate,
)

COMMUNE_SCHEMA = pa.DataFrameSchema(
    {
        "insee_com": INSEE_COM,
        "lib_com": pa.Column(str),
        "departement": DEP,
        "region": REG,
        "population": pa.Column("Int64", pa.Check.ge(0), nullable=True),
        "zone": pa.Column(str, pa.Check.isin(["metro", "drom"])),
    },
    unique=["insee_com"],
    name="communes COG",
)

GROUPEMENT_SCHEMA = pa.DataFrameSchema(
    {
        "siren": SIREN,
        "lib_groupement": pa.Column(str),
        "nature": pa.Column(str),
        "insee_com": INSEE_COM,
        "siren_com": pa.Column(str, pa.Check.str_matches(r"^\d{9}$"), nullable=True),
    },
    unique=["siren", "insee_com"],
    name="groupements COG",
)

NAME_SCHEMA = pa.DataFrameSchema({"code": pa.Column(str), "nom": pa.Column(str)}, unique=["code"], name="noms COG")

# Contours: the columns besides the geometry (WGS84 polygons, checked by the maps that draw them).
REGION_CONTOUR_SCHEMA = pa.DataFrameSchema({"region": REG, "lib_region": pa.Column(str)}, unique=["region"], name="contours des régions")
DEPARTEMENT_CONTOUR_SCHEMA = pa.DataFrameSchema(
    {"departement": DEP, "lib_departement": pa.Column(str)}, unique=["departement"], name="contours des départements"
)
EPCI_CONTOUR_SCHEMA = pa.DataFrameSchema(  # Paris is drawn as one unit, under its commune code
    {"siren_epci": pa.Column(str, pa.Check.str_matches(r"^(\d{9}|75056)$")), "lib_epci": pa.Column(str)},
    unique=["siren_epci"],
    name="contours des EPCI",
)
COMMUNE_CONTOUR_SCHEMA = pa.DataFrameSchema(
    {"insee_com": INSEE_COM, "lib_com": pa.Column(str)}, unique=["insee_com"], name="contours des communes"
)
CONTOURS_COMMUNES = "contours-communes"  # the dataset: one file of 2018 commune outlines per département


def _read_json(file_id: str) -> list[dict]:
    with open(sources.fetch(file_id), encoding="utf-8") as fh:
        return json.load(fh)


@cached
def communes(cog: int) -> pd.DataFrame:
    """Communes (commune-actuelle) of France (metropolitan + DROM) for a COG year.

    The 94 communes of the collectivités d'outre-mer (975, 977, 978, 98x) lie outside the
    programmes and outside INSEE's "France" totals; they are left out. ``zone`` is
    "metro" or "drom"; ``population`` is the vintage of the COG file (2019: 2016, 2023: 2020,
    2025: 2023).
    """
    file_id = f"cog-{cog}/communes"
    raw = pd.DataFrame(_read_json(file_id))
    require_columns(raw, ["code", "nom", "type", "departement", "region", "population"], sources.source(file_id).file)
    df = (
        raw.loc[raw["type"] == "commune-actuelle", ["code", "nom", "departement", "region", "population"]]
        .rename(columns={"code": "insee_com", "nom": "lib_com"})
        .loc[lambda d: ~d["insee_com"].str.match(r"^(975|977|978|98)")]
        .astype({"insee_com": str, "lib_com": str, "departement": str, "region": str, "population": "Int64"})
        .assign(zone=lambda d: np.where(d["insee_com"].str.startswith("97"), "drom", "metro"))
        .reset_index(drop=True)
    )
    return validate(df, COMMUNE_SCHEMA, sources.source(file_id).file)


def _groupements(file_id: str) -> pd.DataFrame:
    raw = _read_json(file_id)
    rows = [
        {
            "siren": g["code"],
            "lib_groupement": g["nom"],
            "nature": g.get("type", ""),
            "insee_com": m["code"],
            "siren_com": m.get("siren"),
        }
        for g in raw
        for m in g["membres"]
    ]
    df = pd.DataFrame(rows, columns=list(GROUPEMENT_SCHEMA.columns)).astype(
        {"siren": str, "lib_groupement": str, "nature": str, "insee_com": str, "siren_com": "str"}
    )
    return validate(df, GROUPEMENT_SCHEMA, sources.source(file_id).file)


@cached
def epci(cog: int) -> pd.DataFrame:
    """EPCI à fiscalité propre of a COG year: one row per EPCI x member commune."""
    return _groupements(f"cog-{cog}/epci")


@cached
def ept(cog: int) -> pd.DataFrame:
    """Établissements publics territoriaux of the Métropole du Grand Paris (none declared for 2019)."""
    file_id = f"cog-{cog}/ept"
    if file_id not in sources.sources():
        return pd.DataFrame({c: pd.Series(dtype=str) for c in GROUPEMENT_SCHEMA.columns})
    return _groupements(file_id)


@cached
def regions(cog: int) -> pd.DataFrame:
    file_id = f"cog-{cog}/regions"
    df = pd.DataFrame(_read_json(file_id))[["code", "nom"]].astype(str)
    return validate(df, NAME_SCHEMA, sources.source(file_id).file)


@cached
def departements(cog: int) -> pd.DataFrame:
    file_id = f"cog-{cog}/departements"
    df = pd.DataFrame(_read_json(file_id))[["code", "nom", "region"]].astype(str)
    return validate(df, NAME_SCHEMA, sources.source(file_id).file)


def _topojson(file_id: str, code_col: str) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(sources.fetch(file_id))
    require_columns(gdf, [code_col], sources.source(file_id).file)
    # TRAP: GDAL reads these TopoJSON files without a CRS; they are WGS84.
    return gdf.set_crs(4326, allow_override=True) if gdf.crs is None else gdf


@derived
def contours_regions_metro() -> gpd.GeoDataFrame:
    """Régions of metropolitan France 2025 (WGS84), read back as GeoParquet by every later
    process (the inset of each fiche's map: reading the TopoJSON took half a second a fiche)."""
    file_id = "contours/nodom_region_2025"
    gdf = _topojson(file_id, "code_insee").rename(columns={"code_insee": "region", "nom_officiel": "lib_region"})
    return validate(gdf[["region", "lib_region", "geometry"]], REGION_CONTOUR_SCHEMA, sources.source(file_id).file)


@cached
def contours_departements() -> gpd.GeoDataFrame:
    """Départements with overseas (WGS84)."""
    file_id = "contours/polygone-4326_dep"
    gdf = gpd.read_file(sources.fetch(file_id))
    require_columns(gdf, ["insee_dep", "lib_dep"], sources.source(file_id).file)
    gdf = gdf.rename(columns={"insee_dep": "departement", "lib_dep": "lib_departement"})
    return validate(gdf, DEPARTEMENT_CONTOUR_SCHEMA, sources.source(file_id).file)


@derived
def contours_epci_metro() -> gpd.GeoDataFrame:
    """EPCI of metropolitan France 2025 (WGS84)."""
    file_id = "contours/nodom_epci_2025"
    gdf = _topojson(file_id, "EPCI").rename(columns={"EPCI": "siren_epci", "EPCIlib": "lib_epci"})
    return validate(gdf[["siren_epci", "lib_epci", "geometry"]], EPCI_CONTOUR_SCHEMA, sources.source(file_id).file)


def departement_commune(insee_com: str) -> str:
    """The département of a commune code: '2A004' -> '2A', '97411' -> '974', '01001' -> '01'."""
    return insee_com[:3] if insee_com.startswith("97") else insee_com[:2]


def fichiers_contours_communes() -> dict[str, str]:
    """Département code -> id of its declared file of commune outlines (dataset
    ``contours-communes``, files named ``communes-<code>-<nom>``)."""
    return {
        s.id.rsplit("/", 1)[-1].split("-")[1]: s.id for s in sources.sources().values() if s.dataset == CONTOURS_COMMUNES
    }


@cached
def contours_communes_2018(departement: str) -> gpd.GeoDataFrame:
    """Commune outlines of one département as of 1 January 2018 (WGS84): insee_com (string,
    2A/2B kept), lib_com, geometry, repaired with ``make_valid`` (one published outline, 14174
    Condé-en-Normandie, is invalid). Only the département's file is read."""
    files = fichiers_contours_communes()
    if departement not in files:
        raise ValueError(
            f"pas de contours de communes pour le département {departement!r} ; départements déclarés : {', '.join(sorted(files))}"
        )
    file_id = files[departement]
    gdf = gpd.read_file(sources.fetch(file_id))
    require_columns(gdf, ["code", "nom"], sources.source(file_id).file)
    gdf = gdf.rename(columns={"code": "insee_com", "nom": "lib_com"}).astype({"insee_com": str, "lib_com": str})
    gdf = gdf.set_crs(4326, allow_override=True) if gdf.crs is None else gdf
    gdf = gdf.set_geometry(gdf.geometry.make_valid())
    return validate(gdf[["insee_com", "lib_com", "geometry"]], COMMUNE_CONTOUR_SCHEMA, sources.source(file_id).file)
