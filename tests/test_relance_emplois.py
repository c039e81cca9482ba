"""France Relance industrial firms per 1,000 private jobs by département, against France
(``france_relance.comparer_relance_aux_emplois``), and what the monograph says of them."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

from analysis.analyses import france_relance
from analysis.publications import monographie

# four départements, two months: only the last one counts; 976 has firms but no URSSAF jobs
FIRMS = pd.DataFrame({
    "departement": ["45", "45", "89", "89", "26", "26", "2A", "2A", "976", "976"],
    "lib_departement": ["Loiret", "Loiret", "Yonne", "Yonne", "Drôme", "Drôme", "Corse-du-Sud", "Corse-du-Sud",
                        "Mayotte", "Mayotte"],
    "mois": ["2022-11", "2022-12"] * 5,
    "entreprises": [100.0, 111.0, 50.0, 56.0, 110.0, 115.0, 9.0, 8.0, 2.0, 2.0],
})
JOBS = pd.DataFrame({"departement": ["45", "89", "26", "2A"], "annee": 2019, "emplois": [188_501, 72_707, 150_771, 38_655]})


def test_firms_per_thousand_jobs_rank_and_national_figure():
    got = france_relance.comparer_relance_aux_emplois(FIRMS, JOBS).set_index("departement")
    assert list(got.index) == ["26", "2A", "45", "89"]  # Mayotte left out: no jobs
    assert got.loc["45", "entreprises"] == 111 and got.loc["45", "mois"] == "2022-12"
    assert got.loc["45", "pour_1000"] == pytest.approx(1000 * 111 / 188_501)  # 0.589
    assert got["rang"].to_dict() == {"89": 1, "26": 2, "45": 3, "2A": 4}  # 0.770, 0.763, 0.589, 0.207
    assert (got["n_departements"] == 4).all()
    # the national figure is a sum over a sum (290 firms / 450,634 jobs = 0.644), not the mean of the ratios (0.582)
    assert got["entreprises_france"].iloc[0] == 290 and got["emplois_france"].iloc[0] == 450_634
    assert got["pour_1000_france"].iloc[0] == pytest.approx(1000 * 290 / 450_634)
    assert got["pour_1000_france"].iloc[0] != pytest.approx(got["pour_1000"].mean(), abs=0.01)


def test_ties_share_the_best_rank():
    jobs = JOBS.assign(emplois=[1000, 1000, 1000, 1000])
    firms = FIRMS.assign(entreprises=FIRMS["entreprises"].where(FIRMS["departement"] != "89", 111.0))
    got = france_relance.comparer_relance_aux_emplois(firms, jobs).set_index("departement")["rang"]
    assert got.to_dict() == {"26": 1, "45": 2, "89": 2, "2A": 4}  # 115, 111, 111, 8 firms per 1,000 jobs


def test_the_docstring_example_holds():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    for test in finder.find(france_relance.comparer_relance_aux_emplois, globs={"pd": pd, **vars(france_relance)}):
        runner.run(test)
    assert runner.summarize(verbose=False) == doctest.TestResults(failed=0, attempted=3)


def test_the_monograph_sentence_and_table_read_the_table():
    table = france_relance.comparer_relance_aux_emplois(FIRMS, JOBS)
    text = monographie.texte_relance_emplois(table, ["45", "89"])
    assert text.startswith(
        "Loiret (45) : 0,59 entreprise industrielle aidée par France Relance pour 1\u202f000 emplois salariés privés de 2019, "
        "3e des 4 départements, 8\u00a0% de moins qu'en France ; Yonne (89) : 0,77, 1er des 4 départements, 20\u00a0% de plus "
        "qu'en France ; France : 0,64 (fin décembre 2022).")
    assert "des 4 départements dont l'emploi est publié" in text
    shown = monographie.tableau_relance_emplois(table, ["45", "89"])
    assert shown["Département"].tolist() == ["Loiret", "Yonne", "France"]
    assert shown["Pour 1 000 emplois"].tolist() == ["0,59", "0,77", "0,64"]
    assert shown["Rang"].tolist() == ["3e sur 4", "1er sur 4", ""]  # 1 = the most firms per 1,000 jobs (caption)
    assert shown.columns[1] == "Entreprises aidées (déc. 2022)"
