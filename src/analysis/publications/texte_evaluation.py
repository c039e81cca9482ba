"""The impact evaluation as published: French tables, sentences and the event-study figure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from analysis import texte
from analysis.analyses import evaluation_industrie, impact
from analysis.analyses import industrie as ia
from analysis.texte import nombre, pourcent, tableau

EPCI_LABELS = {
    "log_emploi_pre": "Emploi salarié privé 2018 (log)",
    "croissance_pre": "Croissance de l'emploi 2014-2018 (log)",
    "part_agri_industrie_2016": "Part de l'agriculture et de l'industrie 2016 (%)",
    "classe_densite": "Classe de densité (1 dense, 3 peu dense)",
}


def _effet(b: float) -> str:
    return texte.pourcent(impact.pct(b), signed=True)


def _ic(lo: float, hi: float, scale: Callable[[float], float] = impact.pct, decimals: int = 1) -> str:
    return f"[{nombre(scale(lo), decimals)} ; {nombre(scale(hi), decimals)}]"


def _p(p: float) -> str:
    """A p-value as a table cell: '0,042', '< 0,001'."""
    return "< 0,001" if p < 0.001 else nombre(p, 3)


def _p_egal(p: float) -> str:
    """A p-value in a sentence: 'p = 0,042', 'p < 0,001'."""
    return f"p {_p(p)}" if p < 0.001 else f"p = {_p(p)}"


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
        f"{pas_encore.years[0]}-{pas_encore.years[1]} ({_p_egal(ny['p_value'])}). Le placebo, qui fait comme si le programme "
        f"avait commencé en 2016, donne {_effet(pl['estimate'])} ({_p_egal(pl['p_value'])})"
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


def describe_did(result: impact.DidResult, outcome: str = "l'emploi salarié privé") -> str:
    """Two to four French sentences: effect in %, 95 % CI, p-value, pre-trend test, caveats."""
    row = result.estimate
    sig = "significatif" if row["p_value"] < 0.05 else "non significatif"
    text = (
        f"Sur {result.years[0]}-{result.years[1]}, {outcome} des {result.n_treated} EPCI "
        f"entrés dans le programme en {result.cohort} a évolué de {pourcent(impact.pct(row['estimate']), signed=True)} "
        f"par rapport aux {result.n_controls} EPCI {result.design.removeprefix('témoins ')} "
        f"(IC à 95 % : {pourcent(impact.pct(row['ci_low']))} à {pourcent(impact.pct(row['ci_high']))}, "
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
    return text + impact.CAVEATS


def event_study_figure(result: impact.DidResult | pd.DataFrame, title: str | None = None, percent: bool = True) -> Figure:
    """Event-study coefficients and 95 % CI by year relative to the start (French labels)."""
    es = result.event_study if isinstance(result, impact.DidResult) else result
    scale = impact.pct if percent else (lambda b: b)
    est, lo, hi = (scale(es[c].to_numpy()) for c in ("estimate", "ci_low", "ci_high"))
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.axhline(0, color="0.4", lw=0.8)
    ax.axvline(-0.5, color="0.4", lw=0.8, ls="--")
    ax.errorbar(es["rel_year"], est, yerr=[est - lo, hi - est], fmt="o", color="#1f4e79", capsize=3)
    ax.set_xlabel("Année relative au début du programme (référence : année précédente)")
    ax.set_ylabel("Effet estimé sur l'emploi (%)" if percent else "Effet estimé (points de log)")
    ax.set_xticks(es["rel_year"])
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def _perimetre_ape(file_id: str) -> str:
    """French description of what the commune × APE file covers."""
    if file_id == evaluation_industrie.APE_NATIONAL:
        return "le fichier national, qui couvre toute la France"
    perimetre = ia.PERIMETRE_APE.get(file_id, "une partie du territoire national")
    return f"l'extrait du miroir de données limité à {perimetre}, qui ne couvre qu'une partie de la France"


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
    if ii.result is None:
        return intro + (
            f"L'étude d'événement sur l'emploi industriel demande au moins {nombre(evaluation_industrie.MIN_EPCI_INDUSTRIE)} "
            f"EPCI traités, {nombre(evaluation_industrie.MIN_EPCI_INDUSTRIE)} EPCI témoins et "
            f"{nombre(evaluation_industrie.MIN_DEPARTEMENTS_INDUSTRIE)} départements : elle n'est pas estimée sur ce fichier."
        )
    return intro + describe_did(ii.result, outcome="l'emploi salarié industriel")
