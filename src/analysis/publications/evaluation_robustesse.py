"""The robustness of the impact evaluation as published: cohort-robust estimates beside the TWFE,
the sensitivity table and the pre-entry trajectories of the cohorts (French tables, sentences
and figures)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis import texte
from analysis.analyses import cohortes, evaluation, impact, tendances
from analysis.publications.figures import avec_donnees, lignes
from analysis.publications.methodes import LIMITE_RM_COURTE
from analysis.publications.evaluation_impact import _ecart, _ic, _ligne, _p, _p_egal, event_study_figure
from analysis.texte import nombre

COHORTE_LIBELLES = {2019: "EPCI entrés en 2019 (phase 1)", 2023: "EPCI entrés en 2023 (phase 2 seule)"}


def tableau_cohortes(est: evaluation.Estimations) -> pd.DataFrame:
    """TWFE (pooled and per cohort) beside the Callaway & Sant'Anna estimates, overall and by cohort."""
    rows = [_ligne("Double différence, cohortes 2019 et 2023 regroupées", est.regroupe.iloc[0])]
    for label, res in (("Double différence, cohorte 2019, sans pondération", est.non_pondere),):
        rows.append(_ligne(label, res.summary.iloc[0]))
    for cs, temoins in ((est.cohortes, "témoins jamais traités"), (est.cohortes_pas_encore, "témoins jamais ou pas encore traités")):
        rows.append(_ligne(f"Par cohortes, ensemble, {temoins}", cs.overall.iloc[0]))
        for r in cs.by_cohort.itertuples():
            rows.append(_ligne(f"Par cohortes, cohorte {r.cohort}, {temoins}", r._asdict()))
    out = pd.DataFrame(rows)
    return out.drop(columns="Années")


def _ecart2(b: float) -> str:
    """A log-point gap in % with two decimals (for sums the reader can check)."""
    return texte.pourcent(impact.pct(b), 2, signed=True)


def texte_cohortes(est: evaluation.Estimations) -> str:
    """French paragraph: why the cohort-robust estimates and the TWFE agree or differ."""
    cs, twfe = est.cohortes, est.non_pondere
    by = cs.by_cohort.set_index("cohort")
    leads = twfe.event_study.loc[twfe.event_study["rel_year"] < 0, "estimate"]  # reference year included (0)
    post = twfe.event_study.loc[twfe.event_study["rel_year"] >= 0, "estimate"]
    overall = cs.overall.iloc[0]
    return (
        "La double différence qui regroupe les deux cohortes compare aussi, sans le dire, les entrants de 2023 aux EPCI déjà "
        "traités depuis 2019 ; l'estimateur de Callaway et Sant'Anna (2021) ne compare chaque cohorte qu'à des EPCI jamais "
        f"(ou pas encore) traités, année par année. Il donne {_ecart(overall['estimate'])} pour l'ensemble des EPCI traités "
        f"(IC à 95 % {_ic(overall['ci_low'], overall['ci_high'])}), contre {_ecart(est.regroupe.iloc[0]['estimate'])} pour la "
        f"double différence regroupée ; {_ecart(by.loc[2019, 'estimate'])} pour la cohorte 2019 et "
        f"{_ecart(by.loc[2023, 'estimate'])} pour la cohorte 2023 ({_p_egal(by.loc[2023, 'p_value'])}). Pour la cohorte 2019, "
        f"l'écart avec la double différence sans pondération ({_ecart2(twfe.estimate['estimate'])}) ne vient pas de "
        f"l'hétérogénéité entre cohortes mais de la référence : la double différence compare les années {twfe.cohort}-"
        f"{twfe.years[1]} à la moyenne de {twfe.years[0]}-{twfe.cohort - 1}, l'estimateur par cohortes à la seule année "
        f"{twfe.cohort - 1} ; comme les EPCI traités étaient un peu au-dessus de cette référence avant {twfe.cohort} (écart moyen "
        f"{_ecart2(leads.mean())} sur {twfe.years[0]}-{twfe.cohort - 1}), la double différence donne un écart plus grand "
        f"(moyenne des écarts d'après {twfe.cohort} : {_ecart2(post.mean())}, moins {_ecart2(leads.mean()).lstrip('+')}). Le test joint des écarts d'avant l'entrée des deux "
        f"cohortes ne rejette {'pas ' if cs.pretrend.p_value >= 0.05 else ''}l'hypothèse de tendances parallèles "
        f"({_p_egal(cs.pretrend.p_value)})."
    )


def figure_cohortes(cs: cohortes.CohortResult) -> Figure:
    """ATT(g, t) of each cohort by year relative to its entry, 95 % CI (reference: the year before)."""
    series = {}
    for g, part in cs.group_time.groupby("cohort"):
        ref = pd.DataFrame([{"rel_year": -1, "estimate": 0.0, "ci_low": 0.0, "ci_high": 0.0}])
        series[COHORTE_LIBELLES.get(int(g), str(g))] = pd.concat([part, ref], ignore_index=True).sort_values("rel_year")
    return event_study_figure(series, xlabel="Année relative à l'entrée de la cohorte (référence : année précédente)",
                              source="URSSAF, emploi salarié privé par commune ; ANCT ; calculs de l'observatoire")


DIMENSIONS = {"principale": "Référence du tableau", "couverture": "Seuil de couverture", "annees": "Années",
              "ponderation": "Pondération", "profil": "Profil (phase 1)", "region": "Région"}


