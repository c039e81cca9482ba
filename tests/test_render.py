"""Publishing: executed notebooks -> HTML pages and PDFs with the pandoc + Typst fallback."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from pypdf import PdfReader

from conftest import axe_absent, axe_audit

from analysis import config, mois
from analysis.donnees import provenance
from analysis.execution import pages, render, render_fallback

TERRITOIRE = "Territoire d'industrie Vallée de l'Arve — é œ €"
CAPTION = "Évolution de l'emploi industriel, base 100 en 2019"


def _png() -> str:
    fig, ax = plt.subplots(figsize=(5, 2.5))
    ax.plot([2019, 2020, 2021], [100, 97, 103])
    ax.set_title("Emploi industriel")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Territoire": ["Vallée de l'Arve", "Cœur de France"],
            "Emploi": ["12 345", "6 789"],
            "Évolution": ["1,5 %", "−2,3 %"],
        }
    )


def _notebook(heading: str = TERRITOIRE) -> nbformat.NotebookNode:
    """An executed notebook as papermill leaves it: outputs built directly, no kernel needed."""
    figure_cell = new_code_cell(
        f'#| label: fig-emploi\n#| fig-cap: "{CAPTION}"\nfig = plot_emploi()  # CODE-SOURCE-SECRET',
        outputs=[new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure>"})],
    )
    table_cell = new_code_cell(
        '#| tbl-cap: "Emploi par territoire"\ntableau',
        outputs=[
            new_output(
                "execute_result", data={"text/html": _table()._repr_html_(), "text/plain": "df"}, execution_count=3
            )
        ],
    )
    return new_notebook(
        cells=[
            new_code_cell("periode = '2025-06'", metadata={"tags": ["parameters"]}),
            new_code_cell("id_ti = 'PARAM-INJECTE'", metadata={"tags": ["injected-parameters"]}),
            new_markdown_cell(f"# {heading}\n\nLe territoire compte 12 345 emplois industriels.\n\n## Emploi"),
            figure_cell,
            table_cell,
            new_code_cell(
                "import warnings", outputs=[new_output("stream", name="stderr", text="UserWarning: AVERTISSEMENT\n")]
            ),
            new_code_cell(
                "print('CELLULE-CACHEE')",
                metadata={"tags": ["remove-cell"]},
                outputs=[new_output("stream", name="stdout", text="CELLULE-CACHEE\n")],
            ),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )


def _pdf_text(path) -> tuple[int, str]:
    reader = PdfReader(path)
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages).replace("’", "'")


def test_cell_options_reads_quarto_comments():
    assert pages.cell_options(f'#| label: fig-x\n#| fig-cap: "{CAPTION}"\nplot()') == {
        "label": "fig-x",
        "fig-cap": CAPTION,
    }
    assert pages.cell_options("x = 1\n#| label: not-an-option") == {}


def test_split_title_takes_the_first_heading_out_of_the_body():
    title, nb = pages.split_title(_notebook())
    assert title == TERRITOIRE
    assert nb.cells[2].source.startswith("\nLe territoire compte")
    markdown_title = new_notebook(
        cells=[
            new_code_cell(
                "display(Markdown(...))",
                outputs=[new_output("display_data", data={"text/markdown": "# Fiche Vallée de l'Arve\n\nTexte."})],
            )
        ]
    )
    title, nb = pages.split_title(markdown_title)
    assert title == "Fiche Vallée de l'Arve"
    assert nb.cells[0].outputs[0].data["text/markdown"] == "\nTexte."


def test_publishable_hides_cells_and_converts_tables():
    nb = pages.publishable(_notebook())
    sources = "".join(cell.source for cell in nb.cells)
    assert "PARAM-INJECTE" not in sources and "CELLULE-CACHEE" not in sources and "periode =" not in sources
    image, table, warning = (cell.outputs for cell in nb.cells[1:])
    assert image[0].metadata["caption"] == CAPTION and image[0].metadata["label"] == "fig-emploi"
    assert warning == []  # stderr is not published
    markdown = table[0].data["text/markdown"]
    assert set(table[0].data) == {"text/markdown"}
    assert markdown.startswith("````{=html}\n") and markdown.endswith("\n````\n")  # a raw HTML block
    assert "<caption>Emploi par territoire</caption>" in markdown and "<td>Cœur de France</td>" in markdown


def test_render_notebook_html_and_pdf(tmp_path):
    notebook = tmp_path / "synthese.ipynb"
    nbformat.write(_notebook(), notebook)
    html, pdf = tmp_path / "site" / "synthese.html", tmp_path / "site" / "synthese.pdf"

    assert render_fallback.render_notebook(notebook, html, pdf) == TERRITOIRE

    page = unescape(html.read_text(encoding="utf-8")).replace("’", "'")  # pandoc typesets apostrophes
    assert f"<title>{TERRITOIRE}</title>" in page
    assert re.search(r'<img [^>]*src="data:image/png;base64,[A-Za-z0-9+/]{100}', page)
    assert re.search(f"<figcaption[^>]*>{CAPTION}</figcaption>", page)
    assert 'lang="fr-FR"' in page
    assert "<table" in page and "12 345" in page
    for hidden in ("CODE-SOURCE-SECRET", "plot_emploi", "PARAM-INJECTE", "CELLULE-CACHEE", "AVERTISSEMENT"):
        assert hidden not in page
    assert not list(html.parent.glob(".*.tmp*"))  # temporary files were moved into place

    pages, text = _pdf_text(pdf)
    assert pages >= 1
    assert TERRITOIRE in text.replace("’", "'")
    assert "Cœur de France" in text and "12 345" in text  # the table survived into the PDF
    assert "Emploi par territoire" in text and CAPTION in text  # captions
    assert "CODE-SOURCE-SECRET" not in text
    assert len(PdfReader(pdf).pages[0].images) == 1  # the figure


@pytest.fixture()
def periode(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "OUTPUTS_DIR", tmp_path / "outputs")
    return "2025-06"


def _write(path, nb):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_render_site_with_the_fallback(periode, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)  # no Quarto on PATH
    assert render.available_renderer() == "pandoc+typst"
    root = mois.periode_dir(periode)
    synthese = _write(root / "synthese" / "synthese.ipynb", _notebook("Synthèse nationale"))
    monographie = _write(root / "monographies" / "vallee-arve.ipynb", _notebook())
    fiches = [
        pages.Document(
            _write(root / "fiches" / "phase1" / "TI-74.ipynb", _notebook("Fiche")), "Vallée de l'Arve", 1, "TI-74"
        ),
        pages.Document(
            _write(root / "fiches" / "phase2" / "TI-18.ipynb", _notebook("Fiche")), "Cœur de France", 2, "TI-18"
        ),
        pages.Document(root / "fiches" / "phase2" / "TI-XX.ipynb", "Cassé", 2, "TI-XX"),
    ]
    (root / "fiches" / "phase2" / "TI-XX.ipynb").write_text("{pas du json", encoding="utf-8")  # a broken notebook
    (root / "site").mkdir(parents=True)
    (root / "site" / "ancienne-page.html").write_text("périmée", encoding="utf-8")

    report = render.render_site(periode, [pages.Document(synthese), pages.Document(monographie)], fiches)

    site = root / "site"
    assert report.renderer == "pandoc+typst" and report.site == site
    assert not (site / "ancienne-page.html").exists()  # the site was replaced as a whole
    assert sorted(p.relative_to(site).as_posix() for p in report.pdfs) == [
        "fiches/phase1/TI-74.pdf",
        "fiches/phase2/TI-18.pdf",
        "monographies/vallee-arve.pdf",
        "synthese/synthese.pdf",
    ]
    assert all(p.exists() for p in report.pages + report.pdfs) and len(report.pages) == 5
    assert list(report.failures) == [root / "fiches" / "phase2" / "TI-XX.ipynb"]
    assert not (site / "fiches" / "phase2" / "TI-XX.html").exists()
    assert not [p.name for p in root.iterdir() if p.name.startswith(".")]  # no staging left behind

    index = unescape(report.index.read_text(encoding="utf-8")).replace("’", "'")
    for link in (
        "synthese/synthese.html",
        "synthese/synthese.pdf",
        "monographies/vallee-arve.html",
        "monographies/vallee-arve.pdf",
        "fiches/phase1/TI-74.html",
        "fiches/phase1/TI-74.pdf",
        "fiches/phase2/TI-18.html",
    ):
        assert f'href="{link}"' in index
    assert "Synthèse nationale" in index and "Cœur de France" in index and "TI-XX" not in index
    positions = [
        index.index(s) for s in ("Phase 1", ">Vallée de l'Arve</a> (TI-74 (phase 1), ", "Phase 2", ">Cœur de France</a> (TI-18 (phase 2), ")
    ]
    assert positions == sorted(positions)  # fiches grouped by phase, with their territory names
    assert _pdf_text(site / "synthese" / "synthese.pdf")[1].count("Synthèse nationale") >= 1
    fiche = unescape((site / "fiches" / "phase1" / "TI-74.html").read_text(encoding="utf-8"))
    assert '<nav class="liens"><a href="../../index.html">' in fiche
    assert '<a href="TI-74.pdf" download="TI-74-phase1.pdf">Version PDF</a>' in fiche  # saved with its phase
    fiche_pdf = _pdf_text(site / "fiches" / "phase1" / "TI-74.pdf")[1]
    assert "Fiche\nTable des matières" in fiche_pdf and "Cœur de France" in fiche_pdf and "Version PDF" not in fiche_pdf
    # every page ends with how to cite it and the licence of what it publishes
    version = provenance.code_version()  # no provenance.json in this period: the current code's version
    fiche = fiche.replace("’", "'")
    for page in (fiche, index, unescape((site / "synthese" / "synthese.html").read_text(encoding="utf-8")).replace("’", "'")):
        assert page.count(">Citer cette page</h2>") == 1 and "Licence Ouverte 2.0 (Etalab)" in page
        assert f"Observatoire des Territoires d'industrie, période 2025-06, version du code <code>{version}</code>." in page
        assert "(consulté le JJ/MM/AAAA)" in page
    assert "Contributeurs de l'Observatoire des Territoires d'industrie (2025). <em>Fiche</em>, TI-74 (phase 1)." in fiche
    # this site has no methods page: the data licences are not a broken link
    assert "rappelées fichier par fichier sur la page Méthodes et définitions du site complet de la période." in fiche
    assert "Citer cette page" in fiche_pdf and "Licence Ouverte 2.0" in fiche_pdf
    # a table scrolls inside its own box on a 400 px screen: a focusable region named by its caption
    assert re.search(r'<div class="tableau-large" tabindex="0" role="region" aria-label="Emploi par territoire">\s*<table', fiche)


def test_a_disk_full_during_the_fallback_keeps_the_previous_site(periode):
    root = mois.periode_dir(periode)
    notebook = _write(root / "fiches" / "phase2" / "TI-18.ipynb", _notebook("Fiche"))
    fiche = pages.Document(notebook, "Cœur de France", 2, "TI-18")
    render.render_site(periode, [], [fiche], renderer="pandoc+typst")
    before = {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()}

    real = render_fallback._pandoc_html

    def disk_full_at_the_index(markdown, output, **kwargs):
        if output.name.startswith(".index.html."):  # what pandoc says when the disk is full
            raise RuntimeError(f'Pandoc died with exitcode "1" during conversion: pandoc: {output}: withFile: '
                               "resource exhausted (No space left on device)\nHasCallStack backtrace:")
        real(markdown, output, **kwargs)

    _write(notebook, _notebook("Fiche révisée"))  # its page is rendered again, then the index fails
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render_fallback, "_pandoc_html", disk_full_at_the_index)
        with pytest.raises(pages.RenderError) as error:
            render.render_site(periode, [], [fiche], renderer="pandoc+typst")
    # one French line, never pandoc's own text and backtrace
    assert str(error.value) == "rendu interrompu (plus de place sur le disque) ; le site précédent est conservé"
    assert {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in root.iterdir()) == ["fiches", "site"]  # no staging left behind


def test_render_site_rejects_notebooks_outside_the_period(periode, tmp_path):
    stray = _write(tmp_path / "ailleurs.ipynb", _notebook())
    with pytest.raises(ValueError, match="n'est pas sous"):
        render.render_site(periode, [pages.Document(stray)], [], renderer="pandoc+typst")


FAKE_QUARTO = """#!/bin/sh
# Stand-in for `quarto render <project> [--to typst] --no-execute --output-dir <dir>`: like
# Quarto, it renders nothing when the project path holds a hidden folder, and exits 0 in every
# case. It keeps a copy of each project it is given in $SEEN/<format>-<project name>.
project="$2"; out=""; to=html
while [ $# -gt 0 ]; do
  case "$1" in --output-dir) out="$2"; shift;; --to) to="$2"; shift;; esac
  shift
