"""Home page of a period's site: maps, territories by région and département, a filter, a
sortable table, the indicator tables as CSV.

Where this lives, and why. The execution layer (``run``, ``render``) imports no publication
module. The home page is therefore a publication like the synthesis: the thin template
``notebooks/accueil.ipynb`` is executed by papermill in the run (after the fiches, like the
monographs: it reads the typology the synthesis stores) into
``outputs/<periode>/accueil/accueil.ipynb``, and its logic lives here, in the publications
layer. The renderer publishes that notebook
as the site's ``index.html`` and puts the list of the synthesis, monographs and other pages
(with their PDFs) above it; without it (a run restricted to some territories) the index is
the renderer's own list of every page.

The notebook is published at the root of the site: its links are relative to the site root
(``fiches/phase2/ti-2405.html``, ``donnees/indicateurs_phase2.csv``), and the files it writes
under ``accueil/donnees/`` are published as ``donnees/``. Everything works offline: the maps
are inline SVG (one link per territory, written by matplotlib's per-path URLs), the filter
box and the sortable table are a few lines of inline JavaScript and the table's cells carry
their sort keys (``data-tri``).

A territory of one phase is linked to the territory of the other phase with exactly the
same communes (``portrait.memes_communes``), whatever their codes: the ``ti-`` codes are
given per phase, and most codes of phase 1 name another territory in phase 2.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Mapping
from html import escape
from pathlib import Path

import geopandas as gpd
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from analysis import config, mois
from analysis.analyses import portrait
from analysis.analyses import profils as typologies
from analysis.config import LAMBERT93
from analysis.donnees import provenance, referentiel
from analysis.donnees.loaders import geo, programmes
from analysis.indicateurs.build import read_indicators
from analysis.indicateurs.registry import heading, indicator
from analysis.publications import methodes
from analysis.publications.cartes import projection
from analysis.publications.figures import STYLE, statique
from analysis.publications.figures_synthese import couleurs_profils
from analysis.texte import nombre, octets

DONNEES = mois.DONNEES_ACCUEIL  # folder of the CSV files, beside the notebook and in the site
# Overseas régions drawn in insets (INSEE codes); the others are metropolitan France.
OUTRE_MER = {"01": "Guadeloupe", "02": "Martinique", "03": "Guyane", "04": "La Réunion", "06": "Mayotte"}
NON_CLASSE = "Non classé"
NON_CLASSE_COULEUR = "#b8b8b8"
SIMPLIFICATION_M = 1200  # outlines simplified to this tolerance (metres), ~half a point on the map
SVG_SALT = "observatoire"  # svg.hashsalt: the ids of the SVG clip paths, the same at every run
SVG_DECIMALES = 1  # coordinates in the SVG, in points (1/72 inch): a tenth is finer than the screen
# Key indicators of the table, in order (headings and decimals from the registry; the heading
# is followed by the period the values are from).
INDICATEURS = ("emploi_prive_tcam", "part_industrie", "taux_chomage", "revenu_median")


def _sans_accents(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


# Ligatures NFKD leaves whole; the filter spells them out (« cœur » is found by « coeur »).
LIGATURES = {"œ": "oe", "æ": "ae"}


def mots(text: str) -> list[str]:
    """The words of ``text`` for the filter box: lower case, accents removed, ligatures spelled
    out, cut at anything that is not a letter or a digit ("Gard Rhodanien – Pont-du-Gard" ->
    gard, rhodanien, pont, du, gard; "ti-2405" -> ti, 2405). Mirrored by ``mots`` in
    ``FILTRE_JS``."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(LIGATURES.get(c, c) for c in text if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9]+", text)


def correspond(requete: str, filtre: str) -> bool:
    """Whether a territory whose searchable text is ``filtre`` answers the filter box's
    ``requete``: every word of the request begins a word of the text, accents and case aside
    ("gard" finds the Gard, not "Bellegardien"; "st etien" finds nothing, "saint eti" finds
    Saint-Étienne). An empty request keeps everything. Mirrored by ``correspond`` in
    ``FILTRE_JS``."""
    words = mots(filtre)
    return all(any(w.startswith(q) for w in words) for q in mots(requete))


