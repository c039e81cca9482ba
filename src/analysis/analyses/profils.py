"""The typology of the TI of a phase (profiles from the period's indicator table), its inputs
(density, indicators), the members of each profile and a territory's position in it.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from analysis import mois
from analysis.analyses.positions import comparables, hors_perimetre
from analysis.analyses.typologie import MOTS, Roles, TypologyResult, cluster_territories, mots_du_nom
from analysis.donnees import referentiel
from analysis.donnees.cache import cached, stored
from analysis.donnees.loaders import programmes
from analysis.fichiers import file_sha256
from analysis.indicateurs import build
from analysis.indicateurs.build import read_indicators
from analysis.indicateurs.registry import INDICATORS, typology_indicators
from analysis.texte import nombre, valeur

MAX_MISSING = 1 / 3  # share of missing indicators above which a TI is left out of the typology


EQUAL_AREA_CRS = 6933  # WGS 84 / NSIDC EASE-Grid 2.0 Global: areas of metro and DROM alike


DENSITE = "densite"


DENSITE_LABEL = "Densité de population (log10 des hab./km²)"
DENSITE_LIBELLE_COURT = "Densité de population"


# The registry's typology indicators (field typology), then the density: computed here, for the
# TI only, from the areas of their ANCT outlines, it is not an indicator of the registry.
TYPOLOGY_INDICATORS = (*typology_indicators(), DENSITE)


ROLES = Roles(
    industrie=("part_industrie", "part_ouvriers"),
    dynamisme=("emploi_prive_tcam", "ss_effet_local_pct"),
    difficulte=("taux_chomage_rp", "taux_pauvrete", "-revenu_median"),
    densite=(DENSITE, "croissance_population"),
    preuves={
        "industrie": ("part_industrie",),
        "dynamisme": ("emploi_prive_tcam",),
        "difficulte": ("taux_chomage_rp", "taux_pauvrete"),
        "densite": (DENSITE,),
    },
)


# Short French labels of the typology indicators, for figures.
LIBELLES_COURTS = {name: INDICATORS[name].short_label for name in typology_indicators()} | {DENSITE: DENSITE_LIBELLE_COURT}


def indicator_labels() -> dict[str, str]:
    """French label of every registry indicator and of the density used by the typology."""
    return {name: ind.label for name, ind in INDICATORS.items()} | {DENSITE: DENSITE_LABEL}


@cached
def densite(phase: int, cog: int | None = None) -> pd.Series:
    """log10 of inhabitants per km² of each TI (population of its communes over the area of the
    outline published by ANCT); NA where the outline is not a surface (points)."""
    outlines = programmes.ti_geometries(phase)
    surface = outlines.geom_type.isin(["Polygon", "MultiPolygon", "GeometryCollection"])
    area = (
        pd.Series(outlines.to_crs(EQUAL_AREA_CRS).area.to_numpy() / 1e6, index=outlines["id_ti"].to_numpy())
        .where(surface.to_numpy())
        .groupby(level=0)
        .sum(min_count=1)
    )
    pop = referentiel.territoires(phase, cog).set_index("id_ti")["population"].astype("float64")
    area = area.reindex(pop.index)
    return np.log10(pop / area.where(area > 0)).rename(DENSITE).rename_axis("id_ti")


def typology_input(wide: pd.DataFrame, density: pd.Series, max_missing: float = MAX_MISSING) -> pd.DataFrame:
    """The typology's input: one row per TI (index id_ti), the ``TYPOLOGY_INDICATORS`` columns.

    Values of EPCI a territory mostly does not hold are left out (``positions.comparables``);
    TI missing more than ``max_missing`` of the indicators are left out (the overseas TI: the
    census EPCI profile covers metropolitan France only; the territories holding a small part
    of their EPCI); see ``exclus_typologie``. An indicator not yet published for any TI (an
    early month, see ``non_publies``) is left out.
    """
    ti = comparables(wide).loc[lambda d: d["niveau"] == "ti"].set_index("id_ti")
    cols = [c for c in TYPOLOGY_INDICATORS if c != DENSITE]
    table = ti[cols].astype("float64").join(density.astype("float64"))[list(TYPOLOGY_INDICATORS)].sort_index()
    table = table.drop(columns=non_publies(wide))
    return table.loc[table.isna().mean(axis=1) <= max_missing]


def non_publies(wide: pd.DataFrame) -> list[str]:
    """Typology indicators not yet published in the month of ``wide`` (left out of the typology)."""
    return build.non_publies(wide, [c for c in TYPOLOGY_INDICATORS if c != DENSITE])


def exclus_typologie(wide: pd.DataFrame, result: TypologyResult) -> pd.DataFrame:
    """TI of the wide table left out of the typology: id_ti, lib, raison ("périmètre" when their
    EPCI values are flagged by ``positions.hors_perimetre``, else "données manquantes": the
    census EPCI profile has no value for the overseas TI)."""
    ti = wide.loc[wide["niveau"] == "ti", ["id_ti", "lib"]]
    out = ti.loc[~ti["id_ti"].isin(result.labels.index)].sort_values("id_ti", ignore_index=True)
    flagged = hors_perimetre(wide).any(axis=1)
    return out.assign(raison=["périmètre" if flagged.get(i, False) else "données manquantes" for i in out["id_ti"]])


def imputes(result: TypologyResult, phase: int) -> pd.DataFrame:
    """The cells of the typology's input replaced by the median: indicator, id_ti, lib_ti."""
    missing = result.raw.isna().rename_axis(index="id_ti", columns="indicator").stack()
    cells = missing[missing].reset_index()[["indicator", "id_ti"]]
    names = referentiel.territoires(phase)[["id_ti", "lib_ti"]]
    return cells.merge(names, on="id_ti", how="left").sort_values(["indicator", "lib_ti"], ignore_index=True)


