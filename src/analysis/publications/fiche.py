"""What the per-territory fiche (``notebooks/fiche_territoire.ipynb``) says: the key figures
with the territory's rank among the TI of its phase, its forces and faiblesses, and the French
sentences of each section with the numbers filled in. The numbers come from the indicator
tables written by ``analysis.indicateurs.build`` and from ``analysis.analyses.positions``
(ranks, stand-outs, series); the key figures (``CHIFFRES_CLES``) and the indicators quoted per
pillar (``PILIERS_FICHE``) are the registry's (``data/indicateurs.toml``).

Conventions every sentence follows, so that a test can read them back over all territories:

- a number is printed with its period, and a comparison says against what it compares, in the
  form "<verdict> ... (<territoire> contre <référence>)": the verdict ("au-dessus",
  "en dessous", "plus vite", "moins vite", "plus rapide", "moins rapide") is chosen by
  ``texte.comparer`` on the two printed values (``texte.verdict``);
- a stand-out is listed as "<indicateur> (<période>) : <valeur> contre <France> pour la France
  ; <rang> sur <n>, <position>", at most ``MAX_PAR_LECTURE`` per lecture, and a count that
  exceeds the items listed says which are shown ("dont les 4 plus marquées");
- a value published for EPCI the territory mostly does not hold (``positions.hors_perimetre``)
  is printed as "valeur de l'EPCI entier" and never ranked;
- a section without data says so in one sentence and draws nothing (``disponible``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.analyses.positions import FAMILLES, SEUIL_COUVERTURE, SENS, aires, comparaison, hors_perimetre, rangs
from analysis.config import POPULATION_VINTAGE
from analysis.donnees import millesimes, referentiel
from analysis.donnees.loaders import economie
from analysis.indicateurs import emploi_communal
from analysis.indicateurs.areas import COUVERTURES, FRANCE
from analysis.indicateurs.build import non_publies
from analysis.indicateurs.registry import INDICATORS, PILLARS, REGISTRE, key_figures, pillar_indicators
from analysis.texte import article_nom, comparer, majuscule, minuscule, nombre, observation_fr, pluriel, pourcent, quand_fr, rang_fr, valeur, verdict

CHIFFRES_CLES = key_figures()
PILIERS_FICHE: dict[str, tuple[str, ...]] = {pillar: pillar_indicators(pillar) for pillar in PILLARS}

PHASE_PERIODE = {1: "2019-2022", 2: "2023-2027"}
MAX_LISTE = 6  # missing indicators listed by name up to this number, by source above it
MAX_PAR_LECTURE = 4  # forces, faiblesses and traits listed per lecture, the most marked first
EPCI_ENTIER = "valeur de l'EPCI entier"
KINDS_FR = {"EPCI": ("EPCI", "EPCI"), "EPT": ("établissement public territorial", "établissements publics territoriaux"),
            "commune": ("commune membre à titre individuel", "communes membres à titre individuel")}
LECTURES_FR = {  # lecture -> (title, noun singular, noun plural, feminine)
    "force": ("Points forts", "force", "forces", True),
    "faiblesse": ("Points faibles", "faiblesse", "faiblesses", True),
    "trait": ("Traits distinctifs", "trait distinctif", "traits distinctifs", False),
}


def _registre(registre: pd.DataFrame) -> pd.DataFrame:
    return registre.set_index("name")


def _position(table: pd.DataFrame, key: str, column: str = "id_ti") -> int:
    """Row number of ``key`` in ``table[column]`` (a boolean mask per lookup is too slow for 332 fiches)."""
    found = np.flatnonzero(table[column].to_numpy() == key)
    if not found.size:
        raise KeyError(f"{key!r} absent du tableau des indicateurs")
    return int(found[0])


def _ligne(wide: pd.DataFrame, area: str) -> pd.Series:
    return wide.iloc[_position(wide, area)]


def _v(wide: pd.DataFrame, area: str, indicator: str) -> float:
    return float(wide[indicator].to_numpy()[_position(wide, area)])


def _signale(wide: pd.DataFrame, id_ti: str) -> set[str]:
    """Indicators whose value for ``id_ti`` is that of EPCI it mostly does not hold."""
    flags = hors_perimetre(wide)
    if id_ti not in flags.index:
        return set()
    row = flags.loc[id_ti]
    return set(row.index[row.to_numpy(dtype=bool)])


def disponible(wide: pd.DataFrame, id_ti: str, indicators: list[str] | tuple[str, ...]) -> bool:
    """Whether the territory has a value on at least one of ``indicators`` (a chart of them is drawn only then)."""
    row = _ligne(wide, id_ti)
    return any(i in row.index and pd.notna(row[i]) for i in indicators)


def _observation(observations: pd.DataFrame, indicator: str) -> str:
    """The observation of the indicator's value in the wide table, in French ("2023-2024", "2e trimestre 2022")."""
    return observation_fr(observations["observation"].to_numpy()[_position(observations, indicator, "indicator")])


