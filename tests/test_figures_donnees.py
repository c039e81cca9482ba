"""Data under every figure (issue 28): each figure carries the table of what it draws (with a
unit and a source), ``show`` refuses a figure without it and, in a run, writes it as a CSV beside
the executed notebook with a link under the figure. Small hand-written tables; maps on
hand-drawn squares in Lambert-93."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from shapely.geometry import Point, box

from analysis import mois
from analysis.execution import pages
from analysis.publications import cartes, figures, figures_synthese
from analysis.publications.figures import FigureSansDonnees

PUBLICATIONS = Path(figures.__file__).parent


def _shown(monkeypatch: pytest.MonkeyPatch) -> list:
    """What ``show`` hands IPython's ``display``, in order (a figure's metadata in ``METADATA``)."""
    import IPython.display

    shown: list = []
    METADATA.clear()

    def display(obj, metadata=None, raw=False):
        shown.append(obj)
        if metadata is not None:
            METADATA.append(metadata)

    monkeypatch.setattr(IPython.display, "display", display)
    return shown


METADATA: list[dict] = []


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def test_lines_carry_the_points_drawn_in_legend_order_with_unit_and_source():
    df = pd.DataFrame({"lib": ["France", "Dreux", "France", "Dreux", "Autre"], "annee": [2019, 2019, 2020, 2020, 2020],
                       "value": [100.0, 100.0, 101.5, 98.2, 7.0]})
    fig = figures.lignes(df, "annee", "value", "lib", principale="Dreux", ylabel="Indice (base 100 en 2019)",
                         source="URSSAF", ordre=["Dreux", "France"])
    table = figures.donnees(fig)
    plt.close(fig)
    assert table.to_dict("list") == {
        "lib": ["Dreux", "Dreux", "France", "France"], "annee": [2019, 2020, 2019, 2020], "value": [100.0, 98.2, 100.0, 101.5],
        "unite": ["Indice (base 100 en 2019)"] * 4, "source": ["URSSAF"] * 4}  # "Autre" is not drawn


def test_bars_carry_their_values_and_unit():
    df = pd.DataFrame({"secteur": ["Industrie", "Services"], "value": [15.5, 70.1], "lib": ["Dreux", "Dreux"]})
    fig = figures.barres(df, "secteur", "value", "lib", suffixe=" %", label_valeur="% de l'emploi", source="INSEE")
    table = figures.donnees(fig)
    plt.close(fig)
    assert list(table.columns) == ["lib", "secteur", "value", "unite", "source"]
    assert table["value"].tolist() == [15.5, 70.1] and set(table["unite"]) == {"% de l'emploi"}


def test_show_refuses_a_figure_without_its_data(monkeypatch):
    shown = _shown(monkeypatch)
    fig, ax = plt.subplots()
    ax.set_title("Emploi")
    with pytest.raises(FigureSansDonnees, match="figure « Emploi » sans ses données"):
        figures.show(fig)
    assert shown == []
    plt.close(fig)


def test_show_in_a_run_writes_the_csv_beside_the_notebook_and_links_it(tmp_path, monkeypatch):
    from IPython.display import HTML

    notebook = tmp_path / "fiches" / "phase2" / "ti-2405.ipynb"
    monkeypatch.setenv(mois.CARNET_ENV, str(notebook))
    monkeypatch.setattr(figures, "_numbers", {})
    shown = _shown(monkeypatch)
    communes = pd.DataFrame({"insee_com": ["01004", "2A004"], "date": pd.to_datetime(["2024-01-01", "2024-04-01"]), "v": [1.5, 2.0]})
    for _ in range(2):
        figures.show(figures.avec_donnees(plt.figure(), communes, "emplois", "URSSAF ; calculs"))
    assert [type(s).__name__ for s in shown] == ["dict", "HTML", "dict", "HTML"]
    assert [sorted(s) for s in shown[::2]] == [["image/png", "text/plain"]] * 2
    assert shown[0]["text/plain"] == "<Figure size 640x480 with 0 Axes>"
    assert isinstance(shown[3], HTML)
    assert shown[3].data == '<p class="donnees-figure"><a href="donnees/ti-2405-figure-2.csv">Données de la figure (CSV)</a></p>'
    assert mois.figure_csvs(notebook) == [tmp_path / "fiches/phase2/donnees/ti-2405-figure-1.csv",
                                          tmp_path / "fiches/phase2/donnees/ti-2405-figure-2.csv"]
    written = _csv(mois.figure_csv(notebook, 2))
    assert written.to_dict("list") == {"insee_com": ["01004", "2A004"], "date": ["2024-01-01", "2024-04-01"], "v": ["1.5", "2.0"],
                                       "unite": ["emplois"] * 2, "source": ["URSSAF ; calculs"] * 2}


def test_outside_a_run_show_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv(mois.CARNET_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    shown = _shown(monkeypatch)
    figures.show(figures.avec_donnees(plt.figure(), pd.DataFrame({"a": [1]}), "u", None))
    assert len(shown) == 1 and list(tmp_path.iterdir()) == []


def _squares() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"siren_epci": ["200040715", "242800648"], "lib_epci": ["CA du Pays de Dreux", "CC Cœur de Beauce"],
                             "variation": [-120.0, 35.0], "partielle": [False, True]},
                            geometry=[box(600000, 6800000, 610000, 6810000), box(610000, 6800000, 620000, 6810000)], crs=2154)


def test_a_territory_map_carries_its_zones_and_points():
    points = gpd.GeoDataFrame({"programme": ["ACV"], "id_programme": ["ACV-28134"], "etiquette": ["Dreux"], "etiquette_pct": ["x"]},
                              geometry=[Point(605000, 6805000)], crs=2154)
    fig = cartes.carte_territoire(_squares(), points=points, colonne="variation", label_colonne="Emplois gagnés ou perdus",
                                  etiquettes="lib_epci", etiquettes_points="etiquette", source="URSSAF")
    table = figures.donnees(fig)
    plt.close(fig)
    assert table["couche"].tolist() == ["zone", "zone", "point"]
    assert table["siren_epci"].tolist()[:2] == ["200040715", "242800648"]  # codes as strings
    assert table["variation"].tolist()[:2] == [-120.0, 35.0] and table["etiquette"].tolist()[2] == "Dreux"
    assert set(table["unite"]) == {"Emplois gagnés ou perdus"}
    assert "geometry" not in table.columns and "etiquette_pct" not in table.columns  # a label the map does not write


def _regions() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"reg": ["24"]}, geometry=[box(500000, 6700000, 700000, 6900000)], crs=2154)


def test_every_synthesis_figure_helper_carries_its_data():
    squares, regions = _squares(), _regions()
    points = gpd.GeoDataFrame({"id": ["a", "b"], "acv": [True, False]}, geometry=[Point(605000, 6805000), Point(615000, 6805000)],
                              crs=2154)
    centroids = pd.DataFrame({"emploi": [1.0, -0.5], "chomage": [-1.2, 0.3]}, index=[0, 1])
    reg = pd.DataFrame({"term": ["const", "acv", "part_industrie"], "estimate": [1.0, 0.2, -0.1], "ci_low": [0.5, 0.1, -0.3],
                        "ci_high": [1.5, 0.3, 0.1]})
    nuage = pd.DataFrame({"lib": ["A", "B", "C"], "x": [1.0, 2.0, 3.0], "y": [2.0, 4.5, 5.5]})
    made = {
        "carte_phases": figures_synthese.carte_phases({"Phase 1": squares, "Phase 2": squares.iloc[:1]}, regions),
        "carte_categories": figures_synthese.carte_categories(squares.assign(profil=["a", "b"]), "profil", regions, legend_title="Profil"),
        "carte_classes": figures_synthese.carte_classes(squares, "variation", regions, "Variation", k=2, overlay=squares.iloc[:1]),
        "carte_points": figures_synthese.carte_points(points, "acv", squares, regions, ("ACV", "hors ACV"), "TI"),
        "profils_chaleur": figures_synthese.profils_chaleur(centroids, pd.Series({0: "P1", 1: "P2"}), {"emploi": "Emploi"}),
        "nuage": figures_synthese.nuage(nuage, "x", "y", "X", "Y", label="lib"),
        "coefficients": figures_synthese.coefficients(reg, {"acv": "ACV"}, "Effet (points)"),
        "positions": figures_synthese.positions(centroids.T, {"emploi": "Emploi"}, [0, 1], ["Dreux", "France"]),
    }
    tables = {name: figures.donnees(fig) for name, fig in made.items()}
    plt.close("all")
    assert tables["carte_phases"]["couche"].tolist() == ["Phase 1", "Phase 1", "Phase 2"]
    assert tables["carte_classes"]["couche"].tolist() == ["zone", "zone", "contour"]
    assert tables["carte_points"]["legende"].tolist()[:2] == ["ACV", "hors ACV"]
    chaleur = tables["profils_chaleur"].set_index(["profil", "indicateur"])["ecart"]
    assert chaleur[("P1", "Emploi")] == 1.0 and chaleur[("P2", "chomage")] == 0.3
    assert tables["nuage"]["pente_mco"].iloc[0] == pytest.approx(1.75)
    assert tables["coefficients"][["variable", "estimate"]].values.tolist() == [["ACV", 0.2], ["part_industrie", -0.1]]
    assert tables["positions"].set_index(["indicateur", "serie"])["ecart"][("Emploi", "France")] == -0.5


def test_event_study_figure_carries_estimates_in_percent():
    from analysis.publications.evaluation_impact import event_study_figure

    es = pd.DataFrame({"rel_year": [-2, 0, 1], "estimate": [0.0, 0.01, 0.02], "ci_low": [-0.01, 0.0, 0.0], "ci_high": [0.01, 0.02, 0.04]})
    table = figures.donnees(event_study_figure(es))
    plt.close("all")
    assert table["annee_relative"].tolist() == [-2, 0, 1]
    assert table["ecart"].to_numpy() == pytest.approx(100 * (np.exp([0.0, 0.01, 0.02]) - 1))


def _creates_figures(node: ast.FunctionDef) -> bool:
    calls = [n.func for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    return any(isinstance(f.value, ast.Name) and f.value.id == "plt" and f.attr in {"subplots", "figure"} for f in calls)


def test_every_function_that_draws_a_figure_attaches_its_data():
    """Static check over src/analysis/publications: a function that creates a matplotlib figure
    also calls ``avec_donnees`` (the home page's map is published as inline SVG, never by ``show``)."""
    exempt = {("accueil.py", "carte")}
    drawing, missing = [], []
    for path in sorted(PUBLICATIONS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and _creates_figures(node) and (path.name, node.name) not in exempt:
                drawing.append(f"{path.name}:{node.name}")
                if "avec_donnees" not in ast.unparse(node):
                    missing.append(drawing[-1])
    assert missing == [] and len(drawing) >= 13


def test_csv_text_keeps_codes_and_accents(tmp_path):
    table = pd.DataFrame({"code": ["01004", "2A004"], "lib": ["Ambérieu-en-Bugey", "Ajaccio"]}).assign(unite="€", source="INSEE")
    assert pd.read_csv(io.StringIO(figures.csv_text(table)), dtype=str)["code"].tolist() == ["01004", "2A004"]
    assert "Ambérieu-en-Bugey,€,INSEE" in figures.csv_text(table)


# --- alternative texts from the data drawn; the data at full precision (issue 28, points 2 and 4) ----

NNBSP = "\u202f"


def test_a_line_chart_alt_text_states_first_last_values_and_annual_growth_from_its_data(monkeypatch):
    df = pd.DataFrame({"lib": ["Dreux", "Dreux", "Dreux", "France", "France", "France"], "annee": [2018, 2021, 2024] * 2,
                       "value": [19318.0, 19900.0, 20599.0, 100.0, 105.0, 112.6]})
    fig = figures.lignes(df, "annee", "value", "lib", principale="Dreux", unite="emplois", source="URSSAF")
    shown = _shown(monkeypatch)
    figures.show(fig)
    alt = f"Emplois. Dreux : de 19{NNBSP}318 en 2018 à 20{NNBSP}599 en 2024 (+1,1 %/an) ; France : de 100 en 2018 à 113 en 2024 (+2,0 %/an)."
    assert figures.texte_alternatif(fig) == alt
    assert len(shown) == 1 and METADATA == [{figures.ALT_METADATA: alt}]  # what the page's template writes as alt


def test_a_flat_line_grows_by_zero_not_minus_zero():
    df = pd.DataFrame({"lib": ["A", "A"], "annee": [2014, 2024], "value": [100.0, 99.8]})
    fig = figures.lignes(df, "annee", "value", "lib", unite="indice")
    plt.close(fig)
    assert figures.texte_alternatif(fig) == "Indice. A : de 100 en 2014 à 99,8 en 2024 (0,0 %/an)."


def test_a_rate_is_not_given_an_annual_growth_and_dates_are_said_in_french():
    df = pd.DataFrame({"lib": ["A", "A"], "date": pd.to_datetime(["2003-01-01", "2025-10-01"]), "value": [8.04, 7.3]})
    fig = figures.lignes(df, "date", "value", "lib", principale="A", unite="%")
    plt.close(fig)
    assert figures.texte_alternatif(fig) == "%. A : de 8,0 en janv. 2003 à 7,3 en oct. 2025."


def test_a_bar_chart_alt_text_gives_each_series_per_category_the_territory_first():
    df = pd.DataFrame({"secteur": ["Industrie", "Industrie", "Services", "Services"], "lib": ["France", "Dreux"] * 2,
                       "value": [12.4, 16.2, 70.14, 60.0]})
    fig = figures.barres(df, "secteur", "value", "lib", principale="Dreux", suffixe=" %", label_valeur="% de l'emploi")
    plt.close(fig)
    assert figures.texte_alternatif(fig) == "% de l'emploi. Industrie : Dreux 16,2 %, France 12,4 % ; Services : Dreux 60,0 %, France 70,1 %."


def test_other_figures_get_the_range_of_what_they_draw_as_alt_text():
    fig = cartes.carte_territoire(_squares(), colonne="variation", label_colonne="Emplois gagnés ou perdus", source="URSSAF")
    plt.close(fig)
    assert figures.texte_alternatif(fig) == ("Emplois gagnés ou perdus. 2 éléments représentés ; variation : de -120 "
                                             "(CA du Pays de Dreux) à 35,0 (CC Cœur de Beauce), médiane -42,5.")


def test_the_csv_under_a_figure_has_every_digit_the_figure_rounds_and_its_unit_and_source():
    third = 1 / 3
    df = pd.DataFrame({"secteur": ["Industrie"], "value": [100 * third]})
    fig = figures.barres(df, "secteur", "value", suffixe=" %", decimales=1, unite="% de l'emploi salarié", source="INSEE, RP 2022")
    plt.close(fig)
    text = figures.csv_text(figures.donnees(fig))
    header, row = text.splitlines()
    assert header == "secteur,value,unite,source"
    assert row == f"Industrie,{100 * third!r},% de l'emploi salarié,\"INSEE, RP 2022\"" and float(row.split(",")[1]) == 100 * third
    assert "33,3 %" in figures.texte_alternatif(fig)  # the figure (and its alt) round, the data do not


def test_a_heat_map_alt_text_names_both_rows_and_columns_of_its_extremes():
    centroids = pd.DataFrame({"emploi": [1.0, -0.5], "chomage": [-1.2, 0.3]}, index=[0, 1])
    fig = figures_synthese.profils_chaleur(centroids, pd.Series({0: "P1", 1: "P2"}), {"emploi": "Emploi"})
    plt.close(fig)
    assert figures.texte_alternatif(fig) == ("Écarts-types à la moyenne des TI. 4 éléments représentés ; ecart : de -1,2 (P1, chomage) "
                                             "à 1,0 (P1, Emploi), médiane -0,1.")


def test_an_event_study_alt_text_gives_the_estimates_not_the_years():
    from analysis.publications.evaluation_impact import event_study_figure

    es = pd.DataFrame({"rel_year": [-2, 0, 1], "estimate": [0.0, 0.01, 0.02], "ci_low": [-0.01, 0.0, 0.0], "ci_high": [0.01, 0.02, 0.04]})
    fig = event_study_figure(es)
    plt.close(fig)
    assert "ecart : de 0,0 " in figures.texte_alternatif(fig) and " à 2,0 " in figures.texte_alternatif(fig)


def _size(fig) -> tuple[int, int]:
    with Image.open(io.BytesIO(figures.png(fig))) as image:
        return image.size


def _size_matplotlib(fig) -> tuple[int, int]:
    out = io.BytesIO()
    fig.savefig(out, format="png", bbox_inches="tight", pad_inches=figures.MARGE_POUCES)
    with Image.open(out) as image:
        return image.size


def test_png_crops_a_figure_as_matplotlib_does_from_one_drawing():
    """The white around what a figure draws is cut as by matplotlib's tight bounding box (to a
    few pixels: the pixels drawn against the extents of the texts), and the picture keeps 100 dpi."""
    fig = figures.lignes(pd.DataFrame({"annee": [2019, 2020, 2021] * 2, "value": [100.0, 101.5, 103.0, 100.0, 99.0, 98.5],
                                       "lib": ["Dreux"] * 3 + ["France"] * 3}), "annee", "value", "lib",
                         principale="Dreux", source="URSSAF", unite="indice")
    fig.set_size_inches(7, 4)  # white at the bottom and right, after tight_layout
    width, height = _size(fig)
    expected_width, expected_height = _size_matplotlib(fig)
    assert abs(width - expected_width) <= 6 and abs(height - expected_height) <= 6
    assert height < 400  # cut
    with Image.open(io.BytesIO(figures.png(fig))) as image:
        assert image.info["dpi"] == pytest.approx((100, 100), abs=0.01)
    plt.close(fig)


def test_png_keeps_what_overflows_the_canvas():
    """A text beyond the right edge of the canvas is in the picture, as matplotlib's bounding box
    gives it: the crop read off the pixels would cut it."""
    fig = figures.statique(plt.figure(figsize=(4, 2)))
    fig.text(0.5, 0.5, "au milieu")
    fig.text(1.02, 0.5, "au-delà du bord droit")
    assert _size(fig) == _size_matplotlib(fig)
    assert _size(fig)[0] > 400 - 200 + 100  # from « au milieu » (x = 200 px) to well past the canvas' edge (400 px)
    plt.close(fig)


def test_the_legend_of_grouped_bars_stays_within_the_figure_whatever_the_length_of_the_category_labels():
    """Long category labels push the axes right: the legend under them is centred on the figure,
    not on the axes, and no longer passes its right edge (Ardèche Drôme Nord's structure chart
    did, by 28 px, and was then drawn twice to be cut)."""
    categories = ["Industrie de haute et moyenne-haute technologie (URSSAF)", "Services de haute technologie (URSSAF)"]
    names = ["Ardèche Drôme Nord", "Région Auvergne-Rhône-Alpes", "France"]
    df = pd.DataFrame({"secteur": [c for c in categories for _ in names], "lib": names * 2, "value": [8.3, 6.3, 5.1, 1.1, 3.6, 4.1]})
    fig = figures.barres(df, "secteur", "value", "lib", principale=names[0], horizontal=True, suffixe=" %",
                         label_valeur="% de l'emploi", source="URSSAF")
    fig.canvas.draw()
    legend = fig.axes[0].get_legend().get_window_extent(fig.canvas.get_renderer())
    width = fig.canvas.get_width_height()[0]
    assert 0 < legend.x0 and legend.x1 < width
    assert (legend.x0 + legend.x1) / 2 == pytest.approx(width / 2, abs=1)
    plt.close(fig)


def test_a_map_whose_every_zone_is_partly_in_the_territory_draws_them_without_warning(recwarn):
    zones = _squares().assign(partielle=True)
    fig = cartes.carte_territoire(zones, contour=zones.dissolve(), partielles="partielle", label_zones="EPCI")
    plt.close(fig)
    assert [str(w.message) for w in recwarn] == []


def test_a_shown_figure_is_the_palette_png_the_site_publishes():
    """``png`` gives the figure with a palette, which the site (``pages.compact_png``) passes on
    as it is (quantizing it again would move its colours); a full-colour picture gets one there."""
    fig = figures.lignes(pd.DataFrame({"annee": [2019, 2020, 2021] * 2, "value": [100.0, 101.5, 103.0, 100.0, 99.0, 98.5],
                                       "lib": ["Dreux"] * 3 + ["France"] * 3}), "annee", "value", "lib",
                         principale="Dreux", source="URSSAF", unite="indice")
    data = figures.png(fig)
    with Image.open(io.BytesIO(data)) as image:
        assert image.mode == "P" and len(image.getcolors()) <= figures.PNG_COLOURS
        pixels = image.convert("RGB").tobytes()
        full = io.BytesIO()
        image.convert("RGBA").save(full, "PNG")
    assert pages.compact_png(data) is data
    with Image.open(io.BytesIO(pages.compact_png(full.getvalue()))) as site:
        assert site.mode == "P" and site.convert("RGB").tobytes() != pixels  # moved by a second quantization
    assert len(data) * 2 < len(full.getvalue())
    plt.close(fig)
