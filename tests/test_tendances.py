"""Rambachan-Roth bounds and the linear-trend extrapolation on simulated panels with a known
truth: a linear difference of trends that continues after entry, and an effect on top."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.analyses import cohortes, tendances
from test_impact import simulate

TREND = -0.004  # the 2019 cohort loses 0.4 point a year on the controls, before and after entry


def _event_study(effect: float, trend: float = TREND, seed: int = 1) -> tendances.EventStudy:
    """The 2019 cohort's event study (never-treated controls) on a panel where the cohort also
    follows a linear trend ``trend`` (log points a year) over every year."""
    panel = simulate(effect=effect, seed=seed)
    treated = panel["treated_cohort"].eq(2019).fillna(False).to_numpy(dtype=bool)
    panel = panel.assign(emploi=panel["emploi"] * np.exp(trend * (panel["year"] - 2018) * treated))
    return tendances.from_cohort(*cohortes.cohort_event_study(panel, 2019))


@pytest.fixture(scope="module")
def moderate() -> tendances.EventStudy:
    return _event_study(-0.03)


def test_event_study_of_one_cohort(moderate):
    assert moderate.rel_year == (-5, -4, -3, -2, 0, 1, 2, 3, 4, 5)
    assert moderate.cov.shape == (10, 10) and moderate.df == 39
    assert moderate.estimate[0] == pytest.approx(-4 * TREND, abs=0.01)  # 2014: four years before the reference


def test_naive_interval_misses_the_truth_under_a_linear_pretrend(moderate):
    naive = tendances.bornes(moderate, "relative_magnitude", (0.0,)).iloc[0]
    assert naive["ci_high"] < -0.03  # the trend adds -0.014 on average: the usual interval excludes the truth


def test_bounds_cover_the_truth_under_a_linear_pretrend(moderate):
    smooth = tendances.bornes(moderate, "smoothness", (0.0,)).iloc[0]  # M = 0: the pre-entry trend extended
    assert smooth["ci_low"] < -0.03 < smooth["ci_high"] < 0
    rm = tendances.bornes(moderate, "relative_magnitude", (1.0,)).iloc[0]  # post changes as large as pre ones
    assert rm["ci_low"] < -0.03 < rm["ci_high"] and rm["borne_basse"] < -0.03 < rm["borne_haute"]
    lin, slope = tendances.tendance_lineaire(moderate)
    mean = lin.set_index("cible").loc[tendances.MOYENNE]
    assert slope == pytest.approx(TREND, abs=0.0015)
    assert mean["ci_low"] < -0.03 < mean["ci_high"] < 0
    assert mean["corrige"] == pytest.approx(-0.03, abs=0.006)
    year = tendances.bornes(moderate, "smoothness", (0.0,), cible=3).iloc[0]
    assert year["cible"] == "3" and year["ci_low"] < -0.03 < year["ci_high"]


def test_bounds_widen_with_the_restriction(moderate):
    rm = tendances.bornes(moderate, "relative_magnitude")
    width = rm["ci_high"] - rm["ci_low"]
    assert list(rm["M"]) == list(tendances.GRILLES["relative_magnitude"]) and width.is_monotonic_increasing
    assert rm.loc[0, "borne_basse"] == pytest.approx(rm.loc[0, "estimate"]) == pytest.approx(moderate.estimate[4:].mean())


def test_large_effect_survives_and_breakdown_value():
    large = _event_study(-0.15)
    for methode, m in (("relative_magnitude", 1.0), ("smoothness", 0.002)):
        assert tendances.bornes(large, methode, (m,)).iloc[0]["ci_high"] < 0
    breakdown = tendances.point_de_rupture(large, "relative_magnitude")
    assert breakdown is None or breakdown > 2  # interval excludes 0 over the whole grid
    moderate_breakdown = tendances.point_de_rupture(_event_study(-0.03), "relative_magnitude")
    assert 0.5 < moderate_breakdown < 2
    row = tendances.bornes(_event_study(-0.03), "relative_magnitude", (moderate_breakdown,)).iloc[0]
    assert row["ci_low"] <= 0 <= row["ci_high"] + 1e-3


def test_no_effect_breaks_down_at_zero():
    assert tendances.point_de_rupture(_event_study(0.0, trend=0.0), "relative_magnitude") == 0.0


def test_bad_input_is_refused(moderate):
    with pytest.raises(ValueError, match="restriction inconnue"):
        tendances.bornes(moderate, "lisse")
    with pytest.raises(ValueError, match="cible inconnue"):
        tendances.bornes(moderate, "smoothness", (0.0,), cible=9)
    with pytest.raises(ValueError, match="sans trou"):
        tendances.EventStudy((-4, -2, 0), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="cohorte absente"):
        cohortes.cohort_event_study(simulate(), 2021)


def test_cohort_event_study_matches_callaway_santanna():
    panel = simulate(effect=-0.02)
    gt, cov, g = cohortes.cohort_event_study(panel, 2019)
    full = cohortes.callaway_santanna(panel).group_time
    full = full[full["cohort"] == 2019].reset_index(drop=True)
    pd.testing.assert_frame_equal(gt, full[gt.columns], check_dtype=False)
    assert np.sqrt(np.diag(cov)) == pytest.approx(gt["std_error"].to_numpy())


def test_callaway_santanna_agrees_with_diff_diff():
    table = cohortes.verification(simulate(effect=-0.03, effect_2023=-0.02)).set_index("cible")
    assert table["ecart"].max() < 1e-9  # same point estimates, cell by cell
    assert table.loc["cohorte 2019", "projet"] == pytest.approx(-0.03, abs=0.006)
    ratio = table["se_projet"] / table["se_diff_diff"]
    assert ratio.dropna().between(0.9, 1.1).all()  # clustered standard errors within 10 %
    not_yet = cohortes.verification(simulate(effect=-0.03, effect_2023=-0.02), control="not_yet")
    assert not_yet["ecart"].max() < 1e-9


def _sector_shock(shock: float = -0.1, seed: int = 2) -> pd.DataFrame:
    """A sector shock from 2021 that scales with each unit's industry share, higher among the
    2019 entrants (share 0.5 against 0.3 on average); the programme has no effect."""
    panel = simulate(effect=0.0, seed=seed)
    rng = np.random.default_rng(seed)
    units = panel.drop_duplicates("siren_epci")
    treated = units["treated_cohort"].eq(2019).fillna(False).to_numpy(bool)
    share = pd.Series(np.clip(np.where(treated, 0.5, 0.3) + rng.normal(0, 0.2, len(units)), 0, 1),
                      index=units["siren_epci"].to_numpy())
    s = panel["siren_epci"].map(share)
    return panel.assign(part_industrie=s, emploi=panel["emploi"] * np.exp(shock * s * (panel["year"] >= 2021)))


def test_exposure_control_removes_a_sector_shock():
    panel = _sector_shock()
    naive = cohortes.callaway_santanna(panel).by_cohort.set_index("cohort").loc[2019]
    adjusted = cohortes.callaway_santanna(panel, covariates=["part_industrie"]).by_cohort.set_index("cohort").loc[2019]
    assert naive["ci_high"] < -0.005  # the shock passes for a gap: about -0.1 × 0.2 × 4/6 of the post years
    assert adjusted["ci_low"] < 0 < adjusted["ci_high"] and abs(adjusted["estimate"]) < 0.004


def test_covariate_adjusted_estimator_agrees_with_diff_diff():
    table = cohortes.verification(_sector_shock(), covariates=["part_industrie"]).set_index("cible")
    assert table["ecart"].max() < 1e-8
    assert (table["se_projet"] / table["se_diff_diff"]).dropna().between(0.9, 1.1).all()


def test_breakdown_reuses_the_grid_and_agrees(moderate):
    grid = tendances.bornes(moderate, "relative_magnitude")
    assert tendances.point_de_rupture(moderate, "relative_magnitude", deja=grid) == tendances.point_de_rupture(
        moderate, "relative_magnitude")


def _sector_shift(effect: float = -0.03, shock: float = -0.1, seed: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A panel whose employment follows its shift-share prediction: two sectors, national industry
    employment falling by ``-shock`` from 2021 and services flat, industry shares higher among the
    2019 entrants (0.5 against 0.3 on average); the programme's true effect is ``effect``. Returns
    the panel (with industry and services shares) and the national series (years x sectors)."""
    panel = simulate(effect=effect, seed=seed)
    rng = np.random.default_rng(seed)
    units = panel.drop_duplicates("siren_epci")
    treated = units["treated_cohort"].eq(2019).fillna(False).to_numpy(bool)
    share = pd.Series(np.clip(np.where(treated, 0.5, 0.3) + rng.normal(0, 0.15, len(units)), 0, 1), index=units["siren_epci"].to_numpy())
    years = np.arange(2010, 2025)
    national = pd.DataFrame({"industrie": np.where(years >= 2021, 1 + shock, 1.0) * 3e6, "services": np.full(len(years), 9e6)},
                            index=years)
    s = panel["siren_epci"].map(share)
    path = s * national["industrie"].reindex(panel["year"]).to_numpy() / 3e6 + (1 - s)
    return panel.assign(industrie=100 * s, services=100 * (1 - s), emploi=panel["emploi"] * path), national


