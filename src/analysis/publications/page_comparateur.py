"""The comparison of a territory with its peers as a reader sees it: the table of key figures
and ranks in French, and the series of one indicator for the group (a figure whose data it
carries, ``figures.lignes``).

Example (JupyterLab)::

    from analysis.publications.page_comparateur import comparer
    table, fig = comparer("ti-2405", 2, "2026-11", serie="taux_chomage")
    table                                     # one row per territory, values and ranks
    fig                                       # the unemployment rate of the group, quarter by quarter
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from analysis.analyses import comparateur, profils
from analysis.fichiers import write_atomic
from analysis.indicateurs.build import read_indicators
from analysis.indicateurs.registry import INDICATORS, heading, indicator, key_figures
from analysis.publications.figures import lignes
from analysis import config, mois
from analysis.texte import nombre, observation_fr, rang_fr


def nom(id_ti: str, lib: str, phase: int) -> str:
    """How a reader copies a territory: 'Grand Est Touraine (ti-2405, phase 2)'."""
    return f"{lib} ({id_ti}, phase {phase})"


def tableau_comparaison(table: pd.DataFrame, phase: int) -> pd.DataFrame:
    """``analyses.comparateur.tableau`` in French: one row per territory (``nom``), then per
    indicator its value with the registry's decimals under its heading (short label, unit,
    period) and its rank among the TI of the phase ('3e sur 183', 'n.d.' without rank)."""
    out = pd.DataFrame({"Territoire": [nom(t, lib, phase) for t, lib in zip(table["id_ti"], table["lib"])]})
    observations = table.attrs.get("observations", {})
    for name in (c for c in table.columns if c not in {"id_ti", "lib"} and not c.endswith(("_rang", "_n"))):
        column = heading(name, observation_fr(observations.get(name, ""), court=True) if observations.get(name) else "")
        out[column] = ["n.d." if pd.isna(v) else nombre(v, indicator(name).decimals) for v in table[name]]
        out[f"Rang, {indicator(name).short_label}"] = [rang_fr(r, n) for r, n in zip(table[f"{name}_rang"], table[f"{name}_n"])]
    return out


def figure_serie(serie: pd.DataFrame, indicateur: str, id_ti: str) -> Figure:
    """The values of ``indicateur`` over its observations (``analyses.comparateur.series``), one
    line per territory, territory ``id_ti`` drawn thicker; the figure carries its data."""
    ind = indicator(indicateur)
    names = dict(zip(serie["id_ti"], serie["lib"]))
    drawn = serie.assign(territoire=serie["id_ti"].map(names))
    return lignes(
        drawn, "date", "value", "territoire", titre=ind.label, ylabel=ind.display_unit, principale=names.get(id_ti),
        source=ind.source, ordre=list(dict.fromkeys(drawn["territoire"])), unite=ind.display_unit,
    )


def comparer(id_ti: str, phase: int, periode: str, pairs: Sequence[str] | None = None,
             indicateurs: Sequence[str] | None = None, serie: str = "emploi_prive") -> tuple[pd.DataFrame, Figure]:
    """``analyses.comparateur.comparer`` as a reader sees it: (French table, figure of the
    series of ``serie`` for the group).

    >>> table, fig = comparer("ti-2405", 2, "2026-11", pairs=["ti-8402", "ti-5206"], serie="taux_chomage")
    """
    comparaison = comparateur.comparer(id_ti, phase, periode, pairs, indicateurs)
    return tableau_comparaison(comparaison.tableau, phase), figure_serie(comparaison.serie(serie), serie, id_ti)


# --- the offline page: every TI of a phase, its neighbours, the table and the series -------------

def indicateurs_series(long: pd.DataFrame) -> list[str]:
    """The registry indicators of ``long`` observed at more than one period, in registry order."""
    counts = long.groupby("indicator")["observation"].nunique()
    return [name for name in INDICATORS if counts.get(name, 0) > 1]


def mois_publies_json(publie: pd.DataFrame, ids: Sequence[str]) -> dict:
    """Per indicator, what each published month said (``analyses.comparateur.valeurs_publiees``): the
    months, the observation each gave, and per TI of ``ids`` the value and the revision of the
    previous month's value (None when not given)."""
    def number(v) -> float | None:
        return None if pd.isna(v) else float(v)

    out = {}
    for name, rows in publie.groupby("indicator", sort=False):
        months = sorted(rows["periode"].unique())
        observations = rows.drop_duplicates("periode").set_index("periode")["observation"].reindex(months)
        values = rows.pivot(index="periode", columns="id_ti", values="value").reindex(months)
        revisions = rows.pivot(index="periode", columns="id_ti", values="revision").reindex(months)
        out[name] = {
            "mois": months, "observations": observations.tolist(),
            "valeurs": {t: [number(v) for v in values[t]] for t in ids if t in values.columns},
            "revisions": {t: [number(v) for v in revisions[t]] for t in ids if t in revisions.columns},
        }
    return out


