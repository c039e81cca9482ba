"""Every indicator of the observatory, declared once: name, French label, definition, unit,
source, year(s), pillar of the programme and theme.

The four pillars are those of the Territoires d'industrie programme: attractivité,
compétences, innovation, simplification. ``registry()`` gives the table notebooks show;
``pillar_coverage()`` says which pillar has no indicator (no open data measures
administrative simplification at territorial level).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

PILLARS = ("attractivité", "compétences", "innovation", "simplification")

URSSAF = "URSSAF, emploi salarié privé au 31 décembre (séries par commune)"
URSSAF_ZE = "URSSAF, emploi salarié privé par zone d'emploi et secteur A38"
RP = "INSEE, recensement de la population (profil EPCI de l'Observatoire des territoires)"
FILOSOFI = "INSEE, Filosofi (profil EPCI de l'Observatoire des territoires)"
DVF = "DGFiP, Demandes de valeurs foncières (DVF), agrégats par EPCI"
CHOMAGE = "INSEE, taux de chômage localisés par zone d'emploi (CVS)"
DEFM = "France Travail, demandeurs d'emploi par commune"
ANCT = "ANCT, listes des villes Action cœur de ville et Petites villes de demain"

EPCI_WEIGHTING = (
    "Moyenne des valeurs des EPCI (EPT et Paris dans la Métropole du Grand Paris) pondérée par "
    "la population municipale 2020 de leurs communes situées dans le territoire : un EPCI "
    "partiellement couvert compte pour sa part de population dans le TI (part_population_ti)."
)
ZE_ATTRIBUTION = (
    "Calculé par zone d'emploi puis attribué au territoire au prorata de sa part dans l'emploi "
    "salarié privé URSSAF 2019 de chaque zone d'emploi (somme des communes du TI, géographie des "
    "zones d'emploi 2020) ; les parts du TI et du reste de la zone somment à 1."
)
HIGH_TECH_INDUSTRY = ("CE", "CF", "CI", "CJ", "CK", "CL")
HIGH_TECH_SERVICES = ("JB", "JC", "MB")


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str
    definition: str
    unit: str
    source: str
    year: str
    pillar: str
    theme: str
    method: str = ""


_INDICATORS = (
    # Emploi salarié privé (URSSAF) -------------------------------------------------------
    Indicator("emploi_prive", "Emploi salarié privé", "Nombre de postes salariés du secteur privé au 31 décembre, somme des communes du territoire.", "emplois", URSSAF, "2014-dernière année", "attractivité", "emploi", "Paris, Lyon et Marseille publiés par arrondissement sont regroupés en commune."),
    Indicator("emploi_prive_indice", "Emploi salarié privé, indice base 100 en 2014", "Emploi de l'année rapporté à celui de 2014, × 100.", "indice", URSSAF, "2014-dernière année", "attractivité", "emploi"),
    Indicator("emploi_prive_croissance", "Croissance annuelle de l'emploi salarié privé", "Variation relative de l'emploi entre l'année précédente et l'année.", "%", URSSAF, "2015-dernière année", "attractivité", "emploi"),
    Indicator("emploi_prive_tcam", "Taux de croissance annuel moyen de l'emploi salarié privé", "((E_fin / E_début)^(1/n) − 1) × 100, sur 2014-2018 et de 2018 à la dernière année.", "%/an", URSSAF, "2014-2018 ; 2018-dernière année", "attractivité", "emploi"),
    Indicator("emploi_prive_tcam_ecart_france", "Écart de croissance annuelle moyenne à la France", "TCAM du territoire moins TCAM de la France.", "points", URSSAF, "2014-2018 ; 2018-dernière année", "attractivité", "emploi"),
    Indicator("emploi_prive_ecart_france", "Écart d'indice à la France", "Indice base 100 en 2014 du territoire moins celui de la France.", "points", URSSAF, "2014-dernière année", "attractivité", "emploi"),
    Indicator("emploi_prive_ecart_region", "Écart d'indice à la région", "Indice base 100 en 2014 du territoire moins celui de sa région principale (la plus peuplée).", "points", URSSAF, "2014-dernière année", "attractivité", "emploi"),
    # Industrie (recensement) ---------------------------------------------------------------
    Indicator("part_industrie", "Part de l'industrie dans l'emploi", "Part des emplois au lieu de travail dans l'industrie.", "%", RP, "2022", "attractivité", "industrie", EPCI_WEIGHTING),
    Indicator("part_agri_industrie", "Part de l'agriculture et de l'industrie dans l'emploi", "Part des emplois au lieu de travail dans l'agriculture et l'industrie ; en 2011 et 2016, seule la somme est publiée (100 − construction − commerce-services − administration).", "%", RP, "2011 ; 2016 ; 2022", "attractivité", "industrie", EPCI_WEIGHTING),
    Indicator("part_agri_industrie_evol", "Évolution de la part de l'agriculture et de l'industrie", "Différence de la part entre l'année de début et 2022.", "points", RP, "2011-2022 ; 2016-2022", "attractivité", "industrie", EPCI_WEIGHTING),
    Indicator("indice_specificite_industrie", "Indice de spécificité industrielle", "Part de l'industrie du territoire rapportée à celle de la France (quotient de localisation ; 1 = comme la France).", "ratio", RP, "2022", "attractivité", "industrie", EPCI_WEIGHTING + " La France est calculée de la même façon."),
    Indicator("krugman_a5", "Indice de spécialisation de Krugman (5 secteurs)", "Σ |part du secteur dans le territoire − part en France| sur agriculture, industrie, construction, commerce-services, administration (0 = structure de la France, maximum 200).", "indice 0-200", RP, "2022", "attractivité", "industrie", "Calculé sur les parts sectorielles du territoire, elles-mêmes moyennes des EPCI pondérées par la population (approximation de l'emploi)."),
    # Shift-share (Carré, Levratto, Frocrain) --------------------------------------------------
    Indicator("ss_variation", "Variation de l'emploi salarié privé (zones d'emploi)", "Variation de l'emploi entre 2019 et la dernière année, attribuée depuis les zones d'emploi.", "emplois", URSSAF_ZE, "2019-dernière année", "attractivité", "shift-share", ZE_ATTRIBUTION),
    Indicator("ss_effet_national", "Effet national", "Variation qu'aurait connue le territoire en suivant la croissance nationale : Σ_s E_s,2019 × g_France.", "emplois", URSSAF_ZE, "2019-dernière année", "attractivité", "shift-share", ZE_ATTRIBUTION),
    Indicator("ss_effet_structurel", "Effet structurel (composition sectorielle)", "Σ_s E_s,2019 × (g_s,France − g_France) : gain ou perte dû au poids de secteurs nationalement dynamiques ou en déclin (38 secteurs A38).", "emplois", URSSAF_ZE, "2019-dernière année", "attractivité", "shift-share", ZE_ATTRIBUTION),
    Indicator("ss_effet_local", "Effet local (résiduel)", "Variation totale − effet national − effet structurel = Σ_s E_s,2019 × (g_s,local − g_s,France).", "emplois", URSSAF_ZE, "2019-dernière année", "attractivité", "shift-share", ZE_ATTRIBUTION),
    Indicator("ss_variation_pct", "Variation de l'emploi (zones d'emploi), en %", "Variation rapportée à l'emploi 2019 attribué.", "%", URSSAF_ZE, "2019-dernière année", "attractivité", "shift-share", ZE_ATTRIBUTION),
    Indicator("ss_effet_national_pct", "Effet national, en % de l'emploi 2019", "Effet national rapporté à l'emploi 2019 attribué.", "%", URSSAF_ZE, "2019-dernière année", "attractivité", "shift-share", ZE_ATTRIBUTION),
    Indicator("ss_effet_structurel_pct", "Effet structurel, en % de l'emploi 2019", "Effet structurel rapporté à l'emploi 2019 attribué.", "%", URSSAF_ZE, "2019-dernière année", "attractivité", "shift-share", ZE_ATTRIBUTION),
    Indicator("ss_effet_local_pct", "Effet local, en % de l'emploi 2019", "Effet local rapporté à l'emploi 2019 attribué.", "%", URSSAF_ZE, "2019-dernière année", "attractivité", "shift-share", ZE_ATTRIBUTION),
    # Innovation -----------------------------------------------------------------------------
    Indicator("part_industrie_hautetech", "Part de l'industrie de haute et moyenne-haute technologie", "Part dans l'emploi salarié privé des secteurs A38 chimie (CE), pharmacie (CF), informatique-électronique (CI), équipements électriques (CJ), machines (CK), matériels de transport (CL) — industrie de haute et moyenne-haute technologie au sens d'Eurostat.", "%", URSSAF_ZE, "2019 ; dernière année", "innovation", "innovation", ZE_ATTRIBUTION + " CL inclut la construction navale (moyenne-basse technologie)."),
    Indicator("part_services_hautetech", "Part des services à forte intensité de savoir de haute technologie", "Part dans l'emploi salarié privé des secteurs A38 télécommunications (JB), activités informatiques et services d'information (JC), recherche-développement scientifique (MB).", "%", URSSAF_ZE, "2019 ; dernière année", "innovation", "innovation", ZE_ATTRIBUTION + " L'audiovisuel (partie de JA) n'est pas isolable en A38 et n'est pas compté."),
    # Compétences ----------------------------------------------------------------------------
    Indicator("part_diplomes_superieur", "Part des diplômés du supérieur", "Part des 15 ans et plus non scolarisés titulaires d'un diplôme de niveau bac+2 ou plus.", "%", RP, "2022", "compétences", "compétences", EPCI_WEIGHTING),
    Indicator("part_sans_bac", "Part des non-diplômés ou diplômés d'un niveau inférieur au bac", "Part des 15 ans et plus non scolarisés sans diplôme ou avec un diplôme inférieur au baccalauréat.", "%", RP, "2022", "compétences", "compétences", EPCI_WEIGHTING),
    Indicator("part_cadres", "Part des cadres et professions intellectuelles supérieures", "Part des cadres et professions intellectuelles supérieures dans la population de 15 ans et plus.", "%", RP, "2022", "compétences", "compétences", EPCI_WEIGHTING),
    Indicator("part_ouvriers", "Part des ouvriers", "Part des ouvriers dans la population de 15 ans et plus.", "%", RP, "2022", "compétences", "compétences", EPCI_WEIGHTING),
    Indicator("taux_emploi_1564", "Taux d'emploi des 15-64 ans", "Actifs occupés de 15-64 ans rapportés à la population de 15-64 ans.", "%", RP, "2016 ; 2022", "compétences", "compétences", EPCI_WEIGHTING),
    # Marché du travail ----------------------------------------------------------------------
    Indicator("taux_chomage", "Taux de chômage localisé", "Taux de chômage trimestriel CVS des zones d'emploi, moyenne pondérée par la population du territoire dans chaque zone d'emploi.", "%", CHOMAGE, "trimestres 2003-2022", "compétences", "marché du travail", "Population municipale 2020 des communes ; zones d'emploi 2020."),
    Indicator("taux_chomage_rp", "Taux de chômage au recensement (15-64 ans)", "Chômeurs déclarés de 15-64 ans rapportés aux actifs de 15-64 ans (recensement).", "%", RP, "2022", "compétences", "marché du travail", EPCI_WEIGHTING),
    Indicator("demandeurs_emploi", "Demandeurs d'emploi (communes couvertes)", "Nombre de demandeurs d'emploi inscrits à France Travail, somme des communes du territoire présentes dans la source (communes les plus peuplées).", "personnes", DEFM, "mois 2020-2024", "compétences", "marché du travail", "Seules les communes publiées sont sommées : voir demandeurs_emploi_couverture."),
    Indicator("demandeurs_emploi_couverture", "Couverture de la série des demandeurs d'emploi", "Population municipale 2020 des communes publiées rapportée à la population du territoire.", "%", DEFM, "2020-2024", "compétences", "marché du travail"),
    Indicator("demandeurs_emploi_evol", "Évolution du nombre de demandeurs d'emploi", "Variation relative entre le premier et le dernier mois publiés, à communes couvertes constantes.", "%", DEFM, "premier-dernier mois", "compétences", "marché du travail"),
    # Attractivité résidentielle ------------------------------------------------------------
    Indicator("croissance_population", "Croissance annuelle moyenne de la population", "Taux de croissance annuel moyen de la population municipale.", "%/an", RP, "2011-2016 ; 2016-2022", "attractivité", "démographie", EPCI_WEIGHTING),
    Indicator("croissance_population_migratoire", "Contribution du solde migratoire à la croissance", "Part de la croissance annuelle moyenne due au solde migratoire apparent (croissance totale − solde naturel).", "%/an", RP, "2011-2016 ; 2016-2022", "attractivité", "démographie", EPCI_WEIGHTING),
    Indicator("revenu_median", "Niveau de vie médian", "Médiane du revenu disponible par unité de consommation.", "€/an", FILOSOFI, "2021", "attractivité", "revenus", EPCI_WEIGHTING + " Une moyenne de médianes n'est pas la médiane du territoire : ordre de grandeur."),
    Indicator("taux_pauvrete", "Taux de pauvreté", "Part de la population dont le niveau de vie est inférieur à 60 % du niveau de vie médian national.", "%", FILOSOFI, "2021", "attractivité", "revenus", EPCI_WEIGHTING),
    Indicator("dvf_prix_maison", "Prix moyen des maisons", "Prix au m² des maisons vendues, moyenne des EPCI pondérée par leurs ventes de maisons situées (au prorata de la population) dans le territoire.", "€/m²", DVF, "2010-dernière année", "attractivité", "logement", "EPCI partiellement couverts : ventes comptées au prorata de la part de population dans le TI."),
    Indicator("dvf_prix_appartement", "Prix moyen des appartements", "Prix au m² des appartements vendus, moyenne des EPCI pondérée par leurs ventes d'appartements (au prorata de la population dans le territoire).", "€/m²", DVF, "2010-dernière année", "attractivité", "logement", "EPCI partiellement couverts : ventes comptées au prorata de la part de population dans le TI."),
    Indicator("dvf_transactions", "Nombre de ventes de logements", "Ventes de maisons et d'appartements, somme des EPCI au prorata de leur population dans le territoire.", "ventes", DVF, "2010-dernière année", "attractivité", "logement", "EPCI partiellement couverts : ventes comptées au prorata de la part de population dans le TI."),
    # Programmes -----------------------------------------------------------------------------
    Indicator("nb_villes_acv", "Villes Action cœur de ville", "Nombre de communes du territoire dans la liste actuelle Action cœur de ville.", "communes", ANCT, "2024", "attractivité", "programmes"),
    Indicator("nb_villes_acv2", "Villes Action cœur de ville 2", "Nombre de communes du territoire dans Action cœur de ville 2 (2023-).", "communes", ANCT, "2023", "attractivité", "programmes"),
    Indicator("nb_villes_pvd", "Petites villes de demain", "Nombre de communes du territoire dans Petites villes de demain.", "communes", ANCT, "2021", "attractivité", "programmes"),
)

INDICATORS: dict[str, Indicator] = {i.name: i for i in _INDICATORS}
if len(INDICATORS) != len(_INDICATORS) or not all(i.pillar in PILLARS for i in _INDICATORS):
    raise ValueError("registre des indicateurs incohérent : nom en double ou pilier inconnu")


def registry() -> pd.DataFrame:
    """All indicators with their French label, definition, unit, source, year, pillar, theme, method."""
    return pd.DataFrame([asdict(i) for i in _INDICATORS]).astype(str)


def pillar_coverage() -> pd.DataFrame:
    """Number of indicators per pillar, with a French note for a pillar without data."""
    counts = registry().groupby("pillar").size().reindex(list(PILLARS), fill_value=0)
    notes = {
        "simplification": "Aucune donnée ouverte ne mesure la simplification administrative (délais "
        "d'autorisation, procédures) à l'échelle des territoires : pilier non couvert."
    }
    return pd.DataFrame(
        {
            "pillar": counts.index,
            "n_indicators": counts.to_numpy(),
            "note": [notes.get(p, "") if n == 0 else "" for p, n in counts.items()],
        }
    )


def missing_pillars() -> list[str]:
    """Pillars without any indicator (simplification, with the open data available)."""
    cov = pillar_coverage()
    return cov.loc[cov["n_indicators"] == 0, "pillar"].tolist()
