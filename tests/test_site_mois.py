"""The site of a month, end to end on real outputs: a partial run merges its pages into the
published site, a damaged notebook keeps its previous page, a killed render leaves nothing.

One real month is built once for the module (two phase-2 fiches executed by papermill and
rendered with pandoc + Typst); each test works on its own copy of it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from html import unescape
from pathlib import Path

import nbformat
import pytest

from analysis import config
from analysis.cli import main
from analysis.execution import pipeline, render, run
from analysis.environnement import PANDOC_TYPST

PERIODE = "2024-07"
FICHES = ("ti-2405", "ti-8417")  # Chartres, Sud Corrèze: phase 2
MARQUE = "RÉVISION-DE-LA-FICHE-POUR-LE-TEST"


def _site_files(site: Path) -> dict[str, str]:
    """Every file of a site (hidden stamps aside): relative path -> sha256."""
    return {
        p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(site.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def _page(site: Path, id_ti: str) -> str:
    return unescape((site / "fiches" / "phase2" / f"{id_ti}.html").read_text(encoding="utf-8"))


def _stamped_digest(notebook: Path) -> str:
    return json.loads(pipeline.stamp_path(notebook).read_text(encoding="utf-8"))["digest"]


@pytest.fixture(scope="module")
def mois_rendu(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real month: the two fiches executed and the site rendered by the fallback (~30 s)."""
    folder = tmp_path_factory.mktemp("mois") / "outputs"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(config, "OUTPUTS_DIR", folder)
        patch.setenv("OBSERVATOIRE_OUTPUTS", str(folder))
        patch.setattr(render, "available_renderer", lambda: PANDOC_TYPST)  # the same renderer with or without Quarto
        outcome = run.run_periode(PERIODE, phases=(2,), territoires=list(FICHES), jobs_n=2, progress=False)
    assert [r.status for r in outcome.results] == ["executed", "executed"]
    assert outcome.render_error is None
    assert sorted(p.name for p in (folder / PERIODE / "site" / "fiches" / "phase2").iterdir()) == [
        "donnees", "ti-2405.html", "ti-2405.pdf", "ti-8417.html", "ti-8417.pdf"]
    return folder


