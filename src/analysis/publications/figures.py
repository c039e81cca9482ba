"""Matplotlib drawing functions shared by all notebooks (fiches, synthèse, monographies).

Every function takes data and French labels in and returns a ``matplotlib.figure.Figure``
(never saved, never shown here): the notebook displays it and closes it (``show``). One
sober style for all documents (``STYLE``, applied inside each function only): white
background, light horizontal grid, no top/right spines, a dark blue for the territory,
greys and muted colours for the comparison areas. Axis ticks are formatted the French way
(``12 345``, ``1,5``) and periods published as strings (``"2014"``, ``"2022-T2"``,
``"2020-01"``) are turned into dates by ``period_dates``.
"""

from __future__ import annotations

import base64
import io
import os
import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from PIL import Image

from analysis import mois
from analysis.fichiers import write_atomic
from analysis.texte import MOIS_COURTS, nombre

STYLE = {
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "axes.edgecolor": "#555555",
    "axes.linewidth": 0.8,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "font.family": "DejaVu Sans",
    "lines.linewidth": 1.6,
}

PRINCIPALE = "#1f4e79"  # the territory
PALETTE = ("#c55a11", "#7f7f7f", "#5b9bd5", "#70ad47", "#a5a5a5", "#8064a2", "#bf9000")

def _ignore_draw_request(*args, **kwargs) -> None:
    """What a static figure's canvas does when asked to redraw itself (``statique``): nothing."""


def statique(fig: Figure) -> Figure:
    """The figure, drawn only when it is shown or saved. geopandas ends each layer it plots
    with ``canvas.draw_idle()``, which the inline and Agg canvases honour at once by drawing the
    whole figure: a fiche's two maps were drawn seven more times than shown (0.8 s a fiche).
    Those requests are ignored here; showing or saving the figure draws it as before.

    >>> fig = statique(plt.figure())
    >>> fig.canvas.draw_idle() is None
    True
    """
    fig.canvas.draw_idle = _ignore_draw_request
    return fig


def french_formatter(decimals: int = 0, suffix: str = "") -> FuncFormatter:
    """Tick formatter: 12345 -> '12 345', 1.5 (decimals=1) -> '1,5' (+ suffix)."""
    return FuncFormatter(lambda v, _pos: f"{nombre(v, decimals)}{suffix}")


def _decimals(values: np.ndarray) -> int:
    """Decimals the y ticks need: 0 for a wide range, 1 below 20 units."""
    finite = values[np.isfinite(values)]
    span = float(np.ptp(finite)) if finite.size else 0.0
    return 0 if span >= 20 else 1


def ligne_source(fig: Figure, source: str | None) -> None:
    """The "Source : ..." line at the bottom left of a figure (nothing without a source)."""
    if source:
        fig.text(0.01, 0.01, f"Source : {source}", fontsize=7.5, color="#555555", ha="left", va="bottom")


def _colours(names: Sequence[str], principale: str | None) -> dict[str, str]:
    others = iter(PALETTE * (1 + len(names) // len(PALETTE)))
    return {n: PRINCIPALE if n == principale else next(others) for n in names}


def lignes(
    df: pd.DataFrame,
    x: str,
    y: str,
    serie: str,
    *,
    titre: str | None = None,
    ylabel: str | None = None,
    principale: str | None = None,
    reference: float | None = None,
    source: str | None = None,
    suffixe: str = "",
    ordre: Sequence[str] | None = None,
    attenuees: Sequence[str] = (),
    unite: str | None = None,
) -> Figure:
    """One line per value of ``serie`` (y against x: numbers or dates).

    ``principale`` (usually the territory) is drawn thicker in dark blue, the others thinner;
    ``attenuees`` (e.g. the territory's peers) thinner still, dotted; ``reference`` draws a
    horizontal line (e.g. 100 for an index); ``ordre`` fixes the legend order. Dates on x get
    year ticks.
    """
    names = list(ordre) if ordre is not None else list(dict.fromkeys(df[serie]))
    colours = _colours(names, principale)
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots()
        for name in names:
            part = df.loc[df[serie] == name].sort_values(x)
            if part.empty:
                continue
            main, faint = name == principale, name in attenuees
            ax.plot(
                part[x],
                part[y],
                label=name,
                color=colours[name],
                linewidth=2.4 if main else 1.1 if faint else 1.4,
                linestyle=":" if faint else "-" if main or principale is None else (0, (4, 1.5)),
                zorder=3 if main else 1.5 if faint else 2,
            )
        if reference is not None:
            ax.axhline(reference, color="#333333", linewidth=0.8, zorder=1)
        if pd.api.types.is_datetime64_any_dtype(df[x]):
            ax.xaxis.set_major_locator(mdates.YearLocator(base=_year_step(df[x])))
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f}"))
        ax.yaxis.set_major_formatter(french_formatter(_decimals(df[y].to_numpy(dtype="float64")), suffixe))
        if titre:
            ax.set_title(titre)
        if ylabel:
            ax.set_ylabel(ylabel)
        if len(names) > 1:
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=_ncol(names))
        ligne_source(fig, source)
        fig.tight_layout(rect=(0, 0.04 if source else 0, 1, 1))
    drawn = df.loc[df[serie].isin(names), [serie, x, y]].sort_values([serie, x], key=_order(names, serie))
    unit = unite or ylabel or titre or suffixe.strip()
    ordered = [principale, *(n for n in names if n != principale)] if principale in names else names
    return avec_donnees(fig, drawn, unit, source, alt=message_lignes(drawn, x, y, serie, ordered, unit))


