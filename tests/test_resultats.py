"""The month's analysis tables a researcher opens (``outputs/<periode>/analyses/``): the numbers
of the synthesis, the same rows in parquet and CSV, their provenance, written whole or not at
all, by the run once the synthesis has run (simulated panel and typology: seconds)."""

from __future__ import annotations

import json
import logging

import pandas as pd
import pytest

from analysis import mois
from analysis.analyses import cohortes, evaluation, profils, resultats, tendances
from analysis.analyses import typologie as typology
from analysis.donnees import provenance, referentiel
from analysis.execution import pipeline, run
from analysis.fichiers import file_sha256
from analysis.publications import evaluation_robustesse as tr
from test_evaluation_principale import est, panel  # noqa: F401 - the simulated designs of the synthesis
from test_typology import simulate as simulate_profiles

PERIODE = "2026-11"
RECORD = {  # the run's provenance record, as ``provenance.collect`` writes it (the fields the tables' provenance reads)
    "periode": PERIODE, "date_donnees": "2026-11-30", "date_execution": "2026-12-07T10:00:00+00:00",
    "version_code": "abc1234+src.0123456789ab",
    "fichiers": [{"id": "urssaf-emploi-epci", "file": "emploi.csv", "sha256": "1" * 64, "copie": "épinglée"},
                 {"id": "cog-2025-communes", "file": "communes.csv", "sha256": "2" * 64, "copie": "épinglée"}],
}


@pytest.fixture(scope="module")
def st(panel) -> evaluation.SensibiliteTendances:  # noqa: F811
    """Rambachan-Roth on the simulated panel, on short grids (fast)."""
    es = tendances.from_cohort(*cohortes.cohort_event_study(panel, 2019))
    grids = {"relative_magnitude": (0.0, 0.5, 1.0), "smoothness": (0.0, 0.0005)}
    bornes = pd.concat([tendances.bornes(es, m, grids[m]) for m in grids], ignore_index=True)
    par_annee = pd.concat([tendances.bornes(es, m, (evaluation.M_ANNEE[m],), cible=k) for m in grids for k in es.post_years[:2]],
                          ignore_index=True)
    ruptures = {m: tendances.point_de_rupture(es, m, grille=grids[m], iterations=3) for m in grids}
    lineaire, pente = tendances.tendance_lineaire(es)
    return evaluation.SensibiliteTendances(2019, es, bornes, par_annee, ruptures, lineaire, pente)


@pytest.fixture(scope="module")
def typologies() -> dict[int, typology.TypologyResult]:
    """A typology of real phase-1 territory ids (names and régions from the referential)."""
    data, _ = simulate_profiles()
    ids = referentiel.territoires(1)["id_ti"].head(len(data)).tolist()
    return {1: typology.cluster_territories(data.set_axis(pd.Index(ids, name="id_ti")), ks=(3, 4, 5), n_boot=3)}


@pytest.fixture
def tables(est, st, typologies) -> dict[str, pd.DataFrame]:  # noqa: F811
    membres, moyennes = resultats.tables_typologie(typologies)
    return {"estimations": resultats.estimations(est, None), "etudes_evenement": resultats.etudes_evenement(est),
            "att_groupe_temps": resultats.att_groupe_temps(est), "sensibilite_rambachan_roth": resultats.rambachan_roth(st),
            "sensibilite_tendance_lineaire": resultats.tendance_lineaire(st), "typologie": membres, "typologie_profils": moyennes}


@pytest.fixture
def month(outputs):
    provenance.write(PERIODE, RECORD)
    return outputs / PERIODE


def _read_csv(path, like: pd.DataFrame) -> pd.DataFrame:
    """A CSV table read as the README says, with the parquet table's column types."""
    return pd.read_csv(path, dtype={c: t for c, t in like.dtypes.items() if t == object or str(t) in ("Int64", "boolean")})