def _modalite(r: pd.Series) -> str:
    if r["dimension"] == "principale":
        return "double différence de la cohorte 2019, seuil 50 %, 2014 à la dernière année, pondérée"
    if r["dimension"] == "couverture":
        return f"{r['modalite']} % de la population au moins"
    if r["dimension"] == "annees":
        return f"sans {r['modalite']}"
    return r["modalite"]


def tableau_sensibilite(sens: pd.DataFrame) -> pd.DataFrame:
    """One row per variant of the main design: estimate, CI, p, EPCI and départements ('non estimé'
    for the subgroups too small or impossible to balance)."""
    def cells(r: pd.Series) -> dict:
        if pd.isna(r["estimate"]):
            return {"Écart estimé": "non estimé", "IC à 95 % (%)": "–", "p": "–",
                    "Départements": "–" if pd.isna(r["n_clusters"]) else nombre(r["n_clusters"])}
        return {"Écart estimé": _ecart(r["estimate"]), "IC à 95 % (%)": _ic(r["ci_low"], r["ci_high"]), "p": _p(r["p_value"]),
                "Départements": nombre(r["n_clusters"])}

    return pd.DataFrame([
        {"Variante": DIMENSIONS[r["dimension"]],
         "Modalité": _modalite(r) + (" (IC par bootstrap)" if "bootstrap" in str(r["design"]) else ""), **cells(r),
         "EPCI traités / témoins": f"{nombre(r['n_treated'])} / {nombre(r['n_controls'])}"}
        for _, r in sens.iterrows()
    ])


def _etendue(part: pd.DataFrame) -> str:
    est = part.dropna(subset=["estimate"])
    lo, hi = est.loc[est["estimate"].idxmin()], est.loc[est["estimate"].idxmax()]
    n_sig = int((est["p_value"] < 0.05).sum())
    absent = part.loc[part["estimate"].isna(), "modalite"].tolist()
    non_estime = (f" ({', '.join(absent)} : non {'estimée' if len(absent) == 1 else 'estimées'}, trop peu d'EPCI ou de "
                  "départements, ou équilibrage impossible)") if absent else ""
    return (f"de {_ecart(lo['estimate'])} ({lo['modalite']}) à {_ecart(hi['estimate'])} ({hi['modalite']}) ; il est significatif "
            f"au seuil de 5 % dans {nombre(n_sig)} cas sur {nombre(len(est))}{non_estime}")


def _texte_regions(regions: pd.DataFrame) -> str:
    """The sentence on the estimates by région: wild cluster bootstrap intervals below
    ``evaluation.MIN_DEPARTEMENTS`` départements, no estimate below ``evaluation.MIN_DEPARTEMENTS_BOOTSTRAP``."""
    est = regions.dropna(subset=["estimate"])
    few = est["n_clusters"] < evaluation.MIN_DEPARTEMENTS
    text = "Par région, avec les seuls témoins de la région, " + (f"l'écart va {_etendue(regions)}." if len(est) else "aucun écart n'est estimé.")
    if few.any():
        text += (f" {texte.pluriel(int(few.sum()), 'estimation régionale', 'estimations régionales')} sur {nombre(len(est))} "
                 f"{'repose' if few.sum() == 1 else 'reposent'} sur moins de {nombre(evaluation.MIN_DEPARTEMENTS)} départements "
                 f"({nombre(est.loc[few, 'n_clusters'].min())} à {nombre(est.loc[few, 'n_clusters'].max())}) : trop peu de grappes "
                 "pour des écarts-types groupés, leurs intervalles et leurs p viennent d'un bootstrap sauvage par grappes "
                 "(restreint, poids de Webb), plus large.")
    return text


def texte_sensibilite(sens: pd.DataFrame, mde: float) -> str:
    """One French sentence per dimension of the sensitivity table, and the minimal detectable effect."""
    d = {k: g for k, g in sens.groupby("dimension")}
    main = d["principale"].iloc[0]
    cov = d["couverture"]
    n_moins = int(main["n_treated"] - cov["n_treated"].min())
    parts = [
        f"Relever le seuil de couverture à {' puis '.join(f'{m} %' for m in cov['modalite'])} de la population donne "
        f"{' et '.join(_ecart(v) for v in cov['estimate'])} ({texte.pluriel(n_moins, 'EPCI traité')} de moins).",
        f"Sans les années {d['annees'].iloc[0]['modalite']}, l'écart est de {_ecart(d['annees'].iloc[0]['estimate'])} "
        f"({_p_egal(d['annees'].iloc[0]['p_value'])}).",
        f"Sans pondération, il est de {_ecart(d['ponderation'].iloc[0]['estimate'])} ({_p_egal(d['ponderation'].iloc[0]['p_value'])}).",
        f"Selon le profil du territoire dans la typologie de la phase 1 (tous les témoins gardés), l'écart va {_etendue(d['profil'])}.",
        _texte_regions(d["region"]),
        f"Avec la précision de l'estimation principale (par cohortes), l'écart minimal détectable à 80 % de puissance (test bilatéral à 5 %) "
        f"est de {texte.pourcent(impact.pct(mde))} en valeur absolue : un effet réel plus petit aurait moins de quatre chances sur "
        "cinq d'être détecté.",
    ]
    return " ".join(parts)


GROUPES = {"phase 1": "EPCI entrés en 2019 (phase 1)", "phase 2 seule": "EPCI entrés en 2023 (phase 2 seule)",
           evaluation.JAMAIS: "EPCI jamais retenus"}


