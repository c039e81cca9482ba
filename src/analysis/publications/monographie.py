"""What a monograph (``monographies/monographie.ipynb``) says beyond the fiche, section by
section, as French sentences and tables with the numbers filled in:

- *Portrait*: population and its change, density, the EPCI (``portrait.epci``), the
  territory's counterpart in the other phase (matched by membership), its profile and peers;
- *Trajectoire*: private employment against France, its région, its profile and its four
  nearest peers; each EPCI part and the communes that move most;
- *Tissu productif*: in ``monographie_tissu``;
- *Marché du travail et population*: the territory against its peers, its profile and France;
- *Programmes*: Action cœur de ville, Petites villes de demain, France Relance in its départements;
- *Ses EPCI face à des EPCI témoins*, the counterfactual of the evaluation work (reweighted
  control EPCI, ``texte_impact_territoire``, and synthetic control, ``texte_controle_synthetique``);
- *Forces et faiblesses* (the fiche's functions); *Questions pour le terrain*, *Travail de
  terrain* (only once written) and the draft box in ``monographie_terrain``; a short
  provenance block.

The fiche's sentences (employment, shift-share, unemployment, job seekers, industry, forces
and weaknesses) come from ``publications.fiche``: the monograph composes them, never copies them.
Links are relative to the monograph's page (``monographies/<id>.html`` in the site).
"""

from __future__ import annotations

import pandas as pd

from analysis import config, mois, texte
from analysis.analyses import impact, portrait, profils
from analysis.analyses.evaluation import ImpactTerritoire
from analysis.analyses.fonds_vert_territoires import FondsVert
from analysis.analyses.recoupements import PROGRAMMES_VILLES
from analysis.analyses.typologie import TypologyResult
from analysis.donnees import referentiel
from analysis.indicateurs.registry import heading, indicator
from analysis.publications import fiche, evaluation_impact
from analysis.texte import nombre, pluriel, pourcent, valeur

LIEN_SYNTHESE = "../" + mois.SYNTHESE_PAGE
N_VOISINS = 4


def lien_fiche(id_ti: str, phase: int) -> str:
    """Relative link from a page one folder deep (``monographies/``, ``synthese/``) to a fiche."""
    return "../" + mois.fiche_page(phase, id_ti)


def lien_monographie(id_ti: str) -> str:
    """Relative link from a page one folder deep to a monograph."""
    return "../" + mois.monographie_page(id_ti)


# --- Portrait -------------------------------------------------------------------------------


def texte_liens(id_ti: str, phase: int, correspondants: pd.DataFrame, autre_phase: int, noms_autre: pd.Series) -> str:
    """One line of links: the territory's fiche, the fiches of its counterparts in the other
    phase (``correspondants``: ``portrait.correspondance``), the synthesis."""
    # each name with its preposition, outside the link's bracket: « fiches d'[Alsace bossue…], du [Pays de…] »
    autres = [
        f"{de}[{nom} ({r.id_ti})]({lien_fiche(r.id_ti, autre_phase)})"
        for r in correspondants.itertuples()
        for de, nom in [texte.de_parts(noms_autre[r.id_ti])]
    ]
    phase_autre = f" ; en phase {autre_phase} : fiche{'s' if len(autres) > 1 else ''} " + ", ".join(autres) if autres else ""
    return (
        f"Voir aussi : [la fiche du territoire]({lien_fiche(id_ti, phase)}) (phase {phase}){phase_autre} ; "
        f"[la synthèse inter-territoires]({LIEN_SYNTHESE})."
    )


