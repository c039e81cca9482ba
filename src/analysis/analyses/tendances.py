"""Sensitivity of a cohort's event study to violations of parallel trends.

* **Rambachan & Roth (2023)** (``bornes``): the post-entry gaps β_post = τ + δ_post, where δ is
  the difference of trends that parallel trends set to zero, and the pre-entry gaps estimate
  δ_pre. Two restrictions bound δ_post from δ_pre: *relative magnitudes* Δ^RM(M̄) — no
  post-entry year-to-year change of δ larger than M̄ times the largest pre-entry one — and
  *smoothness* Δ^SD(M) — the slope of δ changes by at most M (log points) a year, so M = 0
  is the linear extrapolation of the pre-entry trend. For a target (the mean of the post-entry
  gaps, or one event year) each gives the identified set (bounds) and a 95 % confidence
  interval; the *breakdown value* is the smallest M̄ (or M) whose interval includes 0.
  Computed with the maintained ``diff-diff`` package (``diff_diff.HonestDiD``): smoothness
  intervals are the optimal fixed-length intervals of the paper (they reproduce the published
  example of the reference implementation, tests/test_honestdid_reference.py), relative-magnitude
  intervals the identified set widened by the critical value times the standard error, which
  leaves out the uncertainty of the largest pre-entry change: on the same example they are
  narrower than the paper's conditional (C-LF) intervals from M̄ = 1, so a breakdown value of M̄
  may overstate the robustness (``publications.methodes.LIMITE_RM``).
* **Linear-trend extrapolation** (``tendance_lineaire``): a line fitted by OLS through the
  pre-entry gaps (the reference year included at 0), extended to the post-entry years and
  subtracted; being linear in the gaps, its covariance follows exactly.

The event study is one cohort's group-time ATTs (``cohortes.cohort_event_study``): for the
2019 cohort, the headline design's years 2014-2017 before entry and 2019 onwards after; or
every cohort together (``cohortes.pooled_event_study``, the aggregation by event time), whose
mean post-entry gap is Callaway & Sant'Anna's "dynamic" overall summary (each event year counts
once), not exactly the headline (each cohort's mean over its own post years, weighted by size).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Methode = Literal["relative_magnitude", "smoothness"]
GRILLES: dict[str, tuple[float, ...]] = {
    "relative_magnitude": (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0),
    "smoothness": (0.0, 0.0005, 0.001, 0.002, 0.005),
}
MOYENNE = "moyenne"
BORNES = ["methode", "M", "cible", "estimate", "borne_basse", "borne_haute", "ci_low", "ci_high"]


@dataclass(frozen=True)
class EventStudy:
    """Event-study gaps (log points) by year relative to entry, the reference year -1 left out."""

    rel_year: tuple[int, ...]
    estimate: np.ndarray
    cov: np.ndarray
    df: float | None = None  # degrees of freedom of the t critical values (None: normal)

    def __post_init__(self) -> None:
        k = np.asarray(self.rel_year)
        pre, post = k[k < -1], k[k >= 0]
        if len(pre) == 0 or len(post) == 0 or not np.array_equal(k, np.concatenate([pre, post])):
            raise ValueError("étude d'événement : il faut des années avant (≤ -2) puis après (≥ 0) l'entrée, dans l'ordre")
        if not (np.array_equal(pre, np.arange(pre[0], -1)) and np.array_equal(post, np.arange(0, post[-1] + 1))):
            raise ValueError("étude d'événement : les années relatives doivent se suivre sans trou autour de -1")

    @property
    def pre(self) -> np.ndarray:
        return np.asarray(self.rel_year) < -1

    @property
    def post_years(self) -> list[int]:
        return [k for k in self.rel_year if k >= 0]


def from_cohort(group_time: pd.DataFrame, cov: np.ndarray, n_clusters: int) -> EventStudy:
    """The ``EventStudy`` of one cohort from ``cohortes.cohort_event_study``'s output, or of every
    cohort together from ``cohortes.pooled_event_study``'s (both tables have rel_year, estimate)."""
    return EventStudy(tuple(int(k) for k in group_time["rel_year"]), group_time["estimate"].to_numpy(dtype="float64"),
                      np.asarray(cov, dtype="float64"), float(n_clusters - 1))


def _results(es: EventStudy):
    """The event study as the results object ``diff_diff.HonestDiD`` reads."""
    from diff_diff.results import MultiPeriodDiDResults, PeriodEffect

    se = np.sqrt(np.diag(es.cov))
    effects = {k: PeriodEffect(k, float(b), float(s), float(b / s), float("nan"), (float("nan"), float("nan")))
               for k, b, s in zip(es.rel_year, es.estimate, se)}
    post = es.estimate[~es.pre]
    res = MultiPeriodDiDResults(
        period_effects=effects, avg_att=float(post.mean()), avg_se=float("nan"), avg_t_stat=float("nan"),
        avg_p_value=float("nan"), avg_conf_int=(float("nan"), float("nan")), n_obs=0, n_treated=0, n_control=0,
        pre_periods=[k for k in es.rel_year if k < -1] + [-1], post_periods=es.post_years, vcov=es.cov,
        interaction_indices={k: i for i, k in enumerate(es.rel_year)}, reference_period=-1,
    )
    res.df_inference = None  # normal critical values: the t ones (noncentral t) fail to converge in diff-diff
    return res


