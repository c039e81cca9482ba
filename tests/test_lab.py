"""Templates opened as they are (JupyterLab, or papermill without parameters) on a clean clone.

Each template is executed through the registered ``observatoire-ti`` kernel, with no parameter
and an empty ``outputs/``: its first cell (``tableaux.prepare``) resolves the period to the current
month and builds the month's provenance and indicator tables, holding the month's lock.

The fiche and the changes page are executed whole (about 10 s each on top of the tables).
The synthesis (~50 s) and the monographs (~35 s: the typology and the difference-in-
differences of a month whose tables are new) are executed up to that first cell only: the
rest of them is what ``make run`` executes and tests/test_synthese.py checks.
"""

from __future__ import annotations

import itertools

import json
import os
from pathlib import Path

import nbformat
import papermill
import pytest

from analysis import config, mois
from analysis.analyses import tableaux
from analysis.execution.run import CHANGEMENTS_TEMPLATE, FICHE_TEMPLATE, MONOGRAPHIE_TEMPLATE, SYNTHESE_TEMPLATE

CURRENT = mois.default_periode()


@pytest.fixture
def clean_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "outputs"
    monkeypatch.setattr(config, "OUTPUTS_DIR", folder)
    monkeypatch.setenv("OBSERVATOIRE_OUTPUTS", str(folder))  # the kernel inherits it
    monkeypatch.delenv("MPLBACKEND", raising=False)  # Agg in the kernel would drop the inline figures
    return folder


def _execute(template: Path, tmp_path: Path, first_cells_only: bool = False) -> nbformat.NotebookNode:
    """papermill with no parameters, through the registered kernel, in an empty folder."""
    source = template
    if first_cells_only:  # the parameters cell and the cell that prepares the month
        nb = nbformat.read(template, as_version=4)
        start = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
        nb.cells = nb.cells[: start + 2]
        assert "prepare(periode" in nb.cells[-1].source
        source = tmp_path / f"debut_{template.name}"
        nbformat.write(nb, source)
    work = tmp_path / "lab"
    work.mkdir(exist_ok=True)
    output = work / template.name
    papermill.execute_notebook(str(source), str(output), kernel_name=config.KERNEL_NAME, cwd=str(work), progress_bar=False)
    return nbformat.read(output, as_version=4)


def _markdown(nb: nbformat.NotebookNode) -> str:
    outputs = (o for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    return "\n".join("".join(o["data"]["text/markdown"]) for o in outputs if "text/markdown" in o.get("data", {}))


def test_the_default_period_is_the_latest_month_run_else_the_current_month(clean_outputs: Path) -> None:
    assert tableaux.latest_periode() == CURRENT  # nothing run yet
    assert tableaux.missing_inputs(CURRENT, (2,))  # provenance and tables absent


def test_the_fiche_runs_as_it_is_from_a_clean_clone(clean_outputs: Path, tmp_path: Path) -> None:
    nb = _execute(FICHE_TEMPLATE, tmp_path)
    text = _markdown(nb)
    assert text.startswith("# Grand Est Touraine")  # the template's default territory, ti-2405
    block = text.split("## Provenance")[1]
    assert f"Période **{CURRENT}** :" in block  # the provenance block of the month it built
    # it lists what the fiche read, not every file the first cell checked while building
    assert "france-relance/" not in block and "cog-2023/communes" in block
    assert tableaux.missing_inputs(CURRENT) == []  # both phases, so that every template finds them
    assert tableaux.latest_periode() == CURRENT
    assert json.loads((clean_outputs / CURRENT / "provenance.json").read_text(encoding="utf-8"))["periode"] == CURRENT
    assert not (clean_outputs / CURRENT / "fiches").exists()  # a notebook opened in Lab publishes nothing


def test_the_changes_page_runs_as_it_is_from_a_clean_clone(clean_outputs: Path, tmp_path: Path) -> None:
    from analysis import mois
    from analysis.donnees import sources
    from analysis.texte import observation_fr

    text = _markdown(_execute(CHANGEMENTS_TEMPLATE, tmp_path))
    # never empty on a new machine: the previous month is computed as of that month
    previous = mois.decaler(CURRENT, -1)
    assert f"# Ce qui a changé entre {observation_fr(previous)} et {observation_fr(CURRENT)}" in text
    # the page opens with the age of each periodic source, then the facts of the month
    lines = text.split("**Âge des données utilisées**, source par source :\n\n")[1].splitlines()
    n = len(sources.series())
    assert all(line.startswith("- **") and " : " in line for line in lines[:n])  # one line per source
    faits = list(itertools.takewhile(lambda line: line.startswith("- **"), lines[n:]))  # the facts of the month
    assert 4 <= len(faits) <= 5 and "source" in faits[0]
    assert sorted(p.name for p in clean_outputs.iterdir()) == [CURRENT]  # nothing written into another month


@pytest.mark.parametrize("template, phases", [(SYNTHESE_TEMPLATE, (1, 2)), (MONOGRAPHIE_TEMPLATE, (2,))])
def test_the_first_cell_of_the_long_documents_builds_their_tables(
    clean_outputs: Path, tmp_path: Path, template: Path, phases: tuple[int, ...]
) -> None:
    nb = _execute(template, tmp_path, first_cells_only=True)
    assert tableaux.missing_inputs(CURRENT, phases) == []
    assert not any(o.get("output_type") == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_a_month_being_run_is_not_prepared_behind_the_run(clean_outputs: Path) -> None:
    import fcntl

    from analysis.verrou import RunInProgressError

    folder = clean_outputs / "2024-07"
    folder.mkdir(parents=True)
    with open(folder / ".run.lock", "w", encoding="utf-8") as held:
        held.write("pid 4242, run, lancé le 26/11/2026 à 09:00:00")
        held.flush()
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(RunInProgressError, match="pid 4242, run"):
            tableaux.prepare("2024-07", phases=(2,))
    assert sorted(os.listdir(folder)) == [".run.lock"]


def test_the_templates_print_no_tqdm_warning_in_a_kernel(tmp_path: Path) -> None:
    """A template opened in JupyterLab on a month never run downloads what is missing: pooch,
    imported then, imports tqdm.auto, which warned that ipywidgets is missing."""
    template = nbformat.read(FICHE_TEMPLATE, as_version=4)
    first = next(c.source.splitlines()[0] for c in template.cells if "prepare(periode" in c.source)
    assert first == "from analysis.analyses.tableaux import prepare"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(first), nbformat.v4.new_code_cell("import pooch")])
    nbformat.write(nb, tmp_path / "debut.ipynb")
    papermill.execute_notebook(str(tmp_path / "debut.ipynb"), str(tmp_path / "fait.ipynb"), kernel_name=config.KERNEL_NAME,
                               cwd=str(tmp_path), progress_bar=False)
    done = nbformat.read(tmp_path / "fait.ipynb", as_version=4)
    printed = [o.get("text", "") for c in done.cells for o in c.outputs]
    assert printed == []
