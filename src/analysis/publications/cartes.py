"""Maps (geopandas + matplotlib), shared by all notebooks: GeoDataFrames in, Figure out.

Projection: Lambert-93 (EPSG:2154) for metropolitan France, the local UTM zone elsewhere
(overseas territories). The mirror's EPCI contours cover metropolitan France only; callers
fall back to the ANCT outline of the territoire d'industrie (``analysis.donnees.loaders.programmes``)
for overseas territories.

The layers are derived once from the declared files and kept as GeoParquet
(``analysis.donnees.cache.derived``).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from shapely.geometry import box

from analysis.analyses import portrait
from analysis.config import DEFAULT_COG, LAMBERT93
from analysis.donnees import harmonisation, referentiel
from analysis.donnees.loaders import geo, programmes
from analysis.donnees.referentiel import epci_territoire
from analysis.indicateurs.emploi import BREAK_YEAR
from analysis.publications.figures import PRINCIPALE, STYLE, avec_donnees, french_formatter, statique, wrap
from analysis.texte import nombre, pluriel, pourcent

PROGRAMME_STYLE = {
    "ACV": {"marker": "o", "color": "#c00000", "size": 46, "label": "Action cœur de ville"},
    "ACV 2": {"marker": "o", "color": "#c00000", "size": 46, "label": "Action cœur de ville"},
    "PVD": {"marker": "^", "color": "#e69f00", "size": 30, "label": "Petites villes de demain"},
}


def villes_points(villes: pd.DataFrame) -> gpd.GeoDataFrame:
    """Points of the programmes listed in ``villes`` (rows of ``referentiel.villes_programmes``).

    The original 2018 ACV list has no point file and is left out; a programme point is kept
    once even when several of its towns are listed.
    """
    keys = villes[["programme", "id_programme"]].drop_duplicates()
    return programmes.points_programmes().merge(keys, on=["programme", "id_programme"], how="inner")


def projection(gdf: gpd.GeoDataFrame) -> int | object:
    """Lambert-93 for metropolitan France, else the UTM zone of the data."""
    # centre of the bounding box: no union, so invalid published outlines cannot fail here
    minx, miny, maxx, maxy = gdf.to_crs(4326).total_bounds
    lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    return LAMBERT93 if -6 < lon < 10 and 41 < lat < 52 else gdf.to_crs(4326).estimate_utm_crs()


def carte_territoire(
    zones: gpd.GeoDataFrame,
    *,
    contour: gpd.GeoDataFrame | None = None,
    points: gpd.GeoDataFrame | None = None,
    colonne: str | None = None,
    label_colonne: str | None = None,
    label_zones: str = "EPCI",
    etiquettes: str | None = None,
    etiquettes_points: str | None = None,
    titre: str | None = None,
    source: str | None = None,
    divergente: bool = False,
    france: gpd.GeoDataFrame | None = None,
    echelle: bool = False,
    partielles: str | None = None,
    plafond: float | None = None,
    label_manquantes: str | None = None,
    taille: tuple[float, float] = (7.0, 6.0),
) -> Figure:
    """Map of the zones (EPCI, communes…) of one territory, with its outline and points.

    ``colonne`` colours the zones (a share in [0, 1] or any number, colour bar labelled
    ``label_colonne``; ``divergente``: red below zero, blue above, for a change); without it
    the zones are filled in light blue. ``contour`` (the territory outline) is drawn in dark
    blue over them. ``points`` need a ``programme`` column styled by ``PROGRAMME_STYLE`` (other
    values in grey); ``etiquettes`` / ``etiquettes_points`` name the columns written on zones
    / points (small font). ``france`` (régions of metropolitan France) adds a small inset
    locating the territory; ``echelle`` a scale bar. ``partielles`` names a boolean column of
    the zones only partly in the territory: hatched, with their own legend entry. ``plafond``
    caps the divergent colour scale (values beyond it take the end colours), so that one large
    town does not wash out the others; zones without a value of ``colonne`` are drawn in light
    grey, with the legend entry ``label_manquantes``. ``taille``: the figure's size in inches.
    """
    layers = [g for g in (zones, contour) if g is not None and not g.empty]
    if not layers:
        raise ValueError("aucune géométrie à cartographier")
    crs = projection(layers[0])
    with mpl.rc_context({**STYLE, "axes.grid": False}):
        fig, ax = plt.subplots(figsize=taille)
        statique(fig)
        if zones is not None and not zones.empty:
            z = zones.to_crs(crs)
            _zones(ax, z, colonne, label_colonne, divergente, partielles, plafond)
            if etiquettes:
                _etiquettes_zones(ax, z, etiquettes, points, etiquettes_points, crs)
        if contour is not None and not contour.empty:
            contour.to_crs(crs).boundary.plot(ax=ax, color=PRINCIPALE, linewidth=1.6)
        handles = _points(ax, points.to_crs(crs), etiquettes_points) if points is not None and not points.empty else []
        if contour is not None and not contour.empty:
            handles.insert(0, Patch(facecolor="none", edgecolor=PRINCIPALE, linewidth=1.6, label="Limite du territoire"))
        if zones is not None and not zones.empty and colonne and label_manquantes and zones[colonne].isna().any():
            handles.insert(0, Patch(facecolor=MANQUANTES, edgecolor="#bbbbbb", label=label_manquantes))
        if zones is not None and not zones.empty and not colonne:
            part = zones[partielles].fillna(False).astype(bool) if partielles else pd.Series(False, index=zones.index)
            if part.any():
                handles.insert(0, Patch(facecolor="#f2f2f2", edgecolor="#999999", hatch="///", label=f"{label_zones} en partie dans le territoire"))
            if not part.all():
                handles.insert(0, Patch(facecolor="#dbe7f3", edgecolor="#999999", label=label_zones))
        unique = {h.get_label(): h for h in handles}
        if unique:
            ax.legend(handles=list(unique.values()), loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=len(unique), fontsize=8)
        if echelle:
            barre_echelle(ax)
        if france is not None and crs == LAMBERT93:
            _encart(ax, france, contour if contour is not None and not contour.empty else zones)
        _finish(fig, ax, titre, source)
    drawn = donnees_carte(zones, colonne, etiquettes, partielles, points, etiquettes_points)
    return avec_donnees(fig, drawn, label_colonne or "sans unité (contours et points)", source)


def donnees_carte(zones: gpd.GeoDataFrame | None, colonne: str | None, etiquettes: str | None, partielles: str | None,
                  points: gpd.GeoDataFrame | None, etiquettes_points: str | None) -> pd.DataFrame:
    """What a map draws, one row per zone then per point (``couches``): the zones' codes and names,
    the value that colours them, their label; the points' programme and label."""
    return couches({"zone": attributs(zones, (colonne, etiquettes, partielles)),
                    "point": attributs(points, ("programme", etiquettes_points))})


