"""Downloads for real, against an HTTP server on 127.0.0.1 started by the tests
(``OBSERVATOIRE_URL_BASE`` sends every declared URL to it): a verified success, a wrong hash
refused with nothing cached, a 404, a connection cut mid-file leaving no partial file, and a
living file obtained then refreshed, its new hash recorded, the previous month's outputs
unchanged."""

from __future__ import annotations

import contextlib
import errno
import http.server
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from analysis import config, mois
from analysis.cli import main
from analysis.donnees import etat, provenance, sources
from analysis.donnees.loaders import economie, urssaf_ape
from analysis.fichiers import describe_os_error, file_sha256

ACV = "acv/acv2_geom"
ROUEN_SHA = "578e94b61c3d594a83e115232b7ed49212b788cb05412d53ba3d86ad63daeb1a"
NATIONAL = urssaf_ape.NATIONAL_ID

# two consecutive months up to the current one (a later month is refused)
MOIS_COURANT = mois.default_periode()
MOIS_PRECEDENT = mois.decaler(MOIS_COURANT, -1)


class Serveur:
    """What the local server serves: path (with query) -> bytes; ``coupes``: paths whose
    transfer stops halfway, after announcing the full length."""

    def __init__(self) -> None:
        self.fichiers: dict[str, bytes] = {}
        self.coupes: set[str] = set()
        self.requetes: list[str] = []
        self.base = ""

    def sert(self, file_id: str, data: bytes, url: str | None = None) -> None:
        parts = urlsplit(url or sources.source(file_id).url)
        self.fichiers[parts.path + (f"?{parts.query}" if parts.query else "")] = data


