"""Labels, units and decimals of the indicators come from the registry only: a publication names
its indicators (a tuple of names), and naming one the registry lacks fails with a French message."""

from __future__ import annotations

import importlib
import pkgutil
from types import SimpleNamespace

import pandas as pd
import pytest

from analysis import publications
from analysis.indicateurs import registry
from analysis.publications import accueil, monographie, region, synthese


def _lists_of_indicators() -> dict[str, object]:
    """Every module constant of the publications whose name says it lists indicators
    (``INDICATEURS``, ``INDICATEURS_REGION``, ``PAIRS_INDICATEURS``, ...), by qualified name."""
    found = {}
    for info in pkgutil.iter_modules(publications.__path__):
        module = importlib.import_module(f"{publications.__name__}.{info.name}")
        for name, value in vars(module).items():
            if name.isupper() and "INDICATEURS" in name:
                found[f"{info.name}.{name}"] = value
    return found


def test_publications_name_only_indicators_of_the_registry() -> None:
    lists = _lists_of_indicators()
    # the lists of the home page, the région pages, the monographs and the synthesis are found
    assert {"accueil.INDICATEURS", "region.INDICATEURS_REGION", "monographie.PAIRS_INDICATEURS",
            "synthese.PROFIL_INDICATEURS"} <= set(lists)
    # names only (no labels beside them), each an indicator of the registry
    assert {k: type(v).__name__ for k, v in lists.items() if not isinstance(v, tuple)} == {}
    missing = {k: [n for n in v if n not in registry.INDICATORS] for k, v in lists.items()}
    assert {k: v for k, v in missing.items() if v} == {}


def test_an_indicator_the_registry_lacks_stops_the_page_with_its_name(monkeypatch) -> None:
    with pytest.raises(registry.IndicateurInconnu, match="indicateur « emploi_prive_tcm » absent du registre .*indicateurs.toml"):
        registry.indicator("emploi_prive_tcm")
    monkeypatch.setattr(accueil, "INDICATEURS", ("emploi_prive_tcm", "part_industrie"))
    table = pd.DataFrame(columns=["lib_ti"])
    with pytest.raises(registry.IndicateurInconnu, match="« emploi_prive_tcm »"):
        accueil.tableau_html(table, {"emploi_prive_tcm": "2018-2024", "part_industrie": "2022"})


def test_headings_and_decimals_are_the_registry_s() -> None:
    assert registry.heading("emploi_prive_tcam", "2018-2024") == "Croissance de l'emploi privé, %/an (2018-2024)"
    assert registry.heading("revenu_median") == "Niveau de vie médian, €"  # an amount per year prints as euros
    assert registry.heading("taux_chomage", "T2 2022") == "Chômage localisé, % (T2 2022)"
    # a unit the short label already says is not repeated
    assert registry.heading("emploi_prive_indice", "2024") == "Emploi salarié privé, indice base 100 en 2014 (2024)"
    assert registry.heading("ss_effet_national_pct") == "Effet national, en % de l'emploi 2019"
    # decimals: those the fiches' sentences print for the unit
    assert {n: registry.indicator(n).decimals for n in ("emploi_prive_tcam", "part_industrie", "revenu_median", "emploi_prive",
                                                         "indice_specificite_industrie", "krugman_a5")} == {
        "emploi_prive_tcam": 2, "part_industrie": 1, "revenu_median": 0, "emploi_prive": 0,
        "indice_specificite_industrie": 2, "krugman_a5": 1}
    assert registry.registry()["decimals"].dtype == "int64"


