"""The run month and the periods of observation, defined once.

A *période* is the month a run publishes, ``YYYY-MM`` (``"2026-12"``), from the programme's
first month to the current one. An *observation* is the period a source's value describes:
a year (``"2024"``), a quarter (``"2022-T2"``) or a month (``"2024-12"``). Everything that adds
months, finds a last day or says what a month knows at its end asks this module, and so does
everything that needs a path under ``outputs/<periode>/`` or the URL of a page of a month's
site (the roots themselves, ``OBSERVATOIRE_OUTPUTS``, stay in ``config``).

>>> decaler("2026-01", -2)
'2025-11'
>>> observation_end("2022-T2")
datetime.date(2022, 6, 30)
>>> next_observation("2025-T4")
'2026-T1'
>>> fiche_page(2, "ti-2405")
'fiches/phase2/ti-2405.html'
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from analysis import config

_PERIODE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
FIRST_PERIODE = "2019-01"  # the programme's first month: nothing is published for an earlier one


class PeriodeError(ValueError):
    """A period that is malformed or outside the months the observatory covers."""


def default_periode(today: dt.date | None = None) -> str:
    """The current month, as YYYY-MM."""
    today = today or dt.date.today()
    return f"{today.year:04d}-{today.month:02d}"


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


def _index(periode: str) -> int:
    return int(periode[:4]) * 12 + int(periode[5:7]) - 1


def _from_index(n: int) -> str:
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def decaler(periode: str, mois: int) -> str:
    """The month ``mois`` months after ``periode`` (before it when negative), as YYYY-MM."""
    return _from_index(_index(periode) + mois)


def mois_entre(debut: str, fin: str) -> list[str]:
    """Every month from ``debut`` to ``fin`` included, in order."""
    return [_from_index(n) for n in range(_index(debut), _index(fin) + 1)]


def month_end(periode: str) -> dt.date:
    """Last day of a YYYY-MM month: ``month_end("2024-02")`` is 29/02/2024."""
    first_next = _from_index(_index(periode) + 1)
    return dt.date(int(first_next[:4]), int(first_next[5:7]), 1) - dt.timedelta(days=1)


def asof_date(periode: str) -> dt.date:
    """Last day of the period's month, "as known at the end of that month"; for the current month,
    which is not over, today."""
    return min(month_end(check_periode(periode)), dt.date.today())


def completed_month(periode: str) -> str:
    """The latest month over by the as-of date of ``periode``: ``periode`` itself once its last
    day is reached, else the month before (the current month is under way)."""
    return periode if asof_date(periode) >= month_end(periode) else decaler(periode, -1)


def publication_month(obs_end: dt.date, lag_months: int) -> str:
    """The month (YYYY-MM) in which an observation ending on ``obs_end`` is published, given a
    publication lag in months."""
    return _from_index(obs_end.year * 12 + obs_end.month - 1 + lag_months)


def _observation_month(observation: str) -> tuple[int, int, int]:
    """(year, last month, months per step) of an observation: "2024" -> (2024, 12, 12),
    "2022-T2" -> (2022, 6, 3), "2024-12" -> (2024, 12, 1)."""
    if len(observation) == 4:
        return int(observation), 12, 12
    year, rest = observation.split("-")
    if rest.startswith("T"):
        return int(year), 3 * int(rest[1]), 3
    return int(year), int(rest), 1


def _observation_shift(observation: str, steps: int) -> str:
    year, month, step = _observation_month(observation)
    n = year * 12 + month - 1 + steps * step
    if step == 12:
        return str(n // 12)
    if step == 3:
        return f"{n // 12}-T{n % 12 // 3 + 1}"
    return _from_index(n)


def observation_end(observation: object) -> dt.date:
    """Last day of an observation: "2024" (or the year as a number) -> 31/12/2024,
    "2022-T2" -> 30/06/2022, "2024-12" -> 31/12/2024."""
    year, month, _ = _observation_month(str(observation))
    return month_end(f"{year:04d}-{month:02d}")


def next_observation(observation: str) -> str:
    """The observation after ``observation``, of the same frequency ("2025-T4" -> "2026-T1")."""
    return _observation_shift(observation, 1)


def previous_observation(observation: str) -> str:
    """The observation before ``observation``, of the same frequency ("2024-01" -> "2023-12")."""
    return _observation_shift(observation, -1)


# --------------------------------------------------------------------------- a month's outputs
# Every path under ``outputs/<periode>/`` and every page of a month's site, defined here only.
# A notebook's path is relative to the month's folder; its page has the same path with
# ``.html``, relative to the site's root (the site mirrors the notebooks' layout).
#
# outputs/<periode>/
#   indicateurs/            the indicator tables of both phases, the registry, the TI profiles
#   precedent/<m>/          the tables of an earlier month m never built in its own folder
#   analyses/               the analyses' results of the month
#   fiches/phase<p>/<ti>.ipynb, synthese/, monographies/<ti>.ipynb, changements/, accueil/
#                           (and accueil/donnees/, the home page's CSV files), methodes/,
#                           regions/<code région>.ipynb: the executed notebooks
#   site/, brouillon/       the published site and the team's draft site
#   logs/, provenance.json, manifest.json, .run.lock
# outputs/historique/       the logs of ``observatoire historique``

INDICATEURS = "indicateurs"
PRECEDENT = "precedent"
ANALYSES = "analyses"
SITE, DRAFT_SITE = "site", "brouillon"
STAGING_PREFIX = "site-en-cours-"  # a site being rendered, in the month's folder (and its Quarto projects)
LOGS = "logs"
FICHES = "fiches"
MONOGRAPHIES = "monographies"
REGIONS = "regions"
SYNTHESE = "synthese/synthese.ipynb"
CHANGEMENTS = "changements/changements.ipynb"
ACCUEIL = "accueil/accueil.ipynb"
METHODES = "methodes/methodes.ipynb"
DONNEES_ACCUEIL = "donnees"  # CSV files beside a notebook and its page: the home page's tables, the figures' data
PROVENANCE = "provenance.json"
CARNET_ENV = "OBSERVATOIRE_CARNET"  # set by the run while a notebook executes: its output path
MANIFEST = "manifest.json"
LOCK = ".run.lock"
STAMP = ".inputs.json"  # in a folder of indicator tables: what they were built from
PROFILS = "profils"  # the table of the TI profiles, beside the indicator tables
STAMP_FICHES = "stamp"  # in ``tables_fiches``: what the tables every fiche shares were made from
HISTORIQUE = "historique"
# the folders of the publications (every notebook but the fiches)
PUBLICATION_FOLDERS = (
    SYNTHESE.split("/")[0], MONOGRAPHIES, CHANGEMENTS.split("/")[0], ACCUEIL.split("/")[0], METHODES.split("/")[0], REGIONS,
)
INDEX_PAGE = "index.html"  # the home page of a site


def outputs_dir() -> Path:
    """The folder of every month's outputs (``config.OUTPUTS_DIR``, read at each call)."""
    return config.OUTPUTS_DIR


