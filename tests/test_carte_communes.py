"""Commune maps: the outlines of 2018 read by département, carried to the referential's COG
through the declared mergers, the commune employment carried the same way, and the map of the
change in private jobs that every fiche and monograph draws (real files of the mirror; small
hand-written series in the real schema)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analysis.analyses import portrait
from analysis.donnees import harmonisation, referentiel
from analysis.donnees.loaders import geo
from analysis.publications import cartes
from analysis.publications.figures import wrap


def test_outlines_are_read_by_departement_with_string_codes_and_valid_geometries():
    calvados = geo.contours_communes_2018("14")
    assert len(calvados) == 537 and calvados.crs.to_epsg() == 4326
    assert calvados.is_valid.all()  # 14174 Condé-en-Normandie is invalid as published
    assert calvados.set_index("insee_com").loc["14174", "lib_com"] == "Condé-en-Normandie"
    corse = geo.contours_communes_2018("2A")
    assert corse["insee_com"].str.startswith("2A").all() and "2A004" in set(corse["insee_com"])  # Ajaccio
    assert geo.departement_commune("97411") == "974" and geo.departement_commune("2B033") == "2B"
    assert {"971", "972", "973", "974", "976"} <= set(geo.fichiers_contours_communes()) and len(geo.fichiers_contours_communes()) == 101
    with pytest.raises(ValueError, match="pas de contours de communes pour le département '975'"):
        geo.contours_communes_2018("975")


def test_communes_merged_since_2018_are_dissolved_into_their_commune_nouvelle():
    # 2023: Binson-et-Orquigny (51063) and Villers-sous-Châtillon (51637) joined Reuil (51457) in
    # Cœur-de-la-Vallée; 2022: La Faute-sur-Mer (85307) joined L'Aiguillon-sur-Mer (85001);
    # 2023: Béon (01039) joined Culoz (01138) in Culoz-Béon.
    carried = harmonisation.contours_communes(["51457", "85001", "01138", "01004"], 2023).set_index("insee_com")
    assert carried["n_communes_2018"].to_dict() == {"01004": 1, "01138": 2, "51457": 3, "85001": 2}
    marne = geo.contours_communes_2018("51").set_index("insee_com").to_crs(2154)
    parts = marne.loc[["51457", "51063", "51637"]]
    assert carried.to_crs(2154).loc["51457"].geometry.area == pytest.approx(parts.area.sum(), rel=1e-3)
    assert carried.to_crs(2154).loc["51457"].geometry.contains(parts.loc["51637"].geometry.representative_point())
    # every commune of the Marne that a merger removed since 2018 is inside a commune of COG 2023
    cog = set(referentiel.communes(2023)["insee_com"])
    whole = harmonisation.contours_communes_departement("51", 2023)
    assert set(whole["insee_com"]) <= cog and int(whole["n_communes_2018"].sum()) == len(marne)
    assert int(whole["n_communes_2018"].sum()) - len(whole) == len(set(marne.index) - cog)


def test_a_commune_created_by_a_split_has_no_outline():
    # Saline (14712, 2018) was split in 2020 into Troarn (14712) and Sannerville (14666)
    carried = harmonisation.contours_communes(["14712", "14666"], 2023)
    assert carried["insee_com"].tolist() == ["14712"]


def test_commune_employment_is_carried_to_the_cog_before_it_is_mapped():
    # Fontclaireau (16140) joined Mansle-les-Fontaines (16206) on 1 January 2023; Marseille
    # is published by arrondissement
    serie = pd.DataFrame(
        {"code": ["16140", "16206", "16206", "13201", "13202", "16206"], "echelon": "communes",
         "year": [2023, 2023, 2018, 2023, 2023, 2024], "eff_total": [12, 300, 290, 1000, 500, 320]}
    ).astype({"year": "int64", "eff_total": "int64"})
    carried = portrait.serie_au_cog(pd.concat([serie, serie.assign(echelon="epci")]), harmonisation.passage(2023))
    levels = carried.set_index(["code", "year"])["eff_total"]
    assert levels[("16206", 2023)] == 312 and levels[("13055", 2023)] == 1500 and len(carried) == 4
    assert set(carried["echelon"]) == {"communes"}


def _variations(values: dict[str, tuple[str, int, int]]) -> pd.DataFrame:
    """``portrait.variations_communes`` from {insee_com: (lib_com, jobs 2018, jobs 2024)}."""
    rows = [{"insee_com": c, "lib_com": n, "siren_epci": "200000001", "lib_epci": "CC", "year": y, "emploi": float(e)}
            for c, (n, a, b) in values.items() for y, e in ((2018, a), (2024, b))]
    return portrait.variations_communes(pd.DataFrame(rows), 2018, 2024)


def test_the_communes_that_carry_the_change_are_named_with_their_share():
    variations = _variations({"01001": ("Ain", 1000, 1300), "01002": ("Bey", 50, 150), "01003": ("Cey", 400, 300),
                              "01004": ("Dey", 10, 10), "01005": ("Eey", 20, 30)})
    gains, pertes = cartes.communes_porteuses(variations, 2)
    assert gains["lib_com"].tolist() == ["Ain", "Bey"] and pertes["lib_com"].tolist() == ["Cey"]
    assert cartes.texte_porteuses(variations, 2018, 2024, 2) == (
        "Entre 2018 et 2024, les gains se concentrent à Ain (+300) et Bey (+100), soit 98\u00a0% des 410 emplois gagnés par "
        "les communes en hausse ; les pertes à Cey (−100), seule commune en baisse."
    )
    still = _variations({"01001": ("Ain", 10, 10)})
    assert cartes.texte_porteuses(still, 2018, 2024) == "Entre 2018 et 2024, l'emploi salarié privé d'aucune commune du territoire n'a varié."


@pytest.fixture(scope="module")
def est_du_loiret() -> pd.DataFrame:
    """Private employment of the communes of Est du Loiret (ti-2404, phase 2) from the real
    commune series (2014-2024), carried to COG 2023."""
    from analysis.donnees.loaders import economie

    terr = referentiel.territoire(2, "ti-2404")
    return portrait.emploi_communes(portrait.serie_au_cog(economie.urssaf_serie("2026-11"), harmonisation.passage(2023)),
                                    terr.communes)


def test_map_of_a_territory_colours_every_commune_and_names_those_that_carry_the_change(est_du_loiret):
    carte = cartes.carte_communes(2, "ti-2404", est_du_loiret)
    assert carte.emploi and (carte.debut, carte.fin) == (2018, 2024)
    assert len(carte.zones) == est_du_loiret["insee_com"].nunique() == 145
    named = carte.zones.loc[carte.zones["etiquette"] != ""]
    # names keep their hyphens, signs are minus signs
    assert named.set_index("lib_com").loc["Châlette-sur-Loing", ["etiquette", "etiquette_pct"]].tolist() == [
        "Châlette-sur-Loing −455", "Châlette-sur-Loing −12\u00a0%"]
    gains, pertes = cartes.communes_porteuses(portrait.variations_communes(est_du_loiret, 2018, 2024))
    assert set(named["insee_com"]) == set(gains["insee_com"]) | set(pertes["insee_com"]) and len(named) == 6
    assert carte.note.startswith("Carte des communes : variation de l'emploi salarié privé de chacune des 145 communes du territoire")
    small = carte.zones["emploi_debut"] < cartes.SEUIL_POURCENT
    assert carte.zones.loc[small, "variation_pct_carte"].isna().all() and carte.zones.loc[~small, "variation_pct_carte"].notna().all()
    for pourcentage in (False, True):
        fig = cartes.figure_communes(carte, pourcentage=pourcentage, taille=(5.0, 4.4))
        texts = {t.get_text() for t in fig.axes[0].texts}
        assert {wrap(t) for t in named["etiquette_pct" if pourcentage else "etiquette"]} <= texts
        plt.close(fig)


def test_mayotte_is_mapped_without_employment_and_says_why():
    terr = referentiel.territoire(2, "ti-0601")
    serie = pd.DataFrame({"code": ["97411"], "echelon": "communes", "year": [2024], "eff_total": [10]}).astype(
        {"year": "int64", "eff_total": "int64"})
    emplois = portrait.emploi_communes(pd.concat([serie, serie.assign(year=2018)]), terr.communes)
    carte = cartes.carte_communes(2, "ti-0601", emplois)
    assert not carte.emploi and len(carte.zones) == 17
    assert carte.note.startswith("L'URSSAF ne publie l'emploi salarié privé d'aucune commune de ce territoire")
    plt.close(cartes.figure_communes(carte))


def test_before_2019_is_published_the_map_says_it_waits():
    terr = referentiel.territoire(2, "ti-2405")
    serie = pd.DataFrame({"code": terr.communes["insee_com"], "echelon": "communes", "year": 2018, "eff_total": 5}).astype(
        {"year": "int64", "eff_total": "int64"})
    carte = cartes.carte_communes(2, "ti-2405", portrait.emploi_communes(serie, terr.communes))
    assert not carte.emploi and carte.note.startswith("L'emploi salarié privé de 2019 n'est pas encore publié")


def test_labels_of_neighbouring_communes_do_not_overlap():
    import geopandas as gpd
    from shapely.geometry import box

    # two small neighbours side by side (1 km each) on a 20 km map; the third label is empty
    zones = gpd.GeoDataFrame({"etiquette": ["Nazelles-Négron −364", "Chargé +405", ""]},
                             geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(0, -20_000, 20_000, -19_000)], crs=2154)
    places = cartes._places_etiquettes(zones, [], zones["etiquette"])
    first = zones.geometry.iloc[0].representative_point()
    assert places[0] == (first.x, first.y) and places[1][1] < places[0][1] - 800  # moved down, below the first


def test_a_map_is_drawn_only_when_it_is_shown_not_after_each_layer(est_du_loiret):
    """geopandas asks for a full draw after each layer it plots (``canvas.draw_idle``), which an
    Agg canvas honours at once: the commune map of a fiche (communes coloured and missing,
    outline) was drawn twice while it was built, before being drawn to be shown."""
    carte = cartes.carte_communes(2, "ti-2404", est_du_loiret)
    draws = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("matplotlib.figure.Figure.draw", lambda self, renderer, _draw=plt.Figure.draw: (draws.append(self), _draw(self, renderer))[1])
        fig = cartes.figure_communes(carte)
    assert draws == []
    plt.close(fig)
