"""Synthetic control for one treated unit (Abadie, Diamond & Hainmueller 2010).

The treated unit's outcome path is compared with a convex combination of donor units (weights
≥ 0 summing to 1) chosen to reproduce its path over the years before treatment. The
predictors are the pre-treatment outcomes themselves, one per year, equally weighted, so the
weights solve a least-squares problem on the simplex, with a ridge penalty ``ridge`` x Σw²
(the constrained regression with a ridge penalty of Doudchenko & Imbens 2016). With few
pre-treatment years and hundreds of donors, the unpenalised fit reproduces almost any path
exactly with a handful of small, volatile donors, and its post-treatment path changes with
the donor pool; the penalty spreads the weights over more donors and makes the fit stable.
It is solved as a non-negative least squares problem (the penalty as extra rows, and a
heavily weighted row forcing the sum to one; Lawson-Hanson active set, then renormalised).
This takes milliseconds, which makes the placebo-in-space inference affordable: every donor in turn is treated as if treated, with the
other donors as its pool, and the treated unit's ratio of post- to pre-treatment RMSPE is
ranked among all the ratios (Abadie et al. 2010, 2015); the p-value is rank / (donors + 1).

Written with scipy rather than taken from ``pysyncon``: with outcomes as predictors its nested
optimisation of the predictor weights adds nothing, and costs seconds per fit where the
placebo distribution needs one fit per donor (~550 EPCI).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import nnls

_SUM_ROW = 1e4  # weight of the row that forces the weights to sum to one, relative to the data's scale
RIDGE = 10.0  # penalty on Σw², in squared outcome units (index points² for indices base 100)


@dataclass(frozen=True)
class SyntheticControl:
    """A synthetic control fit, its path and its placebo-in-space rank."""

    start: int  # first treated year
    weights: pd.Series  # donor -> weight, positive weights only, decreasing
    path: pd.DataFrame  # year, traite, synthetique, ecart
    rmspe_pre: float
    rmspe_post: float
    placebo: pd.DataFrame | None  # unit, rmspe_pre, rmspe_post, ratio (one row per donor)

    @property
    def ratio(self) -> float:
        """Post- over pre-treatment RMSPE."""
        return self.rmspe_post / self.rmspe_pre

    @property
    def rank(self) -> int | None:
        """Rank of the treated unit's ratio among itself and the donors (1 = largest)."""
        if self.placebo is None:
            return None
        return int((self.placebo["ratio"] >= self.ratio).sum()) + 1

    @property
    def p_value(self) -> float | None:
        """Share of units (treated included) whose ratio is at least the treated unit's."""
        return None if self.placebo is None else self.rank / (len(self.placebo) + 1)

    @property
    def ecart_post(self) -> float:
        """Mean gap treated - synthetic over the post-treatment years."""
        return float(self.path.loc[self.path["year"] >= self.start, "ecart"].mean())


def simplex_weights(donors: np.ndarray, target: np.ndarray, ridge: float = RIDGE) -> np.ndarray:
    """w ≥ 0, Σw = 1 minimising ||donors @ w - target||² + ridge Σw² (donors: years x units)."""
    n = donors.shape[1]
    scale = max(float(np.abs(donors).max()), 1.0) * _SUM_ROW
    a = np.vstack([donors, np.sqrt(ridge) * np.eye(n), np.full(n, scale)])
    b = np.concatenate([target, np.zeros(n), [scale]])
    w, _ = nnls(a, b, maxiter=50 * donors.shape[1])
    return w / w.sum()


