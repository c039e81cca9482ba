"""Provenance of a period's outputs: data files (sha256), parameters, period, code version, date,
software environment (``analysis.environnement``).

The run writes ``outputs/<periode>/provenance.json`` once, before executing any notebook: every
declared file it obtained. Every document ends with ``bloc_markdown``, in French: the period,
the run's date and code version, the vintage of each dataset it read (``millesimes``: the
latest period published by the end of the period) and, among the run's files, exactly those
the document's process read (``sources.files_read``: read directly, or through a cache or an
indicator table computed from them) with a short hash, and one line on the software (Python,
the main libraries, the renderer, agreement with the lock); the full tables are in the methods
page and in ``provenance.json``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from analysis import __version__, config, environnement, mois
from analysis.donnees import millesimes as vintages
from analysis.donnees import observations, sources
from analysis.donnees.cache import sources_digest
from analysis.fichiers import write_atomic
from analysis.texte import nombre, observation_fr

MAX_LIGNES_JEU = 10  # a dataset of more files read is shown as one line (France Relance: 101 files)
EMPREINTE = 12  # characters of a sha256 shown in the documents

# One French line per dataset (folder of data/sources.toml).
JEUX_DONNEES = {
    "urssaf-emploi": "URSSAF, emploi salarié privé par commune, par zone d'emploi et secteur, par commune et code APE (ODbL 1.0)",
    "profil-epci": "INSEE, recensement de la population et Filosofi, profil des EPCI de l'Observatoire des territoires (Licence Ouverte 2.0)",
    "chomage": "INSEE, taux de chômage localisés par zone d'emploi (Licence Ouverte 2.0)",
    "demandeurs-emploi": "France Travail et DARES, demandeurs d'emploi par commune et par mois",
    "dvf": "DGFiP, Demandes de valeurs foncières, prix et ventes de logements par EPCI (Licence Ouverte 2.0)",
    "zones-emploi": "INSEE, zonage en zones d'emploi 2020 (Licence Ouverte 2.0)",
    "cog-2019": "INSEE, Code officiel géographique 2019 (Licence Ouverte 2.0)",
    "cog-2023": "INSEE, Code officiel géographique 2023 (Licence Ouverte 2.0)",
    "cog-2025": "INSEE, Code officiel géographique 2025 (Licence Ouverte 2.0)",
    "cog-mouvements": "INSEE, fusions et scissions de communes",
    "ti-phase1": "ANCT, territoires d'industrie de la phase 1 (Licence Ouverte 2.0)",
    "ti-phase2": "ANCT, territoires d'industrie de la phase 2 (Licence Ouverte 2.0)",
    "acv": "ANCT, villes Action cœur de ville (Licence Ouverte 2.0)",
    "pvd": "ANCT, communes Petites villes de demain (Licence Ouverte 2.0)",
    "contours": "IGN et INSEE, contours des EPCI, départements et régions (Licence Ouverte 2.0)",
    "contours-communes": "IGN, Admin Express, contours des communes au 1er janvier 2018 (Licence Ouverte)",
    "fonds-vert": "Ministère de la Transition écologique, Fonds vert, projets financés en 2023 (Licence Ouverte 2.0)",
    "france-relance": "Baromètre des résultats de l'action publique, France Relance par département (Licence Ouverte 2.0)",
    "dispositifs-anct": "ANCT, croisement des dispositifs par commune (Licence Ouverte 2.0)",
    "estel": "INSEE, estimations d'emploi localisées (Licence Ouverte 2.0)",
    "flores": "INSEE, Flores, emploi salarié par secteur (Licence Ouverte 2.0)",
    "typologies-communes": "ANCT, Observatoire des territoires, typologies de communes (Licence Ouverte 2.0)",
}


def nom_jeu(dataset: str) -> str:
    """French name of a dataset (``JEUX_DONNEES``); else its declared publisher and official
    title (data/sources.toml); its name when neither is written."""
    if dataset in JEUX_DONNEES:
        return JEUX_DONNEES[dataset]
    ds = sources.dataset(dataset)
    return f"{ds.editeur}, {ds.titre}" if ds.editeur and ds.titre else dataset


def millesime(dataset: str, derniere: str | None, periode: str) -> str | None:
    """The latest period of ``dataset`` published by the end of ``periode``: the latest one its
    files contain (``derniere``), moved back while its publication lag puts it after the period."""
    if derniere is None or sources.dataset(dataset).frequency is None:
        return derniere
    observation = derniere
    for _ in range(240):  # twenty years of months at most
        if sources.published_by(dataset, mois.observation_end(observation), periode):
            return observation
        observation = mois.previous_observation(observation)
    return None


def millesimes(record: dict) -> dict[str, str | None]:
    """``millesime`` of every dataset of the run's record; for a dataset held in editions (the
    unemployment series), the latest observation of the edition read at the period
    (``donnees.millesimes.ligne``), not the latest of its files moved back by the lag. Computed
    once by ``collect`` and kept in the record, which every document of the month reads."""
    if "millesimes" in record:
        return record["millesimes"]
    out = {}
    for name, jeu in record.get("jeux", {}).items():
        if jeu.get("editions"):
            with sources.not_recorded():
                out[name] = vintages.ligne(name, record["periode"])["observation"]
        else:
            out[name] = millesime(name, jeu["derniere_observation"], record["periode"])
    return out


def copie(url: str) -> str:
    """The copy read, as a second line under the official source: "dépôt GitHub owner/name,
    commit abc1234", "paquet npm name@version", or the site's name."""
    parts = urlsplit(url)
    path = [p for p in parts.path.split("/") if p]
    if parts.netloc == "raw.githubusercontent.com" and len(path) >= 3:
        return f"dépôt GitHub {path[0]}/{path[1]}, commit {path[2][:7]}"
    if parts.netloc == "cdn.jsdelivr.net" and len(path) >= 2 and path[0] == "npm":
        name = "/".join(path[1:3]) if path[1].startswith("@") else path[1]
        return f"paquet npm {name}"
    return parts.netloc


