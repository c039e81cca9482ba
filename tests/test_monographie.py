"""Monographs: the productive fabric (A38 sectors estimated from the zones d'emploi, sector
shift-share), the portrait (phases matched by membership, EPCI and commune employment), the
questions for the fieldwork and the French sentences, on hand-written fixtures in the real
schemas and on the real data of 2026-11."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.analyses import portrait, positions, questions_terrain, tissu_productif
from analysis.analyses.questions_terrain import Constat
from analysis.donnees import referentiel
from analysis.indicateurs import shiftshare
from analysis.publications import cartes, monographie, monographie_terrain

PERIODE = "2026-11"


def _a38(rows: list[tuple[str, str, int, float | None]]) -> pd.DataFrame:
    """URSSAF ZE × A38 long frame (loader schema) from (code_ze, a38, year, eff)."""
    df = pd.DataFrame(rows, columns=["code_ze", "a38", "year", "eff"])
    labels = {"CA": ("Ind. alimentaires", "BE"), "GZ": ("Commerce", "GU"), "JC": ("Informatique", "GU")}
    return df.assign(
        a21="C", a5=df["a38"].map(lambda s: labels[s][1]), lib=df["a38"].map(lambda s: labels[s][0]),
        year=df["year"].astype("int64"), eff=df["eff"].astype("float64"),
    )


# France: industry 100 -> 90, commerce 100 -> 130; zone 0001 is 30 % in ti-0001, zone 0002 all of it
A38 = _a38(
    [
        ("0001", "CA", 2019, 80), ("0001", "CA", 2024, 76), ("0001", "GZ", 2019, 20), ("0001", "GZ", 2024, 30),
        ("0002", "CA", 2019, 20), ("0002", "CA", 2024, 14), ("0002", "GZ", 2019, 80), ("0002", "GZ", 2024, 100),
        ("0002", "JC", 2019, None), ("0002", "JC", 2024, None),
    ]
)  # fmt: skip
WEIGHTS = pd.DataFrame(
    {"id_ti": ["ti-0001", "ti-0001", "HORS-TI", "FRANCE", "FRANCE"], "code_ze": ["0001", "0002", "0001", "0001", "0002"],
     "poids": [0.3, 1.0, 0.7, 1.0, 1.0]}
)


def test_sectors_are_the_zone_values_times_the_weights():
    emploi = tissu_productif.emploi_secteurs(A38, WEIGHTS, ["ti-0001", "FRANCE"], tissu_productif.libelles(A38))
    level = emploi.set_index(["id_ti", "a38", "year"])["emploi"]
    assert level[("ti-0001", "CA", 2019)] == pytest.approx(0.3 * 80 + 20)  # 44
    assert level[("ti-0001", "GZ", 2024)] == pytest.approx(0.3 * 30 + 100)  # 109
    assert level[("ti-0001", "JC", 2024)] == 0  # blanks count as zero
    assert level[("FRANCE", "CA", 2024)] == 90
    table = tissu_productif.tableau_secteurs(emploi, "ti-0001", 2019, 2024).set_index("a38")
    assert table.index[0] == "GZ"  # the largest sector in 2024 first
    assert table.loc["CA", "emploi_fin"] == pytest.approx(0.3 * 76 + 14)  # 36.8
    assert table.loc["CA", "variation_pct"] == pytest.approx(100 * (36.8 / 44 - 1))
    assert table.loc["CA", "variation_pct_reference"] == pytest.approx(-10.0)
    assert table.loc["CA", "part"] == pytest.approx(100 * 36.8 / 145.8)
    assert table.loc["CA", "part_reference"] == pytest.approx(100 * 90 / 220)
    assert table.loc["CA", "specificite"] == pytest.approx((36.8 / 145.8) / (90 / 220))
    assert pd.isna(table.loc["JC", "variation_pct"]) and table.loc["JC", "haute_technologie"] == "services"
    assert tissu_productif.parts_industrie(table.reset_index())["industrie"] == pytest.approx(100 * 36.8 / 145.8)


def test_sector_effects_sum_to_the_territory_shift_share():
    effets = tissu_productif.effets_secteurs(A38, WEIGHTS, "ti-0001", 2019, 2024, tissu_productif.libelles(A38)).set_index("a38")
    whole = shiftshare.attribute(WEIGHTS, shiftshare.shift_share(A38, 2019, 2024), ["variation", *tissu_productif.EFFETS])
    whole = whole.set_index("id_ti").loc["ti-0001"]
    for column in ["variation", *tissu_productif.EFFETS]:
        assert effets[column].sum() == pytest.approx(whole[column])
    # zone 0002 commerce: 80 -> 100 where France grew 30 %: 4 jobs below its trend
    assert effets.loc["GZ", "effet_local"] == pytest.approx(0.3 * (30 - 26) + (100 - 104))
    assert effets.loc["CA", "effet_local"] == pytest.approx(0.3 * (76 - 72) + (14 - 18))
    assert effets.index.tolist() == ["JC", "CA", "GZ"]  # the largest local effect first (ties by code)


def test_real_fabric_of_est_du_loiret():
    tissu = tissu_productif.tissu_territoire(2, PERIODE, "ti-2404")
    assert tissu.estimation  # no national commune × APE file: sectors attributed by zone d'emploi
    zones = tissu.poids.set_index("lib_ze")["poids"]
    assert zones["Montargis"] == pytest.approx(0.998, abs=1e-3) and zones["Gien"] == pytest.approx(0.815, abs=1e-3)
    assert (tissu.debut, tissu.fin) == (2019, 2024)
    assert tissu.secteurs["emploi_fin"].sum() == pytest.approx(42_530.8, abs=0.1)
    assert tissu.secteurs.iloc[0]["lib"] == "Commerce"
    assert tissu.secteurs.set_index("a38").loc["CC", "specificite"] == pytest.approx(4.66, abs=0.01)
    # the sector effects add up to the shift-share indicators of the territory
    a38, weights, *_ = tissu_productif._inputs(2, PERIODE)
    ind = shiftshare.indicators(weights, a38).loc[lambda d: (d["id_ti"] == "ti-2404") & (d["observation"] != "2019")]
    ind = ind.set_index("indicator")["value"]
    for effect in tissu_productif.EFFETS:
        assert tissu.effets[effect].sum() == pytest.approx(ind[f"ss_{effect}"])
    assert ind["ss_effet_local"] == pytest.approx(-1281.0, abs=0.1)
    assert tissu.effets.set_index("a38").loc["CC", "effet_local"] == pytest.approx(156.7, abs=0.1)
    industry = tissu_productif.parts_industrie(tissu.secteurs)
    assert industry["industrie_hautetech"] == pytest.approx(ind["part_industrie_hautetech"])


# --- portrait -------------------------------------------------------------------------------


def _communes(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id_ti", "insee_com", "population"])


ICI = _communes([("ti-1", "01001", 100), ("ti-1", "01002", 50), ("ti-2", "01003", 10), ("ti-3", "01004", 5), ("ti-3", "01005", 5)])


@pytest.mark.parametrize(
    "autre, relation",
    [
        (_communes([("ti-9", "01001", 100), ("ti-9", "01002", 50)]), portrait.IDENTIQUE),
        (_communes([("ti-9", "01001", 100), ("ti-9", "01002", 50), ("ti-9", "01009", 150)]), portrait.INCLUS),
        (_communes([("ti-9", "01001", 100)]), portrait.ENGLOBE),
        (_communes([("ti-9", "01001", 100), ("ti-9", "01009", 300), ("ti-8", "01002", 50)]), portrait.RECOUPE),
        (_communes([("ti-9", "01009", 100)]), portrait.AUCUN),
    ],
)
def test_perimeter_relations(autre, relation):
    corr = portrait.correspondance(ICI, autre, "ti-1")
    assert portrait.perimetre(corr, 2) == relation


def test_correspondence_shares():
    autre = _communes([("ti-9", "01001", 100), ("ti-9", "01009", 300), ("ti-8", "01002", 50)])
    corr = portrait.correspondance(ICI, autre, "ti-1").set_index("id_ti")
    assert corr.index.tolist() == ["ti-9", "ti-8"]  # the largest overlap first
    assert corr.loc["ti-9", "part_ici"] == pytest.approx(100 * 100 / 150) and corr.loc["ti-9", "part_autre"] == 25.0
    assert corr.loc["ti-8", "part_autre"] == 100.0 and corr.loc["ti-8", "n_communes"] == 1


def test_phases_matched_by_communes_not_by_identifier():
    c1, c2 = referentiel.communes_ti(1), referentiel.communes_ti(2)
    names_1 = referentiel.territoires(1).set_index("id_ti")["lib_ti"]
    # ti-7605 of phase 2 lies inside phase-1 ti-7604; phase-1 ti-7605 is another territory
    corr = portrait.correspondance(c2, c1, "ti-7605")
    assert corr["id_ti"].tolist() == ["ti-7604"] and portrait.perimetre(corr, 111) == portrait.INCLUS
    assert corr["part_autre"].iloc[0] == pytest.approx(72.47, abs=0.01)
    ligne = referentiel.territoires(2).loc[lambda d: d["id_ti"] == "ti-7605"].iloc[0]
    text = monographie.texte_phases(ligne, 2, 1, corr, portrait.INCLUS, portrait.ecarts_perimetre(c2, c1, "ti-7605", "ti-7604"), names_1)
    assert "« Castres - Revel - Castelnaudary » (ti-7604)" in text and "« Gard Rhodanien-Pont du Gard »" in text
    assert "les 96 autres communes" in text
    # Est du Loiret (ti-2404) keeps its phase-1 perimeter and adds the CC du Val de Sully
    corr = portrait.correspondance(c2, c1, "ti-2404")
    assert portrait.perimetre(corr, 145) == portrait.ENGLOBE
    added = portrait.ecarts_perimetre(c2, c1, "ti-2404", "ti-2404")
    assert set(added["ecart"]) == {"ajoutée"} and len(added) == 19 and added["population"].sum() == 24_244
    assert set(added["lib_epci"]) == {"CC du Val de Sully"}


def test_commune_and_epci_employment():
    serie = pd.DataFrame(
        {"code": ["01001", "01001", "01001", "01002", "01002", "01003"], "echelon": "communes",
         "year": [2014, 2018, 2024, 2014, 2018, 2024], "eff_total": [100, 110, 150, 40, 50, 10]}
    ).astype({"year": "int64", "eff_total": "int64"})
    communes = pd.DataFrame({"insee_com": ["01001", "01002", "01003"], "lib_com": ["Ain", "Bey", "Cey"],
                             "siren_epci": ["200000001", "200000001", "200000002"], "lib_epci": ["CC A", "CC A", "CC B"]})
    emplois = portrait.emploi_communes(serie, communes).set_index(["insee_com", "year"])["emploi"]
    assert emplois[("01002", 2024)] == 0 and emplois[("01003", 2014)] == 0  # absent from the series: no employer
    traj = portrait.trajectoires_epci(portrait.emploi_communes(serie, communes))
    a = traj.loc[traj["lib_epci"] == "CC A"].set_index("year")
    assert a.loc[2024, "emploi"] == 150 and a.loc[2024, "indice"] == pytest.approx(100 * 150 / 140)
    table = portrait.tableau_epci_emploi(traj).set_index("lib_epci")
    assert table.loc["CC A", "tcam_avant"] == pytest.approx(100 * ((160 / 140) ** 0.25 - 1))
    assert table.loc["CC A", "part"] == pytest.approx(100 * 150 / 160)
    var = portrait.variations_communes(portrait.emploi_communes(serie, communes), 2018, 2024).set_index("lib_com")
    assert var.loc["Ain", "variation"] == 40 and var.loc["Bey", "variation"] == -50
    assert var.loc["Cey", "variation"] == 10 and var["part_variation"].isna().all()  # no net change: no share of it


def test_groups_of_areas():
    long = pd.DataFrame(
        {"id_ti": ["a", "a", "b", "b", "c"], "indicator": "emploi_prive", "observation": ["2014", "2015", "2014", "2015", "2015"],
         "value": [100.0, 110.0, 300.0, 270.0, 5.0]}
    )
    idx = positions.indices_groupes(long, {"A": ["a"], "A+B": ["a", "b"], "C": ["c"]}, "emploi_prive", base="2014")
    got = idx.set_index(["lib", "observation"])["value"]
    assert got[("A", "2015")] == pytest.approx(110) and got[("A+B", "2015")] == pytest.approx(100 * 380 / 400)
    assert "C" not in set(idx["lib"])  # no value in the base period
    wide = pd.DataFrame({"id_ti": ["a", "b"], "x": [1.0, 3.0]})
    assert positions.valeurs_groupes(wide, {"A": ["a"], "Profil": ["a", "b"]}, ["x"]).loc["x"].tolist() == [1.0, 2.0]


# --- questions for the fieldwork ------------------------------------------------------------


def _wide(**ti) -> pd.DataFrame:
    base = {"ss_effet_local_pct": 0.0, "ss_effet_structurel_pct": 0.0, "ss_effet_local": 0.0, "emploi_prive_tcam": 1.0,
            "croissance_population": 0.3, "taux_chomage": 7.0, "demandeurs_emploi_evol": -1.6, "part_industrie": 12.0,
            "part_industrie_hautetech": 5.0}
    return pd.DataFrame([{"id_ti": "ti-1", **base, **ti}, {"id_ti": "FRANCE", **base, "emploi_prive_tcam": 1.4, "taux_chomage": 7.5}])


EMPTY = {"epci": pd.DataFrame({"lib_epci": [], "part": [], "tcam_apres": []}),
         "communes": pd.DataFrame({"lib_com": ["A", "B", "C", "D"], "variation": [10.0, 10.0, 10.0, 10.0], "variation_pct": [1.0] * 4}),
         "secteurs": pd.DataFrame({"a38": ["CA"], "lib": ["Ind. alimentaires"], "part": [1.0], "specificite": [1.0]}),
         "effets": pd.DataFrame({"a38": ["CA"], "lib": ["Ind. alimentaires"], "variation": [0.0], "effet_national": [0.0],
                                 "effet_structurel": [0.0], "effet_local": [0.0]}),
         "correspondance": pd.DataFrame(), "relation": portrait.AUCUN}


def test_questions_fire_on_their_thresholds():
    assert questions_terrain.constats(_wide(), "ti-1", **EMPTY) == []
    local = questions_terrain.constats(_wide(ss_effet_local_pct=-1.5, ss_effet_structurel_pct=0.4, ss_effet_local=-300), "ti-1", **EMPTY)
    assert local == [Constat("local_contre_structure", {"local_pct": -1.5, "structurel_pct": 0.4, "local": -300.0})]
    assert questions_terrain.constats(_wide(ss_effet_local_pct=-0.9, ss_effet_structurel_pct=0.4), "ti-1", **EMPTY) == []
    moved = {**EMPTY, "communes": pd.DataFrame({"lib_com": ["A", "B"], "variation": [90.0, 30.0], "variation_pct": [12.0, 1.0]})}
    assert [c.regle for c in questions_terrain.constats(_wide(), "ti-1", **moved)] == ["commune_decisive"]
    split = {**EMPTY, "epci": pd.DataFrame({"lib_epci": ["CC A", "CC B", "CC C"], "part": [60.0, 36.0, 4.0],
                                            "tcam_apres": [1.0, -0.6, -5.0]})}
    found = questions_terrain.constats(_wide(), "ti-1", **split)
    assert found == [Constat("epci_divergents", {"haut": "CC A", "tcam_haut": 1.0, "bas": "CC B", "tcam_bas": -0.6})]  # CC C too small
    both = questions_terrain.constats(_wide(emploi_prive_tcam=0.5, croissance_population=-0.2, demandeurs_emploi_evol=5.0), "ti-1", **EMPTY)
    assert [c.regle for c in both] == ["emploi_population"]  # jobs 0.9 point/an below France: seekers rising is no puzzle
    text = monographie_terrain.texte_questions(local + found, "Vallée", 1)
    assert "1. Sa composition sectorielle lui était favorable (+0,4\u00a0%" in text and "2. Depuis 2018" in text


# --- texts, maps and the fieldwork notes ------------------------------------------------------


def test_links_are_relative_to_the_monograph_page():
    corr = pd.DataFrame({"id_ti": ["ti-7604"]})
    text = monographie.texte_liens("ti-7605", 2, corr, 1, pd.Series({"ti-7604": "Castres"}))
    assert "(../fiches/phase2/ti-7605.html)" in text and "[Castres (ti-7604)](../fiches/phase1/ti-7604.html)" in text
    assert "(../synthese/synthese.html)" in text and monographie.lien_monographie("ti-1") == "../monographies/ti-1.html"


def test_scale_bar_is_a_round_length():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_xlim(600_000, 680_000)  # 80 km of Lambert-93
    ax.set_ylim(6_700_000, 6_760_000)
    assert cartes.barre_echelle(ax) == 20  # the round length below a quarter of the width
    plt.close(fig)


def test_fieldwork_section_says_no_interview_until_notes_are_written(tmp_path):
    pas_encore = ("## Travail de terrain\n\nAucun entretien de terrain n'a encore été mené dans ce territoire : les questions "
                  "ci-dessus sont le guide des premiers entretiens.")
    assert monographie_terrain.section_terrain("ti-0000", tmp_path) == pas_encore  # no file (ti-4402, ti-5307 in 2026-12)
    (tmp_path / "ti-0001.md").write_text("<!-- consignes -->\n", encoding="utf-8")
    assert monographie_terrain.section_terrain("ti-0001", tmp_path) == pas_encore  # the instructions only
    assert "monographies/terrain/ti-0001.md" in monographie_terrain.texte_brouillon("ti-0001", [], tmp_path)
    (tmp_path / "ti-0001.md").write_text("<!-- consignes -->\n### Entretiens\nMaire, 3 mars.", encoding="utf-8")
    assert monographie_terrain.section_terrain("ti-0001", tmp_path) == "## Travail de terrain\n\n### Entretiens\nMaire, 3 mars."
    assert monographie_terrain.texte_brouillon("ti-0001", [], tmp_path) == "> **Brouillon.** Rien ne manque à cette monographie."


def test_phases_table_does_not_write_an_end_year_the_data_may_not_have():
    """The growth column said « 2018-2024 » whatever the last year published (2023 in a run of 2024-07)."""
    ligne = pd.Series({"lib_ti": "Est du Loiret", "id_ti": "ti-2404", "n_communes": 145, "population": 193_038})
    wide = pd.DataFrame({"id_ti": ["ti-2404"], "emploi_prive": [42_828.0], "emploi_prive_tcam": [0.5086]})
    corr = pd.DataFrame({"id_ti": ["ti-2404"], "n_communes": [126], "population": [168_794], "communes_communes": [126],
                         "part_ici": [87.4], "part_autre": [100.0]})
    wide_1 = pd.DataFrame({"id_ti": ["ti-2404"], "emploi_prive": [36_535.0], "emploi_prive_tcam": [0.338]})
    table = monographie.tableau_phases(ligne, 2, wide, corr, 1, wide_1, pd.Series({"ti-2404": "Montargis-en-Gâtinais - Giennois"}))
    assert list(table.columns)[-2:] == ["Emplois", "Croissance (%/an)"]  # the years are in the caption
    assert table["Croissance (%/an)"].tolist() == ["+0,51", "+0,34"] and table["Emplois"].tolist() == ["42\u202f828", "36\u202f535"]
    assert table["Part de la population en commun"].tolist() == ["–", "87\u00a0% ici, 100\u00a0% là"]


def test_the_link_to_the_other_phase_elides_before_a_vowel():
    """Alsace du Nord's monograph read « fiche de Alsace bossue - Saverne - Sarrebourg - Nord Alsace (ti-4401) »."""
    corr = pd.DataFrame({"id_ti": ["ti-4401"]})
    text = monographie.texte_liens("ti-4402", 2, corr, 1, pd.Series({"ti-4401": "Alsace bossue - Saverne"}))
    assert " ; en phase 1 : fiche d'[Alsace bossue - Saverne (ti-4401)](../fiches/phase1/ti-4401.html) ; " in text
    text = monographie.texte_liens("ti-7605", 2, pd.DataFrame({"id_ti": ["ti-7604"]}), 1, pd.Series({"ti-7604": "Castres"}))
    assert " ; en phase 1 : fiche de [Castres (ti-7604)]" in text
