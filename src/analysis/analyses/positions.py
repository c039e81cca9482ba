"""Where a territory stands among the TI of its phase: ranks, comparison areas, stand-outs
(forces, faiblesses, traits) and the series and bars the figures draw. Tables in, tables out.

Ranks: among the TI of the phase with a value, 1 = the highest value (ties share the best
rank). A territory stands out on an indicator when it is in the top or bottom quartile of
the TI (the ``ceil(n/4)`` highest or lowest values) or when it is far from France (more than
``SEUIL_ECART`` standard deviations of the TI values). ``SENS``, from the registry
(``data/indicateurs.toml``: fields direction and forces_faiblesses), says which direction is
favourable: +1 higher is better, −1 lower is better (unemployment, poverty), 0 descriptive
(a trait, neither strength nor weakness: industrial share, house prices); indicators the
registry leaves out of the forces et faiblesses are levels or duplicates and are not used.
A stand-out is a force only when the territory is also on the favourable side of France (a
faiblesse, on the unfavourable side): for the shift-share effects, measured against France,
that is their sign. A stand-out whose quartile and France disagree is left out: the text
never calls a value worse than France a strength.

A trait (an indicator without favourable direction) is kept only when the territory is in the
top or bottom tenth of the TI (``DECILE``: the ``ceil(n/10)`` highest or lowest values): the
distance to France alone would make a trait of a value France's large cities pull away from
all TI (the apartment price at rank 55 of 168). Several versions of one measure (``FAMILLES``:
the growth of private employment over one year, since 2014, per year and by zone d'emploi)
give one stand-out, the most marked of the family.

Perimeter: a territory holding only part of the EPCI whose values it receives (the census and
Filosofi profile, DVF) gets values that describe mostly people outside it. Below
``SEUIL_COUVERTURE`` % (indicators ``couverture_epci*`` of ``areas.couverture``), its values of
that geographic basis are shown flagged but left out of the ranks, the forces et faiblesses
and the typology (``comparables``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.indicateurs.areas import COUVERTURES, ENSEMBLE_TI, FRANCE, REGION_PREFIX
from analysis.indicateurs.registry import INDICATORS, directions
from analysis.texte import comparer

_QUARTER = re.compile(r"^(\d{4})-T([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^\d{4}$")


def observation_dates(observations: pd.Series) -> pd.Series:
    """Published periods as dates: "2014" -> 2014-01-01, "2022-T2" -> 2022-04-01, "2020-01" -> 2020-01-01."""

    def one(p: str) -> pd.Timestamp:
        if m := _QUARTER.match(p):
            return pd.Timestamp(int(m[1]), 3 * int(m[2]) - 2, 1)
        if _MONTH.match(p) or _YEAR.match(p):
            return pd.Timestamp(p)
        raise ValueError(f"période non reconnue : {p!r}")

    return pd.Series([one(str(p)) for p in observations], index=observations.index, dtype="datetime64[ns]")


SEUIL_ECART = 1.0


# Indicators measured relative to France (0 for France by construction): no "far from France" test.
SANS_ECART_FRANCE = frozenset({"krugman_a5", "ss_effet_structurel_pct", "ss_effet_local_pct"})


QUARTILE = 0.25
DECILE = 0.10  # a trait: in the ceil(n/10) highest or lowest values of the TI


# Versions of one measure: at most one of each family is listed among the stand-outs.
FAMILLES: dict[str, tuple[str, ...]] = {
    "croissance de l'emploi salarié privé": (
        "emploi_prive_indice", "emploi_prive_croissance", "emploi_prive_tcam", "ss_variation_pct",
    ),
    "taux de chômage": ("taux_chomage", "taux_chomage_rp"),
}
FAMILLE: dict[str, str] = {i: f for f, members in FAMILLES.items() for i in members}


# Direction (+1 higher is better, −1 lower is better, 0 neither: a trait) of the indicators
# compared in the forces et faiblesses, from the registry (fields direction, forces_faiblesses).
SENS: dict[str, int] = directions()


STRUCTURE = {
    "part_industrie": "Industrie (recensement)",
    "part_industrie_hautetech": "Industrie de haute et moyenne-haute technologie (URSSAF)",
    "part_services_hautetech": "Services de haute technologie (URSSAF)",
}


EFFETS = {
    "ss_effet_national_pct": "Effet national",
    "ss_effet_structurel_pct": "Effet structurel",
    "ss_effet_local_pct": "Effet local",
    "ss_variation_pct": "Variation totale",
}


LECTURES = ("force", "faiblesse", "trait")


SEUIL_COUVERTURE = 50.0  # % of the population of its EPCI a territory must hold for their values to describe it


def hors_perimetre(wide: pd.DataFrame) -> pd.DataFrame:
    """Which values of the TI rows describe EPCI the territory mostly does not hold.

    Boolean table (index id_ti of the TI rows, one column per indicator of ``wide`` in the
    registry): True where the indicator's geographic basis is that of a coverage indicator
    (``areas.COUVERTURES``) whose value for the territory is below ``SEUIL_COUVERTURE``. The
    coverage indicators themselves are never flagged. Without coverage columns, nothing is.
    """
    rows = (wide["niveau"] == "ti").to_numpy()
    ids = pd.Index(wide["id_ti"].to_numpy()[rows], name="id_ti")
    indicators = [c for c in wide.columns if c in INDICATORS]
    flags = np.zeros((len(ids), len(indicators)), dtype=bool)
    for cover in COUVERTURES:
        if cover not in wide.columns:
            continue
        low = wide[cover].to_numpy(dtype="float64")[rows] < SEUIL_COUVERTURE
        basis = INDICATORS[cover].geographic_basis
        same = np.array([INDICATORS[i].geographic_basis == basis and i not in COUVERTURES for i in indicators])
        flags |= low[:, None] & same[None, :]
    return pd.DataFrame(flags, index=ids, columns=indicators)


def comparables(wide: pd.DataFrame) -> pd.DataFrame:
    """``wide`` with the values flagged by ``hors_perimetre`` set to missing (TI rows only):
    the table the ranks, the forces et faiblesses and the typology compare."""
    flags = hors_perimetre(wide)
    if not flags.to_numpy().any():
        return wide
    out = wide.copy()
    rows = np.flatnonzero((out["niveau"] == "ti").to_numpy())
    for column in flags.columns[flags.to_numpy().any(axis=0)]:
        values = out[column].to_numpy(dtype="float64", copy=True)
        values[rows[flags[column].to_numpy()]] = np.nan
        out[column] = values
    return out


def rangs(wide: pd.DataFrame, indicators: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """Rank of every TI on each indicator among the TI of the table (``niveau == "ti"``), the
    values flagged by ``hors_perimetre`` left out (no rank, not counted in n).

    Returns id_ti, indicator, value, rang (1 = highest, ties share the best rank; NA without
    value), n (TI with a value), haut / bas (in the top / bottom quartile: the ``ceil(n/4)``
    highest / lowest values).
    """
    ti = comparables(wide).loc[lambda d: d["niveau"] == "ti", ["id_ti", *indicators]]
    values = ti[list(indicators)].astype("float64")
    rang = values.rank(ascending=False, method="min")
    rang_bas = values.rank(ascending=True, method="min")
    n = values.count()
    k = np.ceil(n * QUARTILE)
    m = len(ti)

    def flat(frame: pd.DataFrame) -> np.ndarray:  # column after column, as melt
        return frame.to_numpy().ravel(order="F")

    return pd.DataFrame(
        {
            "id_ti": np.tile(ti["id_ti"].to_numpy(), len(indicators)),
            "indicator": np.repeat(list(indicators), m),
            "value": flat(values),
            "rang": pd.array(flat(rang), dtype="Float64").astype("Int64"),
            "n": np.repeat(n.to_numpy(dtype="int64"), m),
            "haut": flat(rang.le(k, axis=1)),
            "bas": flat(rang_bas.le(k, axis=1)),
        }
    )


def aires(wide: pd.DataFrame, id_ti: str) -> dict[str, str]:
    """The comparison areas of a territory: {'ti': id, 'region': 'REG-xx', 'france': 'FRANCE', 'ensemble_ti': ...}."""
    found = np.flatnonzero(wide["id_ti"].to_numpy() == id_ti)
    if not found.size:
        raise KeyError(f"territoire {id_ti!r} absent du tableau des indicateurs")
    region = wide["region"].to_numpy()[found[0]]
    return {"ti": id_ti, "region": REGION_PREFIX + str(region), "france": FRANCE, "ensemble_ti": ENSEMBLE_TI}


def _libelles(lib: pd.Series, niveau: pd.Series) -> pd.Series:
    """Legend labels: a région is written 'Région X' (a TI may bear its région's name, e.g. Mayotte)."""
    return lib.where(niveau != "region", "Région " + lib)


def comparaison(wide: pd.DataFrame, id_ti: str, indicators: list[str] | tuple[str, ...], niveaux=("ti", "region", "france")) -> pd.DataFrame:
    """Long values of the territory and its comparison areas: indicator, niveau, lib, value (ordered)."""
    ids = aires(wide, id_ti)
    position = pd.Index(wide["id_ti"]).get_indexer([ids[n] for n in niveaux])
    if (position < 0).any():
        raise KeyError(f"aires absentes du tableau des indicateurs : {[ids[n] for n, p in zip(niveaux, position) if p < 0]}")
    values = wide[list(indicators)].to_numpy(dtype="float64")[position]  # niveaux x indicators
    libs = _libelles(wide["lib"].iloc[position].reset_index(drop=True), pd.Series(list(niveaux))).to_numpy()
    return pd.DataFrame(
        {
            "indicator": np.repeat(list(indicators), len(niveaux)),
            "niveau": np.tile(list(niveaux), len(indicators)),
            "lib": np.tile(libs, len(indicators)),
            "value": values.ravel(order="F"),
        }
    )


def forces_faiblesses(
    wide: pd.DataFrame, id_ti: str, sens: dict[str, int] | None = None, seuil_ecart: float = SEUIL_ECART
) -> pd.DataFrame:
    """Indicators on which the territory stands out, with the direction interpreted.

    Returns indicator, value, france, rang, n, position ('haut' / 'bas'), critere
    ('quartile' and/or 'écart à la France'; 'décile' for a trait), lecture ('force', 'faiblesse'
    or 'trait'), intensite (distance of the rank to the median, in [0, 0.5]); one indicator per
    family (``FAMILLES``), the most marked; sorted by lecture then intensity. ``sens`` defaults
    to ``SENS``.
    """
    sens = SENS if sens is None else sens
    indicators = [i for i in sens if i in wide.columns]
    rk = rangs(wide, indicators)
    ti_values = rk.groupby("indicator")["value"]
    sd = ti_values.std()
    france = wide.loc[wide["id_ti"] == FRANCE, indicators].iloc[0].astype("float64") if (wide["id_ti"] == FRANCE).any() else pd.Series(float("nan"), index=indicators)
    me = rk.loc[(rk["id_ti"] == id_ti) & rk["value"].notna()].set_index("indicator")
    ecart = (me["value"] - france.reindex(me.index)) / sd.reindex(me.index)
    loin = (ecart.abs() > seuil_ecart) & ~me.index.isin(list(SANS_ECART_FRANCE))
    quart = me["haut"] | me["bas"]
    columns = ["indicator", "value", "france", "rang", "n", "position", "critere", "lecture", "intensite"]
    if not (quart | loin.fillna(False)).any():
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in {"value", "france", "intensite"} else "object") for c in columns})
    out = me.loc[quart | loin.fillna(False)].assign(
        france=france.reindex(me.index),
        ecart_france_sd=ecart,
    )
    position = pd.Series("haut", index=out.index).mask(out["bas"] | (~out["haut"] & (out["ecart_france_sd"] < 0)), "bas")
    critere = [
        " et ".join(c for c, ok in (("quartile", q), ("écart à la France", far)) if ok)
        for q, far in zip(quart.reindex(out.index), loin.reindex(out.index).fillna(False))
    ]
    direction = pd.Series({i: sens[i] for i in out.index}, dtype="int64").reindex(out.index)
    signe = position.map({"haut": 1, "bas": -1}) * direction
    lecture = signe.map({1: "force", -1: "faiblesse", 0: "trait"})
    # a force is also better than France, a faiblesse worse (the shift-share effects: their sign)
    # (as printed: two values that print the same are equal)
    vs_france = pd.Series(
        [0 if pd.isna(f) else comparer(v, f, INDICATORS[i].unit) for i, v, f in zip(out.index, out["value"], out["france"])],
        index=out.index,
    ) * direction
    agree = (direction == 0) | out["france"].isna() | (vs_france == signe)
    intensite = ((out["rang"].astype("float64") - 1) / (out["n"] - 1).where(out["n"] > 1) - 0.5).abs()
    # a trait: only in the top or bottom tenth of the TI
    k = np.ceil(out["n"] * DECILE)
    values = rk.loc[rk["indicator"].isin(out.index)].groupby("indicator")["value"]
    rang_bas = pd.Series({i: int((values.get_group(i) < out.at[i, "value"]).sum()) + 1 for i in out.index}, dtype="int64")
    dixieme = (out["rang"].astype("float64") <= k) | (rang_bas.reindex(out.index) <= k)
    trait = lecture == "trait"
    position = position.mask(trait, pd.Series("haut", index=out.index).where(out["rang"].astype("float64") <= k, "bas"))
    critere = pd.Series(critere, index=out.index).mask(trait, "décile")
    keep = agree & (~trait | dixieme)
    return (
        out.assign(position=position, critere=critere, lecture=lecture, intensite=intensite.fillna(0.0))
        .loc[keep]
        .reset_index()
        .sort_values("intensite", ascending=False, kind="stable")
        .assign(_famille=lambda d: d["indicator"].map(FAMILLE).fillna(d["indicator"]))
        .drop_duplicates("_famille")
        .assign(_ordre=lambda d: d["lecture"].map(LECTURES.index))
        .sort_values(["_ordre", "intensite"], ascending=[True, False], kind="stable")
        .reset_index(drop=True)[columns]
    )


