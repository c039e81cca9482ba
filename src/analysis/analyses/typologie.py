"""Typology of territoires d'industrie and the choice of the four monographs.

Method (stated once, used everywhere):

1. **Standardisation.** Each numeric indicator is imputed by its median where missing (the
   count of imputed cells per indicator is reported) and turned into a z-score
   (population standard deviation).
2. **Clustering.** k-means (scikit-learn, ``n_init=20``, fixed seed) for k = 3..7.
3. **Choice of k.** Let ``s*`` be the best mean silhouette. The retained k is the k >= ``min_k``
   (default 4) with the best silhouette, provided it is within ``tolerance`` (default 0.03,
   absolute) of ``s*``; otherwise the k with the best silhouette. Four contrasting monographs
   need at least four profiles, hence the preference for k >= 4 when the loss is small.
4. **Stability.** ``n_boot`` bootstrap resamples of the territories; k-means is refitted on
   each resample (same k, seed + b), every territory is assigned to the nearest resampled
   centroid, and the adjusted Rand index with the reference partition is averaged.
5. **Names.** Each profile is named in French from its standardised centroid on four key
   dimensions (industry, dynamism, social difficulty, urban density), see ``name_profile``;
   names are made unique by a qualifier on the dimension that best separates homonyms.
6. **Representative territory.** The member nearest to its cluster centroid (Euclidean
   distance in z-space); the reasons are the indicators on which the profile is most
   distinctive, with the territory's own value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.texte import nombre

KS = tuple(range(3, 8))
TOLERANCE = 0.03
MIN_K = 4
N_BOOT = 50
SEED = 2019
STRONG = 0.3  # |z| above which a centroid is "marked" on a dimension


@dataclass(frozen=True)
class Roles:
    """Which indicator columns carry each key dimension used to name profiles.

    Every dimension is the mean of the standardised centroid over its columns that are
    present (a column prefixed with ``-`` counts negatively, e.g. income for social
    difficulty). Absent columns are ignored; a dimension with no column is 0.
    """

    industrie: tuple[str, ...] = ("part_industrie", "specialisation")
    dynamisme: tuple[str, ...] = ("croissance_emploi_2014_2018", "effet_local")
    difficulte: tuple[str, ...] = ("taux_chomage", "-revenu_median")
    densite: tuple[str, ...] = ("densite", "croissance_population")

    def dimensions(self) -> dict[str, tuple[str, ...]]:
        return {
            "industrie": self.industrie,
            "dynamisme": self.dynamisme,
            "difficulte": self.difficulte,
            "densite": self.densite,
        }


# French qualifiers used to tell two profiles with the same name apart: (above, below).
_QUALIFIERS = {
    "industrie": ("plus industriel", "moins industriel"),
    "dynamisme": ("plus dynamique", "moins dynamique"),
    "difficulte": ("socialement plus fragile", "socialement plus favorisé"),
    "densite": ("plus dense", "moins dense"),
}


@dataclass(frozen=True)
class TypologyResult:
    """Everything a notebook needs to show and justify the typology."""

    raw: pd.DataFrame  # input indicators (index id_ti)
    z: pd.DataFrame  # imputed, standardised indicators
    n_imputed: pd.Series  # imputed cells per indicator
    silhouettes: pd.DataFrame  # k, silhouette, inertie, retenu
    k: int
    rule: str  # the k-choice rule, in French
    labels: pd.Series  # cluster number per id_ti
    profiles: pd.Series  # profile name per cluster number
    centroids: pd.DataFrame  # standardised centroids (index cluster)
    dimensions: pd.DataFrame  # centroid on the four key dimensions (index cluster)
    stability: pd.Series  # ARI per bootstrap resample
    representatives: pd.DataFrame  # one row per cluster
    reasons: pd.DataFrame  # long table: cluster, indicator, values, French text
    seed: int
    indicator_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def mean_ari(self) -> float:
        return float(self.stability.mean())

    def membership(self) -> pd.DataFrame:
        """One row per territory: cluster number, profile name, distance to its centroid."""
        dist = _distances(self.z, self.labels, self.centroids)
        return pd.DataFrame(
            {
                "cluster": self.labels,
                "profil": self.labels.map(self.profiles),
                "distance_centre": dist,
            }
        )


def standardise(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Median-impute and z-score every column; return (z, imputed cells per column).

    Columns with zero variance are rejected: they cannot inform a clustering.
    """
    numeric = df.astype("float64")
    n_imputed = numeric.isna().sum().rename("n_imputes")
    filled = numeric.fillna(numeric.median())
    sd = filled.std(ddof=0)
    constant = sd.index[~(sd > 0)].tolist()
    if constant:
        raise ValueError(f"indicateur(s) sans variance, inutilisable(s) pour la typologie : {constant}")
    return (filled - filled.mean()) / sd, n_imputed


