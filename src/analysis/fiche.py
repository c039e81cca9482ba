"""What the per-territory fiche (``notebooks/fiche_territoire.ipynb``) computes and says.

Pure functions on the indicator tables written by ``analysis.indicators.build`` (``long``,
``wide``, ``wide_periods``, ``registre``): the key figures with the territory's rank among the
TI of its phase, the "forces et faiblesses" (where the territory stands out), the series and
bars the figures draw, and the French sentences with the numbers filled in. Plus two readers
of the referential and of the URSSAF commune × APE file, cached, for the introduction, the
map and the industry panel.

Ranks: among the TI of the phase with a value, 1 = the highest value (ties share the best
rank). A territory stands out on an indicator when it is in the top or bottom quartile of
the TI (the ``ceil(n/4)`` highest or lowest values) or when it is far from France (more than
``SEUIL_ECART`` standard deviations of the TI values). ``SENS`` says which direction is
favourable (the registry has no direction): +1 higher is better, −1 lower is better
(unemployment, poverty), 0 descriptive (a trait, neither strength nor weakness: industrial
share, house prices); indicators absent from ``SENS`` are levels or duplicates and are not
used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import geopandas as gpd
import pandas as pd

from analysis import industrie_ape as ia
from analysis import maps, referentiel
from analysis.config import DEFAULT_COG
from analysis.figures import period_dates
from analysis.indicators.areas import ENSEMBLE_TI, FRANCE, REGION_PREFIX
from analysis.indicators.registry import PILLARS, pillar_coverage
from analysis.loaders import geo, programmes, urssaf_ape
from analysis.text import nombre, pourcent

SEUIL_ECART = 1.0
# Indicators measured relative to France (0 for France by construction): no "far from France" test.
SANS_ECART_FRANCE = frozenset({"krugman_a5", "ss_effet_structurel_pct", "ss_effet_local_pct"})
QUARTILE = 0.25

SENS: dict[str, int] = {
    "emploi_prive_indice": 1,
    "emploi_prive_croissance": 1,
    "emploi_prive_tcam": 1,
    "part_industrie": 0,
    "part_agri_industrie_evol": 0,
    "krugman_a5": 0,
    "ss_variation_pct": 1,
    "ss_effet_structurel_pct": 1,
    "ss_effet_local_pct": 1,
    "part_industrie_hautetech": 1,
    "part_services_hautetech": 1,
    "part_diplomes_superieur": 1,
    "part_sans_bac": -1,
    "part_cadres": 1,
    "part_ouvriers": 0,
    "taux_emploi_1564": 1,
    "taux_chomage": -1,
    "taux_chomage_rp": -1,
    "demandeurs_emploi_evol": -1,
    "croissance_population": 1,
    "croissance_population_migratoire": 1,
    "revenu_median": 1,
    "taux_pauvrete": -1,
    "dvf_prix_maison": 0,
    "dvf_prix_appartement": 0,
}

CHIFFRES_CLES = (
    "emploi_prive",
    "emploi_prive_indice",
    "emploi_prive_tcam",
    "part_industrie",
    "indice_specificite_industrie",
    "ss_effet_local_pct",
    "part_industrie_hautetech",
    "part_diplomes_superieur",
    "taux_chomage",
    "demandeurs_emploi_evol",
    "revenu_median",
    "taux_pauvrete",
    "croissance_population",
    "dvf_prix_maison",
)

# Indicators quoted for each pillar of the programme (simplification has none: see the registry).
PILIERS_FICHE: dict[str, tuple[str, ...]] = {
    "attractivité": ("emploi_prive_tcam", "ss_effet_local_pct", "croissance_population_migratoire", "dvf_prix_maison"),
    "compétences": ("part_diplomes_superieur", "taux_emploi_1564", "taux_chomage"),
    "innovation": ("part_industrie_hautetech", "part_services_hautetech"),
    "simplification": (),
}

STRUCTURE = {
    "part_industrie": "Industrie (recensement)",
    "part_industrie_hautetech": "Industrie de haute et moyenne-haute technologie (URSSAF)",
    "part_services_hautetech": "Services de haute technologie (URSSAF)",
}
EFFETS = {
    "ss_effet_national_pct": "Effet national",
    "ss_effet_structurel_pct": "Effet structurel",
    "ss_effet_local_pct": "Effet local",
    "ss_variation_pct": "Variation totale",
}
PHASE_PERIODE = {1: "2019-2022", 2: "2023-2027"}
POPULATION_MILLESIME = {2019: 2016, 2023: 2020, 2025: 2023}
PERIMETRE_APE = {urssaf_ape.FILE_ID: "la zone d'emploi de Rouen (218 communes)"}
# Datasets (folders of data/sources.toml) a fiche is computed from, listed in its provenance
# block: the indicators, the referential, the map layers and the commune × APE panel.
SOURCES_FICHE = ("urssaf-emploi", "profil-epci", "chomage", "demandeurs-emploi", "dvf", "zones-emploi", "cog-2023",
                 "cog-mouvements", "ti-phase1", "ti-phase2", "acv", "pvd", "contours")
LECTURES = ("force", "faiblesse", "trait")
MAX_LISTE = 6  # missing indicators listed by name up to this number
MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre")
MOIS_COURTS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
KINDS_FR = {"EPCI": ("EPCI", "EPCI"), "EPT": ("établissement public territorial", "établissements publics territoriaux"),
            "commune": ("commune membre à titre individuel", "communes membres à titre individuel")}


# --- French formatting -----------------------------------------------------------------------


def ordinal(n: int) -> str:
    """1 -> '1er', 12 -> '12e'."""
    return "1er" if n == 1 else f"{n}e"


def periode_fr(period: str, court: bool = False) -> str:
    """'2024-12' -> 'décembre 2024', '2022-T2' -> '2e trimestre 2022', 'a/b' -> 'a – b'; years unchanged.

    ``court`` (tables): 'déc. 2024', 'T2 2022'.
    """
    period = str(period)
    if "/" in period:
        start, end = period.split("/", 1)
        return f"{periode_fr(start, court)} – {periode_fr(end, court)}"
    if len(period) == 7 and period[4] == "-" and period[5] == "T":
        return f"T{period[6]} {period[:4]}" if court else f"{ordinal(int(period[6]))} trimestre {period[:4]}"
    if len(period) == 7 and period[4] == "-" and period[5:].isdigit():
        return f"{(MOIS_COURTS if court else MOIS)[int(period[5:]) - 1]} {period[:4]}"
    return period


def pluriel(n: int, singulier: str, pluriel_: str | None = None, zero: str | None = None) -> str:
    """'1 force', '3 forces'; ``zero`` for 0 ('aucune force'), else '0 force'."""
    if n == 0 and zero:
        return f"{zero} {singulier}"
    return f"{nombre(n)} {singulier if n <= 1 else (pluriel_ or singulier + 's')}"


def valeur_fr(value: float | None, unit: str) -> str:
    """A value with its registry unit, French style ('7,5 %', '+1,2 %/an', '1 850 €/m²', '+3,4 pts')."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.d."
    value = _sans_moins_zero(value, 2)
    if unit == "%":
        return pourcent(value, 1)
    if unit == "%/an":
        return pourcent(value, 2, signed=True) + "/an"
    if unit == "points":
        return f"{'+' if value > 0 else ''}{nombre(value, 1)}\u00a0pts"
    if unit in {"€/an", "€/m²"}:
        return f"{nombre(value)}\u00a0{unit.replace('/an', '')}"
    if unit == "ratio":
        return nombre(value, 2)
    if unit.startswith("indice"):
        return nombre(value, 1)
    return nombre(value)


