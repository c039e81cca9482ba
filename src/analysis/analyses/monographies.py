"""The choice of the four monograph territories of phase 2: the team's choices
(``monographies/monographies.toml``) first, then the rule of ``choose_monographs``, which
contrasts them on what the programme is about (employment growth, industrial weight,
density) and across the profiles of the typology. The run reads it to decide which
monographs to execute; the synthesis shows it.

A published precedent: Fouqueray (La Fabrique de l'industrie, 2020) chose fieldwork terrains
among zones d'emploi with a strong industrial specificity, an employment growth far from the
mean and marked local effects.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config
from analysis.analyses.comparaison import depuis_2018
from analysis.analyses.profils import densite, typologie
from analysis.analyses.typologie import TypologyResult
from analysis.donnees import referentiel
from analysis.donnees.cache import cached
from analysis.indicateurs.build import read_indicators

OVERRIDE_FILE = config.MONOGRAPHIES_DIR / "monographies.toml"


N_MONOGRAPHIES = 4


MONOGRAPHIE_PHASE = 2


def _override(path: Path | None) -> dict[str, str]:
    return read_override(path) if path is not None and Path(path).exists() else {}


def valeurs_regle(wide: pd.DataFrame, density: pd.Series) -> pd.DataFrame:
    """The values the rule compares, one row per TI of the phase (index id_ti): croissance
    (private employment growth since 2018, %/an), industrie (industry's share of employment, %),
    densite (log10 of inhabitants per km²)."""
    ti = wide.loc[wide["niveau"] == "ti"].set_index("id_ti")
    return pd.DataFrame(
        {"croissance": ti["emploi_prive_tcam"].astype("float64"), "industrie": ti["part_industrie"].astype("float64"),
         "densite": density.reindex(ti.index).astype("float64")}
    ).rename_axis("id_ti")


@cached
def monographies(periode: str, override: Path | None = OVERRIDE_FILE) -> pd.DataFrame:
    """The four phase-2 monograph territories (``choose_monographs``): rang, id_ti, lib_ti,
    profil, source, role, raison, the values compared and the criteria met.

    Entries of the ``override`` TOML file come first (the team's choice).
    """
    result = typologie(MONOGRAPHIE_PHASE, periode)
    valeurs = valeurs_regle(read_indicators(MONOGRAPHIE_PHASE, periode, "wide"), densite(MONOGRAPHIE_PHASE))
    if not depuis_2018(read_indicators(MONOGRAPHIE_PHASE, periode, "observations")):
        valeurs = valeurs.assign(croissance=float("nan"))  # growth since 2018 not published yet (before mid-2020)
    chosen = choose_monographs(result, valeurs, N_MONOGRAPHIES, _override(override))
    names = referentiel.territoires(MONOGRAPHIE_PHASE)[["id_ti", "lib_ti"]]
    out = chosen.merge(names, on="id_ti", how="left", validate="one_to_one")
    return out[["rang", "id_ti", "lib_ti", *[c for c in chosen.columns if c not in {"rang", "id_ti"}]]]


def read_override(path: str | Path) -> dict[str, str]:
    """Read ``[[monographie]]`` entries (``id_ti``, ``raison``) from a TOML file, in order."""
    with open(path, "rb") as fh:
        entries = tomllib.load(fh).get("monographie", [])
    bad = [e for e in entries if "id_ti" not in e]
    if bad:
        raise ValueError(f"{path}: entrée [[monographie]] sans id_ti : {bad}")
    return {str(e["id_ti"]): str(e.get("raison", "choix de l'équipe")) for e in entries}


# The rule's quartile criteria: (column of ``valeurs``, side). Quartiles are taken among the TI
# of the phase with a value (the ``ceil(n/4)`` highest or lowest values, ties included).
CRITERES = {
    "croissance_haute": ("croissance", "haut"),
    "croissance_basse": ("croissance", "bas"),
    "industrie_haute": ("industrie", "haut"),
    "densite_haute": ("densite", "haut"),
}
CRITERES_FR = {
    "croissance_haute": "croissance de l'emploi salarié privé depuis 2018 dans le quart le plus haut des TI de la phase",
    "croissance_basse": "croissance de l'emploi salarié privé depuis 2018 dans le quart le plus bas des TI de la phase",
    "industrie_haute": "part de l'industrie dans l'emploi dans le quart le plus haut des TI de la phase",
    "densite_haute": "densité de population dans le quart le plus haut des TI de la phase",
}


@dataclass(frozen=True)
class Role:
    """A slot of the rule: the criteria its territory must meet and those it should meet."""

    nom: str
    exige: tuple[str, ...]
    prefere: tuple[str, ...] = ()


# In order: the deindustrialising case, the dynamic industrial case, the dense case, then the
# profile farthest from those already taken (a role without criteria).
ROLES = (
    Role("industriel en repli", ("croissance_basse",), ("industrie_haute",)),
    Role("industriel dynamique", ("croissance_haute",), ("industrie_haute",)),
    Role("territoire dense", ("densite_haute",)),
    Role("profil le plus éloigné des précédents", ()),
)
# What a role without criteria (``ROLES[-1]``, or a role whose criteria are not published yet)
# is called by the criterion that actually chose its territory: the untaken profile farthest
# from the profiles already taken, or, when no profile is left untaken (or none is taken yet),
# the territory nearest to its profile's centre among those not chosen yet.
ROLE_ELOIGNE = ROLES[-1].nom
ROLE_TYPIQUE = "le plus typique des territoires restants"
TYPIQUE_FR = (
    "tous les profils de la typologie étant déjà représentés, le plus proche du centre de son profil parmi les "
    "territoires non retenus"
)


def quartile_flags(valeurs: pd.DataFrame) -> pd.DataFrame:
    """One boolean column per criterion of ``CRITERES`` (index: id_ti): the territory is among
    the ``ceil(n/4)`` highest (or lowest) values of the column, n the TI with a value."""
    flags = {}
    for name, (column, side) in CRITERES.items():
        values = valeurs[column].astype("float64")
        rank = values.rank(ascending=side == "bas", method="min")
        flags[name] = (rank <= math.ceil(values.notna().sum() / 4)).fillna(False).astype(bool)
    return pd.DataFrame(flags, index=valeurs.index)


def _pick(pool: pd.DataFrame, taken_profiles: set[int], role: Role) -> pd.Series | None:
    """The territory of ``pool`` (membership + flags) meeting ``role.exige``, in a profile not
    yet taken when possible, meeting most of ``role.prefere``, nearest to its profile's centre."""
    eligible = pool.loc[pool[list(role.exige)].all(axis=1)] if role.exige else pool
    if eligible.empty:
        return None
    fresh = eligible.loc[~eligible["cluster"].isin(taken_profiles)]
    eligible = fresh if not fresh.empty else eligible
    score = eligible[list(role.prefere)].sum(axis=1) if role.prefere else pd.Series(0, index=eligible.index)
    ordered = eligible.assign(_score=score).sort_values(["_score", "distance_centre"], ascending=[False, True])
    return ordered.iloc[0]


def _farthest_profile_pool(pool: pd.DataFrame, result: TypologyResult, taken: list[int]) -> pd.DataFrame | None:
    """The territories of the untaken profile farthest (in centroid space) from the taken ones;
    None when there is no such profile (none taken yet, or every profile taken)."""
    others = [c for c in result.centroids.index if c not in taken and (pool["cluster"] == c).any()]
    if not others or not taken:
        return None
    cents = result.centroids
    gap = {c: min(np.linalg.norm(cents.loc[c] - cents.loc[t]) for t in taken) for c in others}
    return pool.loc[pool["cluster"] == max(gap, key=gap.get)]


def _choose_for_role(role: Role, rows: list[dict], pool: pd.DataFrame, result: TypologyResult,
                     inconnus: set[str]) -> dict | None:
    """The territory ``role`` adds to the monographs already chosen (``rows``), as a row of
    ``choose_monographs``; None when a territory chosen before already meets its criteria or
    none qualifies. A role whose criteria are not measured yet (``inconnus``) is held by the
    farthest profile instead."""
    pas_encore = bool(role.exige) and set(role.exige) <= inconnus
    if pas_encore:
        role = Role(role.nom, (), tuple(c for c in role.prefere if c not in inconnus))
    chosen_ids = [r["id_ti"] for r in rows]
    if role.exige and pool.loc[chosen_ids, list(role.exige)].all(axis=1).any():
        return None  # already met by a territory chosen before
    remaining = pool.drop(index=chosen_ids)
    taken = [r["cluster"] for r in rows]
    candidates, nom, typique = remaining, role.nom, "le plus proche du centre de son profil parmi les candidats"
    if not role.exige:  # the farthest untaken profile; without one, the most typical of the rest
        farthest = _farthest_profile_pool(remaining, result, taken)
        if farthest is not None:
            candidates, nom = farthest, ROLE_ELOIGNE
        else:
            nom, typique = ROLE_TYPIQUE, TYPIQUE_FR if taken else "le plus proche du centre de son profil"
    row = _pick(candidates, set(taken), role)
    if row is None:
        return None
    met = [CRITERES_FR[c] for c in (*role.exige, *role.prefere) if row[c]]
    met = [PAS_ENCORE_FR, *met] if pas_encore else met
    return {"id_ti": row.name, "cluster": int(row["cluster"]), "source": "typologie", "role": nom,
            "raison": " ; ".join([*met, typique])}


def choose_monographs(
    result: TypologyResult,
    valeurs: pd.DataFrame,
    n: int = 4,
    override: Mapping[str, str] | str | Path | None = None,
) -> pd.DataFrame:
    """The ``n`` monograph territories, contrasting on what the programme is about.

    Rule: the choices of ``override`` come first (a mapping id_ti → reason, or the path of a
    TOML file read by ``read_override``); then each role of ``ROLES`` whose required criteria
    no territory already chosen meets takes the territory that meets them, in a profile not
    yet taken when one qualifies, meeting most of the role's preferred criteria, nearest to
    its profile's centre (the most typical). So the four meet, together: one territory in the
    top quartile and one in the bottom quartile of private employment growth since 2018, one
    in the top quartile of industrial weight (preferred for both growth roles), one in the
    densest quartile, in as many distinct profiles as the typology allows. A place a role leaves
    free (its criteria met by a territory already chosen) goes to the profile farthest from those
    taken, or, when every profile is taken, to the remaining territory nearest to its profile's
    centre (role ``ROLE_TYPIQUE``); so does a role whose criteria are not published yet (growth,
    before mid-2020). The role of each row names the criterion that chose it.

    ``valeurs`` (index id_ti): croissance (%/an since 2018), industrie (%), densite, for the TI
    of the phase. Returns rang, id_ti, cluster, profil, source ("typologie" or "choix de
    l'équipe"), role, raison, the three values and one boolean column per criterion.
    """
    if isinstance(override, (str, Path)):
        override = read_override(override)
    override = dict(override or {})
    unknown = [i for i in override if i not in result.labels.index]
    if unknown:
        raise ValueError(f"territoire(s) absent(s) de la typologie : {unknown}")
    flags = quartile_flags(valeurs)
    pool = result.membership().join(flags, how="left").fillna({c: False for c in CRITERES})
    inconnus = inconnus_regle(valeurs)
    rows = [
        {"id_ti": i, "cluster": int(result.labels[i]), "source": "choix de l'équipe", "role": "choix de l'équipe", "raison": r}
        for i, r in itertools.islice(override.items(), n)
    ]
    # the places a role leaves free (its criteria already met) go to the farthest profiles
    for role in (*ROLES, *(ROLES[-1],) * n):
        if len(rows) >= n:
            break
        row = _choose_for_role(role, rows, pool, result, inconnus)
        if row is not None:
            rows.append(row)
    if len(rows) < n:
        raise ValueError(f"impossible de choisir {n} monographies : {len(rows)} territoires seulement satisfont la règle")
    out = pd.DataFrame(rows).set_index("id_ti")
    out = out.join(valeurs[["croissance", "industrie", "densite"]]).join(flags).reset_index()
    return out.assign(rang=range(1, len(out) + 1), profil=out["cluster"].map(result.profiles))[
        ["rang", "id_ti", "cluster", "profil", "source", "role", "raison", "croissance", "industrie", "densite", *CRITERES]
    ]


PAS_ENCORE_FR = "croissance de l'emploi salarié privé depuis 2018 pas encore publiée"


def inconnus_regle(valeurs: pd.DataFrame) -> set[str]:
    """The criteria of the rule whose values are not published yet (no territory has one)."""
    return {c for c, (column, _) in CRITERES.items() if valeurs[column].isna().all()}


def criteres_manquants(choix: pd.DataFrame) -> list[str]:
    """The criteria of the rule that no chosen territory meets (possible when the team imposes
    territories), among those measured: empty when the four contrast as the rule asks."""
    inconnus = inconnus_regle(choix)
    return [c for c in CRITERES if c not in inconnus and not choix[c].any()]
