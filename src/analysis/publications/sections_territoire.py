"""The sections a territory's fiche and its monograph share, one function each, so that the two
documents cannot drift apart: the title and introduction, the shift-share decomposition, the
structure of employment, the map of the territory, industrial employment by section (URSSAF
commune × APE) and the forces et faiblesses. Each returns what a cell shows
(``figures.afficher``); a figure is drawn only when asked, in the cell that carries its label.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

from analysis.analyses import emploi_industriel, positions
from analysis.analyses.emploi_industriel import IndustrieAPE
from analysis.donnees import referentiel
from analysis.indicateurs.build import source_emploi
from analysis.publications import cartes, fiche, fiche_secteurs, figures

SOURCE_SHIFT_SHARE = "URSSAF, zones d'emploi × A38"
SOURCE_STRUCTURE = "INSEE, recensement 2022 ; URSSAF, zones d'emploi × A38"


def titre(terr: referentiel.Territoire) -> str:
    """The territory's name as the title, then who it is made of."""
    return f"# {terr.ligne['lib_ti']}\n\n" + fiche.texte_intro(terr.ligne, terr.membres, terr.communes, terr.cog)


@dataclass(frozen=True)
class ShiftShare:
    """The shift-share decomposition of the territory: its text and, when published, its figure."""

    texte: str
    wide: pd.DataFrame
    id_ti: str
    nom: str

    def figure(self) -> Figure | None:
        """National, structural and local effects: territory, région and all TI."""
        if not fiche.disponible(self.wide, self.id_ti, list(positions.EFFETS)):
            return None
        return figures.barres(positions.effets_shift_share(self.wide, self.id_ti), "effet", "value", "lib", principale=self.nom,
                              label_valeur="% de l'emploi salarié privé 2019", suffixe=" %", source=SOURCE_SHIFT_SHARE)


def shift_share(wide: pd.DataFrame, observations: pd.DataFrame, id_ti: str, nom: str, phase: int, periode: str) -> ShiftShare:
    """The decomposition, its text naming the month's source of sectoral employment (``source_emploi``)."""
    return ShiftShare(texte=fiche.texte_shift_share(wide, observations, id_ti, source_emploi(phase, periode)),
                      wide=wide, id_ti=id_ti, nom=nom)


def figure_structure(wide: pd.DataFrame, id_ti: str, nom: str) -> Figure | None:
    """The share of industry and of high-tech sectors in employment: territory, région and France,
    on the values that describe the territory (``positions.comparables``); None when it has none."""
    comparables = positions.comparables(wide)
    if not fiche.disponible(comparables, id_ti, list(positions.STRUCTURE)):
        return None
    return figures.barres(positions.structure_sectorielle(comparables, id_ti), "secteur", "value", "lib", principale=nom,
                          horizontal=True, suffixe=" %", label_valeur="% de l'emploi", source=SOURCE_STRUCTURE)


def figure_carte(carte: cartes.Carte) -> Figure:
    """The territory's map: its EPCI, its ANCT outline, its towns of the programmes, the inset."""
    return cartes.carte_territoire(carte.zones, contour=carte.contour, points=carte.points, partielles=carte.partielles,
                                   etiquettes="etiquette", etiquettes_points="etiquette", france=carte.situation, echelle=True,
                                   source=carte.source)


@dataclass(frozen=True)
class Industrie:
    """Industrial employment by section (URSSAF commune × APE): text and figure."""

    ape: IndustrieAPE
    texte: str

    def figure(self) -> Figure | None:
        """Employees of industry by NA38 section, first and last years published."""
        if self.ape.panel.empty:
            return None
        return figures.barres(emploi_industriel.sections_industrie(self.ape.panel), "section", "effectifs", "annee", horizontal=True,
                              decimales=0, label_valeur="Effectifs salariés", source="URSSAF, commune × APE")


def industrie_ape(phase: int, id_ti: str, periode: str) -> Industrie:
    """The territory's industrial employment by section (``emploi_industriel.industrie_territoire``)."""
    ape = emploi_industriel.industrie_territoire(phase, id_ti, periode)
    return Industrie(ape=ape, texte=fiche_secteurs.texte_industrie(ape))


@dataclass(frozen=True)
class ForcesFaiblesses:
    """The indicators on which the territory stands out (``positions.forces_faiblesses``)."""

    forces: pd.DataFrame
    texte: str
    registre: pd.DataFrame
    observations: pd.DataFrame

    def tableau(self) -> pd.DataFrame:
        return fiche.tableau_forces_faiblesses(self.forces, self.registre, observations=self.observations)


def forces_faiblesses(wide: pd.DataFrame, registre: pd.DataFrame, observations: pd.DataFrame, id_ti: str) -> ForcesFaiblesses:
    """The forces, faiblesses and traits, the text saying how many indicators the territory has."""
    forces = positions.forces_faiblesses(wide, id_ti)
    texte = fiche.texte_forces_faiblesses(forces, registre, observations, n_disponibles=fiche.indicateurs_disponibles(wide, id_ti))
    return ForcesFaiblesses(forces=forces, texte=texte, registre=registre, observations=observations)
