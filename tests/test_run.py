"""The monthly run end to end on one territory: two periods, isolation, rerun, bad input."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import config
from analysis.cli import main
from analysis.donnees import provenance, referentiel
from analysis.execution import pipeline
from analysis.execution.run import run_periode

TERRITOIRE = "ti-2405"


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_two_periods_are_isolated_and_a_rerun_executes_nothing(outputs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = run_periode("2023-05", phases=(2,), territoires=[TERRITOIRE], jobs_n=1, render=False, progress=False)
    assert [r.status for r in first.results] == ["executed"]
    before = _snapshot(outputs / "2023-05")

    second = run_periode("2024-07", phases=(2,), territoires=[TERRITOIRE], jobs_n=1, render=False, progress=False)
    assert [r.status for r in second.results] == ["executed"]
    assert _snapshot(outputs / "2023-05") == before  # another period's files are untouched

    again = run_periode("2024-07", phases=(2,), territoires=[TERRITOIRE], jobs_n=1, render=False, progress=False)
    assert [r.status for r in again.results] == ["up-to-date"]
    # a new commit that leaves the analysis sources alone (documentation) executes nothing again,
    # and the provenance records the new version
    monkeypatch.setattr(provenance, "code_version", lambda: "0000000-dirty+src.000000000000")
    later = run_periode("2024-07", phases=(2,), territoires=[TERRITOIRE], jobs_n=1, render=False, progress=False)
    assert [r.status for r in later.results] == ["up-to-date"]
    assert provenance.read("2024-07")["version_code"] == "0000000-dirty+src.000000000000"

    # "as known at the end of the month": URSSAF year Y is published six months after its end,
    # so May 2023 knows 2021 (2022 comes in June 2023) and July 2024 knows 2023
    from analysis.indicateurs.build import read_indicators

    years = {p: set(read_indicators(2, p).query("indicator == 'emploi_prive'")["observation"]) for p in ("2023-05", "2024-07")}
    assert max(years["2023-05"]) == "2021" and max(years["2024-07"]) == "2023"
    manifest = (outputs / "2024-07" / "manifest.json").read_text(encoding="utf-8")
    assert '"up-to-date": 1' in manifest and "sha256" in manifest

    # a second partial run of the month keeps the first one's notebooks in the manifest
    other = run_periode("2024-07", phases=(2,), territoires=["ti-8417"], jobs_n=1, render=False, progress=False)
    assert [r.status for r in other.results] == ["executed"]
    jobs = json.loads((outputs / "2024-07" / "manifest.json").read_text(encoding="utf-8"))["jobs"]
    assert sorted(j["label"] for j in jobs) == ["phase 2 ti-2405", "phase 2 ti-8417"]
    assert {j["label"]: j["status"] for j in jobs} == {"phase 2 ti-2405": "up-to-date", "phase 2 ti-8417": "executed"}


def test_an_unknown_territory_lists_the_closest_ids(outputs: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["run", "--periode", "2024-07", "--phase", "2", "--territoires", "ti-2499", "--sans-rendu"])
    assert code == 2
    err = capsys.readouterr().err
    assert "ti-2499" in err and "ti-2409" in err
    assert not outputs.exists()  # nothing was written
    assert referentiel.closest_ids("Dreux", dict(zip(*referentiel.territoires(2)[["id_ti", "lib_ti"]].T.values)))[0] == "ti-2409"


def test_a_damaged_data_file_stops_the_run_before_anything_is_computed(
    outputs: Path, tmp_path: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analysis.donnees import sources

    damaged = tmp_path / "mirror"
    for src in sources.sources().values():
        if src.living:
            continue
        target = damaged / src.file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(mirror / src.file)
    victim = damaged / "chomage" / "chomage-zone-t1-2003-t2-2022.xlsx"
    data = bytearray(victim.read_bytes())
    data[500] ^= 0xFF
    victim.unlink()
    victim.write_bytes(bytes(data))
    monkeypatch.setenv(config.MIRROR_ENV, str(damaged))
    monkeypatch.setenv(config.CACHE_ENV, str(tmp_path / "cache"))
    with pytest.raises(sources.SourceError, match="chomage-zone-t1-2003-t2-2022.xlsx"):
        run_periode("2024-07", phases=(2,), territoires=[TERRITOIRE], jobs_n=1, render=False, progress=False)
    assert not (outputs / "2024-07" / "indicateurs").exists()
    assert not (outputs / "2024-07" / "fiches").exists()


def test_a_second_run_of_the_same_period_stops_at_once(outputs: Path, capsys: pytest.CaptureFixture) -> None:
    import fcntl

    folder = outputs / "2024-07"
    folder.mkdir(parents=True)
    with open(folder / ".run.lock", "w", encoding="utf-8") as held:  # a run in progress
        held.write("pid 4242, lancé le 26/11/2026 à 09:00:00")
        held.flush()
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        code = main(["run", "--periode", "2024-07", "--phase", "2", "--territoires", TERRITOIRE, "--sans-rendu"])
        assert code == 2
        err = capsys.readouterr().err
        assert "la période 2024-07 est en cours d'écriture par un autre processus (pid 4242" in err
        assert not (folder / "fiches").exists() and not (folder / "indicateurs").exists()
        # another period is not held
        assert main(["run", "--periode", "2023-05", "--phase", "2", "--territoires", TERRITOIRE, "--sans-rendu"]) == 0
    # the lock goes with the process that held it: the next run proceeds
    assert main(["run", "--periode", "2024-07", "--phase", "2", "--territoires", TERRITOIRE, "--sans-rendu"]) == 0
    assert (folder / "fiches" / "phase2" / f"{TERRITOIRE}.ipynb").exists()


def test_relative_folders_are_made_absolute_for_the_notebooks(tmp_path: Path, mirror: Path) -> None:
    """OBSERVATOIRE_OUTPUTS, _CACHE and _MIRROR relative to where the command is typed: the
    notebooks, which run from their fiche's folder, read the run's tables, not a nested copy."""
    cache = config.cache_dir().absolute()  # the worktree's cache, already filled: nothing to rebuild
    env = {**os.environ, "OBSERVATOIRE_OUTPUTS": "sorties", "OBSERVATOIRE_CACHE": os.path.relpath(cache, tmp_path),
           "OBSERVATOIRE_MIRROR": os.path.relpath(mirror, tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "analysis.cli", "run", "--periode", "2024-07", "--phase", "2", "--territoires", TERRITOIRE,
         "--sans-rendu", "--jobs", "1"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    fiche = tmp_path / "sorties" / "2024-07" / "fiches" / "phase2" / f"{TERRITOIRE}.ipynb"
    assert pipeline.stamp_path(fiche).exists()
    # one folder of outputs and one of indicator tables: the run's, none rebuilt beside the fiche
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("sorties")] == ["sorties"]
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("indicateurs")] == ["sorties/2024-07/indicateurs"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sorties"]  # nor a cache or mirror copy where it was typed
