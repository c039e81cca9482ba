"""Figures and maps of the synthesis and the monographs that ``analysis.figures`` and
``analysis.publications.cartes`` do not draw (typology, regressions, national maps of all TI), in the same
style (``figures.STYLE``) and with French labels.

National maps are drawn in Lambert-93 over metropolitan France (the overseas territories are
listed in the tables); choropleth classes come from mapclassify.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import geopandas as gpd
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analysis import config
from analysis.analyses import profils
from analysis.config import LAMBERT93
from analysis.publications.cartes import attributs, barre_echelle, couches
from analysis.publications.figures import STYLE, avec_donnees, ligne_source, statique, wrap
from analysis.texte import nombre

BLUE = "#1f4e79"
ORANGE = "#d9822b"
GREY = "0.55"
LIGHT = "0.93"
PALETTE = (
    "#1f4e79", "#d9822b", "#5a9e4b", "#a23b72", "#6c6c6c", "#c9b22c", "#3fa7b5", "#8c564b",
    "#e377c2", "#17becf", "#bcbd22", "#9467bd", "#ff9896", "#98df8a",
)  # fmt: skip


GRIS_PALETTE = "#6c6c6c"  # left out of the categories: grey is for the territories outside them


def couleurs_categories(*categories: Sequence[str]) -> dict[str, str]:
    """One colour per category name over several lists (the profiles of both phases): the same
    name has the same colour on every map, in the alphabetical order of all the names."""
    names = sorted({c for cats in categories for c in cats})
    palette = [c for c in PALETTE if c != GRIS_PALETTE]
    if len(names) > len(palette):
        raise ValueError(f"{len(names)} catégories pour {len(palette)} couleurs")
    return dict(zip(names, palette))


def couleurs_profils(periode: str) -> dict[str, str]:
    """Profile name -> colour on every map of ``periode`` (the synthesis' maps of both phases and
    the home page): ``couleurs_categories`` over the profiles of the typologies of both phases."""
    return couleurs_categories(*(profils.profils(profils.typologie_du_mois(phase, periode))["profil"] for phase in config.PHASES))


def _styled(grid: bool = True):
    """Draw inside ``figures.STYLE`` (without the grid for maps)."""

    def wrap(func):
        @functools.wraps(func)
        def inner(*args, **kwargs):
            with mpl.rc_context({**STYLE, "axes.grid": grid}):
                return func(*args, **kwargs)

        return inner

    return wrap


def _finir(fig: Figure, source: str | None, ax=None) -> None:
    """Common end: a scale bar on a map (``ax``), the source line, a layout leaving room for it."""
    if ax is not None:
        barre_echelle(ax)
    ligne_source(fig, source)
    fig.tight_layout(rect=(0, 0.04 if source else 0, 1, 1))


def _metro(gdf: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Features of ``gdf`` that intersect metropolitan France, in Lambert-93."""
    gdf = gdf.to_crs(LAMBERT93)
    xmin, ymin, xmax, ymax = regions.to_crs(LAMBERT93).total_bounds
    return gdf.cx[xmin:xmax, ymin:ymax]


def _base(ax, regions: gpd.GeoDataFrame) -> None:
    regions.to_crs(LAMBERT93).plot(ax=ax, color=LIGHT, edgecolor="white", linewidth=0.6)
    ax.set_axis_off()
    ax.set_aspect("equal")


def _frame(ax, regions: gpd.GeoDataFrame) -> None:
    regions.to_crs(LAMBERT93).boundary.plot(ax=ax, color="0.3", linewidth=0.4)


@_styled(grid=False)
def carte_phases(outlines: Mapping[str, gpd.GeoDataFrame], regions: gpd.GeoDataFrame, source: str | None = None) -> Figure:
    """One panel per phase: the TI outlines over the régions; ``outlines``: {title: outlines}."""
    fig, axes = plt.subplots(1, len(outlines), figsize=(4.6 * len(outlines), 4.8))
    statique(fig)
    for ax, (title, gdf) in zip(np.atleast_1d(axes), outlines.items()):
        _base(ax, regions)
        _metro(gdf, regions).plot(ax=ax, color=BLUE, alpha=0.75, edgecolor="white", linewidth=0.2)
        _frame(ax, regions)
        ax.set_title(title, fontsize=11)
        barre_echelle(ax)
    _finir(fig, source)
    drawn = couches({title: attributs(_metro(gdf, regions)) for title, gdf in outlines.items()})
    return avec_donnees(fig, drawn, "sans unité (contours)", source)


