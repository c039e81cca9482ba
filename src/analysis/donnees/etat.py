"""State of the declared files on this machine, obtaining what is missing, refreshing the
living copies: what ``observatoire donnees`` shows and does, and what a run does first.

- ``etat_fichiers``: every declared file with where it is (cache, mirror, missing), which
  copy is read (pinned or living), its size and the latest period it contains;
- ``etat_jeux``: each periodic dataset (``donnees.jeux``): editions held, latest observation,
  next one expected, living endpoint, whether its reader is tested;
- ``obtenir``: obtain the missing files (a pinned one from the mirror or its URL, sha256
  checked; a living file of its own from its endpoint), with a progress bar;
- ``actualiser``: download the current version of every readable living endpoint and say
  what changed (new years, new months, and for a copy assembled from an official format or a
  file of an edition the values it revises; the newest edition of a file named after its
  edition found by trying its names), the previous copy kept until the new one is complete,
  in the format the loaders read, and recorded;
- both first check what they are given (``verifier``: the mirror folder, the time limits, the
  datasets named), remove the temporary files a killed process left in the cache, stop when
  their time budget (``sources.budget_s``) runs out or the disk is full, and return a
  ``Bilan``: what was done, what failed (named), what was not tried and why;
- ``preparer``: the first step of a run (obtain what is missing, go on offline with what is
  there) and the one French sentence saying which datasets are living and which pinned.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from analysis import config, mois
from analysis.donnees import editions, jeux, millesimes, observations, officiels, sources
from analysis.donnees.loaders import economie
from analysis.donnees.periodique import JeuPeriodique
from analysis.fichiers import describe_os_error, remove_orphan_temporaries
from analysis.texte import octets

T = TypeVar("T")

CACHE, MIROIR, ABSENT, IGNORE = "cache", "miroir", "absent", "ignoré"
ILLISIBLE = "format illisible"  # the latest observation of a copy its reader refuses


@dataclass(frozen=True)
class EtatFichier:
    id: str
    dataset: str
    file: str
    etat: str  # CACHE, MIROIR, ABSENT, or IGNORE (a living file while living copies are ignored)
    copie: str  # sources.PINNED or sources.LIVING
    octets: int | None
    derniere_observation: str | None  # latest observation in the copy present


@dataclass(frozen=True)
class Changement:
    id: str
    dataset: str
    avant: str | None  # latest period before (previous living copy, or the pinned one)
    apres: str | None
    sha_avant: str | None
    sha_apres: str | None
    message: str  # French


@dataclass(frozen=True)
class Echec:
    file: str
    message: str  # French


@dataclass
class Bilan(Generic[T]):
    """What ``obtenir`` or ``actualiser`` did."""

    faits: list[T] = field(default_factory=list)  # French lines (obtenir) or Changement (actualiser)
    echecs: list[Echec] = field(default_factory=list)
    non_tentes: list[str] = field(default_factory=list)  # files not tried: it stopped before them
    arret: str | None = None  # French: why it stopped before the end
    temporaires: list[Path] = field(default_factory=list)  # left by a killed process, removed first


def _where(src: sources.Source) -> tuple[str, Path | None]:
    if src.living and sources.pinned_only():
        return IGNORE, None
    living = sources.living_path(src.id)
    if sources.copy_in_use(src.id) == sources.LIVING and living.exists():
        return CACHE, living
    cached = config.cache_dir() / src.file
    if cached.exists():
        return CACHE, cached
    mirror = os.environ.get(config.MIRROR_ENV)
    if mirror and (Path(mirror) / src.file).exists():
        return MIROIR, Path(mirror) / src.file
    return ABSENT, None


def etat_fichier(file_id: str) -> EtatFichier:
    src = sources.source(file_id)
    etat, path = _where(src)
    derniere = None
    if path is not None:
        sha = None if sources.copy_in_use(file_id) == sources.LIVING else src.sha256
        try:
            derniere = observations.latest_observation(file_id, path, sha)
        except ValueError:
            derniere = ILLISIBLE
    return EtatFichier(
        id=file_id, dataset=src.dataset, file=src.file, etat=etat,
        copie=sources.LIVING if src.living else sources.copy_in_use(file_id),
        octets=path.stat().st_size if path is not None else (src.bytes or None), derniere_observation=derniere,
    )


def etat_fichiers() -> list[EtatFichier]:
    """Every declared file, in id order."""
    return [etat_fichier(i) for i in sorted(sources.sources())]


def _obtain_own_living(file_id: str) -> sources.Vivant | None:
    return next((v for v in sources.vivants().values() if v.own_file and file_id in v.urls), None)


def _fetch_living(file_id: str, url: str) -> dict:
    """Download and record a living copy, checked to be in its loader's format, with its latest period."""
    entry = sources.obtain_living(file_id, url, check=observations.checker(file_id))
    latest = observations.latest_observation(file_id, sources.living_path(file_id), entry["sha256"])
    sources.set_latest_observation(file_id, latest)
    return {**entry, "derniere_observation": latest}


