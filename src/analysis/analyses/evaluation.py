"""Impact evaluation on private employment: the EPCI x year panel (URSSAF) with treatment
cohorts and census covariates, and the designs of a period, each computed once and stored
with the period's outputs (``cache.stored``): the difference-in-differences and its
diagnostics (``estimations``), the cohort-robust estimates, the sensitivity table
(``sensibilite``), the pre-entry trajectories of the cohorts (``selection``), and for one
territory its path against the reweighted controls (``impact_territoire``) and its synthetic
control (``controle_synthetique``).

Treatment dates: an EPCI is treated from 2019 when at least half of its population is in a
phase-1 territory of the list closed at the end of 2022, although that list grew from 124
territories (November 2018) through 141 (July 2019) to 149; from 2023 when it is only in a phase-2 territory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import config
from analysis.analyses import bartik, cohortes, controle_synthetique, france_relance, impact, tendances, voisinage
from analysis.analyses.monographies import MONOGRAPHIE_PHASE, monographies
from analysis.analyses.profils import membres_profils, typologie_du_mois
from analysis.donnees import referentiel
from analysis.donnees.cache import cached, stored
from analysis.donnees.loaders import economie, geo, programmes
from analysis.indicateurs.specialisation_industrielle import profil_units

# EPCI panel: unit-level pre-programme covariates balanced by the weights, besides the 2014
# employment level (census 2011 and 2016 structure, density class): none is a later
# pre-programme value of the outcome, so the pre-trend test and the placebo can fail.
EPCI_COVARIATES = ("part_agri_industrie_2011", "part_agri_industrie_2016", "classe_densite")
SEUILS_COUVERTURE = (0.5, 0.8, 1.0)  # share of an EPCI's population in a TI to count it treated
ANNEES_CRISE = (2020, 2021)
PLACEBO_DEBUT = 2016


@cached
def covariables_epci() -> pd.DataFrame:
    """Census covariates per EPCI (metropolitan): siren_epci, part_agri_industrie_2011/2016/2022,
    classe_densite (1 dense, 2 intermediate, 3 sparse), and the other sector shares of 2016
    (part_construction_2016, part_services_2016: commerce, transport and services,
    part_administration_2016: public administration, education, health; % of jobs)."""
    units = profil_units(economie.profil_epci())
    return units.rename(
        columns={
            "unit_profil": "siren_epci",
            "agri_indus_11": "part_agri_industrie_2011",
            "agri_indus_16": "part_agri_industrie_2016",
            "agri_indus_22": "part_agri_industrie_2022",
            "dens3": "classe_densite",
            "eco_sectconst_pct_16": "part_construction_2016",
            "eco_sectservi_pct_16": "part_services_2016",
            "eco_sectadmin_pct_16": "part_administration_2016",
        }
    )[["siren_epci", "part_agri_industrie_2011", "part_agri_industrie_2016", "part_agri_industrie_2022", "classe_densite",
       "part_construction_2016", "part_services_2016", "part_administration_2016"]]


def with_covariates(panel: pd.DataFrame, covariates: pd.DataFrame) -> pd.DataFrame:
    """The EPCI panel restricted to EPCI with census covariates (metropolitan France), joined."""
    return panel.merge(covariates, on=impact.UNIT, how="inner", validate="many_to_one")


@cached
def panel_epci(periode: str, min_share: float = SEUILS_COUVERTURE[0]) -> pd.DataFrame:
    """EPCI x year panel of private employment (URSSAF, published by ``periode``) with the first
    treated year (2019: phase 1, 2023: phase 2 only, NA: never; treated from ``min_share`` of
    the population in a TI) and census covariates."""
    panel = impact.assemble_panel(_emploi_epci(periode), referentiel.epci_couverture(1), referentiel.epci_couverture(2),
                                  min_share=min_share)
    return with_covariates(panel, covariables_epci())


@cached
def _emploi_epci(periode: str) -> pd.DataFrame:
    """URSSAF private employment of every EPCI by year (code, year, eff_total), published by ``periode``."""
    serie = economie.urssaf_serie(periode)
    return serie.loc[serie["echelon"] == "epci", ["code", "year", "eff_total"]]


def derniere_annee(periode: str) -> int:
    """Last year of private employment (URSSAF) published by the end of ``periode``."""
    return int(panel_epci(periode)[impact.TIME].max())


def estimable(periode: str, cohort: int = 2019) -> bool:
    """Can the DiD of ``cohort`` be estimated with the data of ``periode``: is the employment of
    its entry year (the first year after the reference year ``cohort - 1``) published?"""
    return derniere_annee(periode) >= cohort


@stored
def did(periode: str, cohort: int = 2019, control: str = "never", weighted: bool = True) -> impact.DidResult:
    """TWFE DiD of the EPCI entering in ``cohort``, entropy-balanced (``weighted``) or not
    (shared by the synthesis and the monographs, stored: a function of the declared files and
    the period)."""
    reweight_on = list(EPCI_COVARIATES) if weighted else None
    return impact.estimate_did(panel_epci(periode), cohort=cohort, control=control, reweight_on=reweight_on)


@dataclass(frozen=True)
class Estimations:
    """The designs of the synthesis on private employment (log points)."""

    principal: impact.DidResult  # cohort 2019, never-treated controls, weighted
    non_pondere: impact.DidResult  # same, unweighted
    pas_encore: impact.DidResult  # cohort 2019 vs 2023 entrants, before 2023, weighted
    phase2: impact.DidResult | None  # cohort 2023, never-treated controls, weighted; None before 2023 is published
    phase2_non_pondere: impact.DidResult | None  # same, unweighted
    placebo: pd.DataFrame  # tidy row, fake start PLACEBO_DEBUT, weighted
    placebo_non_pondere: pd.DataFrame  # same, unweighted
    regroupe: pd.DataFrame  # SUMMARY row: pooled staggered TWFE, both cohorts
    cohortes: cohortes.CohortResult  # Callaway & Sant'Anna, never-treated controls
    cohortes_pas_encore: cohortes.CohortResult  # same, never- and not-yet-treated controls
    mde: float  # minimal detectable effect of the headline (cohorts, never-treated controls) at 80 % power (log points)


@stored
def estimations(periode: str) -> Estimations:
    """Every design of the synthesis for ``periode``, computed once and stored (once the
    employment of 2019 is published: ``estimable``)."""
    panel = panel_epci(periode)
    principal = did(periode)
    cs = cohortes.callaway_santanna(panel, control="never")
    headline = cs.overall.iloc[0]
    return Estimations(
        principal=principal,
        non_pondere=did(periode, weighted=False),
        pas_encore=did(periode, 2019, "not_yet"),
        phase2=did(periode, 2023) if estimable(periode, 2023) else None,
        phase2_non_pondere=did(periode, 2023, weighted=False) if estimable(periode, 2023) else None,
        placebo=impact.placebo(panel, fake_start=PLACEBO_DEBUT, reweight_on=list(EPCI_COVARIATES)),
        placebo_non_pondere=impact.placebo(panel, fake_start=PLACEBO_DEBUT, reweight_on=None),
        regroupe=impact.twfe_pooled(panel),
        cohortes=cs,
        cohortes_pas_encore=cohortes.callaway_santanna(panel, control="not_yet"),
        mde=impact.mde(headline["std_error"], int(headline["n_clusters"]) - 1),
    )


# Sensitivity: minimum number of treated and control EPCI of a subgroup estimate. Below about 30
# départements (clusters), clustered standard errors understate the uncertainty (Cameron, Gelbach
# & Miller 2008): the interval and p-value come from the wild cluster bootstrap (BOOTSTRAP draws);
# below MIN_DEPARTEMENTS_BOOTSTRAP, whose bootstrap distribution is too coarse, no estimate.
MIN_EPCI_SOUS_GROUPE = 10
MIN_DEPARTEMENTS = 30
MIN_DEPARTEMENTS_BOOTSTRAP = 6
BOOTSTRAP = 9999


@stored
def sensibilite(periode: str) -> pd.DataFrame:
    """The main design (cohort 2019, never-treated controls) under variations, one row each:
    dimension (principale, couverture, annees, ponderation, profil, region), modalite (threshold,
    profile name, région name...) and the ``SUMMARY`` columns. Subgroups keep every control
    (profile) or the controls of the same région (région); subgroups with fewer than
    ``MIN_EPCI_SOUS_GROUPE`` treated or control EPCI, spread over fewer than
    ``MIN_DEPARTEMENTS_BOOTSTRAP`` départements, or whose controls cannot be balanced, are not
    estimated (estimate NaN; n_clusters gives the départements); those over fewer than
    ``MIN_DEPARTEMENTS`` départements get wild cluster bootstrap intervals."""
    panel = panel_epci(periode)
    covs = list(EPCI_COVARIATES)

    def row(dimension: str, modalite: str, data: pd.DataFrame) -> pd.DataFrame:
        units = data.drop_duplicates(impact.UNIT)[impact.COHORT]
        n_t, n_c = int(units.eq(2019).sum()), int(units.isna().sum())
        n_dep = int(data[impact.CLUSTER].nunique())
        missing = pd.DataFrame([{"design": "non estimé", "n_treated": n_t, "n_controls": n_c, "n_clusters": n_dep}])
        if n_t < MIN_EPCI_SOUS_GROUPE or n_c < MIN_EPCI_SOUS_GROUPE or n_dep < MIN_DEPARTEMENTS_BOOTSTRAP:
            return missing.assign(dimension=dimension, modalite=modalite)
        try:
            res = impact.estimate_did(data, reweight_on=covs, event_study=False,
                                      bootstrap=BOOTSTRAP if n_dep < MIN_DEPARTEMENTS else 0)
        except RuntimeError:  # entropy balancing impossible on a small subgroup
            return missing.assign(dimension=dimension, modalite=modalite)
        return res.summary.assign(dimension=dimension, modalite=modalite)

    rows = [did(periode).summary.assign(dimension="principale", modalite="")]
    rows += [row("couverture", f"{100 * s:.0f}", panel_epci(periode, s)) for s in SEUILS_COUVERTURE[1:]]
    rows.append(row("annees", f"{ANNEES_CRISE[0]}-{ANNEES_CRISE[1]}", panel[~panel[impact.TIME].isin(ANNEES_CRISE)]))
    rows.append(did(periode, weighted=False).summary.assign(dimension="ponderation", modalite="non pondérée"))
    treated = panel[impact.COHORT].eq(2019).fillna(False).astype(bool)
    profil = _profil_epci(periode)
    for name in profil.dropna().unique():
        keep = ~treated | panel[impact.UNIT].map(profil).eq(name)
        rows.append(row("profil", name, panel[keep]))
    lib_region = geo.regions(config.DEFAULT_COG_YEAR).set_index("code")["nom"]
    for code, data in panel.groupby("region"):
        rows.append(row("region", lib_region.get(code, code), data))
    return pd.concat(rows, ignore_index=True)[["dimension", "modalite", *impact.SUMMARY]]


def _profil_epci(periode: str) -> pd.Series:
    """Profile (phase-1 typology) of the TI holding most of each EPCI's covered population."""
    membres = membres_profils(typologie_du_mois(1, periode), 1).set_index("id_ti")["profil"]
    return referentiel.epci_couverture(1).set_index(impact.UNIT)["id_ti"].map(membres)