def tableau_selection(sel: evaluation.Selection) -> pd.DataFrame:
    """Growth of each group over each period and its difference to the never-treated EPCI."""
    rows = []
    for _, r in sel.croissance.iterrows():
        ref = pd.isna(r["estimate"])
        rows.append({"Période": r["intervalle"], "Groupe": GROUPES[r["groupe"]], "EPCI": nombre(r["n"]),
                     "Croissance de l'emploi": _ecart(r["mean"]),
                     "Écart aux EPCI jamais retenus": "référence" if ref else _ecart(r["estimate"]),
                     "IC à 95 % (%)": "–" if ref else _ic(r["ci_low"], r["ci_high"]), "p": "–" if ref else _p(r["p_value"])})
    return pd.DataFrame(rows)


def texte_selection(sel: evaluation.Selection, est: evaluation.Estimations) -> str:
    """French paragraph: the conclusion the pre-entry trajectories support."""
    c = sel.croissance.set_index(["intervalle", "groupe"])
    p1 = c.loc[("2014-2018", "phase 1")]
    p2a, p2b = c.loc[("2014-2018", "phase 2 seule")], c.loc[("2018-2022", "phase 2 seule")]
    by = est.cohortes.by_cohort.set_index("cohort")
    pre_ok = all(r["p_value"] >= 0.05 for r in (p1, p2a, p2b))
    gaps = all(by.loc[g, "ci_high"] < 0 for g in (2019, 2023))
    text = (
        "Avant leur entrée, l'écart de croissance de l'emploi avec les EPCI jamais retenus est de "
        f"{_ecart(p1['estimate'])} pour les EPCI de la phase 1 sur 2014-2018 ({_p_egal(p1['p_value'])}) ; pour les EPCI de la "
        f"phase 2 seule, il est de {_ecart(p2a['estimate'])} sur 2014-2018 ({_p_egal(p2a['p_value'])}) et de "
        f"{_ecart(p2b['estimate'])} sur 2018-2022 ({_p_egal(p2b['p_value'])}). "
    )
    if pre_ok and gaps:
        return text + (
            "Aucune de ces différences sur quatre ans n'est significative au seuil de 5 %, et un écart négatif apparaît après "
            f"l'entrée dans les deux cohortes ({_ecart(by.loc[2019, 'estimate'])} pour 2019, {_ecart(by.loc[2023, 'estimate'])} "
            "pour 2023, estimation par cohortes). Ces différences non significatives ne prouvent pas des tendances parallèles : "
            "année par année, les EPCI de la phase 1 perdaient déjà un peu de terrain avant 2019, et une partie de l'écart "
            "d'après peut prolonger cette pente (voir la sensibilité aux tendances ci-dessus). Les chiffres ne permettent pas "
            "non plus d'exclure que les territoires aient été retenus sur des difficultés que l'emploi annuel ne montre "
            "qu'ensuite (annonces de fermeture, pertes de marchés)."
        )
    if not pre_ok:
        return text + (
            "Au moins une de ces différences est significative au seuil de 5 % : les entrants suivaient déjà une trajectoire "
            "différente avant leur entrée, et l'écart mesuré après ne peut être attribué au programme sans la prolonger."
        )
    return text + (
        "Aucune de ces différences n'est significative au seuil de 5 %, et l'écart d'après l'entrée n'est pas négatif dans les "
        "deux cohortes : les chiffres ne montrent ni sélection sur la trajectoire d'emploi ni écart commun aux deux entrées."
    )


def figure_selection(sel: evaluation.Selection) -> Figure:
    """Geometric mean employment index (base 100 in the first year) of the three groups."""
    data = sel.trajectoires.assign(groupe=sel.trajectoires["groupe"].map(GROUPES))
    return lignes(data, "year", "indice", "groupe", principale=GROUPES["phase 1"], reference=100,
                  ylabel=f"Indice (base 100 en {int(data['year'].min())})", source="URSSAF ; calculs de l'observatoire",
                  ordre=list(GROUPES.values()))


# ----------------------------------------------------------------------------- headline and sensitivity to trends

