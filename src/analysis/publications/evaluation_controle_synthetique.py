"""The synthetic control of a monograph territory as published (figure, tables, sentences), and
its summary over the four monographs in the synthesis."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from analysis.analyses.evaluation import DONNEURS_RESTREINTS, MIN_DONNEURS_VARIANTE, MIN_EMPLOI_DONNEUR, ControleTerritoire
from analysis.publications.figures import lignes
from analysis.texte import accord, article, de, nombre, ordinal, pluriel

N_DONNEURS_AFFICHES = 10


def _un_decimal(v: float) -> str:
    """One decimal, without a '-0,0'."""
    return nombre(0.0 if abs(v) < 0.05 else v, 1)


def _points(v: float) -> str:
    return f"{'+' if v > 0 else ''}{nombre(v, 1)} point{'s' if abs(v) >= 2 else ''}"


def figure_controle_synthetique(ct: ControleTerritoire, nom: str) -> Figure:
    """Employment index of the territory's EPCI and of their synthetic control (base 100 the year before entry)."""
    path = ct.resultat.path.melt(id_vars="year", value_vars=["traite", "synthetique"], var_name="serie", value_name="indice")
    labels = {"traite": f"EPCI {de(nom)}", "synthetique": "Contrôle synthétique"}
    return lignes(path.assign(serie=path["serie"].map(labels)), "year", "indice", "serie", principale=labels["traite"],
                  reference=100, ylabel=f"Indice (base 100 en {ct.cohort - 1})", source="URSSAF ; calculs de l'observatoire")


def tableau_controle_synthetique(ct: ControleTerritoire) -> pd.DataFrame:
    """The territory's path, its synthetic control and the gap, by year."""
    p = ct.resultat.path
    return pd.DataFrame({
        "Année": p["year"].astype(str), "Période": ["avant" if y < ct.cohort else "après" for y in p["year"]],
        "EPCI du territoire": [nombre(v, 1) for v in p["traite"]], "Contrôle synthétique": [nombre(v, 1) for v in p["synthetique"]],
        "Écart (points)": [_un_decimal(v) for v in p["ecart"]],
    })


def tableau_donneurs(ct: ControleTerritoire, n: int = N_DONNEURS_AFFICHES) -> pd.DataFrame:
    """The donors with the largest weights (and the sum of the others)."""
    d = ct.donneurs.sort_values("poids", ascending=False)
    top, rest = d.head(n), d.iloc[n:]
    rows = [{"EPCI témoin": r.lib_epci, "Département": r.departement, "Poids (%)": nombre(100 * r.poids, 1)} for r in top.itertuples()]
    if len(rest):
        rows.append({"EPCI témoin": f"{nombre(len(rest))} autres EPCI", "Département": "–", "Poids (%)": nombre(100 * rest["poids"].sum(), 1)})
    return pd.DataFrame(rows)


def texte_controle_synthetique(ct: ControleTerritoire | None, nom: str) -> str:
    """French paragraph: how the synthetic control is built, its fit, the post-entry gap and its rank."""
    if ct is None:
        return ("Aucun EPCI du territoire ne figure dans le panel d'évaluation (EPCI couverts à moins de 50 % ou hors de France "
                "métropolitaine) : pas de contrôle synthétique.")
    r = ct.resultat
    last = r.path.iloc[-1]
    return (
        f"Le contrôle synthétique combine, avec des poids positifs de somme 1, les EPCI jamais retenus dans un territoire "
        f"d'industrie qui comptaient au moins {nombre(MIN_EMPLOI_DONNEUR)} emplois salariés privés en {ct.cohort - 1} "
        f"({nombre(ct.n_donneurs)} EPCI), de façon à reproduire l'indice d'emploi {article(len(ct.epci), 'EPCI', 'EPCI', defini='des')} "
        f"{de(nom)} {accord(len(ct.epci), 'entré')} en {ct.cohort} sur les années {int(r.path['year'].min())}-{ct.cohort - 1} ; une pénalité sur la concentration des "
        f"poids évite qu'il ne repose sur quelques EPCI très volatils ({pluriel(len(r.weights), 'EPCI', 'EPCI')} y {'contribue' if len(r.weights) == 1 else 'contribuent'}). L'écart "
        f"quadratique moyen avant l'entrée est de {nombre(r.rmspe_pre, 2)} point{'s' if r.rmspe_pre >= 2 else ''}. Après l'entrée, l'écart moyen est de "
        f"{_points(r.ecart_post)} et de {_points(last['ecart'])} en {int(last['year'])}. Rapporté à la qualité de l'ajustement "
        f"avant l'entrée, cet écart se classe au {ordinal(int(r.rank))} rang sur {nombre(len(r.placebo) + 1)} (le territoire et "
        f"chacun des EPCI donneurs traité à son tour comme s'il était entré en {ct.cohort}) : un écart au moins aussi grand "
        f"s'observe dans {nombre(100 * r.p_value, 0)} % des cas sans programme. "
        + ("Il se distingue donc de ce que donnent des EPCI sans programme." if r.p_value <= 0.1 else
           "Il ne se distingue donc pas de ce que donnent des EPCI sans programme.")
        + " " + texte_robustesse_synthetique(ct)
        + " Comme tout écart mesuré sur un seul territoire, il mêle l'effet éventuel du programme et les chocs propres au "
        "territoire."
    )