COHORTES = {2019: "phase 1", 2023: "phase 2 seule"}
JAMAIS = "jamais"


@dataclass(frozen=True)
class Selection:
    """Employment trajectories of the cohorts before they enter, against never-treated EPCI."""

    croissance: pd.DataFrame  # periode (e.g. "2014-2018"), groupe, n, mean + tidy difference to JAMAIS (log points)
    trajectoires: pd.DataFrame  # year, groupe, indice (geometric mean index, base 100 in the first year)


def selection(periode: str) -> Selection:
    """Log employment growth of phase-1 entrants, phase-2-only entrants and never-treated EPCI
    over 2014-2018 (before phase 1) and 2018-2022 (before phase 2), differences to the
    never-treated clustered by département; and the groups' mean paths."""
    panel = panel_epci(periode)
    wide = np.log(panel.pivot_table(index=impact.UNIT, columns=impact.TIME, values="emploi", aggfunc="sum"))
    units = panel.drop_duplicates(impact.UNIT).set_index(impact.UNIT)
    groupe = units[impact.COHORT].map(COHORTES).astype(object).fillna(JAMAIS).rename("groupe")
    first = int(wide.columns.min())
    tables = []
    for a, b in ((first, 2018), (2018, 2022)):
        data = pd.DataFrame({"croissance": wide[b] - wide[a], "groupe": groupe, "departement": units["departement"]})
        tables.append(impact.compare_groups(data, outcome="croissance", group="groupe", reference=JAMAIS).assign(intervalle=f"{a}-{b}"))
    relative = wide.sub(wide[first], axis=0).groupby(groupe).mean()
    trajectoires = (100 * np.exp(relative)).rename_axis(index="groupe", columns="year").stack().rename("indice").reset_index()
    return Selection(pd.concat(tables, ignore_index=True), trajectoires)


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
    result: impact.DidResult | None  # DiD of that cohort (phase-level context); None before its entry year is published
    trajectoire: pd.DataFrame | None  # year, territoire, temoins, ecart (base 100 the year before entry)
    derniere_annee: int  # last year of employment published by the period


