"""The cross-territory synthesis as published: headline facts against published figures, the
typology (method, silhouettes, profiles), the monograph choice, why some territories do better
(cross-section regressions, régions), France Relance and the overlap with Action cœur de ville,
as French tables and sentences. The numbers come from ``analysis.analyses``; the evaluation's
tables and sentences are in ``texte_evaluation``.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analysis import texte
from analysis.analyses.france_relance import RELANCE_GROUPES
from analysis.analyses.monographies import CRITERES_FR, criteres_manquants
from analysis.analyses.profils import DENSITE, profils
from analysis.analyses.recoupements import ACV_LISTES
from analysis.analyses.typologie import TypologyResult
from analysis.indicateurs.registry import INDICATORS
from analysis.publications.monographie import lien_monographie
from analysis.publications.texte_evaluation import _ic
from analysis.texte import nombre, tableau, valeur


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
            "Phase 1": [valeur(v, u, manquant="–") for v, u in zip(two["valeur_1"], units)],
            "Phase 2": [valeur(v, u, manquant="–") for v, u in zip(two["valeur_2"], units)],
            "Publié en 2019": [valeur(v, u, manquant="–") for v, u in zip(two["valeur_publiee"], units)],
            "data.gouv.fr": [valeur(v, u, manquant="–") for v, u in zip(two["valeur_publiee_datagouv"], units)],
        }
    )


def ecarts_publies(faits_1: pd.DataFrame) -> str:
    """French bullet list explaining each gap between our phase-1 count and the published one."""
    rows = faits_1.loc[faits_1["explication"].notna()]
    return "\n".join(
        f"- **{r.fait}** : {texte.valeur(r.valeur, r.unite)} ici, {texte.valeur(r.valeur_publiee, r.unite)} publié. {r.explication}"
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
    """French paragraph stating the rule of the monograph choice, then the numbered list of the
    territories (each linked to its monograph) with the reason of each choice and, if the team's choices leave one, the
    criteria of the rule that no territory meets."""
    regle = (
        "Quatre territoires de la phase 2 font l'objet d'une monographie. Ils sont choisis pour contraster sur ce dont "
        "le programme traite, et non seulement sur les profils : un territoire industriel dont l'emploi salarié privé a "
        "le moins progressé depuis 2018 (quart le plus bas des territoires de la phase, de préférence parmi le quart le "
        "plus industriel), un territoire industriel parmi les plus dynamiques (quart le plus haut), un territoire parmi "
        "le quart le plus dense, puis le profil de la typologie le plus éloigné des trois premiers ; chaque fois dans un "
        "profil différent quand un candidat le permet, et le territoire le plus proche du centre de son profil. "
        "La Fabrique de l'industrie avait choisi ses terrains d'enquête de façon comparable, parmi des zones d'emploi "
        "très industrielles à la croissance éloignée de la moyenne (Fouqueray, 2020). L'équipe peut imposer des "
        "territoires : ils passent alors en premier et la règle complète les places restantes."
    )
    items = [
        f"{r.rang}. [**{r.lib_ti}**]({lien_monographie(r.id_ti)}) ({r.id_ti}), profil « {r.profil} »"
        + (" (choix de l'équipe)" if r.source != "typologie" else f", rôle « {r.role} »")
        + f" : {r.raison}."
        for r in choix.itertuples()
    ]
    manquants = criteres_manquants(choix)
    note = (
        ["", "Avec les choix de l'équipe, aucun des quatre territoires ne remplit : " + " ; ".join(CRITERES_FR[c] for c in manquants) + "."]
        if manquants
        else []
    )
    return "\n\n".join([regle, "\n".join(items), *note[1:]])


def tableau_monographies(choix: pd.DataFrame) -> pd.DataFrame:
    """The four territories with the values that make them contrast (French strings); a value in
    a quartile the rule uses is marked (▲ top quarter, ▼ bottom quarter of the phase's TI)."""

    def marque(value: float, haut: bool, bas: bool, unit: str) -> str:
        return valeur(value, unit) + (" ▲" if haut else " ▼" if bas else "")

    return pd.DataFrame(
        {
            "Territoire": [f"{r.lib_ti} ({r.id_ti})" for r in choix.itertuples()],
            "Profil": choix["profil"].to_numpy(),
            "Emploi privé depuis 2018": [marque(r.croissance, r.croissance_haute, r.croissance_basse, "%/an") for r in choix.itertuples()],
            "Industrie (% de l'emploi)": [marque(r.industrie, r.industrie_haute, False, "%") for r in choix.itertuples()],
            "Densité (hab./km²)": [nombre(10**r.densite) + (" ▲" if r.densite_haute else "") for r in choix.itertuples()],
            "Choix": ["équipe" if s != "typologie" else "règle" for s in choix["source"]],
        }
    )


# Regression terms: the registry's label, or the year or unit of the variable when it matters.
COMPARAISON_LABELS = {
    "const": "Constante",
    "part_industrie": "Part de l'industrie (recensement 2022)",
    **{name: INDICATORS[name].label for name in ("part_industrie_hautetech", "part_diplomes_superieur")},
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
        f"Fin {texte.periode_fr(last)}, {nombre(total)} entreprises industrielles avaient bénéficié des aides à l'investissement de "
        f"France Relance dans les {nombre(len(par_departement))} départements (maximum {nombre(peak.max())} en {texte.periode_fr(peak.idxmax())} : "
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
    parts = [f"{nombre(r.n_dans_ti)} des {nombre(r.n_villes)} villes ({p}), soit {texte.pourcent(r.part_dans_ti, 0)}" for p, r in fr.iterrows()]
    current = recoupement.loc[(recoupement["region"] != "FR") & (recoupement["programme"] == ACV_LISTES["ACV"][2]) & (recoupement["n_villes"] >= 5)]
    low, high = current.nsmallest(1, "part_dans_ti").iloc[0], current.nlargest(1, "part_dans_ti").iloc[0]
    return (
        "On présente souvent Action cœur de ville et Territoires d'industrie comme deux programmes qui se superposent largement. "
        f"Du côté des villes, les listes le confirment : {' ; '.join(parts)} sont situées dans un territoire d'industrie. "
        f"Pour la liste actuelle, la part va, parmi les régions qui comptent au moins 5 villes, de {texte.pourcent(low['part_dans_ti'], 0)} "
        f"({low['lib_region']}) à {texte.pourcent(high['part_dans_ti'], 0)} ({high['lib_region']}). "
        f"Dans l'autre sens, la superposition est plus partielle : {nombre(with_acv)} des {nombre(len(ti))} territoires d'industrie de la "
        f"phase {phase} ({texte.pourcent(100 * with_acv / len(ti), 0)}) comptent au moins une ville Action cœur de ville ; les autres "
        "n'ont aucune ville moyenne retenue par ce programme."
    )
