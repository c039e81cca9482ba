"""Impact evaluation on private employment: the EPCI x year panel (URSSAF) with treatment
cohorts and census covariates, the stored difference-in-differences of a period, and a
territory's path against the reweighted controls.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.analyses import impact
from analysis.donnees import referentiel
from analysis.donnees.cache import cached, stored
from analysis.donnees.loaders import economie
from analysis.indicateurs.industrie import profil_units

# EPCI panel: unit-level pre-programme covariates (census 2016 and density class).
EPCI_COVARIATES = ("part_agri_industrie_2016", "classe_densite")


@cached
def covariables_epci() -> pd.DataFrame:
    """Census covariates per EPCI (metropolitan): siren_epci, part_agri_industrie_2011/2016/2022,
    classe_densite (1 dense, 2 intermediate, 3 sparse)."""
    units = profil_units(economie.profil_epci())
    return units.rename(
        columns={
            "unit_profil": "siren_epci",
            "agri_indus_11": "part_agri_industrie_2011",
            "agri_indus_16": "part_agri_industrie_2016",
            "agri_indus_22": "part_agri_industrie_2022",
            "dens3": "classe_densite",
        }
    )[["siren_epci", "part_agri_industrie_2011", "part_agri_industrie_2016", "part_agri_industrie_2022", "classe_densite"]]


def with_covariates(panel: pd.DataFrame, covariates: pd.DataFrame) -> pd.DataFrame:
    """The EPCI panel restricted to EPCI with census covariates (metropolitan France), joined."""
    return panel.merge(covariates, on=impact.UNIT, how="inner", validate="many_to_one")


@cached
def panel_epci(periode: str) -> pd.DataFrame:
    """EPCI x year panel of private employment (URSSAF, published by ``periode``) with the first
    treated year (2019: phase 1, 2023: phase 2 only, NA: never) and census covariates."""
    serie = economie.urssaf_serie(periode)
    emploi = serie.loc[serie["echelon"] == "epci", ["code", "year", "eff_total"]]
    panel = impact.assemble_panel(emploi, referentiel.epci_couverture(1), referentiel.epci_couverture(2))
    return with_covariates(panel, covariables_epci())


@stored
def did(periode: str, cohort: int = 2019, control: str = "never") -> impact.DidResult:
    """Entropy-balanced TWFE DiD of the EPCI entering in ``cohort`` (shared by the synthesis and
    the monographs, stored: a function of the declared files and the period)."""
    return impact.estimate_did(panel_epci(periode), cohort=cohort, control=control, reweight_on=list(EPCI_COVARIATES))


def epci_cross_section(panel: pd.DataFrame, cohort: int = 2019) -> pd.DataFrame:
    """One row per EPCI treated in ``cohort`` or never treated: siren_epci, ti (0/1), region and
    the census covariates, for ``impact.long_difference``."""
    units = panel.drop_duplicates(impact.UNIT)
    cohorts = units[impact.COHORT]
    keep = cohorts.isna() | cohorts.eq(cohort).fillna(False).astype(bool)
    return units.loc[keep].assign(ti=cohorts.loc[keep].notna().astype("int64")).reset_index(drop=True)


def trajectoire(panel: pd.DataFrame, result: impact.DidResult, sirens: list[str], base: int | None = None) -> pd.DataFrame:
    """Employment index (base 100 in ``base``, default first year) of the EPCI ``sirens`` taken
    together, beside the reweighted mean index of the control EPCI of ``result``.

    Returns year, territoire, temoins, ecart (points).
    """
    if result.weights is None:
        raise ValueError("trajectoire : l'estimation doit être pondérée (reweight_on non nul)")
    base = base or int(panel[impact.TIME].min())
    wide = panel.pivot_table(index=impact.UNIT, columns=impact.TIME, values="emploi", aggfunc="sum")
    own = wide.reindex([s for s in sirens if s in wide.index]).sum()
    w = result.weights.weights
    treated_units = set(panel.loc[panel[impact.COHORT].eq(result.cohort).fillna(False).astype(bool), impact.UNIT])
    controls = w.loc[[u for u in w.index if u not in treated_units]]
    index = wide.loc[controls.index].div(wide.loc[controls.index, base], axis=0) * 100
    temoins = index.mul(controls, axis=0).sum() / controls.sum()
    out = pd.DataFrame({"territoire": own / own[base] * 100, "temoins": temoins}).rename_axis(impact.TIME).reset_index()
    return out.assign(ecart=out["territoire"] - out["temoins"])


@dataclass(frozen=True)
class ImpactTerritoire:
    """The EPCI of a territory in the impact panel and their employment path vs reweighted controls."""

    epci: pd.DataFrame  # siren_epci, lib_epci, part_population_ti, cohorte (first treated year, NA if absent)
    cohort: int | None  # entry year shared by most of its EPCI
    result: impact.DidResult | None  # DiD of that cohort (phase-level context)
    trajectoire: pd.DataFrame | None  # year, territoire, temoins, ecart (base 100 the year before entry)


def impact_territoire(periode: str, phase: int, id_ti: str) -> ImpactTerritoire:
    """Employment path of the territory's treated EPCI against the reweighted control mean of the
    DiD of their cohort (``did``); the cohort is the entry year of most of its EPCI."""
    panel = panel_epci(periode)
    cohorts = panel.drop_duplicates(impact.UNIT).set_index(impact.UNIT)[impact.COHORT]
    epci = referentiel.epci_territoire(phase, id_ti)[["siren_epci", "lib_epci", "part_population_ti"]]
    epci = epci.assign(cohorte=epci["siren_epci"].map(cohorts).astype("Int64"))
    treated = epci.dropna(subset=["cohorte"])
    if treated.empty:
        return ImpactTerritoire(epci, None, None, None)
    cohort = int(treated["cohorte"].value_counts().sort_index().idxmax())
    result = did(periode, cohort)
    sirens = treated.loc[treated["cohorte"] == cohort, "siren_epci"].tolist()
    return ImpactTerritoire(epci, cohort, result, trajectoire(panel, result, sirens, base=cohort - 1))
