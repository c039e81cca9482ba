"""The synthesis document (``notebooks/synthese.ipynb``) section by section: each function takes
the analyses' results and returns what one cell shows (``figures.afficher``: Markdown text, a
table, a figure, a list of them, or ``None`` when the month's data do not allow it yet). The
choices (designs, outcomes, covariates) are in the analyses; the sentences in ``synthese``,
``evaluation_impact``, ``evaluation_robustesse`` and ``evaluation_controle_synthetique``.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure

from analysis.analyses import comparaison, evaluation, evaluation_industrie, france_relance, profils
from analysis.analyses.evaluation import EvaluationMois
from analysis.analyses.typologie import TypologyResult
from analysis.donnees import referentiel
from analysis.donnees.loaders import geo, programmes
from analysis.indicateurs.build import read_indicators
from analysis.publications import faits, fiche, methodes, synthese, evaluation_controle_synthetique, evaluation_impact, evaluation_robustesse
from analysis.publications import figures_synthese as sf
from analysis.publications.cartes import villes_points
from analysis.publications.figures import Bloc, lignes

SOURCE_TYPOLOGIE = "INSEE (recensement, Filosofi), URSSAF, ANCT ; calculs de l'observatoire"
SOURCE_EVALUATION = "URSSAF, emploi salarié privé par commune ; ANCT ; calculs de l'observatoire"
SOURCE_INDUSTRIE = "URSSAF, effectifs par commune et code APE ; ANCT ; calculs de l'observatoire"
SOURCE_RELANCE = "Baromètre des résultats de l'action publique"


@dataclass(frozen=True)
class Contexte:
    """What every section of the month draws on: outlines, the tables of both phases, colours."""

    periode: str
    regions: gpd.GeoDataFrame  # metropolitan régions, the background of the maps
    contours: dict[int, gpd.GeoDataFrame]  # outlines of the territories by phase
    wide: dict[int, pd.DataFrame]  # the month's wide table by phase
    couleurs_profils: dict[str, str]


def contexte(periode: str) -> Contexte:
    """The month's ``Contexte``."""
    return Contexte(periode=periode, regions=geo.contours_regions_metro(),
                    contours={phase: programmes.ti_geometries(phase) for phase in (1, 2)},
                    wide={phase: read_indicators(phase, periode, "wide") for phase in (1, 2)},
                    couleurs_profils=sf.couleurs_profils(periode))


def introduction(periode: str) -> str:
    """The opening paragraph."""
    return (
        f"Ce document rassemble, pour la période **{periode}**, les analyses transversales de l'observatoire : chiffres clés "
        "des deux phases du programme, typologie des territoires, choix des quatre monographies, évaluation d'impact, facteurs "
        "de réussite, suivi de France Relance et recoupement avec Action cœur de ville. Chaque nombre est calculé à partir des "
        "fichiers publics listés dans le bloc de provenance, en fin de document."
    )


def _n_ti(faits_phase: pd.DataFrame) -> int:
    return int(faits_phase.set_index("cle").loc["n_ti", "valeur"])


def texte_phases(faits_1: pd.DataFrame, faits_2: pd.DataFrame) -> str:
    """How many territories each phase counts, before the published figures."""
    return (
        f"La phase 1 (2019-2022) compte **{_n_ti(faits_1)}** territoires d'industrie dans la liste arrêtée fin 2022, et la phase 2 "
        f"(2023-2027) **{_n_ti(faits_2)}**. Le tableau suivant rapproche ces chiffres de ceux publiés sur le programme ; chaque écart est "
        "expliqué ensuite, avec sa source."
    )


def publies(faits_1: pd.DataFrame, faits_2: pd.DataFrame) -> list[pd.DataFrame]:
    """The published figures of both phases beside the observatory's (``faits.publies``)."""
    return [faits.publies(faits_1), faits.publies(faits_2)]


@dataclass(frozen=True)
class TypologiePhase:
    """The typology of one phase as the synthesis shows it: the text, two tables, two figures."""

    phase: int
    result: TypologyResult
    texte: str
    silhouettes: pd.DataFrame
    profils: pd.DataFrame
    contexte: Contexte

    def chaleur(self) -> Figure:
        """Each profile's position on the indicators (z-scores)."""
        return sf.profils_chaleur(self.result.centroids, self.result.profiles, profils.LIBELLES_COURTS, source=SOURCE_TYPOLOGIE)

    def carte(self) -> Figure:
        """The map of the territories coloured by profile."""
        membres = profils.membres_profils(self.result, self.phase)
        return sf.carte_categories(
            self.contexte.contours[self.phase].merge(membres[["id_ti", "profil"]], on="id_ti"), "profil", self.contexte.regions,
            order=profils.profils(self.result)["profil"].tolist(), legend_title="Profil", colours=self.contexte.couleurs_profils,
            source="ANCT (contours des territoires) ; " + SOURCE_TYPOLOGIE)


