"""The comparator of issue 28 (``analyses.comparateur``, ``publications.page_comparateur``) on the real
indicator tables of phase 2, 2026-11: Grand Est Touraine (ti-2405) and its peers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import PERIODE_TESTS as PERIODE
from conftest import axe_absent, axe_audit, outputs_folder

from analysis.analyses import comparateur, profils
from analysis.donnees.referentiel import UnknownTerritoryError
from analysis.indicateurs.build import write_indicators
from analysis.indicateurs.registry import IndicateurInconnu, indicator, key_figures
from analysis.publications import page_comparateur as publication
from analysis.publications.figures import donnees

TERRITOIRE = "ti-2405"
VOISINS = ["ti-8402", "ti-5206", "ti-8419", "ti-8410"]  # its typology neighbours, the nearest first
CINQ = ["ti-8402", "ti-0101", "ti-5206", "ti-8419", "ti-8410"]


@pytest.fixture(scope="module")
def tables(tmp_path_factory, indicateurs_periode):
    """The month's phase-2 tables written under a fresh outputs folder, as a run writes them."""
    with outputs_folder(tmp_path_factory.mktemp("outputs")):
        write_indicators(indicateurs_periode[2], PERIODE)
        yield indicateurs_periode[2]


@pytest.fixture(scope="module")
def voisins(tables) -> comparateur.Comparaison:
    return comparateur.comparer(TERRITOIRE, 2, PERIODE)


def test_the_default_peers_are_the_typology_neighbours_the_monograph_uses(voisins) -> None:
    assert voisins.ids == [TERRITOIRE, *VOISINS]
    assert list(profils.voisins(profils.typologie_du_mois(2, PERIODE), TERRITOIRE)) == VOISINS
    assert voisins.tableau["id_ti"].tolist() == [TERRITOIRE, *VOISINS]
    assert voisins.tableau["lib"].iloc[0] == "Grand Est Touraine"


def test_the_ranks_are_those_among_all_ti_of_the_phase(voisins, tables) -> None:
    ti = tables.wide.loc[tables.wide["niveau"] == "ti"].set_index("id_ti")["taux_chomage"].dropna()
    recomputed = [int((ti > ti[t]).sum()) + 1 for t in voisins.ids]
    table = voisins.tableau
    assert table["taux_chomage_rang"].tolist() == recomputed == [91, 158, 151, 166, 129]
    assert table["taux_chomage_n"].tolist() == [len(ti)] * 5 == [180] * 5
    assert table["taux_chomage"].iloc[0] == pytest.approx(7.3)
    assert table.attrs["observations"]["taux_chomage"] == "2025-T4"


def test_a_typed_group_of_five_gives_six_rows_in_the_order_typed(tables) -> None:
    typed = comparateur.comparer(TERRITOIRE, 2, PERIODE, pairs=[*CINQ, TERRITOIRE, "ti-8402"], indicateurs=["taux_chomage"])
    assert typed.ids == [TERRITOIRE, *CINQ]
    assert typed.tableau.columns.tolist() == ["id_ti", "lib", "taux_chomage", "taux_chomage_rang", "taux_chomage_n"]
    assert typed.tableau.set_index("id_ti").loc["ti-0101", "taux_chomage_rang"] == 2  # Basse-Terre, 17.6 %


def test_unknown_territories_and_indicators_are_refused_in_french_naming_them(tables) -> None:
    with pytest.raises(UnknownTerritoryError, match=r"inconnu\(s\) en phase 2 : 'ti-9999'"):
        comparateur.comparer(TERRITOIRE, 2, PERIODE, pairs=["ti-8402", "ti-9999"])
    with pytest.raises(UnknownTerritoryError, match="'ti-9998'"):
        comparateur.comparer("ti-9998", 2, PERIODE)
    with pytest.raises(IndicateurInconnu, match="indicateur « chomage » absent du registre"):
        comparateur.comparer(TERRITOIRE, 2, PERIODE, pairs=["ti-8402"], indicateurs=["chomage"])


def test_a_territory_outside_the_typology_has_no_default_peers_and_is_told_so(tables) -> None:
    typo = profils.typologie_du_mois(2, PERIODE)
    assert "ti-0101" not in typo.labels.index
    with pytest.raises(comparateur.PairsIndisponibles, match="« ti-0101 » hors de la typologie.*donnez ses pairs"):
        comparateur.voisins_par_defaut(typo, "ti-0101")


def test_the_series_cover_every_observation_of_the_group(voisins) -> None:
    serie = voisins.serie("taux_chomage")
    counts = serie.groupby("id_ti", sort=False)["observation"].agg(["first", "last", "size"])
    assert counts.index.tolist() == voisins.ids
    assert (counts["first"] == "2003-T1").all() and (counts["last"] == "2025-T4").all() and (counts["size"] == 92).all()
    last = serie.loc[serie["id_ti"] == TERRITOIRE].iloc[-1]
    assert last["date"] == pd.Timestamp("2025-10-01") and last["value"] == pytest.approx(voisins.tableau["taux_chomage"].iloc[0])
    growth = voisins.serie("croissance_population")
    assert growth.loc[growth["id_ti"] == TERRITOIRE, "date"].dt.year.tolist() == [2016, 2022]  # "2010-2016", "2016-2022"