def departements_principaux(phase: int) -> pd.DataFrame:
    """The département holding most of each territory's population: id_ti, departement, lib_departement."""
    communes = referentiel.communes_ti(phase)
    by_dep = communes.groupby(["id_ti", "departement"], as_index=False)["population"].sum()
    main = by_dep.sort_values(["id_ti", "population"], ascending=[True, False]).drop_duplicates("id_ti")
    names = geo.departements(config.DEFAULT_COG[phase]).rename(columns={"code": "departement", "nom": "lib_departement"})
    return main.merge(names[["departement", "lib_departement"]], on="departement", how="left")[
        ["id_ti", "departement", "lib_departement"]
    ]


def profils(phase: int, periode: str) -> pd.Series:
    """Profile of each territory of the typology (index id_ti)."""
    return typologies.typologie_du_mois(phase, periode).membership()["profil"]


def repertoire(phases: tuple[int, ...] = config.PHASES) -> pd.DataFrame:
    """One row per territory of the phases, from the referential: phase, id_ti, lib_ti, region,
    lib_region, departement, lib_departement, population, href (its fiche, from the site root)
    and, for a territory whose communes are exactly those of a territory of the other phase,
    id_autre / lib_autre / href_autre (NA otherwise)."""
    pairs = portrait.memes_communes()
    frames = []
    for phase in phases:
        other = 2 if phase == 1 else 1
        match = pairs.rename(columns={f"id_ti_{phase}": "id_ti", f"id_ti_{other}": "id_autre", f"lib_ti_{other}": "lib_autre"})
        frames.append(
            referentiel.territoires(phase)[["id_ti", "lib_ti", "phase", "region", "lib_region", "population"]]
            .merge(departements_principaux(phase), on="id_ti", how="left")
            .merge(match[["id_ti", "id_autre", "lib_autre"]], on="id_ti", how="left")
            .assign(
                href=lambda d: [mois.fiche_page(phase, i) for i in d["id_ti"]],
                href_autre=lambda d: [mois.fiche_page(other, i) if isinstance(i, str) else None for i in d["id_autre"]],
            )
        )
    return pd.concat(frames, ignore_index=True)


def territoires(periode: str, phases: tuple[int, ...] = config.PHASES) -> pd.DataFrame:
    """``repertoire`` with what the home page shows of each territory: profil (``NON_CLASSE``
    outside the typology) and the ``INDICATEURS`` at their latest period."""
    frames = []
    for phase, rows in repertoire(phases).groupby("phase", sort=True):
        wide = read_indicators(int(phase), periode, "wide").loc[lambda d: d["niveau"] == "ti", ["id_ti", *INDICATEURS]]
        profil = profils(int(phase), periode)
        frames.append(rows.merge(wide, on="id_ti", how="left").assign(profil=lambda d: d["id_ti"].map(profil).fillna(NON_CLASSE)))
    return pd.concat(frames, ignore_index=True)


# --- maps ---------------------------------------------------------------------------------------