def _git_describe(root: Path = config.ROOT) -> str | None:
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def code_version() -> str:
    """Version of the code that produces the notebooks.

    ``git describe --always --dirty`` in a git checkout with commits, else the package version,
    followed by a hash of the ``analysis`` sources (so that an edited, uncommitted function
    changes it), e.g. ``3f2a9c1-dirty+src.5d41402abc4b``.
    """
    return f"{_git_describe() or 'v' + __version__}+src.{sources_digest()[:12]}"


def collect(periode: str, parameters: dict, code_version: str, file_ids: list[str] | None = None) -> dict:
    """Everything a reader needs to reproduce the period's outputs: for each file the copy read
    (pinned or living), its sha256 and the latest period it contains; for each dataset
    (``jeux``) whether it was read pinned or living and its latest period; the software
    environment (``environnement.capture``); the vintage of each dataset (``millesimes``)."""
    files = sources.provenance(file_ids or [i for i, s in sources.sources().items() if not s.living or sources.available(i)])
    for f in files:
        f["derniere_observation"] = observations.latest_observation(f["id"], sources.fetch(f["id"]), f["sha256"])
        s = sources.source(f["id"])
        f["nature"] = sources.EXACT if f["copie"] == sources.LIVING and not s.living else s.nature
        f["copie_lue"] = copie(f["url"])
        if s.edition:
            f["edition"], f["publie_le"] = s.edition, s.publie_le.isoformat() if s.publie_le else None
    record = {
        "periode": periode,
        "date_donnees": mois.asof_date(periode).isoformat(),
        "date_execution": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "version_code": code_version,
        "parametres": parameters,
        "jeux": jeux(files),
        "fichiers": files,
        "environnement": environnement.capture(),
    }
    return {**record, "millesimes": millesimes(record)}


