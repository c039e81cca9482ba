"""The end of a monograph: *Questions pour le terrain* (from ``analyses.questions_terrain``),
*Travail de terrain* (``monographies/terrain/<id>.md``; one sentence saying no interview has been
conducted while nothing is written there) and the
draft box that tells the team what the monograph still lacks."""

from __future__ import annotations

import re
from pathlib import Path

from analysis import config, texte
from analysis.analyses import portrait
from analysis.analyses.questions_terrain import Constat
from analysis.texte import nombre, pourcent, valeur

QUESTIONS_PAS_ENCORE = (
    "Les questions pour le terrain partent des trajectoires de l'emploi depuis 2018 et du tissu productif depuis 2019, "
    "qui ne sont pas encore publiés."
)


def _signe(x: float) -> str:
    return f"{'+' if x > 0 else ''}{nombre(x)}"


def _mieux(effet_local: float) -> str:
    """A sector's local effect in words: it gained or lost jobs against its national trend, not
    necessarily in absolute terms (+245 jobs against a trend of +499 is « moins bien »)."""
    return "mieux" if effet_local > 0 else "moins bien"


def _question(c: Constat, autre_phase: int) -> str:
    v = c.valeurs
    if c.regle == "local_contre_structure":
        mix = "favorable" if v["structurel_pct"] > 0 else "défavorable"
        return (f"Sa composition sectorielle lui était {mix} ({pourcent(v['structurel_pct'], 1, signed=True)} d'emplois depuis 2019), "
                f"mais ses établissements ont fait {_mieux(v['local_pct'])} que leur secteur en France ({pourcent(v['local_pct'], 1, signed=True)}, "
                f"{_signe(v['local'])} emplois). Qu'est-ce qui, localement, a fait la différence ?")
    if c.regle == "specialite":
        return (f"Son secteur le plus spécifique, {v['secteur'].lower()} ({nombre(v['specificite'], 1)} fois son poids en France, "
                f"{pourcent(v['part'], 1)} des emplois), a fait {_mieux(v['effet_local'])} que ne le voudrait sa tendance nationale, "
                f"de {nombre(abs(v['effet_local']))} emplois (variation estimée {_signe(v['variation'])}, tendance {_signe(v['attendu'])}). Quels "
                "établissements, quelles décisions d'investissement ou de fermeture l'expliquent ?")
    if c.regle == "epci_divergents":
        return (f"Depuis 2018, l'emploi salarié privé progresse de {valeur(v['tcam_haut'], '%/an')} dans {v['haut']} mais de "
                f"{valeur(v['tcam_bas'], '%/an')} dans {v['bas']}. Les deux parties du territoire vivent-elles des mêmes "
                "activités, et le programme les touche-t-il de la même façon ?")
    if c.regle == "commune_decisive":
        sens = "gagné" if v["variation"] > 0 else "perdu"
        return (f"À elle seule, {v['commune']} a {sens} {nombre(abs(v['variation']))} emplois depuis 2018 "
                f"({pourcent(v['variation_pct'], 1, signed=True)}), pour une variation de {_signe(v['total'])} dans tout le "
                "territoire. S'agit-il d'un ou deux établissements, d'une zone d'activité, d'un transfert depuis une commune voisine ?")
    if c.regle == "perimetre":
        if v["relation"] == portrait.INCLUS:
            what = (f"En phase {autre_phase}, ses communes faisaient partie d'un territoire plus large ({v['id_autre']}, "
                    f"{nombre(v['n_communes_autre'])} communes), dont elles ne regroupaient que {pourcent(v['part_autre'], 0)} "
                    "de la population")
        elif v["relation"] == portrait.ENGLOBE:
            what = (f"En phase {autre_phase}, le territoire ({v['id_autre']}) ne comptait que {nombre(v['communes_communes'])} "
                    f"de ses {nombre(v['n_communes'])} communes ; les autres, {pourcent(100 - v['part_ici'], 1)} de sa population, "
                    "l'ont rejoint depuis")
        else:
            what = (f"En phase {autre_phase}, {v['id_autre']} ne partageait avec lui que {nombre(v['communes_communes'])} de ses "
                    f"{nombre(v['n_communes'])} communes ({pourcent(v['part_ici'], 0)} de sa population)")
        return f"{what}. Pourquoi ce changement de périmètre, et qu'a-t-il changé au projet industriel et à sa gouvernance ?"
    if c.regle == "demandeurs_contre_emploi":
        return (f"Les demandeurs d'emploi ont varié de {pourcent(v['demandeurs'], 1, signed=True)} (France "
                f"{pourcent(v['demandeurs_france'], 1, signed=True)}) alors que l'emploi salarié privé croît de "
                f"{valeur(v['emploi_tcam'], '%/an')} (France {valeur(v['emploi_tcam_france'], '%/an')}). Les emplois créés "
                "vont-ils à des actifs venus d'ailleurs, ou les inscriptions reflètent-elles autre chose ?")
    if c.regle == "emploi_population":
        return (f"L'emploi salarié privé {'progresse' if v['emploi_tcam'] > 0 else 'recule'} ({valeur(v['emploi_tcam'], '%/an')} "
                f"depuis 2018) quand la population {'diminue' if v['population_tcam'] < 0 else 'augmente'} "
                f"({valeur(v['population_tcam'], '%/an')} entre 2016 et 2022). Où habitent ceux qui occupent les emplois du territoire ?")
    if c.regle == "secteur_local":
        return (f"Le secteur {v['secteur'].lower()} porte à lui seul {pourcent(100 * v['part'], 0)} des écarts à la tendance "
                f"nationale : il a fait {_mieux(v['effet_local'])} que sa tendance, de {nombre(abs(v['effet_local']))} emplois "
                f"(variation estimée {_signe(v['variation'])}, tendance {_signe(v['attendu'])}). Pourquoi ?")
    if c.regle == "emploi_chomage":
        return (f"L'emploi salarié privé croît plus vite qu'en France ({valeur(v['emploi_tcam'], '%/an')} contre "
                f"{valeur(v['emploi_tcam_france'], '%/an')}) mais le chômage y reste plus élevé ({pourcent(v['chomage'])} contre "
                f"{pourcent(v['chomage_france'])}). Les emplois créés correspondent-ils aux qualifications des chômeurs ?")
    if c.regle == "industrie_sans_haute_technologie":
        return (f"L'industrie pèse {pourcent(v['industrie'])} de l'emploi (France {pourcent(v['industrie_france'])}), mais la haute "
                f"technologie seulement {pourcent(v['hautetech'])} (France {pourcent(v['hautetech_france'])}). Quels projets de "
                "montée en gamme les entreprises portent-elles ?")
    if c.regle == "controle_ecart":
        sens = "au-dessus" if v["ecart"] > 0 else "en dessous"
        return (f"En {v['annee']}, l'emploi salarié privé de ses EPCI entrés en {v['entree']} est à l'indice "
                f"{nombre(v['traite'], 1)}, {nombre(abs(v['ecart']), 1)} points {sens} de leur contrôle synthétique "
                f"({nombre(v['synthetique'], 1)}). Quels établissements ont fait cet écart, et doivent-ils quelque chose au "
                "programme ?")
    if c.regle == "ville_programme":
        date = f"depuis la convention signée le {texte.date_fr(v['date'])}" if v["date"] else "(date de convention non publiée)"
        sens = "gagné" if v["variation"] > 0 else "perdu"
        return (f"{v['commune']}, en {v['programme']} {date}, a {sens} {nombre(abs(v['variation']))} emplois salariés privés "
                f"depuis 2018 ({pourcent(v['variation_pct'], 1, signed=True)}), la plus forte variation des "
                f"{texte.pluriel(v['n_villes'], 'ville')} du territoire dans ces programmes"
                f"{f' après {apres}' if (apres := v.get('apres')) else ''}. Ce que le programme y a financé "
                "a-t-il touché les entreprises, leurs locaux ou leurs salariés ?")
    if c.regle == "fonds_vert":
        return (f"Le plus grand projet du Fonds vert 2023 situé dans ses communes, « {v['projet']} » ({v['beneficiaire']}, "
                f"{v['commune']}), engage {nombre(v['montant'])} €, {pourcent(v['part'], 0)} du total de ses "
                f"{texte.pluriel(v['n_projets'], 'projet')} ({nombre(v['par_habitant'], 1)} € par habitant, médiane des "
                f"territoires de la phase {nombre(v['mediane'], 1)} €). Le projet est-il réalisé à {v['commune']} (la "
                "commune de la liste est souvent le siège du bénéficiaire), et sert-il l'industrie du territoire ?")
    if c.regle == "relance_emplois":
        comparaison = "plus" if v["pour_1000"] > v["pour_1000_france"] else "moins"
        aidees = texte.accord(v["pour_1000"], "entreprise industrielle aidée", "entreprises industrielles aidées")
        return (f"{v['departement']} : {nombre(v['pour_1000'], 2)} {aidees} par France Relance pour "
                f"{nombre(1000)} emplois salariés privés de {v['annee']} ({nombre(v['entreprises'])} entreprises fin "
                f"{texte.observation_fr(v['mois'])}, {texte.ordinal(v['rang'])} des {nombre(v['n_departements'])} départements), "
                f"{comparaison} qu'en France ({nombre(v['pour_1000_france'], 2)}). Combien sont dans le territoire, et "
                "leurs investissements auraient-ils eu lieu sans l'aide ?")
    if c.regle == "changements_epci":
        return (f"{texte.majuscule(texte.en_lettres(v['n_communes'], feminin=True))} {texte.accord(v['n_communes'], 'commune')} "
                "du territoire "
                f"{'a' if v['n_communes'] == 1 else 'ont'} changé d'EPCI depuis {v['depuis']} ; {v['commune']} est ainsi passée "
                f"de {v['avant']} à {v['apres']}. "
                "Qui porte désormais le développement économique et les zones d'activité de ces communes ?")
    raise ValueError(f"règle inconnue : {c.regle}")