@pytest.fixture
def serveur(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Serveur]:
    """A threaded HTTP server on 127.0.0.1 (a free port), an empty cache, no mirror, living
    copies in use; stopped after the test."""
    state = Serveur()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            state.requetes.append(self.path)
            data = state.fichiers.get(self.path)
            if data is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.path in state.coupes:
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv(sources.URL_BASE_ENV, state.base)
    monkeypatch.setenv(config.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(config.MIRROR_ENV, raising=False)
    monkeypatch.delenv(sources.MODE_ENV, raising=False)
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _cache_files(tmp_path: Path) -> list[Path]:
    return sorted(p for p in (tmp_path / "cache").rglob("*") if p.is_file()) if (tmp_path / "cache").exists() else []


def test_a_pinned_file_is_downloaded_and_its_hash_verified(serveur: Serveur, mirror: Path, tmp_path: Path) -> None:
    src = sources.source(ACV)
    serveur.sert(ACV, (mirror / src.file).read_bytes())
    path = sources.fetch(ACV)
    assert path == tmp_path / "cache" / src.file and file_sha256(path) == src.sha256
    assert serveur.requetes == [urlsplit(src.url).path]
    sources.fetch(ACV)  # from the cache now
    assert len(serveur.requetes) == 1


def test_a_wrong_hash_is_refused_and_nothing_is_cached(serveur: Serveur, mirror: Path, tmp_path: Path) -> None:
    src = sources.source(ACV)
    data = bytearray((mirror / src.file).read_bytes())
    data[100] ^= 0xFF
    serveur.sert(ACV, bytes(data))
    with pytest.raises(sources.SourceError, match=src.sha256):
        sources.fetch(ACV)
    assert _cache_files(tmp_path) == []


def test_a_404_names_the_file_and_the_status(serveur: Serveur, tmp_path: Path) -> None:
    with pytest.raises(sources.SourceError, match="404") as err:
        sources.fetch(ACV)
    assert sources.source(ACV).file in str(err.value)
    assert _cache_files(tmp_path) == []


def test_a_connection_cut_mid_file_leaves_no_partial_file(serveur: Serveur, mirror: Path, tmp_path: Path) -> None:
    src = sources.source(ACV)
    serveur.sert(ACV, (mirror / src.file).read_bytes())
    serveur.coupes.add(urlsplit(src.url).path)
    with pytest.raises(sources.SourceError, match="interrompu"):
        sources.fetch(ACV)
    assert _cache_files(tmp_path) == []


def _annee_de_plus(data: bytes) -> bytes:
    """The Rouen extract with one more year (2023 = 2022's counts): the next edition of the file."""
    lines = data.decode("utf-8-sig").splitlines()
    header = lines[0].split(";")
    i_etab, i_eff = header.index("Nombre d'établissements 2022"), header.index("Effectifs salariés 2022")
    out = [";".join([*header, "Nombre d'établissements 2023", "Effectifs salariés 2023"])]
    for line in lines[1:]:
        cells = line.split(";")
        out.append(";".join([*cells, cells[i_etab], cells[i_eff]]))
    return ("\ufeff" + "\n".join(out) + "\n").encode("utf-8")


def test_a_living_file_is_obtained_then_refreshed_and_last_month_is_unchanged(
    serveur: Serveur, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rouen = (mirror / sources.source(urssaf_ape.FILE_ID).file).read_bytes()
    serveur.sert(NATIONAL, rouen)
    monkeypatch.setattr(config, "OUTPUTS_DIR", tmp_path / "outputs")
    monkeypatch.setenv(config.MIRROR_ENV, str(mirror))  # the pinned files, from the mirror

    bilan = etat.obtenir()
    # the other living file of its own, DARES's job seekers by département, is not served here
    assert [e.file for e in bilan.echecs] == [sources.source(economie.DEMANDEURS_DEP_ID).file]
    assert len(bilan.faits) == 1 and "jusqu'à 2022" in bilan.faits[0]
    assert sources.living_state()[NATIONAL]["sha256"] == ROUEN_SHA
    assert urssaf_ape.fichier() == NATIONAL and sources.copy_in_use(NATIONAL) == sources.LIVING
    provenance.write(MOIS_PRECEDENT, provenance.collect(MOIS_PRECEDENT, {}, "test", [NATIONAL, urssaf_ape.FILE_ID]))
    before = (tmp_path / "outputs" / MOIS_PRECEDENT / mois.PROVENANCE).read_bytes()
    recorded = json.loads(before)
    jeu = recorded["jeux"]["urssaf-emploi"]
    assert (jeu["copies"], jeu["derniere_observation"], jeu["editeur"]) == (["vivante", "épinglée"], "2022", "URSSAF")
    assert jeu["natures"] == ["derivee", "exacte"]  # the official national export, and the extract filtered by a third party

    suivant = _annee_de_plus(rouen)
    serveur.sert(NATIONAL, suivant)
    bilan = etat.actualiser(["urssaf-emploi"])
    changes = bilan.faits
    assert bilan.echecs == [] and [(c.id, c.avant, c.apres, c.message) for c in changes] == [(NATIONAL, "2022", "2023", "nouvelle année : 2023")]
    new_sha = sources.living_state()[NATIONAL]["sha256"]
    assert new_sha == changes[0].sha_apres != ROUEN_SHA and sources.observed_sha256(NATIONAL) == new_sha
    provenance.write(MOIS_COURANT, provenance.collect(MOIS_COURANT, {}, "test", [NATIONAL]))
    assert (tmp_path / "outputs" / MOIS_PRECEDENT / mois.PROVENANCE).read_bytes() == before  # last month untouched
    courant = {f["id"]: f for f in provenance.read(MOIS_COURANT)["fichiers"]}
    assert courant[NATIONAL]["sha256"] == new_sha and courant[NATIONAL]["derniere_observation"] == "2023"

    # a refresh cut halfway keeps the copy in use
    serveur.sert(NATIONAL, suivant + b"76001;...\n")
    serveur.coupes.add(next(iter(serveur.fichiers)))
    bilan = etat.actualiser(["urssaf-emploi"])
    assert bilan.faits == [] and "interrompu" in bilan.echecs[0].message
    assert file_sha256(sources.fetch(NATIONAL)) == new_sha


def test_a_living_copy_in_another_format_is_refused(serveur: Serveur, tmp_path: Path) -> None:
    serveur.sert(NATIONAL, b"<html>maintenance</html>\n")
    bilan = etat.actualiser(["urssaf-emploi"])
    assert bilan.faits == [] and "format inattendu" in bilan.echecs[0].message
    assert not sources.living_path(NATIONAL).exists() and NATIONAL not in sources.living_state()


def test_a_pinned_dataset_refreshed_from_its_branch_is_read_living(serveur: Serveur, mirror: Path, tmp_path: Path) -> None:
    vivant = sources.vivants()["france-relance"]
    assert len(vivant.urls) == 102 and all("/barometre-resultats-donnees/master/" in u for u in vivant.urls.values())
    for file_id, url in vivant.urls.items():
        serveur.sert(file_id, (mirror / sources.source(file_id).file).read_bytes(), url)
    bilan = etat.actualiser(["france-relance"])
    changes = bilan.faits
    assert bilan.echecs == [] and len(changes) == 102 and {c.message for c in changes} == {"inchangé"}
    one = "france-relance/barometre-resultats-relance-emploi-economie-detail-departement-01"
    assert sources.copy_in_use(one) == sources.LIVING and sources.fetch(one) == tmp_path / "cache" / "vivant" / sources.source(one).file
    assert changes[0].apres == "2022-12" or changes[0].apres is None  # the licence file has no period


def test_offline_a_run_goes_on_with_what_it_has_and_says_so(serveur: Serveur, mirror: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.MIRROR_ENV, str(mirror))
    monkeypatch.setenv(sources.URL_BASE_ENV, "http://127.0.0.1:9")  # nothing listens there
    lines = etat.preparer(logging.getLogger("test"))
    assert lines[0].startswith("Hors ligne ou source injoignable : demandeurs-emploi-departements/")  # no copy: none used
    assert lines[1].startswith("Hors ligne ou source injoignable : urssaf-emploi/")
    assert lines[-1].startswith("Jeux de données vivants : aucun. Jeux épinglés : acv,")
    assert urssaf_ape.fichier() == urssaf_ape.FILE_ID  # the fallback


def test_observatoire_donnees_lists_obtains_and_says_what_is_living(
    serveur: Serveur, mirror: Path, capsys: pytest.CaptureFixture
) -> None:
    serveur.sert(NATIONAL, (mirror / sources.source(urssaf_ape.FILE_ID).file).read_bytes())
    assert main(["donnees", "--obtenir"]) == 1  # no mirror: the pinned files fail (404 here)
    out = capsys.readouterr().out
    assert "urssaf-emploi/etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-national.csv : copie vivante obtenue (3,6 Mo, jusqu'à 2022)" in out
    row = next(line for line in out.splitlines() if line.startswith("urssaf-emploi/etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-national.csv"))
    assert row.split()[1:] == ["cache", "vivante", "3,6", "Mo", "2022"]
    assert "chomage/chomage-zone-t1-2003-t2-2022.xlsx" in out and "Jeux de données vivants : urssaf-emploi." in out


# ----------------------------------------------------------------- kills, failures, limits (issue 23)

ACV_FILE = sources.source(ACV).file
PREMIER = sorted(sources.sources())[0]  # the first file ``obtenir`` tries


@pytest.fixture
def hors_ligne(serveur: Serveur, monkeypatch: pytest.MonkeyPatch) -> Serveur:
    """The local server (404 for every file), pinned files only."""
    monkeypatch.setenv(sources.MODE_ENV, sources.PINNED_ONLY)
    return serveur


@pytest.fixture
def muet(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A server on 127.0.0.1 that accepts connections and never answers (nobody reads them)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    monkeypatch.setenv(sources.URL_BASE_ENV, base)
    try:
        yield base
    finally:
        listener.close()


def _environnement(tmp_path: Path, **variables: str) -> dict[str, str]:
    """The environment of an ``observatoire`` subprocess: an empty cache, no mirror, pinned files only."""
    env = {k: v for k, v in os.environ.items() if k != config.MIRROR_ENV}
    env.update({config.CACHE_ENV: str(tmp_path / "cache"), sources.MODE_ENV: sources.PINNED_ONLY, **variables})
    return env


def _temporaires(tmp_path: Path) -> list[Path]:
    return list((tmp_path / "cache").rglob(".*.tmp*"))


def test_a_sigterm_during_a_download_leaves_no_temporary_file(tmp_path: Path) -> None:
    """The server sends the headers and a few bytes of the first file, then waits: SIGTERM arrives mid-download."""
    requested, release = threading.Event(), threading.Event()

    class Lent(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"{" * 1000)
            self.wfile.flush()
            requested.set()
            release.wait(30)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Lent)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = _environnement(tmp_path, **{sources.URL_BASE_ENV: f"http://127.0.0.1:{server.server_address[1]}"})
    process = subprocess.Popen([sys.executable, "-m", "analysis.cli", "donnees", "--obtenir"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert requested.wait(30), "le téléchargement n'a pas commencé"
        deadline = time.monotonic() + 10
        while not _temporaires(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [p.parent.name for p in _temporaires(tmp_path)] == ["acv"]  # the download is under way
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    finally:
        release.set()
        process.kill()
        server.shutdown()
        server.server_close()
    assert process.returncode == 128 + signal.SIGTERM
    assert f"{sources.source(PREMIER).file} : arrêté (SIGTERM) pendant l'écriture dans le cache ; le fichier temporaire est retiré." in err
    assert _temporaires(tmp_path) == [] and not (tmp_path / "cache" / sources.source(PREMIER).file).exists()


def test_the_temporary_files_of_a_killed_process_are_removed_by_the_next_download(
    serveur: Serveur, mirror: Path, tmp_path: Path
) -> None:
    ended = subprocess.Popen(["true"])
    ended.wait()  # its pid is no longer running
    folder = tmp_path / "cache" / "acv"
    folder.mkdir(parents=True)
    killed = folder / f".acv2_geom.geojson.{ended.pid}.k2l4x9_a.tmp.geojson"
    working = folder / f".acv_geom.geojson.{os.getpid()}.w0rk1ng_.tmp.geojson"  # a writer still at work
    old = folder / ".pvd.geojson.abcdefgh.tmp.geojson"  # written before the pid was in the name
    recent = folder / ".pvd2.geojson.abcdefgh.tmp.geojson"
    other = folder / ".notes.tmp.txt"  # not a temporary file of the package
    for path in (killed, working, old, recent, other):
        path.write_bytes(b"{")
    os.utime(old, (time.time() - 2 * 3600, time.time() - 2 * 3600))
    serveur.sert(NATIONAL, (mirror / sources.source(urssaf_ape.FILE_ID).file).read_bytes())
    bilan = etat.actualiser(["urssaf-emploi"])
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in (working, recent, other))
    assert sorted(bilan.temporaires) == sorted([killed, old]) and bilan.echecs == [] and len(bilan.faits) == 1


@pytest.mark.parametrize(
    ("jeu", "raison"), [("inexistant", "jeu non déclaré"), ("demandeurs-emploi", "format non lu par le chargeur")]
)
def test_refreshing_a_dataset_without_living_copy_is_refused(
    hors_ligne: Serveur, tmp_path: Path, capsys: pytest.CaptureFixture, jeu: str, raison: str
) -> None:
    assert main(["donnees", "--obtenir", "--actualiser", "urssaf-emploi", jeu]) == 2
    err = capsys.readouterr().err
    assert f"rien à actualiser pour : {jeu} ({raison}). Jeux actualisables : chomage, chomage-departements, demandeurs-emploi-departements, dvf, france-relance, profil-epci, urssaf-emploi" in err
    assert hors_ligne.requetes == [] and not (tmp_path / "cache").exists()  # nothing done


def test_obtaining_with_every_download_failing_counts_and_names_the_failures(
    hors_ligne: Serveur, capsys: pytest.CaptureFixture
) -> None:
    assert main(["donnees", "--obtenir"]) == 1
    out, err = capsys.readouterr()
    pinned = sorted(s.file for s in sources.sources().values() if not s.living)
    assert "Rien à obtenir" not in out and "Obtenu" not in out
    assert len(hors_ligne.requetes) == len(pinned) == 263
    assert f"\n263 fichier(s) en échec : {', '.join(pinned[:3])}, " in err and err.count("échec : Impossible d'obtenir") == 263


def _disque_plein(*args, **kwargs) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_cache_disk_names_the_cache_folder_not_the_mirror_file(
    mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copie = tmp_path / "miroir" / ACV_FILE
    copie.parent.mkdir(parents=True)
    copie.write_bytes((mirror / ACV_FILE).read_bytes())
    monkeypatch.setenv(config.MIRROR_ENV, str(tmp_path / "miroir"))
    monkeypatch.setenv(config.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(os, "sendfile", _disque_plein)  # how shutil.copyfile copies on Linux
    with pytest.raises(OSError) as error:
        sources.fetch(ACV)
    assert describe_os_error(error.value) == f"plus de place sur le disque ({tmp_path / 'cache' / 'acv'})"
    assert list((tmp_path / "cache").rglob("*.*")) == []


def test_a_full_cache_disk_during_a_download_stops_obtaining_and_names_the_folder(
    hors_ligne: Serveur, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    import pooch.downloaders

    class Plein:
        """The file pooch writes a download into, on a full disk."""

        def __init__(self, path: str, mode: str) -> None:
            self.file = open(path, mode)

        write = _disque_plein

        def flush(self) -> None:
            self.file.flush()

        def close(self) -> None:
            self.file.close()

    hors_ligne.sert(PREMIER, (mirror / sources.source(PREMIER).file).read_bytes())
    monkeypatch.setattr(pooch.downloaders, "open", Plein, raising=False)
    assert main(["donnees", "--obtenir"]) == 1
    err = capsys.readouterr().err
    dossier = tmp_path / "cache" / Path(sources.source(PREMIER).file).parent
    assert f"\n1 fichier(s) en échec : {sources.source(PREMIER).file}\n" in err
    assert (f"Arrêt avant la fin : écriture impossible dans le cache : plus de place sur le disque ({dossier}) ; "
            f"262 fichier(s) non tenté(s) : {sources.source(sorted(sources.sources())[1]).file}, ") in err
    assert len(hors_ligne.requetes) == 1 and _temporaires(tmp_path) == []


def test_a_damaged_cache_file_without_mirror_is_reported_with_both_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(config.MIRROR_ENV, raising=False)
    monkeypatch.setenv(config.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv(sources.URL_BASE_ENV, "http://127.0.0.1:9")  # nothing listens there
    damaged = tmp_path / "cache" / ACV_FILE
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"endommage")
    found = file_sha256(damaged)
    with pytest.raises(sources.SourceError) as err:
        sources.fetch(ACV)
    message = str(err.value)
    assert f"la copie du cache {damaged} est endommagée (sha256 attendu : {sources.source(ACV).sha256}, trouvé : {found})" in message
    assert "absent du cache" not in message
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        f"{ACV_FILE} : la copie du cache {damaged} est endommagée (sha256 attendu : {sources.source(ACV).sha256}, trouvé : {found}) ; elle va être remplacée."
    ]
    assert not damaged.exists()  # never used: not left to look like a cached file


def test_a_damaged_cache_file_replaced_from_the_mirror_is_reported_with_both_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(config.CACHE_ENV, str(tmp_path / "cache"))
    damaged = tmp_path / "cache" / ACV_FILE
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"endommage")
    found = file_sha256(damaged)
    assert file_sha256(sources.fetch(ACV)) == sources.source(ACV).sha256
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        f"{ACV_FILE} : la copie du cache {damaged} est endommagée (sha256 attendu : {sources.source(ACV).sha256}, trouvé : {found}) ; elle va être remplacée."
    ]


def test_a_missing_mirror_folder_is_always_reported_and_nothing_downloaded(
    serveur: Serveur, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    serveur.sert(NATIONAL, (mirror / sources.source(urssaf_ape.FILE_ID).file).read_bytes())
    absent = tmp_path / "donnees-partagees"
    monkeypatch.setenv(config.MIRROR_ENV, str(absent))
    said = f"Le dossier miroir '{absent}', désigné par la variable {config.MIRROR_ENV}, n'existe pas"
    for arguments in (["--obtenir"], ["--actualiser"], []):
        code = main(["donnees", *arguments])
        err = capsys.readouterr().err
        assert said in err and code == (0 if not arguments else 2), arguments
    assert serveur.requetes == [] and not (tmp_path / "cache").exists()
    with pytest.raises(sources.SourceError, match="n'existe pas"):
        etat.preparer(logging.getLogger("test"))  # a run: before its first download
    assert serveur.requetes == []


def test_a_silent_server_is_abandoned_after_the_read_timeout(muet: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSERVATOIRE_DELAI_LECTURE", "1")
    start = time.monotonic()
    with pytest.raises(sources.SourceError) as err:
        sources.download(sources.source(ACV).url, tmp_path / "x.geojson", None, ACV_FILE)
    assert time.monotonic() - start < 5
    assert f"{ACV_FILE}: aucune réponse du serveur pendant 1 s (OBSERVATOIRE_DELAI_LECTURE), téléchargement abandonné" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_a_server_that_never_accepts_is_abandoned_after_the_connect_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert 1 <= getattr(sources, "CONNECT_TIMEOUT_S", 60) <= 10  # a few seconds
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    queued: list[socket.socket] = []
    with contextlib.suppress(OSError):  # until the queue is full: the next connection waits for an answer
        for _ in range(8):
            queued.append(socket.create_connection(listener.getsockname(), timeout=0.5))
    monkeypatch.setenv(sources.URL_BASE_ENV, f"http://127.0.0.1:{listener.getsockname()[1]}")
    monkeypatch.setattr(sources, "CONNECT_TIMEOUT_S", 1, raising=False)
    start = time.monotonic()
    try:
        with pytest.raises(sources.SourceError, match=f"{ACV_FILE}: connexion impossible en 1 s à http://127.0.0.1:"):
            sources.download(sources.source(ACV).url, tmp_path / "x.geojson", None, ACV_FILE)
    finally:
        for s in (*queued, listener):
            s.close()
    assert time.monotonic() - start < 5


def test_obtaining_stops_when_its_time_budget_is_spent_and_says_what_it_did_not_get(muet: str, tmp_path: Path) -> None:
    env = _environnement(tmp_path, **{sources.URL_BASE_ENV: muet, "OBSERVATOIRE_DELAI_LECTURE": "1", "OBSERVATOIRE_DELAI_TOTAL": "3"})
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "analysis.cli", "donnees", "--obtenir"], env=env,
                          capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - start
    assert done.returncode == 1 and elapsed < 20, (done.returncode, elapsed, done.stderr[-2000:])
    failed = [line for line in done.stderr.splitlines() if line.startswith("échec : ")]
    assert 2 <= len(failed) <= 5 and done.stderr.count("aucune réponse du serveur pendant 1 s") >= 2
    assert f"\n{len(failed)} fichier(s) en échec : " in done.stderr
    assert (f"Arrêt avant la fin : délai total de 3 s écoulé (OBSERVATOIRE_DELAI_TOTAL) ; "
            f"{263 - len(failed)} fichier(s) non tenté(s) : ") in done.stderr
    assert _temporaires(tmp_path) == []


@pytest.mark.parametrize("variable", ["OBSERVATOIRE_DELAI_LECTURE", "OBSERVATOIRE_DELAI_TOTAL"])
def test_a_time_limit_that_is_not_a_number_of_seconds_is_refused(
    hors_ligne: Serveur, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, variable: str
) -> None:
    monkeypatch.setenv(variable, "dix")
    assert main(["donnees", "--obtenir"]) == 2
    assert f"erreur : {variable}='dix' : un nombre de secondes supérieur à 0 est attendu" in capsys.readouterr().err
    assert hors_ligne.requetes == []