def _order(names: Sequence[str], column: str):
    """Sort key putting the values of ``column`` in the order of ``names`` (other columns as they are)."""
    rank = {n: i for i, n in enumerate(names)}
    return lambda s: s.map(rank) if s.name == column else s


def _ncol(names: Sequence[str]) -> int:
    """Legend columns: all on one row when the labels are short, two per row otherwise."""
    return min(len(names), 4) if sum(len(str(n)) for n in names) <= 70 else min(len(names), 2)


def _year_step(dates: pd.Series) -> int:
    years = dates.dt.year.max() - dates.dt.year.min()
    return 1 if years <= 8 else 2 if years <= 16 else 4


def barres(
    df: pd.DataFrame,
    categorie: str,
    valeur: str,
    serie: str | None = None,
    *,
    titre: str | None = None,
    label_valeur: str | None = None,
    principale: str | None = None,
    source: str | None = None,
    decimales: int = 1,
    suffixe: str = "",
    horizontal: bool = False,
    annoter: bool = True,
    unite: str | None = None,
) -> Figure:
    """Bars of ``valeur`` by ``categorie`` (order of first appearance), grouped by ``serie``.

    Vertical by default, horizontal for long category labels. Values are written at the bar
    ends in French format (``decimales``, ``suffixe``); a zero line is drawn when values
    change sign. Missing values leave a gap. The bars are attached as the figure's data, in
    ``unite`` (else the value label, else the title, else the suffix).
    """
    cats = list(dict.fromkeys(df[categorie]))
    names = list(dict.fromkeys(df[serie])) if serie else [None]
    colours = _colours([n for n in names if n is not None], principale) if serie else {None: PRINCIPALE}
    width = 0.8 / len(names)
    pos = np.arange(len(cats), dtype="float64")
    values = df[valeur].to_numpy(dtype="float64")
    finite = values[np.isfinite(values)]
    span = float(np.ptp(np.append(finite, 0.0))) if finite.size else 1.0
    with mpl.rc_context({**STYLE, "axes.grid.axis": "x" if horizontal else "y"}):
        height = max(2.6, 0.35 * len(cats) * max(1, len(names)) + 1.2) if horizontal else STYLE["figure.figsize"][1]
        fig, ax = plt.subplots(figsize=(STYLE["figure.figsize"][0], height))
        for i, name in enumerate(names):
            part = df if name is None else df.loc[df[serie] == name]
            vals = part.set_index(categorie)[valeur].reindex(cats).to_numpy(dtype="float64")
            offset = pos - 0.4 + width * (i + 0.5)
            bar = ax.barh if horizontal else ax.bar
            rects = bar(offset, np.nan_to_num(vals), width * 0.92, label=name, color=colours[name])
            if annoter:
                for rect, v in zip(rects, vals):
                    text = f"{nombre(v, decimales)}{suffixe}" if np.isfinite(v) else "n.d."
                    _annotate(ax, rect, v if np.isfinite(v) else 0.0, horizontal, span, text)
        if horizontal:
            ax.set_yticks(pos, [wrap(str(c), 45) for c in cats])
            ax.invert_yaxis()
            ax.xaxis.set_major_formatter(french_formatter(_decimals(values), suffixe))
            if label_valeur:
                ax.set_xlabel(label_valeur)
        else:
            ax.set_xticks(pos, cats)
            ax.yaxis.set_major_formatter(french_formatter(_decimals(values), suffixe))
            if label_valeur:
                ax.set_ylabel(label_valeur)
        if finite.size and finite.min() < 0:
            (ax.axvline if horizontal else ax.axhline)(0, color="#333333", linewidth=0.8)
        _pad_limits(ax, finite, horizontal, span)
        if titre:
            ax.set_title(titre)
        if serie and len(names) > 1:
            # below the tick labels (and the value axis label of horizontal bars), in inches, centred
            # on the figure: long category labels push the axes right, and a legend centred on them
            # would pass the figure's right edge
            below = (0.55 if horizontal and label_valeur else 0.35) / ax.get_position().height / fig.get_figheight()
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -below), ncol=_ncol(names),
                      bbox_transform=mpl.transforms.blended_transform_factory(fig.transFigure, ax.transAxes))
        ligne_source(fig, source)
        fig.tight_layout(rect=(0, 0.04 if source else 0, 1, 1))
    drawn = df[[c for c in (serie, categorie, valeur) if c]]
    unit = unite or label_valeur or titre or suffixe.strip()
    ordered = [principale, *(n for n in names if n != principale)] if principale in names else names
    return avec_donnees(fig, drawn, unit, source,
                        alt=message_barres(drawn, categorie, valeur, serie, ordered, unit, decimales, suffixe))


