"""Headline facts against the referential and the published figures."""

from __future__ import annotations

import pytest

from analysis.cli import main
from analysis.publications.faits import faits


@pytest.fixture(scope="module")
def phase1():
    return faits(1, 2023).set_index("cle")


def test_phase1_counts(phase1) -> None:
    assert phase1.loc["n_ti", "valeur"] == 149
    assert phase1.loc["n_groupements", "valeur"] == 588
    assert phase1.loc["n_communes", "valeur"] == 16_177
    assert phase1.loc["n_ti", "valeur_publiee"] == 141
    assert phase1.loc["n_communes", "valeur_publiee_datagouv"] == 16_186
    assert isinstance(phase1.loc["n_communes", "explication"], str)


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
    assert phase1.loc["part_emploi_industriel", "valeur_publiee"] == 50
    # private employment 2018: sum of the communes of the 149 TI (URSSAF)
    assert round(phase1.loc["emploi_2018", "valeur"]) == 7_838_675
    assert 42 < phase1.loc["part_emploi_2018", "valeur"] < 43


def test_a_period_excludes_unpublished_years() -> None:
    early = faits(1, 2023, periode="2024-03").set_index("cle")
    assert early.loc["emploi_dernier", "fait"].endswith("2022")
