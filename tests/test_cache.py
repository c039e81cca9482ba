"""On-disk cache of derived tables: computed once, read back identical, never hiding a damaged file."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from analysis import config
from analysis.donnees import cache, referentiel, sources
from analysis.donnees.loaders import geo, programmes

CALLS: list[tuple] = []


@cache.derived
def _table(n: int, suffix: str = "a") -> pd.DataFrame:
    CALLS.append((n, suffix))
    return pd.DataFrame(
        {
            "insee_com": pd.Series([f"0{i}00{i}" for i in range(n)], dtype="str"),
            "population": pd.Series([10 * i if i else None for i in range(n)], dtype="Int64"),
            "suffix": suffix,
        }
    )


@cache.derived
def _points() -> gpd.GeoDataFrame:
    CALLS.append(("points",))
    return gpd.GeoDataFrame({"id": ["ti-0001", "ti-0002"]}, geometry=[Point(2.35, 48.85), Point(5.37, 43.30)], crs=4326)


@cache.stored
def _summary(n: int, periode: str = "2025-06") -> dict:
    CALLS.append(("summary", n))
    return {"n": n, "table": pd.DataFrame({"id_ti": [f"ti-{i:04d}" for i in range(n)]})}


@cache.derived
def _regions() -> pd.DataFrame:
    CALLS.append(("regions",))
    return geo.regions(2023)


@cache.stored
def _nombre_regions(periode: str = "2025-06") -> int:
    CALLS.append(("nombre_regions",))
    return len(_regions())


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(config.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(config, "OUTPUTS_DIR", tmp_path / "outputs")
    CALLS.clear()
    for fn in (_table, _points, _summary, _regions, _nombre_regions):
        fn.cache_clear()
    yield tmp_path / "cache" / "derived"
    for fn in (_table, _points, _summary, _regions, _nombre_regions):
        fn.cache_clear()


def test_a_table_is_derived_once_and_read_back_identical(fresh: Path) -> None:
    first = _table(3)
    _table.cache_clear()  # as a new process would
    again = _table(3)
    assert CALLS == [(3, "a")]
    pd.testing.assert_frame_equal(first, again)
    assert again["insee_com"].tolist() == ["00000", "01001", "02002"] and str(again["population"].dtype) == "Int64"
    assert again["population"].isna().tolist() == [True, False, False]
    # defaults applied: the same entry whether the default is passed or not; other arguments, other entries
    _table.cache_clear()
    _table(3, "a")
    _table(3, suffix="b")
    assert CALLS == [(3, "a"), (3, "b")]
    assert len(list(fresh.rglob("*.parquet"))) == 2 and not list(fresh.rglob(".*.tmp*"))


def test_a_geodataframe_keeps_geometry_and_crs(fresh: Path) -> None:
    first = _points()
    _points.cache_clear()
    again = _points()
    assert CALLS == [("points",)]
    assert isinstance(again, gpd.GeoDataFrame) and again.crs.to_epsg() == 4326
    assert again.geometry.geom_equals(first.geometry).all()


def test_a_stored_object_asked_under_another_outputs_root_is_stored_there_too(
    fresh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One process, two outputs roots (a test, or ``verifier``, after a run): the month under the
    second root gets its memo entry, not only the first root's value held in memory."""
    assert _summary(2)["n"] == 2
    monkeypatch.setattr(config, "OUTPUTS_DIR", tmp_path / "autres-sorties")
    assert _summary(2)["n"] == 2
    for root in ("outputs", "autres-sorties"):
        assert len(list((tmp_path / root / "2025-06" / ".cache" / "analyses").rglob("*.pickle"))) == 1, root
    assert CALLS == [("summary", 2), ("summary", 2)]
    assert _summary(2)["n"] == 2 and len(CALLS) == 2  # held in memory for this root now


