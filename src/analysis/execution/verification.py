"""``observatoire verifier``: a published month rebuilt in a temporary folder and compared with it.

``verifier`` reruns the month with the parameters of its last run (``manifest.json``: phases,
territories, processes; always without the site, which is made from the notebooks) in a fresh
outputs folder (``OBSERVATOIRE_OUTPUTS``, a subprocess), then compares, in French:

* the data files read (sha256 and copy of each file of ``provenance.json``), and, for
  information (not counted as differences), the software environment (``environnement``:
  Python, platform, renderer, each distribution's version);
* every table (``.parquet``, ``.csv``) of the month's folder, value by value (the analysis tables
  of ``analyses/`` among them), and every stored analysis result of the memo cache
  (``.cache/analyses/*.pickle``: tables, series, dictionaries and lists of them, numbers);
* every executed notebook both runs made, output by output: text, HTML (table cells, SVG maps)
  and Markdown line by line, images by their bytes (the figures carry no date); the standard
  error (the log) is left out.

What legitimately differs between two runs is set aside before comparing: the run's date and
time and the as-of date (a current month's is the day of its run) in the provenance blocks, the
outputs folder's path, and (``VARIABLE``) the random identifier pandas gives each styled table
(``T_3f2a1``) and the memory addresses in objects' text (``at 0x7f…``). A published notebook
the rerun did not make (executed by an earlier, partial run of the month) is listed as not
verified. The derived tables' cache (``data/raw/derived``, keyed by the files' sha256) is shared
with the published run; the stored analyses (``.cache/analyses/``) are computed again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd

from analysis import config, mois
from analysis.execution.run import PeriodNotRunError, executed_notebooks
from analysis.verrou import period_lock

TABLES = (".parquet", ".csv", ".pickle")
SKIPPED = (mois.SITE, mois.DRAFT_SITE, mois.LOGS)  # rendered pages and logs, not results
MAX_VALEURS = 5  # differing values shown per table
RTOL = 1e-12  # two floats are equal within this relative tolerance (and NaN equals NaN)
VARIABLE = (  # what differs between two executions of the same code on the same data, and its stand-in
    (re.compile(r"\bT_[0-9a-f]{5}(?=[_\"\s])"), "T_styler"),  # pandas Styler's table id (uuid4)
    (re.compile(r" at 0x[0-9a-f]+>"), " at 0x…>"),  # an object's address in its repr
)


class RerunError(RuntimeError):
    """The rerun of the month failed (its log is kept)."""


@dataclasses.dataclass
class Rapport:
    """What ``verifier`` compared and found (French lines)."""

    periode: str
    differences: list[str]
    environnement: list[str]  # differences of the software environment, for information
    non_verifies: list[str]
    tables: int
    notebooks: int
    duree_s: float
    dossier: Path | None  # the rerun's folder when kept

    @property
    def identique(self) -> bool:
        return not self.differences


def rerun_command(periode: str, parametres: dict) -> list[str]:
    """The ``observatoire run`` command line of a month's last run (``parametres`` of its
    manifest), without the site."""
    command = [sys.executable, "-m", "analysis.cli", "run", "--periode", periode, "--sans-rendu",
               "--jobs", str(parametres.get("jobs", 2))]
    phases = parametres.get("phases", list(config.PHASES))
    if len(phases) == 1:
        command += ["--phase", str(phases[0])]
    territoires = parametres.get("territoires", "tous")
    if territoires != "tous":
        command += ["--territoires", ",".join(territoires)]
    return command


def _read_table(path: Path) -> object:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".pickle":  # written by this project's runs (``cache.stored``)
        return pickle.loads(path.read_bytes())
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _show(value: object) -> str:
    """A cell's value as the report writes it: numbers as Python writes them, text quoted."""
    value = value.item() if isinstance(value, np.generic) else value
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "vide"
    return repr(value) if isinstance(value, str) else str(value)