def _annotate(ax, rect, value: float, horizontal: bool, span: float, text: str) -> None:
    gap = 0.01 * span
    if horizontal:
        x = rect.get_width() + (gap if value >= 0 else -gap)
        ax.text(x, rect.get_y() + rect.get_height() / 2, text, va="center", ha="left" if value >= 0 else "right", fontsize=7.5)
    else:
        y = rect.get_height() + (gap if value >= 0 else -gap)
        ax.text(rect.get_x() + rect.get_width() / 2, y, text, ha="center", va="bottom" if value >= 0 else "top", fontsize=7.5)


def _pad_limits(ax, finite: np.ndarray, horizontal: bool, span: float) -> None:
    """Room for the value labels beyond the longest bars."""
    if not finite.size:
        return
    low, high = min(finite.min(), 0.0), max(finite.max(), 0.0)
    pad = 0.14 * (span or 1.0)
    (ax.set_xlim if horizontal else ax.set_ylim)(low - (pad if low < 0 else 0), high + (pad if high > 0 else 0))


def wrap(text: str, width: int = 22) -> str:
    """Break a label into lines of at most ``width`` characters (at spaces)."""
    return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)


class FigureSansDonnees(ValueError):
    """A figure displayed without the data it draws (``avec_donnees`` was not called)."""


N_ALT = 4  # series (lines) or categories (bars) an alternative text names; the others are counted


def _valeur_alt(value: float, decimales: int | None = None, suffixe: str = "") -> str:
    """A value in an alternative text: ``decimales`` as the figure labels it, else none from 100
    on and one below (the CSV has every digit)."""
    if not np.isfinite(value):
        return "n.d."
    return f"{nombre(value, decimales if decimales is not None else 0 if abs(value) >= 100 else 1)}{suffixe}"


def _x_alt(x, annees: bool = True) -> str:
    """An x value in French: a whole number, a year for a date when every date drawn is a
    1 January (``annees``), else 'mars 2024'."""
    if isinstance(x, pd.Timestamp):
        return str(x.year) if annees else f"{MOIS_COURTS[x.month - 1]} {x.year}"
    return f"{x:.0f}" if isinstance(x, int | float | np.number) and float(x).is_integer() else str(x)


def _years(a, b) -> float:
    return (b - a).days / 365.25 if isinstance(a, pd.Timestamp) else float(b - a)