def test_the_headline_in_the_table_is_the_one_the_synthesis_prints(est, tables, month):  # noqa: F811
    resultats.ecrire(PERIODE, tables, ["urssaf-emploi-epci"])
    lignes = pd.read_parquet(month / "analyses" / "estimations.parquet").set_index("ligne")
    head = lignes.loc[evaluation.PRINCIPALE]
    assert head["estimate"] == est.cohortes.overall.iloc[0]["estimate"] and head["n_treated"] == 150
    assert f"évolué de {tr._ecart(head['estimate'])}" in tr.texte_principal(evaluation.lignes_principales(est))
    assert list(lignes.index) == [evaluation.PRINCIPALE, "twfe_pondere", "twfe_non_pondere", "pas_encore", "cs_pas_encore",
                                  "regroupe", "cohorte_2019", "cohorte_2023", "phase2", "placebo_2016_pondere",
                                  "placebo_2016_non_pondere"]
    assert lignes.loc["twfe_pondere", "estimate"] == est.principal.estimate["estimate"]
    assert lignes.loc["placebo_2016_pondere", "estimate"] == est.placebo.iloc[0]["estimate"]
    assert lignes["n_obs"].dtype == "Int64" and pd.isna(lignes.loc["cohorte_2019", "n_obs"])  # counts stay counts


def test_event_studies_and_group_time_atts_hold_every_design(est, tables):  # noqa: F811
    es = tables["etudes_evenement"]
    assert es.groupby("ligne").size().to_dict() == {
        evaluation.PRINCIPALE: len(est.cohortes.by_event), "cs_pas_encore": len(est.cohortes_pas_encore.by_event),
        "twfe_pondere": len(est.principal.event_study), "twfe_non_pondere": len(est.non_pondere.event_study),
        "pas_encore": len(est.pas_encore.event_study), "phase2": len(est.phase2.event_study),
        "phase2_non_pondere": len(est.phase2_non_pondere.event_study)}
    assert es.loc[es["rel_year"] == -1, "estimate"].eq(0).all()  # the reference year of each
    twfe = es[es["ligne"] == "twfe_pondere"].set_index("year")["estimate"]
    assert twfe.to_dict() == est.principal.event_study.set_index("year")["estimate"].to_dict()
    gt = tables["att_groupe_temps"]
    assert list(gt.columns) == ["ligne", *cohortes.COLUMNS]
    pd.testing.assert_frame_equal(gt[gt["ligne"] == evaluation.PRINCIPALE].drop(columns="ligne").reset_index(drop=True),
                                  est.cohortes.group_time.reset_index(drop=True))


def test_csv_and_parquet_hold_the_same_rows_with_their_provenance(tables, month):
    folder = resultats.ecrire(PERIODE, tables, ["urssaf-emploi-epci"])
    assert folder == month / "analyses"
    assert sorted(p.name for p in folder.iterdir()) == sorted([mois.PROVENANCE, *(f"{n}.{f}" for n in tables for f in resultats.FORMATS)])
    record = json.loads((folder / mois.PROVENANCE).read_text(encoding="utf-8"))
    assert (record["periode"], record["version_code"]) == (PERIODE, RECORD["version_code"])
    assert record["fichiers"] == [RECORD["fichiers"][0]]  # the entry of the run's record, sha256 included
    for name, table in tables.items():
        parquet = pd.read_parquet(folder / f"{name}.parquet")
        csv = _read_csv(folder / f"{name}.csv", parquet)
        pd.testing.assert_frame_equal(csv, parquet, check_dtype=False, check_exact=True)
        assert len(parquet) == len(table) > 0
        described = record["tables"][name]
        assert (described["lignes"], described["colonnes"]) == (len(table), list(parquet.columns))
        assert described["fichiers"]["csv"]["sha256"] == file_sha256(folder / f"{name}.csv")
    typo = pd.read_parquet(folder / "typologie.parquet")
    assert list(typo.columns[:3]) == ["phase", "id_ti", "lib_ti"] and typo["id_ti"].str.startswith("ti-").all()
    assert typo["profil"].notna().all() and len(typo) == 120
    text = (folder / "typologie.csv").read_text(encoding="utf-8")
    assert text.startswith("phase,id_ti,lib_ti,lib_region,cluster,profil,distance_centre\n") and ";" not in text.splitlines()[0]


