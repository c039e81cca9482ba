"""Fonds vert 2023 (ministère de la Transition écologique): the national list of funded projects
(data.gouv.fr), one row per project with its commune, beneficiary, measure and amount committed.

TRAP: the commune is often the beneficiary's seat, not the project's site (an
intercommunal syndicate's works are listed at its seat); 827 rows have no commune ("NULL").
Mostly local-authority projects; the measure "Territoires d'industrie en transition
écologique" starts in 2024 and is not in this list.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from analysis.donnees import sources
from analysis.donnees.cache import cached
from analysis.donnees.schemas import require_columns, validate

FILE_ID = "fonds-vert/fonds_vert_2023_source"
DATASET = "fonds-vert"
ANNEE = 2023  # the year of the commitments listed
RAW_COLUMNS = ["code_commune", "nom_commune", "axe", "nom_demarche_ds", "nom_du_projet", "nom_beneficiaire_principal", "siren",
               "montant_engage"]

PROJETS_SCHEMA = pa.DataFrameSchema(
    {
        "insee_com": pa.Column(str, pa.Check.str_matches(r"^(\d{5}|2[AB]\d{3})$"), nullable=True),
        "lib_commune": pa.Column(str),
        "axe": pa.Column(str),
        "mesure": pa.Column(str),
        "projet": pa.Column(str),
        "beneficiaire": pa.Column(str),
        "siren": pa.Column(str),
        "montant": pa.Column("float64", pa.Check.ge(0)),
    },
    name="Fonds vert 2023, projets financés",
)


@cached
def projets() -> pd.DataFrame:
    """The funded projects of the Fonds vert 2023: insee_com (INSEE code as published, <NA> for
    "NULL"), lib_commune, axe, mesure, projet, beneficiaire, siren, montant (€ committed)."""
    src = sources.source(FILE_ID)
    raw = pd.read_csv(sources.fetch(FILE_ID), dtype=str, keep_default_na=False)
    require_columns(raw, RAW_COLUMNS, src.file)
    df = pd.DataFrame(
        {
            "insee_com": raw["code_commune"].str.strip().where(lambda s: ~s.isin(["NULL", ""])),
            "lib_commune": raw["nom_commune"],
            "axe": raw["axe"],
            "mesure": raw["nom_demarche_ds"],
            "projet": raw["nom_du_projet"],
            "beneficiaire": raw["nom_beneficiaire_principal"],
            "siren": raw["siren"],
            "montant": pd.to_numeric(raw["montant_engage"]).astype("float64"),
        }
    )
    return validate(df, PROJETS_SCHEMA, src.file)
