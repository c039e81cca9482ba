"""Job seekers of category A by département (DARES, quarterly, CVS-CJO): a living series with no
pinned copy (``demandeurs-emploi-departements``), read from DARES's Explore v2.1 CSV export, and
the indicators ``demandeurs_a_departements`` and ``demandeurs_a_departements_evol``.

- the export is read as documented: technical field names, ``;``, with or without a BOM;
  category A, every sex, age and seniority, CVS-CJO; département rows only, codes as strings;
- without a copy (offline, or pinned copies only) the series is empty, the indicators absent,
  and the age of the source says it has not been obtained;
- against an HTTP server on 127.0.0.1 (fixture of test_telechargements), ``observatoire donnees
  --actualiser demandeurs-emploi-departements`` obtains the export, then reports a new quarter
  and a revised value, and the loader reads them; an export in another format is refused and
  the copy in use kept; once obtained, the series is in the indicator tables of a month.

The served exports are hand-written in the documented format (field names and values relevé in
the code of projects that read this dataset: see data/sources.toml); the numbers are test
values, not DARES's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from test_telechargements import Serveur, serveur  # noqa: F401 (the loopback server fixture)

from analysis import config
from analysis.cli import main
from analysis.donnees import etat, millesimes, sources
from analysis.donnees.loaders import economie
from analysis.indicateurs import areas, build, marche_travail

DATASET = economie.DEMANDEURS_DEP_DATASET
ID = economie.DEMANDEURS_DEP_ID
URL = "https://data.dares.travail-emploi.gouv.fr/api/explore/v2.1/catalog/datasets/dares_defm_stock_region_cvs_trim/exports/csv?delimiter=%3B"
FIELDS = ["date", "code_region", "region", "code_departement", "departement", "type_de_donnees", "categorie", "sexe",
          "tranche_d_age", "anciennete", "nombre_de_demandeurs_d_emploi"]
PLACES = {"01": ("84", "Auvergne-Rhône-Alpes", "Ain"), "74": ("84", "Auvergne-Rhône-Alpes", "Haute-Savoie"),
          "73": ("84", "Auvergne-Rhône-Alpes", "Savoie"), "2A": ("94", "Corse", "Corse-du-Sud")}
# category A, CVS-CJO, by département and quarter (Savoie has no 2024-T1: a gap the indicator must see)
FIRST = {
    ("74", "2023-T3"): 30000, ("74", "2023-T4"): 30500, ("74", "2024-T1"): 31000, ("74", "2024-T2"): 31250, ("74", "2024-T3"): 31800,
    ("73", "2023-T3"): 16000, ("73", "2023-T4"): 16100, ("73", "2024-T2"): 16300, ("73", "2024-T3"): 16400,
    ("2A", "2023-T3"): 9000, ("2A", "2023-T4"): 9050, ("2A", "2024-T1"): 9100, ("2A", "2024-T2"): 9150, ("2A", "2024-T3"): 9270,
}
# the next publication: 2024-T4 arrives, Haute-Savoie's 2024-T2 is revised (new seasonal coefficients)
SECOND = FIRST | {("74", "2024-T2"): 31310, ("74", "2024-T4"): 32000, ("73", "2024-T4"): 16500, ("2A", "2024-T4"): 9300}


def _export(values: dict[tuple[str, str], int], bom: bool = False) -> bytes:
    """DARES's CSV export: the category A rows, rows the reader must leave out (categories A, B,
    C together, one sex, one seniority, the région and France totals) and a header in the
    technical field names."""
    def row(q: str, reg: str, lib_reg: str, dep: str, lib_dep: str, categorie: str, sexe: str, anciennete: str, n: float) -> str:
        return ";".join([q, reg, lib_reg, dep, lib_dep, "cvs-cjo", categorie, sexe, "Total", anciennete, f"{n:g}"])

    lines = [";".join(FIELDS)]
    for (dep, q), n in values.items():
        reg, lib_reg, lib_dep = PLACES[dep]
        lines += [row(q, reg, lib_reg, dep, lib_dep, "A", "Total", "Total", n),
                  row(q, reg, lib_reg, dep, lib_dep, "ABC", "Total", "Total", 2 * n),
                  row(q, reg, lib_reg, dep, lib_dep, "A", "Hommes", "Total", n // 2),
                  row(q, reg, lib_reg, dep, lib_dep, "A", "Total", "Un an ou plus", n // 3)]
    for q in sorted({q for _, q in values}):
        region = sum(n for (dep, qq), n in values.items() if qq == q and PLACES[dep][0] == "84")
        lines += [row(q, "84", "Auvergne-Rhône-Alpes", "Total", "Total", "A", "Total", "Total", region),
                  row(q, "Total France", "Total France", "Total", "Total", "A", "Total", "Total", 3_000_000)]
    return (("\ufeff" if bom else "") + "\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture(autouse=True)
def _tables_vides_ensuite() -> Iterator[None]:
    """The living table read here is not left cached for the tests after this file."""
    yield
    economie._demandeurs_departements.cache_clear()
    millesimes.observations.cache_clear()


def test_the_export_gives_category_a_by_departement(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(_export(FIRST, bom=True))
    table = economie.dares_stock_departements(path)
    assert list(table.columns) == ["code_dep", "trimestre", "demandeurs"] and table["demandeurs"].dtype == "float64"
    assert all(isinstance(c, str) for c in [*table["code_dep"], *table["trimestre"]])  # "2A", "2024-T3": strings from the first read
    assert len(table) == len(FIRST) and sorted(table["code_dep"].unique()) == ["2A", "73", "74"]  # no région or France row
    values = table.set_index(["code_dep", "trimestre"])["demandeurs"]
    assert values[("74", "2024-T3")] == 31800.0 and values[("2A", "2023-T3")] == 9000.0  # category A, not A, B, C
    path.write_bytes(_export(FIRST).replace(b";nombre_de_demandeurs_d_emploi", b";valeur"))
    with pytest.raises(ValueError, match="champ\\(s\\) absent\\(s\\) nombre_de_demandeurs_d_emploi"):
        economie.dares_stock_departements(path)
    path.write_bytes(_export(FIRST).replace(b";cvs-cjo;A;", b";brutes;A;"))
    with pytest.raises(ValueError, match="aucune ligne département × catégorie A, CVS-CJO"):
        economie.dares_stock_departements(path)
    path.write_bytes(_export({("01", "2024-T3"): 20000, **FIRST}).replace(b";01;", b";1;"))
    with pytest.raises(ValueError, match=r"codes de département sans zéro initial \(1\)"):
        economie.dares_stock_departements(path)
    path.write_bytes(_export(FIRST).replace(b"2024-T3;84;Auvergne-Rh\xc3\xb4ne-Alpes;74;Haute-Savoie;cvs-cjo;A;Total;Total;Total;31800",
                                            b"2024-T3;84;Auvergne-Rh\xc3\xb4ne-Alpes;74;Haute-Savoie;cvs-cjo;A;Total;Total;Total;"))
    table = economie.dares_stock_departements(path)  # a quarter without value: no row, the others kept
    assert len(table) == len(FIRST) - 1 and ("74", "2024-T3") not in set(zip(table["code_dep"], table["trimestre"]))


def test_the_indicator_sums_the_departements_of_each_territory(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(_export(FIRST))
    table = economie.dares_stock_departements(path)
    member = pd.DataFrame({"id_ti": ["ti-x", "ti-x", "ti-x", "ti-y", "ti-z"],
                           "insee_com": ["74010", "74011", "73065", "2A004", "97411"]})  # La Réunion: not in the source
    long = marche_travail.demandeurs_departements(member, table)
    values = long.set_index(["id_ti", "indicator", "observation"])["value"]
    n, evol = marche_travail.DEMANDEURS_DEP, marche_travail.DEMANDEURS_DEP_EVOL
    assert values[("ti-x", n, "2024-T3")] == 31800 + 16400 == 48200  # Haute-Savoie and Savoie, each counted once
    assert values[("ti-x", n, "2023-T3")] == 46000
    assert values[("ti-x", evol, "2024-T3")] == pytest.approx((48200 / 46000 - 1) * 100)  # 4.78 %
    assert values[("ti-y", evol, "2024-T3")] == pytest.approx((9270 / 9000 - 1) * 100)  # 3.0 %
    assert values[("ti-y", n, "2024-T1")] == 9100
    assert ("ti-x", n, "2024-T1") not in values.index  # Savoie missing that quarter: no partial sum
    assert set(long["id_ti"]) == {"ti-x", "ti-y"}  # ti-z: none of its départements is published
    assert set(long.loc[long["indicator"] == evol, "observation"]) == {"2024-T3"}  # the only quarter a year after another
    assert marche_travail.demandeurs_departements(member, table.iloc[0:0]).empty


def test_without_a_copy_the_series_is_empty_and_said_not_obtained() -> None:
    assert sources.pinned_only()  # the tests read pinned copies: no living copy, and none pinned
    assert economie.demandeurs_departements("2026-12").empty
    ligne = millesimes.ligne(DATASET, "2026-12")
    assert (ligne["observation"], ligne["prochaine"], ligne["attendue"], ligne["en_retard"]) == (None, None, None, False)
    assert millesimes.age(ligne) == (
        "série de la DARES pas encore obtenue (aucune copie épinglée) : lancer `observatoire donnees --actualiser demandeurs-emploi-departements`")


def _refresh(capsys: pytest.CaptureFixture) -> str:
    assert main(["donnees", "--actualiser", DATASET]) == 0
    return capsys.readouterr().out


def test_dares_export_refreshed_reports_a_new_quarter_and_a_revision(serveur: Serveur, capsys: pytest.CaptureFixture) -> None:  # noqa: F811
    assert sources.source(ID).url == URL and sources.vivants()[DATASET].obtainable
    serveur.sert(ID, _export(FIRST, bom=True))
    out = _refresh(capsys)
    assert f"  {ID} : jusqu'à 2024-T3 (sha256 " in out
    assert ("lecteur testé : oui (tests/test_demandeurs_departements.py::"
            "test_dares_export_refreshed_reports_a_new_quarter_and_a_revision)") in out
    assert sources.living_path(ID).read_bytes() == _export(FIRST, bom=True)  # DARES's file, kept as served
    table = economie.demandeurs_departements().set_index(["code_dep", "trimestre"])["demandeurs"]
    assert len(table) == len(FIRST) and table[("74", "2024-T2")] == 31250.0

    serveur.sert(ID, _export(SECOND))
    out = _refresh(capsys)
    assert f"  {ID} : nouvelles périodes : de 2024-T3 à 2024-T4 ; 1 valeur révisée (2024-T2) (sha256 " in out
    table = economie.demandeurs_departements().set_index(["code_dep", "trimestre"])["demandeurs"]
    assert table[("74", "2024-T2")] == 31310.0 and table[("2A", "2024-T4")] == 9300.0
    # the fourth quarter is published one month after it ends (declared lag): not by the end of December
    assert economie.demandeurs_departements("2024-12")["trimestre"].max() == "2024-T3"
    assert economie.demandeurs_departements("2025-01")["trimestre"].max() == "2024-T4"
    [jeu] = [j for j in etat.etat_jeux() if j.dataset == DATASET]
    assert (jeu.derniere, jeu.point_acces) == ("2024-T4", URL)

    assert [c.message for c in etat.actualiser([DATASET]).faits] == ["inchangé"]  # the same export again


def test_once_obtained_the_series_is_in_the_indicator_tables(
    serveur: Serveur, mirror: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    serveur.sert(ID, _export(SECOND))
    assert etat.actualiser([DATASET]).echecs == []
    monkeypatch.setenv(config.MIRROR_ENV, str(mirror))  # the pinned files the other indicators read
    res = build.build_indicators(2, "2025-01")
    france = res.wide.set_index("id_ti").loc[areas.FRANCE]
    latest = res.observations.set_index("indicator")["observation"]
    assert latest[marche_travail.DEMANDEURS_DEP] == latest[marche_travail.DEMANDEURS_DEP_EVOL] == "2024-T4"
    # France: every département the source publishes (here the three of the export)
    assert france[marche_travail.DEMANDEURS_DEP] == 32000 + 16500 + 9300 == 57800
    assert france[marche_travail.DEMANDEURS_DEP_EVOL] == pytest.approx((57800 / (30500 + 16100 + 9050) - 1) * 100)  # +3.9 %
    corse = res.wide.set_index("id_ti").loc[areas.REGION_PREFIX + "94", marche_travail.DEMANDEURS_DEP]
    assert corse == 9300  # Corse-du-Sud only: Haute-Corse is not in the export


def test_an_export_in_another_format_is_refused_and_the_copy_kept(serveur: Serveur) -> None:  # noqa: F811
    serveur.sert(ID, _export(FIRST))
    assert etat.actualiser([DATASET]).echecs == []
    kept = sources.living_state()[ID]["sha256"]
    serveur.sert(ID, b"<html>maintenance</html>")
    bilan = etat.actualiser([DATASET])
    assert bilan.faits == [] and "format inattendu" in bilan.echecs[0].message
    assert sources.living_state()[ID]["sha256"] == kept == sources.observed_sha256(ID)
    assert economie.demandeurs_departements()["trimestre"].max() == "2024-T3"
