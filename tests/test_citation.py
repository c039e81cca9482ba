"""How to cite the observatory and its pages: CITATION.cff, the « Citer cette page » section."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from analysis import config, mois
from analysis.execution import pages


def test_citation_cff_names_the_code_version_and_its_authors():
    cff = pages.citation_metadata()
    pyproject = tomllib.loads((config.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert cff["version"] == pyproject["version"] and cff["license"] == pyproject["license"] == "MIT"
    assert cff["title"] == "Observatoire des Territoires d'industrie" and cff["message"].strip()
    assert pages.authors_text(cff) == "Contributeurs de l'Observatoire des Territoires d'industrie"
    assert pages.authors_text({"authors": [{"given-names": "Jeanne", "family-names": "Dupont"}, {"name": "ANCT"}]}) == (
        "Jeanne Dupont, ANCT"
    )


@pytest.mark.skipif(shutil.which("cffconvert") is None,
                    reason="cffconvert absent (pip install cffconvert) : CITATION.cff n'est pas validé par son schéma")
def test_citation_cff_validates_against_its_schema():
    out = subprocess.run(["cffconvert", "--validate", "-i", str(config.ROOT / pages.CITATION_FILE)],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_page_says_how_to_cite_it_and_its_licence():
    citation = pages.Citation.of("2026-11", "3f2a9c1+src.5d41402abc4b")

    text = pages.citer_markdown("Grand Est Touraine", "fiches/phase2/ti-2405.html", citation, "ti-2405 (phase 2)")

    assert text.startswith("## Citer cette page\n\n")
    assert ("Contributeurs de l'Observatoire des Territoires d'industrie (2026). *Grand Est Touraine*, ti-2405 \\(phase 2\\). "
            "Observatoire des Territoires d'industrie, période 2026-11, version du code `3f2a9c1+src.5d41402abc4b`. "
            "Page `fiches/phase2/ti-2405.html` du site de la période (consulté le JJ/MM/AAAA).") in text
    assert "[Licence Ouverte 2.0 (Etalab)](https://www.etalab.gouv.fr/licence-ouverte-open-licence/)" in text
    assert "le code est sous licence MIT" in text
    assert "[Méthodes et définitions](../../methodes/methodes.html)" in text  # the data licences, file by file
    assert "[Méthodes et définitions](methodes/methodes.html)" in pages.citer_markdown("Accueil", "index.html", citation)


def test_the_version_cited_is_the_one_the_month_was_run_with(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "OUTPUTS_DIR", tmp_path)
    mois.periode_dir("2026-11").mkdir(parents=True)
    mois.provenance_file("2026-11").write_text('{"version_code": "abc1234+src.0123456789ab"}', encoding="utf-8")
    assert pages.Citation.of("2026-11").version == "abc1234+src.0123456789ab"


def test_a_fiche_pdf_is_saved_under_a_name_with_its_phase():
    html = pages.nav("fiches/phase2/ti-2405.html", True, phase=2)
    assert '<a href="ti-2405.pdf" download="ti-2405-phase2.pdf">Version PDF</a>' in html
    assert pages.nav("synthese/synthese.html", True) == '<nav class="liens"><a href="../index.html">← Accueil de l’Observatoire</a> · <a href="synthese.pdf">Version PDF</a></nav>'

    assert config.identifiant("ti-2405", 2) == "ti-2405 (phase 2)"
    fiche = pages.Document(Path("fiches/phase2/ti-2405.ipynb"), "Grand Est Touraine", 2, "ti-2405")
    assert (pages.territoire_cite(fiche), pages.territoire_cite(pages.Document(Path("synthese/synthese.ipynb")))) == ("ti-2405 (phase 2)", "")


def test_the_methods_page_is_linked_only_when_the_site_has_it(tmp_path):
    root = tmp_path / "2026-11"
    documents = [pages.Document(root / "synthese" / "synthese.ipynb")]
    sans = pages.site_citation("2026-11", root, documents)
    avec = pages.site_citation("2026-11", root, [*documents, pages.Document(root / "methodes" / "methodes.ipynb")])
    assert (sans.methodes, avec.methodes) == (False, True)
    assert "](../methodes/methodes.html)" in pages.citer_markdown("Synthèse", "synthese/synthese.html", avec)
    assert "methodes.html" not in pages.citer_markdown("Synthèse", "synthese/synthese.html", sans)