def message_lignes(drawn: pd.DataFrame, x: str, y: str, serie: str, names: Sequence[str], unite: str) -> str:
    """The alternative text of a line chart, from the data it draws: per line (``names`` first,
    at most ``N_ALT``), its first and last values and, for positive values not in %, the annual
    growth between them. E.g. « Emplois. Dreux : de 19 318 en 2018 à 20 599 en 2024 (+1,1 %/an) ;
    France : … »."""
    parts = []
    dates = pd.Series(drawn[x]) if pd.api.types.is_datetime64_any_dtype(drawn[x]) else None
    annees = dates is None or bool(((dates.dt.month == 1) & (dates.dt.day == 1)).all())

    def when(v) -> str:
        return _x_alt(v, annees)

    for name in names[:N_ALT]:
        part = drawn.loc[(drawn[serie] == name) & drawn[y].notna()].sort_values(x)
        if part.empty:
            parts.append(f"{name} : aucune valeur")
            continue
        (x0, v0), (x1, v1) = part[[x, y]].iloc[0], part[[x, y]].iloc[-1]
        if len(part) == 1:
            parts.append(f"{name} : {_valeur_alt(v0)} en {when(x0)}")
            continue
        text = f"{name} : de {_valeur_alt(v0)} en {when(x0)} à {_valeur_alt(v1)} en {when(x1)}"
        span = _years(x0, x1)
        if "%" not in unite and v0 > 0 and v1 > 0 and span >= 1:
            growth = round(100 * ((v1 / v0) ** (1 / span) - 1), 1) + 0.0  # never « -0,0 »
            text += f" ({'+' if growth > 0 else ''}{nombre(growth, 1)} %/an)"
        parts.append(text)
    if len(names) > N_ALT:
        parts.append(f"et {len(names) - N_ALT} autres courbes")
    return _debut(unite) + " ; ".join(parts) + "."


def message_barres(drawn: pd.DataFrame, categorie: str, valeur: str, serie: str | None, names: Sequence[str | None],
                   unite: str, decimales: int, suffixe: str) -> str:
    """The alternative text of a bar chart, from the data it draws: per category (at most
    ``N_ALT``, in the order drawn), its value, or the value of each series (``names`` first).
    E.g. « %. Industrie : Dreux 16,2 %, France 12,4 % ; … »."""
    cats = list(dict.fromkeys(drawn[categorie]))
    parts = []
    for cat in cats[:N_ALT]:
        rows = drawn.loc[drawn[categorie] == cat]
        if serie is None:
            parts.append(f"{cat} : {_valeur_alt(float(rows[valeur].iloc[0]), decimales, suffixe)}")
        else:
            values = rows.set_index(serie)[valeur]
            parts.append(f"{cat} : " + ", ".join(f"{n} {_valeur_alt(float(values[n]), decimales, suffixe)}"
                                                 for n in names if n in values.index))
    if len(cats) > N_ALT:
        parts.append(f"et {len(cats) - N_ALT} autres barres")
    return _debut(unite) + " ; ".join(parts) + "."


_LABELS = ("lib", "nom", "territoire", "variable", "indicateur", "profil", "serie", "groupe")
_AXES = ("annee", "year", "abscisse", "rel_", "date", "ci_", "mois")  # positions and bounds, not the values shown


def _debut(unite: str) -> str:
    """The unit as the first sentence of an alternative text: 'Emplois. '."""
    return f"{unite[:1].upper()}{unite[1:].rstrip('.')}. "


def resume(donnees: pd.DataFrame, unite: str) -> str:
    """The alternative text of any other figure (maps, scatter plots, heat maps), from the data
    it draws: the number of rows, and for the values (the first numeric column that is not a
    position or a bound, ``_AXES``) their lowest, median and highest, with the names of their
    rows; without numbers, the rows of each category."""
    numeric = [c for c in donnees.columns if pd.api.types.is_numeric_dtype(donnees[c]) and not pd.api.types.is_bool_dtype(donnees[c])]
    text = [c for c in donnees.columns if c not in numeric
            and (pd.api.types.is_object_dtype(donnees[c]) or pd.api.types.is_string_dtype(donnees[c]))]
    labels = [c for c in text if c.lower().startswith(_LABELS)][:2] or text[:1]
    head = f"{_debut(unite)}{len(donnees)} éléments représentés"
    shown = next((c for c in numeric if not c.lower().startswith(_AXES)), numeric[0] if numeric else None)
    values = donnees[shown].dropna() if shown else pd.Series(dtype="float64")
    if not values.empty:
        low, high = values.idxmin(), values.idxmax()

        def who(i) -> str:
            names = [str(donnees.at[i, c]) for c in labels if pd.notna(donnees.at[i, c])]
            return f" ({', '.join(names)})" if names else ""

        return (f"{head} ; {shown} : de {_valeur_alt(values[low])}{who(low)} à {_valeur_alt(values[high])}{who(high)}, "
                f"médiane {_valeur_alt(float(values.median()))}.")
    groups = [c for c in text if c not in labels and 1 < donnees[c].nunique() <= 8]
    if groups:
        counts = donnees[groups[-1]].value_counts(sort=False)
        return f"{head} : " + ", ".join(f"{k} ({n})" for k, n in counts.items()) + "."
    return head + "."