def periode_dir(periode: str) -> Path:
    """Root of one month's outputs: ``outputs/<periode>``."""
    return outputs_dir() / check_periode(periode)


def periodes_on_disk() -> list[str]:
    """The months that have a folder in ``outputs/``, oldest first."""
    root = outputs_dir()
    return sorted(p.name for p in root.iterdir() if p.is_dir() and _is_periode(p.name)) if root.is_dir() else []


def _is_periode(name: str) -> bool:
    try:
        check_periode(name)
    except PeriodeError:
        return False
    return True


def indicateurs_dir(periode: str) -> Path:
    """The month's own folder of indicator tables: ``outputs/<periode>/indicateurs``."""
    return periode_dir(periode) / INDICATEURS


def precedent_dir(periode: str, courant: str) -> Path:
    """Where month ``courant`` keeps the tables of an earlier month ``periode`` never built in its
    own folder: ``outputs/<courant>/precedent/<periode>``."""
    return periode_dir(courant) / PRECEDENT / periode


def table_files(phase: int, periode: str, dossier: Path | None = None) -> dict[str, Path]:
    """The tables of a phase of month ``periode``: the indicator tables (``long``, ``wide``,
    ``observations``), the registry (``registre``) and the profiles of its TI (``PROFILS``), in
    ``dossier`` (default the month's own ``indicateurs_dir``)."""
    folder = dossier or indicateurs_dir(periode)
    return {
        "long": folder / f"indicateurs_phase{phase}.parquet",
        "wide": folder / f"tableau_phase{phase}.parquet",
        "observations": folder / f"tableau_phase{phase}_observations.parquet",
        "registre": folder / "registre.parquet",
        PROFILS: folder / f"profils_phase{phase}.parquet",
    }


def tables_fiches(phase: int, periode: str) -> dict[str, Path]:
    """The tables every fiche of a phase of month ``periode`` shares, computed once by the run
    before the notebooks (``analyses.tables_fiches``), beside the indicator tables: the
    private jobs of every territory by A38 sector (``secteurs``) and the commune map data of
    every territory (``communes``: private jobs of each commune by year; ``contours``: the 2018
    outlines of the communes carried to the COG) and the territory map's layers (``epci``: the
    outlines of the EPCI of every territory; ``situation``: the régions of metropolitan France
    simplified for the map's inset), with the stamp saying what they were made from (``STAMP_FICHES``)."""
    folder = indicateurs_dir(periode)
    return {
        "secteurs": folder / f"fiches_secteurs_phase{phase}.parquet",
        "communes": folder / f"fiches_emploi_communes_phase{phase}.parquet",
        "contours": folder / f"fiches_contours_communes_phase{phase}.parquet",
        "epci": folder / f"fiches_contours_epci_phase{phase}.parquet",
        "situation": folder / f"fiches_situation_phase{phase}.parquet",
        STAMP_FICHES: folder / f".fiches_phase{phase}",
    }


def stamp_file(periode: str, dossier: Path | None = None) -> Path:
    """The stamp of a folder of tables (default the month's own ``indicateurs_dir``)."""
    return (dossier or indicateurs_dir(periode)) / STAMP