def test_one_label_per_indicator_across_the_pages() -> None:
    # the growth of employment is « Croissance de l'emploi privé » on the home page, the région
    # pages and the synthesis' profiles (it had four labels); the regressions use the long label
    wide = pd.DataFrame({"id_ti": ["ti-1", "REG-28", "FRANCE"], "lib": ["Axe", "Normandie", "France"],
                         "niveau": ["ti", "region", "france"], "region": ["28", "28", None],
                         **{i: [1.0, 2.0, 3.0] for i in region.INDICATEURS_REGION}})
    observations = pd.DataFrame({"indicator": ["emploi_prive_tcam"], "observation": ["2018-2024"]})
    head = region.tableau(wide, observations, registry.registry(), pd.DataFrame({"id_ti": [], "profil": []}), "28", 2).splitlines()[0]
    assert "| Croissance de l'emploi privé (2018-2024) |" in head and "| Chômage localisé |" in head
    assert "| Emploi salarié privé |" in head and "| Niveau de vie médian |" in head
    assert synthese.COMPARAISON_LABELS["emploi_prive_tcam_ecart_france"] == "Écart de croissance annuelle moyenne à la France"
    assert synthese.COMPARAISON_LABELS["part_industrie"] == "Part de l'industrie dans l'emploi"
    assert list(synthese.COMPARAISON_LABELS) == ["const", "part_industrie", "part_industrie_hautetech", "part_diplomes_superieur",
                                                 "densite", "croissance_population", "ss_effet_local_pct",
                                                 "emploi_prive_tcam_ecart_france"]


def test_the_peers_table_of_a_monograph_reads_the_registry() -> None:
    valeurs = pd.DataFrame({"Est du Loiret": [7.25, 0.512, 21480.0], "France": [7.3, -0.1, 22000.0]},
                           index=["taux_chomage", "croissance_population", "revenu_median"])
    observations = pd.DataFrame({"indicator": ["taux_chomage", "croissance_population"], "observation": ["2025-T2", "2016-2022"]})
    table = monographie.tableau_pairs(valeurs, registry.registry(), observations)
    assert table["Indicateur"].tolist() == ["Chômage localisé, % (T2 2025)", "Croissance de la population, %/an (2016-2022)",
                                            "Niveau de vie médian, €"]
    assert table["Est du Loiret"].tolist() == ["7,2", "+0,51", "21\u202f480"]
    assert table["France"].tolist() == ["7,3", "-0,10", "22\u202f000"]


def test_the_tables_of_the_synthesis_read_the_registry() -> None:
    raw = pd.DataFrame({"part_industrie": [20.0, 10.0, 12.0], "emploi_prive_tcam": [0.5, -0.25, 1.0],
                        "revenu_median": [21000.0, 23000.0, 22000.0], "densite": [2.0, 1.0, 3.0]},
                       index=pd.Index(["ti-1", "ti-2", "ti-3"], name="id_ti"))
    result = SimpleNamespace(raw=raw, labels=pd.Series([0, 1, 1], index=raw.index), profiles={0: "industriel", 1: "dense"})
    table = synthese.tableau_profils(result)  # the indicators not in the typology's inputs are left out
    assert table.columns.tolist() == ["Profil", "TI", "Part de l'industrie, %", "Croissance de l'emploi privé, %/an",
                                      "Niveau de vie médian, €", "Densité de population, hab./km²"]
    assert table.iloc[0].tolist() == ["dense", "2", "11,0", "0,38", "22\u202f500", "100"]
    regression = pd.DataFrame({"term": ["const", "part_industrie", "densite"], "estimate": [0.1, -0.2, 0.3],
                               "ci_low": [0.0, -0.4, 0.1], "ci_high": [0.2, 0.0, 0.5], "p_value": [0.5, 0.06, 0.01],
                               "r2": 0.4, "n_obs": 120})
    table = synthese.tableau_regression({"ss_effet_local_pct": regression})
    assert table.columns.tolist() == ["Variable (en écarts-types)", "Effet local, en % de l'emploi 2019"]
    assert table["Variable (en écarts-types)"].tolist()[:3] == [
        "Constante", "Part de l'industrie dans l'emploi", "Densité de population (log10 des hab./km²)"]
