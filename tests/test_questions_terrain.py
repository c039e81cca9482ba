"""Questions for the fieldwork drawn from what happened in the territory (synthetic control gap,
programme towns and their dates, Fonds vert projects, France Relance per job, EPCI membership
changes): each rule fires on the monograph's own tables and its question names the commune and
the number that motivate it; on hand-written fixtures, then on the four monographs of 2026-12
(real data)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.analyses import fonds_vert_territoires, france_relance, portrait, questions_terrain, recoupements
from analysis.analyses.controle_synthetique import SyntheticControl
from analysis.analyses.dossier import ANNEE_EPCI_AVANT
from analysis.analyses.questions_terrain import Constat
from analysis.donnees import harmonisation, referentiel
from analysis.donnees.loaders import geo
from analysis.publications import monographie_terrain
from analysis.texte import nombre

WIDE = pd.DataFrame([  # nothing in the indicators fires: only the rules on what happened there
    {"id_ti": id_ti, "ss_effet_local_pct": 0.0, "ss_effet_structurel_pct": 0.0, "ss_effet_local": 0.0, "emploi_prive_tcam": 1.0,
     "croissance_population": 0.3, "taux_chomage": 7.0, "demandeurs_emploi_evol": -1.6, "part_industrie": 12.0,
     "part_industrie_hautetech": 5.0} for id_ti in ("ti-1", "FRANCE")])
COMMUNES = pd.DataFrame({"lib_com": ["Montargis", "Gien", "Briare", "Amilly", "Châlette-sur-Loing", "Corquilleroy"],
                         "variation": [-120.0, 100.0, 90.0, 110.0, 130.0, 140.0],
                         "variation_pct": [-2.0, 1.5, 3.0, 4.0, 3.5, 9.0]})  # no commune carries a third of the +450
BASE = {"epci": pd.DataFrame({"lib_epci": [], "part": [], "tcam_apres": []}), "communes": COMMUNES,
        "secteurs": pd.DataFrame({"a38": ["CA"], "lib": ["Ind. alimentaires"], "part": [1.0], "specificite": [1.0]}),
        "effets": pd.DataFrame({"a38": ["CA"], "lib": ["Ind. alimentaires"], "variation": [0.0], "effet_national": [0.0],
                                "effet_structurel": [0.0], "effet_local": [0.0]}),
        "correspondance": pd.DataFrame(), "relation": portrait.AUCUN}
SIGNATURES = pd.DataFrame({"programme": ["Action cœur de ville", "Petites villes de demain", "Petites villes de demain"],
                           "lib_programme": ["Montargis", "Gien", "Briare"], "lib_com": ["Montargis", "Gien", "Briare"],
                           "date_signature": ["2018-09-28", "2021-04-15", None]})
PROJETS = pd.DataFrame({"id_ti": ["ti-1", "ti-1", "ti-2"], "lib_com": ["Gien", "Briare", "Autre"],
                        "beneficiaire": ["CC GIENNOISES", "COMMUNE DE BRIARE", "X"], "projet": ["Stade nautique", "Écoles", "Y"],
                        "montant": [688_000.0, 112_000.0, 5.0]})
TOTAUX = pd.DataFrame({"id_ti": ["ti-1", "ti-2", "ti-3"], "population": [40_000, 10_000, 10_000], "n_projets": [2, 1, 0],
                       "montant": [800_000.0, 5.0, 0.0], "montant_par_habitant": [20.0, 0.0005, 0.0]})
RELANCE = pd.DataFrame({"departement": ["45", "89"], "lib_departement": ["Loiret", "Yonne"], "mois": "2022-12",
                        "entreprises": [111.0, 56.0], "annee": 2019, "emplois": [188_501, 72_707], "pour_1000": [0.589, 0.770],
                        "rang": [2, 1], "n_departements": 2, "entreprises_france": 167.0, "emplois_france": 261_208.0,
                        "pour_1000_france": 0.639})
CHANGEMENTS = pd.DataFrame({"insee_com": ["45001", "45002", "45003"], "lib_com": ["Adon", "Batilly", "Cerdon"],
                            "siren_avant": ["1", "1", "2"], "lib_avant": ["CC Ancienne", "CC Ancienne", "CC Autre"],
                            "siren_apres": ["3", "3", "3"], "lib_apres": ["CC Nouvelle", "CC Nouvelle", "CC Nouvelle"]})


def _controle(ecart: float) -> SyntheticControl:
    path = pd.DataFrame({"year": [2022, 2023, 2024], "traite": [100.0, 101.0, 100.0 + ecart], "synthetique": [100.0, 100.5, 100.0],
                         "ecart": [0.0, 0.5, ecart]})
    return SyntheticControl(start=2023, weights=pd.Series({"a": 1.0}), path=path, rmspe_pre=0.5, rmspe_post=2.0, placebo=None)


def _found(**facts) -> list[Constat]:
    return questions_terrain.constats(WIDE, "ti-1", **BASE, **facts)


def test_each_fact_of_what_happened_fires_with_its_values():
    assert _found() == []  # without the tables of what happened, no question from them
    found = _found(controle=_controle(-4.2), signatures=SIGNATURES, fonds_vert=(PROJETS, TOTAUX), relance=RELANCE,
                   departements=["45", "89"], changements=CHANGEMENTS)
    assert [c.regle for c in found] == ["controle_ecart", "ville_programme", "fonds_vert", "relance_emplois", "changements_epci"]
    values = {c.regle: c.valeurs for c in found}
    assert values["controle_ecart"] == {"entree": 2023, "annee": 2024, "traite": 95.8, "synthetique": 100.0, "ecart": -4.2}
    # the programme town whose jobs moved most (Montargis, -120), not the largest gain (Gien, +100)
    assert values["ville_programme"] == {"commune": "Montargis", "programme": "Action cœur de ville", "date": "2018-09-28",
                                         "variation": -120.0, "variation_pct": -2.0, "n_villes": 3, "apres": None}
    fv = values["fonds_vert"]
    assert (fv["projet"], fv["commune"], fv["montant"], fv["n_projets"]) == ("Stade nautique", "Gien", 688_000.0, 2)
    assert fv["part"] == pytest.approx(86.0) and fv["mediane"] == pytest.approx(0.0005)
    assert values["relance_emplois"]["departement"] == "Loiret" and values["relance_emplois"]["rang"] == 2  # the main one
    assert values["changements_epci"] == {"n_communes": 3, "avant": "CC Ancienne", "apres": "CC Nouvelle", "n_mouvement": 2,
                                          "commune": "Adon", "depuis": 2019}


def test_the_programme_town_is_not_the_commune_already_asked_about():
    moved = COMMUNES.assign(variation=[-900.0, 100.0, 90.0, 110.0, 130.0, 140.0])  # Montargis carries the -330 alone
    found = questions_terrain.constats(WIDE, "ti-1", **{**BASE, "communes": moved}, signatures=SIGNATURES)
    assert [c.regle for c in found] == ["commune_decisive", "ville_programme"]
    assert found[0].valeurs["commune"] == "Montargis"
    assert (found[1].valeurs["commune"], found[1].valeurs["apres"], found[1].valeurs["n_villes"]) == ("Gien", "Montargis", 3)
    assert "la plus forte variation des 3 villes du territoire dans ces programmes après Montargis." in (
        monographie_terrain._question(found[1], 1))


def test_the_facts_below_their_thresholds_ask_nothing():
    assert _found(controle=_controle(1.9)) == []  # a gap under ECART_CONTROLE points
    assert _found(signatures=SIGNATURES.iloc[0:0], fonds_vert=(PROJETS.iloc[2:], TOTAUX), relance=RELANCE, departements=["976"],
                  changements=CHANGEMENTS.iloc[0:0]) == []  # no town, no project here, a département without jobs, no change


def test_each_question_names_the_commune_and_the_number():
    found = _found(controle=_controle(-4.2), signatures=SIGNATURES, fonds_vert=(PROJETS, TOTAUX), relance=RELANCE,
                   departements=["45"], changements=CHANGEMENTS)
    q = {c.regle: monographie_terrain._question(c, 1) for c in found}
    assert q["controle_ecart"].startswith("En 2024, l'emploi salarié privé de ses EPCI entrés en 2023 est à l'indice 95,8, "
                                          "4,2 points en dessous de leur contrôle synthétique (100,0).")
    assert q["ville_programme"].startswith("Montargis, en Action cœur de ville depuis la convention signée le 28 septembre 2018, "
                                           "a perdu 120 emplois salariés privés depuis 2018")
    assert "« Stade nautique » (CC GIENNOISES, Gien), engage 688\u202f000 €, 86\u00a0% du total de ses 2 projets" in q["fonds_vert"]
    assert q["relance_emplois"].startswith("Loiret : 0,59 entreprise industrielle aidée par France Relance pour 1\u202f000 emplois "
                                           "salariés privés de 2019 (111 entreprises fin décembre 2022, 2e des 2 départements), "
                                           "moins qu'en France (0,64).")
    assert q["changements_epci"].startswith("Trois communes du territoire ont changé d'EPCI depuis 2019 ; Adon est ainsi passée "
                                            "de CC Ancienne à CC Nouvelle.")


# --- the four monographs of 2026-12 ---------------------------------------------------------

PERIODE = "2026-12"
# the rule's four territories of 2026-12 (``monographies.monographies``; the typology is not recomputed here)
MONOGRAPHIES = ("ti-2404", "ti-5201", "ti-4402", "ti-5307")
# what each question must cite from its monograph's tables (commune or département, and its number); the
# programme town is never the commune that carries the change, already asked about (Haguenau, Lorient...)
ATTENDU = {
    "ti-2404": {"ville_programme": ("Courtenay", "365 emplois", "15 avril 2021"), "fonds_vert": ("Gien", "688\u202f000 €"),
                "relance_emplois": ("Loiret", "0,59", "61e des 100")},
    "ti-5201": {"ville_programme": ("Châteaubriant", "793 emplois", "7 septembre 2018", "après Ancenis-Saint-Géréon"),
                "fonds_vert": ("Oudon", "2\u202f212\u202f800 €"), "relance_emplois": ("Loire-Atlantique", "0,54", "65e des 100")},
    "ti-4402": {"ville_programme": ("Reichshoffen", "711 emplois", "17 septembre 2021", "après Haguenau"),
                "fonds_vert": ("Haguenau", "306\u202f800 €"),
                "relance_emplois": ("Bas-Rhin", "0,40", "78e des 100")},
    "ti-5307": {"ville_programme": ("Quimperlé", "627 emplois", "29 mars 2021", "après Lorient"), "fonds_vert": ("Quéven", "544\u202f000 €"),
                "relance_emplois": ("Morbihan", "0,58", "62e des 100")},
}


def test_the_questions_of_the_four_monographs_cite_their_own_tables():
    fv = fonds_vert_territoires.fonds_vert(2, PERIODE)
    relance = france_relance.relance_emplois(PERIODE)
    questions = {}
    for id_ti in MONOGRAPHIES:
        terr = referentiel.territoire(2, id_ti)
        emplois = portrait.emploi_communes(portrait.serie_communes(PERIODE, terr.cog), terr.communes)
        variations = portrait.variations_communes(emplois, 2018, int(emplois["year"].max()))
        changements = portrait.changements_epci(geo.epci(ANNEE_EPCI_AVANT), geo.epci(terr.cog), harmonisation.passage(terr.cog),
                                                terr.communes)
        signatures = recoupements.signatures(referentiel.villes_programmes(2), id_ti)
        found = questions_terrain.constats(
            WIDE.replace({"ti-1": id_ti}), id_ti, **{**BASE, "communes": variations}, signatures=signatures,
            fonds_vert=(fv.projets, fv.totaux), relance=relance, departements=list(portrait.departements(terr.communes).index),
            changements=changements, depuis=ANNEE_EPCI_AVANT)
        questions[id_ti] = {c.regle: monographie_terrain._question(c, 1) for c in found}
        for regle, cited in ATTENDU[id_ti].items():
            assert all(x in questions[id_ti][regle] for x in cited), (id_ti, regle, questions[id_ti][regle])
        # the number of each question is the one of its table
        own = variations.set_index("lib_com").loc[ATTENDU[id_ti]["ville_programme"][0], "variation"]
        assert nombre(abs(own)) + " emplois" in questions[id_ti]["ville_programme"]
        assert not len(changements) and "changements_epci" not in questions[id_ti]  # no commune changed EPCI since 2019
        decisive = [c.valeurs["commune"] for c in found if c.regle == "commune_decisive"]
        assert decisive == [{"ti-2404": "Amilly", "ti-5201": "Ancenis-Saint-Géréon", "ti-4402": "Haguenau", "ti-5307": "Lorient"}[id_ti]]
    # no question is shared word for word by two monographs
    texts = [q for qs in questions.values() for q in qs.values()]
    assert len(texts) == len(set(texts)) >= 12


def test_a_sector_that_gained_less_than_its_trend_did_not_lose_jobs():
    """Lorient's food industry: +245 jobs where its national trend gave +499. The question said « a perdu 254 emplois de
    plus que ne le voudrait sa tendance », as if jobs had been lost."""
    specialite = Constat("specialite", {"a38": "CA", "secteur": "Ind. alimentaires", "specificite": 2.8, "part": 8.4,
                                        "effet_local": -254.0, "variation": 245.0, "attendu": 499.0})
    secteur = Constat("secteur_local", {"secteur": "Ind. alimentaires", "effet_local": -254.0, "variation": 245.0, "attendu": 499.0,
                                        "part": 0.4})
    q, q2 = monographie_terrain._question(specialite, 1), monographie_terrain._question(secteur, 1)
    assert ("a fait moins bien que ne le voudrait sa tendance nationale, de 254 emplois (variation estimée +245, tendance +499)"
            in q) and "perdu" not in q
    assert "il a fait moins bien que sa tendance, de 254 emplois (variation estimée +245, tendance +499). Pourquoi ?" in q2
