"""Commune codes of a communal file as of a reference COG, and how much of a territory the
file covers.

The URSSAF commune × APE file gives communes as they were each year; the referential is one
COG vintage. Codes of communes merged since (communes nouvelles, ``cog-mouvements/fusions``,
merger chains followed; a code that exists in the reference COG is never moved) and the
municipal arrondissements of Paris, Lyon and Marseille take the code of the commune they
belong to in that year. A commune created by a split, or a code newer than the COG year,
stays unresolved and is reported by ``communes_non_resolues``, never silently summed.

The commune outlines of 2018 (``geo.contours_communes_2018``) are carried to a COG the same
way: the outlines of the communes merged since are dissolved into their commune nouvelle.

Coverage: a territory is "couvert" when the communes present in the file hold at least
``SEUIL_COUVERTURE`` (99 %) of its population. The threshold is on population, not on the
number of communes: in the national file a village without any private employer is absent
(its true value is zero), whereas a territory cut by the file's extent (the pinned extract
holds the zone d'emploi of Rouen only) misses whole towns.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import pandas as pd

from analysis.donnees import referentiel
from analysis.donnees.cache import cached, derived
from analysis.donnees.loaders import geo, urssaf_ape

SEUIL_COUVERTURE = 0.99
COUVERT, PARTIEL, NON_COUVERT = "couvert", "couverture partielle", "non couvert"

# Municipal arrondissements -> their commune (the COG lists communes, the file may not).
_ARRONDISSEMENTS = (
    (r"^751(0[1-9]|1\d|20)$", "75056"),  # Paris
    (r"^132(0[1-9]|1[0-6])$", "13055"),  # Marseille
    (r"^6938[1-9]$", "69123"),  # Lyon
)
_KEYS = ["insee_com", "code_ape", "na38", "lib_na38", "grand_secteur", "year"]


def passage_communes(fusions: pd.DataFrame, cog: int, communes_ref: pd.DataFrame) -> pd.DataFrame:
    """Old commune code -> its commune in the reference COG (``communes_ref``, year ``cog``).

    Only codes absent from the reference are mapped: a merger undone by a later split
    (Bihorel, merged into Bois-Guillaume in 2012 and re-created in 2014) or an inconsistent
    movement upstream never moves a commune that exists in the reference. Mergers effective
    by 1 January ``cog`` are followed from merger to merger until a reference commune is
    reached; a chain that ends outside the reference is kept and shows in
    ``communes_non_resolues``.
    """
    reference = set(communes_ref["insee_com"])
    moves = fusions.loc[(fusions["annee"] <= cog) & (fusions["com_ini"] != fusions["com_fin"])]
    last = moves.sort_values("annee").drop_duplicates("com_ini", keep="last")
    target = dict(zip(last["com_ini"], last["com_fin"]))
    resolved = {}
    for code in set(target) - reference:
        seen, end = {code}, target[code]
        while end not in reference and end in target and end not in seen:
            seen.add(end)
            end = target[end]
        resolved[code] = end
    return pd.DataFrame({"insee_com": list(resolved), "insee_cog": list(resolved.values())}, dtype=str).sort_values(
        "insee_com", ignore_index=True
    )


def code_cog(codes: pd.Series, passage: pd.DataFrame) -> pd.Series:
    """Commune codes as of the reference COG (mergers and municipal arrondissements)."""
    out = codes.map(dict(zip(passage["insee_com"], passage["insee_cog"]))).fillna(codes)
    for pattern, commune in _ARRONDISSEMENTS:
        out = out.mask(out.str.match(pattern), commune)
    return out.astype(str)


def harmoniser(df: pd.DataFrame, passage: pd.DataFrame) -> pd.DataFrame:
    """The long commune × APE frame with communes as of the reference COG, merged cells summed.

    A merged cell's count is NA only when all its parts are blank; it is secret when one of
    its parts is.
    """
    grouped = df.assign(insee_com=code_cog(df["insee_com"], passage)).groupby(_KEYS, observed=True, sort=False)
    return (
        grouped[["effectifs", "etablissements"]]
        .sum(min_count=1)
        .join(grouped["effectifs_secret"].any())
        .reset_index()[list(df.columns)]
    )


def communes_non_resolues(codes: pd.Series, communes_ref: pd.DataFrame) -> pd.Series:
    """Distinct codes absent from the reference communes (``insee_com`` column)."""
    return pd.Series(sorted(set(codes) - set(communes_ref["insee_com"])), dtype=str, name="insee_com")


def coverage(presentes: pd.Series, membres: pd.DataFrame, key: str, seuil: float = SEUIL_COUVERTURE) -> pd.DataFrame:
    """Share of each territory's communes and population present in the file, and its statut.

    ``presentes``: commune codes of the file, harmonised (``code_cog``); ``membres``: one row
    per territory × commune with ``population``. statut is "couvert" when the population share
    reaches ``seuil``, "couverture partielle" when some commune is present, else "non couvert".
    """
    flagged = membres[[key, "insee_com", "population"]].assign(
        presente=membres["insee_com"].isin(presentes),
        population=membres["population"].fillna(0).astype("int64"),
    )
    out = (
        flagged.assign(population_presente=flagged["population"].where(flagged["presente"], 0))
        .groupby(key, as_index=False)
        .agg(
            n_communes=("insee_com", "size"),
            n_communes_presentes=("presente", "sum"),
            population=("population", "sum"),
            population_presente=("population_presente", "sum"),
        )
    )
    part_population = (out["population_presente"] / out["population"].where(out["population"] > 0)).fillna(
        out["n_communes_presentes"] / out["n_communes"]
    )
    return out.assign(
        part_communes=out["n_communes_presentes"] / out["n_communes"],
        part_population=part_population,
        statut=pd.Series(PARTIEL, index=out.index)
        .mask(part_population >= seuil, COUVERT)
        .mask(out["n_communes_presentes"] == 0, NON_COUVERT),
    )


@cached
def passage(cog: int) -> pd.DataFrame:
    """``passage_communes`` of the declared commune mergers to the communes of COG ``cog``."""
    return passage_communes(urssaf_ape.fusions(), cog, referentiel.communes(cog))


def communes_au_cog(contours: gpd.GeoDataFrame, passage: pd.DataFrame) -> gpd.GeoDataFrame:
    """Commune outlines (insee_com, geometry; ``n_communes_2018`` when already carried) as of
    the reference COG of ``passage``: the outlines of merged communes dissolved into the
    commune they joined. Returns insee_com, n_communes_2018 (outlines dissolved into it),
    geometry, sorted by code."""
    n = contours["n_communes_2018"] if "n_communes_2018" in contours else pd.Series(1, index=contours.index)
    carried = gpd.GeoDataFrame(
        {"insee_com": code_cog(contours["insee_com"], passage).to_numpy(), "n_communes_2018": n.to_numpy()},
        geometry=contours.geometry.to_numpy(), crs=contours.crs,
    )
    repeated = carried["insee_com"].duplicated(keep=False)
    merged = carried.loc[repeated].dissolve(by="insee_com", aggfunc={"n_communes_2018": "sum"}).reset_index()
    out = pd.concat([carried.loc[~repeated], merged[carried.columns]], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=contours.crs).sort_values("insee_com", ignore_index=True)


@derived
def contours_communes_departement(departement: str, cog: int) -> gpd.GeoDataFrame:
    """The 2018 outlines of one département's file carried to COG ``cog`` (``communes_au_cog``)."""
    return communes_au_cog(geo.contours_communes_2018(departement), passage(cog))


