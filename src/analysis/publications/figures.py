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

from analysis import mois
from analysis.fichiers import write_atomic
from analysis.texte import nombre

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
    return avec_donnees(fig, drawn, unite or ylabel or titre or suffixe.strip(), source)


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
            # below the tick labels (and the value axis label of horizontal bars), in inches
            below = (0.55 if horizontal and label_valeur else 0.35) / ax.get_position().height / fig.get_figheight()
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -below), ncol=_ncol(names))
        ligne_source(fig, source)
        fig.tight_layout(rect=(0, 0.04 if source else 0, 1, 1))
    drawn = df[[c for c in (serie, categorie, valeur) if c]]
    return avec_donnees(fig, drawn, unite or label_valeur or titre or suffixe.strip(), source)


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


def avec_donnees(fig: Figure, donnees: pd.DataFrame, unite: str, source: str | None) -> Figure:
    """Attach to ``fig`` the data it draws: ``donnees`` (one row per value drawn) with a
    ``unite`` and a ``source`` column; ``show`` publishes it as the figure's CSV. Returns ``fig``."""
    fig._donnees = donnees.reset_index(drop=True).assign(unite=unite, source=source or "")
    return fig


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
    return f'<p class="donnees-figure"><a href="{path.parent.name}/{path.name}">Données de la figure (CSV)</a></p>'


def show(fig: Figure) -> None:
    """Display a figure in the notebook output, with the link to its data under it
    (``ecrire_donnees``), and free its memory; a figure without its data is refused."""
    from IPython.display import HTML, display

    try:
        table = donnees(fig)
        display(fig)
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
