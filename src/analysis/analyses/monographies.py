"""The choice of the four monograph territories: the team's choices
(``monographies/monographies.toml``) first, then contrasting profiles of the phase-2 typology.
The run reads it to decide which monographs to execute; the synthesis shows it.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config
from analysis.analyses.profils import typologie
from analysis.analyses.typologie import TypologyResult
from analysis.donnees import referentiel

OVERRIDE_FILE = config.MONOGRAPHIES_DIR / "monographies.toml"


N_MONOGRAPHIES = 4


MONOGRAPHIE_PHASE = 2


def _override(path: Path | None) -> dict[str, str]:
    return read_override(path) if path is not None and Path(path).exists() else {}


@cache
def monographies(periode: str, override: Path | None = OVERRIDE_FILE) -> pd.DataFrame:
    """The four phase-2 monograph territories: rang, id_ti, lib_ti, profil, source, raison.

    Entries of the ``override`` TOML file come first (the team's choice); the other slots go
    to contrasting profiles of the phase-2 typology (``choose_monographs``).
    """
    result = typologie(MONOGRAPHIE_PHASE, periode)
    chosen = choose_monographs(result, N_MONOGRAPHIES, _override(override))
    names = referentiel.territoires(MONOGRAPHIE_PHASE)[["id_ti", "lib_ti"]]
    return chosen.merge(names, on="id_ti", how="left", validate="one_to_one")[
        ["rang", "id_ti", "lib_ti", "profil", "source", "raison"]
    ]


def read_override(path: str | Path) -> dict[str, str]:
    """Read ``[[monographie]]`` entries (``id_ti``, ``raison``) from a TOML file, in order."""
    with open(path, "rb") as fh:
        entries = tomllib.load(fh).get("monographie", [])
    bad = [e for e in entries if "id_ti" not in e]
    if bad:
        raise ValueError(f"{path}: entrée [[monographie]] sans id_ti : {bad}")
    return {str(e["id_ti"]): str(e.get("raison", "choix de l'équipe")) for e in entries}


def _contrasting_clusters(result: TypologyResult, n: int, eligible: list[int]) -> list[int]:
    """Order of profiles for the monographs: declining industrial, dynamic industrial, then
    farthest-point in centroid space."""
    dims = result.dimensions.loc[eligible]

    def industrial(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["industrie"] > 0] if (frame["industrie"] > 0).any() else frame

    chosen = [industrial(dims)["dynamisme"].idxmin()]
    rest = dims.drop(index=chosen)
    if not rest.empty:
        chosen.append(industrial(rest)["dynamisme"].idxmax())
    cents = result.centroids
    while len(chosen) < min(n, len(eligible)):
        others = [c for c in eligible if c not in chosen]
        gap = {c: min(np.linalg.norm(cents.loc[c] - cents.loc[s]) for s in chosen) for c in others}
        chosen.append(max(gap, key=gap.get))
    return chosen[:n]


def choose_monographs(
    result: TypologyResult,
    n: int = 4,
    override: Mapping[str, str] | str | Path | None = None,
    min_size: int = 3,
) -> pd.DataFrame:
    """The ``n`` monograph territories, from ``n`` distinct, contrasting profiles.

    Automatic rule: among profiles with at least ``min_size`` territories (all profiles if
    too few), take (1) the industrial profile (industry dimension > 0) with the weakest
    dynamism — the deindustrialising case, (2) the industrial profile with the strongest
    dynamism among the others (any profile if none is industrial), then (3) the profiles
    farthest (in centroid space) from those already taken; each is represented by its
    territory nearest to the centroid.

    ``override`` (a mapping id_ti → reason, or the path of a TOML file read by
    ``read_override``) fixes territories first, in order; the remaining slots are filled by
    the automatic rule from profiles not already covered. Returns columns: rang, id_ti,
    cluster, profil, source ("typologie" or "choix de l'équipe"), raison.
    """
    if isinstance(override, (str, Path)):
        override = read_override(override)
    override = dict(override or {})
    unknown = [i for i in override if i not in result.labels.index]
    if unknown:
        raise ValueError(f"territoire(s) absent(s) de la typologie : {unknown}")
    rows = [
        {"id_ti": i, "cluster": int(result.labels[i]), "source": "choix de l'équipe", "raison": r}
        for i, r in itertools.islice(override.items(), n)
    ]
    taken = {r["cluster"] for r in rows}
    sizes = result.labels.value_counts()
    eligible = [c for c in result.centroids.index if c not in taken and sizes.get(c, 0) >= min_size]
    if len(eligible) < n - len(rows):
        eligible = [c for c in result.centroids.index if c not in taken]
    if len(eligible) < n - len(rows):
        raise ValueError(
            f"{result.k} profils seulement : impossible de choisir {n} monographies de profils distincts "
            "(abaisser n, augmenter min_k ou compléter par une surcharge)"
        )
    reps = result.representatives.set_index("cluster")
    for c in _contrasting_clusters(result, n - len(rows), eligible):
        rows.append(
            {
                "id_ti": reps.loc[c, "id_ti"],
                "cluster": int(c),
                "source": "typologie",
                "raison": f"territoire le plus proche du centre du profil « {result.profiles[c]} » "
                f"({int(reps.loc[c, 'taille'])} TI) — {reps.loc[c, 'raisons']}",
            }
        )
    out = pd.DataFrame(rows)
    return out.assign(
        rang=range(1, len(out) + 1),
        profil=out["cluster"].map(result.profiles),
    )[["rang", "id_ti", "cluster", "profil", "source", "raison"]]
