"""Command-line interface: ``observatoire <command>``, thin over the analysis functions."""

from __future__ import annotations

import argparse
import os
import sys

import pandas as pd

from analysis import config


def _faits(args: argparse.Namespace) -> int:
    from analysis.publications.faits import faits
    from analysis.texte import valeur

    phases = [args.phase] if args.phase else list(config.PHASES)
    for phase in phases:
        table = faits(phase, args.cog)
        shown = pd.DataFrame(
            {
                "Fait": table["fait"],
                "Valeur": [valeur(v, u) for v, u in zip(table["valeur"], table["unite"])],
                "Unité": table["unite"],
                "Publié": [
                    " ; ".join(f"{valeur(v, u)} ({s})" for v, s in ((p1, s1), (p2, s2)) if pd.notna(v))
                    for p1, s1, p2, s2, u in zip(
                        table["valeur_publiee"], table["source_publiee"], table["valeur_publiee_datagouv"],
                        table["source_publiee_datagouv"], table["unite"],
                    )
                ],
                "Note": table["note"],
            }
        )
        print(f"\nTerritoires d'industrie, phase {phase} (COG {args.cog or config.DEFAULT_COG[phase]})\n")
        print(shown.to_string(index=False))
        explained = table.dropna(subset=["explication"])
        if not explained.empty:
            print("\nÉcarts aux chiffres publiés :")
            for _, row in explained.iterrows():
                print(f"- {row['fait']} : {row['explication']}")
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
    if outcome.failed:
        print(f"\n{len(outcome.failed)} notebook(s) en échec :", file=sys.stderr)
        for result in outcome.failed:
            print(f"  {result.label} → {result.notebook} ({(result.error or '').splitlines()[0] if result.error else ''})", file=sys.stderr)
        return 1
    return 1 if outcome.render_error else 0


def _render(args: argparse.Namespace) -> int:
    from analysis.execution.run import render_period

    report = render_period(args.periode)
    print(f"Site rendu avec {report.renderer} : {report.index}")
    for path, error in report.failures.items():
        print(f"rendu en échec : {path} : {error}", file=sys.stderr)
    return 1 if report.failures else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="observatoire",
        description="Observatoire des Territoires d'industrie : données, indicateurs, fiches et publications.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("faits", help="chiffres clés d'une phase, à côté des chiffres publiés")
    p.add_argument("--phase", type=int, choices=config.PHASES, help="1 (2019-2022) ou 2 (2023-2027) ; les deux par défaut")
    p.add_argument("--cog", type=int, choices=config.COG_YEARS, help="millésime du COG (2023 par défaut)")
    p.set_defaults(func=_faits)

    p = sub.add_parser("run", help="le pipeline mensuel : indicateurs, fiches, synthèse, monographies, site")
    p.add_argument("--periode", type=config.check_periode, default=config.default_periode(),
                   help="AAAA-MM : les données telles que publiées à la fin de ce mois (mois courant par défaut)")
    p.add_argument("--phase", type=int, choices=config.PHASES, help="les fiches d'une seule phase (les deux par défaut) ; la synthèse et les monographies sont produites "
                        "dans tous les cas, sauf avec --territoires")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="processus papermill en parallèle")
    p.add_argument("--territoires", help="identifiants séparés par des virgules (ti-2405,ti-8417) : leurs fiches seulement ; tous par défaut")
    p.add_argument("--sans-rendu", action="store_true", help="ne pas rendre le site (HTML/PDF)")
    p.set_defaults(func=_run)

    p = sub.add_parser("render", help="rendre le site d'une période déjà exécutée (Quarto, sinon pandoc + Typst)")
    p.add_argument("--periode", type=config.check_periode, default=config.default_periode())
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
        from analysis.execution.render import RenderError
        from analysis.execution.run import RunInProgressError

        if isinstance(exc, (DataContractError, SourceError, UnknownTerritoryError, RunInProgressError, RenderError)):
            print(f"erreur : {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
