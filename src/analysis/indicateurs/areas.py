"""The territories an indicator is computed for, as commune memberships.

Every indicator is computed in one pass for all the areas of a phase: each territoire
d'industrie, and the comparison areas France, each région, the set of all TI of the phase
(``ENSEMBLE-TI``) and the communes outside any TI (``HORS-TI``, the "EPCI hors TI" of the
reports; an EPCI only partly in a TI contributes its outside communes). An area is a set of
communes, so one group-by over ``membership`` gives the value of every area at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.config import DEFAULT_COG
from analysis.donnees import referentiel
from analysis.donnees.loaders import geo

FRANCE = "FRANCE"
ENSEMBLE_TI = "ENSEMBLE-TI"
HORS_TI = "HORS-TI"
REGION_PREFIX = "REG-"
NIVEAUX = ("ti", "france", "region", "ensemble_ti", "hors_ti")
PARIS = "75056"

# URSSAF and other sources give Paris, Lyon and Marseille by arrondissement municipal.
_ARRONDISSEMENTS = (
    (r"^751(0[1-9]|1\d|20)$", "75056"),
    (r"^6938[1-9]$", "69123"),
    (r"^132(0[1-9]|1[0-6])$", "13055"),
)


def commune_code(codes: pd.Series) -> pd.Series:
    """Arrondissement municipal codes of Paris, Lyon and Marseille -> their commune's code."""
    out = codes
    for pattern, commune in _ARRONDISSEMENTS:
        out = out.mask(out.str.match(pattern), commune)
    return out


def in_codes(series: pd.Series, codes: pd.Series) -> np.ndarray:
    """Boolean mask: is each code of ``series`` among ``codes`` (fast on Arrow strings)."""
    return pd.Index(codes.dropna().unique()).get_indexer(series) >= 0


def communes(cog: int) -> pd.DataFrame:
    """All communes with population, région, EPCI and the unit of the EPCI profile.

    ``unit_profil`` is the row of ``profil-epci/agg_epci`` the commune belongs to: its EPCI,
    except in the Métropole du Grand Paris, split there into its EPT and Paris.
    """
    ept_of = geo.ept(cog)[["insee_com", "siren"]].rename(columns={"siren": "siren_ept"})
    return (
        referentiel.communes(cog)[["insee_com", "population", "departement", "region", "siren_epci"]]
        .merge(ept_of, on="insee_com", how="left", validate="one_to_one")
        .assign(
            population=lambda d: d["population"].fillna(0).astype("int64"),
            unit_profil=lambda d: d["siren_ept"].fillna(d["siren_epci"]).mask(d["insee_com"] == PARIS, PARIS),
        )
        .drop(columns="siren_ept")
    )


def labels(phase: int, cog: int | None = None) -> pd.DataFrame:
    """One row per area: id_ti, niveau, lib, region (the TI's main région; NA for France)."""
    cog = cog or DEFAULT_COG[phase]
    present = referentiel.communes(cog)["region"].unique()
    regions = geo.regions(cog).rename(columns={"code": "region", "nom": "lib"}).loc[lambda d: d["region"].isin(present)]
    ti = referentiel.territoires(phase, cog)[["id_ti", "lib_ti", "region"]].rename(columns={"lib_ti": "lib"})
    return pd.concat(
        [
            ti.assign(niveau="ti"),
            pd.DataFrame({"id_ti": [FRANCE], "lib": ["France"], "region": [pd.NA], "niveau": ["france"]}),
            regions.assign(id_ti=REGION_PREFIX + regions["region"], niveau="region"),
            pd.DataFrame(
                {
                    "id_ti": [ENSEMBLE_TI, HORS_TI],
                    "lib": [f"Ensemble des TI (phase {phase})", "EPCI hors TI"],
                    "region": [pd.NA, pd.NA],
                    "niveau": ["ensemble_ti", "hors_ti"],
                }
            ),
        ],
        ignore_index=True,
    ).astype({"id_ti": str, "lib": str, "region": "str", "niveau": str})[["id_ti", "niveau", "lib", "region"]]


