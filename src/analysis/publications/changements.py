"""What changed since the previous month, for the monthly meeting: the age of each source's data
first (``age_des_sources``), the facts of the month in five lines at most, the data vintages (latest observation of each source, when it was published,
which one comes next and when), the headline figures over twelve months, then the detailed
tables (new data, revisions, profiles, ranks).

The previous month is the calendar month before (``indicateurs.build.previous_periode``); its
tables are those computed as of that month (``analyses.reperes.tables``: built by the run when they
were not, never written into that month's folder), so the page is never empty because a machine
is new.
"""

from __future__ import annotations

import pandas as pd

from analysis import config, mois
from analysis.analyses import reperes
from analysis.analyses.revisions import SEUIL_PCT, Comparaison
from analysis.donnees import millesimes
from analysis.publications.figures import Bloc
from analysis.texte import accord, minuscule, nombre, observation_fr, pluriel, pourcent, rang_fr, valeur

MAX_FAITS = 5
PREMIER_MOIS = f"{observation_fr(mois.FIRST_PERIODE).capitalize()} est le premier mois de l'observatoire : il n'a pas de mois précédent à comparer."
AUTRES_SOURCES = ("Les autres sources (recensement et Filosofi par EPCI, listes des territoires et des villes des programmes, "
                  "géographie) sont des fichiers de référence, au même millésime pour tous les mois.")
N_LIGNES = 15  # rows of the revisions and rank moves shown

def titre(periode: str, precedente: str | None) -> str:
    """The page title, naming the month and the previous one."""
    if precedente is None:
        return f"# Ce que montre {observation_fr(periode)}, premier mois de l'observatoire"
    return f"# Ce qui a changé entre {observation_fr(precedente)} et {observation_fr(periode)}"


def introduction(c: Comparaison) -> list[Bloc]:
    """The title and the paragraph that says which months are compared, and how."""
    periode, precedente = c.periode, c.precedente
    return [titre(periode, precedente), (
        f"Les indicateurs de **{observation_fr(periode)}** (données publiées au {mois.asof_date(periode):%d/%m/%Y}) "
        + (f"sont comparés à ceux de **{observation_fr(precedente)}**, calculés de la même façon avec les seules données publiées à "
           f"la fin de ce mois-là. Une valeur est dite révisée quand, pour un même territoire et une même période d'observation, "
           f"elle varie de plus de {pourcent(SEUIL_PCT)}." if precedente else
           "n'ont pas de mois précédent : le programme commence ce mois-ci. La page décrit les données disponibles.")
    )]


def faits(c: Comparaison) -> str:
    """The facts of the month (``faits_du_mois``): new sources, then against the month before the
    largest rank move, the revisions and the profiles, then the headline share."""
    lignes = [fait_sources(c.millesimes, c.millesimes_avant)]
    if c.precedente:
        lignes += [
            fait_rangs(c.rangs, c.registre),
            fait_revisions(pd.concat(c.revisions.values(), ignore_index=True), c.registre),
            fait_profils({phase: change for phase, (change, _) in c.profils.items()}),
        ]
    lignes.append(fait_reperes(c.reperes, config.REGION_PHASE))
    return faits_du_mois(lignes)


def section_nouvelles(c: Comparaison) -> list[Bloc]:
    """Per phase, the indicators with new observation periods, and the table of them."""
    blocs: list[Bloc] = [] if c.precedente else [PREMIER_MOIS]
    for phase in c.avant:
        nouveau = c.nouvelles(phase)
        if nouveau.empty:
            blocs.append(f"Phase {phase} : aucune nouvelle période d'observation depuis {observation_fr(c.precedente)}.")
        else:
            blocs.append(f"Phase {phase} : {nombre(nouveau['indicator'].nunique())} indicateurs ont de nouvelles périodes d'observation.")
            blocs.append(tableau_nouvelles(nouveau, c.registre))
    return blocs


def tableau_nouvelles(nouveau: pd.DataFrame, registre: pd.Series) -> pd.DataFrame:
    """New observation periods (``revisions.nouvelles_donnees``) as a French table."""
    return nouveau.assign(
        Indicateur=nouveau["indicator"].map(registre),
        **{"Nouvelles périodes": nouveau["nouvelles_observations"].map(", ".join)},
    )[["Indicateur", "Nouvelles périodes"]].drop_duplicates()