def serie(long: pd.DataFrame, wide: pd.DataFrame, id_ti: str, indicator: str, niveaux=("ti", "region", "france")) -> pd.DataFrame:
    """Time series of an indicator for the territory and its comparison areas: lib, niveau, period, date, value."""
    ids = aires(wide, id_ti)
    wanted = {ids[n]: n for n in niveaux}
    out = long.loc[(long["indicator"] == indicator) & long["id_ti"].isin(list(wanted)), ["id_ti", "lib", "observation", "value"]]
    return (
        out.assign(niveau=out["id_ti"].map(wanted), date=observation_dates(out["observation"]))
        .assign(lib=lambda d: _libelles(d["lib"], d["niveau"]))
        .sort_values(["niveau", "observation"], key=lambda s: s.map(list(niveaux).index) if s.name == "niveau" else s)
        .reset_index(drop=True)[["lib", "niveau", "observation", "date", "value"]]
    )


def effets_shift_share(wide: pd.DataFrame, id_ti: str) -> pd.DataFrame:
    """Shift-share effects in % of 2019 employment for the territory, its région and all TI: effet, lib, value."""
    comp = comparaison(wide, id_ti, list(EFFETS), niveaux=("ti", "region", "ensemble_ti"))
    return comp.assign(effet=comp["indicator"].map(EFFETS))[["effet", "lib", "value"]]