def impact_territoire(periode: str, phase: int, id_ti: str) -> ImpactTerritoire:
    """Employment path of the territory's treated EPCI against the reweighted control mean of the
    DiD of their cohort (``did``); the cohort is the entry year of most of its EPCI."""
    panel = panel_epci(periode)
    last = int(panel[impact.TIME].max())
    cohorts = panel.drop_duplicates(impact.UNIT).set_index(impact.UNIT)[impact.COHORT]
    epci = referentiel.epci_territoire(phase, id_ti)[["siren_epci", "lib_epci", "part_population_ti"]]
    epci = epci.assign(cohorte=epci["siren_epci"].map(cohorts).astype("Int64"))
    treated = epci.dropna(subset=["cohorte"])
    if treated.empty:
        return ImpactTerritoire(epci, None, None, None, last)
    cohort = int(treated["cohorte"].value_counts().sort_index().idxmax())
    if last < cohort:  # the entry year is not published yet
        return ImpactTerritoire(epci, cohort, None, None, last)
    result = did(periode, cohort)
    sirens = treated.loc[treated["cohorte"] == cohort, "siren_epci"].tolist()
    return ImpactTerritoire(epci, cohort, result, trajectoire(panel, result, sirens, base=cohort - 1), last)


# ----------------------------------------------------------------------------- synthetic control