def section_revisions(c: Comparaison) -> list[Bloc]:
    """Per phase, how many values were revised beyond the threshold, and the largest."""
    blocs: list[Bloc] = [] if c.precedente else [PREMIER_MOIS]
    for phase, bouge in c.revisions.items():
        blocs.append(f"Phase {phase} : {pluriel(len(bouge), 'valeur', zero='aucune')} {accord(len(bouge), 'révisée')} "
                     f"de plus de {pourcent(SEUIL_PCT)} "
                     f"entre {observation_fr(c.precedente)} et {observation_fr(c.periode)}.")
        if not bouge.empty:
            blocs.append(tableau_revisions(bouge.head(N_LIGNES), c.registre, c.precedente, c.periode))
    return blocs


def tableau_revisions(bouge: pd.DataFrame, registre: pd.Series, precedente: str, periode: str) -> pd.DataFrame:
    """Revised values (``revisions.mouvements``) as a French table naming both months."""
    avant, apres = observation_fr(precedente).capitalize(), observation_fr(periode).capitalize()
    return bouge.assign(
        Territoire=bouge["lib"], Indicateur=bouge["indicator"].map(registre), Période=bouge["observation"],
        **{avant: bouge["value_avant"].map(lambda v: nombre(v, 1)), apres: bouge["value_apres"].map(lambda v: nombre(v, 1))},
        Écart=bouge["ecart_pct"].map(lambda v: pourcent(v)),
    )[["Territoire", "Indicateur", "Période", avant, apres, "Écart"]]


def section_profils(c: Comparaison) -> list[Bloc]:
    """Per phase, the territories that changed profile and the profiles only renamed."""
    blocs: list[Bloc] = [] if c.precedente else [PREMIER_MOIS]
    for phase, (change, renommes) in c.profils.items():
        noms = c.actuel[phase].wide.set_index("id_ti")["lib"]
        blocs.append(texte_profils(phase, len(change), len(c.actuel[phase].profils), len(renommes), c.precedente, c.periode))
        colonnes = {"profil_avant": f"Profil en {observation_fr(c.precedente)}", "profil_apres": f"Profil en {observation_fr(c.periode)}"}
        if not renommes.empty:
            blocs.append(renommes.rename(columns={**colonnes, "n_communs": "Territoires communs"}))
        if not change.empty:
            blocs.append(change.assign(Territoire=change["id_ti"].map(noms)).rename(columns={"id_ti": "Identifiant", **colonnes})[
                ["Territoire", "Identifiant", *colonnes.values()]])
    return blocs


def section_rangs(c: Comparaison) -> list[Bloc]:
    """How many ranks changed between the two months, and the largest moves."""
    if c.rangs is None:
        return [PREMIER_MOIS]
    quand = f"entre {observation_fr(c.precedente)} et {observation_fr(c.periode)}"
    if c.rangs.empty:
        return [f"Aucun rang n'a changé {quand}."]
    return [f"{nombre(len(c.rangs))} rangs ont changé {quand} (rang parmi les territoires d'industrie de la phase, "
            "1 = valeur la plus élevée) ; les quinze plus forts :",
            tableau_rangs(c.rangs.head(N_LIGNES), c.registre, c.precedente, c.periode)]


def _nouvelles_sources(vintages: pd.DataFrame, avant: pd.DataFrame | None) -> pd.DataFrame:
    """The sources whose latest observation changed since the previous month's vintages."""
    if avant is None:
        return vintages.iloc[0:0]
    before = avant.set_index("dataset")["observation"]
    return vintages.loc[vintages["observation"].fillna("") != vintages["dataset"].map(before).fillna("")]


def fait_sources(vintages: pd.DataFrame, avant: pd.DataFrame | None) -> str:
    """Which sources published a new period this month (against the vintages of the month
    before, ``avant``), or when the last publication was."""
    new = _nouvelles_sources(vintages, avant)
    if len(new):
        items = "; ".join(f"{r.libelle} : {observation_fr(r.observation)}" for r in new.itertuples())
        return f"**Nouvelles données** ({pluriel(len(new), 'source')}) : {items}."
    published = vintages.dropna(subset=["publiee"])
    if published.empty:
        return "**Aucune source périodique n'a encore publié de données.**"
    month = published["publiee"].max()
    last = published.loc[published["publiee"] == month]
    late = vintages.loc[vintages["en_retard"]]
    calendar = (
        f" ; d'après leur calendrier, {pluriel(len(late), 'source')} {'a' if len(late) == 1 else 'ont'} pourtant publié depuis "
        "des périodes absentes des données lues (voir l'âge des données)" if len(late) else ""
    )
    when = observation_fr(month)
    return (
        "**Aucune période nouvelle dans les données lues ce mois-ci** ; les dernières entrées datent "
        f"{'d' + chr(39) if when[0] in 'aeiou' else 'de '}{when} : "
        + " ; ".join(f"{r.libelle}, {observation_fr(r.observation)}" for r in last.itertuples()) + f"{calendar}."
    )


