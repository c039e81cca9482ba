"""The indicator registry, read from ``data/indicateurs.toml`` (its header documents every field).

``INDICATORS`` maps each indicator's name to an ``Indicator``: French label (long) and short
label, definition, unit, decimals, source, years, pillar of the programme, theme, method,
direction (what a higher value means), geographic basis, and its place in the fiche's key
figures, the forces et faiblesses, the typology and the pillar paragraph. ``registry()`` is the table the run
writes with the indicators; ``key_figures``, ``typology_indicators``, ``pillar_indicators``
and ``directions`` give the lists the analyses and publications use. A publication names its
indicators (a tuple of names) and asks ``indicator(name)`` for the label, unit and decimals
(``heading`` writes a column heading): no other module declares indicator metadata.

The four pillars are those of the Territoires d'industrie programme: attractivité,
compétences, innovation, simplification; ``pillar_coverage()`` says which pillar has no
indicator (no open data measures administrative simplification at territorial level).
"""

from __future__ import annotations

import re

import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.texte import decimales

DIRECTIONS = {"hausse_favorable": 1, "baisse_favorable": -1, "neutre": 0}
REQUIRED = ("name", "label", "definition", "unit", "source", "year", "pillar", "theme", "geographic_basis", "direction")
RANKS = ("key_figure", "typology", "fiche_pillar")
COUNTS = ("decimals",)  # non-negative integers
_TABLES = ("pillars", "source_texts", "shared_methods", "geographic_bases")


class RegistreError(ValueError):
    """The registry file is malformed; the message (French) names the entry and the field."""


class IndicateurInconnu(LookupError):
    """A name that is not an indicator of the registry; the message (French) names it."""


@dataclass(frozen=True, kw_only=True)
class Indicator:
    """One entry of the registry, with ``source`` and ``method`` resolved to their texts."""

    name: str
    label: str
    definition: str
    unit: str
    source: str
    year: str
    pillar: str
    theme: str
    method: str
    short_label: str
    decimals: int
    direction: str
    geographic_basis: str
    forces_faiblesses: bool = False
    key_figure: int | None = None
    typology: int | None = None
    fiche_pillar: int | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in RANKS:
                ok = value is None or (type(value) is int and value >= 1)
                expected = "un entier ≥ 1 (rang)"
            elif f.name in COUNTS:
                ok, expected = type(value) is int and value >= 0, "un entier ≥ 0"
            elif f.name == "forces_faiblesses":
                ok, expected = type(value) is bool, "true ou false"
            else:
                ok, expected = isinstance(value, str) and (value != "" or f.name == "method"), "un texte non vide"
            if not ok:
                raise RegistreError(_where(self.name, f.name) + f"{value!r} n'est pas {expected}")
        if self.direction not in DIRECTIONS:
            raise RegistreError(_where(self.name, "direction") + f"valeur {self.direction!r} inconnue (valeurs possibles : {', '.join(DIRECTIONS)})")

    @property
    def sens(self) -> int:
        """+1 when a higher value is better, −1 when it is worse, 0 when neither."""
        return DIRECTIONS[self.direction]

    @property
    def display_unit(self) -> str:
        """The unit as tables print it beside a bare number: '€' for an amount per year, the
        registry's unit otherwise ('%', '%/an', '€/m²')."""
        return "€" if self.unit == "€/an" else self.unit


@dataclass(frozen=True)
class Registre:
    pillars: dict[str, str]  # pillar -> note shown when no indicator measures it
    geographic_bases: dict[str, str]
    indicators: dict[str, Indicator]


def _where(name: str, field: str) -> str:
    return f"indicateur « {name} », champ « {field} » : "


def _reference(entry: dict, field: str, table: dict, table_name: str, required: bool = True) -> str:
    key = entry.get(field)
    if key is None and not required:
        return ""
    if not isinstance(key, str) or key not in table:
        raise RegistreError(_where(entry["name"], field) + f"{key!r} n'est pas une clé de [{table_name}] ({', '.join(table)})")
    return table[key]


def _indicator(entry: dict, tables: dict[str, dict[str, str]]) -> Indicator:
    known = {f.name for f in fields(Indicator)} | {"shared_method"}
    if unknown := sorted(set(entry) - known):
        raise RegistreError(_where(entry["name"], unknown[0]) + f"champ inconnu (champs possibles : {', '.join(sorted(known))})")
    if missing := [f for f in REQUIRED if f not in entry]:
        raise RegistreError(_where(entry["name"], missing[0]) + "champ obligatoire manquant")
    _reference(entry, "pillar", tables["pillars"], "pillars")
    _reference(entry, "geographic_basis", tables["geographic_bases"], "geographic_bases")
    shared = _reference(entry, "shared_method", tables["shared_methods"], "shared_methods", required=False)
    note = entry.get("method", "")
    return Indicator(
        **{k: v for k, v in entry.items() if k != "shared_method"}
        | {
            "source": _reference(entry, "source", tables["source_texts"], "source_texts"),
            "method": " ".join(t for t in (shared, note) if t) if isinstance(note, str) else note,
            "short_label": entry.get("short_label", entry["label"]),
            "decimals": entry.get("decimals", decimales(0, entry["unit"]) if isinstance(entry["unit"], str) else 0),
        }
    )


