"""The "Méthodes et définitions" page (``notebooks/methodes.ipynb``): how territories' values are
obtained (geographic bases, coverage threshold, estimates by zone d'emploi, ranks and forces),
every indicator of the registry (``data/indicateurs.toml``), every dataset and file declared
in ``data/sources.toml`` and the software environment of the run, as French text and tables, and the link every other document gives
to it.

The page is executed by the run into ``outputs/<periode>/methodes/methodes.ipynb``, so the
site shows it at ``methodes/methodes.html``; a document ``profondeur`` folders below the
site's root links to it with ``renvoi``.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

import pandas as pd

from analysis import environnement, mois
from analysis.analyses import emploi_industriel
from analysis.analyses.positions import DECILE, FAMILLES, QUARTILE, SEUIL_COUVERTURE, SEUIL_ECART
from analysis.donnees import controles, editions, provenance, sources
from analysis.indicateurs.registry import INDICATORS, REGISTRE, pillar_coverage
from analysis.texte import nombre, observation_fr, pourcent

REGLE_EVALUATION = (
    "**Règle de l'estimation principale, fixée avant les chiffres.** L'estimation principale est celle de Callaway et "
    "Sant'Anna (2021) : chaque cohorte d'entrée (2019, 2023) est comparée aux seuls EPCI jamais retenus, année par année, "
    "par rapport à l'année qui précède son entrée, sans pondération, et les cohortes sont réunies en proportion de leurs "
    "EPCI. Elle est choisie parce qu'elle ne compare jamais des EPCI traités entre eux (la double différence à effets fixes "
    "le fait quand les entrées sont échelonnées), qu'elle ne dépend d'aucun choix de covariables ni de pondération, et que "
    "ses témoins ne sont touchés par le programme à aucune date. Toute autre estimation est une ligne de robustesse, "
    "présentée à côté avec la raison pour laquelle elle diffère ; aucune n'est retenue parce qu'elle est plus grande ou "
    "plus significative. Le mot « écart » est employé plutôt qu'« effet » : le dispositif ne garantit pas que l'écart soit "
    "causé par le programme. La sensibilité à une violation des tendances parallèles suit Rambachan et Roth (2023) sur "
    "l'étude d'événement de la cohorte 2019 dans ce même dispositif, et sur celle de toutes les cohortes réunies par année "
    "relative à l'entrée : bornes de l'écart moyen d'après l'entrée et de chaque "
    "année sous les restrictions d'ampleurs relatives (M̄) et de régularité (M), valeur de rupture (le plus petit M̄ ou M "
    "dont l'intervalle inclut 0), calculées avec le paquet maintenu diff-diff pour la régularité et, pour les ampleurs "
    "relatives, avec un intervalle de Bonferroni prudent ; et, plus simple, le prolongement de la "
    "droite ajustée sur les écarts d'avant l'entrée. L'estimateur par cohortes du projet est recalculé à chaque période "
    "avec l'implémentation maintenue de diff-diff (CallawaySantAnna) sur le même panel : la synthèse affiche l'écart "
    "maximal entre les deux (nul aux arrondis près sur les données de 2026-12, écarts-types identiques)."
)

# The relative-magnitude intervals (tendances._rm_interval) against the reference implementation's
# published example (tests/test_honestdid_reference.py checks the numbers).
LIMITE_RM = (
    "Pour les ampleurs relatives, l'intervalle de confiance est un intervalle de Bonferroni prudent : l'ensemble "
    "identifié est calculé avec, au lieu de la plus grande variation d'avant l'entrée, une borne de confiance supérieure "
    "de celle-ci (à 97,5 %, chaque variation augmentée de son écart-type multiplié par le quantile de Bonferroni), puis "
    "élargi de 2,24 écarts-types de l'estimation (97,5 %) ; il contient l'écart vrai avec une probabilité d'au moins "
    "95 %. Il tient ainsi compte de l'incertitude sur la plus grande variation d'avant l'entrée, ce que ne fait pas "
    "l'intervalle du paquet diff-diff. Sur l'exemple publié de l'implémentation de référence (HonestDiD pour R, "
    "extension de Medicaid, effet de 2014), il contient l'intervalle publié à chaque M̄ et il est plus large : à M̄ = 2, "
    "[−3,0 ; 12,3] point contre [−0,1 ; 8,8] publié (celui de diff-diff, [1,1 ; 8,2], excluait 0). Les valeurs de "
    "rupture M̄ affichées sont donc prudentes : elles peuvent sous-estimer la robustesse de l'écart, non la surestimer. "
    "Les intervalles de régularité (M) sont ceux de diff-diff, qui reproduisent ceux publiés (9 bornes sur 12 égales "
    "aux arrondis, les 3 autres à une unité du dernier chiffre imprimé)."
)

LIMITE_RM_COURTE = (
    "Les intervalles d'ampleurs relatives sont des intervalles de Bonferroni prudents, qui tiennent compte de "
    "l'incertitude sur la plus grande variation d'avant l'entrée : les valeurs de rupture M̄ peuvent sous-estimer la "
    "robustesse de l'écart, non la surestimer (voir la page Méthodes)."
)

# The designs added to the evaluation beside the headline, said once on the methods page.
METHODES_EVALUATION = (
    "**Exposition sectorielle (décalage-part, « Bartik »).** Pour chaque EPCI, l'emploi prédit chaque année est la somme, "
    "sur quatre secteurs, de sa part de l'emploi au recensement de 2016 multipliée par l'évolution nationale de l'emploi de "
    "ce secteur depuis 2016 (estimations d'emploi de l'INSEE par secteur NA5). Le recensement de 2016 ne sépare pas "
    "l'agriculture de l'industrie : leurs emplois nationaux sont additionnés de même ; construction, commerce-transports-"
    "services et administration publique-enseignement-santé correspondent aux secteurs FZ, GU et OQ. L'estimation principale "
    "est recalculée sur le logarithme de l'emploi moins celui de l'emploi prédit, sur les années que couvre la série "
    "nationale, et les EPCI traités sont partagés à la médiane de la croissance prédite de 2018 à 2021. Cette correction "
    "impose aux tendances sectorielles nationales leur propre ampleur ; la ligne « à structure sectorielle égale », qui "
    "conditionne les tendances parallèles sur la part de l'agriculture et de l'industrie, laisse au contraire le choc de "
    "chaque année prendre n'importe quelle ampleur en proportion de cette part : les deux sont montrées.\n\n"
    "**Partage selon France Relance.** France Relance n'est publié que par département (baromètre des résultats), sans "
    "liste des projets ni montants : à défaut de montant par emploi, l'intensité d'un département est le nombre "
    "d'entreprises industrielles aidées à la fin de 2022 pour 1 000 emplois salariés privés de 2019 (URSSAF). Chaque EPCI "
    "reçoit celle de son département au sens du panel, celui où se trouvent la plupart de ses communes (le même qui regroupe "
    "les écarts-types). Les EPCI traités sont partagés à la médiane des traités (au-dessus ; à la médiane ou en dessous), "
    "chaque moitié contre tous les EPCI jamais retenus, avec l'estimateur principal. Le plan a commencé fin 2020, après "
    "l'entrée de la cohorte 2019 : l'intensité est postérieure au traitement de cette cohorte, si bien qu'elle n'est pas "
    "utilisée comme covariable (elle pourrait absorber une partie de l'écart) et que le partage dit où se trouve l'écart "
    "sans séparer ce qui revient à chacun des deux programmes.\n\n"
    "**Contrôles synthétiques à donneurs restreints.** À côté du contrôle synthétique tiré de tous les EPCI jamais retenus, "
    "deux variantes n'utilisent que les donneurs de la région du territoire, ou ceux de même profil sectoriel (même tiers "
    "de la part de l'agriculture et de l'industrie en 2016 que le territoire) ; la typologie des territoires ne classe pas "
    "les EPCI hors programme. Une variante de moins de cinq donneurs n'est pas ajustée.\n\n"
    "**Référence de la méthode de Rambachan et Roth.** " + LIMITE_RM
)

PAGE = mois.METHODES_PAGE  # the page in the site, from the site's root

BASES_FR = {  # short French name of each geographic basis of the registry
    "somme_communes": "somme des communes",
    "decompte_communes": "décompte de communes",
    "epci": "valeurs par EPCI (EPT dans la Métropole du Grand Paris)",
    "epci_sans_ept": "valeurs par EPCI",
    "zone_emploi": "valeurs par zone d'emploi",
    "departements": "valeurs par département",
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
    ape = emploi_industriel.limite_ape()
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
        "le cas contraire. Un indicateur sans sens favorable (structure de l'emploi, prix des logements) n'est un trait "
        f"distinctif que si le territoire est dans le dixième ({pourcent(100 * DECILE, 0)}) le plus élevé ou le plus bas "
        "des territoires : l'écart à la France n'y suffit pas, les grandes villes hors programme l'éloignant de presque tous "
        f"les territoires. Les versions d'une même mesure ({' ; '.join(FAMILLES)}) ne donnent qu'une ligne, la plus "
        "marquée.\n\n"
        f"**Piliers du programme.** Chaque indicateur est rattaché à l'un des quatre piliers du programme : {pillars}\n\n"
        + (f"{ape}\n\n" if ape else "")
        + f"{MONOGRAPHIES_SOURCES}\n\n"
        + f"{TRAVAIL_DE_TERRAIN}\n\n"
        + REGLE_EVALUATION + "\n\n" + METHODES_EVALUATION
    )


# What the monographs' maps and funding sections rest on, said once here rather than in each monograph.
MONOGRAPHIES_SOURCES = (
    "**Cartes des communes et financements des monographies.** Les cartes des communes des fiches et des monographies "
    "utilisent les contours des communes au 1er janvier 2018 (IGN, Admin Express simplifié), ramenés au COG 2023 : les "
    "communes fusionnées depuis sont réunies dans leur commune nouvelle ; une commune créée depuis par scission n'a pas de "
    "contour. Les projets du Fonds vert 2023 sont situés par la commune que donne la liste nationale, souvent le siège du "
    "bénéficiaire. France Relance n'est suivi que par département (baromètre des résultats) : aucune liste des projets "
    "aidés, projet par projet, n'est disponible hors ligne (la liste « Plan de relance – Projets industriels » de la DGE "
    "n'existe qu'en ligne), si bien que les monographies ne disent pas quelles entreprises du territoire ont été aidées. "
    "Les entreprises industrielles aidées d'un département sont rapportées à ses emplois salariés privés de 2019 (URSSAF), "
    "dernière année avant le plan et la crise sanitaire, que les aides n'ont donc pas pu modifier ; l'emploi industriel "
    "n'est pas disponible par département dans les données de l'observatoire. Le chiffre national rapporte le total des "
    "entreprises des départements dont l'emploi est publié au total de leurs emplois (ce n'est pas une moyenne des "
    "départements), et chaque département est classé parmi eux."
)

# Where the team's fieldwork goes, and what a monograph says until it is written.
TRAVAIL_DE_TERRAIN = (
    "**Travail de terrain des monographies.** Les questions pour le terrain de chaque monographie sont tirées de ses "
    "propres tableaux par des règles explicites (écart au contrôle synthétique, ville du programme dont l'emploi a le plus "
    "varié et date de sa convention, plus grand projet du Fonds vert, entreprises aidées par France Relance pour 1 000 "
    "emplois, communes qui ont changé d'EPCI, commune qui porte la variation de l'emploi…) ; chacune cite la commune et le "
    "nombre qui la motivent. L'équipe qui mène les entretiens dépose ses notes dans le fichier "
    "`monographies/terrain/<identifiant du territoire>.md` du dépôt (par exemple `monographies/terrain/ti-4402.md`), sous "
    "le commentaire d'instructions : elles paraissent dans la section « Travail de terrain » de la monographie à "
    "l'exécution suivante. Tant que rien n'y est écrit, la monographie dit qu'aucun entretien n'a encore été mené."
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


def _edition_fr(e: editions.Edition) -> str:
    when = f"obtenue le {e.publie_le:%d/%m/%Y}" if e.vivante else f"publiée le {e.publie_le:%d/%m/%Y}"
    return f"édition du {observation_fr(e.edition)} ({when}, {sources.NATURES_FR[e.nature]})"


def editions_lues(dataset: str, periode: str) -> str:
    """French: the editions of a dataset held in editions that ``periode`` reads, series by
    series (``editions.en_vigueur``), "" for another dataset."""
    series = sorted({s.serie for s in sources.sources().values() if s.dataset == dataset and s.serie})
    parts = []
    for serie in series:
        vigueur = editions.en_vigueur(dataset, serie, periode)
        lues = " puis, pour les trimestres suivants, ".join(_edition_fr(e) for e in editions.lues(vigueur))
        regle = " (avant sa publication : trimestres publiés à la date selon le délai déclaré)" if vigueur.regle else ""
        parts.append(f"{SERIES_FR.get(serie, serie)} : {lues}{regle}")
    return " ; ".join(parts)


SERIES_FR = {"ze": "zones d'emploi", "departements": "départements"}


def _copies(files: list[dict]) -> str:
    """The copies read of a dataset's files, second to the official source: where each copy
    comes from and what it is, with the number of files."""
    groups: dict[tuple[str, str], int] = {}
    for f in files:
        key = (f.get("copie_lue") or provenance.copie(f["url"]), f.get("nature") or sources.source(f["id"]).nature)
        groups[key] = groups.get(key, 0) + 1
    return " ; ".join(
        f"{where} : {sources.NATURES_FR[nature]}" + (f" ({nombre(n)} fichiers)" if n > 1 else "")
        for (where, nature), n in groups.items()
    )


def tableau_jeux(record: dict) -> pd.DataFrame:
    """One row per declared dataset: Jeu de données (its official title), Éditeur (the official
    publisher), Page officielle, Millésime (the latest period published by the end of the
    period, from the run's record), Édition lue (a dataset held in editions: the editions read
    and their release dates), Publication, Licence, Copie lue (second to the source: the
    repository and commit or package of the copy, and whether it is a copy of the official file
    or a file derived or re-saved by a third party)."""
    declared = sources.sources()
    names = list(dict.fromkeys(s.dataset for s in declared.values()))
    millesimes = provenance.millesimes(record)
    pages = {name: v.page for name, v in sources.vivants().items() if v.page}
    by_dataset: dict[str, list[dict]] = {}
    for f in record["fichiers"]:
        by_dataset.setdefault(sources.source(f["id"]).dataset, []).append(f)
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
                "Jeu de données": d.titre or provenance.nom_jeu(name).split(" (")[0],
                "Éditeur": d.editeur or " ; ".join(dict.fromkeys(s.publisher for s in files)),
                "Page officielle": _lien(d.page or pages.get(name, files[0].url)),
                "Millésime": observation_fr(millesimes[name]) if millesimes.get(name) else "sans période",
                "Édition lue": editions_lues(name, record["periode"]) or "–",
                "Publication": publication,
                "Licence": " ; ".join(dict.fromkeys(s.licence for s in files)),
                "Copie lue": _copies(by_dataset.get(name, [])) or "non lue",
            }
        )
    return pd.DataFrame(rows)


def tableau_fichiers(record: dict) -> pd.DataFrame:
    """Every file of the run's record: Fichier, Copie, Nature (copy of the official file, or
    derived or re-saved by a third party), Éditeur, Licence, Adresse (of the copy read),
    Empreinte sha256 (the first 12 characters), Dernière période."""
    return pd.DataFrame(
        {
            "Fichier": [f["file"] for f in record["fichiers"]],
            "Copie": [f["copie"] for f in record["fichiers"]],
            "Nature": [sources.NATURES_FR[f.get("nature") or sources.source(f["id"]).nature] for f in record["fichiers"]],
            "Éditeur": [f["publisher"] for f in record["fichiers"]],
            "Licence": [f["licence"] for f in record["fichiers"]],
            "Adresse": [_lien(f["url"]) for f in record["fichiers"]],
            "Empreinte sha256": [f["sha256"][: provenance.EMPREINTE] for f in record["fichiers"]],
            "Dernière période": [observation_fr(f["derniere_observation"]) if f.get("derniere_observation") else "–" for f in record["fichiers"]],
        }
    )


def texte_environnement(record: dict) -> str:
    """French paragraphs on the software of the run (``provenance.json``, key ``environnement``):
    Python, platform, renderer, agreement with the lock, and every installed distribution with
    its version; a sentence saying it was not recorded for an older record."""
    env = record.get("environnement")
    if env is None:
        return "L'environnement logiciel de cette période n'a pas été enregistré (période produite avant son enregistrement)."
    paquets = ", ".join(f"{name} {version}" for name, version in env["distributions"].items())
    return (
        f"{environnement.resume(env)}. Plateforme : {env['plateforme']} ({env['implementation']}). Les versions "
        "installées viennent du fichier de verrou `requirements.lock` du dépôt (versions exactes et empreintes, "
        "`make lock` le met à jour) ; `provenance.json` les enregistre pour chaque période.\n\n"
        f"**Paquets installés ({nombre(len(env['distributions']))}).** {paquets}."
    )


def texte_editions() -> str:
    """French: the rule by which a month reads the editions of a series, and the checks of the
    derived files against official ones (``controles``), with their numbers."""
    d, r, u = controles.chomage_derive(), controles.chomage_revisions(), controles.urssaf_communes()
    return (
        "**Éditions et fichiers dérivés.** Une source peut être détenue en plusieurs éditions datées (le chômage localisé de "
        "l'INSEE : classeurs des 2e trimestre 2022 et 3e trimestre 2023, publiés le 7 octobre 2022 et le 4 janvier 2024). Un mois "
        "lit l'édition officielle publiée au plus tard à sa fin : les trimestres nouveaux et les révisions des trimestres passés "
        "apparaissent le mois de sa publication. Un fichier dérivé ou ré-enregistré par un tiers ne sert que pour les trimestres "
        "qu'aucune édition officielle publiée à cette date ne couvre, et il est signalé comme tel (colonne `nature` des tables, "
        "phrases des fiches, provenance). Avant la première édition détenue, celle-ci est lue en ne gardant que les trimestres "
        "publiés à la date selon le délai déclaré.\n\n"
        f"**Accord du fichier dérivé avec l'édition officielle.** Sur les {nombre(d['n'])} valeurs (302 zones d'emploi, "
        f"{observation_fr(d['trimestres'][0])} – {observation_fr(d['trimestres'][1])}) que le fichier dérivé de l'édition du "
        f"4e trimestre 2025 partage avec le classeur officiel du 3e trimestre 2023, {pourcent(d['egales_pct'])} sont égales "
        f"(à la décimale publiée), {pourcent(d['a_01_pct'])} diffèrent de 0,1 point au plus ; l'écart moyen est de "
        f"{nombre(d['ecart_moyen'], 2)} point, le plus grand de {nombre(d['ecart_max'], 1)} point. Ces écarts mêlent les révisions "
        f"entre deux éditions (correction des variations saisonnières) et d'éventuelles erreurs de copie : pour comparaison, les "
        f"deux éditions officielles ont {pourcent(r['egales_pct'])} de valeurs égales sur leurs {nombre(r['n'])} valeurs communes, "
        f"avec un écart maximal de {nombre(r['ecart_max'], 1)} point.\n\n"
        f"**Série communale de l'URSSAF.** La série par commune (fichier dérivé par un tiers) est comparée au fichier officiel "
        f"commune × APE (extrait de la zone d'emploi de Rouen), sommé sur les codes APE : sur {nombre(u['n'])} couples commune × "
        f"année sans secret statistique ({nombre(u['communes'])} communes, {u['annees'][0]}-{u['annees'][1]}), "
        f"{pourcent(u['egales_pct'])} sont égaux et {pourcent(u['a_1pct_pct'])} à 1 % près ; sur toute la zone, le fichier "
        f"officiel totalise {pourcent(u['total_pct'][0])} à {pourcent(u['total_pct'][1])} de la série dérivée selon l'année."
    )