def _sans_moins_zero(value: float, decimals: int) -> float:
    """-0.004 -> 0.0: a value that rounds to zero is printed without a sign."""
    return 0.0 if round(value, decimals) == 0 else value


def quand_fr(period: str) -> str:
    """The period with its preposition: 'en 2024', 'entre 2018 et 2024', 'au 2e trimestre 2022', 'en décembre 2024'."""
    period = str(period)
    if "/" in period:
        start, end = period.split("/", 1)
        return f"de {periode_fr(start)} à {periode_fr(end)}"
    if len(period) == 9 and period[4] == "-" and period[:4].isdigit() and period[5:].isdigit():
        return f"entre {period[:4]} et {period[5:]}"
    if "trimestre" in periode_fr(period):
        return f"au {periode_fr(period)}"
    return f"en {periode_fr(period)}"


def rang_fr(rang: float, n: int) -> str:
    """'12e sur 183' (n.d. when missing)."""
    return "n.d." if pd.isna(rang) else f"{ordinal(int(rang))} sur {n}"


# --- ranks and comparisons -------------------------------------------------------------------


def rangs(wide: pd.DataFrame, indicators: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """Rank of every TI on each indicator among the TI of the table (``niveau == "ti"``).

    Returns id_ti, indicator, value, rang (1 = highest, ties share the best rank; NA without
    value), n (TI with a value), haut / bas (in the top / bottom quartile: the ``ceil(n/4)``
    highest / lowest values).
    """
    ti = wide.loc[wide["niveau"] == "ti", ["id_ti", *indicators]]
    long = ti.melt(id_vars="id_ti", var_name="indicator", value_name="value").astype({"value": "float64"})
    grouped = long.groupby("indicator")["value"]
    n = grouped.transform("count")
    rang = grouped.rank(ascending=False, method="min")
    rang_bas = grouped.rank(ascending=True, method="min")
    k = (n * QUARTILE).apply(math.ceil)
    return long.assign(
        rang=rang.astype("Int64"),
        n=n.astype("int64"),
        haut=(rang <= k).fillna(False).astype(bool),
        bas=(rang_bas <= k).fillna(False).astype(bool),
    )


def aires(wide: pd.DataFrame, id_ti: str) -> dict[str, str]:
    """The comparison areas of a territory: {'ti': id, 'region': 'REG-xx', 'france': 'FRANCE', 'ensemble_ti': ...}."""
    row = wide.loc[wide["id_ti"] == id_ti]
    if row.empty:
        raise KeyError(f"territoire {id_ti!r} absent du tableau des indicateurs")
    return {"ti": id_ti, "region": REGION_PREFIX + str(row["region"].iloc[0]), "france": FRANCE, "ensemble_ti": ENSEMBLE_TI}


def _libelles(lib: pd.Series, niveau: pd.Series) -> pd.Series:
    """Legend labels: a région is written 'Région X' (a TI may bear its région's name, e.g. Mayotte)."""
    return lib.where(niveau != "region", "Région " + lib)


def comparaison(wide: pd.DataFrame, id_ti: str, indicators: list[str] | tuple[str, ...], niveaux=("ti", "region", "france")) -> pd.DataFrame:
    """Long values of the territory and its comparison areas: indicator, niveau, lib, value (ordered)."""
    ids = aires(wide, id_ti)
    rows = wide.set_index("id_ti").loc[[ids[n] for n in niveaux], ["lib", *indicators]].assign(niveau=list(niveaux))
    out = rows.melt(id_vars=["niveau", "lib"], var_name="indicator", value_name="value").astype({"value": "float64"})
    out = out.assign(lib=_libelles(out["lib"], out["niveau"]))
    return out.assign(
        indicator=pd.Categorical(out["indicator"], categories=list(indicators), ordered=True),
        niveau=pd.Categorical(out["niveau"], categories=list(niveaux), ordered=True),
    ).sort_values(["indicator", "niveau"]).astype({"indicator": str, "niveau": str}).reset_index(drop=True)


def _registre(registre: pd.DataFrame) -> pd.DataFrame:
    return registre.set_index("name")


def chiffres_cles(
    wide: pd.DataFrame, periods: pd.DataFrame, registre: pd.DataFrame, id_ti: str, indicators=CHIFFRES_CLES
) -> pd.DataFrame:
    """Key figures of the territory, formatted in French: value, région, France and rank among the TI."""
    comp = comparaison(wide, id_ti, indicators).pivot(index="indicator", columns="niveau", values="value").reindex(list(indicators))
    rk = rangs(wide, indicators).loc[lambda d: d["id_ti"] == id_ti].set_index("indicator").reindex(list(indicators))
    reg = _registre(registre)
    per = periods.set_index("indicator")["period"]
    units = reg.loc[list(indicators), "unit"]
    return pd.DataFrame(
        {
            "Indicateur": reg.loc[list(indicators), "label"].to_numpy(),
            "Période": [periode_fr(per.get(i, ""), court=True) for i in indicators],
            "Territoire": [valeur_fr(comp.loc[i, "ti"], units[i]) for i in indicators],
            "Région": [valeur_fr(comp.loc[i, "region"], units[i]) for i in indicators],
            "France": [valeur_fr(comp.loc[i, "france"], units[i]) for i in indicators],
            "Rang parmi les TI": [
                rang_fr(rk.loc[i, "rang"], int(rk.loc[i, "n"])) for i in indicators
            ],
        }
    )


# --- forces et faiblesses --------------------------------------------------------------------


def forces_faiblesses(
    wide: pd.DataFrame, id_ti: str, sens: dict[str, int] | None = None, seuil_ecart: float = SEUIL_ECART
) -> pd.DataFrame:
    """Indicators on which the territory stands out, with the direction interpreted.

    Returns indicator, value, france, rang, n, position ('haut' / 'bas'), critere
    ('quartile' and/or 'écart à la France'), lecture ('force', 'faiblesse' or 'trait'),
    intensite (distance of the rank to the median, in [0, 0.5]); sorted by lecture then
    intensity. ``sens`` defaults to ``SENS``.
    """
    sens = SENS if sens is None else sens
    indicators = [i for i in sens if i in wide.columns]
    rk = rangs(wide, indicators)
    ti_values = rk.groupby("indicator")["value"]
    sd = ti_values.std()
    france = wide.loc[wide["id_ti"] == FRANCE, indicators].iloc[0].astype("float64") if (wide["id_ti"] == FRANCE).any() else pd.Series(float("nan"), index=indicators)
    me = rk.loc[(rk["id_ti"] == id_ti) & rk["value"].notna()].set_index("indicator")
    ecart = (me["value"] - france.reindex(me.index)) / sd.reindex(me.index)
    loin = (ecart.abs() > seuil_ecart) & ~me.index.isin(list(SANS_ECART_FRANCE))
    quart = me["haut"] | me["bas"]
    columns = ["indicator", "value", "france", "rang", "n", "position", "critere", "lecture", "intensite"]
    if not (quart | loin.fillna(False)).any():
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in {"value", "france", "intensite"} else "object") for c in columns})
    out = me.loc[quart | loin.fillna(False)].assign(
        france=france.reindex(me.index),
        ecart_france_sd=ecart,
    )
    position = pd.Series("haut", index=out.index).mask(out["bas"] | (~out["haut"] & (out["ecart_france_sd"] < 0)), "bas")
    critere = [
        " et ".join(c for c, ok in (("quartile", q), ("écart à la France", far)) if ok)
        for q, far in zip(quart.reindex(out.index), loin.reindex(out.index).fillna(False))
    ]
    direction = pd.Series({i: sens[i] for i in out.index}, dtype="int64").reindex(out.index)
    signe = position.map({"haut": 1, "bas": -1}) * direction
    lecture = signe.map({1: "force", -1: "faiblesse", 0: "trait"})
    intensite = ((out["rang"].astype("float64") - 1) / (out["n"] - 1).where(out["n"] > 1) - 0.5).abs()
    return (
        out.assign(position=position, critere=critere, lecture=lecture, intensite=intensite.fillna(0.0))
        .reset_index()
        .assign(_ordre=lambda d: d["lecture"].map(LECTURES.index))
        .sort_values(["_ordre", "intensite"], ascending=[True, False])
        .reset_index(drop=True)[columns]
    )


