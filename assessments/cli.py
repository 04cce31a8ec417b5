"""`python -m assessments ...`: demo data, import, export, checks and the benchmark.

Every command honours AIMS_DB. Messages are single plain lines; exit codes: 0 ok, 1 the input
or the data has problems, 2 the command itself is wrong (including an output path that would lose
data), 3 the database is busy (held by another process, or writes kept clashing: try again).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from assessments.bench import configure_bench
from assessments.config import database_path, database_target
from assessments.errors import DatabaseBusyError, WorkbenchError
from assessments.impact_cli import configure_questionnaires, configure_score
from assessments.output_file import OutputPathError, check_output_path, write_atomically
from assessments.screening_cli import configure_screen
from assessments.store.db import Database

CLI_ACTOR = "command line"
# A file with thousands of bad rows lists the first ones, then how many more.
IMPORT_PROBLEMS_SHOWN = 50


def open_database() -> Database:
    return Database(database_target())


def missing_database() -> str | None:
    """For commands that only read: a mistyped AIMS_DB must not quietly create an empty
    database and export or check nothing. The message when the file is missing, else None
    (a PostgreSQL URL that does not connect says so when it is opened)."""
    path = database_path()
    if path is None or path.exists():
        return None
    return (
        f"There is no database at {path} (AIMS_DB): check the path. The app, 'demo' or 'import'"
        " creates one."
    )


def _write_output(payload: bytes, out: str | None, *, force: bool = False) -> None:
    if out:
        target = Path(out)
        check_output_path(target, database_path(), force=force)
        try:
            write_atomically(target, payload)
        except OSError as error:
            raise OutputPathError(f"cannot write {target}: {error.strerror or error}") from error
        print(f"Wrote {len(payload):,} bytes to {out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(payload)
        if not payload.endswith(b"\n"):
            sys.stdout.buffer.write(b"\n")
        sys.stdout.flush()


def cmd_demo(args: argparse.Namespace) -> int:
    from assessments.demo import load_demo

    database = open_database()
    report = load_demo(database)
    for line in report.lines():
        print(line)
    print(f"Demo portfolio loaded into {database.location} ({report.total} records added).")
    if getattr(args, "systems", None):
        from assessments.store.synthetic import generate_portfolio

        batch = generate_portfolio(database, args.systems)
        for line in batch.lines():
            print(line)
    return 0


AUDIT_EXPORT = "audit"
AUDIT_FORMATS = ("csv", "json")


def audit_trail_export(database: Database, fmt: str) -> bytes:
    """Every audit event with its prev_hash and hash, and the chain's head, for verifying the
    trail outside the app (the recipe: audit_chain.HOW_TO_VERIFY, carried in the JSON).

    JSON is the form to verify: {"head": {"last_id", "last_hash"}, "how_to_verify", "events":
    [...]}, each event exactly as hashed plus its "hash". CSV has one row per event in the same
    columns plus the head (chain_head_id, chain_head_hash) on every row; an empty before_state
    or after_state cell is null, and a cell a spreadsheet would run as a formula carries a
    leading apostrophe (assessments/reports/tabular.py's neutral_text) to drop before hashing.
    """
    import json

    import pandas as pd

    from assessments.reports.tabular import encode
    from assessments.store.audit_chain import (
        HASHED_FIELDS,
        HOW_TO_VERIFY,
        chain_head,
        exported_events,
    )

    head_id, head_hash = chain_head(database)
    events = list(exported_events(database))
    if fmt == "json":
        document = {
            "head": {"last_id": head_id, "last_hash": head_hash},
            "how_to_verify": HOW_TO_VERIFY,
            "events": events,
        }
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    frame = pd.DataFrame(events, columns=[*HASHED_FIELDS, "hash"])
    frame["chain_head_id"] = head_id
    frame["chain_head_hash"] = head_hash
    return encode(frame, fmt)


def cmd_export(args: argparse.Namespace) -> int:
    from assessments.exports import EXPORTS, Export

    exports = {**EXPORTS, AUDIT_EXPORT: Export(AUDIT_FORMATS, audit_trail_export, "audit-trail")}
    export = exports[args.what]
    fmt = args.format or export.formats[0]
    if fmt not in export.formats:
        print(
            f"'{args.what}' exports as {', '.join(export.formats)}, not '{fmt}'.", file=sys.stderr
        )
        return 2
    if fmt in ("xlsx", "pdf") and not args.out:
        print(f"{fmt.upper()} is binary: give --out FILE.", file=sys.stderr)
        return 2
    missing = missing_database()
    if missing:
        print(f"Nothing was exported: {missing}", file=sys.stderr)
        return 2
    try:
        if args.out:
            check_output_path(Path(args.out), database_path(), force=args.force)
        _write_output(export.build(open_database(), fmt), args.out, force=args.force)
    except OutputPathError as error:
        print(f"Nothing was exported: {error}", file=sys.stderr)
        return 2
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from assessments.importing import ImportFileError, parse_inventory
    from assessments.store.inventory import import_systems

    path = Path(args.file)
    if not path.exists():
        print(f"{path}: no such file.", file=sys.stderr)
        return 2
    try:
        systems = parse_inventory(path)
    except ImportFileError as error:
        if not error.errors:
            print(f"{str(error).rstrip('.')}. Nothing was imported.", file=sys.stderr)
            return 1
        print(
            f"{path.name}: nothing was imported; {len(error.errors):,} problem(s):", file=sys.stderr
        )
        for problem in error.errors[:IMPORT_PROBLEMS_SHOWN]:
            print(str(problem), file=sys.stderr)
        if len(error.errors) > IMPORT_PROBLEMS_SHOWN:
            print(
                f"... and {len(error.errors) - IMPORT_PROBLEMS_SHOWN:,} more; fix these and run"
                " the import again.",
                file=sys.stderr,
            )
        return 1
    try:
        outcome = import_systems(open_database(), args.actor, systems)
    except DatabaseBusyError:
        raise
    except WorkbenchError as error:
        print(f"{path.name}: nothing was imported. {error}", file=sys.stderr)
        return 1
    print(
        f"Imported {path.name}: {len(outcome.created)} created, {len(outcome.updated)} updated,"
        f" {len(outcome.unchanged)} unchanged."
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from assessments.store.health import check

    missing = missing_database()
    if missing:
        print(missing, file=sys.stderr)
        return 2
    report = check(open_database())
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


def cmd_copy(args: argparse.Namespace) -> int:
    from assessments.store.copying import copy_store

    report = copy_store(args.source, args.target)
    for line in report.lines():
        print(line)
    return 0


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("give 0 or more")
    return value


# Features register sub-commands here: name -> (help, configure(parser)).
EXTRA_COMMANDS: list[tuple[str, str, Callable[[argparse.ArgumentParser], None]]] = []
EXTRA_COMMANDS.append(
    ("screen", "screen an AI system against a regulation (EU AI Act)", configure_screen)
)
EXTRA_COMMANDS.append(
    ("questionnaires", "check the questionnaire files in data/", configure_questionnaires)
)
EXTRA_COMMANDS.append(
    ("score", "score an answer file without a database (impact level and floors)", configure_score)
)
EXTRA_COMMANDS.append(
    ("bench", "time the leadership pages at three scales (S, M, L)", configure_bench)
)


def build_parser() -> argparse.ArgumentParser:
    from assessments.exports import EXPORTS
    from assessments.store.audit_chain import HOW_TO_VERIFY

    parser = argparse.ArgumentParser(
        prog="python -m assessments",
        description="AI risk and impact workbench: command line (honours AIMS_DB).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="load the demo portfolio (safe to run twice)")
    demo.add_argument(
        "--systems",
        type=_non_negative,
        default=0,
        metavar="N",
        help="also make sure N synthetic AI systems exist (about 20 risks and 200 ratings each)",
    )
    demo.set_defaults(handler=cmd_demo)

    export = commands.add_parser(
        "export",
        help="export data as CSV, JSON or XLSX",
        description="'audit' writes every audit event with prev_hash and hash, and the chain's"
        " head, as CSV or JSON. To verify it: " + HOW_TO_VERIFY,
    )
    export.add_argument("what", choices=sorted([*EXPORTS, AUDIT_EXPORT]))
    export.add_argument("--format", choices=["csv", "json", "xlsx", "pdf"])
    export.add_argument(
        "--out",
        help="write to this file instead of standard output (never the database; an existing"
        " file only with --force)",
    )
    export.add_argument("--force", action="store_true", help="replace an existing --out file")
    export.set_defaults(handler=cmd_export)

    importer = commands.add_parser("import", help="import the inventory from CSV or XLSX")
    importer.add_argument("what", choices=["inventory"])
    importer.add_argument("file")
    importer.add_argument("--actor", default=CLI_ACTOR, help="name recorded in the audit trail")
    importer.set_defaults(handler=cmd_import)

    checker = commands.add_parser(
        "check",
        help="schema version, row counts, audit completeness, and an audit trail and audited"
        " records as the app wrote them (exit 1 names the first break)",
    )
    checker.set_defaults(handler=cmd_check)

    copier = commands.add_parser(
        "copy",
        help="copy a whole store (history and audit trail, ids kept) between a DuckDB file and"
        " PostgreSQL, into an empty target, and verify it",
    )
    copier.add_argument(
        "--from", dest="source", required=True, help="a DuckDB file or a postgresql:// URL"
    )
    copier.add_argument(
        "--to",
        dest="target",
        required=True,
        help="an empty (or new) DuckDB file or PostgreSQL database",
    )
    copier.set_defaults(handler=cmd_copy)

    for name, help_text, configure in EXTRA_COMMANDS:
        configure(commands.add_parser(name, help=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except DatabaseBusyError as error:
        print(str(error), file=sys.stderr)
        return 3
    except WorkbenchError as error:
        print(str(error), file=sys.stderr)
        return 1