def structure_sectorielle(wide: pd.DataFrame, id_ti: str) -> pd.DataFrame:
    """Industrial and high-tech shares (%) of the territory, its région and France: secteur, lib, value."""
    comp = comparaison(wide, id_ti, list(STRUCTURE))
    return comp.assign(secteur=comp["indicator"].map(STRUCTURE))[["secteur", "lib", "value"]]


def series_aires(long: pd.DataFrame, aires_: Mapping[str, str], indicator: str) -> pd.DataFrame:
    """Time series of an indicator for chosen areas ({id_ti: legend label}), in that order:
    lib, id_ti, period, date, value."""
    out = long.loc[(long["indicator"] == indicator) & long["id_ti"].isin(list(aires_)), ["id_ti", "observation", "value"]]
    order = {a: i for i, a in enumerate(aires_)}
    return (
        out.assign(lib=out["id_ti"].map(aires_), date=observation_dates(out["observation"]), _o=out["id_ti"].map(order))
        .sort_values(["_o", "observation"])
        .reset_index(drop=True)[["lib", "id_ti", "observation", "date", "value"]]
    )


def indices_groupes(long: pd.DataFrame, groupes: Mapping[str, Sequence[str]], indicator: str, base: str | None = None) -> pd.DataFrame:
    """Index (base 100 at period ``base``, default the first period) of the summed levels of each
    group of areas ({legend label: [id_ti, ...]}): lib, period, date, value. A group of one
    area gives that area's own index; periods where some member has no value are left out, and
    a group without value at ``base`` altogether."""
    frames = []
    for lib, ids in groupes.items():
        rows = long.loc[(long["indicator"] == indicator) & long["id_ti"].isin(list(ids))]
        complete = rows.groupby("observation")["id_ti"].nunique() == rows["id_ti"].nunique()
        total = rows.groupby("observation")["value"].sum().loc[complete]
        if total.empty or (base is not None and base not in total.index):
            continue
        start = total.loc[base] if base is not None else total.iloc[0]
        frames.append(pd.DataFrame({"lib": lib, "observation": total.index, "value": (100 * total / start).to_numpy()}))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"lib": [], "observation": [], "value": []})
    return out.assign(date=observation_dates(out["observation"]))[["lib", "observation", "date", "value"]]