def compare_tables(name: str, publiee: pd.DataFrame, refaite: pd.DataFrame) -> list[str]:
    """French lines for each difference of two tables: columns, number of rows, then the
    differing values (at most ``MAX_VALEURS`` shown) with their row label and column."""
    if list(publiee.columns) != list(refaite.columns):
        return [f"{name} : colonnes différentes ({', '.join(map(str, publiee.columns))} publiées, "
                f"{', '.join(map(str, refaite.columns))} recalculées)"]
    if len(publiee) != len(refaite):
        return [f"{name} : {len(publiee)} lignes publiées, {len(refaite)} recalculées"]
    publiee, refaite = publiee.reset_index(drop=True), refaite.reset_index(drop=True)
    found = []
    for column in publiee.columns:
        a, b = publiee[column], refaite[column]
        if pd.api.types.is_float_dtype(a) and pd.api.types.is_float_dtype(b):
            x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
            same = np.isclose(x, y, rtol=RTOL, atol=0.0, equal_nan=True)
        else:
            same = ((a == b) | (a.isna() & b.isna())).to_numpy(dtype=bool)
        found += [(row, column) for row in np.flatnonzero(~same)]
    if not found:
        return []
    label = publiee.columns[0]
    lines = [f"{name} : {len(found)} valeur(s) différente(s) sur {publiee.size}"]
    for row, column in found[:MAX_VALEURS]:
        lines.append(f"  ligne {row} ({label} = {publiee.at[row, label]}), colonne {column} : "
                     f"{_show(publiee.at[row, column])} publiée, {_show(refaite.at[row, column])} recalculée")
    return lines


def compare_objects(name: str, publie: object, refait: object) -> list[str]:
    """French lines for each difference of two stored results: tables value by value
    (``compare_tables``), series as one-column tables, dictionaries key by key, lists and tuples
    item by item, dataclasses field by field, numbers within ``RTOL``, anything else by equality."""
    if isinstance(publie, pd.Series) and isinstance(refait, pd.Series):
        publie, refait = publie.to_frame().reset_index(), refait.to_frame().reset_index()
    if isinstance(publie, pd.DataFrame) and isinstance(refait, pd.DataFrame):
        return compare_tables(name, publie, refait)
    if dataclasses.is_dataclass(publie) and dataclasses.is_dataclass(refait) and type(publie) is type(refait):
        publie, refait = vars(publie), vars(refait)
    if isinstance(publie, dict) and isinstance(refait, dict):
        if list(publie) != list(refait):
            return [f"{name} : clés {sorted(map(str, publie))} publiées, {sorted(map(str, refait))} recalculées"]
        return [line for key in publie for line in compare_objects(f"{name}[{key!r}]", publie[key], refait[key])]
    if isinstance(publie, (list, tuple)) and isinstance(refait, (list, tuple)):
        if len(publie) != len(refait):
            return [f"{name} : {len(publie)} éléments publiés, {len(refait)} recalculés"]
        return [line for i, (x, y) in enumerate(zip(publie, refait)) for line in compare_objects(f"{name}[{i}]", x, y)]
    if isinstance(publie, (float, np.floating)) and isinstance(refait, (float, np.floating)):
        same = bool(np.isclose(publie, refait, rtol=RTOL, atol=0.0, equal_nan=True))
    else:
        try:
            same = bool(publie == refait)
        except (TypeError, ValueError):  # an object without a plain equality: compared by its text
            same = repr(publie) == repr(refait)
    return [] if same else [f"{name} : {_show(publie)} publié, {_show(refait)} recalculé"]