def test_the_lab_comparison_gives_what_each_published_month_said(voisins) -> None:
    said = voisins.publiee("taux_chomage")  # one month published here: the month itself
    assert said["id_ti"].tolist() == voisins.ids and set(said["periode"]) == {PERIODE} and set(said["observation"]) == {"2025-T4"}
    assert said["value"].tolist() == pytest.approx(voisins.tableau["taux_chomage"].tolist()) and said["revision"].isna().all()
    assert said["lib"].iloc[0] == "Grand Est Touraine"
    with pytest.raises(IndicateurInconnu):
        voisins.publiee("chomage")


def test_the_french_table_and_the_figure_carry_the_values_compared(tables) -> None:
    table, fig = publication.comparer(TERRITOIRE, 2, PERIODE, pairs=CINQ, indicateurs=["taux_chomage", "revenu_median"],
                                      serie="taux_chomage")
    assert table["Territoire"].tolist()[:2] == ["Grand Est Touraine (ti-2405, phase 2)", "Bassin de Bourg-en-Bresse (ti-8402, phase 2)"]
    assert len(table) == 6
    assert table.columns.tolist()[1:] == ["Chômage localisé, % (T4 2025)", "Rang, Chômage localisé",
                                          "Niveau de vie médian, € (2021)", "Rang, Niveau de vie médian"]
    assert table.iloc[0, 1:].tolist() == ["7,3", "91e sur 180", "23\u202f854", "26e sur 173"]
    drawn = donnees(fig)
    assert len(fig.axes[0].lines) == 6
    counts = drawn.groupby("territoire", sort=False).size()
    assert counts.tolist() == [92, 92, 48, 92, 92, 92]  # Basse-Terre's quarters start in 2014-T1, the others in 2003-T1
    assert drawn["territoire"].iloc[0] == "Grand Est Touraine"
    assert (drawn["unite"] == "%").all() and (drawn["source"] == indicator("taux_chomage").source).all()


@pytest.fixture(scope="module")
def page(tables, tmp_path_factory) -> Path:
    return publication.ecrire_page(PERIODE, 2, tmp_path_factory.mktemp("donnees"))


def _embedded(html: str) -> dict:
    start = html.index('<script type="application/json" id="donnees-comparateur">') + len('<script type="application/json" id="donnees-comparateur">')
    return json.loads(html[start:html.index("</script>", start)])


def test_the_page_embeds_the_lab_table_of_every_ti_and_asks_nothing_from_the_network(page, voisins) -> None:
    assert page.name == "comparateur_phase2.html"
    html = page.read_text(encoding="utf-8")
    data = _embedded(html)
    assert len(data["territoires"]) == 183 and data["territoires"][TERRITOIRE] == {"lib": "Grand Est Touraine", "voisins": VOISINS}
    assert data["territoires"]["ti-0101"]["voisins"] == []  # outside the typology: the reader types its peers
    chomage = next(i for i in data["indicateurs"] if i["nom"] == "taux_chomage")
    row = voisins.tableau.set_index("id_ti").loc[TERRITOIRE]
    assert chomage["valeurs"][TERRITOIRE] == [pytest.approx(row["taux_chomage"]), 91, 180]
    assert [i["nom"] for i in data["indicateurs"]] == list(key_figures())
    serie = data["series"]["taux_chomage"]
    assert (serie["x"][0], serie["x"][-1], len(serie["x"])) == ("2003-T1", "2025-T4", 92)
    assert serie["valeurs"][TERRITOIRE][-1] == pytest.approx(7.3)
    assert "croissance_population" in data["series"] and "revenu_median" not in data["series"]  # one observation only
    said = data["publie"]["taux_chomage"]  # the only month published here: its own tables
    assert said["mois"] == [PERIODE] and said["observations"] == ["2025-T4"] and said["revisions"][TERRITOIRE] == [None]
    assert said["valeurs"][TERRITOIRE] == [pytest.approx(7.3)] and set(data["publie"]) == set(data["series"])
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html) and "fetch(" not in html and "XMLHttpRequest" not in html


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium absent : la page n'est pas exécutée")
def test_the_page_shows_a_typed_group_of_five_in_headless_chromium(page) -> None:
    address = page.as_uri() + "#territoire=ti-2405&pairs=ti-8402,ti-0101,ti-5206,ti-8419,ti-9999,ti-8410&serie=emploi_prive"
    dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", address],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    head = dom[dom.index('<table id="tableau">'):dom.index("</thead>")]
    assert head.count("<th scope=") == 7 and "Basse-Terre (ti-0101, phase 2)" in head
    assert "Identifiant(s) inconnu(s) en phase 2 : ti-9999" in dom
    assert "91<sup>e</sup> sur 180" in dom and dom.count("<polyline") == 6
    assert "Source : URSSAF" in dom and "Observations de 2014 à 2024." in dom
    assert "1 mois publié, nov. 2026 ; aucune valeur du mois précédent révisée dans ce groupe." in dom
    months = dom[dom.index('<table id="tableau-mois">'):dom.index("</table>", dom.index('<table id="tableau-mois">'))]
    assert months.count('<th scope="col">') == 8 and 'nov. 2026</th><td>2024</td><td class="nombre">' in months