done
echo "$to $project $out" >> "$SEEN.args"
mkdir -p "$SEEN" "$out"
cp -r "$project" "$SEEN/$to-$(basename "$project")"
case "$project" in */.*) exit 0;; esac
[ "$MODE" = rien ] && exit 0
cd "$project"
if [ "$to" = typst ]; then
  [ "$MODE" = partiel ] && exit 0
  find . -name '*.ipynb' | while read nb; do mkdir -p "$out/$(dirname "$nb")"; echo "%PDF" > "$out/${nb%.ipynb}.pdf"; done
  exit 0
fi
echo "<html>accueil</html>" > "$out/index.html"
[ "$MODE" = partiel ] && exit 0
find . -name '*.ipynb' ! -name index.ipynb | while read nb; do
  mkdir -p "$out/$(dirname "$nb")"; echo "<html>page</html>" > "$out/${nb%.ipynb}.html"
done
exit 0
"""


@pytest.fixture
def fake_quarto(tmp_path, monkeypatch):
    """A stand-in `quarto` on PATH; ``MODE`` (complet, partiel, rien) sets what it writes."""
    bin_dir, seen = tmp_path / "bin", tmp_path / "vu-par-quarto"
    bin_dir.mkdir()
    fake = bin_dir / "quarto"
    fake.write_text(FAKE_QUARTO)
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("SEEN", str(seen))
    monkeypatch.setenv("MODE", "complet")
    return seen


def _quarto_period(root):
    synthese = _write(root / "synthese" / "synthese.ipynb", _notebook("Synthèse nationale"))
    (root / "synthese" / "carte.png").write_bytes(b"png")
    fiche = pages.Document(
        _write(root / "fiches" / "phase1" / "TI-74.ipynb", _notebook("Fiche")), "Vallée de l'Arve", 1, "TI-74"
    )
    return [pages.Document(synthese)], [fiche]


def test_render_site_with_quarto_stages_titled_notebooks_and_never_executes(periode, tmp_path, fake_quarto):
    root = mois.periode_dir(periode)
    documents, fiches = _quarto_period(root)

    report = render.render_site(periode, documents, fiches, jobs_n=1)

    seen = fake_quarto
    assert render.available_renderer() == report.renderer == "quarto"
    calls = [line.split() for line in (tmp_path / "vu-par-quarto.args").read_text().splitlines()]
    # the website's HTML pages, and the PDFs in another project rendered at the same time
    assert sorted(to for to, *_ in calls) == ["html", "typst"]
    for _, project, out in calls:
        assert render.hidden_component(Path(project)) is None  # Quarto ignores inputs under hidden folders
        assert out != str(root / "site")
    site_project = next(p for p in seen.iterdir() if p.name.startswith("html-"))
    pdf_projects = [p for p in seen.iterdir() if p.name.startswith("typst-")]
    config_text = (site_project / "_quarto.yml").read_text()
    assert config_text == (config.ROOT / "_quarto.yml").read_text()
    assert "tbl-title: Tableau" in config_text and "at: pre-ast" in config_text and "format-links: false" in config_text
    assert (site_project / "html_tables.lua").exists() and (site_project / "composants.css").exists()
    assert (site_project / "synthese" / "carte.png").exists()  # figure files beside the notebook
    assert not (site_project / "synthese" / "_metadata.yml").exists()  # the website: HTML only
    staged_pdfs = sorted(nb.relative_to(p).as_posix() for p in pdf_projects for nb in p.rglob("*.ipynb"))
    assert staged_pdfs == ["fiches/phase1/TI-74.ipynb", "synthese/synthese.ipynb"]  # every page has its PDF
    for nb in (nb for p in pdf_projects for nb in p.rglob("*.ipynb")):
        assert "typst" in (nb.parent / "_metadata.yml").read_text() and (nb.parent / "report.typ").exists()
    staged = nbformat.read(site_project / "synthese" / "synthese.ipynb", as_version=4)
    assert staged.cells[0].cell_type == "raw" and staged.cells[0].source.startswith("---\ntitle: Synthèse nationale")
    assert staged.cells[1].cell_type == "raw" and staged.cells[1].metadata["raw_mimetype"] == "text/html"
    assert '<a href="synthese.pdf">Version PDF</a>' in staged.cells[1].source
    assert "# Synthèse nationale" not in "".join(c.source for c in staged.cells[1:])
    table_cell = next(c for c in staged.cells if "tbl-cap" in c.source)
    assert table_cell.source.startswith("#| label: tbl-1\n")  # Quarto captions labelled tables only
    index = (site_project / "index.qmd").read_text(encoding="utf-8")
    assert "(fiches/phase1/TI-74.html)" in index and "(synthese/synthese.pdf)" in index
    # Quarto's pages end with how to cite them too, a fiche with its code and phase
    assert staged.cells[-1].cell_type == "markdown" and staged.cells[-1].source.startswith("## Citer cette page\n\n")
    assert "*Synthèse nationale*. Observatoire des Territoires d'industrie, période 2025-06" in staged.cells[-1].source
    fiche = nbformat.read(site_project / "fiches" / "phase1" / "TI-74.ipynb", as_version=4)
    assert "*Fiche*, TI-74 \\(phase 1\\). Observatoire" in fiche.cells[-1].source
    assert 'download="TI-74-phase1.pdf"' in fiche.cells[1].source
    assert index.rstrip().endswith("(consulté le JJ/MM/AAAA).\n\nLicence : les tableaux, chiffres et textes de cette page "
                                   "sont publiés sous la [Licence Ouverte 2.0 (Etalab)](https://www.etalab.gouv.fr/licence-ouverte-open-licence/), "
                                   "qui demande d'en mentionner la source ; le code est sous licence MIT. Les données utilisées gardent leurs "
                                   "licences, rappelées fichier par fichier sur la page Méthodes et définitions du site complet de la période.")
    site = root / "site"
    assert (site / "index.html").read_text() == "<html>accueil</html>\n"
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*.*")) == [
        "fiches/phase1/TI-74.html", "fiches/phase1/TI-74.pdf", "index.html", "synthese/synthese.html", "synthese/synthese.pdf",
    ]
    assert report.pdfs == (site / "synthese" / "synthese.pdf", site / "fiches" / "phase1" / "TI-74.pdf")
    assert sorted(p.name for p in root.iterdir()) == ["fiches", "site", "synthese"]  # no staging left behind


def test_quarto_publishes_the_figures_csv_beside_their_page(periode, fake_quarto):
    root = mois.periode_dir(periode)
    documents, fiches = _quarto_period(root)
    csv = mois.figure_csv(root / "synthese" / "synthese.ipynb", 1)
    csv.parent.mkdir()
    csv.write_text("id_ti,value,unite,source\nti-7401,1.5,%,URSSAF\n", encoding="utf-8")

    report = render.render_site(periode, documents, fiches)

    published = root / "site" / "synthese" / "donnees" / "synthese-figure-1.csv"
    assert published.read_text(encoding="utf-8") == "id_ti,value,unite,source\nti-7401,1.5,%,URSSAF\n"
    assert published in report.pages and not (root / "site" / "fiches" / "phase1" / "donnees").exists()


@pytest.mark.parametrize("mode, missing", [("rien", "5 page(s)"), ("partiel", "4 page(s)")])
def test_a_quarto_render_that_writes_too_little_keeps_the_previous_site(periode, fake_quarto, monkeypatch, mode, missing):
    root = mois.periode_dir(periode)
    documents, fiches = _quarto_period(root)
    render.render_site(periode, documents, fiches)
    before = {p: p.read_bytes() for p in (root / "site").rglob("*")  if p.is_file()}

    monkeypatch.setenv("MODE", mode)
    with pytest.raises(pages.RenderError, match=rf"rendu incomplet avec quarto : {re.escape(missing)} ou PDF absents ou vides .*synthese/synthese.pdf"):
        render.render_site(periode, documents, fiches)

    assert {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()} == before  # byte-identical
    assert sorted(p.name for p in root.iterdir()) == ["fiches", "site", "synthese"]


def test_a_period_under_a_hidden_folder_is_staged_outside_it(tmp_path, fake_quarto, monkeypatch):
    """Outputs under a hidden folder (~/.cache/...): the Quarto project is staged in TMPDIR."""
    monkeypatch.setattr(config, "OUTPUTS_DIR", tmp_path / ".cache" / "outputs")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(render.tempfile, "tempdir", None)  # re-read TMPDIR
    root = mois.periode_dir("2025-06")
    documents, fiches = _quarto_period(root)

    report = render.render_site("2025-06", documents, fiches)

    assert all(p.is_file() and p.stat().st_size for p in report.pages + report.pdfs)
    assert not list((tmp_path / "tmp").iterdir()) and not list(root.glob(".site*"))


def test_the_fallback_renders_again_only_changed_notebooks(periode, monkeypatch):
    root = mois.periode_dir(periode)
    synthese = pages.Document(_write(root / "synthese" / "synthese.ipynb", _notebook("Synthèse nationale")))
    fiches = [
        pages.Document(_write(root / "fiches" / "phase2" / f"TI-{n}.ipynb", _notebook(f"Fiche {n}")), f"Territoire {n}", 2, f"TI-{n}")
        for n in (18, 19)
    ]
    rendered: list[str] = []
    real = render_fallback.render_notebook

    def counting(notebook, *args, **kwargs):
        rendered.append(notebook.name)
        return real(notebook, *args, **kwargs)

    monkeypatch.setattr(render_fallback, "render_notebook", counting)

    first = render.render_site(periode, [synthese], fiches, renderer="pandoc+typst")
    assert sorted(rendered) == ["TI-18.ipynb", "TI-19.ipynb", "synthese.ipynb"]
    bytes_before = {p: p.read_bytes() for p in first.pages[1:] + first.pdfs}

    rendered.clear()
    again = render.render_site(periode, [synthese], fiches, renderer="pandoc+typst")
    assert rendered == []  # nothing changed: every page and PDF carried over
    assert again.pages == first.pages and again.pdfs == first.pdfs and not again.failures
    assert {p: p.read_bytes() for p in again.pages[1:] + again.pdfs} == bytes_before
    index = unescape(again.index.read_text(encoding="utf-8"))
    assert "Synthèse nationale" in index and "Territoire 18" in index and "Territoire 19" in index

    _write(fiches[1].notebook, _notebook("Fiche modifiée"))
    rendered.clear()
    third = render.render_site(periode, [synthese], fiches, renderer="pandoc+typst")
    assert rendered == ["TI-19.ipynb"]
    assert "Fiche modifiée" in unescape((root / "site" / "fiches" / "phase2" / "TI-19.html").read_text(encoding="utf-8"))
    assert third.pdfs[0].read_bytes() == bytes_before[first.pdfs[0]]


def _with_draft_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb.cells.append(
        new_code_cell(
            "display(Markdown(manques))",
            metadata={"tags": ["brouillon"]},
            outputs=[new_output("display_data", data={"text/markdown": "> **Brouillon** : NOTES-DE-TERRAIN-A-ECRIRE"})],
        )
    )
    return nb


def test_draft_cells_only_in_the_draft_site(periode, fake_quarto):
    root = mois.periode_dir(periode)
    monographie = _write(root / "monographies" / "ti-0001.ipynb", _with_draft_cell(_notebook()))
    assert "NOTES-DE-TERRAIN" not in _outputs_markdown(pages.publishable(nbformat.read(monographie, as_version=4)))
    assert "NOTES-DE-TERRAIN" in _outputs_markdown(pages.publishable(nbformat.read(monographie, as_version=4), brouillon=True))
    # Quarto: the staged copy of the published site has no draft cell, the draft site's has it
    render.render_site(periode, [pages.Document(monographie)], [])
    for project in fake_quarto.iterdir():  # the website and the PDFs' projects
        staged = nbformat.read(project / "monographies" / "ti-0001.ipynb", as_version=4)
        assert not [c for c in staged.cells if "brouillon" in c.metadata.get("tags", [])]
    published = sorted(p.relative_to(root).as_posix() for p in (root / "site").rglob("*.*"))
    shutil.rmtree(fake_quarto)  # the stand-in copies the staged project there
    report = render.render_site(periode, [pages.Document(monographie)], [], brouillon=True)
    for project in fake_quarto.iterdir():
        staged = nbformat.read(project / "monographies" / "ti-0001.ipynb", as_version=4)
        assert [c for c in staged.cells if "brouillon" in c.metadata.get("tags", [])]
    assert report.site == root / "brouillon" and (root / "brouillon" / "monographies" / "ti-0001.pdf").exists()
    assert sorted(p.relative_to(root).as_posix() for p in (root / "site").rglob("*.*")) == published  # untouched
    # the fallback writes the draft's text into the draft site only
    report = render.render_site(periode, [pages.Document(monographie)], [], renderer="pandoc+typst", brouillon=True)
    assert "NOTES-DE-TERRAIN-A-ECRIRE" in unescape(report.index.with_name("monographies").joinpath("ti-0001.html").read_text(encoding="utf-8"))


def _outputs_markdown(nb: nbformat.NotebookNode) -> str:
    return "\n".join(str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells for o in c.get("outputs", []))


# --- a small site, every link checked -----------------------------------------------------------


class _Links(HTMLParser):
    """Targets of a page's links (``a``, ``link``, ``img``, ``script``, SVG ``use``) and its ids."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "xlink:href", "src"):
            if attrs.get(name) and tag in {"a", "link", "img", "script", "use", "image"}:
                self.targets.append(attrs[name])