# scikit-learn (~1.5 s to import) is imported where the typology is computed, not by the many
# notebooks that only read a stored result (``cache.stored``).


def _kmeans(k: int, seed: int):
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=20, random_state=seed)


def silhouette_table(z: pd.DataFrame, ks: Sequence[int] = KS, seed: int = SEED) -> pd.DataFrame:
    """Mean silhouette and inertia of k-means for each k."""
    from sklearn.metrics import silhouette_score

    rows = []
    for k in ks:
        model = _kmeans(k, seed).fit(z.to_numpy())
        rows.append({"k": k, "silhouette": silhouette_score(z.to_numpy(), model.labels_), "inertie": model.inertia_})
    return pd.DataFrame(rows).astype({"k": "int64"})


def choose_k(table: pd.DataFrame, tolerance: float = TOLERANCE, min_k: int = MIN_K) -> tuple[int, str]:
    """Apply the k-choice rule of the module docstring; return (k, rule stated in French)."""
    best = table.loc[table["silhouette"].idxmax()]
    large = table[table["k"] >= min_k]
    rule = (
        f"k retenu : le k ≥ {min_k} de meilleure silhouette s'il est à moins de {nombre(tolerance, 2)} "
        f"de la meilleure silhouette (k = {int(best['k'])} : {nombre(best['silhouette'], 3)}), "
        "sinon le k de meilleure silhouette"
    )
    if not large.empty:
        cand = large.loc[large["silhouette"].idxmax()]
        if cand["silhouette"] >= best["silhouette"] - tolerance:
            return int(cand["k"]), rule
    return int(best["k"]), rule


def stability(z: pd.DataFrame, labels: pd.Series, k: int, n_boot: int = N_BOOT, seed: int = SEED) -> pd.Series:
    """Adjusted Rand index between the reference partition and bootstrap refits."""
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(seed)
    x = z.to_numpy()
    aris = []
    for b in range(n_boot):
        idx = rng.integers(0, len(x), len(x))
        model = _kmeans(k, seed + b + 1).fit(x[idx])
        aris.append(adjusted_rand_score(labels.to_numpy(), model.predict(x)))
    return pd.Series(aris, name="ari", dtype="float64").rename_axis("tirage")


def _dimension_scores(centroids: pd.DataFrame, roles: Roles) -> pd.DataFrame:
    scores = {}
    for dim, cols in roles.dimensions().items():
        parts = [
            -centroids[c[1:]] if c.startswith("-") else centroids[c]
            for c in cols
            if c.lstrip("-") in centroids.columns
        ]
        scores[dim] = sum(parts) / len(parts) if parts else pd.Series(0.0, index=centroids.index)
    return pd.DataFrame(scores, index=centroids.index)


def name_profile(dims: Mapping[str, float], strong: float = STRONG) -> str:
    """French name of a profile from its scores on the four key dimensions (z units).

    Rules, first match wins (``strong`` = 0.3 by default): industry ≥ strong →
    "industriel dynamique" (dynamism ≥ 0) or "industriel en repli"; density ≥ strong →
    "urbain en difficulté sociale" (social difficulty ≥ strong) or "urbain tertiarisé";
    social difficulty ≥ strong → "en difficulté sociale"; density < 0 and industry ≥ 0 →
    "rural productif"; density < 0 → "rural résidentiel" (dynamism ≥ 0) or "rural en
    déprise"; otherwise "intermédiaire diversifié".
    """
    ind, dyn, soc, den = (dims["industrie"], dims["dynamisme"], dims["difficulte"], dims["densite"])
    if ind >= strong:
        return "industriel dynamique" if dyn >= 0 else "industriel en repli"
    if den >= strong:
        return "urbain en difficulté sociale" if soc >= strong else "urbain tertiarisé"
    if soc >= strong:
        return "en difficulté sociale"
    if den < 0:
        if ind >= 0:
            return "rural productif"
        return "rural résidentiel" if dyn >= 0 else "rural en déprise"
    return "intermédiaire diversifié"


def name_profiles(dimensions: pd.DataFrame, strong: float = STRONG) -> pd.Series:
    """Unique French names per cluster: base names, then qualifiers for homonyms."""
    names = pd.Series({c: name_profile(row, strong) for c, row in dimensions.iterrows()}, name="profil")
    for base, group in names.groupby(names, sort=False):
        if len(group) < 2:
            continue
        sub = dimensions.loc[group.index]
        dim = (sub.max() - sub.min()).idxmax()
        above, below = _QUALIFIERS[dim]
        ranked = sub[dim].sort_values(ascending=False).index
        for i, c in enumerate(ranked):
            qualifier = above if i == 0 else below if i == len(ranked) - 1 else f"{below} ({i + 1}e)"
            names[c] = f"{base}, {qualifier}"
    if names.duplicated().any():  # cannot happen with distinct ranks; guard the invariant
        raise AssertionError(f"noms de profils non uniques : {names.tolist()}")
    return names


