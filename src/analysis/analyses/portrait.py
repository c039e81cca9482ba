"""A territory taken apart, for its monograph: its EPCI (population, its change, density,
industrial weight), the private employment path of each EPCI and of its communes, and its
counterpart in the other phase of the programme. Tables in, tables out.

The two phases are matched by membership, never by identifier: the same ``ti-`` code can
name two different territories (phase-2 ti-7605 Castres Revel Castelnaudary is, commune for
commune, inside phase-1 ti-7604, while phase-1 ti-7605 is Gard Rhodanien-Pont du Gard).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from analysis.config import DEFAULT_COG_YEAR
from analysis.donnees import harmonisation, referentiel
from analysis.donnees.cache import stored
from analysis.indicateurs.build import entrees_emploi
from analysis.indicateurs.emploi import BASE_YEAR, BREAK_YEAR, tcam, urssaf_communes

EQUAL_AREA_CRS = 6933  # areas in km² for metropolitan France and overseas alike

# How the territory's perimeter relates to its main counterpart in the other phase.
IDENTIQUE, INCLUS, ENGLOBE, RECOUPE, AUCUN = "identique", "inclus", "englobe", "recoupe", "aucun"


def correspondance(communes_ici: pd.DataFrame, communes_autre: pd.DataFrame, id_ti: str) -> pd.DataFrame:
    """Territories of the other phase sharing communes with ``id_ti``, the largest overlap first.

    ``communes_ici`` / ``communes_autre``: ``referentiel.communes_ti`` of the two phases (id_ti,
    insee_com, population), same COG. Returns id_ti, n_communes, population (of the other
    territory), communes_communes, population_commune, part_ici (% of ``id_ti``'s population in
    common), part_autre (% of the other territory's population in common).
    """
    ici = communes_ici.loc[communes_ici["id_ti"] == id_ti, ["insee_com", "population"]]
    pop = ici["population"].fillna(0).sum()
    autre = communes_autre.assign(population=communes_autre["population"].fillna(0))
    shared = autre.loc[autre["insee_com"].isin(ici["insee_com"])]
    totals = autre.loc[autre["id_ti"].isin(shared["id_ti"])].groupby("id_ti").agg(
        n_communes=("insee_com", "size"), population=("population", "sum")
    )
    common = shared.groupby("id_ti").agg(communes_communes=("insee_com", "size"), population_commune=("population", "sum"))
    out = totals.join(common).reset_index()
    return out.assign(
        part_ici=100 * out["population_commune"] / pop if pop else float("nan"),
        part_autre=100 * out["population_commune"] / out["population"].where(out["population"] > 0),
    ).sort_values(["population_commune", "id_ti"], ascending=[False, True], ignore_index=True)


def perimetre(corr: pd.DataFrame, n_communes: int) -> str:
    """How a territory of ``n_communes`` communes relates to its main counterpart (first row of
    ``correspondance``): ``identique`` (same communes), ``inclus`` (all its communes belong to
    a larger territory), ``englobe`` (it holds the whole other territory and more), ``recoupe``
    (partial overlap) or ``aucun`` (no commune in common)."""
    if corr.empty:
        return AUCUN
    main = corr.iloc[0]
    common, other = int(main["communes_communes"]), int(main["n_communes"])
    if common == n_communes == other:
        return IDENTIQUE
    if common == n_communes:
        return INCLUS
    if common == other:
        return ENGLOBE
    return RECOUPE


def memes_communes(cog: int | None = None) -> pd.DataFrame:
    """Every pair of territories of phase 1 and phase 2 made of exactly the same communes (COG
    ``cog``; their ``perimetre`` is ``IDENTIQUE``): id_ti_1, lib_ti_1, id_ti_2, lib_ti_2.

    The fiches of such a pair link to each other, whatever their codes (74 pairs on the 2023
    COG, 11 of them under the same code).
    """
    cog = cog or DEFAULT_COG_YEAR
    sets = {}
    for phase in (1, 2):
        com = referentiel.communes_ti(phase, cog).groupby("id_ti")["insee_com"].agg(frozenset)
        sets[phase] = pd.DataFrame({f"id_ti_{phase}": com.index, "communes": com.to_numpy()})
    names = {p: referentiel.territoires(p, cog)[["id_ti", "lib_ti"]].add_suffix(f"_{p}") for p in (1, 2)}
    return (
        sets[1].merge(sets[2], on="communes")
        .drop(columns="communes")
        .merge(names[1], on="id_ti_1")
        .merge(names[2], on="id_ti_2")[["id_ti_1", "lib_ti_1", "id_ti_2", "lib_ti_2"]]
        .sort_values("id_ti_1")
        .reset_index(drop=True)
    )


def ecarts_perimetre(communes_ici: pd.DataFrame, communes_autre: pd.DataFrame, id_ti: str, id_autre: str) -> pd.DataFrame:
    """Communes of ``id_ti`` outside ``id_autre`` (ecart "ajoutée") and of ``id_autre`` outside
    ``id_ti`` ("retirée"): insee_com, lib_com, lib_epci, population, ecart."""
    ici = communes_ici.loc[communes_ici["id_ti"] == id_ti]
    autre = communes_autre.loc[communes_autre["id_ti"] == id_autre]
    columns = ["insee_com", "lib_com", "lib_epci", "population"]
    return pd.concat(
        [ici.loc[~ici["insee_com"].isin(autre["insee_com"]), columns].assign(ecart="ajoutée"),
         autre.loc[~autre["insee_com"].isin(ici["insee_com"]), columns].assign(ecart="retirée")],
        ignore_index=True,
    )


def epci(communes: pd.DataFrame, communes_cog: pd.DataFrame, profil_units: pd.DataFrame, contours: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per EPCI holding communes of the territory, the most populated part first.

    ``communes``: the territory's communes (insee_com, siren_epci, population); ``communes_cog``:
    ``referentiel.communes`` (every commune with siren_epci, lib_epci, population);
    ``profil_units``: ``indicateurs.specialisation_industrielle.profil_units`` (census EPCI profile);
    ``contours``: EPCI outlines (siren_epci, geometry). Returns siren_epci, lib_epci,
    n_communes, n_communes_ti, population (whole EPCI), population_ti, part_population_ti (%),
    croissance_population (%/an 2016-2022), part_industrie (% of jobs, 2022), densite
    (inhabitants per km² of the whole EPCI; NA without an outline).
    """
    sirens = communes["siren_epci"].dropna().unique()
    whole = communes_cog.loc[communes_cog["siren_epci"].isin(sirens)].assign(
        population=lambda d: d["population"].fillna(0).astype("float64"),
        dans_ti=lambda d: d["insee_com"].isin(communes["insee_com"]),
    ).assign(population_ti=lambda d: d["population"].where(d["dans_ti"], 0.0))
    out = whole.groupby(["siren_epci", "lib_epci"], as_index=False).agg(
        n_communes=("insee_com", "size"),
        n_communes_ti=("dans_ti", "sum"),
        population=("population", "sum"),
        population_ti=("population_ti", "sum"),
    )
    surfaces = contours.loc[contours["siren_epci"].isin(sirens)]
    area = pd.Series(surfaces.to_crs(EQUAL_AREA_CRS).area.to_numpy() / 1e6, index=surfaces["siren_epci"].to_numpy())
    profil = profil_units.set_index("unit_profil")[["dm_pop_vtcam_1622", "eco_sectindus_pct_22"]]
    out = out.join(profil, on="siren_epci").assign(
        part_population_ti=lambda d: 100 * d["population_ti"] / d["population"].where(d["population"] > 0),
        densite=lambda d: d["population"] / d["siren_epci"].map(area),
    )
    return out.rename(columns={"dm_pop_vtcam_1622": "croissance_population", "eco_sectindus_pct_22": "part_industrie"}).sort_values(
        ["population_ti", "siren_epci"], ascending=[False, True], ignore_index=True
    )[["siren_epci", "lib_epci", "n_communes", "n_communes_ti", "population", "population_ti", "part_population_ti",
       "croissance_population", "part_industrie", "densite"]]


def serie_au_cog(serie: pd.DataFrame, passage: pd.DataFrame) -> pd.DataFrame:
    """The commune echelon of an URSSAF series (``economie.urssaf_serie``'s schema) with its
    codes carried to the COG of ``passage`` (``harmonisation.passage``): the jobs of communes
    merged since, and of the municipal arrondissements, summed into their commune."""
    com = serie.loc[serie["echelon"] == "communes"]
    out = (
        com.assign(code=harmonisation.code_cog(com["code"], passage))
        .groupby(["code", "year"], as_index=False)["eff_total"]
        .sum()
    )
    return out.assign(echelon="communes")[["code", "echelon", "year", "eff_total"]]


@stored
def serie_communes(periode: str, cog: int) -> pd.DataFrame:
    """Private employment of every commune of COG ``cog`` by year as published by the end of
    ``periode`` (``serie_au_cog`` of the series the indicators read, ``entrees_emploi``), kept
    with the month's analyses: the monograph and every fiche read it."""
    return serie_au_cog(entrees_emploi(periode, cog)[0], harmonisation.passage(cog))


def changements_epci(avant: pd.DataFrame, apres: pd.DataFrame, passage: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """The communes of the territory (``communes``: insee_com, lib_com, of the COG of ``apres``)
    whose EPCI changed between two COG years (``avant``, ``apres``: ``geo.epci``; ``passage``
    carries the codes of ``avant`` to the later COG). Returns insee_com, lib_com, siren_avant,
    lib_avant, siren_apres, lib_apres, by EPCI then commune."""
    old = avant.assign(insee_com=harmonisation.code_cog(avant["insee_com"], passage))[["insee_com", "siren", "lib_groupement"]]
    old = old.drop_duplicates().rename(columns={"siren": "siren_avant", "lib_groupement": "lib_avant"})
    new = apres[["insee_com", "siren", "lib_groupement"]].rename(columns={"siren": "siren_apres", "lib_groupement": "lib_apres"})
    both = communes[["insee_com", "lib_com"]].merge(old, on="insee_com").merge(new, on="insee_com")
    return both.loc[both["siren_avant"] != both["siren_apres"]].sort_values(["lib_avant", "lib_apres", "lib_com"], ignore_index=True)


def emploi_communes(serie: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """Private employment of each commune of the territory and year (URSSAF commune series).

    ``communes``: insee_com, lib_com, siren_epci, lib_epci. A commune absent from the series in
    a year has no private employer that year (0 jobs), as in ``emploi.levels``. Returns
    insee_com, lib_com, siren_epci, lib_epci, year, emploi.
    """
    years = sorted(serie.loc[serie["echelon"] == "communes", "year"].unique())
    # only the rows of the territory's départements (its communes' first two characters): the
    # whole series' codes take half a second to read
    levels = urssaf_communes(serie.loc[serie["code"].str[:2].isin(communes["insee_com"].str[:2].unique())])
    grid = communes[["insee_com", "lib_com", "siren_epci", "lib_epci"]].merge(pd.DataFrame({"year": years}), how="cross")
    return grid.merge(levels.rename(columns={"eff_total": "emploi"}), on=["insee_com", "year"], how="left").assign(
        emploi=lambda d: d["emploi"].fillna(0).astype("float64")
    )


def trajectoires_epci(emplois: pd.DataFrame, base: int = BASE_YEAR) -> pd.DataFrame:
    """Employment of the part of each EPCI inside the territory, by year, and its index (base
    100 in ``base``): siren_epci, lib_epci, year, emploi, indice."""
    by_epci = emplois.groupby(["siren_epci", "lib_epci", "year"], as_index=False)["emploi"].sum()
    start = by_epci.loc[by_epci["year"] == base].set_index("siren_epci")["emploi"]
    return by_epci.assign(indice=100 * by_epci["emploi"] / by_epci["siren_epci"].map(start.where(start > 0)))


def tableau_epci_emploi(trajectoires: pd.DataFrame) -> pd.DataFrame:
    """Per EPCI part: jobs in ``BASE_YEAR``, ``BREAK_YEAR`` and the last year, average annual
    growth over both periods (%/an), share of the territory's jobs in the last year (%).
    Returns siren_epci, lib_epci, emploi_<year> ×3, tcam_avant, tcam_apres, part, the largest first."""
    last = int(trajectoires["year"].max())
    wide = trajectoires.pivot_table(index=["siren_epci", "lib_epci"], columns="year", values="emploi", aggfunc="sum")
    out = pd.DataFrame(
        {
            f"emploi_{BASE_YEAR}": wide[BASE_YEAR],
            f"emploi_{BREAK_YEAR}": wide[BREAK_YEAR],
            f"emploi_{last}": wide[last],
            "tcam_avant": tcam(wide[BASE_YEAR], wide[BREAK_YEAR], BREAK_YEAR - BASE_YEAR),
            "tcam_apres": tcam(wide[BREAK_YEAR], wide[last], last - BREAK_YEAR),
            "part": 100 * wide[last] / wide[last].sum(),
        }
    )
    return out.reset_index().sort_values([f"emploi_{last}", "siren_epci"], ascending=[False, True], ignore_index=True)


def variations_communes(emplois: pd.DataFrame, debut: int, fin: int) -> pd.DataFrame:
    """Per commune: jobs in ``debut`` and ``fin``, change (jobs, %), share of the territory's
    jobs in ``fin`` (%) and share of the territory's net change (%, signed: above 100 or
    negative when the other communes move the other way), the most jobs first."""
    wide = emplois.loc[emplois["year"].isin([debut, fin])].pivot_table(
        index=["insee_com", "lib_com", "lib_epci"], columns="year", values="emploi", aggfunc="sum"
    )
    change = wide[fin] - wide[debut]
    total = change.sum()
    out = pd.DataFrame(
        {
            "emploi_debut": wide[debut],
            "emploi_fin": wide[fin],
            "variation": change,
            "variation_pct": 100 * (wide[fin] / wide[debut].where(wide[debut] > 0) - 1),
            "part": 100 * wide[fin] / wide[fin].sum(),
            "part_variation": 100 * change / total if total else float("nan"),
        }
    )
    return out.reset_index().sort_values(["emploi_fin", "insee_com"], ascending=[False, True], ignore_index=True)


def departements(communes: pd.DataFrame, seuil: float = 5.0) -> pd.Series:
    """Share (%) of the territory's inhabitants in each département holding at least ``seuil``
    % of them, the largest first (index: département code)."""
    pop = communes.assign(population=communes["population"].fillna(0)).groupby("departement")["population"].sum()
    share = 100 * pop / pop.sum()
    return share.loc[share >= seuil].sort_values(ascending=False).rename("part_population")