def test_a_stored_object_is_computed_once_and_a_damaged_entry_computed_again(fresh: Path, tmp_path: Path) -> None:
    first = _summary(2)
    _summary.cache_clear()  # as a new process would
    again = _summary(2)
    assert CALLS == [("summary", 2)] and again["n"] == 2
    pd.testing.assert_frame_equal(again["table"], first["table"])
    # the result of a month's analysis lives with that month's outputs, not in the shared cache,
    # in the month's hidden memo cache, not among the tables a researcher opens (``analyses/``)
    assert not list(fresh.parent.rglob("*.pickle"))
    assert not list((tmp_path / "outputs" / "2025-06" / "analyses").rglob("*"))
    fresh = tmp_path / "outputs" / "2025-06" / ".cache" / "analyses"
    (entry,) = fresh.rglob("*.pickle")
    entry.write_bytes(entry.read_bytes()[:10])  # truncated (a disk full, a killed writer)
    _summary.cache_clear()
    assert _summary(2)["table"]["id_ti"].tolist() == ["ti-0000", "ti-0001"]
    assert CALLS == [("summary", 2), ("summary", 2)]
    _summary(3)
    assert len(list(fresh.rglob("*.pickle"))) == 2 and not list(fresh.rglob(".*.tmp*"))
    _summary(3, periode="2025-07")
    assert len(list(fresh.rglob("*.pickle"))) == 2  # another month: its own folder
    assert len(list((tmp_path / "outputs" / "2025-07" / ".cache" / "analyses").rglob("*.pickle"))) == 1


def test_an_entry_records_again_the_files_it_was_computed_from(fresh: Path) -> None:
    with sources.capture() as computed:
        assert _nombre_regions() == 26  # 18 régions, and 8 collectivités d'outre-mer listed with them
    assert {p.name for p in fresh.rglob("*.sources.json")} == {f"{p.name}.sources.json" for p in fresh.rglob("*.parquet")}
    for fn in (_regions, _nombre_regions, geo.regions):
        fn.cache_clear()  # as a new process would
    with sources.capture() as from_disk:
        _nombre_regions()  # read back: the stored result, no file read
    with sources.capture() as derived_from_disk:
        _regions()
    with sources.capture() as in_process:
        _regions()
    assert CALLS == [("nombre_regions",), ("regions",)]  # computed once each
    assert computed == from_disk == derived_from_disk == in_process == {"cog-2023/regions"}


def test_stored_needs_the_month() -> None:
    with pytest.raises(TypeError, match="periode"):
        cache.stored(lambda n: n)


def test_new_declarations_give_new_entries_and_drop_old_ones(fresh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _table(2)
    old = {p.parent.name for p in fresh.rglob("*.parquet")}
    declarations = tmp_path / "sources.toml"
    declarations.write_bytes(config.SOURCES_FILE.read_bytes() + b"\n# another version\n")
    monkeypatch.setattr(config, "SOURCES_FILE", declarations)
    cache.generation.cache_clear()
    try:
        _table.cache_clear()
        _table(2)
        assert CALLS == [(2, "a"), (2, "a")]
        assert {p.parent.name for p in fresh.rglob("*.parquet")}.isdisjoint(old)
    finally:
        cache.generation.cache_clear()


def test_editing_the_indicator_registry_changes_the_generation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.generation.cache_clear()
    try:
        before = cache.generation()
        registre = tmp_path / "indicateurs.toml"
        registre.write_bytes(config.INDICATEURS_FILE.read_bytes().replace(b'key_figure = 12', b'key_figure = 12 '))
        monkeypatch.setattr(config, "INDICATEURS_FILE", registre)
        cache.generation.cache_clear()
        assert cache.generation() != before  # a run re-executes what the registry feeds
    finally:
        cache.generation.cache_clear()


def test_a_fresh_cache_still_refuses_a_damaged_file(tmp_path: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "mirror" / "ti-phase2" / "ti_geom.geojson"
    copy.parent.mkdir(parents=True)
    data = bytearray((mirror / "ti-phase2" / "ti_geom.geojson").read_bytes())
    data[1000] = (data[1000] + 1) % 256
    copy.write_bytes(bytes(data))
    monkeypatch.setenv(config.MIRROR_ENV, str(tmp_path / "mirror"))
    monkeypatch.setenv(config.CACHE_ENV, str(tmp_path / "cache"))
    cleared = (programmes.ti_membres, referentiel.membres, referentiel.territoires)
    for fn in cleared:
        fn.cache_clear()
    try:
        with pytest.raises(sources.SourceError, match="ti_geom.geojson"):
            referentiel.territoires(2)
        assert not list((tmp_path / "cache").rglob("*.parquet"))
    finally:
        for fn in cleared:
            fn.cache_clear()


def test_sources_digest_covers_the_whole_package():
    """A change of an analysis module (not only of donnees/) gives a new generation."""
    from analysis.donnees import cache

    assert cache._PACKAGE_DIR.name == "analysis"
    assert (cache._PACKAGE_DIR / "analyses" / "impact.py").exists()
