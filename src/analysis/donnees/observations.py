"""The latest observation a data file contains (its latest period): what ``observatoire donnees`` lists, what a run
records for each dataset, and how a refreshed living copy says what it brings.

A period is written as the dataset counts time: a year ``"2024"``, a quarter ``"2022-T2"``,
a month ``"2024-12"``. Reference files (lists, geography, census cross-sections) have none.
Each reader looks at the least it can (a header, one column) in the format the dataset's
loader reads; a file of another format raises ``ValueError``, so a living copy that is not
what the loaders read is refused (``sources.download`` ``check``). Results are kept by sha256
in ``<cache>/observations.json``: a file's latest observation is computed once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from analysis import config
from analysis.donnees import sources
from analysis.donnees.loaders import economie, urssaf_ape
from analysis.fichiers import file_sha256, write_atomic

MEMO_FILE = "observations.json"
_QUARTER = re.compile(r"^\d{4}-T[1-4]$")


def _commune_ape(path: Path) -> str:
    years = urssaf_ape.years_in_header(pd.read_csv(path, sep=";", encoding="utf-8-sig", nrows=0).columns)
    if not years:
        raise ValueError(f"{path.name}: aucune colonne « Effectifs salariés AAAA » et « Nombre d'établissements AAAA »")
    return str(years[-1])


def _parquet_max(column: str) -> Callable[[Path], str]:
    def read(path: Path) -> str:
        return str(int(pq.read_table(path, columns=[column]).column(column).to_pandas().max()))

    return read


def _pivot_years(path: Path) -> str:
    """exdeco_pivot_urssaf_*: one column per year (``eff_19``, ``eff_22``...)."""
    years = [2000 + int(c[4:]) for c in pq.read_schema(path).names if re.fullmatch(r"eff_\d{2}", c)]
    if not years:
        raise ValueError(f"{path.name}: aucune colonne eff_AA")
    return str(max(years))


def _urssaf(path: Path) -> str:
    if path.suffix == ".csv":
        return _commune_ape(path)
    names = pq.read_schema(path).names
    return _parquet_max("year")(path) if "year" in names else _pivot_years(path)


def _chomage(path: Path) -> str:
    """The zone d'emploi workbook (header of sheet ``txcho_ze``), its third-party JSON
    (``quarters``), the département workbook (.xls) or INSEE's BDM SDMX-ML."""
    if path.suffix == ".xlsx":
        header = pd.read_excel(path, sheet_name="txcho_ze", header=5, nrows=0, engine="calamine").columns
        quarters = sorted(c for c in header if isinstance(c, str) and _QUARTER.match(c))
        if not quarters:
            raise ValueError(f"{path.name}: aucune colonne trimestrielle AAAA-TN dans la feuille txcho_ze")
        return quarters[-1]
    if path.suffix == ".json":
        quarters = json.loads(path.read_text(encoding="utf-8"))["quarters"]
        if not quarters or not all(_QUARTER.match(q) for q in quarters):
            raise ValueError(f"{path.name}: liste « quarters » vide ou mal formée")
        return max(quarters)
    return str(economie.CHOMAGE_READERS[economie.CHOMAGE_DEP](path)["trimestre"].max())


def _demandeurs(path: Path) -> str:
    months = pd.read_csv(path, usecols=["YEAR"], dtype=str)["YEAR"].str.extract(r"^(?P<nom>[a-z]+)_(?P<annee>\d{4})$").dropna()
    return max(f"{a}-{economie.MOIS[n]:02d}" for n, a in zip(months["nom"], months["annee"]))


def _profil(path: Path) -> str | None:
    """EPCI profile: the latest census year of its sector shares (None for a profile without them)."""
    with open(path, encoding="utf-8") as fh:
        records = json.load(fh)
    if not isinstance(records, list):
        raise ValueError(f"{path.name}: une liste d'EPCI attendue")
    years = {m[2] for record in records for c in record if (m := economie.PROFIL_SHARE_COLUMN.match(c))}
    return f"20{max(years)}" if years else None


def _relance(path: Path) -> str:
    if path.suffix != ".csv":
        raise ValueError(f"{path.name}: pas un fichier de données")
    return str(pd.read_csv(path, usecols=["date"], dtype=str)["date"].max())[:7]


READERS: dict[str, Callable[[Path], str]] = {
    economie.URSSAF_DATASET: _urssaf,
    economie.CHOMAGE_DATASET: _chomage,
    economie.DEMANDEURS_DATASET: _demandeurs,
    economie.DVF_DATASET: _parquet_max("annee"),
    economie.PROFIL_DATASET: _profil,
    "france-relance": _relance,
}


def _memo_path() -> Path:
    return config.cache_dir() / MEMO_FILE


def latest_observation(file_id: str, path: Path, sha256: str | None = None) -> str | None:
    """The latest period in the file at ``path`` (a copy of ``file_id``), None for a reference
    file or a file without data (a licence text); ``ValueError`` when it is not in the format
    its loader reads."""
    src = sources.source(file_id)
    reader = READERS.get(src.dataset)
    if reader is None or Path(src.file).suffix in {".md", ".js"}:
        return None
    sha = sha256 or file_sha256(path)
    memo = json.loads(_memo_path().read_text(encoding="utf-8")) if _memo_path().exists() else {}
    if sha not in memo:
        try:
            memo[sha] = reader(path)
        except (KeyError, IndexError, OSError) as exc:  # a column, a sheet or a file that is not there
            raise ValueError(f"{path.name}: {type(exc).__name__} {exc}") from exc
        text = json.dumps(memo, indent=1, sort_keys=True)
        write_atomic(_memo_path(), lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return memo[sha]


def checker(file_id: str) -> Callable[[Path], str | None]:
    """A ``sources.download`` check: the file must be readable as ``file_id``'s format."""
    return lambda path: latest_observation(file_id, path)


def nouveautes(avant: str | None, apres: str | None) -> str:
    """French: what a new copy brings, from the latest period of the previous one."""
    if apres is None:
        return "sans période"
    if avant is None:
        return f"jusqu'à {apres}"
    if apres == avant:
        return f"pas de période nouvelle (jusqu'à {apres})"
    if apres < avant:
        return f"dernière période {apres}, antérieure à la précédente ({avant})"
    if re.fullmatch(r"\d{4}", avant) and re.fullmatch(r"\d{4}", apres):
        years = [str(y) for y in range(int(avant) + 1, int(apres) + 1)]
        return f"{'nouvelle année' if len(years) == 1 else 'nouvelles années'} : {', '.join(years)}"
    return f"nouvelles périodes : de {avant} à {apres}"