def _outputs(cell: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """The outputs of a code cell as (kind, content): standard output text, then each MIME type
    of a display or result (errors by their name and value). The standard error holds the log
    (what was built or found already, with durations), not results: it is left out."""
    out = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream" and output.name == "stderr":
            continue
        if output.output_type == "stream":
            out.append((f"texte ({output.name})", output.text))
        elif output.output_type == "error":
            out.append(("erreur", f"{output.ename}: {output.evalue}"))
        else:
            for mime, data in sorted(output.get("data", {}).items()):
                out.append((mime, data if isinstance(data, str) else json.dumps(data, sort_keys=True)))
    return out


def _stable(text: str) -> str:
    """``text`` with what varies from one execution to the next replaced (``VARIABLE``)."""
    for pattern, stand_in in VARIABLE:
        text = pattern.sub(stand_in, text)
    return text


def _first_difference(a: str, b: str) -> str:
    """The first differing line of two texts, both versions, shortened."""
    la, lb = a.splitlines(), b.splitlines()
    for i in range(max(len(la), len(lb))):
        x, y = (la[i] if i < len(la) else "(rien)"), (lb[i] if i < len(lb) else "(rien)")
        if x != y:
            return f"ligne {i + 1} : « {x.strip()[:160]} » publiée, « {y.strip()[:160]} » recalculée"
    return "même texte, fins de lignes différentes"


def compare_notebooks(name: str, publie: nbformat.NotebookNode, refait: nbformat.NotebookNode,
                      remplacements: dict[str, str]) -> list[str]:
    """French lines for each differing output of two executed notebooks, cell by cell. The
    ``remplacements`` (rerun's text -> published text: run date, folder) are applied to the
    rerun's outputs first."""
    a = [c for c in publie.cells if c.cell_type == "code"]
    b = [c for c in refait.cells if c.cell_type == "code"]
    if len(a) != len(b):
        return [f"{name} : {len(a)} cellules de code publiées, {len(b)} recalculées"]
    lines = []
    for index, (ca, cb) in enumerate(zip(a, b), start=1):
        oa, ob = _outputs(ca), _outputs(cb)
        for old, new in remplacements.items():
            ob = [(kind, content.replace(old, new)) for kind, content in ob]
        oa, ob = ([(kind, _stable(content)) for kind, content in outputs] for outputs in (oa, ob))
        if [k for k, _ in oa] != [k for k, _ in ob]:
            lines.append(f"{name}, cellule {index} : sorties {', '.join(k for k, _ in oa) or 'aucune'} publiées, "
                         f"{', '.join(k for k, _ in ob) or 'aucune'} recalculées")
            continue
        for (kind, x), (_, y) in zip(oa, ob):
            if x == y:
                continue
            what = "image différente (octets)" if kind.startswith("image/") and kind != "image/svg+xml" else _first_difference(x, y)
            lines.append(f"{name}, cellule {index} ({kind}) : {what}")
    return lines


def _run_date(record: dict) -> str:
    """The run's date as the provenance blocks write it (UTC)."""
    return f"{dt.datetime.fromisoformat(record['date_execution']):%d/%m/%Y à %H:%M}"


def _asof(record: dict) -> str:
    """The as-of date as the documents write it: a current month verified on a later day has a
    later one, with the same files (compared by their sha256)."""
    return f"{dt.date.fromisoformat(record['date_donnees']):%d/%m/%Y}"


def compare_fichiers(publiee: dict, refaite: dict) -> list[str]:
    """French lines: data files whose sha256 or copy differ, files read by one run only."""
    lines = []
    a = {f["id"]: f for f in publiee.get("fichiers", [])}
    b = {f["id"]: f for f in refaite.get("fichiers", [])}
    for file_id in sorted(a.keys() | b.keys()):
        if file_id not in b or file_id not in a:
            lines.append(f"fichier de données {file_id} : lu par le run {'publié' if file_id in a else 'recalculé'} seulement")
        elif (a[file_id]["sha256"], a[file_id]["copie"]) != (b[file_id]["sha256"], b[file_id]["copie"]):
            lines.append(f"fichier de données {file_id} : copie {a[file_id]['copie']} {a[file_id]['sha256'][:12]} publiée, "
                         f"copie {b[file_id]['copie']} {b[file_id]['sha256'][:12]} recalculée")
    return lines


def compare_environnement(publiee: dict, refaite: dict) -> list[str]:
    """French lines for the software environment's differences (Python, platform, renderer,
    distributions): what may explain a difference, not one of the results."""
    ea, eb = publiee.get("environnement"), refaite.get("environnement")
    if ea is None:
        return ["environnement logiciel non enregistré dans la provenance publiée (mois produit avant son enregistrement)"]
    lines = []
    for key in ("python", "plateforme"):
        if ea[key] != eb[key]:
            lines.append(f"environnement : {key} {ea[key]} publié, {eb[key]} recalculé")
    if ea["rendu"] != eb["rendu"]:
        lines.append(f"environnement : rendu {ea['rendu']} publié, {eb['rendu']} recalculé")
    da, db = ea["distributions"], eb["distributions"]
    for name in sorted(da.keys() | db.keys()):
        if da.get(name) != db.get(name):
            lines.append(f"environnement : {name} {da.get(name, 'absent')} publié, {db.get(name, 'absent')} recalculé")
    return lines


def _relative_files(folder: Path, suffixes: tuple[str, ...]) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*") if p.suffix in suffixes and p.is_file()
            and p.relative_to(folder).parts[0] not in SKIPPED and not p.name.startswith(".")}


