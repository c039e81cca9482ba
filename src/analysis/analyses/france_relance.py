"""France Relance industrial firms against the weight of the TI in each département, and per
1,000 private salaried jobs (``comparer_relance_aux_emplois``).
"""

from __future__ import annotations

import pandas as pd

from analysis.analyses import impact
from analysis.config import DEFAULT_COG
from analysis.donnees import referentiel
from analysis.donnees.loaders import economie, relance

RELANCE_GROUPES = ("poids des TI faible", "poids des TI moyen", "poids des TI fort")
# The jobs France Relance's firms are set against: private salaried jobs (URSSAF, all sectors) of
# 2019, the last year before the plan (September 2020) and the Covid fall, so that the aid cannot
# have moved its own denominator. Industrial jobs would match the indicator better, but the data
# held give them by zone d'emploi (which straddle départements) or by EPCI (census), not by
# département.
ANNEE_EMPLOIS = 2019


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


def comparer_relance_aux_emplois(entreprises: pd.DataFrame, emplois: pd.DataFrame) -> pd.DataFrame:
    """Per département, the industrial firms supported by France Relance at the last published
    month per 1,000 private salaried jobs, its rank and the national figure.

    ``entreprises``: departement, lib_departement, mois (YYYY-MM), entreprises (cumulative count,
    ``relance.entreprises_industrielles``), only the last month is read; ``emplois``: departement,
    annee, emplois (``emplois_departements``). Only the départements found in both are kept
    (Mayotte has firms but no URSSAF jobs) and the national figure is the firms of those
    départements summed over their jobs summed, not a mean of their ratios. Returns one row per
    département, sorted by code: departement, lib_departement, mois, entreprises, annee, emplois,
    pour_1000, rang (1 = the most firms per 1,000 jobs; ties share the best rank), n_departements,
    entreprises_france, emplois_france, pour_1000_france.

    Example::

        >>> firms = pd.DataFrame({"departement": ["45", "45", "89"], "lib_departement": ["Loiret", "Loiret", "Yonne"],
        ...                       "mois": ["2022-11", "2022-12", "2022-12"], "entreprises": [90.0, 100.0, 30.0]})
        >>> jobs = pd.DataFrame({"departement": ["45", "89"], "annee": [2019, 2019], "emplois": [20_000, 10_000]})
        >>> comparer_relance_aux_emplois(firms, jobs)[["departement", "pour_1000", "rang", "pour_1000_france"]]
          departement  pour_1000  rang  pour_1000_france
        0          45        5.0     1          4.333333
        1          89        3.0     2          4.333333
    """
    last = entreprises.loc[entreprises["mois"] == entreprises["mois"].max(), ["departement", "lib_departement", "mois", "entreprises"]]
    out = last.merge(emplois[["departement", "annee", "emplois"]], on="departement", how="inner", validate="one_to_one")
    out = out.assign(pour_1000=1000 * out["entreprises"] / out["emplois"])
    entreprises_france, emplois_france = float(out["entreprises"].sum()), float(out["emplois"].sum())
    return out.assign(
        rang=out["pour_1000"].rank(method="min", ascending=False).astype("int64"),
        n_departements=len(out),
        entreprises_france=entreprises_france,
        emplois_france=emplois_france,
        pour_1000_france=1000 * entreprises_france / emplois_france if emplois_france else float("nan"),
    ).sort_values("departement", ignore_index=True)


def emplois_departements(periode: str, annee: int = ANNEE_EMPLOIS) -> pd.DataFrame:
    """Private salaried jobs (URSSAF, all sectors) per département in ``annee``, or in the last
    year published by ``periode`` if earlier: departement, annee, emplois."""
    serie = economie.urssaf_serie(periode)
    dep = serie.loc[serie["echelon"] == "dep"]
    year = min(annee, int(dep["year"].max()))
    return (
        dep.loc[dep["year"] == year, ["code", "year", "eff_total"]]
        .rename(columns={"code": "departement", "year": "annee", "eff_total": "emplois"})
        .reset_index(drop=True)
    )


def relance_emplois(periode: str) -> pd.DataFrame:
    """``comparer_relance_aux_emplois`` as of ``periode`` (empty before the first month of France
    Relance is published)."""
    firms = relance.entreprises_industrielles(periode)
    if firms.empty:
        return pd.DataFrame(columns=["departement", "lib_departement", "mois", "entreprises", "annee", "emplois", "pour_1000",
                                     "rang", "n_departements", "entreprises_france", "emplois_france", "pour_1000_france"])
    return comparer_relance_aux_emplois(firms, emplois_departements(periode))