def valeurs_groupes(wide: pd.DataFrame, colonnes: Mapping[str, Sequence[str]], indicators: Sequence[str]) -> pd.DataFrame:
    """One row per indicator (index), one column per label of ``colonnes``: the value of its area,
    or the unweighted mean of its areas' values when it names several (a profile's TI)."""
    table = wide.set_index("id_ti")
    return pd.DataFrame(
        {lib: table.loc[list(ids), list(indicators)].astype("float64").mean() for lib, ids in colonnes.items()}
    ).rename_axis("indicator")
def mouvements_rangs(avant: pd.DataFrame, apres: pd.DataFrame, indicators: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """Ranks among the TI that changed between two months' wide tables: id_ti, indicator,
    rang_avant, rang_apres, gain (places climbed, positive = better placed on the value scale,
    1 = highest), n (TI ranked now). A TI ranked in one month only is not a move."""
    keys = ["id_ti", "indicator"]
    before = rangs(avant, indicators)[[*keys, "rang"]].rename(columns={"rang": "rang_avant"})
    after = rangs(apres, indicators)[[*keys, "rang", "n"]].rename(columns={"rang": "rang_apres"})
    both = before.merge(after, on=keys).dropna(subset=["rang_avant", "rang_apres"])
    both = both.assign(gain=(both["rang_avant"] - both["rang_apres"]).astype("int64"))
    return (
        both.loc[both["gain"] != 0]
        .assign(_ampleur=lambda d: d["gain"].abs())
        .sort_values(["_ampleur", "id_ti", "indicator"], ascending=[False, True, True])
        .drop(columns="_ampleur")
        .reset_index(drop=True)[["id_ti", "indicator", "rang_avant", "rang_apres", "gain", "n"]]
    )
