"""Command-line interface: ``observatoire <command>``, thin over the analysis functions."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from typing import NoReturn

import pandas as pd

from analysis import config

# argparse's own messages, in French (the messages of the types below are French already)
_ARGPARSE_FR = (
    (re.compile(r"^the following arguments are required: (.*)$"), r"argument(s) obligatoire(s) manquant(s) : \1"),
    (re.compile(r"^unrecognized arguments: (.*)$"), r"argument(s) non reconnu(s) : \1 (voir --help)"),
    (re.compile(r"^argument (\S+): invalid choice: (.*) \(choose from (.*)\)$"), r"argument \1 : choix invalide \2 (possibles : \3)"),
    (re.compile(r"^argument (\S+): expected one argument$"), r"argument \1 : une valeur est attendue"),
    (re.compile(r"^argument (\S+): (.*)$"), r"argument \1 : \2"),
)


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are French sentences saying what is allowed (exit 2)."""

    def error(self, message: str) -> NoReturn:
        for pattern, french in _ARGPARSE_FR:
            if pattern.match(message):
                message = pattern.sub(french, message)
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {message}\n")


def _periode(text: str) -> str:
    try:
        return config.check_periode(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _one_of(values: tuple[int, ...], what: str, allowed: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if text.isdigit() and int(text) in values:
            return int(text)
        raise argparse.ArgumentTypeError(f"{what} invalide {text!r} : {allowed}")

    return parse


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
    from analysis.execution.run import run_periode

    if args.territoires and not args.phase:
        print("erreur : --territoires demande --phase (les identifiants changent d'une phase à l'autre)", file=sys.stderr)
        return 2
    phases = (args.phase,) if args.phase else config.PHASES
    territoires = [t.strip() for t in args.territoires.split(",") if t.strip()] if args.territoires else None
    outcome = run_periode(args.periode, phases=phases, territoires=territoires, jobs_n=args.jobs, render=not args.sans_rendu)
    if outcome.render_error:
        print(f"\nerreur de rendu : {outcome.render_error}", file=sys.stderr)
    for path, error in outcome.render_failures.items():
        print(f"rendu en échec : {path} : {error}", file=sys.stderr)
    if outcome.manifest_error:
        print(f"\nmanifeste non écrit : {outcome.manifest_error}", file=sys.stderr)
    if outcome.failed:
        print(f"\n{len(outcome.failed)} notebook(s) en échec :", file=sys.stderr)
        for result in outcome.failed:
            print(f"  {result.label} → {result.notebook or 'aucun notebook écrit'} ({(result.error or '').splitlines()[0] if result.error else ''})", file=sys.stderr)
    return 1 if outcome.failed or outcome.render_error or outcome.render_failures or outcome.manifest_error else 0


def _historique(args: argparse.Namespace) -> int:
    import time

    from analysis.execution import historique, journal

    debut, _, fin = args.periodes.partition(":")
    debut, fin = config.check_periode(debut), config.check_periode(fin or debut)  # nothing written for a bad range
    if debut > fin:
        raise config.PeriodeError(f"plage de mois vide : {debut} est après {fin}")
    log = journal.setup_run_logger(config.OUTPUTS_DIR / "historique" / f"historique-{time.strftime('%Y%m%dT%H%M%S')}.log")
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

    report = render_period(args.periode, brouillon=args.brouillon)
    print(f"Site rendu avec {report.renderer} : {report.index}")
    for path, error in report.failures.items():
        print(f"rendu en échec : {path} : {error}", file=sys.stderr)
    return 1 if report.failures else 0


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
    print("\nSources vivantes déclarées :")
    for v in sources.vivants().values():
        if v.obtainable:
            status = f"{len(v.urls)} fichier(s), lu(s) par le chargeur"
        elif v.urls:
            status = "point d'accès déclaré, format non lu par le chargeur"
        else:
            status = "point d'accès non confirmé"
        print(f"- {v.dataset} : {status}. {v.note}")
        for line in etat.editions_detenues(v.dataset):
            print(f"  {line}")
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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="observatoire",
        description="Observatoire des Territoires d'industrie : données, indicateurs, fiches et publications.",
    )
    sub = parser.add_subparsers(dest="commande", required=True)

    p = sub.add_parser("faits", help="chiffres clés d'une phase, à côté des chiffres publiés")
    p.add_argument("--phase", type=_PHASE, metavar="{1,2}", help="1 (2019-2022) ou 2 (2023-2027) ; les deux par défaut")
    p.add_argument("--cog", type=_one_of(config.COG_YEARS, "millésime du COG", _COG_ALLOWED), metavar="{2019,2023,2025}",
                   help="millésime du COG (2023 par défaut)")
    p.set_defaults(func=_faits)

    p = sub.add_parser("run", help="le pipeline mensuel : indicateurs, fiches, synthèse, monographies, site")
    p.add_argument("--periode", type=_periode, default=config.default_periode(),
                   help="AAAA-MM : les données telles que publiées à la fin de ce mois (mois courant par défaut)")
    p.add_argument("--phase", type=_PHASE, metavar="{1,2}", help="les fiches d'une seule phase (les deux par défaut) ; la synthèse et les monographies sont produites "
                        "dans tous les cas, sauf avec --territoires")
    p.add_argument("--jobs", type=_jobs, default=os.cpu_count() or 2, help="processus papermill en parallèle")
    p.add_argument("--territoires", help="identifiants séparés par des virgules (ti-2405,ti-8417) : leurs fiches seulement ; tous par défaut")
    p.add_argument("--sans-rendu", action="store_true", help="ne pas rendre le site (HTML/PDF)")
    p.set_defaults(func=_run)

    p = sub.add_parser("donnees", help="les fichiers déclarés : état (cache, miroir, absent), copie épinglée ou vivante, taille, dernière période")
    p.add_argument("--obtenir", action="store_true", help="obtenir les fichiers absents (miroir ou téléchargement, sha256 vérifié)")
    p.add_argument("--actualiser", nargs="*", metavar="JEU",
                   help="télécharger la version courante des sources vivantes (toutes, ou les jeux nommés) et dire ce qui a changé")
    p.set_defaults(func=_donnees)
    p = sub.add_parser("historique", help="les indicateurs de chaque mois d'une plage, sans notebook (l'historique de l'observatoire)")
    p.add_argument("--periodes", default=f"{config.FIRST_PERIODE}:{config.default_periode()}",
                   help=f"AAAA-MM:AAAA-MM, mois de début et de fin inclus ({config.FIRST_PERIODE} au mois courant par défaut) ; "
                        "un mois déjà calculé par ce code est sauté")
    p.add_argument("--jobs", type=_jobs, default=os.cpu_count() or 2, help="mois calculés en parallèle")
    p.set_defaults(func=_historique)

    p = sub.add_parser("render", help="rendre le site d'une période déjà exécutée (Quarto, sinon pandoc + Typst)")
    p.add_argument("--periode", type=_periode, default=config.default_periode(),
                   help="AAAA-MM, une période déjà exécutée par « observatoire run » (mois courant par défaut)")
    p.add_argument("--brouillon", action="store_true",
                   help="site de travail de l'équipe (outputs/<periode>/brouillon/) : montre aussi ce qui manque aux "
                        "monographies (notes de terrain…) ; le site publié n'est pas modifié")
    p.set_defaults(func=_render)
    return parser


def main(argv: list[str] | None = None) -> int:
    # jsonschema imports rfc3987_syntax when installed, which builds a grammar for ~2 s;
    # nbformat (run, render) validates notebooks with schemas using no IRI format. Safe in
    # this command's process only, like in the papermill workers (pipeline._init_worker).
    sys.modules.setdefault("rfc3987_syntax", None)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Exception as exc:  # a readable message, not a traceback, for known failures
        from analysis.donnees.referentiel import UnknownTerritoryError
        from analysis.donnees.schemas import DataContractError
        from analysis.donnees.sources import SourceError
        from analysis.execution.pages import RenderError
        from analysis.execution.run import PeriodNotRunError, RunInProgressError

        known = (DataContractError, SourceError, UnknownTerritoryError, RunInProgressError, PeriodNotRunError,
                 config.PeriodeError)
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