def jeux(files: list[dict]) -> dict[str, dict]:
    """Per dataset: the official publisher, title and page, the copies read (``épinglée``,
    ``vivante``, or both), what they are (``natures``: copy of the official file, derived or
    re-saved by a third party), the editions held (a dataset held in editions) and the latest
    period of its files."""
    out: dict[str, dict] = {}
    for f in files:
        name = sources.source(f["id"]).dataset
        ds = sources.dataset(name)
        d = out.setdefault(name, {"editeur": ds.editeur, "titre": ds.titre, "page": ds.page, "copies": [], "natures": [],
                                  "derniere_observation": None})
        if f.get("nature") and f["nature"] not in d["natures"]:
            d["natures"] = sorted([*d["natures"], f["nature"]])
        if f.get("edition"):
            d.setdefault("editions", []).append({"fichier": f["id"], "edition": f["edition"], "publie_le": f.get("publie_le"),
                                                 "nature": f.get("nature")})
        if f["copie"] not in d["copies"]:
            d["copies"] = sorted([*d["copies"], f["copie"]])
        if f["derniere_observation"] and (d["derniere_observation"] is None or f["derniere_observation"] > d["derniere_observation"]):
            d["derniere_observation"] = f["derniere_observation"]
    return dict(sorted(out.items()))