def typologie_phase(ctx: Contexte, phase: int) -> TypologiePhase:
    """The typology of ``phase`` (``profils.typologie_du_mois``), its text and tables."""
    result = profils.typologie_du_mois(phase, ctx.periode)
    texte = synthese.texte_typologie(result, phase, profils.exclus_typologie(ctx.wide[phase], result), profils.imputes(result, phase))
    return TypologiePhase(phase=phase, result=result, texte=texte, silhouettes=synthese.tableau_silhouettes(result),
                          profils=synthese.tableau_profils(result), contexte=ctx)


# The evaluation of impact: every function returns nothing when the month does not allow it.

def texte_principal(ev: EvaluationMois) -> str:
    """The headline: the rule and the main estimate, or the DiD, or why there is none yet."""
    if ev.deux_cohortes:
        return methodes.REGLE_EVALUATION + "\n\n" + evaluation_robustesse.texte_principal(ev.lignes)
    if ev.evaluable:
        return evaluation_impact.describe_did(ev.principal)
    return evaluation_impact.texte_pas_encore_did(2019, evaluation.derniere_annee(ev.periode))


def principal(ev: EvaluationMois) -> list[Bloc]:
    """The table of the headline and robustness lines, the exposure, context and France Relance sentences."""
    if not ev.deux_cohortes:
        return []
    exposition = evaluation_robustesse.texte_exposition(ev.lignes, ev.estimations.cohortes, evaluation.exposition_sectorielle(ev.periode),
                                                        evaluation.exposition_bartik(ev.periode))
    relance = evaluation_robustesse.texte_relance(ev.lignes, france_relance.relance_emplois(ev.periode), evaluation.seuil_relance(ev.periode))
    return [evaluation_robustesse.tableau_principal(ev.lignes),
            exposition + "\n\n" + evaluation_robustesse.texte_contexte(ev.lignes) + "\n\n" + relance]


# The analyses below are stored and kept in the process (``cache.stored``): the text and the
# table or figure of a section each ask for them, computed once.

def tendances_paralleles(ev: EvaluationMois) -> list[Bloc]:
    """The sensitivity to a violation of parallel trends (Rambachan and Roth), with its heading."""
    if not ev.deux_cohortes:
        return []
    cohorte, ensemble = evaluation.sensibilite_tendances(ev.periode), evaluation.sensibilite_tendances(ev.periode, None)
    return ["### Sensibilité à une violation des tendances parallèles",
            evaluation_robustesse.texte_tendances_paralleles(cohorte) + " "
            + evaluation_robustesse.texte_tendances_ensemble(ensemble, ev.lignes),
            evaluation_robustesse.tableau_tendances(cohorte, ensemble)]


def figure_tendances(ev: EvaluationMois) -> Figure | None:
    return evaluation_robustesse.figure_tendances(evaluation.sensibilite_tendances(ev.periode)) if ev.deux_cohortes else None


def did_robustesse(ev: EvaluationMois) -> list[Bloc]:
    """Once the cohorts are the headline, the DiD of the 2019 cohort as a robustness line."""
    if not ev.deux_cohortes:
        return []
    return ["### Double différence de la cohorte 2019 (ligne de robustesse)", evaluation_impact.describe_did(ev.principal)]


def figure_etude_evenement(ev: EvaluationMois) -> Figure | None:
    """The event study of the 2019 cohort, with and without reweighting."""
    if not ev.evaluable:
        return None
    return evaluation_impact.event_study_figure({"Témoins repondérés": ev.principal, "Témoins sans pondération": ev.estimations.non_pondere},
                                               source=SOURCE_EVALUATION)


def texte_tendances(ev: EvaluationMois) -> str | None:
    return evaluation_impact.texte_tendances(ev.principal, ev.estimations.non_pondere) if ev.evaluable else None


def variantes(ev: EvaluationMois) -> dict[str, object]:
    """The difference-in-differences designs and their French labels, the headline first."""
    est = ev.estimations
    out = {
        "Principale : témoins jamais traités, repondérés": est.principal,
        "Témoins jamais traités, sans pondération": est.non_pondere,
        "Témoins pas encore traités (entrés en 2023), repondérés": est.pas_encore,
        f"Placebo : faux départ en {evaluation.PLACEBO_DEBUT}, avant 2019, repondéré": est.placebo,
        f"Placebo : faux départ en {evaluation.PLACEBO_DEBUT}, sans pondération": est.placebo_non_pondere,
    }
    if est.phase2 is not None:
        out["Phase 2 : EPCI entrés en 2023, repondérés"] = est.phase2
    return out


