"""The tables every fiche of a month shares, computed once by the run before the notebooks.

A fiche draws its territory out of tables that cover every territory of its phase: the private
jobs of every territory by A38 sector (``tissu_productif.emploi_territoires``, one pass for
all territories) and the data of the commune map (the private jobs of each commune of each
territory by year, ``portrait.emploi_communes``, and the 2018 outlines of every commune of the
phase carried to the COG, ``harmonisation.contours_communes``). Computing them in each of the
month's fiches took about half of a fiche's time; the run computes them once
(``calculer``, called by ``tableaux.prepare_inputs`` after the indicator tables) and writes
them beside the indicator tables (``mois.tables_fiches``), each parquet file with the ids of
the declared files it was computed from, which a fiche records again when it reads the table
(``build.read_table``): its provenance block is the one it had when it computed them.

The tables enter the digest that decides whether a fiche is executed again
(``prepare_inputs`` returns them with the indicator tables): a fiche runs again when one of
them changes, and is skipped when none does. A stamp per phase (``build.stamp_text``: the
code, the file declarations and the month) says what they were made from; they are computed
again when it differs.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

from analysis import mois
from analysis.analyses import portrait, tissu_productif
from analysis.config import DEFAULT_COG, LAMBERT93
from analysis.donnees import harmonisation, referentiel, sources
from analysis.donnees.loaders import geo
from analysis.fichiers import write_atomic
from analysis.indicateurs import build

SECTEURS = "secteurs"
COMMUNES = "communes"
CONTOURS = "contours"
EPCI = "epci"
SITUATION = "situation"
# rows per parquet row group of the tables a fiche reads one territory of (sorted by territory):
# a fiche decodes the groups holding its territory, not the outlines of the whole phase
GROUPE_LIGNES = 256


def est_construit(phase: int, periode: str) -> bool:
    """Are the shared tables of ``phase`` of ``periode`` written by this code from these declarations?"""
    paths = mois.tables_fiches(phase, periode)
    stamp = paths[mois.STAMP_FICHES]
    return all(p.exists() for p in paths.values()) and stamp.read_text(encoding="utf-8") == build.stamp_text(periode, (phase,))


def emplois_communes(phase: int, periode: str) -> pd.DataFrame:
    """``portrait.emploi_communes`` of every territory of ``phase``, one after the other (in the
    order of ``referentiel.territoires``), computed in one pass over the communes of the phase
    (a commune belongs to one territory of a phase at most): id_ti, insee_com, lib_com,
    siren_epci, lib_epci, year, emploi."""
    cog = DEFAULT_COG[phase]
    communes = referentiel.communes_ti(phase, cog)
    emplois = portrait.emploi_communes(portrait.serie_communes(periode, cog), communes)
    territoire = emplois["insee_com"].map(communes.set_index("insee_com")["id_ti"])
    rang = territoire.map({id_ti: i for i, id_ti in enumerate(referentiel.territoires(phase)["id_ti"])})
    table = emplois.assign(id_ti=territoire).iloc[rang.argsort(kind="stable")].reset_index(drop=True)
    return table[["id_ti", *(c for c in table.columns if c != "id_ti")]]


def contours_communes(phase: int) -> tuple[gpd.GeoDataFrame, dict[str, list[str]]]:
    """The 2018 outlines carried to the COG of the phase (``harmonisation.contours_communes``)
    of the communes of each territory, as a fiche read them: id_ti, insee_com, n_communes_2018,
    geometry (WGS84), by territory then commune; and the ids of the declared files the outlines
    of each territory come from (the files of its départements and the COG passage). A commune's
    outline is its own whatever the others asked with it: they are carried in one pass over the
    communes of the phase."""
    cog = DEFAULT_COG[phase]
    communes = referentiel.communes_ti(phase, cog)[["id_ti", "insee_com"]]
    with sources.capture() as lus:
        outlines = harmonisation.contours_communes(communes["insee_com"], cog)
    with sources.capture() as commun:
        harmonisation.passage(cog)
    lus_departement = {}
    for departement in harmonisation.departements_contours(communes["insee_com"], cog):
        with sources.capture() as ids:
            harmonisation.contours_communes_departement(departement, cog)
        lus_departement[departement] = ids
    fichiers = {
        id_ti: sorted(set(commun).union(*(lus_departement[d] for d in harmonisation.departements_contours(codes, cog))))
        for id_ti, codes in communes.groupby("id_ti")["insee_com"]
    }
    assert set().union(*fichiers.values()) == lus, "les fichiers d'un territoire sont ceux de ses départements"
    table = communes.merge(outlines, on="insee_com").sort_values(["id_ti", "insee_com"], ignore_index=True)
    return gpd.GeoDataFrame(table, geometry="geometry", crs=4326), fichiers


def contours_epci(phase: int) -> gpd.GeoDataFrame:
    """The outlines of the EPCI holding communes of each territory (``geo.contours_epci_metro``,
    metropolitan France: none overseas), as the territory's map reads them: id_ti, siren_epci,
    lib_epci, geometry (WGS84), by territory then in the order of the outlines' file."""
    cog = DEFAULT_COG[phase]
    paires = referentiel.communes_ti(phase, cog)[["id_ti", "siren_epci"]].dropna().drop_duplicates()
    outlines = geo.contours_epci_metro().reset_index(drop=True).rename_axis("rang").reset_index()
    table = paires.merge(outlines, on="siren_epci").sort_values(["id_ti", "rang"], ignore_index=True)
    return gpd.GeoDataFrame(table[["id_ti", "siren_epci", "lib_epci", "geometry"]], geometry="geometry", crs=outlines.crs)


