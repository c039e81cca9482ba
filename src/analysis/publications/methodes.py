"""The "Méthodes et définitions" page (``notebooks/methodes.ipynb``): how territories' values are
obtained (geographic bases, coverage threshold, estimates by zone d'emploi, ranks and forces),
every indicator of the registry (``data/indicateurs.toml``) and every dataset and file declared
in ``data/sources.toml``, as French text and tables, and the link every other document gives
to it.

The page is executed by the run into ``outputs/<periode>/methodes/methodes.ipynb``, so the
site shows it at ``methodes/methodes.html``; a document ``profondeur`` folders below the
site's root links to it with ``renvoi``.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

import pandas as pd

from analysis import config
from analysis.analyses import industrie
from analysis.analyses.positions import QUARTILE, SEUIL_COUVERTURE, SEUIL_ECART
from analysis.donnees import provenance, sources
from analysis.indicateurs.registry import INDICATORS, REGISTRE, pillar_coverage
from analysis.texte import nombre, observation_fr, pourcent

PAGE = config.METHODES_PAGE  # the page in the site, from the site's root

BASES_FR = {  # short French name of each geographic basis of the registry
    "somme_communes": "somme des communes",
    "decompte_communes": "décompte de communes",
    "epci": "valeurs par EPCI (EPT dans la Métropole du Grand Paris)",
    "epci_sans_ept": "valeurs par EPCI",
    "zone_emploi": "valeurs par zone d'emploi",
}
SENS_FR = {"hausse_favorable": "une hausse est favorable", "baisse_favorable": "une baisse est favorable",
           "neutre": "ni favorable ni défavorable (description)"}
FREQUENCES_FR = {"annual": "annuelle", "quarterly": "trimestrielle", "monthly": "mensuelle"}


def lien(profondeur: int, ancre: str = "") -> str:
    """Relative link to the methods page from a document ``profondeur`` folders below the site root."""
    return "../" * profondeur + PAGE + (f"#{ancre}" if ancre else "")


def renvoi(profondeur: int) -> str:
    """The sentence that sends the reader to the methods page for definitions, sources and methods."""
    return (
        "Définitions des indicateurs, sources, millésimes et méthodes (périmètres, estimations par zone d'emploi, "
        f"rangs) : page [Méthodes et définitions]({lien(profondeur)})."
    )


def texte_methodes() -> str:
    """French paragraphs: the geographic bases, the coverage threshold, the ranks and the forces et faiblesses."""
    coverage = pillar_coverage()
    pillars = " ; ".join(
        f"{r.pillar} : {nombre(r.n_indicators)} indicateurs" if r.n_indicators else f"{r.pillar} : aucun indicateur"
        for r in coverage.itertuples()
    ) + ". " + " ".join(r.note for r in coverage.itertuples() if r.note)
    ape = industrie.limite_ape()
    bases = "\n".join(f"- **{BASES_FR[b][0].upper() + BASES_FR[b][1:]}** : {t}" for b, t in REGISTRE.geographic_bases.items())
    return (
        "Un territoire d'industrie est un ensemble de communes (COG 2023). La valeur d'un indicateur pour un territoire "
        "s'obtient selon la géographie à laquelle la source publie :\n\n"
        f"{bases}\n\n"
        "**Seuil de couverture.** Quand un territoire ne réunit qu'une partie des EPCI dont il reçoit les valeurs "
        "(recensement, Filosofi, DVF), ces valeurs décrivent surtout des habitants extérieurs au territoire. En dessous de "
        f"{pourcent(SEUIL_COUVERTURE, 0)} de la population de ces EPCI (moyenne pondérée comme les valeurs elles-mêmes), "
        "elles sont données comme « valeur de l'EPCI entier » et laissées hors des rangs, des forces et faiblesses, de la "
        "typologie et des régressions.\n\n"
        "**Estimations par zone d'emploi.** L'URSSAF publie l'emploi par secteur (38 secteurs) par zone d'emploi. Chaque zone "
        "donne à un territoire la part de ses emplois de 2019 qui se trouvent dans les communes du territoire : l'emploi "
        "par secteur, la décomposition structurelle-résiduelle et les parts de haute technologie d'un territoire sont des "
        "estimations, exactes seulement quand il réunit des zones d'emploi entières.\n\n"
        "**Rangs et forces et faiblesses.** Le rang d'un territoire est calculé parmi les territoires de la même phase qui ont "
        f"une valeur (1 = la plus élevée). Un territoire se distingue sur un indicateur quand il est dans le quart "
        f"({pourcent(100 * QUARTILE, 0)}) le plus élevé ou le plus bas des territoires, ou à plus de "
        f"{nombre(SEUIL_ECART, 0)} écart-type des territoires de la valeur de la France. C'est une force si le sens de "
        "l'indicateur le rend favorable et que le territoire est aussi du côté favorable de la France, une faiblesse dans "
        "le cas contraire ; un indicateur sans sens favorable donne un trait distinctif.\n\n"
        f"**Piliers du programme.** Chaque indicateur est rattaché à l'un des quatre piliers du programme : {pillars}\n\n"
        + (f"{ape}\n\n" if ape else "")
        + MONOGRAPHIES_SOURCES
    )


# What the monographs' maps and funding sections rest on, said once here rather than in each monograph.
MONOGRAPHIES_SOURCES = (
    "**Cartes des communes et financements des monographies.** Les cartes des communes des fiches et des monographies "
    "utilisent les contours des communes au 1er janvier 2018 (IGN, Admin Express simplifié), ramenés au COG 2023 : les "
    "communes fusionnées depuis sont réunies dans leur commune nouvelle ; une commune créée depuis par scission n'a pas de "
    "contour. Les projets du Fonds vert 2023 sont situés par la commune que donne la liste nationale, souvent le siège du "
    "bénéficiaire. France Relance n'est suivi que par département (baromètre des résultats) : aucune liste des projets "
    "aidés, projet par projet, n'est disponible hors ligne (la liste « Plan de relance – Projets industriels » de la DGE "
    "n'existe qu'en ligne), si bien que les monographies ne disent pas quelles entreprises du territoire ont été aidées."
)


def texte_indicateurs(observations: Mapping[int, pd.DataFrame]) -> str:
    """Every indicator of the registry, grouped by theme: label, name, definition, unit, period
    of the tables of each phase (``observations``: that table by phase), source, geographic
    basis, direction, method."""
    per = {phase: table.set_index("indicator")["observation"] for phase, table in observations.items()}
    blocks = []
    for theme in dict.fromkeys(i.theme for i in INDICATORS.values()):
        items = []
        for ind in (i for i in INDICATORS.values() if i.theme == theme):
            observations = {observation_fr(p[ind.name]) for p in per.values() if ind.name in p.index}
            items.append(
                f"- **{ind.label}** (`{ind.name}`). {ind.definition} Unité : {ind.unit}. Période : "
                f"{' ; '.join(sorted(observations)) or ind.year}. Source : {ind.source}. Base géographique : "
                f"{BASES_FR[ind.geographic_basis]}. Sens : {SENS_FR[ind.direction]}."
                + (f" Méthode : {ind.method}" if ind.method else "")
            )
        blocks.append(f"### {theme.capitalize()}\n\n" + "\n".join(items))
    return "\n\n".join(blocks)


def _lien(url: str) -> str:
    """An HTML link showing the site's name only (a table cell cannot hold a whole address)."""
    return f'<a href="{url}">{urlsplit(url).netloc}</a>'


