"""URSSAF commune × APE: loader, living source, COG harmonisation, industry panel, coverage."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analysis.analyses import emploi_industriel as ia
from analysis.donnees import referentiel, sources
from analysis.donnees.loaders import urssaf_ape as u
from analysis.donnees.schemas import DataContractError
from analysis.publications import fiche_secteurs

ROUEN_SHA = "578e94b61c3d594a83e115232b7ed49212b788cb05412d53ba3d86ad63daeb1a"
EPCI_ROUEN = {
    "200023414", "200066405", "200068534", "200069730", "200069847",
    "200070068", "200070449", "247600620", "247600646",
}  # fmt: skip


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    return referentiel.communes(2023)


@pytest.fixture(scope="module")
def harmonised(communes) -> pd.DataFrame:
    return ia.harmoniser(u.commune_ape(), ia.passage_communes(u.fusions(), 2023, communes))


@pytest.fixture(scope="module")
def presentes(communes) -> pd.Series:
    return ia.code_cog(u.communes_presentes(), ia.passage_communes(u.fusions(), 2023, communes))


# Loader --------------------------------------------------------------------------------------
def test_industrial_jobs_of_the_zone_d_emploi_blanks_as_zero():
    df = u.commune_ape()
    industry = df.loc[df["grand_secteur"] == "GS1"].groupby("year")["effectifs"].sum()  # NA skipped = 0
    assert industry.loc[[2006, 2018, 2022]].tolist() == [34523, 27809, 26532]
    assert sorted(df["year"].unique()) == list(range(2006, 2023))
    assert df["insee_com"].nunique() == 218


def test_blanks_are_na_not_zero():
    df = u.commune_ape()
    secret = df.loc[df["effectifs_secret"]]
    assert secret.groupby("year").size().to_dict() == {2018: 1, 2022: 3}
    cell = df.loc[(df["insee_com"] == "76020") & (df["code_ape"] == "3320A") & (df["year"] == 2018)].iloc[0]
    assert pd.isna(cell["effectifs"]) and cell["etablissements"] == 1
    # genuine zeros (establishments without year-end employees) stay zeros
    assert (df["effectifs"] == 0).sum() == 3117
    # cells blank in both counts are absent: no long row without any count
    assert not (df["effectifs"].isna() & df["etablissements"].isna()).any()


def test_grand_secteur_filter_reads_the_same_industry_rows():
    full = u.commune_ape()
    industry = u.commune_ape(grands_secteurs=("GS1",))
    assert len(industry) == (full["grand_secteur"] == "GS1").sum() == 11766
    assert set(industry["na38"].astype(str)) == {
        "BZ", "CA", "CB", "CC", "CD", "CE", "CF", "CG", "CH", "CI", "CJ", "CK", "CL", "CM", "DZ", "EZ",
    }  # fmt: skip


@pytest.mark.parametrize(("periode", "last"), [("2023-05", 2021), ("2023-06", 2022), ("2010-01", 2008)])
def test_asof_keeps_only_published_years(periode, last):
    assert u.commune_ape(periode=periode)["year"].max() == last


def test_asof_before_first_publication_fails():
    with pytest.raises(ValueError, match="aucune année publiée"):
        u.commune_ape(periode="2006-12")


def _tiny_file(tmp_path, labels: bool):
    header = (
        ["Code commune", "Grand secteur d'activité", "Secteur NA38", "Code APE"]
        + [f"{m} {y}" for y in (2021, 2022) for m in ("Nombre d'établissements", "Effectifs salariés")]
        if labels
        else ["code_commune", "grand_secteur_d_activite", "secteur_na38", "code_ape"]
        + [f"{m}_{y}" for y in (2021, 2022) for m in ("nombre_d_etablissements", "effectifs_salaries")]
    )
    rows = [
        ["01001", "GS1 Industrie", "CA Industries agro-alimentaires", "1071C", "2", "7", "2", ""],
        ["2A004", "GS3 Commerce", "GZ Commerce, réparation d'automobiles et de motocycles", "4711D", "", "", "1", "0"],
    ]
    path = tmp_path / ("labels.csv" if labels else "fields.csv")
    path.write_text("\n".join(";".join(r) for r in [header, *rows]) + "\n", encoding="utf-8-sig")
    return path


def test_reader_accepts_both_header_styles_and_keeps_codes_as_strings(tmp_path):
    with_labels = u.read_commune_ape(_tiny_file(tmp_path, labels=True))
    with_fields = u.read_commune_ape(_tiny_file(tmp_path, labels=False))
    pd.testing.assert_frame_equal(with_labels, with_fields)
    assert with_labels[["insee_com", "year"]].astype(str).agg(" ".join, axis=1).tolist() == [
        "01001 2021", "01001 2022", "2A004 2022",
    ]  # fmt: skip
    assert with_labels["effectifs"].isna().tolist() == [False, True, False]
    assert with_labels["effectifs_secret"].tolist() == [False, True, False]
    assert with_labels["lib_na38"].astype(str).iloc[0] == "Industries agro-alimentaires"


def test_reader_names_missing_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Commune;Effectifs salariés 2022\n01001;3\n", encoding="utf-8")
    with pytest.raises(DataContractError, match="code_commune"):
        u.read_commune_ape(path)


# Living source -------------------------------------------------------------------------------
def test_a_pinned_file_reports_its_declared_hash():
    assert sources.observed_sha256(u.FILE_ID) == ROUEN_SHA


def test_a_living_file_is_copied_from_the_mirror_and_its_hash_recorded(tmp_path, monkeypatch):
    living = dataclasses.replace(sources.source(u.FILE_ID), id="vivant", sha256="", living=True, url="http://127.0.0.1:9/x.csv")
    monkeypatch.setattr(sources, "source", lambda file_id: living)
    monkeypatch.setenv("OBSERVATOIRE_CACHE", str(tmp_path / "cache"))
    path = sources.fetch("vivant")
    assert path.parent.parent == tmp_path / "cache" and sources.observed_sha256("vivant") == ROUEN_SHA
    path.write_text("version suivante\n")  # the cached copy is used as is, with its own hash ...
    assert sources.observed_sha256("vivant") != ROUEN_SHA
    sources.fetch("vivant", refresh=True)  # ... until refreshed
    assert sources.observed_sha256("vivant") == ROUEN_SHA
    monkeypatch.delenv("OBSERVATOIRE_MIRROR")  # and nothing listens on 127.0.0.1:9
    with pytest.raises(sources.SourceError, match="http://127.0.0.1:9/x.csv"):
        sources.fetch("vivant", refresh=True)


# COG harmonisation ---------------------------------------------------------------------------
def test_fusions_codes_are_zero_padded():
    f = u.fusions()
    assert f["com_ini"].str.len().eq(5).all() and "08053" in set(f["com_fin"])


def test_passage_follows_the_reference_year(communes):
    fusions = u.fusions()
    assert "08294" not in set(ia.passage_communes(fusions, 2023, communes)["insee_com"])  # merged in 2024
    p2025 = ia.passage_communes(fusions, 2025, referentiel.communes(2025))
    assert p2025.set_index("insee_com").loc["08294", "insee_cog"] == "08053"
    # Bihorel, merged in 2012 and re-created in 2014, exists in 2023: never moved
    assert "76095" not in set(ia.passage_communes(fusions, 2023, communes)["insee_com"])


def test_passage_chains_and_arrondissements():
    fusions = pd.DataFrame(
        {"annee": [2016, 2019, 2019], "com_ini": ["01001", "01002", "01003"], "com_fin": ["01002", "01009", "01009"]}
    )
    ref = pd.DataFrame({"insee_com": ["01009"]})
    passage = ia.passage_communes(fusions, 2023, ref)
    assert dict(zip(passage["insee_com"], passage["insee_cog"])) == {"01001": "01009", "01002": "01009", "01003": "01009"}
    older = ia.passage_communes(fusions, 2018, pd.DataFrame({"insee_com": ["01002"]}))
    assert dict(zip(older["insee_com"], older["insee_cog"])) == {"01001": "01002"}
    codes = pd.Series(["75101", "75120", "13216", "69389", "75056", "01001", "2A004"])
    assert ia.code_cog(codes, passage).tolist() == ["75056", "75056", "13055", "69123", "75056", "01009", "2A004"]


def test_harmoniser_sums_merged_cells():
    cat = lambda v: pd.Categorical(v)  # noqa: E731
    df = pd.DataFrame(
        {
            "insee_com": ["01001", "01002", "01001", "01002"],
            "code_ape": ["1071C"] * 4,
            "na38": cat(["CA"] * 4),
            "lib_na38": cat(["Industries agro-alimentaires"] * 4),
            "grand_secteur": cat(["GS1"] * 4),
            "year": pd.array([2021, 2021, 2022, 2022], dtype="int16"),
            "effectifs": pd.array([3, 4, None, None], dtype="Int64"),
            "etablissements": pd.array([1, 1, 1, None], dtype="Int64"),
            "effectifs_secret": [False, False, True, False],
        }
    )
    out = ia.harmoniser(df, pd.DataFrame({"insee_com": ["01002"], "insee_cog": ["01001"]}))
    assert out["insee_com"].unique().tolist() == ["01001"]
    assert out["effectifs"].tolist()[0] == 7 and pd.isna(out["effectifs"].iloc[1])
    assert out["etablissements"].tolist() == [2, 1] and out["effectifs_secret"].tolist() == [False, True]


def test_every_commune_of_the_file_resolves_in_cog_2023(communes, harmonised):
    assert ia.communes_non_resolues(u.communes_presentes(), communes).empty
    assert ia.communes_non_resolues(harmonised["insee_com"], communes).empty
    assert len(harmonised) == len(u.commune_ape())


# Panels ----------------------------------------------------------------------------------------
def test_panel_epci_covers_the_nine_epci_and_adds_up(harmonised, communes):
    panel = ia.panel_epci(harmonised, communes)
    assert set(panel["siren_epci"]) == EPCI_ROUEN
    total = panel.loc[panel["secteur"] == ia.SECTEUR_INDUSTRIE].groupby("year")["effectifs"].sum()
    assert total.loc[[2006, 2018, 2022]].tolist() == [34523, 27809, 26532]
    # EPCI totals equal the sum of their communes
    industry = harmonised.loc[harmonised["grand_secteur"] == "GS1"].astype({"year": "int64"})
    by_commune = industry.groupby(["insee_com", "year"], as_index=False)[["effectifs", "etablissements"]].sum()
    by_epci = (
        by_commune.merge(communes[["insee_com", "siren_epci"]], on="insee_com")
        .groupby(["siren_epci", "year"])[["effectifs", "etablissements"]]
        .sum()
    )
    total_rows = panel.loc[panel["secteur"] == ia.SECTEUR_INDUSTRIE]
    got = total_rows.set_index(["siren_epci", "year"])[["effectifs", "etablissements"]]
    pd.testing.assert_frame_equal(got.loc[by_epci.index].astype("int64"), by_epci.astype("int64"))
    # the NA38 sections add up to the total, and the grid is complete
    sections = panel.loc[panel["secteur"] != ia.SECTEUR_INDUSTRIE].groupby(["siren_epci", "year"])["effectifs"].sum()
    assert (sections == got["effectifs"].loc[sections.index]).all()
    assert len(panel) == 9 * 17 * 17
    rouen = got.loc[("200023414", 2022)]
    assert (rouen["effectifs"], rouen["etablissements"]) == (23641, 789)
    assert panel.loc[(panel["year"] == 2018), "cellules_secretes"].sum() == 2  # the 3320A cell, in CM and in total


def test_panel_ti_sums_communes_of_the_ti(harmonised):
    ct = referentiel.communes_ti(2)
    panel = ia.panel_ti(harmonised, ct)
    assert set(panel["id_ti"]) == {"ti-2802", "ti-2806"}
    industry = harmonised.loc[(harmonised["grand_secteur"] == "GS1") & (harmonised["year"] == 2022)]
    expected = industry.merge(ct[["insee_com", "id_ti"]], on="insee_com").groupby("id_ti")["effectifs"].sum()
    got = panel.loc[(panel["secteur"] == ia.SECTEUR_INDUSTRIE) & (panel["year"] == 2022)].set_index("id_ti")["effectifs"]
    assert got.to_dict() == {k: int(v) for k, v in expected.items()} | {"ti-2806": 0}


# Coverage ------------------------------------------------------------------------------------
def test_coverage_of_epci_ti_and_france(presentes, communes):
    epci = ia.coverage(presentes, communes, "siren_epci").set_index("siren_epci")
    covered = epci.loc[epci["n_communes_presentes"] > 0]
    assert set(covered.index) == EPCI_ROUEN
    assert set(covered.index[covered["statut"] == ia.COUVERT]) == {"200023414", "200070449", "247600646"}
    assert covered.loc["200023414", ["n_communes", "n_communes_presentes"]].tolist() == [71, 71]
    assert covered.loc["200066405", "n_communes_presentes"] == 1 and covered.loc["200066405", "statut"] == ia.PARTIEL
    assert (epci["statut"] == ia.NON_COUVERT).sum() == len(epci) - 9
    ti = ia.coverage(presentes, referentiel.communes_ti(2), "id_ti").set_index("id_ti")
    assert ti.loc["ti-2802", ["n_communes", "n_communes_presentes"]].tolist() == [481, 81]
    assert ti.loc["ti-2802", "part_population"] == pytest.approx(0.4155, abs=1e-4)
    assert ti.loc[["ti-2802", "ti-2806"], "statut"].eq(ia.PARTIEL).all()
    france = ia.coverage(presentes, ia.membres_france(communes), ia.PAYS)
    assert france["statut"].tolist() == [ia.PARTIEL] and france["n_communes_presentes"].tolist() == [218]


def test_comparaison_indexes_only_covered_territories(harmonised, presentes, communes):
    members = communes.dropna(subset=["siren_epci"])
    cov = ia.coverage(presentes, members, "siren_epci")
    cov = cov.loc[cov["n_communes_presentes"] > 0]
    fr = ia.membres_france(communes)
    france, couverture_france = ia.panel(harmonised, fr, ia.PAYS), ia.coverage(presentes, fr, ia.PAYS)
    out = ia.comparaison_france(
        ia.panel_epci(harmonised, communes), cov, france, couverture_france, "siren_epci"
    ).set_index(["siren_epci", "year"])
    assert out.loc[("200023414", 2022), "indice_effectifs"] == pytest.approx(23641 / 30519 * 100)
    assert out.loc[("200023414", 2006), "indice_effectifs"] == 100
    assert out.loc["200069730", "indice_effectifs"].isna().all()  # partial: no index, levels kept
    assert out.loc[("200069730", 2022), "effectifs"] == 263
    assert out["indice_effectifs_france"].isna().all()  # France is not covered by the Rouen file
    # the analysis gives the coverage; the fiche says it (``fiche_secteurs.mention_couverture``)
    mention = {siren: fiche_secteurs.mention_couverture(*out.loc[(siren, 2022), ["statut", "part_population", "n_communes_presentes", "n_communes"]])
               for siren in ("200069730", "200023414")}
    assert mention["200069730"].startswith("Couverture partielle : le fichier URSSAF disponible ne contient que 25 des 53 communes")
    assert mention["200023414"].startswith("Couverture complète : les 71 communes")


def test_mention_non_couvert():
    assert "non couvert" in fiche_secteurs.mention_couverture(ia.NON_COUVERT, 0.0, 0, 12)


def test_the_coverage_sentences_are_written_by_the_publications_not_the_analysis():
    assert not hasattr(ia, "mention_couverture")
    ape = ia.IndustrieAPE(ia.PARTIEL, 0.25, 3, 12, pd.DataFrame())
    assert fiche_secteurs.texte_industrie(ape) == fiche_secteurs.mention_couverture(ia.PARTIEL, 0.25, 3, 12)
    assert "3 des 12 communes" in fiche_secteurs.texte_industrie(ape) and "25\u00a0%" in fiche_secteurs.texte_industrie(ape)
    assert fiche_secteurs.texte_industrie(ia.IndustrieAPE(ia.NON_COUVERT, 0.0, 0, 0, pd.DataFrame())) == ""


def test_the_rouen_file_s_limit_is_said_once_on_the_methods_page_not_in_each_fiche(monkeypatch):
    from analysis.config import DEFAULT_COG
    from analysis.publications import fiche_secteurs, methodes

    # the pinned extract (the national file, when obtained, covers France: nothing to say)
    monkeypatch.setattr(u, "fichier", lambda: u.FILE_ID)
    silent = {}
    couvertures = {phase: ia.couverture_ti(phase, DEFAULT_COG[phase], u.FILE_ID) for phase in (1, 2)}
    for phase, couverture in couvertures.items():
        monkeypatch.setattr(ia, "couverture_ti", lambda *a, _c=couverture: _c)  # computed once per phase
        uncovered = couverture.loc[couverture["statut"] == ia.NON_COUVERT, "id_ti"]
        silent[phase] = sum(fiche_secteurs.texte_industrie(ia.industrie_territoire(phase, i, "2026-11")) == "" for i in uncovered)
        assert silent[phase] == len(uncovered)
    assert silent[1] + silent[2] == 149 + 183 - 4  # every fiche but the four with communes in the zone d'emploi of Rouen
    text = methodes.texte_methodes()
    assert text.count("ne couvre que la zone d'emploi de Rouen (218 communes)") == 1
    assert "**Effectifs salariés par commune et code APE.**" in text
    assert ia.limite_ape("urssaf-emploi/national") == ""
