"""The month's analysis results as tables a researcher can open: the headline impact estimate
and its robustness lines, the event studies, the group-time ATTs, the sensitivity tables
(subgroups, Rambachan-Roth, linear pre-trend), the typology of every territory and the
synthetic controls of the monographs, written by the monthly run as parquet and CSV under
``outputs/<periode>/analyses/`` with ``provenance.json`` (period, code version, the sha256 of
every data file they were computed from, and for each table its columns, rows and files).

``tables`` gathers them from the functions the synthesis calls, under the synthesis' own
conditions (the 2019 cohort estimable, both cohorts estimable): those functions are stored in
the month's memo cache (``cache.stored``), so after the synthesis has run, writing the tables
reads them back and computes nothing again. ``ecrire`` writes the whole folder or nothing: a
staging folder swapped into place (``fichiers.replace_folder``).

The table builders (``estimations``, ``etudes_evenement``...) are pure: results in, tables out.
CSV files are UTF-8, comma-separated, with a header; codes (id_ti, siren_epci, département)
are strings in the parquet files and written unquoted in the CSV files (read them with
``dtype=str`` for those columns to keep their leading zeros).
"""

from __future__ import annotations

import json
import numbers
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import mois
from analysis.analyses import cohortes, evaluation, impact, profils
from analysis.analyses.monographies import MONOGRAPHIE_PHASE, monographies
from analysis.analyses.typologie import TypologyResult
from analysis.donnees import provenance, sources
from analysis.fichiers import file_sha256, recover_swap, replace_folder, write_atomic

FORMATS = ("parquet", "csv")

# What each table holds, in French (written in provenance.json and the README).
DESCRIPTIONS = {
    "estimations": "estimation principale (ligne « principale ») et lignes de robustesse, en log de l'emploi salarié privé",
    "etudes_evenement": "études d'événement : écart estimé par année relative à l'entrée (référence -1 à 0), par ligne d'estimation",
    "att_groupe_temps": "ATT par cohorte et par année (Callaway et Sant'Anna), témoins jamais traités et pas encore traités",
    "sensibilite_sous_groupes": "estimation de la cohorte 2019 selon le seuil de couverture, les années, la pondération, le profil et la région",
    "sensibilite_rambachan_roth": "bornes de Rambachan et Roth de l'écart de la cohorte 2019 (sur la grille de M et par année) et "
                                  "de toutes les cohortes par année relative (cohorte vide, sur la grille de M)",
    "sensibilite_tendance_lineaire": "écarts de la cohorte 2019 et de toutes les cohortes (cohorte vide) corrigés d'une tendance "
                                     "linéaire prolongée d'avant l'entrée",
    "typologie": "profil de chaque territoire d'industrie des deux phases",
    "typologie_profils": "profils de chaque phase : nombre de territoires et moyenne de chaque indicateur",
    "controles_synthetiques": "contrôle synthétique de chaque territoire de monographie : ajustement, écart, rang placebo",
    "controles_synthetiques_trajectoires": "trajectoire de chaque territoire de monographie et de son contrôle synthétique (indice base 100)",
}


# ----------------------------------------------------------------------------- tables


