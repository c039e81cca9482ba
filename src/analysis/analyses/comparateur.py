"""Compare a territory with a peer group: its typology neighbours by default, or the territories
a reader names. Tables in, tables out (the figure is ``publications.page_comparateur``).

Example (JupyterLab)::

    from analysis.analyses.comparateur import comparer
    c = comparer("ti-2405", 2, "2026-11")                     # the four typology neighbours
    c.tableau                                                  # key figures and ranks side by side
    c.serie("emploi_prive")                                    # the group's series over the years
    c.publiee("taux_chomage")                                  # what each published month said, with revisions
    comparer("ti-2405", 2, "2026-11", pairs=["ti-8402", "ti-5206"], indicateurs=["taux_chomage"])
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis import mois
from analysis.analyses import profils
from analysis.analyses.positions import observation_dates, rangs
from analysis.analyses.typologie import TypologyResult
from analysis.donnees import referentiel
from analysis.indicateurs.build import read_indicators
from analysis.indicateurs.registry import INDICATORS, indicator, key_figures

_RANGE = re.compile(r"^\d{4}-(\d{4})$")  # a growth between two census years: "2016-2022"


class PairsIndisponibles(ValueError):
    """No default peer group: the territory is outside the typology; the message (French) says so."""


def voisins_par_defaut(typo: TypologyResult, id_ti: str) -> list[str]:
    """The default peers of ``id_ti``: its typology neighbours (``profils.voisins``, the nearest
    first); ``PairsIndisponibles`` when the territory is outside the typology.

    >>> voisins_par_defaut(profils.typologie_du_mois(2, "2026-11"), "ti-2405")
    ['ti-8402', 'ti-5206', 'ti-8419', 'ti-8410']
    """
    if id_ti not in typo.labels.index:
        raise PairsIndisponibles(
            f"territoire « {id_ti} » hors de la typologie (trop d'indicateurs manquants) : il n'a pas de voisins "
            "par défaut ; donnez ses pairs, par exemple pairs=['ti-…', 'ti-…']"
        )
    return list(profils.voisins(typo, id_ti))


def groupe(id_ti: str, pairs: Sequence[str]) -> list[str]:
    """The territory then its peers, without repeats and without the territory among its peers.

    >>> groupe("ti-2405", ["ti-8402", "ti-2405", "ti-8402"])
    ['ti-2405', 'ti-8402']
    """
    return [id_ti, *(p for p in dict.fromkeys(pairs) if p != id_ti)]


def tableau(wide: pd.DataFrame, observations: pd.DataFrame, ids: Sequence[str], indicateurs: Sequence[str]) -> pd.DataFrame:
    """One row per territory of ``ids`` (in that order), then, per indicator, its value and its
    rank among the TI of the phase (``positions.rangs``: 1 = highest, values outside the
    perimeter unranked) and the number of TI ranked.

    Columns: id_ti, lib, then for each indicator ``<name>``, ``<name>_rang``, ``<name>_n``; the
    attribute ``observations`` maps each indicator to its observation period.
    """
    ranks = rangs(wide, list(indicateurs)).set_index(["id_ti", "indicator"])
    table = wide.set_index("id_ti").loc[list(ids), ["lib"]].reset_index()
    for name in indicateurs:
        part = ranks.xs(name, level="indicator").reindex(list(ids))
        table[name] = part["value"].to_numpy(dtype="float64")
        table[f"{name}_rang"] = part["rang"].to_numpy()
        table[f"{name}_n"] = part["n"].to_numpy()
    table.attrs["observations"] = observations.set_index("indicator")["observation"].reindex(list(indicateurs)).fillna("").to_dict()
    return table


def dates_observation(observations: pd.Series) -> pd.Series:
    """Observation periods as dates (``positions.observation_dates``), a growth between two census
    years ("2016-2022") placed at its last year."""
    return observation_dates(observations.astype(str).str.replace(_RANGE, r"\1", regex=True))


def series(long: pd.DataFrame, ids: Sequence[str], indicateur: str) -> pd.DataFrame:
    """The values of ``indicateur`` for ``ids`` over every observation of the long table: id_ti,
    lib, observation (as published), date (``dates_observation``), value; territories in the
    order of ``ids``, then by date."""
    indicator(indicateur)  # an unknown name is refused with the registry's French message
    rows = long.loc[(long["indicator"] == indicateur) & long["id_ti"].isin(ids), ["id_ti", "lib", "observation", "value"]]
    rows = rows.assign(date=dates_observation(rows["observation"]), ordre=rows["id_ti"].map({t: k for k, t in enumerate(ids)}))
    return rows.sort_values(["ordre", "date"]).drop(columns="ordre").reset_index(drop=True)[["id_ti", "lib", "observation", "date", "value"]]


TABLES_PUBLIEES = ("long", "observations")  # what a published month must have kept to be read here


def mois_publies(phase: int, periode: str) -> dict[str, Path]:
    """The months up to ``periode`` whose tables of ``phase`` the observatory kept, oldest first,
    with their folder: the month's own (written by its run or by ``observatoire historique``:
    ``mois.indicateurs_dir``), else the copy the run of ``periode`` kept (``mois.precedent_dir``).
    Nothing is computed: a month never published is not in the list."""
    found = {}
    for m in mois.mois_entre(mois.FIRST_PERIODE, periode):
        for folder in (mois.indicateurs_dir(m), mois.precedent_dir(m, periode)):
            if all(mois.table_files(phase, m, folder)[t].exists() for t in TABLES_PUBLIEES):
                found[m] = folder
                break
    return found


PUBLIEES = ["periode", "indicator", "id_ti", "observation", "value", "revision"]


def valeurs_publiees(phase: int, periode: str, ids: Sequence[str], indicateurs: Sequence[str]) -> pd.DataFrame:
    """What each published month (``mois_publies``) said of ``indicateurs`` for ``ids``: its
    latest observation that month and its value, and ``revision``, how that month changed the
    value the previous published month had given (same territory, same observation: its value
    now minus its value then; 0 when unchanged, missing for the first month or when the
    observation is no longer given). Columns ``PUBLIEES``, by indicator, territory, month."""
    frames, before = [], None
    for m, folder in mois_publies(phase, periode).items():
        long = read_indicators(phase, m, "long", folder)
        long = long.loc[long["indicator"].isin(indicateurs) & long["id_ti"].isin(ids), ["indicator", "id_ti", "observation", "value"]]
        latest = read_indicators(phase, m, "observations", folder).set_index("indicator")["observation"]
        said = long.loc[long["observation"].to_numpy() == long["indicator"].map(latest).to_numpy()].assign(periode=m)
        if before is not None:
            now = before[["indicator", "id_ti", "observation", "value"]].merge(
                long, on=["indicator", "id_ti", "observation"], suffixes=("_avant", ""))
            change = now.assign(revision=now["value"] - now["value_avant"])[["indicator", "id_ti", "revision"]]
            said = said.merge(change, on=["indicator", "id_ti"], how="left")
        frames.append(said.assign(revision=said.get("revision", float("nan"))))
        before = said
    if not frames:
        return pd.DataFrame(columns=PUBLIEES)
    table = pd.concat(frames, ignore_index=True)[PUBLIEES]
    order = {t: k for k, t in enumerate(ids)}
    return table.sort_values(["indicator", "id_ti", "periode"], key=lambda c: c.map(order) if c.name == "id_ti" else c).reset_index(drop=True)


@dataclass(frozen=True)
class Comparaison:
    """A territory, its peer group and the month's tables they were read from."""

    id_ti: str
    phase: int
    periode: str
    ids: list[str]  # the territory first, then its peers
    tableau: pd.DataFrame  # ``tableau``
    long: pd.DataFrame  # the month's long table (every observation of every TI)
    publie: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PUBLIEES))  # ``valeurs_publiees`` of the group

    def serie(self, indicateur: str) -> pd.DataFrame:
        """``series`` of ``indicateur`` for the group."""
        return series(self.long, self.ids, indicateur)

    def publiee(self, indicateur: str) -> pd.DataFrame:
        """``valeurs_publiees`` of ``indicateur`` for the group: what each published month said, with its
        revisions (columns ``PUBLIEES`` and lib)."""
        indicator(indicateur)
        libs = self.tableau.set_index("id_ti")["lib"]
        rows = self.publie.loc[self.publie["indicator"] == indicateur]
        return rows.assign(lib=rows["id_ti"].map(libs)).reset_index(drop=True)


