"""The per-territory fiche: ranks, forces et faiblesses, French sentences, figures, and one fiche run end to end."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import papermill
import pytest
from shapely.geometry import Point, box

from analysis import config, texte
from analysis.analyses import positions
from analysis.donnees import provenance, sources
from analysis.donnees.loaders import programmes
from analysis.indicateurs.build import write_indicators
from analysis.indicateurs.registry import registry
from analysis.publications import cartes, fiche, fiche_secteurs, figures
from analysis.texte import nombre
from conftest import outputs_folder

NBSP = "\u00a0"


def _wide() -> pd.DataFrame:
    """Five TI, their région and France, in the schema of the wide indicator table."""
    return pd.DataFrame(
        {
            "id_ti": ["ti-0001", "ti-0002", "ti-0003", "ti-0004", "ti-0005", "REG-11", "FRANCE"],
            "niveau": ["ti"] * 5 + ["region", "france"],
            "lib": ["Alpha", "Bêta", "Gamma", "Delta", "Epsilon", "Île-de-France", "France"],
            "region": ["11"] * 6 + [pd.NA],
            "taux_chomage": [5.0, 6.0, 7.0, 8.0, 12.0, 7.0, 7.5],
            "revenu_median": [25000.0, 21000.0, 22000.0, float("nan"), 20000.0, 24000.0, 23200.0],
            "part_industrie": [30.0, 10.0, 12.0, 14.0, 9.0, 11.0, 12.4],
            "emploi_prive": [12345.0, 2000.0, 3000.0, 4000.0, 5000.0, 100000.0, 20000000.0],
        }
    ).astype({"region": "str"})


def test_ranks_and_quartiles_among_the_ti_only():
    rk = positions.rangs(_wide(), ["taux_chomage", "revenu_median"]).set_index(["id_ti", "indicator"])
    assert set(rk.index.get_level_values("id_ti")) == {f"ti-000{i}" for i in range(1, 6)}  # région and France excluded
    # 1 = highest: ti-0005 has the highest unemployment; ceil(5/4) = 2 TI per quartile
    assert rk.loc[("ti-0005", "taux_chomage"), "rang"] == 1 and rk.loc[("ti-0001", "taux_chomage"), "rang"] == 5
    assert rk.xs("taux_chomage", level="indicator")["haut"].sum() == 2
    assert rk.loc[("ti-0004", "taux_chomage"), ["haut", "bas"]].tolist() == [True, False]
    # a missing value has no rank and does not count in n
    assert pd.isna(rk.loc[("ti-0004", "revenu_median"), "rang"])
    assert rk.loc[("ti-0001", "revenu_median"), "n"] == 4 and rk.loc[("ti-0001", "revenu_median"), "rang"] == 1
    assert rk.loc[("ti-0005", "revenu_median"), "bas"] and not rk.loc[("ti-0004", "revenu_median"), "bas"]


def test_forces_et_faiblesses_follow_the_sign_convention():
    sens = {"taux_chomage": -1, "revenu_median": 1, "part_industrie": 0}
    ff = positions.forces_faiblesses(_wide(), "ti-0001", sens=sens).set_index("indicator")
    assert ff.loc["taux_chomage", "lecture"] == "force"  # lowest unemployment: a strength
    assert ff.loc["taux_chomage", "position"] == "bas"
    assert ff.loc["revenu_median", "lecture"] == "force"  # highest income
    assert ff.loc["part_industrie", "lecture"] == "trait"  # descriptive: neither strength nor weakness
    worst = positions.forces_faiblesses(_wide(), "ti-0005", sens=sens).set_index("indicator")
    assert worst.loc["taux_chomage", "lecture"] == "faiblesse"
    assert worst.loc["revenu_median", "lecture"] == "faiblesse"
    # ti-0003 sits in the middle on every indicator and close to France: nothing stands out
    assert positions.forces_faiblesses(_wide(), "ti-0003", sens=sens).empty
    assert positions.forces_faiblesses(_wide(), "ti-0001", sens=sens)["lecture"].tolist()[-1] == "trait"  # forces first


def test_far_from_france_counts_outside_the_quartiles():
    wide = _wide().assign(taux_chomage=[5.0, 5.1, 5.2, 5.3, 5.4, 7.0, 12.0])  # all TI far below France
    ff = positions.forces_faiblesses(wide, "ti-0003", sens={"taux_chomage": -1}, seuil_ecart=1.0)
    assert ff["indicator"].tolist() == ["taux_chomage"] and ff["critere"].tolist() == ["écart à la France"]
    assert ff["lecture"].tolist() == ["force"]


def test_directions_key_figures_and_pillars_are_the_registry_table():
    reg = registry().set_index("name")
    assert fiche.CHIFFRES_CLES == tuple(reg["key_figure"].dropna().sort_values().index)
    assert fiche.CHIFFRES_CLES[-3:] == ("taux_pauvrete", "croissance_population", "dvf_prix_maison")
    signe = {"hausse_favorable": 1, "baisse_favorable": -1, "neutre": 0}
    assert positions.SENS == reg.loc[reg["forces_faiblesses"], "direction"].map(signe).to_dict()
    assert positions.SENS["taux_chomage"] == -1 and positions.SENS["taux_pauvrete"] == -1 and positions.SENS["revenu_median"] == 1
    assert len(positions.SENS) == 25 and positions.SENS["part_industrie"] == 0
    assert fiche.PILIERS_FICHE["compétences"] == ("part_diplomes_superieur", "taux_emploi_1564", "taux_chomage")
    assert list(fiche.PILIERS_FICHE) == ["attractivité", "compétences", "innovation", "simplification"]


def test_french_formatting_of_values_and_periods():
    assert texte.valeur(7.456, "%") == f"7,5{NBSP}%"
    assert texte.valeur(1.0834, "%/an") == f"+1,08{NBSP}%/an"
    assert texte.valeur(-1.8e-15, "%") == f"0,0{NBSP}%"  # no "-0,0"
    assert texte.valeur(2191.4, "€/m²") == f"2\u202f191{NBSP}€/m²"
    assert texte.valeur(float("nan"), "%") == "n.d."
    assert texte.observation_fr("2022-T2") == "2e trimestre 2022" and texte.observation_fr("2022-T1", court=True) == "T1 2022"
    assert texte.observation_fr("2020-01/2024-12") == "janvier 2020 – décembre 2024"
    assert texte.quand_fr("2018-2024") == "entre 2018 et 2024" and texte.quand_fr("2024-12") == "en décembre 2024"
    assert texte.quand_fr("2022-T2") == "au 2e trimestre 2022"
    assert texte.rang_fr(1, 183) == "1er sur 183" and texte.rang_fr(12, 183) == "12e sur 183"
    assert texte.pluriel(0, "force", zero="aucune") == "aucune force" and texte.pluriel(3, "force") == "3 forces"


def test_key_figures_table_is_formatted_in_french_with_ranks():
    observations = pd.DataFrame({"indicator": ["taux_chomage", "revenu_median"], "observation": ["2022-T2", "2021"]})
    table = fiche.chiffres_cles(_wide(), observations, registry(), "ti-0004", indicators=("taux_chomage", "revenu_median"))
    assert table.columns.tolist() == ["Indicateur", "Période", "Territoire", "Région", "France", "Rang parmi les TI"]
    row = table.iloc[0]
    assert row["Territoire"] == f"8,0{NBSP}%" and row["France"] == f"7,5{NBSP}%" and row["Rang parmi les TI"] == "2e sur 5"
    assert row["Période"] == "T2 2022"
    assert table.iloc[1][["Territoire", "Rang parmi les TI"]].tolist() == ["n.d.", "n.d."]


def test_missing_indicators_are_stated():
    text = fiche.texte_manquants(_wide(), registry(), "ti-0004", indicators=["taux_chomage", "revenu_median"])
    assert "1 n'est pas disponible" in text and "(niveau de vie médian)" in text
    # not "Leurs sources ne le couvrent pas": the census covers the overseas départements, one of its files does not
    assert text.endswith("(niveau de vie médian). Les fichiers de données utilisés par l'observatoire n'en donnent pas de "
                         "valeur pour ce territoire (fichiers et couverture : page Méthodes et définitions) ; ils n'entrent "
                         "pas dans les rangs.")
    assert fiche.texte_manquants(_wide(), registry(), "ti-0001", indicators=["taux_chomage"]) == ""


def test_region_legend_label_differs_from_a_ti_named_after_it():
    wide = _wide().assign(lib=["Île-de-France", "Bêta", "Gamma", "Delta", "Epsilon", "Île-de-France", "France"])
    comp = positions.comparaison(wide, "ti-0001", ["taux_chomage"])
    assert comp["lib"].tolist() == ["Île-de-France", "Région Île-de-France", "France"]


def test_figures_return_figures_with_french_ticks():
    df = pd.DataFrame({"annee": [2014, 2015, 2014, 2015], "v": [100.0, 1234.5, 100.0, 98.0], "lib": ["A", "A", "France", "France"]})
    fig = figures.lignes(df, "annee", "v", "lib", principale="A", reference=100)
    ax = fig.axes[0]
    assert len([line for line in ax.get_lines() if line.get_label() in {"A", "France"}]) == 2
    assert figures.french_formatter(0)(1234.5, 0) == "1\u202f234"
    plt.close(fig)
    bars = figures.barres(pd.DataFrame({"c": ["x", "y"], "v": [1.5, float("nan")]}), "c", "v", suffixe=" %")
    assert {t.get_text() for t in bars.axes[0].texts} == {"1,5 %", "n.d."}
    plt.close(bars)
    assert positions.observation_dates(pd.Series(["2022-T2", "2020-01", "2014"])).dt.month.tolist() == [4, 1, 1]


def test_map_projects_metropolitan_areas_to_lambert93():
    zones = gpd.GeoDataFrame({"lib_epci": ["CC Test"]}, geometry=[box(2.0, 46.0, 2.5, 46.5)], crs=4326)
    points = gpd.GeoDataFrame({"programme": ["PVD"], "etiquette": ["Bourg"]}, geometry=[Point(2.2, 46.2)], crs=4326)
    assert cartes.projection(zones) == config.LAMBERT93
    fig = cartes.carte_territoire(zones, contour=zones, points=points, etiquettes="lib_epci", etiquettes_points="etiquette")
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"CC Test", "Bourg"} <= texts
    plt.close(fig)


def test_overseas_map_counts_a_two_commune_town_once_and_cites_what_it_draws():
    mayotte = cartes.carte(2, "ti-0601")
    assert mayotte.zones.empty and mayotte.situation is None and mayotte.source == "ANCT"  # no EPCI contour overseas
    # Dzaoudzi - Pamandzi is one town of Action cœur de ville over two communes: two points, one label, the points said
    assert ("(3 villes Action cœur de ville (4 points sur la carte : une ville du programme peut réunir plusieurs communes), "
            "3 villes Petites villes de demain)") in mayotte.note
    labels = mayotte.points.loc[mayotte.points["programme"] == "ACV", "etiquette"]
    assert len(labels) == 4 and sorted(labels[labels != ""]) == ["Dembeni", "Dzaoudzi - Pamandzi", "Mamoudzou"]
    assert cartes.carte(2, "ti-2411").source == "IGN / INSEE (EPCI 2025, régions 2025), ANCT"  # the inset draws the régions


def test_programme_points_cover_the_three_lists():
    pts = programmes.points_programmes()
    assert pts.groupby("programme")["id_programme"].nunique().to_dict() == {"ACV": 232, "ACV 2": 45, "PVD": 1645}
    assert (pts.geom_type == "Point").all()


# --- end to end ---------------------------------------------------------------------------------

PERIODE = "2026-11"
TERRITOIRE = "ti-2405"


@pytest.fixture(scope="module")
def executed(tmp_path_factory, indicateurs_periode):
    with outputs_folder(tmp_path_factory.mktemp("outputs")) as outputs:
        result = indicateurs_periode[2]
        write_indicators(result, PERIODE)
        provenance.write(PERIODE, provenance.collect(PERIODE, {"phase": 2}, "test"))  # every declared file, as a run
        # the fiche as the run executes it, plus one cell after it: the files its kernel recorded as read
        template = nbformat.read(config.NOTEBOOKS_DIR / "fiche_territoire.ipynb", as_version=4)
        template.cells.append(nbformat.v4.new_code_cell("import json\nfrom analysis.donnees import sources\nprint(json.dumps(sources.files_read()))"))
        nbformat.write(template, outputs / "modele.ipynb")
        target = outputs / "fiche.ipynb"
        papermill.execute_notebook(
            str(outputs / "modele.ipynb"),
            str(target),
            parameters={"territoire": TERRITOIRE, "phase": 2, "periode": PERIODE},
            kernel_name=config.KERNEL_NAME,
            progress_bar=False,
            cwd=str(outputs),
        )
        yield nbformat.read(target, as_version=4), result.wide


def _outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def _markdown(nb) -> str:
    return "\n".join("".join(o["data"]["text/markdown"]) for o in _outputs(nb) if "text/markdown" in o.get("data", {}))


def test_fiche_executes_with_title_figures_and_provenance(executed):
    nb, _ = executed
    assert not [o for o in _outputs(nb) if o.output_type == "error"]
    text = _markdown(nb)
    assert text.startswith("# Grand Est Touraine")
    assert sum("image/png" in o.get("data", {}) for o in _outputs(nb)) >= 4
    for heading in ("## Chiffres clés", "## Forces et faiblesses", "## Les quatre piliers du programme", "## Provenance"):
        assert heading in text or any(c.source.startswith(heading) for c in nb.cells)
    assert "Simplification" in text
    assert "zone d'emploi de Rouen" not in text  # the limit of the commune × APE file is said on the methods page only
    figure_cells = [c for c in nb.cells if "figures.show(" in c.source]
    assert figure_cells and all(c.source.startswith("#| label: fig-") and "#| fig-cap:" in c.source for c in figure_cells)


# What a phase-2 fiche is made from: the indicator inputs, the referential of COG 2023 and the
# ANCT lists (through the indicator table), the map layers (the commune outlines of its one
# département), and the URSSAF commune × APE panel
# with the commune mergers. Not France Relance, not the other COG years, not the files no
# reader uses (the URSSAF A5/A21 pivots, the ANCT phase-1 outline).
FICHE_FILES = {
    "acv/acv2_geom", "acv/acv_geom", "acv/coeurdeville_2018-10", "pvd/pvd_geom",
    # 2026-11 reads the official edition of 2023 Q3, and the derived file for the later quarters only
    "chomage/chomage-zone-t1-2003-t3-2023", "chomage/chomage_zones_emploi_2021T1-2025T4",
    "demandeurs-emploi/emploi_demandeur", "dvf/dvf_prix_volumes_epci_2010_2024",
    "profil-epci/agg_epci", "urssaf-emploi/urssaf_serie_indice100", "urssaf-emploi/exdeco_pivot_urssaf_a38",
    "zones-emploi/Communes_to_ZE_2022", "contours/nodom_region_2025",
    "cog-2023/communes", "cog-2023/epci", "cog-2023/ept", "cog-2023/regions", "ti-phase2/ti_geom",
    "contours/nodom_epci_2025", "contours/communes-2018/communes-37-indre-et-loire",
    "urssaf-emploi/etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-last", "cog-mouvements/fusions",
}  # fmt: skip


def test_provenance_lists_exactly_the_files_the_fiche_read(executed):
    nb, _ = executed
    read = set(json.loads("".join(nb.cells[-1].outputs[0]["text"])))
    block = _markdown(nb).split("## Provenance")[1]
    rows = [line.split(" | ")[0].removeprefix("| ") for line in block.splitlines() if line.startswith("| ")][1:]
    assert sorted(rows) == sorted(sources.source(i).file for i in read)
    assert f"Fichiers de données lus ({len(read)})" in block
    assert read == FICHE_FILES


def test_prose_numbers_are_the_indicator_table_values(executed):
    nb, wide = executed
    row = wide.set_index("id_ti").loc[TERRITOIRE]
    text = _markdown(nb)
    assert f"compte {nombre(row['emploi_prive'])} emplois salariés privés" in text
    assert f"base 100 en 2014 : {nombre(row['emploi_prive_indice'], 1)} contre" in text
    assert not math.isnan(row["taux_chomage"]) and texte.valeur(row["taux_chomage"], "%") in text


def test_template_is_committed_without_outputs():
    nb = nbformat.read(config.NOTEBOOKS_DIR / "fiche_territoire.ipynb", as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "observatoire-ti" and nb.metadata["kernelspec"]["language"] == "python"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and 'territoire = "ti-2405"' in params[0].source


def test_industrial_sectors_of_a_single_published_year():
    # early periods: the zone d'emploi × A38 series holds 2019 only
    secteurs = pd.DataFrame(
        {"a38": ["CA", "CH", "GZ"], "lib": ["Ind. alimentaires", "Métallurgie", "Commerce"], "a5": ["BE", "BE", "GU"],
         "emploi_debut": [120.0, 80.0, 500.0], "emploi_fin": [120.0, 80.0, 500.0], "part": [17.1, 11.4, 71.4],
         "part_reference": [3.0, 2.0, 95.0], "haute_technologie": ["", "", ""]}
    )
    bars = fiche_secteurs.secteurs_industriels(secteurs, 2019, 2019)
    assert bars.values.tolist() == [["Ind. alimentaires", "2019", 120.0], ["Métallurgie", "2019", 80.0]]
    text = fiche_secteurs.texte_tissu(secteurs, 2019, 2019)
    assert "compte environ 200 emplois salariés privés fin 2019. Elle pèse 28,5\u00a0%" in text and "contre environ" not in text
    assert "au-dessus de son poids en France (28,5\u00a0% contre 5,0\u00a0%)" in text


def test_the_structure_figure_is_drawn_only_for_a_territory_with_values(indicateurs_periode) -> None:
    """One function draws fig-structure for the fiche and the monograph: the monograph drew it
    unguarded, on values the fiche leaves out (``positions.comparables``), even for a territory
    without any (Mayotte, ti-0601, has no census structure)."""
    from analysis.publications import sections_territoire

    wide = indicateurs_periode[2].wide
    assert sections_territoire.figure_structure(wide, "ti-0601", "Mayotte") is None
    fig = sections_territoire.figure_structure(wide, "ti-2404", "Territoire")
    bars = [p for p in fig.axes[0].patches if p.get_width() > 0]
    assert len(bars) == 9  # three sectors × territory, région, France
    plt.close(fig)
