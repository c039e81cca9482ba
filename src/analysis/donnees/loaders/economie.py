"""Economic and labour-market files: URSSAF employment, census EPCI profile, unemployment,
job seekers, DVF housing market, commune -> zone d'emploi.

Each function reads its own declared file (``*_ID``, obtained by ``sources.fetch``, which
records the read), keeps codes as strings from the first read and validates the result with a
pandera schema. Time series take an optional ``periode`` (YYYY-MM) and keep only the
observations published by the end of that month (lags declared in ``data/sources.toml``,
one filter: ``periodique.publiees``; each periodic dataset is declared at the end of this
module, ``JeuPeriodique``); the unemployment series, held in dated editions, read the edition
out at that date (``donnees.editions``), each row saying which edition and what copy it comes
from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow.parquet as pq

from analysis import mois
from analysis.donnees import editions, sources
from analysis.donnees.cache import cached
from analysis.donnees.loaders import urssaf_ape
from analysis.donnees.periodique import JeuPeriodique, publiees
from analysis.donnees.schemas import DEP, INSEE_COM, REG, ZE, require_columns, validate

URSSAF_DATASET = "urssaf-emploi"
CHOMAGE_DATASET = "chomage"
CHOMAGE_DEP_DATASET = "chomage-departements"
DEMANDEURS_DATASET = "demandeurs-emploi"
DEMANDEURS_DEP_DATASET = "demandeurs-emploi-departements"
DVF_DATASET = "dvf"

SERIE_ID = "urssaf-emploi/urssaf_serie_indice100"
A38_ID = "urssaf-emploi/exdeco_pivot_urssaf_a38"
PROFIL_DATASET = "profil-epci"
PROFIL_ID = "profil-epci/agg_epci"
DEMANDEURS_ID = "demandeurs-emploi/emploi_demandeur"
DEMANDEURS_DEP_ID = "demandeurs-emploi-departements/dares_defm_stock_region_cvs_trim"
DVF_ID = "dvf/dvf_prix_volumes_epci_2010_2024"
COMMUNES_ZE_ID = "zones-emploi/Communes_to_ZE_2022"
EMPLOI_NA5_ID = "estel/EAE205_france_serie"

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
        "edition": pa.Column(str, pa.Check.str_matches(r"^\d{4}-T[1-4]$")),
        "nature": pa.Column(str, pa.Check.isin(list(sources.NATURES_FR))),
    },
    unique=["code_ze", "trimestre"],
    name="taux de chômage par zone d'emploi",
)

CHOMAGE_DEP_SCHEMA = pa.DataFrameSchema(
    {
        "code_dep": DEP,
        "lib_dep": pa.Column(str),
        **{c: CHOMAGE_SCHEMA.columns[c] for c in ("trimestre", "fin_trimestre", "taux_chomage", "edition", "nature")},
    },
    unique=["code_dep", "trimestre"],
    name="taux de chômage par département",
)
_QUARTER = re.compile(r"\d{4}-T[1-4]")

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

DEMANDEURS_DEP_SCHEMA = pa.DataFrameSchema(
    {
        "code_dep": DEP,
        "trimestre": pa.Column(str, pa.Check.str_matches(r"^\d{4}-T[1-4]$")),
        "demandeurs": pa.Column("float64", pa.Check.ge(0)),
    },
    unique=["code_dep", "trimestre"],
    name="demandeurs d'emploi de catégorie A par département et trimestre (CVS-CJO)",
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

# NA5 sectors of INSEE's employment estimates (total ``T`` apart)
NA5 = {"TAZ": "Agriculture", "TBE": "Industrie", "TFZ": "Construction", "TGU": "Tertiaire marchand",
       "TOQ": "Tertiaire non marchand"}

EMPLOI_NA5_SCHEMA = pa.DataFrameSchema(
    {
        "year": pa.Column("int64", pa.Check.in_range(1990, 2030)),
        "na5": pa.Column(str, pa.Check.isin(["T", *NA5])),
        "lib": pa.Column(str),
        "eff": pa.Column("int64", pa.Check.gt(0)),
    },
    unique=["year", "na5"],
    checks=pa.Check(lambda d: d.pivot(index="year", columns="na5", values="eff").pipe(
        lambda w: (w[list(NA5)].sum(axis=1) - w["T"]).abs().le(0.001 * w["T"]).all()),
        error="chaque année : les cinq secteurs et le total, qui en est la somme"),
    name="INSEE emploi France par secteur NA5 (estimations d'emploi)",
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


def urssaf_serie(periode: str | None = None) -> pd.DataFrame:
    """URSSAF private salaried employment (all sectors), code x echelon x year 2014-2024.

    Région codes are zero-padded to two digits (the file writes '1' for Guadeloupe). The
    ``communes`` echelon gives Paris, Lyon and Marseille by arrondissement municipal; its
    sum equals the ``france`` row every year.
    """
    return publiees(URSSAF, _urssaf_serie(), periode)


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
    return publiees(URSSAF, _urssaf_ze_a38(), periode)


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
    ends = {q: mois.observation_end(q) for q in trimestre.unique()}
    return pd.to_datetime(trimestre.map(ends)).astype("datetime64[us]")


def chomage_ze(periode: str | None = None) -> pd.DataFrame:
    """INSEE localised unemployment rate (%, CVS) by zone d'emploi 2020 and quarter, long, as
    published by the end of ``periode`` (every edition held when None), under the rule of
    ``editions``: the official workbook released most recently by then, and a derived file only
    for the quarters no official edition covers. ``edition`` (latest quarter of the edition
    read) and ``nature`` (``sources.EXACT``, ``DERIVED``...) say where each row comes from."""
    return _chomage(CHOMAGE, periode, CHOMAGE_SCHEMA)


def chomage_departements(periode: str | None = None) -> pd.DataFrame:
    """INSEE localised unemployment rate (%, CVS) by département and quarter, long, under the
    same rule (the official BDM series once obtained, ``observatoire donnees --actualiser
    chomage-departements``; the re-saved workbook otherwise, flagged by ``nature``). Columns ``code_dep``,
    ``lib_dep`` and those of ``chomage_ze``."""
    return _chomage(CHOMAGE_DEPARTEMENTS, periode, CHOMAGE_DEP_SCHEMA)


def _chomage(jeu: JeuPeriodique, periode: str | None, schema: pa.DataFrameSchema) -> pd.DataFrame:
    vigueur = editions.en_vigueur(jeu.dataset, jeu.editions, periode)
    parts: list[pd.DataFrame] = []
    for e in editions.lues(vigueur):
        table = _edition_table(e.file_id, e.vivante, sources.observed_sha256(e.file_id) if e.vivante else "")
        parts.append(table.loc[table["trimestre"] > parts[-1]["trimestre"].max()] if parts else table)
    df = pd.concat(parts, ignore_index=True)
    if vigueur.regle == editions.AVANT_PREMIERE:
        df = publiees(jeu, df, periode)
    return validate(df.reset_index(drop=True), schema, jeu.editions)


def chomage_ze_edition(file_id: str) -> pd.DataFrame:
    """One declared edition of the zone d'emploi series, whole (its pinned copy), with the
    columns of ``chomage_ze``: what ``controles`` compares."""
    return _edition_table(file_id, False, "")


@cached
def _edition_table(file_id: str, vivante: bool, sha256: str) -> pd.DataFrame:
    """One edition of a series, long, with its ``edition`` and ``nature`` columns: the pinned
    copy of ``file_id``, or its living copy (``vivante``) of that sha256 (a refreshed copy is
    another table)."""
    src = sources.source(file_id)
    path = sources.fetch(file_id) if vivante else sources.fetch_pinned(file_id)
    df = CHOMAGE_READERS[src.serie](path)
    nature = sources.EXACT if vivante else src.nature
    edition = df["trimestre"].max()
    return df.assign(
        fin_trimestre=_quarter_end(df["trimestre"]), taux_chomage=df["taux_chomage"].astype("float64"), edition=edition, nature=nature,
    )


def _ze_workbook(path: Path) -> pd.DataFrame:
    """The official zone d'emploi workbook: sheet ``txcho_ze``, the sixth row holds the codes
    (ZE2020, LIBZE2020, ..., 2003-T1)."""
    raw = pd.read_excel(path, sheet_name="txcho_ze", header=5, dtype=str, engine="calamine")
    require_columns(raw, ["ZE2020", "LIBZE2020"], path.name)
    quarters = [c for c in raw.columns if isinstance(c, str) and _QUARTER.fullmatch(c)]
    return (
        raw.dropna(subset=["ZE2020"])
        .loc[lambda d: d["ZE2020"].str.fullmatch(r"\d{4}")]
        .melt(id_vars=["ZE2020", "LIBZE2020"], value_vars=quarters, var_name="trimestre", value_name="taux_chomage")
        .rename(columns={"ZE2020": "code_ze", "LIBZE2020": "lib_ze"})
        .dropna(subset=["taux_chomage"])
        .assign(taux_chomage=lambda d: pd.to_numeric(d["taux_chomage"]))
        .astype({"code_ze": str, "lib_ze": str, "trimestre": str})
        .reset_index(drop=True)
    )


def _ze_json(path: Path) -> pd.DataFrame:
    """A third party's JSON of the zone d'emploi workbook: ``quarters`` and, per zone, ``label``
    and ``rate_pct`` (one value per quarter)."""
    with open(path, encoding="utf-8") as fh:
        raw = json.load(fh)
    quarters = raw["quarters"]
    rows = [
        (code, zone["label"], q, rate)
        for code, zone in raw["zes"].items()
        for q, rate in zip(quarters, zone["rate_pct"], strict=True)
        if rate is not None
    ]
    return pd.DataFrame(rows, columns=["code_ze", "lib_ze", "trimestre", "taux_chomage"]).astype({"code_ze": str})


def _dep_code(value: object) -> str:
    """A département code as INSEE writes it: the re-saved workbook stores 10 to 95 as numbers."""
    return f"{int(value):02d}" if isinstance(value, float) else str(value).strip()


def _dep_xls(path: Path) -> pd.DataFrame:
    """INSEE's département workbook (sheet ``Département``): codes and names in the first two
    columns, one column per quarter ``T1_1982`` from the row whose first cell is ``Code``."""
    import xlrd  # the old .xls format, which the re-saved copy has

    try:
        sheet = xlrd.open_workbook(path).sheet_by_index(0)
    except xlrd.XLRDError as exc:
        raise ValueError(f"{path.name}: classeur .xls illisible ({exc})") from exc
    header_row = next((r for r in range(min(sheet.nrows, 20)) if sheet.cell_value(r, 0) == "Code"), None)
    if header_row is None:
        raise ValueError(f"{path.name}: aucune ligne d'en-tête « Code » dans la feuille {sheet.name}")
    header = [str(v) for v in sheet.row_values(header_row)]
    quarters = {i: f"{h[3:]}-T{h[1]}" for i, h in enumerate(header) if re.fullmatch(r"T[1-4]_\d{4}", h)}
    rows = []
    for r in range(header_row + 1, sheet.nrows):
        code, lib = sheet.cell_value(r, 0), sheet.cell_value(r, 1)
        if code in ("", None) or not lib:
            continue
        for i, q in quarters.items():
            value = sheet.cell_value(r, i)
            if value != "":
                rows.append((_dep_code(code), str(lib), q, float(value)))
    return pd.DataFrame(rows, columns=["code_dep", "lib_dep", "trimestre", "taux_chomage"])


SDMX_AREA = re.compile(r"^D(\d{2}|2[AB]|97\d)$")


def _dep_sdmx(path: Path) -> pd.DataFrame:
    """INSEE BDM SDMX-ML (StructureSpecificData) of the dataflow TAUX-CHOMAGE: one ``Series``
    per area (``REF_AREA`` ``D01``... for départements; régions and France are left out), one
    ``Obs`` per quarter (``TIME_PERIOD`` ``2025-Q3``, ``OBS_VALUE``)."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise ValueError(f"{path.name}: pas un document SDMX-ML ({exc})") from exc
    rows = []
    for series in root.iter():
        if not series.tag.endswith("Series"):
            continue
        area = SDMX_AREA.match(series.get("REF_AREA", ""))
        if area is None or series.get("CORRECTION", "CVS") != "CVS":
            continue
        lib = series.get("TITLE_FR", area.group(1))
        for obs in series:
            observation, value = obs.get("TIME_PERIOD", ""), obs.get("OBS_VALUE")
            if re.fullmatch(r"\d{4}-Q[1-4]", observation) and value not in (None, "", "NaN"):
                rows.append((area.group(1), lib, f"{observation[:4]}-T{observation[-1]}", float(value)))
    if not rows:
        raise ValueError(f"{path.name}: aucune série départementale (REF_AREA Dnn) trimestrielle")
    return pd.DataFrame(rows, columns=["code_dep", "lib_dep", "trimestre", "taux_chomage"])