def _position_fr(position: str, critere: str) -> str:
    if "quartile" in critere:
        return "quart le plus élevé des TI" if position == "haut" else "quart le plus bas des TI"
    return "au-dessus de la France" if position == "haut" else "en dessous de la France"


def _minuscule(label: str) -> str:
    return label[0].lower() + label[1:]


def tableau_forces_faiblesses(ff: pd.DataFrame, registre: pd.DataFrame, n_max: int | None = 4) -> pd.DataFrame:
    """The stand-outs as a French table (at most ``n_max`` per lecture, the most marked first).

    Columns: Lecture, Indicateur, Territoire, France, Rang parmi les TI, Position.
    """
    reg = _registre(registre)
    if n_max is not None:
        ff = ff.groupby("lecture", sort=False).head(n_max)
    units = reg.loc[ff["indicator"], "unit"].to_numpy()
    return pd.DataFrame(
        {
            "Lecture": ff["lecture"].map({"force": "Force", "faiblesse": "Faiblesse", "trait": "Trait distinctif"}).to_numpy(),
            "Indicateur": reg.loc[ff["indicator"], "label"].to_numpy(),
            "Territoire": [valeur_fr(v, u) for v, u in zip(ff["value"], units)],
            "France": [valeur_fr(v, u) for v, u in zip(ff["france"], units)],
            "Rang parmi les TI": [rang_fr(r, n) for r, n in zip(ff["rang"], ff["n"])],
            "Position": [_position_fr(p, c) for p, c in zip(ff["position"], ff["critere"])],
        }
    )


