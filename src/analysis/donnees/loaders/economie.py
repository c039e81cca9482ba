"""Economic and labour-market files: URSSAF employment, census EPCI profile, unemployment,
job seekers, DVF housing market, commune -> zone d'emploi.

Each function reads its own declared file (``*_ID``, obtained by ``sources.fetch``, which
records the read), keeps codes as strings from the first read and validates the result with a
pandera schema. Time series take an optional ``periode`` (YYYY-MM) and keep only the
observations published by the end of that month (lags declared in ``data/sources.toml``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa

from analysis.donnees import sources
from analysis.donnees.cache import cached
from analysis.donnees.schemas import DEP, INSEE_COM, REG, ZE, require_columns, validate

URSSAF_DATASET = "urssaf-emploi"
CHOMAGE_DATASET = "chomage"
DEMANDEURS_DATASET = "demandeurs-emploi"
DVF_DATASET = "dvf"

SERIE_ID = "urssaf-emploi/urssaf_serie_indice100"
A38_ID = "urssaf-emploi/exdeco_pivot_urssaf_a38"
PROFIL_DATASET = "profil-epci"
PROFIL_ID = "profil-epci/agg_epci"
CHOMAGE_ID = "chomage/chomage-zone-t1-2003-t2-2022"
DEMANDEURS_ID = "demandeurs-emploi/emploi_demandeur"
DVF_ID = "dvf/dvf_prix_volumes_epci_2010_2024"
COMMUNES_ZE_ID = "zones-emploi/Communes_to_ZE_2022"

URSSAF_ECHELONS = ("communes", "epci", "ze", "dep", "reg", "france", "uu", "bv", "aav")
A38_YEARS = {"eff_19": 2019, "eff_22": 2022, "eff_23": 2023, "eff_24": 2024}
FRANCE_PROFIL = "00FR"
# share of a sector in the jobs at place of work, census of 20AA (column of the EPCI profile)
PROFIL_SHARE_COLUMN = re.compile(r"^eco_sect(agri|indus|const|servi|admin)_pct_(\d{2})$")

MOIS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}  # fmt: skip

URSSAF_SERIE_SCHEMA = pa.DataFrameSchema(
    {
        "code": pa.Column(str, pa.Check.str_matches(r"^[0-9A-Z]{2,9}$")),
        "echelon": pa.Column(str, pa.Check.isin(URSSAF_ECHELONS)),
        "year": pa.Column("int64", pa.Check.in_range(2014, 2030)),
        "eff_total": pa.Column("int64", pa.Check.ge(0)),
    },
    unique=["code", "echelon", "year"],
    name="URSSAF emploi salarié privé (série)",
)

URSSAF_A38_SCHEMA = pa.DataFrameSchema(
    {
        "code_ze": ZE,
        "a38": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{2}$")),
        "a21": pa.Column(str, pa.Check.str_matches(r"^[A-Z]$")),
        "a5": pa.Column(str, pa.Check.isin(["AZ", "BE", "FZ", "GU", "OQ"])),
        "lib": pa.Column(str),
        "year": pa.Column("int64", pa.Check.isin(list(A38_YEARS.values()))),
        "eff": pa.Column("float64", pa.Check.ge(0), nullable=True),
    },
    unique=["code_ze", "a38", "year"],
    name="URSSAF emploi par zone d'emploi x A38",
)

PROFIL_SCHEMA = pa.DataFrameSchema(
    {
        "code": pa.Column(str, pa.Check.str_matches(r"^(\d{9}|75056|00FR)$")),
        "libelle": pa.Column(str),
        "P22_POP": pa.Column("int64", pa.Check.gt(0)),
        "eco_sectindus_pct_22": pa.Column("float64", pa.Check.in_range(0, 100)),
        "eco_sectagri_pct_22": pa.Column("float64", pa.Check.in_range(0, 100)),
        "eco_sectconst_pct_(11|16|22)": pa.Column("float64", pa.Check.in_range(0, 100), regex=True),
        "eco_sectservi_pct_(11|16|22)": pa.Column("float64", pa.Check.in_range(0, 100), regex=True),
        "eco_sectadmin_pct_(11|16|22)": pa.Column("float64", pa.Check.in_range(0, 100), regex=True),
        "rev_txpauv_21": pa.Column("float64", pa.Check.in_range(0, 100), nullable=True),
    },
    unique=["code"],
    checks=pa.Check(lambda d: (d["code"] == FRANCE_PROFIL).sum() == 1, error="une seule ligne France 00FR"),
    name="profil EPCI (agg_epci)",
)

CHOMAGE_SCHEMA = pa.DataFrameSchema(
    {
        "code_ze": ZE,
        "lib_ze": pa.Column(str),
        "trimestre": pa.Column(str, pa.Check.str_matches(r"^\d{4}-T[1-4]$")),
        "fin_trimestre": pa.Column("datetime64[us]"),
        "taux_chomage": pa.Column("float64", pa.Check.in_range(0, 60)),
    },
    unique=["code_ze", "trimestre"],
    name="taux de chômage par zone d'emploi",
)

DEMANDEURS_SCHEMA = pa.DataFrameSchema(
    {
        "codgeo": pa.Column(str, pa.Check.str_matches(r"^(\d{5}|2[AB]\d{3}|\d{2}|2[AB]|97\d)$")),
        "niveau": pa.Column(str, pa.Check.isin(["commune", "departement", "region"])),
        "mois": pa.Column(str, pa.Check.str_matches(r"^\d{4}-(0[1-9]|1[0-2])$")),
        "demandeurs": pa.Column("int64", pa.Check.ge(0)),
    },
    unique=["codgeo", "niveau", "mois"],
    name="demandeurs d'emploi par commune et mois",
)

DVF_SCHEMA = pa.DataFrameSchema(
    {
        "siren_epci": pa.Column(str, pa.Check.str_matches(r"^\d{9}$")),
        "annee": pa.Column("int64", pa.Check.in_range(2010, 2030)),
        "aggregation": pa.Column(str, pa.Check.isin(["annuelle", "triannuelle"])),
        "pxm2_mai": pa.Column("float64", pa.Check.gt(0), nullable=True),
        "pxm2_apt": pa.Column("float64", pa.Check.gt(0), nullable=True),
        "nbtrans_mai": pa.Column("int64", pa.Check.ge(0)),
        "nbtrans_apt": pa.Column("int64", pa.Check.ge(0)),
        "nbtrans_total": pa.Column("int64", pa.Check.ge(0)),
    },
    unique=["siren_epci", "annee", "aggregation"],
    name="DVF prix et volumes par EPCI",
)

COMMUNES_ZE_SCHEMA = pa.DataFrameSchema(
    {
        "insee_com": INSEE_COM,
        "lib_com": pa.Column(str),
        "code_ze": ZE,
        "lib_ze": pa.Column(str),
        "departement": DEP,
        "region": REG,
    },
    unique=["insee_com"],
    name="communes -> zones d'emploi 2020",
)


def _year_end(year: int) -> dt.date:
    return dt.date(int(year), 12, 31)


def _month_end(mois: str) -> dt.date:
    year, month = int(mois[:4]), int(mois[5:7])
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def _keep_published(
    df: pd.DataFrame, dataset_name: str, key: pd.Series, obs_end: Callable[[object], dt.date], periode: str | None
) -> pd.DataFrame:
    """Rows whose observation (``key``, ending on ``obs_end(key)``) was published by the end of
    ``periode``. The full file is read once (the cached ``_*`` loaders); this filter, decided once
    per distinct observation, is what a month costs."""
    if periode is None:
        return df
    published = [k for k in key.unique() if sources.published_by(dataset_name, obs_end(k), periode)]
    return df.loc[key.isin(published).to_numpy()].reset_index(drop=True)


def urssaf_serie(periode: str | None = None) -> pd.DataFrame:
    """URSSAF private salaried employment (all sectors), code x echelon x year 2014-2024.

    Région codes are zero-padded to two digits (the file writes '1' for Guadeloupe). The
    ``communes`` echelon gives Paris, Lyon and Marseille by arrondissement municipal; its
    sum equals the ``france`` row every year.
    """
    df = _urssaf_serie()
    return _keep_published(df, URSSAF_DATASET, df["year"], _year_end, periode)


@cached
def _urssaf_serie() -> pd.DataFrame:
    path = sources.fetch(SERIE_ID)
    raw = pd.read_parquet(path)
    require_columns(raw, ["code", "echelon", "year", "eff_total"], path.name)
    df = raw[["code", "echelon", "year", "eff_total"]].astype(
        {"code": str, "echelon": str, "year": "int64", "eff_total": "int64"}
    )
    df = df.assign(code=df["code"].where(df["echelon"] != "reg", df["code"].str.zfill(2)))
    return validate(df, URSSAF_SERIE_SCHEMA, path.name)


def urssaf_ze_a38(periode: str | None = None) -> pd.DataFrame:
    """URSSAF private employment by zone d'emploi 2020 x A38 sector, long by year (2019, 2022-2024).

    ``eff`` is NA where the file has no value (no establishment or secret); the national
    totals of the file are the sums over zones d'emploi.
    """
    df = _urssaf_ze_a38()
    return _keep_published(df, URSSAF_DATASET, df["year"], _year_end, periode)


@cached
def _urssaf_ze_a38() -> pd.DataFrame:
    path = sources.fetch(A38_ID)
    raw = pd.read_parquet(path)
    require_columns(raw, ["code_ze", "a38", "a21", "a5", "lib", *A38_YEARS], path.name)
    df = (
        raw.melt(id_vars=["code_ze", "a38", "a21", "a5", "lib"], value_vars=list(A38_YEARS), var_name="col", value_name="eff")
        .assign(year=lambda d: d["col"].map(A38_YEARS).astype("int64"), eff=lambda d: d["eff"].astype("float64"))
        .drop(columns="col")
        .astype({"code_ze": str, "a38": str, "a21": str, "a5": str, "lib": str})
    )
    return validate(df, URSSAF_A38_SCHEMA, path.name)


@cached
def profil_epci() -> pd.DataFrame:
    """Census/Filosofi/DVF cross-section per EPCI (agg_epci): 1,242 EPCI + Paris + France ``00FR``.

    Codes are 2025 EPCI SIRENs, except in the Métropole du Grand Paris, which is split into its
    11 EPT plus Paris (``75056``); overseas EPCI are absent. TRAP: the France row is published
    as is, it is not the sum of the rows (e.g. ``P22_POP``). Column meanings are documented in
    ``profil-epci/indicators-ddict-js``.
    """
    path = sources.fetch(PROFIL_ID)
    with open(path, encoding="utf-8") as fh:
        raw = pd.DataFrame(json.load(fh))
    require_columns(raw, ["code", "libelle", "P22_POP", "eco_sectindus_pct_22"], path.name)
    numeric = [c for c in raw.columns if c not in ("code", "libelle", "regdep", "type_epci")]
    df = raw.astype({"code": str, "libelle": str}).assign(
        **{c: pd.to_numeric(raw[c], errors="raise").astype("float64") for c in numeric},
    )
    df = df.assign(P22_POP=df["P22_POP"].astype("int64"), n_communes=df["n_communes"].astype("int64"))
    return validate(df, PROFIL_SCHEMA, path.name)


def _quarter_end(trimestre: pd.Series) -> pd.Series:
    year = trimestre.str[:4].astype(int)
    quarter = trimestre.str[-1].astype(int)
    first_next = pd.to_datetime({"year": year + quarter // 4, "month": (quarter % 4) * 3 + 1, "day": 1})
    return (first_next - pd.Timedelta(days=1)).astype("datetime64[us]")


def chomage_ze(periode: str | None = None) -> pd.DataFrame:
    """INSEE localised unemployment rate (%, CVS) by zone d'emploi 2020 and quarter, long.

    Sheet ``txcho_ze``; the second header row holds the codes (ZE2020, LIBZE2020, ..., 2003-T1).
    """
    df = _chomage_ze()
    return _keep_published(df, CHOMAGE_DATASET, df["fin_trimestre"], lambda end: end.date(), periode)


@cached
def _chomage_ze() -> pd.DataFrame:
    path = sources.fetch(CHOMAGE_ID)
    raw = pd.read_excel(path, sheet_name="txcho_ze", header=5, dtype=str, engine="calamine")
    require_columns(raw, ["ZE2020", "LIBZE2020"], path.name)
    quarters = [c for c in raw.columns if isinstance(c, str) and len(c) == 7 and c[4:6] == "-T"]
    df = (
        raw.dropna(subset=["ZE2020"])
        .loc[lambda d: d["ZE2020"].str.fullmatch(r"\d{4}")]
        .melt(id_vars=["ZE2020", "LIBZE2020"], value_vars=quarters, var_name="trimestre", value_name="taux_chomage")
        .rename(columns={"ZE2020": "code_ze", "LIBZE2020": "lib_ze"})
        .dropna(subset=["taux_chomage"])
        .assign(
            taux_chomage=lambda d: pd.to_numeric(d["taux_chomage"]).astype("float64"),
            fin_trimestre=lambda d: _quarter_end(d["trimestre"]),
        )
        .astype({"code_ze": str, "lib_ze": str, "trimestre": str})
        .reset_index(drop=True)[["code_ze", "lib_ze", "trimestre", "fin_trimestre", "taux_chomage"]]
    )
    return validate(df, CHOMAGE_SCHEMA, path.name)


def demandeurs_emploi(periode: str | None = None) -> pd.DataFrame:
    """Job seekers registered at France Travail per month, by commune (2,357 larger ones),
    département and région (written ``reg84`` in the file, ``84`` here with ``niveau='region'``).

    TRAP: the file repeats 2,647 rows exactly; they are dropped. Ten commune codes (communes
    nouvelles of 2024-2025, e.g. 93066 Saint-Denis, 69149 Oullins-Pierre-Bénite) then still
    carry two different rows a month, one per former commune: they are summed under the code.
    ``mois`` is YYYY-MM.
    """
    df = _demandeurs_emploi()
    return _keep_published(df, DEMANDEURS_DATASET, df["mois"], _month_end, periode)


@cached
def _demandeurs_emploi() -> pd.DataFrame:
    path = sources.fetch(DEMANDEURS_ID)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    require_columns(raw, ["codgeo", "YEAR", "Demandeurs_Emploi"], path.name)
    parts = raw["YEAR"].str.extract(r"^(?P<mois_nom>[a-z]+)_(?P<annee>\d{4})$")
    df = (
        raw.drop_duplicates()
        .assign(
            mois=lambda d: parts.loc[d.index, "annee"] + "-" + parts.loc[d.index, "mois_nom"].map(MOIS).map("{:02d}".format),
            demandeurs=lambda d: pd.to_numeric(d["Demandeurs_Emploi"]).astype("int64"),
            niveau=lambda d: np.select(
                [d["codgeo"].str.startswith("reg"), d["codgeo"].str.len() == 5], ["region", "commune"], "departement"
            ),
            codgeo=lambda d: d["codgeo"].str.removeprefix("reg"),
        )
        .groupby(["codgeo", "niveau", "mois"], as_index=False)["demandeurs"]
        .sum()
        .astype({"codgeo": str, "niveau": str, "mois": str})
    )
    return validate(df, DEMANDEURS_SCHEMA, path.name)


def dvf_epci(periode: str | None = None) -> pd.DataFrame:
    """DVF housing prices (€/m²) and numbers of transactions by EPCI x year 2010-2024.

    ``aggregation`` is ``annuelle`` or ``triannuelle`` (3-year window centred on ``annee``,
    so it ends on ``annee + 1``).
    """
    df = _dvf_epci()
    last_year = df["annee"] + np.where(df["aggregation"] == "triannuelle", 1, 0)
    return _keep_published(df, DVF_DATASET, last_year, _year_end, periode)


@cached
def _dvf_epci() -> pd.DataFrame:
    path = sources.fetch(DVF_ID)
    raw = pd.read_parquet(path)
    require_columns(raw, list(DVF_SCHEMA.columns.keys() - {"siren_epci"}) + ["code", "libelle"], path.name)
    df = raw.rename(columns={"code": "siren_epci", "libelle": "lib_epci"}).astype(
        {"siren_epci": str, "lib_epci": str, "aggregation": str, "annee": "int64"}
    )
    return validate(df, DVF_SCHEMA, path.name)


@cached
def communes_ze() -> pd.DataFrame:
    """Commune (COG 2022) -> zone d'emploi 2020, sheet ``Composition_communale``."""
    path = sources.fetch(COMMUNES_ZE_ID)
    raw = pd.read_excel(path, sheet_name="Composition_communale", header=5, dtype=str, engine="calamine")
    require_columns(raw, ["CODGEO", "LIBGEO", "ZE2020", "LIBZE2020", "DEP", "REG"], path.name)
    df = raw.rename(
        columns={
            "CODGEO": "insee_com",
            "LIBGEO": "lib_com",
            "ZE2020": "code_ze",
            "LIBZE2020": "lib_ze",
            "DEP": "departement",
            "REG": "region",
        }
    )[["insee_com", "lib_com", "code_ze", "lib_ze", "departement", "region"]].astype(str)
    return validate(df, COMMUNES_ZE_SCHEMA, path.name)
