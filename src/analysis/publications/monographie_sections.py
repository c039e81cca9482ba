"""A territory's monograph (``monographies/monographie.ipynb``) section by section: each function
takes the territory's tables (``analyses.dossier.Dossier``) and returns what one cell shows
(``figures.afficher``: Markdown, a table, a figure, a list, or ``None`` when the month's data
do not allow it). The sections the fiche shows too are in ``sections_territoire``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

from analysis import texte
from analysis.analyses import evaluation, fonds_vert_territoires, france_relance, portrait, positions, profils, questions_terrain, recoupements
from analysis.analyses.dossier import ANNEE_EPCI_AVANT, Dossier
from analysis.analyses.evaluation import ControleTerritoire, ImpactTerritoire
from analysis.analyses.tissu_productif import TissuProductif
from analysis.donnees import referentiel
from analysis.donnees.loaders import relance
from analysis.indicateurs.build import read_indicators
from analysis.indicateurs.emploi import BREAK_YEAR
from analysis.publications import (
    cartes,
    fiche,
    figures,
    monographie,
    monographie_terrain,
    monographie_tissu,
    sections_territoire,
    synthese,
    evaluation_controle_synthetique,
    evaluation_impact,
)
from analysis.publications import figures_synthese as sf
from analysis.publications.sections_territoire import Industrie
from analysis.publications.synthese_sections import SOURCE_TYPOLOGIE

N_COMMUNES = 12  # communes named and drawn with the largest changes


def profil(d: Dossier) -> str:
    """The legend of its profile."""
    return f"Profil « {d.typo.profiles[int(d.typo.labels[d.id_ti])]} »"


def lib_region(d: Dossier) -> str:
    return "Région " + d.wide.set_index("id_ti").loc[d.region, "lib"]


def titre(d: Dossier) -> str:
    """The title, who the territory is made of, and its links to the other phase."""
    return sections_territoire.titre(d.terr) + "\n\n" + monographie.texte_liens(d.id_ti, d.phase, d.correspondance, d.autre_phase, d.noms_autre)


def texte_portrait(d: Dossier, carte: cartes.Carte) -> str:
    return monographie.texte_portrait(d.terr, d.wide, d.observations, profils.densite(d.phase), d.epci) + " " + carte.note


def changements_epci(d: Dossier) -> str:
    return monographie.texte_changements_epci(d.changements_epci(), ANNEE_EPCI_AVANT, d.terr.cog)


def texte_phases(d: Dossier) -> str:
    return monographie.texte_phases(d.terr.ligne, d.phase, d.autre_phase, d.correspondance, d.perimetre, d.ecarts_perimetre(),
                                    d.noms_autre)


def tableau_phases(d: Dossier) -> pd.DataFrame:
    return monographie.tableau_phases(d.terr.ligne, d.phase, d.wide, d.correspondance, d.autre_phase,
                                      read_indicators(d.autre_phase, d.periode, "wide"), d.noms_autre)


def figure_profil(d: Dossier) -> Figure:
    """The territory, its profile's mean and France on the indicators of the typology."""
    return sf.positions(profils.positions_territoire(d.typo, d.wide, d.id_ti), profils.LIBELLES_COURTS,
                        ["territoire", "profil", "france"], [d.nom, "Moyenne du profil", "France"], source=SOURCE_TYPOLOGIE)


def _voisins(d: Dossier) -> dict[str, list[str]]:
    return {label: [v] for v, label in d.voisins.items()}


@dataclass(frozen=True)
class Trajectoire:
    """Private employment since 2014: territory, région, France, its profile and its neighbours."""

    indices: pd.DataFrame
    texte: str
    nom: str
    voisins: list[str]

    def figure(self) -> Figure:
        return figures.lignes(self.indices, "date", "value", "lib", principale=self.nom, reference=100,
                              ylabel="Indice (base 100 en 2014)", attenuees=self.voisins, source="URSSAF")


def trajectoire(d: Dossier) -> Trajectoire:
    groupes = {d.nom: [d.id_ti], lib_region(d): [d.region], "France": ["FRANCE"], profil(d): d.membres_profil, **_voisins(d)}
    indices = positions.indices_groupes(d.long, groupes, "emploi_prive", base="2014")
    voisins = list(d.voisins.values())
    return Trajectoire(indices=indices, nom=d.nom, voisins=voisins,
                       texte=fiche.texte_emploi(d.wide, d.observations, d.id_ti, d.periode) + "\n\n"
                       + monographie.texte_trajectoire(indices, d.nom, profil(d), voisins))