def texte_forces_faiblesses(ff: pd.DataFrame, registre: pd.DataFrame, n_max: int = 3) -> str:
    """French paragraph: the strongest forces, weaknesses and traits (at most ``n_max`` each)."""
    if ff.empty:
        return (
            "Le territoire ne se distingue nettement des autres territoires d'industrie sur aucun des indicateurs "
            "disponibles : ni quart le plus élevé ou le plus bas, ni écart marqué à la France."
        )
    reg = _registre(registre)
    n_ti = int(ff["n"].max())
    parts = []
    for lecture, intro in (("force", "Points forts"), ("faiblesse", "Points faibles"), ("trait", "Traits distinctifs")):
        rows = ff.loc[ff["lecture"] == lecture].head(n_max)
        if rows.empty:
            continue
        items = [
            f"{_minuscule(reg.loc[r.indicator, 'label'])} : {valeur_fr(r.value, reg.loc[r.indicator, 'unit'])} "
            f"(France {valeur_fr(r.france, reg.loc[r.indicator, 'unit'])} ; {rang_fr(r.rang, r.n)}, "
            f"{_position_fr(r.position, r.critere)})"
            for r in rows.itertuples()
        ]
        parts.append(f"- **{intro}** : " + " ; ".join(items) + ".")
    counts = ff["lecture"].value_counts()
    head = (
        f"Sur {len(SENS)} indicateurs comparés aux {n_ti} territoires d'industrie de la phase, le territoire se "
        f"distingue sur {len(ff)} : {pluriel(int(counts.get('force', 0)), 'force', zero='aucune')}, "
        f"{pluriel(int(counts.get('faiblesse', 0)), 'faiblesse', zero='aucune')} et "
        f"{pluriel(int(counts.get('trait', 0)), 'trait distinctif', 'traits distinctifs', zero='aucun')} (sans sens favorable établi). "
        "Pour le chômage, la pauvreté et la part "
        "des peu diplômés, une valeur basse est une force."
    )
    return head + "\n\n" + "\n".join(parts)


# --- series and bars for the figures ---------------------------------------------------------


def serie(long: pd.DataFrame, wide: pd.DataFrame, id_ti: str, indicator: str, niveaux=("ti", "region", "france")) -> pd.DataFrame:
    """Time series of an indicator for the territory and its comparison areas: lib, niveau, period, date, value."""
    ids = aires(wide, id_ti)
    wanted = {ids[n]: n for n in niveaux}
    out = long.loc[(long["indicator"] == indicator) & long["id_ti"].isin(list(wanted)), ["id_ti", "lib", "period", "value"]]
    return (
        out.assign(niveau=out["id_ti"].map(wanted), date=period_dates(out["period"]))
        .assign(lib=lambda d: _libelles(d["lib"], d["niveau"]))
        .sort_values(["niveau", "period"], key=lambda s: s.map(list(niveaux).index) if s.name == "niveau" else s)
        .reset_index(drop=True)[["lib", "niveau", "period", "date", "value"]]
    )


def effets_shift_share(wide: pd.DataFrame, id_ti: str) -> pd.DataFrame:
    """Shift-share effects in % of 2019 employment for the territory, its région and all TI: effet, lib, value."""
    comp = comparaison(wide, id_ti, list(EFFETS), niveaux=("ti", "region", "ensemble_ti"))
    return comp.assign(effet=comp["indicator"].map(EFFETS))[["effet", "lib", "value"]]