def avec_donnees(fig: Figure, donnees: pd.DataFrame, unite: str, source: str | None, alt: str | None = None) -> Figure:
    """Attach to ``fig`` the data it draws: ``donnees`` (one row per value drawn, values as
    computed, never rounded) with a ``unite`` and a ``source`` column, and its alternative text,
    ``alt`` (the message of the figure from these data: ``message_lignes``, ``message_barres``),
    by default ``resume`` of them; ``show`` publishes both. Returns ``fig``."""
    fig._donnees = donnees.reset_index(drop=True).assign(unite=unite, source=source or "")
    fig._alt = alt or resume(donnees.reset_index(drop=True), unite)
    return fig


def texte_alternatif(fig: Figure) -> str:
    """The alternative text attached to ``fig`` (``avec_donnees``; ``donnees`` refuses a figure without)."""
    donnees(fig)
    return fig._alt


def donnees(fig: Figure) -> pd.DataFrame:
    """The data attached to ``fig`` (``avec_donnees``); ``FigureSansDonnees`` when there is none."""
    table = getattr(fig, "_donnees", None)
    if table is None:
        title = next((ax.get_title() for ax in fig.axes if ax.get_title()), "sans titre")
        raise FigureSansDonnees(
            f"figure « {title} » sans ses données : la fonction qui la dessine doit appeler "
            "avec_donnees(fig, table, unite, source)"
        )
    return table


def csv_text(table: pd.DataFrame) -> str:
    """A figure's data as CSV text (dates as YYYY-MM-DD, codes kept as written)."""
    dates = {c: table[c].dt.strftime("%Y-%m-%d") for c in table.columns if pd.api.types.is_datetime64_any_dtype(table[c])}
    return table.assign(**dates).to_csv(index=False)


_numbers: dict[str, int] = {}  # figures shown so far, per executed notebook
CLASSE_LIEN_DONNEES = "donnees-figure"  # the HTML class of the link under a figure to its data


def ecrire_donnees(table: pd.DataFrame) -> str | None:
    """Write a figure's data beside the notebook the run is executing (``mois.CARNET_ENV``,
    ``mois.figure_csv``, numbered in display order) and return the HTML link to it, relative
    to the notebook's page; outside a run (a notebook opened in JupyterLab), None. The link is
    HTML, which the site shows and the PDFs leave out: a relative link leads nowhere from a PDF
    read on its own."""
    notebook = os.environ.get(mois.CARNET_ENV)
    if not notebook:
        return None
    _numbers[notebook] = _numbers.get(notebook, 0) + 1
    path = mois.figure_csv(notebook, _numbers[notebook])
    write_atomic(path, lambda tmp: Path(tmp).write_text(csv_text(table), encoding="utf-8"))
    return f'<p class="{CLASSE_LIEN_DONNEES}"><a href="{path.parent.name}/{path.name}">Données de la figure (CSV)</a></p>'


ALT_METADATA = "alt"  # the output metadata key of a figure's alternative text (read by the page's template)
MARGE_POUCES = 0.1  # white margin around what a figure draws, in inches (matplotlib's pad_inches)
PNG_COLOURS = 256  # figures are charts and maps: a palette keeps them intact