def texte_portrait(terr: referentiel.Territoire, wide: pd.DataFrame, observations: pd.DataFrame, densites: pd.Series, epci: pd.DataFrame) -> str:
    """Population, its change against France, density and rank, members and the largest town.

    ``densites``: ``profils.densite`` of the phase (log10 of inhabitants per km²);
    ``epci``: ``portrait.epci``.
    """
    id_ti = terr.ligne["id_ti"]
    communes = terr.communes
    pop = int(communes["population"].fillna(0).sum())
    ville = communes.loc[communes["population"].idxmax()]
    table = wide.set_index("id_ti")
    per = observations.set_index("indicator")["observation"]["croissance_population"]
    growth, growth_fr = table.loc[id_ti, "croissance_population"], table.loc["FRANCE", "croissance_population"]
    sens = "a augmenté" if growth > 0 else "a diminué"
    dens = densites.dropna()
    rank = int((dens > dens[id_ti]).sum()) + 1 if id_ti in dens.index else None
    density = (
        f" Avec {nombre(10 ** dens[id_ti])} habitants par km² (population rapportée à la surface du contour publié par "
        f"l'ANCT), il est le {texte.ordinal(rank)} plus dense des {nombre(len(dens))} territoires de la phase."
        if rank
        else ""
    )
    partial = epci.loc[epci["part_population_ti"] < 100, "lib_epci"].tolist()
    partial_text = f" En partie seulement dans le territoire : {', '.join(partial)}." if partial else ""
    return (
        f"Le territoire compte {nombre(pop)} habitants (population municipale {config.POPULATION_VINTAGE[terr.cog]}) "
        f"dans {pluriel(len(communes), 'commune')} et {pluriel(len(epci), 'EPCI', 'EPCI')} ; sa commune la plus peuplée est "
        f"{ville['lib_com']} ({nombre(ville['population'])} habitants). {texte.quand_fr(per).capitalize()}, sa population "
        f"{sens} de {pourcent(abs(growth), 2)} par an en moyenne (France {valeur(growth_fr, '%/an')}, recensement).{density}{partial_text}"
    )


def tableau_epci(epci: pd.DataFrame) -> pd.DataFrame:
    """``portrait.epci`` as a French table."""
    return texte.tableau(
        epci.assign(communes=[f"{a} / {b}" for a, b in zip(epci["n_communes_ti"], epci["n_communes"])]),
        {
            "lib_epci": ("EPCI", None),
            "communes": ("Communes dans le territoire", None),
            "population_ti": ("Habitants dans le territoire", 0),
            "part_population_ti": ("Part de l'EPCI dans le territoire (%)", 0),
            "croissance_population": ("Population 2016-2022 (%/an)", lambda v: valeur(v, "%/an", "–")),
            "densite": ("Densité (hab./km²)", lambda v: nombre(v) if pd.notna(v) else "–"),
            "part_industrie": ("Industrie (% de l'emploi)", lambda v: valeur(v, "%", "–")),
        },
    )


def texte_changements_epci(changements: pd.DataFrame, avant: int, apres: int, n_noms: int = 5) -> str:
    """French sentence: the territory's communes that changed EPCI between 1 January ``avant``
    and 1 January ``apres`` (``portrait.changements_epci``), grouped by former and new EPCI
    (communes named when there are at most ``n_noms``)."""
    quand = f"Entre le 1er janvier {avant} et le 1er janvier {apres}"
    if changements.empty:
        return f"{quand}, aucune commune du territoire n'a changé d'EPCI."
    parts = []
    for (old, new), group in changements.groupby(["lib_avant", "lib_apres"], sort=True):
        noms = f" ({', '.join(group['lib_com'])})" if len(group) <= n_noms else ""
        parts.append(f"{pluriel(len(group), 'commune')}{noms} de {old} à {new}")
    n = len(changements)
    return (f"{quand}, {pluriel(n, 'commune')} du territoire {'a' if n == 1 else 'ont'} changé d'EPCI (fusions, "
            f"départs ou extensions d'EPCI) : " + " ; ".join(parts) + ".")


def _epci_listes(communes: pd.DataFrame) -> str:
    counts = communes.groupby("lib_epci")["insee_com"].size().sort_values(ascending=False)
    return ", ".join(f"{lib} ({pluriel(int(n), 'commune')})" for lib, n in counts.items())


