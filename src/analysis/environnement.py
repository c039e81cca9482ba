"""The software environment of a run: Python, platform, every installed distribution, the
renderer and the lock file (``requirements.lock``) the environment was installed from.

``capture`` is recorded in ``provenance.json`` (key ``environnement``) and summarised in French
by ``resume`` in each document's provenance block and on the methods page. ``lock_versions``
reads the lock (``make lock`` writes it with pip-compile), ``ecarts`` compares an environment
with it. ``date_fixe`` sets ``SOURCE_DATE_EPOCH`` while a month's site is rendered, so that its
PDFs carry the same date at every render (the Typst of Quarto reads the variable; the ``typst``
package does not, and ``typst_date`` gives the line the fallback's Typst sources start with).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from analysis import config
from analysis.texte import nombre

LOCK_FILE = config.ROOT / "requirements.lock"
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"  # the reproducible-builds convention, read by Typst, pandoc, matplotlib
QUARTO = "quarto"
PANDOC_TYPST = "pandoc+typst"
# the libraries a document's provenance block names (the others are on the methods page)
PRINCIPALES = ("pandas", "numpy", "geopandas", "statsmodels", "scikit-learn", "matplotlib", "papermill")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)
_VERSION = re.compile(r"\d+(?:\.\d+)+")


def normalize(name: str) -> str:
    """A distribution's name as pip compares them (PEP 503): "Python_Calamine" -> "python-calamine"."""
    return re.sub(r"[-_.]+", "-", name).lower()


def renderer() -> str:
    """The renderer of the site: ``"quarto"`` when the Quarto CLI is on PATH, else ``"pandoc+typst"``."""
    return QUARTO if shutil.which("quarto") else PANDOC_TYPST


def _version_of(command: list[str]) -> str | None:
    """The first version number a command prints (``quarto --version``), None when it cannot run.
    Standard output first, then standard error: some builds of ``quarto typst --version`` print there."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    found = _VERSION.search(done.stdout) or _VERSION.search(done.stderr)
    return found.group(0) if found else None


def renderer_versions(name: str) -> dict[str, str | None]:
    """Versions of the tools ``name`` renders with: Quarto and the pandoc and Typst it bundles,
    or the pandoc of ``pypandoc-binary`` and the Typst of the ``typst`` package."""
    if name == QUARTO:
        return {
            "quarto": _version_of(["quarto", "--version"]),
            "pandoc": _version_of(["quarto", "pandoc", "--version"]),
            "typst": _version_of(["quarto", "typst", "--version"]),
        }
    import pypandoc

    return {"pandoc": pypandoc.get_pandoc_version(), "typst": importlib.metadata.version("typst")}


def installed() -> dict[str, str]:
    """Every installed distribution (normalised name -> version), sorted by name."""
    found = {normalize(d.metadata["Name"]): d.version for d in importlib.metadata.distributions() if d.metadata["Name"]}
    return dict(sorted(found.items()))


def lock_versions(path: Path = LOCK_FILE) -> dict[str, str]:
    """The pinned versions of the lock (normalised name -> version)."""
    return {normalize(name): version for name, version in _PIN.findall(path.read_text(encoding="utf-8"))}


def ecarts(distributions: dict[str, str], locked: dict[str, str]) -> list[str]:
    """French lines, one per difference between installed ``distributions`` and the ``locked``
    versions: a locked package missing or at another version. Packages installed beyond the lock
    (pip, the project itself, a tool added by hand) are not differences."""
    out = []
    for name, version in locked.items():
        if name not in distributions:
            out.append(f"{name} {version} absent")
        elif distributions[name] != version:
            out.append(f"{name} {distributions[name]} au lieu de {version}")
    return out


def capture(rendu: str | None = None) -> dict:
    """The environment of this process, for ``provenance.json``: Python, platform, every installed
    distribution, the renderer (``renderer()`` unless given) with its tools' versions, and the lock
    (sha256, differences with it; None when the lock file is absent)."""
    rendu = rendu or renderer()
    distributions = installed()
    lock = None
    if LOCK_FILE.exists():
        lock = {
            "fichier": LOCK_FILE.name,
            "sha256": hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest(),
            "ecarts": ecarts(distributions, lock_versions()),
        }
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "plateforme": platform.platform(),
        "machine": platform.machine(),
        "executable": sys.executable,
        "rendu": {"outil": rendu, **renderer_versions(rendu)},
        "verrou": lock,
        "distributions": distributions,
    }


def resume(env: dict) -> str:
    """One French sentence: "Python 3.11.7 (Linux x86_64) ; pandas 2.2.3, … ; rendu : pandoc 3.5 et
    Typst 0.12.0 ; 143 paquets, conformes au verrou requirements.lock"."""
    dists = env["distributions"]
    libs = ", ".join(f"{name} {dists[name]}" for name in PRINCIPALES if name in dists)
    tools = env["rendu"]
    shown = [f"{label} {tools[key]}" for key, label in (("quarto", "Quarto"), ("pandoc", "pandoc"), ("typst", "Typst")) if tools.get(key)]
    lock = env.get("verrou")
    if lock is None:
        conforme = "sans fichier de verrou"
    elif not lock["ecarts"]:
        conforme = f"conformes au verrou {lock['fichier']}"
    else:
        conforme = f"{nombre(len(lock['ecarts']))} écart(s) au verrou {lock['fichier']} : {', '.join(lock['ecarts'])}"
    return (
        f"Python {env['python']} ({platform_short(env)}) ; {libs} ; rendu : {' et '.join(shown) or tools['outil']} ; "
        f"{nombre(len(dists))} paquets installés, {conforme}"
    )


def platform_short(env: dict) -> str:
    """"Linux x86_64" from the recorded platform and machine."""
    return f"{env['plateforme'].split('-')[0]} {env['machine']}"


def epoch(periode: str) -> int:
    """The date a month's rendered files carry: its first day, midnight UTC, in seconds since 1970."""
    year, month = map(int, periode.split("-"))
    return int(dt.datetime(year, month, 1, tzinfo=dt.timezone.utc).timestamp())


@contextlib.contextmanager
def date_fixe(periode: str) -> Iterator[None]:
    """``SOURCE_DATE_EPOCH`` set to ``epoch(periode)`` inside the block (a value already set by
    the user is kept), restored after."""
    before = os.environ.get(SOURCE_DATE_EPOCH)
    os.environ[SOURCE_DATE_EPOCH] = before or str(epoch(periode))
    try:
        yield
    finally:
        if before is None:
            del os.environ[SOURCE_DATE_EPOCH]


def typst_date() -> str:
    """The Typst line fixing a document's date to ``SOURCE_DATE_EPOCH`` (empty when it is not
    set: Typst then writes the current time into the PDF)."""
    value = os.environ.get(SOURCE_DATE_EPOCH)
    if not value:
        return ""
    when = dt.datetime.fromtimestamp(int(value), dt.timezone.utc)
    return f"#set document(date: datetime(year: {when.year}, month: {when.month}, day: {when.day}))\n"