def test_the_folder_is_replaced_whole_or_left_as_it_was(tables, month):
    for debris in (".analyses.4242.x1y2z3", ".analyses.old"):  # what a writer killed before the swap left
        (month / debris).mkdir(parents=True)
        (month / debris / "estimations.csv").write_text("ligne\n", encoding="utf-8")
    folder = resultats.ecrire(PERIODE, tables, [])
    assert sorted(p.name for p in month.iterdir()) == ["analyses", "provenance.json"]
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    broken = {"estimations": tables["estimations"], "typologie": pd.DataFrame({"id_ti": ["ti-0001", 2]})}  # not a parquet column
    with pytest.raises(Exception):
        resultats.ecrire(PERIODE, broken, [])
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in month.iterdir()) == ["analyses", "provenance.json"]  # no staging folder left
    with pytest.raises(ValueError, match="absents de la provenance.*inconnu"):
        resultats.ecrire(PERIODE, tables, ["inconnu"])
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_the_run_writes_the_tables_once_the_synthesis_has_run(tables, month, monkeypatch):
    monkeypatch.setattr(resultats, "tables", lambda periode: tables)
    log = logging.getLogger("test")
    synthese = pipeline.JobResult("synthèse", "failed", month / mois.SYNTHESE, None, 1.0)
    assert "synthèse" in run._write_analyses(PERIODE, synthese, log)
    assert not (month / "analyses").exists()
    done = pipeline.JobResult("synthèse", "up-to-date", month / mois.SYNTHESE, month / mois.SYNTHESE, 0.0)
    assert run._write_analyses(PERIODE, done, log) is None
    assert (month / "analyses" / "estimations.csv").exists()
    monkeypatch.setattr(resultats, "tables", lambda periode: {"typologie": pd.DataFrame({"id_ti": ["ti-0001", 2]})})
    assert "ArrowTypeError" in run._write_analyses(PERIODE, done, log)  # reported, the run goes on


def test_the_tables_follow_the_synthesis_conditions(est, st, typologies, monkeypatch):  # noqa: F811
    """Only what the synthesis computes for the month: the typology before the employment of 2019
    is published; the estimates once it is; Rambachan-Roth and the context lines once 2023 is."""
    last = {"year": 2018}

    def never(periode):
        raise AssertionError("calculé alors que la synthèse ne le calcule pas")

    monkeypatch.setattr(profils, "typologie_du_mois", lambda phase, periode: typologies[1])
    monkeypatch.setattr(evaluation, "estimable", lambda periode, cohort=2019: cohort <= last["year"])
    for name in ("estimations", "sensibilite", "lignes_contexte", "sensibilite_tendances", "controles_monographies"):
        monkeypatch.setattr(evaluation, name, never)
    assert list(resultats.tables(PERIODE)) == ["typologie", "typologie_profils"]

    last["year"] = 2019
    monkeypatch.setattr(evaluation, "estimations", lambda periode: est)
    monkeypatch.setattr(evaluation, "sensibilite", lambda periode: pd.DataFrame({"dimension": ["principale"]}))
    monkeypatch.setattr(evaluation, "controles_monographies", lambda periode: pd.DataFrame({"id_ti": ["ti-7605"]}))
    monkeypatch.setattr(resultats, "monographies", lambda periode: pd.DataFrame({"id_ti": []}))
    one = resultats.tables(PERIODE)
    assert list(one) == ["estimations", "etudes_evenement", "att_groupe_temps", "sensibilite_sous_groupes", "typologie",
                         "typologie_profils", "controles_synthetiques", "controles_synthetiques_trajectoires"]
    assert "exposition" not in set(one["estimations"]["ligne"])

    last["year"] = 2023
    monkeypatch.setattr(evaluation, "lignes_contexte", lambda periode: evaluation.lignes_principales(est).head(1).assign(ligne="exposition"))
    monkeypatch.setattr(evaluation, "sensibilite_tendances", lambda periode, cohorte=2019: st)
    both = resultats.tables(PERIODE)
    assert list(both) == list(resultats.DESCRIPTIONS) and "exposition" in set(both["estimations"]["ligne"])
