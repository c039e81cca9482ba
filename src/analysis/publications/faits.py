"""Headline facts of each phase, beside the figures published when the programme started.

Published references:
- seed (dossier de presse du lancement, 2019): 141 TI, about 500 of 1,250 EPCI, 15,000
  communes, 30 % of the area, half of French industrial employment;
- data.gouv.fr "programme-territoires-dindustrie" (list as fixed end 2022): 149 TI, 16,186 communes.
"""

from __future__ import annotations

import pandas as pd

from analysis.config import DEFAULT_COG
from analysis.donnees import referentiel
from analysis.donnees.loaders import economie, geo, programmes
from analysis.indicateurs import areas, emploi, shiftshare

METRO_CRS = 2154  # Lambert-93, for areas of metropolitan France
OVERSEAS_CRS = 6933  # WGS 84 / NSIDC EASE-Grid 2.0 Global, equal-area, for the DROM

SEED = "Dossier de lancement (2019)"
DATAGOUV = "data.gouv.fr (liste fin 2022)"

# Published values: (fact key) -> (value, source). Only phase 1 was published at launch.
PUBLISHED: dict[str, tuple[float, str]] = {
    "n_ti": (141, SEED),
    "n_epci": (500, SEED),
    "n_communes": (15_000, SEED),
    "part_surface_metro": (30.0, SEED),
    "part_emploi_industriel": (50.0, SEED),
}
PUBLISHED_DATAGOUV: dict[str, tuple[float, str]] = {"n_ti": (149, DATAGOUV), "n_communes": (16_186, DATAGOUV)}

EXPLANATIONS = {
    "n_ti": "La liste de lancement (novembre 2018) comptait 141 territoires ; elle a été complétée jusqu'en 2022 (149).",
    "n_epci": "Le dossier de lancement arrondit ; les fusions d'EPCI depuis 2019 et les ajouts de territoires jusqu'en 2022 font varier le compte.",
    "n_communes": "Les communes nouvelles (fusions) réduisent le nombre de communes d'un COG à l'autre ; data.gouv.fr compte dans un COG antérieur à {cog}.",
    "part_surface_metro": "Notre surface est celle des contours publiés par l'ANCT pour la liste finale (149 territoires, périmètres élargis) ; le chiffre de lancement portait sur 141 territoires.",
    "part_emploi_industriel": "Estimation par zone d'emploi (voir la méthode) et non comptage direct ; le chiffre de lancement arrondit.",
}


def _row(phase: int, key: str, label: str, value: float, unit: str, note: str = "") -> dict:
    return {"phase": phase, "cle": key, "fait": label, "valeur": value, "unite": unit, "note": note}


def _counts(phase: int, cog: int) -> list[dict]:
    members = referentiel.membres(phase, cog)
    com = referentiel.communes_ti(phase, cog)
    cover = referentiel.epci_couverture(phase, cog)
    rows = [
        _row(phase, "n_ti", "Territoires d'industrie", members["id_ti"].nunique(), "territoires"),
        _row(phase, "n_groupements", "Groupements membres", len(members), "groupements"),
    ]
    rows += [
        _row(phase, f"n_groupements_{kind}", f"dont {kind}", int((members["kind"] == kind).sum()), "groupements")
        for kind in (*referentiel.KINDS, referentiel.UNRESOLVED)
        if (members["kind"] == kind).any() or kind != referentiel.UNRESOLVED
    ]
    touched = int((cover["n_communes_ti"] > 0).sum())
    partial = int(cover["part_communes_ti"].between(0, 1, inclusive="neither").sum())
    rows += [
        _row(phase, "n_epci", "EPCI touchés (au moins une commune)", touched, "EPCI",
             f"sur {len(cover)} EPCI en {cog}, dont {partial} couverts en partie"),
        _row(phase, "n_communes", "Communes", len(com), "communes", f"COG {cog}"),
    ]
    return rows


def _population(phase: int, cog: int) -> list[dict]:
    com = referentiel.communes_ti(phase, cog)
    france = geo.communes(cog)["population"].sum()
    pop = com["population"].sum()
    vintage = {2019: 2016, 2023: 2020, 2025: 2023}[cog]
    return [
        _row(phase, "population", "Population", int(pop), "habitants", f"population municipale {vintage}"),
        _row(phase, "part_population", "Part de la population française", 100 * pop / france, "%", "France métropolitaine et DROM"),
    ]


# Metropolitan France lies north of 41° N, the DROM south of 17° N: an outline's latitude tells
# them apart whatever the COG year (some territories have no commune in an older COG).
OVERSEAS_LATITUDE = 30.0


def _areas(phase: int) -> list[dict]:
    """Areas of the ANCT outlines (the same for every COG year), metropolitan France and DROM apart."""
    outlines = programmes.ti_geometries(phase)
    overseas = outlines.to_crs(4326).representative_point().y < OVERSEAS_LATITUDE
    polygonal = outlines.geom_type.isin(["Polygon", "MultiPolygon", "GeometryCollection"])
    missing = outlines.loc[~polygonal, "lib_ti"].tolist()
    metro_km2 = outlines.loc[~overseas].to_crs(METRO_CRS).area.sum() / 1e6
    metro_total = geo.contours_regions_metro().to_crs(METRO_CRS).area.sum() / 1e6
    deps = geo.contours_departements()
    drom_total = deps.loc[deps["departement"].str.startswith("97")].to_crs(OVERSEAS_CRS).area.sum() / 1e6
    drom_km2 = outlines.loc[overseas].to_crs(OVERSEAS_CRS).area.sum() / 1e6
    note = "contours ANCT, Lambert-93" + (f" ; contour publié sans surface (points) pour : {', '.join(missing)}" if missing else "")
    return [
        _row(phase, "surface_metro", "Surface en France métropolitaine", metro_km2, "km²", note),
        _row(phase, "part_surface_metro", "Part de la surface métropolitaine", 100 * metro_km2 / metro_total, "%", note),
        _row(phase, "surface_drom", "Surface dans les DROM (à part)", drom_km2, "km²", f"sur {drom_total:,.0f} km² de DROM".replace(",", " ")),
    ]