def _indices(panel: pd.DataFrame, base: int) -> pd.DataFrame:
    """Employment of every EPCI of ``panel`` as an index, base 100 in ``base`` (years x EPCI);
    EPCI with a zero or missing year left out."""
    wide = panel.pivot_table(index=impact.TIME, columns=impact.UNIT, values="emploi", aggfunc="sum")
    wide = wide.loc[:, (wide > 0).all() & wide.notna().all()]
    return wide.div(wide.loc[base]) * 100


# Donor pool of the synthetic controls: never-treated EPCI with at least this private employment
# the year before entry (the indices of smaller EPCI jump by several points a year).
MIN_EMPLOI_DONNEUR = 5000


def _donneurs(periode: str, start: int) -> pd.DataFrame:
    """Donor pool: never-treated EPCI of the panel with at least ``MIN_EMPLOI_DONNEUR`` jobs the
    year before ``start``, as indices base 100 that year."""
    panel = panel_epci(periode)
    never = panel[panel[impact.COHORT].isna()]
    big = never.loc[(never[impact.TIME] == start - 1) & (never["emploi"] >= MIN_EMPLOI_DONNEUR), impact.UNIT]
    return _indices(never[never[impact.UNIT].isin(big)], start - 1)


@stored
def placebos_synthetiques(periode: str, start: int) -> pd.DataFrame:
    """Placebo-in-space distribution (``controle_synthetique.placebo_in_space``) of the donor pool
    for a treatment starting in ``start``: computed once per period and start, shared by the
    four monographs."""
    return controle_synthetique.placebo_in_space(_donneurs(periode, start), start)


@dataclass(frozen=True)
class ControleTerritoire:
    """Synthetic control of a territory's treated EPCI taken together."""

    id_ti: str
    cohort: int  # first treated year of the EPCI taken (the territory's most common entry year)
    epci: list[str]  # siren of the EPCI aggregated into the treated unit
    n_donneurs: int
    resultat: controle_synthetique.SyntheticControl
    donneurs: pd.DataFrame  # siren_epci, lib_epci, departement, poids (positive weights only)
    sans_un_donneur: pd.DataFrame  # controle_synthetique.leave_one_out, the N_SANS_UN_DONNEUR largest weights
    placebo_temps: controle_synthetique.SyntheticControl  # false entry PLACEBO_AVANCE years before the cohort
    variantes: pd.DataFrame  # controle_synthetique.VARIANTES, donors restricted as in DONNEURS_RESTREINTS


# In-time placebo of the synthetic controls: a false entry this many years before the real one;
# leave-one-out: the donors of largest weight left out in turn.
PLACEBO_AVANCE = 3
N_SANS_UN_DONNEUR = 10


# Restricted donor pools of the synthetic controls: the donors of the territory's région, and
# those of the same sector profile (the tercile of the donors' 2016 agriculture + industry share
# that holds the territory's, its EPCI weighted by their jobs the year before entry). The
# typology of the territories cannot classify never-treated EPCI (it is computed on territories),
# hence a profile of the EPCI themselves, on the sector mix that drives the 2020-2021 shock.
DONNEURS_RESTREINTS = ("region", "profil_sectoriel")
MIN_DONNEURS_VARIANTE = 5


def _pools_restreints(panel: pd.DataFrame, epci: list[str], donors: pd.DataFrame, cohort: int) -> dict[str, list]:
    """The donors (columns of ``donors``) of each pool of ``DONNEURS_RESTREINTS`` for the treated ``epci``."""
    units = panel.drop_duplicates(impact.UNIT).set_index(impact.UNIT)
    own = units.loc[epci]
    jobs = panel[(panel[impact.TIME] == cohort - 1) & panel[impact.UNIT].isin(epci)].set_index(impact.UNIT)["emploi"]
    share = float(np.average(own["part_agri_industrie_2016"], weights=jobs.reindex(own.index)))
    pool = units.loc[list(donors.columns)]
    cuts = pool["part_agri_industrie_2016"].quantile([1 / 3, 2 / 3]).to_numpy()
    same = np.searchsorted(cuts, pool["part_agri_industrie_2016"].to_numpy(), side="right") == np.searchsorted(cuts, share, side="right")
    return {"region": list(pool.index[pool["region"] == own["region"].mode().iloc[0]]), "profil_sectoriel": list(pool.index[same])}


