"""The benchmark's floor stays the fiche's floor (the benchmarks themselves are not run here)."""

from __future__ import annotations

import importlib.util
import sys

from analysis import config


def test_floor_notebook_imports_exactly_what_the_fiche_imports() -> None:
    spec = importlib.util.spec_from_file_location("benchmarks_run", config.ROOT / "benchmarks" / "run.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # its dataclasses look their module up
    spec.loader.exec_module(bench)
    fiche = bench.template_imports(bench.FICHE_TEMPLATE)
    assert "from analysis.publications import cartes, fiche, fiche_secteurs, figures, methodes" in fiche
    assert sorted(bench.template_imports(bench.FLOOR_TEMPLATE)) == sorted(fiche)
