"""Cross-territory impact analyses of the Territoires d'industrie programme.

Designs (all estimated with statsmodels; each result gives a one-row summary table with the
columns ``SUMMARY``: design, estimate, standard error, 95 % CI, p-value, treated and control
units, observations, clusters):

* **Control selection and reweighting** (``balance_weights``). Controls are EPCI never in a
  TI (or, in the second design, not yet in one). Entropy balancing (Hainmueller 2012) gives
  ATT weights: treated units weigh 1, controls weigh exp(x'λ), which equals the inverse odds
  p/(1-p) of a logit propensity score fitted by the balancing conditions, so the weighted
  control means equal the treated means exactly. The balancing covariates are the log
  outcome in the *first* year of the sample and unit-level covariates (census structure,
  density); the outcome's growth before treatment is deliberately left out, so that the
  pre-trend test and the placebo are not balanced to zero by construction and can fail.
  The balance table reports standardised mean differences before and after weighting
  (denominator: pooled unweighted standard deviation) and the Kish effective number of
  controls.
* **Two-way fixed effects DiD** (``estimate_did``): log outcome on a treated x post indicator
  with unit and year fixed effects (weighted within transformation, then WLS), standard
  errors clustered by département (t with G-1 df). The event study replaces the indicator
  by treated x (year - start = k) dummies, k ≠ -1 (reference: the year before treatment).
  Pre-trend test: joint Wald F test that all leads (k ≤ -2) are zero.
* **Pooled staggered TWFE** (``twfe_pooled``): every cohort in one treated x post indicator,
  the textbook regression whose weights can be negative when effects vary across cohorts
  and over time (Goodman-Bacon 2021); ``analyses.cohortes`` gives the robust counterpart.
* **Placebo** (``placebo``): pre-period data only, fake start (default 2016).
* **Not-yet-treated design** (``control="not_yet"``): units of a cohort against the units
  that enter later, over the years before they enter.
* **Group comparison** (``compare_groups``): unit-level outcome on group dummies, OLS with
  standard errors clustered by département (pre-entry trajectories of the cohorts).
* **Long difference** (``long_difference``): change in a census share between two censuses,
  TI vs non-TI EPCI, OLS with HC3 standard errors, without and with région fixed effects.
* **Cross-territory regression** (``cross_section``): OLS with HC3 standard errors.
* **Minimal detectable effect** (``mde``): (t_{1-α/2} + t_{power}) x standard error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

UNIT = "siren_epci"
TIME = "year"
COHORT = "treated_cohort"
CLUSTER = "departement"
FIRST_YEAR = 2014  # first year of the URSSAF EPCI series used by the designs
TIDY = ["term", "estimate", "std_error", "ci_low", "ci_high", "p_value", "n_obs", "n_clusters"]
SUMMARY = ["design", "estimate", "std_error", "ci_low", "ci_high", "p_value", "n_treated", "n_controls", "n_obs", "n_clusters"]


@dataclass(frozen=True)
class WaldTest:
    """Joint test that a set of coefficients is zero."""

    statistic: float
    df_num: int
    df_denom: float
    p_value: float
    kind: str = "F"


@dataclass(frozen=True)
class Weights:
    """Unit-level weights and the covariate balance they achieve."""

    weights: pd.Series  # index siren_epci
    balance: pd.DataFrame
    effective_controls: float  # Kish effective number of weighted controls
    method: str


@dataclass(frozen=True)
class DidResult:
    """A difference-in-differences estimate with its event study and pre-trend test."""

    design: str
    cohort: int
    years: tuple[int, int]
    coefficients: pd.DataFrame  # tidy, one row: term "traite_x_post"
    event_study: pd.DataFrame  # tidy + rel_year, year; reference year included with 0
    pretrend: WaldTest | None
    weights: Weights | None
    n_treated: int
    n_controls: int

    @property
    def estimate(self) -> pd.Series:
        return self.coefficients.iloc[0]

    @property
    def summary(self) -> pd.DataFrame:
        """One-row table (``SUMMARY`` columns) of the treated x post coefficient."""
        design = f"{self.design}, {'pondéré' if self.weights is not None else 'non pondéré'}"
        return summary_row(self.coefficients, design, self.n_treated, self.n_controls)


def summary_row(tidy: pd.DataFrame, design: str, n_treated: int, n_controls: int) -> pd.DataFrame:
    """The first row of a tidy table as a one-row ``SUMMARY`` table."""
    row = tidy.iloc[[0]].assign(design=design, n_treated=n_treated, n_controls=n_controls)
    return row[SUMMARY].reset_index(drop=True)


# ----------------------------------------------------------------------------- panel


def assemble_panel(
    emploi: pd.DataFrame,
    couverture_1: pd.DataFrame,
    couverture_2: pd.DataFrame,
    *,
    min_share: float = 0.5,
    starts: tuple[int, int] = (2019, 2023),
) -> pd.DataFrame:
    """EPCI x year panel with the first treated year.

    ``emploi``: URSSAF EPCI series (``code, year, eff_total``); ``couverture_*``: the output
    of ``referentiel.epci_couverture`` for phases 1 and 2. An EPCI is treated from the phase
    start when at least ``min_share`` of its population is in a TI of that phase (phase 1
    first); never treated when it has no commune in a TI of either phase. EPCI partly
    covered below the threshold are dropped: they are neither clean treated nor clean
    controls. EPCI absent from the COG are dropped.
    Returns ``siren_epci, lib_epci, year, emploi, treated_cohort (Int64), departement, region``.
    """
    share = couverture_1.set_index(UNIT)["part_population_ti"].rename("part_1").to_frame().join(
        couverture_2.set_index(UNIT)["part_population_ti"].rename("part_2"), how="outer"
    ).fillna(0.0)
    cohort = pd.Series(pd.NA, index=share.index, dtype="Int64")
    cohort = cohort.mask(share["part_2"] >= min_share, starts[1]).mask(share["part_1"] >= min_share, starts[0])
    clean = cohort.notna() | ((share["part_1"] == 0) & (share["part_2"] == 0))
    units = (
        couverture_1.set_index(UNIT)[["lib_epci", "departement", "region"]]
        .assign(**{COHORT: cohort})
        .loc[lambda d: clean.reindex(d.index, fill_value=False)]
    )
    return (
        emploi.rename(columns={"code": UNIT, "eff_total": "emploi"})[[UNIT, TIME, "emploi"]]
        .merge(units.reset_index(), on=UNIT, how="inner", validate="many_to_one")
        .sort_values([UNIT, TIME], ignore_index=True)
    )


# ----------------------------------------------------------------------------- helpers


def _tidy(fit, terms: Sequence[str], n_clusters: int | None) -> pd.DataFrame:
    ci = fit.conf_int(0.05)
    return pd.DataFrame(
        {
            "term": list(terms),
            "estimate": [float(fit.params[t]) for t in terms],
            "std_error": [float(fit.bse[t]) for t in terms],
            "ci_low": [float(ci.loc[t, 0]) for t in terms],
            "ci_high": [float(ci.loc[t, 1]) for t in terms],
            "p_value": [float(fit.pvalues[t]) for t in terms],
            "n_obs": int(fit.nobs),
            "n_clusters": pd.array([n_clusters] * len(terms), dtype="Int64"),
        }
    )


def _demean(df: pd.DataFrame, cols: Sequence[str], w: pd.Series, tol: float = 1e-10, max_iter: int = 1000) -> pd.DataFrame:
    """Weighted within transformation for unit and year fixed effects (alternating projections;
    exact in one pass on a balanced panel with unit-level weights)."""
    out = df[list(cols)].astype("float64")
    units, times = df[UNIT].to_numpy(), df[TIME].to_numpy()
    for _ in range(max_iter):
        before = out.to_numpy().copy()
        for key in (units, times):
            wx = out.mul(w, axis=0).groupby(key).transform("sum")
            out = out - wx.div(w.groupby(key).transform("sum"), axis=0)
        if np.max(np.abs(out.to_numpy() - before)) < tol:
            return out
    raise RuntimeError("la double différenciation n'a pas convergé")


def _within(data: pd.DataFrame, outcome: str, regressors: Sequence[str], weight: str | None,
            cluster: str) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """The demeaned outcome and regressors (unit and year fixed effects), the weights and the
    cluster codes of the rows of ``data`` with an outcome and a cluster."""
    data = data.dropna(subset=[outcome, cluster]).reset_index(drop=True)
    w = data[weight].astype("float64") if weight else pd.Series(1.0, index=data.index)
    return _demean(data, [outcome, *regressors], w), w, pd.factorize(data[cluster])[0]


def _fit_twfe(data: pd.DataFrame, outcome: str, regressors: Sequence[str], weight: str | None, cluster: str):
    """WLS of the demeaned outcome on demeaned regressors, SE clustered by ``cluster``."""
    from statsmodels.regression.linear_model import (
        WLS,  # imported where estimating (see _ols_hc3)
    )

    dm, w, groups = _within(data, outcome, regressors, weight, cluster)
    fit = WLS(dm[outcome], dm[list(regressors)], weights=w).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
    )
    return fit, int(groups.max() + 1)


START_LEVEL = "log_emploi_debut"


def start_level(panel: pd.DataFrame, year: int, outcome: str = "emploi") -> pd.Series:
    """Per unit: log ``outcome`` in ``year`` (the first year of the sample), named ``START_LEVEL``."""
    level = panel.loc[panel[TIME] == year].groupby(UNIT)[outcome].sum()
    return np.log(level).replace([np.inf, -np.inf], np.nan).rename(START_LEVEL)


def smd(x: pd.Series, treated: pd.Series, w: pd.Series | None = None) -> float:
    """Standardised mean difference treated - control (weights apply to controls' mean)."""
    t, c = x[treated], x[~treated]
    wc = w[~treated] if w is not None else pd.Series(1.0, index=c.index)
    pooled = np.sqrt((t.var() + c.var()) / 2)
    return float((t.mean() - np.average(c, weights=wc)) / pooled)


def balance_weights(units: pd.DataFrame, treated: str, covariates: Sequence[str]) -> Weights:
    """Entropy-balancing ATT weights; ``units`` has one row per unit (index = unit id).

    Control weights are w_c ∝ exp(x_c'λ), with λ solving the convex dual so that the
    weighted control means equal the treated means exactly (Hainmueller 2012) — i.e. the
    inverse odds p/(1-p) of a logit propensity score fitted by the ATT balancing conditions
    instead of maximum likelihood. Treated units weigh 1; control weights sum to the number
    of treated units. Units with a missing covariate are dropped (they get no weight).
    """
    data = units.dropna(subset=list(covariates))
    t = data[treated].astype(bool).to_numpy()
    x = data[list(covariates)].astype("float64").to_numpy()
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    d = x[~t] - x[t].mean(axis=0)

    def dual(lam: np.ndarray) -> tuple[float, np.ndarray]:
        e = d @ lam
        m = e.max()
        q = np.exp(e - m)
        return m + np.log(q.sum()), (q / q.sum()) @ d

    from scipy.optimize import minimize

    opt = minimize(dual, np.zeros(d.shape[1]), jac=True, method="BFGS", options={"gtol": 1e-10, "maxiter": 1000})
    gap = np.abs(dual(opt.x)[1]).max()
    if not gap <= 1e-4:  # NaN (overflow) fails too
        raise RuntimeError(f"équilibrage entropique impossible (écart résiduel {gap:.2g} écart-type)")
    q = np.exp(d @ opt.x - (d @ opt.x).max())
    w = pd.Series(1.0, index=data.index, name="poids")
    w[~t] = q / q.sum() * t.sum()
    tt = pd.Series(t, index=data.index)
    balance = pd.DataFrame(
        [
            {
                "variable": c,
                "moyenne_traites": data.loc[tt, c].mean(),
                "moyenne_temoins": data.loc[~tt, c].mean(),
                "moyenne_temoins_ponderee": np.average(data.loc[~tt, c], weights=w[~tt]),
                "smd_avant": smd(data[c], tt),
                "smd_apres": smd(data[c], tt, w),
            }
            for c in covariates
        ]
    )
    ess = float(w[~tt].sum() ** 2 / (w[~tt] ** 2).sum())
    return Weights(w, balance, ess, "équilibrage entropique des moyennes (ATT)")


# ----------------------------------------------------------------------------- DiD


def _design_sample(panel: pd.DataFrame, cohort: int, control: str, years: tuple[int, int]) -> pd.DataFrame:
    c = panel[COHORT]
    treated = c.eq(cohort).fillna(False).astype(bool)
    if control == "never":
        keep = treated | c.isna()
    elif control == "not_yet":
        keep = treated | c.gt(years[1]).fillna(False).astype(bool)
    else:
        raise ValueError(f"groupe témoin inconnu : {control!r} (attendu 'never' ou 'not_yet')")
    return panel[keep & panel[TIME].between(*years)].assign(traite=treated)


def _event_study(data: pd.DataFrame, rel: pd.Series, cohort: int, weight_col: str | None,
                 cluster: str) -> tuple[pd.DataFrame, WaldTest | None]:
    """The event study of ``estimate_did``: one coefficient per year relative to ``cohort``
    (``rel``; the year before treatment is the reference, shown at 0) and the joint test of
    the leads (years -2 and before), None without a lead."""
    ks = sorted(int(k) for k in rel.dropna().unique() if k != -1)
    dummies = {f"rel_{k}": (rel == k).astype("float64") for k in ks}
    data = data.assign(**dummies)
    fit_es, g_es = _fit_twfe(data, "log_y", list(dummies), weight_col, cluster)
    es = _tidy(fit_es, list(dummies), g_es).assign(rel_year=ks)
    reference = pd.DataFrame([{"term": "rel_-1", "estimate": 0.0, "std_error": 0.0, "ci_low": 0.0,
                               "ci_high": 0.0, "p_value": np.nan, "n_obs": int(fit_es.nobs),
                               "n_clusters": g_es, "rel_year": -1}])
    es = (
        pd.concat([es, reference.astype({"n_clusters": "Int64"})], ignore_index=True)
        .sort_values("rel_year", ignore_index=True)
        .assign(year=lambda d: d["rel_year"] + cohort, reference=lambda d: d["rel_year"] == -1)
    )
    leads = [f"rel_{k}" for k in ks if k <= -2]
    pretrend = wald_test(fit_es, leads) if leads else None
    return es, pretrend


def estimate_did(
    panel: pd.DataFrame,
    *,
    cohort: int = 2019,
    control: Literal["never", "not_yet"] = "never",
    years: tuple[int, int] | None = None,
    outcome: str = "emploi",
    reweight_on: Sequence[str] | None = (),
    cluster: str = CLUSTER,
    event_study: bool = True,
    bootstrap: int = 0,
) -> DidResult:
    """TWFE DiD and event study of log ``outcome`` for units first treated in ``cohort``.

    ``panel``: one row per unit x year with ``siren_epci, year, <outcome>, treated_cohort``
    (first treated year or NA), ``departement`` and unit-level covariates. ``control``:
    "never" (never-treated units) or "not_yet" (units treated after ``years[1]``; ``years``
    defaults to up to the year before the next cohort). ``reweight_on``: None for an
    unweighted estimate, else unit-level covariate columns to balance in addition to the log
    outcome in the first year of ``years`` (never its later pre-treatment values: the leads of
    the event study stay free to show a pre-trend). ``event_study=False`` skips the event study
    (``event_study`` then empty, ``pretrend`` None). ``bootstrap``: with that many draws, the
    interval and p-value of the treated x post coefficient come from the restricted wild cluster
    bootstrap (``wild_cluster_bootstrap``) instead of the clustered t (for few clusters).
    """
    first, last = int(panel[TIME].min()), int(panel[TIME].max())
    if years is None:
        if control == "not_yet":
            later = panel.loc[panel[COHORT] > cohort, COHORT]
            if later.empty:
                raise ValueError("aucune cohorte ultérieure pour servir de témoin « pas encore traité »")
            last = int(later.min()) - 1
        years = (first, last)
    data = _design_sample(panel, cohort, control, years)
    data = data[data[outcome] > 0].assign(log_y=lambda d: np.log(d[outcome]))
    units = data.groupby(UNIT).agg(traite=("traite", "first"))

    weights = None
    if reweight_on is not None:
        extra = list(reweight_on)
        unit_cov = data.groupby(UNIT)[extra].first() if extra else pd.DataFrame(index=units.index)
        covs = units.join(start_level(data, years[0], outcome)).join(unit_cov)
        weights = balance_weights(covs, "traite", [START_LEVEL, *extra])
        data = data.merge(weights.weights, left_on=UNIT, right_index=True, how="inner")

    rel = (data[TIME] - cohort).where(data["traite"])
    data = data.assign(traite_x_post=(rel >= 0).astype("float64"))
    weight_col = "poids" if weights is not None else None
    fit, g = _fit_twfe(data, "log_y", ["traite_x_post"], weight_col, cluster)
    coefficients = _tidy(fit, ["traite_x_post"], g)
    design = {"never": "témoins jamais traités", "not_yet": "témoins pas encore traités"}[control]
    if bootstrap:
        dm, w, groups = _within(data, "log_y", ["traite_x_post"], weight_col, cluster)
        wcb = wild_cluster_bootstrap(dm["log_y"].to_numpy(), dm["traite_x_post"].to_numpy(), w.to_numpy(), groups, reps=bootstrap)
        coefficients = coefficients.assign(ci_low=wcb["ci_low"], ci_high=wcb["ci_high"], p_value=wcb["p_value"])
        design += ", bootstrap sauvage par grappes"
    n_treated, n_controls = int(units["traite"].sum()), int((~units["traite"]).sum())
    if not event_study:
        return DidResult(design, cohort, years, coefficients, pd.DataFrame(), None, weights, n_treated, n_controls)

    es, pretrend = _event_study(data, rel, cohort, weight_col, cluster)
    return DidResult(design, cohort, years, coefficients, es, pretrend, weights, n_treated, n_controls)


WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])  # Webb (2023) six-point weights


