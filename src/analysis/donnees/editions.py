"""Editions of a dataset: the files that hold successive releases of one series, each with the
date its publisher released it, and which of them an as-of run reads.

A declared file of an edition gives ``serie``, ``edition`` (its latest period) and ``publie_le``
in ``data/sources.toml``; a living copy of such a file obtained from the official endpoint
(``sources.obtain_living``) is one more official edition, dated the day it was obtained (an
upper bound of its release date) and holding the latest period found in it.

The written rule (``en_vigueur``), for a series as of the end of month ``periode``:

1. the **official edition** (``nature = "exacte"``) released most recently by that date gives
   every period it holds (past periods as revised in that edition);
2. a **derived or re-saved file** (``derivee``, ``reenregistree``) released by that date gives
   only the periods no official edition out at that date covers, and each of its rows is
   flagged with its ``nature`` (tables), sentences and provenance saying so;
3. before any edition held was released, the first official edition held (else the first
   edition held) is read, filtered by the declared publication lag (``sources.published_by``):
   the periods then published, with the values of a later edition (``AVANT_PREMIERE``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from analysis import mois
from analysis.donnees import sources
from analysis.texte import nombre

AVANT_PREMIERE = "antérieure"  # ``Vigueur.regle`` of a month before the first official edition held


@dataclass(frozen=True)
class Edition:
    file_id: str
    serie: str
    edition: str  # latest period it holds
    publie_le: dt.date
    nature: str  # sources.EXACT, DERIVED or RESAVED
    vivante: bool = False  # a living copy obtained from the official endpoint

    @property
    def officielle(self) -> bool:
        return self.nature == sources.EXACT


@dataclass(frozen=True)
class Vigueur:
    """The editions a month reads for one series: the official one, then the others, each for
    the periods after those already covered (in order), and the rule that chose them."""

    officielle: Edition | None
    complements: tuple[Edition, ...]
    regle: str  # "" (the rule's points 1-2) or AVANT_PREMIERE


def editions(dataset: str, serie: str) -> list[Edition]:
    """Every edition held of a series, pinned (declared) and living (obtained), by release date."""
    out = []
    state = {} if sources.pinned_only() else sources.living_state()
    for s in sources.sources().values():
        if s.dataset != dataset or s.serie != serie or s.edition is None or s.publie_le is None:
            continue
        out.append(Edition(s.id, serie, s.edition, s.publie_le, s.nature))
        entry = state.get(s.id)
        if entry and entry.get("derniere_observation") and sources.living_path(s.id).exists():
            obtained = dt.datetime.fromisoformat(entry["obtenu_le"]).date()
            out.append(Edition(s.id, serie, entry["derniere_observation"], obtained, sources.EXACT, vivante=True))
    return sorted(out, key=lambda e: (e.publie_le, e.edition, e.vivante))


def en_vigueur(dataset: str, serie: str, periode: str | None) -> Vigueur:
    """The editions read as of the end of ``periode`` (every edition held when None: the newest
    official one, then the others for the later periods), under the module's rule. A series
    held in no official edition at all (the département series before its official endpoint
    is read) is read from its other editions, each flagged."""
    held = editions(dataset, serie)
    if not held:
        raise sources.SourceError(f"aucune édition déclarée pour la série {serie!r} de {dataset}")
    out = held if periode is None else [e for e in held if e.publie_le <= mois.asof_date(periode)]
    regle = ""
    if not out:  # before the first edition held: it is read, filtered by the declared lag
        out, regle = [next((e for e in held if e.officielle), held[0])], AVANT_PREMIERE
    officielles = [e for e in out if e.officielle]
    officielle = officielles[-1] if officielles else None
    covered = officielle.edition if officielle else ""
    complements = []
    for e in sorted((e for e in out if not e.officielle), key=lambda e: e.edition):
        if e.edition > covered:
            complements.append(e)
            covered = e.edition
    return Vigueur(officielle, tuple(complements), regle)


def lues(vigueur: Vigueur) -> list[Edition]:
    """The editions of ``vigueur`` in reading order: each gives the periods after the previous ones."""
    return ([vigueur.officielle] if vigueur.officielle else []) + list(vigueur.complements)


# Living editions ---------------------------------------------------------------------------
# A publisher that names each edition after its latest period (INSEE's zone d'emploi workbook,
# chomage-zone-t1-2003-tN-AAAA.xlsx) is declared with a URL model; ``candidats`` lists the names
# to try, newest first, and the first one the server has is the current edition.
MODELE = ("{annee}", "{trimestre}")
MAX_CANDIDATS = 16


def est_modele(url: str) -> bool:
    return all(m in url for m in MODELE)


def candidats(modele: str, apres: str, jusqua: str) -> list[tuple[str, str]]:
    """(quarter, URL) of the editions after ``apres`` up to ``jusqua`` included, newest first
    (at most ``MAX_CANDIDATS``)."""
    out, q = [], mois.next_observation(apres)
    while q <= jusqua and len(out) < MAX_CANDIDATS:
        out.append((q, modele.format(annee=q[:4], trimestre=q[-1])))
        q = mois.next_observation(q)
    return out[::-1]


def revisions(avant, apres, keys: list[str], value: str = "taux_chomage") -> str:
    """French: what a new edition brings against the previous copy: new periods and the values
    of periods both hold that changed (revisions), with the largest change."""
    m = avant[[*keys, value]].merge(apres[[*keys, value]], on=keys, suffixes=("_avant", "_apres"))
    gap = (m[f"{value}_apres"] - m[f"{value}_avant"]).abs().round(6)
    changed = gap > 0
    nouveaux = sorted(set(apres["trimestre"]) - set(avant["trimestre"]))
    parts = [f"{len(nouveaux)} trimestre{'s' if len(nouveaux) > 1 else ''} nouveau{'x' if len(nouveaux) > 1 else ''} "
             f"({', '.join(nouveaux)})" if nouveaux else "aucun trimestre nouveau"]
    if changed.any():
        top = m.loc[gap.idxmax()]
        parts.append(f"{nombre(int(changed.sum()))} valeur{'s' if changed.sum() > 1 else ''} révisée{'s' if changed.sum() > 1 else ''} "
                     f"(la plus forte : {top[keys[0]]}, {top['trimestre']}, de {top[f'{value}_avant']:.1f} à {top[f'{value}_apres']:.1f})"
                     .replace(".", ","))
    else:
        parts.append("aucune valeur révisée")
    return " ; ".join(parts)