def texte_phases(
    ligne: pd.Series, phase: int, autre_phase: int, corr: pd.DataFrame, relation: str, ecarts: pd.DataFrame, noms_autre: pd.Series
) -> str:
    """How the territory relates to the other phase's territories, matched by their communes.

    ``corr`` / ``relation``: ``portrait.correspondance`` / ``portrait.perimetre``; ``ecarts``:
    ``portrait.ecarts_perimetre`` with the main counterpart; ``noms_autre``: id_ti -> name in
    the other phase.
    """
    id_ti, n = ligne["id_ti"], int(ligne["n_communes"])
    quand = fiche.PHASE_PERIODE.get(autre_phase, "")
    if relation == portrait.AUCUN:
        return (f"Aucune de ses communes n'appartenait à un territoire d'industrie de la phase {autre_phase} ({quand}) : "
                "le territoire est nouveau dans le programme.")
    main = corr.iloc[0]
    other = f"« {noms_autre[main.id_ti]} » ({main.id_ti})"
    homonyme = (
        f" Attention : en phase {autre_phase}, l'identifiant {id_ti} désignait un autre territoire, « {noms_autre[id_ti]} » ; "
        "les deux phases sont rapprochées ici par leurs communes, non par leur identifiant."
        if id_ti in noms_autre.index and id_ti != main.id_ti
        else ""
    )
    ajoutees = ecarts.loc[ecarts["ecart"] == "ajoutée"]
    retirees = ecarts.loc[ecarts["ecart"] == "retirée"]
    if relation == portrait.IDENTIQUE:
        text = f"Son périmètre est celui du territoire {other} de la phase {autre_phase} ({quand}) : les mêmes {nombre(n)} communes."
    elif relation == portrait.INCLUS:
        text = (
            f"En phase {autre_phase} ({quand}), ses {nombre(n)} communes faisaient partie d'un territoire plus large, {other}, "
            f"dont elles regroupaient {pourcent(main.part_autre, 0)} de la population ; les "
            f"{pluriel(len(retirees), 'autre commune', 'autres communes')} de ce territoire n'en font plus partie : {_epci_listes(retirees)}."
        )
    elif relation == portrait.ENGLOBE:
        text = (
            f"Il reprend la totalité du territoire {other} de la phase {autre_phase} ({quand}) et y ajoute "
            f"{pluriel(len(ajoutees), 'commune')} ({nombre(ajoutees['population'].sum())} habitants, "
            f"{pourcent(100 - main.part_ici, 1)} de sa population) : {_epci_listes(ajoutees)}."
        )
    else:
        text = (
            f"Il recoupe en partie le territoire {other} de la phase {autre_phase} ({quand}) : "
            f"{pluriel(int(main.communes_communes), 'commune')} en commun, soit {pourcent(main.part_ici, 0)} de sa population et "
            f"{pourcent(main.part_autre, 0)} de celle de {other}."
        )
    others = corr.iloc[1:]
    more = (
        f" Il partage aussi des communes avec {', '.join(f'« {noms_autre[r.id_ti]} » ({r.id_ti})' for r in others.itertuples())}."
        if len(others)
        else ""
    )
    return text + more + homonyme


CROISSANCE_PHASES = "Croissance (%/an)"  # since 2018, to the last year published: the caption says so


def tableau_phases(ligne: pd.Series, phase: int, wide: pd.DataFrame, corr: pd.DataFrame, autre_phase: int, wide_autre: pd.DataFrame,
                   noms_autre: pd.Series) -> pd.DataFrame:
    """The territory and its counterparts in the other phase: communes, inhabitants, communes in
    common, private employment of the last year and its growth since 2018 (each phase's table)."""
    def emploi(table: pd.DataFrame, id_ti: str) -> tuple[float, str]:
        row = table.set_index("id_ti").loc[id_ti]
        growth = row["emploi_prive_tcam"]
        return row["emploi_prive"], valeur(growth, "%/an").removesuffix("\u00a0%/an")

    rows = [{"Phase": str(phase), "Territoire": f"{ligne['lib_ti']} ({ligne['id_ti']})", "Communes": nombre(ligne["n_communes"]),
             "Habitants": nombre(ligne["population"]), "Communes en commun": "–", "Part de la population en commun": "–",
             "Emplois": nombre(emploi(wide, ligne["id_ti"])[0]),
             CROISSANCE_PHASES: emploi(wide, ligne["id_ti"])[1]}]
    for r in corr.itertuples():
        jobs, growth = emploi(wide_autre, r.id_ti)
        rows.append({"Phase": str(autre_phase), "Territoire": f"{noms_autre[r.id_ti]} ({r.id_ti})", "Communes": nombre(r.n_communes),
                     "Habitants": nombre(r.population), "Communes en commun": nombre(r.communes_communes),
                     "Part de la population en commun": f"{pourcent(r.part_ici, 0)} ici, {pourcent(r.part_autre, 0)} là",
                     "Emplois": nombre(jobs), CROISSANCE_PHASES: growth})
    return pd.DataFrame(rows)


