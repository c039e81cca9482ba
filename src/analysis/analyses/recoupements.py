"""Overlap of the TI with the town programmes (Action cœur de ville, Petites villes de demain).
"""

from __future__ import annotations

import pandas as pd

from analysis.config import DEFAULT_COG_YEAR
from analysis.donnees import referentiel
from analysis.donnees.loaders import geo, programmes

ACV_LISTES = {
    "ACV 2018": ("ACV 2018", 1, "liste de 2018, TI de la phase 1"),
    "ACV": ("ACV", 2, "liste actuelle, TI de la phase 2"),
}


def recoupement_acv(villes: pd.DataFrame, regions: pd.DataFrame, programme: str, label: str | None = None) -> pd.DataFrame:
    """Towns of ``programme`` inside a TI, by région and for France (``region == "FR"``):
    region, lib_region, programme (``label`` if given), n_villes, n_dans_ti, part_dans_ti (%).
    ``villes``: ``referentiel.villes_programmes`` of a phase; ``regions``: ``geo.regions`` (code, nom)."""
    sub = villes.loc[villes["programme"] == programme].assign(dans_ti=lambda d: d["id_ti"].notna())
    agg = {"n_villes": ("insee_com", "size"), "n_dans_ti": ("dans_ti", "sum")}
    by_region = sub.groupby("region", as_index=False).agg(**agg)
    france = pd.DataFrame([{"region": "FR", "n_villes": len(sub), "n_dans_ti": int(sub["dans_ti"].sum())}])
    names = pd.concat([regions.rename(columns={"code": "region", "nom": "lib_region"}), pd.DataFrame({"region": ["FR"], "lib_region": ["France"]})])
    return (
        pd.concat([by_region, france], ignore_index=True)
        .merge(names, on="region", how="left")
        .assign(programme=label or programme, part_dans_ti=lambda d: 100 * d["n_dans_ti"] / d["n_villes"])
        [["region", "lib_region", "programme", "n_villes", "n_dans_ti", "part_dans_ti"]]
    )


def recoupement_acv_phases(cog: int = DEFAULT_COG_YEAR) -> pd.DataFrame:
    """``recoupement_acv`` for the 2018 ACV list against phase-1 TI and the current list against
    phase-2 TI, stacked (programme = the French label of ``ACV_LISTES``)."""
    regions = geo.regions(cog)
    return pd.concat(
        [recoupement_acv(referentiel.villes_programmes(phase, cog), regions, prog, label) for prog, phase, label in ACV_LISTES.values()],
        ignore_index=True,
    )


PROGRAMMES_VILLES = {"ACV": "Action cœur de ville (liste actuelle)", "ACV 2018": "Action cœur de ville (liste de 2018)",
                     "ACV 2": "Action cœur de ville 2", "PVD": "Petites villes de demain"}


def programmes_territoire(villes: pd.DataFrame, id_ti: str) -> pd.DataFrame:
    """Towns of the territory in each town programme: programme (French name), n, communes
    (comma-joined, alphabetical). ``villes``: ``referentiel.villes_programmes`` of its phase."""
    own = villes.loc[villes["id_ti"] == id_ti]
    rows = [
        {"programme": label, "n": int((own["programme"] == code).sum()),
         "communes": ", ".join(sorted(own.loc[own["programme"] == code, "lib_com"].dropna().unique()))}
        for code, label in PROGRAMMES_VILLES.items()
    ]
    return pd.DataFrame(rows)


def signatures_territoire(villes: pd.DataFrame, id_ti: str, acv_dates: pd.DataFrame, pvd: pd.DataFrame) -> pd.DataFrame:
    """The territory's communes in Action cœur de ville (current list) and Petites villes de
    demain with the signature date of their programme's convention: programme (French name),
    lib_programme, lib_com, date_signature (ISO date, <NA> when not published), by programme then
    date. ``villes``: ``referentiel.villes_programmes`` of its phase; ``acv_dates``:
    ``programmes.acv_signatures``; ``pvd``: ``programmes.pvd`` (its dates)."""
    own = villes.loc[(villes["id_ti"] == id_ti) & villes["programme"].isin(["ACV", "PVD"])]
    dates = pd.concat([acv_dates.assign(programme="ACV"),
                       pvd[["id_programme", "date_signature"]].drop_duplicates("id_programme").assign(programme="PVD")])
    out = own.merge(dates, on=["programme", "id_programme"], how="left")
    return (
        out.assign(programme=out["programme"].map(PROGRAMMES_VILLES))
        .sort_values(["programme", "date_signature", "lib_com"], na_position="last")[
            ["programme", "lib_programme", "lib_com", "date_signature"]]
        .reset_index(drop=True)
    )


def signatures(villes: pd.DataFrame, id_ti: str) -> pd.DataFrame:
    """``signatures_territoire`` with the declared lists."""
    return signatures_territoire(villes, id_ti, programmes.acv_signatures(), programmes.pvd())
