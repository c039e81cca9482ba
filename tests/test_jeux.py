"""One declaration per periodic dataset (``donnees.jeux``): every dataset data/sources.toml says
is periodic has one, and the vintages, the latest observation of a file, the publication filter
and ``observatoire donnees`` read it. The département unemployment series is the periodic
source added by following the README recipe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.donnees import jeux, millesimes, observations, sources
from analysis.donnees.loaders import economie, relance
from analysis.donnees.periodique import publiees

TESTS = Path(__file__).parent
DEP_ID = "chomage/sl_etc_2025T3"


def test_every_periodic_dataset_has_one_declaration() -> None:
    names = [j.dataset for j in jeux.periodiques()]
    assert names == [ds.name for ds in sources.series()] == [
        "urssaf-emploi", "chomage", "chomage-departements", "demandeurs-emploi", "demandeurs-emploi-departements", "dvf", "france-relance"]
    assert len({j.dataset for j in jeux.JEUX}) == len(jeux.JEUX) == len(names)
    assert set(names) <= set(observations.READERS)  # the latest observation of each file is read as declared
    # frequency and lag have one source of truth, data/sources.toml
    assert [(j.declaration.frequency, j.declaration.lag_months) for j in jeux.periodiques()][1:3] == [("quarterly", 3)] * 2


def test_a_periodic_dataset_without_declaration_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    series = sources.series()
    monkeypatch.setattr(sources, "series", lambda: [*series, sources.Dataset("estel", "annual", 12)])
    with pytest.raises(ValueError, match=r"jeu de données périodique non déclaré : 'estel' ; jeux déclarés : urssaf-emploi, chomage"):
        millesimes.millesimes("2024-06")


def test_each_declared_reader_test_exists() -> None:
    declared = {j.dataset: j.test_lecteur for j in jeux.JEUX}
    assert declared["demandeurs-emploi"] == ""  # DARES serves no monthly commune series: no living reader
    for dataset, test in declared.items():
        if test:
            path, name = test.split("::")
            assert re.search(rf"^def {name}\(", (TESTS.parent / path).read_text(encoding="utf-8"), re.M), f"{dataset}: {test}"


def test_one_publication_filter_for_every_loader() -> None:
    # France Relance (one month of lag) and the job seekers (one month) through the same filter
    assert relance.barometre("2021-03")["date"].max().strftime("%Y-%m") == "2021-02"
    assert relance.entreprises_industrielles("2021-03")["mois"].max() == "2021-02"
    assert economie.demandeurs_emploi("2021-03")["mois"].max() == "2021-02"
    # DVF: a three-year window centred on 2022 ends in 2023, published in June 2024
    dvf = economie.dvf_epci("2024-05")
    assert dvf.groupby("aggregation")["annee"].max().to_dict() == {"annuelle": 2022, "triannuelle": 2021}
    serie = economie.urssaf_serie()
    assert publiees(economie.URSSAF, serie, "2023-05")["year"].max() == 2021 and publiees(economie.URSSAF, serie, None) is serie


def test_the_departement_series_is_a_periodic_dataset() -> None:
    """The recipe followed once: the re-saved INSEE workbook by département (sl_etc_2025T3.xls)."""
    assert observations.latest_observation(DEP_ID, sources.fetch(DEP_ID)) == "2025-T3"
    assert millesimes.observations("chomage-departements")[0] == "1982-T1"
    row = millesimes.ligne("chomage-departements", "2026-11")
    assert {k: row[k] for k in ("observation", "publiee", "prochaine", "attendue", "edition", "nature")} == {
        "observation": "2025-T3", "publiee": "2026-01", "prochaine": "2025-T4", "attendue": "2026-03",
        "edition": "2025-T3", "nature": "reenregistree"}
    assert millesimes.age(row) == (
        "données au 3e trimestre 2025 (édition du 3e trimestre 2025, ré-enregistré par un tiers) ; d'après son calendrier, "
        "l'INSEE a publié depuis jusqu'au 2e trimestre 2026 : lancer `observatoire donnees --actualiser chomage-departements`")
    # before the workbook was released (January 2026), the quarters then published, by the declared lag
    assert millesimes.ligne("chomage-departements", "2023-11")["observation"] == "2023-T2"
    # read by no indicator: its new quarter (2025-T3, December 2025) does not split months whose indicator tables are the same
    assert millesimes.ligne("chomage-departements", "2025-12")["observation"] == "2025-T3" != millesimes.ligne("chomage-departements", "2025-11")["observation"]
    assert millesimes.cle("2025-11") == millesimes.cle("2025-12")


def test_observatoire_donnees_lists_each_periodic_dataset(capsys: pytest.CaptureFixture) -> None:
    assert main(["donnees"]) == 0
    out = capsys.readouterr().out
    assert "Jeux périodiques (7) :" in out
    assert ("- chomage (Taux de chômage localisé (INSEE)) :\n"
            "  éditions détenues : 2022-T2 (publiée le 07/10/2022, copie exacte du fichier officiel), 2023-T3 (publiée le 04/01/2024, "
            "copie exacte du fichier officiel), 2025-T4 (publiée le 09/04/2026, fichier dérivé par un tiers)\n"
            "  dernière observation : 2025-T4 ; prochaine : 2026-T1, attendue en 2026-06 d'après le calendrier déclaré\n"
            "  point d'accès : https://www.insee.fr/fr/statistiques/fichier/1893230/chomage-zone-t1-2003-t{trimestre}-{annee}.xlsx\n"
            "  lecteur testé : oui (tests/test_chomage_vivant.py::test_a_new_edition_is_found_by_its_name_and_reported_with_its_revisions)"
            ) in out
    assert ("- demandeurs-emploi (Demandeurs d'emploi par commune (France Travail)) :\n"
            "  éditions détenues : aucune édition datée (copie épinglée)\n"
            "  dernière observation : 2024-12 ; prochaine : 2025-01, attendue en 2025-02 d'après le calendrier déclaré\n"
            "  point d'accès : https://data.dares.travail-emploi.gouv.fr/api/explore/v2.1/catalog/datasets/dares_defm_communales-brutes/"
            "exports/csv?use_labels=true (déclaré, format non lu par le chargeur)\n"
            "  lecteur testé : non") in out
    assert ("- france-relance (France Relance, entreprises aidées (Baromètre des résultats de l'action publique)) :\n"
            "  éditions détenues : aucune édition datée (copie épinglée)\n"
            "  dernière observation : 2022-12 ; prochaine : aucune : série close à 2022-12\n"
            "  point d'accès : https://raw.githubusercontent.com/etalab/barometre-resultats-donnees/master/… (102 fichiers)\n") in out
    assert ("- chomage-departements (Taux de chômage localisé par département (INSEE)) :\n"
            "  éditions détenues : 2025-T3 (publiée le 08/01/2026, ré-enregistré par un tiers)\n"
            "  dernière observation : 2025-T3 ; prochaine : 2025-T4, attendue en 2026-03 d'après le calendrier déclaré\n"
            "  point d'accès : https://bdm.insee.fr/series/sdmx/data/TAUX-CHOMAGE\n") in out
