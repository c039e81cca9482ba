"""The cross-territory synthesis as published: headline facts against published figures, the
typology (method, silhouettes, profiles), the monograph choice, why some territories do better
(cross-section regressions, régions), France Relance and the overlap with Action cœur de ville,
as French tables and sentences. The numbers come from ``analysis.analyses``; the evaluation's
tables and sentences are in ``evaluation_impact``.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analysis import texte
from analysis.analyses.comparaison import COMPARAISON_COVARIATES, COMPARAISON_OUTCOMES
from analysis.analyses.france_relance import RELANCE_GROUPES
from analysis.analyses.monographies import CRITERES_FR, N_PROCHES, criteres_manquants, inconnus_regle
from analysis.analyses.profils import DENSITE, DENSITE_LABEL, DENSITE_LIBELLE_COURT, TYPOLOGY_INDICATORS, profils
from analysis.analyses.recoupements import ACV_LISTES
from analysis.analyses.typologie import TypologyResult
from analysis.indicateurs.registry import heading, indicator
from analysis.publications.monographie import lien_monographie
from analysis.publications.evaluation_impact import _ic
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
    """Headline facts of both phases side by side (French strings); ``faits_*``: ``faits.faits(phase)``.
    Rows follow phase 1's order; a fact absent from a phase shows "–"; the years behind the
    industrial facts are in their labels, not rows of their own."""
    two = faits_1.merge(faits_2[["cle", "valeur"]], on="cle", how="outer", suffixes=("_1", "_2"), sort=False)
    two = two.set_index("cle").reindex(list(dict.fromkeys([*faits_1["cle"], *faits_2["cle"]]))).reset_index()
    two = two.loc[two["unite"] != "année"]
    units = two["unite"].fillna("")
    return pd.DataFrame(
        {
            "Fait": two["fait"].to_numpy(),
            "Phase 1": [valeur(v, u, manquant="–") for v, u in zip(two["valeur_1"], units)],
            "Phase 2": [valeur(v, u, manquant="–") for v, u in zip(two["valeur_2"], units)],
        }
    )


def tableau_publies(*publies: pd.DataFrame) -> pd.DataFrame:
    """Published figures (``faits.publies`` of each phase) beside ours: Chiffre publié, Valeur,
    Date, Source, Ici (our value of the same fact, "–" when none is comparable); the addresses
    of the sources are in ``ecarts_publies``."""
    rows = pd.concat(publies, ignore_index=True)
    return pd.DataFrame(
        {
            "Chiffre publié": rows["quoi"].to_numpy(),
            "Valeur": [valeur(v, u) for v, u in zip(rows["valeur"], rows["unite"])],
            "Date": rows["date"].to_numpy(),
            "Source": rows["source"].to_numpy(),
            "Ici": [valeur(v, u, manquant="–") for v, u in zip(rows["ici"], rows["unite"])],
        }
    )


def ecarts_publies(*publies: pd.DataFrame) -> str:
    """French bullet list: each published figure, its source and why ours differs (or why none is computed)."""
    rows = pd.concat(publies, ignore_index=True)
    return "\n".join(
        f"- **{r.quoi}** : {texte.valeur(r.valeur, r.unite)} ([{r.source}, {r.date}]({r.url})). {r.explication}"
        for r in rows.itertuples()
    )


def _stabilite(ari: float) -> str:
    if ari >= 0.8:
        return "stable"
    if ari >= 0.6:
        return "moyennement stable : les grands profils résistent au rééchantillonnage, mais des territoires proches d'une frontière changent de profil"
    return "fragile : une partie des territoires change de profil d'un échantillon à l'autre, les profils sont des repères plus que des classes nettes"


def _liste(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]


def regle_k(silhouettes: pd.DataFrame) -> str:
    """The rule that chose the number of profiles (``typologie.choose_k``), with the k it chose."""
    best = silhouettes.loc[silhouettes["silhouette"].idxmax()]
    ks = silhouettes["k"].astype(int)
    return (
        f"parmi k = {ks.min()} à {ks.max()}, le nombre de profils de meilleure silhouette moyenne "
        f"(k = {int(best['k'])} : {nombre(best['silhouette'], 3)})"
    )


def raison_profil(r: pd.Series) -> str:
    """Why a profile's representative is typical, on one distinctive indicator (a row of
    ``TypologyResult.reasons``): the profile's mean against all territories', and its value."""
    ecart = round(r["moyenne_profil"], 1) - round(r["moyenne_ensemble"], 1)  # as printed
    sens = "au-dessus de" if ecart > 0 else "en dessous de" if ecart < 0 else "égale à"
    return (
        f"{r['libelle']} : moyenne du profil {sens} celle de l'ensemble des territoires ({nombre(r['moyenne_profil'], 1)} contre "
        f"{nombre(r['moyenne_ensemble'], 1)}) ; {nombre(r['valeur_territoire'], 1)} pour ce territoire"
    )


def texte_typologie(result: TypologyResult, phase: int, exclus: pd.DataFrame, imputes: pd.DataFrame) -> str:
    """French paragraph: inputs, imputed values by name, excluded TI with their reason, k rule
    and choice, stability. ``exclus``: ``profils.exclus_typologie``; ``imputes``: ``profils.imputes``."""
    if imputes.empty:
        imputation = "aucune valeur manquante"
    else:
        by_indicator = imputes.groupby("indicator", sort=False)["lib_ti"].agg(list)
        imputation = "valeurs manquantes remplacées par la médiane des territoires : " + " ; ".join(
            f"{result.indicator_labels.get(c, c).lower()} pour {_liste(names)}" for c, names in by_indicator.items()
        )
    reasons = {
        "données manquantes": "plus d'un tiers des indicateurs manquent (le profil des EPCI du recensement et de Filosofi ne couvre pas l'outre-mer)",
        "périmètre": "le territoire réunit moins de la moitié de la population des EPCI dont proviennent les valeurs du recensement et de Filosofi",
    }
    left_out = " ".join(
        f"{_liste(group['lib'].tolist())} : hors de la typologie, car {reasons[reason]}."
        for reason, group in exclus.groupby("raison", sort=True)
    )
    best = result.silhouettes.loc[result.silhouettes["retenu"]].iloc[0]
    absents = [result.indicator_labels.get(c, c).lower() for c in TYPOLOGY_INDICATORS if c not in result.raw.columns]
    pas_encore = (
        f" Pas encore publiés à cette date, {'un indicateur est laissé' if len(absents) == 1 else 'des indicateurs sont laissés'} "
        f"de côté : {', '.join(absents)}."
        if absents
        else ""
    )
    return (
        f"La typologie de la phase {phase} porte sur {nombre(len(result.raw))} territoires et "
        f"{nombre(result.raw.shape[1])} indicateurs centrés-réduits ({imputation}).{pas_encore} {left_out} "
        f"Les profils sont obtenus par k-moyennes. Nombre de profils retenu : {regle_k(result.silhouettes)}. "
        f"Une silhouette moyenne de {nombre(best['silhouette'], 3)} indique des profils qui se recouvrent en partie plutôt "
        "que des groupes bien séparés. "
        f"Stabilité : l'indice de Rand ajusté moyen entre la partition retenue et {len(result.stability)} ré-estimations "
        f"sur échantillons bootstrap est de {nombre(result.mean_ari, 2)} ; la typologie est {_stabilite(result.mean_ari)}. "
        "Un profil porte les mots de ses dimensions les plus marquées (industrie, dynamisme de l'emploi, difficulté "
        "sociale, densité), chacun vérifié sur les moyennes du profil : « urbain » ou « rural », une densité au-dessus ou "
        "en dessous de la médiane des territoires ; « industriel », une part de l'industrie au-dessus de la médiane ; "
        "« dynamique » ou « en repli », une croissance de l'emploi salarié privé depuis 2018 au-dessus ou en dessous de la "
        "médiane ; « en difficulté sociale », un taux de chômage ou de pauvreté au-dessus de la médiane, « socialement "
        "favorisé », les deux en dessous."
    )


def tableau_silhouettes(result: TypologyResult) -> pd.DataFrame:
    """k, mean silhouette, inertia and the retained k, as French strings."""
    return tableau(
        result.silhouettes,
        {"k": ("Nombre de profils (k)", 0), "silhouette": ("Silhouette moyenne", 3), "inertie": ("Inertie intra-profils", 0),
         "retenu": ("Retenu", lambda b: "oui" if b else "")},
    )


# Indicators of the table of profiles, in order (headings and decimals from the registry); the
# density of the typology, not an indicator of the registry, follows them.
PROFIL_INDICATEURS = ("part_industrie", "emploi_prive_tcam", "ss_effet_local_pct", "taux_chomage_rp", "taux_pauvrete", "revenu_median")


def tableau_profils(result: TypologyResult) -> pd.DataFrame:
    """One row per profile: name, number of TI and mean values of key indicators (French
    strings), then the median of all the territories the profile names are checked against."""
    table = profils(result)
    median = result.raw.astype("float64").median()
    rows = pd.concat(
        [table, pd.DataFrame([{"profil": "Médiane des territoires", "n_ti": len(result.raw), **median.to_dict()}])],
        ignore_index=True,
    )
    columns = {c: (heading(c), indicator(c).decimals) for c in PROFIL_INDICATEURS}
    columns[DENSITE] = (f"{DENSITE_LIBELLE_COURT}, hab./km²", lambda v: nombre(10**v))
    shown = {c: f for c, f in columns.items() if c in result.raw.columns}  # not those unpublished yet
    return tableau(rows, {"profil": ("Profil", None), "n_ti": ("TI", 0), **shown})


def texte_monographies(choix: pd.DataFrame) -> str:
    """French paragraph stating the rule of the monograph choice, then the numbered list of the
    territories (each linked to its monograph) with the reason of each choice and, when the
    team's choices (or the data) leave some, the criteria of the rule the four do not meet."""
    regle = (
        "Quatre territoires de la phase 2 font l'objet d'une monographie. Ils sont choisis pour contraster sur ce dont "
        "le programme traite : deux territoires industriels en difficulté (croissance de l'emploi salarié privé depuis 2018 "
        "dans le quart le plus bas des territoires de la phase, part de l'industrie dans l'emploi au-dessus de la médiane) et "
        "deux territoires industriels dynamiques (quart le plus haut, même condition d'industrie). Pour qu'aucun ne soit le "
        "jumeau d'un autre, ils appartiennent à quatre profils différents de la typologie quand elle en compte au moins quatre "
        f"(sinon, jamais deux dans le même profil et le même quart de croissance), aucun n'est parmi les {texte.en_lettres(N_PROCHES)} plus "
        "proches voisins d'un autre sur l'ensemble des indicateurs de la typologie, et ils sont dans quatre régions différentes. "
        "Parmi les candidats, la règle prend les plus proches du centre de leur profil (les plus typiques). La Fabrique de "
        "l'industrie avait choisi ses terrains d'enquête de façon comparable, parmi des zones d'emploi très industrielles à la "
        "croissance éloignée de la moyenne (Fouqueray, 2020). L'équipe peut imposer des territoires : ils passent alors en "
        "premier, la règle complète les places restantes, et ce que les quatre ne remplissent pas est dit ci-dessous."
    )
    items = [
        f"{r.rang}. [**{r.lib_ti}**]({lien_monographie(r.id_ti)}) ({r.id_ti}), profil « {r.profil} »"
        + (" (choix de l'équipe)" if r.source != "typologie" else f", rôle « {r.role} »")
        + f" : {r.raison}."
        for r in choix.itertuples()
    ]
    manquants = criteres_manquants(choix)
    qui = "Avec les choix de l'équipe, les" if (choix["source"] != "typologie").any() else "Les"
    note = [f"{qui} quatre territoires ne remplissent pas : " + " ; ".join(CRITERES_FR[c] for c in manquants) + "."] if manquants else []
    if inconnus_regle(choix) & {"croissance_basse", "croissance_haute"}:
        note.append(
            "À cette date, la croissance de l'emploi salarié privé depuis 2018 n'est pas encore publiée : les quatre "
            "territoires sont choisis parmi les plus industriels, sous les mêmes conditions de contraste."
        )
    return "\n\n".join([regle, "\n".join(items), *note])


