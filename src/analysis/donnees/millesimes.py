"""Data vintages: for each periodic dataset of ``data/sources.toml``, the latest observation
published by the end of a month, when it was published, and which observation is expected
next and when (its period plus the declared lag).

The observations a month sees are decided by these vintages alone (``economie._keep_published``
keeps every observation published by then), so two months with the same vintages have the same
indicator tables (``cle``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

from analysis.donnees import sources
from analysis.donnees.cache import cached
from analysis.donnees.loaders import economie, relance

COLUMNS = ["dataset", "libelle", "observation", "publiee", "prochaine", "attendue", "en_retard"]


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def _quarter(trimestre: str) -> tuple[int, int]:
    return int(trimestre[:4]), int(trimestre[-1])


# Per frequency: the end date of an observation (a period string), and the observation after it.
_END: dict[str, Callable[[str], dt.date]] = {
    "annual": lambda p: dt.date(int(p), 12, 31),
    "quarterly": lambda p: _month_end(_quarter(p)[0], 3 * _quarter(p)[1]),
    "monthly": lambda p: _month_end(int(p[:4]), int(p[5:7])),
}
_NEXT: dict[str, Callable[[str], str]] = {
    "annual": lambda p: str(int(p) + 1),
    "quarterly": lambda p: f"{_quarter(p)[0] + _quarter(p)[1] // 4}-T{_quarter(p)[1] % 4 + 1}",
    "monthly": lambda p: f"{int(p[:4]) + int(p[5:7]) // 12}-{int(p[5:7]) % 12 + 1:02d}",
}


@cached
def observations(dataset_name: str) -> tuple[str, ...]:
    """Every observation of a periodic dataset in the declared files, as sorted period strings
    ("2024", "2022-T2", "2024-12")."""
    if dataset_name == economie.URSSAF_DATASET:
        values = economie.urssaf_serie()["year"].astype(str)
    elif dataset_name == economie.CHOMAGE_DATASET:
        values = economie.chomage_ze()["trimestre"]
    elif dataset_name == economie.DEMANDEURS_DATASET:
        values = economie.demandeurs_emploi()["mois"]
    elif dataset_name == economie.DVF_DATASET:
        dvf = economie.dvf_epci()
        values = dvf.loc[dvf["aggregation"] == "annuelle", "annee"].astype(str)
    elif dataset_name == relance.DATASET:
        values = relance.entreprises_industrielles()["mois"]
    else:
        raise ValueError(f"jeu de données sans calendrier d'observations : {dataset_name!r}")
    return tuple(sorted(set(values)))


def millesimes(periode: str) -> pd.DataFrame:
    """One row per periodic dataset: dataset, libelle, observation (latest published by the end
    of ``periode``, None if none yet), publiee (its publication month), prochaine (the next
    observation), attendue (its expected publication month from the declared lag), en_retard
    (expected by the end of ``periode`` but absent from the declared files)."""
    rows = []
    for ds in sources.series():
        end, after = _END[ds.frequency], _NEXT[ds.frequency]
        known = [o for o in observations(ds.name) if sources.published_by(ds.name, end(o), periode)]
        last = known[-1] if known else None
        prochaine = after(last) if last else observations(ds.name)[0]
        attendue = sources.publication_periode(ds.name, end(prochaine))
        rows.append({
            "dataset": ds.name,
            "libelle": ds.label,
            "observation": last,
            "publiee": sources.publication_periode(ds.name, end(last)) if last else None,
            "prochaine": prochaine,
            "attendue": attendue,
            "en_retard": attendue <= periode,
        })
    # object columns: an observation not published yet stays None (not NaN, which equals nothing)
    return pd.DataFrame(rows, columns=COLUMNS, dtype=object).astype({"en_retard": bool})


def cle(periode: str) -> tuple:
    """The vintages of ``periode`` (latest observation of each periodic dataset): months with the
    same key see the same observations."""
    return tuple(millesimes(periode)["observation"])