def texte_profil_territoire(result: TypologyResult, id_ti: str, phase: int, choix: pd.DataFrame, n_voisins: int = N_VOISINS) -> str:
    """French paragraph: the territory's profile, its closest peers (linked to their fiches)
    and why it was chosen."""
    if id_ti not in result.labels.index:
        return "Ce territoire n'entre pas dans la typologie (indicateurs du recensement indisponibles, territoire d'outre-mer)."
    cluster = int(result.labels[id_ti])
    members = result.labels.index[result.labels == cluster]
    names = referentiel.territoires(phase).set_index("id_ti")["lib_ti"]
    peers = profils.voisins(result, id_ti, n_voisins)
    row = choix.loc[choix["id_ti"] == id_ti]
    by = "par l'équipe" if len(row) and row["source"].iloc[0] != "typologie" else "par la règle de la synthèse"
    why = f" Il a été retenu pour une monographie {by} : {row['raison'].iloc[0]}." if len(row) else ""
    return (
        f"Dans la typologie de la phase {phase}, le territoire appartient au profil « {result.profiles[cluster]} », "
        f"qui réunit {nombre(len(members))} des {nombre(len(result.labels))} territoires classés. Les territoires de ce profil "
        f"les plus proches de lui sur l'ensemble des indicateurs, ses « voisins » dans la suite de ce document, sont : "
        f"{', '.join(f'[{names[p]}]({lien_fiche(p, phase)})' for p in peers)}.{texte_mots_contredits(result, id_ti)}{why}"
    )


def texte_mots_contredits(result: TypologyResult, id_ti: str) -> str:
    """A sentence (with its leading space) naming each word of the profile's name that the
    territory's own values do not bear out (``profils.mots_contredits``) with those values;
    empty when the name is true of it."""
    valeurs: dict[str, list[str]] = {}
    for mot, c, own, median in profils.mots_contredits(result, id_ti):
        ici, mediane = profils.valeur_indicateur(c, own), profils.valeur_indicateur(c, median)
        cote = "au niveau de" if ici == mediane else ("au-dessus de" if own > median else "en dessous de")  # as printed
        valeurs.setdefault(mot, []).append(
            f"{texte.minuscule(profils.LIBELLES_COURTS.get(c, c))} du territoire : {ici}, {cote} la médiane des territoires classés, {mediane}"
        )
    if not valeurs:
        return ""
    dits = " ; ".join(f"« {mot} » ({' ; '.join(v)})" for mot, v in valeurs.items())
    return f" Ce nom décrit la moyenne du profil, pas chacun de ses territoires, et ne se vérifie pas pour celui-ci : {dits}."


# --- Trajectoire ----------------------------------------------------------------------------


def texte_trajectoire(indices: pd.DataFrame, nom: str, profil: str, voisins: list[str]) -> str:
    """The territory's employment index in the last year against its four peers and its profile.

    ``indices``: ``positions.indices_groupes`` (lib, period, value) holding ``nom``, ``profil``
    and the ``voisins`` labels.
    """
    last = indices["observation"].max()
    at = indices.loc[indices["observation"] == last].set_index("lib")["value"]
    own, peers = at[nom], at.reindex(voisins).dropna()
    higher = int((peers > own).sum())
    place = (
        "au-dessus de celui de chacun de ses voisins" if higher == 0
        else "en dessous de celui de chacun de ses voisins" if higher == len(peers)
        else f"au {texte.ordinal(higher + 1)} rang parmi lui et ses {pluriel(len(peers), 'voisin')}"
    )
    return (
        f"En {last}, l'indice de l'emploi salarié privé du territoire (base 100 en {indices['observation'].min()}) atteint "
        f"{nombre(own, 1)} : {place} (de {nombre(peers.min(), 1)} à {nombre(peers.max(), 1)}), contre {nombre(at[profil], 1)} "
        f"pour l'ensemble des territoires de son profil (emplois additionnés)."
    )


# Before the employment of 2019 is published (mid-2020), the sections built on the paths since
# 2018 and on the sectors since 2019 say so in one sentence.
EMPLOI_PAS_ENCORE = (
    "L'emploi salarié privé de 2019 n'est pas encore publié : les trajectoires des EPCI et des communes du territoire "
    "depuis 2018 attendent sa publication."
)


def texte_epci_emploi(table: pd.DataFrame) -> str:
    """French sentence on the EPCI parts: the largest, the fastest and slowest since 2018."""
    last = [c for c in table.columns if c.startswith("emploi_")][-1].removeprefix("emploi_")
    first = table.iloc[0]
    if len(table) == 1:
        return f"Le territoire ne compte qu'un EPCI, {first['lib_epci']} : sa trajectoire est celle du territoire."
    fast, slow = table.loc[table["tcam_apres"].idxmax()], table.loc[table["tcam_apres"].idxmin()]
    return (
        f"La partie {texte.de(first['lib_epci'])} située dans le territoire réunit {pourcent(first['part'], 0)} de ses emplois salariés "
        f"privés en {last}. Entre 2018 et {last}, la croissance annuelle moyenne va de {valeur(slow['tcam_apres'], '%/an')} "
        f"({slow['lib_epci']}) à {valeur(fast['tcam_apres'], '%/an')} ({fast['lib_epci']})."
    )