def structure_sectorielle(wide: pd.DataFrame, id_ti: str) -> pd.DataFrame:
    """Industrial and high-tech shares (%) of the territory, its région and France: secteur, lib, value."""
    comp = comparaison(wide, id_ti, list(STRUCTURE))
    return comp.assign(secteur=comp["indicator"].map(STRUCTURE))[["secteur", "lib", "value"]]


# --- prose -----------------------------------------------------------------------------------


def _compte(n: int, kind: str) -> str:
    singular, plural = KINDS_FR[kind]
    return f"{nombre(n)} {singular if n == 1 else plural}"


def texte_intro(territoire: pd.Series, membres: pd.DataFrame, communes: pd.DataFrame, cog: int) -> str:
    """Opening paragraph: phase, région(s), members by kind, communes and population.

    ``territoire``: the row of ``referentiel.territoires``; ``membres`` / ``communes``: its rows
    of ``referentiel.membres`` / ``communes_ti`` (``communes`` with ``lib_region``).
    """
    phase = int(territoire["phase"])
    kinds = membres["kind"].value_counts()
    groupes = [_compte(int(kinds[k]), k) for k in KINDS_FR if kinds.get(k, 0)]
    listed = groupes[0] if len(groupes) == 1 else ", ".join(groupes[:-1]) + " et " + groupes[-1]
    regions = communes.groupby("lib_region")["population"].sum().sort_values(ascending=False)
    others = [r for r in regions.index if r != territoire["lib_region"]]
    where = f"en région {territoire['lib_region']}" + (f" (et pour partie en {', '.join(others)})" if others else "")
    unresolved = int(kinds.get(referentiel.UNRESOLVED, 0))
    note = (
        f" Membres publiés par l'ANCT absents du COG {cog}, non comptés : {nombre(unresolved)}." if unresolved else ""
    )
    return (
        f"**{territoire['lib_ti']}** ({territoire['id_ti']}) est un territoire d'industrie de la phase {phase} du programme "
        f"({PHASE_PERIODE.get(phase, '')}), situé {where}. Il regroupe {listed}, soit {nombre(len(communes))} communes "
        f"et {nombre(int(communes['population'].sum()))} habitants (population municipale {POPULATION_MILLESIME.get(cog, '')}, "
        f"COG {cog}).{note}"
    )


def texte_manquants(wide: pd.DataFrame, registre: pd.DataFrame, id_ti: str, indicators=None) -> str:
    """A sentence listing the indicators (``CHIFFRES_CLES`` and ``SENS`` by default) without value for the territory."""
    indicators = list(dict.fromkeys([*CHIFFRES_CLES, *SENS])) if indicators is None else list(indicators)
    row = wide.loc[wide["id_ti"] == id_ti, indicators].iloc[0].astype("float64")
    missing = row.index[row.isna()].tolist()
    if not missing:
        return ""
    reg = _registre(registre).loc[missing]
    labels = f" ({'; '.join(reg['label'].map(_minuscule))})" if len(missing) <= MAX_LISTE else ""
    sources = " ; ".join(sorted(set(reg["source"].str.split(" (", regex=False).str[0])))
    verbe = "n'est pas disponible" if len(missing) == 1 else "ne sont pas disponibles"
    return (
        f"Sur les {len(indicators)} indicateurs de cette fiche, {nombre(len(missing))} {verbe} pour ce territoire"
        f"{labels} : leurs sources ({sources}) ne le couvrent pas. Ils figurent comme « n.d. » et n'entrent pas dans les rangs."
    )


def _v(wide: pd.DataFrame, area: str, indicator: str) -> float:
    return float(wide.loc[wide["id_ti"] == area, indicator].iloc[0])


def texte_emploi(wide: pd.DataFrame, periods: pd.DataFrame, id_ti: str) -> str:
    """Private employment: level, index 2014 = 100 vs région and France, annual growth since 2018."""
    ids = aires(wide, id_ti)
    per = periods.set_index("indicator")["period"]
    year = per["emploi_prive"]
    lib_region = wide.loc[wide["id_ti"] == ids["region"], "lib"].iloc[0]
    idx = {k: _v(wide, ids[k], "emploi_prive_indice") for k in ("ti", "region", "france")}
    tcam = {k: _v(wide, ids[k], "emploi_prive_tcam") for k in ("ti", "france")}
    if math.isnan(_v(wide, id_ti, "emploi_prive")):
        return "La série URSSAF de l'emploi salarié privé n'est pas disponible pour ce territoire."
    if idx["ti"] < 100:
        lecture = "l'emploi y a reculé depuis 2014"
    else:
        lecture = f"l'emploi y a progressé {'plus' if idx['ti'] > idx['france'] else 'moins'} vite qu'en France"
    return (
        f"Fin {year}, le territoire compte {nombre(_v(wide, id_ti, 'emploi_prive'))} emplois salariés privés (URSSAF). "
        f"Base 100 en 2014, l'indice atteint {nombre(idx['ti'], 1)}, contre {nombre(idx['region'], 1)} pour la région "
        f"{lib_region} et {nombre(idx['france'], 1)} pour la France : {lecture}. "
        f"{quand_fr(per['emploi_prive_tcam']).capitalize()}, sa croissance annuelle moyenne est de {valeur_fr(tcam['ti'], '%/an')} "
        f"(France {valeur_fr(tcam['france'], '%/an')})."
    )


