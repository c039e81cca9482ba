"""Cross-territory synthesis and monographs: the tables both notebooks show, computed once.

* **Typology** (``typologie``): k-means profiles of the TI of a phase from the indicator table
  written by the run (``read_indicators(phase, periode, "wide")``), on ``TYPOLOGY_INDICATORS``
  (industry, innovation, skills, dynamism, social difficulty, density), with the ``Roles``
  of ``ROLES`` naming the profiles. Deterministic (fixed seed), cached.
* **Monographs** (``monographies``): the four phase-2 territories, one per contrasting
  profile, with the team's choices of ``monographies/monographies.toml`` first. The run calls
  it before executing the monograph notebooks; the synthesis shows the same table.
* **Impact** (``panel_epci``, ``did``, ``epci_cross_section``, ``trajectoire``): the EPCI
  panel of ``impact.assemble_panel`` with pre-period covariates from the census profile.
* **Impact on industrial employment** (``urssaf_ape.fichier``, ``panel_industrie_epci``,
  ``did_industrie``): the same design on the industrial jobs of the URSSAF commune × APE file,
  on the EPCI the file covers entirely; estimated only with enough EPCI, never extrapolated.
* **Why some territories do better** (``comparaison_ti``, ``tableau_regions``).
* **Programme monitoring** (``relance_par_departement``, ``relance_mensuelle``): France
  Relance industrial firms against the weight of TI in each département.
* **Overlap with Action cœur de ville** (``recoupement_acv``, ``recoupement_acv_phases``).
* ``tableau``: French-formatted tables for publication.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config, fiche, impact, referentiel, sources, text
from analysis import industrie_ape as ia
from analysis.config import DEFAULT_COG
from analysis.cache import file_sha256, stored
from analysis.indicators.build import output_paths, read_indicators
from analysis.indicators.industrie import profil_units
from analysis.indicators.registry import INDICATORS
from analysis.loaders import economie, geo, programmes, relance, urssaf_ape
from analysis.sources import fetch
from analysis.text import nombre
from analysis.typology import Roles, TypologyResult, choose_monographs, read_override, typology

OVERRIDE_FILE = config.MONOGRAPHIES_DIR / "monographies.toml"
N_MONOGRAPHIES = 4
MONOGRAPHIE_PHASE = 2
MAX_MISSING = 1 / 3  # share of missing indicators above which a TI is left out of the typology
EQUAL_AREA_CRS = 6933  # WGS 84 / NSIDC EASE-Grid 2.0 Global: areas of metro and DROM alike

DENSITE = "densite"
DENSITE_LABEL = "Densité de population (log10 des hab./km²)"
TYPOLOGY_INDICATORS = (
    "part_industrie",
    "part_ouvriers",
    "part_industrie_hautetech",
    "part_diplomes_superieur",
    "emploi_prive_tcam",
    "ss_effet_local_pct",
    "taux_chomage_rp",
    "taux_pauvrete",
    "revenu_median",
    "croissance_population",
    DENSITE,
)
ROLES = Roles(
    industrie=("part_industrie", "part_ouvriers"),
    dynamisme=("emploi_prive_tcam", "ss_effet_local_pct"),
    difficulte=("taux_chomage_rp", "taux_pauvrete", "-revenu_median"),
    densite=(DENSITE, "croissance_population"),
)

# Short French labels of the typology indicators, for figures.
LIBELLES_COURTS = {
    "part_industrie": "Part de l'industrie",
    "part_ouvriers": "Part des ouvriers",
    "part_industrie_hautetech": "Industrie de haute technologie",
    "part_diplomes_superieur": "Diplômés du supérieur",
    "emploi_prive_tcam": "Croissance de l'emploi privé",
    "ss_effet_local_pct": "Effet local (shift-share)",
    "taux_chomage_rp": "Taux de chômage",
    "taux_pauvrete": "Taux de pauvreté",
    "revenu_median": "Niveau de vie médian",
    "croissance_population": "Croissance de la population",
    DENSITE: "Densité de population",
}

# EPCI panel: unit-level pre-programme covariates (census 2016 and density class).
EPCI_COVARIATES = ("part_agri_industrie_2016", "classe_densite")
EPCI_LABELS = {
    "log_emploi_pre": "Emploi salarié privé 2018 (log)",
    "croissance_pre": "Croissance de l'emploi 2014-2018 (log)",
    "part_agri_industrie_2016": "Part de l'agriculture et de l'industrie 2016 (%)",
    "classe_densite": "Classe de densité (1 dense, 3 peu dense)",
}

# Why some territories do better: outcome and standardised covariates.
COMPARAISON_OUTCOMES = ("ss_effet_local_pct", "emploi_prive_tcam_ecart_france")
COMPARAISON_COVARIATES = ("part_industrie", "part_industrie_hautetech", "part_diplomes_superieur", DENSITE, "croissance_population")

# Datasets (folders of data/sources.toml) listed in the provenance block of each document.
# The monographs show no commune × APE panel (no commune harmonisation: no cog-mouvements); the
# synthesis uses every dataset of a fiche, plus France Relance, summarised by ``provenance_relance``.
SOURCES_MONOGRAPHIE = tuple(s for s in fiche.SOURCES_FICHE if s != "cog-mouvements")
SOURCES_SYNTHESE = fiche.SOURCES_FICHE

RELANCE_GROUPES = ("poids des TI faible", "poids des TI moyen", "poids des TI fort")


# ----------------------------------------------------------------------------- formatting


def tableau(df: pd.DataFrame, spec: Mapping[str, tuple[str, int | Callable[[object], str] | None]]) -> pd.DataFrame:
    """Publication table: keep the columns of ``spec`` ({column: (French label, format)}), in
    order, formatted as French strings (format: decimals for numbers, a callable, or None to
    keep text as is)."""

    def fmt(value, how) -> str:
        if how is None:
            return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
        if callable(how):
            return how(value)
        return nombre(value, how)

    return pd.DataFrame(
        {label: [fmt(v, how) for v in df[col]] for col, (label, how) in spec.items()}
    )


def indicator_labels() -> dict[str, str]:
    """French label of every registry indicator and of the density used by the typology."""
    return {name: ind.label for name, ind in INDICATORS.items()} | {DENSITE: DENSITE_LABEL}


# ----------------------------------------------------------------------------- typology


@cache
def densite(phase: int, cog: int | None = None) -> pd.Series:
    """log10 of inhabitants per km² of each TI (population of its communes over the area of the
    outline published by ANCT); NA where the outline is not a surface (points)."""
    outlines = programmes.ti_geometries(phase)
    surface = outlines.geom_type.isin(["Polygon", "MultiPolygon", "GeometryCollection"])
    area = (
        pd.Series(outlines.to_crs(EQUAL_AREA_CRS).area.to_numpy() / 1e6, index=outlines["id_ti"].to_numpy())
        .where(surface.to_numpy())
        .groupby(level=0)
        .sum(min_count=1)
    )
    pop = referentiel.territoires(phase, cog).set_index("id_ti")["population"].astype("float64")
    area = area.reindex(pop.index)
    return np.log10(pop / area.where(area > 0)).rename(DENSITE).rename_axis("id_ti")


def typology_input(wide: pd.DataFrame, density: pd.Series, max_missing: float = MAX_MISSING) -> pd.DataFrame:
    """The typology's input: one row per TI (index id_ti), the ``TYPOLOGY_INDICATORS`` columns.

    TI missing more than ``max_missing`` of the indicators are left out (the overseas TI: the
    census EPCI profile covers metropolitan France only); see ``exclus_typologie``.
    """
    ti = wide.loc[wide["niveau"] == "ti"].set_index("id_ti")
    cols = [c for c in TYPOLOGY_INDICATORS if c != DENSITE]
    table = ti[cols].astype("float64").join(density.astype("float64"))[list(TYPOLOGY_INDICATORS)].sort_index()
    return table.loc[table.isna().mean(axis=1) <= max_missing]


def exclus_typologie(wide: pd.DataFrame, result: TypologyResult) -> pd.DataFrame:
    """TI of the wide table left out of the typology: id_ti, lib."""
    ti = wide.loc[wide["niveau"] == "ti", ["id_ti", "lib"]]
    return ti.loc[~ti["id_ti"].isin(result.labels.index)].sort_values("id_ti", ignore_index=True)


@cache
def typologie(phase: int, periode: str) -> TypologyResult:
    """Typology of the TI of ``phase`` from the period's written indicator table (fixed seed).

    Computed once for that exact table and stored (``cache.stored``): the run, the synthesis,
    the monographs and the changes page read the same result."""
    return _typologie(phase, periode, file_sha256(output_paths(phase, periode)["wide"]))


@stored
def _typologie(phase: int, periode: str, wide_sha256: str) -> TypologyResult:
    """``typologie`` of the indicator table whose sha256 is ``wide_sha256`` (the key of the stored result)."""
    wide = read_indicators(phase, periode, "wide")
    return typology(typology_input(wide, densite(phase)), roles=ROLES, indicator_labels=indicator_labels())


def membres_profils(result: TypologyResult, phase: int) -> pd.DataFrame:
    """One row per TI: id_ti, lib_ti, lib_region, cluster, profil, distance_centre."""
    names = referentiel.territoires(phase)[["id_ti", "lib_ti", "lib_region"]]
    return names.merge(result.membership().rename_axis("id_ti").reset_index(), on="id_ti", how="inner")


def profils(result: TypologyResult) -> pd.DataFrame:
    """One row per profile: cluster, profil, n_ti, then the mean raw value of every indicator."""
    raw = result.raw.astype("float64")
    means = raw.groupby(result.labels).mean()
    return (
        means.assign(n_ti=result.labels.value_counts())
        .rename_axis("cluster")
        .reset_index()
        .assign(profil=lambda d: d["cluster"].map(result.profiles))
        .sort_values("n_ti", ascending=False, ignore_index=True)[["cluster", "profil", "n_ti", *raw.columns]]
    )


def _override(path: Path | None) -> dict[str, str]:
    return read_override(path) if path is not None and Path(path).exists() else {}


@cache
def monographies(periode: str, override: Path | None = OVERRIDE_FILE) -> pd.DataFrame:
    """The four phase-2 monograph territories: rang, id_ti, lib_ti, profil, source, raison.

    Entries of the ``override`` TOML file come first (the team's choice); the other slots go
    to contrasting profiles of the phase-2 typology (``typology.choose_monographs``).
    """
    result = typologie(MONOGRAPHIE_PHASE, periode)
    chosen = choose_monographs(result, N_MONOGRAPHIES, _override(override))
    names = referentiel.territoires(MONOGRAPHIE_PHASE)[["id_ti", "lib_ti"]]
    return chosen.merge(names, on="id_ti", how="left", validate="one_to_one")[
        ["rang", "id_ti", "lib_ti", "profil", "source", "raison"]
    ]


# ----------------------------------------------------------------------------- impact


@cache
def covariables_epci() -> pd.DataFrame:
    """Census covariates per EPCI (metropolitan): siren_epci, part_agri_industrie_2011/2016/2022,
    classe_densite (1 dense, 2 intermediate, 3 sparse)."""
    units = profil_units(economie.profil_epci(fetch("profil-epci/agg_epci")))
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


@cache
def panel_epci(periode: str) -> pd.DataFrame:
    """EPCI x year panel of private employment (URSSAF, published by ``periode``) with the first
    treated year (2019: phase 1, 2023: phase 2 only, NA: never) and census covariates."""
    serie = economie.urssaf_serie(fetch("urssaf-emploi/urssaf_serie_indice100"), periode)
    emploi = serie.loc[serie["echelon"] == "epci", ["code", "year", "eff_total"]]
    panel = impact.assemble_panel(emploi, referentiel.epci_couverture(1), referentiel.epci_couverture(2))
    return with_covariates(panel, covariables_epci())


@stored
def did(periode: str, cohort: int = 2019, control: str = "never") -> impact.DidResult:
    """Entropy-balanced TWFE DiD of the EPCI entering in ``cohort`` (shared by the synthesis and
    the monographs, stored: a function of the declared files and the period)."""
    return impact.estimate_did(panel_epci(periode), cohort=cohort, control=control, reweight_on=list(EPCI_COVARIATES))


# Industrial employment (URSSAF commune × APE, issue 8) ----------------------------------------

APE_NATIONAL = urssaf_ape.NATIONAL_ID
INDUSTRIE_COG = 2023
INDUSTRIE_DEBUT = impact.PRE_PERIOD[0]  # 2014, as in the design on total employment
# Estimation rule: at least this many treated and control EPCI, and of départements (the
# clusters of the standard errors) among them.
MIN_EPCI_INDUSTRIE = 30
MIN_DEPARTEMENTS_INDUSTRIE = 20


def _perimetre_ape(file_id: str) -> str:
    """French description of what the commune × APE file covers."""
    if file_id == APE_NATIONAL:
        return "le fichier national, qui couvre toute la France"
    perimetre = fiche.PERIMETRE_APE.get(file_id, "une partie du territoire national")
    return f"l'extrait du miroir de données limité à {perimetre}, qui ne couvre qu'une partie de la France"


@cache
def _passage_ape() -> pd.DataFrame:
    return ia.passage_communes(urssaf_ape.fusions(), INDUSTRIE_COG, referentiel.communes(INDUSTRIE_COG))


@cache
def couverture_ape_epci(file_id: str) -> pd.DataFrame:
    """``industrie_ape.coverage`` of every EPCI (COG 2023) by the communes of ``file_id``,
    harmonised to COG 2023: "couvert" from 99 % of the population present."""
    presentes = ia.code_cog(urssaf_ape.communes_presentes(file_id), _passage_ape())
    return ia.coverage(presentes, referentiel.communes(INDUSTRIE_COG).dropna(subset=["siren_epci"]), "siren_epci")


@cache
def panel_industrie_epci(periode: str, file_id: str | None = None) -> pd.DataFrame:
    """EPCI x year panel of industrial employment (grand secteur Industrie of the commune × APE
    file ``file_id``, default ``urssaf_ape.fichier()``; blanks count as zero, communes harmonised to
    COG 2023), restricted to the EPCI the file covers ("couvert"), with the treatment columns
    and census covariates of ``panel_epci``. Partly covered EPCI are left out, not completed."""
    file_id = file_id or urssaf_ape.fichier()
    data = ia.harmoniser(urssaf_ape.commune_ape(file_id, periode, (ia.GS_INDUSTRIE,)), _passage_ape())
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
    result: impact.DidResult | None  # None below the rule (``MIN_EPCI_INDUSTRIE``, ``MIN_DEPARTEMENTS_INDUSTRIE``)
    texte: str  # French: the coverage and the estimate, or why there is none


def did_industrie(periode: str, cohort: int = 2019, control: str = "never", file_id: str | None = None) -> ImpactIndustrie:
    """Entropy-balanced TWFE DiD of industrial employment (``panel_industrie_epci``, 2014 to the
    last published year) for the EPCI entering in ``cohort``, estimated only when the covered
    EPCI give at least ``MIN_EPCI_INDUSTRIE`` treated and control EPCI in at least
    ``MIN_DEPARTEMENTS_INDUSTRIE`` départements; otherwise ``result`` is None and ``texte``
    says how many EPCI the file covers, which file it is, and that nothing is extrapolated."""
    file_id = file_id or urssaf_ape.fichier()
    couverture = couverture_ape_epci(file_id)
    panel = panel_industrie_epci(periode, file_id)
    units = panel.drop_duplicates(impact.UNIT)
    treated = units[impact.COHORT].eq(cohort).fillna(False).astype(bool)
    controls = units[impact.COHORT].isna() if control == "never" else units[impact.COHORT].gt(cohort).fillna(False).astype(bool)
    n_t, n_c = int(treated.sum()), int(controls.sum())
    n_dep = int(units.loc[treated | controls, "departement"].nunique())
    n_couverts, n_epci = int((couverture["statut"] == ia.COUVERT).sum()), len(couverture)
    intro = (
        f"Le fichier URSSAF des effectifs salariés par commune et code APE utilisé est {_perimetre_ape(file_id)}. "
        f"{nombre(n_couverts)} des {nombre(n_epci)} EPCI de France y figurent avec toutes leurs communes (au moins "
        f"{nombre(100 * ia.SEUIL_COUVERTURE)} % de leur population) ; parmi eux, avec les covariables du recensement (France "
        f"métropolitaine), {nombre(n_t)} {'sont entrés' if n_t > 1 else 'est entré'} dans le programme en {cohort} et "
        f"{nombre(n_c)} {'servent' if n_c > 1 else 'sert'} de témoin{'s' if n_c > 1 else ''} ({nombre(n_dep)} "
        f"département{'s' if n_dep > 1 else ''}). Les EPCI couverts en partie sont écartés et rien n'est extrapolé. "
    )
    if n_t < MIN_EPCI_INDUSTRIE or n_c < MIN_EPCI_INDUSTRIE or n_dep < MIN_DEPARTEMENTS_INDUSTRIE:
        texte = intro + (
            f"L'étude d'événement sur l'emploi industriel demande au moins {nombre(MIN_EPCI_INDUSTRIE)} EPCI traités, "
            f"{nombre(MIN_EPCI_INDUSTRIE)} EPCI témoins et {nombre(MIN_DEPARTEMENTS_INDUSTRIE)} départements : elle n'est pas "
            "estimée sur ce fichier."
        )
        return ImpactIndustrie(file_id, n_couverts, n_epci, n_t, n_c, n_dep, None, texte)
    years = (max(INDUSTRIE_DEBUT, int(panel[impact.TIME].min())), int(panel[impact.TIME].max()))
    result = impact.estimate_did(panel, cohort=cohort, control=control, years=years, reweight_on=list(EPCI_COVARIATES))
    texte = intro + impact.describe_did(result, outcome="l'emploi salarié industriel")
    return ImpactIndustrie(file_id, n_couverts, n_epci, n_t, n_c, n_dep, result, texte)


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


# ----------------------------------------------------------------------------- why some do better


def comparaison_ti(wide: pd.DataFrame, density: pd.Series) -> pd.DataFrame:
    """One row per TI: outcomes (``COMPARAISON_OUTCOMES``), covariates standardised to z-scores
    (one standard deviation = 1, so coefficients compare) and region."""
    ti = wide.loc[wide["niveau"] == "ti"].set_index("id_ti").join(density)
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


# ----------------------------------------------------------------------------- France Relance


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


def provenance_relance() -> str:
    """One French line for the provenance block: the France Relance département files, summarised
    (count, publisher, licence, a sha256 of their sorted sha256s) instead of one row per file."""
    files = [sources.source(i) for i in relance.file_ids()]
    digest = hashlib.sha256("".join(sorted(f.sha256 for f in files)).encode()).hexdigest()
    return (
        f"- France Relance : {nombre(len(files))} fichiers départementaux `{relance.FILE_PREFIX}XXX.csv` "
        f"({files[0].publisher}, {files[0].licence}) ; empreinte sha256 de leurs sha256 triés : `{digest[:16]}…`"
    )


def suivi_relance(periode: str, phase: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(par_departement, mensuel)`` of France Relance industrial firms for the TI of ``phase``
    (phase 1 covers 2020-2022)."""
    firms = relance.entreprises_industrielles(periode)
    dep = relance_par_departement(firms, referentiel.communes(DEFAULT_COG[phase]), referentiel.communes_ti(phase))
    return dep, relance_mensuelle(firms, dep)


# ----------------------------------------------------------------------------- Action cœur de ville


ACV_LISTES = {
    "ACV 2018": ("ACV 2018", 1, "liste de 2018, TI de la phase 1"),
    "ACV": ("ACV", 2, "liste actuelle, TI de la phase 2"),
}


def recoupement_acv(villes: pd.DataFrame, regions: pd.DataFrame, programme: str, label: str | None = None) -> pd.DataFrame:
    """Towns of ``programme`` inside a TI, by région and for France (``region == "FR"``):
    region, lib_region, programme (``label`` if given), n_villes, n_dans_ti, part_dans_ti (%).
    ``villes``: ``referentiel.villes_programmes`` of a phase; ``regions``: ``geo.regions`` (code, nom)."""
    sub = villes.loc[villes["programme"] == programme].assign(dans_ti=lambda d: d["id_ti"].notna())
    agg = {"n_villes": ("insee_com", "size"), "n_dans_ti": ("dans_ti", "sum")}
    by_region = sub.groupby("region", as_index=False).agg(**agg)
    france = pd.DataFrame([{"region": "FR", "n_villes": len(sub), "n_dans_ti": int(sub["dans_ti"].sum())}])
    names = pd.concat([regions.rename(columns={"code": "region", "nom": "lib_region"}), pd.DataFrame({"region": ["FR"], "lib_region": ["France"]})])
    return (
        pd.concat([by_region, france], ignore_index=True)
        .merge(names, on="region", how="left")
        .assign(programme=label or programme, part_dans_ti=lambda d: 100 * d["n_dans_ti"] / d["n_villes"])
        [["region", "lib_region", "programme", "n_villes", "n_dans_ti", "part_dans_ti"]]
    )


def recoupement_acv_phases(cog: int = 2023) -> pd.DataFrame:
    """``recoupement_acv`` for the 2018 ACV list against phase-1 TI and the current list against
    phase-2 TI, stacked (programme = the French label of ``ACV_LISTES``)."""
    regions = geo.regions(cog)
    return pd.concat(
        [recoupement_acv(referentiel.villes_programmes(phase, cog), regions, prog, label) for prog, phase, label in ACV_LISTES.values()],
        ignore_index=True,
    )


def tableau_acv(recoupement: pd.DataFrame) -> pd.DataFrame:
    """One row per région (France last), one column per programme: "n dans TI / n (part %)"."""
    cell = recoupement.assign(
        texte=lambda d: [f"{nombre(a)} / {nombre(b)} ({nombre(p, 0)} %)" for a, b, p in zip(d["n_dans_ti"], d["n_villes"], d["part_dans_ti"])]
    )
    order = list(dict.fromkeys(recoupement["programme"]))
    wide = cell.pivot(index=["region", "lib_region"], columns="programme", values="texte").reindex(columns=order).fillna("–").reset_index()
    return (
        wide.assign(france=wide["region"] == "FR")
        .sort_values(["france", "lib_region"])
        .drop(columns=["france", "region"])
        .rename(columns={"lib_region": "Région"})
        .rename_axis(columns=None)
        .reset_index(drop=True)
    )


PROGRAMMES_VILLES = {"ACV": "Action cœur de ville (liste actuelle)", "ACV 2018": "Action cœur de ville (liste de 2018)",
                     "ACV 2": "Action cœur de ville 2", "PVD": "Petites villes de demain"}


def programmes_territoire(villes: pd.DataFrame, id_ti: str) -> pd.DataFrame:
    """Towns of the territory in each town programme: programme (French name), n, communes
    (comma-joined, alphabetical). ``villes``: ``referentiel.villes_programmes`` of its phase."""
    own = villes.loc[villes["id_ti"] == id_ti]
    rows = [
        {"programme": label, "n": int((own["programme"] == code).sum()),
         "communes": ", ".join(sorted(own.loc[own["programme"] == code, "lib_com"].dropna().unique()))}
        for code, label in PROGRAMMES_VILLES.items()
    ]
    return pd.DataFrame(rows)


def texte_programmes(table: pd.DataFrame, lib_ti: str) -> str:
    """French sentence on the territory's towns in Action cœur de ville and Petites villes de demain."""
    n = table.set_index("programme")["n"]
    acv, pvd = n[PROGRAMMES_VILLES["ACV"]], n[PROGRAMMES_VILLES["PVD"]]
    if acv + pvd == 0:
        return f"Aucune commune de {lib_ti} n'est retenue par Action cœur de ville ni par Petites villes de demain."
    return (
        f"{lib_ti} compte {nombre(acv)} ville(s) Action cœur de ville (liste actuelle ; {nombre(n[PROGRAMMES_VILLES['ACV 2']])} "
        f"en Action cœur de ville 2, {nombre(n[PROGRAMMES_VILLES['ACV 2018']])} dans la liste de 2018) et {nombre(pvd)} commune(s) "
        "Petites villes de demain : le programme industriel s'y superpose aux programmes de revitalisation des centres, "
        "qui financent surtout l'habitat, le commerce et les espaces publics."
    )


# ----------------------------------------------------------------------------- synthesis: tables and prose


def _valeur(value: float, unit: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    return text.valeur(float(value), unit)


def chiffres_cles(faits_1: pd.DataFrame, faits_2: pd.DataFrame) -> pd.DataFrame:
    """Headline facts of both phases side by side with the published values (French strings).

    ``faits_*``: ``faits.faits(phase)``. Rows follow phase 1's order; a fact absent from a phase
    shows "–".
    """
    two = faits_1.merge(faits_2[["cle", "valeur"]], on="cle", how="outer", suffixes=("_1", "_2"), sort=False)
    two = two.set_index("cle").reindex(list(dict.fromkeys([*faits_1["cle"], *faits_2["cle"]]))).reset_index()
    units = two["unite"].fillna("")
    return pd.DataFrame(
        {
            "Fait": two["fait"].to_numpy(),
            "Phase 1": [_valeur(v, u) for v, u in zip(two["valeur_1"], units)],
            "Phase 2": [_valeur(v, u) for v, u in zip(two["valeur_2"], units)],
            "Publié en 2019": [_valeur(v, u) for v, u in zip(two["valeur_publiee"], units)],
            "data.gouv.fr": [_valeur(v, u) for v, u in zip(two["valeur_publiee_datagouv"], units)],
        }
    )


def ecarts_publies(faits_1: pd.DataFrame) -> str:
    """French bullet list explaining each gap between our phase-1 count and the published one."""
    rows = faits_1.loc[faits_1["explication"].notna()]
    return "\n".join(
        f"- **{r.fait}** : {text.valeur(r.valeur, r.unite)} ici, {text.valeur(r.valeur_publiee, r.unite)} publié. {r.explication}"
        for r in rows.itertuples()
        if pd.notna(r.valeur_publiee)
    )


def _stabilite(ari: float) -> str:
    if ari >= 0.8:
        return "stable"
    if ari >= 0.6:
        return "moyennement stable : les grands profils résistent au rééchantillonnage, mais des territoires proches d'une frontière changent de profil"
    return "fragile : une partie des territoires change de profil d'un échantillon à l'autre, les profils sont des repères plus que des classes nettes"


def texte_typologie(result: TypologyResult, phase: int, exclus: pd.DataFrame) -> str:
    """French paragraph: inputs, imputation, excluded TI, k rule and choice, stability."""
    imputed = result.n_imputed[result.n_imputed > 0]
    imputes = (
        "aucune valeur manquante"
        if imputed.empty
        else "valeurs manquantes remplacées par la médiane : "
        + ", ".join(f"{result.indicator_labels.get(c, c).lower()} ({nombre(n)})" for c, n in imputed.items())
    )
    best = result.silhouettes.loc[result.silhouettes["retenu"]].iloc[0]
    left_out = (
        f" {nombre(len(exclus))} territoires d'outre-mer sont laissés hors de la typologie : le profil des EPCI "
        f"(recensement, Filosofi) ne couvre que la France métropolitaine ({', '.join(exclus['lib'])})."
        if len(exclus)
        else ""
    )
    return (
        f"La typologie de la phase {phase} porte sur {nombre(len(result.raw))} territoires et "
        f"{nombre(result.raw.shape[1])} indicateurs centrés-réduits ({imputes}).{left_out} "
        f"Les profils sont obtenus par k-moyennes (graine {result.seed}). Règle de choix : {result.rule}. "
        f"Avec k = {result.k}, la silhouette moyenne vaut {nombre(best['silhouette'], 3)} : des silhouettes de cet ordre "
        "indiquent des profils qui se recouvrent en partie plutôt que des groupes bien séparés. "
        f"Stabilité : l'indice de Rand ajusté moyen entre la partition retenue et {len(result.stability)} ré-estimations "
        f"sur échantillons bootstrap est de {nombre(result.mean_ari, 2)} ; la typologie est {_stabilite(result.mean_ari)}."
    )


def tableau_silhouettes(result: TypologyResult) -> pd.DataFrame:
    """k, mean silhouette, inertia and the retained k, as French strings."""
    return tableau(
        result.silhouettes,
        {"k": ("Nombre de profils (k)", 0), "silhouette": ("Silhouette moyenne", 3), "inertie": ("Inertie intra-profils", 0),
         "retenu": ("Retenu", lambda b: "oui" if b else "")},
    )


PROFIL_COLUMNS = {
    "part_industrie": ("Industrie (% emploi)", 1),
    "emploi_prive_tcam": ("Emploi privé (%/an)", 1),
    "ss_effet_local_pct": ("Effet local (%)", 1),
    "taux_chomage_rp": ("Chômage (%)", 1),
    "revenu_median": ("Niveau de vie (€)", 0),
    DENSITE: ("Densité (hab./km²)", lambda v: nombre(10**v)),
}


def tableau_profils(result: TypologyResult) -> pd.DataFrame:
    """One row per profile: name, number of TI and mean values of key indicators (French strings)."""
    return tableau(profils(result), {"profil": ("Profil", None), "n_ti": ("TI", 0), **PROFIL_COLUMNS})


def texte_monographies(choix: pd.DataFrame) -> str:
    """Numbered French list of the monograph territories with the reason of each choice."""
    return "\n".join(
        f"{r.rang}. **{r.lib_ti}** ({r.id_ti}), profil « {r.profil} » ({r.source}) : {r.raison}." for r in choix.itertuples()
    )


def _effet(b: float) -> str:
    return text.pourcent(impact.pct(b), signed=True)


def _ic(lo: float, hi: float, scale: Callable[[float], float] = impact.pct, decimals: int = 1) -> str:
    return f"[{nombre(scale(lo), decimals)} ; {nombre(scale(hi), decimals)}]"


def _p(p: float) -> str:
    return "< 0,001" if p < 0.001 else nombre(p, 3)


def tableau_did(rows: Mapping[str, impact.DidResult | pd.DataFrame]) -> pd.DataFrame:
    """One row per design: estimate (% of employment), 95 % CI, p-value, EPCI treated / controls."""
    out = []
    for label, res in rows.items():
        row = res.estimate if isinstance(res, impact.DidResult) else res.iloc[0]
        counts = f"{nombre(res.n_treated)} / {nombre(res.n_controls)}" if isinstance(res, impact.DidResult) else "–"
        years = f"{res.years[0]}-{res.years[1]}" if isinstance(res, impact.DidResult) else "–"
        out.append({"Estimation": label, "Années": years, "Écart estimé": _effet(row["estimate"]),
                    "IC à 95 % (%)": _ic(row["ci_low"], row["ci_high"]), "p": _p(row["p_value"]), "EPCI traités / témoins": counts})
    return pd.DataFrame(out)


def texte_did_variantes(principal: impact.DidResult, pas_encore: impact.DidResult, placebo: pd.DataFrame) -> str:
    """French paragraph on the not-yet-treated design, the placebo and the effective number of controls."""
    ny, pl = pas_encore.estimate, placebo.iloc[0]
    return (
        "Avec les témoins « pas encore traités » — les EPCI qui n'entrent qu'en phase 2, sans doute plus proches des EPCI de "
        f"la phase 1 que des EPCI jamais retenus —, l'écart est de {_effet(ny['estimate'])} sur "
        f"{pas_encore.years[0]}-{pas_encore.years[1]} (p = {_p(ny['p_value'])}). Le placebo, qui fait comme si le programme "
        f"avait commencé en 2016, donne {_effet(pl['estimate'])} (p = {_p(pl['p_value'])})"
        + (" : aucun écart n'apparaît avant le programme." if pl["p_value"] >= 0.05 else " : un écart apparaît déjà avant le programme, ce qui invite à la prudence.")
        + f" La pondération ramène les {nombre(principal.n_controls)} témoins à un effectif équivalent de "
        f"{nombre(principal.weights.effective_controls)} EPCI (effectif de Kish) ; le tableau suivant montre l'équilibre obtenu."
    )


def tableau_equilibre(weights: impact.Weights) -> pd.DataFrame:
    """Balance table of the entropy weights: means and standardised differences before/after."""
    return tableau(
        weights.balance.assign(variable=weights.balance["variable"].map(EPCI_LABELS).fillna(weights.balance["variable"])),
        {"variable": ("Variable", None), "moyenne_traites": ("Traités", 2), "moyenne_temoins": ("Témoins", 2),
         "moyenne_temoins_ponderee": ("Témoins pondérés", 2), "smd_avant": ("Diff. standardisée avant", 2),
         "smd_apres": ("Diff. standardisée après", 2)},
    )


def tableau_long_difference(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Long-difference estimates (points of census share) for each period and model."""
    rows = []
    for period, t in tables.items():
        for r in t.itertuples():
            rows.append({"Période": period, "Modèle": r.modele, "Écart TI − hors TI (points)": nombre(r.estimate, 2),
                         "IC à 95 %": _ic(r.ci_low, r.ci_high, lambda b: b, 2), "p": _p(r.p_value), "EPCI": nombre(r.n_obs)})
    return pd.DataFrame(rows)


def texte_long_difference(tables: Mapping[str, pd.DataFrame]) -> str:
    """One French sentence per period on the change of the agriculture + industry share."""
    parts = []
    for period, t in tables.items():
        fe = t.loc[t["modele"] == "avec effets fixes région"].iloc[0]
        sens = "plus" if fe["estimate"] > 0 else "moins"
        sig = "significatif" if fe["p_value"] < 0.05 else "non significatif au seuil de 5 %"
        parts.append(
            f"Sur {period}, la part de l'agriculture et de l'industrie dans l'emploi a évolué de {nombre(abs(fe['estimate']), 2)} point "
            f"{'de plus' if sens == 'plus' else 'de moins'} dans les EPCI des territoires d'industrie de la phase 1 que dans les EPCI "
            f"jamais couverts, à région donnée (IC à 95 % {_ic(fe['ci_low'], fe['ci_high'], lambda b: b, 2)}, {sig})."
        )
    return " ".join(parts) + (
        " Les recensements de 2011 et 2016 précèdent le programme : seule la période qui inclut 2019-2022 peut en porter la trace, "
        "et le recensement 2022 (collectes 2020-2024) n'en capte qu'une partie."
    )


COMPARAISON_LABELS = {
    "const": "Constante",
    "part_industrie": "Part de l'industrie (recensement 2022)",
    "part_industrie_hautetech": "Part de l'industrie de haute technologie",
    "part_diplomes_superieur": "Part des diplômés du supérieur",
    DENSITE: "Densité de population (log)",
    "croissance_population": "Croissance de la population 2016-2022",
    "ss_effet_local_pct": "Effet local (% de l'emploi 2019)",
    "emploi_prive_tcam_ecart_france": "Écart de croissance à la France (points/an)",
}


def texte_comparaison(regressions: Mapping[str, pd.DataFrame], n_ti: int) -> str:
    """French introduction of the cross-section regressions (sample, outcomes, reading)."""
    n = int(next(iter(regressions.values()))["n_obs"].iloc[0])
    return (
        f"Pour {nombre(n)} des {nombre(n_ti)} territoires de la phase 1 (les autres, d'outre-mer, n'ont pas de données du "
        "recensement par EPCI), on relie deux mesures de réussite — l'effet local de la décomposition structurelle-résiduelle "
        "(la croissance de l'emploi que ni la conjoncture nationale ni la composition sectorielle n'expliquent) et l'écart de "
        "croissance annuelle de l'emploi à la France depuis 2018 — à leurs caractéristiques, à région donnée (effets fixes "
        "région). Les variables explicatives sont centrées-réduites : un coefficient se lit comme l'écart associé à un "
        "écart-type de plus. Ce sont des associations, non des effets causaux ; un astérisque signale un coefficient "
        "significatif au seuil de 5 %."
    )


def tableau_regression(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Coefficients (95 % CI) of cross-section regressions, one column per outcome, plus R² and n."""
    columns = {}
    for outcome, t in tables.items():
        cells = {COMPARAISON_LABELS.get(r.term, r.term): f"{nombre(r.estimate, 2)} {_ic(r.ci_low, r.ci_high, lambda b: b, 2)}"
                 + ("*" if r.p_value < 0.05 else "") for r in t.itertuples()}
        cells["R²"] = nombre(t["r2"].iloc[0], 2)
        cells["Territoires"] = nombre(t["n_obs"].iloc[0])
        columns[COMPARAISON_LABELS.get(outcome, outcome)] = cells
    return pd.DataFrame(columns).rename_axis("Variable (en écarts-types)").reset_index()


def tableau_regions_fr(regions: pd.DataFrame) -> pd.DataFrame:
    """``tableau_regions`` as French strings."""
    return tableau(
        regions,
        {"lib_region": ("Région", None), "n_ti": ("TI", 0), "tcam_ti": ("Emploi des TI (%/an)", 2),
         "tcam_region": ("Emploi de la région (%/an)", 2), "part_mieux_region": ("TI plus dynamiques que la région (%)", 0),
         "effet_local": ("Effet local moyen (%)", 1)},
    )


def texte_relance(par_departement: pd.DataFrame, mensuel: pd.DataFrame, ols: pd.DataFrame) -> str:
    """French paragraph on France Relance industrial firms and the weight of TI by département."""
    last = mensuel["mois"].max()
    total = par_departement["entreprises"].sum()
    peak = mensuel.groupby("mois")["entreprises"].sum()
    slope = ols.loc[ols["term"] == "part_population_ti"].iloc[0]
    corr = par_departement["part_population_ti"].corr(par_departement["entreprises_100k"])
    groups = par_departement.groupby("groupe").apply(lambda d: 1e5 * d["entreprises"].sum() / d["population"].sum())
    return (
        f"Fin {fiche.periode_fr(last)}, {nombre(total)} entreprises industrielles avaient bénéficié des aides à l'investissement de "
        f"France Relance dans les {nombre(len(par_departement))} départements (maximum {nombre(peak.max())} en {fiche.periode_fr(peak.idxmax())} : "
        "la série est un cumul, révisé à la baisse en février 2022). "
        f"Rapporté à la population, le soutien est de {nombre(groups.get(RELANCE_GROUPES[2], float('nan')), 1)} entreprises pour 100 000 habitants "
        f"dans le tiers des départements où les territoires d'industrie pèsent le plus, contre "
        f"{nombre(groups.get(RELANCE_GROUPES[0], float('nan')), 1)} dans le tiers où ils pèsent le moins. "
        f"La corrélation entre la part de la population en territoire d'industrie et le nombre d'entreprises aidées par habitant "
        f"est de {nombre(corr, 2)} ; chaque point de part en plus va de pair avec {nombre(slope['estimate'], 2)} entreprise aidée "
        f"pour 100 000 habitants (IC à 95 % {_ic(slope['ci_low'], slope['ci_high'], lambda b: b, 2)}). Cette association décrit où "
        "l'aide est allée ; elle ne mesure pas un effet du programme, car les départements couverts sont d'abord plus industriels."
    )


def tableau_relance(par_departement: pd.DataFrame) -> pd.DataFrame:
    """Per TI-weight group: départements, mean TI share, firms supported, per 100,000 inhabitants."""
    g = (
        par_departement.groupby("groupe", as_index=False)
        .agg(n=("departement", "size"), part=("part_population_ti", "mean"), entreprises=("entreprises", "sum"), population=("population", "sum"))
        .assign(pour_100k=lambda d: 1e5 * d["entreprises"] / d["population"], _o=lambda d: d["groupe"].map(RELANCE_GROUPES.index))
        .sort_values("_o")
    )
    return tableau(
        g,
        {"groupe": ("Départements", None), "n": ("Nombre", 0), "part": ("Part moyenne de la population en TI (%)", 1),
         "entreprises": ("Entreprises aidées", 0), "pour_100k": ("Pour 100 000 habitants", 1)},
    )


def texte_acv(recoupement: pd.DataFrame, wide: pd.DataFrame, phase: int) -> str:
    """How far ACV towns and TI overlap, both ways, against the claim that they largely superpose.
    ``recoupement``: ``recoupement_acv_phases()``; ``wide``: the indicator table of ``phase``."""
    fr = recoupement.loc[recoupement["region"] == "FR"].set_index("programme")
    ti = wide.loc[wide["niveau"] == "ti"]
    with_acv = int((ti["nb_villes_acv"] > 0).sum())
    parts = [f"{nombre(r.n_dans_ti)} des {nombre(r.n_villes)} villes ({p}), soit {text.pourcent(r.part_dans_ti, 0)}" for p, r in fr.iterrows()]
    current = recoupement.loc[(recoupement["region"] != "FR") & (recoupement["programme"] == ACV_LISTES["ACV"][2]) & (recoupement["n_villes"] >= 5)]
    low, high = current.nsmallest(1, "part_dans_ti").iloc[0], current.nlargest(1, "part_dans_ti").iloc[0]
    return (
        "On présente souvent Action cœur de ville et Territoires d'industrie comme deux programmes qui se superposent largement. "
        f"Du côté des villes, les listes le confirment : {' ; '.join(parts)} sont situées dans un territoire d'industrie. "
        f"Pour la liste actuelle, la part va, parmi les régions qui comptent au moins 5 villes, de {text.pourcent(low['part_dans_ti'], 0)} "
        f"({low['lib_region']}) à {text.pourcent(high['part_dans_ti'], 0)} ({high['lib_region']}). "
        f"Dans l'autre sens, la superposition est plus partielle : {nombre(with_acv)} des {nombre(len(ti))} territoires d'industrie de la "
        f"phase {phase} ({text.pourcent(100 * with_acv / len(ti), 0)}) comptent au moins une ville Action cœur de ville ; les autres "
        "n'ont aucune ville moyenne retenue par ce programme."
    )


# ----------------------------------------------------------------------------- monographs

TERRAIN_DIR = config.MONOGRAPHIES_DIR / "terrain"
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
TERRAIN_ATTENTE = (
    "> **Section en attente du travail de terrain.** Aucune note n'a encore été déposée pour ce territoire. "
    "Les chercheurs la compléteront dans `monographies/terrain/{id_ti}.md` (entretiens menés, bonnes pratiques "
    "repérées, projets phares) ; elle apparaîtra ici à la prochaine exécution."
)


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
    epci = fiche.epci_territoire(phase, id_ti)[["siren_epci", "lib_epci", "part_population_ti"]]
    epci = epci.assign(cohorte=epci["siren_epci"].map(cohorts).astype("Int64"))
    treated = epci.dropna(subset=["cohorte"])
    if treated.empty:
        return ImpactTerritoire(epci, None, None, None)
    cohort = int(treated["cohorte"].value_counts().sort_index().idxmax())
    result = did(periode, cohort)
    sirens = treated.loc[treated["cohorte"] == cohort, "siren_epci"].tolist()
    return ImpactTerritoire(epci, cohort, result, trajectoire(panel, result, sirens, base=cohort - 1))


def texte_impact_territoire(it: ImpactTerritoire) -> str:
    """French paragraph: the territory's EPCI path vs the reweighted controls, and why a single
    territory's effect is not identified."""
    if it.result is None:
        return (
            "Aucun EPCI du territoire ne figure dans le panel d'évaluation (EPCI couverts à moins de 50 % ou hors de France "
            "métropolitaine) : la comparaison avec des EPCI témoins n'est pas possible."
        )
    t = it.trajectoire.set_index(impact.TIME)
    base, last = it.cohort - 1, int(t.index.max())
    n = int((it.epci["cohorte"] == it.cohort).sum())
    others = len(it.epci) - n
    note = f" ({nombre(others)} autre(s) EPCI membre(s), entré(s) à une autre date ou couvert(s) en partie, ne sont pas comptés)" if others else ""
    gap = t.loc[last, "ecart"]
    return (
        f"Les {nombre(n)} EPCI du territoire entrés dans le programme en {it.cohort}{note} ont vu leur emploi salarié privé passer "
        f"de l'indice 100 en {base} à {nombre(t.loc[last, 'territoire'], 1)} en {last}, contre {nombre(t.loc[last, 'temoins'], 1)} "
        f"pour la moyenne repondérée des {nombre(it.result.n_controls)} EPCI témoins ({it.result.design}, pondérés pour ressembler "
        f"aux EPCI traités avant {it.cohort}) : un écart de {'+' if gap > 0 else ''}{nombre(gap, 1)} point{'s' if abs(gap) >= 2 else ''}. "
        "Cet écart n'est pas l'effet du programme sur ce territoire : pour un seul territoire, l'effet n'est pas identifié, car "
        "les chocs propres au territoire (une usine qui ouvre ou ferme, un sous-traitant qui perd un client) se confondent avec "
        "lui. Seule l'estimation sur l'ensemble des EPCI entrés la même année, rappelée ci-dessous, a un sens statistique."
    )


def _france_z(result: TypologyResult, wide: pd.DataFrame) -> pd.Series:
    """France's values in the typology's z-space (same median imputation, mean and sd as the TI)."""
    raw = result.raw.astype("float64")
    filled = raw.fillna(raw.median())
    france = wide.loc[wide["niveau"] == "france"].iloc[0]
    values = pd.Series({c: float(france[c]) if c in france.index else np.nan for c in raw.columns})
    return (values - filled.mean()) / filled.std(ddof=0)


def positions_territoire(result: TypologyResult, wide: pd.DataFrame, id_ti: str) -> pd.DataFrame:
    """z-scores (vs all TI of the typology) of the territory, its profile's centroid and France,
    one row per typology indicator (index: indicator)."""
    cluster = int(result.labels[id_ti])
    return pd.DataFrame(
        {"territoire": result.z.loc[id_ti], "profil": result.centroids.loc[cluster], "france": _france_z(result, wide)}
    ).rename_axis("indicator")


def tableau_profil_territoire(result: TypologyResult, wide: pd.DataFrame, id_ti: str) -> pd.DataFrame:
    """The territory's raw values beside the mean of its profile, of all TI and France (French strings)."""
    raw = result.raw.astype("float64")
    cluster = int(result.labels[id_ti])
    france = wide.loc[wide["niveau"] == "france"].iloc[0]
    units = {name: ind.unit for name, ind in INDICATORS.items()}

    def fmt(col: str, v: float) -> str:
        if pd.isna(v):
            return "n.d."
        return nombre(10**v) if col == DENSITE else fiche.valeur_fr(v, units[col])

    rows = []
    for col in raw.columns:
        values = (raw.loc[id_ti, col], raw.loc[result.labels == cluster, col].mean(), raw[col].mean(),
                  float(france[col]) if col in france.index else np.nan)
        rows.append({"Indicateur": "Densité de population (hab./km²)" if col == DENSITE else result.indicator_labels.get(col, col),
                     "Territoire": fmt(col, values[0]), "Moyenne du profil": fmt(col, values[1]),
                     "Ensemble des TI": fmt(col, values[2]), "France": fmt(col, values[3])})
    return pd.DataFrame(rows)


def texte_profil_territoire(result: TypologyResult, id_ti: str, phase: int, choix: pd.DataFrame, n_voisins: int = 4) -> str:
    """French paragraph: the territory's profile, its closest peers and why it was chosen."""
    if id_ti not in result.labels.index:
        return "Ce territoire n'entre pas dans la typologie (indicateurs du recensement indisponibles, territoire d'outre-mer)."
    cluster = int(result.labels[id_ti])
    members = result.labels.index[result.labels == cluster]
    names = referentiel.territoires(phase).set_index("id_ti")["lib_ti"]
    dist = np.linalg.norm(result.z.loc[members].to_numpy() - result.z.loc[id_ti].to_numpy(), axis=1)
    peers = pd.Series(dist, index=members).drop(id_ti).nsmallest(n_voisins).index
    row = choix.loc[choix["id_ti"] == id_ti]
    by = "par l'équipe" if len(row) and row["source"].iloc[0] != "typologie" else "par la règle de la typologie"
    why = f" Il a été retenu pour une monographie {by} : {row['raison'].iloc[0]}." if len(row) else ""
    return (
        f"Dans la typologie de la phase {phase}, le territoire appartient au profil « {result.profiles[cluster]} », "
        f"qui réunit {nombre(len(members))} des {nombre(len(result.labels))} territoires classés. Les territoires de ce profil "
        f"les plus proches de lui sur l'ensemble des indicateurs sont : {', '.join(names[p] for p in peers)}.{why}"
    )


def terrain(id_ti: str, folder: Path = TERRAIN_DIR) -> str:
    """The researchers' fieldwork notes (``monographies/terrain/<id_ti>.md``) without its HTML
    comments (the instructions of the template), or a visible placeholder when nothing else
    has been written yet."""
    path = Path(folder) / f"{id_ti}.md"
    content = HTML_COMMENT.sub("", path.read_text(encoding="utf-8")).strip() if path.exists() else ""
    return content or TERRAIN_ATTENTE.format(id_ti=id_ti)