def tableau_epci_emploi(table: pd.DataFrame) -> pd.DataFrame:
    """``portrait.tableau_epci_emploi`` as a French table."""
    years = [c.removeprefix("emploi_") for c in table.columns if c.startswith("emploi_")]
    spec = {"lib_epci": ("EPCI (communes du territoire)", None)}
    spec |= {f"emploi_{y}": (f"Emplois {y}", 0) for y in years}
    spec |= {"tcam_avant": (f"Croissance {years[0]}-{years[1]}", lambda v: valeur(v, "%/an", "–")),
             "tcam_apres": (f"Croissance {years[1]}-{years[2]}", lambda v: valeur(v, "%/an", "–")),
             "part": (f"Part des emplois {years[2]} (%)", 1)}
    return texte.tableau(table, spec)


def texte_communes(variations: pd.DataFrame, debut: int, fin: int, n: int) -> str:
    """The ``n`` communes with the most jobs, their weight, and the commune that moved most."""
    total = variations["variation"].sum()
    top = variations.head(n)
    mover = variations.loc[variations["variation"].abs().idxmax()]
    sens = "gagné" if mover["variation"] > 0 else "perdu"
    return (
        f"Les {nombre(len(top))} communes qui comptent le plus d'emplois salariés privés en {fin} en réunissent "
        f"{pourcent(top['part'].sum(), 0)}. Entre {debut} et {fin}, l'emploi du territoire a varié de "
        f"{'+' if total > 0 else ''}{nombre(total)} ; la commune qui a le plus bougé, {mover['lib_com']}, a {sens} "
        f"{nombre(abs(mover['variation']))} emplois ({pourcent(mover['variation_pct'], 1, signed=True)})."
    )


# --- Marché du travail et population --------------------------------------------------------

# Indicators of the table against the peers, in order (row labels from the registry).
PAIRS_INDICATEURS = (
    "taux_chomage", "demandeurs_emploi_evol", "taux_emploi_1564", "part_diplomes_superieur", "part_sans_bac", "part_cadres",
    "part_ouvriers", "revenu_median", "taux_pauvrete", "croissance_population", "dvf_prix_maison",
)


def tableau_pairs(valeurs: pd.DataFrame, registre: pd.DataFrame, observations: pd.DataFrame) -> pd.DataFrame:
    """``positions.valeurs_groupes`` (indicator × territory, peers, profile, France) in French:
    one row per indicator labelled with its short label, unit and period (``registry.heading``),
    bare numbers in the cells with the registry's decimals."""
    reg = registre.set_index("name")
    per = observations.set_index("indicator")["observation"]
    out = pd.DataFrame(
        {"Indicateur": [heading(i, texte.observation_fr(per.get(i, ""), court=True)) for i in valeurs.index]}
    )
    for column in valeurs.columns:
        out[column] = [
            "–" if pd.isna(v) else ("+" if reg.loc[i, "unit"] == "%/an" and v > 0 else "") + nombre(v, indicator(i).decimals)
            for i, v in valeurs[column].items()
        ]
    return out


def texte_pairs(valeurs: pd.DataFrame, registre: pd.DataFrame, nom: str, voisins: list[str]) -> str:
    """Where the territory is the highest or the lowest among itself and its peers."""
    reg = registre.set_index("name")
    group = valeurs[[nom, *voisins]]
    top = [i for i in valeurs.index if pd.notna(group.loc[i, nom]) and group.loc[i, nom] == group.loc[i].max()]
    bottom = [i for i in valeurs.index if pd.notna(group.loc[i, nom]) and group.loc[i, nom] == group.loc[i].min()]

    def names(items: list[str]) -> str:
        return ", ".join(texte.minuscule(reg.loc[i, "label"]) for i in items)

    parts = []
    if top:
        parts.append(f"la valeur la plus élevée pour : {names(top)}")
    if bottom:
        parts.append(f"la plus basse pour : {names(bottom)}")
    if not parts:
        return f"Sur ces indicateurs, {nom} n'a la valeur extrême sur aucun indicateur parmi lui et ses voisins."
    return f"Parmi lui et ses {pluriel(len(voisins), 'voisin')}, {texte.le(nom)} a " + " ; ".join(parts) + "."


# --- Programmes -----------------------------------------------------------------------------


