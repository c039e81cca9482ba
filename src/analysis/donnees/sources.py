"""Declared data files, how they are obtained, and which ones a process has read.

Every file is declared once in ``data/sources.toml`` (URL, sha256, publisher, licence).
``fetch`` returns a local path to a verified copy: from the cache (``data/raw/``), else
copied from the mirror folder named by ``OBSERVATOIRE_MIRROR``, else downloaded (pooch's
HTTP downloader, with a progress bar, through a temporary file: a refused or interrupted
download leaves nothing, nor does a SIGTERM during it). The sha256 is checked every time; a
file that does not match is never used, and a damaged cache copy is reported with both
hashes before it is replaced. A mirror folder that does not exist is reported as such (not
as a file missing from it), before any download (``check_mirror``). ``OBSERVATOIRE_URL_BASE``
replaces the scheme and host of every URL (tests serve files from 127.0.0.1; a local HTTP
copy of the publishers' sites works the same way).

Time limits: a connection is given ``CONNECT_TIMEOUT_S``; a server silent for
``read_timeout()`` seconds (``OBSERVATOIRE_DELAI_LECTURE``) abandons the file; inside
``time_budget(seconds)`` (``budget_s()``, ``OBSERVATOIRE_DELAI_TOTAL``: what ``observatoire
donnees --obtenir`` and ``--actualiser`` are given) a download still running at the deadline
is abandoned (``BudgetExceeded``).

Pinned and living. A pinned file is a snapshot fixed by its sha256: reproducible, the
default, and what the tests read. Beside the pinned files of a dataset its publisher
updates, ``[vivants.<dataset>]`` declares the living endpoint (``vivants()``): either a
living file of its own (``living = true``, no sha256: the national URSSAF commune × APE
export) or, for each pinned file, the URL of its current version. A living copy, once
obtained (``obtain_living``), lives in the cache with its observed sha256, size, date and
latest period recorded in ``vivant/etat.json`` (``living_state``); ``fetch`` serves it
instead of the pinned file, unless ``OBSERVATOIRE_SOURCES=epinglees`` (pinned files only,
as in the tests). ``copy_in_use`` says which copy a process reads.

Reads are recorded: ``fetch`` records the id it serves, and a result computed from declared
files and served again without reading them (an in-process or on-disk cache entry, an
indicator table written by the run) records the ids it was computed from (``record``). So
``files_read()`` is the set of files the process's results come from, whatever was cached,
and a document's provenance lists exactly those. ``capture`` collects the ids recorded while
a result is computed, for the caches to keep beside it.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import re
import shutil
import signal
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from analysis import config, mois
from analysis.fichiers import file_sha256, write_atomic


MODE_ENV = "OBSERVATOIRE_SOURCES"
PINNED_ONLY = "epinglees"  # value of MODE_ENV: living copies are ignored
URL_BASE_ENV = "OBSERVATOIRE_URL_BASE"
LIVING_DIR = "vivant"  # under the cache: living copies of pinned files, and the state file
STATE_FILE = "etat.json"
PINNED, LIVING = "épinglée", "vivante"  # the copy a process reads
CONNECT_TIMEOUT_S = 5  # seconds to open a connection
READ_TIMEOUT_ENV = "OBSERVATOIRE_DELAI_LECTURE"
READ_TIMEOUT_S = 30.0  # default: seconds without a byte from the server before a download is abandoned
BUDGET_ENV = "OBSERVATOIRE_DELAI_TOTAL"
BUDGET_S = 1800.0  # default: seconds given to ``observatoire donnees --obtenir`` / ``--actualiser``
CHUNK_BYTES = 1 << 16

log = logging.getLogger(__name__)


EXACT, DERIVED, RESAVED = "exacte", "derivee", "reenregistree"  # ``nature`` of a declared file
NATURES_FR = {
    EXACT: "copie exacte du fichier officiel",
    DERIVED: "fichier dérivé par un tiers",
    RESAVED: "ré-enregistré par un tiers",
}


class SourceError(RuntimeError):
    """A declared file cannot be obtained or does not match its declaration."""


class BudgetExceeded(SourceError):
    """The time given to obtain files (``time_budget``) ran out."""


class Terminated(SystemExit):
    """SIGTERM received while a file was being written into the cache (exit status 143)."""


@dataclass(frozen=True)
class Source:
    id: str
    dataset: str
    file: str
    url: str
    sha256: str
    publisher: str
    licence: str
    description: str
    living: bool = False  # a public export replaced upstream: no pinned sha256
    bytes: int = 0  # declared size (0 for a living file)
    nature: str = EXACT  # EXACT, DERIVED or RESAVED: what the copy is, against the publisher's file
    edition: str | None = None  # the latest period of the edition the file holds ("2023-T3")
    publie_le: dt.date | None = None  # the publisher's release date of that edition
    serie: str | None = None  # the series of the dataset the file is an edition of ("ze", "departements")
    titre: str = ""  # official title and page of the file, when they differ from its dataset's
    page: str = ""

    @property
    def nature_fr(self) -> str:
        return NATURES_FR[self.nature]


@dataclass(frozen=True)
class Dataset:
    name: str
    frequency: str | None
    lag_months: int
    label: str = ""
    editeur: str = ""  # the official publisher, the dataset's official title and page
    titre: str = ""
    page: str = ""
    cloture: str | None = None  # the last period of a series its publisher has closed


@dataclass(frozen=True)
class Vivant:
    """The living endpoint of a dataset, declared beside its pinned snapshots."""

    dataset: str
    urls: dict[str, str]  # file id -> URL of its current version; empty when no endpoint is confirmed
    own_file: bool  # the living version is a declared file of its own (living = true), not a copy of a pinned one
    readable: bool  # the loaders read the format served there
    format: str
    page: str  # the publisher's page documenting it
    note: str  # French: what is declared, and what is not and why
    reader: str = ""  # name of the reader assembling the pinned file's table from another format (``officiels.READERS``)

    @property
    def obtainable(self) -> bool:
        return bool(self.urls) and self.readable


@cache
def _declarations(path: Path = config.SOURCES_FILE) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


@cache
def sources() -> dict[str, Source]:
    """All declared files, by id (read once per process: ``observatoire donnees`` asks ~1,500 times)."""
    files = _declarations()["files"]
    return {
        fid: Source(
            id=fid,
            dataset=d["dataset"],
            file=d["file"],
            url=d["url"],
            sha256=d["sha256"],
            publisher=d["publisher"],
            licence=d["licence"],
            description=d["description"],
            living=bool(d.get("living", False)),
            bytes=int(d.get("bytes", 0)),
            nature=d.get("nature", EXACT),
            edition=d.get("edition"),
            publie_le=dt.date.fromisoformat(d["publie_le"]) if "publie_le" in d else None,
            serie=d.get("serie"),
            titre=d.get("titre", ""),
            page=d.get("page", ""),
        )
        for fid, d in files.items()
    }


def source(file_id: str) -> Source:
    try:
        return sources()[file_id]
    except KeyError:
        raise SourceError(f"fichier non déclaré dans {config.SOURCES_FILE.name}: {file_id!r}") from None


def dataset(name: str) -> Dataset:
    d = _declarations().get("datasets", {}).get(name, {})
    return Dataset(name=name, frequency=d.get("frequency"), lag_months=int(d.get("lag_months", 0)), label=d.get("label", name),
                   editeur=d.get("editeur", ""), titre=d.get("titre", ""), page=d.get("page", ""), cloture=d.get("cloture"))


def series() -> list[Dataset]:
    """The datasets published periodically (with a frequency), in declaration order."""
    return [dataset(n) for n, d in _declarations().get("datasets", {}).items() if d.get("frequency")]


_PINNED_COMMIT = re.compile(r"^(https://raw\.githubusercontent\.com/[^/]+/[^/]+/)[0-9a-f]{40}/")


def vivants() -> dict[str, Vivant]:
    """Declared living endpoints, by dataset (``[vivants.*]`` of ``data/sources.toml``).

    A declaration gives ``fichier`` (the id of the living file of its own), ``branche`` (the
    pinned files are GitHub files of the publisher's repository at a commit: their living
    version is the same path on that branch), ``url`` with ``remplace`` (the living
    version of one pinned file) or ``fichiers`` (pinned file id -> URL of its current version;
    a URL with ``{annee}`` and ``{trimestre}`` names each edition, and ``etat.actualiser`` tries
    the next ones); without any of them the endpoint is not confirmed. With ``lecteur``, the
    endpoint serves another format, which that reader turns into the pinned file's table
    (``analysis.donnees.officiels``).
    """
    out = {}
    files = sources()
    for name, d in _declarations().get("vivants", {}).items():
        if "fichier" in d:
            urls = {d["fichier"]: files[d["fichier"]].url}
        elif "branche" in d:
            pinned = [s for s in files.values() if s.dataset == name and not s.living]
            urls = {s.id: _PINNED_COMMIT.sub(rf"\g<1>{d['branche']}/", s.url) for s in pinned if _PINNED_COMMIT.match(s.url)}
        elif "url" in d:
            urls = {d["remplace"]: d["url"]}
        elif "fichiers" in d:  # several pinned files, each with the URL of its current version
            urls = dict(d["fichiers"])
        else:
            urls = {}
        out[name] = Vivant(
            dataset=name, urls=urls, own_file="fichier" in d, readable=bool(d.get("lu", False)),
            format=d.get("format", ""), page=d.get("page", ""), note=d.get("note", ""), reader=d.get("lecteur", ""),
        )
    return out


def pinned_only() -> bool:
    """Are living copies ignored in this process (``OBSERVATOIRE_SOURCES=epinglees``)?"""
    return os.environ.get(MODE_ENV, "").strip().lower() == PINNED_ONLY


# Files read by this process (ids), and the open captures of ``capture``.
_READ: set[str] = set()
_CAPTURES: list[set[str]] = []


def record(file_ids: Iterable[str]) -> None:
    """Record that the process's results come from these declared files."""
    ids = set(file_ids)
    _READ.update(ids)
    for captured in _CAPTURES:
        captured.update(ids)


