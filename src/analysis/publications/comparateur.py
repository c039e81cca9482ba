"""The comparison of a territory with its peers as a reader sees it: the table of key figures
and ranks in French, and the series of one indicator for the group (a figure whose data it
carries, ``figures.lignes``).

Example (JupyterLab)::

    from analysis.publications.comparateur import comparer
    table, fig = comparer("ti-2405", 2, "2026-11", serie="taux_chomage")
    table                                     # one row per territory, values and ranks
    fig                                       # the unemployment rate of the group, quarter by quarter
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from analysis.analyses import comparateur
from analysis.indicateurs.registry import heading, indicator
from analysis.publications.figures import lignes
from analysis.texte import nombre, observation_fr, rang_fr


def nom(id_ti: str, lib: str, phase: int) -> str:
    """How a reader copies a territory: 'Grand Est Touraine (ti-2405, phase 2)'."""
    return f"{lib} ({id_ti}, phase {phase})"


def tableau_comparaison(table: pd.DataFrame, phase: int) -> pd.DataFrame:
    """``analyses.comparateur.tableau`` in French: one row per territory (``nom``), then per
    indicator its value with the registry's decimals under its heading (short label, unit,
    period) and its rank among the TI of the phase ('3e sur 183', 'n.d.' without rank)."""
    out = pd.DataFrame({"Territoire": [nom(t, lib, phase) for t, lib in zip(table["id_ti"], table["lib"])]})
    observations = table.attrs.get("observations", {})
    for name in (c for c in table.columns if c not in {"id_ti", "lib"} and not c.endswith(("_rang", "_n"))):
        column = heading(name, observation_fr(observations.get(name, ""), court=True) if observations.get(name) else "")
        out[column] = ["n.d." if pd.isna(v) else nombre(v, indicator(name).decimals) for v in table[name]]
        out[f"Rang, {indicator(name).short_label}"] = [rang_fr(r, n) for r, n in zip(table[f"{name}_rang"], table[f"{name}_n"])]
    return out


def figure_serie(serie: pd.DataFrame, indicateur: str, id_ti: str) -> Figure:
    """The values of ``indicateur`` over its observations (``analyses.comparateur.series``), one
    line per territory, territory ``id_ti`` drawn thicker; the figure carries its data."""
    ind = indicator(indicateur)
    names = dict(zip(serie["id_ti"], serie["lib"]))
    drawn = serie.assign(territoire=serie["id_ti"].map(names))
    return lignes(
        drawn, "date", "value", "territoire", titre=ind.label, ylabel=ind.display_unit, principale=names.get(id_ti),
        source=ind.source, ordre=list(dict.fromkeys(drawn["territoire"])), unite=ind.display_unit,
    )


def comparer(id_ti: str, phase: int, periode: str, pairs: Sequence[str] | None = None,
             indicateurs: Sequence[str] | None = None, serie: str = "emploi_prive") -> tuple[pd.DataFrame, Figure]:
    """``analyses.comparateur.comparer`` as a reader sees it: (French table, figure of the
    series of ``serie`` for the group).

    >>> table, fig = comparer("ti-2405", 2, "2026-11", pairs=["ti-8402", "ti-5206"], serie="taux_chomage")
    """
    comparaison = comparateur.comparer(id_ti, phase, periode, pairs, indicateurs)
    return tableau_comparaison(comparaison.tableau, phase), figure_serie(comparaison.serie(serie), serie, id_ti)
