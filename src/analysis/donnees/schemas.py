"""Data contracts: pandera validation with errors a researcher can act on.

``validate`` runs a schema lazily and, on failure, raises ``DataContractError`` naming the
file, each failing column and the first failing rows, so a malformed input stops the run
before anything is computed from it.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

MAX_ROWS_SHOWN = 10


class DataContractError(ValueError):
    """An input file does not follow its declared schema."""


def _describe(failures: pd.DataFrame) -> list[str]:
    lines = []
    for (column, check), group in failures.groupby(
        [failures["column"].fillna("(tableau)").astype(str), failures["check"].astype(str)], sort=False
    ):
        rows = [int(i) for i in group["index"].dropna().unique()[:MAX_ROWS_SHOWN]]
        values = [repr(v) for v in group["failure_case"].head(MAX_ROWS_SHOWN)]
        where = f" lignes {rows}" if rows else ""
        lines.append(f"  colonne {column!r}: {check}{where} valeurs {', '.join(values)}")
    return lines


def validate(df: pd.DataFrame, schema: pa.DataFrameSchema, file: str) -> pd.DataFrame:
    """Validate ``df`` read from ``file`` against ``schema``; return the validated frame."""
    try:
        return schema.validate(df, lazy=True)
    except SchemaErrors as exc:
        details = "\n".join(_describe(exc.failure_cases))
        raise DataContractError(f"{file}: le fichier ne respecte pas son schéma ({schema.name})\n{details}") from None


def require_columns(df: pd.DataFrame, columns: list[str], file: str) -> pd.DataFrame:
    """Fail early, naming the file and the columns, when expected raw columns are missing."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataContractError(
            f"{file}: colonne(s) absente(s) {missing}; colonnes trouvées: {list(df.columns)[:30]}"
        )
    return df


# Reusable column definitions -------------------------------------------------------------
INSEE_COM = pa.Column(str, pa.Check.str_matches(r"^(\d{5}|2[AB]\d{3})$"), nullable=False)
SIREN = pa.Column(str, pa.Check.str_matches(r"^\d{9}$"), nullable=False)
DEP = pa.Column(str, pa.Check.str_matches(r"^(\d{2}|2[AB]|97\d)$"))
REG = pa.Column(str, pa.Check.str_matches(r"^\d{2}$"))
ZE = pa.Column(str, pa.Check.str_matches(r"^\d{4}$"))
