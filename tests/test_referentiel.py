"""Territorial referential on the real ANCT lists and the INSEE COG."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.donnees import referentiel, sources
from analysis.donnees.loaders import geo
from analysis.donnees.schemas import DataContractError


def test_phase1_has_149_ti_and_588_groupements() -> None:
    members = referentiel.membres(1, 2023)
    assert members["id_ti"].nunique() == 149
    assert len(members) == 588
    assert members["kind"].value_counts().to_dict() == {"EPCI": 547, "commune": 38, "EPT": 3}


def test_phase2_has_183_ti_and_641_groupements() -> None:
    members = referentiel.membres(2, 2023)
    assert members["id_ti"].nunique() == 183
    assert len(members) == 641
    assert members["kind"].value_counts().to_dict() == {"EPCI": 626, "commune": 12, "EPT": 3}


@pytest.mark.parametrize("phase", [1, 2])
def test_every_groupement_resolves_in_cog_2023(phase: int) -> None:
    assert referentiel.unresolved(phase, 2023).empty


def test_phase1_expands_to_16177_communes_in_cog_2023() -> None:
    com = referentiel.communes_ti(1, 2023)
    assert len(com) == com["insee_com"].nunique() == 16_177
    assert com["insee_com"].str.len().eq(5).all()


def test_members_missing_from_an_older_cog_are_reported_not_dropped() -> None:
    missing = referentiel.unresolved(1, 2019)
    assert len(missing) == 14  # EPCI created after 2019 and the EPT (no EPT file in COG 2019)
    assert len(referentiel.membres(1, 2019)) == 588


def test_epci_coverage_shares() -> None:
    cover = referentiel.epci_couverture(1, 2023)
    assert cover["part_communes_ti"].between(0, 1).all()
    partial = cover.loc[cover["part_communes_ti"].between(0, 1, inclusive="neither")]
    # Aix-Marseille-Provence (single communes) and the Grand Paris (three EPT) are partly covered
    assert {"200054807", "200054781"} <= set(partial["siren_epci"])
    assert cover["n_communes_ti"].sum() == len(referentiel.communes_ti(1, 2023))


def test_territory_population_is_the_sum_of_its_communes() -> None:
    ter = referentiel.territoires(2, 2023)
    com = referentiel.communes_ti(2, 2023)
    assert ter["population"].sum() == com["population"].sum()
    assert ter["region"].notna().all() and ter["lib_region"].notna().all()


def test_codes_are_strings_with_leading_zeros_and_corsica() -> None:
    com = geo.communes(2023)
    assert com.loc[com["insee_com"] == "01001", "departement"].item() == "01"
    assert com.loc[com["insee_com"] == "2A004", "lib_com"].item() == "Ajaccio"


def test_acv_towns_are_located_in_their_ti() -> None:
    towns = referentiel.villes_programmes(2, 2023)
    acv = towns.loc[towns["programme"] == "ACV"]
    assert len(acv) == 245 and acv["id_programme"].nunique() == 232
    assert acv["commune_cog"].all()


def test_unknown_territory_lists_the_closest_ids() -> None:
    with pytest.raises(referentiel.UnknownTerritoryError, match=r"ti-2499.*ti-2409.*ti-2401"):
        referentiel.check_territoires(2, ["ti-2499"])


def test_a_renamed_column_names_the_file_and_the_column(tmp_path: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """COG communes with 'population' renamed: the loader fails naming file and column."""
    raw = json.loads((mirror / "cog-2025" / "communes.json").read_text(encoding="utf-8"))
    for row in raw:
        row["pop"] = row.pop("population", None)
    fake = tmp_path / "communes.json"
    fake.write_text(json.dumps(raw), encoding="utf-8")
    monkeypatch.setattr(sources, "fetch", lambda file_id: fake)
    geo.communes.cache_clear()
    try:
        with pytest.raises(DataContractError, match=r"cog-2025/communes\.json.*population"):
            geo.communes(2025)
    finally:
        geo.communes.cache_clear()


def test_a_malformed_code_names_file_column_and_row(tmp_path: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = json.loads((mirror / "cog-2025" / "communes.json").read_text(encoding="utf-8"))
    raw[0]["code"] = "1001"  # the leading zero lost, as a spreadsheet would do
    fake = tmp_path / "communes.json"
    fake.write_text(json.dumps(raw), encoding="utf-8")
    monkeypatch.setattr(sources, "fetch", lambda file_id: fake)
    geo.communes.cache_clear()
    try:
        with pytest.raises(DataContractError) as err:
            geo.communes(2025)
    finally:
        geo.communes.cache_clear()
    assert "insee_com" in str(err.value) and "'1001'" in str(err.value) and "lignes [0]" in str(err.value)