def tableau_variantes(ev: EvaluationMois) -> pd.DataFrame | None:
    return evaluation_impact.tableau_did(variantes(ev)) if ev.evaluable else None


def placebo(ev: EvaluationMois) -> list[Bloc]:
    """The placebo and the variants in words; that the 2023 entrants cannot be estimated yet."""
    blocs: list[Bloc] = []
    if ev.evaluable:
        est = ev.estimations
        blocs.append(evaluation_impact.texte_placebo(est.principal, est.placebo, est.placebo_non_pondere, evaluation.PLACEBO_DEBUT)
                     + " " + evaluation_impact.texte_did_variantes(est.principal, est.pas_encore))
    if not ev.phase2_estimable:
        blocs.append(evaluation_impact.texte_pas_encore_did(2023, evaluation.derniere_annee(ev.periode)))
    return blocs


def equilibre(ev: EvaluationMois) -> pd.DataFrame | None:
    return evaluation_impact.tableau_equilibre(ev.principal.weights) if ev.evaluable else None


def cohortes(ev: EvaluationMois) -> list[Bloc]:
    """Staggered adoption: the cohort estimates in words, the reconciliation, the check."""
    if not ev.deux_cohortes:
        return []
    est = ev.estimations
    return ["### Adoption échelonnée : estimation par cohortes",
            evaluation_robustesse.texte_cohortes(est) + (" " + evaluation_robustesse.texte_reconciliation(est) if est.phase2 is not None else ""),
            evaluation_robustesse.texte_verification(evaluation.verification_cohortes(ev.periode))]


def tableau_cohortes(ev: EvaluationMois) -> pd.DataFrame | None:
    return evaluation_robustesse.tableau_cohortes(ev.estimations) if ev.deux_cohortes else None


def figure_cohortes(ev: EvaluationMois) -> Figure | None:
    return evaluation_robustesse.figure_cohortes(ev.estimations.cohortes) if ev.deux_cohortes else None


def sensibilite(ev: EvaluationMois) -> list[Bloc]:
    """Sensitivity and heterogeneity, with its heading (``evaluation.sensibilite``)."""
    if not ev.evaluable:
        return []
    return ["### Sensibilité et hétérogénéité", evaluation_robustesse.texte_sensibilite(evaluation.sensibilite(ev.periode), ev.estimations.mde)]


def tableau_sensibilite(ev: EvaluationMois) -> pd.DataFrame | None:
    return evaluation_robustesse.tableau_sensibilite(evaluation.sensibilite(ev.periode)) if ev.evaluable else None


def selection(ev: EvaluationMois) -> list[Bloc]:
    """The selection of the territories (their paths before entry), with its heading."""
    if not ev.deux_cohortes:
        return []
    return ["### Sélection des territoires : les trajectoires avant l'entrée",
            evaluation_robustesse.texte_selection(evaluation.selection(ev.periode), ev.estimations)]


def tableau_selection(ev: EvaluationMois) -> pd.DataFrame | None:
    return evaluation_robustesse.tableau_selection(evaluation.selection(ev.periode)) if ev.deux_cohortes else None


def figure_selection(ev: EvaluationMois) -> Figure | None:
    return evaluation_robustesse.figure_selection(evaluation.selection(ev.periode)) if ev.deux_cohortes else None


def controles(ev: EvaluationMois) -> list[Bloc]:
    """The synthetic controls of the four monographs, with their heading."""
    if not ev.evaluable:
        return []
    return ["### Contrôles synthétiques des quatre monographies",
            evaluation_controle_synthetique.texte_controles_monographies(evaluation.controles_monographies(ev.periode))]


def tableau_controles(ev: EvaluationMois) -> pd.DataFrame | None:
    if not ev.evaluable:
        return None
    return evaluation_controle_synthetique.tableau_controles_monographies(evaluation.controles_monographies(ev.periode))


def figure_industrie(ii: evaluation_industrie.ImpactIndustrie) -> Figure | None:
    """The event study on industrial employment, when the rule allows an estimate."""
    return evaluation_impact.event_study_figure(ii.result, source=SOURCE_INDUSTRIE) if ii.result is not None else None


# Why some territories do better