def texte_shift_share(wide: pd.DataFrame, periods: pd.DataFrame, id_ti: str) -> str:
    """Shift-share decomposition in jobs and in % of 2019 employment."""
    per = periods.set_index("indicator")["period"]["ss_variation"]
    v = {k: _v(wide, id_ti, k) for k in ("ss_variation", "ss_effet_national", "ss_effet_structurel", "ss_effet_local", "ss_variation_pct", "ss_effet_structurel_pct", "ss_effet_local_pct")}
    if math.isnan(v["ss_variation"]):
        return "La décomposition structurelle-résiduelle n'est pas disponible pour ce territoire."
    def jobs(x: float) -> str:
        return f"{'+' if x > 0 else ''}{nombre(x)} emplois"
    mix = "favorable" if v["ss_effet_structurel"] > 0 else "défavorable"
    local = "mieux" if v["ss_effet_local"] > 0 else "moins bien"
    return (
        f"{quand_fr(per).capitalize()}, l'emploi salarié privé attribué au territoire depuis ses zones d'emploi a varié de {jobs(v['ss_variation'])} "
        f"({pourcent(v['ss_variation_pct'], 1, signed=True)}). La croissance nationale en explique {jobs(v['ss_effet_national'])} "
        f"(effet national). Sa composition sectorielle lui est {mix} ({jobs(v['ss_effet_structurel'])}, "
        f"{pourcent(v['ss_effet_structurel_pct'], 1, signed=True)} : effet structurel). À secteurs identiques, ses "
        f"établissements ont fait {local} que la moyenne nationale ({jobs(v['ss_effet_local'])}, "
        f"{pourcent(v['ss_effet_local_pct'], 1, signed=True)} : effet local)."
    )


def texte_chomage(wide: pd.DataFrame, periods: pd.DataFrame, id_ti: str) -> str:
    """Latest quarterly unemployment rate vs région and France."""
    ids = aires(wide, id_ti)
    per = periods.set_index("indicator")["period"]["taux_chomage"]
    t = {k: _v(wide, ids[k], "taux_chomage") for k in ("ti", "region", "france")}
    if math.isnan(t["ti"]):
        return "Le taux de chômage localisé n'est pas publié pour les zones d'emploi de ce territoire."
    region = "non publié pour la région" if math.isnan(t["region"]) else f"région {pourcent(t['region'])}"
    return (
        f"{quand_fr(per).capitalize()} (dernier trimestre de la série disponible), le taux de chômage localisé du territoire "
        f"est de {pourcent(t['ti'])} ({region}, France {pourcent(t['france'])})."
    )


def texte_demandeurs(wide: pd.DataFrame, periods: pd.DataFrame, id_ti: str) -> str:
    """Latest job seekers, coverage of the series and change since the first month."""
    ids = aires(wide, id_ti)
    per = periods.set_index("indicator")["period"]
    n = _v(wide, id_ti, "demandeurs_emploi")
    cover = _v(wide, id_ti, "demandeurs_emploi_couverture")
    if math.isnan(n):
        return (
            "Aucune commune du territoire ne figure dans la série des demandeurs d'emploi par commune "
            "(seules les communes les plus peuplées y sont publiées) : la série n'est pas disponible."
        )
    evol = {k: _v(wide, ids[k], "demandeurs_emploi_evol") for k in ("ti", "france")}
    first, last = per["demandeurs_emploi_evol"].split("/")
    return (
        f"En {periode_fr(per['demandeurs_emploi'])}, {nombre(n)} demandeurs d'emploi sont inscrits dans les communes du "
        f"territoire publiées par France Travail, qui regroupent {pourcent(cover, 0)} de sa population : la série ne "
        f"couvre pas les communes les moins peuplées. De {periode_fr(first)} à {periode_fr(last)}, leur nombre a varié "
        f"de {pourcent(evol['ti'], 1, signed=True)} (France, communes publiées : {pourcent(evol['france'], 1, signed=True)})."
    )


def texte_piliers(wide: pd.DataFrame, periods: pd.DataFrame, registre: pd.DataFrame, id_ti: str) -> str:
    """The four pillars of the programme: what the data say, and the pillar no open data measures."""
    reg = _registre(registre)
    per = periods.set_index("indicator")["period"]
    indicators = [i for p in PILLARS for i in PILIERS_FICHE[p]]
    rk = rangs(wide, indicators).loc[lambda d: d["id_ti"] == id_ti].set_index("indicator")
    coverage = pillar_coverage().set_index("pillar")
    lines = []
    for pillar in PILLARS:
        n_ind = int(coverage.loc[pillar, "n_indicators"])
        if n_ind == 0:
            lines.append(f"- **{pillar.capitalize()}** : {coverage.loc[pillar, 'note']}")
            continue
        items = []
        for i in PILIERS_FICHE[pillar]:
            unit = reg.loc[i, "unit"]
            value = _v(wide, id_ti, i)
            if math.isnan(value):
                items.append(f"{_minuscule(reg.loc[i, 'label'])} : non disponible")
                continue
            items.append(
                f"{_minuscule(reg.loc[i, 'label'])} : {valeur_fr(value, unit)} {quand_fr(per[i])} "
                f"(France {valeur_fr(_v(wide, FRANCE, i), unit)} ; {rang_fr(rk.loc[i, 'rang'], int(rk.loc[i, 'n']))})"
            )
        lines.append(f"- **{pillar.capitalize()}** ({n_ind} indicateurs au registre) : " + " ; ".join(items) + ".")
    return "\n".join(lines)


