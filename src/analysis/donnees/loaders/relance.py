"""France Relance: the "Baromètre des résultats de l'action publique", economy-employment
indicators by département and month (etalab, one CSV per département).

``barometre`` reads the 101 département files in one pass and validates them; the indicator
used by the observatory is ``nb-entreprises-industrielles-agricoles``: the number of
industrial firms (SMEs included) supported by France Relance investment aid, a cumulative
count published monthly from January 2020 to December 2022 (it can decrease when files are
revised, e.g. February 2022).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis.donnees import sources
from analysis.donnees.cache import cached
from analysis.donnees.periodique import JeuPeriodique, publiees
from analysis.donnees.schemas import DEP, require_columns, validate

DATASET = "france-relance"
FILE_PREFIX = "france-relance/barometre-resultats-relance-emploi-economie-detail-departement-"
ENTREPRISES_INDUSTRIELLES = "nb-entreprises-industrielles-agricoles"
RAW_COLUMNS = ["mesure", "indicateur", "id_indicateur", "code_departement", "libelle_departement", "date", "valeur", "unite"]

BAROMETRE_SCHEMA = pa.DataFrameSchema(
    {
        "mesure": pa.Column(str),
        "indicateur": pa.Column(str),
        "id_indicateur": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9-]+$")),
        "departement": DEP,
        "lib_departement": pa.Column(str),
        "date": pa.Column("datetime64[ns]"),
        "valeur": pa.Column("float64", nullable=True),
        "unite": pa.Column(str),
    },
    unique=["id_indicateur", "departement", "date"],
    name="Baromètre des résultats, France Relance (économie-emploi, par département)",
)


def file_ids() -> list[str]:
    """Declared ids of the département files (one per département, DROM included)."""
    return sorted(i for i in sources.sources() if i.startswith(FILE_PREFIX))


def _read(file_id: str) -> pd.DataFrame:
    path = sources.fetch(file_id)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    return require_columns(raw, RAW_COLUMNS, path.name).assign(fichier=path.name)


def barometre(periode: str | None = None) -> pd.DataFrame:
    """All indicators of every département file, long: mesure, indicateur, id_indicateur,
    departement, lib_departement, date (end of month or year), valeur, unite.

    With ``periode`` (YYYY-MM), only the observations published by the end of that month are
    kept (one month of publication lag, ``data/sources.toml``): the month of each date.
    """
    df = _barometre()
    return publiees(JEU, df, periode, observations=df["date"].dt.strftime("%Y-%m"))


@cached
def _barometre() -> pd.DataFrame:
    raw = pd.concat([_read(i) for i in file_ids()], ignore_index=True)
    df = (
        raw.rename(columns={"code_departement": "departement", "libelle_departement": "lib_departement"})
        .assign(
            date=lambda d: pd.to_datetime(d["date"], format="%Y-%m-%d").astype("datetime64[ns]"),
            valeur=lambda d: pd.to_numeric(d["valeur"].replace("", None)).astype("float64"),
        )
        .drop(columns="fichier")
    )
    return validate(df, BAROMETRE_SCHEMA, f"{FILE_PREFIX}*.csv")


def entreprises_industrielles(periode: str | None = None) -> pd.DataFrame:
    """Industrial firms supported by France Relance investment aid (cumulative count):
    departement, lib_departement, mois (YYYY-MM), entreprises."""
    df = barometre(periode)
    return (
        df.loc[df["id_indicateur"] == ENTREPRISES_INDUSTRIELLES]
        .assign(mois=lambda d: d["date"].dt.strftime("%Y-%m").astype(str), entreprises=lambda d: d["valeur"])
        [["departement", "lib_departement", "mois", "entreprises"]]
        .sort_values(["departement", "mois"], ignore_index=True)
    )


def _derniere(path: Path) -> str:
    """Latest month of one département file (``observations``)."""
    if path.suffix != ".csv":
        raise ValueError(f"{path.name}: pas un fichier de données")
    return str(pd.read_csv(path, usecols=["date"], dtype=str)["date"].max())[:7]


JEU = JeuPeriodique(DATASET, entreprises_industrielles, "mois", _derniere, qui="le Gouvernement",
                    test_lecteur="tests/test_telechargements.py::test_a_pinned_dataset_refreshed_from_its_branch_is_read_living")
