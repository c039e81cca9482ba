"""The latest observation a data file contains (its latest period): what ``observatoire donnees`` lists, what a run
records for each dataset, and how a refreshed living copy says what it brings.

A period is written as the dataset counts time: a year ``"2024"``, a quarter ``"2022-T2"``,
a month ``"2024-12"``. Reference files (lists, geography, census cross-sections) have none.
Each reader, declared with its dataset (``donnees.jeux``), looks at the least it can (a header,
one column) in the format the dataset's loader reads; a file of another format raises
``ValueError``, so a living copy that is not what the loaders read is refused (``sources.download`` ``check``). Results are kept by sha256
in ``<cache>/observations.json``: a file's latest observation is computed once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from analysis import config
from analysis.donnees import jeux, sources
from analysis.donnees.loaders import economie
from analysis.fichiers import file_sha256, write_atomic

MEMO_FILE = "observations.json"


def _profil(path: Path) -> str | None:
    """EPCI profile: the latest census year of its sector shares (None for a profile without them)."""
    with open(path, encoding="utf-8") as fh:
        records = json.load(fh)
    if not isinstance(records, list):
        raise ValueError(f"{path.name}: une liste d'EPCI attendue")
    years = {m[2] for record in records for c in record if (m := economie.PROFIL_SHARE_COLUMN.match(c))}
    return f"20{max(years)}" if years else None


# the periodic datasets read as their declaration says (``donnees.jeux``), the census profile by its census year
READERS: dict[str, Callable[[Path], str | None]] = {j.dataset: j.derniere for j in jeux.JEUX} | {economie.PROFIL_DATASET: _profil}


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
