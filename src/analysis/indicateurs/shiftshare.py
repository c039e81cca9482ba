"""Shift-share decomposition of private employment change (Carré, Levratto & Frocrain).

For each zone d'emploi r and A38 sector s between the start and end years, with national
growth g = E_1/E_0 − 1 and sector national growth g_s:

    national effect   N_r = Σ_s E_rs0 · g
    sector-mix effect M_r = Σ_s E_rs0 · (g_s − g)
    local effect      L_r = Σ_s (E_rs1 − E_rs0 · (1 + g_s))

so that N_r + M_r + L_r = E_r1 − E_r0 (L_r is computed as that residual, so the identity
holds to floating-point precision). National totals are the sums over zones.
Cells the source leaves empty count as zero jobs.

URSSAF publishes sectors only by zone d'emploi; an area (TI, région, ...) receives the
effects of each zone in proportion to its share of the zone's 2019 private employment
(commune echelon of the URSSAF series): the weights of all areas partitioning a zone sum to 1.
"""

from __future__ import annotations

import pandas as pd

from analysis.indicateurs.emploi import urssaf_communes

WEIGHT_YEAR = 2019
START_YEAR = 2019
EFFECTS = ["variation", "effet_national", "effet_structurel", "effet_local"]
# A38 sectors of high and medium-high technology industry (Eurostat) and of high-tech
# knowledge-intensive services (definitions of part_industrie_hautetech / part_services_hautetech).
HIGH_TECH_INDUSTRY = ("CE", "CF", "CI", "CJ", "CK", "CL")
HIGH_TECH_SERVICES = ("JB", "JC", "MB")