# The restricted donor pools (``evaluation.DONNEURS_RESTREINTS``) in words.
POOLS = {"region": "les seuls donneurs de sa région",
         "profil_sectoriel": "les seuls donneurs de même profil sectoriel, même tiers de la part de l'agriculture et de "
                             "l'industrie en 2016"}
POOLS_COURTS = {"region": "Donneurs de la région", "profil_sectoriel": "Donneurs de même profil sectoriel"}


def texte_variantes(ct: ControleTerritoire) -> str:
    """French sentence: the fit and the post-entry gap with the restricted donor pools."""
    parts = []
    for v in ct.variantes.itertuples():
        if pd.isna(v.ecart_post):
            parts.append(f"avec {POOLS[v.variante]}, trop peu nombreux ({nombre(v.n_donneurs)} EPCI, moins de "
                         f"{nombre(MIN_DONNEURS_VARIANTE)}), pas d'ajustement")
        else:
            parts.append(f"avec {POOLS[v.variante]} ({pluriel(v.n_donneurs, 'EPCI', 'EPCI')}), l'écart quadratique moyen avant "
                         f"l'entrée est de {nombre(v.rmspe_pre, 2)} point{'s' if v.rmspe_pre >= 2 else ''} et l'écart moyen après "
                         f"de {_points(v.ecart_post)}")
    text = " ; ".join(parts)
    return text[0].upper() + text[1:] + f" (contre {_points(ct.resultat.ecart_post)} avec tous les donneurs)."


def texte_robustesse_synthetique(ct: ControleTerritoire) -> str:
    """French sentences: the leave-one-out range, the in-time placebo and the pre-period length as a limit."""
    r, loo, fake = ct.resultat, ct.sans_un_donneur, ct.placebo_temps
    n_pre = int((r.path["year"] < ct.cohort).sum())
    return (
        f"Retirer tour à tour chacun des {pluriel(len(loo), 'EPCI', 'EPCI')} qui y pèsent le plus donne un écart moyen après "
        f"l'entrée compris entre "
        f"{_points(loo['ecart_post'].min())} et {_points(loo['ecart_post'].max())}. Avec une fausse entrée en {fake.start}, "
        f"ajusté sur {int(fake.path['year'].min())}-{fake.start - 1} seulement, le contrôle synthétique s'écarte du territoire de "
        f"{_points(fake.ecart_post)} en moyenne sur {fake.start}-{ct.cohort - 1}, sans programme : "
        + ("c'est l'ordre de grandeur de l'écart d'après l'entrée, qui ne peut donc pas être distingué d'une erreur de prévision. "
           if abs(fake.ecart_post) >= 0.5 * abs(r.ecart_post) else "c'est peu au regard de l'écart d'après l'entrée. ")
        + texte_variantes(ct)
        + f" L'ajustement ne repose que sur {nombre(n_pre)} années avant l'entrée pour {nombre(ct.n_donneurs)} EPCI donneurs : un "
        "ajustement très serré sur si peu d'années tient en partie à la liberté laissée aux poids, et ne garantit pas que le "
        "contrôle synthétique aurait suivi le territoire sans le programme."
    )


def tableau_controles_monographies(table: pd.DataFrame) -> pd.DataFrame:
    """One row per monograph territory: fit, mean post gap, last gap and placebo rank."""
    return pd.DataFrame([
        {"Territoire": r.lib_ti, "EPCI": nombre(r.n_epci), "Entrée": str(r.cohort), "EPCI donneurs (poids > 0)": f"{nombre(r.n_donneurs)} ({nombre(r.n_poids)})",
         "Écart quadratique moyen avant (points)": nombre(r.rmspe_pre, 2), "Écart moyen après (points)": _un_decimal(r.ecart_post),
         f"Écart en {r.derniere_annee} (points)": _un_decimal(r.ecart_dernier), "Rang du rapport après / avant": f"{nombre(r.rank)} / {nombre(r.n_donneurs + 1)}",
         "p (placebo)": nombre(r.p_value, 2),
         "Écart après, sans un donneur (points)": f"{_un_decimal(r.loo_min)} à {_un_decimal(r.loo_max)}",
         "Fausse entrée : écart moyen (points)": f"{_un_decimal(r.placebo_ecart)} ({int(r.placebo_debut)})",
         **{f"{POOLS_COURTS[p]} : EPCI, écart avant / après (points)": _variante(r._asdict(), p) for p in DONNEURS_RESTREINTS}}
        for r in table.itertuples()
    ])


