"""The indicator tables of any month: the history of the observatory, and the past months the
changes page of a month compares with.

A month's tables are the indicator tables of both phases and the registry and the profile of
each TI, written together in one folder with a stamp of their inputs (code, file declarations,
month) by ``analyses.tableaux.construire``:

- the month's own folder (``mois.indicateurs_dir``) when the month is run, or when the history
  (``observatoire historique``) asks for it;
- a folder of month M (``mois.precedent_dir``) when the run of M needs an earlier month that
  was never built (``indicateurs.build.dossier_du_mois``): nothing is written into another
  month's folder unless asked.

A month sees the observations published by its end; months with the same data vintages
(``donnees.millesimes.cle``) therefore have the same tables, built once and copied. Several
months are built in parallel (one process each, ``jobs_n`` at a time); a month already built by
this code is skipped.
"""

from __future__ import annotations

import logging
import multiprocessing
import shutil
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from analysis import config, mois
from analysis.analyses.reperes import douze_mois
from analysis.analyses.tableaux import construire
from analysis.donnees import millesimes, sources
from analysis.fichiers import write_atomic
from analysis.indicateurs import build
from analysis.verrou import RunInProgressError, period_lock

@dataclass(frozen=True)
class Mois:
    periode: str
    dossier: Path
    statut: str  # "à jour", "construit", "copié" (same vintages as a month built), "en cours" (run holds it)
    duree: float = 0.0


def _copier(source: str, source_dir: Path, periode: str, dossier: Path) -> None:
    """The tables of ``source`` (same vintages) as those of ``periode``."""
    for phase in config.PHASES:
        for name, path in mois.table_files(phase, source, source_dir).items():
            write_atomic(mois.table_files(phase, periode, dossier)[name], lambda tmp, path=path: shutil.copyfile(path, tmp))
    build.write_stamp(periode, dossier, set(build.stamp_text(periode).splitlines()))


def _sous_verrou(verrou: str | None, action: Callable[[], str]) -> str:
    """``action()`` under the lock of month ``verrou`` when writing into a month's own folder
    (never while a run of that month holds it: "en cours"); without lock otherwise."""
    if verrou is None:
        return action()
    try:
        with period_lock(verrou, "tableaux d'indicateurs de l'historique"):
            return action()
    except RunInProgressError:
        return "en cours"


def _copie(source: str, source_dir: Path, periode: str, dossier: Path) -> Callable[[], str]:
    def copy() -> str:
        _copier(source, source_dir, periode, dossier)
        return "copié"

    return copy


def _worker(periode: str, dossier: Path, verrou: str | None) -> Mois:
    start = time.perf_counter()
    statut = _sous_verrou(verrou, lambda: "construit" if construire(periode, dossier) else "à jour")
    return Mois(periode, dossier, statut, time.perf_counter() - start)


def assurer(months: list[str], dossier_de: Callable[[str], Path], *, own: bool, jobs_n: int = 2,
            log: logging.Logger | None = None, connus: dict[str, Path] | None = None) -> list[Mois]:
    """Make sure the tables of each month of ``months`` are built in ``dossier_de(month)``: months
    already built are skipped, a month with the same vintages as a built one (among them or in
    ``connus``: month -> folder) is copied from it, and one month per remaining vintage is built
    (in parallel, ``jobs_n`` processes) then copied to the others. ``own``: the folders are the
    months' own (each taken under the month's run lock)."""
    done: dict[str, Mois] = {}
    todo: dict[tuple, list[str]] = {}
    built: dict[tuple, tuple[str, Path]] = {}

    def verrou(m: str) -> str | None:
        return m if own else None

    for m, folder in (connus or {}).items():
        if build.est_construit(m, folder):
            built.setdefault(millesimes.cle(m), (m, folder))
    for m in months:
        if build.est_construit(m, dossier_de(m)):
            done[m] = Mois(m, dossier_de(m), "à jour")
            built.setdefault(millesimes.cle(m), (m, dossier_de(m)))
        else:
            todo.setdefault(millesimes.cle(m), []).append(m)
    for key in [k for k in todo if k in built]:  # copied from a month built with the same vintages
        source, folder = built[key]
        for other in todo.pop(key):
            done[other] = Mois(other, dossier_de(other), _sous_verrou(verrou(other), _copie(source, folder, other, dossier_de(other))))
    heads = [group[0] for group in todo.values()]
    if log and heads:
        log.info("Indicateurs de %d mois à calculer (%d millésimes de données différents), %d à jour",
                 len(months) - len(done), len(heads), len(done))
    if len(heads) > 1 and jobs_n > 1:
        # Forked from a fresh server, not from this process: a process that has computed a
        # typology holds OpenMP threads, and the k-means of its forked child would wait for them
        # forever. (A script calling this needs the usual ``if __name__ == "__main__":`` guard:
        # its children import it; ``observatoire`` has it.)
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        with ProcessPoolExecutor(max_workers=min(jobs_n, len(heads)), mp_context=context) as pool:
            futures = [pool.submit(_worker, m, dossier_de(m), verrou(m)) for m in heads]
            for future in as_completed(futures):
                _logged(future.result(), log)
            results = [f.result() for f in futures]
    else:
        results = [_logged(_worker(m, dossier_de(m), verrou(m)), log) for m in heads]
    for head, result in zip(heads, results):
        done[head] = result
        for other in todo[millesimes.cle(head)][1:]:
            statut = "en cours" if result.statut == "en cours" else _sous_verrou(
                verrou(other), _copie(head, result.dossier, other, dossier_de(other)))
            done[other] = Mois(other, dossier_de(other), statut)
    if log and months:
        counts = Counter(m.statut for m in done.values())
        log.info("Indicateurs de %d mois (%s à %s) : %s", len(months), months[0], months[-1],
                 ", ".join(f"{n} {statut}" for statut, n in sorted(counts.items())))
    return [done[m] for m in months]