def donnees_page(table: pd.DataFrame, long: pd.DataFrame, voisins: dict[str, list[str]], phase: int, periode: str,
                 publie: pd.DataFrame | None = None) -> dict:
    """What the page embeds, from ``analyses.comparateur.tableau`` of every TI of the phase
    (``table``) and their ``series``: territories (name, default peers), indicators of the table
    (heading, decimals, [value, rank, n] per TI), series (observations, values per TI) and what
    each published month said of them (``publie``, ``mois_publies_json``)."""
    observations = table.attrs.get("observations", {})
    names = [c for c in table.columns if c not in {"id_ti", "lib"} and not c.endswith(("_rang", "_n"))]
    ids = table["id_ti"].tolist()

    def number(v) -> float | None:
        return None if pd.isna(v) else float(v)

    series_json = {}
    for name in indicateurs_series(long):
        serie = comparateur.series(long, ids, name)
        order = serie.drop_duplicates("observation").sort_values("date")
        grid = serie.pivot(index="observation", columns="id_ti", values="value").reindex(order["observation"])
        ind = indicator(name)
        series_json[name] = {
            "titre": ind.label, "unite": ind.display_unit, "decimales": ind.decimals, "source": ind.source,
            "x": order["observation"].tolist(), "dates": order["date"].dt.strftime("%Y-%m-%d").tolist(),
            "valeurs": {t: [number(v) for v in grid[t]] for t in grid.columns},
        }
    return {
        "phase": phase, "periode": periode,
        "territoires": {t: {"lib": lib, "voisins": voisins.get(t, [])} for t, lib in zip(ids, table["lib"])},
        "indicateurs": [
            {"nom": n, "titre": heading(n, observation_fr(observations[n], court=True) if observations.get(n) else ""),
             "court": indicator(n).short_label, "decimales": indicator(n).decimals,
             "valeurs": {t: [number(v), number(r), int(k)] for t, v, r, k in zip(ids, table[n], table[f"{n}_rang"], table[f"{n}_n"])}}
            for n in names
        ],
        "series": series_json,
        "publie": mois_publies_json(publie if publie is not None else pd.DataFrame(columns=comparateur.PUBLIEES), ids),
    }