def texte_epci_emploi(d: Dossier) -> str:
    return monographie.texte_epci_emploi(d.epci_emploi) if d.emploi_publie else monographie.EMPLOI_PAS_ENCORE


def figure_epci(d: Dossier) -> Figure | None:
    if not d.emploi_publie:
        return None
    return figures.lignes(d.trajectoires_epci, "year", "indice", "lib_epci", reference=100, ylabel="Indice (base 100 en 2014)",
                          source="URSSAF")


def tableau_epci_emploi(d: Dossier) -> pd.DataFrame | None:
    return monographie.tableau_epci_emploi(d.epci_emploi) if d.emploi_publie else None


def carte_evolution(d: Dossier, carte: cartes.Carte) -> Figure | None:
    """The growth of each EPCI's communes since 2018, against France's."""
    if not d.emploi_publie:
        return None
    epci = d.epci_emploi
    ecarts = epci.assign(ecart=epci["tcam_apres"] - d.wide.set_index("id_ti").loc["FRANCE", "emploi_prive_tcam"])
    return cartes.carte_territoire(carte.zones.merge(ecarts[["siren_epci", "ecart"]], on="siren_epci"), contour=carte.contour,
                                   colonne="ecart", divergente=True, label_colonne=f"Écart à la France, {BREAK_YEAR}-{d.fin} (points/an)",
                                   etiquettes="lib_epci", echelle=True, source="URSSAF ; IGN / INSEE (EPCI 2025)")


def texte_communes(d: Dossier) -> str | None:
    return monographie.texte_communes(d.variations_communes, BREAK_YEAR, d.fin, N_COMMUNES) if d.emploi_publie else None


def figure_communes(d: Dossier) -> Figure | None:
    if not d.emploi_publie:
        return None
    return figures.barres(d.variations_communes.head(N_COMMUNES), "lib_com", "variation", horizontal=True, decimales=0,
                          label_valeur=f"Variation de l'emploi salarié privé, {BREAK_YEAR}-{d.fin}", source="URSSAF")


def figure_communes_pourcent(carte: cartes.CarteCommunes) -> Figure | None:
    return cartes.figure_communes(carte, pourcentage=True) if carte.emploi else None


def texte_tissu(tissu: TissuProductif | None, nom: str) -> str:
    return monographie_tissu.texte_tissu(tissu, nom) if tissu is not None else monographie_tissu.SECTEURS_PAS_ENCORE


def tableau_secteurs(tissu: TissuProductif | None) -> pd.DataFrame | None:
    return monographie_tissu.tableau_secteurs(tissu) if tissu is not None else None


def figure_secteurs(tissu: TissuProductif | None, nom: str) -> Figure | None:
    if tissu is None:
        return None
    return figures.barres(monographie_tissu.evolutions_secteurs(tissu.secteurs, nom), "secteur", "value", "lib", principale=nom,
                          horizontal=True, suffixe=" %", label_valeur=f"Évolution {tissu.debut}-{tissu.fin} (%)", source="URSSAF")


def texte_effets_secteurs(tissu: TissuProductif | None) -> str | None:
    return monographie_tissu.texte_effets_secteurs(tissu) if tissu is not None else None


def figure_effets_secteurs(tissu: TissuProductif | None) -> Figure | None:
    if tissu is None:
        return None
    return figures.barres(monographie_tissu.effets_marquants(tissu.effets), "secteur", "value", horizontal=True, decimales=0,
                          label_valeur="Emplois", source="URSSAF")


def texte_haute_technologie(tissu: TissuProductif | None) -> str | None:
    return monographie_tissu.texte_haute_technologie(tissu) if tissu is not None else None


def _comparees(d: Dossier) -> dict[str, str]:
    return {d.id_ti: d.nom, d.region: lib_region(d), "FRANCE": "France", **d.voisins}


def _serie(d: Dossier, indicator: str, ylabel: str, source: str) -> Figure:
    return figures.lignes(positions.series_aires(d.long, _comparees(d), indicator), "date", "value", "lib", principale=d.nom,
                          attenuees=list(d.voisins.values()), ylabel=ylabel, source=source)


def figure_chomage(d: Dossier) -> Figure:
    return _serie(d, "taux_chomage", "Taux de chômage (%)", "INSEE")


def figure_prix(d: Dossier) -> Figure:
    return _serie(d, "dvf_prix_maison", "€/m²", "DGFiP, DVF")