@_styled(grid=False)
def carte_categories(
    outlines: gpd.GeoDataFrame,
    column: str,
    regions: gpd.GeoDataFrame,
    order: Sequence[str] | None = None,
    legend_title: str = "",
    colours: Mapping[str, str] | None = None,
    source: str | None = None,
) -> Figure:
    """TI outlines coloured by a categorical column (e.g. the typology profile); ``colours``
    (``couleurs_categories``) keeps one colour per category across maps."""
    gdf = _metro(outlines, regions)
    cats = list(order) if order is not None else sorted(gdf[column].dropna().unique())
    colours = dict(colours) if colours is not None else couleurs_categories(cats)
    fig, ax = plt.subplots(figsize=(7, 6.4))
    statique(fig)
    _base(ax, regions)
    for cat in cats:
        part = gdf.loc[gdf[column] == cat]
        if not part.empty:
            part.plot(ax=ax, color=colours[cat], edgecolor="white", linewidth=0.2)
    _frame(ax, regions)
    handles = [Patch(color=colours[c], label=c) for c in cats]
    ax.legend(handles=handles, title=legend_title or None, loc="lower left", fontsize=8, title_fontsize=8, frameon=False,
              bbox_to_anchor=(-0.02, -0.12), ncol=2)
    _finir(fig, source, ax)
    return avec_donnees(fig, attributs(gdf.loc[gdf[column].isin(cats)], (column,)), legend_title or column, source)


@_styled(grid=False)
def carte_classes(
    gdf: gpd.GeoDataFrame,
    column: str,
    regions: gpd.GeoDataFrame,
    legend_title: str,
    k: int = 5,
    scheme: str = "Quantiles",
    decimals: int = 0,
    overlay: gpd.GeoDataFrame | None = None,
    overlay_label: str | None = None,
    source: str | None = None,
) -> Figure:
    """Choropleth of ``column`` in ``k`` mapclassify classes (``scheme``), optional outlines on top."""
    data = _metro(gdf, regions).dropna(subset=[column])
    import mapclassify  # with scipy and scikit-learn (~2 s): only where a choropleth is classed

    classifier = mapclassify.classify(data[column].to_numpy(), scheme=scheme, k=k)
    bins = [data[column].min(), *classifier.bins]
    labels = [f"{nombre(lo, decimals)} – {nombre(hi, decimals)}" for lo, hi in zip(bins[:-1], bins[1:])]
    colours = plt.get_cmap("Blues")(np.linspace(0.2, 0.95, len(labels)))
    fig, ax = plt.subplots(figsize=(7, 6.4))
    statique(fig)
    _base(ax, regions)
    data.assign(_classe=classifier.yb).plot(ax=ax, color=[colours[c] for c in classifier.yb], edgecolor="white", linewidth=0.3)
    handles = [Patch(color=c, label=lab) for c, lab in zip(colours, labels)]
    if overlay is not None:
        _metro(overlay, regions).boundary.plot(ax=ax, color=ORANGE, linewidth=0.6)
        handles.append(Line2D([], [], color=ORANGE, lw=1.2, label=overlay_label or ""))
    _frame(ax, regions)
    ax.legend(handles=handles, title=legend_title, loc="lower left", fontsize=8, title_fontsize=8, frameon=False, bbox_to_anchor=(-0.02, -0.05))
    _finir(fig, source, ax)
    drawn = couches({"zone": attributs(data.assign(classe=[labels[c] for c in classifier.yb]), (column, "classe")),
                     overlay_label or "contour": attributs(None if overlay is None else _metro(overlay, regions))})
    return avec_donnees(fig, drawn, legend_title, source)


@_styled(grid=False)
def carte_points(
    points: gpd.GeoDataFrame,
    flag: str,
    outlines: gpd.GeoDataFrame,
    regions: gpd.GeoDataFrame,
    labels: tuple[str, str],
    outline_label: str,
    source: str | None = None,
) -> Figure:
    """Points coloured by a boolean ``flag`` (``labels`` = (true, false)) over TI outlines."""
    fig, ax = plt.subplots(figsize=(7, 6.4))
    statique(fig)
    _base(ax, regions)
    _metro(outlines, regions).plot(ax=ax, color="#c6d7ea", edgecolor="white", linewidth=0.2)
    _frame(ax, regions)
    pts = _metro(points, regions)
    pts.loc[pts[flag]].plot(ax=ax, color=BLUE, markersize=14, zorder=3)
    pts.loc[~pts[flag]].plot(ax=ax, color=ORANGE, markersize=14, marker="D", zorder=3)
    handles = [
        Patch(color="#c6d7ea", label=outline_label),
        Line2D([], [], color=BLUE, marker="o", lw=0, label=labels[0]),
        Line2D([], [], color=ORANGE, marker="D", lw=0, label=labels[1]),
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False, bbox_to_anchor=(-0.02, -0.05))
    _finir(fig, source, ax)
    drawn = couches({"point": attributs(pts.assign(legende=np.where(pts[flag], *labels)), (flag, "legende")),
                     outline_label: attributs(_metro(outlines, regions))})
    return avec_donnees(fig, drawn, "sans unité (points et contours)", source)