def _dep(path: Path) -> pd.DataFrame:
    return _dep_xls(path) if path.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" else _dep_sdmx(path)


def _ze(path: Path) -> pd.DataFrame:
    return _ze_json(path) if path.suffix == ".json" else _ze_workbook(path)


CHOMAGE_ZE, CHOMAGE_DEP = "ze", "departements"  # the series of the dataset (``serie`` in data/sources.toml)
CHOMAGE_READERS: dict[str, Callable[[Path], pd.DataFrame]] = {CHOMAGE_ZE: _ze, CHOMAGE_DEP: _dep}


def demandeurs_emploi(periode: str | None = None) -> pd.DataFrame:
    """Job seekers registered at France Travail per month, by commune (2,357 larger ones),
    département and région (written ``reg84`` in the file, ``84`` here with ``niveau='region'``).

    TRAP: the file repeats 2,647 rows exactly; they are dropped. Ten commune codes (communes
    nouvelles of 2024-2025, e.g. 93066 Saint-Denis, 69149 Oullins-Pierre-Bénite) then still
    carry two different rows a month, one per former commune: they are summed under the code.
    ``mois`` is YYYY-MM.
    """
    return publiees(DEMANDEURS, _demandeurs_emploi(), periode)


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


# DARES Explore v2.1 export of dares_defm_stock_region_cvs_trim: the fields read, and the
# values of the rows kept (category A, every sex, age and seniority, CVS-CJO)
DARES_FIELDS = ["date", "code_departement", "type_de_donnees", "categorie", "sexe", "tranche_d_age", "anciennete",
                "nombre_de_demandeurs_d_emploi"]