def figure_demandeurs(d: Dossier) -> Figure:
    demandeurs = positions.indices_groupes(d.long, {d.nom: [d.id_ti], "France": ["FRANCE"], **_voisins(d)}, "demandeurs_emploi")
    return figures.lignes(demandeurs, "date", "value", "lib", principale=d.nom, reference=100, attenuees=list(d.voisins.values()),
                          ylabel="Indice (base 100 le premier mois)", source="France Travail")


def _valeurs_pairs(d: Dossier) -> pd.DataFrame:
    groupes = {d.nom: [d.id_ti], **_voisins(d), "Moyenne du profil": d.membres_profil, "France": ["FRANCE"]}
    return positions.valeurs_groupes(d.wide, groupes, monographie.PAIRS_INDICATEURS)


def texte_pairs(d: Dossier) -> str:
    return monographie.texte_pairs(_valeurs_pairs(d), d.registre, d.nom, list(d.voisins.values()))


def tableau_pairs(d: Dossier) -> pd.DataFrame:
    return monographie.tableau_pairs(_valeurs_pairs(d), d.registre, d.observations)


def _villes(d: Dossier) -> pd.DataFrame:
    return recoupements.programmes_territoire(referentiel.villes_programmes(d.phase), d.id_ti)


def texte_programmes(d: Dossier) -> str:
    villes_ti = referentiel.villes_programmes(d.phase).loc[lambda v: v["id_ti"] == d.id_ti]
    return monographie.texte_programmes(_villes(d), d.nom) + " " + monographie.texte_recoupement(villes_ti, d.terr.communes)


def tableau_programmes(d: Dossier) -> pd.DataFrame:
    return texte.tableau(_villes(d), {"programme": ("Programme", None), "n": ("Communes", 0), "communes": ("Lesquelles", None)})


def tableau_signatures(d: Dossier) -> pd.DataFrame | None:
    signatures = recoupements.signatures(referentiel.villes_programmes(d.phase), d.id_ti)
    return monographie.tableau_signatures(signatures) if not signatures.empty else None


def texte_fonds_vert(d: Dossier) -> str:
    return monographie.texte_fonds_vert(fonds_vert_territoires.fonds_vert(d.phase, d.periode), d.id_ti, d.nom)


def tableau_fonds_vert(d: Dossier) -> pd.DataFrame | None:
    fv = fonds_vert_territoires.fonds_vert(d.phase, d.periode)
    if fv is None or not (fv.projets["id_ti"] == d.id_ti).any():
        return None
    return monographie.tableau_fonds_vert(fv, d.id_ti)


@dataclass(frozen=True)
class Relance:
    """France Relance in the départements of the territory: text and figure."""

    texte: str
    series: pd.DataFrame | None  # None before the first month of the series is published (2020)
    principale: str | None
    emplois: pd.DataFrame | None = None  # ``france_relance.comparer_relance_aux_emplois``
    departements: tuple[str, ...] = ()  # its départements with published jobs, the one holding most of its inhabitants first

    def texte_emplois(self) -> str | None:
        """Firms supported per 1,000 private jobs in its départements against France."""
        return monographie.texte_relance_emplois(self.emplois, list(self.departements)) if self.departements else None

    def tableau_emplois(self) -> pd.DataFrame | None:
        return monographie.tableau_relance_emplois(self.emplois, list(self.departements)) if self.departements else None

    def figure(self) -> Figure | None:
        if self.series is None:
            return None
        return figures.lignes(self.series.assign(date=positions.observation_dates(self.series["mois"])), "date", "entreprises_100k",
                              "lib", principale=self.principale, ylabel="Entreprises pour 100 000 hab.", source="Baromètre France Relance")


def relance_territoire(d: Dossier) -> Relance:
    par_departement, _ = france_relance.suivi_relance(d.periode, phase=1)
    if par_departement.empty:  # before the first month of the series is published (2020)
        return Relance(texte=synthese.texte_relance(par_departement, None, None), series=None, principale=None)
    poids = portrait.departements(d.terr.communes)
    departements = par_departement.set_index("departement").loc[poids.index].reset_index()
    series = france_relance.relance_departements(relance.entreprises_industrielles(d.periode), par_departement,
                                                 departements["departement"].tolist())
    emplois = france_relance.relance_emplois(d.periode)
    return Relance(texte=monographie.texte_relance(departements, series, poids), series=series,
                   principale=departements["lib_departement"].iloc[0], emplois=emplois,
                   departements=tuple(c for c in departements["departement"] if c in set(emplois["departement"])))