def png_palette(image: Image.Image, dpi: float | None = None) -> bytes:
    """``image`` as a PNG with a palette of at most ``PNG_COLOURS`` colours: the same picture to
    the eye for a chart or a map, about 4 times lighter than in full colour (``dpi`` recorded
    when given).

    >>> with Image.open(io.BytesIO(png_palette(Image.new("RGB", (40, 20), "white"), 100))) as image:
    ...     image.mode, image.size, round(image.info["dpi"][0])
    ('P', (40, 20), 100)
    """
    out = io.BytesIO()
    quantized = image.convert("RGB").quantize(PNG_COLOURS, method=Image.Quantize.FASTOCTREE)
    quantized.save(out, "PNG", compress_level=6, **({"dpi": (dpi, dpi)} if dpi else {}))
    return out.getvalue()


def _hors_cadre(fig: Figure, renderer) -> bool:
    """Whether a title, a text or a legend of ``fig`` lies, even in part, outside its canvas
    (as drawn: their extents are those of the last drawing)."""
    width, height = fig.canvas.get_width_height()
    artists = [*fig.texts, *fig.legends]
    for ax in fig.axes:
        artists += [ax.title, ax._left_title, ax._right_title, *ax.texts, *([ax.get_legend()] if ax.get_legend() else [])]
    for artist in artists:
        if artist.get_visible():
            box = artist.get_window_extent(renderer)
            if box.width and (box.x0 < 0 or box.y0 < 0 or box.x1 > width or box.y1 > height):
                return True
    return False


def png(fig: Figure) -> bytes:
    """The figure as PNG, cut to what it draws with a margin of ``MARGE_POUCES``: the picture
    Jupyter's inline backend gives (``bbox_inches="tight"``), from one drawing instead of two
    (matplotlib lays the figure out and draws it once to find what it covers, then draws it
    again). What it covers is read off the drawn pixels; when ink touches the edge of the canvas,
    or a title, text or legend lies outside it, the figure overflows its canvas and matplotlib's
    bounding box is used. The PNG has a palette (``png_palette``), as the site publishes it.

    >>> fig = statique(plt.figure(figsize=(4, 2)))
    >>> _ = fig.text(0.5, 0.5, "Emploi")
    >>> Image.open(io.BytesIO(png(fig))).size[1] < 200  # the white around the word is cut
    True
    """
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    background = np.round(np.array(mpl.colors.to_rgba(fig.get_facecolor())) * 255).astype(np.uint8)
    ink = rgba.view(np.uint32)[..., 0] != background.view(np.uint32)[0]  # a pixel's 4 bytes compared at once
    if not ink.any() or ink[0].any() or ink[-1].any() or ink[:, 0].any() or ink[:, -1].any() or _hors_cadre(fig, fig.canvas.get_renderer()):
        out = io.BytesIO()
        fig.savefig(out, format="png", bbox_inches="tight", pad_inches=MARGE_POUCES, facecolor=fig.get_facecolor())
        with Image.open(out) as image:
            return png_palette(image, fig.dpi)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    pad = round(MARGE_POUCES * fig.dpi)
    height, width = ink.shape
    crop = rgba[max(rows[0] - pad, 0):min(rows[-1] + 1 + pad, height), max(cols[0] - pad, 0):min(cols[-1] + 1 + pad, width)]
    return png_palette(Image.fromarray(crop), fig.dpi)


def show(fig: Figure) -> None:
    """Display a figure in the notebook output (``png``), its alternative text in the output's metadata
    (``ALT_METADATA``), with the link to its data under it (``ecrire_donnees``), and free its
    memory; a figure without its data is refused."""
    from IPython.display import HTML, display

    try:
        table = donnees(fig)
        image = {"image/png": base64.b64encode(png(fig)).decode("ascii"), "text/plain": repr(fig)}
        display(image, raw=True, metadata={ALT_METADATA: texte_alternatif(fig)})
    finally:
        plt.close(fig)
    link = ecrire_donnees(table)
    if link:
        display(HTML(link))


Bloc = str | pd.DataFrame | Figure | None  # what a publication function hands a notebook cell


def afficher(blocs: Bloc | Sequence[Bloc]) -> None:
    """Display blocks in the notebook, in order: a string as Markdown, a table without its
    index, a figure (``show``); ``None`` (a section that has nothing to show this month) is skipped."""
    from IPython.display import Markdown, display

    for bloc in blocs if isinstance(blocs, list | tuple) else [blocs]:
        if isinstance(bloc, str):
            display(Markdown(bloc))
        elif isinstance(bloc, pd.DataFrame):
            display(bloc.style.hide(axis="index"))
        elif bloc is not None:
            show(bloc)
