"""The pip requirements (pyproject.toml) and environment.yml name the same packages."""

from __future__ import annotations

import re
import tomllib

from analysis.config import ROOT

CONDA_ONLY = {"python", "pip", "quarto"}


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower()


def test_environment_yml_and_pyproject_list_the_same_packages() -> None:
    pip = {_name(d) for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    text = (ROOT / "environment.yml").read_text()
    listed = text.split("dependencies:", 1)[1]
    items = [line.strip()[2:] for line in listed.splitlines() if line.strip().startswith("- ")]
    conda = {_name(item) for item in items if not item.endswith(":")}
    assert "quarto" in conda
    assert conda - CONDA_ONLY == pip