def attributs(layer: gpd.GeoDataFrame | None, colonnes: tuple[str | None, ...] = ()) -> pd.DataFrame:
    """A map layer's table without its geometry: its text columns (codes, names; not the labels,
    ``etiquette…``, that the map does not write), then the ``colonnes`` drawn (values, labels)
    that it has; empty without a layer."""
    if layer is None or layer.empty:
        return pd.DataFrame()
    wanted = [c for c in dict.fromkeys(colonnes) if c and c in layer.columns]
    def is_text(c: str) -> bool:
        return pd.api.types.is_object_dtype(layer[c]) or pd.api.types.is_string_dtype(layer[c])

    text = [c for c in layer.columns
            if c != layer.geometry.name and is_text(c) and c not in wanted and not c.startswith("etiquette")]
    return pd.DataFrame(layer[text + wanted])


def couches(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The tables of a map's layers one under the other, each row named by its layer (``couche``)."""
    parts = [t.assign(couche=name) for name, t in tables.items() if not t.empty]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"couche": []})
    return table[["couche", *[c for c in table.columns if c != "couche"]]]



MANQUANTES = "#e6e6e6"  # zones without a value


def _zones(ax, z: gpd.GeoDataFrame, colonne: str | None, label_colonne: str | None, divergente: bool,
           partielles: str | None, plafond: float | None = None) -> None:
    """The zones of ``carte_territoire``: coloured by ``colonne`` with a colour bar (thin edges
    when there are many zones, as for communes; light grey without a value), else light blue
    (hatched where only partly in the territory)."""
    if colonne:
        values = z[colonne].to_numpy(dtype="float64")
        colours, extend = {"cmap": "Blues", "vmin": 0}, "neither"
        if divergente:
            largest = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.0
            span = (min(plafond, largest) if plafond else largest) or 1.0
            colours = {"cmap": "RdBu", "norm": TwoSlopeNorm(0.0, -span, span)}
            extend = "both" if largest > span else "neither"
        edge = 0.8 if len(z) <= 60 else 0.25
        missing = np.isnan(values)
        if missing.any():
            z.loc[missing].plot(ax=ax, color=MANQUANTES, edgecolor="white", linewidth=edge)
        if (~missing).any():
            z.loc[~missing].plot(
                ax=ax, column=colonne, **colours, edgecolor="white", linewidth=edge, legend=True,
                legend_kwds={"label": label_colonne or colonne, "shrink": 0.6, "format": french_formatter(_decimales_echelle(values)),
                             "extend": extend},
            )
        return
    part = z[partielles].fillna(False).astype(bool) if partielles else pd.Series(False, index=z.index)
    if not part.all():  # every zone partly in the territory (ti-1101): no empty layer, nor geopandas' warning
        z.loc[~part].plot(ax=ax, color="#dbe7f3", edgecolor="#8fb0d3", linewidth=0.7)
    if part.any():
        z.loc[part].plot(ax=ax, color="#f2f2f2", edgecolor="#8fb0d3", hatch="///", linewidth=0.7)