def chiffres_cles(
    wide: pd.DataFrame, observations: pd.DataFrame, registre: pd.DataFrame, id_ti: str, indicators=CHIFFRES_CLES
) -> pd.DataFrame:
    """Key figures of the territory, formatted in French: value, région, France and rank among the TI.

    A value of EPCI the territory mostly does not hold is marked "(EPCI entier)" and has no
    rank. Empty when the territory has no value at all (the fiche then says so in one sentence).
    """
    if not disponible(wide, id_ti, indicators):
        return pd.DataFrame()
    comp = comparaison(wide, id_ti, indicators).pivot(index="indicator", columns="niveau", values="value").reindex(list(indicators))
    rk = rangs(wide, indicators).loc[lambda d: d["id_ti"] == id_ti].set_index("indicator").reindex(list(indicators))
    reg = _registre(registre)
    per = observations.set_index("indicator")["observation"]
    units = reg.loc[list(indicators), "unit"]
    flagged = _signale(wide, id_ti)
    return pd.DataFrame(
        {
            "Indicateur": reg.loc[list(indicators), "label"].to_numpy(),
            "Période": [observation_fr(per.get(i, ""), court=True) for i in indicators],
            "Territoire": [valeur(comp.loc[i, "ti"], units[i]) + (" (EPCI entier)" if i in flagged else "") for i in indicators],
            "Région": [valeur(comp.loc[i, "region"], units[i]) for i in indicators],
            "France": [valeur(comp.loc[i, "france"], units[i]) for i in indicators],
            "Rang parmi les TI": [
                "hors classement" if i in flagged else rang_fr(rk.loc[i, "rang"], int(rk.loc[i, "n"])) for i in indicators
            ],
        }
    )


# --- périmètre -------------------------------------------------------------------------------


def texte_perimetre(wide: pd.DataFrame, registre: pd.DataFrame, phase: int, id_ti: str) -> str:
    """A sentence naming the values that describe EPCI the territory mostly does not hold ("" if
    none), with those EPCI and the share of their population inside it
    (``referentiel.epci_territoire``)."""
    flagged = _signale(wide, id_ti)
    if not flagged:
        return ""
    epci = referentiel.epci_territoire(phase, id_ti)
    reg = _registre(registre)
    covers = [c for c in COUVERTURES if any(INDICATORS[i].geographic_basis == INDICATORS[c].geographic_basis for i in flagged)]
    part = min(_v(wide, id_ti, c) for c in covers)
    partial = epci.loc[epci["part_population_ti"] < SEUIL_COUVERTURE / 100].sort_values("part_population_ti")
    names = " ; ".join(f"{r.lib_epci} : {pourcent(100 * r.part_population_ti, 0)} de sa population vit dans le territoire"
                       for r in partial.itertuples())
    sources = sorted(set(reg.loc[sorted(flagged), "source"].str.split(" (", regex=False).str[0]))
    return (
        f"Périmètre : les indicateurs publiés par EPCI ({' ; '.join(sources)}) ne décrivent pas ce territoire. "
        f"Il ne réunit que {pourcent(part, 0)} de la population des EPCI dont proviennent ces valeurs"
        + (f" ({names})" if names else "")
        + f". Elles sont données comme « {EPCI_ENTIER} » et laissées hors des rangs, des forces et faiblesses et de "
        f"la typologie (seuil : {pourcent(SEUIL_COUVERTURE, 0)} de la population des EPCI)."
    )