@cached
def typologie_du_mois(phase: int, periode: str) -> TypologyResult:
    """Typology of the TI of ``phase`` from the period's written indicator table (fixed seed).

    Computed once for that exact table and stored (``cache.stored``): the run, the synthesis,
    the monographs and the changes page read the same result."""
    return _typologie_du_mois(phase, periode, file_sha256(mois.table_files(phase, periode)["wide"]))


@stored
def _typologie_du_mois(phase: int, periode: str, wide_sha256: str) -> TypologyResult:
    """``typologie_du_mois`` of the indicator table whose sha256 is ``wide_sha256`` (the key of the stored result)."""
    wide = read_indicators(phase, periode, "wide")
    return cluster_territories(typology_input(wide, densite(phase)), roles=ROLES, indicator_labels=indicator_labels())


def appartenance(phase: int, wide: pd.DataFrame) -> pd.DataFrame:
    """The profile of each TI in the typology of a month's ``wide`` table, without the bootstrap
    of its stability (which changes no profile): id_ti, cluster, profil. What a month's tables
    keep of the typology (``execution.historique``), for the changes of profile and the number
    of TI per profile month after month."""
    result = cluster_territories(typology_input(wide, densite(phase)), roles=ROLES, indicator_labels=indicator_labels(), n_boot=0)
    return result.membership()[["cluster", "profil"]].rename_axis("id_ti").reset_index()


def membres_profils(result: TypologyResult, phase: int) -> pd.DataFrame:
    """One row per TI: id_ti, lib_ti, lib_region, cluster, profil, distance_centre."""
    names = referentiel.territoires(phase)[["id_ti", "lib_ti", "lib_region"]]
    return names.merge(result.membership().rename_axis("id_ti").reset_index(), on="id_ti", how="inner")


def mots_contredits(result: TypologyResult, id_ti: str, roles: Roles = ROLES) -> list[tuple[str, str, float, float]]:
    """The words of a territory's profile name that its own values do not bear out: a name is
    true of its profile's mean (``typologie.verifies``), not of every member (Pays de Lorient –
    Quimperlé, 16,1 % of industry, in « urbain peu industriel » while the phase median is 15,3 %).
    One (word, proof indicator, the territory's value, median of the classified territories) per
    proof indicator on the wrong side of the median (for a word above it: every proof at or below)."""
    raw = result.raw.astype("float64")
    median = raw.median()
    out = []
    for dim, above in mots_du_nom(result.profiles[int(result.labels[id_ti])]).items():
        proofs = [c for c in roles.preuves.get(dim, ()) if c in raw.columns and pd.notna(raw.at[id_ti, c])]
        wrong = [c for c in proofs if (raw.at[id_ti, c] <= median[c] if above else raw.at[id_ti, c] >= median[c])]
        if above and len(wrong) < len(proofs):
            continue
        out += [(MOTS[dim][0 if above else 1], c, float(raw.at[id_ti, c]), float(median[c])) for c in wrong]
    return out


def valeur_indicateur(name: str, value: float) -> str:
    """A typology indicator's value as printed: the density in inhabitants per km² (the typology
    holds its log10), the others with their registry unit."""
    if name == DENSITE:
        return f"{nombre(10**value)}\u00a0hab./km²"
    return valeur(value, INDICATORS[name].unit)


def profils(result: TypologyResult) -> pd.DataFrame:
    """One row per profile: cluster, profil, n_ti, then the mean raw value of every indicator."""
    raw = result.raw.astype("float64")
    means = raw.groupby(result.labels).mean()
    return (
        means.assign(n_ti=result.labels.value_counts())
        .rename_axis("cluster")
        .reset_index()
        .assign(profil=lambda d: d["cluster"].map(result.profiles))
        .sort_values("n_ti", ascending=False, ignore_index=True)[["cluster", "profil", "n_ti", *raw.columns]]
    )


def _france_z(result: TypologyResult, wide: pd.DataFrame) -> pd.Series:
    """France's values in the typology's z-space (same median imputation, mean and sd as the TI)."""
    raw = result.raw.astype("float64")
    filled = raw.fillna(raw.median())
    france = wide.loc[wide["niveau"] == "france"].iloc[0]
    values = pd.Series({c: float(france[c]) if c in france.index else np.nan for c in raw.columns})
    return (values - filled.mean()) / filled.std(ddof=0)


def positions_territoire(result: TypologyResult, wide: pd.DataFrame, id_ti: str) -> pd.DataFrame:
    """z-scores (vs all TI of the typology) of the territory, its profile's centroid and France,
    one row per typology indicator (index: indicator)."""
    cluster = int(result.labels[id_ti])
    return pd.DataFrame(
        {"territoire": result.z.loc[id_ti], "profil": result.centroids.loc[cluster], "france": _france_z(result, wide)}
    ).rename_axis("indicator")


def voisins(result: TypologyResult, id_ti: str, n: int = 4) -> pd.Index:
    """The ``n`` territories of the same profile nearest to ``id_ti`` in the typology's space
    (centred-reduced indicators), the nearest first."""
    cluster = int(result.labels[id_ti])
    members = result.labels.index[result.labels == cluster]
    dist = np.linalg.norm(result.z.loc[members].to_numpy() - result.z.loc[id_ti].to_numpy(), axis=1)
    return pd.Series(dist, index=members).drop(id_ti).nsmallest(n).index