def _decimales_echelle(values: np.ndarray) -> int:
    """Decimals of a colour bar's ticks: none for counts of jobs (hundreds), one for small values."""
    finite = np.abs(values[np.isfinite(values)])
    return 0 if finite.size and finite.max() >= 50 else 1


def _etiquettes_zones(ax, z: gpd.GeoDataFrame, etiquettes: str, points: gpd.GeoDataFrame | None,
                      etiquettes_points: str | None, crs) -> None:
    """The zones' names (column ``etiquettes``), placed away from the named points."""
    named = points.to_crs(crs) if points is not None and not points.empty and etiquettes_points else None
    taken = [] if named is None else [(g.x, g.y) for g, s in zip(named.geometry, named[etiquettes_points]) if s]
    for (x, y), text in zip(_places_etiquettes(z, taken, z[etiquettes]), z[etiquettes]):
        ax.annotate(wrap(str(text)), (x, y), ha="center", va="center", fontsize=6.5, color="#3d4f63",
                    style="italic", path_effects=[patheffects.withStroke(linewidth=2, foreground="white")])


def _points(ax, p: gpd.GeoDataFrame, etiquettes_points: str | None) -> list:
    """The programme points (styled by ``PROGRAMME_STYLE``), named by ``etiquettes_points``;
    their legend handles."""
    handles = []
    for programme, part in p.groupby("programme", sort=True):
        style = PROGRAMME_STYLE.get(programme, {"marker": "s", "color": "#555555", "size": 20, "label": programme})
        ax.scatter(part.geometry.x, part.geometry.y, marker=style["marker"], s=style["size"], color=style["color"],
                   edgecolor="white", linewidth=0.6, zorder=4)
        handles.append(Line2D([], [], marker=style["marker"], color="none", markerfacecolor=style["color"],
                              markersize=7, label=style["label"]))
    if etiquettes_points:
        for geom, text in zip(p.geometry, p[etiquettes_points]):
            if text:
                ax.annotate(str(text), (geom.x, geom.y), xytext=(4, 3), textcoords="offset points", fontsize=7,
                            fontweight="bold", zorder=5, bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75})
    return handles

def _places_etiquettes(zones: gpd.GeoDataFrame, taken: list[tuple[float, float]], labels: pd.Series) -> list[tuple[float, float]]:
    """Where to write each zone's label: inside the zone, moved down (at most three times a
    twentieth of the map's height) while a labelled point or a label already placed (``labels``,
    its width estimated from its longest line) is close to it, so that the names of towns, of
    EPCI and of neighbouring communes do not overlap. Zones whose label is empty take no room."""
    xmin, ymin, xmax, ymax = zones.total_bounds
    width, height = xmax - xmin, ymax - ymin
    placed: list[tuple[float, float, float]] = []  # x, y, half width of the labels written

    def close(x: float, y: float, half: float) -> bool:
        near_point = any(abs(px - x) < 0.15 * width and abs(py - y) < 0.04 * height for px, py in taken)
        return near_point or any(abs(px - x) < h + half and abs(py - y) < 0.04 * height for px, py, h in placed)

    places = []
    for point, text in zip(zones.geometry.representative_point(), labels):
        half = CARACTERE * width * max((len(line) for line in wrap(str(text)).splitlines()), default=0) / 2
        x, y = point.x, point.y
        for _ in range(3):
            if not close(x, y, half):
                break
            y -= 0.05 * height
        places.append((x, y))
        if half:
            placed.append((x, y, half))
    return places