def _path(geometry) -> MplPath | None:
    """A matplotlib path of the polygons of a geometry, holes included (rings oriented for the
    non-zero rule); None when it has no polygon."""
    vertices, codes = [], []
    for polygon in shapely.get_parts(shapely.get_parts(geometry)):  # collections, then multi-parts
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        polygon = shapely.geometry.polygon.orient(polygon, 1.0)
        for ring in [polygon.exterior, *polygon.interiors]:
            xy = np.asarray(ring.coords)
            vertices.append(xy)
            codes.append([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
    return MplPath(np.concatenate(vertices), np.concatenate(codes)) if vertices else None


def _territoires_lies(ax, gdf: gpd.GeoDataFrame) -> None:
    """The outlines of ``gdf`` (href, couleur, in the axes' projection), one link each. A
    territory published as points only (some phase-1 outlines) is drawn as dots."""
    paths = [_path(g) for g in gdf.geometry]
    areas = gdf.assign(path=paths).loc[lambda d: d["path"].notna()]
    collection = PatchCollection(
        [PathPatch(p) for p in areas["path"]], facecolors=list(areas["couleur"]), edgecolors="white", linewidths=0.35
    )
    collection.set_urls(list(areas["href"]))
    ax.add_collection(collection)
    dots = gdf.assign(path=paths).loc[lambda d: d["path"].isna()]
    for row in dots.itertuples():
        points = shapely.get_parts(shapely.get_parts(row.geometry))
        marks = ax.scatter([pt.x for pt in points], [pt.y for pt in points], s=14, color=row.couleur, edgecolor="white",
                           linewidth=0.4, zorder=3)
        marks.set_urls([row.href] * len(points))
    ax.autoscale_view()


def carte(
    contours: gpd.GeoDataFrame, regions: gpd.GeoDataFrame, couleurs: Mapping[str, str], titre: str | None = None
) -> Figure:
    """National map of the territories (``contours``: id_ti, href, categorie, region, geometry),
    metropolitan France with the overseas régions in insets on the left; each territory is a
    link to ``href`` in the SVG output, coloured by ``categorie`` (``couleurs``, in legend order)."""
    contours = contours.assign(couleur=contours["categorie"].map(couleurs))
    outre_mer = [code for code in OUTRE_MER if (contours["region"] == code).any()]
    with mpl.rc_context({**STYLE, "axes.grid": False, "svg.fonttype": "none", "svg.hashsalt": SVG_SALT}):
        fig = statique(plt.figure(figsize=(7.4, 6.6)))
        ax = fig.add_axes((0.2, 0.12, 0.8, 0.86))
        metro = contours.loc[~contours["region"].isin(list(OUTRE_MER))].to_crs(LAMBERT93)
        metro = metro.assign(geometry=metro.geometry.simplify(SIMPLIFICATION_M))
        fond = regions.to_crs(LAMBERT93).simplify(SIMPLIFICATION_M * 2)
        fond.plot(ax=ax, color="#eeeeee", edgecolor="#9a9a9a", linewidth=0.4)
        _territoires_lies(ax, metro)
        ax.set_axis_off()
        ax.set_aspect("equal")
        if titre:
            ax.set_title(titre, fontsize=11)
        height = 0.86 / max(len(outre_mer), 4)
        for i, code in enumerate(outre_mer):
            inset = fig.add_axes((0.01, 0.98 - (i + 1) * height, 0.17, height * 0.82))
            part = contours.loc[contours["region"] == code]
            part = part.to_crs(projection(part))
            part = part.assign(geometry=part.geometry.simplify(SIMPLIFICATION_M / 4))
            _territoires_lies(inset, part)
            inset.set_aspect("equal")
            inset.set_xticks([])
            inset.set_yticks([])
            for spine in inset.spines.values():
                spine.set_visible(True)
                spine.set_color("#bbbbbb")
                spine.set_linewidth(0.6)
            inset.set_title(OUTRE_MER[code], fontsize=7.5, fontweight="normal", loc="left", pad=2)
        handles = [Patch(color=c, label=name) for name, c in couleurs.items() if (contours["categorie"] == name).any()]
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.6, 0.0), ncol=2, fontsize=8, frameon=False)
    return fig


def svg_en_ligne(fig: Figure, titres: Mapping[str, str], nom: str) -> str:
    """The figure as an SVG element to put inside an HTML page: links open in the same tab
    (``href``, SVG 2), each with its tooltip and accessible name (``titres``: {href: text}),
    scalable width. The map is a group named ``nom`` (``aria-label`` and ``<title>``), not an
    image: ``role="img"`` would hide its links from screen readers."""
    buffer = io.StringIO()
    # the clip paths' ids come from the salt in force when the figure is saved: fixed, the same
    # map gives the same SVG at every run (without it, a random salt per run)
    with mpl.rc_context({"svg.hashsalt": SVG_SALT}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'\swidth="[^"]*"\sheight="[^"]*"', f' class="carte-liens" role="group" aria-label="{escape(nom)}"', svg, count=1)
    svg = re.sub(r"(<svg\b[^>]*>)", lambda m: f"{m[1]}<title>{escape(nom)}</title>", svg, count=1)

    def link(match: re.Match) -> str:
        href = match["href"]
        title = f"<title>{escape(titres[href])}</title>" if href in titres else ""
        return f'<a href="{escape(href)}">{title}'

    svg = re.sub(r'<a xlink:href="(?P<href>[^"]*)"(?: target="_blank")?>', link, svg)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    return re.sub(r'\sd="(?P<d>[^"]*)"', lambda m: f' d="{_compact_path(m["d"])}"', svg)