def write(periode: str, record: dict) -> Path:
    """Write the record (temporary file + rename)."""
    text = json.dumps(record, ensure_ascii=False, indent=2)
    return write_atomic(mois.provenance_file(periode), lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read(periode: str) -> dict:
    return json.loads((mois.provenance_file(periode)).read_text(encoding="utf-8"))


def fichiers_lus(record: dict) -> list[dict]:
    """Entries of the run's record for the files this process read, in id order.

    A file read that the run did not record (not obtained by that run) is an error: the
    block would otherwise omit it."""
    by_id = {f["id"]: f for f in record["fichiers"]}
    missing = [i for i in sources.files_read() if i not in by_id]
    if missing:
        raise ValueError(f"fichiers lus absents de la provenance de la période {record['periode']} : {missing}")
    return [by_id[i] for i in sources.files_read()]


def _copie(f: dict) -> str:
    """" (copie vivante du 12/12/2026)" after a file read from a living copy, else nothing."""
    if f.get("copie") != sources.LIVING:
        return ""
    when = f" du {dt.datetime.fromisoformat(f['obtenu_le']):%d/%m/%Y}" if f.get("obtenu_le") else ""
    return f" (copie vivante{when})"


def _lignes(files: list[dict]) -> list[str]:
    """Table rows, one per file; a dataset of more than ``MAX_LIGNES_JEU`` files in one row (the
    common start and end of their names, their count, and a sha256 of their sorted sha256s)."""
    by_dataset: dict[str, list[dict]] = {}
    for f in files:
        by_dataset.setdefault(sources.source(f["id"]).dataset, []).append(f)
    rows = []
    for group in by_dataset.values():
        if len(group) <= MAX_LIGNES_JEU:
            rows += [f"| {f['file']}{_copie(f)} | {f['publisher']} | {f['licence']} | `{f['sha256'][:EMPREINTE]}` |" for f in group]
            continue
        names = [f["file"] for f in group]
        start = os.path.commonprefix(names)
        end = os.path.commonprefix([n[len(start):][::-1] for n in names])[::-1]
        digest = hashlib.sha256("".join(sorted(f["sha256"] for f in group)).encode()).hexdigest()
        publishers, licences = (" ; ".join(dict.fromkeys(f[k] for f in group)) for k in ("publisher", "licence"))
        rows.append(
            f"| {start}…{end} ({nombre(len(group))} fichiers) | {publishers} | {licences} | "
            f"`{digest[:EMPREINTE]}` (empreinte de leurs empreintes triées) |"
        )
    return rows


def _parametres(parametres: dict) -> str:
    """The run's parameters in French: "phases 1 et 2 ; territoires : tous ; 2 processus"."""
    phases = [str(p) for p in parametres.get("phases", [])]
    territoires = parametres.get("territoires", "tous")
    parts = []
    if phases:
        parts.append(("phase " if len(phases) == 1 else "phases ") + (" et ".join(phases)))
    parts.append(f"territoires : {territoires if isinstance(territoires, str) else ', '.join(territoires)}")
    if "jobs" in parametres:
        parts.append(f"{nombre(parametres['jobs'])} processus")
    return " ; ".join(parts)


def _environnement(record: dict) -> str:
    """The block's sentence on the software ("Environnement : Python 3.11.7 …", from
    ``environnement.resume``); empty for a record written before the environment was recorded."""
    env = record.get("environnement")
    return f"Environnement : {environnement.resume(env)}." if env else ""


def bloc_markdown(periode: str) -> str:
    """The French "Provenance" block of a document: the run's record of the period, the vintage
    of each dataset the document read, and the files this process read (``fichiers_lus``)."""
    record = read(periode)
    files = fichiers_lus(record)
    run = dt.datetime.fromisoformat(record["date_execution"])
    lines = [
        "## Provenance {.unnumbered}",
        "",
        f"- Période **{record['periode']}** : données publiées au plus tard le "
        f"{dt.date.fromisoformat(record['date_donnees']):%d/%m/%Y} et disponibles à l'exécution",
        f"- Exécution : le {run:%d/%m/%Y à %H:%M} UTC ({_parametres(record['parametres'])})",
        f"- Version du code : `{record['version_code']}`",
        *([f"- {_environnement(record)}"] if _environnement(record) else []),
    ]
    if not files:
        return "\n".join([*lines, "- Fichiers de données : aucun"])
    read_sets = list(dict.fromkeys(sources.source(f["id"]).dataset for f in files))
    vintages = millesimes(record)
    dated = [f"{nom_jeu(d).split(' (')[0]} : {observation_fr(vintages[d])}" for d in read_sets if vintages.get(d)]
    undated = [d for d in read_sets if not vintages.get(d)]
    lines += [
        "- Millésimes : " + " ; ".join(dated) + (
            f" ; {nombre(len(undated))} jeux de référence sans période (listes, géographie, recensement)" if undated else ""
        ) + ".",
        f"- Fichiers de données lus ({nombre(len(files))}), chacun vérifié par son empreinte sha256 (adresses et "
        "empreintes complètes : page Méthodes et définitions et fichier provenance.json) :",
        "",
        "| Fichier | Éditeur | Licence | Empreinte |",
        # the dashes set the columns' shares of the width (44, 22, 16, 18 %): the longest file
        # names, which cannot be broken at their underscores, fit in PDFs
        "|:" + "-" * 22 + "|:" + "-" * 11 + "|:" + "-" * 8 + "|:" + "-" * 9 + "|",
    ]
    return "\n".join(lines + _lignes(files))


def bloc_court(periode: str) -> str:
    """A short French "Provenance" block (a monograph's): period, run date, code version, the
    number of files this process read (``fichiers_lus``) and one line per dataset
    (``JEUX_DONNEES``) with its number of files, the living copies among them and its vintage
    (``millesimes``)."""
    record = read(periode)
    files = fichiers_lus(record)
    by_dataset: dict[str, list[dict]] = {}
    for f in files:
        by_dataset.setdefault(sources.source(f["id"]).dataset, []).append(f)
    run = dt.datetime.fromisoformat(record["date_execution"])
    lines = [
        "## Provenance {.unnumbered}",
        "",
        f"Période **{record['periode']}** (données publiées au plus tard le "
        f"{dt.date.fromisoformat(record['date_donnees']):%d/%m/%Y} et disponibles à l'exécution), "
        f"exécution du {run:%d/%m/%Y à %H:%M} UTC, version du code `{record['version_code']}`. "
        f"{_environnement(record) + ' ' if _environnement(record) else ''}{nombre(len(files))} fichiers de données publics, chacun vérifié par son empreinte sha256 :",
        "",
    ]
    vintages = millesimes(record)
    for dataset, group in by_dataset.items():
        living = sum(f.get("copie") == sources.LIVING for f in group)
        note = f", dont {nombre(living)} en copie vivante" if living else ""
        vintage = f" ; millésime {observation_fr(vintages[dataset])}" if vintages.get(dataset) else ""
        lines.append(f"- {nom_jeu(dataset)} : {nombre(len(group))} fichier{'s' if len(group) > 1 else ''}{note}{vintage}")
    return "\n".join(lines)