@contextmanager
def capture() -> Iterator[set[str]]:
    """The set of file ids recorded inside the ``with`` block (nested captures all see them)."""
    captured: set[str] = set()
    _CAPTURES.append(captured)
    try:
        yield captured
    finally:
        del _CAPTURES[next(i for i, c in enumerate(_CAPTURES) if c is captured)]  # by identity: sets compare equal


@contextmanager
def not_recorded() -> Iterator[None]:
    """Reads inside the block are left out of ``files_read``: work done for the period, not for
    the document this process computes (the tables a notebook opened in JupyterLab builds first)."""
    before = set(_READ)
    try:
        yield
    finally:
        _READ.intersection_update(before)


def files_read() -> list[str]:
    """Ids of the declared files this process has read (directly or through a cache), sorted."""
    return sorted(_READ)


def _verify(path: Path, expected: str | None, what: str, origin: str) -> str:
    """sha256 of ``path``, refusing it if a hash is pinned and differs."""
    actual = file_sha256(path)
    if expected is not None and actual != expected:
        raise SourceError(
            f"{what}: sha256 inattendu pour {origin}\n  attendu : {expected}\n  obtenu  : {actual}\n"
            "Le fichier est refusé (corrompu ou d'une autre version)."
        )
    return actual


@contextmanager
def _terminable(what: str) -> Iterator[None]:
    """While a file is written into the cache, SIGTERM ends the process through ``Terminated``
    (so that the temporary file is removed) instead of killing it at once; only in the main
    thread, and only where SIGTERM has its default action (a handler of the caller's stays)."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise Terminated(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        yield
    except Terminated:
        print(f"{what} : arrêté (SIGTERM) pendant l'écriture dans le cache ; le fichier temporaire est retiré.", file=sys.stderr)
        raise
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _seconds(variable: str, default: float) -> float:
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise SourceError(f"{variable}={text!r} : un nombre de secondes supérieur à 0 est attendu (défaut : {default:g}).")
    return value


def read_timeout() -> float:
    """Seconds without a byte from the server before a download is abandoned (``OBSERVATOIRE_DELAI_LECTURE``)."""
    return _seconds(READ_TIMEOUT_ENV, READ_TIMEOUT_S)


def budget_s() -> float:
    """Seconds given to obtain or refresh files in one command (``OBSERVATOIRE_DELAI_TOTAL``)."""
    return _seconds(BUDGET_ENV, BUDGET_S)


_BUDGET: list[tuple[float, float]] = []  # (deadline on time.monotonic(), seconds given) of the open time_budget


@contextmanager
def time_budget(seconds: float) -> Iterator[Callable[[], bool]]:
    """Downloads inside the block stop once ``seconds`` have passed (``BudgetExceeded``); yields
    a function saying whether the time is up."""
    deadline = time.monotonic() + seconds
    _BUDGET.append((deadline, seconds))
    try:
        yield lambda: time.monotonic() >= deadline
    finally:
        _BUDGET.pop()


def _check_budget(what: str) -> float | None:
    """Seconds left in the open ``time_budget`` (None without one); ``BudgetExceeded`` when none are."""
    if not _BUDGET:
        return None
    deadline, seconds = _BUDGET[-1]
    left = deadline - time.monotonic()
    if left <= 0:
        raise BudgetExceeded(f"{what} : délai total de {seconds:g} s écoulé ({BUDGET_ENV}), téléchargement abandonné.")
    return left


def check_mirror() -> None:
    """Refuse a mirror variable (``OBSERVATOIRE_MIRROR``) that names no folder."""
    mirror = os.environ.get(config.MIRROR_ENV)
    if mirror and not Path(mirror).is_dir():
        raise SourceError(
            f"Le dossier miroir {mirror!r}, désigné par la variable {config.MIRROR_ENV}, n'existe pas : "
            f"corrigez la variable (un dossier qui contient MANIFEST.csv et les fichiers déclarés, "
            f"par exemple ../shared/data), ou retirez-la pour télécharger les fichiers depuis leur URL. "
            f"Rien n'a été téléchargé."
        )


def _write_cache(target: Path, write: Callable[[Path], object], what: str) -> None:
    """``write_atomic`` into the cache, ending cleanly on SIGTERM; a full disk is reported with
    the cache folder written to (``shutil.copyfile`` names the mirror file it copies from)."""
    with _terminable(what):
        try:
            write_atomic(target, write)
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                error.filename, error.filename2 = str(target.parent), None
            raise


def _copy_verified(src: Path, target: Path, expected: str | None, what: str) -> None:
    """Copy ``src`` to ``target`` through a temporary file, refusing a wrong hash (if one is pinned)."""

    def copy(tmp: Path) -> None:
        shutil.copyfile(src, tmp)
        _verify(tmp, expected, what, str(src))

    _write_cache(target, copy, what)


def url_effective(url: str) -> str:
    """``url`` with its scheme and host replaced by ``OBSERVATOIRE_URL_BASE`` when it is set."""
    base = os.environ.get(URL_BASE_ENV, "").strip()
    if not base:
        return url
    parts = urlsplit(url)
    return base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def download(url: str, target: Path, expected: str | None, what: str, check: Callable[[Path], object] | None = None) -> str:
    """Download ``url`` to ``target`` through a temporary file, with a progress bar; return its sha256.

    Nothing is kept unless the whole file arrived (an interrupted transfer raises), its hash
    is the pinned one (``expected``, when given) and ``check(tmp)`` accepts it: a refused or
    failed download leaves ``target`` as it was. A failed write (disk full) raises the
    ``OSError``, naming the folder written to.
    """
    # pooch imports tqdm.auto, which warns in every notebook kernel that ipywidgets is missing:
    # imported only to download (requests, its dependency, likewise)
    import pooch
    import requests
    from tqdm import tqdm
    from urllib3.exceptions import ReadTimeoutError

    class Barre(tqdm):
        """pooch tests the bar's truth before it knows the size; a tqdm without a total has none.
        pooch updates it after each chunk: where the time budget is checked."""

        def __bool__(self) -> bool:
            return True

        def update(self, n: float | None = 1) -> bool | None:
            _check_budget(what)
            return super().update(n)

    real = url_effective(url)
    observed: list[str] = []
    reading = read_timeout()
    left = _check_budget(what)
    # a server silent for longer than the budget left is abandoned when the budget ends
    timeout = (CONNECT_TIMEOUT_S, reading if left is None else min(reading, max(left, 0.1)))

    def fetch_to(tmp: Path) -> None:
        # a bar on a terminal only (disable=None), so that logs and tests stay clean
        bar = Barre(desc=what, unit="o", unit_scale=True, unit_divisor=1024, leave=True, file=sys.stderr, disable=None)
        try:
            pooch.HTTPDownloader(progressbar=bar, chunk_size=CHUNK_BYTES, timeout=timeout)(real, str(tmp), None)
        finally:
            bar.close()
        observed.append(_verify(tmp, expected, what, real))
        if check is not None:
            check(tmp)

    try:
        _write_cache(target, fetch_to, what)
    except SourceError:
        raise
    except ValueError as exc:  # refused by ``check``: not the format the loaders read
        raise SourceError(f"{what}: fichier refusé, format inattendu ({exc})") from exc
    except requests.HTTPError as exc:
        raise SourceError(f"{what}: le serveur a répondu {exc.response.status_code} pour {real}") from exc
    except requests.ConnectTimeout as exc:
        raise SourceError(f"{what}: connexion impossible en {CONNECT_TIMEOUT_S} s à {real}") from exc
    except requests.RequestException as exc:
        _check_budget(what)  # a read cut short by the end of the budget
        if isinstance(exc, requests.ReadTimeout) or (exc.args and isinstance(exc.args[0], ReadTimeoutError)):
            raise SourceError(
                f"{what}: aucune réponse du serveur pendant {reading:g} s ({READ_TIMEOUT_ENV}), téléchargement abandonné ({real})"
            ) from exc
        raise SourceError(f"{what}: téléchargement interrompu ou impossible depuis {real} ({_network_cause(exc)})") from exc
    return observed[0]


def _network_cause(exc: Exception) -> str:
    """French cause of a failed transfer (requests' own messages are English): the kind of
    failure, and the exception's name as its code."""
    import requests

    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        cause = "connexion coupée pendant le transfert"
    elif isinstance(exc, requests.exceptions.SSLError):
        cause = "échec de la connexion chiffrée (certificat ou protocole)"
    elif isinstance(exc, requests.ConnectionError):
        cause = "serveur injoignable : hors ligne, nom d'hôte inconnu ou connexion refusée"
    else:
        cause = "erreur réseau"
    return f"{cause} ; code {type(exc).__name__}"


def fetch(file_id: str, *, refresh: bool = False) -> Path:
    """Local path of a verified copy of a declared file, recorded as read (``files_read``).

    Pinned files are checked against their sha256 every time, unless a living copy of the
    file is in use (``copy_in_use``). A living file (``living = true``, no pinned sha256: an
    export its publisher replaces, such as the national URSSAF commune x APE file) is kept in
    the cache as first obtained; ``refresh=True`` obtains it again; ``observed_sha256`` gives
    the hash of the copy used, for the run manifest.
    """
    living = None if refresh else _living_copy(file_id)
    path = living or _obtain(file_id, refresh)
    record([file_id])
    return path


def fetch_pinned(file_id: str) -> Path:
    """Like ``fetch``, the pinned copy even when a living one is in use: an as-of run reads the
    edition that was out at its date (``editions``), and the living copy is a later edition."""
    path = _obtain(file_id, False)
    record([file_id])
    return path


def _obtain(file_id: str, refresh: bool) -> Path:
    src = source(file_id)
    expected = None if src.living else src.sha256
    target = config.cache_dir() / src.file
    if refresh:
        target.unlink(missing_ok=True)
    cached, damaged = f"absent du cache {config.cache_dir()}", False
    if target.exists():
        found = None if expected is None else file_sha256(target)
        if found == expected:
            return target
        # a stale or damaged cache entry: said, then obtained again (replaced once the new copy is verified)
        cached, damaged = f"la copie du cache {target} est endommagée (sha256 attendu : {expected}, trouvé : {found})", True
        log.warning("%s : %s ; elle va être remplacée.", src.file, cached)
    check_mirror()
    mirror = os.environ.get(config.MIRROR_ENV)
    try:
        if mirror and (Path(mirror) / src.file).exists():
            _copy_verified(Path(mirror) / src.file, target, expected, src.file)
        else:
            try:
                download(src.url, target, expected, src.file)
            except BudgetExceeded:
                raise
            except SourceError as exc:
                where = f"le miroir {mirror!r} ne le contient pas" if mirror else f"la variable {config.MIRROR_ENV} n'est pas définie"
                raise SourceError(
                    f"Impossible d'obtenir {src.file}: {cached}, {where}, "
                    f"et le téléchargement depuis {src.url} a échoué ({exc}). "
                    f"Hors ligne, définissez {config.MIRROR_ENV} vers un dossier miroir des données."
                ) from exc
    except SourceError:
        if damaged:  # never used, and not left to look like a cached file (the message gave its hashes)
            target.unlink(missing_ok=True)
        raise
    if src.living:
        _record_living(file_id, target, src.url)
    return target


def available(file_id: str) -> bool:
    """Is the file obtainable without downloading (in the cache or in the mirror)? A living
    file of its own is never available when living copies are ignored (``pinned_only``)."""
    src = source(file_id)
    if src.living and pinned_only():
        return False
    mirror = os.environ.get(config.MIRROR_ENV)
    return (config.cache_dir() / src.file).exists() or bool(mirror and (Path(mirror) / src.file).exists())


# Living copies ------------------------------------------------------------------------------
def _state_path() -> Path:
    return config.cache_dir() / LIVING_DIR / STATE_FILE


def living_state() -> dict[str, dict]:
    """What is recorded of each living copy obtained, by file id: sha256, octets, obtenu_le
    (UTC, ISO), url, derniere_observation, mtime_ns."""
    path = _state_path()
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def living_path(file_id: str) -> Path:
    """Where the living copy of a file is kept: a living file of its own at its cache path,
    the living version of a pinned file under ``<cache>/vivant/``."""
    src = source(file_id)
    return config.cache_dir() / (src.file if src.living else Path(LIVING_DIR) / src.file)


def _record_living(file_id: str, path: Path, url: str, latest: str | None = None, sha256: str | None = None) -> dict:
    state = living_state()
    stat = path.stat()
    entry = {
        "sha256": sha256 or file_sha256(path),
        "octets": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "obtenu_le": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "url": url,
        "derniere_observation": latest,
    }
    state[file_id] = entry
    text = json.dumps(state, ensure_ascii=False, indent=2, sort_keys=True)
    write_atomic(_state_path(), lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return entry


def set_latest_observation(file_id: str, latest: str | None) -> None:
    """Record the latest observation found in the living copy of ``file_id`` (``observations``)."""
    state = living_state()
    if file_id in state and state[file_id].get("derniere_observation") != latest:
        state[file_id]["derniere_observation"] = latest
        text = json.dumps(state, ensure_ascii=False, indent=2, sort_keys=True)
        write_atomic(_state_path(), lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _living_copy(file_id: str) -> Path | None:
    """The living copy of a pinned file to serve instead of it, if one was obtained and living
    copies are not ignored; its recorded hash is checked when its size or date changed."""
    if pinned_only() or source(file_id).living:
        return None
    entry = living_state().get(file_id)
    path = living_path(file_id)
    if entry is None or not path.exists():
        return None
    stat = path.stat()
    if (stat.st_size, stat.st_mtime_ns) != (entry["octets"], entry["mtime_ns"]) and file_sha256(path) != entry["sha256"]:
        raise SourceError(
            f"{source(file_id).file}: la copie vivante {path} ne correspond plus à son sha256 enregistré "
            f"({entry['sha256']}) : lancez `observatoire donnees --actualiser` pour l'obtenir à nouveau."
        )
    return path


def obtain_living(file_id: str, url: str, check: Callable[[Path], object] | None = None) -> dict:
    """Download the current version of a file from its living endpoint into its living path
    (replacing the previous copy only once the new one is complete and accepted by ``check``)
    and record it; returns the recorded entry."""
    target = living_path(file_id)
    sha = download(url, target, None, source(file_id).file, check)
    return _record_living(file_id, target, url, sha256=sha)


def record_living(file_id: str, url: str) -> dict:
    """Record the living copy written at ``living_path(file_id)`` (assembled from ``url`` by a
    reader of ``analysis.donnees.officiels``); returns the recorded entry."""
    return _record_living(file_id, living_path(file_id), url)


def copy_in_use(file_id: str) -> str:
    """``PINNED`` or ``LIVING``: the copy ``fetch`` serves for this file in this process."""
    return LIVING if source(file_id).living or _living_copy(file_id) is not None else PINNED


def observed_sha256(file_id: str) -> str:
    """sha256 of the copy in use: the pinned one, or the one recorded (checked) for a living copy."""
    if copy_in_use(file_id) == PINNED:
        return source(file_id).sha256
    path = fetch(file_id)
    entry = living_state().get(file_id)
    stat = path.stat()
    if entry and (stat.st_size, stat.st_mtime_ns) == (entry["octets"], entry["mtime_ns"]):
        return entry["sha256"]
    return file_sha256(path)


def living_digest() -> str:
    """Ids and sha256 of the living copies this process serves: with the code and the
    declarations, what derived tables and notebooks depend on (``cache.generation``)."""
    if pinned_only():
        return ""
    state = living_state()
    served = sorted((i, e["sha256"]) for i, e in state.items() if i in sources() and living_path(i).exists())
    return json.dumps(served)


def provenance(file_ids: list[str] | None = None) -> list[dict]:
    """Declared facts of the given (default: all) files, for run manifests and reports: the
    copy read (pinned or living), its sha256, and for a living copy when it was obtained."""
    chosen = sources() if file_ids is None else {f: source(f) for f in file_ids}
    state = living_state()
    out = []
    for s in chosen.values():
        copie = copy_in_use(s.id)
        entry = {"id": s.id, "file": s.file, "sha256": observed_sha256(s.id), "living": s.living, "copie": copie,
                 "url": state.get(s.id, {}).get("url", s.url) if copie == LIVING else s.url,
                 "publisher": s.publisher, "licence": s.licence}
        if copie == LIVING and s.id in state:
            entry["obtenu_le"] = state[s.id]["obtenu_le"]
        out.append(entry)
    return out


def publication_periode(dataset_name: str, obs_end: dt.date) -> str:
    """The month (YYYY-MM) an observation ending on ``obs_end`` is published in: its month plus
    the declared lag."""
    return mois.publication_month(obs_end, dataset(dataset_name).lag_months)


def published_by(dataset_name: str, obs_end: dt.date, periode: str) -> bool:
    """Was an observation ending on ``obs_end`` published by the end of ``periode``?"""
    return publication_periode(dataset_name, obs_end) <= periode
