"""Why some territories do better: the cross-section of TI (outcomes and standardised
covariates) and the summary by région.
"""

from __future__ import annotations

import pandas as pd

from analysis.analyses.positions import comparables
from analysis.analyses.profils import DENSITE

# Why some territories do better: outcome and standardised covariates.
COMPARAISON_OUTCOMES = ("ss_effet_local_pct", "emploi_prive_tcam_ecart_france")


COMPARAISON_COVARIATES = ("part_industrie", "part_industrie_hautetech", "part_diplomes_superieur", DENSITE, "croissance_population")


def comparaison_ti(wide: pd.DataFrame, density: pd.Series) -> pd.DataFrame:
    """One row per TI: outcomes (``COMPARAISON_OUTCOMES``), covariates standardised to z-scores
    (one standard deviation = 1, so coefficients compare) and region; values of EPCI a
    territory mostly does not hold are missing (``positions.comparables``)."""
    ti = comparables(wide).loc[lambda d: d["niveau"] == "ti"].set_index("id_ti").join(density)
    z = ti[list(COMPARAISON_COVARIATES)].astype("float64")
    z = (z - z.mean()) / z.std(ddof=0)
    return ti[["lib", "region", *COMPARAISON_OUTCOMES]].join(z).reset_index()


def tableau_regions(wide: pd.DataFrame) -> pd.DataFrame:
    """One row per région with TI: n_ti, mean growth of its TI and of the région (2018-latest,
    %/an), share of its TI doing better than the région (employment index), mean local effect."""
    ti = wide.loc[wide["niveau"] == "ti"]
    reg = wide.loc[wide["niveau"] == "region", ["region", "lib", "emploi_prive_tcam"]].rename(
        columns={"lib": "lib_region", "emploi_prive_tcam": "tcam_region"}
    )
    out = (
        ti.groupby("region", as_index=False)
        .agg(
            n_ti=("id_ti", "size"),
            tcam_ti=("emploi_prive_tcam", "mean"),
            part_mieux_region=("emploi_prive_ecart_region", lambda s: 100 * (s > 0).mean()),
            effet_local=("ss_effet_local_pct", "mean"),
        )
        .merge(reg, on="region", how="left")
    )
    return out.sort_values("lib_region", ignore_index=True)[
        ["region", "lib_region", "n_ti", "tcam_ti", "tcam_region", "part_mieux_region", "effet_local"]
    ]
