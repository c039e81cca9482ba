"""The benchmark's floor stays the fiche's floor (the benchmarks themselves are not run here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest

from analysis import config
from analysis.execution import pipeline


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("benchmarks_run", config.ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_floor_notebook_imports_exactly_what_the_fiche_imports(bench) -> None:
    fiche = bench.template_imports(bench.FICHE_TEMPLATE)
    assert "from analysis.publications import cartes, fiche, fiche_secteurs, figures, methodes" in fiche
    assert sorted(bench.template_imports(bench.FLOOR_TEMPLATE)) == sorted(fiche)


def _executed(path: Path, cells: list[tuple[str, float | None]], cpu: float | None = None) -> str:
    nb = nbformat.v4.new_notebook()
    if cpu is not None:
        nb.metadata[pipeline.METADATA_KEY] = {pipeline.KERNEL_CPU_KEY: cpu}
    for source, duration in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["papermill"] = {"duration": duration}
        nb.cells.append(cell)
    nb.cells.append(nbformat.v4.new_markdown_cell("texte"))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return str(path)


def test_kernel_time_of_a_fiche_is_the_sum_of_its_cell_durations_imports_told_apart(bench, tmp_path: Path) -> None:
    fiches = tmp_path / "2026-12" / "fiches" / "phase2"
    jobs = [
        {"status": "executed", "output": _executed(fiches / "ti-1.ipynb", [("%matplotlib inline\nimport pandas as pd", 1.0),
                                                                            ("x = 1", 0.5), ("print(x)", None)], cpu=1.1)},
        {"status": "executed", "output": _executed(fiches / "ti-2.ipynb", [("from analysis import mois", 0.8), ("y = 2", 2.2)],
                                                   cpu=2.5)},
        {"status": "executed", "output": _executed(fiches / "ti-3.ipynb", [("import os", 1.2), ("z = 3", 0.9)], cpu=1.3)},
        {"status": "up-to-date", "output": _executed(fiches / "ti-4.ipynb", [("w = 4", 50.0)], cpu=40.0)},
        {"status": "executed", "output": _executed(tmp_path / "2026-12" / "synthese.ipynb", [("s = 0", 90.0)], cpu=80.0)},
    ]
    times = bench.kernel_times({"jobs": jobs})
    assert (times.n, times.median, times.median_without_imports, times.median_cpu) == (3, 2.1, 0.9, 1.3)
    assert times.decile9 == pytest.approx(2.82)
    assert bench.kernel_times({"jobs": jobs[3:]}) is None
    before = {"status": "executed", "output": _executed(fiches / "ti-5.ipynb", [("v = 5", 1.0)])}  # no processor time recorded
    assert bench.kernel_times({"jobs": [before]}).median_cpu is None


def test_every_step_but_render_quarto_runs_without_quarto_on_path(bench, tmp_path: Path, monkeypatch) -> None:
    with_quarto = tmp_path / "quarto-bin"
    with_quarto.mkdir()
    (with_quarto / "quarto").write_text("#!/bin/sh\n")
    monkeypatch.setenv("PATH", f"{with_quarto}:/usr/bin:/bin")
    assert bench.path_without_quarto() == "/usr/bin:/bin"