def liste_liens_html(titres: Mapping[str, str], resume: str) -> str:
    """The links of a map as a list (folded under ``resume``), in alphabetical order: what the
    map offers, for a reader who cannot point at it."""
    items = "".join(
        f'<li><a href="{escape(href)}">{escape(text)}</a></li>' for href, text in sorted(titres.items(), key=lambda kv: _sans_accents(kv[1]))
    )
    return f'<details class="carte-liste"><summary>{escape(resume)}</summary><ul>{items}</ul></details>'


def _compact_path(d: str) -> str:
    """An SVG path's data with coordinates rounded to ``SVG_DECIMALES`` and on one line."""
    rounded = re.sub(r"-?\d+\.\d+", lambda x: f"{float(x[0]):.{SVG_DECIMALES}f}".rstrip("0").rstrip("."), d)
    return re.sub(r"\s+", " ", rounded).strip()


def carte_phase(table: pd.DataFrame, phase: int, couleurs: Mapping[str, str]) -> str:
    """Inline SVG map of the territories of ``phase`` (rows of ``territoires``), coloured by
    profile (``couleurs``: ``figures_synthese.couleurs_profils``; grey for ``NON_CLASSE``),
    followed by the list of its links (``liste_liens_html``)."""
    couleurs = {**couleurs, NON_CLASSE: NON_CLASSE_COULEUR}
    rows = table.loc[table["phase"] == phase]
    outlines = programmes.ti_geometries(phase)[["id_ti", "geometry"]].merge(
        rows[["id_ti", "href", "profil", "region", "lib_ti"]], on="id_ti", how="inner"
    )
    outlines = gpd.GeoDataFrame(outlines.rename(columns={"profil": "categorie"}), geometry="geometry", crs=4326)
    fig = carte(outlines, geo.contours_regions_metro(), couleurs)
    titres = {r.href: f"{r.lib_ti}, {config.identifiant(r.id_ti, phase)} — {r.categorie}" for r in outlines.itertuples()}
    nom = f"Carte des {nombre(len(titres))} territoires d'industrie de la phase {phase}, colorés selon leur profil"
    return svg_en_ligne(fig, titres, nom) + liste_liens_html(
        titres, f"Les {nombre(len(titres))} territoires de la carte de la phase {phase}, avec le lien vers leur fiche"
    )


# --- lists, filter, table ------------------------------------------------------------------------


def entrees(table: pd.DataFrame) -> pd.DataFrame:
    """One entry per territory, a territory with the same communes in both phases once.

    Columns: nom (its latest name), autre_nom (its phase-1 name when different), lib_region,
    lib_departement, liens [(phase, href, id_ti)] in phase order, filtre (what the filter box searches).
    """
    rows = []
    done: set[tuple[int, str]] = set()
    for r in table.sort_values("phase", ascending=False).itertuples():
        if (r.phase, r.id_ti) in done:
            continue
        liens = [(int(r.phase), r.href, r.id_ti)]
        autre_nom = None
        if isinstance(r.id_autre, str):
            other = 2 if r.phase == 1 else 1
            done.add((other, r.id_autre))
            liens.append((other, r.href_autre, r.id_autre))
            autre_nom = r.lib_autre if r.lib_autre != r.lib_ti else None
        liens.sort()
        rows.append(
            {
                "nom": r.lib_ti,
                "autre_nom": autre_nom,
                "lib_region": r.lib_region,
                "lib_departement": r.lib_departement,
                "liens": liens,
                "filtre": " ".join(mots(" ".join(str(v) for v in (r.lib_ti, autre_nom or "", r.lib_departement, r.lib_region,
                                                                 *(i for _, _, i in liens))))),
            }
        )
    return pd.DataFrame(rows)