def test_shift_share_offset_removes_a_sector_shock_that_the_raw_design_keeps():
    from analysis.analyses import bartik

    panel, national = _sector_shift()
    predit = bartik.chemin_predit(panel.drop_duplicates("siren_epci").set_index("siren_epci")[["industrie", "services"]],
                                  national, 2016)
    assert np.allclose(predit[2016], 1) and np.allclose(predit[2020], 1)
    some = panel["siren_epci"].iloc[0]
    assert predit.loc[some, 2022] == pytest.approx(1 - 0.1 * panel["industrie"].iloc[0] / 100)
    net = bartik.net_de_prediction(panel, predit)
    naive = cohortes.callaway_santanna(panel).by_cohort.set_index("cohort").loc[2019]
    adjusted = cohortes.callaway_santanna(net, outcome="emploi_net").by_cohort.set_index("cohort").loc[2019]
    # the shock, -0.1 x 0.2 more industry among the treated, over 4 of the 6 post years, passes for a gap
    assert naive["estimate"] < -0.03 - 0.01 and naive["ci_high"] < -0.03
    assert adjusted["estimate"] == pytest.approx(-0.03, abs=0.004)
    assert adjusted["ci_low"] < -0.03 < adjusted["ci_high"]


def test_shift_share_keeps_the_years_of_the_national_series_and_refuses_other_groups():
    from analysis.analyses import bartik

    panel, national = _sector_shift()
    parts = panel.drop_duplicates("siren_epci").set_index("siren_epci")[["industrie", "services"]]
    net = bartik.net_de_prediction(panel, bartik.chemin_predit(parts, national.loc[:2022], 2016))
    assert net["year"].max() == 2022 and len(net) == len(panel[panel["year"] <= 2022])
    with pytest.raises(ValueError, match="groupes de secteurs différents"):
        bartik.chemin_predit(parts.assign(construction=1.0), national, 2016)
    with pytest.raises(ValueError, match="année de base absente"):
        bartik.chemin_predit(parts, national, 2030)


