"""The headline of the evaluation and its robustness lines, the Rambachan-Roth paragraph and the
reconciliation sentence state the numbers of the tables they come with (simulated panel)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis.analyses import cohortes, evaluation, impact, tendances
from analysis.publications import figures
from analysis.publications import evaluation_robustesse as tr
from test_impact import simulate

COVS = ["part_industrie", "densite"]


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulate(effect=-0.03, effect_2023=-0.02, seed=3)


@pytest.fixture(scope="module")
def est(panel) -> evaluation.Estimations:
    def did(cohort: int, control: str = "never", weighted: bool = True) -> impact.DidResult:
        return impact.estimate_did(panel, cohort=cohort, control=control, reweight_on=COVS if weighted else None)

    principal = did(2019)
    return evaluation.Estimations(
        principal=principal, non_pondere=did(2019, weighted=False), pas_encore=did(2019, "not_yet"),
        phase2=did(2023), phase2_non_pondere=did(2023, weighted=False),
        placebo=impact.placebo(panel, reweight_on=COVS), placebo_non_pondere=impact.placebo(panel, reweight_on=None),
        regroupe=impact.twfe_pooled(panel), cohortes=cohortes.callaway_santanna(panel),
        cohortes_pas_encore=cohortes.callaway_santanna(panel, control="not_yet"),
        mde=impact.mde(principal.estimate["std_error"], 39),
    )


def _pcts(text: str) -> list[str]:
    return re.findall(r"[-+−]?\d+,\d+\s%", text)


def test_headline_is_the_cohort_estimator_with_never_treated_controls(est):
    lignes = evaluation.lignes_principales(est)
    assert list(lignes["ligne"]) == [evaluation.PRINCIPALE, "twfe_pondere", "twfe_non_pondere", "pas_encore", "cs_pas_encore",
                                     "regroupe", "cohorte_2019", "cohorte_2023", "phase2"]
    head = lignes.iloc[0]
    assert head["estimate"] == pytest.approx(est.cohortes.overall.iloc[0]["estimate"])
    truth = (100 * -0.03 + 50 * -0.02) / 150  # cohort sizes of ``simulate``: 100 and 50
    assert head["ci_low"] < truth < head["ci_high"] and head["n_treated"] == 150
    assert lignes.set_index("ligne").loc["cohorte_2023", "n_treated"] == 50
    table = tr.tableau_principal(lignes)
    assert len(table) == 9 and table["Pourquoi elle diffère"].iloc[1:].str.len().min() > 20
    assert table.loc[0, "Écart estimé"] == tr._ecart(head["estimate"])
    text = tr.texte_principal(lignes)
    assert tr._ecart(head["estimate"]) in text and "effet" not in text.replace("effectif", "")
    low = lignes["estimate"].iloc[1:].min()
    assert f"vont de {tr._ecart(low)}" in text


def test_reconciliation_adds_up(est):
    text = tr.texte_reconciliation(est)
    numbers = [float(x.replace(",", ".").replace("−", "-")[:-2]) for x in _pcts(text)]
    twfe_w, cs, twfe_u, leads = numbers
    assert twfe_w == pytest.approx(impact.pct(est.phase2.estimate["estimate"]), abs=0.006)
    # unweighted TWFE on a balanced panel = cohort estimate - mean pre-entry gap (reference included)
    assert twfe_u == pytest.approx(cs - leads, abs=0.03)


def _sensibilite(es: tendances.EventStudy, cohorte: int | None) -> evaluation.SensibiliteTendances:
    """``evaluation.sensibilite_tendances`` of an event study, on a short grid of M (fast)."""
    lineaire, pente = tendances.tendance_lineaire(es)
    grids = {"relative_magnitude": tendances.GRILLES["relative_magnitude"], "smoothness": (0.0, 0.0005)}
    bornes = pd.concat([tendances.bornes(es, m, grids[m]) for m in grids], ignore_index=True)
    par_annee = pd.concat([tendances.bornes(es, m, (evaluation.M_ANNEE[m],), cible=k) for m in grids
                           for k in es.post_years[:2]], ignore_index=True)
    ruptures = {m: tendances.point_de_rupture(es, m, grille=grids[m], iterations=3) for m in grids}
    return evaluation.SensibiliteTendances(cohorte, es, bornes, par_annee, ruptures, lineaire, pente)


def test_pooled_trend_sentence_and_table_state_the_bounds(panel, est):
    trended = panel.assign(emploi=panel["emploi"] * np.exp(-0.004 * (panel["year"] - panel["treated_cohort"].astype("float64") + 1)
                                                            .fillna(0).to_numpy()))
    ensemble = _sensibilite(tendances.from_cohort(*cohortes.pooled_event_study(trended)), None)
    cohorte = _sensibilite(tendances.from_cohort(*cohortes.cohort_event_study(trended, 2019)), 2019)
    lignes = evaluation.lignes_principales(est)
    text = tr.texte_tendances_ensemble(ensemble, lignes)
    b = ensemble.bornes
    rm1 = b[(b["methode"] == "relative_magnitude") & (b["M"] == 1.0)].iloc[0]
    sd0 = b[(b["methode"] == "smoothness") & (b["M"] == 0.0)].iloc[0]
    assert f"de -9 à 5) donne un écart moyen de {tr._ecart(rm1['estimate'])}" in text
    assert f"compris entre {tr._ecart(rm1['borne_basse'])} et {tr._ecart(rm1['borne_haute'])}" in text
    assert f"ligne droite (M = 0,00 point par an²), l'intervalle est {tr._ic(sd0['ci_low'], sd0['ci_high'])}" in text
    assert f"l'estimation principale, {tr._ecart(lignes['estimate'].iloc[0])}" in text
    assert text.endswith("les valeurs de rupture M̄ peuvent sous-estimer la robustesse de l'écart, non la surestimer (voir la page Méthodes).")
    if ensemble.ruptures["relative_magnitude"]:
        assert f"inclut 0 dès M̄ = {tr.nombre(ensemble.ruptures['relative_magnitude'], 2)}" in text
    table = tr.tableau_tendances(cohorte, ensemble)
    assert len(table) == 8 and table["Estimation"].iloc[-1] == "Toutes cohortes (par année relative)"
    assert table["IC à 95 % (%)"].iloc[-1] == tr._ic(sd0["ci_low"], sd0["ci_high"])
    assert table["Ensemble identifié"].iloc[-2] == tr._ic(rm1["borne_basse"], rm1["borne_haute"])


def test_trend_paragraph_states_the_bounds_and_breakdown(panel):
    trended = panel.assign(emploi=panel["emploi"] * np.exp(-0.004 * (panel["year"] - 2018)
                                                            * panel["treated_cohort"].eq(2019).fillna(False).to_numpy(bool)))
    sens = _sensibilite(tendances.from_cohort(*cohortes.cohort_event_study(trended, 2019)), 2019)
    bornes, ruptures, lineaire, pente = sens.bornes, sens.ruptures, sens.lineaire, sens.pente
    text = tr.texte_tendances_paralleles(sens)
    rm1 = bornes[(bornes["methode"] == "relative_magnitude") & (bornes["M"] == 1.0)].iloc[0]
    assert f"entre {tr._ecart(rm1['borne_basse'])} et {tr._ecart(rm1['borne_haute'])}" in text
    assert f"pente {tr.nombre(100 * pente, 2)} point par an" in text
    if ruptures["relative_magnitude"] is not None:
        assert f"M̄ = {tr.nombre(ruptures['relative_magnitude'], 2)} (valeur de rupture)" in text
    mean = lineaire.set_index("cible").loc[tendances.MOYENNE]
    assert f"en explique {tr.nombre(100 * mean['tendance'] / mean['estimate'], 0)} %" in text
    fig = tr.figure_tendances(sens)
    assert len(fig.axes) == 2
    drawn = figures.donnees(fig)  # the CSV under the figure: both panels
    rm = bornes[bornes["methode"] == "relative_magnitude"]
    assert drawn.loc[drawn["panneau"] == "M̄", "abscisse"].tolist() == rm["M"].tolist()
    assert set(drawn["panneau"]) == {"M̄", "année relative"} and drawn["source"].str.startswith("URSSAF").all()


def test_selection_paragraph_does_not_contradict_the_pretrend(est):
    croissance = pd.DataFrame([
        {"intervalle": p, "groupe": g, "n": 10, "mean": 0.0, "estimate": -0.004, "std_error": 0.005, "ci_low": -0.01,
         "ci_high": 0.006, "p_value": 0.5}
        for p, g in (("2014-2018", "phase 1"), ("2014-2018", "phase 2 seule"), ("2018-2022", "phase 2 seule"))
    ])
    text = tr.texte_selection(evaluation.Selection(croissance, pd.DataFrame()), est)
    assert "s'ouvre à l'entrée" not in text and "perdaient déjà" in text
    assert "ne prouvent pas des tendances parallèles" in text


def test_regional_estimates_below_thirty_departements_use_the_wild_bootstrap():
    def row(dimension, modalite, estimate, n_clusters, p=0.01):
        return {"dimension": dimension, "modalite": modalite, "design": "d", "estimate": estimate, "std_error": 0.01,
                "ci_low": estimate - 0.02, "ci_high": estimate + 0.02, "p_value": p, "n_treated": 50, "n_controls": 60,
                "n_obs": 1000, "n_clusters": n_clusters}

    sens = pd.DataFrame([
        row("principale", "", -0.02, 92), row("couverture", "80", -0.021, 92), row("couverture", "100", -0.022, 90),
        row("annees", "2020-2021", -0.018, 92), row("ponderation", "non pondérée", -0.017, 92),
        row("profil", "A", -0.01, 92), row("profil", "B", -0.03, 92),
        row("region", "Corse", np.nan, 2), row("region", "Grand Est", -0.04, 10), row("region", "Occitanie", 0.01, 13, 0.4),
    ])
    text = tr.texte_sensibilite(sens, 0.017)
    assert "2 estimations régionales sur 2 reposent sur moins de 30 départements (10 à 13)" in text
    assert "bootstrap sauvage par grappes" in text and "Corse : non estimée" in text
    table = tr.tableau_sensibilite(sens)
    assert list(table.loc[table["Variante"] == "Région", "Départements"]) == ["2", "10", "13"]
    assert list(table.loc[table["Variante"] == "Région", "Écart estimé"])[0] == "non estimé"


def test_wild_cluster_bootstrap_size_and_did_option():
    rng = np.random.default_rng(1)
    rejections = 0
    for s in range(150):  # 8 clusters, no effect: the bootstrap test rejects about 5 % of the time
        cl = np.repeat(np.arange(8), 30)
        x = rng.normal(0, 1, 240) + rng.normal(0, 1, 8)[cl]
        y = rng.normal(0, 1, 8)[cl] + rng.normal(0, 1, 240)
        x, y = x - x.mean(), y - y.mean()
        rejections += impact.wild_cluster_bootstrap(y, x, np.ones(240), cl, reps=399, seed=s)["p_value"] < 0.05
    assert 0.01 <= rejections / 150 <= 0.1
    few = simulate(effect=0.05, seed=4)
    few = few[few["departement"].astype(int) <= 8]  # 8 départements
    usual = impact.estimate_did(few, reweight_on=None, event_study=False)
    boot = impact.estimate_did(few, reweight_on=None, event_study=False, bootstrap=999)
    assert boot.estimate["estimate"] == pytest.approx(usual.estimate["estimate"])
    assert boot.estimate["ci_low"] < 0.05 < boot.estimate["ci_high"] and boot.estimate["p_value"] < 0.01
    assert "bootstrap sauvage" in boot.design and boot.estimate["n_clusters"] == 8


def test_border_controls_and_spillover_group_remove_a_displacement():
    """The programme moves jobs: treated +2 %, their never-treated neighbours -2 % from 2019. With
    the neighbours among the controls the gap is inflated; without them it is the truth, and the
    neighbours' own gap against distant controls is the displacement."""
    import geopandas as gpd
    from shapely.geometry import box

    from analysis.analyses import voisinage

    panel = simulate(effect=0.02, seed=5)
    panel = panel[panel["treated_cohort"].ne(2023).fillna(True)]
    units = panel.drop_duplicates("siren_epci").sort_values("treated_cohort", na_position="last").reset_index(drop=True)
    # units on a 50-column grid: the 100 treated units fill rows 0-1, their 50 neighbours row 2, 100 distant units rows 3-4
    contours = gpd.GeoDataFrame({"siren_epci": units["siren_epci"]},
                                geometry=[box(i % 50, i // 50, i % 50 + 1, i // 50 + 1) for i in range(len(units))])
    cohorts = units.set_index("siren_epci")["treated_cohort"]
    near = voisinage.voisins(contours, cohorts)
    assert len(near) == 50 and set(near.unique()) == {2019}
    assert not cohorts.reindex(near.index).notna().any()  # only never-treated units
    moved = panel["siren_epci"].isin(near.index).to_numpy() & (panel["year"] >= 2019).to_numpy()
    panel = panel.assign(emploi=panel["emploi"] * np.exp(-0.02 * moved))
    naive = cohortes.callaway_santanna(panel).overall.iloc[0]
    clean = cohortes.callaway_santanna(voisinage.sans_unites(panel, near.index)).overall.iloc[0]
    spill = cohortes.callaway_santanna(voisinage.groupe_voisins(panel, near)).overall.iloc[0]
    assert naive["estimate"] > 0.025  # the displacement counted twice (about 0.029)
    assert clean["ci_low"] < 0.02 < clean["ci_high"] and abs(clean["estimate"] - 0.02) < 0.004
    assert spill["ci_low"] < -0.02 < spill["ci_high"] and spill["n_treated"] == len(near)


def test_context_lines_are_stated_and_the_spillover_line_is_not_a_robustness_line(est):
    base = evaluation.lignes_principales(est)

    def line(key: str, estimate: float, n_treated: int, n_controls: int, p: float) -> dict:
        return {**base.iloc[0].to_dict(), "ligne": key, "estimate": estimate, "ci_low": estimate - 0.01,
                "ci_high": estimate + 0.01, "p_value": p, "n_treated": n_treated, "n_controls": n_controls}

    head = base.iloc[0]
    lignes = pd.concat([base, pd.DataFrame([line("sans_acv", -0.02, 140, 140, 0.01), line("sans_voisins", -0.03, 150, 40, 0.02),
                                            line("voisins", -0.25, 110, 40, 0.5)])], ignore_index=True)
    text = tr.texte_contexte(lignes)
    assert f"Sans les {int(head['n_treated'] + head['n_controls'] - 280)} EPCI qui comptent une ville" in text
    assert "110 des 150 EPCI jamais retenus" in text and "il ne reste que 40 témoins" in text
    assert "ne montrent pas de déplacement" in text  # p = 0.5
    assert tr._ecart(-0.25) not in tr.texte_principal(lignes)  # another question: not in the range of the robustness lines
    assert len(tr.tableau_principal(lignes)) == 12


def test_exposure_paragraph_states_the_share_of_the_2021_gap_it_explains(est, panel):
    from analysis.analyses import bartik

    base = evaluation.lignes_principales(est)
    brut = est.cohortes
    ajuste = cohortes.callaway_santanna(panel, covariates=["part_industrie"])
    parts = panel.drop_duplicates("siren_epci").set_index("siren_epci")[["part_industrie"]].assign(autres=lambda d: 100 - d["part_industrie"])
    years = np.arange(2014, 2024)
    national = pd.DataFrame({"part_industrie": np.where(years >= 2020, 0.9, 1.0), "autres": 1.0}, index=years)
    predit = bartik.chemin_predit(parts, national, 2016)
    net = bartik.net_de_prediction(panel, predit)
    expo = evaluation.ExpositionBartik(cohortes.callaway_santanna(net, outcome="emploi_net"), cohortes.callaway_santanna(net),
                                       np.log(predit[2021] / predit[2018]), 2023)
    rows = [ajuste.overall.assign(ligne="exposition"), expo.ajuste.overall.assign(ligne="exposition_bartik"),
            brut.overall.assign(ligne="exposition_haute", estimate=-0.05), brut.overall.assign(ligne="exposition_basse", estimate=-0.01)]
    lignes = pd.concat([base, *[r[["ligne", *impact.SUMMARY]] for r in rows]], ignore_index=True)
    text = tr.texte_exposition(lignes, brut, ajuste, expo)
    cell = {k: r.group_time.query("cohort == 2019 and rel_year == 2")["estimate"].iloc[0]
            for k, r in (("b", brut), ("a", ajuste), ("b2", expo.brut), ("a2", expo.ajuste))}
    assert f"passe de {tr._ecart2(cell['b'])} à {tr._ecart2(cell['a'])}" in text
    assert f"passe de {tr._ecart2(cell['b2'])} à {tr._ecart2(cell['a2'])}" in text
    for b, a in (("b", "a"), ("b2", "a2")):
        part = 100 * (cell[b] - cell[a]) / cell[b]
        assert (f"en explique {tr.nombre(part, 0)} %" if part >= 0 else f"il le creuse de {tr.nombre(-part, 0)} %") in text
    assert f"l'écart est de {tr._ecart(ajuste.overall['estimate'].iloc[0])}" in text
    assert f"a un écart de {tr._ecart2(expo.ajuste.overall['estimate'].iloc[0])} sur 2014-2023 (IC" in text
    assert f"contre {tr._ecart2(expo.brut.overall['estimate'].iloc[0])} sans cette correction" in text
    assert "se concentre là où les secteurs" in text  # -5 % for the most exposed half, -1 % for the other
    assert len(tr.tableau_principal(lignes)) == len(lignes)


def test_verification_sentence():
    table = cohortes.verification(simulate(effect=-0.03, effect_2023=-0.02))
    text = tr.texte_verification(table)
    assert "donne les mêmes estimations" in text and "diffèrent au plus de" in text
    off = table.assign(ecart=table["ecart"] + 1e-4)
    assert "le calcul du projet est à revoir" in tr.texte_verification(off)


def test_france_relance_split_assigns_epci_and_finds_a_gap_only_where_relance_was_high():
    from analysis.analyses import france_relance

    panel = simulate(effect=0.0, seed=5)
    units = panel.drop_duplicates("siren_epci").set_index("siren_epci")
    deps = sorted(units["departement"].unique())
    jobs = pd.DataFrame({"departement": deps, "annee": 2019, "emplois": 10_000})
    firms = pd.DataFrame({"departement": deps, "lib_departement": deps, "mois": "2022-12",
                          "entreprises": [float(int(d)) for d in deps]})  # département 07: 0.7 per 1,000 jobs
    table = france_relance.comparer_relance_aux_emplois(firms, jobs.loc[jobs["departement"] != "40"])  # 40: no jobs
    intensite = evaluation.intensite_epci(panel, table)
    assert intensite[units.index[6]] == pytest.approx(0.7) and units.loc[units.index[6], "departement"] == "07"
    treated = units["treated_cohort"].notna()
    median = intensite[treated].median()
    high = treated & (intensite > median)
    low = treated & (intensite <= median)
    groups = evaluation._relance_split(panel, intensite)
    assert set(groups) == {"relance_haute", "relance_basse"}
    members = {k: set(g["siren_epci"]) for k, g in groups.items()}
    never = set(units.index[~treated])
    assert members["relance_haute"] == never | set(units.index[high])
    assert members["relance_basse"] == never | set(units.index[low])
    assert set(units.index[treated & intensite.isna()]).isdisjoint(members["relance_haute"] | members["relance_basse"])
    # a gap of -4 % from entry, only in the treated EPCI of the départements above the median
    hit = panel["siren_epci"].map(high).to_numpy() & (panel["year"] >= panel["treated_cohort"]).fillna(False).to_numpy(dtype=bool)
    panel = panel.assign(emploi=panel["emploi"] * np.exp(-0.04 * hit))
    res = {k: cohortes.callaway_santanna(g).overall.iloc[0] for k, g in evaluation._relance_split(panel, intensite).items()}
    assert res["relance_haute"]["ci_high"] < 0 and abs(res["relance_haute"]["estimate"] + 0.04) < 0.01
    assert res["relance_basse"]["ci_low"] < 0 < res["relance_basse"]["ci_high"] and abs(res["relance_basse"]["estimate"]) < 0.01
    assert res["relance_haute"]["n_treated"] == high.sum() and res["relance_basse"]["n_controls"] == len(never)


def test_france_relance_sentence_states_the_split_of_the_table(est):
    from analysis.analyses import france_relance

    base = evaluation.lignes_principales(est)
    head = base.iloc[0].to_dict()
    hi = {**head, "ligne": "relance_haute", "estimate": -0.041, "ci_low": -0.062, "ci_high": -0.02, "n_treated": 74}
    lo = {**head, "ligne": "relance_basse", "estimate": -0.008, "ci_low": -0.03, "ci_high": 0.014, "n_treated": 76}
    lignes = pd.concat([base, pd.DataFrame([hi, lo])], ignore_index=True)
    firms = pd.DataFrame({"departement": ["45", "89"], "lib_departement": ["Loiret", "Yonne"], "mois": "2022-12",
                          "entreprises": [100.0, 30.0]})
    jobs = pd.DataFrame({"departement": ["45", "89"], "annee": 2019, "emplois": [20_000, 10_000]})
    text = tr.texte_relance(lignes, france_relance.comparer_relance_aux_emplois(firms, jobs), 0.512)
    assert "fin décembre 2022" in text and "emplois salariés privés de 2019" in text and "France : 4,33" in text
    assert f"Pour les 74 EPCI traités dont le département dépasse la médiane des traités (0,51), l'écart est de {tr._ecart(-0.041)}" in text
    assert f"(IC à 95 % {tr._ic(-0.062, -0.02)}) ; pour les 76 autres, de {tr._ecart(-0.008)}" in text
    assert f"contre les {tr.nombre(head['n_controls'])} EPCI jamais retenus ; les deux intervalles se chevauchent" in text
    assert "effet" not in text.replace("effectif", "") and "après l'entrée de la cohorte 2019" in text
    assert tr._ecart(-0.041) not in tr.texte_principal(lignes)  # another question: not in the range of the robustness lines
    table = tr.tableau_principal(lignes)
    assert list(table["Écart estimé"].iloc[-2:]) == [tr._ecart(-0.041), tr._ecart(-0.008)]
