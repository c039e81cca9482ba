"""Difference-in-differences robust to staggered adoption: Callaway & Sant'Anna (2021)
group-time average treatment effects, aggregated by cohort, by event time and overall.

ATT(g, t) compares, for the units first treated in year g (cohort g), the change of the log
outcome between the base year g-1 and year t with the same change among control units:
never-treated units, or never-treated and not-yet-treated units (treated after max(t, g-1),
other than g). The base year is g-1 for every t ("universal" base), so the pre-treatment
ATT(g, t) are leads comparable with those of the TWFE event study (reference g-1). No
covariates (unconditional parallel trends) and no weights.

Inference: each ATT(g, t) is a difference of two means, whose influence function is, for a
treated unit, (Δy - mean_T) / n_T and, for a control, -(Δy - mean_C) / n_C. Aggregations are
linear combinations with fixed weights (cohort sizes are taken as given), so their influence
function is the same combination; standard errors sum it by département (cluster-robust,
G/(G-1) correction) and confidence intervals use t with G-1 degrees of freedom, as the TWFE.

Aggregations (Callaway & Sant'Anna's notation): by cohort, θ(g) = mean of ATT(g, t) over the
post years t ≥ g; by event time e, the cohort-size weighted mean of ATT(g, g+e) over the
cohorts observed at g+e; overall, θ = Σ_g n_g θ(g) / Σ_g n_g.

Written here rather than taken from a package: ``differences`` 0.3.0 (GPL-3.0, for an MIT
project) fails on clustered standard errors with pandas 3, and ``csdid`` pulls build tools
(twine, keyring) into the runtime. The point estimates of this module equal those of
``differences`` (``ATTgt`` with ``base_period="universal"``) on the tests' simulated panel
(checked by hand when this module was written; the package is not a dependency).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analysis.analyses.impact import CLUSTER, COHORT, SUMMARY, TIME, UNIT, WaldTest

COLUMNS = ["cohort", "year", "rel_year", "estimate", "std_error", "ci_low", "ci_high", "p_value", "n_treated", "n_controls"]


@dataclass(frozen=True)
class CohortResult:
    """Group-time ATTs and their aggregations (log points)."""

    design: str
    control: str  # "never" or "not_yet"
    group_time: pd.DataFrame  # COLUMNS, one row per (cohort, year), base years excluded
    by_cohort: pd.DataFrame  # cohort + tidy columns + n_treated, n_controls
    by_event: pd.DataFrame  # rel_year + tidy columns (rel_year -1 included with 0)
    overall: pd.DataFrame  # SUMMARY row
    pretrend: WaldTest  # joint test that every pre-treatment ATT(g, t) is zero
    n_clusters: int


def _cluster_se(influence: np.ndarray, clusters: np.ndarray, n_clusters: int) -> np.ndarray:
    """Cluster-robust covariance of the statistics whose influence functions are the columns
    of ``influence`` (units x statistics)."""
    sums = np.zeros((n_clusters, influence.shape[1]))
    np.add.at(sums, clusters, influence)
    return sums.T @ sums * n_clusters / (n_clusters - 1)


def _tidy(estimates: np.ndarray, cov: np.ndarray, df: int) -> pd.DataFrame:
    from scipy.stats import t

    se = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * t.sf(np.abs(estimates / se), df)
    q = t.ppf(0.975, df)
    return pd.DataFrame({"estimate": estimates, "std_error": se, "ci_low": estimates - q * se,
                         "ci_high": estimates + q * se, "p_value": p})


def _group_time(y: pd.DataFrame, cohort: np.ndarray, cohorts: list[int], control: Literal["never", "not_yet"],
                x: np.ndarray | None = None) -> tuple[pd.DataFrame, np.ndarray, dict[int, np.ndarray]]:
    """The group-time ATTs of ``y`` (log outcome, units x years): one row per cohort x year
    against the cohort's base year ``g - 1``; the influence function of each (units x cells);
    per cohort, the controls used by at least one post-treatment cell. With unit covariates
    ``x`` (units x k), the controls' change is their OLS prediction at the treated units'
    covariates (outcome regression; without ``x``, their mean)."""
    ones = np.ones((len(y), 1))
    design = ones if x is None else np.hstack([ones, x])
    never = np.isnan(cohort)
    years = [int(v) for v in y.columns]
    rows, influence = [], []
    used = {g: np.zeros(len(y), dtype=bool) for g in cohorts}  # controls of at least one post-treatment cell
    for g in cohorts:
        treated = cohort == g
        base = y[g - 1].to_numpy()
        for t in years:
            if t == g - 1:
                continue
            if control == "never":
                ctrl = never
            else:
                ctrl = never | ((cohort > max(t, g - 1)) & (cohort != g))
            delta = y[t].to_numpy() - base
            ok = ~np.isnan(delta)
            tr, co = treated & ok, ctrl & ok
            n_t, n_c = int(tr.sum()), int(co.sum())
            if n_t == 0 or n_c == 0:
                continue
            if t >= g:
                used[g] |= co
            xc, xt = design[co], design[tr].mean(axis=0)
            gram_inv = np.linalg.pinv(xc.T @ xc)
            beta = gram_inv @ xc.T @ delta[co]
            m_t, m_c = delta[tr].mean(), float(xt @ beta)
            psi = np.zeros(len(y))
            psi[tr] = (delta[tr] - design[tr] @ beta - (m_t - m_c)) / n_t
            psi[co] = -(xc @ gram_inv @ xt) * (delta[co] - xc @ beta)
            rows.append({"cohort": g, "year": t, "rel_year": t - g, "estimate": m_t - m_c, "n_treated": n_t, "n_controls": n_c})
            influence.append(psi)
    return pd.DataFrame(rows), np.column_stack(influence), used


def _prepare(panel: pd.DataFrame, outcome: str, control: str, cluster: str, covariates: Sequence[str] = (),
             ) -> tuple[pd.DataFrame, np.ndarray, list[int], np.ndarray, int, np.ndarray | None]:
    """Log ``outcome`` (units x years), each unit's cohort (NaN: never treated), the cohorts whose
    base year is observed, the units' cluster codes, the number of clusters and the unit
    ``covariates`` (units x k; None without covariates; units with a missing one left out)."""
    if control not in ("never", "not_yet"):
        raise ValueError(f"groupe témoin inconnu : {control!r} (attendu 'never' ou 'not_yet')")
    data = panel[panel[outcome] > 0].dropna(subset=list(covariates))
    y = np.log(data.pivot_table(index=UNIT, columns=TIME, values=outcome, aggfunc="sum"))
    units = data.drop_duplicates(UNIT).set_index(UNIT).loc[y.index]
    cohort = units[COHORT].astype("float64").to_numpy()  # NaN: never treated
    clusters, labels = pd.factorize(units[cluster])
    years = [int(v) for v in y.columns]
    cohorts = sorted(int(g) for g in np.unique(cohort[~np.isnan(cohort)]) if g - 1 in years)
    x = units[list(covariates)].astype("float64").to_numpy() if covariates else None
    return y, cohort, cohorts, clusters, len(labels), x


def cohort_event_study(
    panel: pd.DataFrame,
    cohort: int,
    *,
    outcome: str = "emploi",
    control: Literal["never", "not_yet"] = "never",
    cluster: str = CLUSTER,
    covariates: Sequence[str] = (),
) -> tuple[pd.DataFrame, np.ndarray, int]:
    """The group-time ATTs of one ``cohort`` (``COLUMNS``, one row per year other than the base
    year ``cohort - 1``), their cluster-robust covariance (same order) and the number of clusters:
    the event study of that cohort in the design of ``callaway_santanna``."""
    y, cohorts_of, cohorts, clusters, n_clusters, x = _prepare(panel, outcome, control, cluster, covariates)
    if cohort not in cohorts:
        raise ValueError(f"cohorte absente du panel ou sans année de base : {cohort} (cohortes : {cohorts})")
    gt, psi, _ = _group_time(y, cohorts_of, [cohort], control, x)
    cov = _cluster_se(psi, clusters, n_clusters)
    tidy = _tidy(gt["estimate"].to_numpy(), cov, n_clusters - 1)
    gt = pd.concat([gt[["cohort", "year", "rel_year"]], tidy, gt[["n_treated", "n_controls"]]], axis=1)[COLUMNS]
    return gt, cov, n_clusters


def callaway_santanna(
    panel: pd.DataFrame,
    *,
    outcome: str = "emploi",
    control: Literal["never", "not_yet"] = "never",
    cluster: str = CLUSTER,
    covariates: Sequence[str] = (),
) -> CohortResult:
    """Group-time ATTs of log ``outcome`` for every cohort of ``panel`` (one row per unit x year
    with ``siren_epci, year, <outcome>, treated_cohort, departement``; balanced on the years
    used), aggregated by cohort, by event time and overall (see the module docstring). With
    unit ``covariates``, parallel trends are conditional on them (outcome regression)."""
    y, cohort, cohorts, clusters, n_clusters, x = _prepare(panel, outcome, control, cluster, covariates)
    years = [int(v) for v in y.columns]
    gt, psi, used = _group_time(y, cohort, cohorts, control, x)
    df = n_clusters - 1

    def aggregate(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Estimates and covariance of the linear combinations ``weights`` (combos x cells)."""
        return weights @ gt["estimate"].to_numpy(), _cluster_se(psi @ weights.T, clusters, n_clusters)

    est, cov = gt["estimate"].to_numpy(), _cluster_se(psi, clusters, n_clusters)
    gt = pd.concat([gt[["cohort", "year", "rel_year"]], _tidy(est, cov, df), gt[["n_treated", "n_controls"]]], axis=1)[COLUMNS]

    post = (gt["rel_year"] >= 0).to_numpy()
    sizes = {g: int((cohort == g).sum()) for g in cohorts}
    w_cohort = np.array([((gt["cohort"] == g) & post).to_numpy() / ((gt["cohort"] == g) & post).sum() for g in cohorts])
    b, v = aggregate(w_cohort)
    by_cohort = pd.concat([pd.DataFrame({"cohort": cohorts}), _tidy(b, v, df)], axis=1).assign(
        n_treated=[sizes[g] for g in cohorts], n_controls=[int(used[g].sum()) for g in cohorts])

    events, w_event = _event_weights(gt, sizes)
    b, v = aggregate(w_event)
    by_event = pd.concat([pd.DataFrame({"rel_year": events}), _tidy(b, v, df)], axis=1)
    reference = pd.DataFrame([{"rel_year": -1, "estimate": 0.0, "std_error": 0.0, "ci_low": 0.0, "ci_high": 0.0, "p_value": np.nan}])
    by_event = pd.concat([by_event, reference], ignore_index=True).sort_values("rel_year", ignore_index=True)

    share = np.array([sizes[g] for g in cohorts], dtype="float64")
    b, v = aggregate(((share / share.sum()) @ w_cohort)[None, :])
    design = {"never": "témoins jamais traités", "not_yet": "témoins jamais ou pas encore traités"}[control]
    any_control = np.logical_or.reduce(list(used.values()))
    n_units = int((np.isin(cohort, cohorts) | any_control).sum())
    overall = _tidy(b, v, df).assign(
        design=f"Callaway et Sant'Anna, {design}", n_treated=int(share.sum()), n_controls=int(any_control.sum()),
        n_obs=n_units * len(years), n_clusters=n_clusters)[SUMMARY]

    pre = gt.loc[gt["rel_year"] < -1].index.to_numpy()
    wald = _wald(est[pre], cov[np.ix_(pre, pre)], df)
    return CohortResult(design, control, gt, by_cohort, by_event, overall, wald, n_clusters)