CARACTERE = 0.014  # width of a character of the zones' labels, in fractions of the map's width (estimate)


ECHELLES_KM = (1, 2, 5, 10, 20, 25, 50, 100, 200, 500)


def barre_echelle(ax, fraction: float = 0.25) -> float:
    """A scale bar in the lower left corner of a map drawn in metres (Lambert-93, UTM): the
    round length (km, from ``ECHELLES_KM``) closest below ``fraction`` of the map's width.
    Returns that length in km."""
    xmin, xmax = ax.get_xlim()
    ymin, ymax = ax.get_ylim()
    target = (xmax - xmin) * fraction / 1000
    km = max([k for k in ECHELLES_KM if k <= target] or [ECHELLES_KM[0]])
    x0, y0 = xmin + 0.03 * (xmax - xmin), ymin + 0.04 * (ymax - ymin)
    ax.plot([x0, x0 + km * 1000], [y0, y0], color="#333333", linewidth=2.2, solid_capstyle="butt", zorder=6)
    for x in (x0, x0 + km * 1000):
        ax.plot([x, x], [y0, y0 + 0.012 * (ymax - ymin)], color="#333333", linewidth=1.2, zorder=6)
    ax.annotate(f"{nombre(km)} km", (x0 + km * 500, y0), xytext=(0, 4), textcoords="offset points", ha="center",
                va="bottom", fontsize=7.5, zorder=6)
    return km


# Corners of the map (axes fraction) where the inset may go, the upper ones first; the lower
# left one holds the scale bar.
COINS_ENCART = ((0.77, 0.71), (0.0, 0.71), (0.77, 0.0))
TAILLE_ENCART = (0.23, 0.29)


def _encart(ax, france: gpd.GeoDataFrame, territoire: gpd.GeoDataFrame) -> None:
    """Small map of metropolitan France in the corner of the map that the territory covers least,
    the territory in dark blue."""
    shape = territoire.to_crs(LAMBERT93).union_all()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()

    def covered(corner: tuple[float, float]) -> float:
        cx, cy = corner
        w, h = TAILLE_ENCART
        return shape.intersection(box(x0 + cx * (x1 - x0), y0 + cy * (y1 - y0), x0 + (cx + w) * (x1 - x0), y0 + (cy + h) * (y1 - y0))).area

    corner = min(COINS_ENCART, key=covered)
    inset = ax.inset_axes((*corner, *TAILLE_ENCART))
    france.to_crs(LAMBERT93).plot(ax=inset, color="#eeeeee", edgecolor="#bbbbbb", linewidth=0.3)
    territoire.to_crs(LAMBERT93).plot(ax=inset, color=PRINCIPALE, edgecolor=PRINCIPALE, linewidth=0.6)
    inset.set_axis_off()
    inset.set_aspect("equal")


def _finish(fig: Figure, ax, titre: str | None, source: str | None) -> None:
    """Common end of every map: no axes, equal aspect, title and source line."""
    ax.set_axis_off()
    ax.set_aspect("equal")
    if titre:
        ax.set_title(titre)
    if source:
        fig.text(0.01, 0.01, f"Source : {source}", fontsize=7.5, color="#555555")
    fig.tight_layout()


MAX_ETIQUETTES = 15


PROGRAMMES_CARTE = ("ACV", "ACV 2", "PVD")


