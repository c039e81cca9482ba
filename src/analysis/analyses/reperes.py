"""A month's tables as another month reads them, and the headline figures followed month after
month ("repères"): the share of France's private salaried jobs located in the TI, the median
employment index of the TI (base 100 in 2014) and the number of TI in each profile.

A past month's tables come from where the run keeps them (``indicateurs.build.dossier_du_mois``:
the month's own folder, else the folder of the month reading them); when a notebook runs outside
the monthly run and they were never built, they are computed in memory as of that month
(``build_indicators`` keeps only the data published by its end). Either way a comparison with
the previous month is never empty because a machine is new.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from analysis import config, mois
from analysis.analyses import profils
from analysis.donnees import millesimes
from analysis.donnees.cache import cached
from analysis.indicateurs import build
from analysis.indicateurs.areas import ENSEMBLE_TI, FRANCE

PART_EMPLOI_TI = "part_emploi_ti"
INDICE_MEDIAN = "indice_emploi_median"
CHOMAGE_MEDIAN = "taux_chomage_median"  # median unemployment rate of the TI, its quarter as observation
N_TI_PROFIL = "n_ti_profil"
COLUMNS = ["periode", "phase", "cle", "profil", "valeur", "observation"]


@dataclass(frozen=True)
class Tables:
    """The tables of one phase of one month."""

    phase: int
    periode: str
    long: pd.DataFrame
    wide: pd.DataFrame
    observations: pd.DataFrame
    profils: pd.DataFrame  # id_ti, cluster, profil


@cached
def tables(phase: int, periode: str, courant: str) -> Tables:
    """The tables of ``phase`` of month ``periode`` as month ``courant`` reads them: written by
    the run (``build.dossier_du_mois``), or else those of ``courant`` when both months see the
    same data (``millesimes.cle``), or else computed in memory as of ``periode`` (once per
    vintage)."""
    dossier = build.dossier_du_mois(periode, courant)
    if build.est_construit(periode, dossier, (phase,)):
        return _lues(phase, periode, dossier)
    own = build.dossier_du_mois(courant, courant)
    if millesimes.cle(periode) == millesimes.cle(courant) and build.est_construit(courant, own, (phase,)):
        return replace(_lues(phase, courant, own), periode=periode)
    return replace(_calculees(phase, millesimes.cle(periode), periode), periode=periode)


def _lues(phase: int, periode: str, dossier: Path) -> Tables:
    def read(table: str) -> pd.DataFrame:
        return build.read_indicators(phase, periode, table, dossier)

    return Tables(phase, periode, read("long"), read("wide"), read("observations"), read(mois.PROFILS))


_PAR_MILLESIME: dict[tuple, Tables] = {}


def _calculees(phase: int, cle: tuple, periode: str) -> Tables:
    """The tables of the first month computed with these vintages, for every month sharing them."""
    if (phase, cle) not in _PAR_MILLESIME:
        result = build.build_indicators(phase, periode)
        _PAR_MILLESIME[phase, cle] = Tables(phase, periode, result.long, result.wide, result.observations,
                                            profils.appartenance(phase, result.wide))
    return _PAR_MILLESIME[phase, cle]


def reperes(t: Tables) -> pd.DataFrame:
    """The headline figures of one month and phase: periode, phase, cle, profil (for
    ``n_ti_profil``), valeur, observation (the year of employment used, the quarter of the
    unemployment rate; None for the profiles)."""
    values = t.wide.set_index("id_ti")
    year = t.observations.set_index("indicator")["observation"].get("emploi_prive")
    ti = t.wide.loc[t.wide["niveau"] == "ti", "emploi_prive_indice"]
    rows = [
        {"cle": PART_EMPLOI_TI, "profil": None, "observation": year,
         "valeur": 100 * values.loc[ENSEMBLE_TI, "emploi_prive"] / values.loc[FRANCE, "emploi_prive"]},
        {"cle": INDICE_MEDIAN, "profil": None, "observation": year, "valeur": float(ti.median())},
        {"cle": CHOMAGE_MEDIAN, "profil": None, "observation": t.observations.set_index("indicator")["observation"].get("taux_chomage"),
         "valeur": float(t.wide.loc[t.wide["niveau"] == "ti", "taux_chomage"].median())},
    ]
    counts = t.profils["profil"].value_counts()
    rows += [{"cle": N_TI_PROFIL, "profil": name, "observation": None, "valeur": float(n)} for name, n in counts.items()]
    return pd.DataFrame(rows).assign(periode=t.periode, phase=t.phase)[COLUMNS]


def douze_mois(periode: str, n: int = 12) -> list[str]:
    """The ``n`` months ending with ``periode`` (from the programme's first month), oldest first."""
    return [m for m in (mois.decaler(periode, -i) for i in range(n - 1, -1, -1)) if m >= mois.FIRST_PERIODE]


def serie_reperes(periode: str, phases: tuple[int, ...] = config.PHASES, n: int = 12) -> pd.DataFrame:
    """The headline figures of each of the ``n`` months ending with ``periode``, as published
    each month (``reperes``), long."""
    return pd.concat([reperes(tables(phase, m, periode)) for m in douze_mois(periode, n) for phase in phases], ignore_index=True)
