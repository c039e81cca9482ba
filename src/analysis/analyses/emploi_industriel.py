"""Industrial employment panel from the URSSAF commune × APE file.

Industry is the grand secteur "GS1 Industrie" (NA38 sections BZ to EZ: extractive industries,
manufacturing, energy, water and waste); the panel gives, per territory (EPCI or territoire
d'industrie) × year, the year-end salaried jobs and establishments of each NA38 section and
their total (secteur "Industrie").

Conventions
- Blanks count as zero in every total (a blank is secret or absent, see
  ``analysis.donnees.loaders.urssaf_ape``); ``cellules_secretes`` counts the commune × APE cells whose
  jobs are secret in each total, so a reader knows how many cells a total leaves out. On the
  zone d'emploi of Rouen this gives 34,523 industrial jobs in 2006, 27,809 in 2018 and 26,532
  in 2022. The file has 4 cells with secret jobs (1 in 2018: APE 3320A in commune 76020, an
  industrial one; 3 in 2022, outside industry).
- Communes are harmonised to the reference COG year before aggregation, and a territory is
  "couvert" when the communes present in the file hold at least 99 % of its population
  (``analysis.donnees.harmonisation``). Below the threshold the outputs say "couverture
  partielle" and the totals are those of the communes present, never extrapolated.

The cost of reading the national file (time, memory) is measured in ``benchmarks/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.config import DEFAULT_COG
from analysis.donnees import harmonisation, referentiel
from analysis.donnees.cache import derived
from analysis.donnees.harmonisation import (  # noqa: F401 (the COG harmonisation and coverage used here, and by callers)
    COUVERT,
    NON_COUVERT,
    PARTIEL,
    SEUIL_COUVERTURE,
    code_cog,
    communes_non_resolues,
    coverage,
    harmoniser,
    passage_communes,
)
from analysis.donnees.loaders import urssaf_ape

GS_INDUSTRIE = "GS1"
SECTEUR_INDUSTRIE = "Industrie"
PAYS = "pays"

_PANEL_COLUMNS = ["year", "secteur", "lib_secteur", "effectifs", "etablissements", "cellules_secretes"]


# Panels ------------------------------------------------------------------------------------
def panel(df: pd.DataFrame, membres: pd.DataFrame, key: str) -> pd.DataFrame:
    """Industrial jobs and establishments by territory × year × secteur (NA38 and total).

    ``df``: harmonised long commune × APE frame; ``membres``: one row per territory × commune
    (``key``, ``insee_com``). Blanks count as zero. The grid is complete: every territory with
    at least one commune in the file × every year × every NA38 section present in the file
    (zero where no establishment), plus the total ``secteur == "Industrie"``.
    """
    industry = df.loc[df["grand_secteur"] == GS_INDUSTRIE].merge(
        membres[[key, "insee_com"]].drop_duplicates(), on="insee_com", validate="many_to_one"
    )
    by_section = (
        industry.assign(secteur=industry["na38"].astype(str), lib_secteur=industry["lib_na38"].astype(str))
        .groupby([key, "year", "secteur", "lib_secteur"], as_index=False)
        .agg(
            effectifs=("effectifs", "sum"),
            etablissements=("etablissements", "sum"),
            cellules_secretes=("effectifs_secret", "sum"),
        )
    )
    total = (
        by_section.groupby([key, "year"], as_index=False)[["effectifs", "etablissements", "cellules_secretes"]]
        .sum()
        .assign(secteur=SECTEUR_INDUSTRIE, lib_secteur=SECTEUR_INDUSTRIE)
    )
    secteurs = by_section[["secteur", "lib_secteur"]].drop_duplicates()
    grid = (
        pd.DataFrame({key: membres[key].loc[membres["insee_com"].isin(df["insee_com"])].unique()})
        .merge(pd.DataFrame({"year": sorted(df["year"].unique())}), how="cross")
        .merge(pd.concat([secteurs, total[["secteur", "lib_secteur"]].drop_duplicates()]), how="cross")
    )
    return (
        grid.merge(pd.concat([by_section, total], ignore_index=True), on=[key, "year", "secteur", "lib_secteur"], how="left")
        .fillna({"effectifs": 0, "etablissements": 0, "cellules_secretes": 0})
        .astype({"effectifs": "int64", "etablissements": "int64", "cellules_secretes": "int64", "year": "int64"})
        .sort_values([key, "year", "secteur"])
        .reset_index(drop=True)[[key, *_PANEL_COLUMNS]]
    )


def panel_epci(df: pd.DataFrame, communes_epci: pd.DataFrame) -> pd.DataFrame:
    """``panel`` by EPCI; ``communes_epci``: ``analysis.referentiel.communes(cog)`` (insee_com, siren_epci)."""
    return panel(df, communes_epci.dropna(subset=["siren_epci"]), "siren_epci")


def panel_ti(df: pd.DataFrame, communes_ti: pd.DataFrame) -> pd.DataFrame:
    """``panel`` by territoire d'industrie; ``communes_ti``: ``analysis.referentiel.communes_ti(phase)``."""
    return panel(df, communes_ti, "id_ti")


def membres_france(communes: pd.DataFrame) -> pd.DataFrame:
    """France as one territory (key ``pays`` = "FR") over all communes of the COG."""
    return communes[["insee_com", "population"]].assign(**{PAYS: "FR"})