def groupes_html(table: pd.DataFrame) -> str:
    """The territories by région, then département (alphabetical), each with a link to its
    fiche of each phase; items carry ``data-filtre`` for the filter box."""
    items = entrees(table)
    parts = ['<div class="accueil-groupes">']
    for region, in_region in sorted(items.groupby("lib_region"), key=lambda kv: _sans_accents(kv[0])):
        parts.append(f'<section class="region"><h3>{escape(region)}</h3>')
        for dep, in_dep in sorted(in_region.groupby("lib_departement"), key=lambda kv: _sans_accents(kv[0])):
            parts.append(f'<div class="departement"><h4>{escape(dep)}</h4><ul>')
            for item in sorted(in_dep.itertuples(), key=lambda i: _sans_accents(i.nom)):
                liens = " · ".join(
                    f'<a href="{escape(href)}">{escape(config.identifiant(code, phase))}</a>' for phase, href, code in item.liens
                )
                ancien = f' <span class="ancien-nom">(phase 1 : {escape(item.autre_nom)})</span>' if isinstance(item.autre_nom, str) else ""
                parts.append(f'<li data-filtre="{escape(item.filtre)}">{escape(item.nom)}{ancien} — {liens}</li>')
            parts.append("</ul></div>")
        parts.append("</section>")
    parts.append("</div>")
    return "\n".join(parts)


def _cellule(value: float, decimals: int) -> str:
    if pd.isna(value):
        return '<td class="nombre" data-tri="">n.d.</td>'
    return f'<td class="nombre" data-tri="{value:.6g}">{escape(nombre(value, decimals))}</td>'


def observations(periode: str) -> dict[str, str]:
    """The period of the values of each of ``INDICATEURS`` (the same in both phases, else
    "dernière période")."""
    by_phase = [read_indicators(p, periode, "observations").set_index("indicator")["observation"] for p in config.PHASES]
    return {c: by_phase[0].get(c) if all(b.get(c) == by_phase[0].get(c) for b in by_phase) else "dernière période"
            for c in INDICATEURS}


def tableau_html(table: pd.DataFrame, observations: Mapping[str, str]) -> str:
    """All territories of both phases, one row each, sortable by any column (click a heading);
    ``observations``: the period of each of ``INDICATEURS``, shown in its heading.

    Marked ``data-quarto-disable-processing`` so that neither renderer turns it into a static
    table."""
    indicators = [heading(c, observations[c]) for c in INDICATEURS]
    headings = ["Territoire", "Code (phase)", "Région", "Département", "Population", *indicators, "Profil"]
    numeric = {"Population", *indicators}
    head = "".join(
        f'<th{" class=" + chr(34) + "nombre" + chr(34) if h in numeric else ""}><button type="button">{escape(h)}</button></th>'
        for h in headings
    )
    rows = []
    ordered = table.assign(cle=table["lib_ti"].map(_sans_accents)).sort_values(["cle", "phase"])
    for r in ordered.itertuples():
        filtre = " ".join(mots(f"{r.lib_ti} {r.id_ti} {r.lib_departement} {r.lib_region} {r.profil}"))
        cells = [
            f'<td data-tri="{escape(r.cle)}"><a href="{escape(r.href)}">{escape(r.lib_ti)}</a></td>',
            f'<td data-tri="{r.phase} {escape(r.id_ti)}">{escape(config.identifiant(r.id_ti, r.phase))}</td>',
            f'<td data-tri="{escape(_sans_accents(r.lib_region))}">{escape(r.lib_region)}</td>',
            f'<td data-tri="{escape(_sans_accents(str(r.lib_departement)))}">{escape(str(r.lib_departement))}</td>',
            _cellule(r.population, 0),
            *(_cellule(getattr(r, column), indicator(column).decimals) for column in INDICATEURS),
            f'<td data-tri="{escape(_sans_accents(r.profil))}">{escape(r.profil)}</td>',
        ]
        rows.append(f'<tr data-filtre="{escape(filtre)}">{"".join(cells)}</tr>')
    return (
        '<div class="tableau-defilant"><table class="triable" data-quarto-disable-processing="true">'
        f"<thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table></div>"
    )


