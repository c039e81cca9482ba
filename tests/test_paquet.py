"""The package as others install it: a wheel built from the repository, without network, ships
every file the code reads from the package directory (the renderers' templates); the comments
of ``_quarto.yml`` name files that exist."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from analysis.execution.pages import TEMPLATES

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "analysis"


def _missing(requirement: str) -> bool:
    req = Requirement(requirement)
    try:
        return version(req.name) not in req.specifier
    except PackageNotFoundError:
        return True


def _data_files() -> set[str]:
    """The files of the package that are not Python sources, as paths inside a wheel."""
    return {
        p.relative_to(PACKAGE.parent).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    }


def test_a_wheel_built_offline_ships_the_templates(tmp_path: Path) -> None:
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]
    if missing := [r for r in requires if _missing(r)]:
        pytest.skip(f"moteur de construction absent de l'environnement : {', '.join(missing)} (build-system.requires de "
                    "pyproject.toml) ; `make env` l'installe depuis requirements.lock")
    # built from a copy: a build writes build/ and *.egg-info beside the sources
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "--no-index", "--quiet",
         "--wheel-dir", str(tmp_path / "dist")],
        check=True, timeout=120, capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("observatoire_ti-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {f"analysis/execution/templates/{p.name}" for p in TEMPLATES.iterdir()}
    assert templates == {f"analysis/execution/templates/{n}" for n in (
        "composants.css", "html_tables.lua", "notebook.md.j2", "quarto_pdf.yml", "report.css", "report.typ")}
    assert sorted(_data_files() - names) == []  # every file the code may read from the package
    assert {"analysis/cli.py", "analysis/execution/render_quarto.py"} <= names


def test_the_comments_of_quarto_yml_name_files_that_exist() -> None:
    header = "".join(line for line in (ROOT / "_quarto.yml").read_text(encoding="utf-8").splitlines(keepends=True)
                     if line.startswith("#"))
    paths = [p.rstrip(".,") for p in re.findall(r"(?:src|templates)/[\w./<>-]*[\w/]", header)]
    resolved = {p: ROOT / p if p.startswith("src/") else TEMPLATES.parent / p for p in paths}
    assert sorted(p for p, path in resolved.items() if not path.exists()) == []
    assert "src/analysis/execution/render_quarto.py" in paths and "templates/quarto_pdf.yml" in paths
    for name in re.findall(r"\b[\w]+\.(?:lua|css)\b", header):  # the files copied beside it
        assert (TEMPLATES / name).exists(), name