def _fetch_edition(file_id: str, url: str, avant: str | None) -> tuple[dict, str]:
    """The living copy of a file of an edition (``editions``): from a URL model, the newest
    edition name the server has (tried newest first, from one quarter past the declared
    calendar down to the one after the copy held); and, against the copy it replaces, what it
    brings (new quarters, revised values: ``editions.revisions``)."""
    src = sources.source(file_id)
    read = economie.CHOMAGE_READERS[src.serie]
    before = read(sources.living_path(file_id) if file_id in sources.living_state() and sources.living_path(file_id).exists()
                  else sources.fetch_pinned(file_id))
    if editions.est_modele(url):
        latest = millesimes.calendrier(src.dataset, mois.default_periode(), avant) or avant
        tried = editions.candidats(url, avant or src.edition, mois.next_observation(latest))
        entry = None
        for _, candidate in tried:
            try:
                entry = _fetch_living(file_id, candidate)
                break
            except sources.SourceError:
                continue  # not published under that name (yet): the next older name is tried
        if entry is None:
            names = ", ".join(u.rsplit("/", 1)[-1] for _, u in tried) or "aucun"
            raise sources.SourceError(f"{src.file}: aucune édition plus récente trouvée (noms essayés : {names})")
    else:
        entry = _fetch_living(file_id, url)
    return entry, editions.revisions(before, read(sources.living_path(file_id)), [c for c in before.columns if c.startswith("code_")] + ["trimestre"])


def actualisables() -> list[str]:
    """The datasets whose living copies can be refreshed (a confirmed endpoint the loaders read)."""
    return sorted(v.dataset for v in sources.vivants().values() if v.obtainable)


def verifier(jeux: list[str] | None = None) -> None:
    """Refuse, before anything is written or downloaded, what ``obtenir`` and ``actualiser``
    cannot work with (``SourceError``): a mirror variable naming no folder, a time limit that
    is not a number of seconds, a dataset named that has no living copy to refresh."""
    sources.check_mirror()
    sources.read_timeout()
    sources.budget_s()
    vivants, declared = sources.vivants(), {s.dataset for s in sources.sources().values()}
    refused = []
    for name in dict.fromkeys(jeux or []):
        if name in vivants and vivants[name].obtainable:
            continue
        if name not in declared:
            why = "jeu non déclaré"
        elif name not in vivants:
            why = "pas de source vivante déclarée"
        elif not vivants[name].urls:
            why = "point d'accès non confirmé"
        else:
            why = "format non lu par le chargeur"
        refused.append(f"{name} ({why})")
    if refused:
        raise sources.SourceError(
            f"rien à actualiser pour : {', '.join(refused)}. Jeux actualisables : {', '.join(actualisables()) or 'aucun'} "
            "(sans nom : tous)."
        )


def temporaires_retires(paths: list[Path]) -> str:
    """French: the temporary files of a killed process removed from the cache."""
    return f"{len(paths)} fichier(s) temporaire(s) laissé(s) par un processus arrêté, retiré(s) du cache {config.cache_dir()}."