@stored
def controle_synthetique_territoire(periode: str, phase: int, id_ti: str) -> ControleTerritoire | None:
    """Synthetic control of the EPCI of territory ``id_ti`` that entered in its most common entry
    year, taken as one unit (employment summed, index base 100 the year before entry), from the
    never-treated EPCI, fit on the years before entry; placebo-in-space rank among the donors.
    None when none of its EPCI is in the panel, or before the employment of their entry year is
    published (``estimable``)."""
    panel = panel_epci(periode)
    cohorts = panel.drop_duplicates(impact.UNIT).set_index(impact.UNIT)[impact.COHORT]
    sirens = referentiel.epci_territoire(phase, id_ti).set_index("siren_epci").index.to_series().map(cohorts).dropna()
    if sirens.empty:
        return None
    cohort = int(sirens.value_counts().sort_index().idxmax())
    if not estimable(periode, cohort):
        return None
    epci = sorted(sirens.index[sirens == cohort])
    own = panel[panel[impact.UNIT].isin(epci)].groupby(impact.TIME)["emploi"].sum()
    treated = own / own[cohort - 1] * 100
    donors = _donneurs(periode, cohort)
    result = controle_synthetique.synthetic_control(treated, donors, cohort, placebos_synthetiques(periode, cohort))
    libs = panel.drop_duplicates(impact.UNIT).set_index(impact.UNIT)[["lib_epci", "departement"]]
    donneurs = libs.loc[result.weights.index].assign(poids=result.weights).rename_axis(impact.UNIT).reset_index()
    variantes = controle_synthetique.variantes_donneurs(treated, donors, cohort, _pools_restreints(panel, epci, donors, cohort),
                                                        MIN_DONNEURS_VARIANTE)
    return ControleTerritoire(id_ti, cohort, epci, donors.shape[1], result, donneurs,
                              controle_synthetique.leave_one_out(treated, donors, cohort, result, N_SANS_UN_DONNEUR),
                              controle_synthetique.in_time_placebo(treated, donors, cohort, cohort - PLACEBO_AVANCE), variantes)


def controles_monographies(periode: str) -> pd.DataFrame:
    """One row per monograph territory with a synthetic control: id_ti, lib_ti, cohort, n_epci,
    n_donneurs, n_poids (donors with a positive weight), rmspe_pre, ecart_post (mean post gap,
    points), ecart_dernier (last year), ratio, rank, p_value, loo_min / loo_max (range of the mean
    post gap when each donor of positive weight leaves in turn), placebo_debut, placebo_ecart (mean
    gap after the false entry of the in-time placebo), placebo_rmspe_pre, n_annees_avant (years of the
    fit), and for each restricted pool ``p`` of ``DONNEURS_RESTREINTS``: n_donneurs_p, rmspe_pre_p,
    ecart_post_p."""
    rows = []
    for r in monographies(periode).itertuples():
        sc = controle_synthetique_territoire(periode, MONOGRAPHIE_PHASE, r.id_ti)
        if sc is None:
            continue
        res = sc.resultat
        rows.append({"id_ti": r.id_ti, "lib_ti": r.lib_ti, "cohort": sc.cohort, "n_epci": len(sc.epci),
                     "n_donneurs": sc.n_donneurs, "n_poids": len(res.weights), "rmspe_pre": res.rmspe_pre,
                     "ecart_post": res.ecart_post, "ecart_dernier": float(res.path["ecart"].iloc[-1]),
                     "derniere_annee": int(res.path["year"].iloc[-1]), "ratio": res.ratio, "rank": res.rank,
                     "p_value": res.p_value, "loo_min": float(sc.sans_un_donneur["ecart_post"].min()),
                     "loo_max": float(sc.sans_un_donneur["ecart_post"].max()), "placebo_debut": sc.placebo_temps.start,
                     "placebo_ecart": sc.placebo_temps.ecart_post, "placebo_rmspe_pre": sc.placebo_temps.rmspe_pre,
                     "n_annees_avant": int((res.path["year"] < sc.cohort).sum()),
                     **{f"{c}_{v.variante}": getattr(v, c) for v in sc.variantes.itertuples()
                        for c in ("n_donneurs", "rmspe_pre", "ecart_post")}})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- headline and sensitivity

# The rule that chooses the headline, fixed before the numbers (methods page): the cohort-robust
# estimator (Callaway & Sant'Anna), never-treated controls, no weights, all cohorts together.
# Every other design is a robustness line (``LIGNES``), shown beside it.
PRINCIPALE = "principale"


def lignes_principales(est: Estimations) -> pd.DataFrame:
    """The headline and its robustness lines, one row each: ligne (key of the row: ``PRINCIPALE``,
    then twfe_pondere, twfe_non_pondere, pas_encore, cs_pas_encore, regroupe, cohorte_2019,
    cohorte_2023, phase2 when estimable) and the ``SUMMARY`` columns."""
    cs = est.cohortes.by_cohort.set_index("cohort")

    def cohort_row(g: int) -> pd.DataFrame:
        r = cs.loc[[g]].reset_index()
        return impact.summary_row(r.assign(n_obs=pd.NA, n_clusters=est.cohortes.n_clusters),
                                  f"Callaway et Sant'Anna, cohorte {g}", int(r["n_treated"].iloc[0]), int(r["n_controls"].iloc[0]))

    rows = {
        PRINCIPALE: est.cohortes.overall,
        "twfe_pondere": est.principal.summary,
        "twfe_non_pondere": est.non_pondere.summary,
        "pas_encore": est.pas_encore.summary,
        "cs_pas_encore": est.cohortes_pas_encore.overall,
        "regroupe": est.regroupe,
        **{f"cohorte_{g}": cohort_row(g) for g in cs.index},
    }
    if est.phase2 is not None:
        rows["phase2"] = est.phase2.summary
    return pd.concat([r.assign(ligne=k) for k, r in rows.items()], ignore_index=True)[["ligne", *impact.SUMMARY]]