# --- forces et faiblesses --------------------------------------------------------------------


def _position_fr(position: str, critere: str) -> str:
    if critere == "décile":
        return "dixième le plus élevé des TI" if position == "haut" else "dixième le plus bas des TI"
    if "quartile" in critere:
        return "quart le plus élevé des TI" if position == "haut" else "quart le plus bas des TI"
    return "au-dessus de la France" if position == "haut" else "en dessous de la France"


def _item(r, reg: pd.DataFrame, observations: pd.DataFrame) -> str:
    unit = reg.loc[r.indicator, "unit"]
    return (
        f"{minuscule(reg.loc[r.indicator, 'label'])} ({_observation(observations, r.indicator)}) : {valeur(r.value, unit)} contre "
        f"{valeur(r.france, unit)} pour la France ; {rang_fr(r.rang, r.n)}, {_position_fr(r.position, r.critere)}"
    )


# The rule of the forces et faiblesses (``positions.forces_faiblesses``), as the fiche and the methods page state it.
REGLE_FR = (
    "Un indicateur est retenu quand le territoire est dans le quart le plus élevé ou le plus bas des TI, ou à plus d'un "
    "écart-type des TI de la France ; c'est une force s'il est aussi du côté favorable de la France, une faiblesse s'il "
    "est du côté défavorable. Un indicateur sans sens favorable n'est un trait distinctif que si le territoire est dans "
    f"le dixième le plus élevé ou le plus bas des TI. Les versions d'une même mesure ({' ; '.join(FAMILLES)}) ne comptent "
    "qu'une fois, par la plus marquée."
)


def _directions_fr(reg: pd.DataFrame) -> str:
    lower = [minuscule(reg.loc[i, "label"]) for i, s in SENS.items() if s < 0 and i in reg.index]
    return (
        f"Une valeur basse est favorable pour : {' ; '.join(lower)} ; une valeur haute pour les autres indicateurs, sauf "
        "ceux qui décrivent sans juger (structure de l'emploi, prix des logements), lus comme traits distinctifs."
    )


