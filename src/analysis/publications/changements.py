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

from analysis import mois
from analysis.analyses import reperes
from analysis.analyses.positions import SENS, mouvements_rangs
from analysis.donnees import millesimes
from analysis.texte import accord, minuscule, nombre, observation_fr, pluriel, pourcent, rang_fr, valeur

# An indicator "moved" when its value for the same territory and period changed by more than
# this many percent (relative), or appeared/disappeared.
SEUIL_PCT = 1.0


def nouvelles_donnees(avant: pd.DataFrame, apres: pd.DataFrame) -> pd.DataFrame:
    """Per indicator, the periods present now that were absent before (new data published)."""
    def observations(df: pd.DataFrame) -> pd.Series:
        return df.groupby("indicator")["observation"].agg(lambda s: set(s.unique()))

    before, after = observations(avant), observations(apres)
    rows = [
        {"indicator": ind, "nouvelles_observations": sorted(now - before.get(ind, set()))}
        for ind, now in after.items()
        if now - before.get(ind, set())
    ]
    return pd.DataFrame(rows, columns=["indicator", "nouvelles_observations"])


def mouvements(avant: pd.DataFrame, apres: pd.DataFrame, seuil_pct: float = SEUIL_PCT) -> pd.DataFrame:
    """Values of the same (territory, indicator, period) that changed by more than ``seuil_pct`` %.

    Revisions of already published periods show here (e.g. URSSAF revising a year).
    """
    keys = ["id_ti", "indicator", "observation"]
    merged = avant[[*keys, "value"]].merge(apres[[*keys, "lib", "value"]], on=keys, suffixes=("_avant", "_apres"))
    change = (merged["value_apres"] - merged["value_avant"]).abs()
    rel = 100 * change / merged["value_avant"].abs().where(merged["value_avant"] != 0)
    moved = merged.assign(ecart_pct=rel).loc[(rel > seuil_pct) | (rel.isna() & (change > 0))]
    return moved.sort_values("ecart_pct", ascending=False, na_position="first").reset_index(drop=True)


def profils_changes(avant: pd.Series, apres: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Territories that moved to another profile, and profiles that were only renamed.

    Profile names come from each period's centroids, so a profile can keep its members and
    change name when its centroid shifts. Each profile of ``apres`` is matched to the
    ``avant`` profile sharing most of its territories; a territory "changes profile" when its
    ``avant`` profile is not the match of its ``apres`` profile. Returns (moves, renames):
    moves has id_ti, profil_avant, profil_apres; renames has profil_avant, profil_apres, n_communs.
    """
    both = pd.concat({"profil_avant": avant, "profil_apres": apres}, axis=1).dropna()
    overlap = both.groupby(["profil_apres", "profil_avant"]).size().rename("n_communs").reset_index()
    match = overlap.sort_values("n_communs", ascending=False).drop_duplicates("profil_apres")
    matched = both["profil_apres"].map(match.set_index("profil_apres")["profil_avant"])
    moves = both.loc[both["profil_avant"] != matched].rename_axis("id_ti").reset_index()
    renames = match.loc[match["profil_avant"] != match["profil_apres"], ["profil_avant", "profil_apres", "n_communs"]]
    return moves, renames.reset_index(drop=True)


MAX_FAITS = 5
PREMIER_MOIS = f"{observation_fr(mois.FIRST_PERIODE).capitalize()} est le premier mois de l'observatoire : il n'a pas de mois précédent à comparer."



def titre(periode: str, precedente: str | None) -> str:
    """The page title, naming the month and the previous one."""
    if precedente is None:
        return f"# Ce que montre {observation_fr(periode)}, premier mois de l'observatoire"
    return f"# Ce qui a changé entre {observation_fr(precedente)} et {observation_fr(periode)}"


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


def rangs_bouges(avant: dict[int, pd.DataFrame], apres: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """Rank moves among the TI of each phase (``positions.mouvements_rangs`` on the ``SENS``
    indicators), with the phase and the territory's name, largest first."""
    parts = [
        mouvements_rangs(avant[phase], apres[phase], list(SENS)).assign(
            phase=phase, lib=lambda d, phase=phase: d["id_ti"].map(apres[phase].set_index("id_ti")["lib"]))
        for phase in apres
    ]
    moves = pd.concat(parts, ignore_index=True)
    return moves.assign(_a=moves["gain"].abs()).sort_values("_a", ascending=False, kind="stable").drop(columns="_a").reset_index(drop=True)


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
        month = observation_fr(row.attendue)
        return f"{month} (publiée d'après le calendrier, absente des données utilisées)" if row.en_retard else month

    return pd.DataFrame({
        "Source": vintages["libelle"].to_numpy(),
        "Dernière observation disponible": [observation_fr(o) if isinstance(o, str) else "aucune encore" for o in vintages["observation"]],
        "Publiée en": [observation_fr(p) if isinstance(p, str) else "–" for p in vintages["publiee"]],
        "Prochaine observation": [observation_fr(p) for p in vintages["prochaine"]],
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
