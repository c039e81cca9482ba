"""Checks of third parties' derived files against official ones, where the data allow: how far a
derived file agrees with the official edition on what both cover (tested with numbers, stated
on the methods page).

- ``chomage_derive``: the third party's JSON of the zone d'emploi workbook (edition 2025-T4)
  against the official workbook of 2023-T3, on the quarters both hold. The gaps mix the
  revisions between two editions (seasonal adjustment) with any copying error; ``chomage_revisions``
  gives, for scale, the gaps between the two official editions held.
- ``urssaf_communes``: the URSSAF commune series (``urssaf_serie_indice100``, derived by a third
  party) against the official commune × APE file (extract of the zone d'emploi of Rouen),
  summed over APE codes, commune by commune and year by year.
"""

from __future__ import annotations

import pandas as pd

from analysis.donnees.cache import cached
from analysis.donnees.loaders import economie, urssaf_ape

CHOMAGE_DERIVE = "chomage/chomage_zones_emploi_2021T1-2025T4"
CHOMAGE_OFFICIELS = ("chomage/chomage-zone-t1-2003-t2-2022", "chomage/chomage-zone-t1-2003-t3-2023")


def accord(derive: pd.DataFrame, officiel: pd.DataFrame, keys: list[str], value: str = "taux_chomage", decimales: int = 1) -> dict:
    """Agreement of two tables on the keys both hold: number of pairs, first and last period
    (``trimestre``), share of equal values (the official one rounded to ``decimales``, the
    precision of the derived file), share within 0.1, largest and mean absolute gap."""
    m = derive[[*keys, value]].merge(officiel[[*keys, value]], on=keys, suffixes=("_d", "_o"))
    gap = (m[f"{value}_d"] - m[f"{value}_o"].round(decimales)).abs().round(6)
    return {
        "n": len(m),
        "trimestres": (m["trimestre"].min(), m["trimestre"].max()),
        "egales_pct": 100 * float((gap == 0).mean()),
        "a_01_pct": 100 * float((gap <= 0.1).mean()),
        "ecart_max": float(gap.max()),
        "ecart_moyen": float(gap.mean()),
    }


@cached
def chomage_derive() -> dict:
    return accord(economie.chomage_ze_edition(CHOMAGE_DERIVE), economie.chomage_ze_edition(CHOMAGE_OFFICIELS[-1]), ["code_ze", "trimestre"])


@cached
def chomage_revisions() -> dict:
    return accord(economie.chomage_ze_edition(CHOMAGE_OFFICIELS[0]), economie.chomage_ze_edition(CHOMAGE_OFFICIELS[1]), ["code_ze", "trimestre"])


@cached
def urssaf_communes() -> dict:
    """Commune × year pairs of the derived series and of the official commune × APE extract
    (communes without a secret cell that year): number, communes, years, share equal, share
    within 1 %, and the extract's total over the series' total per year (min, max)."""
    ape = urssaf_ape.commune_ape()
    official = ape.groupby(["insee_com", "year"], as_index=False).agg(eff=("effectifs", "sum"), secret=("effectifs_secret", "any"))
    serie = economie.urssaf_serie().loc[lambda d: d["echelon"] == "communes"].rename(columns={"code": "insee_com"})
    m = official.merge(serie[["insee_com", "year", "eff_total"]], on=["insee_com", "year"])
    clean = m.loc[~m["secret"]]
    gap = (clean["eff_total"] - clean["eff"]).abs()
    totals = m.groupby("year")[["eff", "eff_total"]].sum()
    ratio = totals["eff"] / totals["eff_total"] * 100
    return {
        "n": len(clean),
        "communes": int(m["insee_com"].nunique()),
        "annees": (int(m["year"].min()), int(m["year"].max())),
        "egales_pct": 100 * float((gap == 0).mean()),
        "a_1pct_pct": 100 * float((gap <= 0.01 * clean["eff_total"]).mean()),
        "total_pct": (float(ratio.min()), float(ratio.max())),
    }
