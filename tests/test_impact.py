"""Impact designs recover known effects on simulated EPCI panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.analyses import impact
from analysis.publications import evaluation_impact

YEARS = np.arange(2014, 2025)
EFFECT = 0.05


def simulate(
    n: int = 300, effect: float = EFFECT, pretrend: float = 0.0, seed: int = 0, slope: float = 0.0, effect_2023: float = 0.0
) -> pd.DataFrame:
    """Unit and year fixed effects; a third of units treated from 2019 (+``effect`` log points,
    plus ``slope`` per year since 2019 included: ``slope`` x (year - 2018)), one in six entering
    in 2023 (+``effect_2023`` from 2023), the rest never treated. ``pretrend`` adds a linear
    divergence of the 2019 cohort before 2019 (log points per year)."""
    rng = np.random.default_rng(seed)
    cohort = [2019 if i % 3 == 0 else 2023 if i % 6 == 1 else pd.NA for i in range(n)]
    units = pd.DataFrame(
        {
            "siren_epci": [f"{200000000 + i}" for i in range(n)],
            "departement": [f"{i % 40 + 1:02d}" for i in range(n)],
            "treated_cohort": pd.array(cohort, dtype="Int64"),
            "part_industrie": rng.uniform(5, 40, n),
            "densite": rng.lognormal(4, 1, n),
        }
    )
    unit_fe = rng.normal(8, 1, n)
    year_fe = rng.normal(0, 0.02, len(YEARS)).cumsum()
    panel = units.loc[units.index.repeat(len(YEARS))].reset_index(drop=True).assign(year=np.tile(YEARS, n))
    t = panel["year"].to_numpy()
    treated = panel["treated_cohort"].eq(2019).fillna(False).to_numpy(dtype=bool)
    late = panel["treated_cohort"].eq(2023).fillna(False).to_numpy(dtype=bool)
    log_y = (
        np.repeat(unit_fe, len(YEARS))
        + year_fe[t - YEARS[0]]
        + (effect + slope * (t - 2018)) * (treated & (t >= 2019))
        + effect_2023 * (late & (t >= 2023))
        + pretrend * treated * np.minimum(t - 2018, 0)
        + rng.normal(0, 0.02, len(t))
    )
    return panel.assign(emploi=np.exp(log_y))


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulate()


@pytest.fixture(scope="module")
def result(panel) -> impact.DidResult:
    return impact.estimate_did(panel, reweight_on=["part_industrie", "densite"])


def test_did_recovers_effect(result):
    row = result.estimate
    assert row["ci_low"] < EFFECT < row["ci_high"]
    assert row["estimate"] == pytest.approx(EFFECT, abs=0.01)
    assert row["p_value"] < 0.001
    assert (result.n_treated, result.n_controls) == (100, 150)  # 2023 entrants are excluded
    assert row["n_obs"] == 250 * len(YEARS)
    assert row["n_clusters"] == 40
    assert list(result.coefficients.columns) == impact.TIDY


def test_event_study_pre_period(result):
    es = result.event_study.set_index("year")
    assert list(es.index) == list(YEARS)
    assert es.loc[2018, "estimate"] == 0 and bool(es.loc[2018, "reference"])
    pre = es.loc[es.index < 2018]
    assert len(pre) == 4
    assert pre["estimate"].abs().max() < 0.015
    post = es.loc[es.index >= 2019, "estimate"]
    assert post.between(EFFECT - 0.02, EFFECT + 0.02).all()
    assert result.pretrend.df_num == 4
    assert result.pretrend.p_value > 0.05


def test_pretrend_is_rejected_when_present():
    res = impact.estimate_did(simulate(pretrend=0.01), reweight_on=None)
    assert res.weights is None
    assert res.pretrend.p_value < 0.001
    pre = res.event_study.set_index("rel_year").loc[-5, "estimate"]
    assert pre == pytest.approx(-0.04, abs=0.01)


def test_balance_weights_equalise_means(result):
    bal = result.weights.balance.set_index("variable")
    assert list(bal.index) == [impact.START_LEVEL, "part_industrie", "densite"]
    assert bal["smd_apres"].abs().max() < 1e-6
    assert bal["moyenne_temoins_ponderee"].to_numpy() == pytest.approx(bal["moyenne_traites"].to_numpy())
    w = result.weights.weights
    assert w.sum() == pytest.approx(2 * result.n_treated)  # treated weigh 1, controls sum to n_treated
    assert 0 < result.weights.effective_controls <= result.n_controls


def test_balance_weights_on_selected_controls():
    rng = np.random.default_rng(1)
    x = rng.normal(size=400)
    units = pd.DataFrame({"t": rng.random(400) < 1 / (1 + np.exp(-1.5 * x)), "x": x})
    w = impact.balance_weights(units, "t", ["x"])
    bal = w.balance.iloc[0]
    assert bal["smd_avant"] > 0.8
    assert abs(bal["smd_apres"]) < 1e-6


def test_placebo_finds_nothing(panel):
    row = impact.placebo(panel, reweight_on=["part_industrie", "densite"]).iloc[0]
    assert row["term"] == "placebo_2016"
    assert row["n_obs"] == 250 * 5  # 2014-2018 only
    assert abs(row["estimate"]) < 0.01
    assert row["ci_low"] < 0 < row["ci_high"]


def test_placebo_detects_pretrend():
    row = impact.placebo(simulate(pretrend=0.01), reweight_on=None).iloc[0]
    assert row["estimate"] > 0.01 and row["p_value"] < 0.001


def test_not_yet_treated_design(panel):
    res = impact.estimate_did(panel, control="not_yet", reweight_on=None)
    assert res.years == (2014, 2022)
    assert (res.n_treated, res.n_controls) == (100, 50)
    assert res.event_study["year"].max() == 2022
    assert res.coefficients.iloc[0]["ci_low"] < EFFECT < res.coefficients.iloc[0]["ci_high"]


def test_assemble_panel_treatment_rules():
    emploi = pd.DataFrame(
        {"code": np.repeat(["200000001", "200000002", "200000003", "200000004", "ZZZZZZZZZ"], 2),
         "year": [2018, 2019] * 5, "eff_total": range(10)}
    )
    cols = {"lib_epci": ["a", "b", "c", "d"], "departement": ["01", "02", "03", "04"], "region": ["84"] * 4}
    sirens = ["200000001", "200000002", "200000003", "200000004"]
    c1 = pd.DataFrame({"siren_epci": sirens, "part_population_ti": [0.9, 0.0, 0.0, 0.2], **cols})
    c2 = pd.DataFrame({"siren_epci": sirens, "part_population_ti": [1.0, 0.7, 0.0, 0.0], **cols})
    out = impact.assemble_panel(emploi, c1, c2)
    cohort = out.drop_duplicates("siren_epci").set_index("siren_epci")["treated_cohort"]
    assert list(cohort.index) == ["200000001", "200000002", "200000003"]  # partly covered 004 dropped
    assert cohort.iloc[:2].tolist() == [2019, 2023] and pd.isna(cohort.iloc[2])
    assert len(out) == 6 and out["emploi"].sum() == 0 + 1 + 2 + 3 + 4 + 5


def test_long_difference_and_cross_section():
    rng = np.random.default_rng(2)
    n = 400
    cross = pd.DataFrame(
        {
            "ti": (rng.random(n) < 0.4).astype(float),
            "region": rng.choice(["11", "24", "84", "93"], n),
            "s11": rng.uniform(10, 40, n),
            "x": rng.normal(size=n),
        }
    )
    region_shift = cross["region"].map({"11": 0.0, "24": -1.0, "84": 1.0, "93": 2.0})
    cross = cross.assign(s22=cross["s11"] - 2 - 1.5 * cross["ti"] + region_shift + rng.normal(0, 0.5, n))
    ld = impact.long_difference(cross, start="s11", end="s22")
    assert list(ld["modele"]) == ["sans effets fixes région", "avec effets fixes région"]
    with_fe = ld.iloc[1]
    assert with_fe["estimate"] == pytest.approx(-1.5, abs=0.15)
    assert with_fe["std_error"] < ld.iloc[0]["std_error"]
    assert ld["n_clusters"].isna().all() and (ld["n_obs"] == n).all()

    cross = cross.assign(y=1 + 0.3 * cross["x"] + rng.normal(0, 0.1, n))
    cs = impact.cross_section(cross, outcome="y", covariates=["x", "ti"]).set_index("term")
    assert list(cs.index) == ["const", "x", "ti"]
    assert cs.loc["x", "estimate"] == pytest.approx(0.3, abs=0.02)
    assert cs.loc["ti", "p_value"] > 0.01


def test_describe_did_numbers(result):
    text = evaluation_impact.describe_did(result)
    effect = impact.pct(result.estimate["estimate"])
    assert f"+{effect:.1f}".replace(".", ",") in text
    assert "IC à 95 %" in text and "tendances parallèles" in text
    assert "écart estimé" in text and "profil industriel" in text and "crise sanitaire" in text
    assert "DSN" not in text  # the data-revision statement lives, sourced, in evaluation_impact.SOURCES
    assert f"{result.pretrend.p_value:.3f}".replace(".", ",") in text


def test_event_study_figure(result, panel):
    fig = evaluation_impact.event_study_figure(result, title="Simulation")
    ax = fig.axes[0]
    assert "Année relative" in ax.get_xlabel()
    assert ax.get_ylabel().startswith("Écart estimé") and "ffet" not in ax.get_ylabel()
    assert list(ax.get_xticks()) == list(range(-5, 6))
    assert ax.get_title() == "Simulation"
    both = evaluation_impact.event_study_figure({"Pondérée": result, "Non pondérée": impact.estimate_did(panel, reweight_on=None)})
    assert [t.get_text() for t in both.axes[0].get_legend().get_texts()] == ["Pondérée", "Non pondérée"]


def test_real_epci_panel_phase1():
    """The URSSAF EPCI series with phase-1/phase-2 coverage: a balanced panel and a DiD that runs."""
    from analysis.donnees import referentiel
    from analysis.donnees.loaders import economie

    serie = economie.urssaf_serie()
    panel = impact.assemble_panel(
        serie[serie["echelon"] == "epci"], referentiel.epci_couverture(1), referentiel.epci_couverture(2)
    )
    units = panel.drop_duplicates("siren_epci")["treated_cohort"]
    assert units.eq(2019).sum() == 548 and units.eq(2023).sum() == 146 and units.isna().sum() == 553
    assert panel.groupby("siren_epci").size().eq(11).all()  # 2014-2024, balanced
    res = impact.estimate_did(panel, reweight_on=None)
    assert res.estimate["n_obs"] == (548 + 553) * 11
    assert res.estimate["n_clusters"] == 96
    assert res.estimate["ci_low"] < res.estimate["estimate"] < res.estimate["ci_high"]
    assert len(res.event_study) == 11 and res.pretrend.df_num == 4


def test_pretrend_rejected_under_the_balancing():
    """The weights balance the first year's level and unit covariates, not the pre-period growth:
    a simulated differential trend of the treated before 2019 stays visible and is rejected."""
    res = impact.estimate_did(simulate(pretrend=0.01), reweight_on=["part_industrie", "densite"])
    assert res.weights is not None
    assert res.pretrend.p_value < 0.001
    lead = res.event_study.set_index("rel_year").loc[-5, "estimate"]
    assert lead == pytest.approx(-0.04, abs=0.01)  # 4 years x 0.01 below the 2018 reference
    placebo = impact.placebo(simulate(pretrend=0.01), reweight_on=["part_industrie", "densite"]).iloc[0]
    assert placebo["estimate"] > 0.01 and placebo["p_value"] < 0.001


def test_summary_tables(result, panel):
    row = result.summary.iloc[0]
    assert list(result.summary.columns) == impact.SUMMARY
    assert (row["n_treated"], row["n_controls"], row["n_clusters"]) == (100, 150, 40)
    assert row["design"] == "témoins jamais traités, pondéré"
    pooled = impact.twfe_pooled(panel).iloc[0]
    assert (pooled["n_treated"], pooled["n_controls"]) == (150, 150)
    assert impact.mde(1.0, 10_000) == pytest.approx(1.96 + 0.8416, abs=0.001)
    assert impact.mde(0.01, 39) == pytest.approx(0.01 * (2.0227 + 0.8513), abs=1e-4)


def test_compare_groups():
    rng = np.random.default_rng(3)
    groups = np.repeat(["jamais", "a", "b"], 200)
    units = pd.DataFrame({"g": groups, "departement": [f"{i % 30:02d}" for i in range(600)],
                          "y": np.select([groups == "a", groups == "b"], [0.5, -0.2], 0.0) + rng.normal(0, 0.1, 600)})
    out = impact.compare_groups(units, outcome="y", group="g", reference="jamais").set_index("g")
    assert out.loc["a", "estimate"] == pytest.approx(0.5, abs=0.03)
    assert out.loc["b", "estimate"] == pytest.approx(-0.2, abs=0.03)
    assert pd.isna(out.loc["jamais", "estimate"]) and out.loc["jamais", "n"] == 200
    assert out.loc["a", "n_clusters"] == 30


def test_placebo_reported_by_its_size(result):
    b = result.estimate["estimate"]
    placebo = pd.DataFrame([{"term": "placebo_2016", "estimate": 0.4 * b, "std_error": 0.01, "ci_low": 0.4 * b - 0.02,
                             "ci_high": 0.4 * b + 0.02, "p_value": 0.2, "n_obs": 1, "n_clusters": 40}])
    text = evaluation_impact.texte_placebo(result, placebo, placebo.assign(estimate=0.0), 2016)
    assert "soit 40 % de l'écart de la double différence pondérée" in text and "de même signe" in text
    assert "interdit d'attribuer tout cet écart au programme" in text and "3 ans avant" in text
    small = evaluation_impact.texte_placebo(result, placebo.assign(estimate=-0.1 * b), placebo, 2016)
    assert "soit 10 % de l'écart de la double différence pondérée" in small and "signe opposé" in small and "petit" in small


def test_tendances_paragraph_counts_significant_leads():
    weighted = impact.estimate_did(simulate(pretrend=0.01), reweight_on=["part_industrie", "densite"])
    text = evaluation_impact.texte_tendances(weighted, impact.estimate_did(simulate(pretrend=0.01), reweight_on=None))
    leads = weighted.event_study.loc[weighted.event_study["rel_year"] <= -2]
    n_sig = int(((leads["ci_low"] > 0) | (leads["ci_high"] < 0)).sum())
    assert n_sig == 4 and "4 écarts sur 4 sont significatifs" in text
    assert "rejette l'hypothèse de tendances parallèles" in text and "ne rejette pas" not in text