# Robustness lines of ``evaluation.lignes_principales``: label and why each differs from the headline.
LIGNES = {
    evaluation.PRINCIPALE: ("Principale : par cohortes, témoins jamais retenus", "—"),
    "twfe_pondere": ("Double différence, cohorte 2019, pondérée",
                     "cohorte 2019 seule ; référence : moyenne des années d'avant l'entrée et non 2018 seule ; témoins "
                     "repondérés (emploi 2014, recensement, densité)"),
    "twfe_non_pondere": ("Double différence, cohorte 2019, sans pondération",
                         "cohorte 2019 seule ; référence : moyenne des années d'avant l'entrée et non 2018 seule"),
    "pas_encore": ("Double différence, cohorte 2019, témoins pas encore traités (pondérée)",
                   "témoins : EPCI entrés en 2023, sur les années 2014-2022 seulement"),
    "cs_pas_encore": ("Par cohortes, témoins jamais ou pas encore traités",
                      "les entrants de 2023 servent aussi de témoins avant leur entrée"),
    "regroupe": ("Double différence, cohortes regroupées",
                 "une seule indicatrice pour les deux cohortes : compare aussi les entrants de 2023 aux EPCI traités depuis 2019"),
    "cohorte_2019": ("Par cohortes, cohorte 2019", "une cohorte : la principale en est la moyenne pondérée par le nombre d'EPCI"),
    "cohorte_2023": ("Par cohortes, cohorte 2023", "une cohorte, observée un petit nombre d'années après son entrée"),
    "phase2": ("Double différence, cohorte 2023, pondérée",
               "cohorte 2023 seule ; référence : moyenne des années d'avant 2023 ; témoins repondérés"),
    "exposition": ("Par cohortes, à structure sectorielle égale",
                   "tendances parallèles à part de l'agriculture et de l'industrie égale (recensements 2011 et 2016) : "
                   "retire un choc de n'importe quelle ampleur chaque année, en proportion de cette part"),
    "exposition_bartik": ("Par cohortes, net de l'emploi prédit par les secteurs",
                          "emploi rapporté à sa prédiction par les parts de 2016 des quatre secteurs et leur évolution "
                          "nationale (INSEE) ; années couvertes par la série nationale seulement"),
    "exposition_haute": ("Par cohortes, EPCI traités les plus exposés",
                         "EPCI traités sous la médiane des traités pour la croissance de l'emploi prédite par leurs secteurs, "
                         f"{evaluation.EXPOSITION_ANNEES[0]}-{evaluation.EXPOSITION_ANNEES[1]}"),
    "exposition_basse": ("Par cohortes, EPCI traités les moins exposés",
                         "EPCI traités à la médiane des traités ou au-dessus pour la croissance de l'emploi prédite par leurs "
                         f"secteurs, {evaluation.EXPOSITION_ANNEES[0]}-{evaluation.EXPOSITION_ANNEES[1]}"),
    "sans_acv": ("Par cohortes, sans les EPCI Action cœur de ville",
                 "EPCI qui comptent une ville Action cœur de ville (liste de 2018) écartés, traités comme témoins"),
    "relance_haute": ("Par cohortes, EPCI traités des départements les plus aidés par France Relance",
                      "autre question : EPCI traités dont le département dépasse la médiane des traités pour les entreprises "
                      "industrielles aidées par France Relance (fin 2022) pour 1 000 emplois salariés privés de 2019"),
    "relance_basse": ("Par cohortes, EPCI traités des départements les moins aidés par France Relance",
                      "autre question : EPCI traités dont le département est à la médiane des traités ou en dessous pour les "
                      "entreprises industrielles aidées par France Relance (fin 2022) pour 1 000 emplois salariés privés de 2019"),
    "sans_voisins": ("Par cohortes, sans les témoins voisins",
                     "témoins : les seuls EPCI jamais retenus sans frontière commune avec un EPCI traité"),
    "voisins": ("Voisins des EPCI traités contre EPCI éloignés",
                "autre question : écart des EPCI jamais retenus voisins d'un EPCI traité, depuis l'entrée de leurs voisins, "
                "contre les EPCI jamais retenus éloignés (un déplacement d'emplois vers les traités le rendrait négatif)"),
}
# Lines that estimate another quantity than the headline (left out of the range of the robustness lines).
AUTRES_QUESTIONS = ("voisins", "exposition_haute", "exposition_basse", "relance_haute", "relance_basse")


def tableau_principal(lignes_: pd.DataFrame) -> pd.DataFrame:
    """The headline and its robustness lines (``evaluation.lignes_principales``): gap, 95 % CI, p,
    EPCI treated / controls, départements, and why each line differs from the headline."""
    rows = []
    for r in lignes_.to_dict("records"):
        label, raison = LIGNES[r["ligne"]]
        cells = _ligne(label, r)
        cells.pop("Années")
        rows.append({**cells, "Départements": nombre(r["n_clusters"]), "Pourquoi elle diffère": raison})
    return pd.DataFrame(rows)


def _pct_abs(b: float) -> str:
    """A log-point gap as an unsigned percentage, one decimal."""
    return texte.pourcent(abs(impact.pct(b)))


def texte_principal(lignes_: pd.DataFrame) -> str:
    """The opening sentences of the evaluation: the headline by the rule and the range of the robustness lines."""
    rows = lignes_.set_index("ligne")
    h = rows.loc[evaluation.PRINCIPALE]
    others = rows.drop(index=[evaluation.PRINCIPALE, *(k for k in AUTRES_QUESTIONS if k in rows.index)])
    sig = "significatif" if h["p_value"] < 0.05 else "non significatif"
    lo, hi = others["estimate"].idxmin(), others["estimate"].idxmax()
    return (
        f"**Estimation principale.** Après leur entrée dans le programme, l'emploi salarié privé des {nombre(h['n_treated'])} "
        f"EPCI traités a évolué de {_ecart(h['estimate'])} par rapport aux {nombre(h['n_controls'])} EPCI jamais retenus "
        f"(écart estimé par cohortes ; IC à 95 % {_ic(h['ci_low'], h['ci_high'])}, {_p_egal(h['p_value'])} ; {sig} au seuil de "
        f"5 %). Les {nombre(len(others))} lignes de robustesse vont de {_ecart(rows.loc[lo, 'estimate'])} "
        f"({LIGNES[lo][0][0].lower() + LIGNES[lo][0][1:]}) à {_ecart(rows.loc[hi, 'estimate'])} "
        f"({LIGNES[hi][0][0].lower() + LIGNES[hi][0][1:]}) ; le tableau suivant dit pourquoi chacune diffère."
    )