def membership(phase: int, cog: int | None = None) -> pd.DataFrame:
    """One row per area x commune: id_ti, niveau, insee_com, population, region, siren_epci, unit_profil."""
    cog = cog or DEFAULT_COG[phase]
    com = communes(cog)
    in_ti = referentiel.communes_ti(phase, cog)[["id_ti", "insee_com"]]
    flagged = com.merge(in_ti, on="insee_com", how="left", validate="one_to_one")
    is_ti = flagged["id_ti"].notna()
    parts = [
        flagged.loc[is_ti].assign(niveau="ti"),
        flagged.assign(id_ti=FRANCE, niveau="france"),
        flagged.assign(id_ti=REGION_PREFIX + flagged["region"], niveau="region"),
        flagged.loc[is_ti].assign(id_ti=ENSEMBLE_TI, niveau="ensemble_ti"),
        flagged.loc[~is_ti].assign(id_ti=HORS_TI, niveau="hors_ti"),
    ]
    return pd.concat(parts, ignore_index=True).astype({"id_ti": str})[
        ["id_ti", "niveau", "insee_com", "population", "region", "siren_epci", "unit_profil"]
    ]


def weighted_mean(
    member: pd.DataFrame, values: pd.DataFrame, unit: str, value_cols: list[str], weight: str = "population"
) -> pd.DataFrame:
    """Weighted mean of unit-level values over each area's communes (weights: commune ``weight``).

    For a TI this is the mean of its EPCI's values weighted by the EPCI population inside
    the TI (= population x part_population_ti), so a partly covered EPCI counts for its covered
    part only. Communes whose unit has no value are left out of both sums; ``couverture`` is the
    share of the area's weight that has a value. Returns id_ti x value columns (+ couverture_<col>).
    """
    by_unit = member.groupby(["id_ti", unit], as_index=False)[weight].sum()
    merged = by_unit.merge(values[[unit, *value_cols]], on=unit, how="left", validate="many_to_one")
    w = merged[weight].to_numpy(dtype="float64")
    block = merged[value_cols].to_numpy(dtype="float64")
    has = ~np.isnan(block)
    sums = pd.DataFrame(np.where(has, block * w[:, None], 0.0), columns=value_cols).groupby(merged["id_ti"]).sum()
    wsum = pd.DataFrame(np.where(has, w[:, None], 0.0), columns=value_cols).groupby(merged["id_ti"]).sum()
    total = pd.Series(w).groupby(merged["id_ti"]).sum()
    means = sums / wsum.where(wsum > 0)
    cover = wsum.div(total, axis=0).add_prefix("couverture_")
    return pd.concat([means, cover], axis=1).rename_axis("id_ti").reset_index()


# The coverage indicator of each geographic basis published by EPCI, and the unit it is computed on.
COUVERTURES = {"couverture_epci": "unit_profil", "couverture_epci_sans_ept": "siren_epci"}


def couverture(member: pd.DataFrame, observation: str) -> pd.DataFrame:
    """How much of the EPCI whose values an area receives the area holds, as long rows.

    For each unit of ``COUVERTURES`` (the EPCI or EPT of the census profile; the EPCI alone for
    DVF), the area's value is the mean over the units it touches of the share of the unit's
    population living in the area, weighted by that population: the weights of
    ``weighted_mean``. 100 for an area made of whole EPCI; 25 for an area holding a quarter of
    its only EPCI. Returns id_ti, indicator, period, value (%).
    """
    unit_pop = {unit: member.loc[member["niveau"] == "france"].groupby(unit)["population"].sum() for unit in COUVERTURES.values()}
    rows = []
    for indicator, unit in COUVERTURES.items():
        inside = member.groupby(["id_ti", unit], as_index=False)["population"].sum()
        part = inside["population"] / inside[unit].map(unit_pop[unit]).where(lambda s: s > 0)
        weighted = (inside["population"] * part).groupby(inside["id_ti"]).sum(min_count=1)
        total = inside["population"].where(part.notna()).groupby(inside["id_ti"]).sum()
        rows.append(
            (100 * weighted / total.where(total > 0)).rename("value").rename_axis("id_ti").reset_index().assign(indicator=indicator, observation=observation)
        )
    return pd.concat(rows, ignore_index=True).astype({"value": "float64"}).dropna(subset=["value"])[["id_ti", "indicator", "observation", "value"]]


def long_format(wide: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """id_ti x columns -> long rows (id_ti, indicator, period, value); ``columns`` maps column -> (indicator, period)."""
    melted = wide.melt(id_vars="id_ti", value_vars=list(columns), var_name="column", value_name="value")
    keys = pd.DataFrame([(c, i, p) for c, (i, p) in columns.items()], columns=["column", "indicator", "observation"])
    return (
        melted.merge(keys, on="column", validate="many_to_one")
        .astype({"value": "float64", "indicator": str, "observation": str})[["id_ti", "indicator", "observation", "value"]]
    )