def figure_temoins(effets: ImpactTerritoire, nom: str) -> Figure | None:
    """The EPCI of the territory against their reweighted controls."""
    if effets.trajectoire is None:
        return None
    serie = f"EPCI {texte.de(nom)}"
    traj = effets.trajectoire.melt(id_vars="year", value_vars=["territoire", "temoins"], var_name="serie", value_name="indice")
    traj = traj.assign(serie=traj["serie"].map({"territoire": serie, "temoins": "Témoins repondérés"}))
    return figures.lignes(traj, "year", "indice", "serie", principale=serie, reference=100,
                          ylabel=f"Indice (base 100 en {effets.cohort - 1})", source="URSSAF ; calculs de l'observatoire")


def rappel_cohorte(effets: ImpactTerritoire) -> str | None:
    if effets.result is None:
        return None
    return "**Pour mémoire, l'estimation sur l'ensemble des EPCI de la même cohorte.** " + evaluation_impact.describe_did(effets.result)


def tableau_epci_panel(effets: ImpactTerritoire) -> pd.DataFrame:
    return texte.tableau(effets.epci, {
        "lib_epci": ("EPCI", None), "siren_epci": ("SIREN", None),
        "part_population_ti": ("Part de la population dans le TI (%)", lambda v: texte.nombre(100 * v, 0)),
        "cohorte": ("Entrée dans le programme", lambda v: "hors panel" if pd.isna(v) else str(v))})


# The synthetic control is stored and kept in the process (``cache.stored``): each cell asks for it.

def _synthetique(d: Dossier) -> ControleTerritoire | None:
    return evaluation.controle_synthetique_territoire(d.periode, d.phase, d.id_ti)


def texte_controle(d: Dossier, effets: ImpactTerritoire) -> str:
    """The synthetic control in words, or, before the entry year is published, why there is none."""
    pas_encore = effets.cohort is not None and effets.result is None
    if pas_encore:
        return monographie.texte_impact_territoire(effets)
    return evaluation_controle_synthetique.texte_controle_synthetique(_synthetique(d), d.nom)


def figure_controle(d: Dossier) -> Figure | None:
    synthetique = _synthetique(d)
    return evaluation_controle_synthetique.figure_controle_synthetique(synthetique, d.nom) if synthetique is not None else None


def tableau_controle(d: Dossier) -> pd.DataFrame | None:
    synthetique = _synthetique(d)
    return evaluation_controle_synthetique.tableau_controle_synthetique(synthetique) if synthetique is not None else None


def tableau_donneurs(d: Dossier) -> pd.DataFrame | None:
    synthetique = _synthetique(d)
    return evaluation_controle_synthetique.tableau_donneurs(synthetique) if synthetique is not None else None


def questions(d: Dossier) -> str:
    """The questions for the fieldwork, once the employment since 2018 is published."""
    if not d.emploi_publie:
        return monographie_terrain.QUESTIONS_PAS_ENCORE
    synthetique, fv = _synthetique(d), fonds_vert_territoires.fonds_vert(d.phase, d.periode)
    constats = questions_terrain.constats(
        d.wide, d.id_ti, epci=d.epci_emploi, communes=d.variations_communes, secteurs=d.tissu.secteurs, effets=d.tissu.effets,
        correspondance=d.correspondance, relation=d.perimetre, controle=synthetique.resultat if synthetique else None,
        signatures=recoupements.signatures(referentiel.villes_programmes(d.phase), d.id_ti),
        fonds_vert=(fv.projets, fv.totaux) if fv else None, relance=france_relance.relance_emplois(d.periode),
        departements=list(portrait.departements(d.terr.communes).index), changements=d.changements_epci(), depuis=ANNEE_EPCI_AVANT)
    return monographie_terrain.texte_questions(constats, d.nom, d.autre_phase)


def notes_terrain(id_ti: str) -> str:
    return monographie_terrain.section_terrain(id_ti)


def brouillon(id_ti: str, industrie: Industrie) -> str:
    """The draft's list of what is still missing."""
    manque = [] if not industrie.ape.panel.empty else [
        "le panel industriel communal (fichier URSSAF commune × APE) ne couvre pas ce territoire : obtenir le fichier national"]
    return monographie_terrain.texte_brouillon(id_ti, manque)
