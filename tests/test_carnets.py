"""Thin templates: a notebook calls analyses (tables) and publications (prose, figures), it
does not compute; every template stays under a fixed number of code lines, and the month of
each comes from papermill (or the latest month run), never from the template itself."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from analysis import config

TEMPLATES = sorted([*config.NOTEBOOKS_DIR.glob("*.ipynb"), *config.MONOGRAPHIES_DIR.glob("*.ipynb")])
MAX_CODE_LINES = 80


def code_lines(template: Path) -> int:
    """Non-empty lines of the code cells that are not comments (Quarto's ``#|`` options included)."""
    nb = nbformat.read(template, as_version=4)
    return sum(
        1
        for cell in nb.cells if cell.cell_type == "code"
        for line in cell.source.splitlines() if line.strip() and not line.strip().startswith("#")
    )


def test_code_lines_are_counted_without_comments_and_blank_lines(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("#| label: fig-x\n# a comment\n\nx = 1\n  y = 2  # trailing\n"),
        nbformat.v4.new_markdown_cell("a\nb\nc"),
        nbformat.v4.new_code_cell("print(x)"),
    ])
    nbformat.write(nb, tmp_path / "t.ipynb")
    assert code_lines(tmp_path / "t.ipynb") == 3


def test_every_template_is_found() -> None:
    assert {t.name for t in TEMPLATES} >= {"accueil.ipynb", "changements.ipynb", "fiche_territoire.ipynb", "methodes.ipynb",
                                           "region.ipynb", "synthese.ipynb", "monographie.ipynb"}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.name)
def test_no_template_has_more_than_80_code_lines(template: Path) -> None:
    assert code_lines(template) <= MAX_CODE_LINES


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.name)
def test_the_month_is_never_written_in_a_template(template: Path) -> None:
    nb = nbformat.read(template, as_version=4)
    parameters = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert "periode = None" in parameters.source.splitlines()


# --- The fiche and the monograph share their common sections ------------------------------------

# section -> the call of ``publications.sections_territoire`` both templates make (the title too:
# the fiche calls ``commun.titre``, the monograph's ``monographie_sections.titre`` adds the links
# to the other phase after it)
SECTIONS_COMMUNES = {
    "décomposition structurelle-résiduelle": "commun.shift_share(",
    "structure de l'emploi (fig-structure)": "commun.figure_structure(",
    "carte du territoire": "commun.figure_carte(",
    "emploi industriel (URSSAF commune × APE)": "commun.industrie_ape(",
    "forces et faiblesses": "commun.forces_faiblesses(",
}
# what each of them used to call itself, and drifted on (fig-structure guarded in one only,
# ``source_emploi`` passed in one only, the map's inset and source written twice)
COPIES = ("positions.structure_sectorielle(", "fiche.texte_shift_share(", "cartes.carte_territoire(carte.zones, contour=carte.contour, points",
          "fiche_secteurs.texte_industrie(", "fiche.texte_forces_faiblesses(", "fiche.texte_intro(", "industrie.sections_industrie(")


def _code(template: Path) -> str:
    return "\n".join(c.source for c in nbformat.read(template, as_version=4).cells if c.cell_type == "code")


@pytest.mark.parametrize("template", [config.NOTEBOOKS_DIR / "fiche_territoire.ipynb", config.MONOGRAPHIES_DIR / "monographie.ipynb"],
                         ids=lambda t: t.name)
def test_the_fiche_and_the_monograph_share_their_common_sections(template: Path) -> None:
    code = _code(template)
    assert [s for s, call in SECTIONS_COMMUNES.items() if call not in code] == []
    assert [c for c in COPIES if c in code] == []


def test_no_template_imports_more_than_the_analyses_and_publications_it_needs() -> None:
    """The monograph imported from all five layers; a template now reads its tables from the
    analyses and writes through the publications (the month's first cell aside)."""
    code = _code(config.MONOGRAPHIES_DIR / "monographie.ipynb")
    assert "analysis.indicateurs" not in code and "analysis.donnees.loaders" not in code and "emploi_publie = fin" not in code


# --- What a cell shows ---------------------------------------------------------------------------

def test_afficher_shows_text_tables_and_figures_and_skips_what_the_month_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib.pyplot as plt
    import pandas as pd
    from IPython.display import Markdown

    from analysis.publications import figures

    shown: list = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **_: shown.append(obj))
    fig = figures.avec_donnees(plt.figure(), pd.DataFrame({"a": [1]}), "emplois", "URSSAF")
    figures.afficher(["Texte.", pd.DataFrame({"a": [1]}), None, fig])
    figures.afficher(None)
    figures.afficher("Seul.")
    assert [type(o).__name__ for o in shown] == ["Markdown", "Styler", "dict", "Markdown"]  # a figure as its PNG (figures.png)
    assert shown[2]["text/plain"].startswith("<Figure") and shown[2]["image/png"]
    assert isinstance(shown[0], Markdown) and shown[0].data == "Texte." and shown[-1].data == "Seul."
    assert "a" in shown[1].to_html() and "<th class=\"blank" not in shown[1].to_html()  # the index is hidden
    assert not plt.fignum_exists(fig.number)  # shown, then closed
    with pytest.raises(figures.FigureSansDonnees):  # a figure without the data it draws is never shown
        figures.afficher(plt.figure())
    assert len(shown) == 4
