"""The one atomic write: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from analysis.fichiers import remove_orphan_temporaries, write_atomic


def test_a_written_file_replaces_the_old_one_readable_by_all(tmp_path: Path) -> None:
    target = tmp_path / "sous-dossier" / "table.json"
    assert write_atomic(target, lambda tmp: tmp.write_text("{}", encoding="utf-8")) == target
    write_atomic(target, lambda tmp: tmp.write_text('{"n": 2}', encoding="utf-8"))
    assert target.read_text(encoding="utf-8") == '{"n": 2}'
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["table.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "table.json"
    target.write_text("ancien", encoding="utf-8")

    def half(tmp: Path) -> None:
        tmp.write_text("nouv", encoding="utf-8")
        raise OSError("disque plein")

    with pytest.raises(OSError, match="disque plein"):
        write_atomic(target, half)
    assert target.read_text(encoding="utf-8") == "ancien"
    assert [p.name for p in tmp_path.iterdir()] == ["table.json"]


def test_a_temporary_file_names_its_writer_and_is_kept_while_it_writes(tmp_path: Path) -> None:
    """What makes the temporary file of a killed process recognisable, and that of a concurrent writer safe."""
    seen: list[str] = []

    def write(tmp: Path) -> None:
        tmp.write_text("{", encoding="utf-8")
        seen.append(tmp.name)
        assert remove_orphan_temporaries(tmp_path) == []  # its writer is running
        tmp.write_text("{}", encoding="utf-8")

    write_atomic(tmp_path / "table.json", write)
    assert seen[0].startswith(f".table.json.{os.getpid()}.") and seen[0].endswith(".tmp.json")
    assert [p.name for p in tmp_path.iterdir()] == ["table.json"]