def _parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def broken_links(site: Path) -> tuple[int, list[str]]:
    """Every link of every HTML page of ``site`` (SVG included): how many, and those whose
    target (file, and anchor in it) does not exist. Links out of the site are not followed."""
    checked, broken = 0, []
    parsed: dict[Path, _Links] = {}
    for page in sorted(site.rglob("*.html")):
        links = parsed.setdefault(page, _parse(page))
        for target in links.targets:
            if re.match(r"^(https?:|data:|mailto:|javascript:)", target):
                continue
            checked += 1
            path, _, anchor = unquote(target).partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.is_file() or not file.resolve().is_relative_to(site.resolve()):
                broken.append(f"{page.relative_to(site)} -> {target}")
            elif anchor and file.suffix == ".html" and anchor not in parsed.setdefault(file, _parse(file)).ids:
                broken.append(f"{page.relative_to(site)} -> {target} (ancre absente)")
    return checked, broken


def _accueil_notebook(periode: str, table: pd.DataFrame, csv: Path) -> nbformat.NotebookNode:
    """The home page notebook as papermill leaves it, its outputs made by ``analysis.accueil``."""
    from analysis.publications import accueil
    from analysis.publications.figures_synthese import couleurs_categories

    def html(text):
        return new_code_cell("", outputs=[new_output("display_data", data={"text/html": text, "text/plain": "<HTML>"})])

    def markdown(text):
        return new_code_cell("", outputs=[new_output("display_data", data={"text/markdown": text})])

    csv.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(csv, index=False)
    files = pd.DataFrame({"fichier": [f"{accueil.DONNEES}/{csv.name}"], "description": ["Territoires"], "taille": [csv.stat().st_size]})
    observations = dict.fromkeys(accueil.INDICATEURS, "2022")
    return new_notebook(cells=[
        new_code_cell(f"periode = '{periode}'", metadata={"tags": ["parameters"]}),
        markdown(f"# Observatoire des Territoires d'industrie — {periode}\n\nIntroduction."),
        new_markdown_cell("## Cartes des territoires"),
        html("".join(accueil.carte_phase(table, p, couleurs_categories(["industriel en repli"])) for p in (1, 2))),
        new_markdown_cell("## Trouver un territoire"),
        markdown(accueil.texte_codes(table)),
        html(accueil.recherche_html(table)),
        html(accueil.tableau_html(table, observations)),
        new_markdown_cell("## Données"),
        markdown(accueil.texte_donnees(files)),
    ])


