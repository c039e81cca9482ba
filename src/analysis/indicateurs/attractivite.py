"""Residential attractiveness: population growth, income and poverty (census/Filosofi EPCI
profile), housing market (DVF by EPCI), and the towns of the ACV and PVD programmes."""

from __future__ import annotations

import pandas as pd

from analysis.indicateurs.specialisation_industrielle import from_profil
from analysis.indicateurs.registry import INDICATORS

PROFIL_COLUMNS = {
    "dm_pop_vtcam_1116": ("croissance_population", "2011-2016"),
    "dm_pop_vtcam_1622": ("croissance_population", "2016-2022"),
    "dm_sma_vtcam_1116": ("croissance_population_migratoire", "2011-2016"),
    "dm_sma_vtcam_1622": ("croissance_population_migratoire", "2016-2022"),
    "rev_med_21": ("revenu_median", "2021"),
    "rev_txpauv_21": ("taux_pauvrete", "2021"),
}
PROGRAMMES = {"ACV": "nb_villes_acv", "ACV 2": "nb_villes_acv2", "PVD": "nb_villes_pvd"}


def profil(member: pd.DataFrame, profil_epci: pd.DataFrame) -> pd.DataFrame:
    """Long rows of the demographic and income indicators."""
    return from_profil(member, profil_epci, PROFIL_COLUMNS).dropna(subset=["value"])


def epci_shares(member: pd.DataFrame) -> pd.DataFrame:
    """Share of each EPCI's population inside each area: id_ti, siren_epci, part."""
    epci_pop = member.loc[member["niveau"] == "france"].groupby("siren_epci")["population"].sum().rename("pop_epci")
    return (
        member.groupby(["id_ti", "siren_epci"], as_index=False)["population"]
        .sum()
        .merge(epci_pop, left_on="siren_epci", right_index=True)
        .assign(part=lambda d: d["population"] / d["pop_epci"].where(d["pop_epci"] > 0))
        .dropna(subset=["part"])[["id_ti", "siren_epci", "part"]]
    )


def dvf(member: pd.DataFrame, dvf_epci: pd.DataFrame) -> pd.DataFrame:
    """Long rows of DVF prices (€/m², weighted by sales) and sales, per area and year (annual series).

    An EPCI partly inside an area contributes its sales in proportion to its population there.
    """
    annual = dvf_epci.loc[dvf_epci["aggregation"] == "annuelle"]
    d = epci_shares(member).merge(annual, on="siren_epci", how="inner")
    w_mai = d["part"] * d["nbtrans_mai"].where(d["pxm2_mai"].notna(), 0)
    w_apt = d["part"] * d["nbtrans_apt"].where(d["pxm2_apt"].notna(), 0)
    g = pd.DataFrame(
        {
            "id_ti": d["id_ti"],
            "observation": d["annee"].astype(str),
            "num_mai": w_mai * d["pxm2_mai"].fillna(0),
            "w_mai": w_mai,
            "num_apt": w_apt * d["pxm2_apt"].fillna(0),
            "w_apt": w_apt,
            "trans": d["part"] * d["nbtrans_total"],
        }
    ).groupby(["id_ti", "observation"], as_index=False).sum()
    wide = g.assign(
        dvf_prix_maison=g["num_mai"] / g["w_mai"].where(g["w_mai"] > 0),
        dvf_prix_appartement=g["num_apt"] / g["w_apt"].where(g["w_apt"] > 0),
        dvf_transactions=g["trans"],
    )
    return (
        wide.melt(id_vars=["id_ti", "observation"], value_vars=["dvf_prix_maison", "dvf_prix_appartement", "dvf_transactions"], var_name="indicator")
        .astype({"value": "float64"})
        .dropna(subset=["value"])[["id_ti", "indicator", "observation", "value"]]
    )


def programmes(member: pd.DataFrame, villes: pd.DataFrame) -> pd.DataFrame:
    """Number of ACV, ACV 2 and PVD communes per area (0 when none), dated by the registry's year of
    each list; ``villes`` from referentiel.villes_programmes."""
    towns = villes.loc[villes["programme"].isin(list(PROGRAMMES)), ["programme", "insee_com"]].drop_duplicates()
    counts = (
        member[["id_ti", "insee_com"]]
        .merge(towns, on="insee_com", how="inner")
        .groupby(["id_ti", "programme"])
        .size()
        .unstack("programme")
        .reindex(index=member["id_ti"].unique(), columns=list(PROGRAMMES))
        .fillna(0)
        .rename(columns=PROGRAMMES)
        .rename_axis(index="id_ti", columns=None)
        .reset_index()
    )
    return counts.melt(id_vars="id_ti", var_name="indicator").assign(
        observation=lambda d: d["indicator"].map({name: INDICATORS[name].year for name in PROGRAMMES.values()}),
        value=lambda d: d["value"].astype("float64"),
    )[["id_ti", "indicator", "observation", "value"]]
