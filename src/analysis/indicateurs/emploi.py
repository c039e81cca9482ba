"""Private salaried employment (URSSAF) of every area, from the commune echelon.

A TI's employment is the sum of its communes, so EPCI only partly inside a TI are handled
exactly. Paris, Lyon and Marseille, published by arrondissement, are summed into their commune.
A few codes of the commune echelon are not communes of the COG year (communes déléguées):
``couverture_urssaf`` measures what they weigh.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.indicateurs.areas import FRANCE, REGION_PREFIX, commune_code, in_codes

BASE_YEAR = 2014
BREAK_YEAR = 2018


def urssaf_communes(serie: pd.DataFrame) -> pd.DataFrame:
    """Commune echelon of the URSSAF series: insee_com x year -> eff_total (arrondissements summed)."""
    return (
        serie.loc[serie["echelon"] == "communes", ["code", "year", "eff_total"]]
        .assign(insee_com=lambda d: commune_code(d["code"]))
        .groupby(["insee_com", "year"], as_index=False)["eff_total"]
        .sum()
    )


def couverture_urssaf(serie: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """Per year: France total, sum of commune rows, part matched to COG communes, EPCI echelon sum.

    ``communes`` is ``areas.communes(cog)`` (insee_com, siren_epci). ``epci_sum_communes`` sums
    the commune rows by the EPCI of the COG year, to compare with the ``epci`` echelon.
    """
    com = urssaf_communes(serie).merge(communes[["insee_com", "siren_epci"]], on="insee_com", how="left")
    matched = in_codes(com["insee_com"], communes["insee_com"])
    in_epci_echelon = in_codes(com["siren_epci"], serie.loc[serie["echelon"] == "epci", "code"])
    totals = serie.groupby(["echelon", "year"])["eff_total"].sum().unstack("echelon")
    return pd.DataFrame(
        {
            "france": totals["france"],
            "communes": com.groupby("year")["eff_total"].sum(),
            "communes_cog": com.loc[matched].groupby("year")["eff_total"].sum(),
            "n_communes_cog": com.loc[matched].groupby("year")["insee_com"].nunique(),
            "epci_echelon": totals["epci"],
            "epci_sum_communes": com.loc[in_epci_echelon].groupby("year")["eff_total"].sum(),
        }
    ).assign(part_communes_cog=lambda d: d["communes_cog"] / d["france"]).rename_axis("year").reset_index()


def levels(member: pd.DataFrame, serie: pd.DataFrame) -> pd.DataFrame:
    """Employment per area and year: wide frame id_ti x years.

    A commune missing from the source in a year has no private employer (0); an area none of
    whose communes appears in the source (Mayotte, not covered by URSSAF) is left out.
    """
    wide = urssaf_communes(serie).pivot(index="insee_com", columns="year", values="eff_total")
    joined = member[["id_ti", "insee_com"]].merge(wide, left_on="insee_com", right_index=True, how="left")
    years = joined.drop(columns=["id_ti", "insee_com"])
    covered = years.notna().any(axis=1).groupby(joined["id_ti"]).any()
    totals = years.fillna(0).groupby(joined["id_ti"]).sum()
    return totals.loc[covered.reindex(totals.index).to_numpy()]


def tcam(start: pd.Series, end: pd.Series, years: int) -> pd.Series:
    """Average annual growth rate in % between two levels ``years`` apart."""
    return ((end / start.where(start > 0)) ** (1 / years) - 1) * 100


def indicators(member: pd.DataFrame, serie: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """Long rows (id_ti, indicator, period, value) of the URSSAF employment indicators."""
    lev = levels(member, serie)
    years = sorted(lev.columns)
    last = years[-1]
    index = lev.div(lev[BASE_YEAR].where(lev[BASE_YEAR] > 0), axis=0) * 100
    growth = lev.pct_change(axis=1).drop(columns=years[0]) * 100
    growth.columns = [f"{y - 1}-{y}" for y in growth.columns]  # the change from one year to the next
    # Each rate needs its end year published: before mid-2019 (2018 unknown) neither, until
    # mid-2020 (2018 the last year) only 2014-2018.
    spans = [(BASE_YEAR, BREAK_YEAR), (BREAK_YEAR, last)]
    rates = pd.DataFrame(
        {f"{a}-{b}": tcam(lev[a], lev[b], b - a) for a, b in spans if a < b <= last},
        index=lev.index,
    )
    region_of = labels.set_index("id_ti")["region"].dropna()
    region_ids = (REGION_PREFIX + region_of).reindex(index.index)
    region_index = index.reindex(region_ids.to_numpy()).set_axis(index.index)

    def long(frame: pd.DataFrame, name: str) -> pd.DataFrame:
        return (
            frame.rename_axis(index="id_ti", columns="observation")
            .stack(future_stack=True)
            .rename("value")
            .reset_index()
            .assign(indicator=name, observation=lambda d: d["observation"].astype(str), value=lambda d: d["value"].astype("float64"))
        )

    parts = [
        long(lev.astype("float64"), "emploi_prive"),
        long(index, "emploi_prive_indice"),
        long(growth, "emploi_prive_croissance"),
        long(rates, "emploi_prive_tcam"),
        long(rates - rates.loc[FRANCE], "emploi_prive_tcam_ecart_france"),
        long(index - index.loc[FRANCE], "emploi_prive_ecart_france"),
        long((index - region_index).loc[region_ids.notna() & ~index.index.str.startswith(REGION_PREFIX)], "emploi_prive_ecart_region"),
    ]
    out = pd.concat(parts, ignore_index=True)[["id_ti", "indicator", "observation", "value"]]
    finite = out["value"].replace([np.inf, -np.inf], np.nan)
    return out.assign(value=finite).dropna(subset=["value"]).reset_index(drop=True)
