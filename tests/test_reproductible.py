"""Reproducible down to the library: the as-of date of the current month, the software
environment in the provenance, and ``observatoire verifier`` rebuilding a month identically."""

from __future__ import annotations

import datetime as dt
import platform
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from analysis import config, environnement, mois
from analysis.cli import main
from analysis.donnees import provenance, sources
from analysis.execution import verification
from analysis.execution.run import fiche_path, run_periode

PETIT = "cog-2019/regions"  # a small declared file
TERRITOIRE = "ti-2405"
PERIODE = "2024-07"


def test_the_as_of_date_of_the_current_month_is_today(outputs: Path, monkeypatch: pytest.MonkeyPatch, aujourdhui) -> None:
    monkeypatch.setattr(sources, "_READ", set())  # this test's reads only
    aujourdhui(dt.date(2026, 12, 7))
    assert mois.asof_date("2026-12").isoformat() == "2026-12-07"
    assert mois.asof_date("2026-11").isoformat() == "2026-11-30"
    provenance.write("2026-12", provenance.collect("2026-12", {"phases": [2]}, "test", [PETIT]))
    assert provenance.read("2026-12")["date_donnees"] == "2026-12-07"
    assert "publiées au plus tard le 07/12/2026" in provenance.bloc_markdown("2026-12")


def test_the_environment_is_recorded_and_summarised(outputs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "_READ", set())
    provenance.write(PERIODE, provenance.collect(PERIODE, {"phases": [2]}, "test", [PETIT]))
    env = provenance.read(PERIODE)["environnement"]
    assert env["python"] == platform.python_version() and env["machine"] == platform.machine()
    assert env["distributions"]["pandas"] == pd.__version__ and env["distributions"]["observatoire-ti"] == "0.1.0"
    assert env["rendu"]["outil"] == environnement.renderer()
    if env["rendu"]["outil"] == environnement.PANDOC_TYPST:
        assert env["rendu"]["typst"] == env["distributions"]["typst"] and env["rendu"]["pandoc"].count(".") >= 1
    assert env["verrou"]["fichier"] == "requirements.lock" and len(env["verrou"]["sha256"]) == 64
    bloc = provenance.bloc_markdown(PERIODE)
    line = next(line for line in bloc.splitlines() if line.startswith("- Environnement : "))
    assert f"Python {platform.python_version()}" in line and f"pandas {pd.__version__}" in line
    assert f"Typst {env['distributions']['typst']}" in line or "Quarto" in line
    assert "Environnement : Python" in provenance.bloc_court(PERIODE)


def test_differences_with_the_lock_are_named() -> None:
    locked = {"pandas": "3.1.1", "numpy": "2.4.6", "xlrd": "2.0.2"}
    assert environnement.ecarts({"pandas": "3.1.1", "numpy": "2.4.5", "pip": "25.0"}, locked) == [
        "numpy 2.4.5 au lieu de 2.4.6", "xlrd 2.0.2 absent"]
    assert environnement.ecarts(dict(locked), locked) == []
    assert environnement.lock_versions()["xlrd"] == "2.0.2"  # issue 24's reader, in the lock already


def test_quarto_versions_are_those_it_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the Typst version on standard error, as some Quarto builds print it
    fake = tmp_path / "quarto"
    fake.write_text('#!/bin/sh\ncase "$1" in pandoc) echo "pandoc 3.4";; typst) echo "typst 0.11.0 (2bf9f95d)" >&2;; *) echo 1.6.39;; esac\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{__import__('os').environ['PATH']}")
    assert environnement.renderer() == environnement.QUARTO
    assert environnement.renderer_versions(environnement.QUARTO) == {"quarto": "1.6.39", "pandoc": "3.4", "typst": "0.11.0"}


def test_tables_are_compared_value_by_value() -> None:
    a = pd.DataFrame({"id_ti": ["ti-2405", "ti-8417"], "value": [1.5, float("nan")], "n": [3, 4]})
    assert verification.compare_tables("t.parquet", a, a.copy()) == []
    b = a.assign(value=[1.5000001, float("nan")])
    assert verification.compare_tables("t.parquet", a, b) == [
        "t.parquet : 1 valeur(s) différente(s) sur 6",
        "  ligne 0 (id_ti = ti-2405), colonne value : 1.5 publiée, 1.5000001 recalculée",
    ]
    assert verification.compare_tables("t.parquet", a, a.iloc[:1]) == ["t.parquet : 2 lignes publiées, 1 recalculées"]


def test_stored_analyses_are_compared_item_by_item() -> None:
    table = pd.DataFrame({"id_ti": ["ti-2405"], "coef": [0.25]})
    publie = {"did": table, "n": 183, "rangs": pd.Series([1.0, 2.0]), "notes": ["a", "b"]}
    assert verification.compare_objects("analyses/x.pickle", publie, {**publie}) == []
    refait = {"did": table.assign(coef=0.5), "n": 182, "rangs": pd.Series([1.0, 3.0]), "notes": ["a", "c"]}
    assert verification.compare_objects("analyses/x.pickle", publie, refait) == [
        "analyses/x.pickle['did'] : 1 valeur(s) différente(s) sur 2",
        "  ligne 0 (id_ti = ti-2405), colonne coef : 0.25 publiée, 0.5 recalculée",
        "analyses/x.pickle['n'] : 183 publié, 182 recalculé",
        "analyses/x.pickle['rangs'] : 1 valeur(s) différente(s) sur 4",
        "  ligne 1 (index = 1), colonne 0 : 2.0 publiée, 3.0 recalculée",
        "analyses/x.pickle['notes'][1] : 'b' publié, 'c' recalculé",
    ]


def test_a_pdf_rendered_twice_is_the_same_file(tmp_path: Path) -> None:
    import time

    from analysis.execution import render_fallback

    notebook = tmp_path / "page.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Une page\n\n## Section\n\nUn paragraphe.")])
    nbformat.write(nb, notebook)
    pdfs = []
    for i in range(2):
        with environnement.date_fixe("2026-11"):
            render_fallback.render_notebook(notebook, tmp_path / f"{i}.html", tmp_path / f"{i}.pdf")
        pdfs.append((tmp_path / f"{i}.pdf").read_bytes())
        time.sleep(1.1)  # a clock time in the PDF would differ
    assert pdfs[0] == pdfs[1] and b"CreationDate(D:20261101000000Z)" in pdfs[0]
    assert environnement.SOURCE_DATE_EPOCH not in __import__("os").environ  # restored after the block


