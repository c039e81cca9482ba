"""Headline facts of each phase, beside the figures published about the programme.

Every published figure (``PUBLIES``) cites a public source (publisher, date, address), and
each comes with the sentence that explains how it differs from ours, or why no equivalent is
computed, written from the facts computed here (``ecarts``). Figures we could not trace to a
public source are not quoted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analysis.analyses import emploi_industriel as ia
from analysis.config import DEFAULT_COG, LAMBERT93, POPULATION_VINTAGE
from analysis.donnees import referentiel
from analysis.donnees.loaders import economie, geo, programmes, urssaf_ape
from analysis.indicateurs import areas, emploi, shiftshare
from analysis.texte import nombre, pourcent

OVERSEAS_CRS = 6933  # WGS 84 / NSIDC EASE-Grid 2.0 Global, equal-area, for the DROM


@dataclass(frozen=True)
class Publie:
    """A figure published about the programme, with its public source."""

    cle: str  # key of the fact of ``faits`` it compares with ("" when no fact of ours is comparable)
    phase: int
    valeur: float
    unite: str
    quoi: str  # what the figure counts, in French
    date: str  # when it was published, in French
    source: str  # who published it, in French
    url: str
    ecart: Callable[[pd.Series], str]  # French sentence from our facts (``valeur`` by key) on the difference


def _signe(x: float) -> str:
    return ("+" if round(x) > 0 else "") + nombre(x, 0)


def _compte_ti(f: pd.Series) -> str:
    return (
        f"La liste de la phase 1 a été complétée après le lancement ; l'observatoire utilise la liste arrêtée fin 2022, "
        f"soit {nombre(f['n_ti'])} territoires."
    )


PUBLIES: tuple[Publie, ...] = (
    Publie("n_ti", 1, 124, "territoires", "Territoires d'industrie annoncés au lancement", "22 novembre 2018",
           "Gouvernement (Conseil national de l'industrie)",
           "https://www.gouvernement.fr/industrie-une-nouvelle-approche-pour-accelerer-le-developpement-des-territoires-industriels",
           _compte_ti),
    Publie("n_ti", 1, 136, "territoires", "Territoires d'industrie ciblés", "mars 2019", "La Tribune",
           "https://www.latribune.fr/economie/france/les-territoires-d-industrie-l-autre-reponse-a-la-crise-des-gilets-jaunes-810858.html",
           _compte_ti),
    Publie("n_ti", 1, 141, "territoires", "Territoires d'industrie à l'installation de leur observatoire", "juillet 2019",
           "Banque des Territoires (Localtis), « Les \"territoires d'industrie\" se dotent d'un observatoire »",
           "https://www.banquedesterritoires.fr/les-territoires-dindustrie-se-dotent-dun-observatoire",
           _compte_ti),
    Publie("n_ti", 1, 144, "territoires", "Territoires d'industrie, un an après le lancement", "14 novembre 2019",
           "La Tribune (édition Marseille), d'après le CGET",
           "https://marseille.latribune.fr/entreprises-finance/2019-11-14/territoires-d-industrie-la-reconquete-des-espaces-et-des-emplois-832882.html",
           _compte_ti),
    Publie("n_ti", 1, 149, "territoires", "Territoires d'industrie de la liste arrêtée fin 2022", "liste fin 2022",
           "data.gouv.fr, liste des territoires d'industrie et des communes concernées",
           "https://www.data.gouv.fr/fr/datasets/liste-des-territoires-dindustrie-et-des-communes-concernees/",
           lambda f: f"Même liste que l'observatoire : {nombre(f['n_ti'])} territoires."),
    Publie("n_ti", 2, 183, "territoires", "Territoires d'industrie labellisés pour 2023-2027", "9 novembre 2023",
           "La Gazette des communes",
           "https://www.lagazettedescommunes.com/896440/le-nouveau-programme-territoires-dindustrie-integre-plus-de-la-moitie-des-epci/",
           lambda f: f"Même liste que l'observatoire (liste ANCT de la phase 2) : {nombre(f['n_ti'])} territoires."),
    Publie("n_communes", 1, 16_186, "communes", "Communes des 149 territoires", "liste fin 2022",
           "data.gouv.fr, liste des territoires d'industrie et des communes concernées",
           "https://www.data.gouv.fr/fr/datasets/liste-des-territoires-dindustrie-et-des-communes-concernees/",
           lambda f: (
               f"L'observatoire compte {nombre(f['n_communes'])} communes dans le COG {int(f['cog'])}. La liste publiée est "
               "exprimée dans un code officiel géographique plus ancien : des communes ont fusionné depuis (communes "
               "nouvelles), si bien que le même périmètre compte moins de communes dans un COG plus récent."
           )),
    Publie("n_epci", 1, 551, "EPCI", "Intercommunalités de la phase 1", "novembre 2023", "La Gazette des communes",
           "https://www.lagazettedescommunes.com/896440/le-nouveau-programme-territoires-dindustrie-integre-plus-de-la-moitie-des-epci/",
           lambda f: (
               f"L'observatoire compte {nombre(f['n_epci'])} EPCI du COG {int(f['cog'])} ayant au moins une commune dans un "
               "territoire : les EPCI ont fusionné ou changé de périmètre depuis 2018, et un EPCI dont une seule commune est "
               "membre compte ici."
           )),
    Publie("n_epci", 2, 630, "EPCI", "Intercommunalités de la phase 2", "novembre 2023", "La Gazette des communes",
           "https://www.lagazettedescommunes.com/896440/le-nouveau-programme-territoires-dindustrie-integre-plus-de-la-moitie-des-epci/",
           lambda f: (
               f"L'observatoire compte {nombre(f['n_epci'])} EPCI du COG {int(f['cog'])} ayant au moins une commune dans un "
               "territoire ; un EPCI dont une seule commune est membre compte ici."
           )),
    Publie("part_emploi_industriel", 1, 50.0, "%", "Part des emplois industriels français dans les 124 territoires",
           "novembre 2018", "Le Journal des entreprises",
           "https://www.lejournaldesentreprises.com/france/article/letat-donne-un-coup-de-pouce-une-centaine-de-territoires-industriels-oublies-132914",
           lambda f: (
               f"Pour les {nombre(f['n_ti'])} territoires de la liste de fin 2022, l'observatoire estime la part de l'emploi "
               f"salarié privé industriel à {pourcent(f['part_emploi_industriel'])} en {int(f['annee_industrie'])} (emploi de "
               "chaque zone d'emploi attribué au prorata de la part du territoire) ; le chiffre de 2018 portait sur 124 "
               "territoires et ne dit pas sa source."
           )),
    Publie("", 1, 48.0, "%", "Part des entreprises industrielles situées dans les territoires de la phase 1",
           "21 novembre 2024", "Cour des comptes, « Le programme Territoires d'industrie » (chiffre cité par Maire info)",
           "https://www.maire-info.com/emploi/territoires-d'industrie-un-bilan-mitig%C3%A9-pour-un-programme-qui-n'a-pas-su-enrayer-le-d%C3%A9clin-de-nombreuses-r%C3%A9gions-article-29159",
           lambda f: (
               "Pas d'équivalent calculé : aucune source de l'observatoire ne dénombre des entreprises ; le fichier URSSAF par "
               f"commune et code APE compte des établissements{f['perimetre_ape']}. En emplois, la part des territoires de la "
               f"phase 1 dans l'emploi salarié privé industriel est estimée à {pourcent(f['part_emploi_industriel'])} en "
               f"{int(f['annee_industrie'])}."
           )),
    Publie("", 1, 71.0, "%", "Part des territoires de la phase 1 dans les destructions nettes d'emplois industriels, 2018-2022",
           "21 novembre 2024", "Cour des comptes, plateforme des évaluations de politiques publiques",
           "https://program-evaluation.ccomptes.fr/fr/plateformes-citoyennes/plateforme-evaluations-politique-publique/explorer-evaluations/le-7",
           lambda f: (
               "Pas d'équivalent calculé : la Cour porte sur 2018-2022, alors que les séries URSSAF par zone d'emploi et "
               f"secteur commencent en {int(f['annee_debut_industrie'])}. Estimé de {int(f['annee_debut_industrie'])} à "
               f"{int(f['annee_fin_industrie'])}, l'emploi salarié privé industriel des territoires de la phase 1 a varié de "
               f"{_signe(f['variation_emploi_industriel'])} emplois (France : {_signe(f['variation_emploi_industriel_france'])}) ; "
               f"les {nombre(f['n_ti_pertes_industrie'])} territoires où il a baissé en ont perdu "
               f"{nombre(-f['pertes_emploi_industriel'], 0)}."
           )),
)


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
    vintage = POPULATION_VINTAGE[cog]
    return [
        _row(phase, "population", "Population", int(pop), "habitants", f"population municipale {vintage}"),
        _row(phase, "part_population", "Part de la population française", 100 * pop / france, "%",
             "population des communes des territoires additionnée, sur celle de la France métropolitaine et des DROM"),
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
    metro_km2 = outlines.loc[~overseas].to_crs(LAMBERT93).area.sum() / 1e6
    metro_total = geo.contours_regions_metro().to_crs(LAMBERT93).area.sum() / 1e6
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
COUR_FIN = 2022  # last year of the Cour des comptes' 2018-2022 comparison
INDUSTRY_METHOD = (
    "Estimation : emploi salarié privé industriel URSSAF (A5 BE) de chaque zone d'emploi, attribué "
    "au territoire au prorata de sa part dans l'emploi privé 2019 de la zone (mêmes poids que le shift-share)."
)


def _emploi(phase: int, cog: int, periode: str | None) -> list[dict]:
    """Private salaried employment (URSSAF, 2018 and latest) and the industrial estimate: its
    latest level and share, and its change from 2019 to 2022 (the years closest to the Cour des
    comptes' 2018-2022) for all TI, for France, and the losses of the TI where it fell; as far as
    the years published by ``periode`` allow (2018 from mid-2019, sectors from mid-2020, their
    change once a year after 2019 is published)."""
    member = areas.membership(phase, cog)
    serie = economie.urssaf_serie(periode)
    levels = emploi.levels(member, serie)
    last = int(levels.columns.max())
    ti, fr = levels.loc[areas.ENSEMBLE_TI], levels.loc[areas.FRANCE]
    source = "URSSAF, emploi salarié privé au 31 décembre, somme des communes"
    rows = [
        _row(phase, "emploi_2018", "Emploi salarié privé 2018", float(ti[2018]), "emplois", source),
        _row(phase, "part_emploi_2018", "Part de l'emploi salarié privé 2018", 100 * ti[2018] / fr[2018], "%", source),
    ] if 2018 in levels.columns else []
    if last != 2018:
        rows += [
            _row(phase, "emploi_dernier", f"Emploi salarié privé {last}", float(ti[last]), "emplois", source),
            _row(phase, "part_emploi_dernier", f"Part de l'emploi salarié privé {last}", 100 * ti[last] / fr[last], "%", source),
        ]
    a38 = economie.urssaf_ze_a38(periode)
    if a38.empty:  # no sector published yet (before mid-2020)
        return rows
    years = sorted(int(y) for y in a38["year"].unique())
    year, start = years[-1], years[0]
    end = max(y for y in years if y <= COUR_FIN) if any(y <= COUR_FIN and y > start for y in years) else year
    industry = (
        a38.loc[a38["a5"] == INDUSTRY_A5]
        .assign(colonne=lambda d: "y" + d["year"].astype(str))
        .pivot_table(index="code_ze", columns="colonne", values="eff", aggfunc="sum", fill_value=0.0)
        .reset_index()
    )
    columns = [c for c in industry.columns if c != "code_ze"]
    weights = shiftshare.ze_weights(member, serie, economie.communes_ze())
    attributed = shiftshare.attribute(weights, industry, columns).set_index("id_ti")
    national = industry[columns].sum()
    ind_ti = attributed.loc[areas.ENSEMBLE_TI]
    by_ti = attributed.loc[attributed.index.str.startswith("ti-")]
    change = by_ti[f"y{end}"] - by_ti[f"y{start}"]
    rows += [
        _row(phase, "emploi_industriel", f"Emploi industriel estimé {year}", float(ind_ti[f"y{year}"]), "emplois", INDUSTRY_METHOD),
        _row(phase, "part_emploi_industriel", f"Part de l'emploi industriel {year}", 100 * ind_ti[f"y{year}"] / national[f"y{year}"], "%", INDUSTRY_METHOD),
        _row(phase, "annee_industrie", "Dernière année de l'emploi industriel", year, "année"),
    ]
    if end == start:  # only 2019 is published (mid-2020 to mid-2023): no change yet
        return rows
    return rows + [
        _row(phase, "variation_emploi_industriel", f"Variation de l'emploi industriel estimé {start}-{end}",
             float(ind_ti[f"y{end}"] - ind_ti[f"y{start}"]), "emplois", INDUSTRY_METHOD),
        _row(phase, "variation_emploi_industriel_france", f"Variation de l'emploi industriel en France {start}-{end}",
             float(national[f"y{end}"] - national[f"y{start}"]), "emplois", "URSSAF, somme des zones d'emploi"),
        _row(phase, "n_ti_pertes_industrie", f"Territoires dont l'emploi industriel estimé a baissé {start}-{end}",
             int((change < 0).sum()), "territoires", INDUSTRY_METHOD),
        _row(phase, "pertes_emploi_industriel", f"Emploi industriel estimé perdu par ces territoires {start}-{end}",
             float(change[change < 0].sum()), "emplois", INDUSTRY_METHOD),
        _row(phase, "annee_debut_industrie", "Première année de l'emploi industriel par secteur", start, "année"),
        _row(phase, "annee_fin_industrie", "Année de fin des variations de l'emploi industriel", end, "année"),
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


def publies(facts: pd.DataFrame) -> pd.DataFrame:
    """The published figures about the phase of ``facts`` (``faits``), one row each: quoi,
    valeur, unite, date, source, url, cle, ici (our value of the same fact, NA when none is
    comparable), explication (``Publie.ecart`` written from our facts)."""
    phase = int(facts["phase"].iloc[0])
    f = facts.set_index("cle")["valeur"]
    f = pd.concat([f, pd.Series({"cog": facts["cog"].iloc[0], "perimetre_ape": _perimetre_ape()})])
    rows = [
        {"quoi": p.quoi, "valeur": p.valeur, "unite": p.unite, "date": p.date, "source": p.source, "url": p.url, "cle": p.cle,
         "ici": float(f[p.cle]) if p.cle in f.index else float("nan"), "explication": _ecart(p, f)}
        for p in PUBLIES
        if p.phase == phase
    ]
    return pd.DataFrame(rows, columns=["quoi", "valeur", "unite", "date", "source", "url", "cle", "ici", "explication"])


PAS_ENCORE = (
    "Les données publiées à la fin du mois ne permettent pas encore de calculer le chiffre comparable de l'observatoire."
)


def _ecart(p: Publie, f: pd.Series) -> str:
    """``p.ecart`` from our facts, or ``PAS_ENCORE`` when a fact it needs is not computed yet (an
    early month: no sector before mid-2020, no change of industrial employment before mid-2023)."""
    try:
        return p.ecart(f)
    except KeyError:
        return PAS_ENCORE


def _perimetre_ape() -> str:
    """What the commune × APE file at hand covers, as the end of a French sentence."""
    perimetre = ia.PERIMETRE_APE.get(urssaf_ape.fichier())
    return f", et celui dont dispose l'observatoire ne couvre que {perimetre}" if perimetre else ""


def faits(phase: int, cog: int | None = None, periode: str | None = None) -> pd.DataFrame:
    """The headline facts of a phase, one row per fact: phase, cle, fait, valeur, unite, note, cog.

    ``periode`` restricts the time series to what was published by then (default: everything).
    """
    cog = cog or DEFAULT_COG[phase]
    rows = (
        _counts(phase, cog) + _population(phase, cog) + _areas(phase) + _emploi(phase, cog, periode) + _programmes(phase, cog)
    )
    return pd.DataFrame(rows).assign(cog=cog)