# Rambachan-Roth: the cohort whose event study is bounded (the only one with pre- and post-entry
# years enough), and the M̄ and M at which each event year is bounded in the figure.
COHORTE_SENSIBILITE = 2019
M_ANNEE = {"relative_magnitude": 1.0, "smoothness": 0.0005}


@dataclass(frozen=True)
class SensibiliteTendances:
    """Sensitivity of the headline design's event study (one cohort) to non-parallel trends."""

    cohorte: int | None  # None: every cohort together (the event-time aggregation)
    event_study: tendances.EventStudy
    bornes: pd.DataFrame  # tendances.BORNES, target the mean post-entry gap, each method over its grid
    par_annee: pd.DataFrame  # tendances.BORNES, one row per method x post-entry year at M_ANNEE (empty for every cohort together: not drawn)
    ruptures: dict[str, float | None]  # breakdown value per method (None: above the grid)
    lineaire: pd.DataFrame  # tendances.tendance_lineaire
    pente: float  # slope of the pre-entry linear trend (log points a year)


@stored
def sensibilite_tendances(periode: str, cohorte: int | None = COHORTE_SENSIBILITE) -> SensibiliteTendances:
    """Rambachan-Roth bounds and the linear-trend extrapolation on the event study of ``cohorte``
    in the headline design (Callaway & Sant'Anna, never-treated controls, unweighted); with
    ``cohorte`` None, on the event study of every cohort together (``cohortes.pooled_event_study``)."""
    panel = panel_epci(periode)
    study = cohortes.pooled_event_study(panel) if cohorte is None else cohortes.cohort_event_study(panel, cohorte)
    es = tendances.from_cohort(*study)
    grids = {m: tendances.bornes(es, m) for m in tendances.GRILLES}
    par_annee = pd.concat([tendances.bornes(es, m, (M_ANNEE[m],), cible=k) for m in grids for k in es.post_years],
                          ignore_index=True) if cohorte is not None else pd.DataFrame(columns=tendances.BORNES)
    lineaire, pente = tendances.tendance_lineaire(es)
    ruptures = {m: tendances.point_de_rupture(es, m, deja=g) for m, g in grids.items()}
    return SensibiliteTendances(cohorte, es, pd.concat(grids.values(), ignore_index=True), par_annee, ruptures, lineaire, pente)


def epci_acv() -> set[str]:
    """EPCI holding a town of the original Action cœur de ville list (October 2018, chosen with the
    first territoires d'industrie), in the COG of the panel."""
    towns = programmes.acv_2018()["insee_com"]
    communes = referentiel.communes(config.DEFAULT_COG_YEAR)
    return set(communes.loc[communes["insee_com"].isin(towns), "siren_epci"].dropna())


@stored
def epci_voisins(periode: str) -> pd.Series:
    """Never-treated EPCI of the panel sharing a border with a treated one (EPCI outlines 2025),
    with the earliest entry year of their treated neighbours (``voisinage.voisins``)."""
    cohorts = panel_epci(periode).drop_duplicates(impact.UNIT).set_index(impact.UNIT)[impact.COHORT]
    return voisinage.voisins(geo.contours_epci_metro(), cohorts)


# Sector exposure, two ways. (1) Conditional parallel trends: the census sector structure before
# entry (share of agriculture and industry in employment, 2011 and 2016) as covariates, which
# removes a shock of any size each year in proportion to that share. (2) Shift-share (Bartik):
# each EPCI's predicted employment path from its 2016 sector mix and the national employment of
# each sector (INSEE, ``economie.emploi_na5_france``), as an offset (``bartik``), which removes the
# national sector trends with their own size, from all four sectors. The census of 2016 does not
# separate agriculture from industry: their national employment is summed too (GROUPES_NA5).
EXPOSITION = ("part_agri_industrie_2011", "part_agri_industrie_2016")
GROUPES_NA5 = {"part_agri_industrie_2016": ("TAZ", "TBE"), "part_construction_2016": ("TFZ",),
               "part_services_2016": ("TGU",), "part_administration_2016": ("TOQ",)}
BASE_BARTIK = 2016  # the census year of the shares
# The split by exposure: the treated EPCI's predicted growth from the year before phase 1 to the
# year the gap opens (2018-2021: the 2020 shock and the 2021 recovery).
EXPOSITION_ANNEES = (2018, 2021)