def _distances(z: pd.DataFrame, labels: pd.Series, centroids: pd.DataFrame) -> pd.Series:
    own = centroids.loc[labels.to_numpy()].to_numpy()
    return pd.Series(np.linalg.norm(z.to_numpy() - own, axis=1), index=z.index, name="distance_centre")


def representatives(
    raw: pd.DataFrame,
    z: pd.DataFrame,
    labels: pd.Series,
    centroids: pd.DataFrame,
    profiles: pd.Series,
    indicator_labels: Mapping[str, str] | None = None,
    n_reasons: int = 3,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Territory nearest to each centroid and why it is typical.

    Returns ``(representatives, reasons)``. ``representatives``: cluster, profil, id_ti,
    taille, distance_centre, raisons (one French sentence). ``reasons``: one row per cluster
    and distinctive indicator (the ``n_reasons`` largest |centroid z|), with the profile
    mean, the national (all-TI) mean and the territory's value.
    """
    indicator_labels = indicator_labels or {}
    dist = _distances(z, labels, centroids)
    rep_rows, reason_rows = [], []
    for cluster in centroids.index:
        members = labels.index[labels == cluster]
        id_ti = dist.loc[members].idxmin()
        top = centroids.loc[cluster].abs().sort_values(ascending=False).index[:n_reasons]
        texts = []
        for rank, col in enumerate(top, start=1):
            sens = "au-dessus" if centroids.loc[cluster, col] > 0 else "en dessous"
            label = indicator_labels.get(col, col)
            value, mean_profile, mean_all = raw.loc[id_ti, col], raw.loc[members, col].mean(), raw[col].mean()
            text = (
                f"{label} {sens} de la moyenne : {nombre(value, 1)} (moyenne du profil "
                f"{nombre(mean_profile, 1)}, ensemble des territoires {nombre(mean_all, 1)})"
            )
            texts.append(text)
            reason_rows.append(
                {
                    "cluster": cluster,
                    "profil": profiles[cluster],
                    "id_ti": id_ti,
                    "rang": rank,
                    "indicateur": col,
                    "libelle": label,
                    "valeur_territoire": value,
                    "moyenne_profil": mean_profile,
                    "moyenne_ensemble": mean_all,
                    "z_territoire": z.loc[id_ti, col],
                    "z_profil": centroids.loc[cluster, col],
                    "raison": text,
                }
            )
        rep_rows.append(
            {
                "cluster": cluster,
                "profil": profiles[cluster],
                "id_ti": id_ti,
                "taille": len(members),
                "distance_centre": dist[id_ti],
                "raisons": "; ".join(texts),
            }
        )
    return pd.DataFrame(rep_rows), pd.DataFrame(reason_rows)


def typology(
    indicators: pd.DataFrame,
    *,
    ks: Sequence[int] = KS,
    tolerance: float = TOLERANCE,
    min_k: int = MIN_K,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    roles: Roles | None = None,
    indicator_labels: Mapping[str, str] | None = None,
) -> TypologyResult:
    """Run the whole typology on a wide table (index ``id_ti``, numeric indicator columns)."""
    roles = roles or Roles()
    z, n_imputed = standardise(indicators)
    table = silhouette_table(z, ks, seed)
    k, rule = choose_k(table, tolerance, min_k)
    model = _kmeans(k, seed).fit(z.to_numpy())
    labels = pd.Series(model.labels_, index=z.index, name="cluster", dtype="int64")
    centroids = pd.DataFrame(model.cluster_centers_, columns=z.columns).rename_axis("cluster")
    dims = _dimension_scores(centroids, roles)
    profiles = name_profiles(dims)
    reps, reasons = representatives(indicators.astype("float64"), z, labels, centroids, profiles, indicator_labels)
    return TypologyResult(
        raw=indicators,
        z=z,
        n_imputed=n_imputed,
        silhouettes=table.assign(retenu=table["k"] == k),
        k=k,
        rule=rule,
        labels=labels,
        profiles=profiles,
        centroids=centroids,
        dimensions=dims,
        stability=stability(z, labels, k, n_boot, seed),
        representatives=reps,
        reasons=reasons,
        seed=seed,
        indicator_labels=dict(indicator_labels or {}),
    )
