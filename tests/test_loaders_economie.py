"""Economic loaders: real-data counts and totals, publication lags, and contract failures."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.donnees.loaders import economie
from analysis.donnees.schemas import DataContractError
from analysis.donnees import sources

FRANCE_2019 = 18_748_962  # URSSAF private salaried jobs, France, end of 2019


@pytest.fixture(scope="module")
def serie() -> pd.DataFrame:
    return economie.urssaf_serie()


def test_urssaf_serie_totals(serie: pd.DataFrame) -> None:
    totals = serie.groupby(["echelon", "year"])["eff_total"].sum().unstack("echelon")
    assert totals.loc[2019, "france"] == FRANCE_2019
    # the commune echelon sums exactly to France every year
    assert (totals["communes"] == totals["france"]).all()
    # régions (and EPCI, départements) miss about 9,000 jobs: 0.048 % of France in 2019
    gap = (totals["france"] - totals["reg"]) / totals["france"]
    assert gap.loc[2019] == pytest.approx(4.78e-4, abs=1e-5)
    assert (gap.abs() < 1e-3).all()


def test_urssaf_serie_codes(serie: pd.DataFrame) -> None:
    regions = serie.loc[serie["echelon"] == "reg", "code"].unique()
    assert len(regions) == 17 and {"01", "84", "94"} <= set(regions)
    assert serie.loc[serie["echelon"] == "communes", "code"].str.len().eq(5).all()
    assert serie["year"].min() == 2014 and serie["year"].max() == 2024


def test_urssaf_serie_publication_lag() -> None:
    assert economie.urssaf_serie("2025-03")["year"].max() == 2023
    assert economie.urssaf_serie("2025-06")["year"].max() == 2024


def test_urssaf_ze_a38() -> None:
    a38 = economie.urssaf_ze_a38()
    assert a38["code_ze"].nunique() == 305
    assert a38["a38"].nunique() == 35
    by_year = a38.groupby("year")["eff"].sum()
    assert by_year.loc[2019] == FRANCE_2019
    assert sorted(a38["year"].unique()) == [2019, 2022, 2023, 2024]
    lagged = economie.urssaf_ze_a38("2025-03")
    assert lagged["year"].max() == 2023


def test_profil_epci() -> None:
    profil = economie.profil_epci()
    assert len(profil) == 1_244
    epci = profil.loc[profil["code"] != economie.FRANCE_PROFIL]
    assert len(epci) == 1_243  # 1,231 EPCI + 11 EPT of the Métropole du Grand Paris + Paris
    france = profil.loc[profil["code"] == economie.FRANCE_PROFIL].iloc[0]
    # TRAP: the France row is not a sum of the EPCI rows
    assert france["P22_POP"] == 23_207
    assert epci["P22_POP"].sum() == 65_839_807
    shares = profil[[f"eco_sect{s}_pct_22" for s in ("agri", "indus", "const", "servi", "admin")]].sum(axis=1)
    assert shares.sub(100).abs().max() <= 0.03


def test_chomage_ze() -> None:
    taux = economie.chomage_ze()  # every edition held: the 2023-T3 workbook, then the derived file
    assert taux["code_ze"].nunique() == 302  # ZE2020 without Mayotte and Guyane
    assert taux["trimestre"].nunique() == 92 and taux["trimestre"].max() == "2025-T4"
    assert economie.chomage_ze("2022-08")["trimestre"].max() == "2022-T1"  # before the first edition held: lag rule
    assert economie.chomage_ze("2022-12")["trimestre"].max() == "2022-T2"
    alencon = taux.loc[(taux["code_ze"] == "0051") & (taux["trimestre"] == "2003-T1"), "taux_chomage"]
    assert alencon.tolist() == [7.0]


def test_chomage_departements_resaved_workbook() -> None:
    dep = economie.chomage_departements()
    assert dep["code_dep"].nunique() == 100 and (dep["trimestre"].min(), dep["trimestre"].max()) == ("1982-T1", "2025-T3")
    # TRAP: the re-saved .xls stores 10 to 95 as numbers; codes come back as INSEE writes them
    assert {"01", "10", "2A", "2B", "95", "971", "974"} <= set(dep["code_dep"])
    assert set(dep["nature"]) == {"reenregistree"}
    ain = dep.loc[(dep["code_dep"] == "01") & (dep["trimestre"] == "2025-T3"), "taux_chomage"]
    assert ain.tolist() == [5.7]


def test_demandeurs_emploi_duplicates() -> None:
    raw = pd.read_csv(sources.fetch(economie.DEMANDEURS_ID), dtype=str)
    assert raw.duplicated().sum() == 2_647
    de = economie.demandeurs_emploi()
    assert de.groupby("niveau")["codgeo"].nunique().to_dict() == {"commune": 2_288, "departement": 99, "region": 16}
    # Saint-Denis (93066) carries two former communes a month after the exact duplicates are dropped
    assert de.loc[(de["codgeo"] == "93066") & (de["mois"] == "2020-08"), "demandeurs"].tolist() == [14_530 + 3_830]
    assert de["mois"].min() == "2020-01" and de["mois"].max() == "2024-12"
    assert economie.demandeurs_emploi("2024-06")["mois"].max() == "2024-05"


def test_dvf_and_communes_ze() -> None:
    dvf = economie.dvf_epci()
    assert dvf["siren_epci"].nunique() == 1_255
    assert (dvf["annee"].min(), dvf["annee"].max()) == (2010, 2024)
    ze = economie.communes_ze()
    assert len(ze) == 34_955 and ze["code_ze"].nunique() == 306
    assert ze.loc[ze["insee_com"] == "01001", "code_ze"].item() == "8405"


def test_contract_violation_names_file_and_column(tmp_path, monkeypatch) -> None:
    bad = pd.DataFrame(
        {"code": ["01001", "01001"], "echelon": ["communes", "communes"], "year": [2019, 2020], "eff_total": [10, -3], "indice_fr_2014": [0.0, 0.0]}
    ).astype({"year": "int32", "eff_total": "int32"})
    path = tmp_path / "urssaf_serie_indice100.parquet"
    bad.to_parquet(path)
    monkeypatch.setattr(sources, "fetch", lambda file_id: path)  # the reader's own file, replaced
    economie._urssaf_serie.cache_clear()
    try:
        with pytest.raises(DataContractError, match="eff_total"):
            economie.urssaf_serie()
        bad.drop(columns="eff_total").to_parquet(path)
        with pytest.raises(DataContractError, match="eff_total"):
            economie.urssaf_serie()
    finally:
        economie._urssaf_serie.cache_clear()


def test_emploi_na5_france_real_file_and_contract(tmp_path, monkeypatch) -> None:
    df = economie.emploi_na5_france()
    wide = df.pivot(index="year", columns="na5", values="eff")
    assert len(df) == 26 * 6 and wide.index.min() == 1998 and wide.index.max() == 2023
    assert wide.loc[2019, "T"] == 25_177_901 and wide.loc[2019, "TBE"] == 3_140_496  # total and industry, 2019
    assert (wide[list(economie.NA5)].sum(axis=1) == wide["T"]).all()
    raw = [{"year": 2019, "na5": k, "lib": v, "eff": 10} for k, v in economie.NA5.items()]
    path = tmp_path / "EAE205_france_serie.json"
    pd.DataFrame([*raw, {"year": 2019, "na5": "T", "lib": "Total", "eff": 60}]).to_json(path, orient="records")
    monkeypatch.setattr(sources, "fetch", lambda file_id: path)  # the reader's own file, replaced
    economie.emploi_na5_france.cache_clear()
    try:
        with pytest.raises(DataContractError, match="les cinq secteurs et le total"):  # 60 is not 5 x 10
            economie.emploi_na5_france()
    finally:
        economie.emploi_na5_france.cache_clear()
