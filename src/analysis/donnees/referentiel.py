"""Territorial referential: which groupements and communes make up each territoire d'industrie.

For a phase (1: 2019-2022, 2: 2023-2027) and a COG year, every member SIREN published by ANCT
is resolved to an EPCI, an EPT (Métropole du Grand Paris) or a single commune (Métropole
Aix-Marseille-Provence members are given by their commune SIREN), then expanded to its
communes. Members that do not resolve in the chosen COG year are reported by
``unresolved``; they are never silently dropped from the counts (``membres`` keeps them with
``kind = "non résolu"``).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass

import pandas as pd

from analysis.config import DEFAULT_COG, DEFAULT_COG_YEAR
from analysis.donnees.cache import derived
from analysis.donnees.loaders import geo, programmes

KINDS = ("EPCI", "EPT", "commune")
UNRESOLVED = "non résolu"


class UnknownTerritoryError(KeyError):
    """A territory id that does not exist in the phase."""

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return str(self.args[0])


@derived
def communes(cog: int = DEFAULT_COG_YEAR) -> pd.DataFrame:
    """All communes of France (metro + DROM) with their EPCI (NA for the few outside any EPCI)."""
    epci_of = geo.epci(cog)[["insee_com", "siren", "lib_groupement"]].rename(
        columns={"siren": "siren_epci", "lib_groupement": "lib_epci"}
    )
    return geo.communes(cog).merge(epci_of, on="insee_com", how="left", validate="one_to_one")


def _groupement_communes(cog: int) -> pd.DataFrame:
    """Every groupement a TI member can be: siren, kind, lib, insee_com."""
    epci = geo.epci(cog).assign(kind="EPCI")
    ept = geo.ept(cog).assign(kind="EPT")
    single = (
        geo.epci(cog)[["siren_com", "insee_com"]]
        .dropna()
        .merge(geo.communes(cog)[["insee_com", "lib_com"]], on="insee_com")
        .rename(columns={"siren_com": "siren", "lib_com": "lib_groupement"})
        .assign(kind="commune")
    )
    cols = ["siren", "kind", "lib_groupement", "insee_com"]
    return pd.concat([epci[cols], ept[cols], single[cols]], ignore_index=True)


@derived
def membres(phase: int, cog: int | None = None) -> pd.DataFrame:
    """One row per TI x member groupement: id_ti, lib_ti, siren, kind, lib_groupement, n_communes."""
    cog = cog or DEFAULT_COG[phase]
    published = programmes.ti_membres(phase)
    known = (
        _groupement_communes(cog)
        .groupby(["siren", "kind"], as_index=False)
        .agg(lib_cog=("lib_groupement", "first"), n_communes=("insee_com", "size"))
    )
    return (
        published.merge(known, on="siren", how="left", validate="many_to_one")
        .assign(
            kind=lambda d: d["kind"].fillna(UNRESOLVED),
            lib_groupement=lambda d: d["lib_cog"].fillna(d["lib_groupement"]),
            n_communes=lambda d: d["n_communes"].fillna(0).astype("int64"),
        )
        .drop(columns="lib_cog")
    )


def unresolved(phase: int, cog: int | None = None) -> pd.DataFrame:
    """Published members that do not exist in the COG year (e.g. EPCI merged since)."""
    return membres(phase, cog).loc[lambda d: d["kind"] == UNRESOLVED]


@derived
def communes_ti(phase: int, cog: int | None = None) -> pd.DataFrame:
    """One row per TI x commune: id_ti, siren (groupement), kind, insee_com, lib_com, population, ..."""
    cog = cog or DEFAULT_COG[phase]
    df = (
        membres(phase, cog)
        .loc[lambda d: d["kind"] != UNRESOLVED, ["id_ti", "siren", "kind"]]
        .merge(_groupement_communes(cog)[["siren", "kind", "insee_com"]], on=["siren", "kind"])
        .merge(communes(cog), on="insee_com", how="inner", validate="many_to_one")
    )
    twice = df.loc[df["insee_com"].duplicated(keep=False)]
    if not twice.empty:
        raise ValueError(f"communes rattachées à plusieurs TI en phase {phase}: {sorted(twice['insee_com'].unique())[:20]}")
    return df.reset_index(drop=True)


@derived
def territoires(phase: int, cog: int | None = None) -> pd.DataFrame:
    """The TI of a phase: id_ti, lib_ti, phase, region (most populated), lib_region, n_communes, population."""
    cog = cog or DEFAULT_COG[phase]
    names = programmes.ti_membres(phase)[["id_ti", "lib_ti"]].drop_duplicates("id_ti")
    com = communes_ti(phase, cog)
    by_region = com.groupby(["id_ti", "region"], as_index=False)["population"].sum()
    main_region = by_region.sort_values(["id_ti", "population"], ascending=[True, False]).drop_duplicates("id_ti")
    totals = com.groupby("id_ti", as_index=False).agg(n_communes=("insee_com", "size"), population=("population", "sum"))
    return (
        names.merge(main_region[["id_ti", "region"]], on="id_ti", how="left")
        .merge(geo.regions(cog).rename(columns={"code": "region", "nom": "lib_region"}), on="region", how="left")
        .merge(totals, on="id_ti", how="left")
        .assign(phase=phase, n_communes=lambda d: d["n_communes"].fillna(0).astype("int64"))
        .sort_values("id_ti")
        .reset_index(drop=True)
    )


def closest_ids(query: str, labels: dict[str, str], n: int = 5) -> list[str]:
    """Territory ids closest to ``query``: by shared id prefix, then similarity; a name match comes first."""
    q = query.casefold()

    def score(tid: str) -> tuple[bool, int, float]:
        prefix = len(os.path.commonprefix([tid, query]))
        return (q in labels[tid].casefold(), prefix, difflib.SequenceMatcher(None, tid, query).ratio())

    return sorted(labels, key=score, reverse=True)[:n]


def check_territoires(phase: int, ids: list[str], cog: int | None = None) -> list[str]:
    """Return ``ids`` without repeats (in their order) if they all exist in the phase; otherwise
    raise, listing the closest ids (an empty list is refused too: it names no territory)."""
    if not ids:
        raise UnknownTerritoryError(f"aucun territoire donné : un ou plusieurs identifiants de la phase {phase}, "
                                    "par exemple ti-2405")
    ids = list(dict.fromkeys(ids))
    known = territoires(phase, cog)
    labels = dict(zip(known["id_ti"], known["lib_ti"]))
    unknown = [i for i in ids if i not in labels]
    if unknown:
        hints = [
            f"{i!r} (les plus proches : {', '.join(f'{c} {labels[c]}' for c in closest_ids(i, labels))})" for i in unknown
        ]
        raise UnknownTerritoryError(f"territoire(s) inconnu(s) en phase {phase} : " + "; ".join(hints))
    return ids


@derived
def epci_couverture(phase: int, cog: int | None = None) -> pd.DataFrame:
    """Every EPCI of France with the share of its communes and population inside a TI of the phase.

    Some EPCI are only partly covered (e.g. the Métropole Aix-Marseille-Provence, whose TI
    members are single communes). ``id_ti`` is the TI holding most of the EPCI's covered
    population (NA when none).
    """
    cog = cog or DEFAULT_COG[phase]
    com = communes(cog).dropna(subset=["siren_epci"])
    in_ti = communes_ti(phase, cog)[["insee_com", "id_ti"]]
    flagged = com.merge(in_ti, on="insee_com", how="left").assign(
        pop_ti=lambda d: d["population"].where(d["id_ti"].notna(), 0)
    )
    main_ti = (
        flagged.dropna(subset=["id_ti"])
        .groupby(["siren_epci", "id_ti"], as_index=False)["pop_ti"]
        .sum()
        .sort_values(["siren_epci", "pop_ti"], ascending=[True, False])
        .drop_duplicates("siren_epci")[["siren_epci", "id_ti"]]
    )
    return (
        flagged.groupby(["siren_epci", "lib_epci"], as_index=False)
        .agg(
            departement=("departement", lambda s: s.mode().iloc[0]),
            region=("region", lambda s: s.mode().iloc[0]),
            n_communes=("insee_com", "size"),
            n_communes_ti=("id_ti", "count"),
            population=("population", "sum"),
            population_ti=("pop_ti", "sum"),
        )
        .merge(main_ti, on="siren_epci", how="left")
        .assign(
            part_communes_ti=lambda d: d["n_communes_ti"] / d["n_communes"],
            part_population_ti=lambda d: (d["population_ti"] / d["population"]).astype("float64"),
        )
    )


@derived
def villes_programmes(phase: int, cog: int | None = None) -> pd.DataFrame:
    """ACV (current list, ACV 2, 2018 list) and PVD towns with the TI of the phase holding them."""
    cog = cog or DEFAULT_COG[phase]
    lists = {"ACV": programmes.acv(), "ACV 2": programmes.acv2(), "ACV 2018": programmes.acv_2018(), "PVD": programmes.pvd()}
    towns = pd.concat([df.assign(programme=name) for name, df in lists.items()], ignore_index=True)
    return (
        towns.merge(communes(cog)[["insee_com", "lib_com", "departement", "region"]], on="insee_com", how="left")
        .merge(communes_ti(phase, cog)[["insee_com", "id_ti"]], on="insee_com", how="left")
        .assign(commune_cog=lambda d: d["lib_com"].notna())
    )[["programme", "id_programme", "lib_programme", "insee_com", "lib_com", "departement", "region", "id_ti", "commune_cog"]]


@dataclass(frozen=True)
class Territoire:
    """A territory's row in the referential, its member groupements and its communes (with lib_region)."""

    ligne: pd.Series
    membres: pd.DataFrame
    communes: pd.DataFrame
    cog: int


