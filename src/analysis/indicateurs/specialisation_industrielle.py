"""Industrial weight and specialisation from the census EPCI profile (agg_epci).

EPCI values are averaged over each area weighted by the population of the EPCI's communes
inside the area (``areas.weighted_mean``); partly covered EPCI count for their covered part.
Census shares are shares of jobs, so population weights approximate employment weights.
"""

from __future__ import annotations

import pandas as pd

from analysis.donnees.loaders.economie import FRANCE_PROFIL
from analysis.indicateurs.areas import FRANCE, long_format, weighted_mean

SECTORS_22 = {
    "agri": "eco_sectagri_pct_22",
    "indus": "eco_sectindus_pct_22",
    "const": "eco_sectconst_pct_22",
    "servi": "eco_sectservi_pct_22",
    "admin": "eco_sectadmin_pct_22",
}


def profil_units(profil: pd.DataFrame) -> pd.DataFrame:
    """EPCI rows of the profile (France row removed), keyed ``unit_profil``, with derived shares.

    Agriculture + industry: in 2011 and 2016 only the other three sectors are published, so
    the share is 100 − construction − commerce-services − administration; in 2022 it is the
    sum of the two published shares.
    """
    rest = {y: profil[f"eco_sectconst_pct_{y}"] + profil[f"eco_sectservi_pct_{y}"] + profil[f"eco_sectadmin_pct_{y}"] for y in (11, 16)}
    return (
        profil.loc[profil["code"] != FRANCE_PROFIL]
        .assign(
            agri_indus_11=100 - rest[11],
            agri_indus_16=100 - rest[16],
            agri_indus_22=profil["eco_sectagri_pct_22"] + profil["eco_sectindus_pct_22"],
        )
        .rename(columns={"code": "unit_profil"})
    )


def from_profil(member: pd.DataFrame, profil: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Population-weighted means of profile columns per area, as long rows; ``columns``: column -> (indicator, period)."""
    means = weighted_mean(member, profil_units(profil), "unit_profil", list(columns))
    return long_format(means, columns)


def indicators(member: pd.DataFrame, profil: pd.DataFrame) -> pd.DataFrame:
    """Long rows of the industry indicators (census 2011, 2016, 2022)."""
    cols = [*SECTORS_22.values(), "agri_indus_11", "agri_indus_16", "agri_indus_22"]
    m = weighted_mean(member, profil_units(profil), "unit_profil", cols).set_index("id_ti")
    shares = m[list(SECTORS_22.values())]
    wide = pd.DataFrame(
        {
            "part_industrie": m["eco_sectindus_pct_22"],
            "ai_11": m["agri_indus_11"],
            "ai_16": m["agri_indus_16"],
            "ai_22": m["agri_indus_22"],
            "evol_11": m["agri_indus_22"] - m["agri_indus_11"],
            "evol_16": m["agri_indus_22"] - m["agri_indus_16"],
            "lq": m["eco_sectindus_pct_22"] / m.loc[FRANCE, "eco_sectindus_pct_22"],
            "krugman": (shares - shares.loc[FRANCE]).abs().sum(axis=1, min_count=len(SECTORS_22)),
        }
    ).reset_index()
    return long_format(
        wide,
        {
            "part_industrie": ("part_industrie", "2022"),
            "ai_11": ("part_agri_industrie", "2011"),
            "ai_16": ("part_agri_industrie", "2016"),
            "ai_22": ("part_agri_industrie", "2022"),
            "evol_11": ("part_agri_industrie_evol", "2011-2022"),
            "evol_16": ("part_agri_industrie_evol", "2016-2022"),
            "lq": ("indice_specificite_industrie", "2022"),
            "krugman": ("krugman_a5", "2022"),
        },
    ).dropna(subset=["value"])
