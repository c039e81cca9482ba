"""Headline facts against the referential and the published figures."""

from __future__ import annotations

import pytest

from analysis.cli import main
from analysis.publications.faits import PUBLIES, faits, publies


@pytest.fixture(scope="module")
def table1():
    return faits(1, 2023)


@pytest.fixture(scope="module")
def phase1(table1):
    return table1.set_index("cle")


def test_phase1_counts(phase1) -> None:
    assert phase1.loc["n_ti", "valeur"] == 149
    assert phase1.loc["n_groupements", "valeur"] == 588
    assert phase1.loc["n_communes", "valeur"] == 16_177


def test_published_figures_cite_a_public_source_and_explain_the_gap(table1) -> None:
    assert all(p.url.startswith("https://") and p.source and p.date for p in PUBLIES)
    published = publies(table1)
    counts = published.loc[published["cle"] == "n_ti"]
    assert counts["valeur"].tolist() == [124, 136, 141, 144, 149]  # the launch list grew to the list of end 2022
    assert counts["date"].iloc[0] == "22 novembre 2018" and "gouvernement.fr" in counts["url"].iloc[0]
    # 141 at the installation of the observatory (press coverage of July 2019)
    assert counts.set_index("valeur").loc[141, "date"] == "juillet 2019"
    assert "banquedesterritoires.fr" in counts.set_index("valeur").loc[141, "url"]
    assert (counts["ici"] == 149).all()
    communes = published.set_index("cle").loc["n_communes"]
    assert communes["valeur"] == 16_186 and communes["ici"] == 16_177
    # an older COG has more communes: mergers since reduce the count of the same perimeter
    assert "moins de communes dans un COG plus récent" in communes["explication"]
    cour = published.loc[published["source"].str.startswith("Cour des comptes")].set_index("valeur")
    assert cour.loc[48.0, "explication"].startswith("Pas d'équivalent calculé : aucune source de l'observatoire ne dénombre des entreprises")
    assert cour.loc[71.0, "explication"].startswith("Pas d'équivalent calculé : la Cour porte sur 2018-2022, alors que les séries URSSAF")
    assert "a varié de +8\u202f341 emplois (France : +47\u202f018)" in cour.loc[71.0, "explication"]
    assert published["explication"].str.contains("nan|None").sum() == 0


def test_phase2_published_count() -> None:
    published = publies(faits(2, 2023)).set_index("cle")
    assert published.loc["n_ti", "valeur"] == 183 and published.loc["n_ti", "ici"] == 183


def test_phase1_shares_are_plausible(phase1) -> None:
    # population municipale 2020 of the 16,177 communes over France (metro + DROM)
    assert phase1.loc["population", "valeur"] == 30_717_100
    assert 45 < phase1.loc["part_population", "valeur"] < 46
    # ANCT outlines of the 149 TI cover 43 % of metropolitan France (Lambert-93)
    assert 42 < phase1.loc["part_surface_metro", "valeur"] < 44


def test_cli_prints_the_facts_table(capsys) -> None:
    assert main(["faits", "--phase", "2"]) == 0
    out = capsys.readouterr().out
    assert "phase 2" in out and "183" in out and "641" in out


def test_phase1_holds_about_half_of_industrial_employment(phase1) -> None:
    # the programme's founding claim: TI hold half of French industrial jobs
    assert 50 < phase1.loc["part_emploi_industriel", "valeur"] < 55
    # 2019-2022: industrial employment estimated for the 149 TI grew, as in France
    assert round(phase1.loc["variation_emploi_industriel", "valeur"]) == 8_341
    assert round(phase1.loc["variation_emploi_industriel_france", "valeur"]) == 47_018
    assert phase1.loc["n_ti_pertes_industrie", "valeur"] == 51
    # private employment 2018: sum of the communes of the 149 TI (URSSAF)
    assert round(phase1.loc["emploi_2018", "valeur"]) == 7_838_675
    assert 42 < phase1.loc["part_emploi_2018", "valeur"] < 43


def test_a_period_excludes_unpublished_years() -> None:
    early = faits(1, 2023, periode="2024-03").set_index("cle")
    assert early.loc["emploi_dernier", "fait"].endswith("2022")


def test_the_population_share_says_it_adds_up_the_communes(phase1) -> None:
    assert phase1.loc["part_population", "note"] == (
        "population des communes des territoires additionnée, sur celle de la France métropolitaine et des DROM"
    )
