"""What a monograph says beyond the fiche: the territory's profile and peers, its path
against the controls, its town programmes and the researchers' fieldwork notes.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config, texte
from analysis.analyses import impact
from analysis.analyses.evaluation import ImpactTerritoire
from analysis.analyses.profils import DENSITE
from analysis.analyses.recoupements import PROGRAMMES_VILLES
from analysis.analyses.typologie import TypologyResult
from analysis.donnees import referentiel
from analysis.indicateurs.registry import INDICATORS
from analysis.texte import nombre

def texte_programmes(table: pd.DataFrame, lib_ti: str) -> str:
    """French sentence on the territory's towns in Action cœur de ville and Petites villes de demain."""
    n = table.set_index("programme")["n"]
    acv, pvd = n[PROGRAMMES_VILLES["ACV"]], n[PROGRAMMES_VILLES["PVD"]]
    if acv + pvd == 0:
        return f"Aucune commune de {lib_ti} n'est retenue par Action cœur de ville ni par Petites villes de demain."
    return (
        f"{lib_ti} compte {nombre(acv)} ville(s) Action cœur de ville (liste actuelle ; {nombre(n[PROGRAMMES_VILLES['ACV 2']])} "
        f"en Action cœur de ville 2, {nombre(n[PROGRAMMES_VILLES['ACV 2018']])} dans la liste de 2018) et {nombre(pvd)} commune(s) "
        "Petites villes de demain : le programme industriel s'y superpose aux programmes de revitalisation des centres, "
        "qui financent surtout l'habitat, le commerce et les espaces publics."
    )


TERRAIN_DIR = config.MONOGRAPHIES_DIR / "terrain"


HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


TERRAIN_ATTENTE = (
    "> **Section en attente du travail de terrain.** Aucune note n'a encore été déposée pour ce territoire. "
    "Les chercheurs la compléteront dans `monographies/terrain/{id_ti}.md` (entretiens menés, bonnes pratiques "
    "repérées, projets phares) ; elle apparaîtra ici à la prochaine exécution."
)


def texte_impact_territoire(it: ImpactTerritoire) -> str:
    """French paragraph: the territory's EPCI path vs the reweighted controls, and why a single
    territory's effect is not identified."""
    if it.result is None:
        return (
            "Aucun EPCI du territoire ne figure dans le panel d'évaluation (EPCI couverts à moins de 50 % ou hors de France "
            "métropolitaine) : la comparaison avec des EPCI témoins n'est pas possible."
        )
    t = it.trajectoire.set_index(impact.TIME)
    base, last = it.cohort - 1, int(t.index.max())
    n = int((it.epci["cohorte"] == it.cohort).sum())
    others = len(it.epci) - n
    note = f" ({nombre(others)} autre(s) EPCI membre(s), entré(s) à une autre date ou couvert(s) en partie, ne sont pas comptés)" if others else ""
    gap = t.loc[last, "ecart"]
    return (
        f"Les {nombre(n)} EPCI du territoire entrés dans le programme en {it.cohort}{note} ont vu leur emploi salarié privé passer "
        f"de l'indice 100 en {base} à {nombre(t.loc[last, 'territoire'], 1)} en {last}, contre {nombre(t.loc[last, 'temoins'], 1)} "
        f"pour la moyenne repondérée des {nombre(it.result.n_controls)} EPCI témoins ({it.result.design}, pondérés pour ressembler "
        f"aux EPCI traités avant {it.cohort}) : un écart de {'+' if gap > 0 else ''}{nombre(gap, 1)} point{'s' if abs(gap) >= 2 else ''}. "
        "Cet écart n'est pas l'effet du programme sur ce territoire : pour un seul territoire, l'effet n'est pas identifié, car "
        "les chocs propres au territoire (une usine qui ouvre ou ferme, un sous-traitant qui perd un client) se confondent avec "
        "lui. Seule l'estimation sur l'ensemble des EPCI entrés la même année, rappelée ci-dessous, a un sens statistique."
    )


def tableau_profil_territoire(result: TypologyResult, wide: pd.DataFrame, id_ti: str) -> pd.DataFrame:
    """The territory's raw values beside the mean of its profile, of all TI and France (French strings)."""
    raw = result.raw.astype("float64")
    cluster = int(result.labels[id_ti])
    france = wide.loc[wide["niveau"] == "france"].iloc[0]
    units = {name: ind.unit for name, ind in INDICATORS.items()}

    def fmt(col: str, v: float) -> str:
        if pd.isna(v):
            return "n.d."
        return nombre(10**v) if col == DENSITE else texte.valeur(v, units[col])

    rows = []
    for col in raw.columns:
        values = (raw.loc[id_ti, col], raw.loc[result.labels == cluster, col].mean(), raw[col].mean(),
                  float(france[col]) if col in france.index else np.nan)
        rows.append({"Indicateur": "Densité de population (hab./km²)" if col == DENSITE else result.indicator_labels.get(col, col),
                     "Territoire": fmt(col, values[0]), "Moyenne du profil": fmt(col, values[1]),
                     "Ensemble des TI": fmt(col, values[2]), "France": fmt(col, values[3])})
    return pd.DataFrame(rows)


def texte_profil_territoire(result: TypologyResult, id_ti: str, phase: int, choix: pd.DataFrame, n_voisins: int = 4) -> str:
    """French paragraph: the territory's profile, its closest peers and why it was chosen."""
    if id_ti not in result.labels.index:
        return "Ce territoire n'entre pas dans la typologie (indicateurs du recensement indisponibles, territoire d'outre-mer)."
    cluster = int(result.labels[id_ti])
    members = result.labels.index[result.labels == cluster]
    names = referentiel.territoires(phase).set_index("id_ti")["lib_ti"]
    dist = np.linalg.norm(result.z.loc[members].to_numpy() - result.z.loc[id_ti].to_numpy(), axis=1)
    peers = pd.Series(dist, index=members).drop(id_ti).nsmallest(n_voisins).index
    row = choix.loc[choix["id_ti"] == id_ti]
    by = "par l'équipe" if len(row) and row["source"].iloc[0] != "typologie" else "par la règle de la typologie"
    why = f" Il a été retenu pour une monographie {by} : {row['raison'].iloc[0]}." if len(row) else ""
    return (
        f"Dans la typologie de la phase {phase}, le territoire appartient au profil « {result.profiles[cluster]} », "
        f"qui réunit {nombre(len(members))} des {nombre(len(result.labels))} territoires classés. Les territoires de ce profil "
        f"les plus proches de lui sur l'ensemble des indicateurs sont : {', '.join(names[p] for p in peers)}.{why}"
    )


def terrain(id_ti: str, folder: Path = TERRAIN_DIR) -> str:
    """The researchers' fieldwork notes (``monographies/terrain/<id_ti>.md``) without its HTML
    comments (the instructions of the template), or a visible placeholder when nothing else
    has been written yet."""
    path = Path(folder) / f"{id_ti}.md"
    content = HTML_COMMENT.sub("", path.read_text(encoding="utf-8")).strip() if path.exists() else ""
    return content or TERRAIN_ATTENTE.format(id_ti=id_ti)
