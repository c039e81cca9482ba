"""What a periodic dataset is, and what a month of it sees: the declaration each loader writes
next to its loader (``JeuPeriodique``), and the one publication filter (``publiees``).

A periodic dataset is declared twice, each fact once: in ``data/sources.toml``
(``[datasets.<name>]``: frequency, publication lag, label, publisher, last period of a closed
series) and next to its loader (``JeuPeriodique``: the loader, the column holding the
observation, how the latest observation of one of its files is read, whether it is held in
dated editions, the loopback test of its living reader). ``donnees.jeux`` lists the
declarations; ``millesimes``, ``observations`` and ``observatoire donnees`` read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import mois
from analysis.donnees import sources


@dataclass(frozen=True)
class JeuPeriodique:
    dataset: str  # its name in data/sources.toml, whose [datasets.<name>] gives frequency and lag
    charger: Callable[[str | None], pd.DataFrame]  # its loader: as of the end of a month, the full series with None
    colonne: str  # the column of the loader's table holding each row's observation ("year", "trimestre", "mois")
    derniere: Callable[[Path], str]  # latest observation of one of its files, read in the least it can (``observations``)
    qui: str = "la source"  # its publisher in a French sentence ("l'INSEE")
    editions: str | None = None  # the ``serie`` of its files held in dated editions (``donnees.editions``), None otherwise
    test_lecteur: str = ""  # the loopback test serving its living endpoint to its reader ("tests/f.py::test_x"), "" if none
    indicateurs: bool = True  # the indicator tables read it: its vintage is part of ``millesimes.cle``

    @property
    def declaration(self) -> sources.Dataset:
        """Its ``[datasets.<name>]`` of data/sources.toml (frequency, lag, label, publisher)."""
        return sources.dataset(self.dataset)

    def observations(self) -> tuple[str, ...]:
        """Every observation of the full series held, sorted ("2024", "2022-T2", "2024-12")."""
        return tuple(sorted(set(self.charger(None)[self.colonne].astype(str))))


def publiees(jeu: JeuPeriodique, df: pd.DataFrame, periode: str | None, observations: pd.Series | None = None) -> pd.DataFrame:
    """Rows of ``df``, a table of ``jeu``, whose observation was published by the end of
    ``periode`` (every row when None), from the declared lag. The observation of each row is
    its ``jeu.colonne``, unless ``observations`` gives another one (the last year of a
    three-year window, the month of a date). Decided once per distinct observation: the full
    file is read once (the cached loaders), this filter is what a month costs."""
    if periode is None:
        return df
    key = df[jeu.colonne] if observations is None else observations
    published = [k for k in key.unique() if sources.published_by(jeu.dataset, mois.observation_end(k), periode)]
    return df.loc[key.isin(published).to_numpy()].reset_index(drop=True)