def compare_dossiers(publie: Path, refait: Path) -> tuple[list[str], list[str], list[str], int, int]:
    """Compare a month's folder with its rerun: (differences, environment's differences,
    published files not verified, number of tables compared, number of notebooks compared)."""
    rec_a = json.loads((publie / mois.PROVENANCE).read_text(encoding="utf-8"))
    rec_b = json.loads((refait / mois.PROVENANCE).read_text(encoding="utf-8"))
    differences = compare_fichiers(rec_a, rec_b)
    non_verifies = []
    tables_a, tables_b = _relative_files(publie, TABLES), _relative_files(refait, TABLES)
    for rel in sorted(tables_a - tables_b):
        non_verifies.append(f"{rel} (tableau non recalculé)")
    for rel in sorted(tables_b - tables_a):
        differences.append(f"{rel} : tableau recalculé absent du mois publié")
    tables = sorted(tables_a & tables_b)
    for rel in tables:
        differences += compare_objects(str(rel), _read_table(publie / rel), _read_table(refait / rel))
    remplacements = {_run_date(rec_b): _run_date(rec_a), _asof(rec_b): _asof(rec_a),
                     str(refait.resolve()): str(publie.resolve()), str(refait): str(publie)}
    notebooks_a = {p.relative_to(publie) for p in executed_notebooks(publie)}
    notebooks_b = {p.relative_to(refait) for p in executed_notebooks(refait)}
    non_verifies += [f"{rel} (exécuté par un run antérieur du mois)" for rel in sorted(notebooks_a - notebooks_b)]
    differences += [f"{rel} : notebook recalculé absent du mois publié" for rel in sorted(notebooks_b - notebooks_a)]
    notebooks = sorted(notebooks_a & notebooks_b)
    for rel in notebooks:
        differences += compare_notebooks(str(rel), nbformat.read(publie / rel, as_version=4),
                                         nbformat.read(refait / rel, as_version=4), remplacements)
    return differences, compare_environnement(rec_a, rec_b), non_verifies, len(tables), len(notebooks)


def verifier(periode: str, *, garder: bool = False) -> Rapport:
    """Rerun a published month in a temporary folder and compare it with the published one (see
    the module docstring). A month without an executed notebook and manifest raises
    ``PeriodNotRunError``; a rerun that fails raises ``RerunError`` naming its log."""
    publie, manifest = mois.periode_dir(periode), mois.manifest_file(periode)
    if not executed_notebooks(publie) or not manifest.exists():
        raise PeriodNotRunError(
            f"la période {periode} n'a pas de run publié à vérifier (ni notebook exécuté ni manifest.json) : "
            f"lancez d'abord « observatoire run --periode {periode} »"
        )
    parametres = json.loads(manifest.read_text(encoding="utf-8"))["parametres"]
    start = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix=f"verifier-{periode}-"))
    try:
        env = {**os.environ, "OBSERVATOIRE_OUTPUTS": str(folder)}
        done = subprocess.run(rerun_command(periode, parametres), env=env, cwd=config.ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            log = folder / "verifier-run.log"
            log.write_text(done.stdout + done.stderr, encoding="utf-8")
            garder = True
            raise RerunError(f"le run recalculé de {periode} a échoué (code {done.returncode}) : journal {log}")
        with period_lock(periode, "vérification"):
            differences, environnement, non_verifies, tables, notebooks = compare_dossiers(publie, folder / periode)
    finally:
        if not garder:
            shutil.rmtree(folder, ignore_errors=True)
    return Rapport(periode=periode, differences=differences, environnement=environnement, non_verifies=non_verifies, tables=tables,
                   notebooks=notebooks, duree_s=time.perf_counter() - start, dossier=folder if garder else None)
