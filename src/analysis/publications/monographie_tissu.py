"""The *Tissu productif* section of a monograph: the A38 sectors estimated from the zones
d'emploi (``analyses.tissu_productif``), their change, the shift-share sector by sector and
high technology, as French sentences and tables."""

from __future__ import annotations

import pandas as pd

from analysis import texte
from analysis.analyses.tissu_productif import TissuProductif, parts_industrie
from analysis.texte import nombre, pourcent

SECTEURS_PAS_ENCORE = (
    "L'emploi salarié privé par secteur n'est pas encore publié (sa première année, 2019, ne l'est qu'au milieu de "
    "l'année suivante) : le tissu productif du territoire attend sa publication."
)


def texte_tissu(tissu: TissuProductif, nom: str) -> str:
    """Method (an estimate, the zones d'emploi and their weights), the largest sectors, their
    change since 2019, the most specific ones and the weight of industry."""
    zones = tissu.poids.loc[tissu.poids["poids"] >= 0.01]
    listed = ", ".join(f"{z.lib_ze} ({pourcent(100 * z.poids, 0)})" for z in zones.itertuples())
    s = tissu.secteurs
    top = s.head(3)
    biggest = " ; ".join(f"{r.lib} ({pourcent(r.part, 1)} des emplois, France {pourcent(r.part_reference, 1)})" for r in top.itertuples())
    specific = s.loc[s["part"] >= 1].nlargest(3, "specificite")
    specs = ", ".join(f"{r.lib} ({nombre(r.specificite, 1)} fois son poids en France)" for r in specific.itertuples())
    gains = s.nlargest(1, "variation").iloc[0]
    losses = s.nsmallest(1, "variation").iloc[0]
    shares = parts_industrie(s)
    methode = (
        "**Une estimation.** L'URSSAF ne publie l'emploi salarié privé par secteur (38 secteurs) que par zone d'emploi. "
        f"{texte.majuscule(texte.le(nom))} en reçoit une part égale à son poids dans l'emploi salarié privé de 2019 de chaque zone : {listed}. "
        "Les chiffres de cette section supposent donc que, dans chaque zone, les communes du territoire ont la même "
        "composition sectorielle que la zone entière ; ils sont exacts seulement pour une zone entièrement comprise dans le territoire."
        if tissu.estimation
        else "L'emploi salarié privé par secteur (38 secteurs) est ici la somme des communes du territoire, d'après le fichier "
        "national de l'URSSAF des effectifs par commune et code d'activité."
    )
    return (
        f"{methode}\n\n"
        f"En {tissu.fin}, les trois premiers secteurs sont : {biggest}. L'industrie (extraction, industrie manufacturière, "
        f"énergie, eau et déchets) y pèse {pourcent(shares['industrie'], 1)} des emplois salariés privés, contre "
        f"{pourcent(shares['industrie_reference'], 1)} en France. Les secteurs les plus spécifiques du territoire sont : {specs}. "
        f"Depuis {tissu.debut}, le secteur qui a le plus gagné d'emplois est {gains['lib'].lower()} "
        f"({'+' if gains['variation'] > 0 else ''}{nombre(gains['variation'])}), celui qui en a le plus perdu "
        f"{losses['lib'].lower()} ({nombre(losses['variation'])})."
    )


def tableau_secteurs(tissu: TissuProductif, n: int = 12) -> pd.DataFrame:
    """The ``n`` largest sectors as a French table."""
    return texte.tableau(
        tissu.secteurs.head(n),
        {
            "lib": ("Secteur (A38)", None),
            "emploi_fin": (f"Emplois {tissu.fin}" + (" (estimation)" if tissu.estimation else ""), 0),
            "part": ("Part (%)", 1),
            "part_reference": ("Part en France (%)", 1),
            "specificite": ("Spécificité", lambda v: nombre(v, 2)),
            "variation_pct": ("Évolution depuis 2019 (%)", lambda v: pourcent(v, 1, signed=True) if pd.notna(v) else "–"),
        },
    )


def evolutions_secteurs(secteurs: pd.DataFrame, nom: str, n: int = 10) -> pd.DataFrame:
    """Long table for grouped bars: the change (%) since the first year of the ``n`` largest
    sectors, in the territory and in France (secteur, lib, value)."""
    top = secteurs.head(n)
    return pd.concat(
        [pd.DataFrame({"secteur": top["lib"], "lib": nom, "value": top["variation_pct"]}),
         pd.DataFrame({"secteur": top["lib"], "lib": "France", "value": top["variation_pct_reference"]})],
        ignore_index=True,
    )


def effets_marquants(effets: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The ``n`` sectors with the largest local gains and the ``n`` with the largest local
    losses (jobs beyond or below their national trend): secteur, value."""
    gains = effets.loc[effets["effet_local"] > 0].head(n)
    losses = effets.loc[effets["effet_local"] < 0].tail(n)
    both = pd.concat([gains, losses])
    return pd.DataFrame({"secteur": both["lib"].to_numpy(), "value": both["effet_local"].to_numpy()})


def texte_effets_secteurs(tissu: TissuProductif) -> str:
    """Which sectors carry the local effect of the shift-share."""
    effets, debut, fin = tissu.effets, tissu.debut, tissu.fin
    note = ", estimation par zone d'emploi" if tissu.estimation else ""
    gains, losses = effets.loc[effets["effet_local"] > 0].head(2), effets.loc[effets["effet_local"] < 0].tail(2).iloc[::-1]

    def items(rows: pd.DataFrame) -> str:
        return " et ".join(f"{r.lib.lower()} ({'+' if r.effet_local > 0 else ''}{nombre(r.effet_local)})" for r in rows.itertuples())

    parts = []
    if len(gains):
        parts.append(f"les secteurs qui ont le plus dépassé leur tendance nationale sont {items(gains)}")
    if len(losses):
        parts.append(f"ceux qui sont le plus restés en deçà sont {items(losses)}")
    return (
        f"Secteur par secteur, entre {debut} et {fin}, l'effet local compare les emplois gagnés ou perdus à ce qu'aurait donné "
        f"la croissance nationale de chaque secteur : {' ; '.join(parts)} (emplois{note})."
    )


def texte_haute_technologie(tissu: TissuProductif) -> str:
    """High-technology industry and services against France (same estimate)."""
    p = parts_industrie(tissu.secteurs)
    return (
        f"Les secteurs de haute et moyenne-haute technologie (chimie, pharmacie, informatique et électronique, équipements "
        f"électriques, machines, matériels de transport) réunissent {pourcent(p['industrie_hautetech'], 1)} des emplois salariés "
        f"privés du territoire en {tissu.fin} (France {pourcent(p['industrie_hautetech_reference'], 1)}) ; les services de haute "
        f"technologie (télécommunications, informatique, recherche), {pourcent(p['services_hautetech'], 1)} "
        f"(France {pourcent(p['services_hautetech_reference'], 1)})."
    )
