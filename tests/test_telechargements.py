"""Downloads for real, against an HTTP server on 127.0.0.1 started by the tests
(``OBSERVATOIRE_URL_BASE`` sends every declared URL to it): a verified success, a wrong hash
refused with nothing cached, a 404, a connection cut mid-file leaving no partial file, and a
living file obtained then refreshed, its new hash recorded, the previous month's outputs
unchanged."""

from __future__ import annotations

import http.server
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from analysis import config
from analysis.cli import main
from analysis.donnees import etat, provenance, sources
from analysis.donnees.loaders import urssaf_ape
from analysis.fichiers import file_sha256

ACV = "acv/acv2_geom"
ROUEN_SHA = "578e94b61c3d594a83e115232b7ed49212b788cb05412d53ba3d86ad63daeb1a"
NATIONAL = urssaf_ape.NATIONAL_ID

# two consecutive months up to the current one (a later month is refused)
MOIS_COURANT = config.default_periode()
MOIS_PRECEDENT = config.decaler(MOIS_COURANT, -1)


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

    done, failed = etat.obtenir()
    assert failed == [] and len(done) == 1 and "jusqu'à 2022" in done[0]
    assert sources.living_state()[NATIONAL]["sha256"] == ROUEN_SHA
    assert urssaf_ape.fichier() == NATIONAL and sources.copy_in_use(NATIONAL) == sources.LIVING
    provenance.write(MOIS_PRECEDENT, provenance.collect(MOIS_PRECEDENT, {}, "test", [NATIONAL, urssaf_ape.FILE_ID]))
    before = (tmp_path / "outputs" / MOIS_PRECEDENT / provenance.FILE_NAME).read_bytes()
    recorded = json.loads(before)
    jeu = recorded["jeux"]["urssaf-emploi"]
    assert (jeu["copies"], jeu["derniere_observation"], jeu["editeur"]) == (["vivante", "épinglée"], "2022", "URSSAF")
    assert jeu["natures"] == ["derivee", "exacte"]  # the official national export, and the extract filtered by a third party

    suivant = _annee_de_plus(rouen)
    serveur.sert(NATIONAL, suivant)
    changes, failed = etat.actualiser(["urssaf-emploi"])
    assert failed == [] and [(c.id, c.avant, c.apres, c.message) for c in changes] == [(NATIONAL, "2022", "2023", "nouvelle année : 2023")]
    new_sha = sources.living_state()[NATIONAL]["sha256"]
    assert new_sha == changes[0].sha_apres != ROUEN_SHA and sources.observed_sha256(NATIONAL) == new_sha
    provenance.write(MOIS_COURANT, provenance.collect(MOIS_COURANT, {}, "test", [NATIONAL]))
    assert (tmp_path / "outputs" / MOIS_PRECEDENT / provenance.FILE_NAME).read_bytes() == before  # last month untouched
    courant = {f["id"]: f for f in provenance.read(MOIS_COURANT)["fichiers"]}
    assert courant[NATIONAL]["sha256"] == new_sha and courant[NATIONAL]["derniere_observation"] == "2023"

    # a refresh cut halfway keeps the copy in use
    serveur.sert(NATIONAL, suivant + b"76001;...\n")
    serveur.coupes.add(next(iter(serveur.fichiers)))
    changes, failed = etat.actualiser(["urssaf-emploi"])
    assert changes == [] and "interrompu" in failed[0]
    assert file_sha256(sources.fetch(NATIONAL)) == new_sha


def test_a_living_copy_in_another_format_is_refused(serveur: Serveur, tmp_path: Path) -> None:
    serveur.sert(NATIONAL, b"<html>maintenance</html>\n")
    changes, failed = etat.actualiser(["urssaf-emploi"])
    assert changes == [] and "format inattendu" in failed[0]
    assert not sources.living_path(NATIONAL).exists() and NATIONAL not in sources.living_state()


def test_a_pinned_dataset_refreshed_from_its_branch_is_read_living(serveur: Serveur, mirror: Path, tmp_path: Path) -> None:
    vivant = sources.vivants()["france-relance"]
    assert len(vivant.urls) == 102 and all("/barometre-resultats-donnees/master/" in u for u in vivant.urls.values())
    for file_id, url in vivant.urls.items():
        serveur.sert(file_id, (mirror / sources.source(file_id).file).read_bytes(), url)
    changes, failed = etat.actualiser(["france-relance"])
    assert failed == [] and len(changes) == 102 and {c.message for c in changes} == {"inchangé"}
    one = "france-relance/barometre-resultats-relance-emploi-economie-detail-departement-01"
    assert sources.copy_in_use(one) == sources.LIVING and sources.fetch(one) == tmp_path / "cache" / "vivant" / sources.source(one).file
    assert changes[0].apres == "2022-12" or changes[0].apres is None  # the licence file has no period


def test_offline_a_run_goes_on_with_what_it_has_and_says_so(serveur: Serveur, mirror: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.MIRROR_ENV, str(mirror))
    monkeypatch.setenv(sources.URL_BASE_ENV, "http://127.0.0.1:9")  # nothing listens there
    lines = etat.preparer(logging.getLogger("test"))
    assert lines[0].startswith("Hors ligne ou source injoignable : urssaf-emploi/")
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