def _small_period(root: Path) -> tuple[list[Path], list[Path], Path]:
    """Executed notebooks of a small period: synthesis, a monograph, the changes page, the page
    of Occitanie, three fiches (Gard Rhodanien in both phases, Sologne Val de Cher) and the home page."""
    from analysis.publications import accueil

    notebooks = [
        _write(root / "synthese" / "synthese.ipynb", _notebook("Synthèse nationale")),
        _write(root / "monographies" / "ti-2411.ipynb", _notebook("Sologne Val de Cher")),
        _write(root / "changements" / "changements.ipynb", _notebook("Ce qui a changé")),
        _write(root / "regions" / "76.ipynb", _notebook("Occitanie : ses territoires d'industrie")),
    ]
    fiches = [
        _write(root / mois.fiche_notebook(phase, id_ti), _notebook(f"Fiche {id_ti}"))
        for phase, id_ti in ((1, "ti-7605"), (2, "ti-7607"), (2, "ti-2411"))
    ]
    table = (
        accueil.repertoire()
        .merge(pd.DataFrame({"phase": [1, 2, 2], "id_ti": ["ti-7605", "ti-7607", "ti-2411"]}))
        .assign(profil="industriel en repli", emploi_prive_tcam=1.2, part_industrie=20.5, taux_chomage=8.0, revenu_median=21000.0)
    )
    home = _write(root / "accueil" / "accueil.ipynb", _accueil_notebook(root.name, table, root / "accueil" / "donnees" / "territoires.csv"))
    return notebooks + [home], fiches, home