# Plain JavaScript, no library, no request: the data are in the page (``DONNEES``).
SCRIPT = r"""
(function () {
 var D = JSON.parse(document.getElementById("donnees-comparateur").textContent);
 var COULEURS = ["#1f4e79", "#c0504d", "#4f9d69", "#8064a2", "#e69500", "#4bacc6", "#7f7f7f", "#9e480e", "#2c7fb8", "#b2427e"];
 var SVGNS = "http://www.w3.org/2000/svg";
 var choix = document.getElementById("territoire"), pairs = document.getElementById("pairs");
 var serie = document.getElementById("serie"), message = document.getElementById("message");
 function nombre(v, d) {
  return v === null ? "n.d." : v.toLocaleString("fr-FR", {minimumFractionDigits: d, maximumFractionDigits: d});
 }
 function nom(t) { return D.territoires[t].lib + " (" + t + ", phase " + D.phase + ")"; }
 Object.keys(D.territoires).forEach(function (t) {
  var o = document.createElement("option"); o.value = t; o.textContent = nom(t); choix.appendChild(o);
 });
 Object.keys(D.series).forEach(function (s) {
  var o = document.createElement("option"); o.value = s; o.textContent = D.series[s].titre; serie.appendChild(o);
 });
 function groupe() {
  var t = choix.value, typed = pairs.value.split(/[\s,;]+/).filter(function (x) { return x; });
  var unknown = typed.filter(function (x) { return !D.territoires[x]; });
  message.textContent = unknown.length ? "Identifiant(s) inconnu(s) en phase " + D.phase + " : " + unknown.join(", ")
   + " (les identifiants sont de la forme ti-2405 ; voir la liste des territoires ci-dessus)" : "";
  var peers = typed.length ? typed.filter(function (x) { return D.territoires[x]; }) : D.territoires[t].voisins;
  var ids = [t];
  peers.forEach(function (x) { if (ids.indexOf(x) < 0) { ids.push(x); } });
  return ids;
 }
 function tableau(ids) {
  var head = "<tr><th scope='col'>Indicateur</th>" + ids.map(function (t) { return "<th scope='col'>" + nom(t) + "</th>"; }).join("") + "</tr>";
  var rows = D.indicateurs.map(function (ind) {
   return "<tr><th scope='row'>" + ind.titre + "</th>" + ids.map(function (t) {
    var v = ind.valeurs[t];
    return "<td class='nombre'>" + nombre(v[0], ind.decimales) + "<br><small>" + (v[1] === null ? "sans rang" : v[1] + "<sup>e</sup> sur " + v[2]) + "</small></td>";
   }).join("") + "</tr>";
  });
  document.getElementById("tableau").innerHTML = "<thead>" + head + "</thead><tbody>" + rows.join("") + "</tbody>";
 }
 function el(name, attrs, text) {
  var e = document.createElementNS(SVGNS, name);
  Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
  if (text !== undefined) { e.textContent = text; }
  return e;
 }
 var MOIS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
 function moisFr(m) { return MOIS[parseInt(m.slice(5, 7), 10) - 1] + " " + m.slice(0, 4); }
 // one line per territory of ids over xs (numbers), ticks labelled by xlabels; a hollow ring marks a revised value
 function trace(svg, legende, xs, xlabels, valeurs, revisions, ids, titre, decimales) {
  while (svg.firstChild) { svg.removeChild(svg.firstChild); }
  var W = 720, H = 320, L = 60, R = 24, T = 10, B = 30;
  var all = [];
  ids.forEach(function (t) { (valeurs[t] || []).forEach(function (v) { if (v !== null) { all.push(v); } }); });
  svg.setAttribute("aria-label", titre + " : " + ids.map(nom).join(", "));
  svg.appendChild(el("title", {}, titre));
  legende.innerHTML = "";
  if (!all.length) { svg.appendChild(el("text", {x: L, y: H / 2}, "Aucune valeur pour ce groupe.")); return; }
  var lo = Math.min.apply(null, all), hi = Math.max.apply(null, all);
  if (lo === hi) { lo -= 1; hi += 1; }
  var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
  function px(x) { return x1 === x0 ? (L + W - R) / 2 : L + (x - x0) / (x1 - x0) * (W - L - R); }
  function py(y) { return T + (hi - y) / (hi - lo) * (H - T - B); }
  for (var k = 0; k <= 4; k++) {
   var y = lo + (hi - lo) * k / 4;
   svg.appendChild(el("line", {x1: L, x2: W - R, y1: py(y), y2: py(y), stroke: "#dddddd"}));
   svg.appendChild(el("text", {x: L - 6, y: py(y) + 4, "text-anchor": "end", "font-size": 11}, nombre(y, decimales)));
  }
  var ticks = {};
  xlabels.forEach(function (label, i) { if (!(label in ticks)) { ticks[label] = xs[i]; } });
  var labels = Object.keys(ticks), step = Math.ceil(labels.length / 7);
  labels.forEach(function (label, i) {
   if (i % step === 0) { svg.appendChild(el("text", {x: px(ticks[label]), y: H - 8, "text-anchor": "middle", "font-size": 11}, label)); }
  });
  ids.forEach(function (t, i) {
   var pts = [], vals = valeurs[t] || [], revs = (revisions || {})[t] || [];
   var colour = COULEURS[i % COULEURS.length];
   vals.forEach(function (v, j) { if (v !== null) { pts.push([px(xs[j]), py(v), revs[j]]); } });
   if (pts.length > 1) {
    svg.appendChild(el("polyline", {points: pts.map(function (p) { return p[0].toFixed(1) + "," + p[1].toFixed(1); }).join(" "),
     fill: "none", stroke: colour, "stroke-width": i === 0 ? 3 : 1.5}));
   }
   pts.forEach(function (p) {
    if (pts.length === 1) { svg.appendChild(el("circle", {cx: p[0], cy: p[1], r: 3, fill: colour})); }
    if (p[2]) { svg.appendChild(el("circle", {cx: p[0], cy: p[1], r: 5, fill: "#ffffff", stroke: colour, "stroke-width": 2, "class": "revision"})); }
   });
   var li = document.createElement("li");
   li.innerHTML = "<span style='background:" + colour + "'></span>" + nom(t) + (pts.length ? "" : " : aucune valeur");
   legende.appendChild(li);
  });
 }
 function figure(ids) {
  var S = D.series[serie.value];
  trace(document.getElementById("figure"), document.getElementById("legende"), S.dates.map(function (d) { return Date.parse(d); }),
   S.dates.map(function (d) { return d.slice(0, 4); }), S.valeurs, null, ids, S.titre + " (" + S.unite + ")", S.decimales);
  document.getElementById("source").textContent = "Source : " + S.source + ". Observations de " + S.x[0] + " à " + S.x[S.x.length - 1] + ".";
 }
 // what the observatory said each month it published, and how the next month revised it
 function publie(ids) {
  var S = D.series[serie.value], P = D.publie[serie.value], svg = document.getElementById("figure-mois");
  var table = document.getElementById("tableau-mois"), info = document.getElementById("mois-publies");
  if (!P || !P.mois.length) {
   while (svg.firstChild) { svg.removeChild(svg.firstChild); }
   svg.setAttribute("aria-label", "Aucun mois publié conservé pour cet indicateur");
   document.getElementById("legende-mois").innerHTML = ""; table.innerHTML = "";
   info.textContent = "Aucun mois publié n'est conservé pour cet indicateur (observatoire historique construit les mois passés).";
   return;
  }
  trace(svg, document.getElementById("legende-mois"), P.mois.map(function (m) { return Date.parse(m + "-01"); }), P.mois.map(moisFr),
   P.valeurs, P.revisions, ids, S.titre + " (" + S.unite + "), valeur publiée chaque mois", S.decimales);
  var revised = 0;
  var rows = P.mois.map(function (m, j) {
   return "<tr><th scope='row'>" + moisFr(m) + "</th><td>" + P.observations[j] + "</td>" + ids.map(function (t) {
    var v = (P.valeurs[t] || [])[j], r = (P.revisions[t] || [])[j];
    if (r) { revised += 1; }
    return "<td class='nombre'>" + nombre(v === undefined ? null : v, S.decimales)
     + (r ? "<br><small class='revision'>valeur du mois précédent révisée de " + (r > 0 ? "+" : "") + nombre(r, S.decimales + 1) + "</small>" : "") + "</td>";
   }).join("") + "</tr>";
  });
  table.innerHTML = "<caption>" + S.titre + " : valeur publiée chaque mois, observation la plus récente de ce mois</caption><thead><tr>"
   + "<th scope='col'>Mois publié</th><th scope='col'>Observation</th>"
   + ids.map(function (t) { return "<th scope='col'>" + nom(t) + "</th>"; }).join("") + "</tr></thead><tbody>" + rows.join("") + "</tbody>";
  info.textContent = (P.mois.length > 1 ? P.mois.length + " mois publiés, de " + moisFr(P.mois[0]) + " à " + moisFr(P.mois[P.mois.length - 1])
   : "1 mois publié, " + moisFr(P.mois[0])) + " ; " + (revised ? revised + " valeur(s) du mois précédent révisée(s) dans ce groupe (cercle clair sur la figure)."
   : "aucune valeur du mois précédent révisée dans ce groupe.");
 }
 function montrer() { var ids = groupe(); tableau(ids); figure(ids); publie(ids); }
 // the address may name the state: comparateur.html#territoire=ti-2405&pairs=ti-8402,ti-5206&serie=emploi_prive
 var q = new URLSearchParams(location.hash.slice(1));
 choix.value = D.territoires[q.get("territoire")] ? q.get("territoire") : D.defaut;
 pairs.value = q.get("pairs") || "";
 serie.value = D.series[q.get("serie")] ? q.get("serie") : D.serie_defaut;
 [choix, pairs, serie].forEach(function (e) { e.addEventListener("input", montrer); e.addEventListener("change", montrer); });
 montrer();
})();
"""

