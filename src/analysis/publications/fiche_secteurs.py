"""The sectors of the fiche (and of the monograph): its industry by A38 sector, from the
commune x APE file where it covers the territory, else estimated from the zones d'emploi
(``analyses.tissu_productif``), and the commune x APE industrial panel (``analyses.emploi_industriel``);
the sentences follow the conventions of ``publications.fiche``."""

from __future__ import annotations


import pandas as pd

from analysis.analyses import emploi_industriel as ia
from analysis.analyses import tissu_productif as tp
from analysis.analyses.emploi_industriel import IndustrieAPE
from analysis.indicateurs import emploi_communal
from analysis.texte import nombre, pourcent, verdict

N_SECTEURS = 3  # industrial sectors named in the text
N_SECTEURS_FIGURE = 8  # and drawn in the figure


def _industrie(secteurs: pd.DataFrame) -> pd.DataFrame:
    return secteurs.loc[secteurs["a5"] == tp.INDUSTRIE_A5]


# Why the weight of industry in this section differs from the census share of the key figures.
LIEN_RECENSEMENT = (
    "Ce poids, tiré de l'URSSAF, rapporte l'industrie à l'emploi salarié privé seul ; la part de l'industrie des chiffres "
    "clés, tirée du recensement, la rapporte à tous les emplois au lieu de travail, publics et non salariés compris : "
    "les deux parts, et leur écart à la France, ne se comparent pas."
)


def texte_tissu(secteurs: pd.DataFrame, debut: int, fin: int | None, source: str = emploi_communal.SOURCE_REPLI) -> str:
    """Industrial employment of the territory by A38 sector (``tissu_productif.tableau_secteurs``):
    total, change since ``debut``, weight against France and the largest sectors. Said to be an
    estimate from the zones d'emploi unless the sums of the communes (``source``) are used."""
    industry = _industrie(secteurs)
    if fin is None:  # no sector published yet (``tissu_productif.annees``)
        return (
            f"L'emploi salarié privé par secteur n'est pas encore publié : sa première année, {debut}, ne l'est qu'au milieu "
            f"de l'année suivante. Cette section attend sa publication."
        )
    if secteurs.empty or not secteurs["emploi_fin"].sum():
        return (
            "Les séries URSSAF par zone d'emploi et secteur ne couvrent pas ce territoire : son emploi industriel n'est pas "
            "estimé."
        )
    if source == emploi_communal.SOURCE_COMMUNES:
        how, environ = "Somme de ses communes (fichier national URSSAF par commune et code APE)", ""
    else:
        how, environ = (
            f"Estimation par zones d'emploi (l'emploi salarié privé de chaque zone et secteur A38 est attribué au territoire au "
            f"prorata de sa part dans l'emploi {debut} de la zone)", "environ "
        )
    first, last = industry["emploi_debut"].sum(), industry["emploi_fin"].sum()
    parts = tp.parts_industrie(secteurs)
    poids = verdict(parts["industrie"], parts["industrie_reference"], "%", ("au-dessus de", "en dessous de", "égal à"))
    top = industry.loc[industry["emploi_fin"] > 0].head(N_SECTEURS)
    listed = " ; ".join(f"{r.lib.lower()} ({environ}{nombre(r.emploi_fin)})" for r in top.itertuples())
    evolution = f" ({pourcent(100 * (last / first - 1), 1, signed=True)})" if first > 0 else ""
    avant = f", contre {environ}{nombre(first)} fin {debut}{evolution}" if debut < fin else ""
    return (
        f"{how} : l'industrie (extraction, industrie manufacturière, énergie, eau et déchets) compte {environ}"
        f"{nombre(last)} emplois salariés privés fin {fin}{avant}. Elle pèse "
        f"{pourcent(parts['industrie'])} de l'emploi salarié privé du territoire fin {fin}, {poids} son poids en France "
        f"({pourcent(parts['industrie'])} contre {pourcent(parts['industrie_reference'])}). {LIEN_RECENSEMENT}"
        + (f" {'Son premier secteur industriel' if len(top) == 1 else f'Ses {nombre(len(top))} premiers secteurs industriels'} "
           f"fin {fin} : {listed}." if len(top) else "")
    )


def secteurs_industriels(secteurs: pd.DataFrame, debut: int, fin: int, n: int = N_SECTEURS_FIGURE) -> pd.DataFrame:
    """The ``n`` largest industrial sectors in ``fin``, jobs in ``debut`` and ``fin`` (``fin`` only
    when they are the same year), for a bar chart: secteur, annee, emploi (empty without
    industrial jobs)."""
    top = _industrie(secteurs).loc[lambda d: d["emploi_fin"] > 0].head(n)
    years = {debut: "emploi_debut", fin: "emploi_fin"}  # one year when the series has only one
    return pd.DataFrame(
        {
            "secteur": [s for s in top["lib"] for _ in years],
            "annee": [str(y) for _ in range(len(top)) for y in years],
            "emploi": [r[c] for _, r in top.iterrows() for c in years.values()],
        }
    )


def _part(x: float) -> str:
    return f"{x * 100:.0f}".replace(".", ",") + "\u00a0%"


def mention_couverture(statut: str, part_population: float, n_communes_presentes: int, n_communes: int) -> str:
    """One French sentence for fiches stating what the URSSAF figures cover."""
    if statut == ia.COUVERT:
        return (
            f"Couverture complète : les {n_communes_presentes} communes présentes dans le fichier URSSAF "
            f"(sur {n_communes}) regroupent {_part(part_population)} de la population du territoire."
        )
    if statut == ia.PARTIEL:
        return (
            f"Couverture partielle : le fichier URSSAF disponible ne contient que {n_communes_presentes} "
            f"des {n_communes} communes du territoire ({_part(part_population)} de sa population) ; "
            "les chiffres portent sur ces seules communes et ne sont pas extrapolés."
        )
    return "Territoire non couvert par le fichier URSSAF disponible : aucune série industrielle n'est présentée."


def mention(ape: IndustrieAPE) -> str:
    """The coverage of the territory by the file, in one sentence ("" when it has no commune in it)."""
    if ape.statut == ia.NON_COUVERT:
        return ""
    return mention_couverture(ape.statut, ape.part_population, ape.n_communes_presentes, ape.n_communes)


def texte_industrie(ape: IndustrieAPE) -> str:
    """The coverage mention and, when there is a panel, the industrial jobs of the first and last years ("" for a
    territory without any commune in the file: the methods page says what it covers)."""
    if ape.panel.empty:
        return mention(ape)
    total = ape.panel.loc[ape.panel["secteur"] == ia.SECTEUR_INDUSTRIE].sort_values("year")
    first, last = total.iloc[0], total.iloc[-1]
    secret = int(total["cellules_secretes"].sum())
    return (
        f"{mention(ape)} Dans ces communes, l'industrie (extraction, industrie manufacturière, énergie, eau et déchets) "
        f"compte {nombre(last['effectifs'])} emplois salariés fin {last['year']} dans {nombre(last['etablissements'])} "
        f"établissements, contre {nombre(first['effectifs'])} fin {first['year']} "
        f"({pourcent((last['effectifs'] / first['effectifs'] - 1) * 100, 1, signed=True)})."
        + (f" {'Une cellule commune × APE secrète est comptée' if secret == 1 else f'{nombre(secret)} cellules commune × APE secrètes sont comptées'}"
           " pour zéro." if secret else "")
    )