def wild_cluster_bootstrap(y: np.ndarray, x: np.ndarray, w: np.ndarray, clusters: np.ndarray, *, reps: int = 9999,
                           seed: int = 0, alpha: float = 0.05) -> dict[str, float]:
    """Restricted wild cluster bootstrap (WCR; Cameron, Gelbach & Miller 2008, Webb weights) of
    the coefficient of the single regressor ``x`` in the WLS of ``y`` (both already demeaned of
    the fixed effects) with weights ``w`` and clusters ``clusters`` (codes 0..G-1).

    The p-value of H0: b = b0 is the share of bootstrap |t*| at least |t|, the data regenerated
    under H0 with residuals flipped by cluster; the interval inverts the test (bisection on each
    side). Returns estimate, ci_low, ci_high, p_value (of b = 0) and n_clusters."""
    g = int(clusters.max()) + 1
    a = np.bincount(clusters, weights=w * x * y, minlength=g)  # Σ w x y by cluster
    c = np.bincount(clusters, weights=w * x * x, minlength=g)  # Σ w x² by cluster
    d = c.sum()
    b_hat = a.sum() / d
    v = np.random.default_rng(seed).choice(WEBB, size=(reps, g))

    def p_value(b0: float) -> float:
        a0 = a - b0 * c  # Σ w x u0 by cluster, u0 = y - b0 x the restricted residuals
        score = lambda b: a - b * c  # noqa: E731  Σ w x e by cluster at coefficient b (original data)
        t = (b_hat - b0) / np.sqrt((score(b_hat) ** 2).sum())
        b_star = b0 + (v * a0).sum(axis=1) / d
        s_star = v * a0 + (b0 - b_star)[:, None] * c  # Σ w x e* by cluster
        t_star = (b_star - b0) / np.sqrt((s_star**2).sum(axis=1))
        return float(np.mean(np.abs(t_star) >= abs(t)))

    se = np.sqrt(((a - b_hat * c) ** 2).sum()) / d

    def bound(direction: float) -> float:
        inside, step = b_hat, se
        outside = b_hat + direction * step
        while p_value(outside) > alpha:
            inside, step = outside, 2 * step
            outside = b_hat + direction * step
            if step > 1e3 * max(se, 1e-12):
                return direction * np.inf
        for _ in range(20):  # the bound to a millionth of the step
            mid = (inside + outside) / 2
            inside, outside = (mid, outside) if p_value(mid) > alpha else (inside, mid)
        return (inside + outside) / 2

    return {"estimate": float(b_hat), "ci_low": float(bound(-1.0)), "ci_high": float(bound(1.0)), "p_value": p_value(0.0),
            "n_clusters": g}


