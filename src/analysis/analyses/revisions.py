"""What changed between a month and the month before, as tables: the month's tables and the
previous month's (``reperes.tables``: computed as of that month), new observation periods,
values revised beyond a threshold, territories that changed profile, rank moves, the data
vintages of both months and the headline figures over twelve months. The page that says it in
French is ``publications.changements``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis import config, mois
from analysis.analyses import reperes
from analysis.analyses.positions import SENS, mouvements_rangs
from analysis.donnees import millesimes
from analysis.indicateurs.build import previous_periode, read_indicators

# An indicator "moved" when its value for the same territory and period changed by more than
# this many percent (relative), or appeared/disappeared.
SEUIL_PCT = 1.0


def nouvelles_donnees(avant: pd.DataFrame, apres: pd.DataFrame) -> pd.DataFrame:
    """Per indicator, the periods present now that were absent before (new data published)."""
    def observations(df: pd.DataFrame) -> pd.Series:
        return df.groupby("indicator")["observation"].agg(lambda s: set(s.unique()))

    before, after = observations(avant), observations(apres)
    rows = [
        {"indicator": ind, "nouvelles_observations": sorted(now - before.get(ind, set()))}
        for ind, now in after.items()
        if now - before.get(ind, set())
    ]
    return pd.DataFrame(rows, columns=["indicator", "nouvelles_observations"])


def mouvements(avant: pd.DataFrame, apres: pd.DataFrame, seuil_pct: float = SEUIL_PCT) -> pd.DataFrame:
    """Values of the same (territory, indicator, period) that changed by more than ``seuil_pct`` %.

    Revisions of already published periods show here (e.g. URSSAF revising a year).
    """
    keys = ["id_ti", "indicator", "observation"]
    merged = avant[[*keys, "value"]].merge(apres[[*keys, "lib", "value"]], on=keys, suffixes=("_avant", "_apres"))
    change = (merged["value_apres"] - merged["value_avant"]).abs()
    rel = 100 * change / merged["value_avant"].abs().where(merged["value_avant"] != 0)
    moved = merged.assign(ecart_pct=rel).loc[(rel > seuil_pct) | (rel.isna() & (change > 0))]
    return moved.sort_values("ecart_pct", ascending=False, na_position="first").reset_index(drop=True)


def profils_changes(avant: pd.Series, apres: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Territories that moved to another profile, and profiles that were only renamed.

    Profile names come from each period's centroids, so a profile can keep its members and
    change name when its centroid shifts. Each profile of ``apres`` is matched to the
    ``avant`` profile sharing most of its territories; a territory "changes profile" when its
    ``avant`` profile is not the match of its ``apres`` profile. Returns (moves, renames):
    moves has id_ti, profil_avant, profil_apres; renames has profil_avant, profil_apres, n_communs.
    """
    both = pd.concat({"profil_avant": avant, "profil_apres": apres}, axis=1).dropna()
    overlap = both.groupby(["profil_apres", "profil_avant"]).size().rename("n_communs").reset_index()
    match = overlap.sort_values("n_communs", ascending=False).drop_duplicates("profil_apres")
    matched = both["profil_apres"].map(match.set_index("profil_apres")["profil_avant"])
    moves = both.loc[both["profil_avant"] != matched].rename_axis("id_ti").reset_index()
    renames = match.loc[match["profil_avant"] != match["profil_apres"], ["profil_avant", "profil_apres", "n_communs"]]
    return moves, renames.reset_index(drop=True)


def rangs_bouges(avant: dict[int, pd.DataFrame], apres: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """Rank moves among the TI of each phase (``positions.mouvements_rangs`` on the ``SENS``
    indicators), with the phase and the territory's name, largest first."""
    parts = [
        mouvements_rangs(avant[phase], apres[phase], list(SENS)).assign(
            phase=phase, lib=lambda d, phase=phase: d["id_ti"].map(apres[phase].set_index("id_ti")["lib"]))
        for phase in apres
    ]
    moves = pd.concat(parts, ignore_index=True)
    return moves.assign(_a=moves["gain"].abs()).sort_values("_a", ascending=False, kind="stable").drop(columns="_a").reset_index(drop=True)


@dataclass(frozen=True)
class Comparaison:
    """A month against the month before: the tables of both (by phase) and what moved."""

    periode: str
    precedente: str | None  # None: the first month of the observatory
    registre: pd.Series  # indicator -> label
    actuel: dict[int, reperes.Tables]
    avant: dict[int, reperes.Tables]  # empty in the first month
    millesimes: pd.DataFrame  # the data vintages of the month (``millesimes.millesimes``)
    millesimes_avant: pd.DataFrame  # and of the calendar month before (December 2018 too)
    revisions: dict[int, pd.DataFrame]  # ``mouvements`` by phase
    profils: dict[int, tuple[pd.DataFrame, pd.DataFrame]]  # ``profils_changes`` by phase: (moves, renames)
    rangs: pd.DataFrame | None  # ``rangs_bouges``; None in the first month
    reperes: pd.DataFrame  # the headline figures over twelve months (``reperes.serie_reperes``)

    def nouvelles(self, phase: int) -> pd.DataFrame:
        """``nouvelles_donnees`` of ``phase`` between the two months."""
        return nouvelles_donnees(self.avant[phase].long, self.actuel[phase].long)


def comparaison(periode: str) -> Comparaison:
    """The month ``periode`` against the month before, each read as of ``periode``."""
    precedente = previous_periode(periode)
    actuel = {phase: reperes.tables(phase, periode, periode) for phase in config.PHASES}
    avant = {phase: reperes.tables(phase, precedente, periode) for phase in config.PHASES} if precedente else {}
    profil = {phase: {name: t.profils.set_index("id_ti")["profil"] for name, t in (("avant", avant[phase]), ("actuel", actuel[phase]))}
              for phase in avant}
    return Comparaison(
        periode=periode,
        precedente=precedente,
        registre=read_indicators(1, periode, "registre").set_index("name")["label"],
        actuel=actuel,
        avant=avant,
        millesimes=millesimes.millesimes(periode),
        millesimes_avant=millesimes.millesimes(mois.decaler(periode, -1)),  # December 2018 too: what was new in January 2019
        revisions={phase: mouvements(avant[phase].long, actuel[phase].long) for phase in avant},
        profils={phase: profils_changes(p["avant"], p["actuel"]) for phase, p in profil.items()},
        rangs=rangs_bouges({p: t.wide for p, t in avant.items()}, {p: t.wide for p, t in actuel.items()}) if avant else None,
        reperes=reperes.serie_reperes(periode),
    )
