"""The page of a région (``notebooks/region.ipynb``): its territoires d'industrie of the current
phase side by side (key indicators, profile), their employment trend since 2018 beside the
région and France, and the ranks that moved since the previous month. A territory belongs to
the région where most of its population lives (``referentiel.territoires``).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis import mois
from analysis.analyses.positions import mouvements_rangs, rangs
from analysis.indicateurs.areas import FRANCE, REGION_PREFIX
from analysis.indicateurs.registry import indicator
from analysis.publications.fiche import PHASE_PERIODE
from analysis.texte import nombre, ordinal, observation_fr, pluriel, quand_fr, rang_fr, valeur

# The key indicators of the side-by-side table (headed by their short labels in the registry),
# and those whose ranks are followed month to month.
INDICATEURS_REGION = ("emploi_prive", "emploi_prive_tcam", "part_industrie", "taux_chomage", "revenu_median")
TENDANCE = "emploi_prive_tcam"


def fiche_href(phase: int, id_ti: str) -> str:
    """The fiche of a territory, relative to a région page (``regions/<code>.html`` of the site)."""
    return "../" + mois.fiche_page(phase, id_ti)


def territoires_region(wide: pd.DataFrame, region: str) -> pd.DataFrame:
    """The TI of the région in a wide table, by name."""
    ti = wide.loc[(wide["niveau"] == "ti") & (wide["region"] == region)]
    return ti.sort_values("lib", key=lambda s: s.str.normalize("NFKD"), ignore_index=True)


def texte_intro(territoires: pd.DataFrame, lib_region: str, phase: int) -> str:
    """Opening paragraph: how many TI of the phase the région counts, communes and population."""
    n = len(territoires)
    return (
        f"La région {lib_region} compte {pluriel(n, 'territoire')} d'industrie dans la phase {phase} du programme "
        f"({PHASE_PERIODE.get(phase, '')}) : {nombre(int(territoires['n_communes'].sum()))} communes et "
        f"{nombre(int(territoires['population'].sum()))} habitants. Un territoire est rattaché à la région où vit la plus "
        "grande part de sa population. Chaque nom mène à la fiche du territoire."
    )


def _pipe(df: pd.DataFrame, texte: int = 1) -> str:
    """A Markdown pipe table (cells already French strings); the first ``texte`` columns
    left-aligned and wider (pandoc sizes wrapped columns by their number of dashes, the first
    one, the names, widest), the others (numbers) right-aligned."""
    align = ["-" * 14] + ["-" * 9] * (texte - 1) + ["-----:" for _ in df.columns[texte:]]
    lines = ["| " + " | ".join(df.columns) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(str(v).replace("|", "/") for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def tableau(wide: pd.DataFrame, observations: pd.DataFrame, registre: pd.DataFrame, profils: pd.DataFrame, region: str,
            phase: int, indicators: Sequence[str] = INDICATEURS_REGION) -> str:
    """The TI of the région side by side, then the région and France (Markdown table with a link
    to each fiche): profile, key indicators (``indicators``, headed by their short label and the
    period of each) and, for growth since 2018, the rank among the TI of the phase."""
    reg = registre.set_index("name")
    per = observations.set_index("indicator")["observation"]
    ti = territoires_region(wide, region)
    profil = profils.set_index("id_ti")["profil"]
    rk = rangs(wide, [TENDANCE]).set_index("id_ti")
    others = wide.set_index("id_ti").loc[[REGION_PREFIX + region, FRANCE]].reset_index()
    rows = pd.concat([ti, others], ignore_index=True)

    def header(i: str) -> str:
        label = indicator(i).short_label
        return f"{label} ({observation_fr(per[i], court=True)})" if i in per else label

    table = pd.DataFrame({
        "Territoire": [f"[{lib}]({fiche_href(phase, i)})" if n == "ti" else (f"Région {lib}" if n == "region" else lib)
                       for i, lib, n in zip(rows["id_ti"], rows["lib"], rows["niveau"])],
        "Profil": [profil.get(i, "hors typologie" if n == "ti" else "") for i, n in zip(rows["id_ti"], rows["niveau"])],
        **{header(i): [valeur(v, reg.loc[i, "unit"], manquant="–") for v in rows[i]] for i in indicators},
        f"Rang de la croissance (sur {int(rk['n'].max())})": [
            ordinal(int(rk["rang"][i])) if n == "ti" and pd.notna(rk["rang"].get(i)) else ""
            for i, n in zip(rows["id_ti"], rows["niveau"])
        ],
    })
    return _pipe(table, texte=2)


def tendance(wide: pd.DataFrame, region: str) -> pd.DataFrame:
    """Growth since 2018 (%/an) of each TI of the région, the région and France: lib, value."""
    ti = territoires_region(wide, region)[["lib", TENDANCE]]
    others = wide.set_index("id_ti").loc[[REGION_PREFIX + region, FRANCE], ["lib", TENDANCE]]
    others = others.assign(lib=["Région " + others["lib"].iloc[0], others["lib"].iloc[1]])
    return pd.concat([ti.sort_values(TENDANCE, ascending=False), others], ignore_index=True).rename(columns={TENDANCE: "value"})


def texte_tendance(wide: pd.DataFrame, observations: pd.DataFrame, region: str, lib_region: str) -> str:
    """How the TI of the région grew since 2018 against the région and France."""
    per = observations.set_index("indicator")["observation"].get(TENDANCE, "")
    ti = territoires_region(wide, region)[TENDANCE].dropna()
    values = wide.set_index("id_ti")[TENDANCE]
    reg, fr = values[REGION_PREFIX + region], values[FRANCE]
    return (
        f"{quand_fr(per).capitalize()}, l'emploi salarié privé a crû en moyenne de {valeur(reg, '%/an')} dans la région "
        f"{lib_region} et de {valeur(fr, '%/an')} en France. {nombre(int((ti > reg).sum()))} des {nombre(len(ti))} "
        f"territoires de la région ont fait mieux que la région, {nombre(int((ti > fr).sum()))} mieux que la France."
    )


def rangs_du_mois(avant: pd.DataFrame, apres: pd.DataFrame, registre: pd.DataFrame, region: str,
                  indicators: Sequence[str] = INDICATEURS_REGION) -> pd.DataFrame:
    """The ranks among the TI of the phase that moved since the previous month for the TI of the
    région (French strings): Territoire, Indicateur, Avant, Maintenant, Évolution."""
    ids = set(territoires_region(apres, region)["id_ti"])
    moves = mouvements_rangs(avant, apres, list(indicators))
    moves = moves.loc[moves["id_ti"].isin(ids)]
    names = apres.set_index("id_ti")["lib"]
    labels = registre.set_index("name")["label"]
    return pd.DataFrame({
        "Territoire": moves["id_ti"].map(names).to_numpy(),
        "Indicateur": moves["indicator"].map(labels).to_numpy(),
        "Rang le mois précédent": [rang_fr(r, n) for r, n in zip(moves["rang_avant"], moves["n"])],
        "Rang ce mois-ci": [rang_fr(r, n) for r, n in zip(moves["rang_apres"], moves["n"])],
        "Évolution": [f"{'+' if g > 0 else '−'}{abs(g)} place{'s' if abs(g) > 1 else ''}" for g in moves["gain"]],
    })


def texte_rangs(mouvements: pd.DataFrame | None, periode: str, precedente: str | None) -> str:
    """One sentence on the ranks that moved this month (or why none is compared)."""
    if precedente is None:
        return f"{observation_fr(periode).capitalize()} est le premier mois de l'observatoire : aucun rang n'est encore comparé."
    if mouvements.empty:
        return (
            f"Aucun rang des territoires de la région n'a changé entre {observation_fr(precedente)} et {observation_fr(periode)} "
            "sur ces indicateurs."
        )
    return (
        f"Entre {observation_fr(precedente)} et {observation_fr(periode)}, {pluriel(len(mouvements), 'rang')} des territoires de "
        "la région {} changé (rang parmi les territoires d'industrie de la phase, 1 = valeur la plus élevée) :".format(
            "a" if len(mouvements) == 1 else "ont")
    )