# --- referential and industry panel (cached readers) -----------------------------------------


@dataclass(frozen=True)
class Territoire:
    """A territory's row in the referential, its member groupements and its communes (with lib_region)."""

    ligne: pd.Series
    membres: pd.DataFrame
    communes: pd.DataFrame
    cog: int


def territoire(phase: int, id_ti: str, cog: int | None = None) -> Territoire:
    """The referential rows of one territory (checked: an unknown id raises with the closest ids)."""
    cog = cog or DEFAULT_COG[phase]
    referentiel.check_territoires(phase, [id_ti], cog)
    terr = referentiel.territoires(phase, cog)
    regions = geo.regions(cog).rename(columns={"code": "region", "nom": "lib_region"})
    communes = referentiel.communes_ti(phase, cog).loc[lambda d: d["id_ti"] == id_ti].merge(regions, on="region", how="left")
    return Territoire(
        ligne=terr.loc[terr["id_ti"] == id_ti].iloc[0],
        membres=referentiel.membres(phase, cog).loc[lambda d: d["id_ti"] == id_ti],
        communes=communes,
        cog=cog,
    )


def epci_territoire(phase: int, id_ti: str, cog: int | None = None) -> pd.DataFrame:
    """EPCI holding communes of the territory, with the share of their population inside it."""
    cog = cog or DEFAULT_COG[phase]
    inside = referentiel.communes_ti(phase, cog).loc[lambda d: d["id_ti"] == id_ti, "insee_com"]
    com = referentiel.communes(cog)
    members = com.loc[com["siren_epci"].isin(com.loc[com["insee_com"].isin(inside), "siren_epci"].dropna())]
    members = members.assign(
        in_ti=members["insee_com"].isin(inside),
        pop=members["population"].fillna(0).astype("int64"),
    ).assign(pop_ti=lambda d: d["pop"].where(d["in_ti"], 0))
    out = members.groupby(["siren_epci", "lib_epci"], as_index=False).agg(
        n_communes=("insee_com", "size"), n_communes_ti=("in_ti", "sum"), population=("pop", "sum"), population_ti=("pop_ti", "sum")
    )
    return out.assign(part_population_ti=out["population_ti"] / out["population"].where(out["population"] > 0))[
        ["siren_epci", "lib_epci", "n_communes", "n_communes_ti", "part_population_ti"]
    ]


@dataclass(frozen=True)
class IndustrieAPE:
    """Industry panel of a territory from the URSSAF commune × APE file: statut, French mention, panel."""

    statut: str
    mention: str
    panel: pd.DataFrame