def _event_weights(gt: pd.DataFrame, sizes: dict[int, int]) -> tuple[list[int], np.ndarray]:
    """The event times of the group-time ATTs ``gt`` and the weights (event times x cells) of
    their aggregation by event time: the cohort-size weighted mean of the cells at that time."""
    events = sorted(int(e) for e in gt["rel_year"].unique())
    size = gt["cohort"].map(sizes).to_numpy(dtype="float64")
    return events, np.array([np.where(gt["rel_year"] == e, size, 0.0) / np.where(gt["rel_year"] == e, size, 0.0).sum()
                             for e in events])


def pooled_event_study(
    panel: pd.DataFrame,
    *,
    outcome: str = "emploi",
    control: Literal["never", "not_yet"] = "never",
    cluster: str = CLUSTER,
    covariates: Sequence[str] = (),
) -> tuple[pd.DataFrame, np.ndarray, int]:
    """The event study of every cohort together (the ``by_event`` aggregation of
    ``callaway_santanna``, the reference year -1 left out): rel_year and the tidy columns, their
    cluster-robust covariance (same order) and the number of clusters."""
    y, cohort, cohorts, clusters, n_clusters, x = _prepare(panel, outcome, control, cluster, covariates)
    gt, psi, _ = _group_time(y, cohort, cohorts, control, x)
    events, w = _event_weights(gt, {g: int((cohort == g).sum()) for g in cohorts})
    est, cov = w @ gt["estimate"].to_numpy(), _cluster_se(psi @ w.T, clusters, n_clusters)
    return pd.concat([pd.DataFrame({"rel_year": events}), _tidy(est, cov, n_clusters - 1)], axis=1), cov, n_clusters