def test_the_comparator_passes_an_axe_core_audit_at_400_px(page) -> None:
    if (why := axe_absent()) is not None:
        pytest.skip(why)
    audit = axe_audit([page])[str(page)]
    assert [v for v in audit["violations"] if v["impact"] in ("serious", "critical")] == []
    assert audit["debordement"] == 0  # the tables scroll in their own box


def test_the_home_page_links_the_comparator_of_each_phase(tables, tmp_path) -> None:
    text = publication.texte_comparateur(PERIODE, tmp_path, phases=(2,))
    assert "(donnees/comparateur_phase2.html)" in text and (tmp_path / "comparateur_phase2.html").exists()


# --- what each published month said (``observatoire historique``), with its revisions -------------

def _publie(folder: Path, long: list[tuple[str, str, str, float]], latest: dict[str, str]) -> None:
    """A published month's tables of phase 2, hand-written in the schemas a run writes (long:
    id_ti, indicator, observation, value; observations: indicator, observation)."""
    from analysis import mois

    files = mois.table_files(2, "2026-01", folder)
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(long, columns=["id_ti", "indicator", "observation", "value"]).to_parquet(files["long"])
    pd.DataFrame(list(latest.items()), columns=["indicator", "observation"]).to_parquet(files["observations"])


def test_each_published_month_gives_its_latest_value_and_revises_the_previous_one(outputs, aujourdhui) -> None:
    import datetime as dt

    from analysis import mois

    aujourdhui(dt.date(2026, 12, 7))
    # September 2026: T2 2026 published; October (kept by the run of November, never built in its own
    # folder): T3 arrives and T2 of ti-2405 is revised from 7.1 to 7.2; November: nothing new.
    _publie(mois.indicateurs_dir("2026-09"), [("ti-2405", "taux_chomage", "2026-T2", 7.1), ("ti-8402", "taux_chomage", "2026-T2", 5.0),
                                              ("ti-2405", "emploi_prive", "2024", 100.0)], {"taux_chomage": "2026-T2", "emploi_prive": "2024"})
    _publie(mois.precedent_dir("2026-10", "2026-11"), [
        ("ti-2405", "taux_chomage", "2026-T2", 7.2), ("ti-2405", "taux_chomage", "2026-T3", 7.4),
        ("ti-8402", "taux_chomage", "2026-T2", 5.0), ("ti-8402", "taux_chomage", "2026-T3", 4.9)], {"taux_chomage": "2026-T3"})
    _publie(mois.indicateurs_dir("2026-11"), [("ti-2405", "taux_chomage", "2026-T3", 7.4), ("ti-8402", "taux_chomage", "2026-T3", 4.9)],
            {"taux_chomage": "2026-T3"})
    _publie(mois.precedent_dir("2026-08", "2026-10"), [("ti-2405", "taux_chomage", "2026-T1", 9.9)], {"taux_chomage": "2026-T1"})

    assert list(comparateur.mois_publies(2, "2026-11")) == ["2026-09", "2026-10", "2026-11"]  # August is kept by October only
    said = comparateur.valeurs_publiees(2, "2026-11", ["ti-2405", "ti-8402"], ["taux_chomage"])
    assert said.columns.tolist() == comparateur.PUBLIEES
    rows = [tuple(r) for r in said[["id_ti", "periode", "observation", "value"]].itertuples(index=False)]
    assert rows == [("ti-2405", "2026-09", "2026-T2", 7.1), ("ti-2405", "2026-10", "2026-T3", 7.4), ("ti-2405", "2026-11", "2026-T3", 7.4),
                    ("ti-8402", "2026-09", "2026-T2", 5.0), ("ti-8402", "2026-10", "2026-T3", 4.9), ("ti-8402", "2026-11", "2026-T3", 4.9)]
    revisions = said["revision"].tolist()
    assert pd.isna(revisions[0]) and revisions[1] == pytest.approx(0.1) and revisions[2] == 0.0
    assert pd.isna(revisions[3]) and revisions[4:] == [0.0, 0.0]

    page = publication.mois_publies_json(said, ["ti-2405", "ti-8402"])["taux_chomage"]
    assert page["mois"] == ["2026-09", "2026-10", "2026-11"] and page["observations"] == ["2026-T2", "2026-T3", "2026-T3"]
    assert page["valeurs"]["ti-2405"] == [7.1, 7.4, 7.4] and page["revisions"]["ti-2405"][1:] == [pytest.approx(0.1), 0.0]
    assert page["revisions"]["ti-2405"][0] is None


def test_a_month_without_published_months_has_an_empty_history(outputs) -> None:
    assert comparateur.mois_publies(2, "2026-11") == {}
    assert comparateur.valeurs_publiees(2, "2026-11", ["ti-2405"], ["taux_chomage"]).empty
