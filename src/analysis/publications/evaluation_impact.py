"""The impact evaluation as published: French tables, sentences and the event-study figure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from analysis import texte
from analysis.analyses import evaluation_industrie, impact
from analysis.analyses import emploi_industriel as ia
from analysis.publications.figures import avec_donnees, ligne_source
from analysis.texte import nombre, pourcent, tableau

EPCI_LABELS = {
    impact.START_LEVEL: "Emploi salarié privé 2014 (log)",
    "part_agri_industrie_2011": "Part de l'agriculture et de l'industrie 2011 (%)",
    "part_agri_industrie_2016": "Part de l'agriculture et de l'industrie 2016 (%)",
    "classe_densite": "Classe de densité (1 dense, 3 peu dense)",
}

MISES_EN_GARDE = (
    "Les territoires d'industrie ont été retenus pour leur profil industriel : l'écart mesuré peut refléter des chocs "
    "propres aux territoires industriels plutôt que l'effet du programme. Les années 2020-2021 sont marquées par la crise "
    "sanitaire."
)

# Sources of the statements on programme dates and data (cited in the section's method note).
SOURCES = (
    "**Hypothèses et sources.** Le programme a été lancé le 22 novembre 2018 avec 124 territoires (CGET, dossier "
    "« Territoires d'industrie », cget.gouv.fr) ; la liste s'est allongée en 2019 (141 territoires en juillet 2019, à "
    "l'installation de l'observatoire des Territoires d'industrie, selon la Banque des Territoires) ; la liste de la phase 1 "
    "utilisée ici est celle arrêtée fin 2022, qui compte 149 territoires (jeu de données « Liste des territoires d'industrie et des communes concernées », "
    "data.gouv.fr). Tout EPCI de cette liste est compté comme traité dès 2019, y compris ceux des territoires ajoutés "
    "après 2018 : pour eux, les premières années comptées comme traitées ne le sont pas encore, ce qui rapproche de zéro "
    "les écarts des premières années après 2019 si le programme a un effet ; la liste ne donnant pas la date d'entrée de "
    "chaque territoire, l'ampleur de ce biais n'est pas mesurée. Les effectifs salariés de l'Urssaf proviennent, depuis "
    "mars 2015, de la déclaration sociale nominative (DSN), qui remplace progressivement le bordereau de cotisations ; "
    "depuis 2018, ils sont calculés par l'Urssaf à partir des données individuelles plutôt que déclarés par les "
    "entreprises (Acoss, « Les effectifs salariés », sources et méthodologie, acoss.fr). Ce changement touche tous les "
    "EPCI : il ne biaise la comparaison que s'il a pesé différemment sur les EPCI traités et sur les témoins."
)


def _ecart(b: float) -> str:
    return texte.pourcent(impact.pct(b), signed=True)


def _ic(lo: float, hi: float, scale: Callable[[float], float] = impact.pct, decimals: int = 1) -> str:
    return f"[{nombre(scale(lo), decimals)} ; {nombre(scale(hi), decimals)}]"


def _p(p: float) -> str:
    """A p-value as a table cell: '0,042', '< 0,001'."""
    return "< 0,001" if p < 0.001 else nombre(p, 3)


def _p_egal(p: float) -> str:
    """A p-value in a sentence: 'p = 0,042', 'p < 0,001'."""
    return f"p {_p(p)}" if p < 0.001 else f"p = {_p(p)}"


def _ligne(label: str, row: Mapping, years: str = "–") -> dict:
    counts = f"{nombre(row['n_treated'])} / {nombre(row['n_controls'])}" if "n_treated" in row else "–"
    return {"Estimation": label, "Années": years, "Écart estimé": _ecart(row["estimate"]),
            "IC à 95 % (%)": _ic(row["ci_low"], row["ci_high"]), "p": _p(row["p_value"]), "EPCI traités / témoins": counts}


def tableau_did(rows: Mapping[str, impact.DidResult | pd.DataFrame]) -> pd.DataFrame:
    """One row per design: estimate (% of employment), 95 % CI, p-value, EPCI treated / controls.
    Values: a ``DidResult``, a ``SUMMARY`` row or a tidy row (placebo)."""
    out = []
    for label, res in rows.items():
        if isinstance(res, impact.DidResult):
            out.append(_ligne(label, res.summary.iloc[0], f"{res.years[0]}-{res.years[1]}"))
        else:
            out.append(_ligne(label, res.iloc[0]))
    return pd.DataFrame(out)


def texte_tendances(principal: impact.DidResult, non_pondere: impact.DidResult) -> str:
    """French paragraph on the years before the programme in the weighted and unweighted event studies."""
    def leads(res: impact.DidResult) -> pd.DataFrame:
        return res.event_study.loc[res.event_study["rel_year"] <= -2]

    w, u = leads(principal), leads(non_pondere)
    sig = int(((w["ci_low"] > 0) | (w["ci_high"] < 0)).sum())
    first, last = w.iloc[0], w.iloc[-1]
    verdict = ("ne rejette pas l'hypothèse de tendances parallèles" if principal.pretrend.p_value >= 0.05
               else "rejette l'hypothèse de tendances parallèles")
    text = (
        f"La pondération n'égalise que le niveau d'emploi de {principal.years[0]}, la structure du recensement et la densité : "
        f"les écarts des années {int(first['year'])} à {int(last['year'])} ne sont pas nuls par construction et peuvent révéler "
        f"des tendances différentes. Avec la pondération, l'écart avant {principal.cohort} passe de {_ecart(first['estimate'])} "
        f"en {int(first['year'])} à {_ecart(last['estimate'])} en {int(last['year'])} (référence {principal.cohort - 1}) ; "
        f"le test joint {verdict} ({_p_egal(principal.pretrend.p_value)})"
    )
    if sig:
        text += (f", mais {texte.pluriel(sig, 'écart')} sur {nombre(len(w))} {'est significatif' if sig == 1 else 'sont significatifs'} "
                 "au seuil de 5 % pris isolément : les EPCI traités perdaient déjà du terrain sur des témoins de même taille avant "
                 "le programme, et une partie de l'écart d'après 2019 peut prolonger cette pente")
    return text + (
        f". Sans pondération, les écarts d'avant {non_pondere.cohort} vont de {_ecart(u['estimate'].min())} à "
        f"{_ecart(u['estimate'].max())} (test joint : {_p_egal(non_pondere.pretrend.p_value)})."
    )


def texte_placebo(principal: impact.DidResult, placebo: pd.DataFrame, placebo_non_pondere: pd.DataFrame, debut: int) -> str:
    """French sentences on the placebo, by its size relative to the main estimate."""
    pl, pu, b = placebo.iloc[0], placebo_non_pondere.iloc[0], principal.estimate["estimate"]
    ratio = 100 * pl["estimate"] / b
    lecture = (
        f"un écart de cette taille, {nombre(principal.cohort - debut)} ans avant le programme, interdit d'attribuer tout cet écart "
        "au programme"
        if abs(ratio) >= 25 else "il est petit au regard de l'écart de la double différence pondérée"
    )
    return (
        f"Le placebo fait comme si le programme avait commencé en {debut} et n'utilise que les années d'avant {principal.cohort}. "
        f"Avec la pondération, il donne {_ecart(pl['estimate'])} (IC à 95 % {_ic(pl['ci_low'], pl['ci_high'])}, "
        f"{_p_egal(pl['p_value'])}), soit {nombre(abs(ratio), 0)} % de l'écart de la double différence pondérée ({_ecart(b)}) en valeur absolue "
        f"{'et de même signe' if ratio > 0 else 'mais de signe opposé'} : {lecture}. Sans pondération, il donne "
        f"{_ecart(pu['estimate'])} ({_p_egal(pu['p_value'])})."
    )


def texte_did_variantes(principal: impact.DidResult, pas_encore: impact.DidResult) -> str:
    """French sentences on the not-yet-treated design and the effective number of controls."""
    ny = pas_encore.estimate
    return (
        "Avec les témoins « pas encore traités » — les EPCI qui n'entrent qu'en phase 2, sans doute plus proches des EPCI de "
        f"la phase 1 que des EPCI jamais retenus —, l'écart est de {_ecart(ny['estimate'])} sur "
        f"{pas_encore.years[0]}-{pas_encore.years[1]} ({_p_egal(ny['p_value'])}). La pondération ramène les "
        f"{nombre(principal.n_controls)} témoins à un effectif équivalent de {nombre(principal.weights.effective_controls)} "
        "EPCI : autant de témoins de même poids apporteraient la même précision (le carré de la somme des poids rapporté "
        "à la somme des carrés des poids) ; le tableau suivant montre l'équilibre obtenu."
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
    for observation, t in tables.items():
        for r in t.itertuples():
            rows.append({"Période": observation, "Modèle": r.modele, "Écart TI − hors TI (points)": nombre(r.estimate, 2),
                         "IC à 95 %": _ic(r.ci_low, r.ci_high, lambda b: b, 2), "p": _p(r.p_value), "EPCI": nombre(r.n_obs)})
    return pd.DataFrame(rows)


def texte_long_difference(tables: Mapping[str, pd.DataFrame]) -> str:
    """One French sentence per period on the change of the agriculture + industry share."""
    parts = []
    for observation, t in tables.items():
        fe = t.loc[t["modele"] == "avec effets fixes région"].iloc[0]
        sens = "plus" if fe["estimate"] > 0 else "moins"
        sig = "significatif" if fe["p_value"] < 0.05 else "non significatif au seuil de 5 %"
        parts.append(
            f"Sur {observation}, la part de l'agriculture et de l'industrie dans l'emploi a évolué de {nombre(abs(fe['estimate']), 2)} point "
            f"{'de plus' if sens == 'plus' else 'de moins'} dans les EPCI des territoires d'industrie de la phase 1 que dans les EPCI "
            f"jamais couverts, à région donnée (IC à 95 % {_ic(fe['ci_low'], fe['ci_high'], lambda b: b, 2)}, {sig})."
        )
    return " ".join(parts) + (
        " Les recensements de 2011 et 2016 précèdent le programme : seule la période qui inclut 2019-2022 peut en porter la trace, "
        "et le recensement 2022 (collectes 2020-2024) n'en capte qu'une partie."
    )


def describe_did(result: impact.DidResult, outcome: str = "l'emploi salarié privé") -> str:
    """Two to four French sentences: estimated gap in %, 95 % CI, p-value, pre-trend test, caveats."""
    row = result.estimate
    sig = "significatif" if row["p_value"] < 0.05 else "non significatif"
    text = (
        f"Sur {result.years[0]}-{result.years[1]}, {outcome} des {nombre(result.n_treated)} EPCI "
        f"entrés dans le programme en {result.cohort} a évolué de {pourcent(impact.pct(row['estimate']), signed=True)} "
        f"par rapport aux {nombre(result.n_controls)} EPCI {result.design.removeprefix('témoins ')} "
        f"{'repondérés ' if result.weights is not None else ''}"
        f"(écart estimé ; IC à 95 % : {pourcent(impact.pct(row['ci_low']))} à {pourcent(impact.pct(row['ci_high']))}, "
        f"{_p_egal(row['p_value'])} ; écart {sig} au seuil de 5 %). "
    )
    if result.pretrend is not None:
        pt = result.pretrend
        verdict = (
            "ne rejette pas l'hypothèse de tendances parallèles"
            if pt.p_value >= 0.05
            else "rejette l'hypothèse de tendances parallèles, ce qui invite à la prudence"
        )
        text += f"Le test joint des écarts avant {result.cohort} ({_p_egal(pt.p_value)}) {verdict}. "
    return text + MISES_EN_GARDE


SERIES_COULEURS = ("#1f4e79", "#c55a11", "#548235", "#7f6000")


def event_study_figure(
    results: impact.DidResult | pd.DataFrame | Mapping[str, impact.DidResult | pd.DataFrame],
    title: str | None = None,
    percent: bool = True,
    xlabel: str = "Année relative au début du programme (référence : année précédente)",
    source: str | None = None,
) -> Figure:
    """Event-study coefficients and 95 % CI by year relative to the start (French labels); several
    labelled series side by side (e.g. weighted and unweighted), slightly offset."""
    series = results if isinstance(results, Mapping) else {"": results}
    scale = impact.pct if percent else (lambda b: b)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.axhline(0, color="0.4", lw=0.8)
    ax.axvline(-0.5, color="0.4", lw=0.8, ls="--")
    width = 0.3 if len(series) > 1 else 0.0
    ticks: set[int] = set()
    drawn = []
    for i, (label, res) in enumerate(series.items()):
        es = res.event_study if isinstance(res, impact.DidResult) else res
        est, lo, hi = (scale(es[c].to_numpy()) for c in ("estimate", "ci_low", "ci_high"))
        drawn.append(pd.DataFrame({"serie": label, "annee_relative": es["rel_year"].to_numpy(), "ecart": est, "ic_bas": lo, "ic_haut": hi}))
        offset = (i - (len(series) - 1) / 2) * width / max(len(series) - 1, 1)
        ax.errorbar(es["rel_year"] + offset, est, yerr=[est - lo, hi - est], fmt="o", capsize=3,
                    color=SERIES_COULEURS[i % len(SERIES_COULEURS)], label=label or None)
        ticks |= set(int(k) for k in es["rel_year"])
    ax.set_xlabel(xlabel)
    unit = "Écart estimé sur l'emploi (%)" if percent else "Écart estimé (points de log)"
    ax.set_ylabel(unit)
    ax.set_xticks(sorted(ticks))
    if len(series) > 1:
        ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    ligne_source(fig, source)
    fig.tight_layout(rect=(0, 0.04 if source else 0, 1, 1))
    return avec_donnees(fig, pd.concat(drawn, ignore_index=True), unit + ", intervalle de confiance à 95 %", source)


def _perimetre_ape(file_id: str) -> str:
    """French description of what the commune × APE file covers."""
    if file_id == evaluation_industrie.APE_NATIONAL:
        return "le fichier national publié par l'URSSAF"
    perimetre = ia.PERIMETRE_APE.get(file_id, "une partie du territoire national")
    return f"un extrait limité à {perimetre}, qui ne couvre qu'une partie de la France"


def texte_pas_encore_did(cohort: int, derniere_annee: int, outcome: str = "l'emploi salarié privé") -> str:
    """One sentence: the DiD of ``cohort`` cannot be estimated yet (its entry year is not published)."""
    return (
        f"L'évaluation des EPCI entrés dans le programme en {cohort} n'est pas encore possible : elle compare {outcome} "
        f"avant et après l'entrée, et celui de {cohort} n'est pas encore publié (dernière année publiée : {derniere_annee})."
    )


def texte_impact_industrie(ii: evaluation_industrie.ImpactIndustrie) -> str:
    """French paragraph: what the commune × APE file covers, the EPCI compared, and the estimate
    on industrial employment or why there is none (nothing is extrapolated)."""
    n_t, n_c, n_dep = ii.n_traites, ii.n_temoins, ii.n_departements
    intro = (
        f"Le fichier URSSAF des effectifs salariés par commune et code APE utilisé est {_perimetre_ape(ii.fichier)}. "
        f"{nombre(ii.n_couverts)} des {nombre(ii.n_epci)} EPCI de France y figurent avec toutes leurs communes (au moins "
        f"{nombre(100 * ia.SEUIL_COUVERTURE)} % de leur population) ; parmi eux, avec les covariables du recensement (France "
        f"métropolitaine), {nombre(n_t)} {'sont entrés' if n_t > 1 else 'est entré'} dans le programme en {ii.cohort} et "
        f"{nombre(n_c)} {'servent' if n_c > 1 else 'sert'} de témoin{'s' if n_c > 1 else ''} ({nombre(n_dep)} "
        f"département{'s' if n_dep > 1 else ''}). Les EPCI couverts en partie sont écartés et rien n'est extrapolé. "
    )
    if ii.result is None and ii.derniere_annee < ii.cohort:
        return intro + texte_pas_encore_did(ii.cohort, ii.derniere_annee, "l'emploi salarié industriel")
    if ii.result is None:
        return intro + (
            f"L'étude d'événement sur l'emploi industriel demande au moins {nombre(evaluation_industrie.MIN_EPCI_INDUSTRIE)} "
            f"EPCI traités, {nombre(evaluation_industrie.MIN_EPCI_INDUSTRIE)} EPCI témoins et "
            f"{nombre(evaluation_industrie.MIN_DEPARTEMENTS_INDUSTRIE)} départements : elle n'est pas estimée sur ce fichier."
        )
    return intro + describe_did(ii.result, outcome="l'emploi salarié industriel")
