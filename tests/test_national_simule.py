"""Acceptance of issue 17: a simulated national URSSAF file (the Rouen extract, official
format, put in a temporary cache as the living national file) is what a run reads for the
fiches' industrial section, and the provenance says so."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from analysis import config
from analysis.donnees import sources
from analysis.donnees.loaders import urssaf_ape
from analysis.execution.run import fiche_path, run_periode

TERRITOIRE = "ti-2802"  # partly in the zone d'emploi of Rouen (41.5 % of its population)
PERIODE = "2024-07"


def test_a_run_reads_the_living_national_file_for_the_industrial_section(
    tmp_path: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    national = cache / sources.source(urssaf_ape.NATIONAL_ID).file
    national.parent.mkdir(parents=True)
    shutil.copyfile(mirror / sources.source(urssaf_ape.FILE_ID).file, national)
    monkeypatch.setenv(config.CACHE_ENV, str(cache))
    monkeypatch.delenv(sources.MODE_ENV)  # living copies in use, in this process and the kernels
    monkeypatch.setattr(config, "OUTPUTS_DIR", tmp_path / "outputs")
    monkeypatch.setenv("OBSERVATOIRE_OUTPUTS", str(tmp_path / "outputs"))

    outcome = run_periode(PERIODE, phases=(2,), territoires=[TERRITOIRE], jobs_n=1, render=False, progress=False)
    assert [r.status for r in outcome.results] == ["executed"]

    record = json.loads((tmp_path / "outputs" / PERIODE / "provenance.json").read_text(encoding="utf-8"))
    by_id = {f["id"]: f for f in record["fichiers"]}
    assert by_id[urssaf_ape.NATIONAL_ID]["copie"] == "vivante"
    assert by_id[urssaf_ape.NATIONAL_ID]["sha256"] == sources.source(urssaf_ape.FILE_ID).sha256
    assert by_id[urssaf_ape.NATIONAL_ID]["derniere_observation"] == "2022"
    assert record["jeux"]["urssaf-emploi"]["copies"] == ["vivante", "épinglée"]

    fiche = nbformat.read(fiche_path(PERIODE, 2, TERRITOIRE), as_version=4)
    text = "\n".join(
        o.get("data", {}).get("text/markdown", "") for c in fiche.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )
    assert "Couverture partielle : le fichier URSSAF disponible ne contient que" in text
    # the document's provenance lists the national file it read, as a living copy
    assert "etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-national.csv (copie vivante" in text
    assert "etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-last.csv" not in text
    # the indicators keep the fallback: this file does not cover France
    from analysis.indicateurs.build import source_emploi
    from analysis.indicateurs.emploi_communal import SOURCE_REPLI

    assert source_emploi(2, PERIODE) == SOURCE_REPLI