@cache
def _couverture_ape(phase: int, cog: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    passage = ia.passage_communes(urssaf_ape.fusions(), cog, referentiel.communes(cog))
    presentes = ia.code_cog(urssaf_ape.communes_presentes(urssaf_ape.fichier()), passage)
    return ia.coverage(presentes, referentiel.communes_ti(phase, cog), "id_ti"), passage


def industrie(phase: int, id_ti: str, periode: str, cog: int | None = None) -> IndustrieAPE:
    """Industrial jobs by NA38 section and year for the territory's communes present in the file.

    A territory without any commune in the file gets one sentence saying what the file covers
    (in the mirror, the zone d'emploi of Rouen only) and an empty panel; a covered or partly
    covered one gets ``industrie_ape.mention_couverture`` and ``industrie_ape.panel_ti``.
    """
    cog = cog or DEFAULT_COG[phase]
    couverture, passage = _couverture_ape(phase, cog)
    row = couverture.loc[couverture["id_ti"] == id_ti]
    if row.empty or row["statut"].iloc[0] == ia.NON_COUVERT:
        perimetre = PERIMETRE_APE.get(urssaf_ape.fichier(), "une partie du territoire national")
        mention = (
            "Le fichier URSSAF des effectifs salariés par commune et code APE ne couvre, dans le miroir de données "
            f"de l'observatoire, que {perimetre} : aucune commune de ce territoire n'y figure, et le panel "
            "industriel communal n'est pas présenté."
        )
        return IndustrieAPE(ia.NON_COUVERT, mention, pd.DataFrame(columns=["id_ti", "year", "secteur", "lib_secteur", "effectifs", "etablissements", "cellules_secretes"]))
    r = row.iloc[0]
    data = ia.harmoniser(urssaf_ape.commune_ape(urssaf_ape.fichier(), periode=periode, grands_secteurs=(ia.GS_INDUSTRIE,)), passage)
    communes = referentiel.communes_ti(phase, cog).loc[lambda d: d["id_ti"] == id_ti]
    return IndustrieAPE(
        r["statut"],
        ia.mention_couverture(r["statut"], r["part_population"], int(r["n_communes_presentes"]), int(r["n_communes"])),
        ia.panel_ti(data, communes),
    )


def sections_industrie(panel: pd.DataFrame, n: int = 8) -> pd.DataFrame:
    """The ``n`` largest NA38 industrial sections in the last year, first vs last year: secteur, annee, effectifs."""
    years = sorted(panel["year"].unique())
    first, last = years[0], years[-1]
    sections = panel.loc[panel["secteur"] != ia.SECTEUR_INDUSTRIE]
    top = sections.loc[sections["year"] == last].nlargest(n, "effectifs")["secteur"]
    out = sections.loc[sections["secteur"].isin(top) & sections["year"].isin([first, last])]
    order = {s: i for i, s in enumerate(top)}
    return (
        out.assign(annee=out["year"].astype(str), _o=out["secteur"].map(order))
        .sort_values(["_o", "year"])
        .rename(columns={"lib_secteur": "section"})[["section", "annee", "effectifs"]]
        .reset_index(drop=True)
    )


def texte_industrie(ape: IndustrieAPE) -> str:
    """The coverage mention and, when there is a panel, the industrial jobs of the first and last years."""
    if ape.panel.empty:
        return ape.mention
    total = ape.panel.loc[ape.panel["secteur"] == ia.SECTEUR_INDUSTRIE].sort_values("year")
    first, last = total.iloc[0], total.iloc[-1]
    secret = int(total["cellules_secretes"].sum())
    return (
        f"{ape.mention} Dans ces communes, l'industrie (extraction, industrie manufacturière, énergie, eau et déchets) "
        f"compte {nombre(last['effectifs'])} emplois salariés fin {last['year']} dans {nombre(last['etablissements'])} "
        f"établissements, contre {nombre(first['effectifs'])} fin {first['year']} "
        f"({pourcent((last['effectifs'] / first['effectifs'] - 1) * 100, 1, signed=True)})."
        + (f" {'Une cellule commune × APE secrète est comptée' if secret == 1 else f'{nombre(secret)} cellules commune × APE secrètes sont comptées'}"
           " pour zéro." if secret else "")
    )


# --- map layers --------------------------------------------------------------------------------

MAX_ETIQUETTES = 15
PROGRAMMES_CARTE = ("ACV", "ACV 2", "PVD")


@dataclass(frozen=True)
class Carte:
    """Layers of the territory's map: EPCI polygons (empty overseas), ANCT outline, ACV / PVD points, French note."""

    zones: gpd.GeoDataFrame
    contour: gpd.GeoDataFrame
    points: gpd.GeoDataFrame
    note: str
    colonne: str | None = None  # colour the EPCI by this column (set when some EPCI is only partly inside)


def carte(phase: int, id_ti: str, cog: int | None = None) -> Carte:
    """EPCI of the territory (share of their population inside it), its outline and its ACV / PVD towns.

    The mirror's EPCI contours cover metropolitan France only: overseas, the map shows the
    ANCT outline of the territory alone, and ``note`` says so. Points are labelled (column
    ``etiquette``) when there are at most ``MAX_ETIQUETTES`` of them, otherwise only ACV towns.
    """
    cog = cog or DEFAULT_COG[phase]
    epci = epci_territoire(phase, id_ti, cog)
    zones = geo.contours_epci_metro().merge(epci.drop(columns="lib_epci"), on="siren_epci", how="inner")
    contour = programmes.ti_geometries(phase).loc[lambda d: d["id_ti"] == id_ti]
    villes = referentiel.villes_programmes(phase, cog).loc[
        lambda d: (d["id_ti"] == id_ti) & d["programme"].isin(PROGRAMMES_CARTE)
    ]
    points = maps.villes_points(villes).drop_duplicates(subset=["id_programme", "geometry"])
    points = points.assign(
        programme=points["programme"].replace({"ACV 2": "ACV"}),
    ).drop_duplicates(subset=["geometry"])
    label = points["lib_programme"].where((len(points) <= MAX_ETIQUETTES) | (points["programme"] == "ACV"), "")
    points = points.assign(etiquette=label)
    n_acv = int((points["programme"] == "ACV").sum())
    n_pvd = int((points["programme"] == "PVD").sum())
    towns = (
        f"{pluriel(n_acv, 'ville', zero='aucune')} Action cœur de ville, "
        f"{pluriel(n_pvd, 'ville', zero='aucune')} Petites villes de demain"
    )
    if zones.empty:
        note = (
            "Les contours d'EPCI disponibles ne couvrent que la France métropolitaine : la carte montre le contour du "
            f"territoire publié par l'ANCT et ses villes des programmes ({towns})."
        )
    else:
        partial = zones.loc[zones["part_population_ti"] < 1, "lib_epci"].tolist()
        note = (
            f"La carte montre les {nombre(len(zones))} EPCI du territoire (contours 2025), son contour publié par l'ANCT "
            f"et ses villes des programmes ({towns})."
            + (f" EPCI en partie seulement dans le territoire : {', '.join(partial)} ; la teinte donne la part de leur "
               "population située dans le territoire." if partial else "")
        )
    if len(epci) > len(zones) and not zones.empty:
        note += f" {nombre(len(epci) - len(zones))} EPCI du COG {cog} n'ont pas de contour 2025 et n'apparaissent pas."
    colonne = "part_population_ti" if (zones["part_population_ti"] < 1).any() else None
    return Carte(zones=zones, contour=contour, points=points, note=note, colonne=colonne)