def _parcourir(steps: list[tuple[str, Callable[[], T]]]) -> Bilan[T]:
    """Run each step (file name, action) within the time budget, after removing the temporary
    files a killed process left in the cache; a failed step is noted and the next one tried,
    until the budget runs out or a write fails (disk full, read-only cache): the steps left
    are then listed as not tried."""
    budget = sources.budget_s()
    bilan: Bilan[T] = Bilan(temporaires=remove_orphan_temporaries(config.cache_dir()))
    with sources.time_budget(budget) as time_up:
        for i, (file, step) in enumerate(steps):
            if time_up():
                bilan.arret = f"délai total de {budget:g} s écoulé ({sources.BUDGET_ENV})"
                bilan.non_tentes = [f for f, _ in steps[i:]]
                break
            try:
                bilan.faits.append(step())
            except sources.SourceError as exc:
                bilan.echecs.append(Echec(file, str(exc)))
            except OSError as exc:
                bilan.echecs.append(Echec(file, describe_os_error(exc)))
                bilan.arret = f"écriture impossible dans le cache : {describe_os_error(exc)}"
                bilan.non_tentes = [f for f, _ in steps[i + 1:]]
                break
    return bilan


def _obtenir_un(src: sources.Source) -> str:
    if src.living:
        entry = _fetch_living(src.id, src.url)
        return f"{src.file} : copie vivante obtenue ({octets(entry['octets'])}, {observations.nouveautes(None, entry['derniere_observation'])})"
    sources.fetch(src.id)
    return f"{src.file} : copie épinglée obtenue, sha256 vérifié"


def obtenir() -> Bilan[str]:
    """Obtain every missing file; ``Bilan.faits`` are French lines of what was obtained."""
    verifier()
    missing = [sources.source(s.id) for s in etat_fichiers() if s.etat == ABSENT]
    return _parcourir([(src.file, lambda src=src: _obtenir_un(src)) for src in missing])


def _before(file_id: str) -> tuple[str | None, str | None]:
    """sha256 and latest period of the copy a refresh replaces (the living one, else the pinned one)."""
    entry = sources.living_state().get(file_id)
    if entry and sources.living_path(file_id).exists():
        return entry["sha256"], entry.get("derniere_observation")
    src = sources.source(file_id)
    if src.living:
        return None, None
    state = etat_fichier(file_id)
    return src.sha256, state.derniere_observation


def _actualiser_un(vivant: sources.Vivant, file_id: str, url: str) -> Changement:
    sha_avant, avant = _before(file_id)
    if vivant.reader:
        entry, revised = officiels.refresh(vivant.reader, file_id, url)
    elif sources.source(file_id).serie:  # a file of an edition (``editions``)
        entry, revised = _fetch_edition(file_id, url, avant)
    else:
        entry, revised = _fetch_living(file_id, url), ""
    apres, sha_apres = entry["derniere_observation"], entry["sha256"]
    message = "inchangé" if sha_apres == sha_avant else "".join([observations.nouveautes(avant, apres), revised and f" ; {revised}"])
    return Changement(file_id, vivant.dataset, avant, apres, sha_avant, sha_apres, message)


def actualiser(datasets: list[str] | None = None) -> Bilan[Changement]:
    """Refresh the living copies of ``datasets`` (default: every readable endpoint; a name
    without one is refused, ``verifier``); ``Bilan.faits`` say what changed. A copy that could
    not be refreshed is kept."""
    verifier(datasets)
    steps = [
        (sources.source(file_id).file, lambda v=vivant, f=file_id, u=url: _actualiser_un(v, f, u))
        for vivant in sources.vivants().values()
        if vivant.obtainable and (datasets is None or vivant.dataset in datasets)
        for file_id, url in sorted(vivant.urls.items())
    ]
    return _parcourir(steps)


@dataclass(frozen=True)
class EtatJeu:
    """What ``observatoire donnees`` says of one periodic dataset (``donnees.jeux``), in French."""

    dataset: str
    libelle: str
    editions: str  # the editions held with their release dates and natures, or the single copy read
    derniere: str | None  # latest observation in the copies present, None without any
    prochaine: str  # the next observation and the month the declared calendar expects it, or why none is
    point_acces: str  # the living endpoint's URL(s), or "aucun point d'accès"
    lecteur_teste: str  # "oui (the loopback test)" or "non"


def _editions_fr(jeu: JeuPeriodique, states: list[EtatFichier]) -> str:
    if jeu.editions:
        return ", ".join(f"{e.edition} ({'obtenue' if e.vivante else 'publiée'} le {e.publie_le:%d/%m/%Y}, {sources.NATURES_FR[e.nature]})"
                         for e in editions.editions(jeu.dataset, jeu.editions))
    copies = sorted({s.copie for s in states if s.etat not in (ABSENT, IGNORE)})
    return f"aucune édition datée (copie {' et '.join(copies) or 'absente'})"