def texte_contexte(lignes_: pd.DataFrame) -> str:
    """French sentences on the lines that set apart Action cœur de ville and the neighbours of the
    treated EPCI (``evaluation.lignes_contexte``), against the headline."""
    rows = lignes_.set_index("ligne")
    h, acv, sv, v = (rows.loc[k] for k in (evaluation.PRINCIPALE, "sans_acv", "sans_voisins", "voisins"))
    n_acv = int(h["n_treated"] + h["n_controls"] - acv["n_treated"] - acv["n_controls"])
    n_v = int(v["n_treated"])
    sig = "significatif" if v["p_value"] < 0.05 else "non significatif au seuil de 5 %"
    return (
        f"Sans les {nombre(n_acv)} EPCI qui comptent une ville Action cœur de ville, programme lancé en même temps, l'écart "
        f"est de {_ecart(acv['estimate'])} (IC à 95 % {_ic(acv['ci_low'], acv['ci_high'])}), contre {_ecart(h['estimate'])} "
        f"pour l'estimation principale. {nombre(n_v)} des {nombre(h['n_controls'])} EPCI jamais retenus ont une frontière "
        f"commune avec un EPCI traité : si le programme déplaçait des emplois de part et d'autre de ces frontières, ces témoins "
        f"perdraient ce que les traités gagnent. Sans eux, il ne reste que {nombre(sv['n_controls'])} témoins et l'écart est de "
        f"{_ecart(sv['estimate'])} (IC à 95 % {_ic(sv['ci_low'], sv['ci_high'])}). Comparés aux EPCI éloignés depuis l'entrée "
        f"de leurs voisins, les EPCI voisins ont un écart de {_ecart(v['estimate'])} (IC à 95 % {_ic(v['ci_low'], v['ci_high'])}, "
        f"{sig}) : "
        + (("les chiffres ne montrent pas de déplacement d'emplois mesurable"
            + (", mais l'intervalle est trop large pour exclure un déplacement de l'ampleur de l'écart principal."
               if v["ci_low"] <= -abs(h["estimate"]) or v["ci_high"] >= abs(h["estimate"]) else "."))
           if v["p_value"] >= 0.05 or v["estimate"] > 0 else
           "un déplacement d'emplois vers les EPCI traités ne peut être exclu, et l'écart principal le compterait deux fois.")
    )


def texte_relance(lignes_: pd.DataFrame, relance: pd.DataFrame, seuil: float) -> str:
    """French sentences on the split by France Relance intensity (``evaluation.lignes_contexte``):
    ``relance``, ``france_relance.comparer_relance_aux_emplois`` (month and national figure);
    ``seuil``, the treated EPCI's median (``evaluation.seuil_relance``)."""
    rows = lignes_.set_index("ligne")
    hi, lo = rows.loc["relance_haute"], rows.loc["relance_basse"]
    first = relance.iloc[0]
    chevauchent = hi["ci_low"] <= lo["ci_high"] and lo["ci_low"] <= hi["ci_high"]
    return (
        f"France Relance n'est publié que par département, sans montants : son intensité est ici le nombre d'entreprises "
        f"industrielles aidées (fin {texte.observation_fr(first['mois'])}) pour {nombre(1000)} emplois salariés privés de "
        f"{int(first['annee'])} du département de chaque EPCI (France : {nombre(first['pour_1000_france'], 2)}). Pour les "
        f"{nombre(hi['n_treated'])} EPCI traités dont le département dépasse la médiane des traités ({nombre(seuil, 2)}), "
        f"l'écart est de {_ecart(hi['estimate'])} (IC à 95 % {_ic(hi['ci_low'], hi['ci_high'])}) ; pour les "
        f"{nombre(lo['n_treated'])} autres, de {_ecart(lo['estimate'])} (IC à 95 % {_ic(lo['ci_low'], lo['ci_high'])}), "
        f"chacun contre les {nombre(hi['n_controls'])} EPCI jamais retenus"
        + (" ; les deux intervalles se chevauchent. " if chevauchent else " ; les deux intervalles sont disjoints. ")
        + "Le plan a commencé fin 2020, après l'entrée de la cohorte 2019 : ce partage dit où se trouve l'écart, il ne sépare "
        "pas ce qui revient à chacun des deux programmes."
    )


def _cellule(res: cohortes.CohortResult, cohorte: int, rel_year: int = 2) -> float:
    """ATT(cohorte, cohorte + rel_year) of ``res``."""
    gt = res.group_time
    return float(gt.loc[(gt["cohort"] == cohorte) & (gt["rel_year"] == rel_year), "estimate"].iloc[0])


def _part_expliquee(b: float, a: float) -> str:
    """The share of the gap ``b`` that an adjustment bringing it to ``a`` explains, in words."""
    part = 100 * (b - a) / b
    return f"en explique {nombre(part, 0)} %" if part >= 0 else f"ne l'explique pas (il le creuse de {nombre(-part, 0)} %)"