STYLE = """body { font-family: sans-serif; max-width: 1100px; margin: 1em auto; padding: 0 1em; color: #222; }
label { display: block; margin-top: .6em; font-weight: bold; }
select, input { font-size: 1em; max-width: 100%; }
.defile { overflow-x: auto; }
table { border-collapse: collapse; margin-top: 1em; }
th, td { border-bottom: 1px solid #ccc; padding: .3em .5em; vertical-align: top; }
td.nombre { text-align: right; }
#message { color: #a00000; }
#legende, .legende { list-style: none; padding: 0; }
#legende span, .legende span { display: inline-block; width: 1.2em; height: .6em; margin-right: .4em; }
caption { text-align: left; font-weight: bold; }
small.revision { color: #8a4b00; }
svg { max-width: 100%; height: auto; }"""


def page_html(donnees: dict, id_ti: str, serie: str) -> str:
    """The comparator page: the data embedded as JSON, the form, the table, the SVG figure and
    the script; ``id_ti`` and ``serie`` are shown first, unless the address says otherwise
    (``#territoire=ti-2405&pairs=ti-8402,ti-5206&serie=emploi_prive``). Works from a file,
    without network."""
    data = json.dumps(donnees | {"defaut": id_ti, "serie_defaut": serie}, ensure_ascii=False, separators=(",", ":"))
    data = data.replace("</", "<\\/")  # never closes the script element
    titre = f"Comparateur des territoires d'industrie, phase {donnees['phase']} ({donnees['periode']})"
    return f"""<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{titre}</title><style>{STYLE}</style></head>
<body>
<nav><a href="../{mois.INDEX_PAGE}">Accueil de l'observatoire</a></nav>
<main>
<h1>{titre}</h1>
<p>Choisissez un territoire et son groupe de comparaison : par défaut ses voisins dans la typologie (les territoires du
même profil les plus proches), ou les identifiants que vous tapez. Les rangs sont ceux parmi tous les territoires de la
phase qui ont une valeur (1 = la valeur la plus haute). La même comparaison s'obtient dans JupyterLab avec
<code>analysis.publications.page_comparateur.comparer</code>.</p>
<label for="territoire">Territoire</label><select id="territoire"></select>
<label for="pairs">Groupe de comparaison (identifiants séparés par des virgules ; vide = voisins dans la typologie)</label>
<input id="pairs" type="text" size="60" placeholder="par exemple ti-8402, ti-5206" autocomplete="off">
<p id="message" role="status"></p>
<h2>Indicateurs clés et rangs</h2>
<div class="defile" tabindex="0" role="region" aria-label="Indicateurs clés et rangs (défile horizontalement)"><table id="tableau"></table></div>
<h2>Évolution d'un indicateur</h2>
<label for="serie">Indicateur</label><select id="serie"></select>
<svg id="figure" viewBox="0 0 720 320" width="720" height="320" role="img" aria-label=""></svg>
<ul id="legende"></ul>
<p id="source"></p>
<h2>Le même indicateur, mois après mois de publication</h2>
<p>Ce que l'observatoire a publié chaque mois pour cet indicateur : la valeur de l'observation la plus récente ce
mois-là. Quand un mois change la valeur que le mois précédent avait donnée pour la même observation (révision des
sources), la figure le marque d'un cercle clair et le tableau dit de combien.</p>
<p id="mois-publies"></p>
<svg id="figure-mois" viewBox="0 0 720 320" width="720" height="320" role="img" aria-label=""></svg>
<ul id="legende-mois" class="legende"></ul>
<div class="defile" tabindex="0" role="region" aria-label="Valeurs publiées chaque mois (défile horizontalement)"><table id="tableau-mois"></table></div>
</main>
<script type="application/json" id="donnees-comparateur">{data}</script>
<script>{SCRIPT}</script>
</body>
</html>
"""