DARES_ROWS = {"type_de_donnees": "cvs-cjo", "categorie": "a", "sexe": "total", "tranche_d_age": "total", "anciennete": "total"}
_DARES_DEP = re.compile(r"^(\d{2}|2[AB]|97\d)$")


def dares_stock_departements(path: Path) -> pd.DataFrame:
    """DARES's CSV export of job seekers by région and département (``;``, technical field
    names, with or without a BOM) -> code_dep, trimestre (``2024-T3``, as ``date``), demandeurs
    (category A, quarterly average, CVS-CJO). The région and France rows (``code_departement``
    ``Total``) and the quarters without a value are left out; a file without one of the fields,
    without a single such département row, with a value that is not a number or a département
    code without its leading zero raises ``ValueError``."""
    raw = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in DARES_FIELDS if c not in raw.columns]
    if missing:
        raise ValueError(f"{path.name}: champ(s) absent(s) {', '.join(missing)} ; champs trouvés : {', '.join(raw.columns[:15])}")
    codes = raw["code_departement"].str.strip()
    unpadded = sorted(set(codes[codes.str.fullmatch(r"\d")]))
    if unpadded:  # "1" for "01": codes read as numbers upstream, the département would be lost
        raise ValueError(f"{path.name}: codes de département sans zéro initial ({', '.join(unpadded)})")
    keep = np.logical_and.reduce([raw[c].str.strip().str.lower() == v for c, v in DARES_ROWS.items()])
    rows = raw.loc[keep & codes.str.fullmatch(_DARES_DEP.pattern)]
    if rows.empty:
        raise ValueError(f"{path.name}: aucune ligne département × catégorie A, CVS-CJO, ensemble des sexes, âges et anciennetés")
    values = rows["nombre_de_demandeurs_d_emploi"].str.strip().str.replace(",", ".").replace("", np.nan)
    return pd.DataFrame({
        "code_dep": codes[rows.index],
        "trimestre": rows["date"].str.strip(),
        "demandeurs": pd.to_numeric(values).astype("float64"),  # a value that is not a number raises
    }).dropna(subset=["demandeurs"]).sort_values(["code_dep", "trimestre"], ignore_index=True)  # no value published: no row