def texte_exposition(lignes_: pd.DataFrame, brut: cohortes.CohortResult, ajuste: cohortes.CohortResult,
                     bartik: evaluation.ExpositionBartik, cohorte: int = 2019) -> str:
    """French sentences on sector exposure: the headline at equal sector structure (``ajuste``) and
    net of the shift-share prediction (``bartik``), the share of the gap of the cohort's third year
    (2021 for 2019) each explains, and the split by predicted exposure."""
    rows = lignes_.set_index("ligne")
    h, e, eb, hi, lo = (rows.loc[k] for k in (evaluation.PRINCIPALE, "exposition", "exposition_bartik", "exposition_haute",
                                              "exposition_basse"))
    b, a = _cellule(brut, cohorte), _cellule(ajuste, cohorte)
    b2, a2 = _cellule(bartik.brut, cohorte), _cellule(bartik.ajuste, cohorte)
    sb = bartik.brut.overall.iloc[0]
    first = int(bartik.brut.group_time["year"].min())
    y0, y1 = evaluation.EXPOSITION_ANNEES
    lecture = ("l'écart se concentre là où les secteurs présents prédisaient la plus faible croissance, ce qui ne permet pas "
               "de départager un effet du programme d'un choc sectoriel" if hi["estimate"] < lo["estimate"] else
               "l'écart n'est pas plus marqué là où les secteurs présents prédisaient la plus faible croissance")
    return (
        f"Les EPCI de la phase 1 sont plus industriels que les témoins : un choc qui frappe l'industrie en 2020-2021 peut passer "
        f"pour un écart. À part de l'agriculture et de l'industrie égale (recensements 2011 et 2016), l'écart est de "
        f"{_ecart(e['estimate'])} (IC à 95 % {_ic(e['ci_low'], e['ci_high'])}), contre {_ecart(h['estimate'])}. L'écart de "
        f"{cohorte + 2} des EPCI entrés en {cohorte}, l'année où il se creuse, passe de {_ecart2(b)} à {_ecart2(a)} : la structure "
        f"sectorielle {_part_expliquee(b, a)}. Rapporté à l'emploi que prédisent ses parts de 2016 dans quatre secteurs et "
        f"l'évolution nationale de chacun (estimations d'emploi de l'INSEE ; agriculture et industrie réunies, comme au "
        f"recensement de 2016), l'emploi des EPCI traités a un écart de {_ecart2(eb['estimate'])} sur {first}-"
        f"{bartik.derniere_annee} (IC à 95 % {_ic(eb['ci_low'], eb['ci_high'])}), contre "
        f"{_ecart2(sb['estimate'])} sans cette "
        f"correction sur les mêmes années ; son écart de {cohorte + 2} passe de {_ecart2(b2)} à {_ecart2(a2)} : l'évolution "
        f"nationale des secteurs {_part_expliquee(b2, a2)}. Sur toutes les années, l'écart est de {_ecart(hi['estimate'])} "
        f"(IC à 95 % {_ic(hi['ci_low'], hi['ci_high'])}) pour la moitié des EPCI traités dont les secteurs prédisaient la plus "
        f"faible croissance de {y0} à {y1} et de {_ecart(lo['estimate'])} (IC à 95 % {_ic(lo['ci_low'], lo['ci_high'])}) pour "
        f"l'autre : {lecture}."
    )


def texte_verification(table: pd.DataFrame) -> str:
    """One French sentence: the project's Callaway & Sant'Anna beside diff-diff's (``cohortes.verification``)."""
    t = table.set_index("cible")
    se = t["se_projet"] / t["se_diff_diff"]
    if t["ecart"].max() >= 1e-8:  # 10⁻⁶ point
        return (f"Recalculée avec le paquet maintenu diff-diff, l'estimation par cohortes en diffère de jusqu'à "
                f"{nombre(100 * t['ecart'].max(), 3)} point sur un ATT(g, t) : le calcul du projet est à revoir.")
    accord = "les mêmes estimations"
    return (
        "Recalculée avec le paquet maintenu diff-diff (CallawaySantAnna, sans covariables, même année de référence, écarts-types "
        f"groupés par département), l'estimation par cohortes donne {accord} (ATT(g, t) égaux à 10⁻⁶ point près ; ensemble : "
        f"{_ecart2(t.loc['ensemble', 'diff_diff'])}) et des écarts-types qui "
        f"diffèrent au plus de {nombre(100 * (se.dropna() - 1).abs().max(), 1)} %."
    )


def texte_reconciliation(est: evaluation.Estimations) -> str:
    """One sentence with numbers on why the phase-2 TWFE and the 2023 cohort of the headline differ:
    the weights, then the reference (mean of the pre-entry gaps rather than the year before entry)."""
    w, u = est.phase2, est.phase2_non_pondere
    cs = est.cohortes.by_cohort.set_index("cohort").loc[w.cohort, "estimate"]
    leads = u.event_study.loc[u.event_study["rel_year"] < 0, "estimate"]  # reference year included (0)
    return (
        f"La double différence de la cohorte {w.cohort} ({_ecart2(w.estimate['estimate'])}) est plus grande que l'estimation par "
        f"cohortes de la même cohorte ({_ecart2(cs)}) pour deux raisons : la pondération (sans elle, la double différence donne "
        f"{_ecart2(u.estimate['estimate'])}) et la référence : la double différence compare les années {w.cohort}-{u.years[1]} "
        f"à la moyenne de {u.years[0]}-{w.cohort - 1}, l'estimation par cohortes à la seule année {w.cohort - 1}, et les EPCI "
        f"de cette cohorte étaient en moyenne {'au-dessus' if leads.mean() > 0 else 'au-dessous'} de cette année-là avant leur "
        f"entrée (écart moyen {_ecart2(leads.mean())} sur {u.years[0]}-{w.cohort - 1})."
    )


METHODES_FR = {"relative_magnitude": "ampleurs relatives (M̄)", "smoothness": "régularité (M)"}


def _m(methode: str, m: float) -> str:
    return f"M̄ = {nombre(m, 2)}" if methode == "relative_magnitude" else f"M = {nombre(100 * m, 2)} point par an²"