def age_des_sources(vintages: pd.DataFrame) -> str:
    """The age of each periodic source, what opens the page: what the data used hold and, from
    the declared calendar, whether the source has published more since (``millesimes.age``)."""
    lignes = [f"- **{r['libelle']}** : {millesimes.age(r)}." for r in vintages.to_dict("records")]
    return "**Âge des données utilisées**, source par source :\n\n" + "\n".join(lignes)


def fait_rangs(moves: pd.DataFrame, registre: pd.Series) -> str:
    """The largest move in ranks (``rangs_bouges``), or that none moved."""
    if moves.empty:
        return "**Aucun rang n'a changé** parmi les territoires d'industrie des deux phases."
    top = moves.iloc[0]
    return (
        f"**Plus fort mouvement de rang** : {top['lib']} (phase {top['phase']}), {minuscule(registre[top['indicator']])}, "
        f"de {rang_fr(top['rang_avant'], top['n'])} à {rang_fr(top['rang_apres'], top['n'])} "
        f"({pluriel(len(moves), 'rang')} {'a' if len(moves) == 1 else 'ont'} changé en tout)."
    )


def fait_revisions(revisions: pd.DataFrame, registre: pd.Series, seuil_pct: float = SEUIL_PCT) -> str:
    """How many published values were revised beyond the threshold, and the largest."""
    if revisions.empty:
        return f"**Aucune valeur déjà publiée n'a été révisée** de plus de {pourcent(seuil_pct)}."
    top = revisions.sort_values("ecart_pct", ascending=False, na_position="last").iloc[0]
    return (
        f"**{pluriel(len(revisions), 'valeur')} déjà {'publiée révisée' if len(revisions) == 1 else 'publiées révisées'}** "
        f"de plus de {pourcent(seuil_pct)} ; la plus forte : {top['lib']}, {minuscule(registre[top['indicator']])} "
        f"({top['observation']}), {pourcent(top['ecart_pct'])}."
    )


def fait_profils(changes: dict[int, pd.DataFrame]) -> str:
    """How many territories changed profile, per phase."""
    n = {phase: len(c) for phase, c in changes.items()}
    if not sum(n.values()):
        return "**Aucun territoire ne change de profil** dans la typologie des deux phases."
    detail = ", ".join(f"phase {phase} : {nombre(k)}" for phase, k in n.items())
    return f"**{pluriel(sum(n.values()), 'territoire')} {'change' if sum(n.values()) == 1 else 'changent'} de profil** ({detail})."


# How the territories' share of France is counted: their communes' jobs added up (counting the
# EPCI at least half in a territory would give another figure).
SOMME_COMMUNES = "emplois de leurs communes additionnés"


def fait_reperes(serie: pd.DataFrame, phase: int) -> str:
    """The share of France's private jobs in the TI of ``phase`` (``SOMME_COMMUNES``), now and at
    the start of the twelve months (``reperes.serie_reperes``)."""
    part = serie.loc[(serie["cle"] == reperes.PART_EMPLOI_TI) & (serie["phase"] == phase)].sort_values("periode")
    first, last = part.iloc[0], part.iloc[-1]
    since = (
        f", contre {pourcent(first['valeur'])} en {observation_fr(first['periode'])} (emploi {first['observation']})"
        if first["periode"] != last["periode"] else ""
    )
    return (
        f"**Part de l'emploi salarié privé de France dans les territoires de la phase {phase}** ({SOMME_COMMUNES}) : "
        f"{pourcent(last['valeur'])} (emploi {last['observation']}){since}."
    )


def faits_du_mois(lignes: list[str]) -> str:
    """The facts of the month as a Markdown list, five lines at most."""
    return "\n".join(f"- {line}" for line in lignes[:MAX_FAITS])


def tableau_millesimes(vintages: pd.DataFrame) -> pd.DataFrame:
    """The data vintages as a French table: source, latest observation available at the end of
    the month, month of its publication, next observation and the month it is expected in."""
    def attendue(row) -> str:
        if not isinstance(row.attendue, str):  # a living series not obtained yet
            return "–"
        month = observation_fr(row.attendue)
        return f"{month} (publiée d'après le calendrier, absente des données utilisées)" if row.en_retard else month

    return pd.DataFrame({
        "Source": vintages["libelle"].to_numpy(),
        "Dernière observation disponible": [observation_fr(o) if isinstance(o, str) else "aucune encore" for o in vintages["observation"]],
        "Publiée en": [observation_fr(p) if isinstance(p, str) else "–" for p in vintages["publiee"]],
        "Prochaine observation": [observation_fr(p) if isinstance(p, str) else "–" for p in vintages["prochaine"]],
        "Attendue en": [attendue(r) for r in vintages.itertuples()],
        "Dernière publiée d'après le calendrier": [observation_fr(r.calendrier) if r.en_retard else "–" for r in vintages.itertuples()],
    })