def twfe_pooled(panel: pd.DataFrame, *, outcome: str = "emploi", cluster: str = CLUSTER) -> pd.DataFrame:
    """Staggered TWFE: every cohort and the never-treated units, one treated x post indicator
    (1 from each unit's first treated year), unit and year fixed effects; ``SUMMARY`` row."""
    data = panel[panel[outcome] > 0].assign(log_y=lambda d: np.log(d[outcome]))
    d = (data[TIME] >= data[COHORT]).fillna(False).astype("float64")
    fit, g = _fit_twfe(data.assign(traite_x_post=d), "log_y", ["traite_x_post"], None, cluster)
    cohorts = data.drop_duplicates(UNIT)[COHORT]
    return summary_row(_tidy(fit, ["traite_x_post"], g), "double différence à effets fixes, cohortes regroupées",
                       int(cohorts.notna().sum()), int(cohorts.isna().sum()))


def wald_test(fit, terms: Sequence[str]) -> WaldTest:
    """Joint F test that ``terms`` are all zero (cluster-robust covariance of ``fit``)."""
    names = list(fit.params.index)
    r = np.zeros((len(terms), len(names)))
    for i, t in enumerate(terms):
        r[i, names.index(t)] = 1.0
    res = fit.wald_test(r, use_f=True, scalar=True)
    return WaldTest(float(res.statistic), int(res.df_num), float(res.df_denom), float(res.pvalue))