def _communes_du(table: pd.DataFrame, code: str) -> tuple[int, str]:
    """Number of communes of the programme ``code`` in ``table`` (``recoupements.programmes_territoire``) and their names."""
    row = table.set_index("programme").loc[PROGRAMMES_VILLES[code]]
    return int(row["n"]), row["communes"]


def texte_programmes(table: pd.DataFrame, lib_ti: str) -> str:
    """French sentence on the territory's communes in Action cœur de ville (current list, its
    second stage, the list of 2018) and Petites villes de demain, naming only the programmes
    present. ``table``: ``recoupements.programmes_territoire`` (communes, not towns: a town of
    the programme may hold several communes)."""
    acv, acv_communes = _communes_du(table, "ACV")
    acv2, acv2_communes = _communes_du(table, "ACV 2")
    acv2018, _ = _communes_du(table, "ACV 2018")
    pvd, pvd_communes = _communes_du(table, "PVD")
    if acv + pvd == 0:
        return f"Aucune commune {texte.de(lib_ti)} n'est retenue par Action cœur de ville ni par Petites villes de demain."
    parts = []
    if acv:
        detail = [f"dont {texte.en_lettres(acv2, feminin=True)} en Action cœur de ville 2 ({acv2_communes})"] if acv2 else []
        toutes = {1: "", 2: "les deux "}.get(acv, "toutes ")
        detail.append(
            "aucune dans la liste de 2018" if acv2018 == 0
            else f"{toutes if acv2018 == acv else texte.en_lettres(acv2018, feminin=True) + ' '}dans la liste de 2018"
        )
        parts.append(f"{pluriel(acv, 'commune')} en Action cœur de ville ({acv_communes} ; {', '.join(detail)})")
    if pvd:
        parts.append(f"{pluriel(pvd, 'commune')} en Petites villes de demain ({pvd_communes})")
    both = bool(acv and pvd)
    autre = "aux programmes de revitalisation des centres, qui financent" if both else (
        f"{'à Action cœur de ville' if acv else 'à Petites villes de demain'}, programme de revitalisation des centres qui finance")
    return (
        f"{texte.majuscule(texte.le(lib_ti))} compte {' et '.join(parts)} : le programme industriel s'y superpose {autre} surtout l'habitat, le commerce "
        "et les espaces publics."
    )


def tableau_signatures(signatures: pd.DataFrame) -> pd.DataFrame:
    """``recoupements.signatures_territoire`` as a French table: programme, town of the
    programme, commune, signature date of the convention."""
    return texte.tableau(
        signatures,
        {"programme": ("Programme", None), "lib_programme": ("Ville du programme", None), "lib_com": ("Commune", None),
         "date_signature": ("Convention signée le", texte.date_fr)},
    )


def texte_recoupement(villes: pd.DataFrame, communes: pd.DataFrame) -> str:
    """Share of the territory's inhabitants living in a commune of Action cœur de ville or
    Petites villes de demain, naming the programmes present.

    ``villes``: ``referentiel.villes_programmes`` rows of the territory; ``communes``: its communes."""
    own = villes.loc[villes["programme"].isin(["ACV", "ACV 2", "PVD"])]
    if own.empty:
        return ""
    pop = communes["population"].fillna(0)
    share = 100 * pop[communes["insee_com"].isin(own["insee_com"].unique())].sum() / pop.sum()
    present = [nom for nom, codes in (("Action cœur de ville", {"ACV", "ACV 2"}), ("Petites villes de demain", {"PVD"}))
               if own["programme"].isin(codes).any()]
    return (
        f"Ces communes regroupent {pourcent(share, 0)} des habitants du territoire : la part de sa population où Territoires "
        f"d'industrie et {' ou '.join(present)} se superposent."
    )


FONDS_VERT_SIEGE = (
    "la liste nationale situe chaque projet dans une commune qui est souvent le siège du bénéficiaire (un syndicat "
    "intercommunal, un département), non le lieu des travaux"
)
FONDS_VERT_PAS_ENCORE = "La liste des projets du Fonds vert 2023 n'est pas encore publiée à cette date."


