"""Sensitivity of a cohort's event study to violations of parallel trends.

* **Rambachan & Roth (2023)** (``bornes``): the post-entry gaps β_post = τ + δ_post, where δ is
  the difference of trends that parallel trends set to zero, and the pre-entry gaps estimate
  δ_pre. Two restrictions bound δ_post from δ_pre: *relative magnitudes* Δ^RM(M̄) — no
  post-entry year-to-year change of δ larger than M̄ times the largest pre-entry one — and
  *smoothness* Δ^SD(M) — the slope of δ changes by at most M (log points) a year, so M = 0
  is the linear extrapolation of the pre-entry trend. For a target (the mean of the post-entry
  gaps, or one event year) each gives the identified set (bounds) and a 95 % confidence
  interval; the *breakdown value* is the smallest M̄ (or M) whose interval includes 0.
  Smoothness is computed with the maintained ``diff-diff`` package (``diff_diff.HonestDiD``):
  its intervals are the optimal fixed-length intervals of the paper (they reproduce the
  published example of the reference implementation, tests/test_honestdid_reference.py).
  Relative magnitudes are not taken from it: diff-diff widens the identified set computed at
  the *estimated* pre-entry changes by 1.96 standard errors of the target only, which leaves
  out the uncertainty of the largest pre-entry change and is too narrow (on the same example it
  excludes 0 at M̄ = 2 where the published interval includes it). Here (``_rm_interval``) the
  Δ^RM identified set depends on the pre-entry gaps only through m, the largest absolute
  pre-entry year-to-year change (the step to the reference year -1 = 0 included), and on M̄
  only through M̄·m (diff-diff's ``_solve_rm_bounds_union`` builds the bounds |δ_{t+1} - δ_t| ≤
  M̄·m from nothing else); the interval is the Bonferroni union of a 1 - α/2 upper bound m⁺ of m
  (each change ± z_{1-α/(4J)} standard errors, J changes) and a 1 - α/2 interval of the target
  (± z_{1-α/4} standard errors): the identified set at M̄·m⁺ widened by z_{1-α/4}·se (normal
  critical values; at M̄ = 0, where m plays no part, the usual interval). It holds the true
  target with probability ≥ 1 - α, conservatively (it contains the paper's conditional
  intervals on the published example).
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
from collections.abc import Callable
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


Interval = tuple[float, float, float, float, float]  # estimate, identified set (lb, ub), confidence interval (lb, ub)


def _pre_changes(es: EventStudy) -> tuple[np.ndarray, np.ndarray]:
    """The pre-entry year-to-year changes of the gaps, the step to the reference year -1 (= 0)
    last, and their standard errors: the J changes whose largest absolute value is the m of Δ^RM."""
    n_pre = int(es.pre.sum())
    diff = (np.eye(n_pre + 1)[1:] - np.eye(n_pre + 1)[:-1])[:, :n_pre]  # gap k+1 - gap k, the reference at 0
    lin = np.hstack([diff, np.zeros((n_pre, len(es.rel_year) - n_pre))])
    return lin @ es.estimate, np.sqrt(np.diag(lin @ es.cov @ lin.T))


def _rm_set(es: EventStudy, l_vec: np.ndarray, bound: float) -> tuple[float, float]:
    """The Δ^RM identified set of l'β_post when every post-entry change of δ is at most ``bound``
    (= M̄·m): diff-diff's union solver with pre-entry gaps (0, ..., 0, 1), whose largest change
    is 1, at M̄ = ``bound`` (its bounds read the pre-entry gaps through that change only)."""
    from diff_diff.honest_did import _solve_rm_bounds_union

    n_pre = int(es.pre.sum())
    unit = np.eye(n_pre)[-1]
    lb, ub = _solve_rm_bounds_union(unit, es.estimate[n_pre:], l_vec, n_pre, bound)
    return float(lb), float(ub)


def _rm_interval(es: EventStudy, l_vec: np.ndarray, alpha: float = 0.05) -> Callable[[float], Interval]:
    """M̄ -> ``Interval`` under relative magnitudes: the identified set at the estimated largest
    pre-entry change m̂, and the conservative Bonferroni confidence interval (module docstring):
    the identified set at M̄·m⁺, m⁺ = max_j |Δ̂_j| + z_{1-α/(4J)}·se_j, widened by z_{1-α/4}·se;
    at M̄ = 0 (no post-entry change of δ, whatever m) the usual interval."""
    from scipy.stats import norm

    n_pre = int(es.pre.sum())
    changes, se_changes = _pre_changes(es)
    m_hat = float(np.abs(changes).max())
    m_plus = float((np.abs(changes) + norm.ppf(1 - alpha / (4 * len(changes))) * se_changes).max())
    l_full = np.concatenate([np.zeros(n_pre), l_vec])
    estimate, se = float(l_full @ es.estimate), float(np.sqrt(l_full @ es.cov @ l_full))

    def interval(mbar: float) -> Interval:
        if mbar == 0:  # δ_post = 0 whatever m: the usual interval
            widen = float(norm.ppf(1 - alpha / 2) * se)
            return estimate, estimate, estimate, estimate - widen, estimate + widen
        lb, ub = _rm_set(es, l_vec, mbar * m_hat)
        ci_lb, ci_ub = _rm_set(es, l_vec, mbar * m_plus)
        widen = float(norm.ppf(1 - alpha / 4) * se)
        return estimate, lb, ub, ci_lb - widen, ci_ub + widen

    return interval


def _interval(es: EventStudy, methode: Methode, l_vec: np.ndarray) -> Callable[[float], Interval]:
    """M̄ or M -> ``Interval`` of the restriction ``methode`` on l'β_post (95 %)."""
    if methode == "relative_magnitude":
        return _rm_interval(es, l_vec)
    from diff_diff import HonestDiD

    honest, res = HonestDiD(method=methode, l_vec=l_vec), _results(es)

    def interval(m: float) -> Interval:
        r = honest.fit(res, M=m)
        return float(r.original_estimate), float(r.lb), float(r.ub), float(r.ci_lb), float(r.ci_ub)

    return interval


def bornes(es: EventStudy, methode: Methode, grille: tuple[float, ...] | None = None,
           cible: int | str = MOYENNE) -> pd.DataFrame:
    """Rambachan-Roth bounds on ``cible`` (the mean of the post-entry gaps, or one event year)
    for each M̄ or M of ``grille``: one row per value, ``BORNES`` columns (identified set
    borne_basse-borne_haute, 95 % interval ci_low-ci_high; log points)."""
    if methode not in GRILLES:
        raise ValueError(f"restriction inconnue : {methode!r} (attendu {' ou '.join(map(repr, GRILLES))})")
    interval = _interval(es, methode, _l_vec(es, cible))
    rows = []
    for m in grille if grille is not None else GRILLES[methode]:
        estimate, lb, ub, ci_lb, ci_ub = interval(m)
        rows.append({"methode": methode, "M": float(m), "cible": str(cible), "estimate": estimate,
                     "borne_basse": lb, "borne_haute": ub, "ci_low": ci_lb, "ci_high": ci_ub})
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
    interval = _interval(es, methode, _l_vec(es, cible))
    known = {} if deja is None else {float(r.M): (r.ci_low, r.ci_high) for r in deja.itertuples()}

    def covers(m: float) -> bool:
        lo_, hi_ = known[float(m)] if float(m) in known else interval(m)[3:]
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
