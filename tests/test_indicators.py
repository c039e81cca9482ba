"""Indicators: hand-written fixtures in the real schemas (shift-share identity, index 2014=100,
weights), registry, and assertions on the real phase-2 pass."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import config
from analysis.indicateurs import areas, build, emploi, marche_travail, registry, shiftshare
from analysis.indicateurs.build import (
    build_indicators,
    read_indicators,
    write_indicators,
)


def _a38(rows: list[tuple[str, str, int, float | None]]) -> pd.DataFrame:
    """URSSAF ZE x A38 long frame (loader schema) from (code_ze, a38, year, eff)."""
    df = pd.DataFrame(rows, columns=["code_ze", "a38", "year", "eff"])
    return df.assign(a21="C", a5="BE", lib="secteur", year=df["year"].astype("int64"), eff=df["eff"].astype("float64"))


def _serie(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    """URSSAF series (loader schema), commune echelon, from (code, year, eff_total)."""
    df = pd.DataFrame(rows, columns=["code", "year", "eff_total"]).astype({"year": "int64", "eff_total": "int64"})
    return df.assign(echelon="communes")[["code", "echelon", "year", "eff_total"]]


def _member(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    """Membership frame (areas.membership schema) from (id_ti, insee_com, population)."""
    df = pd.DataFrame(rows, columns=["id_ti", "insee_com", "population"])
    niveau = df["id_ti"].map(lambda i: "ti" if i.startswith("ti-") else {"FRANCE": "france", "HORS-TI": "hors_ti"}.get(i, "region"))
    return df.assign(niveau=niveau, region="84", siren_epci="200000000", unit_profil="200000000")


# Shift-share ------------------------------------------------------------------------------


def test_shift_share_identity_and_values() -> None:
    # France: industry 100 -> 90 (-10 %), services 100 -> 130 (+30 %); total 200 -> 220 (+10 %)
    a38 = _a38(
        [
            ("0001", "CA", 2019, 80), ("0001", "CA", 2024, 76), ("0001", "GZ", 2019, 20), ("0001", "GZ", 2024, 30),
            ("0002", "CA", 2019, 20), ("0002", "CA", 2024, 14), ("0002", "GZ", 2019, 80), ("0002", "GZ", 2024, 100),
            ("0002", "JC", 2019, None), ("0002", "JC", 2024, None),
        ]
    )  # fmt: skip
    ss = shiftshare.shift_share(a38, 2019, 2024).set_index("code_ze")
    total = ss["effet_national"] + ss["effet_structurel"] + ss["effet_local"]
    assert (total - ss["variation"]).abs().max() < 1e-12  # the identity holds to float precision
    z1 = ss.loc["0001"]
    assert z1["variation"] == 6
    assert z1["effet_national"] == pytest.approx(10.0)  # 100 x 10 %
    assert z1["effet_structurel"] == pytest.approx(80 * (-0.2) + 20 * 0.2)  # -12
    # local effect = Σ_s (E_s,2024 − E_s,2019 × (1 + g_s)) = (76 − 72) + (30 − 26)
    assert z1["effet_local"] == pytest.approx(8.0)
    # summed over zones the structural and local effects cancel out
    assert ss["effet_structurel"].sum() == pytest.approx(0.0, abs=1e-9)
    assert ss["effet_local"].sum() == pytest.approx(0.0, abs=1e-9)


def test_ze_weights_sum_to_one_and_attribution() -> None:
    serie = _serie([("01001", 2019, 30), ("01002", 2019, 10), ("01003", 2019, 60), ("01004", 2019, 50)])
    communes_ze = pd.DataFrame({"insee_com": ["01001", "01002", "01003", "01004"], "code_ze": ["0001", "0001", "0001", "0002"]})
    member = _member(
        [("ti-0001", "01001", 1), ("ti-0001", "01004", 1), ("HORS-TI", "01002", 1), ("HORS-TI", "01003", 1)]
    )
    w = shiftshare.ze_weights(member, serie, communes_ze)
    assert w.groupby("code_ze")["poids"].sum().tolist() == [1.0, 1.0]
    ti = w.loc[w["id_ti"] == "ti-0001"].set_index("code_ze")["poids"]
    assert ti.to_dict() == {"0001": 0.3, "0002": 1.0}
    values = pd.DataFrame({"code_ze": ["0001", "0002"], "effet_local": [100.0, -7.0]})
    got = shiftshare.attribute(w, values, ["effet_local"]).set_index("id_ti")["effet_local"]
    assert got["ti-0001"] == pytest.approx(0.3 * 100 - 7)
    assert got.sum() == pytest.approx(93.0)


# Employment -------------------------------------------------------------------------------


def test_employment_index_growth_and_gaps() -> None:
    years = range(2014, 2021)
    ti = [100, 102, 104, 106, 110, 120, 121]
    rest = [300, 300, 300, 300, 300, 300, 300]
    serie = _serie(
        [("01001", y, v) for y, v in zip(years, ti)]
        + [("75101", y, v // 2) for y, v in zip(years, rest)]  # Paris arrondissements -> 75056
        + [("75102", y, v // 2) for y, v in zip(years, rest)]
    )
    member = _member(
        [("ti-0001", "01001", 1), ("FRANCE", "01001", 1), ("FRANCE", "75056", 1), ("REG-84", "01001", 1), ("REG-84", "75056", 1)]
    )
    labels = pd.DataFrame({"id_ti": ["ti-0001", "FRANCE", "REG-84"], "region": ["84", None, "84"]})
    out = emploi.indicators(member, serie, labels).set_index(["id_ti", "indicator", "observation"])["value"]
    assert out[("ti-0001", "emploi_prive_indice", "2014")] == 100.0
    assert out[("ti-0001", "emploi_prive_indice", "2020")] == pytest.approx(121.0)
    assert out[("FRANCE", "emploi_prive", "2020")] == 421
    assert out[("FRANCE", "emploi_prive_indice", "2020")] == pytest.approx(421 / 400 * 100)
    assert out[("ti-0001", "emploi_prive_croissance", "2018-2019")] == pytest.approx(100 * (120 / 110 - 1))
    assert out[("ti-0001", "emploi_prive_tcam", "2014-2018")] == pytest.approx(100 * (1.1**0.25 - 1))
    assert out[("ti-0001", "emploi_prive_tcam", "2018-2020")] == pytest.approx(100 * ((121 / 110) ** 0.5 - 1))
    assert out[("ti-0001", "emploi_prive_ecart_france", "2020")] == pytest.approx(121 - 105.25)
    assert out[("ti-0001", "emploi_prive_ecart_region", "2020")] == pytest.approx(121 - 105.25)
    assert ("FRANCE", "emploi_prive_ecart_region", "2020") not in out.index


def test_weighted_mean_partly_covered_epci() -> None:
    member = pd.DataFrame(
        {
            "id_ti": ["ti-0001", "ti-0001", "ti-0001"],
            "insee_com": ["01001", "01002", "01003"],
            "population": [300, 100, 600],
            "unit_profil": ["200000001", "200000002", "200000003"],
        }
    )
    values = pd.DataFrame({"unit_profil": ["200000001", "200000002", "200000003"], "x": [10.0, 50.0, None]})
    got = areas.weighted_mean(member, values, "unit_profil", ["x"]).set_index("id_ti")
    assert got.loc["ti-0001", "x"] == pytest.approx((300 * 10 + 100 * 50) / 400)
    assert got.loc["ti-0001", "couverture_x"] == pytest.approx(0.4)


def test_commune_code_arrondissements() -> None:
    codes = pd.Series(["75101", "75120", "69381", "13216", "13201", "75056", "13055", "01001", "75121"])
    assert areas.commune_code(codes).tolist() == ["75056", "75056", "69123", "13055", "13055", "75056", "13055", "01001", "75121"]


# Registry ---------------------------------------------------------------------------------


def test_registry() -> None:
    reg = registry.registry()
    assert reg["name"].is_unique and reg["name"].tolist() == list(registry.INDICATORS)
    assert set(reg["pillar"]) <= set(registry.PILLARS)
    assert (reg[["label", "short_label", "definition", "unit", "source", "year", "theme"]] != "").all().all()
    cov = registry.pillar_coverage().set_index("pillar")
    assert cov.index[cov["n_indicators"] == 0].tolist() == ["simplification"]
    assert cov.loc["simplification", "note"].startswith("Aucune donnée ouverte")
    assert (cov.loc[["attractivité", "compétences", "innovation"], "n_indicators"] > 0).all()
    # references resolved: source texts and shared method texts, not their keys
    chomage = registry.INDICATORS["taux_chomage_rp"]
    assert chomage.source.startswith("INSEE, recensement") and chomage.method.startswith("Moyenne des valeurs des EPCI")
    assert registry.INDICATORS["revenu_median"].method.endswith("Une moyenne de médianes n'est pas la médiane du territoire : ordre de grandeur.")


def test_registry_directions_and_bases() -> None:
    reg = registry.registry()
    assert set(reg["direction"]) == set(registry.DIRECTIONS) == {"hausse_favorable", "baisse_favorable", "neutre"}
    assert {i.sens for i in registry.INDICATORS.values()} == {1, -1, 0}
    assert set(reg["geographic_basis"]) == set(registry.REGISTRE.geographic_bases)
    basis = reg.set_index("name")["geographic_basis"]
    assert basis["emploi_prive"] == basis["demandeurs_emploi"] == "somme_communes"
    assert basis["part_industrie"] == basis["revenu_median"] == basis["couverture_epci"] == "epci"
    assert basis["dvf_prix_maison"] == basis["couverture_epci_sans_ept"] == "epci_sans_ept"  # the whole Métropole du Grand Paris
    assert basis["ss_effet_local_pct"] == basis["taux_chomage"] == basis["part_industrie_hautetech"] == "zone_emploi"
    assert basis["nb_villes_pvd"] == "decompte_communes"
    sens = registry.directions()
    assert sens["taux_pauvrete"] == -1 and sens["part_diplomes_superieur"] == 1 and sens["dvf_prix_maison"] == 0
    assert "emploi_prive" not in sens  # a level: not compared in the forces et faiblesses


def test_registry_ordered_lists() -> None:
    names = set(registry.INDICATORS)
    key = registry.key_figures()
    assert key[:3] == ("emploi_prive", "emploi_prive_indice", "emploi_prive_tcam") and len(key) == 14 and set(key) <= names
    typo = registry.typology_indicators()
    assert typo[0] == "part_industrie" and typo[-1] == "croissance_population" and len(typo) == 10 and set(typo) <= names
    assert registry.pillar_indicators("innovation") == ("part_industrie_hautetech", "part_services_hautetech")
    assert registry.pillar_indicators("simplification") == ()
    assert all(registry.INDICATORS[i].pillar == "compétences" for i in registry.pillar_indicators("compétences"))


_ENTRY = '[[indicator]]\nname = "taux_pauvrete"\n'


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('direction = "baisse_favorable"\nforces_faiblesses = true\nkey_figure = 12',
         'direction = "plus_bas"\nforces_faiblesses = true\nkey_figure = 12',
         "indicateur « taux_pauvrete », champ « direction » : valeur 'plus_bas' inconnue"),
        ('unit = "%"\nsource = "filosofi"\nyear = "2021"', 'source = "filosofi"\nyear = "2021"',
         "indicateur « taux_pauvrete », champ « unit » : champ obligatoire manquant"),
        ('label = "Taux de pauvreté"', 'lable = "Taux de pauvreté"', "indicateur « taux_pauvrete », champ « lable » : champ inconnu"),
        ('source = "filosofi"\nyear = "2021"', 'source = "insee"\nyear = "2021"',
         "indicateur « taux_pauvrete », champ « source » : 'insee' n'est pas une clé de [source_texts]"),
        ("key_figure = 12", "key_figure = 11", "champ « key_figure » : les rangs [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11, 13, 14]"),
        ("key_figure = 12", 'key_figure = "12"', "indicateur « taux_pauvrete », champ « key_figure » : '12' n'est pas un entier"),
        ('name = "taux_pauvrete"', 'name = "revenu_median"', "indicateur « revenu_median », champ « name » : nom déjà déclaré"),
        ("key_figure = 12", "key_figure = 12\ndecimals = -1", "indicateur « taux_pauvrete », champ « decimals » : -1 n'est pas un entier ≥ 0"),
    ],
)
def test_malformed_registry_names_entry_and_field(tmp_path, old: str, new: str, message: str) -> None:
    text = config.INDICATEURS_FILE.read_text(encoding="utf-8")
    start = text.index(_ENTRY)
    entry = text[start : text.index("[[indicator]]", start + 1)]
    assert old in entry
    bad = tmp_path / "indicateurs.toml"
    bad.write_text(text.replace(entry, entry.replace(old, new)), encoding="utf-8")
    with pytest.raises(registry.RegistreError) as err:
        registry.load(bad)
    assert str(err.value).startswith(f"registre des indicateurs {bad} : ")
    assert message in str(err.value)


# Real data, phase 2 -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def phase2() -> build.Indicateurs:
    return build_indicators(2, "2025-09")


def _values(res: build.Indicateurs, indicator: str, observation: str) -> pd.Series:
    sel = res.long.loc[(res.long["indicator"] == indicator) & (res.long["observation"] == observation)]
    return sel.set_index("id_ti")["value"]


def test_phase2_areas(phase2: build.Indicateurs) -> None:
    niveaux = phase2.wide["niveau"].value_counts()
    assert niveaux["ti"] == 183
    assert niveaux["region"] == 18
    assert niveaux[["france", "ensemble_ti", "hors_ti"]].tolist() == [1, 1, 1]


def test_every_indicator_computed_has_an_entry_and_every_entry_a_computation(phase2: build.Indicateurs) -> None:
    computed = set(phase2.long["indicator"])
    assert sorted(computed - set(registry.INDICATORS)) == []  # computed, not declared
    # declared, never computed: only the living DARES series, which the tests never obtain (pinned copies only)
    assert sorted(set(registry.INDICATORS) - computed) == [marche_travail.DEMANDEURS_DEP, marche_travail.DEMANDEURS_DEP_EVOL]
    assert list(phase2.wide.columns[4:-1]) == list(registry.INDICATORS)  # wide columns in registry order
    years = phase2.long.groupby("indicator")["observation"].unique()
    assert {n: list(years[n]) for n in ("nb_villes_acv", "nb_villes_pvd")} == {"nb_villes_acv": ["2024"], "nb_villes_pvd": ["2021"]}


def test_phase2_employment_adds_up(phase2: build.Indicateurs) -> None:
    emp = _values(phase2, "emploi_prive", "2024")
    # France from communes = URSSAF France minus 216 jobs under codes that are no COG 2023 commune
    assert emp["FRANCE"] == 19_995_376 - 216
    assert emp["ENSEMBLE-TI"] + emp["HORS-TI"] == emp["FRANCE"]
    assert emp[emp.index.str.startswith("ti-")].sum() == emp["ENSEMBLE-TI"]
    assert emp[emp.index.str.startswith(areas.REGION_PREFIX)].sum() == emp["FRANCE"]
    # Mayotte is not covered by URSSAF: no value rather than zero jobs
    assert "ti-0601" not in emp.index and "REG-06" not in emp.index


def test_phase2_shift_share(phase2: build.Indicateurs) -> None:
    observation = "2019-2024"
    parts = sum(_values(phase2, f"ss_effet_{e}", observation) for e in ("national", "structurel", "local"))
    total = _values(phase2, "ss_variation", observation)
    assert (parts - total).abs().max() < 1e-6
    assert total["FRANCE"] == pytest.approx(19_995_376 - 18_748_962)
    assert _values(phase2, "ss_effet_structurel", observation)["FRANCE"] == pytest.approx(0, abs=1e-6)
    assert total["ENSEMBLE-TI"] + total["HORS-TI"] == pytest.approx(total["FRANCE"])


def test_phase2_industry_and_labour_market(phase2: build.Indicateurs) -> None:
    ind = _values(phase2, "part_industrie", "2022")
    # population-weighted France (metropolitan EPCI) vs the published employment-based 11.62 %
    assert ind["FRANCE"] == pytest.approx(12.35, abs=0.01)
    assert ind["ENSEMBLE-TI"] > ind["HORS-TI"]
    assert _values(phase2, "indice_specificite_industrie", "2022")["FRANCE"] == pytest.approx(1.0)
    assert _values(phase2, "krugman_a5", "2022")["FRANCE"] == pytest.approx(0.0)
    cover = _values(phase2, "demandeurs_emploi_couverture", "2020-2024")
    assert cover["FRANCE"] == pytest.approx(63.0, abs=0.1)
    assert cover.between(0, 100).all()
    assert _values(phase2, "taux_chomage", "2022-T2").between(2, 40).all()
    acv = _values(phase2, "nb_villes_acv", "2024")
    assert acv["ENSEMBLE-TI"] + acv["HORS-TI"] == acv["FRANCE"]


def test_periode_filters_latest_year() -> None:
    early = build_indicators(2, "2025-03")
    assert early.long.loc[early.long["indicator"] == "emploi_prive", "observation"].max() == "2023"
    assert set(early.long.loc[early.long["indicator"] == "ss_variation", "observation"]) == {"2019-2023"}


def test_write_and_read(phase2: build.Indicateurs, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(config, "OUTPUTS_DIR", tmp_path)
    paths = write_indicators(phase2, "2025-09")
    assert all(p.parent == tmp_path / "2025-09" / "indicateurs" for p in paths.values())
    assert not list(paths["long"].parent.glob(".*.tmp*"))
    back = read_indicators(2, "2025-09", "wide")
    pd.testing.assert_frame_equal(back, phase2.wide, check_dtype=False)
    assert len(read_indicators(2, "2025-09", "registre")) == len(registry.registry())