def texte_tendances_paralleles(sens: evaluation.SensibiliteTendances) -> str:
    """French paragraph: the Rambachan-Roth bounds on the mean post-entry gap of the cohort, the
    breakdown values and the linear-trend extrapolation."""
    b = sens.bornes
    mean = sens.lineaire.set_index("cible").loc[tendances.MOYENNE]
    rm1 = b[(b["methode"] == "relative_magnitude") & (b["M"] == 1.0)].iloc[0]
    sd0 = b[(b["methode"] == "smoothness") & (b["M"] == 0.0)].iloc[0]
    rupture_rm, rupture_sd = sens.ruptures["relative_magnitude"], sens.ruptures["smoothness"]
    years = sens.event_study.post_years
    g = sens.cohorte

    def rupture(methode: str, value: float | None) -> str:
        if value is None:
            return f"au-delà de {_m(methode, tendances.GRILLES[methode][-1])}"
        return _m(methode, value)

    part = 100 * mean["tendance"] / mean["estimate"]
    explique = f"en explique {nombre(part, 0)} %" if part > 0 else "ne l'explique pas (elle va en sens inverse)"
    return (
        f"Les écarts d'avant l'entrée ne sont pas nuls : une tendance qui ne serait pas la même pour les EPCI traités et leurs "
        f"témoins pourrait expliquer tout ou partie de l'écart d'après. Pour la cohorte {g}, l'écart moyen des années "
        f"{g + years[0]}-{g + years[-1]} est de {_ecart(mean['estimate'])}. Prolonger la droite ajustée sur les écarts de "
        f"{g + sens.event_study.rel_year[0]}-{g - 1} (pente {nombre(100 * sens.pente, 2)} point par an) {explique} : "
        f"corrigé de cette tendance, l'écart est de {_ecart(mean['corrige'])} (IC à 95 % "
        f"{_ic(mean['ci_low'], mean['ci_high'])}). La méthode de Rambachan et Roth (2023) borne l'écart sans supposer les "
        f"tendances parallèles. Si, après l'entrée, la différence de tendance ne change pas d'une année sur l'autre plus que "
        f"la plus grande variation observée avant ({_m('relative_magnitude', 1.0)}), l'écart moyen est compris entre "
        f"{_ecart(rm1['borne_basse'])} et {_ecart(rm1['borne_haute'])}, avec un intervalle de confiance à 95 % de "
        f"{_ic(rm1['ci_low'], rm1['ci_high'])} ; l'intervalle inclut 0 dès {rupture('relative_magnitude', rupture_rm)} "
        f"(valeur de rupture). Si la différence de tendance d'avant se prolonge en ligne droite ({_m('smoothness', 0.0)}), "
        f"l'intervalle est {_ic(sd0['ci_low'], sd0['ci_high'])} ; "
        + (f"il inclut 0 dès que sa pente peut changer de {nombre(100 * rupture_sd, 3)} point par an chaque année. "
           if rupture_sd is not None else "il exclut 0 sur toute la grille de M. ")
        + ("L'écart résiste donc à une violation des tendances parallèles de l'ampleur de celles observées avant l'entrée."
           if rupture_rm is None or rupture_rm >= 1 else
           "Une violation des tendances parallèles de l'ampleur de celles observées avant l'entrée ne peut donc pas être "
           "exclue : l'écart ne peut être attribué au programme sans supposer que la tendance d'avant s'est infléchie.")
    )


def _rupture(sens: evaluation.SensibiliteTendances, methode: str) -> str:
    """The breakdown value of ``methode`` in words (above the grid when it is None)."""
    value = sens.ruptures[methode]
    return f"au-delà de {_m(methode, tendances.GRILLES[methode][-1])}" if value is None else _m(methode, value)


def _ligne_bornes(sens: evaluation.SensibiliteTendances, methode: str, m: float) -> pd.Series:
    b = sens.bornes
    return b[(b["methode"] == methode) & (b["M"] == m)].iloc[0]


def _nom_estimation(sens: evaluation.SensibiliteTendances) -> str:
    return "Toutes cohortes (par année relative)" if sens.cohorte is None else f"Cohorte {sens.cohorte}"


def tableau_tendances(*sens: evaluation.SensibiliteTendances) -> pd.DataFrame:
    """For each event study (one cohort, or every cohort together): the mean post-entry gap under
    the usual assumption, corrected by the linear pre-entry trend, and bounded by Rambachan and
    Roth (M̄ = 1, M = 0), with the breakdown values (% of employment)."""
    rows = []
    for s in sens:
        name = _nom_estimation(s)
        usual, rm1, sd0 = (_ligne_bornes(s, *k) for k in (("relative_magnitude", 0.0), ("relative_magnitude", 1.0), ("smoothness", 0.0)))
        lin = s.lineaire.set_index("cible").loc[tendances.MOYENNE]
        rows += [
            {"Estimation": name, "Hypothèse": "tendances parallèles (intervalle usuel)", "Écart moyen": _ecart(usual["estimate"]),
             "Ensemble identifié": "–", "IC à 95 % (%)": _ic(usual["ci_low"], usual["ci_high"])},
            {"Estimation": name, "Hypothèse": f"tendance d'avant prolongée (pente {nombre(100 * s.pente, 2)} point par an)",
             "Écart moyen": _ecart(lin["corrige"]), "Ensemble identifié": "–", "IC à 95 % (%)": _ic(lin["ci_low"], lin["ci_high"])},
            {"Estimation": name, "Hypothèse": f"ampleurs relatives, {_m('relative_magnitude', 1.0)} (rupture : "
             f"{_rupture(s, 'relative_magnitude')})", "Écart moyen": _ecart(rm1["estimate"]),
             "Ensemble identifié": _ic(rm1["borne_basse"], rm1["borne_haute"]), "IC à 95 % (%)": _ic(rm1["ci_low"], rm1["ci_high"])},
            {"Estimation": name, "Hypothèse": f"régularité, {_m('smoothness', 0.0)} (rupture : {_rupture(s, 'smoothness')})",
             "Écart moyen": _ecart(sd0["estimate"]), "Ensemble identifié": "–", "IC à 95 % (%)": _ic(sd0["ci_low"], sd0["ci_high"])},
        ]
    return pd.DataFrame(rows)


