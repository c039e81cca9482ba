"""The tables every fiche of a month shares: written once by the run, read by the fiche."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from analysis import config, mois
from analysis.analyses import tableaux, tables_fiches, tissu_productif
from analysis.donnees import sources
from analysis.execution import pipeline

PERIODE = "2026-12"
FICHE = config.NOTEBOOKS_DIR / "fiche_territoire.ipynb"

SECTEURS = pd.DataFrame({
    "id_ti": ["ti-0001", "ti-0001", "ti-0002", "FRANCE"], "a38": ["CA", "CA", "CA", "CA"], "lib": ["Alimentaire"] * 4,
    "a5": ["BE"] * 4, "year": [2019, 2024, 2024, 2024], "emploi": [120.0, 150.5, 80.0, 1000.0],
})
EMPLOIS = pd.DataFrame({
    "id_ti": ["ti-0001", "ti-0001", "ti-0002"], "insee_com": ["01001", "01001", "02002"], "lib_com": ["Aa", "Aa", "Bb"],
    "siren_epci": ["200000001", "200000001", "200000002"], "lib_epci": ["CC A", "CC A", "CC B"],
    "year": [2018, 2024, 2024], "emploi": [10.0, 12.0, 7.0],
})
CONTOURS = gpd.GeoDataFrame(
    {"id_ti": ["ti-0001", "ti-0002"], "insee_com": ["01001", "02002"], "n_communes_2018": [2, 1]},
    geometry=[box(4.0, 45.0, 4.1, 45.1), box(5.0, 46.0, 5.2, 46.1)], crs=4326,
)
FICHIERS_CONTOURS = {"ti-0001": ["contours-communes-01"], "ti-0002": ["contours-communes-02"]}
EPCI = gpd.GeoDataFrame(
    {"id_ti": ["ti-0001", "ti-0002"], "siren_epci": ["200000001", "200000002"], "lib_epci": ["CC A", "CC B"]},
    geometry=[box(4.0, 45.0, 4.2, 45.2), box(5.0, 46.0, 5.3, 46.2)], crs=4326,
)
REGIONS = gpd.GeoDataFrame({"region": ["84"], "lib_region": ["Auvergne-Rhône-Alpes"]}, geometry=[box(2.0, 44.0, 7.0, 46.5)], crs=4326)


@pytest.fixture
def calculs(outputs: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The three computations of the shared tables replaced by small tables in the real
    schemas, each counting its calls and recording one declared file."""
    calls = {"secteurs": 0, "emplois": 0, "contours": 0, "epci": 0}

    def secteurs(phase: int, periode: str) -> tuple[pd.DataFrame, str]:
        calls["secteurs"] += 1
        sources.record(["urssaf-ze-a38"])
        return SECTEURS, "repli"

    def emplois(phase: int, periode: str) -> pd.DataFrame:
        calls["emplois"] += 1
        sources.record(["urssaf-communes"])
        return EMPLOIS

    def contours(phase: int) -> tuple[gpd.GeoDataFrame, dict[str, list[str]]]:
        calls["contours"] += 1
        return CONTOURS, FICHIERS_CONTOURS

    def epci(phase: int) -> gpd.GeoDataFrame:
        calls["epci"] += 1
        sources.record(["contours/nodom_epci_2025"])
        return EPCI

    def regions() -> gpd.GeoDataFrame:
        sources.record(["contours/nodom_region_2025"])
        return REGIONS

    monkeypatch.setattr(tissu_productif, "emploi_territoires", secteurs)
    monkeypatch.setattr(tables_fiches, "contours_epci", epci)
    monkeypatch.setattr(tables_fiches.geo, "contours_regions_metro", regions)
    monkeypatch.setattr(tables_fiches, "emplois_communes", emplois)
    monkeypatch.setattr(tables_fiches, "contours_communes", contours)
    return calls