def _logged(month: Mois, log: logging.Logger | None) -> Mois:
    if log:
        log.info("Indicateurs de %s : %s en %.1f s", month.periode, month.statut, month.duree)
    return month


def precedents(periode: str) -> list[str]:
    """The months before ``periode`` that its changes page reads (``analyses.reperes.douze_mois``)."""
    return douze_mois(periode)[:-1]


def historique(debut: str, fin: str, jobs_n: int = 2, log: logging.Logger | None = None) -> list[Mois]:
    """The indicator pass of every month from ``debut`` to ``fin`` (no notebook), each in its own
    folder (``mois.indicateurs_dir``); months already built are skipped."""
    months = mois.mois_entre(mois.check_periode(debut), mois.check_periode(fin))
    return assurer(months, mois.indicateurs_dir, own=True, jobs_n=jobs_n, log=log)


def editions_du_chomage(debut: str, fin: str) -> list[str]:
    """French lines: over the months ``debut``..``fin``, the latest unemployment quarter each
    month reads and the edition it comes from, one line per run of months, with what each new
    edition brought against the month before (new quarters, revised values of zones d'emploi:
    ``editions.revisions``)."""
    from analysis.donnees import editions
    from analysis.donnees.loaders import economie
    from analysis.texte import observation_fr

    lines: list[str] = []
    runs: list[tuple[str, str, tuple, str]] = []  # first month, last month, key, what the month reads
    for m in mois.mois_entre(debut, fin):
        row = millesimes.ligne(economie.CHOMAGE_DATASET, m)
        vigueur = editions.en_vigueur(economie.CHOMAGE_DATASET, economie.CHOMAGE_ZE, m)
        key = (tuple((e.file_id, e.edition, e.vivante) for e in editions.lues(vigueur)), vigueur.regle, row["observation"])
        later = ", publiée plus tard : trimestres retenus selon le délai déclaré" if vigueur.regle else ""
        what = f"{observation_fr(row['observation'])} ({sources.NATURES_FR[row['nature']]}, édition du {observation_fr(row['edition'])}{later})"
        if runs and runs[-1][2] == key:
            runs[-1] = (runs[-1][0], m, key, runs[-1][3])
        else:
            runs.append((m, m, key, what))
    for i, (first, last, _, what) in enumerate(runs):
        start = observation_fr(first)
        span = f"en {start}" if first == last else f"{'d' + chr(39) if start[0] in 'aeiou' else 'de '}{start} à {observation_fr(last)}"
        brought = ""
        if i:
            brought = " ; par rapport au mois précédent : " + editions.revisions(
                economie.chomage_ze(mois.decaler(first, -1)), economie.chomage_ze(first), ["code_ze", "trimestre"])
        lines.append(f"Chômage localisé par zone d'emploi, {span} : données au {what}{brought}.")
    return lines