def texte_questions(constats: list[Constat], nom: str, autre_phase: int) -> str:
    """The facts the numbers do not explain, each followed by a question for the interviews
    (``autre_phase``: the phase the perimeter is compared with)."""
    if not constats:
        return f"Aucune des règles de repérage ne signale de fait inexpliqué pour {nom}."
    intro = (
        "Les faits suivants ressortent des chiffres de cette monographie sans que ceux-ci suffisent à les expliquer ; ils sont "
        "repérés par des règles explicites (écarts de signe, concentration, divergence, écart au contrôle synthétique, villes "
        "des programmes, Fonds vert, France Relance, changements d'EPCI) et proposés comme points de départ des entretiens."
    )
    return intro + "\n\n" + "\n".join(f"{i}. {_question(c, autre_phase)}" for i, c in enumerate(constats, 1))


TERRAIN_DIR = config.MONOGRAPHIES_DIR / "terrain"
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def terrain(id_ti: str, folder: Path = TERRAIN_DIR) -> str:
    """The researchers' fieldwork notes (``monographies/terrain/<id_ti>.md``) without HTML
    comments (the template's instructions); "" while nothing else is written."""
    path = Path(folder) / f"{id_ti}.md"
    return HTML_COMMENT.sub("", path.read_text(encoding="utf-8")).strip() if path.exists() else ""


PAS_DE_TERRAIN = (
    "Aucun entretien de terrain n'a encore été mené dans ce territoire : les questions ci-dessus sont le guide des "
    "premiers entretiens."
)


def section_terrain(id_ti: str, folder: Path = TERRAIN_DIR) -> str:
    """The "Travail de terrain" section: the team's notes once written, else one sentence saying
    that no interview has been conducted yet (never invented notes)."""
    notes = terrain(id_ti, folder)
    return f"## Travail de terrain\n\n{notes or PAS_DE_TERRAIN}"


def texte_brouillon(id_ti: str, manques: list[str], folder: Path = TERRAIN_DIR) -> str:
    """For the team only (shown by ``observatoire render --brouillon``): what the monograph still lacks."""
    items = list(manques)
    if not terrain(id_ti, folder):
        items.insert(0, f"les notes de terrain : écrire sous le commentaire de `monographies/terrain/{id_ti}.md` "
                        "(entretiens, bonnes pratiques, projets phares, ce que les données ne disent pas)")
    if not items:
        return "> **Brouillon.** Rien ne manque à cette monographie."
    return "> **Brouillon — ce qui manque à cette monographie (visible de l'équipe seulement)**\n>\n" + "\n".join(f"> - {m}" for m in items)