def comparer(id_ti: str, phase: int, periode: str, pairs: Sequence[str] | None = None,
             indicateurs: Sequence[str] | None = None) -> Comparaison:
    """Compare territory ``id_ti`` of ``phase`` as of ``periode`` with ``pairs`` (default: its
    typology neighbours) on ``indicateurs`` (default: the registry's key figures), over the
    observations of the month's tables and over the months published up to ``periode``
    (``valeurs_publiees``, every indicator of the registry). Unknown ids
    (``referentiel.UnknownTerritoryError``) and indicators (``registry.IndicateurInconnu``) are
    refused with a French message naming them.

    >>> comparer("ti-2405", 2, "2026-11").tableau[["id_ti", "taux_chomage", "taux_chomage_rang"]]
    """
    referentiel.check_territoires(phase, [id_ti, *(pairs or [])])
    names = list(indicateurs if indicateurs is not None else key_figures())
    for name in names:
        indicator(name)
    ids = groupe(id_ti, pairs if pairs is not None else voisins_par_defaut(profils.typologie_du_mois(phase, periode), id_ti))
    wide = read_indicators(phase, periode, "wide")
    return Comparaison(
        id_ti=id_ti, phase=phase, periode=periode, ids=ids,
        tableau=tableau(wide, read_indicators(phase, periode, "observations"), ids, names),
        long=read_indicators(phase, periode, "long"),
        publie=valeurs_publiees(phase, periode, ids, list(INDICATORS)),
    )
