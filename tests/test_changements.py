"""The "what changed" comparison between two periods, on hand-written indicator tables."""

from __future__ import annotations

import dataclasses

import pandas as pd

from analysis.publications import changements
from analysis.analyses import revisions


def _long(rows):
    return pd.DataFrame(rows, columns=["id_ti", "lib", "indicator", "observation", "value"])


AVANT = _long([
    ("ti-0001", "A", "emploi_prive", "2022", 100.0),
    ("ti-0001", "A", "emploi_prive", "2023", 110.0),
    ("ti-0001", "A", "taux_chomage", "2022-T1", 7.0),
    ("ti-0002", "B", "emploi_prive", "2023", 50.0),
])
APRES = _long([
    ("ti-0001", "A", "emploi_prive", "2022", 100.0),
    ("ti-0001", "A", "emploi_prive", "2023", 110.5),  # +0.45 %: below the threshold
    ("ti-0001", "A", "emploi_prive", "2024", 120.0),  # new year published
    ("ti-0001", "A", "taux_chomage", "2022-T1", 7.0),
    ("ti-0002", "B", "emploi_prive", "2023", 55.0),  # revised by +10 %
])


def test_new_periods_are_listed_per_indicator() -> None:
    new = revisions.nouvelles_donnees(AVANT, APRES)
    assert new.to_dict("records") == [{"indicator": "emploi_prive", "nouvelles_observations": ["2024"]}]


def test_only_moves_beyond_the_threshold_are_reported() -> None:
    moved = revisions.mouvements(AVANT, APRES, seuil_pct=1.0)
    assert moved[["id_ti", "observation"]].values.tolist() == [["ti-0002", "2023"]]
    assert round(moved.loc[0, "ecart_pct"], 6) == 10.0


def test_changed_profiles() -> None:
    avant = pd.Series({"ti-0001": "industriel en repli", "ti-0002": "rural productif", "ti-0003": "rural productif"})
    apres = pd.Series({"ti-0001": "industriel dynamique", "ti-0002": "rural productif", "ti-0003": "rural productif"})
    moves, renames = revisions.profils_changes(avant, apres)
    assert moves.empty  # the industrial profile kept its member and only changed name
    assert renames[["profil_avant", "profil_apres"]].values.tolist() == [["industriel en repli", "industriel dynamique"]]


def test_a_territory_moving_to_another_profile_is_reported() -> None:
    avant = pd.Series({"a": "P", "b": "P", "c": "Q", "d": "Q", "e": "Q"})
    apres = pd.Series({"a": "P", "b": "Q", "c": "Q", "d": "Q", "e": "Q"})
    moves, renames = revisions.profils_changes(avant, apres)
    assert moves["id_ti"].tolist() == ["b"] and renames.empty


def test_the_headline_share_says_it_adds_up_the_communes() -> None:
    from analysis.analyses import reperes

    serie = pd.DataFrame({
        "periode": ["2025-12", "2026-11"], "phase": [2, 2], "cle": [reperes.PART_EMPLOI_TI] * 2,
        "profil": [None, None], "valeur": [42.7, 41.9], "observation": ["2023", "2024"],
    })
    # the EPCI at least half in a territory would give 43.6 and 42.8 %: the reader is told which count this is
    assert changements.fait_reperes(serie, 2) == (
        "**Part de l'emploi salarié privé de France dans les territoires de la phase 2** (emplois de leurs communes "
        "additionnés) : 41,9\u00a0% (emploi 2024), contre 42,7\u00a0% en décembre 2025 (emploi 2023)."
    )
    medians = serie.assign(cle=reperes.INDICE_MEDIAN, valeur=[104.0, 105.0])
    table = changements.tableau_reperes(pd.concat([serie, medians]))
    assert table["Part de l'emploi privé dans les TI (emplois de leurs communes additionnés), phase 2"].tolist() == [
        "42,7\u00a0%", "41,9\u00a0%"
    ]


def _comparaison(**changes) -> revisions.Comparaison:
    vide = pd.DataFrame()
    first = revisions.Comparaison(periode="2019-01", precedente=None, registre=pd.Series(dtype=str), actuel={}, avant={},
                                  millesimes=vide, millesimes_avant=vide, revisions={}, profils={}, rangs=None, reperes=vide)
    return dataclasses.replace(first, **changes)


def test_the_first_month_s_sections_say_there_is_no_month_before() -> None:
    c = _comparaison()
    assert changements.introduction(c)[0] == "# Ce que montre janvier 2019, premier mois de l'observatoire"
    assert changements.introduction(c)[1].endswith("n'ont pas de mois précédent : le programme commence ce mois-ci. "
                                                   "La page décrit les données disponibles.")
    for section in (changements.section_nouvelles, changements.section_revisions, changements.section_profils, changements.section_rangs):
        assert section(c) == [changements.PREMIER_MOIS]


def test_the_revisions_and_rank_sections_name_both_months() -> None:
    bouge = revisions.mouvements(AVANT, APRES)
    registre = pd.Series({"emploi_prive": "Emploi salarié privé"})
    c = _comparaison(periode="2026-11", precedente="2026-10", registre=registre, revisions={2: bouge},
                     rangs=pd.DataFrame(columns=["lib", "phase", "indicator", "rang_avant", "rang_apres", "n", "gain"]))
    texte, table = changements.section_revisions(c)
    assert texte == "Phase 2 : 1 valeur révisée de plus de 1,0\u00a0% entre octobre 2026 et novembre 2026."
    assert table.columns.tolist() == ["Territoire", "Indicateur", "Période", "Octobre 2026", "Novembre 2026", "Écart"]
    assert table.iloc[0].tolist() == ["B", "Emploi salarié privé", "2023", "50,0", "55,0", "10,0\u00a0%"]
    assert changements.section_rangs(c) == ["Aucun rang n'a changé entre octobre 2026 et novembre 2026."]