def _l_vec(es: EventStudy, cible: int | str) -> np.ndarray:
    post = es.post_years
    if cible == MOYENNE:
        return np.full(len(post), 1 / len(post))
    if cible not in post:
        raise ValueError(f"cible inconnue : {cible!r} (attendu {MOYENNE!r} ou une année relative parmi {post})")
    return np.eye(len(post))[post.index(int(cible))]


def bornes(es: EventStudy, methode: Methode, grille: tuple[float, ...] | None = None,
           cible: int | str = MOYENNE) -> pd.DataFrame:
    """Rambachan-Roth bounds on ``cible`` (the mean of the post-entry gaps, or one event year)
    for each M̄ or M of ``grille``: one row per value, ``BORNES`` columns (identified set
    borne_basse-borne_haute, 95 % interval ci_low-ci_high; log points)."""
    from diff_diff import HonestDiD

    if methode not in GRILLES:
        raise ValueError(f"restriction inconnue : {methode!r} (attendu {' ou '.join(map(repr, GRILLES))})")
    honest, res = HonestDiD(method=methode, l_vec=_l_vec(es, cible)), _results(es)
    rows = []
    for m in grille if grille is not None else GRILLES[methode]:
        r = honest.fit(res, M=m)
        rows.append({"methode": methode, "M": float(m), "cible": str(cible), "estimate": float(r.original_estimate),
                     "borne_basse": float(r.lb), "borne_haute": float(r.ub), "ci_low": float(r.ci_lb), "ci_high": float(r.ci_ub)})
    return pd.DataFrame(rows, columns=BORNES)


def point_de_rupture(es: EventStudy, methode: Methode, cible: int | str = MOYENNE, *,
                     grille: tuple[float, ...] | None = None, iterations: int = 5,
                     deja: pd.DataFrame | None = None) -> float | None:
    """The breakdown value: the smallest M̄ (or M) whose 95 % interval on ``cible`` includes 0,
    found by bisection between the last value of ``grille`` whose interval excludes 0 and the
    next (``iterations`` halvings); 0 when the usual interval already includes 0, None when
    every value of the grid excludes 0 (the breakdown value is then above the grid). ``deja``:
    the output of ``bornes`` for the same method, target and grid, whose intervals are then
    not computed again."""
    from diff_diff import HonestDiD

    honest, res = HonestDiD(method=methode, l_vec=_l_vec(es, cible)), _results(es)
    known = {} if deja is None else {float(r.M): (r.ci_low, r.ci_high) for r in deja.itertuples()}

    def covers(m: float) -> bool:
        lo_, hi_ = known[float(m)] if float(m) in known else (lambda r: (r.ci_lb, r.ci_ub))(honest.fit(res, M=m))
        return not (np.isfinite(lo_) and np.isfinite(hi_)) or lo_ <= 0 <= hi_

    grid = grille if grille is not None else GRILLES[methode]
    lo = None
    for m in grid:
        if covers(m):
            if lo is None:
                return float(m)
            hi = float(m)
            for _ in range(iterations):
                mid = (lo + hi) / 2
                lo, hi = (lo, mid) if covers(mid) else (mid, hi)
            return hi
        lo = float(m)
    return None


def tendance_lineaire(es: EventStudy) -> tuple[pd.DataFrame, float]:
    """The post-entry gaps corrected by a linear pre-entry trend: a line fitted by OLS through
    the pre-entry gaps and the reference year -1 (at 0), extended and subtracted.

    Returns one row per post-entry year and a last row ``cible`` = ``MOYENNE`` (their mean):
    rel_year, cible, estimate (raw gap), tendance (extended line), corrige, std_error, ci_low,
    ci_high (of the corrected gap; t with ``df`` degrees of freedom, normal if None); and the
    fitted slope (log points a year)."""
    from scipy.stats import norm, t

    k = np.asarray(es.rel_year)
    pre_k = np.append(k[es.pre], -1)
    x_pre = np.column_stack([np.ones(len(pre_k)), pre_k])
    fit = np.linalg.solve(x_pre.T @ x_pre, x_pre.T)[:, :-1]  # coefficients from the pre gaps (the reference is 0)
    post_k = np.asarray(es.post_years)
    n_pre, n_post = int(es.pre.sum()), len(post_k)
    trend = np.column_stack([np.ones(n_post), post_k]) @ fit  # n_post x n_pre
    lin = np.hstack([-trend, np.eye(n_post)])  # corrected gaps as a linear map of every gap
    lin = np.vstack([lin, lin.mean(axis=0)])
    corrected, cov = lin @ es.estimate, lin @ es.cov @ lin.T
    se = np.sqrt(np.diag(cov))
    q = norm.ppf(0.975) if es.df is None else t.ppf(0.975, es.df)
    raw = np.append(es.estimate[n_pre:], es.estimate[n_pre:].mean())
    out = pd.DataFrame({
        "rel_year": pd.array([*post_k, pd.NA], dtype="Int64"), "cible": [*(str(v) for v in post_k), MOYENNE],
        "estimate": raw, "tendance": raw - corrected, "corrige": corrected, "std_error": se,
        "ci_low": corrected - q * se, "ci_high": corrected + q * se,
    })
    return out, float((fit[1] @ es.estimate[:n_pre]))