def test_every_link_of_a_small_site_finds_its_target(periode, monkeypatch):
    from analysis.execution import run

    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)  # the fallback
    root = mois.periode_dir(periode)
    notebooks, fiches, home = _small_period(root)
    documents, fiche_documents, accueil = run.documents(periode, notebooks, fiches)
    assert accueil == home.resolve()

    report = render.render_site(periode, documents, fiche_documents, accueil=accueil)

    site = report.site
    checked, broken = broken_links(site)
    assert broken == [] and checked > 60
    index = report.index.read_text(encoding="utf-8")
    assert index.count('<svg ') == 2 and 'href="fiches/phase1/ti-7605.html"><title>' in index
    assert 'href="donnees/territoires.csv"' in index and (site / "donnees" / "territoires.csv").is_file()
    body = index[index.index("Introduction."):]  # after the table of contents: the documents, then the home page's sections
    assert body.index("Synthèse, monographies et autres documents</h2>") < body.index("Cartes des territoires</h2>")
    assert 'href="monographies/ti-2411.html">Monographie : Sologne Val de Cher</a>' in index
    assert len(report.pdfs) == 7 and all(p.stat().st_size > 1000 for p in report.pdfs)  # every page has its PDF

    def nav(page: str) -> str:
        return re.search(r'<nav class="liens">(.*?)</nav>', (site / page).read_text(encoding="utf-8"))[1]

    gard1, gard2, sologne = (nav(f) for f in ("fiches/phase1/ti-7605.html", "fiches/phase2/ti-7607.html", "fiches/phase2/ti-2411.html"))
    assert 'href="../phase2/ti-7607.html">Même territoire en phase 2 : Gard Rhodanien – Pont du Gard (ti-7607)</a>' in gard1
    assert 'href="../phase1/ti-7605.html">Même territoire en phase 1 : Gard Rhodanien-Pont du Gard (ti-7605)</a>' in gard2
    assert 'href="../../monographies/ti-2411.html">Monographie : Sologne Val de Cher</a>' in sologne
    assert "phase 1" not in sologne  # no territory of phase 1 has its communes
    # a phase-2 fiche links to its région's page when that page is rendered (Occitanie here, not Centre-Val de Loire)
    assert 'href="../../regions/76.html">Les territoires de la région Occitanie</a>' in gard2
    assert "regions/" not in sologne and "regions/" not in gard1
    assert nav("monographies/ti-2411.html") == '<a href="../index.html">← Accueil de l’Observatoire</a> · <a href="ti-2411.pdf">Version PDF</a>'


