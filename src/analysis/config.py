"""Paths and defaults, from one place."""

from __future__ import annotations

import datetime as dt
import os
import re
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
DEFAULT_COG_YEAR = 2023  # the COG vintage of the referential unless a call names another
DEFAULT_COG = {1: DEFAULT_COG_YEAR, 2: DEFAULT_COG_YEAR}
COG_YEARS = (2019, 2023, 2025)
POPULATION_VINTAGE = {2019: 2016, 2023: 2020, 2025: 2023}  # municipal population year of each COG file
PHASE_START = {1: 2019, 2: 2023}
METHODES_PAGE = "methodes/methodes.html"  # the methods page in the site, from its root
REGION_PHASE = 2  # the régions' pages show the territories of the current phase

_PERIODE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
FIRST_PERIODE = "2019-01"  # the programme's first month: nothing is published for an earlier one


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


def default_periode(today: dt.date | None = None) -> str:
    """The current month, as YYYY-MM."""
    today = today or dt.date.today()
    return f"{today.year:04d}-{today.month:02d}"


class PeriodeError(ValueError):
    """A period that is malformed or outside the months the observatory covers."""


def check_periode(periode: str, today: dt.date | None = None) -> str:
    """Validate a YYYY-MM period from the programme's first month (``FIRST_PERIODE``) to the
    current month and return it; the French message says what is allowed."""
    if not _PERIODE.match(periode):
        raise PeriodeError(
            f"période invalide {periode!r} : attendu AAAA-MM, une année sur quatre chiffres et un mois "
            "de 01 à 12, par exemple 2025-06"
        )
    last = default_periode(today)
    if not FIRST_PERIODE <= periode <= last:
        why = "avant le début du programme" if periode < FIRST_PERIODE else "mois futur, dont les données ne sont pas encore publiées"
        raise PeriodeError(
            f"période {periode} hors de la plage couverte, de {FIRST_PERIODE} (début du programme) à {last} (mois courant) : {why}"
        )
    return periode


def decaler(periode: str, mois: int) -> str:
    """The month ``mois`` months after ``periode`` (before it when negative), as YYYY-MM."""
    n = int(periode[:4]) * 12 + int(periode[5:7]) - 1 + mois
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def mois_entre(debut: str, fin: str) -> list[str]:
    """Every month from ``debut`` to ``fin`` included, in order."""
    n = (int(fin[:4]) - int(debut[:4])) * 12 + int(fin[5:7]) - int(debut[5:7])
    return [decaler(debut, i) for i in range(n + 1)]


def periode_dir(periode: str) -> Path:
    """Root of one period's outputs."""
    return OUTPUTS_DIR / check_periode(periode)


def fiche_notebook(phase: int, id_ti: str) -> str:
    """Where a fiche's executed notebook goes, relative to the period's outputs; its page in
    the site has the same path with ``.html`` (the site mirrors the notebooks' layout)."""
    return f"fiches/phase{phase}/{id_ti}.ipynb"


def identifiant(id_ti: str, phase: int) -> str:
    """A territory's code as a reader should copy it: the ``ti-`` codes are given per phase
    (``ti-2405`` names two different territories), so the phase goes with it."""
    return f"{id_ti} (phase {phase})"


def fiche_page(phase: int, id_ti: str) -> str:
    """A fiche's page, relative to the site root."""
    return fiche_notebook(phase, id_ti).removesuffix(".ipynb") + ".html"