def territoire(phase: int, id_ti: str, cog: int | None = None) -> Territoire:
    """The referential rows of one territory (checked: an unknown id raises with the closest ids)."""
    cog = cog or DEFAULT_COG[phase]
    check_territoires(phase, [id_ti], cog)
    terr = territoires(phase, cog)
    regions = geo.regions(cog).rename(columns={"code": "region", "nom": "lib_region"})
    communes = communes_ti(phase, cog).loc[lambda d: d["id_ti"] == id_ti].merge(regions, on="region", how="left")
    return Territoire(
        ligne=terr.loc[terr["id_ti"] == id_ti].iloc[0],
        membres=membres(phase, cog).loc[lambda d: d["id_ti"] == id_ti],
        communes=communes,
        cog=cog,
    )


def epci_territoire(phase: int, id_ti: str, cog: int | None = None) -> pd.DataFrame:
    """EPCI holding communes of the territory, with the share of their population inside it."""
    cog = cog or DEFAULT_COG[phase]
    inside = communes_ti(phase, cog).loc[lambda d: d["id_ti"] == id_ti, "insee_com"]
    com = communes(cog)
    members = com.loc[com["siren_epci"].isin(com.loc[com["insee_com"].isin(inside), "siren_epci"].dropna())]
    members = members.assign(
        in_ti=members["insee_com"].isin(inside),
        pop=members["population"].fillna(0).astype("int64"),
    ).assign(pop_ti=lambda d: d["pop"].where(d["in_ti"], 0))
    out = members.groupby(["siren_epci", "lib_epci"], as_index=False).agg(
        n_communes=("insee_com", "size"), n_communes_ti=("in_ti", "sum"), population=("pop", "sum"), population_ti=("pop_ti", "sum")
    )
    return out.assign(part_population_ti=out["population_ti"] / out["population"].where(out["population"] > 0))[
        ["siren_epci", "lib_epci", "n_communes", "n_communes_ti", "part_population_ti"]
    ]