def tableau_monographies(choix: pd.DataFrame) -> pd.DataFrame:
    """The four territories with the values that make them contrast (French strings): région,
    profile, growth since 2018 and its quartile (▲ top quarter, ▼ bottom quarter of the phase's
    TI), industry's share against the phase's median, the other chosen territories among its
    nearest neighbours in the typology."""

    def quart(r) -> str:
        if pd.isna(r.quartile):
            return "–"
        return valeur(r.croissance, "%/an") + {1: " ▼ (quart le plus bas)", 4: " ▲ (quart le plus haut)"}.get(
            int(r.quartile), f" ({texte.ordinal(int(r.quartile))} quart)")

    noms = choix.set_index("id_ti")["lib_ti"]
    return pd.DataFrame(
        {
            "Territoire": [f"{r.lib_ti} ({r.id_ti})" for r in choix.itertuples()],
            "Région": choix["lib_region"].to_numpy(),
            "Profil": choix["profil"].to_numpy(),
            "Emploi privé depuis 2018": [quart(r) for r in choix.itertuples()],
            "Industrie (% de l'emploi)": [
                f"{valeur(r.industrie, '%')} ({'au-dessus' if r.industrie_haute else 'en dessous'} de la médiane, "
                f"{valeur(r.industrie_mediane, '%')})" for r in choix.itertuples()
            ],
            f"Parmi ses {texte.en_lettres(N_PROCHES)} plus proches voisins": [
                ", ".join(noms[i] for i in r.proches.split(", ")) if r.proches else "aucun des trois autres" for r in choix.itertuples()
            ],
            "Choix": [r.role if r.source == "typologie" else "équipe" for r in choix.itertuples()],
        }
    )