def texte_fonds_vert(fv: FondsVert | None, id_ti: str, lib_ti: str) -> str:
    """French sentence: the Fonds vert 2023 projects located in the territory's communes, their
    amount per inhabitant against the median of the phase's territories, and the caveat on the
    commune. ``fv``: ``fonds_vert.fonds_vert`` (None before the list is published)."""
    if fv is None:
        return FONDS_VERT_PAS_ENCORE
    row = fv.totaux.set_index("id_ti").loc[id_ti]
    n = int(row["n_projets"])
    if n == 0:
        return f"Aucun projet du Fonds vert 2023 n'est situé dans une commune {texte.de(lib_ti)} ; {FONDS_VERT_SIEGE}."
    own = fv.projets.loc[fv.projets["id_ti"] == id_ti]
    mesure = own.groupby("mesure")["montant"].sum().sort_values(ascending=False)
    compare = texte.verdict(row["montant_par_habitant"], fv.mediane, "€", ("plus", "moins", "autant"))
    millions = round(row["montant"] / 1e6, 1)
    montant = (f"{nombre(millions, 1)} {texte.accord(int(millions), 'million')} d'euros" if millions >= 1
               else f"{nombre(round(row['montant'], -3))} euros")
    return (
        f"En 2023, le Fonds vert a engagé {montant} pour {pluriel(n, 'projet')} "
        f"{texte.accord(n, 'situé')} dans les communes {texte.de(lib_ti)}, soit {nombre(row['montant_par_habitant'])} € par habitant : "
        f"{compare} que la médiane des territoires de la phase ({nombre(fv.mediane)} € par habitant). La première mesure en "
        f"montant est « {mesure.index[0]} » ({pourcent(100 * mesure.iloc[0] / row['montant'], 0)} du total). Prudence : "
        f"{FONDS_VERT_SIEGE}."
    )


def tableau_fonds_vert(fv: FondsVert, id_ti: str, n: int = 12) -> pd.DataFrame:
    """The ``n`` largest Fonds vert 2023 projects located in the territory, as a French table."""
    own = fv.projets.loc[fv.projets["id_ti"] == id_ti].sort_values(["montant", "projet"], ascending=[False, True]).head(n)
    return texte.tableau(
        own,
        {"lib_com": ("Commune", None), "beneficiaire": ("Bénéficiaire", None), "mesure": ("Mesure", None),
         "projet": ("Projet", None), "montant": ("Montant (€)", 0)},
    )


def texte_relance(departements: pd.DataFrame, series: pd.DataFrame, poids_population: pd.Series) -> str:
    """France Relance industrial firms in the territory's départements against France.

    ``departements``: rows of ``france_relance.relance_par_departement`` (phase 1); ``series``:
    ``france_relance.relance_departements``; ``poids_population``: share (%) of the territory's
    inhabitants in each département.
    """
    last = series["mois"].max()
    at = series.loc[series["mois"] == last].set_index("departement")
    france = at.loc["FR", "entreprises_100k"]
    items = [
        f"{r.lib_departement} ({pourcent(poids_population[r.departement], 0)} de ses habitants) : {nombre(r.entreprises)} entreprises, "
        f"{nombre(at.loc[r.departement, 'entreprises_100k'], 1)} pour 100 000 habitants, département où le poids des territoires "
        f"d'industrie de la phase 1 est {r.groupe.removeprefix('poids des TI ')} ({pourcent(r.part_population_ti, 0)} de la population)"
        for r in departements.itertuples()
    ]
    return (
        "France Relance (2020-2022) n'est suivi que par département : on ne sait pas combien des entreprises aidées sont "
        f"dans le territoire lui-même. Fin {texte.observation_fr(last)}, les entreprises industrielles aidées par ses aides à "
        f"l'investissement étaient, dans {'ses départements' if len(items) > 1 else 'son département'} : "
        + " ; ".join(items)
        + f". En France, {nombre(france, 1)} pour 100 000 habitants."
    )


def texte_relance_emplois(table: pd.DataFrame, departements: list[str]) -> str:
    """France Relance industrial firms per 1,000 private salaried jobs in the territory's
    ``departements`` against France (``table``: ``france_relance.comparer_relance_aux_emplois``):
    « Loiret (45) : 0,59 entreprise industrielle aidée par France Relance pour 1 000 emplois
    salariés privés de 2019, 61e des 100 départements, 15 % de plus qu'en France ; France : 0,51
    (fin décembre 2022). » and how the figures are made."""
    own = table.set_index("departement").loc[departements]
    first = own.iloc[0]
    france = first["pour_1000_france"]

    def item(r, long: bool) -> str:
        ecart = 100 * (r.pour_1000 / france - 1)
        quoi = (f" {texte.accord(r.pour_1000, 'entreprise industrielle aidée', 'entreprises industrielles aidées')} par France "
                f"Relance pour {nombre(1000)} emplois salariés privés de {int(r.annee)}") if long else ""
        return (f"{r.lib_departement} ({r.Index}) : {nombre(r.pour_1000, 2)}{quoi}, {texte.ordinal(int(r.rang))} des "
                f"{nombre(r.n_departements)} départements, {pourcent(abs(ecart), 0)} de {'plus' if ecart > 0 else 'moins'} qu'en France")

    items = [item(r, i == 0) for i, r in enumerate(own.itertuples())]
    return (
        f"{' ; '.join(items)} ; France : {nombre(france, 2)} (fin {texte.observation_fr(first['mois'])}). L'emploi de "
        f"{int(first['annee'])}, dernière année avant le plan et la crise sanitaire, ne doit rien aux aides ; l'emploi industriel "
        "n'est pas connu par département dans les données de l'observatoire. Le chiffre national est le total des entreprises "
        f"des {nombre(first['n_departements'])} départements dont l'emploi est publié rapporté au total de leurs emplois, non "
        "une moyenne des départements."
    )


