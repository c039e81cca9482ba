"""The tables a territory's monograph is written from (``monographies/monographie.ipynb``): the
month's indicators of its phase, the territory and its communes, its profile and its nearest
neighbours in the typology, its région, its correspondents in the other phase and the private
jobs of its communes. No prose: ``publications.monographie_sections`` writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from analysis.analyses import monographies, portrait, positions, profils, tissu_productif
from analysis.analyses.typologie import TypologyResult
from analysis.donnees import harmonisation, referentiel
from analysis.donnees.loaders import economie, geo
from analysis.indicateurs.build import read_indicators
from analysis.indicateurs.emploi import BREAK_YEAR
from analysis.indicateurs.specialisation_industrielle import profil_units

ANNEE_EPCI_AVANT = 2019  # the EPCI of the first year of the programme, against the territory's COG


@dataclass(frozen=True)
class Dossier:
    """One territory of one phase as of one month."""

    phase: int
    autre_phase: int
    periode: str
    id_ti: str
    long: pd.DataFrame
    wide: pd.DataFrame
    observations: pd.DataFrame
    registre: pd.DataFrame
    terr: referentiel.Territoire
    noms_autre: pd.Series  # id_ti -> name, territories of the other phase
    choix: pd.DataFrame  # the four monographs of the month (``monographies.monographies``)
    typo: TypologyResult
    voisins: dict[str, str]  # nearest territories in the typology: id_ti -> name
    membres_profil: list[str]  # the territories of its profile
    region: str  # the area id of its région
    communes_autre: pd.DataFrame  # communes of the territories of the other phase
    correspondance: pd.DataFrame  # its correspondents in the other phase (``portrait.correspondance``)
    perimetre: str  # how its perimeter relates to theirs (``portrait.perimetre``)
    emplois: pd.DataFrame  # private jobs of its communes by year (``portrait.emploi_communes``)

    @property
    def nom(self) -> str:
        return self.terr.ligne["lib_ti"]

    @property
    def fin(self) -> int:
        """The last year of private jobs published."""
        return int(self.emplois["year"].max())

    @property
    def emploi_publie(self) -> bool:
        """Is the employment after ``BREAK_YEAR`` published? The paths since 2018 and the sectors
        since 2019 need the employment of 2019 (published mid-2020)."""
        return self.fin > BREAK_YEAR

    @cached_property
    def trajectoires_epci(self) -> pd.DataFrame:
        """Private jobs of its communes grouped by EPCI, index base 100 (``portrait.trajectoires_epci``)."""
        return portrait.trajectoires_epci(self.emplois)

    @cached_property
    def epci_emploi(self) -> pd.DataFrame:
        """Jobs and growth before and since ``BREAK_YEAR`` by EPCI (``portrait.tableau_epci_emploi``)."""
        return portrait.tableau_epci_emploi(self.trajectoires_epci)

    @cached_property
    def variations_communes(self) -> pd.DataFrame:
        """The jobs each commune gained or lost since ``BREAK_YEAR``."""
        return portrait.variations_communes(self.emplois, BREAK_YEAR, self.fin)

    @cached_property
    def epci(self) -> pd.DataFrame:
        """Its EPCI: communes and inhabitants inside it, growth, density, industry (``portrait.epci``)."""
        return portrait.epci(self.terr.communes, referentiel.communes(self.terr.cog), profil_units(economie.profil_epci()),
                             geo.contours_epci_metro())

    def changements_epci(self, avant: int = ANNEE_EPCI_AVANT) -> pd.DataFrame:
        """How its EPCI changed between the COG of ``avant`` and its own (``portrait.changements_epci``)."""
        return portrait.changements_epci(geo.epci(avant), geo.epci(self.terr.cog), harmonisation.passage(self.terr.cog),
                                         self.terr.communes)

    def ecarts_perimetre(self) -> pd.DataFrame | None:
        """What differs between its perimeter and its main correspondent's; None without one."""
        if not len(self.correspondance):
            return None
        return portrait.ecarts_perimetre(referentiel.communes_ti(self.phase), self.communes_autre, self.id_ti,
                                         self.correspondance["id_ti"].iloc[0])

    @cached_property
    def tissu(self) -> tissu_productif.TissuProductif | None:
        """Its productive fabric by sector (``tissu_productif.tissu_territoire``); None until the
        employment of 2019 is published (``emploi_publie``): the sectors are followed since 2019."""
        return tissu_productif.tissu_territoire(self.phase, self.periode, self.id_ti) if self.emploi_publie else None


def dossier(phase: int, id_ti: str, periode: str) -> Dossier:
    """The tables of territory ``id_ti`` of ``phase`` as of ``periode``."""
    autre_phase = 1 if phase == 2 else 2
    wide = read_indicators(phase, periode, "wide")
    terr = referentiel.territoire(phase, id_ti)
    typo = profils.typologie_du_mois(phase, periode)
    noms = referentiel.territoires(phase).set_index("id_ti")["lib_ti"]
    communes_autre = referentiel.communes_ti(autre_phase)
    correspondance = portrait.correspondance(referentiel.communes_ti(phase), communes_autre, id_ti)
    return Dossier(
        phase=phase, autre_phase=autre_phase, periode=periode, id_ti=id_ti,
        long=read_indicators(phase, periode, "long"), wide=wide,
        observations=read_indicators(phase, periode, "observations"), registre=read_indicators(phase, periode, "registre"),
        terr=terr, noms_autre=referentiel.territoires(autre_phase).set_index("id_ti")["lib_ti"],
        choix=monographies.monographies(periode), typo=typo,
        voisins={v: noms[v] for v in profils.voisins(typo, id_ti)},
        membres_profil=typo.labels.index[typo.labels == typo.labels[id_ti]].tolist(),
        region=positions.aires(wide, id_ti)["region"],
        communes_autre=communes_autre, correspondance=correspondance,
        perimetre=portrait.perimetre(correspondance, len(terr.communes)),
        emplois=portrait.emploi_communes(portrait.serie_communes(periode, terr.cog), terr.communes),
    )
