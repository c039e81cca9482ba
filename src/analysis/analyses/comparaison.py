"""Why some territories do better: the cross-section of TI (outcomes and standardised
covariates) and the summary by région.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.analyses.impact import cross_section

from analysis.analyses.positions import comparables
from analysis.analyses.profils import DENSITE, densite
from analysis.indicateurs.build import non_publies, read_indicators

# Why some territories do better: outcome and standardised covariates.
COMPARAISON_OUTCOMES = ("ss_effet_local_pct", "emploi_prive_tcam_ecart_france")


COMPARAISON_COVARIATES = ("part_industrie", "part_industrie_hautetech", "part_diplomes_superieur", DENSITE, "croissance_population")


def depuis_2018(observations: pd.DataFrame) -> bool:
    """Is the growth of employment in ``periods`` (``observations``) measured since 2018? Until
    the employment of 2019 is published (mid-2020) it covers 2014-2018, if anything."""
    observation = observations.set_index("indicator")["observation"].get("emploi_prive_tcam", "")
    return str(observation).startswith("2018-")


def variables_publiees(wide: pd.DataFrame, observations: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(outcomes, covariates) of the comparison that the month's data allow: published, and the
    growth since 2018 only once it is measured since 2018 (``depuis_2018``)."""
    missing = set(non_publies(wide, [*COMPARAISON_OUTCOMES, *COMPARAISON_COVARIATES]))
    if not depuis_2018(observations):
        missing.add("emploi_prive_tcam_ecart_france")
    return [o for o in COMPARAISON_OUTCOMES if o not in missing], [c for c in COMPARAISON_COVARIATES if c not in missing]


def comparaison_ti(wide: pd.DataFrame, density: pd.Series, covariates: list[str] | tuple[str, ...] = COMPARAISON_COVARIATES) -> pd.DataFrame:
    """One row per TI: outcomes (``COMPARAISON_OUTCOMES``), ``covariates`` standardised to z-scores
    (one standard deviation = 1, so coefficients compare) and region; values of EPCI a
    territory mostly does not hold are missing (``positions.comparables``)."""
    ti = comparables(wide).loc[lambda d: d["niveau"] == "ti"].set_index("id_ti").join(density)
    z = ti[list(covariates)].astype("float64")
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


@dataclass(frozen=True)
class Reussite:
    """Why some territories of a phase do better: the cross-section and its regressions."""

    coupe: pd.DataFrame  # ``comparaison_ti`` on the covariates the month's data allow
    regressions: dict[str, pd.DataFrame]  # outcome -> ``impact.cross_section`` (région fixed effects)
    regions: pd.DataFrame | None  # ``tableau_regions``, once the growth of employment is measured since 2018 (``depuis_2018``)


def reussite(phase: int, periode: str) -> Reussite:
    """The outcomes and covariates the month allows (``variables_publiees``), the standardised
    cross-section of the TI of ``phase`` and one regression per outcome, and the table by région."""
    wide, observations = read_indicators(phase, periode, "wide"), read_indicators(phase, periode, "observations")
    outcomes, covariates = variables_publiees(wide, observations)
    coupe = comparaison_ti(wide, densite(phase), covariates)
    return Reussite(coupe=coupe, regressions={y: cross_section(coupe, outcome=y, covariates=covariates) for y in outcomes},
                    regions=tableau_regions(wide) if depuis_2018(observations) else None)
