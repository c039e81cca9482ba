"""The choice of the four monograph territories of phase 2: the team's choices
(``monographies/monographies.toml``) first, then the rule of ``choose_monographs``: two
territories in difficulty and two dynamic industrial ones (private employment growth since 2018
in the bottom or top quartile of the phase, industry's share of employment above the phase's
median), that cannot be twins: four different profiles where the typology has four or more
(else no two in the same profile and growth quartile), none among another's five nearest
neighbours in the typology's space, four different régions. The run reads it to decide which
monographs to execute; the synthesis shows it with the values that make them contrast.

A published precedent: Fouqueray (La Fabrique de l'industrie, 2020) chose fieldwork terrains
among zones d'emploi with a strong industrial specificity, an employment growth far from the
mean and marked local effects.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config
from analysis.analyses.comparaison import depuis_2018
from analysis.analyses.profils import densite, typologie_du_mois
from analysis.analyses.typologie import TypologyResult
from analysis.donnees import referentiel
from analysis.donnees.cache import cached
from analysis.indicateurs.build import read_indicators

OVERRIDE_FILE = config.MONOGRAPHIES_DIR / "monographies.toml"


N_MONOGRAPHIES = 4


MONOGRAPHIE_PHASE = 2


N_PROCHES = 5  # a monograph territory is never among another's five nearest neighbours


def _override(path: Path | None) -> dict[str, str]:
    return read_override(path) if path is not None and Path(path).exists() else {}


def valeurs_regle(wide: pd.DataFrame, density: pd.Series, regions: pd.Series | None = None) -> pd.DataFrame:
    """The values the rule compares, one row per TI of the phase (index id_ti): croissance
    (private employment growth since 2018, %/an), industrie (industry's share of employment, %),
    densite (log10 of inhabitants per km², shown, not compared), region (code of its région,
    ``regions``: id_ti -> code; missing when not given)."""
    ti = wide.loc[wide["niveau"] == "ti"].set_index("id_ti")
    return pd.DataFrame(
        {"croissance": ti["emploi_prive_tcam"].astype("float64"), "industrie": ti["part_industrie"].astype("float64"),
         "densite": density.reindex(ti.index).astype("float64"),
         "region": (regions.reindex(ti.index) if regions is not None else pd.Series(pd.NA, index=ti.index)).astype("string")}
    ).rename_axis("id_ti")


@cached
def monographies(periode: str, override: Path | None = OVERRIDE_FILE) -> pd.DataFrame:
    """The four phase-2 monograph territories (``choose_monographs``) with their names and the
    names of their régions: rang, id_ti, lib_ti, lib_region and the columns of ``choose_monographs``.

    Entries of the ``override`` TOML file come first (the team's choice).
    """
    result = typologie_du_mois(MONOGRAPHIE_PHASE, periode)
    names = referentiel.territoires(MONOGRAPHIE_PHASE).set_index("id_ti")
    valeurs = valeurs_regle(read_indicators(MONOGRAPHIE_PHASE, periode, "wide"), densite(MONOGRAPHIE_PHASE), names["region"])
    if not depuis_2018(read_indicators(MONOGRAPHIE_PHASE, periode, "observations")):
        valeurs = valeurs.assign(croissance=float("nan"))  # growth since 2018 not published yet (before mid-2020)
    chosen = choose_monographs(result, valeurs, N_MONOGRAPHIES, _override(override))
    out = chosen.join(names[["lib_ti", "lib_region"]], on="id_ti", validate="many_to_one")
    return out[["rang", "id_ti", "lib_ti", "lib_region", *[c for c in chosen.columns if c not in {"rang", "id_ti"}]]]


def read_override(path: str | Path) -> dict[str, str]:
    """Read ``[[monographie]]`` entries (``id_ti``, ``raison``) from a TOML file, in order."""
    with open(path, "rb") as fh:
        entries = tomllib.load(fh).get("monographie", [])
    bad = [e for e in entries if "id_ti" not in e]
    if bad:
        raise ValueError(f"{path}: entrée [[monographie]] sans id_ti : {bad}")
    return {str(e["id_ti"]): str(e.get("raison", "choix de l'équipe")) for e in entries}


# Criteria of one territory: (column of ``valeurs``, side). Growth quartiles are taken among the
# TI of the phase with a value (the ``ceil(n/4)`` highest or lowest values, ties included);
# industry is compared with the phase's median.
CRITERES = {
    "croissance_basse": ("croissance", "bas"),
    "croissance_haute": ("croissance", "haut"),
    "industrie_haute": ("industrie", "médiane"),
}
CRITERES_FR = {
    "croissance_basse": "croissance de l'emploi salarié privé depuis 2018 dans le quart le plus bas des TI de la phase",
    "croissance_haute": "croissance de l'emploi salarié privé depuis 2018 dans le quart le plus haut des TI de la phase",
    "industrie_haute": "part de l'industrie dans l'emploi au-dessus de la médiane des TI de la phase",
    # criteria of the four together
    "deux_en_difficulte": "deux territoires en difficulté (croissance dans le quart le plus bas, industrie au-dessus de la médiane)",
    "deux_dynamiques": "deux territoires industriels dynamiques (croissance dans le quart le plus haut, industrie au-dessus de la médiane)",
    "profils": "quatre profils différents (avec moins de quatre profils : jamais deux dans le même profil et le même quart de croissance)",
    "voisins": f"aucun parmi les {N_PROCHES} plus proches voisins d'un autre dans la typologie",
    "regions": "quatre régions différentes",
}
CONTRAINTES = ("profils", "voisins", "regions")  # what keeps the four from being twins, the first relaxed last


@dataclass(frozen=True)
class Role:
    """A slot of the rule: its name and the criteria its territory must meet."""

    nom: str
    exige: tuple[str, ...]


EN_DIFFICULTE = Role("industriel en difficulté", ("croissance_basse", "industrie_haute"))
DYNAMIQUE = Role("industriel dynamique", ("croissance_haute", "industrie_haute"))
ROLES = (EN_DIFFICULTE, DYNAMIQUE)
PAS_ENCORE_FR = "croissance de l'emploi salarié privé depuis 2018 pas encore publiée"


def quartile_flags(valeurs: pd.DataFrame) -> pd.DataFrame:
    """One boolean column per criterion of ``CRITERES`` (index: id_ti): the territory is among
    the ``ceil(n/4)`` highest (or lowest) values of the column, n the TI with a value, or
    strictly above the median of those values."""
    flags = {}
    for name, (column, side) in CRITERES.items():
        values = valeurs[column].astype("float64")
        if side == "médiane":
            flags[name] = (values > values.median()).fillna(False).astype(bool)
            continue
        rank = values.rank(ascending=side == "bas", method="min")
        flags[name] = (rank <= math.ceil(values.notna().sum() / 4)).fillna(False).astype(bool)
    return pd.DataFrame(flags, index=valeurs.index)


def quartile_croissance(valeurs: pd.DataFrame) -> pd.Series:
    """Quartile of growth since 2018 among the TI of the phase with a value, as ``quartile_flags``
    counts them: 1 for the ``ceil(n/4)`` lowest, 4 for the ``ceil(n/4)`` highest, else 2 or 3
    on either side of the median (<NA> without a value)."""
    values = valeurs["croissance"].astype("float64")
    n = values.notna().sum()
    low, high = values.rank(method="min"), values.rank(ascending=False, method="min")
    q = pd.Series(np.where(low <= math.ceil(n / 2), 2, 3), index=values.index)
    q = q.mask(low <= math.ceil(n / 4), 1).mask(high <= math.ceil(n / 4), 4)
    return q.astype("Int64").mask(values.isna()).rename("quartile")


def proches(result: TypologyResult, n: int = N_PROCHES) -> dict[str, set[str]]:
    """The ``n`` nearest neighbours of each classified territory in the typology's space
    (centred-reduced indicators), whatever their profile."""
    z = result.z.loc[result.labels.index]
    d = np.linalg.norm(z.to_numpy()[:, None, :] - z.to_numpy()[None, :, :], axis=2)
    np.fill_diagonal(d, np.inf)
    order = np.argsort(d, axis=1, kind="stable")[:, :n]
    return {i: set(z.index[order[k]]) for k, i in enumerate(z.index)}


def _compatibles(a: str, b: str, pool: Mapping[str, Mapping[str, object]], contraintes: frozenset[str],
                 voisins: dict[str, set[str]], k: int) -> bool:
    """May ``a`` and ``b`` both be monographs under ``contraintes``? ``pool``: id_ti -> its
    cluster, growth quartile and région."""
    x, y = pool[a], pool[b]
    if "profils" in contraintes and x["cluster"] == y["cluster"] and (
        k >= N_MONOGRAPHIES or pd.isna(x["quartile"]) or x["quartile"] == y["quartile"]
    ):
        return False
    if "voisins" in contraintes and (b in voisins.get(a, ()) or a in voisins.get(b, ())):
        return False
    return not ("regions" in contraintes and pd.notna(x["region"]) and x["region"] == y["region"])


def _cherche(candidats: list[list[str]], fixes: list[str], ok: Callable[[str, str], bool]) -> list[str] | None:
    """The first choice, in the order of ``candidats`` (one ordered list per place), of
    distinct territories compatible two by two and with ``fixes`` (depth-first search)."""
    def step(chosen: list[str]) -> list[str] | None:
        if len(chosen) == len(fixes) + len(candidats):
            return chosen
        for c in candidats[len(chosen) - len(fixes)]:
            if c not in chosen and all(ok(c, o) for o in chosen):
                found = step([*chosen, c])
                if found:
                    return found
        return None

    return step(list(fixes))


def _places(fixes: pd.DataFrame, n: int, roles: tuple[Role, ...]) -> list[Role]:
    """The roles the rule fills after the team's territories (``fixes``, rows of the pool):
    two of each role minus the team's territories that meet it, alternating, at most ``n`` in all."""
    manque = [max(0, 2 - int(fixes[list(r.exige)].all(axis=1).sum())) if r.exige else 2 for r in roles]
    order = [r for pair in itertools.zip_longest(*[[r] * m for r, m in zip(roles, manque)]) for r in pair if r is not None]
    return order[: max(0, n - len(fixes))]


def choose_monographs(
    result: TypologyResult,
    valeurs: pd.DataFrame,
    n: int = N_MONOGRAPHIES,
    override: Mapping[str, str] | str | Path | None = None,
) -> pd.DataFrame:
    """The ``n`` monograph territories: two in difficulty and two dynamic industrial ones that
    cannot be twins.

    Rule: the choices of ``override`` come first (a mapping id_ti → reason, or the path of a
    TOML file read by ``read_override``). The rule then fills the places left, alternating
    ``EN_DIFFICULTE`` (growth since 2018 in the bottom quartile of the phase, industry's share
    above its median) and ``DYNAMIQUE`` (top quartile, same industry) until each has two
    territories (the team's territories that meet a role count for it). Among the candidates of
    each place, taken nearest to their profile's centre first (the most typical), it keeps the
    first four that are compatible two by two and with the team's territories: different
    profiles (``profils``: all four where the typology has four or more, else never two in the
    same profile and growth quartile), none among another's ``N_PROCHES`` nearest neighbours
    (``voisins``, typology's space), different régions (``regions``). When no choice meets the
    three, the rule drops as few as possible, the régions first, then the neighbours, then the
    profiles; ``criteres_manquants`` says what the four do not meet. A criterion whose values
    are not published yet (growth, before mid-2020) is left out of the roles.

    ``valeurs`` (index id_ti): croissance (%/an since 2018), industrie (%), densite, region.
    Returns rang, id_ti, cluster, profil, source ("typologie" or "choix de l'équipe"), role,
    raison, croissance, quartile, industrie, industrie_mediane, densite, region, one boolean
    column per criterion of ``CRITERES``, proches (the other chosen territories among its
    nearest neighbours, comma-joined), k (profiles of the typology).
    """
    if isinstance(override, (str, Path)):
        override = read_override(override)
    override = dict(override or {})
    unknown = [i for i in override if i not in result.labels.index]
    if unknown:
        raise ValueError(f"territoire(s) absent(s) de la typologie : {unknown}")
    flags = quartile_flags(valeurs)
    inconnus = inconnus_regle(valeurs)
    pool = (
        result.membership()
        .join(flags, how="left")
        .fillna({c: False for c in CRITERES})
        .join(valeurs[["region"]].assign(quartile=quartile_croissance(valeurs)), how="left")
    )
    roles = tuple(Role(r.nom, tuple(c for c in r.exige if c not in inconnus)) for r in ROLES)
    fixes = list(itertools.islice(override, n))
    places = _places(pool.loc[fixes], n, roles)
    ordered = pool.sort_values(["distance_centre"]).index
    candidats = [[i for i in ordered if i not in fixes and (not r.exige or pool.loc[i, list(r.exige)].all())] for r in places]
    voisins = proches(result)
    lignes = pool[["cluster", "quartile", "region"]].to_dict("index")
    chosen = None
    for dropped in range(len(CONTRAINTES) + 1):
        for relaxed in itertools.combinations(reversed(CONTRAINTES), dropped):
            contraintes = frozenset(CONTRAINTES) - set(relaxed)
            chosen = _cherche(candidats, fixes, lambda a, b: _compatibles(a, b, lignes, contraintes, voisins, result.k))
            if chosen:
                break
        if chosen:
            break
    if not chosen or len(chosen) < n:
        raise ValueError(f"impossible de choisir {n} monographies : trop peu de territoires satisfont la règle")
    rows = [{"id_ti": i, "source": "choix de l'équipe", "role": "choix de l'équipe", "raison": override[i]} for i in fixes]
    rows += [{"id_ti": i, "source": "typologie", "role": r.nom, "raison": _raison(r, pool.loc[i], valeurs, inconnus)}
             for i, r in zip(chosen[len(fixes):], places)]
    out = pd.DataFrame(rows).set_index("id_ti").join(pool[["cluster", "quartile", *CRITERES]])
    out = out.join(valeurs[["croissance", "industrie", "densite", "region"]])
    out = out.assign(
        proches=[", ".join(o for o in out.index if o != i and o in voisins.get(i, ())) for i in out.index],
        industrie_mediane=float(valeurs["industrie"].median()),
        k=result.k,
    ).reset_index()
    return out.assign(rang=range(1, len(out) + 1), profil=out["cluster"].map(result.profiles))[
        ["rang", "id_ti", "cluster", "profil", "source", "role", "raison", "croissance", "quartile", "industrie",
         "industrie_mediane", "densite", "region", *CRITERES, "proches", "k"]
    ]


def _raison(role: Role, row: pd.Series, valeurs: pd.DataFrame, inconnus: set[str]) -> str:
    """Why the rule chose a territory for ``role``: the criteria it meets, in French."""
    met = [CRITERES_FR[c] for c in role.exige if row[c]]
    if inconnus & {"croissance_basse", "croissance_haute"}:
        met.insert(0, PAS_ENCORE_FR)
    return " ; ".join([*met, "le plus proche du centre de son profil parmi les candidats compatibles avec les autres"])


def inconnus_regle(valeurs: pd.DataFrame) -> set[str]:
    """The criteria of a territory whose values are not published yet (no territory has one)."""
    return {c for c, (column, _) in CRITERES.items() if valeurs[column].isna().all()}


def criteres_manquants(choix: pd.DataFrame) -> list[str]:
    """The criteria of the rule (keys of ``CRITERES_FR``) that the four chosen territories do
    not meet together, among those measured: empty when they contrast as the rule asks."""
    inconnus = inconnus_regle(choix)
    manquants = []
    for key, role in (("deux_en_difficulte", EN_DIFFICULTE), ("deux_dynamiques", DYNAMIQUE)):
        exige = [c for c in role.exige if c not in inconnus]
        if set(role.exige) & inconnus & {"croissance_basse", "croissance_haute"}:
            continue  # not measured yet
        if int(choix[exige].all(axis=1).sum()) < 2:
            manquants.append(key)
    k = int(choix["k"].iloc[0])
    same = choix.duplicated("cluster") if k >= N_MONOGRAPHIES else choix.duplicated(["cluster", "quartile"])
    if same.any():
        manquants.append("profils")
    if (choix["proches"] != "").any():
        manquants.append("voisins")
    if choix["region"].notna().all() and choix["region"].duplicated().any():
        manquants.append("regions")
    return manquants