def comparaison_france(
    panel_territoires: pd.DataFrame,
    couverture: pd.DataFrame,
    panel_france: pd.DataFrame,
    couverture_france: pd.DataFrame,
    key: str,
) -> pd.DataFrame:
    """Industrial jobs and establishments per territory and year, indexed (first year = 100) vs France.

    ``panel_france``/``couverture_france`` are ``panel``/``coverage`` over ``membres_france``.
    Indices are computed only where
    the territory (respectively France) is "couvert"; elsewhere they are NA and the coverage
    columns (statut, part_population, n_communes_presentes, n_communes) say why. Levels are
    always the sums over the communes present.
    """
    def indexed(p: pd.DataFrame, k: str, ok: pd.Series) -> pd.DataFrame:
        total = p.loc[p["secteur"] == SECTEUR_INDUSTRIE, [k, "year", "effectifs", "etablissements"]].sort_values([k, "year"])
        base = total.groupby(k)[["effectifs", "etablissements"]].transform("first")
        ratio = (total[["effectifs", "etablissements"]] / base.where(base > 0) * 100).where(total[k].isin(ok))
        return total.assign(indice_effectifs=ratio["effectifs"], indice_etablissements=ratio["etablissements"])

    france = indexed(panel_france, PAYS, couverture_france.loc[couverture_france["statut"] == COUVERT, PAYS])
    territoires = indexed(panel_territoires, key, couverture.loc[couverture["statut"] == COUVERT, key])
    facts = couverture[[key, "statut", "part_population", "n_communes_presentes", "n_communes"]]
    return territoires.merge(
        france[["year", "effectifs", "indice_effectifs"]].rename(
            columns={"effectifs": "effectifs_france", "indice_effectifs": "indice_effectifs_france"}
        ),
        on="year",
        how="left",
    ).merge(facts, on=key, how="left")


PERIMETRE_APE = {urssaf_ape.FILE_ID: "la zone d'emploi de Rouen (218 communes)"}


def limite_ape(file_id: str | None = None) -> str:
    """The limit of the commune × APE file in use (``urssaf_ape.fichier`` by default), said once
    on the methods page rather than in every fiche and monograph ("" for a file covering France)."""
    perimetre = PERIMETRE_APE.get(file_id or urssaf_ape.fichier())
    if perimetre is None:
        return ""
    return (
        "**Effectifs salariés par commune et code APE.** Le fichier URSSAF des effectifs salariés par commune et code APE "
        f"dont dispose l'observatoire ne couvre que {perimetre} : le panel industriel communal (effectifs et "
        "établissements de l'industrie par section) n'est présenté que dans les fiches et monographies des territoires "
        "qui ont des communes dans ce fichier ; pour les autres, l'emploi par secteur est estimé par zone d'emploi."
    )


@dataclass(frozen=True)
class IndustrieAPE:
    """Industry panel of a territory from the URSSAF commune × APE file: its coverage and its panel."""

    statut: str  # COUVERT, PARTIEL or NON_COUVERT
    part_population: float  # share of its population in the communes present in the file
    n_communes_presentes: int
    n_communes: int
    panel: pd.DataFrame


@derived
def couverture_ti(phase: int, cog: int, file_id: str) -> pd.DataFrame:
    """``coverage`` of every territory of the phase by the communes of the commune × APE file ``file_id``."""
    presentes = code_cog(urssaf_ape.communes_presentes(file_id), harmonisation.passage(cog))
    return coverage(presentes, referentiel.communes_ti(phase, cog), "id_ti")


@derived
def panel_industrie_ti(phase: int, cog: int, periode: str, file_id: str) -> pd.DataFrame:
    """``panel_ti`` of every territory of the phase from the commune × APE file ``file_id``:
    computed once for all the fiches of a run (the national file takes tens of seconds to read)."""
    data = harmoniser(urssaf_ape.commune_ape(file_id, periode=periode, grands_secteurs=(GS_INDUSTRIE,)), harmonisation.passage(cog))
    return panel_ti(data, referentiel.communes_ti(phase, cog))


def industrie_territoire(phase: int, id_ti: str, periode: str, cog: int | None = None) -> IndustrieAPE:
    """Industrial jobs by NA38 section and year for the territory's communes present in the file
    (``urssaf_ape.fichier``: the national file when present, else the pinned extract).

    A territory without any commune in the file gets an empty panel (what the file covers is
    said once, on the methods page: ``limite_ape``); a covered or partly covered one gets its
    coverage and its rows of ``panel_industrie_ti``.
    """
    cog = cog or DEFAULT_COG[phase]
    file_id = urssaf_ape.fichier()
    couverture = couverture_ti(phase, cog, file_id)
    row = couverture.loc[couverture["id_ti"] == id_ti]
    if row.empty or row["statut"].iloc[0] == NON_COUVERT:
        return IndustrieAPE(NON_COUVERT, 0.0, 0, 0, pd.DataFrame(columns=["id_ti", *_PANEL_COLUMNS]))
    r = row.iloc[0]
    panel = panel_industrie_ti(phase, cog, periode, file_id)
    return IndustrieAPE(
        r["statut"], float(r["part_population"]), int(r["n_communes_presentes"]), int(r["n_communes"]),
        panel.loc[panel["id_ti"] == id_ti].reset_index(drop=True),
    )


def sections_industrie(panel: pd.DataFrame, n: int = 8) -> pd.DataFrame:
    """The ``n`` largest NA38 industrial sections in the last year, first vs last year: secteur, annee, effectifs."""
    years = sorted(panel["year"].unique())
    first, last = years[0], years[-1]
    sections = panel.loc[panel["secteur"] != SECTEUR_INDUSTRIE]
    top = sections.loc[sections["year"] == last].nlargest(n, "effectifs")["secteur"]
    out = sections.loc[sections["secteur"].isin(top) & sections["year"].isin([first, last])]
    order = {s: i for i, s in enumerate(top)}
    return (
        out.assign(annee=out["year"].astype(str), _o=out["secteur"].map(order))
        .sort_values(["_o", "year"])
        .rename(columns={"lib_secteur": "section"})[["section", "annee", "effectifs"]]
        .reset_index(drop=True)
    )
