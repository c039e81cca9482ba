"""Any month since the programme began: the allowed range, the data vintages, the indicators and
the fiche sections of a grid of months (what each month's data allow, what is not yet published),
the month tables of the history and of the changes page, and the région page."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analysis import config, mois
from analysis.analyses import evaluation, positions, profils, reperes, revisions, tableaux
from analysis.cli import main
from analysis.donnees import millesimes
from analysis.execution import historique
from analysis.indicateurs import build
from analysis.indicateurs.registry import registry
from analysis.publications import changements, fiche
from analysis.publications import region as page

COURANT = mois.default_periode()
GRILLE = ("2019-01", "2019-06", "2020-01", "2020-06", "2022-12", COURANT)
TERRITOIRES = ("ti-2405", "ti-8417", "ti-0102", "ti-0601")  # Centre-Val de Loire, Auvergne-Rhône-Alpes, Guadeloupe (no census profile), Mayotte (no URSSAF)


@pytest.fixture(scope="module")
def grille() -> dict[str, build.Indicateurs]:
    """Phase-2 indicator tables of each month of the grid, as of that month."""
    return {p: build.build_indicators(2, p) for p in GRILLE}


# --- the allowed range ----------------------------------------------------------------------


@pytest.mark.parametrize("periode", ["2018-06", "2018-12", mois.decaler(COURANT, 1), "2031-01"])
def test_months_outside_the_programme_are_refused_with_the_range_and_nothing_written(
    periode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(config, "OUTPUTS_DIR", tmp_path / "outputs")
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--periode", periode, "--phase", "2", "--territoires", "ti-2405", "--sans-rendu"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"de 2019-01 (début du programme) à {COURANT} (mois courant)" in err and periode in err
    assert ("avant le début du programme" if periode < "2019" else "mois futur") in err
    assert main(["historique", "--periodes", f"{periode}:{COURANT}"]) == 2
    assert not (tmp_path / "outputs").exists()


def test_month_arithmetic() -> None:
    assert mois.check_periode("2019-01") == "2019-01" and mois.check_periode(COURANT) == COURANT
    assert mois.decaler("2019-01", -1) == "2018-12" and mois.decaler("2019-12", 1) == "2020-01"
    assert mois.mois_entre("2019-11", "2020-02") == ["2019-11", "2019-12", "2020-01", "2020-02"]
    assert build.previous_periode("2019-01") is None and build.previous_periode("2020-01") == "2019-12"
    assert reperes.douze_mois("2019-03") == ["2019-01", "2019-02", "2019-03"]
    assert reperes.douze_mois("2026-11")[0] == "2025-12" and len(reperes.douze_mois("2026-11")) == 12


# --- data vintages --------------------------------------------------------------------------


def test_vintages_of_the_grid() -> None:
    def latest(periode: str) -> dict:
        return millesimes.millesimes(periode).set_index("dataset")["observation"].to_dict()

    assert latest("2019-01") == {"urssaf-emploi": "2017", "chomage": "2018-T3", "chomage-departements": "2018-T3", "demandeurs-emploi": None,
                                 "demandeurs-emploi-departements": None, "dvf": "2017", "france-relance": None}
    assert latest("2020-06") == {"urssaf-emploi": "2019", "chomage": "2020-T1", "chomage-departements": "2020-T1", "demandeurs-emploi": "2020-05",
                                 "demandeurs-emploi-departements": None, "dvf": "2019", "france-relance": "2020-05"}
    v = millesimes.millesimes("2022-12").set_index("dataset")
    # URSSAF 2021 was published in June 2022; 2022 is expected in June 2023 (lag of six months)
    assert v.loc["urssaf-emploi", ["publiee", "prochaine", "attendue", "en_retard"]].tolist() == ["2022-06", "2022", "2023-06", False]
    # the unemployment file stops at 2022-T2: T3, expected in December 2022, is late
    assert v.loc["chomage", ["observation", "prochaine", "attendue", "en_retard"]].tolist() == ["2022-T2", "2022-T3", "2022-12", True]
    # no job seekers published yet in 2019: the first month of the series comes next
    assert millesimes.millesimes("2019-06").set_index("dataset").loc["demandeurs-emploi", ["prochaine", "attendue"]].tolist() == ["2020-01", "2020-02"]
    # the derived zone series (edition 2025-T4, released in April 2026) is read from 2026-04 on
    assert millesimes.cle("2026-04") == millesimes.cle(COURANT) != millesimes.cle("2026-03")


# --- indicators and fiche sections of the grid ------------------------------------------------


def _periods(ind: build.Indicateurs) -> dict[str, str]:
    return ind.observations.set_index("indicator")["observation"].to_dict()


def test_indicators_of_each_month_hold_what_its_data_allow(grille: dict[str, build.Indicateurs]) -> None:
    p = {m: _periods(ind) for m, ind in grille.items()}
    assert p["2019-01"]["emploi_prive"] == "2017" and "emploi_prive_tcam" not in p["2019-01"]
    assert p["2019-06"]["emploi_prive_tcam"] == "2014-2018"  # 2018 published, nothing after it yet
    assert "demandeurs_emploi" not in p["2020-01"] and "part_industrie_hautetech" not in p["2020-01"]
    assert p["2020-06"]["emploi_prive_tcam"] == "2018-2019" and p["2020-06"]["part_industrie_hautetech"] == "2019"
    assert p["2020-06"]["demandeurs_emploi"] == "2020-05" and "ss_effet_local" not in p["2020-06"]
    assert "ss_effet_local" not in p["2022-12"]  # the sectors of 2022 come in June 2023
    assert p[COURANT]["ss_effet_local"] == "2019-2024" and p[COURANT]["demandeurs_emploi"] == "2024-12"
    for ind in grille.values():  # every indicator of the registry has its column, empty when not yet published
        assert set(registry()["name"]) <= set(ind.wide.columns)
    assert set(build.non_publies(grille["2019-01"].wide)) >= {"emploi_prive_tcam", "ss_effet_local_pct", "demandeurs_emploi"}
    assert build.non_publies(grille[COURANT].wide, list(fiche.CHIFFRES_CLES)) == []


@pytest.mark.parametrize("periode", GRILLE)
def test_every_fiche_section_computes_or_says_what_is_not_yet_published(grille, periode: str) -> None:
    ind, reg = grille[periode], registry()
    for id_ti in TERRITOIRES:
        table = fiche.chiffres_cles(ind.wide, ind.observations, reg, id_ti)
        assert len(table) == len(fiche.CHIFFRES_CLES) or (id_ti == "ti-0601" and table.empty)  # Mayotte: no value at all
        emploi = fiche.texte_emploi(ind.wide, ind.observations, id_ti)
        ss = fiche.texte_shift_share(ind.wide, ind.observations, id_ti)
        demandeurs = fiche.texte_demandeurs(ind.wide, ind.observations, id_ti)
        piliers = fiche.texte_piliers(ind.wide, ind.observations, reg, id_ti)
        manquants = fiche.texte_manquants(ind.wide, reg, id_ti, periode=periode)
        fiche.texte_chomage(ind.wide, ind.observations, id_ti)
        positions.forces_faiblesses(ind.wide, id_ti)
        if periode == "2019-01":
            assert "ne pourra être calculée qu'une fois l'emploi de 2018 publié" in emploi or id_ti == "ti-0601"
            assert "À la fin de janvier 2019, les données publiées ne permettent pas encore de calculer" in manquants
            assert "pas encore publié" in piliers or id_ti == "ti-0601"
        if periode < "2023-06":
            assert ss.startswith("La décomposition de la variation de l'emploi depuis 2019 n'est pas encore possible")
        else:
            assert "effet local" in ss or id_ti == "ti-0601"
        if periode < "2020-02":
            assert demandeurs == "La série des demandeurs d'emploi par commune utilisée ici ne compte encore aucun mois publié."
    current = grille[COURANT]
    assert "Fin 2024, le territoire compte" in fiche.texte_emploi(current.wide, current.observations, "ti-2405")


def test_typology_of_the_first_month_leaves_out_what_is_not_published(grille) -> None:
    wide = grille["2019-01"].wide
    assert profils.non_publies(wide) == ["part_industrie_hautetech", "emploi_prive_tcam", "ss_effet_local_pct"]
    members = profils.appartenance(2, wide)
    # dynamism is not measured yet: no profile is named after it
    assert not members["profil"].str.contains("dynamique|repli|résidentiel|déprise").any()
    assert members["id_ti"].is_unique and len(members) > 170


def test_the_evaluation_waits_for_the_entry_year() -> None:
    assert evaluation.derniere_annee("2019-06") == 2018 and not evaluation.estimable("2019-06", 2019)
    assert evaluation.estimable("2020-06", 2019) and not evaluation.estimable("2024-05", 2023)
    assert evaluation.estimable("2024-06", 2023)
    early = evaluation.impact_territoire("2019-06", 2, "ti-2405")
    assert early.result is None and early.trajectoire is None and early.derniere_annee == 2018


# --- month tables: the previous months of the changes page, the history ------------------------


def test_previous_months_are_kept_under_the_current_month_copied_by_vintage(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(config, "OUTPUTS_DIR", tmp_path)
    courant = "2026-06"
    assert tableaux.construire(courant) and not tableaux.construire(courant)  # built, then up to date
    months = historique.precedents(courant)
    assert months[0] == "2025-07" and months[-1] == "2026-05"
    own = mois.indicateurs_dir(courant)
    done = historique.assurer(months, lambda m: build.dossier_du_mois(m, courant), own=False, jobs_n=2, connus={courant: own})
    # URSSAF and DVF published 2024 in June 2025, and the unemployment edition read changes in
    # April 2026 (INSEE's 2025-T4 edition, through a derived file): July 2025 is built and copied
    # to the eight months after it, April and May 2026 are copies of June 2026
    statut = {m.periode: m.statut for m in done}
    assert statut["2025-07"] == "construit" and sorted(statut.values()).count("copié") == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == [courant]  # nothing written into another month's folder
    assert all(m.dossier == tmp_path / courant / "precedent" / m.periode for m in done)
    april = next(m for m in done if m.periode == "2026-04")
    pd.testing.assert_frame_equal(build.read_indicators(2, "2026-04", "wide", april.dossier), build.read_indicators(2, courant, "wide"))
    again = historique.assurer(months, lambda m: build.dossier_du_mois(m, courant), own=False, jobs_n=2)
    assert {m.statut for m in again} == {"à jour"}

    serie = reperes.serie_reperes(courant, phases=(2,))
    part = serie.loc[serie["cle"] == reperes.PART_EMPLOI_TI]
    assert part["periode"].tolist() == reperes.douze_mois(courant) and set(part["observation"]) == {"2024"}
    assert 50 < part["valeur"].iloc[0] == part["valeur"].iloc[-1] < 65
    counts = serie.loc[serie["cle"] == reperes.N_TI_PROFIL].groupby("periode")["valeur"].sum()
    assert len(counts) == 12 and counts.nunique() == 1 and counts.iloc[0] > 170
    table = changements.tableau_reperes(serie)
    assert table["Mois"].tolist()[0] == "juillet 2025" and set(table["Emploi de l'année"]) == {"2024"}
    chomage = table["Chômage médian des TI, phase 2"]  # moves when the edition read changes (April 2026)
    assert chomage.str.endswith("(T3 2023)").sum() == 9 and chomage.str.endswith("(T4 2025)").sum() == 3


def test_history_command_builds_each_month_in_its_own_folder(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(config, "OUTPUTS_DIR", tmp_path)
    # April 2025 and May 2025 see the same observations: one build, one copy
    assert main(["historique", "--periodes", "2025-04:2025-05", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "2 mois de 2025-04 à 2025-05 en" in out and "1 construit, 1 copié" in out
    for m in ("2025-04", "2025-05"):
        assert build.est_construit(m)
        assert build.read_indicators(1, m, mois.PROFILS)["profil"].notna().all()
    years = build.read_indicators(2, "2025-05", "observations").set_index("indicator")["observation"]
    assert years["emploi_prive"] == "2023"  # 2024 comes in June 2025
    assert main(["historique", "--periodes", "2025-04:2025-05"]) == 0
    assert "2 à jour" in capsys.readouterr().out


# --- the changes page and the région page -----------------------------------------------------


def test_rank_moves_and_the_facts_of_the_month(grille) -> None:
    avant, apres = grille["2020-01"].wide, grille["2020-06"].wide
    moves = revisions.rangs_bouges({2: avant}, {2: apres})
    assert len(moves) > 100 and (moves["gain"].abs().diff().dropna() <= 0).all()
    top = moves.iloc[0]
    assert top["rang_avant"] - top["rang_apres"] == top["gain"]
    labels = registry().set_index("name")["label"]
    assert changements.fait_rangs(moves, labels).startswith(f"**Plus fort mouvement de rang** : {top['lib']} (phase 2)")
    assert changements.fait_rangs(moves.iloc[0:0], labels) == "**Aucun rang n'a changé** parmi les territoires d'industrie des deux phases."
    new = changements.fait_sources(millesimes.millesimes("2020-06"), millesimes.millesimes("2020-05"))
    assert new.startswith("**Nouvelles données** (6 sources)") and "Emploi salarié privé (URSSAF) : 2019" in new
    none = changements.fait_sources(millesimes.millesimes(COURANT), millesimes.millesimes(mois.decaler(COURANT, -1)))
    # nothing new in the data read, which is not to say the sources published nothing: the calendar says they did
    assert none == ("**Aucune période nouvelle dans les données lues ce mois-ci** ; les dernières entrées datent d'avril 2026 : "
                    "Taux de chômage localisé (INSEE), 4e trimestre 2025 ; d'après leur calendrier, 5 sources ont pourtant publié "
                    "depuis des périodes absentes des données lues (voir l'âge des données).")
    table = changements.tableau_millesimes(millesimes.millesimes("2019-06"))
    assert table.loc[3].tolist() == ["Demandeurs d'emploi par commune (France Travail)", "aucune encore", "–", "janvier 2020", "février 2020", "–"]
    late = changements.tableau_millesimes(millesimes.millesimes(COURANT)).loc[1].tolist()
    # the current month is under way: the calendar says published only what was due by the end of the month before
    assert late[1] == "4e trimestre 2025" and late[-1] == "2e trimestre 2026"
    ages = changements.age_des_sources(millesimes.millesimes(COURANT))
    assert ages.count("\n- **") == 7 and "dernière période de la série (close)" in ages
    assert ("série de la DARES pas encore obtenue (aucune copie épinglée) : lancer `observatoire donnees --actualiser demandeurs-emploi-departements`"
            in ages)  # the living series with no pinned copy, never obtained in the tests
    assert changements.titre("2026-11", "2026-10") == "# Ce qui a changé entre octobre 2026 et novembre 2026"


def test_region_page_sets_its_territories_side_by_side(grille) -> None:
    ind, reg = grille[COURANT], registry()
    ti = page.territoires_region(ind.wide, "28")
    assert len(ti) == 9 and ti["id_ti"].str.startswith("ti-").all()
    members = pd.DataFrame({"id_ti": ti["id_ti"], "profil": "industriel dynamique"})
    table = page.tableau(ind.wide, ind.observations, reg, members, "28", 2)
    lines = table.splitlines()
    assert len(lines) == 2 + 9 + 2 and lines[-1].startswith("| France |") and lines[-2].startswith("| Région Normandie |")
    assert "[Axe Seine](../fiches/phase2/ti-2802.html)" in table and "Croissance de l'emploi privé (2018-2024)" in lines[0]
    assert "| Chômage localisé (" in lines[0]  # the registry's short labels, as on the home page
    bars = page.tendance(ind.wide, "28")
    assert bars["lib"].tolist()[-2:] == ["Région Normandie", "France"] and bars["value"].notna().all()
    assert page.texte_tendance(ind.wide, ind.observations, "28", "Normandie").startswith("Entre 2018 et 2024, l'emploi salarié privé a crû")
    moved = page.rangs_du_mois(grille["2020-01"].wide, grille["2020-06"].wide, reg, "28")
    assert len(moved) and set(moved["Territoire"]) <= set(ti["lib"])
    assert page.texte_rangs(moved.iloc[0:0], "2020-06", "2020-05").startswith("Aucun rang des territoires de la région n'a changé")


def test_region_jobs_cover_metropolitan_and_overseas_regions() -> None:
    from analysis.execution.run import region_jobs

    jobs = region_jobs("2026-11")
    codes = [j.parameters["region"] for j in jobs]
    assert len(codes) == 18 and {"01", "02", "03", "04", "06"} <= set(codes) and "94" in codes
    assert all(j.output.parent.name == "regions" and j.output.name == f"{c}.ipynb" for j, c in zip(jobs, codes))


def test_manifest_keeps_the_entries_of_earlier_runs(tmp_path: Path) -> None:
    from analysis.execution.pipeline import JobResult, write_manifest

    def result(name: str, status: str) -> JobResult:
        out = tmp_path / f"{name}.ipynb"
        return JobResult(name, status, out, out, 1.0, None, None, "d")

    path = tmp_path / "manifest.json"
    write_manifest(path, [result("ti-1", "executed"), result("ti-2", "failed")], {"periode": "2025-06"})
    write_manifest(path, [result("ti-2", "executed"), result("ti-3", "up-to-date")], {"periode": "2025-06"})
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [(j["label"], j["status"]) for j in data["jobs"]] == [("ti-1", "executed"), ("ti-2", "executed"), ("ti-3", "up-to-date")]
    assert data["counts"] == {"total": 3, "executed": 2, "up-to-date": 1, "failed": 0}
