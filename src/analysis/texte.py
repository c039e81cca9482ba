"""French formatting of numbers and small sentences, shared by the CLI and all notebooks."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

NBSP = "\u202f"  # narrow no-break space, the French thousands separator


def nombre(value: float | int | None, decimals: int = 0) -> str:
    """30717100 -> '30 717 100'; 45.56 (decimals=1) -> '45,6'. Missing -> 'n.d.'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.d."
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NBSP).replace(".", ",")


def pourcent(value: float | None, decimals: int = 1, signed: bool = False) -> str:
    """45.56 -> '45,6 %' (value already in percent)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.d."
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{nombre(value, decimals)}\u00a0%"


MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre")


MOIS_COURTS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")


def date_fr(iso: str | None) -> str:
    """'2018-09-01' -> '1er septembre 2018'; missing -> 'n.d.'."""
    if iso is None or pd.isna(iso):
        return "n.d."
    year, month, day = (int(x) for x in str(iso).split("-"))
    return f"{ordinal(day) if day == 1 else day} {MOIS[month - 1]} {year}"


def ordinal(n: int) -> str:
    """1 -> '1er', 12 -> '12e'."""
    return "1er" if n == 1 else f"{n}e"


def observation_fr(observation: str, court: bool = False) -> str:
    """'2024-12' -> 'décembre 2024', '2022-T2' -> '2e trimestre 2022', 'a/b' -> 'a – b'; years unchanged.

    ``court`` (tables): 'déc. 2024', 'T2 2022'.
    """
    observation = str(observation)
    if "/" in observation:
        start, end = observation.split("/", 1)
        return f"{observation_fr(start, court)} – {observation_fr(end, court)}"
    if len(observation) == 7 and observation[4] == "-" and observation[5] == "T":
        return f"T{observation[6]} {observation[:4]}" if court else f"{ordinal(int(observation[6]))} trimestre {observation[:4]}"
    if len(observation) == 7 and observation[4] == "-" and observation[5:].isdigit():
        return f"{(MOIS_COURTS if court else MOIS)[int(observation[5:]) - 1]} {observation[:4]}"
    return observation


def minuscule(label: str) -> str:
    """A label inside a sentence: its first letter in lower case ("Part de l'industrie" -> "part de l'industrie")."""
    return label[0].lower() + label[1:]


def majuscule(text: str) -> str:
    """A sentence's first letter in upper case, the rest untouched ("l'EPCI" -> "L'EPCI")."""
    return text[:1].upper() + text[1:]


def pluriel(n: int, singulier: str, pluriel_: str | None = None, zero: str | None = None) -> str:
    """'1 force', '3 forces'; ``zero`` for 0 ('aucune force'), else '0 force'."""
    if n == 0 and zero:
        return f"{zero} {singulier}"
    return f"{nombre(n)} {singulier if n <= 1 else (pluriel_ or singulier + 's')}"


# Counts and agreement: the words of a count in a French sentence.

LETTRES = ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix")
VOYELLES = tuple("aeiouyàâäéèêëîïôöûüœ" + "aeiouyàâäéèêëîïôöûüœ".upper())


def elide(mot: str) -> bool:
    """Does ``mot`` take an elided article or preposition (l', d') ? Before a vowel (not before
    an h, which names of places often aspirate: « de Haguenau »); acronyms read letter by letter
    included (« l'EPCI »)."""
    return mot.startswith(VOYELLES)


# Names of places that take the definite article in a sentence (« le Pays de Lorient », « la
# Vallée de l'Arve », « le Haut-Jura »): their first word and its article. Cardinal points do not (« d'Est du
# Loiret », « de Sud Alsace »), nor names of towns without article.
ARTICLES = {
    "le": ("Pays", "Val", "Bassin", "Bocage", "Centre", "Cœur", "Grand", "Territoire", "PETR", "Axe"),
    "la": ("Vallée", "Baie", "Plaine", "Côte", "Boucle", "Communauté"),
    "les": ("Vallées", "Terres", "Savanes"),
}
CONTRACTIONS = {"le": "du ", "la": "de la ", "l'": "de l'", "les": "des "}


