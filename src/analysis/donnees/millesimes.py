"""Data vintages: for each periodic dataset of ``data/sources.toml``, the latest observation
published by the end of a month, when it was published, and which observation is expected
next and when (its period plus the declared lag).

What a periodic dataset is (its loader, the column holding its observation, whether it is held
in editions) is its declaration (``donnees.jeux``). The observations a month sees are decided by
these vintages alone (``periodique.publiees`` keeps every observation published by then; for a
dataset held in editions, ``editions`` says which edition is read), so two months with the same vintages and editions have the same
indicator tables (``cle``).

Age told truthfully: ``calendrier`` is the latest observation the declared calendar says the
source has published by the end of the month, whether or not a file held contains it; ``age``
says in one French sentence what the data used hold and whether the source has published more.
"""

from __future__ import annotations


import pandas as pd

from analysis import mois
from analysis.donnees import editions, jeux, sources
from analysis.donnees.cache import cached
from analysis.donnees.periodique import JeuPeriodique
from analysis.texte import observation_fr

COLUMNS = ["dataset", "libelle", "observation", "publiee", "prochaine", "attendue", "en_retard", "calendrier", "edition", "nature"]


@cached
def observations(dataset_name: str) -> tuple[str, ...]:
    """Every observation of a periodic dataset in the declared files, as sorted period strings
    ("2024", "2022-T2", "2024-12")."""
    return jeux.jeu(dataset_name).observations()


def _held(jeu: JeuPeriodique, periode: str) -> tuple[list[str], pd.DataFrame | None]:
    """The observations a month's tables see, and for a dataset held in editions the rows of
    its table as of that month (their ``edition`` and ``nature``)."""
    if jeu.editions:
        table = jeu.charger(periode)
        return sorted(set(table[jeu.colonne])), table
    return [o for o in observations(jeu.dataset) if sources.published_by(jeu.dataset, mois.observation_end(o), periode)], None


def calendrier(dataset_name: str, periode: str, after: str | None) -> str | None:
    """The latest observation published by the end of ``periode`` according to the declared
    calendar (period plus lag, up to the last period of a closed series, ``cloture``), counted on
    from ``after`` (an observation held), None if none. The calendar gives months, not days: while
    ``periode`` is under way (its as-of date is before its last day), only what was due by the end
    of the month before is said published."""
    ds = sources.dataset(dataset_name)
    revolu = mois.completed_month(periode)
    last = after
    if after is None and not observations(dataset_name):  # a living series not obtained yet
        return None
    candidate = mois.next_observation(after) if after else observations(dataset_name)[0]
    while sources.published_by(dataset_name, mois.observation_end(candidate), revolu) and not (ds.cloture and candidate > ds.cloture):
        last, candidate = candidate, mois.next_observation(candidate)
    return last


def millesimes(periode: str) -> pd.DataFrame:
    """One row per periodic dataset: dataset, libelle, observation (latest held and published by
    the end of ``periode``, None if none yet), publiee (its publication month: its edition's
    release for a dataset held in editions), prochaine (the next observation), attendue (its
    expected publication month from the declared lag), en_retard (the calendar says the source
    has published more than the data used hold), calendrier (the latest observation published
    according to the calendar), edition and nature (for a dataset held in editions: the edition
    read for the latest observation, ``sources.EXACT``, ``DERIVED``...; None otherwise)."""
    rows = [ligne(j.dataset, periode) for j in jeux.periodiques()]
    # object columns: an observation not published yet stays None (not NaN, which equals nothing)
    return pd.DataFrame(rows, columns=COLUMNS, dtype=object).astype({"en_retard": bool})


def attendue(dataset_name: str, observation: str) -> str:
    """The month (YYYY-MM) an observation of a periodic dataset is expected in, from the declared lag."""
    return sources.publication_periode(dataset_name, mois.observation_end(observation))