# Labels of the regression terms, in order (constant, covariates, outcomes): the registry's
# labels, the density's as in the typology. Derived, not declared: the registry is the home.
COMPARAISON_LABELS = {"const": "Constante"} | {
    t: DENSITE_LABEL if t == DENSITE else indicator(t).label for t in (*COMPARAISON_COVARIATES, *COMPARAISON_OUTCOMES)
}


MESURES_REUSSITE = {
    "ss_effet_local_pct": "l'effet local de la décomposition structurelle-résiduelle (la croissance de l'emploi que ni la "
    "conjoncture nationale ni la composition sectorielle n'expliquent)",
    "emploi_prive_tcam_ecart_france": "l'écart de croissance annuelle de l'emploi à la France depuis 2018",
}


def texte_comparaison(regressions: Mapping[str, pd.DataFrame], coupe: pd.DataFrame) -> str:
    """French introduction of the cross-section regressions (sample, outcomes, reading), naming
    the territories left out and what they lack. ``coupe``: ``comparaison.comparaison_ti``. In a
    month where a measure of success is not published yet, only the other is related; without
    either, one sentence says so."""
    if not regressions:
        return (
            "Ni l'effet local de la décomposition structurelle-résiduelle ni la croissance de l'emploi depuis 2018 ne sont "
            "encore publiés à cette date : la comparaison des territoires qui font mieux n'est pas encore possible."
        )
    n = int(next(iter(regressions.values()))["n_obs"].iloc[0])
    variables = [c for c in COMPARAISON_LABELS if c in coupe.columns and c != "const"]
    missing = coupe[variables].isna()
    lacking = missing.apply(lambda row: tuple(c for c in variables if row[c]), axis=1)
    groups = coupe.loc[missing.any(axis=1), "lib"].groupby(lacking[missing.any(axis=1)], sort=False).agg(list)
    left_out = " ; ".join(
        f"{_liste(names)} (sans {_liste([COMPARAISON_LABELS[c].lower() for c in cols])})" for cols, names in groups.items()
    )
    mesures = [MESURES_REUSSITE[o] for o in regressions]
    quoi = f"deux mesures de réussite — {mesures[0]} et {mesures[1]} —" if len(mesures) == 2 else f"une mesure de réussite, {mesures[0]},"
    return (
        f"Pour {nombre(n)} des {nombre(len(coupe))} territoires de la phase 1, on relie {quoi} à leurs caractéristiques, à "
        "région donnée (effets fixes région). "
        + (f"Sont laissés de côté, faute d'une des variables : {left_out}. Le recensement par EPCI ne couvre pas l'outre-mer, "
           "et ses valeurs ne décrivent pas un territoire qui réunit moins de la moitié de la population de ses EPCI. "
           if left_out else "")
        + "Les variables explicatives sont centrées-réduites : un coefficient se lit comme l'écart associé à un écart-type "
        "de plus. Ce sont des associations, non des effets causaux ; un astérisque signale un coefficient significatif au "
        "seuil de 5 %."
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


RELANCE_REVISION = "2022-02"  # the month the cumulative series was revised downwards


def texte_relance(par_departement: pd.DataFrame, mensuel: pd.DataFrame, ols: pd.DataFrame | None) -> str:
    """French paragraph on France Relance industrial firms and the weight of TI by département
    (the series published so far: it starts in 2020)."""
    if par_departement.empty:
        return (
            "Le Baromètre des résultats de l'action publique n'a encore publié aucun mois du suivi des entreprises "
            "industrielles aidées par France Relance : cette section sera remplie dès le premier mois publié."
        )
    first, last = mensuel["mois"].min(), mensuel["mois"].max()
    intro = (
        "Le Baromètre des résultats de l'action publique publie, par département et par mois "
        f"(de {texte.observation_fr(first)} à {texte.observation_fr(last)} à cette date), le nombre d'entreprises industrielles "
        "(PME comprises) bénéficiaires des aides à l'investissement de France Relance. On le rapproche du poids des "
        "territoires d'industrie de la phase 1 dans chaque département (part de la population départementale vivant dans "
        "un TI). "
    )
    revision = ", révisé à la baisse en février 2022" if last >= RELANCE_REVISION else ""
    total = par_departement["entreprises"].sum()
    peak = mensuel.groupby("mois")["entreprises"].sum()
    slope = ols.loc[ols["term"] == "part_population_ti"].iloc[0]
    corr = par_departement["part_population_ti"].corr(par_departement["entreprises_100k"])
    groups = par_departement.groupby("groupe").apply(lambda d: 1e5 * d["entreprises"].sum() / d["population"].sum())
    return intro + (
        f"Fin {texte.observation_fr(last)}, {nombre(total)} entreprises industrielles avaient bénéficié des aides à l'investissement de "
        f"France Relance dans les {nombre(len(par_departement))} départements (maximum {nombre(peak.max())} en {texte.observation_fr(peak.idxmax())} : "
        f"la série est un cumul{revision}). "
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
