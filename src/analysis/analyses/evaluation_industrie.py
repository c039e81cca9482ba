"""Impact evaluation on industrial employment: the EPCI panel of the URSSAF commune × APE
file (covered EPCI only) and its difference-in-differences, estimated only with enough EPCI.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.analyses import impact
from analysis.analyses import emploi_industriel as ia
from analysis.analyses.evaluation import (
    EPCI_COVARIATES,
    covariables_epci,
    with_covariates,
)
from analysis.config import DEFAULT_COG_YEAR
from analysis.donnees import harmonisation, referentiel
from analysis.donnees.cache import cached
from analysis.donnees.loaders import urssaf_ape

APE_NATIONAL = urssaf_ape.NATIONAL_ID


INDUSTRIE_COG = DEFAULT_COG_YEAR


INDUSTRIE_DEBUT = impact.FIRST_YEAR  # as in the design on total employment


# Estimation rule: at least this many treated and control EPCI, and of départements (the
# clusters of the standard errors) among them.
MIN_EPCI_INDUSTRIE = 30


MIN_DEPARTEMENTS_INDUSTRIE = 20


@cached
def couverture_ape_epci(file_id: str) -> pd.DataFrame:
    """``industrie_ape.coverage`` of every EPCI (COG 2023) by the communes of ``file_id``,
    harmonised to COG 2023: "couvert" from 99 % of the population present."""
    presentes = ia.code_cog(urssaf_ape.communes_presentes(file_id), harmonisation.passage(INDUSTRIE_COG))
    return ia.coverage(presentes, referentiel.communes(INDUSTRIE_COG).dropna(subset=["siren_epci"]), "siren_epci")


@cached
def panel_industrie_epci(periode: str, file_id: str | None = None) -> pd.DataFrame:
    """EPCI x year panel of industrial employment (grand secteur Industrie of the commune × APE
    file ``file_id``, default ``urssaf_ape.fichier()``; blanks count as zero, communes harmonised to
    COG 2023), restricted to the EPCI the file covers ("couvert"), with the treatment columns
    and census covariates of ``panel_epci``. Partly covered EPCI are left out, not completed."""
    file_id = file_id or urssaf_ape.fichier()
    data = ia.harmoniser(urssaf_ape.commune_ape(file_id, periode, (ia.GS_INDUSTRIE,)), harmonisation.passage(INDUSTRIE_COG))
    couverture = couverture_ape_epci(file_id)
    couverts = couverture.loc[couverture["statut"] == ia.COUVERT, "siren_epci"]
    emploi = (
        ia.panel_epci(data, referentiel.communes(INDUSTRIE_COG))
        .loc[lambda d: (d["secteur"] == ia.SECTEUR_INDUSTRIE) & d["siren_epci"].isin(couverts)]
        .rename(columns={"siren_epci": "code", "effectifs": "eff_total"})[["code", "year", "eff_total"]]
    )
    panel = impact.assemble_panel(emploi, referentiel.epci_couverture(1), referentiel.epci_couverture(2))
    return with_covariates(panel, covariables_epci())


@dataclass(frozen=True)
class ImpactIndustrie:
    """The event study on industrial employment, or why it is not estimated."""

    fichier: str  # id of the commune × APE file used
    n_couverts: int  # EPCI of France whose communes are all in the file ("couvert")
    n_epci: int  # EPCI of France (COG 2023)
    n_traites: int  # covered EPCI of the cohort in the panel
    n_temoins: int  # covered control EPCI in the panel
    n_departements: int  # départements of those treated and control EPCI
    cohort: int  # entry year of the treated EPCI
    result: impact.DidResult | None  # None below the rule (``MIN_EPCI_INDUSTRIE``, ``MIN_DEPARTEMENTS_INDUSTRIE``)
    derniere_annee: int  # last year of the file published by the period (no estimate before ``cohort``)


def did_industrie(periode: str, cohort: int = 2019, control: str = "never", file_id: str | None = None) -> ImpactIndustrie:
    """Entropy-balanced TWFE DiD of industrial employment (``panel_industrie_epci``, 2014 to the
    last published year) for the EPCI entering in ``cohort``, estimated only when the covered
    EPCI give at least ``MIN_EPCI_INDUSTRIE`` treated and control EPCI in at least
    ``MIN_DEPARTEMENTS_INDUSTRIE`` départements and once the entry year is published; otherwise
    ``result`` is None (``evaluation_impact.texte_impact_industrie`` says why)."""
    file_id = file_id or urssaf_ape.fichier()
    couverture = couverture_ape_epci(file_id)
    panel = panel_industrie_epci(periode, file_id)
    units = panel.drop_duplicates(impact.UNIT)
    treated = units[impact.COHORT].eq(cohort).fillna(False).astype(bool)
    controls = units[impact.COHORT].isna() if control == "never" else units[impact.COHORT].gt(cohort).fillna(False).astype(bool)
    n_t, n_c = int(treated.sum()), int(controls.sum())
    n_dep = int(units.loc[treated | controls, "departement"].nunique())
    n_couverts, n_epci = int((couverture["statut"] == ia.COUVERT).sum()), len(couverture)
    last = int(panel[impact.TIME].max())
    if n_t < MIN_EPCI_INDUSTRIE or n_c < MIN_EPCI_INDUSTRIE or n_dep < MIN_DEPARTEMENTS_INDUSTRIE or last < cohort:
        return ImpactIndustrie(file_id, n_couverts, n_epci, n_t, n_c, n_dep, cohort, None, last)
    years = (max(INDUSTRIE_DEBUT, int(panel[impact.TIME].min())), last)
    result = impact.estimate_did(panel, cohort=cohort, control=control, years=years, reweight_on=list(EPCI_COVARIATES))
    return ImpactIndustrie(file_id, n_couverts, n_epci, n_t, n_c, n_dep, cohort, result, last)
