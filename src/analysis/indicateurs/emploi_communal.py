"""Private employment by commune from the national URSSAF commune × APE file: the backbone of
the employment indicators when that file is present and covers France.

One file gives each commune's total private salaried employment (the sum over its APE codes)
and its employment by NA38 section, harmonised to the COG of the indicators
(``donnees.harmonisation``). With it, the employment indicators (``emploi``) and the
shift-share and high-tech shares (``shiftshare``) are sums over each area's communes. Without
it (not obtained, or living copies ignored, or a file that does not cover France), they come
from the fallback: the URSSAF series by commune (total) and by zone d'emploi × A38, sectors
attributed to areas in proportion to their communes' 2019 employment (``shiftshare.ze_weights``).
``SOURCE_COMMUNES`` and ``SOURCE_REPLI`` say which, in French, in the indicator tables.

On the zone d'emploi of Rouen, the commune × APE file summed over all APE codes gives the
same private employment as the commune series within 0.2 % in 2014-2021 and 0.8 % in 2022
(secret cells counted as zero; ``tests/test_emploi_communal.py``).
"""

from __future__ import annotations

import pandas as pd

from analysis.donnees import harmonisation, referentiel
from analysis.donnees.loaders import urssaf_ape
from analysis.indicateurs.emploi import BASE_YEAR

SOURCE_COMMUNES = "fichier national URSSAF commune × APE : emploi total et par section NA38 de chaque commune"
SOURCE_REPLI = (
    "repli : séries URSSAF par commune (emploi total) et par zone d'emploi × A38, secteurs attribués "
    "aux territoires au prorata de l'emploi 2019 de leurs communes"
)
PAYS = "pays"


def couvre_france(file_id: str, cog: int) -> bool:
    """Does the commune × APE file ``file_id`` cover France (its communes, harmonised to COG
    ``cog``, hold at least 99 % of the population)? The pinned extract never does."""
    if file_id != urssaf_ape.NATIONAL_ID:
        return False
    presentes = harmonisation.code_cog(urssaf_ape.communes_presentes(file_id), harmonisation.passage(cog))
    france = referentiel.communes(cog)[["insee_com", "population"]].assign(**{PAYS: "FR"})
    return bool((harmonisation.coverage(presentes, france, PAYS)["statut"] == harmonisation.COUVERT).all())


def na38_communes(file_id: str, periode: str | None, cog: int) -> pd.DataFrame:
    """insee_com (COG ``cog``), na38, year (from 2014, the base year of the indicators),
    effectifs: jobs by commune × NA38 section of the commune × APE file."""
    df = urssaf_ape.commune_na38(file_id, periode)
    df = df.loc[df["year"] >= BASE_YEAR]
    return (
        df.assign(insee_com=harmonisation.code_cog(df["insee_com"], harmonisation.passage(cog)))
        .groupby(["insee_com", "na38", "year"], as_index=False)["effectifs"]
        .sum()
    )


def serie(na38: pd.DataFrame) -> pd.DataFrame:
    """The commune echelon of ``economie.urssaf_serie`` (code, echelon, year, eff_total) from ``na38_communes``."""
    total = na38.groupby(["insee_com", "year"], as_index=False)["effectifs"].sum()
    return pd.DataFrame(
        {"code": total["insee_com"], "echelon": "communes", "year": total["year"].astype("int64"), "eff_total": total["effectifs"].astype("int64")}
    )


def a38(na38: pd.DataFrame) -> pd.DataFrame:
    """``economie.urssaf_ze_a38``'s columns used by ``shiftshare`` with each commune as its own
    zone (code_ze = insee_com, a38, year, eff)."""
    return pd.DataFrame(
        {"code_ze": na38["insee_com"], "a38": na38["na38"], "year": na38["year"].astype("int64"), "eff": na38["effectifs"].astype("float64")}
    )


def poids_communes(member: pd.DataFrame) -> pd.DataFrame:
    """``shiftshare.ze_weights``'s shape with each commune as its own zone: an area receives all
    of each of its communes (poids = 1)."""
    m = member[["id_ti", "insee_com"]].drop_duplicates()
    return pd.DataFrame({"id_ti": m["id_ti"], "code_ze": m["insee_com"], "poids": 1.0})
