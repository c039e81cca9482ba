"""Skills (compétences pillar): diplomas, occupations, employment rate, from the census EPCI profile."""

from __future__ import annotations

import pandas as pd

from analysis.indicateurs.specialisation_industrielle import from_profil

COLUMNS = {
    "dsp_dipl_supbac2_pct_22": ("part_diplomes_superieur", "2022"),
    "dsp_dipl_infbac_pct_22": ("part_sans_bac", "2022"),
    "dsp_csp_cadres_pct_22": ("part_cadres", "2022"),
    "dsp_csp_ouvriers_pct_22": ("part_ouvriers", "2022"),
    "eco_txemp_1564_16": ("taux_emploi_1564", "2016"),
    "eco_txemp_1564_22": ("taux_emploi_1564", "2022"),
    "soc_txchom_1564_22": ("taux_chomage_rp", "2022"),
}


def indicators(member: pd.DataFrame, profil: pd.DataFrame) -> pd.DataFrame:
    """Long rows of the skills indicators."""
    return from_profil(member, profil, COLUMNS).dropna(subset=["value"])