def test_shared_tables_are_written_once_and_read_by_territory(calculs: dict[str, int]) -> None:
    paths = tables_fiches.calculer(PERIODE, (2,))
    assert sorted(p.name for p in paths) == [
        "fiches_contours_communes_phase2.parquet", "fiches_contours_epci_phase2.parquet", "fiches_emploi_communes_phase2.parquet",
        "fiches_secteurs_phase2.parquet", "fiches_situation_phase2.parquet",
    ]
    assert all(p.parent == mois.indicateurs_dir(PERIODE) for p in paths)
    assert tables_fiches.calculer(PERIODE, (2,)) == paths  # up to date: nothing computed again
    assert calculs == {"secteurs": 1, "emplois": 1, "contours": 1, "epci": 1}

    with sources.capture() as lus:
        emploi, source = tables_fiches.secteurs(2, PERIODE)
    pd.testing.assert_frame_equal(emploi, SECTEURS)
    assert source == "repli" and lus == {"urssaf-ze-a38"}  # the fiche's provenance names what the table came from

    with sources.capture() as lus:
        communes = tables_fiches.emploi_communes_territoire(2, PERIODE, "ti-0001")
    assert communes.to_dict("list") == {
        "insee_com": ["01001", "01001"], "lib_com": ["Aa", "Aa"], "siren_epci": ["200000001", "200000001"],
        "lib_epci": ["CC A", "CC A"], "year": [2018, 2024], "emploi": [10.0, 12.0],
    }
    assert lus == {"urssaf-communes"}

    with sources.capture() as lus:
        outlines = tables_fiches.contours_territoire(2, PERIODE, "ti-0002")
    assert isinstance(outlines, gpd.GeoDataFrame) and outlines.crs.to_epsg() == 4326
    assert outlines["insee_com"].tolist() == ["02002"] and outlines["n_communes_2018"].tolist() == [1]
    assert outlines.geometry.iloc[0].equals_exact(box(5.0, 46.0, 5.2, 46.1), 0)
    assert lus == {"contours-communes-02"}  # the files of this territory's outlines only

    with sources.capture() as lus:
        epci = tables_fiches.epci_territoire(2, PERIODE, "ti-0002")
    assert epci.to_dict("list")["siren_epci"] == ["200000002"] and list(epci.columns) == ["siren_epci", "lib_epci", "geometry"]
    assert lus == {"contours/nodom_epci_2025"}
    with sources.capture() as lus:
        situation = tables_fiches.situation(2, PERIODE)
    assert situation.crs.to_epsg() == 2154 and situation["region"].tolist() == ["84"] and lus == {"contours/nodom_region_2025"}

    # other code or other declarations (another stamp): computed again
    mois.tables_fiches(2, PERIODE)[mois.STAMP_FICHES].write_text("autre", encoding="utf-8")
    tables_fiches.calculer(PERIODE, (2,))
    assert calculs == {"secteurs": 2, "emplois": 2, "contours": 2, "epci": 2}