def demandeurs_departements(periode: str | None = None) -> pd.DataFrame:
    """Job seekers of category A registered at France Travail by département and quarter
    (quarterly average, CVS-CJO, DARES): code_dep, trimestre, demandeurs. A living series with
    no pinned copy: empty until ``observatoire donnees --actualiser demandeurs-emploi-departements``
    has obtained it (and while living copies are ignored, ``OBSERVATOIRE_SOURCES=epinglees``)."""
    held = sources.available(DEMANDEURS_DEP_ID)
    return publiees(DEMANDEURS_DEPARTEMENTS, _demandeurs_departements(sources.observed_sha256(DEMANDEURS_DEP_ID) if held else ""), periode)


@cached
def _demandeurs_departements(sha256: str) -> pd.DataFrame:
    """The table of the living copy of that sha256 (a refreshed copy is another table); the
    empty table without one."""
    if not sha256:
        empty = pd.DataFrame({"code_dep": pd.Series(dtype=str), "trimestre": pd.Series(dtype=str), "demandeurs": pd.Series(dtype="float64")})
        return validate(empty, DEMANDEURS_DEP_SCHEMA, sources.source(DEMANDEURS_DEP_ID).file)
    path = sources.fetch(DEMANDEURS_DEP_ID)
    return validate(dares_stock_departements(path), DEMANDEURS_DEP_SCHEMA, path.name)


