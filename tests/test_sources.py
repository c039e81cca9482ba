"""Data layer: declared files, sha256 always checked, mirror and offline behaviour."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from analysis import config, mois
from analysis.donnees import sources
from analysis.fichiers import file_sha256
from analysis.donnees.loaders import programmes


def test_every_declared_file_matches_the_manifest(mirror: Path) -> None:
    with open(mirror / "MANIFEST.csv", encoding="utf-8") as fh:
        manifest = {row["file"]: row for row in csv.DictReader(fh)}
    declared = {k: s for k, s in sources.sources().items() if not s.living}
    assert len(declared) == len(manifest) == 263
    for src in declared.values():
        assert manifest[src.file]["sha256"] == src.sha256
        assert manifest[src.file]["url"] == src.url
        assert src.licence and src.publisher


def test_no_mirrored_file_is_committed(mirror: Path) -> None:
    hashes = {s.sha256 for s in sources.sources().values() if not s.living}
    tracked = [p for p in config.ROOT.rglob("*") if p.is_file() and ".git" not in p.parts and ".venv" not in p.parts
               and "raw" not in p.parts and "outputs" not in p.parts and p.stat().st_size < 20_000_000]
    assert not [p for p in tracked if file_sha256(p) in hashes]


@pytest.fixture
def damaged_mirror(tmp_path: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary copy of the TI phase-2 file with one byte changed, and an empty cache."""
    copy = tmp_path / "mirror"
    target = copy / "ti-phase2" / "ti_geom.geojson"
    target.parent.mkdir(parents=True)
    data = bytearray((mirror / "ti-phase2" / "ti_geom.geojson").read_bytes())
    data[1000] = (data[1000] + 1) % 256
    target.write_bytes(bytes(data))
    monkeypatch.setenv(config.MIRROR_ENV, str(copy))
    monkeypatch.setenv(config.CACHE_ENV, str(tmp_path / "cache"))
    programmes.ti_membres.cache_clear()
    yield copy
    programmes.ti_membres.cache_clear()


def test_a_mirror_file_with_one_byte_changed_is_refused(damaged_mirror: Path, tmp_path: Path) -> None:
    expected = sources.source("ti-phase2/ti_geom").sha256
    with sources.capture() as read, pytest.raises(sources.SourceError) as err:
        programmes.ti_membres(2)
    assert "ti_geom.geojson" in str(err.value) and expected in str(err.value)
    assert read == set()  # a refused file is not recorded as read
    # nothing was kept from it: the cache holds no copy, not even a partial one
    assert not any((tmp_path / "cache").rglob("*ti_geom*"))


def test_offline_without_mirror_names_file_url_and_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.MIRROR_ENV, raising=False)
    monkeypatch.setenv(config.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv(sources.URL_BASE_ENV, "http://127.0.0.1:9")  # nothing listens there
    src = sources.source("acv/acv2_geom")
    with pytest.raises(sources.SourceError) as err:
        sources.fetch("acv/acv2_geom")
    assert src.file in str(err.value) and src.url in str(err.value) and config.MIRROR_ENV in str(err.value)
    # the cause is told in French, requests' English message is not passed on
    assert "serveur injoignable : hors ligne, nom d'hôte inconnu ou connexion refusée ; code ConnectionError" in str(err.value)
    assert "HTTPConnectionPool" not in str(err.value) and "Max retries" not in str(err.value)


def test_a_damaged_cache_entry_is_replaced_from_the_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.CACHE_ENV, str(tmp_path / "cache"))
    path = sources.fetch("acv/acv2_geom")
    path.write_bytes(b"damaged")
    with sources.capture() as read:
        again = sources.fetch("acv/acv2_geom")
    assert file_sha256(again) == sources.source("acv/acv2_geom").sha256
    assert read == {"acv/acv2_geom"} and "acv/acv2_geom" in sources.files_read()


@pytest.mark.parametrize(
    ("periode", "year", "published"),
    [("2025-05", 2024, False), ("2025-06", 2024, True), ("2025-06", 2023, True)],
)
def test_annual_urssaf_data_are_published_six_months_after_the_year(periode: str, year: int, published: bool) -> None:
    import datetime as dt

    assert sources.published_by("urssaf-emploi", dt.date(year, 12, 31), periode) is published


def test_periode_is_validated() -> None:
    with pytest.raises(ValueError, match="AAAA-MM"):
        mois.check_periode("2025-13")
    assert mois.asof_date("2024-02").isoformat() == "2024-02-29"