def test_environment_differences_are_listed_apart() -> None:
    env = {"python": "3.11.7", "plateforme": "Linux-6.18-x86_64", "rendu": {"outil": "pandoc+typst", "typst": "0.15.2"},
           "distributions": {"pandas": "3.1.1", "numpy": "2.4.6"}}
    other = {**env, "python": "3.12.1", "distributions": {"pandas": "3.1.2"}}
    assert verification.compare_environnement({"environnement": env}, {"environnement": other}) == [
        "environnement : python 3.11.7 publié, 3.12.1 recalculé",
        "environnement : numpy 2.4.6 publié, absent recalculé",
        "environnement : pandas 3.1.1 publié, 3.1.2 recalculé",
    ]
    assert verification.compare_environnement({"environnement": env}, {"environnement": env}) == []


def test_the_same_map_gives_the_same_svg() -> None:
    """The home page's maps: clip paths named from a fixed salt (a random one per run before,
    found by comparing two executions of the home page)."""
    import matplotlib.pyplot as plt

    from analysis.publications import accueil

    def svg() -> str:
        fig, ax = plt.subplots()
        ax.fill([0, 1, 1], [0, 0, 1], color="#5a9e4b")
        return accueil.svg_en_ligne(fig, {}, "Carte")

    first = svg()
    assert "clip-path" in first and svg() == first


@pytest.fixture(scope="module")
def mois_publie(tmp_path_factory) -> Path:
    """A small published month: one phase-2 fiche of ``PERIODE``, without the site."""
    folder = tmp_path_factory.mktemp("outputs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(config, "OUTPUTS_DIR", folder)
        mp.setenv("OBSERVATOIRE_OUTPUTS", str(folder))
        outcome = run_periode(PERIODE, phases=(2,), territoires=[TERRITOIRE], jobs_n=1, render=False, progress=False)
        assert not outcome.failed
        yield folder


def test_a_month_just_built_is_verified_identical_and_an_altered_value_is_reported(
    mois_publie: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(config, "OUTPUTS_DIR", mois_publie)
    monkeypatch.setenv("OBSERVATOIRE_OUTPUTS", str(mois_publie))
    assert main(["verifier", "--periode", PERIODE, "--garder"]) == 0
    out = capsys.readouterr().out
    assert "Aucune différence : le mois publié est reproduit à l'identique." in out
    tables, notebooks = (int(n) for n in out.split(" comparés")[0].split("\n")[-1].split()[::3][:2])
    assert tables >= 2 and notebooks == 1
    refait = Path(out.split("Mois recalculé gardé dans ")[1].splitlines()[0]) / PERIODE
    publie = mois_publie / PERIODE

    # one indicator value altered in the published table
    long = publie / "indicateurs" / "indicateurs_phase2.parquet"
    table = pd.read_parquet(long)
    row = table.index[table["value"].notna()][0]
    table.loc[row, "value"] = table.loc[row, "value"] + 1
    table.to_parquet(long)
    # and one text output of the published fiche
    fiche = fiche_path(PERIODE, 2, TERRITOIRE)
    nb = nbformat.read(fiche, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and any(o.get("data", {}).get("text/markdown") for o in c.outputs))
    output = next(o for o in cell.outputs if o.get("data", {}).get("text/markdown"))
    output["data"]["text/markdown"] = output["data"]["text/markdown"] + "\nune phrase ajoutée"
    nbformat.write(nb, fiche)

    differences, environnement_, non_verifies, _, _ = verification.compare_dossiers(publie, refait)
    assert non_verifies == [] and environnement_ == []
    assert any(line.startswith(f"{long.relative_to(publie)} : 1 valeur(s) différente(s)") for line in differences), differences
    assert any(line.startswith(f"{fiche.relative_to(publie)}, cellule ") and "une phrase ajoutée" in line for line in differences)
    shutil.rmtree(refait.parent)


def test_verifier_refuses_a_month_never_run(outputs: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["verifier", "--periode", "2024-03"]) == 2
    assert "la période 2024-03 n'a pas de run publié à vérifier" in capsys.readouterr().err
    assert not (outputs / "2024-03").exists()
