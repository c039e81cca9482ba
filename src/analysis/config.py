"""Paths and defaults, from one place."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

ROOT = Path(os.environ.get("OBSERVATOIRE_ROOT", Path(__file__).resolve().parents[2]))
DATA_DIR = ROOT / "data"
SOURCES_FILE = DATA_DIR / "sources.toml"
INDICATEURS_FILE = DATA_DIR / "indicateurs.toml"
NOTEBOOKS_DIR = ROOT / "notebooks"
MONOGRAPHIES_DIR = ROOT / "monographies"
OUTPUTS_DIR = Path(os.environ.get("OBSERVATOIRE_OUTPUTS", ROOT / "outputs"))

MIRROR_ENV = "OBSERVATOIRE_MIRROR"
CACHE_ENV = "OBSERVATOIRE_CACHE"
KERNEL_NAME = "observatoire-ti"

PHASES = (1, 2)
DEFAULT_COG_YEAR = 2023  # the COG vintage of the referential unless a call names another
DEFAULT_COG = {1: DEFAULT_COG_YEAR, 2: DEFAULT_COG_YEAR}
COG_YEARS = (2019, 2023, 2025)
POPULATION_VINTAGE = {2019: 2016, 2023: 2020, 2025: 2023}  # municipal population year of each COG file
PHASE_START = {1: 2019, 2: 2023}

_PERIODE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def cache_dir() -> Path:
    """Where obtained raw files are kept (git-ignored)."""
    return Path(os.environ.get(CACHE_ENV, DATA_DIR / "raw"))


def default_periode(today: dt.date | None = None) -> str:
    """The current month, as YYYY-MM."""
    today = today or dt.date.today()
    return f"{today.year:04d}-{today.month:02d}"


def check_periode(periode: str) -> str:
    """Validate a YYYY-MM period string and return it; the French message says what is allowed."""
    if not _PERIODE.match(periode):
        raise ValueError(
            f"période invalide {periode!r} : attendu AAAA-MM, une année sur quatre chiffres et un mois "
            "de 01 à 12, par exemple 2025-06"
        )
    return periode


def periode_dir(periode: str) -> Path:
    """Root of one period's outputs."""
    return OUTPUTS_DIR / check_periode(periode)


def fiche_notebook(phase: int, id_ti: str) -> str:
    """Where a fiche's executed notebook goes, relative to the period's outputs; its page in
    the site has the same path with ``.html`` (the site mirrors the notebooks' layout)."""
    return f"fiches/phase{phase}/{id_ti}.ipynb"


def fiche_page(phase: int, id_ti: str) -> str:
    """A fiche's page, relative to the site root."""
    return fiche_notebook(phase, id_ti).removesuffix(".ipynb") + ".html"