def shift_share_cellules(a38: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """Per zone d'emploi × A38 sector: e0, e1, effet_national, effet_structurel, effet_local.

    The local effect of a cell is its residual ``e1 − e0 − N − M`` (= ``e1 − e0·(1 + g_s)``), so
    the three effects of a cell sum to its change; a sector without national employment at
    ``start`` has no sector growth and no sector-mix effect (0).
    """
    wide = (
        a38.loc[a38["year"].isin([start, end])]
        .pivot_table(index=["code_ze", "a38"], columns="year", values="eff", aggfunc="sum", fill_value=0.0, dropna=False)
        .reindex(columns=[start, end], fill_value=0.0)
        .fillna(0.0)
        .set_axis(["e0", "e1"], axis=1)
        .reset_index()
    )
    nat = wide.groupby("a38")[["e0", "e1"]].sum()
    g = wide["e1"].sum() / wide["e0"].sum() - 1
    g_s = (nat["e1"] / nat["e0"] - 1).rename("g_s")
    cells = wide.merge(g_s, left_on="a38", right_index=True, how="left").assign(
        effet_national=lambda d: d["e0"] * g,
        effet_structurel=lambda d: (d["e0"] * (d["g_s"] - g)).fillna(0.0),
    )
    return cells.assign(effet_local=cells["e1"] - cells["e0"] - cells["effet_national"] - cells["effet_structurel"])[
        ["code_ze", "a38", "e0", "e1", "effet_national", "effet_structurel", "effet_local"]
    ]


def shift_share(a38: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """Per zone d'emploi: emploi_debut, emploi_fin and the three effects (sum = variation)."""
    return (
        shift_share_cellules(a38, start, end)
        .groupby("code_ze", as_index=False)[["e0", "e1", "effet_national", "effet_structurel"]]
        .sum()
        .rename(columns={"e0": "emploi_debut", "e1": "emploi_fin"})
        .assign(variation=lambda d: d["emploi_fin"] - d["emploi_debut"])
        .assign(effet_local=lambda d: d["variation"] - d["effet_national"] - d["effet_structurel"])
    )


def ze_weights(member: pd.DataFrame, serie: pd.DataFrame, communes_ze: pd.DataFrame, year: int = WEIGHT_YEAR) -> pd.DataFrame:
    """Share of each zone d'emploi's private employment (year ``year``) located in each area.

    Returns id_ti, code_ze, emploi_area, emploi_ze, poids. Zone totals are summed over the
    communes of the COG year found in the commune -> zone table, so the areas that partition
    France (each TI + HORS-TI, or the régions) have weights summing to 1 in every zone.
    """
    emp = urssaf_communes(serie).loc[lambda d: d["year"] == year, ["insee_com", "eff_total"]]
    com = (
        member[["insee_com"]]
        .drop_duplicates()
        .merge(communes_ze[["insee_com", "code_ze"]], on="insee_com", how="inner")
        .merge(emp, on="insee_com", how="left")
        .assign(eff_total=lambda d: d["eff_total"].fillna(0).astype("float64"))
    )
    ze_total = com.groupby("code_ze")["eff_total"].sum().rename("emploi_ze")
    return (
        member[["id_ti", "insee_com"]]
        .merge(com, on="insee_com", how="inner")
        .groupby(["id_ti", "code_ze"], as_index=False)["eff_total"]
        .sum()
        .rename(columns={"eff_total": "emploi_area"})
        .merge(ze_total, left_on="code_ze", right_index=True)
        .assign(poids=lambda d: d["emploi_area"] / d["emploi_ze"].where(d["emploi_ze"] > 0))
        .dropna(subset=["poids"])
    )


def attribute(weights: pd.DataFrame, ze_values: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Σ_zones poids × value for each area: id_ti x columns."""
    merged = weights[["id_ti", "code_ze", "poids"]].merge(ze_values[["code_ze", *columns]], on="code_ze", how="inner")
    weighted = merged[columns].mul(merged["poids"], axis=0)
    return weighted.groupby(merged["id_ti"]).sum().rename_axis("id_ti").reset_index()


def high_tech(a38: pd.DataFrame) -> pd.DataFrame:
    """Per zone d'emploi and year: total, high-tech industry and high-tech services employment (wide)."""
    eff = a38.assign(eff=a38["eff"].fillna(0.0))
    groups = {
        "total": eff,
        "industrie_ht": eff.loc[eff["a38"].isin(HIGH_TECH_INDUSTRY)],
        "services_ht": eff.loc[eff["a38"].isin(HIGH_TECH_SERVICES)],
    }
    sums = [frame.groupby(["code_ze", "year"])["eff"].sum().rename(name) for name, frame in groups.items()]
    wide = pd.concat(sums, axis=1).fillna(0.0).unstack("year")
    wide.columns = [f"{name}_{year}" for name, year in wide.columns]
    return wide.reset_index()


def indicators(weights: pd.DataFrame, a38: pd.DataFrame) -> pd.DataFrame:
    """Long rows of the shift-share (2019 -> latest year) and high-tech share indicators.

    What the published years allow: nothing before the 2019 sectors are published (mid-2020),
    the high-tech shares of 2019 alone until a later year is, then the decomposition too.
    """
    columns = ["id_ti", "indicator", "observation", "value"]
    if a38.empty or START_YEAR not in set(a38["year"]):
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "value" else str) for c in columns})
    end = int(a38["year"].max())
    parts = []
    if end > START_YEAR:
        effects = attribute(weights, shift_share(a38, START_YEAR, end), ["emploi_debut", *EFFECTS])
        base = effects["emploi_debut"].where(effects["emploi_debut"] > 0)
        pct = {f"{e}_pct": effects[e] / base * 100 for e in EFFECTS}
        parts.append(
            effects.assign(**pct)
            .melt(id_vars="id_ti", value_vars=[*EFFECTS, *pct], var_name="indicator", value_name="value")
            .assign(indicator=lambda d: "ss_" + d["indicator"], observation=f"{START_YEAR}-{end}")
        )
    ht_ze = high_tech(a38)
    years = list(dict.fromkeys([START_YEAR, end]))
    cols = [f"{g}_{y}" for g in ("total", "industrie_ht", "services_ht") for y in years]
    ht = attribute(weights, ht_ze, cols)
    shares = []
    for y in years:
        total = ht[f"total_{y}"].where(ht[f"total_{y}"] > 0)
        shares += [
            pd.DataFrame({"id_ti": ht["id_ti"], "indicator": "part_industrie_hautetech", "observation": str(y), "value": ht[f"industrie_ht_{y}"] / total * 100}),
            pd.DataFrame({"id_ti": ht["id_ti"], "indicator": "part_services_hautetech", "observation": str(y), "value": ht[f"services_ht_{y}"] / total * 100}),
        ]
    out = pd.concat([*parts, *shares], ignore_index=True)
    return out.astype({"value": "float64", "observation": str}).dropna(subset=["value"])[columns]