def _fit(treated: np.ndarray, donors: np.ndarray, pre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w = simplex_weights(donors[pre], treated[pre])
    return w, treated - donors @ w


def _rmspe(gap: np.ndarray) -> float:
    return float(np.sqrt(np.mean(gap**2)))


def placebo_in_space(donors: pd.DataFrame, start: int) -> pd.DataFrame:
    """Each donor (column of ``donors``, index years) fitted from the other donors: unit,
    rmspe_pre, rmspe_post, ratio."""
    x = donors.to_numpy(dtype="float64")
    pre = np.asarray(donors.index < start)
    rows = []
    for j, unit in enumerate(donors.columns):
        _, gap = _fit(x[:, j], np.delete(x, j, axis=1), pre)
        rows.append({"unit": unit, "rmspe_pre": _rmspe(gap[pre]), "rmspe_post": _rmspe(gap[~pre])})
    out = pd.DataFrame(rows)
    return out.assign(ratio=out["rmspe_post"] / out["rmspe_pre"])


def synthetic_control(treated: pd.Series, donors: pd.DataFrame, start: int, placebo: pd.DataFrame | None = None) -> SyntheticControl:
    """Fit the synthetic control of ``treated`` (index years) from ``donors`` (index years,
    one column per donor) on the years before ``start``. ``placebo``: the output of
    ``placebo_in_space`` for the same donors and start (computed once for several treated
    units), or None for no inference."""
    donors = donors.loc[treated.index]
    pre = np.asarray(treated.index < start)
    if pre.sum() < 2 or pre.all():
        raise ValueError(f"contrôle synthétique : il faut au moins deux années avant {start} et une après")
    w, gap = _fit(treated.to_numpy(dtype="float64"), donors.to_numpy(dtype="float64"), pre)
    weights = pd.Series(w, index=donors.columns, name="poids")
    weights = weights[weights > 1e-6].sort_values(ascending=False)
    path = pd.DataFrame({"year": treated.index.astype(int), "traite": treated.to_numpy(dtype="float64")})
    path = path.assign(synthetique=path["traite"] - gap, ecart=gap)
    return SyntheticControl(start, weights, path, _rmspe(gap[pre]), _rmspe(gap[~pre]), placebo)


def leave_one_out(treated: pd.Series, donors: pd.DataFrame, start: int, result: SyntheticControl,
                  n: int | None = None) -> pd.DataFrame:
    """The synthetic control refitted without each donor of positive weight in ``result`` in turn
    (Abadie 2021), or only the ``n`` donors of largest weight: donneur (the donor left out), poids
    (its weight), rmspe_pre, ecart_post. A mean post-treatment gap that moves a lot when one
    donor leaves rests on that donor."""
    rows = []
    for unit, weight in result.weights.iloc[:n].items():  # weights are sorted, largest first
        fit = synthetic_control(treated, donors.drop(columns=unit), start)
        rows.append({"donneur": unit, "poids": float(weight), "rmspe_pre": fit.rmspe_pre, "ecart_post": fit.ecart_post})
    return pd.DataFrame(rows, columns=["donneur", "poids", "rmspe_pre", "ecart_post"])


def in_time_placebo(treated: pd.Series, donors: pd.DataFrame, start: int, fake_start: int) -> SyntheticControl:
    """The synthetic control with a false entry in ``fake_start``, on the years before ``start``
    only (fit on the years before ``fake_start``): a large gap between ``fake_start`` and
    ``start`` means the fit does not predict the years it has not seen, without any programme."""
    if not fake_start < start:
        raise ValueError(f"placebo dans le temps : la fausse entrée ({fake_start}) doit précéder l'entrée ({start})")
    years = treated.index[treated.index < start]
    return synthetic_control(treated.loc[years], donors.loc[years], fake_start)


VARIANTES = ["variante", "n_donneurs", "n_poids", "rmspe_pre", "ecart_post", "ecart_dernier"]


def variantes_donneurs(treated: pd.Series, donors: pd.DataFrame, start: int, pools: dict[str, list],
                       min_donneurs: int = 5) -> pd.DataFrame:
    """The synthetic control of ``treated`` refitted from each restricted donor pool of ``pools``
    (name -> donors kept, columns of ``donors``): one row per pool, ``VARIANTES`` columns (n_poids:
    donors of positive weight; ecart_dernier: gap of the last year). Pools of fewer than
    ``min_donneurs`` donors are not fitted (rmspe_pre and the gaps NaN)."""
    rows = []
    for name, keep in pools.items():
        pool = donors[[c for c in donors.columns if c in set(keep)]]
        row = {"variante": name, "n_donneurs": pool.shape[1], "n_poids": 0, "rmspe_pre": np.nan, "ecart_post": np.nan,
               "ecart_dernier": np.nan}
        if pool.shape[1] >= min_donneurs:
            fit = synthetic_control(treated, pool, start)
            row.update(n_poids=len(fit.weights), rmspe_pre=fit.rmspe_pre, ecart_post=fit.ecart_post,
                       ecart_dernier=float(fit.path["ecart"].iloc[-1]))
        rows.append(row)
    return pd.DataFrame(rows, columns=VARIANTES)