def texte_tendances_ensemble(sens: evaluation.SensibiliteTendances, lignes_: pd.DataFrame) -> str:
    """French sentences: the Rambachan-Roth bounds on the mean post-entry gap of every cohort
    together (the event study aggregated by year relative to entry), beside the headline."""
    h = lignes_.set_index("ligne").loc[evaluation.PRINCIPALE]
    es = sens.event_study
    rm1, sd0 = _ligne_bornes(sens, "relative_magnitude", 1.0), _ligne_bornes(sens, "smoothness", 0.0)
    post = es.post_years
    exclut = {m: sens.ruptures[m] is None or sens.ruptures[m] > 0 for m in sens.ruptures}
    return (
        f"Toutes cohortes réunies, l'étude d'événement par année relative à l'entrée (de {es.rel_year[0]} à {post[-1]}) donne "
        f"un écart moyen de {_ecart(rm1['estimate'])} sur les années {post[0]} à {post[-1]} après l'entrée (chaque année "
        f"relative compte une fois, d'où la différence avec l'estimation principale, {_ecart(h['estimate'])}). Avec "
        f"{_m('relative_magnitude', 1.0)}, l'écart moyen est compris entre {_ecart(rm1['borne_basse'])} et "
        f"{_ecart(rm1['borne_haute'])} (IC à 95 % {_ic(rm1['ci_low'], rm1['ci_high'])}) ; l'intervalle "
        + (f"inclut 0 dès {_rupture(sens, 'relative_magnitude')}" if exclut["relative_magnitude"] else "inclut déjà 0 sans écart aux tendances parallèles")
        + f". Si la différence de tendance d'avant se prolonge en ligne droite ({_m('smoothness', 0.0)}), l'intervalle est "
        f"{_ic(sd0['ci_low'], sd0['ci_high'])}"
        + (f" et inclut 0 dès {_rupture(sens, 'smoothness')}." if exclut["smoothness"] and sens.ruptures["smoothness"] is not None
           else " et exclut 0 sur toute la grille de M." if sens.ruptures["smoothness"] is None else ".")
        + " " + LIMITE_RM_COURTE
    )


def figure_tendances(sens: evaluation.SensibiliteTendances) -> Figure:
    """Two panels: the 95 % intervals of the mean post-entry gap over the grid of M̄ (relative
    magnitudes) beside the usual one; the gap of each year after entry, usual interval and
    interval at ``evaluation.M_ANNEE`` for each restriction (% of employment)."""
    import matplotlib.pyplot as plt

    from analysis.publications.figures import ligne_source
    from analysis.publications.evaluation_impact import SERIES_COULEURS

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [1, 1.3]})
    rm = sens.bornes[sens.bornes["methode"] == "relative_magnitude"]
    for ax in (left, right):
        ax.axhline(0, color="0.4", lw=0.8)
    lo, hi = impact.pct(rm["ci_low"].to_numpy()), impact.pct(rm["ci_high"].to_numpy())
    left.vlines(rm["M"], lo, hi, color=SERIES_COULEURS[0], lw=3)
    left.set_xticks(rm["M"], [nombre(m, 2) for m in rm["M"]])
    left.set_xlabel("M̄ (ampleurs relatives)")
    left.set_ylabel("Écart moyen après l'entrée (%), IC à 95 %")
    rupture = sens.ruptures["relative_magnitude"]
    if rupture is not None:
        left.axvline(rupture, color=SERIES_COULEURS[1], ls="--", lw=1)
        left.annotate(f"rupture : {nombre(rupture, 2)}", (rupture, hi.max()), xytext=(4, -10), textcoords="offset points",
                      color=SERIES_COULEURS[1], fontsize=8)
    es = sens.event_study
    post = ~es.pre
    k = np.asarray(es.rel_year)[post]
    se = np.sqrt(np.diag(es.cov))[post]
    est = es.estimate[post]
    series = [("Intervalle usuel", k, est - 1.96 * se, est + 1.96 * se)]
    for methode, m in evaluation.M_ANNEE.items():
        part = sens.par_annee[sens.par_annee["methode"] == methode]
        series.append((f"{METHODES_FR[methode].split(' (')[0].capitalize()}, {_m(methode, m)}", part["cible"].astype(int).to_numpy(),
                       part["ci_low"].to_numpy(), part["ci_high"].to_numpy()))
    for i, (label, x, a, b) in enumerate(series):
        right.vlines(x + (i - 1) * 0.2, impact.pct(a), impact.pct(b), color=SERIES_COULEURS[i], lw=2.5, label=label)
    right.plot(k, impact.pct(est), "o", color="black", ms=4, label="Écart estimé")
    right.set_xticks(k)
    right.set_xlabel(f"Année relative à l'entrée de la cohorte {sens.cohorte}")
    right.set_ylabel("Écart (%), IC à 95 %")
    right.legend(frameon=False, fontsize=8, loc="lower left")
    source = "URSSAF ; ANCT ; calculs de l'observatoire (Rambachan et Roth, 2023, avec diff-diff)"
    ligne_source(fig, source)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    drawn = pd.concat(
        [pd.DataFrame({"panneau": "M̄", "intervalle": "ampleurs relatives", "abscisse": rm["M"].to_numpy(), "ic_bas": lo, "ic_haut": hi})]
        + [pd.DataFrame({"panneau": "année relative", "intervalle": label, "abscisse": x, "ic_bas": impact.pct(a), "ic_haut": impact.pct(b)})
           for label, x, a, b in series]
        + [pd.DataFrame({"panneau": "année relative", "intervalle": "Écart estimé", "abscisse": k, "ecart": impact.pct(est)})],
        ignore_index=True,
    )
    return avec_donnees(fig, drawn, "écart sur l'emploi (%)", source)
