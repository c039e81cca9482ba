"""What changed since the previous month: new data, indicators that moved, profiles that changed.

The previous period is the latest earlier folder of ``outputs/`` whose indicator tables are
complete (``indicateurs.build.previous_periode``). It is only read, never written.
"""

from __future__ import annotations

import pandas as pd

# An indicator "moved" when its value for the same territory and period changed by more than
# this many percent (relative), or appeared/disappeared.
SEUIL_PCT = 1.0


def nouvelles_donnees(avant: pd.DataFrame, apres: pd.DataFrame) -> pd.DataFrame:
    """Per indicator, the periods present now that were absent before (new data published)."""
    def periods(df: pd.DataFrame) -> pd.Series:
        return df.groupby("indicator")["period"].agg(lambda s: set(s.unique()))

    before, after = periods(avant), periods(apres)
    rows = [
        {"indicator": ind, "nouvelles_periodes": sorted(now - before.get(ind, set()))}
        for ind, now in after.items()
        if now - before.get(ind, set())
    ]
    return pd.DataFrame(rows, columns=["indicator", "nouvelles_periodes"])


def mouvements(avant: pd.DataFrame, apres: pd.DataFrame, seuil_pct: float = SEUIL_PCT) -> pd.DataFrame:
    """Values of the same (territory, indicator, period) that changed by more than ``seuil_pct`` %.

    Revisions of already published periods show here (e.g. URSSAF revising a year).
    """
    keys = ["id_ti", "indicator", "period"]
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