def _point_acces(dataset: str) -> str:
    vivant = sources.vivants().get(dataset)
    if vivant is None or not vivant.urls:
        return "aucun point d'accès"
    urls = sorted(set(vivant.urls.values()))
    text = urls[0] if len(urls) == 1 else f"{os.path.commonprefix(urls)}… ({len(urls)} fichiers)"
    return text if vivant.readable else f"{text} (déclaré, format non lu par le chargeur)"


def etat_jeux(states: list[EtatFichier] | None = None) -> list[EtatJeu]:
    """Each periodic dataset, in the order of data/sources.toml: editions held, latest
    observation in the copies present (``states``, default ``etat_fichiers()``: no loader
    run, nothing copied), next observation expected from the declared calendar, living
    endpoint, and the loopback test of its reader."""
    states = states if states is not None else etat_fichiers()
    out = []
    for jeu in jeux.periodiques():
        own = [s for s in states if s.dataset == jeu.dataset]
        held = [s.derniere_observation for s in own if s.derniere_observation and s.derniere_observation != ILLISIBLE]
        derniere = max(held) if held else None
        cloture = jeu.declaration.cloture
        if derniere is None:
            prochaine = "inconnue : aucun fichier présent (observatoire donnees --obtenir)"
        elif cloture and derniere >= cloture:
            prochaine = f"aucune : série close à {cloture}"
        else:
            suivante = mois.next_observation(derniere)
            prochaine = f"{suivante}, attendue en {millesimes.attendue(jeu.dataset, suivante)} d'après le calendrier déclaré"
        out.append(EtatJeu(
            dataset=jeu.dataset, libelle=jeu.declaration.label, editions=_editions_fr(jeu, own), derniere=derniere,
            prochaine=prochaine, point_acces=_point_acces(jeu.dataset),
            lecteur_teste=f"oui ({jeu.test_lecteur})" if jeu.test_lecteur else "non",
        ))
    return out


def resume_copies(file_ids: list[str] | None = None) -> str:
    """One French sentence: the datasets read from a living copy, and those read pinned."""
    ids = file_ids if file_ids is not None else sorted(sources.sources())
    by_dataset: dict[str, set[str]] = {}
    for i in ids:
        src = sources.source(i)
        if src.living and not sources.available(i):
            continue
        by_dataset.setdefault(src.dataset, set()).add(sources.copy_in_use(i))
    living = sorted(d for d, c in by_dataset.items() if sources.LIVING in c)
    pinned = sorted(d for d, c in by_dataset.items() if c == {sources.PINNED})
    return (
        f"Jeux de données vivants : {', '.join(living) or 'aucun'}. "
        f"Jeux épinglés : {', '.join(pinned) or 'aucun'}."
    )


def preparer(log) -> list[str]:
    """First step of a run: obtain the missing living files of their own (online), then every
    pinned file (from the cache, the mirror or its URL, sha256 checked: a pinned file that
    cannot be obtained stops the run). Offline, a missing living file is reported and the run
    goes on with what it has. Logs once which datasets are living and which pinned; returns
    the French lines logged. A mirror variable naming no folder stops it before anything is
    downloaded; the temporary files a killed process left in the cache are removed first."""
    sources.check_mirror()
    removed = remove_orphan_temporaries(config.cache_dir())
    lines = [temporaires_retires(removed)] if removed else []
    if not sources.pinned_only():
        for state in etat_fichiers():
            src = sources.source(state.id)
            if not src.living or state.etat != ABSENT:
                continue
            log.info("Téléchargement de %s (source vivante)", src.file)
            try:
                entry = _fetch_living(state.id, src.url)
                lines.append(f"{src.file} obtenu ({octets(entry['octets'])}, {observations.nouveautes(None, entry['derniere_observation'])}).")
            except sources.SourceError as exc:
                lines.append(
                    f"Hors ligne ou source injoignable : {src.file} n'a pas pu être obtenu ({exc}) ; "
                    "le run continue avec les données disponibles."
                )
    for file_id, src in sources.sources().items():
        if not src.living:
            sources.fetch(file_id)
    lines.append(resume_copies())
    for line in lines:
        log.info(line)
    return lines

