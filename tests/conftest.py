"""Test set-up: data come from the local mirror (../shared/data) through the declared sources."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("OBSERVATOIRE_MIRROR", str((ROOT / ".." / "shared" / "data").resolve()))
# The tests read the pinned snapshots only, whatever living copies the cache holds (the tests
# of living copies turn this off for themselves).
os.environ["OBSERVATOIRE_SOURCES"] = "epinglees"


@pytest.fixture(scope="session")
def mirror() -> Path:
    path = Path(os.environ["OBSERVATOIRE_MIRROR"])
    assert (path / "MANIFEST.csv").exists(), f"data mirror not found at {path}"
    return path


@pytest.fixture
def outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty outputs folder for the test, also exported to the papermill kernels (modules
    that need the real tables of a period define their own)."""
    from analysis import config

    folder = tmp_path / "outputs"
    monkeypatch.setattr(config, "OUTPUTS_DIR", folder)
    monkeypatch.setenv("OBSERVATOIRE_OUTPUTS", str(folder))  # the kernels inherit it
    return folder


@pytest.fixture
def notebook_disk_full(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """``notebook_disk_full(limit)``: from then on papermill writes notebooks as on a disk that
    fills up: past ``limit`` characters the write stops with ENOSPC, leaving what was written
    (the pool workers, forked, inherit it; ``monkeypatch.undo()`` gives the space back)."""
    import papermill.iorw

    def fill(limit: int) -> None:
        def write(self, buf: str, path: str) -> None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(buf[:limit])
                if len(buf) > limit:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(papermill.iorw.LocalHandler, "write", write)

    return fill


PERIODE_TESTS = "2026-11"  # the period whose real indicator tables several test modules compute


@pytest.fixture(scope="session")
def indicateurs_periode():
    """The indicator tables of both phases for ``PERIODE_TESTS``, computed once per session from the real files."""
    from analysis.indicateurs.build import build_indicators

    return {phase: build_indicators(phase, PERIODE_TESTS) for phase in (1, 2)}


@pytest.fixture
def aujourdhui(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.date], None]:
    """Freeze ``datetime.date.today()`` at a given day: the as-of date of the current month, and
    what a source's calendar says it has published, depend on it."""

    def freeze(day: dt.date) -> None:
        frozen = type("Jour", (dt.date,), {"today": classmethod(lambda cls: cls(day.year, day.month, day.day))})
        monkeypatch.setattr(dt, "date", frozen)

    return freeze


@contextlib.contextmanager
def outputs_folder(folder: Path) -> Iterator[Path]:
    """Outputs under ``folder`` for a module-scoped fixture (``monkeypatch`` is function-scoped):
    ``config.OUTPUTS_DIR`` and ``OBSERVATOIRE_OUTPUTS``, which a notebook's kernel inherits, put
    back as they were afterwards."""
    from analysis import config

    saved_dir, saved_env = config.OUTPUTS_DIR, os.environ.get(config.OUTPUTS_ENV)
    config.OUTPUTS_DIR = folder
    os.environ[config.OUTPUTS_ENV] = str(folder)
    try:
        yield folder
    finally:
        config.OUTPUTS_DIR = saved_dir
        if saved_env is None:
            os.environ.pop(config.OUTPUTS_ENV, None)
        else:
            os.environ[config.OUTPUTS_ENV] = saved_env


AXE_SCRIPT = Path(__file__).with_name("outils") / "axe_audit.js"
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


def axe_absent() -> str | None:
    """Why the axe-core audit cannot run here, else None (node finds its modules by NODE_PATH)."""
    if CHROMIUM is None or shutil.which("node") is None:
        return "Chromium ou node absent : l'audit d'accessibilité axe-core n'est pas fait (apt-get install chromium nodejs)"
    found = subprocess.run(["node", "-e", "require.resolve('axe-core'); require.resolve('puppeteer-core')"],
                           capture_output=True, check=False)
    if found.returncode:
        return ("modules axe-core et puppeteer-core introuvables : l'audit d'accessibilité n'est pas fait "
                "(npm install axe-core puppeteer-core, puis NODE_PATH=<dossier>/node_modules)")
    return None


def axe_audit(pages: list[Path], width: int = 400) -> dict[str, dict]:
    """``outils/axe_audit.js`` over ``pages`` in headless Chromium at ``width`` px: per page (its
    path as given), its violations and how many pixels it overflows the width."""
    out = subprocess.run(["node", str(AXE_SCRIPT), CHROMIUM, str(width), *(str(p) for p in pages)],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    return json.loads(out)