def analyses_dir(periode: str) -> Path:
    """The month's analysis tables, in parquet and CSV (``analyses.resultats``): ``outputs/<periode>/analyses``."""
    return periode_dir(periode) / ANALYSES


def memo_dir(periode: str) -> Path:
    """The month's memo cache of ``@stored`` analyses: ``outputs/<periode>/.cache/analyses``,
    hidden (a cache, not a result: ``analyses_dir`` holds the tables a researcher opens)."""
    return periode_dir(periode) / ".cache" / ANALYSES


def site_dir(periode: str, brouillon: bool = False) -> Path:
    """The month's published site (``site/``) or the team's draft site (``brouillon/``)."""
    return periode_dir(periode) / (DRAFT_SITE if brouillon else SITE)


def logs_dir(periode: str) -> Path:
    """The month's run logs: ``outputs/<periode>/logs``."""
    return periode_dir(periode) / LOGS


def historique_logs_dir() -> Path:
    """The logs of ``observatoire historique`` (several months): ``outputs/historique``."""
    return outputs_dir() / HISTORIQUE


def provenance_file(periode: str) -> Path:
    """The month's provenance record: ``outputs/<periode>/provenance.json``."""
    return periode_dir(periode) / PROVENANCE


def manifest_file(periode: str) -> Path:
    """The month's run manifest: ``outputs/<periode>/manifest.json``."""
    return periode_dir(periode) / MANIFEST


def lock_file(periode: str) -> Path:
    """The month's lock (``verrou.period_lock``): ``outputs/<periode>/.run.lock``."""
    return periode_dir(periode) / LOCK


def fiche_notebook(phase: int, id_ti: str) -> str:
    """A fiche's executed notebook, relative to the month's folder."""
    return f"{FICHES}/phase{phase}/{id_ti}.ipynb"


def fiche_of(notebook: Path) -> tuple[int, str]:
    """(phase, territory) of a fiche's notebook (``fiche_notebook``): its folder says the phase,
    its name the territory."""
    return int(notebook.parent.name.removeprefix("phase")), notebook.stem


def monographie_notebook(id_ti: str) -> str:
    """A monograph's executed notebook, relative to the month's folder."""
    return f"{MONOGRAPHIES}/{id_ti}.ipynb"


def region_notebook(region: str) -> str:
    """The page of a région (its INSEE code), relative to the month's folder."""
    return f"{REGIONS}/{region}.ipynb"


def accueil_donnees(periode: str) -> Path:
    """Where the home page writes its CSV files: beside its notebook, ``accueil/donnees``."""
    return periode_dir(periode) / ACCUEIL.split("/")[0] / DONNEES_ACCUEIL


def comparateur(phase: int) -> str:
    """The offline comparator page of ``phase``, beside the home page's CSV files
    (``accueil_donnees``): ``comparateur_phase2.html``."""
    return f"comparateur_phase{phase}.html"


def figure_csv(notebook: str | Path, numero: int) -> Path:
    """The CSV of the ``numero``-th figure (from 1) of an executed notebook, in the folder
    ``donnees`` beside it, where its page links to it and the site copies it:
    ``figure_csv("fiches/phase2/ti-2405.ipynb", 3)`` is ``fiches/phase2/donnees/ti-2405-figure-3.csv``."""
    notebook = Path(notebook)
    return notebook.parent / DONNEES_ACCUEIL / f"{notebook.stem}-figure-{numero}.csv"


def figure_csvs(notebook: str | Path) -> list[Path]:
    """The figures' CSV files an executed notebook wrote (``figure_csv``), in figure order."""
    folder = Path(notebook).parent / DONNEES_ACCUEIL
    prefix = f"{Path(notebook).stem}-figure-"
    found = [p for p in folder.glob(f"{prefix}*.csv") if p.stem.removeprefix(prefix).isdigit()]
    return sorted(found, key=lambda p: int(p.stem.removeprefix(prefix)))


def page(notebook: str | Path) -> str:
    """The page of an executed notebook, relative to the site's root: its path with ``.html``
    (``page("synthese/synthese.ipynb")`` is ``"synthese/synthese.html"``)."""
    return Path(notebook).with_suffix(".html").as_posix()


def pdf_page(page: str | Path) -> str:
    """The PDF version of a page, beside it in the site (``"synthese/synthese.pdf"``)."""
    return Path(page).with_suffix(".pdf").as_posix()


def pdf_download_name(page: str, phase: int) -> str:
    """The name a fiche's PDF is saved under: with its phase (``ti-2405-phase2.pdf``)."""
    return f"{Path(page).stem}-phase{phase}.pdf"


def fiche_page(phase: int, id_ti: str) -> str:
    """A fiche's page, relative to the site's root."""
    return page(fiche_notebook(phase, id_ti))


def monographie_page(id_ti: str) -> str:
    """A monograph's page, relative to the site's root."""
    return page(monographie_notebook(id_ti))


def region_page(region: str) -> str:
    """A région's page, relative to the site's root."""
    return page(region_notebook(region))


SYNTHESE_PAGE = page(SYNTHESE)
METHODES_PAGE = page(METHODES)  # where every document links for the methods
