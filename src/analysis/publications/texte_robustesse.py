"""The robustness of the impact evaluation as published: cohort-robust estimates beside the TWFE,
the sensitivity table and the pre-entry trajectories of the cohorts (French tables, sentences
and figures)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from analysis import texte
from analysis.analyses import cohortes, evaluation, impact
from analysis.publications.figures import lignes
from analysis.publications.texte_evaluation import _ecart, _ic, _ligne, _p, _p_egal, event_study_figure
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
    return event_study_figure(series, xlabel="Année relative à l'entrée de la cohorte (référence : année précédente)")


DIMENSIONS = {"principale": "Principale", "couverture": "Seuil de couverture", "annees": "Années",
              "ponderation": "Pondération", "profil": "Profil (phase 1)", "region": "Région"}


def _modalite(r: pd.Series) -> str:
    if r["dimension"] == "principale":
        return "seuil 50 %, 2014 à la dernière année, pondérée"
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
            return {"Écart estimé": "non estimé", "IC à 95 % (%)": "–", "p": "–", "Départements": "–"}
        return {"Écart estimé": _ecart(r["estimate"]), "IC à 95 % (%)": _ic(r["ci_low"], r["ci_high"]), "p": _p(r["p_value"]),
                "Départements": nombre(r["n_clusters"])}

    return pd.DataFrame([
        {"Variante": DIMENSIONS[r["dimension"]], "Modalité": _modalite(r), **cells(r),
         "EPCI traités / témoins": f"{nombre(r['n_treated'])} / {nombre(r['n_controls'])}"}
        for _, r in sens.iterrows()
    ])


def _etendue(part: pd.DataFrame) -> str:
    est = part.dropna(subset=["estimate"])
    lo, hi = est.loc[est["estimate"].idxmin()], est.loc[est["estimate"].idxmax()]
    n_sig = int((est["p_value"] < 0.05).sum())
    absent = part.loc[part["estimate"].isna(), "modalite"].tolist()
    non_estime = (f" ({', '.join(absent)} : non {'estimée' if len(absent) == 1 else 'estimées'}, trop peu d'EPCI ou équilibrage "
                  "impossible)") if absent else ""
    return (f"de {_ecart(lo['estimate'])} ({lo['modalite']}) à {_ecart(hi['estimate'])} ({hi['modalite']}) ; il est significatif "
            f"au seuil de 5 % dans {nombre(n_sig)} cas sur {nombre(len(est))}{non_estime}")


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
        f"Par région, avec les seuls témoins de la région, il va {_etendue(d['region'])} ; ces estimations reposent sur "
        f"{nombre(d['region']['n_clusters'].min())} à {nombre(d['region']['n_clusters'].max())} départements et leurs intervalles "
        "sont larges.",
        f"Avec la précision de la comparaison principale, l'écart minimal détectable à 80 % de puissance (test bilatéral à 5 %) "
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
        rows.append({"Période": r["periode"], "Groupe": GROUPES[r["groupe"]], "EPCI": nombre(r["n"]),
                     "Croissance de l'emploi": _ecart(r["mean"]),
                     "Écart aux EPCI jamais retenus": "référence" if ref else _ecart(r["estimate"]),
                     "IC à 95 % (%)": "–" if ref else _ic(r["ci_low"], r["ci_high"]), "p": "–" if ref else _p(r["p_value"])})
    return pd.DataFrame(rows)


def texte_selection(sel: evaluation.Selection, est: evaluation.Estimations) -> str:
    """French paragraph: the conclusion the pre-entry trajectories support."""
    c = sel.croissance.set_index(["periode", "groupe"])
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
            "Aucune de ces différences n'est significative au seuil de 5 %, alors qu'un écart négatif s'ouvre à l'entrée dans "
            f"les deux cohortes ({_ecart(by.loc[2019, 'estimate'])} pour 2019, {_ecart(by.loc[2023, 'estimate'])} pour 2023, "
            "estimateur par cohortes). Les chiffres vont donc dans le sens d'un écart qui s'ouvre à l'entrée ; ils ne permettent "
            "pas d'exclure que les territoires aient été retenus sur des difficultés que l'emploi annuel ne montre qu'ensuite "
            "(annonces de fermeture, pertes de marchés), et l'étude d'événement pondérée montre que les EPCI de la phase 1 "
            "perdaient déjà un peu de terrain sur des témoins de même taille avant 2019."
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
