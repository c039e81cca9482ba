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


LOCK = ROOT / "requirements.lock"


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _lock_entries() -> dict[str, tuple[str, str]]:
    """Each pinned package of the lock: normalised name -> (version, its entry's text)."""
    entries = re.split(r"\n(?=[a-z0-9])", LOCK.read_text())
    out = {}
    for entry in entries:
        pin = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", entry)
        if pin:
            out[_normalize(pin.group(1))] = (pin.group(2), entry)
    return out


def test_the_lock_pins_exactly_the_dependencies_of_pyproject_with_hashes() -> None:
    declared = {_normalize(_name(d)) for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    entries = _lock_entries()
    direct = {name for name, (_, text) in entries.items() if "observatoire-ti (pyproject.toml)" in text}
    assert direct == declared, f"pyproject.toml et requirements.lock diffèrent ({sorted(direct ^ declared)}) : lancez « make lock »"
    assert all("--hash=sha256:" in text for _, text in entries.values())
    assert "--find-links" not in LOCK.read_text() and "--extra-index-url" not in LOCK.read_text()  # nothing of this machine


def test_environment_yml_pins_the_locked_versions() -> None:
    locked = {name: version for name, (version, _) in _lock_entries().items()}
    text = (ROOT / "environment.yml").read_text().split("dependencies:", 1)[1]
    items = [line.strip()[2:] for line in text.splitlines() if line.strip().startswith("- ") and not line.strip().endswith(":")]
    pins = {_normalize(_name(item)): item.split("==", 1)[1] if "==" in item else None for item in items}
    assert {name: pins[name] for name in pins.keys() - CONDA_ONLY} == {name: locked[name] for name in pins.keys() - CONDA_ONLY}


def test_make_installs_the_venv_from_the_lock() -> None:
    """`make run` / `make test` (and CI, which calls `make test`) install the locked versions
    with their hashes, then the project without resolving anything else."""
    makefile = (ROOT / "Makefile").read_text()
    rule = makefile.split("$(STAMP): ", 1)[1].split("\n\n", 1)[0]
    assert rule.startswith("$(LOCK)") and "LOCK   := requirements.lock" in makefile
    assert "pip install --quiet --require-hashes -r $(LOCK)" in rule
    assert "pip install --quiet --no-deps --no-build-isolation -e ." in rule  # with the locked build backend
    assert "pip-compile --quiet --generate-hashes" in makefile.split("\nlock:", 1)[1]
    assert "--all-build-deps" in makefile.split("\nlock:", 1)[1]


def test_the_lock_holds_the_build_backend() -> None:
    """The build backend of pyproject.toml is locked with its hashes: the project installs, and
    a wheel builds (tests/test_paquet.py), without downloading it."""
    backend = [_normalize(_name(r)) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]]
    entries = _lock_entries()
    assert backend == ["setuptools"] and "pyproject.toml::build-system.requires" in entries["setuptools"][1]