def test_the_shared_tables_decide_whether_a_fiche_runs_again(calculs: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    # what prepare_inputs returns is the run's context of every notebook (execution.run): the
    # digest of each job; the indicator tables are not the point here
    monkeypatch.setattr(tableaux.etat, "preparer", lambda log: None)
    monkeypatch.setattr(tableaux.provenance, "collect", lambda *a: {})
    monkeypatch.setattr(tableaux.provenance, "write", lambda *a: None)
    monkeypatch.setattr(tableaux, "construire", lambda *a, **k: False)
    inputs = tableaux.prepare_inputs(PERIODE, (2,), {}, "code", None)
    shared = [p for k, p in mois.tables_fiches(2, PERIODE).items() if k != mois.STAMP_FICHES]
    assert set(shared) <= set(inputs)
    before = pipeline.digest_files(shared)
    assert pipeline.digest_files(tableaux.prepare_inputs(PERIODE, (2,), {}, "code", None)[-len(shared):]) == before  # unchanged: skipped
    monkeypatch.setattr(tables_fiches, "emplois_communes", lambda phase, periode: EMPLOIS.assign(emploi=EMPLOIS["emploi"] + 1))
    mois.tables_fiches(2, PERIODE)[mois.STAMP_FICHES].unlink()
    assert pipeline.digest_files(tableaux.prepare_inputs(PERIODE, (2,), {}, "code", None)[-len(shared):]) != before  # changed: run again


def _calls(notebook: Path) -> set[str]:
    """``module.function`` of every call in the notebook's code cells."""
    cells = [c for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    tree = ast.parse("\n".join("".join(c["source"]) for c in cells))
    return {f"{n.func.value.id}.{n.func.attr}" for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)}


def test_the_fiche_reads_the_shared_tables_and_computes_none_of_them() -> None:
    calls = _calls(FICHE)
    assert {"tables_fiches.secteurs", "tables_fiches.emploi_communes_territoire", "tables_fiches.contours_territoire",
            "tables_fiches.epci_territoire", "tables_fiches.situation"} <= calls
    assert not calls & {"tissu_productif.emploi_territoires", "portrait.serie_communes", "portrait.emploi_communes"}


@pytest.mark.parametrize("id_ti", ["ti-2404", "ti-7605"])
def test_the_territory_map_from_the_month_tables_has_the_layers_read_from_the_files(id_ti: str) -> None:
    """Real data: the EPCI of the shared table are those the map reads from the outlines' file
    (same rows, order and outlines), and the inset's régions keep their names with a fraction of
    their points."""
    from analysis.donnees.loaders import geo
    from analysis.publications import cartes

    table = tables_fiches.contours_epci(2)
    assert not table.duplicated(["id_ti", "siren_epci"]).any()
    lue = cartes.carte(2, id_ti)
    partagee = cartes.carte(2, id_ti, contours_epci=table.loc[table["id_ti"] == id_ti].drop(columns="id_ti"),
                            situation=tables_fiches.situation_simplifiee(geo.contours_regions_metro()))
    pd.testing.assert_frame_equal(pd.DataFrame(lue.zones), pd.DataFrame(partagee.zones))
    assert lue.note == partagee.note and len(lue.zones) >= 3
    regions = geo.contours_regions_metro()
    points = partagee.situation.count_coordinates().sum()
    assert partagee.situation["region"].tolist() == regions["region"].tolist() and points < regions.count_coordinates().sum() / 5


def test_a_commune_map_drawn_from_given_outlines_reads_none(monkeypatch: pytest.MonkeyPatch) -> None:
    from analysis.publications import cartes

    def forbidden(*args, **kwargs):
        raise AssertionError("contours lus dans la fiche")

    monkeypatch.setattr(cartes.harmonisation, "contours_communes", forbidden)
    monkeypatch.setattr(cartes, "contour_trace", lambda contour: contour.iloc[:0])
    monkeypatch.setattr(cartes.programmes, "ti_geometries", lambda phase: CONTOURS.iloc[:0])
    emplois = EMPLOIS.loc[EMPLOIS["id_ti"] == "ti-0001"].drop(columns="id_ti")
    carte = cartes.carte_communes(2, "ti-0001", emplois, contours=CONTOURS.iloc[:1].drop(columns="id_ti"))
    assert carte.zones["insee_com"].tolist() == ["01001"] and carte.zones["variation"].tolist() == [2.0]


def test_the_vintages_of_the_month_are_computed_once_by_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from analysis.donnees import provenance

    chomage = sorted(i for i, s in sources.sources().items() if s.dataset == "chomage" and not s.living)[-1:]
    record = provenance.collect(PERIODE, {}, "test", chomage)
    assert record["millesimes"] == provenance.millesimes({k: v for k, v in record.items() if k != "millesimes"})
    assert record["millesimes"]["chomage"] == "2025-T4"

    def forbidden(*args, **kwargs):
        raise AssertionError("millésimes recalculés dans un document")

    monkeypatch.setattr(provenance.vintages, "ligne", forbidden)
    assert provenance.millesimes(record) == record["millesimes"]  # every document of the month reads them