def _check_ranks(indicators: dict[str, Indicator]) -> None:
    """The ranks of each ordered list (per pillar for ``fiche_pillar``) are 1..n without gaps or repeats."""
    for field in RANKS:
        lists: dict[str, list[Indicator]] = {}
        for ind in indicators.values():
            if getattr(ind, field) is not None:
                lists.setdefault(ind.pillar if field == "fiche_pillar" else "", []).append(ind)
        for members in lists.values():
            ranks = sorted(getattr(i, field) for i in members)
            if ranks != list(range(1, len(ranks) + 1)):
                worst = next(i for i in members if ranks.count(getattr(i, field)) > 1 or getattr(i, field) > len(ranks))
                raise RegistreError(
                    _where(worst.name, field) + f"les rangs {ranks} ne vont pas de 1 à {len(ranks)} sans trou ni doublon"
                )


def load(path: Path) -> Registre:
    """Read and check the registry file; a malformed file raises ``RegistreError``, whose French
    message names the file, the entry and the field."""
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
        if unknown := sorted(set(raw) - {*_TABLES, "indicator"}):
            raise RegistreError(f"table inconnue [{unknown[0]}] (tables possibles : {', '.join(_TABLES)}, [[indicator]])")
        tables = {t: raw.get(t, {}) for t in _TABLES}
        for t, table in tables.items():
            if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
                raise RegistreError(f"table [{t}] : chaque clé doit recevoir un texte")
        entries = raw.get("indicator", [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise RegistreError("les indicateurs se déclarent en [[indicator]] (tableau de tables)")
        indicators: dict[str, Indicator] = {}
        for k, entry in enumerate(entries, start=1):
            if not isinstance(entry.get("name"), str) or not entry["name"]:
                raise RegistreError(f"indicateur n° {k}, champ « name » : manquant ou vide")
            if entry["name"] in indicators:
                raise RegistreError(_where(entry["name"], "name") + "nom déjà déclaré par une entrée précédente")
            indicators[entry["name"]] = _indicator(entry, tables)
        _check_ranks(indicators)
    except tomllib.TOMLDecodeError as exc:
        raise RegistreError(f"registre des indicateurs {path} : syntaxe TOML invalide ({exc})") from None
    except RegistreError as exc:
        raise RegistreError(f"registre des indicateurs {path} : {exc}") from None
    return Registre(pillars=dict(tables["pillars"]), geographic_bases=dict(tables["geographic_bases"]), indicators=indicators)


REGISTRE = load(config.INDICATEURS_FILE)
INDICATORS: dict[str, Indicator] = REGISTRE.indicators
PILLARS: tuple[str, ...] = tuple(REGISTRE.pillars)


def indicator(name: str) -> Indicator:
    """The registry's entry for ``name``; ``IndicateurInconnu`` (French message naming it) when
    the registry has no such indicator. Publications read labels, units and decimals here."""
    try:
        return INDICATORS[name]
    except KeyError:
        raise IndicateurInconnu(
            f"indicateur « {name} » absent du registre {config.INDICATEURS_FILE} : déclarez-le dans ce fichier "
            "ou corrigez le nom (les noms possibles sont les « name » des [[indicator]])"
        ) from None


def heading(name: str, observation: str = "") -> str:
    """Column heading of an indicator in a table of bare numbers: short label and unit, then the
    period of the values when given ('Niveau de vie médian, €', 'Chômage localisé, % (2022)'); a
    unit the short label already says is not repeated ('Emploi salarié privé, indice base 100 en
    2014 (2024)', not '…, indice (2024)')."""
    ind = indicator(name)
    said = re.search(rf"(?<!\w){re.escape(ind.display_unit)}(?!\w)", ind.short_label, flags=re.IGNORECASE)
    return ind.short_label + ("" if said else f", {ind.display_unit}") + (f" ({observation})" if observation else "")


def _ranked(field: str, pillar: str | None = None) -> tuple[str, ...]:
    chosen = [i for i in INDICATORS.values() if getattr(i, field) is not None and pillar in (None, i.pillar)]
    return tuple(i.name for i in sorted(chosen, key=lambda i: getattr(i, field)))


def key_figures() -> tuple[str, ...]:
    """The fiche's key figures (chiffres clés), in order."""
    return _ranked("key_figure")


def typology_indicators() -> tuple[str, ...]:
    """The registry indicators the typology uses, in order (the density is added by the typology)."""
    return _ranked("typology")


def pillar_indicators(pillar: str) -> tuple[str, ...]:
    """The indicators the fiche quotes for ``pillar``, in order."""
    return _ranked("fiche_pillar", pillar)


def directions() -> dict[str, int]:
    """Direction (+1, −1, 0) of the indicators entering the forces et faiblesses, in registry order."""
    return {i.name: i.sens for i in INDICATORS.values() if i.forces_faiblesses}


def registry() -> pd.DataFrame:
    """All indicators, one row each: the texts of the registry (name, label, definition, unit,
    source, year, pillar, theme, method, short_label, direction, geographic_basis) as strings,
    decimals (int64), then forces_faiblesses (bool) and the ranks key_figure, typology,
    fiche_pillar (Int64)."""
    table = pd.DataFrame([asdict(i) for i in INDICATORS.values()])
    texts = [c for c in table.columns if c not in {"forces_faiblesses", *RANKS, *COUNTS}]
    return table.astype({c: str for c in texts} | {c: "int64" for c in COUNTS} | {"forces_faiblesses": bool}
                        | {c: "Int64" for c in RANKS})


def pillar_coverage() -> pd.DataFrame:
    """Number of indicators per pillar, with the registry's note for a pillar without data."""
    counts = registry().groupby("pillar").size().reindex(list(PILLARS), fill_value=0)
    return pd.DataFrame(
        {
            "pillar": counts.index,
            "n_indicators": counts.to_numpy(),
            "note": [REGISTRE.pillars[p] if n == 0 else "" for p, n in counts.items()],
        }
    )
