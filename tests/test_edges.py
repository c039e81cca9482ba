"""At the edges: bad inputs are refused in French with what is allowed (exit 2, nothing
written), faults (disk full, read-only, permission denied) end with a French message and the
run's summary, leave no temporary file and keep earlier outputs, and what is written is
readable by the group."""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pooch
import pytest

from analysis import config, fichiers, mois
from analysis.donnees import sources
from analysis.execution import journal, pipeline
from analysis.cli import main

TERRITOIRE = "ti-2405"
RUN = ["run", "--periode", "2024-07", "--phase", "2", "--territoires", TERRITOIRE, "--sans-rendu"]


@pytest.fixture
def umask_022():
    """The usual umask, whatever the shell running the tests has."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


# ----------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    "argv, allowed",
    [
        (["run", "--periode", "2025-13"], "attendu AAAA-MM, une année sur quatre chiffres et un mois de 01 à 12"),
        (["render", "--periode", "2025-6"], "attendu AAAA-MM"),
        (["run", "--phase", "3"], "phase invalide '3' : 1 (2019-2022) ou 2 (2023-2027)"),
        (["faits", "--cog", "2020"], "millésime du COG invalide '2020' : 2019, 2023 ou 2025"),
        (["run", "--jobs", "0"], "nombre de processus invalide '0' : un entier supérieur ou égal à 1"),
        (["rapport"], "choix invalide 'rapport' (possibles : 'faits', 'run', 'donnees', 'historique', 'render', 'verifier')"),
        (["run", "--periode"], "argument --periode : une valeur est attendue"),
    ],
)
def test_a_bad_argument_is_refused_in_french_with_what_is_allowed(
    outputs: Path, capsys: pytest.CaptureFixture, argv: list[str], allowed: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert " : erreur : " in err and allowed in err
    assert "error:" not in err and "invalid " not in err and "Traceback" not in err
    assert not outputs.exists()


@pytest.mark.parametrize("liste", [",", "", "ti-2405,,ti-8417", " , "])
def test_an_empty_list_of_territories_is_refused_before_anything_is_written(
    outputs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, liste: str
) -> None:
    from analysis.execution import run

    def prepare_inputs(*args, **kwargs):
        raise AssertionError("une liste vide ne doit rien préparer (elle lançait le mois entier)")

    monkeypatch.setattr(run, "prepare_inputs", prepare_inputs)
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--periode", "2024-07", "--phase", "2", "--territoires", liste, "--sans-rendu"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --territoires : liste de territoires invalide {liste!r} : un ou plusieurs identifiants de la phase " \
           "choisie, séparés par des virgules et sans élément vide, par exemple ti-2405 ou ti-2405,ti-8417" in err
    assert not outputs.exists()


def test_repeated_territories_count_once_and_none_is_refused() -> None:
    from analysis.donnees import referentiel

    assert referentiel.check_territoires(2, ["ti-2405", "ti-8417", "ti-2405"]) == ["ti-2405", "ti-8417"]
    with pytest.raises(referentiel.UnknownTerritoryError, match="aucun territoire donné : un ou plusieurs identifiants de la phase 2"):
        referentiel.check_territoires(2, [])


@pytest.mark.parametrize("commande", [None, "faits", "run", "donnees", "historique", "render"])
def test_the_help_is_in_french_with_examples_defaults_and_ranges(capsys: pytest.CaptureFixture, commande: str | None) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([commande, "--help"] if commande else ["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"utilisation : observatoire {commande or ''}".rstrip())
    assert re.search(r"\noptions :\n  -h, --help +afficher cette aide et quitter\n", out)
    assert re.search(r"\nexemples :\n  observatoire ", out)
    for english in ("usage:", "options:", "positional arguments", "show this help", "default:"):
        assert english not in out
    if commande in ("run", "historique"):
        assert f"(par défaut : le nombre de cœurs, {os.cpu_count()} ici)" in " ".join(out.split())
    if commande in ("run", "render"):
        assert f"de 2019-01 (début du programme) au mois courant ({mois.default_periode()})" in " ".join(out.split())
    if commande is None:
        assert "\ncommandes :\n" in out


def test_the_facts_of_phase_2_in_the_2019_cog(capsys: pytest.CaptureFixture) -> None:
    # five phase-2 territories have no commune in the 2019 COG (their EPCI were created later):
    # their ANCT outlines still count, split between metropolitan France and DROM by latitude
    assert main(["faits", "--phase", "2", "--cog", "2019"]) == 0
    out = capsys.readouterr().out
    assert "(COG 2019)" in out
    assert re.search(r"dont non résolu +14 groupements", out)  # members created after 2019
    assert re.search(r"Communes +18\s262 +communes", out)
    # the same outlines as in the 2023 COG
    assert re.search(r"Surface en France métropolitaine +281\s305\skm²", out)
    assert re.search(r"Surface dans les DROM \(à part\) +56\s501\skm²", out)


def test_render_of_a_month_never_run_writes_nothing(outputs: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["render", "--periode", "2024-03"]) == 2
    err = capsys.readouterr().err
    assert "la période 2024-03 n'a encore aucun notebook exécuté" in err
    assert "« observatoire run --periode 2024-03 »" in err
    assert not outputs.exists()


def _executed_fiche(outputs: Path, periode: str) -> Path:
    """An executed notebook as the run leaves it: the notebook and its stamp (layout only)."""
    notebook = outputs / periode / "fiches" / "phase2" / f"{TERRITOIRE}.ipynb"
    notebook.parent.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), notebook)
    pipeline.stamp_path(notebook).write_text("{}", encoding="utf-8")
    return notebook


def test_render_names_the_months_that_can_be_rendered(outputs: Path, capsys: pytest.CaptureFixture) -> None:
    _executed_fiche(outputs, "2025-01")
    assert main(["render", "--periode", "2024-03"]) == 2
    assert "périodes déjà exécutées : 2025-01" in capsys.readouterr().err
    assert sorted(p.name for p in outputs.iterdir()) == ["2025-01"]


def test_render_never_publishes_a_month_being_run(outputs: Path, capsys: pytest.CaptureFixture) -> None:
    _executed_fiche(outputs, "2025-01")
    folder = outputs / "2025-01"
    with open(folder / ".run.lock", "w", encoding="utf-8") as held:  # a run in progress
        held.write("pid 4242, run, lancé le 26/11/2026 à 09:00:00")
        held.flush()
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["render", "--periode", "2025-01"]) == 2
    assert "la période 2025-01 est en cours d'écriture par un autre processus (pid 4242, run," in capsys.readouterr().err
    assert not (folder / "site").exists()


def test_a_mirror_folder_that_does_not_exist_is_named_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    absent = tmp_path / "donnees-partagees"
    monkeypatch.setenv(config.MIRROR_ENV, str(absent))
    monkeypatch.setenv(config.CACHE_ENV, str(tmp_path / "cache"))

    def download(*args, **kwargs):
        raise AssertionError("a wrong mirror must be said before any download")

    monkeypatch.setattr(sources, "download", download)
    with pytest.raises(sources.SourceError) as err:
        sources.fetch("acv/acv2_geom")
    assert f"Le dossier miroir '{absent}', désigné par la variable {config.MIRROR_ENV}, n'existe pas" in str(err.value)
    assert "ne le contient pas" not in str(err.value)  # the message of a file missing from a mirror


# ----------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    "code, cause",
    [(errno.ENOSPC, "plus de place sur le disque"), (errno.EROFS, "système de fichiers en lecture seule"),
     (errno.EACCES, "permission refusée")],
)
def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path: Path, code: int, cause: str) -> None:
    target = tmp_path / "manifest.json"
    target.write_text('{"periode": "2024-06"}', encoding="utf-8")

    def half(tmp: Path) -> None:
        tmp.write_text('{"periode": "20', encoding="utf-8")
        raise OSError(code, os.strerror(code), str(target))

    with pytest.raises(OSError) as error:
        fichiers.write_atomic(target, half)
    assert fichiers.describe_os_error(error.value) == f"{cause} ({target})"
    assert target.read_text(encoding="utf-8") == '{"periode": "2024-06"}'
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


@pytest.mark.parametrize(
    "code, cause", [(errno.EROFS, "système de fichiers en lecture seule"), (errno.EACCES, "permission refusée")]
)
def test_outputs_that_cannot_be_written_stop_the_run_with_a_french_message(
    outputs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, code: int, cause: str
) -> None:
    real_mkdir = Path.mkdir

    def refused(self: Path, *args, **kwargs) -> None:
        if self.is_relative_to(outputs):
            raise OSError(code, os.strerror(code), str(self))
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refused)
    assert main(RUN) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"erreur : {cause} ({outputs / '2024-07'})"


def test_a_log_that_cannot_be_written_is_said_once(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    log = journal.setup_run_logger(tmp_path / "logs" / "run.log")
    [handler] = [h for h in log.handlers if isinstance(h, logging.FileHandler)]

    def full(text: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), handler.baseFilename)

    handler.stream.write = full
    log.info("phase 2 ti-2405 en échec")
    log.info("1 fiche : 0 exécutée, 0 à jour, 1 en échec")
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"journal du run non écrit : plus de place sur le disque ({tmp_path / 'logs' / 'run.log'}) ; la suite ne s'affiche qu'ici",
        "phase 2 ti-2405 en échec",
        "1 fiche : 0 exécutée, 0 à jour, 1 en échec",
    ]
    handler.close()


def test_a_disk_full_at_the_manifest_ends_with_the_summary_and_keeps_the_outputs(
    outputs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, umask_022: None
) -> None:
    folder = outputs / "2024-07"
    assert main(RUN) == 0
    assert main(["render", "--periode", "2024-07"]) == 0  # under the lock, from the executed fiche
    # every file and folder of the month is readable by the group (mkstemp alone makes 0600)
    modes = {p.relative_to(folder).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in folder.rglob("*")}
    assert {name for name, mode in modes.items() if mode not in (0o644, 0o755)} == set()
    assert modes["provenance.json"] == modes["indicateurs/indicateurs_phase2.parquet"] == modes["site/index.html"] == 0o644
    assert modes["site"] == modes["fiches/phase2"] == 0o755
    capsys.readouterr()

    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and "logs" not in p.parts}
    real = fichiers.write_atomic

    def disk_full_at_the_manifest(target: Path, write):
        if Path(target).name != "manifest.json":
            return real(target, write)

        def half(tmp: Path) -> None:
            tmp.write_text('{"generated_at": "20', encoding="utf-8")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

        return real(target, half)

    monkeypatch.setattr(pipeline, "write_atomic", disk_full_at_the_manifest)  # what write_manifest calls
    assert main(RUN) == 1
    err = capsys.readouterr().err
    assert "1 fiche : 0 exécutée, 1 à jour, 0 en échec" in err  # the run's summary
    assert err.rstrip().endswith(f"manifeste non écrit : plus de place sur le disque ({folder / 'manifest.json'})")
    assert "Traceback" not in err
    after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and "logs" not in p.parts}
    changed = {p.relative_to(folder).as_posix() for p in after if after[p] != before.get(p)}
    assert changed <= {"provenance.json", ".run.lock"}  # rewritten by every run; the manifest is the previous one
    assert not [p for p in folder.rglob(".*.tmp*")]


def test_a_disk_full_at_a_fiche_keeps_the_previous_one_whole(
    outputs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, notebook_disk_full
) -> None:
    folder = outputs / "2024-07"
    fiche = folder / "fiches" / "phase2" / f"{TERRITOIRE}.ipynb"
    # the id given twice counts once (it was a ValueError traceback, after provenance.json was rewritten)
    assert main([*RUN[:-2], f"{TERRITOIRE},{TERRITOIRE}", "--sans-rendu"]) == 0
    assert [j["label"] for j in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["jobs"]] == [
        f"phase 2 {TERRITOIRE}"]
    before = {p: p.read_bytes() for p in (fiche, pipeline.stamp_path(fiche))}
    capsys.readouterr()

    monkeypatch.setattr(pipeline, "is_up_to_date", lambda output, digest: False)  # executed again
    notebook_disk_full(4096)  # a fiche, with its figures, is far larger
    assert main(RUN) == 1
    err = capsys.readouterr().err
    assert (f"phase 2 {TERRITOIRE} → aucun notebook écrit ; le précédent reste en place ({fiche}) — "
            f"plus de place sur le disque ({fiche})") in err
    assert "Traceback" not in err
    assert {p: p.read_bytes() for p in before} == before  # the good fiche and its stamp, as they were
    nbformat.validate(nbformat.read(fiche, as_version=4))
    assert not pipeline.failed_path(fiche).exists()  # a .failed.ipynb is whole or absent
    assert not list(folder.rglob(".*.tmp*"))


def test_outputs_named_by_a_file_are_said_in_french(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture) -> None:
    fichier = tmp_path / "sorties"
    fichier.write_text("pas un dossier", encoding="utf-8")
    monkeypatch.setattr(config, "OUTPUTS_DIR", fichier)
    assert main(RUN) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"erreur : un élément du chemin est un fichier, un dossier est attendu ({fichier / '2024-07'})"


def test_an_unlisted_system_error_is_named_by_its_code_not_in_english() -> None:
    error = OSError(errno.ENOLINK, os.strerror(errno.ENOLINK), "/srv/partage/manifest.json")
    assert fichiers.describe_os_error(error) == "erreur système ENOLINK (/srv/partage/manifest.json)"
    moved = OSError(errno.EISDIR, os.strerror(errno.EISDIR), "/o/.manifest.json.x.tmp.json", None, "/o/manifest.json")
    assert fichiers.describe_os_error(moved) == "c'est un dossier, un fichier est attendu (/o/manifest.json)"


def test_ctrl_c_ends_with_one_french_line_and_code_130(tmp_path: Path) -> None:
    from analysis.cli import INTERRUPTION

    outputs, temp = tmp_path / "outputs", tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, config.OUTPUTS_ENV: str(outputs), "TMPDIR": str(temp)}
    # SIGINT as a terminal gives it: a shell's background job (a CI script started with &)
    # ignores SIGINT, and its children inherit that, which would make Ctrl-C do nothing here
    run = subprocess.Popen([sys.executable, "-m", "analysis.cli", *RUN], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, start_new_session=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 300
        # the fiche's kernel has started (its connection file): the run is executing the notebook
        while not ((outputs / "2024-07" / "fiches").exists() and list(temp.rglob("*.json"))):
            assert run.poll() is None and time.monotonic() < deadline, run.stderr.read() if run.poll() else "trop long"
            time.sleep(0.05)
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole foreground group
        _, err = run.communicate(timeout=120)
    finally:
        run.kill()
    assert run.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert err.strip().splitlines()[-1] == INTERRUPTION
    assert not list(outputs.rglob(".*.tmp*")) and not list(temp.rglob("*.json"))  # no temporary, no kernel connection file


def test_cached_data_are_readable_by_the_group(
    tmp_path: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch, umask_022: None
) -> None:
    monkeypatch.setenv(config.CACHE_ENV, str(tmp_path / "cache"))
    copied = sources.fetch("acv/acv2_geom")  # from the mirror
    assert stat.S_IMODE(copied.stat().st_mode) == 0o644

    class Downloader:
        """pooch's HTTP downloader as it writes: into the (private, mkstemp 0600) file it is given."""

        def __init__(self, **kwargs) -> None:
            pass

        def __call__(self, url: str, output_file: str, pooch_: object) -> None:
            shutil.copyfile(mirror / sources.source("acv/acv_geom").file, output_file)
            Path(output_file).chmod(0o600)

    monkeypatch.delenv(config.MIRROR_ENV)
    monkeypatch.setattr(pooch, "HTTPDownloader", Downloader)
    downloaded = sources.fetch("acv/acv_geom")
    assert stat.S_IMODE(downloaded.stat().st_mode) == 0o644
