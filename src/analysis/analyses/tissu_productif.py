"""The productive fabric of a territory: its private employment by A38 sector, the change of
each sector since 2019, its specialisation against France and the shift-share effects sector
by sector. Tables in, tables out; the monographs use it, and the fiches can for their
industrial section.

The sector table and the weights are those of the shift-share indicators
(``indicateurs.build.entrees_emploi`` and ``poids_secteurs``), so that the sector figures add
up to the territory's indicators. Without the national URSSAF commune × APE file, URSSAF
gives sectors only by zone d'emploi (``urssaf-emploi/exdeco_pivot_urssaf_a38``) and a
territory receives each zone's jobs in proportion to its share of the zone's 2019 private
employment (``shiftshare.ze_weights``, ``shiftshare.attribute``): its sector figures are then
an *estimate* (``TissuProductif.estimation``), exact only for a union of whole zones
d'emploi. A zone where the territory holds 40 % of the jobs gives it 40 % of each of its
sectors, whatever the sectors of the communes actually in it. With the national file, they
are the sums of its communes. Cells the source leaves empty (secret or no establishment)
count as zero, as in the shift-share.

On 2026-11 (fallback) for Est du Loiret (ti-2404, phase 2): 42,531 estimated jobs in 2024 from
the zones d'emploi of Montargis and Gien (weights 1.00 and 0.81); summed over sectors the
attributed effects equal the territory's shift-share indicators (``ss_effet_*``) exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.config import DEFAULT_COG
from analysis.donnees.cache import cached
from analysis.donnees.loaders import economie
from analysis.indicateurs import areas, emploi_communal, shiftshare
from analysis.indicateurs.areas import FRANCE
from analysis.indicateurs.build import entrees_emploi, poids_secteurs

INDUSTRIE_A5 = "BE"  # A5 "industry": extraction, manufacturing, energy, water and waste
HAUTE_TECHNOLOGIE = {**dict.fromkeys(shiftshare.HIGH_TECH_INDUSTRY, "industrie"), **dict.fromkeys(shiftshare.HIGH_TECH_SERVICES, "services")}
EFFETS = ("effet_national", "effet_structurel", "effet_local")


def libelles(a38: pd.DataFrame) -> pd.DataFrame:
    """The A38 sectors' French short labels and A5 group (index a38: lib, a5), from
    ``economie.urssaf_ze_a38``."""
    return a38.drop_duplicates("a38").set_index("a38")[["lib", "a5"]]


def emploi_secteurs(a38: pd.DataFrame, weights: pd.DataFrame, ids: list[str], labels: pd.DataFrame) -> pd.DataFrame:
    """Private employment of the areas ``ids`` by A38 sector and year.

    ``a38``: code_ze, a38, year, eff (``build.entrees_emploi``); ``weights``: its weights
    (``build.poids_secteurs``) for a membership holding the areas; ``labels``: ``libelles``.
    Returns id_ti, a38, lib, a5, year, emploi (Σ over zones of poids × eff, blanks as zero).
    """
    cells = a38.assign(eff=a38["eff"].fillna(0.0), colonne=a38["a38"] + "|" + a38["year"].astype(str))
    by_ze = cells.pivot_table(index="code_ze", columns="colonne", values="eff", aggfunc="sum", fill_value=0.0).reset_index()
    columns = [c for c in by_ze.columns if c != "code_ze"]
    attributed = shiftshare.attribute(weights.loc[weights["id_ti"].isin(ids)], by_ze, columns)
    long = attributed.melt(id_vars="id_ti", var_name="colonne", value_name="emploi")
    if long.empty:  # no zone d'emploi (a territory outside the zoning, Mayotte)
        return pd.DataFrame(columns=["id_ti", "a38", "lib", "a5", "year", "emploi"])
    keys = long["colonne"].str.split("|", expand=True)
    return (
        long.assign(a38=keys[0], year=keys[1].astype("int64"))
        .join(labels, on="a38")
        .sort_values(["id_ti", "a38", "year"], ignore_index=True)[["id_ti", "a38", "lib", "a5", "year", "emploi"]]
    )


def tableau_secteurs(emploi: pd.DataFrame, id_ti: str, debut: int, fin: int, reference: str = FRANCE) -> pd.DataFrame:
    """One row per A38 sector of the territory, the largest in ``fin`` first.

    Columns: a38, lib, a5, emploi_debut, emploi_fin, variation (jobs), variation_pct (% of
    ``debut``; NA without jobs then), variation_pct_reference (the same for ``reference``),
    part (% of the territory's jobs in ``fin``),
    part_reference (same for ``reference``, France by default), specificite (part /
    part_reference: above 1 the sector weighs more than in the reference), haute_technologie
    ("industrie", "services" or "").
    """

    def level(area: str, year: int) -> pd.Series:
        rows = emploi.loc[(emploi["id_ti"] == area) & (emploi["year"] == year)]
        return rows.set_index("a38")["emploi"]

    start, end, ref, ref_start = level(id_ti, debut), level(id_ti, fin), level(reference, fin), level(reference, debut)
    labels = emploi.drop_duplicates("a38").set_index("a38")[["lib", "a5"]]
    out = labels.assign(emploi_debut=start, emploi_fin=end).fillna({"emploi_debut": 0.0, "emploi_fin": 0.0})
    part = 100 * out["emploi_fin"] / out["emploi_fin"].sum()
    part_ref = 100 * ref.reindex(out.index).fillna(0.0) / ref.sum()
    return (
        out.assign(
            variation=out["emploi_fin"] - out["emploi_debut"],
            variation_pct=100 * (out["emploi_fin"] / out["emploi_debut"].where(out["emploi_debut"] > 0) - 1),
            variation_pct_reference=100 * (ref.reindex(out.index) / ref_start.reindex(out.index).where(ref_start > 0) - 1),
            part=part,
            part_reference=part_ref,
            specificite=part / part_ref.where(part_ref > 0),
            haute_technologie=[HAUTE_TECHNOLOGIE.get(s, "") for s in out.index],
        )
        .rename_axis("a38")
        .reset_index()
        .sort_values(["emploi_fin", "a38"], ascending=[False, True], ignore_index=True)
    )


def effets_secteurs(a38: pd.DataFrame, weights: pd.DataFrame, id_ti: str, debut: int, fin: int, labels: pd.DataFrame) -> pd.DataFrame:
    """The shift-share effects of the territory sector by sector (jobs, ``debut`` → ``fin``).

    Each zone × sector cell's effects (``shiftshare.shift_share_cellules``) are attributed with
    the zone weights; summed over sectors they give the territory's ``ss_effet_*`` indicators.
    ``labels``: ``libelles``.
    Returns a38, lib, a5, variation, effet_national, effet_structurel, effet_local, ordered by
    local effect (the largest gain first).
    """
    cells = shiftshare.shift_share_cellules(a38, debut, fin).assign(variation=lambda d: d["e1"] - d["e0"])
    values = ["variation", *EFFETS]
    by_ze = cells.pivot_table(index="code_ze", columns="a38", values=values, aggfunc="sum", fill_value=0.0)
    by_ze.columns = [f"{a}|{v}" for v, a in by_ze.columns]
    by_ze = by_ze.reset_index()
    columns = [c for c in by_ze.columns if c != "code_ze"]
    attributed = shiftshare.attribute(weights.loc[weights["id_ti"] == id_ti], by_ze, columns)
    long = attributed.melt(id_vars="id_ti", var_name="colonne", value_name="value")
    if long.empty:  # no zone d'emploi (a territory outside the zoning, Mayotte)
        return pd.DataFrame(columns=["a38", "lib", "a5", *values])
    keys = long["colonne"].str.split("|", expand=True)
    return (
        long.assign(a38=keys[0], effet=keys[1])
        .pivot(index="a38", columns="effet", values="value")[values]
        .join(labels)
        .rename_axis(columns=None)
        .reset_index()
        .sort_values(["effet_local", "a38"], ascending=[False, True], ignore_index=True)[["a38", "lib", "a5", *values]]
    )


@dataclass(frozen=True)
class TissuProductif:
    """The productive fabric of one territory.

    ``secteurs``: ``tableau_secteurs`` against France; ``effets``: ``effets_secteurs``; ``estimation``: True when the
    sectors are attributed by zone d'emploi (no national commune × APE file); ``poids``: then
    the zones d'emploi and the territory's weight in each (code_ze, lib_ze, poids, emploi_area).
    """

    id_ti: str
    debut: int
    fin: int
    secteurs: pd.DataFrame
    effets: pd.DataFrame
    estimation: bool
    poids: pd.DataFrame


@cached
def _inputs(phase: int, periode: str) -> tuple[pd.DataFrame, pd.DataFrame, str, pd.DataFrame, pd.DataFrame]:
    """The sector table, its weights for the areas of the phase, their source, the sector labels
    and the commune -> zone d'emploi table, as the indicators of the phase use them."""
    serie, a38, source = entrees_emploi(periode, DEFAULT_COG[phase])
    communes_ze = economie.communes_ze()
    weights = poids_secteurs(areas.membership(phase), serie, communes_ze, source)
    return a38, weights, source, libelles(economie.urssaf_ze_a38(periode)), communes_ze


def tissu_territoire(phase: int, periode: str, id_ti: str) -> TissuProductif:
    """``TissuProductif`` of ``id_ti`` with the data published by ``periode``: sectors between 2019 (``shiftshare.START_YEAR``) and the
    latest year of the sector table."""
    a38, weights, source, labels, communes_ze = _inputs(phase, periode)
    debut, fin = shiftshare.START_YEAR, int(a38["year"].max())
    emploi = emploi_secteurs(a38, weights, [id_ti, FRANCE], labels)
    estimation = source == emploi_communal.SOURCE_REPLI
    zones = communes_ze.drop_duplicates("code_ze").set_index("code_ze")["lib_ze"]
    poids = (
        weights.loc[weights["id_ti"] == id_ti, ["code_ze", "poids", "emploi_area"]]
        .assign(lib_ze=lambda d: d["code_ze"].map(zones))
        .sort_values("emploi_area", ascending=False, ignore_index=True)[["code_ze", "lib_ze", "poids", "emploi_area"]]
        if estimation
        else pd.DataFrame(columns=["code_ze", "lib_ze", "poids", "emploi_area"])
    )
    return TissuProductif(
        id_ti=id_ti,
        debut=debut,
        fin=fin,
        secteurs=tableau_secteurs(emploi, id_ti, debut, fin),
        effets=effets_secteurs(a38, weights, id_ti, debut, fin, labels),
        estimation=estimation,
        poids=poids,
    )


def emploi_territoires(phase: int, periode: str) -> tuple[pd.DataFrame, str]:
    """``emploi_secteurs`` of every TI of ``phase`` and of France at once (the fiches' industrial
    sections: one pass for all territories), and the source of the sector table
    (``emploi_communal.SOURCE_REPLI``: estimated from the zones d'emploi)."""
    a38, weights, source, labels, _ = _inputs(phase, periode)
    ids = [*weights.loc[weights["id_ti"].str.startswith("ti-"), "id_ti"].unique(), FRANCE]
    return emploi_secteurs(a38, weights, ids, labels), source


def annees(emploi: pd.DataFrame) -> tuple[int, int | None]:
    """The first year of the sector changes (``shiftshare.START_YEAR``, 2019) and the latest
    year of ``emploi``, as ``tissu_territoire`` takes them; None before any sector is published
    (mid-2020: ``emploi`` is then empty)."""
    return shiftshare.START_YEAR, int(emploi["year"].max()) if len(emploi) else None


def parts_industrie(secteurs: pd.DataFrame) -> dict[str, float]:
    """Shares (%) of industry (A5 ``BE``), high-tech industry and high-tech services in the
    territory's estimated jobs of the last year, and the same for the reference."""
    def share(mask: pd.Series, column: str) -> float:
        return float(secteurs.loc[mask, column].sum())

    industry = secteurs["a5"] == INDUSTRIE_A5
    ht_ind = secteurs["haute_technologie"] == "industrie"
    ht_serv = secteurs["haute_technologie"] == "services"
    return {
        "industrie": share(industry, "part"),
        "industrie_reference": share(industry, "part_reference"),
        "industrie_hautetech": share(ht_ind, "part"),
        "industrie_hautetech_reference": share(ht_ind, "part_reference"),
        "services_hautetech": share(ht_serv, "part"),
        "services_hautetech_reference": share(ht_serv, "part_reference"),
    }
