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