def test_the_small_site_passes_an_axe_core_audit_at_400_px(periode, monkeypatch):
    if (why := axe_absent()) is not None:
        pytest.skip(why)
    from analysis.execution import run

    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)  # the fallback
    root = mois.periode_dir(periode)
    notebooks, fiches, _ = _small_period(root)
    documents, fiche_documents, accueil = run.documents(periode, notebooks, fiches)
    site = render.render_site(periode, documents, fiche_documents, accueil=accueil).site
    audited = ["index.html", "fiches/phase1/ti-7605.html", "fiches/phase2/ti-2411.html", "monographies/ti-2411.html",
               "synthese/synthese.html", "regions/76.html"]

    audit = {Path(page).relative_to(site).as_posix(): result for page, result in axe_audit([site / p for p in audited]).items()}

    assert sorted(audit) == sorted(audited)
    grave = {page: [v for v in r["violations"] if v["impact"] in ("serious", "critical")] for page, r in audit.items()}
    assert grave == dict.fromkeys(audited, [])
    assert {page: r["debordement"] for page, r in audit.items()} == dict.fromkeys(audited, 0)  # nothing wider than 400 px


QUARTO_ABSENT = "quarto n'est pas dans le PATH : le rendu par un vrai Quarto n'est pas testé ici (la CI n'a pas Quarto)"


@pytest.mark.skipif(shutil.which("quarto") is None, reason=QUARTO_ABSENT)
def test_a_real_quarto_renders_pages_pdfs_captions_and_links(periode):
    root = mois.periode_dir(periode)
    synthese = _write(root / "synthese" / "synthese.ipynb", _notebook("Synthèse nationale"))
    fiche = _write(root / "fiches" / "phase1" / "TI-74.ipynb", _notebook("Fiche"))
    (root / "accueil" / "donnees").mkdir(parents=True)
    (root / "accueil" / "donnees" / "territoires.csv").write_text("id_ti\nTI-74\n", encoding="utf-8")
    home = _write(root / "accueil" / "accueil.ipynb", new_notebook(cells=[
        new_markdown_cell("# Observatoire\n\nBienvenue.\n\n## Territoires"),
        new_code_cell("", outputs=[new_output("display_data", data={"text/html": '<p><a href="fiches/phase1/TI-74.html">Arve</a></p>'})]),
        new_markdown_cell("[Les données](donnees/territoires.csv)"),
    ]))

    report = render.render_site(
        periode, [pages.Document(synthese)], [pages.Document(fiche, "Vallée de l'Arve", 1, "TI-74")], accueil=home,
        renderer="quarto",
    )

    site = report.site
    assert report.renderer == "quarto" and all(p.stat().st_size > 0 for p in report.pages + report.pdfs)
    assert sorted(p.relative_to(site).as_posix() for p in report.pdfs) == ["fiches/phase1/TI-74.pdf", "synthese/synthese.pdf"]
    page = unescape((site / "synthese" / "synthese.html").read_text(encoding="utf-8")).replace("\xa0", " ")
    assert "Tableau 1: Emploi par territoire" in page and CAPTION in page.replace("’", "'")
    assert re.search(r'<td style="text-align: right;">12 345</td>', page)  # numeric columns right-aligned
    assert '<a href="synthese.pdf">Version PDF</a>' in page and "Typst" not in page
    for hidden in ("CODE-SOURCE-SECRET", "PARAM-INJECTE", "CELLULE-CACHEE", "AVERTISSEMENT"):
        assert hidden not in page
    n_pages, text = _pdf_text(site / "synthese" / "synthese.pdf")
    text = re.sub(r"\s+", " ", text)
    assert n_pages >= 1 and "Synthèse nationale" in text and "Cœur de France" in text
    assert "Tableau 1. – Emploi par territoire" in text and f"Figure 1. – {CAPTION}" in text
    assert "Table 1" not in text and "CODE-SOURCE-SECRET" not in text
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Bienvenue." in index and index.index("Bienvenue.") < index.index("synthese/synthese.pdf") < index.index("Arve</a>")
    assert (site / "donnees" / "territoires.csv").read_text(encoding="utf-8") == "id_ti\nTI-74\n"
    checked, broken = broken_links(site)  # the navigation bar's links too
    assert broken == [] and checked > 10


# --- a page that fails keeps its previous version; a full disk stops the render (code 1) -----------


def _stamped(path: Path, nb: nbformat.NotebookNode) -> Path:
    """An executed notebook as a run leaves it: with its stamp (what ``observatoire render`` publishes)."""
    _write(path, nb)
    path.with_name(path.name + ".json").write_text("{}", encoding="utf-8")
    return path


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def _fiches(root: Path) -> list[pages.Document]:
    return [
        pages.Document(_write(root / "fiches" / "phase2" / f"TI-{n}.ipynb", _notebook(f"Fiche {n}")), f"Territoire {n}", 2, f"TI-{n}")
        for n in (18, 19)
    ]


@pytest.mark.parametrize("renderer", ["pandoc+typst", "quarto"])
def test_a_damaged_notebook_keeps_its_previous_page(periode, renderer, request):
    if renderer == "quarto":
        request.getfixturevalue("fake_quarto")
    root = mois.periode_dir(periode)
    synthese, fiches = pages.Document(_write(root / "synthese" / "synthese.ipynb", _notebook("Synthèse nationale"))), _fiches(root)
    render.render_site(periode, [synthese], fiches, renderer=renderer)
    before = _files(root / "site")
    damaged = fiches[1].notebook
    damaged.write_bytes(damaged.read_bytes()[:-300])  # truncated JSON (NotJSONError)

    report = render.render_site(periode, [synthese], fiches, renderer=renderer)

    assert report.failures == {damaged: "notebook exécuté illisible (JSON tronqué ou invalide) : exécutez-le à nouveau ; "
                                        "la page précédente est conservée"}
    after = _files(root / "site")
    assert after.keys() == before.keys()
    for kept in ("fiches/phase2/TI-19.html", "fiches/phase2/TI-19.pdf"):
        assert after[kept] == before[kept]
    index = report.index.read_text(encoding="utf-8")
    if renderer == "pandoc+typst":  # the stand-in Quarto writes no real index
        assert 'href="fiches/phase2/TI-19.html"' in index and "Territoire 19" in index
    else:
        staged_index = next(request.getfixturevalue("fake_quarto").glob("html-*/index.qmd")).read_text(encoding="utf-8")
        assert "(fiches/phase2/TI-19.html)" in staged_index
    assert sorted(p.name for p in root.iterdir()) == ["fiches", "site", "synthese"]