def _ahead(table: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``table`` with ``columns`` first, the others after in their order."""
    return table[[*columns, *(c for c in table.columns if c not in columns)]]


def estimations(est: evaluation.Estimations, contexte: pd.DataFrame | None) -> pd.DataFrame:
    """The headline and its robustness lines (``evaluation.lignes_principales``), the context
    lines when given (``evaluation.lignes_contexte``) and the two placebos: ligne and the
    ``impact.SUMMARY`` columns (placebos: treated and control counts not recorded, empty)."""
    placebos = [
        impact.summary_row(tidy, f"placebo : faux départ en {evaluation.PLACEBO_DEBUT}, {label}", pd.NA, pd.NA).assign(ligne=key)
        for key, label, tidy in (
            (f"placebo_{evaluation.PLACEBO_DEBUT}_pondere", "pondéré", est.placebo),
            (f"placebo_{evaluation.PLACEBO_DEBUT}_non_pondere", "non pondéré", est.placebo_non_pondere),
        )
    ]
    rows = [evaluation.lignes_principales(est), *([contexte] if contexte is not None else []), *placebos]
    return pd.concat(rows, ignore_index=True)[["ligne", *impact.SUMMARY]]


def _cohortes(est: evaluation.Estimations) -> dict[str, cohortes.CohortResult]:
    """The cohort estimates of the synthesis by the key of their line in ``estimations``."""
    return {evaluation.PRINCIPALE: est.cohortes, "cs_pas_encore": est.cohortes_pas_encore}


def _modeles(est: evaluation.Estimations) -> dict[str, impact.DidResult]:
    """The TWFE estimates of the synthesis by the key of their line in ``estimations``."""
    did = {"twfe_pondere": est.principal, "twfe_non_pondere": est.non_pondere, "pas_encore": est.pas_encore,
           "phase2": est.phase2, "phase2_non_pondere": est.phase2_non_pondere}
    return {k: v for k, v in did.items() if v is not None}


def etudes_evenement(est: evaluation.Estimations) -> pd.DataFrame:
    """Every event study of the synthesis, one row per line x year relative to entry: ligne
    (``estimations``' key: principale and cs_pas_encore for the cohort estimator, all cohorts;
    twfe_* for the TWFE of one cohort), cohort (empty: all cohorts), rel_year, year (empty: all
    cohorts), estimate, std_error, ci_low, ci_high, p_value (the reference year -1 at 0)."""
    columns = ["ligne", "cohort", "rel_year", "year", "estimate", "std_error", "ci_low", "ci_high", "p_value"]
    rows = [r.by_event.assign(ligne=k, cohort=pd.NA, year=pd.NA) for k, r in _cohortes(est).items()]
    rows += [r.event_study.assign(ligne=k, cohort=r.cohort) for k, r in _modeles(est).items()]
    out = pd.concat([r[columns] for r in rows], ignore_index=True)
    return out.astype({"cohort": "Int64", "rel_year": "Int64", "year": "Int64"})


def att_groupe_temps(est: evaluation.Estimations) -> pd.DataFrame:
    """The group-time ATTs of the cohort estimator: ligne (principale: never-treated controls,
    cs_pas_encore: never- and not-yet-treated), then ``cohortes.COLUMNS``."""
    return _ahead(pd.concat([r.group_time.assign(ligne=k) for k, r in _cohortes(est).items()], ignore_index=True), "ligne")


def rambachan_roth(*sts: evaluation.SensibiliteTendances) -> pd.DataFrame:
    """The Rambachan-Roth bounds of each event study: vue (grille: the mean post-entry gap over each
    method's grid of M; par_annee: each post-entry year at ``evaluation.M_ANNEE``), cohort (empty:
    every cohort together), the ``tendances.BORNES`` columns and rupture (the method's breakdown
    value of M, empty above the grid)."""
    parts = []
    for st in sts:
        out = pd.concat([t for t in (st.bornes.assign(vue="grille"), st.par_annee.assign(vue="par_annee")) if len(t)], ignore_index=True)
        parts.append(out.assign(cohort=pd.array([st.cohorte] * len(out), dtype="Int64"),
                                rupture=out["methode"].map(st.ruptures).astype("float64")))
    return _ahead(pd.concat(parts, ignore_index=True), "vue", "cohort")


def tendance_lineaire(*sts: evaluation.SensibiliteTendances) -> pd.DataFrame:
    """``tendances.tendance_lineaire`` of each event study with cohort (empty: every cohort
    together) and pente (the pre-entry slope, log points a year) on every row."""
    return _ahead(pd.concat([st.lineaire.assign(cohort=pd.array([st.cohorte] * len(st.lineaire), dtype="Int64"), pente=st.pente)
                             for st in sts], ignore_index=True), "cohort")


def tables_typologie(typologies: dict[int, TypologyResult]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The typology of each phase: one row per territory (phase, ``profils.membres_profils``) and
    one row per profile (phase, ``profils.profils``)."""
    membres = pd.concat([profils.membres_profils(t, p).assign(phase=p) for p, t in typologies.items()], ignore_index=True)
    moyennes = pd.concat([profils.profils(t).assign(phase=p) for p, t in typologies.items()], ignore_index=True)
    return _ahead(membres, "phase"), _ahead(moyennes, "phase")


def controles_synthetiques(periode: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The synthetic control of each monograph territory (``evaluation.controles_monographies``)
    and its path: id_ti, cohort, year, traite, synthetique, ecart (index points, base 100 the year before entry)."""
    paths = []
    for id_ti in monographies(periode)["id_ti"]:
        sc = evaluation.controle_synthetique_territoire(periode, MONOGRAPHIE_PHASE, id_ti)
        if sc is not None:
            paths.append(sc.resultat.path.assign(id_ti=id_ti, cohort=sc.cohort))
    trajectoires = pd.concat(paths, ignore_index=True) if paths else pd.DataFrame(columns=["id_ti", "cohort", "year"])
    return evaluation.controles_monographies(periode), _ahead(trajectoires, "id_ti", "cohort")


def tables(periode: str) -> dict[str, pd.DataFrame]:
    """Every table of the month (``DESCRIPTIONS``' names), from the functions the synthesis calls
    and under its conditions: the typology always; the estimates, event studies, group-time
    ATTs, subgroups and synthetic controls once the 2019 cohort is estimable; the context lines
    and Rambachan-Roth once both cohorts are."""
    membres, moyennes = tables_typologie({phase: profils.typologie_du_mois(phase, periode) for phase in (1, 2)})
    out = {"typologie": membres, "typologie_profils": moyennes}
    ev = evaluation.evaluation_du_mois(periode)  # which designs the month allows, as the synthesis asks
    if not ev.evaluable:
        return out
    est, deux_cohortes = ev.estimations, ev.deux_cohortes
    out |= {
        "estimations": estimations(est, evaluation.lignes_contexte(periode) if deux_cohortes else None),  # stored: read back
        "etudes_evenement": etudes_evenement(est),
        "att_groupe_temps": att_groupe_temps(est),
        "sensibilite_sous_groupes": evaluation.sensibilite(periode),
    }
    if deux_cohortes:
        st = (evaluation.sensibilite_tendances(periode), evaluation.sensibilite_tendances(periode, None))
        out |= {"sensibilite_rambachan_roth": rambachan_roth(*st), "sensibilite_tendance_lineaire": tendance_lineaire(*st)}
    out["controles_synthetiques"], out["controles_synthetiques_trajectoires"] = controles_synthetiques(periode)
    return {name: out[name] for name in DESCRIPTIONS if name in out}


# ----------------------------------------------------------------------------- files


def _numbers(table: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding only numbers and missing values (counts set to NA on some rows) as
    numbers: nullable integers when every value is whole, else floats."""
    out = table.reset_index(drop=True)
    for column in out.columns[out.dtypes == object]:
        values = out[column].dropna()
        if len(values) and values.map(lambda v: isinstance(v, numbers.Number) and not isinstance(v, (bool, np.bool_))).all():
            numeric = pd.to_numeric(out[column].astype("Float64"))
            whole = numeric.dropna().eq(numeric.dropna().round()).all()
            out[column] = numeric.astype("Int64") if whole else numeric.astype("float64")
    return out


def ecrire(periode: str, resultats: dict[str, pd.DataFrame], fichiers: list[str]) -> Path:
    """Write ``resultats`` (name -> table) to ``outputs/<periode>/analyses/`` as ``<name>.parquet``
    and ``<name>.csv``, with ``provenance.json``: the period, the as-of date, the run's date and
    code version and, from the run's record (``donnees.provenance``), the entries (sha256, copy,
    latest period) of the data files ``fichiers`` the tables were computed from; for each table
    its description, columns, rows and files with their sha256. The folder is replaced whole
    (staged beside it, then swapped in): a reader never sees half of it; what a killed writer
    left beside it is removed first. Returns the folder."""
    folder = mois.analyses_dir(periode)
    record = provenance.read(periode)
    by_id = {f["id"]: f for f in record["fichiers"]}
    missing = sorted(set(fichiers) - by_id.keys())
    if missing:
        raise ValueError(f"fichiers lus absents de la provenance de la période {periode} : {missing}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    recover_swap(folder)  # left by a killed writer (the run holds the month's lock), then its stagings
    for debris in folder.parent.glob(f".{folder.name}.*"):
        shutil.rmtree(debris, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.{os.getpid()}.", dir=folder.parent))
    try:
        described = {}
        for name, table in resultats.items():
            table = _numbers(table)
            paths = {
                "parquet": write_atomic(staging / f"{name}.parquet", lambda tmp: table.to_parquet(tmp, index=False)),
                "csv": write_atomic(staging / f"{name}.csv", lambda tmp: table.to_csv(tmp, index=False, encoding="utf-8")),
            }
            described[name] = {
                "description": DESCRIPTIONS[name],
                "lignes": len(table),
                "colonnes": [str(c) for c in table.columns],
                "fichiers": {fmt: {"fichier": p.name, "sha256": file_sha256(p)} for fmt, p in paths.items()},
            }
        text = json.dumps({
            "periode": periode,
            "date_donnees": record["date_donnees"],
            "date_execution": record["date_execution"],
            "version_code": record["version_code"],
            "fichiers": [by_id[i] for i in sorted(fichiers)],
            "tables": described,
        }, ensure_ascii=False, indent=2)
        write_atomic(staging / mois.PROVENANCE, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        os.chmod(staging, 0o755)
        replace_folder(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def publier(periode: str) -> Path:
    """Compute (or read back from the memo cache) the month's tables and write them (``ecrire``)
    with the data files they were computed from (``sources.capture``)."""
    with sources.capture() as ids:
        resultats = tables(periode)
    return ecrire(periode, resultats, sorted(ids))
