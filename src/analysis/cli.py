"""Command-line interface: ``observatoire <command>``, thin over the analysis functions."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable
from typing import NoReturn

import pandas as pd

from analysis import config, mois

# argparse's own messages, in French (the messages of the types below are French already)
_ARGPARSE_FR = (
    (re.compile(r"^the following arguments are required: (.*)$"), r"argument(s) obligatoire(s) manquant(s) : \1"),
    (re.compile(r"^unrecognized arguments: (.*)$"), r"argument(s) non reconnu(s) : \1 (voir --help)"),
    (re.compile(r"^argument (\S+): invalid choice: (.*) \(choose from (.*)\)$"), r"argument \1 : choix invalide \2 (possibles : \3)"),
    (re.compile(r"^argument (\S+): expected one argument$"), r"argument \1 : une valeur est attendue"),
    (re.compile(r"^argument (\S+): (.*)$"), r"argument \1 : \2"),
)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's help with French headings (« utilisation : », « options : »); the examples
    of the epilog are printed as written."""

    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        super().add_usage(usage, actions, groups, "utilisation : " if prefix is None else prefix)

    def start_section(self, heading: str | None) -> None:
        super().start_section(f"{heading} " if heading else heading)  # "options :", French spacing


class _Parser(argparse.ArgumentParser):
    """argparse in French: headings and help (``_Formatter``), and errors that are French
    sentences saying what is allowed (exit 2)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "arguments positionnels"
        self._optionals.title = "options"
        self.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")

    def error(self, message: str) -> NoReturn:
        for pattern, french in _ARGPARSE_FR:
            if pattern.match(message):
                message = pattern.sub(french, message)
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {message}\n")


def _periode(text: str) -> str:
    try:
        return mois.check_periode(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _one_of(values: tuple[int, ...], what: str, allowed: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if text.isdigit() and int(text) in values:
            return int(text)
        raise argparse.ArgumentTypeError(f"{what} invalide {text!r} : {allowed}")

    return parse


def _territoires(text: str) -> list[str]:
    ids = [t.strip() for t in text.split(",")]
    if not all(ids):
        raise argparse.ArgumentTypeError(
            f"liste de territoires invalide {text!r} : un ou plusieurs identifiants de la phase choisie, séparés par "
            "des virgules et sans élément vide, par exemple ti-2405 ou ti-2405,ti-8417"
        )
    return ids


def _jobs(text: str) -> int:
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise argparse.ArgumentTypeError(f"nombre de processus invalide {text!r} : un entier supérieur ou égal à 1")


def _faits(args: argparse.Namespace) -> int:
    from analysis.publications.faits import faits, publies
    from analysis.texte import valeur

    phases = [args.phase] if args.phase else list(config.PHASES)
    for phase in phases:
        table = faits(phase, args.cog)
        shown = pd.DataFrame(
            {
                "Fait": table["fait"],
                "Valeur": [valeur(v, u) for v, u in zip(table["valeur"], table["unite"])],
                "Unité": table["unite"],
                "Note": table["note"],
            }
        )
        print(f"\nTerritoires d'industrie, phase {phase} (COG {args.cog or config.DEFAULT_COG[phase]})\n")
        print(shown.to_string(index=False))
        published = publies(table)
        if not published.empty:
            print("\nChiffres publiés :")
            for r in published.itertuples():
                print(f"- {r.quoi} : {valeur(r.valeur, r.unite)} ({r.source}, {r.date}, {r.url}). {r.explication}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from analysis.execution import pipeline
    from analysis.execution.run import run_periode

    if args.territoires and not args.phase:
        print("erreur : --territoires demande --phase (les identifiants changent d'une phase à l'autre)", file=sys.stderr)
        return 2
    if (args.executeur == "dask") != bool(args.planificateur):
        print("erreur : --planificateur va avec --executeur dask (et lui seul) : --executeur dask --planificateur "
              "tcp://HÔTE:PORT, ou --executeur local (par défaut) sans --planificateur", file=sys.stderr)
        return 2
    periodes = mois.mois_entre(*_bornes(args.periodes)) if args.periodes else [args.periode]  # nothing written for a bad range
    phases = (args.phase,) if args.phase else config.PHASES
    if args.executeur == "dask":
        from analysis.execution.distribue import DaskWorkers, PlanificateurError

        try:
            workers: pipeline.Workers | None = DaskWorkers(args.planificateur)
        except PlanificateurError as error:
            print(f"erreur : {error}", file=sys.stderr)
            return 2
    elif len(periodes) > 1:  # one pool for every month; its kernels' stderr beside the logs of several months
        kernels = mois.historique_logs_dir() / f"run-{time.strftime('%Y%m%dT%H%M%S')}.log.kernels"
        kernels.parent.mkdir(parents=True, exist_ok=True)
        workers = pipeline.LocalWorkers(args.jobs, str(kernels))
    else:
        workers = None  # the month's own pool, its kernels' stderr beside the month's log
    code = 0
    try:
        for periode in periodes:
            if len(periodes) > 1:
                print(f"\n— {periode} —", file=sys.stderr)
            outcome = run_periode(periode, phases=phases, territoires=args.territoires, jobs_n=args.jobs,
                                  render=not args.sans_rendu, workers=workers,
                                  fresh_kernels=args.noyaux_neufs)
            code = max(code, _report(outcome))
    finally:
        if workers is not None:
            workers.close()
    return code


def _report(outcome) -> int:
    """Print what a month's run left undone (stderr); its exit code: 1 when anything failed, else 0."""
    if outcome.render_error:
        print(f"\nerreur de rendu : {outcome.render_error}", file=sys.stderr)
    for path, error in outcome.render_failures.items():
        print(f"rendu en échec : {path} : {error}", file=sys.stderr)
    if outcome.manifest_error:
        print(f"\nmanifeste non écrit : {outcome.manifest_error}", file=sys.stderr)
    if outcome.analyses_error:
        print(f"\ntableaux d'analyse non écrits : {outcome.analyses_error}", file=sys.stderr)
    if outcome.failed:
        from analysis.execution.pipeline import describe_failure

        print(f"\n{len(outcome.failed)} notebook(s) en échec :", file=sys.stderr)
        for result in outcome.failed:
            cause = (result.error or "").splitlines()[:1]
            print(f"  {describe_failure(result)}{f' — {cause[0]}' if cause else ''}", file=sys.stderr)
    return 1 if (outcome.failed or outcome.render_error or outcome.render_failures or outcome.manifest_error
                 or outcome.analyses_error) else 0


