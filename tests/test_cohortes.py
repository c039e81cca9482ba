"""Cohort-robust DiD and synthetic control recover known effects on simulated panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.analyses import cohortes, controle_synthetique, impact
from test_impact import simulate

SLOPE, LATE = 0.04, -0.05  # cohort 2019: 0.04 x (year - 2018); cohort 2023: -0.05 from 2023


@pytest.fixture(scope="module")
def staggered() -> pd.DataFrame:
    return simulate(effect=0.0, slope=SLOPE, effect_2023=LATE)


@pytest.fixture(scope="module")
def few_never() -> pd.DataFrame:
    """200 units entering in 2019, 100 in 2023 and only 30 never treated: the pooled TWFE then
    leans on the 2019 units, whose effect keeps growing, as controls of the 2023 entrants."""
    panel = simulate(n=600, effect=0.0, slope=SLOPE, effect_2023=LATE)
    never = panel.loc[panel["treated_cohort"].isna(), "siren_epci"].unique()[:30]
    return panel[panel["treated_cohort"].notna() | panel["siren_epci"].isin(never)]


def test_cohorts_recover_heterogeneous_effects_that_pooled_twfe_biases(few_never):
    res = cohortes.callaway_santanna(few_never)
    by = res.by_cohort.set_index("cohort")
    truth_2019 = SLOPE * np.mean(np.arange(1, 7))  # 2019-2024: 0.14
    assert by.loc[2019, "estimate"] == pytest.approx(truth_2019, abs=0.006)  # 0.1364
    assert by.loc[2023, "estimate"] == pytest.approx(LATE, abs=0.006)  # -0.0451
    assert by.loc[2019, "ci_low"] < truth_2019 < by.loc[2019, "ci_high"]
    assert (by.loc[2019, "n_treated"], by.loc[2023, "n_treated"], by.loc[2019, "n_controls"]) == (200, 100, 30)
    truth = (200 * truth_2019 + 100 * LATE) / 300  # 0.0767
    overall = res.overall.iloc[0]
    assert overall["estimate"] == pytest.approx(truth, abs=0.003)  # 0.0759
    assert overall["ci_low"] < truth < overall["ci_high"]
    assert list(res.overall.columns) == impact.SUMMARY
    pooled = impact.twfe_pooled(few_never).iloc[0]
    assert truth - pooled["estimate"] > 0.025  # 0.0442: biased towards zero
    assert pooled["ci_high"] < truth


def test_event_time_aggregation(staggered):
    res = cohortes.callaway_santanna(staggered)
    event = res.by_event.set_index("rel_year")
    assert event.loc[0, "estimate"] == pytest.approx((100 * SLOPE + 50 * LATE) / 150, abs=0.012)
    assert event.loc[5, "estimate"] == pytest.approx(6 * SLOPE, abs=0.012)  # cohort 2019 only, 5 years after entry
    assert event.loc[-1, "estimate"] == 0 and event.loc[event.index < -1, "estimate"].abs().max() < 0.01
    assert res.pretrend.p_value > 0.05 and res.n_clusters == 40


def test_not_yet_treated_controls(staggered):
    res = cohortes.callaway_santanna(staggered, control="not_yet")
    by = res.by_cohort.set_index("cohort")
    assert by.loc[2019, "estimate"] == pytest.approx(SLOPE * 3.5, abs=0.006)
    assert by.loc[2019, "n_controls"] == 200  # 2023 entrants serve until 2022
    gt = res.group_time.set_index(["cohort", "year"])
    assert gt.loc[(2019, 2022), "n_controls"] == 200 and gt.loc[(2019, 2023), "n_controls"] == 150


def test_cohorts_detect_pretrend():
    res = cohortes.callaway_santanna(simulate(pretrend=0.01))
    assert res.pretrend.p_value < 0.001


def _donors(n: int = 60, years=range(2012, 2025), seed: int = 4) -> pd.DataFrame:
    """Donor indices driven by three common factors with unit loadings, plus small noise."""
    rng = np.random.default_rng(seed)
    factors = np.cumsum(rng.normal(0, 1.5, (len(years), 3)), axis=0)
    loadings = rng.dirichlet(np.ones(3), n).T
    paths = 100 + factors @ loadings + rng.normal(0, 0.3, (len(years), n))
    return pd.DataFrame(paths, index=list(years), columns=[f"d{j}" for j in range(n)])


def test_synthetic_control_recovers_known_gap():
    donors = _donors()
    start, gap = 2019, 5.0
    truth = donors[["d1", "d2", "d3"]] @ np.array([0.5, 0.3, 0.2])
    treated = truth + np.where(truth.index >= start, gap, 0.0)
    placebo = controle_synthetique.placebo_in_space(donors, start)
    sc = controle_synthetique.synthetic_control(treated, donors, start, placebo)
    post = sc.path.set_index("year").loc[start:, "ecart"]
    assert post.mean() == pytest.approx(gap, abs=0.5)
    assert sc.ecart_post == pytest.approx(post.mean())
    assert sc.rmspe_pre < 0.5
    assert sc.weights.sum() == pytest.approx(1.0) and (sc.weights > 0).all()
    assert sc.rank == 1 and sc.p_value == pytest.approx(1 / 61)
    assert len(placebo) == 60 and (placebo["ratio"] > 0).all()


def test_synthetic_control_without_gap_is_not_ranked_first():
    donors = _donors(seed=5)
    treated = donors[["d1", "d2", "d3"]] @ np.array([0.5, 0.3, 0.2])
    sc = controle_synthetique.synthetic_control(treated, donors, 2019, controle_synthetique.placebo_in_space(donors, 2019))
    assert abs(sc.ecart_post) < 0.5
    assert sc.p_value > 0.1


def test_simplex_weights_exact_without_penalty():
    rng = np.random.default_rng(6)
    x = rng.normal(100, 5, (8, 20))
    w = controle_synthetique.simplex_weights(x, x[:, :3] @ np.array([0.2, 0.5, 0.3]), ridge=0.0)
    assert w[:3] == pytest.approx([0.2, 0.5, 0.3], abs=1e-4) and w.sum() == pytest.approx(1.0)


def test_synthetic_control_leave_one_out_and_in_time_placebo():
    donors = _donors()
    start, gap = 2019, 5.0
    truth = donors[["d1", "d2", "d3"]] @ np.array([0.5, 0.3, 0.2])
    treated = truth + np.where(truth.index >= start, gap, 0.0)
    sc = controle_synthetique.synthetic_control(treated, donors, start)
    loo = controle_synthetique.leave_one_out(treated, donors, start, sc)
    assert len(loo) == len(sc.weights) and set(loo["donneur"]) == set(sc.weights.index)
    top = controle_synthetique.leave_one_out(treated, donors, start, sc, n=2)
    assert list(top["donneur"]) == list(sc.weights.index[:2])
    assert loo["ecart_post"].between(gap - 1.5, gap + 1.5).all()  # no donor carries the gap
    fake = controle_synthetique.in_time_placebo(treated, donors, start, 2016)
    assert fake.path["year"].max() == 2018 and fake.start == 2016
    assert abs(fake.ecart_post) < 1.0  # nothing happens in 2016
    shifted = treated + np.where((treated.index >= 2016) & (treated.index < start), 5.0, 0.0)  # a gap already in 2016
    assert controle_synthetique.in_time_placebo(shifted, donors, start, 2016).ecart_post > 3.5
    with pytest.raises(ValueError, match="fausse entrée"):
        controle_synthetique.in_time_placebo(treated, donors, start, 2020)


def test_restricted_donor_pool_removes_a_regional_shock_the_full_pool_passes_for_a_gap():
    donors = _donors()
    start, shock = 2019, -4.0
    region_a = [f"d{j}" for j in range(30)]
    post = np.where(donors.index >= start, shock, 0.0)
    donors = donors.assign(**{c: donors[c] + post for c in region_a})  # a regional shock after entry, no programme
    treated = donors[["d31", "d32", "d33"]] @ np.array([0.5, 0.3, 0.2]) + post  # a region-A territory shaped like B donors
    full = controle_synthetique.synthetic_control(treated, donors, start)
    assert full.ecart_post < -1.5  # -1.8: the full pool leans on region-B donors, part of the shock passes for a gap
    out = controle_synthetique.variantes_donneurs(treated, donors, start, {"region": region_a, "profil_sectoriel": ["d1", "d2", "d40"]})
    assert list(out.columns) == controle_synthetique.VARIANTES
    region = out.set_index("variante").loc["region"]
    assert region["n_donneurs"] == 30 and abs(region["ecart_post"]) < 1.0 and region["rmspe_pre"] < 1.0
    small = out.set_index("variante").loc["profil_sectoriel"]
    assert small["n_donneurs"] == 3 and small["n_poids"] == 0 and np.isnan(small["ecart_post"])  # fewer than 5 donors: not fitted