@stored
def exposition_sectorielle(periode: str) -> cohortes.CohortResult:
    """The headline design with parallel trends conditional on the sector structure ``EXPOSITION``."""
    return cohortes.callaway_santanna(panel_epci(periode), covariates=list(EXPOSITION))


def emploi_national_groupes() -> pd.DataFrame:
    """National employment (INSEE estimates) of the census sector groups ``GROUPES_NA5``: years x groups."""
    wide = economie.emploi_na5_france().pivot(index="year", columns="na5", values="eff")
    return pd.DataFrame({g: wide[list(codes)].sum(axis=1) for g, codes in GROUPES_NA5.items()})


def bartik_epci(periode: str) -> pd.DataFrame:
    """Shift-share predicted employment index of every EPCI of the panel (EPCI x years of the
    national series, 1 in ``BASE_BARTIK``)."""
    parts = panel_epci(periode).drop_duplicates(impact.UNIT).set_index(impact.UNIT)[list(GROUPES_NA5)]
    return bartik.chemin_predit(parts, emploi_national_groupes(), BASE_BARTIK)


@dataclass(frozen=True)
class ExpositionBartik:
    """The headline design on employment net of its shift-share prediction, beside the same design
    on the same years without it."""

    ajuste: cohortes.CohortResult  # outcome log(emploi) - log(predicted), years up to derniere_annee
    brut: cohortes.CohortResult  # outcome log(emploi), same EPCI and years
    croissance_predite: pd.Series  # per EPCI, predicted log growth over EXPOSITION_ANNEES
    derniere_annee: int  # last year of the national series (and of both estimates)


@stored
def exposition_bartik(periode: str) -> ExpositionBartik:
    """The headline design (Callaway & Sant'Anna, never-treated controls) with the shift-share
    prediction ``bartik_epci`` as an offset, on the years the national series covers."""
    predit = bartik_epci(periode)
    net = bartik.net_de_prediction(panel_epci(periode), predit)
    a, b = EXPOSITION_ANNEES
    return ExpositionBartik(cohortes.callaway_santanna(net, outcome="emploi_net"), cohortes.callaway_santanna(net),
                            np.log(predit[b] / predit[a]), int(net[impact.TIME].max()))


def _mediane_traites(panel: pd.DataFrame, valeur: pd.Series) -> tuple[pd.Series, pd.Series, float]:
    """``valeur`` (per EPCI) on the EPCI of ``panel``, which of them are treated, and the treated EPCI's median."""
    units = panel.drop_duplicates(impact.UNIT).set_index(impact.UNIT)
    value, treated = valeur.reindex(units.index), units[impact.COHORT].notna()
    return value, treated, float(value[treated].median())


def _partage_median(panel: pd.DataFrame, valeur: pd.Series, noms: tuple[str, str]) -> dict[str, pd.DataFrame]:
    """The treated EPCI whose ``valeur`` (per EPCI) is below (``noms[0]``) and at or above
    (``noms[1]``, those without a value left out) the treated EPCI's median, each with every
    never-treated EPCI."""
    value, treated, median = _mediane_traites(panel, valeur)
    low = value < median
    keep = dict(zip(noms, (~treated | low, ~treated | (~low & value.notna()))))
    return {k: panel[panel[impact.UNIT].map(v)] for k, v in keep.items()}


def _exposition_split(panel: pd.DataFrame, croissance: pd.Series) -> dict[str, pd.DataFrame]:
    """The treated EPCI whose predicted growth ``croissance`` is below (``exposition_haute``: the
    national trends of their sectors predicted the least growth) and at or above
    (``exposition_basse``) the treated EPCI's median, each with every never-treated EPCI."""
    return _partage_median(panel, croissance, ("exposition_haute", "exposition_basse"))


# France Relance by département only (no list of projects, no amounts offline): the industrial
# firms supported by its investment aid at the last published month (2022-12) per 1,000 private
# salaried jobs of 2019 (``france_relance.relance_emplois``), given to each EPCI of the panel
# through the panel's département (the one holding most of the EPCI's communes, also its cluster).
# The plan started in late 2020, after the 2019 cohort's entry: a post-treatment variable for
# that cohort, used to split, not as a covariate (conditioning on it could remove part of a gap).
def intensite_epci(panel: pd.DataFrame, par_departement: pd.DataFrame) -> pd.Series:
    """The ``pour_1000`` of ``par_departement`` (``france_relance.comparer_relance_aux_emplois``)
    of the département of each EPCI of ``panel``, indexed by EPCI (NA where it has none)."""
    units = panel.drop_duplicates(impact.UNIT).set_index(impact.UNIT)
    return units["departement"].map(par_departement.set_index("departement")["pour_1000"]).astype("float64")


