"""French counts and agreement in the publications: elision before a name, singular and plural,
small counts in words, and the monograph sentences that state a count of programmes, communes or
EPCI read against the table they come from (real referential; small fixtures in the real schemas)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest

from analysis import texte
from analysis.analyses import recoupements
from analysis.analyses.evaluation import ControleTerritoire, ImpactTerritoire
from analysis.donnees import referentiel
from analysis.publications import changements, monographie, evaluation_controle_synthetique


def test_elision_counts_in_words_and_agreement():
    assert texte.de("Est du Loiret") == "d'Est du Loiret" and texte.de("Valence Romans Agglo") == "de Valence Romans Agglo"
    assert texte.de("Île-de-France") == "d'Île-de-France" and texte.de("Haguenau") == "de Haguenau"
    assert texte.article(1, "EPCI", "EPCI", defini="des") == "de l'EPCI"
    assert texte.article(2, "EPCI", "EPCI", defini="des") == "des deux EPCI"
    assert texte.article(12, "EPCI", "EPCI") == "les 12 EPCI"
    assert texte.article(1, "territoire", defini="des") == "du territoire"
    assert texte.article(1, "commune", feminin=True, defini="des") == "de la commune"
    assert texte.article(3, "commune", feminin=True) == "les trois communes"
    assert texte.majuscule(texte.article(1, "EPCI", "EPCI")) == "L'EPCI"
    assert texte.pluriel(1, "autre EPCI membre", "autres EPCI membres") == "1 autre EPCI membre"
    assert texte.pluriel(2, "autre EPCI membre", "autres EPCI membres") == "2 autres EPCI membres"
    assert (texte.accord(1, "entré"), texte.accord(2, "entré")) == ("entré", "entrés")
    assert (texte.en_lettres(1, feminin=True), texte.en_lettres(10), texte.en_lettres(11)) == ("une", "dix", "11")


def _programmes(id_ti: str) -> tuple[pd.DataFrame, str, str]:
    villes = referentiel.villes_programmes(2)
    terr = referentiel.territoire(2, id_ti)
    table = recoupements.programmes_territoire(villes, id_ti)
    nom = terr.ligne["lib_ti"]
    return table, monographie.texte_programmes(table, nom), monographie.texte_recoupement(
        villes.loc[villes["id_ti"] == id_ti], terr.communes)


# Valence Romans Agglo: Action cœur de ville only; Est du Loiret and Yonne Industrielle: both
# programmes; Mayotte: a town of two communes
@pytest.mark.parametrize("id_ti", ["ti-8421", "ti-2404", "ti-2710", "ti-0601"])
def test_the_programmes_sentence_states_the_table_counts_and_names_only_the_programmes_present(id_ti):
    table, text, recoupement = _programmes(id_ti)
    n = table.set_index("programme")["n"]
    acv, pvd = n[recoupements.PROGRAMMES_VILLES["ACV"]], n[recoupements.PROGRAMMES_VILLES["PVD"]]
    acv2, acv2018 = n[recoupements.PROGRAMMES_VILLES["ACV 2"]], n[recoupements.PROGRAMMES_VILLES["ACV 2018"]]
    counts = {int(m.group(1)): m.group(2) for m in re.finditer(r"(\d+) communes? en (Action cœur de ville|Petites villes de demain)", text)}
    assert counts == {**({acv: "Action cœur de ville"} if acv else {}), **({pvd: "Petites villes de demain"} if pvd else {})} or (
        acv == pvd and set(counts.values()) <= {"Action cœur de ville", "Petites villes de demain"})
    assert ("Petites villes de demain" in text) == bool(pvd) and ("Petites villes de demain" in recoupement) == bool(pvd)
    assert ("Action cœur de ville 2" in text) == bool(acv2)
    if acv2:
        assert f"dont {texte.en_lettres(acv2, feminin=True)} en Action cœur de ville 2" in text
    if acv:
        every = {1: "", 2: "les deux "}.get(acv, "toutes ")
        said = f"{every if acv2018 == acv else texte.en_lettres(acv2018, feminin=True) + ' '}dans la liste de 2018"
        assert (said if acv2018 else "aucune dans la liste de 2018") in text
    assert "trois programmes" not in recoupement and not re.search(r"\d+ villes", text)  # communes are counted, not towns


def test_valence_romans_agglo_has_two_programmes_not_three():
    table, text, recoupement = _programmes("ti-8421")
    assert text.startswith(
        "Valence Romans Agglo compte 3 communes en Action cœur de ville (Bourg-de-Péage, Romans-sur-Isère, Valence ; dont deux "
        "en Action cœur de ville 2 (Bourg-de-Péage, Romans-sur-Isère), deux dans la liste de 2018) : le programme industriel "
        "s'y superpose à Action cœur de ville,"
    )
    assert recoupement.endswith("la part de sa population où Territoires d'industrie et Action cœur de ville se superposent.")


def test_no_programme_town_is_said_with_elision():
    empty = pd.DataFrame({"programme": list(recoupements.PROGRAMMES_VILLES.values()), "n": 0, "communes": ""})
    assert monographie.texte_programmes(empty, "Est du Loiret").startswith("Aucune commune d'Est du Loiret n'est retenue")


def _impact(cohortes: list[int | None]) -> ImpactTerritoire:
    epci = pd.DataFrame({"siren_epci": [f"20000000{i}" for i in range(len(cohortes))], "lib_epci": "CC",
                         "part_population_ti": 1.0, "cohorte": pd.array(cohortes, dtype="Int64")})
    path = pd.DataFrame({"year": [2018, 2024], "territoire": [100.0, 104.2], "temoins": [100.0, 102.0], "ecart": [0.0, 2.2]})
    result = SimpleNamespace(n_controls=140, design="témoins repondérés")
    return ImpactTerritoire(epci=epci, cohort=2019, result=result, trajectoire=path, derniere_annee=2024)


def test_the_counterfactual_sentence_agrees_with_the_epci_table():
    one = monographie.texte_impact_territoire(_impact([2019, None]))
    assert one.startswith("L'EPCI du territoire entré dans le programme en 2019 (1 autre EPCI membre, entré à une autre date ou "
                          "couvert en partie, n'est pas compté) a vu son emploi salarié privé")
    two = monographie.texte_impact_territoire(_impact([2019, 2019, 2022, None]))
    assert two.startswith("Les deux EPCI du territoire entrés dans le programme en 2019 (2 autres EPCI membres, entrés à une autre "
                          "date ou couverts en partie, ne sont pas comptés) ont vu leur emploi")
    assert "(s)" not in one + two


def _controle(n_epci: int) -> ControleTerritoire:
    path = pd.DataFrame({"year": [2014, 2018, 2024], "traite": [100.0, 100.0, 103.0], "synthetique": [100.0, 100.0, 101.0],
                         "ecart": [0.0, 0.0, 2.0]})
    resultat = SimpleNamespace(path=path, weights=pd.Series([0.6, 0.4]), rmspe_pre=0.84, ecart_post=1.2, rank=1,
                               placebo=list(range(99)), p_value=0.01)
    sans_un = pd.DataFrame({"donneur": ["200000100", "200000101"], "poids": [0.6, 0.4], "rmspe_pre": [0.9, 0.85],
                            "ecart_post": [1.0, 1.4]})
    placebo = SimpleNamespace(start=2016, path=path.loc[path["year"] < 2019], ecart_post=0.2)
    return ControleTerritoire(id_ti="ti-2404", cohort=2019, epci=[f"20000000{i}" for i in range(n_epci)], n_donneurs=99,
                              resultat=resultat, donneurs=pd.DataFrame(), sans_un_donneur=sans_un, placebo_temps=placebo,
                              variantes=pd.DataFrame({"variante": ["region", "profil_sectoriel"], "n_donneurs": [12, 3],
                                                      "n_poids": [5, 0], "rmspe_pre": [0.31, float("nan")],
                                                      "ecart_post": [0.8, float("nan")], "ecart_dernier": [1.1, float("nan")]}))


def test_the_synthetic_control_sentence_elides_and_agrees():
    one = evaluation_controle_synthetique.texte_controle_synthetique(_controle(1), "Est du Loiret")
    assert "l'indice d'emploi de l'EPCI d'Est du Loiret entré en 2019" in one and "au 1er rang sur 100" in one
    two = evaluation_controle_synthetique.texte_controle_synthetique(_controle(2), "Valence Romans Agglo")
    assert "l'indice d'emploi des deux EPCI de Valence Romans Agglo entrés en 2019" in two
    assert "des 1 " not in one and "de Est" not in one
    assert ("Avec les seuls donneurs de sa région (12 EPCI), l'écart quadratique moyen avant l'entrée est de 0,31 point et "
            "l'écart moyen après de +0,8 point ; avec les seuls donneurs de même profil sectoriel, même tiers de la part de "
            "l'agriculture et de l'industrie en 2016, trop peu nombreux (3 EPCI, moins de 5), pas d'ajustement (contre "
            "+1,2 point avec tous les donneurs).") in one


def test_the_summary_of_the_synthetic_controls_states_the_restricted_pools_and_the_years():
    row = {"id_ti": "ti-1", "lib_ti": "A", "cohort": 2019, "n_epci": 2, "n_donneurs": 90, "n_poids": 30, "rmspe_pre": 0.04,
           "ecart_post": -1.5, "ecart_dernier": -2.0, "derniere_annee": 2024, "ratio": 9.0, "rank": 3, "p_value": 0.03,
           "loo_min": -1.7, "loo_max": -1.2, "placebo_debut": 2016, "placebo_ecart": 0.3, "placebo_rmspe_pre": 0.05,
           "n_annees_avant": 5, "n_donneurs_region": 8, "rmspe_pre_region": 0.4, "ecart_post_region": -0.6,
           "n_donneurs_profil_sectoriel": 30, "rmspe_pre_profil_sectoriel": 0.1, "ecart_post_profil_sectoriel": -1.1}
    other = {**row, "id_ti": "ti-2", "lib_ti": "B", "ecart_post": 0.5, "n_donneurs_region": 4, "rmspe_pre_region": float("nan"),
             "ecart_post_region": float("nan"), "ecart_post_profil_sectoriel": 0.9, "rmspe_pre_profil_sectoriel": 0.2}
    table = pd.DataFrame([row, other])
    text = evaluation_controle_synthetique.texte_controles_monographies(table)
    assert ("Avec les seuls donneurs de sa région (8 EPCI), l'écart moyen après l'entrée est de -0,6 point pour A et "
            "l'écart quadratique moyen avant de 0,40 point (1 territoire sans ajustement, trop peu de donneurs)") in text
    assert "de -1,1 point à +0,9 point et l'écart quadratique moyen avant de 0,10 à 0,20 point." in text
    assert "sur 5 années avant l'entrée, avec 90 donneurs" in text
    cells = evaluation_controle_synthetique.tableau_controles_monographies(table)
    assert list(cells["Donneurs de la région : EPCI, écart avant / après (points)"]) == ["8 : 0,40 / -0,6", "4 (trop peu)"]


def test_profile_changes_agree_with_their_counts():
    assert changements.texte_profils(2, 1, 183, 0, "2026-10", "2026-11") == (
        "Phase 2 : 1 territoire sur 183 change de profil entre octobre 2026 et novembre 2026.")
    assert changements.texte_profils(1, 0, 149, 2, "2026-10", "2026-11") == (
        "Phase 1 : aucun des 149 territoires ne change de profil entre octobre 2026 et novembre 2026 ; 2 profils gardent "
        "l'essentiel de leurs territoires mais changent de nom (leur centre s'est déplacé).")


def test_programme_towns_carry_the_signature_date_of_their_convention():
    from analysis.donnees.loaders import programmes

    dates = programmes.acv_signatures()
    assert len(dates) == 232 and int(dates["date_signature"].isna().sum()) == 5
    villes = referentiel.villes_programmes(2)
    valence = recoupements.signatures(villes, "ti-8421")
    # Romans-sur-Isère and Bourg-de-Péage share one programme, hence one convention
    assert valence.set_index("lib_com")["date_signature"].to_dict() == {
        "Bourg-de-Péage": "2018-09-18", "Romans-sur-Isère": "2018-09-18", "Valence": "2018-09-21"}
    loiret = monographie.tableau_signatures(recoupements.signatures(villes, "ti-2404"))
    assert loiret.iloc[0].tolist() == ["Action cœur de ville (liste actuelle)", "Gien", "Gien", "11 juillet 2018"]
    assert (loiret["Programme"] == "Petites villes de demain").sum() == 6  # the count of the programmes sentence
    assert texte.date_fr("2018-09-01") == "1er septembre 2018"


def test_epci_membership_changes_since_2019_agree_with_their_table():
    from analysis.analyses import portrait
    from analysis.donnees import harmonisation
    from analysis.donnees.loaders import geo

    def changes(id_ti: str) -> pd.DataFrame:
        terr = referentiel.territoire(2, id_ti)
        return portrait.changements_epci(geo.epci(2019), geo.epci(2023), harmonisation.passage(2023), terr.communes)

    jura = changes("ti-2706")
    text = monographie.texte_changements_epci(jura, 2019, 2023)
    counts = [int(n) for n in re.findall(r"(\d+) communes?(?: \([^)]*\))? de ", text)]
    assert len(jura) == 95 and sum(counts) == 95 and text.startswith("Entre le 1er janvier 2019 et le 1er janvier 2023, 95 communes")
    assert "3 communes (Le Frasnois, Marigny, Saffloz) de CC du Pays des Lacs à CC Champagnole Nozeroy Jura" in text
    one = monographie.texte_changements_epci(changes("ti-2709"), 2019, 2023)
    assert "1 commune du territoire a changé d'EPCI" in one and "(Malbouhans) de CC du Pays de Lure à CC des 1000 étangs" in one
    assert monographie.texte_changements_epci(changes("ti-2404"), 2019, 2023).endswith("aucune commune du territoire n'a changé d'EPCI.")


def test_articled_names_contract_with_de():
    """« du Pays de Lorient – Quimperlé », never « de Pays … », « de Le … », « de Les … » (issue 26,
    reviewer of the 2026-12 monographs): every territory name of both phases."""
    assert texte.de("Pays de Lorient – Quimperlé") == "du Pays de Lorient – Quimperlé"
    assert texte.de("Pays Basque") == "du Pays Basque" and texte.de("Le Puy – Jeune Loire") == "du Puy – Jeune Loire"
    assert texte.de("Vallée de l'Arve") == "de la Vallée de l'Arve" and texte.de("Terres de Lorraine") == "des Terres de Lorraine"
    assert texte.de("La Roche-sur-Yon") == "de La Roche-sur-Yon" and texte.de("Axe Seine") == "de l'Axe Seine"
    assert texte.de("Haut-Jura") == "du Haut-Jura" and texte.de("Sud Alsace") == "de Sud Alsace"
    noms = pd.concat([referentiel.territoires(phase)["lib_ti"] for phase in (1, 2)])
    assert (noms.str.startswith("Pays ")).sum() >= 26
    for nom in noms:
        dit = f"les communes {texte.de(nom)}"
        assert not re.search(r"\bde (Pays|Le|Les|Vallée|Grand) |\bd'(Le|Les) ", dit), dit


def test_links_to_the_other_phase_contract_the_article():
    corr = pd.DataFrame({"id_ti": ["ti-5601", "ti-5602"]})
    text = monographie.texte_liens("ti-5603", 2, corr, 1, pd.Series({"ti-5601": "Pays de Lorient", "ti-5602": "Est du Loiret"}))
    assert " ; en phase 1 : fiches du [Pays de Lorient (ti-5601)](../fiches/phase1/ti-5601.html), d'[Est du Loiret (ti-5602)]" in text


def test_articled_names_take_their_article_as_subject():
    """« Le Pays de Lorient – Quimperlé compte … », « Parmi lui et ses 4 voisins, le Pays de … a … »
    (were « Pays de Lorient – Quimperlé compte », « …, Pays de Lorient – Quimperlé a … »)."""
    assert texte.le("Pays de Lorient – Quimperlé") == "le Pays de Lorient – Quimperlé" and texte.le("Axe Seine") == "l'Axe Seine"
    assert texte.le("Terres de Lorraine") == "les Terres de Lorraine" and texte.le("Vallée de l'Arve") == "la Vallée de l'Arve"
    assert texte.le("Est du Loiret") == "Est du Loiret" and texte.le("Le Puy – Jeune Loire") == "Le Puy – Jeune Loire"
    table = pd.DataFrame({"programme": list(recoupements.PROGRAMMES_VILLES.values()), "n": [1, 0, 1, 0][: len(recoupements.PROGRAMMES_VILLES)],
                          "communes": ["Lorient", "", "Lorient", ""][: len(recoupements.PROGRAMMES_VILLES)]})
    assert monographie.texte_programmes(table, "Pays de Lorient – Quimperlé").startswith("Le Pays de Lorient – Quimperlé compte 1 commune")


def test_the_fiche_opens_with_the_article_of_an_articled_name():
    from analysis.publications import fiche

    terr = referentiel.territoire(2, "ti-5307")
    assert fiche.texte_intro(terr.ligne, terr.membres, terr.communes, terr.cog).startswith("Le **Pays de Lorient – Quimperlé** (ti-5307) est un territoire")
    terr = referentiel.territoire(2, "ti-2404")
    assert fiche.texte_intro(terr.ligne, terr.membres, terr.communes, terr.cog).startswith("**Est du Loiret** (ti-2404) est un territoire")
