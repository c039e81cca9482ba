"""Shift-share (Bartik) predicted employment: the path each unit's employment would follow if
every sector of its economy grew as it did nationally.

For a unit with sector shares s_g (measured once, before the programme) and national employment
E_g(t) of each sector group g, the predicted index is Σ_g s_g E_g(t) / E_g(base) (shares
rescaled to sum to 1; 1 in ``base``). Used as an offset, the outcome log(y) − log(predicted)
takes out of the employment path what the national sector trends predict from the sector mix:
a difference-in-differences on it compares the units' employment net of their sector exposure,
with the exposure's coefficient set to one (unlike conditioning on the shares, which lets each
year's shock take any size in proportion to them).
"""

from __future__ import annotations

import pandas as pd


def chemin_predit(parts: pd.DataFrame, national: pd.DataFrame, base: int) -> pd.DataFrame:
    """Predicted employment index of each unit (rows of ``parts``: one column per sector group,
    shares in any unit) from the national employment of the same groups (``national``: years x
    the same columns): units x years, 1 in ``base``. Units with a missing share are left out."""
    missing = set(parts.columns) ^ set(national.columns)
    if missing:
        raise ValueError(f"groupes de secteurs différents entre les parts et la série nationale : {sorted(missing)}")
    if base not in national.index:
        raise ValueError(f"année de base absente de la série nationale : {base} (années {national.index.min()}-{national.index.max()})")
    parts = parts.dropna()
    weights = parts.div(parts.sum(axis=1), axis=0)
    growth = national[parts.columns].div(national.loc[base, parts.columns])
    return weights @ growth.T


def net_de_prediction(panel: pd.DataFrame, predit: pd.DataFrame, *, unit: str = "siren_epci", time: str = "year",
                      outcome: str = "emploi", nom: str = "emploi_net") -> pd.DataFrame:
    """``panel`` restricted to the units and years of ``predit`` (``chemin_predit``), with ``nom`` =
    ``outcome`` / predicted index: its log is log(outcome) − log(predicted)."""
    long = predit.rename_axis(index=unit, columns=time).stack().rename("_predit").reset_index()
    long[time] = long[time].astype(panel[time].dtype)
    out = panel.merge(long, on=[unit, time], how="inner", validate="one_to_one")
    return out.assign(**{nom: out[outcome] / out["_predit"]}).drop(columns="_predit")