def _article(premier: str) -> str | None:
    """The article a name starting with the word ``premier`` takes in a sentence (``ARTICLES``), or None."""
    if premier.startswith("Haut-"):  # « le Haut-Jura »
        return "le"
    return next((a for a, mots in ARTICLES.items() if premier in mots), None)


def de_parts(nom: str) -> tuple[str, str]:
    """The preposition de before a name, contracted with its article, and the name as it
    follows: ('du ', 'Pays de Lorient – Quimperlé'), ('du ', 'Puy – Jeune Loire') for « Le Puy
    – Jeune Loire », ('de La ', 'Roche-sur-Yon'), ('de la ', "Vallée de l'Arve"), ("d'", 'Est
    du Loiret'), ('de ', 'Valence Romans Agglo'). A link keeps the preposition outside its
    brackets: f"{prefix}[{rest}](…)"."""
    premier, _, reste = nom.partition(" ")
    if premier in ("Le", "Les") and reste:  # « Le Port », « Les Mureaux »: du Port, des Mureaux
        return CONTRACTIONS[premier.lower()], reste
    if premier == "La" and reste:
        return "de La ", reste
    if nom.startswith(("L'", "L’")):
        return "de ", nom
    if article_nom(nom):  # « du Pays de… », « de l'Axe Seine »
        return CONTRACTIONS[article_nom(nom).strip()], nom
    return ("d'", nom) if elide(nom) else ("de ", nom)


def article_nom(nom: str) -> str:
    """The article a name takes in a sentence, as written before it: 'le ' (Pays de Lorient –
    Quimperlé), "l'" (Axe Seine), 'les ' (Terres de Lorraine); '' for a name without article
    (Est du Loiret) or holding its own (Le Puy – Jeune Loire). ``majuscule`` at the start of a sentence."""
    mot = _article(nom.partition(" ")[0])
    if mot is None:
        return ""
    return "l'" if elide(nom) and mot != "les" else f"{mot} "


def le(nom: str) -> str:
    """A name as the subject of a sentence, with its article (``article_nom``): 'le Pays de Lorient
    – Quimperlé', "l'Axe Seine", 'les Terres de Lorraine'; 'Est du Loiret', 'Le Puy – Jeune
    Loire' unchanged."""
    return article_nom(nom) + nom


def de(nom: str) -> str:
    """The preposition before a name: 'de Valence Romans Agglo', "d'Est du Loiret", 'du Pays de
    Lorient', 'de la Vallée de la Maurienne', 'du Puy – Jeune Loire' (``de_parts``)."""
    return "".join(de_parts(nom))


def en_lettres(n: int, feminin: bool = False) -> str:
    """A small count in words (0 to 10, 'une' in the feminine), larger ones in figures: 2 -> 'deux', 12 -> '12'."""
    if 0 <= n < len(LETTRES):
        return "une" if n == 1 and feminin else LETTRES[n]
    return nombre(n)


def accord(n: int, singulier: str, pluriel_: str | None = None) -> str:
    """The form of a word agreeing with a count: 'entré' (1), 'entrés' (2)."""
    return singulier if n <= 1 else (pluriel_ or singulier + "s")


def article(n: int, singulier: str, pluriel_: str | None = None, feminin: bool = False, defini: str = "les") -> str:
    """A counted noun with its definite article (``defini`` = 'les') or the preposition de +
    article (``defini`` = 'des'): 'l'EPCI' / 'les deux EPCI' / 'les 12 EPCI'; 'de l'EPCI' /
    'du territoire' / 'de la commune' / 'des trois communes'. Capitalise the result when it
    starts a sentence."""
    if n == 1:
        mot = singulier
        le = "l'" if elide(mot) else ("la " if feminin else "le ")
        return (le if defini == "les" else {"l'": "de l'", "la ": "de la ", "le ": "du "}[le]) + mot
    return f"{defini} {en_lettres(n, feminin)} {pluriel_ or singulier + 's'}"


def decimales(value: float, unit: str) -> int:
    """Decimals ``valeur`` prints for a value of ``unit``."""
    if unit in {"%", "points"} or unit.startswith("indice"):
        return 1
    if unit in {"%/an", "ratio"}:
        return 2
    if unit in {"€/an", "€/m²", "€", "km²"}:
        return 0
    return 0 if float(value).is_integer() or abs(value) >= 100 else 1