def ligne(dataset_name: str, periode: str) -> dict:
    """The row of ``millesimes`` of one periodic dataset (reads that dataset's files only)."""
    jeu = jeux.jeu(dataset_name)
    ds = jeu.declaration
    known, table = _held(jeu, periode)
    last = known[-1] if known else None
    held = observations(ds.name)
    prochaine = mois.next_observation(last) if last else (held[0] if held else None)  # None: a living series not obtained yet
    edition = nature = None
    publiee = sources.publication_periode(ds.name, mois.observation_end(last)) if last else None
    if table is not None and last:
        row = table.loc[table[jeu.colonne] == last].iloc[0]
        edition, nature = row["edition"], row["nature"]
        released = _release(jeu, edition, nature)
        publiee = max(publiee, released) if released and released <= periode else publiee
    latest = calendrier(ds.name, periode, last)
    return {
        "dataset": ds.name,
        "libelle": ds.label,
        "observation": last,
        "publiee": publiee,
        "prochaine": prochaine,
        "attendue": attendue(ds.name, prochaine) if prochaine else None,
        "en_retard": latest is not None and latest != last,
        "calendrier": latest,
        "edition": edition,
        "nature": nature,
    }


def _release(jeu: JeuPeriodique, edition: str, nature: str) -> str | None:
    """Month (YYYY-MM) the held edition ``edition`` of that nature was released, if declared."""
    for e in editions.editions(jeu.dataset, jeu.editions):
        if e.edition == edition and e.nature == nature:
            return e.publie_le.strftime("%Y-%m")
    return None


def _de(observation: str) -> str:
    text = observation_fr(observation)
    return f"au {text}" if "trimestre" in text else (f"d'{text}" if text[0] in "aeiouo" else f"de {text}")


def _jusqua(observation: str) -> str:
    text = observation_fr(observation)
    return f"jusqu'au {text}" if "trimestre" in text else f"jusqu'à {text}"


def age_de(dataset_name: str, periode: str, observation: str | None, edition: str | None = None, nature: str | None = None) -> str:
    """``age`` of the data a table holds (its latest ``observation``, and for a dataset held in
    editions the ``edition`` and ``nature`` read), from the declared calendar only: no file read."""
    latest = calendrier(dataset_name, periode, observation)
    return age({"dataset": dataset_name, "observation": observation, "edition": edition, "nature": nature,
                "calendrier": latest, "en_retard": latest is not None and latest != observation})


def age(vintage: pd.Series | dict) -> str:
    """French: what the data used hold for one source (a row of ``millesimes``) and, from its
    declared calendar, whether it has published more since."""
    v = dict(vintage)
    qui = jeux.jeu(v["dataset"]).qui
    if v["observation"] is None and not observations(v["dataset"]):
        return f"série de {qui} pas encore obtenue (aucune copie épinglée) : lancer `observatoire donnees --actualiser {v['dataset']}`"
    if v["observation"] is None:
        held = "aucune donnée publiée encore dans les fichiers lus"
    else:
        held = f"données {_de(v['observation'])}"
        if v.get("nature") and v["nature"] != sources.EXACT:
            held += f" (édition du {observation_fr(v['edition'])}, {sources.NATURES_FR[v['nature']]})"
    if v["en_retard"]:
        return (f"{held} ; d'après son calendrier, {qui} a publié depuis {_jusqua(v['calendrier'])} : "
                f"lancer `observatoire donnees --actualiser {v['dataset']}`")
    if sources.dataset(v["dataset"]).cloture and v["observation"] == sources.dataset(v["dataset"]).cloture:
        return f"{held}, dernière période de la série (close)"
    return f"{held}, dernière période publiée d'après le calendrier de la source"


def cle(periode: str) -> tuple:
    """The vintages of ``periode`` that the indicator tables read (latest observation of each
    periodic dataset declared ``indicateurs``, and the edition read for one held in editions):
    months with the same key have the same indicator tables."""
    lus = [j for j in jeux.periodiques() if j.indicateurs]
    return tuple(ligne(j.dataset, periode)["observation"] for j in lus) + tuple(_editions_lues(periode, lus))


def _editions_lues(periode: str, lus: list[JeuPeriodique]) -> list[tuple]:
    out = []
    for jeu in (j for j in lus if j.editions):
        vigueur = editions.en_vigueur(jeu.dataset, jeu.editions, periode)
        out.append(tuple((e.file_id, e.edition, e.vivante) for e in editions.lues(vigueur)) + (vigueur.regle,))
    return out