def tableau_jeux(record: dict) -> pd.DataFrame:
    """One row per declared dataset: Jeu de données, Éditeur, Fichiers, Millésime (the latest
    period published by the end of the period, from the run's record), Publication, Licence,
    Adresse (the publisher's page, else the address of its first file)."""
    declared = sources.sources()
    names = list(dict.fromkeys(s.dataset for s in declared.values()))
    millesimes = provenance.millesimes(record)
    pages = {name: v.page for name, v in sources.vivants().items() if v.page}
    rows = []
    for name in names:
        files = [s for s in declared.values() if s.dataset == name]
        d = sources.dataset(name)
        publication = (
            f"{FREQUENCES_FR.get(d.frequency, d.frequency)}, délai de {nombre(d.lag_months)} mois" if d.frequency
            else "fichier de référence, sans délai"
        )
        rows.append(
            {
                "Jeu de données": provenance.nom_jeu(name).split(" (")[0],
                "Éditeur": " ; ".join(dict.fromkeys(s.publisher for s in files)),
                "Fichiers": nombre(len(files)),
                "Millésime": observation_fr(millesimes[name]) if millesimes.get(name) else "sans période",
                "Publication": publication,
                "Licence": " ; ".join(dict.fromkeys(s.licence for s in files)),
                "Adresse": _lien(pages.get(name, files[0].url)),
            }
        )
    return pd.DataFrame(rows)


def tableau_fichiers(record: dict) -> pd.DataFrame:
    """Every file of the run's record: Fichier, Copie, Éditeur, Licence, Adresse, Empreinte sha256
    (the first 12 characters), Dernière période."""
    return pd.DataFrame(
        {
            "Fichier": [f["file"] for f in record["fichiers"]],
            "Copie": [f["copie"] for f in record["fichiers"]],
            "Éditeur": [f["publisher"] for f in record["fichiers"]],
            "Licence": [f["licence"] for f in record["fichiers"]],
            "Adresse": [_lien(f["url"]) for f in record["fichiers"]],
            "Empreinte sha256": [f["sha256"][: provenance.EMPREINTE] for f in record["fichiers"]],
            "Dernière période": [observation_fr(f["derniere_observation"]) if f.get("derniere_observation") else "–" for f in record["fichiers"]],
        }
    )