def tableau_forces_faiblesses(
    ff: pd.DataFrame, registre: pd.DataFrame, n_max: int | None = MAX_PAR_LECTURE, observations: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The stand-outs as a French table (at most ``n_max`` per lecture, the most marked first).

    Columns: Lecture, Indicateur, [Période, when ``observations`` is given],
    Territoire, France, Rang parmi les TI, Position.
    """
    reg = _registre(registre)
    if n_max is not None:
        ff = ff.groupby("lecture", sort=False).head(n_max)
    units = reg.loc[ff["indicator"], "unit"].to_numpy()
    per = {} if observations is None else {
        "Période": [observation_fr(p, court=True) for p in observations.set_index("indicator")["observation"].reindex(ff["indicator"]).fillna("")]
    }
    return pd.DataFrame(
        {
            "Lecture": ff["lecture"].map({"force": "Force", "faiblesse": "Faiblesse", "trait": "Trait distinctif"}).to_numpy(),
            "Indicateur": reg.loc[ff["indicator"], "label"].to_numpy(),
            **per,
            "Territoire": [valeur(v, u) for v, u in zip(ff["value"], units)],
            "France": [valeur(v, u) for v, u in zip(ff["france"], units)],
            "Rang parmi les TI": [rang_fr(r, n) for r, n in zip(ff["rang"], ff["n"])],
            "Position": [_position_fr(p, c) for p, c in zip(ff["position"], ff["critere"])],
        }
    )


def texte_forces_faiblesses(
    ff: pd.DataFrame, registre: pd.DataFrame, observations: pd.DataFrame, n_disponibles: int, n_max: int = MAX_PAR_LECTURE
) -> str:
    """French paragraph and lists: how many forces, faiblesses and traits, and the ``n_max`` most marked of each.

    ``ff``: ``positions.forces_faiblesses``. A force is in the favourable quarter of the TI (or
    far from France on the favourable side) and better than France; a faiblesse the opposite.
    ``n_disponibles``: the number of indicators actually compared, those the territory has a
    ranked value for (``indicateurs_disponibles``; none: the section says so in one sentence).
    """
    reg = _registre(registre)
    if n_disponibles == 0:
        return "Aucun des indicateurs de comparaison n'est disponible pour ce territoire : pas de forces et faiblesses."
    if ff.empty:
        return (
            f"Comparé aux autres territoires d'industrie de la phase sur {pluriel(n_disponibles, 'indicateur')}, le territoire ne se "
            "distingue nettement sur aucun : ni quart le plus élevé ou le plus bas des TI, "
            "ni écart marqué à la France du même côté."
        )
    counts = ff["lecture"].value_counts()

    def compte(lecture: str) -> str:
        _, singular, plural, feminine = LECTURES_FR[lecture]
        return pluriel(int(counts.get(lecture, 0)), singular, plural, zero="aucune" if feminine else "aucun")

    parts = []
    for lecture, (title, *_) in LECTURES_FR.items():
        rows = ff.loc[ff["lecture"] == lecture]
        if rows.empty:
            continue
        shown = rows.head(n_max)
        note = f" ({nombre(len(rows))}, dont les {nombre(len(shown))} plus marqués)" if len(shown) < len(rows) else ""
        parts.append(f"- **{title}**{note} :\n" + "\n".join(f"  - {_item(r, reg, observations)}" for r in shown.itertuples()))
    head = (
        f"Comparé aux autres territoires d'industrie de la phase sur {pluriel(n_disponibles, 'indicateur')}, le territoire se distingue "
        f"sur {nombre(len(ff))} : {compte('force')}, {compte('faiblesse')} et {compte('trait')}. {REGLE_FR} {_directions_fr(reg)}"
    )
    return head + "\n\n" + "\n".join(parts)


def indicateurs_disponibles(wide: pd.DataFrame, id_ti: str, indicators=None) -> int:
    """How many of ``indicators`` (``SENS`` by default) have a value for the territory that is
    ranked (not one of EPCI it mostly does not hold, ``positions.hors_perimetre``)."""
    row = _ligne(wide, id_ti)
    flagged = _signale(wide, id_ti)
    return sum(pd.notna(row.get(i)) and i not in flagged for i in (SENS if indicators is None else indicators))


# --- prose -----------------------------------------------------------------------------------


def _compte(n: int, kind: str) -> str:
    singular, plural = KINDS_FR[kind]
    return f"{nombre(n)} {singular if n == 1 else plural}"


def texte_intro(territoire: pd.Series, membres: pd.DataFrame, communes: pd.DataFrame, cog: int) -> str:
    """Opening paragraph: phase, région(s), members by kind, communes and population.

    ``territoire``: the row of ``referentiel.territoires``; ``membres`` / ``communes``: its rows
    of ``referentiel.membres`` / ``communes_ti`` (``communes`` with ``lib_region``).
    """
    phase = int(territoire["phase"])
    kinds = membres["kind"].value_counts()
    groupes = [_compte(int(kinds[k]), k) for k in KINDS_FR if kinds.get(k, 0)]
    listed = groupes[0] if len(groupes) == 1 else ", ".join(groupes[:-1]) + " et " + groupes[-1]
    regions = communes.groupby("lib_region")["population"].sum().sort_values(ascending=False)
    others = [r for r in regions.index if r != territoire["lib_region"]]
    where = f"en région {territoire['lib_region']}" + (f" (et pour partie en {', '.join(others)})" if others else "")
    unresolved = int(kinds.get(referentiel.UNRESOLVED, 0))
    note = (
        f" Membres publiés par l'ANCT absents du COG {cog}, non comptés : {nombre(unresolved)}." if unresolved else ""
    )
    return (
        f"{majuscule(article_nom(territoire['lib_ti']))}**{territoire['lib_ti']}** ({territoire['id_ti']}) est un territoire d'industrie de la phase {phase} du programme "
        f"({PHASE_PERIODE.get(phase, '')}), situé {where}. Il regroupe {listed}, soit {nombre(len(communes))} communes "
        f"et {nombre(int(communes['population'].sum()))} habitants (population municipale {POPULATION_VINTAGE[cog]}, "
        f"COG {cog}).{note}"
    )


def texte_pas_encore(registre: pd.DataFrame, indicators: list[str], periode: str) -> str:
    """One sentence naming the indicators that no data published by the end of ``periode`` allow
    to compute yet ("" when there are none)."""
    if not indicators:
        return ""
    labels = _registre(registre).loc[list(indicators), "label"].map(minuscule)
    return (
        f"À la fin de {observation_fr(periode)}, les données publiées ne permettent pas encore de calculer : "
        + " ; ".join(labels) + "."
    )


# Why an indicator has no value for a territory, true whatever the case (a file of the source
# that leaves out some territories, the overseas ones in particular, while the source itself
# covers them): the methods page lists the files and what they cover.
MANQUANTS_RAISON = ("Les fichiers de données utilisés par l'observatoire n'en donnent pas de valeur pour ce territoire "
                    "(fichiers et couverture : page Méthodes et définitions) ; ils n'entrent pas dans les rangs.")


def texte_manquants(wide: pd.DataFrame, registre: pd.DataFrame, id_ti: str, indicators=None, periode: str | None = None) -> str:
    """Sentences on the indicators (``CHIFFRES_CLES`` and ``SENS`` by default) without value for
    the territory: those not published yet in the month (``periode``: ``texte_pas_encore``), then
    those its sources do not cover, named when few, else counted by source (the counts add up to
    their total)."""
    indicators = list(dict.fromkeys([*CHIFFRES_CLES, *SENS])) if indicators is None else list(indicators)
    pas_encore = non_publies(wide, indicators) if periode else []
    debut = texte_pas_encore(registre, pas_encore, periode) if pas_encore else ""
    row = _ligne(wide, id_ti)[indicators].astype("float64")
    missing = [i for i in row.index[row.isna()] if i not in pas_encore]
    if not missing:
        return debut
    reg = _registre(registre).loc[missing]
    source = reg["source"].str.split(" (", regex=False).str[0]
    if len(missing) <= MAX_LISTE:
        detail = " (" + " ; ".join(reg["label"].map(minuscule)) + ")"
    else:
        by_source = source.value_counts().sort_index()
        detail = " : " + " ; ".join(f"{nombre(n)} de la source {s}" for s, n in by_source.items())
    if len(missing) == len(indicators):
        head = f"Aucun des {nombre(len(indicators))} indicateurs de cette fiche n'est disponible pour ce territoire"
    else:
        verbe = "n'est pas disponible" if len(missing) == 1 else "ne sont pas disponibles"
        head = f"Sur les {nombre(len(indicators))} indicateurs de cette fiche, {nombre(len(missing))} {verbe} pour ce territoire"
    return " ".join(filter(None, [debut, f"{head}{detail}. {MANQUANTS_RAISON}"]))


def texte_emploi(wide: pd.DataFrame, observations: pd.DataFrame, id_ti: str, periode: str | None = None) -> str:
    """Private employment: level, index 2014 = 100 against France and the région, annual growth
    since 2018; for a month ``periode``, the age of the data (``age_donnees``)."""
    if math.isnan(_v(wide, id_ti, "emploi_prive")):
        return "La série URSSAF de l'emploi salarié privé ne couvre pas ce territoire : cette section est sans données."
    ids = aires(wide, id_ti)
    per = observations.set_index("indicator")["observation"]
    year = per["emploi_prive"]
    lib_region = _ligne(wide, ids["region"])["lib"]
    idx = {k: _v(wide, ids[k], "emploi_prive_indice") for k in ("ti", "region", "france")}
    tcam = {k: _v(wide, ids[k], "emploi_prive_tcam") for k in ("ti", "france")}
    if comparer(idx["ti"], 100, "indice") < 0:
        lecture = "l'emploi y a reculé" + (", alors qu'il a progressé en France" if comparer(idx["france"], 100, "indice") > 0 else "")
    else:
        lecture = "l'emploi y a progressé " + verdict(idx["ti"], idx["france"], "indice", ("plus vite qu'en France", "moins vite qu'en France", "au même rythme qu'en France"))
    if "emploi_prive_tcam" in per:
        first, last = per["emploi_prive_tcam"].split("-")
        rythme = verdict(tcam["ti"], tcam["france"], "%/an", ("plus rapide qu'en France", "moins rapide qu'en France", "égale à celle de la France"))
        croissance = (
            f"De {first} à {last}, sa croissance annuelle moyenne est {rythme} "
            f"({valeur(tcam['ti'], '%/an')} contre {valeur(tcam['france'], '%/an')})."
        )
    else:  # before the employment of 2018 is published (mid-2019)
        croissance = "Sa croissance annuelle moyenne de 2014 à 2018 ne pourra être calculée qu'une fois l'emploi de 2018 publié."
    return (
        f"Fin {year}, le territoire compte {nombre(_v(wide, id_ti, 'emploi_prive'))} emplois salariés privés (URSSAF). "
        f"De 2014 à {year}, {lecture} (indice {year}, base 100 en 2014 : {nombre(idx['ti'], 1)} contre {nombre(idx['france'], 1)} "
        f"pour la France ; région {lib_region} : {nombre(idx['region'], 1)}). " + croissance
        + age_donnees(observations, "emploi_prive", economie.URSSAF_DATASET, periode)
    )


def texte_shift_share(wide: pd.DataFrame, observations: pd.DataFrame, id_ti: str, source: str = emploi_communal.SOURCE_REPLI) -> str:
    """Shift-share decomposition in jobs and in % of 2019 employment, each effect read by its
    sign; the employment is estimated from the zones d'emploi unless the sums of the communes
    (``source``, ``build.source_emploi``) are used."""
    published = observations.set_index("indicator")["observation"]
    if "ss_variation" not in published:  # the sectors of 2019 and of a later year are not both published yet
        return (
            "La décomposition de la variation de l'emploi depuis 2019 n'est pas encore possible : la série d'emploi salarié "
            "privé par secteur et zone d'emploi qu'utilise l'observatoire ne compte pas encore, à cette date, l'année 2019 et une année postérieure."
        )
    per = published["ss_variation"]
    v = {k: _v(wide, id_ti, k) for k in ("ss_variation", "ss_effet_national", "ss_effet_structurel", "ss_effet_local", "ss_variation_pct", "ss_effet_structurel_pct", "ss_effet_local_pct")}
    if math.isnan(v["ss_variation"]):
        return "Les séries URSSAF par zone d'emploi et secteur ne couvrent pas ce territoire : la décomposition n'est pas disponible."

    def jobs(x: float) -> str:
        return f"{'+' if round(x) > 0 else ''}{nombre(x)} emplois"

    def effet(jobs_value: float, words: tuple[str, str, str]) -> str:
        return verdict(round(jobs_value), 0.0, "emplois", words)  # the sign of the printed number of jobs

    first, last = per.split("-")
    estimate = (
        "l'emploi salarié privé de ses communes"
        if source == emploi_communal.SOURCE_COMMUNES
        else f"l'emploi salarié privé estimé du territoire (celui de ses zones d'emploi, attribué au prorata de sa part dans "
        f"leur emploi de {first})"
    )
    mix = effet(v["ss_effet_structurel"], ("favorable", "défavorable", "neutre"))
    local = effet(v["ss_effet_local"], ("mieux", "moins bien", "aussi bien"))
    return (
        f"De {first} à {last}, {estimate} a varié de {jobs(v['ss_variation'])} "
        f"({pourcent(v['ss_variation_pct'], 1, signed=True)}). La croissance nationale en explique "
        f"{jobs(v['ss_effet_national'])} (effet national). Sa composition sectorielle lui est {mix} (effet structurel : "
        f"{jobs(v['ss_effet_structurel'])}, {pourcent(v['ss_effet_structurel_pct'], 1, signed=True)}). À secteurs identiques, "
        f"ses établissements ont fait {local} que la moyenne nationale (effet local : {jobs(v['ss_effet_local'])}, "
        f"{pourcent(v['ss_effet_local_pct'], 1, signed=True)})."
        + ("" if source == emploi_communal.SOURCE_COMMUNES else
           " Cette estimation suit l'emploi de zones d'emploi qui débordent le territoire, quand la série de l'emploi "
           "salarié privé du territoire (URSSAF par commune) additionne celui de ses seules communes : leurs évolutions "
           f"depuis {first} diffèrent pour cette raison.")
    )


def age_donnees(observations: pd.DataFrame, indicator: str, dataset: str, periode: str | None) -> str:
    """" Âge des données : …" for a sentence about the latest period of ``indicator`` in a month
    ``periode`` (``millesimes.age_de``: what the table holds, the edition and copy read when
    declared, whether the source has published more since); "" without a month."""
    if periode is None:
        return ""
    row = observations.set_index("indicator").loc[indicator]
    edition, nature = (row.get(c) if isinstance(row.get(c), str) else None for c in ("edition", "nature"))
    return f" Âge des données : {millesimes.age_de(dataset, periode, row['observation'], edition, nature)}."


def texte_chomage(wide: pd.DataFrame, observations: pd.DataFrame, id_ti: str, periode: str | None = None) -> str:
    """Latest quarterly unemployment rate against France (and the région when published) and,
    for a month ``periode``, the age of the data: the edition read, whether it is a third
    party's derived file, and whether INSEE has published later quarters since (``millesimes.age``)."""
    ids = aires(wide, id_ti)
    per = observations.set_index("indicator")["observation"]["taux_chomage"]
    t = {k: _v(wide, ids[k], "taux_chomage") for k in ("ti", "region", "france")}
    if math.isnan(t["ti"]):
        return "Le taux de chômage localisé n'est pas publié pour les zones d'emploi de ce territoire : cette partie est sans données."
    region = "non publié pour la région" if math.isnan(t["region"]) else f"région {pourcent(t['region'])}"
    niveau = verdict(t["ti"], t["france"], "%", ("au-dessus de celui de la France", "en dessous de celui de la France", "égal à celui de la France"))
    text = (
        f"{quand_fr(per).capitalize()}, le taux de chômage localisé du territoire, estimé à partir "
        f"de ses zones d'emploi, est {niveau} ({pourcent(t['ti'])} contre {pourcent(t['france'])} ; {region})."
    )
    return text + age_donnees(observations, "taux_chomage", economie.CHOMAGE_DATASET, periode)


def texte_demandeurs(wide: pd.DataFrame, observations: pd.DataFrame, id_ti: str, periode: str | None = None) -> str:
    """Latest job seekers, coverage of the series and change since the first month; for a month
    ``periode``, the age of the data (``age_donnees``)."""
    ids = aires(wide, id_ti)
    per = observations.set_index("indicator")["observation"]
    n = _v(wide, id_ti, "demandeurs_emploi")
    cover = _v(wide, id_ti, "demandeurs_emploi_couverture")
    if "demandeurs_emploi" not in per:
        return "La série des demandeurs d'emploi par commune utilisée ici ne compte encore aucun mois publié."
    if math.isnan(n):
        return (
            "Aucune commune du territoire ne figure dans la série des demandeurs d'emploi par commune "
            "(seules les communes les plus peuplées y sont publiées) : cette partie est sans données."
        )
    evol = {k: _v(wide, ids[k], "demandeurs_emploi_evol") for k in ("ti", "france")}
    first, last = per["demandeurs_emploi_evol"].split("/")
    couverture = (
        f", qui regroupent {pourcent(cover, 0)} de sa population (la série ne publie pas les communes les moins peuplées)"
        if round(cover) < 100
        else ", soit toutes ses communes"
    )
    return (
        f"En {observation_fr(per['demandeurs_emploi'])}, {nombre(n)} demandeurs d'emploi sont inscrits dans les communes du "
        f"territoire publiées par France Travail{couverture}. De {observation_fr(first)} à {observation_fr(last)}, leur nombre a varié "
        f"de {pourcent(evol['ti'], 1, signed=True)} (France, communes publiées : {pourcent(evol['france'], 1, signed=True)})."
        + age_donnees(observations, "demandeurs_emploi", economie.DEMANDEURS_DATASET, periode)
    )


def texte_piliers(wide: pd.DataFrame, observations: pd.DataFrame, registre: pd.DataFrame, id_ti: str) -> str:
    """The four pillars of the programme: what the data say, and the pillar no open data measures."""
    reg = _registre(registre)
    indicators = [i for p in PILLARS for i in PILIERS_FICHE[p]]
    rk = rangs(wide, indicators).loc[lambda d: d["id_ti"] == id_ti].set_index("indicator")
    flagged = _signale(wide, id_ti)
    if not indicateurs_disponibles(wide, id_ti, indicators):
        measured = [p for p in PILLARS if PILIERS_FICHE[p]]
        notes = " ".join(REGISTRE.pillars[p] for p in PILLARS if not PILIERS_FICHE[p])
        listed = measured[0] if len(measured) == 1 else ", ".join(measured[:-1]) + " et " + measured[-1]
        return f"Aucun des indicateurs retenus pour les piliers {listed} n'est disponible pour ce territoire. {notes}".strip()
    lines = []
    for pillar in PILLARS:
        if not PILIERS_FICHE[pillar]:
            lines.append(f"- **{pillar.capitalize()}** : {REGISTRE.pillars[pillar]}")
            continue
        items = []
        for i in PILIERS_FICHE[pillar]:
            unit = reg.loc[i, "unit"]
            value = _v(wide, id_ti, i)
            if i not in set(observations["indicator"]):  # no period published yet (an early month)
                items.append(f"{minuscule(reg.loc[i, 'label'])} : pas encore publié")
                continue
            label = f"{minuscule(reg.loc[i, 'label'])} ({_observation(observations, i)})"
            if math.isnan(value):
                items.append(f"{label} : non disponible")
            elif i in flagged:
                items.append(f"{label} : {valeur(value, unit)}, {EPCI_ENTIER}, hors classement")
            else:
                items.append(
                    f"{label} : {valeur(value, unit)} contre {valeur(_v(wide, FRANCE, i), unit)} pour la France ; "
                    f"{rang_fr(rk.loc[i, 'rang'], int(rk.loc[i, 'n']))}"
                )
        lines.append(f"- **{pillar.capitalize()}** : " + " ; ".join(items) + ".")
    return "\n".join(lines)