@pytest.fixture
def mois(mois_rendu: Path, outputs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's copy of the month (its folder), in the test's outputs folder."""
    shutil.copytree(mois_rendu / PERIODE, outputs / PERIODE, symlinks=True)
    monkeypatch.setattr(render, "available_renderer", lambda: PANDOC_TYPST)
    return outputs / PERIODE


@pytest.fixture
def fiche_revisee(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fiche template with one more paragraph: a fiche run again shows it."""
    nb = nbformat.read(run.FICHE_TEMPLATE, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(f"## Note\n\n{MARQUE}"))
    template = tmp_path / "fiche_territoire.ipynb"
    nbformat.write(nb, template)
    monkeypatch.setattr(run, "FICHE_TEMPLATE", template)


def test_every_figure_of_a_real_fiche_is_followed_by_the_link_to_its_csv(mois_rendu: Path) -> None:
    """Issue 28: under each figure of a fiche, « Données de la figure (CSV) », a file of the site
    with what the figure draws, its unit and its source."""
    site = mois_rendu / PERIODE / "site"
    for id_ti in FICHES:
        page = _page(site, id_ti)
        sequence = [m[1] or "img" for m in re.finditer(r'<img|href="(donnees/[^"]+)">Données de la figure \(CSV\)', page)]
        n = len(sequence) // 2
        assert n >= 7 and sequence == [x for i in range(1, n + 1) for x in ("img", f"donnees/{id_ti}-figure-{i}.csv")], sequence
        for i in range(1, n + 1):
            with (site / "fiches" / "phase2" / "donnees" / f"{id_ti}-figure-{i}.csv").open(encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            assert rows and all(r["unite"] and r["source"] for r in rows), (id_ti, i)


def test_every_figure_of_a_real_fiche_has_an_alt_text_stating_its_data(mois_rendu: Path) -> None:
    """Issue 28: each image's alt says what the figure shows with numbers (never empty, never its
    caption); the first figure's alt gives the first and last values of each line of its CSV."""
    site = mois_rendu / PERIODE / "site"
    for id_ti in FICHES:
        page = (site / "fiches" / "phase2" / f"{id_ti}.html").read_text(encoding="utf-8")
        figures = re.findall(r'<img [^>]*?alt="([^"]*)"[^>]*>\s*<figcaption[^>]*>(.*?)</figcaption>', page, re.S)
        assert len(figures) >= 7 and len(figures) == page.count("<img ")
        for alt, caption in figures:
            assert re.search(r"\d", alt) and unescape(alt) != unescape(caption) and len(alt) > 40, (id_ti, alt)
        with (site / "fiches" / "phase2" / "donnees" / f"{id_ti}-figure-1.csv").open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        alt = unescape(figures[0][0])
        lines = list(dict.fromkeys(r["lib"] for r in rows))
        assert alt.startswith(rows[0]["unite"] + ". ") and len(lines) == 4
        for lib in lines:
            mine = [r for r in rows if r["lib"] == lib]
            first, last = float(mine[0]["value"]), float(mine[-1]["value"])
            growth = 100 * ((last / first) ** (1 / (int(mine[-1]["annee"]) - int(mine[0]["annee"]))) - 1)
            said = (f"{lib} : de {first:.0f} en {mine[0]['annee']} à {last:.0f} en {mine[-1]['annee']} "
                    f"({growth:+.1f} %/an)").replace(".", ",")
            assert said in alt, (said, alt)


def test_a_partial_run_merges_its_page_into_the_month_site(mois: Path, fiche_revisee, capsys) -> None:
    site = mois / "site"
    before = _site_files(site)
    assert {"index.html", "fiches/phase2/ti-2405.html", "fiches/phase2/ti-2405.pdf",
            "fiches/phase2/ti-8417.html", "fiches/phase2/ti-8417.pdf"} <= before.keys()
    assert MARQUE not in _page(site, "ti-2405")

    code = main(["run", "--periode", PERIODE, "--phase", "2", "--territoires", "ti-2405", "--jobs", "1"])

    assert code == 0, capsys.readouterr().err
    after = _site_files(site)
    assert after.keys() == before.keys()  # every page is still there
    changed = sorted(page for page in after if after[page] != before[page])
    # the fiche run again, and the index rebuilt; the other fiche carried over byte for byte
    assert changed[:2] == ["fiches/phase2/ti-2405.html", "fiches/phase2/ti-2405.pdf"]
    assert MARQUE in _page(site, "ti-2405")
    assert after["fiches/phase2/ti-8417.html"] == before["fiches/phase2/ti-8417.html"]
    assert after["fiches/phase2/ti-8417.pdf"] == before["fiches/phase2/ti-8417.pdf"]
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="fiches/phase2/ti-2405.html"' in index and 'href="fiches/phase2/ti-8417.html"' in index


def test_a_damaged_notebook_keeps_its_previous_page(mois: Path, capsys) -> None:
    site, damaged = mois / "site", mois / "fiches" / "phase2" / "ti-8417.ipynb"
    before = _site_files(site)
    text = damaged.read_bytes()
    damaged.write_bytes(text[: len(text) // 2])  # truncated (a full disk, a kill), its stamp still there

    code = main(["run", "--periode", PERIODE, "--phase", "2", "--territoires", "ti-2405", "--jobs", "1"])

    err = capsys.readouterr().err
    assert code == 1
    assert (f"rendu en échec : {damaged} : notebook exécuté illisible (JSON tronqué ou invalide) : exécutez-le à "
            "nouveau ; la page précédente est conservée") in err
    assert "NotJSONError" not in err and "Traceback" not in err
    after = _site_files(site)
    assert after.keys() == before.keys()
    for kept in ("fiches/phase2/ti-8417.html", "fiches/phase2/ti-8417.pdf"):
        assert after[kept] == before[kept]  # its previous version
    assert 'href="fiches/phase2/ti-8417.html"' in (site / "index.html").read_text(encoding="utf-8")
    # the truncated notebook does not count as up to date (the next run of its fiche executes
    # it: test_pipeline.py::test_a_truncated_notebook_with_its_stamp_is_executed_again)
    assert not pipeline.is_up_to_date(damaged, _stamped_digest(damaged))
    intact = mois / "fiches" / "phase2" / "ti-2405.ipynb"
    assert pipeline.is_up_to_date(intact, _stamped_digest(intact))


def test_the_next_run_removes_what_a_killed_render_left(mois: Path, capsys) -> None:
    # what SIGKILL during a render leaves: a staging site (and its Quarto project), and, killed
    # between the two renames of the swap, the previous site set aside and no site
    staging = mois / "site-en-cours-k1ll3d"
    (staging / "fiches" / "phase2").mkdir(parents=True)
    (staging / "fiches" / "phase2" / "ti-2405.html").write_text("<html>à moitié</html>", encoding="utf-8")
    (mois / "site-en-cours-quarto-x2").mkdir()
    before = _site_files(mois / "site")
    (mois / "site").rename(mois / ".site.old")

    code = main(["run", "--periode", PERIODE, "--phase", "2", "--territoires", "ti-8417", "--jobs", "1", "--sans-rendu"])

    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in mois.iterdir() if "site" in p.name) == ["site"]
    assert _site_files(mois / "site") == before  # the previous site, put back


def test_a_render_in_progress_keeps_its_staging_folder(mois: Path, capsys) -> None:
    import fcntl

    staging = mois / "site-en-cours-vivant"
    staging.mkdir()
    with open(mois / ".run.lock", "w", encoding="utf-8") as held:  # a live render of the month
        held.write("pid 4242, rendu, lancé le 07/12/2026 à 13:00:00")
        held.flush()
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["render", "--periode", PERIODE]) == 2
    assert "en cours d'écriture par un autre processus (pid 4242, rendu" in capsys.readouterr().err
    assert staging.is_dir()
    assert main(["render", "--periode", PERIODE]) == 0  # the lock released: the folder is debris
    assert not staging.exists()