def _bornes(text: str) -> tuple[str, str]:
    """The first and last months of ``AAAA-MM:AAAA-MM`` (or of one month ``AAAA-MM``); raises
    ``mois.PeriodeError`` for a bad month or an empty range."""
    debut, _, fin = text.partition(":")
    debut, fin = mois.check_periode(debut), mois.check_periode(fin or debut)
    if debut > fin:
        raise mois.PeriodeError(f"plage de mois vide : {debut} est après {fin}")
    return debut, fin


def _historique(args: argparse.Namespace) -> int:
    from analysis.execution import historique, journal

    debut, fin = _bornes(args.periodes)  # nothing written for a bad range
    log = journal.setup_run_logger(mois.historique_logs_dir() / f"historique-{time.strftime('%Y%m%dT%H%M%S')}.log")
    start = time.perf_counter()
    months = historique.historique(debut, fin, jobs_n=args.jobs, log=log)
    counts = {s: sum(m.statut == s for m in months) for s in ("construit", "copié", "à jour", "en cours")}
    print(f"{len(months)} mois de {months[0].periode} à {months[-1].periode} en {time.perf_counter() - start:.0f} s : "
          + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
    for line in historique.editions_du_chomage(debut, fin):
        print(line)
    busy = [m.periode for m in months if m.statut == "en cours"]
    if busy:
        print(f"mois laissés de côté (un run les tient) : {', '.join(busy)}", file=sys.stderr)
    return 1 if busy else 0


def _render(args: argparse.Namespace) -> int:
    from analysis.execution.run import render_period

    report = render_period(args.periode, brouillon=args.brouillon, jobs_n=args.jobs)
    print(f"Site rendu avec {report.renderer} : {report.index}")
    for path, error in report.failures.items():
        print(f"rendu en échec : {path} : {error}", file=sys.stderr)
    return 1 if report.failures else 0


def _verifier(args: argparse.Namespace) -> int:
    from analysis.execution.verification import RerunError, verifier

    print(f"Vérification de {args.periode} : le mois est recalculé dans un dossier temporaire (sans le site), puis comparé.")
    try:
        rapport = verifier(args.periode, garder=args.garder)
    except RerunError as error:
        print(f"erreur : {error}", file=sys.stderr)
        return 1
    print(f"{rapport.tables} tableaux et {rapport.notebooks} notebooks comparés en {rapport.duree_s:.0f} s.")
    if rapport.dossier:
        print(f"Mois recalculé gardé dans {rapport.dossier}")
    if rapport.environnement:
        print(f"Environnement logiciel différent de celui du mois publié ({len(rapport.environnement)}) :")
        for line in rapport.environnement:
            print(f"  {line}")
    if rapport.non_verifies:
        print(f"Non vérifiés ({len(rapport.non_verifies)}) :")
        for line in rapport.non_verifies:
            print(f"  {line}")
    if rapport.identique:
        print("Aucune différence : le mois publié est reproduit à l'identique.")
        return 0
    print(f"{len(rapport.differences)} différence(s) :", file=sys.stderr)
    for line in rapport.differences:
        print(f"  {line}", file=sys.stderr)
    return 1


def _donnees(args: argparse.Namespace) -> int:
    from analysis.donnees import etat, sources
    from analysis.texte import octets

    if args.obtenir or args.actualiser is not None:
        etat.verifier(args.actualiser or None)  # a bad mirror, time limit or dataset name: nothing done (exit 2)
    bilans: list[etat.Bilan] = []
    if args.obtenir:
        bilan = etat.obtenir()
        if bilan.faits:
            print(f"Obtenu ({len(bilan.faits)}) :")
        elif not bilan.echecs and not bilan.non_tentes:
            print("Rien à obtenir : tous les fichiers déclarés sont dans le cache ou le miroir.")
        for line in bilan.faits:
            print(f"  {line}")
        bilans.append(bilan)
    if args.actualiser is not None:
        bilan = etat.actualiser(args.actualiser or None)
        print(f"Copies vivantes actualisées ({len(bilan.faits)}) :" if bilan.faits else "Aucune copie vivante actualisée.")
        for c in bilan.faits:
            print(f"  {c.id} : {c.message} (sha256 {(c.sha_apres or '')[:12]}…)")
        bilans.append(bilan)
        if sources.pinned_only():
            print(f"Attention : {sources.MODE_ENV}={sources.PINNED_ONLY} ; les runs de ce terminal lisent les copies épinglées.")
    states = etat.etat_fichiers()
    table = pd.DataFrame(
        {
            "Fichier": [s.file for s in states],
            "État": [s.etat for s in states],
            "Copie": [s.copie for s in states],
            "Taille": [octets(s.octets) for s in states],
            "Dernière période": [s.derniere_observation or "—" for s in states],
        }
    )
    mirror = os.environ.get(config.MIRROR_ENV)
    print(f"\nFichiers déclarés ({len(states)}) : cache {config.cache_dir()}, miroir {mirror or 'non défini'}\n")
    try:
        sources.check_mirror()
    except sources.SourceError as exc:
        print(f"Attention : {exc}", file=sys.stderr)
    widths = {c: max(len(c), *(len(v) for v in table[c])) for c in table.columns}
    print(table.to_string(index=False, justify="left", formatters={c: f"{{:<{w}}}".format for c, w in widths.items()}))
    jeux = etat.etat_jeux(states)
    print(f"\nJeux périodiques ({len(jeux)}) :")
    for j in jeux:
        print(f"- {j.dataset} ({j.libelle}) :\n  éditions détenues : {j.editions}\n"
              f"  dernière observation : {j.derniere or 'aucune'} ; prochaine : {j.prochaine}\n"
              f"  point d'accès : {j.point_acces}\n  lecteur testé : {j.lecteur_teste}")
    print("\nSources vivantes déclarées :")
    for v in sources.vivants().values():
        if v.obtainable:
            status = f"{len(v.urls)} fichier(s), lu(s) par le chargeur"
        elif v.urls:
            status = "point d'accès déclaré, format non lu par le chargeur"
        else:
            status = "point d'accès non confirmé"
        print(f"- {v.dataset} : {status}. {v.note}")
        if v.page:
            print(f"  documentation : {v.page}")
    print(f"\n{etat.resume_copies()}")
    removed = [path for bilan in bilans for path in bilan.temporaires]
    if removed:
        print(etat.temporaires_retires(removed))
    # what was not obtained, counted and named, last (the details on stderr)
    echecs = [echec for bilan in bilans for echec in bilan.echecs]
    for echec in echecs:
        print(f"échec : {echec.message}", file=sys.stderr)
    if echecs:
        print(f"\n{len(echecs)} fichier(s) en échec : {', '.join(e.file for e in echecs)}", file=sys.stderr)
    for bilan in bilans:
        if bilan.arret:
            print(f"Arrêt avant la fin : {bilan.arret} ; {len(bilan.non_tentes)} fichier(s) non tenté(s) : "
                  f"{', '.join(bilan.non_tentes) or 'aucun'}", file=sys.stderr)
    return 1 if echecs or any(bilan.arret for bilan in bilans) else 0


_PHASE = _one_of(config.PHASES, "phase", "1 (2019-2022) ou 2 (2023-2027)")
_COG_ALLOWED = ", ".join(map(str, config.COG_YEARS[:-1])) + f" ou {config.COG_YEARS[-1]}"
_CORES = os.cpu_count() or 2
_PLAGE = f"de {mois.FIRST_PERIODE} (début du programme) au mois courant ({mois.default_periode()})"

# the "exemples" section of each command's help (argparse epilog, printed as written)
_EXEMPLES = {
    None: """exemples :
  observatoire run --periode 2025-06                 le mois complet : indicateurs, fiches, publications, site
  observatoire run --help                            les options d'une commande""",
    "faits": """exemples :
  observatoire faits                     les deux phases, COG 2023
  observatoire faits --phase 1 --cog 2019""",
    "run": """exemples :
  observatoire run --periode 2025-06 --jobs 4                                  le mois complet
  observatoire run --periode 2025-06 --phase 2                                 les fiches de la phase 2 et les publications
  observatoire run --periode 2025-06 --phase 2 --territoires ti-2405,ti-8419   ces deux fiches seulement
  observatoire run --periode 2025-06 --sans-rendu                              tout sauf le site, à rendre plus tard
  observatoire run --periodes 2019-01:2026-12 --executeur dask --planificateur tcp://noeud01:8786
                                                                               chaque mois depuis 2019, sur un cluster dask

Ctrl-C arrête le run (code 130) ; les fichiers déjà écrits sont complets et la même commande reprend.""",
    "donnees": """exemples :
  observatoire donnees                              l'état de chaque fichier déclaré
  observatoire donnees --obtenir                    obtenir ce qui manque
  observatoire donnees --actualiser urssaf-emploi   actualiser un seul jeu vivant""",
    "historique": """exemples :
  observatoire historique                              tous les mois, de 2019-01 au mois courant
  observatoire historique --periodes 2024-01:2024-12 --jobs 2""",
    "render": """exemples :
  observatoire render --periode 2025-06               rendre à nouveau le site publié
  observatoire render --periode 2025-06 --brouillon   le site de travail de l'équipe""",
    "verifier": """exemples :
  observatoire verifier --periode 2026-11             recalculer le mois et le comparer au mois publié
  observatoire verifier --periode 2026-11 --garder    garder le mois recalculé pour l'examiner

Code 0 : aucune différence ; 1 : différences (listées) ; 2 : mois jamais exécuté.""",
}


INTERRUPTION = ("interrompu (Ctrl-C) : arrêt demandé ; chaque fichier déjà écrit est complet, la version précédente "
                "des autres reste en place : relancez la même commande pour reprendre")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="observatoire",
        description="Observatoire des Territoires d'industrie : données, indicateurs, fiches et publications.",
    )
    sub = parser.add_subparsers(dest="commande", required=True, title="commandes")

    p = sub.add_parser("faits", help="chiffres clés d'une phase, à côté des chiffres publiés")
    p.add_argument("--phase", type=_PHASE, metavar="{1,2}", help="1 (2019-2022) ou 2 (2023-2027) ; les deux par défaut")
    p.add_argument("--cog", type=_one_of(config.COG_YEARS, "millésime du COG", _COG_ALLOWED), metavar="{2019,2023,2025}",
                   help="millésime du COG (2023 par défaut)")
    p.set_defaults(func=_faits)

    p = sub.add_parser("run", help="le pipeline mensuel : indicateurs, fiches, synthèse, monographies, site")
    quand = p.add_mutually_exclusive_group()
    quand.add_argument("--periode", type=_periode, default=mois.default_periode(),
                       help=f"AAAA-MM : les données telles que publiées à la fin de ce mois, {_PLAGE} ; mois courant par défaut")
    quand.add_argument("--periodes", metavar="AAAA-MM:AAAA-MM",
                       help="plusieurs mois, début et fin inclus, l'un après l'autre dans la même commande, sur les mêmes "
                            "processus (ou le même cluster dask)")
    p.add_argument("--phase", type=_PHASE, metavar="{1,2}", help="les fiches d'une seule phase (les deux par défaut) ; la synthèse et les monographies sont produites "
                        "dans tous les cas, sauf avec --territoires")
    p.add_argument("--jobs", type=_jobs, default=_CORES,
                   help=f"processus papermill en parallèle (par défaut : le nombre de cœurs, {_CORES} ici)")
    p.add_argument("--territoires", type=_territoires,
                   help="identifiants séparés par des virgules (ti-2405,ti-8417), avec --phase : leurs fiches seulement ; "
                        "un identifiant répété compte une fois ; tous par défaut")
    p.add_argument("--sans-rendu", action="store_true", help="ne pas rendre le site (HTML/PDF)")
    p.add_argument("--noyaux-neufs", action="store_true",
                   help="un noyau Jupyter neuf pour chaque notebook (par défaut, chaque processus garde son noyau d'un "
                        "notebook à l'autre et le remet à l'état d'un noyau neuf : plus rapide, mêmes notebooks)")
    p.add_argument("--executeur", choices=("local", "dask"), default="local",
                   help="où s'exécutent les notebooks : local, les --jobs processus de cette machine (par défaut) ; dask, "
                        "les workers d'un cluster dask.distributed déjà lancé (avec --planificateur)")
    p.add_argument("--planificateur", metavar="ADRESSE",
                   help="avec --executeur dask : l'adresse du planificateur du cluster, tcp://HÔTE:PORT ; ses workers voient "
                        "le dépôt et outputs/ aux mêmes chemins et ont un thread chacun")
    p.set_defaults(func=_run)

    p = sub.add_parser("donnees", help="les fichiers déclarés : état (cache, miroir, absent), copie épinglée ou vivante, taille, dernière période ; "
                                       "pour chaque jeu périodique : éditions, dernière observation, prochaine attendue, point d'accès, lecteur testé")
    p.add_argument("--obtenir", action="store_true", help="obtenir les fichiers absents (miroir ou téléchargement, sha256 vérifié)")
    p.add_argument("--actualiser", nargs="*", metavar="JEU",
                   help="télécharger la version courante des sources vivantes (toutes, ou les jeux nommés) et dire ce qui a changé")
    p.set_defaults(func=_donnees)
    p = sub.add_parser("historique", help="les indicateurs de chaque mois d'une plage, sans notebook (l'historique de l'observatoire)")
    p.add_argument("--periodes", default=f"{mois.FIRST_PERIODE}:{mois.default_periode()}",
                   help=f"AAAA-MM:AAAA-MM, mois de début et de fin inclus ({mois.FIRST_PERIODE} au mois courant par défaut) ; "
                        "un mois déjà calculé par ce code est sauté")
    p.add_argument("--jobs", type=_jobs, default=_CORES,
                   help=f"mois calculés en parallèle (par défaut : le nombre de cœurs, {_CORES} ici)")
    p.set_defaults(func=_historique)

    p = sub.add_parser("render", help="rendre le site d'une période déjà exécutée (Quarto, sinon pandoc + Typst)")
    p.add_argument("--periode", type=_periode, default=mois.default_periode(),
                   help=f"AAAA-MM, une période déjà exécutée par « observatoire run », {_PLAGE} ; mois courant par défaut")
    p.add_argument("--brouillon", action="store_true",
                   help="site de travail de l'équipe (outputs/<periode>/brouillon/) : montre aussi ce qui manque aux "
                        "monographies (notes de terrain…) ; le site publié n'est pas modifié")
    p.add_argument("--jobs", type=_jobs, default=_CORES,
                   help=f"pages rendues en même temps : processus Quarto, ou fils pandoc + Typst (par défaut : le nombre de cœurs, {_CORES} ici)")
    p.set_defaults(func=_render)

    p = sub.add_parser("verifier", help="recalculer un mois publié dans un dossier temporaire et dire ce qui diffère "
                                        "(tableaux valeur par valeur, sorties des notebooks exécutés)")
    p.add_argument("--periode", type=_periode, default=mois.default_periode(),
                   help="AAAA-MM, une période déjà exécutée par « observatoire run » (mois courant par défaut)")
    p.add_argument("--garder", action="store_true", help="garder le mois recalculé (son dossier est affiché)")
    p.set_defaults(func=_verifier)
    parser.epilog = _EXEMPLES[None]
    for name, command in sub.choices.items():
        command.epilog = _EXEMPLES[name]
    return parser


