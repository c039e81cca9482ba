"""ANCT programme lists: Territoires d'industrie (phases 1 and 2), Action cœur de ville, PVD."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pandera.pandas as pa

from analysis.donnees import sources
from analysis.donnees.cache import cached, derived
from analysis.donnees.schemas import INSEE_COM, SIREN, require_columns, validate

TI_ID = pa.Column(str, pa.Check.str_matches(r"^ti-\d{4}$"))

TI_MEMBER_SCHEMA = pa.DataFrameSchema(
    {"id_ti": TI_ID, "lib_ti": pa.Column(str), "siren": SIREN, "lib_groupement": pa.Column(str, nullable=True)},
    unique=["id_ti", "siren"],
    name="membres des territoires d'industrie",
)

TOWN_SCHEMA = pa.DataFrameSchema(
    {
        "id_programme": pa.Column(str),
        "lib_programme": pa.Column(str),
        "insee_com": INSEE_COM,
        "date_signature": pa.Column(str, nullable=True),
    },
    name="villes d'un programme",
)

# ANCT point files of the town programmes, as named by analysis.referentiel.villes_programmes.
PROGRAMME_POINTS = {"ACV": "acv/acv_geom", "ACV 2": "acv/acv2_geom", "PVD": "pvd/pvd_geom"}

TI_GEOMETRY_SCHEMA = pa.DataFrameSchema({"id_ti": TI_ID, "lib_ti": pa.Column(str)}, unique=["id_ti"], name="contours des territoires d'industrie")
POINT_SCHEMA = pa.DataFrameSchema(
    {"programme": pa.Column(str, pa.Check.isin(list(PROGRAMME_POINTS))), "id_programme": pa.Column(str), "lib_programme": pa.Column(str)},
    name="points des villes d'un programme",
)

_LISTE_GEO = re.compile(r"^(?P<nom>.*)\((?P<code>[0-9AB]{5}|\d{9})\)\s*$")


def _split_liste_geo(liste: pd.Series) -> pd.DataFrame:
    """'name (CODE); name (CODE)' -> one row per member: index of the input, nom, code."""
    parts = liste.str.split(";").explode().str.strip()
    parsed = parts.str.extract(_LISTE_GEO)
    return parsed.assign(nom=parsed["nom"].str.strip())


@derived
def ti_geometries(phase: int) -> gpd.GeoDataFrame:
    """TI outlines as published by ANCT (WGS84): id_ti, lib_ti, geometry."""
    file_id = {1: "ti-phase1/polygone-4326_ti", 2: "ti-phase2/ti_geom"}[phase]
    gdf = gpd.read_file(sources.fetch(file_id))
    id_col, lib_col = ("id_ti", "lib_ti") if phase == 1 else ("id_territoire", "lib_territoire")
    require_columns(gdf, [id_col, lib_col], sources.source(file_id).file)
    gdf = gdf.rename(columns={id_col: "id_ti", lib_col: "lib_ti"})[["id_ti", "lib_ti", "geometry"]]
    return validate(gdf, TI_GEOMETRY_SCHEMA, sources.source(file_id).file)


@cached
def ti_membres(phase: int) -> pd.DataFrame:
    """One row per TI x member groupement (SIREN as published: EPCI, EPT or commune)."""
    file_id = {1: "ti-phase1/polygone-4326_ti", 2: "ti-phase2/ti_geom"}[phase]
    file = sources.source(file_id).file
    with open(sources.fetch(file_id), encoding="utf-8") as fh:
        props = pd.DataFrame([f["properties"] for f in json.load(fh)["features"]], dtype=str)
    if phase == 1:
        require_columns(props, ["id_ti", "lib_ti", "siren_groupement", "lib_groupement"], file)
        sirens = props["siren_groupement"].str.split(",")
        names = props["lib_groupement"].str.split(",")
        # names may contain commas: keep them only when they pair one-to-one with the SIRENs
        names = names.where(names.str.len() == sirens.str.len(), sirens.map(lambda s: [None] * len(s)))
        df = (
            props.assign(siren=sirens, lib_groupement=names)[["id_ti", "lib_ti", "siren", "lib_groupement"]]
            .explode(["siren", "lib_groupement"])
            .assign(siren=lambda d: d["siren"].str.strip(), lib_groupement=lambda d: d["lib_groupement"].str.strip())
        )
    else:
        require_columns(props, ["id_territoire", "lib_territoire", "liste_geo"], file)
        members = _split_liste_geo(props["liste_geo"])
        df = props[["id_territoire", "lib_territoire"]].rename(columns={"id_territoire": "id_ti", "lib_territoire": "lib_ti"}).join(
            members.rename(columns={"code": "siren", "nom": "lib_groupement"})
        )
    df = df.reset_index(drop=True).astype({"id_ti": str, "lib_ti": str, "siren": str, "lib_groupement": "str"})
    return validate(df, TI_MEMBER_SCHEMA, file)


def _towns(file_id: str, features: list[dict], id_col: str, lib_col: str) -> pd.DataFrame:
    props = pd.DataFrame([f["properties"] for f in features], dtype=str)
    file = sources.source(file_id).file
    if "liste_geo" in props.columns:  # superposeur format: 'commune (INSEE)'
        require_columns(props, [id_col, lib_col, "liste_geo"], file)
        members = _split_liste_geo(props["liste_geo"])
        props = props.join(members.rename(columns={"code": "insee_com"}))
    require_columns(props, [id_col, lib_col, "insee_com"], file)
    signature = props["date_signature"] if "date_signature" in props.columns else pd.Series(pd.NA, index=props.index, dtype=str)
    df = pd.DataFrame(
        {
            "id_programme": props[id_col],
            "lib_programme": props[lib_col],
            "insee_com": props["insee_com"],
            "date_signature": signature.replace({"None": pd.NA, "NA": pd.NA, "indefini": pd.NA}),
        }
    ).reset_index(drop=True).astype({"date_signature": "str"})
    return validate(df, TOWN_SCHEMA, file)


def _geojson_features(file_id: str) -> list[dict]:
    text = sources.fetch(file_id).read_text(encoding="utf-8-sig")
    # the .js files are GeoJSON wrapped as `var NAME = {...};`
    start, end = text.index("{"), text.rindex("}")
    return json.loads(text[start : end + 1])["features"]


@cached
def acv() -> pd.DataFrame:
    """Action cœur de ville, current list (232 programmes; a programme may group towns)."""
    return _towns("acv/acv_geom", _geojson_features("acv/acv_geom"), "id_territoire", "lib_territoire")


@cached
def acv2() -> pd.DataFrame:
    """Action cœur de ville 2 (2023-), 45 programmes."""
    return _towns("acv/acv2_geom", _geojson_features("acv/acv2_geom"), "id_territoire", "lib_territoire")


@cached
def acv_2018() -> pd.DataFrame:
    """The original ACV list as published in October 2018 (221 towns)."""
    features = _geojson_features("acv/coeurdeville_2018-10")
    for f in features:
        f["properties"] = {**f["properties"], "insee_com": f["properties"].get("codgeo"), "id": f["properties"].get("codgeo")}
    df = _towns("acv/coeurdeville_2018-10", features, "id", "libgeo")
    return df.assign(date_signature=pd.Series(pd.NA, index=df.index, dtype=str))


ACV_SIGNATURES_ID = "acv/coeurdeville_2024-09"


@cached
def acv_signatures() -> pd.DataFrame:
    """Signature date of each Action cœur de ville programme's convention (ANCT list of
    September 2024): id_programme (the ids of ``acv``), date_signature (ISO date, <NA> when not
    given). The file's town names are mis-encoded upstream and are not read."""
    towns = _towns(ACV_SIGNATURES_ID, _geojson_features(ACV_SIGNATURES_ID), "id_acv", "lib_acv")
    dates = pd.to_datetime(towns["date_signature"].replace({"": pd.NA}), format="%d/%m/%Y", errors="raise")
    return (
        pd.DataFrame({"id_programme": towns["id_programme"], "date_signature": dates.dt.strftime("%Y-%m-%d")})
        .drop_duplicates("id_programme")
        .reset_index(drop=True)
    )


@cached
def pvd() -> pd.DataFrame:
    """Petites villes de demain."""
    return _towns("pvd/pvd_geom", _geojson_features("pvd/pvd_geom"), "id_territoire", "lib_territoire")


@derived
def points_programmes() -> gpd.GeoDataFrame:
    """ACV, ACV 2 and PVD programmes as points (WGS84): programme, id_programme, lib_programme, geometry.

    One row per programme point; a programme of several towns is a MultiPoint upstream and
    gives one row per town point here.
    """
    frames = []
    for programme, file_id in PROGRAMME_POINTS.items():
        gdf = gpd.read_file(sources.fetch(file_id))
        require_columns(gdf, ["id_territoire", "lib_territoire"], sources.source(file_id).file)
        points = (
            gdf.rename(columns={"id_territoire": "id_programme", "lib_territoire": "lib_programme"})
            .assign(programme=programme)[["programme", "id_programme", "lib_programme", "geometry"]]
            .explode(index_parts=False)
        )
        frames.append(validate(points, POINT_SCHEMA, sources.source(file_id).file))
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=frames[0].crs or 4326)
