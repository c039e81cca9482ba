"""Facts of a territory that its numbers do not explain, found by explicit rules, to guide the
interviews of a monograph's fieldwork. Each rule reads values already computed (the indicator
table, the EPCI and commune employment paths, the sector shift-share, the perimeter in the
other phase) and fires when a threshold below is crossed; ``constats`` returns the rules that
fire, in the order of ``REGLES``, at most ``N_MAX``.

Rules (thresholds are module constants):

- ``local_contre_structure``: the local effect of the shift-share and the sector-mix effect
  have opposite signs, the local one of at least ``SEUIL_EFFET`` % of 2019 jobs (e.g. jobs
  lost locally despite a favourable sector mix);
- ``specialite``: the territory's most specific sector (at least ``SPECIFICITE`` times its
  weight in France, at least ``PART_MIN`` % of the jobs) did better or worse than its national
  trend by at least ``MIN_EMPLOIS_SPECIALITE`` jobs (its local effect);
- ``epci_divergents``: two EPCI parts holding at least ``PART_EPCI`` % of the jobs each grew
  at rates ``ECART_EPCI`` points a year apart or more since 2018;
- ``commune_decisive``: one commune's change since 2018 is, in absolute value, at least
  ``PART_COMMUNE`` of the territory's net change;
- ``perimetre``: the territory's communes differ from those of its counterpart in the other phase;
- ``demandeurs_contre_emploi``: job seekers changed at least ``ECART_DEMANDEURS`` points worse
  than in France while private jobs grew about as fast as in France or faster (gap above
  −``TOLERANCE_EMPLOI`` point a year), or the reverse;
- ``emploi_population``: private jobs and population move in opposite directions;
- ``secteur_local``: another sector than the most specific one carries at least
  ``PART_SECTEUR`` of the summed absolute local effects and at least ``MIN_EMPLOIS`` jobs;
- ``emploi_chomage``: jobs grow faster than in France while unemployment stays above France's;
- ``industrie_sans_haute_technologie``: industry weighs at least ``RATIO_INDUSTRIE`` times its
  weight in France, high-technology industry less than in France.

And rules on what happened there (each fires on the monograph's own tables, when given):

- ``controle_ecart``: the last gap between its EPCI and their synthetic control is at least
  ``ECART_CONTROLE`` points of index;
- ``ville_programme``: the Action cœur de ville or Petites villes de demain town whose private
  jobs changed most since 2018 (in absolute value), with its convention's date; the commune of
  ``commune_decisive`` is left to that question (the next town is taken);
- ``fonds_vert``: the largest Fonds vert 2023 project located in its communes, its share of the
  territory's total and the amount per inhabitant against the phase's median;
- ``relance_emplois``: the France Relance firms per 1,000 private jobs of its main département
  against France, and its rank;
- ``changements_epci``: communes of the territory that changed EPCI since the programme began.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis.analyses.controle_synthetique import SyntheticControl
from analysis.analyses.portrait import IDENTIQUE
from analysis.indicateurs.areas import FRANCE

SEUIL_EFFET = 1.0  # % of 2019 jobs
SPECIFICITE = 2.0
PART_MIN = 2.0  # % of the territory's jobs
MIN_EMPLOIS_SPECIALITE = 50
PART_SECTEUR = 0.25
MIN_EMPLOIS = 100
PART_EPCI = 5.0  # % of the territory's jobs
ECART_EPCI = 1.5  # points a year
PART_COMMUNE = 1 / 3
ECART_DEMANDEURS = 5.0  # points of change over the series
TOLERANCE_EMPLOI = 0.25  # point a year
RATIO_INDUSTRIE = 1.25
ECART_CONTROLE = 2.0  # points of index (base 100 the year before entry)
N_MAX = 8

REGLES = (
    "local_contre_structure",
    "specialite",
    "epci_divergents",
    "commune_decisive",
    "controle_ecart",
    "ville_programme",
    "fonds_vert",
    "relance_emplois",
    "changements_epci",
    "perimetre",
    "demandeurs_contre_emploi",
    "emploi_population",
    "secteur_local",
    "emploi_chomage",
    "industrie_sans_haute_technologie",
)


@dataclass(frozen=True)
class Constat:
    """A rule that fired and the values that made it fire."""

    regle: str
    valeurs: dict = field(default_factory=dict)


def _local_contre_structure(row: pd.Series) -> dict | None:
    local, mix = row["ss_effet_local_pct"], row["ss_effet_structurel_pct"]
    if pd.isna(local) or pd.isna(mix) or abs(local) < SEUIL_EFFET or local * mix >= 0:
        return None
    return {"local_pct": float(local), "structurel_pct": float(mix), "local": float(row["ss_effet_local"])}


def _specialite(secteurs: pd.DataFrame, effets: pd.DataFrame) -> dict | None:
    candidates = secteurs.loc[(secteurs["part"] >= PART_MIN) & (secteurs["specificite"] >= SPECIFICITE)]
    if candidates.empty:
        return None
    top = candidates.loc[candidates["specificite"].idxmax()]
    effet = effets.set_index("a38").loc[top["a38"]]
    if abs(effet["effet_local"]) < MIN_EMPLOIS_SPECIALITE:
        return None
    return {"a38": str(top["a38"]), "secteur": str(top["lib"]), "specificite": float(top["specificite"]), "part": float(top["part"]),
            "effet_local": float(effet["effet_local"]), "variation": float(effet["variation"]),
            "attendu": float(effet["effet_national"] + effet["effet_structurel"])}


def _secteur_local(effets: pd.DataFrame, exclu: str | None) -> dict | None:
    total = effets["effet_local"].abs().sum()
    top = effets.loc[effets["effet_local"].abs().idxmax()]
    if total == 0 or top["a38"] == exclu or abs(top["effet_local"]) < max(PART_SECTEUR * total, MIN_EMPLOIS):
        return None
    return {"secteur": str(top["lib"]), "effet_local": float(top["effet_local"]), "variation": float(top["variation"]),
            "attendu": float(top["effet_national"] + top["effet_structurel"]), "part": float(abs(top["effet_local"]) / total)}


def _epci_divergents(epci: pd.DataFrame) -> dict | None:
    big = epci.loc[epci["part"] >= PART_EPCI].dropna(subset=["tcam_apres"])
    if len(big) < 2:
        return None
    hi, lo = big.loc[big["tcam_apres"].idxmax()], big.loc[big["tcam_apres"].idxmin()]
    if hi["tcam_apres"] - lo["tcam_apres"] < ECART_EPCI:
        return None
    return {"haut": str(hi["lib_epci"]), "tcam_haut": float(hi["tcam_apres"]), "bas": str(lo["lib_epci"]), "tcam_bas": float(lo["tcam_apres"])}


def _commune_decisive(communes: pd.DataFrame) -> dict | None:
    total = communes["variation"].sum()
    if communes.empty or total == 0:
        return None
    top = communes.loc[communes["variation"].abs().idxmax()]
    if abs(top["variation"]) < PART_COMMUNE * abs(total):
        return None
    return {"commune": str(top["lib_com"]), "variation": float(top["variation"]), "variation_pct": float(top["variation_pct"]),
            "total": float(total)}


def _demandeurs_contre_emploi(row: pd.Series, france: pd.Series) -> dict | None:
    seekers = row["demandeurs_emploi_evol"] - france["demandeurs_emploi_evol"]
    jobs = row["emploi_prive_tcam"] - france["emploi_prive_tcam"]
    if pd.isna(seekers) or pd.isna(jobs):
        return None
    worse = seekers >= ECART_DEMANDEURS and jobs >= -TOLERANCE_EMPLOI
    better = seekers <= -ECART_DEMANDEURS and jobs <= TOLERANCE_EMPLOI
    if not (worse or better):
        return None
    return {"demandeurs": float(row["demandeurs_emploi_evol"]), "demandeurs_france": float(france["demandeurs_emploi_evol"]),
            "emploi_tcam": float(row["emploi_prive_tcam"]), "emploi_tcam_france": float(france["emploi_prive_tcam"])}


def _emploi_population(row: pd.Series) -> dict | None:
    jobs, pop = row["emploi_prive_tcam"], row["croissance_population"]
    if pd.isna(jobs) or pd.isna(pop) or jobs * pop >= 0:
        return None
    return {"emploi_tcam": float(jobs), "population_tcam": float(pop)}


def _emploi_chomage(row: pd.Series, france: pd.Series) -> dict | None:
    if pd.isna(row["taux_chomage"]) or not (row["emploi_prive_tcam"] > france["emploi_prive_tcam"] and row["taux_chomage"] > france["taux_chomage"]):
        return None
    return {"emploi_tcam": float(row["emploi_prive_tcam"]), "emploi_tcam_france": float(france["emploi_prive_tcam"]),
            "chomage": float(row["taux_chomage"]), "chomage_france": float(france["taux_chomage"])}


def _industrie_sans_haute_technologie(row: pd.Series, france: pd.Series) -> dict | None:
    if pd.isna(row["part_industrie"]) or pd.isna(row["part_industrie_hautetech"]):
        return None
    if row["part_industrie"] < RATIO_INDUSTRIE * france["part_industrie"] or row["part_industrie_hautetech"] >= france["part_industrie_hautetech"]:
        return None
    return {"industrie": float(row["part_industrie"]), "industrie_france": float(france["part_industrie"]),
            "hautetech": float(row["part_industrie_hautetech"]), "hautetech_france": float(france["part_industrie_hautetech"])}


def _perimetre(correspondance: pd.DataFrame, relation: str, n_communes: int) -> dict | None:
    if relation == IDENTIQUE or correspondance.empty:
        return None
    main = correspondance.iloc[0]
    return {"relation": relation, "id_autre": str(main["id_ti"]), "communes_communes": int(main["communes_communes"]),
            "n_communes_autre": int(main["n_communes"]), "n_communes": n_communes, "part_ici": float(main["part_ici"]),
            "part_autre": float(main["part_autre"])}


def _controle_ecart(controle: SyntheticControl | None) -> dict | None:
    if controle is None or controle.path.empty:
        return None
    last = controle.path.loc[controle.path["year"].idxmax()]
    if abs(last["ecart"]) < ECART_CONTROLE:
        return None
    return {"entree": int(controle.start), "annee": int(last["year"]), "traite": float(last["traite"]),
            "synthetique": float(last["synthetique"]), "ecart": float(last["ecart"])}


def _ville_programme(signatures: pd.DataFrame | None, communes: pd.DataFrame, exclue: str | None) -> dict | None:
    if signatures is None or signatures.empty:
        return None
    towns = signatures.drop_duplicates("lib_com").merge(communes[["lib_com", "variation", "variation_pct"]], on="lib_com")
    n_villes = len(towns)
    towns = towns.loc[towns["lib_com"] != exclue]  # already the question of ``commune_decisive``
    if towns.empty:
        return None
    top = towns.loc[towns["variation"].abs().idxmax()]
    date = top["date_signature"]
    return {"commune": str(top["lib_com"]), "programme": str(top["programme"]), "date": None if pd.isna(date) else str(date),
            "variation": float(top["variation"]), "variation_pct": float(top["variation_pct"]), "n_villes": n_villes,
            "apres": exclue if exclue in set(signatures["lib_com"]) else None}


def _fonds_vert(projets: pd.DataFrame | None, totaux: pd.DataFrame | None, id_ti: str) -> dict | None:
    if projets is None or totaux is None:
        return None
    own = projets.loc[projets["id_ti"] == id_ti]
    if own.empty:
        return None
    top = own.sort_values(["montant", "projet"], ascending=[False, True]).iloc[0]
    total = totaux.set_index("id_ti").loc[id_ti]
    return {"projet": str(top["projet"]), "beneficiaire": str(top["beneficiaire"]), "commune": str(top["lib_com"]),
            "montant": float(top["montant"]), "part": float(100 * top["montant"] / total["montant"]),
            "n_projets": int(total["n_projets"]), "par_habitant": float(total["montant_par_habitant"]),
            "mediane": float(totaux["montant_par_habitant"].median())}


def _relance_emplois(relance: pd.DataFrame | None, departements: list[str]) -> dict | None:
    if relance is None or not departements or departements[0] not in set(relance["departement"]):
        return None
    row = relance.set_index("departement").loc[departements[0]]
    return {"departement": str(row["lib_departement"]), "mois": str(row["mois"]), "entreprises": float(row["entreprises"]),
            "pour_1000": float(row["pour_1000"]), "pour_1000_france": float(row["pour_1000_france"]), "rang": int(row["rang"]),
            "n_departements": int(row["n_departements"]), "annee": int(row["annee"])}


def _changements_epci(changements: pd.DataFrame | None, depuis: int) -> dict | None:
    if changements is None or changements.empty:
        return None
    moves = changements.groupby(["lib_avant", "lib_apres"]).size().sort_values(ascending=False)
    (avant, apres), n = moves.index[0], int(moves.iloc[0])
    exemple = changements.loc[(changements["lib_avant"] == avant) & (changements["lib_apres"] == apres), "lib_com"].iloc[0]
    return {"n_communes": int(changements["insee_com"].nunique()), "avant": str(avant), "apres": str(apres), "n_mouvement": n,
            "commune": str(exemple), "depuis": depuis}


def constats(
    wide: pd.DataFrame,
    id_ti: str,
    *,
    epci: pd.DataFrame,
    communes: pd.DataFrame,
    secteurs: pd.DataFrame,
    effets: pd.DataFrame,
    correspondance: pd.DataFrame,
    relation: str,
    controle: SyntheticControl | None = None,
    signatures: pd.DataFrame | None = None,
    fonds_vert: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    relance: pd.DataFrame | None = None,
    departements: list[str] | None = None,
    changements: pd.DataFrame | None = None,
    depuis: int = 2019,
    n_max: int = N_MAX,
) -> list[Constat]:
    """The rules of ``REGLES`` that fire for the territory, in that order, at most ``n_max``.

    ``wide``: the phase's indicator table; ``epci``: ``portrait.tableau_epci_emploi``;
    ``communes``: ``portrait.variations_communes`` (since 2018, one row per commune); ``secteurs`` / ``effets``:
    ``tissu_productif.tableau_secteurs`` (against France) / ``effets_secteurs``; ``correspondance`` / ``relation``:
    ``portrait.correspondance`` with the other phase and ``portrait.perimetre``. What happened there, each
    optional (its rule does not fire without it): ``controle``, the synthetic control of its EPCI;
    ``signatures``: ``recoupements.signatures``; ``fonds_vert``: (projects, totals) of
    ``fonds_vert_territoires.FondsVert``; ``relance`` / ``departements``:
    ``france_relance.comparer_relance_aux_emplois`` and its départements, the main one first;
    ``changements``: ``portrait.changements_epci`` since the COG of ``depuis``.
    """
    table = wide.set_index("id_ti")
    row, france = table.loc[id_ti], table.loc[FRANCE]
    specialite = _specialite(secteurs, effets)
    decisive = _commune_decisive(communes)
    checks = {
        "local_contre_structure": lambda: _local_contre_structure(row),
        "specialite": lambda: specialite,
        "epci_divergents": lambda: _epci_divergents(epci),
        "commune_decisive": lambda: decisive,
        "perimetre": lambda: _perimetre(correspondance, relation, len(communes)),
        "demandeurs_contre_emploi": lambda: _demandeurs_contre_emploi(row, france),
        "emploi_population": lambda: _emploi_population(row),
        "secteur_local": lambda: _secteur_local(effets, specialite["a38"] if specialite else None),
        "emploi_chomage": lambda: _emploi_chomage(row, france),
        "industrie_sans_haute_technologie": lambda: _industrie_sans_haute_technologie(row, france),
        "controle_ecart": lambda: _controle_ecart(controle),
        "ville_programme": lambda: _ville_programme(signatures, communes, decisive["commune"] if decisive else None),
        "fonds_vert": lambda: _fonds_vert(*(fonds_vert or (None, None)), id_ti),
        "relance_emplois": lambda: _relance_emplois(relance, departements or []),
        "changements_epci": lambda: _changements_epci(changements, depuis),
    }
    found = [Constat(name, values) for name in REGLES if (values := checks[name]()) is not None]
    return found[:n_max]