def dvf_epci(periode: str | None = None) -> pd.DataFrame:
    """DVF housing prices (€/m²) and numbers of transactions by EPCI x year 2010-2024.

    ``aggregation`` is ``annuelle`` or ``triannuelle`` (3-year window centred on ``annee``,
    so it ends on ``annee + 1``).
    """
    df = _dvf_epci()
    last_year = df["annee"] + np.where(df["aggregation"] == "triannuelle", 1, 0)
    return publiees(DVF, df, periode, observations=pd.Series(last_year))


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
def emploi_na5_france() -> pd.DataFrame:
    """INSEE employment estimates for France by NA5 sector and year (1998-2023; estel EAE205):
    year, na5 (``T`` total, then the ``NA5`` codes), lib, eff (jobs). A national series (no
    territory) declared without a publication lag (not a periodic dataset, ``data/sources.toml``):
    it is read whole whatever the period, so a run as of a month before INSEE published its last
    years would read them too (the evaluation uses it only once the 2023 entrants are estimable)."""
    path = sources.fetch(EMPLOI_NA5_ID)
    with open(path, encoding="utf-8") as fh:
        raw = pd.DataFrame(json.load(fh))
    require_columns(raw, ["year", "na5", "lib", "eff"], path.name)
    df = raw[["year", "na5", "lib", "eff"]].astype({"year": "int64", "na5": str, "lib": str, "eff": "int64"})
    return validate(df, EMPLOI_NA5_SCHEMA, path.name)


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


# Latest observation of a file, read in the least it can (``observations``) ----------------
def _commune_ape_derniere(path: Path) -> str:
    years = urssaf_ape.years_in_header(pd.read_csv(path, sep=";", encoding="utf-8-sig", nrows=0).columns)
    if not years:
        raise ValueError(f"{path.name}: aucune colonne « Effectifs salariés AAAA » et « Nombre d'établissements AAAA »")
    return str(years[-1])


def parquet_max(column: str) -> Callable[[Path], str]:
    """The latest year of a parquet file: the maximum of one integer column."""

    def read(path: Path) -> str:
        return str(int(pq.read_table(path, columns=[column]).column(column).to_pandas().max()))

    return read


