"""Labour market: localised unemployment rate (by zone d'emploi), job seekers (by commune) and
job seekers of category A of the territory's départements (DARES, quarterly, CVS-CJO)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.indicateurs.areas import in_codes


def chomage(member: pd.DataFrame, communes_ze: pd.DataFrame, taux: pd.DataFrame) -> pd.DataFrame:
    """Quarterly unemployment rate per area: zone rates weighted by the area's population in each zone."""
    w = (
        member[["id_ti", "insee_com", "population"]]
        .merge(communes_ze[["insee_com", "code_ze"]], on="insee_com", how="inner")
        .groupby(["id_ti", "code_ze"], as_index=False)["population"]
        .sum()
    )
    d = w.merge(taux[["code_ze", "trimestre", "taux_chomage"]], on="code_ze", how="inner")
    g = (
        d.assign(num=d["population"] * d["taux_chomage"])
        .groupby(["id_ti", "trimestre"], as_index=False)[["num", "population"]]
        .sum()
    )
    return pd.DataFrame(
        {
            "id_ti": g["id_ti"],
            "indicator": "taux_chomage",
            "observation": g["trimestre"].astype(str),
            "value": (g["num"] / g["population"].where(g["population"] > 0)).astype("float64"),
        }
    ).dropna(subset=["value"])


def demandeurs(member: pd.DataFrame, demandeurs_emploi: pd.DataFrame) -> pd.DataFrame:
    """Monthly job seekers summed over the area's communes present in the source, coverage, change.

    ``demandeurs_emploi_couverture`` is the population of the communes present in the source
    (any month) over the area's population; the change compares the first and last months.
    """
    columns = ["id_ti", "indicator", "observation", "value"]
    com = demandeurs_emploi.loc[demandeurs_emploi["niveau"] == "commune", ["codgeo", "mois", "demandeurs"]]
    if com.empty:  # no month published yet (the series starts in January 2020)
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "value" else str) for c in columns})
    monthly = (
        member[["id_ti", "insee_com"]]
        .merge(com, left_on="insee_com", right_on="codgeo", how="inner")
        .groupby(["id_ti", "mois"], as_index=False)["demandeurs"]
        .sum()
    )
    covered = in_codes(member["insee_com"], com["codgeo"])
    pop = member.groupby("id_ti")["population"].sum()
    coverage = member.loc[covered].groupby("id_ti")["population"].sum().reindex(pop.index, fill_value=0) / pop * 100
    first, last = com["mois"].min(), com["mois"].max()
    ends = monthly.loc[monthly["mois"].isin([first, last])].pivot(index="id_ti", columns="mois", values="demandeurs")
    evol = (ends[last] / ends[first] - 1) * 100 if first != last else pd.Series(dtype="float64")
    parts = [
        monthly.rename(columns={"mois": "observation", "demandeurs": "value"}).assign(indicator="demandeurs_emploi"),
        coverage.rename("value").reset_index().assign(indicator="demandeurs_emploi_couverture", observation=f"{first[:4]}-{last[:4]}"),
        evol.rename("value").rename_axis("id_ti").reset_index().assign(indicator="demandeurs_emploi_evol", observation=f"{first}/{last}"),
    ]
    return (
        pd.concat(parts, ignore_index=True)
        .astype({"value": "float64", "observation": str})
        .dropna(subset=["value"])[columns]
    )


DEMANDEURS_DEP = "demandeurs_a_departements"
DEMANDEURS_DEP_EVOL = "demandeurs_a_departements_evol"


def departement(insee_com: pd.Series) -> pd.Series:
    """The département of each commune, from its code: three characters overseas (97x), two
    otherwise (01…95, 2A, 2B)."""
    return pd.Series(np.where(insee_com.str.startswith("97"), insee_com.str[:3], insee_com.str[:2]), index=insee_com.index)


def demandeurs_departements(member: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Job seekers of category A (quarterly average, CVS-CJO) summed over the départements in
    which each area has at least one commune, per quarter, and the change on the same quarter of
    the year before (%). Only the area's départements the source publishes count; a quarter
    missing one of them is left out, so every sum and change is on the same départements. An
    empty ``table`` (the living series not obtained yet) gives no rows."""
    columns = ["id_ti", "indicator", "observation", "value"]
    if table.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "value" else str) for c in columns})
    deps = member[["id_ti"]].assign(code_dep=departement(member["insee_com"])).drop_duplicates()
    deps = deps.loc[deps["code_dep"].isin(table["code_dep"])]
    expected = deps.groupby("id_ti").size()
    joined = deps.merge(table[["code_dep", "trimestre", "demandeurs"]], on="code_dep", how="inner")
    sums = joined.groupby(["id_ti", "trimestre"]).agg(value=("demandeurs", "sum"), n=("code_dep", "size")).reset_index()
    sums = sums.loc[sums["n"].to_numpy() == expected.reindex(sums["id_ti"]).to_numpy(), ["id_ti", "trimestre", "value"]]
    year_before = sums.assign(trimestre=(sums["trimestre"].str[:4].astype(int) + 1).astype(str) + sums["trimestre"].str[4:])
    evol = sums.merge(year_before, on=["id_ti", "trimestre"], suffixes=("", "_avant"))
    evol = evol.assign(value=(evol["value"] / evol["value_avant"].where(evol["value_avant"] > 0) - 1) * 100)
    return (
        pd.concat([sums.assign(indicator=DEMANDEURS_DEP), evol[["id_ti", "trimestre", "value"]].assign(indicator=DEMANDEURS_DEP_EVOL)],
                  ignore_index=True)
        .rename(columns={"trimestre": "observation"})
        .astype({"value": "float64", "observation": str, "id_ti": str})
        .dropna(subset=["value"])[columns]
        .reset_index(drop=True)
    )
