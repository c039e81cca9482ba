"""France Relance industrial firms against the weight of the TI in each département.
"""

from __future__ import annotations

import pandas as pd

from analysis.analyses import impact
from analysis.config import DEFAULT_COG
from analysis.donnees import referentiel
from analysis.donnees.loaders import relance

RELANCE_GROUPES = ("poids des TI faible", "poids des TI moyen", "poids des TI fort")


def relance_par_departement(entreprises: pd.DataFrame, communes: pd.DataFrame, communes_ti: pd.DataFrame) -> pd.DataFrame:
    """Per département: firms supported at the last published month, population, share of the
    population in a TI (%), firms per 100,000 inhabitants and the TI-weight group (terciles).

    ``entreprises``: ``relance.entreprises_industrielles``; ``communes``: ``referentiel.communes``;
    ``communes_ti``: ``referentiel.communes_ti`` of the phase.
    """
    last = entreprises.loc[entreprises["mois"] == entreprises["mois"].max(), ["departement", "lib_departement", "entreprises"]]
    pop = communes.assign(population=communes["population"].astype("float64"))
    in_ti = pop["insee_com"].isin(communes_ti["insee_com"])
    dep = (
        pop.assign(population_ti=pop["population"].where(in_ti, 0.0))
        .groupby("departement", as_index=False)[["population", "population_ti"]]
        .sum()
    )
    out = last.merge(dep, on="departement", how="inner", validate="one_to_one").assign(
        part_population_ti=lambda d: 100 * d["population_ti"] / d["population"],
        entreprises_100k=lambda d: 1e5 * d["entreprises"] / d["population"],
    )
    groups = pd.qcut(out["part_population_ti"].rank(method="first"), 3, labels=list(RELANCE_GROUPES))
    return out.assign(groupe=groups.astype(str)).sort_values("departement", ignore_index=True)


def relance_mensuelle(entreprises: pd.DataFrame, par_departement: pd.DataFrame) -> pd.DataFrame:
    """Firms supported per month and TI-weight group: mois, groupe, entreprises, entreprises_100k."""
    groups = par_departement[["departement", "groupe", "population"]]
    return (
        entreprises.merge(groups, on="departement", how="inner")
        .groupby(["mois", "groupe"], as_index=False)[["entreprises", "population"]]
        .sum()
        .assign(entreprises_100k=lambda d: 1e5 * d["entreprises"] / d["population"])
        .drop(columns="population")
    )


def suivi_relance(periode: str, phase: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(par_departement, mensuel)`` of France Relance industrial firms for the TI of ``phase``
    (phase 1 covers 2020-2022); empty tables before the first month is published."""
    firms = relance.entreprises_industrielles(periode)
    if firms.empty:  # before the first month is published (2020)
        return (pd.DataFrame(columns=["departement", "lib_departement", "entreprises", "population", "population_ti",
                                      "part_population_ti", "entreprises_100k", "groupe"]),
                pd.DataFrame(columns=["mois", "groupe", "entreprises", "entreprises_100k"]))
    dep = relance_par_departement(firms, referentiel.communes(DEFAULT_COG[phase]), referentiel.communes_ti(phase))
    return dep, relance_mensuelle(firms, dep)


def relance_departements(entreprises: pd.DataFrame, par_departement: pd.DataFrame, departements: list[str]) -> pd.DataFrame:
    """Firms supported per month and per 100,000 inhabitants in each of ``departements`` and in
    France (the départements of ``par_departement`` summed): mois, departement ("FR" for
    France), lib, entreprises, entreprises_100k."""
    pop = par_departement.set_index("departement")["population"]
    firms = entreprises.loc[entreprises["departement"].isin(pop.index)]
    own = firms.loc[firms["departement"].isin(departements)].assign(lib=lambda d: d["lib_departement"])
    france = firms.groupby("mois", as_index=False)["entreprises"].sum().assign(departement="FR", lib="France")
    return pd.concat(
        [
            own.assign(entreprises_100k=1e5 * own["entreprises"] / own["departement"].map(pop)),
            france.assign(entreprises_100k=1e5 * france["entreprises"] / pop.sum()),
        ],
        ignore_index=True,
    )[["mois", "departement", "lib", "entreprises", "entreprises_100k"]]


def regression_relance(par_departement: pd.DataFrame) -> pd.DataFrame | None:
    """Firms helped per 100,000 inhabitants against the share of the département's population in
    a TI (``impact.cross_section``, no région effect); None before the series starts."""
    if par_departement.empty:
        return None
    return impact.cross_section(par_departement, outcome="entreprises_100k", covariates=["part_population_ti"], region=None)