def contour_trace(contour: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The rows of a published outline that draw a limit: non-empty polygons (the ANCT
    publishes some territories as points, whose boundary is empty: nothing would be drawn)."""
    geometry = contour.geometry
    return contour.loc[~geometry.is_empty & geometry.geom_type.isin(["Polygon", "MultiPolygon"])]


def villes_dessinees(points: gpd.GeoDataFrame, programme: str) -> str:
    """The towns of ``programme`` as the map draws them ("1 ville Action cœur de ville"), and the
    points when a town holding several communes is drawn as several ("(2 points sur la carte :
    …)")."""
    drawn = points.loc[points["programme"] == programme]
    n_towns, n_points = int(drawn["lib_programme"].nunique()), len(drawn)
    several = (f" ({nombre(n_points)} points sur la carte : une ville du programme peut réunir plusieurs communes)"
               if n_points > n_towns else "")
    return f"{pluriel(n_towns, 'ville', zero='aucune')} {PROGRAMME_STYLE[programme]['label']}{several}"


@dataclass(frozen=True)
class Carte:
    """Layers of the territory's map: EPCI polygons (empty overseas), ANCT outline, ACV / PVD points, French note."""

    zones: gpd.GeoDataFrame
    contour: gpd.GeoDataFrame
    points: gpd.GeoDataFrame
    note: str
    partielles: str = "partiel"  # boolean column of the zones: EPCI only partly inside the territory
    situation: gpd.GeoDataFrame | None = None  # régions of metropolitan France for the inset (None overseas)
    source: str = "ANCT"  # the source line: the publishers of the layers drawn


def carte(phase: int, id_ti: str, cog: int | None = None, contours_epci: gpd.GeoDataFrame | None = None,
          situation: gpd.GeoDataFrame | None = None) -> Carte:
    """EPCI of the territory (share of their population inside it), its outline and its ACV / PVD towns.

    The mirror's EPCI contours cover metropolitan France only: overseas, the map shows the
    ANCT outline of the territory alone, and ``note`` says so. Points are labelled (column
    ``etiquette``) when there are at most ``MAX_ETIQUETTES`` of them, otherwise only ACV towns.
    ``contours_epci`` (the outlines of the territory's EPCI) and ``situation`` (the régions of
    the inset) are those a fiche reads from the month's tables (``tables_fiches``); without
    them, they are read here.
    """
    cog = cog or DEFAULT_COG[phase]
    epci = epci_territoire(phase, id_ti, cog)
    outlines = geo.contours_epci_metro() if contours_epci is None else contours_epci
    zones = outlines.merge(epci.drop(columns="lib_epci"), on="siren_epci", how="inner")
    contour = contour_trace(programmes.ti_geometries(phase).loc[lambda d: d["id_ti"] == id_ti])
    villes = referentiel.villes_programmes(phase, cog).loc[
        lambda d: (d["id_ti"] == id_ti) & d["programme"].isin(PROGRAMMES_CARTE)
    ]
    points = villes_points(villes).drop_duplicates(subset=["id_programme", "geometry"])
    points = points.assign(
        programme=points["programme"].replace({"ACV 2": "ACV"}),
    ).drop_duplicates(subset=["geometry"])
    label = points["lib_programme"].where((len(points) <= MAX_ETIQUETTES) | (points["programme"] == "ACV"), "")
    # a town of the programme may hold several communes (Dzaoudzi - Pamandzi): one label, counted once
    points = points.assign(etiquette=label.where(~points.duplicated(["programme", "lib_programme"]), ""))
    towns = f"{villes_dessinees(points, 'ACV')}, {villes_dessinees(points, 'PVD')}"
    zones = zones.assign(
        partiel=zones["part_population_ti"] < 1,
        etiquette=[
            lib if part >= 1 else f"{lib} ({pourcent(100 * part, 0)} de sa population dans le territoire)"
            for lib, part in zip(zones["lib_epci"], zones["part_population_ti"])
        ],
    )
    outline = "le contour du territoire publié par l'ANCT" if not contour.empty else ""
    if zones.empty:
        note = (
            "Les contours d'EPCI disponibles ne couvrent que la France métropolitaine : la carte montre "
            + (f"{outline} et ses villes des programmes ({towns})." if outline else f"les villes des programmes du territoire ({towns}).")
        )
    else:
        partial = zones.loc[zones["partiel"], "etiquette"].tolist()
        note = (
            f"La carte montre {pluriel(len(zones), 'EPCI', 'EPCI')} du territoire (contours 2025), "
            + (f"{outline} et " if outline else "")
            + f"ses villes des programmes ({towns})."
            + (f" En partie seulement dans le territoire (hachurés) : {' ; '.join(partial)}." if partial else "")
            + ("" if outline else " L'ANCT ne publie pas de contour de ce territoire : sa limite n'est pas tracée.")
        )
    if len(epci) > len(zones) and not zones.empty:
        note += f" {pluriel(len(epci) - len(zones), 'EPCI', 'EPCI')} du COG {cog} n'ont pas de contour 2025 et n'apparaissent pas."
    situation = None if zones.empty else geo.contours_regions_metro() if situation is None else situation
    source = "ANCT" if zones.empty else "IGN / INSEE (EPCI 2025, régions 2025), ANCT"  # the inset draws the régions
    return Carte(zones=zones, contour=contour, points=points, note=note, situation=situation, source=source)


# --- Communes: the change in private jobs ------------------------------------------------------

SEUIL_POURCENT = 50  # jobs in the first year below which a commune's change is not mapped in %
N_NOMMEES = 3  # communes named on each side of the change


@dataclass(frozen=True)
class CarteCommunes:
    """Layers of the map of the change in private jobs by commune: the communes of the
    territory (outlines of 2018 carried to the COG) with the columns of
    ``portrait.variations_communes``, ``variation_pct_carte`` (the change in %, missing below
    ``SEUIL_POURCENT`` jobs in the first year), ``etiquette`` and ``etiquette_pct`` (the
    communes that carry the change, with their change in jobs or in %); the territory's outline; a French note; ``emploi`` False when
    the source publishes no commune of the territory (Mayotte)."""

    zones: gpd.GeoDataFrame
    contour: gpd.GeoDataFrame
    note: str
    emploi: bool
    debut: int
    fin: int
    source: str = "URSSAF ; IGN, Admin Express 2018 (communes ramenées au COG) ; ANCT"


def communes_porteuses(variations: pd.DataFrame, n: int = N_NOMMEES) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` communes that gained the most jobs and the ``n`` that lost the most (rows of
    ``portrait.variations_communes`` with a change of that sign), the largest first."""
    gains = variations.loc[variations["variation"] > 0].sort_values(["variation", "insee_com"], ascending=[False, True])
    pertes = variations.loc[variations["variation"] < 0].sort_values(["variation", "insee_com"], ascending=[True, True])
    return gains.head(n), pertes.head(n)


def _liste(rows: pd.DataFrame) -> str:
    items = [f"{r.lib_com} ({'+' if r.variation > 0 else '−'}{nombre(abs(r.variation))})" for r in rows.itertuples()]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def texte_porteuses(variations: pd.DataFrame, debut: int, fin: int, n: int = N_NOMMEES) -> str:
    """French sentence naming the communes that carry the change in private jobs between
    ``debut`` and ``fin``, and their share of the jobs gained (lost) by all the communes that
    gained (lost) some, or that they are the only ones."""
    gains, pertes = communes_porteuses(variations, n)
    parts = []
    for named, side, verbe, sens in ((gains, variations["variation"] > 0, "gagnés", "hausse"),
                                     (pertes, variations["variation"] < 0, "perdus", "baisse")):
        if named.empty:
            continue
        total = abs(variations.loc[side, "variation"].sum())
        share = (
            f"soit {pourcent(100 * abs(named['variation'].sum()) / total, 0)} des {nombre(total)} emplois {verbe} par les "
            f"communes en {sens}" if int(side.sum()) > len(named)
            else f"{'seule commune' if len(named) == 1 else 'seules communes'} en {sens}"
        )
        parts.append(f"{'les gains se concentrent à' if sens == 'hausse' else 'les pertes à'} {_liste(named)}, {share}")
    if not parts:
        return f"Entre {debut} et {fin}, l'emploi salarié privé d'aucune commune du territoire n'a varié."
    return f"Entre {debut} et {fin}, " + " ; ".join(parts) + "."


def carte_communes(phase: int, id_ti: str, emplois: pd.DataFrame, cog: int | None = None, debut: int = BREAK_YEAR,
                   n: int = N_NOMMEES, contours: gpd.GeoDataFrame | None = None) -> CarteCommunes:
    """The communes of the territory with their change in private jobs from ``debut`` (2018,
    the programme's launch) to the last year of ``emplois`` (``portrait.emploi_communes``), for
    ``figure_communes``.

    The outlines are those of 1 January 2018 carried to the referential's COG (communes merged
    since dissolved into their commune nouvelle, ``harmonisation.contours_communes``). The note
    names the communes that carry the change (``texte_porteuses``) and the communes without an
    outline. ``emploi`` is False, and the note says why in one sentence, when the year after
    ``debut`` is not published yet or when the source publishes no job in any commune of the
    territory (Mayotte, absent from the URSSAF commune series). ``contours``: the outlines of
    the territory's communes when the month has them already (a fiche reads them from the
    month's tables, ``tables_fiches.contours_territoire``), else read here.
    """
    cog = cog or DEFAULT_COG[phase]
    fin = int(emplois["year"].max())
    variations = portrait.variations_communes(emplois, debut, max(fin, debut))
    outlines = harmonisation.contours_communes(variations["insee_com"], cog) if contours is None else contours
    zones = outlines.merge(variations, on="insee_com", how="inner")
    gains, pertes = communes_porteuses(variations, n)
    porteuses = pd.concat([gains, pertes])
    named = {r.insee_com: f"{r.lib_com} {'+' if r.variation > 0 else '−'}{nombre(abs(r.variation))}" for r in porteuses.itertuples()}
    named_pct = {r.insee_com: f"{r.lib_com} {'+' if r.variation_pct > 0 else '−' if r.variation_pct < 0 else ''}"
                              f"{pourcent(abs(r.variation_pct), 0)}"
                 for r in porteuses.itertuples() if pd.notna(r.variation_pct)}
    zones = zones.assign(
        variation_pct_carte=zones["variation_pct"].where(zones["emploi_debut"] >= SEUIL_POURCENT),
        etiquette=[named.get(c, "") for c in zones["insee_com"]],
        etiquette_pct=[named_pct.get(c, "") for c in zones["insee_com"]],
    )
    contour = contour_trace(programmes.ti_geometries(phase).loc[lambda d: d["id_ti"] == id_ti])
    publie = fin > debut
    emploi = publie and bool(variations[["emploi_debut", "emploi_fin"]].to_numpy().sum() > 0)
    sans = len(variations) - len(zones)
    missing = (
        f" {pluriel(sans, 'commune')} du COG {cog} sans contour de 2018 (créée{'s' if sans > 1 else ''} depuis par scission) "
        f"{'manque' if sans == 1 else 'manquent'} sur la carte."
        if sans else ""
    )
    if not publie:
        note = (f"L'emploi salarié privé de {debut + 1} n'est pas encore publié : la carte montre les communes du territoire "
                f"sans la variation de leur emploi depuis {debut}.")
    elif not emploi:
        note = (
            "L'URSSAF ne publie l'emploi salarié privé d'aucune commune de ce territoire (ses séries communales ne couvrent pas "
            "Mayotte) : la carte montre les communes sans leur variation d'emploi."
        )
    else:
        note = (
            f"Carte des communes : variation de l'emploi salarié privé de chacune des {nombre(len(zones))} communes du territoire "
            f"entre {debut} et {fin} (contours de 2018 ramenés au COG {cog}). {texte_porteuses(variations, debut, fin, n)}"
        )
    return CarteCommunes(zones=zones, contour=contour, note=note + missing, emploi=emploi, debut=debut, fin=fin)


def plafond_variations(values: pd.Series, quantile: float = 0.95) -> float | None:
    """The cap of a divergent colour scale of changes: the ``quantile`` of their absolute values
    when there are more than 20 zones (one large town would otherwise wash out the others), else none."""
    finite = values.dropna().abs()
    return (float(finite.quantile(quantile)) or None) if len(finite) > 20 else None


def figure_communes(carte_: CarteCommunes, pourcentage: bool = False, taille: tuple[float, float] = (7.0, 6.0)) -> Figure:
    """The map of ``carte_communes``: the communes coloured by their change in private jobs
    (``pourcentage``: in %, communes below ``SEUIL_POURCENT`` jobs in the first year in grey),
    the communes that carry the change named; without employment (``emploi`` False) the
    communes are drawn uncoloured."""
    z = carte_.zones
    if not carte_.emploi:
        return carte_territoire(z, contour=carte_.contour, label_zones="Communes", echelle=True, taille=taille,
                                source="IGN, Admin Express 2018 (communes ramenées au COG) ; ANCT")
    colonne, label = (
        ("variation_pct_carte", f"Variation de l'emploi {carte_.debut}-{carte_.fin} (%)") if pourcentage
        else ("variation", f"Emplois gagnés ou perdus, {carte_.debut}-{carte_.fin}")
    )
    return carte_territoire(
        z, contour=carte_.contour, colonne=colonne, divergente=True, plafond=plafond_variations(z[colonne]), label_colonne=label,
        label_manquantes=f"Moins de {SEUIL_POURCENT} emplois en {carte_.debut}" if pourcentage else None,
        etiquettes="etiquette_pct" if pourcentage else "etiquette", echelle=True, taille=taille, source=carte_.source,
    )