PANDOC_BACKTRACE = ("\nHasCallStack backtrace:\n  collectBacktraces, called at libraries/ghc-internal/src/GHC/Internal/Exception.hs:92:13 "
                    "in ghc-internal:GHC.Internal.Exception\n  toExceptionWithBacktrace, called at ...")


def _stamped_period(root: Path) -> Path:
    """A month as ``observatoire render`` finds it: the synthesis and a fiche, executed; returns the fiche."""
    _stamped(root / "synthese" / "synthese.ipynb", _notebook("Synthèse nationale"))
    return _stamped(root / mois.fiche_notebook(2, "ti-2405"), _notebook("Fiche"))


@pytest.mark.parametrize("brouillon", [False, True])
@pytest.mark.parametrize("where", ["ti-2405.html", "index.html"])
def test_render_on_a_full_disk_exits_1_and_keeps_the_previous_site(periode, monkeypatch, capsys, where, brouillon):
    from analysis.cli import main

    monkeypatch.setattr(render, "available_renderer", lambda: "pandoc+typst")
    root = mois.periode_dir(periode)
    fiche = _stamped_period(root)
    args = ["render", "--periode", periode] + (["--brouillon"] if brouillon else [])
    assert main(args) == 0
    site = root / ("brouillon" if brouillon else "site")
    before = _files(site)
    _write(fiche, _notebook("Fiche révisée"))  # its page is rendered again
    real = render_fallback._pandoc_html

    def disk_full(markdown, output, **kwargs):
        if output.name.startswith(f".{where}."):  # pandoc's words when the disk is full
            raise RuntimeError(f'Pandoc died with exitcode "1" during conversion: pandoc: {output}: withFile: '
                               f"resource exhausted (No space left on device){PANDOC_BACKTRACE}")
        real(markdown, output, **kwargs)

    monkeypatch.setattr(render_fallback, "_pandoc_html", disk_full)
    capsys.readouterr()

    assert main(args) == 1

    err = capsys.readouterr().err
    assert err.startswith("erreur de rendu : rendu interrompu (plus de place sur le disque")
    assert err.endswith(") ; le site précédent est conservé\n") and err.count("\n") == 1
    assert _files(site) == before
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) == sorted(["fiches", "synthese", site.name])


def test_a_page_failing_in_the_draft_site_keeps_its_previous_version(periode, monkeypatch, capsys):
    from analysis.cli import main

    monkeypatch.setattr(render, "available_renderer", lambda: "pandoc+typst")
    root = mois.periode_dir(periode)
    fiche = _stamped_period(root)
    assert main(["render", "--periode", periode, "--brouillon"]) == 0
    before = _files(root / "brouillon")
    _write(fiche, _notebook("Fiche révisée"))
    real = render_fallback._pandoc_html

    def pandoc_fails(markdown, output, **kwargs):
        if output.name.startswith(".ti-2405.html."):
            raise RuntimeError(f'Pandoc died with exitcode "64" during conversion: Could not parse YAML metadata{PANDOC_BACKTRACE}')
        real(markdown, output, **kwargs)

    monkeypatch.setattr(render_fallback, "_pandoc_html", pandoc_fails)
    capsys.readouterr()

    assert main(["render", "--periode", periode, "--brouillon"]) == 1

    out, err = capsys.readouterr()
    assert err == (f"rendu en échec : {fiche} : pandoc a échoué (code 64) : Could not parse YAML metadata ; "
                   "la page précédente est conservée\n")
    assert _files(root / "brouillon") == before  # the draft site keeps the page as it was
    assert "Site rendu avec pandoc+typst" in out


KILLED_RENDER = """
import sys, time
from pathlib import Path
from analysis import config
from analysis.execution import render_fallback, run

config.OUTPUTS_DIR = Path(sys.argv[1])
real = render_fallback.render_notebook

def slow(notebook, html, *args, **kwargs):
    title = real(notebook, html, *args, **kwargs)
    if notebook.stem == "ti-2405":
        time.sleep(120)  # killed here, its page written in the staging site
    return title

render_fallback.render_notebook = slow
run.render_period(sys.argv[2])
"""


def test_a_render_killed_leaves_its_staging_site_to_the_next_render(periode, tmp_path, monkeypatch):
    import signal
    import subprocess
    import sys
    import time

    from analysis.cli import main

    monkeypatch.setattr(render, "available_renderer", lambda: "pandoc+typst")
    root = mois.periode_dir(periode)
    _stamped_period(root)
    script = tmp_path / "rendu_tue.py"
    script.write_text(KILLED_RENDER, encoding="utf-8")
    killed = subprocess.Popen([sys.executable, str(script), str(config.OUTPUTS_DIR), periode], env={**os.environ, "PATH": ""})
    deadline = time.monotonic() + 60
    while not list(root.glob("site-en-cours-*/fiches/phase2/ti-2405.pdf")) and time.monotonic() < deadline:
        time.sleep(0.2)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert list(root.glob("site-en-cours-*/fiches/phase2/ti-2405.pdf"))  # what the kill left

    assert main(["render", "--periode", periode]) == 0

    assert not list(root.glob("site-en-cours-*"))
    assert (root / "site" / "fiches" / "phase2" / "ti-2405.pdf").is_file()


def test_the_csv_under_a_figure_is_published_beside_its_page(periode, monkeypatch):
    """A fiche's figure shown in a run (``figures.ecrire_donnees``) links to its CSV; the fallback
    copies the CSV into the site where the link points (issue 28: data under every figure)."""
    from analysis.execution import run
    from analysis.publications import figures

    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)  # the fallback
    root = mois.periode_dir(periode)
    notebook = root / mois.fiche_notebook(2, "ti-7607")
    monkeypatch.setenv(mois.CARNET_ENV, str(notebook))
    monkeypatch.setattr(figures, "_numbers", {})
    drawn = pd.DataFrame({"siren_epci": ["200034692"], "annee": [2024], "value": [1.5], "unite": ["%"], "source": ["URSSAF"]})
    link = figures.ecrire_donnees(drawn)
    nb = _notebook("Fiche ti-7607")
    nb.cells.insert(4, new_code_cell("figures.show(fig)", outputs=[
        new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure>"}),
        new_output("display_data", data={"text/html": link, "text/plain": "<HTML>"})]))
    _write(notebook, nb)
    documents, fiches, _ = run.documents(periode, [], [notebook])

    report = render.render_site(periode, documents, fiches)

    page = report.site / mois.fiche_page(2, "ti-7607")
    assert 'href="donnees/ti-7607-figure-1.csv">Données de la figure (CSV)</a>' in page.read_text(encoding="utf-8")
    published = report.site / "fiches/phase2/donnees/ti-7607-figure-1.csv"
    assert published.read_text(encoding="utf-8") == "siren_epci,annee,value,unite,source\n200034692,2024,1.5,%,URSSAF\n"
    assert published in report.pages
    checked, broken = broken_links(report.site)
    assert broken == [] and checked >= 2
    _, text = _pdf_text(report.site / mois.pdf_page(mois.fiche_page(2, "ti-7607")))
    assert "Données de la figure" not in text  # a relative link leads nowhere from a PDF read on its own