def tableau_relance_emplois(table: pd.DataFrame, departements: list[str]) -> pd.DataFrame:
    """The territory's départements and France: firms supported, private jobs, firms per 1,000
    jobs and rank, as a French table."""
    own = table.set_index("departement").loc[departements].reset_index()
    first = own.iloc[0]
    france = pd.DataFrame({"lib_departement": ["France"], "entreprises": [first["entreprises_france"]],
                           "emplois": [first["emplois_france"]], "pour_1000": [first["pour_1000_france"]], "rang": [None]})

    def rang(v: object) -> str:
        return "" if pd.isna(v) else texte.rang_fr(v, int(first["n_departements"]))

    return texte.tableau(pd.concat([own, france], ignore_index=True), {
        "lib_departement": ("Département", None),
        "entreprises": (f"Entreprises aidées ({texte.observation_fr(first['mois'], court=True)})", 0),
        "emplois": (f"Emplois salariés privés ({int(first['annee'])})", 0),
        "pour_1000": ("Pour 1 000 emplois", 2),
        "rang": ("Rang", rang),
    })


# --- Ses EPCI face à des EPCI témoins (the evaluation's counterfactual) ------------------------


def texte_impact_territoire(it: ImpactTerritoire) -> str:
    """French paragraph: the territory's EPCI path vs the reweighted controls, and why a single
    territory's effect is not identified."""
    if it.cohort is None:
        return (
            "Aucun EPCI du territoire ne figure dans le panel d'évaluation (EPCI couverts à moins de 50 % ou hors de France "
            "métropolitaine) : la comparaison avec des EPCI témoins n'est pas possible."
        )
    if it.result is None:  # the employment of the entry year is not published yet
        return evaluation_impact.texte_pas_encore_did(it.cohort, it.derniere_annee)
    t = it.trajectoire.set_index(impact.TIME)
    base, last = it.cohort - 1, int(t.index.max())
    n = int((it.epci["cohorte"] == it.cohort).sum())
    others = len(it.epci) - n
    compte = "n'est pas compté" if others == 1 else "ne sont pas comptés"
    note = (
        f" ({pluriel(others, 'autre EPCI membre', 'autres EPCI membres')}, {texte.accord(others, 'entré')} à une autre date ou "
        f"{texte.accord(others, 'couvert')} en partie, {compte})"
        if others else ""
    )
    gap = t.loc[last, "ecart"]
    return (
        f"{texte.majuscule(texte.article(n, 'EPCI', 'EPCI'))} du territoire {texte.accord(n, 'entré')} dans le programme en "
        f"{it.cohort}{note} {'a vu son' if n == 1 else 'ont vu leur'} emploi salarié privé passer "
        f"de l'indice 100 en {base} à {nombre(t.loc[last, 'territoire'], 1)} en {last}, contre {nombre(t.loc[last, 'temoins'], 1)} "
        f"pour la moyenne repondérée des {nombre(it.result.n_controls)} EPCI témoins ({it.result.design}, pondérés pour ressembler "
        f"aux EPCI traités avant {it.cohort}) : un écart de {'+' if gap > 0 else ''}{nombre(gap, 1)} point{'s' if abs(gap) >= 2 else ''}. "
        "Cet écart n'est pas l'effet du programme sur ce territoire : pour un seul territoire, l'effet n'est pas identifié, car "
        "les chocs propres au territoire (une usine qui ouvre ou ferme, un sous-traitant qui perd un client) se confondent avec "
        "lui. Seule l'estimation sur l'ensemble des EPCI entrés la même année, rappelée ci-dessous, a un sens statistique."
    )