def _wald(b: np.ndarray, cov: np.ndarray, df: int) -> WaldTest:
    """Joint F test that ``b`` is zero (Wald statistic / k, F(k, df))."""
    from scipy.stats import f

    k = len(b)
    stat = float(b @ np.linalg.pinv(cov) @ b) / k
    return WaldTest(stat, k, float(df), float(f.sf(stat, k, df)))


VERIFICATION = ["cible", "projet", "diff_diff", "ecart", "se_projet", "se_diff_diff"]


def verification(panel: pd.DataFrame, *, outcome: str = "emploi", control: Literal["never", "not_yet"] = "never",
                 cluster: str = CLUSTER, covariates: Sequence[str] = ()) -> pd.DataFrame:
    """``callaway_santanna`` beside the maintained implementation of ``diff-diff``
    (``CallawaySantAnna``, outcome regression without covariates, universal base period,
    clustered by ``cluster``, with the same ``covariates``): one row per cohort, the overall estimate (cohort effects weighted
    by cohort size, from diff-diff's cohort effects) and the largest gap over the group-time ATTs
    (``VERIFICATION`` columns: cible, the two estimates, their absolute gap, the two standard
    errors; log points)."""
    from diff_diff import CallawaySantAnna

    ours = callaway_santanna(panel, outcome=outcome, control=control, cluster=cluster, covariates=covariates)
    data = panel[panel[outcome] > 0].dropna(subset=list(covariates))
    data = data.assign(_log_y=np.log(data[outcome]), _first=data[COHORT].fillna(0).astype("int64"))
    group = {"never": "never_treated", "not_yet": "not_yet_treated"}[control]
    theirs = CallawaySantAnna(control_group=group, estimation_method="reg", base_period="universal", cluster=cluster,
                              cband=False).fit(data, "_log_y", UNIT, TIME, "_first", covariates=list(covariates) or None)
    cells = {(int(g), int(t)): v for (g, t), v in theirs.group_time_effects.items()}
    gt = ours.group_time.assign(diff_diff=[cells[(g, t)]["effect"] for g, t in zip(ours.group_time["cohort"], ours.group_time["year"])])
    by = theirs.aggregate("group").to_dataframe().assign(cohort=lambda d: d["label"].astype(int)).set_index("cohort")
    own = ours.by_cohort.set_index("cohort")
    rows = [{"cible": f"cohorte {g}", "projet": own.loc[g, "estimate"], "diff_diff": by.loc[g, "att"],
             "se_projet": own.loc[g, "std_error"], "se_diff_diff": by.loc[g, "se"]} for g in own.index]
    size = own["n_treated"].astype("float64")
    rows.append({"cible": "ensemble", "projet": ours.overall["estimate"].iloc[0],
                 "diff_diff": float((by.loc[own.index, "att"] * size).sum() / size.sum()),
                 "se_projet": ours.overall["std_error"].iloc[0], "se_diff_diff": np.nan})
    worst = (gt["estimate"] - gt["diff_diff"]).abs().idxmax()
    rows.append({"cible": "ATT(g, t) : plus grand écart", "projet": gt.loc[worst, "estimate"], "diff_diff": gt.loc[worst, "diff_diff"],
                 "se_projet": gt.loc[worst, "std_error"], "se_diff_diff": cells[(int(gt.loc[worst, "cohort"]), int(gt.loc[worst, "year"]))]["se"]})
    out = pd.DataFrame(rows)
    return out.assign(ecart=(out["projet"] - out["diff_diff"]).abs())[VERIFICATION]