def main(argv: list[str] | None = None) -> int:
    # jsonschema imports rfc3987_syntax when installed, which builds a grammar for ~2 s;
    # nbformat (run, render) validates notebooks with schemas using no IRI format. Safe in
    # this command's process only, like in the papermill workers (pipeline._init_worker).
    sys.modules.setdefault("rfc3987_syntax", None)
    args = build_parser().parse_args(argv)
    config.absolute_folders()  # before anything reads a folder, and for the notebooks, which run elsewhere
    try:
        return args.func(args)
    except KeyboardInterrupt:  # Ctrl-C: one line, the shell's code for SIGINT
        print(f"\n{INTERRUPTION}", file=sys.stderr)
        return 130
    except Exception as exc:  # a readable message, not a traceback, for known failures
        from analysis.donnees.referentiel import UnknownTerritoryError
        from analysis.donnees.schemas import DataContractError
        from analysis.donnees.sources import SourceError
        from analysis.execution.pages import RenderError
        from analysis.execution.run import PeriodNotRunError
        from analysis.verrou import RunInProgressError

        known = (DataContractError, SourceError, UnknownTerritoryError, RunInProgressError, PeriodNotRunError,
                 mois.PeriodeError)
        if isinstance(exc, known):
            print(f"erreur : {exc}", file=sys.stderr)
            return 2
        if isinstance(exc, RenderError):  # a failure while working (disk full...): the previous site is kept
            print(f"erreur de rendu : {exc}", file=sys.stderr)
            return 1
        if isinstance(exc, OSError):  # disk full, read-only, permission denied: every write is all or nothing
            from analysis.fichiers import describe_os_error

            print(f"erreur : {describe_os_error(exc)}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