def contours_communes(insee_coms: Iterable[str], cog: int) -> gpd.GeoDataFrame:
    """Outlines of the communes ``insee_coms`` (codes of COG ``cog``): insee_com,
    n_communes_2018, geometry (WGS84). Reads only the départements' files that hold them or
    the communes merged into them since 2018. A commune without any outline of 2018 (created
    by a split since, e.g. Sannerville, out of Saline in 2020) is absent from the result."""
    codes = set(insee_coms)
    parts = pd.concat([contours_communes_departement(d, cog) for d in departements_contours(codes, cog)], ignore_index=True)
    parts = gpd.GeoDataFrame(parts.loc[parts["insee_com"].isin(codes)], geometry="geometry", crs=4326)
    return communes_au_cog(parts, passage(cog))


def departements_contours(insee_coms: Iterable[str], cog: int) -> list[str]:
    """The départements whose 2018 outline files ``contours_communes`` reads for the communes
    ``insee_coms`` (codes of COG ``cog``): theirs and those of the communes merged into them
    since 2018, sorted.

    >>> departements_contours(["01001", "2A004"], 2023)
    ['01', '2A']
    """
    codes = set(insee_coms)
    table = passage(cog)
    anciens = table.loc[table["insee_cog"].isin(codes), "insee_com"]
    return sorted({geo.departement_commune(c) for c in codes | set(anciens)})
