"""Samples of the headline design that set apart what else may move employment near the
programme: EPCI holding a town of another programme (Action cœur de ville), and never-treated
EPCI bordering a treated one (spillovers: if the programme moves jobs across borders, these
controls lose what the treated gain, and the gap counts the move twice).

Pure functions on the EPCI x year panel of ``impact`` (one row per unit x year with
``siren_epci, year, treated_cohort``); the estimates are the headline's
(``cohortes.callaway_santanna``) on these samples.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from analysis.analyses.impact import COHORT, UNIT


def voisins(contours, cohorts: pd.Series) -> pd.Series:
    """Never-treated units that share a border with a treated one, and the earliest entry year of
    their treated neighbours (index siren_epci, name ``COHORT``).

    ``contours``: a GeoDataFrame with ``siren_epci`` and polygons (any CRS: shared borders are
    found with ``intersects``, so neighbours touching at a point count too); ``cohorts``: each
    unit's first treated year (index siren_epci; NA: never treated). Units absent from
    ``cohorts`` are ignored."""
    import geopandas as gpd

    shapes = contours[[UNIT, "geometry"]].loc[lambda d: d[UNIT].isin(cohorts.index)]
    shapes = shapes.assign(cohort=shapes[UNIT].map(cohorts))
    treated, never = shapes[shapes["cohort"].notna()], shapes[shapes["cohort"].isna()]
    pairs = gpd.sjoin(never[[UNIT, "geometry"]], treated[[UNIT, "cohort", "geometry"]], predicate="intersects",
                      lsuffix="voisin", rsuffix="traite")
    return pairs.groupby(f"{UNIT}_voisin")["cohort"].min().astype("Int64").rename(COHORT).rename_axis(UNIT)


def sans_unites(panel: pd.DataFrame, units: Collection[str]) -> pd.DataFrame:
    """The panel without ``units`` (treated or controls)."""
    return panel[~panel[UNIT].isin(set(units))]


def groupe_voisins(panel: pd.DataFrame, voisins_: pd.Series) -> pd.DataFrame:
    """The spillover design: the bordering never-treated units (``voisins``) as if treated from
    their neighbours' entry year, against the other never-treated units; treated units left out."""
    never = panel[panel[COHORT].isna()]
    return never.assign(**{COHORT: never[UNIT].map(voisins_).astype("Int64")})