@_styled()
def profils_chaleur(centroids: pd.DataFrame, profiles: pd.Series, labels: Mapping[str, str], source: str | None = None) -> Figure:
    """Standardised centroids (z-scores) of each profile on each indicator, as a heat map."""
    z = centroids.rename(index=profiles)
    fig, ax = plt.subplots(figsize=(7.5, 0.36 * len(z.columns) + 1.9))
    lim = float(np.nanmax(np.abs(z.to_numpy())))
    im = ax.imshow(z.T.to_numpy(), cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_yticks(range(len(z.columns)), [labels.get(c, c) for c in z.columns], fontsize=8)
    ax.set_xticks(range(len(z.index)), [wrap(p, 16) for p in z.index], fontsize=8)
    ax.tick_params(axis="x", top=True, labeltop=True, bottom=False, labelbottom=False)
    ax.grid(False)
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            ax.text(i, j, nombre(z.iloc[i, j], 1), ha="center", va="center", fontsize=7.5,
                    color="white" if abs(z.iloc[i, j]) > 0.6 * lim else "black")
    fig.colorbar(im, ax=ax, label="Écart à la moyenne des TI\n(écarts-types)", shrink=0.8)
    _finir(fig, source)
    drawn = z.rename(columns=lambda c: labels.get(c, c)).rename_axis(index="profil", columns="indicateur").stack().rename("ecart")
    return avec_donnees(fig, drawn.reset_index(), "écarts-types à la moyenne des TI", source)


@_styled()
def nuage(
    df: pd.DataFrame, x: str, y: str, xlabel: str, ylabel: str, label: str | None = None, n_labels: int = 5, source: str | None = None
) -> Figure:
    """Scatter with the OLS line; the ``n_labels`` highest values of ``y`` are named."""
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    ax.scatter(df[x], df[y], s=18, color=BLUE, alpha=0.75)
    slope, intercept = np.polyfit(df[x].astype("float64"), df[y].astype("float64"), 1)
    grid = np.linspace(df[x].min(), df[x].max(), 50)
    ax.plot(grid, intercept + slope * grid, color=ORANGE, lw=1.5)
    if label:
        for _, row in df.nlargest(n_labels, y).iterrows():
            ax.annotate(row[label], (row[x], row[y]), xytext=(4, 2), textcoords="offset points", fontsize=7)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    _finir(fig, source)
    drawn = df[[c for c in (label, x, y) if c]].assign(pente_mco=slope, constante_mco=intercept)
    return avec_donnees(fig, drawn, f"{x} : {xlabel} ; {y} : {ylabel}", source)


@_styled()
def coefficients(table: pd.DataFrame, labels: Mapping[str, str], xlabel: str, source: str | None = None) -> Figure:
    """Point estimates and 95 % intervals of a tidy regression table (constant left out)."""
    t = table.loc[table["term"] != "const"].iloc[::-1]
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(t) + 1.2))
    y = np.arange(len(t))
    ax.errorbar(t["estimate"], y, xerr=[t["estimate"] - t["ci_low"], t["ci_high"] - t["estimate"]], fmt="o", color=BLUE, capsize=3)
    ax.axvline(0, color=GREY, lw=0.8)
    ax.set_yticks(y, [labels.get(v, v) for v in t["term"]], fontsize=8)
    ax.set_xlabel(xlabel)
    ax.grid(alpha=0.3, axis="x")
    _finir(fig, source)
    drawn = t.iloc[::-1].assign(variable=lambda d: [labels.get(v, v) for v in d["term"]])
    return avec_donnees(fig, drawn[["term", "variable", "estimate", "ci_low", "ci_high"]], xlabel, source)


@_styled()
def positions(
    values: pd.DataFrame, labels: Mapping[str, str], columns: Sequence[str], names: Sequence[str], source: str | None = None
) -> Figure:
    """Dot plot of z-scores per indicator (rows of ``values``) for several series (``columns``)."""
    fig, ax = plt.subplots(figsize=(7, 0.42 * len(values) + 1.4))
    y = np.arange(len(values))[::-1]
    markers = ("o", "s", "^", "D")
    for i, (col, name) in enumerate(zip(columns, names)):
        ax.scatter(values[col], y, label=name, color=PALETTE[i], marker=markers[i % 4], s=50 if i == 0 else 30, zorder=3 - i * 0.1)
    ax.axvline(0, color=GREY, lw=0.8)
    ax.set_yticks(y, [labels.get(v, v) for v in values.index], fontsize=8)
    ax.set_xlabel("Écart à la moyenne des TI (écarts-types)")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.3 / max(len(values), 1)), ncol=len(columns))
    _finir(fig, source)
    drawn = values[list(columns)].rename(columns=dict(zip(columns, names)), index=lambda v: labels.get(v, v))
    drawn = drawn.rename_axis(index="indicateur", columns="serie").stack().rename("ecart").reset_index()
    return avec_donnees(fig, drawn, "écarts-types à la moyenne des TI", source)
