"""Typology of territoires d'industrie and the choice of the four monographs.

Method (stated once, used everywhere):

1. **Standardisation.** Each numeric indicator is imputed by its median where missing (the
   count of imputed cells per indicator is reported) and turned into a z-score
   (population standard deviation).
2. **Clustering.** k-means (scikit-learn, ``n_init=20``, fixed seed) for k = 3..7.
3. **Choice of k.** The k of best mean silhouette, and nothing else: the number of
   monographs does not constrain it (their choice allows two in one profile).
4. **Stability.** ``n_boot`` bootstrap resamples of the territories; k-means is refitted on
   each resample (same k, seed + b), every territory is assigned to the nearest resampled
   centroid, and the adjusted Rand index with the reference partition is averaged.
5. **Names.** Each profile is named in French from its centroid on four key dimensions
   (industry, dynamism, social difficulty, density), see ``name_profiles``: the words of its
   most marked dimensions, each kept only when the profile's mean of the dimension's proof
   indicators is on that side of the median of all territories (a profile called "urbain" is
   denser than the median territory; one "en difficulté sociale" has an unemployment or a
   poverty rate above the median); more words are added until names are unique.
6. **Representative territory.** The member nearest to its cluster centroid (Euclidean
   distance in z-space); the reasons are the indicators on which the profile is most
   distinctive, with the territory's own value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


KS = tuple(range(3, 8))
N_BOOT = 50
SEED = 2019
STRONG = 0.3  # |z| above which a centroid is "marked" on a dimension


@dataclass(frozen=True)
class Roles:
    """Which indicator columns carry each key dimension used to name profiles.

    Every dimension is the mean of the standardised centroid over its columns that are
    present (a column prefixed with ``-`` counts negatively, e.g. income for social
    difficulty). Absent columns are ignored; a dimension with no column is 0. ``preuves``
    gives, per dimension, the raw indicators a word must be true on (``name_profiles``).
    """

    industrie: tuple[str, ...] = ("part_industrie", "specialisation")
    dynamisme: tuple[str, ...] = ("croissance_emploi_2014_2018", "effet_local")
    difficulte: tuple[str, ...] = ("taux_chomage", "-revenu_median")
    densite: tuple[str, ...] = ("densite", "croissance_population")
    preuves: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "industrie": ("part_industrie",),
            "dynamisme": ("croissance_emploi_2014_2018",),
            "difficulte": ("taux_chomage",),
            "densite": ("densite",),
        }
    )

    def dimensions(self) -> dict[str, tuple[str, ...]]:
        return {
            "industrie": self.industrie,
            "dynamisme": self.dynamisme,
            "difficulte": self.difficulte,
            "densite": self.densite,
        }


# The word of each dimension for a profile above / below the territories: (above, below).
MOTS = {
    "densite": ("urbain", "rural"),
    "industrie": ("industriel", "peu industriel"),
    "dynamisme": ("dynamique", "en repli"),
    "difficulte": ("en difficulté sociale", "socialement favorisé"),
}
STRUCTURE = ("densite", "industrie")  # their words come first, the others qualify them


def mots_du_nom(nom: str) -> dict[str, bool]:
    """The dimensions a profile name (``name_profiles``) carries a word of, each with whether it
    is the word above the median: 'urbain peu industriel' -> {'densite': True, 'industrie': False}."""
    found = {}
    for dim, (above, below) in MOTS.items():
        if below in nom:  # first: « peu industriel » holds « industriel »
            found[dim] = False
        elif above in nom:
            found[dim] = True
    return found


@dataclass(frozen=True)
class TypologyResult:
    """Everything a notebook needs to show and justify the typology."""

    raw: pd.DataFrame  # input indicators (index id_ti)
    z: pd.DataFrame  # imputed, standardised indicators
    n_imputed: pd.Series  # imputed cells per indicator
    silhouettes: pd.DataFrame  # k, silhouette, inertie, retenu
    k: int
    labels: pd.Series  # cluster number per id_ti
    profiles: pd.Series  # profile name per cluster number
    centroids: pd.DataFrame  # standardised centroids (index cluster)
    dimensions: pd.DataFrame  # centroid on the four key dimensions (index cluster)
    stability: pd.Series  # ARI per bootstrap resample
    representatives: pd.DataFrame  # one row per cluster
    reasons: pd.DataFrame  # long table: cluster, distinctive indicator, its values
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


def choose_k(table: pd.DataFrame) -> int:
    """The k of best mean silhouette among those of ``table`` (``silhouette_table``)."""
    return int(table.loc[table["silhouette"].idxmax(), "k"])


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


def verifies(raw: pd.DataFrame, labels: pd.Series, cluster: int, dim: str, above: bool, roles: Roles) -> bool:
    """Whether the word of ``dim`` (above or below) is true of the profile ``cluster``: the
    profile's mean of one of the proof indicators (``roles.preuves``) is above the median of all
    territories ("urbain", "en difficulté sociale"), or all of them are below it ("rural",
    "socialement favorisé"). A dimension without proof indicator in ``raw`` is never true."""
    proofs = [c for c in roles.preuves.get(dim, ()) if c in raw.columns]
    if not proofs:
        return False
    values = raw[proofs].astype("float64")
    mean, median = values.loc[labels == cluster].mean(), values.median()
    return bool((mean > median).any()) if above else bool((mean < median).all())


def _nom(words: dict[str, str]) -> str:
    """'industriel en repli', 'urbain peu industriel', 'en difficulté sociale et en repli'."""
    first = [words[d] for d in STRUCTURE if d in words]
    others = [w for d, w in words.items() if d not in STRUCTURE]
    if not first:
        return " et ".join(others)
    return " ".join(first) + (" " + " et ".join(others) if others else "")


def name_profiles(
    dimensions: pd.DataFrame, raw: pd.DataFrame, labels: pd.Series, roles: Roles, strong: float = STRONG
) -> pd.Series:
    """Unique French names per cluster, from the centroid's dimension scores (``dimensions``).

    A profile takes the words (``MOTS``) of its dimensions marked by at least ``strong`` (z
    units), the most marked first, at most two, each kept only if ``verifies`` it on the raw
    values; "intermédiaire" when none. Profiles left with the same name take their next true
    word (the most marked first, whatever its strength) until names differ; a name still
    shared gets its rank by size ("(2)").
    """
    ordered = {c: row.abs().sort_values(ascending=False).index.tolist() for c, row in dimensions.iterrows()}
    true = {
        c: [d for d in ordered[c] if dimensions.loc[c, d] != 0 and verifies(raw, labels, c, d, dimensions.loc[c, d] > 0, roles)]
        for c in dimensions.index
    }

    def words(c: int, n: int, min_strength: float) -> dict[str, str]:
        kept = [d for d in true[c] if abs(dimensions.loc[c, d]) >= min_strength][:n]
        order = [d for d in STRUCTURE if d in kept] + [d for d in kept if d not in STRUCTURE]  # then the most marked first
        return {d: MOTS[d][0 if dimensions.loc[c, d] > 0 else 1] for d in order}

    chosen = {c: words(c, 2, strong) for c in dimensions.index}
    names = pd.Series({c: _nom(w) or "intermédiaire" for c, w in chosen.items()}, name="profil")
    for n_words in range(3, len(MOTS) + 1):
        twins = names[names.duplicated(keep=False)].index
        if twins.empty:
            break
        for c in twins:
            names[c] = _nom(words(c, n_words, 0.0)) or "intermédiaire"
    sizes = labels.value_counts()
    for _, group in names.groupby(names, sort=False):
        if len(group) > 1:
            for rank, c in enumerate(sorted(group.index, key=lambda c: -sizes.get(c, 0)), start=1):
                names[c] = f"{names[c]} ({rank})" if rank > 1 else names[c]
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
    taille, distance_centre. ``reasons``: one row per cluster and distinctive indicator (the
    ``n_reasons`` largest |centroid z|), with the profile mean, the national (all-TI) mean and
    the territory's value (``publications.synthese.raison_profil`` says it in French).
    """
    indicator_labels = indicator_labels or {}
    dist = _distances(z, labels, centroids)
    rep_rows, reason_rows = [], []
    for cluster in centroids.index:
        members = labels.index[labels == cluster]
        id_ti = dist.loc[members].idxmin()
        top = centroids.loc[cluster].abs().sort_values(ascending=False).index[:n_reasons]
        for rank, col in enumerate(top, start=1):
            label = indicator_labels.get(col, col)
            value, mean_profile, mean_all = raw.loc[id_ti, col], raw.loc[members, col].mean(), raw[col].mean()
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
                }
            )
        rep_rows.append(
            {
                "cluster": cluster,
                "profil": profiles[cluster],
                "id_ti": id_ti,
                "taille": len(members),
                "distance_centre": dist[id_ti],
            }
        )
    return pd.DataFrame(rep_rows), pd.DataFrame(reason_rows)


def cluster_territories(
    indicators: pd.DataFrame,
    *,
    ks: Sequence[int] = KS,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    roles: Roles | None = None,
    indicator_labels: Mapping[str, str] | None = None,
) -> TypologyResult:
    """Run the whole typology on a wide table (index ``id_ti``, numeric indicator columns)."""
    roles = roles or Roles()
    z, n_imputed = standardise(indicators)
    table = silhouette_table(z, ks, seed)
    k = choose_k(table)
    model = _kmeans(k, seed).fit(z.to_numpy())
    labels = pd.Series(model.labels_, index=z.index, name="cluster", dtype="int64")
    centroids = pd.DataFrame(model.cluster_centers_, columns=z.columns).rename_axis("cluster")
    dims = _dimension_scores(centroids, roles)
    profiles = name_profiles(dims, indicators, labels, roles)
    reps, reasons = representatives(indicators.astype("float64"), z, labels, centroids, profiles, indicator_labels)
    return TypologyResult(
        raw=indicators,
        z=z,
        n_imputed=n_imputed,
        silhouettes=table.assign(retenu=table["k"] == k),
        k=k,
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