SIMPLIFICATION_SITUATION_M = 1000  # tolerance of the régions drawn in the map's inset (1.6 inches for 1 000 km: 6 km a pixel)


def situation_simplifiee(regions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The régions of the map's inset in Lambert-93, simplified to ``SIMPLIFICATION_SITUATION_M``
    metres: the inset draws them 6 km a pixel, the same picture from a few thousand points
    instead of 45 000.

    >>> from shapely.geometry import Polygon
    >>> carre = gpd.GeoDataFrame({"region": ["11"]}, geometry=[Polygon([(0, 0), (0, 5e4), (1, 6e4), (0, 1e5), (1e5, 1e5), (1e5, 0)])], crs=2154)
    >>> len(situation_simplifiee(carre).geometry.iloc[0].exterior.coords)  # the 1 m notch is gone
    5
    """
    projected = regions.to_crs(LAMBERT93)
    return projected.assign(geometry=projected.geometry.simplify(SIMPLIFICATION_SITUATION_M))


def calculer(periode: str, phases: tuple[int, ...], log: logging.Logger | None = None) -> list[Path]:
    """Compute and write the shared tables of each of ``phases`` not built already
    (``est_construit``); returns their paths (built or not), the stamps left out."""
    for phase in phases:
        if est_construit(phase, periode):
            continue
        start = time.perf_counter()
        paths = mois.tables_fiches(phase, periode)
        paths[mois.STAMP_FICHES].unlink(missing_ok=True)
        with sources.capture() as lus:
            emploi, source = tissu_productif.emploi_territoires(phase, periode)
        build.write_table(emploi, paths[SECTEURS], tuple(sorted(lus)), emploi=source)
        with sources.capture() as lus:
            emplois = emplois_communes(phase, periode)
        build.write_table(emplois, paths[COMMUNES], tuple(sorted(lus)), row_group_size=GROUPE_LIGNES)
        outlines, fichiers = contours_communes(phase)
        build.write_table(outlines, paths[CONTOURS], (), row_group_size=GROUPE_LIGNES, fichiers_par=fichiers)
        with sources.capture() as lus:
            epci = contours_epci(phase)
        build.write_table(epci, paths[EPCI], tuple(sorted(lus)), row_group_size=GROUPE_LIGNES)
        with sources.capture() as lus:
            regions = situation_simplifiee(geo.contours_regions_metro())
        build.write_table(regions, paths[SITUATION], tuple(sorted(lus)))
        write_atomic(paths[mois.STAMP_FICHES], lambda tmp: tmp.write_text(build.stamp_text(periode, (phase,)), encoding="utf-8"))
        if log:
            log.info("Tables communes aux fiches de la phase %d de %s calculées en %.1f s", phase, periode, time.perf_counter() - start)
    return [p for phase in phases for key, p in mois.tables_fiches(phase, periode).items() if key != mois.STAMP_FICHES]


def secteurs(phase: int, periode: str) -> tuple[pd.DataFrame, str]:
    """The private jobs of every territory of ``phase`` and of France by A38 sector and year
    (``tissu_productif.emploi_territoires``), and the source of the sector table."""
    return build.read_table(mois.tables_fiches(phase, periode)[SECTEURS])


def emploi_communes_territoire(phase: int, periode: str, id_ti: str) -> pd.DataFrame:
    """``portrait.emploi_communes`` of territory ``id_ti``: insee_com, lib_com, siren_epci,
    lib_epci, year, emploi."""
    table, _ = build.read_table(mois.tables_fiches(phase, periode)[COMMUNES], filtre=("id_ti", id_ti))
    return table.drop(columns="id_ti")


def contours_territoire(phase: int, periode: str, id_ti: str) -> gpd.GeoDataFrame:
    """The outlines of the communes of territory ``id_ti`` (``contours_communes``): insee_com,
    n_communes_2018, geometry (WGS84)."""
    table, _ = build.read_table(mois.tables_fiches(phase, periode)[CONTOURS], filtre=("id_ti", id_ti))
    return table.drop(columns="id_ti")


def epci_territoire(phase: int, periode: str, id_ti: str) -> gpd.GeoDataFrame:
    """The outlines of the EPCI of territory ``id_ti`` (``contours_epci``): siren_epci,
    lib_epci, geometry (WGS84); none overseas."""
    table, _ = build.read_table(mois.tables_fiches(phase, periode)[EPCI], filtre=("id_ti", id_ti))
    return table.drop(columns="id_ti")


def situation(phase: int, periode: str) -> gpd.GeoDataFrame:
    """The régions of the map's inset (``situation_simplifiee``), Lambert-93."""
    return build.read_table(mois.tables_fiches(phase, periode)[SITUATION])[0]
