"""The Rambachan-Roth bounds of ``tendances`` against the published example of the reference
implementation (HonestDiD for R, README, « Example usage – Medicaid expansions »).

The README estimates a TWFE event study of ``dins`` on the Medicaid expansions of 2014 (states
treated in 2015 dropped, years 2008-2015, reference 2013, ``fixest::feols`` clustered by state)
and prints the robust intervals of the first post-entry year (2014), not the coefficients. The
coefficients and covariance below were recomputed by the observatoire from the same public data
(``ehec_data``, Mixtape Sessions, Advanced-DID, 344 state-years, 43 states) with fixest's default
small-sample correction (G/(G-1) x (n-1)/(n-K), K = 7 coefficients + 7 year effects); the data
themselves are not in the repository. Their usual interval, [0.0285, 0.0644], is the README's
« (Original) » one of the Stata version, [0.029, 0.064].
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis.analyses import tendances
from analysis.publications import methodes

BETAHAT = np.array([-0.005285342424, -0.011297318398, -0.002675975541, -0.001419311905, 0.000339677489, 0.046446864502,
                    0.069206180303])  # 2008-2012, then 2014 and 2015
SIGMA = np.array([
    [7.465792332489e-05, 6.021572871248e-05, 4.431150148992e-05, 3.375505703249e-05, 4.314898316203e-05, 4.751440116544e-05, 2.417780659949e-05],
    [6.021572871248e-05, 7.244479366629e-05, 3.777845303227e-05, 2.857889712370e-05, 4.529553702664e-05, 4.415431919452e-05, 2.816096230040e-05],
    [4.431150148992e-05, 3.777845303227e-05, 5.036741479786e-05, 2.665575896966e-05, 2.769775063821e-05, 3.051370741180e-05, 9.608343325216e-06],
    [3.375505703249e-05, 2.857889712370e-05, 2.665575896966e-05, 3.991090804412e-05, 2.405549169246e-05, 2.373654615414e-05, 2.915041600284e-06],
    [4.314898316203e-05, 4.529553702664e-05, 2.769775063821e-05, 2.405549169246e-05, 5.446111855608e-05, 3.671376118429e-05, 9.693514220890e-06],
    [4.751440116544e-05, 4.415431919452e-05, 3.051370741180e-05, 2.373654615414e-05, 3.671376118429e-05, 8.350293198127e-05, 6.302247535803e-05],
    [2.417780659949e-05, 2.816096230040e-05, 9.608343325216e-06, 2.915041600284e-06, 9.693514220890e-06, 6.302247535803e-05, 1.067989646158e-04],
])
# The README's printed intervals (lb, ub) for the 2014 effect, as printed.
PUBLIE_SD = {0.0: ("0.0259", "0.0607"), 0.01: ("0.0132", "0.0787"), 0.02: ("0.00286", "0.0907"), 0.03: ("-0.00714", "0.101"),
             0.04: ("-0.0171", "0.111"), 0.05: ("-0.0271", "0.121")}  # FLCI, Delta^SD
PUBLIE_RM = {0.5: (0.0240, 0.0672), 1.0: (0.0170, 0.0720), 1.5: (0.00824, 0.0797), 2.0: (-0.000916, 0.0881)}  # C-LF, Delta^RM


def _unit(printed: str) -> float:
    """One unit of the last printed decimal of ``printed``."""
    return 10.0 ** -len(printed.split(".")[1])


@pytest.fixture(scope="module")
def medicaid() -> tendances.EventStudy:
    return tendances.EventStudy((-6, -5, -4, -3, -2, 0, 1), BETAHAT, SIGMA, None)


def test_usual_interval_is_the_published_one(medicaid):
    row = tendances.bornes(medicaid, "relative_magnitude", (0.0,), cible=0).iloc[0]
    assert (round(row["ci_low"], 3), round(row["ci_high"], 3)) == (0.029, 0.064)


def test_smoothness_intervals_reproduce_the_published_ones(medicaid):
    got = tendances.bornes(medicaid, "smoothness", tuple(PUBLIE_SD), cible=0).set_index("M")
    pairs = [(got.loc[m, col], text) for m, printed in PUBLIE_SD.items() for col, text in zip(("ci_low", "ci_high"), printed)]
    equal = [round(v, len(text.split(".")[1])) == float(text) for v, text in pairs]
    # 9 of the 12 bounds equal once rounded as printed; the 3 others (lower bounds at M = 0, 0.02, 0.03:
    # 0.02600, 0.00287, -0.00713 for 0.0259, 0.00286, -0.00714) one unit of the last printed digit away
    assert sum(equal) == 9
    assert all(abs(v - float(text)) <= max(0.5 * _unit(text), 1e-4) for v, text in pairs)
    assert got.loc[0.02, "ci_low"] > 0 > got.loc[0.03, "ci_low"]  # the README's breakdown value, M ≈ 0.03


def test_relative_magnitude_identified_set_depends_on_the_pre_entry_gaps_through_m_times_mbar(medicaid):
    """diff-diff's union solver at the estimated pre-entry gaps and M̄ gives the set of
    ``tendances._rm_set`` at M̄·m̂ (m̂: largest absolute pre-entry change, reference step included)."""
    from diff_diff.honest_did import _solve_rm_bounds_union

    changes, _ = tendances._pre_changes(medicaid)
    m_hat = np.abs(changes).max()
    assert m_hat == pytest.approx(np.abs(np.diff([*BETAHAT[:5], 0.0])).max())
    for mbar in (0.5, 1.0, 2.0):
        solver = _solve_rm_bounds_union(BETAHAT[:5], BETAHAT[5:], np.array([1.0, 0.0]), 5, mbar)
        assert tendances._rm_set(medicaid, np.array([1.0, 0.0]), mbar * m_hat) == pytest.approx(solver, abs=1e-12)


def test_relative_magnitude_intervals_contain_the_published_ones(medicaid):
    """The Bonferroni interval (the uncertainty of the largest pre-entry change included) contains
    the paper's conditional (C-LF) interval at every published M̄: it is conservative. It is wider:
    at M̄ = 1, [−0,20 ; 9,48] points (9,7 wide) against [1,70 ; 7,20] (5,5 wide); at M̄ = 2,
    [−2,99 ; 12,28] (15,3 wide) against [−0,09 ; 8,81] (8,9 wide). diff-diff's own interval was
    narrower than the published one from M̄ = 1 and excluded 0 at M̄ = 2 ([1,1 ; 8,2])."""
    got = tendances.bornes(medicaid, "relative_magnitude", tuple(PUBLIE_RM), cible=0).set_index("M")
    for m, (lo, hi) in PUBLIE_RM.items():
        assert got.loc[m, "ci_low"] < lo and got.loc[m, "ci_high"] > hi
    assert (round(got.loc[1.0, "ci_low"], 4), round(got.loc[1.0, "ci_high"], 4)) == (-0.002, 0.0948)
    assert (round(got.loc[2.0, "ci_low"], 4), round(got.loc[2.0, "ci_high"], 4)) == (-0.0299, 0.1228)
    assert got.loc[0.5, "ci_low"] > 0 > got.loc[1.0, "ci_low"]  # breakdown between 0.5 and 1 (published: about 2)
    from diff_diff import HonestDiD

    naive = HonestDiD(method="relative_magnitude", l_vec=np.array([1.0, 0.0])).fit(tendances._results(medicaid), M=2.0)

    def pct(v: float) -> str:
        return f"{100 * v:.1f}".replace(".", ",").replace("-", "−")

    assert (f"[{pct(got.loc[2.0, 'ci_low'])} ; {pct(got.loc[2.0, 'ci_high'])}] point contre "
            f"[{pct(PUBLIE_RM[2.0][0])} ; {pct(PUBLIE_RM[2.0][1])}] publié (celui de diff-diff, "
            f"[{pct(naive.ci_lb)} ; {pct(naive.ci_ub)}], excluait 0)") in methodes.LIMITE_RM
    assert naive.ci_lb > 0


def test_relative_magnitude_interval_covers_the_truth_under_a_linear_pretrend():
    """Coverage at M̄ = 1 over 200 normal draws of the gaps from a known covariance: a linear
    difference of trends of −0.4 point a year (every change as large after entry as before, so
    the truth is on the edge of the Δ^RM(1) identified set) under an effect of −3 points; the
    mean post-entry gap is the target. The pre-entry gaps are noisier (0.3 point) than the
    post-entry ones (0.1 point), so the estimated largest change matters: 200 of 200 covered,
    against 181 (90 %) with diff-diff's interval."""
    rng = np.random.default_rng(0)
    k = np.array([-3, -2, 0, 1, 2, 3])
    truth = -0.03 * (k >= 0) - 0.004 * (k + 1)
    cov = np.diag(np.where(k < 0, 0.003, 0.001) ** 2)
    covered = 0
    for _ in range(200):
        es = tendances.EventStudy(tuple(int(v) for v in k), rng.multivariate_normal(truth, cov), cov, None)
        row = tendances.bornes(es, "relative_magnitude", (1.0,)).iloc[0]
        covered += row["ci_low"] <= -0.03 <= row["ci_high"]
    assert covered >= 190  # ≥ 95 %