def _pooled_study(effect: float, trend: float = TREND, seed: int = 1) -> tendances.EventStudy:
    """The event study of both cohorts together (never-treated controls) on a panel where each
    cohort follows a linear trend ``trend`` from its reference year over every year, and the
    programme's effect is ``effect`` in both."""
    panel = simulate(effect=effect, effect_2023=effect, seed=seed)
    since = panel["year"] - (panel["treated_cohort"].astype("float64") - 1)
    panel = panel.assign(emploi=panel["emploi"] * np.exp(trend * since.fillna(0).to_numpy()))
    return tendances.from_cohort(*cohortes.pooled_event_study(panel))


def test_pooled_event_study_is_the_event_time_aggregation():
    panel = simulate(effect=-0.02, effect_2023=-0.01)
    events, cov, n = cohortes.pooled_event_study(panel)
    by = cohortes.callaway_santanna(panel).by_event.query("rel_year != -1").reset_index(drop=True)
    pd.testing.assert_frame_equal(events, by[events.columns], check_dtype=False)
    assert list(events["rel_year"]) == [*range(-9, -1), *range(0, 6)] and n == 40
    assert np.sqrt(np.diag(cov)) == pytest.approx(events["std_error"].to_numpy())


def test_pooled_bounds_cover_the_truth_under_a_linear_pretrend_and_exclude_zero_when_large():
    es = _pooled_study(-0.03)
    naive = tendances.bornes(es, "relative_magnitude", (0.0,)).iloc[0]
    assert naive["ci_high"] < -0.03  # the trend adds about -0.4 x 3.5 = -1.4 points on average
    smooth = tendances.bornes(es, "smoothness", (0.0,)).iloc[0]
    assert smooth["ci_low"] < -0.03 < smooth["ci_high"] < 0
    rm = tendances.bornes(es, "relative_magnitude", (1.0,)).iloc[0]
    assert rm["ci_low"] < -0.03 < rm["ci_high"]
    large = _pooled_study(-0.15)
    for methode, m in (("relative_magnitude", 1.0), ("smoothness", 0.002)):
        assert tendances.bornes(large, methode, (m,)).iloc[0]["ci_high"] < 0
    assert tendances.point_de_rupture(large, "relative_magnitude") is None  # excludes 0 over the whole grid
    assert tendances.point_de_rupture(es, "relative_magnitude") < tendances.GRILLES["relative_magnitude"][-1]
