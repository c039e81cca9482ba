"""Paths and defaults, from one place."""

from __future__ import annotations

import os
from pathlib import Path

ROOT_ENV = "OBSERVATOIRE_ROOT"
OUTPUTS_ENV = "OBSERVATOIRE_OUTPUTS"
MIRROR_ENV = "OBSERVATOIRE_MIRROR"
CACHE_ENV = "OBSERVATOIRE_CACHE"

ROOT = Path(os.environ.get(ROOT_ENV, Path(__file__).resolve().parents[2]))
DATA_DIR = ROOT / "data"
SOURCES_FILE = DATA_DIR / "sources.toml"
INDICATEURS_FILE = DATA_DIR / "indicateurs.toml"
NOTEBOOKS_DIR = ROOT / "notebooks"
MONOGRAPHIES_DIR = ROOT / "monographies"
OUTPUTS_DIR = Path(os.environ.get(OUTPUTS_ENV, ROOT / "outputs"))

KERNEL_NAME = "observatoire-ti"

PHASES = (1, 2)
LAMBERT93 = 2154  # EPSG code of Lambert-93, the projection of metropolitan France's maps and areas
DEFAULT_COG_YEAR = 2023  # the COG vintage of the referential unless a call names another
DEFAULT_COG = {1: DEFAULT_COG_YEAR, 2: DEFAULT_COG_YEAR}
COG_YEARS = (2019, 2023, 2025)
POPULATION_VINTAGE = {2019: 2016, 2023: 2020, 2025: 2023}  # municipal population year of each COG file
PHASE_START = {1: 2019, 2: 2023}
REGION_PHASE = 2  # the régions' pages show the territories of the current phase


def absolute_folders() -> None:
    """Make the folder variables (``OBSERVATOIRE_OUTPUTS``, ``_CACHE``, ``_MIRROR``, ``_ROOT``)
    absolute paths, once, at the start of a command (``cli.main``), and ``OUTPUTS_DIR`` with
    them. The notebooks run with their own folder as working directory and inherit these
    variables: a relative ``OBSERVATOIRE_OUTPUTS=sorties`` would name another folder in each."""
    global OUTPUTS_DIR
    for name in (OUTPUTS_ENV, CACHE_ENV, MIRROR_ENV, ROOT_ENV):
        if os.environ.get(name):
            os.environ[name] = str(Path(os.environ[name]).absolute())
    OUTPUTS_DIR = OUTPUTS_DIR.absolute()


def cache_dir() -> Path:
    """Where obtained raw files are kept (git-ignored)."""
    return Path(os.environ.get(CACHE_ENV, DATA_DIR / "raw"))


def identifiant(id_ti: str, phase: int) -> str:
    """A territory's code as a reader should copy it: the ``ti-`` codes are given per phase
    (``ti-2405`` names two different territories), so the phase goes with it."""
    return f"{id_ti} (phase {phase})"