INDUSTRY_A5 = "BE"  # URSSAF A5 "industrie" (B to E: extractive, manufacturing, energy, water)
INDUSTRY_METHOD = (
    "Estimation : emploi salarié privé industriel URSSAF (A5 BE) de chaque zone d'emploi, attribué "
    "au territoire au prorata de sa part dans l'emploi privé 2019 de la zone (mêmes poids que le shift-share)."
)


def _emploi(phase: int, cog: int, periode: str | None) -> list[dict]:
    """Private salaried employment (URSSAF, 2018 and latest) and the industrial estimate."""
    member = areas.membership(phase, cog)
    serie = economie.urssaf_serie(periode)
    levels = emploi.levels(member, serie)
    last = int(levels.columns.max())
    ti, fr = levels.loc[areas.ENSEMBLE_TI], levels.loc[areas.FRANCE]
    a38 = economie.urssaf_ze_a38(periode)
    year = int(a38["year"].max())
    industry = (
        a38.loc[(a38["a5"] == INDUSTRY_A5) & (a38["year"] == year)]
        .groupby("code_ze", as_index=False)["eff"]
        .sum()
        .rename(columns={"eff": "industrie"})
    )
    weights = shiftshare.ze_weights(member, serie, economie.communes_ze())
    attributed = shiftshare.attribute(weights, industry, ["industrie"]).set_index("id_ti")["industrie"]
    ind_ti, ind_fr = attributed[areas.ENSEMBLE_TI], industry["industrie"].sum()
    source = "URSSAF, emploi salarié privé au 31 décembre, somme des communes"
    return [
        _row(phase, "emploi_2018", "Emploi salarié privé 2018", float(ti[2018]), "emplois", source),
        _row(phase, "part_emploi_2018", "Part de l'emploi salarié privé 2018", 100 * ti[2018] / fr[2018], "%", source),
        _row(phase, "emploi_dernier", f"Emploi salarié privé {last}", float(ti[last]), "emplois", source),
        _row(phase, "part_emploi_dernier", f"Part de l'emploi salarié privé {last}", 100 * ti[last] / fr[last], "%", source),
        _row(phase, "emploi_industriel", f"Emploi industriel estimé {year}", float(ind_ti), "emplois", INDUSTRY_METHOD),
        _row(phase, "part_emploi_industriel", f"Part de l'emploi industriel {year}", 100 * ind_ti / ind_fr, "%", INDUSTRY_METHOD),
    ]


def _programmes(phase: int, cog: int) -> list[dict]:
    towns = referentiel.villes_programmes(phase, cog)
    rows = []
    for programme, label in (("ACV", "Villes Action cœur de ville dans un TI"), ("ACV 2018", "Villes ACV de la liste 2018 dans un TI")):
        sub = towns.loc[towns["programme"] == programme]
        inside = int(sub["id_ti"].notna().sum())
        rows += [
            _row(phase, f"villes_{programme}", label, inside, "communes", f"sur {len(sub)} communes du programme"),
            _row(phase, f"part_villes_{programme}", f"Part des villes {programme} dans un TI", 100 * inside / len(sub), "%"),
        ]
    return rows


def with_published(facts: pd.DataFrame, cog: int) -> pd.DataFrame:
    """Add the published value, its source and a sentence explaining the difference (phase 1)."""

    def published(row: pd.Series, table: dict) -> tuple[float | None, str | None]:
        if row["phase"] != 1 or row["cle"] not in table:
            return None, None
        return table[row["cle"]]

    out = facts.copy()
    for suffix, table in (("", PUBLISHED), ("_datagouv", PUBLISHED_DATAGOUV)):
        pairs = out.apply(published, axis=1, args=(table,), result_type="expand")
        out[f"valeur_publiee{suffix}"] = pd.to_numeric(pairs[0], errors="coerce")
        out[f"source_publiee{suffix}"] = pairs[1]
    has_ref = out["valeur_publiee"].notna() | out["valeur_publiee_datagouv"].notna()
    out["explication"] = out["cle"].map(EXPLANATIONS).where(has_ref).str.replace("{cog}", str(cog), regex=False)
    return out


def faits(phase: int, cog: int | None = None, periode: str | None = None) -> pd.DataFrame:
    """The headline facts of a phase, one row per fact, with published values beside.

    ``periode`` restricts the time series to what was published by then (default: everything).
    """
    cog = cog or DEFAULT_COG[phase]
    rows = (
        _counts(phase, cog) + _population(phase, cog) + _areas(phase) + _emploi(phase, cog, periode) + _programmes(phase, cog)
    )
    return with_published(pd.DataFrame(rows), cog)