def ecrire_page(periode: str, phase: int, dossier: Path, id_ti: str = "ti-2405", serie: str = "taux_chomage") -> Path:
    """Write the comparator page of every TI of ``phase`` as of ``periode`` into ``dossier`` (the
    home page's ``donnees`` folder, ``mois.accueil_donnees``), in full or not at all."""
    wide = read_indicators(phase, periode, "wide")
    ids = wide.loc[wide["niveau"] == "ti", "id_ti"].tolist()
    typo = profils.typologie_du_mois(phase, periode)
    voisins = {t: comparateur.voisins_par_defaut(typo, t) for t in ids if t in typo.labels.index}
    table = comparateur.tableau(wide, read_indicators(phase, periode, "observations"), ids, key_figures())
    long = read_indicators(phase, periode, "long")
    publie = comparateur.valeurs_publiees(phase, periode, ids, indicateurs_series(long))
    donnees = donnees_page(table, long, voisins, phase, periode, publie)
    html = page_html(donnees, id_ti if id_ti in voisins else ids[0], serie)
    return write_atomic(dossier / mois.comparateur(phase), lambda tmp: tmp.write_text(html, encoding="utf-8"))


def texte_comparateur(periode: str, dossier: Path, phases: tuple[int, ...] = config.PHASES) -> str:
    """Write the comparator page of each phase (``ecrire_page``) into ``dossier`` and return the
    home page's French paragraph linking to them (links relative to the site root)."""
    liens = []
    for phase in phases:
        ecrire_page(periode, phase, dossier)
        liens.append(f"[comparateur de la phase {phase}]({mois.DONNEES_ACCUEIL}/{mois.comparateur(phase)})")
    return (
        "Comparez un territoire à ses voisins dans la typologie, ou aux territoires de votre choix : indicateurs clés "
        "côte à côte avec leur rang parmi les territoires de la phase, et évolution d'un indicateur pour le groupe. "
        "La page fonctionne hors connexion : " + ", ".join(liens) + "."
    )