def tableau_reperes(serie: pd.DataFrame) -> pd.DataFrame:
    """Share of private jobs in the TI, median employment index and median unemployment rate of
    the TI (with its quarter), one row per month, one column per figure and phase (French strings)."""
    rows = serie.loc[serie["cle"].isin([reperes.PART_EMPLOI_TI, reperes.INDICE_MEDIAN])]
    wide = rows.pivot_table(index="periode", columns=["cle", "phase"], values="valeur", aggfunc="first")
    years = rows.groupby("periode")["observation"].first()
    out = pd.DataFrame({"Mois": [observation_fr(p) for p in wide.index], "Emploi de l'année": years.reindex(wide.index).to_numpy()})
    for phase in sorted(rows["phase"].unique()):
        out[f"Part de l'emploi privé dans les TI ({SOMME_COMMUNES}), phase {phase}"] = [pourcent(v) for v in wide[(reperes.PART_EMPLOI_TI, phase)]]
        out[f"Indice médian des TI, phase {phase}"] = [nombre(v, 1) for v in wide[(reperes.INDICE_MEDIAN, phase)]]
    chomage = serie.loc[serie["cle"] == reperes.CHOMAGE_MEDIAN]
    for phase in sorted(chomage["phase"].unique()):  # the quarter read moves when INSEE publishes an edition
        c = chomage.loc[chomage["phase"] == phase].set_index("periode").reindex(wide.index)
        out[f"Chômage médian des TI, phase {phase}"] = [
            f"{pourcent(v)} ({observation_fr(o, court=True)})" if isinstance(o, str) else "–" for v, o in zip(c["valeur"], c["observation"])]
    return out


def tableau_profils_mois(serie: pd.DataFrame, phase: int) -> pd.DataFrame:
    """Number of TI of each profile of ``phase``, one row per month (French strings; "–" when a
    profile of that name does not exist that month: names follow the profiles' centres)."""
    rows = serie.loc[(serie["cle"] == reperes.N_TI_PROFIL) & (serie["phase"] == phase)]
    wide = rows.pivot_table(index="periode", columns="profil", values="valeur", aggfunc="first")
    wide = wide[wide.max().sort_values(ascending=False).index]
    return pd.DataFrame({"Mois": [observation_fr(p) for p in wide.index],
                         **{c.capitalize(): [valeur(v, "territoires", manquant="–") for v in wide[c]] for c in wide.columns}})


def tableau_rangs(moves: pd.DataFrame, registre: pd.Series, precedente: str, periode: str) -> pd.DataFrame:
    """Rank moves (``rangs_bouges``) as a French table naming both months."""
    return pd.DataFrame({
        "Territoire": moves["lib"].to_numpy(),
        "Phase": moves["phase"].to_numpy(),
        "Indicateur": moves["indicator"].map(registre).to_numpy(),
        f"Rang en {observation_fr(precedente)}": [rang_fr(r, n) for r, n in zip(moves["rang_avant"], moves["n"])],
        f"Rang en {observation_fr(periode)}": [rang_fr(r, n) for r, n in zip(moves["rang_apres"], moves["n"])],
    })


def texte_profils(phase: int, n_change: int, n_territoires: int, n_renommes: int, precedente: str, periode: str) -> str:
    """French sentence: how many territories of the phase change profile between two months,
    and how many profiles keep most of their territories under a new name."""
    quand = f"entre {observation_fr(precedente)} et {observation_fr(periode)}"
    head = (
        f"Phase {phase} : aucun des {nombre(n_territoires)} territoires ne change de profil {quand}" if n_change == 0
        else f"Phase {phase} : {pluriel(n_change, 'territoire')} sur {nombre(n_territoires)} {accord(n_change, 'change', 'changent')} "
             f"de profil {quand}"
    )
    if not n_renommes:
        return head + "."
    return (
        f"{head} ; {pluriel(n_renommes, 'profil')} {accord(n_renommes, 'garde', 'gardent')} l'essentiel de "
        f"{accord(n_renommes, 'ses', 'leurs')} territoires mais {accord(n_renommes, 'change', 'changent')} de nom "
        f"({accord(n_renommes, 'son', 'leur')} centre s'est déplacé)."
    )