def valeur(value: float | None, unit: str, manquant: str = "n.d.") -> str:
    """A value with its unit (registry or facts units), French style.

    '7,5 %', '+1,2 %/an', '1 850 €/m²', '21 458 €', '+3,4 pts', '1 234 km²', ratios with two
    decimals, indices with one, years as they are ('2022'), counts without decimals (one below
    100 when not whole).
    ``manquant`` is printed for a missing value ('n.d.' in sentences, '–' in tables).
    """
    if value is None or pd.isna(value):
        return manquant
    if unit == "année":
        return str(int(value))
    value = _sans_moins_zero(float(value), 2)
    d = decimales(value, unit)
    if unit == "%":
        return pourcent(value, d)
    if unit == "%/an":
        return pourcent(value, d, signed=True) + "/an"
    if unit == "points":
        return f"{'+' if value > 0 else ''}{nombre(value, d)}\u00a0pts"
    if unit in {"€/an", "€/m²", "€", "km²"}:
        return f"{nombre(value, d)}\u00a0{unit.removesuffix('/an')}"
    return nombre(value, d)


def comparer(value: float, reference: float, unit: str) -> int:
    """+1, -1 or 0: how ``value`` compares with ``reference`` as ``valeur`` prints them (two
    values that print the same are equal), so a sentence's verdict agrees with its numbers."""
    d = max(decimales(value, unit), decimales(reference, unit))
    a, b = round(float(value), d), round(float(reference), d)
    return (a > b) - (a < b)


def verdict(value: float, reference: float, unit: str, words: tuple[str, str, str]) -> str:
    """The words of ``value`` against ``reference`` as printed (``comparer``): words = (above,
    below, equal).

    >>> verdict(1.04, 1.0, "%", ("au-dessus", "en dessous", "égal"))
    'égal'
    """
    return words[{1: 0, -1: 1, 0: 2}[comparer(value, reference, unit)]]


def _sans_moins_zero(value: float, decimals: int) -> float:
    """-0.004 -> 0.0: a value that rounds to zero is printed without a sign."""
    return 0.0 if round(value, decimals) == 0 else value


def quand_fr(observation: str) -> str:
    """The period with its preposition: 'en 2024', 'entre 2018 et 2024', 'au 2e trimestre 2022', 'en décembre 2024'."""
    observation = str(observation)
    if "/" in observation:
        start, end = observation.split("/", 1)
        return f"de {observation_fr(start)} à {observation_fr(end)}"
    if len(observation) == 9 and observation[4] == "-" and observation[:4].isdigit() and observation[5:].isdigit():
        return f"entre {observation[:4]} et {observation[5:]}"
    if "trimestre" in observation_fr(observation):
        return f"au {observation_fr(observation)}"
    return f"en {observation_fr(observation)}"


def rang_fr(rang: float, n: int) -> str:
    """'12e sur 183' (n.d. when missing)."""
    return "n.d." if pd.isna(rang) else f"{ordinal(int(rang))} sur {n}"


def tableau(df: pd.DataFrame, spec: Mapping[str, tuple[str, int | Callable[[object], str] | None]]) -> pd.DataFrame:
    """Publication table: keep the columns of ``spec`` ({column: (French label, format)}), in
    order, formatted as French strings (format: decimals for numbers, a callable, or None to
    keep text as is)."""

    def fmt(value, how) -> str:
        if how is None:
            return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
        if callable(how):
            return how(value)
        return nombre(value, how)

    return pd.DataFrame(
        {label: [fmt(v, how) for v in df[col]] for col, (label, how) in spec.items()}
    )


def octets(n: int | None) -> str:
    """A file size: 3825827 -> '3,6 Mo'; None -> 'taille inconnue'."""
    if n is None:
        return "taille inconnue"
    for unit, size in (("Go", 1 << 30), ("Mo", 1 << 20), ("ko", 1 << 10)):
        if n >= size:
            return f"{nombre(n / size, 1)} {unit}"
    return f"{nombre(n)} o"