def relance_epci(periode: str) -> pd.Series:
    """France Relance firms per 1,000 private jobs of 2019 in the département of each EPCI of the
    panel (``intensite_epci``)."""
    return intensite_epci(panel_epci(periode), france_relance.relance_emplois(periode))


def seuil_relance(periode: str) -> float:
    """The treated EPCI's median of ``relance_epci``: the threshold of the France Relance split."""
    return _mediane_traites(panel_epci(periode), relance_epci(periode))[2]


def _relance_split(panel: pd.DataFrame, intensite: pd.Series) -> dict[str, pd.DataFrame]:
    """The treated EPCI whose département's France Relance ``intensite`` is above
    (``relance_haute``) and at or below (``relance_basse``) the treated EPCI's median, each with
    every never-treated EPCI."""
    return _partage_median(panel, -intensite, ("relance_haute", "relance_basse"))


@stored
def lignes_contexte(periode: str) -> pd.DataFrame:
    """The headline design (Callaway & Sant'Anna, never-treated controls) with a control or a split
    for sector exposure, co-located programmes and spillovers, one row each (columns of
    ``lignes_principales``): exposition (conditional on ``EXPOSITION``), exposition_bartik (net of
    the shift-share prediction, years of the national series), exposition_haute / exposition_basse
    (treated EPCI below / at or above the median predicted growth), sans_acv (EPCI holding an
    Action cœur de ville town left out, treated and controls), relance_haute / relance_basse
    (treated EPCI whose département is above / at or below the treated EPCI's median France
    Relance firms per 1,000 jobs), sans_voisins (never-treated EPCI
    bordering a treated one left out of the controls), voisins (those bordering EPCI as their own
    group, from their neighbours' entry, against the others)."""
    panel = panel_epci(periode)
    near = epci_voisins(periode)
    expo = exposition_bartik(periode)
    samples = {
        **_exposition_split(panel, expo.croissance_predite),
        **_relance_split(panel, relance_epci(periode)),
        "sans_acv": voisinage.sans_unites(panel, epci_acv()),
        "sans_voisins": voisinage.sans_unites(panel, near.index),
        "voisins": voisinage.groupe_voisins(panel, near),
    }
    rows = [exposition_sectorielle(periode).overall.assign(ligne="exposition"), expo.ajuste.overall.assign(ligne="exposition_bartik")]
    rows += [cohortes.callaway_santanna(data).overall.assign(ligne=k) for k, data in samples.items()]
    return pd.concat(rows, ignore_index=True)[["ligne", *impact.SUMMARY]]


@stored
def verification_cohortes(periode: str) -> pd.DataFrame:
    """The headline estimator of the project beside the maintained implementation of diff-diff on
    the period's panel (``cohortes.verification``)."""
    return cohortes.verification(panel_epci(periode))


@dataclass(frozen=True)
class EvaluationMois:
    """What the month's data allow of the evaluation, and its estimates."""

    periode: str
    evaluable: bool  # the employment of 2019, the entry year of phase 1, is published (mid-2020)
    phase2_estimable: bool  # the 2023 entrants have a year after entry
    estimations: Estimations | None  # None until ``evaluable``
    lignes: pd.DataFrame | None  # the headline by the rule and the robustness lines, once both cohorts are estimable

    @property
    def deux_cohortes(self) -> bool:
        """Both cohorts are estimable: the rule's headline (cohorts of Callaway and Sant'Anna)."""
        return self.evaluable and self.phase2_estimable

    @property
    def principal(self) -> impact.DidResult | None:
        """The difference-in-differences of the 2019 cohort (never-treated controls, reweighted)."""
        return self.estimations.principal if self.estimations is not None else None


def evaluation_du_mois(periode: str) -> EvaluationMois:
    """The evaluation as of ``periode``: which designs its data allow (``estimable``) and their estimates."""
    evaluable, phase2 = estimable(periode, 2019), estimable(periode, 2023)
    est = estimations(periode) if evaluable else None
    lignes = (pd.concat([lignes_principales(est), lignes_contexte(periode)], ignore_index=True)
              if evaluable and phase2 else None)
    return EvaluationMois(periode=periode, evaluable=evaluable, phase2_estimable=phase2, estimations=est, lignes=lignes)


# The long differences of the employment structure (census): period -> (start, end) columns.
DIFFERENCES_LONGUES = {
    "2011-2022": ("part_agri_industrie_2011", "part_agri_industrie_2022"),
    "2016-2022": ("part_agri_industrie_2016", "part_agri_industrie_2022"),
}


def differences_longues(periode: str) -> dict[str, pd.DataFrame]:
    """``impact.long_difference`` of the share of agriculture and industry, EPCI of phase-1
    territories against the others, for each period of ``DIFFERENCES_LONGUES``."""
    coupe = epci_cross_section(panel_epci(periode))
    return {intervalle: impact.long_difference(coupe, start=start, end=end) for intervalle, (start, end) in DIFFERENCES_LONGUES.items()}