def _pivot_derniere(path: Path) -> str:
    """exdeco_pivot_urssaf_*: one column per year (``eff_19``, ``eff_22``...)."""
    years = [2000 + int(c[4:]) for c in pq.read_schema(path).names if re.fullmatch(r"eff_\d{2}", c)]
    if not years:
        raise ValueError(f"{path.name}: aucune colonne eff_AA")
    return str(max(years))


def _urssaf_derniere(path: Path) -> str:
    if path.suffix == ".csv":
        return _commune_ape_derniere(path)
    names = pq.read_schema(path).names
    return parquet_max("year")(path) if "year" in names else _pivot_derniere(path)


def _ze_derniere(path: Path) -> str:
    """The zone d'emploi workbook (header of sheet ``txcho_ze``) or its third-party JSON (``quarters``)."""
    if path.suffix == ".json":
        quarters = json.loads(path.read_text(encoding="utf-8"))["quarters"]
        if not quarters or not all(_QUARTER.fullmatch(q) for q in quarters):
            raise ValueError(f"{path.name}: liste « quarters » vide ou mal formée")
        return max(quarters)
    header = pd.read_excel(path, sheet_name="txcho_ze", header=5, nrows=0, engine="calamine").columns
    quarters = sorted(c for c in header if isinstance(c, str) and _QUARTER.fullmatch(c))
    if not quarters:
        raise ValueError(f"{path.name}: aucune colonne trimestrielle AAAA-TN dans la feuille txcho_ze")
    return quarters[-1]


def _dep_derniere(path: Path) -> str:
    """The département workbook (.xls) or INSEE's BDM SDMX-ML."""
    return str(_dep(path)["trimestre"].max())


def _demandeurs_derniere(path: Path) -> str:
    months = pd.read_csv(path, usecols=["YEAR"], dtype=str)["YEAR"].str.extract(r"^(?P<nom>[a-z]+)_(?P<annee>\d{4})$").dropna()
    return max(f"{a}-{MOIS[n]:02d}" for n, a in zip(months["nom"], months["annee"]))


# The periodic datasets of this module (``donnees.jeux``) --------------------------------------
URSSAF = JeuPeriodique(URSSAF_DATASET, urssaf_serie, "year", _urssaf_derniere, qui="l'URSSAF",
                       test_lecteur="tests/test_telechargements.py::test_a_living_file_is_obtained_then_refreshed_and_last_month_is_unchanged")
CHOMAGE = JeuPeriodique(CHOMAGE_DATASET, chomage_ze, "trimestre", _ze_derniere, qui="l'INSEE", editions=CHOMAGE_ZE,
                        test_lecteur="tests/test_chomage_vivant.py::test_a_new_edition_is_found_by_its_name_and_reported_with_its_revisions")
CHOMAGE_DEPARTEMENTS = JeuPeriodique(
    CHOMAGE_DEP_DATASET, chomage_departements, "trimestre", _dep_derniere, qui="l'INSEE", editions=CHOMAGE_DEP, indicateurs=False,
    test_lecteur="tests/test_chomage_vivant.py::test_a_new_edition_is_found_by_its_name_and_reported_with_its_revisions")
DEMANDEURS = JeuPeriodique(DEMANDEURS_DATASET, demandeurs_emploi, "mois", _demandeurs_derniere, qui="France Travail")
DEMANDEURS_DEPARTEMENTS = JeuPeriodique(
    DEMANDEURS_DEP_DATASET, demandeurs_departements, "trimestre", lambda path: str(dares_stock_departements(path)["trimestre"].max()),
    qui="la DARES",
    test_lecteur="tests/test_demandeurs_departements.py::test_dares_export_refreshed_reports_a_new_quarter_and_a_revision")
DVF = JeuPeriodique(DVF_DATASET, dvf_epci, "annee", parquet_max("annee"), qui="la DGFiP",
                    test_lecteur="tests/test_vivants_officiels.py::test_dvf_refreshed_from_cerema_reports_a_new_year_and_a_revision")