@pytest.mark.skipif(shutil.which("quarto") is None, reason=QUARTO_ABSENT)
def test_quarto_in_several_processes_makes_the_site_of_one(periode):
    root = mois.periode_dir(periode)
    synthese = _write(root / "synthese" / "synthese.ipynb", _notebook("Synthèse nationale"))
    fiches = [pages.Document(_write(root / mois.fiche_notebook(2, f"ti-{n}"), _notebook(f"Fiche {n}")), f"Territoire {n}", 2, f"ti-{n}")
              for n in (2405, 7607)]
    sites = {}
    for jobs_n in (1, 2):
        report = render.render_site(periode, [pages.Document(synthese)], fiches, renderer="quarto", jobs_n=jobs_n)
        sites[jobs_n] = _files(report.site)
    one, two = sites[1], sites[2]
    assert sorted(one) == sorted(two)  # the same pages, PDFs and one site_libs/
    assert len([f for f in two if f.startswith("site_libs/")]) > 5
    found = [e["href"].split("#")[0] for e in json.loads(two["search.json"])]  # every page can be searched, page by page
    assert sorted(set(found)) == ["fiches/phase2/ti-2405.html", "fiches/phase2/ti-7607.html", "index.html", "synthese/synthese.html"]
    assert found == sorted(found)
    assert b"quarto-listing" not in two["index.html"] and b"Redirect to" not in two["index.html"]  # the index, not a redirection
    # byte for byte, the search index too; Quarto's PDFs hold the time they were made and an id: their text
    assert {f for f in one if not f.endswith(".pdf") and one[f] != two[f]} == set()
    pdfs = [f for f in one if f.endswith(".pdf")]
    assert len(pdfs) == 3 and [_pdf_text(report.site / f) for f in pdfs] == [_pdf_text(io.BytesIO(one[f])) for f in pdfs]


def test_a_figure_alt_text_reaches_quarto_as_its_fig_alt_option(tmp_path):
    """Quarto writes an image's alt only from the cell's ``fig-alt`` option, not from the output's metadata."""
    from analysis.execution import render_quarto
    from analysis.publications.figures import ALT_METADATA

    figure = new_code_cell('#| label: fig-emploi\n#| fig-cap: "Emploi"\nshow(fig)')
    png = io.BytesIO()
    plt.figure(figsize=(1, 1)).savefig(png, format="png")
    plt.close("all")
    figure.outputs = [new_output("display_data", data={"image/png": base64.b64encode(png.getvalue()).decode()},
                                 metadata={ALT_METADATA: "Territoire : de 100 en 2014 à « 117 » en 2024"})]
    path = tmp_path / "fiche.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("# Fiche"), figure, new_code_cell("x = 1")]), path)
    staged = render_quarto._quarto_notebook(path, "Fiche")
    sources = [c.source for c in staged.cells if c.cell_type == "code"]
    assert sources[0].startswith('#| fig-alt: "Territoire : de 100 en 2014 à « 117 » en 2024"\n#| label: fig-emploi')
    assert sources[1] == "x = 1"


def test_the_link_to_a_figure_data_leaves_the_figure_cell_on_the_quarto_path(tmp_path):
    """Left in the figure's cell, the link's HTML output is a second output that Quarto lays out
    as an empty subfigure « (b) » under the figure, whose caption becomes « (a) … »."""
    from analysis.execution import render_quarto
    from analysis.publications.figures import CLASSE_LIEN_DONNEES

    link = f'<p class="{CLASSE_LIEN_DONNEES}"><a href="ti-0101_donnees/figure-1.csv">Données de la figure (CSV)</a></p>'
    figure = new_code_cell('#| label: fig-emploi\n#| fig-cap: "Emploi"\nshow(fig)')
    png = io.BytesIO()
    plt.figure(figsize=(1, 1)).savefig(png, format="png")
    plt.close("all")
    figure.outputs = [new_output("display_data", data={"image/png": base64.b64encode(png.getvalue()).decode(), "text/plain": "<Figure>"}),
                      new_output("display_data", data={"text/html": link, "text/plain": "<HTML>"})]
    path = tmp_path / "fiche.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("# Fiche"), figure, new_markdown_cell("Suite")]), path)
    cells = render_quarto._quarto_notebook(path, "Fiche").cells
    at = next(i for i, c in enumerate(cells) if c.cell_type == "code")
    assert [list(o.data) for o in cells[at].outputs] == [["image/png", "text/plain"]]  # the figure alone
    assert cells[at + 1].cell_type == "raw" and cells[at + 1].source == link
    assert cells[at + 1].metadata["raw_mimetype"] == "text/html"  # the HTML page only: the PDFs leave the link out
    assert cells[at + 2].source == "Suite"


def test_quarto_projects_get_even_shares_of_the_pages():
    """The heaviest pages (the methods, the synthesis, the monographs) no longer fall on the same
    project by the order of the list: each goes to the lightest project so far."""
    from analysis.execution.render_quarto import share_out

    weights = [337_000, 160_000, 120_000, 110_000, 105_000, 100_000] + [60_000] * 20
    projects = share_out(weights, 2)
    loads = [sum(w for w, k in zip(weights, projects) if k == p) for p in (0, 1)]
    assert sum(loads) == sum(weights) and abs(loads[0] - loads[1]) <= 60_000
    round_robin = [sum(weights[i] for i in range(len(weights)) if i % 2 == p) for p in (0, 1)]
    assert abs(round_robin[0] - round_robin[1]) > 150_000  # the order of the list alone
    assert share_out([5], 3) == [0]


def test_the_examples_of_the_renderers_and_figures_hold():
    import doctest

    from analysis.execution import render_quarto
    from analysis.publications import figures

    for module in (render_quarto, figures):
        assert doctest.testmod(module).failed == 0
