"""The Fonds vert 2023 projects located in the communes of each territory of a phase, and the
amounts per inhabitant against the phase's median. Tables in, tables out.

A project is located by the commune the national list gives, carried to the referential's COG
(communes merged since, ``harmonisation``); that commune is often the beneficiary's seat rather
than the project's site, which the monograph says. Projects without a commune are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analysis.config import DEFAULT_COG
from analysis.donnees import harmonisation, referentiel, sources
from analysis.donnees.cache import cached
from analysis.donnees.loaders import fonds_vert as loader


def projets_territoires(projets: pd.DataFrame, communes: pd.DataFrame, passage: pd.DataFrame) -> pd.DataFrame:
    """The projects (``loader.projets``) whose commune, carried to the COG of ``passage``, is one
    of ``communes`` (``referentiel.communes_ti``: id_ti, insee_com): their columns with the
    commune's code of the COG (insee_com), its name in the referential (lib_com) and id_ti."""
    located = projets.dropna(subset=["insee_com"])
    located = located.assign(insee_com=harmonisation.code_cog(located["insee_com"], passage))
    return located.merge(communes[["id_ti", "insee_com", "lib_com"]], on="insee_com", how="inner")


def totaux_territoires(projets_ti: pd.DataFrame, territoires: pd.DataFrame) -> pd.DataFrame:
    """One row per territory of ``territoires`` (id_ti, population): n_projets, montant (€),
    montant_par_habitant (€, 0 for a territory without a project)."""
    sums = projets_ti.groupby("id_ti").agg(n_projets=("montant", "size"), montant=("montant", "sum"))
    out = territoires[["id_ti", "population"]].join(sums, on="id_ti").fillna({"n_projets": 0, "montant": 0.0})
    return out.assign(n_projets=out["n_projets"].astype("int64"), montant_par_habitant=out["montant"] / out["population"])


@dataclass(frozen=True)
class FondsVert:
    """The phase's Fonds vert 2023 projects located in its territories and their totals."""

    projets: pd.DataFrame  # ``projets_territoires``
    totaux: pd.DataFrame  # ``totaux_territoires``

    @property
    def mediane(self) -> float:
        """Median amount per inhabitant of the territories of the phase (€)."""
        return float(self.totaux["montant_par_habitant"].median())


@cached
def fonds_vert(phase: int, periode: str, cog: int | None = None) -> FondsVert | None:
    """The Fonds vert 2023 in the territories of ``phase``; None before the list of 2023 is
    published (taken as published once the year is over)."""
    if not sources.published_by(loader.DATASET, dt.date(loader.ANNEE, 12, 31), periode):
        return None
    cog = cog or DEFAULT_COG[phase]
    projets = projets_territoires(loader.projets(), referentiel.communes_ti(phase, cog), harmonisation.passage(cog))
    return FondsVert(projets=projets, totaux=totaux_territoires(projets, referentiel.territoires(phase, cog)))
