"""Provenance of a period's outputs: data files (sha256), parameters, period, code version, date.

The run writes ``outputs/<periode>/provenance.json`` once, before executing any notebook;
every document shows it with ``bloc_markdown`` so that readers know exactly what was used.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path

from analysis import config
from analysis.donnees import sources
from analysis.texte import nombre

FILE_NAME = "provenance.json"


def collect(periode: str, parameters: dict, code_version: str, file_ids: list[str] | None = None) -> dict:
    """Everything a reader needs to reproduce the period's outputs."""
    return {
        "periode": periode,
        "date_donnees": sources.asof_date(periode).isoformat(),
        "date_execution": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "version_code": code_version,
        "parametres": parameters,
        "fichiers": sources.provenance(file_ids or [i for i, s in sources.sources().items() if not s.living or sources.available(i)]),
    }


def write(periode: str, record: dict) -> Path:
    """Write the record (temporary file + rename)."""
    path = config.periode_dir(periode) / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{FILE_NAME}.", suffix=".part")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(record, fh, ensure_ascii=False, indent=2)
    os.replace(tmp, path)
    return path


def read(periode: str) -> dict:
    return json.loads((config.periode_dir(periode) / FILE_NAME).read_text(encoding="utf-8"))


def bloc_markdown(periode: str, datasets: list[str] | None = None) -> str:
    """The French "Provenance" block of a document (restricted to some datasets if given)."""
    record = read(periode)
    files = [f for f in record["fichiers"] if datasets is None or f["file"].split("/")[0] in datasets]
    lines = [
        "## Provenance {.unnumbered}",
        "",
        f"- Période : **{record['periode']}** (données publiées au {dt.date.fromisoformat(record['date_donnees']):%d/%m/%Y})",
        f"- Exécution : {record['date_execution'].replace('T', ' ').replace('+00:00', ' UTC')}",
        f"- Version du code : `{record['version_code']}`",
        f"- Paramètres : {', '.join(f'{k} = {v}' for k, v in record['parametres'].items()) or 'aucun'}",
        f"- Fichiers de données ({nombre(len(files))}) :",
        "",
        "| Fichier | Éditeur | Licence | sha256 |",
        "|---|---|---|---|",
    ]
    lines += [f"| {f['file']} | {f['publisher']} | {f['licence']} | `{f['sha256'][:16]}…` |" for f in files]
    return "\n".join(lines)