FILTRE_HTML = """<div class="filtre">
<label for="filtre-territoires">Chercher un territoire, un département ou une région :</label>
<input type="search" id="filtre-territoires" placeholder="par exemple Castres, Gard, Bretagne…" autocomplete="off">
<span id="filtre-compte" aria-live="polite"></span>
</div>"""

# The filter's rule in JavaScript, the same as ``mots`` and ``correspond`` (tests run both).
FILTRE_JS = r"""var LIGATURES = {"\u0153": "oe", "\u00e6": "ae"};
function mots(s) {
  return s.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/[\u0153\u00e6]/g, function (c) { return LIGATURES[c]; }).match(/[a-z0-9]+/g) || [];
}
function correspond(requete, filtre) {
  var words = mots(filtre);
  return mots(requete).every(function (q) { return words.some(function (w) { return w.indexOf(q) === 0; }); });
}"""

# Filter box and sortable table, offline: no library, no request. Placed before the table.
# The counter counts the rows of the table left visible.
SCRIPT = """<script>
(function () {
""" + FILTRE_JS + """
 function init() {
  var box = document.getElementById("filtre-territoires");
  var count = document.getElementById("filtre-compte");
  if (box) {
    box.addEventListener("input", function () {
      var asked = mots(box.value).length > 0;
      document.querySelectorAll("[data-filtre]").forEach(function (el) {
        el.hidden = !correspond(box.value, el.getAttribute("data-filtre"));
      });
      document.querySelectorAll(".accueil-groupes .departement, .accueil-groupes .region").forEach(function (group) {
        group.hidden = !group.querySelector("li:not([hidden])");
      });
      var shown = document.querySelectorAll("table.triable tbody tr:not([hidden])").length;
      count.textContent = !asked ? "" : shown === 0 ? "aucun territoire"
        : shown + (shown > 1 ? " lignes du tableau" : " ligne du tableau");
    });
  }
  document.querySelectorAll("table.triable").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (th, col) {
      th.querySelector("button").addEventListener("click", function () {
        var up = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("thead th").forEach(function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var numeric = th.classList.contains("nombre");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute("data-tri"), y = b.cells[col].getAttribute("data-tri");
          if (x === "" || y === "") { return (x === "") - (y === ""); }
          var c = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y, "fr");
          return up ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
 }
 // the table comes after this script in the page: wait until the page is read
 if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
</script>"""


def recherche_html(table: pd.DataFrame) -> str:
    """The filter box, the territories by région and département, and the script."""
    return "\n".join([FILTRE_HTML, groupes_html(table), SCRIPT])


def texte_codes(table: pd.DataFrame) -> str:
    """French paragraph: ``ti-`` codes are given per phase, and how the phases' fiches are linked."""
    one, two = (table.loc[table["phase"] == p].set_index("id_ti") for p in (1, 2))
    shared = one.index.intersection(two.index)
    matched = one.dropna(subset=["id_autre"])
    same_code = int((matched.index == matched["id_autre"]).sum())
    communes = {p: referentiel.communes_ti(p).groupby("id_ti")["insee_com"].agg(set) for p in (1, 2)}
    different = [c for c in sorted(shared) if one.at[c, "id_autre"] != c]
    # an example of a code naming two territories without a commune in common
    disjoint = [c for c in different if not communes[1].get(c, set()) & communes[2].get(c, set())]
    text = (
        "Les identifiants des territoires (« ti- » suivi de quatre chiffres) sont attribués à chaque phase : "
        f"{nombre(len(shared))} identifiants existent dans les deux phases et, pour {nombre(len(different))} d'entre eux, "
        "le territoire de la phase 1 et celui de la phase 2 n'ont pas les mêmes communes"
    )
    if disjoint:
        example = next((c for c in disjoint if isinstance(one.at[c, "id_autre"], str)), disjoint[0])
        text += (
            f" ; {nombre(len(disjoint))} codes désignent même deux territoires sans aucune commune en commun, comme {example}, "
            f"{one.at[example, 'lib_ti']} en phase 1 et {two.at[example, 'lib_ti']} en phase 2"
        )
        if isinstance(one.at[example, "id_autre"], str):
            text += f" (le territoire de la phase 1 porte en phase 2 le code {one.at[example, 'id_autre']})"
    return text + (
        ". Les fiches d'un même territoire sont donc reliées d'une phase à l'autre par leurs communes, non par leur code : "
        f"{nombre(len(matched))} territoires ont exactement les mêmes communes dans les deux phases, dont "
        f"{nombre(same_code)} sous le même identifiant ; leurs fiches renvoient l'une à l'autre."
    )


