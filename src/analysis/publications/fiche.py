"""What the per-territory fiche (``notebooks/fiche_territoire.ipynb``) says: the key figures
with the territory's rank among the TI of its phase, the table and sentences of its forces and
faiblesses, and the French sentences of each section with the numbers filled in. The numbers
come from the indicator tables written by ``analysis.indicateurs.build`` and from
``analysis.analyses.positions`` (ranks, stand-outs, series); the key figures
(``CHIFFRES_CLES``) and the indicators quoted per pillar (``PILIERS_FICHE``) are the
registry's (``data/indicateurs.toml``).
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.analyses import industrie as ia
from analysis.analyses.industrie import IndustrieAPE
from analysis.analyses.positions import SENS, aires, comparaison, rangs
from analysis.donnees import referentiel
from analysis.indicateurs.areas import FRANCE
from analysis.indicateurs.registry import PILLARS, key_figures, pillar_coverage, pillar_indicators
from analysis.texte import (
    nombre,
    periode_fr,
    pluriel,
    pourcent,
    quand_fr,
    rang_fr,
    valeur,
)

CHIFFRES_CLES = key_figures()
PILIERS_FICHE: dict[str, tuple[str, ...]] = {pillar: pillar_indicators(pillar) for pillar in PILLARS}

PHASE_PERIODE = {1: "2019-2022", 2: "2023-2027"}
POPULATION_MILLESIME = {2019: 2016, 2023: 2020, 2025: 2023}
MAX_LISTE = 6  # missing indicators listed by name up to this number
KINDS_FR = {"EPCI": ("EPCI", "EPCI"), "EPT": ("établissement public territorial", "établissements publics territoriaux"),
            "commune": ("commune membre à titre individuel", "communes membres à titre individuel")}


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
            "Territoire": [valeur(comp.loc[i, "ti"], units[i]) for i in indicators],
            "Région": [valeur(comp.loc[i, "region"], units[i]) for i in indicators],
            "France": [valeur(comp.loc[i, "france"], units[i]) for i in indicators],
            "Rang parmi les TI": [
                rang_fr(rk.loc[i, "rang"], int(rk.loc[i, "n"])) for i in indicators
            ],
        }
    )


# --- forces et faiblesses --------------------------------------------------------------------


def _position_fr(position: str, critere: str) -> str:
    if "quartile" in critere:
        return "quart le plus élevé des TI" if position == "haut" else "quart le plus bas des TI"
    return "au-dessus de la France" if position == "haut" else "en dessous de la France"


def _minuscule(label: str) -> str:
    return label[0].lower() + label[1:]


def tableau_forces_faiblesses(
    ff: pd.DataFrame, registre: pd.DataFrame, n_max: int | None = 4, periods: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The stand-outs as a French table (at most ``n_max`` per lecture, the most marked first).

    Columns: Lecture, Indicateur, [Période, when ``periods`` (``wide_periods``) is given],
    Territoire, France, Rang parmi les TI, Position.
    """
    reg = _registre(registre)
    if n_max is not None:
        ff = ff.groupby("lecture", sort=False).head(n_max)
    units = reg.loc[ff["indicator"], "unit"].to_numpy()
    per = {} if periods is None else {
        "Période": [periode_fr(p, court=True) for p in periods.set_index("indicator")["period"].reindex(ff["indicator"]).fillna("")]
    }
    return pd.DataFrame(
        {
            "Lecture": ff["lecture"].map({"force": "Force", "faiblesse": "Faiblesse", "trait": "Trait distinctif"}).to_numpy(),
            "Indicateur": reg.loc[ff["indicator"], "label"].to_numpy(),
            **per,
            "Territoire": [valeur(v, u) for v, u in zip(ff["value"], units)],
            "France": [valeur(v, u) for v, u in zip(ff["france"], units)],
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
            f"{_minuscule(reg.loc[r.indicator, 'label'])} : {valeur(r.value, reg.loc[r.indicator, 'unit'])} "
            f"(France {valeur(r.france, reg.loc[r.indicator, 'unit'])} ; {rang_fr(r.rang, r.n)}, "
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
        f"{quand_fr(per['emploi_prive_tcam']).capitalize()}, sa croissance annuelle moyenne est de {valeur(tcam['ti'], '%/an')} "
        f"(France {valeur(tcam['france'], '%/an')})."
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
                f"{_minuscule(reg.loc[i, 'label'])} : {valeur(value, unit)} {quand_fr(per[i])} "
                f"(France {valeur(_v(wide, FRANCE, i), unit)} ; {rang_fr(rk.loc[i, 'rang'], int(rk.loc[i, 'n']))})"
            )
        lines.append(f"- **{pillar.capitalize()}** ({n_ind} indicateurs au registre) : " + " ; ".join(items) + ".")
    return "\n".join(lines)


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