def placebo(
    panel: pd.DataFrame,
    *,
    fake_start: int = 2016,
    cohort: int = 2019,
    pre_end: int | None = None,
    outcome: str = "emploi",
    reweight_on: Sequence[str] | None = (),
    cluster: str = CLUSTER,
) -> pd.DataFrame:
    """Static DiD with a fake start on pre-period data only (years up to ``cohort - 1``).

    Reweighting, if any, uses the first year's level and unit covariates (``estimate_did``),
    all anterior to ``fake_start``. Returns a tidy one-row frame.
    """
    pre_end = pre_end or cohort - 1
    fake = panel[panel[TIME] <= pre_end].assign(
        **{COHORT: lambda d: d[COHORT].mask(d[COHORT].eq(cohort).fillna(False).astype(bool), fake_start)}
    )
    res = estimate_did(
        fake, cohort=fake_start, control="never", outcome=outcome, reweight_on=reweight_on, cluster=cluster,
        event_study=False,
    )
    return res.coefficients.assign(term=f"placebo_{fake_start}")


# ----------------------------------------------------------------------------- power


def mde(std_error: float, df: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Minimal detectable effect of a two-sided t test at level ``alpha`` with ``power``:
    (t_{1-alpha/2} + t_{power}) x standard error, t with ``df`` degrees of freedom."""
    from scipy.stats import t

    return float((t.ppf(1 - alpha / 2, df) + t.ppf(power, df)) * std_error)


# ----------------------------------------------------------------------------- cross-sections


def compare_groups(units: pd.DataFrame, *, outcome: str, group: str, reference: str, cluster: str = CLUSTER) -> pd.DataFrame:
    """Mean of ``outcome`` per ``group`` and difference to the ``reference`` group: OLS of the
    unit-level outcome on group dummies, standard errors clustered by ``cluster``.

    Returns one row per group: group, n, mean, and the tidy columns of the difference to the
    reference (NaN for the reference itself).
    """
    from statsmodels.regression.linear_model import OLS

    data = units.dropna(subset=[outcome, cluster]).reset_index(drop=True)
    others = [g for g in pd.unique(data[group]) if g != reference]
    x = pd.DataFrame({f"g_{i}": (data[group] == g).astype("float64") for i, g in enumerate(others)}).assign(const=1.0)
    groups = pd.factorize(data[cluster])[0]
    fit = OLS(data[outcome].astype("float64"), x).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    diff = _tidy(fit, [f"g_{i}" for i in range(len(others))], int(groups.max() + 1)).assign(**{group: others})
    stats = data.groupby(group, sort=False)[outcome].agg(n="size", mean="mean").reset_index()
    return stats.merge(diff.drop(columns="term"), on=group, how="left")


def _ols_hc3(y: pd.Series, x: pd.DataFrame, terms: Sequence[str]) -> pd.DataFrame:
    # statsmodels (~1.3 s to import) is imported where a model is fitted, not by the notebooks
    # that only read stored estimates (``cache.stored``)
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    fit = OLS(y.astype("float64"), add_constant(x.astype("float64"))).fit(cov_type="HC3", use_t=True)
    return _tidy(fit, terms, None).assign(r2=float(fit.rsquared))


def long_difference(
    cross: pd.DataFrame,
    *,
    start: str,
    end: str,
    treated: str = "ti",
    region: str = "region",
    controls: Sequence[str] = (),
) -> pd.DataFrame:
    """Change ``end - start`` (e.g. agriculture+industry share, points) on TI membership.

    OLS with HC3 SE, without then with région fixed effects. Returns the tidy row of
    ``treated`` for both models (column ``modele``).
    """
    data = cross.dropna(subset=[start, end, treated, *controls])
    y = data[end] - data[start]
    base = data[[treated, *controls]].astype("float64")
    fe = pd.get_dummies(data[region], prefix="reg", drop_first=True, dtype="float64")
    return pd.concat(
        [
            _ols_hc3(y, base, [treated]).assign(modele="sans effets fixes région"),
            _ols_hc3(y, base.join(fe), [treated]).assign(modele="avec effets fixes région"),
        ],
        ignore_index=True,
    )


def cross_section(
    data: pd.DataFrame,
    *,
    outcome: str,
    covariates: Sequence[str],
    region: str | None = "region",
) -> pd.DataFrame:
    """OLS of ``outcome`` on ``covariates`` (+ région dummies), HC3 SE; tidy table of all
    non-fixed-effect terms including the constant."""
    data = data.dropna(subset=[outcome, *covariates])
    x = data[list(covariates)].astype("float64")
    if region is not None:
        x = x.join(pd.get_dummies(data[region], prefix="reg", drop_first=True, dtype="float64"))
    return _ols_hc3(data[outcome], x, ["const", *covariates])


# ----------------------------------------------------------------------------- outputs


def pct(b: float) -> float:
    """Log-point coefficient as a percentage effect, 100 (exp(b) - 1)."""
    return 100 * (np.exp(b) - 1)