# --- downloads -----------------------------------------------------------------------------------


def ecrire_donnees(periode: str, dossier: Path) -> pd.DataFrame:
    """Write the period's indicator tables as CSV files (UTF-8, comma separator, decimal point)
    into ``dossier``; return fichier, description, taille (bytes), one row per file."""
    dossier.mkdir(parents=True, exist_ok=True)
    written = []
    for phase in config.PHASES:
        tables = {
            f"indicateurs_phase{phase}.csv": (read_indicators(phase, periode, "long"),
                                              f"Phase {phase} : tous les indicateurs, toutes les périodes (format long)"),
            f"tableau_phase{phase}.csv": (read_indicators(phase, periode, "wide"),
                                          f"Phase {phase} : dernière valeur de chaque indicateur, une ligne par territoire"),
        }
        for name, (frame, description) in tables.items():
            frame.to_csv(dossier / name, index=False)
            written.append((name, description))
    registre = read_indicators(1, periode, "registre")
    registre.to_csv(dossier / "definitions.csv", index=False)
    written.append(("definitions.csv", "Définition, unité, source et méthode de chaque indicateur"))
    return pd.DataFrame(
        [(f"{DONNEES}/{name}", description, (dossier / name).stat().st_size) for name, description in written],
        columns=["fichier", "description", "taille"],
    )


def texte_donnees(fichiers: pd.DataFrame) -> str:
    """Markdown list of the CSV downloads (links relative to the site root)."""
    lines = [
        "Les tableaux d'indicateurs de la période sont téléchargeables au format CSV (UTF-8, séparateur virgule, "
        "point décimal) :",
        "",
    ]
    lines += [
        f"- [{Path(r.fichier).name}]({r.fichier}) — {r.description} ({octets(r.taille)})"
        for r in fichiers.itertuples()
    ]
    return "\n".join(lines)


# --- the page's text -----------------------------------------------------------------------------


def cartes_html(table: pd.DataFrame, periode: str) -> str:
    """The map of each phase, side by side, with their captions; a profile has the same colour
    on both maps and on the synthesis' maps (``figures_synthese.couleurs_profils``)."""
    phases = [int(p) for p in sorted(table["phase"].unique())]
    couleurs = couleurs_profils(periode)
    figures = []
    for phase in phases:
        n = int((table["phase"] == phase).sum())
        caption = (
            f"Phase {phase} (lancée en {config.PHASE_START[phase]}) : {nombre(n)} territoires d'industrie, colorés selon "
            "leur profil de la typologie de la synthèse. Un clic sur un territoire ouvre sa fiche."
        )
        figures.append(f"<figure>{carte_phase(table, phase, couleurs)}<figcaption>{escape(caption)}</figcaption></figure>")
    return '<div class="cartes">' + "".join(figures) + "</div>"


def introduction(table: pd.DataFrame, periode: str) -> str:
    """Title and first paragraph of the home page (Markdown)."""
    date_donnees = dt.date.fromisoformat(provenance.read(periode)["date_donnees"]).strftime("%d/%m/%Y")
    counts = table.groupby("phase").size()
    phases = " et ".join(
        f"{nombre(int(n))} territoires en phase {phase} (lancée en {config.PHASE_START[phase]})" for phase, n in counts.items()
    )
    return (
        f"# Observatoire des Territoires d'industrie — {periode}\n\n"
        f"Indicateurs, fiches et analyses des territoires d'industrie pour la période **{periode}**, calculés à partir "
        f"des données publiques publiées au plus tard le {date_donnees} et disponibles à l'exécution : {phases}. Chaque "
        "territoire a une fiche (page et PDF) ; on y accède par les cartes, par la liste par région et département ou par le "
        f"tableau. {methodes.renvoi(profondeur=0)}"
    )