def tableau_regression(reussite: comparaison.Reussite) -> pd.DataFrame | None:
    return synthese.tableau_regression(reussite.regressions) if reussite.regressions else None


def figure_coefficients(reussite: comparaison.Reussite) -> Figure | None:
    """The coefficients of the local effect's regression."""
    if "ss_effet_local_pct" not in reussite.regressions:
        return None
    return sf.coefficients(reussite.regressions["ss_effet_local_pct"], synthese.COMPARAISON_LABELS,
                           "Points de pourcentage de l'emploi 2019", source=SOURCE_TYPOLOGIE)


def regions(reussite: comparaison.Reussite, periode: str) -> Bloc:
    """The territories of phase 1 by région, or why the growth since 2018 is not there yet."""
    if reussite.regions is not None:
        return synthese.tableau_regions_fr(reussite.regions)
    return fiche.texte_pas_encore(read_indicators(1, periode, "registre"), ["emploi_prive_tcam"], periode)


# France Relance

def texte_relance(par_departement: pd.DataFrame, mensuel: pd.DataFrame) -> str:
    return synthese.texte_relance(par_departement, mensuel, france_relance.regression_relance(par_departement))


def figure_relance_mois(par_departement: pd.DataFrame, mensuel: pd.DataFrame) -> Figure | None:
    """The helped firms per 100,000 inhabitants month after month, by weight of the TI."""
    if par_departement.empty:
        return None
    return lignes(mensuel.assign(date=pd.to_datetime(mensuel["mois"] + "-01")), "date", "entreprises_100k", "groupe",
                  ylabel="Entreprises pour 100 000 habitants", principale=france_relance.RELANCE_GROUPES[2],
                  ordre=list(france_relance.RELANCE_GROUPES)[::-1], source=SOURCE_RELANCE)


def tableau_relance(par_departement: pd.DataFrame) -> pd.DataFrame | None:
    return synthese.tableau_relance(par_departement) if not par_departement.empty else None


def nuage_relance(par_departement: pd.DataFrame) -> Figure | None:
    if par_departement.empty:
        return None
    return sf.nuage(par_departement, "part_population_ti", "entreprises_100k", "Part de la population en TI (%)",
                    "Entreprises aidées pour 100 000 habitants", label="lib_departement",
                    source=SOURCE_RELANCE + " ; INSEE, populations")


def carte_relance(ctx: Contexte, par_departement: pd.DataFrame) -> Figure | None:
    if par_departement.empty:
        return None
    return sf.carte_classes(geo.contours_departements().merge(par_departement, on="departement"), "entreprises_100k", ctx.regions,
                            "Entreprises pour 100 000 hab.", overlay=ctx.contours[1], overlay_label="Territoires d'industrie (phase 1)",
                            source=SOURCE_RELANCE + " ; IGN ; ANCT")


# Maps

def carte_acv(ctx: Contexte) -> Figure:
    """The Action cœur de ville towns inside and outside the territories of phase 2."""
    villes = referentiel.villes_programmes(2)
    acv = villes.loc[villes["programme"] == "ACV"]
    dans_ti = acv.groupby("id_programme")["id_ti"].agg(lambda s: s.notna().any())
    points = villes_points(acv).assign(dans_ti=lambda d: d["id_programme"].map(dans_ti))
    return sf.carte_points(points, "dans_ti", ctx.contours[2], ctx.regions, ("Ville ACV dans un TI", "Ville ACV hors TI"),
                           "Territoires d'industrie (phase 2)", source="ANCT (villes Action cœur de ville, territoires d'industrie) ; IGN")


def carte_phases(ctx: Contexte, faits_1: pd.DataFrame, faits_2: pd.DataFrame) -> Figure:
    """The territories of both phases side by side."""
    return sf.carte_phases({f"Phase 1 (2019-2022) : {_n_ti(faits_1)} territoires": ctx.contours[1],
                            f"Phase 2 (2023-2027) : {_n_ti(faits_2)} territoires": ctx.contours[2]},
                           ctx.regions, source="ANCT (contours des territoires d'industrie) ; IGN (régions)")


def carte_croissance(ctx: Contexte) -> Figure | None:
    """The growth of employment since 2018 in the territories of phase 2, once it is measured since 2018."""
    if not comparaison.depuis_2018(read_indicators(2, ctx.periode, "observations")):
        return None
    return sf.carte_classes(ctx.contours[2].merge(ctx.wide[2][["id_ti", "emploi_prive_tcam"]], on="id_ti"), "emploi_prive_tcam",
                            ctx.regions, "Croissance (%/an)", decimals=1, source="URSSAF, emploi salarié privé ; ANCT ; IGN")