def _variante(r: dict, pool: str) -> str:
    """A restricted pool's cell of the summary table: donors, pre-entry RMSE / mean post gap."""
    if pd.isna(r[f"ecart_post_{pool}"]):
        return f"{nombre(r[f'n_donneurs_{pool}'])} (trop peu)"
    return f"{nombre(r[f'n_donneurs_{pool}'])} : {nombre(r[f'rmspe_pre_{pool}'], 2)} / {_un_decimal(r[f'ecart_post_{pool}'])}"


def texte_controles_monographies(table: pd.DataFrame) -> str:
    """French sentence summarising the four synthetic controls."""
    n_sig = int((table["p_value"] <= 0.1).sum())
    lo, hi = table.loc[table["ecart_post"].idxmin()], table.loc[table["ecart_post"].idxmax()]
    classement = (f"aucun des {nombre(len(table))} écarts ne se classe" if n_sig == 0 else
                  f"{nombre(n_sig)} des {nombre(len(table))} écarts {'se classe' if n_sig == 1 else 'se classent'}")
    return (
        f"Chaque monographie compare les EPCI de son territoire à un contrôle synthétique (voir la monographie). Après l'entrée, "
        f"l'écart moyen va de {_points(lo['ecart_post'])} ({lo['lib_ti']}) à {_points(hi['ecart_post'])} ({hi['lib_ti']}) ; "
        f"{classement} parmi les 10 % les plus grands des EPCI sans programme (rang du rapport entre l'écart après l'entrée et "
        "l'ajustement avant, parmi les EPCI donneurs traités à leur tour comme s'ils étaient entrés). Retirer un à un les "
        f"EPCI donneurs de plus fort poids fait varier l'écart moyen de {_points(table['loo_min'].min())} à {_points(table['loo_max'].max())} selon "
        f"le territoire ; avec une fausse entrée trois ans plus tôt, l'écart sans programme va de {_points(table['placebo_ecart'].min())} "
        f"à {_points(table['placebo_ecart'].max())}. " + _texte_pools(table)
        + f" Un ajustement aussi serré (écart quadratique moyen de "
        f"{nombre(table['rmspe_pre'].min(), 2)} à {nombre(table['rmspe_pre'].max(), 2)} point) sur {_annees(table)} avant l'entrée, avec "
        f"{_de_a(table['n_donneurs'])} donneurs, est un avertissement plutôt qu'une "
        "garantie : avec si peu d'années, beaucoup de combinaisons de donneurs reproduisent le passé."
    )


def _annees(table: pd.DataFrame) -> str:
    """The number of pre-entry years of the fits, in words."""
    lo, hi = int(table["n_annees_avant"].min()), int(table["n_annees_avant"].max())
    return f"{nombre(lo)} années" if lo == hi else f"{nombre(lo)} à {nombre(hi)} années"


def _texte_pools(table: pd.DataFrame) -> str:
    """French sentence: the range of the mean post gap with each restricted donor pool."""
    parts = []
    for p in DONNEURS_RESTREINTS:
        est = table.dropna(subset=[f"ecart_post_{p}"])
        if est.empty:
            parts.append(f"avec {POOLS[p]}, aucun ajustement (moins de {nombre(MIN_DONNEURS_VARIANTE)} donneurs)")
            continue
        ecarts, rmse, n = est[f"ecart_post_{p}"], est[f"rmspe_pre_{p}"], est[f"n_donneurs_{p}"]
        manque = len(table) - len(est)
        if len(est) == 1:
            r = est.iloc[0]
            text = (f"avec {POOLS[p]} ({nombre(n.iloc[0])} EPCI), l'écart moyen après l'entrée est de {_points(ecarts.iloc[0])} "
                    f"pour {r['lib_ti']} et l'écart quadratique moyen avant de {nombre(rmse.iloc[0], 2)} point")
        else:
            text = (f"avec {POOLS[p]} ({_de_a(n)} EPCI), l'écart moyen après l'entrée va de "
                    f"{_points(ecarts.min())} à {_points(ecarts.max())} et l'écart quadratique moyen avant de "
                    f"{nombre(rmse.min(), 2)} à {nombre(rmse.max(), 2)} point")
        parts.append(text + (f" ({nombre(manque)} territoire{'s' if manque > 1 else ''} sans ajustement, trop peu de donneurs)"
                             if manque else ""))
    text = " ; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _de_a(counts: pd.Series) -> str:
    """« n » when every count is n, else « min à max »."""
    lo, hi = int(counts.min()), int(counts.max())
    return nombre(lo) if lo == hi else f"{nombre(lo)} à {nombre(hi)}"
